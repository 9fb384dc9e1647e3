"""A two-input floor for HMS: a 1D-CNN on the raw EEG window plus a 2D-CNN on the spectrogram.

One sample is ``{"eeg": (n_chans, n_times), "spec": (4, n_freqs, n_frames)}`` (the 50-s EEG
window and the 10-min LL/RL/LP/RP log-spectrogram window, as the HMS winners fed both). The two
branches are pooled and concatenated before a linear head producing six logits (soft labels,
KL loss). The HMS issue's ResNet1D-GRU and EfficientNet-style models replace it.
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import nn

from .base import MODELS, BaseModel, InputSpec

__all__ = ["HMSBaseline"]


@MODELS.register("hms_baseline")
class HMSBaseline(BaseModel):
    """Strided 1D convolutions on EEG + 2D convolutions on the spectrogram, fused.

    Parameters
    ----------
    n_chans, n_times : int
        EEG channels and samples per window.
    n_freqs, n_frames : int
        Spectrogram frequency bins and time frames (per region).
    n_outputs : int
        Outputs (6 HMS classes).
    n_regions : int
        Spectrogram regions (LL, RL, LP, RP).
    width : int
        Channels of the convolutions.
    drop_prob : float
        Dropout before the head.
    """

    input_spec: ClassVar[dict[str, InputSpec]] = {
        "eeg": InputSpec(("n_chans", "n_times")),
        "spec": InputSpec(("n_regions", "n_freqs", "n_frames")),
    }
    test_config: ClassVar[dict[str, object]] = {"n_chans": 4, "n_times": 200, "n_freqs": 10,
                                                "n_frames": 12, "n_outputs": 6, "width": 8}

    def __init__(self, n_chans: int, n_times: int, n_freqs: int, n_frames: int,
                 n_outputs: int, *, n_regions: int = 4, width: int = 32,
                 drop_prob: float = 0.3) -> None:
        super().__init__(n_outputs, n_chans=n_chans, n_times=n_times, n_freqs=n_freqs,
                         n_frames=n_frames, n_regions=n_regions)
        self._store_config(width=width, drop_prob=drop_prob)
        eeg: list[nn.Module] = []
        c = n_chans
        for k, s in ((7, 2), (7, 2), (5, 2), (5, 2)):
            eeg += [nn.Conv1d(c, width, k, stride=s, padding=k // 2), nn.BatchNorm1d(width),
                    nn.GELU()]
            c = width
        self.eeg = nn.Sequential(*eeg)
        self.spec = nn.Sequential(
            nn.Conv2d(n_regions, width, 3, padding=1), nn.BatchNorm2d(width), nn.GELU(),
            nn.MaxPool2d(2, ceil_mode=True),
            nn.Conv2d(width, width, 3, padding=1), nn.BatchNorm2d(width), nn.GELU(),
        )
        self.drop = nn.Dropout(drop_prob)
        self.head = nn.Linear(3 * width, n_outputs)

    def forward_features(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Pooled EEG (mean, max) and spectrogram (mean) features, (batch, 3 * width)."""
        e = self.eeg(inputs["eeg"])                          # (B, W, T')
        s = self.spec(inputs["spec"])                        # (B, W, F', S')
        feats = [e.mean(dim=2), e.amax(dim=2), s.mean(dim=(2, 3))]
        return self.drop(torch.cat(feats, dim=1))            # (B, 3W)
