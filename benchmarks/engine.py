"""Training throughput of the mindstate engine (Lightning) vs a plain PyTorch loop.

Same model (Shallow ConvNet, 19 channels × 4 s at 128 Hz), same data, batch size, optimiser,
schedule and number of epochs; the two are timed alternately in one process and the median of
the repeats is compared. ``overhead_ratio`` = engine time / plain time (1.0 = no overhead).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import UTC, datetime
from statistics import median
from typing import Any

import numpy as np
import torch

from mindstate.models import create_model
from mindstate.train.engine import _EpochSampler, _lr_lambda, fit


def _data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 19, 512)).astype(np.float32)
    y = rng.integers(0, 3, n)
    return X, y


def _model(seed: int, n_chans: int = 19, n_times: int = 512, n_filters: int = 20
           ) -> torch.nn.Module:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return create_model("shallow_convnet", n_chans=n_chans, n_outputs=3, n_times=n_times,
                            sfreq=128.0 if n_times == 512 else 64.0, n_filters=n_filters)


def _plain(X: np.ndarray, y: np.ndarray, epochs: int, batch: int, seed: int) -> float:
    model = _model(seed, X.shape[1], X.shape[2], 20 if X.shape[1] == 19 else 4)
    ds = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
    sampler = _EpochSampler(len(ds), seed)
    dl = torch.utils.data.DataLoader(ds, batch_size=batch, sampler=sampler)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, _lr_lambda(epochs * len(dl), 0, "cosine",
                                                              0.01))
    loss_fn = torch.nn.CrossEntropyLoss()
    t0 = time.perf_counter()
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        model.train()
        for xb, yb in dl:
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            sched.step()
    return time.perf_counter() - t0


def _engine(X: np.ndarray, y: np.ndarray, epochs: int, batch: int, seed: int) -> float:
    model = _model(seed, X.shape[1], X.shape[2], 20 if X.shape[1] == 19 else 4)
    t0 = time.perf_counter()
    fit(model, X, y, loss_fn=torch.nn.CrossEntropyLoss(), epochs=epochs, batch_size=batch,
        lr=1e-3, weight_decay=1e-2, patience=None, seed=seed)
    return time.perf_counter() - t0


def run(quick: bool = False) -> dict[str, Any]:
    """Time both loops; return throughputs (windows/s) and the overhead ratio."""
    import logging

    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    n, epochs, repeats, batch = (512, 2, 2, 64) if quick else (2048, 3, 3, 64)
    X, y = _data(n)
    _plain(X[:128], y[:128], 1, batch, 0)  # warm-up both paths
    _engine(X[:128], y[:128], 1, batch, 0)
    plain, engine = [], []
    for r in range(repeats):
        plain.append(_plain(X, y, epochs, batch, r))
        engine.append(_engine(X, y, epochs, batch, r))
    t_plain, t_engine = median(plain), median(engine)
    # Fixed cost per step: a tiny model on tiny windows, where the step itself is ~1 ms.
    rng = np.random.default_rng(1)
    Xt = rng.standard_normal((1024, 4, 64)).astype(np.float32)
    yt = rng.integers(0, 3, 1024)
    steps = 2 * 1024 // 16
    tp = median(_plain(Xt, yt, 2, 16, r) for r in range(repeats))
    te = median(_engine(Xt, yt, 2, 16, r) for r in range(repeats))
    return {
        "benchmark": "engine",
        "windows_per_s_engine": n * epochs / t_engine,
        "windows_per_s_plain": n * epochs / t_plain,
        "overhead_ratio": t_engine / t_plain,
        "tiny_model_ms_per_step_plain": 1e3 * tp / steps,
        "tiny_model_ms_per_step_engine": 1e3 * te / steps,
        "fixed_overhead_ms_per_step": 1e3 * (te - tp) / steps,
        "n_windows": n, "epochs": epochs, "repeats": repeats, "batch_size": batch,
        "model": "shallow_convnet(19x512, n_filters=20)",
        "torch_threads": torch.get_num_threads(), "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "date": datetime.now(UTC).date().isoformat(),
    }


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    print(json.dumps(run(quick=ap.parse_args().quick)))
