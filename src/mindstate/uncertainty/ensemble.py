"""Deep ensembles (Lakshminarayanan et al., 2017): average the probabilities of several models.

The members' spread gives the epistemic uncertainty: pass :meth:`DeepEnsemble.predict_samples`
to :func:`~mindstate.uncertainty.measures.mutual_information` or
:func:`~mindstate.uncertainty.measures.variance`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_array, check_option, describe
from .mc_dropout import predict_batched

if TYPE_CHECKING:
    from torch import nn

__all__ = ["DeepEnsemble"]


class DeepEnsemble:
    """Average the (weighted) predictions of several trained models.

    Parameters
    ----------
    models : list of torch.nn.Module
        The members; each maps the same input batch to (batch, n_outputs) logits.
    weights : sequence of float | None
        Non-negative member weights, normalised to sum to 1 (default equal; e.g. the seed's
        0.4/0.3/0.3).
    activation : {"softmax", "sigmoid", None}
        Applied to each member's outputs before averaging (``None`` for regression).

    Notes
    -----
    Members run in eval mode (dropout off, BatchNorm running statistics) under ``no_grad``;
    their modes are restored afterwards.
    """

    def __init__(
        self,
        models: Sequence[nn.Module],
        weights: Sequence[float] | None = None,
        *,
        activation: str | None = "softmax",
    ) -> None:
        from torch import nn

        self.models = list(models)
        if not self.models:
            raise ValueError("DeepEnsemble needs at least one model; got an empty list.")
        for i, m in enumerate(self.models):
            if not isinstance(m, nn.Module):
                raise TypeError(f"models[{i}] must be a torch.nn.Module; got {describe(m)}.")
        self.activation = check_option(activation, ("softmax", "sigmoid", None), "activation")
        if weights is None:
            w = np.full(len(self.models), 1.0 / len(self.models))
        else:
            w = check_array(weights, "weights", ndim=1)
            if w.shape[0] != len(self.models):
                raise ValueError(
                    f"weights must have one entry per model ({len(self.models)}); got {w.shape[0]}."
                )
            if np.any(w < 0) or w.sum() <= 0:
                raise ValueError(f"weights must be non-negative with a positive sum; got {w}.")
            w = w / w.sum()
        self.weights = w

    def predict_samples(self, x: Any, *, batch_size: int | None = None) -> NDArray[np.float64]:
        """Each member's activated outputs.

        Parameters
        ----------
        x : Tensor or ndarray of shape (n, ...)
            Inputs.
        batch_size : int | None
            Chunk size.

        Returns
        -------
        samples : ndarray of shape (n_models, n, n_outputs)
            One row of activated outputs per member.
        """
        outs = []
        for m in self.models:
            modes = {sub: sub.training for sub in m.modules()}
            try:
                m.eval()
                outs.append(predict_batched(m, x, batch_size=batch_size,
                                            activation=self.activation))
            finally:
                for sub, mode in modes.items():
                    sub.training = mode
        shapes = {o.shape for o in outs}
        if len(shapes) > 1:
            raise ValueError(f"The ensemble members disagree on the output shape: {shapes}.")
        return np.stack(outs)

    def predict_proba(self, x: Any, *, batch_size: int | None = None) -> NDArray[np.float64]:
        """Weighted mean of the members' outputs.

        Parameters
        ----------
        x : Tensor or ndarray of shape (n, ...)
            Inputs.
        batch_size : int | None
            Chunk size.

        Returns
        -------
        proba : ndarray of shape (n, n_outputs)
            The ensemble prediction.
        """
        samples = self.predict_samples(x, batch_size=batch_size)
        return np.tensordot(self.weights, samples, axes=1)

    def predict(self, x: Any, *, batch_size: int | None = None) -> NDArray[np.int64]:
        """Class indices of the ensemble's mean prediction.

        Parameters
        ----------
        x : Tensor or ndarray of shape (n, ...)
            Inputs.
        batch_size : int | None
            Chunk size.

        Returns
        -------
        labels : ndarray of shape (n,)
            Argmax of :meth:`predict_proba`.
        """
        return np.argmax(self.predict_proba(x, batch_size=batch_size), axis=1)

    def __len__(self) -> int:
        return len(self.models)

    def __repr__(self) -> str:
        return (f"DeepEnsemble(n_models={len(self.models)}, weights={np.round(self.weights, 4)}, "
                f"activation={self.activation!r})")
