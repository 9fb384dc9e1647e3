"""The splitter base classes and the :data:`SPLITTERS` registry (see :mod:`.splits`)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._validation import check_type
from ..registry import Registry
from ._split_checks import (
    IndexArray,
    Key,
    _check_groups,
    _check_meta,
    _check_y,
    _optional_meta,
    check_no_leakage,
    check_no_temporal_overlap,
)

__all__ = ["INNER_BY", "SPLITTERS", "BaseSplitter"]

SPLITTERS: Registry[type[BaseSplitter]] = Registry("splitter")

#: The values of ``by`` that :func:`~mindstate.evaluate.splits.inner_validation_split` accepts
#: (and that :meth:`BaseSplitter.inner_by` returns): a group column kept whole, or ``"time"``.
INNER_BY: tuple[str, ...] = ("subject", "trial", "patient", "session", "record", "time")


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
        times = self._meta(meta, len(g))
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

    def _meta(self, meta: Any, n: int) -> pd.DataFrame | None:
        """Validated per-sample ``meta`` columns handed to :meth:`_folds` (``start``/``stop``)."""
        if self.needs_meta:
            return _check_meta(meta, n, self.protocol)
        return _optional_meta(meta, n)

    def inner_by(self, groups: pd.DataFrame) -> str:
        """The group kept whole by the inner (early-stopping/calibration) validation split.

        The value is meant for ``inner_validation_split(..., by=splitter.inner_by(groups))``,
        so that the inner validation part is as unseen as this splitter's test part. By
        default: ``"subject"`` when ``groups`` holds more than 2 distinct subjects, else
        ``"trial"``. Subclasses override it (``"trial"`` for ``subject-trial``, ``"time"`` for
        the time splits, the patient for ``group-kfold``, ``"record"`` for ``predefined``).

        Parameters
        ----------
        groups : DataFrame of shape (n_samples, n_columns)
            The groups the inner split draws from: the outer training rows
            (``groups.iloc[train_idx]``) or, to decide once per run, all of ``Windows.groups``.

        Returns
        -------
        by : str
            One of :data:`INNER_BY`.
        """
        g = _check_groups(groups, ("subject",))
        return "subject" if g["subject"].nunique() > 2 else "trial"

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

    def inner_by(self, groups: pd.DataFrame) -> str:
        """The group kept whole by the inner validation split: this splitter's ``group``.

        With ``group="subject"`` the base rule applies (``"subject"`` when ``groups`` holds
        more than 2 subjects, else ``"trial"``).

        Parameters
        ----------
        groups : DataFrame of shape (n_samples, n_columns)
            The groups the inner split draws from (outer training rows, or all of them).

        Returns
        -------
        by : str
            One of :data:`INNER_BY`.
        """
        group = check_type(self.group, str, "group")
        if group == "subject":
            return super().inner_by(groups)
        _check_groups(groups, (group,))
        if group not in INNER_BY or group == "time":
            allowed = [b for b in INNER_BY if b != "time"]
            raise ValueError(
                f"{type(self).__name__}(group={group!r}) has no matching inner validation "
                f"grouping; inner_validation_split keeps one of {allowed} whole. Pass by=... "
                "to inner_validation_split yourself, or use one of those columns as group."
            )
        return group
