"""The fold loop: fit (a model or a deep ensemble) on each training split, predict the held-out
windows through :class:`~mindstate.predictor.Predictor`, score them with the task."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..config import ExperimentConfig
from ..data.windows import Windows
from ..runs import read_json, write_json
from ..tasks import Task

__all__ = ["Fitted", "ProtocolResult", "fit_one", "run_protocol"]


@dataclass
class Fitted:
    """One trained model (or ensemble) with its fitted chain, calibration and histories.

    Parameters
    ----------
    models : list of BaseModel
        Ensemble members (one without an ensemble).
    chain : object
        The chain fitted on the training windows.
    temperature : float
        Softmax temperature fitted on the validation windows.
    conformal : dict | None
        Split-conformal state fitted on the validation windows.
    results : list of FitResult
        Training history of each member.
    n_fit, n_val : int
        Training and validation windows.
    """

    models: list[Any]
    chain: Any
    temperature: float
    conformal: dict[str, Any] | None
    results: list[Any]
    n_fit: int
    n_val: int

    def predictor(self, task: Task) -> Any:
        """The :class:`~mindstate.predictor.Predictor` of this fit.

        Parameters
        ----------
        task : Task
            The task.

        Returns
        -------
        Predictor
            In memory (no run directory).
        """
        from ..predictor import Predictor

        return Predictor(self.models, self.chain, task, self.temperature,
                         conformal=self.conformal)


def _model_sizes(cfg: ExperimentConfig, chain: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    from ..models import MODELS, accepted_kwargs

    cls = MODELS.get(cfg.model.name)
    shapes = {k: tuple(v.shape[1:]) for k, v in inputs.items()}
    sizes: dict[str, Any] = cls.sizes_from_shapes(shapes, cfg.model.name)
    if "sfreq" in accepted_kwargs(cls) and "sfreq" not in cfg.model.kwargs:
        sizes["sfreq"] = getattr(chain, "sfreq_", None)
    return sizes


def fit_one(cfg: ExperimentConfig, task: Task, chain: Any, w: Windows, fit_idx: np.ndarray,
            val_idx: np.ndarray, n_outputs: int, seed: int, ckpt_dir: Path | None,
            resume: bool) -> Fitted:
    """Fit the chain's statistics and ``cfg.train.ensemble`` models on ``fit_idx``.

    Parameters
    ----------
    cfg : ExperimentConfig
        The configuration.
    task : Task
        The task.
    chain : object
        The chain (unfitted copies are fitted here).
    w : Windows
        All windows.
    fit_idx, val_idx : ndarray of int
        Training and validation windows (validation may be empty).
    n_outputs : int
        Output size.
    seed : int
        Seed of this fit (members use ``seed + 1000 * m``).
    ckpt_dir : Path | None
        Checkpoint folder (resumable training).
    resume : bool
        Continue from checkpoints.

    Returns
    -------
    Fitted
        The trained models with calibration.
    """
    import torch

    from ..models import create_model
    from ..train.engine import fit, predict_logits, take

    fold_chain = chain.unfitted().fit(take(w.X, fit_idx))
    Xf = fold_chain.inputs(take(w.X, fit_idx))
    has_val = len(val_idx) > 0
    Xv = fold_chain.inputs(take(w.X, val_idx)) if has_val else None
    yv = w.y[val_idx] if has_val else None
    sizes = _model_sizes(cfg, fold_chain, Xf)
    loss_fn = task.make_loss(cfg.train.loss, dict(cfg.train.loss_kwargs), w.y[fit_idx],
                             n_outputs)
    augment = None
    if cfg.train.augment:
        from ..data.augment import build_augmentation

        augment = build_augmentation(cfg.train.augment, ch_names=getattr(chain, "picks", None),
                                     sfreq=getattr(fold_chain, "sfreq_", None))
    t = cfg.train
    models, results = [], []
    for m in range(max(1, t.ensemble)):
        seed_m = seed + 1000 * m
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed_m)
            model = create_model(cfg.model.name, n_outputs=n_outputs, **sizes,
                                 **cfg.model.kwargs)
        task.init_head(model, w.y[fit_idx])
        ckpt = None if ckpt_dir is None else (ckpt_dir if t.ensemble <= 1
                                              else ckpt_dir / f"member{m}")
        res = fit(
            model, Xf, w.y[fit_idx], Xv, yv, loss_fn=loss_fn, optimizer=t.optimizer, lr=t.lr,
            weight_decay=t.weight_decay, epochs=t.epochs, batch_size=t.batch_size,
            scheduler=t.scheduler, warmup_epochs=t.warmup_epochs, patience=t.patience,
            grad_clip=t.grad_clip, precision=t.precision, accelerator=t.accelerator,
            devices=t.devices, strategy=t.strategy, augment=augment, seed=seed_m,
            ckpt_dir=ckpt, resume=resume, gradient_checkpointing=t.gradient_checkpointing,
            progress=t.progress, log_accuracy=task.log_accuracy, min_lr_ratio=t.min_lr_ratio,
        )
        if t.finetune is not None and hasattr(model, "start_finetune"):
            res = _finetune(model, t, Xf, w.y[fit_idx], Xv, yv, loss_fn, seed_m, ckpt, resume,
                            task, res)
        models.append(model)
        results.append(res)
    temperature, conformal = 1.0, None
    if has_val and Xv is not None and yv is not None:
        if cfg.evaluate.calibrate:
            logits = np.mean([predict_logits(mm, Xv) for mm in models], axis=0)
            temperature = task.calibrate(logits, yv)
        if cfg.evaluate.conformal_alpha is not None and len(val_idx) >= 2:
            from ..predictor import Predictor

            pv = Predictor(models, fold_chain, task, temperature).predict_prepared(
                take(w.X, val_idx))
            conformal = task.fit_conformal(task.point(pv), yv, cfg.evaluate.conformal_alpha)
    return Fitted(models, fold_chain, temperature, conformal, results, len(fit_idx),
                  len(val_idx))


def _finetune(model: Any, t: Any, Xf: Any, yf: np.ndarray, Xv: Any, yv: Any, loss_fn: Any,
              seed: int, ckpt: Path | None, resume: bool, task: Task, first: Any) -> Any:
    """Phase 2 (``train.finetune``): encoder and head together; histories are joined, each
    epoch tagged with its phase."""
    from dataclasses import replace as dc_replace

    from ..train.engine import fit

    ft = t.finetune
    model.start_finetune()
    res = fit(
        model, Xf, yf, Xv, yv, loss_fn=loss_fn, optimizer="adamw", lr=ft.lr,
        weight_decay=ft.weight_decay, epochs=ft.epochs, batch_size=ft.batch_size,
        scheduler="cosine", warmup_epochs=ft.warmup_epochs, patience=ft.patience,
        grad_clip=ft.grad_clip, precision=t.precision, accelerator=t.accelerator,
        devices=t.devices, strategy=t.strategy, seed=seed + 17,
        ckpt_dir=None if ckpt is None else ckpt / "finetune", resume=resume,
        progress=t.progress, log_accuracy=task.log_accuracy, min_lr_ratio=t.min_lr_ratio,
    )
    hist = ([{**h, "phase": "frozen"} for h in first.history]
            + [{**h, "phase": "finetune", "epoch": len(first.history) + i}
               for i, h in enumerate(res.history)])
    return dc_replace(res, history=hist, best_epoch=len(first.history) + res.best_epoch,
                      epochs_run=len(hist))


@dataclass
class ProtocolResult:
    """Held-out predictions of every fold and what each fold did.

    Parameters
    ----------
    pred : ndarray of shape (n_windows, n_outputs)
        Held-out probabilities or outputs (NaN for windows never tested).
    base_pred : ndarray of shape (n_windows, n_outputs)
        The floor's held-out predictions (NaN where not computed).
    tested : ndarray of bool
        Windows that were in a test fold.
    regions : list of ndarray
        Conformal sets or intervals of each fold's test windows (in fold order).
    region_idx : list of ndarray
        The window indices of ``regions``.
    histories : list of list of dict
        Training history of each fold (first member).
    folds : list of dict
        Per-fold facts (sizes, best epoch, temperature, test subjects).
    train_union : ndarray of int
        Windows used for training in any fold (the final model trains on these).
    fitted : Fitted | None
        The fold's models when the protocol has exactly one fold trained in this call: they
        were trained on ``train_union`` already, so they are the final model.
    """

    pred: np.ndarray
    base_pred: np.ndarray
    tested: np.ndarray
    regions: list[np.ndarray] = field(default_factory=list)
    region_idx: list[np.ndarray] = field(default_factory=list)
    histories: list[list[dict[str, float]]] = field(default_factory=list)
    folds: list[dict[str, Any]] = field(default_factory=list)
    train_union: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    fitted: Any = None


def _save_fold(fold_file: Path, arrays: dict[str, np.ndarray], info: dict[str, Any]) -> None:
    """JSON first, then the arrays atomically: a fold counts as done once its .npz exists."""
    fold_file.parent.mkdir(parents=True, exist_ok=True)
    write_json(fold_file.with_suffix(".json"), info)
    tmp = fold_file.with_name(fold_file.stem + ".tmp.npz")
    np.savez(tmp, **arrays)  # type: ignore[arg-type]
    os.replace(tmp, fold_file)


def run_protocol(cfg: ExperimentConfig, task: Task, splitter: Any, w: Windows, chain: Any,
                 n_outputs: int, staging: Path | None, resume: bool,
                 report_fold: Callable[[int, float], None] | None = None) -> ProtocolResult:
    """Train and test every fold of ``splitter`` (resumable through ``staging/folds``).

    Parameters
    ----------
    cfg : ExperimentConfig
        The configuration.
    task : Task
        The task.
    splitter : BaseSplitter
        The evaluation protocol.
    w : Windows
        All windows.
    chain : object
        The unfitted chain.
    n_outputs : int
        Output size.
    staging : Path | None
        The partial run directory (fold files and checkpoints); ``None`` keeps nothing.
    resume : bool
        Reuse finished folds and checkpoints.
    report_fold : callable | None
        ``report_fold(k, running_primary_metric)`` after each fold (HPO pruning).

    Returns
    -------
    ProtocolResult
        Held-out predictions and fold facts.
    """
    from ..evaluate.splits import inner_validation_split
    from ..train.engine import take

    n = len(w.y)
    out = ProtocolResult(np.full((n, n_outputs), np.nan), np.full((n, n_outputs), np.nan),
                         np.zeros(n, dtype=bool))
    inner_by = splitter.inner_by(w.groups)
    floor = None
    if cfg.evaluate.baseline:
        from ..evaluate.floors import Floor

        floor = Floor(cfg.evaluate.floor, chain, w.X)
    union = np.zeros(n, dtype=bool)
    folds = list(splitter.split(w.groups, w.y, w.meta))
    last_fit = None
    for k, (train_idx, test_idx) in enumerate(folds):
        union[train_idx] = True
        fold_file = staging / "folds" / f"fold{k:03d}.npz" if staging is not None else None
        if resume and fold_file is not None and fold_file.exists():
            saved = np.load(fold_file, allow_pickle=False)
            info = read_json(fold_file.with_suffix(".json"))
            out.pred[test_idx] = saved["pred"]
            if "base" in saved:
                out.base_pred[test_idx] = saved["base"]
            if "regions" in saved:
                out.regions.append(saved["regions"])
                out.region_idx.append(test_idx)
            out.tested[test_idx] = True
            out.histories.append(info["history"])
            out.folds.append(info["info"])
            continue
        seed = cfg.seed + k
        if cfg.train.val_fraction > 0:
            fit_idx, val_idx = inner_validation_split(
                train_idx, w.groups, w.y, by=inner_by, fraction=cfg.train.val_fraction,
                random_state=seed, meta=w.meta)
        else:
            fit_idx, val_idx = train_idx, np.zeros(0, dtype=int)
        ckpt = staging / "checkpoints" / f"fold{k:03d}" if staging is not None else None
        fitted = fit_one(cfg, task, chain, w, fit_idx, val_idx, n_outputs, seed, ckpt, resume)
        last_fit = fitted
        res = fitted.predictor(task).predict_prepared(take(w.X, test_idx))
        out.pred[test_idx] = task.point(res)
        out.tested[test_idx] = True
        arrays: dict[str, np.ndarray] = {"pred": out.pred[test_idx]}
        regions = res.get("sets", res.get("intervals"))
        if regions is not None:
            out.regions.append(regions)
            out.region_idx.append(test_idx)
            arrays["regions"] = regions
        if floor is not None:
            F_train, F_test = floor.fold(train_idx, test_idx)
            out.base_pred[test_idx] = task.baseline(F_train, w.y[train_idx], F_test, n_outputs)
            arrays["base"] = out.base_pred[test_idx]
        history = fitted.results[0].history
        out.histories.append(history)
        info = {"fold": k, "n_train": fitted.n_fit, "n_val": fitted.n_val,
                "n_test": len(test_idx), "best_epoch": fitted.results[0].best_epoch,
                "temperature": fitted.temperature, "inner_by": inner_by,
                "test_subjects": sorted(w.groups["subject"].iloc[test_idx].unique().tolist())[:50]}
        out.folds.append(info)
        if fold_file is not None:
            _save_fold(fold_file, arrays, {"history": history, "info": info})
        if report_fold is not None:
            running = task.score(w.y[out.tested], out.pred[out.tested])
            metric = cfg.hpo.metric or task.primary_metric
            report_fold(k, float(running.get(metric, np.nan) or np.nan))
    out.train_union = np.flatnonzero(union)
    if len(folds) == 1 and last_fit is not None:
        out.fitted = last_fit
    return out
