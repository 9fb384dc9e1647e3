"""What a run predicts: hard classes, soft labels (vote distributions) or continuous targets.

A :class:`Task` owns everything that depends on the kind of target, so the experiment layer
and the :class:`~mindstate.predictor.Predictor` never switch on a task name: the output size,
the default loss, the output activation (temperature-scaled softmax or identity), metrics,
calibration, chance level, the per-subject table, split-conformal sets or intervals, the
floor estimator on simple features and the columns of ``predictions.csv``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .registry import Registry

__all__ = ["TASKS", "Classification", "Regression", "SoftLabels", "Task", "make_task"]

TASKS: Registry[type[Task]] = Registry("task")


class Task(ABC):
    """Base class of the task objects.

    Parameters
    ----------
    names : list of str | None
        Class names (classification, soft labels) or target names (regression), in output
        order; ``None`` names them ``"0"``, ``"1"``, ... once the data are seen.
    """

    kind: ClassVar[str]
    default_loss: ClassVar[str]
    primary_metric: ClassVar[str]
    #: ``"maximize"`` or ``"minimize"`` for :attr:`primary_metric`.
    direction: ClassVar[str] = "maximize"
    log_accuracy: ClassVar[bool] = True

    def __init__(self, names: Sequence[str] | None = None) -> None:
        self.names = None if names is None else [str(n) for n in names]

    # ------------------------------------------------------------------ targets and outputs
    @abstractmethod
    def check_targets(self, y: Any, where: str = "the data") -> NDArray[Any]:
        """Validate targets for this task; return them as an array.

        Parameters
        ----------
        y : array-like
            Targets of the windows.
        where : str
            What the targets belong to, for messages.

        Returns
        -------
        y : ndarray
            The targets.
        """

    def n_outputs(self, y: NDArray[Any]) -> int:
        """Number of model outputs for targets ``y``.

        Parameters
        ----------
        y : ndarray
            Targets.

        Returns
        -------
        int
            Output size.
        """
        if self.names:
            return len(self.names)
        return int(y.shape[1]) if y.ndim == 2 else int(y.max()) + 1

    def output_names(self, n_outputs: int) -> list[str]:
        """Names of the outputs (classes or targets).

        Parameters
        ----------
        n_outputs : int
            Output size.

        Returns
        -------
        list of str
            One name per output.
        """
        return list(self.names) if self.names else [str(i) for i in range(n_outputs)]

    def make_loss(self, name: str | None, kwargs: dict[str, Any], y_train: NDArray[Any],
                  n_outputs: int) -> Any:
        """Build the training loss (``None``: :attr:`default_loss`).

        Parameters
        ----------
        name : str | None
            A registered loss name.
        kwargs : dict
            Loss options; ``weighted_ce`` without ``weight`` gets balanced class weights.
        y_train : ndarray
            Training targets.
        n_outputs : int
            Output size.

        Returns
        -------
        torch.nn.Module
            The loss.
        """
        from .train.losses import class_weights, create_loss

        name = name or self.default_loss
        kwargs = dict(kwargs)
        if name == "weighted_ce" and "weight" not in kwargs:
            kwargs["weight"] = class_weights(y_train, n_outputs)
        return create_loss(name, **kwargs)

    def init_head(self, model: Any, y_train: NDArray[Any]) -> None:
        """Initialise the model's output layer from the training targets (in place).

        Regression starts the output bias at the training-target means, so training does not
        spend its first epochs learning an offset (EmoBank targets sit near 3 on a 1-5
        scale); the class tasks leave the layer as built.

        Parameters
        ----------
        model : BaseModel
            A freshly built model with a ``head`` linear layer.
        y_train : ndarray
            Training targets.
        """
        return None

    @abstractmethod
    def postprocess(self, outputs: NDArray[Any], temperature: float = 1.0,
                    samples: NDArray[Any] | None = None) -> dict[str, NDArray[Any]]:
        """Turn raw model outputs into predictions.

        Parameters
        ----------
        outputs : ndarray of shape (n, n_outputs)
            Logits or regression outputs.
        temperature : float
            Temperature of the softmax (classification).
        samples : ndarray of shape (n_samples, n, n_outputs) | None
            Stochastic forward passes (MC dropout, ensemble members); when given they are
            averaged and their spread is reported.

        Returns
        -------
        dict of str to ndarray
            Classification: ``proba``, ``predicted``, ``confidence``, ``uncertainty``
            (normalised predictive entropy), and with samples ``mutual_information`` and
            ``variance``. Regression: ``outputs`` and with samples ``std``.
        """

    @abstractmethod
    def point(self, result: dict[str, NDArray[Any]]) -> NDArray[np.float64]:
        """The array scored and stored per window: probabilities or regression outputs.

        Parameters
        ----------
        result : dict
            Output of :meth:`postprocess`.

        Returns
        -------
        ndarray of shape (n, n_outputs)
            Probabilities or outputs.
        """

    def calibrate(self, outputs_val: NDArray[Any], y_val: NDArray[Any]) -> float:
        """Temperature fitted on validation outputs (1.0 where not applicable).

        Parameters
        ----------
        outputs_val : ndarray of shape (n, n_outputs)
            Validation logits.
        y_val : ndarray
            Validation targets.

        Returns
        -------
        float
            The temperature.
        """
        return 1.0

    # ------------------------------------------------------------------ scores
    @abstractmethod
    def score(self, y: NDArray[Any], pred: NDArray[Any], groups: pd.DataFrame | None = None,
              n_boot: int = 0, seed: int = 0) -> dict[str, Any]:
        """Metrics of predictions ``pred`` (from :meth:`point`) against ``y``.

        Parameters
        ----------
        y : ndarray
            Targets.
        pred : ndarray of shape (n, n_outputs)
            Probabilities or outputs.
        groups : DataFrame | None
            Window groups; with a ``subject`` column a per-subject table is added.
        n_boot : int
            Subject-bootstrap resamples for a 95 % CI of the primary metric (0: none).
        seed : int
            Seed of the bootstrap.

        Returns
        -------
        dict
            JSON-ready metrics.
        """

    def chance(self, y: NDArray[Any], n_outputs: int) -> dict[str, float]:
        """Chance-level figures to print next to the metrics.

        Parameters
        ----------
        y : ndarray
            Held-out targets.
        n_outputs : int
            Output size.

        Returns
        -------
        dict
            Empty when not applicable.
        """
        return {}

    # ------------------------------------------------------------------ conformal
    @abstractmethod
    def fit_conformal(self, pred_val: NDArray[Any], y_val: NDArray[Any],
                      alpha: float) -> dict[str, Any]:
        """Split-conformal calibration on validation predictions; a JSON-ready state.

        Parameters
        ----------
        pred_val : ndarray of shape (n, n_outputs)
            Validation probabilities or outputs.
        y_val : ndarray
            Validation targets.
        alpha : float
            Miscoverage level in (0, 1).

        Returns
        -------
        dict
            The calibration state.
        """

    @abstractmethod
    def conformal(self, pred: NDArray[Any], state: dict[str, Any]) -> NDArray[Any]:
        """Prediction sets (bool, n × classes) or intervals (n × targets × 2).

        Parameters
        ----------
        pred : ndarray of shape (n, n_outputs)
            Probabilities or outputs.
        state : dict
            Output of :meth:`fit_conformal`.

        Returns
        -------
        ndarray
            Sets or intervals.
        """

    @abstractmethod
    def coverage(self, y: NDArray[Any], regions: NDArray[Any]) -> dict[str, float]:
        """Empirical coverage (and set size / interval width) of conformal regions.

        Parameters
        ----------
        y : ndarray
            Targets.
        regions : ndarray
            Output of :meth:`conformal`.

        Returns
        -------
        dict
            ``coverage`` and ``mean_set_size`` or ``mean_width``.
        """

    # ------------------------------------------------------------------ tables and floors
    @abstractmethod
    def table(self, pred: NDArray[Any], y: NDArray[Any] | None = None) -> pd.DataFrame:
        """Per-window prediction columns for ``predictions.csv`` (truth columns when ``y``).

        Parameters
        ----------
        pred : ndarray of shape (n, n_outputs)
            Probabilities or outputs.
        y : ndarray | None
            Targets.

        Returns
        -------
        DataFrame
            One row per window.
        """

    @abstractmethod
    def baseline(self, F_train: NDArray[Any], y_train: NDArray[Any],
                 F_test: NDArray[Any], n_outputs: int) -> NDArray[np.float64]:
        """A linear floor on simple features: probabilities or outputs for ``F_test``.

        Parameters
        ----------
        F_train, F_test : ndarray of shape (n, n_features)
            Features of the training and test windows.
        y_train : ndarray
            Training targets.
        n_outputs : int
            Output size.

        Returns
        -------
        ndarray of shape (n_test, n_outputs)
            The floor's predictions.
        """

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description (``kind`` and ``names``).

        Returns
        -------
        dict
            Round-trips through :func:`make_task`.
        """
        return {"kind": self.kind, "names": self.names}


# --------------------------------------------------------------------------- classification
def _entropy_norm(p: NDArray[np.float64]) -> NDArray[np.float64]:
    ent = -(p * np.log(np.clip(p, 1e-12, 1.0))).sum(axis=1)
    return ent / np.log(max(p.shape[1], 2))


class _ClassTask(Task):
    log_accuracy = True

    def postprocess(self, outputs, temperature=1.0, samples=None):
        from .uncertainty import mutual_information, softmax, variance

        extra: dict[str, NDArray[Any]] = {}
        if samples is not None:
            probs = softmax(np.asarray(samples) / temperature)     # (S, n, C)
            p = probs.mean(axis=0)
            extra = {"mutual_information": mutual_information(probs),
                     "variance": variance(probs)}
        else:
            p = softmax(np.asarray(outputs) / temperature)
        return {"proba": p, "predicted": p.argmax(axis=1), "confidence": p.max(axis=1),
                "uncertainty": _entropy_norm(p), **extra}

    def point(self, result):
        return np.asarray(result["proba"], dtype=np.float64)

    def calibrate(self, outputs_val, y_val):
        import logging
        import warnings

        from .uncertainty import TemperatureScaling

        if len(outputs_val) < 2:
            return 1.0
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ts = TemperatureScaling().fit(outputs_val, y_val)
        for w in caught:  # e.g. T at its bound when the model is near chance on validation
            logging.getLogger(__name__).info("temperature scaling: %s", w.message)
        return float(ts.temperature_)

    def _hard(self, y: NDArray[Any]) -> NDArray[np.int64]:
        return (y if y.ndim == 1 else np.asarray(y).argmax(axis=1)).astype(np.int64)

    def score(self, y, pred, groups=None, n_boot=0, seed=0):
        from .evaluate.metrics import bootstrap_ci, classification_metrics, per_group_metrics

        names = self.output_names(pred.shape[1])
        m = classification_metrics(y, pred, names)
        if groups is not None and "subject" in groups and 1 < groups["subject"].nunique() <= 500:
            per = per_group_metrics(y, pred, groups, by="subject", classes=names)
            m["per_subject"] = per.to_dict(orient="records")
            if n_boot:
                from sklearn.metrics import balanced_accuracy_score

                hard = self._hard(np.asarray(y))
                fn = lambda yt, pp: balanced_accuracy_score(yt, pp.argmax(1))
                lo, hi = bootstrap_ci(fn, hard, pred, n_boot=n_boot,
                                      groups=groups["subject"].to_numpy(), random_state=seed)
                m["balanced_accuracy_ci95"] = [lo, hi]
        return m

    def chance(self, y, n_outputs):
        counts = np.bincount(self._hard(y), minlength=n_outputs)
        return {"chance_accuracy": float(counts.max() / counts.sum()),
                "chance_balanced_accuracy": 1.0 / n_outputs}

    def fit_conformal(self, pred_val, y_val, alpha):
        from .uncertainty import SplitConformalClassifier

        cp = SplitConformalClassifier("aps", alpha=alpha).fit(pred_val, self._hard(y_val))
        return {"score": "aps", "alpha": float(alpha), "scores": cp.scores_.tolist(),
                "n_classes": cp.n_classes_}

    def conformal(self, pred, state):
        from .uncertainty import SplitConformalClassifier

        cp = SplitConformalClassifier(state["score"], alpha=state["alpha"])
        cp.scores_ = np.asarray(state["scores"], dtype=np.float64)
        cp.n_classes_ = int(state["n_classes"])
        return cp.predict_sets(pred)

    def coverage(self, y, regions):
        hard = self._hard(np.asarray(y))
        return {"coverage": float(regions[np.arange(len(hard)), hard].mean()),
                "mean_set_size": float(regions.sum(axis=1).mean())}

    def table(self, pred, y=None):
        names = self.output_names(pred.shape[1])
        df = pd.DataFrame()
        if y is not None:
            df["y_true"] = [names[int(v)] for v in self._hard(np.asarray(y))]
        df["y_pred"] = [names[int(v)] for v in pred.argmax(axis=1)]
        for j, c in enumerate(names):
            df[f"p_{c}"] = pred[:, j]
        return df

    def baseline(self, F_train, y_train, F_test, n_outputs):
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        hard = self._hard(np.asarray(y_train))
        proba = np.zeros((len(F_test), n_outputs))
        if len(np.unique(hard)) < 2:
            proba[:, hard[0]] = 1.0
            return proba
        clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=0.1))
        clf.fit(F_train, hard)
        proba[:, clf.classes_] = clf.predict_proba(F_test)
        return proba


@TASKS.register("classification")
class Classification(_ClassTask):
    """Hard class labels: cross-entropy, temperature-scaled softmax, accuracy family.

    Parameters
    ----------
    names : list of str | None
        Class names in label-index order.
    """

    kind = "classification"
    default_loss = "ce"
    primary_metric = "balanced_accuracy"

    def check_targets(self, y, where="the data"):
        y = np.asarray(y)
        if y.ndim != 1 or y.dtype.kind not in "iu":
            raise ValueError(f"task 'classification' needs one integer class label per window; "
                             f"{where} carry targets of shape {y.shape} and dtype {y.dtype}. "
                             "Set task: soft (vote distributions) or task: regression.")
        return y.astype(np.int64)


@TASKS.register("soft")
class SoftLabels(_ClassTask):
    """Soft labels (vote distributions): KL divergence loss and metric, softmax outputs.

    Parameters
    ----------
    names : list of str | None
        Class names in column order.
    """

    kind = "soft"
    default_loss = "kl"
    primary_metric = "kl"
    direction = "minimize"

    def check_targets(self, y, where="the data"):
        y = np.asarray(y, dtype=np.float64)
        if y.ndim != 2 or (y < 0).any() or not np.allclose(y.sum(axis=1), 1.0, atol=1e-6):
            raise ValueError(f"task 'soft' needs one probability distribution per window (rows "
                             f"of non-negative numbers summing to 1); {where} carry targets of "
                             f"shape {y.shape}. Normalise the votes, or set task: "
                             "classification / regression.")
        return y

    def table(self, pred, y=None):
        df = super().table(pred, None)
        if y is not None:
            from .evaluate.metrics import kl_divergence

            names = self.output_names(pred.shape[1])
            df.insert(0, "y_true", [names[int(v)] for v in np.asarray(y).argmax(axis=1)])
            for j, c in enumerate(names):
                df[f"t_{c}"] = np.asarray(y)[:, j]
            df["kl"] = kl_divergence(y, pred, per_row=True)
        return df


# --------------------------------------------------------------------------- regression
@TASKS.register("regression")
class Regression(Task):
    """Continuous targets (any number, e.g. V/A/D): MSE loss, identity outputs, r/MAE/R²/CCC.

    Parameters
    ----------
    names : list of str | None
        Target names in column order.
    """

    kind = "regression"
    default_loss = "mse"
    primary_metric = "pearson_mean"
    log_accuracy = False

    def check_targets(self, y, where="the data"):
        y = np.asarray(y)
        if y.dtype.kind not in "fiu" or y.ndim not in (1, 2):
            raise ValueError(f"task 'regression' needs numeric targets of shape (n,) or "
                             f"(n, n_targets); {where} carry shape {y.shape}, dtype {y.dtype}.")
        y = y.astype(np.float64)
        return y[:, None] if y.ndim == 1 else y

    def n_outputs(self, y):
        return len(self.names) if self.names else int(y.shape[1])

    def init_head(self, model, y_train):
        import torch

        head = getattr(model, "head", None)
        if head is not None and getattr(head, "bias", None) is not None:
            mean = np.asarray(y_train, dtype=np.float64).reshape(len(y_train), -1).mean(axis=0)
            with torch.no_grad():
                head.bias.copy_(torch.as_tensor(mean, dtype=head.bias.dtype))

    def postprocess(self, outputs, temperature=1.0, samples=None):
        if samples is not None:
            s = np.asarray(samples, dtype=np.float64)
            return {"outputs": s.mean(axis=0), "std": s.std(axis=0)}
        return {"outputs": np.asarray(outputs, dtype=np.float64)}

    def point(self, result):
        return np.asarray(result["outputs"], dtype=np.float64)

    def score(self, y, pred, groups=None, n_boot=0, seed=0):
        from .evaluate.metrics import regression_metrics

        return regression_metrics(y, pred, self.output_names(pred.shape[1]))

    def fit_conformal(self, pred_val, y_val, alpha):
        y_val = np.asarray(y_val, dtype=np.float64).reshape(len(pred_val), -1)
        resid = np.sort(np.abs(y_val - pred_val), axis=0)                 # (n, T)
        n = len(resid)
        k = int(np.ceil((n + 1) * (1 - alpha)))
        q = np.full(resid.shape[1], np.inf) if k > n else resid[k - 1]
        return {"alpha": float(alpha), "halfwidth": q.tolist()}

    def conformal(self, pred, state):
        q = np.asarray(state["halfwidth"], dtype=np.float64)
        return np.stack([pred - q, pred + q], axis=-1)                    # (n, T, 2)

    def coverage(self, y, regions):
        y = np.asarray(y).reshape(regions.shape[:-1])
        inside = (y >= regions[..., 0]) & (y <= regions[..., 1])
        return {"coverage": float(inside.mean()),
                "mean_width": float((regions[..., 1] - regions[..., 0]).mean())}

    def table(self, pred, y=None):
        names = self.output_names(pred.shape[1])
        df = pd.DataFrame()
        if y is not None:
            y = np.asarray(y).reshape(len(pred), -1)
        for j, c in enumerate(names):
            if y is not None:
                df[f"{c}_true"] = y[:, j]
            df[f"{c}_pred"] = pred[:, j]
        return df

    def baseline(self, F_train, y_train, F_test, n_outputs):
        from sklearn.linear_model import RidgeCV
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        reg = make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-2, 4, 13)))
        reg.fit(F_train, y_train)
        return np.asarray(reg.predict(F_test), dtype=np.float64).reshape(len(F_test), -1)


def make_task(kind: str, names: Sequence[str] | None = None) -> Task:
    """Build the registered task ``kind``.

    Parameters
    ----------
    kind : {"classification", "soft", "regression"}
        The task.
    names : list of str | None
        Class or target names.

    Returns
    -------
    Task
        The task object.
    """
    return TASKS.get(kind)(names)
