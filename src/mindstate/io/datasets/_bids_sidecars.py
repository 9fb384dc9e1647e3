"""BIDS file-name entities and sidecar (TSV, JSON) reading, shared by the reader and writer.

See :mod:`mindstate.io.datasets.bids_eeg` for the layout; this module holds what both
:func:`~mindstate.io.datasets.bids_eeg.read_bids_eeg` and
:func:`~mindstate.io.datasets.bids_eeg_write.write_bids_eeg` need, so that neither imports
the other's internals.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ...exceptions import ReaderError

__all__: list[str] = []

_SUFFIXES = (".edf", ".bdf")


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
