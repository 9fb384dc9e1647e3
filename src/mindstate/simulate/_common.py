"""Helpers shared by the simulators: seeding and atomic writing of a dataset folder."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

__all__ = ["RandomState", "atomic_dataset_dir", "resolve_seed", "spawn"]

#: What every ``random_state`` argument accepts.
RandomState = int | np.random.Generator | None


def resolve_seed(random_state: RandomState, name: str = "random_state") -> int:
    """Return the integer entropy behind ``random_state``.

    Parameters
    ----------
    random_state : int | numpy.random.Generator | None
        A non-negative seed, a generator (one integer is drawn from it) or ``None``
        (fresh OS entropy: not reproducible).
    name : str
        Parameter name used in messages.

    Returns
    -------
    int
        The seed; the same ``int`` always gives the same simulation.
    """
    if random_state is None:
        return int(np.random.SeedSequence().entropy % (2**63))  # type: ignore[operator]
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**63 - 1))
    if isinstance(random_state, bool) or not isinstance(random_state, (int, np.integer)):
        raise TypeError(
            f"{name} must be an int, a numpy.random.Generator or None; got "
            f"{random_state!r} ({type(random_state).__name__})."
        )
    if int(random_state) < 0:
        raise ValueError(f"{name} must be a non-negative int; got {random_state}.")
    return int(random_state)


def spawn(seed: int, n: int, *key: int) -> list[np.random.Generator]:
    """``n`` independent generators derived from ``seed`` and an optional integer ``key``.

    Streams with different keys never overlap, so e.g. the artifacts of a recording can be
    switched off without changing its neural signal.

    Parameters
    ----------
    seed : int
        Root seed (from :func:`resolve_seed`).
    n : int
        Number of generators.
    *key : int
        Path of the stream (e.g. ``1, subject, session``).

    Returns
    -------
    list of numpy.random.Generator
        ``n`` generators.
    """
    ss = np.random.SeedSequence(seed, spawn_key=tuple(int(k) for k in key))
    return [np.random.default_rng(s) for s in ss.spawn(n)]


def _is_empty_dir(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


@contextlib.contextmanager
def atomic_dataset_dir(out_dir: str | os.PathLike[str], *, overwrite: bool) -> Iterator[Path]:
    """Yield a temporary folder; on success its content moves to ``out_dir``.

    A crash leaves ``out_dir`` untouched. An existing non-empty ``out_dir`` is refused unless
    ``overwrite`` is true, in which case only the files written now are replaced (nothing
    else in the folder is deleted).

    Parameters
    ----------
    out_dir : path-like
        Destination folder.
    overwrite : bool
        Replace files of an earlier simulation in a non-empty ``out_dir``.

    Yields
    ------
    Path
        The staging folder to write into.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"out_dir {out} exists and is not a folder.")
    if out.is_dir() and not _is_empty_dir(out) and not overwrite:
        raise FileExistsError(
            f"out_dir {out} exists and is not empty; pass overwrite=True to replace the "
            "simulated files in it, or choose a new folder."
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield tmp
        if not out.exists() or _is_empty_dir(out):
            if out.exists():
                out.rmdir()
            os.replace(tmp, out)
        else:
            for src in sorted(p for p in tmp.rglob("*") if p.is_file()):
                dst = out / src.relative_to(tmp)
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
