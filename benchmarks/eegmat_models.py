"""AHLSA vs the registered baselines vs the floors on eegmat (rest vs mental arithmetic), LOSO.

The shared PhysioNet eegmat subset (10 subjects, 19 channels) through the shipped config's chain
(128 Hz, 1-40 Hz, 4-s windows), leave-one-subject-out. Every model and floor sees the same
folds. Rows:

- floors: log band power + logistic regression, and OAS covariances → Riemannian tangent
  space (reference fitted on the training fold) + logistic regression, each without and
  with label-free per-subject alignment (Euclidean alignment of the windows; for the
  Riemannian floor it amounts to re-centring each subject's covariances at the identity);
- every registered EEG model trained with the same recipe on the aligned windows (and AHLSA
  and the Shallow ConvNet also without alignment, to measure what alignment buys);
- AHLSA ablations (each expert removed, and the per-electrode readout removed);
- robustness of AHLSA and the Shallow ConvNet: 10 % / 25 % of the channels zeroed in the test
  subject's recording, and large blink/EMG-like artifacts injected into 30 % of its windows.

Figures: balanced accuracy per held-out subject (mean ± SD over the folds), macro-F1, params,
forward FLOPs per window (``torch.utils.flop_counter``; the least-squares solves are not
counted by it) and CPU latency per window (batch 1, median of 50).
``MINDSTATE_BENCH_MODELS=ahlsa`` reruns only the AHLSA rows (and the floors) on the same folds.
"""

from __future__ import annotations

import json
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
MODELS = ["ahlsa", "shallow_convnet", "eegnet", "eeg_transformer", "cnn_lstm", "maet", "dgcnn"]
ABLATIONS = {"ahlsa-no-temporal": {"use_temporal": False},
             "ahlsa-no-spatial": {"use_spatial": False},
             "ahlsa-no-lasso": {"use_lasso": False},
             "ahlsa-no-channel-readout": {"channel_readout": False}}
ROBUST = ("ahlsa", "shallow_convnet")


def _load() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import dataclasses

    from mindstate.config import load_config
    from mindstate.experiment.loading import load_windows

    cfg = load_config(ROOT / "configs" / "eegmat_rest_vs_task.yaml")
    cfg = dataclasses.replace(cfg, preprocess=dataclasses.replace(
        cfg.preprocess, normalize="none", align="none"))
    w, _, _ = load_windows(cfg)
    return w.X.astype(np.float64), np.asarray(w.y), w.groups["subject"].astype(str).to_numpy()


def _perturb(X: np.ndarray, kind: str, rng: np.random.Generator) -> np.ndarray:
    X = X.copy()
    C, T = X.shape[1], X.shape[2]
    if kind.startswith("drop"):
        k = max(1, int(round(C * int(kind[4:]) / 100)))
        X[:, rng.choice(C, k, replace=False)] = 0.0
    elif kind == "artifacts":
        sd = np.median(X.std(axis=-1))
        t = np.arange(T)
        for i in rng.choice(len(X), int(0.3 * len(X)), replace=False):
            c0 = rng.integers(T)
            blink = 20 * sd * np.exp(-0.5 * ((t - c0) / (0.1 * T)) ** 2)
            X[i, :4] += blink                                       # frontal blink
            X[i, rng.choice(C, 3, replace=False)] += 5 * sd * rng.standard_normal(T)  # EMG
    return X


def _flops_latency(model: torch.nn.Module, shape: tuple[int, ...]) -> tuple[float, float]:
    from torch.utils.flop_counter import FlopCounterMode

    model.eval()
    x = torch.randn(1, *shape)
    with torch.no_grad():
        with FlopCounterMode(display=False) as fc:
            model(x)
        times = []
        for _ in range(50):
            t0 = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - t0)
    return float(fc.get_total_flops()), float(np.median(times) * 1e3)


def _table(rows: dict[str, dict[str, list[float]]], info: dict[str, dict[str, float]]
           ) -> dict[str, Any]:
    return {name: {"bal_acc_mean": float(np.mean(r["bal_acc"])),
                   "bal_acc_sd": float(np.std(r["bal_acc"])),
                   "macro_f1_mean": float(np.mean(r["macro_f1"])),
                   "per_subject": [round(v, 3) for v in r["bal_acc"]],
                   **info.get(name, {})}
            for name, r in rows.items()}


def run(quick: bool = False) -> dict[str, Any]:
    """Run the comparison; ``quick`` uses 3 folds, 3 epochs and two models."""
    from sklearn.metrics import balanced_accuracy_score, f1_score

    from mindstate.estimators import DeepClassifier
    from mindstate.evaluate.floors import Floor
    from mindstate.preprocess.align import align_by_group

    torch.set_num_threads(2)
    X, y, subj = _load()
    Xa, _ = align_by_group(X, subj, "euclidean")
    subjects = sorted(set(subj))[:3] if quick else sorted(set(subj))
    epochs = 3 if quick else 15
    models = MODELS[:2] if quick else MODELS
    ablations = {} if quick else ABLATIONS

    class _Chain:  # the floor's band-power features come from the chain; mimic it here
        kind = "eeg"
        sfreq_ = 128.0
        bandpass = [1.0, 40.0]

        def baseline_features(self, X: np.ndarray) -> np.ndarray:
            from mindstate.features.spectral import BANDS, BandPower

            return BandPower(sfreq=128.0, bands=BANDS, log=True).fit_transform(X).reshape(
                len(X), -1)

    from mindstate.tasks import make_task

    task = make_task("classification", names=["rest", "task"])
    floors = {"bandpower": Floor("bandpower", _Chain(), X),
              "bandpower+align": Floor("bandpower", _Chain(), Xa),
              "riemann": Floor("riemann", _Chain(), X),
              "riemann+align": Floor("riemann", _Chain(), Xa)}
    rows: dict[str, dict[str, list[float]]] = {}
    info: dict[str, dict[str, float]] = {}

    def record(name: str, yt: np.ndarray, pred: np.ndarray) -> None:
        r = rows.setdefault(name, {"bal_acc": [], "macro_f1": []})
        r["bal_acc"].append(float(balanced_accuracy_score(yt, pred)))
        r["macro_f1"].append(float(f1_score(yt, pred, average="macro")))

    only = os.environ.get("MINDSTATE_BENCH_MODELS")  # e.g. "ahlsa": rerun some rows only
    if only:
        models = [m for m in models if m in only.split(",")]
    runs = [(m, m, {}, Xa) for m in models]
    runs += [(f"{m} (no align)", m, {}, X) for m in ROBUST if m in models]
    runs += [(n, "ahlsa", kw, Xa) for n, kw in ablations.items() if "ahlsa" in models]
    t_start = time.perf_counter()
    for s in subjects:
        tr, te = subj != s, subj == s
        for name, fl in floors.items():
            F_tr, F_te = fl.fold(np.flatnonzero(tr), np.flatnonzero(te))
            record(f"floor: {name}", y[te], task.baseline(F_tr, y[tr], F_te, 2).argmax(1))
        for label, model, kw, data in runs:
            t0 = time.perf_counter()
            clf = DeepClassifier(model=model, model_kwargs=kw, sfreq=128.0, epochs=epochs,
                                 lr=2e-3, random_state=0).fit(data[tr], y[tr])
            record(label, y[te], clf.predict(data[te]))
            meta = info.setdefault(label, {"train_s": 0.0})
            meta["train_s"] += time.perf_counter() - t0
            if "params" not in meta:
                net = clf.model_
                meta["params"] = float(sum(p.numel() for p in net.parameters()))
                meta["flops"], meta["latency_ms"] = _flops_latency(net, data.shape[1:])
                net.train()
            if model in ROBUST and label == model:
                rng = np.random.default_rng(0)
                for kind in ("drop10", "drop25", "artifacts"):
                    Xp = _perturb(X[te], kind, rng)
                    Xp, _ = align_by_group(Xp, subj[te], "euclidean")
                    record(f"{label} [{kind}]", y[te], clf.predict(Xp))
        partial = os.environ.get("MINDSTATE_BENCH_PARTIAL")
        if partial:  # long runs: the table so far, after every fold
            Path(partial).write_text(json.dumps(_table(rows, info), indent=1))
    table = _table(rows, info)
    return {"benchmark": "eegmat_models", "quick": quick, "subjects": subjects,
            "epochs": epochs, "n_windows": int(len(y)), "table": table,
            "wall_s": time.perf_counter() - t_start, "machine": platform.processor() or
            platform.machine(), "threads": torch.get_num_threads(),
            "date": datetime.now(UTC).strftime("%Y-%m-%d")}
