"""Signal building blocks of mindstate.simulate.eeg: spectra, amplitudes, topographies."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import welch

from mindstate.simulate.eeg import (
    STANDARD_1020,
    band_oscillation,
    blink_artifacts,
    flat_channel,
    line_noise,
    mix_sources,
    muscle_bursts,
    pink_noise,
    smoothing_matrix,
    spatial_pattern,
)

SF = 128.0


def test_standard_montage_has_the_19_old_names():
    assert len(STANDARD_1020) == 19
    assert {"T3", "T4", "T5", "T6"} <= set(STANDARD_1020)
    assert "T7" not in STANDARD_1020


def test_pink_noise_rms_and_slope():
    x = pink_noise(4, 60 * 512, 512.0, exponent=1.0, rms=10e-6, random_state=0)
    assert x.shape == (4, 60 * 512)
    np.testing.assert_allclose(np.sqrt(np.mean(x**2, axis=1)), 10e-6, rtol=1e-9)
    np.testing.assert_allclose(x.mean(axis=1), 0.0, atol=1e-12)
    f, p = welch(x, 512.0, nperseg=1024)
    keep = (f >= 2) & (f <= 100)
    slope = np.polyfit(np.log(f[keep]), np.log(p[:, keep].mean(0)), 1)[0]
    assert slope == pytest.approx(-1.0, abs=0.1)


def test_pink_noise_exponent_two_is_steeper():
    x = pink_noise(2, 30 * 256, 256.0, exponent=2.0, random_state=1)
    f, p = welch(x, 256.0, nperseg=512)
    keep = (f >= 2) & (f <= 60)
    slope = np.polyfit(np.log(f[keep]), np.log(p[:, keep].mean(0)), 1)[0]
    assert slope == pytest.approx(-2.0, abs=0.15)


def test_random_state_determinism_and_generator():
    a = pink_noise(2, 1000, SF, random_state=5)
    b = pink_noise(2, 1000, SF, random_state=5)
    c = pink_noise(2, 1000, SF, random_state=6)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    g = np.random.default_rng(3)
    d = pink_noise(2, 1000, SF, random_state=g)
    assert d.shape == (2, 1000)


def test_band_oscillation_is_unit_rms_and_inside_band():
    x = band_oscillation(60 * 256, 256.0, (8.0, 12.0), random_state=0)
    assert np.sqrt(np.mean(x**2)) == pytest.approx(1.0, rel=1e-9)
    spec = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(len(x), 1 / 256.0)
    inside = (f >= 8.0) & (f <= 12.0)
    assert spec[inside].sum() / spec.sum() > 0.999
    # the amplitude waxes and wanes (random modulation), but not wildly
    from scipy.signal import hilbert

    env = np.abs(hilbert(x))
    assert 0.05 < env.std() / env.mean() < 0.6


def test_band_oscillation_without_modulation_has_flat_envelope():
    from scipy.signal import hilbert

    x = band_oscillation(30 * 256, 256.0, (9.0, 11.0), am_depth=0.0, fm_depth=0.0,
                         random_state=2)
    env = np.abs(hilbert(x))[256:-256]
    assert env.std() / env.mean() < 0.05


@pytest.mark.parametrize("band,exc,match", [
    ((12.0, 8.0), ValueError, "0 < low < high"),
    ((8.0, 70.0), ValueError, "sfreq / 2"),
    ((8.0,), TypeError, "band must be a"),
    ("alpha", TypeError, "band must be a"),
])
def test_band_oscillation_rejects_bad_bands(band, exc, match):
    with pytest.raises(exc, match=match):
        band_oscillation(1000, SF, band, random_state=0)


def test_band_oscillation_rejects_band_without_bins():
    with pytest.raises(ValueError, match="holds no frequency bin"):
        band_oscillation(16, SF, (10.0, 10.5), random_state=0)


def test_spatial_pattern_peaks_at_focus_and_decays():
    w = spatial_pattern(STANDARD_1020, "O1", width=0.4)
    assert w[STANDARD_1020.index("O1")] == pytest.approx(1.0)
    assert w[STANDARD_1020.index("O2")] > w[STANDARD_1020.index("Fp2")]
    assert w[STANDARD_1020.index("Fp2")] < 0.01
    # new temporal names are accepted as aliases
    w2 = spatial_pattern(["T7", "T3"], (-1.0, 0.0))
    np.testing.assert_allclose(w2, [1.0, 1.0])


def test_spatial_pattern_errors():
    with pytest.raises(ValueError, match="no 10-20 position for channel 'Fpz1'"):
        spatial_pattern(["Fp1", "Fpz1"], "Cz")
    with pytest.raises(ValueError, match="focus must be a channel name or an"):
        spatial_pattern(["Fp1"], (0.0, 0.0, 1.0))


def test_smoothing_matrix_keeps_unit_rms_and_correlates_neighbours():
    k = smoothing_matrix(STANDARD_1020)
    np.testing.assert_allclose(np.linalg.norm(k, axis=1), 1.0)
    x = k @ np.random.default_rng(0).standard_normal((19, 20000))
    np.testing.assert_allclose(x.std(axis=1), 1.0, rtol=0.03)
    c = np.corrcoef(x)
    i, j, far = STANDARD_1020.index("C3"), STANDARD_1020.index("Cz"), STANDARD_1020.index("O2")
    assert c[i, j] > 0.3 > c[i, far]


def test_mix_sources_and_shape_error():
    src = np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 0.0]])
    pat = np.array([[1.0, 0.0], [0.5, 2.0]])
    np.testing.assert_allclose(mix_sources(src, pat), [[1, 2, 3], [0.5, 3.0, 1.5]])
    with pytest.raises(ValueError, match="one column per source"):
        mix_sources(src, np.ones((2, 3)))


def test_blinks_are_frontal_and_in_range():
    names = [*STANDARD_1020, "VEOG", "EKG"]
    x = blink_artifacts(names, 120 * 256, 256.0, rate_per_min=20.0, random_state=0)
    peak = np.abs(x).max(axis=1)
    fp1 = peak[names.index("Fp1")]
    assert 100e-6 <= fp1 <= 200e-6 * 1.01
    assert peak[names.index("VEOG")] == pytest.approx(1.5 * fp1)
    assert peak[names.index("O1")] < 0.05 * fp1
    assert peak[names.index("EKG")] == 0.0
    # blink durations: every contiguous bump lasts 200-400 ms
    active = x[names.index("Fp1")] > 1e-9
    edges = np.flatnonzero(np.diff(active.astype(int)))
    assert len(edges) >= 2 * 20  # about 40 blinks expected in 2 min
    starts, stops = edges[::2], edges[1::2]
    widths = (stops - starts[: len(stops)]) / 256.0
    assert np.all((widths > 0.15) & (widths <= 0.41))


def test_muscle_bursts_are_temporal_and_broadband():
    x = muscle_bursts(list(STANDARD_1020), 120 * 256, 256.0, rate_per_min=10.0, random_state=1)
    power = (x**2).mean(axis=1)
    temporal = np.mean([power[STANDARD_1020.index(c)] for c in ("T3", "T4")])
    assert temporal > 10 * power[STANDARD_1020.index("Cz")]
    f, p = welch(x[STANDARD_1020.index("T3")] + x[STANDARD_1020.index("T4")], 256.0,
                 nperseg=256)
    assert p[(f >= 20) & (f <= 100)].sum() / p.sum() > 0.97


def test_muscle_band_is_capped_below_nyquist():
    x = muscle_bursts(["T3"], 60 * 128, 128.0, rate_per_min=20.0, random_state=2)
    f, p = welch(x[0], 128.0, nperseg=128)
    assert p[f > 0.45 * 128 + 1].sum() / p.sum() < 0.01


def test_line_noise_frequency_and_amplitude():
    x = line_noise(3, 10 * 500, 500.0, 60.0, amplitude=2e-6, random_state=0)
    f, p = welch(x, 500.0, nperseg=500)
    assert np.all(f[np.argmax(p, axis=1)] == 60.0)
    amps = np.sqrt(2) * x.std(axis=1)
    assert np.all((amps >= 1e-6 * 0.99) & (amps <= 3e-6 * 1.01))
    with pytest.raises(ValueError, match="freq must be in"):
        line_noise(1, 100, 100.0, 50.0)


def test_flat_channel_returns_new_array():
    data = np.arange(12, dtype=float).reshape(3, 4)
    before = data.copy()
    out = flat_channel(data, 1, value=2.5)
    np.testing.assert_array_equal(data, before)
    np.testing.assert_array_equal(out[1], 2.5)
    np.testing.assert_array_equal(out[[0, 2]], data[[0, 2]])
    with pytest.raises(ValueError, match="index must address one of the 3 channels"):
        flat_channel(data, 3)
