"""EEG preprocessing chain: mindstate (batched) vs per-window MNE calls, plus chunked memory.

Chain, same filter specs on both sides: band-pass 0.5-50 Hz (MNE's default FIR, firwin,
Hamming, automatic transition bands) -> 60 Hz notch (MNE's default FIR notch) -> Welch PSD
(2-s Hann segments, 50 % overlap) -> band powers (delta..gamma, PSD bins summed times df).

- ``mne``: ``mne.filter.filter_data``, ``mne.filter.notch_filter`` and
  ``mne.time_frequency.psd_array_welch``, window by window, ``verbose=False``.
- ours, :func:`mindstate.features.filtered_band_power` on all windows in one call (it
  works through them a few rows at a time, so intermediates stay in cache):

  - ``fir`` (exact): MNE's two kernels convolved into one, applied by batched FFT
    convolution with MNE's edge padding, then Welch on the filtered rows while they are
    in cache; equal to the MNE chain to floating-point precision.
  - ``spectral`` (approximate, ``benchmarks/_spectral_path.py``): no filtering FFTs; the
    Welch PSD of the raw windows times the filter's power response per bin, plus an exact
    removal, on a decimated grid, of the content the high-pass cuts below 2.5 Hz.
  - ``chain`` (the previous benchmark's path, for reference): ``bandpass_notch(...,
    method="fir")`` then ``band_power``, 10 windows per call.

  Each in float32 (the fast path) and the two main ones in float64 too. The design
  caches (FIR kernels, kernel spectra, spectral model) are cleared before each timed run,
  so ours pays for the filter design, like MNE does per call.

The runs are timed alternately in one process (median of the repeats); ``speedup_vs_mne``
is the wall-clock ratio, ``*_cpu_time`` the process-CPU-time ratio (less sensitive to other
jobs on a shared machine). Every side runs single-threaded: FFTs with one worker, and BLAS
limited to one thread with ``threadpoolctl`` (ours only makes small BLAS products).
``windows_per_s_ours``, ``speedup_vs_mne`` and ``max_band_power_rel_diff`` refer to the
fastest path whose band powers are within 1 % of the MNE chain (named in ``ours_path``);
every path's figures are under ``paths``. Windows: N random, realistic 50-s, 19-channel,
200 Hz EEG windows (1/f background, alpha, 60 Hz line noise, drift; seeded), stored as
float32 like ``make_windows`` returns them (MNE's filters only accept float64, so the MNE
side converts each window). ``max_band_power_rel_diff`` is the largest ``|ours / mne - 1|``
over windows, channels and bands.

Real-data accuracy (no timing; skipped when the folder is absent): the 19 EEG channels of
the eegmat EDFs (``$MINDSTATE_SHARED_DATA`` or ``../shared/data``), resampled from 500 to
200 Hz and cut into consecutive 50-s windows, through both of our paths and the MNE chain.

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
from collections.abc import Callable
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
L_FREQ, H_FREQ, NOTCH = 0.5, 50.0, 60.0
BANDS = {"delta": (1.0, 4.0), "theta": (4.0, 8.0), "alpha": (8.0, 13.0), "beta": (13.0, 30.0),
         "gamma": (30.0, 50.0)}
TOLERANCE = 0.01  # band powers within 1 % of the MNE chain

LONG_SFREQ = 1000.0
LONG_CHANS = 62
LONG_SECONDS = 3600

EEGMAT_CHANNELS = ["Fp1", "Fp2", "F3", "F4", "F7", "F8", "T3", "T4", "C3", "C4", "T5", "T6",
                   "P3", "P4", "O1", "O2", "Fz", "Cz", "Pz"]


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


def _clear_design_caches() -> None:
    """Forget every cached filter design, so a timed run pays for it (as MNE does)."""
    from mindstate.preprocess import filter_design, filters

    filter_design._mne_fir.cache_clear()
    filters._kernel_spectrum.cache_clear()
    _spectral_path()._spectral_model.cache_clear()


def _spectral_path() -> Any:
    """``benchmarks/_spectral_path.py``, imported by path (works when run as a script or
    loaded by ``mindstate bench``)."""
    import importlib.util

    name = "mindstate_bench_spectral_path"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, Path(__file__).resolve().with_name("_spectral_path.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def _ours(X: np.ndarray, method: str = "fir", dtype: type = np.float32) -> np.ndarray:
    """All windows in one call of the fused chain (blocked internally)."""
    from mindstate.features import filtered_band_power

    _clear_design_caches()
    func = filtered_band_power if method == "fir" else _spectral_path().spectral_band_power
    return func(X, SFREQ, BANDS, l_freq=L_FREQ, h_freq=H_FREQ, notch_freqs=NOTCH,
                n_per_seg=N_PER_SEG, n_overlap=N_OVERLAP, dtype=dtype)


def _chain(X: np.ndarray, dtype: type = np.float32, block: int = 10) -> np.ndarray:
    """The previous path: filter ``block`` windows, then their band power."""
    from mindstate.features import band_power
    from mindstate.preprocess import bandpass_notch

    _clear_design_caches()
    out = np.empty((X.shape[0], X.shape[1], len(BANDS)))
    for start in range(0, X.shape[0], block):
        Y = bandpass_notch(X[start : start + block], SFREQ, L_FREQ, H_FREQ, NOTCH,
                           method="fir", dtype=dtype)
        out[start : start + block] = band_power(Y, SFREQ, BANDS, n_per_seg=N_PER_SEG,
                                                n_overlap=N_OVERLAP, dtype=dtype)
    return out


def _mne(X: np.ndarray) -> np.ndarray:
    import mne

    out = np.empty((X.shape[0], X.shape[1], len(BANDS)))
    for i, x in enumerate(X):
        x = np.asarray(x, dtype=np.float64)  # MNE filters refuse float32
        y = mne.filter.filter_data(x, SFREQ, L_FREQ, H_FREQ, verbose=False)
        y = mne.filter.notch_filter(y, SFREQ, NOTCH, verbose=False)
        psd, freqs = mne.time_frequency.psd_array_welch(
            y, SFREQ, fmin=0.0, fmax=np.inf, n_fft=N_PER_SEG, n_overlap=N_OVERLAP,
            window="hann", verbose=False)
        df = freqs[1] - freqs[0]
        for j, (lo, hi) in enumerate(BANDS.values()):
            out[i, :, j] = psd[:, (freqs >= lo) & (freqs < hi)].sum(axis=-1) * df
    return out


def _rel_diff(ours: np.ndarray, ref: np.ndarray) -> tuple[float, dict[str, float]]:
    """Largest ``|ours / ref - 1|`` overall and per band."""
    err = np.abs(ours / ref - 1)
    return float(err.max()), {b: float(err[..., j].max()) for j, b in enumerate(BANDS)}


def _eegmat_windows(quick: bool) -> tuple[np.ndarray, int] | None:
    """(n_windows, 19, 10000) 50-s windows of the eegmat EDFs at 200 Hz, and the file count."""
    import mne

    from mindstate.preprocess import resample

    root = Path(os.environ.get("MINDSTATE_SHARED_DATA",
                               Path(__file__).resolve().parents[1].parent / "shared" / "data"))
    files = sorted((root / "eegmat_mental_arithmetic").glob("Subject*.edf"))
    if not files:
        return None
    files = files[:4] if quick else files
    n_win = int(WINDOW_S * SFREQ)
    windows = []
    for path in files:
        raw = mne.io.read_raw_edf(path, preload=True, verbose=False)
        picks = [raw.ch_names.index(f"EEG {c}") for c in EEGMAT_CHANNELS]
        data = resample(raw.get_data(picks=picks), raw.info["sfreq"], SFREQ)
        windows += [data[:, k * n_win : (k + 1) * n_win] for k in range(data.shape[1] // n_win)]
    return np.stack(windows).astype(np.float32), len(files)


def _realdata_check(quick: bool) -> dict[str, Any] | None:
    loaded = _eegmat_windows(quick)
    if loaded is None:
        return None
    X, n_files = loaded
    ref = _mne(X)
    out: dict[str, Any] = {
        "source": f"eegmat_mental_arithmetic, {n_files} EDFs, 19 EEG channels, 500 -> 200 Hz",
        "n_windows": int(X.shape[0]),
    }
    for method in ("fir", "spectral"):
        worst, per_band = _rel_diff(_ours(X, method, np.float32), ref)
        out[f"max_band_power_rel_diff_{method}"] = worst
        out[f"max_band_power_rel_diff_{method}_per_band"] = per_band
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
    from threadpoolctl import threadpool_limits

    n_windows = 30 if quick else 200
    repeats = 3
    X = _eeg_windows(n_windows).astype(np.float32)  # float32, as make_windows returns them
    runs: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "spectral_float32": lambda A: _ours(A, "spectral", np.float32),
        "fir_float32": lambda A: _ours(A, "fir", np.float32),
        "spectral_float64": lambda A: _ours(A, "spectral", np.float64),
        "fir_float64": lambda A: _ours(A, "fir", np.float64),
        "chain_float32": lambda A: _chain(A, np.float32),
        "mne": _mne,
    }
    times: dict[str, list[float]] = {k: [] for k in runs}
    cpu: dict[str, list[float]] = {k: [] for k in runs}
    powers = {}
    with threadpool_limits(limits=1):  # one BLAS thread: every side single-threaded
        for func in runs.values():  # warm-up: imports, FFT plans
            func(X[:2])
        for _ in range(repeats):  # alternate: noisy shared machines
            for name, func in runs.items():
                t0, c0 = time.perf_counter(), time.process_time()
                powers[name] = func(X)
                times[name].append(time.perf_counter() - t0)
                cpu[name].append(time.process_time() - c0)
        realdata = _realdata_check(quick)
    wall = {k: median(v) for k, v in times.items()}
    proc = {k: median(v) for k, v in cpu.items()}
    paths: dict[str, dict[str, Any]] = {}
    for name in runs:
        if name == "mne":
            continue
        worst, per_band = _rel_diff(powers[name], powers["mne"])
        paths[name] = {
            "seconds": wall[name],
            "seconds_all_repeats": times[name],
            "windows_per_s": n_windows / wall[name],
            "speedup_vs_mne": wall["mne"] / wall[name],
            "speedup_vs_mne_cpu_time": proc["mne"] / proc[name],
            "max_band_power_rel_diff": worst,
            "max_band_power_rel_diff_per_band": per_band,
        }
    ok = [k for k, v in paths.items() if v["max_band_power_rel_diff"] <= TOLERANCE]
    best = min(ok, key=lambda k: paths[k]["seconds"]) if ok else None
    result: dict[str, Any] = {
        "benchmark": "preprocess",
        "chain": "bandpass 0.5-50 Hz FIR + notch 60 Hz FIR + Welch band power (5 bands)",
        "n_windows": n_windows,
        "window": f"{WINDOW_S:g} s x {N_CHANS} ch x {SFREQ:g} Hz (float32 input)",
        "repeats": repeats,
        "tolerance": TOLERANCE,
        "ours_path": best,
        "seconds_ours": paths[best]["seconds"] if best else None,
        "seconds_mne": wall["mne"],
        "seconds_mne_all_repeats": times["mne"],
        "windows_per_s_ours": paths[best]["windows_per_s"] if best else None,
        "windows_per_s_mne": n_windows / wall["mne"],
        "speedup_vs_mne": paths[best]["speedup_vs_mne"] if best else None,
        "speedup_vs_mne_cpu_time": paths[best]["speedup_vs_mne_cpu_time"] if best else None,
        "max_band_power_rel_diff": paths[best]["max_band_power_rel_diff"] if best else None,
    }
    for method in ("fir", "spectral"):
        for key in ("windows_per_s", "speedup_vs_mne", "speedup_vs_mne_cpu_time",
                    "max_band_power_rel_diff"):
            result[f"{key}_{method}"] = paths[f"{method}_float32"][key]
    result["paths"] = paths
    result["realdata"] = realdata
    result.update({
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "mne": mne.__version__,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
    })
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
