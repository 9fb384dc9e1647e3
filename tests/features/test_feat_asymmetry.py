"""Tests for mindstate.features.asymmetry."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from mindstate.exceptions import DataQualityError, NotFittedError
from mindstate.features.asymmetry import (
    PAIRS_1020,
    SEED_CHANNELS,
    SEED_PAIRS,
    AsymmetryFeatures,
    dasm,
    rasm,
    resolve_pairs,
)

NAMES_1020 = ["Fp1", "Fp2", "F7", "F3", "Fz", "F4", "F8", "T3", "C3", "Cz", "C4", "T4",
              "T5", "P3", "Pz", "P4", "T6", "O1", "O2"]


def test_seed_montage_lists():
    assert len(SEED_CHANNELS) == 62 and len(set(SEED_CHANNELS)) == 62
    assert len(SEED_PAIRS) == 27
    flat = [c for p in SEED_PAIRS for c in p]
    assert len(set(flat)) == 54 and set(flat) <= set(SEED_CHANNELS)
    # midline channels are never paired
    assert not {"FPZ", "FZ", "FCZ", "CZ", "CPZ", "PZ", "POZ", "OZ"} & set(flat)
    assert len(PAIRS_1020) == 8


def test_dasm_rasm_values_on_seed_layout(rng):
    F = rng.uniform(1.0, 2.0, size=(4, 62, 5))
    before = F.copy()
    D = dasm(F, SEED_CHANNELS)
    R = rasm(F, SEED_CHANNELS)
    assert D.shape == R.shape == (4, 27, 5)
    i_l, i_r = SEED_CHANNELS.index("FP1"), SEED_CHANNELS.index("FP2")
    np.testing.assert_allclose(D[:, 0], F[:, i_l] - F[:, i_r])
    np.testing.assert_allclose(R[:, 0], F[:, i_l] / F[:, i_r])
    i_l, i_r = SEED_CHANNELS.index("CB1"), SEED_CHANNELS.index("CB2")
    np.testing.assert_allclose(D[:, 25], F[:, i_l] - F[:, i_r])
    np.testing.assert_array_equal(F, before)
    # a symmetric feature map gives DASM 0 and RASM 1
    sym = np.ones((1, 62, 2))
    np.testing.assert_allclose(dasm(sym, SEED_CHANNELS), 0.0)
    np.testing.assert_allclose(rasm(sym, SEED_CHANNELS), 1.0)


def test_1020_pairs_with_old_names_and_case(rng):
    F = rng.uniform(1, 2, size=(2, 19, 3))
    used, li, ri = resolve_pairs(NAMES_1020, "1020")
    assert used[3] == ("T3", "T4") and used[5] == ("T5", "T6")
    np.testing.assert_allclose(dasm(F, NAMES_1020, "1020")[:, 3],
                               F[:, NAMES_1020.index("T3")] - F[:, NAMES_1020.index("T4")])
    upper = [c.upper() for c in NAMES_1020]
    np.testing.assert_allclose(dasm(F, upper, "1020"), dasm(F, NAMES_1020, "1020"))
    custom = dasm(F, NAMES_1020, [("C3", "C4")])
    assert custom.shape == (2, 1, 3)


def test_missing_channels():
    with pytest.raises(ValueError, match=r"lacks channel\(s\) \['AF3', 'AF4', 'F5'.*CB2'\]"):
        resolve_pairs(NAMES_1020, "seed")
    used, _, _ = resolve_pairs(NAMES_1020, "seed", on_missing="ignore")
    assert ("Fp1", "Fp2") in used and len(used) == 8
    with pytest.warns(UserWarning, match="lacks channel"):
        resolve_pairs(NAMES_1020, "seed", on_missing="warn")
    with pytest.raises(ValueError, match="lacks channel.*'O11'.*Did you mean 'O1'"):
        dasm(np.ones((1, 19, 1)), NAMES_1020, [("O11", "O2")])
    with pytest.raises(ValueError, match="no asymmetry pair is complete"):
        resolve_pairs(["a", "b"], "1020", on_missing="ignore")


def test_bad_inputs(rng):
    F = rng.uniform(1, 2, size=(2, 19, 3))
    with pytest.raises(ValueError, match=r"n_chans=19 channels.*got shape \(2, 18, 3\)"):
        dasm(F[:, :18], NAMES_1020, "1020")
    with pytest.raises(ValueError, match=r"3 dimensions \(n_windows, n_chans, n_bands\)"):
        dasm(F[0], NAMES_1020, "1020")
    with pytest.raises(ValueError, match="pairs must be one of.*Did you mean '1020'"):
        dasm(F, NAMES_1020, "1021")
    with pytest.raises(ValueError, match="pairs must hold"):
        dasm(F, NAMES_1020, [("C3", "C4", "Cz")])
    with pytest.raises(ValueError, match="at least one"):
        dasm(F, NAMES_1020, [])
    with pytest.raises(TypeError, match="ch_names must be a list"):
        dasm(F, "C3", "1020")
    bad = F.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(DataQualityError, match="NaN"):
        dasm(bad, NAMES_1020, "1020")
    zero = F.copy()
    zero[:, NAMES_1020.index("C4")] = 0.0
    with pytest.raises(DataQualityError, match=r"rasm.*\['C4'\]"):
        rasm(zero, NAMES_1020, "1020")


def test_transformer(rng):
    F = rng.uniform(1, 2, size=(3, 19, 2))
    tr = AsymmetryFeatures(NAMES_1020, "1020", band_names=["alpha", "beta"])
    with pytest.raises(NotFittedError, match="not fitted"):
        tr.transform(F)
    out = tr.fit(F).transform(F)
    assert out.shape == (3, 2 * 8 * 2)
    names = tr.get_feature_names_out()
    assert names[0] == "dasm_Fp1-Fp2_alpha" and names[16] == "rasm_Fp1-Fp2_alpha"
    assert names[7] == "dasm_T3-T4_beta"
    np.testing.assert_allclose(out[:, :16], dasm(F, NAMES_1020, "1020").reshape(3, -1))
    np.testing.assert_allclose(out[:, 16:], rasm(F, NAMES_1020, "1020").reshape(3, -1))
    only = AsymmetryFeatures(NAMES_1020, "1020", kinds="dasm").fit(F)
    assert only.transform(F).shape == (3, 16)
    assert only.get_feature_names_out()[1] == "dasm_Fp1-Fp2_band1"
    assert clone(tr).get_params()["pairs"] == "1020"
    with pytest.raises(ValueError, match="n_bands=2"):
        tr.transform(F[..., :1])
    with pytest.raises(ValueError, match="kinds must be one of"):
        AsymmetryFeatures(NAMES_1020, "1020", kinds=("dasm", "ratio")).fit(F)
    with pytest.raises(ValueError, match="kinds must name at least one"):
        AsymmetryFeatures(NAMES_1020, "1020", kinds=()).fit(F)
    with pytest.raises(ValueError, match="band_names must have one name per band"):
        AsymmetryFeatures(NAMES_1020, "1020", band_names=["a"]).fit(F)
