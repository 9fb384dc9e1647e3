"""MAET: multimodal adaptive emotion transformer, EEG-only adaptation.

Jiang, Liu, Zheng & Lu, "Multimodal adaptive emotion transformer with flexible modality inputs on
a novel dataset with continuous labels", ACM Multimedia 2023 (SEED-VII; code at
github.com/935963004/MAET). MAET's EEG branch takes the differential-entropy (DE) vector of all
channels in five bands, expands it into ``n_views`` tokens with a *multi-view embedding* (one
shared linear projection, gated per view by its own sigmoid gate, then batch norm), prepends a
class token, adds learned position embeddings, and runs pre-norm Transformer blocks with layer
scale; the mean of the view tokens feeds the classifier.

This is an EEG-only adaptation built from that description and the authors' code:

- DE is computed inside the model from the raw window (log-variance of fixed FIR band-passed
  signals, DE up to a constant) instead of offline 1-s DE features smoothed with a linear
  dynamical system; a per-band batch norm stands in for the offline feature standardisation.
- The eye-movement branch, the modality-type embeddings, the modality-specific and mixture
  feed-forward experts, the EEG/eye fusion, prompt tuning and the adversarial subject
  (domain-generalisation) classifier are left out: with one modality they reduce to the plain
  pre-norm blocks kept here, and domain adversarial training belongs in the training system.
- Default sizes follow the example configuration in the authors' README (embed_dim 32, depth 3,
  4 heads, 5 views, MLP ratio 4, layer-scale init 0.1); dropout is added (``drop_prob``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import nn

from .base import MODELS, EEGModel
from .layers import BandFilterBank, band_taps, log_variance

__all__ = ["MAET"]


class _MultiViewEmbedding(nn.Module):
    """One shared projection of the feature vector, gated separately for each view."""

    def __init__(self, in_features: int, d_model: int, n_views: int) -> None:
        super().__init__()
        self.n_views, self.d_model = n_views, d_model
        self.proj = nn.Linear(in_features, d_model)
        self.gates = nn.Linear(in_features, d_model * n_views)
        self.bn = nn.BatchNorm1d(d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: (B, F)
        value = self.proj(x)[:, None, :]                                   # (B, 1, d)
        gate = torch.sigmoid(self.gates(x)).view(-1, self.n_views, self.d_model)  # (B, V, d)
        x = value * gate                                                   # (B, V, d)
        return self.bn(x.transpose(1, 2)).transpose(1, 2)                  # (B, V, d)


class _Block(nn.Module):
    """Pre-norm self-attention and MLP, each residual branch scaled by a learned vector."""

    def __init__(self, d_model: int, n_heads: int, mlp_ratio: float, drop_prob: float,
                 layer_scale: float) -> None:
        super().__init__()
        hidden = int(d_model * mlp_ratio)
        self.norm1 = nn.LayerNorm(d_model, eps=1e-6)
        self.attn = nn.MultiheadAttention(d_model, n_heads, dropout=drop_prob, batch_first=True)
        self.drop = nn.Dropout(drop_prob)
        self.norm2 = nn.LayerNorm(d_model, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(d_model, hidden), nn.GELU(), nn.Dropout(drop_prob),
                                 nn.Linear(hidden, d_model), nn.Dropout(drop_prob))
        self.gamma1 = nn.Parameter(torch.full((d_model,), layer_scale))
        self.gamma2 = nn.Parameter(torch.full((d_model,), layer_scale))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.norm1(x)                                                  # (B, N, d)
        x = x + self.gamma1 * self.drop(self.attn(h, h, h, need_weights=False)[0])
        return x + self.gamma2 * self.mlp(self.norm2(x))                   # (B, N, d)


@MODELS.register("maet")
class MAET(EEGModel):
    """MAET (EEG-only) on in-model differential-entropy features of (batch, n_chans, n_times).

    Parameters
    ----------
    n_chans, n_outputs, n_times : int
        Input channels, outputs and samples per window.
    sfreq : float | None
        Sampling frequency in Hz (128 Hz assumed when ``None``); it sets the band-pass filters.
    bands : mapping of str to (float, float) | None
        Frequency bands in Hz; delta, theta, alpha, beta and gamma when ``None``.
    filter_time_s : float
        Band-pass FIR length in seconds.
    n_views : int
        Tokens produced by the multi-view embedding.
    d_model : int
        Token dimension.
    n_heads : int
        Attention heads (must divide ``d_model``).
    n_layers : int
        Transformer blocks.
    mlp_ratio : float
        MLP hidden size as a multiple of ``d_model``.
    layer_scale : float
        Initial value of the per-channel residual scales.
    drop_prob : float
        Dropout in the blocks, after the embedding and before the classifier.
    """

    test_config = {"n_chans": 6, "n_outputs": 3, "n_times": 160, "sfreq": 128.0,
                   "n_views": 3, "d_model": 16, "n_heads": 2, "n_layers": 2}

    def __init__(
        self,
        n_chans: int,
        n_outputs: int,
        n_times: int,
        sfreq: float | None = None,
        *,
        bands: Mapping[str, Sequence[float]] | None = None,
        filter_time_s: float = 0.5,
        n_views: int = 5,
        d_model: int = 32,
        n_heads: int = 4,
        n_layers: int = 3,
        mlp_ratio: float = 4.0,
        layer_scale: float = 0.1,
        drop_prob: float = 0.1,
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
        if d_model % n_heads:
            raise ValueError(f"d_model={d_model} must be divisible by n_heads={n_heads}.")
        self._store_config(
            bands=None if bands is None else {k: [float(v) for v in e] for k, e in bands.items()},
            filter_time_s=filter_time_s, n_views=n_views, d_model=d_model, n_heads=n_heads,
            n_layers=n_layers, mlp_ratio=mlp_ratio, layer_scale=layer_scale,
            drop_prob=drop_prob)
        self.filters = BandFilterBank(fs, bands, n_taps)
        n_bands = self.filters.n_bands
        self.feature_bn = nn.BatchNorm1d(n_bands)
        self.embed = _MultiViewEmbedding(n_bands * n_chans, d_model, n_views)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d_model))
        self.pos = nn.Parameter(torch.zeros(1, n_views + 1, d_model))
        self.embed_drop = nn.Dropout(drop_prob)
        self.blocks = nn.ModuleList(
            _Block(d_model, n_heads, mlp_ratio, drop_prob, layer_scale) for _ in range(n_layers))
        self.norm = nn.LayerNorm(d_model, eps=1e-6)
        self.drop = nn.Dropout(drop_prob)
        self.head = nn.Linear(d_model, n_outputs)
        self.apply(self._init_weights)
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        nn.init.trunc_normal_(self.pos, std=0.02)

    @staticmethod
    def _init_weights(m: nn.Module) -> None:
        if isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)

    def forward_features(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Pooled features (batch, n_features) of ``inputs["eeg"]`` (batch, n_chans, n_times)."""
        x = self.filters(inputs["eeg"])                       # (B, n_bands, C, T')
        x = self.feature_bn(log_variance(x)).flatten(1)       # (B, n_bands * C): DE vector
        x = self.embed(x)                                     # (B, V, d)
        cls = self.cls_token.expand(x.shape[0], -1, -1)       # (B, 1, d)
        x = self.embed_drop(torch.cat([cls, x], 1) + self.pos)  # (B, V + 1, d)
        for block in self.blocks:
            x = block(x)                                      # (B, V + 1, d)
        x = self.norm(x)
        return self.drop(x[:, 1:].mean(1))                    # (B, d): mean of view tokens
