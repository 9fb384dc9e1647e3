"""Input validation helpers shared by every public boundary.

Messages follow one template: parameter name, what was expected, what came (with
shape and dtype for arrays) and, when known, the fix.
"""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .exceptions import DataQualityError, NotFittedError

__all__ = [
    "check_array",
    "check_channels",
    "check_finite",
    "check_fitted",
    "check_int",
    "check_option",
    "check_range",
    "check_sfreq",
    "check_type",
    "describe",
    "suggest",
]


def suggest(name: str, options: Iterable[str], n: int = 1) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest option, or ``""``.

    Parameters
    ----------
    name : str
        The unknown name the user gave.
    options : iterable of str
        The valid names to compare against.
    n : int
        Maximum number of close matches to suggest.

    Returns
    -------
    hint : str
        The hint with a leading space, or ``""`` when no option is close enough.
    """
    matches = difflib.get_close_matches(str(name), [str(o) for o in options], n=n, cutoff=0.6)
    if not matches:
        return ""
    return " Did you mean " + " or ".join(repr(m) for m in matches) + "?"


def describe(value: Any) -> str:
    """Short description of a value for error messages (shape and dtype for arrays).

    Parameters
    ----------
    value : object
        Any value; arrays and array-likes with ``shape`` and ``dtype`` are described by
        those, everything else by its (truncated) ``repr`` and type name.

    Returns
    -------
    text : str
        The description.
    """
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return f"{type(value).__name__} of shape {tuple(value.shape)} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{text} ({type(value).__name__})"


def check_type(value: Any, types: type | tuple[type, ...], name: str) -> Any:
    """Raise ``TypeError`` unless ``value`` is an instance of ``types``.

    ``bool`` is never accepted where a number is expected, and an ``int`` is accepted
    where a ``float`` is.

    Parameters
    ----------
    value : object
        The value to check.
    types : type | tuple of type
        The accepted type(s).
    name : str
        The parameter name used in the message.

    Returns
    -------
    value : object
        ``value`` unchanged.
    """
    types_t = types if isinstance(types, tuple) else (types,)
    if float in types_t and isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return value
    if isinstance(value, bool) and bool not in types_t:
        ok = False
    else:
        ok = isinstance(value, types_t)
    if not ok:
        names = " or ".join(t.__name__ for t in types_t)
        raise TypeError(f"{name} must be {names}; got {describe(value)}.")
    return value


def check_option(value: Any, options: Sequence[Any], name: str) -> Any:
    """Raise ``ValueError`` unless ``value`` is one of ``options``, suggesting the closest.

    Parameters
    ----------
    value : object
        The value to check.
    options : sequence
        The allowed values.
    name : str
        The parameter name used in the message.

    Returns
    -------
    value : object
        ``value`` unchanged.
    """
    if value not in options:
        allowed = ", ".join(repr(o) for o in options)
        hint = suggest(str(value), [str(o) for o in options]) if isinstance(value, str) else ""
        raise ValueError(f"{name} must be one of {allowed}; got {value!r}.{hint}")
    return value


def check_int(value: Any, name: str, *, min_value: int | None = None) -> int:
    """``value`` as ``int``: ``TypeError`` if not an integer, ``ValueError`` below ``min_value``.

    Parameters
    ----------
    value : object
        The value to check; ``bool`` is rejected.
    name : str
        The parameter name used in messages.
    min_value : int | None
        Smallest allowed value (inclusive); ``None`` for no lower bound.

    Returns
    -------
    value : int
        ``value`` converted to a Python ``int``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {describe(value)}.")
    value = int(value)
    if min_value is not None and value < min_value:
        raise ValueError(f"{name} must be >= {min_value}; got {value}.")
    return value


def check_range(
    value: Any,
    name: str,
    low: float | None = None,
    high: float | None = None,
    *,
    inclusive: tuple[bool, bool] = (True, True),
) -> float:
    """Check a real number lies in [low, high] (bounds optional; inclusivity per side).

    Parameters
    ----------
    value : float | int
        The number to check; must be finite.
    name : str
        The parameter name used in messages.
    low : float | None
        Lower bound; ``None`` for no lower bound.
    high : float | None
        Upper bound; ``None`` for no upper bound.
    inclusive : tuple of (bool, bool)
        Whether ``low`` and ``high`` themselves are allowed.

    Returns
    -------
    value : float
        ``value`` converted to ``float``.
    """
    check_type(value, (float, int), name)
    value_f = float(value)
    if not np.isfinite(value_f):
        raise ValueError(f"{name} must be finite; got {value!r}.")
    lo_ok = low is None or (value_f >= low if inclusive[0] else value_f > low)
    hi_ok = high is None or (value_f <= high if inclusive[1] else value_f < high)
    if not (lo_ok and hi_ok):
        lb = "[" if inclusive[0] else "("
        rb = "]" if inclusive[1] else ")"
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        raise ValueError(f"{name} must be in {lb}{lo}, {hi}{rb}; got {value!r}.")
    return value_f


def check_sfreq(sfreq: Any, name: str = "sfreq") -> float:
    """A sampling frequency: a finite positive number, in Hz.

    Parameters
    ----------
    sfreq : float | int
        The sampling frequency to check, in Hz.
    name : str
        The parameter name used in messages.

    Returns
    -------
    sfreq : float
        ``sfreq`` as ``float``, in Hz.
    """
    return check_range(sfreq, name, 0.0, None, inclusive=(False, True))


def check_finite(
    X: NDArray[Any], name: str = "X", ch_names: Sequence[str] | None = None
) -> None:
    """Raise :class:`DataQualityError` if ``X`` holds NaN or Inf, naming channels when given.

    Uses the cheap sum-first test; the slow path runs only when the sum is not finite.

    Parameters
    ----------
    X : ndarray
        The array to check; non-float, non-complex arrays always pass. When it has at
        least 2 dimensions, axis ``-2`` is taken as the channel axis, e.g.
        ``(n_chans, n_times)`` or ``(n_epochs, n_chans, n_times)``.
    name : str
        The parameter name used in the message.
    ch_names : sequence of str | None
        Channel names, of length ``n_chans``; when given (and matching axis ``-2``) the
        message names the channels holding NaN/Inf.
    """
    if X.dtype.kind not in "fc":
        return
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.sum(X)
    if np.isfinite(total):
        return
    bad = ~np.isfinite(X)
    if not bad.any():  # overflow in the sum only
        return
    n_bad = int(bad.sum())
    where = ""
    if ch_names is not None and X.ndim >= 2 and X.shape[-2] == len(ch_names):
        axes = tuple(i for i in range(X.ndim) if i != X.ndim - 2)
        chans = [ch_names[int(i)] for i in np.flatnonzero(bad.any(axis=axes))]
        where = f" in channel(s) {', '.join(chans[:10])}{' ...' if len(chans) > 10 else ''}"
    raise DataQualityError(
        f"{name} contains {n_bad} NaN/Inf value(s){where}. Remove or interpolate the affected "
        "segments before passing the data (mindstate never fills them silently)."
    )


def check_array(
    X: Any,
    name: str = "X",
    *,
    ndim: int | tuple[int, ...] | None = None,
    shape_hint: str | None = None,
    dtype: Any = np.float64,
    allow_nonfinite: bool = False,
    min_samples: int = 1,
    copy: bool = False,
) -> NDArray[Any]:
    """Convert ``X`` to an array and check its dimensionality and values.

    Parameters
    ----------
    X : array-like
        The input.
    name : str
        The parameter name used in messages.
    ndim : int | tuple of int | None
        Allowed numbers of dimensions.
    shape_hint : str | None
        The expected shape in words, e.g. ``"(n_chans, n_times)"``.
    dtype : dtype | None
        Target dtype; ``None`` keeps the input dtype.
    allow_nonfinite : bool
        If False (default), NaN/Inf raise :class:`~mindstate.exceptions.DataQualityError`.
    min_samples : int
        Minimum length of the last axis.
    copy : bool
        Force a copy.

    Returns
    -------
    X : ndarray
        The validated array (a copy when ``copy`` or a dtype conversion was needed).
    """
    if isinstance(X, (str, bytes)) or X is None:
        raise TypeError(f"{name} must be array-like; got {describe(X)}.")
    try:
        arr = np.array(X, dtype=dtype, copy=True) if copy else np.asarray(X, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a numeric array; got {describe(X)} ({exc}).") from exc
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            hint = f" {shape_hint}" if shape_hint else ""
            fix = ""
            if arr.ndim + 1 in allowed:
                fix = f" For a single item use {name}[np.newaxis]."
            raise ValueError(
                f"{name} must have {' or '.join(map(str, allowed))} dimensions{hint}; "
                f"got shape {arr.shape}.{fix}"
            )
    if arr.ndim and arr.shape[-1] < min_samples:
        raise ValueError(
            f"{name} must have at least {min_samples} sample(s) along its last axis; "
            f"got shape {arr.shape}."
        )
    if not allow_nonfinite:
        check_finite(arr, name)
    return arr


def check_channels(
    ch_names: Sequence[str], required: Sequence[str], name: str = "ch_names"
) -> list[int]:
    """Indices of ``required`` in ``ch_names``; ``ValueError`` listing any missing.

    Parameters
    ----------
    ch_names : sequence of str
        The available channel names.
    required : sequence of str
        The channel names that must be present.
    name : str
        The parameter name used in the message.

    Returns
    -------
    indices : list of int
        Position of each ``required`` channel in ``ch_names``, in the order of ``required``.
    """
    index = {c: i for i, c in enumerate(ch_names)}
    missing = [c for c in required if c not in index]
    if missing:
        hints = "".join(suggest(m, ch_names) for m in missing[:3])
        raise ValueError(
            f"{name} lacks required channel(s) {missing}; got {list(ch_names)}.{hints}"
        )
    return [index[c] for c in required]


def check_fitted(estimator: Any, attributes: str | Sequence[str] | None = None) -> None:
    """Raise :class:`NotFittedError` unless ``estimator`` has fitted attributes (``*_``).

    Parameters
    ----------
    estimator : object
        The estimator to check.
    attributes : str | sequence of str | None
        Attribute name(s) that must all exist; ``None`` accepts any instance attribute
        whose name ends in ``_``.
    """
    if attributes is None:
        fitted = [k for k in vars(estimator) if k.endswith("_") and not k.startswith("__")]
    else:
        attrs = [attributes] if isinstance(attributes, str) else list(attributes)
        fitted = [a for a in attrs if hasattr(estimator, a)]
        if len(fitted) != len(attrs):
            fitted = []
    if not fitted:
        raise NotFittedError(
            f"This {type(estimator).__name__} instance is not fitted yet. Call 'fit' with "
            "appropriate arguments before using this estimator."
        )
