"""Label-free adaptation to a new person, and AHLSA's uncertainty, on eegmat (LOSO).

Per held-out subject, AHLSA is trained on the other nine subjects (each aligned with its own
Euclidean reference) and the held-out subject is presented three ways:

- ``none``: no alignment of the test subject (a model trained on unaligned data is the
  fair "no adaptation" row; it is trained too);
- ``batch``: the subject's whole recording gives the reference (transductive, label-free);
- ``online γ``: causal re-centring as the recording streams in (rest, then task), the
  reference being the exponentially weighted mean of the windows so far
  (:class:`~mindstate.stream.OnlineAligner`) — what a live system can do.

The same three are scored for the band-power + logistic-regression floor.

Uncertainty (batch alignment): expected calibration error of the softmax, and how well each
uncertainty flags the model's errors (ROC-AUC of uncertainty vs. error): 1 − max
probability, the least-squares predictive variance of the spatial expert, and MC-dropout
mutual information (30 passes).
"""

from __future__ import annotations

import platform
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
FORGETS = (0.9, 0.98)


def _load() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    import dataclasses

    from mindstate.config import load_config
    from mindstate.experiment.loading import load_windows

    cfg = load_config(ROOT / "configs" / "eegmat_rest_vs_task.yaml")
    cfg = dataclasses.replace(cfg, preprocess=dataclasses.replace(
        cfg.preprocess, normalize="none", align="none"))
    w, _, _ = load_windows(cfg)
    order = np.lexsort((w.meta["start"].to_numpy(), w.groups["record"].astype(str).to_numpy()))
    return (w.X[order].astype(np.float64), np.asarray(w.y)[order],
            w.groups["subject"].astype(str).to_numpy()[order], order)


def _auroc(err: np.ndarray, score: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(err, score)) if 0 < err.sum() < len(err) else float("nan")


def run(quick: bool = False) -> dict[str, Any]:
    """Run it; ``quick``: 3 subjects, 3 epochs."""
    from sklearn.metrics import balanced_accuracy_score

    from mindstate.estimators import DeepClassifier
    from mindstate.evaluate.metrics import expected_calibration_error
    from mindstate.features.spectral import BANDS, BandPower
    from mindstate.preprocess.align import align_by_group
    from mindstate.stream import OnlineAligner
    from mindstate.tasks import make_task
    from mindstate.uncertainty import mc_dropout_predict
    from mindstate.uncertainty.measures import mutual_information

    torch.set_num_threads(2)
    X, y, subj, _ = _load()
    Xa, _ = align_by_group(X, subj, "euclidean")
    task = make_task("classification", names=["rest", "task"])
    bp = BandPower(sfreq=128.0, bands=BANDS, log=True)

    def feats(Z: np.ndarray) -> np.ndarray:
        return np.asarray(bp.fit_transform(Z)).reshape(len(Z), -1)

    subjects = sorted(set(subj))[:3] if quick else sorted(set(subj))
    epochs = 3 if quick else 15
    rows: dict[str, list[float]] = {}
    unc: dict[str, list[float]] = {}
    F_all = feats(Xa)
    t0 = time.perf_counter()
    for s in subjects:
        tr, te = subj != s, subj == s
        views = {"none": X[te], "batch": Xa[te]}
        for g in FORGETS:
            views[f"online {g}"] = OnlineAligner(forget=g).transform_sequence(X[te])
        clf = DeepClassifier(model="ahlsa", sfreq=128.0, epochs=epochs, lr=2e-3,
                             random_state=0).fit(Xa[tr], y[tr])
        raw = DeepClassifier(model="ahlsa", sfreq=128.0, epochs=epochs, lr=2e-3,
                             random_state=0).fit(X[tr], y[tr])
        for name, Z in views.items():
            model = raw if name == "none" else clf
            rows.setdefault(f"ahlsa: {name}", []).append(
                float(balanced_accuracy_score(y[te], model.predict(Z))))
            Fz = F_all[te] if name == "batch" else feats(Z)
            F_tr = feats(X[tr]) if name == "none" else F_all[tr]
            pred = task.baseline(F_tr, y[tr], Fz, 2).argmax(1)
            rows.setdefault(f"floor bandpower: {name}", []).append(
                float(balanced_accuracy_score(y[te], pred)))
        proba = clf.predict_proba(Xa[te])
        err = (proba.argmax(1) != y[te]).astype(int)
        net = clf.model_.eval()
        inputs = {k: torch.as_tensor(v) for k, v in clf._validate_predict_inputs(Xa[te]).items()}
        ls_var = net.expert_scores(inputs)["variance"]
        _, mc = mc_dropout_predict(net, inputs, n_samples=30, seed=0, activation="softmax")
        mi = mutual_information(mc)
        unc.setdefault("ece", []).append(float(expected_calibration_error(y[te], proba)))
        unc.setdefault("auroc_error_1-maxprob", []).append(_auroc(err, 1 - proba.max(1)))
        unc.setdefault("auroc_error_ls_variance", []).append(_auroc(err, ls_var))
        unc.setdefault("auroc_error_mc_dropout_mi", []).append(_auroc(err, mi))
        unc.setdefault("error_rate", []).append(float(err.mean()))
    summary = {k: {"mean": float(np.nanmean(v)), "sd": float(np.nanstd(v)),
                   "per_subject": [round(x, 3) for x in v]} for k, v in rows.items()}
    return {"benchmark": "ahlsa_adaptation", "quick": quick, "subjects": subjects,
            "epochs": epochs, "balanced_accuracy": summary,
            "uncertainty": {k: {"mean": float(np.nanmean(v)), "sd": float(np.nanstd(v))}
                            for k, v in unc.items()},
            "wall_s": time.perf_counter() - t0,
            "machine": platform.processor() or platform.machine(),
            "threads": torch.get_num_threads(), "date": datetime.now(UTC).strftime("%Y-%m-%d")}
