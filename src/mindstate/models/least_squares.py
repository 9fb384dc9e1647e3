"""Least-squares layers: ridge, recursive least squares (RLS), weighted LS and unrolled LASSO.

The mathematics behind mindstate's least-squares attention (AHLSA). Attention read as
regression over key/value pairs (Wang, Shi & Fox, "Test-time regression", arXiv 2501.12352):
at step ``t`` the layer fits ``θ_t = argmin_θ Σ_{s≤t} γ^{t-s} ||θᵀ k_s - v_s||² + γ^{t+1} δ ||θ||²``
and answers a query with ``o_t = θ_tᵀ q_t``. Unlike softmax or linear attention, the weight of
a past value, ``γ^{t-s} q_tᵀ R_t⁻¹ k_s``, keeps the inverse key covariance ``R_t⁻¹``: it is not
forced to be positive or to sum to one ("honest scores"), and ``R_t⁻¹`` is the posterior
covariance that gives a predictive variance.

Three forms of the same recursion ``R_t = γ R_{t-1} + k_t k_tᵀ``, ``S_t = γ S_{t-1} + k_t v_tᵀ``
with ``R_{-1} = δ I``:

- :func:`ridge_solve`: the batch (weighted) ridge solution, the reference.
- :func:`rls_scan`: every ``θ_t`` of a window at once, chunked so that each chunk is a
  discounted cumulative sum and one batched solve (parallel over time, differentiable).
- :class:`RLSFilter`: the streaming form, a Sherman-Morrison update of ``P = R⁻¹`` costing
  O(d² + d·m) per new sample whatever the history length.

:func:`lasso_fista` and :class:`LassoLayer` solve ``min_z ½||D z - h||² + λ||z||₁`` by
(unrolled) FISTA (Beck & Teboulle, SIAM J. Imaging Sci. 2(1), 2009).
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["LassoLayer", "RLSFilter", "lasso_fista", "ridge_solve", "rls_scan",
           "soft_threshold"]


def _eye_like(R: torch.Tensor) -> torch.Tensor:
    return torch.eye(R.shape[-1], dtype=R.dtype, device=R.device)


def ridge_solve(K: torch.Tensor, V: torch.Tensor, lam: float | torch.Tensor,
                weights: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Weighted ridge regression ``θ = (Kᵀ W K + λ I)⁻¹ Kᵀ W V`` and ``P = (Kᵀ W K + λ I)⁻¹``.

    Parameters
    ----------
    K : Tensor of shape (..., n, d)
        Regressors (keys), one row per observation.
    V : Tensor of shape (..., n, m)
        Targets (values).
    lam : float or Tensor broadcastable to (..., 1, 1)
        Ridge penalty (> 0 keeps the system positive definite).
    weights : Tensor of shape (..., n) | None
        Non-negative observation weights (``None``: all ones).

    Returns
    -------
    theta : Tensor of shape (..., d, m)
        The solution.
    P : Tensor of shape (..., d, d)
        The inverse of the regularised weighted Gram matrix (posterior covariance up to the
        noise variance).
    """
    Kw = K if weights is None else K * weights.unsqueeze(-1)          # (..., n, d)
    lam_t = torch.as_tensor(lam, dtype=K.dtype, device=K.device)
    if lam_t.ndim:
        lam_t = lam_t.reshape(*lam_t.shape, 1, 1)
    R = Kw.transpose(-1, -2) @ K + lam_t * _eye_like(K)               # (..., d, d)
    R = 0.5 * (R + R.transpose(-1, -2))
    L = torch.linalg.cholesky(R)                                      # (..., d, d)
    theta = torch.cholesky_solve(Kw.transpose(-1, -2) @ V, L)          # (..., d, m)
    P = torch.cholesky_inverse(L)                                      # (..., d, d)
    return theta, P


def _chunk_len(forget: float, chunk: int) -> int:
    """Longest chunk whose discount ratio ``γ^{-L}`` stays below 1e4 (fp32-safe)."""
    if forget >= 1.0:
        return chunk
    return max(1, min(chunk, int(math.log(1e4) / -math.log(forget))))


def rls_scan(K: torch.Tensor, V: torch.Tensor, *, lam: float | torch.Tensor,
             forget: float | torch.Tensor = 1.0, Q: torch.Tensor | None = None,
             chunk: int = 64) -> tuple[torch.Tensor | None, torch.Tensor, torch.Tensor]:
    """Exponentially weighted RLS over a whole window, in parallel chunks.

    Computes ``R_t = γ^{t+1} δ I + Σ_{s≤t} γ^{t-s} k_s k_sᵀ`` and ``S_t = Σ_{s≤t} γ^{t-s} k_s v_sᵀ``
    for every ``t`` (a discounted cumulative sum per chunk plus the carried state), and
    the causal outputs ``o_t = q_tᵀ R_t⁻¹ S_t``. Equal to running :class:`RLSFilter` sample by
    sample (and, with ``forget=1``, to :func:`ridge_solve` on the prefix), but with one
    batched solve per chunk instead of a Python step per sample.

    Parameters
    ----------
    K : Tensor of shape (..., T, d)
        Keys.
    V : Tensor of shape (..., T, m)
        Values.
    lam : float or Tensor
        Initial ridge penalty δ (``R_{-1} = δ I``).
    forget : float or 0-d Tensor in (0, 1]
        Forgetting factor γ (1: ordinary growing-window ridge).
    Q : Tensor of shape (..., T, d) | None
        Queries; ``None`` skips the per-step outputs.
    chunk : int
        Maximal chunk length (shortened automatically for small γ).

    Returns
    -------
    outputs : Tensor of shape (..., T, m) | None
        ``o_t`` for every step (when ``Q`` is given).
    theta : Tensor of shape (..., d, m)
        ``θ_T``, the solution after the last sample.
    P : Tensor of shape (..., d, d)
        ``R_T⁻¹``.
    """
    *lead, T, d = K.shape
    m = V.shape[-1]
    gamma = torch.as_tensor(forget, dtype=K.dtype, device=K.device)
    g = float(gamma.detach())
    if not 0.0 < g <= 1.0:
        raise ValueError(f"forget must lie in (0, 1]; got {g}.")
    lam_t = torch.as_tensor(lam, dtype=K.dtype, device=K.device)
    R = lam_t * _eye_like(K).expand(*lead, d, d)                      # (..., d, d) = R_{-1}
    S = K.new_zeros(*lead, d, m)                                       # (..., d, m)
    L = _chunk_len(g, chunk)
    outs = []
    for t0 in range(0, T, L):
        k, v = K[..., t0:t0 + L, :], V[..., t0:t0 + L, :]             # (..., L, d), (..., L, m)
        n = k.shape[-2]
        j = torch.arange(n, dtype=K.dtype, device=K.device)
        up = gamma ** (-j)                                             # γ^{-i}
        down = gamma ** j                                              # γ^{j}
        kk = k.unsqueeze(-1) * k.unsqueeze(-2)                         # (..., L, d, d)
        kv = k.unsqueeze(-1) * v.unsqueeze(-2)                         # (..., L, d, m)
        Rc = torch.cumsum(kk * up[:, None, None], dim=-3) * down[:, None, None]
        Sc = torch.cumsum(kv * up[:, None, None], dim=-3) * down[:, None, None]
        carry = (gamma * down)[:, None, None]                          # γ^{j+1}
        Rc = Rc + carry * R.unsqueeze(-3)                              # (..., L, d, d)
        Sc = Sc + carry * S.unsqueeze(-3)                              # (..., L, d, m)
        if Q is not None:
            q = Q[..., t0:t0 + n, :].unsqueeze(-1)                     # (..., L, d, 1)
            x = torch.linalg.solve(Rc, q)                              # (..., L, d, 1) = R⁻¹q
            outs.append((x.transpose(-1, -2) @ Sc).squeeze(-2))        # (..., L, m)
        R, S = Rc[..., -1, :, :], Sc[..., -1, :, :]
    R = 0.5 * (R + R.transpose(-1, -2))
    Lc = torch.linalg.cholesky(R)
    theta = torch.cholesky_solve(S, Lc)                                # (..., d, m)
    P = torch.cholesky_inverse(Lc)
    return (torch.cat(outs, dim=-2) if Q is not None else None), theta, P


class RLSFilter:
    """Streaming recursive least squares with exponential forgetting (Sherman-Morrison form).

    Keeps ``P = R⁻¹`` and ``θ`` for a batch of independent problems. Each :meth:`update`
    costs O(d² + d·m) whatever the number of samples seen: the per-step cost that a
    streaming decoder pays, against O(t·d²) to refit least squares from scratch at step t.
    ``P`` is symmetrised after every step so that it stays symmetric positive definite in
    fp32 (tested over 10⁵ steps).

    Parameters
    ----------
    d, m : int
        Key and value sizes.
    lam : float
        Initial ridge penalty δ (``P_{-1} = I / δ``).
    forget : float in (0, 1]
        Forgetting factor γ.
    batch_shape : tuple of int
        Leading batch dimensions.
    dtype, device
        Torch dtype and device of the state.
    """

    def __init__(self, d: int, m: int, *, lam: float = 1.0, forget: float = 1.0,
                 batch_shape: tuple[int, ...] = (), dtype: torch.dtype = torch.float32,
                 device: torch.device | str | None = None) -> None:
        if not 0.0 < forget <= 1.0:
            raise ValueError(f"forget must lie in (0, 1]; got {forget}.")
        if lam <= 0:
            raise ValueError(f"lam must be > 0 (the initial ridge penalty); got {lam}.")
        self.forget = float(forget)
        eye = torch.eye(d, dtype=dtype, device=device)
        self.P = (eye / lam).expand(*batch_shape, d, d).clone()       # (..., d, d)
        self.theta = torch.zeros(*batch_shape, d, m, dtype=dtype, device=device)
        self.n_seen = 0

    @torch.no_grad()
    def update(self, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """Absorb one sample and return the a-priori error ``v - θᵀk`` (before the update).

        Parameters
        ----------
        k : Tensor of shape (..., d)
            New key (regressor).
        v : Tensor of shape (..., m)
            New value (target).

        Returns
        -------
        Tensor of shape (..., m)
            The prediction error of the previous θ on this sample.
        """
        gam = self.forget
        Pk = (self.P @ k.unsqueeze(-1)).squeeze(-1)                    # (..., d)
        denom = gam + (k * Pk).sum(-1, keepdim=True)                   # (..., 1)
        gain = Pk / denom                                              # (..., d)
        err = v - (k.unsqueeze(-2) @ self.theta).squeeze(-2)          # (..., m)
        self.theta = self.theta + gain.unsqueeze(-1) * err.unsqueeze(-2)
        P = (self.P - gain.unsqueeze(-1) * Pk.unsqueeze(-2)) / gam     # (..., d, d)
        self.P = 0.5 * (P + P.transpose(-1, -2))
        self.n_seen += 1
        return err

    @torch.no_grad()
    def predict(self, q: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Answer a query: ``θᵀ q`` and the posterior variance factor ``qᵀ P q``.

        Parameters
        ----------
        q : Tensor of shape (..., d)
            Query.

        Returns
        -------
        output : Tensor of shape (..., m)
        variance_factor : Tensor of shape (...,)
            Multiply by the noise variance for the predictive variance of the fit.
        """
        out = (q.unsqueeze(-2) @ self.theta).squeeze(-2)
        var = (q * (self.P @ q.unsqueeze(-1)).squeeze(-1)).sum(-1)
        return out, var


def soft_threshold(x: torch.Tensor, t: torch.Tensor | float) -> torch.Tensor:
    """The proximal map of ``t·||·||₁``: ``sign(x) · max(|x| - t, 0)``.

    Parameters
    ----------
    x : Tensor
        Input.
    t : Tensor or float
        Threshold (≥ 0, broadcastable to ``x``).

    Returns
    -------
    Tensor
        The shrunk values, exactly zero where ``|x| ≤ t``.
    """
    return torch.sign(x) * torch.clamp(x.abs() - t, min=0.0)


def lasso_fista(D: torch.Tensor, h: torch.Tensor, lam: float | torch.Tensor, *,
                n_iter: int = 100, step: float | torch.Tensor | None = None) -> torch.Tensor:
    """Solve ``min_z ½||D z - h||² + λ||z||₁`` for a batch of ``h`` by FISTA.

    scikit-learn's ``Lasso(alpha)`` minimises ``1/(2n)||y - Xw||² + α||w||₁``; it is the same
    problem with ``D = X``, ``h = y`` and ``λ = n·α``.

    Parameters
    ----------
    D : Tensor of shape (m, p)
        Dictionary (design matrix).
    h : Tensor of shape (..., m)
        Signals to code.
    lam : float or Tensor
        L1 penalty λ ≥ 0.
    n_iter : int
        FISTA iterations (unrolled: differentiable in ``D``, ``h``, ``lam`` and ``step``).
    step : float or Tensor | None
        Gradient step; ``None`` uses ``1 / ||D||₂²`` (the Lipschitz bound, which converges).

    Returns
    -------
    z : Tensor of shape (..., p)
        The sparse code.
    """
    if step is None:
        step = 1.0 / (torch.linalg.matrix_norm(D.detach(), ord=2) ** 2 + 1e-12)
    z = h.new_zeros(*h.shape[:-1], D.shape[-1])                        # (..., p)
    y, t = z, 1.0
    for _ in range(n_iter):
        grad = (y @ D.T - h) @ D                                       # (..., p)
        z_new = soft_threshold(y - step * grad, step * lam)
        t_new = (1.0 + math.sqrt(1.0 + 4.0 * t * t)) / 2.0
        y = z_new + ((t - 1.0) / t_new) * (z_new - z)
        z, t = z_new, t_new
    return z


class LassoLayer(nn.Module):
    """Sparse coding by unrolled FISTA with a learnable dictionary, step and penalty (LISTA-like).

    ``z = argmin ½||D z - h||² + λ||z||₁`` approximated by ``n_iter`` FISTA steps, with
    ``step = σ(a) · 2/||D||₂²`` (a learnable fraction of the largest convergent step) and
    ``λ = softplus(b)``. :attr:`last_sparsity` holds the fraction of exact zeros of the last
    batch's codes.

    Parameters
    ----------
    n_in : int
        Length of ``h``.
    n_atoms : int
        Length of the code ``z``.
    n_iter : int
        Unrolled iterations.
    lam : float
        Initial λ.
    """

    def __init__(self, n_in: int, n_atoms: int, *, n_iter: int = 8, lam: float = 0.05) -> None:
        super().__init__()
        D = torch.randn(n_in, n_atoms) / math.sqrt(n_in)
        self.D = nn.Parameter(D / D.norm(dim=0, keepdim=True))         # unit-norm atoms
        self.n_iter = n_iter
        self.step_logit = nn.Parameter(torch.tensor(0.0))              # σ(0)·2/L = 1/L
        self.lam_raw = nn.Parameter(torch.tensor(math.log(math.expm1(lam))))
        self.last_sparsity = float("nan")

    @property
    def lam(self) -> torch.Tensor:
        """The current L1 penalty λ (positive)."""
        return nn.functional.softplus(self.lam_raw)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        """Code ``h`` (batch, n_in) into ``z`` (batch, n_atoms)."""
        lip = torch.linalg.matrix_norm(self.D, ord=2) ** 2 + 1e-6
        step = torch.sigmoid(self.step_logit) * 2.0 / lip
        z = lasso_fista(self.D, h, self.lam, n_iter=self.n_iter, step=step)
        self.last_sparsity = float((z.detach() == 0).float().mean())
        return z
