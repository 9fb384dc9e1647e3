"""Stress-Predict: Empatica E4 wrist recordings, stress tasks vs. rest, per-second labels.

Reference: T. Iqbal et al., "Stress Monitoring Using Wearable Sensors: A Pilot Study and
Stress-Predict Dataset", Sensors 22(21):8135, 2022. doi:10.3390/s22218135.

Layout (``italha-d/Stress-Predict-Dataset``, CSVs gzip-compressed in our copy)::

    ROOT/raw/SXX/{ACC,BVP,EDA,HR,IBI,TEMP}.csv.gz   E4 session files (see mindstate.io.e4)
    ROOT/raw/SXX/tags_SXX.csv                       button presses, one unix time per row
    ROOT/processed/Improved_All_Combined_hr_rsp_binary.csv.gz
        Participant, HR, respr, Time(sec), Label    one row per second; Time(sec) is a unix
                                                    second, Label 1 = stress task, 0 = rest

The labels come from the processed file joined on the unix second (the tags have known slips,
see the dataset's SOURCE notes); participants without rows there (S01) are not listed by
:meth:`StressPredict.find`.
"""

from __future__ import annotations

import gzip
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..._validation import check_int, check_range
from ...exceptions import ReaderError
from ..e4 import read_e4, write_e4
from ..recording import PhysioRecording, Signal
from .base import DATASETS, Dataset, natural_key

__all__ = ["LABEL_FILE", "StressPredict", "make_fake_stress_predict"]

#: Path of the per-second label file relative to the dataset root.
LABEL_FILE = Path("processed") / "Improved_All_Combined_hr_rsp_binary.csv.gz"
_LABEL_COLUMNS = ("Participant", "Time(sec)", "Label")
_FOLDER = re.compile(r"^S(\d+)$")


def _participant(folder: Path) -> int:
    match = _FOLDER.match(folder.name)
    if match is None:
        raise ValueError(f"{folder}: a Stress-Predict participant folder is named SXX "
                         "(e.g. S02).")
    return int(match.group(1))


def _load_labels(path: Path) -> dict[int, tuple[NDArray[np.float64], NDArray[np.int64]]]:
    """Parse the processed label file into {participant: (unix seconds, 0/1 labels)}."""
    import pandas as pd

    if not path.is_file():
        raise FileNotFoundError(f"Stress-Predict label file not found: {path}")
    try:
        df = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError, EOFError,
            UnicodeDecodeError) as exc:
        raise ReaderError(f"{path}: not a readable label CSV ({exc}).") from exc
    missing = [c for c in _LABEL_COLUMNS if c not in df.columns]
    if missing:
        raise ReaderError(f"{path}: missing column(s) {', '.join(missing)}; expected "
                          f"{', '.join(_LABEL_COLUMNS)} (got {', '.join(map(str, df.columns))}).")
    sub = df[list(_LABEL_COLUMNS)].apply(pd.to_numeric, errors="coerce")
    if sub.isna().any().any():
        bad = sub.columns[sub.isna().any()].tolist()
        raise ReaderError(f"{path}: missing or non-numeric values in column(s) {bad}.")
    labels = sub["Label"].to_numpy()
    if not np.isin(labels, (0, 1)).all():
        raise ReaderError(f"{path}: Label must be 0 (rest) or 1 (stress); got values "
                          f"{sorted(set(np.unique(labels).tolist()) - {0, 1})[:5]}.")
    out: dict[int, tuple[NDArray[np.float64], NDArray[np.int64]]] = {}
    for pid, grp in sub.groupby("Participant", sort=True):
        grp = grp.sort_values("Time(sec)")
        out[int(pid)] = (grp["Time(sec)"].to_numpy(dtype=np.float64),
                         grp["Label"].to_numpy(dtype=np.int64))
    return out


@DATASETS.register("stress-predict")
class StressPredict(Dataset):
    """Stress-Predict (Empatica E4): rest (0) vs. stress task (1), labelled per second.

    Parameters
    ----------
    label_file : path-like | None
        The processed label file; default ``<root>/processed/Improved_All_Combined_hr_rsp_
        binary.csv.gz`` where ``<root>`` is two levels above each participant folder. It is
        read once per instance and cached.
    """

    modality = "physio"
    classes = ("rest", "stress")

    def __init__(self, label_file: str | os.PathLike[str] | None = None) -> None:
        self.label_file = None if label_file is None else Path(label_file)
        self._labels: dict[Path, dict[int, tuple[NDArray[np.float64], NDArray[np.int64]]]] = {}

    def _label_path(self, participant_folder: Path) -> Path:
        if self.label_file is not None:
            return self.label_file
        return participant_folder.parent.parent / LABEL_FILE

    def labels(self, label_path: str | os.PathLike[str]) -> dict[
            int, tuple[NDArray[np.float64], NDArray[np.int64]]]:
        """The parsed label file, parsed on first use and cached on the instance.

        Parameters
        ----------
        label_path : path-like
            The processed label file.

        Returns
        -------
        dict of int to tuple of (ndarray, ndarray)
            ``{participant number: (unix seconds, 0/1 labels)}``.
        """
        key = Path(label_path).resolve()
        if key not in self._labels:
            self._labels[key] = _load_labels(Path(label_path))
        return self._labels[key]

    def find(self, root: str | os.PathLike[str]) -> list[Path]:
        """Every ``raw/SXX`` folder of ``root`` that has labels.

        Parameters
        ----------
        root : path-like
            The dataset folder (holding ``raw/`` and ``processed/``), or one participant
            folder (``.../raw/S02``).

        Returns
        -------
        list of Path
            The records, sorted naturally (``S2`` before ``S10``).
        """
        root = Path(root)
        if not root.exists():
            raise FileNotFoundError(f"Stress-Predict data root not found: {root}")
        if root.is_dir() and _FOLDER.match(root.name):
            folders = [root]
        else:
            raw = root / "raw"
            if not raw.is_dir():
                raise ValueError(
                    f"{root}: not a Stress-Predict dataset folder: expected raw/SXX/ participant "
                    f"folders and {LABEL_FILE}."
                )
            folders = [p for p in raw.iterdir() if p.is_dir() and _FOLDER.match(p.name)]
        if not folders:
            raise ValueError(f"{root}: no participant folders named SXX under raw/.")
        label_path = self._label_path(folders[0])
        if not label_path.is_file():
            raise ValueError(f"{root}: the label file {label_path} is missing; without it no "
                             "participant has labels.")
        known = self.labels(label_path)
        kept = [p for p in folders if _participant(p) in known]
        if not kept:
            raise ValueError(f"{root}: none of the participant folders "
                             f"({', '.join(sorted(p.name for p in folders))}) has labels in "
                             f"{label_path}.")
        return sorted(kept, key=natural_key)

    def read(self, path: str | os.PathLike[str]) -> PhysioRecording:
        """Read one participant folder (``raw/SXX``) with its per-second labels.

        Parameters
        ----------
        path : path-like
            The participant folder.

        Returns
        -------
        PhysioRecording
            The E4 streams of :func:`~mindstate.io.read_e4`, ``labels`` = (unix seconds,
            0/1 ints), ``label_period`` 1.0, ``subject`` ``"SXX"``.
        """
        folder = Path(path)
        participant = _participant(folder)
        label_path = self._label_path(folder)
        table = self.labels(label_path)
        if participant not in table:
            raise ValueError(f"{folder}: participant {participant} has no rows in the label "
                             f"file {label_path} (S01 is missing there in the original data).")
        rec = read_e4(folder, subject=folder.name,
                      meta={"label_file": str(label_path), "dataset": "stress-predict"})
        times, values = table[participant]
        return replace(rec, labels=(times.copy(), values.copy()), label_period=1.0)

    def find_unlabelled(self, root: str | os.PathLike[str]) -> list[Path]:
        """Participant folders under ``root`` (or ``root`` itself), with or without labels.

        Parameters
        ----------
        root : path-like
            One participant folder (E4 CSVs), or a folder holding ``raw/SXX`` or ``SXX``
            folders.

        Returns
        -------
        list of Path
            The folders, sorted naturally.
        """
        root = Path(root)
        if not root.exists():
            raise FileNotFoundError(f"E4 recording folder not found: {root}")
        if root.is_dir() and any(root.glob("BVP.csv*")):
            return [root]
        base = root / "raw" if (root / "raw").is_dir() else root
        folders = sorted((p for p in base.iterdir() if p.is_dir() and any(p.glob("BVP.csv*"))),
                         key=natural_key)
        if not folders:
            raise ValueError(f"{root}: no Empatica E4 folder (with BVP.csv) found here or in "
                             "raw/.")
        return folders

    def read_unlabelled(self, path: str | os.PathLike[str]) -> PhysioRecording:
        """Read one E4 folder without labels (for inference).

        Parameters
        ----------
        path : path-like
            The participant folder.

        Returns
        -------
        PhysioRecording
            The E4 streams of :func:`~mindstate.io.read_e4`, no labels.
        """
        folder = Path(path)
        return read_e4(folder, subject=folder.name, meta={"dataset": "stress-predict"})

    @classmethod
    def make_fake(cls, out_dir: str | os.PathLike[str], **kwargs: Any) -> Path:
        """Write a tiny fake dataset with :func:`make_fake_stress_predict`.

        Parameters
        ----------
        out_dir : path-like
            Folder to write into.
        **kwargs
            Passed to :func:`make_fake_stress_predict`.

        Returns
        -------
        Path
            The dataset root.
        """
        return make_fake_stress_predict(out_dir, **kwargs)


# ---------------------------------------------------------------------------- fake data
def _stress_mask(t_rel: NDArray[np.float64], duration: float) -> NDArray[np.bool_]:
    """Stress blocks (Stroop-like, interview-like) covering 30 % of the session."""
    f = t_rel / duration
    return ((f >= 0.2) & (f < 0.35)) | ((f >= 0.55) & (f < 0.7))


def _fake_participant(
    rng: np.random.Generator, start: float, duration: float
) -> tuple[PhysioRecording, NDArray[np.float64], NDArray[np.int64], NDArray[np.float64],
           NDArray[np.float64]]:
    """One E4-like session; returns (recording, label times, labels, HR column, respr)."""
    base_hr = rng.uniform(62.0, 80.0)
    base_eda = rng.uniform(0.2, 4.0)  # µS, subject-specific
    base_temp = rng.uniform(30.0, 35.0)
    hr_gain = rng.uniform(8.0, 20.0)

    # Instantaneous heart rate on a fine grid, smoothed stress response.
    t_fine = np.arange(0.0, duration, 0.25)
    stress_fine = _stress_mask(t_fine, duration).astype(float)
    kernel = np.exp(-np.arange(0, 20, 0.25) / 5.0)
    response = np.convolve(stress_fine, kernel / kernel.sum())[: len(t_fine)]
    inst_hr = base_hr + hr_gain * response + 2.0 * np.sin(2 * np.pi * t_fine / 25.0)

    # Beats by integrating the rate; the E4 misses about a quarter of them.
    beats, t = [], rng.uniform(0.2, 0.8)
    while t < duration - 0.5:
        beats.append(t)
        t += 60.0 / np.interp(t, t_fine, inst_hr) * (1.0 + 0.03 * rng.standard_normal())
    beats_a = np.asarray(beats)
    detected = rng.random(len(beats_a)) > 0.25
    both = detected[1:] & detected[:-1]
    ibi = np.column_stack([start + beats_a[1:][both], np.diff(beats_a)[both]])

    # BVP: pulse waves at each beat, inverted as the E4 records them (IBI matches troughs).
    t_bvp = np.arange(int(duration * 64)) / 64.0
    pulse = np.zeros_like(t_bvp)
    for b in beats_a:
        near = slice(max(0, int((b - 0.3) * 64)), min(len(t_bvp), int((b + 0.7) * 64)))
        tt = t_bvp[near] - b
        pulse[near] += np.exp(-0.5 * (tt / 0.06) ** 2) + 0.35 * np.exp(-0.5 * ((tt - 0.3) / 0.08)
                                                                        ** 2)
    bvp = -60.0 * pulse + 5.0 * rng.standard_normal(len(t_bvp))
    bvp -= bvp.mean()

    # EDA (µS): tonic level rising under stress plus phasic SCRs (more during stress).
    t4 = np.arange(int(duration * 4)) / 4.0
    stress4 = _stress_mask(t4, duration)
    tonic = base_eda * (1.0 + 0.3 * np.interp(t4, t_fine, response))
    scr_rate = np.where(stress4, 0.15, 0.03)  # responses per second
    onsets = t4[rng.random(len(t4)) < scr_rate / 4.0]
    phasic = np.zeros_like(t4)
    for o in onsets:
        dt = np.clip(t4 - o, 0.0, None)  # 0 before the onset (no response, no overflow)
        phasic += 0.2 * base_eda * (1 - np.exp(-dt / 0.75)) * np.exp(-dt / 4.0)
    eda = np.clip(tonic + phasic + 0.005 * rng.standard_normal(len(t4)), 0.0, None)
    # Skin temperature (°C) drops slowly under stress.
    temp = base_temp - 0.4 * np.interp(t4, t_fine, response) + 0.02 * rng.standard_normal(len(t4))
    # ACC (1/64 g counts → m/s²): wrist mostly still, z close to 1 g.
    t32 = np.arange(int(duration * 32))
    acc_counts = np.round(np.array([[0.0], [0.0], [64.0]])
                          + 2.0 * rng.standard_normal((3, len(t32))))
    # HR (bpm, 1 Hz) starts 10 s after the other streams, as on the E4.
    t_hr = np.arange(10.0, duration)
    hr = np.interp(t_hr, t_fine, inst_hr) + 1.0 * rng.standard_normal(len(t_hr))

    g = 9.80665
    signals = {
        "bvp": Signal(bvp[None, :], 64.0, ["bvp"], "ppg", start=start, unit="a.u."),
        "eda": Signal(eda[None, :] * 1e-6, 4.0, ["eda"], "eda", start=start, unit="S"),
        "temp": Signal(temp[None, :], 4.0, ["temp"], "temp", start=start, unit="degC"),
        "acc": Signal(acc_counts * g / 64.0, 32.0, ["x", "y", "z"], "acc", start=start,
                      unit="m/s^2"),
        "hr": Signal(np.round(hr, 2)[None, :], 1.0, ["hr"], "hr", start=start + 10.0,
                     unit="bpm"),
    }
    # Tags at the block boundaries, as whole unix seconds.
    edges = np.flatnonzero(np.diff(stress_fine) != 0) + 1
    tags = np.round(start + t_fine[edges])
    rec = PhysioRecording(signals=signals, events={"ibi": ibi, "tags": tags})
    # Processed label rows: Time(sec) = start + 9 ... with HR at t equal to HR.csv at t + 1.
    label_times = start + 9.0 + np.arange(len(t_hr), dtype=np.float64)
    labels = _stress_mask(label_times - start, duration).astype(np.int64)
    respr = 14.0 + 3.0 * labels + 0.5 * rng.standard_normal(len(labels))
    return rec, label_times, labels, np.round(hr, 2), respr


def make_fake_stress_predict(
    out_dir: str | os.PathLike[str],
    n_subjects: int = 2,
    duration_s: float = 120.0,
    random_state: int = 0,
    *,
    n_unlabelled: int = 0,
    overwrite: bool = False,
) -> Path:
    """Write a tiny Stress-Predict dataset in the true layout.

    ``raw/SXX/`` folders hold gzip-compressed E4 CSVs (with the E4 header rows, HR starting
    10 s late, IBI with its ``t0, IBI`` header) and a ``tags_SXX.csv`` with CRLF lines;
    ``processed/Improved_All_Combined_hr_rsp_binary.csv.gz`` holds the per-second labels
    (``Time(sec)`` = start + 9 s). Physiology follows the label: heart rate up 8-20 bpm,
    EDA tonic rise and more skin-conductance responses, skin temperature down 0.4 °C, with
    subject-specific baselines. 30 % of the seconds are stress.

    Parameters
    ----------
    out_dir : path-like
        Dataset root to write (created if needed).
    n_subjects : int
        Number of labelled participants (``S01`` ...).
    duration_s : float
        Session length in seconds (at least 60).
    random_state : int
        Seed.
    n_unlabelled : int
        Extra participant folders, numbered after the labelled ones, that have no rows in
        the label file (like S01 in the real data).
    overwrite : bool
        Replace existing files.

    Returns
    -------
    Path
        ``out_dir``.
    """
    import pandas as pd

    n_subjects = check_int(n_subjects, "n_subjects", min_value=1)
    n_unlabelled = check_int(n_unlabelled, "n_unlabelled", min_value=0)
    duration_s = check_range(duration_s, "duration_s", 60.0, None)
    out = Path(out_dir)
    label_path = out / LABEL_FILE
    if label_path.exists() and not overwrite:
        raise FileExistsError(f"{label_path} exists; pass overwrite=True to replace it.")
    rng = np.random.default_rng(random_state)
    frames = []
    for k in range(1, n_subjects + n_unlabelled + 1):
        name = f"S{k:02d}"
        start = 1644227574.0 + 4000.0 * k
        rec, times, labels, hr, respr = _fake_participant(rng, start, duration_s)
        rec.meta["record"] = name
        write_e4(rec, out / "raw" / name, compress=True, overwrite=overwrite)
        if k <= n_subjects:
            frames.append(pd.DataFrame({"Participant": k, "HR": hr, "respr": respr,
                                        "Time(sec)": times.astype(np.int64), "Label": labels}))
    label_path.parent.mkdir(parents=True, exist_ok=True)
    text = pd.concat(frames, ignore_index=True).to_csv(index=False)
    tmp = label_path.with_name(f".{label_path.name}.tmp")
    tmp.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    os.replace(tmp, label_path)
    return out
