"""Hemispheric asymmetry features: DASM (left − right) and RASM (left / right).

Following Zheng & Lu (2015), *Investigating critical frequency bands and channels for
EEG-based emotion recognition with deep neural networks* (IEEE TAMD), asymmetry features
are computed from a per-channel feature (differential entropy or band power) of the 27
symmetric electrode pairs of the 62-channel SEED montage: ``DASM = h(left) − h(right)``
and ``RASM = h(left) / h(right)``.

Channel names match case-insensitively, and the old 10-20 names T3/T4/T5/T6 match
T7/T8/P7/P8 (and vice versa).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, TransformerMixin

from .._validation import check_array, check_fitted, check_option, suggest
from ..exceptions import DataQualityError
from ..io.channels import NEW_TO_OLD_1020, OLD_TO_NEW_1020

__all__ = [
    "PAIRS_1020",
    "SEED_CHANNELS",
    "SEED_PAIRS",
    "AsymmetryFeatures",
    "dasm",
    "rasm",
    "resolve_pairs",
]

#: The 62 channels of SEED / SEED-IV / SEED-VII, in their file order.
SEED_CHANNELS: tuple[str, ...] = (
    "FP1", "FPZ", "FP2", "AF3", "AF4", "F7", "F5", "F3", "F1", "FZ", "F2", "F4", "F6", "F8",
    "FT7", "FC5", "FC3", "FC1", "FCZ", "FC2", "FC4", "FC6", "FT8", "T7", "C5", "C3", "C1",
    "CZ", "C2", "C4", "C6", "T8", "TP7", "CP5", "CP3", "CP1", "CPZ", "CP2", "CP4", "CP6",
    "TP8", "P7", "P5", "P3", "P1", "PZ", "P2", "P4", "P6", "P8", "PO7", "PO5", "PO3", "POZ",
    "PO4", "PO6", "PO8", "CB1", "O1", "OZ", "O2", "CB2",
)

#: The 27 symmetric (left, right) pairs of the SEED montage used for DASM/RASM.
SEED_PAIRS: tuple[tuple[str, str], ...] = (
    ("FP1", "FP2"), ("AF3", "AF4"), ("F7", "F8"), ("F5", "F6"), ("F3", "F4"), ("F1", "F2"),
    ("FT7", "FT8"), ("FC5", "FC6"), ("FC3", "FC4"), ("FC1", "FC2"), ("T7", "T8"),
    ("C5", "C6"), ("C3", "C4"), ("C1", "C2"), ("TP7", "TP8"), ("CP5", "CP6"), ("CP3", "CP4"),
    ("CP1", "CP2"), ("P7", "P8"), ("P5", "P6"), ("P3", "P4"), ("P1", "P2"), ("PO7", "PO8"),
    ("PO5", "PO6"), ("PO3", "PO4"), ("CB1", "CB2"), ("O1", "O2"),
)

#: The 8 symmetric pairs of the 19-channel 10-20 montage (T7/T8/P7/P8 also match T3/T4/T5/T6).
PAIRS_1020: tuple[tuple[str, str], ...] = (
    ("Fp1", "Fp2"), ("F7", "F8"), ("F3", "F4"), ("T7", "T8"), ("C3", "C4"), ("P7", "P8"),
    ("P3", "P4"), ("O1", "O2"),
)

_ALIASES = {**OLD_TO_NEW_1020, **NEW_TO_OLD_1020}
OnMissing = Literal["raise", "warn", "ignore"]


def _find(name: str, index: dict[str, int]) -> int | None:
    key = name.upper()
    if key in index:
        return index[key]
    alias = _ALIASES.get(key)
    return index.get(alias) if alias is not None else None


def resolve_pairs(
    ch_names: Sequence[str],
    pairs: Literal["seed", "1020"] | Sequence[tuple[str, str]] = "seed",
    *,
    on_missing: OnMissing = "raise",
) -> tuple[list[tuple[str, str]], NDArray[np.intp], NDArray[np.intp]]:
    """Match electrode pairs to channel indices.

    Parameters
    ----------
    ch_names : list of str
        Channel names of the feature array.
    pairs : {"seed", "1020"} | list of (str, str)
        :data:`SEED_PAIRS`, :data:`PAIRS_1020` or explicit (left, right) pairs.
    on_missing : {"raise", "warn", "ignore"}
        What to do with pairs whose channels are absent (they are dropped when not raising).

    Returns
    -------
    pairs_used : list of (str, str)
        The pairs kept, spelled as in ``ch_names``.
    left : ndarray of int, shape (n_pairs,)
        Indices of the left channels.
    right : ndarray of int, shape (n_pairs,)
        Indices of the right channels.
    """
    import warnings

    if isinstance(ch_names, str):
        raise TypeError(f"ch_names must be a list of str; got the string {ch_names!r}.")
    names = [str(c) for c in ch_names]
    check_option(on_missing, ("raise", "warn", "ignore"), "on_missing")
    if isinstance(pairs, str):
        check_option(pairs, ("seed", "1020"), "pairs")
        pair_list = list(SEED_PAIRS if pairs == "seed" else PAIRS_1020)
    else:
        pair_list = []
        for p in pairs:
            if isinstance(p, str) or len(p) != 2:
                raise ValueError(f"pairs must hold (left, right) name tuples; got {p!r}.")
            pair_list.append((str(p[0]), str(p[1])))
        if not pair_list:
            raise ValueError("pairs must hold at least one (left, right) pair; got none.")
    index = {c.upper(): i for i, c in enumerate(names)}
    used, left, right, missing = [], [], [], []
    for lname, rname in pair_list:
        li, ri = _find(lname, index), _find(rname, index)
        if li is None or ri is None:
            missing += [n for n, i in ((lname, li), (rname, ri)) if i is None]
            continue
        used.append((names[li], names[ri]))
        left.append(li)
        right.append(ri)
    if missing:
        hints = "".join(suggest(m, names) for m in missing[:3])
        msg = (f"ch_names lacks channel(s) {missing} needed by the asymmetry pairs.{hints} "
               "Rename the channels, pass pairs= explicitly, or on_missing='ignore' to drop "
               "incomplete pairs.")
        if on_missing == "raise":
            raise ValueError(msg)
        if on_missing == "warn":
            warnings.warn(msg, stacklevel=3)
    if not used:
        raise ValueError(f"no asymmetry pair is complete in ch_names={names}.")
    return used, np.asarray(left, dtype=np.intp), np.asarray(right, dtype=np.intp)


def _check_features(F: Any, ch_names: Sequence[str], name: str = "F") -> NDArray[np.float64]:
    arr = check_array(F, name, ndim=3, shape_hint="(n_windows, n_chans, n_bands)")
    if arr.shape[1] != len(ch_names):
        raise ValueError(
            f"{name} must have n_chans={len(ch_names)} channels (axis 1, one per ch_names); "
            f"got shape {arr.shape}."
        )
    return arr


def dasm(
    F: Any,
    ch_names: Sequence[str],
    pairs: Literal["seed", "1020"] | Sequence[tuple[str, str]] = "seed",
    *,
    on_missing: OnMissing = "raise",
) -> NDArray[np.float64]:
    """Differential asymmetry ``F[left] - F[right]`` over symmetric electrode pairs.

    Parameters
    ----------
    F : array-like of shape (n_windows, n_chans, n_bands)
        A per-channel feature (e.g. differential entropy per band).
    ch_names : list of str
        Channel names of axis 1.
    pairs : {"seed", "1020"} | list of (str, str)
        Electrode pairs (see :func:`resolve_pairs`).
    on_missing : {"raise", "warn", "ignore"}
        What to do with incomplete pairs.

    Returns
    -------
    D : ndarray of shape (n_windows, n_pairs, n_bands)
        In the unit of ``F``.
    """
    _, li, ri = resolve_pairs(ch_names, pairs, on_missing=on_missing)
    arr = _check_features(F, ch_names)
    return arr[:, li] - arr[:, ri]


def rasm(
    F: Any,
    ch_names: Sequence[str],
    pairs: Literal["seed", "1020"] | Sequence[tuple[str, str]] = "seed",
    *,
    on_missing: OnMissing = "raise",
) -> NDArray[np.float64]:
    """Rational asymmetry ``F[left] / F[right]`` over symmetric electrode pairs.

    Parameters
    ----------
    F : array-like of shape (n_windows, n_chans, n_bands)
        A per-channel feature.
    ch_names : list of str
        Channel names of axis 1.
    pairs : {"seed", "1020"} | list of (str, str)
        Electrode pairs (see :func:`resolve_pairs`).
    on_missing : {"raise", "warn", "ignore"}
        What to do with incomplete pairs.

    Returns
    -------
    R : ndarray of shape (n_windows, n_pairs, n_bands)
        Dimensionless ratios.

    Raises
    ------
    DataQualityError
        If a right-hemisphere value is zero (|value| <= 1e-12 × max|F|).
    """
    used, li, ri = resolve_pairs(ch_names, pairs, on_missing=on_missing)
    arr = _check_features(F, ch_names)
    den = arr[:, ri]
    scale = float(np.max(np.abs(arr))) if arr.size else 0.0
    zero = np.abs(den) <= 1e-12 * scale
    if zero.any():
        bad = sorted({used[j][1] for j in np.flatnonzero(zero.any(axis=(0, 2)))})
        raise DataQualityError(
            f"rasm: the right-hemisphere feature is zero for channel(s) {bad}, so the ratio "
            "is undefined. Use dasm, or a strictly non-zero feature (e.g. band power)."
        )
    return arr[:, li] / den


class AsymmetryFeatures(TransformerMixin, BaseEstimator):
    """DASM and/or RASM of a per-channel feature array (scikit-learn transformer).

    Parameters
    ----------
    ch_names : list of str
        Channel names of axis 1 of the input.
    pairs : {"seed", "1020"} | list of (str, str)
        Electrode pairs (see :func:`resolve_pairs`).
    kinds : tuple of {"dasm", "rasm"}
        Which asymmetries to output, in this order.
    band_names : list of str | None
        Names of axis 2 (default ``band0, band1, ...``).
    on_missing : {"raise", "warn", "ignore"}
        What to do with incomplete pairs.

    Attributes
    ----------
    pairs_ : list of (str, str)
        Pairs used.
    n_bands_ : int
        Number of bands seen in ``fit``.
    """

    def __init__(
        self,
        ch_names: Sequence[str],
        pairs: Literal["seed", "1020"] | Sequence[tuple[str, str]] = "seed",
        kinds: Sequence[str] = ("dasm", "rasm"),
        band_names: Sequence[str] | None = None,
        *,
        on_missing: OnMissing = "raise",
    ) -> None:
        self.ch_names = ch_names
        self.pairs = pairs
        self.kinds = kinds
        self.band_names = band_names
        self.on_missing = on_missing

    def _kinds(self) -> list[str]:
        kinds = [self.kinds] if isinstance(self.kinds, str) else list(self.kinds)
        if not kinds:
            raise ValueError("kinds must name at least one of 'dasm', 'rasm'; got ().")
        for k in kinds:
            check_option(k, ("dasm", "rasm"), "kinds")
        return kinds

    def fit(self, X: Any, y: Any = None) -> AsymmetryFeatures:
        """Resolve the pairs and check the input shape.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_bands)
            Per-channel features.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        self._kinds()
        used, _, _ = resolve_pairs(self.ch_names, self.pairs, on_missing=self.on_missing)
        arr = _check_features(X, self.ch_names, "X")
        if self.band_names is not None and len(self.band_names) != arr.shape[2]:
            raise ValueError(
                f"band_names must have one name per band ({arr.shape[2]}); got "
                f"{len(self.band_names)}."
            )
        self.pairs_ = used
        self.n_bands_ = arr.shape[2]
        return self

    def transform(self, X: Any) -> NDArray[np.float64]:
        """Compute the asymmetry features.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_bands)
            Per-channel features with the channels of ``ch_names``.

        Returns
        -------
        A : ndarray of shape (n_windows, n_kinds * n_pairs * n_bands)
            Columns ordered kind, pair, band (see :meth:`get_feature_names_out`).
        """
        check_fitted(self, "pairs_")
        arr = _check_features(X, self.ch_names, "X")
        if arr.shape[2] != self.n_bands_:
            raise ValueError(
                f"X must have n_bands={self.n_bands_} (axis 2) as in fit; got shape {arr.shape}."
            )
        fns = {"dasm": dasm, "rasm": rasm}
        parts = [fns[k](arr, self.ch_names, self.pairs_, on_missing="raise")
                 for k in self._kinds()]
        return np.concatenate([p.reshape(p.shape[0], -1) for p in parts], axis=1)

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> Any:
        """Return the names ``"<kind>_<left>-<right>_<band>"`` in column order.

        Parameters
        ----------
        input_features : None
            Ignored (channel names come from ``ch_names``).

        Returns
        -------
        names : ndarray of object, shape (n_kinds * n_pairs * n_bands,)
            The feature names.
        """
        check_fitted(self, "pairs_")
        bands = (list(self.band_names) if self.band_names is not None
                 else [f"band{i}" for i in range(self.n_bands_)])
        return np.asarray(
            [f"{k}_{lft}-{rgt}_{b}" for k in self._kinds() for lft, rgt in self.pairs_
             for b in bands],
            dtype=object,
        )
