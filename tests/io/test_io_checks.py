"""check_recording: NaN/Inf and flat-channel detection with raise / warn / ignore."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from mindstate.exceptions import DataQualityError
from mindstate.io import PhysioRecording, Recording, Signal, check_recording
from mindstate.io.checks import DEFAULT_FLAT_THRESHOLD


@pytest.fixture
def rec(rng):
    data = 1e-5 * rng.standard_normal((5, 1000))
    data = np.vstack([data, 1e-3 * rng.standard_normal((1, 1000))])  # ECG, large
    return Recording(data, 250.0, ["Fz", "Cz", "Pz", "O1", "O2", "ECG"],
                     ["eeg"] * 5 + ["ecg"], meta={"path": "/data/sub-01.edf"})


def _with(rec, fn):
    data = rec.data.copy()
    fn(data)
    return Recording(data, rec.sfreq, rec.ch_names, rec.ch_types, meta=dict(rec.meta))


def test_clean_recording_passes(rec):
    before = rec.data.copy()
    assert check_recording(rec) == []
    assert check_recording(rec, picks=None) == []
    np.testing.assert_array_equal(rec.data, before)  # input unchanged


def test_nonfinite_raises_naming_file_and_channels(rec):
    bad = _with(rec, lambda d: (d.__setitem__((1, 5), np.nan), d.__setitem__((3, 7), np.inf)))
    with pytest.raises(DataQualityError, match=r"/data/sub-01\.edf: 2 channel.*Cz \(1\), O1 \(1\)"):
        check_recording(bad)


def test_nonfinite_warn_and_ignore(rec):
    bad = _with(rec, lambda d: d.__setitem__((0, slice(0, 10)), np.nan))
    with pytest.warns(UserWarning, match=r"Fz \(10\)"):
        assert check_recording(bad, on_nonfinite="warn") == ["Fz"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_recording(bad, on_nonfinite="ignore") == ["Fz"]


def test_constant_channel_is_flat(rec):
    bad = _with(rec, lambda d: d.__setitem__(2, 5e-6))
    with pytest.raises(DataQualityError, match=r"sub-01\.edf: 1 flat channel.*: Pz\."):
        check_recording(bad)
    assert check_recording(bad, on_flat="ignore", flat_threshold=0.0) == ["Pz"]


def test_relative_threshold(rec):
    # Pz at 1e-4 of the others' amplitude: flat by the default threshold (1e-3), not at 1e-5.
    bad = _with(rec, lambda d: d.__setitem__(2, d[2] * 1e-4))
    assert DEFAULT_FLAT_THRESHOLD == 1e-3
    assert check_recording(bad, on_flat="ignore") == ["Pz"]
    assert check_recording(bad, on_flat="ignore", flat_threshold=1e-5) == []
    # The threshold is relative, so the same data in microvolts gives the same answer.
    micro = Recording(bad.data * 1e6, bad.sfreq, bad.ch_names, bad.ch_types)
    assert check_recording(micro, on_flat="ignore") == ["Pz"]


def test_picks_limit_the_check(rec):
    bad = _with(rec, lambda d: d.__setitem__(5, 0.0))  # ECG flat, not EEG
    assert check_recording(bad) == []
    with pytest.warns(UserWarning, match="ECG"):
        assert check_recording(bad, picks=None, on_flat="warn") == ["ECG"]
    assert check_recording(bad, picks=["Fz", "ECG"], on_flat="ignore") == ["ECG"]


def test_both_problems_in_one_error_and_record_fallback(rec):
    def damage(d):
        d[0, 0] = np.nan
        d[4] = 0.0
    bad = _with(rec, damage)
    bad.meta = {"record": "S07"}
    with pytest.raises(DataQualityError, match=r"S07: 1 channel.*Fz.*S07: 1 flat.*O2"):
        check_recording(bad)
    with pytest.warns(UserWarning, match="flat"):
        with pytest.raises(DataQualityError, match="NaN/Inf") as info:
            check_recording(bad, on_flat="warn")
    assert "flat" not in str(info.value)
    assert check_recording(bad, on_flat="ignore", on_nonfinite="ignore") == ["Fz", "O2"]


def test_all_nan_channel_counts_as_nonfinite_only(rec):
    bad = _with(rec, lambda d: d.__setitem__(1, np.nan))
    assert check_recording(bad, on_nonfinite="ignore") == ["Cz"]


def test_bad_options(rec):
    with pytest.raises(ValueError, match="on_flat must be one of"):
        check_recording(rec, on_flat="skip")
    with pytest.raises(ValueError, match="on_nonfinite must be one of"):
        check_recording(rec, on_nonfinite="rise")
    with pytest.raises(ValueError, match=r"flat_threshold must be in \[0, 1\)"):
        check_recording(rec, flat_threshold=1.0)
    with pytest.raises(TypeError, match="rec must be Recording or PhysioRecording"):
        check_recording(rec.data)


def test_known_bads_skip_the_flat_test(rec):
    bad = _with(rec, lambda d: (d.__setitem__(2, 0.0), d.__setitem__((3, 0), np.nan)))
    bad.meta["bads"] = ["Pz", "O1"]
    with pytest.raises(DataQualityError, match=r"O1 \(1\)") as info:
        check_recording(bad)  # Pz is known bad: not flagged as flat; NaN is always reported
    assert "Pz" not in str(info.value)
    assert check_recording(bad, on_nonfinite="ignore") == ["O1"]
    with pytest.raises(DataQualityError, match="flat channel.*Pz"):
        check_recording(bad, on_nonfinite="ignore", exclude_bads=False)


def test_type_without_channels_checks_nothing(rec):
    assert check_recording(rec, picks="eog") == []
    with pytest.raises(ValueError, match="picks must be one of"):
        check_recording(rec, picks="egg")


def test_physio_recording(rng):
    signals = {
        "bvp": Signal(rng.standard_normal((1, 640)), 64.0, ["bvp"], "ppg"),
        "eda": Signal(np.full((1, 40), 2e-7), 4.0, ["eda"], "eda"),
        "acc": Signal(rng.standard_normal((3, 320)), 32.0, ["x", "y", "z"], "acc"),
    }
    signals["acc"].data[1, 5] = np.inf
    phys = PhysioRecording(signals, meta={"path": "/e4/S02"})
    with pytest.raises(DataQualityError, match=r"/e4/S02: 1 channel.*acc:y \(1\).*flat.*: eda"):
        check_recording(phys, picks=None)
    assert check_recording(phys, picks=None, on_flat="ignore", on_nonfinite="ignore") == [
        "eda", "acc:y"]
    assert check_recording(phys, picks=["bvp"]) == []
    assert check_recording(phys, picks="ppg") == []
    assert check_recording(phys) == []  # default picks "eeg": no EEG stream in a wristband
    with pytest.raises(ValueError, match="picks must be one of 'bvp', 'eda', 'acc'"):
        check_recording(phys, picks=["hr"])
