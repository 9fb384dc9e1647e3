"""Run directories: atomic creation, provenance, and the files every run holds.

A run is written into ``<out>.partial/`` and renamed to ``<out>`` only when complete, so an
interrupted or failed run never leaves something that looks like a finished run; the partial
folder keeps the checkpoints that ``--resume`` continues from.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .exceptions import RunDirError

__all__ = [
    "REQUIRED_FILES",
    "check_run_dir",
    "fingerprint",
    "git_sha",
    "partial_dir",
    "provenance",
    "read_json",
    "write_json",
]

#: Files whose presence makes a folder a complete run directory.
REQUIRED_FILES = ("config.yaml", "run.json", "metrics.json", "model.json", "model.safetensors",
                  "preprocess.json")


def partial_dir(out: str | os.PathLike[str]) -> Path:
    """The staging folder of a run that is being written.

    Parameters
    ----------
    out : str | path-like
        The final run directory.

    Returns
    -------
    Path
        ``<out>.partial``, next to ``out``.
    """
    out = Path(out)
    return out.with_name(out.name + ".partial")


def git_sha() -> str:
    """Commit of the mindstate source tree, or ``"unknown"`` outside a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        res = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    sha = res.stdout.strip()
    if res.returncode != 0 or not sha:
        return "unknown"
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                           capture_output=True, text=True, timeout=5, check=False).stdout.strip()
    return sha + ("-dirty" if dirty else "")


def provenance(seed: int, **extra: Any) -> dict[str, Any]:
    """Version, git SHA, seed, time and platform for ``run.json``.

    Parameters
    ----------
    seed : int
        The run's base seed.
    **extra : Any
        Further JSON-serialisable entries added to the result (e.g. ``protocol``).

    Returns
    -------
    dict
        The provenance record (versions, ``git_sha``, ``seed``, UTC ``created`` time,
        ``platform``) merged with ``extra``.
    """
    import torch

    return {
        "mindstate_version": __version__, "git_sha": git_sha(), "seed": seed,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0], "torch": torch.__version__,
        "numpy": np.__version__, "platform": platform.platform(), **extra,
    }


def fingerprint(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a record's bytes (a file, or every file under a folder in sorted order).

    Used to recognise a training record under another name or path, so that
    ``evaluate --data`` can say when it scores data the model was trained on.

    Parameters
    ----------
    path : path-like
        A record file or folder.

    Returns
    -------
    str
        The hex digest.
    """
    import hashlib

    path = Path(path)
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        if path.is_dir():
            h.update(str(f.relative_to(path)).encode())
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def _default(obj: Any) -> Any:
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return None if not np.isfinite(obj) else float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _clean(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if np.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


def write_json(path: str | os.PathLike[str], obj: Any) -> None:
    """Write JSON atomically (temporary file + ``os.replace``); NaN/Inf become ``null``.

    Parameters
    ----------
    path : str | path-like
        The file to (over)write; its folder must exist.
    obj : Any
        JSON-serialisable data; NumPy scalars and arrays and ``Path`` objects are converted.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(_clean(obj), fh, indent=2, default=_default)
            fh.write("\n")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def read_json(path: str | os.PathLike[str]) -> Any:
    """Read a JSON file.

    Parameters
    ----------
    path : str | path-like
        The JSON file.

    Returns
    -------
    Any
        The decoded content.
    """
    return json.loads(Path(path).read_text())


#: Models shipped inside the package, usable wherever a run directory is expected (a folder
#: of the same name in the working directory takes priority): name -> folder under
#: ``mindstate/pretrained``.
PRETRAINED: dict[str, str] = {"text": "text_pad"}


def pretrained_dir(name: str) -> Path:
    """The folder of a model shipped with the package.

    Parameters
    ----------
    name : str
        A key of :data:`PRETRAINED` (``"text"``: Pleasure-Arousal-Dominance of English
        sentences, all-MiniLM-L6-v2 + TinyRecursiveModel trained on EmoBank).

    Returns
    -------
    Path
        The run-like folder (model, chain, calibration, model card).
    """
    if name not in PRETRAINED:
        raise ValueError(f"name must be one of {sorted(PRETRAINED)}; got {name!r}.")
    return Path(__file__).resolve().parent / "pretrained" / PRETRAINED[name]


def check_run_dir(path: str | os.PathLike[str]) -> Path:
    """Return ``path`` if it is a complete run directory; ``RunDirError`` saying why not.

    Parameters
    ----------
    path : str | path-like
        The folder to check; it must hold every file in :data:`REQUIRED_FILES`. A name in
        :data:`PRETRAINED` (``"text"``) that is not a folder here means the shipped model.

    Returns
    -------
    Path
        ``path`` as a ``Path``.
    """
    path = Path(path)
    if not path.exists() and str(path) in PRETRAINED:
        path = pretrained_dir(str(path))
    if not path.exists():
        hint = f" Pretrained models: {', '.join(sorted(PRETRAINED))}." if PRETRAINED else ""
        raise FileNotFoundError(f"Run directory not found: {path}.{hint}")
    if not path.is_dir():
        raise RunDirError(f"{path} is not a run directory (it is a file). Pass the folder that "
                          "`mindstate train --out` wrote.")
    missing = [f for f in REQUIRED_FILES if not (path / f).is_file()]
    if missing:
        hint = ""
        if partial_dir(path).exists() or path.name.endswith(".partial"):
            hint = " It is an unfinished run: continue it with `mindstate train ... --resume`."
        raise RunDirError(f"{path} is not a complete mindstate run directory (missing "
                          f"{', '.join(missing)}).{hint}")
    return path


def finalize(staging: Path, out: Path) -> None:
    """Move a finished staging folder to its final name (removing scratch files)."""
    for scratch in ("checkpoints", "folds"):
        shutil.rmtree(staging / scratch, ignore_errors=True)
    os.replace(staging, out)
