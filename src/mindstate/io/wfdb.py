"""PhysioNet WFDB records (``.hea`` header + ``.dat``/``.mat`` signals, optional ``.atr``).

Read through the ``wfdb`` package. Voltages are converted to volts (``mV`` → V); channel
types come from the signal names: standard ECG leads → ``ecg``, ``PLETH``/``PPG`` →
``ppg``, ``RESP`` → ``resp``, anything else → ``misc``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..exceptions import ReaderError
from .recording import Annotations, Recording

__all__ = ["ECG_LEADS", "read_wfdb", "wfdb_channel_type"]

#: Lower-cased signal names typed ``ecg``: limb, augmented, precordial, Frank and Holter leads.
ECG_LEADS = frozenset({
    "i", "ii", "iii", "avr", "avl", "avf", "v", "v1", "v2", "v3", "v4", "v5", "v6",
    "vx", "vy", "vz", "mli", "mlii", "mliii", "ml2", "ecg", "ekg", "d1", "d2", "d3",
})
_PPG = frozenset({"pleth", "ppg", "bvp"})
_RESP = frozenset({"resp", "respiration"})
_VOLT_SCALE = {"v": 1.0, "mv": 1e-3, "uv": 1e-6, "µv": 1e-6, "μv": 1e-6, "nv": 1e-9}
_SUFFIXES = (".hea", ".dat", ".mat", ".atr", ".xyz")


def wfdb_channel_type(name: str) -> str:
    """The mindstate channel type of a WFDB signal name (case-insensitive).

    Parameters
    ----------
    name : str
        Signal name from the header (``"MLII"``, ``"V5"``, ``"PLETH"`` ...).

    Returns
    -------
    str
        ``"ecg"``, ``"ppg"``, ``"resp"`` or ``"misc"``.
    """
    key = name.strip().lower()
    if key in ECG_LEADS or key.startswith(("ecg", "ekg")):
        return "ecg"
    if key in _PPG:
        return "ppg"
    if key in _RESP:
        return "resp"
    return "misc"


def _record_base(record_path: str | os.PathLike[str]) -> Path:
    path = Path(record_path)
    if path.suffix.lower() in _SUFFIXES:
        path = path.with_suffix("")
    return path


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if n in seen:
            seen[n] += 1
            out.append(f"{n}-{seen[n]}")
        else:
            seen[n] = 1
            out.append(n)
    return out


def read_wfdb(
    record_path: str | os.PathLike[str],
    *,
    subject: str | None = None,
    session: str | None = None,
    meta: Mapping[str, Any] | None = None,
) -> Recording:
    """Read one WFDB record into a :class:`~mindstate.io.Recording`.

    Parameters
    ----------
    record_path : path-like
        The record without extension (``.../100``) or its ``.hea`` file.
    subject, session : str | None
        Identity fields.
    meta : mapping | None
        Extra metadata; ``path`` (the ``.hea`` file), ``record``, ``units`` (the header's
        units per channel), ``comments`` (header comment lines) and, with annotations,
        ``annotation_aux`` (the aux notes, e.g. rhythm labels ``"(N"``) are added.

    Returns
    -------
    Recording
        Data of shape (n_chans, n_times); voltage channels in volts, others in their header
        units (e.g. ``NU`` for PLETH). Annotations from ``<record>.atr`` when present: onset =
        sample / fs in seconds, duration 0, description = the beat/rhythm symbol.

    Raises
    ------
    FileNotFoundError
        If the ``.hea`` file does not exist.
    ReaderError
        If the header or signal file is malformed or truncated; the message names the file.
    """
    import wfdb

    base = _record_base(record_path)
    header = base.with_suffix(".hea")
    if not header.is_file():
        raise FileNotFoundError(f"WFDB header not found: {header}")
    try:
        rec = wfdb.rdrecord(str(base))
    except Exception as exc:  # wfdb raises many types for malformed/truncated records
        raise ReaderError(f"{header}: not a readable WFDB record ({type(exc).__name__}: "
                          f"{exc}). Check that its signal files are complete.") from exc
    signal = np.asarray(rec.p_signal, dtype=np.float64).reshape(-1, len(rec.sig_name))
    if signal.shape[0] == 0 or (rec.sig_len is not None and signal.shape[0] != rec.sig_len):
        raise ReaderError(f"{header}: the header declares {rec.sig_len} samples but "
                          f"{signal.shape[0]} were read (truncated or empty signal file?).")
    names = _unique([str(n) for n in rec.sig_name])
    units = [str(u) for u in (rec.units or [""] * len(names))]
    scale = np.array([_VOLT_SCALE.get(u.strip().lower(), 1.0) for u in units])
    data = signal.T * scale[:, None]
    types = [wfdb_channel_type(n) for n in names]
    fs = float(rec.fs)
    full_meta: dict[str, Any] = {"path": str(header), "record": base.name, "units": units,
                                 "comments": list(rec.comments or [])}
    annotations = Annotations()
    atr = base.with_suffix(".atr")
    if atr.is_file():
        try:
            ann = wfdb.rdann(str(base), "atr")
        except Exception as exc:  # wfdb raises many types for malformed annotation files
            raise ReaderError(f"{atr}: not a readable WFDB annotation file "
                              f"({type(exc).__name__}: {exc}).") from exc
        ann_fs = float(ann.fs) if ann.fs else fs
        onsets = np.asarray(ann.sample, dtype=float) / ann_fs
        annotations = Annotations(onset=onsets, duration=np.zeros(len(onsets)),
                                  description=tuple(ann.symbol))
        full_meta["annotation_aux"] = [str(a).rstrip("\x00") for a in (ann.aux_note or [])]
    full_meta.update(dict(meta or {}))
    return Recording(data=data, sfreq=fs, ch_names=names, ch_types=types,
                     annotations=annotations, subject=subject, session=session, meta=full_meta)
