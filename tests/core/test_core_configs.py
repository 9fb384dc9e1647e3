"""Every shipped config loads strictly and runs end to end on tiny fake data of its format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mindstate.cli import main
from mindstate.config import load_config

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = sorted((ROOT / "configs").glob("*.yaml"))


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_shipped_config_loads(path):
    cfg = load_config(path, [])
    assert cfg.name == path.stem


def _run(capsys, config: str, data: Path, out: Path, *overrides: str) -> dict:
    args = ["train", config, "--data", str(data), "--out", str(out), "--json",
            "--set", "train.epochs=1", "--set", "train.num_threads=1",
            "--set", "evaluate.bootstrap=0"]
    for o in overrides:
        args += ["--set", o]
    capsys.readouterr()
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def test_eegmat_config_runs(tmp_path, capsys):
    from mindstate.io.datasets import make_fake_eegmat

    data = make_fake_eegmat(tmp_path / "d", n_subjects=3, durations_s=(12.0, 12.0),
                            sfreq=256.0, random_state=0)
    m = _run(capsys, str(ROOT / "configs/eegmat_rest_vs_task.yaml"), data, tmp_path / "run")
    assert m["protocol"] == "loso" and m["n_subjects"] == 3 and m["task"] == "classification"


def test_hms_config_runs(tmp_path, capsys):
    from mindstate.io.datasets.hms import make_fake_hms

    data = make_fake_hms(tmp_path / "hms", n_eegs=4, n_rows_per_eeg=2, random_state=0)
    m = _run(capsys, str(ROOT / "configs/hms_baseline.yaml"), data, tmp_path / "run",
             "evaluate.kwargs.n_splits=2")
    assert m["task"] == "soft" and m["protocol"] == "group-kfold" and m["kl"] >= 0
    assert m["chance_kl"] >= 0
