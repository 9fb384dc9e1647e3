"""Label-free per-person alignment of EEG windows (Euclidean and Riemannian re-centring).

Each person's windows are whitened by the inverse square root of a reference covariance
computed from that person's windows alone, without labels: the arithmetic mean of the
window covariances (Euclidean alignment, He & Wu, IEEE TBME 67(5), 2020) or their Riemannian
(affine-invariant) mean (re-centring, Zanini et al., IEEE TBME 65(5), 2018). After alignment
every person's mean covariance is the identity, which removes much of the between-person
shift that makes cross-subject EEG decoding hard. It needs a sample of the person's EEG that
spans their usual states: aligning on a recording of one state only whitens that state away.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_option

__all__ = ["ALIGN_METHODS", "align_by_group", "alignment_reference", "apply_alignment"]

ALIGN_METHODS = ("none", "euclidean", "riemann")


def _covariances(X: NDArray[Any]) -> NDArray[np.float64]:
    Xc = X - X.mean(axis=-1, keepdims=True)
    C = np.einsum("nct,ndt->ncd", Xc, Xc, optimize=True) / X.shape[-1]
    return C.astype(np.float64)


def _powm(C: NDArray[np.float64], p: float) -> NDArray[np.float64]:
    w, V = np.linalg.eigh(0.5 * (C + C.T))
    w = np.clip(w, w.max() * 1e-10, None)
    return (V * w**p) @ V.T


def alignment_reference(X: NDArray[Any], method: str = "euclidean") -> NDArray[np.float64]:
    """The whitening matrix ``M^{-1/2}`` of one person's windows.

    Parameters
    ----------
    X : ndarray of shape (n_windows, n_chans, n_times)
        The person's windows (any units; finite).
    method : {"euclidean", "riemann"}
        Arithmetic or affine-invariant Riemannian mean of the window covariances.

    Returns
    -------
    ndarray of shape (n_chans, n_chans)
        Symmetric ``M^{-1/2}``; ``M^{-1/2} x`` aligns a window ``x``.
    """
    method = check_option(method, ("euclidean", "riemann"), "align")
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 3 or len(X) == 0:
        raise ValueError(f"alignment needs windows of shape (n_windows, n_chans, n_times); "
                         f"got {X.shape}.")
    C = _covariances(X)
    scale = np.trace(C, axis1=1, axis2=2).mean() / C.shape[1]
    C = C + 1e-6 * scale * np.eye(C.shape[1])                          # keep every C SPD
    if method == "euclidean":
        M = C.mean(axis=0)
    else:
        from pyriemann.geometry.mean import mean_riemann

        M = mean_riemann(C)
    return _powm(M, -0.5)


def apply_alignment(X: NDArray[Any], ref: NDArray[np.float64]) -> NDArray[np.float32]:
    """``ref @ x`` for every window ``x`` of ``X``.

    Parameters
    ----------
    X : ndarray of shape (n_windows, n_chans, n_times)
        Windows.
    ref : ndarray of shape (n_chans, n_chans)
        The whitening matrix from :func:`alignment_reference`.

    Returns
    -------
    ndarray of shape (n_windows, n_chans, n_times)
        Aligned windows, float32.
    """
    return np.einsum("cd,ndt->nct", ref, np.asarray(X, dtype=np.float64),
                     optimize=True).astype(np.float32)


def align_by_group(X: NDArray[Any], groups: Sequence[Any] | NDArray[Any],
                   method: str = "euclidean") -> tuple[NDArray[np.float32], dict[str, Any]]:
    """Align each group's windows (one group per person) with its own reference.

    Parameters
    ----------
    X : ndarray of shape (n_windows, n_chans, n_times)
        Windows.
    groups : sequence of length n_windows
        The person (subject) of each window.
    method : {"none", "euclidean", "riemann"}
        The reference mean; ``"none"`` returns ``X`` unchanged (as float32).

    Returns
    -------
    X_aligned : ndarray of shape (n_windows, n_chans, n_times)
    references : dict
        Group → its ``M^{-1/2}`` (empty for ``"none"``).
    """
    method = check_option(method, ALIGN_METHODS, "align")
    X = np.asarray(X)
    g = np.asarray(groups).astype(str)
    if len(g) != len(X):
        raise ValueError(f"groups has {len(g)} entries for {len(X)} windows; give one per "
                         "window.")
    if method == "none":
        return X.astype(np.float32), {}
    out = np.empty(X.shape, dtype=np.float32)
    refs: dict[str, Any] = {}
    for key in np.unique(g):
        idx = np.flatnonzero(g == key)
        refs[str(key)] = alignment_reference(X[idx], method)
        out[idx] = apply_alignment(X[idx], refs[str(key)])
    return out, refs
