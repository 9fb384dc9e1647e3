"""Small private helpers shared by several stages (rank 0: importable from anywhere).

- :func:`natural_key`: sort key that orders ``S2`` before ``S10``.
- :func:`robust_center_scale` / :func:`robust_z`: median and ``1.4826 * MAD`` (the SD of
  Gaussian data), and the z-score built on them.
- :func:`sos_padlen` / :func:`zero_phase_sos`: zero-phase (forward-backward) IIR filtering
  with scipy's default edge padding and one error message for too-short signals.

Nothing here is public API; the stages re-export what they document.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "MAD_TO_SD",
    "natural_key",
    "robust_center_scale",
    "robust_z",
    "sos_padlen",
    "zero_phase_sos",
]

#: Factor turning the median absolute deviation into the SD of Gaussian data.
MAD_TO_SD = 1.4826


def natural_key(value: Any) -> list[Any]:
    """Sort key splitting digits so ``S2`` sorts before ``S10`` (never lexicographic).

    Parameters
    ----------
    value : Any
        The value (a name, a path, a group label) to sort; compared as ``str(value)``.

    Returns
    -------
    key : list of str and int
        The text split at runs of digits, with the digit runs as ``int``.
    """
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", str(value))]


def robust_center_scale(
    values: NDArray[np.float64],
    axis: int | None = None,
    *,
    mask: NDArray[np.bool_] | None = None,
) -> tuple[Any, Any]:
    """Median and robust SD ``1.4826 * MAD`` of ``values``.

    Parameters
    ----------
    values : ndarray
        The data.
    axis : int | None
        Axis along which the statistics are taken (kept, of length 1, in the output);
        None: over all entries (scalars returned).
    mask : ndarray of bool | None
        Only with ``axis=None``: take the statistics over ``values[mask]``.

    Returns
    -------
    median : float | ndarray
        The median.
    sigma : float | ndarray
        ``1.4826 * median(|values - median|)``, in the units of ``values``.
    """
    ref = values if mask is None else values[mask]
    if axis is None:
        med = float(np.median(ref))
        return med, MAD_TO_SD * float(np.median(np.abs(ref - med)))
    med_a = np.median(ref, axis=axis, keepdims=True)
    return med_a, MAD_TO_SD * np.median(np.abs(ref - med_a), axis=axis, keepdims=True)


def robust_z(
    values: NDArray[np.float64],
    axis: int | None = None,
    *,
    mask: NDArray[np.bool_] | None = None,
    floor: float = 0.0,
) -> NDArray[np.float64]:
    """Robust z-score ``(values - median) / max(1.4826 * MAD, floor)``.

    Parameters
    ----------
    values : ndarray
        The data.
    axis : int | None
        Axis of the statistics (None: all entries).
    mask : ndarray of bool | None
        With ``axis=None``, the entries the statistics are taken over.
    floor : float
        Lower bound of the robust SD, in the units of ``values`` (the smallest positive
        float is always a floor, so a zero MAD never divides by zero).

    Returns
    -------
    z : ndarray
        Same shape as ``values``.
    """
    med, sigma = robust_center_scale(values, axis, mask=mask)
    return (values - med) / np.maximum(sigma, max(floor, np.finfo(float).tiny))


def sos_padlen(sos: NDArray[np.float64]) -> int:
    """The default edge padding of ``scipy.signal.sosfiltfilt`` for ``sos``.

    Parameters
    ----------
    sos : ndarray of shape (n_sections, 6)
        Second-order sections.

    Returns
    -------
    padlen : int
        ``3 * (2 * n_sections + 1 - n_trailing_zeros)`` samples.
    """
    n_sections = sos.shape[0]
    n_zeros = min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    return 3 * (2 * n_sections + 1 - n_zeros)


def zero_phase_sos(
    X: NDArray[Any],
    sos: NDArray[np.float64],
    *,
    name: str = "X",
    what: str = "filter",
    sfreq: float | None = None,
) -> NDArray[np.float64]:
    """Forward-backward ``scipy.signal.sosfiltfilt`` along the last axis (new array).

    Parameters
    ----------
    X : ndarray of shape (..., n_times)
        The signal.
    sos : ndarray of shape (n_sections, 6)
        The filter.
    name : str
        Name of ``X`` in the error message.
    what : str
        The operation, in the error message ("too short to <what>").
    sfreq : float | None
        Only used to express the needed length in seconds.

    Returns
    -------
    Y : ndarray of shape (..., n_times)
        The zero-phase filtered signal.

    Raises
    ------
    ValueError
        If ``X`` has at most ``sos_padlen(sos)`` samples.
    """
    from scipy.signal import sosfiltfilt

    padlen = sos_padlen(sos)
    n_times = X.shape[-1]
    if n_times <= padlen:
        secs = f" ({padlen / sfreq:.3f} s at sfreq={sfreq:g} Hz)" if sfreq else ""
        raise ValueError(
            f"{name} is too short to {what}: zero-phase IIR filtering (sosfiltfilt) needs more "
            f"than {padlen} samples along the last axis{secs}; got shape {X.shape}. The "
            "window is shorter than the filter padlen: use longer windows (filter the "
            "continuous recording before cutting windows), phase='causal', or a lower order."
        )
    return np.asarray(sosfiltfilt(sos, X, axis=-1, padlen=padlen))
