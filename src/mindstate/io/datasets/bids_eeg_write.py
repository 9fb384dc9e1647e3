"""Write recordings into a BIDS EEG folder, and a fake BIDS EEG dataset for tests.

:func:`write_bids_eeg` writes the EDF, ``*_channels.tsv``, ``*_events.tsv`` and ``*_eeg.json``
and updates ``dataset_description.json`` and ``participants.tsv``; :func:`make_fake_bids_eeg`
builds a small dataset whose event classes change the EEG. Both are re-exported by
:mod:`mindstate.io.datasets.bids_eeg`, which reads what they write.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..._validation import check_int, check_range, check_sfreq, check_type
from ...exceptions import ReaderError
from ..edf import write_edf
from ..recording import Annotations, Recording
from ._bids_sidecars import _read_description, _read_tsv, _tsv_columns
from .base import natural_key

__all__ = ["BIDS_VERSION", "make_fake_bids_eeg", "write_bids_eeg"]

_TO_BIDS = {"eeg": "EEG", "eog": "EOG", "ecg": "ECG", "emg": "EMG", "misc": "MISC",
            "ref": "REF", "stim": "TRIG", "ppg": "PPG", "eda": "GSR", "temp": "TEMP",
            "resp": "RESP", "acc": "ACCEL", "hr": "HR"}
# Units of the values as they are stored in the EDF written by write_edf (MNE exports
# EEG/EOG/ECG/EMG in µV and every other channel unscaled, in its SI unit).
_UNITS = {"eeg": "µV", "eog": "µV", "ecg": "µV", "emg": "µV", "ref": "V", "misc": "n/a",
          "stim": "n/a", "ppg": "n/a", "eda": "S", "temp": "°C", "resp": "n/a",
          "acc": "m/s^2", "hr": "bpm"}
_LABEL = re.compile(r"^[A-Za-z0-9]+$")
BIDS_VERSION = "1.9.0"


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    try:
        with open(tmp, "x", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _tsv_text(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter="\t", lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buf.getvalue()


def _fmt_num(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{x:.6f}".rstrip("0").rstrip(".") or "0"


def _update_description(root: Path, classes: Sequence[str] | None) -> None:
    path = root / "dataset_description.json"
    if path.is_file():
        desc = _read_description(root)
        if classes is None or desc.get("classes") == list(classes):
            return
        if desc.get("classes") is not None:
            raise ValueError(f"{path}: holds classes {desc['classes']!r}, which differ from "
                             f"classes={list(classes)!r}; write into another root or fix it.")
    else:
        desc = {"Name": root.name or "mindstate EEG dataset", "BIDSVersion": BIDS_VERSION,
                "DatasetType": "raw", "GeneratedBy": [{"Name": "mindstate"}]}
    if classes is not None:
        desc["classes"] = list(classes)
    _atomic_write(path, json.dumps(desc, indent=2) + "\n")


def _update_participants(root: Path, subject: str, info: dict[str, Any]) -> None:
    path = root / "participants.tsv"
    rows: list[dict[str, str]] = []
    columns = ["participant_id"]
    if path.is_file():
        rows = _read_tsv(path)
        columns = _tsv_columns(path)
        if "participant_id" not in columns:
            raise ReaderError(f"{path}: missing column participant_id; got {columns}.")
    pid = f"sub-{subject}"
    for key in info:
        if key not in columns:
            columns.append(str(key))
    row = next((r for r in rows if r.get("participant_id") == pid), None)
    if row is None:
        row = {"participant_id": pid}
        rows.append(row)
    row.update({str(k): str(v) for k, v in info.items()})
    rows.sort(key=lambda r: natural_key(r["participant_id"]))
    _atomic_write(path, _tsv_text(columns, [[r.get(c, "n/a") or "n/a" for c in columns]
                                            for r in rows]))


def write_bids_eeg(
    rec: Recording,
    root: str | os.PathLike[str],
    *,
    task: str,
    run: int | None = None,
    classes: Sequence[str] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a recording into a BIDS EEG folder (EDF + sidecars) and update the root files.

    Parameters
    ----------
    rec : Recording
        Needs ``subject``; ``session`` adds a ``ses-`` level. ``rec.meta["bads"]`` marks
        channels ``bad`` in channels.tsv; ``rec.meta["participant"]`` (a dict) adds
        columns to participants.tsv. Annotations become events.tsv (``trial_type`` =
        description).
    root : path-like
        Dataset root (created if needed).
    task : str
        The ``task-`` label (letters and digits).
    run : int | None
        Optional ``run-`` index.
    classes : sequence of str | None
        Class names stored in dataset_description.json (created when missing with
        ``Name``, ``BIDSVersion`` 1.9.0 and ``DatasetType``).
    overwrite : bool
        Replace an existing recording of the same name.

    Returns
    -------
    Path
        The written ``*_eeg.edf`` file.

    Raises
    ------
    ValueError
        If ``rec.subject`` is missing, a label is not alphanumeric, or ``classes`` differ from
        those already in dataset_description.json.
    FileExistsError
        If the recording exists and ``overwrite`` is False.
    """
    check_type(rec, Recording, "rec")
    check_type(task, str, "task")
    if rec.subject is None:
        raise ValueError("rec.subject must be set to write BIDS (it names sub-<label>); "
                         "got None.")
    labels = {"subject": rec.subject, "task": task}
    if rec.session is not None:
        labels["session"] = rec.session
    for name, value in labels.items():
        if not _LABEL.match(value):
            raise ValueError(f"BIDS {name} label must hold only letters and digits; got "
                             f"{value!r}.")
    root = Path(root)
    parts = [f"sub-{rec.subject}"]
    folder = root / f"sub-{rec.subject}"
    if rec.session is not None:
        parts.append(f"ses-{rec.session}")
        folder = folder / f"ses-{rec.session}"
    parts.append(f"task-{task}")
    if run is not None:
        parts.append(f"run-{check_int(run, 'run', min_value=0)}")
    folder = folder / "eeg"
    prefix = "_".join(parts)
    edf = folder / f"{prefix}_eeg.edf"
    if edf.exists() and not overwrite:
        raise FileExistsError(f"{edf} exists; pass overwrite=True to replace it.")
    root.mkdir(parents=True, exist_ok=True)
    _update_description(root, classes)  # first: it may refuse conflicting classes
    folder.mkdir(parents=True, exist_ok=True)
    write_edf(rec, edf, overwrite=overwrite)

    bads = set(rec.meta.get("bads", []))
    types = rec.ch_types or ["eeg"] * rec.n_chans
    _atomic_write(folder / f"{prefix}_channels.tsv", _tsv_text(
        ["name", "type", "units", "status"],
        [[n, _TO_BIDS[t], _UNITS[t], "bad" if n in bads else "good"]
         for n, t in zip(rec.ch_names, types)]))
    ann = rec.annotations
    _atomic_write(folder / f"{prefix}_events.tsv", _tsv_text(
        ["onset", "duration", "trial_type"],
        [[_fmt_num(o), _fmt_num(d), desc]
         for o, d, desc in zip(ann.onset, ann.duration, ann.description)]))
    counts = {t: types.count(t) for t in ("eeg", "eog", "ecg", "emg", "misc")}
    sidecar = {"TaskName": task, "SamplingFrequency": rec.sfreq, "EEGReference": "n/a",
               "PowerLineFrequency": "n/a", "SoftwareFilters": "n/a",
               "EEGChannelCount": counts["eeg"], "EOGChannelCount": counts["eog"],
               "ECGChannelCount": counts["ecg"], "EMGChannelCount": counts["emg"],
               "MiscChannelCount": counts["misc"], "RecordingDuration": rec.duration}
    _atomic_write(folder / f"{prefix}_eeg.json", json.dumps(sidecar, indent=2) + "\n")
    info = rec.meta.get("participant") or {}
    _update_participants(root, rec.subject, dict(info) if isinstance(info, dict) else {})
    return edf


# ---------------------------------------------------------------------------- fake data
_FAKE_EEG = ("Fp1", "Fp2", "F3", "F4", "C3", "C4", "O1", "O2")


def make_fake_bids_eeg(
    out_dir: str | os.PathLike[str],
    n_subjects: int = 2,
    classes: Sequence[str] = ("neutral", "happy"),
    *,
    n_sessions: int = 1,
    trials_per_class: int = 2,
    trial_s: float = 4.0,
    sfreq: float = 128.0,
    task: str = "emotion",
    random_state: int = 0,
    overwrite: bool = False,
) -> Path:
    """Write a tiny BIDS EEG dataset whose event classes change the EEG.

    Each recording holds 8 EEG channels (Fp1 ... O2, µV-scale 1/f background), one EOG
    channel with eye blinks (also seen on Fp1/Fp2) and one ECG channel. Trials of
    ``trial_s`` seconds separated by 1 s gaps follow a shuffled class order; during a trial
    of class ``k`` the occipital alpha (10 Hz) amplitude is ``(1 + k)`` times the baseline
    and frontal beta grows with ``k``; each subject has its own gain and alpha frequency.
    ``C4`` of the first subject carries strong 50 Hz noise and is marked ``bad``.

    Parameters
    ----------
    out_dir : path-like
        Dataset root (created if needed).
    n_subjects : int
        Number of subjects (``sub-01`` ...).
    classes : sequence of str
        Class names, written to dataset_description.json and used as ``trial_type``.
    n_sessions : int
        Sessions per subject (``ses-01`` ...); 0 writes no ``ses-`` level.
    trials_per_class : int
        Trials of each class per recording.
    trial_s : float
        Trial length in seconds.
    sfreq : float
        Sampling frequency in Hz.
    task : str
        The ``task-`` label.
    random_state : int
        Seed.
    overwrite : bool
        Replace existing recordings.

    Returns
    -------
    Path
        ``out_dir``.
    """
    n_subjects = check_int(n_subjects, "n_subjects", min_value=1)
    n_sessions = check_int(n_sessions, "n_sessions", min_value=0)
    trials_per_class = check_int(trials_per_class, "trials_per_class", min_value=1)
    trial_s = check_range(trial_s, "trial_s", 0.5, None)
    sfreq = check_sfreq(sfreq)
    classes = [str(c) for c in classes]
    if not classes:
        raise ValueError("classes must name at least one class; got an empty sequence.")
    root = Path(out_dir)
    rng = np.random.default_rng(random_state)
    names = [*_FAKE_EEG, "VEOG", "ECG"]
    types = ["eeg"] * len(_FAKE_EEG) + ["eog", "ecg"]
    occipital = np.array([0.3, 0.3, 0.5, 0.5, 0.7, 0.7, 1.0, 1.0])
    frontal = occipital[::-1]
    for s in range(n_subjects):
        subject = f"{s + 1:02d}"
        gain = rng.uniform(0.7, 1.4)
        alpha_f = rng.uniform(9.0, 11.5)
        sessions: list[str | None] = [f"{k + 1:02d}" for k in range(n_sessions)] or [None]
        for session in sessions:
            order = rng.permutation(np.repeat(np.arange(len(classes)), trials_per_class))
            gap = 1.0
            duration = gap + len(order) * (trial_s + gap)
            n = int(round(duration * sfreq))
            t = np.arange(n) / sfreq
            spec = np.fft.rfft(rng.standard_normal((len(names), n)), axis=1)
            f = np.arange(spec.shape[1], dtype=float)
            f[0] = 1.0
            data = np.fft.irfft(spec / np.sqrt(f), n=n, axis=1)
            data = 6e-6 * gain * data / data.std(axis=1, keepdims=True)
            alpha_amp = np.full(n, 2e-6 * gain)
            beta_amp = np.zeros(n)
            onsets = gap + np.arange(len(order), dtype=np.float64) * (trial_s + gap)
            for onset, k in zip(onsets, order):
                inside = (t >= onset) & (t < onset + trial_s)
                alpha_amp[inside] *= 1 + k
                beta_amp[inside] = 1.5e-6 * gain * k
            phase = rng.uniform(0, 2 * np.pi, len(_FAKE_EEG))[:, None]
            eeg = data[: len(_FAKE_EEG)]
            eeg += occipital[:, None] * alpha_amp * np.sin(2 * np.pi * alpha_f * t + phase)
            eeg += frontal[:, None] * beta_amp * np.sin(2 * np.pi * 21.0 * t + phase)
            blinks = np.zeros(n)
            for b in rng.uniform(0, duration, size=max(1, int(duration / 4))):
                blinks += 150e-6 * np.exp(-0.5 * ((t - b) / 0.1) ** 2)
            data[len(_FAKE_EEG)] += blinks
            eeg[:2] += 0.4 * blinks
            ecg = np.zeros(n)
            for b in np.arange(rng.uniform(0, 0.8), duration, 60.0 / rng.uniform(60, 80)):
                ecg += 1e-3 * np.exp(-0.5 * ((t - b) / 0.012) ** 2)
            data[-1] = ecg + 10e-6 * rng.standard_normal(n)
            bads = []
            if s == 0:
                data[_FAKE_EEG.index("C4")] += 80e-6 * np.sin(2 * np.pi * 50.0 * t)
                bads = ["C4"]
            ann = Annotations(onsets, np.full(len(onsets), trial_s),
                              tuple(classes[k] for k in order))
            rec = Recording(data, sfreq, names, types, ann, subject=subject, session=session,
                            meta={"bads": bads, "participant": {
                                "age": int(rng.integers(19, 40)),
                                "sex": str(rng.choice(["F", "M"]))}})
            write_bids_eeg(rec, root, task=task, classes=classes, overwrite=overwrite)
    return root
