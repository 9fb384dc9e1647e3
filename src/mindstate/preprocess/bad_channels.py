"""Bad-channel detection (PREP-style criteria) and spherical-spline interpolation.

Arrays are ``(..., n_chans, n_times)`` in volts; every function returns new arrays and
leaves its input untouched.

References
----------
- Bigdely-Shamlo et al. (2015), *The PREP pipeline*, Front. Neuroinform. 9:16 (robust
  deviation / high-frequency noise / correlation criteria for bad channels).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from .._util import robust_z
from .._validation import (
    check_channels,
    check_int,
    check_option,
    check_range,
    check_sfreq,
    check_type,
    suggest,
)
from ..exceptions import DataQualityError
from ..io.channels import OLD_TO_NEW_1020
from ..io.recording import Recording
from .filters import _zero_phase
from .montage import _MONTAGE, _montage_table
from .normalize import FLAT_REL_EPS, _as_signals, _check_ch_names, _data_scale

__all__ = ["CHANNEL_ALIASES", "detect_bad_channels", "interpolate_bad_channels"]

#: Channel names mapped to the 10-10 position used for them: the old 10-20 temporal names
#: and SEED's cerebellar CB1/CB2 (inferior to O1/O2, approximated by O9/O10).
CHANNEL_ALIASES: dict[str, str] = {**OLD_TO_NEW_1020, "CB1": "O9", "CB2": "O10"}


# ====================================================================== positions
def _lookup_name(name: str, table: Mapping[str, Any]) -> str | None:
    key = str(name).strip().upper()
    if key in table:
        return key
    alias = {k.upper(): v.upper() for k, v in CHANNEL_ALIASES.items()}.get(key)
    if alias is not None and alias in table:
        return alias
    return None


def _channel_positions(
    ch_names: Sequence[str], positions: Any = None
) -> tuple[NDArray[np.float64], dict[str, Any] | None]:
    """Electrode positions (n_chans, 3) in metres, and the montage fiducials if looked up.

    ``positions`` is None (look names up in ``colin27_1020``), a built-in MNE montage name,
    a mapping name -> xyz, or an array of shape (n_chans, 3).
    """
    names = list(ch_names)
    if positions is None or isinstance(positions, str):
        import mne

        kind = _MONTAGE if positions is None else positions
        check_option(kind, mne.channels.get_builtin_montages(), "positions")
        table, fid = _montage_table(kind)
        keys = [_lookup_name(c, table) for c in names]
        unknown = [c for c, k in zip(names, keys) if k is None]
        if unknown:
            options = [v[0] for v in table.values()] + list(CHANNEL_ALIASES)
            hints = "".join(suggest(u, options) for u in unknown[:3])
            raise ValueError(
                f"ch_names contains channel(s) {unknown} with no position in the {kind!r} "
                f"montage.{hints} Rename them, drop non-EEG channels, or pass positions= "
                "(a dict name -> (x, y, z) in metres, or an array of shape (n_chans, 3))."
            )
        return np.stack([table[k][1] for k in keys if k is not None]), fid  # no None: unknown == []
    if isinstance(positions, Mapping):
        missing = [c for c in names if c not in positions]
        if missing:
            hints = "".join(suggest(m, list(positions)) for m in missing[:3])
            raise ValueError(f"positions lacks channel(s) {missing}.{hints}")
        pos = np.asarray([positions[c] for c in names], dtype=float)
    else:
        pos = np.asarray(positions, dtype=float)
    if pos.shape != (len(names), 3):
        raise ValueError(
            f"positions must have shape (n_chans, 3) = ({len(names)}, 3); got {pos.shape}."
        )
    if not np.isfinite(pos).all():
        raise ValueError("positions must be finite (metres); got NaN/Inf.")
    return pos, None


def _neighbours(
    pos: NDArray[np.float64], k: int, allowed: NDArray[np.bool_]
) -> list[NDArray[np.intp]]:
    """Indices of the ``k`` nearest allowed channels of every channel (itself excluded)."""
    d = np.linalg.norm(pos[:, None, :] - pos[None, :, :], axis=-1)
    d[:, ~allowed] = np.inf
    np.fill_diagonal(d, np.inf)
    order = np.argsort(d, axis=1)[:, :k]
    return [row[np.isfinite(d[i, row])] for i, row in enumerate(order)]



def _neighbour_correlation(
    bp: NDArray[np.float64], pos: NDArray[np.float64], k: int, allowed: NDArray[np.bool_],
    win: int,
) -> NDArray[np.float64]:
    """Median over windows of the median correlation with the k nearest allowed channels.

    ``bp`` is (n_chans, n_times) band-passed data, ``win`` the window length in samples;
    channels without any allowed neighbour get correlation 1 (nothing to compare with).
    """
    n_chans = bp.shape[0]
    neigh = _neighbours(pos, k, allowed)
    n_win = max(bp.shape[-1] // max(win, 2), 1)
    seg = bp.shape[-1] // n_win
    W = bp[:, : n_win * seg].reshape(n_chans, n_win, seg).transpose(1, 0, 2)  # (n_win, C, T)
    W = W - W.mean(axis=-1, keepdims=True)
    nrm = np.linalg.norm(W, axis=-1, keepdims=True)
    W = W / np.where(nrm > 0, nrm, 1.0)
    Cw = np.einsum("wct,wdt->wcd", W, W)  # (n_win, C, C)
    out = np.ones(n_chans)
    for c in range(n_chans):
        nb = neigh[c]
        if len(nb):
            out[c] = np.median(np.median(Cw[:, c, nb], axis=1))
    return out


def _hf_log_ratio(
    psd: NDArray[np.float64], freqs: NDArray[np.float64], sfreq: float, hf_freq: float,
    line_freq: float | None = None,
) -> NDArray[np.float64] | None:
    """log10 P(>= hf_freq) / P(1 Hz .. hf_freq) per row, or None when the band is too narrow.

    Bins within 2 Hz of ``line_freq`` (and its harmonics) are left out when it is given.
    """
    top = 0.45 * sfreq
    if top <= hf_freq + 5.0:
        return None
    keep = np.ones_like(freqs, dtype=bool)
    if line_freq is not None:
        for h in np.arange(line_freq, top + 2.0, line_freq):
            keep &= np.abs(freqs - h) > 2.0
    tiny = np.finfo(float).tiny
    hi_p = psd[..., keep & (freqs >= hf_freq) & (freqs <= top)].sum(axis=-1)
    lo_p = psd[..., keep & (freqs >= 1.0) & (freqs < hf_freq)].sum(axis=-1)
    return np.log10(np.maximum(hi_p, tiny) / np.maximum(lo_p, tiny))


# ====================================================================== bad channels
def _as_channel_matrix(X: Any, ch_names: Sequence[str] | None, name: str = "X") -> tuple[
    NDArray[np.float64], list[str]
]:
    """(n_chans, n_times) or (n_windows, n_chans, n_times) -> (n_chans, n_samples)."""
    arr = _as_signals(
        X, name, min_ndim=2, max_ndim=3,
        shape_hint="(n_chans, n_times) or (n_windows, n_chans, n_times)",
    )
    names = _check_ch_names(ch_names, arr.shape[-2])
    if arr.ndim == 3:
        arr = np.moveaxis(arr, 1, 0).reshape(arr.shape[1], -1)
    return arr, names


def _highpass_sd(
    arr: NDArray[np.float64], sfreq: float, names: list[str], consequence: str
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """1 Hz high-passed copy of (n_chans, n_samples), its SD per channel and the exactly flat
    channels (SD <= ``FLAT_REL_EPS`` * max|X|); ``DataQualityError`` if every one is flat."""
    hp = _zero_phase(arr, sfreq, 1.0, None)
    sd = hp.std(axis=-1)
    exact_flat = sd <= FLAT_REL_EPS * _data_scale(arr)
    if exact_flat.all():
        raise DataQualityError(f"every channel is flat ({names}); {consequence}")
    return hp, sd, exact_flat


def detect_bad_channels(
    X: Any,
    ch_names: Sequence[str],
    sfreq: float,
    *,
    positions: Any = None,
    flat_threshold: float = 0.01,
    noisy_z: float = 5.0,
    hf_freq: float = 40.0,
    bridge_corr: float = 0.99,
    bridge_var: float = 0.01,
    corr_threshold: float = 0.4,
    n_neighbors: int = 4,
    window_s: float = 1.0,
) -> dict[str, list[str]]:
    """Find flat, noisy, bridged and poorly correlated channels.

    All measures use a 1 Hz high-passed copy (correlations a 1-40 Hz band-passed copy).

    * **flat**: standard deviation below ``flat_threshold`` × the median channel SD, or
      ≤ ``FLAT_REL_EPS`` × max|X| (exactly flat);
    * **noisy** (PREP): robust z-score (median/MAD over the non-flat channels; MAD floored at
      0.05 decades) of log10 SD, or of log10 of the high-frequency power ratio
      P(>= ``hf_freq``) / P(1 Hz - ``hf_freq``), above ``noisy_z`` (the ratio is skipped when
      0.45 * sfreq <= hf_freq + 5);
    * **bridged**: pairs with correlation > ``bridge_corr`` *and* variance of their difference
      < ``bridge_var`` × the median channel variance (both channels are reported);
    * **low_correlation**: median over ``window_s`` windows of the median correlation with
      the ``n_neighbors`` nearest (non-flat, non-noisy) electrodes below ``corr_threshold``.

    Parameters
    ----------
    X : array-like of shape (n_chans, n_times) or (n_windows, n_chans, n_times)
        EEG in volts (windows are concatenated in time).
    ch_names : list of str
        Channel names; positions come from the 10-20 montage (old names T3/T4/T5/T6 are
        aliases of T7/T8/P7/P8) unless ``positions`` is given.
    sfreq : float
        Sampling frequency in Hz.
    positions : None | str | dict | array-like of shape (n_chans, 3)
        Electrode positions in metres: None (``colin27_1020`` lookup), a built-in MNE montage
        name, a dict name -> xyz, or an array.
    flat_threshold : float
        Relative SD threshold for flatness.
    noisy_z : float
        Robust z threshold for the noisy criteria.
    hf_freq : float
        Lower edge (Hz) of the high-frequency noise band.
    bridge_corr : float
        Correlation threshold for bridging.
    bridge_var : float
        Relative difference-variance threshold for bridging.
    corr_threshold : float
        Neighbour-correlation threshold.
    n_neighbors : int
        Number of nearest electrodes used as neighbours.
    window_s : float
        Window length in seconds for the correlation criterion.

    Returns
    -------
    bads : dict of str to list of str
        Keys ``"flat"``, ``"noisy"``, ``"bridged"``, ``"low_correlation"`` and ``"bads"``
        (their union), each in channel order.

    Raises
    ------
    DataQualityError
        If every channel is flat, or X holds NaN/Inf.
    """
    sf = check_sfreq(sfreq)
    arr, names = _as_channel_matrix(X, ch_names)
    n_chans = arr.shape[0]
    if n_chans < 3:
        raise ValueError(f"detect_bad_channels needs at least 3 channels; got shape {arr.shape}.")
    k = check_int(n_neighbors, "n_neighbors", min_value=1)
    check_range(flat_threshold, "flat_threshold", 0.0, 1.0)
    check_range(noisy_z, "noisy_z", 0.0, None, inclusive=(False, True))
    check_range(corr_threshold, "corr_threshold", -1.0, 1.0)
    check_range(bridge_corr, "bridge_corr", -1.0, 1.0)
    check_range(bridge_var, "bridge_var", 0.0, None)
    win = int(round(check_range(window_s, "window_s", 0.0, None, inclusive=(False, True)) * sf))
    pos, _ = _channel_positions(names, positions)

    hp, sd, exact_flat = _highpass_sd(arr, sf, names, "nothing to compare against. Check the "
                                      "recording.")
    flat = exact_flat | (sd < flat_threshold * np.median(sd[~exact_flat]))
    good = ~flat

    # -- noisy: robust deviation and high-frequency noise
    log_sd = np.log10(np.where(flat, 1.0, sd))
    noisy = good & (robust_z(log_sd, mask=good, floor=0.05) > noisy_z)
    from scipy.signal import welch

    freqs, psd = welch(hp, fs=sf, nperseg=min(hp.shape[-1], int(round(2 * sf))), axis=-1)
    ratio = _hf_log_ratio(psd, freqs, sf, hf_freq)
    if ratio is not None:
        noisy |= good & (robust_z(ratio, mask=good, floor=0.05) > noisy_z)

    # -- bridged: near-identical pairs
    bp = _zero_phase(hp, sf, None, min(40.0, 0.45 * sf))
    bridged = np.zeros(n_chans, bool)
    gi = np.flatnonzero(good)
    cov = np.atleast_2d(np.cov(bp[gi]))  # (n_good, n_good)
    var = np.diag(cov)
    sd_outer = np.sqrt(np.outer(var, var))
    corr = cov / np.where(sd_outer > 0, sd_outer, 1.0)
    dvar = var[:, None] + var[None, :] - 2.0 * cov  # variance of each pairwise difference
    pair = np.triu((corr > bridge_corr) & (dvar < bridge_var * np.median(var)), k=1)
    bridged[gi[np.flatnonzero(pair.any(axis=1) | pair.any(axis=0))]] = True

    # -- low correlation with the nearest neighbours, per window
    allowed = good & ~noisy
    med_corr = _neighbour_correlation(bp, pos, k, allowed, win)
    low = good & (med_corr < corr_threshold)

    out = {
        "flat": [names[i] for i in np.flatnonzero(flat)],
        "noisy": [names[i] for i in np.flatnonzero(noisy)],
        "bridged": [names[i] for i in np.flatnonzero(bridged)],
        "low_correlation": [names[i] for i in np.flatnonzero(low)],
    }
    union = flat | noisy | bridged | low
    out["bads"] = [names[i] for i in np.flatnonzero(union)]
    return out


def interpolate_bad_channels(
    rec: Recording,
    bads: Sequence[str] | Mapping[str, Sequence[str]],
    *,
    positions: Any = None,
    mode: Literal["accurate", "fast"] = "accurate",
) -> Recording:
    """Replace bad EEG channels by spherical-spline interpolation of the good ones (MNE).

    Parameters
    ----------
    rec : Recording
        The recording (volts); it is not modified. Bad channels may hold NaN.
    bads : list of str | dict of str to list of str
        Channels to interpolate, or the dict returned by :func:`detect_bad_channels` (the
        union of its lists is used).
    positions : None | str | dict | array-like of shape (n_eeg, 3)
        Positions of the EEG channels in metres (see :func:`detect_bad_channels`).
    mode : {"accurate", "fast"}
        MNE's interpolation mode.

    Returns
    -------
    rec_interp : Recording
        A copy with the bad channels replaced and the channel names kept;
        ``meta["interpolated_channels"]`` lists them.

    Raises
    ------
    DataQualityError
        If fewer than 3 good EEG channels remain, or a good channel holds NaN/Inf.
    """
    import mne

    check_type(rec, Recording, "rec")
    check_option(mode, ("accurate", "fast"), "mode")
    if isinstance(bads, Mapping):
        bad_set = {c for lst in bads.values() for c in lst}
        bad_list = [c for c in rec.ch_names if c in bad_set]
        unknown = sorted(bad_set - set(rec.ch_names))
        if unknown:
            check_channels(rec.ch_names, unknown, "bads")
    else:
        if isinstance(bads, str):
            raise TypeError(f"bads must be a list of channel names; got the string {bads!r}.")
        bad_list = list(dict.fromkeys(str(c) for c in bads))
        check_channels(rec.ch_names, bad_list, "bads")
    out = rec.copy()
    if not bad_list:
        return out
    types = rec.ch_types or ["eeg"] * rec.n_chans
    eeg_idx = [i for i, t in enumerate(types) if t == "eeg"]
    eeg_names = [rec.ch_names[i] for i in eeg_idx]
    not_eeg = [c for c in bad_list if c not in eeg_names]
    if not_eeg:
        raise ValueError(f"bads must be EEG channels; {not_eeg} are of another type.")
    good = [c for c in eeg_names if c not in bad_list]
    if len(good) < 3:
        raise DataQualityError(
            f"spherical-spline interpolation needs at least 3 good EEG channels; got {good}."
        )
    from .._validation import check_finite

    check_finite(rec.pick(good).data, "rec.data", good)
    pos, fid = _channel_positions(eeg_names, positions)
    data = rec.data[eeg_idx].copy()
    bad_rows = [eeg_names.index(c) for c in bad_list]
    data[bad_rows] = 0.0  # NaN in bad channels would propagate through MNE's matrix product
    info = mne.create_info(eeg_names, rec.sfreq, ch_types="eeg")
    raw = mne.io.RawArray(data, info, verbose="error")
    ch_pos = dict(zip(eeg_names, pos))
    if fid is not None:
        montage = mne.channels.make_dig_montage(
            ch_pos=ch_pos, nasion=fid["nasion"], lpa=fid["lpa"], rpa=fid["rpa"],
            coord_frame=fid["coord_frame"],
        )
    else:
        montage = mne.channels.make_dig_montage(ch_pos=ch_pos, coord_frame="head")
    raw.set_montage(montage, verbose="error")
    raw.info["bads"] = list(bad_list)
    raw.interpolate_bads(reset_bads=True, mode=mode, origin="auto", verbose="error")
    out.data[eeg_idx] = raw.get_data()
    out.meta["interpolated_channels"] = list(bad_list)
    return out


