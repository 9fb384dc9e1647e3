"""Signal-quality metrics: SNR, artifact ratio, a per-channel quality score in [0, 1] and a
JSON-ready quality report.

The per-channel score is the reliability weight of the spatial least-squares expert (SPEC
S0.2): a flat, noisy, line-contaminated, artifact-ridden or isolated channel gets a low
weight instead of breaking the model.

Quality formula
---------------
Measures are taken on a 1 Hz high-passed copy. With ``r = SD_c / median_c SD`` (median over
the channels that are not exactly flat), ``h`` the high-frequency power ratio of
:func:`~mindstate.preprocess.detect_bad_channels` relative to its median over channels,
``L`` the fraction of power within ±1 Hz of the line frequency, ``a`` the artifact ratio and
``ρ`` the median correlation with the nearest electrodes::

    q_flat  = clip(r / 0.1, 0, 1)                      # flat channel -> 0
    q_amp   = 1 / (1 + max(0, log2(r) - 1)^2)          # SD up to 2x median -> 1, 4x -> 0.5
    q_hf    = 1 / (1 + max(0, log2(h) - 1)^2)          # same on high-frequency noise
    q_line  = 1 - L
    q_art   = 1 - a
    q_corr  = clip(ρ / corr_ok, 0, 1)                   # corr_ok = 0.6
    quality = q_flat * q_amp * q_hf * q_line * q_art * q_corr

A product, so any single fault is enough to lower the weight.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_int, check_range, check_sfreq, check_type
from ..exceptions import DataQualityError
from ..io.recording import Recording
from .bad_channels import (
    _as_channel_matrix,
    _channel_positions,
    _hf_log_ratio,
    _highpass_sd,
    _neighbour_correlation,
    detect_bad_channels,
)
from .filters import _zero_phase
from .normalize import _as_signals

__all__ = [
    "QUALITY_COMPONENTS",
    "artifact_ratio",
    "channel_quality",
    "line_noise_ratio",
    "quality_report",
    "snr_db",
]

logger = logging.getLogger(__name__)

#: Names of the factors multiplied into the channel quality (see the module notes).
QUALITY_COMPONENTS = ("flat", "amplitude", "high_freq", "line", "artifact", "correlation")

#: Relative floor added to band powers in :func:`snr_db`: ``1e-12`` × the median total
#: channel power (so SNR is bounded by about ±120 dB and a flat channel reads 0 dB).
SNR_REL_EPS = 1e-12


def _welch(X: NDArray[np.float64], sfreq: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    from scipy.signal import welch

    nperseg = min(X.shape[-1], int(round(2 * sfreq)))
    freqs, psd = welch(X, fs=sfreq, nperseg=nperseg, axis=-1)
    return freqs, psd


def _band_power(
    psd: NDArray[np.float64], freqs: NDArray[np.float64], band: tuple[float, float]
) -> NDArray[np.float64]:
    df = freqs[1] - freqs[0] if len(freqs) > 1 else 1.0
    sel = (freqs >= band[0]) & (freqs <= band[1])
    return psd[..., sel].sum(axis=-1) * df


def _check_band(band: Any, name: str, sfreq: float) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in band)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be (low, high) in Hz; got {band!r}.") from exc
    if not 0.0 <= lo < hi <= sfreq / 2:
        raise ValueError(
            f"{name} must satisfy 0 <= low < high <= sfreq/2 = {sfreq / 2:g} Hz; got {band!r}."
        )
    return lo, hi


def snr_db(
    X: Any,
    sfreq: float,
    signal_band: tuple[float, float] = (1.0, 30.0),
    noise_band: tuple[float, float] | None = None,
) -> NDArray[np.float64]:
    """Signal-to-noise ratio of every series: band power in ``signal_band`` over ``noise_band``.

    ``SNR = 10 log10((P_signal + eps) / (P_noise + eps))`` with powers integrated from a
    Welch PSD (2 s segments) and ``eps = SNR_REL_EPS`` × the median total power of the
    series (a flat series reads 0 dB).

    Parameters
    ----------
    X : array-like of shape (..., n_chans, n_times)
        Signals in volts.
    sfreq : float
        Sampling frequency in Hz.
    signal_band : tuple of float
        Band of the physiological signal in Hz.
    noise_band : tuple of float | None
        Band of the noise in Hz; None uses ``(max(signal_high, 30), 0.45 * sfreq)``, which
        contains muscle activity and line noise.

    Returns
    -------
    snr : ndarray of shape (...,) i.e. X.shape[:-1]
        SNR in dB.

    Raises
    ------
    DataQualityError
        If every series is flat, or X holds NaN/Inf.
    """
    sf = check_sfreq(sfreq)
    arr = _as_signals(X, min_samples=8)
    sig = _check_band(signal_band, "signal_band", sf)
    if noise_band is None:
        lo = max(sig[1], 30.0)
        if lo >= 0.45 * sf:
            raise ValueError(
                f"the default noise band ({lo:g} Hz to 0.45*sfreq={0.45 * sf:g} Hz) is empty at "
                f"sfreq={sf:g} Hz; pass noise_band=(low, high) explicitly."
            )
        noise = (lo, 0.45 * sf)
    else:
        noise = _check_band(noise_band, "noise_band", sf)
    freqs, psd = _welch(arr, sf)
    total = _band_power(psd, freqs, (0.0, sf / 2))
    if not np.any(total > 0):
        raise DataQualityError("snr_db: every series of X is flat (zero power).")
    eps = SNR_REL_EPS * float(np.median(total))
    if eps == 0.0:
        eps = SNR_REL_EPS * float(np.max(total))
    return 10.0 * np.log10((_band_power(psd, freqs, sig) + eps)
                           / (_band_power(psd, freqs, noise) + eps))


def artifact_ratio(
    X: Any,
    sfreq: float,
    *,
    ptp_thresh: float = 150e-6,
    grad_thresh: float = 0.05,
    segment_s: float = 1.0,
) -> NDArray[np.float64]:
    """Fraction of segments flagged by amplitude or gradient thresholds, per series.

    A segment of ``segment_s`` seconds is flagged when its peak-to-peak amplitude exceeds
    ``ptp_thresh`` or the absolute sample-to-sample slope exceeds ``grad_thresh``. Apply it to
    filtered data: slow drift inflates peak-to-peak amplitude. A trailing partial segment is
    dropped (a series shorter than one segment is one segment).

    Parameters
    ----------
    X : array-like of shape (..., n_chans, n_times)
        Signals in volts.
    sfreq : float
        Sampling frequency in Hz.
    ptp_thresh : float
        Peak-to-peak threshold in volts (default 150 µV).
    grad_thresh : float
        Slope threshold in V/s (default 0.05 V/s = 50 µV/ms, the BrainVision Analyzer
        gradient criterion).
    segment_s : float
        Segment length in seconds.

    Returns
    -------
    ratio : ndarray of shape (...,) i.e. X.shape[:-1]
        Fraction of flagged segments, in [0, 1].
    """
    sf = check_sfreq(sfreq)
    arr = _as_signals(X, min_samples=2)
    check_range(ptp_thresh, "ptp_thresh", 0.0, None, inclusive=(False, True))
    check_range(grad_thresh, "grad_thresh", 0.0, None, inclusive=(False, True))
    seg = int(round(check_range(segment_s, "segment_s", 0.0, None, inclusive=(False, True)) * sf))
    n = arr.shape[-1]
    seg = min(max(seg, 2), n)
    n_seg = n // seg
    S = arr[..., : n_seg * seg].reshape(*arr.shape[:-1], n_seg, seg)
    ptp = S.max(axis=-1) - S.min(axis=-1)
    grad = np.abs(np.diff(S, axis=-1)).max(axis=-1) * sf
    flagged = (ptp > ptp_thresh) | (grad > grad_thresh)
    return flagged.mean(axis=-1)


def line_noise_ratio(X: Any, sfreq: float, line_freq: float = 50.0) -> NDArray[np.float64]:
    """Fraction of power within ±1 Hz of ``line_freq`` (power from 1 Hz to 0.45 * sfreq).

    Parameters
    ----------
    X : array-like of shape (..., n_chans, n_times)
        Signals in volts.
    sfreq : float
        Sampling frequency in Hz.
    line_freq : float
        Mains frequency in Hz (50 or 60); must be below 0.45 * sfreq - 1.

    Returns
    -------
    ratio : ndarray of shape (...,) i.e. X.shape[:-1]
        Line-noise power fraction in [0, 1] (0 for a flat series).
    """
    sf = check_sfreq(sfreq)
    arr = _as_signals(X, min_samples=8)
    lf = check_range(line_freq, "line_freq", 0.0, 0.45 * sf - 1.0, inclusive=(False, True))
    freqs, psd = _welch(arr, sf)
    total = _band_power(psd, freqs, (1.0, 0.45 * sf))
    line = _band_power(psd, freqs, (lf - 1.0, lf + 1.0))
    return np.where(total > 0, line / np.where(total > 0, total, 1.0), 0.0)


def _soft_excess(ratio: NDArray[np.float64]) -> NDArray[np.float64]:
    """1 / (1 + max(0, log2(ratio) - 1)^2): 1 up to twice the reference, 0.5 at 4x."""
    tiny = np.finfo(float).tiny
    ex = np.maximum(0.0, np.log2(np.maximum(ratio, tiny)) - 1.0)
    return 1.0 / (1.0 + ex**2)


def channel_quality(
    X: Any,
    ch_names: Sequence[str],
    sfreq: float,
    *,
    positions: Any = None,
    line_freq: float | None = 50.0,
    hf_freq: float = 40.0,
    ptp_thresh: float = 150e-6,
    grad_thresh: float = 0.05,
    corr_ok: float = 0.6,
    n_neighbors: int = 4,
    return_components: bool = False,
) -> NDArray[np.float64] | tuple[NDArray[np.float64], dict[str, NDArray[np.float64]]]:
    """Per-channel quality score in [0, 1] (see the module notes for the formula).

    Parameters
    ----------
    X : array-like of shape (n_chans, n_times) or (n_windows, n_chans, n_times)
        EEG in volts (windows are concatenated in time).
    ch_names : list of str
        Channel names (10-20 names unless ``positions`` is given).
    sfreq : float
        Sampling frequency in Hz.
    positions : None | str | dict | array-like of shape (n_chans, 3)
        Electrode positions, as in :func:`~mindstate.preprocess.detect_bad_channels`.
    line_freq : float | None
        Mains frequency in Hz; None (or above 0.45 * sfreq - 1) skips the line term.
    hf_freq : float
        Lower edge of the high-frequency noise band in Hz.
    ptp_thresh : float
        Peak-to-peak threshold of the artifact term, in volts.
    grad_thresh : float
        Slope threshold of the artifact term, in V/s.
    corr_ok : float
        Neighbour correlation at and above which the correlation term is 1.
    n_neighbors : int
        Number of nearest electrodes compared with.
    return_components : bool
        Also return the individual factors.

    Returns
    -------
    quality : ndarray of shape (n_chans,)
        Scores in [0, 1]; higher is better.
    components : dict of str to ndarray of shape (n_chans,)
        The factors :data:`QUALITY_COMPONENTS` (only with ``return_components=True``).

    Raises
    ------
    DataQualityError
        If every channel is flat, or X holds NaN/Inf.
    """
    sf = check_sfreq(sfreq)
    arr, names = _as_channel_matrix(X, ch_names)
    if arr.shape[0] < 3:
        raise ValueError(f"channel_quality needs at least 3 channels; got shape {arr.shape}.")
    check_range(corr_ok, "corr_ok", 0.0, 1.0, inclusive=(False, True))
    k = check_int(n_neighbors, "n_neighbors", min_value=1)
    check_type(return_components, bool, "return_components")
    pos, _ = _channel_positions(names, positions)
    hp, sd, exact_flat = _highpass_sd(arr, sf, names, "no quality can be scored.")
    r = sd / np.median(sd[~exact_flat])
    q_flat = np.where(exact_flat, 0.0, np.clip(r / 0.1, 0.0, 1.0))
    q_amp = np.where(exact_flat, 1.0, _soft_excess(r))

    freqs, psd = _welch(hp, sf)
    lf = line_freq if line_freq is not None and line_freq < 0.45 * sf - 1.0 else None
    hf = _hf_log_ratio(psd, freqs, sf, hf_freq, lf)
    if hf is None:
        q_hf = np.ones(len(names))
    else:
        q_hf = np.where(exact_flat, 1.0, _soft_excess(10.0 ** (hf - np.median(hf[~exact_flat]))))
    q_line = 1.0 - line_noise_ratio(hp, sf, lf) if lf is not None else np.ones(len(names))
    q_art = 1.0 - artifact_ratio(hp, sf, ptp_thresh=ptp_thresh, grad_thresh=grad_thresh)
    bp = _zero_phase(hp, sf, None, min(40.0, 0.45 * sf))
    allowed = ~exact_flat & (q_amp > 0.5)
    rho = _neighbour_correlation(bp, pos, k, allowed, int(round(sf)))
    q_corr = np.where(exact_flat, 0.0, np.clip(rho / corr_ok, 0.0, 1.0))

    comps = {
        "flat": q_flat, "amplitude": q_amp, "high_freq": q_hf, "line": q_line,
        "artifact": q_art, "correlation": q_corr,
    }
    quality = np.clip(np.prod(np.stack(list(comps.values())), axis=0), 0.0, 1.0)
    if return_components:
        return quality, comps
    return quality


def quality_report(
    rec: Recording,
    *,
    line_freq: float | None = 50.0,
    positions: Any = None,
) -> dict[str, Any]:
    """Quality summary of the EEG channels of a recording, ready to be written as JSON.

    Parameters
    ----------
    rec : Recording
        The recording (volts); only channels of type ``"eeg"`` are scored.
    line_freq : float | None
        Mains frequency in Hz (None skips the line-noise term).
    positions : None | str | dict | array-like of shape (n_eeg, 3)
        Electrode positions (see :func:`~mindstate.preprocess.detect_bad_channels`).

    Returns
    -------
    report : dict
        ``sfreq``, ``duration_s``, ``ch_names``, ``quality`` (per channel),
        ``components`` (factor name -> per-channel list), ``snr_db``, ``artifact_ratio``,
        ``bad_channels`` (the dict of :func:`detect_bad_channels`), ``mean_quality`` and
        ``overall_artifact_ratio``; all values are plain Python types.
    """
    check_type(rec, Recording, "rec")
    eeg = [c for c, t in zip(rec.ch_names, rec.ch_types or []) if t == "eeg"]
    if not eeg:
        types = sorted(set(rec.ch_types or []))
        raise ValueError(f"rec has no EEG channel to report on; channel types: {types}.")
    X = rec.pick(eeg).data
    sf = rec.sfreq
    quality, comps = channel_quality(X, eeg, sf, positions=positions, line_freq=line_freq,
                                     return_components=True)
    hp = _zero_phase(X, sf, 1.0, None)
    ratio = artifact_ratio(hp, sf)
    noise_hi = 0.45 * sf
    snr = snr_db(hp, sf) if noise_hi > 30.0 else snr_db(hp, sf, (1.0, noise_hi / 2),
                                                          (noise_hi / 2, noise_hi))
    bads = detect_bad_channels(X, eeg, sf, positions=positions)
    return {
        "sfreq": float(sf),
        "duration_s": float(rec.duration),
        "ch_names": list(eeg),
        "quality": [float(v) for v in quality],
        "components": {k: [float(v) for v in comp] for k, comp in comps.items()},
        "snr_db": [float(v) for v in snr],
        "artifact_ratio": [float(v) for v in ratio],
        "bad_channels": bads,
        "mean_quality": float(np.mean(quality)),
        "overall_artifact_ratio": float(np.mean(ratio)),
    }
