"""Seeded per-epoch shuffling and the learning-rate schedule shared by the engine and the
Lightning system (a module of its own, so neither imports the other)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import torch
from torch.utils.data import Sampler

__all__: list[str] = []


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
