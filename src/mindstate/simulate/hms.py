"""A simulated mini HMS (Harmful Brain Activity Classification) competition folder.

Each EEG is a 50-70 s excerpt of a longer (about 630 s) simulated recording of one patient;
its Kaggle-style spectrogram covers the whole long recording. Every EEG carries one pattern
(:data:`HMS_CLASSES`), present around the excerpt on top of the patient's background:

- **Seizure**: an evolving rhythmic discharge, frequency rising linearly from 2-3 Hz to
  4.5-7 Hz and amplitude from 20 % to 100 % of 100-250 µV over the seizure, starting focal
  on one hemisphere and spreading to both within 30 s (inter-electrode lags of about
  15 ms); 30 s of post-ictal suppression.
- **LPD**: lateralised periodic discharges (sharp + slow wave, 150-300 µV) every 0.67-1.4 s
  (0.7-1.5 Hz, ±8 % jitter), on one hemisphere: a Gaussian field (width 0.3 head radii,
  centred at x = ±0.6) times a per-electrode factor U(0.75, 1.25).
- **GPD**: generalised periodic (triphasic) discharges at 1-2.5 Hz, 120-250 µV, frontal
  predominance,
  an anterior-to-posterior lag of up to 25 ms.
- **LRDA**: lateralised rhythmic delta, 1-2.5 Hz, 60-150 µV, on one hemisphere.
- **GRDA**: generalised rhythmic delta, 1.5-3 Hz, 60-150 µV, frontal predominance.
- **Other**: background only, with polymorphic (non-rhythmic) delta and more artifacts.

Background per patient: 1/f^(1.4-1.9) noise (15-35 µV RMS, spatially smoothed with width
0.5 head radii), a posterior rhythm at 6-10 Hz,
blinks, muscle bursts and 60 Hz line noise (US recordings). The ``EKG`` column is a synthetic
ECG (60-110 bpm, 100-500 µV, random polarity).

Votes: each EEG gets 1-7 voters (half of the EEGs) or 10-20 voters; a voter picks the true
pattern with probability U(0.45, 0.95) and otherwise a confusable one (:data:`CONFUSIONS`,
e.g. LPD↔Seizure, GRDA↔Other), so ``expert_consensus`` (the first class with the most votes)
is occasionally not the simulated pattern, as in the real data.

Real-data quirks kept on purpose: one EEG has a 2 s run of NaN rows (and the spectrogram
rows around it are NaN), another has one all-NaN channel. The simulated truth (pattern,
side, frequency, NaNs) is written to ``simulation_ground_truth.csv``, which is not part of
the competition layout.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_int, check_type
from ..io.datasets.hms import HMS_CLASSES, HMS_EEG_CHANNELS, HMS_SFREQ, TRAIN_COLUMNS
from ._common import RandomState, atomic_dataset_dir, resolve_seed, spawn
from .eeg import (
    CHANNEL_POSITIONS,
    band_oscillation,
    blink_artifacts,
    line_noise,
    muscle_bursts,
    pink_noise,
    smoothing_matrix,
)

__all__ = [
    "CONFUSIONS",
    "HMS_CHAINS",
    "HMS_CLASSES",
    "HMS_EEG_CHANNELS",
    "HMS_SFREQ",
    "HMS_SPEC_COLUMNS",
    "HMS_SPEC_FREQS",
    "TRAIN_COLUMNS",
    "hms_spectrogram",
    "simulate_hms",
]

# HMS_CLASSES, HMS_EEG_CHANNELS (19 EEG + EKG), HMS_SFREQ and TRAIN_COLUMNS describe the
# competition files; they come from the reader, mindstate.io.datasets.hms.

#: The bipolar chains of the Kaggle spectrograms, in parquet column order.
HMS_CHAINS: dict[str, tuple[str, ...]] = {
    "LL": ("Fp1", "F7", "T3", "T5", "O1"),
    "RL": ("Fp2", "F8", "T4", "T6", "O2"),
    "LP": ("Fp1", "F3", "C3", "P3", "O1"),
    "RP": ("Fp2", "F4", "C4", "P4", "O2"),
}
#: Spectrogram frequencies: FFT bins 3..102 of 1024 points at 200 Hz (0.59 ... 19.92 Hz).
HMS_SPEC_FREQS: NDArray[np.float64] = np.arange(3, 103) * HMS_SFREQ / 1024
#: Spectrogram column names after ``time``, as in the competition files: the frequency
#: rounded half-up to 2 decimals without trailing zeros (``LL_0.59``, ``LL_3.13``, ``LL_4.1``).
HMS_SPEC_COLUMNS: tuple[str, ...] = tuple(
    f"{chain}_{round(float(f) + 1e-9, 2)!r}" for chain in ("LL", "RL", "LP", "RP")
    for f in HMS_SPEC_FREQS
)
#: Where a voter who does not pick the true pattern goes (probabilities over classes).
CONFUSIONS: dict[str, dict[str, float]] = {
    "Seizure": {"LPD": 0.4, "GPD": 0.15, "LRDA": 0.2, "GRDA": 0.05, "Other": 0.2},
    "LPD": {"Seizure": 0.45, "GPD": 0.2, "LRDA": 0.15, "Other": 0.2},
    "GPD": {"Seizure": 0.2, "LPD": 0.4, "GRDA": 0.2, "Other": 0.2},
    "LRDA": {"Seizure": 0.15, "LPD": 0.25, "GRDA": 0.35, "Other": 0.25},
    "GRDA": {"Seizure": 0.1, "GPD": 0.15, "LRDA": 0.3, "Other": 0.45},
    "Other": {"Seizure": 0.15, "LPD": 0.15, "GPD": 0.1, "LRDA": 0.25, "GRDA": 0.35},
}

_EEG19 = HMS_EEG_CHANNELS[:19]
_FS = HMS_SFREQ
_SPEC_PAD_S = 290.0


def _positions() -> NDArray[np.float64]:
    return np.array([CHANNEL_POSITIONS[c] for c in _EEG19])


def _lateral_weights(rng: np.random.Generator, side: str) -> NDArray[np.float64]:
    pos = _positions()
    focus = np.array([0.6 if side == "right" else -0.6, rng.uniform(-0.4, 0.5)])
    field = np.exp(-np.sum((pos - focus) ** 2, axis=1) / (2 * 0.3**2))
    return field * rng.uniform(0.75, 1.25, len(field))


def _general_weights(rng: np.random.Generator) -> NDArray[np.float64]:
    y = _positions()[:, 1]
    return (0.5 + 0.5 * (y + 1) / 2) * rng.uniform(0.85, 1.15, len(y))


def _ap_delays(rng: np.random.Generator, max_lag_s: float) -> NDArray[np.float64]:
    y = _positions()[:, 1]
    return max_lag_s * (1 - y) / 2 + rng.normal(0, 0.005, len(y))


def _project(src: NDArray, t: NDArray, weights: NDArray, delays: NDArray | None) -> NDArray:
    """(19, n) = weights × source, each channel delayed by ``delays`` seconds."""
    if delays is None:
        return weights[:, None] * src[None, :]
    return np.stack([w * np.interp(t - d, t, src) for w, d in zip(weights, delays)])


def _activity(t: NDArray, a: float, b: float, ramp: float = 3.0) -> NDArray:
    """Smooth 0→1→0 gate over [a, b]."""
    up = np.clip((t - a) / ramp, 0, 1)
    down = np.clip((b - t) / ramp, 0, 1)
    return np.sin(np.pi / 2 * np.minimum(up, down)) ** 2


def _discharges(rng: np.random.Generator, t: NDArray, rate: float, kind: str) -> NDArray:
    """Train of discharges (unit peak) at ``rate`` Hz with 8 % interval jitter."""
    n_max = int(t[-1] * rate * 1.3) + 2
    times = np.cumsum(rng.normal(1.0, 0.08, n_max) / rate) + rng.uniform(0, 1 / rate)
    imp = np.zeros(len(t))
    idx = (times[times < t[-1]] * _FS).astype(int)
    imp[idx] = rng.uniform(0.8, 1.2, len(idx))
    kt = np.arange(int(0.6 * _FS)) / _FS
    if kind == "spike":  # sharp wave (~100 ms) then a slow wave
        wave = -np.exp(-0.5 * ((kt - 0.07) / 0.025) ** 2) + 0.5 * np.exp(
            -0.5 * ((kt - 0.22) / 0.08) ** 2)
    else:  # triphasic
        wave = (-0.35 * np.exp(-0.5 * ((kt - 0.04) / 0.02) ** 2)
                + np.exp(-0.5 * ((kt - 0.11) / 0.035) ** 2)
                - 0.5 * np.exp(-0.5 * ((kt - 0.25) / 0.07) ** 2))
    return np.convolve(imp, wave)[: len(t)]


def _rhythm(rng: np.random.Generator, t: NDArray, freq: NDArray | float) -> NDArray:
    """Slightly sharp rhythmic wave with a small frequency wander."""
    f = np.broadcast_to(np.asarray(freq, float), t.shape)
    wander = 1 + 0.03 * np.sin(2 * np.pi * t / rng.uniform(20, 40) + rng.uniform(0, 6.3))
    phase = 2 * np.pi * np.cumsum(f * wander) / _FS + rng.uniform(0, 2 * np.pi)
    return np.sin(phase) + 0.3 * np.sin(2 * phase + 0.5) + 0.1 * np.sin(3 * phase)


def _pattern(
    rng: np.random.Generator, kind: str, t: NDArray, span: tuple[float, float]
) -> tuple[NDArray, dict[str, Any]]:
    """The pattern's contribution (19, n) in µV, and its ground-truth description."""
    a, b = span
    info: dict[str, Any] = {"side": "none", "frequency_hz": float("nan"),
                            "amplitude_uv": float("nan")}
    if kind == "Other":
        x = band_oscillation(len(t), _FS, (0.8, 3.5), am_depth=0.6, fm_depth=0.9,
                             modulation_hz=0.3, random_state=rng)
        weights = _lateral_weights(rng, str(rng.choice(["left", "right"])))
        amp = rng.uniform(10, 25)
        info["amplitude_uv"] = amp
        return amp * weights[:, None] * x[None, :], info
    gate = _activity(t, a, b)
    if kind == "Seizure":
        side = str(rng.choice(["left", "right"]))
        f0, f1, amp = rng.uniform(2, 3), rng.uniform(4.5, 7), rng.uniform(100, 250)
        prog = np.clip((t - a) / (b - a), 0, 1)
        src = _rhythm(rng, t, f0 + (f1 - f0) * prog) * (0.2 + 0.8 * prog) * gate * amp
        focal, gen = _lateral_weights(rng, side), _general_weights(rng)
        spread = np.clip((t - a) / 30.0, 0, 1)
        delays = _ap_delays(rng, 0.02) + rng.normal(0, 0.015, len(focal))
        out = _project(src, t, np.ones(len(focal)), delays)
        out *= focal[:, None] + (gen - focal)[:, None] * spread[None, :]
        info.update(side=side, frequency_hz=float((f0 + f1) / 2), amplitude_uv=amp,
                    frequency_start_hz=float(f0), frequency_end_hz=float(f1))
        return out, info
    if kind in ("LPD", "GPD"):
        rate = rng.uniform(0.7, 1.5) if kind == "LPD" else rng.uniform(1.0, 2.5)
        amp = rng.uniform(150, 300) if kind == "LPD" else rng.uniform(120, 250)
        src = _discharges(rng, t, rate, "spike" if kind == "LPD" else "triphasic") * gate * amp
        info.update(frequency_hz=float(rate), amplitude_uv=amp)
    else:
        freq = rng.uniform(1.0, 2.5) if kind == "LRDA" else rng.uniform(1.5, 3.0)
        amp = rng.uniform(60, 150)
        env = np.exp(0.15 * np.sin(2 * np.pi * t / rng.uniform(8, 15)))
        src = _rhythm(rng, t, freq) * env * gate * amp
        info.update(frequency_hz=float(freq), amplitude_uv=amp)
    if kind in ("LPD", "LRDA"):
        side = str(rng.choice(["left", "right"]))
        info["side"] = side
        return _project(src, t, _lateral_weights(rng, side), None), info
    return _project(src, t, _general_weights(rng), _ap_delays(rng, 0.025)), info


def _ecg(rng: np.random.Generator, t: NDArray) -> NDArray:
    hr = rng.uniform(60, 110) / 60.0
    beats = np.cumsum(rng.normal(1 / hr, 0.02 / hr, int(t[-1] * hr * 1.2) + 2))
    imp = np.zeros(len(t))
    imp[(beats[beats < t[-1]] * _FS).astype(int)] = 1.0
    kt = np.arange(-0.3, 0.5, 1 / _FS)
    g = lambda m, s: np.exp(-0.5 * ((kt - m) / s) ** 2)
    wave = 0.12 * g(-0.18, 0.03) - 0.12 * g(-0.02, 0.01) + g(0, 0.012) - 0.25 * g(0.025, 0.01)
    wave += 0.3 * g(0.3, 0.05)
    ecg = np.convolve(imp, wave, mode="same")
    amp = rng.uniform(100, 500) * rng.choice([-1.0, 1.0])
    return amp * ecg + 20 * np.sin(2 * np.pi * 0.2 * t + rng.uniform(0, 6.3))


def hms_spectrogram(
    data: NDArray[np.floating], ch_names: tuple[str, ...] | list[str] = _EEG19
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Kaggle-style chain spectrograms of a 200 Hz EEG: rows every 2 s at odd seconds.

    For each chain (LL, RL, LP, RP) the power spectral density of its 4 bipolar pairs is
    averaged; each row averages five 1024-point Hann periodograms centred 1 s apart around
    the row time (a ~9 s span). Rows whose span touches a NaN are NaN.

    Parameters
    ----------
    data : ndarray of shape (n_chans, n_times)
        The EEG in µV at 200 Hz; must hold the 16 chain electrodes.
    ch_names : list of str
        Names of the rows of ``data``.

    Returns
    -------
    times : ndarray of shape (n_rows,)
        Row times in seconds (1, 3, 5, ...).
    power : ndarray of shape (4, 100, n_rows)
        PSD in µV²/Hz at :data:`HMS_SPEC_FREQS`, chains in the order of :data:`HMS_CHAINS`.
    """
    data = np.asarray(data, dtype=np.float64)
    n = data.shape[1]
    n_rows = int(n / _FS) // 2
    times = 1.0 + 2.0 * np.arange(n_rows, dtype=np.float64)
    centres = np.arange(0, 2 * n_rows + 2)  # frame centres every second
    win = np.hanning(1024)
    scale = 2.0 / (_FS * np.sum(win**2))
    power = np.empty((4, 100, n_rows))
    index = {c: i for i, c in enumerate(ch_names)}
    for k, chain in enumerate(HMS_CHAINS.values()):
        pairs = np.stack([data[index[a]] - data[index[b]] for a, b in zip(chain, chain[1:])])
        padded = np.pad(pairs, ((0, 0), (512, 512 + int(2 * _FS))), mode="constant")
        starts = (centres * _FS).astype(int)
        frames = np.stack([padded[:, s:s + 1024] for s in starts], axis=1)  # (4, n_c, 1024)
        psd = np.abs(np.fft.rfft(frames * win, axis=-1)[..., 3:103]) ** 2 * scale
        psd = psd.mean(axis=0)  # (n_centres, 100): chain = mean of its 4 pairs
        rows = np.stack([psd[int(tr) - 2:int(tr) + 3].mean(axis=0) if tr >= 2 else
                         psd[: int(tr) + 3].mean(axis=0) for tr in times])
        power[k] = rows.T
    return times, power


def _votes(rng: np.random.Generator, kind: str) -> NDArray[np.int64]:
    n = int(rng.integers(1, 8)) if rng.random() < 0.5 else int(rng.integers(10, 21))
    p = np.zeros(len(HMS_CLASSES))
    p_true = rng.uniform(0.45, 0.95)
    p[HMS_CLASSES.index(kind)] = p_true
    for c, q in CONFUSIONS[kind].items():
        p[HMS_CLASSES.index(c)] += (1 - p_true) * q
    return rng.multinomial(n, p / p.sum())


def _unique_ids(rng: np.random.Generator, n: int, low: int, high: int) -> list[int]:
    ids: set[int] = set()
    while len(ids) < n:
        ids.update(int(v) for v in rng.integers(low, high, n - len(ids)))
    return [int(v) for v in rng.permutation(sorted(ids))]


def _one_eeg(
    rng: np.random.Generator, patient: dict[str, Any], kind: str, n_sub: int,
    nan_kind: str | None,
) -> dict[str, Any]:
    offsets = np.concatenate([[0], np.cumsum(rng.choice([2, 4, 6, 8], n_sub - 1))]).astype(int)
    eeg_len = int(offsets[-1]) + 50
    eeg_start = 281 + 2 * int(rng.integers(0, 6))  # odd → even spectrogram offsets
    total = int(eeg_start + eeg_len + _SPEC_PAD_S)
    total += total % 2
    n = int(total * _FS)
    t = np.arange(n) / _FS
    # background
    bg = smoothing_matrix(_EEG19, width=0.5) @ pink_noise(19, n, _FS, patient["exponent"], fmin=0.3,
                                               rms=1.0, random_state=rng)
    x = bg * patient["bg_rms"]
    post = np.array([max(0.0, -CHANNEL_POSITIONS[c][1]) for c in _EEG19])
    x += np.outer(post, band_oscillation(n, _FS, (patient["pdr"] - 0.7, patient["pdr"] + 0.7),
                                         random_state=rng)) * patient["pdr_rms"]
    # pattern
    centres = eeg_start + offsets + 25
    if kind == "Seizure":
        onset = float(centres[0] - rng.uniform(10, 20))
        span = (onset, float(centres[-1] + rng.uniform(15, 40)))
    else:
        span = (float(eeg_start - rng.uniform(20, 120)),
                float(eeg_start + eeg_len + rng.uniform(20, 120)))
    pat, info = _pattern(rng, kind, t, span)
    if kind == "Seizure":  # post-ictal suppression of the background
        x *= 1 - 0.5 * _activity(t, span[1], span[1] + 30.0, ramp=2.0)[None, :]
    x = (x + pat) * patient["gains"][:, None]
    names19 = list(_EEG19)
    art_rate = 2.0 if kind == "Other" else 1.0
    x += 1e6 * blink_artifacts(names19, n, _FS, rate_per_min=3 * art_rate, random_state=rng)
    x += 1e6 * muscle_bursts(names19, n, _FS, rate_per_min=2 * art_rate, random_state=rng)
    x += 1e6 * line_noise(19, n, _FS, 60.0, amplitude=patient["line_uv"] * 1e-6,
                          random_state=rng)
    info.update(nan_rows_s="", nan_channel="")
    a0 = int((eeg_start + offsets[0] + rng.uniform(5, 40)) * _FS)
    if nan_kind == "rows":
        x[:, a0:a0 + int(2 * _FS)] = np.nan
        info["nan_rows_s"] = f"{a0 / _FS - eeg_start:.2f}-{a0 / _FS - eeg_start + 2:.2f}"
    spec_times, spec_power = hms_spectrogram(x)
    a, b = int(eeg_start * _FS), int((eeg_start + eeg_len) * _FS)
    eeg = np.vstack([x[:, a:b], _ecg(rng, t[: b - a])[None, :]])
    if nan_kind == "channel":
        ch = str(rng.choice([c for c in _EEG19 if c not in ("Fp1", "Fp2")]))
        eeg[HMS_EEG_CHANNELS.index(ch)] = np.nan
        info["nan_channel"] = ch
    return {
        "eeg": eeg.astype(np.float32), "spec_times": spec_times,
        "spec_power": spec_power.astype(np.float32), "offsets": offsets,
        "spec_offsets": eeg_start + offsets + 25 - 300, "info": info,
        "eeg_start": eeg_start, "votes": _votes(rng, kind),
    }


def simulate_hms(
    out_dir: str | os.PathLike[str],
    n_patients: int = 12,
    n_eegs_per_patient: int = 2,
    random_state: RandomState = 0,
    *,
    with_nans: bool = True,
    overwrite: bool = False,
) -> Path:
    """Write a mini HMS competition folder with known patterns (read by ``"hms"``).

    Layout (see ``DATA_FORMATS.md`` §3)::

        ROOT/train.csv                              15 columns, one row per labelled window
        ROOT/train_eegs/<eeg_id>.parquet            20 float32 columns, 200 Hz, µV, 50-70 s
        ROOT/train_spectrograms/<spectrogram_id>.parquet
                                                    time (int64) + LL/RL/LP/RP × 100 freqs,
                                                    float32, rows 2 s apart at odd seconds,
                                                    >= 600 s
        ROOT/simulation_ground_truth.csv            pattern, side, frequency, NaNs per EEG

    Each EEG has its own spectrogram and 2-5 labelled sub-windows at even offsets; for row
    ``i`` the EEG window ``[offset, offset + 50)`` s and the spectrogram window
    ``[spec_offset, spec_offset + 600)`` s share their centre, and the spectrogram holds
    all 300 rows of every such window. The spectrogram is :func:`hms_spectrogram` of the
    simulated recording (its double-banana chains), so it carries each pattern's band
    power, in µV²/Hz; :func:`mindstate.io.datasets.hms.load_hms_windows` cuts both windows.

    Parameters
    ----------
    out_dir : path-like
        Root folder to create (refused if it exists and is not empty, unless ``overwrite``).
    n_patients : int
        Number of patients.
    n_eegs_per_patient : int
        EEGs per patient; patterns are dealt so that every class appears when there are at
        least six EEGs.
    random_state : int | numpy.random.Generator | None
        Seed; the same seed gives the same folder.
    with_nans : bool
        Put a NaN run in one EEG and an all-NaN channel in another (needs >= 2 EEGs).
    overwrite : bool
        Replace the files of an earlier simulation in ``out_dir``.

    Returns
    -------
    Path
        ``out_dir``.
    """
    import pandas as pd

    n_patients = check_int(n_patients, "n_patients", min_value=1)
    n_per = check_int(n_eegs_per_patient, "n_eegs_per_patient", min_value=1)
    with_nans = bool(check_type(with_nans, bool, "with_nans"))
    seed = resolve_seed(random_state)
    (rng,) = spawn(seed, 1, 0)
    n_eegs = n_patients * n_per
    kinds = [HMS_CLASSES[i % 6] for i in rng.permutation(max(n_eegs, 6))[:n_eegs]]
    eeg_ids = _unique_ids(rng, n_eegs, 10**6, 4 * 10**9)
    spec_ids = _unique_ids(rng, n_eegs, 10**5, 2 * 10**9)
    patient_ids = _unique_ids(rng, n_patients, 100, 65000)
    nan_plan = {0: "rows", 1: "channel"} if with_nans else {}
    rows: list[dict[str, Any]] = []
    truth: list[dict[str, Any]] = []
    with atomic_dataset_dir(out_dir, overwrite=overwrite) as root:
        (root / "train_eegs").mkdir()
        (root / "train_spectrograms").mkdir()
        for p in range(n_patients):
            (rng_p,) = spawn(seed, 1, 1, p)
            patient = {
                "bg_rms": rng_p.uniform(15, 35), "exponent": rng_p.uniform(1.4, 1.9),
                "pdr": rng_p.uniform(6, 10), "pdr_rms": rng_p.uniform(3, 12),
                "gains": np.exp(rng_p.normal(0, 0.15, 19)), "line_uv": rng_p.uniform(0.5, 3),
            }
            for k in range(n_per):
                i = p * n_per + k
                (rng_e,) = spawn(seed, 1, 2, i)
                sim = _one_eeg(rng_e, patient, kinds[i], int(rng_e.integers(2, 6)),
                               nan_plan.get(i))
                pd.DataFrame(sim["eeg"].T, columns=list(HMS_EEG_CHANNELS)).to_parquet(
                    root / "train_eegs" / f"{eeg_ids[i]}.parquet", index=False)
                spec = sim["spec_power"].reshape(400, -1).T
                frame = pd.DataFrame(spec, columns=list(HMS_SPEC_COLUMNS))
                frame.insert(0, "time", sim["spec_times"].astype(np.int64))
                frame.to_parquet(root / "train_spectrograms" / f"{spec_ids[i]}.parquet",
                                 index=False)
                votes = sim["votes"]
                for j, (off, soff) in enumerate(zip(sim["offsets"], sim["spec_offsets"])):
                    rows.append({
                        "eeg_id": eeg_ids[i], "eeg_sub_id": j,
                        "eeg_label_offset_seconds": float(off), "spectrogram_id": spec_ids[i],
                        "spectrogram_sub_id": j,
                        "spectrogram_label_offset_seconds": float(soff),
                        "label_id": 0, "patient_id": patient_ids[p],
                        "expert_consensus": HMS_CLASSES[int(np.argmax(votes))],
                        **{f"{c.lower()}_vote": int(v) for c, v in zip(HMS_CLASSES, votes)},
                    })
                truth.append({"eeg_id": eeg_ids[i], "spectrogram_id": spec_ids[i],
                              "patient_id": patient_ids[p], "pattern": kinds[i],
                              "eeg_start_in_spectrogram_s": sim["eeg_start"], **sim["info"]})
        train = pd.DataFrame(rows, columns=list(TRAIN_COLUMNS))
        train["label_id"] = _unique_ids(rng, len(train), 10**5, 4 * 10**9)
        train = train.sort_values(["eeg_id", "eeg_sub_id"], kind="stable")
        train.to_csv(root / "train.csv", index=False)
        pd.DataFrame(truth).sort_values("eeg_id").to_csv(
            root / "simulation_ground_truth.csv", index=False)
    return Path(out_dir)
