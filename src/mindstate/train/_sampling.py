"""Seeded per-epoch shuffling and the learning-rate schedule shared by the engine and the
Lightning system (a module of its own, so neither imports the other)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import torch
from torch.utils.data import Sampler

__all__: list[str] = []


class _EpochSampler(Sampler[int]):
    """Shuffles with a generator seeded by (seed, epoch): resumable and reproducible.

    Under DDP each of ``world_size`` processes takes every ``world_size``-th index of the same
    permutation (padded by wrapping so all ranks see equally many batches).

    With ``lengths`` (tokens per item) the permutation is length-bucketed: it is cut into
    pools of 50 batches, each pool is sorted by length and cut into batches, and the batches
    are shuffled, so every batch holds items of similar length (little padding) while the
    batch order stays random.
    """

    def __init__(self, n: int, seed: int, lengths: Any = None, batch_size: int = 1) -> None:
        self.n, self.seed, self.epoch = n, seed, 0
        self.rank, self.world_size = 0, 1
        self.lengths = None if lengths is None else torch.as_tensor(lengths).reshape(-1)
        self.batch_size = max(1, int(batch_size))

    def _bucketed(self, perm: list[int], g: torch.Generator) -> list[int]:
        assert self.lengths is not None
        b = self.batch_size
        pool = 50 * b
        batches: list[list[int]] = []
        for start in range(0, len(perm), pool):
            chunk = perm[start:start + pool]
            chunk.sort(key=lambda i: int(self.lengths[i]))  # type: ignore[index]
            batches += [chunk[i:i + b] for i in range(0, len(chunk), b)]
        tail = batches.pop() if batches and len(batches[-1]) < b else []
        order = torch.randperm(len(batches), generator=g).tolist()
        # the short batch goes last, so the loader's consecutive cuts match the buckets
        return [i for k in order for i in batches[k]] + tail

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def set_distributed(self, rank: int, world_size: int) -> None:
        self.rank, self.world_size = rank, max(1, world_size)

    def __iter__(self) -> Iterator[int]:
        g = torch.Generator().manual_seed(self.seed * 100_003 + self.epoch)
        perm = torch.randperm(self.n, generator=g).tolist()
        if self.lengths is not None and self.world_size == 1:
            perm = self._bucketed(perm, g)
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
