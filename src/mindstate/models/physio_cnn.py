"""A small multi-rate 1D-CNN over Empatica E4 wrist streams.

Each stream keeps its own sampling rate: BVP (64 Hz), EDA (4 Hz), TEMP (4 Hz) and ACC (32 Hz,
3 axes) each pass through their own convolution branch, are pooled over time (mean and max)
and concatenated before the head. The floor for wearable stress detection; the physiology
issue's sequence models replace it.
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import nn

from .base import MODELS, BaseModel, InputSpec

__all__ = ["PhysioCNN"]

STREAMS = ("bvp", "eda", "temp", "acc")


def _branch(n_in: int, width: int, n_layers: int, kernel: int, drop_prob: float) -> nn.Sequential:
    layers: list[nn.Module] = []
    c = n_in
    for i in range(n_layers):
        layers += [nn.Conv1d(c, width, kernel, padding=kernel // 2, stride=2 if i else 1),
                   nn.BatchNorm1d(width), nn.GELU(), nn.Dropout(drop_prob)]
        c = width
    return nn.Sequential(*layers)


@MODELS.register("physio_cnn")
class PhysioCNN(BaseModel):
    """One 1D-conv branch per stream (own rate), mean+max pooling, concatenation, linear head.

    Parameters
    ----------
    n_bvp_times, n_eda_times, n_temp_times, n_acc_times : int
        Samples per window of each stream (window length × its rate).
    n_outputs : int
        Outputs (classes).
    n_acc_chans : int
        Accelerometer axes (3 on the E4).
    width : int
        Channels of every convolution.
    n_layers : int
        Convolutions per branch (the first has stride 1, the others stride 2).
    kernel : int
        Kernel length in samples (of each stream's own rate).
    drop_prob : float
        Dropout after each convolution and before the head.
    """

    input_spec: ClassVar[dict[str, InputSpec]] = {
        "bvp": InputSpec((1, "n_bvp_times")), "eda": InputSpec((1, "n_eda_times")),
        "temp": InputSpec((1, "n_temp_times")), "acc": InputSpec(("n_acc_chans", "n_acc_times")),
    }
    test_config: ClassVar[dict[str, object]] = {
        "n_bvp_times": 64, "n_eda_times": 8, "n_temp_times": 8, "n_acc_times": 32,
        "n_outputs": 2, "width": 4, "n_layers": 2}

    def __init__(self, n_bvp_times: int, n_eda_times: int, n_temp_times: int,
                 n_acc_times: int, n_outputs: int, *, n_acc_chans: int = 3, width: int = 16,
                 n_layers: int = 3, kernel: int = 5, drop_prob: float = 0.2) -> None:
        from .._validation import check_int

        sizes = {k: check_int(v, k, min_value=2) for k, v in (
            ("n_bvp_times", n_bvp_times), ("n_eda_times", n_eda_times),
            ("n_temp_times", n_temp_times), ("n_acc_times", n_acc_times))}
        super().__init__(n_outputs, **sizes, n_acc_chans=n_acc_chans)
        self._store_config(width=width, n_layers=n_layers, kernel=kernel, drop_prob=drop_prob)
        chans = {"bvp": 1, "eda": 1, "temp": 1, "acc": n_acc_chans}
        self.branches = nn.ModuleDict({s: _branch(chans[s], width, n_layers, kernel, drop_prob)
                                       for s in STREAMS})
        self.drop = nn.Dropout(drop_prob)
        self.head = nn.Linear(2 * width * len(STREAMS), n_outputs)

    def forward_features(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Concatenated mean/max-pooled branch features (batch, 2 * width * 4)."""
        feats = []
        for s in STREAMS:
            h = self.branches[s](inputs[s])                  # (B, width, T_s')
            feats += [h.mean(dim=2), h.amax(dim=2)]          # 2 × (B, width)
        return self.drop(torch.cat(feats, dim=1))            # (B, 8 * width)
