"""CNN-LSTM: a convolutional front end feeding a recurrent layer.

The convolutional-recurrent family of EEG emotion models, e.g. Li et al., "Emotion recognition
from multi-channel EEG data through convolutional recurrent neural network", IEEE BIBM 2016, and
Yang et al., "Emotion recognition from multi-channel EEG through parallel convolutional recurrent
neural network", IJCNN 2018. This is a compact generic member of that family rather than a
reproduction of either paper: an EEGNet-style block (Lawhern et al., J. Neural Eng. 2018;
temporal conv → spatial conv across all channels → BN → ELU → average pool) turns the window
into a short sequence of feature vectors, a one-layer (bidirectional) LSTM reads the sequence,
and the time-averaged LSTM output feeds the classifier.
"""

from __future__ import annotations

import torch
from torch import nn

from .base import MODELS, EEGModel

__all__ = ["CNNLSTM"]


@MODELS.register("cnn_lstm")
class CNNLSTM(EEGModel):
    """CNN-LSTM for (batch, n_chans, n_times) windows.

    Parameters
    ----------
    n_chans, n_outputs, n_times : int
        Input channels, outputs and samples per window.
    sfreq : float | None
        Sampling frequency in Hz (128 Hz assumed when ``None``); kernel lengths given in
        seconds are converted with it.
    n_temporal : int
        Temporal filters of the first convolution.
    n_spatial : int
        Spatial filters (features per sequence step).
    filter_time_s : float
        Temporal kernel length in seconds.
    pool_time_s : float
        Average-pool length (and stride) in seconds: one LSTM step per pool.
    hidden_size : int
        LSTM hidden units per direction.
    bidirectional : bool
        Read the sequence in both directions.
    drop_prob : float
        Dropout after the convolutional block and before the classifier.
    """

    test_config = {"n_chans": 4, "n_outputs": 3, "n_times": 128, "sfreq": 64.0,
                   "n_temporal": 4, "n_spatial": 8, "hidden_size": 8}

    def __init__(
        self,
        n_chans: int,
        n_outputs: int,
        n_times: int,
        sfreq: float | None = None,
        *,
        n_temporal: int = 8,
        n_spatial: int = 16,
        filter_time_s: float = 0.25,
        pool_time_s: float = 0.125,
        hidden_size: int = 32,
        bidirectional: bool = True,
        drop_prob: float = 0.25,
    ) -> None:
        super().__init__(n_chans, n_outputs, n_times, sfreq)
        fs = 128.0 if sfreq is None else float(sfreq)
        k = max(3, int(round(filter_time_s * fs)) | 1)        # odd, so "same" padding is exact
        pool = max(1, int(round(pool_time_s * fs)))
        if n_times < max(k, 2 * pool):
            raise ValueError(
                f"n_times={n_times} is too short for filter_time_s={filter_time_s} and "
                f"pool_time_s={pool_time_s} at sfreq={fs:g} Hz; need at least "
                f"{max(k, 2 * pool)} samples. Use longer windows or shorter kernels."
            )
        self._store_config(n_temporal=n_temporal, n_spatial=n_spatial,
                           filter_time_s=filter_time_s, pool_time_s=pool_time_s,
                           hidden_size=hidden_size, bidirectional=bidirectional,
                           drop_prob=drop_prob)
        self.cnn = nn.Sequential(
            nn.Conv2d(1, n_temporal, (1, k), padding=(0, k // 2), bias=False),
            nn.BatchNorm2d(n_temporal),
            nn.Conv2d(n_temporal, n_spatial, (n_chans, 1), bias=False),
            nn.BatchNorm2d(n_spatial),
            nn.ELU(),
            nn.AvgPool2d((1, pool)),
            nn.Dropout(drop_prob),
        )
        self.lstm = nn.LSTM(n_spatial, hidden_size, batch_first=True,
                            bidirectional=bidirectional)
        self.drop = nn.Dropout(drop_prob)
        self.head = nn.Linear(hidden_size * (2 if bidirectional else 1), n_outputs)

    def forward_features(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Pooled features (batch, n_features) of ``inputs["eeg"]`` (batch, n_chans, n_times)."""
        x = self.cnn(inputs["eeg"].unsqueeze(1))              # (B, n_spatial, 1, T / pool)
        x = x.squeeze(2).transpose(1, 2)                      # (B, S, n_spatial)
        out, _ = self.lstm(x)                                 # (B, S, hidden * n_dirs)
        return self.drop(out.mean(1))                         # (B, hidden * n_dirs)
