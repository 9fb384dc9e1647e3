"""AHLSA: adaptive hierarchical least-squares attention for EEG.

After S. Ahmed, "Adaptive Hierarchical Least Squares Attention Networks" (2025, work in
progress; seed of this module), with the temporal expert written as test-time regression
(Wang, Shi & Fox, arXiv 2501.12352) and the least-squares/attention reading of Goulet
Coulombe (arXiv 2504.09663). Three experts, each the solution of a least-squares problem:

1. temporal: ``min_θ Σ γ^{t-s}||θᵀk_s - v_s||² + λ₁||θ||²`` per channel, by recursive least
   squares over band-power tokens (causal, streamable at O(d²) per sample);
2. spatial: ``min_φ Σ_c w_c ||φᵀk_c - v_c||² + λ||φ||²`` across electrodes, ``w_c`` the
   channel's signal quality, so a flat, NaN or wild electrode drops out of the fit;
3. integration: ``min_Ψ ½||DΨ - h||² + λ₂||Ψ||₁`` by unrolled FISTA (sparse code → head).

Registered forms: ``ahlsa`` on raw windows ``{"eeg": (B, n_chans, n_times)}`` (a learnable
band-pass filter bank makes the tokens), ``ahlsa_de`` on differential-entropy features
``{"de": (B, n_chans, seq_len, n_bands)}``, and ``ahlsa_seq`` on generic token sequences
``{"x": (B, seq_len, d_model)}`` (:func:`Phase1RLSModel`, the seed's API).
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from ._ahlsa_experts import SpatialWLSExpert, TemporalRLSExpert, channel_quality
from .base import MODELS, BaseModel, EEGModel, InputSpec
from .least_squares import LassoLayer

__all__ = ["AHLSA", "AHLSADE", "AHLSASequence", "Phase1RLSModel"]


def _band_edges(n_bands: int, sfreq: float) -> list[tuple[float, float]]:
    """``n_bands`` log-spaced pass bands between 1 Hz and min(45 Hz, 0.45·sfreq)."""
    hi = min(45.0, 0.45 * sfreq)
    edges = np.geomspace(1.0, hi, n_bands + 1)
    return [(float(a), float(b)) for a, b in zip(edges[:-1], edges[1:])]


class _AHLSACore(nn.Module):
    """Experts over tokens ``(B, C, T', F)`` with channel quality ``(B, C)`` → code ``(B, n)``."""

    def __init__(self, n_chans: int, d_token: int, *, d_key: int, d_value: int,
                 n_queries: int, n_atoms: int, lasso_iter: int, forget: float,
                 use_temporal: bool, use_spatial: bool, use_lasso: bool,
                 channel_readout: bool = True) -> None:
        super().__init__()
        self.channel_readout = channel_readout
        self.use_temporal, self.use_spatial, self.use_lasso = use_temporal, use_spatial, use_lasso
        self.temporal = (TemporalRLSExpert(d_token, d_key, d_value, forget=forget)
                         if use_temporal else None)
        d_u = d_token + (2 * d_value if use_temporal else 0)
        self.spatial = (SpatialWLSExpert(d_u, n_chans, d_key, d_value, n_queries=n_queries)
                        if use_spatial else None)
        d_h = d_u + (n_queries * d_value if use_spatial else 0)
        d_h += n_chans * d_u if channel_readout else 0
        self.norm = nn.LayerNorm(d_h)
        self.lasso = LassoLayer(d_h, n_atoms, n_iter=lasso_iter) if use_lasso else None
        self.n_features = n_atoms if use_lasso else d_h

    def forward(self, tokens: torch.Tensor, quality: torch.Tensor
                ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        B, C, T, F = tokens.shape
        u = tokens.mean(dim=2)                                         # (B, C, F)
        extras: dict[str, torch.Tensor] = {}
        if self.temporal is not None:
            t_out = self.temporal(tokens.reshape(B * C, T, F))
            o = t_out["outputs"].reshape(B, C, T, -1)                  # (B, C, T, dv)
            u = torch.cat([u, o.mean(dim=2), o[:, :, -1]], dim=-1)     # (B, C, F + 2dv)
            extras["time_scores"] = t_out["scores"].reshape(B, C, T)
            extras["temporal_variance"] = t_out["variance"].reshape(B, C)
        w = quality / quality.sum(-1, keepdim=True).clamp_min(1e-6)    # (B, C)
        h = (w.unsqueeze(-1) * u).sum(1)                               # (B, d_u)
        if self.spatial is not None:
            s_out = self.spatial(u, quality)
            h = torch.cat([h, s_out["outputs"].flatten(1)], dim=-1)    # (B, d_h)
            extras["channel_scores"] = s_out["scores"]
            extras["spatial_variance"] = s_out["variance"]
        if self.channel_readout:  # every electrode's summary, zero for a zero-quality one
            h = torch.cat([h, (quality.unsqueeze(-1) * u).flatten(1)], dim=-1)
        extras["channel_weights"] = quality
        h = self.norm(h)
        z = self.lasso(h) if self.lasso is not None else h             # (B, n_features)
        return z, extras


class _AHLSAMixin:
    """Shared ``forward_features`` / :meth:`expert_scores` of the registered AHLSA forms."""

    core: _AHLSACore
    drop: nn.Module

    @abstractmethod
    def _tokens(self, inputs: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """Tokens (batch, n_chans, n_tokens, token_size) and channel quality (batch, n_chans)."""

    def forward_features(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Sparse code (batch, n_features) of the experts' answers."""
        tokens, quality = self._tokens(inputs)
        z, _ = self.core(tokens, quality)
        return self.drop(z)

    @torch.no_grad()
    def expert_scores(self, inputs: dict[str, torch.Tensor] | torch.Tensor) -> dict[str, Any]:
        """The experts' honest (unnormalised, signed) scores and least-squares variances.

        Parameters
        ----------
        inputs : dict of str to Tensor, or Tensor
            A batch, as for ``forward``.

        Returns
        -------
        dict of str to ndarray
            ``time`` (batch, n_tokens): weight of each time token in the last temporal
            answer, quality-weighted mean over channels; ``channel`` (batch, n_chans): the
            spatial expert's electrode scores; ``band`` (batch, n_bands): channel-score-weighted
            standardised band power; ``channel_weight`` (batch, n_chans): the quality weights;
            ``variance`` (batch,): the least-squares predictive variance (spatial expert when
            present, else temporal); ``sparsity``: fraction of zero entries of the LASSO code.
        """
        was = self.training  # type: ignore[attr-defined]
        self.eval()  # type: ignore[attr-defined]
        try:
            checked = self.check_inputs(inputs)  # type: ignore[attr-defined]
            tokens, quality = self._tokens(checked)
            z, extras = self.core(tokens, quality)
        finally:
            self.train(was)  # type: ignore[attr-defined]
        w = quality / quality.sum(-1, keepdim=True).clamp_min(1e-6)
        out: dict[str, Any] = {"channel_weight": quality.cpu().numpy()}
        if "time_scores" in extras:
            out["time"] = (extras["time_scores"] * w.unsqueeze(-1)).sum(1).cpu().numpy()
        if "channel_scores" in extras:
            cs = extras["channel_scores"]
            out["channel"] = cs.cpu().numpy()
            band_u = tokens.mean(dim=2)                                # (B, C, F)
            out["band"] = (cs.abs().unsqueeze(-1) * band_u).sum(1).cpu().numpy()
            out["variance"] = extras["spatial_variance"].cpu().numpy()
        elif "temporal_variance" in extras:
            out["variance"] = (extras["temporal_variance"] * w).sum(-1).cpu().numpy()
        out["sparsity"] = float((z == 0).float().mean()) if self.core.lasso is not None else 0.0
        return out


def _core_kwargs(d_key: int, d_value: int, n_queries: int, n_atoms: int, lasso_iter: int,
                 forget: float, use_temporal: bool, use_spatial: bool,
                 use_lasso: bool) -> dict[str, Any]:
    return {"d_key": d_key, "d_value": d_value, "n_queries": n_queries, "n_atoms": n_atoms,
            "lasso_iter": lasso_iter, "forget": forget, "use_temporal": use_temporal,
            "use_spatial": use_spatial, "use_lasso": use_lasso}


@MODELS.register("ahlsa")
class AHLSA(_AHLSAMixin, EEGModel):
    """AHLSA on raw EEG windows (batch, n_chans, n_times).

    A learnable FIR filter bank (initialised as log-spaced band-passes) and log mean power over
    short segments make one token per channel and segment; the experts above do the rest.

    Parameters
    ----------
    n_chans, n_outputs, n_times : int
        Window size and outputs.
    sfreq : float | None
        Sampling rate (Hz); 128 when ``None``.
    n_bands : int
        Filters of the bank (token size).
    filter_time_s : float
        FIR length in seconds.
    token_s, token_step_s : float
        Segment length and step of the power tokens, in seconds.
    d_key, d_value, n_queries : int
        Expert sizes.
    n_atoms, lasso_iter : int
        LASSO code length and unrolled FISTA iterations.
    forget : float
        Initial forgetting factor of the temporal expert.
    drop_prob : float
        Dropout on the code.
    use_temporal, use_spatial, use_lasso : bool
        Switch an expert off (ablation); without LASSO the normalised expert outputs feed the
        head directly.
    channel_readout : bool
        Also pass every electrode's summary (band power and temporal answers, times its
        quality weight) to the integration, not only the spatial expert's answers.
    """

    test_config: ClassVar[dict[str, Any]] = {"n_chans": 4, "n_outputs": 3, "n_times": 128,
                                             "sfreq": 64.0, "n_bands": 4, "n_atoms": 8}

    def __init__(self, n_chans: int, n_outputs: int, n_times: int, sfreq: float | None = None,
                 *, n_bands: int = 8, filter_time_s: float = 0.25, token_s: float = 0.5,
                 token_step_s: float = 0.25, d_key: int = 8, d_value: int = 8,
                 n_queries: int = 4, n_atoms: int = 32, lasso_iter: int = 8,
                 forget: float = 0.98, drop_prob: float = 0.3, use_temporal: bool = True,
                 use_spatial: bool = True, use_lasso: bool = True,
                 channel_readout: bool = True) -> None:
        super().__init__(n_chans, n_outputs, n_times, sfreq)
        from scipy.signal import firwin

        fs = 128.0 if sfreq is None else float(sfreq)
        taps = max(5, int(round(filter_time_s * fs)) | 1)
        seg, step = max(2, int(round(token_s * fs))), max(1, int(round(token_step_s * fs)))
        if n_times < taps + seg - 1:
            raise ValueError(
                f"n_times={n_times} is too short for filter_time_s={filter_time_s} and "
                f"token_s={token_s} at sfreq={fs:g} Hz; need at least {taps + seg - 1} samples. "
                "Use longer windows or shorter filters/tokens.")
        self._store_config(n_bands=n_bands, filter_time_s=filter_time_s, token_s=token_s,
                           token_step_s=token_step_s, d_key=d_key, d_value=d_value,
                           n_queries=n_queries, n_atoms=n_atoms, lasso_iter=lasso_iter,
                           forget=forget, drop_prob=drop_prob, use_temporal=use_temporal,
                           use_spatial=use_spatial, use_lasso=use_lasso,
                           channel_readout=channel_readout)
        self.band_edges = _band_edges(n_bands, fs)                     # initial pass bands (Hz)
        bank = np.stack([firwin(taps, band, pass_zero=False, fs=fs)
                         for band in self.band_edges])                 # (F, taps)
        self.bank = nn.Conv1d(1, n_bands, taps, bias=False)
        with torch.no_grad():
            self.bank.weight.copy_(torch.as_tensor(bank, dtype=torch.float32).unsqueeze(1))
        self.pool = nn.AvgPool1d(seg, stride=step)
        self.token_norm = nn.BatchNorm1d(n_bands)
        self.core = _AHLSACore(n_chans, n_bands, **_core_kwargs(
            d_key, d_value, n_queries, n_atoms, lasso_iter, forget, use_temporal, use_spatial,
            use_lasso), channel_readout=channel_readout)
        self.drop = nn.Dropout(drop_prob)
        self.head = nn.Linear(self.core.n_features, n_outputs)

    def _tokens(self, inputs: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        quality, x = channel_quality(inputs["eeg"])                    # (B, C), (B, C, T)
        B, C, T = x.shape
        y = self.bank(x.reshape(B * C, 1, T))                          # (B·C, F, T - taps + 1)
        p = torch.log(self.pool(y * y) + 1e-6)                         # (B·C, F, T')
        p = self.token_norm(p)
        tokens = p.transpose(1, 2).reshape(B, C, p.shape[-1], -1)      # (B, C, T', F)
        return tokens, quality


@MODELS.register("ahlsa_de")
class AHLSADE(_AHLSAMixin, BaseModel):
    """AHLSA on differential-entropy (or band-power) features (batch, n_chans, seq_len, n_bands).

    Each feature window of a channel is one token; channels with non-finite or constant
    features get zero weight in the spatial expert.

    Parameters
    ----------
    n_chans, seq_len, n_bands, n_outputs : int
        Input sizes and outputs.
    d_key, d_value, n_queries, n_atoms, lasso_iter, forget, drop_prob : number
        As :class:`AHLSA`.
    use_temporal, use_spatial, use_lasso, channel_readout : bool
        As :class:`AHLSA`.
    """

    input_spec: ClassVar[dict[str, InputSpec]] = {
        "de": InputSpec(("n_chans", "seq_len", "n_bands"))}
    test_config: ClassVar[dict[str, Any]] = {"n_chans": 6, "seq_len": 5, "n_bands": 5,
                                             "n_outputs": 3, "n_atoms": 8}

    def __init__(self, n_chans: int, seq_len: int, n_bands: int, n_outputs: int, *,
                 d_key: int = 8, d_value: int = 8, n_queries: int = 4, n_atoms: int = 32,
                 lasso_iter: int = 8, forget: float = 0.98, drop_prob: float = 0.3,
                 use_temporal: bool = True, use_spatial: bool = True,
                 use_lasso: bool = True, channel_readout: bool = True) -> None:
        super().__init__(n_outputs, n_chans=n_chans, seq_len=seq_len, n_bands=n_bands)
        self._store_config(d_key=d_key, d_value=d_value, n_queries=n_queries, n_atoms=n_atoms,
                           lasso_iter=lasso_iter, forget=forget, drop_prob=drop_prob,
                           use_temporal=use_temporal, use_spatial=use_spatial,
                           use_lasso=use_lasso)
        self.embed = nn.Linear(n_bands, n_bands)
        self.core = _AHLSACore(n_chans, n_bands, **_core_kwargs(
            d_key, d_value, n_queries, n_atoms, lasso_iter, forget, use_temporal, use_spatial,
            use_lasso), channel_readout=channel_readout)
        self.drop = nn.Dropout(drop_prob)
        self.head = nn.Linear(self.core.n_features, n_outputs)

    def _tokens(self, inputs: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        x = inputs["de"]                                               # (B, C, L, F)
        finite = torch.isfinite(x).all(dim=-1).all(dim=-1)             # (B, C)
        x = torch.where(finite[..., None, None], x, torch.zeros_like(x))
        alive = finite & (x.flatten(2).std(dim=-1) > 1e-8)
        return self.embed(x), alive.to(x.dtype)


@MODELS.register("ahlsa_seq")
class AHLSASequence(_AHLSAMixin, BaseModel):
    """AHLSA on a generic token sequence (batch, seq_len, d_model): temporal expert + LASSO.

    Parameters
    ----------
    seq_len, d_model, n_outputs : int
        Input sizes and outputs.
    d_key, d_value, n_atoms, lasso_iter, forget, drop_prob : number
        As :class:`AHLSA`.
    use_temporal, use_lasso : bool
        As :class:`AHLSA` (there is no electrode axis, so no spatial expert).
    """

    input_spec: ClassVar[dict[str, InputSpec]] = {"x": InputSpec(("seq_len", "d_model"))}
    test_config: ClassVar[dict[str, Any]] = {"seq_len": 12, "d_model": 16, "n_outputs": 3,
                                             "n_atoms": 8}

    def __init__(self, seq_len: int, d_model: int, n_outputs: int, *, d_key: int = 16,
                 d_value: int = 16, n_atoms: int = 64, lasso_iter: int = 8,
                 forget: float = 0.98, drop_prob: float = 0.1, use_temporal: bool = True,
                 use_lasso: bool = True) -> None:
        super().__init__(n_outputs, seq_len=seq_len, d_model=d_model)
        self._store_config(d_key=d_key, d_value=d_value, n_atoms=n_atoms,
                           lasso_iter=lasso_iter, forget=forget, drop_prob=drop_prob,
                           use_temporal=use_temporal, use_lasso=use_lasso)
        self.core = _AHLSACore(1, d_model, **_core_kwargs(
            d_key, d_value, 1, n_atoms, lasso_iter, forget, use_temporal, False, use_lasso),
            channel_readout=False)
        self.drop = nn.Dropout(drop_prob)
        self.head = nn.Linear(self.core.n_features, n_outputs)

    def _tokens(self, inputs: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        x = inputs["x"]                                                # (B, T, D)
        return x.unsqueeze(1), x.new_ones(x.shape[0], 1)               # (B, 1, T, D)


def Phase1RLSModel(d_model: int = 128, num_classes: int = 7, *, seq_len: int = 128,
                   **kwargs: Any) -> AHLSASequence:
    """The seed's entry point: AHLSA on ``(B, T, D)`` sequences, ``T = seq_len``.

    Parameters
    ----------
    d_model : int
        Token size D.
    num_classes : int
        Outputs.
    seq_len : int
        Sequence length T the model is built for.
    **kwargs
        Passed to :class:`AHLSASequence`.

    Returns
    -------
    AHLSASequence
        ``model(torch.randn(32, seq_len, d_model))`` gives logits ``(32, num_classes)``.
    """
    return AHLSASequence(seq_len, d_model, num_classes, **kwargs)
