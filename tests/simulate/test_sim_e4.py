"""Simulated Empatica E4 sessions: file conventions and stress ground truth."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pytest

from mindstate.simulate.e4 import E4_GROUND_TRUTH, simulate_e4, simulate_e4_recordings


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return simulate_e4(tmp_path_factory.mktemp("e4") / "sp", n_subjects=4, duration_s=600.0,
                       random_state=0)


@pytest.fixture(scope="module")
def truth(root):
    return json.loads((root / "ground_truth.json").read_text())


def _e4(path):
    frame = pd.read_csv(path, header=None)
    return float(frame.iloc[0, 0]), float(frame.iloc[1, 0]), frame.iloc[2:].to_numpy(float)


def _masks(t, blocks, settle):
    stress = np.zeros(len(t), bool)
    transition = np.zeros(len(t), bool)
    for a, b, _ in blocks:
        stress |= (t >= a) & (t < b)
        transition |= ((t >= a) & (t < a + settle)) | ((t >= b) & (t < b + settle))
    return stress, ~transition


def test_layout_and_headers(root):
    assert sorted(p.name for p in (root / "raw").iterdir()) == ["S01", "S02", "S03", "S04"]
    s = root / "raw" / "S02"
    assert sorted(p.name for p in s.iterdir()) == [
        "ACC.csv.gz", "BVP.csv.gz", "EDA.csv.gz", "HR.csv.gz", "IBI.csv.gz", "TEMP.csv.gz",
        "tags_S02.csv"]
    lines = {n: gzip.open(s / f"{n}.csv.gz", "rt").read().splitlines()
             for n in ("ACC", "BVP", "EDA", "HR", "IBI", "TEMP")}
    t0 = float(lines["EDA"][0])
    assert t0 == int(t0)
    assert lines["ACC"][1] == "32.000000, 32.000000, 32.000000"
    assert lines["BVP"][1] == "64.000000" and lines["EDA"][1] == "4.000000"
    assert lines["TEMP"][1] == "4.000000" and lines["HR"][1] == "1.000000"
    assert lines["BVP"][0] == f"{t0:.2f}"
    assert float(lines["HR"][0]) == t0 + 10  # HR starts 10 s late
    assert lines["IBI"][0] == f"{t0:.6f}, IBI"
    assert len(lines["BVP"]) - 2 == 600 * 64 and len(lines["ACC"]) - 2 == 600 * 32
    assert len(lines["EDA"]) - 2 == 600 * 4 and len(lines["HR"]) - 2 == 590
    assert float(lines["EDA"][2]) == 0.0  # the E4's settling first sample
    acc = np.array([r.split(",") for r in lines["ACC"][2:]], dtype=int)
    assert acc.shape[1] == 3 and np.abs(acc).max() <= 128
    g = np.linalg.norm(acc, axis=1)
    assert np.median(g) == pytest.approx(64, abs=4)  # 1 g = 64 counts at rest
    tags = (s / "tags_S02.csv").read_bytes()
    assert tags.count(b"\r\n") == 7


def test_ibi_quantised_and_consistent(root):
    ibi = pd.read_csv(root / "raw" / "S01" / "IBI.csv.gz")
    assert list(ibi.columns)[1] == " IBI"
    t, rr = ibi.iloc[:, 0].to_numpy(), ibi.iloc[:, 1].to_numpy()
    np.testing.assert_allclose(t * 64, np.round(t * 64), atol=1e-6)
    np.testing.assert_allclose(rr * 64, np.round(rr * 64), atol=1e-6)
    assert np.all((rr > 0.4) & (rr < 1.5))
    # each interval ends at its beat: consecutive detected beats differ by exactly rr
    consecutive = np.isclose(np.diff(t), rr[1:])
    assert consecutive.mean() > 0.5


def test_bvp_beats_are_troughs(root):
    t0, fs, bvp = _e4(root / "raw" / "S01" / "BVP.csv.gz")
    ibi = pd.read_csv(root / "raw" / "S01" / "IBI.csv.gz")
    beat_idx = np.round(ibi.iloc[:, 0].to_numpy() * fs).astype(int)
    beat_idx = beat_idx[(beat_idx > 10) & (beat_idx < len(bvp) - 10)]
    x = bvp[:, 0]
    troughs = [np.argmin(x[i - 10:i + 11]) - 10 for i in beat_idx]
    peaks = [np.argmax(x[i - 10:i + 11]) - 10 for i in beat_idx]
    assert np.mean(np.abs(troughs) <= 2) > 0.7
    assert np.mean(np.abs(peaks) <= 2) < 0.1


def test_heart_rate_rises_by_the_requested_amount(root, truth):
    errors = []
    for name, p in truth["subjects"].items():
        t0, _, hr = _e4(root / "raw" / name / "HR.csv.gz")
        t = t0 + np.arange(len(hr))
        stress, steady = _masks(t, p["stress_blocks_unix"], 20)
        measured = hr[stress & steady, 0].mean() - hr[~stress & steady, 0].mean()
        errors.append(measured - p["hr_delta_bpm"])
        # the same from the IBI events
        ibi = pd.read_csv(root / "raw" / name / "IBI.csv.gz")
        tb = float(ibi.columns[0]) + ibi.iloc[:, 0].to_numpy()
        rate = 60.0 / ibi.iloc[:, 1].to_numpy()
        sb, ok = _masks(tb, p["stress_blocks_unix"], 20)
        assert rate[sb & ok].mean() - rate[~sb & ok].mean() == pytest.approx(
            p["hr_delta_bpm"], abs=3.0)
    errors = np.array(errors)
    assert np.all(np.abs(errors) < 3.0), errors
    assert abs(errors.mean()) < 1.5


def test_eda_level_and_scr_rate_higher_under_stress(root, truth):
    for name, p in truth["subjects"].items():
        t0, fs, eda = _e4(root / "raw" / name / "EDA.csv.gz")
        v = eda[:, 0]
        t = t0 + np.arange(len(v)) / fs
        stress, steady = _masks(t, p["stress_blocks_unix"], 60)
        ratio = v[stress & steady].mean() / v[~stress & steady & (t > t0 + 1)].mean()
        assert ratio == pytest.approx(p["eda_stress_factor"], rel=0.12)
        # rising edges of the smoothed derivative = skin-conductance responses
        d = np.convolve(np.diff(v), np.ones(4) / 4, "same")
        up = np.flatnonzero((d[1:] > 0.01) & (d[:-1] <= 0.01)) + 1
        up = up[t[up] > t0 + 1]
        stress_rate = stress[up].sum() / stress.sum()
        rest_rate = (~stress[up]).sum() / (~stress).sum()
        assert stress_rate > 1.5 * rest_rate


def test_temperature_drops_under_stress(root, truth):
    diffs, expected = [], []
    for name, p in truth["subjects"].items():
        t0, fs, temp = _e4(root / "raw" / name / "TEMP.csv.gz")
        t = t0 + np.arange(len(temp)) / fs
        stress, steady = _masks(t, p["stress_blocks_unix"], 60)
        warm = t > t0 + 300  # after the sensor has warmed up
        diffs.append(temp[stress & steady, 0].mean() - temp[~stress & steady & warm, 0].mean())
        expected.append(p["temp_delta_c"])
    assert np.mean(diffs) < 0
    assert np.mean(diffs) == pytest.approx(np.mean(expected), abs=0.2)


def test_processed_file(root):
    frame = pd.read_csv(root / "processed" / "Improved_All_Combined_hr_rsp_binary.csv.gz")
    assert list(frame.columns) == ["Participant", "HR", "respr", "Time(sec)", "Label"]
    assert frame["Participant"].dtype.kind == "i" and frame["Label"].dtype.kind == "i"
    assert sorted(frame["Participant"].unique()) == [1, 2, 3, 4]
    one = frame[frame["Participant"] == 3]
    t0, _, hr = _e4(root / "raw" / "S03" / "HR.csv.gz")
    assert one["Time(sec)"].iloc[0] == t0 - 1  # start + 9 s; HR.csv starts at start + 10 s
    assert np.all(np.diff(one["Time(sec)"]) == 1)
    np.testing.assert_allclose(one["HR"].to_numpy(), hr[:, 0])
    assert 0.2 < one["Label"].mean() < 0.5
    stress = one["Label"] == 1
    assert one.loc[stress, "respr"].mean() > one.loc[~stress, "respr"].mean() + 1.5
    tags = np.loadtxt(root / "raw" / "S03" / "tags_S03.csv")
    switches = one["Time(sec)"].to_numpy()[np.flatnonzero(np.diff(one["Label"])) + 1]
    np.testing.assert_array_equal(switches, tags[:6])


def test_memory_matches_files_and_stress_reader(root):
    from mindstate.io.datasets import DATASETS

    recs = simulate_e4_recordings(n_subjects=4, duration_s=600.0, random_state=0)
    reader = DATASETS.get("stress-predict")()
    paths = reader.find(root)
    assert [p.name for p in paths] == ["S01", "S02", "S03", "S04"]
    back = reader.read(paths[1])
    mem = recs[1]
    for key, sig in mem.signals.items():
        assert back.signals[key].start == sig.start
        np.testing.assert_allclose(back.signals[key].data, sig.data, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(back.events["ibi"], mem.events["ibi"])
    np.testing.assert_array_equal(back.labels[1], mem.labels[1])
    assert mem.signals["eda"].unit == "S" and mem.signals["eda"].data.max() < 1e-4
    assert mem.signals["acc"].unit == "m/s^2"


def test_recordings_structure_and_determinism():
    a = simulate_e4_recordings(n_subjects=2, duration_s=200.0, random_state=1)
    b = simulate_e4_recordings(n_subjects=2, duration_s=200.0, random_state=1)
    assert [r.subject for r in a] == ["S01", "S02"]
    np.testing.assert_array_equal(a[1].signals["bvp"].data, b[1].signals["bvp"].data)
    rec = a[0]
    assert {k: s.sfreq for k, s in rec.signals.items()} == {
        "bvp": 64.0, "eda": 4.0, "temp": 4.0, "acc": 32.0, "hr": 1.0}
    assert rec.signals["hr"].start == rec.signals["bvp"].start + 10
    assert rec.labels[0][0] == rec.signals["bvp"].start + 9
    assert len(rec.meta["stress_blocks"]) == 3
    assert set(rec.meta["ground_truth"]) >= {"hr_delta_bpm", "eda_stress_factor"}
    assert E4_GROUND_TRUTH["hr_delta_bpm"] == (12.0, 3.0)


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="duration_s must be in"):
        simulate_e4_recordings(duration_s=60.0)
    with pytest.raises(ValueError, match="n_subjects must be >= 1"):
        simulate_e4(tmp_path / "x", n_subjects=0)
