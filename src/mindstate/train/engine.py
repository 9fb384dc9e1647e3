"""The training engine: a Lightning "system" around any registered model.

Determinism is by construction: the shuffling order, dropout masks and augmentation draws of
epoch ``e`` depend only on ``(seed, e)``, so a run resumed from the checkpoint written at the end
of epoch ``e`` continues exactly as the uninterrupted run would have.
"""

from __future__ import annotations

import copy
import logging
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Sampler, TensorDataset

from .._validation import check_array, check_int, check_option, check_range

__all__ = ["FitResult", "fit", "predict_logits"]

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


class _EpochSampler(Sampler[int]):
    """Shuffles with a generator seeded by (seed, epoch): resumable and reproducible.

    Under DDP each of ``world_size`` processes takes every ``world_size``-th index of the same
    permutation (padded by wrapping so all ranks see equally many batches).
    """

    def __init__(self, n: int, seed: int) -> None:
        self.n, self.seed, self.epoch = n, seed, 0
        self.rank, self.world_size = 0, 1

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def set_distributed(self, rank: int, world_size: int) -> None:
        self.rank, self.world_size = rank, max(1, world_size)

    def __iter__(self) -> Iterator[int]:
        g = torch.Generator().manual_seed(self.seed * 100_003 + self.epoch)
        perm = torch.randperm(self.n, generator=g).tolist()
        if self.world_size == 1:
            return iter(perm)
        total = len(self) * self.world_size
        perm = (perm * (total // max(1, self.n) + 1))[:total]
        return iter(perm[self.rank::self.world_size])

    def __len__(self) -> int:
        return -(-self.n // self.world_size)


def _to_tensor(y: np.ndarray) -> torch.Tensor:
    if y.dtype.kind in "iub":
        return torch.as_tensor(y, dtype=torch.long)
    return torch.as_tensor(y, dtype=torch.float32)


def _lr_lambda(total_steps: int, warmup_steps: int, schedule: str, min_ratio: float
               ) -> Callable[[int], float]:
    def fn(step: int) -> float:
        if warmup_steps and step < warmup_steps:
            return (step + 1) / warmup_steps
        if schedule == "constant":
            return 1.0
        progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
        progress = min(max(progress, 0.0), 1.0)
        return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))

    return fn


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
    X: np.ndarray,
    y: np.ndarray,
    X_val: np.ndarray | None = None,
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
) -> FitResult:
    """Train ``model`` in place on windows; on return it holds the best-validation weights.

    Parameters
    ----------
    model : nn.Module
        Any module mapping (batch, ...) float32 inputs to logits/outputs.
    X : ndarray of shape (n_windows, ...)
        Training inputs (float32).
    y : ndarray of shape (n_windows,) or (n_windows, n_outputs)
        Integer classes, vote distributions or regression targets.
    X_val, y_val : ndarray | None
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

    Returns
    -------
    FitResult
        History (one dict per epoch), best epoch and validation loss.
    """
    import lightning as L

    X = check_array(X, "X", dtype=np.float32)
    epochs = check_int(epochs, "epochs", min_value=1)
    batch_size = check_int(batch_size, "batch_size", min_value=1)
    check_range(lr, "lr", 0.0, None, inclusive=(False, True))
    check_option(optimizer, OPTIMIZERS, "optimizer")
    check_option(scheduler, SCHEDULERS, "scheduler")
    check_option(precision, PRECISIONS, "precision")
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length; got {len(X)} and {len(y)}.")
    has_val = X_val is not None and y_val is not None and len(X_val) > 0
    train_ds = TensorDataset(torch.from_numpy(X), _to_tensor(np.asarray(y)))
    sampler = _EpochSampler(len(train_ds), seed)
    drop_last = len(train_ds) > batch_size and len(train_ds) % batch_size == 1
    train_dl = DataLoader(train_ds, batch_size=batch_size, sampler=sampler, drop_last=drop_last)
    val_dl = None
    if has_val:
        assert X_val is not None and y_val is not None
        Xv = check_array(X_val, "X_val", dtype=np.float32)
        val_dl = DataLoader(TensorDataset(torch.from_numpy(Xv), _to_tensor(np.asarray(y_val))),
                            batch_size=max(batch_size, 256))
    steps_per_epoch = len(train_dl)
    from ._system import System, build_callbacks

    system = System(
        model=model, loss_fn=loss_fn, optimizer=optimizer, lr=float(lr),
        weight_decay=float(weight_decay), scheduler=scheduler,
        warmup_steps=int(round(warmup_epochs * steps_per_epoch)),
        total_steps=epochs * steps_per_epoch, min_lr_ratio=min_lr_ratio, augment=augment,
        seed=seed, grad_ckpt=gradient_checkpointing, sampler=sampler,
        warmup_epochs=warmup_epochs,
    )
    ckpt_path = Path(ckpt_dir) if ckpt_dir is not None else None
    kill = os.environ.get("MINDSTATE_FAULT_KILL_AFTER_EPOCH")
    import tempfile

    spawn = "spawn" in str(strategy)
    spill_dir = tempfile.TemporaryDirectory(prefix="mindstate-fit-") if spawn else None
    if spawn:
        # Tensors cross process boundaries through files, not shared-memory descriptors,
        # which sandboxes and small /dev/shm mounts refuse.
        import torch.multiprocessing as mp

        mp.set_sharing_strategy("file_system")
    callbacks = build_callbacks(patience, ckpt_path, has_val,
                                int(kill) if kill not in (None, "") else None,
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
def predict_logits(model: nn.Module, X: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Eval-mode outputs of ``model`` for ``X`` of shape (n_windows, ...), as float64.

    Parameters
    ----------
    model : nn.Module
        The trained model; it is switched to eval mode.
    X : ndarray of shape (n_windows, ...)
        Inputs in the model's units, e.g. ``(n_windows, n_chans, n_times)``; cast to
        float32 and must be finite.
    batch_size : int
        Windows per forward pass.

    Returns
    -------
    outputs : ndarray of shape (n_windows, n_outputs)
        The model's outputs (logits or regression predictions), float64.
    """
    model.eval()
    X = check_array(X, "X", dtype=np.float32)
    out = [model(torch.from_numpy(X[i:i + batch_size])).double().numpy()
           for i in range(0, len(X), batch_size)]
    if not out:
        raise ValueError("X is empty: nothing to predict.")
    return np.concatenate(out)
