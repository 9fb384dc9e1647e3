"""Classification, regression and calibration metrics, with JSON-safe outputs.

Every metric that is undefined for the data at hand (ROC-AUC when a class is absent from
``y_true``, R² or Pearson r of a constant target) is reported as ``None`` (JSON ``null``),
never as NaN, so ``metrics.json`` stays valid and nothing is averaged silently. The
regression scores live in :mod:`mindstate.evaluate.regression` and are re-exported here.

The HMS score is :func:`kl_divergence`, the exact Kaggle metric: vote rows normalised to
fractions, the submission clipped to ``[1e-15, 1 - 1e-15]``, ``y * ln(y / p)`` with 0 where
``y == 0``, summed over classes and averaged over rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._validation import check_array, check_int, check_range, describe
from .regression import concordance_correlation, regression_metrics

__all__ = [
    "HMS_EPS",
    "ReliabilityCurve",
    "bootstrap_ci",
    "brier_score",
    "classification_metrics",
    "concordance_correlation",
    "expected_calibration_error",
    "kl_divergence",
    "log_loss",
    "per_group_metrics",
    "regression_metrics",
    "reliability_curve",
]

#: Clipping bound of the submission in the Kaggle HMS KL metric (dimensionless probability).
HMS_EPS = 1e-15
#: Tolerance on row sums of probabilities.
_SUM_TOL = 1e-3


# ---------------------------------------------------------------------------------------------
# validation


def _check_proba(proba: Any, name: str = "proba") -> NDArray[np.float64]:
    """(n, C) non-negative rows summing to 1 (within 1e-3), returned renormalised as a copy."""
    p = check_array(proba, name, ndim=2, shape_hint="(n_samples, n_classes)")
    if p.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one row; got shape {p.shape}.")
    if p.shape[1] < 2:
        raise ValueError(f"{name} must have at least 2 class columns; got shape {p.shape}.")
    if np.any(p < 0) or np.any(p > 1 + _SUM_TOL):
        raise ValueError(
            f"{name} must hold probabilities in [0, 1]; got values in [{p.min():.4g}, "
            f"{p.max():.4g}]. Apply softmax to logits first."
        )
    sums = p.sum(axis=1)
    if not np.allclose(sums, 1.0, atol=_SUM_TOL, rtol=0.0):
        worst = int(np.argmax(np.abs(sums - 1.0)))
        raise ValueError(
            f"{name} rows must sum to 1; row {worst} sums to {sums[worst]:.6g}. Apply softmax to "
            "logits first."
        )
    return p / sums[:, None]


def _check_targets(y_true: Any, n: int, n_classes: int) -> tuple[NDArray[np.int64],
                                                                  NDArray[np.float64] | None]:
    """Return hard labels and, for soft targets, the rows normalised to fractions."""
    if isinstance(y_true, (str, bytes)) or y_true is None:
        raise TypeError(f"y_true must be array-like; got {describe(y_true)}.")
    y = np.asarray(y_true)
    if y.ndim == 2:
        yt = check_array(y, "y_true", ndim=2)
        if yt.shape != (n, n_classes):
            raise ValueError(
                f"Soft y_true must have shape (n_samples, n_classes) = ({n}, {n_classes}) like "
                f"proba; got {yt.shape}."
            )
        if np.any(yt < 0):
            raise ValueError("Soft y_true (vote counts or fractions) must be non-negative.")
        sums = yt.sum(axis=1)
        if np.any(sums <= 0):
            raise ValueError(
                f"Soft y_true row {int(np.argmin(sums))} sums to 0; every row needs at least one "
                "vote."
            )
        soft = yt / sums[:, None]
        return np.argmax(soft, axis=1).astype(np.int64), soft
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError(
            f"y_true must have shape ({n},) (class indices) or ({n}, {n_classes}) (soft labels); "
            f"got shape {y.shape}."
        )
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
            raise ValueError("y_true class indices must be integers; got non-integer floats.")
        y = y.astype(np.int64)
    if y.dtype.kind not in "iu":
        raise TypeError(
            f"y_true must hold integer class indices; got {describe(y)}. Encode class names "
            "with their index in `classes`."
        )
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(
            f"y_true class indices must lie in 0..{n_classes - 1} (proba has {n_classes} "
            f"columns); got values in {int(y.min())}..{int(y.max())}."
        )
    return y.astype(np.int64), None


def _class_names(classes: Sequence[Any] | None, n_classes: int) -> list[str]:
    if classes is None:
        return [str(i) for i in range(n_classes)]
    names = [str(c) for c in classes]
    if len(names) != n_classes:
        raise ValueError(
            f"classes must name the {n_classes} proba columns; got {len(names)} names {names}."
        )
    if len(set(names)) != len(names):
        raise ValueError(f"classes must be unique; got {names}.")
    return names


def _none_if_nan(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


# ---------------------------------------------------------------------------------------------
# probabilistic scores


def kl_divergence(y_true: Any, proba: Any, *, per_row: bool = False) -> Any:
    """The exact Kaggle HMS metric: mean over rows of KL(target ‖ submission).

    Parameters
    ----------
    y_true : array-like of shape (n_samples, n_classes)
        Vote counts or fractions (non-negative); each row is normalised to sum to 1.
    proba : array-like of shape (n_samples, n_classes)
        Predicted probabilities; rows must sum to 1 (as Kaggle requires). They are clipped to
        ``[1e-15, 1 - 1e-15]`` (only the submission is clipped, as in the Kaggle code).
    per_row : bool
        Return the (n_samples,) per-row divergences instead of their mean.

    Returns
    -------
    kl : float | ndarray of shape (n_samples,)
        In nats; 0 for a perfect prediction, lower is better.
    """
    p = _check_proba(proba)
    yt = check_array(y_true, "y_true", ndim=2, shape_hint="(n_samples, n_classes)")
    _, soft = _check_targets(yt, p.shape[0], p.shape[1])
    assert soft is not None  # 2-D input always gives soft targets
    q = np.clip(p, HMS_EPS, 1 - HMS_EPS)
    pos = soft > 0
    cell = np.zeros_like(soft)
    cell[pos] = soft[pos] * np.log(soft[pos] / q[pos])
    rows = cell.sum(axis=1)
    return rows if per_row else float(rows.mean())


def log_loss(y_true: Any, proba: Any, *, eps: float = HMS_EPS) -> float:
    """Mean cross-entropy ``-sum_c y_c ln p_c`` (nats); hard or soft ``y_true``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_classes)
        Class indices or soft labels (rows normalised).
    proba : array-like of shape (n_samples, n_classes)
        Predicted probabilities.
    eps : float
        Lower clip of the probabilities (dimensionless, default 1e-15), so a zero probability
        on the true class gives a large finite loss.

    Returns
    -------
    loss : float
        Mean cross-entropy in nats.
    """
    p = _check_proba(proba)
    y, soft = _check_targets(y_true, p.shape[0], p.shape[1])
    target = soft if soft is not None else np.eye(p.shape[1])[y]
    return float(-(target * np.log(np.clip(p, eps, 1.0))).sum(axis=1).mean())


def brier_score(y_true: Any, proba: Any) -> float:
    """Multi-class Brier score ``mean_i sum_c (p_ic - y_ic)^2`` (Brier 1950), in [0, 2].

    For two classes this is twice scikit-learn's ``brier_score_loss`` on the positive class.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_classes)
        Class indices (one-hot encoded) or soft labels (used as distributions).
    proba : array-like of shape (n_samples, n_classes)
        Predicted probabilities.

    Returns
    -------
    brier : float
        Mean squared distance between prediction and target distributions.
    """
    p = _check_proba(proba)
    y, soft = _check_targets(y_true, p.shape[0], p.shape[1])
    target = soft if soft is not None else np.eye(p.shape[1])[y]
    return float(((p - target) ** 2).sum(axis=1).mean())


class ReliabilityCurve(NamedTuple):
    """Top-label reliability diagram data (equal-width confidence bins).

    Parameters
    ----------
    bin_edges : ndarray of shape (n_bins + 1,)
        Bin edges on [0, 1].
    confidence : ndarray of shape (n_bins,)
        Mean top-label confidence per bin (NaN in empty bins).
    accuracy : ndarray of shape (n_bins,)
        Fraction correct per bin (NaN in empty bins).
    count : ndarray of shape (n_bins,)
        Number of samples per bin.
    """

    bin_edges: NDArray[np.float64]
    confidence: NDArray[np.float64]
    accuracy: NDArray[np.float64]
    # The field shadows tuple.count (public API name, kept; unpacking and .count work).
    count: NDArray[np.int64]  # type: ignore[assignment]


def reliability_curve(y_true: Any, proba: Any, n_bins: int = 15) -> ReliabilityCurve:
    """Mean confidence and accuracy of the top-label prediction in equal-width bins.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_classes)
        Class indices, or soft labels (their argmax is the true class).
    proba : array-like of shape (n_samples, n_classes)
        Predicted probabilities.
    n_bins : int
        Number of bins on [0, 1]; a confidence ``c`` falls in bin ``(lo, hi]``.

    Returns
    -------
    ReliabilityCurve
        ``bin_edges`` (n_bins + 1,), ``confidence``, ``accuracy`` and ``count`` (n_bins,).
    """
    n_bins = check_int(n_bins, "n_bins", min_value=1)
    p = _check_proba(proba)
    y, _ = _check_targets(y_true, p.shape[0], p.shape[1])
    conf = p.max(axis=1)
    correct = (p.argmax(axis=1) == y).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # bin k holds edges[k] < conf <= edges[k+1]; conf == 0 is impossible for >= 2 classes
    which = np.clip(np.searchsorted(edges, conf, side="left") - 1, 0, n_bins - 1)
    count = np.bincount(which, minlength=n_bins).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.bincount(which, weights=conf, minlength=n_bins) / count
        acc = np.bincount(which, weights=correct, minlength=n_bins) / count
    return ReliabilityCurve(edges, mean_conf, acc, count)


def expected_calibration_error(y_true: Any, proba: Any, n_bins: int = 15) -> float:
    """Top-label expected calibration error with equal-width bins (Guo et al., 2017).

    ``ECE = sum_b |B_b| / n * |acc(B_b) - conf(B_b)|`` over non-empty bins; in [0, 1].

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_classes)
        Class indices or soft labels (argmax).
    proba : array-like of shape (n_samples, n_classes)
        Predicted probabilities.
    n_bins : int
        Number of equal-width confidence bins.

    Returns
    -------
    ece : float
        In [0, 1]; 0 for a perfectly calibrated top label.
    """
    curve = reliability_curve(y_true, proba, n_bins)
    used = curve.count > 0
    weights = curve.count[used] / curve.count.sum()
    return float(np.sum(weights * np.abs(curve.accuracy[used] - curve.confidence[used])))


# ---------------------------------------------------------------------------------------------
# classification


def _roc_auc(y: NDArray[np.int64], p: NDArray[np.float64]) -> tuple[float | None,
                                                                     list[float | None]]:
    """Macro one-vs-rest AUC (None if a class is absent) and the per-class AUCs."""
    from sklearn.metrics import roc_auc_score

    n_classes = p.shape[1]
    per: list[float | None] = []
    for c in range(n_classes):
        pos = y == c
        if pos.all() or not pos.any():
            per.append(None)
        else:
            per.append(float(roc_auc_score(pos, p[:, c])))
    if n_classes == 2:
        return per[1], per
    if any(v is None for v in per):
        return None, per
    return float(np.mean([v for v in per if v is not None])), per


def classification_metrics(
    y_true: Any,
    proba: Any,
    classes: Sequence[Any] | None = None,
    *,
    n_bins: int = 15,
) -> dict[str, Any]:
    """All classification scores of one prediction set, JSON-ready.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_classes)
        Class indices, or soft labels (vote counts or fractions). With soft labels the hard
        metrics use their argmax and ``kl`` (the HMS metric) is added.
    proba : array-like of shape (n_samples, n_classes)
        Predicted probabilities (rows sum to 1).
    classes : list of str | None
        Names of the proba columns (default ``"0"``, ``"1"``, ...).
    n_bins : int
        Bins of the expected calibration error.

    Returns
    -------
    metrics : dict
        ``n_samples``, ``accuracy``, ``balanced_accuracy`` (mean recall over classes present in
        ``y_true``), ``macro_f1``, ``precision``, ``recall`` (macro over classes present in
        ``y_true`` or predicted, as scikit-learn does), ``roc_auc`` (binary: positive class;
        multi-class: one-vs-rest macro; ``None`` when a class is absent from ``y_true``),
        ``ece``, ``brier``, ``log_loss``, ``per_class`` (name → precision, recall, f1, support,
        roc_auc; ``None`` where undefined), ``confusion_matrix`` (rows true, columns
        predicted), and ``kl`` for soft labels.
    """
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    p = _check_proba(proba)
    n, n_classes = p.shape
    names = _class_names(classes, n_classes)
    y, soft = _check_targets(y_true, n, n_classes)
    pred = p.argmax(axis=1)
    labels = np.arange(n_classes)
    prec, rec, f1, support = precision_recall_fscore_support(
        y, pred, labels=labels, average=None, zero_division=0
    )
    present = np.isin(labels, y)
    active = present | np.isin(labels, pred)
    auc, auc_per = _roc_auc(y, p)
    out: dict[str, Any] = {
        "n_samples": int(n),
        "accuracy": float(np.mean(pred == y)),
        "balanced_accuracy": float(np.mean(rec[present])),
        "macro_f1": float(np.mean(f1[active])),
        "precision": float(np.mean(prec[active])),
        "recall": float(np.mean(rec[active])),
        "roc_auc": auc,
        "ece": expected_calibration_error(y, p, n_bins),
        "brier": brier_score(soft if soft is not None else y, p),
        "log_loss": log_loss(soft if soft is not None else y, p),
    }
    if soft is not None:
        out["kl"] = kl_divergence(soft, p)
    out["per_class"] = {
        name: {
            "precision": float(prec[c]) if active[c] else None,
            "recall": float(rec[c]) if present[c] else None,
            "f1": float(f1[c]) if active[c] else None,
            "support": int(support[c]),
            "roc_auc": auc_per[c],
        }
        for c, name in enumerate(names)
    }
    out["confusion_matrix"] = confusion_matrix(y, pred, labels=labels).astype(int).tolist()
    return out


# ---------------------------------------------------------------------------------------------
# per group and confidence intervals


def per_group_metrics(
    y_true: Any,
    proba: Any,
    groups: Any,
    by: str = "subject",
    *,
    classes: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """Classification scores for each group (subject, patient, session ...).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_classes)
        Class indices or soft labels.
    proba : array-like of shape (n_samples, n_classes)
        Predicted probabilities.
    groups : DataFrame | array-like of shape (n_samples,)
        ``Windows.groups`` (column ``by`` is used) or the group label of each sample.
    by : str
        The column of ``groups`` to group by.
    classes : list of str | None
        Class names (only checked for length).

    Returns
    -------
    DataFrame
        One row per group, in natural order, with columns ``by``, ``n_samples``, ``accuracy``,
        ``balanced_accuracy``, ``macro_f1``, ``log_loss``, ``ece`` (and ``kl`` for soft
        labels); undefined values are NaN in the frame (``None`` after ``to_dict``).
    """
    p = _check_proba(proba)
    y, soft = _check_targets(y_true, p.shape[0], p.shape[1])
    _class_names(classes, p.shape[1])
    if isinstance(groups, pd.DataFrame):
        if by not in groups.columns:
            raise ValueError(f"groups lacks column {by!r}; got columns {list(groups.columns)}.")
        labels = groups[by].astype(str).to_numpy()
    else:
        labels = np.asarray(groups).astype(str)
    if labels.shape != (p.shape[0],):
        raise ValueError(
            f"groups must give one label per sample ({p.shape[0]}); got shape {labels.shape}."
        )
    from .splits import _natural_key

    rows = []
    for g in sorted(set(labels), key=_natural_key):
        m = labels == g
        target = soft[m] if soft is not None else y[m]
        full = classification_metrics(target, p[m])
        row = {by: g}
        for key in ("n_samples", "accuracy", "balanced_accuracy", "macro_f1", "log_loss", "ece"):
            row[key] = full[key]
        if soft is not None:
            row["kl"] = full["kl"]
        rows.append(row)
    return pd.DataFrame(rows)


def bootstrap_ci(
    metric_fn: Callable[[Any, Any], Any],
    y_true: Any,
    y_pred: Any,
    n_boot: int = 1000,
    alpha: float = 0.05,
    groups: Any = None,
    random_state: int | None = None,
) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of a metric.

    Parameters
    ----------
    metric_fn : callable
        ``metric_fn(y_true_sample, y_pred_sample) -> float`` (or ``None`` when undefined).
    y_true, y_pred : array-like with n_samples rows
        Targets and predictions (or probabilities), indexed along the first axis.
    n_boot : int
        Number of resamples.
    alpha : float
        Two-sided level: the interval holds the central ``1 - alpha`` of the resampled values.
    groups : array-like of shape (n_samples,) | None
        When given, resample whole groups (cluster bootstrap, e.g. by subject), which is the
        honest interval when samples of one subject are correlated.
    random_state : int | None
        Seed.

    Returns
    -------
    low, high : float
        The ``alpha / 2`` and ``1 - alpha / 2`` quantiles of the bootstrap distribution.

    Raises
    ------
    ValueError
        If the metric is undefined (None/NaN) on more than half of the resamples.
    """
    if not callable(metric_fn):
        raise TypeError(f"metric_fn must be callable; got {describe(metric_fn)}.")
    n_boot = check_int(n_boot, "n_boot", min_value=10)
    alpha = check_range(alpha, "alpha", 0.0, 1.0, inclusive=(False, False))
    yt = np.asarray(y_true)
    yp = np.asarray(y_pred)
    n = yt.shape[0] if yt.ndim else 0
    if n < 2 or yp.shape[:1] != (n,):
        raise ValueError(
            f"y_true and y_pred must have the same number (>= 2) of rows; got shapes {yt.shape} "
            f"and {yp.shape}."
        )
    rng = np.random.default_rng(random_state)
    if groups is None:
        draws = (rng.integers(0, n, n) for _ in range(n_boot))
    else:
        labels = np.asarray(groups).astype(str)
        if labels.shape != (n,):
            raise ValueError(f"groups must have shape ({n},); got {labels.shape}.")
        uniq, inverse = np.unique(labels, return_inverse=True)
        if len(uniq) < 2:
            raise ValueError(
                f"A cluster bootstrap needs at least 2 distinct groups; got {len(uniq)}."
            )
        members = [np.flatnonzero(inverse == k) for k in range(len(uniq))]
        draws = (
            np.concatenate([members[k] for k in rng.integers(0, len(uniq), len(uniq))])
            for _ in range(n_boot)
        )
    values = []
    for idx in draws:
        v = metric_fn(yt[idx], yp[idx])
        if v is not None and np.isfinite(v):
            values.append(float(v))
    if len(values) < n_boot / 2:
        raise ValueError(
            f"metric_fn was undefined (None/NaN) on {n_boot - len(values)} of {n_boot} "
            "resamples; the interval would be meaningless. Use more data or another metric."
        )
    low, high = np.quantile(values, [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)
