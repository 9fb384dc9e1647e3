"""eegmat (EEG during mental arithmetic) reader, dataset and fake writer; EDF header checks."""

from __future__ import annotations

import shutil
import warnings

import numpy as np
import pytest

from mindstate.exceptions import ReaderError
from mindstate.io.datasets import DATASETS, EEGMat, make_fake_eegmat, read_eegmat
from mindstate.io.datasets.eegmat import EEGMAT_CHANNELS, EEGMAT_EEG
from mindstate.io.edf import read_edf, read_edf_header, write_edf
from mindstate.io.recording import Recording


@pytest.fixture(scope="module")
def fake_root(tmp_path_factory):
    return make_fake_eegmat(tmp_path_factory.mktemp("eegmat"), n_subjects=2,
                            durations_s=(12.0, 6.0), random_state=3)


def _alpha_power(rec: Recording) -> float:
    x = rec.pick(["O1", "O2"]).data
    spec = np.abs(np.fft.rfft(x, axis=1)) ** 2
    f = np.fft.rfftfreq(x.shape[1], 1 / rec.sfreq)
    return float(spec[:, (f >= 8) & (f <= 12)].sum() / spec[:, (f >= 1) & (f <= 40)].sum())


def test_registered():
    assert DATASETS.get("eegmat") is EEGMat
    assert EEGMat.modality == "eeg"
    assert EEGMat.classes == ("rest", "task")


def test_fake_files_have_real_layout(fake_root):
    files = EEGMat().find(fake_root)
    assert [f.name for f in files] == ["Subject00_1.edf", "Subject00_2.edf",
                                       "Subject01_1.edf", "Subject01_2.edf"]
    header = read_edf_header(files[0])
    assert header["labels"][:21] == list(EEGMAT_CHANNELS)
    assert header["n_records"] * header["record_duration"] == pytest.approx(12.0)
    assert (fake_root / "subject-info.csv").read_text().startswith(
        "Subject,Age,Gender,Recording year,Number of subtractions,Count quality")


def test_read_fake(fake_root):
    rest = read_eegmat(fake_root / "Subject01_1.edf")
    task = read_eegmat(fake_root / "Subject01_2.edf")
    assert rest.ch_names == [*EEGMAT_EEG, "A2-A1", "ECG"]
    assert rest.ch_types == ["eeg"] * 19 + ["ref", "ecg"]
    assert rest.sfreq == 500.0 and rest.n_times == 6000 and task.n_times == 3000
    assert (rest.subject, rest.session) == ("Subject01", None)
    assert rest.meta["label"] == "rest" and task.meta["label"] == "task"
    assert rest.meta["record"] == "Subject01_1"
    assert rest.meta["subject_info"]["Count quality"] in ("0", "1")
    sd = np.median(rest.pick("eeg").data.std(axis=1))
    assert 3e-6 < sd < 30e-6  # µV scale, in volts
    assert 0.3e-3 < np.ptp(rest.pick(["ECG"]).data) < 3e-3
    assert _alpha_power(rest) > 2 * _alpha_power(task)


def test_find_single_file_and_natural_sort(tmp_path, fake_root):
    for name in ("Subject10_1.edf", "Subject2_1.edf", "notes.txt"):
        shutil.copy(fake_root / "Subject00_1.edf", tmp_path / name)
    assert [p.name for p in EEGMat().find(tmp_path)] == ["Subject2_1.edf", "Subject10_1.edf"]
    assert EEGMat().find(tmp_path / "Subject2_1.edf") == [tmp_path / "Subject2_1.edf"]


def test_find_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        EEGMat().find(tmp_path / "absent")
    with pytest.raises(ValueError, match=r"no eegmat recordings.*SubjectNN_1\.edf"):
        EEGMat().find(tmp_path)
    (tmp_path / "rec.edf").write_bytes(b"x")
    with pytest.raises(ValueError, match=r"rec\.edf.*does not match"):
        EEGMat().find(tmp_path / "rec.edf")


def test_read_errors(tmp_path, fake_root):
    with pytest.raises(FileNotFoundError, match="not found"):
        read_eegmat(tmp_path / "Subject00_1.edf")
    bad_name = tmp_path / "Subject00_3.edf"
    shutil.copy(fake_root / "Subject00_1.edf", bad_name)
    with pytest.raises(ValueError, match=r"Subject00_3\.edf.*does not match.*SubjectNN_1"):
        read_eegmat(bad_name)


def test_wrong_channel_set(tmp_path):
    names = ["EEG F3", "EEG Fz", "EEG F4", "EEG P3", "EEG Pz", "EEG P4", "EEG O1", "EEG O2"]
    rec = Recording(np.random.default_rng(0).standard_normal((8, 500)) * 1e-5, 500.0, names)
    path = write_edf(rec, tmp_path / "Subject00_1.edf")
    with pytest.raises(ValueError, match=r"Subject00_1\.edf: wrong channel set.*Fp1, Fp2, F7"):
        read_eegmat(path)


def test_truncated_and_corrupt(tmp_path, fake_root):
    src = (fake_root / "Subject00_1.edf").read_bytes()
    half = tmp_path / "Subject00_1.edf"
    half.write_bytes(src[: len(src) // 2])
    with pytest.raises(ReaderError, match=r"Subject00_1\.edf: truncated.*declares 12 data"):
        read_eegmat(half)
    rand = tmp_path / "Subject00_2.edf"
    rand.write_bytes(np.random.default_rng(1).bytes(4000))
    with pytest.raises(ReaderError, match=r"Subject00_2\.edf: not an EDF"):
        read_eegmat(rand)


def test_edf_header_errors(tmp_path, fake_root):
    src = (fake_root / "Subject00_2.edf").read_bytes()
    with pytest.raises(FileNotFoundError, match="not found"):
        read_edf_header(tmp_path / "x.edf")
    short = tmp_path / "short.edf"
    short.write_bytes(src[:100])
    with pytest.raises(ReaderError, match=r"short\.edf.*shorter than the 256-byte"):
        read_edf_header(short)
    cut = tmp_path / "cut.edf"
    cut.write_bytes(src[:600])
    with pytest.raises(ReaderError, match=r"cut\.edf: the EDF/BDF header is cut short"):
        read_edf_header(cut)
    bad_dur = bytearray(src)
    bad_dur[244:252] = b"abc     "
    (tmp_path / "dur.edf").write_bytes(bytes(bad_dur))
    with pytest.raises(ReaderError, match=r"dur\.edf.*duration of a data record"):
        read_edf_header(tmp_path / "dur.edf")
    bad_ns = bytearray(src)
    bad_ns[252:256] = b"3   "
    (tmp_path / "ns.edf").write_bytes(bytes(bad_ns))
    with pytest.raises(ReaderError, match=r"ns\.edf.*declares 3 signal"):
        read_edf_header(tmp_path / "ns.edf")


def test_edf_extra_bytes_warn(tmp_path, fake_root):
    src = (fake_root / "Subject00_2.edf").read_bytes()
    path = tmp_path / "Subject00_2.edf"
    path.write_bytes(src + b"\0" * 10)
    with pytest.warns(UserWarning, match="10 byte"):
        rec = read_edf(path)
    assert rec.n_times == 3000


def test_make_fake_errors(tmp_path, fake_root):
    with pytest.raises(ValueError, match="durations_s must be"):
        make_fake_eegmat(tmp_path, durations_s=(10.0,))
    with pytest.raises(FileExistsError, match="exists"):
        make_fake_eegmat(fake_root)
    (tmp_path / "subject-info.csv").write_text("x")
    with pytest.raises(FileExistsError, match="subject-info.csv exists"):
        make_fake_eegmat(tmp_path)
    assert not list(tmp_path.glob("*.edf"))  # nothing written before the refusal


def test_make_fake_via_class_is_deterministic(tmp_path):
    a = EEGMat.make_fake(tmp_path / "a", n_subjects=1, durations_s=(2.0, 2.0))
    b = EEGMat.make_fake(tmp_path / "b", n_subjects=1, durations_s=(2.0, 2.0))
    ra, rb = read_eegmat(a / "Subject00_1.edf"), read_eegmat(b / "Subject00_1.edf")
    np.testing.assert_array_equal(ra.data, rb.data)


def test_realdata_all_files(shared_data):
    root = shared_data / "eegmat_mental_arithmetic"
    ds = EEGMat()
    files = ds.find(root)
    assert len(files) == 20
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        recs = [ds.read(f) for f in files]
    for f, rec in zip(files, recs):
        assert rec.ch_types.count("eeg") == 19
        assert rec.ch_types.count("ref") == 1 and rec.ch_types.count("ecg") == 1
        assert rec.ch_names[:19] == list(EEGMAT_EEG)
        assert rec.sfreq == 500.0
        rest = f.stem.endswith("_1")
        assert rec.meta["label"] == ("rest" if rest else "task")
        expected = (170.0 if f.stem == "Subject04_1" else 182.0) if rest else 62.0
        assert rec.duration == expected
        assert np.isfinite(rec.data).all()
        assert 5e-6 < np.median(rec.pick("eeg").data.std(axis=1)) < 20e-6
    assert [r.subject for r in recs[::2]] == [f"Subject{i:02d}" for i in range(10)]
    assert recs[0].meta["subject_info"]["Count quality"] == "0"  # Subject00: bad counter


def test_realdata_truncated_copy(shared_data, tmp_path):
    src = (shared_data / "eegmat_mental_arithmetic" / "Subject00_2.edf").read_bytes()
    cut = tmp_path / "Subject00_2.edf"
    cut.write_bytes(src[: len(src) // 2])
    with pytest.raises(ReaderError, match=r"Subject00_2\.edf: truncated.*declares 62 data"):
        EEGMat().read(cut)
