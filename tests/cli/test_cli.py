"""End-to-end CLI: train → evaluate → predict on fake eegmat EDFs, and every bad-input path."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from mindstate.cli import main
from mindstate.io.datasets.eegmat import make_fake_eegmat

REPO = Path(__file__).resolve().parents[2]

TINY = {
    "name": "tiny",
    "seed": 3,
    "data": {"dataset": "eegmat", "root": "unused", "window_s": 2.0, "step_s": 2.0,
             "picks": ["Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2"]},
    "preprocess": {"resample": 64.0, "bandpass": [1.0, 30.0], "normalize": "robust"},
    "model": {"name": "shallow_convnet", "kwargs": {"n_filters": 6}},
    "train": {"epochs": 3, "batch_size": 16, "lr": 0.003, "patience": None,
              "val_fraction": 0.25, "num_threads": 1},
    "evaluate": {"protocol": "loso", "bootstrap": 0},
}


@pytest.fixture(scope="module")
def fake_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("eegmat")
    make_fake_eegmat(root, n_subjects=3, durations_s=(16.0, 12.0), sfreq=128.0, random_state=1)
    return root


@pytest.fixture(scope="module")
def tiny_config(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cfg") / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY))
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory, fake_root, tiny_config) -> Path:
    out = tmp_path_factory.mktemp("runs") / "run"
    assert main(["train", str(tiny_config), "--data", str(fake_root), "--out", str(out)]) == 0
    return out


def _fake(run: Path) -> Path:
    return Path(json.loads((run / "run.json").read_text())["records"][0]).parent


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def _assert_user_error(code: int, err: str, pattern: str) -> None:
    assert code == 2
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got: {err!r}"
    assert "Traceback" not in err
    assert pattern.lower() in lines[0].lower(), lines[0]


# ----------------------------------------------------------------------------- happy paths
def test_run_dir_is_complete(trained):
    for name in ("config.yaml", "run.json", "metrics.json", "model.safetensors", "model.json",
                 "preprocess.json", "calibration.json", "report.html", "learning_curves.png",
                 "confusion_matrix.png", "roc.png", "reliability.png", "predictions.csv"):
        assert (trained / name).is_file(), name
    run = json.loads((trained / "run.json").read_text())
    assert run["seed"] == 3 and run["git_sha"] and run["mindstate_version"]
    metrics = json.loads((trained / "metrics.json").read_text())
    assert metrics["protocol"] == "loso" and metrics["n_subjects"] == 3
    assert metrics["n_records"] == 6 and 0.0 <= metrics["accuracy"] <= 1.0
    assert not (trained.parent / "run.partial").exists()
    spec = json.loads((trained / "model.json").read_text())
    assert spec["weights"] == ["model.safetensors"] and spec["input_shapes"]["eeg"][0] == 10
    html = (trained / "report.html").read_text()
    assert html.count("<img") == 4 and "Signal quality" in html
    quality = metrics["data_quality"]
    assert len(quality) == 6 and all(0.0 <= q["mean_quality"] <= 1.0 for q in quality)


def test_evaluate_json_on_other_records(trained, tmp_path, capsys):
    other = tmp_path / "other"
    make_fake_eegmat(other, n_subjects=2, durations_s=(10.0, 8.0), sfreq=128.0, random_state=9)
    code, out, _ = _run(capsys, "evaluate", str(trained), "--data", str(other), "--json")
    assert code == 0
    m = json.loads(out)
    for key in ("accuracy", "balanced_accuracy", "macro_f1", "n_records", "n_subjects",
                "protocol"):
        assert key in m
    assert m["n_records"] == 4 and m["n_subjects"] == 2 and m["protocol"] == "external"
    code, out, _ = _run(capsys, "evaluate", str(trained), "--json")
    assert code == 0 and json.loads(out)["protocol"] == "loso"
    # training records under another path are recognised by content
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(other / "Subject00_1.edf", copy / "Subject07_1.edf")
    for f in ("Subject00_1.edf", "Subject01_2.edf"):
        shutil.copy(_fake(trained) / f, copy / f)
    code, out, _ = _run(capsys, "evaluate", str(trained), "--data", str(copy), "--json")
    m = json.loads(out)
    assert m["protocol"] == "resubstitution" and m["n_records_seen_in_training"] == 2


def test_predict_json_gives_per_window_probabilities(trained, fake_root, capsys):
    code, out, _ = _run(capsys, "predict", str(trained), str(fake_root / "Subject00_2.edf"),
                        "--json")
    assert code == 0
    res = json.loads(out)
    assert res["classes"] == ["rest", "task"]
    assert len(res["windows"]) == 6  # 12 s / 2 s
    for w in res["windows"]:
        p = np.array([w["p_rest"], w["p_task"]])
        assert np.isclose(p.sum(), 1.0) and 0.5 <= w["confidence"] <= 1.0
        assert 0.0 <= w["uncertainty"] <= 1.0


def test_same_seed_same_metrics(trained, fake_root, tiny_config, tmp_path):
    out = tmp_path / "again"
    assert main(["train", str(tiny_config), "--data", str(fake_root), "--out", str(out)]) == 0
    a = json.loads((trained / "metrics.json").read_text())
    b = json.loads((out / "metrics.json").read_text())
    for key in ("accuracy", "balanced_accuracy", "macro_f1", "ece"):
        assert a[key] == b[key], key
    assert (trained / "predictions.csv").read_text() == (out / "predictions.csv").read_text()


# ----------------------------------------------------------------------------- bad input
def test_missing_input_file(trained, tmp_path, capsys):
    code, _, err = _run(capsys, "predict", str(trained), str(tmp_path / "Subject00_1.edf"))
    _assert_user_error(code, err, "not found")
    code, _, err = _run(capsys, "train", str(tmp_path / "nope.yaml"))
    _assert_user_error(code, err, "config file not found")


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_corrupt_edf(fake_root, tiny_config, tmp_path, capsys, damage):
    root = tmp_path / "data"
    shutil.copytree(fake_root, root)
    target = root / "Subject01_1.edf"
    raw = target.read_bytes()
    target.write_bytes(raw[: len(raw) // 2] if damage == "truncate" else b"\x00garbage" * 40)
    out = tmp_path / "run"
    code, _, err = _run(capsys, "train", str(tiny_config), "--data", str(root), "--out", str(out))
    _assert_user_error(code, err, "Subject01_1.edf")
    assert not out.exists() and not (tmp_path / "run.partial").exists()


def test_wrong_channel_set(trained, tmp_path, capsys):
    from mindstate.io.datasets.eegmat import read_eegmat
    from mindstate.io.edf import write_edf

    src = tmp_path / "src"
    make_fake_eegmat(src, n_subjects=1, durations_s=(6.0, 6.0), sfreq=128.0)
    rec = read_eegmat(src / "Subject00_1.edf")
    keep = [c for c in rec.ch_names if c not in ("O1", "O2")]
    small = rec.pick(keep)
    small.ch_names = ["EEG " + c if t == "eeg" else c for c, t in zip(small.ch_names,
                                                                      small.ch_types)]
    path = tmp_path / "bad" / "Subject00_1.edf"
    write_edf(small, path)
    code, _, err = _run(capsys, "predict", str(trained), str(path))
    _assert_user_error(code, err, "O1")


def test_nan_in_signal(fake_root, tiny_config, tmp_path, capsys, monkeypatch):
    from mindstate.io.datasets import eegmat

    original = eegmat.EEGMat.read

    def read_with_nan(self, path):
        rec = original(self, path)
        if Path(path).name == "Subject02_2.edf":
            rec.data[3, 100:110] = np.nan
        return rec

    monkeypatch.setattr(eegmat.EEGMat, "read", read_with_nan)
    out = tmp_path / "run"
    code, _, err = _run(capsys, "train", str(tiny_config), "--data", str(fake_root), "--out",
                        str(out))
    _assert_user_error(code, err, "NaN")
    assert "Subject02_2" in err and not out.exists()
    assert not (tmp_path / "run.partial").exists()


def test_flat_channel(fake_root, tiny_config, tmp_path, capsys):
    from mindstate.io.datasets.eegmat import read_eegmat
    from mindstate.io.edf import write_edf

    root = tmp_path / "data"
    shutil.copytree(fake_root, root)
    rec = read_eegmat(root / "Subject00_1.edf")
    rec.data[rec.ch_names.index("C3")] = 0.0
    rec.ch_names = ["EEG " + c if t == "eeg" else {"A2-A1": "EEG A2-A1", "ECG": "ECG ECG"}[c]
                    for c, t in zip(rec.ch_names, rec.ch_types)]
    write_edf(rec, root / "Subject00_1.edf", overwrite=True)
    out = tmp_path / "run"
    code, _, err = _run(capsys, "train", str(tiny_config), "--data", str(root), "--out", str(out))
    _assert_user_error(code, err, "C3")
    assert "flat" in err.lower() and not out.exists()


def test_unknown_config_key(tmp_path, capsys):
    bad = dict(TINY, trian={"epochs": 1})
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad))
    code, _, err = _run(capsys, "train", str(path), "--out", str(tmp_path / "r"))
    _assert_user_error(code, err, "Did you mean 'train'")
    assert not (tmp_path / "r").exists() and not (tmp_path / "r.partial").exists()


def test_wrong_set_type(tiny_config, fake_root, tmp_path, capsys):
    code, _, err = _run(capsys, "train", str(tiny_config), "--data", str(fake_root), "--out",
                        str(tmp_path / "r"), "--set", "train.epochs=many")
    _assert_user_error(code, err, "train.epochs must be an integer")
    assert not (tmp_path / "r").exists() and not (tmp_path / "r.partial").exists()


def test_not_a_run_dir(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code, _, err = _run(capsys, "evaluate", str(tmp_path / "empty"))
    _assert_user_error(code, err, "not a complete mindstate run directory")
    code, _, err = _run(capsys, "predict", str(tmp_path / "nothing"), "x.edf")
    _assert_user_error(code, err, "Run directory not found")


def test_existing_out_is_not_overwritten(trained, tiny_config, fake_root, capsys):
    before = (trained / "metrics.json").read_bytes()
    code, _, err = _run(capsys, "train", str(tiny_config), "--data", str(fake_root), "--out",
                        str(trained))
    _assert_user_error(code, err, "already exists")
    assert (trained / "metrics.json").read_bytes() == before


def test_usage_error_exit_code(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train"])
    assert exc.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_console_script_help():
    exe = Path(sys.executable).with_name("mindstate")
    res = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert res.returncode == 0
    for cmd in ("demo", "simulate", "train", "evaluate", "predict", "hpo", "bench"):
        assert cmd in res.stdout


def test_predictor_mc_dropout(trained, fake_root):
    from mindstate.io.datasets.eegmat import read_eegmat
    from mindstate.predictor import Predictor

    pred = Predictor.from_run_dir(trained)
    w = pred.chain.windows(read_eegmat(fake_root / "Subject01_1.edf"))
    plain = pred.predict_windows(w.X)
    mc = pred.predict_windows(w.X, mc_samples=8, seed=1)
    again = pred.predict_windows(w.X, mc_samples=8, seed=1)
    np.testing.assert_array_equal(mc["proba"], again["proba"])
    np.testing.assert_allclose(mc["proba"].sum(1), 1.0)
    assert (mc["mutual_information"] >= -1e-12).all() and mc["mutual_information"].max() > 0
    assert not np.array_equal(mc["proba"], plain["proba"])
    np.testing.assert_allclose(plain["confidence"], plain["proba"].max(1))
    with pytest.raises(ValueError, match="must have 10 channels"):
        pred.predict_windows(w.X[:, :5])


def test_ddp_launcher_strategy_is_refused(tiny_config, fake_root, tmp_path, capsys):
    code, _, err = _run(capsys, "train", str(tiny_config), "--data", str(fake_root), "--out",
                        str(tmp_path / "r"), "--set", "train.strategy=ddp")
    _assert_user_error(code, err, "use 'ddp_spawn'")
    assert not (tmp_path / "r").exists() and not (tmp_path / "r.partial").exists()
