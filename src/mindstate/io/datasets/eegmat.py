"""EEG During Mental Arithmetic Tasks (PhysioNet ``eegmat``): rest vs. serial subtraction.

Reference: I. Zyma et al., "Electroencephalograms during Mental Arithmetic Task
Performance", Data 4(1):14, 2019. doi:10.3390/data4010014.

On disk: one EDF per recording, ``SubjectNN_1.edf`` (rest, before the task) and
``SubjectNN_2.edf`` (during the task), 500 Hz, 21 signals in this order: 19 scalp channels
``EEG Fp1`` ... ``EEG Pz`` (old 10-20 names: T3/T4/T5/T6 = T7/T8/P7/P8), ``EEG A2-A1``
(the ear reference derivation) and ``ECG ECG``. MNE types every one of them as EEG; this
reader sets the types itself. An optional ``subject-info.csv`` beside the files gives age,
gender and count quality per subject.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from ..._validation import check_int, check_range, check_sfreq
from ..edf import read_edf, read_edf_header, write_edf
from ..recording import Recording
from .base import DATASETS, Dataset, natural_key

__all__ = ["EEGMAT_CHANNELS", "EEGMAT_EEG", "EEGMat", "make_fake_eegmat", "read_eegmat"]

#: The 19 scalp EEG channels, normalised names, in file order.
EEGMAT_EEG = ("Fp1", "Fp2", "F3", "F4", "F7", "F8", "T3", "T4", "C3", "C4", "T5", "T6",
              "P3", "P4", "O1", "O2", "Fz", "Cz", "Pz")
#: The 21 signal labels exactly as they appear in the EDF headers.
EEGMAT_CHANNELS = tuple(f"EEG {c}" for c in EEGMAT_EEG) + ("EEG A2-A1", "ECG ECG")

_PATTERN = re.compile(r"^Subject(\d+)_([12])\.edf$", re.IGNORECASE)
_PATTERN_TEXT = "SubjectNN_1.edf (rest) or SubjectNN_2.edf (task)"
_LABELS = {"1": "rest", "2": "task"}


def _normalise(label: str) -> str:
    """``"EEG Fp1"`` → ``"Fp1"``, ``"EEG A2-A1"`` → ``"A2-A1"``, ``"ECG ECG"`` → ``"ECG"``."""
    for prefix in ("EEG ", "ECG "):
        if label.upper().startswith(prefix):
            return label[len(prefix):].strip()
    return label.strip()


def _channel_type(name: str) -> str:
    if name in EEGMAT_EEG:
        return "eeg"
    if name.upper() in ("A2-A1", "A1-A2"):
        return "ref"
    if name.upper() in ("ECG", "EKG"):
        return "ecg"
    return "misc"


def _subject_info(folder: Path, subject: str) -> dict[str, str] | None:
    info = folder / "subject-info.csv"
    if not info.is_file():
        return None
    with open(info, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row.get("Subject") == subject:
                return {k: v for k, v in row.items() if k != "Subject"}
    return None


def read_eegmat(path: str | os.PathLike[str]) -> Recording:
    """Read one ``SubjectNN_{1,2}.edf`` recording of the mental-arithmetic dataset.

    Parameters
    ----------
    path : path-like
        The EDF file.

    Returns
    -------
    Recording
        Data in volts at 500 Hz; channels named ``Fp1`` ... ``Pz`` (type ``eeg``),
        ``A2-A1`` (type ``ref``) and ``ECG`` (type ``ecg``); ``subject`` = ``"SubjectNN"``,
        ``session`` None; ``meta["label"]`` = ``"rest"`` (``_1``) or ``"task"`` (``_2``),
        ``meta["record"]`` = the file stem, ``meta["path"]``, and ``meta["subject_info"]``
        (the row of ``subject-info.csv`` when the file sits beside it).

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the file name does not match ``SubjectNN_{1,2}.edf`` or the file lacks one of the
        19 EEG channels (wrong channel set, e.g. an 8-channel derivative copy).
    ReaderError
        If the EDF is truncated or corrupt.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"eegmat recording not found: {path}")
    match = _PATTERN.match(path.name)
    if match is None:
        raise ValueError(
            f"{path}: file name does not match the eegmat pattern {_PATTERN_TEXT}."
        )
    header = read_edf_header(path)
    names = [_normalise(lab) for lab in header["labels"] if lab != "EDF Annotations"]
    missing = [c for c in EEGMAT_EEG if c not in names]
    if missing:
        raise ValueError(
            f"{path}: wrong channel set for eegmat: missing EEG channel(s) "
            f"{', '.join(missing)} (found {', '.join(names)}). The dataset has 19 10-20 EEG "
            "channels plus A2-A1 and ECG; use the original 21-channel PhysioNet files."
        )
    subject = f"Subject{match.group(1)}"
    rename = {lab: _normalise(lab) for lab in header["labels"]}
    ch_types = {name: _channel_type(name) for name in names}
    meta: dict[str, Any] = {"label": _LABELS[match.group(2)], "dataset": "eegmat"}
    info = _subject_info(path.parent, subject)
    if info is not None:
        meta["subject_info"] = info
    return read_edf(path, ch_types=ch_types, rename=rename, subject=subject, meta=meta)


def _find_files(root: Path) -> list[Path]:
    if not root.exists():
        raise FileNotFoundError(f"eegmat data root not found: {root}")
    if root.is_file():
        if _PATTERN.match(root.name) is None:
            raise ValueError(f"{root}: file name does not match the eegmat pattern "
                             f"{_PATTERN_TEXT}.")
        return [root]
    files = [p for p in root.iterdir() if p.is_file() and _PATTERN.match(p.name)]
    if not files:
        raise ValueError(
            f"{root}: no eegmat recordings found; expected files named {_PATTERN_TEXT} "
            "directly in this folder."
        )
    return sorted(files, key=natural_key)


@DATASETS.register("eegmat")
class EEGMat(Dataset):
    """PhysioNet EEG During Mental Arithmetic Tasks: rest (``_1``) vs. task (``_2``).

    ``find(root)`` takes the folder of ``SubjectNN_{1,2}.edf`` files (or one file);
    ``read(path)`` is :func:`read_eegmat`.
    """

    modality = "eeg"
    classes = ("rest", "task")

    def find(self, root: str | os.PathLike[str]) -> list[Path]:
        """Every ``SubjectNN_{1,2}.edf`` directly in ``root``, or ``root`` itself.

        Parameters
        ----------
        root : path-like
            The folder of EDF files, or one EDF file.

        Returns
        -------
        list of Path
            The records, sorted naturally (``S2`` before ``S10``).
        """
        return _find_files(Path(root))

    def read(self, path: str | os.PathLike[str]) -> Recording:
        """Read one recording with :func:`read_eegmat`.

        Parameters
        ----------
        path : path-like
            A ``SubjectNN_{1,2}.edf`` file.

        Returns
        -------
        Recording
            See :func:`read_eegmat`.
        """
        return read_eegmat(path)

    @classmethod
    def make_fake(cls, out_dir: str | os.PathLike[str], **kwargs: Any) -> Path:
        """Write a tiny fake dataset with :func:`make_fake_eegmat`.

        Parameters
        ----------
        out_dir : path-like
            Folder to write into.
        **kwargs
            Passed to :func:`make_fake_eegmat`.

        Returns
        -------
        Path
            The dataset root.
        """
        return make_fake_eegmat(out_dir, **kwargs)


# ---------------------------------------------------------------------------- fake data
def _pink(rng: np.random.Generator, n_chans: int, n_times: int) -> np.ndarray:
    """Unit-variance 1/f noise, shape (n_chans, n_times)."""
    spec = np.fft.rfft(rng.standard_normal((n_chans, n_times)), axis=1)
    f = np.arange(spec.shape[1], dtype=float)
    f[0] = 1.0
    x = np.fft.irfft(spec / np.sqrt(f), n=n_times, axis=1)
    return x / x.std(axis=1, keepdims=True)


def _fake_recording(
    rng: np.random.Generator, duration: float, sfreq: float, rest: bool,
    alpha_freq: float, gain: float,
) -> np.ndarray:
    n = int(round(duration * sfreq))
    t = np.arange(n) / sfreq
    n_eeg = len(EEGMAT_EEG)
    eeg = 8e-6 * gain * _pink(rng, n_eeg, n)
    # Alpha: posterior-dominant, about 3x stronger at rest; slow amplitude modulation.
    posterior = np.array([0.3 if c.startswith(("Fp", "F")) else 1.0 if c.startswith(("O", "P"))
                          else 0.6 for c in EEGMAT_EEG])
    alpha_amp = (12e-6 if rest else 4e-6) * gain
    envelope = 1.0 + 0.3 * np.sin(2 * np.pi * 0.2 * t + rng.uniform(0, 2 * np.pi))
    phase = rng.uniform(0, 2 * np.pi, n_eeg)[:, None]
    eeg += alpha_amp * posterior[:, None] * envelope * np.sin(2 * np.pi * alpha_freq * t + phase)
    if not rest:  # frontal theta and beta during mental arithmetic
        frontal = np.array([1.0 if c.startswith(("F", "Fp")) or c == "Cz" else 0.3
                            for c in EEGMAT_EEG])
        eeg += 4e-6 * gain * frontal[:, None] * np.sin(2 * np.pi * 6.0 * t + phase)
        eeg += 2e-6 * gain * _pink(rng, n_eeg, n) * np.sin(2 * np.pi * 20.0 * t)
    ref = 2e-6 * _pink(rng, 1, n)
    # ECG: a Gaussian QRS-like spike train at about 70 bpm (75 bpm in the task), ~1 mV.
    rate = 70.0 if rest else 78.0
    beats = np.arange(rng.uniform(0, 0.5), duration, 60.0 / rate)
    ecg = np.zeros(n)
    for b in beats:
        ecg += 1e-3 * np.exp(-0.5 * ((t - b) / 0.012) ** 2)
        ecg += 0.15e-3 * np.exp(-0.5 * ((t - b - 0.25) / 0.04) ** 2)  # T wave
    ecg += 20e-6 * rng.standard_normal(n)
    return np.vstack([eeg, ref, ecg[None, :]])


def make_fake_eegmat(
    out_dir: str | os.PathLike[str],
    n_subjects: int = 2,
    durations_s: tuple[float, float] = (20.0, 10.0),
    sfreq: float = 500.0,
    random_state: int = 0,
    *,
    overwrite: bool = False,
) -> Path:
    """Write a tiny eegmat-format dataset: real EDFs with the real 21 channel labels.

    Each subject gets ``SubjectNN_1.edf`` (rest) and ``SubjectNN_2.edf`` (task): 1/f
    background of about 8 µV, a posterior alpha rhythm (subject-specific frequency
    9-11 Hz) about three times stronger at rest, frontal theta and beta during the task, a
    small A2-A1 reference signal and a ~1 mV ECG-like spike train. A matching
    ``subject-info.csv`` is written too.

    Parameters
    ----------
    out_dir : path-like
        Folder to write into (created if needed).
    n_subjects : int
        Number of subjects (``Subject00`` ...).
    durations_s : tuple of (float, float)
        Lengths in seconds of the rest and task recordings.
    sfreq : float
        Sampling frequency in Hz.
    random_state : int
        Seed.
    overwrite : bool
        Replace existing files of the same names.

    Returns
    -------
    Path
        ``out_dir``.
    """
    n_subjects = check_int(n_subjects, "n_subjects", min_value=1)
    sfreq = check_sfreq(sfreq)
    if len(durations_s) != 2:
        raise ValueError(f"durations_s must be (rest_s, task_s); got {durations_s!r}.")
    rest_s, task_s = (check_range(d, "durations_s", 1.0, None) for d in durations_s)
    out = Path(out_dir)
    info = out / "subject-info.csv"
    if info.exists() and not overwrite:
        raise FileExistsError(f"{info} exists; pass overwrite=True to replace it.")
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(random_state)
    types = ["eeg"] * len(EEGMAT_EEG) + ["ref", "ecg"]
    rows = []
    for s in range(n_subjects):
        subject = f"Subject{s:02d}"
        alpha_freq = rng.uniform(9.0, 11.0)
        gain = rng.uniform(0.7, 1.4)
        for run, duration in (("1", rest_s), ("2", task_s)):
            data = _fake_recording(rng, duration, sfreq, run == "1", alpha_freq, gain)
            rec = Recording(data, sfreq, list(EEGMAT_CHANNELS), types, subject=subject)
            write_edf(rec, out / f"{subject}_{run}.edf", overwrite=overwrite)
        rows.append([subject, str(int(rng.integers(18, 27))), str(rng.choice(["F", "M"])),
                     "2011", f"{rng.uniform(5, 30):.2f}", str(int(s % 2 == 1))])
    with open(info, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Subject", "Age", "Gender", "Recording year",
                         "Number of subtractions", "Count quality"])
        writer.writerows(rows)
    return out
