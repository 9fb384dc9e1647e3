"""Simulated Empatica E4 wrist sessions (stress vs rest) in the Stress-Predict layout.

Protocol of each session (``duration_s`` long, ``u = duration_s / 7.5``): rest 1.5u, then
three stress blocks of u (``stroop``, ``interview``, ``hyperventilation``) each followed by
rest u; every boundary moves by up to ±min(10 s, 0.05u) per subject. The button tags are the
six block boundaries plus one press 5 s before the end.

Ground truth (:data:`E4_GROUND_TRUTH`; per-subject values in ``meta`` and in
``ground_truth.json``):

- **Heart rate**: rest level N(72, 8) bpm; stress adds ``hr_delta_bpm`` ~ N(12, 3) bpm,
  reached with a 5 s time constant; a slow random drift (SD 2 bpm, 60 s time constant) and
  respiratory sinus arrhythmia (±3 bpm at rest, ±1.5 bpm under stress) ride on top. Beats
  are the integer crossings of the integrated rate; 1-in-5 beats (1-in-2 during movement)
  are missed by the device's IBI detector.
- **EDA**: tonic level log-normal (median 1.5 µS), multiplied under stress by
  ``eda_stress_factor`` ~ N(1.35, 0.1) with a 30 s time constant; phasic skin-conductance
  responses (rise 0.75 s, decay 3 s, amplitude log-normal, median 0.1 µS) arrive as a
  Poisson process at 1 per minute at rest and 4 per minute under stress. As on the real
  device, the first sample is 0 while the electrodes settle.
- **Skin temperature**: rest level N(32.5, 1.2) °C, approached from 2.5 °C below with a
  120 s time constant (the sensor warming on the wrist); stress adds ``temp_delta_c`` ~
  N(-0.3, 0.1) °C with a 60 s time constant.
- **BVP**: a PPG pulse per beat (systolic peak plus dicrotic wave), amplitude 40-120 a.u.
  (× 0.8 under stress), stored inverted as the E4 does: **beats are troughs**.
- **ACC**: the gravity vector of a resting wrist (1/64 g, posture changes every few minutes)
  plus 1-3 Hz movement bursts, 0.5 per minute at rest and 2 per minute under stress.
- **Respiration rate** (``respr`` of the processed file): N(14, 2) breaths/min at rest,
  +3 under stress, constant over 30 s stretches.

File conventions are those of the Stress-Predict dataset (the ``"stress-predict"`` reader):
row 1 the start unix time, row 2 the rate, then samples; HR starts 10 s after the other signals
and each value is the mean rate over the preceding 10 s; IBI rows are (time since start,
interval) quantised to 1/64 s; the processed file has one row per unix second from start +
9 s, whose ``HR`` is the HR.csv sample of the next second.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_int, check_range
from ..io.recording import PhysioRecording, Signal
from ._common import RandomState, atomic_dataset_dir, resolve_seed, spawn

__all__ = [
    "E4_GROUND_TRUTH",
    "E4_RATES",
    "simulate_e4",
    "simulate_e4_recordings",
]

#: Sampling rates (Hz) of the E4 streams.
E4_RATES: dict[str, float] = {"acc": 32.0, "bvp": 64.0, "eda": 4.0, "temp": 4.0, "hr": 1.0}

#: Population ground truth: (mean, SD over subjects) of each parameter.
E4_GROUND_TRUTH: dict[str, tuple[float, float]] = {
    "hr_rest_bpm": (72.0, 8.0),
    "hr_delta_bpm": (12.0, 3.0),
    "eda_rest_us": (1.5, 0.6),  # median and log-SD of a log-normal
    "eda_stress_factor": (1.35, 0.1),
    "scr_rate_rest_per_min": (1.0, 0.0),
    "scr_rate_stress_per_min": (4.0, 0.0),
    "temp_rest_c": (32.5, 1.2),
    "temp_delta_c": (-0.3, 0.1),
    "resp_rest_per_min": (14.0, 2.0),
    "resp_delta_per_min": (3.0, 0.0),
}

_START_UNIX = 1644227574  # 2022-02-07, the first Stress-Predict session
_G_MS2 = 9.80665
_BLOCK_NAMES = ("stroop", "interview", "hyperventilation")


def _lowpass(x: NDArray[np.float64], tau_s: float, fs: float) -> NDArray[np.float64]:
    """First-order low-pass (time constant ``tau_s``), causal, starting at ``x[0]``."""
    from scipy.signal import lfilter

    a = np.exp(-1.0 / (tau_s * fs))
    y, _ = lfilter([1 - a], [1, -a], x, zi=[a * x[0]])
    return y


def _ou(rng: np.random.Generator, n: int, fs: float, tau_s: float, sd: float) -> NDArray:
    """Ornstein-Uhlenbeck noise with stationary SD ``sd``."""
    from scipy.signal import lfilter

    a = np.exp(-1.0 / (tau_s * fs))
    e = rng.standard_normal(n) * sd * np.sqrt(1 - a**2)
    y, _ = lfilter([1.0], [1, -a], e, zi=[a * rng.normal(0, sd)])
    return y


def _protocol(rng: np.random.Generator, duration_s: float) -> list[tuple[float, float, str]]:
    """Stress blocks as (start, stop, name) in seconds from the session start."""
    u = duration_s / 7.5
    jitter = min(10.0, 0.05 * u)
    edges = np.array([1.5, 2.5, 3.5, 4.5, 5.5, 6.5]) * u
    edges = np.round(edges + rng.uniform(-jitter, jitter, 6))
    return [(float(edges[2 * k]), float(edges[2 * k + 1]), _BLOCK_NAMES[k]) for k in range(3)]


def _stress_indicator(blocks: list[tuple[float, float, str]], t: NDArray) -> NDArray:
    s = np.zeros(len(t))
    for a, b, _ in blocks:
        s[(t >= a) & (t < b)] = 1.0
    return s


def _subject_params(rng: np.random.Generator) -> dict[str, float]:
    gt = E4_GROUND_TRUTH
    return {
        "hr_rest_bpm": rng.normal(*gt["hr_rest_bpm"]),
        "hr_delta_bpm": rng.normal(*gt["hr_delta_bpm"]),
        "eda_rest_us": gt["eda_rest_us"][0] * np.exp(rng.normal(0, gt["eda_rest_us"][1])),
        "eda_stress_factor": rng.normal(*gt["eda_stress_factor"]),
        "scr_rate_rest_per_min": gt["scr_rate_rest_per_min"][0],
        "scr_rate_stress_per_min": gt["scr_rate_stress_per_min"][0],
        "temp_rest_c": rng.normal(*gt["temp_rest_c"]),
        "temp_delta_c": rng.normal(*gt["temp_delta_c"]),
        "resp_rest_per_min": rng.normal(*gt["resp_rest_per_min"]),
        "resp_delta_per_min": gt["resp_delta_per_min"][0],
        "bvp_amplitude": rng.uniform(40, 120),
    }


def _movement(
    rng: np.random.Generator, t: NDArray, stress: NDArray, fs: float
) -> tuple[NDArray, NDArray]:
    """ACC in 1/64 g (3, n) and a 0/1 movement mask (n,)."""
    n = len(t)
    acc = np.zeros((3, n))
    # Posture: a gravity unit vector that changes every 60-240 s.
    change = 0.0
    g = np.array([-0.3, -0.1, 0.95])
    while change < t[-1] + 1:
        g = g + rng.normal(0, 0.3, 3)
        g /= np.linalg.norm(g)
        nxt = change + rng.uniform(60, 240)
        acc[:, (t >= change) & (t < nxt)] = 64 * g[:, None]
        change = nxt
    acc = np.stack([_lowpass(a, 1.0, fs) for a in acc])
    moving = np.zeros(n)
    rate = np.where(stress > 0, 2.0, 0.5) / 60.0 / fs  # events per sample
    for i in np.flatnonzero(rng.random(n) < rate):
        m = int(rng.uniform(2, 10) * fs)
        f = rng.uniform(1, 3)
        seg = np.arange(min(m, n - int(i))) / fs
        env = np.sin(np.pi * seg / (m / fs)) ** 2
        for axis in range(3):
            acc[axis, i:i + len(seg)] += rng.uniform(5, 30) * env * np.sin(
                2 * np.pi * f * seg + rng.uniform(0, 2 * np.pi))
        moving[i:i + len(seg)] = 1.0
    acc += rng.normal(0, 0.7, acc.shape)
    return np.clip(np.round(acc), -128, 127), moving


def _pulse(phase: NDArray) -> NDArray:
    """PPG pulse over one beat (phase 0 = systolic peak), mean removed, peak 1."""
    d = np.minimum(phase, 1 - phase)
    width = np.where(phase > 0.5, 0.07, 0.12)  # fast upstroke before the peak, slow decay
    main = np.exp(-0.5 * (d / width) ** 2)
    dicrotic = 0.35 * np.exp(-0.5 * ((phase - 0.42) / 0.08) ** 2)
    return main + dicrotic - 0.2


def _simulate_subject(
    seed: int, k: int, duration_s: float
) -> dict[str, Any]:
    """All streams of subject ``k`` in E4 units, quantised exactly as they are written."""
    rng_p, rng_hr, rng_eda, rng_t, rng_acc, rng_bvp = spawn(seed, 6, 1, k)
    p = _subject_params(rng_p)
    blocks = _protocol(rng_p, duration_s)
    start = _START_UNIX + 86400 * k + int(rng_p.integers(0, 6 * 3600))

    # --- heart: instantaneous rate on the 64 Hz grid, beats, BVP.
    fs = E4_RATES["bvp"]
    n_bvp = int(round(duration_s * fs))
    t = np.arange(n_bvp) / fs
    stress = _stress_indicator(blocks, t)
    resp_rate = p["resp_rest_per_min"] + p["resp_delta_per_min"] * _lowpass(stress, 20.0, fs)
    resp_phase = 2 * np.pi * np.cumsum(resp_rate / 60.0) / fs
    rsa = np.where(stress > 0, 1.5, 3.0) * np.sin(resp_phase)
    hr = (p["hr_rest_bpm"] + p["hr_delta_bpm"] * _lowpass(stress, 5.0, fs)
          + _ou(rng_hr, n_bvp, fs, 60.0, 2.0) + rsa)
    cycles = np.cumsum(hr / 60.0) / fs + rng_hr.uniform(0, 1)
    crossings = np.flatnonzero(np.diff(np.floor(cycles)) > 0)
    frac = (np.floor(cycles[crossings + 1]) - cycles[crossings]) / (
        cycles[crossings + 1] - cycles[crossings])
    beats = (crossings + frac) / fs
    idx = np.clip(np.searchsorted(beats, t, side="right") - 1, 0, len(beats) - 2)
    phase = np.clip((t - beats[idx]) / (beats[idx + 1] - beats[idx]), 0.0, 1.0)
    acc, moving_acc = _movement(rng_acc, np.arange(int(duration_s * 32)) / 32.0,
                                _stress_indicator(blocks, np.arange(int(duration_s * 32)) / 32.0),
                                32.0)
    moving = np.repeat(moving_acc, 2)[:n_bvp]
    amp = p["bvp_amplitude"] * (1 - 0.2 * _lowpass(stress, 10.0, fs)) * (
        1 + 0.1 * np.sin(resp_phase))
    bvp = -amp * _pulse(phase) + rng_bvp.normal(0, 2.0, n_bvp)
    bvp += moving * rng_bvp.normal(0, 40.0, n_bvp)
    bvp = np.round(bvp, 2)

    # --- IBI: quantised to 1/64 s, missed beats dropped; intervals only between detected
    # consecutive beats.
    bq = np.round(beats * 64.0) / 64.0
    miss_p = np.where(moving[np.clip((beats * fs).astype(int), 0, n_bvp - 1)] > 0, 0.5, 0.2)
    detected = rng_bvp.random(len(beats)) >= miss_p
    ok = detected[1:] & detected[:-1]
    ibi = np.column_stack([bq[1:][ok], np.diff(bq)[ok]])

    # --- HR.csv: 1 Hz, from start + 10 s, mean instantaneous rate over the preceding 10 s.
    n_hr = int(duration_s) - 10
    inst_rate = 60.0 / np.diff(beats)
    hr_t = 10.0 + np.arange(n_hr)
    hr_file = np.array([inst_rate[(beats[1:] > s - 10) & (beats[1:] <= s)].mean()
                        for s in hr_t])
    hr_file = np.round(hr_file, 2)

    # --- EDA (4 Hz, µS).
    fe = E4_RATES["eda"]
    n_eda = int(round(duration_s * fe))
    te = np.arange(n_eda) / fe
    se = _stress_indicator(blocks, te)
    tonic = p["eda_rest_us"] * (1 + (p["eda_stress_factor"] - 1) * _lowpass(se, 30.0, fe))
    tonic *= np.exp(_ou(rng_eda, n_eda, fe, 300.0, 0.08))
    rate = np.where(se > 0, p["scr_rate_stress_per_min"], p["scr_rate_rest_per_min"]) / 60.0
    scr_idx = np.flatnonzero(rng_eda.random(n_eda) < rate / fe)
    kt = np.arange(int(30 * fe)) / fe
    kernel = np.exp(-kt / 3.0) - np.exp(-kt / 0.75)
    kernel /= kernel.max()
    impulses = np.zeros(n_eda)
    impulses[scr_idx] = 0.1 * np.exp(rng_eda.normal(0, 0.5, len(scr_idx))) * np.sqrt(
        p["eda_rest_us"] / 1.5)
    phasic = np.convolve(impulses, kernel)[:n_eda]
    eda = np.maximum(tonic + phasic + rng_eda.normal(0, 0.003, n_eda), 0.0)
    eda = np.round(eda, 6)
    eda[0] = 0.0

    # --- TEMP (4 Hz, °C).
    warm = -2.5 * np.exp(-te / 120.0)
    temp = (p["temp_rest_c"] + warm + p["temp_delta_c"] * _lowpass(se, 60.0, fe)
            + _ou(rng_t, n_eda, fe, 200.0, 0.08) + rng_t.normal(0, 0.02, n_eda))
    temp = np.round(temp, 2)

    # --- respiration rate per 30 s stretch, for the processed file.
    secs = np.arange(n_hr) + 9.0
    resp_sec = np.interp(secs, t, resp_rate)
    resp_sec = np.repeat([resp_sec[i:i + 30].mean() for i in range(0, n_hr, 30)], 30)[:n_hr]
    return {
        "start": start, "params": {k_: float(v) for k_, v in p.items()}, "blocks": blocks,
        "bvp": bvp, "acc": acc.astype(np.int64), "eda": eda, "temp": temp, "hr": hr_file,
        "ibi": ibi, "scr_onsets": te[scr_idx], "beats": beats,
        "tags": [start + int(a) for blk in blocks for a in blk[:2]] + [
            start + int(duration_s) - 5],
        "label_times": start + secs, "labels": _stress_indicator(blocks, secs).astype(np.int64),
        "respr": resp_sec,
    }


def _check(n_subjects: int, duration_s: float) -> tuple[int, float]:
    n_subjects = check_int(n_subjects, "n_subjects", min_value=1)
    duration_s = check_range(duration_s, "duration_s", 150.0, 6 * 3600.0)
    return n_subjects, float(int(duration_s))


def simulate_e4_recordings(
    n_subjects: int = 6, duration_s: float = 900.0, random_state: RandomState = 0
) -> list[PhysioRecording]:
    """Simulate E4 sessions in memory, identical to what :func:`simulate_e4` writes.

    Parameters
    ----------
    n_subjects : int
        Number of participants (``S01``, ``S02`` ...).
    duration_s : float
        Session length in seconds (150 s to 6 h; truncated to whole seconds).
    random_state : int | numpy.random.Generator | None
        Seed; the same seed gives the same sessions.

    Returns
    -------
    list of PhysioRecording
        Signals ``bvp`` (ppg, a.u., troughs at beats), ``eda`` (siemens), ``temp`` (°C),
        ``acc`` (m/s², x/y/z) and ``hr`` (bpm, from start + 10 s), all on the unix clock;
        events ``ibi`` (n_beats, 2) = (unix time, interval s) and ``tags`` (unix times);
        ``labels`` = per-second stress (1) / rest (0) from start + 9 s. ``meta`` holds the
        subject's ground-truth parameters, blocks and SCR onsets.
    """
    n_subjects, duration_s = _check(n_subjects, duration_s)
    seed = resolve_seed(random_state)
    return [_to_recording(_simulate_subject(seed, k, duration_s), k)
            for k in range(n_subjects)]


def _to_recording(sim: dict[str, Any], k: int) -> PhysioRecording:
    t0 = float(sim["start"])
    name = f"S{k + 1:02d}"
    signals = {
        "bvp": Signal(sim["bvp"][None, :], 64.0, ["bvp"], "ppg", t0, "a.u."),
        "eda": Signal(sim["eda"][None, :] * 1e-6, 4.0, ["eda"], "eda", t0, "S"),
        "temp": Signal(sim["temp"][None, :], 4.0, ["temp"], "temp", t0, "degC"),
        "acc": Signal(sim["acc"] / 64.0 * _G_MS2, 32.0, ["x", "y", "z"], "acc", t0, "m/s^2"),
        "hr": Signal(sim["hr"][None, :], 1.0, ["hr"], "hr", t0 + 10.0, "bpm"),
    }
    ibi = sim["ibi"].copy()
    ibi[:, 0] += t0
    meta = {
        "record": name, "participant": k + 1, "ground_truth": sim["params"],
        "stress_blocks": [(t0 + a, t0 + b, n) for a, b, n in sim["blocks"]],
        "scr_onsets": t0 + sim["scr_onsets"],
    }
    return PhysioRecording(
        signals=signals,
        events={"ibi": ibi, "tags": np.asarray(sim["tags"], float)},
        labels=(sim["label_times"].astype(float), sim["labels"]),
        label_period=1.0, subject=name, meta=meta,
    )


def _write_gz(path: Path, text: str) -> None:
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=6,
                                                filename="") as f:
        f.write(text.encode())


def _column(header_time: str, rate: str, values: list[str]) -> str:
    return "\n".join([header_time, rate, *values]) + "\n"


def simulate_e4(
    out_dir: str | os.PathLike[str],
    n_subjects: int = 6,
    duration_s: float = 900.0,
    random_state: RandomState = 0,
    *,
    overwrite: bool = False,
) -> Path:
    """Write simulated E4 sessions in the Stress-Predict layout (read by ``"stress-predict"``).

    Layout::

        ROOT/raw/SXX/{ACC,BVP,EDA,HR,IBI,TEMP}.csv.gz
        ROOT/raw/SXX/tags_SXX.csv
        ROOT/processed/Improved_All_Combined_hr_rsp_binary.csv.gz
        ROOT/ground_truth.json          (simulation parameters; not part of the real data)

    Parameters
    ----------
    out_dir : path-like
        Root folder to create (refused if it exists and is not empty, unless ``overwrite``).
    n_subjects : int
        Number of participants (``S01``, ``S02`` ...).
    duration_s : float
        Session length in seconds (150 s to 6 h; truncated to whole seconds).
    random_state : int | numpy.random.Generator | None
        Seed, recorded in ``ground_truth.json``.
    overwrite : bool
        Replace the files of an earlier simulation in ``out_dir``.

    Returns
    -------
    Path
        ``out_dir``.
    """
    n_subjects, duration_s = _check(n_subjects, duration_s)
    seed = resolve_seed(random_state)
    truth: dict[str, Any] = {"seed": seed, "population": E4_GROUND_TRUTH, "subjects": {}}
    processed = ["Participant,HR,respr,Time(sec),Label"]
    with atomic_dataset_dir(out_dir, overwrite=overwrite) as root:
        for k in range(n_subjects):
            sim = _simulate_subject(seed, k, duration_s)
            name = f"S{k + 1:02d}"
            folder = root / "raw" / name
            folder.mkdir(parents=True)
            t0 = sim["start"]
            tf = f"{t0:.6f}"
            _write_gz(folder / "BVP.csv.gz",
                      _column(f"{t0:.2f}", "64.000000", [f"{v:.2f}" for v in sim["bvp"]]))
            _write_gz(folder / "ACC.csv.gz", _column(
                f"{tf}, {tf}, {tf}", "32.000000, 32.000000, 32.000000",
                [f"{x},{y},{z}" for x, y, z in sim["acc"].T]))
            _write_gz(folder / "EDA.csv.gz",
                      _column(tf, "4.000000", [f"{v:.6f}" for v in sim["eda"]]))
            _write_gz(folder / "TEMP.csv.gz",
                      _column(tf, "4.000000", [f"{v:.2f}" for v in sim["temp"]]))
            _write_gz(folder / "HR.csv.gz",
                      _column(f"{t0 + 10:.6f}", "1.000000", [f"{v:.2f}" for v in sim["hr"]]))
            _write_gz(folder / "IBI.csv.gz", "\n".join(
                [f"{tf}, IBI"] + [f"{a:.6f},{b:.6f}" for a, b in sim["ibi"]]) + "\n")
            (folder / f"tags_{name}.csv").write_bytes(
                "".join(f"{v}\r\n" for v in sim["tags"]).encode())
            processed += [
                f"{k + 1},{float(h)!r},{r:.7f},{int(ts)},{lab}"
                for h, r, ts, lab in zip(sim["hr"], sim["respr"], sim["label_times"],
                                         sim["labels"])
            ]
            truth["subjects"][name] = {
                **sim["params"],
                "stress_blocks_unix": [[t0 + a, t0 + b, n] for a, b, n in sim["blocks"]],
                "n_scr": int(len(sim["scr_onsets"])),
            }
        (root / "processed").mkdir()
        _write_gz(root / "processed" / "Improved_All_Combined_hr_rsp_binary.csv.gz",
                  "\n".join(processed) + "\n")
        (root / "ground_truth.json").write_text(json.dumps(truth, indent=2) + "\n")
    return Path(out_dir)
