"""Sliding windows and spectrograms (mindstate.preprocess.spectrogram)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import spectrogram as scipy_spectrogram

from mindstate.exceptions import DataQualityError
from mindstate.preprocess.montage import DOUBLE_BANANA, bipolar
from mindstate.preprocess.spectrogram import (
    HMS_CHAINS,
    KAGGLE_FREQS,
    hms_region_spectrogram,
    multitaper_spectrogram,
    sliding_windows,
    stft_spectrogram,
)

HMS_ORDER = ["Fp1", "F3", "C3", "P3", "F7", "T3", "T5", "O1", "Fz", "Cz", "Pz",
             "Fp2", "F4", "C4", "P4", "F8", "T4", "T6", "O2"]


def test_sliding_windows_values_overlap_and_axis(rng):
    X = rng.standard_normal((3, 1000))
    before = X.copy()
    W = sliding_windows(X, 100.0, window_s=2.0, step_s=1.0)
    assert W.shape == (9, 3, 200)
    np.testing.assert_array_equal(W[4], X[:, 400:600])
    assert W.flags.c_contiguous and not np.shares_memory(W, X)
    np.testing.assert_array_equal(X, before)
    W0 = sliding_windows(X.T, 100.0, window_s=2.0, axis=0)  # (n_times, n_chans) input
    assert W0.shape == (5, 200, 3)
    np.testing.assert_array_equal(W0[1], X[:, 200:400].T)
    Xn = X.copy()
    Xn[0, 0] = np.nan  # a pure re-slicing passes NaN through
    assert np.isnan(sliding_windows(Xn, 100.0, 2.0)[0, 0, 0])
    assert sliding_windows(X, 100.0, 10.0).shape == (1, 3, 1000)


def test_stft_equals_scipy_and_finds_the_sine(rng):
    X = rng.standard_normal((2, 3, 2000))
    before = X.copy()
    S, f, t = stft_spectrogram(X, 200.0, n_fft=256, hop=50, n_per_seg=200)
    np.testing.assert_array_equal(X, before)
    f2, t2, S2 = scipy_spectrogram(X, 200.0, window="hann", nperseg=200, noverlap=150,
                                   nfft=256, detrend=False)
    np.testing.assert_allclose(S, S2, rtol=1e-10, atol=0)
    np.testing.assert_allclose(f, f2)
    np.testing.assert_allclose(t, t2)
    tt = np.arange(4000) / 200.0
    sine = np.sin(2 * np.pi * 12.5 * tt)[None]
    S, f, _ = stft_spectrogram(sine, 200.0, fmin=5.0, fmax=30.0)
    assert f[0] == 5.0 and f[-1] == 30.0
    assert f[np.argmax(S[0].mean(axis=-1))] == 12.5
    # Parseval: the integral of the PSD is the mean power (0.5 for a unit sine)
    S_all, f_all, _ = stft_spectrogram(sine, 200.0)
    power = S_all[0].sum(axis=0) * (f_all[1] - f_all[0])
    np.testing.assert_allclose(power, 0.5, rtol=0.02)


def test_multitaper_equals_mne_per_frame(rng):
    mne = pytest.importorskip("mne")
    X = rng.standard_normal((2, 3, 2000))
    S, f, t = multitaper_spectrogram(X, 200.0, n_per_seg=400, hop=400, bandwidth=2.0)
    assert S.shape == (2, 3, 201, 5)
    for k in range(5):
        ref, fm = mne.time_frequency.psd_array_multitaper(
            X[..., k * 400 : (k + 1) * 400], 200.0, bandwidth=2.0, normalization="full",
            verbose=False)
        np.testing.assert_allclose(S[..., k], ref, rtol=1e-9)
    np.testing.assert_allclose(f, fm)
    np.testing.assert_allclose(t, np.arange(5) * 2.0 + 1.0)
    S4, _, _ = multitaper_spectrogram(X[0, 0], 200.0, n_per_seg=400, hop=400)  # NW = 4
    ref4, _ = mne.time_frequency.psd_array_multitaper(X[0, 0, :400], 200.0,
                                                      normalization="full", verbose=False)
    np.testing.assert_allclose(S4[:, 0], ref4, rtol=1e-9)


def test_multitaper_zero_padded_frames_and_stft_gaps(rng):
    """n_fft > n_per_seg (scipy path) agrees with MNE's path where both apply."""
    from mindstate.preprocess.spectrogram import _padded_multitaper

    pytest.importorskip("mne")
    X = rng.standard_normal((2, 3, 2000))
    S, _, _ = multitaper_spectrogram(X, 200.0, n_per_seg=400, hop=300, bandwidth=2.0)
    S_pad = _padded_multitaper(X, 200.0, 400, 300, 400, 2.0 * 400 / 400, True)
    np.testing.assert_allclose(S, S_pad, rtol=1e-9)
    Sz, fz, _ = multitaper_spectrogram(X, 200.0, n_per_seg=400, hop=300, n_fft=800)
    assert Sz.shape == (2, 3, 401, S.shape[-1]) and fz[1] == 0.25
    np.testing.assert_allclose(Sz[..., ::2, :].mean(), S.mean(), rtol=0.1)
    # frames further apart than their length (hop > n_per_seg) still match scipy
    S2, _, t2 = stft_spectrogram(X, 200.0, n_per_seg=100, hop=150)
    ref_t, ref = scipy_spectrogram(X, 200.0, window="hann", nperseg=100, noverlap=-50,
                                   detrend=False)[1:]
    np.testing.assert_allclose(S2, ref, rtol=1e-12)
    np.testing.assert_allclose(t2, ref_t)


def test_hms_region_spectrogram_layout_and_chain_order(rng):
    sfreq = 200.0
    t = np.arange(int(60 * sfreq)) / sfreq
    X = 1e-6 * rng.standard_normal((2, 19, t.size))
    X[:, HMS_ORDER.index("T4")] += 50e-6 * np.sin(2 * np.pi * 8.0 * t)  # right temporal
    S, f, times = hms_region_spectrogram(X, HMS_ORDER, sfreq)
    n_frames = 1 + (t.size - 1024) // 400
    assert S.shape == (2, 4, 100, n_frames)
    np.testing.assert_allclose(f, KAGGLE_FREQS)
    assert f[0] == pytest.approx(0.5859375) and f[-1] == pytest.approx(19.921875)
    assert HMS_CHAINS == ("LL", "RL", "LP", "RP")
    np.testing.assert_allclose(times[:2], [2.56, 4.56])
    at8 = S[..., np.argmin(np.abs(f - 8.0)), :].mean(axis=(0, -1))
    assert np.argmax(at8) == 1  # RL holds T4
    assert at8[1] > 100 * at8[[0, 2, 3]].max()
    # equals the mean over each chain of the STFT spectrogram of the bipolar pairs
    Y, _ = bipolar(X, HMS_ORDER, DOUBLE_BANANA)
    Sb, fb, _ = stft_spectrogram(Y, sfreq, n_fft=1024, hop=400)
    idx = np.round(KAGGLE_FREQS / (sfreq / 1024)).astype(int)
    manual = Sb[..., idx, :].reshape(2, 4, 4, 100, -1).mean(axis=2)
    np.testing.assert_allclose(S, manual, rtol=1e-12)
    Sm, _, _ = hms_region_spectrogram(X[0], HMS_ORDER, sfreq, method="multitaper")
    assert Sm.shape == (4, 100, n_frames) and np.argmax(Sm[:, 38].mean(-1)) == 1


def test_hms_region_spectrogram_other_rates_and_grid_off(rng):
    X = rng.standard_normal((19, 250 * 30))
    S, f, _ = hms_region_spectrogram(X, HMS_ORDER, 250.0)  # 5.12 * 250 = 1280: exact grid
    np.testing.assert_allclose(f, KAGGLE_FREQS)
    S2, f2, _ = hms_region_spectrogram(X, HMS_ORDER, 256.0)  # not exact: interpolated
    assert S2.shape[:2] == (4, 100) and np.all(S2 > 0)
    S3, f3, _ = hms_region_spectrogram(X, HMS_ORDER, 250.0, kaggle_grid=False, window_s=2.0,
                                       fmin=1.0, fmax=30.0)
    assert f3[0] == 1.0 and f3[-1] == 30.0 and S3.shape[1] == f3.size


# ----------------------------------------------------------------------------- bad input
def test_spectrogram_errors(rng):
    X = rng.standard_normal((2, 500))
    with pytest.raises(ValueError, match="longer than the signal"):
        sliding_windows(X, 100.0, window_s=6.0)
    with pytest.raises(ValueError, match="at least one dimension"):
        sliding_windows(np.float64(3.0), 100.0, 1.0)
    with pytest.raises(ValueError, match="axis must be in"):
        sliding_windows(X, 100.0, 1.0, axis=2)
    with pytest.raises(ValueError, match="frame length .* is longer than the signal"):
        stft_spectrogram(X, 100.0, n_fft=1000)
    with pytest.raises(ValueError, match="No frequency bin lies"):
        stft_spectrogram(X, 100.0, fmin=60.0)
    with pytest.raises(ValueError, match="too narrow"):
        multitaper_spectrogram(X, 100.0, n_per_seg=100, bandwidth=0.5)
    with pytest.raises(ValueError, match="too low for the Kaggle grid"):
        hms_region_spectrogram(rng.standard_normal((19, 3000)), HMS_ORDER, 30.0)
    with pytest.raises(ValueError, match=r"lacks the channel\(s\) \['O2'\]"):
        hms_region_spectrogram(rng.standard_normal((18, 3000)), HMS_ORDER[:-1], 200.0)
    Xn = X.copy()
    Xn[1, 3] = np.inf
    with pytest.raises(DataQualityError, match="NaN/Inf"):
        stft_spectrogram(Xn, 100.0)
    with pytest.raises(DataQualityError, match="NaN/Inf"):
        multitaper_spectrogram(Xn, 100.0)
