"""The shipped SEED-VII configs end to end on a simulated SEED-VII release, and the CLI errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import scipy.io

from mindstate.cli import main
from mindstate.config import load_config
from mindstate.io.datasets import make_fake_seed_vii
from mindstate.io.datasets._matfile import load_mat

ROOT = Path(__file__).resolve().parents[2]
FAST = ["train.epochs=1", "train.num_threads=1", "train.batch_size=32", "evaluate.bootstrap=0",
        "model.kwargs.n_bands=4", "preprocess.resample=64", "preprocess.bandpass=[1.0, 30.0]"]
TWO_SUBJECTS = ["data.kwargs.subjects=[1, 2]"]  # per-subject protocols: fewer folds
PROTOCOLS = {  # config → (protocol, overrides, expected folds)
    "seed_vii_subject_dependent": ("subject-trial", TWO_SUBJECTS, 2 * 4),
    "seed_vii_loso": ("loso", [], 3),
    "seed_vii_cross_session": ("cross-session", TWO_SUBJECTS, 2 * 4),
}


@pytest.fixture(scope="module")
def seed_vii(tmp_path_factory) -> Path:
    """The full clip layout (4 sessions x 20 clips of 4 s) for 3 subjects, with features."""
    return make_fake_seed_vii(tmp_path_factory.mktemp("seed_vii"), n_subjects=3, random_state=0)


def _cfg(name: str, *extra: str):
    return load_config(ROOT / "configs" / f"{name}.yaml", [*FAST, *extra])


@pytest.mark.parametrize("name", sorted(PROTOCOLS))
def test_protocol_groups_never_overlap(seed_vii, name):
    from mindstate.evaluate.splits import SPLITTERS
    from mindstate.experiment.loading import load_windows

    protocol, extra, n_folds = PROTOCOLS[name]
    cfg = _cfg(name, *extra)
    assert cfg.evaluate.protocol == protocol
    w, _, paths = load_windows(cfg, seed_vii)
    g = w.groups
    folds = list(SPLITTERS.get(protocol)(**cfg.evaluate.kwargs).split(g, w.y, w.meta))
    assert len(folds) == n_folds
    for train, test in folds:
        assert len(train) and len(test)
        if protocol == "loso":
            assert not set(g.subject.iloc[train]) & set(g.subject.iloc[test])
        elif protocol == "cross-session":
            pairs = {(s, e) for s, e in zip(g.subject, g.session)}
            tr = set(zip(g.subject.iloc[train], g.session.iloc[train]))
            te = set(zip(g.subject.iloc[test], g.session.iloc[test]))
            assert not tr & te and len(te) == 1 and tr | te <= pairs
            assert len({s for s, _ in tr | te}) == 1  # one subject per fold (SEED protocol)
        else:  # clips 1-10 of one subject and session train, clips 11-20 test
            assert not set(g.trial.iloc[train]) & set(g.trial.iloc[test])
            clips = {t: int(t.rsplit("t", 1)[1]) for t in g.trial}
            assert {clips[t] for t in g.trial.iloc[train]} == set(range(1, 11))
            assert {clips[t] for t in g.trial.iloc[test]} == set(range(11, 21))
            assert g.iloc[np.r_[train, test]][["subject", "session"]].drop_duplicates().shape[0] \
                == 1


@pytest.mark.parametrize("name", sorted(PROTOCOLS))
def test_protocol_config_runs(seed_vii, name):
    from mindstate.experiment import run_experiment

    protocol, extra, n_folds = PROTOCOLS[name]
    if protocol == "cross-session":  # train only the folds holding out session 4 (time)
        extra, n_folds = [*extra, "evaluate.kwargs.test_session=4"], 2
    res = run_experiment(_cfg(name, *extra), data_root=seed_vii)
    m = res.metrics
    assert m["protocol"] == protocol and m["n_folds"] == n_folds == len(m["folds"])
    assert m["n_windows"] == 80 * (3 if protocol == "loso" else 2)  # one 4-s window per clip
    tested = {"loso": 240, "subject-trial": 80, "cross-session": 40}[protocol]
    assert m["n_windows_tested"] == tested
    assert 0.0 <= m["balanced_accuracy"] <= 1.0 and m["chance_balanced_accuracy"] == 1 / 7
    if protocol != "subject-trial":
        subjects = [["1"], ["2"], ["3"]] if protocol == "loso" else [["1"], ["2"]]
        assert [f["test_subjects"] for f in m["folds"]] == subjects
    if protocol == "loso":
        assert res.baseline is not None and res.baseline["balanced_accuracy"] > 0.5


def test_de_config_trains_saves_and_predicts(seed_vii, tmp_path, capsys):
    from mindstate import Predictor

    out = tmp_path / "run"
    args = ["train", str(ROOT / "configs" / "seed_vii_de.yaml"), "--data", str(seed_vii),
            "--out", str(out), "--json", "--set", "train.epochs=2", "--set",
            "train.num_threads=1", "--set", "evaluate.bootstrap=0"]
    assert main(args) == 0
    m = json.loads(capsys.readouterr().out)
    assert m["protocol"] == "subject-trial" and m["n_folds"] == 12 and m["n_windows"] == 240
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["baseline"]["model"] == "features_logreg"
    pre = json.loads((out / "preprocess.json").read_text())
    assert pre["kind"] == "features" and len(pre["mean_"]) == 62
    contract = json.loads((out / "contract.json").read_text())
    assert contract["input_shapes"] == {"de": [62, 4, 5]} and contract["seq_len"] == 4
    pred = Predictor.load(out).predict(seed_vii / "EEG_features" / "2.mat")
    assert len(pred.table) == 80 and set(pred.table["predicted"]) <= set(pred.names)
    assert pred.names[0] == "Disgust" and pred.proba.shape == (80, 7)


def test_raw_run_predicts_and_evaluates_trial_files(seed_vii, tmp_path, capsys):
    from mindstate import Predictor

    out = tmp_path / "run"
    args = ["train", str(ROOT / "configs" / "seed_vii_loso.yaml"), "--data", str(seed_vii),
            "--out", str(out)]
    for o in [*FAST, *TWO_SUBJECTS]:
        args += ["--set", o]
    assert main(args) == 0
    capsys.readouterr()
    pred = Predictor.load(out)
    table = pred.predict(seed_vii / "EEG_preprocessed" / "3.mat").table
    assert len(table) == 80 and table["record"].iloc[56] == "3/57"
    m = pred.evaluate(seed_vii / "EEG_preprocessed" / "3.mat")
    assert m["n_windows"] == 80 and m["protocol"] == "external"
    # the least-squares experts' scores: in the run (per class) and through the Predictor
    import json

    saved = json.loads((out / "expert_scores.json").read_text())
    assert len(saved["channels"]) == 62 and saved["by_class"]
    first = next(iter(saved["by_class"].values()))
    assert len(first["channel"]) == 62 and len(first["band"]) == 4
    assert (out / "expert_scores.png").is_file()
    scores = pred.expert_scores(seed_vii / "EEG_preprocessed" / "3.mat")
    assert scores["channel"].shape == (80, 62) and scores["band"].shape == (80, 4)
    assert (scores["variance"] > 0).all() and scores["channels"][0] == "FP1"


def test_simulated_release_is_written_on_first_use(tmp_path):
    from mindstate.experiment.loading import load_windows

    root = tmp_path / "sim"
    w, chain, paths = load_windows(_cfg("seed_vii_de"), root)
    assert [p.name for p in sorted((root / "EEG_preprocessed").iterdir())] == \
        ["1.mat", "2.mat", "3.mat"]
    assert chain.kind == "features" and w.X["de"].shape == (240, 62, 4, 5)


def _assert_one_line(code: int, err: str, *needles: str) -> None:
    assert code == 2
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_cli_train_on_a_folder_missing_a_subject_file(seed_vii, tmp_path, capsys):
    data = tmp_path / "SEED-VII"
    shutil.copytree(seed_vii / "EEG_preprocessed", data / "EEG_preprocessed")
    (data / "EEG_preprocessed" / "2.mat").unlink()
    out = tmp_path / "run"
    capsys.readouterr()
    code = main(["train", str(ROOT / "configs" / "seed_vii_loso.yaml"), "--data", str(data),
                 "--out", str(out)])
    _assert_one_line(code, capsys.readouterr().err, "EEG_preprocessed/2.mat")
    assert not out.exists() and not (tmp_path / "run.partial").exists()


def test_cli_train_on_a_file_missing_a_trial_key(seed_vii, tmp_path, capsys):
    data = tmp_path / "SEED-VII" / "EEG_preprocessed"
    data.mkdir(parents=True)
    arrays = load_mat(seed_vii / "EEG_preprocessed" / "1.mat")
    del arrays["57"]
    scipy.io.savemat(data / "1.mat", arrays)
    capsys.readouterr()
    code = main(["train", str(ROOT / "configs" / "seed_vii_loso.yaml"), "--data",
                 str(data.parent), "--out", str(tmp_path / "run")])
    _assert_one_line(code, capsys.readouterr().err, "1.mat", "'57'", "'1'..'80'")


def test_cli_de_features_with_the_wrong_band_count(seed_vii, tmp_path, capsys):
    feats = tmp_path / "SEED-VII" / "EEG_features"
    feats.mkdir(parents=True)
    arrays = load_mat(seed_vii / "EEG_features" / "1.mat")
    arrays = {k: v[:, :4] if k.startswith(("de", "psd")) else v for k, v in arrays.items()}
    scipy.io.savemat(feats / "1.mat", arrays)
    capsys.readouterr()
    code = main(["train", str(ROOT / "configs" / "seed_vii_de.yaml"), "--data",
                 str(feats.parent), "--out", str(tmp_path / "run")])
    _assert_one_line(code, capsys.readouterr().err, "1.mat", "5 bands")


def test_cli_epochs_file_whose_labels_and_trials_disagree(tmp_path, capsys):
    import numpy as np

    from mindstate.io.datasets import make_fake_epochs

    root = make_fake_epochs(tmp_path / "epochs", fmt="npz", n_subjects=2)
    path = sorted(root.glob("*.npz"))[0]
    arrays = dict(np.load(path, allow_pickle=False))
    arrays["y"] = arrays["y"][:-1]
    np.savez(path, **arrays)
    capsys.readouterr()
    code = main(["train", str(ROOT / "configs" / "epochs_emotion.yaml"), "--data", str(root),
                 "--out", str(tmp_path / "run")])
    _assert_one_line(code, capsys.readouterr().err, path.name, "labels but X has")


def test_epochs_config_trains_on_a_lab_s_own_file(tmp_path, capsys):
    from mindstate.io.datasets import make_fake_epochs

    root = make_fake_epochs(tmp_path / "epochs", fmt="mat73", n_subjects=3)
    args = ["train", str(ROOT / "configs" / "epochs_emotion.yaml"), "--data", str(root),
            "--out", str(tmp_path / "run")]
    for o in ["train.epochs=2", "evaluate.bootstrap=0", "model.kwargs.n_bands=4"]:
        args += ["--set", o]
    assert main(args) == 0
    import json

    m = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert m["n_subjects"] == 3 and m["protocol"] == "loso"
