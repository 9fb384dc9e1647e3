"""EDF/BDF reading and writing through MNE (reading) and edfio (writing)."""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..exceptions import ReaderError
from .recording import Recording

__all__ = ["read_edf", "read_edf_header", "write_edf"]

_SUFFIXES = (".edf", ".bdf")

# Bytes per signal in the EDF/BDF header, in field order (label, transducer, physical
# dimension, physical min, physical max, digital min, digital max, prefiltering, samples per
# record, reserved).
_SIGNAL_FIELDS = (("label", 16), ("transducer", 80), ("unit", 8), ("physical_min", 8),
                  ("physical_max", 8), ("digital_min", 8), ("digital_max", 8),
                  ("prefilter", 80), ("n_samples", 8), ("reserved", 32))


def _header_int(raw: bytes, path: Path, field: str) -> int:
    text = raw.decode("ascii", errors="replace").strip()
    try:
        return int(float(text)) if text else -2
    except ValueError:
        raise ReaderError(
            f"{path}: not an EDF/BDF file: header field {field!r} should be a number; "
            f"got {text[:20]!r}."
        ) from None


def read_edf_header(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read the fixed header of an EDF/EDF+/BDF file without loading any samples.

    Parameters
    ----------
    path : path-like
        The ``.edf`` or ``.bdf`` file.

    Returns
    -------
    dict
        ``format`` (``"edf"`` or ``"bdf"``), ``header_bytes``, ``n_records`` (``-1`` when
        the writer left it unknown), ``record_duration`` (s), ``labels`` (list of str, the
        signal labels stripped of padding, annotation signals included), ``units`` (list of
        str), ``n_samples`` (samples per record for each signal), ``file_size`` and
        ``expected_size`` (bytes the declared records need; ``None`` if ``n_records`` is -1).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ReaderError
        If the header is too short or a numeric field is not a number.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"EDF file not found: {path}")
    size = path.stat().st_size
    with open(path, "rb") as fh:
        fixed = fh.read(256)
        if len(fixed) < 256:
            raise ReaderError(
                f"{path}: not an EDF/BDF file: {len(fixed)} bytes, shorter than the 256-byte "
                "fixed header (truncated?)."
            )
        fmt = "bdf" if fixed[:8] == b"\xffBIOSEMI" else "edf"
        header_bytes = _header_int(fixed[184:192], path, "number of header bytes")
        n_records = _header_int(fixed[236:244], path, "number of data records")
        duration_text = fixed[244:252].decode("ascii", errors="replace").strip()
        try:
            record_duration = float(duration_text)
        except ValueError:
            raise ReaderError(
                f"{path}: not an EDF/BDF file: header field 'duration of a data record' "
                f"should be a number; got {duration_text[:20]!r}."
            ) from None
        n_signals = _header_int(fixed[252:256], path, "number of signals")
        if n_signals < 1 or header_bytes != 256 * (n_signals + 1):
            raise ReaderError(
                f"{path}: not an EDF/BDF file: the header declares {n_signals} signal(s) and "
                f"{header_bytes} header bytes (expected 256 * (n_signals + 1))."
            )
        rest = fh.read(256 * n_signals)
    if len(rest) < 256 * n_signals:
        raise ReaderError(
            f"{path}: the EDF/BDF header is cut short ({256 + len(rest)} of {header_bytes} "
            "bytes; truncated file)."
        )
    fields: dict[str, list[bytes]] = {}
    pos = 0
    for name, width in _SIGNAL_FIELDS:
        fields[name] = [rest[pos + i * width: pos + (i + 1) * width] for i in range(n_signals)]
        pos += width * n_signals
    labels = [b.decode("latin-1").strip() for b in fields["label"]]
    units = [b.decode("latin-1").strip() for b in fields["unit"]]
    n_samples = [_header_int(b, path, f"samples per record of {lab!r}")
                 for b, lab in zip(fields["n_samples"], labels)]
    bytes_per_sample = 3 if fmt == "bdf" else 2
    expected = None
    if n_records >= 0:
        expected = header_bytes + n_records * sum(n_samples) * bytes_per_sample
    return {
        "format": fmt, "header_bytes": header_bytes, "n_records": n_records,
        "record_duration": record_duration, "labels": labels, "units": units,
        "n_samples": n_samples, "file_size": size, "expected_size": expected,
    }


def _check_edf_size(path: Path) -> dict[str, Any]:
    """Raise ReaderError if the file is shorter than its header declares (MNE would silently
    read fewer samples); warn if it is longer."""
    header = read_edf_header(path)
    expected, size = header["expected_size"], header["file_size"]
    if expected is not None and size < expected:
        raise ReaderError(
            f"{path}: truncated or corrupt EDF/BDF file: the header declares "
            f"{header['n_records']} data records ({expected} bytes) but the file has only "
            f"{size} bytes. Re-download or re-export the file."
        )
    if expected is not None and size > expected:
        warnings.warn(
            f"{path}: {size - expected} byte(s) after the last declared data record are "
            "ignored.", stacklevel=3,
        )
    return header


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

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ReaderError
        If the file is not an EDF/BDF file, or is shorter than its header declares
        (a truncated file, which MNE alone would read silently with fewer samples).
    """
    import mne

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"EDF file not found: {path}")
    if path.suffix.lower() not in _SUFFIXES:
        raise ReaderError(f"{path}: expected an .edf or .bdf file; got suffix {path.suffix!r}.")
    _check_edf_size(path)
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
    # A fresh, unique name (not mkstemp, which would leave the file mode 0600).
    tmp = str(path.parent / f".{path.stem}.{uuid.uuid4().hex}.edf")
    try:
        mne.export.export_raw(tmp, raw, fmt="edf", overwrite=True, verbose="error")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
