"""The attention benchmark's helpers (benchmarks/attention.py): lean RLS step and verdict."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch

from mindstate.models.least_squares import RLSFilter

PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "attention.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("mindstate_benchmark_attention", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_lean_step_gives_the_library_filter_results(bench):
    g = torch.Generator().manual_seed(0)
    K, V, Q = (torch.randn(300, 8, generator=g) for _ in range(3))
    f = RLSFilter(8, 8, lam=1.0, forget=0.97)
    for t in range(100):
        f.update(K[t], V[t])
    lean = bench.LeanRLS(f)
    for t in range(100, 300):
        err_ref = f.update(K[t], V[t])
        out_ref, var_ref = f.predict(Q[t])
        out, var, err = lean.step(K[t], V[t], Q[t])
        assert torch.allclose(out, out_ref, rtol=1e-4, atol=1e-5)
        assert torch.allclose(var, var_ref, rtol=1e-4)
        assert torch.allclose(err, err_ref, rtol=1e-4, atol=1e-5)
    assert torch.allclose(lean.P, f.P, rtol=1e-4, atol=1e-7)
    assert torch.equal(lean.P, lean.P.T)  # symmetrised like the library


def test_verdict_is_computed_from_the_figures(bench):
    stream = {"flatness_ratio": 1.05, "sdpa_over_rls_at_max_T": 3.0,
              "sdpa_over_rls_lean_at_max_T": 12.0, "rls_over_linear_at_max_T": 2.0}
    full = {"ratio_rls_over_sdpa": {"256": 5.0, "1024": 1.5},
            "peak_mem_mb": {"rls": {"256": 10.0, "4096": 40.0},
                            "sdpa": {"256": 1.0, "4096": 16.0}}}
    v = bench._verdict(stream, full)
    assert v == {"streaming_flat_in_T": True,
                 "rls_step_10x_faster_than_sdpa_step_at_max_T": False,
                 "lean_rls_step_10x_faster_than_sdpa_step_at_max_T": True,
                 "rls_step_faster_than_linear_attention_step": False,
                 "full_window_within_2x_of_sdpa_at_1024": True,
                 "rls_memory_at_most_linear_in_T": True,   # slope log(4)/log(16) = 0.5
                 "rls_peak_memory_below_sdpa_at_max_T": False}
    full["peak_mem_mb"]["rls"]["4096"] = 10.0 * 16**2    # quadratic growth
    assert not bench._verdict(stream, full)["rls_memory_at_most_linear_in_T"]
    full["peak_mem_mb"]["rls"]["4096"] = None             # a failed measurement never passes
    assert not bench._verdict(stream, full)["rls_memory_at_most_linear_in_T"]
