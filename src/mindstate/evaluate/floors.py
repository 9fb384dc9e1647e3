"""Floors: simple models scored on the same folds as the network, so every report has one.

- ``bandpower``: the chain's floor features (log band power per channel and band for EEG;
  per-stream statistics, sentence embeddings, ... for other modalities) → the task's linear
  model (logistic regression; ridge for regression).
- ``riemann``: shrinkage (OAS) covariance of each EEG window → tangent space at the
  Riemannian mean of the *training* fold's covariances (Barachant et al., IEEE TBME 59(4),
  2012; pyRiemann) → the same linear model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_option

__all__ = ["FLOORS", "Floor"]

FLOORS = ("bandpower", "riemann")


class Floor:
    """Features of a floor, prepared once and split per fold.

    Parameters
    ----------
    name : {"bandpower", "riemann"}
        Which floor.
    chain : object
        The run's signal chain (``baseline_features`` for ``bandpower``).
    X : ndarray or dict of ndarray
        All windows, as the chain returns them.
    """

    def __init__(self, name: str, chain: Any, X: Any) -> None:
        self.name = check_option(name, FLOORS, "evaluate.floor")
        if self.name == "bandpower":
            self.F = chain.baseline_features(X)
            return
        if isinstance(X, dict) or getattr(chain, "kind", "eeg") != "eeg":
            raise ValueError(
                "evaluate.floor='riemann' needs EEG windows (n_windows, n_chans, n_times); this "
                f"run's chain is {getattr(chain, 'kind', type(chain).__name__)!r}. Use "
                "evaluate.floor: bandpower.")
        from pyriemann.estimation import Covariances

        X = np.asarray(X, dtype=np.float64)
        X = X / (np.median(np.std(X, axis=-1)) + 1e-30)                # unit scale, any units
        self.F = Covariances(estimator="oas").fit_transform(X)         # (n, C, C)

    def fold(self, train_idx: NDArray[np.intp], test_idx: NDArray[np.intp]
             ) -> tuple[NDArray[Any], NDArray[Any]]:
        """The floor's training and test features for one fold.

        Parameters
        ----------
        train_idx, test_idx : ndarray of int
            Window indices.

        Returns
        -------
        F_train, F_test : ndarray
            Feature matrices (the tangent-space reference is fitted on ``train_idx`` only).
        """
        if self.name == "bandpower":
            return self.F[train_idx], self.F[test_idx]
        from pyriemann.tangentspace import TangentSpace

        ts = TangentSpace(metric="riemann").fit(self.F[train_idx])
        return ts.transform(self.F[train_idx]), ts.transform(self.F[test_idx])
