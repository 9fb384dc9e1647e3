"""Spectral features: Welch PSD, band powers, differential entropy, spectral entropy.

Conventions (documented once, used everywhere):

- ``psd_welch`` returns a one-sided power spectral density in V²/Hz, identical to
  ``scipy.signal.welch`` and ``mne.time_frequency.psd_array_welch`` with the same
  segment length, overlap, window and averaging (mean removed from each segment).
- A band ``(lo, hi)`` holds the frequency bins ``lo <= f < hi`` (half-open, so adjacent
  bands never share a bin). Its **absolute power** is the rectangle-rule integral
  ``sum(PSD[bins]) * df`` in V², where ``df = sfreq / n_fft``; equivalently MNE's
  ``psds[..., mask].mean(-1) * n_bins * df`` on the output of ``psd_array_welch``.
- **Relative power** divides by the power over ``[min lo, max hi)`` of the bands given
  (1-50 Hz for :data:`BANDS`).
- **Differential entropy** assumes a Gaussian signal: ``0.5 * log(2*pi*e*var)`` (nats) of
  the (band-filtered) signal, the feature of the SEED family of papers.
- :func:`filtered_band_power` is band power after MNE's default FIR band-pass + notch,
  exact (``method="fir"``) or from the unfiltered PSD and the filter's power response
  (``method="spectral"``, an approximation within about 1e-3 on EEG; see its docstring).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal, NamedTuple

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, TransformerMixin

from .._validation import (
    check_array,
    check_fitted,
    check_int,
    check_option,
    check_range,
    check_sfreq,
)
from ..exceptions import DataQualityError
from ..preprocess.chunked import chunked_apply
from ..preprocess.filters import (
    _check_dtype,
    _check_length,
    _fir_blocks,
    design_fir_chain,
    filter_data,
    fir_response,
)

__all__ = [
    "BANDS",
    "FILTERED_BAND_POWER_METHODS",
    "BandPower",
    "DifferentialEntropy",
    "band_power",
    "check_bands",
    "chunked_bandpower",
    "differential_entropy",
    "filtered_band_power",
    "psd_welch",
    "spectral_entropy",
]

#: Classic EEG bands in Hz, half-open ``[lo, hi)``. Pass your own mapping to any function
#: taking ``bands`` to change them (e.g. SEED's ``{"delta": (1, 4), ..., "gamma": (31, 50)}``).
BANDS: dict[str, tuple[float, float]] = {
    "delta": (1.0, 4.0),
    "theta": (4.0, 8.0),
    "alpha": (8.0, 13.0),
    "beta": (13.0, 30.0),
    "gamma": (30.0, 50.0),
}

# Rows of segments processed per block in psd_welch (keeps temporaries (~2 MB) in cache).
_BLOCK_BYTES = 2 * 2**20
# Welch blocks per batch of the spectral path's low-frequency correction (small FFTs).
_LOW_BLOCKS = 8
# Spectral path: every band bin must see (within the Welch window's main lobe) a filter power
# response of at least this; below it, the first-order model errs by more than 1 % on real
# EEG (measured on eegmat: 1.5 % to 8 % for single transition-band bins).
_PASS_BAND_MIN_POWER = 0.95


def _check_windows(X: Any, name: str = "X", dtype: Any = np.float64) -> NDArray[Any]:
    arr = check_array(X, name, dtype=dtype)
    if arr.ndim < 1:
        raise ValueError(f"{name} must have shape (..., n_chans, n_times); got a scalar.")
    return arr


def _check_windows_lazy(X: Any, dtype: np.dtype[Any]) -> NDArray[Any]:
    """As :func:`_check_windows`, but float32/float64 input is kept in its dtype.

    The callers convert it to ``dtype`` a block of rows at a time, so a float32 array
    processed in float64 (or the reverse) is never copied whole.
    """
    if isinstance(X, np.ndarray) and X.dtype in (np.dtype(np.float32), np.dtype(np.float64)):
        return _check_windows(X, dtype=None)
    return _check_windows(X, dtype=dtype)


def check_bands(
    bands: Mapping[str, tuple[float, float]] | None, sfreq: float | None = None
) -> dict[str, tuple[float, float]]:
    """Validate a band mapping ``name -> (lo, hi)`` in Hz.

    Parameters
    ----------
    bands : mapping of str to (float, float) | None
        The bands; ``None`` means :data:`BANDS`.
    sfreq : float | None
        When given, every ``hi`` must be at most the Nyquist frequency ``sfreq / 2``.

    Returns
    -------
    bands : dict of str to (float, float)
        A validated copy.

    Raises
    ------
    ValueError
        For an empty mapping, ``lo >= hi``, a negative edge, or ``hi > sfreq / 2``
        ("sfreq too low for the requested band").
    """
    if bands is None:
        bands = BANDS
    if not isinstance(bands, Mapping) or not bands:
        raise ValueError(
            f"bands must be a non-empty mapping name -> (lo, hi) in Hz; got {bands!r}."
        )
    out: dict[str, tuple[float, float]] = {}
    for name, edges in bands.items():
        try:
            lo, hi = (float(edges[0]), float(edges[1]))
            ok = len(edges) == 2
        except (TypeError, ValueError, IndexError):
            ok = False
        if not ok or not (np.isfinite(lo) and np.isfinite(hi)) or lo < 0 or lo >= hi:
            raise ValueError(
                f"bands[{name!r}] must be (lo, hi) with 0 <= lo < hi in Hz; got {edges!r}."
            )
        if sfreq is not None and hi > sfreq / 2.0:
            raise ValueError(
                f"sfreq too low for the requested band {name!r} ({lo:g}-{hi:g} Hz): its upper "
                f"edge is above the Nyquist frequency {sfreq / 2:g} Hz of sfreq={sfreq:g} Hz. "
                "Drop or narrow that band, or use data sampled faster."
            )
        out[str(name)] = (lo, hi)
    return out


def _median_bias(n: int) -> float:
    """Bias of the median of ``n`` chi²(2)/2 variables (as ``scipy.signal.welch``)."""
    ii_2 = 2 * np.arange(1.0, (n - 1) // 2 + 1)
    return float(1 + np.sum(1.0 / (ii_2 + 1) - 1.0 / ii_2))


def psd_welch(
    X: Any,
    sfreq: float,
    *,
    fmin: float = 0.0,
    fmax: float | None = None,
    n_per_seg: int | None = None,
    n_overlap: int | None = None,
    n_fft: int | None = None,
    window: str | tuple[Any, ...] = "hann",
    average: Literal["mean", "median"] = "mean",
    dtype: Any = np.float64,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Welch power spectral density of every channel of every window, in one pass.

    Parameters
    ----------
    X : array-like of shape (..., n_chans, n_times)
        EEG in volts.
    sfreq : float
        Sampling frequency in Hz.
    fmin, fmax : float
        Keep the bins with ``fmin <= f <= fmax`` Hz (MNE convention); ``fmax=None`` keeps
        up to Nyquist.
    n_per_seg : int | None
        Segment length in samples; default ``min(n_times, round(2 * sfreq))`` (2-s
        segments, 0.5 Hz resolution).
    n_overlap : int | None
        Overlap of consecutive segments in samples; default ``n_per_seg // 2``.
    n_fft : int | None
        FFT length (>= ``n_per_seg``; zero padding); default ``n_per_seg``.
    window : str | tuple
        Window for ``scipy.signal.get_window`` (periodic), default ``"hann"``.
    average : {"mean", "median"}
        How segment periodograms are combined (median is bias-corrected as in scipy).
    dtype : {float64, float32}
        Precision of the segment FFTs (float32: about twice as fast, relative error about
        1e-6); segment averages and the output are float64.

    Returns
    -------
    psd : ndarray of shape (..., n_chans, n_freqs)
        One-sided PSD in V²/Hz.
    freqs : ndarray of shape (n_freqs,)
        Frequencies in Hz.

    Raises
    ------
    ValueError
        If a segment is longer than the signal, the overlap is not below the segment
        length, or no bin lies in ``[fmin, fmax]``.
    DataQualityError
        If ``X`` holds NaN or Inf.
    """
    sfreq = check_sfreq(sfreq)
    check_option(average, ("mean", "median"), "average")
    X = _check_windows(X, dtype=_check_dtype(dtype))
    return _psd_welch(X, sfreq, fmin, fmax, n_per_seg, n_overlap, n_fft, window, average)


def _welch_params(
    n_times: int,
    sfreq: float,
    n_per_seg: int | None,
    n_overlap: int | None,
    n_fft: int | None,
) -> tuple[int, int, int]:
    """Validated ``(n_per_seg, n_overlap, n_fft)`` for rows of ``n_times`` samples."""
    if n_per_seg is None:
        n_per_seg = min(n_times, int(round(2 * sfreq)))
    n_per_seg = check_int(n_per_seg, "n_per_seg", min_value=1)
    if n_per_seg > n_times:
        raise ValueError(
            f"n_per_seg={n_per_seg} samples ({n_per_seg / sfreq:g} s) is longer than the "
            f"signal ({n_times} samples, {n_times / sfreq:g} s). Use a shorter segment or "
            "longer windows."
        )
    n_overlap = n_per_seg // 2 if n_overlap is None else check_int(n_overlap, "n_overlap",
                                                                      min_value=0)
    if n_overlap >= n_per_seg:
        raise ValueError(
            f"n_overlap must be below n_per_seg={n_per_seg}; got n_overlap={n_overlap}."
        )
    n_fft = n_per_seg if n_fft is None else check_int(n_fft, "n_fft", min_value=n_per_seg)
    return n_per_seg, n_overlap, n_fft


class _WelchPlan(NamedTuple):
    """What :func:`_welch_rows` needs: segments, window, and the rfft bins ``lo:hi`` kept."""

    n_per_seg: int
    step: int
    n_fft: int
    n_segs: int
    win: NDArray[Any]  # (n_per_seg,) in the compute dtype
    lo: int
    hi: int
    weight: NDArray[np.float64]  # (hi - lo,) density scale with the one-sided doubling
    nz: NDArray[np.intp]  # kept bins (relative to lo) that the mean removal changes
    w_nz: NDArray[Any]  # rfft(window)[lo + nz]
    median: bool
    bias: float


def _welch_plan(
    n_times: int,
    sfreq: float,
    n_per_seg: int,
    n_overlap: int,
    n_fft: int,
    window: str | tuple[Any, ...],
    average: str,
    lo: int,
    hi: int,
    dtype: np.dtype[Any],
) -> _WelchPlan:
    from scipy import fft as sp_fft
    from scipy.signal import get_window

    win = get_window(window, n_per_seg, fftbins=True).astype(np.float64)
    scale = 1.0 / (sfreq * np.sum(win**2))
    step = n_per_seg - n_overlap
    n_segs = 1 + (n_times - n_per_seg) // step
    # one-sided doubling of every bin but DC (and Nyquist for an even n_fft)
    double = np.full(n_fft // 2 + 1, 2.0)
    double[0] = 1.0
    if n_fft % 2 == 0:
        double[-1] = 1.0
    # detrend="constant" in the frequency domain: rfft(w * (x - m)) = rfft(w * x) - m * W,
    # and W = rfft(w) has only a few non-zero bins (2 for Hann/Hamming)
    W = sp_fft.rfft(win, n_fft)
    nz = np.flatnonzero(np.abs(W) > 1e-9 * np.abs(W).max())
    nz = nz[(nz >= lo) & (nz < hi)]
    median = average == "median"
    return _WelchPlan(
        n_per_seg, step, n_fft, n_segs, win.astype(dtype), lo, hi, (scale * double)[lo:hi],
        nz - lo, W[nz].astype(np.result_type(dtype, np.complex64)), median,
        _median_bias(n_segs) if median else 1.0,
    )


def _welch_block_rows(plan: _WelchPlan, itemsize: int) -> int:
    """Rows per block so that the segments and their spectra take about ``_BLOCK_BYTES``."""
    per_row = itemsize * plan.n_segs * (plan.n_per_seg + 2 * (plan.n_fft // 2 + 1))
    return max(1, _BLOCK_BYTES // per_row)


def _segment_means(rows: NDArray[Any], plan: _WelchPlan) -> NDArray[np.float64]:
    """(n_rows, n_segs) segment means from sums over ``gcd(step, n_per_seg)``-long blocks.

    One contiguous pass over the samples instead of two over the overlapping segments.
    """
    size = math.gcd(plan.step, plan.n_per_seg)
    n_used = (plan.n_segs - 1) * plan.step + plan.n_per_seg
    blocks = rows[:, :n_used].reshape(rows.shape[0], n_used // size, size)
    sums = (blocks @ np.ones(size, dtype=rows.dtype)).astype(np.float64)  # BLAS, not reduce
    csum = np.zeros((rows.shape[0], sums.shape[1] + 1))
    np.cumsum(sums, axis=-1, out=csum[:, 1:])
    starts = np.arange(plan.n_segs) * (plan.step // size)
    return (csum[:, starts + plan.n_per_seg // size] - csum[:, starts]) / plan.n_per_seg


def _welch_rows(
    rows: NDArray[Any], plan: _WelchPlan, correction: NDArray[Any] | None = None
) -> NDArray[np.float64]:
    """Welch PSD (n_rows, hi - lo) of the rows of a 2-D block, in one vectorised pass.

    The windowed segments are read through a strided view (one copy, fused with the
    window multiplication), transformed by one batched ``rfft`` in the dtype of the
    rows, and only the bins ``lo:hi`` are squared and averaged. ``correction``
    (n_rows, n_segs, n_c), if given, is subtracted from the segment spectra of the
    first ``n_c`` kept bins before squaring.
    """
    from numpy.lib.stride_tricks import sliding_window_view
    from scipy import fft as sp_fft

    segs = sliding_window_view(rows, plan.n_per_seg, axis=-1)[:, :: plan.step]
    spec = sp_fft.rfft(segs * plan.win, plan.n_fft, axis=-1)[..., plan.lo : plan.hi]
    if plan.nz.size:
        means = _segment_means(rows, plan).astype(rows.dtype)
        spec[..., plan.nz] -= means[..., None] * plan.w_nz
    if correction is not None:
        spec[..., : correction.shape[-1]] -= correction
    flat = spec.view(spec.real.dtype)  # (re, im) pairs, squared in place
    np.square(flat, out=flat)
    if not plan.median:
        power = flat.sum(axis=1).astype(np.float64).reshape(rows.shape[0], -1, 2).sum(-1)
        return power * (plan.weight / plan.n_segs)
    power = flat.reshape(*flat.shape[:-1], -1, 2).sum(-1)
    return np.median(power, axis=1).astype(np.float64) * (plan.weight / plan.bias)


def _psd_welch(
    X: NDArray[Any],
    sfreq: float,
    fmin: float,
    fmax: float | None,
    n_per_seg: int | None,
    n_overlap: int | None,
    n_fft: int | None,
    window: str | tuple[Any, ...],
    average: str,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """:func:`psd_welch` on an already validated array (FFTs in ``X.dtype``)."""
    from scipy import fft as sp_fft

    n_times = X.shape[-1]
    n_per_seg, n_overlap, n_fft = _welch_params(n_times, sfreq, n_per_seg, n_overlap, n_fft)
    freqs = sp_fft.rfftfreq(n_fft, 1.0 / sfreq)
    fmin = check_range(fmin, "fmin", 0.0, None)
    fmax_v = freqs[-1] if fmax is None else check_range(fmax, "fmax", 0.0, None)
    keep = np.flatnonzero((freqs >= fmin) & (freqs <= fmax_v))
    if not keep.size:
        raise ValueError(
            f"No frequency bin lies in [fmin, fmax] = [{fmin:g}, {fmax_v:g}] Hz with a "
            f"resolution of {sfreq / n_fft:g} Hz. Widen the range or increase n_fft."
        )
    lo, hi = int(keep[0]), int(keep[-1]) + 1
    plan = _welch_plan(n_times, sfreq, n_per_seg, n_overlap, n_fft, window, average, lo, hi,
                       X.dtype)
    rows = X.reshape(-1, n_times)
    out = np.empty((rows.shape[0], hi - lo), dtype=np.float64)
    block = _welch_block_rows(plan, X.dtype.itemsize)
    for start in range(0, rows.shape[0], block):
        out[start : start + block] = _welch_rows(rows[start : start + block], plan)
    return out.reshape(*X.shape[:-1], hi - lo), freqs[lo:hi].copy()


def _band_masks(
    freqs: NDArray[np.float64], bands: dict[str, tuple[float, float]], df: float
) -> NDArray[np.float64]:
    """(n_freqs, n_bands) 0/1 matrix selecting ``lo <= f < hi`` per band."""
    masks = np.zeros((freqs.size, len(bands)))
    for j, (name, (lo, hi)) in enumerate(bands.items()):
        sel = (freqs >= lo - 1e-9 * df) & (freqs < hi - 1e-9 * df)
        if not sel.any():
            raise ValueError(
                f"band {name!r} ({lo:g}-{hi:g} Hz) holds no frequency bin at a resolution of "
                f"{df:g} Hz. Use longer segments (n_per_seg / n_fft) or a wider band."
            )
        masks[sel, j] = 1.0
    return masks


class _BandBins(NamedTuple):
    """The Welch sizes and the bins ``lo:hi`` that the bands (and total) need."""

    n_per_seg: int
    n_overlap: int
    n_fft: int
    lo: int
    hi: int
    freqs: NDArray[np.float64]  # (hi - lo,) in Hz
    masks: NDArray[np.float64]  # (hi - lo, n_bands [+ 1 total column when relative])
    df: float


def _band_bins(
    n_times: int,
    sfreq: float,
    bands: dict[str, tuple[float, float]],
    relative: bool,
    n_per_seg: int | None,
    n_overlap: int | None,
    n_fft: int | None,
) -> _BandBins:
    from scipy import fft as sp_fft

    n_per_seg, n_overlap, n_fft = _welch_params(n_times, sfreq, n_per_seg, n_overlap, n_fft)
    freqs = sp_fft.rfftfreq(n_fft, 1.0 / sfreq)
    df = float(freqs[1] - freqs[0]) if freqs.size > 1 else sfreq
    masks = _band_masks(freqs, bands, df)
    if relative:
        lo = min(b[0] for b in bands.values())
        hi = max(b[1] for b in bands.values())
        masks = np.concatenate([masks, _band_masks(freqs, {"total": (lo, hi)}, df)], axis=1)
    used = np.flatnonzero(masks.any(axis=1))
    lo_bin, hi_bin = int(used[0]), int(used[-1]) + 1
    return _BandBins(n_per_seg, n_overlap, n_fft, lo_bin, hi_bin, freqs[lo_bin:hi_bin],
                     masks[lo_bin:hi_bin], df)


def _flat_channels(X: NDArray[np.float64]) -> NDArray[np.bool_]:
    """True where a channel (last axis) is constant."""
    return np.ptp(X, axis=-1) == 0


def _raise_flat(flat: NDArray[np.bool_], what: str) -> None:
    if flat.any():
        if flat.ndim >= 1:
            chans = np.flatnonzero(flat.reshape(-1, flat.shape[-1]).any(axis=0))
            where = f" (channel index(es) {chans.tolist()[:10]})"
        else:
            where = ""
        raise DataQualityError(
            f"X has {int(flat.sum())} flat (constant) channel(s){where}, so {what} is "
            "undefined (log of zero power). Drop or interpolate flat channels first."
        )


def _check_positive(values: NDArray[np.float64], what: str) -> None:
    """Raise DataQualityError if a quantity whose log is taken is not strictly positive."""
    if not np.all(values > 0):
        n_bad = int(np.sum(~(values > 0)))
        raise DataQualityError(
            f"{what} is zero in {n_bad} place(s) (e.g. a band removed by a filter, or a "
            "signal below floating-point resolution), so its log is -inf. Check the bands "
            "against the data, or drop the affected channels."
        )


def _powers_from_psd(
    psd: NDArray[np.float64],
    bins: _BandBins,
    bands: dict[str, tuple[float, float]],
    relative: bool,
    log: bool,
) -> NDArray[np.float64]:
    """Band powers (sum of PSD bins times df), optionally relative and/or log."""
    # each band is a contiguous run of bins: slice sums (no BLAS call, whose threads would
    # spin on small products)
    runs = [np.flatnonzero(col) for col in bins.masks.T]
    power = np.stack([psd[..., r[0] : r[-1] + 1].sum(axis=-1) for r in runs], axis=-1) * bins.df
    if relative:
        lo = min(b[0] for b in bands.values())
        hi = max(b[1] for b in bands.values())
        total = power[..., -1:]
        power = power[..., :-1]
        _check_positive(total, f"the total power over {lo:g}-{hi:g} Hz")
        power = power / total
    if log:
        _check_positive(power, "band power")
        power = np.log(power)
    return power


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


# ----------------------------------------------------------------------------- filtered chain
class _LowCorrection(NamedTuple):
    """Exact removal of the sub-``l_freq`` content on a decimated grid (spectral path)."""

    factor: int  # decimation D: block means over D samples
    pad: int  # odd-reflection padding (samples, multiple of D) on the left
    pad_right: int  # and on the right (completes the last partial block)
    n_fft: int  # FFT length on the decimated grid
    gain: NDArray[np.float64]  # (n_fft // 2 + 1,) (1 - H) / B**3 below f_exact, else 0
    offset: int  # first decimated sample of segment 0's interpolation support
    step: int  # segment hop in decimated samples
    kernel: NDArray[np.float64]  # (n_support, 2 * n_bins) interleaved re/im


class _SpectralModel(NamedTuple):
    gain: NDArray[np.float64]  # (hi - lo,) leakage-weighted power response per Welch bin
    rho2_min: NDArray[np.float64]  # (hi - lo,) min power response within the main lobe
    f_exact: float  # below this the chain's high-pass is applied exactly (Hz)
    low: _LowCorrection | None


def _even_full(half: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    """The full length-``n`` DFT-ordered sequence of an even function given for 0..n//2."""
    return np.concatenate([half, half[1 : n - half.size + 1][::-1]])


@functools.lru_cache(maxsize=16)
def _spectral_model(
    sfreq: float,
    h_bytes: bytes,
    l_freq: float | None,
    n_times: int,
    n_per_seg: int,
    step: int,
    n_fft: int,
    window: str | tuple[Any, ...],
    lo: int,
    hi: int,
) -> _SpectralModel:
    """Design the spectral path once per configuration (cached like the FIR kernels)."""
    from scipy import fft as sp_fft
    from scipy.signal import get_window

    h = np.frombuffer(h_bytes, dtype=np.float64)
    win = get_window(window, n_per_seg, fftbins=True).astype(np.float64)
    over = max(32, -(-h.size // n_fft))  # fine grid: n_fft * over points, >= the kernel
    n_fine = n_fft * over
    _, resp = fir_response(h, sfreq, n_fine)
    w2 = np.abs(sp_fft.rfft(win, n_fine)) ** 2
    rising = np.flatnonzero(np.diff(w2) > 0)
    k_lobe = int(rising[0]) if rising.size else w2.size - 1  # first null of the window
    lobe = k_lobe * sfreq / n_fine
    fine = np.arange(w2.size) * sfreq / n_fine
    f_exact = 0.0 if l_freq is None else float(l_freq) + 2.0 * lobe
    rho2 = np.where(fine < f_exact, 1.0, resp**2)
    # expected Welch bin value for a locally flat input: rho2 weighted by |W|^2 around it
    full_w2 = _even_full(w2, n_fine)
    conv = sp_fft.irfft(sp_fft.rfft(_even_full(rho2, n_fine)) * sp_fft.rfft(full_w2),
                        n_fine) / full_w2.sum()
    centres = np.arange(lo, hi) * over
    gain = conv[centres]
    padded = np.concatenate([rho2[1 : k_lobe + 1][::-1], rho2, rho2[-k_lobe - 1 : -1][::-1]])
    rho2_min = np.array([padded[c : c + 2 * k_lobe + 1].min() for c in centres])
    low = None
    if l_freq is not None:
        low = _low_correction_design(h, sfreq, f_exact, n_times, n_per_seg, step, n_fft, win,
                                     lo, hi)
    model = _SpectralModel(gain, rho2_min, f_exact, low)
    for arr in (gain, rho2_min):
        arr.setflags(write=False)
    return model


def _low_correction_design(
    h: NDArray[np.float64],
    sfreq: float,
    f_exact: float,
    n_times: int,
    n_per_seg: int,
    step: int,
    n_fft: int,
    win: NDArray[np.float64],
    lo: int,
    hi: int,
) -> _LowCorrection | None:
    """Decimated design of the correction that removes ``(1 - H) * x`` below ``f_exact``."""
    from scipy import fft as sp_fft

    half = (h.size - 1) // 2

    def pads(d: int) -> tuple[int, int]:
        """Odd-reflection padding (left, right) in samples, whole blocks, within the row."""
        pad = (-(-half // d) + 1) * d  # the kernel's half-length plus one block
        extra = (d - n_times % d) % d  # completes the last partial block
        while pad > d and pad + extra > n_times - 1:
            pad -= d
        return pad, pad + extra

    common = math.gcd(step, n_per_seg)
    factor = 1
    for d in sorted((d for d in range(2, common + 1) if common % d == 0), reverse=True):
        # the decimated grid must resolve the corrected band with margin, and fit the pads
        if sfreq / d >= 4.0 * f_exact and pads(d)[1] <= n_times - 1:
            factor = d
            break
    pad, pad_right = pads(factor)
    n_bins = int(np.sum(np.arange(lo, hi) * sfreq / n_fft < sfreq / factor / 2.0))
    if n_bins == 0:
        return None  # every band lies above the decimated grid: nothing to correct
    fs_dec = sfreq / factor
    n_dec = (pad + n_times + pad_right) // factor
    n_fft_dec = sp_fft.next_fast_len(n_dec, real=True)
    f_dec = sp_fft.rfftfreq(n_fft_dec, 1.0 / fs_dec)
    resp_dec = fir_response(h, sfreq, n_fft_dec * factor)[1][: f_dec.size]
    # block means and linear interpolation back to sfreq scale the baseband by B and B**2
    with np.errstate(invalid="ignore", divide="ignore"):
        block = np.where(f_dec == 0, 1.0, np.sin(np.pi * f_dec * factor / sfreq)
                         / (factor * np.sin(np.pi * f_dec / sfreq)))
    gain = np.where(f_dec < f_exact, (1.0 - resp_dec) / block**3, 0.0)
    # sample n of a segment lies between block centres m_lo and m_lo + 1 (relative index)
    n = np.arange(n_per_seg)
    u = (n - (factor - 1) / 2.0) / factor
    m_lo = np.floor(u).astype(int) + 1
    frac = u - np.floor(u)
    n_support = n_per_seg // factor + 2
    weights = np.zeros((n_support, n_per_seg))
    np.add.at(weights, (m_lo, n), 1.0 - frac)
    np.add.at(weights, (m_lo + 1, n), frac)
    bins = slice(lo, lo + n_bins)
    seg_fft = sp_fft.rfft(weights * win, n_fft, axis=-1)[:, bins]  # (n_support, n_bins)
    seg_mean = weights.sum(axis=1) / n_per_seg
    kern = seg_fft - np.outer(seg_mean, sp_fft.rfft(win, n_fft)[bins])  # mean removed
    kernel = np.empty((n_support, 2 * n_bins))
    kernel[:, 0::2] = kern.real
    kernel[:, 1::2] = kern.imag
    for arr in (gain, kernel):
        arr.setflags(write=False)
    return _LowCorrection(factor, pad, pad_right, n_fft_dec, gain, pad // factor - 1,
                          step // factor, kernel)


def _block_means(rows: NDArray[Any], low: _LowCorrection) -> NDArray[np.float64]:
    """Means over ``factor`` samples of the odd-reflection extended rows (as float64).

    The reflected blocks are ``2 * x[0]`` minus means of (one-sample shifted) blocks of
    the row itself, so every mean is taken over a contiguous view, as a BLAS product.
    """
    d, pad, pad_right = low.factor, low.pad, low.pad_right
    n_rows, n = rows.shape
    n_full = (n // d) * d
    extra = pad_right - pad  # reflected samples that complete the last partial block
    ones = np.full(d, 1.0 / d, dtype=rows.dtype)

    def means(view: NDArray[Any]) -> NDArray[Any]:
        return view.reshape(n_rows, -1, d) @ ones

    two_first = 2.0 * rows[:, :1].astype(np.float64)
    two_last = 2.0 * rows[:, -1:].astype(np.float64)
    parts = [two_first - means(rows[:, 1 : pad + 1])[:, ::-1], means(rows[:, :n_full])]
    if extra:
        mixed = np.concatenate([rows[:, n_full:], rows.dtype.type(2.0) * rows[:, -1:]
                                - rows[:, -2 : -extra - 2 : -1]], axis=1)
        parts.append(means(mixed))
    parts.append(two_last - means(rows[:, n - 1 - extra - pad : n - 1 - extra])[:, ::-1])
    return np.concatenate(parts, axis=1, dtype=np.float64)


def _low_spectra(rows: NDArray[Any], low: _LowCorrection, n_segs: int) -> NDArray[Any]:
    """(n_rows, n_segs, n_bins) windowed, mean-removed segment spectra of ``(1 - H) * x``.

    Only its part below ``f_exact`` (where the high-pass removes power): computed on the
    decimated grid, interpolated linearly inside each segment by one small matrix product.
    """
    from numpy.lib.stride_tricks import as_strided
    from scipy import fft as sp_fft

    ext = _block_means(rows, low)
    removed = sp_fft.irfft(sp_fft.rfft(ext, low.n_fft, axis=-1) * low.gain, low.n_fft,
                           axis=-1)[:, low.offset :]
    n_support = low.kernel.shape[0]
    support = as_strided(removed, shape=(rows.shape[0], n_segs, n_support),
                         strides=(removed.strides[0], low.step * removed.strides[1],
                                  removed.strides[1]), writeable=False)
    out = support @ low.kernel  # (n_rows, n_segs, 2 * n_bins) float64, contiguous
    return out.view(np.complex128).astype(np.result_type(rows.dtype, np.complex64))


FILTERED_BAND_POWER_METHODS = ("fir", "spectral")


def filtered_band_power(
    X: Any,
    sfreq: float,
    bands: Mapping[str, tuple[float, float]] | None = None,
    *,
    l_freq: float | None = 0.5,
    h_freq: float | None = 50.0,
    notch_freqs: float | Sequence[float] | None = 50.0,
    harmonics: bool = True,
    method: Literal["fir", "spectral"] = "fir",
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
    :func:`band_power`. Two implementations:

    ``"fir"`` (default, exact)
        Filters a few rows at a time by batched FFT convolution and computes their Welch
        PSD while they are in cache. Equals ``band_power(bandpass_notch(X, ...,
        method="fir"), ...)`` to floating-point precision.
    ``"spectral"`` (approximate, faster)
        Skips the filtering FFTs. For a linear filter ``H`` the PSD of the output is
        ``|H(f)|**2`` times the PSD of the input, so the Welch PSD of ``X`` itself is
        multiplied by the filter's power response per Welch bin (``|H|**2`` averaged
        with the window's spectral weight, exact for a locally flat spectrum).
        Where this first-order model fails, near the high-pass edge (EEG has its
        largest power, and drifts, below ``l_freq``, which leak into the lowest bins
        through the Welch window), the removed part ``(1 - H) * X`` below
        ``l_freq + 2 * main lobe`` (2.5 Hz for 0.5 Hz and 2-s Hann segments) is
        computed exactly on a decimated grid (block means, FFT, odd-reflection edges
        as MNE) and subtracted from the segment spectra before squaring. What remains
        unmodelled: edge transients of the band-pass/notch above that frequency and
        leakage of stop-band content. Measured against the per-window MNE chain
        (0.5-50 Hz + 60 Hz notch, 2-s Hann segments, bands 1-50 Hz): largest relative
        difference per band below 1e-3 on realistic synthetic EEG with drifts and on
        real eegmat recordings (see BENCHMARKS.md). Bands must lie in the filter's pass
        band: a band bin that sees, within the window's main lobe, a frequency whose
        power the filter attenuates by more than 5 % (transition band, stop band, notch)
        is rejected, because a spectral line or a steep spectrum there is not filtered
        out (e.g. with the default 50 Hz notch, gamma must end at 48.5 Hz; with a 50 Hz
        low-pass, bands may reach 50 Hz). Even inside the pass band, single 0.5-Hz bins
        next to its edge (49-50 Hz for a 50 Hz low-pass) deviated by up to 6 % on eegmat
        recordings that were already notched at 50 Hz; whole bands stayed below 1e-3.
        ``average="median"`` is not linear in the PSD: its deviation is a few 1e-3.

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
    method : {"fir", "spectral"}
        Exact filtering, or the spectral model described above.
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
        For an impossible band or filter, a window shorter than the chain kernel, or,
        with ``method="spectral"``, a band outside the filter's pass band.
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
    if method == "fir":
        for start, Y in _fir_blocks(rows, h, n_times, pad=(h.size - 1) // 2, dtype=dt):
            psd[start : start + Y.shape[0]] = _welch_rows(Y, plan)
    else:
        key = window if isinstance(window, str) else tuple(window)
        model = _spectral_model(sfreq, h.tobytes(), None if l_freq is None else float(l_freq),
                                n_times, plan.n_per_seg, plan.step, plan.n_fft, key, bins.lo,
                                bins.hi)
        _check_pass_band(model, bins, bands_d, relative)
        block = _welch_block_rows(plan, dt.itemsize)
        big = block * _LOW_BLOCKS  # the small decimated FFTs run on several blocks at once
        for start in range(0, rows.shape[0], big):
            chunk = rows[start : start + big].astype(dt, copy=False)
            low = None if model.low is None else _low_spectra(chunk, model.low, plan.n_segs)
            for sub in range(0, chunk.shape[0], block):
                psd[start + sub : start + sub + block] = _welch_rows(
                    chunk[sub : sub + block], plan, None if low is None else low[sub : sub + block])
        psd *= model.gain
    return _powers_from_psd(psd.reshape(*X.shape[:-1], -1), bins, bands_d, relative, log)


def _check_pass_band(
    model: _SpectralModel,
    bins: _BandBins,
    bands: dict[str, tuple[float, float]],
    relative: bool,
) -> None:
    """Reject bands whose bins see a frequency the filter cuts (spectral path only)."""
    names = list(bands) + (["total (for relative power)"] if relative else [])
    edges = list(bands.values())
    if relative:
        edges.append((min(b[0] for b in edges), max(b[1] for b in edges)))
    for j, name in enumerate(names):
        sel = np.flatnonzero(bins.masks[:, j] > 0)
        bad = sel[model.rho2_min[sel] < _PASS_BAND_MIN_POWER]
        if bad.size:
            lo, hi = edges[j]
            raise ValueError(
                f"band {name!r} ({lo:g}-{hi:g} Hz) is not inside the filter's pass band: "
                f"the Welch bin at {bins.freqs[bad[0]]:g} Hz sees, within the window's main "
                "lobe, frequencies whose power the band-pass/notch attenuates by more than "
                f"{1 - _PASS_BAND_MIN_POWER:.0%} (a transition band, stop band or notch), where "
                "method='spectral' is not accurate (a spectral line or a steep spectrum there "
                "is not filtered out). Use method='fir' (exact) or keep the bands inside the "
                "pass band."
            )


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
