"""Clinical EEG features: detection of epileptiform spikes and sharp waves, and their rates.

Detector (per channel, documented so its output can be audited)
---------------------------------------------------------------
1. **Band-pass** 1-70 Hz (4th-order zero-phase Butterworth; the upper edge is capped at
   0.45 × sfreq), giving ``y``.
2. **Robust background**: ``σ = 1.4826 · MAD(y)`` and the median of ``y``; the nonlinear
   (Teager-Kaiser) energy ``ψ[n] = y[n]² − y[n−1]·y[n+1]``, smoothed over 10 ms, and its
   median ``ψ̃``.
3. **Candidates**: local maxima of ``|y − median| / σ`` above ``amp_z``, at least
   ``min_interval`` seconds apart (the largest wins), whose smoothed energy at the peak is at
   least ``neo_k · ψ̃``.
4. **Duration**: twice the full width at half maximum of the transient (relative to the
   median, same polarity as the peak) — the base width of a triangular transient.
   20 ms ≤ duration < 70 ms → ``"spike"``; 70 ms ≤ duration ≤ 200 ms → ``"sharp_wave"``;
   anything else is rejected.
5. **Sharpness** (steepness): the mean slope of each flank (from half maximum to the peak,
   V/s) divided by the robust SD of the background slope (``1.4826 · MAD(Δy) · sfreq``) must
   be at least ``min_sharpness`` on *both* sides; this rejects slow rounded waves whose
   amplitude is large only relative to their duration.

A channel is flat when its SD, or the robust SD ``σ`` of its band-passed signal, is at most
``FLAT_REL_EPS`` × max|X| (no background to compare with).

Thresholds are relative to each channel's background, so they do not depend on the unit or
the gain. These are simple, transparent criteria in the spirit of classic mimetic detectors
(Gotman & Gloor 1976) — decision support, not a clinical-grade detector.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._util import robust_center_scale
from .._validation import check_option, check_range, check_sfreq, check_type
from ..preprocess.filters import _zero_phase
from ..preprocess.normalize import (
    FLAT_REL_EPS,
    _as_signals,
    _check_ch_names,
    _data_scale,
    _handle_flat,
)
from .time import _WindowFeatures

__all__ = [
    "SPIKE_KINDS",
    "SpikeRate",
    "detect_spikes",
    "spike_rates",
]

#: Event kinds reported by :func:`detect_spikes`.
SPIKE_KINDS = ("spike", "sharp_wave")
_COLUMNS = ["window", "channel", "time", "duration", "amplitude", "kind", "z", "sharpness"]
OnFlat = Literal["raise", "warn", "ignore"]


def _check_ms(value: Any, name: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be (min_ms, max_ms); got {value!r}.") from exc
    if not 0 < lo < hi:
        raise ValueError(f"{name} must satisfy 0 < min_ms < max_ms; got {value!r}.")
    return lo, hi


def _bandpass(X: NDArray[np.float64], sfreq: float, band: tuple[float, float]
              ) -> NDArray[np.float64]:
    lo, hi = band
    hi = min(hi, 0.45 * sfreq)
    if not 0 < lo < hi:
        raise ValueError(
            f"band must be (low, high) Hz with 0 < low < min(high, 0.45 * sfreq={0.45 * sfreq:g})"
            f"; got {band!r}."
        )
    return _zero_phase(X, sfreq, lo, hi, what="band-pass")


def _half_crossing(v: NDArray[np.float64], p: int, half: float, step: int, limit: int
                   ) -> float | None:
    """Sub-sample index where ``v`` first drops below ``half`` walking from ``p`` by ``step``."""
    i = p
    for _ in range(limit):
        j = i + step
        if j < 0 or j >= len(v):
            return None
        if v[j] < half:
            # linear interpolation between i (>= half) and j (< half)
            frac = (v[i] - half) / (v[i] - v[j])
            return i + step * frac
        i = j
    return None


def _detect_batch(
    X2: NDArray[np.float64],
    sfreq: float,
    *,
    band: tuple[float, float],
    amp_z: float,
    neo_k: float,
    min_sharpness: float,
    spike_ms: tuple[float, float],
    sharp_ms: tuple[float, float],
    min_interval: float,
    on_flat: str,
    ch_names: list[str],
) -> list[tuple[int, float, float, float, str, float, float]]:
    """Detect events in every row of X2 (n_windows * n_chans, n_times), channel-fastest.

    Returns (row, time_s, duration_s, amplitude, kind, z, sharpness) tuples.
    """
    from scipy.ndimage import uniform_filter1d
    from scipy.signal import find_peaks

    y = _bandpass(X2, sfreq, band)
    med, sigma = robust_center_scale(y, axis=-1)
    sigma = sigma[..., 0]
    floor = FLAT_REL_EPS * _data_scale(X2)
    flat = (X2.std(axis=-1) <= floor) | (sigma <= floor)
    _handle_flat(flat.reshape(-1, len(ch_names)), on_flat, ch_names, "detect_spikes",
                 stacklevel=4)
    dy = np.diff(y, axis=-1)
    slope_sd = robust_center_scale(dy, axis=-1)[1][..., 0] * sfreq  # V/s
    psi = np.zeros_like(y)
    psi[:, 1:-1] = y[:, 1:-1] ** 2 - y[:, :-2] * y[:, 2:]
    psi = uniform_filter1d(psi, size=max(1, int(round(0.010 * sfreq))), axis=-1)
    psi_med = np.median(psi, axis=-1)
    dist = max(1, int(round(min_interval * sfreq)))
    limit = int(round(sharp_ms[1] / 1000.0 * sfreq))  # half-width never exceeds the max dur.
    events: list[tuple[int, float, float, float, str, float, float]] = []
    for r in np.flatnonzero(~flat):
        dev = y[r] - med[r, 0]
        z = np.abs(dev) / sigma[r]
        peaks, _ = find_peaks(z, height=amp_z, distance=dist)
        for p in peaks:
            if psi[r, p] < neo_k * max(psi_med[r], np.finfo(float).tiny):
                continue
            v = dev * np.sign(dev[p])
            h = v[p]
            left = _half_crossing(v, p, h / 2, -1, limit)
            right = _half_crossing(v, p, h / 2, +1, limit)
            if left is None or right is None:
                continue
            dur = 2.0 * (right - left) / sfreq
            dur_ms = 1000.0 * dur
            if spike_ms[0] <= dur_ms < spike_ms[1]:
                kind = "spike"
            elif sharp_ms[0] <= dur_ms <= sharp_ms[1]:
                kind = "sharp_wave"
            else:
                continue
            rise = (h / 2) / ((p - left) / sfreq)
            fall = (h / 2) / ((right - p) / sfreq)
            sharp = min(rise, fall) / max(slope_sd[r], np.finfo(float).tiny)
            if sharp < min_sharpness:
                continue
            events.append((int(r), p / sfreq, dur, float(dev[p]), kind, float(z[p]), sharp))
    return events


def _check_params(
    band: Any, amp_z: float, neo_k: float, min_sharpness: float, spike_ms: Any, sharp_ms: Any,
    min_interval: float, on_flat: str,
) -> dict[str, Any]:
    try:
        b = (float(band[0]), float(band[1]))
        ok = len(band) == 2
    except (TypeError, ValueError, IndexError):
        ok = False
    if not ok:
        raise ValueError(f"band must be (low, high) in Hz; got {band!r}.")
    return {
        "band": b,
        "amp_z": check_range(amp_z, "amp_z", 0.0, None, inclusive=(False, True)),
        "neo_k": check_range(neo_k, "neo_k", 0.0, None),
        "min_sharpness": check_range(min_sharpness, "min_sharpness", 0.0, None),
        "spike_ms": _check_ms(spike_ms, "spike_ms"),
        "sharp_ms": _check_ms(sharp_ms, "sharp_ms"),
        "min_interval": check_range(min_interval, "min_interval", 0.0, None,
                                    inclusive=(False, True)),
        "on_flat": check_option(on_flat, ("raise", "warn", "ignore"), "on_flat"),
    }


def detect_spikes(
    X: Any,
    sfreq: float,
    ch_names: Sequence[str],
    *,
    band: tuple[float, float] = (1.0, 70.0),
    amp_z: float = 4.5,
    neo_k: float = 4.0,
    min_sharpness: float = 0.5,
    spike_ms: tuple[float, float] = (20.0, 70.0),
    sharp_ms: tuple[float, float] = (70.0, 200.0),
    min_interval: float = 0.2,
    on_flat: OnFlat = "raise",
) -> pd.DataFrame:
    """Detect spikes (20-70 ms) and sharp waves (70-200 ms); see the module notes.

    Parameters
    ----------
    X : array-like of shape (n_chans, n_times) or (n_windows, n_chans, n_times)
        EEG in volts.
    sfreq : float
        Sampling frequency in Hz.
    ch_names : list of str
        Channel names.
    band : tuple of float
        Band-pass edges in Hz (upper edge capped at 0.45 * sfreq).
    amp_z : float
        Robust amplitude z-score threshold.
    neo_k : float
        Minimum ratio of the smoothed nonlinear energy at the peak to its median.
    min_sharpness : float
        Minimum flank slope relative to the background slope SD (both flanks).
    spike_ms : tuple of float
        Duration range of spikes in ms, [low, high).
    sharp_ms : tuple of float
        Duration range of sharp waves in ms, [low, high].
    min_interval : float
        Minimum separation of two events on one channel, in seconds.
    on_flat : {"raise", "warn", "ignore"}
        What to do with flat channels (no events when not raising).

    Returns
    -------
    events : pandas.DataFrame
        One row per event, sorted by window, time and channel, with columns ``window`` (0
        for 2-D input), ``channel``, ``time`` (s from the window start, at the peak),
        ``duration`` (s), ``amplitude`` (V, signed peak of the band-passed signal relative
        to its median), ``kind`` (``"spike"`` | ``"sharp_wave"``), ``z`` and ``sharpness``.
    """
    sf = check_sfreq(sfreq)
    params = _check_params(band, amp_z, neo_k, min_sharpness, spike_ms, sharp_ms,
                           min_interval, on_flat)
    arr = _as_signals(X, min_ndim=2, max_ndim=3,
                      shape_hint="(n_chans, n_times) or (n_windows, n_chans, n_times)")
    names = _check_ch_names(ch_names, arr.shape[-2])
    X3 = arr if arr.ndim == 3 else arr[None]
    n_chans, n_times = X3.shape[1:]
    events = _detect_batch(X3.reshape(-1, n_times), sf, ch_names=names, **params)
    rows = [
        (r // n_chans, names[r % n_chans], t, d, a, k, z, s) for r, t, d, a, k, z, s in events
    ]
    df = pd.DataFrame(rows, columns=_COLUMNS)
    df = df.astype({"window": int, "time": float, "duration": float, "amplitude": float,
                    "z": float, "sharpness": float})
    return df.sort_values(["window", "time", "channel"], ignore_index=True)


def spike_rates(
    X: Any,
    sfreq: float,
    ch_names: Sequence[str] | None = None,
    *,
    by_kind: bool = False,
    **params: Any,
) -> NDArray[np.float64]:
    """Count events per minute in every channel (of every window).

    Parameters
    ----------
    X : array-like of shape (n_chans, n_times) or (n_windows, n_chans, n_times)
        EEG in volts.
    sfreq : float
        Sampling frequency in Hz.
    ch_names : list of str | None
        Channel names (for messages).
    by_kind : bool
        Return spike and sharp-wave rates separately.
    **params
        Detector parameters of :func:`detect_spikes`.

    Returns
    -------
    rates : ndarray of shape X.shape[:-1], or X.shape[:-1] + (2,) with ``by_kind``
        Events per minute; the last axis of the ``by_kind`` form follows
        :data:`SPIKE_KINDS`.
    """
    check_type(by_kind, bool, "by_kind")
    arr = _as_signals(X, min_ndim=2, max_ndim=3,
                      shape_hint="(n_chans, n_times) or (n_windows, n_chans, n_times)")
    names = _check_ch_names(ch_names, arr.shape[-2])
    df = detect_spikes(arr, sfreq, names, **params)
    X3 = arr if arr.ndim == 3 else arr[None]
    n_win, n_chans, n_times = X3.shape
    counts = np.zeros((n_win, n_chans, len(SPIKE_KINDS)))
    if len(df):
        ci = df["channel"].map({c: i for i, c in enumerate(names)}).to_numpy()
        ki = df["kind"].map({k: i for i, k in enumerate(SPIKE_KINDS)}).to_numpy()
        np.add.at(counts, (df["window"].to_numpy(), ci, ki), 1.0)
    minutes = n_times / check_sfreq(sfreq) / 60.0
    rates = counts / minutes
    if not by_kind:
        rates = rates.sum(axis=-1)
    return rates if arr.ndim == 3 else rates[0]


class SpikeRate(_WindowFeatures):
    """Spike and sharp-wave rates (events/min) per channel of every window.

    Parameters
    ----------
    sfreq : float
        Sampling frequency in Hz.
    by_kind : bool
        Separate spike and sharp-wave rates (two features per channel) or their sum.
    amp_z : float
        Detector amplitude threshold (see :func:`detect_spikes`).
    neo_k : float
        Detector nonlinear-energy threshold.
    min_sharpness : float
        Detector sharpness threshold.
    ch_names : list of str | None
        Channel names used in feature names.
    on_flat : {"raise", "warn", "ignore"}
        What to do with flat channels.

    Attributes
    ----------
    n_chans_ : int
        Number of channels seen in ``fit``.
    """

    def __init__(
        self,
        sfreq: float,
        by_kind: bool = True,
        amp_z: float = 4.5,
        neo_k: float = 4.0,
        min_sharpness: float = 0.5,
        *,
        ch_names: Sequence[str] | None = None,
        on_flat: OnFlat = "raise",
    ) -> None:
        self.sfreq = sfreq
        self.by_kind = by_kind
        self.amp_z = amp_z
        self.neo_k = neo_k
        self.min_sharpness = min_sharpness
        self.ch_names = ch_names
        self.on_flat = on_flat

    def _prepare(self, X: NDArray[np.float64]) -> None:
        check_sfreq(self.sfreq)
        check_type(self.by_kind, bool, "by_kind")

    def _labels(self) -> list[str]:
        return [f"{k}_rate" for k in SPIKE_KINDS] if self.by_kind else ["spike_rate"]

    def _compute(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        names = _check_ch_names(self.ch_names, X.shape[1])
        rates = spike_rates(X, self.sfreq, names, by_kind=self.by_kind, amp_z=self.amp_z,
                            neo_k=self.neo_k, min_sharpness=self.min_sharpness,
                            on_flat=self.on_flat)
        return rates if self.by_kind else rates[..., None]
