"""``DeepRegressor``: a registered deep model as a scikit-learn regressor."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from sklearn.base import RegressorMixin

from .._validation import check_array, check_type
from ._base import _DeepEstimator

__all__ = ["DeepRegressor"]


class DeepRegressor(RegressorMixin, _DeepEstimator):
    """A registered deep model as a scikit-learn regressor.

    ``fit`` standardises the inputs (and, by default, the targets) with training statistics,
    builds the model sized from ``X`` with one output per target and trains it with the mean
    squared error (or ``loss``); ``predict`` returns outputs in the units and shape of ``y``.

    Parameters
    ----------
    model : str
        A name in :data:`mindstate.models.MODELS`, e.g. ``"embedding_mlp"`` or
        ``"shallow_convnet"``.
    model_kwargs : dict | None
        Architecture arguments of the model (e.g. ``{"hidden": [32]}``); the sizes come from
        the data and ``sfreq`` from ``sfreq``.
    sfreq : float | None
        Sampling frequency of ``X`` in Hz, for models that size kernels in seconds (EEG
        models). ``None`` leaves the model's default (with a warning for such models).
    input_name : str | None
        The model input an array ``X`` is passed as; ``None``: the model's only input.
    epochs : int
        Training epochs (fewer when early stopping triggers).
    batch_size : int
        Training batch size.
    lr : float
        Peak learning rate of AdamW (cosine schedule).
    weight_decay : float
        AdamW weight decay.
    patience : int | None
        Early-stopping patience in epochs on the validation loss; used only when
        ``val_fraction > 0``.
    val_fraction : float
        Fraction in [0, 1) of the training samples held out at random (``random_state``)
        for early stopping and best-epoch selection; 0 keeps the last epoch. For
        subject-wise evaluation the outer cross-validation must group by subject.
    loss : str | None
        A regression loss registered in :mod:`mindstate.train.losses` (``"mse"``,
        ``"ccc"``); ``None``: ``"mse"``.
    loss_kwargs : dict | None
        Arguments of the loss.
    standardize : bool
        Standardise each channel (axis 1 of each float input) with the training mean and SD,
        as in :class:`DeepClassifier`.
    random_state : int
        Seed of the initial weights, shuffling, dropout and the validation split.
    standardize_target : bool
        Train on targets centred and scaled by their training mean and SD (per target) and
        map the outputs back, so that targets far from 0 or of any unit train as well as
        unit-scale ones. The loss is then in standardised units.

    Attributes
    ----------
    model_ : mindstate.models.BaseModel
        The trained torch model (eval mode, on the CPU).
    n_outputs_ : int
        Number of targets.
    target_mean_, target_scale_ : ndarray of shape (n_targets,)
        Target standardisation (0 and 1 without ``standardize_target``).
    input_shapes_ : dict of str to tuple of int
        Per-sample shape of each model input seen in ``fit``.
    scaling_ : dict of str to tuple of ndarray | None
        Per input, the (mean, SD) used for standardisation; ``None`` without it.
    n_features_in_ : int
        Size of axis 1 of an array ``X``; not set when ``X`` is a dict.
    history_ : list of dict
        Per-epoch training history.
    best_epoch_ : int
        Epoch whose weights were kept.

    See Also
    --------
    DeepClassifier : The same for class labels.
    """

    _kind: ClassVar[str] = "regression"

    def __init__(
        self,
        model: str = "shallow_convnet",
        *,
        model_kwargs: Mapping[str, Any] | None = None,
        sfreq: float | None = None,
        input_name: str | None = None,
        epochs: int = 30,
        batch_size: int = 64,
        lr: float = 1e-3,
        weight_decay: float = 1e-2,
        patience: int | None = None,
        val_fraction: float = 0.0,
        loss: str | None = None,
        loss_kwargs: Mapping[str, Any] | None = None,
        standardize: bool = True,
        random_state: int = 0,
        standardize_target: bool = True,
    ) -> None:
        super().__init__(
            model, model_kwargs=model_kwargs, sfreq=sfreq, input_name=input_name,
            epochs=epochs, batch_size=batch_size, lr=lr, weight_decay=weight_decay,
            patience=patience, val_fraction=val_fraction, loss=loss, loss_kwargs=loss_kwargs,
            standardize=standardize, random_state=random_state,
        )
        self.standardize_target = standardize_target

    def _check_targets(self, y: Any) -> tuple[NDArray[Any], int]:
        check_type(self.standardize_target, bool, "standardize_target")
        y = check_array(y, "y", ndim=(1, 2), shape_hint="(n_samples,) or (n_samples, n_targets)")
        self._y_ndim = y.ndim
        y2 = y[:, None] if y.ndim == 1 else y
        if self.standardize_target:
            mean, sd = y2.mean(axis=0), y2.std(axis=0)
            if (sd == 0).any():
                raise ValueError(f"y is constant in target column(s) "
                                 f"{np.flatnonzero(sd == 0).tolist()}; nothing to learn. Pass "
                                 "standardize_target=False to fit it anyway.")
        else:
            mean, sd = np.zeros(y2.shape[1]), np.ones(y2.shape[1])
        self.target_mean_, self.target_scale_ = mean, sd
        return ((y2 - mean) / sd).astype(np.float32), int(y2.shape[1])

    def fit(self, X: Any, y: Any) -> DeepRegressor:
        """Train the model on ``X`` and continuous targets ``y``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, ...) | dict of str to ndarray
            Inputs: one array shaped like the model's input, or a dict of named arrays.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Finite targets.

        Returns
        -------
        self : DeepRegressor
            The fitted estimator.
        """
        self._fit(X, y)
        return self

    def predict(self, X: Any) -> NDArray[np.float64]:
        """Predicted targets, in the units and shape of the training ``y``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, ...) | dict of str to ndarray
            Inputs shaped as in ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
            1-D when ``y`` was 1-D in ``fit``.
        """
        out = self._outputs(X)  # checks fitted first
        out = out * self.target_scale_ + self.target_mean_
        return out[:, 0] if self._y_ndim == 1 else out
