"""`mindstate demo --quick` and `mindstate simulate` end to end."""

from __future__ import annotations

import json

from mindstate.cli import main
from mindstate.runs import REQUIRED_FILES


def test_demo_quick_writes_a_complete_run(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--quick", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "chance" in text and "loso" in text and "subject-trial" in text
    assert text.count("ahlsa") == 2 and text.count("bandpower_logreg") == 2
    for name in (*REQUIRED_FILES, "report.html", "calibration.json", "learning_curves.png"):
        assert (out / name).is_file(), name
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["protocol"] == "loso" and metrics["n_subjects"] == 4
    assert metrics["chance_balanced_accuracy"] == 1 / 3
    run = json.loads((out / "run.json").read_text())
    assert run["seed"] == 0 and "git_sha" in run
    assert main(["demo", "--quick", "--out", str(out)]) == 2  # never overwritten silently
    assert "already exists" in capsys.readouterr().err


def test_simulate_command(tmp_path, capsys):
    assert main(["simulate", "e4", "--out", str(tmp_path / "e4"), "--quick"]) == 0
    assert (tmp_path / "e4" / "processed").is_dir()
    assert main(["simulate", "eeg-emoton", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "Did you mean 'eeg-emotion'" in err and len(err.strip().splitlines()) == 1
