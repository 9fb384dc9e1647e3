"""The ``Windows(X, y, groups, meta)`` container every model trains on.

It lives in ``io`` so that dataset readers which cut labelled windows themselves (e.g.
:func:`mindstate.io.datasets.hms.load_hms_windows`) can return it; the cutting functions
are in :mod:`mindstate.data.windows`, which re-exports :class:`Windows` and
:data:`GROUP_COLUMNS` unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["GROUP_COLUMNS", "Windows"]

#: Columns of ``Windows.groups``, used by the splitters.
GROUP_COLUMNS = ("subject", "session", "trial", "patient", "record")


class Windows(NamedTuple):
    """Windows ready for a model: unpack as ``X, y, groups, meta = windows``.

    Parameters
    ----------
    X : ndarray of shape (n_windows, n_chans, n_times) | dict of str to ndarray | ndarray
        The window signals: EEG in volts; for physiology a dict mapping each signal name to
        ``(n_windows, n_chans, n_samples_at_its_rate)``; for text an object array of
        ``n_windows`` strings.
    y : ndarray of shape (n_windows,) or (n_windows, n_classes) or (n_windows, n_targets)
        Integer class indices, vote distributions (soft labels) or continuous targets.
    groups : DataFrame of shape (n_windows, 5)
        Columns ``subject, session, trial, patient, record`` (strings), used by the
        splitters.
    meta : DataFrame with n_windows rows
        The source ``record`` and the window ``start`` and ``stop`` in seconds (text:
        ``record`` and ``split``).
    """

    X: Any
    y: NDArray[Any]
    groups: pd.DataFrame
    meta: pd.DataFrame

    def __len__(self) -> int:
        return len(self.y)

    def subset(self, idx: NDArray[Any] | Sequence[int]) -> Windows:
        """Return the windows at ``idx`` (integer indices or a boolean mask)."""
        idx = np.asarray(idx)
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        if isinstance(self.X, dict):
            X: Any = {k: v[idx] for k, v in self.X.items()}
        else:
            X = self.X[idx]
        return Windows(X, self.y[idx], self.groups.iloc[idx].reset_index(drop=True),
                       self.meta.iloc[idx].reset_index(drop=True))
