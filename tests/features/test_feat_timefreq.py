"""Tests for mindstate.features.timefreq."""

from __future__ import annotations

import numpy as np
import pytest

from mindstate.exceptions import DataQualityError, NotFittedError
from mindstate.features.timefreq import (
    SpectralEntropy,
    WaveletEnergy,
    default_wavelet_level,
    wavelet_band_edges,
    wavelet_band_energies,
)

SF = 256.0


def _sine(f, duration=4.0, amp=10e-6):
    t = np.arange(int(duration * SF)) / SF
    return amp * np.sin(2 * np.pi * f * t)


def test_band_edges_and_default_level():
    assert default_wavelet_level(256.0, 1024) == 5
    assert wavelet_band_edges(256.0, 5) == [(0.0, 4.0), (4.0, 8.0), (8.0, 16.0), (16.0, 32.0),
                                            (32.0, 64.0), (64.0, 128.0)]
    assert default_wavelet_level(200.0, 2000) == 5  # approximation 0-3.125 Hz
    assert default_wavelet_level(256.0, 64) == 3  # capped by the signal length
    with pytest.raises(ValueError, match="too short"):
        default_wavelet_level(256.0, 4)


@pytest.mark.parametrize("freq,band", [(2.0, 0), (6.0, 1), (11.0, 2), (22.0, 3), (45.0, 4)])
def test_sine_energy_lands_in_its_band(freq, band):
    E = wavelet_band_energies(_sine(freq), SF)
    assert E.shape == (6,)
    assert E.sum() == pytest.approx(1.0)
    assert np.argmax(E) == band and E[band] > 0.75


def test_absolute_energy_parseval(rng):
    X = rng.standard_normal((2, 3, 1024)) * 1e-5
    before = X.copy()
    E = wavelet_band_energies(X, SF, relative=False)  # orthogonal db4, periodised
    np.testing.assert_allclose(E.sum(-1), np.sum(X**2, -1), rtol=1e-10)
    np.testing.assert_array_equal(X, before)
    # white noise: energy roughly halves per level towards low frequencies
    rel = wavelet_band_energies(rng.standard_normal((200, 4096)), SF, wavelet="db1").mean(0)
    np.testing.assert_allclose(rel[-1], 0.5, atol=0.02)
    np.testing.assert_allclose(rel[-2], 0.25, atol=0.02)


def test_wavelet_energy_errors():
    x = np.ones((2, 512))
    with pytest.raises(DataQualityError, match="flat channel"):
        wavelet_band_energies(x, SF)
    np.testing.assert_array_equal(wavelet_band_energies(x, SF, on_flat="ignore"), 0.0)
    with pytest.raises(ValueError, match="level must be <="):
        wavelet_band_energies(_sine(5.0, 0.25), SF, level=9)
    with pytest.raises(ValueError, match="wavelet must be one of.*Did you mean 'db4'"):
        wavelet_band_energies(_sine(5.0), SF, wavelet="db-4")
    with pytest.raises(TypeError, match="relative must be bool"):
        wavelet_band_energies(_sine(5.0), SF, relative="yes")
    with pytest.raises(DataQualityError, match="NaN"):
        wavelet_band_energies(np.array([np.nan] * 64), SF)


def test_wavelet_energy_transformer(rng):
    X = rng.standard_normal((4, 2, 512)) * 1e-5
    X[:, 1] += _sine(11.0, 2.0, 100e-6)
    we = WaveletEnergy(SF, ch_names=["O1", "O2"])
    with pytest.raises(NotFittedError, match="not fitted"):
        we.transform(X)
    out = we.fit(X).transform(X)
    assert we.level_ == 5 and out.shape == (4, 12)
    names = list(we.get_feature_names_out())
    assert names[0] == "O1_wav_0-4Hz" and names[8] == "O2_wav_8-16Hz"
    assert (out[:, 8] > 0.8).all() and (out[:, 2] < 0.3).all()
    np.testing.assert_allclose(out.reshape(4, 2, 6).sum(-1), 1.0)
    assert WaveletEnergy(SF, level=3).fit(X).transform(X).shape == (4, 8)
    with pytest.raises(ValueError, match="sfreq must be in"):
        WaveletEnergy(-1.0).fit(X)


# ---------------------------------------------------------------------- spectral entropy
def test_spectral_entropy_transformer(rng):
    noise = rng.standard_normal((3, 1, 2048))
    sine = np.tile(_sine(10.0, 8.0), (3, 1, 1))
    X = np.concatenate([noise, sine], axis=1)
    se = SpectralEntropy(SF, ch_names=["noise", "sine"]).fit(X)
    out = se.transform(X)
    assert out.shape == (3, 2)
    assert (out[:, 0] > 0.9).all() and (out[:, 0] <= 1.0).all()
    assert (out[:, 1] < 0.3).all()
    assert list(se.get_feature_names_out()) == ["noise_spectral_entropy", "sine_spectral_entropy"]
    with pytest.raises(ValueError, match="n_chans=2 channels"):
        se.transform(X[:, :1])
    flat = X.copy()
    flat[:, 0] = 0.0
    with pytest.raises(DataQualityError, match="flat"):
        se.transform(flat)
