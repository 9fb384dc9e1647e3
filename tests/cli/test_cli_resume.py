"""A training killed with SIGKILL mid-way resumes and ends with the uninterrupted metrics."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from mindstate.cli import main
from mindstate.io.datasets.eegmat import make_fake_eegmat

CFG = {
    "name": "resume",
    "seed": 5,
    "data": {"dataset": "eegmat", "root": "unused", "window_s": 2.0,
             "picks": ["Fp1", "Fp2", "C3", "C4", "O1", "O2"]},
    "preprocess": {"resample": 64.0, "bandpass": [1.0, 30.0]},
    "model": {"name": "shallow_convnet", "kwargs": {"n_filters": 4}},
    "train": {"epochs": 6, "batch_size": 16, "patience": None, "num_threads": 1},
    "evaluate": {"protocol": "loso", "bootstrap": 0, "baseline": False},
}


def test_sigkill_then_resume_matches_uninterrupted(tmp_path):
    data = tmp_path / "data"
    make_fake_eegmat(data, n_subjects=3, durations_s=(12.0, 8.0), sfreq=128.0, random_state=2)
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(yaml.safe_dump(CFG))

    reference = tmp_path / "reference"
    assert main(["train", str(cfg), "--data", str(data), "--out", str(reference)]) == 0

    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    cmd = [sys.executable, "-m", "mindstate.cli", "train", str(cfg), "--data", str(data),
           "--out", str(out)]
    partial = Path(str(out) + ".partial")
    ckpt = partial / "checkpoints" / "fold001" / "last.ckpt"
    # Kill the process from outside (as the OOM killer or a pre-empted node would) once it
    # is mid-way: the first fold done, the second fold checkpointed.
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while not ckpt.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "training finished before it could be killed"
    assert not out.exists() and (partial / "folds" / "fold000.npz").exists()

    # Without --resume the unfinished run is protected; evaluate refuses it clearly.
    assert main(["train", str(cfg), "--data", str(data), "--out", str(out)]) == 2
    assert main(["evaluate", str(partial)]) == 2

    assert main(["train", str(cfg), "--data", str(data), "--out", str(out), "--resume"]) == 0
    assert not partial.exists()
    a = json.loads((reference / "metrics.json").read_text())
    b = json.loads((out / "metrics.json").read_text())
    for key in ("accuracy", "balanced_accuracy", "macro_f1", "ece"):
        assert a[key] == b[key], key
    assert (reference / "predictions.csv").read_text() == (out / "predictions.csv").read_text()
