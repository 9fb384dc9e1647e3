from __future__ import annotations

import numpy as np
import pytest

from mindstate.io import Annotations, PhysioRecording, Recording, Signal, TextCorpus
from mindstate.io.edf import read_edf, write_edf


def test_recording_mne_round_trip(rng):
    data = rng.standard_normal((3, 500)) * 1e-5
    ann = Annotations([0.5], [1.0], ["blink"])
    rec = Recording(data, 250.0, ["Fp1", "A2-A1", "ECG"], ["eeg", "ref", "ecg"], ann,
                    subject="01")
    raw = rec.to_mne()
    assert raw.get_channel_types() == ["eeg", "misc", "ecg"]
    np.testing.assert_allclose(raw.get_data(), data)
    back = Recording.from_mne(raw, subject="01")
    np.testing.assert_allclose(back.data, data)
    assert back.annotations.description == ("blink",)
    assert back.duration == 2.0 and rec.n_chans == 3


def test_recording_validation(rng):
    with pytest.raises(ValueError, match="one name per channel"):
        Recording(np.zeros((2, 10)), 10.0, ["a"])
    with pytest.raises(ValueError, match="must be unique"):
        Recording(np.zeros((2, 10)), 10.0, ["a", "a"])
    with pytest.raises(ValueError, match="ch_types must be one of"):
        Recording(np.zeros((1, 10)), 10.0, ["a"], ["eeeg"])
    with pytest.raises(ValueError, match="sfreq must be in"):
        Recording(np.zeros((1, 10)), -1.0, ["a"])
    with pytest.raises(ValueError, match="must have 2 dimensions"):
        Recording(np.zeros(10), 10.0, ["a"])
    with pytest.raises(ValueError, match="equal lengths"):
        Annotations([1.0], [1.0, 2.0], ["x"])


def test_pick_by_name_and_type(rng):
    rec = Recording(rng.standard_normal((3, 10)), 10.0, ["a", "b", "c"], ["eeg", "ecg", "eeg"])
    assert rec.pick("eeg").ch_names == ["a", "c"]
    assert rec.pick(["c", "a"]).ch_names == ["c", "a"]
    with pytest.raises(ValueError, match="lacks required channel"):
        rec.pick(["z"])
    with pytest.raises(ValueError, match="matches no channel"):
        rec.pick("eog")


def test_edf_round_trip_and_errors(tmp_path, rng):
    rec = Recording(rng.standard_normal((2, 1000)) * 2e-5, 100.0, ["Fp1", "Fp2"],
                    annotations=Annotations([1.0], [2.0], ["happy"]))
    path = write_edf(rec, tmp_path / "x.edf")
    back = read_edf(path)
    assert back.ch_names == ["Fp1", "Fp2"] and back.sfreq == 100.0
    rel = np.abs(back.data - rec.data).max() / np.abs(rec.data).max()
    assert rel < 1e-3  # 16-bit EDF quantisation
    assert back.annotations.description == ("happy",)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        write_edf(rec, path)
    with pytest.raises(FileNotFoundError, match="EDF file not found"):
        read_edf(tmp_path / "missing.edf")
    bad = tmp_path / "bad.edf"
    bad.write_bytes(b"not an edf at all" * 10)
    with pytest.raises(ValueError, match="bad.edf: not a"):
        read_edf(bad)


def test_physio_and_text_validation(rng):
    with pytest.raises(ValueError, match="at least one Signal"):
        PhysioRecording({})
    s = Signal(rng.random((1, 40)), 4.0, ["eda"], "eda", start=10.0)
    assert s.stop == 20.0
    with pytest.raises(ValueError, match="two 1-D arrays of equal length"):
        PhysioRecording({"eda": s}, labels=(np.arange(3.0), np.arange(4)))
    with pytest.raises(TypeError, match="texts\\[1\\] must be str"):
        TextCorpus(["a", None])
    with pytest.raises(ValueError, match="target_names must name each"):
        TextCorpus(["a"], targets=np.ones((1, 2)), target_names=["V"])
    c = TextCorpus(["a", "b"], targets=np.ones((2, 1)), target_names=["V"], split=["x", "y"])
    assert c.subset([1]).texts == ["b"] and list(c.to_frame().columns) == ["id", "text", "V",
                                                                            "split"]
