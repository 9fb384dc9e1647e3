"""Uncertainty measures against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from mindstate.uncertainty import (
    confidence,
    expected_entropy,
    mutual_information,
    predictive_entropy,
    variance,
)


def test_entropy_values():
    p = np.array([[0.5, 0.5], [1.0, 0.0], [0.25, 0.75]])
    h = predictive_entropy(p)
    np.testing.assert_allclose(h, [np.log(2), 0.0, -(0.25 * np.log(0.25) + 0.75 * np.log(0.75))])
    np.testing.assert_allclose(predictive_entropy(p, normalize=True)[:2], [1.0, 0.0])
    np.testing.assert_allclose(confidence(p), [0.5, 1.0, 0.75])


def test_bald_decomposition():
    # two confident samples that disagree: no aleatoric, maximal epistemic uncertainty
    samples = np.array([[[1.0, 0.0], [0.5, 0.5]], [[0.0, 1.0], [0.5, 0.5]]])
    np.testing.assert_allclose(expected_entropy(samples), [0.0, np.log(2)])
    np.testing.assert_allclose(mutual_information(samples), [np.log(2), 0.0], atol=1e-12)
    np.testing.assert_allclose(mutual_information(samples, normalize=True), [1.0, 0.0],
                               atol=1e-12)
    total = predictive_entropy(samples.mean(0))
    np.testing.assert_allclose(total, expected_entropy(samples) + mutual_information(samples))
    np.testing.assert_allclose(variance(samples), [0.25, 0.0])
    np.testing.assert_allclose(variance(samples, per_class=True), [[0.25, 0.25], [0.0, 0.0]])
    np.testing.assert_allclose(expected_entropy(samples, normalize=True), [0.0, 1.0])


def test_measure_errors():
    with pytest.raises(ValueError, match="must have 2 dimensions"):
        predictive_entropy(np.ones((2, 2, 2)) / 2)
    with pytest.raises(ValueError, match="must have 3 dimensions"):
        mutual_information(np.ones((2, 2)) / 2)
    with pytest.raises(ValueError, match="apply softmax"):
        predictive_entropy(np.array([[2.0, -1.0]]))
    with pytest.raises(ValueError, match="at least 2 classes"):
        confidence(np.ones((3, 1)))
