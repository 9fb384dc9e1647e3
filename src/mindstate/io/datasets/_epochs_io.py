"""Decoding of the ``epochs`` file formats (NPZ, MAT v5/v7.3, long CSV); see :mod:`.epochs`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ...exceptions import ReaderError
from ._matfile import load_mat

__all__: list[str] = []

#: Units of ``X`` and their factor to volts.
UNITS = {"V": 1.0, "mV": 1e-3, "uV": 1e-6, "µV": 1e-6}
#: File extensions read by the ``epochs`` dataset.
EPOCH_FORMATS = (".npz", ".mat", ".csv")
_CSV_META = ("epoch", "time", "label", "subject", "session")


def strings(value: Any) -> list[str]:
    """Flatten strings, char arrays, cell arrays and numbers to a list of ``str``."""
    if isinstance(value, (str, bytes)):
        return [value.decode() if isinstance(value, bytes) else value.strip()]
    out: list[str] = []
    for item in np.asarray(value, dtype=object).reshape(-1):
        if isinstance(item, np.ndarray):
            out.extend(strings(item))
        elif isinstance(item, (float, np.floating)) and float(item).is_integer():
            out.append(str(int(item)))
        else:
            out.append(str(item).strip())
    return out


def scalar(value: Any, name: str, path: Path) -> Any:
    items = value if isinstance(value, str) else np.asarray(value).reshape(-1)
    if isinstance(items, str):
        return items
    if len(items) != 1:
        raise ValueError(f"epochs file {path}: {name} must be one value; got shape "
                         f"{np.shape(value)}.")
    item = items[0]
    return strings(item)[0] if isinstance(item, (str, np.ndarray, np.str_)) else item


def per_trial(value: Any, name: str, n: int, path: Path) -> list[str]:
    vals = strings(value)
    if len(vals) == 1:
        return vals * n
    if len(vals) != n:
        raise ValueError(f"epochs file {path}: {name} has {len(vals)} values but X has {n} "
                         f"trials; give one {name} per trial or a single value.")
    return vals


def decode_labels(value: Any, n: int, path: Path) -> list[Any]:
    arr = np.asarray(value) if not isinstance(value, str) else np.asarray([value])
    if arr.dtype.kind in "biuf":
        flat = arr.reshape(-1)
        if flat.dtype.kind == "f" and not np.all(np.isfinite(flat) & (flat == np.round(flat))):
            raise ValueError(f"epochs file {path}: y holds non-integer numbers; class labels "
                             "are integers or strings. Store continuous targets as 'ratings'.")
        labels: list[Any] = [int(v) for v in flat]
    else:
        labels = strings(value)
    if len(labels) != n:
        raise ValueError(f"epochs file {path}: y has {len(labels)} labels but X has {n} "
                         "trials; give one label per trial.")
    return labels


def decode_ratings(value: Any, n: int, path: Path) -> NDArray[np.float64]:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"epochs file {path}: ratings must be numbers.") from exc
    if arr.ndim == 2 and arr.shape[0] == 1 and arr.shape[1] == n and n != 1:
        arr = arr.reshape(-1)                                # a MATLAB row vector
    arr = arr.reshape(len(arr), -1) if arr.ndim >= 1 else arr.reshape(1, 1)
    if arr.ndim != 2 or arr.shape[0] != n:
        raise ValueError(f"epochs file {path}: ratings has {arr.shape[0]} rows but X has {n} "
                         "trials; give ratings of shape (n_trials,) or (n_trials, k).")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"epochs file {path}: ratings hold NaN or Inf.")
    return arr


def load_arrays(path: Path) -> dict[str, Any]:
    if path.suffix.lower() == ".npz":
        try:
            with np.load(path, allow_pickle=False) as f:
                return {k: f[k] for k in f.files}
        except ValueError as exc:
            raise ReaderError(f"epochs file {path}: cannot be read without pickle ({exc}); store "
                              "strings as fixed-width arrays (np.array(names, dtype=str)).") \
                from exc
        except (OSError, EOFError) as exc:
            raise ReaderError(f"epochs file {path}: not a readable NPZ file ({exc}).") from exc
    return load_mat(path)


def load_csv(path: Path, sfreq: float | None) -> dict[str, Any]:
    import pandas as pd

    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ReaderError(f"epochs file {path}: not a readable CSV file ({exc}).") from exc
    if "epoch" not in frame.columns:
        raise ValueError(f"epochs file {path}: no 'epoch' column; the CSV format is one row per "
                         "sample with columns epoch, time, label or rating, then one column "
                         "per channel.")
    ratings = [c for c in frame.columns if c == "rating" or str(c).startswith("rating_")]
    channels = [c for c in frame.columns if c not in _CSV_META and c not in ratings]
    if not channels:
        raise ValueError(f"epochs file {path}: no channel columns (every column is one of "
                         f"{list(_CSV_META)} or rating*).")
    order = list(dict.fromkeys(frame["epoch"].tolist()))
    groups = {e: g for e, g in frame.groupby("epoch", sort=False)}
    sizes = {len(groups[e]) for e in order}
    if len(sizes) != 1:
        raise ValueError(f"epochs file {path}: trials have different numbers of rows "
                         f"{sorted(sizes)}; every epoch needs the same number of samples.")
    out: dict[str, Any] = {"epoch": [str(e) for e in order]}
    for col in [c for c in ("label", "subject", "session") if c in frame.columns] + ratings:
        varying = [e for e in order if groups[e][col].nunique(dropna=False) > 1]
        if varying:
            raise ValueError(f"epochs file {path}: column {col!r} changes within epoch "
                             f"{varying[0]!r}; per-trial columns must be constant in a trial.")
    if "time" in frame.columns:
        first = groups[order[0]].sort_values("time")["time"].to_numpy(dtype=np.float64)
        steps = np.diff(first)
        if len(steps) == 0 or steps.min() <= 0 or np.ptp(steps) > 1e-3 * np.median(steps):
            raise ValueError(f"epochs file {path}: the 'time' column of epoch {order[0]!r} is "
                             "not uniformly increasing; give the sampling rate with sfreq=.")
        out["sfreq"] = 1.0 / float(np.median(steps))
    blocks = [groups[e].sort_values("time") if "time" in frame.columns else groups[e]
              for e in order]
    out["X"] = np.stack([b[channels].to_numpy(dtype=np.float64).T for b in blocks])
    out["ch_names"] = [str(c) for c in channels]
    if "label" in frame.columns:
        out["y"] = np.asarray([b["label"].iloc[0] for b in blocks])
    if ratings:
        out["ratings"] = np.stack([b[ratings].iloc[0].to_numpy(dtype=np.float64)
                                   for b in blocks])
    for col in ("subject", "session"):
        if col in frame.columns:
            out[col] = [str(b[col].iloc[0]) for b in blocks]
    return out


def label_values(path: Path) -> list[str]:
    """The string labels of a file (for class inference); integers give none."""
    ext = path.suffix.lower()
    if ext == ".csv":
        import pandas as pd

        frame = pd.read_csv(path, usecols=lambda c: c == "label")
        values = frame["label"].tolist() if "label" in frame.columns else []
        return [] if all(isinstance(v, (int, np.integer)) for v in values) else \
            [str(v) for v in values]
    if ext not in (".npz", ".mat"):
        return []
    arrays = load_arrays(path) if ext == ".npz" else load_mat(path, ["y"])
    if "y" not in arrays or np.asarray(arrays["y"]).dtype.kind in "biuf":
        return []
    return strings(arrays["y"])
