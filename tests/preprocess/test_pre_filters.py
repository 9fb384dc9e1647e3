"""Band-pass, notch, resampling and re-referencing (mindstate.preprocess.filters)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import resample_poly, sosfilt

from mindstate.exceptions import DataQualityError
from mindstate.preprocess.filters import (
    apply_fir,
    apply_sos,
    bandpass,
    bandpass_notch,
    design_fir_chain,
    design_fir_filter,
    design_iir_filter,
    design_iir_notch,
    filter_data,
    fir_response,
    highpass,
    lowpass,
    notch,
    notch_frequencies,
    polyphase_kernel,
    rereference,
    resample,
    resample_ratio,
)

SFREQ = 250.0
METHODS = ("iir", "fft", "fir")


def _sine(freq: float, sfreq: float = SFREQ, duration: float = 20.0, n_chans: int = 2):
    t = np.arange(int(duration * sfreq)) / sfreq
    return np.tile(np.sin(2 * np.pi * freq * t), (n_chans, 1))


def _gain_db(y: np.ndarray, edge: int = 1000) -> float:
    """Gain in dB of a unit sine, measured away from the edges."""
    seg = y[..., edge:-edge]
    return float(20 * np.log10(np.sqrt(2 * np.mean(seg**2))))


@pytest.mark.parametrize("method", METHODS)
def test_bandpass_passband_ripple_and_stopband(method):
    # 10 Hz through 0.5-45 Hz keeps its amplitude within 0.1 dB (about 1 %) ...
    assert abs(_gain_db(bandpass(_sine(10.0), SFREQ, 0.5, 45.0, method=method))) < 0.1
    # ... and 100 Hz is at least 60 dB down (measured: iir 63, fft 65, fir 75 dB).
    assert _gain_db(bandpass(_sine(100.0), SFREQ, 0.5, 45.0, method=method)) < -60.0


def test_bandpass_default_band_keeps_10hz_within_0_01_db():
    assert abs(_gain_db(bandpass(_sine(10.0), SFREQ))) < 0.01


@pytest.mark.parametrize("method", METHODS)
def test_notch_removes_60hz_keeps_neighbours(method):
    deep = 40.0 if method == "fir" else 100.0  # measured: fir 57 dB, iir/fft > 200 dB
    assert _gain_db(notch(_sine(60.0), SFREQ, 60.0, method=method)) < -deep
    assert _gain_db(notch(_sine(120.0), SFREQ, 60.0, method=method)) < -deep  # harmonic
    for f in (55.0, 65.0):  # Q=30 IIR notch: 0.35 dB loss 5 Hz away
        assert _gain_db(notch(_sine(f), SFREQ, 60.0, method=method)) > -0.5
    assert abs(_gain_db(notch(_sine(10.0), SFREQ, 60.0, method=method))) < 0.01


def test_notch_without_harmonics_keeps_120hz():
    y = notch(_sine(120.0), SFREQ, 60.0, harmonics=False)
    assert abs(_gain_db(y)) < 0.01


def test_notch_frequencies_harmonics_below_nyquist():
    np.testing.assert_allclose(notch_frequencies(500.0, 60.0), [60, 120, 180, 240])
    np.testing.assert_allclose(notch_frequencies(200.0, 50.0), [50.0])
    np.testing.assert_allclose(notch_frequencies(500.0, [50.0, 60.0], harmonics=False), [50, 60])


def test_highpass_removes_dc_and_lowpass_removes_80hz():
    x = _sine(10.0) + 3.0
    y = highpass(x, SFREQ, 1.0)
    assert abs(y[:, 1000:-1000].mean()) < 1e-3
    assert abs(_gain_db(y) - 0.0) < 0.05
    assert _gain_db(lowpass(_sine(80.0), SFREQ, 30.0)) < -60.0


def test_fir_equals_mne_filter_data_and_notch_filter(rng):
    mne = pytest.importorskip("mne")
    X = rng.standard_normal((3, 4, 3000)) * 1e-5
    ours = bandpass(X, 200.0, 0.5, 50.0, method="fir")
    ref = mne.filter.filter_data(X, 200.0, 0.5, 50.0, verbose=False)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-10 * np.abs(ref).max())
    ours = notch(X, 200.0, 60.0, method="fir")
    ref = mne.filter.notch_filter(X, 200.0, 60.0, verbose=False)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-10 * np.abs(ref).max())
    X5 = rng.standard_normal((2, 4000))
    ours = notch(X5, 500.0, 60.0, method="fir")  # harmonics 60..240 Hz
    ref = mne.filter.notch_filter(X5, 500.0, [60.0, 120.0, 180.0, 240.0], verbose=False)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-10 * np.abs(ref).max())


def test_fft_method_equals_iir_away_from_edges(rng):
    X = rng.standard_normal((2, 3, 5000))
    a = bandpass(X, SFREQ, 1.0, 40.0, method="iir")
    b = bandpass(X, SFREQ, 1.0, 40.0, method="fft")
    interior = slice(1500, -1500)
    assert np.abs(a[..., interior] - b[..., interior]).max() < 1e-5 * np.abs(a).max()


def test_causal_equals_sosfilt(rng):
    X = rng.standard_normal((3, 1000))
    sos = design_iir_filter(SFREQ, 0.5, 45.0, order=4)
    np.testing.assert_allclose(bandpass(X, SFREQ, 0.5, 45.0, phase="causal"),
                               sosfilt(sos, X, axis=-1))
    sos_n = design_iir_notch(SFREQ, 50.0)
    np.testing.assert_allclose(notch(X, SFREQ, 50.0, phase="causal"),
                               sosfilt(sos_n, X, axis=-1))


@pytest.mark.parametrize("method", METHODS)
def test_vectorised_over_windows_and_input_unchanged(rng, method):
    X = rng.standard_normal((3, 2, 2000))
    before = X.copy()
    batch = bandpass(X, SFREQ, 1.0, 40.0, method=method)
    single = np.stack([bandpass(x, SFREQ, 1.0, 40.0, method=method) for x in X])
    np.testing.assert_allclose(batch, single, rtol=1e-10, atol=1e-12)
    notch(X, SFREQ, 50.0, method=method)
    np.testing.assert_array_equal(X, before)


def test_resample_matches_resample_poly_and_keeps_a_sine():
    x = _sine(10.0, sfreq=500.0, duration=4.0)
    y = resample(x, 500.0, 200.0)
    assert y.shape == (2, 800)
    np.testing.assert_allclose(y, resample_poly(x, 2, 5, axis=-1), atol=1e-12)
    t = np.arange(800) / 200.0
    np.testing.assert_allclose(y[0, 100:-100], np.sin(2 * np.pi * 10 * t)[100:-100], atol=2e-3)
    assert resample_ratio(256.0, 200.0) == (25, 32)
    assert polyphase_kernel(2, 5).size == 101
    before = x.copy()
    same = resample(x, 200.0, 200.0)
    np.testing.assert_array_equal(same, x)
    assert same is not x
    np.testing.assert_array_equal(x, before)


def test_rereference_average_channel_and_list(rng):
    X = rng.standard_normal((2, 4, 100))
    names = ["Fp1", "Cz", "A1", "A2"]
    avg = rereference(X, names)
    np.testing.assert_allclose(avg.mean(axis=-2), 0.0, atol=1e-12)
    cz = rereference(X, names, "CZ")  # case-insensitive
    np.testing.assert_allclose(cz[:, 1], 0.0)
    np.testing.assert_allclose(cz[:, 0], X[:, 0] - X[:, 1])
    before = X.copy()
    linked = rereference(X, names, ["A1", "A2"])
    np.testing.assert_array_equal(X, before)
    np.testing.assert_allclose(linked[:, 0], X[:, 0] - X[:, 2:].mean(axis=1))


def test_apply_helpers(rng):
    X = rng.standard_normal((2, 500))
    np.testing.assert_allclose(apply_fir(X, [2.0]), 2 * X)
    h = design_fir_filter(100.0, None, 20.0)
    assert h.size % 2 == 1 and abs(h.sum() - 1) < 1e-6
    y = apply_sos(X, design_iir_filter(100.0, None, 20.0), phase="causal")
    assert y.shape == X.shape


# ----------------------------------------------------------------------------- bad input
def test_nan_and_inf_raise_data_quality_error():
    X = _sine(10.0)
    X[0, 5] = np.nan
    with pytest.raises(DataQualityError, match="NaN/Inf"):
        bandpass(X, SFREQ)
    X[0, 5] = np.inf
    with pytest.raises(DataQualityError, match="NaN/Inf"):
        notch(X, SFREQ, 50.0)


def test_sfreq_too_low_for_band():
    with pytest.raises(ValueError, match="sfreq too low for the requested band 0.5-50 Hz"):
        bandpass(_sine(10.0, sfreq=100.0), 100.0, 0.5, 50.0)
    with pytest.raises(ValueError, match="sfreq too low.*l_freq=60"):
        highpass(_sine(10.0, sfreq=100.0), 100.0, 60.0)
    with pytest.raises(ValueError, match="sfreq too low for the requested notch"):
        notch(_sine(10.0, sfreq=100.0), 100.0, 60.0)


def test_band_errors():
    X = _sine(10.0)
    with pytest.raises(ValueError, match="must be below h_freq"):
        bandpass(X, SFREQ, 30.0, 10.0)
    with pytest.raises(ValueError, match="are both None"):
        filter_data(X, SFREQ, None, None)
    with pytest.raises(ValueError, match="l_freq must be in"):
        bandpass(X, SFREQ, 0.0, 10.0)
    with pytest.raises(ValueError, match="must be a number or a 1-D"):
        notch_frequencies(SFREQ, [])


def test_window_shorter_than_filter():
    with pytest.raises(ValueError, match="shorter than the filter padlen"):
        bandpass(np.ones((2, 20)) + np.arange(20), SFREQ, 1.0, 40.0)
    with pytest.raises(ValueError, match="shorter than the filter padlen"):
        bandpass(_sine(10.0, duration=1.0), SFREQ, 0.5, 40.0, method="fir")
    with pytest.raises(ValueError, match="shorter than the filter padlen"):
        notch(np.arange(10.0), SFREQ, 50.0, method="fft")


def test_causal_needs_iir_and_bad_options():
    X = _sine(10.0)
    with pytest.raises(ValueError, match="phase='causal' needs method='iir'"):
        bandpass(X, SFREQ, method="fir", phase="causal")
    with pytest.raises(ValueError, match="phase='causal' needs method='iir'"):
        notch(X, SFREQ, method="fft", phase="causal")
    with pytest.raises(ValueError, match="Did you mean 'fir'"):
        bandpass(X, SFREQ, method="firr")
    with pytest.raises(ValueError, match="got a scalar"):
        bandpass(3.0, SFREQ)
    with pytest.raises(ValueError, match="sos must have shape"):
        apply_sos(X, np.ones((2, 5)))
    with pytest.raises(ValueError, match="odd number of taps"):
        apply_fir(X, np.ones(4))


def test_resample_and_rereference_errors():
    with pytest.raises(ValueError, match="not a ratio of small integers"):
        resample(_sine(10.0), 250.0, 250.0 * np.sqrt(2))
    X = np.ones((3, 10))
    with pytest.raises(ValueError, match="n_chans=len\\(ch_names\\)=2"):
        rereference(X, ["Fp1", "Fp2"])
    with pytest.raises(ValueError, match="ref must be 'average'"):
        rereference(X, ["Fp1", "Fp2", "Cz"], [])
    with pytest.raises(ValueError, match="lacks the channel.*Did you mean 'Cz'"):
        rereference(X, ["Fp1", "Fp2", "Cz"], "Cx")


def test_bandpass_notch_equals_sequential_filters(rng):
    X = 1e-5 * rng.standard_normal((3, 4, 3000))
    before = X.copy()
    seq = notch(bandpass(X, 200.0, 0.5, 50.0, method="fir"), 200.0, 60.0, method="fir")
    one = bandpass_notch(X, 200.0, 0.5, 50.0, 60.0, method="fir")
    np.testing.assert_allclose(one, seq, rtol=0, atol=1e-10 * np.abs(seq).max())
    assert design_fir_chain(200.0, 0.5, 50.0, 60.0).size == 2 * 1321 - 1
    causal = bandpass_notch(X, 200.0, 1.0, 40.0, 50.0, phase="causal")
    seq_c = notch(bandpass(X, 200.0, 1.0, 40.0, phase="causal"), 200.0, 50.0, phase="causal")
    np.testing.assert_allclose(causal, seq_c, rtol=0, atol=1e-10 * np.abs(seq_c).max())
    zero = bandpass_notch(X, 200.0, 1.0, 40.0, 50.0)
    seq_z = notch(bandpass(X, 200.0, 1.0, 40.0), 200.0, 50.0)
    assert np.abs(zero - seq_z)[..., 1000:-1000].max() < 1e-5 * np.abs(seq_z).max()
    fft = bandpass_notch(X, 200.0, 1.0, 40.0, 50.0, method="fft")
    assert np.abs(fft - zero)[..., 1000:-1000].max() < 1e-5 * np.abs(zero).max()
    np.testing.assert_allclose(bandpass_notch(X, 200.0, None, None, 50.0, method="fir"),
                               notch(X, 200.0, 50.0, method="fir"), atol=1e-18)
    np.testing.assert_array_equal(X, before)


def test_float32_fir_path_is_close_to_float64(rng):
    X = (1e-5 * rng.standard_normal((2, 3, 3000))).astype(np.float32)
    y32 = bandpass_notch(X, 200.0, 0.5, 50.0, 60.0, method="fir", dtype=np.float32)
    y64 = bandpass_notch(X, 200.0, 0.5, 50.0, 60.0, method="fir")
    assert y32.dtype == np.float32 and y64.dtype == np.float64
    assert np.abs(y32 - y64).max() < 1e-5 * np.abs(y64).max()
    y = apply_fir(X, design_fir_filter(200.0, 1.0, None), dtype=np.float32)
    assert y.dtype == np.float32
    assert bandpass_notch(X, 200.0, 1.0, 40.0, 50.0, dtype=np.float32).dtype == np.float32


def test_bandpass_notch_errors():
    X = _sine(10.0)
    with pytest.raises(ValueError, match="Nothing to filter"):
        bandpass_notch(X, SFREQ, None, None, None)
    with pytest.raises(ValueError, match="Nothing to filter"):
        design_fir_chain(SFREQ, None, None, None)
    with pytest.raises(ValueError, match="phase='causal' needs method='iir'"):
        bandpass_notch(X, SFREQ, method="fir", phase="causal")
    with pytest.raises(ValueError, match="dtype must be float64 or float32"):
        bandpass_notch(X, SFREQ, method="fir", dtype=np.int16)


def test_fir_response_equals_the_cosine_sum_and_the_filter_gain(rng):
    h = design_fir_chain(200.0, 0.5, 50.0, 60.0)
    half = (h.size - 1) // 2
    for n_fft in (400, 1000, 256):  # 256 < 2641 taps: the wrapped kernel is still exact
        freqs, resp = fir_response(h, 200.0, n_fft)
        assert freqs.shape == resp.shape == (n_fft // 2 + 1,)
        k = np.arange(-half, half + 1)
        direct = (h * np.cos(2 * np.pi * np.outer(freqs, k) / 200.0)).sum(axis=1)
        np.testing.assert_allclose(resp, direct, rtol=0, atol=1e-12)
    freqs, resp = fir_response(h, 200.0, 400)
    at = {f: resp[int(round(f / 0.5))] for f in (0.0, 10.0, 30.0, 60.0)}
    assert abs(at[0.0]) < 1e-6 and abs(at[60.0]) < 1e-2  # high-pass and notch
    assert abs(at[10.0] - 1) < 2e-3 and abs(at[30.0] - 1) < 2e-3  # pass band
    # the response is the gain of the filter on a sine (away from the edges)
    y = bandpass_notch(_sine(22.0, 200.0, 40.0, 1), 200.0, 0.5, 50.0, 60.0, method="fir")
    gain = np.sqrt(2 * np.mean(y[..., 3000:-3000] ** 2))
    np.testing.assert_allclose(gain, abs(resp[44]), rtol=1e-3)


def test_fir_response_errors():
    with pytest.raises(ValueError, match="odd-length symmetric.*got 4 taps"):
        fir_response(np.ones(4), 200.0, 64)
    with pytest.raises(ValueError, match="got 3 taps that are not symmetric"):
        fir_response([1.0, 2.0, 3.0], 200.0, 64)
    with pytest.raises(ValueError, match="n_fft"):
        fir_response(np.ones(3), 200.0, 0)


def test_fir_on_many_rows_equals_row_by_row(rng):
    """Several FFT blocks, the last one partial, reuse one padded buffer: no leftovers."""
    X = (1e-5 * rng.standard_normal((23, 3000))).astype(np.float32)
    X[5] += 1e-4  # an offset in one row: the odd reflection of its neighbours must not see it
    h = design_fir_chain(200.0, 0.5, 50.0, 60.0)
    whole = apply_fir(X, h, dtype=np.float32)
    rows = np.stack([apply_fir(x[None], h, dtype=np.float32)[0] for x in X])
    np.testing.assert_allclose(whole, rows, rtol=0, atol=1e-6 * np.abs(rows).max())
    ref = apply_fir(X.astype(np.float64), h)
    np.testing.assert_allclose(whole, ref, rtol=0, atol=2e-6 * np.abs(ref).max())
