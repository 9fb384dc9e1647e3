"""Every modality through the same path: ``train`` → ``evaluate --data`` → ``predict --json``
→ ``Predictor.load(run).predict(...)``, on small fake data in the real file layouts, with a
known effect so that learning above chance is checked, and bad input rejected in one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from mindstate import Predictor
from mindstate.cli import main
from mindstate.io.datasets import make_fake_eegmat, make_fake_emobank, make_fake_stress_predict
from mindstate.io.datasets.hms import make_fake_hms

FAST = {"num_threads": 1, "val_fraction": 0.25}


def _write(tmp_path: Path, cfg: dict) -> Path:
    path = tmp_path / f"{cfg['name']}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def _train(capsys, cfg_path: Path, data: Path, out: Path) -> dict:
    capsys.readouterr()
    assert main(["train", str(cfg_path), "--data", str(data), "--out", str(out), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


# --------------------------------------------------------------------------- text
@pytest.fixture(scope="module")
def text_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("text")
    data = make_fake_emobank(tmp / "emobank", n=800, random_state=1)
    cfg = {"name": "pad", "seed": 0, "task": "regression",
           "data": {"dataset": "emobank", "root": str(data), "classes": ["V", "A", "D"]},
           "preprocess": {"encoder": "hashing", "cache_dir": str(tmp / "cache")},
           "model": {"name": "embedding_mlp", "kwargs": {"hidden": [32]}},
           "train": {"epochs": 30, "batch_size": 32, "lr": 3e-3, "patience": None, **FAST},
           "evaluate": {"protocol": "predefined", "bootstrap": 0}}
    return tmp, _write(tmp, cfg), data


def test_text_regression_end_to_end(text_run, capsys):
    tmp, cfg, data = text_run
    m = _train(capsys, cfg, data, tmp / "run")
    assert m["task"] == "regression" and m["protocol"] == "predefined"
    splits = pd.read_csv(data / "emobank.csv", keep_default_na=False)["split"]
    assert (splits == "test").sum() > 0
    assert m["n_windows"] == int((splits != "test").sum())  # test rows never read in training
    # Valence is driven by positive/negative words in the fake corpus.
    assert m["pearson_V"] > 0.4, (m["pearson_V"], m.get("baseline"))
    assert 0.75 <= m["conformal"]["coverage"] <= 1.0 and m["conformal"]["mean_width"] > 0
    rows = (tmp / "run" / "predictions.csv").read_text().splitlines()
    assert rows[0].split(",")[-6:] == ["V_true", "V_pred", "A_true", "A_pred", "D_true",
                                        "D_pred"]
    assert len(rows) - 1 == m["n_windows_tested"] < m["n_windows"]  # dev rows only
    assert (tmp / "run" / "predicted_vs_true.png").stat().st_size > 1000

    pred = Predictor.load(tmp / "run")
    out = pred.predict(["What a wonderful happy day", "A terrible awful miserable night"])
    assert out.task == "regression" and list(out.table["text"])[0].startswith("What")
    assert out.outputs[0, 0] > out.outputs[1, 0]  # valence ordering
    t = out.table
    assert (t["V_low"] < t["V"]).all() and (t["V"] < t["V_high"]).all()

    capsys.readouterr()
    assert main(["predict", str(tmp / "run"), "A lovely calm evening", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["classes"] == ["V", "A", "D"] and len(res["windows"]) == 1

    assert main(["evaluate", str(tmp / "run"), "--data", str(data), "--json"]) == 0
    ev = json.loads(capsys.readouterr().out)
    assert ev["n_windows"] == 800 and ev["protocol"] == "resubstitution"


def test_text_bad_inputs_are_one_line_errors(text_run, tmp_path, capsys):
    tmp, _, _ = text_run
    capsys.readouterr()
    assert main(["predict", str(tmp / "run"), "   "]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "empty" in err[0]
    bad = tmp_path / "emobank.csv"
    bad.write_text("id,split,text\na,train,hello there\n")
    assert main(["evaluate", str(tmp / "run"), "--data", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "V" in err[0]
    # Predicting needs no targets: the same file is fine for predict.
    assert main(["predict", str(tmp / "run"), str(bad), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["windows"][0]["text"] == "hello there"
    empty = tmp_path / "nothing.csv"
    empty.write_text("id,split\na,train\n")
    assert main(["predict", str(tmp / "run"), str(empty)]) == 2
    assert "no 'text' column" in capsys.readouterr().err


# --------------------------------------------------------------------------- physiology
@pytest.fixture(scope="module")
def physio_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("physio")
    data = make_fake_stress_predict(tmp / "sp", n_subjects=4, duration_s=480.0, random_state=3)
    cfg = {"name": "stress", "seed": 0, "task": "classification",
           "data": {"dataset": "stress-predict", "root": str(data), "window_s": 30.0,
                    "step_s": 15.0, "classes": ["rest", "stress"]},
           "preprocess": {"stream_lowpass": {"eda": 1.0}},
           "model": {"name": "physio_cnn", "kwargs": {"width": 8, "n_layers": 2}},
           "train": {"epochs": 15, "batch_size": 16, "lr": 3e-3, "patience": None,
                     "loss": "weighted_ce", **FAST},
           "evaluate": {"protocol": "loso", "bootstrap": 0}}
    return tmp, _write(tmp, cfg), data


def test_physio_end_to_end(physio_run, capsys):
    tmp, cfg, data = physio_run
    m = _train(capsys, cfg, data, tmp / "run")
    assert m["protocol"] == "loso" and m["n_subjects"] == 4
    # Heart rate, EDA and temperature respond to stress in the fake recordings.
    assert m["balanced_accuracy"] > 0.65, m["balanced_accuracy"]
    contract = json.loads((tmp / "run" / "contract.json").read_text())
    streams = contract["streams"]
    assert streams["bvp"]["sfreq"] == 64.0 and streams["eda"]["sfreq"] == 4.0

    folder = sorted((data / "raw").iterdir())[0]
    capsys.readouterr()
    assert main(["predict", str(tmp / "run"), str(folder), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["classes"] == ["rest", "stress"] and {"p_rest", "p_stress", "set"} <= set(
        res["windows"][0])

    from mindstate.io.datasets import StressPredict

    rec = StressPredict().read(folder)
    streams = {k: (rec.signals[k].data, rec.signals[k].sfreq) for k in ("bvp", "eda", "temp",
                                                                        "acc")}
    out = Predictor.load(tmp / "run").predict(streams)
    assert len(out) > 0 and np.allclose(out.proba.sum(axis=1), 1.0)
    del streams["eda"]
    with pytest.raises(ValueError, match="missing physiology stream.*eda"):
        Predictor.load(tmp / "run").predict(streams)
    assert main(["evaluate", str(tmp / "run"), "--data", str(data), "--json"]) == 0
    # A participant folder without its EDA file: one line, exit 2.
    import shutil

    alone = tmp / "alone" / folder.name  # a recording with no label file anywhere near it
    shutil.copytree(folder, alone)
    capsys.readouterr()
    assert main(["predict", str(tmp / "run"), str(alone), "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["windows"]) == len(res["windows"])
    broken = tmp / "broken" / "raw" / folder.name
    shutil.copytree(folder, broken)
    next(broken.glob("EDA*")).unlink()
    capsys.readouterr()
    assert main(["predict", str(tmp / "run"), str(broken)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "EDA" in err[0].upper(), err


# --------------------------------------------------------------------------- HMS
def test_hms_soft_labels_end_to_end(tmp_path, capsys):
    data = make_fake_hms(tmp_path / "hms", n_eegs=6, n_rows_per_eeg=3, random_state=0)
    cfg = _write(tmp_path, {
        "name": "hms", "seed": 0, "task": "soft",
        "data": {"dataset": "hms", "root": str(data)},
        "model": {"name": "hms_baseline", "kwargs": {"width": 8}},
        "train": {"epochs": 3, "batch_size": 8, "patience": None, **FAST},
        "evaluate": {"protocol": "group-kfold", "kwargs": {"n_splits": 3}, "bootstrap": 0}})
    m = _train(capsys, cfg, data, tmp_path / "run")
    assert m["task"] == "soft" and m["kl"] >= 0 and m["protocol"] == "group-kfold"
    table = (tmp_path / "run" / "predictions.csv").read_text().splitlines()[0].split(",")
    assert {"t_Seizure", "p_Seizure", "kl"} <= set(table)
    out = Predictor.load(tmp_path / "run").predict(data)
    assert out.task == "soft" and out.proba.shape == (18, 6)
    (data / "train_spectrograms" / next(iter(sorted(
        p.name for p in (data / "train_spectrograms").iterdir())))).unlink()
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "run"), "--data", str(data)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "parquet not found" in err[0]


# --------------------------------------------------------------------------- EEG
@pytest.fixture(scope="module")
def eeg_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("eeg")
    data = make_fake_eegmat(tmp / "eegmat", n_subjects=3, durations_s=(24.0, 24.0), sfreq=128.0,
                            random_state=4)
    cfg = {"name": "eeg", "seed": 0, "task": "classification",
           "data": {"dataset": "eegmat", "root": str(data), "window_s": 2.0,
                    "picks": ["Fp1", "Fp2", "C3", "C4", "O1", "O2"]},
           "preprocess": {"bandpass": [1.0, 30.0], "normalize": "zscore"},
           "model": {"name": "shallow_convnet", "kwargs": {"n_filters": 6}},
           "train": {"epochs": 8, "batch_size": 16, "patience": None, "ensemble": 2, **FAST},
           "evaluate": {"protocol": "loso", "bootstrap": 0}}
    out = tmp / "run"
    assert main(["train", str(_write(tmp, cfg)), "--out", str(out)]) == 0
    return tmp, out, data


def test_eeg_predictor_on_mne_objects_arrays_and_other_rates(eeg_run):
    import mne

    tmp, run, data = eeg_run
    spec = json.loads((run / "model.json").read_text())
    assert spec["weights"] == ["model.safetensors", "model_1.safetensors"]  # ensemble of 2
    pred = Predictor.load(run)
    raw = mne.io.read_raw_edf(data / "Subject00_2.edf", preload=True, verbose="error")
    a = pred.predict(raw)
    assert len(a) == 12 and {"p_rest", "p_task", "set", "confidence"} <= set(a.table)
    mi = pred.predict(raw, mc_samples=4).table["mutual_information"]
    assert (mi >= 0).all() and mi.max() > 0
    # Another sampling rate: resampled to the contract with a warning, same windows.
    raw256 = raw.copy().resample(256.0, verbose="error")
    with pytest.warns(UserWarning, match="resampled"):
        b = pred.predict(raw256)
    assert len(b) == len(a)
    agree = (a.table["predicted"] == b.table["predicted"]).mean()
    assert agree >= 0.75
    # Arrays need sfreq and ch_names; epochs are windowed one by one.
    x = raw.get_data()
    with pytest.raises(ValueError, match="sfreq"):
        pred.predict(x)
    c = pred.predict(x, sfreq=128.0, ch_names=raw.ch_names)
    assert np.allclose(c.proba, a.proba)
    epochs = mne.make_fixed_length_epochs(raw, duration=4.0, verbose="error")
    assert len(pred.predict(epochs)) == 2 * len(epochs)
    # info["bads"] survives Recording.from_mne; the marked channel is interpolated.
    c3 = next(c for c in raw.ch_names if c.endswith("C3"))
    raw.info["bads"] = [c3]
    from mindstate.io import Recording

    assert Recording.from_mne(raw).meta["bads"] == [c3]
    raw._data[raw.ch_names.index(c3)] *= 1000.0  # a broken electrode
    d = pred.predict(raw)
    assert np.abs(d.proba - a.proba).max() < 0.5


def test_eeg_missing_channel_is_one_line(eeg_run, tmp_path, capsys):
    import mne

    _, run, data = eeg_run
    raw = mne.io.read_raw_edf(data / "Subject00_2.edf", preload=True, verbose="error")
    raw.drop_channels([c for c in raw.ch_names if c.endswith("O2")])
    with pytest.raises(ValueError, match="missing \\['O2'\\]"):
        Predictor.load(run).predict(raw)
    capsys.readouterr()
    assert main(["predict", str(run), str(tmp_path / "nope.edf")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_unsupported_combinations_are_one_line_errors(eeg_run, physio_run, tmp_path, capsys):
    tmp, _, data = eeg_run
    cfg = yaml.safe_load(next(tmp.glob("*.yaml")).read_text())
    cases = [
        ({**cfg, "model": {"name": "embedding_mlp"}}, data, "Choose a model for these inputs"),
        ({**cfg, "task": "regression"}, data, "carry integer class labels"),
    ]
    ptmp, pcfg_path, pdata = physio_run
    pcfg = yaml.safe_load(pcfg_path.read_text())
    cases.append(({**pcfg, "model": {"name": "shallow_convnet"}}, pdata, "needs the inputs"))
    cases.append(({**pcfg, "task": "soft"}, pdata, "task 'soft' needs one probability"))
    for i, (c, root, message) in enumerate(cases):
        path = tmp_path / f"c{i}.yaml"
        path.write_text(yaml.safe_dump({**c, "name": f"c{i}"}))
        capsys.readouterr()
        code = main(["train", str(path), "--data", str(root), "--out", str(tmp_path / f"r{i}")])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1 and message in err[0], (i, err)
        assert not (tmp_path / f"r{i}.partial").exists()


def test_hpo_follows_the_task_metric(text_run, tmp_path, capsys):
    tmp, cfg_path, data = text_run
    cfg = yaml.safe_load(cfg_path.read_text())
    cfg["train"]["epochs"] = 3
    cfg["hpo"] = {"space": {"train.lr": {"type": "float", "low": 1e-3, "high": 1e-2,
                                         "log": True}}}
    path = tmp_path / "hpo.yaml"
    path.write_text(yaml.safe_dump(cfg))
    capsys.readouterr()
    assert main(["hpo", str(path), "--trials", "1", "--data", str(data), "--storage",
                 f"sqlite:///{tmp_path / 'hpo.db'}", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["metric"] == "pearson_mean" and out["direction"] == "maximize"
    assert -1.0 <= out["best_value"] <= 1.0
