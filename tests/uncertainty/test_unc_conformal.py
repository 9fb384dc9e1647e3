"""Split conformal prediction: coverage >= 1 - alpha on held-out data."""

from __future__ import annotations

import numpy as np
import pytest

from mindstate.exceptions import NotFittedError
from mindstate.uncertainty import SplitConformalClassifier, empirical_coverage, softmax


def _task(n, rng, n_classes=4):
    logits = 1.5 * rng.standard_normal((n, n_classes))
    p = softmax(logits, axis=1)
    y = (rng.random(n)[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
    return p, y


@pytest.mark.parametrize("score", ["lac", "aps"])
def test_coverage_guarantee(score, rng):
    p_cal, y_cal = _task(2000, rng)
    p_test, y_test = _task(5000, rng)
    cp = SplitConformalClassifier(score=score).fit(p_cal, y_cal)
    for alpha in (0.05, 0.1, 0.2):
        sets = cp.predict_sets(p_test, alpha)
        cov = empirical_coverage(sets, y_test)
        assert cov >= 1 - alpha - 0.02
        assert cov <= 1 - alpha + 0.04  # not trivially the full set
        assert sets.any(axis=1).all()
    sizes = [cp.predict_sets(p_test, a).sum(1).mean() for a in (0.05, 0.2)]
    assert sizes[0] > sizes[1]


def test_quantile_rule_and_sets_by_hand():
    p_cal = np.array([[0.9, 0.1], [0.6, 0.4], [0.3, 0.7], [0.8, 0.2]])
    y_cal = np.array([0, 0, 1, 1])  # LAC scores 0.1, 0.4, 0.3, 0.8
    cp = SplitConformalClassifier("lac", alpha=0.4).fit(p_cal, y_cal)
    np.testing.assert_allclose(cp.scores_, [0.1, 0.3, 0.4, 0.8])
    assert cp.quantile() == pytest.approx(0.4)  # ceil(5 * 0.6) = 3rd smallest
    assert cp.quantile(0.1) == float("inf")  # too few calibration points for alpha = 0.1
    sets = cp.predict_sets(np.array([[0.65, 0.35], [0.5, 0.5], [0.95, 0.05]]))
    assert sets.tolist() == [[True, False], [True, False], [True, False]]  # row 2: top forced
    aps = SplitConformalClassifier("aps").fit(np.array([[0.5, 0.3, 0.2]] * 3), np.array([0, 1, 2]))
    np.testing.assert_allclose(aps.scores_, [0.5, 0.8, 1.0])
    empty = SplitConformalClassifier("lac", alpha=0.4, allow_empty=True).fit(p_cal, y_cal)
    assert not empty.predict_sets(np.array([[0.5, 0.5]]), 0.9).any()


def test_conformal_errors():
    cp = SplitConformalClassifier()
    with pytest.raises(NotFittedError):
        cp.predict_sets(np.array([[0.5, 0.5]]))
    with pytest.raises(ValueError, match="score must be one of"):
        SplitConformalClassifier("apss").fit(np.array([[0.5, 0.5]]), np.array([0]))
    with pytest.raises(ValueError, match=r"alpha must be in \(0, 1\)"):
        SplitConformalClassifier(alpha=1.5).fit(np.array([[0.5, 0.5]]), np.array([0]))
    with pytest.raises(ValueError, match="integer class indices"):
        cp.fit(np.array([[0.5, 0.5]]), np.array([0.5]))
    with pytest.raises(ValueError, match=r"y must lie in 0..1"):
        cp.fit(np.array([[0.5, 0.5]]), np.array([2]))
    with pytest.raises(ValueError, match="summing to 1"):
        cp.fit(np.array([[0.5, 0.7]]), np.array([0]))
    with pytest.raises(ValueError, match="n_classes >= 2"):
        cp.fit(np.ones((2, 1)), np.array([0, 0]))
    cp.fit(np.array([[0.5, 0.5]]), np.array([0]))
    with pytest.raises(ValueError, match="calibration had 2"):
        cp.predict_sets(np.ones((1, 3)) / 3)
    with pytest.raises(ValueError, match=r"sets must have shape"):
        empirical_coverage(np.ones(3, bool), np.array([0, 1, 0]))
