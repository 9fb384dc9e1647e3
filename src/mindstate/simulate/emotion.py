"""Simulated EEG emotion dataset with a known ground truth, in memory or as a BIDS folder.

Generative model of one recording (subject ``s``, session ``e``), all in volts:

- **Background**: 1/f^1.2 noise, independent per channel then spatially smoothed
  (:func:`~mindstate.simulate.eeg.smoothing_matrix`), 8 µV RMS.
- **Rhythms**: one or two narrow-band generators per band (:data:`RHYTHM_BANDS`, RMS at the
  focus :data:`RHYTHM_RMS_UV`): frontal delta, frontal-midline theta, occipital alpha (left
  and right) at the subject's individual alpha frequency (IAF), central beta (left and right)
  and temporal gamma (left and right).
- **State effect (the ground truth)**: inside every trial the *power* of each generator is
  ``baseline[band] * gain[class][band] ** (1 + j)``, where ``gain`` is :data:`STATE_GAINS`
  (power ratios relative to the subject's own rest level) and ``j ~ N(0,
  trial_variability)`` is a per-trial strength (centred within each class of a session).
  The generator power is set exactly per trial, so the band power of a channel where a
  generator dominates (posterior alpha, central beta) follows the gains; elsewhere the
  unchanged 1/f background dilutes the ratio towards 1. Between trials (2 s rest) every gain
  is 1.
- **Subject specifics** (scaled by ``subject_variability``): IAF uniform in 8.5-11.5 Hz;
  baseline power per band log-normal (log-SD 0.45); per-channel gain log-normal (log-SD 0.25);
  generator foci moved by N(0, 0.2) head radii and widths scaled by log-normal(0.2). Each
  extra session adds a smaller offset (band log-SD 0.15, channel log-SD 0.05).
- **Artifacts** (``artifacts=True``; drawn from separate random streams, so the same seed with
  ``artifacts=False`` gives the same neural signal): blinks (8-20 per minute, 100-200 µV at
  Fp1/Fp2, 200-400 ms, strongest on the ``VEOG`` channel), temporal muscle bursts (1-4 per
  minute, 20-100 Hz, 10-40 µV RMS), 50 Hz line noise (1-4 µV) and, in one randomly chosen
  subject's first session, one flat EEG channel (listed in ``meta["bads"]`` and marked
  ``bad`` in ``channels.tsv``).

The class effects are invented but fixed, loosely inspired by the frontal alpha / beta
literature; they are a test bed for pipelines, not a claim about real brains.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_int, check_range, check_type, suggest
from ..io.edf import write_edf
from ..io.recording import Annotations, Recording
from ._common import RandomState, atomic_dataset_dir, resolve_seed, spawn
from .eeg import (
    STANDARD_1020,
    band_oscillation,
    blink_artifacts,
    flat_channel,
    line_noise,
    muscle_bursts,
    pink_noise,
    smoothing_matrix,
    spatial_pattern,
)

__all__ = [
    "BANDS",
    "EOG_CHANNEL",
    "RHYTHM_BANDS",
    "RHYTHM_RMS_UV",
    "STATE_GAINS",
    "simulate_eeg_emotion",
    "simulate_eeg_emotion_recordings",
]

#: Names of the rhythm generators, in order.
BANDS: tuple[str, ...] = ("delta", "theta", "alpha", "beta", "gamma")

#: Frequency support of each generator in Hz. Alpha is centred on the individual alpha
#: frequency: ``(iaf - 1.0, iaf + 1.0)`` (the value below is for IAF = 10 Hz).
RHYTHM_BANDS: dict[str, tuple[float, float]] = {
    "delta": (1.0, 3.5),
    "theta": (4.5, 7.5),
    "alpha": (9.0, 11.0),
    "beta": (15.0, 25.0),
    "gamma": (32.0, 45.0),
}
_ALPHA_HALF_WIDTH = 1.0

#: RMS (µV) of each generator at its focus, before the subject's baseline factor.
RHYTHM_RMS_UV: dict[str, float] = {
    "delta": 6.0, "theta": 5.0, "alpha": 14.0, "beta": 7.0, "gamma": 1.5,
}

#: Ground truth: power gain of each generator in each state, relative to the subject's
#: rest level (neutral = 1 everywhere). Pass ``state_gains`` to use others.
STATE_GAINS: dict[str, dict[str, float]] = {
    "neutral": {"delta": 1.0, "theta": 1.0, "alpha": 1.0, "beta": 1.0, "gamma": 1.0},
    "happy": {"delta": 1.0, "theta": 1.0, "alpha": 0.6, "beta": 1.6, "gamma": 1.3},
    "sad": {"delta": 1.0, "theta": 1.4, "alpha": 1.5, "beta": 0.8, "gamma": 0.9},
    "fear": {"delta": 1.1, "theta": 1.3, "alpha": 0.7, "beta": 1.5, "gamma": 1.2},
    "anger": {"delta": 1.0, "theta": 0.9, "alpha": 0.8, "beta": 1.3, "gamma": 1.6},
    "disgust": {"delta": 1.3, "theta": 1.2, "alpha": 0.9, "beta": 1.2, "gamma": 1.0},
    "surprise": {"delta": 0.8, "theta": 1.5, "alpha": 0.7, "beta": 1.1, "gamma": 1.1},
}

#: Name of the vertical EOG channel recorded beside the 19 EEG channels.
EOG_CHANNEL = "VEOG"

_BACKGROUND_RMS_UV = 6.0
_BACKGROUND_EXPONENT = 1.4
_LEAD_IN_S = 2.0
_ITI_S = 2.0
_RAMP_S = 0.5
# Generator foci (x, y) and widths; two entries = a left and a right generator.
_FOCI: dict[str, list[tuple[float, float]]] = {
    "delta": [(0.0, 0.55)],
    "theta": [(0.0, 0.45)],
    "alpha": [(-0.30, -0.85), (0.30, -0.85)],
    "beta": [(-0.50, 0.0), (0.50, 0.0)],
    "gamma": [(-0.85, 0.25), (0.85, 0.25)],
}
_WIDTHS = {"delta": 0.8, "theta": 0.45, "alpha": 0.5, "beta": 0.4, "gamma": 0.45}


def _check_gains(classes: Sequence[str], state_gains: Mapping[str, Any] | None) -> dict:
    table = dict(STATE_GAINS)
    if state_gains is not None:
        check_type(state_gains, Mapping, "state_gains")
        table.update({str(k): dict(v) for k, v in state_gains.items()})
    out: dict[str, dict[str, float]] = {}
    for c in classes:
        if c not in table:
            raise ValueError(
                f"classes: no band gains for class {c!r}; pass state_gains={{{c!r}: "
                f"{{'alpha': ..., 'beta': ...}}}} or use one of {sorted(STATE_GAINS)}."
                f"{suggest(c, table)}"
            )
        gains = {b: 1.0 for b in BANDS}
        for band, g in table[c].items():
            if band not in BANDS:
                raise ValueError(
                    f"state_gains[{c!r}]: unknown band {band!r}; bands are {list(BANDS)}."
                    f"{suggest(str(band), BANDS)}"
                )
            gains[band] = check_range(g, f"state_gains[{c!r}][{band!r}]", 0.0, None,
                                      inclusive=(False, True))
        out[c] = gains
    return out


def _subject_params(rng: np.random.Generator, sv: float, n_chans: int) -> dict[str, Any]:
    iaf = float(np.clip(10.0 + sv * rng.uniform(-1.5, 1.5), 8.5, 11.5))
    foci = {b: [(x + sv * rng.normal(0, 0.2), y + sv * rng.normal(0, 0.2)) for x, y in f]
            for b, f in _FOCI.items()}
    # Left/right balance of bilateral generators (1 = symmetric).
    asym = {b: float(np.exp(sv * rng.normal(0, 0.2))) for b in BANDS}
    widths = {b: w * float(np.exp(sv * rng.normal(0, 0.2))) for b, w in _WIDTHS.items()}
    return {
        "iaf_hz": iaf,
        "baseline": {b: float(np.exp(sv * rng.normal(0, 0.45))) for b in BANDS},
        "channel_gain": np.exp(sv * rng.normal(0, 0.25, n_chans)),
        "foci": foci,
        "widths": widths,
        "asymmetry": asym,
    }


def _layout(
    rng: np.random.Generator, classes: Sequence[str], n_trials: int, trial_s: float,
    sfreq: float,
) -> tuple[list[str], NDArray[np.int64], int]:
    """Shuffled trial order, trial start samples and total length (whole seconds)."""
    order = [c for c in classes for _ in range(n_trials)]
    order = [order[i] for i in rng.permutation(len(order))]
    n_trial = int(round(trial_s * sfreq))
    n_iti = int(round(_ITI_S * sfreq))
    starts = int(round(_LEAD_IN_S * sfreq)) + np.arange(len(order)) * (n_trial + n_iti)
    n_times = int(starts[-1] + n_trial + n_iti)
    n_times = int(np.ceil(n_times / sfreq) * sfreq)  # EDF wants whole seconds
    return order, starts.astype(np.int64), n_times


def _envelope(
    x: NDArray[np.float64], starts: NDArray[np.int64], n_trial: int, levels: NDArray[np.float64],
    ramp: int,
) -> NDArray[np.float64]:
    """Gain envelope giving ``x`` an RMS of ``levels[k]`` inside trial k and 1 elsewhere.

    Transitions (linear, ``ramp`` samples) lie in the rest periods, so each trial's RMS is
    exact.
    """
    n = len(x)
    bounds = [0]
    for s in starts:
        bounds += [int(s), int(s) + n_trial]
    bounds.append(n)
    seg_level = []
    for k in range(len(bounds) - 1):
        a, b = bounds[k], bounds[k + 1]
        target = levels[(k - 1) // 2] if k % 2 == 1 else 1.0
        seg_level.append(target / max(np.sqrt(np.mean(x[a:b] ** 2)), 1e-12))
    env = np.empty(n)
    for k in range(len(bounds) - 1):
        env[bounds[k]:bounds[k + 1]] = seg_level[k]
    for k in range(1, len(bounds) - 1):
        b = bounds[k]
        # trial start: ramp before b (in the rest); trial end: ramp after b.
        a0, a1 = (b - ramp, b) if k % 2 == 1 else (b, b + ramp)
        a0, a1 = max(a0, 0), min(a1, n)
        env[a0:a1] = np.linspace(seg_level[k - 1], seg_level[k], a1 - a0)
    return env


def _topography(ch: list[str], subj: dict[str, Any], band: str) -> NDArray[np.float64]:
    """Topography of one generator: a Gaussian, or a left + right pair (peak 1)."""
    foci = subj["foci"][band]
    width = subj["widths"][band]
    if len(foci) == 1:
        return spatial_pattern(ch, foci[0], width=width)
    a = subj["asymmetry"][band]
    topo = a * spatial_pattern(ch, foci[0], width=width) + spatial_pattern(ch, foci[1],
                                                                          width=width) / a
    return topo / topo.max()


def _one_recording(
    seed: int, s: int, e: int, subj: dict[str, Any], sess: dict[str, Any],
    classes: Sequence[str], gains: dict[str, dict[str, float]], n_trials: int,
    trial_s: float, sfreq: float, trial_variability: float, artifacts: bool, flat: str | None,
) -> Recording:
    rng_neural, rng_layout = spawn(seed, 2, 1, s, e)
    ch = list(STANDARD_1020)
    n_chans = len(ch)
    order, starts, n_times = _layout(rng_layout, classes, n_trials, trial_s, sfreq)
    n_trial = int(round(trial_s * sfreq))
    ramp = int(round(_RAMP_S * sfreq))
    # Per-trial effect strength j, centred within each class.
    j = rng_layout.normal(0.0, trial_variability, len(order))
    for c in classes:
        idx = [i for i, o in enumerate(order) if o == c]
        j[idx] -= j[idx].mean()

    bg = pink_noise(n_chans, n_times, sfreq, _BACKGROUND_EXPONENT, rms=1.0,
                    random_state=rng_neural)
    eeg = smoothing_matrix(ch) @ bg * (_BACKGROUND_RMS_UV * 1e-6)
    bands_hz = dict(RHYTHM_BANDS)
    iaf = subj["iaf_hz"]
    bands_hz["alpha"] = (iaf - _ALPHA_HALF_WIDTH, iaf + _ALPHA_HALF_WIDTH)
    for band in BANDS:
        power = subj["baseline"][band] * sess["baseline"][band]
        trial_gain = np.array([gains[c][band] ** (1.0 + jk) for c, jk in zip(order, j)])
        levels = np.sqrt(trial_gain)
        x = band_oscillation(n_times, sfreq, bands_hz[band], random_state=rng_neural)
        src = x * _envelope(x, starts, n_trial, levels, ramp)
        eeg += np.outer(_topography(ch, subj, band), src) * (
            RHYTHM_RMS_UV[band] * 1e-6 * np.sqrt(power))
    eeg *= (subj["channel_gain"] * sess["channel_gain"])[:, None]
    eog = 0.3 * eeg[ch.index("Fp1")] + pink_noise(1, n_times, sfreq, 1.0, rms=3e-6,
                                                  random_state=rng_neural)[0]
    data = np.vstack([eeg, eog[None, :]])
    names = [*ch, EOG_CHANNEL]
    bads: list[str] = []
    if artifacts:
        rb, rm, rl = spawn(seed, 3, 2, s, e)
        data = data + blink_artifacts(names, n_times, sfreq, rate_per_min=rb.uniform(8, 20),
                                      random_state=rb)
        data = data + muscle_bursts(names, n_times, sfreq, rate_per_min=rm.uniform(1, 4),
                                    random_state=rm)
        data = data + line_noise(len(names), n_times, sfreq, 50.0,
                                 amplitude=rl.uniform(1e-6, 4e-6), random_state=rl)
        if flat is not None:
            data = flat_channel(data, names.index(flat))
            bads = [flat]
    sub, ses = f"{s + 1:02d}", f"{e + 1:02d}"
    ann = Annotations(onset=starts / sfreq, duration=np.full(len(order), n_trial / sfreq),
                      description=tuple(order))
    meta = {
        "record": f"sub-{sub}_ses-{ses}_task-emotion_eeg",
        "label": "annotations",
        "iaf_hz": iaf,
        "bands_hz": bands_hz,
        "band_baseline": {b: subj["baseline"][b] * sess["baseline"][b] for b in BANDS},
        "state_gains": {c: dict(gains[c]) for c in classes},
        "trial_strength": j.tolist(),
        "classes": list(classes),
        "bads": bads,
        "artifacts": artifacts,
    }
    return Recording(data, sfreq, names, ["eeg"] * n_chans + ["eog"], ann, sub, ses, meta)


def _check_args(
    n_subjects: int, classes: Sequence[str], n_trials_per_class: int, trial_s: float,
    sfreq: float, n_sessions: int, subject_variability: float, trial_variability: float,
) -> tuple[int, list[str], int, float, float, int, float, float]:
    n_subjects = check_int(n_subjects, "n_subjects", min_value=1)
    if isinstance(classes, str) or not isinstance(classes, Sequence) or len(classes) < 1:
        raise TypeError(f"classes must be a sequence of class names; got {classes!r}.")
    classes = [str(c) for c in classes]
    if len(set(classes)) != len(classes):
        raise ValueError(f"classes must be unique; got {classes!r}.")
    n_trials = check_int(n_trials_per_class, "n_trials_per_class", min_value=1)
    trial_s = check_range(trial_s, "trial_s", 2.0, 600.0)
    sfreq = check_range(sfreq, "sfreq", 100.0, 5000.0)
    n_sessions = check_int(n_sessions, "n_sessions", min_value=1)
    sv = check_range(subject_variability, "subject_variability", 0.0, 3.0)
    tv = check_range(trial_variability, "trial_variability", 0.0, 1.0)
    return n_subjects, classes, n_trials, trial_s, sfreq, n_sessions, sv, tv


def simulate_eeg_emotion_recordings(
    n_subjects: int = 8,
    classes: Sequence[str] = ("neutral", "happy", "sad"),
    n_trials_per_class: int = 4,
    trial_s: float = 20.0,
    sfreq: float = 128.0,
    n_sessions: int = 1,
    state_gains: Mapping[str, Mapping[str, float]] | None = None,
    subject_variability: float = 1.0,
    trial_variability: float = 0.2,
    artifacts: bool = True,
    random_state: RandomState = 0,
) -> list[Recording]:
    """Simulate EEG emotion recordings in memory (see the module docstring for the model).

    Parameters
    ----------
    n_subjects : int
        Number of subjects.
    classes : list of str
        Emotion classes; each needs band gains (:data:`STATE_GAINS` or ``state_gains``).
    n_trials_per_class : int
        Trials of each class per session, in shuffled order.
    trial_s : float
        Trial length in seconds (2-600); trials are separated by 2 s of rest.
    sfreq : float
        Sampling frequency in Hz (at least 100, so that gamma fits below Nyquist).
    n_sessions : int
        Sessions per subject.
    state_gains : mapping | None
        ``{class: {band: power gain}}`` overriding or extending :data:`STATE_GAINS`; bands not
        given keep gain 1.
    subject_variability : float
        Scale of every subject- and session-specific offset (0 = identical subjects, 1 =
        default, up to 3).
    trial_variability : float
        Log-SD of the per-trial strength of the state effect (0 = identical trials).
    artifacts : bool
        Add blinks, muscle bursts, 50 Hz line noise and one flat channel.
    random_state : int | numpy.random.Generator | None
        Seed; the same seed gives the same data.

    Returns
    -------
    list of Recording
        One recording per subject and session (subject ``"01"``..., session ``"01"``...),
        19 EEG channels (:data:`~mindstate.simulate.eeg.STANDARD_1020`) plus ``VEOG`` (type
        ``eog``), in volts; each trial is an annotation whose description is its class.
        ``meta`` holds ``record`` (the BIDS file stem), ``label = "annotations"`` and the
        ground truth (``iaf_hz``, ``bands_hz``, ``band_baseline``, ``state_gains``,
        ``trial_strength``, ``bads``).
    """
    (n_subjects, classes, n_trials, trial_s, sfreq, n_sessions, sv,
     tv) = _check_args(n_subjects, classes, n_trials_per_class, trial_s, sfreq, n_sessions,
                       subject_variability, trial_variability)
    gains = _check_gains(classes, state_gains)
    artifacts = bool(check_type(artifacts, bool, "artifacts"))
    seed = resolve_seed(random_state)
    (rng_pop,) = spawn(seed, 1, 0)
    n_eeg = len(STANDARD_1020)
    flat_subject = int(rng_pop.integers(n_subjects))
    flat_name = str(rng_pop.choice([c for c in STANDARD_1020 if c not in ("Fp1", "Fp2")]))
    recordings = []
    for s in range(n_subjects):
        (rng_s,) = spawn(seed, 1, 3, s)
        subj = _subject_params(rng_s, sv, n_eeg)
        for e in range(n_sessions):
            sess = {
                "baseline": {b: float(np.exp(sv * rng_s.normal(0, 0.15))) if e else 1.0
                             for b in BANDS},
                "channel_gain": np.exp(sv * rng_s.normal(0, 0.05, n_eeg)) if e
                else np.ones(n_eeg),
            }
            flat = flat_name if (s == flat_subject and e == 0) else None
            recordings.append(_one_recording(seed, s, e, subj, sess, classes, gains, n_trials,
                                             trial_s, sfreq, tv, artifacts, flat))
    return recordings


def _tsv(rows: list[dict[str, Any]], columns: Sequence[str]) -> str:
    lines = ["\t".join(columns)]
    for r in rows:
        lines.append("\t".join(_fmt(r[c]) for c in columns))
    return "\n".join(lines) + "\n"


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def simulate_eeg_emotion(
    out_dir: str | os.PathLike[str],
    n_subjects: int = 8,
    classes: Sequence[str] = ("neutral", "happy", "sad"),
    n_trials_per_class: int = 4,
    trial_s: float = 20.0,
    sfreq: float = 128.0,
    n_sessions: int = 1,
    state_gains: Mapping[str, Mapping[str, float]] | None = None,
    subject_variability: float = 1.0,
    trial_variability: float = 0.2,
    artifacts: bool = True,
    random_state: RandomState = 0,
    *,
    overwrite: bool = False,
) -> Path:
    """Write the simulated EEG emotion dataset as a BIDS folder (read by ``"bids-eeg"``).

    Layout::

        ROOT/dataset_description.json
        ROOT/participants.tsv
        ROOT/sub-01/ses-01/eeg/sub-01_ses-01_task-emotion_eeg.edf
        ROOT/sub-01/ses-01/eeg/sub-01_ses-01_task-emotion_eeg.json
        ROOT/sub-01/ses-01/eeg/sub-01_ses-01_task-emotion_channels.tsv
        ROOT/sub-01/ses-01/eeg/sub-01_ses-01_task-emotion_events.tsv

    ``channels.tsv`` has the columns ``name, type, units, status``; ``events.tsv`` has
    ``onset, duration, trial_type``. The EDF holds no annotations (events live in
    ``events.tsv``). ``dataset_description.json`` records the classes, the seed and the
    ground truth.

    Parameters
    ----------
    out_dir : path-like
        Root folder to create (refused if it exists and is not empty, unless ``overwrite``).
    n_subjects : int
        Number of subjects.
    classes : list of str
        Emotion classes (written to ``classes`` of ``dataset_description.json``).
    n_trials_per_class : int
        Trials of each class per session.
    trial_s : float
        Trial length in seconds.
    sfreq : float
        Sampling frequency in Hz.
    n_sessions : int
        Sessions per subject (``ses-01`` ...).
    state_gains : mapping | None
        ``{class: {band: power gain}}`` overriding or extending :data:`STATE_GAINS`.
    subject_variability : float
        Scale of the subject- and session-specific offsets.
    trial_variability : float
        Log-SD of the per-trial strength of the state effect.
    artifacts : bool
        Add blinks, muscle bursts, line noise and one flat channel.
    random_state : int | numpy.random.Generator | None
        Seed, recorded as ``seed`` in ``dataset_description.json``.
    overwrite : bool
        Replace the files of an earlier simulation in ``out_dir``.

    Returns
    -------
    Path
        ``out_dir``.
    """
    from .. import __version__

    seed = resolve_seed(random_state)
    recs = simulate_eeg_emotion_recordings(
        n_subjects, classes, n_trials_per_class, trial_s, sfreq, n_sessions, state_gains,
        subject_variability, trial_variability, artifacts, seed,
    )
    classes = list(recs[0].meta["classes"])
    bads = {(r.subject, r.session): r.meta["bads"] for r in recs}
    description = {
        "Name": "mindstate simulated EEG emotion",
        "BIDSVersion": "1.9.0",
        "classes": classes,
        "GeneratedBy": [{"Name": "mindstate", "Version": __version__}],
        "seed": seed,
        "ground_truth": {
            "state_gains": recs[0].meta["state_gains"],
            "gain_meaning": "power of each rhythm generator in a trial of this class, relative "
                            "to the subject's rest level (ratio; 1 = no change)",
            "rhythm_bands_hz": {b: list(v) for b, v in RHYTHM_BANDS.items()},
            "alpha_band": "iaf_hz - 1 to iaf_hz + 1 (iaf_hz per participant in "
                          "participants.tsv)",
            "rhythm_rms_uv": RHYTHM_RMS_UV,
            "subject_variability": float(subject_variability),
            "trial_variability": float(trial_variability),
            "artifacts": bool(artifacts),
            "bad_channels": {f"sub-{k[0]}_ses-{k[1]}": v for k, v in bads.items() if v},
        },
    }
    with atomic_dataset_dir(out_dir, overwrite=overwrite) as root:
        (root / "dataset_description.json").write_text(json.dumps(description, indent=2) + "\n")
        participants = []
        for r in recs:
            if r.session != "01":
                continue
            row = {"participant_id": f"sub-{r.subject}", "iaf_hz": round(r.meta["iaf_hz"], 3)}
            row.update({f"{b}_baseline": round(r.meta["band_baseline"][b], 4) for b in BANDS})
            subject_bads = sorted({c for (sub, _), v in bads.items() if sub == r.subject
                                   for c in v})
            row["bad_channels"] = ",".join(subject_bads) or "n/a"
            participants.append(row)
        (root / "participants.tsv").write_text(_tsv(participants, list(participants[0])))
        for r in recs:
            stem = f"sub-{r.subject}_ses-{r.session}_task-emotion"
            folder = root / f"sub-{r.subject}" / f"ses-{r.session}" / "eeg"
            folder.mkdir(parents=True, exist_ok=True)
            clean = Recording(r.data, r.sfreq, r.ch_names, r.ch_types, Annotations(),
                              r.subject, r.session, {})
            write_edf(clean, folder / f"{stem}_eeg.edf")
            types = {"eeg": "EEG", "eog": "EOG"}
            rows = [{"name": n, "type": types[t], "units": "V",
                     "status": "bad" if n in r.meta["bads"] else "good"}
                    for n, t in zip(r.ch_names, r.ch_types or [])]
            (folder / f"{stem}_channels.tsv").write_text(
                _tsv(rows, ["name", "type", "units", "status"]))
            ann = r.annotations
            events = [{"onset": f"{o:.3f}", "duration": f"{d:.3f}", "trial_type": t}
                      for o, d, t in zip(ann.onset, ann.duration, ann.description)]
            (folder / f"{stem}_events.tsv").write_text(
                _tsv(events, ["onset", "duration", "trial_type"]))
            sidecar = {
                "TaskName": "emotion", "SamplingFrequency": r.sfreq, "PowerLineFrequency": 50,
                "EEGReference": "simulated common reference", "SoftwareFilters": "n/a",
                "EEGChannelCount": len(STANDARD_1020), "EOGChannelCount": 1,
                "RecordingDuration": r.duration,
            }
            (folder / f"{stem}_eeg.json").write_text(json.dumps(sidecar, indent=2) + "\n")
    return Path(out_dir)
