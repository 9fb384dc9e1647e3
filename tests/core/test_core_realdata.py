"""The spine on the real recordings in ``../shared/data`` (small subsets, so CI stays fast).

Full-size runs are the documented commands in README and BENCHMARKS.md.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from mindstate import Predictor
from mindstate.cli import main

pytestmark = pytest.mark.realdata

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def _train(tmp_path, cfg: dict, data, capsys) -> dict:
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(cfg))
    capsys.readouterr()
    assert main(["train", str(path), "--data", str(data), "--out", str(tmp_path / "run"),
                 "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _emobank_subset(shared_data, tmp_path: Path) -> Path:
    df = pd.read_csv(shared_data / "emobank" / "emobank.csv", keep_default_na=False, dtype=str)
    sub = pd.concat([df[df["split"] == "train"].head(800), df[df["split"] == "dev"].head(200)])
    (tmp_path / "eb").mkdir()
    sub.to_csv(tmp_path / "eb" / "emobank.csv", index=False)
    return tmp_path / "eb"


def test_emobank_finetune_subset(shared_data, tmp_path, capsys):
    data = _emobank_subset(shared_data, tmp_path)
    cfg = yaml.safe_load((CONFIGS / "emobank_pad_finetune.yaml").read_text())
    cfg["preprocess"]["cache_dir"] = str(tmp_path / "cache")
    cfg["train"].update({"epochs": 15, "num_threads": 2})
    cfg["train"]["finetune"]["epochs"] = 1
    m = _train(tmp_path, cfg, data, capsys)
    assert m["n_windows_tested"] == 200 and m["protocol"] == "predefined"
    # MiniLM fine-tuned under the TinyRecursiveModel on 800 sentences (measured 0.67)
    assert m["pearson_V"] > 0.45, m
    out = Predictor.load(tmp_path / "run").predict(["I love this, it is wonderful!",
                                                    "This is a horrible, sad loss."])
    assert out.outputs[0, 0] > out.outputs[1, 0]
    assert (out.table["confidence"] > 0).all() and len(out.table["trajectory"][0]) == 4


def test_emobank_shipped_config_subset(shared_data, tmp_path, capsys):
    """configs/emobank_pad.yaml on 800 sentences; with MiniLM where mpnet is not assembled."""
    from mindstate.features._mpnet import mpnet_dir

    data = _emobank_subset(shared_data, tmp_path)
    cfg = yaml.safe_load((CONFIGS / "emobank_pad.yaml").read_text())
    if not (mpnet_dir() / "modules.json").is_file() or os.environ.get("MINDSTATE_TEST_MINILM"):
        cfg["preprocess"]["encoder"] = "minilm"
    cfg["train"].update({"epochs": 15, "ensemble": 2})
    m = _train(tmp_path, cfg, data, capsys)
    assert m["pearson_V"] > 0.45, m  # measured 0.69 with either encoder (200 dev sentences)
    saved = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert saved["final_model"]["ensemble"] == 2 and "hope" in saved["emotional"]


def test_stress_predict_subset(shared_data, tmp_path, capsys):
    root = tmp_path / "sp"
    (root / "raw").mkdir(parents=True)
    os.symlink(shared_data / "stress_predict" / "processed", root / "processed")
    for s in ("S02", "S03", "S04"):
        os.symlink(shared_data / "stress_predict" / "raw" / s, root / "raw" / s)
    cfg = yaml.safe_load((CONFIGS / "stress_predict.yaml").read_text())
    cfg["train"].update({"epochs": 3, "num_threads": 2})
    cfg["evaluate"]["bootstrap"] = 0
    m = _train(tmp_path, cfg, root, capsys)
    assert m["n_subjects"] == 3 and m["protocol"] == "loso" and m["n_folds"] == 3
    assert np.isfinite(m["balanced_accuracy"]) and "conformal" in m
    contract = json.loads((tmp_path / "run" / "contract.json").read_text())
    assert {k: v["sfreq"] for k, v in contract["streams"].items()} == {
        "bvp": 64.0, "eda": 4.0, "temp": 4.0, "acc": 32.0}
    capsys.readouterr()
    assert main(["predict", str(tmp_path / "run"), str(root / "raw" / "S03"), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["classes"] == ["rest", "stress"] and len(res["windows"]) > 10
