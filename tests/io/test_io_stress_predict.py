"""Stress-Predict dataset (E4 + per-second labels) and its fake writer."""

from __future__ import annotations

import gzip
import shutil

import numpy as np
import pandas as pd
import pytest

from mindstate.data import make_physio_windows
from mindstate.exceptions import ReaderError
from mindstate.io.datasets import DATASETS, StressPredict, make_fake_stress_predict
from mindstate.io.datasets.stress_predict import LABEL_FILE


@pytest.fixture(scope="module")
def fake_root(tmp_path_factory):
    return make_fake_stress_predict(tmp_path_factory.mktemp("sp"), n_subjects=2,
                                    duration_s=120.0, n_unlabelled=1, random_state=0)


def _write_labels(root, text):
    path = root / LABEL_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(text.encode()))
    return path


def test_registered():
    assert DATASETS.get("stress-predict") is StressPredict
    assert StressPredict.modality == "physio"
    assert StressPredict.classes == ("rest", "stress")


def test_fake_layout(fake_root):
    assert sorted(p.name for p in (fake_root / "raw").iterdir()) == ["S01", "S02", "S03"]
    assert sorted(p.name for p in (fake_root / "raw" / "S01").iterdir()) == [
        "ACC.csv.gz", "BVP.csv.gz", "EDA.csv.gz", "HR.csv.gz", "IBI.csv.gz", "TEMP.csv.gz",
        "tags_S01.csv"]
    head = gzip.decompress((fake_root / "raw/S01/IBI.csv.gz").read_bytes()).decode()
    assert head.splitlines()[0].endswith(", IBI")
    assert b"\r\n" in (fake_root / "raw/S01/tags_S01.csv").read_bytes()
    labels = pd.read_csv(fake_root / LABEL_FILE)
    assert list(labels.columns) == ["Participant", "HR", "respr", "Time(sec)", "Label"]
    assert sorted(labels["Participant"].unique()) == [1, 2]  # S03 unlabelled, like S01 for real
    assert labels["Label"].mean() == pytest.approx(0.3, abs=0.03)


def test_find_and_read(fake_root):
    ds = StressPredict()
    files = ds.find(fake_root)
    assert [p.name for p in files] == ["S01", "S02"]
    rec = ds.read(files[0])
    assert rec.subject == "S01" and rec.label_period == 1.0
    times, values = rec.labels
    start = rec.signals["bvp"].start
    assert times[0] == start + 9.0 and np.all(np.diff(times) == 1.0)
    assert values.dtype == np.int64 and set(np.unique(values)) == {0, 1}
    assert rec.signals["hr"].start == start + 10.0
    # Processed HR at second t equals HR.csv at t + 1, as in the real data.
    table = pd.read_csv(fake_root / LABEL_FILE)
    hr_col = table.loc[table.Participant == 1, "HR"].to_numpy()
    np.testing.assert_allclose(hr_col, rec.signals["hr"].data[0], atol=0.006)
    # The physiology follows the label.
    w = make_physio_windows(rec, 10.0)
    assert w.X["bvp"].shape[1:] == (1, 640) and w.X["acc"].shape[1:] == (3, 320)
    hr = w.X["hr"].mean(axis=(1, 2))
    eda = w.X["eda"].mean(axis=(1, 2))
    assert hr[w.y == 1].mean() > hr[w.y == 0].mean() + 4
    assert eda[w.y == 1].mean() > eda[w.y == 0].mean()
    assert 1e-7 < eda.mean() < 1e-5  # siemens


def test_label_file_read_once(fake_root, monkeypatch):
    import mindstate.io.datasets.stress_predict as sp

    calls = []
    real = sp._load_labels
    monkeypatch.setattr(sp, "_load_labels", lambda p: calls.append(p) or real(p))
    ds = StressPredict()
    for path in ds.find(fake_root):
        ds.read(path)
    assert len(calls) == 1
    rec = ds.read(fake_root / "raw" / "S02")
    rec.labels[1][:] = 7  # the cache hands out copies
    assert set(ds.read(fake_root / "raw" / "S02").labels[1]) <= {0, 1}


def test_participant_folder_root_and_explicit_label_file(fake_root, tmp_path):
    assert StressPredict().find(fake_root / "raw" / "S02") == [fake_root / "raw" / "S02"]
    moved = tmp_path / "labels.csv.gz"
    shutil.copy(fake_root / LABEL_FILE, moved)
    ds = StressPredict(label_file=moved)
    assert ds.read(fake_root / "raw" / "S01").meta["label_file"] == str(moved)


def test_natural_sort(tmp_path, fake_root):
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("S10", "S2"):
        shutil.copytree(fake_root / "raw" / "S01", raw / name)
    _write_labels(tmp_path, "Participant,HR,respr,Time(sec),Label\n2,70,14,1,0\n10,70,14,1,1\n")
    assert [p.name for p in StressPredict().find(tmp_path)] == ["S2", "S10"]


def test_find_errors(tmp_path, fake_root):
    ds = StressPredict()
    with pytest.raises(FileNotFoundError, match="not found"):
        ds.find(tmp_path / "absent")
    with pytest.raises(ValueError, match=r"not a Stress-Predict dataset folder.*raw/SXX"):
        ds.find(tmp_path)
    (tmp_path / "raw").mkdir()
    with pytest.raises(ValueError, match="no participant folders"):
        ds.find(tmp_path)
    shutil.copytree(fake_root / "raw" / "S03", tmp_path / "raw" / "S03")
    with pytest.raises(ValueError, match=r"label file .*Improved_All_Combined.* is missing"):
        ds.find(tmp_path)
    _write_labels(tmp_path, "Participant,HR,respr,Time(sec),Label\n1,70,14,1,0\n")
    with pytest.raises(ValueError, match=r"none of the participant folders \(S03\) has labels"):
        StressPredict().find(tmp_path)


def test_read_errors(tmp_path, fake_root):
    ds = StressPredict()
    with pytest.raises(ValueError, match=r"S03: participant 3 has no rows in the label file"):
        ds.read(fake_root / "raw" / "S03")
    with pytest.raises(ValueError, match="named SXX"):
        ds.read(fake_root / "raw")
    with pytest.raises(FileNotFoundError, match="label file not found"):
        StressPredict(label_file=tmp_path / "none.csv.gz").read(fake_root / "raw" / "S01")


@pytest.mark.parametrize(("text", "match"), [
    ("Participant,HR,Label\n1,70,0\n", r"missing column\(s\) Time\(sec\)"),
    ("Participant,HR,respr,Time(sec),Label\n1,70,14,,0\n", r"non-numeric values.*Time\(sec\)"),
    ("Participant,HR,respr,Time(sec),Label\n1,70,14,5,2\n", r"Label must be 0 \(rest\) or 1"),
    ("", r"not a readable label CSV"),
])
def test_bad_label_file(tmp_path, fake_root, text, match):
    path = _write_labels(tmp_path, text)
    with pytest.raises(ReaderError, match=match):
        StressPredict(label_file=path).read(fake_root / "raw" / "S01")


def test_make_fake_no_overwrite(fake_root):
    with pytest.raises(FileExistsError, match="exists"):
        make_fake_stress_predict(fake_root)
    with pytest.raises(ValueError, match="duration_s"):
        StressPredict.make_fake(fake_root / "x", duration_s=10.0)


def test_realdata_two_participants(shared_data):
    root = shared_data / "stress_predict"
    ds = StressPredict()
    files = ds.find(root)
    assert files[0].name == "S02" and len(files) == 26  # S01 has no labels
    for folder in files[:2]:
        rec = ds.read(folder)
        rates = [rec.signals[k].sfreq for k in ("bvp", "eda", "temp", "acc", "hr")]
        assert rates == [64.0, 4.0, 4.0, 32.0, 1.0]
        assert rec.signals["hr"].start == rec.signals["bvp"].start + 10
        eda = rec.signals["eda"].data
        assert 1e-8 < np.median(eda) < 1e-5 and eda.max() < 1e-4  # siemens
        assert 25 < np.median(rec.signals["temp"].data) < 37
        assert np.abs(rec.signals["acc"].data).max() <= 2 * 9.80665 + 1e-9
        times, values = rec.labels
        assert times[0] == rec.signals["bvp"].start + 9
        assert 0.25 < values.mean() < 0.4
        assert rec.events["ibi"].shape[1] == 2 and len(rec.events["ibi"]) > 200
        assert len(rec.events["tags"]) == 9
        w = make_physio_windows(rec, 30.0)
        n = len(w.y)
        assert n > 80
        assert w.X["bvp"].shape == (n, 1, 1920) and w.X["eda"].shape == (n, 1, 120)
        assert w.X["acc"].shape == (n, 3, 960) and w.X["hr"].shape == (n, 1, 30)
        assert set(np.unique(w.y)) == {0, 1}
        assert (w.groups["subject"] == folder.name).all()
