"""Task objects (:mod:`mindstate.tasks`): targets, outputs, calibration, conformal, tables."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.special import softmax

from mindstate.evaluate.metrics import expected_calibration_error
from mindstate.tasks import TASKS, Classification, Regression, SoftLabels, make_task


# ---------------------------------------------------------------------------- registry
@pytest.mark.parametrize("kind, cls", [("classification", Classification), ("soft", SoftLabels),
                                       ("regression", Regression)])
def test_make_task_and_round_trip(kind, cls):
    task = make_task(kind, ["a", "b", "c"])
    assert type(task) is cls and task.kind == kind and task.names == ["a", "b", "c"]
    state = json.loads(json.dumps(task.to_dict()))
    assert state == {"kind": kind, "names": ["a", "b", "c"]}
    back = make_task(**state)
    assert type(back) is cls and back.names == task.names
    assert type(make_task(kind)) is cls and make_task(kind).names is None


def test_make_task_unknown_kind():
    assert TASKS.names() == ["classification", "regression", "soft"]
    with pytest.raises(ValueError, match="Unknown task 'clasification'.*classification"):
        make_task("clasification")


def test_task_metadata():
    assert Classification.primary_metric == "balanced_accuracy"
    assert Classification.direction == "maximize" and Classification.default_loss == "ce"
    assert SoftLabels.primary_metric == "kl" and SoftLabels.direction == "minimize"
    assert SoftLabels.default_loss == "kl"
    assert Regression.default_loss == "mse" and not Regression.log_accuracy
    assert make_task("soft", [1, 2]).names == ["1", "2"]  # names are strings


# ---------------------------------------------------------------------------- targets
def test_classification_check_targets():
    y = Classification().check_targets([0, 2, 1])
    assert y.dtype == np.int64 and y.tolist() == [0, 2, 1]
    with pytest.raises(ValueError, match=r"needs one integer class label per window; the "
                                         r"data carry targets of shape \(3,\) and dtype float"):
        Classification().check_targets([0.0, 1.0, 0.5])
    with pytest.raises(ValueError, match=r"train windows carry targets of shape \(2, 2\)"):
        Classification().check_targets(np.eye(2, dtype=int), where="train windows")


def test_soft_check_targets():
    y = SoftLabels().check_targets([[0.2, 0.8], [1.0, 0.0]])
    assert y.dtype == np.float64
    for bad in ([[0.5, 0.6]], [[1.2, -0.2]], [0.5, 0.5]):
        with pytest.raises(ValueError, match="needs one probability distribution per window"):
            SoftLabels().check_targets(bad)


def test_regression_check_targets():
    y = Regression().check_targets(np.array([1, 2, 3]))
    assert y.shape == (3, 1) and y.dtype == np.float64
    assert Regression().check_targets(np.ones((3, 2))).shape == (3, 2)
    with pytest.raises(ValueError, match=r"needs numeric targets.*dtype <U"):
        Regression().check_targets(np.array(["a", "b"]))
    with pytest.raises(ValueError, match=r"shape \(2, 2, 2\)"):
        Regression().check_targets(np.ones((2, 2, 2)))


def test_n_outputs_and_names():
    assert Classification().n_outputs(np.array([0, 3, 1])) == 4
    assert Classification(["a", "b", "c", "d", "e"]).n_outputs(np.array([0, 1])) == 5
    assert SoftLabels().n_outputs(np.full((2, 6), 1 / 6)) == 6
    assert Regression().n_outputs(np.ones((4, 3))) == 3
    assert Regression().output_names(2) == ["0", "1"]
    assert Regression(["v", "a"]).output_names(2) == ["v", "a"]


# ---------------------------------------------------------------------------- outputs
def test_postprocess_softmax_with_temperature(rng):
    z = rng.standard_normal((20, 3)) * 3
    z0 = z.copy()
    task = Classification()
    res = task.postprocess(z, temperature=2.0)
    np.testing.assert_allclose(res["proba"], softmax(z / 2.0, axis=1), rtol=1e-12)
    np.testing.assert_allclose(res["proba"], task.postprocess(z / 2.0)["proba"], rtol=1e-12)
    np.testing.assert_array_equal(res["predicted"], z.argmax(axis=1))
    np.testing.assert_allclose(res["confidence"], res["proba"].max(axis=1))
    np.testing.assert_array_equal(task.point(res), res["proba"])
    np.testing.assert_array_equal(z, z0)  # input unchanged
    # a higher temperature is less confident
    assert np.all(res["confidence"] <= task.postprocess(z)["confidence"] + 1e-12)


def test_postprocess_uncertainty_is_normalised_entropy():
    res = Classification().postprocess(np.array([[0.0, 0.0, 0.0, 0.0], [50.0, 0.0, 0.0, 0.0]]))
    np.testing.assert_allclose(res["uncertainty"], [1.0, 0.0], atol=1e-9)


def test_postprocess_samples_mutual_information(rng):
    task = SoftLabels()
    samples = rng.standard_normal((8, 30, 4)) * 2
    res = task.postprocess(samples[0], samples=samples)
    probs = softmax(samples, axis=2)
    np.testing.assert_allclose(res["proba"], probs.mean(axis=0), rtol=1e-12)
    assert np.all(res["mutual_information"] >= 0) and res["mutual_information"].max() > 0.01
    assert np.all(res["variance"] >= 0)
    same = np.repeat(samples[:1], 5, axis=0)
    res0 = task.postprocess(samples[0], samples=same)
    np.testing.assert_allclose(res0["mutual_information"], 0.0, atol=1e-12)
    np.testing.assert_allclose(res0["variance"], 0.0, atol=1e-15)
    np.testing.assert_allclose(res0["proba"], softmax(samples[0], axis=1), rtol=1e-12)


def test_regression_postprocess(rng):
    out = rng.standard_normal((5, 2))
    res = Regression().postprocess(out, temperature=3.0)
    np.testing.assert_array_equal(res["outputs"], out)  # no activation, no temperature
    samples = rng.standard_normal((10, 5, 2))
    res = Regression().postprocess(out, samples=samples)
    np.testing.assert_allclose(res["outputs"], samples.mean(axis=0))
    np.testing.assert_allclose(res["std"], samples.std(axis=0))
    np.testing.assert_array_equal(Regression().point(res), res["outputs"])


# ---------------------------------------------------------------------------- calibration
def _calibrated(rng, n, n_classes=4, scale=2.0):
    """Logits whose softmax is the true class distribution, and labels drawn from it."""
    z = rng.standard_normal((n, n_classes)) * scale
    p = softmax(z, axis=1)
    y = (rng.random(n)[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
    return z, p, y.astype(np.int64)


def test_calibrate_overconfident_logits_lowers_ece(rng):
    z, _, y = _calibrated(rng, 3000)
    over = 3.0 * z  # over-confident model
    task = Classification()
    T = task.calibrate(over, y)
    assert 2.4 < T < 3.6
    before = expected_calibration_error(y, softmax(over, axis=1))
    after = expected_calibration_error(y, task.postprocess(over, temperature=T)["proba"])
    assert after < 0.5 * before and after < 0.03
    assert task.calibrate(over[:1], y[:1]) == 1.0  # too few samples
    assert Regression().calibrate(over, y) == 1.0


# ---------------------------------------------------------------------------- conformal
def test_classification_conformal_aps_coverage(rng):
    _, p_cal, y_cal = _calibrated(rng, 2000)
    _, p_test, y_test = _calibrated(rng, 5000)
    task = Classification()
    alpha = 0.1
    state = json.loads(json.dumps(task.fit_conformal(p_cal, y_cal, alpha)))
    assert state["score"] == "aps" and state["n_classes"] == 4
    sets = task.conformal(p_test, state)
    assert sets.shape == (5000, 4) and sets.dtype == bool
    cov = task.coverage(y_test, sets)
    assert cov["coverage"] >= 1 - alpha - 0.03
    assert 1.0 <= cov["mean_set_size"] < 4.0  # informative, not every class
    np.testing.assert_allclose(cov["coverage"], sets[np.arange(5000), y_test].mean())
    # smaller alpha, larger sets
    tight = task.conformal(p_test, task.fit_conformal(p_cal, y_cal, 0.3))
    assert tight.sum(axis=1).mean() < cov["mean_set_size"]


def test_soft_conformal_uses_argmax_of_votes(rng):
    _, p, y = _calibrated(rng, 500, n_classes=3)
    soft = np.eye(3)[y] * 0.7 + 0.1
    task = SoftLabels()
    s_soft = task.fit_conformal(p, soft, 0.2)
    s_hard = Classification().fit_conformal(p, y, 0.2)
    assert s_soft == s_hard
    sets = task.conformal(p, s_soft)
    assert task.coverage(soft, sets) == Classification().coverage(y, sets)


def test_regression_conformal_interval_coverage(rng):
    f_cal, f_test = rng.standard_normal((2000, 2)), rng.standard_normal((5000, 2))
    y_cal = f_cal + rng.standard_normal((2000, 2))
    y_test = f_test + rng.standard_normal((5000, 2))
    task = Regression()
    alpha = 0.1
    state = json.loads(json.dumps(task.fit_conformal(f_cal, y_cal, alpha)))
    np.testing.assert_allclose(state["halfwidth"], 1.645, atol=0.12)
    regions = task.conformal(f_test, state)
    assert regions.shape == (5000, 2, 2)
    np.testing.assert_allclose(regions[..., 1] - regions[..., 0], 2 * np.array(
        state["halfwidth"])[None].repeat(5000, 0))
    cov = task.coverage(y_test, regions)
    assert abs(cov["coverage"] - (1 - alpha)) < 0.03
    np.testing.assert_allclose(cov["mean_width"], 2 * np.mean(state["halfwidth"]))


def test_regression_conformal_too_few_samples_gives_infinite_interval(rng):
    state = Regression().fit_conformal(np.zeros((5, 1)), rng.standard_normal((5, 1)), 0.1)
    assert state["halfwidth"] == [np.inf]
    assert Regression().coverage(np.ones((3, 1)) * 1e9,
                                 Regression().conformal(np.zeros((3, 1)), state))[
        "coverage"] == 1.0


# ---------------------------------------------------------------------------- tables
def test_classification_table():
    pred = np.array([[0.9, 0.1], [0.3, 0.7], [0.6, 0.4]])
    task = Classification(["rest", "task"])
    df = task.table(pred, np.array([0, 1, 1]))
    assert list(df.columns) == ["y_true", "y_pred", "p_rest", "p_task"]
    assert df["y_true"].tolist() == ["rest", "task", "task"]
    assert df["y_pred"].tolist() == ["rest", "task", "rest"]
    np.testing.assert_array_equal(df["p_task"], pred[:, 1])
    assert list(task.table(pred).columns) == ["y_pred", "p_rest", "p_task"]
    assert list(Classification().table(pred).columns) == ["y_pred", "p_0", "p_1"]


def test_soft_table_kl(rng):
    truth = rng.dirichlet(np.ones(3), size=6)
    pred = rng.dirichlet(np.ones(3), size=6)
    task = SoftLabels(["a", "b", "c"])
    df = task.table(pred, truth)
    assert list(df.columns) == ["y_true", "y_pred", "p_a", "p_b", "p_c", "t_a", "t_b", "t_c",
                                "kl"]
    np.testing.assert_array_equal(df[["t_a", "t_b", "t_c"]].to_numpy(), truth)
    assert (df["kl"] > 0).all()
    expected = (truth * np.log(truth / pred)).sum(axis=1)
    np.testing.assert_allclose(df["kl"], expected, rtol=1e-9)
    np.testing.assert_allclose(task.table(truth, truth)["kl"], 0.0, atol=1e-12)
    assert "kl" not in task.table(pred).columns


def test_regression_table():
    pred = np.array([[1.0, 2.0], [3.0, 4.0]])
    y = np.array([[1.5, 2.5], [3.5, 4.5]])
    df = Regression(["valence", "arousal"]).table(pred, y)
    assert list(df.columns) == ["valence_true", "valence_pred", "arousal_true", "arousal_pred"]
    np.testing.assert_array_equal(df["arousal_true"], y[:, 1])
    np.testing.assert_array_equal(df["valence_pred"], pred[:, 0])
    assert list(Regression().table(pred).columns) == ["0_pred", "1_pred"]


# ---------------------------------------------------------------------------- floors and chance
def test_classification_baseline_learns_a_linear_effect(rng):
    from sklearn.metrics import balanced_accuracy_score

    F = rng.standard_normal((600, 5))
    w = np.array([2.0, -1.0, 0.0, 0.5, 0.0])
    y = (F @ w > 0).astype(np.int64)
    proba = Classification().baseline(F[:400], y[:400], F[400:], 2)
    assert proba.shape == (200, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert balanced_accuracy_score(y[400:], proba.argmax(axis=1)) > 0.9
    # soft targets are reduced to their argmax
    soft = np.eye(2)[y] * 0.8 + 0.1
    proba_s = SoftLabels().baseline(F[:400], soft[:400], F[400:], 2)
    assert balanced_accuracy_score(y[400:], proba_s.argmax(axis=1)) > 0.9


def test_classification_baseline_one_class_and_missing_class(rng):
    F = rng.standard_normal((20, 3))
    proba = Classification().baseline(F, np.full(20, 2), F[:4], 3)
    np.testing.assert_array_equal(proba, np.tile([0.0, 0.0, 1.0], (4, 1)))
    y = np.where(F[:, 0] > 0, 0, 2)  # class 1 never seen
    proba = Classification().baseline(F, y, F, 3)
    np.testing.assert_array_equal(proba[:, 1], 0.0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_regression_baseline_learns_a_linear_effect(rng):
    F = rng.standard_normal((400, 6))
    y = np.column_stack([F @ [1.0, 0.5, 0, 0, -1, 0], F @ [0, 0, 2.0, 0, 0, 1]])
    y += 0.3 * rng.standard_normal(y.shape)
    pred = Regression().baseline(F[:300], y[:300], F[300:], 2)
    assert pred.shape == (100, 2)
    for j in range(2):
        assert np.corrcoef(pred[:, j], y[300:, j])[0, 1] > 0.9
    one = Regression().baseline(F[:300], y[:300, 0], F[300:], 1)
    assert one.shape == (100, 1)


def test_chance_levels():
    assert Classification().chance(np.array([0, 0, 0, 1]), 2) == {
        "chance_accuracy": 0.75, "chance_balanced_accuracy": 0.5}
    soft = np.array([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.6, 0.2, 0.2]])
    mean = soft.mean(axis=0)
    kl = np.mean([np.sum(r[r > 0] * np.log(r[r > 0] / mean[r > 0])) for r in soft])
    assert SoftLabels().chance(soft, 3) == pytest.approx(
        {"chance_accuracy": 2 / 3, "chance_balanced_accuracy": 1 / 3, "chance_kl": kl},
        rel=1e-6)
    assert Regression().chance(np.ones((3, 1)), 1) == {}


def test_scores_of_perfect_predictions(rng):
    y = np.array([0, 1, 2, 1, 0, 2])
    m = Classification(["a", "b", "c"]).score(y, np.eye(3)[y])
    assert m["balanced_accuracy"] == 1.0 and m["accuracy"] == 1.0
    soft = rng.dirichlet(np.ones(3), size=6)
    assert SoftLabels().score(soft, soft)["kl"] == pytest.approx(0.0, abs=1e-12)
    t = rng.standard_normal((50, 2))
    r = Regression(["v", "a"]).score(t, 2 * t + 1)
    assert r["pearson_mean"] == pytest.approx(1.0)


def test_regression_one_dimensional_targets(rng):
    """A single target given as (n,) is treated as (n, 1), never broadcast to (n, n)."""
    task = Regression(["valence"])
    f = rng.standard_normal((400, 1))
    y = f[:, 0] + rng.standard_normal(400)
    state = task.fit_conformal(f, y, 0.1)
    assert len(state["halfwidth"]) == 1
    assert state == task.fit_conformal(f, y[:, None], 0.1)
    regions = task.conformal(f, state)
    assert task.coverage(y, regions) == task.coverage(y[:, None], regions)
    df = task.table(f, y)
    assert list(df.columns) == ["valence_true", "valence_pred"]
    np.testing.assert_array_equal(df["valence_true"], y)
