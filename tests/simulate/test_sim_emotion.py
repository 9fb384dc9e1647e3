"""Simulated EEG emotion data: ground-truth band gains, subject differences, BIDS layout."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.signal import welch

from mindstate.io.edf import read_edf
from mindstate.simulate.emotion import (
    STATE_GAINS,
    simulate_eeg_emotion,
    simulate_eeg_emotion_recordings,
)

POSTERIOR = ("O1", "O2", "P3", "P4", "Pz")
CENTRAL = ("C3", "C4", "Cz")


@pytest.fixture(scope="module")
def clean():
    """Default population, artifacts off (same neural signal as with artifacts)."""
    return simulate_eeg_emotion_recordings(artifacts=False, random_state=0)


def _band_power_by_class(rec):
    """Mean (alpha at posterior channels, beta at central channels) power per class."""
    sf = rec.sfreq
    lo, hi = rec.meta["bands_hz"]["alpha"]
    blo, bhi = rec.meta["bands_hz"]["beta"]
    ia = [rec.ch_names.index(c) for c in POSTERIOR]
    ib = [rec.ch_names.index(c) for c in CENTRAL]
    out: dict[str, list[tuple[float, float]]] = {}
    for onset, dur, cls in zip(rec.annotations.onset, rec.annotations.duration,
                               rec.annotations.description):
        a = int(onset * sf)
        f, p = welch(rec.data[:, a:a + int(dur * sf)], sf, nperseg=int(2 * sf))
        alpha = p[ia][:, (f >= lo - 0.5) & (f <= hi + 0.5)].sum(1).mean()
        beta = p[ib][:, (f >= blo - 0.5) & (f <= bhi + 0.5)].sum(1).mean()
        out.setdefault(cls, []).append((alpha, beta))
    return {c: np.mean(v, axis=0) for c, v in out.items()}


def test_recordings_structure(clean):
    assert len(clean) == 8
    rec = clean[0]
    assert rec.ch_names[:19][0] == "Fp1" and rec.ch_names[-1] == "VEOG"
    assert rec.ch_types == ["eeg"] * 19 + ["eog"]
    assert rec.sfreq == 128.0
    assert rec.subject == "01" and rec.session == "01"
    assert rec.meta["record"] == "sub-01_ses-01_task-emotion_eeg"
    assert sorted(rec.annotations.description) == sorted(
        [c for c in ("neutral", "happy", "sad") for _ in range(4)])
    np.testing.assert_allclose(rec.annotations.duration, 20.0)
    # trials do not overlap and the file is whole seconds long
    assert np.all(np.diff(rec.annotations.onset) >= 22.0 - 1e-9)
    assert rec.n_times % 128 == 0
    # µV-scale EEG
    rms = rec.data[:19].std(axis=1)
    assert np.all((rms > 3e-6) & (rms < 60e-6))


def test_alpha_beta_ratio_matches_ground_truth(clean):
    errors = []
    for rec in clean:
        m = _band_power_by_class(rec)
        for cls in ("happy", "sad"):
            measured = (m[cls][0] / m["neutral"][0]) / (m[cls][1] / m["neutral"][1])
            expected = STATE_GAINS[cls]["alpha"] / STATE_GAINS[cls]["beta"]
            errors.append(measured / expected - 1)
    errors = np.array(errors)
    assert np.all(np.abs(errors) < 0.15), errors
    assert abs(np.median(errors)) < 0.05


def test_single_band_gains_match(clean):
    m = _band_power_by_class(clean[2])
    assert m["happy"][0] / m["neutral"][0] == pytest.approx(0.6, rel=0.15)
    assert m["sad"][0] / m["neutral"][0] == pytest.approx(1.5, rel=0.15)
    assert m["happy"][1] / m["neutral"][1] == pytest.approx(1.6, rel=0.15)


def test_subjects_differ_in_alpha_peak(clean):
    peaks, truth = [], []
    for rec in clean:
        i = [rec.ch_names.index(c) for c in ("O1", "O2")]
        f, p = welch(rec.data[i], rec.sfreq, nperseg=int(8 * rec.sfreq))
        band = (f >= 7) & (f <= 13)
        peaks.append(f[band][np.argmax(p[:, band].mean(0))])
        truth.append(rec.meta["iaf_hz"])
    np.testing.assert_allclose(peaks, truth, atol=0.5)
    assert max(truth) - min(truth) > 1.5
    assert all(8.5 <= t <= 11.5 for t in truth)


def _log_band_power(recs, window_s=4.0):
    """Log band power (5 bands x 19 channels) of consecutive windows inside each trial."""
    bands = [(1, 4), (4, 8), (8, 13), (13, 30), (30, 45)]
    segs, y, subj, trial = [], [], [], []
    for s, rec in enumerate(recs):
        sf, n = rec.sfreq, int(window_s * rec.sfreq)
        seen: dict[str, int] = {}
        for onset, dur, cls in zip(rec.annotations.onset, rec.annotations.duration,
                                   rec.annotations.description):
            k = seen[cls] = seen.get(cls, -1) + 1
            a = int(onset * sf)
            for w in range(int(dur // window_s)):
                segs.append(rec.data[:19, a + w * n:a + (w + 1) * n])
                y.append(rec.meta["classes"].index(cls))
                subj.append(s)
                trial.append(k)
    f, p = welch(np.stack(segs), recs[0].sfreq, nperseg=int(recs[0].sfreq))
    feats = np.stack([p[..., (f >= lo) & (f < hi)].mean(-1) for lo, hi in bands], -1)
    X = np.log(feats + 1e-30).reshape(len(segs), -1)
    return X, np.array(y), np.array(subj), np.array(trial)


def test_within_subject_beats_cross_subject():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    recs = simulate_eeg_emotion_recordings(n_subjects=6, trial_s=12.0, random_state=0)
    X, y, subj, trial = _log_band_power(recs)
    clf = lambda: make_pipeline(StandardScaler(), LogisticRegression(C=0.1, solver="newton-cg"))
    within, loso = [], []
    for s in range(6):
        m = subj == s
        train, test = m & (trial < 2), m & (trial >= 2)
        within.append(clf().fit(X[train], y[train]).score(X[test], y[test]))
        loso.append(clf().fit(X[~m], y[~m]).score(X[m], y[m]))
    within_acc, loso_acc = float(np.mean(within)), float(np.mean(loso))
    assert within_acc > 0.7
    assert loso_acc > 0.4  # chance is 1/3
    assert within_acc - loso_acc > 0.15


def test_no_subject_variability_makes_cross_subject_easy():
    """With subject_variability=0 the subjects share one model: IAF 10 Hz, same baselines."""
    recs = simulate_eeg_emotion_recordings(n_subjects=2, n_trials_per_class=1, trial_s=4.0,
                                           subject_variability=0.0, artifacts=False,
                                           random_state=0)
    assert [r.meta["iaf_hz"] for r in recs] == [10.0, 10.0]
    assert recs[0].meta["band_baseline"] == recs[1].meta["band_baseline"]


def test_artifacts_add_to_the_same_neural_signal():
    kw = dict(n_subjects=3, n_trials_per_class=1, trial_s=6.0, random_state=4)
    clean = simulate_eeg_emotion_recordings(artifacts=False, **kw)
    dirty = simulate_eeg_emotion_recordings(artifacts=True, **kw)
    bads = [r.meta["bads"] for r in dirty]
    assert sum(len(b) for b in bads) == 1  # one flat channel in one subject
    for c, d in zip(clean, dirty):
        diff = d.data - c.data
        fp1, o1, veog = (d.ch_names.index(n) for n in ("Fp1", "O1", "VEOG"))
        if d.meta["bads"]:
            flat = d.ch_names.index(d.meta["bads"][0])
            assert np.ptp(d.data[flat]) == 0.0
        # blinks: large positive deflections on Fp1 and VEOG, tiny on O1
        assert diff[fp1].max() > 80e-6
        assert diff[veog].max() > diff[fp1].max()
        # 50 Hz line noise is present everywhere
        f, p = welch(diff[o1], d.sfreq, nperseg=256)
        assert f[np.argmax(p)] == 50.0
    assert not any(c.meta["bads"] for c in clean)


def test_sessions_and_custom_gains():
    recs = simulate_eeg_emotion_recordings(
        n_subjects=1, classes=("calm", "stress"), n_trials_per_class=1, trial_s=4.0,
        n_sessions=2, state_gains={"calm": {"alpha": 2.0}, "stress": {"beta": 2.0}},
        artifacts=False, random_state=0)
    assert [(r.subject, r.session) for r in recs] == [("01", "01"), ("01", "02")]
    assert recs[0].meta["state_gains"]["calm"] == {
        "delta": 1.0, "theta": 1.0, "alpha": 2.0, "beta": 1.0, "gamma": 1.0}
    assert recs[0].meta["iaf_hz"] == recs[1].meta["iaf_hz"]
    assert recs[0].meta["band_baseline"] != recs[1].meta["band_baseline"]


def test_determinism():
    kw = dict(n_subjects=2, n_trials_per_class=1, trial_s=4.0)
    a = simulate_eeg_emotion_recordings(random_state=7, **kw)
    b = simulate_eeg_emotion_recordings(random_state=7, **kw)
    c = simulate_eeg_emotion_recordings(random_state=8, **kw)
    np.testing.assert_array_equal(a[1].data, b[1].data)
    assert not np.allclose(a[1].data, c[1].data)


@pytest.mark.parametrize("kwargs,exc,match", [
    ({"classes": ("neutral", "joy")}, ValueError, "no band gains for class 'joy'"),
    ({"state_gains": {"neutral": {"alfa": 2.0}}}, ValueError, "unknown band 'alfa'"),
    ({"state_gains": {"neutral": {"alpha": 0.0}}}, ValueError, "alpha"),
    ({"classes": "neutral"}, TypeError, "classes must be a sequence"),
    ({"classes": ("sad", "sad")}, ValueError, "classes must be unique"),
    ({"sfreq": 64.0}, ValueError, "sfreq must be in"),
    ({"n_subjects": 0}, ValueError, "n_subjects must be >= 1"),
    ({"artifacts": "yes"}, TypeError, "artifacts must be bool"),
    ({"random_state": -1}, ValueError, "non-negative"),
    ({"random_state": 1.5}, TypeError, "random_state must be an int"),
])
def test_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        simulate_eeg_emotion_recordings(n_trials_per_class=1, trial_s=4.0, **kwargs)


@pytest.fixture(scope="module")
def bids_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("emo") / "ds"
    return simulate_eeg_emotion(root, n_subjects=3, n_trials_per_class=2, trial_s=8.0,
                                random_state=3)


def test_bids_layout(bids_root):
    desc = json.loads((bids_root / "dataset_description.json").read_text())
    assert desc["Name"] == "mindstate simulated EEG emotion"
    assert desc["BIDSVersion"] == "1.9.0"
    assert desc["classes"] == ["neutral", "happy", "sad"]
    assert desc["GeneratedBy"][0]["Name"] == "mindstate"
    assert desc["seed"] == 3
    assert desc["ground_truth"]["state_gains"]["happy"]["alpha"] == 0.6
    parts = pd.read_csv(bids_root / "participants.tsv", sep="\t")
    assert list(parts["participant_id"]) == ["sub-01", "sub-02", "sub-03"]
    assert parts["iaf_hz"].between(8.5, 11.5).all()
    eeg = bids_root / "sub-02" / "ses-01" / "eeg"
    stem = "sub-02_ses-01_task-emotion"
    ch = pd.read_csv(eeg / f"{stem}_channels.tsv", sep="\t")
    assert list(ch.columns) == ["name", "type", "units", "status"]
    assert list(ch["type"].unique()) == ["EEG", "EOG"]
    assert set(ch["units"]) == {"V"}
    ev = pd.read_csv(eeg / f"{stem}_events.tsv", sep="\t")
    assert list(ev.columns) == ["onset", "duration", "trial_type"]
    assert len(ev) == 6 and set(ev["trial_type"]) == {"neutral", "happy", "sad"}
    sidecar = json.loads((eeg / f"{stem}_eeg.json").read_text())
    assert sidecar["SamplingFrequency"] == 128.0


def test_bids_edf_matches_memory_and_marks_bad_channel(bids_root):
    recs = simulate_eeg_emotion_recordings(n_subjects=3, n_trials_per_class=2, trial_s=8.0,
                                           random_state=3)
    bad_total = 0
    for rec in recs:
        stem = f"sub-{rec.subject}_ses-01_task-emotion"
        folder = bids_root / f"sub-{rec.subject}" / "ses-01" / "eeg"
        back = read_edf(folder / f"{stem}_eeg.edf")
        assert back.ch_names == rec.ch_names
        assert len(back.annotations) == 0  # events live in events.tsv
        np.testing.assert_allclose(back.data, rec.data, atol=2e-8)
        ch = pd.read_csv(folder / f"{stem}_channels.tsv", sep="\t")
        assert list(ch.loc[ch["status"] == "bad", "name"]) == rec.meta["bads"]
        bad_total += len(rec.meta["bads"])
    assert bad_total == 1


def test_bids_reader_reads_the_simulation(bids_root):
    from mindstate.io.datasets import DATASETS

    reader = DATASETS.get("bids-eeg")()
    paths = reader.find(bids_root)
    assert len(paths) == 3
    rec = reader.read(paths[0])
    assert tuple(reader.classes) == ("neutral", "happy", "sad")
    assert rec.ch_types[-1] == "eog"
    assert sorted(set(rec.annotations.description)) == ["happy", "neutral", "sad"]


def test_refuses_non_empty_folder(bids_root):
    with pytest.raises(FileExistsError, match="not empty; pass overwrite=True"):
        simulate_eeg_emotion(bids_root, n_subjects=1, n_trials_per_class=1, trial_s=4.0)
