"""Lightning pieces of the engine: the LightningModule and the callbacks.

Kept at module level (not built inside a function) so that they pickle, which process-spawning
strategies such as ``ddp_spawn`` need. Imported lazily by :func:`mindstate.train.engine.fit`, so
importing the engine does not import Lightning.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import lightning as L
import torch
from torch import nn

from ._sampling import _EpochSampler, _lr_lambda

if TYPE_CHECKING:
    from ..models.base import BaseModel

__all__: list[str] = []


class System(L.LightningModule):
    """Model + loss + optimiser/schedule; per-epoch reseeding makes resume exact."""

    def __init__(self, model: nn.Module, loss_fn: nn.Module, *, optimizer: str, lr: float,
                 weight_decay: float, scheduler: str, warmup_steps: int, total_steps: int,
                 min_lr_ratio: float, augment: Callable[..., Any] | None, seed: int,
                 grad_ckpt: bool = False, sampler: _EpochSampler | None = None,
                 warmup_epochs: float = 0.0, log_accuracy: bool = True) -> None:
        super().__init__()
        self.model, self.loss_fn, self.augment = model, loss_fn, augment
        self.opt_name, self.lr, self.weight_decay = optimizer, lr, weight_decay
        self.schedule = scheduler
        self.warmup_steps, self.total_steps = warmup_steps, total_steps
        self.min_lr_ratio, self.seed, self.grad_ckpt = min_lr_ratio, seed, grad_ckpt
        self._sampler, self.warmup_epochs = sampler, warmup_epochs
        self.log_accuracy = log_accuracy
        self._aug_gen = torch.Generator()
        self._val_losses: list[tuple[float, int]] = []
        self._val_correct = 0

    def setup(self, stage: str) -> None:
        # Shard before Lightning sizes the loaders, so its epoch length is the per-rank one.
        if self._sampler is not None:
            self._sampler.set_distributed(self.trainer.global_rank, self.trainer.world_size)

    def on_train_epoch_start(self) -> None:
        e = self.current_epoch
        torch.manual_seed(self.seed * 1_000_003 + e)  # dropout masks of this epoch
        self._aug_gen.manual_seed(self.seed * 7_919 + e)
        loader = self.trainer.train_dataloader
        assert loader is not None  # Lightning sets it before the first epoch starts
        sampler = loader.sampler
        if isinstance(sampler, _EpochSampler):
            sampler.set_epoch(e)
            sampler.set_distributed(self.trainer.global_rank, self.trainer.world_size)

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x, y = batch
        if self.augment is not None:
            from ..data.augment import augment_inputs

            x, y = augment_inputs(self.augment, x, y, self._aug_gen)
        if self.grad_ckpt and hasattr(self.model, "forward_features"):
            from torch.utils.checkpoint import checkpoint

            model = cast("BaseModel", self.model)  # forward_features/forward_head split
            feats = checkpoint(model.forward_features, model.check_inputs(x),
                               use_reentrant=False)
            out = model.forward_head(feats)
        else:
            out = self.model(x)
        loss = self.loss_fn(out, y)
        aux = getattr(self.model, "auxiliary_loss", None)
        if aux is not None:  # e.g. deep supervision of a recursive model
            loss = loss + aux(y, self.loss_fn)
        if not torch.isfinite(loss):
            raise FloatingPointError(
                f"Non-finite training loss ({loss.item()}) at epoch {self.current_epoch}, "
                f"batch {batch_idx}. Check the inputs for extreme values, lower the learning "
                "rate, or enable gradient clipping (train.grad_clip)."
            )
        self.log("train_loss", loss.detach(), on_step=False, on_epoch=True,
                 batch_size=len(y), sync_dist=self.trainer.world_size > 1)
        return loss

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        x, y = batch
        logits = self.model(x)
        loss = self.loss_fn(logits, y)
        self._val_losses.append((float(loss) * len(y), len(y)))
        if self.log_accuracy and logits.shape[1] > 1:
            target = y if y.ndim == 1 else y.argmax(dim=1)
            self._val_correct += int((logits.argmax(1) == target).sum())

    def on_validation_epoch_end(self) -> None:
        total = sum(n for _, n in self._val_losses)
        if total:
            sync = self.trainer.world_size > 1
            self.log("val_loss", sum(v for v, _ in self._val_losses) / total, sync_dist=sync)
            if self.log_accuracy:
                self.log("val_acc", self._val_correct / total, sync_dist=sync)
        self._val_losses.clear()
        self._val_correct = 0

    def configure_optimizers(self) -> Any:
        groups = getattr(self.model, "optimizer_groups", None)
        params: Any = (groups(self.lr) if groups is not None
                       else [p for p in self.model.parameters() if p.requires_grad])
        if self.opt_name == "adamw":
            opt: torch.optim.Optimizer = torch.optim.AdamW(
                params, lr=self.lr, weight_decay=self.weight_decay)
        elif self.opt_name == "adam":
            opt = torch.optim.Adam(params, lr=self.lr, weight_decay=self.weight_decay)
        else:
            opt = torch.optim.SGD(params, lr=self.lr, momentum=0.9,
                                  weight_decay=self.weight_decay)
        total, warmup = self.total_steps, self.warmup_steps
        if self.trainer.world_size > 1:  # fewer steps per rank under DDP
            total = int(self.trainer.estimated_stepping_batches)
            warmup = int(round(self.warmup_epochs * total / max(1, self.trainer.max_epochs or 1)))
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, _lr_lambda(total, warmup, self.schedule, self.min_lr_ratio))
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}


class History(L.Callback):
    """Per-epoch metrics and the best weights; saved in checkpoints so resume is exact."""

    def __init__(self, spill_path: Path | None = None) -> None:
        self.history: list[dict[str, float]] = []
        self.best_loss = float("inf")
        self.best_epoch = -1
        self.best_state: dict[str, torch.Tensor] | None = None
        self.spill_path = spill_path  # where rank 0 leaves its state for a spawning parent

    def on_train_end(self, trainer: Any, pl_module: Any) -> None:
        if self.spill_path is not None and trainer.global_rank == 0:
            torch.save(self.state_dict(), self.spill_path)

    def recover(self) -> None:
        """Load the state rank 0 left behind (process-spawning strategies)."""
        if self.spill_path is not None and self.spill_path.exists() and not self.history:
            self.load_state_dict(torch.load(self.spill_path, weights_only=True))

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        m = {k: float(v) for k, v in trainer.callback_metrics.items()}
        lr = trainer.optimizers[0].param_groups[0]["lr"]
        row = {"epoch": float(trainer.current_epoch), "lr": float(lr), **m}
        self.history.append(row)
        score = m.get("val_loss", m.get("train_loss", float("inf")))
        if score < self.best_loss:
            self.best_loss, self.best_epoch = score, trainer.current_epoch
            self.best_state = {k: v.detach().clone()
                               for k, v in pl_module.model.state_dict().items()}

    def state_dict(self) -> dict[str, Any]:
        return {"history": self.history, "best_loss": self.best_loss,
                "best_epoch": self.best_epoch, "best_state": self.best_state}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.history = list(state_dict["history"])
        self.best_loss = float(state_dict["best_loss"])
        self.best_epoch = int(state_dict["best_epoch"])
        self.best_state = state_dict["best_state"]


class AtomicLast(L.Callback):
    """Write ``last.ckpt`` at every epoch end via a temporary file and ``os.replace``."""

    def __init__(self, ckpt_dir: Path) -> None:
        self.ckpt_dir = ckpt_dir

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        if trainer.global_rank == 0:
            self.ckpt_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.ckpt_dir / ".last.ckpt.tmp"
        trainer.save_checkpoint(tmp)  # every rank calls it; only rank 0 writes
        if trainer.global_rank == 0:
            os.replace(tmp, self.ckpt_dir / "last.ckpt")


def build_callbacks(patience: int | None, ckpt_dir: Path | None, has_val: bool,
                    spill_path: Path | None = None) -> list[Any]:
    """History (first), optional early stopping, optional atomic last-checkpoint writer."""
    callbacks: list[Any] = [History(spill_path)]
    if patience is not None and has_val:
        callbacks.append(L.pytorch.callbacks.EarlyStopping("val_loss", patience=patience,
                                                           mode="min"))
    if ckpt_dir is not None:
        callbacks.append(AtomicLast(ckpt_dir))
    return callbacks
