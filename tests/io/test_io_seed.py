"""SEED-VII, SEED and SEED-IV readers (preprocessed EEG and DE/PSD features) and their fakes."""

from __future__ import annotations

import shutil
from collections import Counter

import numpy as np
import pytest
import scipy.io

from mindstate.io.datasets import (
    DATASETS,
    SEED,
    SEEDDE,
    SEEDIV,
    SEEDIVDE,
    SEEDVII,
    SEEDVIIDE,
    make_fake_seed,
    make_fake_seed_iv,
    make_fake_seed_vii,
    read_seed,
    read_seed_iv,
    read_seed_vii,
)
from mindstate.io.datasets._matfile import load_mat, save_mat73
from mindstate.io.datasets._seed_common import SEED_CHANNELS
from mindstate.io.datasets.seed import SEED_CLASSES, SEED_IV_CLASSES, SEED_IV_LABELS, SEED_LABELS
from mindstate.io.datasets.seed_vii import SEED_VII_CLASSES, SEED_VII_LABELS, seed_vii_label


@pytest.fixture(scope="module")
def vii(tmp_path_factory):
    """3 subjects, all 4 x 20 clips of 4 s, with features."""
    return make_fake_seed_vii(tmp_path_factory.mktemp("seed_vii"), n_subjects=3, random_state=1)


@pytest.fixture(scope="module")
def vii_small(tmp_path_factory):
    """2 subjects, 3 clips per session."""
    return make_fake_seed_vii(tmp_path_factory.mktemp("seed_vii_small"), n_subjects=2,
                              n_trials_per_session=3, random_state=2)


# ---------------------------------------------------------------------------- registry, labels
def test_registered():
    assert DATASETS.get("seed-vii") is SEEDVII and SEEDVII.modality == "eeg"
    assert DATASETS.get("seed-vii-de") is SEEDVIIDE and SEEDVIIDE.modality == "features"
    assert DATASETS.get("seed") is SEED and DATASETS.get("seed-de") is SEEDDE
    assert DATASETS.get("seed-iv") is SEEDIV and DATASETS.get("seed-iv-de") is SEEDIVDE
    assert SEEDDE.modality == SEEDIVDE.modality == "features"
    assert SEEDVII.classes == ("Disgust", "Fear", "Sad", "Neutral", "Happy", "Anger", "Surprise")
    assert SEED.classes == ("negative", "neutral", "positive")
    assert SEEDIV.classes == ("neutral", "sad", "fear", "happy")


def test_seed_vii_label_table():
    labels = [seed_vii_label(k) for k in range(1, 81)]
    counts = Counter(labels)
    assert counts["Neutral"] == 8
    assert all(counts[c] == 12 for c in SEED_VII_CLASSES if c != "Neutral")
    for s in range(1, 5):  # clips 11-20 repeat clips 1-10; 5 emotions per session
        assert SEED_VII_LABELS[s][10:] == SEED_VII_LABELS[s][:10]
        assert len(set(SEED_VII_LABELS[s])) == 5
    assert [seed_vii_label(k) for k in (1, 2, 3, 21, 44, 57, 66, 80)] == [
        "Happy", "Neutral", "Disgust", "Anger", "Fear", "Fear", "Happy", "Disgust"]
    with pytest.raises(ValueError, match="1..80"):
        seed_vii_label(81)


# ---------------------------------------------------------------------------- SEED-VII EEG
def test_fake_seed_vii_layout(vii):
    eeg = {n: s for n, s, _ in scipy.io.whosmat(vii / "EEG_preprocessed" / "1.mat")}
    assert sorted(eeg, key=int) == [str(k) for k in range(1, 81)]
    assert eeg["57"] == (62, 800)
    feats = {n: s for n, s, _ in scipy.io.whosmat(vii / "EEG_features" / "2.mat")}
    assert {"de_LDS_1", "de_1", "psd_1", "de_LDS_80"} <= set(feats)
    assert feats["de_LDS_57"] == (4, 5, 62)  # (n_windows, bands, channels)


def test_read_seed_vii_round_trip(vii):
    path = vii / "EEG_preprocessed" / "2.mat"
    recs = read_seed_vii(path)
    assert len(recs) == 80
    raw = scipy.io.loadmat(path)
    rec = recs[56]  # key 57: session 3, clip 17
    np.testing.assert_allclose(rec.data, raw["57"].astype(np.float64) * 1e-6)
    assert rec.data.dtype == np.float64 and 2e-6 < rec.data.std() < 50e-6  # µV in the file → V
    assert (rec.subject, rec.session, rec.sfreq) == ("2", "3", 200.0)
    assert rec.ch_names == list(SEED_CHANNELS) and rec.ch_types == ["eeg"] * 62
    assert rec.ch_names[:3] == ["FP1", "FPZ", "FP2"] and rec.ch_names[-1] == "CB2"
    assert rec.meta["label"] == "Fear" and rec.meta["trial"] == "2/s3/t17"
    assert rec.meta["record"] == "2/57" and rec.meta["dataset"] == "seed-vii"
    assert [r.session for r in recs] == [str(s) for s in range(1, 5) for _ in range(20)]
    assert [r.meta["label"] for r in recs] == [seed_vii_label(k) for k in range(1, 81)]
    volts = read_seed_vii(path, unit="V")[56]
    np.testing.assert_allclose(volts.data, raw["57"].astype(np.float64))


def test_find_seed_vii(vii, tmp_path):
    ds = SEEDVII()
    files = ds.find(vii)
    assert [f.name for f in files] == ["1.mat", "2.mat", "3.mat"]
    assert ds.find(vii / "EEG_preprocessed") == files
    assert ds.find(files[1]) == [files[1]]
    assert [f.name for f in SEEDVII(subjects=[3, 1]).find(vii)] == ["1.mat", "3.mat"]
    copy = tmp_path / "copy"
    shutil.copytree(vii / "EEG_preprocessed", copy / "EEG_preprocessed")
    (copy / "EEG_preprocessed" / "2.mat").unlink()
    with pytest.raises(FileNotFoundError, match=r"EEG_preprocessed/2\.mat.*subjects=\[\.\.\.\]"):
        ds.find(copy)
    with pytest.raises(FileNotFoundError, match="not found"):
        ds.find(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"no SEED-VII EEG_preprocessed files.*1\.mat"):
        ds.find(tmp_path / "empty")


def test_missing_trial_key_names_file_and_keys(vii, tmp_path):
    data = load_mat(vii / "EEG_preprocessed" / "1.mat")
    del data["57"]
    path = tmp_path / "1.mat"
    scipy.io.savemat(path, data)
    with pytest.raises(ValueError, match=r"1\.mat: missing trial key\(s\) '57' of 80 expected; "
                                         r"a SEED-VII subject file holds keys '1'\.\.'80'"):
        read_seed_vii(path)


def test_key_outside_label_table(vii_small, tmp_path):
    data = load_mat(vii_small / "EEG_preprocessed" / "1.mat")
    data["81"] = data["1"]
    scipy.io.savemat(tmp_path / "1.mat", data)
    with pytest.raises(ValueError, match=r"'81'.*outside the SEED-VII label table"):
        read_seed_vii(tmp_path / "1.mat", n_trials_per_session=3)


def test_wrong_trial_shape(vii_small, tmp_path):
    data = load_mat(vii_small / "EEG_preprocessed" / "1.mat")
    data["2"] = data["2"][:60]
    scipy.io.savemat(tmp_path / "1.mat", data)
    with pytest.raises(ValueError, match=r"trial '2' has shape \(60, 800\); expected \(62, n_"):
        read_seed_vii(tmp_path / "1.mat", n_trials_per_session=3)


def test_fewer_clips_need_n_trials_per_session(vii_small):
    path = vii_small / "EEG_preprocessed" / "1.mat"
    with pytest.raises(ValueError, match=r"missing trial key\(s\) '4', '5'.*n_trials_per_session"):
        read_seed_vii(path)
    recs = SEEDVII(n_trials_per_session=3).read(path)
    assert [r.meta["key"] for r in recs] == ["1", "2", "3", "21", "22", "23", "41", "42", "43",
                                             "61", "62", "63"]
    assert [r.meta["label"] for r in recs[:3]] == ["Happy", "Neutral", "Disgust"]


def test_mat73_fallback_reads_the_same(vii_small, tmp_path):
    src = vii_small / "EEG_preprocessed" / "2.mat"
    save_mat73(tmp_path / "2.mat", load_mat(src))
    a = read_seed_vii(src, n_trials_per_session=3)
    b = read_seed_vii(tmp_path / "2.mat", n_trials_per_session=3)
    assert [r.meta["label"] for r in a] == [r.meta["label"] for r in b]
    for ra, rb in zip(a, b):
        np.testing.assert_array_equal(ra.data, rb.data)


# ---------------------------------------------------------------------------- SEED-VII DE
def test_seed_vii_de_windows(vii):
    ds = SEEDVIIDE(seq_len=2)
    w = ds.windows(vii)
    assert w.X["de"].shape == (3 * 80 * 2, 62, 2, 5) and w.X["de"].dtype == np.float32
    raw = scipy.io.loadmat(vii / "EEG_features" / "1.mat")["de_LDS_57"]  # (4, 5, 62)
    first = np.flatnonzero((w.groups["record"] == "1/57").to_numpy())
    np.testing.assert_allclose(w.X["de"][first[1]], raw[2:4].transpose(2, 0, 1), rtol=1e-6)
    assert w.y[first[0]] == SEED_VII_CLASSES.index("Fear")
    g = w.groups.iloc[first[0]]
    assert (g.subject, g.session, g.trial, g.record) == ("1", "3", "1/s3/t17", "1/57")
    # 1-s feature windows, inferred from the matching EEG_preprocessed file (800 samples / 4)
    assert w.meta.loc[first, ["start", "stop"]].to_numpy().tolist() == [[0.0, 2.0], [2.0, 4.0]]
    psd = SEEDVIIDE(feature="psd", seq_len=4, window_s=0.5).read(vii / "EEG_features" / "3.mat")
    assert psd.X["de"].shape == (80, 62, 4, 5) and psd.meta["stop"].iloc[0] == 2.0


def test_seed_vii_de_defaults_and_errors(vii, tmp_path):
    feats = tmp_path / "EEG_features"
    feats.mkdir()
    shutil.copy(vii / "EEG_features" / "1.mat", feats / "1.mat")
    w = SEEDVIIDE(seq_len=4).windows(tmp_path)  # no EEG_preprocessed: 4-s feature windows
    assert w.meta["stop"].iloc[0] == 16.0
    with pytest.raises(ValueError, match=r"seq_len=8 needs at least that many"):
        SEEDVIIDE().windows(tmp_path)
    with pytest.raises(ValueError, match=r"no psd_LDS_<k> keys; this file holds \['de', "
                                         r"'de_LDS', 'psd'\]"):
        SEEDVIIDE(feature="psd_LDS", seq_len=4).windows(tmp_path)
    with pytest.raises(ValueError, match="feature must be one of"):
        SEEDVIIDE(feature="dasm")


def test_wrong_band_count_error(vii, tmp_path):
    data = load_mat(vii / "EEG_features" / "1.mat")
    data["de_LDS_3"] = data["de_LDS_3"][:, :4, :]
    (tmp_path / "EEG_features").mkdir()
    scipy.io.savemat(tmp_path / "EEG_features" / "1.mat", data)
    with pytest.raises(ValueError, match=r"1\.mat: feature 'de_LDS_3' has shape \(4, 4, 62\) "
                                         r"with 4 bands on axis 1; expected 5 bands \(delta, "
                                         r"theta, alpha, beta, gamma\).*reorder the array"):
        SEEDVIIDE(seq_len=4).windows(tmp_path)


def test_fake_classes_are_learnable_from_de(vii):
    from sklearn.linear_model import LogisticRegression

    w = SEEDVIIDE(seq_len=4).windows(vii)
    F = w.X["de"].mean(axis=2).reshape(len(w.y), -1)
    train = (w.groups["subject"] != "3").to_numpy()
    clf = LogisticRegression(max_iter=2000, C=0.1).fit(F[train], w.y[train])
    assert (clf.predict(F[~train]) == w.y[~train]).mean() > 0.6  # chance is ~0.15


# ---------------------------------------------------------------------------- SEED
@pytest.fixture(scope="module")
def seed_root(tmp_path_factory):
    return make_fake_seed(tmp_path_factory.mktemp("seed"), n_subjects=2,
                          n_trials_per_session=6, random_state=3)


def test_seed_round_trip(seed_root):
    files = SEED().find(seed_root)
    assert len(files) == 6 and files[0].name.startswith("1_") and files[3].name.startswith("2_")
    recs = read_seed(files[1], n_trials_per_session=6)
    raw = scipy.io.loadmat(files[1])
    assert sorted(k for k in raw if not k.startswith("__"))[0] == "djc_eeg1"
    np.testing.assert_allclose(recs[2].data, raw["djc_eeg3"].astype(np.float64) * 1e-6)
    assert recs[0].n_times == 801 and recs[0].sfreq == 200.0  # 200 * 4 s + 1
    assert [r.session for r in recs] == ["2"] * 6  # second date of subject 1
    assert [r.meta["label"] for r in recs] == [SEED_CLASSES[v + 1] for v in SEED_LABELS[:6]]
    assert recs[0].meta["trial"] == "1/s2/t01" and recs[0].meta["record"].endswith("/djc_eeg1")
    with pytest.raises(ValueError, match=r"missing trial key\(s\) '7'"):
        read_seed(files[1])


def test_seed_errors(seed_root, tmp_path):
    root = tmp_path / "seed"
    shutil.copytree(seed_root / "Preprocessed_EEG", root / "Preprocessed_EEG")
    victim = sorted((root / "Preprocessed_EEG").glob("2_*.mat"))[1]
    victim.unlink()
    with pytest.raises(FileNotFoundError, match=r"SEED subject 2 has 2 session file\(s\)"):
        SEED().find(root)
    scipy.io.savemat(root / "Preprocessed_EEG" / "label.mat", {"label": np.ones((1, 14))})
    path = sorted((root / "Preprocessed_EEG").glob("1_*.mat"))[0]
    with pytest.raises(ValueError, match=r"label table mismatch: it lists 14 labels but 15"):
        read_seed(path)
    scipy.io.savemat(root / "Preprocessed_EEG" / "label.mat", {"label": np.full((1, 15), 2.0)})
    with pytest.raises(ValueError, match=r"labels must be -1.*got \[2\]"):
        read_seed(path, n_trials_per_session=6)


def test_seed_de(seed_root):
    w = SEEDDE(seq_len=2, n_trials_per_session=6).windows(seed_root)
    assert w.X["de"].shape == (2 * 3 * 6 * 2, 62, 2, 5)
    path = sorted((seed_root / "ExtractedFeatures").glob("2_*.mat"))[2]
    raw = scipy.io.loadmat(path)["de_movingAve4"]  # (62, 4, 5); "de" reads *_movingAve
    w2 = SEEDDE(feature="de", seq_len=4, n_trials_per_session=6).read(path)
    np.testing.assert_allclose(w2.X["de"][3], raw, rtol=1e-6)
    assert w2.y[3] == SEED_LABELS[3] + 1 and (w2.groups.session == "3").all()
    assert w2.meta["stop"].iloc[0] == 4.0  # 1-s windows


# ---------------------------------------------------------------------------- SEED-IV
@pytest.fixture(scope="module")
def seed_iv_root(tmp_path_factory):
    return make_fake_seed_iv(tmp_path_factory.mktemp("seed_iv"), n_subjects=2,
                             n_trials_per_session=5, trial_s=8.0, random_state=4)


def test_seed_iv_round_trip_and_de(seed_iv_root):
    files = SEEDIV().find(seed_iv_root)
    assert [f.parent.name for f in files] == ["1", "1", "2", "2", "3", "3"]
    recs = read_seed_iv(files[2], n_trials_per_session=5)
    assert [r.session for r in recs] == ["2"] * 5 and recs[0].n_times == 1600
    assert [r.meta["label"] for r in recs] == [SEED_IV_CLASSES[v] for v in SEED_IV_LABELS[2][:5]]
    assert SEEDIV().find(seed_iv_root / "eeg_raw_data" / "3") == files[4:]
    w = SEEDIVDE(seq_len=2, n_trials_per_session=5).windows(seed_iv_root)
    assert w.X["de"].shape == (30, 62, 2, 5) and w.meta["stop"].iloc[0] == 8.0  # 4-s windows
    assert w.y[:5].tolist() == list(SEED_IV_LABELS[1][:5])
    with pytest.raises(ValueError, match=r"label table mismatch: SEED-IV session 1 has 24"):
        read_seed_iv(files[0], n_trials_per_session=25)


def test_seed_iv_missing_session_file(seed_iv_root, tmp_path):
    root = tmp_path / "iv"
    shutil.copytree(seed_iv_root / "eeg_raw_data", root / "eeg_raw_data")
    next((root / "eeg_raw_data" / "2").glob("2_*.mat")).unlink()
    with pytest.raises(FileNotFoundError, match=r"eeg_raw_data/2/2_<YYYYMMDD>\.mat"):
        SEEDIV().find(root)
