"""``DeepClassifier``: a registered deep model as a scikit-learn classifier."""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from sklearn.base import ClassifierMixin

from .._validation import describe
from ._base import _DeepEstimator

__all__ = ["DeepClassifier"]


class DeepClassifier(ClassifierMixin, _DeepEstimator):
    """A registered deep model as a scikit-learn classifier.

    ``fit`` encodes the labels (``classes_``), standardises the inputs per channel with
    training statistics, builds the model sized from ``X`` and trains it with cross-entropy
    (or ``loss``); ``predict_proba`` is the softmax of its logits.

    Parameters
    ----------
    model : str
        A name in :data:`mindstate.models.MODELS`, e.g. ``"shallow_convnet"``, ``"eegnet"``
        or ``"embedding_mlp"``.
    model_kwargs : dict | None
        Architecture arguments of the model (e.g. ``{"n_filters": 8}``); the sizes
        (``n_chans``, ``n_times``, ``n_outputs``, ...) come from the data and ``sfreq`` from
        ``sfreq``.
    sfreq : float | None
        Sampling frequency of ``X`` in Hz, for models that size kernels in seconds (EEG
        models). ``None`` leaves the model's default (with a warning).
    input_name : str | None
        The model input an array ``X`` is passed as; ``None``: the model's only input in its
        ``input_spec`` (``"eeg"`` for EEG models, ``"embedding"`` for ``embedding_mlp``).
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
        ``val_fraction > 0``. ``None``: train all epochs and keep the best-validation weights.
    val_fraction : float
        Fraction in [0, 1) of the training samples held out, stratified by class and drawn
        with ``random_state``, for early stopping and best-epoch selection; 0 keeps the last
        epoch. The hold-out is a random split of samples: for subject-wise evaluation the
        outer cross-validation must group by subject (``GroupKFold``, ``LeaveOneGroupOut``),
        and windows of one subject may still sit on both sides of this inner split.
    loss : str | None
        A classification loss registered in :mod:`mindstate.train.losses` (``"ce"``,
        ``"weighted_ce"``, ``"focal"``, ``"label_smoothing"``); ``None``: ``"ce"``.
    loss_kwargs : dict | None
        Arguments of the loss (``weighted_ce`` without ``weight`` gets balanced class
        weights from the training labels).
    standardize : bool
        Subtract the mean and divide by the SD of each channel (axis 1 of each float input,
        pooled over samples and the remaining axes), both fitted on the training part in
        ``fit`` and applied unchanged at prediction time. A flat training channel raises
        :class:`~mindstate.exceptions.DataQualityError`.
    random_state : int
        Seed of the initial weights, the shuffling, dropout and the validation split: two
        fits with the same seed and data give the same predictions.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The sorted unique training labels; ``predict`` returns values from it.
    model_ : mindstate.models.BaseModel
        The trained torch model (eval mode, on the CPU).
    n_outputs_ : int
        Number of model outputs (``len(classes_)``).
    input_shapes_ : dict of str to tuple of int
        Per-sample shape of each model input seen in ``fit``.
    scaling_ : dict of str to tuple of ndarray | None
        Per input, the (mean, SD) used for standardisation; ``None`` without it.
    n_features_in_ : int
        Size of axis 1 of an array ``X`` (channels of ``(n, n_chans, n_times)``, features of
        ``(n, n_features)``); not set when ``X`` is a dict.
    history_ : list of dict
        Per-epoch training history (``train_loss``, and ``val_loss``/``val_acc`` with a
        validation part).
    best_epoch_ : int
        Epoch whose weights were kept.

    See Also
    --------
    DeepRegressor : The same for continuous targets.

    Notes
    -----
    ``X`` is an array shaped like the model's single input plus a leading sample axis
    (``(n, n_chans, n_times)`` for EEG models) or a dict of such arrays keyed by input name;
    dicts work with ``fit``/``predict`` and in a ``Pipeline`` but not with scikit-learn's
    cross-validation helpers, which index arrays only. Training runs on the CPU.
    """

    _kind: ClassVar[str] = "classification"

    def _check_targets(self, y: Any) -> tuple[NDArray[Any], int]:
        from sklearn.utils.multiclass import type_of_target

        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            from sklearn.exceptions import DataConversionWarning

            warnings.warn("A column-vector y was passed when a 1d array was expected; it is "
                          "used as y.ravel().", DataConversionWarning, stacklevel=4)
            y = y.ravel()
        if y.ndim != 1:
            raise ValueError(f"y must have shape (n_samples,) with one label per sample; got "
                             f"shape {y.shape}. For soft labels or several targets this "
                             "estimator does not apply.")
        try:
            kind = type_of_target(y, input_name="y")
        except ValueError as exc:
            raise ValueError(f"y must hold class labels; {exc}") from exc
        if kind not in ("binary", "multiclass"):
            raise ValueError(f"Unknown label type: y must hold class labels (binary or "
                             f"multiclass); got {kind} targets ({describe(y)}). Use "
                             "DeepRegressor for continuous targets.")
        classes, y_enc = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(f"y must contain at least 2 classes; got only {classes.tolist()}.")
        self.classes_ = classes
        return y_enc.astype(np.int64).ravel(), len(classes)

    def fit(self, X: Any, y: Any) -> DeepClassifier:
        """Train the model on ``X`` and class labels ``y``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, ...) | dict of str to ndarray
            Inputs: one array shaped like the model's input (``(n_samples, n_chans,
            n_times)`` for EEG models, in any consistent unit) or a dict of named arrays.
        y : array-like of shape (n_samples,)
            Class labels of any sortable type.

        Returns
        -------
        self : DeepClassifier
            The fitted estimator.
        """
        self._fit(X, y)
        return self

    def decision_function(self, X: Any) -> NDArray[np.float64]:
        """Logits of the model (log-odds of ``classes_[1]`` for two classes).

        Parameters
        ----------
        X : ndarray of shape (n_samples, ...) | dict of str to ndarray
            Inputs shaped as in ``fit``.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
            The logits; for two classes, as scikit-learn expects, the 1-D difference
            ``logit[:, 1] - logit[:, 0]`` (positive means ``classes_[1]``).
        """
        logits = self._outputs(X)
        if logits.shape[1] == 2:
            return logits[:, 1] - logits[:, 0]
        return logits

    def predict_proba(self, X: Any) -> NDArray[np.float64]:
        """Class probabilities: the softmax of the logits.

        Parameters
        ----------
        X : ndarray of shape (n_samples, ...) | dict of str to ndarray
            Inputs shaped as in ``fit``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``; rows sum to 1.
        """
        from ..uncertainty import softmax

        return softmax(self._outputs(X), axis=1)

    def predict(self, X: Any) -> NDArray[Any]:
        """The most probable class of each sample.

        Parameters
        ----------
        X : ndarray of shape (n_samples, ...) | dict of str to ndarray
            Inputs shaped as in ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels taken from ``classes_``.
        """
        logits = self._outputs(X)  # checks fitted first
        return np.asarray(self.classes_[logits.argmax(axis=1)])
