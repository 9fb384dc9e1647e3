"""The three experts of AHLSA (adaptive hierarchical least-squares attention).

- :class:`TemporalRLSExpert`: causal attention over time read as exponentially weighted ridge
  regression of values on keys (recursive least squares, :func:`~.least_squares.rls_scan`).
- :class:`SpatialWLSExpert`: weighted ridge regression across electrodes, each electrode
  weighted by its signal quality, answered by learned queries.
- :class:`~.least_squares.LassoLayer`: the cross-scale integration (sparse code of the
  concatenated expert outputs).

Scores are the least-squares weights each past sample or electrode receives in the answer:
signed, unnormalised, and zero for an electrode of zero weight.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .least_squares import ridge_solve, rls_scan

__all__ = ["SpatialWLSExpert", "TemporalRLSExpert", "channel_quality"]


def channel_quality(x: torch.Tensor, *, z_max: float = 4.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel quality weights in [0, 1] from the window itself, and a NaN-free copy.

    A channel with a non-finite sample or (near) zero variance gets weight 0; a channel whose
    log-variance is more than ``z_max`` robust standard deviations from the median of the
    window's channels is down-weighted smoothly (``exp(-½(|z| - z_max)²)``).

    Parameters
    ----------
    x : Tensor of shape (batch, n_chans, n_times)
        The window.
    z_max : float
        Robust z-score beyond which a channel's weight decays.

    Returns
    -------
    weights : Tensor of shape (batch, n_chans)
    x_clean : Tensor of shape (batch, n_chans, n_times)
        ``x`` with non-finite channels set to zero.
    """
    finite = torch.isfinite(x).all(dim=-1)                             # (B, C)
    x_clean = torch.where(finite.unsqueeze(-1), x, torch.zeros_like(x))
    var = x_clean.var(dim=-1)                                          # (B, C)
    alive = finite & (var > 1e-12)
    lv = torch.log(var.clamp_min(1e-12))
    big = torch.finfo(lv.dtype).max
    ref = torch.where(alive, lv, torch.full_like(lv, float("nan")))
    med = torch.nanmedian(ref, dim=-1, keepdim=True).values
    mad = torch.nanmedian((ref - med).abs(), dim=-1, keepdim=True).values
    z = (lv - torch.nan_to_num(med)) / (1.4826 * torch.nan_to_num(mad, nan=1.0) + 0.1)
    w = torch.exp(-0.5 * torch.clamp(z.abs() - z_max, min=0.0, max=math.sqrt(big)) ** 2)
    return (w * alive).detach(), x_clean


class TemporalRLSExpert(nn.Module):
    """Causal least-squares attention over a token sequence (S0.1).

    ``k_t, v_t, q_t`` are linear maps of token ``x_t``; the answer at step t is
    ``o_t = q_tᵀ θ_t`` with ``θ_t`` the exponentially weighted ridge fit of ``v`` on ``k`` over
    steps ``≤ t``. The forgetting factor ``γ ∈ [γ_min, 1]`` and the ridge penalty δ are learned.

    Parameters
    ----------
    d_in : int
        Token size.
    d_key, d_value : int
        Key and value sizes.
    forget : float
        Initial forgetting factor.
    lam : float
        Initial ridge penalty.
    min_forget : float
        Lower bound of γ.
    """

    def __init__(self, d_in: int, d_key: int = 8, d_value: int = 8, *, forget: float = 0.98,
                 lam: float = 1.0, min_forget: float = 0.9) -> None:
        super().__init__()
        self.qkv = nn.Linear(d_in, 2 * d_key + d_value)
        self.norm = nn.LayerNorm(d_key, elementwise_affine=False)
        self.d_key, self.d_value, self.min_forget = d_key, d_value, min_forget
        frac = (forget - min_forget) / (1.0 - min_forget)
        frac = min(max(frac, 1e-3), 1 - 1e-3)
        self.forget_logit = nn.Parameter(torch.tensor(math.log(frac / (1 - frac))))
        self.lam_log = nn.Parameter(torch.tensor(math.log(lam)))

    @property
    def forget(self) -> torch.Tensor:
        """The forgetting factor γ."""
        return self.min_forget + (1.0 - self.min_forget) * torch.sigmoid(self.forget_logit)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Attend over ``x`` (batch, T, d_in).

        Returns
        -------
        dict
            ``outputs`` (batch, T, d_value): the causal answers ``o_t``;
            ``last`` (batch, d_value): ``o_{T-1}``;
            ``scores`` (batch, T): the weight of each step in the last answer,
            ``γ^{T-1-s} q_{T-1}ᵀ P_T k_s``;
            ``variance`` (batch,): ``q_{T-1}ᵀ P_T q_{T-1}`` times the residual variance.
        """
        k, q, v = self.qkv(x).split([self.d_key, self.d_key, self.d_value], dim=-1)
        k, q = self.norm(k), self.norm(q) / math.sqrt(self.d_key)     # (B, T, dk)
        gamma, lam = self.forget, torch.exp(self.lam_log)
        out, theta, P = rls_scan(k, v, lam=lam, forget=gamma, Q=q)    # (B, T, dv)
        q_last = q[:, -1]                                              # (B, dk)
        T = x.shape[1]
        decay = gamma ** torch.arange(T - 1, -1, -1, dtype=x.dtype, device=x.device)
        Pq = (P @ q_last.unsqueeze(-1)).squeeze(-1)                    # (B, dk)
        scores = (k @ Pq.unsqueeze(-1)).squeeze(-1) * decay           # (B, T)
        resid = v - k @ theta                                          # (B, T, dv)
        sigma2 = (resid.pow(2).mean(dim=(1, 2)))                       # (B,)
        variance = sigma2 * (q_last * Pq).sum(-1)
        assert out is not None
        return {"outputs": out, "last": out[:, -1], "scores": scores, "variance": variance}


class SpatialWLSExpert(nn.Module):
    """Weighted least squares across electrodes, read out by learned queries (S0.2).

    Channel tokens ``u_c`` give keys ``k_c`` (plus a learned electrode embedding) and values
    ``v_c``; ``φ = (Kᵀ W K + λ I)⁻¹ Kᵀ W V`` with ``W = diag(quality_c · prior_c)``; query ``j``
    answers ``φᵀ q_j``. The score of electrode c for query j is ``w_c q_jᵀ P k_c``: an
    electrode with zero weight has zero score and no influence on the answer.

    Parameters
    ----------
    d_in : int
        Channel token size.
    n_chans : int
        Number of electrodes (for the electrode embedding and prior weights).
    d_key, d_value : int
        Key and value sizes.
    n_queries : int
        Learned queries.
    lam : float
        Initial ridge penalty.
    """

    def __init__(self, d_in: int, n_chans: int, d_key: int = 8, d_value: int = 8, *,
                 n_queries: int = 4, lam: float = 1.0) -> None:
        super().__init__()
        self.key = nn.Linear(d_in, d_key)
        self.value = nn.Linear(d_in, d_value)
        self.embed = nn.Parameter(0.1 * torch.randn(n_chans, d_key))
        self.queries = nn.Parameter(torch.randn(n_queries, d_key) / math.sqrt(d_key))
        self.prior = nn.Parameter(torch.zeros(n_chans))                # softplus(0)·ln2⁻¹ = 1
        self.lam_log = nn.Parameter(torch.tensor(math.log(lam)))

    def forward(self, u: torch.Tensor, quality: torch.Tensor) -> dict[str, torch.Tensor]:
        """Fit over channel tokens ``u`` (batch, C, d_in) with ``quality`` (batch, C) ≥ 0.

        Returns
        -------
        dict
            ``outputs`` (batch, n_queries, d_value); ``scores`` (batch, C) (mean over queries
            of ``w_c q_jᵀ P k_c``); ``weights`` (batch, C); ``variance`` (batch,).
        """
        k = self.key(u) + self.embed                                   # (B, C, dk)
        v = self.value(u)                                              # (B, C, dv)
        w = quality * nn.functional.softplus(self.prior) / math.log(2.0)   # (B, C)
        theta, P = ridge_solve(k, v, torch.exp(self.lam_log), weights=w)   # (B, dk, dv)
        out = self.queries @ theta                                     # (B, nq, dv)
        PQ = P @ self.queries.T                                        # (B, dk, nq)
        scores = (k @ PQ).mean(-1) * w                                 # (B, C)
        resid = (v - k @ theta).pow(2).sum(-1)                         # (B, C)
        sigma2 = (w * resid).sum(-1) / w.sum(-1).clamp_min(1e-6) / v.shape[-1]
        variance = sigma2 * (self.queries.T * PQ).sum(-2).mean(-1)     # (B,)
        return {"outputs": out, "scores": scores, "weights": w, "variance": variance}
