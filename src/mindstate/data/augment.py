"""Batch augmentations for training: torch ops on ``x`` of shape (batch, n_chans, n_times).

Every op is called as ``x, y = op(x, y, generator)``: all randomness comes from the
``torch.Generator`` passed in (never the global RNG), inputs are never modified, and an op
whose ``training`` flag is False (after ``.eval()``) returns its inputs unchanged, so only the
training loop augments. Random parameters are drawn per sample; ``p`` is the probability that
a sample is augmented (for :class:`ChannelDropout`, the probability of dropping a channel).

Build a pipeline from a config with :func:`build_augmentation`::

    aug = build_augmentation([{"name": "gaussian_noise", "std": 1e-6},
                              {"name": "left_right_flip", "p": 0.5},
                              {"name": "mixup", "alpha": 0.4}], ch_names=ch_names, sfreq=200.0)
    x_aug, y_aug = aug(x, y_soft, generator)

This module holds the label-preserving amplitude and time ops, the :class:`Compose` pipeline,
:func:`build_augmentation` and :func:`augment_inputs`; the montage, frequency and label-mixing
ops live in :mod:`mindstate.data.augment_ops` and the base class and registry in
``_augment_base`` (importing this module registers every op). torch is imported lazily so that
``import mindstate.data`` stays light.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any, ClassVar

from .._validation import check_int, check_option, check_range, check_type, describe, suggest
from ._augment_base import AUGMENTATIONS, Augmentation, _check_p, _rand, _selected
from .augment_ops import (
    CutMix,
    FrequencyMask,
    LeftRightFlip,
    Mixup,
    flip_permutation,
    homologous_name,
)

__all__ = [
    "augment_inputs",
    "AUGMENTATIONS",
    "Augmentation",
    "ChannelDropout",
    "Compose",
    "CutMix",
    "FrequencyMask",
    "GaussianNoise",
    "LeftRightFlip",
    "MagnitudeScale",
    "Mixup",
    "TimeShift",
    "TimeWarp",
    "build_augmentation",
    "flip_permutation",
    "homologous_name",
]


# ---------------------------------------------------------------------------------------------
# amplitude and time-domain ops


@AUGMENTATIONS.register("gaussian_noise")
class GaussianNoise(Augmentation):
    """Add white Gaussian noise.

    Parameters
    ----------
    std : float
        Noise standard deviation, in the signal's units (volts for EEG), or a fraction of each
        channel's standard deviation when ``relative`` is True.
    relative : bool
        Scale the noise by each window's per-channel standard deviation.
    p : float
        Probability that a sample gets noise.
    """

    name: ClassVar[str] = "gaussian_noise"

    def __init__(self, std: float = 0.1, *, relative: bool = False, p: float = 1.0) -> None:
        self.std = check_range(std, "std", 0.0, None)
        self.relative = check_type(relative, bool, "relative")
        self.p = _check_p(p)

    def _apply(self, x, y, g):
        import torch

        noise = torch.randn(x.shape, generator=g, device=g.device, dtype=x.dtype).to(x.device)
        scale = self.std * (x.std(dim=-1, keepdim=True) if self.relative else 1.0)
        sel = _selected(self.p, x.shape[0], g, x)[:, None, None]
        return x + torch.where(sel, noise * scale, torch.zeros_like(x)), y


@AUGMENTATIONS.register("magnitude_scale")
class MagnitudeScale(Augmentation):
    """Multiply each sample (or each channel) by a random factor in ``[low, high)``.

    Parameters
    ----------
    low, high : float
        Range of the factor (dimensionless).
    per_channel : bool
        One factor per channel instead of one per sample.
    p : float
        Probability that a sample is scaled.
    """

    name: ClassVar[str] = "magnitude_scale"

    def __init__(
        self, low: float = 0.8, high: float = 1.2, *, per_channel: bool = False, p: float = 1.0
    ) -> None:
        self.low = check_range(low, "low", 0.0, None)
        self.high = check_range(high, "high", self.low, None)
        self.per_channel = check_type(per_channel, bool, "per_channel")
        self.p = _check_p(p)

    def _apply(self, x, y, g):
        import torch

        b, c, _ = x.shape
        shape = (b, c, 1) if self.per_channel else (b, 1, 1)
        factor = self.low + (self.high - self.low) * _rand(shape, g, x)
        sel = _selected(self.p, b, g, x)[:, None, None]
        return x * torch.where(sel, factor, torch.ones_like(factor)), y


@AUGMENTATIONS.register("time_shift")
class TimeShift(Augmentation):
    """Shift each sample in time by a random whole number of samples.

    Parameters
    ----------
    max_shift : int
        Largest shift in samples (both directions).
    mode : {"circular", "zero"}
        Wrap around, or fill the vacated samples with zeros.
    p : float
        Probability that a sample is shifted.
    """

    name: ClassVar[str] = "time_shift"

    def __init__(self, max_shift: int = 10, *, mode: str = "circular", p: float = 1.0) -> None:
        self.max_shift = check_int(max_shift, "max_shift", min_value=0)
        self.mode = check_option(mode, ("circular", "zero"), "mode")
        self.p = _check_p(p)

    def _apply(self, x, y, g):
        import torch

        b, c, t = x.shape
        shift = torch.randint(-self.max_shift, self.max_shift + 1, (b,), generator=g,
                              device=g.device).to(x.device)
        shift = torch.where(_selected(self.p, b, g, x), shift, torch.zeros_like(shift))
        src = torch.arange(t, device=x.device)[None, :] - shift[:, None]        # (B, T)
        if self.mode == "circular":
            return x.gather(-1, (src % t)[:, None, :].expand(b, c, t)), y
        valid = (src >= 0) & (src < t)
        out = x.gather(-1, src.clamp(0, t - 1)[:, None, :].expand(b, c, t))
        return out * valid[:, None, :].to(x.dtype), y


@AUGMENTATIONS.register("time_warp")
class TimeWarp(Augmentation):
    """Smooth random time warp: the local playback speed varies in ``1 ± max_warp``.

    Speeds are drawn at ``n_knots`` points, interpolated linearly over the window and
    integrated into a monotonic time map that keeps the first and last samples in place;
    the signal is resampled on it by linear interpolation.

    Parameters
    ----------
    max_warp : float
        Largest relative speed change, in [0, 1).
    n_knots : int
        Number of speed control points (>= 2).
    p : float
        Probability that a sample is warped.
    """

    name: ClassVar[str] = "time_warp"

    def __init__(self, max_warp: float = 0.2, *, n_knots: int = 4, p: float = 1.0) -> None:
        self.max_warp = check_range(max_warp, "max_warp", 0.0, 1.0, inclusive=(True, False))
        self.n_knots = check_int(n_knots, "n_knots", min_value=2)
        self.p = _check_p(p)

    def _apply(self, x, y, g):
        import torch
        import torch.nn.functional as F

        b, c, t = x.shape
        if t < 2:
            return x.clone(), y
        speed = 1.0 + self.max_warp * (2.0 * _rand((b, 1, self.n_knots), g, x) - 1.0)
        speed = F.interpolate(speed, size=t - 1, mode="linear", align_corners=True)[:, 0]
        pos = torch.cat([torch.zeros_like(speed[:, :1]), torch.cumsum(speed, dim=1)], dim=1)
        pos = pos * ((t - 1) / pos[:, -1:])                                      # (B, T)
        identity = torch.arange(t, device=x.device, dtype=x.dtype).expand(b, t)
        pos = torch.where(_selected(self.p, b, g, x)[:, None], pos, identity)
        left = pos.floor().clamp(0, t - 2).long()
        frac = (pos - left.to(x.dtype))[:, None, :]                              # (B, 1, T)
        x0 = x.gather(-1, left[:, None, :].expand(b, c, t))
        x1 = x.gather(-1, (left + 1)[:, None, :].expand(b, c, t))
        return x0 + frac * (x1 - x0), y


@AUGMENTATIONS.register("channel_dropout")
class ChannelDropout(Augmentation):
    """Zero whole channels at random (a missing electrode); no rescaling.

    Parameters
    ----------
    p : float
        Probability that each channel of each sample is zeroed.
    """

    name: ClassVar[str] = "channel_dropout"

    def __init__(self, p: float = 0.1) -> None:
        self.p = _check_p(p)

    def _apply(self, x, y, g):
        b, c, _ = x.shape
        keep = (_rand((b, c, 1), g, x) >= self.p).to(x.dtype)
        return x * keep, y


# ---------------------------------------------------------------------------------------------
# pipeline


class Compose(Augmentation):
    """Apply augmentations in order, sharing one generator.

    Parameters
    ----------
    transforms : list of Augmentation
        The ops, applied first to last.
    """

    def __init__(self, transforms: Sequence[Augmentation]) -> None:
        self.transforms = list(transforms)
        for i, tr in enumerate(self.transforms):
            if not isinstance(tr, Augmentation):
                raise TypeError(
                    f"transforms[{i}] must be an Augmentation; got {describe(tr)}."
                )

    def _apply(self, x, y, g):
        for tr in self.transforms:
            if tr.training:
                x, y = tr._apply(x, y, g)
        return x, y

    def train(self, mode: bool = True) -> Compose:
        """Set the ``training`` flag of the pipeline and of every op.

        Parameters
        ----------
        mode : bool
            True to augment, False to pass inputs through.

        Returns
        -------
        self : Compose
            The pipeline itself.
        """
        super().train(mode)
        for tr in self.transforms:
            tr.train(mode)
        return self

    def get_config(self) -> dict[str, Any]:
        """Return the configs of the ops.

        Returns
        -------
        config : dict
            ``{"transforms": [op configs]}``.
        """
        return {"transforms": [tr.get_config() for tr in self.transforms]}

    def __repr__(self) -> str:
        return "Compose([" + ", ".join(repr(t) for t in self.transforms) + "])"

    def __len__(self) -> int:
        return len(self.transforms)


def build_augmentation(
    specs: Sequence[dict[str, Any]] | None,
    ch_names: Sequence[str] | None = None,
    sfreq: float | None = None,
) -> Compose:
    """Build a :class:`Compose` pipeline from config entries ``{"name": ..., **kwargs}``.

    Parameters
    ----------
    specs : list of dict | None
        One dict per op; ``name`` is a key of :data:`AUGMENTATIONS`. ``None`` or ``[]`` gives
        an empty pipeline (identity).
    ch_names : list of str | None
        Passed to ops that need channel names (``left_right_flip``) unless given in the spec.
    sfreq : float | None
        Passed to ops that need the sampling frequency (``frequency_mask``), in Hz.

    Returns
    -------
    Compose
        The pipeline (identity when ``specs`` is empty).
    """
    if specs is None:
        return Compose([])
    if isinstance(specs, dict) or isinstance(specs, str):
        raise TypeError(f"specs must be a list of dicts; got {describe(specs)}.")
    ops = []
    for i, spec in enumerate(specs):
        if not isinstance(spec, dict) or "name" not in spec:
            raise ValueError(
                f"specs[{i}] must be a dict with a 'name' key, e.g. {{'name': 'mixup', "
                f"'alpha': 0.4}}; got {spec!r}."
            )
        kwargs = dict(spec)
        cls = AUGMENTATIONS.get(kwargs.pop("name"))
        params = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
        for key, value, what in (("ch_names", ch_names, "channel names"),
                                 ("sfreq", sfreq, "the sampling frequency")):
            if key in params and key not in kwargs:
                if value is None:
                    raise ValueError(
                        f"Augmentation {spec['name']!r} needs {what}: pass {key}= to "
                        "build_augmentation."
                    )
                kwargs[key] = value
        unknown = [k for k in kwargs if k not in params]
        if unknown:
            raise TypeError(
                f"Augmentation {spec['name']!r} got unexpected argument(s) {unknown}; accepted: "
                f"{params}.{suggest(unknown[0], params)}"
            )
        ops.append(cls(**kwargs))
    return Compose(ops)


def augment_inputs(augment: Any, x: Any, y: Any, generator: Any) -> tuple[Any, Any]:
    """Apply ``augment`` to a batch given as one tensor or a dict of named tensors.

    With one named input the op sees it as usual. With several (``{"eeg", "spec"}``, the E4
    streams), every ``(batch, n_chans, n_times)`` float input is augmented on its own and the
    others pass through; label-mixing ops (mixup, cutmix) are refused there, because the
    inputs would be mixed with different partners.

    Parameters
    ----------
    augment : Augmentation
        The op or :class:`Compose` pipeline.
    x : Tensor | dict of str to Tensor
        The batch.
    y : Tensor
        Labels of the batch.
    generator : torch.Generator
        The source of all randomness.

    Returns
    -------
    x : Tensor | dict of str to Tensor
        The augmented batch, in the same structure (new tensors).
    y : Tensor
        The labels (changed only by label-mixing ops).
    """
    if not isinstance(x, dict):
        return augment(x, y, generator)
    keys = list(x)
    if len(keys) == 1:
        out, y = augment(x[keys[0]], y, generator)
        return {keys[0]: out}, y
    ops = augment.transforms if isinstance(augment, Compose) else [augment]
    mixing = [getattr(op, "name", "") for op in ops
              if getattr(op, "name", "") in ("mixup", "cutmix")]
    if mixing:
        raise ValueError(f"augmentation {mixing} mixes samples, which is not defined for "
                         f"several inputs {keys}; use per-input ops (noise, scaling, time "
                         "warp, shift, channel dropout) or a single-input model.")
    result = {}
    for key in keys:
        t = x[key]
        if t.ndim == 3 and t.is_floating_point():
            result[key], _ = augment(t, None, generator)
        else:
            result[key] = t
    return result, y
