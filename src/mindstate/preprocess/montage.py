"""Channel names, bipolar montages and electrode geometry for 10-20 scalp EEG.

Canonical names follow the *old* 10-20 terms used by clinical montages and the Kaggle HMS
data (``T3/T4/T5/T6``); the newer ``T7/T8/P7/P8`` are accepted as aliases. Case differences
(``FP1``, ``CZ``), an ``"EEG "`` prefix and reference suffixes (``-REF``, ``-LE``, ``-AR``,
``-AVG``) are removed by :func:`normalize_channel_names`.

The double-banana (longitudinal bipolar) montage :data:`DOUBLE_BANANA` lists its 16 pairs
in chain order LL, RL, LP, RP (the column order of the Kaggle HMS spectrogram parquet
files); :data:`DOUBLE_BANANA_CENTRAL` adds the central chain Fz-Cz, Cz-Pz (18 pairs).
:func:`rereference` changes the reference (common average, one channel, or several).
"""

from __future__ import annotations

import difflib
import functools
import re
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_array, check_range
from ..io.channels import NEW_TO_OLD_1020, STANDARD_1020
from .filter_design import _check_signal

__all__ = [
    "CHAINS",
    "CHANNEL_ALIASES",
    "DOUBLE_BANANA",
    "DOUBLE_BANANA_CENTRAL",
    "LEFT_RIGHT_PAIRS",
    "STANDARD_1020",
    "bipolar",
    "channel_positions",
    "left_right_permutation",
    "neighbours",
    "normalize_channel_names",
    "pick_channels",
    "rereference",
]

# STANDARD_1020: the 19 electrodes of the international 10-20 system (old temporal names),
# from mindstate.io.channels.

#: New 10-10 names mapped to the canonical old 10-20 names.
CHANNEL_ALIASES: dict[str, str] = dict(NEW_TO_OLD_1020)

#: Longitudinal bipolar chains, each a tuple of (anode, cathode) pairs.
CHAINS: dict[str, tuple[tuple[str, str], ...]] = {
    "LL": (("Fp1", "F7"), ("F7", "T3"), ("T3", "T5"), ("T5", "O1")),
    "RL": (("Fp2", "F8"), ("F8", "T4"), ("T4", "T6"), ("T6", "O2")),
    "LP": (("Fp1", "F3"), ("F3", "C3"), ("C3", "P3"), ("P3", "O1")),
    "RP": (("Fp2", "F4"), ("F4", "C4"), ("C4", "P4"), ("P4", "O2")),
}

#: The 16-pair double banana in chain order LL, RL, LP, RP.
DOUBLE_BANANA: tuple[tuple[str, str], ...] = (
    CHAINS["LL"] + CHAINS["RL"] + CHAINS["LP"] + CHAINS["RP"]
)

#: The 18-pair variant with the central chain Fz-Cz, Cz-Pz appended.
DOUBLE_BANANA_CENTRAL: tuple[tuple[str, str], ...] = DOUBLE_BANANA + (
    ("Fz", "Cz"),
    ("Cz", "Pz"),
)

#: Homologous left/right electrode pairs of the 10-20 system (midline Fz, Cz, Pz map to
#: themselves), used by left/right flip augmentation.
LEFT_RIGHT_PAIRS: tuple[tuple[str, str], ...] = (
    ("Fp1", "Fp2"), ("F7", "F8"), ("F3", "F4"), ("T3", "T4"), ("C3", "C4"),
    ("T5", "T6"), ("P3", "P4"), ("O1", "O2"), ("A1", "A2"),
)

_PREFIX = re.compile(r"^EEG[\s_-]+", re.IGNORECASE)
_REF_SUFFIX = re.compile(r"[-_](REF|LE|AR|AVG)$", re.IGNORECASE)
_NUMBERED = re.compile(r"^([A-Za-z]+?)(\d+)$")


#: Template montage for electrode positions (MNE's ``colin27_1020``, the non-deprecated
#: name of ``standard_1020`` with identical coordinates).
_MONTAGE = "colin27_1020"


@functools.lru_cache(maxsize=8)
def _montage_table(kind: str) -> tuple[dict[str, tuple[str, NDArray[np.float64]]], dict[str, Any]]:
    """Upper-case name -> (montage name, xyz in m) plus fiducials of a built-in montage."""
    import mne

    montage = mne.channels.make_standard_montage(kind)
    pos = montage.get_positions()
    table = {name.upper(): (name, np.asarray(xyz, float)) for name, xyz in pos["ch_pos"].items()}
    fid = {k: pos[k] for k in ("nasion", "lpa", "rpa")}
    fid["coord_frame"] = pos["coord_frame"]
    return table, fid


@functools.lru_cache(maxsize=1)
def _montage_positions() -> dict[str, NDArray[np.float64]]:
    """Electrode positions (metres) of MNE's template 10-20 montage, keyed by name."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        try:
            table, _ = _montage_table(_MONTAGE)
        except ValueError:  # MNE < 1.13 only knows the older name
            table, _ = _montage_table("standard_1020")
    return dict(table.values())


@functools.lru_cache(maxsize=1)
def _canonical_lookup() -> dict[str, str]:
    """Upper-case name → canonical spelling, for every template electrode and alias."""
    lookup = {name.upper(): name for name in _montage_positions()}
    lookup.update({name.upper(): name for name in STANDARD_1020})
    for new, old in CHANNEL_ALIASES.items():
        lookup[new.upper()] = old
    return lookup


def _suggest_channel(name: str, options: Sequence[str]) -> str:
    """``" Did you mean 'Cz'?"`` for short electrode names (case-insensitive, looser cutoff)."""
    upper = {o.upper(): o for o in options}
    matches = difflib.get_close_matches(name.upper(), list(upper), n=2, cutoff=0.5)
    if not matches:
        return ""
    return f" Did you mean {' or '.join(repr(upper[m]) for m in matches)} for {name!r}?"


def _normalize_one(name: str) -> str:
    text = _REF_SUFFIX.sub("", _PREFIX.sub("", name.strip())).strip()
    lookup = _canonical_lookup()
    canonical = lookup.get(text.upper())
    if canonical is not None:
        return canonical
    if "-" in text:  # bipolar derivation "Fp1-F7"
        parts = [p.strip() for p in text.split("-")]
        if len(parts) == 2 and all(p.upper() in lookup for p in parts):
            return f"{lookup[parts[0].upper()]}-{lookup[parts[1].upper()]}"
    return text


def normalize_channel_names(ch_names: Sequence[str]) -> list[str]:
    """Return canonical 10-20 spellings of channel names.

    Parameters
    ----------
    ch_names : sequence of str
        Channel names as found in a file, e.g. ``["EEG FP1-REF", "EEG T7", "cz"]``.

    Returns
    -------
    names : list of str
        The canonical names (``["Fp1", "T3", "Cz"]``). Names that are not electrodes of the
        template montage (``"ECG"``) are returned stripped of the ``"EEG "`` prefix and
        reference suffix but otherwise unchanged. Bipolar names whose two sides are
        electrodes are normalised side by side (``"FP1-f7"`` → ``"Fp1-F7"``).

    Raises
    ------
    TypeError
        If a name is not a str.
    ValueError
        If two names map to the same canonical name (e.g. both ``T3`` and ``T7``).
    """
    if isinstance(ch_names, str):
        raise TypeError(f"ch_names must be a sequence of str; got the str {ch_names!r}.")
    out = []
    for name in ch_names:
        if not isinstance(name, str):
            raise TypeError(f"ch_names must hold str; got {name!r} ({type(name).__name__}).")
        out.append(_normalize_one(name))
    seen: dict[str, str] = {}
    dups = []
    for orig, new in zip(ch_names, out):
        if new in seen:
            dups.append(f"{seen[new]!r} and {orig!r} -> {new!r}")
        seen[new] = orig
    if dups:
        raise ValueError(
            f"ch_names map to duplicate canonical names: {'; '.join(dups)}. Drop one of each "
            "duplicated channel before normalising."
        )
    return out


def pick_channels(
    ch_names: Sequence[str], required: Sequence[str], name: str = "ch_names"
) -> list[int]:
    """Return the indices of ``required`` channels in ``ch_names``, comparing canonical names.

    Parameters
    ----------
    ch_names : sequence of str
        Available channel names (any spelling accepted by :func:`normalize_channel_names`).
    required : sequence of str
        The channels wanted.
    name : str
        Parameter name used in messages.

    Returns
    -------
    idx : list of int
        Index in ``ch_names`` of each required channel.

    Raises
    ------
    ValueError
        Listing every missing channel, with "did you mean" suggestions.
    """
    have = normalize_channel_names(ch_names)
    want = [_normalize_one(c) for c in required]
    index = {c: i for i, c in enumerate(have)}
    missing = list(dict.fromkeys(orig for orig, c in zip(required, want) if c not in index))
    if missing:
        hints = "".join(_suggest_channel(m, have) for m in missing[:5])
        raise ValueError(
            f"{name} lacks the channel(s) {missing} needed here; got {list(ch_names)}.{hints} "
            "Rename the channels (T7/T8/P7/P8 are accepted for T3/T4/T5/T6) or pick a montage "
            "that uses the recorded electrodes."
        )
    return [index[c] for c in want]


def _parse_pairs(pairs: Sequence[Any]) -> list[tuple[str, str]]:
    out = []
    for pair in pairs:
        if isinstance(pair, str):
            parts = pair.split("-")
            if len(parts) != 2:
                raise ValueError(
                    f"pairs entries must be (anode, cathode) or 'anode-cathode'; got {pair!r}."
                )
            out.append((parts[0], parts[1]))
        elif isinstance(pair, Sequence) and len(pair) == 2 and all(
            isinstance(p, str) for p in pair
        ):
            out.append((pair[0], pair[1]))
        else:
            raise ValueError(
                f"pairs entries must be (anode, cathode) or 'anode-cathode'; got {pair!r}."
            )
    if not out:
        raise ValueError("pairs must hold at least one (anode, cathode) pair; got none.")
    return out


def _check_n_chans(X: NDArray[Any], ch_names: Sequence[str]) -> None:
    """``X`` of shape (..., n_chans, n_times) has one channel per name."""
    if X.ndim < 2 or X.shape[-2] != len(ch_names):
        raise ValueError(
            f"X must have shape (..., n_chans, n_times) with n_chans=len(ch_names)="
            f"{len(ch_names)}; got shape {X.shape}."
        )


def bipolar(
    X: Any,
    ch_names: Sequence[str],
    pairs: Sequence[Any] = DOUBLE_BANANA,
) -> tuple[NDArray[np.float64], list[str]]:
    """Derive bipolar channels (anode minus cathode) from referential EEG.

    Parameters
    ----------
    X : array-like of shape (..., n_chans, n_times)
        Referential EEG in volts; leading axes (windows) are kept.
    ch_names : sequence of str
        Names of the ``n_chans`` channels (any spelling accepted by
        :func:`normalize_channel_names`).
    pairs : sequence of (str, str) or str
        The derivations, default :data:`DOUBLE_BANANA` (16 pairs, chains LL, RL, LP, RP).

    Returns
    -------
    Y : ndarray of shape (..., n_pairs, n_times)
        ``X[anode] - X[cathode]`` for each pair, in volts.
    names : list of str
        ``"anode-cathode"`` names in canonical spelling.

    Raises
    ------
    ValueError
        If ``X`` does not have ``len(ch_names)`` channels or a channel of ``pairs`` is
        missing (the message lists the missing ones with suggestions).
    """
    X = check_array(X, "X", allow_nonfinite=True)
    _check_n_chans(X, ch_names)
    parsed = _parse_pairs(pairs)
    idx = pick_channels(ch_names, [a for a, _ in parsed] + [c for _, c in parsed])
    anodes, cathodes = idx[: len(parsed)], idx[len(parsed) :]
    Y = X[..., anodes, :] - X[..., cathodes, :]
    names = [f"{_normalize_one(a)}-{_normalize_one(c)}" for a, c in parsed]
    return Y, names


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


def _mirror_one(name: str) -> str:
    if "-" in name:
        a, c = name.split("-", 1)
        return f"{_mirror_one(a)}-{_mirror_one(c)}"
    if name.endswith("z") or name.endswith("Z"):
        return name
    match = _NUMBERED.match(name)
    if match is None:
        raise ValueError(name)
    prefix, number = match.group(1), int(match.group(2))
    mirrored = number + 1 if number % 2 else number - 1
    return f"{prefix}{mirrored}"


def left_right_permutation(ch_names: Sequence[str]) -> NDArray[np.int64]:
    """Index permutation that swaps homologous left and right channels.

    Odd-numbered electrodes are on the left, even-numbered on the right, ``z`` on the
    midline (which maps to itself): ``F3 <-> F4``, ``T3 <-> T4``, ``Fp1 <-> Fp2``.
    Bipolar names are mirrored side by side (``Fp1-F7 <-> Fp2-F8``).

    Parameters
    ----------
    ch_names : sequence of str
        Channel names.

    Returns
    -------
    perm : ndarray of shape (n_chans,)
        ``X[..., perm, :]`` is the left/right flipped recording.

    Raises
    ------
    ValueError
        If a channel has no 10-20 mirror or its mirror is not among ``ch_names``.
    """
    names = normalize_channel_names(ch_names)
    index = {c: i for i, c in enumerate(names)}
    perm, bad = [], []
    for c in names:
        try:
            mirrored = _mirror_one(c)
        except ValueError:
            bad.append(c)
            continue
        if mirrored not in index:
            bad.append(f"{c} (mirror {mirrored})")
            continue
        perm.append(index[mirrored])
    if bad:
        raise ValueError(
            f"ch_names has channel(s) without a left/right mirror among the channels: {bad}. "
            "Drop them (or add their homologues) before flipping."
        )
    return np.asarray(perm, dtype=np.int64)


def channel_positions(ch_names: Sequence[str]) -> NDArray[np.float64]:
    """3-D electrode positions from MNE's template 10-20 montage.

    Uses ``mne.channels.make_standard_montage("colin27_1020")`` (the new name of
    ``"standard_1020"``), with the aliases of :func:`normalize_channel_names`. A bipolar
    channel ``"a-b"`` is placed at the midpoint of its two electrodes.

    Parameters
    ----------
    ch_names : sequence of str
        Channel names.

    Returns
    -------
    pos : ndarray of shape (n_chans, 3)
        Positions in metres, in the montage's coordinate frame.

    Raises
    ------
    ValueError
        Listing channels that are not template electrodes, with suggestions.
    """
    names = normalize_channel_names(ch_names)
    positions = _montage_positions()
    out = np.empty((len(names), 3), dtype=np.float64)
    missing = []
    for i, c in enumerate(names):
        parts = c.split("-") if c not in positions and "-" in c else [c]
        if not all(p in positions for p in parts):
            missing.append(c)
            continue
        out[i] = np.mean([positions[p] for p in parts], axis=0)
    if missing:
        hints = "".join(_suggest_channel(m, list(positions)) for m in missing[:5])
        raise ValueError(
            f"ch_names has channel(s) {missing} that are not 10-20/10-10 electrodes of the "
            f"template montage.{hints} Rename them or drop non-EEG channels first."
        )
    return out


def neighbours(ch_names: Sequence[str], radius: float = 0.08) -> NDArray[np.bool_]:
    """Adjacency of electrodes closer than ``radius`` on the template head.

    Parameters
    ----------
    ch_names : sequence of str
        Channel names.
    radius : float
        Maximum Euclidean distance in metres; the default 0.08 m links each 10-20
        electrode to its direct 10-20 neighbours (inter-electrode distances are about
        0.056-0.076 m on the template head).

    Returns
    -------
    adjacency : ndarray of bool, shape (n_chans, n_chans)
        Symmetric, with a False diagonal.
    """
    radius = check_range(radius, "radius", 0.0, None, inclusive=(False, True))
    pos = channel_positions(ch_names)
    dist = np.linalg.norm(pos[:, None, :] - pos[None, :, :], axis=-1)
    adjacency = dist <= radius
    np.fill_diagonal(adjacency, False)
    return adjacency
