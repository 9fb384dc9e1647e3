"""Time-domain features: mean, SD, skewness, kurtosis, zero-crossing rate, Hjorth
parameters, line length and peak-to-peak amplitude.

Pure functions reduce the last (time) axis of ``(..., n_chans, n_times)`` arrays; the
:class:`TimeFeatures` transformer maps windows ``(n_windows, n_chans, n_times)`` to
``(n_windows, n_chans * n_features)`` (channel-major columns ``"<channel>_<feature>"``).

Units (X in volts): mean, SD, peak-to-peak in V; Hjorth activity in V²; skewness, excess
kurtosis and complexity are dimensionless. Hjorth mobility is ``sqrt(var(Δx) / var(x))`` per
sample (``2 sin(π f / sfreq)`` for a sine of frequency f); when ``sfreq`` is given it is
scaled by ``sfreq / 2π`` so that it reads in Hz (≈ f for a sine). The zero-crossing rate
counts sign changes of the mean-removed signal per sample, or per second with ``sfreq``
(2 f for a sine). Line length is the mean absolute first difference (V per sample, or V/s
with ``sfreq``).

Flat series (SD ≤ ``FLAT_REL_EPS`` × max|X|) have undefined skewness, kurtosis, mobility
and complexity: ``on_flat="raise"`` (default) raises
:class:`~mindstate.exceptions.DataQualityError`; otherwise those features are 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, TransformerMixin

from .._validation import check_fitted, check_option, check_sfreq
from ..preprocess.normalize import (
    FLAT_REL_EPS,
    _as_signals,
    _check_ch_names,
    _data_scale,
    _handle_flat,
)

__all__ = [
    "TIME_FEATURES",
    "TimeFeatures",
    "hjorth",
    "kurtosis",
    "line_length",
    "peak_to_peak",
    "skewness",
    "time_features",
    "zero_crossing_rate",
]

#: Feature names computed by :func:`time_features`, in their default order.
TIME_FEATURES = (
    "mean", "std", "skewness", "kurtosis", "zero_crossing_rate",
    "activity", "mobility", "complexity", "line_length", "peak_to_peak",
)
_ON_FLAT = ("raise", "warn", "ignore")
OnFlat = Literal["raise", "warn", "ignore"]


def _safe_div(num: NDArray[np.float64], den: NDArray[np.float64], zero: NDArray[np.bool_]
              ) -> NDArray[np.float64]:
    return np.where(zero, 0.0, num / np.where(zero, 1.0, den))


def _sfreq_or_none(sfreq: float | None) -> float | None:
    return None if sfreq is None else check_sfreq(sfreq)


def _moments(
    arr: NDArray[np.float64], on_flat: str, what: str
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    check_option(on_flat, _ON_FLAT, "on_flat")
    c = arr - arr.mean(axis=-1, keepdims=True)
    var = np.mean(c**2, axis=-1)
    flat = np.sqrt(var) <= FLAT_REL_EPS * _data_scale(arr)
    _handle_flat(flat, on_flat, None, what, stacklevel=4)
    return c, var, flat


def skewness(X: Any, *, on_flat: OnFlat = "raise") -> NDArray[np.float64]:
    """Sample skewness (biased, Fisher-Pearson ``m3 / m2^1.5``) of every series.

    Computed by ``scipy.stats.skew(..., bias=True)`` on the non-flat series.

    Parameters
    ----------
    X : array-like of shape (..., n_times)
        Signals (any unit).
    on_flat : {"raise", "warn", "ignore"}
        What to do with flat series (0 when not raising).

    Returns
    -------
    skew : ndarray of shape (...,) i.e. X.shape[:-1]
        Dimensionless skewness (0 for a symmetric signal).
    """
    from scipy.stats import skew

    arr = _as_signals(X, min_samples=3)
    _, _, flat = _moments(arr, on_flat, "skewness")
    out = np.zeros(arr.shape[:-1])
    out[~flat] = skew(arr[~flat], axis=-1, bias=True)
    return out


def kurtosis(X: Any, *, on_flat: OnFlat = "raise") -> NDArray[np.float64]:
    """Excess kurtosis (biased, Fisher ``m4 / m2² - 3``) of every series.

    Computed by ``scipy.stats.kurtosis(..., bias=True)`` on the non-flat series.

    Parameters
    ----------
    X : array-like of shape (..., n_times)
        Signals (any unit).
    on_flat : {"raise", "warn", "ignore"}
        What to do with flat series (0 when not raising).

    Returns
    -------
    kurt : ndarray of shape (...,) i.e. X.shape[:-1]
        Dimensionless excess kurtosis (0 for Gaussian noise, -1.5 for a sine).
    """
    from scipy.stats import kurtosis as sp_kurtosis

    arr = _as_signals(X, min_samples=4)
    _, _, flat = _moments(arr, on_flat, "kurtosis")
    out = np.zeros(arr.shape[:-1])
    out[~flat] = sp_kurtosis(arr[~flat], axis=-1, fisher=True, bias=True)
    return out


def zero_crossing_rate(X: Any, sfreq: float | None = None) -> NDArray[np.float64]:
    """Rate of sign changes of the mean-removed signal.

    Parameters
    ----------
    X : array-like of shape (..., n_times)
        Signals (any unit).
    sfreq : float | None
        Sampling frequency in Hz; with it the rate is per second, otherwise per sample.

    Returns
    -------
    zcr : ndarray of shape (...,) i.e. X.shape[:-1]
        Crossings per sample (or per second); 2 f per second for a sine of frequency f.
    """
    arr = _as_signals(X, min_samples=2)
    sf = _sfreq_or_none(sfreq)
    pos = (arr - arr.mean(axis=-1, keepdims=True)) >= 0
    rate = np.count_nonzero(pos[..., 1:] != pos[..., :-1], axis=-1) / (arr.shape[-1] - 1)
    return rate * sf if sf is not None else rate.astype(float)


def hjorth(
    X: Any, sfreq: float | None = None, *, on_flat: OnFlat = "raise"
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Hjorth activity, mobility and complexity of every series.

    Parameters
    ----------
    X : array-like of shape (..., n_times)
        Signals in volts.
    sfreq : float | None
        Sampling frequency in Hz; with it mobility is expressed in Hz (see the module notes).
    on_flat : {"raise", "warn", "ignore"}
        What to do with flat series (mobility and complexity 0 when not raising).

    Returns
    -------
    activity : ndarray of shape (...,)
        Variance in V².
    mobility : ndarray of shape (...,)
        ``sqrt(var(Δx) / var(x))`` per sample, or in Hz with ``sfreq``.
    complexity : ndarray of shape (...,)
        ``mobility(Δx) / mobility(x)``, dimensionless (≈ 1 for a sine).
    """
    arr = _as_signals(X, min_samples=3)
    sf = _sfreq_or_none(sfreq)
    _, var, flat = _moments(arr, on_flat, "Hjorth mobility/complexity")
    d1 = np.diff(arr, axis=-1)
    d2 = np.diff(d1, axis=-1)
    v1 = d1.var(axis=-1)
    v2 = d2.var(axis=-1)
    scale = FLAT_REL_EPS * _data_scale(arr)
    flat1 = flat | (np.sqrt(v1) <= scale)
    mob = np.sqrt(_safe_div(v1, var, flat))
    mob_d = np.sqrt(_safe_div(v2, v1, flat1))
    comp = _safe_div(mob_d, mob, flat1)
    if sf is not None:
        mob = mob * sf / (2.0 * np.pi)
    return var, mob, comp


def line_length(X: Any, sfreq: float | None = None) -> NDArray[np.float64]:
    """Mean absolute first difference (line length normalised by the number of steps).

    Parameters
    ----------
    X : array-like of shape (..., n_times)
        Signals in volts.
    sfreq : float | None
        Sampling frequency in Hz; with it the result is in V/s.

    Returns
    -------
    ll : ndarray of shape (...,) i.e. X.shape[:-1]
        In V per sample (or V/s).
    """
    arr = _as_signals(X, min_samples=2)
    sf = _sfreq_or_none(sfreq)
    ll = np.abs(np.diff(arr, axis=-1)).mean(axis=-1)
    return ll * sf if sf is not None else ll


def peak_to_peak(X: Any) -> NDArray[np.float64]:
    """Peak-to-peak amplitude ``max - min`` of every series.

    Parameters
    ----------
    X : array-like of shape (..., n_times)
        Signals in volts.

    Returns
    -------
    ptp : ndarray of shape (...,) i.e. X.shape[:-1]
        In volts.
    """
    arr = _as_signals(X, min_samples=1)
    return np.ptp(arr, axis=-1)


def _check_features(features: Sequence[str] | None) -> tuple[str, ...]:
    if features is None:
        return TIME_FEATURES
    if isinstance(features, str):
        features = (features,)
    feats = tuple(features)
    if not feats:
        raise ValueError(f"features must name at least one of {TIME_FEATURES}; got ().")
    for f in feats:
        check_option(f, TIME_FEATURES, "features")
    if len(set(feats)) != len(feats):
        raise ValueError(f"features must not repeat names; got {feats}.")
    return feats


def time_features(
    X: Any,
    sfreq: float | None = None,
    features: Sequence[str] | None = None,
    *,
    on_flat: OnFlat = "raise",
) -> NDArray[np.float64]:
    """Compute several time-domain features at once.

    Parameters
    ----------
    X : array-like of shape (..., n_chans, n_times)
        Signals in volts.
    sfreq : float | None
        Sampling frequency in Hz (changes the units of rate-like features; module notes).
    features : list of str | None
        Names from :data:`TIME_FEATURES` (default all, in that order).
    on_flat : {"raise", "warn", "ignore"}
        What to do with flat series.

    Returns
    -------
    F : ndarray of shape (..., n_chans, n_features)
        Features in the order of ``features``.
    """
    feats = _check_features(features)
    arr = _as_signals(X, min_samples=4)
    sf = _sfreq_or_none(sfreq)
    check_option(on_flat, _ON_FLAT, "on_flat")
    need_flat = {"skewness", "kurtosis", "mobility", "complexity"} & set(feats)
    if need_flat:  # one check (and one warning) for the whole call
        _moments(arr, on_flat, "time_features")
    quiet: OnFlat = "ignore"
    out: dict[str, NDArray[np.float64]] = {}
    if {"activity", "mobility", "complexity"} & set(feats):
        out["activity"], out["mobility"], out["complexity"] = hjorth(arr, sf, on_flat=quiet)
    for f in feats:
        if f in out:
            continue
        if f == "mean":
            out[f] = arr.mean(axis=-1)
        elif f == "std":
            out[f] = arr.std(axis=-1)
        elif f == "skewness":
            out[f] = skewness(arr, on_flat=quiet)
        elif f == "kurtosis":
            out[f] = kurtosis(arr, on_flat=quiet)
        elif f == "zero_crossing_rate":
            out[f] = zero_crossing_rate(arr, sf)
        elif f == "line_length":
            out[f] = line_length(arr, sf)
        else:  # "peak_to_peak"
            out[f] = peak_to_peak(arr)
    return np.stack([out[f] for f in feats], axis=-1)


# ---------------------------------------------------------------------- transformer base
class _WindowFeatures(TransformerMixin, BaseEstimator):
    """Shared protocol: (n_windows, n_chans, n_times) -> (n_windows, n_chans * n_features).

    Subclasses implement ``_labels()`` (per-channel feature labels) and ``_compute(X)``
    returning (n_windows, n_chans, n_features); ``fit`` only records the channel count.
    """

    def _labels(self) -> list[str]:  # overridden
        return []

    def _compute(self, X: NDArray[np.float64]) -> NDArray[np.float64]:  # overridden
        return X[..., :0]

    def _prepare(self, X: NDArray[np.float64]) -> None:
        """Hook for subclasses to validate parameters at fit time."""

    @staticmethod
    def _validate(X: Any) -> NDArray[np.float64]:
        return _as_signals(X, min_ndim=3, max_ndim=3,
                           shape_hint="(n_windows, n_chans, n_times)", min_samples=4)

    def fit(self, X: Any, y: Any = None) -> _WindowFeatures:
        """Check the input and record the number of channels (nothing else is learned).

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times)
            Windows in volts.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        arr = self._validate(X)
        if self.ch_names is not None:
            _check_ch_names(self.ch_names, arr.shape[1])
        self._prepare(arr)
        self.n_chans_ = arr.shape[1]
        return self

    def transform(self, X: Any) -> NDArray[np.float64]:
        """Compute the features of every window.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times)
            Windows in volts, with the channels seen in ``fit``.

        Returns
        -------
        F : ndarray of shape (n_windows, n_chans * n_features)
            Channel-major feature matrix (see :meth:`get_feature_names_out`).
        """
        check_fitted(self, "n_chans_")
        arr = self._validate(X)
        if arr.shape[1] != self.n_chans_:
            raise ValueError(
                f"X must have n_chans={self.n_chans_} channels as in fit; got shape {arr.shape}."
            )
        F = self._compute(arr)
        return F.reshape(F.shape[0], -1)

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> Any:
        """Return the names ``"<channel>_<feature>"`` in the column order of :meth:`transform`.

        Parameters
        ----------
        input_features : list of str | None
            Channel names; default ``ch_names`` or ``ch0, ch1, ...``.

        Returns
        -------
        names : ndarray of object, shape (n_chans * n_features,)
            The feature names.
        """
        check_fitted(self, "n_chans_")
        chans = input_features if input_features is not None else self.ch_names
        names = _check_ch_names(chans, self.n_chans_, "input_features")
        return np.asarray([f"{c}_{f}" for c in names for f in self._labels()], dtype=object)


class TimeFeatures(_WindowFeatures):
    """Time-domain features of every channel of every window (scikit-learn transformer).

    Parameters
    ----------
    features : list of str | None
        Names from :data:`TIME_FEATURES` (default all).
    sfreq : float | None
        Sampling frequency in Hz (units of rate-like features; see the module notes).
    ch_names : list of str | None
        Channel names used in feature names.
    on_flat : {"raise", "warn", "ignore"}
        What to do with flat windows.

    Attributes
    ----------
    n_chans_ : int
        Number of channels seen in ``fit``.
    """

    def __init__(
        self,
        features: Sequence[str] | None = None,
        sfreq: float | None = None,
        *,
        ch_names: Sequence[str] | None = None,
        on_flat: OnFlat = "raise",
    ) -> None:
        self.features = features
        self.sfreq = sfreq
        self.ch_names = ch_names
        self.on_flat = on_flat

    def _labels(self) -> list[str]:
        return list(_check_features(self.features))

    def _prepare(self, X: NDArray[np.float64]) -> None:
        _check_features(self.features)
        _sfreq_or_none(self.sfreq)
        check_option(self.on_flat, _ON_FLAT, "on_flat")

    def _compute(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        return time_features(X, self.sfreq, self.features, on_flat=self.on_flat)
