"""Simulated HMS folder: exact columns, votes, and the spectral ground truth of each pattern."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.signal import welch

from mindstate.simulate.hms import (
    HMS_CLASSES,
    HMS_EEG_CHANNELS,
    HMS_SPEC_COLUMNS,
    HMS_SPEC_FREQS,
    TRAIN_COLUMNS,
    hms_spectrogram,
    simulate_hms,
)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return simulate_hms(tmp_path_factory.mktemp("hms") / "mini", n_patients=6,
                        n_eegs_per_patient=1, random_state=0)


@pytest.fixture(scope="module")
def train(root):
    return pd.read_csv(root / "train.csv")


@pytest.fixture(scope="module")
def truth(root):
    return pd.read_csv(root / "simulation_ground_truth.csv")


def test_train_csv_columns_and_types(train):
    assert tuple(train.columns) == TRAIN_COLUMNS
    assert len(TRAIN_COLUMNS) == 15
    for col in ("eeg_id", "eeg_sub_id", "spectrogram_id", "label_id", "patient_id"):
        assert train[col].dtype.kind == "i", col
    assert train["eeg_label_offset_seconds"].dtype.kind == "f"
    assert set(train["expert_consensus"]) <= set(HMS_CLASSES)
    assert train["label_id"].is_unique
    assert train["patient_id"].nunique() == 6 and train["eeg_id"].nunique() == 6
    assert train.groupby("eeg_id").size().between(2, 5).all()
    assert (train["eeg_label_offset_seconds"] % 2 == 0).all()


def test_votes_and_consensus(train):
    votes = train[[f"{c.lower()}_vote" for c in HMS_CLASSES]].to_numpy()
    n = votes.sum(axis=1)
    assert ((n >= 1) & (n <= 20)).all()
    assert (votes >= 0).all()
    assert n.min() <= 7 and n.max() >= 10  # low- and high-vote rows both occur
    np.testing.assert_array_equal(train["expert_consensus"],
                                  np.array(HMS_CLASSES)[votes.argmax(axis=1)])
    # experts disagree in some rows
    assert (votes.max(axis=1) < n).any()


def test_consensus_mostly_follows_the_simulated_pattern(train, truth):
    merged = train.drop_duplicates("eeg_id").merge(truth, on="eeg_id")
    assert (merged["expert_consensus"] == merged["pattern"]).mean() >= 0.6
    assert sorted(truth["pattern"].unique()) == sorted(HMS_CLASSES)


def test_eeg_parquet_format(root, train):
    eeg_id = train["eeg_id"].iloc[0]
    frame = pd.read_parquet(root / "train_eegs" / f"{eeg_id}.parquet")
    assert tuple(frame.columns) == HMS_EEG_CHANNELS
    assert (frame.dtypes == np.float32).all()
    rows = train[train["eeg_id"] == eeg_id]
    assert len(frame) == int((rows["eeg_label_offset_seconds"].max() + 50) * 200)
    std = frame.iloc[:, :19].std().dropna()  # one simulated EEG has an all-NaN channel
    assert len(std) >= 18 and std.between(5, 300).all()  # µV scale


def test_spectrogram_parquet_format_and_alignment(root, train):
    row = train.iloc[0]
    spec = pd.read_parquet(root / "train_spectrograms" / f"{row.spectrogram_id}.parquet")
    assert tuple(spec.columns) == ("time", *HMS_SPEC_COLUMNS)
    assert spec["time"].dtype == np.int64 and spec.iloc[:, 1:].dtypes.eq(np.float32).all()
    assert HMS_SPEC_COLUMNS[:4] == ("LL_0.59", "LL_0.78", "LL_0.98", "LL_1.17")
    assert "LL_3.13" in HMS_SPEC_COLUMNS and "LL_4.1" in HMS_SPEC_COLUMNS
    assert HMS_SPEC_COLUMNS[100] == "RL_0.59" and HMS_SPEC_COLUMNS[-1] == "RP_19.92"
    np.testing.assert_array_equal(spec["time"].to_numpy()[:3], [1, 3, 5])
    assert spec["time"].iloc[-1] >= 599
    # every label's 600 s spectrogram window fits and holds 300 rows
    for _, r in train[train["spectrogram_id"] == row.spectrogram_id].iterrows():
        off = r.spectrogram_label_offset_seconds
        inside = (spec["time"] >= off) & (spec["time"] < off + 600)
        assert inside.sum() == 300


def _chain_power(root, row):
    spec = pd.read_parquet(root / "train_spectrograms" / f"{row.spectrogram_id}.parquet")
    off = row.spectrogram_label_offset_seconds
    centre = spec[(spec["time"] >= off + 290) & (spec["time"] < off + 310)]
    p = centre.iloc[:, 1:].to_numpy().reshape(len(centre), 4, 100)
    return np.nanmean(p, axis=0)  # (4 chains LL RL LP RP, 100 freqs)


def test_lateralised_patterns_are_asymmetric(root, train, truth):
    first = train.drop_duplicates("eeg_id").set_index("eeg_id")
    checked = 0
    for _, g in truth.iterrows():
        p = _chain_power(root, first.loc[g.eeg_id])
        left, right = p[[0, 2]].sum(), p[[1, 3]].sum()  # LL+LP vs RL+RP, 0.59-19.92 Hz
        if g.pattern in ("LPD", "LRDA"):
            ratio = left / right if g.side == "left" else right / left
            assert ratio > 2.0, (g.pattern, g.side, ratio)
            checked += 1
        elif g.pattern in ("GPD", "GRDA"):
            assert 0.5 < left / right < 2.0, (g.pattern, left / right)
    assert checked == 2


def test_rhythmic_delta_has_a_delta_peak(root, train, truth):
    first = train.drop_duplicates("eeg_id").set_index("eeg_id")
    for _, g in truth[truth["pattern"].isin(["LRDA", "GRDA"])].iterrows():
        row = first.loc[g.eeg_id]
        eeg = pd.read_parquet(root / "train_eegs" / f"{g.eeg_id}.parquet")
        a = int(row.eeg_label_offset_seconds * 200)
        x = np.nan_to_num(eeg.iloc[a:a + 10000, :19].to_numpy().T)
        f, p = welch(x, 200.0, nperseg=1024)
        band = (f >= 0.5) & (f <= 4)
        peak = f[band][np.argmax((p.mean(0) * f)[band])]  # 1/f-whitened
        assert 1.0 <= g.frequency_hz <= 3.0
        assert peak == pytest.approx(g.frequency_hz, abs=0.3)
        # the spectrogram shows it too, well above the 5-8 Hz range
        sp = _chain_power(root, row).mean(0)
        k = np.argmin(np.abs(HMS_SPEC_FREQS - g.frequency_hz))
        assert sp[k] > 5 * sp[(HMS_SPEC_FREQS > 5) & (HMS_SPEC_FREQS < 8)].mean()


def test_seizure_evolves(root, train, truth):
    g = truth[truth["pattern"] == "Seizure"].iloc[0]
    assert g.frequency_end_hz > g.frequency_start_hz
    spec = pd.read_parquet(root / "train_spectrograms" / f"{g.spectrogram_id}.parquet")
    p = spec.iloc[:, 1:].to_numpy().reshape(len(spec), 4, 100).mean(1)
    t = spec["time"].to_numpy()
    start = g.eeg_start_in_spectrogram_s
    quiet = np.nanmean(p[(t > 20) & (t < start - 100)].sum(1))
    ictal = np.nanmean(p[(t > start + 20) & (t < start + 50)].sum(1))
    assert ictal > 3 * quiet


def test_nans_are_placed_as_documented(root, truth):
    rows = truth[truth["nan_rows_s"].notna()]
    chans = truth[truth["nan_channel"].notna()]
    assert len(rows) == 1 and len(chans) == 1
    eeg = pd.read_parquet(root / "train_eegs" / f"{rows.eeg_id.iloc[0]}.parquet").to_numpy()
    a, b = (float(v) for v in rows.nan_rows_s.iloc[0].split("-"))
    nan_rows = np.flatnonzero(np.isnan(eeg[:, :19]).all(axis=1))
    assert len(nan_rows) == 400
    assert nan_rows[0] / 200 == pytest.approx(a, abs=0.01)
    spec = pd.read_parquet(root / "train_spectrograms" / f"{rows.spectrogram_id.iloc[0]}.parquet")
    assert 0 < spec.iloc[:, 1:].isna().all(axis=1).sum() < 10
    eeg2 = pd.read_parquet(root / "train_eegs" / f"{chans.eeg_id.iloc[0]}.parquet")
    assert eeg2[chans.nan_channel.iloc[0]].isna().all()
    assert eeg2.drop(columns=chans.nan_channel.iloc[0]).notna().all().all()


def test_loaded_spectrogram_window_is_the_spectrogram_of_the_loaded_eeg(root, train):
    from mindstate.io.datasets.hms import load_hms_windows

    w = load_hms_windows(root, fill_nan="none")
    assert w.X["spec"].shape == (len(train), 4, 100, 300)
    assert (w.meta["spec_n_frames"] == 300).all()
    clean = np.flatnonzero((w.meta["nan_fraction"] == 0) & (w.meta["spec_nan_fraction"] == 0))
    assert len(clean) >= len(train) - 10
    r = np.arange(4, 21)  # rows whose ~9 s span lies inside the EEG window
    for i in clean:
        # spectrogram rows sit at odd seconds of the long recording and the EEG window
        # starts at an odd second: drop its first second so that the rows line up
        _, power = hms_spectrogram(w.X["eeg"][i][:, 200:].astype(np.float64) * 1e6)
        # row r (window second 2r + 2) is frame r + 138: both windows share their centre
        np.testing.assert_allclose(w.X["spec"][i][:, :, r + 138], power[:, :, r], rtol=1e-3)


def test_hms_spectrogram_of_a_sine():
    t = np.arange(int(60 * 200)) / 200.0
    data = np.zeros((19, len(t)))
    names = HMS_EEG_CHANNELS[:19]
    data[names.index("F7")] = 50 * np.sin(2 * np.pi * 6.0 * t)  # in LL only
    times, power = hms_spectrogram(data)
    assert power.shape == (4, 100, 30)
    np.testing.assert_array_equal(times[:3], [1, 3, 5])
    ll = power[0, :, 10:20].mean(1)
    assert HMS_SPEC_FREQS[np.argmax(ll)] == pytest.approx(6.0, abs=0.2)
    assert power[[1, 2, 3]].max() == 0.0
    # Parseval: chain PSD summed over frequency ≈ mean pair power (2 of 4 pairs hold F7)
    df = HMS_SPEC_FREQS[1] - HMS_SPEC_FREQS[0]
    assert ll.sum() * df == pytest.approx(2 * 50**2 / 2 / 4, rel=0.05)


def test_determinism(tmp_path):
    a = simulate_hms(tmp_path / "a", n_patients=1, n_eegs_per_patient=1, random_state=5,
                     with_nans=False)
    b = simulate_hms(tmp_path / "b", n_patients=1, n_eegs_per_patient=1, random_state=5,
                     with_nans=False)
    ta, tb = pd.read_csv(a / "train.csv"), pd.read_csv(b / "train.csv")
    pd.testing.assert_frame_equal(ta, tb)
    eeg = f"{ta.eeg_id.iloc[0]}.parquet"
    pd.testing.assert_frame_equal(pd.read_parquet(a / "train_eegs" / eeg),
                                  pd.read_parquet(b / "train_eegs" / eeg))


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="n_patients must be >= 1"):
        simulate_hms(tmp_path / "x", n_patients=0)
    with pytest.raises(TypeError, match="with_nans must be bool"):
        simulate_hms(tmp_path / "x", n_patients=1, with_nans=1)
