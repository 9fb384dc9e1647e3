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

The reader and the dataset class live here; the writer and the fake-data generator in
:mod:`mindstate.io.datasets.bids_eeg_write` (re-exported here).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..._validation import check_type
from ...exceptions import ReaderError
from ..edf import read_edf
from ..recording import Annotations, Recording
from ._bids_sidecars import (
    _SUFFIXES,
    _dataset_root,
    _entities,
    _read_description,
    _read_tsv,
    _require,
)
from .base import DATASETS, Dataset, natural_key
from .bids_eeg_write import BIDS_VERSION, make_fake_bids_eeg, write_bids_eeg

__all__ = [
    "BIDSEEG",
    "BIDS_TYPES",
    "BIDS_VERSION",
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


# ---------------------------------------------------------------------------- helpers
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
