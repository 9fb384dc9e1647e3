"""BIDS-style EEG reader/writer, dataset and fake writer."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mindstate.data import make_windows
from mindstate.exceptions import ReaderError
from mindstate.io import Annotations, Recording
from mindstate.io.datasets import (
    BIDSEEG,
    DATASETS,
    make_fake_bids_eeg,
    read_bids_eeg,
    write_bids_eeg,
)

EEG_DIR = "sub-01/ses-01/eeg"
PREFIX = "sub-01_ses-01_task-emotion"


@pytest.fixture(scope="module")
def fake_root(tmp_path_factory):
    return make_fake_bids_eeg(tmp_path_factory.mktemp("bids"), n_subjects=2,
                              classes=("neutral", "happy"), trials_per_class=2, trial_s=4.0)


def _rec(subject="07", session=None, n=3, sfreq=100.0, seconds=6.0):
    rng = np.random.default_rng(0)
    data = 1e-5 * rng.standard_normal((n, int(sfreq * seconds)))
    ann = Annotations([0.5, 3.0], [2.0, 2.5], ("calm", "angry"))
    return Recording(data, sfreq, ["Cz", "HEOG", "EMG1"][:n], ["eeg", "eog", "emg"][:n], ann,
                     subject=subject, session=session, meta={"bads": ["HEOG"]})


def test_registered():
    assert DATASETS.get("bids-eeg") is BIDSEEG
    assert BIDSEEG.modality == "eeg" and BIDSEEG.classes is None


def test_fake_layout(fake_root):
    desc = json.loads((fake_root / "dataset_description.json").read_text())
    assert desc["BIDSVersion"] == "1.9.0" and desc["classes"] == ["neutral", "happy"]
    assert (fake_root / "participants.tsv").read_text().splitlines()[0] == (
        "participant_id\tage\tsex")
    pids = [r.split("\t")[0] for r in
            (fake_root / "participants.tsv").read_text().splitlines()[1:]]
    assert pids == ["sub-01", "sub-02"]
    folder = fake_root / EEG_DIR
    assert sorted(p.name for p in folder.iterdir()) == [
        f"{PREFIX}_channels.tsv", f"{PREFIX}_eeg.edf", f"{PREFIX}_eeg.json",
        f"{PREFIX}_events.tsv"]
    channels = (folder / f"{PREFIX}_channels.tsv").read_text().splitlines()
    assert channels[0] == "name\ttype\tunits\tstatus"
    assert "C4\tEEG\tµV\tbad" in channels and "VEOG\tEOG\tµV\tgood" in channels
    events = (folder / f"{PREFIX}_events.tsv").read_text().splitlines()
    assert events[0] == "onset\tduration\ttrial_type" and len(events) == 5
    sidecar = json.loads((folder / f"{PREFIX}_eeg.json").read_text())
    assert sidecar["SamplingFrequency"] == 128.0 and sidecar["EEGChannelCount"] == 8


def test_find_read_and_window(fake_root):
    ds = BIDSEEG()
    files = ds.find(fake_root)
    assert [p.name for p in files] == [f"{PREFIX}_eeg.edf", "sub-02_ses-01_task-emotion_eeg.edf"]
    assert ds.classes == ("neutral", "happy")
    rec = ds.read(files[0])
    assert (rec.subject, rec.session) == ("01", "01")
    assert rec.ch_types == ["eeg"] * 8 + ["eog", "ecg"]
    assert rec.meta["bads"] == ["C4"] and rec.meta["label"] == "annotations"
    assert rec.meta["task"] == "emotion" and rec.meta["participant"]["sex"] in ("F", "M")
    assert sorted(rec.annotations.description) == ["happy", "happy", "neutral", "neutral"]
    np.testing.assert_allclose(rec.annotations.duration, 4.0)
    w = make_windows(rec, 2.0, label="annotations", classes=ds.classes)
    assert w.X.shape == (8, 8, 256)
    assert np.bincount(w.y).tolist() == [4, 4]
    # Alpha at O1/O2 is stronger in "happy" (class 1) trials than in "neutral" ones.
    occ = w.X[:, 6:8]
    spec = np.abs(np.fft.rfft(occ, axis=-1)) ** 2
    f = np.fft.rfftfreq(256, 1 / 128)
    alpha = spec[..., (f > 8) & (f < 13)].sum(axis=(1, 2))
    assert alpha[w.y == 1].mean() > 2 * alpha[w.y == 0].mean()


def test_write_read_roundtrip_without_session(tmp_path):
    rec = _rec(session=None)
    path = write_bids_eeg(rec, tmp_path, task="rest", run=2, classes=["calm", "angry"])
    assert path == tmp_path / "sub-07" / "eeg" / "sub-07_task-rest_run-2_eeg.edf"
    back = read_bids_eeg(path)
    assert (back.subject, back.session) == ("07", None)
    assert back.meta["run"] == "2" and back.meta["bads"] == ["HEOG"]
    assert back.ch_types == ["eeg", "eog", "emg"]
    np.testing.assert_allclose(back.data, rec.data, atol=1e-8)
    np.testing.assert_allclose(back.annotations.onset, [0.5, 3.0])
    assert back.annotations.description == ("calm", "angry")
    assert BIDSEEG().find(path) == [path]
    ds = BIDSEEG()
    ds.read(path)
    assert ds.classes == ("calm", "angry")
    with pytest.raises(FileExistsError, match="exists"):
        write_bids_eeg(rec, tmp_path, task="rest", run=2)
    write_bids_eeg(rec, tmp_path, task="rest", run=2, overwrite=True)


def test_participants_updated_not_lost(tmp_path):
    (tmp_path / "participants.tsv").write_text("participant_id\thandedness\nsub-10\tL\n")
    rec = _rec(subject="2")
    rec.meta["participant"] = {"age": 30}
    write_bids_eeg(rec, tmp_path, task="x")
    lines = (tmp_path / "participants.tsv").read_text().splitlines()
    assert lines == ["participant_id\thandedness\tage", "sub-2\tn/a\t30", "sub-10\tL\tn/a"]


def test_classes_from_init_and_events_fallback(tmp_path):
    rec = _rec()
    path = write_bids_eeg(rec, tmp_path, task="x")
    ds = BIDSEEG(classes=["angry", "calm"])
    assert ds.classes == ("angry", "calm")
    ds.find(tmp_path)
    assert ds.classes == ("angry", "calm")  # the init kwarg wins
    (path.parent / "sub-07_task-x_events.tsv").unlink()
    (path.parent / "sub-07_task-x_channels.tsv").unlink()
    back = read_bids_eeg(path)  # EDF annotations and MNE's types
    assert back.annotations.description == ("calm", "angry")
    assert back.ch_types == ["eeg", "eeg", "eeg"] and back.meta["bads"] == []
    with pytest.raises(TypeError, match="classes must be"):
        BIDSEEG(classes="calm")


def test_events_na_duration_and_value_column(tmp_path):
    path = write_bids_eeg(_rec(), tmp_path, task="x")
    events = path.parent / "sub-07_task-x_events.tsv"
    events.write_text("onset\tduration\tvalue\n1.0\tn/a\tstim\n")
    ann = read_bids_eeg(path).annotations
    assert ann.description == ("stim",) and ann.duration.tolist() == [0.0]


@pytest.mark.parametrize(("sidecar", "text", "match"), [
    ("events", "onset\ttrial_type\n1\ta\n", r"events\.tsv: missing column\(s\) duration"),
    ("events", "onset\tduration\ttrial_type\nsoon\t1\ta\n", r"events\.tsv: row 2, column 'onset'"),
    ("events", "onset\tduration\ttrial_type\nn/a\t1\ta\n", r"events\.tsv: row 2: onset must be"),
    ("events", "onset\tduration\ttrial_type\n1\t1\n", r"events\.tsv: row 2 has a different"),
    ("events", "", r"events\.tsv: empty TSV"),
    ("channels", "name\ttype\nCz\tEEG\nHEOG\tEOG\nEMG1\tEMG\nO9\tEEG\n",
     r"channels\.tsv: does not match.*\['O9'\]"),
    ("channels", "name\ttype\nCz\tEEG\n", r"in the file but not listed: \['HEOG', 'EMG1'\]"),
    ("channels", "name\tunits\nCz\tuV\n", r"channels\.tsv: missing column\(s\) type"),
    ("channels", b"\xff\xfe\xfa", r"channels\.tsv: not a readable TSV"),
])
def test_bad_sidecars(tmp_path, sidecar, text, match):
    path = write_bids_eeg(_rec(), tmp_path, task="x")
    target = path.parent / f"sub-07_task-x_{sidecar}.tsv"
    if isinstance(text, bytes):
        target.write_bytes(text)
    else:
        target.write_text(text)
    with pytest.raises(ReaderError, match=match):
        read_bids_eeg(path)


def test_unknown_bids_type_is_misc(tmp_path):
    path = write_bids_eeg(_rec(), tmp_path, task="x")
    (path.parent / "sub-07_task-x_channels.tsv").write_text(
        "name\ttype\nCz\tEEG\nHEOG\tSYSCLOCK\nEMG1\tEMG\n")
    assert read_bids_eeg(path).ch_types == ["eeg", "misc", "emg"]


def test_bad_root_files(tmp_path):
    path = write_bids_eeg(_rec(), tmp_path, task="x", classes=["calm", "angry"])
    desc = tmp_path / "dataset_description.json"
    desc.write_text("{not json")
    with pytest.raises(ReaderError, match=r"dataset_description\.json: not a readable JSON"):
        read_bids_eeg(path)
    desc.write_text("[1, 2]")
    with pytest.raises(ReaderError, match="expected a JSON object"):
        BIDSEEG().find(tmp_path)
    desc.write_text('{"classes": "calm"}')
    with pytest.raises(ReaderError, match="'classes' must be a list of strings"):
        read_bids_eeg(path)
    desc.write_text('{"classes": ["a"]}')
    (tmp_path / "participants.tsv").write_text("id\tage\nsub-07\t3\n")
    with pytest.raises(ReaderError, match=r"participants\.tsv: missing column\(s\) participant_id"):
        read_bids_eeg(path)
    with pytest.raises(ReaderError, match=r"participants\.tsv: missing column participant_id"):
        write_bids_eeg(_rec(subject="08"), tmp_path, task="x")


def test_write_errors(tmp_path):
    with pytest.raises(ValueError, match="rec.subject must be set"):
        write_bids_eeg(_rec(subject=None), tmp_path, task="x")
    with pytest.raises(ValueError, match="task label must hold only letters and digits"):
        write_bids_eeg(_rec(), tmp_path, task="my_task")
    with pytest.raises(ValueError, match="session label must hold only"):
        write_bids_eeg(_rec(session="a-b"), tmp_path, task="x")
    write_bids_eeg(_rec(), tmp_path, task="x", classes=["calm", "angry"])
    with pytest.raises(ValueError, match=r"dataset_description\.json: holds classes"):
        write_bids_eeg(_rec(subject="09"), tmp_path, task="x", classes=["happy"])
    assert not (tmp_path / "sub-09").exists()  # refused before writing anything
    with pytest.raises(ValueError, match="classes must name at least one class"):
        make_fake_bids_eeg(tmp_path / "f", classes=())


def test_find_and_name_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        BIDSEEG().find(tmp_path / "absent")
    with pytest.raises(ValueError, match="no BIDS EEG recordings found"):
        BIDSEEG().find(tmp_path)
    bad = tmp_path / "recording_eeg.edf"
    bad.write_bytes(b"")
    with pytest.raises(ValueError, match=r"recording_eeg\.edf: not a BIDS EEG file name"):
        BIDSEEG().find(bad)
    with pytest.raises(FileNotFoundError, match="not found"):
        read_bids_eeg(tmp_path / "sub-01_task-x_eeg.edf")


def test_make_fake_variants(tmp_path):
    root = BIDSEEG.make_fake(tmp_path / "noses", n_subjects=1, n_sessions=0,
                             classes=("a", "b", "c"), trials_per_class=1, trial_s=2.0)
    (path,) = BIDSEEG().find(root)
    assert path.relative_to(root).as_posix() == "sub-01/eeg/sub-01_task-emotion_eeg.edf"
    rec = read_bids_eeg(path)
    assert rec.session is None and sorted(rec.annotations.description) == ["a", "b", "c"]
    two = make_fake_bids_eeg(tmp_path / "two", n_subjects=1, n_sessions=2, trials_per_class=1)
    assert [p.parent.parent.name for p in BIDSEEG().find(two)] == ["ses-01", "ses-02"]
