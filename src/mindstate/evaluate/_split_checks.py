"""Input checks and leakage assertions shared by the splitters of :mod:`.splits`.

:func:`check_no_leakage` and :func:`check_no_temporal_overlap` are public (re-exported by
:mod:`mindstate.evaluate.splits`); the underscored helpers validate ``groups``, ``meta``,
``y`` and index arrays with messages that name the parameter, the expectation and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._validation import describe, suggest
from ..exceptions import LeakageError

__all__ = ["check_no_leakage", "check_no_temporal_overlap"]

Key = str | tuple[str, ...]
IndexArray = NDArray[np.int64]


# ---------------------------------------------------------------------------------------------
# validation helpers


def _natural_key(value: Any) -> list[Any]:
    """Sort key splitting digits so ``S2`` sorts before ``S10``."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", str(value))]


def _natural_unique(values: pd.Series | NDArray[Any]) -> list[str]:
    return sorted({str(v) for v in np.asarray(values)}, key=_natural_key)


def _check_groups(groups: Any, columns: Sequence[str], name: str = "groups") -> pd.DataFrame:
    """Return ``groups`` with ``columns`` as strings; errors name the missing column."""
    if not isinstance(groups, pd.DataFrame):
        raise TypeError(
            f"{name} must be a pandas DataFrame with columns {list(columns)} (Windows.groups); "
            f"got {describe(groups)}."
        )
    if len(groups) == 0:
        raise ValueError(f"{name} must hold at least one row; got an empty DataFrame.")
    missing = [c for c in columns if c not in groups.columns]
    if missing:
        hint = "".join(suggest(m, [str(c) for c in groups.columns]) for m in missing)
        raise ValueError(
            f"{name} lacks column(s) {missing}; got columns {list(groups.columns)}.{hint}"
        )
    out = pd.DataFrame(index=pd.RangeIndex(len(groups)))
    for col in columns:
        values = groups[col]
        if values.isna().any():
            bad = np.flatnonzero(values.isna().to_numpy())[:5].tolist()
            raise ValueError(
                f"{name}[{col!r}] holds missing values (rows {bad}); every sample needs a "
                f"{col} to be split without leakage."
            )
        out[col] = values.astype(str).to_numpy()
    return out


def _check_meta(meta: Any, n: int, protocol: str) -> pd.DataFrame:
    """Return ``meta`` start/stop as floats; a time split without them is a ``ValueError``."""
    if meta is None:
        raise ValueError(
            f"The {protocol!r} split needs meta with 'start' and 'stop' columns (seconds); got "
            "None. Pass meta=windows.meta."
        )
    if not isinstance(meta, pd.DataFrame):
        raise TypeError(f"meta must be a pandas DataFrame; got {describe(meta)}.")
    missing = [c for c in ("start", "stop") if c not in meta.columns]
    if missing:
        raise ValueError(
            f"meta lacks column(s) {missing} needed by the {protocol!r} split; got columns "
            f"{list(meta.columns)}."
        )
    if len(meta) != n:
        raise ValueError(f"meta must have one row per sample ({n}); got {len(meta)} rows.")
    start = meta["start"].to_numpy(dtype=np.float64)
    stop = meta["stop"].to_numpy(dtype=np.float64)
    if not (np.all(np.isfinite(start)) and np.all(np.isfinite(stop))):
        raise ValueError("meta 'start'/'stop' must be finite numbers of seconds; found NaN/Inf.")
    if np.any(stop < start):
        raise ValueError("meta 'stop' must be >= 'start' for every window; found stop < start.")
    return pd.DataFrame({"start": start, "stop": stop})


def _check_y(y: Any, n: int) -> NDArray[Any] | None:
    if y is None:
        return None
    arr = np.asarray(y)
    if arr.ndim not in (1, 2) or arr.shape[0] != n:
        raise ValueError(
            f"y must have shape (n_samples,) or (n_samples, n_classes) with n_samples={n}; got "
            f"shape {arr.shape}."
        )
    return arr


def _check_indices(idx: Any, n: int, name: str) -> IndexArray:
    arr = np.asarray(idx)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise ValueError(f"{name} as a boolean mask must have shape ({n},); got {arr.shape}.")
        return np.flatnonzero(arr).astype(np.int64)
    if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
        raise ValueError(f"{name} must be a 1-D array of integer indices; got {describe(arr)}.")
    arr = arr.astype(np.int64)
    if arr.size and (arr.min() < 0 or arr.max() >= n):
        raise ValueError(f"{name} holds indices outside 0..{n - 1}.")
    return arr


def _check_disjoint(train_idx: Any, test_idx: Any, n: int) -> tuple[IndexArray, IndexArray]:
    """Validated train and test indices; ``LeakageError`` if a sample is on both sides."""
    tr = _check_indices(train_idx, n, "train_idx")
    te = _check_indices(test_idx, n, "test_idx")
    both = np.intersect1d(tr, te)
    if both.size:
        raise LeakageError(
            f"{both.size} sample(s) are in both train and test (e.g. index {int(both[0])})."
        )
    return tr, te


def _key_values(groups: pd.DataFrame, key: Key) -> NDArray[Any]:
    if isinstance(key, str):
        return groups[key].astype(str).to_numpy()
    cols = [groups[c].astype(str).to_numpy() for c in key]
    return np.array(["\x1f".join(parts) for parts in zip(*cols)], dtype=object)


def _key_name(key: Key) -> str:
    return key if isinstance(key, str) else "(" + ", ".join(key) + ")"


def _check_nested(groups: pd.DataFrame, child: str, parent: Key) -> None:
    """Raise :class:`LeakageError` if one ``child`` id appears under several ``parent`` values."""
    parents = _key_values(groups, parent)
    frame = pd.DataFrame({"child": groups[child].to_numpy(), "parent": parents})
    counts = frame.groupby("child", sort=False)["parent"].nunique()
    bad = counts[counts > 1]
    if len(bad):
        example = str(bad.index[0])
        under = sorted(set(frame.loc[frame["child"] == example, "parent"]), key=_natural_key)
        under_s = [u.replace("\x1f", "/") for u in under]
        raise LeakageError(
            f"groups: {child} id {example!r} appears under {len(under)} different "
            f"{_key_name(parent)} values {under_s[:5]} ({len(bad)} such id(s)). A {child} must "
            f"belong to one {_key_name(parent)}, or samples of different {child}s would be "
            f"treated as one. Make the ids unique, e.g. groups['{child}'] = groups['subject'] + "
            f"'/' + groups['{child}']."
        )


def check_no_leakage(
    groups: pd.DataFrame,
    train_idx: Any,
    test_idx: Any,
    columns: str | Sequence[Key],
) -> None:
    """Raise :class:`~mindstate.exceptions.LeakageError` if train and test share a group.

    Parameters
    ----------
    groups : DataFrame of shape (n_samples, n_columns)
        Group labels per sample (``Windows.groups``).
    train_idx, test_idx : array of int or bool mask
        The two sides of a split.
    columns : str | list of (str | tuple of str)
        The protected keys. Each entry is one column, or a tuple of columns whose combined
        value is the key (e.g. ``("subject", "session")``). Every key is checked separately.

    Raises
    ------
    LeakageError
        If one sample index is on both sides, or a key value occurs on both sides.
    """
    cols_list: list[Key] = [columns] if isinstance(columns, str) else list(columns)
    flat = [c for k in cols_list for c in ((k,) if isinstance(k, str) else k)]
    g = _check_groups(groups, flat)
    tr, te = _check_disjoint(train_idx, test_idx, len(g))
    for key in cols_list:
        values = _key_values(g, key)
        shared = np.intersect1d(values[tr], values[te])
        if shared.size:
            shown = [str(s).replace("\x1f", "/") for s in shared[:5]]
            raise LeakageError(
                f"Leakage: {shared.size} {_key_name(key)} value(s) are in both train and test: "
                f"{shown}{' ...' if shared.size > 5 else ''}. A {_key_name(key)} must be on one "
                "side of the split only."
            )


def check_no_temporal_overlap(
    groups: pd.DataFrame,
    meta: pd.DataFrame,
    train_idx: Any,
    test_idx: Any,
) -> None:
    """Raise :class:`~mindstate.exceptions.LeakageError` if train and test windows overlap in time.

    Windows are compared within each (subject, record): a train window ``[start, stop)`` and a
    test window overlap when each starts before the other stops.

    Parameters
    ----------
    groups : DataFrame of shape (n_samples, n_columns)
        Needs the ``subject`` and ``record`` columns.
    meta : DataFrame of shape (n_samples, n_columns)
        Needs ``start`` and ``stop`` in seconds.
    train_idx, test_idx : array of int or bool mask
        The two sides of a split.

    Raises
    ------
    LeakageError
        If any train window overlaps a test window of the same subject and record, or a sample
        is on both sides.
    """
    g = _check_groups(groups, ("subject", "record"))
    n = len(g)
    times = _check_meta(meta, n, "temporal overlap check")
    tr, te = _check_disjoint(train_idx, test_idx, n)
    unit = _key_values(g, ("subject", "record"))
    start = times["start"].to_numpy()
    stop = times["stop"].to_numpy()
    tr_by = pd.Series(tr).groupby(unit[tr]).indices
    te_by = pd.Series(te).groupby(unit[te]).indices
    for u in sorted(set(tr_by) & set(te_by)):
        a = tr[tr_by[u]]
        b = te[te_by[u]]
        order = np.argsort(start[a], kind="stable")
        a_start, a_stop = start[a][order], stop[a][order]
        max_stop = np.maximum.accumulate(a_stop)
        # train windows starting before each test window stops: the first k of them
        k = np.searchsorted(a_start, stop[b], side="left")
        has = k > 0
        overlap = np.zeros(b.size, dtype=bool)
        overlap[has] = max_stop[k[has] - 1] > start[b][has]
        if overlap.any():
            j = int(b[np.flatnonzero(overlap)[0]])
            subj, rec = str(u).split("\x1f", 1)
            raise LeakageError(
                f"Leakage: {int(overlap.sum())} test window(s) of subject {subj!r}, record "
                f"{rec!r} overlap train windows in time (e.g. the test window at "
                f"{start[j]:.3f}-{stop[j]:.3f} s). Time-ordered splits must leave train and test "
                "windows disjoint; add a gap."
            )


def _optional_meta(meta: Any, n: int) -> pd.DataFrame | None:
    """``meta`` start times when given and usable (for ordering only), else ``None``."""
    if not isinstance(meta, pd.DataFrame) or "start" not in meta.columns:
        return None
    if len(meta) != n:
        raise ValueError(f"meta must have one row per sample ({n}); got {len(meta)} rows.")
    start = meta["start"].to_numpy(dtype=np.float64)
    if not np.all(np.isfinite(start)):
        raise ValueError("meta 'start' must be finite numbers of seconds; found NaN/Inf.")
    stop = meta["stop"].to_numpy(dtype=np.float64) if "stop" in meta.columns else start
    return pd.DataFrame({"start": start, "stop": stop})


def _need_groups(n_have: int, n_need: int, what: str, protocol: str) -> None:
    if n_have < n_need:
        raise ValueError(
            f"The {protocol!r} split needs at least {n_need} distinct {what}; got {n_have}."
        )

