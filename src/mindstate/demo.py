"""``mindstate demo``: simulated EEG emotion data → two protocols × two models → a table.

The same data are scored within subject (trial-wise split, the optimistic protocol) and
leave-one-subject-out (the honest cross-subject protocol), for the Shallow ConvNet and a
log-band-power + logistic-regression floor, with the chance level beside them. The LOSO run is
written as a complete run directory.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from .config import load_config

__all__ = ["demo_config_path", "run_demo"]


def demo_config_path() -> Path:
    """The demo config shipped in the package (``configs/demo.yaml`` links to it)."""
    return Path(__file__).with_name("configs") / "demo.yaml"


def _rows(name: str, res: Any) -> list[dict[str, Any]]:
    m = res.metrics
    rows = [{"model": name, "protocol": m["protocol"], "accuracy": m["accuracy"],
             "balanced_accuracy": m["balanced_accuracy"], "macro_f1": m["macro_f1"],
             "chance": m["chance_balanced_accuracy"]}]
    if res.baseline:
        b = res.baseline
        rows.append({"model": b["model"], "protocol": m["protocol"], "accuracy": b["accuracy"],
                     "balanced_accuracy": b["balanced_accuracy"], "macro_f1": b["macro_f1"],
                     "chance": m["chance_balanced_accuracy"]})
    return rows


def run_demo(out: str | os.PathLike[str], *, quick: bool = False, overwrite: bool = False
             ) -> tuple[list[dict[str, Any]], Path]:
    """Simulate, train and evaluate; return the table rows and the LOSO run directory.

    Parameters
    ----------
    out : path-like
        Run directory to write (the simulated data go to ``<out>-data``).
    quick : bool
        4 subjects and 8 epochs instead of 8 subjects and 25 epochs.
    overwrite : bool
        Replace an existing run directory.

    Returns
    -------
    rows : list of dict
        One row per (model, protocol).
    run_dir : Path
        The written run directory.
    """
    from .experiment import run_experiment
    from .simulate import simulate

    out = Path(out)
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} already exists; choose another --out or pass --overwrite.")
    data = out.with_name(out.name + "-data")
    if data.exists():
        shutil.rmtree(data)
    simulate("eeg-emotion", data, quick=quick, random_state=0)
    sets = ["evaluate.bootstrap=0"] if quick else []
    if quick:
        sets += ["train.epochs=8", "train.patience=3"]
    n_train_trials = 4 if quick else 8  # of 6 (quick) or 12 trials per subject
    within = load_config(demo_config_path(), sets + [
        "evaluate.protocol=subject-trial", f"evaluate.kwargs.n_train_trials={n_train_trials}"])
    res_within = run_experiment(within, data_root=data, out=None, final_model=False)
    loso = load_config(demo_config_path(), sets)
    res_loso = run_experiment(loso, data_root=data, out=out, overwrite=overwrite)
    rows = _rows(loso.model.name, res_within) + _rows(loso.model.name, res_loso)
    return rows, res_loso.run_dir or out
