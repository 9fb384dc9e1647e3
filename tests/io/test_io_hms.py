"""HMS reader: EEG/spectrogram parquets, train.csv checks, labelled windows and NaN filling."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mindstate.data.windows import Windows as DataWindows
from mindstate.exceptions import ReaderError
from mindstate.io.datasets import DATASETS
from mindstate.io.datasets.hms import (
    HMS,
    HMS_CLASSES,
    HMS_EEG_CHANNELS,
    TRAIN_COLUMNS,
    VOTE_COLUMNS,
    load_hms_windows,
    make_fake_hms,
    read_hms_eeg,
    read_hms_spectrogram,
    read_hms_train,
)
from mindstate.io.windows import Windows


@pytest.fixture
def fake(tmp_path):
    return make_fake_hms(tmp_path / "hms", n_eegs=3, n_rows_per_eeg=2, random_state=1)


def test_registered_with_class_order():
    cls = DATASETS.get("hms")
    assert cls is HMS
    assert cls.modality == "hms"
    assert cls.classes == ("Seizure", "LPD", "GPD", "LRDA", "GRDA", "Other")
    assert VOTE_COLUMNS == ("seizure_vote", "lpd_vote", "gpd_vote", "lrda_vote", "grda_vote",
                            "other_vote")


def test_fake_has_the_true_format(fake):
    train = pd.read_csv(fake / "train.csv")
    assert tuple(train.columns) == TRAIN_COLUMNS and len(train) == 6
    eeg = pd.read_parquet(fake / "train_eegs" / f"{train.eeg_id[0]}.parquet")
    assert tuple(eeg.columns) == HMS_EEG_CHANNELS and (eeg.dtypes == np.float32).all()
    spec = pd.read_parquet(fake / "train_spectrograms" / f"{train.spectrogram_id[0]}.parquet")
    assert spec.shape == (300, 401) and spec.columns[0] == "time"
    assert spec["time"].dtype == np.int64


def test_read_hms_eeg_units_types_and_nans(fake):
    train = pd.read_csv(fake / "train.csv")
    path = fake / "train_eegs" / f"{train.eeg_id[0]}.parquet"
    raw = pd.read_parquet(path)
    rec = read_hms_eeg(path)
    assert rec.sfreq == 200.0 and rec.ch_names == list(HMS_EEG_CHANNELS)
    assert rec.ch_types == ["eeg"] * 19 + ["ecg"]
    assert rec.n_times == len(raw)
    np.testing.assert_allclose(rec.data[2, :100], raw["C3"].to_numpy()[:100] * 1e-6, rtol=1e-6)
    # the 1 s NaN run of the fake is kept, not filled
    assert np.isnan(rec.data[:, 1000:1200]).all()
    assert rec.meta["nan_fraction"] == pytest.approx(200 / len(raw))
    assert rec.meta["eeg_id"] == int(train.eeg_id[0])


def test_read_hms_spectrogram(fake):
    train = pd.read_csv(fake / "train.csv")
    path = fake / "train_spectrograms" / f"{train.spectrogram_id[0]}.parquet"
    times, freqs, power = read_hms_spectrogram(path)
    raw = pd.read_parquet(path)
    assert power.shape == (4, 100, 300)
    np.testing.assert_array_equal(times[:3], [1.0, 3.0, 5.0])
    assert freqs[0] == 0.59 and freqs[-1] == 19.92 and freqs[18] == 4.1
    np.testing.assert_allclose(np.diff(freqs), 0.195, atol=0.011)
    # chain order LL, RL, LP, RP = parquet column blocks
    np.testing.assert_allclose(power[1, 0], raw["RL_0.59"].to_numpy())
    np.testing.assert_allclose(power[3, 99], raw["RP_19.92"].to_numpy())


def test_load_hms_windows_shapes_targets_groups(fake):
    w = load_hms_windows(fake)
    train = pd.read_csv(fake / "train.csv")
    assert isinstance(w, Windows) and DataWindows is Windows  # data re-exports the io class
    X, y, groups, meta = w
    assert X.shape == (6, 20, 10000) and X.dtype == np.float32
    votes = train[list(VOTE_COLUMNS)].to_numpy(float)
    np.testing.assert_allclose(y, votes / votes.sum(1, keepdims=True))
    np.testing.assert_allclose(y.sum(1), 1.0)
    assert list(groups.columns) == ["subject", "session", "trial", "patient", "record"]
    assert list(groups["patient"]) == train["patient_id"].astype(str).tolist()
    assert list(groups["subject"]) == list(groups["patient"])
    assert list(groups["trial"]) == train["label_id"].astype(str).tolist()
    assert list(groups["record"]) == train["eeg_id"].astype(str).tolist()
    np.testing.assert_array_equal(meta["start"], train["eeg_label_offset_seconds"])
    np.testing.assert_array_equal(meta["stop"] - meta["start"], 50.0)
    np.testing.assert_array_equal(meta["n_votes"], votes.sum(1))
    # window = rows [offset*200, (offset+50)*200) of the parquet, µV -> V
    raw = pd.read_parquet(fake / "train_eegs" / f"{train.eeg_id[4]}.parquet").to_numpy()
    a = int(train.eeg_label_offset_seconds[4] * 200)
    np.testing.assert_allclose(X[4], raw[a:a + 10000].T * 1e-6, rtol=1e-6)
    assert len(w.subset([0, 2])) == 2


def test_nan_fill_channel_mean(fake):
    w = load_hms_windows(fake)
    raw = pd.read_parquet(fake / "train_eegs" / "1000.parquet").to_numpy()  # first fake EEG
    assert not np.isnan(w.X).any()
    # rows 1000-1199 were NaN in every channel: filled with each channel's window mean
    window = raw[0:10000].T
    expected = np.nanmean(window, axis=1) * 1e-6
    np.testing.assert_allclose(w.X[0][:, 1000], expected, rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(w.X[0][:, 1199], expected, rtol=1e-5, atol=1e-12)
    assert w.meta["nan_fraction"][0] == pytest.approx(200 / 10000)
    # the all-NaN C3 of the second EEG becomes 0
    c3 = HMS_EEG_CHANNELS.index("C3")
    assert np.all(w.X[2][c3] == 0.0)
    assert w.meta["nan_fraction"][2] == pytest.approx(1 / 20)
    # other channels are untouched
    raw2 = pd.read_parquet(fake / "train_eegs" / "1007.parquet").to_numpy()
    np.testing.assert_allclose(w.X[2][0], raw2[:10000, 0] * 1e-6, rtol=1e-6)


def test_nan_fill_options(fake):
    zero = load_hms_windows(fake, fill_nan="zero", max_rows=1)
    keep = load_hms_windows(fake, fill_nan="none", max_rows=1)
    assert len(zero) == 1
    assert np.all(zero.X[0][:, 1000:1200] == 0.0)
    assert np.isnan(keep.X[0][:, 1000:1200]).all()
    assert np.isnan(keep.X).sum() == 20 * 200
    with pytest.raises(ValueError, match="fill_nan must be one of"):
        load_hms_windows(fake, fill_nan="mean")
    with pytest.raises(ValueError, match="max_rows must be >= 1"):
        load_hms_windows(fake, max_rows=0)


def test_missing_parquet_names_the_file(fake):
    train = pd.read_csv(fake / "train.csv")
    victim = fake / "train_eegs" / f"{train.eeg_id[2]}.parquet"
    victim.unlink()
    with pytest.raises(FileNotFoundError, match=str(victim.name)):
        load_hms_windows(fake)
    with pytest.raises(FileNotFoundError, match=str(victim.name)):
        HMS().find(fake)
    with pytest.raises(FileNotFoundError, match="HMS EEG parquet not found"):
        read_hms_eeg(victim)


def test_window_beyond_the_file(fake):
    train = pd.read_csv(fake / "train.csv")
    train.loc[1, "eeg_label_offset_seconds"] = 30.0
    train.to_csv(fake / "train.csv", index=False)
    with pytest.raises(ReaderError, match="asks for 30-80 s but the file holds 52 s"):
        load_hms_windows(fake)


@pytest.mark.parametrize("edit,match", [
    (lambda t: t.drop(columns=["lrda_vote"]), r"missing column\(s\) \['lrda_vote'\]"),
    (lambda t: t.assign(**{v: 0 for v in VOTE_COLUMNS}), "have no votes at all"),
    (lambda t: t.assign(gpd_vote=-1), "missing or negative vote"),
    (lambda t: t.iloc[:0], "holds no rows"),
])
def test_train_csv_checks(fake, edit, match):
    train = edit(pd.read_csv(fake / "train.csv"))
    train.to_csv(fake / "train.csv", index=False)
    with pytest.raises(ReaderError, match=match):
        read_hms_train(fake)


def test_unreadable_csv_and_missing_root(fake, tmp_path):
    (fake / "train.csv").write_bytes(b"")
    with pytest.raises(ReaderError, match="not a readable CSV file"):
        read_hms_train(fake / "train.csv")
    with pytest.raises(FileNotFoundError, match="HMS data root not found"):
        read_hms_train(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no train.csv"):
        load_hms_windows(tmp_path / "empty")


def test_bad_parquets(tmp_path):
    bad = tmp_path / "1.parquet"
    pd.DataFrame({"Fp1": np.zeros(10, np.float32)}).to_parquet(bad)
    with pytest.raises(ReaderError, match=r"1.parquet: not an HMS EEG parquet; missing"):
        read_hms_eeg(bad)
    empty = tmp_path / "2.parquet"
    pd.DataFrame({c: np.zeros(0, np.float32) for c in HMS_EEG_CHANNELS}).to_parquet(empty)
    with pytest.raises(ReaderError, match="holds no rows"):
        read_hms_eeg(empty)
    text = tmp_path / "3.parquet"
    pd.DataFrame({c: ["a"] * 3 for c in HMS_EEG_CHANNELS}).to_parquet(text)
    with pytest.raises(ReaderError, match="EEG columns are not numeric"):
        read_hms_eeg(text)
    junk = tmp_path / "4.parquet"
    junk.write_bytes(b"not parquet at all")
    with pytest.raises(ReaderError, match="4.parquet: not a readable parquet file"):
        read_hms_eeg(junk)
    with pytest.raises(ReaderError, match="no 'time' column"):
        read_hms_spectrogram(bad)
    lop = tmp_path / "5.parquet"
    pd.DataFrame({"time": [1, 3], "LL_0.59": [1.0, 2.0], "RL_0.59": [1.0, 2.0]}).to_parquet(lop)
    with pytest.raises(ReaderError, match="same number of frequency columns"):
        read_hms_spectrogram(lop)
    txt = tmp_path / "6.parquet"
    pd.DataFrame({"time": [1], **{f"{c}_0.59": ["x"] for c in ("LL", "RL", "LP", "RP")}}
                 ).to_parquet(txt)
    with pytest.raises(ReaderError, match="spectrogram columns are not numeric"):
        read_hms_spectrogram(txt)


def test_dataset_find_and_read(fake, tmp_path):
    ds = HMS()
    paths = ds.find(fake)
    assert [p.name for p in paths] == ["1000.parquet", "1007.parquet", "1014.parquet"]
    rec = ds.read(paths[1])
    assert rec.subject == "11" and rec.meta["patient"] == "11"
    assert [r["eeg_label_offset_seconds"] for r in rec.meta["labels"]] == [0.0, 2.0]
    assert ds.find(fake / "train_eegs") == paths
    assert ds.find(paths[0]) == [paths[0]]
    assert len(HMS(max_rows=3).windows(fake)) == 3
    with pytest.raises(FileNotFoundError, match="HMS data root not found"):
        ds.find(tmp_path / "missing")
    (tmp_path / "void").mkdir()
    with pytest.raises(ValueError, match="no HMS EEG parquet found"):
        ds.find(tmp_path / "void")


def test_make_fake_via_dataset_and_overwrite(tmp_path):
    root = HMS.make_fake(tmp_path / "f", n_eegs=1, n_rows_per_eeg=1)
    assert len(pd.read_csv(root / "train.csv")) == 1
    with pytest.raises(FileExistsError, match="pass overwrite=True"):
        make_fake_hms(root)
    make_fake_hms(root, n_eegs=2, overwrite=True)
    assert len(pd.read_csv(root / "train.csv")) == 4
    assert set(pd.read_csv(root / "train.csv")["expert_consensus"]) <= set(HMS_CLASSES)


def test_reader_on_simulated_hms(tmp_path):
    from mindstate.simulate.hms import simulate_hms

    root = simulate_hms(tmp_path / "sim", n_patients=2, n_eegs_per_patient=1, random_state=2)
    w = HMS().windows(root)
    train = pd.read_csv(root / "train.csv")
    assert w.X.shape == (len(train), 20, 10000)
    assert not np.isnan(w.X).any()
    assert np.abs(w.X[:, :19]).max() < 2e-3  # volts
    assert w.meta["nan_fraction"].max() > 0  # the simulation plants NaNs
