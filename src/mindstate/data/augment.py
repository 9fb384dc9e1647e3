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

torch is imported lazily so that ``import mindstate.data`` stays light.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from .._validation import (
    check_int,
    check_option,
    check_range,
    check_sfreq,
    check_type,
    describe,
    suggest,
)
from ..registry import Registry

if TYPE_CHECKING:
    import torch

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
# montage-aware left/right flip

_PREFIXES = sorted(
    ["Fp", "AF", "AFF", "AFp", "F", "FFC", "FC", "FCC", "FT", "FTT", "C", "CCP", "CP", "CPP",
     "T", "TTP", "TP", "TPP", "P", "PPO", "PO", "POO", "O", "OI", "I", "A", "M", "CB"],
    key=len, reverse=True,
)
_ELECTRODE = re.compile(r"(?<![A-Za-z])(" + "|".join(_PREFIXES) + r")(\d+)(?!\d)", re.IGNORECASE)
_CHAIN = re.compile(r"^(L|R)(L|P)(?=$|[^A-Za-z])")


def homologous_name(name: str) -> str:
    """The mirror-image channel name across the midline (``Fp1`` → ``Fp2``, ``LL`` → ``RL``).

    10-20/10-10 electrodes follow the odd = left, even = right rule (``T3`` ↔ ``T4``,
    ``T5`` ↔ ``T6``, ``P7`` ↔ ``P8``); midline ``z`` electrodes and unknown names map to
    themselves. Bipolar names (``Fp1-F7``) map each electrode (→ ``Fp2-F8``); HMS spectrogram
    chains swap ``LL`` ↔ ``RL`` and ``LP`` ↔ ``RP``.

    Parameters
    ----------
    name : str
        A channel name.

    Returns
    -------
    mirror : str
        The homologous channel's name (``name`` itself on the midline or when unknown).
    """
    check_type(name, str, "name")
    chain = _CHAIN.match(name)
    if chain:
        side = "R" if chain.group(1) == "L" else "L"
        return side + name[1:]

    def swap(m: re.Match[str]) -> str:
        n = int(m.group(2))
        if n == 0:
            return m.group(0)
        return m.group(1) + str(n + 1 if n % 2 else n - 1)

    return _ELECTRODE.sub(swap, name)


def flip_permutation(
    ch_names: Sequence[str], pairs: Sequence[Sequence[str]] | None = None
) -> list[int]:
    """Channel order that mirrors a montage left/right: ``x[:, perm]`` is the flipped batch.

    Parameters
    ----------
    ch_names : list of str
        Channel names in the order of ``x``'s channel axis (matched case-insensitively).
    pairs : list of (str, str) | None
        Explicit homologous pairs; default from :func:`homologous_name`.

    Returns
    -------
    perm : list of int
        ``perm[i]`` is the index of the channel that lands in position ``i``.

    Raises
    ------
    ValueError
        If a lateral channel's mirror is missing from ``ch_names`` (the flip would be
        lopsided), or a given pair names an unknown channel.
    """
    names = [str(c) for c in ch_names]
    index = {n.lower(): i for i, n in enumerate(names)}
    if len(index) != len(names):
        raise ValueError(f"ch_names must be unique (case-insensitive); got {names}.")
    perm = list(range(len(names)))
    if pairs is not None:
        for pair in pairs:
            if len(pair) != 2:
                raise ValueError(f"pairs must hold (left, right) name pairs; got {pair!r}.")
            a, b = str(pair[0]), str(pair[1])
            for n in (a, b):
                if n.lower() not in index:
                    raise ValueError(
                        f"pairs name channel {n!r}, which is not in ch_names.{suggest(n, names)}"
                    )
            i, j = index[a.lower()], index[b.lower()]
            perm[i], perm[j] = j, i
        return perm
    unpaired = []
    for i, n in enumerate(names):
        mirror = homologous_name(n)
        if mirror.lower() == n.lower():
            continue
        if mirror.lower() not in index:
            unpaired.append(f"{n} (needs {mirror})")
            continue
        perm[i] = index[mirror.lower()]
    if unpaired:
        raise ValueError(
            f"LeftRightFlip: lateral channel(s) without their mirror in ch_names: {unpaired}. "
            "Pick channels symmetrically or pass pairs=[(left, right), ...]."
        )
    return perm


@AUGMENTATIONS.register("left_right_flip")
class LeftRightFlip(Augmentation):
    """Mirror the montage: swap homologous left/right channels, keep midline channels.

    Parameters
    ----------
    ch_names : list of str
        Channel names of ``x`` (10-20/10-10 names, bipolar ``A-B`` names, or HMS chains).
    pairs : list of (str, str) | None
        Explicit pairs to swap instead of the naming rule (see :func:`flip_permutation`).
    p : float
        Probability that a sample is flipped.
    """

    name: ClassVar[str] = "left_right_flip"

    def __init__(
        self,
        ch_names: Sequence[str],
        pairs: Sequence[tuple[str, str]] | None = None,
        p: float = 0.5,
    ) -> None:
        self.ch_names = [str(c) for c in ch_names]
        self.pairs = None if pairs is None else [tuple(pr) for pr in pairs]
        self.p = _check_p(p)
        self.perm_ = flip_permutation(self.ch_names, self.pairs)

    def _apply(self, x, y, g):
        import torch

        if x.shape[1] != len(self.perm_):
            raise ValueError(
                f"LeftRightFlip was built for {len(self.perm_)} channels; x has {x.shape[1]}."
            )
        perm = torch.as_tensor(self.perm_, device=x.device)
        sel = _selected(self.p, x.shape[0], g, x)[:, None, None]
        return torch.where(sel, x[:, perm, :], x), y


# ---------------------------------------------------------------------------------------------
# frequency domain


@AUGMENTATIONS.register("frequency_mask")
class FrequencyMask(Augmentation):
    """Zero a random frequency band of each sample in the FFT domain.

    A width ``w`` is drawn uniformly in ``[min_width_hz, max_width_hz]`` and a start ``f0`` in
    ``[fmin, fmax - w]``; the rFFT bins with ``f0 <= f < f0 + w`` are zeroed.

    Parameters
    ----------
    max_width_hz : float
        Largest band width, in Hz.
    sfreq : float
        Sampling frequency, in Hz.
    min_width_hz : float
        Smallest band width, in Hz.
    fmin, fmax : float | None
        Range the band lies in, in Hz (default 0 to Nyquist).
    p : float
        Probability that a sample is masked.
    """

    name: ClassVar[str] = "frequency_mask"

    def __init__(
        self,
        max_width_hz: float,
        sfreq: float,
        *,
        min_width_hz: float = 0.0,
        fmin: float = 0.0,
        fmax: float | None = None,
        p: float = 1.0,
    ) -> None:
        self.sfreq = check_sfreq(sfreq)
        nyquist = self.sfreq / 2
        self.fmin = check_range(fmin, "fmin", 0.0, nyquist)
        self.fmax = nyquist if fmax is None else check_range(fmax, "fmax", self.fmin, nyquist,
                                                             inclusive=(False, True))
        self.max_width_hz = check_range(max_width_hz, "max_width_hz", 0.0,
                                        self.fmax - self.fmin)
        self.min_width_hz = check_range(min_width_hz, "min_width_hz", 0.0, self.max_width_hz)
        self.p = _check_p(p)

    def _apply(self, x, y, g):
        import torch

        b, _, t = x.shape
        spec = torch.fft.rfft(x, dim=-1)                                         # (B, C, F)
        freqs = torch.fft.rfftfreq(t, d=1.0 / self.sfreq).to(x.device, x.dtype)  # (F,)
        width = self.min_width_hz + (self.max_width_hz - self.min_width_hz) * _rand((b, 1), g, x)
        f0 = self.fmin + (self.fmax - self.fmin - width) * _rand((b, 1), g, x)
        band = (freqs[None, :] >= f0) & (freqs[None, :] < f0 + width)            # (B, F)
        band = band & _selected(self.p, b, g, x)[:, None]
        spec = spec * (~band)[:, None, :].to(spec.real.dtype)
        return torch.fft.irfft(spec, n=t, dim=-1).to(x.dtype), y


# ---------------------------------------------------------------------------------------------
# label-mixing ops


def _check_mix_labels(y: Any, who: str) -> None:
    if y is None:
        raise ValueError(f"{who} mixes labels: pass y (soft labels of shape (batch, n_classes)).")
    if not y.is_floating_point():
        raise ValueError(
            f"{who} needs soft labels (batch, n_classes) of a float dtype; got dtype {y.dtype}. "
            "One-hot encode hard labels: torch.nn.functional.one_hot(y, n_classes).float()."
        )


@AUGMENTATIONS.register("mixup")
class Mixup(Augmentation):
    """Mixup (Zhang et al., 2018): ``x' = lam x + (1 - lam) x[perm]``, same ``lam`` for ``y``.

    Parameters
    ----------
    alpha : float
        Beta(alpha, alpha) parameter of ``lam`` (> 0).
    p : float
        Probability that a sample is mixed (others keep ``lam = 1``).
    """

    name: ClassVar[str] = "mixup"

    def __init__(self, alpha: float = 0.4, *, p: float = 1.0) -> None:
        self.alpha = check_range(alpha, "alpha", 0.0, None, inclusive=(False, True))
        self.p = _check_p(p)

    def _apply(self, x, y, g):
        import torch

        _check_mix_labels(y, "Mixup")
        b = x.shape[0]
        lam = torch.as_tensor(_beta(self.alpha, b, g), dtype=x.dtype, device=x.device)
        perm = torch.randperm(b, generator=g, device=g.device).to(x.device)
        lam = torch.where(_selected(self.p, b, g, x), lam, torch.ones_like(lam))
        lam_x = lam.view(b, 1, 1)
        lam_y = lam.to(y.dtype).view(b, *([1] * (y.ndim - 1)))
        return lam_x * x + (1 - lam_x) * x[perm], lam_y * y + (1 - lam_y) * y[perm]


@AUGMENTATIONS.register("cutmix")
class CutMix(Augmentation):
    """CutMix in time: a random segment is replaced by the same span of another sample.

    The segment length is ``round((1 - lam) * n_times)`` with ``lam ~ Beta(alpha, alpha)``;
    labels are mixed by the fraction of time actually kept.

    Parameters
    ----------
    alpha : float
        Beta(alpha, alpha) parameter (> 0).
    p : float
        Probability that a sample is mixed.
    """

    name: ClassVar[str] = "cutmix"

    def __init__(self, alpha: float = 1.0, *, p: float = 1.0) -> None:
        self.alpha = check_range(alpha, "alpha", 0.0, None, inclusive=(False, True))
        self.p = _check_p(p)

    def _apply(self, x, y, g):
        import torch

        _check_mix_labels(y, "CutMix")
        b, _, t = x.shape
        lam = _beta(self.alpha, b, g)
        length = torch.as_tensor(np.round((1 - lam) * t).astype(np.int64), device=x.device)
        length = torch.where(_selected(self.p, b, g, x), length, torch.zeros_like(length))
        start = (_rand((b,), g, x, torch.float64) * (t - length + 1).double()).floor().long()
        perm = torch.randperm(b, generator=g, device=g.device).to(x.device)
        ar = torch.arange(t, device=x.device)[None, :]
        cut = (ar >= start[:, None]) & (ar < (start + length)[:, None])          # (B, T)
        out = torch.where(cut[:, None, :], x[perm], x)
        keep = (1 - length.to(y.dtype) / t).view(b, *([1] * (y.ndim - 1)))
        return out, keep * y + (1 - keep) * y[perm]


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
