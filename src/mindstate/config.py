"""Experiment configuration: frozen dataclasses, strict YAML loading and ``--set`` overrides.

Used only by the experiment layer and the CLI; library code takes plain keyword arguments.
Unknown keys are errors with a suggestion; wrong types raise ``TypeError`` (an int is accepted
where a float is expected).
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from ._validation import suggest
from .exceptions import ConfigError

__all__ = [
    "DataConfig",
    "EvaluateConfig",
    "ExperimentConfig",
    "HPOConfig",
    "ModelConfig",
    "PreprocessConfig",
    "FinetuneConfig",
    "TrainConfig",
    "apply_overrides",
    "config_from_dict",
    "config_to_dict",
    "dump_config",
    "load_config",
]


@dataclass(frozen=True, kw_only=True)
class DataConfig:
    """Where the recordings are and how they become windows.

    ``simulate`` names a simulator (``eeg-emotion``, ``e4``, ``hms``) that writes the data to
    ``root`` when ``root`` does not exist yet (the embedded default data).

    Parameters
    ----------
    dataset : str
        Name of a dataset registered in :data:`mindstate.io.datasets.DATASETS`.
    root : str
        Folder holding the dataset's records (searched with the dataset's ``find``).
    kwargs : dict
        Keyword arguments for the dataset class.
    simulate : str | None
        Simulator that writes data into ``root`` when ``root`` does not exist; ``None``
        requires existing data.
    classes : list of str | None
        Class names, in label-index order; ``None`` uses the dataset's ``classes``.
    picks : list of str | None
        Channels to use, in order; ``None`` uses every ``eeg`` channel of the first record.
    window_s : float
        Window length, in seconds.
    step_s : float | None
        Hop between window starts, in seconds; ``None`` means ``window_s`` (no overlap).
    label : str | None
        How windows get labels (see :func:`~mindstate.data.windows.make_windows`):
        ``"annotations"`` for trials, ``None`` for ``rec.meta["label"]`` or
        ``rec.meta["target"]``.
    label_rule : {"pure", "majority"}
        Physiology windows: keep only windows whose per-second labels agree (``pure``) or
        take the most frequent label (``majority``).
    """

    dataset: str
    root: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    simulate: str | None = None
    classes: list[str] | None = None
    picks: list[str] | None = None
    window_s: float = 4.0
    step_s: float | None = None
    label: str | None = None
    label_rule: Literal["pure", "majority"] = "majority"


@dataclass(frozen=True, kw_only=True)
class PreprocessConfig:
    """Signal chain applied to every recording before windowing (fitted state saved).

    Parameters
    ----------
    resample : float | None
        Target sampling frequency, in Hz; ``None`` keeps the recording's rate.
    bandpass : list of float | None
        Zero-phase band-pass edges ``[low, high]``, in Hz; ``None`` skips the filter.
    notch : float | None
        Line frequency, in Hz (harmonics below Nyquist are notched too); also the line
        frequency of the data-quality summary. ``None`` skips the notch.
    normalize : {"robust", "zscore", "recording", "none"}
        Per-channel normalisation (see :class:`~mindstate.data.pipeline.SignalChain`):
        median/IQR or mean/SD fitted on training windows, per-recording robust statistics,
        or none (volts scaled to µV only).
    interpolate_bads : bool
        Replace the channels listed in ``rec.meta["bads"]`` by spherical-spline
        interpolation before picking.
    on_flat : {"raise", "warn", "ignore"}
        What to do when a recording has flat (dead) channels (in training and at inference).
    align : {"none", "euclidean", "riemann"}
        EEG: label-free per-subject alignment of the windows (each subject's mean window
        covariance whitened to the identity, from that subject's own windows).
    montage : {"double_banana", "referential"}
        HMS samples: bipolar double-banana derivations or the referential channels.
    streams : list of str | None
        Physiology streams to use, in order; ``None`` uses ``bvp, eda, temp, acc``.
    stream_lowpass : dict of str to float
        Physiology: zero-phase low-pass cut-off per stream, in Hz (e.g. ``{eda: 1.0}``).
    stream_resample : dict of str to float
        Physiology: target rate per stream, in Hz.
    stream_normalize : {"participant", "none"}
        Physiology: standardise every stream by the participant's own whole-recording
        median/IQR (label-free), or keep raw units.
    encoder : str
        Text: a registered sentence encoder (``minilm``, ``hashing``) or a local model folder.
    cache_dir : str | None
        Text: embedding cache folder; ``"auto"`` uses ``$MINDSTATE_CACHE`` or
        ``~/.cache/mindstate``; ``None`` disables the cache.
    max_length : int | None
        Text: also give the encoder's tokens, padded or truncated to this many, for models
        that fine-tune the encoder end to end (``text_finetune``); ``None`` gives embeddings
        only.
    """

    resample: float | None = None
    bandpass: list[float] | None = None
    notch: float | None = None
    normalize: Literal["robust", "zscore", "recording", "none"] = "robust"
    interpolate_bads: bool = True
    on_flat: Literal["raise", "warn", "ignore"] = "raise"
    align: Literal["none", "euclidean", "riemann"] = "none"
    montage: Literal["double_banana", "referential"] = "double_banana"
    streams: list[str] | None = None
    stream_lowpass: dict[str, float] = field(default_factory=dict)
    stream_resample: dict[str, float] = field(default_factory=dict)
    stream_normalize: Literal["participant", "none"] = "participant"
    encoder: str = "minilm"
    cache_dir: str | None = "auto"
    max_length: int | None = None


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    """A registered model name and its keyword arguments.

    Parameters
    ----------
    name : str
        Name of a registered model (see :func:`mindstate.models.create_model`).
    kwargs : dict
        Extra keyword arguments for the model; ``n_chans``, ``n_outputs``, ``n_times`` and
        ``sfreq`` are filled in from the data.
    """

    name: str
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class FinetuneConfig:
    """Second training phase of models with a trainable encoder (``text_finetune``): after
    the head has trained on frozen embeddings, encoder and head train together.

    Parameters
    ----------
    epochs : int
        Epochs of the second phase.
    lr : float
        Peak learning rate of the head (the encoder gets the model's
        ``encoder_lr_ratio`` times it).
    weight_decay : float
        AdamW weight decay.
    batch_size : int
        Sentences per batch (batches are length-bucketed).
    grad_clip : float | None
        Gradient-norm clipping value.
    warmup_epochs : float
        Linear warm-up, in epochs, before the cosine decay.
    patience : int | None
        Early-stopping patience on validation loss; ``None`` disables it.
    """

    epochs: int = 2
    lr: float = 1e-4
    weight_decay: float = 1e-6
    batch_size: int = 32
    grad_clip: float | None = 1.0
    warmup_epochs: float = 0.1
    patience: int | None = None


@dataclass(frozen=True, kw_only=True)
class TrainConfig:
    """Optimisation settings (see :func:`mindstate.train.engine.fit`).

    Parameters
    ----------
    epochs : int
        Maximum number of epochs.
    batch_size : int
        Windows per training batch.
    lr : float
        Peak learning rate.
    weight_decay : float
        Weight decay of the optimiser.
    optimizer : {"adamw", "adam", "sgd"}
        Optimiser (SGD uses momentum 0.9).
    scheduler : {"cosine", "constant"}
        Per-step learning-rate schedule after the warm-up.
    warmup_epochs : float
        Length of the linear learning-rate warm-up, in epochs.
    patience : int | None
        Early-stopping patience on validation loss, in epochs; ``None`` disables it.
    grad_clip : float | None
        Gradient-norm clipping value; ``None`` disables clipping.
    loss : str | None
        Name of a registered loss (e.g. ``"ce"``, ``"weighted_ce"``, ``"focal"``, ``"kl"``,
        ``"mse"``, ``"ccc"``); ``None`` uses the task's default (``ce``, ``kl``, ``mse``).
    loss_kwargs : dict
        Keyword arguments for the loss; for ``"weighted_ce"`` without ``weight`` the class
        weights are computed from the training labels.
    augment : list of dict
        Augmentation ops ``{"name": ..., **kwargs}`` applied to training batches (see
        :func:`~mindstate.data.augment.build_augmentation`); empty for none.
    precision : str
        Lightning precision: ``"32-true"``, ``"bf16-mixed"``, ``"16-mixed"`` or ``"64-true"``.
    accelerator : str
        Lightning accelerator, e.g. ``"cpu"``, ``"gpu"``, ``"auto"``.
    devices : int
        Number of devices for the Lightning trainer.
    strategy : str
        Lightning strategy, e.g. ``"auto"`` or ``"ddp"``.
    val_fraction : float
        Fraction of the training groups held out for early stopping and temperature
        scaling; ``0`` trains on all of them without validation.
    num_threads : int | None
        Number of torch CPU threads; ``None`` keeps torch's default.
    gradient_checkpointing : bool
        Recompute the model's feature extractor in the backward pass to save memory.
    progress : bool
        Show a progress bar during training.
    min_lr_ratio : float
        Final learning rate of the cosine schedule as a fraction of ``lr``.
    finetune : FinetuneConfig | None
        A second phase that trains the encoder too (models that have one); ``None`` skips it.
    ensemble : int
        Members of a deep ensemble trained with different seeds (1: a single model); the
        Predictor averages their probabilities and reports their spread.
    """

    epochs: int = 30
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 1e-2
    optimizer: Literal["adamw", "adam", "sgd"] = "adamw"
    scheduler: Literal["cosine", "constant"] = "cosine"
    warmup_epochs: float = 0.0
    patience: int | None = 10
    grad_clip: float | None = None
    loss: str | None = None
    loss_kwargs: dict[str, Any] = field(default_factory=dict)
    augment: list[dict[str, Any]] = field(default_factory=list)
    precision: str = "32-true"
    accelerator: str = "cpu"
    devices: int = 1
    strategy: str = "auto"
    val_fraction: float = 0.2
    num_threads: int | None = None
    gradient_checkpointing: bool = False
    progress: bool = False
    ensemble: int = 1
    min_lr_ratio: float = 0.01
    finetune: FinetuneConfig | None = None


@dataclass(frozen=True, kw_only=True)
class EvaluateConfig:
    """Evaluation protocol: a registered splitter and its options.

    Parameters
    ----------
    protocol : str
        Name of a registered splitter (e.g. ``"loso"``, ``"holdout-subjects"``,
        ``"subject-trial"``, ``"cross-session"``, ``"time-ordered"``, ``"group-kfold"``).
    kwargs : dict
        Keyword arguments for the splitter.
    baseline : bool
        Also score a floor on the same folds (see ``floor``).
    floor : {"bandpower", "riemann"}
        The floor: log band power + logistic regression (ridge, for regression), or
        shrinkage (OAS) covariances → Riemannian tangent space (reference fitted on the
        training fold) → the same linear model. ``riemann`` is for EEG windows.
    calibrate : bool
        Fit temperature scaling of the classifier on the inner validation split.
    bootstrap : int
        Number of subject-level bootstrap resamples for the balanced-accuracy 95 %
        confidence interval; ``0`` skips it.
    conformal_alpha : float | None
        Split-conformal miscoverage: sets (classification) or intervals (regression) are
        calibrated on the inner validation split and their coverage on the held-out windows
        is reported; ``None`` disables them.
    """

    protocol: str = "loso"
    kwargs: dict[str, Any] = field(default_factory=dict)
    baseline: bool = True
    floor: Literal["bandpower", "riemann"] = "bandpower"
    calibrate: bool = True
    bootstrap: int = 200
    conformal_alpha: float | None = 0.1


@dataclass(frozen=True, kw_only=True)
class HPOConfig:
    """Optuna search: ``space`` maps dotted config keys to distributions.

    Parameters
    ----------
    space : dict of str to dict
        Dotted config keys (e.g. ``"train.lr"``) mapped to
        ``{type: float|int|categorical, low, high, log, step, choices}``.
    metric : str | None
        Key of the held-out metrics to optimise (e.g. ``"balanced_accuracy"``); ``None`` uses
        the task's primary metric (balanced accuracy, KL or mean Pearson r).
    direction : {"maximize", "minimize"} | None
        Whether ``metric`` is to be maximised or minimised; ``None`` follows the task's
        primary metric.
    sampler : {"tpe", "random"}
        Optuna sampler, seeded with the experiment ``seed``.
    pruner : {"median", "none"}
        Median pruning over protocol folds, or no pruning.
    study_name : str | None
        Optuna study name; ``None`` uses the experiment ``name``.
    """

    space: dict[str, dict[str, Any]] = field(default_factory=dict)
    metric: str | None = None
    direction: Literal["maximize", "minimize"] | None = None
    sampler: Literal["tpe", "random"] = "tpe"
    pruner: Literal["median", "none"] = "median"
    study_name: str | None = None


@dataclass(frozen=True, kw_only=True)
class ExperimentConfig:
    """One experiment: data → preprocessing → model → training → evaluation.

    Parameters
    ----------
    name : str
        Experiment name (default study name of the search).
    seed : int
        Base seed for simulation, splits, initialisation, shuffling and the search.
    task : {"classification", "soft", "regression"}
        Integer class labels, soft labels (vote distributions), or continuous targets.
    data : DataConfig
        The data and windowing.
    preprocess : PreprocessConfig
        The signal chain.
    model : ModelConfig
        The model.
    train : TrainConfig
        The optimisation.
    evaluate : EvaluateConfig
        The evaluation protocol.
    hpo : HPOConfig
        The hyper-parameter search.
    """

    name: str = "experiment"
    seed: int = 0
    task: Literal["classification", "soft", "regression"] = "classification"
    data: DataConfig
    preprocess: PreprocessConfig = field(default_factory=PreprocessConfig)
    model: ModelConfig
    train: TrainConfig = field(default_factory=TrainConfig)
    evaluate: EvaluateConfig = field(default_factory=EvaluateConfig)
    hpo: HPOConfig = field(default_factory=HPOConfig)


# --------------------------------------------------------------------------- type checking
def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is Literal:
        return " | ".join(repr(a) for a in typing.get_args(tp))
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_type_name(a) for a in typing.get_args(tp))
    if origin is not None:
        return str(tp).replace("typing.", "")
    return getattr(tp, "__name__", str(tp))


def _coerce(value: Any, tp: Any, where: str) -> Any:
    """Check ``value`` against annotation ``tp``; return it (ints widened to float)."""
    origin = typing.get_origin(tp)
    if tp is Any:
        return value
    if origin is Literal:
        allowed = typing.get_args(tp)
        if value not in allowed:
            hint = suggest(str(value), [str(a) for a in allowed]) if isinstance(value, str) else ""
            raise ConfigError(
                f"{where} must be one of {', '.join(map(repr, allowed))}; got {value!r}.{hint}"
            )
        return value
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, where)
            except (TypeError, ConfigError) as exc:
                errors.append(exc)
        if errors and all(isinstance(e, ConfigError) and not isinstance(e, TypeError)
                          for e in errors):
            raise errors[0]
        raise TypeError(f"{where} must be {_type_name(tp)}; got {value!r} "
                        f"({type(value).__name__}).")
    if dataclasses.is_dataclass(tp):
        return _from_dict(tp, value, where)
    if origin is list:
        if not isinstance(value, list):
            raise TypeError(f"{where} must be a list; got {value!r} ({type(value).__name__}).")
        (item_tp,) = typing.get_args(tp) or (Any,)
        return [_coerce(v, item_tp, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise TypeError(f"{where} must be a mapping; got {value!r} "
                            f"({type(value).__name__}).")
        _, val_tp = typing.get_args(tp) or (str, Any)
        return {str(k): _coerce(v, val_tp, f"{where}.{k}") for k, v in value.items()}
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"{where} must be a number; got {value!r} ({type(value).__name__}).")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{where} must be an integer; got {value!r} "
                            f"({type(value).__name__}).")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise TypeError(f"{where} must be true or false; got {value!r} "
                            f"({type(value).__name__}).")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise TypeError(f"{where} must be a string; got {value!r} ({type(value).__name__}).")
        return value
    return value


def _from_dict(cls: Any, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise TypeError(f"{where or 'config'} must be a mapping; got {data!r}.")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in data:
        if key not in fields:
            path = f"{where}.{key}" if where else str(key)
            raise ConfigError(
                f"Unknown config key {path!r}.{suggest(str(key), fields)} "
                f"Allowed keys{' in ' + where if where else ''}: {', '.join(fields)}."
            )
    kwargs = {}
    for name, f in fields.items():
        path = f"{where}.{name}" if where else name
        if name in data:
            kwargs[name] = _coerce(data[name], hints[name], path)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ConfigError(f"Missing required config key {path!r}.")
    return cls(**kwargs)


def config_from_dict(data: dict[str, Any]) -> ExperimentConfig:
    """Build an :class:`ExperimentConfig` from a plain mapping, strictly.

    Parameters
    ----------
    data : dict
        Nested mapping with the fields of :class:`ExperimentConfig`; unknown keys raise
        :class:`~mindstate.exceptions.ConfigError`, wrong types ``TypeError``.

    Returns
    -------
    ExperimentConfig
        The validated, frozen configuration.
    """
    return _from_dict(ExperimentConfig, data, "")


def config_to_dict(cfg: Any) -> dict[str, Any]:
    """Plain nested dict of a config (inverse of :func:`config_from_dict`).

    Parameters
    ----------
    cfg : dataclass instance
        A config, usually an :class:`ExperimentConfig`.

    Returns
    -------
    dict
        The fields, with nested configs as dicts.
    """
    return dataclasses.asdict(cfg)


def _parse_override(item: str) -> tuple[list[str], Any]:
    if "=" not in item:
        raise ConfigError(f"--set expects key=value (e.g. train.lr=1e-3); got {item!r}.")
    key, raw = item.split("=", 1)
    key = key.strip().lstrip("-")
    if not key:
        raise ConfigError(f"--set expects key=value; got {item!r}.")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError as exc:
        raise ConfigError(f"--set {key}: cannot parse value {raw!r} ({exc}).") from exc
    if isinstance(value, str) and _looks_float(value):
        value = float(value)  # YAML 1.1 reads "1e-3" as a string
    return key.split("."), value


def _looks_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return any(c in text.lower() for c in ".e") and not text.lower().startswith(("nan", "inf"))


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Apply ``key.sub=value`` overrides to a raw config mapping (values parsed as YAML).

    Parameters
    ----------
    data : dict
        The raw (unvalidated) config mapping; it is not modified.
    overrides : list of str
        ``key=value`` strings with dotted keys, e.g. ``["train.lr=1e-3"]``; missing
        intermediate mappings are created.

    Returns
    -------
    dict
        A deep copy of ``data`` with the overrides applied.
    """
    import copy

    out = copy.deepcopy(data)
    for item in overrides:
        keys, value = _parse_override(item)
        node = out
        for k in keys[:-1]:
            if not isinstance(node.get(k), dict):
                node[k] = {}
            node = node[k]
        node[keys[-1]] = value
    return out


def load_config(path: str | os.PathLike[str], overrides: list[str] | None = None
                ) -> ExperimentConfig:
    """Read a YAML config strictly and apply ``overrides``.

    Parameters
    ----------
    path : path-like
        The YAML file.
    overrides : list of str | None
        ``key=value`` strings, e.g. ``["train.lr=1e-3", "model.kwargs.n_filters=20"]``.

    Returns
    -------
    ExperimentConfig
        The validated, frozen configuration.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Config file not found: {path}")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc}).") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level; got {type(raw).__name__}.")
    raw = apply_overrides(raw, overrides or [])
    try:
        return config_from_dict(raw)
    except TypeError as exc:
        raise TypeError(f"{path}: {exc}") from exc
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def dump_config(cfg: ExperimentConfig, path: str | os.PathLike[str]) -> None:
    """Write the resolved config as YAML.

    Parameters
    ----------
    cfg : ExperimentConfig
        The configuration to write.
    path : path-like
        The YAML file to (over)write.
    """
    Path(path).write_text(yaml.safe_dump(config_to_dict(cfg), sort_keys=False))
