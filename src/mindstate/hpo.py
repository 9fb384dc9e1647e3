"""Hyper-parameter search with Optuna (TPE + median pruning over protocol folds).

The search space is declared in the config's ``hpo.space``: dotted config keys mapped to
``{type: float|int|categorical, low, high, log, step, choices}``. Studies live in an Optuna RDB
storage, so a second call with the same ``--storage`` continues the study and several workers
on one storage cooperate (SQLite on one machine; PostgreSQL, e.g.
``postgresql://user:pass@host/db``, across a cluster).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from ._validation import check_int, check_option
from .config import load_config
from .exceptions import ConfigError

__all__ = ["run_hpo", "suggest_params"]

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def _creation_lock(storage: str) -> Iterator[None]:
    """Serialise schema/study creation of workers sharing one SQLite file (an OS file lock);
    for server databases, create the study once before starting workers."""
    if not storage.startswith("sqlite:///"):
        yield
        return
    import fcntl

    db = Path(storage.removeprefix("sqlite:///"))
    db.parent.mkdir(parents=True, exist_ok=True)
    with open(db.with_name(db.name + ".lock"), "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def suggest_params(trial: Any, space: dict[str, dict[str, Any]]) -> list[str]:
    """Draw one value per search dimension; return them as ``key=value`` overrides.

    Parameters
    ----------
    trial : optuna.Trial
        The trial that draws the values.
    space : dict of str to dict
        Dotted config keys mapped to ``{type: float|int|categorical, low, high, log, step,
        choices}`` (``type`` defaults to ``float``).

    Returns
    -------
    overrides : list of str
        One ``key=value`` string per dimension (string values quoted), for
        :func:`~mindstate.config.load_config`.
    """
    out = []
    for key, spec in space.items():
        kind = spec.get("type", "float")
        check_option(kind, ("float", "int", "categorical"), f"hpo.space.{key}.type")
        if kind == "categorical":
            if not spec.get("choices"):
                raise ConfigError(f"hpo.space.{key} needs a non-empty 'choices' list.")
            value = trial.suggest_categorical(key, list(spec["choices"]))
        else:
            if "low" not in spec or "high" not in spec:
                raise ConfigError(f"hpo.space.{key} needs 'low' and 'high'.")
            fn = trial.suggest_float if kind == "float" else trial.suggest_int
            kw = {"log": bool(spec.get("log", False))}
            if spec.get("step") is not None:
                kw["step"] = spec["step"]
            value = fn(key, spec["low"], spec["high"], **kw)
        out.append(f"{key}={value!r}" if isinstance(value, str) else f"{key}={value}")
    return out


def run_hpo(
    config: str | os.PathLike[str],
    *,
    n_trials: int,
    storage: str | None = None,
    study_name: str | None = None,
    data_root: str | os.PathLike[str] | None = None,
    overrides: list[str] | None = None,
) -> dict[str, Any]:
    """Run ``n_trials`` more trials of the study and summarise it.

    Parameters
    ----------
    config : path-like
        Experiment YAML with an ``hpo.space``.
    n_trials : int
        Trials to run in this call (the study may already hold others).
    storage : str | None
        Optuna storage URL; default ``sqlite:///runs/hpo/<study>.db``.
    study_name : str | None
        Default ``hpo.study_name`` or the config name.
    data_root : path-like | None
        Replaces ``data.root``.
    overrides : list of str | None
        ``key=value`` overrides applied before the trial's own.

    Returns
    -------
    dict
        ``study_name``, ``storage``, ``n_trials`` (complete + pruned in the study),
        ``best_value``, ``best_params``, ``metric``.
    """
    import optuna

    from .experiment import run_experiment

    n_trials = check_int(n_trials, "--trials", min_value=1)
    base = load_config(config, overrides)
    if not base.hpo.space:
        raise ConfigError(f"{config}: hpo.space is empty; declare the parameters to search.")
    name = study_name or base.hpo.study_name or base.name
    if storage is None:
        Path("runs/hpo").mkdir(parents=True, exist_ok=True)
        storage = f"sqlite:///runs/hpo/{name}.db"
    if not storage.startswith(("sqlite:///", "postgresql", "mysql")):
        raise ValueError(f"--storage must be an RDB URL such as sqlite:///path/hpo.db or "
                         f"postgresql://user:pass@host/db; got {storage!r}.")
    from .tasks import TASKS

    task_cls = TASKS.get(base.task)
    metric = base.hpo.metric or task_cls.primary_metric
    wanted = base.hpo.direction or (task_cls.direction if base.hpo.metric is None
                                    else "maximize")
    direction: Literal["minimize", "maximize"] = ("minimize" if wanted == "minimize"
                                                   else "maximize")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = (optuna.samplers.TPESampler(seed=base.seed) if base.hpo.sampler == "tpe"
               else optuna.samplers.RandomSampler(seed=base.seed))
    pruner = (optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=1)
              if base.hpo.pruner == "median" else optuna.pruners.NopPruner())
    with _creation_lock(storage):
        rdb = optuna.storages.RDBStorage(
            storage, engine_kwargs={"connect_args": {"timeout": 60}}
            if storage.startswith("sqlite") else {})
        study = optuna.create_study(study_name=name, storage=rdb, load_if_exists=True,
                                    direction=direction, sampler=sampler,
                                    pruner=pruner)

    def objective(trial: optuna.Trial) -> float:
        params = suggest_params(trial, base.hpo.space)
        cfg = load_config(config, list(overrides or []) + params)

        def report(fold: int, value: float) -> None:
            trial.report(value, fold)
            if trial.should_prune():
                raise optuna.TrialPruned()

        res = run_experiment(cfg, data_root=data_root, out=None, report_fold=report,
                             final_model=False)
        value = res.metrics.get(metric)
        if value is None:
            scalars = sorted(k for k, v in res.metrics.items()
                             if not isinstance(v, (list, dict)))
            raise ConfigError(f"hpo.metric {metric!r} is not among the metrics: {scalars}.")
        return float(value)

    study.optimize(objective, n_trials=n_trials, catch=())
    done = [t for t in study.trials
            if t.state in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)]
    best = study.best_trial
    return {"study_name": name, "storage": storage, "n_trials": len(done),
            "best_value": best.value, "best_params": best.params, "metric": metric,
            "direction": direction}
