"""Base of the batch augmentations: the registry, the :class:`Augmentation` class, RNG helpers.

Kept apart from :mod:`mindstate.data.augment` (the pipeline and the label-preserving ops) and
:mod:`mindstate.data.augment_ops` (montage, frequency and label-mixing ops) so that both can
subclass :class:`Augmentation` without importing each other. See :mod:`mindstate.data.augment`
for the calling convention.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_range, describe
from ..registry import Registry

if TYPE_CHECKING:
    import torch

__all__ = ["AUGMENTATIONS", "Augmentation"]

AUGMENTATIONS: Registry[type[Augmentation]] = Registry("augmentation")


# ---------------------------------------------------------------------------------------------
# helpers


def _check_batch(x: Any, y: Any, who: str) -> None:
    import torch

    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{who}: x must be a torch.Tensor; got {describe(x)}.")
    if x.ndim != 3:
        raise ValueError(
            f"{who}: x must have shape (batch, n_chans, n_times); got {tuple(x.shape)}. For one "
            "window use x[None]."
        )
    if not x.is_floating_point():
        raise TypeError(f"{who}: x must be a floating-point tensor; got dtype {x.dtype}.")
    if y is not None:
        if not isinstance(y, torch.Tensor):
            raise TypeError(f"{who}: y must be a torch.Tensor or None; got {describe(y)}.")
        if y.shape[:1] != x.shape[:1]:
            raise ValueError(
                f"{who}: y must have one row per sample ({x.shape[0]}); got {tuple(y.shape)}."
            )


def _check_generator(generator: Any, who: str) -> torch.Generator:
    import torch

    if generator is None:
        raise ValueError(
            f"{who} needs generator=torch.Generator().manual_seed(seed); augmentations never "
            "use the global RNG."
        )
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"{who}: generator must be a torch.Generator; got {describe(generator)}.")
    return generator


def _rand(
    shape: tuple[int, ...], g: torch.Generator, like: torch.Tensor, dtype: Any = None
) -> torch.Tensor:
    """Uniform [0, 1) numbers drawn on the generator's device, moved to ``like``'s device."""
    import torch

    u = torch.rand(shape, generator=g, device=g.device, dtype=torch.float64)
    return u.to(device=like.device, dtype=like.dtype if dtype is None else dtype)


def _selected(p: float, batch: int, g: torch.Generator, like: torch.Tensor) -> torch.Tensor:
    """(batch,) bool: which samples are augmented."""
    import torch

    return (torch.rand((batch,), generator=g, device=g.device) < p).to(like.device)


def _beta(alpha: float, n: int, g: torch.Generator) -> NDArray[np.float64]:
    """``n`` draws of Beta(alpha, alpha), seeded from ``g`` (torch has no seeded Beta sampler)."""
    import torch

    seed = int(torch.randint(0, 2**62, (1,), generator=g, device=g.device).item())
    return np.random.default_rng(seed).beta(alpha, alpha, size=n)


class Augmentation:
    """Base class: validates the batch and generator, honours the ``training`` flag."""

    training: bool = True

    def __call__(
        self, x: torch.Tensor, y: torch.Tensor | None = None, generator: Any = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Return the augmented ``(x, y)``; new tensors, the inputs are not modified.

        Parameters
        ----------
        x : Tensor of shape (batch, n_chans, n_times)
            The batch, in the signal's units.
        y : Tensor of shape (batch,) or (batch, n_classes) | None
            Labels; changed only by the label-mixing ops (:class:`Mixup`, :class:`CutMix`).
        generator : torch.Generator
            The source of all randomness.

        Returns
        -------
        x : Tensor of shape (batch, n_chans, n_times)
        y : Tensor | None
        """
        who = type(self).__name__
        _check_batch(x, y, who)
        g = _check_generator(generator, who)
        if not self.training:
            return x, y
        return self._apply(x, y, g)

    def _apply(
        self, x: torch.Tensor, y: torch.Tensor | None, g: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        raise TypeError(f"{type(self).__name__} does not define _apply.")

    def train(self, mode: bool = True) -> Augmentation:
        """Set the ``training`` flag (augment only when True).

        Parameters
        ----------
        mode : bool
            True to augment, False to pass inputs through.

        Returns
        -------
        self : Augmentation
            The op itself.
        """
        self.training = bool(mode)
        return self

    def eval(self) -> Augmentation:
        """Switch augmentation off (``training = False``).

        Returns
        -------
        self : Augmentation
            The op itself.
        """
        return self.train(False)

    def get_config(self) -> dict[str, Any]:
        """Constructor arguments for configs.

        Returns
        -------
        config : dict
            ``name`` (the registry key) plus the keyword arguments.
        """
        params = inspect.signature(type(self).__init__).parameters
        cfg = {k: getattr(self, k) for k in params if k != "self" and hasattr(self, k)}
        return {"name": getattr(type(self), "name", type(self).__name__), **cfg}

    def __repr__(self) -> str:
        cfg = self.get_config()
        cfg.pop("name", None)
        args = ", ".join(f"{k}={v!r}" for k, v in cfg.items() if k != "ch_names")
        return f"{type(self).__name__}({args})"


def _check_p(p: float, name: str = "p") -> float:
    return check_range(p, name, 0.0, 1.0)
