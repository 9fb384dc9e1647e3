"""HPO: `mindstate hpo configs/demo.yaml` on SQLite; a second call continues the study and two
workers on one storage cooperate."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import optuna
import pytest

from mindstate.cli import main
from mindstate.simulate import simulate

REPO = Path(__file__).resolve().parents[2]
FAST = ["--set", "train.epochs=1", "--set", "train.num_threads=1", "--set",
        "evaluate.bootstrap=0", "--set", "evaluate.baseline=false", "--set",
        "evaluate.protocol=holdout-subjects", "--set", "data.step_s=4.0", "--set",
        "model.kwargs.n_bands=4"]


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory) -> Path:
    return simulate("eeg-emotion", tmp_path_factory.mktemp("sim") / "d", quick=True,
                    random_state=0)


def _trials(storage: str, name: str = "demo") -> int:
    study = optuna.load_study(study_name=name, storage=storage)
    return len([t for t in study.trials if t.state.is_finished()])


def test_hpo_runs_and_second_call_continues(demo_data, tmp_path, capsys):
    storage = f"sqlite:///{tmp_path / 'hpo.db'}"
    args = ["hpo", str(REPO / "configs" / "demo.yaml"), "--trials", "3", "--storage", storage,
            "--data", str(demo_data), "--json", *FAST]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["n_trials"] == 3 and 0.0 <= first["best_value"] <= 1.0
    assert set(first["best_params"]) == {"train.lr", "model.kwargs.n_bands",
                                         "model.kwargs.drop_prob"}
    assert main(args[:3] + ["1"] + args[4:]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["n_trials"] == 4 and _trials(storage) == 4


def test_two_workers_share_one_sqlite_study(demo_data, tmp_path):
    storage = f"sqlite:///{tmp_path / 'shared.db'}"
    cmd = [sys.executable, "-m", "mindstate.cli", "hpo", str(REPO / "configs" / "demo.yaml"),
           "--trials", "2", "--storage", storage, "--data", str(demo_data), *FAST]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-2000:]
    assert _trials(storage) == 4


def test_hpo_bad_input(tmp_path, capsys):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("data: {dataset: eegmat, root: x}\nmodel: {name: eegnet}\n")
    assert main(["hpo", str(cfg), "--trials", "1", "--storage",
                 f"sqlite:///{tmp_path / 'x.db'}"]) == 2
    assert "hpo.space is empty" in capsys.readouterr().err
    assert main(["hpo", str(REPO / "configs" / "demo.yaml"), "--trials", "1", "--storage",
                 "redis://x"]) == 2
    assert "--storage must be an RDB URL" in capsys.readouterr().err
    assert main(["hpo", str(REPO / "configs" / "demo.yaml"), "--trials", "0"]) == 2
    assert "--trials must be >= 1" in capsys.readouterr().err
