"""Time-based splitters: ``time-ordered`` (train on the past) and ``time-series-cv``.

Both lay each subject's records end to end in natural order, purge windows that straddle a
cut, and check every fold with :func:`~mindstate.evaluate.splits.check_no_temporal_overlap`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._validation import check_int, check_range
from ._split_base import SPLITTERS, BaseSplitter
from ._split_checks import Key, _check_groups, _natural_key

__all__ = ["TimeOrderedSplit", "TimeSeriesCV"]


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


class _TimeSplitter(BaseSplitter):
    """Shared parts of the time splits: they need ``meta`` and protect time, not a group."""

    columns = ("subject", "record")
    needs_meta = True

    def _protected(self) -> list[Key]:
        return []

    def inner_by(self, groups: pd.DataFrame) -> str:
        """The inner validation split of a time split is by time: ``"time"``.

        Parameters
        ----------
        groups : DataFrame of shape (n_samples, n_columns)
            The groups the inner split draws from (checked, otherwise unused).

        Returns
        -------
        by : str
            ``"time"``: within each subject the last part of the training time validates.
        """
        _check_groups(groups, ("subject",))
        return "time"


@SPLITTERS.register("time-ordered")
class TimeOrderedSplit(_TimeSplitter):
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
    def __init__(self, train_frac: float = 0.8, *, gap_s: float = 0.0) -> None:
        self.train_frac = train_frac
        self.gap_s = gap_s

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
class TimeSeriesCV(_TimeSplitter):
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
    def __init__(self, n_splits: int = 5, *, gap_s: float = 0.0) -> None:
        self.n_splits = n_splits
        self.gap_s = gap_s

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
