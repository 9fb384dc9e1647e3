"""Generic BIDS-style EEG folders (EDF/BDF + channels.tsv + events.tsv), read and written.

Layout (BIDS 1.9 EEG; the ``ses-`` level is optional)::

    ROOT/dataset_description.json   {"Name": ..., "BIDSVersion": "1.9.0", "classes": [...]}
    ROOT/participants.tsv           participant_id (sub-01 ...) + optional columns
    ROOT/sub-01/ses-01/eeg/sub-01_ses-01_task-emotion_eeg.edf
    ROOT/sub-01/ses-01/eeg/sub-01_ses-01_task-emotion_eeg.json       (written, not needed)
    ROOT/sub-01/ses-01/eeg/sub-01_ses-01_task-emotion_channels.tsv   name, type, units, status
    ROOT/sub-01/ses-01/eeg/sub-01_ses-01_task-emotion_events.tsv     onset, duration, trial_type

``classes`` in ``dataset_description.json`` is a mindstate extension (BIDS allows extra
keys): the ordered class names that ``trial_type`` uses. Each event is one trial, so
recordings carry ``meta["label"] = "annotations"`` and windowing cuts windows inside events.
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
from ..edf import read_edf, write_edf
from ..recording import Annotations, Recording
from .base import DATASETS, Dataset, natural_key

__all__ = [
    "BIDSEEG",
    "BIDS_TYPES",
    "make_fake_bids_eeg",
    "read_bids_eeg",
    "write_bids_eeg",
]

#: BIDS channel type (channels.tsv ``type``, upper case) → mindstate channel type.
#: Types not listed (e.g. ``SYSCLOCK``, ``AUDIO``) are read as ``misc``.
BIDS_TYPES = {
    "EEG": "eeg", "EOG": "eog", "VEOG": "eog", "HEOG": "eog", "ECG": "ecg", "EKG": "ecg",
    "EMG": "emg", "MISC": "misc", "REF": "ref", "TRIG": "stim", "STIM": "stim", "PPG": "ppg",
    "GSR": "eda", "EDA": "eda", "TEMP": "temp", "RESP": "resp", "ACCEL": "acc", "HR": "hr",
}
_TO_BIDS = {"eeg": "EEG", "eog": "EOG", "ecg": "ECG", "emg": "EMG", "misc": "MISC",
            "ref": "REF", "stim": "TRIG", "ppg": "PPG", "eda": "GSR", "temp": "TEMP",
            "resp": "RESP", "acc": "ACCEL", "hr": "HR"}
# Units of the values as they are stored in the EDF written by write_edf (MNE exports
# EEG/EOG/ECG/EMG in µV and every other channel unscaled, in its SI unit).
_UNITS = {"eeg": "µV", "eog": "µV", "ecg": "µV", "emg": "µV", "ref": "V", "misc": "n/a",
          "stim": "n/a", "ppg": "n/a", "eda": "S", "temp": "°C", "resp": "n/a",
          "acc": "m/s^2", "hr": "bpm"}
_LABEL = re.compile(r"^[A-Za-z0-9]+$")
_SUFFIXES = (".edf", ".bdf")
BIDS_VERSION = "1.9.0"


# ---------------------------------------------------------------------------- helpers
def _entities(path: Path) -> dict[str, str]:
    """``sub-01_ses-02_task-x_run-1_eeg.edf`` → {"sub": "01", "ses": "02", ...}."""
    parts = path.name[: -len(path.suffix)].split("_") if path.suffix else [path.name]
    ok = len(parts) >= 2 and parts[-1] == "eeg" and path.suffix.lower() in _SUFFIXES
    ents: dict[str, str] = {}
    for part in parts[:-1]:
        key, sep, value = part.partition("-")
        if not sep or not value:
            ok = False
            break
        ents[key] = value
    if not ok or "sub" not in ents:
        raise ValueError(
            f"{path}: not a BIDS EEG file name; expected sub-<label>[_ses-<label>]"
            "_task-<label>[_run-<index>]_eeg.edf (or .bdf)."
        )
    return ents


def _read_tsv(path: Path) -> list[dict[str, str]]:
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh, delimiter="\t")
            rows = [dict(r) for r in reader]
            fields = reader.fieldnames or []
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ReaderError(f"{path}: not a readable TSV file ({exc}).") from exc
    if not fields:
        raise ReaderError(f"{path}: empty TSV file (no header row).")
    for k, row in enumerate(rows):
        if None in row or any(v is None for v in row.values()):
            raise ReaderError(f"{path}: row {k + 2} has a different number of columns than "
                              "the header.")
    return rows


def _tsv_columns(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as fh:
        first = fh.readline().rstrip("\r\n")
    return first.split("\t") if first else []


def _require(path: Path, rows: list[dict[str, str]], columns: Sequence[str]) -> None:
    present = _tsv_columns(path)
    missing = [c for c in columns if c not in present]
    if missing:
        raise ReaderError(f"{path}: missing column(s) {', '.join(missing)}; got "
                          f"{', '.join(present)}.")


def _dataset_root(start: Path) -> Path | None:
    """The nearest ancestor holding ``dataset_description.json``."""
    for folder in [start, *start.parents]:
        if (folder / "dataset_description.json").is_file():
            return folder
    return None


def _read_description(root: Path) -> dict[str, Any]:
    path = root / "dataset_description.json"
    try:
        desc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReaderError(f"{path}: not a readable JSON file ({exc}).") from exc
    if not isinstance(desc, dict):
        raise ReaderError(f"{path}: expected a JSON object; got {type(desc).__name__}.")
    classes = desc.get("classes")
    if classes is not None and (not isinstance(classes, list)
                                or not all(isinstance(c, str) for c in classes)):
        raise ReaderError(f"{path}: 'classes' must be a list of strings; got {classes!r}.")
    return desc


def _float(value: str, path: Path, column: str, row: int) -> float:
    if value.strip().lower() in ("n/a", ""):
        return float("nan")
    try:
        return float(value)
    except ValueError:
        raise ReaderError(f"{path}: row {row}, column {column!r}: expected a number or 'n/a'; "
                          f"got {value!r}.") from None


def _read_events(path: Path) -> Annotations:
    rows = _read_tsv(path)
    _require(path, rows, ("onset", "duration"))
    onset, duration, desc = [], [], []
    for k, row in enumerate(rows, start=2):
        o = _float(row["onset"], path, "onset", k)
        if not np.isfinite(o):
            raise ReaderError(f"{path}: row {k}: onset must be a number; got {row['onset']!r}.")
        d = _float(row["duration"], path, "duration", k)
        onset.append(o)
        duration.append(0.0 if not np.isfinite(d) else d)
        desc.append(row.get("trial_type", row.get("value", "n/a")) or "n/a")
    return Annotations(np.asarray(onset), np.asarray(duration), tuple(desc))


def _participant_row(root: Path | None, subject: str) -> dict[str, str] | None:
    if root is None or not (root / "participants.tsv").is_file():
        return None
    path = root / "participants.tsv"
    rows = _read_tsv(path)
    _require(path, rows, ("participant_id",))
    for row in rows:
        if row["participant_id"] == f"sub-{subject}":
            return {k: v for k, v in row.items() if k != "participant_id"}
    return None


# ---------------------------------------------------------------------------- reading
def read_bids_eeg(path: str | os.PathLike[str]) -> Recording:
    """Read one BIDS EEG recording with its sidecars.

    Parameters
    ----------
    path : path-like
        The ``*_eeg.edf`` or ``*_eeg.bdf`` file.

    Returns
    -------
    Recording
        Data in volts; ``subject`` and ``session`` from the ``sub-``/``ses-`` entities
        (``"01"``; session None without a ``ses-`` level); channel types from
        ``*_channels.tsv`` (BIDS types mapped by :data:`BIDS_TYPES`; without the file, MNE's
        types); annotations from ``*_events.tsv`` (``trial_type`` as description, ``n/a``
        durations as 0), falling back to the EDF annotations. ``meta`` holds ``label``
        (``"annotations"``), ``bads`` (channels with status ``bad``), ``task``, ``run``,
        ``entities``, ``participant`` (its participants.tsv row, if any), ``classes`` (from
        dataset_description.json, if any), ``path`` and ``record``.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the file name is not a BIDS EEG name.
    ReaderError
        If a sidecar is malformed or channels.tsv names other channels than the EDF holds.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"BIDS EEG file not found: {path}")
    ents = _entities(path)
    prefix = path.name[: -len("_eeg" + path.suffix)]
    channels_tsv = path.with_name(f"{prefix}_channels.tsv")
    events_tsv = path.with_name(f"{prefix}_events.tsv")
    rec = read_edf(path)
    types = list(rec.ch_types or [])
    bads: list[str] = []
    if channels_tsv.is_file():
        rows = _read_tsv(channels_tsv)
        _require(channels_tsv, rows, ("name", "type"))
        listed = [r["name"] for r in rows]
        extra = [n for n in listed if n not in rec.ch_names]
        absent = [n for n in rec.ch_names if n not in listed]
        if extra or absent:
            raise ReaderError(
                f"{channels_tsv}: does not match the channels of {path.name}: listed but not "
                f"in the file: {extra or 'none'}; in the file but not listed: {absent or 'none'}."
            )
        by_name = {r["name"]: r for r in rows}
        types = [BIDS_TYPES.get(by_name[n]["type"].strip().upper(), "misc")
                 for n in rec.ch_names]
        bads = [n for n in rec.ch_names
                if by_name[n].get("status", "good").strip().lower() == "bad"]
    annotations = _read_events(events_tsv) if events_tsv.is_file() else rec.annotations
    root = _dataset_root(path.parent)
    meta: dict[str, Any] = dict(rec.meta)
    meta.update({"label": "annotations", "bads": bads, "task": ents.get("task"),
                 "run": ents.get("run"), "entities": ents, "dataset": "bids-eeg"})
    participant = _participant_row(root, ents["sub"])
    if participant is not None:
        meta["participant"] = participant
    if root is not None:
        classes = _read_description(root).get("classes")
        if classes is not None:
            meta["classes"] = list(classes)
    return Recording(rec.data, rec.sfreq, rec.ch_names, types, annotations,
                     subject=ents["sub"], session=ents.get("ses"), meta=meta)


@DATASETS.register("bids-eeg")
class BIDSEEG(Dataset):
    """Any BIDS-style EEG dataset; classes are the event ``trial_type`` names.

    Parameters
    ----------
    classes : sequence of str | None
        Class names in label order. Default: the ``classes`` list of the dataset's
        ``dataset_description.json``, read by :meth:`find` (or :meth:`read`) and then
        stored in :attr:`classes`.
    """

    modality = "eeg"
    classes = None

    def __init__(self, classes: Sequence[str] | None = None) -> None:
        if classes is not None:
            check_type(classes, (list, tuple), "classes")
            self.classes = tuple(str(c) for c in classes)

    def _adopt_classes(self, root: Path | None) -> None:
        if self.classes is not None or root is None:
            return
        found = _read_description(root).get("classes")
        if found:
            self.classes = tuple(found)  # type: ignore[misc]

    def find(self, root: str | os.PathLike[str]) -> list[Path]:
        """Every ``*_eeg.edf``/``*_eeg.bdf`` under ``root`` (recursively), or ``root`` itself.

        Parameters
        ----------
        root : path-like
            The dataset root (or any folder inside it), or one EEG file.

        Returns
        -------
        list of Path
            The records, sorted naturally (``S2`` before ``S10``).
        """
        root = Path(root)
        if not root.exists():
            raise FileNotFoundError(f"BIDS EEG data root not found: {root}")
        if root.is_file():
            _entities(root)
            self._adopt_classes(_dataset_root(root.parent))
            return [root]
        files = [p for p in root.rglob("*_eeg.*")
                 if p.suffix.lower() in _SUFFIXES and p.is_file()]
        if not files:
            raise ValueError(f"{root}: no BIDS EEG recordings found; expected files named "
                             "sub-<label>/[ses-<label>/]eeg/sub-<label>_..._eeg.edf (or .bdf).")
        self._adopt_classes(_dataset_root(root))
        return sorted(files, key=natural_key)

    def read(self, path: str | os.PathLike[str]) -> Recording:
        """Read one recording with :func:`read_bids_eeg`.

        Parameters
        ----------
        path : path-like
            A ``*_eeg.edf`` or ``*_eeg.bdf`` file.

        Returns
        -------
        Recording
            See :func:`read_bids_eeg`.
        """
        rec = read_bids_eeg(path)
        if self.classes is None and rec.meta.get("classes"):
            self.classes = tuple(rec.meta["classes"])  # type: ignore[misc]
        return rec

    @classmethod
    def make_fake(cls, out_dir: str | os.PathLike[str], **kwargs: Any) -> Path:
        """Write a tiny fake dataset with :func:`make_fake_bids_eeg`.

        Parameters
        ----------
        out_dir : path-like
            Folder to write into.
        **kwargs
            Passed to :func:`make_fake_bids_eeg`.

        Returns
        -------
        Path
            The dataset root.
        """
        return make_fake_bids_eeg(out_dir, **kwargs)


# ---------------------------------------------------------------------------- writing
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
