"""DGCNN: dynamical graph convolutional neural network.

Song, Zheng, Song & Cui, "EEG emotion recognition using dynamical graph convolutional neural
networks", IEEE Transactions on Affective Computing 11(3), 2020. Each electrode is a graph node
whose features are band powers; the adjacency matrix between electrodes is a trainable
parameter, and a Chebyshev-polynomial graph convolution of order ``K`` on its normalised
Laplacian is followed by a 1×1 convolution and a fully connected classifier.

Differences from the paper: the node features are computed inside the model from the raw window
(log-variance of fixed FIR band-passed signals, i.e. differential entropy up to a constant)
rather than read from precomputed DE/PSD features, and the adjacency is kept symmetric by
construction (``relu((W + W.T) / 2)``), which the paper's spectral derivation assumes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import nn

from .base import MODELS, EEGModel
from .layers import BandFilterBank, band_taps, log_variance

__all__ = ["DGCNN"]


class _ChebConv(nn.Module):
    """``sum_k T_k(L~) X Theta_k`` with ``L~ = 2 L / lambda_max - I`` and ``lambda_max = 2``."""

    def __init__(self, in_features: int, out_features: int, order: int) -> None:
        super().__init__()
        self.order = order
        self.theta = nn.Parameter(torch.empty(order, in_features, out_features))
        self.bias = nn.Parameter(torch.zeros(out_features))
        nn.init.xavier_uniform_(self.theta)

    def forward(self, x: torch.Tensor, lap: torch.Tensor) -> torch.Tensor:
        # x: (B, C, F_in); lap: scaled Laplacian (C, C)
        t_prev, t_cur = x, lap @ x                            # T_0 X, T_1 X: (B, C, F_in)
        out = t_prev @ self.theta[0]                          # (B, C, F_out)
        if self.order > 1:
            out = out + t_cur @ self.theta[1]
        for k in range(2, self.order):
            t_prev, t_cur = t_cur, 2 * (lap @ t_cur) - t_prev  # Chebyshev recursion
            out = out + t_cur @ self.theta[k]
        return out + self.bias                                # (B, C, F_out)


@MODELS.register("dgcnn")
class DGCNN(EEGModel):
    """DGCNN on in-model band-power node features of (batch, n_chans, n_times) windows.

    Parameters
    ----------
    n_chans, n_outputs, n_times : int
        Input channels (graph nodes), outputs and samples per window.
    sfreq : float | None
        Sampling frequency in Hz (128 Hz assumed when ``None``); it sets the band-pass filters.
    bands : mapping of str to (float, float) | None
        Frequency bands in Hz; delta, theta, alpha, beta and gamma when ``None``.
    filter_time_s : float
        Band-pass FIR length in seconds.
    cheb_order : int
        Number of Chebyshev terms ``K`` (``K = 1`` is a per-node linear map).
    n_filters : int
        Graph-convolution output features per node.
    drop_prob : float
        Dropout before the classifier.
    """

    test_config = {"n_chans": 6, "n_outputs": 3, "n_times": 160, "sfreq": 128.0,
                   "n_filters": 8}

    def __init__(
        self,
        n_chans: int,
        n_outputs: int,
        n_times: int,
        sfreq: float | None = None,
        *,
        bands: Mapping[str, Sequence[float]] | None = None,
        filter_time_s: float = 0.5,
        cheb_order: int = 2,
        n_filters: int = 32,
        drop_prob: float = 0.25,
    ) -> None:
        super().__init__(n_chans, n_outputs, n_times, sfreq)
        fs = 128.0 if sfreq is None else float(sfreq)
        n_taps = band_taps(fs, filter_time_s)
        if n_times < n_taps + 1:
            raise ValueError(
                f"n_times={n_times} is too short for filter_time_s={filter_time_s} at "
                f"sfreq={fs:g} Hz; need at least {n_taps + 1} samples. Use longer windows or "
                "shorter filters."
            )
        if cheb_order < 1:
            raise ValueError(f"cheb_order must be >= 1; got {cheb_order}.")
        self._store_config(
            bands=None if bands is None else {k: [float(v) for v in e] for k, e in bands.items()},
            filter_time_s=filter_time_s, cheb_order=cheb_order, n_filters=n_filters,
            drop_prob=drop_prob)
        self.filters = BandFilterBank(fs, bands, n_taps)
        n_bands = self.filters.n_bands
        self.bn = nn.BatchNorm1d(n_bands)
        # Learnable adjacency, positive at init (a fully connected graph with random weights).
        self.adj_weight = nn.Parameter(torch.empty(n_chans, n_chans).uniform_(0.5, 1.0))
        self.graph_conv = _ChebConv(n_bands, n_filters, cheb_order)
        self.conv1x1 = nn.Conv1d(n_filters, n_filters, kernel_size=1)
        self.act = nn.ReLU()
        self.drop = nn.Dropout(drop_prob)
        self.head = nn.Linear(n_filters * n_chans, n_outputs)

    def adjacency(self) -> torch.Tensor:
        """The symmetric, non-negative adjacency matrix ``relu((W + W.T) / 2)``.

        Returns
        -------
        Tensor of shape (n_chans, n_chans)
            Edge weights between electrodes.
        """
        return torch.relu(0.5 * (self.adj_weight + self.adj_weight.T))

    def _scaled_laplacian(self) -> torch.Tensor:
        a = self.adjacency()                                  # (C, C)
        d_inv_sqrt = (a.sum(1) + 1e-6).rsqrt()                # eps keeps isolated nodes finite
        a_norm = d_inv_sqrt[:, None] * a * d_inv_sqrt[None]   # D^-1/2 W D^-1/2
        # L = I - a_norm; with lambda_max = 2, L~ = L - I = -a_norm.
        return -a_norm

    def forward_features(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Pooled features (batch, n_features) of ``inputs["eeg"]`` (batch, n_chans, n_times)."""
        x = self.filters(inputs["eeg"])                       # (B, n_bands, C, T')
        x = self.bn(log_variance(x))                          # (B, n_bands, C)
        x = x.transpose(1, 2)                                 # (B, C, n_bands): node features
        x = self.act(self.graph_conv(x, self._scaled_laplacian()))  # (B, C, n_filters)
        x = self.act(self.conv1x1(x.transpose(1, 2)))         # (B, n_filters, C)
        return self.drop(x.flatten(1))                        # (B, n_filters * C)
