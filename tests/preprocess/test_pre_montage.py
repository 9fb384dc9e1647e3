"""Channel names, double banana, left/right pairs and positions (mindstate.preprocess.montage)."""

from __future__ import annotations

import numpy as np
import pytest

from mindstate.preprocess.montage import (
    CHAINS,
    DOUBLE_BANANA,
    DOUBLE_BANANA_CENTRAL,
    LEFT_RIGHT_PAIRS,
    STANDARD_1020,
    bipolar,
    channel_positions,
    left_right_permutation,
    neighbours,
    normalize_channel_names,
    pick_channels,
)

# Column order of the Kaggle HMS EEG parquet files (DATA_FORMATS.md §3.4).
HMS_ORDER = ["Fp1", "F3", "C3", "P3", "F7", "T3", "T5", "O1", "Fz", "Cz", "Pz",
             "Fp2", "F4", "C4", "P4", "F8", "T4", "T6", "O2"]


def test_double_banana_layout():
    assert len(DOUBLE_BANANA) == 16 and len(DOUBLE_BANANA_CENTRAL) == 18
    assert DOUBLE_BANANA[:4] == (("Fp1", "F7"), ("F7", "T3"), ("T3", "T5"), ("T5", "O1"))
    assert DOUBLE_BANANA[4] == ("Fp2", "F8") and DOUBLE_BANANA[8] == ("Fp1", "F3")
    assert DOUBLE_BANANA[12:] == CHAINS["RP"]
    assert list(CHAINS) == ["LL", "RL", "LP", "RP"]
    assert DOUBLE_BANANA_CENTRAL[-2:] == (("Fz", "Cz"), ("Cz", "Pz"))
    # each chain walks front to back: cathode of one pair = anode of the next
    for pairs in CHAINS.values():
        assert all(pairs[i][1] == pairs[i + 1][0] for i in range(3))


def test_normalize_channel_names_aliases_case_prefix():
    got = normalize_channel_names(["EEG FP1-REF", "EEG T7", "p8", "cz", "EEG A2-A1", "ECG ECG",
                                   "T5-LE", "fp1-f7"])
    assert got == ["Fp1", "T3", "T6", "Cz", "A2-A1", "ECG ECG", "T5", "Fp1-F7"]
    assert normalize_channel_names(HMS_ORDER) == HMS_ORDER


def test_bipolar_values_names_and_batch(rng):
    X = rng.standard_normal((3, 19, 50))
    before = X.copy()
    Y, names = bipolar(X, HMS_ORDER)
    assert Y.shape == (3, 16, 50)
    assert names[:4] == ["Fp1-F7", "F7-T3", "T3-T5", "T5-O1"]
    idx = {c: i for i, c in enumerate(HMS_ORDER)}
    for k, (a, c) in enumerate(DOUBLE_BANANA):
        np.testing.assert_array_equal(Y[:, k], X[:, idx[a]] - X[:, idx[c]])
    np.testing.assert_array_equal(X, before)
    # new names (T7/P7...) and an "EEG " prefix are accepted
    new_names = ["EEG " + {"T3": "T7", "T4": "T8", "T5": "P7", "T6": "P8"}.get(c, c)
                 for c in HMS_ORDER]
    Y2, names2 = bipolar(X, new_names, DOUBLE_BANANA_CENTRAL)
    assert names2[-1] == "Cz-Pz" and Y2.shape[1] == 18
    np.testing.assert_array_equal(Y2[:, :16], Y)
    Y3, names3 = bipolar(X[0], HMS_ORDER, ["Fp1-Fp2", ("O1", "O2")])
    assert names3 == ["Fp1-Fp2", "O1-O2"] and Y3.shape == (2, 50)


def test_left_right_pairs_and_permutation(rng):
    assert ("Fp1", "Fp2") in LEFT_RIGHT_PAIRS and ("T3", "T4") in LEFT_RIGHT_PAIRS
    perm = left_right_permutation(HMS_ORDER)
    flipped = [HMS_ORDER[i] for i in perm]
    assert flipped[HMS_ORDER.index("Fp1")] == "Fp2"
    assert flipped[HMS_ORDER.index("T5")] == "T6"
    assert flipped[HMS_ORDER.index("Cz")] == "Cz"
    np.testing.assert_array_equal(perm[perm], np.arange(19))  # an involution
    bip = [f"{a}-{c}" for a, c in DOUBLE_BANANA]
    pb = left_right_permutation(bip)
    assert [bip[i] for i in pb][:4] == ["Fp2-F8", "F8-T4", "T4-T6", "T6-O2"]
    for left, right in LEFT_RIGHT_PAIRS:
        assert left_right_permutation([left, right]).tolist() == [1, 0]


def test_channel_positions_and_neighbours():
    pos = channel_positions(list(STANDARD_1020))
    assert pos.shape == (19, 3)
    np.testing.assert_allclose(channel_positions(["T7"]), channel_positions(["T3"]))
    # left hemisphere electrodes have x < 0 and right ones x > 0
    assert pos[STANDARD_1020.index("C3"), 0] < 0 < pos[STANDARD_1020.index("C4"), 0]
    dist = np.linalg.norm(pos[STANDARD_1020.index("Cz")] - pos[STANDARD_1020.index("C3")])
    assert 0.05 < dist < 0.09  # metres on an adult head
    mid = channel_positions(["Fp1-F7"])[0]
    np.testing.assert_allclose(mid, channel_positions(["Fp1", "F7"]).mean(axis=0))
    adj = neighbours(list(STANDARD_1020))
    assert adj.shape == (19, 19) and np.array_equal(adj, adj.T) and not adj.diagonal().any()
    cz = STANDARD_1020.index("Cz")
    near = {STANDARD_1020[i] for i in np.flatnonzero(adj[cz])}
    assert {"C3", "C4", "Fz", "Pz"} <= near
    assert "Fp1" not in near and "O1" not in near


# ----------------------------------------------------------------------------- bad input
def test_unknown_channels_for_montage_list_missing_with_suggestion(rng):
    names = [c for c in HMS_ORDER if c not in ("O1", "T3")] + ["O!", "T33"]
    with pytest.raises(ValueError, match=r"lacks the channel\(s\).*O1.*T3.*Did you mean"):
        bipolar(rng.standard_normal((19, 10)), names)
    with pytest.raises(ValueError, match="Did you mean 'Cz'"):
        pick_channels(["Fp1", "Cz"], ["Cx"])


def test_montage_errors(rng):
    with pytest.raises(ValueError, match="duplicate canonical names.*'T3' and 'T7'"):
        normalize_channel_names(["T3", "T7"])
    with pytest.raises(TypeError, match="sequence of str; got the str"):
        normalize_channel_names("Fp1")
    with pytest.raises(TypeError, match="must hold str"):
        normalize_channel_names(["Fp1", 3])
    X = rng.standard_normal((19, 10))
    with pytest.raises(ValueError, match="n_chans=len\\(ch_names\\)=18"):
        bipolar(X, HMS_ORDER[:18])
    with pytest.raises(ValueError, match="pairs entries must be"):
        bipolar(X, HMS_ORDER, ["Fp1-F7-T3"])
    with pytest.raises(ValueError, match="pairs entries must be"):
        bipolar(X, HMS_ORDER, [("Fp1",)])
    with pytest.raises(ValueError, match="at least one"):
        bipolar(X, HMS_ORDER, [])
    with pytest.raises(ValueError, match="without a left/right mirror.*ECG"):
        left_right_permutation(["Fp1", "Fp2", "ECG"])
    with pytest.raises(ValueError, match=r"without a left/right mirror.*F3 \(mirror F4\)"):
        left_right_permutation(["F3", "Cz"])
    with pytest.raises(ValueError, match="not 10-20/10-10 electrodes.*Did you mean 'Fpz'"):
        channel_positions(["Fp1", "Fpx"])
    with pytest.raises(ValueError, match="radius must be in"):
        neighbours(["Fp1", "Fp2"], radius=0.0)
