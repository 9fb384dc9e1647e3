"""Per-subject alignment: each subject's mean covariance becomes the identity, labels unused."""

from __future__ import annotations

import numpy as np
import pytest

from mindstate.preprocess.align import align_by_group, alignment_reference


def _subject(rng, n=40, C=5, T=256, scale=1.0):
    mix = rng.standard_normal((C, C)) * scale + np.eye(C) * 2
    return np.einsum("cd,ndt->nct", mix, rng.standard_normal((n, C, T)))


def _mean_cov(X):
    Xc = X - X.mean(-1, keepdims=True)
    return np.einsum("nct,ndt->cd", Xc, Xc) / (X.shape[0] * X.shape[-1])


@pytest.mark.parametrize("method", ["euclidean", "riemann"])
def test_each_subject_is_recentred_at_the_identity(method):
    rng = np.random.default_rng(0)
    X = np.concatenate([_subject(rng), _subject(rng, scale=3.0) * 1e-6])  # µV vs V scales
    groups = ["a"] * 40 + ["b"] * 40
    Xa, refs = align_by_group(X, groups, method)
    assert set(refs) == {"a", "b"}
    for idx in (slice(0, 40), slice(40, 80)):
        if method == "euclidean":
            assert np.allclose(_mean_cov(Xa[idx]), np.eye(5), atol=1e-4)
        else:
            from pyriemann.geometry.mean import mean_riemann

            Xc = Xa[idx].astype(np.float64)
            Xc = Xc - Xc.mean(-1, keepdims=True)
            covs = np.einsum("nct,ndt->ncd", Xc, Xc) / Xc.shape[-1]
            assert np.allclose(mean_riemann(covs), np.eye(5), atol=1e-3)


def test_alignment_is_label_free_and_per_group():
    rng = np.random.default_rng(1)
    X = _subject(rng)
    a, _ = align_by_group(X, ["s"] * 40)
    b = np.einsum("cd,ndt->nct", alignment_reference(X), X)
    assert np.allclose(a, b, atol=1e-5)
    none, refs = align_by_group(X, ["s"] * 40, "none")
    assert refs == {} and np.allclose(none, X.astype(np.float32))


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="groups has 3 entries for 40 windows"):
        align_by_group(np.zeros((40, 2, 8)), ["a"] * 3)
    with pytest.raises(ValueError, match="align"):
        align_by_group(np.zeros((4, 2, 8)), ["a"] * 4, "procrustes")


def test_online_aligner_is_causal_and_converges_to_batch_alignment():
    from mindstate.stream import OnlineAligner

    rng = np.random.default_rng(2)
    X = _subject(rng, n=60)
    online = OnlineAligner(forget=1.0).transform_sequence(X)
    # forget=1: the reference at the last window is the mean of all windows = batch EA
    batch = np.einsum("cd,dt->ct", alignment_reference(X), X[-1])
    assert np.allclose(online[-1], batch, atol=1e-4)
    # causal: window 10 does not depend on later windows
    X2 = X.copy()
    X2[11:] *= 10.0
    again = OnlineAligner(forget=1.0).transform_sequence(X2)
    assert np.allclose(online[:11], again[:11])
    assert not np.allclose(online[20], again[20])
    with pytest.raises(ValueError, match="finite"):
        OnlineAligner().update(np.full((2, 4), np.nan))
