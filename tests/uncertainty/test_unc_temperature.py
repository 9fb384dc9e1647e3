"""Temperature scaling: fits T > 1 on over-confident logits and lowers held-out ECE."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mindstate.evaluate.metrics import expected_calibration_error, log_loss
from mindstate.exceptions import NotFittedError
from mindstate.uncertainty import TemperatureScaling, softmax


def _calibrated_task(n, rng, scale=1.5, n_classes=3):
    """Noisy 3-class problem whose true logits are perfectly calibrated: y ~ softmax(logits)."""
    logits = scale * rng.standard_normal((n, n_classes))
    p = softmax(logits, axis=1)
    y = (rng.random(n)[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
    return logits, y


def test_temperature_scaling_fixes_overconfidence(rng):
    val_logits, y_val = _calibrated_task(3000, rng)
    test_logits, y_test = _calibrated_task(5000, rng)
    over_val, over_test = 4.0 * val_logits, 4.0 * test_logits  # an over-confident model
    ts = TemperatureScaling().fit(over_val, y_val)
    assert ts.temperature_ > 1.0
    assert ts.temperature_ == pytest.approx(4.0, rel=0.15)  # the true over-confidence factor
    ece_before = expected_calibration_error(y_test, softmax(over_test, axis=1))
    ece_after = expected_calibration_error(y_test, ts.transform(over_test))
    assert ece_before > 0.1
    assert ece_after <= 0.5 * ece_before
    assert ece_after < 0.04
    assert log_loss(y_test, ts.transform(over_test)) < log_loss(y_test, softmax(over_test, 1))
    assert ts.nll_after_ < ts.nll_before_
    # the predicted class never changes
    np.testing.assert_array_equal(ts.transform(over_test).argmax(1), over_test.argmax(1))


def test_temperature_underconfident_and_soft_labels(rng):
    logits, y = _calibrated_task(3000, rng)
    ts = TemperatureScaling().fit(0.5 * logits, y)
    assert ts.temperature_ == pytest.approx(0.5, rel=0.15)
    # soft labels: the true distributions themselves give T ~ 4 exactly
    p_true = softmax(logits, axis=1)
    ts_soft = TemperatureScaling().fit(4.0 * logits, p_true)
    assert ts_soft.temperature_ == pytest.approx(4.0, rel=1e-3)
    # torch tensors with grad are accepted
    t = torch.tensor(4.0 * logits, requires_grad=True)
    assert TemperatureScaling().fit(t, torch.tensor(y)).temperature_ > 1.0


def test_temperature_errors_and_inputs_unchanged(rng):
    logits, y = _calibrated_task(200, rng)
    ts = TemperatureScaling()
    with pytest.raises(NotFittedError, match="not fitted yet"):
        ts.transform(logits)
    l0, y0 = logits.copy(), y.copy()
    ts.fit(logits, y)
    np.testing.assert_array_equal(logits, l0)
    np.testing.assert_array_equal(y, y0)
    with pytest.raises(ValueError, match=r"logits must have shape \(n_samples, n_classes\)"):
        ts.fit(logits[:, 0], y)
    with pytest.raises(ValueError, match="fitted on 3"):
        ts.transform(logits[:, :2])
    with pytest.raises(ValueError, match=r"class indices in 0..2"):
        ts.fit(logits, y + 3)
    with pytest.raises(ValueError, match=r"y must have shape \(200,\)"):
        ts.fit(logits, y[:5])
    with pytest.raises(ValueError, match="Soft y must have shape"):
        ts.fit(logits, np.ones((200, 4)))
    with pytest.raises(ValueError, match="positive sum"):
        ts.fit(logits, np.zeros((200, 3)))
    with pytest.raises(TypeError, match="y must be array-like"):
        ts.fit(logits, None)
    with pytest.raises(ValueError, match=r"bounds\[1\] must be in"):
        TemperatureScaling(bounds=(2.0, 1.0)).fit(logits, y)
    # perfectly separated validation data: T runs to the lower bound, with a warning
    sep = np.eye(3)[y] * 50.0
    with pytest.warns(UserWarning, match="minimal at a search bound"):
        TemperatureScaling().fit(sep, y)
    assert "temperature_=" in repr(ts)


def test_softmax_equals_the_stable_formula(rng):
    """Delegated to scipy.special.softmax; importable from mindstate.uncertainty."""
    from mindstate.uncertainty import softmax as public_softmax

    z = 50 * rng.standard_normal((5, 3))
    shifted = z - z.max(axis=1, keepdims=True)
    ref = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(public_softmax(z, axis=1), ref, rtol=1e-12)
    np.testing.assert_allclose(public_softmax(z.T, axis=0), ref.T, rtol=1e-12)
