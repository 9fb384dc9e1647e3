"""Robust and standard per-channel normalisation (pure functions and fit/transform classes).

All functions take arrays of shape ``(..., n_chans, n_times)`` and return new arrays; the
classes learn one centre and one scale per channel on training windows only (statistics are
pooled over windows and time) and apply them to any later data.

Flat channels
-------------
A channel is *flat* when its spread (IQR or standard deviation) is at most
:data:`FLAT_REL_EPS` times the largest absolute value in the whole array (so the floor is
relative to the data scale, whatever the unit), or exactly zero. Dividing by such a spread
would blow numerical noise up into a unit-variance signal, so by default it raises
:class:`~mindstate.exceptions.DataQualityError` naming the channel; ``on_flat="warn"`` or
``"ignore"`` leave flat channels centred but unscaled (divided by 1).
"""

from __future__ import annotations

import logging
import warnings
from abc import abstractmethod
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, TransformerMixin

from .._validation import check_array, check_fitted, check_option
from ..exceptions import DataQualityError

__all__ = [
    "FLAT_REL_EPS",
    "RobustNormalizer",
    "Standardizer",
    "robust_scale",
    "zscore",
]

logger = logging.getLogger(__name__)

#: Relative floor for flatness: a spread ≤ ``FLAT_REL_EPS * max(|X|)`` counts as zero.
FLAT_REL_EPS = 1e-10

_ON_FLAT = ("raise", "warn", "ignore")
OnFlat = Literal["raise", "warn", "ignore"]


# ---------------------------------------------------------------------- shared helpers
def _as_signals(
    X: Any,
    name: str = "X",
    *,
    min_ndim: int = 1,
    max_ndim: int | None = None,
    shape_hint: str = "(..., n_times)",
    min_samples: int = 2,
) -> NDArray[np.float64]:
    """Validate a float signal array: finite, enough dimensions and samples (private)."""
    arr = check_array(X, name)
    if arr.ndim < min_ndim or (max_ndim is not None and arr.ndim > max_ndim):
        fix = ""
        if arr.ndim == min_ndim - 1:
            fix = f" For a single item use {name}[np.newaxis]."
        raise ValueError(f"{name} must have shape {shape_hint}; got shape {arr.shape}.{fix}")
    if arr.shape[-1] < min_samples:
        raise ValueError(
            f"{name} must have at least {min_samples} samples along its last axis (n_times); "
            f"got shape {arr.shape}."
        )
    return arr


def _check_ch_names(
    ch_names: Sequence[str] | None, n_chans: int, name: str = "ch_names"
) -> list[str]:
    """Return channel labels; ``None`` gives ``ch0 .. chN`` (private)."""
    if ch_names is None:
        return [f"ch{i}" for i in range(n_chans)]
    if isinstance(ch_names, str):
        raise TypeError(f"{name} must be a list of str; got the single string {ch_names!r}.")
    names = [str(c) for c in ch_names]
    if len(names) != n_chans:
        raise ValueError(
            f"{name} must have one name per channel (n_chans={n_chans}, the second-to-last "
            f"axis of X); got {len(names)} names."
        )
    if len(set(names)) != len(names):
        dup = sorted({c for c in names if names.count(c) > 1})
        raise ValueError(f"{name} must be unique; got duplicates {dup}.")
    return names


def _data_scale(X: NDArray[np.float64]) -> float:
    return float(np.max(np.abs(X))) if X.size else 0.0


def _flat_mask(spread: NDArray[np.float64], scale: float) -> NDArray[np.bool_]:
    """Flat where ``spread <= FLAT_REL_EPS * scale`` (``scale`` = max |X|) (private)."""
    return np.asarray(spread <= FLAT_REL_EPS * scale, dtype=bool)


def _handle_flat(
    flat: NDArray[np.bool_],
    on_flat: str,
    ch_names: Sequence[str] | None,
    what: str,
    *,
    stacklevel: int = 3,
) -> None:
    """Raise/warn about flat channels; ``flat`` has shape (..., n_chans) (private)."""
    if not flat.any():
        return
    if flat.ndim == 0:
        labels = ["the signal"]
    else:
        per_chan = flat.reshape(-1, flat.shape[-1]).any(axis=0)
        names = _check_ch_names(ch_names, flat.shape[-1]) if ch_names is not None else None
        labels = [names[i] if names else f"channel index {i}" for i in np.flatnonzero(per_chan)]
    shown = ", ".join(labels[:10]) + (" ..." if len(labels) > 10 else "")
    msg = (
        f"{what}: flat channel(s) {shown} (spread <= {FLAT_REL_EPS:g} x max|X|, i.e. zero "
        "variance). Drop or interpolate them first, or pass on_flat='ignore'."
    )
    if on_flat == "raise":
        raise DataQualityError(msg)
    if on_flat == "warn":
        warnings.warn(msg, stacklevel=stacklevel)


def _check_axis(axis: int, ndim: int) -> int:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an int; got {axis!r}.")
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis must be in [{-ndim}, {ndim - 1}] for X of {ndim} dims; got {axis}.")
    return int(axis) % ndim


def _flat_channels_for_axis(
    flat: NDArray[np.bool_], axis: int, ndim: int
) -> NDArray[np.bool_]:
    """Arrange a reduced flat mask so its last axis is the channel axis when possible."""
    if ndim >= 2 and axis == ndim - 1:
        return flat  # shape (..., n_chans)
    return flat.reshape(-1)


# ---------------------------------------------------------------------- pure functions
def robust_scale(
    X: Any,
    axis: int = -1,
    *,
    quantile_range: tuple[float, float] = (25.0, 75.0),
    on_flat: OnFlat = "raise",
    ch_names: Sequence[str] | None = None,
) -> NDArray[np.float64]:
    """Centre on the median and divide by the interquartile range along ``axis``.

    Parameters
    ----------
    X : array-like of shape (..., n_chans, n_times)
        Signals (any unit; volts for EEG).
    axis : int
        Axis along which statistics are taken (default the time axis, i.e. per channel and
        window).
    quantile_range : tuple of float
        Lower and upper percentiles defining the spread (default the IQR, 25-75).
    on_flat : {"raise", "warn", "ignore"}
        What to do with a zero-IQR (flat) series; see the module notes. Flat series are
        centred and left unscaled when not raising.
    ch_names : list of str | None
        Channel names for messages (length ``X.shape[-2]``).

    Returns
    -------
    Xs : ndarray, same shape as X
        Dimensionless scaled signals: median 0 and IQR 1 along ``axis``.

    Raises
    ------
    DataQualityError
        If a series has zero IQR and ``on_flat="raise"``, or X holds NaN/Inf.
    """
    arr = _as_signals(X, min_samples=1)
    check_option(on_flat, _ON_FLAT, "on_flat")
    ax = _check_axis(axis, arr.ndim)
    lo, hi = _check_quantiles(quantile_range)
    q = np.percentile(arr, [50.0, lo, hi], axis=ax, keepdims=True)
    center, spread = q[0], q[2] - q[1]
    flat = _flat_mask(spread, _data_scale(arr))
    _handle_flat(
        _flat_channels_for_axis(np.squeeze(flat, axis=ax), ax, arr.ndim),
        on_flat, ch_names if ax == arr.ndim - 1 else None, "robust_scale",
    )
    return (arr - center) / np.where(flat, 1.0, spread)


def zscore(
    X: Any,
    axis: int = -1,
    *,
    ddof: int = 0,
    on_flat: OnFlat = "raise",
    ch_names: Sequence[str] | None = None,
) -> NDArray[np.float64]:
    """Subtract the mean and divide by the standard deviation along ``axis``.

    Parameters
    ----------
    X : array-like of shape (..., n_chans, n_times)
        Signals (any unit).
    axis : int
        Axis of the statistics (default time).
    ddof : int
        Delta degrees of freedom of the standard deviation.
    on_flat : {"raise", "warn", "ignore"}
        What to do with a zero-variance series (see the module notes).
    ch_names : list of str | None
        Channel names for messages.

    Returns
    -------
    Xz : ndarray, same shape as X
        Dimensionless signals with mean 0 and standard deviation 1 along ``axis``.

    Raises
    ------
    DataQualityError
        If a series is flat and ``on_flat="raise"``, or X holds NaN/Inf.
    """
    arr = _as_signals(X, min_samples=1)
    check_option(on_flat, _ON_FLAT, "on_flat")
    ax = _check_axis(axis, arr.ndim)
    if isinstance(ddof, bool) or not isinstance(ddof, (int, np.integer)) or ddof < 0:
        raise ValueError(f"ddof must be a non-negative int; got {ddof!r}.")
    if arr.shape[ax] <= ddof:
        raise ValueError(f"X needs more than ddof={ddof} samples along axis {axis}; got shape "
                         f"{arr.shape}.")
    mean = arr.mean(axis=ax, keepdims=True)
    std = arr.std(axis=ax, ddof=ddof, keepdims=True)
    flat = _flat_mask(std, _data_scale(arr))
    _handle_flat(
        _flat_channels_for_axis(np.squeeze(flat, axis=ax), ax, arr.ndim),
        on_flat, ch_names if ax == arr.ndim - 1 else None, "zscore",
    )
    return (arr - mean) / np.where(flat, 1.0, std)


def _check_quantiles(quantile_range: Any) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in quantile_range)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"quantile_range must be two percentiles (low, high); got {quantile_range!r}."
        ) from exc
    if not 0.0 <= lo < hi <= 100.0:
        raise ValueError(
            f"quantile_range must satisfy 0 <= low < high <= 100; got {quantile_range!r}."
        )
    return lo, hi


# ---------------------------------------------------------------------- estimators
class _ChannelScaler(TransformerMixin, BaseEstimator):
    """Shared fit/transform logic: one centre and scale per channel (private base)."""

    _what = "scaler"

    @abstractmethod
    def _stats(
        self, Xc: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Centre and scale per row of ``Xc`` (n_chans, n_samples); defined by subclasses."""

    @staticmethod
    def _validate(X: Any) -> NDArray[np.float64]:
        return _as_signals(
            X, min_ndim=2, max_ndim=3, shape_hint="(n_windows, n_chans, n_times) or "
            "(n_chans, n_times)", min_samples=1,
        )

    def fit(self, X: Any, y: Any = None) -> _ChannelScaler:
        """Learn one centre and scale per channel, pooled over windows and time.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times) or (n_chans, n_times)
            Training signals only.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted scaler.
        """
        check_option(self.on_flat, _ON_FLAT, "on_flat")
        arr = self._validate(X)
        n_chans = arr.shape[-2]
        names = _check_ch_names(self.ch_names, n_chans) if self.ch_names is not None else None
        Xc = np.moveaxis(arr, -2, 0).reshape(n_chans, -1)  # (n_chans, n_windows * n_times)
        center, scale = self._stats(Xc)
        flat = _flat_mask(scale, _data_scale(arr))
        _handle_flat(flat, self.on_flat, names, f"{type(self).__name__}.fit")
        self.center_ = center
        self.scale_ = np.where(flat, 1.0, scale)
        self.flat_ = flat
        self.n_chans_ = n_chans
        return self

    def _check_transform_input(self, X: Any) -> NDArray[np.float64]:
        check_fitted(self, "center_")
        arr = self._validate(X)
        if arr.shape[-2] != self.n_chans_:
            raise ValueError(
                f"X must have n_chans={self.n_chans_} channels (axis -2) as in fit; got shape "
                f"{arr.shape}."
            )
        return arr

    def transform(self, X: Any) -> NDArray[np.float64]:
        """Apply the fitted per-channel centre and scale.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times) or (n_chans, n_times)
            Signals with the channels seen in ``fit``.

        Returns
        -------
        Xt : ndarray, same shape as X
            Scaled signals (dimensionless).
        """
        arr = self._check_transform_input(X)
        return (arr - self.center_[:, None]) / self.scale_[:, None]

    def inverse_transform(self, X: Any) -> NDArray[np.float64]:
        """Undo :meth:`transform`.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times) or (n_chans, n_times)
            Scaled signals.

        Returns
        -------
        X_orig : ndarray, same shape as X
            Signals in the original unit.
        """
        arr = self._check_transform_input(X)
        return arr * self.scale_[:, None] + self.center_[:, None]


class RobustNormalizer(_ChannelScaler):
    """Per-channel median/IQR scaling learned on training windows (like sklearn's RobustScaler).

    Parameters
    ----------
    quantile_range : tuple of float
        Percentiles defining the spread (default the IQR).
    on_flat : {"raise", "warn", "ignore"}
        What to do with a channel whose pooled IQR is zero (see the module notes).
    ch_names : list of str | None
        Channel names used in messages.

    Attributes
    ----------
    center_ : ndarray of shape (n_chans,)
        Median of each channel over all training windows and samples (input unit).
    scale_ : ndarray of shape (n_chans,)
        Its interquartile range (1 for flat channels when not raising).
    flat_ : ndarray of bool, shape (n_chans,)
        Channels found flat in ``fit``.
    n_chans_ : int
        Number of channels seen in ``fit``.
    """

    def __init__(
        self,
        quantile_range: tuple[float, float] = (25.0, 75.0),
        *,
        on_flat: OnFlat = "raise",
        ch_names: Sequence[str] | None = None,
    ) -> None:
        self.quantile_range = quantile_range
        self.on_flat = on_flat
        self.ch_names = ch_names

    def _stats(
        self, Xc: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        lo, hi = _check_quantiles(self.quantile_range)
        q = np.percentile(Xc, [50.0, lo, hi], axis=1)
        return q[0], q[2] - q[1]


class Standardizer(_ChannelScaler):
    """Per-channel z-scoring (mean/SD) learned on training windows.

    Parameters
    ----------
    ddof : int
        Delta degrees of freedom of the standard deviation.
    on_flat : {"raise", "warn", "ignore"}
        What to do with a zero-variance channel (see the module notes).
    ch_names : list of str | None
        Channel names used in messages.

    Attributes
    ----------
    center_ : ndarray of shape (n_chans,)
        Mean of each channel over all training windows and samples (input unit).
    scale_ : ndarray of shape (n_chans,)
        Its standard deviation (1 for flat channels when not raising).
    flat_ : ndarray of bool, shape (n_chans,)
        Channels found flat in ``fit``.
    n_chans_ : int
        Number of channels seen in ``fit``.
    """

    def __init__(
        self,
        ddof: int = 0,
        *,
        on_flat: OnFlat = "raise",
        ch_names: Sequence[str] | None = None,
    ) -> None:
        self.ddof = ddof
        self.on_flat = on_flat
        self.ch_names = ch_names

    def _stats(
        self, Xc: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        ddof = self.ddof
        if isinstance(ddof, bool) or not isinstance(ddof, (int, np.integer)) or ddof < 0:
            raise ValueError(f"ddof must be a non-negative int; got {ddof!r}.")
        if Xc.shape[1] <= ddof:
            raise ValueError(f"X needs more than ddof={ddof} samples per channel; got "
                             f"{Xc.shape[1]}.")
        return Xc.mean(axis=1), Xc.std(axis=1, ddof=ddof)
