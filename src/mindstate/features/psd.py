"""Welch power spectral density and the frequency-band bookkeeping built on it.

Conventions (documented once, used everywhere in :mod:`mindstate.features`):

- :func:`psd_welch` returns a one-sided power spectral density in V²/Hz, identical to
  ``scipy.signal.welch`` and ``mne.time_frequency.psd_array_welch`` with the same
  segment length, overlap, window and averaging (mean removed from each segment).
- A band ``(lo, hi)`` holds the frequency bins ``lo <= f < hi`` (half-open, so adjacent
  bands never share a bin). Its **absolute power** is the rectangle-rule integral
  ``sum(PSD[bins]) * df`` in V², where ``df = sfreq / n_fft``; equivalently MNE's
  ``psds[..., mask].mean(-1) * n_bins * df`` on the output of ``psd_array_welch``.
- **Relative power** divides by the power over ``[min lo, max hi)`` of the bands given
  (1-50 Hz for :data:`BANDS`).

Why not ``scipy.signal.welch``: the same numbers (relative difference about 1e-15), but the
Welch here is written so that :func:`mindstate.features.band_power` and the fused FIR chain of
:func:`mindstate.features.filtered_band_power` square and average only the bins the bands
need, a few rows at a time while they are in cache (see BENCHMARKS.md, preprocess). Measured
for all bins (``python benchmarks/welch.py``: 30 x 19 windows of 10 000 samples, 400-sample
segments, one thread, 2-core x86_64): 0.060 s against scipy's 0.129 s in float64, 0.087 s
against 0.120 s in float32. :func:`psd_welch` reuses that code rather than delegate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal, NamedTuple

import numpy as np
from numpy.typing import NDArray

from .._validation import check_array, check_int, check_option, check_range, check_sfreq
from ..exceptions import DataQualityError
from ..preprocess.filters import _check_dtype

__all__ = ["BANDS", "check_bands", "psd_welch"]

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


