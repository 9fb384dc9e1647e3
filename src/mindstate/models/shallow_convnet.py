"""Shallow ConvNet.

Schirrmeister et al., "Deep learning with convolutional neural networks for EEG decoding and
visualization", Human Brain Mapping 38(11), 2017. Temporal convolution → spatial convolution →
square → mean pool → log: a learnable filter-bank log-band-power model, the standard shallow
baseline for oscillatory EEG tasks.
"""

from __future__ import annotations

import torch
from torch import nn

from .base import MODELS, EEGModel

__all__ = ["ShallowConvNet"]


class _SafeLog(nn.Module):
    def __init__(self, eps: float = 1e-6) -> None:
        super().__init__()
        self.eps = eps  # in squared normalised units; inputs are standardised upstream

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.log(torch.clamp(x, min=self.eps))


@MODELS.register("shallow_convnet")
class ShallowConvNet(EEGModel):
    """Shallow ConvNet for (batch, n_chans, n_times) windows.

    Parameters
    ----------
    n_chans, n_outputs, n_times : int
        Input channels, outputs (classes) and samples per window.
    sfreq : float | None
        Sampling frequency in Hz; kernel lengths given in seconds are converted with it.
    n_filters : int
        Temporal and spatial filters.
    filter_time_s : float
        Temporal kernel length in seconds (0.1 s ≈ 25 samples at 250 Hz as in the paper).
    pool_time_s, pool_stride_s : float
        Mean-pool length and stride in seconds (0.3 s and 0.06 s in the paper).
    drop_prob : float
        Dropout before the classifier.
    """

    test_config = {"n_chans": 4, "n_outputs": 3, "n_times": 128, "sfreq": 64.0, "n_filters": 8}

    def __init__(
        self,
        n_chans: int,
        n_outputs: int,
        n_times: int,
        sfreq: float | None = None,
        *,
        n_filters: int = 40,
        filter_time_s: float = 0.1,
        pool_time_s: float = 0.3,
        pool_stride_s: float = 0.06,
        drop_prob: float = 0.5,
    ) -> None:
        super().__init__(n_chans, n_outputs, n_times, sfreq)
        fs = 250.0 if sfreq is None else float(sfreq)
        k = max(2, int(round(filter_time_s * fs)))
        pool = max(2, int(round(pool_time_s * fs)))
        stride = max(1, int(round(pool_stride_s * fs)))
        if n_times < k + pool - 1:
            raise ValueError(
                f"n_times={n_times} is too short for filter_time_s={filter_time_s} and "
                f"pool_time_s={pool_time_s} at sfreq={fs:g} Hz; need at least {k + pool - 1} "
                "samples. Use longer windows or shorter kernels."
            )
        self._store_config(n_filters=n_filters, filter_time_s=filter_time_s,
                           pool_time_s=pool_time_s, pool_stride_s=pool_stride_s,
                           drop_prob=drop_prob)
        self.temporal = nn.Conv2d(1, n_filters, (1, k))
        self.spatial = nn.Conv2d(n_filters, n_filters, (n_chans, 1), bias=False)
        self.bn = nn.BatchNorm2d(n_filters)
        self.pool = nn.AvgPool2d((1, pool), stride=(1, stride))
        self.log = _SafeLog()
        self.drop = nn.Dropout(drop_prob)
        n_out_t = (n_times - k + 1 - pool) // stride + 1
        self.head = nn.Linear(n_filters * n_out_t, n_outputs)

    def forward_features(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Pooled features (batch, n_features) of ``inputs["eeg"]`` (batch, n_chans, n_times)."""
        x = inputs["eeg"]
        x = x.unsqueeze(1)                      # (B, 1, C, T)
        x = self.temporal(x)                    # (B, F, C, T - k + 1)
        x = self.bn(self.spatial(x))            # (B, F, 1, T')
        x = self.log(self.pool(x * x))          # (B, F, 1, T'')
        return self.drop(x.flatten(1))          # (B, F * T'')
