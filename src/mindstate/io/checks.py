"""Data-quality checks on a freshly read recording: non-finite samples and flat channels.

Readers return what the file holds; :func:`check_recording` is the explicit gate a pipeline
runs before preprocessing, so that a NaN run or a dead electrode is reported by name instead
of turning into silent NaNs or division-by-zero downstream.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from .._validation import check_channels, check_option, check_range, check_type
from ..exceptions import DataQualityError
from .recording import CH_TYPES, PhysioRecording, Recording

__all__ = ["DEFAULT_FLAT_THRESHOLD", "check_recording"]

#: Default relative flatness threshold: a channel whose peak-to-peak amplitude is at most
#: this fraction of the median peak-to-peak over the checked channels (i.e. 60 dB below the
#: typical channel) is flagged as flat. Exactly constant channels are always flat.
DEFAULT_FLAT_THRESHOLD = 1e-3

_POLICIES = ("raise", "warn", "ignore")


def _source(rec: Recording | PhysioRecording) -> str:
    return str(rec.meta.get("path") or rec.meta.get("record") or "recording")


def _fmt(names: Sequence[str]) -> str:
    shown = ", ".join(names[:20])
    return shown + (f" ... ({len(names)} in all)" if len(names) > 20 else "")


def _groups(
    rec: Recording | PhysioRecording, picks: str | Sequence[str] | None
) -> list[tuple[list[str], NDArray[np.float64]]]:
    """(channel names, data) groups to check; flatness is judged within each group."""
    if isinstance(rec, Recording):
        types = rec.ch_types or ["eeg"] * rec.n_chans
        if picks is None:
            idx = list(range(rec.n_chans))
        elif isinstance(picks, str):
            check_option(picks, CH_TYPES, "picks")
            idx = [i for i, t in enumerate(types) if t == picks]
        else:
            idx = check_channels(rec.ch_names, list(picks), "picks")
        return [([rec.ch_names[i] for i in idx], rec.data[idx])] if idx else []
    names = list(rec.signals)
    if isinstance(picks, str):
        check_option(picks, CH_TYPES, "picks")
        names = [n for n in names if rec.signals[n].ch_type == picks]
    elif picks is not None:
        for n in picks:
            check_option(n, list(rec.signals), "picks")
        names = list(picks)
    out = []
    for n in names:
        sig = rec.signals[n]
        ch = [n] if sig.data.shape[0] == 1 else [f"{n}:{c}" for c in sig.ch_names]
        out.append((ch, sig.data))
    return out


def check_recording(
    rec: Recording | PhysioRecording,
    *,
    picks: str | Sequence[str] | None = "eeg",
    on_flat: str = "raise",
    on_nonfinite: str = "raise",
    flat_threshold: float | None = None,
    exclude_bads: bool = True,
) -> list[str]:
    """Flag channels holding NaN/Inf samples or flat (dead) signals.

    Parameters
    ----------
    rec : Recording | PhysioRecording
        The recording to check; it is not modified. For a
        :class:`~mindstate.io.PhysioRecording` every picked stream is checked and channels
        are named ``"eda"`` (one-channel streams) or ``"acc:x"``.
    picks : str | list of str | None
        A channel type (default ``"eeg"``; a type that matches no channel leaves nothing to
        check), a list of channel names (stream names for a PhysioRecording), or ``None``
        for every channel.
    on_flat : {"raise", "warn", "ignore"}
        What to do about flat channels: raise :class:`~mindstate.exceptions.DataQualityError`,
        emit a ``UserWarning``, or only return them.
    on_nonfinite : {"raise", "warn", "ignore"}
        The same for channels with any NaN or Inf sample.
    flat_threshold : float | None
        Relative flatness threshold in [0, 1): a channel is flat when its peak-to-peak
        amplitude (over its finite samples) is at most ``flat_threshold`` times the median
        peak-to-peak amplitude of the checked channels (of the same stream, for a
        PhysioRecording). ``None`` uses :data:`DEFAULT_FLAT_THRESHOLD` (1e-3, i.e. 60 dB
        below the typical channel); ``0`` flags only exactly constant channels. Being
        relative, it does not depend on the units (volts, microvolts).
    exclude_bads : bool
        Skip the flat test for channels already listed in ``rec.meta["bads"]`` (as MNE
        excludes ``info["bads"]`` from picks); they are not returned either. NaN/Inf samples
        are reported in every channel.

    Returns
    -------
    list of str
        The flagged channel names (non-finite or flat), in channel order.

    Raises
    ------
    DataQualityError
        When a flagged category's policy is ``"raise"``; the message names the file
        (``rec.meta["path"]``, else ``rec.meta["record"]``) and the channels.
    """
    check_type(rec, (Recording, PhysioRecording), "rec")
    check_option(on_flat, _POLICIES, "on_flat")
    check_option(on_nonfinite, _POLICIES, "on_nonfinite")
    thr = DEFAULT_FLAT_THRESHOLD if flat_threshold is None else check_range(
        flat_threshold, "flat_threshold", 0.0, 1.0, inclusive=(True, False))
    known_bad = set(rec.meta.get("bads", []) or []) if exclude_bads else set()

    bad_nonfinite: list[tuple[str, int]] = []
    bad_flat: list[str] = []
    order: list[str] = []
    for names, data in _groups(rec, picks):
        order.extend(names)
        finite = np.isfinite(data)
        n_bad = (~finite).sum(axis=1)
        bad_nonfinite.extend((n, int(c)) for n, c in zip(names, n_bad) if c)
        # Peak-to-peak over the finite samples only; an all-NaN channel is non-finite only.
        hi = np.where(finite, data, -np.inf).max(axis=1)
        lo = np.where(finite, data, np.inf).min(axis=1)
        usable = finite.any(axis=1) & np.array([n not in known_bad for n in names])
        if not usable.any():
            continue
        ptp = (hi - lo)[usable]
        scale = float(np.median(ptp))
        flat = (ptp == 0.0) | (ptp <= thr * scale)
        bad_flat.extend(n for n, f in zip(np.asarray(names)[usable], flat) if f)

    source = _source(rec)
    problems: list[tuple[str, str]] = []
    if bad_nonfinite:
        detail = ", ".join(f"{n} ({c})" for n, c in bad_nonfinite[:20])
        problems.append((on_nonfinite, (
            f"{source}: {len(bad_nonfinite)} channel(s) hold NaN/Inf samples (count per "
            f"channel): {detail}{' ...' if len(bad_nonfinite) > 20 else ''}. Interpolate or "
            "drop them (mindstate never fills them silently)."
        )))
    if bad_flat:
        problems.append((on_flat, (
            f"{source}: {len(bad_flat)} flat channel(s) (peak-to-peak <= {thr:g} x the median "
            f"channel peak-to-peak, or constant): {_fmt([str(n) for n in bad_flat])}. Mark "
            "them bad (meta['bads']) and interpolate, drop them, or pass on_flat='warn'."
        )))
    for policy, msg in problems:
        if policy == "warn":
            warnings.warn(msg, UserWarning, stacklevel=2)
    to_raise = [msg for policy, msg in problems if policy == "raise"]
    if to_raise:
        raise DataQualityError(" ".join(to_raise))
    flagged = {n for n, _ in bad_nonfinite} | {str(n) for n in bad_flat}
    return [n for n in order if n in flagged]
