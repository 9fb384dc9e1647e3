"""Causal, label-free alignment of a person's EEG as it streams in (online re-centring).

The streaming form of :mod:`mindstate.preprocess.align`: the reference covariance is an
exponentially weighted mean of the windows seen so far, ``M_t = γ M_{t-1} + (1-γ) C_t`` (a
recursive least-squares estimate of the mean covariance with forgetting factor γ), and each
new window is whitened by ``M_t^{-1/2}``. Nothing from the future and no label is used, so it
runs at test time on a new person. The step is ``max(1 - γ, 1/t)``: the plain mean of the
windows seen until the memory ``1/(1-γ)`` is reached (and always, with γ = 1).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_range

__all__ = ["OnlineAligner"]


def _inv_sqrt(M: NDArray[np.float64]) -> NDArray[np.float64]:
    w, V = np.linalg.eigh(0.5 * (M + M.T))
    w = np.clip(w, w.max() * 1e-10, None)
    return (V * w**-0.5) @ V.T


class OnlineAligner:
    """Recursive Euclidean alignment with forgetting.

    Parameters
    ----------
    forget : float in (0, 1]
        γ; the memory is about ``1 / (1 - γ)`` windows (1: the running mean of all windows).
    """

    def __init__(self, forget: float = 0.99) -> None:
        self.forget = check_range(forget, "forget", 0.0, 1.0, inclusive=(False, True))
        self.M: NDArray[np.float64] | None = None
        self.n_seen = 0

    def update(self, window: NDArray[Any]) -> NDArray[np.float32]:
        """Absorb one window (n_chans, n_times) and return it aligned (float32).

        Parameters
        ----------
        window : ndarray of shape (n_chans, n_times)
            The newest window.

        Returns
        -------
        ndarray of shape (n_chans, n_times)
            ``M_t^{-1/2}`` times the window, ``M_t`` including this window.
        """
        x = np.asarray(window, dtype=np.float64)
        if x.ndim != 2 or not np.isfinite(x).all():
            raise ValueError(f"window must be a finite (n_chans, n_times) array; got shape "
                             f"{x.shape}.")
        xc = x - x.mean(axis=1, keepdims=True)
        C = xc @ xc.T / x.shape[1]
        self.n_seen += 1
        if self.M is None:
            self.M = C
        else:
            self.M = self.M + (C - self.M) * max(1.0 - self.forget, 1.0 / self.n_seen)
        return (_inv_sqrt(self.M) @ x).astype(np.float32)

    def transform_sequence(self, X: NDArray[Any]) -> NDArray[np.float32]:
        """Align windows (n_windows, n_chans, n_times) one after the other, in order.

        Parameters
        ----------
        X : ndarray of shape (n_windows, n_chans, n_times)
            A person's windows in time order.

        Returns
        -------
        ndarray of shape (n_windows, n_chans, n_times)
            Each window aligned with the reference of the windows up to it.
        """
        return np.stack([self.update(x) for x in np.asarray(X)])
