"""EEG preprocessing chain: mindstate (batched) vs per-window MNE calls, plus chunked memory.

Chain, same filter specs on both sides: band-pass 0.5-50 Hz (MNE's default FIR, firwin,
Hamming, automatic transition bands) -> 60 Hz notch (MNE's default FIR notch) -> Welch PSD
(2-s Hann segments, 50 % overlap) -> band powers (delta..gamma, PSD bins summed times df).

- ``ours``: :func:`mindstate.preprocess.bandpass_notch` with ``method="fir"`` (MNE's two
  kernels convolved into one, applied to 10 windows at a time by batched FFT convolution
  with MNE's edge padding; equal to applying them in turn) and
  :func:`mindstate.features.band_power`, computing in float32 (``ours``, the fast path)
  and in float64 (``ours_float64``). The kernel design caches are cleared before each
  timed run, so ours pays for the filter design too.
- ``mne``: ``mne.filter.filter_data``, ``mne.filter.notch_filter`` and
  ``mne.time_frequency.psd_array_welch``, window by window, ``verbose=False``.

The two are timed alternately in one process (median of the repeats); ``speedup_vs_mne`` is
the wall-clock ratio, ``speedup_vs_mne_cpu_time`` the process-CPU-time ratio (less sensitive
to other jobs on a shared machine; both sides run single-threaded). Windows: N random,
realistic 50-s, 19-channel, 200 Hz EEG windows (1/f background, alpha, 60 Hz line noise,
drift; seeded), stored as float32 like ``make_windows`` returns them (MNE's filters only
accept float64, so the MNE side converts each window). ``max_band_power_rel_diff`` compares
the band powers of the two chains.

Memory (skipped with ``--quick``): a 1-h, 62-channel, 1000 Hz recording (1.79 GB in float64)
is written chunk by chunk to an ``np.memmap`` in a temporary folder, then a fresh process
runs :func:`mindstate.features.chunked_bandpower` on it (band-pass 0.5-50 Hz + 60 Hz notch
with harmonics, 4-s windows, 60-s chunks, one thread) and reports its peak resident memory
(``VmHWM``; ``ru_maxrss`` off Linux), its resident memory after imports, and the tracemalloc
peak of the processing itself.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from statistics import median
from typing import Any

import numpy as np

SFREQ = 200.0
N_CHANS = 19
WINDOW_S = 50.0
N_PER_SEG = 400  # 2-s Welch segments
N_OVERLAP = 200
BANDS = {"delta": (1.0, 4.0), "theta": (4.0, 8.0), "alpha": (8.0, 13.0), "beta": (13.0, 30.0),
         "gamma": (30.0, 50.0)}

LONG_SFREQ = 1000.0
LONG_CHANS = 62
LONG_SECONDS = 3600


def _eeg_windows(n: int, seed: int = 0) -> np.ndarray:
    """Realistic random EEG windows (n, 19, 10000) in volts."""
    rng = np.random.default_rng(seed)
    n_times = int(WINDOW_S * SFREQ)
    t = np.arange(n_times) / SFREQ
    freqs = np.fft.rfftfreq(n_times, 1 / SFREQ)
    shape = 1.0 / np.sqrt(np.maximum(freqs, 0.5))  # 1/f power spectrum
    X = np.empty((n, N_CHANS, n_times))
    for i in range(n):
        spec = rng.standard_normal((N_CHANS, freqs.size)) + 1j * rng.standard_normal(
            (N_CHANS, freqs.size))
        bg = np.fft.irfft(spec * shape, n_times)
        bg *= 10e-6 / bg.std(axis=-1, keepdims=True)  # ~10 uV background
        alpha_amp = rng.uniform(2e-6, 12e-6, (N_CHANS, 1))
        alpha = alpha_amp * np.sin(2 * np.pi * rng.uniform(8.5, 11.5) * t
                                   + rng.uniform(0, 2 * np.pi, (N_CHANS, 1)))
        line = 5e-6 * np.sin(2 * np.pi * 60.0 * t + rng.uniform(0, 2 * np.pi))
        drift = rng.uniform(-20e-6, 20e-6, (N_CHANS, 1)) * np.sin(2 * np.pi * 0.05 * t)
        X[i] = bg + alpha + line + drift
    return X


def _ours(X: np.ndarray, dtype: type = np.float32, block: int = 10) -> np.ndarray:
    """Batched chain, ``block`` windows per vectorised call (keeps intermediates in cache)."""
    from mindstate.features import band_power
    from mindstate.preprocess import bandpass_notch
    from mindstate.preprocess import filters as _filters

    _filters._mne_fir.cache_clear()  # pay for the filter design, like MNE does per call
    _filters._kernel_spectrum.cache_clear()
    out = np.empty((X.shape[0], X.shape[1], len(BANDS)))
    for start in range(0, X.shape[0], block):
        Y = bandpass_notch(X[start : start + block], SFREQ, 0.5, 50.0, 60.0, method="fir",
                           dtype=dtype)
        out[start : start + block] = band_power(Y, SFREQ, BANDS, n_per_seg=N_PER_SEG,
                                                n_overlap=N_OVERLAP, dtype=dtype)
    return out


def _mne(X: np.ndarray) -> np.ndarray:
    import mne

    out = np.empty((X.shape[0], X.shape[1], len(BANDS)))
    for i, x in enumerate(X):
        x = np.asarray(x, dtype=np.float64)  # MNE filters refuse float32
        y = mne.filter.filter_data(x, SFREQ, 0.5, 50.0, verbose=False)
        y = mne.filter.notch_filter(y, SFREQ, 60.0, verbose=False)
        psd, freqs = mne.time_frequency.psd_array_welch(
            y, SFREQ, fmin=0.0, fmax=np.inf, n_fft=N_PER_SEG, n_overlap=N_OVERLAP,
            window="hann", verbose=False)
        df = freqs[1] - freqs[0]
        for j, (lo, hi) in enumerate(BANDS.values()):
            out[i, :, j] = psd[:, (freqs >= lo) & (freqs < hi)].sum(axis=-1) * df
    return out


def _write_long_recording(path: Path, seed: int = 1) -> None:
    """Write a (62, 3.6e6) float64 memmap chunk by chunk (never all in memory)."""
    rng = np.random.default_rng(seed)
    n_times = int(LONG_SECONDS * LONG_SFREQ)
    block = int(60 * LONG_SFREQ)
    mm = np.memmap(path, dtype=np.float64, mode="w+", shape=(LONG_CHANS, n_times))
    del mm
    for start in range(0, n_times, block):
        stop = min(n_times, start + block)
        t = np.arange(start, stop) / LONG_SFREQ
        chunk = 10e-6 * rng.standard_normal((LONG_CHANS, stop - start))
        chunk += 5e-6 * np.sin(2 * np.pi * 60.0 * t)
        mm = np.memmap(path, dtype=np.float64, mode="r+", shape=(LONG_CHANS, n_times))
        mm[:, start:stop] = chunk
        mm.flush()
        del mm


def _proc_status_mb(field: str) -> float | None:
    """``VmHWM`` (peak) or ``VmRSS`` (current) of this process in MiB, Linux only.

    ``VmHWM`` belongs to the process image, so unlike ``ru_maxrss`` it does not include
    the parent's memory inherited through fork + exec.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def _memory_worker(path: str) -> dict[str, Any]:
    """Run in a fresh process: chunked band power over the memmap, peak memory."""
    import resource
    import tracemalloc

    import mne  # noqa: F401  (imported before the baseline: the FIR design needs it)

    from mindstate.features import chunked_bandpower

    n_times = int(LONG_SECONDS * LONG_SFREQ)
    rss_imports = _proc_status_mb("VmRSS")
    source = np.memmap(path, dtype=np.float64, mode="r", shape=(LONG_CHANS, n_times))
    tracemalloc.start()
    t0 = time.perf_counter()
    power = chunked_bandpower(source, LONG_SFREQ, window_s=4.0, chunk_s=60.0, bands=BANDS,
                              l_freq=0.5, h_freq=50.0, notch_freqs=60.0, n_jobs=1)
    seconds = time.perf_counter() - t0
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak = _proc_status_mb("VmHWM")
    if peak is None:  # not Linux: ru_maxrss (KiB on Linux, bytes on macOS)
        scale = 2**20 if sys.platform == "darwin" else 1024.0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale
    return {
        "peak_rss_mb": peak,
        "rss_after_imports_mb": rss_imports,
        "tracemalloc_peak_mb": traced_peak / 2**20,
        "chunked_seconds": seconds,
        "chunked_windows": int(power.shape[0]),
        "chunked_finite": bool(np.isfinite(power).all()),
    }


def _memory_benchmark() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="mindstate-bench-") as tmp:
        path = Path(tmp) / "long_recording.dat"
        t0 = time.perf_counter()
        _write_long_recording(path)
        write_s = time.perf_counter() - t0
        proc = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--memory-worker", str(path)],
            capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"memory worker failed: {proc.stderr.strip()[-2000:]}")
        result = json.loads(proc.stdout.strip().splitlines()[-1])
    result.update({
        "recording": f"{LONG_SECONDS / 3600:g} h x {LONG_CHANS} ch x {LONG_SFREQ:g} Hz float64",
        "recording_mb": LONG_CHANS * LONG_SECONDS * LONG_SFREQ * 8 / 2**20,
        "write_seconds": write_s,
    })
    return result


def run(quick: bool = False) -> dict[str, Any]:
    """Run the benchmark; returns a JSON-serialisable dict of figures."""
    import mne
    import scipy

    n_windows = 30 if quick else 200
    repeats = 3 if quick else 2
    X = _eeg_windows(n_windows).astype(np.float32)  # float32, as make_windows returns them
    _ours(X[:2])  # warm-up: imports, FFT plans
    _ours(X[:2], np.float64)
    _mne(X[:2])
    times: dict[str, list[float]] = {"ours": [], "ours64": [], "mne": []}
    cpu: dict[str, list[float]] = {"ours": [], "ours64": [], "mne": []}
    runs = {"ours": lambda: _ours(X, np.float32), "ours64": lambda: _ours(X, np.float64),
            "mne": lambda: _mne(X)}
    powers = {}
    for _ in range(repeats):  # alternate: noisy shared machines
        for name, func in runs.items():
            t0, c0 = time.perf_counter(), time.process_time()
            powers[name] = func()
            times[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
    wall = {k: median(v) for k, v in times.items()}
    proc = {k: median(v) for k, v in cpu.items()}
    result: dict[str, Any] = {
        "benchmark": "preprocess",
        "chain": "bandpass 0.5-50 Hz FIR + notch 60 Hz FIR + Welch band power (5 bands)",
        "n_windows": n_windows,
        "window": f"{WINDOW_S:g} s x {N_CHANS} ch x {SFREQ:g} Hz (float32 input)",
        "repeats": repeats,
        "seconds_ours": wall["ours"],
        "seconds_ours_float64": wall["ours64"],
        "seconds_mne": wall["mne"],
        "windows_per_s_ours": n_windows / wall["ours"],
        "windows_per_s_ours_float64": n_windows / wall["ours64"],
        "windows_per_s_mne": n_windows / wall["mne"],
        "speedup_vs_mne": wall["mne"] / wall["ours"],
        "speedup_vs_mne_float64": wall["mne"] / wall["ours64"],
        "speedup_vs_mne_cpu_time": proc["mne"] / proc["ours"],
        "speedup_vs_mne_float64_cpu_time": proc["mne"] / proc["ours64"],
        "max_band_power_rel_diff": float(np.abs(powers["ours"] / powers["mne"] - 1).max()),
        "max_band_power_rel_diff_float64": float(
            np.abs(powers["ours64"] / powers["mne"] - 1).max()),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "mne": mne.__version__,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
    }
    if not quick:
        result["memory"] = _memory_benchmark()
        result["peak_rss_mb"] = result["memory"]["peak_rss_mb"]
        result["chunked_seconds"] = result["memory"]["chunked_seconds"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30 windows, no memory part")
    parser.add_argument("--memory-worker", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_worker:
        print(json.dumps(_memory_worker(args.memory_worker)))
        return
    print(json.dumps(run(quick=args.quick), indent=2))


if __name__ == "__main__":
    main()
