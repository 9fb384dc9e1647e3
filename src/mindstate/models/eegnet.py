"""EEGNet.

Lawhern et al., "EEGNet: a compact convolutional neural network for EEG-based brain-computer
interfaces", J. Neural Eng. 15(5), 2018. Temporal conv → depthwise spatial conv → separable conv.
"""

from __future__ import annotations

import torch
from torch import nn

from .base import MODELS, EEGModel

__all__ = ["EEGNet"]


@MODELS.register("eegnet")
class EEGNet(EEGModel):
    """EEGNet-4,2 for (batch, n_chans, n_times) windows.

    Parameters
    ----------
    n_chans, n_outputs, n_times : int
        Input channels, outputs and samples per window.
    sfreq : float | None
        Sampling frequency in Hz (temporal kernel = half a second of samples).
    F1, D, F2 : int
        Temporal filters, depth multiplier, pointwise filters.
    drop_prob : float
        Dropout probability.
    """

    test_config = {"n_chans": 4, "n_outputs": 3, "n_times": 128, "sfreq": 64.0, "F1": 4,
                   "D": 2, "F2": 8}

    def __init__(
        self,
        n_chans: int,
        n_outputs: int,
        n_times: int,
        sfreq: float | None = None,
        *,
        F1: int = 8,
        D: int = 2,
        F2: int = 16,
        drop_prob: float = 0.25,
    ) -> None:
        super().__init__(n_chans, n_outputs, n_times, sfreq)
        self._store_config(F1=F1, D=D, F2=F2, drop_prob=drop_prob)
        fs = 128.0 if sfreq is None else float(sfreq)
        k = max(3, int(round(fs / 2)) | 1)
        if n_times < 32:
            raise ValueError(f"n_times={n_times} is too short for EEGNet; need at least 32.")
        self.block1 = nn.Sequential(
            nn.Conv2d(1, F1, (1, k), padding=(0, k // 2), bias=False),
            nn.BatchNorm2d(F1),
            nn.Conv2d(F1, F1 * D, (n_chans, 1), groups=F1, bias=False),
            nn.BatchNorm2d(F1 * D),
            nn.ELU(),
            nn.AvgPool2d((1, 4)),
            nn.Dropout(drop_prob),
        )
        self.block2 = nn.Sequential(
            nn.Conv2d(F1 * D, F1 * D, (1, 15), padding=(0, 7), groups=F1 * D, bias=False),
            nn.Conv2d(F1 * D, F2, 1, bias=False),
            nn.BatchNorm2d(F2),
            nn.ELU(),
            nn.AvgPool2d((1, 8)),
            nn.Dropout(drop_prob),
        )
        self.head = nn.Linear(F2 * (n_times // 4 // 8), n_outputs)

    def forward_features(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Pooled features (batch, n_features) of ``inputs["eeg"]`` (batch, n_chans, n_times)."""
        x = inputs["eeg"]
        x = self.block1(x.unsqueeze(1))         # (B, F1*D, 1, T/4)
        x = self.block2(x)                      # (B, F2, 1, T/32)
        return x.flatten(1)                     # (B, F2 * T/32)
