"""Leakage-proof train/test splitters: subject-, trial-, session-, patient-, time-wise, predefined.

Every splitter works on the ``groups`` DataFrame of :class:`~mindstate.data.Windows`
(columns ``subject, session, trial, patient, record``) and, for the time-based protocols, on
``meta`` (columns ``record, start, stop`` in seconds; ``predefined`` reads ``meta["split"]``).
Each fold is checked before it is yielded: a protected group (subject, trial, session, patient
or record) found on both sides, a sample on both sides, or train and test windows overlapping
in time raise :class:`LeakageError`.

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
``predefined``         the dataset's own train/dev split (``meta["split"]``)  record
=====================  ====================================================  ===============

Each splitter also says how the inner (early-stopping, calibration) validation split of its
training part must group: ``splitter.inner_by(groups)`` is a ``by`` for
:func:`inner_validation_split`. :class:`SklearnSplit` (or :func:`as_sklearn`) wraps any
splitter as a scikit-learn ``cv`` object. The time splits live in :mod:`.temporal_splits`,
``predefined`` in :mod:`.predefined_split`, the adapter in :mod:`.sklearn_split`; every name
is importable from here.

Group values are compared as strings; ordering is natural (``S2`` before ``S10``).
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._validation import check_int, check_option, check_range, check_type, suggest
from ._split_base import INNER_BY, SPLITTERS, BaseSplitter, _GroupColumnSplitter
from ._split_checks import (
    IndexArray,
    Key,
    _check_groups,
    _check_indices,
    _check_meta,
    _check_nested,
    _check_y,
    _key_values,
    _natural_key,
    _natural_unique,
    _need_groups,
    check_no_leakage,
    check_no_temporal_overlap,
)
from .predefined_split import PredefinedSplit
from .sklearn_split import SklearnSplit, as_sklearn
from .temporal_splits import TimeOrderedSplit, TimeSeriesCV

__all__ = [
    "INNER_BY",
    "SPLITTERS",
    "BaseSplitter",
    "CrossSessionSplit",
    "HoldoutSubjects",
    "LeaveOneSubjectOut",
    "PatientGroupKFold",
    "PredefinedSplit",
    "SklearnSplit",
    "SubjectTrialSplit",
    "TimeOrderedSplit",
    "TimeSeriesCV",
    "as_sklearn",
    "check_no_leakage",
    "check_no_temporal_overlap",
    "create_splitter",
    "inner_validation_split",
]


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

    def inner_by(self, groups: pd.DataFrame) -> str:
        """The inner validation split of the subject-dependent protocol is by trial.

        Parameters
        ----------
        groups : DataFrame of shape (n_samples, n_columns)
            The groups the inner split draws from (checked, otherwise unused).

        Returns
        -------
        by : str
            ``"trial"``: whole training trials of the same subjects validate.
        """
        _check_groups(groups, ("trial",))
        return "trial"

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

    def inner_by(self, groups: pd.DataFrame) -> str:
        """Per subject, whole trials of the training sessions validate; pooled, the base rule.

        Parameters
        ----------
        groups : DataFrame of shape (n_samples, n_columns)
            The groups the inner split draws from.

        Returns
        -------
        by : str
            ``"trial"`` with ``per_subject=True`` (each fold trains on one subject, so no
            subject can be held out for validation); otherwise ``"subject"`` when ``groups``
            holds more than 2 subjects, else ``"trial"``.
        """
        if self.per_subject:
            _check_groups(groups, ("trial",))
            return "trial"
        return super().inner_by(groups)

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
        The group kept whole (usually ``splitter.inner_by(groups)``). ``"record"``: whole
        records (for ``predefined``, where a record is one text or window: random rows of the
        training part). ``"time"``: within each subject the last ``fraction`` of time
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
    check_option(by, INNER_BY, "by")
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
