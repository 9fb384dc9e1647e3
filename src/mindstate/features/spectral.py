"""Spectral features: band powers (plain and after MNE's FIR chain), differential entropy.

The Welch PSD, the band conventions (half-open bands, power as ``sum(PSD) * df`` in V²)
and :data:`BANDS` are documented in :mod:`mindstate.features.psd`; spectral entropy lives
in :mod:`mindstate.features.timefreq`. Their public names are re-exported here.

- **Differential entropy** assumes a Gaussian signal: ``0.5 * log(2*pi*e*var)`` (nats) of
  the (band-filtered) signal, the feature of the SEED family of papers.
- :func:`filtered_band_power` is band power after MNE's default FIR band-pass + notch,
  without storing the filtered signal. (Its former ``method="spectral"`` approximation
  served only the preprocess benchmark and now lives beside it, in
  ``benchmarks/_spectral_path.py``.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, TransformerMixin

from .._validation import check_array, check_fitted, check_option, check_sfreq
from ..preprocess.chunked import chunked_apply
from ..preprocess.filters import (
    _check_dtype,
    _check_length,
    _fir_blocks,
    design_fir_chain,
    filter_data,
)
from .psd import (
    BANDS,
    _band_bins,
    _check_positive,
    _check_windows,
    _check_windows_lazy,
    _flat_channels,
    _powers_from_psd,
    _raise_flat,
    _welch_block_rows,
    _welch_plan,
    _welch_rows,
    check_bands,
    psd_welch,
)
from .timefreq import spectral_entropy

__all__ = [
    "FILTERED_BAND_POWER_METHODS",
    "BandPower",
    "DifferentialEntropy",
    "band_power",
    "chunked_bandpower",
    "differential_entropy",
    "filtered_band_power",
    # re-exported from psd and timefreq
    "BANDS",
    "check_bands",
    "psd_welch",
    "spectral_entropy",
]


def band_power(
    X: Any,
    sfreq: float,
    bands: Mapping[str, tuple[float, float]] | None = None,
    *,
    relative: bool = False,
    log: bool = False,
    n_per_seg: int | None = None,
    n_overlap: int | None = None,
    n_fft: int | None = None,
    window: str | tuple[Any, ...] = "hann",
    average: Literal["mean", "median"] = "mean",
    dtype: Any = np.float64,
) -> NDArray[np.float64]:
    """Power in each frequency band from the Welch PSD.

    Only the frequency bins that the bands cover are squared and averaged; the result
    equals summing the full :func:`psd_welch` over each band.

    Parameters
    ----------
    X : array-like of shape (..., n_chans, n_times)
        EEG in volts.
    sfreq : float
        Sampling frequency in Hz.
    bands : mapping of str to (float, float) | None
        Half-open bands ``[lo, hi)`` in Hz; default :data:`BANDS`.
    relative : bool
        Divide by the power over ``[min lo, max hi)``.
    log : bool
        Return the natural log of the (absolute or relative) power.
    n_per_seg, n_overlap, n_fft : int | None
        Welch segment length, overlap and FFT length in samples (see :func:`psd_welch`).
    window : str | tuple
        Welch window.
    average : {"mean", "median"}
        How segment periodograms are combined.
    dtype : {float64, float32}
        Precision of the segment FFTs (see :func:`psd_welch`).

    Returns
    -------
    power : ndarray of shape (..., n_chans, n_bands)
        Band power in V² (``sum(PSD) * df``), unitless if ``relative``; bands in the
        order of ``bands``.

    Raises
    ------
    ValueError
        For a band above Nyquist or holding no frequency bin.
    DataQualityError
        For NaN/Inf, or a flat channel when ``relative`` or ``log``.
    """
    sfreq = check_sfreq(sfreq)
    bands_d = check_bands(bands, sfreq)
    dt = _check_dtype(dtype)
    X = _check_windows_lazy(X, dt)
    if relative or log:
        _raise_flat(_flat_channels(X), "relative or log band power")
    check_option(average, ("mean", "median"), "average")
    n_times = X.shape[-1]
    bins = _band_bins(n_times, sfreq, bands_d, relative, n_per_seg, n_overlap, n_fft)
    plan = _welch_plan(n_times, sfreq, bins.n_per_seg, bins.n_overlap, bins.n_fft, window,
                       average, bins.lo, bins.hi, dt)
    rows = X.reshape(-1, n_times)
    psd = np.empty((rows.shape[0], bins.hi - bins.lo))
    block = _welch_block_rows(plan, dt.itemsize)
    for start in range(0, rows.shape[0], block):
        chunk = rows[start : start + block].astype(dt, copy=False)
        psd[start : start + block] = _welch_rows(chunk, plan)
    return _powers_from_psd(psd.reshape(*X.shape[:-1], -1), bins, bands_d, relative, log)


#: Implementations of :func:`filtered_band_power` (the approximate ``"spectral"`` path
#: moved to ``benchmarks/_spectral_path.py``, the only place that used it).
FILTERED_BAND_POWER_METHODS = ("fir",)


def filtered_band_power(
    X: Any,
    sfreq: float,
    bands: Mapping[str, tuple[float, float]] | None = None,
    *,
    l_freq: float | None = 0.5,
    h_freq: float | None = 50.0,
    notch_freqs: float | Sequence[float] | None = 50.0,
    harmonics: bool = True,
    method: Literal["fir"] = "fir",
    relative: bool = False,
    log: bool = False,
    n_per_seg: int | None = None,
    n_overlap: int | None = None,
    n_fft: int | None = None,
    window: str | tuple[Any, ...] = "hann",
    average: Literal["mean", "median"] = "mean",
    dtype: Any = np.float64,
) -> NDArray[np.float64]:
    """Band power after MNE's default FIR band-pass + notch, without storing the filtered signal.

    The chain is :func:`mindstate.preprocess.bandpass_notch` with ``method="fir"`` (MNE's
    ``filter_data`` then ``notch_filter`` with their defaults, as one kernel from
    :func:`mindstate.preprocess.filters.design_fir_chain`) followed by
    :func:`band_power`. It filters a few rows at a time by batched FFT convolution and
    computes their Welch PSD while they are in cache, and equals ``band_power(
    bandpass_notch(X, ..., method="fir"), ...)`` to floating-point precision.

    Parameters
    ----------
    X : array-like of shape (..., n_chans, n_times)
        EEG in volts; ``n_times`` must exceed the chain kernel (1321 + 1321 - 1 taps at
        200 Hz for the defaults).
    sfreq : float
        Sampling frequency in Hz.
    bands : mapping of str to (float, float) | None
        Half-open bands ``[lo, hi)`` in Hz; default :data:`BANDS`.
    l_freq, h_freq : float | None
        Band-pass edges in Hz (MNE semantics; both None: notch only).
    notch_freqs : float | sequence of float | None
        Mains frequencies in Hz (None: band-pass only).
    harmonics : bool
        Notch harmonics below Nyquist too.
    method : {"fir"}
        The exact FIR filtering (the only implementation here).
    relative, log : bool
        As in :func:`band_power`.
    n_per_seg, n_overlap, n_fft : int | None
        Welch segment length, overlap and FFT length in samples (see :func:`psd_welch`).
    window : str | tuple
        Welch window.
    average : {"mean", "median"}
        How segment periodograms are combined.
    dtype : {float64, float32}
        Precision of the FFTs (float32: about 1.5 times as fast, relative error about
        1e-6). Input of the other float dtype is converted a block of rows at a time.

    Returns
    -------
    power : ndarray of shape (..., n_chans, n_bands)
        Band power in V² of the filtered signal, unitless if ``relative``.

    Raises
    ------
    ValueError
        For an impossible band or filter, an unknown ``method``, or a window shorter
        than the chain kernel.
    DataQualityError
        For NaN/Inf, or a flat channel when ``relative`` or ``log``.
    """
    sfreq = check_sfreq(sfreq)
    bands_d = check_bands(bands, sfreq)
    check_option(method, FILTERED_BAND_POWER_METHODS, "method")
    check_option(average, ("mean", "median"), "average")
    dt = _check_dtype(dtype)
    X = _check_windows_lazy(X, dt)
    h = design_fir_chain(sfreq, l_freq, h_freq, notch_freqs, harmonics=harmonics)
    n_times = X.shape[-1]
    _check_length(n_times, h.size - 1, sfreq, f"the {h.size}-tap FIR band-pass + notch")
    if relative or log:
        _raise_flat(_flat_channels(X), "relative or log band power")
    bins = _band_bins(n_times, sfreq, bands_d, relative, n_per_seg, n_overlap, n_fft)
    plan = _welch_plan(n_times, sfreq, bins.n_per_seg, bins.n_overlap, bins.n_fft, window,
                       average, bins.lo, bins.hi, dt)
    rows = X.reshape(-1, n_times)
    psd = np.empty((rows.shape[0], bins.hi - bins.lo))
    for start, Y in _fir_blocks(rows, h, n_times, pad=(h.size - 1) // 2, dtype=dt):
        psd[start : start + Y.shape[0]] = _welch_rows(Y, plan)
    return _powers_from_psd(psd.reshape(*X.shape[:-1], -1), bins, bands_d, relative, log)


def differential_entropy(
    X: Any,
    sfreq: float | None = None,
    bands: Mapping[str, tuple[float, float]] | None = None,
    *,
    order: int = 4,
    method: Literal["iir", "fft", "fir"] = "iir",
) -> NDArray[np.float64]:
    """Gaussian differential entropy ``0.5 * log(2*pi*e*var)`` in nats.

    Parameters
    ----------
    X : array-like of shape (..., n_chans, n_times)
        EEG in volts.
    sfreq : float | None
        Sampling frequency in Hz; required when ``bands`` is given.
    bands : mapping of str to (float, float) | None
        If given, each band is band-passed first (zero-phase, :func:`bandpass`) and the
        DE of each band-limited signal is returned. ``None`` computes the DE of the
        signal as is.
    order : int
        Butterworth order of the band filters.
    method : {"iir", "fft", "fir"}
        Band filter implementation (see :mod:`mindstate.preprocess.filters`).

    Returns
    -------
    de : ndarray of shape (..., n_chans) or (..., n_chans, n_bands)
        Differential entropy in nats (of the signal in volts).

    Raises
    ------
    ValueError
        If ``bands`` is given without ``sfreq``, or a band is impossible for ``sfreq``.
    DataQualityError
        For NaN/Inf or flat (constant) channels, whose entropy is -inf.
    """
    X = _check_windows(X)
    _raise_flat(_flat_channels(X), "differential entropy")
    if bands is None:
        var = X.var(axis=-1)
        _check_positive(var, "the variance")
        return 0.5 * np.log(2 * np.pi * np.e * var)
    if sfreq is None:
        raise ValueError(
            "sfreq is required when bands are given (to band-pass each band); got sfreq=None."
        )
    sfreq = check_sfreq(sfreq)
    bands_d = check_bands(bands, sfreq)
    out = np.empty(X.shape[:-1] + (len(bands_d),), dtype=np.float64)
    for j, (lo, hi) in enumerate(bands_d.values()):
        l_freq = lo if lo > 0 else None
        h_freq = hi if hi < sfreq / 2 else None
        if l_freq is None and h_freq is None:
            Y = X
        else:
            Y = filter_data(X, sfreq, l_freq, h_freq, order=order, method=method)
        var = Y.var(axis=-1)
        _check_positive(var, f"the variance of band {list(bands_d)[j]!r}")
        out[..., j] = 0.5 * np.log(2 * np.pi * np.e * var)
    return out


def chunked_bandpower(
    source: Any,
    sfreq: float,
    *,
    window_s: float = 4.0,
    step_s: float | None = None,
    chunk_s: float = 60.0,
    bands: Mapping[str, tuple[float, float]] | None = None,
    relative: bool = False,
    log: bool = False,
    l_freq: float | None = None,
    h_freq: float | None = None,
    notch_freqs: float | Sequence[float] | None = None,
    harmonics: bool = True,
    method: Literal["fir", "iir"] = "fir",
    phase: Literal["zero", "causal"] = "zero",
    n_per_seg: int | None = None,
    n_overlap: int | None = None,
    window: str = "hann",
    n_times: int | None = None,
    n_jobs: int = 1,
) -> NDArray[np.float64]:
    """Band power of every window of a long recording, filtered and processed in chunks.

    Equals ``band_power(sliding_windows(notch(bandpass(X))))`` on the whole recording
    (same filter method) while holding only a few chunks in memory; see
    :func:`mindstate.preprocess.chunked.chunked_apply` for the chunking and the sources
    accepted (array, ``np.memmap``, ``MemmapLoader``, callable loader).

    Parameters
    ----------
    source : ndarray | np.memmap | MemmapLoader | callable
        The recording, shape (n_chans, n_times), in volts.
    sfreq : float
        Sampling frequency in Hz.
    window_s, step_s : float
        Window length and hop in seconds (hop defaults to the window length).
    chunk_s : float
        Approximate chunk length in seconds.
    bands : mapping of str to (float, float) | None
        Bands in Hz; default :data:`BANDS`.
    relative, log : bool
        As in :func:`band_power`.
    l_freq, h_freq : float | None
        Band-pass edges in Hz; both None (default): no band-pass.
    notch_freqs : float | sequence of float | None
        Mains frequencies to notch; None: no notch.
    harmonics : bool
        Notch harmonics too.
    method, phase : str
        ``("fir", "zero")`` (overlap, parallel) or ``("iir", "causal")`` (carried state).
    n_per_seg, n_overlap : int | None
        Welch segment length and overlap in samples (see :func:`psd_welch`).
    window : str
        Welch window.
    n_times : int | None
        Length of a callable source in samples.
    n_jobs : int
        Threads for ``method="fir"`` (-1: all cores).

    Returns
    -------
    power : ndarray of shape (n_windows, n_chans, n_bands)
        Band power per window.
    """
    sfreq = check_sfreq(sfreq)
    bands_d = check_bands(bands, sfreq)

    def func(windows: NDArray[np.float64]) -> NDArray[np.float64]:
        return band_power(windows, sfreq, bands_d, relative=relative, log=log,
                          n_per_seg=n_per_seg, n_overlap=n_overlap, window=window)

    return chunked_apply(source, sfreq, func, window_s=window_s, step_s=step_s,
                         chunk_s=chunk_s, l_freq=l_freq, h_freq=h_freq,
                         notch_freqs=notch_freqs, harmonics=harmonics, method=method,
                         phase=phase, n_times=n_times, n_jobs=n_jobs)


# ----------------------------------------------------------------------------- estimators
def _check_3d(X: Any, name: str = "X") -> NDArray[np.float64]:
    arr = check_array(X, name, ndim=3, shape_hint="(n_windows, n_chans, n_times)")
    return arr


def _feature_names(ch_names: Sequence[str], bands: Sequence[str]) -> NDArray[np.object_]:
    return np.asarray([f"{c}_{b}" for c in ch_names for b in bands], dtype=object)


class _SpectralTransformer:
    """Shared fit / names logic (scikit-learn estimator protocol)."""

    # Set by the subclasses' __init__ (declared here for the type checker only).
    sfreq: float
    bands: Mapping[str, tuple[float, float]] | None
    ch_names: Sequence[str] | None

    def _fit_common(self, X: Any) -> NDArray[np.float64]:
        X = _check_3d(X)
        check_sfreq(self.sfreq)
        self.bands_ = check_bands(self.bands, float(self.sfreq))
        self.n_chans_ = X.shape[1]
        if self.ch_names is not None and len(self.ch_names) != self.n_chans_:
            raise ValueError(
                f"ch_names has {len(self.ch_names)} names but X has {self.n_chans_} channels."
            )
        return X

    def _check_transform(self, X: Any) -> NDArray[np.float64]:
        check_fitted(self, "n_chans_")
        X = _check_3d(X)
        if X.shape[1] != self.n_chans_:
            raise ValueError(
                f"X has {X.shape[1]} channels but {type(self).__name__} was fitted on "
                f"{self.n_chans_}; got shape {X.shape}."
            )
        return X

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> Any:
        """Feature names ``"<channel>_<band>"`` in the column order of ``transform``.

        Parameters
        ----------
        input_features : sequence of str | None
            Channel names; default ``ch_names`` or ``ch0, ch1, ...``.

        Returns
        -------
        names : ndarray of object, shape (n_chans * n_bands,)
            The names.
        """
        check_fitted(self, "n_chans_")
        chans = input_features if input_features is not None else self.ch_names
        if chans is None:
            chans = [f"ch{i}" for i in range(self.n_chans_)]
        if len(chans) != self.n_chans_:
            raise ValueError(
                f"input_features must have {self.n_chans_} channel names; got {len(chans)}."
            )
        return _feature_names(list(chans), list(self.bands_))


class BandPower(_SpectralTransformer, TransformerMixin, BaseEstimator):
    """Band powers per channel as a flat feature vector (scikit-learn transformer).

    Parameters
    ----------
    sfreq : float
        Sampling frequency in Hz.
    bands : mapping of str to (float, float) | None
        Bands in Hz; default :data:`BANDS`.
    relative : bool
        Relative instead of absolute power.
    log : bool
        Natural log of the power.
    n_per_seg, n_overlap : int | None
        Welch segment length and overlap in samples (see :func:`psd_welch`).
    window : str
        Welch window.
    ch_names : sequence of str | None
        Channel names for :meth:`get_feature_names_out`.

    Attributes
    ----------
    bands_ : dict
        The validated bands.
    n_chans_ : int
        Number of channels seen in ``fit``.
    """

    def __init__(
        self,
        sfreq: float,
        bands: Mapping[str, tuple[float, float]] | None = None,
        relative: bool = False,
        log: bool = False,
        n_per_seg: int | None = None,
        n_overlap: int | None = None,
        window: str = "hann",
        ch_names: Sequence[str] | None = None,
    ) -> None:
        self.sfreq = sfreq
        self.bands = bands
        self.relative = relative
        self.log = log
        self.n_per_seg = n_per_seg
        self.n_overlap = n_overlap
        self.window = window
        self.ch_names = ch_names

    def fit(self, X: Any, y: Any = None) -> BandPower:
        """Validate ``X`` of shape (n_windows, n_chans, n_times) and the bands.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times)
            EEG windows in volts.
        y : Any
            Ignored.

        Returns
        -------
        self : BandPower
            The fitted transformer.
        """
        self._fit_common(X)
        return self

    def transform(self, X: Any) -> NDArray[np.float64]:
        """Band powers of each window.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times)
            EEG windows in volts.

        Returns
        -------
        features : ndarray of shape (n_windows, n_chans * n_bands)
            Channel-major: all bands of channel 0, then channel 1, ...
        """
        X = self._check_transform(X)
        power = band_power(X, float(self.sfreq), self.bands_, relative=self.relative,
                           log=self.log, n_per_seg=self.n_per_seg, n_overlap=self.n_overlap,
                           window=self.window)
        return power.reshape(X.shape[0], -1)


class DifferentialEntropy(_SpectralTransformer, TransformerMixin, BaseEstimator):
    """Band-wise differential entropy per channel (scikit-learn transformer).

    Parameters
    ----------
    sfreq : float
        Sampling frequency in Hz.
    bands : mapping of str to (float, float) | None
        Bands in Hz; default :data:`BANDS`.
    order : int
        Butterworth order of the band filters.
    method : {"iir", "fft", "fir"}
        Band filter implementation.
    ch_names : sequence of str | None
        Channel names for :meth:`get_feature_names_out`.

    Attributes
    ----------
    bands_ : dict
        The validated bands.
    n_chans_ : int
        Number of channels seen in ``fit``.
    """

    def __init__(
        self,
        sfreq: float,
        bands: Mapping[str, tuple[float, float]] | None = None,
        order: int = 4,
        method: str = "iir",
        ch_names: Sequence[str] | None = None,
    ) -> None:
        self.sfreq = sfreq
        self.bands = bands
        self.order = order
        self.method = method
        self.ch_names = ch_names

    def fit(self, X: Any, y: Any = None) -> DifferentialEntropy:
        """Validate ``X`` of shape (n_windows, n_chans, n_times) and the bands.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times)
            EEG windows in volts.
        y : Any
            Ignored.

        Returns
        -------
        self : DifferentialEntropy
            The fitted transformer.
        """
        self._fit_common(X)
        return self

    def transform(self, X: Any) -> NDArray[np.float64]:
        """Differential entropy of each band of each window.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times)
            EEG windows in volts.

        Returns
        -------
        features : ndarray of shape (n_windows, n_chans * n_bands)
            Channel-major, in nats.
        """
        X = self._check_transform(X)
        de = differential_entropy(X, float(self.sfreq), self.bands_, order=self.order,
                                  method=self.method)  # type: ignore[arg-type]
        return de.reshape(X.shape[0], -1)
