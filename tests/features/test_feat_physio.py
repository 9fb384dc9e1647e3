"""Physiology window features: known heart rates, SCR counts, slopes, motion, R-peak F1."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mindstate.features.physio import (
    acc_features,
    ecg_rpeaks,
    eda_features,
    ppg_features,
    rpeak_f1,
    temp_features,
    window_features,
)

nk = pytest.importorskip("neurokit2")


@pytest.mark.parametrize("hr", [60, 90])
def test_heart_rate_of_an_inverted_ppg(hr):
    ppg = nk.ppg_simulate(duration=90, sampling_rate=64, heart_rate=hr, random_state=1)
    f = ppg_features(-ppg, 64.0, invert=True)  # recorded upside down, as the E4 does
    assert f["hr_mean"] == pytest.approx(hr, abs=2.0)
    assert f["few_beats"] == 0.0 and f["n_beats"] > 0.8 * 90 * hr / 60
    assert f["hrv_sdnn"] > 0 and f["hrv_rmssd"] > 0 and np.isfinite(f["hrv_lfhf"])


def test_too_few_beats_is_flagged_not_hidden():
    ppg = nk.ppg_simulate(duration=30, sampling_rate=64, heart_rate=72, random_state=3)
    ppg[64 * 6:] = ppg[64 * 6]  # the sensor slipped after 6 s: about 7 beats in 30 s
    f = ppg_features(-ppg, 64.0)
    assert f["few_beats"] == 1.0 and f["n_beats"] < 10
    flat = ppg_features(np.zeros(64 * 30), 64.0)
    assert flat["few_beats"] == 1.0 and np.isnan(flat["hr_mean"])


def test_scr_count_and_flat_eda():
    eda = nk.eda_simulate(duration=60, sampling_rate=4, scr_number=5, drift=0.01,
                          random_state=0)
    f = eda_features(eda, 4.0)
    assert f["scr_per_min"] == pytest.approx(5, abs=1) and f["scr_amplitude"] > 0.1
    assert f["flat_eda"] == 0.0
    flat = eda_features(np.full(240, 2.0), 4.0)
    assert flat["flat_eda"] == 1.0 and flat["scr_per_min"] == 0.0
    assert flat["eda_tonic_mean"] == pytest.approx(2.0)


def test_temperature_slope_and_motion():
    t = np.arange(240) / 4.0
    f = temp_features(33.0 + 0.5 * t / 60.0, 4.0)  # +0.5 °C per minute
    assert f["temp_slope"] == pytest.approx(0.5, rel=1e-6)
    assert f["temp_mean"] == pytest.approx(33.25, abs=0.01)
    still = np.tile([[0.0], [0.0], [1.0]], (1, 320))
    moving = still + np.sin(np.arange(320) / 3.0) * 0.5
    assert acc_features(still)["motion"] == 0.0 and acc_features(still)["acc_intensity"] == 0
    assert acc_features(moving)["motion"] == 1.0


def test_window_features_report_flags_per_window():
    ppg = nk.ppg_simulate(duration=60, sampling_rate=64, heart_rate=70, random_state=2)
    X = {"bvp": np.stack([-ppg, np.zeros_like(ppg)])[:, None, :],
         "temp": np.full((2, 1, 240), 33.0)}
    feats, flags = window_features(X, {"bvp": 64.0, "temp": 4.0})
    assert list(flags["few_beats"]) == [False, True] and list(flags["any"]) == [False, True]
    assert feats["hr_mean"].iloc[0] == pytest.approx(70, abs=2) and np.isnan(
        feats["hr_mean"].iloc[1])
    with pytest.raises(ValueError, match="rates must give"):
        window_features(X, {"bvp": 64.0})


def test_rpeak_f1_matching_is_one_to_one():
    m = rpeak_f1([100, 205, 400], [100, 200, 300, 400], 100.0, tolerance_s=0.1)
    assert (m["tp"], m["fp"], m["fn"]) == (3, 0, 1)
    assert m["f1"] == pytest.approx(6 / 7)
    m = rpeak_f1([100, 101], [100], 100.0)
    assert (m["tp"], m["fp"]) == (1, 1)


@pytest.mark.realdata
def test_rpeaks_on_mit_bih_record_100(shared_data):
    wfdb = pytest.importorskip("wfdb")
    root = Path(shared_data) / "ecg_ppg_samples"
    rec = wfdb.rdrecord(str(root / "100"))
    ann = wfdb.rdann(str(root / "100"), "atr")
    ref = np.array([s for s, sym in zip(ann.sample, ann.symbol) if sym != "+"])
    m = rpeak_f1(ecg_rpeaks(rec.p_signal[:, 0], rec.fs), ref, rec.fs)
    assert len(ref) == 2273 and m["f1"] > 0.995, m  # measured 0.9993 (2,270 of 2,273)
