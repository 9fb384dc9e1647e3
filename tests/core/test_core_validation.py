from __future__ import annotations

import numpy as np
import pytest

from mindstate._validation import (
    check_array,
    check_channels,
    check_finite,
    check_fitted,
    check_int,
    check_option,
    check_range,
    check_sfreq,
    check_type,
    suggest,
)
from mindstate.exceptions import DataQualityError, NotFittedError
from mindstate.registry import Registry


def test_suggest():
    assert suggest("alpah", ["alpha", "beta"]) == " Did you mean 'alpha'?"
    assert suggest("zzz", ["alpha"]) == ""


def test_check_type():
    assert check_type(3, float, "x") == 3
    with pytest.raises(TypeError, match="x must be float; got True"):
        check_type(True, float, "x")
    with pytest.raises(TypeError, match="must be str"):
        check_type(1, str, "name")


def test_check_option_and_int_and_range():
    with pytest.raises(ValueError, match="Did you mean 'robust'"):
        check_option("robus", ["robust", "zscore"], "normalize")
    with pytest.raises(TypeError, match="n must be an integer"):
        check_int(2.0, "n")
    with pytest.raises(ValueError, match="n must be >= 1; got 0"):
        check_int(0, "n", min_value=1)
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\]; got 2"):
        check_range(2, "p", 0, 1)
    with pytest.raises(ValueError, match=r"sfreq must be in \(0, inf\]"):
        check_sfreq(0)
    with pytest.raises(ValueError, match="must be finite"):
        check_range(float("nan"), "x")


def test_check_array_shapes_and_nonfinite():
    x = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"must have 3 dimensions \(n, c, t\); got shape \(2, 3\)"
                       r"\. For a single item use X\[np.newaxis\]"):
        check_array(x, ndim=3, shape_hint="(n, c, t)")
    y = np.ones((2, 5))
    y[1, 2] = np.nan
    with pytest.raises(DataQualityError, match="1 NaN/Inf"):
        check_array(y)
    with pytest.raises(DataQualityError, match="in channel\\(s\\) b"):
        check_finite(y, "data", ["a", "b"])
    with pytest.raises(TypeError, match="must be array-like"):
        check_array("abc")
    with pytest.raises(ValueError, match="at least 4 sample"):
        check_array(np.zeros((2, 3)), min_samples=4)
    out = check_array(np.ones((2, 2), dtype=np.float32), copy=True)
    assert out.dtype == np.float64


def test_check_channels():
    assert check_channels(["Fp1", "Fp2", "Cz"], ["Cz", "Fp1"]) == [2, 0]
    with pytest.raises(ValueError, match=r"lacks required channel\(s\) \['Fz'\]"):
        check_channels(["Fp1", "Fz1"], ["Fz"])


def test_check_fitted():
    class Est:
        pass

    e = Est()
    with pytest.raises(NotFittedError, match="not fitted yet"):
        check_fitted(e)
    e.coef_ = 1
    check_fitted(e)
    with pytest.raises(NotFittedError):
        check_fitted(e, ["coef_", "other_"])


def test_registry():
    reg: Registry[int] = Registry("thing")
    reg.register("alpha")(1)
    assert reg.get("alpha") == 1 and "alpha" in reg and reg.names() == ["alpha"]
    with pytest.raises(ValueError, match="Unknown thing 'alpah'. Did you mean 'alpha'"):
        reg.get("alpah")
    with pytest.raises(ValueError, match="already registered"):
        reg.add("alpha", 2)
    with pytest.raises(TypeError, match="non-empty str"):
        reg.register("")
