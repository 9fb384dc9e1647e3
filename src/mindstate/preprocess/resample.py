"""Polyphase resampling of EEG arrays (``scipy.signal.resample_poly``), and its kernel.

:mod:`mindstate.stream` reuses :func:`polyphase_kernel` for causal resampling.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_int, check_sfreq
from .filter_design import _check_signal

__all__ = ["polyphase_kernel", "resample", "resample_ratio"]


def resample_ratio(sfreq: float, new_sfreq: float) -> tuple[int, int]:
    """Smallest integers ``(up, down)`` with ``new_sfreq / sfreq == up / down``.

    Parameters
    ----------
    sfreq, new_sfreq : float
        Current and target sampling frequencies in Hz.

    Returns
    -------
    up, down : int
        Coprime factors.

    Raises
    ------
    ValueError
        If the ratio is not a rational number with a denominator below 10000.
    """
    sfreq = check_sfreq(sfreq)
    new_sfreq = check_sfreq(new_sfreq, "new_sfreq")
    ratio = Fraction(new_sfreq / sfreq).limit_denominator(10_000)
    if abs(float(ratio) * sfreq - new_sfreq) > 1e-9 * new_sfreq:
        raise ValueError(
            f"new_sfreq / sfreq = {new_sfreq:g} / {sfreq:g} is not a ratio of small integers "
            "(denominator < 10000), so polyphase resampling cannot hit it exactly. Round "
            "new_sfreq to a rational multiple of sfreq."
        )
    return ratio.numerator, ratio.denominator


def polyphase_kernel(up: int, down: int) -> NDArray[np.float64]:
    """The anti-aliasing kernel ``scipy.signal.resample_poly`` uses, scaled by ``up``.

    Parameters
    ----------
    up, down : int
        Coprime resampling factors.

    Returns
    -------
    h : ndarray of shape (20 * max(up, down) + 1,)
        Kaiser-windowed (beta 5) low-pass at ``1 / max(up, down)`` of Nyquist, times ``up``.
    """
    from scipy.signal import firwin

    up = check_int(up, "up", min_value=1)
    down = check_int(down, "down", min_value=1)
    max_rate = max(up, down)
    half_len = 10 * max_rate
    return firwin(2 * half_len + 1, 1.0 / max_rate, window=("kaiser", 5.0)) * up


def resample(X: Any, sfreq: float, new_sfreq: float) -> NDArray[np.float64]:
    """Polyphase resampling along the last axis (``scipy.signal.resample_poly``).

    Parameters
    ----------
    X : array-like of shape (..., n_chans, n_times)
        EEG in volts.
    sfreq : float
        Current sampling frequency in Hz.
    new_sfreq : float
        Target sampling frequency in Hz; ``new_sfreq / sfreq`` must be rational.

    Returns
    -------
    Y : ndarray of shape (..., n_chans, ceil(n_times * new_sfreq / sfreq))
        The resampled signal in volts (anti-aliased with :func:`polyphase_kernel`).
    """
    from scipy.signal import resample_poly

    X = _check_signal(X)
    up, down = resample_ratio(sfreq, new_sfreq)
    if up == down == 1:
        return X.copy()
    return resample_poly(X, up, down, axis=-1, window=polyphase_kernel(up, down) / up)
