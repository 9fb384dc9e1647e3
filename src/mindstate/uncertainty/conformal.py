"""Split conformal prediction sets for classifiers, with a distribution-free coverage guarantee.

Fit on a calibration set (held out from training, e.g. other subjects) of predicted
probabilities and true labels; for a new sample the set contains every class whose
non-conformity score is at most the calibrated quantile. If calibration and test samples are
exchangeable, ``P(y in set) >= 1 - alpha`` (Vovk et al., 2005; Angelopoulos & Bates, 2021).

Scores:

- ``"lac"`` (least ambiguous set-valued classifier, Sadinle et al., 2019): ``1 - p_y``;
  smallest sets on average.
- ``"aps"`` (adaptive prediction sets, Romano et al., 2020, non-randomised): the probability
  mass of the classes ranked at or above ``y``; sets adapt to how hard the sample is.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_array, check_fitted, check_option, check_range, describe

__all__ = ["SplitConformalClassifier", "empirical_coverage"]


def _proba(proba: Any, name: str = "proba") -> NDArray[np.float64]:
    if hasattr(proba, "detach"):
        proba = proba.detach().cpu().numpy()
    p = check_array(proba, name, ndim=2, shape_hint="(n_samples, n_classes)")
    if p.shape[0] == 0 or p.shape[1] < 2:
        raise ValueError(f"{name} must have shape (n_samples >= 1, n_classes >= 2); got {p.shape}.")
    if np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError(
            f"{name} must hold probabilities (non-negative rows summing to 1); calibrate or "
            "apply softmax first."
        )
    return p


def _labels(y: Any, n: int, n_classes: int) -> NDArray[np.int64]:
    if hasattr(y, "detach"):
        y = y.detach().cpu().numpy()
    arr = np.asarray(y)
    if arr.shape != (n,) or arr.dtype.kind not in "iu":
        raise ValueError(f"y must be ({n},) integer class indices; got {describe(arr)}.")
    if arr.min() < 0 or arr.max() >= n_classes:
        raise ValueError(f"y must lie in 0..{n_classes - 1}; got {arr.min()}..{arr.max()}.")
    return arr.astype(np.int64)


def _cumulative_mass(p: NDArray[np.float64]) -> NDArray[np.float64]:
    """(n, C): mass of the classes ranked at or above each class (descending p, stable ties)."""
    order = np.argsort(-p, axis=1, kind="stable")
    cum_sorted = np.cumsum(np.take_along_axis(p, order, axis=1), axis=1)
    cum = np.empty_like(p)
    np.put_along_axis(cum, order, cum_sorted, axis=1)
    return cum


def empirical_coverage(sets: Any, y: Any) -> float:
    """Fraction of samples whose true class is in its prediction set.

    Parameters
    ----------
    sets : array-like of bool, shape (n_samples, n_classes)
        Prediction sets as a mask.
    y : array-like of int, shape (n_samples,)
        True classes.

    Returns
    -------
    coverage : float
        In [0, 1].
    """
    s = np.asarray(sets, dtype=bool)
    if s.ndim != 2:
        raise ValueError(f"sets must have shape (n_samples, n_classes); got {s.shape}.")
    lab = _labels(y, s.shape[0], s.shape[1])
    return float(s[np.arange(s.shape[0]), lab].mean())


class SplitConformalClassifier:
    """Split conformal prediction sets from predicted probabilities.

    Parameters
    ----------
    score : {"lac", "aps"}
        The non-conformity score.
    alpha : float
        Default miscoverage level in (0, 1): sets cover the true class with probability at
        least ``1 - alpha``.
    allow_empty : bool
        If False (default), the top class is always in the set (coverage can only rise).

    Attributes
    ----------
    scores_ : ndarray of shape (n_cal,)
        Calibration scores, sorted.
    n_classes_ : int
        Number of classes.
    """

    def __init__(self, score: str = "lac", alpha: float = 0.1, *, allow_empty: bool = False):
        self.score = score
        self.alpha = alpha
        self.allow_empty = allow_empty

    def _scores(self, p: NDArray[np.float64]) -> NDArray[np.float64]:
        """(n, C) score of every candidate class."""
        return 1.0 - p if self.score == "lac" else _cumulative_mass(p)

    def fit(self, proba: Any, y: Any) -> SplitConformalClassifier:
        """Compute the calibration scores.

        Parameters
        ----------
        proba : array-like of shape (n_cal, n_classes)
            Predicted probabilities on calibration data (not used in training).
        y : array-like of int, shape (n_cal,)
            True classes.

        Returns
        -------
        self : SplitConformalClassifier
            The calibrated predictor.
        """
        check_option(self.score, ("lac", "aps"), "score")
        check_range(self.alpha, "alpha", 0.0, 1.0, inclusive=(False, False))
        p = _proba(proba)
        lab = _labels(y, p.shape[0], p.shape[1])
        all_scores = self._scores(p)
        self.scores_ = np.sort(all_scores[np.arange(p.shape[0]), lab])
        self.n_classes_ = int(p.shape[1])
        return self

    def quantile(self, alpha: float | None = None) -> float:
        """Return the calibrated threshold, the ``ceil((n + 1)(1 - alpha)) / n`` quantile.

        Parameters
        ----------
        alpha : float | None
            Miscoverage level (default ``self.alpha``).

        Returns
        -------
        q : float
            Score threshold; ``inf`` (every class in every set) when the calibration set is
            too small for ``alpha``.
        """
        check_fitted(self, "scores_")
        a = self.alpha if alpha is None else alpha
        a = check_range(a, "alpha", 0.0, 1.0, inclusive=(False, False))
        n = self.scores_.shape[0]
        k = int(np.ceil((n + 1) * (1 - a)))
        return float("inf") if k > n else float(self.scores_[k - 1])

    def predict_sets(self, proba: Any, alpha: float | None = None) -> NDArray[np.bool_]:
        """Prediction sets as a boolean mask.

        Parameters
        ----------
        proba : array-like of shape (n_samples, n_classes)
            Predicted probabilities on new data.
        alpha : float | None
            Miscoverage level (default ``self.alpha``).

        Returns
        -------
        sets : ndarray of bool, shape (n_samples, n_classes)
            ``sets[i, c]`` is True when class ``c`` is in sample ``i``'s set.
        """
        check_fitted(self, "scores_")
        q = self.quantile(alpha)
        p = _proba(proba)
        if p.shape[1] != self.n_classes_:
            raise ValueError(
                f"proba has {p.shape[1]} classes but the calibration had {self.n_classes_}."
            )
        sets = self._scores(p) <= q + 1e-12
        if not self.allow_empty:
            sets[np.arange(p.shape[0]), p.argmax(axis=1)] = True
        return sets

    def __repr__(self) -> str:
        return (f"SplitConformalClassifier(score={self.score!r}, alpha={self.alpha!r}, "
                f"allow_empty={self.allow_empty!r})")
