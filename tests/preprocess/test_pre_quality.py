"""Tests for mindstate.preprocess.quality."""

from __future__ import annotations

import json

import mne
import numpy as np
import pytest

from mindstate.exceptions import DataQualityError
from mindstate.io.recording import Recording
from mindstate.preprocess.quality import (
    QUALITY_COMPONENTS,
    artifact_ratio,
    channel_quality,
    line_noise_ratio,
    quality_report,
    snr_db,
)

NAMES = ["Fp1", "Fp2", "F7", "F3", "Fz", "F4", "F8", "T7", "C3", "Cz", "C4", "T8",
         "P7", "P3", "Pz", "P4", "P8", "O1", "O2"]
SFREQ = 256.0


def _pink(rng, shape, sfreq):
    n = shape[-1]
    spec = np.fft.rfft(rng.standard_normal(shape), axis=-1)
    f = np.fft.rfftfreq(n, 1 / sfreq)
    f[0] = f[1]
    x = np.fft.irfft(spec / np.sqrt(f), n=n, axis=-1)
    return x / x.std(axis=-1, keepdims=True)


@pytest.fixture(scope="module")
def eeg():
    """Spatially smooth 1/f background (about 20 µV) over the 10-20 montage, 20 s."""
    rng = np.random.default_rng(3)
    table = mne.channels.make_standard_montage("colin27_1020").get_positions()["ch_pos"]
    pos = np.stack([table[c] for c in NAMES])
    n = int(20 * SFREQ)
    src = rng.standard_normal((8, 3))
    src[:, 2] = np.abs(src[:, 2])
    src = 0.08 * src / np.linalg.norm(src, axis=1, keepdims=True)
    lead = np.exp(-np.linalg.norm(pos[:, None] - src[None], axis=-1) ** 2 / (2 * 0.06**2))
    X = lead @ _pink(rng, (8, n), SFREQ)
    return X / X.std() * 20e-6 + 2e-6 * _pink(rng, X.shape, SFREQ)


# ---------------------------------------------------------------------- snr_db
def test_snr_db_values(rng):
    t = np.arange(int(8 * SFREQ)) / SFREQ
    sig = 10e-6 * np.sin(2 * np.pi * 10 * t)
    noise = rng.standard_normal((2, t.size))
    X = np.stack([sig + 0.1e-6 * noise[0], sig + 3e-6 * noise[1]])
    snr = snr_db(X, SFREQ)
    assert snr.shape == (2,)
    assert snr[0] > snr[1] + 20
    # white noise of SD s has power s² * (width / nyquist) in a band; sine power = A²/2
    expected = 10 * np.log10((50e-12 + 9e-12 * 29 / 128) / (9e-12 * (115.2 - 30) / 128))
    assert snr[1] == pytest.approx(expected, abs=0.5)
    # explicit band; flat series read 0 dB; windows are supported
    assert snr_db(X, SFREQ, (8, 12), (40, 60))[1] > snr[1]
    Xf = X.copy()
    Xf[0] = 0.0
    assert snr_db(Xf, SFREQ)[0] == pytest.approx(0.0)
    assert snr_db(np.stack([X, X]), SFREQ).shape == (2, 2)


def test_snr_db_errors():
    X = np.zeros((2, 512))
    with pytest.raises(DataQualityError, match="every series of X is flat"):
        snr_db(X, SFREQ)
    with pytest.raises(ValueError, match="default noise band.*is empty"):
        snr_db(np.ones((2, 512)), 60.0)
    with pytest.raises(ValueError, match="signal_band must satisfy"):
        snr_db(np.ones((2, 512)), SFREQ, signal_band=(30, 10))
    with pytest.raises(ValueError, match="noise_band must be"):
        snr_db(np.ones((2, 512)), SFREQ, noise_band=5)
    bad = np.ones((2, 512))
    bad[0, 0] = np.inf
    with pytest.raises(DataQualityError, match="NaN/Inf"):
        snr_db(bad, SFREQ)


# ---------------------------------------------------------------------- artifact_ratio
def test_artifact_ratio(rng):
    X = 5e-6 * rng.standard_normal((3, int(10 * SFREQ)))
    before = X.copy()
    X2 = X.copy()
    X2[1, 300:310] += 400e-6  # segment 1
    X2[1, 2000:2002] += 200e-6  # segment 7 (a step: gradient criterion)
    X2[2, 2500] += 1e-3  # segment 9
    ratio = artifact_ratio(X2, SFREQ)
    np.testing.assert_allclose(ratio, [0.0, 0.2, 0.1])
    assert artifact_ratio(X, SFREQ).max() == 0.0
    np.testing.assert_array_equal(X, before)
    # gradient-only: 100 µV step per sample at 256 Hz = 0.0256 V/s
    step = X.copy()
    step[0, 500:] += 100e-6
    assert artifact_ratio(step, SFREQ, ptp_thresh=1.0, grad_thresh=0.02)[0] == pytest.approx(0.1)
    assert artifact_ratio(step, SFREQ, ptp_thresh=1.0, grad_thresh=0.05)[0] == 0.0
    assert artifact_ratio(X2[None], SFREQ, segment_s=100.0).shape == (1, 3)


def test_artifact_ratio_errors():
    X = np.zeros((2, 512))
    with pytest.raises(ValueError, match="ptp_thresh must be in"):
        artifact_ratio(X, SFREQ, ptp_thresh=0)
    with pytest.raises(ValueError, match="segment_s must be in"):
        artifact_ratio(X, SFREQ, segment_s=-1)
    with pytest.raises(ValueError, match="sfreq must be in"):
        artifact_ratio(X, 0.0)


# ---------------------------------------------------------------------- line noise
def test_line_noise_ratio(rng):
    t = np.arange(int(8 * SFREQ)) / SFREQ
    base = 5e-6 * rng.standard_normal((2, t.size))
    base[1] += 20e-6 * np.sin(2 * np.pi * 50 * t)
    ratio = line_noise_ratio(base, SFREQ)
    assert ratio[0] < 0.05 and ratio[1] > 0.8
    assert line_noise_ratio(base, SFREQ, 60.0)[1] < 0.05
    assert line_noise_ratio(np.zeros((1, 512)), SFREQ)[0] == 0.0
    with pytest.raises(ValueError, match="line_freq must be in"):
        line_noise_ratio(base, 100.0, 50.0)


# ---------------------------------------------------------------------- channel_quality
def test_channel_quality_ranks_channels(eeg, rng):
    q_clean = channel_quality(eeg, NAMES, SFREQ)
    assert q_clean.shape == (19,) and q_clean.min() > 0.8
    X = eeg.copy()
    t = np.arange(X.shape[1]) / SFREQ
    X[NAMES.index("C3")] = 0.0  # flat
    X[NAMES.index("P4")] += 60e-6 * rng.standard_normal(X.shape[1])  # noisy
    X[NAMES.index("O1")] += 40e-6 * np.sin(2 * np.pi * 50 * t)  # line noise
    X[NAMES.index("T8")] = np.std(eeg[11]) * _pink(rng, (1, X.shape[1]), SFREQ)[0]  # isolated
    before = X.copy()
    q, comps = channel_quality(X, NAMES, SFREQ, return_components=True)
    np.testing.assert_array_equal(X, before)
    assert set(comps) == set(QUALITY_COMPONENTS)
    assert np.all((q >= 0) & (q <= 1))
    for v in comps.values():
        assert np.all((v >= 0) & (v <= 1))
    np.testing.assert_allclose(q, np.prod([comps[k] for k in QUALITY_COMPONENTS], axis=0))
    i = {c: NAMES.index(c) for c in ("C3", "P4", "O1", "T8", "Cz")}
    assert q[i["C3"]] == 0.0 and comps["flat"][i["C3"]] == 0.0
    assert q[i["P4"]] < 0.3 and comps["high_freq"][i["P4"]] < 0.5
    assert q[i["O1"]] < 0.5 and comps["line"][i["O1"]] < 0.5
    assert q[i["T8"]] < 0.6 and comps["correlation"][i["T8"]] < 0.6
    assert q[i["Cz"]] > 0.8
    # without a line term, mains noise counts as high-frequency noise; windows are concatenated
    _, c_noline = channel_quality(X, NAMES, SFREQ, line_freq=None, return_components=True)
    np.testing.assert_array_equal(c_noline["line"], 1.0)
    assert c_noline["high_freq"][i["O1"]] < 0.5 < comps["high_freq"][i["O1"]]
    W = X[:, : 20 * 256].reshape(19, 4, -1).transpose(1, 0, 2)
    np.testing.assert_allclose(channel_quality(W, NAMES, SFREQ)[i["C3"]], 0.0)


def test_channel_quality_errors(eeg):
    with pytest.raises(DataQualityError, match="every channel is flat"):
        channel_quality(np.zeros_like(eeg), NAMES, SFREQ)
    names = list(NAMES)
    names[0] = "Fpp1"
    with pytest.raises(ValueError, match="no position.*Did you mean 'Fp1'"):
        channel_quality(eeg, names, SFREQ)
    with pytest.raises(ValueError, match="at least 3 channels"):
        channel_quality(eeg[:2], NAMES[:2], SFREQ)
    with pytest.raises(ValueError, match="corr_ok must be in"):
        channel_quality(eeg, NAMES, SFREQ, corr_ok=0.0)
    with pytest.raises(TypeError, match="return_components must be bool"):
        channel_quality(eeg, NAMES, SFREQ, return_components=1)
    nan = eeg.copy()
    nan[2, 2] = np.nan
    with pytest.raises(DataQualityError, match="NaN"):
        channel_quality(nan, NAMES, SFREQ)


# ---------------------------------------------------------------------- quality_report
def test_quality_report(eeg):
    X = np.vstack([eeg, eeg[:1]])
    X[NAMES.index("Cz")] = 0.0
    rec = Recording(X, SFREQ, NAMES + ["ECG"], ch_types=["eeg"] * 19 + ["ecg"])
    rep = quality_report(rec)
    json.dumps(rep)  # plain Python types only
    assert rep["ch_names"] == NAMES  # the ECG channel is not scored
    assert len(rep["quality"]) == len(rep["snr_db"]) == len(rep["artifact_ratio"]) == 19
    assert rep["bad_channels"]["flat"] == ["Cz"]
    assert rep["quality"][NAMES.index("Cz")] == 0.0
    assert rep["mean_quality"] == pytest.approx(np.mean(rep["quality"]))
    assert rep["duration_s"] == pytest.approx(20.0) and rep["sfreq"] == SFREQ
    assert set(rep["components"]) == set(QUALITY_COMPONENTS)


def test_quality_report_errors(eeg):
    with pytest.raises(TypeError, match="rec must be Recording"):
        quality_report(eeg)
    rec = Recording(eeg[:2], SFREQ, ["ECG1", "ECG2"], ch_types=["ecg", "ecg"])
    with pytest.raises(ValueError, match="no EEG channel"):
        quality_report(rec)
