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

__all__ = ["concordance_correlation", "regression_metrics"]


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
