"""Causal, stateful filters for real-time streams.

Each object filters consecutive chunks of a stream as if the whole stream had been filtered
at once by the causal offline filter: :class:`StreamingFilter` carries the
``scipy.signal.sosfilt`` state ``zi`` between chunks (never ``filtfilt``), and
:class:`StreamingResampler` carries the input history of a polyphase FIR. Whatever the
chunk sizes (1 sample, 7, 100, random), the concatenated output equals

- ``mindstate.preprocess.filters.apply_sos(x, sos, phase="causal")`` for the filters, and
- ``scipy.signal.upfirdn(h, x, up, down)`` truncated to the samples whose inputs have
  arrived, for the resampler (the offline ``resample_poly`` output delayed by
  ``(len(h) - 1) // 2`` upsampled samples).

The designs are those of :mod:`mindstate.preprocess.filters`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from .._validation import check_array, check_int
from ..preprocess.filters import (
    design_iir_filter,
    design_iir_notch,
    polyphase_kernel,
    resample_ratio,
)

__all__ = [
    "StreamingBandpass",
    "StreamingChain",
    "StreamingFilter",
    "StreamingNotch",
    "StreamingResampler",
]


class _Stage(Protocol):
    def process(self, chunk: Any) -> NDArray[np.float64]: ...

    def reset(self) -> Any: ...


def _check_chunk(chunk: Any, n_chans: int) -> NDArray[np.float64]:
    arr = check_array(chunk, "chunk", ndim=2, shape_hint="(n_chans, n_samples)", min_samples=0)
    if arr.shape[0] != n_chans:
        raise ValueError(
            f"chunk must have shape (n_chans, n_samples) with n_chans={n_chans}; got "
            f"{arr.shape}. Transpose (n_samples, n_chans) chunks with chunk.T."
        )
    return arr


class StreamingFilter:
    """Causal IIR filter in second-order sections, with state carried between chunks.

    Parameters
    ----------
    sos : array-like of shape (n_sections, 6)
        The filter (e.g. :func:`mindstate.preprocess.filters.design_iir_filter`).
    n_chans : int
        Number of channels of the stream.

    Attributes
    ----------
    zi : ndarray of shape (n_sections, n_chans, 2)
        The current filter state (zeros after :meth:`reset`).
    """

    def __init__(self, sos: Any, n_chans: int) -> None:
        sos_arr = np.atleast_2d(np.asarray(sos, dtype=np.float64))
        if sos_arr.ndim != 2 or sos_arr.shape[1] != 6 or not np.all(np.isfinite(sos_arr)):
            raise ValueError(
                f"sos must be a finite array of shape (n_sections, 6); got {sos_arr.shape}."
            )
        self.sos = sos_arr
        self.n_chans = check_int(n_chans, "n_chans", min_value=1)
        self.zi = np.zeros((self.sos.shape[0], self.n_chans, 2))

    def reset(self) -> StreamingFilter:
        """Forget the past (zero state), e.g. after a gap in the stream.

        Returns
        -------
        self : StreamingFilter
            The filter, reset.
        """
        self.zi = np.zeros((self.sos.shape[0], self.n_chans, 2))
        return self

    def process(self, chunk: Any) -> NDArray[np.float64]:
        """Filter the next chunk.

        Parameters
        ----------
        chunk : array-like of shape (n_chans, n_samples)
            The next samples in volts (``n_samples`` may be 0 or 1).

        Returns
        -------
        out : ndarray of shape (n_chans, n_samples)
            The filtered samples.
        """
        from scipy.signal import sosfilt

        x = _check_chunk(chunk, self.n_chans)
        if x.shape[1] == 0:
            return x.copy()
        out, self.zi = sosfilt(self.sos, x, axis=-1, zi=self.zi)
        return out


class StreamingBandpass(StreamingFilter):
    """Causal Butterworth band-pass (or high-/low-pass with one edge None).

    Parameters
    ----------
    sfreq : float
        Sampling frequency in Hz.
    l_freq, h_freq : float | None
        Pass band in Hz.
    n_chans : int
        Number of channels.
    order : int
        Butterworth order.
    """

    def __init__(
        self,
        sfreq: float,
        l_freq: float | None = 0.5,
        h_freq: float | None = 50.0,
        n_chans: int = 1,
        *,
        order: int = 4,
    ) -> None:
        self.sfreq = sfreq
        self.l_freq = l_freq
        self.h_freq = h_freq
        super().__init__(design_iir_filter(sfreq, l_freq, h_freq, order=order), n_chans)


class StreamingNotch(StreamingFilter):
    """Causal IIR notch at the mains frequency and its harmonics.

    Parameters
    ----------
    sfreq : float
        Sampling frequency in Hz.
    freqs : float | sequence of float
        Base line frequencies in Hz (50 or 60).
    n_chans : int
        Number of channels.
    harmonics : bool
        Also notch harmonics below Nyquist.
    quality : float
        Notch quality factor.
    """

    def __init__(
        self,
        sfreq: float,
        freqs: float | Sequence[float] = 50.0,
        n_chans: int = 1,
        *,
        harmonics: bool = True,
        quality: float = 30.0,
    ) -> None:
        self.sfreq = sfreq
        self.freqs = freqs
        sos = design_iir_notch(sfreq, freqs, harmonics=harmonics, quality=quality)
        super().__init__(sos, n_chans)


class StreamingResampler:
    """Causal polyphase resampler with carried input history.

    Output sample ``m`` is emitted as soon as every input it depends on has arrived;
    the result is ``scipy.signal.upfirdn(h, x, up, down)`` of the whole stream, i.e. the
    offline :func:`mindstate.preprocess.filters.resample` output delayed by
    :attr:`delay` output samples (the price of causality).

    Parameters
    ----------
    sfreq : float
        Input sampling frequency in Hz.
    new_sfreq : float
        Output sampling frequency in Hz (rational ratio).
    n_chans : int
        Number of channels.

    Attributes
    ----------
    up, down : int
        The resampling factors.
    h : ndarray
        The anti-aliasing kernel (:func:`~mindstate.preprocess.filters.polyphase_kernel`).
    delay : float
        Group delay in output samples, ``(len(h) - 1) / 2 / down``.
    """

    def __init__(self, sfreq: float, new_sfreq: float, n_chans: int = 1) -> None:
        self.up, self.down = resample_ratio(sfreq, new_sfreq)
        self.sfreq = float(sfreq)
        self.new_sfreq = float(new_sfreq)
        self.n_chans = check_int(n_chans, "n_chans", min_value=1)
        self.h = polyphase_kernel(self.up, self.down)
        self.delay = (self.h.size - 1) / 2.0 / self.down
        self.reset()

    def reset(self) -> StreamingResampler:
        """Forget the past.

        Returns
        -------
        self : StreamingResampler
            The resampler, reset.
        """
        self._buf = np.zeros((self.n_chans, 0))
        self._buf_start = 0  # global index of the first buffered input sample
        self._n_in = 0  # inputs received so far
        self._n_out = 0  # outputs emitted so far
        return self

    def process(self, chunk: Any) -> NDArray[np.float64]:
        """Resample the next chunk.

        Parameters
        ----------
        chunk : array-like of shape (n_chans, n_samples)
            The next input samples.

        Returns
        -------
        out : ndarray of shape (n_chans, n_new)
            The output samples that became computable (``n_new`` may be 0).
        """
        from scipy.signal import upfirdn

        x = _check_chunk(chunk, self.n_chans)
        self._buf = np.concatenate([self._buf, x], axis=1)
        self._n_in += x.shape[1]
        if self._n_in == 0:
            return np.zeros((self.n_chans, 0))
        # outputs m with m * down <= up * (n_in - 1) only need inputs already received
        n_ready = (self.up * (self._n_in - 1)) // self.down + 1
        if n_ready <= self._n_out:
            return np.zeros((self.n_chans, 0))
        y = upfirdn(self.h, self._buf, self.up, self.down, axis=-1)
        # buffer start is a multiple of `down`, so up*buf_start is on the output grid
        first = self.up * self._buf_start // self.down
        out = y[:, self._n_out - first : n_ready - first]
        self._n_out = n_ready
        # keep the inputs the next output needs: index >= (n_out*down - len(h) + 1) / up
        need = max(0, -(-(self._n_out * self.down - self.h.size + 1) // self.up))
        keep_from = (need // self.down) * self.down
        if keep_from > self._buf_start:
            self._buf = self._buf[:, keep_from - self._buf_start :]
            self._buf_start = keep_from
        return np.ascontiguousarray(out)


class StreamingChain:
    """Apply streaming stages one after the other (e.g. notch, band-pass, resampler).

    Parameters
    ----------
    stages : sequence of objects with ``process(chunk)`` and ``reset()``
        The stages, in order.
    """

    def __init__(self, stages: Sequence[_Stage]) -> None:
        stages = list(stages)
        if not stages:
            raise ValueError("stages must hold at least one streaming stage; got none.")
        for i, stage in enumerate(stages):
            if not (callable(getattr(stage, "process", None))
                    and callable(getattr(stage, "reset", None))):
                raise TypeError(
                    f"stages[{i}] must have process(chunk) and reset() methods; got "
                    f"{type(stage).__name__}."
                )
        self.stages = stages

    def reset(self) -> StreamingChain:
        """Reset every stage.

        Returns
        -------
        self : StreamingChain
            The chain, reset.
        """
        for stage in self.stages:
            stage.reset()
        return self

    def process(self, chunk: Any) -> NDArray[np.float64]:
        """Pass a chunk through every stage.

        Parameters
        ----------
        chunk : array-like of shape (n_chans, n_samples)
            The next input samples.

        Returns
        -------
        out : ndarray of shape (n_chans, n_out)
            The output of the last stage.
        """
        out = chunk
        for stage in self.stages:
            out = stage.process(out)
        return np.asarray(out)
