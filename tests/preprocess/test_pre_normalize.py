"""Tests for mindstate.preprocess.normalize."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from mindstate.exceptions import DataQualityError, NotFittedError
from mindstate.preprocess.normalize import RobustNormalizer, Standardizer, robust_scale, zscore


@pytest.fixture
def windows(rng):
    # (n_windows, n_chans, n_times) with per-channel offsets and scales, in volts
    offsets = np.array([1e-5, -2e-5, 5e-6])[None, :, None]
    scales = np.array([1e-5, 3e-5, 2e-6])[None, :, None]
    return offsets + scales * rng.standard_normal((6, 3, 400))


def _iqr(x, axis=-1):
    q75, q25 = np.percentile(x, [75, 25], axis=axis)
    return q75 - q25


# ---------------------------------------------------------------------- robust_scale
def test_robust_scale_median_zero_iqr_one(windows):
    out = robust_scale(windows)
    np.testing.assert_allclose(np.median(out, axis=-1), 0.0, atol=1e-12)
    np.testing.assert_allclose(_iqr(out), 1.0, rtol=1e-10)


def test_robust_scale_other_axis_and_input_unchanged(windows):
    before = windows.copy()
    out = robust_scale(windows, axis=0)
    np.testing.assert_allclose(np.median(out, axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(_iqr(out, axis=0), 1.0, rtol=1e-10)
    np.testing.assert_array_equal(windows, before)


def test_robust_scale_flat_channel_raises_with_name(windows):
    X = windows.copy()
    X[:, 1] = 4e-6
    with pytest.raises(DataQualityError, match="flat channel.*Cz"):
        robust_scale(X, ch_names=["Fz", "Cz", "Pz"])
    with pytest.raises(DataQualityError, match="channel index 1"):
        robust_scale(X)


def test_robust_scale_flat_ignore_and_warn(windows):
    X = windows.copy()
    X[:, 1] = 4e-6
    out = robust_scale(X, on_flat="ignore")
    np.testing.assert_allclose(out[:, 1], 0.0)  # centred, unscaled
    np.testing.assert_allclose(_iqr(out[:, 0]), 1.0)
    with pytest.warns(UserWarning, match="flat channel"):
        robust_scale(X, on_flat="warn")


def test_robust_scale_bad_inputs(windows):
    bad = windows.copy()
    bad[0, 0, 3] = np.nan
    with pytest.raises(DataQualityError, match="NaN"):
        robust_scale(bad)
    with pytest.raises(ValueError, match="on_flat must be one of.*Did you mean 'raise'"):
        robust_scale(windows, on_flat="rase")
    with pytest.raises(ValueError, match="quantile_range must satisfy"):
        robust_scale(windows, quantile_range=(75, 25))
    with pytest.raises(ValueError, match="quantile_range must be two percentiles"):
        robust_scale(windows, quantile_range=5)
    with pytest.raises(ValueError, match="axis must be in"):
        robust_scale(windows, axis=3)
    with pytest.raises(TypeError, match="axis must be an int"):
        robust_scale(windows, axis=1.5)
    with pytest.raises(ValueError, match=r"X must have shape \(\.\.\., n_times\)"):
        robust_scale(np.float64(3.0))


# ---------------------------------------------------------------------- zscore
def test_zscore_mean_zero_std_one(windows):
    before = windows.copy()
    out = zscore(windows)
    np.testing.assert_allclose(out.mean(axis=-1), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(zscore(windows, ddof=1).std(axis=-1, ddof=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(windows, before)


def test_zscore_errors(windows):
    X = windows.copy()
    X[:, 2] = 0.0
    with pytest.raises(DataQualityError, match="zscore: flat channel.*Pz"):
        zscore(X, ch_names=["Fz", "Cz", "Pz"])
    with pytest.raises(ValueError, match="ddof must be a non-negative int"):
        zscore(windows, ddof=-1)
    with pytest.raises(ValueError, match="needs more than ddof=1 samples"):
        zscore(windows[..., :1], ddof=1)


def test_all_zero_array_is_flat():
    with pytest.raises(DataQualityError, match="flat"):
        zscore(np.zeros((2, 10)))


# ---------------------------------------------------------------------- estimators
@pytest.mark.parametrize("cls", [RobustNormalizer, Standardizer])
def test_not_fitted(cls, windows):
    with pytest.raises(NotFittedError, match="not fitted"):
        cls().transform(windows)
    with pytest.raises(NotFittedError, match="not fitted"):
        cls().inverse_transform(windows)


def test_robust_normalizer_fitted_on_train_only(windows, rng):
    train, test = windows[:4], windows[4:] + 7e-5  # test data are shifted
    before = test.copy()
    norm = RobustNormalizer().fit(train)
    pooled = np.moveaxis(train, 1, 0).reshape(3, -1)
    np.testing.assert_allclose(norm.center_, np.median(pooled, axis=1))
    np.testing.assert_allclose(norm.scale_, _iqr(pooled, axis=1))
    out_train = norm.transform(train)
    pooled_out = np.moveaxis(out_train, 1, 0).reshape(3, -1)
    np.testing.assert_allclose(np.median(pooled_out, axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(_iqr(pooled_out, axis=1), 1.0, rtol=1e-10)
    out_test = norm.transform(test)
    # the shift is expressed in train IQR units, not re-centred away
    np.testing.assert_allclose(np.median(np.moveaxis(out_test, 1, 0).reshape(3, -1), axis=1),
                               7e-5 / norm.scale_, rtol=0.2)
    np.testing.assert_array_equal(test, before)
    np.testing.assert_allclose(norm.inverse_transform(out_test), test, rtol=1e-12, atol=1e-20)


def test_standardizer_values_and_2d_input(windows):
    st = Standardizer().fit(windows)
    out = st.transform(windows)
    pooled = np.moveaxis(out, 1, 0).reshape(3, -1)
    np.testing.assert_allclose(pooled.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(pooled.std(axis=1), 1.0, rtol=1e-12)
    out2d = st.transform(windows[0])
    np.testing.assert_allclose(out2d, out[0])
    assert clone(st).get_params() == {"ddof": 0, "on_flat": "raise", "ch_names": None}


def test_estimator_errors(windows):
    norm = RobustNormalizer().fit(windows)
    with pytest.raises(ValueError, match="n_chans=3 channels"):
        norm.transform(windows[:, :2])
    with pytest.raises(ValueError, match=r"shape \(n_windows, n_chans, n_times\)"):
        norm.transform(windows[0, 0])
    X = windows.copy()
    X[:, 0] = 1e-6
    with pytest.raises(DataQualityError, match="RobustNormalizer.fit: flat channel.*Fz"):
        RobustNormalizer(ch_names=["Fz", "Cz", "Pz"]).fit(X)
    ok = Standardizer(on_flat="ignore").fit(X)
    np.testing.assert_array_equal(ok.flat_, [True, False, False])
    np.testing.assert_allclose(ok.transform(X)[:, 0], 0.0, atol=1e-18)
    with pytest.raises(ValueError, match="ch_names must have one name per channel"):
        Standardizer(ch_names=["a"]).fit(windows)
    with pytest.raises(ValueError, match="ddof must be a non-negative int"):
        Standardizer(ddof=-2).fit(windows)
    with pytest.raises(ValueError, match="needs more than ddof=5"):
        Standardizer(ddof=5).fit(windows[:1, :, :5])
