"""Text Pleasure-Arousal-Dominance end to end: TinyRecursiveModel runs, the two-phase fine-tuned
model, the shipped pretrained model, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from mindstate.cli import main
from mindstate.io.datasets import make_fake_emobank
from mindstate.predictor import Predictor
from mindstate.runs import pretrained_dir

FAST = {"num_threads": 2, "val_fraction": 0.1}


def _train(capsys, cfg: dict, tmp: Path, out: Path) -> dict:
    path = tmp / f"{out.name}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    capsys.readouterr()
    assert main(["train", str(path), "--out", str(out), "--json"]) == 0
    return json.loads((out / "metrics.json").read_text())


@pytest.fixture(scope="module")
def trm_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("trm")
    data = make_fake_emobank(tmp / "emobank", n=800, random_state=1)
    cfg = {"name": "pad", "seed": 0, "task": "regression",
           "data": {"dataset": "emobank", "root": str(data), "classes": ["V", "A", "D"]},
           "preprocess": {"encoder": "hashing", "cache_dir": str(tmp / "cache")},
           "model": {"name": "trm", "kwargs": {"version": "v6", "d_model": 32, "n_iter": 3,
                                               "n_ctx": 2, "memory_slots": 8}},
           "train": {"epochs": 15, "batch_size": 32, "lr": 3e-3, "min_lr_ratio": 0.0333,
                     "weight_decay": 1e-5, "grad_clip": 1.0, "patience": None,
                     "loss": "scaled_mse", **FAST},
           "evaluate": {"protocol": "predefined", "bootstrap": 0}}
    return tmp, cfg, data


def test_trm_text_run_end_to_end(trm_run, capsys):
    tmp, cfg, data = trm_run
    m = _train(capsys, cfg, tmp, tmp / "run")
    assert m["model"] == "trm" and m["protocol"] == "predefined"
    assert m["pearson_V"] > 0.4, m["pearson_V"]  # valence is carried by sentiment words
    emo = m["emotional"]
    assert emo["hope"] == pytest.approx(1 - np.mean([m["mae_V"], m["mae_A"], m["mae_D"]]))
    assert 0 < emo["faith"] < np.tanh(1) and 0 < emo["love"] <= 1
    # one fold: the evaluated model is the shipped one (no second training)
    assert m["final_model"]["n_train"] == m["folds"][0]["n_train"]
    run = tmp / "run"
    for name in ("heartbeat.gif", "pad_map.png"):
        assert (run / name).stat().st_size > 1000
    html = (run / "report.html").read_text()
    assert "data:image/gif;base64" in html

    pred = Predictor.load(run)
    out = pred.predict(["What a wonderful happy day", "A terrible awful miserable night"])
    t = out.table
    assert out.outputs[0, 0] > out.outputs[1, 0]
    assert ((t["confidence"] > 0) & (t["confidence"] < 1)).all()
    traj = np.asarray(t["trajectory"].tolist())
    assert traj.shape == (2, 3, 3)
    assert len(t["iteration_confidence"][0]) == 3

    capsys.readouterr()
    assert main(["predict", str(run), "A lovely calm evening", "So sad", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert [r["input"] for r in res] == ["A lovely calm evening", "So sad"]
    row = res[0]["windows"][0]
    assert set(row) >= {"V", "A", "D", "confidence", "trajectory"}
    assert len(row["trajectory"]) == 3 and len(row["trajectory"][0]) == 3

    assert main(["evaluate", str(run), "--data", str(data / "emobank.csv"), "--json"]) == 0
    ev = json.loads(capsys.readouterr().out)
    assert {"pearson_V", "pearson_A", "pearson_D", "mae_V", "r2_D"} <= set(ev)
    assert ev["n_windows"] == 800 and "hope" in ev["emotional"]


def test_text_bad_input(trm_run, tmp_path, capsys):
    tmp, _, _ = trm_run
    run = tmp / "run"
    if not run.exists():
        pytest.skip("needs test_trm_text_run_end_to_end's run")
    pred = Predictor.load(run)
    with pytest.raises(TypeError, match=r"texts\[1\] must be a str; got int"):
        pred.predict(["fine", 3])
    with pytest.raises(ValueError, match="empty"):
        pred.predict([""])
    # a non-UTF-8 file is one line naming the file
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("id,split,V,A,D,text\na,dev,3,3,3,caf\xe9 cr\xe8me\n".encode("latin-1"))
    capsys.readouterr()
    assert main(["evaluate", str(run), "--data", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "latin1.csv" in err[0]
    # missing targets: one line naming the columns
    nov = tmp_path / "nov.csv"
    nov.write_text("id,split,V,text\na,dev,3,hello\n")
    assert main(["evaluate", str(run), "--data", str(nov)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "A, D" in err[0]


def test_two_phase_finetune_run(tmp_path, capsys):
    """Phase 1 on cached embeddings, phase 2 through a (tiny) transformer on tokens."""
    from mindstate.features.text import TEXT_ENCODERS

    data = make_fake_emobank(tmp_path / "emobank", n=300, random_state=2)
    cfg = {"name": "ft", "seed": 0, "task": "regression",
           "data": {"dataset": "emobank", "root": str(data), "classes": ["V", "A", "D"]},
           "preprocess": {"encoder": "minilm", "cache_dir": str(tmp_path / "cache"),
                          "max_length": 24},
           "model": {"name": "text_finetune",
                     "kwargs": {"head": "trm", "head_kwargs": {"d_model": 16, "n_iter": 2,
                                                               "n_ctx": 2}}},
           "train": {"epochs": 3, "batch_size": 32, "lr": 3e-3, "patience": None,
                     "loss": "scaled_mse", "finetune": {"epochs": 1, "batch_size": 16},
                     **FAST},
           "evaluate": {"protocol": "predefined", "bootstrap": 0, "baseline": False}}
    assert "minilm" in TEXT_ENCODERS
    m = _train(capsys, cfg, tmp_path, tmp_path / "run")
    hist = json.loads((tmp_path / "run" / "history.json").read_text())["final"]
    assert [h["phase"] for h in hist] == ["frozen"] * 3 + ["finetune"]
    assert m["final_model"]["epochs_run"] == 4
    pred = Predictor.load(tmp_path / "run")
    assert bool(pred.models[0].finetuned)  # the saved model predicts from tokens
    with pytest.warns(UserWarning, match="longer than preprocess.max_length = 24"):
        out = pred.predict(["word " * 200])
    assert np.isfinite(out.outputs).all()


def test_shipped_pretrained_model(capsys):
    folder = pretrained_dir("text")
    assert (folder / "model.safetensors").stat().st_size < 5 * 2**20
    card = (folder / "MODEL_CARD.md").read_text()
    assert "CC BY-SA 4.0" in card and "dev" in card
    capsys.readouterr()
    assert main(["predict", "text", "I can't wait to see you", "I hate this, it is awful",
                 "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    happy, hate = res[0]["windows"][0], res[1]["windows"][0]
    assert happy["V"] > hate["V"] + 0.3
    assert 1.0 <= happy["V"] <= 5.0 and len(happy["trajectory"]) >= 1
    # a 100 kB sentence is truncated with a warning, not refused
    with pytest.warns(UserWarning, match="longer than the minilm encoder's limit"):
        out = Predictor.load("text").predict(["so happy " * 11_000])
    assert np.isfinite(out.outputs).all()
