"""A scikit-learn ``cv`` view of the splitters: ``split(X, y=None, groups=None)``.

scikit-learn passes ``groups`` as one array per sample; our splitters need the
``Windows.groups`` DataFrame (``subject, session, trial, patient, record``). The adapter accepts
either: the DataFrame as is, or a 1-D array of subject ids from which the other columns are
derived (session ``""``, trial = record = the row index, patient = subject).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from .._validation import describe
from ._split_base import SPLITTERS, BaseSplitter
from ._split_checks import IndexArray

__all__ = ["SklearnSplit", "as_sklearn"]

GROUP_COLUMNS = ("subject", "session", "trial", "patient", "record")


def _n_samples(X: Any) -> int:
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) >= 1:
        return int(shape[0])
    try:
        return len(X)
    except TypeError as exc:
        raise TypeError(
            f"X must be array-like with one row per sample; got {describe(X)}."
        ) from exc


def _groups_frame(groups: Any, n: int | None) -> pd.DataFrame:
    """``groups`` as the 5-column DataFrame the splitters take (derived from subject ids)."""
    if groups is None:
        raise ValueError(
            "groups is required by the mindstate splitters; got None. Pass groups= with one "
            "subject id per row of X, or the Windows.groups DataFrame (e.g. "
            "cross_val_score(est, X, y, groups=subjects, cv=SklearnSplit(LeaveOneSubjectOut())))."
        )
    if isinstance(groups, pd.DataFrame):
        frame = groups.reset_index(drop=True)
    else:
        subjects = np.asarray(groups)
        if subjects.ndim != 1:
            raise ValueError(
                "groups must be a 1-D array of subject ids (one per row of X) or a DataFrame "
                f"with columns {list(GROUP_COLUMNS)}; got an array of shape {subjects.shape}."
            )
        rows = np.arange(subjects.shape[0]).astype(str)
        frame = pd.DataFrame({
            "subject": subjects, "session": "", "trial": rows, "patient": subjects,
            "record": rows,
        })
    if n is not None and len(frame) != n:
        raise ValueError(
            f"groups must have one entry per row of X ({n}); got {len(frame)}."
        )
    return frame


class SklearnSplit:
    """A splitter seen as a scikit-learn cross-validator (``cv=`` of ``cross_val_score``).

    The folds are the wrapped splitter's, with all its leakage checks.

    Parameters
    ----------
    splitter : BaseSplitter | str
        The splitter, or the registered name of one built with its default arguments.
    meta : DataFrame of shape (n_samples, n_columns) | None
        ``Windows.meta`` for the splitters that read it (the time splits, ``predefined``,
        ``subject-trial``'s trial order); scikit-learn has no argument for it. Its rows must
        match the rows of ``X``.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import cross_val_score
    >>> cv = SklearnSplit(LeaveOneSubjectOut())  # doctest: +SKIP
    >>> cross_val_score(LogisticRegression(), X, y, groups=subjects, cv=cv)  # doctest: +SKIP
    """

    def __init__(self, splitter: BaseSplitter | str, meta: pd.DataFrame | None = None) -> None:
        self.splitter = splitter
        self.meta = meta

    def _splitter(self) -> BaseSplitter:
        if isinstance(self.splitter, str):
            return SPLITTERS.get(self.splitter)()
        if not isinstance(self.splitter, BaseSplitter):
            raise TypeError(
                "splitter must be a mindstate splitter (BaseSplitter, e.g. "
                f"LeaveOneSubjectOut()) or a registered name; got {describe(self.splitter)}."
            )
        return self.splitter

    def split(
        self, X: Any, y: Any = None, groups: Any = None
    ) -> Iterator[tuple[IndexArray, IndexArray]]:
        """Yield ``(train_idx, test_idx)`` for the rows of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            The samples; only their number is used.
        y : array-like of shape (n_samples,) or (n_samples, n_classes) | None
            Labels, used by stratified splitters.
        groups : array-like of shape (n_samples,) | DataFrame of shape (n_samples, 5)
            Subject ids, or ``Windows.groups`` (subject, session, trial, patient, record).

        Returns
        -------
        folds : iterator of (ndarray of int64, ndarray of int64)
            Sorted train and test indices per fold, checked for leakage.
        """
        splitter = self._splitter()
        frame = _groups_frame(groups, _n_samples(X))
        return splitter.split(frame, y, self.meta)

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """Number of folds :meth:`split` yields.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...) | None
            The samples; only their number is used (to check ``groups``).
        y : array-like | None
            Unused.
        groups : array-like of shape (n_samples,) | DataFrame | None
            As in :meth:`split`; needed when the number of folds depends on the groups (LOSO).

        Returns
        -------
        n_splits : int
            The number of folds.
        """
        splitter = self._splitter()
        frame = None if groups is None else _groups_frame(
            groups, None if X is None else _n_samples(X))
        return splitter.get_n_splits(frame, y, self.meta)

    def get_metadata_routing(self) -> Any:
        """Request ``groups`` for ``split`` under scikit-learn metadata routing.

        Returns
        -------
        routing : sklearn.utils.metadata_routing.MetadataRequest
            A request for ``groups`` in ``split``, as ``GroupKFold`` makes.
        """
        from sklearn.utils.metadata_routing import MetadataRequest

        request = MetadataRequest(owner=type(self).__name__)
        request.split.add_request(param="groups", alias=True)
        return request

    def __repr__(self) -> str:
        return f"SklearnSplit({self.splitter!r})"


def as_sklearn(splitter: BaseSplitter | str, meta: pd.DataFrame | None = None) -> SklearnSplit:
    """Wrap a splitter as a scikit-learn cross-validator (see :class:`SklearnSplit`).

    Parameters
    ----------
    splitter : BaseSplitter | str
        The splitter, or the registered name of one built with its default arguments.
    meta : DataFrame of shape (n_samples, n_columns) | None
        ``Windows.meta`` for the splitters that read it.

    Returns
    -------
    cv : SklearnSplit
        An object with ``split(X, y=None, groups=None)`` and ``get_n_splits``.
    """
    return SklearnSplit(splitter, meta)
