"""Wearable physiology features per window, with quality flags (NeuroKit2 does the signal work).

Per window of the Empatica E4 streams:

- **PPG (BVP, 64 Hz)**: systolic peaks by NeuroKit2 (``ppg_peaks``, Elgendi) on the BVP, which
  the E4 records upside down (``invert=True`` flips it first); heart rate and HRV from the
  beat intervals: time domain (mean NN, SDNN, RMSSD, pNN50), frequency domain (LF, HF power,
  LF/HF; only for windows of at least 60 s) and non-linear (SD1, SD2). Intervals outside
  0.3-2.0 s (30-200 bpm) are dropped before HRV. SD1 and SD2 use their closed forms from the
  successive differences (NeuroKit2's ``hrv_nonlinear`` computes dozens of entropies besides).
- **EDA (4 Hz)**: low-passed at 1 Hz (zero phase) before NeuroKit2, then split into tonic and
  phasic parts with the ``highpass`` method (the ``bishop`` method's memory grows with the
  square of the length), SCR peaks by ``eda_peaks``: tonic level and slope, phasic SD, SCR count
  per minute and mean amplitude.
- **TEMP (4 Hz)**: level and slope (°C per minute, least squares).
- **ACC (32 Hz, 3 axes)**: motion intensity, the mean absolute deviation of the acceleration
  magnitude from its median (in the stream's units).

Quality flags: ``few_beats`` (fewer valid beats than ``min_beat_fraction`` of what 40 bpm would
give), ``motion`` (intensity above ``motion_threshold``), ``flat_eda`` (EDA range below 0.01 µS).
Flagged windows get their features computed where possible (NaN otherwise) and are reported by
:func:`window_features`; deciding to drop them is the caller's, never silent.

:func:`rpeak_f1` scores R-peak detections against reference beat annotations with the usual
±150 ms tolerance (ANSI/AAMI EC57 style, one-to-one matching).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._validation import check_array, check_range

__all__ = ["acc_features", "ecg_rpeaks", "eda_features", "ppg_features", "rpeak_f1",
           "temp_features", "window_features"]


def _nk() -> Any:
    try:
        import neurokit2 as nk
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise ImportError("physiology features need neurokit2; `pip install neurokit2`.") from exc
    return nk


def _signal(x: Any, name: str) -> NDArray[np.float64]:
    return check_array(x, name, ndim=1, allow_nonfinite=True)


def _slope_per_min(x: NDArray[np.float64], sfreq: float) -> float:
    ok = np.isfinite(x)
    if ok.sum() < 2:
        return float("nan")
    t = np.arange(len(x))[ok] / sfreq / 60.0
    return float(np.polyfit(t, x[ok], 1)[0])


def ppg_features(bvp: Any, sfreq: float, *, invert: bool = True,
                 min_beat_fraction: float = 0.5) -> dict[str, float]:
    """Heart rate and HRV of one PPG window.

    Parameters
    ----------
    bvp : array-like of shape (n_samples,)
        Blood volume pulse.
    sfreq : float
        Sampling rate in Hz (E4: 64).
    invert : bool
        Flip the sign first (the E4 records BVP upside down).
    min_beat_fraction : float
        ``few_beats`` is set when fewer valid beats are found than this fraction of what 40 bpm
        would give over the window.

    Returns
    -------
    dict
        ``hr_mean`` (bpm), ``hrv_meannn``, ``hrv_sdnn``, ``hrv_rmssd`` (ms), ``hrv_pnn50`` (%),
        ``hrv_lf``, ``hrv_hf`` (absolute band power as NeuroKit2's ``hrv_frequency`` reports
        it), ``hrv_lfhf``, ``hrv_sd1``, ``hrv_sd2`` (ms), ``n_beats``
        and ``few_beats`` (1.0 or 0.0). Values that cannot be computed are NaN.
    """
    x = _signal(bvp, "bvp")
    check_range(sfreq, "sfreq", 0.0, None, inclusive=(False, True))
    out = {k: float("nan") for k in ("hr_mean", "hrv_meannn", "hrv_sdnn", "hrv_rmssd",
                                     "hrv_pnn50", "hrv_lf", "hrv_hf", "hrv_lfhf", "hrv_sd1",
                                     "hrv_sd2")}
    duration = len(x) / sfreq
    expected = duration * 40 / 60 * min_beat_fraction
    out.update({"n_beats": 0.0, "few_beats": 1.0})
    if not np.isfinite(x).all() or np.ptp(x) == 0 or duration < 4:
        return out
    nk = _nk()
    sig = -x if invert else x
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clean = nk.ppg_clean(sig, sampling_rate=sfreq)
        _, info = nk.ppg_peaks(clean, sampling_rate=sfreq)
    peaks = np.asarray(info["PPG_Peaks"], dtype=int)
    ibi = np.diff(peaks) / sfreq
    valid = (ibi >= 0.3) & (ibi <= 2.0)
    nn = ibi[valid] * 1000.0
    out["n_beats"] = float(len(nn) + 1 if len(nn) else 0)
    out["few_beats"] = float(out["n_beats"] < max(expected, 3))
    if len(nn) < 2:
        return out
    d = np.diff(nn)
    out.update({"hr_mean": float(60000.0 / nn.mean()), "hrv_meannn": float(nn.mean()),
                "hrv_sdnn": float(nn.std(ddof=1)), "hrv_rmssd": float(np.sqrt(np.mean(d ** 2))),
                "hrv_pnn50": float(100.0 * np.mean(np.abs(d) > 50.0)),
                "hrv_sd1": float(np.sqrt(0.5) * np.std(d, ddof=1)) if len(d) > 1 else np.nan})
    sdnn = out["hrv_sdnn"]
    if len(d) > 1:
        sd2_sq = 2.0 * sdnn ** 2 - 0.5 * float(np.var(d, ddof=1))
        out["hrv_sd2"] = float(np.sqrt(sd2_sq)) if sd2_sq > 0 else 0.0
    if duration >= 60 and len(nn) >= 20:
        kept = peaks[1:][valid]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            freq = nk.hrv_frequency(kept, sampling_rate=sfreq, show=False)
        lf, hf = float(freq["HRV_LF"].iloc[0]), float(freq["HRV_HF"].iloc[0])
        out.update({"hrv_lf": lf, "hrv_hf": hf,
                    "hrv_lfhf": lf / hf if hf > 0 else float("nan")})
    return out


def eda_features(eda: Any, sfreq: float, *, lowpass: float = 1.0) -> dict[str, float]:
    """Tonic and phasic electrodermal activity of one window.

    Parameters
    ----------
    eda : array-like of shape (n_samples,)
        Skin conductance in µS.
    sfreq : float
        Sampling rate in Hz (E4: 4).
    lowpass : float
        Zero-phase low-pass cut-off before decomposition, in Hz (below Nyquist).

    Returns
    -------
    dict
        ``eda_tonic_mean`` (µS), ``eda_tonic_slope`` (µS/min), ``eda_phasic_sd`` (µS),
        ``scr_per_min``, ``scr_amplitude`` (µS, mean; 0 without SCR) and ``flat_eda``.
    """
    x = _signal(eda, "eda")
    check_range(sfreq, "sfreq", 0.0, None, inclusive=(False, True))
    out = {"eda_tonic_mean": float("nan"), "eda_tonic_slope": float("nan"),
           "eda_phasic_sd": float("nan"), "scr_per_min": float("nan"),
           "scr_amplitude": float("nan"), "flat_eda": 1.0}
    if not np.isfinite(x).all() or len(x) < 8:
        return out
    out["flat_eda"] = float(np.ptp(x) < 0.01)
    if out["flat_eda"]:  # nothing to decompose: report the level only
        out.update({"eda_tonic_mean": float(np.mean(x)), "eda_tonic_slope": 0.0,
                    "eda_phasic_sd": 0.0, "scr_per_min": 0.0, "scr_amplitude": 0.0})
        return out
    from scipy.signal import butter, sosfiltfilt

    if lowpass < sfreq / 2 and len(x) > 15:
        x = sosfiltfilt(butter(2, lowpass, fs=sfreq, output="sos"), x)
    nk = _nk()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parts = nk.eda_phasic(x, sampling_rate=sfreq, method="highpass")
        tonic = parts["EDA_Tonic"].to_numpy()
        phasic = parts["EDA_Phasic"].to_numpy()
        try:
            _, info = nk.eda_peaks(phasic, sampling_rate=sfreq, method="neurokit",
                                   amplitude_min=0.1)
            amps = np.asarray(info.get("SCR_Amplitude", []), dtype=float)
            amps = amps[np.isfinite(amps) & (amps >= 0.01)]  # at least 0.01 µS
        except (ValueError, IndexError):  # no peak candidates at all
            amps = np.zeros(0)
    minutes = len(x) / sfreq / 60.0
    out.update({"eda_tonic_mean": float(np.mean(tonic)),
                "eda_tonic_slope": _slope_per_min(tonic, sfreq),
                "eda_phasic_sd": float(np.std(phasic)),
                "scr_per_min": float(len(amps) / minutes),
                "scr_amplitude": float(amps.mean()) if len(amps) else 0.0})
    return out


def temp_features(temp: Any, sfreq: float) -> dict[str, float]:
    """Skin temperature level (°C) and least-squares slope (°C per minute) of one window.

    Parameters
    ----------
    temp : array-like of shape (n_samples,)
        Temperature in °C.
    sfreq : float
        Sampling rate in Hz.

    Returns
    -------
    dict
        ``temp_mean`` and ``temp_slope``.
    """
    x = _signal(temp, "temp")
    check_range(sfreq, "sfreq", 0.0, None, inclusive=(False, True))
    return {"temp_mean": float(np.nanmean(x)) if np.isfinite(x).any() else float("nan"),
            "temp_slope": _slope_per_min(x, sfreq)}


def acc_features(acc: Any, *, motion_threshold: float = 0.1) -> dict[str, float]:
    """Motion intensity of one accelerometer window.

    Parameters
    ----------
    acc : array-like of shape (3, n_samples) or (n_samples,)
        Acceleration per axis (or its magnitude).
    motion_threshold : float
        ``motion`` is set above this intensity (stream units; E4 in g after /64: 0.1 g).

    Returns
    -------
    dict
        ``acc_intensity`` (mean absolute deviation of the magnitude from its median) and
        ``motion``.
    """
    a = check_array(acc, "acc", ndim=(1, 2), allow_nonfinite=True)
    mag = np.linalg.norm(a, axis=0) if a.ndim == 2 else np.abs(a)
    if not np.isfinite(mag).any():
        return {"acc_intensity": float("nan"), "motion": 0.0}
    intensity = float(np.nanmean(np.abs(mag - np.nanmedian(mag))))
    return {"acc_intensity": intensity, "motion": float(intensity > motion_threshold)}


def window_features(X: Mapping[str, Any], rates: Mapping[str, float], *, invert_bvp: bool = True,
                    motion_threshold: float = 0.1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Features and quality flags of every window of the physiology chain.

    Parameters
    ----------
    X : mapping of str to ndarray
        Windows ``{"bvp": (n, 1, T), "eda": (n, 1, T), "temp": (n, 1, T), "acc": (n, 3, T)}``
        (any subset).
    rates : mapping of str to float
        Sampling rate of each stream, in Hz.
    invert_bvp : bool
        Flip the BVP (E4).
    motion_threshold : float
        See :func:`acc_features`.

    Returns
    -------
    features : DataFrame of shape (n_windows, n_features)
        One row per window (NaN where a value cannot be computed).
    flags : DataFrame of shape (n_windows, n_flags)
        ``few_beats``, ``flat_eda``, ``motion`` (bool) for the streams present, and ``any``.
    """
    streams = [s for s in ("bvp", "eda", "temp", "acc") if s in X]
    if not streams:
        raise ValueError(f"X must hold at least one of bvp, eda, temp, acc; got {sorted(X)}.")
    missing = [s for s in streams if s not in rates]
    if missing:
        raise ValueError(f"rates must give the sampling rate of {missing}; got {dict(rates)}.")
    n = len(X[streams[0]])
    rows = []
    for i in range(n):
        row: dict[str, float] = {}
        if "bvp" in X:
            row.update(ppg_features(np.asarray(X["bvp"][i]).reshape(-1), rates["bvp"],
                                    invert=invert_bvp))
        if "eda" in X:
            row.update(eda_features(np.asarray(X["eda"][i]).reshape(-1), rates["eda"]))
        if "temp" in X:
            row.update(temp_features(np.asarray(X["temp"][i]).reshape(-1), rates["temp"]))
        if "acc" in X:
            row.update(acc_features(np.asarray(X["acc"][i]), motion_threshold=motion_threshold))
        rows.append(row)
    df = pd.DataFrame(rows)
    flag_cols = [c for c in ("few_beats", "flat_eda", "motion") if c in df]
    flags = df[flag_cols].astype(bool)
    flags["any"] = flags.any(axis=1) if flag_cols else False
    feats = df.drop(columns=flag_cols + (["n_beats"] if "n_beats" in df else []))
    return feats, flags


def ecg_rpeaks(ecg: Any, sfreq: float) -> NDArray[np.int64]:
    """R-peak sample indices of an ECG lead (NeuroKit2's default detector after cleaning).

    Parameters
    ----------
    ecg : array-like of shape (n_samples,)
        One ECG lead.
    sfreq : float
        Sampling rate in Hz.

    Returns
    -------
    ndarray of int64
        Sorted R-peak indices.
    """
    x = _signal(ecg, "ecg")
    check_range(sfreq, "sfreq", 0.0, None, inclusive=(False, True))
    nk = _nk()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clean = nk.ecg_clean(x, sampling_rate=sfreq)
        _, info = nk.ecg_peaks(clean, sampling_rate=sfreq, correct_artifacts=False)
    return np.sort(np.asarray(info["ECG_R_Peaks"], dtype=np.int64))


def rpeak_f1(detected: Any, reference: Any, sfreq: float, *, tolerance_s: float = 0.15
             ) -> dict[str, float]:
    """Sensitivity, positive predictivity and F1 of beat detections (one-to-one matching).

    Parameters
    ----------
    detected, reference : array-like of int
        Sample indices.
    sfreq : float
        Sampling rate in Hz.
    tolerance_s : float
        A detection within this many seconds of an unmatched reference beat is a hit.

    Returns
    -------
    dict
        ``tp``, ``fp``, ``fn``, ``sensitivity``, ``ppv``, ``f1``.
    """
    det = np.sort(np.asarray(detected, dtype=np.int64))
    ref = np.sort(np.asarray(reference, dtype=np.int64))
    tol = tolerance_s * sfreq
    i = j = tp = 0
    while i < len(det) and j < len(ref):
        if abs(det[i] - ref[j]) <= tol:
            tp += 1
            i += 1
            j += 1
        elif det[i] < ref[j]:
            i += 1
        else:
            j += 1
    fp, fn = len(det) - tp, len(ref) - tp
    se = tp / len(ref) if len(ref) else float("nan")
    ppv = tp / len(det) if len(det) else float("nan")
    f1 = 2 * tp / (2 * tp + fp + fn) if (tp + fp + fn) else float("nan")
    return {"tp": float(tp), "fp": float(fp), "fn": float(fn), "sensitivity": float(se),
            "ppv": float(ppv), "f1": float(f1)}
