"""Writing the run directory: the deployable model, its chain, contract, calibration, metrics,
held-out predictions and the report (into ``<out>.partial``, renamed when complete)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config import ExperimentConfig, config_to_dict, dump_config
from ..data.windows import Windows
from ..runs import fingerprint, provenance, write_json
from ..tasks import Task
from .folds import Fitted

__all__ = ["write_run"]


def write_run(cfg: ExperimentConfig, task: Task, w: Windows, paths: list[Path], staging: Path,
              final: Fitted, metrics: dict[str, Any], histories: list[list[dict[str, float]]],
              oof_pred: np.ndarray, idx: np.ndarray, n_outputs: int) -> None:
    """Write every file of a run directory into ``staging``.

    Parameters
    ----------
    cfg : ExperimentConfig
        The configuration.
    task : Task
        The task.
    w : Windows
        All windows.
    paths : list of Path
        The records read.
    staging : Path
        The partial run directory.
    final : Fitted
        The deployable model(s).
    metrics : dict
        Held-out metrics (with the baseline under ``"baseline"``).
    histories : list of list of dict
        Per-fold training histories.
    oof_pred : ndarray of shape (n_tested, n_outputs)
        Held-out predictions of the tested windows.
    idx : ndarray of int
        Indices of the tested windows.
    n_outputs : int
        Output size.
    """
    from safetensors.torch import save_file

    from ..report import write_report

    weights = []
    for m, model in enumerate(final.models):
        name = "model.safetensors" if m == 0 else f"model_{m}.safetensors"
        save_file({k: v.contiguous() for k, v in model.state_dict().items()},
                  str(staging / name))
        weights.append(name)
    model0 = final.models[0]
    write_json(staging / "model.json", {
        "name": cfg.model.name, "config": model0.get_config(), "weights": weights,
        "task": task.kind, "task_state": task.to_dict(),
        "input_shapes": {k: list(v) for k, v in model0.input_shapes().items()}})
    pre = final.chain.to_dict()
    pre.update({"dataset": cfg.data.dataset, "dataset_kwargs": cfg.data.kwargs,
                "task": task.kind, "n_outputs": n_outputs})
    write_json(staging / "preprocess.json", pre)
    contract = final.chain.contract()
    contract["input_shapes"] = {k: list(v) for k, v in model0.input_shapes().items()}
    write_json(staging / "contract.json", contract)
    write_json(staging / "calibration.json", {
        "temperature": final.temperature, "fitted_on": "inner validation split",
        "conformal": final.conformal})
    dump_config(cfg, staging / "config.yaml")
    write_json(staging / "run.json", provenance(
        cfg.seed, protocol=metrics["protocol"],
        data_root=str(paths[0].parent) if paths else "",
        records=[str(p.resolve()) for p in paths],
        record_sha256=[fingerprint(p) for p in paths if p.is_file() or (p.is_dir() and
                                                                         len(paths) > 1)]))
    res = final.results[0]
    metrics = {**metrics, "final_model": {
        "best_epoch": res.best_epoch, "epochs_run": res.epochs_run,
        "temperature": final.temperature, "n_train": final.n_fit, "n_val": final.n_val,
        "ensemble": len(final.models)}}
    write_json(staging / "metrics.json", metrics)
    write_json(staging / "history.json", {"folds": histories, "final": res.history})
    meta_cols = [c for c in ("record", "start", "stop") if c in w.meta]
    table = w.meta.iloc[idx][meta_cols].reset_index(drop=True)
    table.insert(0, "subject", w.groups["subject"].iloc[idx].to_numpy())
    table = pd.concat([table, task.table(oof_pred, w.y[idx]).reset_index(drop=True)], axis=1)
    table.to_csv(staging / "predictions.csv", index=False)
    scores = _expert_scores(model0, final.chain, w, task.output_names(n_outputs))
    if scores is not None:
        write_json(staging / "expert_scores.json", scores)
    write_report(staging, cfg_dict=config_to_dict(cfg), metrics=metrics,
                 histories=histories, final_history=res.history,
                 classes=task.output_names(n_outputs), y_true=w.y[idx], pred=oof_pred,
                 task=task.kind, expert_scores=scores)


def _expert_scores(model: Any, chain: Any, w: Any, names: list[str],
                   max_windows: int = 512) -> dict[str, Any] | None:
    """Mean expert scores of the final model per class (models with ``expert_scores``)."""
    if not hasattr(model, "expert_scores"):
        return None
    import torch

    from ..train.engine import take

    n = len(w.y)
    pick = np.linspace(0, n - 1, min(n, max_windows)).astype(int)
    inputs = {k: torch.as_tensor(v) for k, v in chain.inputs(take(w.X, pick)).items()}
    s = model.expert_scores(inputs)
    y = np.asarray(w.y)[pick]
    hard = y if y.ndim == 1 else y.argmax(axis=1)
    out: dict[str, Any] = {"n_windows": int(len(pick)), "sparsity": s.get("sparsity"),
                           "channels": list(getattr(chain, "picks", None) or []),
                           "bands_hz": [list(b) for b in getattr(model, "band_edges", [])],
                           "by_class": {}}
    for k, name in enumerate(names):
        m = hard == k
        if not m.any():
            continue
        out["by_class"][name] = {
            key: np.asarray(s[key])[m].mean(axis=0).tolist()
            for key in ("channel", "band", "time", "channel_weight", "variance") if key in s}
    return out
