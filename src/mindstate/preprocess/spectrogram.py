"""Sliding windows and spectrograms (STFT, multitaper, HMS region spectrograms).

Spectrograms are one-sided power spectral densities in V²/Hz with shape
``(..., n_chans, n_freqs, n_frames)``; frame ``k`` covers samples
``[k * hop, k * hop + n_per_seg)`` and its time stamp is the frame centre in seconds
(``scipy.signal.spectrogram``'s convention). Frames never run past the signal (no padding).

:func:`hms_region_spectrogram` builds the 4-region spectrogram of the Kaggle HMS data from
raw 10-20 EEG: the spectrogram of each of the 16 double-banana pairs, averaged over the 4
pairs of each chain, in chain order LL, RL, LP, RP. With ``kaggle_grid=True`` it uses the
Kaggle frequency grid :data:`KAGGLE_FREQS` (100 bins, 0.59-19.92 Hz, step 200/1024 Hz) and
2-s frames, like the ``train_spectrograms`` parquet files (whose exact estimator is not
documented; they are reported to be multitaper estimates, ``method="multitaper"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from .._validation import check_array, check_int, check_option, check_range, check_sfreq
from .montage import CHAINS, DOUBLE_BANANA, bipolar

__all__ = [
    "HMS_CHAINS",
    "KAGGLE_FREQS",
    "hms_region_spectrogram",
    "multitaper_spectrogram",
    "sliding_windows",
    "stft_spectrogram",
]

#: Chain order of the Kaggle HMS spectrogram parquet columns and of our region axis.
HMS_CHAINS: tuple[str, ...] = tuple(CHAINS)

#: Frequencies (Hz) of the 100 columns per chain of the Kaggle HMS spectrograms.
KAGGLE_FREQS: NDArray[np.float64] = np.arange(3, 103, dtype=np.float64) * (200.0 / 1024.0)



def sliding_windows(
    X: Any,
    sfreq: float,
    window_s: float = 50.0,
    step_s: float | None = None,
    axis: int = -1,
) -> NDArray[Any]:
    """Cut overlapping windows along one axis (a strided view, returned as a copy).

    Parameters
    ----------
    X : array-like of shape (..., n_times)
        The signal (any dtype; NaN are passed through untouched).
    sfreq : float
        Sampling frequency in Hz.
    window_s : float
        Window length in seconds (50 s, the HMS EEG window, by default).
    step_s : float | None
        Hop between window starts in seconds; default ``window_s`` (no overlap). Window
        ``i`` starts at sample ``i * round(step_s * sfreq)``; a trailing partial window is
        dropped.
    axis : int
        The time axis.

    Returns
    -------
    windows : ndarray of shape (n_windows, ...)
        ``X`` with ``axis`` replaced by ``round(window_s * sfreq)`` samples and the window
        index first; e.g. (n_chans, n_times) gives (n_windows, n_chans, n_win).

    Raises
    ------
    ValueError
        If the window is longer than the signal.
    """
    from numpy.lib.stride_tricks import sliding_window_view

    sfreq = check_sfreq(sfreq)
    X = check_array(X, "X", dtype=None, allow_nonfinite=True)
    if X.ndim < 1:
        raise ValueError("X must have at least one dimension (time); got a scalar.")
    window_s = check_range(window_s, "window_s", 0.0, None, inclusive=(False, True))
    step_s = window_s if step_s is None else check_range(step_s, "step_s", 0.0, None,
                                                         inclusive=(False, True))
    ax = check_int(axis, "axis")
    if not -X.ndim <= ax < X.ndim:
        raise ValueError(f"axis must be in [{-X.ndim}, {X.ndim - 1}]; got {axis}.")
    ax %= X.ndim
    n_win = max(1, int(round(window_s * sfreq)))
    step = max(1, int(round(step_s * sfreq)))
    n = X.shape[ax]
    if n_win > n:
        raise ValueError(
            f"window_s={window_s:g} s ({n_win} samples) is longer than the signal ({n} "
            f"samples, {n / sfreq:g} s at sfreq={sfreq:g} Hz). Use a shorter window or a "
            "longer recording."
        )
    view = sliding_window_view(X, n_win, axis=ax)
    view = view[(slice(None),) * ax + (slice(None, None, step),)]
    view = np.moveaxis(np.moveaxis(view, ax, 0), -1, ax + 1)
    return np.ascontiguousarray(view)


def _frames_setup(
    n_times: int, sfreq: float, n_per_seg: int | None, hop: int | None, n_fft: int | None
) -> tuple[int, int, int, int]:
    n_per_seg = min(n_times, int(round(2 * sfreq))) if n_per_seg is None else n_per_seg
    n_per_seg = check_int(n_per_seg, "n_per_seg", min_value=2)
    if n_per_seg > n_times:
        raise ValueError(
            f"The frame length ({n_per_seg} samples, {n_per_seg / sfreq:g} s) is longer than "
            f"the signal ({n_times} samples, {n_times / sfreq:g} s). Use shorter frames or a "
            "longer signal."
        )
    hop = n_per_seg // 2 if hop is None else check_int(hop, "hop", min_value=1)
    n_fft = n_per_seg if n_fft is None else check_int(n_fft, "n_fft", min_value=n_per_seg)
    n_frames = 1 + (n_times - n_per_seg) // hop
    return n_per_seg, hop, n_fft, n_frames


def _freq_slice(freqs: NDArray[np.float64], fmin: float, fmax: float | None) -> slice:
    fmin = check_range(fmin, "fmin", 0.0, None)
    fmax_v = freqs[-1] if fmax is None else check_range(fmax, "fmax", 0.0, None)
    keep = np.flatnonzero((freqs >= fmin) & (freqs <= fmax_v))
    if keep.size == 0:
        raise ValueError(
            f"No frequency bin lies in [fmin, fmax] = [{fmin:g}, {fmax_v:g}] Hz at a resolution "
            f"of {freqs[1] - freqs[0]:g} Hz. Widen the range or increase n_fft."
        )
    return slice(int(keep[0]), int(keep[-1]) + 1)


def stft_spectrogram(
    X: Any,
    sfreq: float,
    n_fft: int | None = None,
    hop: int | None = None,
    window: str | tuple[Any, ...] = "hann",
    *,
    n_per_seg: int | None = None,
    fmin: float = 0.0,
    fmax: float | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Short-time Fourier power spectrogram, vectorised over channels and windows.

    Delegates to ``scipy.signal.spectrogram(x, sfreq, window, nperseg=n_per_seg,
    noverlap=n_per_seg - hop, nfft=n_fft, detrend=False, scaling="density")``, with our
    defaults, validation and ``fmin``/``fmax`` selection.

    Parameters
    ----------
    X : array-like of shape (..., n_chans, n_times)
        EEG in volts.
    sfreq : float
        Sampling frequency in Hz.
    n_fft : int | None
        FFT length; default ``n_per_seg``, or 2 s of samples when both are None.
    hop : int | None
        Hop between frames in samples; default ``n_per_seg // 2``.
    window : str | tuple
        Window for ``scipy.signal.get_window`` (periodic).
    n_per_seg : int | None
        Frame length in samples (<= ``n_fft``, zero-padded); default ``n_fft``.
    fmin, fmax : float
        Keep bins with ``fmin <= f <= fmax`` Hz.

    Returns
    -------
    S : ndarray of shape (..., n_chans, n_freqs, n_frames)
        PSD in V²/Hz.
    freqs : ndarray of shape (n_freqs,)
        Frequencies in Hz.
    times : ndarray of shape (n_frames,)
        Frame centres in seconds.

    Raises
    ------
    ValueError
        If a frame is longer than the signal.
    """
    from scipy import fft as sp_fft
    from scipy.signal import spectrogram

    sfreq = check_sfreq(sfreq)
    X = check_array(X, "X")
    if n_per_seg is None:
        n_per_seg = n_fft
    n_per_seg, hop, n_fft, n_frames = _frames_setup(X.shape[-1], sfreq, n_per_seg, hop, n_fft)
    freqs = sp_fft.rfftfreq(n_fft, 1.0 / sfreq)
    sl = _freq_slice(freqs, fmin, fmax)
    _, _, S = spectrogram(X, sfreq, window=window, nperseg=n_per_seg, noverlap=n_per_seg - hop,
                          nfft=n_fft, detrend=False, scaling="density", axis=-1)
    return np.ascontiguousarray(S[..., sl, :n_frames]), freqs[sl].copy(), _frame_times(
        n_frames, hop, n_per_seg, sfreq)


def multitaper_spectrogram(
    X: Any,
    sfreq: float,
    *,
    n_per_seg: int | None = None,
    hop: int | None = None,
    bandwidth: float | None = None,
    low_bias: bool = True,
    n_fft: int | None = None,
    fmin: float = 0.0,
    fmax: float | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Multitaper (DPSS) power spectrogram over sliding frames.

    Each frame's estimate is ``mne.time_frequency.psd_array_multitaper(frame, sfreq,
    bandwidth=bandwidth, adaptive=False, low_bias=low_bias, normalization="full")``
    (called once on all frames): the mean is removed and the eigenvalue-weighted average of
    the tapered periodograms is taken. Zero-padded frames (``n_fft > n_per_seg``), which
    MNE does not offer, give the same estimate through ``scipy.signal.spectrogram`` with
    each DPSS taper as the window.

    Parameters
    ----------
    X : array-like of shape (..., n_chans, n_times)
        EEG in volts.
    sfreq : float
        Sampling frequency in Hz.
    n_per_seg : int | None
        Frame length in samples; default 2 s.
    hop : int | None
        Hop between frames in samples; default ``n_per_seg // 2``.
    bandwidth : float | None
        Full frequency bandwidth ``2W`` in Hz; default MNE's (half time-bandwidth
        product ``NW = 4``).
    low_bias : bool
        Keep only tapers with eigenvalue > 0.9.
    n_fft : int | None
        FFT length (>= ``n_per_seg``); default ``n_per_seg``.
    fmin, fmax : float
        Keep bins with ``fmin <= f <= fmax`` Hz.

    Returns
    -------
    S : ndarray of shape (..., n_chans, n_freqs, n_frames)
        PSD in V²/Hz.
    freqs : ndarray of shape (n_freqs,)
        Frequencies in Hz.
    times : ndarray of shape (n_frames,)
        Frame centres in seconds.

    Raises
    ------
    ValueError
        If a frame is longer than the signal or the bandwidth is below ``sfreq / n_per_seg``.
    """
    from numpy.lib.stride_tricks import sliding_window_view
    from scipy import fft as sp_fft

    sfreq = check_sfreq(sfreq)
    X = check_array(X, "X")
    n_per_seg, hop, n_fft, n_frames = _frames_setup(X.shape[-1], sfreq, n_per_seg, hop, n_fft)
    if bandwidth is None:
        half_nbw = 4.0
    else:
        bandwidth = check_range(bandwidth, "bandwidth", 0.0, None, inclusive=(False, True))
        half_nbw = bandwidth * n_per_seg / (2.0 * sfreq)
    if half_nbw < 0.5:
        raise ValueError(
            f"bandwidth={bandwidth:g} Hz is too narrow for {n_per_seg}-sample frames "
            f"(NW={half_nbw:g} < 0.5); use at least {sfreq / n_per_seg:g} Hz."
        )
    freqs = sp_fft.rfftfreq(n_fft, 1.0 / sfreq)
    sl = _freq_slice(freqs, fmin, fmax)
    frames = sliding_window_view(X, n_per_seg, axis=-1)[..., ::hop, :]  # (..., n_frames, n)
    if n_fft == n_per_seg:
        from mne.time_frequency import psd_array_multitaper

        psd, _ = psd_array_multitaper(frames, sfreq, bandwidth=2.0 * half_nbw * sfreq / n_per_seg,
                                      adaptive=False, low_bias=low_bias, normalization="full",
                                      verbose="error")
        S = np.swapaxes(psd, -1, -2)[..., sl, :]
    else:  # zero-padded frames, which MNE does not offer: the same estimate via scipy
        S = _padded_multitaper(X, sfreq, n_per_seg, hop, n_fft, half_nbw, low_bias)[..., sl, :]
    return np.ascontiguousarray(S), freqs[sl].copy(), _frame_times(n_frames, hop, n_per_seg,
                                                                   sfreq)


def _padded_multitaper(
    X: NDArray[np.float64], sfreq: float, n_per_seg: int, hop: int, n_fft: int,
    half_nbw: float, low_bias: bool,
) -> NDArray[np.float64]:
    """MNE's non-adaptive multitaper estimate on frames zero-padded to ``n_fft``.

    The eigenvalue-weighted mean of ``scipy.signal.spectrogram`` with each DPSS taper
    as the window and the frame mean removed; shape (..., n_freqs, n_frames).
    """
    from scipy.signal import spectrogram
    from scipy.signal.windows import dpss

    tapers, ratios = dpss(n_per_seg, half_nbw, int(2 * half_nbw), sym=False, norm=2,
                          return_ratios=True)
    tapers, ratios = np.atleast_2d(tapers), np.atleast_1d(ratios)
    if low_bias:
        keep = ratios > 0.9
        tapers, ratios = (tapers[keep], ratios[keep]) if keep.any() else (
            tapers[[np.argmax(ratios)]], ratios[[np.argmax(ratios)]])
    spectra = [spectrogram(X, sfreq, window=taper, nperseg=n_per_seg, noverlap=n_per_seg - hop,
                           nfft=n_fft, detrend="constant", scaling="density", axis=-1)[2]
               for taper in tapers]
    # MNE scales by 1 / sfreq; scipy by 1 / (sfreq * sum(taper**2)), and the periodic
    # (sym=False) DPSS tapers are not exactly of unit energy
    weights = ratios / ratios.sum() * (tapers**2).sum(axis=-1)
    return np.tensordot(weights, np.stack(spectra), axes=1)


def _frame_times(n_frames: int, hop: int, n_per_seg: int, sfreq: float) -> NDArray[np.float64]:
    """Frame centres in seconds."""
    return (np.arange(n_frames, dtype=np.float64) * hop + n_per_seg / 2.0) / sfreq


def hms_region_spectrogram(
    X: Any,
    ch_names: Sequence[str],
    sfreq: float,
    *,
    method: Literal["stft", "multitaper"] = "stft",
    window_s: float | None = None,
    hop_s: float = 2.0,
    kaggle_grid: bool = True,
    fmin: float = 0.0,
    fmax: float = 20.0,
    bandwidth: float | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """4-region (LL, RL, LP, RP) spectrogram from referential 10-20 EEG.

    Parameters
    ----------
    X : array-like of shape (..., n_chans, n_times)
        Referential EEG in volts with the 16 electrodes of the double banana among
        ``ch_names`` (T7/T8/P7/P8 accepted for T3/T4/T5/T6).
    ch_names : sequence of str
        Channel names.
    sfreq : float
        Sampling frequency in Hz.
    method : {"stft", "multitaper"}
        Hann-window STFT or DPSS multitaper frames.
    window_s : float | None
        Frame length in seconds; default ``1024 / 200 = 5.12`` s (a 1024-point frame at
        200 Hz, whose bins fall exactly on :data:`KAGGLE_FREQS`).
    hop_s : float
        Hop between frames in seconds (2 s, the Kaggle row spacing).
    kaggle_grid : bool
        Return the 100 Kaggle frequencies :data:`KAGGLE_FREQS` (exact bins when
        ``sfreq * 5.12`` is an integer and the frame fits in it, linear interpolation of
        the PSD otherwise); if False, every FFT bin in ``[fmin, fmax]``.
    fmin, fmax : float
        Frequency range in Hz when ``kaggle_grid`` is False.
    bandwidth : float | None
        Multitaper bandwidth in Hz (see :func:`multitaper_spectrogram`).

    Returns
    -------
    S : ndarray of shape (..., 4, n_freqs, n_frames)
        Mean PSD (V²/Hz) of the 4 bipolar pairs of each chain, chains in order
        LL, RL, LP, RP.
    freqs : ndarray of shape (n_freqs,)
        Frequencies in Hz.
    times : ndarray of shape (n_frames,)
        Frame centres in seconds.

    Raises
    ------
    ValueError
        If a double-banana electrode is missing (listed, with suggestions) or the frame
        is longer than the signal.
    """
    sfreq = check_sfreq(sfreq)
    check_option(method, ("stft", "multitaper"), "method")
    hop_s = check_range(hop_s, "hop_s", 0.0, None, inclusive=(False, True))
    Y, _ = bipolar(check_array(X, "X"), ch_names, DOUBLE_BANANA)  # (..., 16, n_times)
    grid_nfft = sfreq * 1024.0 / 200.0
    exact_nfft = int(round(grid_nfft)) if abs(grid_nfft - round(grid_nfft)) < 1e-9 else None
    if window_s is None:
        n_per_seg = exact_nfft if exact_nfft is not None else int(round(5.12 * sfreq))
    else:
        window_s = check_range(window_s, "window_s", 0.0, None, inclusive=(False, True))
        n_per_seg = int(round(window_s * sfreq))
    hop = max(1, int(round(hop_s * sfreq)))
    if kaggle_grid and exact_nfft is not None and n_per_seg <= exact_nfft:
        n_fft = exact_nfft
    else:
        n_fft = n_per_seg
    kwargs: dict[str, Any] = {"n_per_seg": n_per_seg, "hop": hop, "n_fft": n_fft}
    if kaggle_grid:
        kwargs.update(fmin=0.0, fmax=None)
    else:
        kwargs.update(fmin=fmin, fmax=fmax)
    if method == "stft":
        S, freqs, times = stft_spectrogram(Y, sfreq, window="hann", **kwargs)
    else:
        S, freqs, times = multitaper_spectrogram(Y, sfreq, bandwidth=bandwidth, **kwargs)
    S = S.reshape(*S.shape[:-3], 4, 4, *S.shape[-2:]).mean(axis=-3)  # (..., 4, F, T)
    if kaggle_grid:
        if n_fft == exact_nfft:
            idx = np.round(KAGGLE_FREQS / (sfreq / n_fft)).astype(int)
            S = S[..., idx, :]
        else:
            if freqs[-1] < KAGGLE_FREQS[-1]:
                raise ValueError(
                    f"sfreq={sfreq:g} Hz is too low for the Kaggle grid up to "
                    f"{KAGGLE_FREQS[-1]:.2f} Hz; use kaggle_grid=False."
                )
            S = _interp_freqs(S, freqs, KAGGLE_FREQS)
        freqs = KAGGLE_FREQS.copy()
    return S, freqs, times


def _interp_freqs(
    S: NDArray[np.float64], freqs: NDArray[np.float64], target: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Linear interpolation along the frequency axis (-2) as one matrix product."""
    W = np.zeros((target.size, freqs.size))
    pos = np.interp(target, freqs, np.arange(freqs.size))
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, freqs.size - 1)
    frac = pos - lo
    W[np.arange(target.size), lo] += 1.0 - frac
    W[np.arange(target.size), hi] += frac
    return np.einsum("gf,...ft->...gt", W, S)
