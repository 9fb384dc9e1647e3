"""Uncertainty measures from probabilities and from stochastic samples (MC dropout, ensembles).

Entropies are in nats (natural log), with ``0 * log 0 = 0``; ``normalize=True`` divides by
``log(n_classes)`` so values lie in [0, 1]. ``samples`` are stacked predictions of shape
(n_samples_mc, n, n_classes), e.g. the second output of
:func:`~mindstate.uncertainty.mc_dropout_predict`.

- total uncertainty: :func:`predictive_entropy` of the mean prediction;
- aleatoric part: :func:`expected_entropy` (mean entropy of each sample);
- epistemic part: :func:`mutual_information` (BALD) = total − aleatoric.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_array

__all__ = [
    "confidence",
    "expected_entropy",
    "mutual_information",
    "predictive_entropy",
    "variance",
]


def _as_proba(proba: Any, name: str, ndim: int) -> NDArray[np.float64]:
    if hasattr(proba, "detach"):
        proba = proba.detach().cpu().numpy()
    shape = "(n, n_classes)" if ndim == 2 else "(n_samples_mc, n, n_classes)"
    p = check_array(proba, name, ndim=ndim, shape_hint=shape)
    if p.shape[-1] < 2:
        raise ValueError(f"{name} must have at least 2 classes on its last axis; got {p.shape}.")
    if np.any(p < 0) or not np.allclose(p.sum(axis=-1), 1.0, atol=1e-3):
        raise ValueError(
            f"{name} must hold probabilities (non-negative, summing to 1 over classes); apply "
            "softmax to logits first."
        )
    return p


def _entropy(p: NDArray[np.float64]) -> NDArray[np.float64]:
    with np.errstate(divide="ignore", invalid="ignore"):
        cell = np.where(p > 0, -p * np.log(p), 0.0)
    return cell.sum(axis=-1)


def predictive_entropy(proba: Any, *, normalize: bool = False) -> NDArray[np.float64]:
    """Entropy ``H[p] = -sum_c p_c ln p_c`` of each prediction.

    Parameters
    ----------
    proba : array-like of shape (n, n_classes)
        Probabilities (e.g. the mean over MC samples).
    normalize : bool
        Divide by ``ln(n_classes)``.

    Returns
    -------
    entropy : ndarray of shape (n,)
        In nats (or in [0, 1] when normalised).
    """
    p = _as_proba(proba, "proba", 2)
    h = _entropy(p)
    return h / np.log(p.shape[1]) if normalize else h


def expected_entropy(samples: Any, *, normalize: bool = False) -> NDArray[np.float64]:
    """Mean over samples of each sample's entropy, ``E_s H[p_s]`` (aleatoric part).

    Parameters
    ----------
    samples : array-like of shape (n_samples_mc, n, n_classes)
        Stochastic predictions.
    normalize : bool
        Divide by ``ln(n_classes)``.

    Returns
    -------
    entropy : ndarray of shape (n,)
        In nats (or in [0, 1] when normalised).
    """
    s = _as_proba(samples, "samples", 3)
    h = _entropy(s).mean(axis=0)
    return h / np.log(s.shape[2]) if normalize else h


def mutual_information(samples: Any, *, normalize: bool = False) -> NDArray[np.float64]:
    """BALD mutual information ``H[E_s p_s] - E_s H[p_s]`` (epistemic part), >= 0.

    Tiny negative values from rounding are set to 0.

    Parameters
    ----------
    samples : array-like of shape (n_samples_mc, n, n_classes)
        Stochastic predictions.
    normalize : bool
        Divide by ``ln(n_classes)``.

    Returns
    -------
    mi : ndarray of shape (n,)
        In nats (or in [0, 1] when normalised).
    """
    s = _as_proba(samples, "samples", 3)
    mi = np.maximum(_entropy(s.mean(axis=0)) - _entropy(s).mean(axis=0), 0.0)
    return mi / np.log(s.shape[2]) if normalize else mi


def variance(samples: Any, *, per_class: bool = False) -> NDArray[np.float64]:
    """Variance of the predicted probabilities across samples (population variance).

    Parameters
    ----------
    samples : array-like of shape (n_samples_mc, n, n_classes)
        Stochastic predictions (or ensemble members' predictions).
    per_class : bool
        Return the variance of each class probability instead of its mean over classes.

    Returns
    -------
    var : ndarray of shape (n,) or (n, n_classes)
        Variance of probabilities (dimensionless).
    """
    s = _as_proba(samples, "samples", 3)
    v = s.var(axis=0)
    return v if per_class else v.mean(axis=1)


def confidence(proba: Any) -> NDArray[np.float64]:
    """Top-class probability ``max_c p_c`` of each prediction.

    Parameters
    ----------
    proba : array-like of shape (n, n_classes)
        Probabilities.

    Returns
    -------
    confidence : ndarray of shape (n,)
        In [1 / n_classes, 1].
    """
    return _as_proba(proba, "proba", 2).max(axis=1)
