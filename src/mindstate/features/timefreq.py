"""Time-frequency features: discrete-wavelet band energies and spectral entropy.

A ``level``-deep discrete wavelet decomposition (PyWavelets ``wavedec``) splits
``[0, sfreq/2]`` dyadically: detail level ``j`` covers roughly ``[sfreq / 2^(j+1),
sfreq / 2^j]`` Hz and the final approximation ``[0, sfreq / 2^(level+1)]`` Hz (the edges are
nominal: wavelet filters overlap). With the default level (the smallest with an
approximation band ≤ 4 Hz) at 256 Hz the bands are 0-4 (δ), 4-8 (θ), 8-16 (α), 16-32 (β),
32-64 and 64-128 Hz (γ). Energies are sums of squared coefficients of the periodised
transform (V²; for an orthogonal wavelet and ``n_times`` divisible by ``2^level`` they add up
to the signal energy by Parseval). Periodisation is used because symmetric boundary
extension puts spurious energy into the coarse levels of short windows (15 % of a 22 Hz
sine's energy landed in the 0-4 Hz band of a 4 s window). Relative energies divide by the
sum over bands.

Spectral entropy (normalised Shannon entropy of the Welch PSD; white noise ≈ 1, a pure sine
≈ 0) is computed by :func:`spectral_entropy`, which :class:`SpectralEntropy` wraps as a
transformer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from .._validation import check_int, check_option, check_sfreq, check_type
from ..preprocess.normalize import FLAT_REL_EPS, _as_signals, _data_scale, _handle_flat
from .psd import _check_positive, _check_windows, _flat_channels, _raise_flat, psd_welch
from .time import _WindowFeatures

__all__ = [
    "SpectralEntropy",
    "WaveletEnergy",
    "default_wavelet_level",
    "wavelet_band_edges",
    "spectral_entropy",
    "wavelet_band_energies",
]

OnFlat = Literal["raise", "warn", "ignore"]


def _check_wavelet(wavelet: str) -> Any:
    import pywt

    check_type(wavelet, str, "wavelet")
    check_option(wavelet, pywt.wavelist(kind="discrete"), "wavelet")
    return pywt.Wavelet(wavelet)


def default_wavelet_level(sfreq: float, n_times: int, wavelet: str = "db4") -> int:
    """Smallest level whose approximation band is at most 4 Hz, capped by the signal length.

    Parameters
    ----------
    sfreq : float
        Sampling frequency in Hz.
    n_times : int
        Signal length in samples.
    wavelet : str
        Discrete wavelet name.

    Returns
    -------
    level : int
        Decomposition depth (>= 1).
    """
    import pywt

    sf = check_sfreq(sfreq)
    n = check_int(n_times, "n_times", min_value=1)
    wav = _check_wavelet(wavelet)
    want = max(1, int(np.ceil(np.log2(sf / 8.0))))  # sfreq / 2^(L+1) <= 4 Hz
    max_level = pywt.dwt_max_level(n, wav.dec_len)
    if max_level < 1:
        raise ValueError(
            f"n_times={n} is too short for a {wavelet!r} decomposition; need at least "
            f"{wav.dec_len} samples."
        )
    return int(min(want, max_level))


def wavelet_band_edges(sfreq: float, level: int) -> list[tuple[float, float]]:
    """Nominal frequency band (Hz) of each coefficient array, from low to high frequency.

    Parameters
    ----------
    sfreq : float
        Sampling frequency in Hz.
    level : int
        Decomposition depth.

    Returns
    -------
    edges : list of (float, float)
        ``[A_level, D_level, ..., D_1]`` bands: ``(0, sfreq/2^(level+1))`` then
        ``(sfreq/2^(j+1), sfreq/2^j)`` for j = level .. 1.
    """
    sf = check_sfreq(sfreq)
    lev = check_int(level, "level", min_value=1)
    edges = [(0.0, sf / 2 ** (lev + 1))]
    edges += [(sf / 2 ** (j + 1), sf / 2**j) for j in range(lev, 0, -1)]
    return edges


def wavelet_band_energies(
    X: Any,
    sfreq: float,
    *,
    wavelet: str = "db4",
    level: int | None = None,
    relative: bool = True,
    on_flat: OnFlat = "raise",
) -> NDArray[np.float64]:
    """Energy of each wavelet band of every series.

    Parameters
    ----------
    X : array-like of shape (..., n_chans, n_times)
        Signals in volts.
    sfreq : float
        Sampling frequency in Hz.
    wavelet : str
        Discrete wavelet (PyWavelets name).
    level : int | None
        Decomposition depth; None uses :func:`default_wavelet_level`.
    relative : bool
        Divide by the total energy (then the bands sum to 1).
    on_flat : {"raise", "warn", "ignore"}
        What to do with a flat series when ``relative`` (its relative energies are 0 when
        not raising).

    Returns
    -------
    energies : ndarray of shape (..., n_chans, level + 1)
        Band energies ordered as :func:`wavelet_band_edges` (V², or fractions).
    """
    import pywt

    sf = check_sfreq(sfreq)
    arr = _as_signals(X, min_samples=2)
    wav = _check_wavelet(wavelet)
    check_type(relative, bool, "relative")
    check_option(on_flat, ("raise", "warn", "ignore"), "on_flat")
    n = arr.shape[-1]
    max_level = pywt.dwt_max_level(n, wav.dec_len)
    if level is None:
        lev = default_wavelet_level(sf, n, wavelet)
    else:
        lev = check_int(level, "level", min_value=1)
        if lev > max_level:
            raise ValueError(
                f"level must be <= {max_level} for n_times={n} and wavelet {wavelet!r}; "
                f"got {lev}. Use longer windows or a lower level."
            )
    coeffs = pywt.wavedec(arr, wav, level=lev, axis=-1, mode="periodization")
    E = np.stack([np.sum(c**2, axis=-1) for c in coeffs], axis=-1)  # (..., level + 1)
    if not relative:
        return E
    total = E.sum(axis=-1, keepdims=True)
    flat = arr.std(axis=-1) <= FLAT_REL_EPS * _data_scale(arr)
    _handle_flat(flat, on_flat, None, "wavelet_band_energies (relative)")
    zero = flat[..., None] | (total <= 0)
    return np.where(zero, 0.0, E / np.where(zero, 1.0, total))


def spectral_entropy(
    X: Any,
    sfreq: float,
    *,
    fmin: float = 1.0,
    fmax: float | None = None,
    normalize: bool = True,
    n_per_seg: int | None = None,
    n_overlap: int | None = None,
    window: str | tuple[Any, ...] = "hann",
) -> NDArray[np.float64]:
    """Shannon entropy of the normalised Welch PSD between ``fmin`` and ``fmax``.

    Parameters
    ----------
    X : array-like of shape (..., n_chans, n_times)
        EEG in volts.
    sfreq : float
        Sampling frequency in Hz.
    fmin, fmax : float
        Frequency range in Hz (inclusive); ``fmax=None`` means Nyquist.
    normalize : bool
        Divide by ``log(n_bins)`` so that white noise scores about 1 and a pure sine
        about 0.
    n_per_seg, n_overlap : int | None
        Welch segment length and overlap in samples (see :func:`psd_welch`).
    window : str | tuple
        Welch window.

    Returns
    -------
    entropy : ndarray of shape (..., n_chans)
        In nats, or unitless in [0, 1] when ``normalize``.

    Raises
    ------
    DataQualityError
        For NaN/Inf or flat channels (no power to normalise).
    """
    X = _check_windows(X)
    _raise_flat(_flat_channels(X), "spectral entropy")
    psd, freqs = psd_welch(X, sfreq, fmin=fmin, fmax=fmax, n_per_seg=n_per_seg,
                           n_overlap=n_overlap, window=window)
    total = psd.sum(axis=-1, keepdims=True)
    _check_positive(total, f"the power between {fmin:g} and {fmax} Hz")
    p = psd / total
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p), 0.0)
    ent = -terms.sum(axis=-1)
    if normalize and freqs.size > 1:
        ent = ent / np.log(freqs.size)
    return ent


class WaveletEnergy(_WindowFeatures):
    """Wavelet band energies per channel as a feature vector (scikit-learn transformer).

    Parameters
    ----------
    sfreq : float
        Sampling frequency in Hz.
    wavelet : str
        Discrete wavelet name.
    level : int | None
        Depth; None picks :func:`default_wavelet_level` for the windows seen in ``fit``.
    relative : bool
        Relative (default) or absolute energies.
    ch_names : list of str | None
        Channel names used in feature names.
    on_flat : {"raise", "warn", "ignore"}
        What to do with flat windows.

    Attributes
    ----------
    level_ : int
        Depth used (fixed at ``fit`` so every window gives the same columns).
    band_edges_ : list of (float, float)
        Nominal band of each column group, in Hz.
    n_chans_ : int
        Number of channels seen in ``fit``.
    """

    def __init__(
        self,
        sfreq: float,
        wavelet: str = "db4",
        level: int | None = None,
        relative: bool = True,
        *,
        ch_names: Sequence[str] | None = None,
        on_flat: OnFlat = "raise",
    ) -> None:
        self.sfreq = sfreq
        self.wavelet = wavelet
        self.level = level
        self.relative = relative
        self.ch_names = ch_names
        self.on_flat = on_flat

    def _prepare(self, X: NDArray[np.float64]) -> None:
        sf = check_sfreq(self.sfreq)
        if self.level is None:
            self.level_ = default_wavelet_level(sf, X.shape[-1], self.wavelet)
        else:
            _check_wavelet(self.wavelet)
            self.level_ = check_int(self.level, "level", min_value=1)
        self.band_edges_ = wavelet_band_edges(sf, self.level_)

    def _labels(self) -> list[str]:
        return [f"wav_{lo:g}-{hi:g}Hz" for lo, hi in self.band_edges_]

    def _compute(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        return wavelet_band_energies(
            X, self.sfreq, wavelet=self.wavelet, level=self.level_, relative=self.relative,
            on_flat=self.on_flat,
        )


class SpectralEntropy(_WindowFeatures):
    """Normalised spectral entropy per channel (scikit-learn transformer).

    Parameters
    ----------
    sfreq : float
        Sampling frequency in Hz.
    fmin : float
        Lowest frequency in Hz.
    fmax : float | None
        Highest frequency in Hz (None: Nyquist).
    ch_names : list of str | None
        Channel names used in feature names.

    Attributes
    ----------
    n_chans_ : int
        Number of channels seen in ``fit``.
    """

    def __init__(
        self,
        sfreq: float,
        fmin: float = 1.0,
        fmax: float | None = None,
        *,
        ch_names: Sequence[str] | None = None,
    ) -> None:
        self.sfreq = sfreq
        self.fmin = fmin
        self.fmax = fmax
        self.ch_names = ch_names

    def _prepare(self, X: NDArray[np.float64]) -> None:
        check_sfreq(self.sfreq)

    def _labels(self) -> list[str]:
        return ["spectral_entropy"]

    def _compute(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        ent = spectral_entropy(X, self.sfreq, fmin=self.fmin, fmax=self.fmax, normalize=True)
        return ent[..., None]
