"""HMS reader: EEG/spectrogram parquets, train.csv checks, labelled windows and NaN filling."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mindstate.data.windows import Windows as DataWindows
from mindstate.exceptions import ReaderError
from mindstate.io.datasets import DATASETS
from mindstate.io.datasets import hms as hms_module
from mindstate.io.datasets.hms import (
    HMS,
    HMS_CLASSES,
    HMS_EEG_CHANNELS,
    HMS_SCALP_CHANNELS,
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
    assert spec.shape == (301, 401) and spec.columns[0] == "time"
    assert tuple(spec.columns[[1, 100, 101, 400]]) == ("LL_0.59", "LL_19.92", "RL_0.59",
                                                      "RP_19.92")
    assert spec["time"].dtype == np.int64 and (spec.dtypes[1:] == np.float32).all()
    # every row's 10 min spectrogram window is complete: 300 rows 2 s apart
    for _, row in train.iterrows():
        spec = pd.read_parquet(fake / "train_spectrograms" / f"{row.spectrogram_id}.parquet")
        off = row.spectrogram_label_offset_seconds
        t = spec["time"][(spec["time"] >= off) & (spec["time"] < off + 600)]
        assert len(t) == 300 and (np.diff(t) == 2).all()


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
    assert power.shape == (4, 100, 301) and power.dtype == np.float64
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
    assert set(X) == {"eeg", "spec"}
    assert X["eeg"].shape == (6, 19, 10000) and X["eeg"].dtype == np.float32
    assert X["spec"].shape == (6, 4, 100, 300) and X["spec"].dtype == np.float32
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
    np.testing.assert_array_equal(meta["csv_row"], np.arange(6))
    np.testing.assert_array_equal(meta["patient_id"], train["patient_id"])
    np.testing.assert_array_equal(meta["spec_start"], train["spectrogram_label_offset_seconds"])
    np.testing.assert_array_equal(meta["spec_stop"] - meta["spec_start"], 600.0)
    np.testing.assert_array_equal(meta["spec_n_frames"], 300)
    # window = rows [offset*200, (offset+50)*200) of the parquet, µV -> V, EKG dropped
    raw = pd.read_parquet(fake / "train_eegs" / f"{train.eeg_id[4]}.parquet").to_numpy()
    a = int(train.eeg_label_offset_seconds[4] * 200)
    np.testing.assert_allclose(X["eeg"][4], raw[a:a + 10000, :19].T * 1e-6, rtol=1e-6)
    # spectrogram window: the 300 parquet rows from the label offset, raw power
    spec = pd.read_parquet(fake / "train_spectrograms" / f"{train.spectrogram_id[5]}.parquet")
    b = int(train.spectrogram_label_offset_seconds[5]) // 2
    expected = spec.iloc[b:b + 300, 1:].to_numpy().reshape(300, 4, 100).transpose(1, 2, 0)
    np.testing.assert_array_equal(X["spec"][5], expected)
    sub = w.subset([0, 2])
    assert len(sub) == 2 and sub.X["spec"].shape == (2, 4, 100, 300)


def test_nan_fill_channel_mean(fake):
    w = load_hms_windows(fake)
    eeg = w.X["eeg"]
    raw = pd.read_parquet(fake / "train_eegs" / "1000.parquet").to_numpy()  # first fake EEG
    assert not np.isnan(eeg).any() and not np.isnan(w.X["spec"]).any()
    # rows 1000-1199 were NaN in every channel: filled with each channel's window mean
    window = raw[0:10000, :19].T
    expected = np.nanmean(window, axis=1) * 1e-6
    np.testing.assert_allclose(eeg[0][:, 1000], expected, rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(eeg[0][:, 1199], expected, rtol=1e-5, atol=1e-12)
    assert w.meta["nan_fraction"][0] == pytest.approx(200 / 10000)
    # the all-NaN C3 of the second EEG becomes 0 (NaN fraction over the 19 channels)
    c3 = HMS_SCALP_CHANNELS.index("C3")
    assert np.all(eeg[2][c3] == 0.0)
    assert w.meta["nan_fraction"][2] == pytest.approx(1 / 19)
    # other channels are untouched
    raw2 = pd.read_parquet(fake / "train_eegs" / "1007.parquet").to_numpy()
    np.testing.assert_allclose(eeg[2][0], raw2[:10000, 0] * 1e-6, rtol=1e-6)
    # spectrogram: the NaN row at time 5 s is frame 2 (offset 0) and frame 1 (offset 2),
    # reported, then set to 0
    np.testing.assert_allclose(w.meta["spec_nan_fraction"][:2], 1 / 300)
    np.testing.assert_array_equal(w.meta["spec_nan_fraction"][2:], 0.0)
    assert np.all(w.X["spec"][0][:, :, 2] == 0) and np.all(w.X["spec"][1][:, :, 1] == 0)
    assert (w.X["spec"][0][:, :, [1, 3]] > 0).all()


def test_nan_fill_options(fake):
    zero = load_hms_windows(fake, fill_nan="zero", max_rows=1)
    keep = load_hms_windows(fake, fill_nan="none", max_rows=1)
    assert len(zero) == 1
    assert np.all(zero.X["eeg"][0][:, 1000:1200] == 0.0)
    assert np.all(zero.X["spec"][0][:, :, 2] == 0.0)
    assert np.isnan(keep.X["eeg"][0][:, 1000:1200]).all()
    assert np.isnan(keep.X["eeg"]).sum() == 19 * 200
    assert np.isnan(keep.X["spec"]).sum() == 400 and np.isnan(keep.X["spec"][0][:, :, 2]).all()
    assert keep.meta["spec_nan_fraction"][0] == pytest.approx(1 / 300)
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
    with pytest.raises(FileNotFoundError,
                       match=rf"{victim.name} \(eeg_id {train.eeg_id[2]}, listed in .*train.csv"):
        load_hms_windows(fake, spectrogram=False)


def test_missing_spectrogram_parquet_names_the_file(fake):
    train = pd.read_csv(fake / "train.csv")
    sid = int(train.spectrogram_id[4])
    victim = fake / "train_spectrograms" / f"{sid}.parquet"
    victim.unlink()
    with pytest.raises(FileNotFoundError) as info:
        load_hms_windows(fake)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith(f"HMS spectrogram parquet not found: {victim}")
    assert f"spectrogram_id {sid}" in msg and str(fake / "train.csv") in msg
    # not needed without the spectrogram, nor for rows before it
    assert len(load_hms_windows(fake, spectrogram=False)) == 6
    assert len(load_hms_windows(fake, max_rows=4)) == 4


def test_window_beyond_the_file(fake):
    train = pd.read_csv(fake / "train.csv")
    train.loc[1, "eeg_label_offset_seconds"] = 30.0
    train.to_csv(fake / "train.csv", index=False)
    with pytest.raises(ReaderError, match="asks for 30-80 s but the file holds 52 s"):
        load_hms_windows(fake)


def test_spectrogram_window_outside_the_file(fake):
    train = pd.read_csv(fake / "train.csv")
    train.loc[3, "spectrogram_label_offset_seconds"] = 700.0  # file covers 1-601 s
    train.to_csv(fake / "train.csv", index=False)
    name = f"{train.spectrogram_id[3]}.parquet"
    with pytest.raises(ReaderError, match=rf"{name}: train.csv row 3 asks for the spectrogram "
                                          r"window 700-1300 s but the file's time column "
                                          r"covers 1-601 s"):
        load_hms_windows(fake)
    assert len(load_hms_windows(fake, spectrogram=False)) == 6


def _time_coded_spectrogram(path, times):
    """A spectrogram whose value in column j (0-399) at row time t is 1000 t + j."""
    cols = hms_module._spec_columns()
    values = (1000.0 * np.asarray(times, float)[:, None] + np.arange(400)).astype(np.float32)
    frame = pd.DataFrame(values, columns=cols)
    frame.insert(0, "time", np.asarray(times, dtype=np.int64))
    frame.to_parquet(path, index=False)


def test_spectrogram_window_starts_at_the_label_offset(fake):
    train = pd.read_csv(fake / "train.csv")
    sid = int(train.spectrogram_id[0])
    _time_coded_spectrogram(fake / "train_spectrograms" / f"{sid}.parquet",
                            np.arange(1, 800, 2))  # 400 rows, 1-799 s
    train.loc[0, "spectrogram_label_offset_seconds"] = 40.0
    train.loc[1, "spectrogram_label_offset_seconds"] = 3.0  # odd: first row is time 3
    train.to_csv(fake / "train.csv", index=False)
    w = load_hms_windows(fake, max_rows=2)
    spec = w.X["spec"]
    k = np.arange(300)
    code = np.arange(400).reshape(4, 100)  # column j -> (chain, freq)
    for i, offset, first in ((0, 40.0, 41.0), (1, 3.0, 3.0)):
        expected = 1000.0 * (first + 2 * k)[None, None, :] + code[:, :, None]
        np.testing.assert_array_equal(spec[i], expected.astype(np.float32))
        assert w.meta["spec_start"][i] == offset and w.meta["spec_stop"][i] == offset + 600
    np.testing.assert_array_equal(w.meta["spec_n_frames"], [300, 300])
    np.testing.assert_array_equal(w.meta["spec_nan_fraction"], [0.0, 0.0])


def test_short_spectrogram_is_padded_with_nan_then_filled(fake):
    train = pd.read_csv(fake / "train.csv")
    sid = int(train.spectrogram_id[0])
    times = np.r_[np.arange(1, 401, 2), np.arange(411, 501, 2)]  # 200 + 45 rows, gap, ends 499
    _time_coded_spectrogram(fake / "train_spectrograms" / f"{sid}.parquet", times)
    w = load_hms_windows(fake, max_rows=1)
    keep = load_hms_windows(fake, max_rows=1, fill_nan="none")
    present = np.r_[np.arange(200), np.arange(205, 250)]
    missing = np.setdiff1d(np.arange(300), present)
    assert w.meta["spec_n_frames"][0] == 245
    assert w.meta["spec_nan_fraction"][0] == pytest.approx(55 / 300)
    np.testing.assert_array_equal(w.X["spec"][0][0, 0, present], 1000.0 * (2 * present + 1))
    assert np.all(w.X["spec"][0][:, :, missing] == 0.0)
    assert np.isnan(keep.X["spec"][0][:, :, missing]).all()
    assert not np.isnan(keep.X["spec"][0][:, :, present]).any()


def test_each_parquet_is_read_once(fake, monkeypatch):
    train = pd.read_csv(fake / "train.csv")
    # two EEGs share one spectrogram, at different offsets
    train.loc[2:3, "spectrogram_id"] = train.spectrogram_id[0]
    train.to_csv(fake / "train.csv", index=False)
    calls = []
    real = hms_module._read_parquet

    def counting(path, what):
        calls.append(path.name)
        return real(path, what)

    monkeypatch.setattr(hms_module, "_read_parquet", counting)
    w = load_hms_windows(fake)
    assert sorted(calls) == sorted({f"{i}.parquet" for i in train.eeg_id}
                                   | {f"{i}.parquet" for i in train.spectrogram_id})
    assert len(calls) == len(set(calls)) == 3 + 2
    raw = pd.read_parquet(fake / "train_spectrograms" / f"{train.spectrogram_id[0]}.parquet")
    b = int(train.spectrogram_label_offset_seconds[3]) // 2
    expected = np.nan_to_num(raw["RL_0.59"].to_numpy()[b:b + 300])  # its NaN row -> 0
    np.testing.assert_array_equal(w.X["spec"][3][1, 0], expected)


def test_min_votes_filters_rows(fake):
    train = pd.read_csv(fake / "train.csv")
    n = train[list(VOTE_COLUMNS)].sum(axis=1).to_numpy()
    threshold = int(np.median(n)) + 1
    kept = np.flatnonzero(n >= threshold)
    assert 0 < len(kept) < len(train)
    w = load_hms_windows(fake, min_votes=threshold)
    assert len(w) == len(kept) == len(w.X["eeg"]) == len(w.X["spec"])
    np.testing.assert_array_equal(w.meta["csv_row"], kept)
    np.testing.assert_array_equal(w.meta["label_id"], train["label_id"][kept])
    assert (w.meta["n_votes"] >= threshold).all()
    np.testing.assert_allclose(w.y.sum(axis=1), 1.0)
    full = load_hms_windows(fake)
    np.testing.assert_array_equal(w.X["eeg"], full.X["eeg"][kept])
    np.testing.assert_array_equal(w.X["spec"], full.X["spec"][kept])
    # max_rows applies after the filter
    assert list(load_hms_windows(fake, min_votes=threshold, max_rows=1).meta["csv_row"]) == [
        kept[0]]
    ds = HMS(min_votes=threshold, spectrogram=False)
    assert len(ds.windows(fake)) == len(kept)
    with pytest.raises(ValueError, match=rf"min_votes={n.max() + 1} keeps none of the 6 rows"):
        load_hms_windows(fake, min_votes=int(n.max()) + 1)
    with pytest.raises(ValueError, match="min_votes must be >= 0"):
        load_hms_windows(fake, min_votes=-1)


def test_spectrogram_false_keeps_the_eeg_only_output(fake):
    w20 = load_hms_windows(fake, spectrogram=False, eeg_channels=HMS_EEG_CHANNELS)
    w = load_hms_windows(fake)
    assert isinstance(w20.X, np.ndarray) and w20.X.shape == (6, 20, 10000)
    np.testing.assert_array_equal(w20.X[:, :19], w.X["eeg"])
    raw = pd.read_parquet(fake / "train_eegs" / "1007.parquet")  # row 2, offset 0
    np.testing.assert_allclose(w20.X[2][19], raw["EKG"].to_numpy()[:10000] * 1e-6, rtol=1e-6)
    assert not any(c.startswith("spec_") for c in w20.meta.columns)
    np.testing.assert_array_equal(w20.y, w.y)
    pd.testing.assert_frame_equal(w20.groups, w.groups)
    picked = load_hms_windows(fake, spectrogram=False, eeg_channels=["O2", "Fp1"], max_rows=1)
    np.testing.assert_array_equal(picked.X[0], w20.X[0][[18, 0]])


def test_bad_options(fake):
    with pytest.raises(ValueError, match="got unknown \\['Cz3'\\]. Did you mean 'Cz'"):
        load_hms_windows(fake, eeg_channels=["Fp1", "Cz3"])
    with pytest.raises(TypeError, match="eeg_channels must be a sequence of channel names"):
        load_hms_windows(fake, eeg_channels="Fp1")
    with pytest.raises(ValueError, match="must not repeat a channel"):
        load_hms_windows(fake, eeg_channels=["Fp1", "Fp1"])
    with pytest.raises(ValueError, match="at least one channel"):
        load_hms_windows(fake, eeg_channels=[])
    with pytest.raises(TypeError, match="spectrogram must be bool"):
        load_hms_windows(fake, spectrogram=1)


@pytest.mark.parametrize("edit,match", [
    (lambda t: t.drop(columns=["lrda_vote"]), r"missing column\(s\) \['lrda_vote'\]"),
    (lambda t: t.assign(**{v: 0 for v in VOTE_COLUMNS}), "have no votes at all"),
    (lambda t: t.assign(gpd_vote=-1), "missing or negative vote"),
    (lambda t: t.iloc[:0], "holds no rows"),
    (lambda t: t.assign(spectrogram_label_offset_seconds=np.nan),
     "row 0 has a missing or non-finite label offset"),
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
    w = HMS(max_rows=3).windows(fake)
    assert len(w) == 3 and set(w.X) == {"eeg", "spec"} and w.X["eeg"].shape[1] == 19
    assert HMS(max_rows=2, spectrogram=False, eeg_channels=HMS_EEG_CHANNELS).windows(
        fake).X.shape == (2, 20, 10000)
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
    assert w.X["eeg"].shape == (len(train), 19, 10000)
    assert w.X["spec"].shape == (len(train), 4, 100, 300)
    assert not np.isnan(w.X["eeg"]).any() and not np.isnan(w.X["spec"]).any()
    assert np.abs(w.X["eeg"]).max() < 2e-3  # volts
    assert w.meta["nan_fraction"].max() > 0  # the simulation plants NaNs
    assert w.meta["spec_nan_fraction"].max() > 0  # and NaN spectrogram rows around them
    assert (w.meta["spec_n_frames"] == 300).all()
