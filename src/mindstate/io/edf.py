"""EDF/BDF reading and writing through MNE (reading) and edfio (writing)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..exceptions import ReaderError
from .recording import Recording

__all__ = ["read_edf", "write_edf"]

_SUFFIXES = (".edf", ".bdf")


def read_edf(
    path: str | os.PathLike[str],
    *,
    ch_types: Mapping[str, str] | None = None,
    rename: Mapping[str, str] | None = None,
    subject: str | None = None,
    session: str | None = None,
    meta: Mapping[str, Any] | None = None,
) -> Recording:
    """Read an EDF or BDF file into a :class:`Recording` (volts).

    Parameters
    ----------
    path : path-like
        The ``.edf`` or ``.bdf`` file.
    ch_types : mapping of str to str | None
        Channel types by channel name (after ``rename``); channels not named keep the type
        MNE gives them.
    rename : mapping of str to str | None
        New names for channels, e.g. ``{"EEG Fp1": "Fp1"}``.
    subject, session : str | None
        Identity fields.
    meta : mapping | None
        Extra metadata; ``path`` and ``record`` are added.

    Returns
    -------
    Recording
        The recording, with EDF annotations.
    """
    import mne

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"EDF file not found: {path}")
    if path.suffix.lower() not in _SUFFIXES:
        raise ReaderError(f"{path}: expected an .edf or .bdf file; got suffix {path.suffix!r}.")
    reader = mne.io.read_raw_bdf if path.suffix.lower() == ".bdf" else mne.io.read_raw_edf
    try:
        raw = reader(path, preload=True, verbose="error")
    except Exception as exc:  # MNE raises many types for corrupt files
        raise ReaderError(f"{path}: not a readable EDF/BDF file ({exc}).") from exc
    if raw.n_times == 0:
        raise ReaderError(f"{path}: the file holds no samples (truncated?).")
    if rename:
        raw.rename_channels({k: v for k, v in rename.items() if k in raw.ch_names})
    full_meta = {"path": str(path), "record": path.stem, **dict(meta or {})}
    rec = Recording.from_mne(raw, subject=subject, session=session, meta=full_meta)
    if ch_types:
        types = list(rec.ch_types or [])
        for name, kind in ch_types.items():
            if name in rec.ch_names:
                types[rec.ch_names.index(name)] = kind
        rec = Recording(rec.data, rec.sfreq, rec.ch_names, types, rec.annotations,
                        rec.subject, rec.session, rec.meta)
    return rec


def write_edf(rec: Recording, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write a recording to EDF (physical range per channel, annotations kept), atomically.

    Parameters
    ----------
    rec : Recording
        The recording; data in SI units.
    path : path-like
        Destination ``.edf`` file.
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    Path
        The written path.
    """
    import mne

    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it.")
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = rec.to_mne()
    fd, tmp = tempfile.mkstemp(suffix=".edf", dir=path.parent, prefix=f".{path.stem}.")
    os.close(fd)
    try:
        mne.export.export_raw(tmp, raw, fmt="edf", overwrite=True, verbose="error")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
