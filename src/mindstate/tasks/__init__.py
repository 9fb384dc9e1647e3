"""What a run predicts: hard classes, soft labels (vote distributions) or continuous targets.

A :class:`Task` owns everything that depends on the kind of target, so the experiment layer
and the :class:`~mindstate.predictor.Predictor` never switch on a task name: the output size,
the default loss, the output activation (temperature-scaled softmax or identity), metrics,
calibration, chance level, the per-subject table, split-conformal sets or intervals, the
floor estimator on simple features and the columns of ``predictions.csv``.

Importing this package registers the tasks ``"classification"``, ``"soft"`` and
``"regression"`` in ``TASKS``.
"""

from __future__ import annotations

from .base import TASKS, Task, make_task
from .classes import Classification, SoftLabels  # registers "classification" and "soft"
from .regression import Regression  # registers "regression"

__all__ = ["TASKS", "Classification", "Regression", "SoftLabels", "Task", "make_task"]
