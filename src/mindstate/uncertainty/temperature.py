"""Temperature scaling (Guo et al., 2017): one scalar ``T`` that calibrates softmax probabilities.

``T`` is fitted on held-out validation logits by minimising the negative log-likelihood over
``log T`` (a bounded 1-D search; the NLL is unimodal in ``log T``). ``T > 1`` softens an
over-confident model, ``T < 1`` sharpens an under-confident one; the predicted class never
changes. Fit it on a validation split disjoint from the training data (see
:func:`mindstate.evaluate.splits.inner_validation_split`).
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_array, check_fitted, check_range, describe

__all__ = ["TemperatureScaling", "softmax", "to_numpy"]

logger = logging.getLogger(__name__)


def to_numpy(x: Any, name: str = "x") -> NDArray[np.float64]:
    """Convert an array-like or a torch tensor (any device, with grad) to a float64 array.

    Parameters
    ----------
    x : array-like or Tensor
        The input.
    name : str
        Its name in error messages.

    Returns
    -------
    arr : ndarray
        A float64 array (NaN/Inf rejected).
    """
    if hasattr(x, "detach") and hasattr(x, "cpu"):
        x = x.detach().cpu().numpy()
    return check_array(x, name)


def softmax(logits: Any, axis: int = -1) -> NDArray[np.float64]:
    """Compute a numerically stable softmax of ``logits`` along ``axis``.

    Delegates to ``scipy.special.softmax``.

    Parameters
    ----------
    logits : array-like or Tensor
        Pre-softmax scores.
    axis : int
        The class axis.

    Returns
    -------
    proba : ndarray
        Same shape as ``logits``; sums to 1 along ``axis``.
    """
    from scipy.special import softmax as sp_softmax

    return np.asarray(sp_softmax(to_numpy(logits, "logits"), axis=axis))


def _log_softmax(z: NDArray[np.float64]) -> NDArray[np.float64]:
    from scipy.special import log_softmax

    return np.asarray(log_softmax(z, axis=1))


def _targets(y: Any, n: int, n_classes: int) -> NDArray[np.float64]:
    """(n, C) target distribution from class indices or soft labels (rows normalised)."""
    if isinstance(y, (str, bytes)) or y is None:
        raise TypeError(f"y must be array-like; got {describe(y)}.")
    if hasattr(y, "detach"):
        y = y.detach().cpu().numpy()
    arr = np.asarray(y)
    if arr.ndim == 2:
        t = check_array(arr, "y", ndim=2)
        if t.shape != (n, n_classes):
            raise ValueError(
                f"Soft y must have shape ({n}, {n_classes}) like the logits; got {t.shape}."
            )
        sums = t.sum(axis=1, keepdims=True)
        if np.any(t < 0) or np.any(sums <= 0):
            raise ValueError("Soft y rows must be non-negative with a positive sum.")
        return t / sums
    if arr.shape != (n,):
        raise ValueError(
            f"y must have shape ({n},) (class indices) or ({n}, {n_classes}) (soft labels); got "
            f"{arr.shape}."
        )
    if arr.dtype.kind == "f" and np.all(arr == np.round(arr)):
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu" or arr.min() < 0 or arr.max() >= n_classes:
        raise ValueError(f"y must hold class indices in 0..{n_classes - 1}; got {describe(arr)}.")
    return np.eye(n_classes)[arr]


class TemperatureScaling:
    """Calibrate logits with one temperature, fitted by minimum NLL on validation data.

    Parameters
    ----------
    bounds : tuple of float
        Search range of ``T`` (dimensionless), default (0.01, 100).
    xatol : float
        Absolute tolerance of the search on ``log T``.

    Attributes
    ----------
    temperature_ : float
        The fitted temperature.
    n_classes_ : int
        Number of classes seen in ``fit``.
    nll_before_, nll_after_ : float
        Validation NLL (nats per sample) at ``T = 1`` and at ``temperature_``.
    """

    def __init__(self, bounds: tuple[float, float] = (0.01, 100.0), xatol: float = 1e-5) -> None:
        self.bounds = bounds
        self.xatol = xatol

    def _check_logits(self, logits: Any) -> NDArray[np.float64]:
        z = to_numpy(logits, "logits")
        if z.ndim != 2 or z.shape[1] < 2 or z.shape[0] == 0:
            raise ValueError(
                f"logits must have shape (n_samples, n_classes) with n_classes >= 2; got "
                f"{z.shape}. Pass pre-softmax model outputs."
            )
        return z

    def fit(self, logits: Any, y: Any) -> TemperatureScaling:
        """Fit ``temperature_`` on validation logits.

        Parameters
        ----------
        logits : array-like or Tensor of shape (n_samples, n_classes)
            Pre-softmax outputs of the model on validation data.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class indices, or soft labels (vote counts or fractions).

        Returns
        -------
        self : TemperatureScaling
            The fitted scaler.
        """
        from scipy.optimize import minimize_scalar

        lo, hi = self.bounds
        check_range(lo, "bounds[0]", 0.0, None, inclusive=(False, True))
        check_range(hi, "bounds[1]", lo, None, inclusive=(False, True))
        xatol = check_range(self.xatol, "xatol", 0.0, None, inclusive=(False, True))
        z = self._check_logits(logits)
        t = _targets(y, z.shape[0], z.shape[1])

        def nll(log_t: float) -> float:
            return float(-(t * _log_softmax(z / np.exp(log_t))).sum(axis=1).mean())

        res = minimize_scalar(nll, bounds=(np.log(lo), np.log(hi)), method="bounded",
                              options={"xatol": xatol})
        self.temperature_ = float(np.exp(res.x))
        self.n_classes_ = int(z.shape[1])
        self.nll_before_ = nll(0.0)
        self.nll_after_ = float(res.fun)
        if min(nll(np.log(lo)), nll(np.log(hi))) <= self.nll_after_ + 1e-12:
            warnings.warn(
                f"TemperatureScaling: the validation NLL is (numerically) minimal at a "
                f"search bound {self.bounds} (T={self.temperature_:.4g}); the validation logits "
                "may be degenerate (e.g. all correct with a wide margin). Widen bounds or check "
                "the validation split.",
                stacklevel=2,
            )
        logger.info("temperature scaling: T=%.4f, NLL %.4f -> %.4f", self.temperature_,
                    self.nll_before_, self.nll_after_)
        return self

    def transform(self, logits: Any) -> NDArray[np.float64]:
        """Calibrated probabilities ``softmax(logits / temperature_)``.

        Parameters
        ----------
        logits : array-like or Tensor of shape (n_samples, n_classes)
            Pre-softmax outputs.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Calibrated probabilities (the argmax is unchanged).
        """
        check_fitted(self, "temperature_")
        z = self._check_logits(logits)
        if z.shape[1] != self.n_classes_:
            raise ValueError(
                f"logits have {z.shape[1]} classes but the scaler was fitted on "
                f"{self.n_classes_}."
            )
        return softmax(z / self.temperature_, axis=1)

    predict_proba = transform

    def fit_transform(self, logits: Any, y: Any) -> NDArray[np.float64]:
        """Fit on ``(logits, y)`` and return the calibrated probabilities of ``logits``.

        Parameters
        ----------
        logits : array-like or Tensor of shape (n_samples, n_classes)
            Pre-softmax outputs.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class indices or soft labels.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Calibrated probabilities.
        """
        return self.fit(logits, y).transform(logits)

    def get_params(self) -> dict[str, Any]:
        """Return the constructor arguments.

        Returns
        -------
        params : dict
            Argument name to value.
        """
        return {"bounds": self.bounds, "xatol": self.xatol}

    def __repr__(self) -> str:
        fitted = f", temperature_={self.temperature_:.4g}" if hasattr(self, "temperature_") else ""
        return f"TemperatureScaling(bounds={self.bounds}{fitted})"
