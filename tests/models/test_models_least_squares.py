"""The least-squares maths behind AHLSA: RLS = ridge, stability, weighted LS, LASSO = sklearn."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mindstate.models._ahlsa_experts import SpatialWLSExpert, TemporalRLSExpert, channel_quality
from mindstate.models.least_squares import (
    LassoLayer,
    RLSFilter,
    lasso_fista,
    ridge_solve,
    rls_scan,
)


def _problem(B=3, T=200, d=6, m=4, dtype=torch.float64, seed=0):
    g = torch.Generator().manual_seed(seed)
    K = torch.randn(B, T, d, generator=g, dtype=dtype)
    V = torch.randn(B, T, m, generator=g, dtype=dtype)
    Q = torch.randn(B, T, d, generator=g, dtype=dtype)
    return K, V, Q


def test_rls_scan_without_forgetting_equals_batch_ridge_on_every_prefix():
    K, V, Q = _problem()
    out, theta, P = rls_scan(K, V, lam=0.5, forget=1.0, Q=Q, chunk=37)  # chunks of 37
    ref, P_ref = ridge_solve(K, V, 0.5)
    assert torch.allclose(theta, ref, atol=1e-12, rtol=0)  # fp64: 1e-12
    assert torch.allclose(P, P_ref, atol=1e-12, rtol=0)
    for t in (0, 36, 37, 150, 199):
        th_t, _ = ridge_solve(K[:, :t + 1], V[:, :t + 1], 0.5)
        expected = (Q[:, t:t + 1] @ th_t).squeeze(1)
        assert torch.allclose(out[:, t], expected, atol=1e-12, rtol=0)


def test_streaming_filter_equals_batch_ridge_in_fp32():
    K, V, _ = _problem(dtype=torch.float32, T=500)
    f = RLSFilter(6, 4, lam=1.0, forget=1.0, batch_shape=(3,))
    for t in range(K.shape[1]):
        f.update(K[:, t], V[:, t])
    ref, P_ref = ridge_solve(K.double(), V.double(), 1.0)
    # fp32 recursion vs fp64 batch: relative error 1e-4 stated as the tolerance
    assert torch.allclose(f.theta.double(), ref, rtol=1e-4, atol=1e-5)
    assert torch.allclose(f.P.double(), P_ref, rtol=1e-4, atol=1e-6)


def test_scan_and_streaming_filter_agree_with_forgetting():
    K, V, Q = _problem(T=300)
    out, theta, P = rls_scan(K, V, lam=0.5, forget=0.97, Q=Q)
    f = RLSFilter(6, 4, lam=0.5, forget=0.97, batch_shape=(3,), dtype=torch.float64)
    outs = []
    for t in range(300):
        f.update(K[:, t], V[:, t])
        outs.append(f.predict(Q[:, t])[0])
    assert torch.allclose(out, torch.stack(outs, 1), atol=1e-10, rtol=0)
    assert torch.allclose(theta, f.theta, atol=1e-10, rtol=0)


def test_rls_with_forgetting_equals_exponentially_weighted_ridge():
    K, V, _ = _problem(T=120)
    gamma, lam = 0.95, 2.0
    _, theta, _ = rls_scan(K, V, lam=lam, forget=gamma)
    T = K.shape[1]
    w = gamma ** torch.arange(T - 1, -1, -1, dtype=K.dtype)
    ref, _ = ridge_solve(K, V, lam * gamma**T, weights=w.expand(3, T))
    assert torch.allclose(theta, ref, atol=1e-10, rtol=0)


def test_rls_is_stable_over_1e5_fp32_steps_and_tracks_a_drifting_target():
    torch.manual_seed(0)
    d, m, steps, gamma = 8, 2, 100_000, 0.995
    f = RLSFilter(d, m, lam=1.0, forget=gamma)
    truth = torch.randn(d, m)
    drift = torch.randn(d, m) / steps
    ks = torch.randn(steps, d)
    noise = 0.05 * torch.randn(steps, m)
    for t in range(steps):
        f.update(ks[t], ks[t] @ (truth + t * drift) + noise[t])
    P = f.P.double()
    assert torch.isfinite(f.P).all() and torch.isfinite(f.theta).all()
    assert torch.allclose(P, P.T, atol=0)  # symmetrised every step
    assert torch.linalg.eigvalsh(P).min() > 0  # positive definite after 1e5 steps
    final = truth + (steps - 1) * drift
    assert (f.theta - final).abs().max() < 0.05  # tracks within the noise level


def test_weighted_ridge_zero_weight_is_the_same_as_dropping_the_row():
    K, V, _ = _problem(B=1, T=20)
    w = torch.ones(1, 20, dtype=K.dtype)
    w[0, 7] = 0.0
    th_w, _ = ridge_solve(K, V, 0.3, weights=w)
    keep = [i for i in range(20) if i != 7]
    th_d, _ = ridge_solve(K[:, keep], V[:, keep], 0.3)
    assert torch.allclose(th_w, th_d, atol=1e-12)


def test_fista_matches_sklearn_lasso():
    from sklearn.linear_model import Lasso

    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 20))
    y = X[:, :3] @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.standard_normal(50)
    alpha = 0.05
    ref = Lasso(alpha=alpha, fit_intercept=False, tol=1e-12, max_iter=100_000).fit(X, y).coef_
    # sklearn scales the squared error by 1/(2n): λ = n·α
    z = lasso_fista(torch.tensor(X), torch.tensor(y)[None], alpha * len(y), n_iter=3000)[0]
    assert np.abs(z.numpy() - ref).max() < 1e-8
    assert np.array_equal(z.numpy() == 0, ref == 0)  # same support
    assert (ref == 0).sum() >= 10  # the problem is sparse


def test_lasso_layer_reports_sparsity_and_learns_its_penalty():
    torch.manual_seed(0)
    layer = LassoLayer(16, 32, n_iter=10, lam=0.5)
    z = layer(torch.randn(64, 16))
    assert 0.2 < layer.last_sparsity < 1.0  # a strong penalty zeroes many atoms
    assert layer.last_sparsity == pytest.approx(float((z == 0).float().mean()))
    z.pow(2).sum().backward()
    assert layer.lam_raw.grad is not None and layer.lam_raw.grad != 0
    assert layer.step_logit.grad is not None and layer.step_logit.grad != 0


def test_temporal_scores_reconstruct_the_last_answer():
    torch.manual_seed(0)
    ex = TemporalRLSExpert(5, d_key=4, d_value=3).double()
    x = torch.randn(2, 40, 5, dtype=torch.float64)
    out = ex(x)
    _, _, v = ex.qkv(x).split([4, 4, 3], dim=-1)
    recon = (out["scores"].unsqueeze(-1) * v).sum(1)  # o_T = Σ_s a_s v_s
    assert torch.allclose(recon, out["last"], atol=1e-10)
    assert (out["scores"] < 0).any()  # honest scores are signed, not a softmax
    assert not torch.allclose(out["scores"].sum(-1), torch.ones(2, dtype=torch.float64))


def test_spatial_expert_ignores_a_zero_weight_electrode():
    torch.manual_seed(0)
    ex = SpatialWLSExpert(6, n_chans=5, d_key=4, d_value=3).double()
    u = torch.randn(2, 5, 6, dtype=torch.float64)
    q = torch.ones(2, 5, dtype=torch.float64)
    q[:, 2] = 0.0
    a = ex(u, q)
    u2 = u.clone()
    u2[:, 2] = 1e3 * torch.randn(2, 6, dtype=torch.float64)  # garbage on the masked electrode
    b = ex(u2, q)
    assert torch.allclose(a["outputs"], b["outputs"], atol=1e-12)
    assert torch.all(a["scores"][:, 2] == 0)
    assert torch.all(a["variance"] > 0)


def test_channel_quality_flags_nan_flat_and_wild_channels():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(1, 8, 256, generator=g)
    x[0, 1] = float("nan")
    x[0, 2] = 0.0
    x[0, 3] *= 1e4
    w, clean = channel_quality(x)
    assert w[0, 1] == 0 and w[0, 2] == 0
    assert w[0, 3] < 1e-3
    assert torch.all(w[0, [0, 4, 5, 6, 7]] > 0.99)
    assert torch.isfinite(clean).all()
