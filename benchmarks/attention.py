"""Least-squares attention (AHLSA) cost against softmax and linear attention: the complexity claim.

The seed claims "O(C²) complexity vs O(T×C²) for standard attention". This benchmark separates
the two regimes in which that sentence can be read (protocol of
``shared/reference/AHLSA_NOTES.md``; same dtype fp32, same device, same d, one process, the
competitors timed alternately):

(a) Streaming, one new sample after a history of T samples, batch 1, d = d_key, m = d_value:

- ``rls``: :class:`mindstate.models.least_squares.RLSFilter` ``update(k, v)`` + ``predict(q)``
  exactly as the library ships it (Sherman-Morrison, O(d² + d·m), independent of T). The filter
  is fresh for every T, has absorbed exactly T random samples (γ = 0.99, δ = 1) before timing,
  and each timed step uses a new sample from a pre-drawn pool (repeating one key would drive P
  to overflow with γ < 1).
- ``rls_lean``: the same update in this file with in-place BLAS-2 ops (``addr_``, ``addmv``,
  θ stored transposed, P symmetrised into a second buffer): the same maths and outputs (checked
  against ``RLSFilter`` on 50 steps, ``lean_max_rel_diff``) with about half the tensor ops, to
  show how much of the library figure is Python/dispatcher overhead rather than O(d²) work.
- ``linear``: a linear-attention recurrent step (Katharopoulos et al. 2020, φ = elu + 1):
  ``S += φ(k) vᵀ``, ``z += φ(k)``, ``o = φ(q)ᵀS / φ(q)ᵀz``; also O(d·m) per step.
- ``sdpa``: softmax attention decoding with a KV cache holding T keys/values: the new k/v are
  written into a preallocated (1, 1, T, d) cache (a ring: the oldest slot is overwritten, so
  the cache always holds T entries; softmax attention is invariant to key order) and
  ``scaled_dot_product_attention(q (1,1,1,d), K, V)`` is called: O(T·d) per step.
- ``refit``: least squares re-solved from the stored T samples at each step
  (:func:`ridge_solve` with exponential weights, O(T·d² + d³)): the literal "O(T×C²)" the
  seed's sentence compares RLS with.

(b) Full window, offline: :func:`rls_scan` ``(K, V, Q=Q, lam=1, forget=0.99)`` on (B, T, d)
against causal SDPA (``is_causal=True``) on (B, 1, T, d), no autograd, same B, d.

Timing: ``torch.utils.benchmark.Timer(...).blocked_autorange``, run in alternating rounds and
merged; the median of all blocks is reported. Threads: one intra-op thread by default
(``threads``; ``threads_default`` is ``torch.get_num_threads()`` before the run; override with
``MINDSTATE_BENCH_THREADS``). On a shared 2-core machine whose other core is busy, every op
that PyTorch splits over two OpenMP threads waits for a descheduled thread: a 0.5 MB ``mul``
took 11 ms with 2 threads and 0.14 ms with 1, which would swamp every figure here; both sides
of each comparison always use the same thread count. SDPA is pinned with
``torch.nn.attention.sdpa_kernel``: on CPU ``SDPBackend.FLASH_ATTENTION`` (the fused flash-CPU
kernel, which is also what PyTorch picks by default for these shapes); the op actually run is
read back with ``torch.profiler`` and reported (``sdpa_kernel_op``). On CUDA (only when
``torch.cuda.is_available()``) the pin is ``[FLASH_ATTENTION, EFFICIENT_ATTENTION]`` (flash
has no fp32 kernel, so fp32 goes to the memory-efficient kernel).

Peak memory on CPU: ``tracemalloc`` does not see torch's allocations and the profiler's
per-op "self memory" is not a peak, so each (method, T, d) runs once in a fresh subprocess
that builds its inputs, warms the same op up on a tiny T, resets the kernel's peak-RSS mark
(``/proc/self/clear_refs`` ← 5) and reports ``VmHWM`` after one call minus ``VmRSS`` before it:
the extra peak memory of the call, output included, inputs excluded (``ru_maxrss`` is useless
here: Linux carries it over from the parent across ``exec``). ``peak_mem_mb`` runs the worker
with glibc's mmap threshold pinned to 64 KiB, so freed tensors return to the OS at once and
the figure is the peak of the tensors alive together (the analogue of
``torch.cuda.max_memory_allocated``); ``peak_rss_default_malloc_mb`` is the same call under
glibc's default dynamic threshold, where the heap the allocator keeps after ``rls_scan``'s
per-chunk 8 MB temporaries (B = 8, d = 64) grows with the number of chunks. An analytical
count of the tensors alive at the peak is reported beside both (``peak_mem_analytic_mb``),
and the T² score matrix that the math (non-fused) SDPA backend would materialise
(``sdpa_math_scores_mb``).
On CUDA the peak is ``torch.cuda.max_memory_allocated`` minus the allocation before the call.

``verdict`` is computed from the figures: streaming RLS flat in T (``stream_flatness_ratio``
≤ 1.2), RLS step ≥ 10× faster than the SDPA step at the largest T, ``rls_scan`` within 2× of
SDPA at T = 1024 (d = 64), and RLS peak memory at most linear in T (log-log slope ≤ 1.2);
also whether the lean step reaches 10×, whether RLS beats the linear-attention step, and
whether RLS's peak memory is below SDPA's at the largest T.
Figures are wall-clock on whatever machine runs this; the CPU may be shared (``loadavg``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from statistics import median
from typing import Any

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.benchmark import Timer

from mindstate.models.least_squares import RLSFilter, _chunk_len, ridge_solve, rls_scan

GAMMA, LAM, CHUNK = 0.99, 1.0, 64
POOL = 512          # pre-drawn samples cycled through by the timed steps


# --------------------------------------------------------------------------- helpers
def _machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info: dict[str, Any] = {"cpu": cpu, "cpu_count": os.cpu_count(),
                            "platform": platform.platform(),
                            "python": platform.python_version()}
    try:
        info["loadavg_at_start"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def _backends(device: str) -> list[SDPBackend]:
    if device == "cuda":
        return [SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION]
    return [SDPBackend.FLASH_ATTENTION]


def _sdpa_op(device: str, q: torch.Tensor, K: torch.Tensor, causal: bool) -> str:
    """Name of the SDPA kernel that actually runs under the pin (read from the profiler)."""
    from torch.profiler import profile

    with profile() as prof, sdpa_kernel(_backends(device)):
        F.scaled_dot_product_attention(q, K, K, is_causal=causal)
    names = [e.key for e in prof.key_averages()
             if e.key.startswith("aten::_scaled_dot_product") or e.key.startswith("aten::_flash")
             or e.key.startswith("aten::_efficient")]
    return names[0] if names else "aten::scaled_dot_product_attention"


def _median_s(fns: dict[str, Any], *, min_run_time: float, rounds: int, threads: int,
              context: Any = None) -> dict[str, float]:
    """Median seconds per call of each ``fns[name]()``, timed in alternating rounds."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            timer = Timer("fn()", globals={"fn": fn}, num_threads=threads)
            if context is not None:
                with context():
                    m = timer.blocked_autorange(min_run_time=min_run_time / rounds)
            else:
                m = timer.blocked_autorange(min_run_time=min_run_time / rounds)
            times[name].extend(m.times)
    return {k: median(v) for k, v in times.items()}


def _phi(x: torch.Tensor) -> torch.Tensor:
    return F.elu(x).add_(1.0)


class LeanRLS:
    """``RLSFilter``'s update + predict for one problem (batch 1) with in-place BLAS-2 ops.

    Same recursion: ``Pk = P k``, ``g = Pk / (γ + kᵀPk)``, ``e = v - θᵀk``, ``θ += g eᵀ``,
    ``P = sym((P - g Pkᵀ) / γ)``, output ``θᵀq`` and variance factor ``qᵀPq``. θ is kept
    transposed (m, d) so that every product is a contiguous ``mv``/``addmv``/``addr_``.
    """

    def __init__(self, f: RLSFilter) -> None:
        self.gam = f.forget
        self.P = f.P.clone()
        self.buf = torch.empty_like(self.P)
        self.thT = f.theta.mT.contiguous()                              # (m, d)

    def step(self, k: torch.Tensor, v: torch.Tensor, q: torch.Tensor
             ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        P, gam = self.P, self.gam
        Pk = torch.mv(P, k)                                             # (d,)
        gain = Pk / torch.dot(k, Pk).add_(gam)                          # (d,)
        err = torch.addmv(v, self.thT, k, alpha=-1.0)                   # (m,)
        self.thT.addr_(err, gain)                                       # θᵀ += e gᵀ
        P.addr_(gain, Pk, alpha=-1.0).div_(gam)
        torch.add(P, P.mT, out=self.buf).mul_(0.5)                      # symmetrise
        self.P, self.buf = self.buf, P
        out = torch.mv(self.thT, q)                                     # (m,)
        var = torch.dot(q, torch.mv(self.P, q))
        return out, var, err


# --------------------------------------------------------------------------- (a) streaming
def _stream(d: int, m: int, Ts: list[int], device: str, *, min_run_time: float, rounds: int,
            threads: int, seed: int = 0) -> dict[str, Any]:
    g = torch.Generator(device="cpu").manual_seed(seed)
    pool_k = torch.randn(POOL, d, generator=g).to(device)
    pool_v = torch.randn(POOL, m, generator=g).to(device)
    pool_q = torch.randn(POOL, d, generator=g).to(device)
    ks, vs, qs = list(pool_k), list(pool_v), list(pool_q)
    q4s = [q.view(1, 1, 1, d) for q in qs]
    res: dict[str, dict[str, float]] = {k: {} for k in ("rls", "rls_lean", "linear", "sdpa",
                                                        "refit")}
    lean_diff = 0.0
    for T in Ts:
        hist_k = torch.randn(T, d, generator=g).to(device)
        hist_v = torch.randn(T, m, generator=g).to(device)
        # library RLS filter after exactly T samples
        f = RLSFilter(d, m, lam=LAM, forget=GAMMA, device=device)
        for t in range(T):
            f.update(hist_k[t], hist_v[t])
        lean = LeanRLS(f)
        # the lean step must give the library's results (checked on a copy of the state)
        ref = RLSFilter(d, m, lam=LAM, forget=GAMMA, device=device)
        ref.P, ref.theta = f.P.clone(), f.theta.clone()
        chk = LeanRLS(f)
        for i in range(50):
            ref.update(ks[i], vs[i])
            o_ref, var_ref = ref.predict(qs[i])
            o, var, _ = chk.step(ks[i], vs[i], qs[i])
            scale = float(o_ref.abs().max()) + 1e-12
            lean_diff = max(lean_diff, float((o - o_ref).abs().max()) / scale,
                            float((var - var_ref).abs() / var_ref.abs()))
        # linear attention state after the same T samples (S = Σ φ(k) vᵀ, z = Σ φ(k))
        phik = _phi(hist_k.clone())
        S, z = phik.T @ hist_v, phik.sum(0)
        # KV cache holding T keys/values (ring buffer)
        Kc = hist_k.clone().view(1, 1, T, d)
        Vc = hist_v.clone().view(1, 1, T, m)
        krows, vrows = list(Kc[0, 0]), list(Vc[0, 0])
        # refit: weighted ridge over the T stored samples (weights γ^{age})
        w = GAMMA ** torch.arange(T - 1, -1, -1, dtype=torch.float32, device=device)
        Kr, Vr = hist_k.clone(), hist_v.clone()
        rk, rv = list(Kr), list(Vr)
        lam_T = LAM * GAMMA ** T

        idx = {n: itertools.cycle(range(POOL)) for n in res}
        slot = {"sdpa": itertools.cycle(range(T)), "refit": itertools.cycle(range(T))}

        def rls_step(f=f, it=idx["rls"]):
            i = next(it)
            f.update(ks[i], vs[i])
            return f.predict(qs[i])

        def lean_step(lean=lean, it=idx["rls_lean"]):
            i = next(it)
            return lean.step(ks[i], vs[i], qs[i])

        def linear_step(S=S, z=z, it=idx["linear"]):
            i = next(it)
            fk = _phi(ks[i].clone())
            S.addr_(fk, vs[i])
            z.add_(fk)
            fq = _phi(qs[i].clone())
            return torch.mv(S.T, fq).div_(torch.dot(z, fq))

        def sdpa_step(Kc=Kc, Vc=Vc, krows=krows, vrows=vrows, it=idx["sdpa"],
                      sl=slot["sdpa"]):
            i, s = next(it), next(sl)
            krows[s].copy_(ks[i])
            vrows[s].copy_(vs[i])
            return F.scaled_dot_product_attention(q4s[i], Kc, Vc)

        def refit_step(Kr=Kr, Vr=Vr, rk=rk, rv=rv, w=w, lam_T=lam_T, it=idx["refit"],
                       sl=slot["refit"]):
            i, s = next(it), next(sl)
            rk[s].copy_(ks[i])
            rv[s].copy_(vs[i])
            theta, P = ridge_solve(Kr, Vr, lam_T, weights=w)
            return qs[i] @ theta, qs[i] @ P @ qs[i]

        fns = {"rls": rls_step, "rls_lean": lean_step, "linear": linear_step,
               "sdpa": sdpa_step, "refit": refit_step}
        with torch.no_grad():
            t = _median_s(fns, min_run_time=min_run_time, rounds=rounds, threads=threads,
                          context=lambda: sdpa_kernel(_backends(device)))
        for name, sec in t.items():
            res[name][str(T)] = 1e6 * sec
        del f, lean, ref, chk, Kc, Vc, krows, vrows, Kr, Vr, rk, rv
    Tmax = str(max(Ts))
    Tmin = str(min(Ts))
    return {
        "d": d, "m": m, "batch": 1,
        "rls_step_us": res["rls"], "rls_lean_step_us": res["rls_lean"],
        "linear_step_us": res["linear"], "sdpa_step_us": res["sdpa"],
        "refit_step_us": res["refit"],
        "flatness_ratio": res["rls"][Tmax] / res["rls"][Tmin],
        "lean_flatness_ratio": res["rls_lean"][Tmax] / res["rls_lean"][Tmin],
        "sdpa_over_rls_at_max_T": res["sdpa"][Tmax] / res["rls"][Tmax],
        "sdpa_over_rls_lean_at_max_T": res["sdpa"][Tmax] / res["rls_lean"][Tmax],
        "rls_over_linear_at_max_T": res["rls"][Tmax] / res["linear"][Tmax],
        "refit_over_rls_at_max_T": res["refit"][Tmax] / res["rls"][Tmax],
        "lean_max_rel_diff": lean_diff,
        "sdpa_kernel_op": _sdpa_op(device, q4s[0], torch.randn(1, 1, 64, d, device=device),
                                   causal=False),
    }


# --------------------------------------------------------------------------- (b) full window
def _inputs(B: int, T: int, d: int, device: str, seed: int = 0):
    g = torch.Generator(device="cpu").manual_seed(seed)
    K, V, Q = (torch.randn(B, T, d, generator=g).to(device) for _ in range(3))
    return K, V, Q


def _call(method: str, K: torch.Tensor, V: torch.Tensor, Q: torch.Tensor) -> torch.Tensor:
    if method == "rls":
        return rls_scan(K, V, Q=Q, lam=LAM, forget=GAMMA, chunk=CHUNK)[0]
    with sdpa_kernel(_backends(K.device.type)):
        return F.scaled_dot_product_attention(Q.unsqueeze(1), K.unsqueeze(1), V.unsqueeze(1),
                                              is_causal=True)


def _analytic_mb(method: str, B: int, T: int, d: int) -> float:
    """MiB of the fp32 tensors alive at once at the peak of one call (output included).

    A lower bound on the measured figure, which also holds allocator retention and LAPACK
    workspace.
    """
    m = d
    if method == "rls":
        L = min(_chunk_len(GAMMA, CHUNK), T)
        # rls_scan, at the solve of a chunk: k kᵀ, the previous chunk's R_t (kept alive by the
        # carried view R), this chunk's R_t, the weighted-cumsum temporary and the LU copy
        # (5 B·L·d²); k vᵀ, the previous and this chunk's S_t (3 B·L·d·m); the outputs,
        # listed then concatenated (2 B·T·m).
        floats = 5 * B * L * d * d + 3 * B * L * d * m + 2 * B * T * m
    else:   # fused flash-CPU: output + log-sum-exp; tiles are O(block²), independent of T
        floats = B * T * m + B * T
    return 4 * floats / 2**20


def _peak_mb_subprocess(method: str, B: int, T: int, d: int, threads: int, *,
                        live: bool) -> float | None:
    """Extra peak RSS (MiB) of one call in a fresh process.

    ``live``: glibc's mmap threshold is pinned to 64 KiB (``MALLOC_MMAP_THRESHOLD_``), so every
    freed tensor goes back to the OS and the peak is that of the tensors alive at once (the CPU
    analogue of ``torch.cuda.max_memory_allocated``). Otherwise glibc's default dynamic
    threshold applies and the figure also holds the heap the allocator keeps (fragmentation).
    """
    cmd = [sys.executable, str(Path(__file__).resolve()), "--mem-worker", method,
           str(B), str(T), str(d), str(threads)]
    env = dict(os.environ)
    if live:
        env["MALLOC_MMAP_THRESHOLD_"] = "65536"
    else:
        env.pop("MALLOC_MMAP_THRESHOLD_", None)
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=True,
                             env=env)
        return float(json.loads(out.stdout.strip().splitlines()[-1])["peak_mb"])
    except (subprocess.SubprocessError, ValueError, KeyError, IndexError):
        return None


def _proc_status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024.0                        # kB -> MiB
    raise KeyError(field)


def _mem_worker(method: str, B: int, T: int, d: int, threads: int) -> None:
    import gc

    torch.set_num_threads(threads)
    with torch.no_grad():
        K, V, Q = _inputs(B, T, d, "cpu")
        _call(method, *_inputs(B, 64, d, "cpu", seed=1))   # load kernels, thread pools
        gc.collect()
        # reset the peak-RSS mark (VmHWM) to the current RSS (Linux >= 4.0); ru_maxrss cannot
        # be used: it is inherited across exec from the parent process
        Path("/proc/self/clear_refs").write_text("5")
        before = _proc_status_mb("VmRSS")
        out = _call(method, K, V, Q)
        after = _proc_status_mb("VmHWM")
    assert out.shape[-2] == T
    print(json.dumps({"peak_mb": after - before}))


def _peak_mb_cuda(method: str, K, V, Q) -> float:
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    base = torch.cuda.memory_allocated()
    out = _call(method, K, V, Q)
    torch.cuda.synchronize()
    peak = torch.cuda.max_memory_allocated() - base
    del out
    return peak / 2**20


def _full_window(B: int, d: int, Ts: list[int], device: str, *, min_run_time: float,
                 rounds: int, threads: int) -> dict[str, Any]:
    out: dict[str, Any] = {"rls_ms": {}, "sdpa_ms": {}, "ratio_rls_over_sdpa": {},
                           "peak_mem_mb": {"rls": {}, "sdpa": {}},
                           "peak_rss_default_malloc_mb": {"rls": {}, "sdpa": {}},
                           "peak_mem_analytic_mb": {"rls": {}, "sdpa": {}},
                           "sdpa_math_scores_mb": {}}
    for T in Ts:
        K, V, Q = _inputs(B, T, d, device)
        fns = {"rls": lambda K=K, V=V, Q=Q: _call("rls", K, V, Q),
               "sdpa": lambda K=K, V=V, Q=Q: _call("sdpa", K, V, Q)}
        with torch.no_grad():
            t = _median_s(fns, min_run_time=min_run_time, rounds=rounds, threads=threads)
        key = str(T)
        out["rls_ms"][key] = 1e3 * t["rls"]
        out["sdpa_ms"][key] = 1e3 * t["sdpa"]
        out["ratio_rls_over_sdpa"][key] = t["rls"] / t["sdpa"]
        for meth in ("rls", "sdpa"):
            if device == "cuda":
                with torch.no_grad():
                    mb = _peak_mb_cuda(meth, K, V, Q)
                out["peak_rss_default_malloc_mb"] = None
            else:
                mb = _peak_mb_subprocess(meth, B, T, d, threads, live=True)
                out["peak_rss_default_malloc_mb"][meth][key] = _peak_mb_subprocess(
                    meth, B, T, d, threads, live=False)
            out["peak_mem_mb"][meth][key] = mb
            out["peak_mem_analytic_mb"][meth][key] = _analytic_mb(meth, B, T, d)
        out["sdpa_math_scores_mb"][key] = 4 * B * T * T / 2**20
        del K, V, Q
    K, _, Q = _inputs(B, 64, d, device)
    out["sdpa_kernel_op"] = _sdpa_op(device, Q.unsqueeze(1), K.unsqueeze(1), causal=True)
    out["rls_chunk_len"] = _chunk_len(GAMMA, CHUNK)
    return out


def _slope(mem: dict[str, float | None]) -> float | None:
    """Log-log slope of peak memory between the smallest and the largest T."""
    Ts = sorted(int(t) for t in mem)
    lo, hi = mem[str(Ts[0])], mem[str(Ts[-1])]
    if lo is None or hi is None or lo <= 0 or hi <= 0:
        return None
    return math.log(hi / lo) / math.log(Ts[-1] / Ts[0])


def _verdict(stream: dict[str, Any], full64: dict[str, Any]) -> dict[str, Any]:
    slope = _slope(full64["peak_mem_mb"]["rls"])
    ratio_1024 = full64["ratio_rls_over_sdpa"].get("1024")
    return {
        "streaming_flat_in_T": stream["flatness_ratio"] <= 1.2,
        "rls_step_10x_faster_than_sdpa_step_at_max_T": stream["sdpa_over_rls_at_max_T"] >= 10,
        "lean_rls_step_10x_faster_than_sdpa_step_at_max_T":
            stream["sdpa_over_rls_lean_at_max_T"] >= 10,
        "rls_step_faster_than_linear_attention_step": stream["rls_over_linear_at_max_T"] < 1,
        "full_window_within_2x_of_sdpa_at_1024": (ratio_1024 is not None and ratio_1024 <= 2),
        "rls_memory_at_most_linear_in_T": (slope is not None and slope <= 1.2),
        "rls_peak_memory_below_sdpa_at_max_T": _mem_ratio(full64) is not None
        and _mem_ratio(full64) < 1,
    }


def _mem_ratio(full: dict[str, Any]) -> float | None:
    """RLS / SDPA measured peak memory at the largest full-window T."""
    Tmax = str(max(int(t) for t in full["peak_mem_mb"]["rls"]))
    r, s = full["peak_mem_mb"]["rls"][Tmax], full["peak_mem_mb"]["sdpa"][Tmax]
    return None if r is None or not s else r / s


# --------------------------------------------------------------------------- entry point
def _run_device(device: str, quick: bool, threads: int) -> dict[str, Any]:
    Ts_stream = [256, 1024, 4096] if quick else [256, 1024, 4096, 16384]
    Ts_full = [256, 1024] if quick else [256, 1024, 4096]
    B, ds_full = 8, [16, 64]
    mrt_stream, mrt_full, rounds = (0.3, 0.4, 3) if quick else (1.0, 1.5, 5)

    stream = _stream(64, 64, Ts_stream, device, min_run_time=mrt_stream, rounds=rounds,
                     threads=threads)
    stream62 = _stream(62, 62, Ts_stream, device, min_run_time=mrt_stream, rounds=rounds,
                       threads=threads, seed=1)
    full = {str(d): _full_window(B, d, Ts_full, device, min_run_time=mrt_full, rounds=rounds,
                                 threads=threads) for d in ds_full}
    f64 = full["64"]
    Tmax = str(max(Ts_stream))
    return {
        "device": device, "d": 64, "batch": {"stream": 1, "full_window": B},
        "max_T": int(Tmax),
        "stream_step_us": stream["rls_step_us"],
        "sdpa_step_us": stream["sdpa_step_us"],
        "linear_step_us": stream["linear_step_us"],
        "stream_lean_step_us": stream["rls_lean_step_us"],
        "refit_step_us": stream["refit_step_us"],
        "stream_flatness_ratio": stream["flatness_ratio"],
        "stream_vs_sdpa_at_max_T": stream["sdpa_over_rls_at_max_T"],
        "stream_lean_vs_sdpa_at_max_T": stream["sdpa_over_rls_lean_at_max_T"],
        "rls_vs_linear_at_max_T": stream["rls_over_linear_at_max_T"],
        "refit_vs_rls_at_max_T": stream["refit_over_rls_at_max_T"],
        "lean_max_rel_diff": stream["lean_max_rel_diff"],
        "stream_sdpa_kernel_op": stream["sdpa_kernel_op"],
        "stream_d62": stream62,
        "full_window_ms": f64["rls_ms"],
        "sdpa_full_window_ms": f64["sdpa_ms"],
        "full_window_ratio_1024": f64["ratio_rls_over_sdpa"].get("1024"),
        "peak_mem_mb": f64["peak_mem_mb"],
        "peak_mem_analytic_mb": f64["peak_mem_analytic_mb"],
        "peak_rss_default_malloc_mb": f64["peak_rss_default_malloc_mb"],
        "rls_mem_loglog_slope": _slope(f64["peak_mem_mb"]["rls"]),
        "rls_over_sdpa_peak_mem_at_max_T": _mem_ratio(f64),
        "sdpa_mem_loglog_slope": _slope(f64["peak_mem_mb"]["sdpa"]),
        "full_window_by_d": full,
        "full_window_sdpa_kernel_op": f64["sdpa_kernel_op"],
        "verdict": _verdict(stream, f64),
    }


def run(quick: bool = False) -> dict[str, Any]:
    """Run (a) streaming and (b) full-window comparisons; returns a JSON-serialisable dict."""
    threads_default = torch.get_num_threads()
    threads = int(os.environ.get("MINDSTATE_BENCH_THREADS", "1"))
    torch.set_num_threads(threads)
    try:
        return _run(quick, threads, threads_default)
    finally:
        torch.set_num_threads(threads_default)


def _run(quick: bool, threads: int, threads_default: int) -> dict[str, Any]:
    torch.manual_seed(0)
    res: dict[str, Any] = {
        "benchmark": "attention", "quick": quick,
        "machine": _machine(), "date": datetime.now(UTC).date().isoformat(),
        "torch": torch.__version__, "threads": torch.get_num_threads(),
        "threads_default": threads_default, "dtype": "float32",
        "forget": GAMMA, "lam": LAM, "sdpa_backend_pinned": {
            "cpu": "SDPBackend.FLASH_ATTENTION (fused flash-CPU kernel)",
            "cuda": "[SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION]"},
    }
    res.update(_run_device("cpu", quick, threads))
    if torch.cuda.is_available():
        res["cuda"] = _run_device("cuda", quick, threads)
    else:
        res["cuda"] = None
    try:
        res["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    return res


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--mem-worker", nargs=5, metavar=("METHOD", "B", "T", "D", "THREADS"))
    a = ap.parse_args()
    if a.mem_worker:
        meth, *nums = a.mem_worker
        _mem_worker(meth, *(int(x) for x in nums))
    else:
        print(json.dumps(run(quick=a.quick)))
