"""The one inference path: load a run directory and predict windows, recordings or files.

``mindstate predict``, ``evaluate --data``, and later ``explain``, ``serve`` and ``stream`` all go
through :class:`Predictor`, so a model behaves identically everywhere.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ._validation import check_array
from .data.pipeline import SignalChain
from .data.windows import Windows, concat_windows
from .runs import check_run_dir, fingerprint, read_json

__all__ = ["Predictor"]


class Predictor:
    """A trained model with its signal chain, calibration and class names.

    Use :meth:`from_run_dir`; the constructor only stores its arguments.

    Parameters
    ----------
    model : torch.nn.Module
        The trained network (eval mode).
    chain : SignalChain
        The fitted signal chain.
    temperature : float
        Temperature applied to logits before the softmax (1 = uncalibrated).
    task : str
        ``"classification"``, ``"soft"`` or ``"regression"``.
    dataset : str
        Registered dataset name whose reader reads input files.
    dataset_kwargs : dict
        Reader options.
    run_dir : Path | None
        Where it was loaded from.
    """

    def __init__(self, model: Any, chain: SignalChain, temperature: float, task: str,
                 dataset: str, dataset_kwargs: dict[str, Any] | None = None,
                 run_dir: Path | None = None) -> None:
        self.model = model
        self.chain = chain
        self.temperature = temperature
        self.task = task
        self.dataset = dataset
        self.dataset_kwargs = dict(dataset_kwargs or {})
        self.run_dir = run_dir

    @property
    def classes(self) -> list[str]:
        """Class names (or target names) in output order."""
        n = int(self.model.n_outputs)
        return list(self.chain.classes) if self.chain.classes else [str(i) for i in range(n)]

    @classmethod
    def from_run_dir(cls, run_dir: str | os.PathLike[str]) -> Predictor:
        """Load a complete run directory (safetensors weights, JSON configs; no pickle)."""
        from safetensors.torch import load_file

        from .models import MODELS

        path = check_run_dir(run_dir)
        spec = read_json(path / "model.json")
        model = MODELS.get(spec["name"]).from_config(spec["config"])
        model.load_state_dict(load_file(str(path / "model.safetensors")))
        model.eval()
        pre = read_json(path / "preprocess.json")
        chain = SignalChain.from_dict(pre)
        calib = path / "calibration.json"
        temperature = float(read_json(calib)["temperature"]) if calib.exists() else 1.0
        return cls(model, chain, temperature, pre.get("task", "classification"),
                   pre["dataset"], pre.get("dataset_kwargs", {}), path)

    # ------------------------------------------------------------------ core
    def predict_windows(self, X: NDArray[Any], *, mc_samples: int = 0,
                        seed: int = 0) -> dict[str, NDArray[Any]]:
        """Predict windows in volts of shape (n_windows, n_chans, n_times).

        Parameters
        ----------
        X : ndarray of shape (n_windows, n_chans, n_times)
            Windows cut by the run's chain (before normalisation).
        mc_samples : int
            If > 0, average the temperature-scaled softmax over this many MC-dropout passes
            and add ``mutual_information`` (epistemic part, nats) and ``variance``.
        seed : int
            Seed of the dropout masks (MC dropout is reproducible).

        Returns
        -------
        dict
            ``proba`` (n_windows, n_classes) calibrated probabilities, ``confidence`` (max
            probability), ``uncertainty`` (predictive entropy normalised to [0, 1]) and
            ``predicted`` (class index); for regression ``outputs`` only.
        """
        from .train.engine import predict_logits

        X = check_array(X, "X", ndim=3, shape_hint="(n_windows, n_chans, n_times)",
                        dtype=np.float32)
        n_chans = len(self.chain.center_)
        if X.shape[1] != n_chans:
            raise ValueError(f"X must have {n_chans} channels ({', '.join(self.chain.picks or [])})"
                             f"; got shape {X.shape}.")
        Xn = self.chain.transform(X)
        out = predict_logits(self.model, Xn)
        if self.task == "regression":
            return {"outputs": out}
        from .uncertainty import softmax

        extra: dict[str, NDArray[Any]] = {}
        if mc_samples:
            from .uncertainty import mc_dropout_predict, mutual_information, variance

            _, logits = mc_dropout_predict(self.model, Xn, n_samples=mc_samples, seed=seed,
                                           activation=None)
            samples = softmax(np.asarray(logits) / self.temperature)
            p = samples.mean(axis=0)
            extra = {"mutual_information": mutual_information(samples),
                     "variance": variance(samples)}
        else:
            p = softmax(out / self.temperature)
        ent = -(p * np.log(np.clip(p, 1e-12, 1))).sum(axis=1) / np.log(p.shape[1])
        return {"proba": p, "confidence": p.max(axis=1), "uncertainty": ent,
                "predicted": p.argmax(axis=1), **extra}

    def _reader(self) -> Any:
        from .io.datasets import DATASETS

        return DATASETS.get(self.dataset)(**self.dataset_kwargs)

    def _windows(self, rec: Any, labelled: bool) -> Windows:
        missing = [c for c in (self.chain.picks or []) if c not in rec.ch_names]
        where = rec.meta.get("path", rec.meta.get("record", "the recording"))
        if missing:
            raise ValueError(f"{where}: wrong channel set: missing {missing}; this model needs "
                             f"{', '.join(self.chain.picks or [])}.")
        from .io.checks import check_recording

        check_recording(rec, picks=self.chain.picks or "eeg")
        return self.chain.windows(rec, label=None if labelled else 0)

    def predict_file(self, path: str | os.PathLike[str]) -> pd.DataFrame:
        """Per-window predictions for one input file readable by the run's dataset reader.

        Returns
        -------
        DataFrame
            One row per window: ``record``, ``start``, ``stop`` (s), ``predicted``,
            ``confidence``, ``uncertainty`` and ``p_<class>`` columns.
        """
        rec = self._reader().read(Path(path))
        w = self._windows(rec, labelled=False)
        res = self.predict_windows(w.X)
        df = w.meta[["record", "start", "stop"]].copy()
        if self.task == "regression":
            for j, name in enumerate(self.classes):
                df[name] = res["outputs"][:, j]
            return df
        df["predicted"] = [self.classes[i] for i in res["predicted"]]
        df["confidence"] = res["confidence"]
        df["uncertainty"] = res["uncertainty"]
        for j, name in enumerate(self.classes):
            df[f"p_{name}"] = res["proba"][:, j]
        return df

    def evaluate(self, root: str | os.PathLike[str]) -> dict[str, Any]:
        """Score every record found at ``root`` (a folder or a file) with its true labels.

        Returns
        -------
        dict
            Metrics plus ``n_records``, ``n_subjects``, ``n_windows`` and ``protocol``.
        """
        from .evaluate.metrics import classification_metrics, regression_metrics

        reader = self._reader()
        paths = reader.find(Path(root))
        w = concat_windows([self._windows(reader.read(p), labelled=True) for p in paths])
        res = self.predict_windows(w.X)
        if self.task == "regression":
            metrics = regression_metrics(w.y, res["outputs"], self.classes)
        else:
            metrics = classification_metrics(w.y, res["proba"], self.classes)
        run = read_json(self.run_dir / "run.json") if self.run_dir is not None else {}
        train_paths = set(run.get("records", []))
        train_hashes = set(run.get("record_sha256", []))
        seen = sorted(str(p) for p in paths
                      if str(Path(p).resolve()) in train_paths
                      or (Path(p).exists() and fingerprint(p) in train_hashes))
        metrics.update({
            "protocol": "external" if not seen else "resubstitution",
            "n_records": len(paths), "n_subjects": int(w.groups["subject"].nunique()),
            "n_windows": int(len(w.y)), "n_records_seen_in_training": len(seen),
        })
        return metrics
