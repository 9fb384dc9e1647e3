"""Layers shared by several models: a frozen FIR band-pass filter bank and log-variance features.

:class:`BandFilterBank` turns a raw window into band-limited copies with fixed linear-phase FIR
kernels (``scipy.signal.firwin``, Hamming window) designed once at construction, so band-power
models (DGCNN, MAET) can work from raw EEG without a separate feature-extraction step.
:func:`log_variance` of a band-passed signal is, for a Gaussian signal, the differential entropy
``0.5 * log(2 * pi * e * var)`` up to an additive constant (Shi, Jiao & Lu, "Differential entropy
feature for EEG-based vigilance estimation", EMBC 2013).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch import nn

from .._validation import check_int, check_sfreq

__all__ = ["DEFAULT_BANDS", "BandFilterBank", "band_taps", "log_variance"]

#: Classic EEG bands in Hz (the same edges as ``mindstate.features.BANDS``).
DEFAULT_BANDS: dict[str, tuple[float, float]] = {
    "delta": (1.0, 4.0),
    "theta": (4.0, 8.0),
    "alpha": (8.0, 13.0),
    "beta": (13.0, 30.0),
    "gamma": (30.0, 50.0),
}


def band_taps(sfreq: float, filter_time_s: float = 0.5) -> int:
    """Odd FIR length covering ``filter_time_s`` seconds at ``sfreq``.

    Parameters
    ----------
    sfreq : float
        Sampling frequency in Hz.
    filter_time_s : float
        Kernel length in seconds. 0.5 s (65 taps at 128 Hz) gives a Hamming transition band of
        about 6.5 Hz, enough to separate delta, alpha and gamma by more than 50 dB.

    Returns
    -------
    n_taps : int
        Odd number of taps (>= 3).
    """
    if not filter_time_s > 0:
        raise ValueError(f"filter_time_s must be > 0; got {filter_time_s!r}.")
    return max(3, int(round(filter_time_s * float(sfreq))) | 1)


class BandFilterBank(nn.Module):
    """Fixed (non-trainable) FIR band-pass filters applied to every channel.

    Parameters
    ----------
    sfreq : float
        Sampling frequency in Hz.
    bands : mapping of str to (float, float) | None
        Band name → ``(low, high)`` edges in Hz; :data:`DEFAULT_BANDS` when ``None``. A band whose
        upper edge reaches the Nyquist frequency becomes a high-pass above ``low``.
    n_taps : int | None
        Odd FIR length in samples; :func:`band_taps` (0.5 s) when ``None``.

    Notes
    -----
    The convolution is "valid" (no padding, hence no edge artefacts): an input of ``T`` samples
    gives ``T - n_taps + 1`` output samples. The kernels are a non-persistent buffer: they are
    rebuilt from the configuration and not saved with the weights.
    """

    kernels: torch.Tensor

    def __init__(self, sfreq: float, bands: Mapping[str, Sequence[float]] | None = None,
                 n_taps: int | None = None) -> None:
        super().__init__()
        from scipy.signal import firwin

        self.sfreq = check_sfreq(sfreq)
        bands = DEFAULT_BANDS if bands is None else bands
        if len(bands) == 0:
            raise ValueError("bands must name at least one band; got an empty mapping.")
        self.n_taps = band_taps(self.sfreq) if n_taps is None else check_int(
            n_taps, "n_taps", min_value=3)
        if self.n_taps % 2 == 0:
            raise ValueError(f"n_taps must be odd (linear phase, type I FIR); got {self.n_taps}. "
                             f"Use {self.n_taps + 1}.")
        nyq = self.sfreq / 2.0
        self.band_names = list(bands)
        rows = []
        for name, edges in bands.items():
            lo, hi = (float(e) for e in edges)
            if not 0.0 < lo < hi:
                raise ValueError(f"band {name!r} must satisfy 0 < low < high; got ({lo}, {hi}).")
            if lo >= nyq:
                raise ValueError(f"band {name!r} starts at {lo} Hz, at or above the Nyquist "
                                 f"frequency {nyq:g} Hz of sfreq={self.sfreq:g}. Drop the band "
                                 "or use a higher sampling rate.")
            cutoff: float | list[float] = lo if hi >= nyq else [lo, hi]
            rows.append(firwin(self.n_taps, cutoff, pass_zero=False, fs=self.sfreq))
        weight = torch.as_tensor(np.stack(rows), dtype=torch.float32)  # (n_bands, n_taps)
        self.register_buffer("kernels", weight, persistent=False)

    @property
    def n_bands(self) -> int:
        """Number of bands."""
        return len(self.band_names)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Band-limited copies of ``x``.

        Parameters
        ----------
        x : Tensor of shape (batch, n_chans, n_times)
            Raw signal.

        Returns
        -------
        Tensor of shape (batch, n_bands, n_chans, n_times - n_taps + 1)
            One filtered copy per band.
        """
        if x.shape[-1] < self.n_taps:
            raise ValueError(f"x has {x.shape[-1]} samples, fewer than the filter length "
                             f"n_taps={self.n_taps}.")
        w = self.kernels.to(x.dtype)[:, None, None, :]     # (n_bands, 1, 1, n_taps)
        return nn.functional.conv2d(x.unsqueeze(1), w)     # (B, n_bands, C, T - n_taps + 1)


def log_variance(x: torch.Tensor, dim: int = -1, eps: float = 1e-6) -> torch.Tensor:
    """``log(var(x) + eps)`` along ``dim`` (population variance).

    Parameters
    ----------
    x : Tensor
        Signal, e.g. the output of :class:`BandFilterBank`.
    dim : int
        Axis holding time.
    eps : float
        Floor in squared input units (inputs are standardised upstream, so 1e-6 is far below
        any real band power); it keeps the log and its gradient finite for a flat signal.

    Returns
    -------
    Tensor
        ``x`` with ``dim`` reduced.
    """
    return torch.log(x.var(dim=dim, unbiased=False) + eps)
