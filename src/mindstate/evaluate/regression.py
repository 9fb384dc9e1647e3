"""Regression scores: MAE, MSE, R², Pearson r and Lin's concordance correlation per target.

Undefined values (R² or Pearson r of a constant target, CCC of two equal constants) are
``None`` (JSON ``null``), never NaN, as in :mod:`mindstate.evaluate.metrics`, which
re-exports both functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._validation import check_array

__all__ = ["concordance_correlation", "emotional_metrics", "regression_metrics"]


def concordance_correlation(y_true: Any, y_pred: Any) -> float | None:
    """Compute Lin's concordance correlation coefficient of two vectors (population moments).

    ``ccc = 2 cov(x, y) / (var x + var y + (mean x - mean y)^2)``.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        The two vectors.

    Returns
    -------
    ccc : float | None
        In [-1, 1]; ``None`` when the denominator is 0 (both constant and equal).
    """
    a = check_array(y_true, "y_true", ndim=1)
    b = check_array(y_pred, "y_pred", ndim=1)
    if a.shape != b.shape:
        raise ValueError(f"y_true and y_pred must have the same shape; got {a.shape}, {b.shape}.")
    ma, mb = a.mean(), b.mean()
    cov = np.mean((a - ma) * (b - mb))
    denom = a.var() + b.var() + (ma - mb) ** 2
    return None if denom == 0 else float(2 * cov / denom)


def regression_metrics(
    y_true: Any, y_pred: Any, target_names: Sequence[str] | None = None
) -> dict[str, Any]:
    """MAE, MSE, R², Pearson r and CCC per target, and their means over targets.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,) or (n_samples, n_targets)
        Targets and predictions, in the targets' units.
    target_names : list of str | None
        Names used in the keys (default ``"0"``, ``"1"`` ...; a single target ``"y"``).

    Returns
    -------
    metrics : dict
        ``mae_<t>``, ``mse_<t>``, ``r2_<t>``, ``pearson_<t>``, ``ccc_<t>`` for each target and
        ``mae_mean`` ... ``ccc_mean`` (means over the targets where defined). R² and Pearson r
        of a constant target are ``None``.
    """
    from scipy.stats import pearsonr

    yt = check_array(y_true, "y_true", ndim=(1, 2))
    yp = check_array(y_pred, "y_pred", ndim=(1, 2))
    if yt.shape != yp.shape:
        raise ValueError(
            f"y_true and y_pred must have the same shape; got {yt.shape} and {yp.shape}."
        )
    if yt.ndim == 1:
        yt, yp = yt[:, None], yp[:, None]
    n, n_targets = yt.shape
    if n < 2:
        raise ValueError(f"regression_metrics needs at least 2 samples; got {n}.")
    if target_names is None:
        names = ["y"] if n_targets == 1 else [str(i) for i in range(n_targets)]
    else:
        names = [str(t) for t in target_names]
        if len(names) != n_targets:
            raise ValueError(
                f"target_names must name the {n_targets} target columns; got {names}."
            )
    out: dict[str, Any] = {"n_samples": int(n)}
    for stat in ("mae", "mse", "r2", "pearson", "ccc"):
        values: list[float | None] = []
        for j, name in enumerate(names):
            a, b = yt[:, j], yp[:, j]
            err = b - a
            if stat == "mae":
                v: float | None = float(np.mean(np.abs(err)))
            elif stat == "mse":
                v = float(np.mean(err**2))
            elif stat == "r2":
                ss_tot = float(np.sum((a - a.mean()) ** 2))
                v = None if ss_tot == 0 else 1.0 - float(np.sum(err**2)) / ss_tot
            elif stat == "pearson":
                v = None if np.ptp(a) == 0 or np.ptp(b) == 0 else float(pearsonr(a, b)[0])
            else:
                v = concordance_correlation(a, b)
            out[f"{stat}_{name}"] = v
            values.append(v)
        defined = [v for v in values if v is not None]
        out[f"{stat}_mean"] = float(np.mean(defined)) if defined else None
    return out


def emotional_metrics(y_true: Any, y_pred: Any, confidence: Any = None,
                      trajectory: Any = None) -> dict[str, float | None]:
    """The seed's Hope, Faith and Love, which are plain summary statistics.

    - ``hope = mean(1 - |pred - y|)`` over samples and targets, i.e. ``1 - MAE`` in the
      targets' units (on EmoBank's 1-5 scale: 1 minus the mean absolute error).
    - ``faith = mean(tanh(confidence))``: the model's mean per-iteration confidence passed
      through tanh (confidences in (0, 1) give faith in (0, 0.76)); ``None`` without
      confidences.
    - ``love = exp(-MSE) * (1 - variance)``, where ``variance`` is the mean variance of the
      estimates across the recursion's iterations (how much the model still changes its
      mind), or 0 without a trajectory.

    None of the three is a new measure of quality: hope is MAE, love is a monotone function of
    MSE (times a stability factor), faith says how confident the model is, not whether it is
    right. Report Pearson r, MAE and R² alongside.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples, n_targets)
        Targets and predictions.
    confidence : array-like of shape (n_samples, n_iterations) | None
        Per-iteration confidences in (0, 1).
    trajectory : array-like of shape (n_samples, n_iterations, n_targets) | None
        Every iteration's estimate.

    Returns
    -------
    dict
        ``hope``, ``faith`` (None without confidences), ``love`` and ``iteration_variance``.
    """
    yt = check_array(y_true, "y_true", ndim=(1, 2))
    yp = check_array(y_pred, "y_pred", ndim=(1, 2))
    if yt.shape != yp.shape:
        raise ValueError(f"y_true and y_pred must have the same shape; got {yt.shape} and "
                         f"{yp.shape}.")
    err = yp - yt
    hope = float(np.mean(1.0 - np.abs(err)))
    faith = None
    if confidence is not None:
        c = check_array(confidence, "confidence", ndim=(1, 2))
        faith = float(np.mean(np.tanh(c)))
    variance = 0.0
    if trajectory is not None:
        tr = check_array(trajectory, "trajectory", ndim=3)
        if len(tr) != len(yt):
            raise ValueError(f"trajectory must have one row per sample ({len(yt)}); got "
                             f"{len(tr)}.")
        variance = float(tr.var(axis=1).mean())
    love = float(np.exp(-np.mean(err ** 2)) * (1.0 - variance))
    return {"hope": hope, "faith": faith, "love": love, "iteration_variance": variance}
