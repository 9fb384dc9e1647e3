"""The training engine: a Lightning "system" around any registered model.

Determinism is by construction: the shuffling order, dropout masks and augmentation draws of
epoch ``e`` depend only on ``(seed, e)``, so a run resumed from the checkpoint written at the end
of epoch ``e`` continues exactly as the uninterrupted run would have.
"""

from __future__ import annotations

import copy
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from .._validation import check_array, check_int, check_option, check_range
from ._sampling import _EpochSampler

__all__ = ["FitResult", "check_inputs", "fit", "n_samples", "predict_logits", "take"]

logger = logging.getLogger(__name__)

OPTIMIZERS = ("adamw", "adam", "sgd")
SCHEDULERS = ("cosine", "constant")
PRECISIONS = ("32-true", "bf16-mixed", "16-mixed", "64-true")
_Precision = Literal["32-true", "bf16-mixed", "16-mixed", "64-true"]  # == PRECISIONS


@dataclass
class FitResult:
    """What :func:`fit` returns: per-epoch history and where the best weights came from.

    Parameters
    ----------
    history : list of dict
        One dict per epoch run: ``epoch``, ``lr`` and the logged metrics (``train_loss``,
        and with validation data ``val_loss`` and ``val_acc``).
    best_epoch : int
        Index (from 0) of the epoch with the lowest validation loss (training loss without
        validation data); -1 before any epoch.
    best_val_loss : float
        The lowest validation loss; NaN without validation data.
    epochs_run : int
        Number of epochs trained (fewer than ``epochs`` after early stopping).
    lr_history : list of float
        The learning rate at the end of each epoch.
    """

    history: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int = -1
    best_val_loss: float = float("nan")
    epochs_run: int = 0
    lr_history: list[float] = field(default_factory=list)


def _to_tensor(y: np.ndarray) -> torch.Tensor:
    if y.dtype.kind in "iub":
        return torch.as_tensor(y, dtype=torch.long)
    return torch.as_tensor(y, dtype=torch.float32)


Inputs = np.ndarray | Mapping[str, np.ndarray]


def check_inputs(X: Any, name: str = "X") -> dict[str, np.ndarray] | np.ndarray:
    """Validate model inputs: one array, or a dict of named arrays of equal length.

    Parameters
    ----------
    X : ndarray of shape (n, ...) | dict of str to ndarray
        Inputs in the model's units; floating arrays are cast to float32 and must be finite,
        integer arrays (token ids) are kept as int64.
    name : str
        Used in messages.

    Returns
    -------
    ndarray | dict of str to ndarray
        Contiguous arrays.
    """
    if isinstance(X, Mapping):
        if not X:
            raise ValueError(f"{name} must hold at least one named input; got an empty dict.")
        out: dict[str, np.ndarray] = {}
        for key, arr in X.items():
            a = np.asarray(arr)
            if a.dtype.kind in "iu":
                out[key] = np.ascontiguousarray(a, dtype=np.int64)
            else:
                out[key] = check_array(a, f"{name}[{key!r}]", dtype=np.float32)
        lengths = {k: len(v) for k, v in out.items()}
        if len(set(lengths.values())) != 1:
            raise ValueError(f"every input of {name} must have the same number of samples; got "
                             f"{lengths}.")
        return out
    return check_array(X, name, dtype=np.float32)


def n_samples(X: Inputs) -> int:
    """Number of samples of inputs given as one array or a dict of arrays.

    Parameters
    ----------
    X : ndarray | dict of str to ndarray
        The inputs.

    Returns
    -------
    int
        The length of the first axis.
    """
    if isinstance(X, Mapping):
        return len(next(iter(X.values())))
    return len(X)


def take(X: Inputs, idx: Any) -> Inputs:
    """Rows ``idx`` of inputs given as one array or a dict of arrays.

    Parameters
    ----------
    X : ndarray | dict of str to ndarray
        The inputs.
    idx : array-like of int, or slice
        Rows to take.

    Returns
    -------
    ndarray | dict of str to ndarray
        The selected rows, in the same structure.
    """
    if isinstance(X, Mapping):
        return {k: v[idx] for k, v in X.items()}
    return X[idx]


def _as_tensors(X: Inputs) -> torch.Tensor | dict[str, torch.Tensor]:
    if isinstance(X, Mapping):
        return {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in X.items()}
    return torch.from_numpy(np.ascontiguousarray(X))


class _NamedDataset(Dataset[Any]):
    """Samples ``(inputs, y)``; ``inputs`` is a tensor or a dict of tensors (collated as such)."""

    def __init__(self, X: Inputs, y: np.ndarray) -> None:
        self.X, self.y, self.n = _as_tensors(X), _to_tensor(np.asarray(y)), n_samples(X)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> tuple[Any, torch.Tensor]:
        if isinstance(self.X, dict):
            return {k: v[i] for k, v in self.X.items()}, self.y[i]
        return self.X[i], self.y[i]


_LIGHTNING_LOGGERS = ("lightning.pytorch", "lightning.fabric",
                      "lightning.pytorch.utilities.rank_zero",
                      "lightning.fabric.utilities.rank_zero")


class _QuietLightning:
    """Silence Lightning's start-up banners (GPU/TPU availability, tips) during one fit."""

    def __enter__(self) -> None:
        import warnings

        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.filterwarnings("ignore", message=".*LeafSpec.*")
        warnings.filterwarnings("ignore", message=".*does not have many workers.*")
        warnings.filterwarnings("ignore", message=".*no `val_dataloader`.*")
        self._levels = {n: logging.getLogger(n).level for n in _LIGHTNING_LOGGERS}
        for n in _LIGHTNING_LOGGERS:
            logging.getLogger(n).setLevel(logging.WARNING)

    def __exit__(self, *exc: object) -> None:
        for n, level in self._levels.items():
            logging.getLogger(n).setLevel(level)
        self._warnings.__exit__(None, None, None)


def fit(
    model: nn.Module,
    X: Inputs,
    y: np.ndarray,
    X_val: Inputs | None = None,
    y_val: np.ndarray | None = None,
    *,
    loss_fn: nn.Module,
    optimizer: str = "adamw",
    lr: float = 1e-3,
    weight_decay: float = 1e-2,
    epochs: int = 30,
    batch_size: int = 64,
    scheduler: str = "cosine",
    warmup_epochs: float = 0.0,
    min_lr_ratio: float = 0.01,
    patience: int | None = 10,
    grad_clip: float | None = None,
    precision: str = "32-true",
    accelerator: str = "cpu",
    devices: int | str = 1,
    strategy: str = "auto",
    augment: Callable[..., Any] | None = None,
    seed: int = 0,
    ckpt_dir: str | os.PathLike[str] | None = None,
    resume: bool = False,
    progress: bool = False,
    gradient_checkpointing: bool = False,
    log_accuracy: bool | None = None,
) -> FitResult:
    """Train ``model`` in place on windows; on return it holds the best-validation weights.

    Parameters
    ----------
    model : nn.Module
        Any module mapping (batch, ...) float32 inputs to logits/outputs.
    X : ndarray of shape (n_windows, ...) | dict of str to ndarray
        Training inputs: one array, or named arrays (``{"eeg": ..., "spec": ...}``) that
        reach ``model.forward`` as a dict of tensors.
    y : ndarray of shape (n_windows,) or (n_windows, n_outputs)
        Integer classes, vote distributions or regression targets.
    X_val, y_val : ndarray | dict of str to ndarray | None
        Validation data for early stopping and best-epoch selection; without it the last
        epoch's weights are kept.
    loss_fn : nn.Module
        Loss taking (outputs, targets).
    optimizer : {"adamw", "adam", "sgd"}
        Optimiser.
    lr, weight_decay : float
        Peak learning rate and weight decay.
    epochs, batch_size : int
        Maximum epochs and batch size.
    scheduler : {"cosine", "constant"}
        Per-step schedule after ``warmup_epochs`` of linear warm-up; cosine decays to
        ``min_lr_ratio * lr``.
    warmup_epochs : float
        Warm-up length in epochs.
    min_lr_ratio : float
        Final learning rate as a fraction of ``lr``.
    patience : int | None
        Early-stopping patience on validation loss (None disables).
    grad_clip : float | None
        Gradient-norm clipping value.
    precision : str
        Lightning precision: ``"32-true"``, ``"bf16-mixed"``, ``"16-mixed"`` (GPU), ``"64-true"``.
    accelerator, devices, strategy : str | int
        Passed to ``lightning.Trainer``: ``devices=N`` with ``strategy="ddp"`` (one process
        per GPU, launched by Lightning) or ``"ddp_spawn"`` (also works on CPU). Each rank
        trains on its shard of the same seeded permutation; the schedule counts per-rank
        steps.
    augment : callable | None
        ``augment(x, y, generator) -> (x, y)`` applied to training batches only.
    seed : int
        Seed for shuffling, dropout and augmentation (per epoch).
    ckpt_dir : path-like | None
        Where ``last.ckpt`` is written atomically at each epoch end.
    resume : bool
        Continue from ``ckpt_dir/last.ckpt`` if it exists.
    progress : bool
        Show a progress bar.
    gradient_checkpointing : bool
        Recompute ``model.forward_features`` in the backward pass instead of storing its
        activations (less memory, about one extra forward of compute). Gradients are
        unchanged; BatchNorm running statistics see the recomputed batch a second time.
    log_accuracy : bool | None
        Log ``val_acc`` (classification and soft labels); ``None`` logs it when ``y`` holds
        integer class labels. Never meaningful for regression.

    Returns
    -------
    FitResult
        History (one dict per epoch), best epoch and validation loss.
    """
    import lightning as L

    X = check_inputs(X, "X")
    epochs = check_int(epochs, "epochs", min_value=1)
    batch_size = check_int(batch_size, "batch_size", min_value=1)
    check_range(lr, "lr", 0.0, None, inclusive=(False, True))
    check_option(optimizer, OPTIMIZERS, "optimizer")
    check_option(scheduler, SCHEDULERS, "scheduler")
    check_option(precision, PRECISIONS, "precision")
    if n_samples(X) != len(y):
        raise ValueError(f"X and y must have the same length; got {n_samples(X)} and {len(y)}.")
    has_val = X_val is not None and y_val is not None and n_samples(X_val) > 0
    if log_accuracy is None:
        log_accuracy = np.asarray(y).dtype.kind in "iub"
    train_ds = _NamedDataset(X, np.asarray(y))
    sampler = _EpochSampler(len(train_ds), seed, lengths=_token_lengths(model, X),
                            batch_size=batch_size)
    drop_last = len(train_ds) > batch_size and len(train_ds) % batch_size == 1
    train_dl = DataLoader(train_ds, batch_size=batch_size, sampler=sampler, drop_last=drop_last)
    val_dl = None
    if has_val:
        assert X_val is not None and y_val is not None
        Xv = check_inputs(X_val, "X_val")
        val_dl = DataLoader(_NamedDataset(Xv, np.asarray(y_val)),
                            batch_size=max(batch_size, 256))
    steps_per_epoch = len(train_dl)
    from ._system import System, build_callbacks

    system = System(
        model=model, loss_fn=loss_fn, optimizer=optimizer, lr=float(lr),
        weight_decay=float(weight_decay), scheduler=scheduler,
        warmup_steps=int(round(warmup_epochs * steps_per_epoch)),
        total_steps=epochs * steps_per_epoch, min_lr_ratio=min_lr_ratio, augment=augment,
        seed=seed, grad_ckpt=gradient_checkpointing, sampler=sampler,
        warmup_epochs=warmup_epochs, log_accuracy=bool(log_accuracy),
    )
    ckpt_path = Path(ckpt_dir) if ckpt_dir is not None else None
    import tempfile

    spawn = "spawn" in str(strategy)
    spill_dir = tempfile.TemporaryDirectory(prefix="mindstate-fit-") if spawn else None
    if spawn:
        # Tensors cross process boundaries through files, not shared-memory descriptors,
        # which sandboxes and small /dev/shm mounts refuse.
        import torch.multiprocessing as mp

        mp.set_sharing_strategy("file_system")
    callbacks = build_callbacks(patience, ckpt_path, has_val,
                                Path(spill_dir.name) / "history.pt" if spill_dir else None)
    quiet = _QuietLightning()
    quiet.__enter__()
    trainer = L.Trainer(
        max_epochs=epochs, accelerator=accelerator, devices=devices, strategy=strategy,
        precision=cast(_Precision, precision),  # validated against PRECISIONS above
        gradient_clip_val=grad_clip, callbacks=callbacks, logger=False,
        enable_checkpointing=False, enable_model_summary=False,
        enable_progress_bar=progress, num_sanity_val_steps=0, deterministic=False,
        use_distributed_sampler=False,
    )
    resume_from = None
    if resume and ckpt_path is not None and (ckpt_path / "last.ckpt").exists():
        resume_from = str(ckpt_path / "last.ckpt")
        logger.info("resuming from %s", resume_from)
    try:
        with torch.random.fork_rng(devices=[]):
            if resume_from is not None:
                trainer.fit(system, train_dl, val_dl, ckpt_path=resume_from, weights_only=True)
            else:
                trainer.fit(system, train_dl, val_dl)
    finally:
        quiet.__exit__()
    hist = callbacks[0]
    hist.recover()
    if spill_dir is not None:
        spill_dir.cleanup()
    if hist.best_state is not None and has_val:
        model.load_state_dict(hist.best_state)
    model.eval()
    return FitResult(
        history=copy.deepcopy(hist.history), best_epoch=hist.best_epoch,
        best_val_loss=float(hist.best_loss) if has_val else float("nan"),
        epochs_run=len(hist.history), lr_history=[h["lr"] for h in hist.history],
    )


@torch.no_grad()
def predict_logits(model: nn.Module, X: Inputs, batch_size: int = 256) -> np.ndarray:
    """Eval-mode outputs of ``model`` for ``X``, as float64.

    Parameters
    ----------
    model : nn.Module
        The trained model; it is switched to eval mode.
    X : ndarray of shape (n_windows, ...) | dict of str to ndarray
        Inputs in the model's units (one array, or named arrays); floats are cast to
        float32 and must be finite.
    batch_size : int
        Windows per forward pass.

    Returns
    -------
    outputs : ndarray of shape (n_windows, n_outputs)
        The model's outputs (logits or regression predictions), float64.
    """
    model.eval()
    X = check_inputs(X, "X")
    n = n_samples(X)
    if n == 0:
        raise ValueError("X is empty: nothing to predict.")
    lengths = _token_lengths(model, X)
    order = np.argsort(lengths, kind="stable") if lengths is not None else None
    Xo = take(X, order) if order is not None else X
    out = []
    for i in range(0, n, batch_size):
        batch = _as_tensors(take(Xo, slice(i, i + batch_size)))
        out.append(model(batch).double().numpy())
    res = np.concatenate(out)
    if order is not None:  # back to the input order
        res = res[np.argsort(order, kind="stable")]
    return res


def _token_lengths(model: nn.Module, X: Inputs) -> np.ndarray | None:
    """Tokens per item when ``model`` reads padded tokens (``attention_mask``), else None;
    batches of similar lengths drop most padding."""
    if not isinstance(X, dict) or "attention_mask" not in X:
        return None
    unused = getattr(model, "unused_inputs", None)
    if unused is not None and "attention_mask" in unused():
        return None
    return np.asarray(X["attention_mask"]).sum(axis=1)
