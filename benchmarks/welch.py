"""Welch PSD: mindstate.features.psd_welch against scipy.signal.welch (the measured reason
``psd_welch`` keeps its own implementation instead of delegating).

30 random windows x 19 channels x 10 000 samples at 200 Hz, 400-sample Hann segments with
50 % overlap, one thread (FFTs and BLAS), float64 and float32; best of 5 runs each, timed
alternately. ``max_rel_diff`` is the largest ``|ours / scipy - 1|``.
"""

from __future__ import annotations

import json
import time
from typing import Any

import numpy as np


def run(quick: bool = False) -> dict[str, Any]:
    """Run the comparison; returns a JSON-serialisable dict of figures."""
    from scipy.signal import welch
    from threadpoolctl import threadpool_limits

    from mindstate.features import psd_welch

    rng = np.random.default_rng(0)
    repeats = 3 if quick else 5
    out: dict[str, Any] = {"benchmark": "welch", "shape": [30, 19, 10000], "repeats": repeats}
    for dt in (np.float64, np.float32):
        X = rng.standard_normal((30, 19, 10000)).astype(dt)
        runs = {
            "ours": lambda X=X, dt=dt: psd_welch(X, 200.0, n_per_seg=400, n_overlap=200,
                                                 dtype=dt)[0],
            "scipy": lambda X=X: welch(X, 200.0, nperseg=400, noverlap=200)[1],
        }
        best = {k: np.inf for k in runs}
        res = {}
        with threadpool_limits(limits=1):
            for _ in range(repeats):
                for name, func in runs.items():
                    t0 = time.perf_counter()
                    res[name] = func()
                    best[name] = min(best[name], time.perf_counter() - t0)
        key = np.dtype(dt).name
        out[f"seconds_ours_{key}"] = best["ours"]
        out[f"seconds_scipy_{key}"] = best["scipy"]
        out[f"speedup_{key}"] = best["scipy"] / best["ours"]
        out[f"max_rel_diff_{key}"] = float(np.abs(res["ours"] / res["scipy"] - 1).max())
    return out


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
