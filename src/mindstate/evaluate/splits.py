"""Leakage-proof train/test splitters: subject-, trial-, session-, patient- and time-wise.

Every splitter works on the ``groups`` DataFrame of :class:`~mindstate.data.Windows`
(columns ``subject, session, trial, patient, record``) and, for the time-based protocols, on
``meta`` (columns ``record, start, stop`` in seconds). Each fold is checked before it is
yielded: a protected group (subject, trial, session or patient) found on both sides, a sample
on both sides, or train and test windows overlapping in time raise :class:`LeakageError`.

=====================  ====================================================  ===============
name (``protocol``)    what it does                                          protected
=====================  ====================================================  ===============
``loso``               leave one subject out                                 subject
``subject-trial``      per subject and session, first trials train (SEED)    trial
``cross-session``      hold out one session, per subject or pooled           session
``time-ordered``       per subject, the first ``train_frac`` of time trains  time
``time-series-cv``     expanding-window folds over time, per subject         time
``group-kfold``        stratified k-fold grouped by patient                  patient
``holdout-subjects``   a seeded fraction of subjects held out                subject
=====================  ====================================================  ===============

Group values are compared as strings; ordering is natural (``S2`` before ``S10``).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._validation import check_int, check_option, check_range, check_type, describe, suggest
from ..exceptions import LeakageError
from ..registry import Registry

__all__ = [
    "SPLITTERS",
    "BaseSplitter",
    "CrossSessionSplit",
    "HoldoutSubjects",
    "LeaveOneSubjectOut",
    "PatientGroupKFold",
    "SubjectTrialSplit",
    "TimeOrderedSplit",
    "TimeSeriesCV",
    "check_no_leakage",
    "check_no_temporal_overlap",
    "create_splitter",
    "inner_validation_split",
]

SPLITTERS: Registry[type[BaseSplitter]] = Registry("splitter")

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


# ---------------------------------------------------------------------------------------------
# base class


class BaseSplitter(ABC):
    """Base class of the splitters: ``split`` yields ``(train_idx, test_idx)`` checked for leakage.

    Subclasses set :attr:`protocol` (the name written to ``metrics.json``) and :attr:`columns`
    (the group columns they need), and implement :meth:`_folds`.
    """

    protocol: ClassVar[str] = ""
    columns: ClassVar[tuple[str, ...]] = ("subject",)
    needs_meta: ClassVar[bool] = False

    def split(
        self,
        groups: pd.DataFrame,
        y: Any = None,
        meta: pd.DataFrame | None = None,
    ) -> Iterator[tuple[IndexArray, IndexArray]]:
        """Yield ``(train_idx, test_idx)`` integer index arrays, one pair per fold.

        Parameters
        ----------
        groups : DataFrame of shape (n_samples, n_columns)
            ``Windows.groups`` (columns subject, session, trial, patient, record).
        y : ndarray of shape (n_samples,) or (n_samples, n_classes) | None
            Labels; used only by stratified splitters (soft labels by their argmax).
        meta : DataFrame of shape (n_samples, n_columns) | None
            ``Windows.meta`` (``record``, ``start``, ``stop`` in seconds); needed by the time
            splits and used by ``subject-trial`` to order trials.

        Yields
        ------
        train_idx : ndarray of shape (n_train,), int64
            Sorted indices of the training samples.
        test_idx : ndarray of shape (n_test,), int64
            Sorted indices of the test samples.

        Raises
        ------
        LeakageError
            If a fold would share a protected group or overlap in time.
        """
        g = _check_groups(groups, self._required_columns())
        y_arr = _check_y(y, len(g))
        if self.needs_meta:
            times = _check_meta(meta, len(g), self.protocol)
        else:
            times = _optional_meta(meta, len(g))
        for train, test in self._folds(g, y_arr, times):
            train = np.sort(np.asarray(train, dtype=np.int64))
            test = np.sort(np.asarray(test, dtype=np.int64))
            self._check(g, train, test, times)
            yield train, test

    def get_n_splits(
        self, groups: pd.DataFrame | None = None, y: Any = None, meta: pd.DataFrame | None = None
    ) -> int:
        """Number of folds :meth:`split` yields for ``groups``.

        Parameters
        ----------
        groups : DataFrame of shape (n_samples, n_columns)
            ``Windows.groups``.
        y : ndarray | None
            Unused, for scikit-learn compatibility.
        meta : DataFrame | None
            Unused, for scikit-learn compatibility.

        Returns
        -------
        n_splits : int
            The number of folds.
        """
        if groups is None:
            raise ValueError(
                f"{type(self).__name__}.get_n_splits needs groups: the number of folds depends on "
                "the subjects/sessions present."
            )
        g = _check_groups(groups, self._required_columns())
        return self._n_splits(g)

    def _check(
        self,
        g: pd.DataFrame,
        train: IndexArray,
        test: IndexArray,
        times: pd.DataFrame | None,
    ) -> None:
        if train.size == 0 or test.size == 0:
            raise ValueError(
                f"The {self.protocol!r} split produced an empty "
                f"{'train' if train.size == 0 else 'test'} side; check the groups."
            )
        check_no_leakage(g, train, test, self._protected())
        if self.needs_meta and times is not None:
            check_no_temporal_overlap(g, times, train, test)

    def _required_columns(self) -> tuple[str, ...]:
        return self.columns

    def _protected(self) -> list[Key]:
        return [self._required_columns()[0]]

    @abstractmethod
    def _folds(
        self, g: pd.DataFrame, y: NDArray[Any] | None, times: pd.DataFrame | None
    ) -> Iterator[tuple[IndexArray, IndexArray]]:
        """Yield raw folds; :meth:`split` validates and checks them."""

    @abstractmethod
    def _n_splits(self, g: pd.DataFrame) -> int:
        """Number of folds for validated groups."""

    def get_params(self) -> dict[str, Any]:
        """The constructor arguments (for ``metrics.json`` and config round-trips).

        Returns
        -------
        params : dict
            Argument name to value.
        """
        return dict(vars(self))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


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


# ---------------------------------------------------------------------------------------------
# subject-wise


@SPLITTERS.register("loso")
class LeaveOneSubjectOut(BaseSplitter):
    """Leave-one-subject-out: each subject is the test set once, all others train.

    Parameters
    ----------
    subjects : list of str | None
        Hold out only these subjects (one fold each, natural order); the other subjects are
        always in training. Default: every subject, so each sample is tested exactly once.
    """

    protocol = "loso"
    columns = ("subject",)

    def __init__(self, subjects: Sequence[Any] | None = None) -> None:
        self.subjects = None if subjects is None else [str(s) for s in subjects]

    def _test_subjects(self, g: pd.DataFrame) -> list[str]:
        present = _natural_unique(g["subject"])
        _need_groups(len(present), 2, "subjects", self.protocol)
        if self.subjects is None:
            return present
        missing = [s for s in self.subjects if s not in present]
        if missing:
            hint = suggest(missing[0], present)
            raise ValueError(
                f"subjects {missing} are not in groups['subject']; present: {present}.{hint}"
            )
        return sorted(dict.fromkeys(self.subjects), key=_natural_key)

    def _folds(self, g, y, times):
        subj = g["subject"].to_numpy()
        for s in self._test_subjects(g):
            mask = subj == s
            yield np.flatnonzero(~mask), np.flatnonzero(mask)

    def _n_splits(self, g):
        return len(self._test_subjects(g))


class _GroupColumnSplitter(BaseSplitter):
    """A splitter keyed on the configurable column ``self.group``, whose number of folds
    does not depend on the groups (so ``get_n_splits()`` needs none, as in scikit-learn)."""

    group: str

    def _required_columns(self) -> tuple[str, ...]:
        return (check_type(self.group, str, "group"),)

    def get_n_splits(
        self, groups: pd.DataFrame | None = None, y: Any = None, meta: pd.DataFrame | None = None
    ) -> int:
        """Number of folds (independent of the groups).

        Parameters
        ----------
        groups : DataFrame | None
            Unused.
        y : ndarray | None
            Unused.
        meta : DataFrame | None
            Unused.

        Returns
        -------
        n_splits : int
            The number of folds.
        """
        return self._fixed_n_splits()

    def _n_splits(self, g: pd.DataFrame) -> int:
        return self._fixed_n_splits()

    @abstractmethod
    def _fixed_n_splits(self) -> int:
        """Number of folds, from the constructor arguments alone."""


@SPLITTERS.register("holdout-subjects")
class HoldoutSubjects(_GroupColumnSplitter):
    """One fold holding out a seeded random fraction of the subjects (or of another group).

    Parameters
    ----------
    test_size : float
        Fraction of groups in the test set, in (0, 1); at least one group on each side.
    group : str
        The group column (default ``"subject"``; ``"patient"`` for clinical data).
    random_state : int | None
        Seed of the permutation of groups.
    """

    protocol = "holdout-subjects"
    columns = ("subject",)

    def __init__(
        self, test_size: float = 0.2, *, group: str = "subject", random_state: int | None = None
    ) -> None:
        self.test_size = test_size
        self.group = group
        self.random_state = random_state

    def _fixed_n_splits(self) -> int:
        return 1

    def _folds(self, g, y, times):
        frac = check_range(self.test_size, "test_size", 0.0, 1.0, inclusive=(False, False))
        units = _natural_unique(g[self.group])
        _need_groups(len(units), 2, f"{self.group}s", self.protocol)
        n_test = min(max(1, int(round(frac * len(units)))), len(units) - 1)
        order = np.random.default_rng(self.random_state).permutation(len(units))
        test_units = {units[i] for i in order[:n_test]}
        mask = np.isin(g[self.group].to_numpy(), list(test_units))
        yield np.flatnonzero(~mask), np.flatnonzero(mask)


# ---------------------------------------------------------------------------------------------
# subject-dependent (trial) and cross-session


@SPLITTERS.register("subject-trial")
class SubjectTrialSplit(BaseSplitter):
    """Subject-dependent protocol: within each subject and session, the first trials train.

    As in the SEED papers (SEED: first 9 of 15 trials train, last 6 test, per subject and
    session). Trials are ordered by their record (natural sort), then by the earliest window
    start within the record (when ``meta`` is given), then by trial id (natural sort).

    Parameters
    ----------
    n_train_trials : int
        Number of leading trials per (subject, session) used for training.
    per : {"session", "subject", "pooled"}
        ``"session"``: one fold per (subject, session), a separate model per session as in the
        papers; ``"subject"``: one fold per subject with its sessions together; ``"pooled"``:
        one fold with every subject's first trials in train.
    """

    protocol = "subject-trial"
    columns = ("subject", "session", "trial", "record")

    def __init__(self, n_train_trials: int = 9, *, per: str = "session") -> None:
        self.n_train_trials = n_train_trials
        self.per = per

    def _protected(self) -> list[Key]:
        return ["trial"]

    def _is_train(self, g: pd.DataFrame, times: pd.DataFrame | None) -> NDArray[np.bool_]:
        n_train = check_int(self.n_train_trials, "n_train_trials", min_value=1)
        _check_nested(g, "trial", ("subject", "session"))
        frame = g.copy()
        frame["start"] = times["start"].to_numpy() if times is not None else 0.0
        first = frame.groupby("trial", sort=False).agg(
            subject=("subject", "first"), session=("session", "first"),
            record=("record", "first"), start=("start", "min"),
        )
        is_train_trial: dict[str, bool] = {}
        for (subj, sess), block in first.groupby(["subject", "session"], sort=False):
            order = sorted(
                block.index,
                key=lambda t: (_natural_key(block.at[t, "record"]), block.at[t, "start"],
                               _natural_key(t)),
            )
            if len(order) <= n_train:
                raise ValueError(
                    f"The 'subject-trial' split needs more than n_train_trials={n_train} trials "
                    f"per subject and session so that some are left to test; subject {subj!r} "
                    f"session {sess!r} has {len(order)}."
                )
            for k, t in enumerate(order):
                is_train_trial[t] = k < n_train
        return np.array([is_train_trial[t] for t in g["trial"]], dtype=bool)

    def _units(self, g: pd.DataFrame) -> NDArray[Any] | None:
        per = check_option(self.per, ("session", "subject", "pooled"), "per")
        if per == "pooled":
            return None
        return _key_values(g, ("subject", "session") if per == "session" else "subject")

    def _folds(self, g, y, times):
        is_train = self._is_train(g, times)
        units = self._units(g)
        if units is None:
            yield np.flatnonzero(is_train), np.flatnonzero(~is_train)
            return
        for u in sorted(set(units), key=_natural_key):
            in_u = units == u
            yield np.flatnonzero(in_u & is_train), np.flatnonzero(in_u & ~is_train)

    def _n_splits(self, g):
        units = self._units(g)
        return 1 if units is None else len(set(units))


@SPLITTERS.register("cross-session")
class CrossSessionSplit(BaseSplitter):
    """Train on some sessions, test on a held-out one.

    Parameters
    ----------
    test_session : str | None
        The held-out session label. Default: each session is held out in turn
        (leave-one-session-out, sessions in natural order).
    per_subject : bool
        True (default): one fold per subject and held-out session, trained on that subject's
        other sessions only (the SEED cross-session protocol). False: pooled, every subject's
        other sessions train and the held-out session of every subject tests.
    """

    protocol = "cross-session"
    columns = ("subject", "session")

    def __init__(self, test_session: Any = None, *, per_subject: bool = True) -> None:
        self.test_session = test_session
        self.per_subject = per_subject

    def _protected(self) -> list[Key]:
        return [("subject", "session")] if self.per_subject else ["session"]

    def _plan(self, g: pd.DataFrame) -> list[tuple[str | None, str]]:
        check_type(self.per_subject, bool, "per_subject")
        sessions = _natural_unique(g["session"])
        if self.test_session is not None and str(self.test_session) not in sessions:
            hint = suggest(str(self.test_session), sessions)
            raise ValueError(
                f"test_session {self.test_session!r} is not in groups['session']; present: "
                f"{sessions}.{hint}"
            )
        wanted = sessions if self.test_session is None else [str(self.test_session)]
        if not self.per_subject:
            _need_groups(len(sessions), 2, "sessions", self.protocol)
            return [(None, s) for s in wanted]
        plan: list[tuple[str | None, str]] = []
        for subj in _natural_unique(g["subject"]):
            own = _natural_unique(g.loc[g["subject"] == subj, "session"])
            if len(own) < 2:
                raise ValueError(
                    f"The 'cross-session' split needs at least 2 distinct sessions per subject; "
                    f"subject {subj!r} has {len(own)}. Use per_subject=False or drop it."
                )
            plan.extend((subj, s) for s in wanted if s in own)
        return plan

    def _folds(self, g, y, times):
        subj = g["subject"].to_numpy()
        sess = g["session"].to_numpy()
        for s_subj, s_sess in self._plan(g):
            scope = np.ones(len(g), bool) if s_subj is None else subj == s_subj
            test = scope & (sess == s_sess)
            yield np.flatnonzero(scope & ~test), np.flatnonzero(test)

    def _n_splits(self, g):
        return len(self._plan(g))


# ---------------------------------------------------------------------------------------------
# time-based


def _timeline(
    g: pd.DataFrame, times: pd.DataFrame
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per-subject continuous time axis: records in natural order laid end to end (seconds).

    Returns each window's start on that axis and its subject's total span.
    """
    frame = pd.DataFrame({
        "subject": g["subject"].to_numpy(), "record": g["record"].to_numpy(),
        "start": times["start"].to_numpy(), "stop": times["stop"].to_numpy(),
    })
    rec = frame.groupby(["subject", "record"], sort=False).agg(
        first=("start", "min"), last=("stop", "max"))
    shift: dict[tuple[str, str], float] = {}
    span: dict[str, float] = {}
    for subj, block in rec.groupby(level="subject", sort=False):
        offset = 0.0
        names = sorted(block.index.get_level_values("record"), key=_natural_key)
        for r in names:
            first, last = block.loc[(subj, r), ["first", "last"]]
            shift[(subj, r)] = offset - first
            offset += last - first
        span[subj] = offset
    keys = pd.MultiIndex.from_arrays([frame["subject"], frame["record"]])
    t0 = frame["start"].to_numpy() + keys.map(shift).to_numpy(dtype=np.float64)
    return t0, frame["subject"].map(span).to_numpy(dtype=np.float64)


def _require_both_sides(
    g: pd.DataFrame,
    train: NDArray[np.bool_],
    test: NDArray[np.bool_],
    span: NDArray[np.float64],
    what: str,
    hint: str,
) -> None:
    """``ValueError`` naming the first subject left without train or test windows."""
    subj = g["subject"].to_numpy()
    has = pd.DataFrame({"tr": train, "te": test, "span": span}).groupby(subj).agg(
        tr=("tr", "any"), te=("te", "any"), span=("span", "first"))
    bad = has[~(has["tr"] & has["te"])]
    if len(bad):
        first = sorted(bad.index, key=_natural_key)[0]
        side = "train" if not bad.at[first, "tr"] else "test"
        raise ValueError(
            f"{what} left subject {first!r} with no {side} windows (span "
            f"{bad.at[first, 'span']:.1f} s, {hint})."
        )


@SPLITTERS.register("time-ordered")
class TimeOrderedSplit(BaseSplitter):
    """Within each subject, the first ``train_frac`` of time trains and the rest tests.

    A subject's records are laid end to end in natural order. Windows that straddle the cut
    or start within ``gap_s`` after it are left out of both sides (purged), so no test window
    overlaps a training window.

    Parameters
    ----------
    train_frac : float
        Fraction of each subject's time span used for training, in (0, 1).
    gap_s : float
        Seconds left unused between the end of training and the start of the test part.
    """

    protocol = "time-ordered"
    columns = ("subject", "record")
    needs_meta = True

    def __init__(self, train_frac: float = 0.8, *, gap_s: float = 0.0) -> None:
        self.train_frac = train_frac
        self.gap_s = gap_s

    def _protected(self) -> list[Key]:
        return []

    def _folds(self, g, y, times):
        frac = check_range(self.train_frac, "train_frac", 0.0, 1.0, inclusive=(False, False))
        gap = check_range(self.gap_s, "gap_s", 0.0, None)
        t0, span = _timeline(g, times)
        dur = (times["stop"] - times["start"]).to_numpy()
        cut = frac * span
        train = t0 + dur <= cut + 1e-9
        test = t0 >= cut + gap - 1e-9
        _require_both_sides(g, train, test, span, "The 'time-ordered' split",
                            f"train_frac={frac:g}, gap_s={gap:g}; use shorter windows or a "
                            "smaller gap")
        yield np.flatnonzero(train), np.flatnonzero(test)

    def _n_splits(self, g):
        return 1


@SPLITTERS.register("time-series-cv")
class TimeSeriesCV(BaseSplitter):
    """Expanding-window cross-validation over time within each subject (like ``TimeSeriesSplit``).

    Each subject's time span is cut into ``n_splits + 1`` equal blocks. Fold ``k`` (1-based)
    trains on windows ending before the end of block ``k`` and tests on windows starting in
    block ``k + 1`` at least ``gap_s`` after it; folds of all subjects are pooled.

    Parameters
    ----------
    n_splits : int
        Number of folds (>= 2).
    gap_s : float
        Seconds left unused between the training part and the test block.
    """

    protocol = "time-series-cv"
    columns = ("subject", "record")
    needs_meta = True

    def __init__(self, n_splits: int = 5, *, gap_s: float = 0.0) -> None:
        self.n_splits = n_splits
        self.gap_s = gap_s

    def _protected(self) -> list[Key]:
        return []

    def _folds(self, g, y, times):
        n_splits = check_int(self.n_splits, "n_splits", min_value=2)
        gap = check_range(self.gap_s, "gap_s", 0.0, None)
        t0, span = _timeline(g, times)
        dur = (times["stop"] - times["start"]).to_numpy()
        block = span / (n_splits + 1)
        for k in range(1, n_splits + 1):
            edge = k * block
            train = t0 + dur <= edge + 1e-9
            test = (t0 >= edge + gap - 1e-9) & (t0 < edge + block - 1e-9)
            _require_both_sides(g, train, test, span, f"The 'time-series-cv' split (fold {k})",
                                f"n_splits={n_splits}, gap_s={gap:g}; use fewer splits, "
                                "shorter windows or a smaller gap")
            yield np.flatnonzero(train), np.flatnonzero(test)

    def _n_splits(self, g):
        return check_int(self.n_splits, "n_splits", min_value=2)


# ---------------------------------------------------------------------------------------------
# patient-grouped k-fold


def _strata(y: NDArray[Any] | None) -> NDArray[Any] | None:
    """Class labels to stratify on: hard labels, argmax of soft labels, else ``None``."""
    if y is None:
        return None
    if y.ndim == 2:
        return np.argmax(y, axis=1)
    if y.dtype.kind in "iub" or y.dtype.kind in "OU":
        return y
    if y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
        return y.astype(np.int64)
    return None


@SPLITTERS.register("group-kfold")
class PatientGroupKFold(_GroupColumnSplitter):
    """K-fold cross-validation grouped by patient, stratified on the class when ``y`` is given.

    Uses scikit-learn's ``StratifiedGroupKFold`` on hard labels (soft labels: their argmax);
    with ``y=None`` or continuous targets it uses ``GroupKFold``. Every sample is in exactly
    one test fold.

    Parameters
    ----------
    n_splits : int
        Number of folds (>= 2).
    group : str
        The group column kept whole (default ``"patient"``).
    shuffle : bool
        Shuffle the groups before assigning folds.
    random_state : int | None
        Seed used when ``shuffle`` is True.
    """

    protocol = "group-kfold"
    columns = ("patient",)

    def __init__(
        self,
        n_splits: int = 5,
        *,
        group: str = "patient",
        shuffle: bool = True,
        random_state: int | None = None,
    ) -> None:
        self.n_splits = n_splits
        self.group = group
        self.shuffle = shuffle
        self.random_state = random_state

    def _fixed_n_splits(self) -> int:
        return check_int(self.n_splits, "n_splits", min_value=2)

    def _folds(self, g, y, times):
        from sklearn.model_selection import GroupKFold, StratifiedGroupKFold

        n_splits = check_int(self.n_splits, "n_splits", min_value=2)
        check_type(self.shuffle, bool, "shuffle")
        units = g[self.group].to_numpy()
        _need_groups(len(set(units)), n_splits, f"{self.group}s (one per fold)", self.protocol)
        strata = _strata(y)
        rs = self.random_state if self.shuffle else None
        X = np.zeros((len(g), 1))
        if strata is None:
            cv: Any = GroupKFold(n_splits=n_splits, shuffle=self.shuffle, random_state=rs)
            folds = cv.split(X, groups=units)
        else:
            cv = StratifiedGroupKFold(n_splits=n_splits, shuffle=self.shuffle, random_state=rs)
            folds = cv.split(X, strata, groups=units)
        yield from folds


# ---------------------------------------------------------------------------------------------
# factory and inner validation


def create_splitter(name: str, **kwargs: Any) -> BaseSplitter:
    """Build a registered splitter by name.

    Parameters
    ----------
    name : str
        A key of :data:`SPLITTERS` (``"loso"``, ``"group-kfold"`` ...).
    **kwargs
        Constructor arguments of that splitter.

    Returns
    -------
    splitter : BaseSplitter
        The splitter; its ``protocol`` names the evaluation protocol.
    """
    cls = SPLITTERS.get(name)
    import inspect

    params = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    unknown = [k for k in kwargs if k not in params]
    if unknown:
        hint = suggest(unknown[0], params)
        raise TypeError(
            f"splitter {name!r} got unexpected argument(s) {unknown}; accepted: "
            f"{params}.{hint}"
        )
    return cls(**kwargs)


def inner_validation_split(
    train_idx: Any,
    groups: pd.DataFrame,
    y: Any = None,
    *,
    by: str = "subject",
    fraction: float = 0.2,
    random_state: int | None = None,
    meta: pd.DataFrame | None = None,
) -> tuple[IndexArray, IndexArray]:
    """Split training indices into a fit part and a validation part disjoint in one group.

    Used for early stopping and temperature scaling, so that validation data never comes from
    a subject (trial, patient, time span) the model was fitted on.

    Parameters
    ----------
    train_idx : array of int or bool mask
        Indices (into ``groups``) of the outer training set.
    groups : DataFrame of shape (n_samples, n_columns)
        ``Windows.groups``.
    y : ndarray of shape (n_samples,) or (n_samples, n_classes) | None
        Unused, accepted for symmetry with the splitters.
    by : {"subject", "trial", "patient", "session", "record", "time"}
        The group kept whole. ``"time"``: within each subject the last ``fraction`` of time
        validates (windows straddling the cut are dropped); needs ``meta``.
    fraction : float
        Fraction of groups (or of time) used for validation, in (0, 1); at least one group on
        each side.
    random_state : int | None
        Seed for choosing the validation groups.
    meta : DataFrame | None
        ``Windows.meta``; required for ``by="time"``.

    Returns
    -------
    fit_idx : ndarray of shape (n_fit,), int64
        Sorted indices to fit on.
    val_idx : ndarray of shape (n_val,), int64
        Sorted indices to validate on.

    Raises
    ------
    ValueError
        If there are fewer than 2 groups in the training set.
    LeakageError
        If the result shares a group (cannot happen unless ``groups`` is inconsistent).
    """
    check_option(by, ("subject", "trial", "patient", "session", "record", "time"), "by")
    frac = check_range(fraction, "fraction", 0.0, 1.0, inclusive=(False, False))
    cols = ("subject", "record") if by == "time" else (by,)
    g = _check_groups(groups, cols)
    _check_y(y, len(g))
    tr = np.unique(_check_indices(train_idx, len(g), "train_idx"))
    if tr.size < 2:
        raise ValueError(f"train_idx must hold at least 2 samples; got {tr.size}.")
    if by == "time":
        times = _check_meta(meta, len(g), "inner validation by time")
        sub_g = g.iloc[tr].reset_index(drop=True)
        sub_t = times.iloc[tr].reset_index(drop=True)
        inner = TimeOrderedSplit(train_frac=1.0 - frac)
        fit_local, val_local = next(inner.split(sub_g, meta=sub_t))
        fit, val = tr[fit_local], tr[val_local]
        check_no_temporal_overlap(g, times, fit, val)
        return fit, val
    units_all = g[by].to_numpy()
    units = _natural_unique(units_all[tr])
    if len(units) < 2:
        raise ValueError(
            f"inner_validation_split by={by!r} needs at least 2 distinct {by}s in the training "
            f"set; got {len(units)}. Use another 'by' (e.g. 'trial' or 'time')."
        )
    n_val = min(max(1, int(round(frac * len(units)))), len(units) - 1)
    order = np.random.default_rng(random_state).permutation(len(units))
    val_units = [units[i] for i in order[:n_val]]
    is_val = np.isin(units_all[tr], val_units)
    fit, val = tr[~is_val], tr[is_val]
    check_no_leakage(g, fit, val, [by])
    return fit, val
