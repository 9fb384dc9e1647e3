"""The one inference path: load a run directory and predict anything its chain accepts.

``mindstate predict``, ``evaluate --data``, and later ``explain``, ``serve`` and ``stream`` all go
through :class:`Predictor`, so a model behaves identically everywhere::

    from mindstate import Predictor
    pred = Predictor.load("runs/eegmat")
    result = pred.predict(raw)            # mne.io.Raw, Recording, file path, array + sfreq ...
    result.table                           # one row per window

The run directory stores the **input contract** (``contract.json``: modality, channels and
their order, sampling rate(s), window, units, normalisation, encoder); :meth:`Predictor.predict`
checks every input against it: a recording at another rate is resampled (with a warning), a
missing channel or stream is refused in one line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .data.windows import Windows, concat_windows
from .runs import check_run_dir, fingerprint, read_json
from .tasks import Task, make_task

__all__ = ["Prediction", "Predictor"]


@dataclass
class Prediction:
    """Per-window predictions of one input.

    Parameters
    ----------
    task : str
        ``"classification"``, ``"soft"`` or ``"regression"``.
    names : list of str
        Class or target names, in output order.
    table : DataFrame
        One row per window: ``record``, ``start``, ``stop`` and the task's columns
        (``predicted``, ``confidence``, ``uncertainty``, ``p_<class>``, optional
        ``mutual_information`` and ``set``; or ``<target>`` and optional interval bounds).
    values : dict of str to ndarray
        The arrays behind the table (``proba``, ``outputs``, ``confidence``, ...).
    """

    task: str
    names: list[str]
    table: pd.DataFrame
    values: dict[str, NDArray[Any]] = field(default_factory=dict)

    @property
    def proba(self) -> NDArray[Any] | None:
        """Calibrated class probabilities (n_windows, n_classes); ``None`` for regression."""
        return self.values.get("proba")

    @property
    def outputs(self) -> NDArray[Any] | None:
        """Regression outputs (n_windows, n_targets); ``None`` for classification."""
        return self.values.get("outputs")

    def __len__(self) -> int:
        return len(self.table)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: task, names and the per-window records.

        Returns
        -------
        dict
            ``{"task", "classes", "windows"}``.
        """
        return {"task": self.task, "classes": self.names,
                "windows": self.table.to_dict(orient="records")}


class Predictor:
    """A trained model (or ensemble) with its signal chain, task, calibration and contract.

    Use :meth:`load`; the constructor only stores its arguments.

    Parameters
    ----------
    models : torch.nn.Module | list of torch.nn.Module
        The trained network(s); several are a deep ensemble (outputs averaged after the
        output activation, their spread reported).
    chain : object
        The fitted signal chain (:class:`~mindstate.data.pipeline.SignalChain`,
        :class:`~mindstate.data.chains.PhysioChain`, ...).
    task : Task | str
        The task object (or its kind).
    temperature : float
        Softmax temperature (1 = uncalibrated).
    dataset : str
        Registered dataset whose reader reads input files.
    dataset_kwargs : dict | None
        Reader options.
    run_dir : Path | None
        Where it was loaded from.
    conformal : dict | None
        Split-conformal state (:meth:`~mindstate.tasks.Task.fit_conformal`); when given every
        prediction carries a set (classification) or an interval (regression).
    """

    def __init__(self, models: Any, chain: Any, task: Task | str, temperature: float = 1.0,
                 dataset: str = "", dataset_kwargs: dict[str, Any] | None = None,
                 run_dir: Path | None = None, conformal: dict[str, Any] | None = None) -> None:
        self.models = list(models) if isinstance(models, (list, tuple)) else [models]
        self.chain = chain
        self.task = make_task(task) if isinstance(task, str) else task
        self.temperature = float(temperature)
        self.dataset = dataset
        self.dataset_kwargs = dict(dataset_kwargs or {})
        self.run_dir = run_dir
        self.conformal = conformal

    @property
    def model(self) -> Any:
        """The first (or only) network."""
        return self.models[0]

    @property
    def classes(self) -> list[str]:
        """Class names (or target names) in output order."""
        return self.task.output_names(int(self.model.n_outputs))

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, run_dir: str | os.PathLike[str]) -> Predictor:
        """Load a complete run directory (safetensors weights, JSON configs; no pickle).

        Parameters
        ----------
        run_dir : path-like
            A finished run directory.

        Returns
        -------
        Predictor
            Ready to predict.
        """
        from safetensors.torch import load_file

        from .data.chains import chain_from_dict
        from .models import MODELS

        path = check_run_dir(run_dir)
        spec = read_json(path / "model.json")
        files = spec.get("weights", ["model.safetensors"])
        models = []
        for f in files:
            model = MODELS.get(spec["name"]).from_config(spec["config"])
            model.load_state_dict(load_file(str(path / f)))
            models.append(model.eval())
        pre = read_json(path / "preprocess.json")
        chain = chain_from_dict(pre)
        task_state = spec.get("task_state") or {"kind": pre.get("task", "classification"),
                                                "names": pre.get("classes")}
        task = make_task(task_state["kind"], task_state.get("names"))
        calib = read_json(path / "calibration.json") if (path / "calibration.json").exists() \
            else {}
        return cls(models, chain, task, float(calib.get("temperature", 1.0)),
                   pre.get("dataset", ""), pre.get("dataset_kwargs", {}), path,
                   calib.get("conformal"))

    from_run_dir = load

    # ------------------------------------------------------------------ core
    def predict_prepared(self, X: Any, *, mc_samples: int = 0,
                         seed: int = 0) -> dict[str, NDArray[Any]]:
        """Predict windows cut by the run's chain (``chain.windows``), before normalisation.

        Parameters
        ----------
        X : ndarray | dict of str to ndarray
            The windows as the chain returns them.
        mc_samples : int
            If > 0, MC-dropout passes per ensemble member (the passes are averaged and
            ``mutual_information`` / ``variance`` or ``std`` are added). Only the MC passes
            run then; there is no extra deterministic pass.
        seed : int
            Seed of the dropout masks (MC dropout is reproducible).

        Returns
        -------
        dict of str to ndarray
            The task's outputs (:meth:`~mindstate.tasks.Task.postprocess`), plus ``sets`` or
            ``intervals`` when the run has conformal calibration.
        """
        from .train.engine import predict_logits

        inputs = self.chain.inputs(X)
        samples = None
        if mc_samples:
            from .uncertainty import mc_dropout_predict

            draws = [mc_dropout_predict(m, inputs, n_samples=mc_samples, seed=seed + i,
                                        activation=None, batch_size=256)[1]
                     for i, m in enumerate(self.models)]
            samples = np.concatenate(draws, axis=0)
            out = samples.mean(axis=0)
        else:
            outs = [predict_logits(m, inputs) for m in self.models]
            out = outs[0]
            if len(outs) > 1:
                samples = np.stack(outs)
                out = samples.mean(axis=0)
        res = self.task.postprocess(out, self.temperature, samples)
        if self.conformal is not None:
            regions = self.task.conformal(self.task.point(res), self.conformal)
            res["sets" if regions.dtype == bool else "intervals"] = regions
        from .models.trm import has_trajectory

        if has_trajectory(self.models[0]):
            res.update(self._trajectories(inputs))
        return res

    def _trajectories(self, inputs: dict[str, NDArray[Any]]) -> dict[str, NDArray[Any]]:
        """Recursive models: every iteration's estimate and confidence, averaged over the
        ensemble; ``confidence`` is the readout-weighted mean of the iterations'."""
        import torch

        from .train.engine import n_samples, take

        n = n_samples(inputs)
        parts: dict[str, list[NDArray[Any]]] = {"trajectory": [], "confidence": [],
                                                "weights": []}
        with torch.no_grad():
            for m in self.models:
                m.eval()
                outs: dict[str, list[NDArray[Any]]] = {k: [] for k in parts}
                for i in range(0, n, 256):
                    part = cast("dict[str, NDArray[Any]]", take(inputs, slice(i, i + 256)))
                    batch = {k: torch.as_tensor(v) for k, v in part.items()}
                    t = m.trajectory(batch)
                    for k in parts:
                        outs[k].append(t[k].double().numpy())
                for k in parts:
                    parts[k].append(np.concatenate(outs[k]))
        traj = np.mean(parts["trajectory"], axis=0)
        conf = np.mean(parts["confidence"], axis=0)
        weights = np.mean(parts["weights"], axis=0)
        return {"trajectory": traj, "iteration_confidence": conf,
                "confidence": (weights * conf).sum(axis=1)}

    def predict_windows(self, X: Any, *, mc_samples: int = 0,
                        seed: int = 0) -> dict[str, NDArray[Any]]:
        """Predict raw windows: EEG in volts (n_windows, n_chans, n_times), or named streams.

        With ``normalize="recording"`` the windows are taken to be one recording and
        normalised by their own statistics, as each recording was in training.

        Parameters
        ----------
        X : ndarray | dict of str to ndarray
            Raw windows in the run's channel order and sampling rate.
        mc_samples : int
            MC-dropout passes (see :meth:`predict_prepared`).
        seed : int
            Seed of the dropout masks.

        Returns
        -------
        dict of str to ndarray
            See :meth:`predict_prepared`.
        """
        if hasattr(self.chain, "normalize_raw_windows"):
            from ._validation import check_array

            X = check_array(X, "X", ndim=3, shape_hint="(n_windows, n_chans, n_times)",
                            dtype=np.float32)
            n_chans = len(self.chain.picks or [])
            if n_chans and X.shape[1] != n_chans:
                raise ValueError(f"X must have {n_chans} channels ({', '.join(self.chain.picks)}"
                                 f"); got shape {X.shape}.")
            X = self.chain.normalize_raw_windows(X)
        return self.predict_prepared(X, mc_samples=mc_samples, seed=seed)

    # ------------------------------------------------------------------ inputs
    def _reader(self) -> Any:
        from .io.datasets import DATASETS

        return DATASETS.get(self.dataset)(**self.dataset_kwargs)

    def _windows_of(self, x: Any, sfreq: float | None, ch_names: Sequence[str] | None
                    ) -> Windows:
        """Turn any supported input into the chain's windows (labels ignored)."""
        from .io.recording import CH_TYPES, PhysioRecording, Recording, Signal, TextCorpus

        kind = self.chain.kind
        if isinstance(x, (str, os.PathLike)) and (kind != "text" or Path(x).exists()):
            return self._windows_of_path(Path(x))
        if kind == "text":
            if isinstance(x, str):
                x = [x]
            if isinstance(x, TextCorpus):
                return self.chain.windows(x, labelled=False)
            if isinstance(x, Sequence) and not isinstance(x, (str, bytes)):
                texts = list(x)
                for i, t in enumerate(texts):
                    if not isinstance(t, str):
                        raise TypeError(f"texts[{i}] must be a str; got {type(t).__name__}.")
                ids = [f"text{i}" for i in range(len(texts))]
                return self.chain.windows(TextCorpus(texts=texts, ids=ids), labelled=False)
            raise TypeError(f"this run takes text: a string, a list of strings or a path; got "
                            f"{type(x).__name__}.")
        if kind == "physio" and isinstance(x, Mapping):
            signals = {}
            for name, v in x.items():
                if isinstance(v, Signal):
                    signals[name] = v
                elif isinstance(v, tuple) and len(v) == 2:
                    data = np.atleast_2d(np.asarray(v[0], dtype=np.float64))
                    ch_type = {"bvp": "ppg"}.get(name, name if name in CH_TYPES else "misc")
                    signals[name] = Signal(data=data, sfreq=float(v[1]),
                                           ch_names=[f"{name}{i}" for i in range(len(data))],
                                           ch_type=ch_type)
                else:
                    raise TypeError(f"stream {name!r} must be a Signal or a (data, sfreq) tuple; "
                                    f"got {type(v).__name__}.")
            x = PhysioRecording(signals=signals, meta={"record": "input"})
        if kind == "physio":
            return self.chain.windows(x, labelled=False)
        # EEG
        import mne

        if isinstance(x, mne.BaseEpochs):
            data = x.get_data(picks="all")
            return self._epochs(data, float(x.info["sfreq"]), list(x.ch_names),
                                bads=list(x.info["bads"]))
        if isinstance(x, mne.io.BaseRaw):
            x = Recording.from_mne(x, meta={"record": "raw"})
        if isinstance(x, np.ndarray):
            if sfreq is None or ch_names is None:
                raise ValueError("an array input needs sfreq= (Hz) and ch_names= (one per row): "
                                 "predict(X, sfreq=256.0, ch_names=[...]).")
            if x.ndim == 3:
                return self._epochs(x, float(sfreq), list(ch_names))
            if x.ndim != 2:
                raise ValueError(f"X must have shape (n_chans, n_times) or (n_epochs, n_chans, "
                                 f"n_times); got {x.shape}.")
            x = Recording(np.asarray(x, dtype=np.float64), float(sfreq), list(ch_names),
                          ["eeg"] * len(ch_names), meta={"record": "array"})
        if not isinstance(x, Recording):
            raise TypeError(f"cannot predict from {type(x).__name__}: pass a file path, a "
                            "Recording, an mne.io.Raw, mne.Epochs or an array with sfreq and "
                            "ch_names.")
        x = self._canonical_names(x)
        self.chain.check_record(x)
        return self.chain.windows(x, labelled=False)

    def _canonical_names(self, rec: Any) -> Any:
        """Map names such as ``EEG Fp1`` to the run's ``Fp1`` when that resolves every pick."""
        from dataclasses import replace

        picks = getattr(self.chain, "picks", None) or []
        if not picks or all(c in rec.ch_names for c in picks):
            return rec
        from .preprocess import normalize_channel_names

        try:
            names = normalize_channel_names(rec.ch_names)
        except ValueError:
            return rec
        if sum(c in names for c in picks) <= sum(c in rec.ch_names for c in picks):
            return rec
        bads = [names[rec.ch_names.index(b)] for b in rec.meta.get("bads", [])
                if b in rec.ch_names]
        return replace(rec, ch_names=names, meta={**rec.meta, "bads": bads})

    def _epochs(self, data: NDArray[Any], sfreq: float, ch_names: list[str],
                bads: list[str] | None = None) -> Windows:
        from .io.recording import Recording

        parts = []
        for i, ep in enumerate(np.asarray(data, dtype=np.float64)):
            rec = Recording(ep, sfreq, ch_names, ["eeg"] * len(ch_names),
                            meta={"record": f"epoch{i}", "bads": list(bads or [])})
            rec = self._canonical_names(rec)
            self.chain.check_record(rec)
            parts.append(self.chain.windows(rec, labelled=False))
        return concat_windows(parts)

    def _windows_of_path(self, path: Path) -> Windows:
        reader = self._reader()
        if hasattr(reader, "windows"):  # corpus-level datasets (HMS)
            return self.chain.prepare_windows(reader.windows(path))
        parts = []
        for p in reader.find_unlabelled(path):
            for rec in _records(reader.read_unlabelled(p)):
                self.chain.check_record(rec)
                parts.append(self.chain.windows(rec, labelled=False))
        return concat_windows(parts)

    def predict(self, x: Any, *, sfreq: float | None = None,
                ch_names: Sequence[str] | None = None, mc_samples: int = 0,
                seed: int = 0, reference: Any = None) -> Prediction:
        """Predict any input the run's chain accepts.

        Parameters
        ----------
        x : path | Recording | mne.io.Raw | mne.Epochs | ndarray | str | list of str | dict
            A file or folder readable by the run's dataset reader; an EEG recording (MNE raw
            or epochs, a :class:`~mindstate.io.Recording`, or an array of shape
            (n_chans, n_times) / (n_epochs, n_chans, n_times) in volts with ``sfreq`` and
            ``ch_names``); a sentence or list of sentences (text runs); a dict of physiology
            streams ``{"bvp": (data, sfreq), ...}`` or a
            :class:`~mindstate.io.PhysioRecording` (physiology runs).
        sfreq : float | None
            Sampling rate of an array input, in Hz.
        ch_names : list of str | None
            Channel names of an array input.
        mc_samples : int
            MC-dropout passes (0: deterministic).
        seed : int
            Seed of the dropout masks.
        reference : path | Recording | ndarray | None
            Runs with per-subject alignment (``preprocess.align``): recordings of the same
            person whose mean covariance aligns ``x`` (e.g. a rest and a task recording when
            ``x`` is one of them). ``None`` aligns each subject of ``x`` on its own windows.

        Returns
        -------
        Prediction
            One row per window (per sentence for text).
        """
        ref = None
        if reference is not None and getattr(self.chain, "align", "none") != "none":
            ref = self._windows_of(reference, sfreq, ch_names).X
        w = self._aligned(self._windows_of(x, sfreq, ch_names), reference=ref)
        res = self.predict_prepared(w.X, mc_samples=mc_samples, seed=seed)
        return self._prediction(w, res)

    def expert_scores(self, x: Any, *, sfreq: float | None = None,
                      ch_names: Sequence[str] | None = None) -> dict[str, Any]:
        """The least-squares experts' scores for every window of ``x`` (AHLSA runs).

        Parameters
        ----------
        x : path | Recording | mne.io.Raw | mne.Epochs | ndarray | dict
            Any input :meth:`predict` takes.
        sfreq : float | None
            Sampling rate of an array input, in Hz.
        ch_names : list of str | None
            Channel names of an array input.

        Returns
        -------
        dict
            ``channel`` (n_windows, n_chans), ``band`` (n_windows, n_bands), ``time``
            (n_windows, n_tokens), ``channel_weight`` (quality weights), ``variance`` (the
            least-squares predictive variance), ``sparsity`` (of the LASSO code, first model),
            plus ``channels`` (names) and ``bands_hz`` (the filter bank's initial bands).
            Scores are signed and not normalised: a larger magnitude means a larger weight in
            the least-squares answer; an electrode of zero quality scores zero.
        """
        import torch

        model = self.models[0]
        if not hasattr(model, "expert_scores"):
            raise TypeError(f"this run's model ({type(model).__name__}) has no least-squares "
                            "experts; expert scores exist for the ahlsa models. Use an "
                            "attribution method instead.")
        w = self._aligned(self._windows_of(x, sfreq, ch_names))
        inputs = {k: torch.as_tensor(v) for k, v in self.chain.inputs(w.X).items()}
        out = model.expert_scores(inputs)
        out["channels"] = list(getattr(self.chain, "picks", None) or [])
        out["bands_hz"] = [list(b) for b in getattr(model, "band_edges", [])]
        return out

    def _prediction(self, w: Windows, res: dict[str, NDArray[Any]]) -> Prediction:
        names = self.classes
        cols = [c for c in ("record", "start", "stop", "text") if c in w.meta]
        df = w.meta[cols].reset_index(drop=True).copy()
        if "outputs" in res:
            for j, name in enumerate(names):
                df[name] = res["outputs"][:, j]
                if "std" in res:
                    df[f"{name}_std"] = res["std"][:, j]
                if "intervals" in res:
                    df[f"{name}_low"] = res["intervals"][:, j, 0]
                    df[f"{name}_high"] = res["intervals"][:, j, 1]
            if "trajectory" in res:
                df["confidence"] = res["confidence"]
                df["iteration_confidence"] = [np.round(r, 4).tolist()
                                              for r in res["iteration_confidence"]]
                df["trajectory"] = [np.round(r, 4).tolist() for r in res["trajectory"]]
        else:
            df["predicted"] = [names[i] for i in res["predicted"]]
            df["confidence"] = res["confidence"]
            df["uncertainty"] = res["uncertainty"]
            if "mutual_information" in res:
                df["mutual_information"] = res["mutual_information"]
            for j, name in enumerate(names):
                df[f"p_{name}"] = res["proba"][:, j]
            if "sets" in res:
                df["set"] = ["|".join(n for n, m in zip(names, row) if m) for row in res["sets"]]
        return Prediction(self.task.kind, names, df, res)

    def predict_file(self, path: str | os.PathLike[str]) -> pd.DataFrame:
        """Per-window predictions for one input file or folder readable by the run's reader.

        Parameters
        ----------
        path : path-like
            The input.

        Returns
        -------
        DataFrame
            :attr:`Prediction.table`.
        """
        return self.predict(Path(path)).table

    def labelled_windows(self, root: str | os.PathLike[str]) -> tuple[Windows, list[Path]]:
        """Every labelled window found at ``root`` (a folder or a file), with the records read.

        Parameters
        ----------
        root : path-like
            Data in the run's dataset format.

        Returns
        -------
        windows : Windows
            The chain's windows with their true labels.
        paths : list of Path
            The records.
        """
        reader = self._reader()
        if hasattr(reader, "windows"):
            return self.chain.prepare_windows(reader.windows(Path(root))), [Path(root)]
        paths = reader.find(Path(root))
        parts = []
        for p in paths:
            for rec in _records(reader.read(p)):
                self.chain.check_record(rec)
                parts.append(self.chain.windows(rec))
        return self._aligned(concat_windows(parts)), paths

    def _aligned(self, w: Windows, reference: Any = None) -> Windows:
        """Label-free alignment when the run's chain uses it (else ``w``)."""
        if hasattr(self.chain, "align_windows"):
            return self.chain.align_windows(w, reference=reference)
        return w

    def evaluate(self, root: str | os.PathLike[str]) -> dict[str, Any]:
        """Score every record (every row of a corpus) found at ``root`` with its true labels.

        Parameters
        ----------
        root : path-like
            A folder or file in the run's dataset format.

        Returns
        -------
        dict
            Metrics plus ``n_records``, ``n_subjects``, ``n_windows`` and ``protocol``
            (``external``, or ``resubstitution`` when a record was used in training).
        """
        w, paths = self.labelled_windows(root)
        y = self.task.check_targets(w.y, str(root))
        res = self.predict_prepared(w.X)
        pred = self.task.point(res)
        metrics = self.task.score(y, pred, w.groups)
        regions = res.get("sets", res.get("intervals"))
        if regions is not None:
            metrics["conformal"] = self.task.coverage(y, regions)
        if "trajectory" in res:
            from .evaluate.regression import emotional_metrics

            metrics["emotional"] = emotional_metrics(y, pred, res["iteration_confidence"],
                                                     res["trajectory"])
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


def _records(read: Any) -> list[Any]:
    """A reader's result as a list (files of trials read as one recording per trial)."""
    return read if isinstance(read, list) else [read]
