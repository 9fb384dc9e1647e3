"""The :class:`Task` base class, the ``TASKS`` registry and :func:`make_task`.

The concrete tasks live in :mod:`mindstate.tasks.classes` (hard classes, soft labels) and
:mod:`mindstate.tasks.regression`; importing :mod:`mindstate.tasks` registers them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..registry import Registry

__all__ = ["TASKS", "Task", "make_task"]

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
    #: The linear floor fitted by :meth:`baseline` (``logreg`` or ``ridge``), for its name.
    floor: ClassVar[str] = "logreg"

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
        from ..train.losses import class_weights, create_loss

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
