"""Memory-bounded processing of long recordings, chunk by chunk, equal to whole-signal results.

A one-hour, 62-channel recording at 1000 Hz is 1.8 GB in float64; these functions never
hold more than a few chunks of it. Two exact strategies:

- **Zero-phase FIR with overlap** (``method="fir"``, ``phase="zero"``, the default): each
  chunk is read with a margin of half a kernel per filter stage, so its output equals
  :func:`~mindstate.preprocess.filters.bandpass` / :func:`~mindstate.preprocess.filters.notch`
  with ``method="fir"`` on the whole signal (MNE's FIR and edge handling) to floating-point
  precision. Chunks are independent, so ``n_jobs`` threads process them in parallel.
- **Causal IIR with state** (``method="iir"``, ``phase="causal"``): chunks are filtered in
  order with the ``sosfilt`` state carried across boundaries, equal to the causal offline
  filter. Sequential by nature.

Zero-phase IIR (``sosfiltfilt``) has an infinite two-sided response and no exact chunked
form, so it is refused.

The window-wise entry point :func:`chunked_apply` is what
:func:`mindstate.features.spectral.chunked_bandpower` builds on.

Sources: an array (``np.ndarray``; an ``np.memmap`` of a C-ordered file is re-read from
disk chunk by chunk so its pages do not accumulate in the process), a
:class:`MemmapLoader`, or any callable ``load(start, stop) -> (n_chans, stop - start)``.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from .._validation import check_array, check_int, check_option, check_range, check_sfreq
from ..exceptions import DataQualityError, ReaderError
from .filters import design_fir_chain, design_iir_filter, design_iir_notch

__all__ = ["MemmapLoader", "chunked_apply", "chunked_filter"]

Loader = Callable[[int, int], Any]


class MemmapLoader:
    """Read time slices of a C-ordered ``(n_chans, n_times)`` binary array on disk.

    Each call opens the file, reads the requested columns row by row into a new array
    and closes it, so memory stays bounded by the chunk size (unlike slicing one
    long-lived ``np.memmap``, whose touched pages stay mapped in the process).

    Parameters
    ----------
    path : str | Path
        The raw file (e.g. written with ``np.memmap(path, mode="w+", ...)``).
    shape : (int, int)
        ``(n_chans, n_times)``.
    dtype : dtype
        Sample type on disk.
    offset : int
        Byte offset of the array in the file.
    """

    def __init__(
        self,
        path: str | Path,
        shape: tuple[int, int],
        dtype: Any = np.float64,
        offset: int = 0,
    ) -> None:
        self.path = Path(path)
        if len(shape) != 2:
            raise ValueError(f"shape must be (n_chans, n_times); got {shape!r}.")
        self.shape = (check_int(shape[0], "n_chans", min_value=1),
                      check_int(shape[1], "n_times", min_value=1))
        self.dtype = np.dtype(dtype)
        self.offset = check_int(offset, "offset", min_value=0)
        if not self.path.is_file():
            raise FileNotFoundError(f"MemmapLoader: no such file {str(self.path)!r}.")
        needed = self.offset + self.shape[0] * self.shape[1] * self.dtype.itemsize
        size = os.path.getsize(self.path)
        if size < needed:
            raise ValueError(
                f"File {str(self.path)!r} holds {size} bytes but shape {self.shape} of "
                f"{self.dtype} at offset {self.offset} needs {needed}. Check shape and dtype."
            )

    def __call__(self, start: int, stop: int) -> NDArray[np.float64]:
        """Samples ``[start, stop)`` of every channel.

        Parameters
        ----------
        start, stop : int
            Sample range, ``0 <= start < stop <= n_times``.

        Returns
        -------
        data : ndarray of shape (n_chans, stop - start)
            The samples as float64.
        """
        n_chans, n_times = self.shape
        if not 0 <= start < stop <= n_times:
            raise ValueError(f"Sample range [{start}, {stop}) is outside [0, {n_times}).")
        out = np.empty((n_chans, stop - start), dtype=self.dtype)
        item = self.dtype.itemsize
        with open(self.path, "rb") as fh:
            for ch in range(n_chans):
                fh.seek(self.offset + (ch * n_times + start) * item)
                got = fh.readinto(memoryview(out[ch]).cast("B"))
                if got != out[ch].nbytes:
                    raise ReaderError(
                        f"File {str(self.path)!r} ended early: channel {ch}, samples "
                        f"{start}-{stop} (read {got} of {out[ch].nbytes} bytes). The file was "
                        "truncated after the loader was created."
                    )
        return out.astype(np.float64, copy=False)


def _as_loader(source: Any, n_times: int | None) -> tuple[Loader, int, int]:
    """Return ``(load, n_chans, n_times)`` for an array, memmap or callable source."""
    if isinstance(source, np.memmap) and isinstance(source.base, mmap.mmap) and (
        source.filename is not None and source.ndim == 2 and source.flags.c_contiguous
    ):
        loader = MemmapLoader(source.filename, source.shape, source.dtype, source.offset)
        return loader, loader.shape[0], loader.shape[1]
    if isinstance(source, MemmapLoader):
        return source, source.shape[0], source.shape[1]
    if isinstance(source, np.ndarray) or (
        hasattr(source, "shape") and hasattr(source, "__getitem__")
    ):
        if len(source.shape) != 2:
            raise ValueError(
                f"source must have shape (n_chans, n_times); got {tuple(source.shape)}. For "
                "windows, process each recording separately."
            )
        arr = source

        def load(start: int, stop: int) -> NDArray[np.float64]:
            return np.array(arr[:, start:stop], dtype=np.float64)

        return load, int(source.shape[0]), int(source.shape[1])
    if callable(source):
        if n_times is None:
            raise ValueError(
                "n_times is required with a callable source load(start, stop); pass the "
                "recording length in samples."
            )
        n_times = check_int(n_times, "n_times", min_value=1)
        probe = np.asarray(source(0, 1))
        if probe.ndim != 2 or probe.shape[1] != 1:
            raise ValueError(
                f"source(0, 1) must return an array of shape (n_chans, 1); got {probe.shape}."
            )
        return source, int(probe.shape[0]), n_times
    raise TypeError(
        "source must be an array (n_chans, n_times), an np.memmap, a MemmapLoader or a "
        f"callable load(start, stop); got {type(source).__name__}."
    )


def _load_checked(load: Loader, start: int, stop: int, n_chans: int) -> NDArray[np.float64]:
    data = np.asarray(load(start, stop), dtype=np.float64)
    if data.shape != (n_chans, stop - start):
        raise ValueError(
            f"source returned shape {data.shape} for samples [{start}, {stop}); expected "
            f"{(n_chans, stop - start)}."
        )
    try:
        return check_array(data, "source")
    except DataQualityError as exc:
        raise DataQualityError(f"{exc} (samples {start}-{stop} of the source)") from exc


def _fir_stage(
    data: NDArray[np.float64],
    in_lo: int,
    n_times: int,
    out_lo: int,
    out_hi: int,
    h: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Output ``[out_lo, out_hi)`` of the zero-phase FIR of the whole signal.

    ``data`` holds the stage input on the global range ``[in_lo, in_lo + data.shape[1])``;
    beyond the signal ends the input is extended by odd reflection (as ``apply_fir``).
    """
    from .filters import _fir_valid

    half = (h.size - 1) // 2
    g = np.arange(out_lo - half, out_hi + half)
    left = g < 0
    right = g > n_times - 1
    src = np.where(left, -g, np.where(right, 2 * (n_times - 1) - g, g)) - in_lo
    seg = data[:, src]
    if left.any():
        seg[:, left] = 2.0 * data[:, [0 - in_lo]] - seg[:, left]
    if right.any():
        seg[:, right] = 2.0 * data[:, [n_times - 1 - in_lo]] - seg[:, right]
    return _fir_valid(seg, h, out_hi - out_lo)


def _fir_range(
    load: Loader,
    n_chans: int,
    n_times: int,
    a: int,
    b: int,
    kernels: Sequence[NDArray[np.float64]],
) -> NDArray[np.float64]:
    """Samples ``[a, b)`` of the whole signal passed through every FIR stage in turn."""
    ranges = [(a, b)]
    for h in reversed(kernels):
        half = (h.size - 1) // 2
        lo, hi = ranges[0]
        ranges.insert(0, (max(0, lo - half), min(n_times, hi + half)))
    data = _load_checked(load, ranges[0][0], ranges[0][1], n_chans)
    for k, h in enumerate(kernels):
        data = _fir_stage(data, ranges[k][0], n_times, ranges[k + 1][0], ranges[k + 1][1], h)
    return data


def _design(
    sfreq: float,
    l_freq: float | None,
    h_freq: float | None,
    notch_freqs: float | Sequence[float] | None,
    harmonics: bool,
    method: str,
    phase: str,
    order: int,
) -> list[NDArray[np.float64]]:
    check_option(method, ("fir", "iir"), "method")
    check_option(phase, ("zero", "causal"), "phase")
    if (method, phase) not in (("fir", "zero"), ("iir", "causal")):
        raise ValueError(
            f"method={method!r} with phase={phase!r} cannot be computed chunk by chunk "
            "exactly. Use method='fir', phase='zero' (overlap, parallel) or method='iir', "
            "phase='causal' (carried state)."
        )
    stages: list[NDArray[np.float64]] = []
    has_band = l_freq is not None or h_freq is not None
    if method == "fir":
        # one kernel for band-pass + notch: equal to the two stages in turn (the odd
        # reflection padding commutes with symmetric kernels), at half the cost
        if has_band or notch_freqs is not None:
            stages.append(design_fir_chain(sfreq, l_freq, h_freq, notch_freqs,
                                           harmonics=harmonics))
    else:
        if has_band:
            stages.append(design_iir_filter(sfreq, l_freq, h_freq, order=order))
        if notch_freqs is not None:
            stages.append(design_iir_notch(sfreq, notch_freqs, harmonics=harmonics))
    return stages


def _drain(results: Any) -> None:
    """Run a lazy iterable of side-effecting work items to completion."""
    for _ in results:
        continue


def _run_parallel(func: Callable[[int], Any], n_items: int, n_jobs: int) -> Iterator[Any]:
    """Map ``func`` over ``range(n_items)`` in order, with joblib threads when n_jobs > 1."""
    if n_jobs == 1 or n_items <= 1:
        for i in range(n_items):
            yield func(i)
        return
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=n_jobs, prefer="threads", return_as="generator")
    yield from parallel(delayed(func)(i) for i in range(n_items))


def _iir_blocks(
    load: Loader,
    n_chans: int,
    n_times: int,
    stages: Sequence[NDArray[np.float64]],
    block: int,
) -> Iterator[tuple[int, NDArray[np.float64]]]:
    """Yield ``(start, filtered block)`` in order, carrying the sosfilt state."""
    from scipy.signal import sosfilt

    zis = [np.zeros((sos.shape[0], n_chans, 2)) for sos in stages]
    for start in range(0, n_times, block):
        stop = min(n_times, start + block)
        data = _load_checked(load, start, stop, n_chans)
        for k, sos in enumerate(stages):
            data, zis[k] = sosfilt(sos, data, axis=-1, zi=zis[k])
        yield start, data


def _check_common(sfreq: float, chunk_s: float, n_jobs: int) -> tuple[float, float, int]:
    sfreq = check_sfreq(sfreq)
    chunk_s = check_range(chunk_s, "chunk_s", 0.0, None, inclusive=(False, True))
    n_jobs = check_int(n_jobs, "n_jobs")
    if n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"n_jobs must be a positive integer or -1 (all cores); got {n_jobs}.")
    if n_jobs == -1:
        n_jobs = os.cpu_count() or 1
    return sfreq, chunk_s, n_jobs


def _check_sequential(n_jobs: int) -> None:
    """The causal IIR carries its state from chunk to chunk, so it runs in one thread."""
    if n_jobs != 1:
        raise ValueError(
            "n_jobs > 1 needs method='fir': the causal IIR carries its state from chunk "
            "to chunk and runs sequentially."
        )


def _check_fir_length(stages: Sequence[NDArray[np.float64]], n_times: int, sfreq: float) -> None:
    for h in stages:
        if h.size > n_times:
            raise ValueError(
                f"The recording ({n_times} samples, {n_times / sfreq:g} s) is shorter than "
                f"the {h.size}-tap FIR filter ({h.size / sfreq:g} s). Use a longer recording "
                "or method='iir', phase='causal'."
            )


def chunked_filter(
    source: Any,
    sfreq: float,
    *,
    l_freq: float | None = 0.5,
    h_freq: float | None = 50.0,
    notch_freqs: float | Sequence[float] | None = None,
    harmonics: bool = True,
    method: Literal["fir", "iir"] = "fir",
    phase: Literal["zero", "causal"] = "zero",
    order: int = 4,
    chunk_s: float = 60.0,
    out: Any = None,
    n_times: int | None = None,
    n_jobs: int = 1,
) -> Any:
    """Filter a long recording chunk by chunk into ``out`` (e.g. an ``np.memmap``).

    Parameters
    ----------
    source : ndarray | np.memmap | MemmapLoader | callable
        The recording, shape (n_chans, n_times), in volts.
    sfreq : float
        Sampling frequency in Hz.
    l_freq, h_freq : float | None
        Band-pass edges in Hz (None to skip an edge; both None: no band-pass).
    notch_freqs : float | sequence of float | None
        Mains frequencies to notch (with harmonics); None: no notch.
    harmonics : bool
        Notch harmonics below Nyquist too.
    method : {"fir", "iir"}
        See the module docstring; the result equals whole-signal
        ``bandpass``/``notch`` with the same method and phase.
    phase : {"zero", "causal"}
        ``"zero"`` with ``"fir"``, ``"causal"`` with ``"iir"``.
    order : int
        Butterworth order for ``"iir"``.
    chunk_s : float
        Chunk length in seconds.
    out : array-like of shape (n_chans, n_times) | None
        Where to write (allocated in memory when None).
    n_times : int | None
        Length of a callable source in samples.
    n_jobs : int
        Threads for ``method="fir"`` (-1: all cores).

    Returns
    -------
    out : array of shape (n_chans, n_times)
        The filtered recording in volts.

    Raises
    ------
    ValueError
        For an impossible band, a method/phase pair with no exact chunked form, a
        recording shorter than the FIR kernel, or ``n_jobs > 1`` with the causal IIR.
    DataQualityError
        If a chunk holds NaN or Inf (the message gives the sample range).
    """
    sfreq, chunk_s, n_jobs = _check_common(sfreq, chunk_s, n_jobs)
    load, n_chans, n_total = _as_loader(source, n_times)
    stages = _design(sfreq, l_freq, h_freq, notch_freqs, harmonics, method, phase, order)
    if out is None:
        out = np.empty((n_chans, n_total), dtype=np.float64)
    elif tuple(out.shape) != (n_chans, n_total):
        raise ValueError(f"out must have shape {(n_chans, n_total)}; got {tuple(out.shape)}.")
    block = max(1, int(round(chunk_s * sfreq)))
    if method == "iir":
        _check_sequential(n_jobs)
        for start, data in _iir_blocks(load, n_chans, n_total, stages, block):
            out[:, start : start + data.shape[1]] = data
        return out
    _check_fir_length(stages, n_total, sfreq)
    n_chunks = -(-n_total // block)

    def work(i: int) -> None:
        a, b = i * block, min(n_total, (i + 1) * block)
        out[:, a:b] = _fir_range(load, n_chans, n_total, a, b, stages)

    _drain(_run_parallel(work, n_chunks, n_jobs))
    return out


def chunked_apply(
    source: Any,
    sfreq: float,
    func: Callable[[NDArray[np.float64]], Any],
    *,
    window_s: float = 4.0,
    step_s: float | None = None,
    chunk_s: float = 60.0,
    l_freq: float | None = None,
    h_freq: float | None = None,
    notch_freqs: float | Sequence[float] | None = None,
    harmonics: bool = True,
    method: Literal["fir", "iir"] = "fir",
    phase: Literal["zero", "causal"] = "zero",
    order: int = 4,
    n_times: int | None = None,
    n_jobs: int = 1,
) -> NDArray[Any]:
    """Apply a window-wise function to every window of a long, filtered recording.

    Equals filtering the whole recording (band-pass then notch, same method), cutting it
    with :func:`~mindstate.preprocess.spectrogram.sliding_windows` and calling ``func``
    on all windows at once, while holding only a few chunks in memory. Used by
    :func:`mindstate.features.spectral.chunked_bandpower`.

    Parameters
    ----------
    source : ndarray | np.memmap | MemmapLoader | callable
        The recording, shape (n_chans, n_times), in volts.
    sfreq : float
        Sampling frequency in Hz.
    func : callable
        Maps windows of shape (n_w, n_chans, n_win) to an array whose first axis has
        length ``n_w`` (e.g. band powers); it must treat windows independently.
    window_s : float
        Window length in seconds.
    step_s : float | None
        Hop between windows in seconds; default ``window_s``.
    chunk_s : float
        Approximate chunk length in seconds (a whole number of windows per chunk).
    l_freq, h_freq : float | None
        Band-pass edges in Hz; both None (default): no band-pass.
    notch_freqs : float | sequence of float | None
        Mains frequencies to notch; None: no notch.
    harmonics : bool
        Notch harmonics too.
    method, phase : str
        ``("fir", "zero")`` or ``("iir", "causal")`` (see the module docstring).
    order : int
        Butterworth order for ``"iir"``.
    n_times : int | None
        Length of a callable source in samples.
    n_jobs : int
        Threads for ``method="fir"`` (-1: all cores).

    Returns
    -------
    result : ndarray of shape (n_windows, ...)
        ``func``'s outputs concatenated over windows.

    Raises
    ------
    ValueError
        If the window is longer than the recording, ``func`` returns the wrong number
        of rows, or as :func:`chunked_filter`.
    DataQualityError
        If a chunk holds NaN or Inf.
    """
    from numpy.lib.stride_tricks import sliding_window_view

    sfreq, chunk_s, n_jobs = _check_common(sfreq, chunk_s, n_jobs)
    if not callable(func):
        raise TypeError(f"func must be callable; got {type(func).__name__}.")
    window_s = check_range(window_s, "window_s", 0.0, None, inclusive=(False, True))
    step_s = window_s if step_s is None else check_range(step_s, "step_s", 0.0, None,
                                                         inclusive=(False, True))
    load, n_chans, n_total = _as_loader(source, n_times)
    stages = _design(sfreq, l_freq, h_freq, notch_freqs, harmonics, method, phase, order)
    n_win = int(round(window_s * sfreq))
    step = max(1, int(round(step_s * sfreq)))
    if n_win > n_total:
        raise ValueError(
            f"window_s={window_s:g} s ({n_win} samples) is longer than the recording "
            f"({n_total} samples, {n_total / sfreq:g} s). Use a shorter window."
        )
    n_windows = 1 + (n_total - n_win) // step
    parts: dict[int, NDArray[Any]] = {}

    def apply(data: NDArray[np.float64], k0: int) -> None:
        wins = sliding_window_view(data, n_win, axis=-1)[:, ::step]  # (n_chans, n_w, n_win)
        res = np.asarray(func(np.ascontiguousarray(np.swapaxes(wins, 0, 1))))
        if res.ndim == 0 or res.shape[0] != wins.shape[1]:
            raise ValueError(
                f"func must return one row per window ({wins.shape[1]}); got shape "
                f"{res.shape}."
            )
        parts[k0] = res

    block = max(1, int(round(chunk_s * sfreq)))
    if method == "iir":
        _check_sequential(n_jobs)
        buf = np.zeros((n_chans, 0))
        buf_start, next_k = 0, 0
        for _, data in _iir_blocks(load, n_chans, n_total, stages, block):
            buf = np.concatenate([buf, data], axis=1)
            buf_end = buf_start + buf.shape[1]
            last_k = min(n_windows - 1, (buf_end - n_win) // step)
            if last_k >= next_k:
                apply(buf[:, next_k * step - buf_start : last_k * step + n_win - buf_start],
                      next_k)
                next_k = last_k + 1
            drop = min(next_k * step, buf_end) - buf_start
            buf, buf_start = buf[:, drop:], buf_start + drop
    else:
        _check_fir_length(stages, n_total, sfreq)
        per_chunk = max(1, (block - n_win) // step + 1)
        n_chunks = -(-n_windows // per_chunk)

        def work(i: int) -> None:
            k0, k1 = i * per_chunk, min(n_windows, (i + 1) * per_chunk)
            apply(_fir_range(load, n_chans, n_total, k0 * step, (k1 - 1) * step + n_win,
                             stages), k0)

        _drain(_run_parallel(work, n_chunks, n_jobs))
    return np.concatenate([parts[k] for k in sorted(parts)], axis=0)
