"""The ``predefined`` protocol: a dataset's own train/dev/test assignment (EmoBank, GLUE-style).

The assignment is read from a ``meta`` column (``meta["split"]`` for EmoBank windows). The
official test part is excluded from both sides, so training code never reads it; a value
that is neither train, test nor excluded is an error rather than silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._validation import check_type, describe, suggest
from ._split_base import SPLITTERS, BaseSplitter
from ._split_checks import IndexArray, Key, _check_groups

__all__ = ["PredefinedSplit"]


@SPLITTERS.register("predefined")
class PredefinedSplit(BaseSplitter):
    """One fold given by the data set itself: rows labelled ``train`` vs rows labelled ``test``.

    Rows whose value of ``meta[column]`` is in ``exclude`` (by default the official
    ``"test"`` part) are in neither side. Every sample's ``record`` is protected: a record id
    found on both sides raises :class:`~mindstate.exceptions.LeakageError`.

    Parameters
    ----------
    column : str
        The ``meta`` column holding each row's assignment (default ``"split"``).
    train : str
        The value marking training rows (default ``"train"``).
    test : str
        The value marking the rows to evaluate on (default ``"dev"``; the official test part
        is for a final, separate evaluation only).
    exclude : str | sequence of str
        Values whose rows are never used, neither for training nor for testing (default
        ``("test",)``). Any value that is not ``train``, ``test`` or excluded raises
        ``ValueError``.

    Examples
    --------
    >>> sp = PredefinedSplit()  # EmoBank: train on "train", evaluate on "dev", never "test"
    >>> train_idx, dev_idx = next(sp.split(windows.groups, meta=windows.meta))  # doctest: +SKIP
    """

    protocol = "predefined"
    columns = ("record",)

    def __init__(
        self,
        column: str = "split",
        train: str = "train",
        test: str = "dev",
        exclude: str | Sequence[str] = ("test",),
    ) -> None:
        self.column = column
        self.train = train
        self.test = test
        self.exclude = exclude

    def excluded(self) -> tuple[str, tuple[str, ...]]:
        """The split column and the values whose rows must never be read.

        The experiment layer drops those rows when it reads a corpus, before any encoder or
        chain sees them (the official test split stays unread by training code).

        Returns
        -------
        column : str
            The split column.
        values : tuple of str
            The excluded values.
        """
        column, _, _, exclude = self._values()
        return column, exclude

    def _values(self) -> tuple[str, str, str, tuple[str, ...]]:
        """Validated ``(column, train, test, exclude)``."""
        column = check_type(self.column, str, "column")
        train = check_type(self.train, str, "train")
        test = check_type(self.test, str, "test")
        exclude_in = self.exclude
        if isinstance(exclude_in, str):
            exclude_in = (exclude_in,)
        if not isinstance(exclude_in, Sequence):
            raise TypeError(
                f"exclude must be a str or a sequence of str (e.g. ('test',)); got "
                f"{describe(self.exclude)}."
            )
        exclude = tuple(check_type(v, str, "exclude[]") for v in exclude_in)
        if train == test:
            raise ValueError(
                f"train and test must be different values of meta[{column!r}]; both are "
                f"{train!r}."
            )
        clash = [v for v in (train, test) if v in exclude]
        if clash:
            raise ValueError(
                f"exclude={list(exclude)} contains the train/test value(s) {clash}; an excluded "
                "value is used on neither side. Remove it from exclude."
            )
        return column, train, test, exclude

    def _meta(self, meta: Any, n: int) -> pd.DataFrame:
        column = self._values()[0]
        if meta is None:
            raise ValueError(
                f"The 'predefined' split needs meta with a {column!r} column; got None. Pass "
                "meta=windows.meta."
            )
        if not isinstance(meta, pd.DataFrame):
            raise TypeError(f"meta must be a pandas DataFrame; got {describe(meta)}.")
        if column not in meta.columns:
            present = [str(c) for c in meta.columns]
            raise ValueError(
                f"meta lacks the column {column!r} needed by the 'predefined' split; got "
                f"columns {present}.{suggest(column, present)} Pass column=... naming the "
                "column that holds each row's train/dev/test assignment."
            )
        if len(meta) != n:
            raise ValueError(f"meta must have one row per sample ({n}); got {len(meta)} rows.")
        values = meta[column]
        labels = np.where(values.isna().to_numpy(), "<missing>", values.astype(str).to_numpy())
        return pd.DataFrame({column: labels})

    def _protected(self) -> list[Key]:
        return ["record"]

    def _assignment(self, times: pd.DataFrame) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
        """Boolean train and test masks; ``ValueError`` on unknown values or an empty side."""
        column, train, test, exclude = self._values()
        labels = times[column].to_numpy()
        known = {train, test, *exclude}
        unexpected = sorted({str(v) for v in labels} - known)
        if unexpected:
            n_bad = int(np.sum(~np.isin(labels, list(known))))
            raise ValueError(
                f"meta[{column!r}] holds unexpected value(s) {unexpected[:10]} in {n_bad} "
                f"row(s); expected train={train!r}, test={test!r} or one of "
                f"exclude={list(exclude)}. Fix the column, or add the value(s) to exclude."
            )
        is_train = labels == train
        is_test = labels == test
        for side, value, mask in (("train", train, is_train), ("test", test, is_test)):
            if not mask.any():
                raise ValueError(
                    f"The 'predefined' split found no rows with meta[{column!r}] == {value!r} "
                    f"for its {side} side; present values: {sorted(set(labels.tolist()))}."
                )
        return is_train, is_test

    def _folds(
        self, g: pd.DataFrame, y: NDArray[Any] | None, times: pd.DataFrame | None
    ) -> Iterator[tuple[IndexArray, IndexArray]]:
        assert times is not None  # _meta never returns None here
        is_train, is_test = self._assignment(times)
        yield np.flatnonzero(is_train), np.flatnonzero(is_test)

    def _n_splits(self, g: pd.DataFrame) -> int:
        return 1

    def get_n_splits(
        self, groups: pd.DataFrame | None = None, y: Any = None, meta: pd.DataFrame | None = None
    ) -> int:
        """Number of folds: always 1.

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
            1.
        """
        return 1

    def inner_by(self, groups: pd.DataFrame) -> str:
        """The inner validation split of ``predefined`` draws random records: ``"record"``.

        Parameters
        ----------
        groups : DataFrame of shape (n_samples, n_columns)
            The groups the inner split draws from (needs the ``record`` column).

        Returns
        -------
        by : str
            ``"record"``: random whole records (rows) of the training part validate.
        """
        _check_groups(groups, ("record",))
        return "record"
