"""EmoBank V/A/D on the dev split: ridge baselines, the TinyRecursiveModel versions (ablation),
the fine-tuned encoder with a linear head, and the shipped fine-tuned TinyRecursiveModel.

Every row trains on the train rows only (neural rows early-stop on a random 10 % of them) and is
scored on the 1,000 dev rows; the test rows are absent from the shared copy and never read.

Rows:

- ``ridge-<encoder>``: ridge per target on the frozen, cached embeddings (MiniLM, and mpnet
  when it is assembled: ``make mpnet``); alpha by leave-one-out (efficient GCV) on the train
  rows, not on dev;
- ``trm-v1`` ... ``trm-v6``: ``configs/emobank_pad_frozen.yaml`` with the seed's versions on
  frozen MiniLM; ``trm-v6-mpnet`` the same head on frozen mpnet;
- ``finetune-linear``: MiniLM fine-tuned end to end under one linear layer
  (``configs/emobank_pad_finetune.yaml`` with ``head: linear``: phase 1 on frozen embeddings,
  then encoder and head together);
- ``finetune-linear-plain``: the usual recipe instead (one epoch to fit the linear layer, then
  2 epochs of everything at 2e-5, plain MSE, 64 tokens);
- ``finetune-trm``: ``configs/emobank_pad_finetune.yaml`` (MiniLM fine-tuned under
  TinyRecursiveModel v6);
- ``shipped``: ``configs/emobank_pad.yaml`` (five TinyRecursiveModel v6 heads on frozen mpnet).

``MINDSTATE_BENCH_ROWS=ridge-minilm,trm-v1`` runs a subset; results are also written to
``runs/bench_emobank_pad.json`` row by row (so a long run can be read while it goes on).
Figures: Pearson r, MAE and R² per target, Hope/Faith/Love where defined, trainable
parameters, wall time.
"""

from __future__ import annotations

import copy
import json
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "emobank"
ROWS = ["ridge-minilm", "ridge-mpnet", "trm-v1", "trm-v2", "trm-v3", "trm-v4", "trm-v6",
        "trm-v6-mpnet", "finetune-linear", "finetune-linear-plain", "finetune-trm", "shipped"]


def _split() -> tuple[list[str], np.ndarray, list[str], np.ndarray]:
    import pandas as pd

    df = pd.read_csv(DATA / "emobank.csv", keep_default_na=False)
    tr, dv = df[df["split"] == "train"], df[df["split"] == "dev"]
    return (tr["text"].tolist(), tr[["V", "A", "D"]].to_numpy(float), dv["text"].tolist(),
            dv[["V", "A", "D"]].to_numpy(float))


def _ridge(encoder: str) -> dict[str, Any]:
    from sklearn.linear_model import RidgeCV

    from mindstate.evaluate.metrics import regression_metrics
    from mindstate.features.text import default_cache_dir, encode_texts

    xtr, ytr, xdv, ydv = _split()
    t0 = time.perf_counter()
    etr = encode_texts(xtr, encoder, cache_dir=default_cache_dir())
    edv = encode_texts(xdv, encoder, cache_dir=default_cache_dir())
    model = RidgeCV(alphas=np.logspace(-2, 3, 11), alpha_per_target=True).fit(etr, ytr)
    m = regression_metrics(ydv, model.predict(edv), ["V", "A", "D"])
    m.update({"alpha": np.asarray(model.alpha_).tolist(), "seconds": time.perf_counter() - t0,
              "params": int(etr.shape[1] * 3 + 3)})
    return m


def _config(row: str, quick: bool) -> dict[str, Any]:
    configs = ROOT / "configs"
    if row == "shipped":
        cfg = yaml.safe_load((configs / "emobank_pad.yaml").read_text())
    elif row.startswith("finetune"):
        cfg = yaml.safe_load((configs / "emobank_pad_finetune.yaml").read_text())
        if row.startswith("finetune-linear"):
            cfg["model"]["kwargs"] = {"head": "linear",
                                      "encoder_lr_ratio": cfg["model"]["kwargs"][
                                          "encoder_lr_ratio"]}
        if row == "finetune-linear-plain":
            cfg["model"]["kwargs"]["encoder_lr_ratio"] = 1.0
            cfg["preprocess"]["max_length"] = 64
            cfg["train"].update({"epochs": 1, "loss": "mse"})
            cfg["train"]["finetune"].update({"lr": 2e-5, "weight_decay": 0.01})
    else:
        cfg = yaml.safe_load((configs / "emobank_pad_frozen.yaml").read_text())
        cfg["model"]["kwargs"]["version"] = row.split("-")[1]
        if row.endswith("mpnet"):
            cfg["preprocess"]["encoder"] = "mpnet"
    cfg["data"]["root"] = str(DATA)
    if quick:
        cfg["train"]["epochs"] = 2
        if cfg["train"].get("finetune"):
            cfg["train"]["finetune"]["epochs"] = 1
    return cfg


def _neural(row: str, quick: bool) -> dict[str, Any]:
    from mindstate.config import config_from_dict
    from mindstate.experiment import run_experiment

    cfg = config_from_dict(copy.deepcopy(_config(row, quick)))
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-emobank-") as tmp:
        run_experiment(cfg, out=Path(tmp) / "run")
        m = json.loads((Path(tmp) / "run" / "metrics.json").read_text())
        spec = json.loads((Path(tmp) / "run" / "model.json").read_text())
    m["seconds"] = time.perf_counter() - t0
    m["model_config"] = spec["config"]
    return m


def run(quick: bool = False) -> dict[str, Any]:
    """Run the rows (``quick``: two epochs per phase, one fine-tuning epoch)."""
    wanted = os.environ.get("MINDSTATE_BENCH_ROWS")
    rows = [r for r in ROWS if not wanted or r in wanted.split(",")]
    out_file = ROOT / "runs" / "bench_emobank_pad.json"
    out_file.parent.mkdir(exist_ok=True)
    results: dict[str, Any] = {}
    for row in rows:
        try:
            m = _ridge(row.split("-")[1]) if row.startswith("ridge") else _neural(row, quick)
        except (FileNotFoundError, ImportError) as exc:  # mpnet not assembled
            results[row] = {"skipped": str(exc).splitlines()[0]}
            continue
        keep = {k: m.get(k) for k in ("pearson_V", "pearson_A", "pearson_D", "pearson_mean",
                                       "mae_V", "mae_A", "mae_D", "r2_V", "r2_A", "r2_D",
                                       "seconds", "alpha", "emotional")}
        if "final_model" in m:
            keep["epochs_run"] = m["final_model"]["epochs_run"]
        results[row] = keep
        out_file.write_text(json.dumps(results, indent=1))
        print(row, {k: round(v, 3) for k, v in keep.items() if isinstance(v, float)},
              flush=True)
    return {"benchmark": "emobank_pad", "quick": quick, "rows": results,
            "machine": f"{platform.machine()} {os.cpu_count()} cores",
            "date": datetime.now(UTC).strftime("%Y-%m-%d")}
