"""The generic ``epochs`` reader: NPZ, MAT v5, MAT v7.3 (h5py) and long CSV, and its errors."""

from __future__ import annotations

import h5py
import numpy as np
import pandas as pd
import pytest
import scipy.io

from mindstate.io.datasets import DATASETS, Epochs, make_fake_epochs, read_epochs
from mindstate.io.datasets._matfile import save_mat73

FORMATS = ("npz", "mat", "mat73", "csv")


@pytest.fixture(scope="module")
def fakes(tmp_path_factory):
    base = tmp_path_factory.mktemp("epochs")
    return {fmt: make_fake_epochs(base / fmt, fmt=fmt, n_subjects=2, n_trials=6, n_chans=4,
                                  random_state=5) for fmt in FORMATS}


def _file(root, fmt):
    return root / f"sub-01.{'csv' if fmt == 'csv' else 'npz' if fmt == 'npz' else 'mat'}"


def test_registered():
    assert DATASETS.get("epochs") is Epochs and Epochs.modality == "eeg"


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_reads_the_same_trials(fakes, fmt):
    ref = np.load(fakes["npz"] / "sub-01.npz")
    recs = read_epochs(_file(fakes[fmt], fmt))
    assert len(recs) == 6
    for i, rec in enumerate(recs):  # µV in the files (CSV: volts) → volts
        np.testing.assert_allclose(rec.data, ref["X"][i] * 1e-6, rtol=1e-9, atol=1e-15)
    assert [r.meta["label"] for r in recs] == ["low", "high"] * 3
    assert recs[0].sfreq == 128.0 and recs[0].ch_names == ["EEG001", "EEG002", "EEG003", "EEG004"]
    assert recs[0].subject == "S01" and recs[0].session is None
    assert recs[4].meta["trial"] == "sub-01/4" and recs[4].meta["record"] == "sub-01/4"


def test_mat73_is_hdf5_with_transposed_arrays(fakes):
    path = fakes["mat73"] / "sub-01.mat"
    assert path.read_bytes()[:10] == b"MATLAB 7.3"
    with h5py.File(path, "r") as f:
        assert f["X"].shape == (256, 4, 6)  # MATLAB (n_trials, n_chans, n_times), reversed
        assert f["ch_names"].attrs["MATLAB_class"] == b"cell"
    with pytest.raises(NotImplementedError):
        scipy.io.loadmat(path)


def test_mat73_equals_npz_for_the_same_data(tmp_path, rng):
    X = rng.standard_normal((5, 3, 40))
    y = np.array([0, 1, 1, 0, 1])
    np.savez(tmp_path / "a.npz", X=X, y=y, sfreq=100.0, ch_names=np.array(["Fz", "Cz", "Pz"]))
    save_mat73(tmp_path / "a.mat", {"X": X, "y": y, "sfreq": 100.0, "ch_names": ["Fz", "Cz", "Pz"]})
    a, b = read_epochs(tmp_path / "a.npz"), read_epochs(tmp_path / "a.mat")
    for ra, rb in zip(a, b):
        np.testing.assert_array_equal(ra.data, rb.data)
        assert ra.meta["label"] == rb.meta["label"] and ra.ch_names == rb.ch_names
    assert [r.meta["label"] for r in a] == [0, 1, 1, 0, 1]


def test_mat_v5_char_matrix_and_per_trial_subjects(tmp_path, rng):
    X = rng.standard_normal((4, 2, 30))
    scipy.io.savemat(tmp_path / "m.mat", {
        "X": X, "y": ["neg", "pos", "pos", "neg"], "sfreq": 50, "ch_names": ["C3", "C4"],
        "subject": np.array([1, 1, 2, 2]), "session": "A", "unit": "mV"})
    recs = read_epochs(tmp_path / "m.mat")
    assert [r.meta["label"] for r in recs] == ["neg", "pos", "pos", "neg"]
    assert [r.subject for r in recs] == ["1", "1", "2", "2"] and recs[0].session == "A"
    assert recs[0].ch_names == ["C3", "C4"]
    np.testing.assert_allclose(recs[1].data, X[1] * 1e-3)


def test_classes_inferred_or_given(fakes, tmp_path, rng):
    ds = Epochs()
    assert ds.classes is None
    ds.find(fakes["npz"])
    assert ds.classes == ("high", "low")  # sorted unique string labels
    np.savez(tmp_path / "i.npz", X=rng.standard_normal((3, 2, 20)), y=[0, 2, 1], sfreq=10.0)
    recs = Epochs(classes=["a", "b", "c"]).read(tmp_path / "i.npz")
    assert [r.meta["label"] for r in recs] == ["a", "c", "b"]
    with pytest.raises(ValueError, match=r"label index 2 is outside the 2 classes"):
        Epochs(classes=["a", "b"]).read(tmp_path / "i.npz")
    with pytest.raises(ValueError, match=r"label 'low' is not one of the classes \['x'\]"):
        Epochs(classes=["x"]).read(fakes["npz"] / "sub-01.npz")


def test_ratings_are_regression_targets(tmp_path):
    root = make_fake_epochs(tmp_path / "r", fmt="mat73", target="ratings", n_subjects=1,
                            n_trials=5, n_chans=2)
    recs = read_epochs(root / "sub-01.mat")
    assert "label" not in recs[0].meta and recs[0].meta["target"].shape == (1,)
    assert all(1.0 <= r.meta["target"][0] <= 9.0 for r in recs)
    ds = Epochs()
    assert ds.find(root) == [root / "sub-01.mat"] and ds.classes is None
    csv = make_fake_epochs(tmp_path / "c", fmt="csv", target="ratings", n_subjects=1,
                           n_trials=3, n_chans=2)
    assert read_epochs(csv / "sub-01.csv")[2].meta["target"].shape == (1,)


def test_label_count_mismatch(tmp_path, rng):
    np.savez(tmp_path / "bad.npz", X=rng.standard_normal((100, 2, 10)), y=np.zeros(99, int),
             sfreq=10.0)
    with pytest.raises(ValueError, match=r"epochs file .*bad\.npz: y has 99 labels but X has 100 "
                                         r"trials; give one label per trial\."):
        read_epochs(tmp_path / "bad.npz")


def test_sfreq_missing_given_or_conflicting(tmp_path, rng):
    np.savez(tmp_path / "n.npz", X=rng.standard_normal((2, 2, 10)), y=[0, 1])
    with pytest.raises(ValueError, match=r"n\.npz: no sampling rate: store a scalar 'sfreq'.*"
                                         r"sfreq=\.\.\."):
        read_epochs(tmp_path / "n.npz")
    assert read_epochs(tmp_path / "n.npz", sfreq=64.0)[0].sfreq == 64.0
    assert Epochs(sfreq=64.0).read(tmp_path / "n.npz")[1].sfreq == 64.0
    np.savez(tmp_path / "s.npz", X=rng.standard_normal((2, 2, 10)), y=[0, 1], sfreq=10.0)
    with pytest.raises(ValueError, match=r"the file says sfreq=10 Hz but sfreq=64 was given"):
        read_epochs(tmp_path / "s.npz", sfreq=64.0)


def test_other_bad_input(tmp_path, rng):
    np.savez(tmp_path / "x.npz", X=rng.standard_normal((2, 10)), y=[0, 1], sfreq=10.0)
    with pytest.raises(ValueError, match=r"X must have shape \(n_trials, n_chans, n_times\); "
                                         r"got \(2, 10\)"):
        read_epochs(tmp_path / "x.npz")
    np.savez(tmp_path / "c.npz", X=rng.standard_normal((2, 3, 10)), y=[0, 1], sfreq=10.0,
             ch_names=np.array(["a", "b"]))
    with pytest.raises(ValueError, match=r"ch_names has 2 names but X has 3 channels"):
        read_epochs(tmp_path / "c.npz")
    np.savez(tmp_path / "u.npz", X=rng.standard_normal((2, 3, 10)), sfreq=10.0)
    with pytest.raises(ValueError, match=r"no labels: store 'y'"):
        read_epochs(tmp_path / "u.npz")
    assert len(Epochs().read_unlabelled(tmp_path / "u.npz")) == 2
    np.savez(tmp_path / "f.npz", X=rng.standard_normal((2, 3, 10)), y=[0.5, 1.0], sfreq=10.0)
    with pytest.raises(ValueError, match=r"y holds non-integer numbers.*'ratings'"):
        read_epochs(tmp_path / "f.npz")
    np.savez(tmp_path / "v.npz", X=rng.standard_normal((2, 3, 10)), y=[0, 1], sfreq=10.0,
             unit="uV")
    with pytest.raises(ValueError, match=r"the file says unit='uV' but unit='V' was given"):
        read_epochs(tmp_path / "v.npz", unit="V")
    (tmp_path / "t.txt").write_text("x")
    with pytest.raises(ValueError, match=r"unknown format '\.txt'"):
        read_epochs(tmp_path / "t.txt")
    with pytest.raises(FileNotFoundError, match="epochs file not found"):
        read_epochs(tmp_path / "nope.npz")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"no epochs files found"):
        Epochs().find(tmp_path / "empty")


def test_csv_errors(fakes, tmp_path):
    frame = pd.read_csv(fakes["csv"] / "sub-01.csv")
    assert list(frame.columns[:4]) == ["epoch", "time", "label", "subject"]
    bad = frame.copy()
    bad.loc[3, "label"] = "high"  # epoch 0 is "low"
    bad.to_csv(tmp_path / "a.csv", index=False)
    with pytest.raises(ValueError, match=r"column 'label' changes within epoch 0"):
        read_epochs(tmp_path / "a.csv")
    frame.drop(index=5).to_csv(tmp_path / "b.csv", index=False)
    with pytest.raises(ValueError, match=r"different numbers of rows \[255, 256\]"):
        read_epochs(tmp_path / "b.csv")
    frame.drop(columns="time").to_csv(tmp_path / "c.csv", index=False)
    with pytest.raises(ValueError, match=r"no sampling rate"):
        read_epochs(tmp_path / "c.csv")
    assert read_epochs(tmp_path / "c.csv", sfreq=128.0)[0].n_times == 256


def test_input_file_is_not_modified(fakes):
    path = fakes["npz"] / "sub-02.npz"
    before = path.read_bytes()
    recs = read_epochs(path)
    recs[0].data[:] = 0.0
    assert path.read_bytes() == before
    assert np.abs(read_epochs(path)[0].data).max() > 0


def test_load_windows_windows_every_trial(fakes, tmp_path):
    from mindstate.config import load_config
    from mindstate.experiment.loading import load_windows

    cfg_path = tmp_path / "c.yaml"
    cfg_path.write_text("name: c\ndata: {dataset: epochs, root: unused, window_s: 1.0}\n"
                        "model: {name: shallow_convnet}\n")
    cfg = load_config(cfg_path, [])
    w, chain, paths = load_windows(cfg, fakes["mat"])
    assert len(paths) == 2 and w.X.shape == (2 * 6 * 2, 4, 128)  # 2-s trials → two 1-s windows
    assert w.groups["trial"].nunique() == 12 and set(w.groups["subject"]) == {"S01", "S02"}
    assert chain.classes == ["high", "low"] and w.y[:4].tolist() == [1, 1, 0, 0]
