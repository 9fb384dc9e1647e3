"""Shared machinery of the scikit-learn deep estimators: parameters, inputs, scaling, fit.

:class:`_DeepEstimator` holds everything :class:`~mindstate.estimators.DeepClassifier` and
:class:`~mindstate.estimators.DeepRegressor` have in common; the subclasses add the target
encoding (``_check_targets``) and the prediction methods.
"""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar, cast

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError as _SklearnNotFittedError

from .._validation import (
    check_array,
    check_finite,
    check_fitted,
    check_int,
    check_range,
    check_sfreq,
    check_type,
    describe,
    suggest,
)
from ..exceptions import DataQualityError, NotFittedError

__all__: list[str] = []

#: A channel whose training SD is at most this fraction of the largest channel SD of the same
#: input (or exactly 0) counts as flat: standardising it would divide by (almost) zero.
_FLAT_RTOL = 1e-10

Inputs = dict[str, NDArray[Any]]


class _NotFittedError(NotFittedError, _SklearnNotFittedError):
    """mindstate's and scikit-learn's ``NotFittedError`` at once (sklearn tools catch theirs)."""


def _shape_words(spec_shape: tuple[str | int, ...]) -> str:
    return "(n_samples, " + ", ".join(str(d) for d in spec_shape) + ")"


class _DeepEstimator(BaseEstimator, ABC):
    """Shared machinery of ``DeepClassifier`` and ``DeepRegressor``."""

    _kind: ClassVar[str] = ""  # "classification" or "regression" (a task in mindstate.tasks)

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
    ) -> None:
        self.model = model
        self.model_kwargs = model_kwargs
        self.sfreq = sfreq
        self.input_name = input_name
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.patience = patience
        self.val_fraction = val_fraction
        self.loss = loss
        self.loss_kwargs = loss_kwargs
        self.standardize = standardize
        self.random_state = random_state

    # ------------------------------------------------------------------ sklearn tags
    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        try:
            from ..models import MODELS

            spec = MODELS.get(self.model).input_spec
        except (TypeError, ValueError):  # an invalid name is reported by fit, not here
            return tags
        if len(spec) == 1:
            ndim = 1 + len(next(iter(spec.values())).shape)
            tags.input_tags.two_d_array = ndim == 2
            tags.input_tags.three_d_array = ndim == 3
        tags.input_tags.allow_nan = False
        return tags

    # ------------------------------------------------------------------ parameters
    def _check_params(self) -> tuple[type[Any], dict[str, Any], float | None, int]:
        """Validate the hyper-parameters; return (model class, model kwargs, sfreq, seed)."""
        from ..models import MODELS, accepted_kwargs

        check_type(self.model, str, "model")
        cls = MODELS.get(self.model)  # ValueError with a suggestion for an unknown name
        kwargs: dict[str, Any] = {}
        if self.model_kwargs is not None:
            check_type(self.model_kwargs, Mapping, "model_kwargs")
            kwargs = dict(self.model_kwargs)
        accepted = accepted_kwargs(cls)
        sized = {"n_outputs"} | {d for s in cls.input_spec.values() for d in s.shape
                                 if isinstance(d, str)}
        for key in kwargs:
            if key in sized:
                raise ValueError(
                    f"model_kwargs must not set {key!r}: it is read off the data (input shapes, "
                    f"number of classes or targets). Remove it from model_kwargs."
                )
            if key not in accepted:
                options = sorted(accepted - sized)
                raise ValueError(
                    f"model_kwargs has {key!r}, which model {self.model!r} does not take; it "
                    f"takes {', '.join(options) or '(nothing)'}.{suggest(key, options)}"
                )
        sfreq = None if self.sfreq is None else check_sfreq(self.sfreq)
        if "sfreq" in kwargs:
            raise ValueError("pass the sampling frequency as sfreq=..., not in model_kwargs.")
        if sfreq is not None and "sfreq" not in accepted:
            raise ValueError(f"model {self.model!r} takes no sampling frequency; got "
                             f"sfreq={self.sfreq!r}. Leave sfreq=None.")
        if self.input_name is not None:
            check_type(self.input_name, str, "input_name")
            if self.input_name not in cls.input_spec:
                names = list(cls.input_spec)
                raise ValueError(f"input_name must be one of the inputs of model {self.model!r}"
                                 f" ({', '.join(map(repr, names))}); got {self.input_name!r}."
                                 f"{suggest(self.input_name, names)}")
        check_int(self.epochs, "epochs", min_value=1)
        check_int(self.batch_size, "batch_size", min_value=1)
        check_range(self.lr, "lr", 0.0, None, inclusive=(False, True))
        check_range(self.weight_decay, "weight_decay", 0.0, None)
        if self.patience is not None:
            check_int(self.patience, "patience", min_value=1)
        check_range(self.val_fraction, "val_fraction", 0.0, 1.0, inclusive=(True, False))
        if self.loss is not None:
            from ..train.losses import LOSSES

            check_type(self.loss, str, "loss")
            loss_task = getattr(LOSSES.get(self.loss), "task", self._kind)
            if loss_task != self._kind:
                raise ValueError(f"loss {self.loss!r} is a {loss_task} loss; "
                                 f"{type(self).__name__} needs a {self._kind} loss.")
        if self.loss_kwargs is not None:
            check_type(self.loss_kwargs, Mapping, "loss_kwargs")
        check_type(self.standardize, bool, "standardize")
        seed = check_int(self.random_state, "random_state", min_value=0)
        return cls, kwargs, sfreq, seed

    # ------------------------------------------------------------------ inputs
    def _as_inputs(self, X: Any, cls: type[Any]) -> tuple[Inputs, bool]:
        """Validated named inputs (float32 / int64) for ``cls``; flag: X was one array."""
        spec = cls.input_spec
        if isinstance(X, Mapping):
            missing = [k for k in spec if k not in X]
            if missing:
                raise ValueError(
                    f"X is missing the input(s) {missing} of model {self.model!r}, which needs "
                    f"{sorted(spec)}; got {sorted(map(str, X))}."
                )
            out = {k: self._check_one(X[k], f"X[{k!r}]", spec[k]) for k in spec}
            lengths = {k: len(v) for k, v in out.items()}
            if len(set(lengths.values())) != 1:
                raise ValueError(f"every input in X must have the same number of samples; got "
                                 f"{lengths}.")
            return out, False
        if self.input_name is not None:
            name = self.input_name
        elif len(spec) == 1:
            name = next(iter(spec))
        else:
            raise ValueError(
                f"model {self.model!r} takes several inputs ({', '.join(map(repr, spec))}); "
                f"pass X as a dict of arrays with these names; got {describe(X)}."
            )
        return {name: self._check_one(X, "X", spec[name])}, True

    @staticmethod
    def _check_one(X: Any, name: str, spec: Any) -> NDArray[Any]:
        from scipy import sparse

        if sparse.issparse(X):
            raise TypeError(f"{name} is a sparse matrix, but sparse input is not supported; "
                            f"pass a dense array ({name}.toarray()).")
        ndim = 1 + len(spec.shape)
        hint = _shape_words(spec.shape)
        arr = check_array(X, name, ndim=ndim, shape_hint=hint, dtype=None,
                          allow_nonfinite=True)
        if arr.dtype.kind == "O":  # e.g. numbers in an object array: convert, as sklearn does
            arr = check_array(arr, name, dtype=np.float64, allow_nonfinite=True)
        if spec.dtype == "int64":
            if arr.dtype.kind not in "iu":
                raise TypeError(f"{name} must hold integer ids; got {describe(arr)}.")
            return np.ascontiguousarray(arr, dtype=np.int64)
        if arr.dtype.kind == "c":
            raise ValueError(f"Complex data not supported: {name} must be real-valued; got "
                             f"{describe(arr)}.")
        if arr.dtype.kind not in "fiub":
            raise TypeError(f"{name} must be a real-valued array; got {describe(arr)}.")
        check_finite(arr, name)  # before a float32 cast could hide the origin of an Inf
        return np.ascontiguousarray(arr, dtype=np.float32)

    def _fit_scaling(self, inputs: Inputs) -> dict[str, tuple[NDArray[Any], NDArray[Any]]]:
        """Per-channel (axis 1) mean and SD of each float input, as broadcastable arrays."""
        stats: dict[str, tuple[NDArray[Any], NDArray[Any]]] = {}
        for key, arr in inputs.items():
            if arr.dtype.kind != "f":
                continue
            axes = tuple(i for i in range(arr.ndim) if i != 1)
            mean = arr.mean(axis=axes, keepdims=True, dtype=np.float64)
            sd = arr.std(axis=axes, keepdims=True, dtype=np.float64)
            flat_sd = sd.ravel()
            flat = np.flatnonzero(flat_sd <= _FLAT_RTOL * flat_sd.max())
            if flat.size:
                raise DataQualityError(
                    f"input {key!r} has flat (zero-variance) channel(s) at index "
                    f"{flat[:10].tolist()}{' ...' if flat.size > 10 else ''} of axis 1 in the "
                    "training data, which cannot be standardised. Drop them or pass "
                    "standardize=False."
                )
            stats[key] = (mean, sd)
        return stats

    def _transform(self, inputs: Inputs) -> Inputs:
        if self.scaling_ is None:
            return inputs
        out = dict(inputs)
        for key, (mean, sd) in self.scaling_.items():
            out[key] = ((inputs[key] - mean) / sd).astype(np.float32)   # a new array
        return out

    def _validate_predict_inputs(self, X: Any) -> Inputs:
        try:
            check_fitted(self, "model_")
        except NotFittedError as exc:
            raise _NotFittedError(str(exc)) from None
        from ..models import MODELS

        inputs, is_array = self._as_inputs(X, MODELS.get(self.model))
        for key, arr in inputs.items():
            shape, expected = tuple(arr.shape[1:]), self.input_shapes_[key]
            if shape != expected:
                where = "X" if is_array else f"X[{key!r}]"
                lead = ""
                if is_array and shape[0] != expected[0]:  # sklearn's wording for n_features_in_
                    lead = (f"X has {shape[0]} features, but {type(self).__name__} is expecting "
                            f"{expected[0]} features as input. ")
                raise ValueError(
                    f"{lead}{where} must have per-sample shape {expected} as in fit; got shape "
                    f"{arr.shape}."
                )
        return self._transform(inputs)

    # ------------------------------------------------------------------ fit
    @abstractmethod
    def _check_targets(self, y: Any) -> tuple[NDArray[Any], int]:
        """Encoded targets for the loss and the number of model outputs."""

    def _split(self, y: NDArray[Any], seed: int) -> tuple[NDArray[Any], NDArray[Any]]:
        """Indices of the training and validation (early-stopping) parts."""
        n = len(y)
        idx = np.arange(n)
        if self.val_fraction == 0:
            return idx, idx[:0]
        from sklearn.model_selection import train_test_split

        stratify = y if self._kind == "classification" else None
        try:
            fit_idx, val_idx = train_test_split(idx, test_size=self.val_fraction,
                                                random_state=seed, stratify=stratify)
        except ValueError as exc:
            raise ValueError(f"val_fraction={self.val_fraction!r} cannot hold out a "
                             f"{'stratified ' if stratify is not None else ''}validation part "
                             f"of {n} samples ({exc}). Use more data or val_fraction=0."
                             ) from exc
        return np.sort(fit_idx), np.sort(val_idx)

    def _fit(self, X: Any, y: Any) -> None:
        import torch

        from ..tasks import make_task
        from ..train.engine import fit as engine_fit
        from ..train.engine import take

        cls, kwargs, sfreq, seed = self._check_params()
        inputs, is_array = self._as_inputs(X, cls)
        n = len(next(iter(inputs.values())))
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y "
                             "is None.")
        y_arr = np.asarray(y)
        if y_arr.ndim == 0 or len(y_arr) != n:
            got = "a scalar" if y_arr.ndim == 0 else str(len(y_arr))
            raise ValueError(f"X and y must have the same number of samples; got {n} and {got}.")
        if n < 2:
            raise ValueError(f"{type(self).__name__} needs at least 2 training samples; got "
                             f"n_samples = {n}.")
        y_enc, n_outputs = self._check_targets(y_arr)
        fit_idx, val_idx = self._split(y_enc if y_enc.ndim == 1 else y_enc[:, 0], seed)
        X_fit = cast(Inputs, take(inputs, fit_idx))  # take keeps the dict structure
        self.scaling_ = self._fit_scaling(X_fit) if self.standardize else None
        self.input_shapes_ = {k: tuple(v.shape[1:]) for k, v in inputs.items()}
        if is_array:
            self.n_features_in_ = int(next(iter(inputs.values())).shape[1])
        elif hasattr(self, "n_features_in_"):
            del self.n_features_in_
        Xs = self._transform(inputs)

        sizes: dict[str, Any] = cls.sizes_from_shapes(self.input_shapes_, self.model)
        if sfreq is not None:
            sizes["sfreq"] = sfreq
        elif "sfreq" in self._accepted(cls):
            warnings.warn(
                f"sfreq is None: model {self.model!r} sizes its kernels for a default sampling "
                "frequency. Pass sfreq=<Hz> of X.", UserWarning, stacklevel=3,
            )
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = cls(n_outputs=n_outputs, **sizes, **kwargs)
        task = make_task(self._kind)
        loss_fn = task.make_loss(self.loss, dict(self.loss_kwargs or {}), y_enc[fit_idx],
                                 n_outputs)
        has_val = len(val_idx) > 0
        result = engine_fit(
            model, take(Xs, fit_idx), y_enc[fit_idx],
            take(Xs, val_idx) if has_val else None, y_enc[val_idx] if has_val else None,
            loss_fn=loss_fn, lr=self.lr, weight_decay=self.weight_decay, epochs=self.epochs,
            batch_size=self.batch_size, patience=self.patience if has_val else None,
            seed=seed, log_accuracy=task.log_accuracy,
        )
        self.model_ = model
        self.n_outputs_ = n_outputs
        self.history_ = result.history
        self.best_epoch_ = result.best_epoch

    @staticmethod
    def _accepted(cls: type[Any]) -> set[str]:
        from ..models import accepted_kwargs

        return accepted_kwargs(cls)

    def _outputs(self, X: Any) -> NDArray[np.float64]:
        from ..train.engine import predict_logits

        inputs = self._validate_predict_inputs(X)
        return predict_logits(self.model_, inputs, batch_size=max(256, int(self.batch_size)))
