"""Band-pass and notch filtering of EEG arrays.

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

The designs live in :mod:`mindstate.preprocess.filter_design`, resampling in
:mod:`mindstate.preprocess.resample` and re-referencing in :mod:`mindstate.preprocess.montage`;
their public names are re-exported here.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from .._util import sos_padlen, zero_phase_sos
from .._validation import check_option, check_sfreq
from .filter_design import (
    _butter,
    _check_chain,
    _check_dtype,
    _check_phase,
    _check_signal,
    design_fir_chain,
    design_fir_filter,
    design_fir_notch,
    design_iir_filter,
    design_iir_notch,
    fir_response,
    notch_frequencies,
)
from .montage import rereference
from .resample import polyphase_kernel, resample, resample_ratio

__all__ = [
    "FILTER_METHODS",
    "apply_fir",
    "apply_sos",
    "bandpass",
    "bandpass_notch",
    "filter_data",
    "highpass",
    "lowpass",
    "notch",
    # re-exported: designs (filter_design), resampling (resample), referencing (montage)
    "design_fir_chain",
    "design_fir_filter",
    "design_fir_notch",
    "design_iir_filter",
    "design_iir_notch",
    "fir_response",
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



# ----------------------------------------------------------------------------- application
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
    from scipy.signal import sosfilt

    X = _check_signal(X)
    sos = np.atleast_2d(np.asarray(sos, dtype=np.float64))
    if sos.ndim != 2 or sos.shape[1] != 6:
        raise ValueError(f"sos must have shape (n_sections, 6); got {sos.shape}.")
    check_option(phase, _PHASES, "phase")
    if phase == "causal":
        return sosfilt(sos, X, axis=-1)
    return zero_phase_sos(X, sos, what="filter", sfreq=sfreq)


def _zero_phase(
    X: NDArray[np.float64], sfreq: float, l_freq: float | None, h_freq: float | None,
    order: int = 4, name: str = "X", what: str = "filter",
) -> NDArray[np.float64]:
    """Zero-phase Butterworth filtering along the last axis, for internal analysis steps.

    An ``h_freq`` at or above Nyquist is dropped; with no edge left a copy is returned.
    ``name`` and ``what`` word the too-short error ("<name> is too short to <what>").
    """
    if h_freq is not None and h_freq >= sfreq / 2.0:
        h_freq = None
    if l_freq is None and h_freq is None:
        return X.copy()
    return zero_phase_sos(X, _butter(sfreq, l_freq, h_freq, order), name=name, what=what,
                          sfreq=sfreq)


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
    padlen = sos_padlen(sos)
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

