"""Floors: the Riemannian floor sees a covariance effect that band power cannot."""

from __future__ import annotations

import numpy as np
import pytest

from mindstate.evaluate.floors import Floor
from mindstate.tasks import make_task


class _Chain:
    kind = "eeg"

    def baseline_features(self, X):
        return np.log(X.var(axis=-1))


def _correlation_problem(n=200, T=256, seed=0):
    """Same per-channel power in both classes; class 1 has channels 0 and 1 correlated."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.standard_normal((n, 4, T))
    rho = 0.8
    X[y == 1, 1] = rho * X[y == 1, 0] + np.sqrt(1 - rho**2) * X[y == 1, 1]
    return X * 1e-5, y


def test_riemann_floor_detects_correlation_and_bandpower_does_not():
    X, y = _correlation_problem()
    task = make_task("classification", names=["a", "b"])
    tr, te = np.arange(0, 140), np.arange(140, 200)
    acc = {}
    for name in ("bandpower", "riemann"):
        F_tr, F_te = Floor(name, _Chain(), X).fold(tr, te)
        acc[name] = (task.baseline(F_tr, y[tr], F_te, 2).argmax(1) == y[te]).mean()
    assert acc["riemann"] >= 0.95
    assert acc["bandpower"] <= 0.7


def test_riemann_floor_reference_is_the_training_folds_mean():
    X, _ = _correlation_problem(n=60)
    X[40:] *= np.linspace(1, 3, 4)[None, :, None]  # test windows: other channel powers
    F_tr, F_te = Floor("riemann", _Chain(), X).fold(np.arange(40), np.arange(40, 60))
    # at the Riemannian mean of the training covariances the log-maps average to zero
    assert np.abs(F_tr.mean(axis=0)).max() < 1e-6
    assert np.abs(F_te.mean(axis=0)).max() > 0.1


def test_riemann_floor_refuses_non_eeg_inputs():
    with pytest.raises(ValueError, match="evaluate.floor='riemann' needs EEG windows"):
        Floor("riemann", _Chain(), {"bvp": np.zeros((3, 1, 8))})
