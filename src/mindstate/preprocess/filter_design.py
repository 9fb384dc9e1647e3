"""Filter designs: Butterworth and notch sections, MNE's default FIR kernels.

The designs behind :mod:`mindstate.preprocess.filters` (which applies them and re-exports
every public name here):

- :func:`design_iir_filter`, :func:`design_iir_notch`: second-order sections for
  ``scipy.signal.sosfilt`` / ``sosfiltfilt``;
- :func:`design_fir_filter`, :func:`design_fir_notch`: MNE-Python's default
  linear-phase FIR (``mne.filter.create_filter``, ``fir_design="firwin"``, Hamming
  window, automatic transition bands and length), cached per specification;
- :func:`design_fir_chain`: a band-pass and a notch convolved into one kernel, and
  :func:`fir_response`, a kernel's real zero-phase frequency response.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_array, check_int, check_range, check_sfreq

__all__ = [
    "design_fir_chain",
    "design_fir_filter",
    "design_fir_notch",
    "design_iir_filter",
    "design_iir_notch",
    "fir_response",
    "notch_frequencies",
]


# ----------------------------------------------------------------------------- validation
def _check_dtype(dtype: Any) -> np.dtype[Any]:
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise ValueError(f"dtype must be float64 or float32; got {dt}.")
    return dt


def _check_signal(X: Any, name: str = "X", dtype: Any = np.float64) -> NDArray[Any]:
    """A float64 (or ``dtype``) array of shape (..., n_times) with finite values."""
    arr = check_array(X, name, dtype=dtype)
    if arr.ndim < 1:
        raise ValueError(
            f"{name} must have shape (..., n_chans, n_times); got a scalar {arr!r}."
        )
    return arr


def _fmt_band(l_freq: float | None, h_freq: float | None) -> str:
    lo = "0" if l_freq is None else f"{l_freq:g}"
    hi = "Nyquist" if h_freq is None else f"{h_freq:g}"
    return f"{lo}-{hi} Hz"


def _check_band(
    sfreq: float, l_freq: float | None, h_freq: float | None
) -> tuple[float | None, float | None]:
    """Validate a pass band against the sampling rate; returns the floats."""
    if l_freq is None and h_freq is None:
        raise ValueError(
            "l_freq and h_freq are both None; give l_freq (high-pass), h_freq (low-pass) "
            "or both (band-pass)."
        )
    nyq = sfreq / 2.0
    pos = (False, True)
    lo = None if l_freq is None else check_range(l_freq, "l_freq", 0.0, None, inclusive=pos)
    hi = None if h_freq is None else check_range(h_freq, "h_freq", 0.0, None, inclusive=pos)
    for label, value in (("h_freq", hi), ("l_freq", lo)):
        if value is not None and value >= nyq:
            raise ValueError(
                f"sfreq too low for the requested band {_fmt_band(lo, hi)}: {label}={value:g} Hz "
                f"is not below the Nyquist frequency {nyq:g} Hz (sfreq={sfreq:g} Hz). Lower "
                f"{label} below {nyq:g} Hz or use data sampled above {2 * value:g} Hz."
            )
    if lo is not None and hi is not None and lo >= hi:
        raise ValueError(
            f"l_freq={lo:g} Hz must be below h_freq={hi:g} Hz for a band-pass; got the band "
            f"{_fmt_band(lo, hi)}. Swap them, or use notch() for a band-stop."
        )
    return lo, hi


def _check_phase(method: str, phase: str) -> None:
    """``phase="causal"`` exists only for ``method="iir"`` (the others are zero-phase)."""
    if phase == "causal" and method != "iir":
        raise ValueError(
            f"phase='causal' needs method='iir'; got method={method!r}, which is zero-phase "
            "only. Use method='iir' for causal (streaming-equivalent) filtering."
        )


def _check_chain(
    l_freq: float | None, h_freq: float | None, notch_freqs: float | Sequence[float] | None
) -> None:
    """A band-pass + notch chain needs a band edge or a notch frequency."""
    if l_freq is None and h_freq is None and notch_freqs is None:
        raise ValueError(
            "Nothing to filter: l_freq, h_freq and notch_freqs are all None; give a band, "
            "a notch frequency or both."
        )


def notch_frequencies(
    sfreq: float, freqs: float | Sequence[float] = 50.0, *, harmonics: bool = True
) -> NDArray[np.float64]:
    """Line-noise frequencies to remove, with harmonics below the Nyquist frequency.

    Parameters
    ----------
    sfreq : float
        Sampling frequency in Hz.
    freqs : float | sequence of float
        Base frequencies in Hz (50 or 60 for mains).
    harmonics : bool
        Add every multiple ``k * f`` that lies below the Nyquist frequency.

    Returns
    -------
    freqs : ndarray of shape (n_freqs,)
        Sorted unique frequencies in Hz.

    Raises
    ------
    ValueError
        If a base frequency is not in (0, sfreq/2).
    """
    sfreq = check_sfreq(sfreq)
    nyq = sfreq / 2.0
    base = np.atleast_1d(np.asarray(freqs, dtype=np.float64))
    if base.ndim != 1 or base.size == 0:
        raise ValueError(f"freqs must be a number or a 1-D sequence; got {freqs!r}.")
    for f in base:
        if not np.isfinite(f) or f <= 0 or f >= nyq:
            raise ValueError(
                f"sfreq too low for the requested notch: freqs={f:g} Hz must lie in "
                f"(0, {nyq:g}) Hz, below the Nyquist frequency of sfreq={sfreq:g} Hz. Drop "
                "that frequency or use data sampled faster."
            )
    out = set(base.tolist())
    if harmonics:
        for f in base:
            k = 2
            while k * f < nyq - 1e-9:
                out.add(k * f)
                k += 1
    return np.asarray(sorted(out), dtype=np.float64)


# ----------------------------------------------------------------------------- designs
def design_iir_filter(
    sfreq: float,
    l_freq: float | None = None,
    h_freq: float | None = None,
    *,
    order: int = 4,
) -> NDArray[np.float64]:
    """Butterworth band-pass / high-pass / low-pass in second-order sections.

    Parameters
    ----------
    sfreq : float
        Sampling frequency in Hz.
    l_freq, h_freq : float | None
        Pass-band edges (-3 dB) in Hz; ``None`` for a low-pass (``l_freq``) or a
        high-pass (``h_freq``).
    order : int
        Butterworth order of each edge (a band-pass has ``order`` sections).

    Returns
    -------
    sos : ndarray of shape (n_sections, 6)
        Second-order sections for ``scipy.signal.sosfilt``.
    """
    sfreq = check_sfreq(sfreq)
    order = check_int(order, "order", min_value=1)
    lo, hi = _check_band(sfreq, l_freq, h_freq)
    return _butter(sfreq, lo, hi, order)


def _butter(sfreq: float, lo: float | None, hi: float | None, order: int) -> NDArray[np.float64]:
    """Butterworth SOS for a validated band: band-pass, high-pass (``hi`` None) or low-pass."""
    from scipy.signal import butter

    if lo is not None and hi is not None:
        return butter(order, [lo, hi], btype="bandpass", fs=sfreq, output="sos")
    if lo is not None:
        return butter(order, lo, btype="highpass", fs=sfreq, output="sos")
    return butter(order, hi, btype="lowpass", fs=sfreq, output="sos")


def design_iir_notch(
    sfreq: float,
    freqs: float | Sequence[float] = 50.0,
    *,
    harmonics: bool = True,
    quality: float = 30.0,
) -> NDArray[np.float64]:
    """Cascade of second-order IIR notches (``scipy.signal.iirnotch``).

    Parameters
    ----------
    sfreq : float
        Sampling frequency in Hz.
    freqs : float | sequence of float
        Base line frequencies in Hz.
    harmonics : bool
        Also notch every harmonic below the Nyquist frequency.
    quality : float
        Quality factor ``f / bandwidth(-3 dB)``; 30 gives a 2 Hz wide notch at 60 Hz.

    Returns
    -------
    sos : ndarray of shape (n_freqs, 6)
        One section per notched frequency.
    """
    from scipy.signal import iirnotch, tf2sos

    quality = check_range(quality, "quality", 0.0, None, inclusive=(False, True))
    fs = notch_frequencies(sfreq, freqs, harmonics=harmonics)
    sections = [tf2sos(*iirnotch(f, quality, fs=float(sfreq))) for f in fs]
    return np.concatenate(sections, axis=0)


def design_fir_filter(
    sfreq: float,
    l_freq: float | None = None,
    h_freq: float | None = None,
    *,
    filter_length: str | int = "auto",
    l_trans_bandwidth: str | float = "auto",
    h_trans_bandwidth: str | float = "auto",
) -> NDArray[np.float64]:
    """MNE's default zero-phase FIR kernel (``firwin`` design, Hamming window).

    Parameters
    ----------
    sfreq : float
        Sampling frequency in Hz.
    l_freq, h_freq : float | None
        Pass-band edges in Hz (MNE semantics: the -6 dB points lie half a transition band
        outside them).
    filter_length, l_trans_bandwidth, h_trans_bandwidth : str | int | float
        As in :func:`mne.filter.create_filter` (``"auto"`` by default).

    Returns
    -------
    h : ndarray of shape (n_taps,)
        Odd-length, symmetric kernel.
    """
    sfreq = check_sfreq(sfreq)
    lo, hi = _check_band(sfreq, l_freq, h_freq)
    return _mne_fir(sfreq, lo, hi, filter_length, l_trans_bandwidth, h_trans_bandwidth)


@functools.lru_cache(maxsize=64)
def _mne_fir(
    sfreq: float,
    l_freq: Any,
    h_freq: Any,
    filter_length: str | int,
    l_trans: str | float,
    h_trans: str | float,
) -> NDArray[np.float64]:
    import mne

    def _arg(value: Any) -> Any:
        return list(value) if isinstance(value, tuple) else value

    h = mne.filter.create_filter(
        None, sfreq, _arg(l_freq), _arg(h_freq), filter_length=filter_length,
        l_trans_bandwidth=l_trans, h_trans_bandwidth=h_trans, method="fir",
        phase="zero", fir_window="hamming", fir_design="firwin", verbose=False,
    )
    h = np.asarray(h, dtype=np.float64)
    h.setflags(write=False)
    return h


def design_fir_notch(
    sfreq: float,
    freqs: float | Sequence[float] = 50.0,
    *,
    harmonics: bool = True,
    notch_widths: float | None = None,
    trans_bandwidth: float = 1.0,
) -> NDArray[np.float64]:
    """MNE's default FIR notch kernel (a multi-band-stop, as in ``mne.filter.notch_filter``).

    Parameters
    ----------
    sfreq : float
        Sampling frequency in Hz.
    freqs : float | sequence of float
        Base line frequencies in Hz.
    harmonics : bool
        Also notch harmonics below the Nyquist frequency; a harmonic whose stop band
        would reach the Nyquist frequency is dropped.
    notch_widths : float | None
        Stop-band width in Hz; default ``f / 200`` for each frequency (MNE's default).
    trans_bandwidth : float
        Total transition bandwidth in Hz (MNE's default 1 Hz).

    Returns
    -------
    h : ndarray of shape (n_taps,)
        Odd-length, symmetric kernel.
    """
    sfreq = check_sfreq(sfreq)
    trans_bandwidth = check_range(trans_bandwidth, "trans_bandwidth", 0.0, None,
                                  inclusive=(False, True))
    fs = notch_frequencies(sfreq, freqs, harmonics=False)
    base = set(fs.tolist())
    if harmonics:
        fs = notch_frequencies(sfreq, freqs, harmonics=True)
    if notch_widths is None:
        widths = fs / 200.0
    else:
        widths = np.full(fs.shape, check_range(notch_widths, "notch_widths", 0.0, None))
    tb_2 = trans_bandwidth / 2.0
    lows = fs - widths / 2.0 - tb_2
    highs = fs + widths / 2.0 + tb_2
    keep = (highs + tb_2 < sfreq / 2.0) | np.isin(fs, list(base))
    lows, highs = lows[keep], highs[keep]
    return _mne_fir(sfreq, tuple(highs.tolist()), tuple(lows.tolist()), "auto", tb_2, tb_2)


# ----------------------------------------------------------------------------- application
def design_fir_chain(
    sfreq: float,
    l_freq: float | None = 0.5,
    h_freq: float | None = 50.0,
    notch_freqs: float | Sequence[float] | None = 50.0,
    *,
    harmonics: bool = True,
) -> NDArray[np.float64]:
    """One zero-phase FIR kernel: MNE's band-pass kernel convolved with its notch kernel.

    Parameters
    ----------
    sfreq : float
        Sampling frequency in Hz.
    l_freq, h_freq : float | None
        Band-pass edges in Hz (both None: no band-pass).
    notch_freqs : float | sequence of float | None
        Mains frequencies (None: no notch).
    harmonics : bool
        Notch harmonics below Nyquist too.

    Returns
    -------
    h : ndarray of shape (n_taps,)
        Odd-length symmetric kernel (length ``n_bp + n_notch - 1``).
    """
    _check_chain(l_freq, h_freq, notch_freqs)
    kernels = []
    if l_freq is not None or h_freq is not None:
        kernels.append(design_fir_filter(sfreq, l_freq, h_freq))
    if notch_freqs is not None:
        kernels.append(design_fir_notch(sfreq, notch_freqs, harmonics=harmonics))
    h = kernels[0]
    for k in kernels[1:]:
        h = np.convolve(h, k)
    return np.asarray(h, dtype=np.float64)


def fir_response(
    h: Any, sfreq: float, n_fft: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Zero-phase amplitude response of a symmetric FIR kernel on an ``rfft`` grid.

    For an odd-length symmetric kernel applied with its delay removed (as
    :func:`apply_fir` does), the frequency response is real:
    ``H(f) = h[c] + 2 * sum_k h[c + k] * cos(2 * pi * f * k / sfreq)`` with ``c`` the
    centre tap. It is evaluated exactly at ``f = k * sfreq / n_fft`` by one FFT of the
    kernel wrapped around a circle of ``n_fft`` samples (any ``n_fft``, also shorter than
    the kernel). The power response of the filtered signal is ``H(f) ** 2``.

    Parameters
    ----------
    h : array-like of shape (n_taps,)
        Odd-length symmetric kernel (e.g. from :func:`design_fir_chain`).
    sfreq : float
        Sampling frequency in Hz.
    n_fft : int
        Number of points of the frequency grid (``n_fft // 2 + 1`` frequencies).

    Returns
    -------
    freqs : ndarray of shape (n_fft // 2 + 1,)
        Frequencies in Hz, from 0 to the Nyquist frequency.
    response : ndarray of shape (n_fft // 2 + 1,)
        Real amplitude response (unitless; negative values are phase inversions).

    Raises
    ------
    ValueError
        If ``h`` is not odd-length and symmetric.
    """
    from scipy import fft as sp_fft

    sfreq = check_sfreq(sfreq)
    n_fft = check_int(n_fft, "n_fft", min_value=1)
    h = np.asarray(h, dtype=np.float64).ravel()
    if h.size % 2 == 0 or not np.allclose(h, h[::-1], rtol=0, atol=1e-12 * np.abs(h).max()):
        raise ValueError(
            f"h must be an odd-length symmetric (zero-phase) kernel; got {h.size} taps"
            f"{' that are not symmetric' if h.size % 2 else ''}. Use a kernel from "
            "design_fir_filter / design_fir_notch / design_fir_chain."
        )
    half = (h.size - 1) // 2
    wrapped = np.zeros(n_fft)
    np.add.at(wrapped, np.arange(-half, half + 1) % n_fft, h)  # centre tap at index 0
    return sp_fft.rfftfreq(n_fft, 1.0 / sfreq), sp_fft.rfft(wrapped).real


