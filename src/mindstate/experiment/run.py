"""``run_experiment``: config → windows → protocol folds → metrics → deployable model → run."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..config import ExperimentConfig
from ..exceptions import ConfigError
from ..runs import finalize, partial_dir

__all__ = ["ExperimentResult", "run_experiment"]


@dataclass
class ExperimentResult:
    """Metrics (held-out), the baseline's metrics, and where the run was written.

    Parameters
    ----------
    metrics : dict
        Held-out metrics pooled over the protocol's test folds, plus run facts
        (``protocol``, ``n_records``, ``n_subjects``, ``n_windows``, ``folds``, ...).
    baseline : dict | None
        The floor's metrics on the same folds; ``None`` when not computed.
    run_dir : Path | None
        The run directory written; ``None`` when evaluating only.
    histories : list of list of dict
        Per fold, the training history (one dict of metrics per epoch).
    """

    metrics: dict[str, Any]
    baseline: dict[str, Any] | None = None
    run_dir: Path | None = None
    histories: list[list[dict[str, float]]] = field(default_factory=list)





def _floor_name(chain: Any, task: Any, floor: str = "bandpower") -> str:
    if floor == "riemann":
        return f"riemann_tangent_{task.floor}"
    prefix = {"eeg": "bandpower", "hms": "bandpower_spec", "physio": "stats",
              "text": "embedding"}.get(chain.kind, "features")
    return f"{prefix}_{task.floor}"


def run_experiment(
    cfg: ExperimentConfig,
    *,
    data_root: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] | None = None,
    resume: bool = False,
    overwrite: bool = False,
    report_fold: Callable[[int, float], None] | None = None,
    final_model: bool = True,
) -> ExperimentResult:
    """Run one experiment end to end.

    Parameters
    ----------
    cfg : ExperimentConfig
        The resolved configuration.
    data_root : path-like | None
        Replaces ``cfg.data.root``.
    out : path-like | None
        Run directory to write (atomically); ``None`` evaluates only.
    resume : bool
        Continue an interrupted run from ``<out>.partial``.
    overwrite : bool
        Replace an existing run directory at ``out``.
    report_fold : callable | None
        Called as ``report_fold(fold_index, running_score)`` after each fold (HPO pruning).
    final_model : bool
        Fit and save the deployable model on the protocol's training windows (needs ``out``).

    Returns
    -------
    ExperimentResult
        Held-out metrics and the run directory.
    """
    import torch

    out_path = Path(out) if out is not None else None
    staging: Path | None = None
    if out_path is not None:
        if out_path.exists() and not overwrite:
            raise FileExistsError(f"{out_path} already exists; choose another --out or pass "
                                  "--overwrite.")
        staging = partial_dir(out_path)
        if staging.exists() and not resume:
            raise FileExistsError(
                f"{staging} holds an unfinished run; continue it with --resume or delete it.")
    strategy = cfg.train.strategy
    if strategy.startswith("ddp") and "spawn" not in strategy:
        raise ConfigError(
            f"train.strategy={strategy!r} re-launches the whole command once per device, and "
            "every copy would write the run directory; use 'ddp_spawn' (one process writes, "
            "the others only train)."
        )
    if cfg.train.num_threads:
        torch.set_num_threads(cfg.train.num_threads)
    created_staging = False
    quality: list[dict[str, Any]] = []
    try:
        from ..evaluate.splits import SPLITTERS
        from .loading import load_windows

        splitter = SPLITTERS.get(cfg.evaluate.protocol)(**cfg.evaluate.kwargs)
        exclude = splitter.excluded() if hasattr(splitter, "excluded") else None
        w, chain, paths = load_windows(cfg, data_root,
                                       quality=quality if out_path is not None else None,
                                       exclude=exclude)
        if staging is not None and not staging.exists():
            staging.mkdir(parents=True)
            created_staging = True
        result = _run(cfg, w, chain, paths, staging, resume, report_fold,
                      final_model and staging is not None, quality, splitter)
    except BaseException as exc:
        # A user mistake or a failure before any checkpoint leaves nothing behind; a crash in
        # training keeps the partial folder (checkpoints) for --resume.
        if staging is not None and staging.exists():
            has_ckpt = any(staging.glob("checkpoints/**/last.ckpt"))
            if (created_staging and not has_ckpt) or isinstance(exc, (ValueError, TypeError)):
                shutil.rmtree(staging, ignore_errors=True)
        raise
    if staging is not None and out_path is not None:
        if out_path.exists() and overwrite:
            shutil.rmtree(out_path)
        finalize(staging, out_path)
        result.run_dir = out_path
    return result


def _run(cfg: ExperimentConfig, w: Any, chain: Any, paths: list[Path], staging: Path | None,
         resume: bool, report_fold: Callable[[int, float], None] | None, final_model: bool,
         quality: list[dict[str, Any]], splitter: Any) -> ExperimentResult:
    from ..evaluate.splits import inner_validation_split
    from ..tasks import make_task
    from .folds import fit_one, run_protocol
    from .writing import write_run

    names = cfg.data.classes or getattr(chain, "classes", None) or \
        getattr(chain, "target_names", None)
    task = make_task(cfg.task, names)
    y = task.check_targets(w.y, f"the windows of dataset {cfg.data.dataset!r}")
    w = type(w)(w.X, y, w.groups, w.meta)
    n_outputs = task.n_outputs(y)
    if task.names and len(task.names) != n_outputs:
        raise ConfigError(f"data.classes names {len(task.names)} outputs; the targets have "
                          f"{n_outputs}.")
    pr = run_protocol(cfg, task, splitter, w, chain, n_outputs, staging, resume, report_fold)
    idx = np.flatnonzero(pr.tested)
    groups = w.groups.iloc[idx].reset_index(drop=True)
    metrics = task.score(y[idx], pr.pred[idx], groups, cfg.evaluate.bootstrap, cfg.seed)
    if pr.regions:
        regions = np.concatenate(pr.regions)
        ridx = np.concatenate(pr.region_idx)
        metrics["conformal"] = {"alpha": cfg.evaluate.conformal_alpha,
                                "calibrated_on": "inner validation split of each fold",
                                **task.coverage(y[ridx], regions)}
    baseline = None
    if cfg.evaluate.baseline and np.isfinite(pr.base_pred[idx]).all():
        baseline = task.score(y[idx], pr.base_pred[idx], groups, 0, cfg.seed)
        baseline["model"] = _floor_name(chain, task, cfg.evaluate.floor)
    metrics.update({
        "task": task.kind, "protocol": splitter.protocol, "n_records": len(paths),
        "n_subjects": int(w.groups["subject"].nunique()), "n_windows": int(len(y)),
        "n_windows_tested": int(len(idx)), "n_folds": len(pr.folds), "model": cfg.model.name,
        "primary_metric": task.primary_metric, "folds": pr.folds,
    })
    metrics.update(task.chance(y[idx], n_outputs))
    if quality:
        metrics["data_quality"] = quality
    result = ExperimentResult(metrics=metrics, baseline=baseline, histories=pr.histories)
    if staging is None or not final_model:
        return result
    if pr.fitted is not None:  # one fold: its model already trained on every training window
        final = pr.fitted
        from ..models.trm import has_trajectory

        if has_trajectory(final.models[0]):
            from ..evaluate.regression import emotional_metrics
            from ..train.engine import take

            res = final.predictor(task).predict_prepared(take(w.X, idx))
            metrics["emotional"] = emotional_metrics(
                y[idx], pr.pred[idx], res["iteration_confidence"], res["trajectory"])
    else:
        seed = cfg.seed + 10_000
        train_idx = pr.train_union
        if cfg.train.val_fraction > 0:
            fit_idx, val_idx = inner_validation_split(
                train_idx, w.groups, y, by=splitter.inner_by(w.groups),
                fraction=cfg.train.val_fraction, random_state=seed, meta=w.meta)
        else:
            fit_idx, val_idx = train_idx, np.zeros(0, dtype=int)
        final = fit_one(cfg, task, chain, w, fit_idx, val_idx, n_outputs, seed,
                        staging / "checkpoints" / "final", resume)
    full = dict(metrics)
    if baseline is not None:
        full["baseline"] = baseline
    write_run(cfg, task, w, paths, staging, final, full, pr.histories, pr.pred[idx], idx,
              n_outputs)
    return result
