"""Review fixes of the inference path, each as a test that fails on the old behaviour."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import yaml

from mindstate import Predictor
from mindstate.cli import main
from mindstate.io.datasets import EEGMat, make_fake_eegmat

PICKS = ["Fp1", "Fp2", "C3", "C4", "O1", "O2"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pred")
    data = make_fake_eegmat(tmp / "eegmat", n_subjects=3, durations_s=(16.0, 16.0), sfreq=128.0,
                            random_state=7)
    cfg = {"name": "p", "seed": 0,
           "data": {"dataset": "eegmat", "root": str(data), "window_s": 2.0, "picks": PICKS},
           "preprocess": {"resample": 64.0, "normalize": "recording", "on_flat": "ignore"},
           "model": {"name": "shallow_convnet", "kwargs": {"n_filters": 4}},
           "train": {"epochs": 3, "batch_size": 16, "num_threads": 1, "patience": None},
           "evaluate": {"protocol": "loso", "bootstrap": 0, "baseline": False}}
    (tmp / "c.yaml").write_text(yaml.safe_dump(cfg))
    assert main(["train", str(tmp / "c.yaml"), "--out", str(tmp / "run")]) == 0
    return tmp / "run", data


def test_training_rate_is_kept_in_the_run(run):
    path, data = run
    pre = json.loads((path / "preprocess.json").read_text())
    contract = json.loads((path / "contract.json").read_text())
    assert pre["sfreq_"] == 64.0 and contract["sfreq"] == 64.0
    assert contract["ch_names"] == PICKS and contract["window_s"] == 2.0
    assert contract["input_shapes"] == {"eeg": [6, 128]}


def test_recording_normalisation_applies_to_raw_volt_windows(run):
    path, data = run
    pred = Predictor.load(path)
    rec = EEGMat().read(data / "Subject01_2.edf")
    by_recording = pred.predict(rec).proba
    prepared = pred.chain.prepare(rec)
    n = int(2.0 * 64)
    X = np.stack([prepared.data[:, i * n:(i + 1) * n] for i in range(len(by_recording))])
    by_windows = pred.predict_windows(X)["proba"]  # volts, scaled like one recording
    assert np.abs(by_windows - by_recording).max() < 0.05
    # Without the fix the windows went to the model in volts (identity transform).
    raw_to_model = pred.predict_prepared(X.astype(np.float32))["proba"]
    assert np.abs(raw_to_model - by_recording).max() > np.abs(by_windows - by_recording).max()


def test_on_flat_of_the_run_is_used_at_inference(run):
    path, data = run
    rec = EEGMat().read(data / "Subject01_2.edf")
    rec.data[rec.ch_names.index("C3")] = 0.0
    assert len(Predictor.load(path).predict(rec)) > 0  # the run says on_flat: ignore


def test_mc_dropout_runs_only_the_stochastic_passes(run, monkeypatch):
    path, data = run
    pred = Predictor.load(path)
    calls = []
    model = pred.model
    original = model.forward

    def counting(inputs):
        calls.append(1)
        return original(inputs)

    monkeypatch.setattr(model, "forward", counting)
    rec = EEGMat().read(data / "Subject01_2.edf")
    out = pred.predict(rec, mc_samples=5)
    assert len(calls) == 5  # one batch, five dropout passes, no extra deterministic pass
    assert (out.table["mutual_information"] >= 0).all()


def test_regression_logs_no_accuracy():
    from mindstate.train.engine import fit
    from mindstate.train.losses import create_loss

    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 8)).astype(np.float32)
    y = np.stack([X[:, 0], X[:, 1]], axis=1)
    from mindstate.models import create_model

    model = create_model("embedding_mlp", n_features=8, n_outputs=2, hidden=[8])
    res = fit(model, {"embedding": X[:48]}, y[:48], {"embedding": X[48:]}, y[48:],
              loss_fn=create_loss("mse"), epochs=2, batch_size=16)
    assert all("val_acc" not in h for h in res.history) and "val_loss" in res.history[-1]


@pytest.fixture(scope="module")
def aligned_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("aligned")
    data = make_fake_eegmat(tmp / "eegmat", n_subjects=3, durations_s=(16.0, 16.0), sfreq=128.0,
                            random_state=3)
    cfg = {"name": "a", "seed": 0,
           "data": {"dataset": "eegmat", "root": str(data), "window_s": 2.0, "picks": PICKS},
           "preprocess": {"resample": 64.0, "align": "euclidean", "on_flat": "ignore"},
           "model": {"name": "ahlsa", "kwargs": {"n_bands": 4, "n_atoms": 8}},
           "train": {"epochs": 2, "batch_size": 16, "num_threads": 1, "patience": None},
           "evaluate": {"protocol": "loso", "bootstrap": 0, "floor": "riemann"}}
    (tmp / "c.yaml").write_text(yaml.safe_dump(cfg))
    assert main(["train", str(tmp / "c.yaml"), "--out", str(tmp / "run")]) == 0
    return tmp / "run", data


def test_aligned_run_aligns_per_subject_and_takes_a_reference(aligned_run, tmp_path):
    path, data = aligned_run
    pred = Predictor.load(path)
    assert json.loads((path / "contract.json").read_text())["align"] == "euclidean"
    metrics = json.loads((path / "metrics.json").read_text())
    assert metrics["baseline"]["model"] == "riemann_tangent_logreg"
    # a folder of both recordings of Subject01: aligned on the subject's 16 windows
    subject = tmp_path / "s01"
    subject.mkdir()
    for name in ("Subject01_1.edf", "Subject01_2.edf"):
        (subject / name).symlink_to(data / name)
    both = pred.predict(subject).table
    task_rows = both[both["record"] == "Subject01_2"].reset_index(drop=True)
    # one recording with the other as the reference: the same alignment, the same answers
    alone = pred.predict(data / "Subject01_2.edf", reference=subject).table
    assert np.allclose(alone["p_task"], task_rows["p_task"], atol=1e-5)
    # without the reference the task recording is whitened on itself: its mean covariance is
    # the identity, which the subject-wide reference does not give it
    def mean_cov(w):
        X = w.X.astype(np.float64) - w.X.mean(-1, keepdims=True)
        return np.einsum("nct,ndt->cd", X, X) / (X.shape[0] * X.shape[-1])

    raw = pred._windows_of(data / "Subject01_2.edf", None, None)
    on_itself = mean_cov(pred._aligned(raw))
    on_subject = mean_cov(pred._aligned(raw, reference=pred._windows_of(subject, None, None).X))
    eye = np.eye(len(PICKS))
    assert np.abs(on_itself - eye).max() < 1e-3 < np.abs(on_subject - eye).max()
    scores = pred.expert_scores(subject)
    assert scores["channel"].shape == (16, len(PICKS))
