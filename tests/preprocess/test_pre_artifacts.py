"""Tests for mindstate.preprocess.artifacts (ICA, bad channels, spikes, wavelets, drift)."""

from __future__ import annotations

import importlib.util
import warnings

import mne
import numpy as np
import pytest
from scipy.signal import butter, sosfiltfilt, welch

from mindstate.exceptions import DataQualityError, NotFittedError
from mindstate.io.recording import Recording
from mindstate.preprocess.artifacts import (
    ICAArtifactRemover,
    correct_baseline_drift,
    detect_bad_channels,
    interpolate_bad_channels,
    remove_spike_artifacts,
    wavelet_denoise,
)

NAMES = ["Fp1", "Fp2", "F7", "F3", "Fz", "F4", "F8", "T7", "C3", "Cz", "C4", "T8",
         "P7", "P3", "Pz", "P4", "P8", "O1", "O2"]
FRONTAL = ["Fp1", "Fp2", "F7", "F3", "Fz", "F4", "F8"]
POSTERIOR = ["P7", "P3", "Pz", "P4", "P8", "O1", "O2"]
SFREQ = 128.0


def _positions(names):
    table = mne.channels.make_standard_montage("colin27_1020").get_positions()["ch_pos"]
    return np.stack([table[c] for c in names])


def _pink(rng, shape, sfreq):
    n = shape[-1]
    spec = np.fft.rfft(rng.standard_normal(shape), axis=-1)
    f = np.fft.rfftfreq(n, 1 / sfreq)
    f[0] = f[1]
    x = np.fft.irfft(spec / np.sqrt(f), n=n, axis=-1)
    return x / x.std(axis=-1, keepdims=True)


def simulate_eeg(rng, names=NAMES, sfreq=SFREQ, duration=30.0, n_src=8, amp=20e-6):
    """Spatially smooth 1/f sources + occipital alpha + small pink sensor noise (volts).

    Sources sit on a Fibonacci lattice of the upper hemisphere (radius 8 cm), so every
    electrode sees comparable background power.
    """
    n = int(sfreq * duration)
    t = np.arange(n) / sfreq
    pos = _positions(names)
    k = np.arange(n_src) + 0.5
    z = 1 - k / n_src * 1.1  # down to slightly below the equator
    phi = np.pi * (1 + 5**0.5) * k + rng.uniform(0, 2 * np.pi)
    rho = np.sqrt(1 - np.clip(z, -1, 1) ** 2)
    src = 0.08 * np.stack([rho * np.cos(phi), rho * np.sin(phi), z], axis=1)
    lead = np.exp(-np.linalg.norm(pos[:, None] - src[None], axis=-1) ** 2 / (2 * 0.05**2))
    X = lead @ _pink(rng, (n_src, n), sfreq)
    occ = np.exp(-((pos[:, 1] - pos[:, 1].min()) ** 2) / (2 * 0.04**2))
    alpha = np.sin(2 * np.pi * 10 * t) * (1 + 0.5 * np.sin(2 * np.pi * 0.2 * t))
    X = X / X.std() * amp + np.outer(occ, alpha) * amp
    return X + 2e-6 * _pink(rng, X.shape, sfreq)


def blinks(rng, names, sfreq, n_times, amp=150e-6, dur=0.3, every=4.0):
    """Frontal-weighted 300 ms Hanning bumps of 150 µV."""
    y = _positions(names)[:, 1]
    w = np.clip((y - y.min()) / (y.max() - y.min()), 0, 1) ** 3
    L = int(dur * sfreq)
    b = np.zeros(n_times)
    for o in np.arange(int(sfreq), n_times - 2 * L, int(every * sfreq)):
        o += rng.integers(-int(sfreq / 2), int(sfreq / 2))
        b[o:o + L] += np.hanning(L)
    return np.outer(w, b) * amp, b * amp


@pytest.fixture(scope="module")
def eeg():
    return simulate_eeg(np.random.default_rng(7))


def _idx(names):
    return [NAMES.index(c) for c in names]


def _corr(a, b):
    return np.array([np.corrcoef(x, y)[0, 1] for x, y in zip(a, b)])


# ====================================================================== ICA
def test_ica_removes_blinks_and_spares_other_channels(eeg):
    rng = np.random.default_rng(1)
    B, _ = blinks(rng, NAMES, SFREQ, eeg.shape[1])
    X = eeg + B
    before = X.copy()
    ica = ICAArtifactRemover(n_components=15)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FastICA convergence on Gaussian background
        clean = ica.fit_transform(X, NAMES, SFREQ)
    np.testing.assert_array_equal(X, before)
    assert ica.labels_["eog"] and ica.exclude_ == sorted(ica.labels_["eog"] +
                                                          ica.labels_["muscle"])
    assert ica.eog_refs_ == ["Fp1", "Fp2", "F7", "F8"]
    assert ica.eog_scores_.max() > 0.9
    r_before = _corr(X[_idx(FRONTAL)], eeg[_idx(FRONTAL)])
    r_after = _corr(clean[_idx(FRONTAL)], eeg[_idx(FRONTAL)])
    assert r_before.min() < 0.6
    assert r_after.min() >= 0.9, r_after
    post = _idx(POSTERIOR)
    assert _corr(clean[post], eeg[post]).min() > 0.99
    rel_err = np.std(clean[post] - eeg[post], axis=1) / np.std(eeg[post], axis=1)
    assert rel_err.max() < 0.1


def test_ica_with_eog_channel_in_recording(eeg):
    rng = np.random.default_rng(2)
    B, b = blinks(rng, NAMES, SFREQ, eeg.shape[1])
    eog = 1.5 * b + 5e-6 * rng.standard_normal(b.size)
    rec = Recording(np.vstack([eeg + B, eog]), SFREQ, NAMES + ["VEOG"],
                    ch_types=["eeg"] * len(NAMES) + ["eog"])
    ica = ICAArtifactRemover(n_components=15)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = ica.fit(rec).transform(rec)
    assert isinstance(out, Recording) and out.ch_names == rec.ch_names
    assert ica.eog_refs_ == ["VEOG"] and ica.eeg_names_ == NAMES
    np.testing.assert_array_equal(out.data[-1], rec.data[-1])  # EOG row untouched
    assert _corr(out.data[_idx(FRONTAL)], eeg[_idx(FRONTAL)]).min() >= 0.9


def test_ica_muscle_component(eeg):
    rng = np.random.default_rng(3)
    n = eeg.shape[1]
    emg = sosfiltfilt(butter(4, 20, "highpass", fs=SFREQ, output="sos"), rng.standard_normal(n))
    env = np.zeros(n)
    for o in range(int(2 * SFREQ), n - int(3 * SFREQ), int(6 * SFREQ)):
        env[o:o + int(2 * SFREQ)] = 1
    pos = _positions(NAMES)
    w = np.exp(-np.linalg.norm(pos - pos[NAMES.index("T7")], axis=1) ** 2 / (2 * 0.03**2))
    X = eeg + np.outer(w, emg * env / np.std(emg * env) * 30e-6)
    ica = ICAArtifactRemover(n_components=15)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clean = ica.fit_transform(X, NAMES, SFREQ)
    assert len(ica.labels_["muscle"]) >= 1 and ica.labels_["eog"] == []
    assert ica.muscle_scores_[ica.labels_["muscle"]].min() > -0.5
    f, p_true = welch(eeg[NAMES.index("T7")], SFREQ)
    _, p_cont = welch(X[NAMES.index("T7")], SFREQ)
    _, p_clean = welch(clean[NAMES.index("T7")], SFREQ)
    hf = (f >= 20) & (f <= 45)
    assert p_cont[hf].sum() > 10 * p_true[hf].sum()
    assert p_clean[hf].sum() < 2 * p_true[hf].sum()


def test_ica_clean_data_keeps_everything(eeg):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ica = ICAArtifactRemover(n_components=15).fit(eeg, NAMES, SFREQ)
    assert ica.exclude_ == []
    np.testing.assert_allclose(ica.transform(eeg, NAMES, SFREQ), eeg, atol=1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_ica_warns_on_unfiltered_data_without_internal_highpass(eeg):
    t = np.arange(eeg.shape[1]) / SFREQ
    drift = 2e-3 + 300e-6 * np.sin(2 * np.pi * 0.05 * t)
    with pytest.warns(UserWarning, match="high-pass"):
        ICAArtifactRemover(n_components=5, fit_highpass=None, max_iter=50).fit(
            eeg + drift, NAMES, SFREQ)


def test_ica_errors(eeg):
    ica = ICAArtifactRemover(n_components=5)
    with pytest.raises(NotFittedError, match="not fitted"):
        ica.transform(eeg, NAMES, SFREQ)
    with pytest.raises(ValueError, match="ch_names and sfreq are required"):
        ica.fit(eeg)
    bad = eeg.copy()
    bad[3, 10] = np.inf
    with pytest.raises(DataQualityError, match="NaN/Inf.*F3"):
        ica.fit(bad, NAMES, SFREQ)
    flat = eeg.copy()
    flat[4] = 1e-6
    with pytest.raises(DataQualityError, match=r"flat channel\(s\) \['Fz'\]"):
        ica.fit(flat, NAMES, SFREQ)
    with pytest.raises(ValueError, match="eog_channels lacks.*Did you mean 'Fp1'"):
        ICAArtifactRemover(eog_channels=["Fp11"]).fit(eeg, NAMES, SFREQ)
    with pytest.raises(ValueError, match="at least 2 EEG channels"):
        ica.fit(eeg[:1], ["Cz"], SFREQ)
    with pytest.raises(ValueError, match="method must be one of.*Did you mean 'fastica'"):
        ICAArtifactRemover(method="fastic").fit(eeg, NAMES, SFREQ)
    with pytest.raises(ValueError, match="eog_threshold must be in"):
        ICAArtifactRemover(eog_threshold=1.5).fit(eeg, NAMES, SFREQ)
    with pytest.raises(ValueError, match=r"must have 2 dimensions \(n_chans, n_times\)"):
        ica.fit(eeg[None], NAMES, SFREQ)
    if importlib.util.find_spec("picard") is None:
        with pytest.raises(ValueError, match="python-picard"):
            ICAArtifactRemover(method="picard").fit(eeg, NAMES, SFREQ)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ica.fit(eeg, NAMES, SFREQ)
    with pytest.raises(ValueError, match=r"missing \['O2'\]"):
        ica.transform(eeg[:-1], NAMES[:-1], SFREQ)
    with pytest.raises(ValueError, match="sfreq must equal the fitted sfreq"):
        ica.transform(eeg, NAMES, 256.0)
    rec = Recording(eeg, SFREQ, NAMES)
    with pytest.raises(ValueError, match="sfreq must be None"):
        ica.transform(rec, sfreq=100.0)
    with pytest.raises(ValueError, match="ch_names must be None"):
        ica.transform(rec, ch_names=NAMES[::-1])
    with pytest.raises(ValueError, match="muscle_band must be"):
        ICAArtifactRemover(n_components=5, muscle_band=(60, 80)).fit(eeg, NAMES, SFREQ)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_ica_warns_when_everything_is_flagged(eeg):
    with pytest.warns(UserWarning, match="Every ICA component was flagged"):
        ICAArtifactRemover(n_components=3, muscle_slope_threshold=-10.0, max_iter=50).fit(
            eeg, NAMES, SFREQ)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_ica_warns_without_any_eog_reference(eeg):
    names = [f"E{i}" for i in range(len(NAMES))]
    with pytest.warns(UserWarning, match="No EOG channel"):
        ICAArtifactRemover(n_components=5, max_iter=50).fit(eeg, names, SFREQ)


# ====================================================================== bad channels
def test_detect_bad_channels_clean_and_flat_noisy(eeg, rng):
    assert detect_bad_channels(eeg, NAMES, SFREQ)["bads"] == []
    X = eeg.copy()
    X[NAMES.index("C3")] = 3e-6
    X[NAMES.index("P4")] += 80e-6 * rng.standard_normal(X.shape[1])
    before = X.copy()
    out = detect_bad_channels(X, NAMES, SFREQ)
    np.testing.assert_array_equal(X, before)
    assert out["flat"] == ["C3"]
    assert out["noisy"] == ["P4"]
    assert out["bads"] == ["C3", "P4"]
    assert set(out) == {"flat", "noisy", "bridged", "low_correlation", "bads"}
    # windows are concatenated: same answer for (n_windows, n_chans, n_times)
    W = X[:, : 30 * 128].reshape(19, 10, -1).transpose(1, 0, 2)
    assert detect_bad_channels(W, NAMES, SFREQ)["bads"] == ["C3", "P4"]


def test_detect_bridged_and_uncorrelated(eeg):
    rng = np.random.default_rng(11)
    X = eeg.copy()
    i, j = NAMES.index("F3"), NAMES.index("Fz")
    X[j] = X[i] + 1e-7 * rng.standard_normal(X.shape[1])
    k = NAMES.index("C4")
    X[k] = np.std(eeg[k]) * _pink(rng, (1, X.shape[1]), SFREQ)[0]  # independent signal
    out = detect_bad_channels(X, NAMES, SFREQ)
    assert out["bridged"] == ["F3", "Fz"]
    assert out["low_correlation"] == ["C4"]
    assert out["noisy"] == [] and out["flat"] == []


def test_detect_bad_channels_old_names_and_positions(eeg):
    old = [{"T7": "T3", "T8": "T4", "P7": "T5", "P8": "T6"}.get(c, c) for c in NAMES]
    assert detect_bad_channels(eeg, old, SFREQ)["bads"] == []
    names = [f"E{i}" for i in range(19)]
    pos = dict(zip(names, _positions(NAMES)))
    assert detect_bad_channels(eeg, names, SFREQ, positions=pos)["bads"] == []
    assert detect_bad_channels(eeg, names, SFREQ, positions=_positions(NAMES))["bads"] == []


def test_detect_bad_channels_errors(eeg):
    names = list(NAMES)
    names[3] = "F33"
    with pytest.raises(ValueError, match=r"\['F33'\] with no position.*Did you mean 'F3'"):
        detect_bad_channels(eeg, names, SFREQ)
    with pytest.raises(ValueError, match=r"positions must have shape \(n_chans, 3\)"):
        detect_bad_channels(eeg, NAMES, SFREQ, positions=np.zeros((19, 2)))
    with pytest.raises(ValueError, match="positions lacks channel"):
        detect_bad_channels(eeg, NAMES, SFREQ, positions={"Fp1": (0, 0, 0)})
    with pytest.raises(ValueError, match="positions must be finite"):
        detect_bad_channels(eeg, NAMES, SFREQ, positions=np.full((19, 3), np.nan))
    with pytest.raises(ValueError, match="ch_names must be unique"):
        detect_bad_channels(eeg, ["Cz"] * 19, SFREQ)
    with pytest.raises(TypeError, match="ch_names must be a list of str"):
        detect_bad_channels(eeg, "Cz", SFREQ)
    with pytest.raises(ValueError, match="positions must be one of"):
        detect_bad_channels(eeg, NAMES, SFREQ, positions="standard_999")
    with pytest.raises(DataQualityError, match="every channel is flat"):
        detect_bad_channels(np.zeros_like(eeg), NAMES, SFREQ)
    nan = eeg.copy()
    nan[0, 0] = np.nan
    with pytest.raises(DataQualityError, match="NaN"):
        detect_bad_channels(nan, NAMES, SFREQ)
    with pytest.raises(ValueError, match="at least 3 channels"):
        detect_bad_channels(eeg[:2], NAMES[:2], SFREQ)
    with pytest.raises(ValueError, match="ch_names must have one name per channel"):
        detect_bad_channels(eeg, NAMES[:-1], SFREQ)
    with pytest.raises(ValueError, match=r"shape \(n_chans, n_times\) or \(n_windows"):
        detect_bad_channels(eeg[0], NAMES, SFREQ)
    with pytest.raises(ValueError, match="too short to filter"):
        detect_bad_channels(eeg[:, :10], NAMES, SFREQ)
    with pytest.raises(ValueError, match="sfreq must be in"):
        detect_bad_channels(eeg, NAMES, -1.0)


# ====================================================================== interpolation
def test_interpolate_bad_channels_recovers_smooth_signal(eeg, rng):
    X = eeg.copy()
    X[NAMES.index("C3")] = np.nan  # a dead channel may even hold NaN
    X[NAMES.index("P4")] += 80e-6 * rng.standard_normal(X.shape[1])
    rec = Recording(X, SFREQ, NAMES, subject="s1")
    out = interpolate_bad_channels(rec, {"flat": ["C3"], "noisy": ["P4"], "bads": ["C3", "P4"]})
    assert out.ch_names == NAMES and out.subject == "s1"
    assert out.meta["interpolated_channels"] == ["C3", "P4"]
    assert np.isnan(rec.data[NAMES.index("C3")]).all()  # input untouched
    for c in ("C3", "P4"):
        i = NAMES.index(c)
        assert np.corrcoef(out.data[i], eeg[i])[0, 1] > 0.9
    good = [i for i, c in enumerate(NAMES) if c not in ("C3", "P4")]
    np.testing.assert_array_equal(out.data[good], X[good])


def test_interpolate_keeps_other_types_and_custom_positions(eeg):
    names = [f"E{i}" for i in range(19)]
    X = np.vstack([eeg, eeg[:1] * 0.5])
    rec = Recording(X, SFREQ, names + ["ECG"], ch_types=["eeg"] * 19 + ["ecg"])
    out = interpolate_bad_channels(rec, ["E8"], positions=_positions(NAMES))
    assert np.corrcoef(out.data[8], eeg[8])[0, 1] > 0.9
    np.testing.assert_array_equal(out.data[-1], X[-1])
    same = interpolate_bad_channels(rec, [], positions=_positions(NAMES))
    np.testing.assert_array_equal(same.data, rec.data)


def test_interpolate_errors(eeg):
    rec = Recording(eeg, SFREQ, NAMES)
    with pytest.raises(ValueError, match="bads lacks.*Did you mean 'C3'"):
        interpolate_bad_channels(rec, ["C33"])
    with pytest.raises(ValueError, match="bads lacks"):
        interpolate_bad_channels(rec, {"flat": ["XX"]})
    with pytest.raises(TypeError, match="rec must be Recording"):
        interpolate_bad_channels(eeg, ["C3"])
    with pytest.raises(TypeError, match="bads must be a list"):
        interpolate_bad_channels(rec, "C3")
    with pytest.raises(DataQualityError, match="at least 3 good EEG channels"):
        interpolate_bad_channels(rec, NAMES[2:])
    mixed = Recording(np.vstack([eeg, eeg[:1]]), SFREQ, NAMES + ["ECG"],
                      ch_types=["eeg"] * 19 + ["ecg"])
    with pytest.raises(ValueError, match=r"must be EEG channels; \['ECG'\]"):
        interpolate_bad_channels(mixed, ["ECG"])
    nan = eeg.copy()
    nan[0, 5] = np.nan
    with pytest.raises(DataQualityError, match="NaN/Inf.*Fp1"):
        interpolate_bad_channels(Recording(nan, SFREQ, NAMES), ["C3"])
    with pytest.raises(ValueError, match="mode must be one of"):
        interpolate_bad_channels(rec, ["C3"], mode="slow")


# ====================================================================== spikes
def test_remove_spike_artifacts(make_signal, rng):
    X, sf = make_signal(n_chans=3, sfreq=256.0, duration=4.0, noise=1e-6)
    dirty = X.copy()
    spikes = [(0, 200), (1, 500), (2, 800)]
    for c, s in spikes:
        dirty[c, s:s + 4] += 300e-6
    before = dirty.copy()
    clean, mask = remove_spike_artifacts(dirty, sf)
    np.testing.assert_array_equal(dirty, before)
    assert mask.dtype == bool and mask.shape == X.shape
    for c, s in spikes:
        assert mask[c, s:s + 4].all()
    assert mask.sum() < 3 * 20  # only the transients (plus padding) are replaced
    err_before = np.abs(dirty - X).max()
    err_after = np.abs(clean - X).max()
    assert err_after < 0.1 * err_before
    np.testing.assert_array_equal(clean[~mask], dirty[~mask])
    # clean data: nothing flagged; long artifacts are left alone
    assert not remove_spike_artifacts(X, sf)[1].any()
    long = X.copy()
    long[0, 100:200] += 300e-6  # 390 ms: not a spike
    assert not remove_spike_artifacts(long, sf, max_duration=0.1)[1][0, 120:180].any()


def test_remove_spike_artifacts_errors(make_signal):
    X, sf = make_signal()
    with pytest.raises(ValueError, match="z_thresh must be in"):
        remove_spike_artifacts(X, sf, z_thresh=0)
    with pytest.raises(ValueError, match="at least 3 samples"):
        remove_spike_artifacts(X[:, :2], sf)
    bad = X.copy()
    bad[1, 1] = np.nan
    with pytest.raises(DataQualityError, match="NaN"):
        remove_spike_artifacts(bad, sf)


# ====================================================================== wavelets
def _snr(est, truth):
    return 10 * np.log10(np.sum(truth**2) / np.sum((est - truth) ** 2))


@pytest.mark.parametrize("threshold,mode,freq,min_gain", [
    ("bayes", "soft", 10.0, 5.0),  # the default
    ("bayes", "soft", 6.0, 5.0),
    ("universal", "hard", 10.0, 2.0),
    ("universal", "soft", 2.0, 2.0),  # VisuShrink suits slow, smooth signals
])
def test_wavelet_denoise_improves_snr(rng, threshold, mode, freq, min_gain):
    sf = 256.0
    t = np.arange(int(4 * sf)) / sf
    truth = np.tile(10e-6 * np.sin(2 * np.pi * freq * t), (2, 1))
    noisy = truth + 5e-6 * rng.standard_normal(truth.shape)
    before = noisy.copy()
    den = wavelet_denoise(noisy, threshold=threshold, mode=mode)
    np.testing.assert_array_equal(noisy, before)
    assert den.shape == noisy.shape
    gain = _snr(den, truth) - _snr(noisy, truth)
    assert gain > min_gain, gain


def test_wavelet_denoise_options_and_errors(rng):
    x = rng.standard_normal((2, 3, 256))
    np.testing.assert_allclose(wavelet_denoise(x, threshold=0.0), x, atol=1e-10)
    assert wavelet_denoise(x, level=2).shape == x.shape
    with pytest.raises(ValueError, match="level must be <= "):
        wavelet_denoise(x, level=20)
    with pytest.raises(ValueError, match="wavelet must be one of.*Did you mean 'db4'"):
        wavelet_denoise(x, wavelet="db44")
    with pytest.raises(ValueError, match="threshold must be one of"):
        wavelet_denoise(x, threshold="sure")
    with pytest.raises(ValueError, match="too short"):
        wavelet_denoise(x[..., :5])
    with pytest.raises(ValueError, match="mode must be one of"):
        wavelet_denoise(x, mode="medium")


# ====================================================================== drift
@pytest.mark.parametrize("method", ["highpass", "polyfit", "median"])
def test_correct_baseline_drift(method):
    sf = 256.0
    t = np.arange(int(10 * sf)) / sf
    rhythm = 10e-6 * np.sin(2 * np.pi * 10 * t)
    drift = 200e-6 * (t / t[-1]) + 50e-6 * np.sin(2 * np.pi * 0.03 * t) + 1e-3
    X = np.stack([rhythm + drift, rhythm - drift])
    before = X.copy()
    out = correct_baseline_drift(X, sf, method=method)
    np.testing.assert_array_equal(X, before)
    core = slice(int(sf), -int(sf))  # ignore filter edges
    resid = out[:, core] - rhythm[core]
    assert np.std(resid) < 0.1 * np.std(rhythm), np.std(resid) / np.std(rhythm)
    amp = np.std(out[:, core], axis=1) / np.std(rhythm[core])
    np.testing.assert_allclose(amp, 1.0, atol=0.05)


def test_correct_baseline_drift_errors():
    X = np.zeros((2, 100)) + np.linspace(0, 1, 100)
    with pytest.raises(ValueError, match="method must be one of.*Did you mean 'median'"):
        correct_baseline_drift(X, 100.0, method="medain")
    with pytest.raises(ValueError, match="too short to filter"):
        correct_baseline_drift(X[:, :10], 100.0)
    with pytest.raises(ValueError, match="l_freq must be in"):
        correct_baseline_drift(X, 100.0, l_freq=80.0)
    with pytest.raises(ValueError, match="needs more than degree=3"):
        correct_baseline_drift(X[:, :3], 100.0, method="polyfit", degree=3)
    with pytest.raises(TypeError, match="degree must be an integer"):
        correct_baseline_drift(X, 100.0, method="polyfit", degree=1.5)
