"""Find and run a benchmark script from the repository's ``benchmarks/`` folder.

A benchmark is a file ``benchmarks/NAME.py`` defining ``run(quick: bool = False) -> dict``.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

from ._validation import suggest

__all__ = ["benchmark_dir", "list_benchmarks", "run_benchmark"]


def benchmark_dir() -> Path:
    """The benchmarks folder: ``$MINDSTATE_BENCHMARKS``, ``./benchmarks`` or the source tree's."""
    candidates = [os.environ.get("MINDSTATE_BENCHMARKS"), Path.cwd() / "benchmarks",
                  Path(__file__).resolve().parents[2] / "benchmarks"]
    for c in candidates:
        if c and Path(c).is_dir():
            return Path(c)
    raise FileNotFoundError(
        "No benchmarks/ folder found (looked in $MINDSTATE_BENCHMARKS, ./benchmarks and the "
        "source checkout). Run from a mindstate source checkout."
    )


def list_benchmarks() -> list[str]:
    """Names of the available benchmarks."""
    return sorted(p.stem for p in benchmark_dir().glob("*.py") if not p.stem.startswith("_"))


def run_benchmark(name: str, *, quick: bool = False) -> dict[str, Any]:
    """Import ``benchmarks/<name>.py`` and return ``run(quick=quick)``.

    Parameters
    ----------
    name : str
        Benchmark name, one of :func:`list_benchmarks` (the file stem).
    quick : bool
        Passed to the benchmark's ``run``: a shorter, smaller run.

    Returns
    -------
    results : dict
        The benchmark's results, as returned by its ``run``.
    """
    names = list_benchmarks()
    if name not in names:
        raise ValueError(f"Unknown benchmark {name!r}.{suggest(name, names)} "
                         f"Available: {', '.join(names) or '(none)'}.")
    path = benchmark_dir() / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"mindstate_benchmark_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(module.run(quick=quick))
