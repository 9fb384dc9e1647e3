"""The experiment layer: config → data → protocol → model → metrics → run directory.

:func:`run_experiment` is what ``mindstate train``, ``mindstate demo`` and ``mindstate hpo``
call. Every figure it reports is computed on held-out groups chosen by the configured splitter
(its protocol name goes into ``metrics.json``); the deployable model is then fitted on all
records with an inner validation split for early stopping and temperature scaling.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .config import ExperimentConfig, config_to_dict, dump_config
from .data.pipeline import SignalChain
from .data.windows import Windows, concat_windows
from .exceptions import ConfigError
from .runs import finalize, fingerprint, partial_dir, provenance, read_json, write_json

__all__ = ["ExperimentResult", "load_windows", "run_experiment"]

logger = logging.getLogger(__name__)


@dataclass
class ExperimentResult:
    """Metrics (held-out), the baseline's metrics, and where the run was written.

    Parameters
    ----------
    metrics : dict
        Held-out metrics pooled over the protocol's test folds, plus run facts
        (``protocol``, ``n_records``, ``n_subjects``, ``n_windows``, ``folds``, ...).
    baseline : dict | None
        The band-power baseline's metrics on the same folds; ``None`` when not computed.
    run_dir : Path | None
        The run directory written; ``None`` when evaluating only.
    histories : list of list of dict
        Per fold, the training history (one dict of metrics per epoch).
    """

    metrics: dict[str, Any]
    baseline: dict[str, Any] | None = None
    run_dir: Path | None = None
    histories: list[list[dict[str, float]]] = field(default_factory=list)


def _make_dataset(cfg: ExperimentConfig) -> Any:
    from .io.datasets import DATASETS

    return DATASETS.get(cfg.data.dataset)(**cfg.data.kwargs)


def load_windows(
    cfg: ExperimentConfig, root: str | os.PathLike[str] | None = None,
    chain: SignalChain | None = None, quality: list[dict[str, Any]] | None = None,
) -> tuple[Windows, SignalChain, list[Path]]:
    """Read every record under ``root`` (default ``cfg.data.root``) and cut windows.

    Parameters
    ----------
    cfg : ExperimentConfig
        The configuration (dataset, preprocessing, windowing, seed).
    root : path-like | None
        Data folder; ``None`` uses ``cfg.data.root``. When it does not exist and
        ``cfg.data.simulate`` is set, simulated data are written there first.
    chain : SignalChain | None
        The signal chain to apply; ``None`` builds a new one from ``cfg``.
    quality : list of dict | None
        When given, one data-quality summary per record is appended to it (in place).

    Returns
    -------
    windows : Windows
        All windows, ``X`` in volts (not normalised unless ``normalize="recording"``).
    chain : SignalChain
        The chain used (new, or the given one).
    paths : list of Path
        The records read.
    """
    from .io.checks import check_recording

    dataset = _make_dataset(cfg)
    root = Path(root if root is not None else cfg.data.root)
    if not root.exists() and cfg.data.simulate:
        from .simulate import simulate

        logger.info("simulating %s data into %s", cfg.data.simulate, root)
        simulate(cfg.data.simulate, root, random_state=cfg.seed)
    paths = dataset.find(root)
    classes = cfg.data.classes or (list(dataset.classes) if dataset.classes else None)
    if chain is None:
        pre = cfg.preprocess
        chain = SignalChain(
            picks=cfg.data.picks, resample=pre.resample, bandpass=pre.bandpass, notch=pre.notch,
            window_s=cfg.data.window_s, step_s=cfg.data.step_s, label=cfg.data.label,
            classes=classes, normalize=pre.normalize, interpolate_bads=pre.interpolate_bads,
        )
    parts = []
    for path in paths:
        rec = dataset.read(path)
        if chain.picks is not None:
            missing = [c for c in chain.picks if c not in rec.ch_names]
            if missing:
                raise ValueError(
                    f"{path}: wrong channel set: missing {missing} (the run uses "
                    f"{len(chain.picks)} channels: {', '.join(chain.picks)})."
                )
        check_recording(rec, picks=chain.picks or "eeg", on_flat=cfg.preprocess.on_flat)
        if quality is not None:
            quality.append(_quality_summary(rec, path, cfg.preprocess.notch))
        parts.append(chain.windows(rec))
    return concat_windows(parts), chain, paths


def _quality_summary(rec: Any, path: Path, line_freq: float | None) -> dict[str, Any]:
    """Per-record signal quality (mean channel score, SNR, artifact ratio, flagged channels)."""
    from .preprocess.quality import quality_report

    if "eeg" not in (rec.ch_types or []):
        return {"record": path.name}
    q = quality_report(rec, line_freq=line_freq)
    return {"record": path.name, "mean_quality": q["mean_quality"],
            "min_quality": min(q["quality"]), "median_snr_db": float(np.median(q["snr_db"])),
            "artifact_ratio": q["overall_artifact_ratio"],
            "flagged_channels": q["bad_channels"]["bads"]}


def _task_outputs(cfg: ExperimentConfig, chain: SignalChain, y: np.ndarray) -> int:
    if cfg.task == "classification":
        if chain.classes:
            return len(chain.classes)
        return int(y.max()) + 1
    return int(y.shape[1])


def _chance_level(y: np.ndarray, n_classes: int) -> dict[str, float]:
    counts = np.bincount(y, minlength=n_classes)
    return {"chance_accuracy": float(counts.max() / counts.sum()),
            "chance_balanced_accuracy": 1.0 / n_classes}


def _inner_split(cfg: ExperimentConfig, train_idx: np.ndarray, w: Windows, seed: int,
                 by: str) -> tuple[np.ndarray, np.ndarray]:
    from .evaluate.splits import inner_validation_split

    if cfg.train.val_fraction <= 0:
        return train_idx, np.zeros(0, dtype=int)
    return inner_validation_split(train_idx, w.groups, w.y, by=by,
                                  fraction=cfg.train.val_fraction, random_state=seed,
                                  meta=w.meta)


def _fit_one(cfg: ExperimentConfig, chain: SignalChain, w: Windows, fit_idx: np.ndarray,
             val_idx: np.ndarray, n_outputs: int, seed: int, ckpt_dir: Path | None,
             resume: bool) -> tuple[Any, SignalChain, Any, float, Any]:
    """Train one model; returns (model, fitted chain, fit result, temperature, aug)."""
    import torch

    from .models import create_model
    from .train.engine import fit, predict_logits
    from .train.losses import create_loss

    fold_chain = SignalChain.from_dict({k: v for k, v in chain.to_dict().items()
                                        if not k.endswith("_")})
    fold_chain.fit(w.X[fit_idx])
    Xf = fold_chain.transform(w.X[fit_idx])
    Xv = fold_chain.transform(w.X[val_idx]) if len(val_idx) else None
    yv = w.y[val_idx] if len(val_idx) else None
    n_chans, n_times = Xf.shape[1], Xf.shape[2]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = create_model(cfg.model.name, n_chans=n_chans, n_outputs=n_outputs,
                             n_times=n_times, sfreq=getattr(chain, "sfreq_", None),
                             **cfg.model.kwargs)
    loss_kwargs = dict(cfg.train.loss_kwargs)
    if cfg.train.loss == "weighted_ce" and "weight" not in loss_kwargs:
        from .train.losses import class_weights

        loss_kwargs["weight"] = class_weights(w.y[fit_idx], n_outputs)
    loss_fn = create_loss(cfg.train.loss, **loss_kwargs)
    augment = None
    if cfg.train.augment:
        from .data.augment import build_augmentation

        augment = build_augmentation(cfg.train.augment, ch_names=chain.picks,
                                     sfreq=getattr(chain, "sfreq_", None))
    t = cfg.train
    result = fit(
        model, Xf, w.y[fit_idx], Xv, yv, loss_fn=loss_fn, optimizer=t.optimizer, lr=t.lr,
        weight_decay=t.weight_decay, epochs=t.epochs, batch_size=t.batch_size,
        scheduler=t.scheduler, warmup_epochs=t.warmup_epochs, patience=t.patience,
        grad_clip=t.grad_clip, precision=t.precision, accelerator=t.accelerator,
        devices=t.devices, strategy=t.strategy, augment=augment, seed=seed,
        ckpt_dir=ckpt_dir, resume=resume, gradient_checkpointing=t.gradient_checkpointing,
        progress=t.progress,
    )
    temperature = 1.0
    if cfg.task != "regression" and cfg.evaluate.calibrate and Xv is not None and len(Xv) > 1:
        import warnings

        from .uncertainty import TemperatureScaling

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ts = TemperatureScaling().fit(predict_logits(model, Xv), yv)
        for w_ in caught:  # e.g. T at its bound when the model is near chance on validation
            logger.info("temperature scaling: %s", w_.message)
        temperature = float(ts.temperature_)
    return model, fold_chain, result, temperature, augment


def _predict_proba(model: Any, chain: SignalChain, X: np.ndarray, task: str,
                   temperature: float) -> np.ndarray:
    """Held-out outputs through the same path as inference (:class:`Predictor`)."""
    from .predictor import Predictor

    res = Predictor(model, chain, temperature, task, dataset="").predict_windows(X)
    return res["outputs"] if task == "regression" else res["proba"]


def _baseline(cfg: ExperimentConfig, chain: SignalChain, w: Windows, train_idx: np.ndarray,
              test_idx: np.ndarray) -> np.ndarray | None:
    """Log band power + logistic regression (classification) or ridge (regression) floor."""
    if not isinstance(w.X, np.ndarray) or w.X.ndim != 3:
        return None
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from .features.spectral import BANDS, BandPower

    sfreq = float(chain.sfreq_)
    top = min(sfreq / 2, chain.bandpass[1] if chain.bandpass else sfreq / 2)
    bands = {k: (lo, min(hi, top)) for k, (lo, hi) in BANDS.items() if lo < top - 1.0}
    bp = BandPower(sfreq=sfreq, bands=bands, log=True)
    F = bp.fit_transform(w.X)
    if cfg.task == "classification":
        clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=0.1))
        clf.fit(F[train_idx], w.y[train_idx])
        proba = np.zeros((len(test_idx), len(chain.classes or np.unique(w.y))))
        proba[:, clf.classes_] = clf.predict_proba(F[test_idx])
        return proba
    if cfg.task == "regression":
        reg = make_pipeline(StandardScaler(), Ridge(alpha=10.0))
        reg.fit(F[train_idx], w.y[train_idx])
        return reg.predict(F[test_idx])
    return None


def _score(cfg: ExperimentConfig, y: np.ndarray, pred: np.ndarray, classes: list[str] | None,
           groups: Any, n_boot: int, seed: int) -> dict[str, Any]:
    from .evaluate.metrics import (
        bootstrap_ci,
        classification_metrics,
        per_group_metrics,
        regression_metrics,
    )

    if cfg.task == "regression":
        names = cfg.data.classes or [f"t{i}" for i in range(y.shape[1])]
        return regression_metrics(y, pred, names)
    m = classification_metrics(y, pred, classes)
    if groups is not None and y.ndim == 1:
        per = per_group_metrics(y, pred, groups, by="subject")
        m["per_subject"] = per.to_dict(orient="records")
        if n_boot:
            from sklearn.metrics import balanced_accuracy_score

            fn = lambda yt, pp: balanced_accuracy_score(yt, pp.argmax(1))
            lo, hi = bootstrap_ci(fn, y, pred, n_boot=n_boot, groups=groups["subject"].to_numpy(),
                                  random_state=seed)
            m["balanced_accuracy_ci95"] = [lo, hi]
    return m


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
        Fit and save the deployable model on all records (needs ``out``).

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
        w, chain, paths = load_windows(cfg, data_root,
                                       quality=quality if out_path is not None else None)
        if staging is not None and not staging.exists():
            staging.mkdir(parents=True)
            created_staging = True
        result = _run_protocol(cfg, w, chain, paths, staging, resume, report_fold,
                               final_model and staging is not None, quality)
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


def _run_protocol(cfg: ExperimentConfig, w: Windows, chain: SignalChain, paths: list[Path],
                  staging: Path | None, resume: bool,
                  report_fold: Callable[[int, float], None] | None,
                  final_model: bool, quality: list[dict[str, Any]] | None = None
                  ) -> ExperimentResult:
    from .evaluate.splits import SPLITTERS

    splitter = SPLITTERS.get(cfg.evaluate.protocol)(**cfg.evaluate.kwargs)
    if cfg.task == "classification" and w.y.ndim != 1:
        raise ConfigError("task 'classification' needs integer labels; the data carry "
                          f"{w.y.shape[1]}-column targets. Set task: soft or regression.")
    n_outputs = _task_outputs(cfg, chain, w.y)
    inner_by = "subject" if w.groups["subject"].nunique() > 2 else "trial"
    if cfg.evaluate.protocol in ("subject-trial", "time-ordered", "time-series-cv"):
        inner_by = "trial" if cfg.evaluate.protocol == "subject-trial" else "time"
    if cfg.evaluate.protocol == "group-kfold":
        inner_by = "patient"
    pred = np.full((len(w.y), n_outputs), np.nan)
    base_pred = np.full((len(w.y), n_outputs), np.nan)
    tested = np.zeros(len(w.y), dtype=bool)
    histories: list[list[dict[str, float]]] = []
    folds_info: list[dict[str, Any]] = []
    folds = list(splitter.split(w.groups, w.y, w.meta))
    for k, (train_idx, test_idx) in enumerate(folds):
        fold_file = staging / "folds" / f"fold{k:03d}.npz" if staging is not None else None
        if resume and fold_file is not None and fold_file.exists():
            saved = np.load(fold_file, allow_pickle=False)
            pred[test_idx] = saved["pred"]
            if "base" in saved:
                base_pred[test_idx] = saved["base"]
            tested[test_idx] = True
            histories.append(read_json(fold_file.with_suffix(".json"))["history"])
            folds_info.append(read_json(fold_file.with_suffix(".json"))["info"])
            continue
        seed = cfg.seed + k
        fit_idx, val_idx = _inner_split(cfg, train_idx, w, seed, inner_by)
        ckpt = staging / "checkpoints" / f"fold{k:03d}" if staging is not None else None
        model, fchain, res, temp, _ = _fit_one(cfg, chain, w, fit_idx, val_idx, n_outputs, seed,
                                               ckpt, resume)
        pred[test_idx] = _predict_proba(model, fchain, w.X[test_idx], cfg.task, temp)
        tested[test_idx] = True
        bp = _baseline(cfg, chain, w, train_idx, test_idx) if cfg.evaluate.baseline else None
        if bp is not None:
            base_pred[test_idx] = bp
        histories.append(res.history)
        info = {"fold": k, "n_train": len(fit_idx), "n_val": len(val_idx),
                "n_test": len(test_idx), "best_epoch": res.best_epoch, "temperature": temp,
                "test_subjects": sorted(w.groups["subject"].iloc[test_idx].unique().tolist())}
        folds_info.append(info)
        if fold_file is not None:
            fold_file.parent.mkdir(parents=True, exist_ok=True)
            arrays: dict[str, Any] = {"pred": pred[test_idx]}
            if bp is not None:
                arrays["base"] = bp
            np.savez(fold_file, **arrays)
            write_json(fold_file.with_suffix(".json"), {"history": res.history, "info": info})
        if report_fold is not None:
            yk = w.y[tested]
            running = _score(cfg, yk, pred[tested], chain.classes, None, 0, cfg.seed)
            report_fold(k, float(running.get(cfg.hpo.metric, np.nan)))
    idx = np.flatnonzero(tested)
    groups = w.groups.iloc[idx].reset_index(drop=True)
    metrics = _score(cfg, w.y[idx], pred[idx], chain.classes, groups, cfg.evaluate.bootstrap,
                     cfg.seed)
    baseline = None
    if cfg.evaluate.baseline and np.isfinite(base_pred[idx]).all():
        baseline = _score(cfg, w.y[idx], base_pred[idx], chain.classes, groups, 0, cfg.seed)
        baseline["model"] = ("bandpower_logreg" if cfg.task == "classification"
                             else "bandpower_ridge")
    metrics.update({
        "protocol": splitter.protocol, "n_records": len(paths),
        "n_subjects": int(w.groups["subject"].nunique()), "n_windows": int(len(w.y)),
        "n_windows_tested": int(len(idx)), "n_folds": len(folds), "model": cfg.model.name,
        "folds": folds_info,
    })
    if cfg.task == "classification":
        metrics.update(_chance_level(w.y[idx], n_outputs))
    if quality:
        metrics["data_quality"] = quality
    result = ExperimentResult(metrics=metrics, baseline=baseline, histories=histories)
    if staging is None or not final_model:
        return result
    _write_final(cfg, w, chain, paths, staging, resume, n_outputs, inner_by, result,
                 pred[idx], idx)
    return result


def _write_final(cfg: ExperimentConfig, w: Windows, chain: SignalChain, paths: list[Path],
                 staging: Path, resume: bool, n_outputs: int, inner_by: str,
                 result: ExperimentResult, oof_pred: np.ndarray, idx: np.ndarray) -> None:
    from safetensors.torch import save_file

    from .report import write_report

    all_idx = np.arange(len(w.y))
    fit_idx, val_idx = _inner_split(cfg, all_idx, w, cfg.seed + 10_000, inner_by)
    model, fchain, res, temp, _ = _fit_one(cfg, chain, w, fit_idx, val_idx, n_outputs,
                                           cfg.seed + 10_000, staging / "checkpoints" / "final",
                                           resume)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(staging / "model.safetensors"))
    write_json(staging / "model.json", {"name": cfg.model.name, "config": model.get_config(),
                                        "modality": getattr(model, "modality", "eeg"),
                                        "task": cfg.task})
    pre = fchain.to_dict()
    pre.update({"dataset": cfg.data.dataset, "dataset_kwargs": cfg.data.kwargs,
                "task": cfg.task, "n_outputs": n_outputs})
    write_json(staging / "preprocess.json", pre)
    write_json(staging / "calibration.json", {"temperature": temp,
                                              "fitted_on": "inner validation split"})
    dump_config(cfg, staging / "config.yaml")
    write_json(staging / "run.json", provenance(cfg.seed, protocol=result.metrics["protocol"],
                                                data_root=str(paths[0].parent) if paths else "",
                                                records=[str(p.resolve()) for p in paths],
                                                record_sha256=[fingerprint(p) for p in paths
                                                               if p.exists()]))
    final = {"final_model": {"best_epoch": res.best_epoch, "epochs_run": res.epochs_run,
                             "temperature": temp, "n_train": len(fit_idx), "n_val": len(val_idx)}}
    metrics = {**result.metrics, **final}
    if result.baseline is not None:
        metrics["baseline"] = result.baseline
    write_json(staging / "metrics.json", metrics)
    write_json(staging / "history.json", {"folds": result.histories, "final": res.history})
    import pandas as pd

    classes = chain.classes or [str(i) for i in range(n_outputs)]
    table = w.meta.iloc[idx][["record", "start", "stop"]].reset_index(drop=True)
    table.insert(0, "subject", w.groups["subject"].iloc[idx].to_numpy())
    if cfg.task == "classification":
        table["y_true"] = [classes[int(v)] for v in w.y[idx]]
        table["y_pred"] = [classes[int(v)] for v in oof_pred.argmax(1)]
        for j, c in enumerate(classes):
            table[f"p_{c}"] = oof_pred[:, j]
    pd.DataFrame(table).to_csv(staging / "predictions.csv", index=False)
    write_report(staging, cfg_dict=config_to_dict(cfg), metrics=metrics,
                 histories=result.histories, final_history=res.history, classes=classes,
                 y_true=w.y[idx], pred=oof_pred, task=cfg.task)
