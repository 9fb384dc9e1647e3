"""Tests for mindstate.features.time."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mindstate.exceptions import DataQualityError, NotFittedError
from mindstate.features.time import (
    TIME_FEATURES,
    TimeFeatures,
    hjorth,
    kurtosis,
    line_length,
    peak_to_peak,
    skewness,
    time_features,
    zero_crossing_rate,
)

SF = 256.0


def _sine(f=10.0, amp=20e-6, duration=2.0, phase=0.3):
    t = np.arange(int(duration * SF)) / SF
    return amp * np.sin(2 * np.pi * f * t + phase)


def test_hjorth_of_a_sine():
    x = _sine(10.0)
    act, mob, comp = hjorth(x)
    assert act == pytest.approx(np.var(x))
    assert mob == pytest.approx(2 * np.sin(np.pi * 10 / SF), rel=1e-3)  # per sample
    assert comp == pytest.approx(1.0, abs=0.01)
    _, mob_hz, _ = hjorth(x, SF)
    assert mob_hz == pytest.approx(10.0, rel=0.01)  # in Hz
    _, mob2, _ = hjorth(np.stack([_sine(5.0), _sine(20.0)]), SF)
    np.testing.assert_allclose(mob2, [5.0, 20.0], rtol=0.02)


def test_hjorth_white_noise_complexity_exceeds_sine(rng):
    _, _, comp_noise = hjorth(rng.standard_normal(4096))
    assert comp_noise > 1.1


def test_zero_crossing_rate():
    x = _sine(10.0)
    assert zero_crossing_rate(x, SF) == pytest.approx(20.0, abs=0.6)  # 2 f per second
    assert zero_crossing_rate(x) == pytest.approx(20.0 / SF, abs=0.6 / SF)
    assert zero_crossing_rate(x + 1e-3, SF) == pytest.approx(20.0, abs=0.6)  # offset removed
    assert zero_crossing_rate(np.zeros(100)) == 0.0


def test_moments_and_amplitude(rng):
    x = _sine(7.0)
    assert skewness(x) == pytest.approx(0.0, abs=1e-3)
    assert kurtosis(x) == pytest.approx(-1.5, abs=0.01)
    g = rng.standard_normal((2, 200_000))
    np.testing.assert_allclose(kurtosis(g), 0.0, atol=0.05)
    e = rng.exponential(size=200_000)
    assert skewness(e) == pytest.approx(2.0, abs=0.1)  # exponential: skew 2
    assert peak_to_peak(x) == pytest.approx(40e-6, rel=1e-3)
    ramp = np.linspace(0, 1e-4, 101)
    assert line_length(ramp) == pytest.approx(1e-6)
    assert line_length(ramp, 100.0) == pytest.approx(1e-4)  # V/s


def test_time_features_matches_functions_and_input_unchanged(rng):
    X = 1e-5 * rng.standard_normal((3, 4, 256))
    before = X.copy()
    F = time_features(X, SF)
    np.testing.assert_array_equal(X, before)
    assert F.shape == (3, 4, len(TIME_FEATURES))
    col = {f: F[..., k] for k, f in enumerate(TIME_FEATURES)}
    np.testing.assert_allclose(col["mean"], X.mean(-1))
    np.testing.assert_allclose(col["std"], X.std(-1))
    np.testing.assert_allclose(col["skewness"], skewness(X))
    np.testing.assert_allclose(col["kurtosis"], kurtosis(X))
    np.testing.assert_allclose(col["activity"], X.var(-1))
    np.testing.assert_allclose(col["mobility"], hjorth(X, SF)[1])
    np.testing.assert_allclose(col["peak_to_peak"], np.ptp(X, -1))
    sub = time_features(X, SF, ["peak_to_peak", "mean"])
    np.testing.assert_allclose(sub[..., 0], col["peak_to_peak"])


def test_flat_handling():
    X = np.zeros((2, 3, 64))
    X[:, 0] = np.random.default_rng(0).standard_normal((2, 64))
    with pytest.raises(DataQualityError, match="flat channel.*channel index 1"):
        time_features(X)
    with pytest.raises(DataQualityError, match="skewness: flat"):
        skewness(np.ones(10))
    F = time_features(X, on_flat="ignore")
    assert np.isfinite(F).all()
    np.testing.assert_array_equal(F[:, 1:, TIME_FEATURES.index("kurtosis")], 0.0)
    with pytest.warns(UserWarning, match="flat"):
        hjorth(X, on_flat="warn")
    # a pure ramp has a flat derivative: complexity is 0, not NaN
    _, mob, comp = hjorth(np.linspace(0, 1, 50))
    assert mob > 0 and comp == 0.0


def test_bad_inputs():
    with pytest.raises(DataQualityError, match="NaN"):
        hjorth(np.array([1.0, np.nan, 2.0]))
    with pytest.raises(ValueError, match="at least 4 samples"):
        time_features(np.ones((2, 3)))
    with pytest.raises(ValueError, match="features must be one of.*Did you mean 'kurtosis'"):
        time_features(np.ones((2, 10)), features=["kurtosys"])
    with pytest.raises(ValueError, match="must not repeat"):
        time_features(np.ones((2, 10)), features=["mean", "mean"])
    with pytest.raises(ValueError, match="at least one"):
        time_features(np.ones((2, 10)), features=[])
    with pytest.raises(ValueError, match="sfreq must be in"):
        zero_crossing_rate(np.ones(10), sfreq=-5)
    with pytest.raises(ValueError, match=r"shape \(\.\.\., n_times\)"):
        peak_to_peak(np.float64(1.0))
    with pytest.raises(ValueError, match="on_flat must be one of"):
        kurtosis(np.arange(10.0), on_flat="skip")


# ---------------------------------------------------------------------- transformer
def test_time_features_transformer(rng):
    X = 1e-5 * rng.standard_normal((5, 2, 128))
    tf = TimeFeatures(["mean", "mobility"], sfreq=SF, ch_names=["C3", "C4"])
    with pytest.raises(NotFittedError, match="not fitted"):
        tf.transform(X)
    out = tf.fit(X).transform(X)
    assert out.shape == (5, 4)
    assert list(tf.get_feature_names_out()) == ["C3_mean", "C3_mobility", "C4_mean",
                                                "C4_mobility"]
    np.testing.assert_allclose(out[:, 1], hjorth(X[:, 0], SF)[1])
    np.testing.assert_allclose(out[:, 2], X[:, 1].mean(-1))
    assert clone(tf).get_params()["features"] == ["mean", "mobility"]
    full = make_pipeline(TimeFeatures(sfreq=SF), StandardScaler()).fit_transform(X)
    assert full.shape == (5, 2 * len(TIME_FEATURES)) and np.isfinite(full).all()
    assert TimeFeatures().fit(X).get_feature_names_out()[0] == "ch0_mean"


def test_time_features_transformer_errors(rng):
    X = rng.standard_normal((5, 2, 128))
    tf = TimeFeatures().fit(X)
    with pytest.raises(ValueError, match="n_chans=2 channels as in fit"):
        tf.transform(X[:, :1])
    with pytest.raises(ValueError, match=r"shape \(n_windows, n_chans, n_times\).*np.newaxis"):
        tf.transform(X[0])
    with pytest.raises(ValueError, match="ch_names must have one name per channel"):
        TimeFeatures(ch_names=["a"]).fit(X)
    with pytest.raises(ValueError, match="input_features must have one name per channel"):
        tf.get_feature_names_out(["a", "b", "c"])
    with pytest.raises(ValueError, match="on_flat must be one of"):
        TimeFeatures(on_flat="nope").fit(X)


def test_skewness_kurtosis_equal_the_moment_formulas(rng):
    """Delegated to scipy.stats; the biased moment ratios are unchanged."""
    from mindstate.features import kurtosis, skewness

    X = rng.standard_normal((3, 4, 500)) ** 3
    c = X - X.mean(axis=-1, keepdims=True)
    var = (c**2).mean(axis=-1)
    np.testing.assert_allclose(skewness(X), (c**3).mean(axis=-1) / var**1.5, rtol=1e-12)
    np.testing.assert_allclose(kurtosis(X), (c**4).mean(axis=-1) / var**2 - 3, rtol=1e-12)
