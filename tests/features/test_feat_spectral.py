"""Welch PSD, band power, differential entropy, spectral entropy (mindstate.features.spectral)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import welch

from mindstate.exceptions import DataQualityError, NotFittedError
from mindstate.features.psd import _check_positive
from mindstate.features.spectral import (
    BANDS,
    BandPower,
    DifferentialEntropy,
    band_power,
    check_bands,
    chunked_bandpower,
    differential_entropy,
    filtered_band_power,
    psd_welch,
    spectral_entropy,
)
from mindstate.preprocess.filters import (
    bandpass,
    bandpass_notch,
    notch,
    resample,
)
from mindstate.preprocess.spectrogram import sliding_windows

EEGMAT_1020 = ["Fp1", "Fp2", "F3", "F4", "F7", "F8", "T3", "T4", "C3", "C4", "T5", "T6",
               "P3", "P4", "O1", "O2", "Fz", "Cz", "Pz"]


def _mne_band_power(X, sfreq, bands, n_per_seg, n_overlap):
    """The usual MNE way: psd_array_welch, then the PSD bins of each band summed times df."""
    mne = pytest.importorskip("mne")
    psd, freqs = mne.time_frequency.psd_array_welch(
        X, sfreq, fmin=0.0, fmax=np.inf, n_fft=n_per_seg, n_overlap=n_overlap,
        window="hann", verbose=False)
    df = freqs[1] - freqs[0]
    out = [psd[..., (freqs >= lo) & (freqs < hi)].sum(axis=-1) * df for lo, hi in bands.values()]
    return np.stack(out, axis=-1)


def test_bands_are_the_documented_ones():
    assert BANDS == {"delta": (1, 4), "theta": (4, 8), "alpha": (8, 13), "beta": (13, 30),
                     "gamma": (30, 50)}
    assert check_bands({"a": (8, 12)}, 100.0) == {"a": (8.0, 12.0)}


def test_psd_welch_equals_scipy_mean_and_median(rng):
    X = rng.standard_normal((3, 4, 3000))
    p, f = psd_welch(X, 200.0, n_per_seg=400, window="hamming")
    f2, p2 = welch(X, 200.0, window="hamming", nperseg=400)
    np.testing.assert_allclose(p, p2, rtol=1e-10)
    np.testing.assert_allclose(f, f2)
    p, f = psd_welch(X, 200.0, n_per_seg=300, n_overlap=100, n_fft=512, average="median")
    f2, p2 = welch(X, 200.0, nperseg=300, noverlap=100, nfft=512, average="median")
    np.testing.assert_allclose(p, p2, rtol=1e-10)
    p, f = psd_welch(X, 200.0, fmin=1.0, fmax=30.0)
    assert f[0] == 1.0 and f[-1] == 30.0 and p.shape == (3, 4, f.size)
    p32, _ = psd_welch(X.astype(np.float32), 200.0, fmin=1.0, fmax=30.0, dtype=np.float32)
    assert p32.dtype == np.float64
    np.testing.assert_allclose(p32, p, rtol=1e-4)
    np.testing.assert_allclose(band_power(X, 200.0, dtype=np.float32), band_power(X, 200.0),
                               rtol=1e-4)


def test_band_power_of_a_sine_and_of_white_noise(rng):
    t = np.arange(4000) / 200.0
    x = (2.0 * np.sin(2 * np.pi * 10.0 * t))[None]
    bp = band_power(x, 200.0)
    assert bp.shape == (1, 5)
    np.testing.assert_allclose(bp[0, 2], 2.0, rtol=1e-6)  # A**2 / 2 in the alpha band
    assert bp[0, [0, 1, 3, 4]].max() < 1e-20
    np.testing.assert_allclose(band_power(x, 200.0, relative=True)[0, 2], 1.0, rtol=1e-9)
    np.testing.assert_allclose(band_power(x, 200.0, {"a": (9, 11)}, log=True), np.log(2.0),
                               rtol=1e-6)
    sigma = 3e-6
    noise = sigma * rng.standard_normal((20, 3, 20000))
    expected = [2 * sigma**2 / 200.0 * (hi - lo) for lo, hi in BANDS.values()]
    np.testing.assert_allclose(band_power(noise, 200.0).mean(axis=(0, 1)), expected, rtol=0.05)


def test_band_power_matches_mne_psd_array_welch_synthetic(rng):
    X = 1e-5 * rng.standard_normal((5, 4, 2000))
    ours = band_power(X, 250.0, n_per_seg=500, n_overlap=250)
    ref = _mne_band_power(X, 250.0, BANDS, 500, 250)
    np.testing.assert_allclose(ours, ref, rtol=1e-9)


def test_band_power_matches_mne_on_eegmat(shared_data):
    mne = pytest.importorskip("mne")
    folder = shared_data / "eegmat_mental_arithmetic"
    for name in ("Subject00_1.edf", "Subject03_2.edf"):
        raw = mne.io.read_raw_edf(folder / name, preload=True, verbose=False)
        picks = [raw.ch_names.index(f"EEG {c}") for c in EEGMAT_1020]
        data = raw.get_data(picks=picks)
        sfreq = raw.info["sfreq"]
        X = sliding_windows(data[:, : int(40 * sfreq)], sfreq, window_s=4.0)[:5]
        assert X.shape == (5, 19, 2000)
        n = int(2 * sfreq)
        ours = band_power(X, sfreq, n_per_seg=n, n_overlap=n // 2)
        ref = _mne_band_power(X, sfreq, BANDS, n, n // 2)
        assert np.abs(ours / ref - 1).max() < 0.01
        rel = band_power(X, sfreq, relative=True)
        np.testing.assert_allclose(rel.sum(axis=-1), 1.0, rtol=1e-9)


def test_fast_chain_equals_mne_chain_within_1_percent(rng):
    """The benchmark's fast path (batched FIR + Welch) vs per-window MNE calls (no timing)."""
    mne = pytest.importorskip("mne")
    sfreq = 200.0
    X = 1e-5 * rng.standard_normal((3, 4, 2000))
    ours = band_power(notch(bandpass(X, sfreq, 0.5, 50.0, method="fir"), sfreq, 60.0,
                            method="fir"), sfreq, n_per_seg=400, n_overlap=200)
    ref = []
    for x in X:
        y = mne.filter.filter_data(x, sfreq, 0.5, 50.0, verbose=False)
        y = mne.filter.notch_filter(y, sfreq, 60.0, verbose=False)
        ref.append(_mne_band_power(y, sfreq, BANDS, 400, 200))
    assert np.abs(ours / np.stack(ref) - 1).max() < 0.01


def test_differential_entropy_of_gaussian_noise(rng):
    sigma = 3e-6
    X = sigma * rng.standard_normal((4, 2, 20000))
    expected = 0.5 * np.log(2 * np.pi * np.e * sigma**2)
    de = differential_entropy(X)
    assert de.shape == (4, 2)
    assert np.abs(de / expected - 1).max() < 0.02
    # band-limited white noise has variance sigma**2 * (hi - lo) / (sfreq / 2)
    de_b = differential_entropy(X, 200.0, BANDS)
    assert de_b.shape == (4, 2, 5)
    for j, (lo, hi) in enumerate(BANDS.values()):
        th = 0.5 * np.log(2 * np.pi * np.e * sigma**2 * (hi - lo) / 100.0)
        assert np.abs(de_b[..., j] / th - 1).max() < 0.02
    de_all = differential_entropy(X, 200.0, {"all": (0.0, 100.0)})  # no filter at all
    np.testing.assert_allclose(de_all[..., 0], de)


def test_spectral_entropy_noise_vs_sine(rng):
    noise = rng.standard_normal((2, 4000))
    sine = np.sin(2 * np.pi * 10 * np.arange(4000) / 200.0)[None]
    assert spectral_entropy(noise, 200.0).min() > 0.95
    assert spectral_entropy(sine, 200.0)[0] < 0.3
    assert spectral_entropy(sine, 200.0, normalize=False)[0] > 0


def test_transformers_shapes_names_and_sklearn_protocol(rng):
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = 1e-5 * rng.standard_normal((6, 3, 800))
    before = X.copy()
    bp = BandPower(200.0, ch_names=["Fz", "Cz", "Pz"], log=True)
    F = bp.fit_transform(X)
    assert F.shape == (6, 15)
    np.testing.assert_allclose(F.reshape(6, 3, 5), np.log(band_power(X, 200.0)))
    assert bp.get_feature_names_out()[:2].tolist() == ["Fz_delta", "Fz_theta"]
    assert bp.get_feature_names_out(["a", "b", "c"])[-1] == "c_gamma"
    assert clone(bp).get_params()["log"] is True
    de = DifferentialEntropy(200.0, bands={"alpha": (8, 13)})
    G = de.fit(X).transform(X)
    assert G.shape == (6, 3)
    np.testing.assert_allclose(G, differential_entropy(X, 200.0, {"alpha": (8, 13)})[..., 0])
    assert de.get_feature_names_out().tolist() == ["ch0_alpha", "ch1_alpha", "ch2_alpha"]
    Z = make_pipeline(BandPower(200.0, relative=True), StandardScaler()).fit_transform(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-10)
    np.testing.assert_array_equal(X, before)


def test_chunked_bandpower_equals_whole_signal(rng):
    sfreq = 200.0
    X = 1e-5 * rng.standard_normal((3, int(120 * sfreq)))
    whole = band_power(sliding_windows(notch(bandpass(X, sfreq, 0.5, 45.0, method="fir"),
                                             sfreq, 60.0, method="fir"), sfreq, 4.0, 3.0), sfreq)
    for chunk_s, n_jobs in ((10.0, 1), (33.3, 2)):
        got = chunked_bandpower(X, sfreq, window_s=4.0, step_s=3.0, chunk_s=chunk_s,
                                l_freq=0.5, h_freq=45.0, notch_freqs=60.0, n_jobs=n_jobs)
        np.testing.assert_allclose(got, whole, rtol=1e-10)
    causal = band_power(sliding_windows(notch(bandpass(X, sfreq, 0.5, 45.0, phase="causal"),
                                              sfreq, 60.0, phase="causal"), sfreq, 4.0), sfreq)
    got = chunked_bandpower(X, sfreq, window_s=4.0, chunk_s=7.0, l_freq=0.5, h_freq=45.0,
                            notch_freqs=60.0, method="iir", phase="causal")
    np.testing.assert_allclose(got, causal, rtol=1e-10)


# ----------------------------------------------------------------------------- bad input
def test_flat_nan_and_band_errors(rng):
    X = rng.standard_normal((2, 3, 1000))
    X[1, 2] = 5.0  # a flat channel
    with pytest.raises(DataQualityError, match="flat \\(constant\\).*index\\(es\\) \\[2\\]"):
        differential_entropy(X)
    with pytest.raises(DataQualityError, match="flat"):
        band_power(X, 200.0, log=True)
    with pytest.raises(DataQualityError, match="flat"):
        spectral_entropy(X, 200.0)
    assert band_power(X, 200.0)[1, 2].max() < 1e-25  # absolute power of a flat channel: ~0
    with pytest.raises(DataQualityError, match="log is -inf"):
        _check_positive(np.array([1.0, 0.0]), "the variance")
    Xn = rng.standard_normal((2, 1000))
    Xn[0, 10] = np.nan
    with pytest.raises(DataQualityError, match="NaN/Inf"):
        band_power(Xn, 200.0)
    with pytest.raises(DataQualityError, match="NaN/Inf"):
        differential_entropy(Xn, 200.0, BANDS)
    good = rng.standard_normal((2, 1000))
    with pytest.raises(ValueError, match="sfreq too low for the requested band 'gamma'"):
        band_power(good, 80.0)
    with pytest.raises(ValueError, match="sfreq too low for the requested band"):
        differential_entropy(good, 80.0, BANDS)
    with pytest.raises(ValueError, match="holds no frequency bin"):
        band_power(good, 200.0, {"narrow": (10.1, 10.2)})
    with pytest.raises(ValueError, match="non-empty mapping"):
        band_power(good, 200.0, {})
    with pytest.raises(ValueError, match="must be \\(lo, hi\\)"):
        band_power(good, 200.0, {"bad": (10, 5)})
    with pytest.raises(ValueError, match="sfreq is required"):
        differential_entropy(good, None, BANDS)
    with pytest.raises(ValueError, match="got a scalar"):
        band_power(np.float64(1.0), 200.0)


def test_psd_welch_errors(rng):
    x = rng.standard_normal((2, 300))
    with pytest.raises(ValueError, match="longer than the signal"):
        psd_welch(x, 200.0, n_per_seg=400)
    with pytest.raises(ValueError, match="n_overlap must be below"):
        psd_welch(x, 200.0, n_per_seg=100, n_overlap=100)
    with pytest.raises(ValueError, match="No frequency bin lies"):
        psd_welch(x, 200.0, fmin=150.0)
    with pytest.raises(ValueError, match="Did you mean 'median'"):
        psd_welch(x, 200.0, average="medain")
    with pytest.raises(ValueError, match="dtype must be float64 or float32"):
        psd_welch(x, 200.0, dtype=np.float16)


def test_transformer_errors(rng):
    X = rng.standard_normal((4, 3, 600))
    with pytest.raises(NotFittedError, match="not fitted"):
        BandPower(200.0).transform(X)
    with pytest.raises(ValueError, match="ch_names has 2 names but X has 3"):
        BandPower(200.0, ch_names=["a", "b"]).fit(X)
    bp = BandPower(200.0).fit(X)
    with pytest.raises(ValueError, match="fitted on 3"):
        bp.transform(X[:, :2])
    with pytest.raises(ValueError, match="must have 3 dimensions"):
        bp.transform(X[0])
    with pytest.raises(ValueError, match="input_features must have 3"):
        bp.get_feature_names_out(["a"])


# ----------------------------------------------------------------------------- filtered chain
def _realistic_eeg(rng, n_win, n_chans, seconds, sfreq=200.0, drift=20e-6):
    """1/f background (~10 uV), 10.2 Hz alpha, 5 uV 60 Hz line noise, 0.05 Hz drift."""
    n = int(seconds * sfreq)
    t = np.arange(n) / sfreq
    f = np.fft.rfftfreq(n, 1 / sfreq)
    spec = rng.standard_normal((n_win, n_chans, f.size)) + 1j * rng.standard_normal(
        (n_win, n_chans, f.size))
    bg = np.fft.irfft(spec / np.sqrt(np.maximum(f, 0.5)), n)
    bg *= 10e-6 / bg.std(axis=-1, keepdims=True)
    alpha = rng.uniform(2e-6, 12e-6, (n_win, n_chans, 1)) * np.sin(
        2 * np.pi * 10.2 * t + rng.uniform(0, 2 * np.pi, (n_win, n_chans, 1)))
    slow = drift * np.sin(2 * np.pi * 0.05 * t + rng.uniform(0, 2 * np.pi, (n_win, n_chans, 1)))
    return bg + alpha + 5e-6 * np.sin(2 * np.pi * 60.0 * t) + slow


CHAIN = {"l_freq": 0.5, "h_freq": 50.0, "notch_freqs": 60.0}


def test_filtered_band_power_fir_equals_filter_then_band_power(rng):
    X = _realistic_eeg(rng, 3, 4, 20.0)
    before = X.copy()
    ref = band_power(bandpass_notch(X, 200.0, 0.5, 50.0, 60.0, method="fir"), 200.0)
    got = filtered_band_power(X, 200.0, **CHAIN)
    assert got.shape == (3, 4, 5)
    np.testing.assert_allclose(got, ref, rtol=1e-10)
    got32 = filtered_band_power(X.astype(np.float32), 200.0, dtype=np.float32, **CHAIN)
    np.testing.assert_allclose(got32, ref, rtol=1e-4)
    # float32 input computed in float64 (converted block by block) equals float64 input
    X32 = X.astype(np.float32)
    np.testing.assert_allclose(filtered_band_power(X32, 200.0, **CHAIN),
                               filtered_band_power(X32.astype(np.float64), 200.0, **CHAIN),
                               rtol=1e-12)
    np.testing.assert_allclose(band_power(X32, 200.0), band_power(X32.astype(np.float64), 200.0),
                               rtol=1e-12)
    np.testing.assert_allclose(band_power(X.tolist(), 200.0), band_power(X, 200.0), rtol=1e-12)
    Y = bandpass_notch(X, 200.0, 0.5, 50.0, 60.0, method="fir")
    for kw in ({"relative": True}, {"log": True}, {"average": "median"},
               {"n_per_seg": 300, "n_overlap": 100, "n_fft": 512}):
        np.testing.assert_allclose(filtered_band_power(X, 200.0, **CHAIN, **kw),
                                   band_power(Y, 200.0, **kw), rtol=1e-10)
    np.testing.assert_array_equal(X, before)


def test_filtered_band_power_errors(rng):
    X = _realistic_eeg(rng, 1, 2, 20.0)
    with pytest.raises(ValueError, match="method"):
        filtered_band_power(X, 200.0, method="spectral")  # moved to benchmarks/
    with pytest.raises(ValueError, match="2641-tap FIR band-pass \\+ notch needs more than"):
        filtered_band_power(X[..., :2000], 200.0, **CHAIN)
    with pytest.raises(ValueError, match="Nothing to filter"):
        filtered_band_power(X, 200.0, l_freq=None, h_freq=None, notch_freqs=None)
    with pytest.raises(ValueError, match="sfreq too low for the requested band"):
        filtered_band_power(X, 200.0, h_freq=120.0)
    Xn = X.copy()
    Xn[0, 1, 5] = np.inf
    with pytest.raises(DataQualityError, match="NaN/Inf"):
        filtered_band_power(Xn, 200.0, **CHAIN)
    Xf = X.copy()
    Xf[0, 0] = 1e-5
    with pytest.raises(DataQualityError, match="flat"):
        filtered_band_power(Xf, 200.0, log=True, **CHAIN)
    with pytest.raises(ValueError, match="dtype must be float64 or float32"):
        filtered_band_power(X, 200.0, dtype=np.int32, **CHAIN)


def test_filtered_band_power_matches_per_window_mne_chain_on_eegmat(shared_data):
    mne = pytest.importorskip("mne")
    folder = shared_data / "eegmat_mental_arithmetic"
    windows = []
    for name in ("Subject01_1.edf", "Subject06_2.edf"):
        raw = mne.io.read_raw_edf(folder / name, preload=True, verbose=False)
        picks = [raw.ch_names.index(f"EEG {c}") for c in EEGMAT_1020]
        data = resample(raw.get_data(picks=picks)[:, : int(50 * raw.info["sfreq"])],
                        raw.info["sfreq"], 200.0)
        windows.append(data)
    X = np.stack(windows)  # (2, 19, 10000): 50 s at 200 Hz
    ref = []
    for x in X:
        y = mne.filter.filter_data(x, 200.0, 0.5, 50.0, verbose=False)
        y = mne.filter.notch_filter(y, 200.0, 60.0, verbose=False)
        ref.append(_mne_band_power(y, 200.0, BANDS, 400, 200))
    ref = np.stack(ref)
    exact = filtered_band_power(X, 200.0, n_per_seg=400, n_overlap=200, **CHAIN)
    np.testing.assert_allclose(exact, ref, rtol=1e-9)


def test_band_power_low_bins_and_overlapping_bands_equal_psd_sums(rng):
    """band_power squares only the bins it needs; the sums equal those of psd_welch."""
    X = rng.standard_normal((2, 3, 3000)) + 0.3  # an offset: the mean removal matters
    psd, freqs = psd_welch(X, 200.0, n_per_seg=300, n_overlap=150)
    bands = {"slow": (0.0, 2.0), "wide": (1.0, 30.0), "inner": (8.0, 12.0)}
    got = band_power(X, 200.0, bands, n_per_seg=300, n_overlap=150)
    df = freqs[1] - freqs[0]
    for j, (lo, hi) in enumerate(bands.values()):
        sel = (freqs >= lo) & (freqs < hi)
        np.testing.assert_allclose(got[..., j], psd[..., sel].sum(axis=-1) * df, rtol=1e-10)
    rel = band_power(X, 200.0, bands, relative=True, n_per_seg=300, n_overlap=150)
    total = psd[..., freqs < 30.0].sum(axis=-1) * df
    np.testing.assert_allclose(rel, got / total[..., None], rtol=1e-10)
