"""Empatica E4 wristband session folders (ACC, BVP, EDA, HR, IBI, TEMP, tags).

Empatica's CSV convention (``info.txt`` of every E4 export): row 1 is the session start as
a UTC unix timestamp (one value per column), row 2 the sampling rate in Hz, then one sample
per row. ``IBI.csv`` instead has the header ``t0, IBI`` and then rows ``time since t0 (s),
inter-beat interval (s)``; ``tags_*.csv`` holds one unix time per button press (and may be
empty). Files may be gzip-compressed (``.csv.gz``).

Rates and units on disk: BVP 64 Hz (arbitrary units), EDA 4 Hz (µS), TEMP 4 Hz (°C), ACC
32 Hz (3 columns x, y, z in 1/64 g), HR 1 Hz (bpm, starting 10 s after the others).
"""

from __future__ import annotations

import gzip
import io
import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

from ..exceptions import ReaderError
from .recording import PhysioRecording, Signal

__all__ = ["E4_STREAMS", "G", "read_e4", "write_e4"]

#: Standard gravity in m/s² (E4 ACC counts are 1/64 g).
G = 9.80665

#: stream name → (file stem, channel type, channel names, scale to SI, SI unit, required).
E4_STREAMS: dict[str, tuple[str, str, tuple[str, ...], float, str, bool]] = {
    "bvp": ("BVP", "ppg", ("bvp",), 1.0, "a.u.", True),
    "eda": ("EDA", "eda", ("eda",), 1e-6, "S", True),
    "temp": ("TEMP", "temp", ("temp",), 1.0, "degC", True),
    "acc": ("ACC", "acc", ("x", "y", "z"), G / 64.0, "m/s^2", False),
    "hr": ("HR", "hr", ("hr",), 1.0, "bpm", False),
}


def _locate(folder: Path, stem: str) -> Path | None:
    """``stem.csv`` if present, else ``stem.csv.gz``, else None (uncompressed wins)."""
    for name in (f"{stem}.csv", f"{stem}.csv.gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def _open_text(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def _read_table(fh: IO[str], path: Path, n_cols: int | None) -> NDArray[np.float64]:
    """The numeric rows left in ``fh`` as an array of shape (n_rows, n_cols)."""
    import pandas as pd

    try:
        df = pd.read_csv(fh, header=None, dtype=np.float64, skip_blank_lines=True)
    except pd.errors.EmptyDataError:
        return np.zeros((0, n_cols or 1))
    except (ValueError, pd.errors.ParserError) as exc:
        raise ReaderError(f"{path}: non-numeric or malformed sample rows ({exc}).") from exc
    values = df.to_numpy(dtype=np.float64)
    if n_cols is not None and values.shape[1] != n_cols:
        raise ReaderError(
            f"{path}: expected {n_cols} column(s) per sample row; got {values.shape[1]}."
        )
    return values


def _header_values(line: str, path: Path, what: str) -> list[float]:
    parts = [p.strip() for p in line.strip().split(",") if p.strip()]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise ReaderError(
            f"{path}: row {what} must hold numbers (E4 layout: row 1 start unix time, "
            f"row 2 sampling rate); got {line.strip()[:60]!r}."
        ) from None
    if not values:
        raise ReaderError(f"{path}: row {what} is empty (truncated E4 file?).")
    return values


def _read_stream(path: Path, n_cols: int) -> tuple[float, float, NDArray[np.float64]]:
    """Read one E4 sampled CSV: (start unix time, rate in Hz, samples (n_times, n_cols))."""
    try:
        with _open_text(path) as fh:
            start_line, rate_line = fh.readline(), fh.readline()
            starts = _header_values(start_line, path, "1 (start time)")
            rates = _header_values(rate_line, path, "2 (sampling rate)")
            if len(set(starts)) != 1 or len(set(rates)) != 1:
                raise ReaderError(
                    f"{path}: columns disagree on start time {starts} or rate {rates}."
                )
            if len(starts) != n_cols:
                raise ReaderError(
                    f"{path}: expected {n_cols} column(s) in the header rows; got {len(starts)}."
                )
            if not rates[0] > 0:
                raise ReaderError(
                    f"{path}: sampling rate (row 2) must be positive; got {rates[0]}."
                )
            data = _read_table(fh, path, n_cols)
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise ReaderError(f"{path}: not a readable E4 CSV file ({exc}).") from exc
    if len(data) == 0:
        raise ReaderError(f"{path}: the file holds no samples after the two header rows.")
    return starts[0], rates[0], data


def _read_ibi(path: Path) -> tuple[float, NDArray[np.float64]]:
    """Read ``IBI.csv``: (t0, array (n_beats, 2) of time since t0 and interval, in s)."""
    try:
        with _open_text(path) as fh:
            header = fh.readline()
            first = header.split(",")[0].strip()
            try:
                t0 = float(first)
            except ValueError:
                raise ReaderError(
                    f"{path}: IBI header must be 't0, IBI' with t0 a unix time; got "
                    f"{header.strip()[:60]!r}."
                ) from None
            data = _read_table(fh, path, 2)
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise ReaderError(f"{path}: not a readable E4 IBI file ({exc}).") from exc
    return t0, data.reshape(-1, 2)


def _read_tags(folder: Path) -> tuple[NDArray[np.float64], Path | None]:
    candidates = sorted(p for p in folder.iterdir()
                        if p.is_file() and p.name.lower().startswith("tags")
                        and p.name.lower().endswith((".csv", ".csv.gz")))
    if not candidates:
        return np.zeros(0), None
    if len(candidates) > 1:
        raise ReaderError(
            f"{folder}: several tag files ({', '.join(p.name for p in candidates)}); keep one."
        )
    path = candidates[0]
    try:
        with _open_text(path) as fh:
            text = fh.read()
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise ReaderError(f"{path}: not a readable E4 tags file ({exc}).") from exc
    values = []
    for k, line in enumerate(text.splitlines()):
        if not line.strip():
            continue
        try:
            values.append(float(line.split(",")[0]))
        except ValueError:
            raise ReaderError(f"{path}: line {k + 1} is not a unix time: {line[:40]!r}.") from None
    return np.asarray(values, dtype=np.float64), path


def read_e4(
    folder: str | os.PathLike[str],
    *,
    subject: str | None = None,
    session: str | None = None,
    meta: Mapping[str, Any] | None = None,
) -> PhysioRecording:
    """Read an Empatica E4 session folder into a :class:`~mindstate.io.PhysioRecording`.

    Parameters
    ----------
    folder : path-like
        Folder holding ``BVP``, ``EDA``, ``TEMP`` (required) and optionally ``ACC``, ``HR``,
        ``IBI`` as ``.csv`` or ``.csv.gz`` (``.csv`` is used when both exist), and
        optionally one ``tags*.csv``.
    subject, session : str | None
        Identity fields.
    meta : mapping | None
        Extra metadata; ``path``, ``record`` (the folder name) and ``files`` are added.

    Returns
    -------
    PhysioRecording
        ``signals``: ``"bvp"`` (type ppg, a.u., 64 Hz), ``"eda"`` (siemens, 4 Hz),
        ``"temp"`` (°C, 4 Hz), ``"acc"`` (channels x, y, z in m/s², 32 Hz) and ``"hr"``
        (bpm, 1 Hz, with its own start time), each with ``start`` in unix seconds;
        ``events``: ``"ibi"`` of shape (n_beats, 2) holding (unix time of the beat in s,
        inter-beat interval in s) and ``"tags"`` of shape (n_tags,) in unix seconds
        (possibly empty). No labels.

    Raises
    ------
    FileNotFoundError
        If ``folder`` does not exist.
    ReaderError
        If BVP, EDA or TEMP is missing (the message names the folder), or a file is
        malformed (the message names the file).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"E4 session folder not found: {folder}")
    located = {name: _locate(folder, spec[0]) for name, spec in E4_STREAMS.items()}
    missing = [E4_STREAMS[n][0] for n, p in located.items() if p is None and E4_STREAMS[n][5]]
    if missing:
        raise ReaderError(
            f"{folder}: not a complete E4 session folder: missing "
            f"{', '.join(m + '.csv(.gz)' for m in missing)}."
        )
    signals: dict[str, Signal] = {}
    files: dict[str, str] = {}
    for name, path in located.items():
        if path is None:
            continue
        _stem, kind, ch_names, scale, unit, _req = E4_STREAMS[name]
        start, rate, data = _read_stream(path, len(ch_names))
        signals[name] = Signal(data=data.T * scale, sfreq=rate, ch_names=list(ch_names),
                               ch_type=kind, start=start, unit=unit)
        files[name] = str(path)
    events: dict[str, NDArray[np.float64]] = {}
    ibi_path = _locate(folder, "IBI")
    if ibi_path is not None:
        t0, ibi = _read_ibi(ibi_path)
        events["ibi"] = np.column_stack([t0 + ibi[:, 0], ibi[:, 1]]) if len(ibi) else ibi
        files["ibi"] = str(ibi_path)
    tags, tags_path = _read_tags(folder)
    events["tags"] = tags
    if tags_path is not None:
        files["tags"] = str(tags_path)
    full_meta = {"path": str(folder), "record": folder.name, "files": files,
                 "device": "Empatica E4", **dict(meta or {})}
    return PhysioRecording(signals=signals, events=events, subject=subject, session=session,
                           meta=full_meta)


# ---------------------------------------------------------------------------- writing
# name → (sample format, decimals of the start time in row 1), as the E4 writes them.
_FORMATS = {"bvp": ("%.2f", 2), "eda": ("%.6f", 6), "temp": ("%.2f", 6), "acc": ("%d", 6),
            "hr": ("%.2f", 6)}


def _e4_text(start: float, rate: float, data: NDArray[np.float64], fmt: str,
             start_decimals: int) -> str:
    """The CSV text of one E4 stream; ``data`` of shape (n_times, n_cols) in file units."""
    n_cols = data.shape[1]
    buf = io.StringIO()
    buf.write(", ".join([f"{start:.{start_decimals}f}"] * n_cols) + "\n")
    buf.write(", ".join([f"{rate:.6f}"] * n_cols) + "\n")
    if fmt == "%d":
        data = np.round(data)
    np.savetxt(buf, data, fmt=fmt, delimiter=",")
    return buf.getvalue()


def _write_text(path: Path, text: str, compress: bool) -> None:
    """Write atomically (temp file + rename), gzip-compressed if asked."""
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    try:
        with open(tmp, "xb") as fh:  # "x": a fresh file with the user's umask
            payload = text.encode("utf-8")
            fh.write(gzip.compress(payload, mtime=0) if compress else payload)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_e4(
    rec: PhysioRecording,
    folder: str | os.PathLike[str],
    *,
    compress: bool = True,
    tags_name: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a recording in the E4 CSV layout (the inverse of :func:`read_e4`).

    Parameters
    ----------
    rec : PhysioRecording
        Needs signals ``"bvp"``, ``"eda"``, ``"temp"``; ``"acc"`` and ``"hr"`` are written
        when present; events ``"ibi"`` (n_beats, 2) and ``"tags"`` (n,) likewise. Values
        are converted back to E4 file units (µS, 1/64 g rounded to integers).
    folder : path-like
        Destination folder (created if needed).
    compress : bool
        Write ``.csv.gz`` (as in the Stress-Predict copy) instead of ``.csv``.
    tags_name : str | None
        File name of the tags file (default ``tags_<record>.csv``, never compressed).
    overwrite : bool
        Replace existing files.

    Returns
    -------
    Path
        ``folder``.

    Raises
    ------
    ValueError
        If a required signal is missing or a signal's channel count is wrong.
    FileExistsError
        If a file exists and ``overwrite`` is False.
    """
    folder = Path(folder)
    missing = [n for n, spec in E4_STREAMS.items() if spec[5] and n not in rec.signals]
    if missing:
        raise ValueError(f"rec must hold signals {missing} to be written as an E4 session; "
                         f"got {sorted(rec.signals)}.")
    ext = ".csv.gz" if compress else ".csv"
    record = str(rec.meta.get("record") or rec.subject or "session")
    outputs: dict[Path, str] = {}
    for name, (stem, _kind, ch_names, scale, _unit, _req) in E4_STREAMS.items():
        if name not in rec.signals:
            continue
        sig = rec.signals[name]
        if sig.data.shape[0] != len(ch_names):
            raise ValueError(f"signals[{name!r}] must have {len(ch_names)} channel(s); got "
                             f"{sig.data.shape[0]}.")
        outputs[folder / f"{stem}{ext}"] = _e4_text(sig.start, sig.sfreq, sig.data.T / scale,
                                                     *_FORMATS[name])
    if "ibi" in rec.events:
        ibi = np.asarray(rec.events["ibi"], dtype=float).reshape(-1, 2)
        t0 = rec.signals["bvp"].start
        buf = io.StringIO()
        buf.write(f"{t0:.6f}, IBI\n")
        np.savetxt(buf, np.column_stack([ibi[:, 0] - t0, ibi[:, 1]]), fmt="%.6f", delimiter=",")
        outputs[folder / f"IBI{ext}"] = buf.getvalue()
    tags = np.asarray(rec.events.get("tags", np.zeros(0)), dtype=float).reshape(-1)
    tag_lines = "".join(f"{int(round(t))}\r\n" if float(t).is_integer() else f"{t:.6f}\r\n"
                        for t in tags)
    outputs[folder / (tags_name or f"tags_{record}.csv")] = tag_lines
    existing = [str(p) for p in outputs if p.exists()]
    if existing and not overwrite:
        raise FileExistsError(f"{', '.join(existing)} exist(s); pass overwrite=True to replace.")
    folder.mkdir(parents=True, exist_ok=True)
    for path, text in outputs.items():
        _write_text(path, text, compress and path.suffix == ".gz")
    return folder
