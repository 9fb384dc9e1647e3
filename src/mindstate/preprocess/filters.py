"""Band-pass, notch, resampling and re-referencing of EEG arrays.

All functions take arrays of shape ``(..., n_chans, n_times)`` in volts, filter along the
last axis, are vectorised over any leading (window) axes and return new arrays.

Three filter implementations, chosen with ``method``:

``"iir"``
    Butterworth (band-pass/high-pass/low-pass) or second-order notch sections.
    ``phase="zero"`` runs them forward and backward (``scipy.signal.sosfiltfilt``, squared
    magnitude, no delay); ``phase="causal"`` runs them forward only (``sosfilt``), which is
    what :mod:`mindstate.stream` does sample by sample.
``"fft"``
    The same IIR design applied as a zero-phase filter in the frequency domain: the
    spectrum of the (odd-reflection padded) signal is multiplied by ``|H(f)|**2``, the
    magnitude response of ``sosfiltfilt``. Away from the edges it equals ``"iir"``; it is
    faster on long batches.
``"fir"``
    MNE-Python's default linear-phase FIR (``mne.filter.create_filter`` with
    ``fir_design="firwin"``, Hamming window, automatic transition bands and length),
    applied as a zero-phase filter by batched FFT convolution with MNE's
    ``"reflect_limited"`` edge padding. The output equals ``mne.filter.filter_data`` /
    ``mne.filter.notch_filter`` with their defaults to floating-point precision, for all
    windows at once. :func:`fir_response` gives such a kernel's (real, zero-phase)
    frequency response.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from fractions import Fraction
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from .._validation import check_array, check_int, check_option, check_range, check_sfreq
from .montage import _check_n_chans, pick_channels

__all__ = [
    "FILTER_METHODS",
    "apply_fir",
    "apply_sos",
    "bandpass",
    "bandpass_notch",
    "design_fir_chain",
    "design_fir_filter",
    "design_fir_notch",
    "design_iir_filter",
    "design_iir_notch",
    "filter_data",
    "fir_response",
    "highpass",
    "lowpass",
    "notch",
    "notch_frequencies",
    "polyphase_kernel",
    "resample",
    "resample_ratio",
    "rereference",
]

FILTER_METHODS = ("iir", "fft", "fir")
_PHASES = ("zero", "causal")
# Rows processed per FFT block: the padded rows and their spectra (~0.8 MB, 8 rows of
# 10 000 float32 samples) stay in a core's L2 cache (measured fastest on a 1 MiB L2).
_BLOCK_BYTES = 832 * 2**10


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
def _sos_padlen(sos: NDArray[np.float64]) -> int:
    """The default edge padding of ``scipy.signal.sosfiltfilt``."""
    n_sections = sos.shape[0]
    n_zeros = min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    return 3 * (2 * n_sections + 1 - n_zeros)


def _check_length(n_times: int, needed: int, sfreq: float | None, what: str) -> None:
    if n_times <= needed:
        secs = f" ({needed / sfreq:.3f} s at sfreq={sfreq:g} Hz)" if sfreq else ""
        raise ValueError(
            f"X has {n_times} samples along its last axis, but {what} needs more than "
            f"{needed} samples{secs}. The window is shorter than the filter padlen: use longer "
            "windows (filter the continuous recording before cutting windows), "
            "phase='causal', or a lower order / wider transition band."
        )


def _rows_per_block(n_fft: int, itemsize: int = 8) -> int:
    """Rows per FFT block: the padded rows and their spectra take about ``_BLOCK_BYTES``."""
    return max(1, _BLOCK_BYTES // (2 * itemsize * (n_fft + 2)))


def apply_sos(
    X: Any,
    sos: Any,
    *,
    phase: Literal["zero", "causal"] = "zero",
    sfreq: float | None = None,
) -> NDArray[np.float64]:
    """Apply second-order sections along the last axis.

    Parameters
    ----------
    X : array-like of shape (..., n_times)
        The signal, in volts.
    sos : array-like of shape (n_sections, 6)
        The filter.
    phase : {"zero", "causal"}
        ``"zero"``: forward-backward ``sosfiltfilt`` (odd padding of scipy's default
        length); ``"causal"``: ``sosfilt`` from zero initial conditions.
    sfreq : float | None
        Only used to express lengths in seconds in error messages.

    Returns
    -------
    Y : ndarray of shape (..., n_times)
        The filtered signal (a new array).
    """
    from scipy.signal import sosfilt, sosfiltfilt

    X = _check_signal(X)
    sos = np.atleast_2d(np.asarray(sos, dtype=np.float64))
    if sos.ndim != 2 or sos.shape[1] != 6:
        raise ValueError(f"sos must have shape (n_sections, 6); got {sos.shape}.")
    check_option(phase, _PHASES, "phase")
    if phase == "causal":
        return sosfilt(sos, X, axis=-1)
    padlen = _sos_padlen(sos)
    _check_length(X.shape[-1], padlen, sfreq, "zero-phase IIR filtering (sosfiltfilt)")
    return sosfiltfilt(sos, X, axis=-1, padlen=padlen)


def _odd_extend(X: NDArray[np.float64], n_pad: int) -> NDArray[np.float64]:
    """Odd reflection about both end samples: ``2*x[0] - x[k]`` (MNE/scipy "odd" padding)."""
    if n_pad == 0:
        return X
    left = 2.0 * X[..., :1] - X[..., n_pad:0:-1]
    right = 2.0 * X[..., -1:] - X[..., -2 : -n_pad - 2 : -1]
    return np.concatenate([left, X, right], axis=-1)


def _fir_blocks(
    rows: NDArray[Any], h: NDArray[np.float64], n_out: int, pad: int = 0, dtype: Any = None
) -> Iterator[tuple[int, NDArray[Any]]]:
    """Valid-mode convolution of the rows of a 2-D array with ``h``, block by block.

    Yields ``(start, Y)`` where ``Y`` (a view, valid until the next block) holds the
    ``n_out`` valid samples of rows ``start : start + len(Y)``. With ``pad > 0`` each row
    is first extended by ``pad`` samples of odd reflection at both ends. A few rows are
    processed at a time: each block is written into one reused zero-padded buffer (no
    concatenation, no padding copy inside the FFT), its spectrum is multiplied by the
    cached kernel spectrum and transformed back, all in ``dtype`` (default: that of
    ``rows``; other rows are converted block by block, never all at once).
    """
    from scipy import fft as sp_fft

    dt = rows.dtype if dtype is None else np.dtype(dtype)
    n_h = h.size
    n = rows.shape[-1]
    n_fft = sp_fft.next_fast_len(n + 2 * pad, real=True)
    H = _kernel_spectrum(h.tobytes(), n_fft, dt.str)
    step = _rows_per_block(n_fft, dt.itemsize)
    buf = np.zeros((min(step, rows.shape[0]), n_fft), dtype=dt)
    two = dt.type(2.0)
    for start in range(0, rows.shape[0], step):
        block = rows[start : start + step]
        dst = buf[: block.shape[0]]
        dst[:, pad : pad + n] = block
        if pad:  # odd reflection about the end samples: 2*x[0] - x[k]
            np.subtract(two * block[:, :1], block[:, pad:0:-1], out=dst[:, :pad])
            np.subtract(two * block[:, -1:], block[:, -2 : -pad - 2 : -1],
                        out=dst[:, pad + n : 2 * pad + n])
        spec = sp_fft.rfft(dst, axis=-1)
        spec *= H
        yield start, sp_fft.irfft(spec, n_fft, axis=-1)[:, n_h - 1 : n_h - 1 + n_out]


def _fir_valid(
    seg: NDArray[Any], h: NDArray[np.float64], n_out: int, pad: int = 0
) -> NDArray[Any]:
    """Valid-mode convolution of the rows of ``seg`` with ``h`` via batched FFTs.

    With ``pad > 0`` each block of rows is first extended by ``pad`` samples of odd
    reflection at both ends (done block by block so the padded copy stays in cache).
    The FFTs run in the dtype of ``seg`` (float64 or float32).
    """
    lead = seg.shape[:-1]
    rows = seg.reshape(-1, seg.shape[-1])
    out = np.empty((rows.shape[0], n_out), dtype=seg.dtype)
    for start, Y in _fir_blocks(rows, h, n_out, pad):
        out[start : start + Y.shape[0]] = Y
    return out.reshape(*lead, n_out)


@functools.lru_cache(maxsize=32)
def _kernel_spectrum(h_bytes: bytes, n_fft: int, dtype: str = "<f8") -> NDArray[Any]:
    from scipy import fft as sp_fft

    h = np.frombuffer(h_bytes, dtype=np.float64).astype(np.dtype(dtype))
    H = sp_fft.rfft(h, n_fft)
    H.setflags(write=False)
    return H


def apply_fir(
    X: Any, h: Any, *, sfreq: float | None = None, dtype: Any = np.float64
) -> NDArray[Any]:
    """Zero-phase FIR filtering with MNE's edge handling, vectorised over all rows.

    Equivalent to MNE's overlap-add filtering with ``phase="zero"`` and
    ``pad="reflect_limited"``: the signal is extended by odd reflection about its end
    samples, convolved with the symmetric kernel ``h`` (one FFT per row) and the delay of
    ``(len(h) - 1) / 2`` samples is removed.

    Parameters
    ----------
    X : array-like of shape (..., n_times)
        The signal, in volts.
    h : array-like of shape (n_taps,)
        An odd-length linear-phase kernel (e.g. from :func:`design_fir_filter`).
    sfreq : float | None
        Only used to express lengths in seconds in error messages.
    dtype : {float64, float32}
        Precision of the computation and of the output. float32 halves memory and runs
        the FFTs about twice as fast, with a relative error of about 1e-6.

    Returns
    -------
    Y : ndarray of shape (..., n_times)
        The filtered signal (a new array).

    Raises
    ------
    ValueError
        If ``h`` has even length or the signal is shorter than the kernel.
    """
    return _apply_fir(_check_signal(X, dtype=_check_dtype(dtype)), h, sfreq)


def _apply_fir(X: NDArray[Any], h: Any, sfreq: float | None) -> NDArray[Any]:
    """:func:`apply_fir` on an already validated array (computes in ``X.dtype``)."""
    h = np.ascontiguousarray(np.asarray(h, dtype=np.float64).ravel())
    if h.size % 2 == 0:
        raise ValueError(
            f"h must have an odd number of taps (a zero-phase linear-phase kernel); got {h.size}."
        )
    if h.size == 1:
        return X * X.dtype.type(h[0])
    n_times = X.shape[-1]
    _check_length(n_times, h.size - 1, sfreq, f"the {h.size}-tap FIR filter")
    half = (h.size - 1) // 2
    return _fir_valid(X, h, n_times, pad=half)


def _fft_zero_phase(
    X: NDArray[np.float64], sos: NDArray[np.float64], sfreq: float
) -> NDArray[np.float64]:
    """Multiply the spectrum of the padded signal by ``|H(f)|**2`` of ``sos``."""
    from scipy import fft as sp_fft
    from scipy.signal import sosfilt, sosfreqz

    n_times = X.shape[-1]
    padlen = _sos_padlen(sos)
    _check_length(n_times, padlen, sfreq, "zero-phase filtering")
    # Pad by the length over which the impulse response decays to 1e-9 of its peak.
    n_probe = int(min(max(8 * n_times, 1024), 2**20))
    impulse = np.zeros(n_probe)
    impulse[0] = 1.0
    resp = np.abs(sosfilt(sos, impulse))
    above = np.flatnonzero(resp > 1e-9 * resp.max())
    n_pad = int(min(n_times - 1, max(padlen, above[-1] + 1)))
    ext = _odd_extend(X, n_pad)
    n_fft = sp_fft.next_fast_len(ext.shape[-1], real=True)
    freqs = sp_fft.rfftfreq(n_fft, 1.0 / sfreq)
    _, resp_f = sosfreqz(sos, worN=freqs, fs=sfreq)
    gain = np.abs(resp_f) ** 2
    lead = X.shape[:-1]
    rows = ext.reshape(-1, ext.shape[-1])
    out = np.empty((rows.shape[0], n_times), dtype=np.float64)
    step = _rows_per_block(n_fft)
    for start in range(0, rows.shape[0], step):
        spec = sp_fft.rfft(rows[start : start + step], n_fft, axis=-1)
        spec *= gain
        out[start : start + step] = sp_fft.irfft(spec, n_fft, axis=-1)[:, n_pad : n_pad + n_times]
    return out.reshape(*lead, n_times)


def filter_data(
    X: Any,
    sfreq: float,
    l_freq: float | None,
    h_freq: float | None,
    *,
    order: int = 4,
    method: Literal["iir", "fft", "fir"] = "iir",
    phase: Literal["zero", "causal"] = "zero",
) -> NDArray[np.float64]:
    """Band-pass (both edges), high-pass (``h_freq=None``) or low-pass (``l_freq=None``).

    Parameters
    ----------
    X : array-like of shape (..., n_chans, n_times)
        EEG in volts.
    sfreq : float
        Sampling frequency in Hz.
    l_freq, h_freq : float | None
        Pass-band edges in Hz.
    order : int
        Butterworth order for ``method="iir"``/``"fft"`` (ignored by ``"fir"``).
    method : {"iir", "fft", "fir"}
        Implementation (see the module docstring).
    phase : {"zero", "causal"}
        ``"causal"`` is only available with ``method="iir"``.

    Returns
    -------
    Y : ndarray of shape (..., n_chans, n_times)
        The filtered signal in volts (a new array).

    Raises
    ------
    ValueError
        For an impossible band (``h_freq`` at or above Nyquist: "sfreq too low for the
        requested band"), a window shorter than the filter, or ``phase="causal"`` with a
        zero-phase-only method.
    DataQualityError
        If ``X`` holds NaN or Inf.
    """
    sfreq = check_sfreq(sfreq)
    check_option(method, FILTER_METHODS, "method")
    check_option(phase, _PHASES, "phase")
    X = _check_signal(X)
    _check_phase(method, phase)
    if method == "fir":
        return _apply_fir(X, design_fir_filter(sfreq, l_freq, h_freq), sfreq)
    sos = design_iir_filter(sfreq, l_freq, h_freq, order=order)
    if method == "fft":
        return _fft_zero_phase(X, sos, sfreq)
    return apply_sos(X, sos, phase=phase, sfreq=sfreq)


def bandpass(
    X: Any,
    sfreq: float,
    l_freq: float = 0.5,
    h_freq: float = 50.0,
    *,
    order: int = 4,
    method: Literal["iir", "fft", "fir"] = "iir",
    phase: Literal["zero", "causal"] = "zero",
) -> NDArray[np.float64]:
    """Band-pass filter EEG (default 0.5-50 Hz, zero-phase 4th-order Butterworth).

    Parameters
    ----------
    X : array-like of shape (..., n_chans, n_times)
        EEG in volts.
    sfreq : float
        Sampling frequency in Hz.
    l_freq, h_freq : float
        Pass band in Hz; ``h_freq`` must be below ``sfreq / 2``.
    order : int
        Butterworth order (``"iir"``/``"fft"``).
    method : {"iir", "fft", "fir"}
        Implementation (see the module docstring).
    phase : {"zero", "causal"}
        Zero-phase (offline) or causal (``"iir"`` only).

    Returns
    -------
    Y : ndarray of shape (..., n_chans, n_times)
        The filtered signal in volts.

    See Also
    --------
    filter_data : The general form, with the errors raised.
    """
    return filter_data(X, sfreq, l_freq, h_freq, order=order, method=method, phase=phase)


def highpass(
    X: Any,
    sfreq: float,
    l_freq: float = 0.5,
    *,
    order: int = 4,
    method: Literal["iir", "fft", "fir"] = "iir",
    phase: Literal["zero", "causal"] = "zero",
) -> NDArray[np.float64]:
    """High-pass filter EEG above ``l_freq`` Hz.

    Parameters
    ----------
    X : array-like of shape (..., n_chans, n_times)
        EEG in volts.
    sfreq : float
        Sampling frequency in Hz.
    l_freq : float
        Cut-off in Hz.
    order : int
        Butterworth order (``"iir"``/``"fft"``).
    method : {"iir", "fft", "fir"}
        Implementation (see the module docstring).
    phase : {"zero", "causal"}
        Zero-phase (offline) or causal (``"iir"`` only).

    Returns
    -------
    Y : ndarray of shape (..., n_chans, n_times)
        The filtered signal in volts.
    """
    return filter_data(X, sfreq, l_freq, None, order=order, method=method, phase=phase)


def lowpass(
    X: Any,
    sfreq: float,
    h_freq: float = 50.0,
    *,
    order: int = 4,
    method: Literal["iir", "fft", "fir"] = "iir",
    phase: Literal["zero", "causal"] = "zero",
) -> NDArray[np.float64]:
    """Low-pass filter EEG below ``h_freq`` Hz.

    Parameters
    ----------
    X : array-like of shape (..., n_chans, n_times)
        EEG in volts.
    sfreq : float
        Sampling frequency in Hz.
    h_freq : float
        Cut-off in Hz, below ``sfreq / 2``.
    order : int
        Butterworth order (``"iir"``/``"fft"``).
    method : {"iir", "fft", "fir"}
        Implementation (see the module docstring).
    phase : {"zero", "causal"}
        Zero-phase (offline) or causal (``"iir"`` only).

    Returns
    -------
    Y : ndarray of shape (..., n_chans, n_times)
        The filtered signal in volts.
    """
    return filter_data(X, sfreq, None, h_freq, order=order, method=method, phase=phase)


def notch(
    X: Any,
    sfreq: float,
    freqs: float | Sequence[float] = 50.0,
    *,
    harmonics: bool = True,
    quality: float = 30.0,
    method: Literal["iir", "fft", "fir"] = "iir",
    phase: Literal["zero", "causal"] = "zero",
) -> NDArray[np.float64]:
    """Remove mains interference at ``freqs`` (50 or 60 Hz) and its harmonics.

    Parameters
    ----------
    X : array-like of shape (..., n_chans, n_times)
        EEG in volts.
    sfreq : float
        Sampling frequency in Hz.
    freqs : float | sequence of float
        Base line frequencies in Hz.
    harmonics : bool
        Also remove every harmonic below the Nyquist frequency.
    quality : float
        Quality factor of the IIR notches (``"iir"``/``"fft"``): the -3 dB width of one
        pass is ``f / quality`` (2 Hz at 60 Hz for the default 30).
    method : {"iir", "fft", "fir"}
        ``"fir"`` reproduces ``mne.filter.notch_filter`` (widths ``f/200``, 1 Hz
        transition bands).
    phase : {"zero", "causal"}
        Zero-phase (offline) or causal (``"iir"`` only).

    Returns
    -------
    Y : ndarray of shape (..., n_chans, n_times)
        The filtered signal in volts.

    Raises
    ------
    ValueError
        If a frequency is at or above Nyquist ("sfreq too low"), or the window is shorter
        than the filter.
    """
    sfreq = check_sfreq(sfreq)
    check_option(method, FILTER_METHODS, "method")
    check_option(phase, _PHASES, "phase")
    X = _check_signal(X)
    _check_phase(method, phase)
    if method == "fir":
        return _apply_fir(X, design_fir_notch(sfreq, freqs, harmonics=harmonics), sfreq)
    sos = design_iir_notch(sfreq, freqs, harmonics=harmonics, quality=quality)
    if method == "fft":
        return _fft_zero_phase(X, sos, sfreq)
    return apply_sos(X, sos, phase=phase, sfreq=sfreq)


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


def bandpass_notch(
    X: Any,
    sfreq: float,
    l_freq: float | None = 0.5,
    h_freq: float | None = 50.0,
    notch_freqs: float | Sequence[float] | None = 50.0,
    *,
    harmonics: bool = True,
    order: int = 4,
    quality: float = 30.0,
    method: Literal["iir", "fft", "fir"] = "iir",
    phase: Literal["zero", "causal"] = "zero",
    dtype: Any = np.float64,
) -> NDArray[Any]:
    """Band-pass and notch in one pass: the cascade of both filters applied at once.

    ``"fir"``: the two MNE kernels are convolved into one (:func:`design_fir_chain`) and
    applied with one FFT per row; because the odd-reflection padding commutes with
    symmetric kernels, this equals ``notch(bandpass(X))`` with ``method="fir"`` (and MNE's
    ``filter_data`` then ``notch_filter``) to floating-point precision, at about half the
    cost. ``"iir"``: the second-order sections are stacked (``phase="causal"`` equals the
    sequential filters exactly; zero-phase equals them away from the edges). ``"fft"``:
    the squared magnitude responses are multiplied.

    Parameters
    ----------
    X : array-like of shape (..., n_chans, n_times)
        EEG in volts.
    sfreq : float
        Sampling frequency in Hz.
    l_freq, h_freq : float | None
        Band-pass edges in Hz (both None: notch only).
    notch_freqs : float | sequence of float | None
        Mains frequencies in Hz (None: band-pass only).
    harmonics : bool
        Notch harmonics below Nyquist too.
    order : int
        Butterworth order (``"iir"``/``"fft"``).
    quality : float
        IIR notch quality factor (``"iir"``/``"fft"``).
    method : {"iir", "fft", "fir"}
        Implementation (see the module docstring).
    phase : {"zero", "causal"}
        Zero-phase (offline) or causal (``"iir"`` only).
    dtype : {float64, float32}
        Output dtype; ``"fir"`` also computes in it (float32: about twice as fast, relative
        error about 1e-6).

    Returns
    -------
    Y : ndarray of shape (..., n_chans, n_times)
        The filtered signal in volts.

    Raises
    ------
    ValueError
        As :func:`filter_data` and :func:`notch`, or when there is nothing to filter.
    """
    sfreq = check_sfreq(sfreq)
    check_option(method, FILTER_METHODS, "method")
    check_option(phase, _PHASES, "phase")
    dt = _check_dtype(dtype)
    X = _check_signal(X, dtype=dt if method == "fir" else np.float64)
    _check_phase(method, phase)
    _check_chain(l_freq, h_freq, notch_freqs)
    if method == "fir":
        h = design_fir_chain(sfreq, l_freq, h_freq, notch_freqs, harmonics=harmonics)
        return _apply_fir(X, h, sfreq)
    sections = []
    if l_freq is not None or h_freq is not None:
        sections.append(design_iir_filter(sfreq, l_freq, h_freq, order=order))
    if notch_freqs is not None:
        sections.append(design_iir_notch(sfreq, notch_freqs, harmonics=harmonics,
                                         quality=quality))
    sos = np.concatenate(sections, axis=0)
    if method == "fft":
        return _fft_zero_phase(X, sos, sfreq).astype(dt, copy=False)
    return apply_sos(X, sos, phase=phase, sfreq=sfreq).astype(dt, copy=False)


# ----------------------------------------------------------------------------- resampling
def resample_ratio(sfreq: float, new_sfreq: float) -> tuple[int, int]:
    """Smallest integers ``(up, down)`` with ``new_sfreq / sfreq == up / down``.

    Parameters
    ----------
    sfreq, new_sfreq : float
        Current and target sampling frequencies in Hz.

    Returns
    -------
    up, down : int
        Coprime factors.

    Raises
    ------
    ValueError
        If the ratio is not a rational number with a denominator below 10000.
    """
    sfreq = check_sfreq(sfreq)
    new_sfreq = check_sfreq(new_sfreq, "new_sfreq")
    ratio = Fraction(new_sfreq / sfreq).limit_denominator(10_000)
    if abs(float(ratio) * sfreq - new_sfreq) > 1e-9 * new_sfreq:
        raise ValueError(
            f"new_sfreq / sfreq = {new_sfreq:g} / {sfreq:g} is not a ratio of small integers "
            "(denominator < 10000), so polyphase resampling cannot hit it exactly. Round "
            "new_sfreq to a rational multiple of sfreq."
        )
    return ratio.numerator, ratio.denominator


def polyphase_kernel(up: int, down: int) -> NDArray[np.float64]:
    """The anti-aliasing kernel ``scipy.signal.resample_poly`` uses, scaled by ``up``.

    Parameters
    ----------
    up, down : int
        Coprime resampling factors.

    Returns
    -------
    h : ndarray of shape (20 * max(up, down) + 1,)
        Kaiser-windowed (beta 5) low-pass at ``1 / max(up, down)`` of Nyquist, times ``up``.
    """
    from scipy.signal import firwin

    up = check_int(up, "up", min_value=1)
    down = check_int(down, "down", min_value=1)
    max_rate = max(up, down)
    half_len = 10 * max_rate
    return firwin(2 * half_len + 1, 1.0 / max_rate, window=("kaiser", 5.0)) * up


def resample(X: Any, sfreq: float, new_sfreq: float) -> NDArray[np.float64]:
    """Polyphase resampling along the last axis (``scipy.signal.resample_poly``).

    Parameters
    ----------
    X : array-like of shape (..., n_chans, n_times)
        EEG in volts.
    sfreq : float
        Current sampling frequency in Hz.
    new_sfreq : float
        Target sampling frequency in Hz; ``new_sfreq / sfreq`` must be rational.

    Returns
    -------
    Y : ndarray of shape (..., n_chans, ceil(n_times * new_sfreq / sfreq))
        The resampled signal in volts (anti-aliased with :func:`polyphase_kernel`).
    """
    from scipy.signal import resample_poly

    X = _check_signal(X)
    up, down = resample_ratio(sfreq, new_sfreq)
    if up == down == 1:
        return X.copy()
    return resample_poly(X, up, down, axis=-1, window=polyphase_kernel(up, down) / up)


# ----------------------------------------------------------------------------- reference
def rereference(
    X: Any,
    ch_names: Sequence[str],
    ref: str | Sequence[str] = "average",
) -> NDArray[np.float64]:
    """Re-reference EEG to the common average, one channel, or the mean of several.

    Parameters
    ----------
    X : array-like of shape (..., n_chans, n_times)
        EEG in volts (EEG channels only: drop ECG/EOG first).
    ch_names : sequence of str
        Names of the ``n_chans`` channels.
    ref : "average" | str | sequence of str
        ``"average"`` subtracts the mean over channels; a channel name (e.g. ``"Cz"``)
        subtracts that channel (which becomes zero, as in MNE); a list subtracts the mean
        of the listed channels (e.g. linked mastoids ``["A1", "A2"]``).

    Returns
    -------
    Y : ndarray of shape (..., n_chans, n_times)
        The re-referenced signal in volts.

    Raises
    ------
    ValueError
        If ``X`` does not have ``len(ch_names)`` channels or a reference channel is
        unknown (with "did you mean").
    """
    X = _check_signal(X)
    _check_n_chans(X, ch_names)
    if isinstance(ref, str) and ref == "average":
        return X - X.mean(axis=-2, keepdims=True)
    refs = [ref] if isinstance(ref, str) else list(ref)
    if not refs or not all(isinstance(r, str) for r in refs):
        raise ValueError(
            f"ref must be 'average', a channel name or a non-empty list of names; got {ref!r}."
        )
    idx = pick_channels(ch_names, refs, "ch_names")
    return X - X[..., idx, :].mean(axis=-2, keepdims=True)
