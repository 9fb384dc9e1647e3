"""WFDB reader, dataset and fake records."""

from __future__ import annotations

import shutil
from collections import Counter
from types import SimpleNamespace

import numpy as np
import pytest

from mindstate.exceptions import ReaderError
from mindstate.io import read_wfdb
from mindstate.io.datasets import DATASETS, WFDB, make_fake_wfdb
from mindstate.io.wfdb import wfdb_channel_type


@pytest.fixture(scope="module")
def fake_root(tmp_path_factory):
    return make_fake_wfdb(tmp_path_factory.mktemp("wfdb"), duration_s=10.0)


def test_registered():
    assert DATASETS.get("wfdb") is WFDB
    assert WFDB.modality == "physio" and WFDB.classes is None


@pytest.mark.parametrize(("name", "kind"), [
    ("MLII", "ecg"), ("V5", "ecg"), ("v6", "ecg"), ("I", "ecg"), ("iii", "ecg"),
    ("aVR", "ecg"), ("avf", "ecg"), ("vx", "ecg"), ("VZ", "ecg"), ("V", "ecg"),
    ("ECG", "ecg"), ("ECG lead II", "ecg"), ("PLETH", "ppg"), ("ppg", "ppg"),
    ("RESP", "resp"), ("ABP", "misc"), ("EEG", "misc"), ("V7", "misc"),
])
def test_channel_types(name, kind):
    assert wfdb_channel_type(name) == kind


def test_fake_records(fake_root):
    ds = WFDB()
    files = ds.find(fake_root)
    assert [p.name for p in files] == ["fake01.hea", "fake02.hea"]
    ecg = ds.read(files[0])
    assert ecg.sfreq == 360.0 and ecg.n_times == 3600
    assert ecg.ch_names == ["MLII", "V5"] and ecg.ch_types == ["ecg", "ecg"]
    assert 1.2e-3 < ecg.data[0].max() < 2e-3  # 1.5 mV R peaks, in volts
    assert ecg.meta["units"] == ["mV", "mV"] and ecg.meta["record"] == "fake01"
    counts = Counter(ecg.annotations.description)
    assert counts["+"] == 1 and counts["V"] == 1 and counts["N"] == len(ecg.annotations) - 2
    assert ecg.meta["annotation_aux"][0] == "(N"
    # Each N annotation sits on an R peak of MLII.
    beats = np.round(ecg.annotations.onset[1:] * ecg.sfreq).astype(int)
    assert np.all(ecg.data[0, beats] > 0.8 * ecg.data[0].max())
    assert np.all(ecg.annotations.duration == 0)
    ppg = ds.read(fake_root / "fake02")
    assert ppg.ch_names == ["II", "PLETH", "RESP"]
    assert ppg.ch_types == ["ecg", "ppg", "resp"]
    assert len(ppg.annotations) == 0 and "annotation_aux" not in ppg.meta
    assert ppg.data[1].max() == pytest.approx(3.0, abs=0.05)  # NU, not rescaled
    assert ppg.meta["comments"] == ["Fake record", "Asystole", "False alarm"]


def test_record_path_forms(fake_root):
    a = read_wfdb(fake_root / "fake01")
    b = read_wfdb(fake_root / "fake01.hea")
    c = read_wfdb(str(fake_root / "fake01.dat"))
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(a.data, c.data)
    assert WFDB().find(fake_root / "fake01") == [fake_root / "fake01.hea"]


def test_errors(tmp_path, fake_root):
    with pytest.raises(FileNotFoundError, match="WFDB header not found"):
        read_wfdb(tmp_path / "nope")
    (tmp_path / "bad.hea").write_text("garbage here\n")
    with pytest.raises(ReaderError, match=r"bad\.hea: not a readable WFDB record"):
        read_wfdb(tmp_path / "bad")
    with pytest.raises(ReaderError, match=r"bad\.hea: not a readable WFDB header"):
        WFDB().find(tmp_path)
    for ext in (".hea", ".dat"):
        shutil.copy(fake_root / f"fake02{ext}", tmp_path / f"cut{ext}")
    (tmp_path / "cut.hea").write_text((fake_root / "fake02.hea").read_text()
                                      .replace("fake02", "cut"))
    data = (fake_root / "fake02.dat").read_bytes()
    (tmp_path / "cut.dat").write_bytes(data[: len(data) // 2])
    with pytest.raises(ReaderError, match=r"cut\.hea: not a readable WFDB record"):
        read_wfdb(tmp_path / "cut")
    for ext in (".hea", ".dat"):
        (tmp_path / f"ann{ext}").write_bytes(
            (fake_root / f"fake01{ext}").read_bytes().replace(b"fake01", b"ann"))
    (tmp_path / "ann.atr").write_bytes(b"\x00\x01garbage")
    with pytest.raises(ReaderError, match=r"ann\.atr: not a readable WFDB annotation"):
        read_wfdb(tmp_path / "ann")


def test_short_signal_detected(monkeypatch, fake_root):
    import wfdb

    fake = SimpleNamespace(p_signal=np.zeros((10, 2)), sig_len=3600, sig_name=["MLII", "V5"],
                           units=["mV", "mV"], fs=360, comments=[])
    monkeypatch.setattr(wfdb, "rdrecord", lambda *a, **k: fake)
    with pytest.raises(ReaderError, match=r"fake01\.hea: the header declares 3600 samples but 10"):
        read_wfdb(fake_root / "fake01")


def test_dataset_find_errors(tmp_path, fake_root):
    with pytest.raises(FileNotFoundError, match="not found"):
        WFDB().find(tmp_path / "absent")
    with pytest.raises(ValueError, match=r"no WFDB records \(\*\.hea"):
        WFDB().find(tmp_path)
    with pytest.raises(FileExistsError, match="exist"):
        make_fake_wfdb(fake_root)
    assert WFDB.make_fake(tmp_path / "one", n_records=1) == tmp_path / "one"
    assert [p.name for p in WFDB().find(tmp_path / "one")] == ["fake01.hea"]


def test_duplicate_names_made_unique(tmp_path):
    import wfdb

    sig = np.zeros((100, 2))
    sig[:, 1] = 1.0
    wfdb.wrsamp("dup", fs=100, units=["mV", "mV"], sig_name=["ECG", "ECH"], p_signal=sig,
                fmt=["16", "16"], write_dir=str(tmp_path))
    header = tmp_path / "dup.hea"  # wfdb refuses to write duplicate names but reads them
    header.write_text(header.read_text().replace(" ECH", " ECG"))
    rec = read_wfdb(tmp_path / "dup")
    assert rec.ch_names == ["ECG", "ECG-2"]
    np.testing.assert_allclose(rec.data[1], 1e-3)


def test_realdata(shared_data):
    root = shared_data / "ecg_ppg_samples"
    ds = WFDB()
    files = ds.find(root)
    assert [p.stem for p in files] == ["100", "a103l", "s0010_re"]
    rec = ds.read(files[0])
    assert rec.sfreq == 360.0 and rec.n_times == 650000
    assert rec.ch_names == ["MLII", "V5"] and rec.ch_types == ["ecg", "ecg"]
    assert len(rec.annotations) == 2274
    counts = Counter(rec.annotations.description)
    assert counts["N"] == 2239 and counts["A"] == 33 and counts["V"] == 1 and counts["+"] == 1
    assert 1e-4 < rec.data.std(axis=1).max() < 1e-3  # volts
    alarm = ds.read(files[1])
    assert alarm.sfreq == 250.0 and alarm.duration == 330.0
    assert alarm.ch_types == ["ecg", "ecg", "ppg"]
    assert alarm.meta["comments"] == ["Asystole", "False alarm"]
    ptb = ds.read(files[2])
    assert ptb.ch_types == ["ecg"] * 15 and ptb.sfreq == 1000.0
    assert all(np.isfinite(r.data).all() for r in (rec, alarm, ptb))
