"""Augmentations that need more than the signal: the montage, the sampling rate or the labels.

:class:`LeftRightFlip` mirrors the montage (homologous channels from their names),
:class:`FrequencyMask` zeroes a band in the FFT domain, and :class:`Mixup` and :class:`CutMix`
mix pairs of samples and their soft labels. All are registered in
:data:`~mindstate.data.augment.AUGMENTATIONS` and re-exported by :mod:`mindstate.data.augment`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from .._validation import check_range, check_sfreq, check_type, suggest
from ._augment_base import (
    AUGMENTATIONS,
    Augmentation,
    _beta,
    _check_p,
    _rand,
    _selected,
)

__all__ = [
    "CutMix",
    "FrequencyMask",
    "LeftRightFlip",
    "Mixup",
    "flip_permutation",
    "homologous_name",
]


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
