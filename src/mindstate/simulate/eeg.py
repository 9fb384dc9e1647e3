"""Building blocks of simulated EEG: 1/f background, rhythms, artifacts, spatial mixing.

Every function is pure: it returns a new array and draws randomness only from its
``random_state`` argument. Neural sources come out with unit RMS (scale them by an
amplitude in volts); artifact generators take their amplitudes in volts.

Electrode positions are a flat azimuthal projection of the 10-20 system on the unit disc:
``x`` points to the right ear, ``y`` to the nose (Cz at the origin, Fpz/Oz at ``y = ±1``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from .._validation import check_array, check_int, check_range, check_sfreq, suggest
from ..io.channels import NEW_TO_OLD_1020, STANDARD_1020
from ._common import RandomState, resolve_seed

__all__ = [
    "CHANNEL_POSITIONS",
    "STANDARD_1020",
    "band_oscillation",
    "blink_artifacts",
    "flat_channel",
    "line_noise",
    "mix_sources",
    "muscle_bursts",
    "pink_noise",
    "smoothing_matrix",
    "spatial_pattern",
]

#: 2-D positions (x to the right ear, y to the nose) of the 10-20 electrodes, unit disc.
CHANNEL_POSITIONS: dict[str, tuple[float, float]] = {
    "Fp1": (-0.309, 0.951), "Fp2": (0.309, 0.951),
    "F7": (-0.809, 0.588), "F3": (-0.40, 0.50), "Fz": (0.0, 0.45), "F4": (0.40, 0.50),
    "F8": (0.809, 0.588),
    "T3": (-1.0, 0.0), "C3": (-0.50, 0.0), "Cz": (0.0, 0.0), "C4": (0.50, 0.0), "T4": (1.0, 0.0),
    "T5": (-0.809, -0.588), "P3": (-0.40, -0.50), "Pz": (0.0, -0.45), "P4": (0.40, -0.50),
    "T6": (0.809, -0.588),
    "O1": (-0.309, -0.951), "O2": (0.309, -0.951),
}
# STANDARD_1020 (old names) comes from mindstate.io.channels; the new 10-10 names of the
# same sites (NEW_TO_OLD_1020) are accepted everywhere.

_TEMPORAL_LEFT = (-0.95, 0.05)
_TEMPORAL_RIGHT = (0.95, 0.05)


def _rng(random_state: RandomState) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(resolve_seed(random_state))


def _positions(ch_names: Sequence[str]) -> NDArray[np.float64]:
    """(n_chans, 2) positions; ``ValueError`` naming unknown channels."""
    out = np.empty((len(ch_names), 2))
    for i, name in enumerate(ch_names):
        key = NEW_TO_OLD_1020.get(name, name)
        if key not in CHANNEL_POSITIONS:
            raise ValueError(
                f"ch_names: no 10-20 position for channel {name!r}; known channels are "
                f"{', '.join(STANDARD_1020)}.{suggest(name, STANDARD_1020)}"
            )
        out[i] = CHANNEL_POSITIONS[key]
    return out


def _check_n(n_times: int, sfreq: float) -> tuple[int, float]:
    return check_int(n_times, "n_times", min_value=1), check_sfreq(sfreq)


def pink_noise(
    n_chans: int,
    n_times: int,
    sfreq: float,
    exponent: float = 1.0,
    *,
    fmin: float = 0.5,
    rms: float = 1.0,
    random_state: RandomState = None,
) -> NDArray[np.float64]:
    """Independent 1/f^exponent noise per channel, made by shaping white noise in frequency.

    Parameters
    ----------
    n_chans, n_times : int
        Output shape.
    sfreq : float
        Sampling frequency in Hz.
    exponent : float
        Power-law exponent of the power spectrum (1 = pink, 2 = brown, 0 = white).
    fmin : float
        Below ``fmin`` (Hz) the spectrum is flat, so the noise has no runaway drift; the
        DC bin is zero (zero mean).
    rms : float
        RMS of each channel, in the unit wanted (e.g. ``10e-6`` for 10 µV).
    random_state : int | numpy.random.Generator | None
        Seed or generator.

    Returns
    -------
    ndarray of shape (n_chans, n_times)
        The noise; every channel has exactly the requested RMS.
    """
    n_chans = check_int(n_chans, "n_chans", min_value=1)
    n_times, sfreq = _check_n(n_times, sfreq)
    exponent = check_range(exponent, "exponent", 0.0, 4.0)
    fmin = check_range(fmin, "fmin", 0.0, sfreq / 2, inclusive=(False, True))
    rms = check_range(rms, "rms", 0.0, None)
    rng = _rng(random_state)
    white = rng.standard_normal((n_chans, n_times))
    spec = np.fft.rfft(white, axis=-1)
    freqs = np.fft.rfftfreq(n_times, 1.0 / sfreq)
    shape = np.maximum(freqs, fmin) ** (-exponent / 2.0)
    shape[0] = 0.0
    x = np.fft.irfft(spec * shape, n=n_times, axis=-1)
    norm = np.sqrt(np.mean(x**2, axis=-1, keepdims=True))
    return x / np.where(norm > 0, norm, 1.0) * rms


def band_oscillation(
    n_times: int,
    sfreq: float,
    band: tuple[float, float],
    *,
    am_depth: float = 0.15,
    fm_depth: float = 0.4,
    modulation_hz: float = 0.5,
    random_state: RandomState = None,
) -> NDArray[np.float64]:
    """A narrow-band rhythm with random phase (frequency) and amplitude modulation.

    ``x(t) = exp(am_depth * a(t)) * cos(phi(t))`` where ``a`` is slow unit-variance noise
    (below ``modulation_hz``) and the instantaneous frequency ``phi'(t) / 2π`` wanders around
    the band centre by ``fm_depth`` half-bandwidths (SD, clipped to 0.9 half-bandwidth). The
    result is band-limited to ``band`` in the frequency domain, so all of its power lies
    inside the band, and scaled to unit RMS.

    Parameters
    ----------
    n_times : int
        Number of samples.
    sfreq : float
        Sampling frequency in Hz.
    band : tuple of (float, float)
        Lower and upper edge in Hz, ``0 < low < high < sfreq / 2``.
    am_depth : float
        SD of the log-amplitude (0 = constant amplitude; 0.25 waxes and wanes by about
        ±25 %).
    fm_depth : float
        SD of the frequency wander, in half-bandwidths.
    modulation_hz : float
        Upper frequency of the amplitude and frequency wander, in Hz.
    random_state : int | numpy.random.Generator | None
        Seed or generator.

    Returns
    -------
    ndarray of shape (n_times,)
        The rhythm, with unit RMS (dimensionless; multiply by an amplitude in volts).
    """
    n_times, sfreq = _check_n(n_times, sfreq)
    lo, hi = _check_band(band, sfreq)
    am_depth = check_range(am_depth, "am_depth", 0.0, 2.0)
    fm_depth = check_range(fm_depth, "fm_depth", 0.0, 2.0)
    modulation_hz = check_range(modulation_hz, "modulation_hz", 0.0, sfreq / 2,
                                inclusive=(False, True))
    freqs = np.fft.rfftfreq(n_times, 1.0 / sfreq)
    inside = (freqs >= lo) & (freqs <= hi)
    if not inside.any():
        raise ValueError(
            f"band=({lo:g}, {hi:g}) Hz holds no frequency bin of a {n_times}-sample signal "
            f"(resolution {sfreq / n_times:.3g} Hz); use a longer signal or a wider band."
        )
    rng = _rng(random_state)
    slow = (freqs > 0) & (freqs <= modulation_hz)

    def _slow_noise() -> NDArray[np.float64]:
        if not slow.any():
            return np.zeros(n_times)
        y = np.fft.irfft(np.fft.rfft(rng.standard_normal(n_times)) * slow, n=n_times)
        return y / (np.std(y) + 1e-30)

    centre, half = (lo + hi) / 2.0, (hi - lo) / 2.0
    inst = centre + half * np.clip(fm_depth * _slow_noise(), -0.9, 0.9)
    phase = rng.uniform(0, 2 * np.pi) + 2 * np.pi * np.cumsum(inst) / sfreq
    x = np.exp(am_depth * _slow_noise()) * np.cos(phase)
    x = np.fft.irfft(np.fft.rfft(x) * inside, n=n_times)
    return x / np.sqrt(np.mean(x**2))


def _check_band(band: tuple[float, float], sfreq: float) -> tuple[float, float]:
    if not isinstance(band, (tuple, list)) or len(band) != 2:
        raise TypeError(f"band must be a (low, high) pair in Hz; got {band!r}.")
    lo = check_range(band[0], "band[0]", 0.0, None, inclusive=(False, True))
    hi = check_range(band[1], "band[1]", 0.0, None, inclusive=(False, True))
    if not lo < hi < sfreq / 2:
        raise ValueError(
            f"band must satisfy 0 < low < high < sfreq / 2 = {sfreq / 2:g} Hz; got "
            f"({lo:g}, {hi:g})."
        )
    return lo, hi


def spatial_pattern(
    ch_names: Sequence[str],
    focus: str | tuple[float, float],
    *,
    width: float = 0.45,
) -> NDArray[np.float64]:
    """Gaussian topography around a focus on the scalp.

    Parameters
    ----------
    ch_names : list of str
        10-20 channel names (old or new temporal names).
    focus : str | tuple of (float, float)
        A channel name or an ``(x, y)`` position (see the module docstring).
    width : float
        Standard deviation of the Gaussian, in units of the head radius.

    Returns
    -------
    ndarray of shape (n_chans,)
        Weights in (0, 1]; 1 at the focus.
    """
    width = check_range(width, "width", 0.0, None, inclusive=(False, True))
    pos = _positions(ch_names)
    centre = _positions([focus])[0] if isinstance(focus, str) else np.asarray(focus, float)
    if centre.shape != (2,):
        raise ValueError(f"focus must be a channel name or an (x, y) pair; got {focus!r}.")
    d2 = np.sum((pos - centre) ** 2, axis=1)
    return np.exp(-d2 / (2.0 * width**2))


def smoothing_matrix(ch_names: Sequence[str], *, width: float = 0.35) -> NDArray[np.float64]:
    """Spatial smoothing (volume conduction) between electrodes.

    Row ``i`` holds Gaussian weights of every electrode seen from electrode ``i``, scaled to
    unit Euclidean norm, so that independent unit-RMS sources per channel stay unit RMS after
    mixing while neighbours become correlated.

    Parameters
    ----------
    ch_names : list of str
        10-20 channel names.
    width : float
        Standard deviation of the Gaussian, in head radii.

    Returns
    -------
    ndarray of shape (n_chans, n_chans)
        The mixing matrix.
    """
    width = check_range(width, "width", 0.0, None, inclusive=(False, True))
    pos = _positions(ch_names)
    d2 = np.sum((pos[:, None, :] - pos[None, :, :]) ** 2, axis=-1)
    k = np.exp(-d2 / (2.0 * width**2))
    return k / np.linalg.norm(k, axis=1, keepdims=True)


def mix_sources(
    sources: NDArray[np.floating], patterns: NDArray[np.floating]
) -> NDArray[np.float64]:
    """Project source time courses onto channels: ``patterns @ sources``.

    Parameters
    ----------
    sources : ndarray of shape (n_sources, n_times)
        Source activity (volts, or unit RMS to scale later).
    patterns : ndarray of shape (n_chans, n_sources)
        Weight of each source at each channel (e.g. columns from :func:`spatial_pattern`).

    Returns
    -------
    ndarray of shape (n_chans, n_times)
        Channel signals.
    """
    sources = check_array(sources, "sources", ndim=2, shape_hint="(n_sources, n_times)")
    patterns = check_array(patterns, "patterns", ndim=2, shape_hint="(n_chans, n_sources)")
    if patterns.shape[1] != sources.shape[0]:
        raise ValueError(
            f"patterns must have one column per source ({sources.shape[0]}); got shape "
            f"{patterns.shape}."
        )
    return patterns @ sources


def _event_onsets(
    rng: np.random.Generator, n_times: int, sfreq: float, rate_per_min: float, min_gap_s: float
) -> NDArray[np.float64]:
    """Poisson event onsets in seconds with a refractory gap."""
    duration = n_times / sfreq
    if rate_per_min <= 0:
        return np.zeros(0)
    mean_gap = 60.0 / rate_per_min
    n_max = int(duration / max(mean_gap, min_gap_s) * 3) + 3
    gaps = min_gap_s + rng.exponential(max(mean_gap - min_gap_s, 1e-3), n_max)
    onsets = np.cumsum(gaps) - rng.uniform(0, mean_gap)
    return onsets[(onsets >= 0) & (onsets < duration)]


def blink_artifacts(
    ch_names: Sequence[str],
    n_times: int,
    sfreq: float,
    *,
    rate_per_min: float = 15.0,
    amplitude: tuple[float, float] = (100e-6, 200e-6),
    duration: tuple[float, float] = (0.2, 0.4),
    random_state: RandomState = None,
) -> NDArray[np.float64]:
    """Eye blinks: monophasic positive bumps, largest at Fp1/Fp2, fading towards the back.

    The weight of a scalp channel is ``exp(-(0.951 - y) / 0.45)`` (1 at Fp1/Fp2, about 0.37
    at F3/F4, 0.12 at C3/C4, 0.015 at O1/O2); a channel whose name contains ``EOG`` gets 1.5
    and any other non-scalp channel (``EKG`` ...) 0.

    Parameters
    ----------
    ch_names : list of str
        Channel names.
    n_times : int
        Number of samples.
    sfreq : float
        Sampling frequency in Hz.
    rate_per_min : float
        Mean blink rate (Poisson, at least 1 s between blinks).
    amplitude : tuple of (float, float)
        Range of the peak amplitude at Fp1/Fp2, in volts (uniform per blink).
    duration : tuple of (float, float)
        Range of the blink duration in seconds (uniform per blink).
    random_state : int | numpy.random.Generator | None
        Seed or generator.

    Returns
    -------
    ndarray of shape (n_chans, n_times)
        The blink signal in volts.
    """
    n_times, sfreq = _check_n(n_times, sfreq)
    rate_per_min = check_range(rate_per_min, "rate_per_min", 0.0, None)
    rng = _rng(random_state)
    weights = np.zeros(len(ch_names))
    for i, name in enumerate(ch_names):
        key = NEW_TO_OLD_1020.get(name, name)
        if key in CHANNEL_POSITIONS:
            weights[i] = np.exp(-(0.951 - CHANNEL_POSITIONS[key][1]) / 0.45)
        elif "EOG" in name.upper():
            weights[i] = 1.5
    blink = np.zeros(n_times)
    for onset in _event_onsets(rng, n_times, sfreq, rate_per_min, 1.0):
        dur = rng.uniform(*duration)
        amp = rng.uniform(*amplitude)
        n = max(int(round(dur * sfreq)), 3)
        t = np.arange(n) / n
        # Fast rise, slower decay: t^2 e^(-t/τ) rescaled to a unit peak, tapered to zero.
        shape = (t / 0.3) ** 2 * np.exp(2.0 * (1.0 - t / 0.3)) * np.sin(np.pi * t) ** 0.5
        shape /= shape.max()
        a = int(onset * sfreq)
        b = min(a + n, n_times)
        blink[a:b] += amp * shape[: b - a]
    return weights[:, None] * blink[None, :]


def muscle_bursts(
    ch_names: Sequence[str],
    n_times: int,
    sfreq: float,
    *,
    rate_per_min: float = 3.0,
    amplitude: tuple[float, float] = (10e-6, 40e-6),
    duration: tuple[float, float] = (0.3, 1.5),
    band: tuple[float, float] = (20.0, 100.0),
    random_state: RandomState = None,
) -> NDArray[np.float64]:
    """Muscle (EMG) bursts: broadband high-frequency noise over the temporal muscles.

    Each burst is band-limited white noise under a Hann envelope, on the left, right or both
    temporal regions (Gaussian topography around T3/T4, width 0.35: F7/F8/T5/T6 get about
    0.4 of the peak). Non-scalp channels get nothing.

    Parameters
    ----------
    ch_names : list of str
        Channel names.
    n_times : int
        Number of samples.
    sfreq : float
        Sampling frequency in Hz.
    rate_per_min : float
        Mean number of bursts per minute.
    amplitude : tuple of (float, float)
        Range of the burst RMS at its peak channel, in volts.
    duration : tuple of (float, float)
        Range of the burst duration in seconds.
    band : tuple of (float, float)
        Frequency band in Hz; the upper edge is lowered to ``0.45 * sfreq`` if needed.
    random_state : int | numpy.random.Generator | None
        Seed or generator.

    Returns
    -------
    ndarray of shape (n_chans, n_times)
        The EMG signal in volts.
    """
    n_times, sfreq = _check_n(n_times, sfreq)
    rate_per_min = check_range(rate_per_min, "rate_per_min", 0.0, None)
    lo, hi = float(band[0]), min(float(band[1]), 0.45 * sfreq)
    lo, hi = _check_band((lo, hi), sfreq)
    rng = _rng(random_state)
    scalp = [i for i, c in enumerate(ch_names) if NEW_TO_OLD_1020.get(c, c) in CHANNEL_POSITIONS]
    names = [ch_names[i] for i in scalp]
    out = np.zeros((len(ch_names), n_times))
    if not scalp:
        return out
    left = spatial_pattern(names, _TEMPORAL_LEFT, width=0.35)
    right = spatial_pattern(names, _TEMPORAL_RIGHT, width=0.35)
    for onset in _event_onsets(rng, n_times, sfreq, rate_per_min, 1.0):
        n = max(int(round(rng.uniform(*duration) * sfreq)), 8)
        a = int(onset * sfreq)
        b = min(a + n, n_times)
        side = rng.integers(3)
        topo = (left, right, np.maximum(left, right))[side]
        freqs = np.fft.rfftfreq(n, 1.0 / sfreq)
        mask = (freqs >= lo) & (freqs <= hi)
        spec = np.fft.rfft(rng.standard_normal((len(scalp), n)), axis=-1) * mask
        noise = np.fft.irfft(spec, n=n, axis=-1)
        noise /= np.sqrt(np.mean(noise**2, axis=-1, keepdims=True)) + 1e-30
        env = np.hanning(n) * np.sqrt(1.5)  # mean square of a Hann window is 3/8 → RMS kept
        amp = rng.uniform(*amplitude)
        out[scalp, a:b] += amp * topo[:, None] * (noise * env)[:, : b - a]
    return out


def line_noise(
    n_chans: int,
    n_times: int,
    sfreq: float,
    freq: float = 50.0,
    *,
    amplitude: float = 2e-6,
    random_state: RandomState = None,
) -> NDArray[np.float64]:
    """Mains interference: a sinusoid at ``freq`` with per-channel amplitude and phase.

    Parameters
    ----------
    n_chans, n_times : int
        Output shape.
    sfreq : float
        Sampling frequency in Hz.
    freq : float
        Mains frequency in Hz (50 in Europe/Asia, 60 in the Americas); below ``sfreq / 2``.
    amplitude : float
        Mean amplitude in volts; each channel gets ``amplitude * U(0.5, 1.5)``.
    random_state : int | numpy.random.Generator | None
        Seed or generator.

    Returns
    -------
    ndarray of shape (n_chans, n_times)
        The interference in volts.
    """
    n_chans = check_int(n_chans, "n_chans", min_value=1)
    n_times, sfreq = _check_n(n_times, sfreq)
    freq = check_range(freq, "freq", 0.0, sfreq / 2, inclusive=(False, False))
    amplitude = check_range(amplitude, "amplitude", 0.0, None)
    rng = _rng(random_state)
    amps = amplitude * rng.uniform(0.5, 1.5, n_chans)
    phases = rng.uniform(0, 2 * np.pi) + rng.normal(0, 0.3, n_chans)
    t = np.arange(n_times) / sfreq
    return amps[:, None] * np.sin(2 * np.pi * freq * t[None, :] + phases[:, None])


def flat_channel(
    data: NDArray[np.floating], index: int, *, value: float = 0.0
) -> NDArray[np.float64]:
    """Return a copy of ``data`` whose channel ``index`` is constant (a dead electrode).

    Parameters
    ----------
    data : ndarray of shape (n_chans, n_times)
        Channel signals; not modified.
    index : int
        Channel to flatten.
    value : float
        The constant, in the data's unit.

    Returns
    -------
    ndarray of shape (n_chans, n_times)
        A new array.
    """
    out: NDArray[np.float64] = check_array(
        data, "data", ndim=2, shape_hint="(n_chans, n_times)", copy=True
    )
    index = check_int(index, "index")
    if not -out.shape[0] <= index < out.shape[0]:
        raise ValueError(
            f"index must address one of the {out.shape[0]} channels; got {index}."
        )
    out[index] = float(value)
    return out
