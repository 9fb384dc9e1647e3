"""Tests of the evaluation metrics against hand-computed and reference values."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import balanced_accuracy_score, f1_score, roc_auc_score
from sklearn.metrics import log_loss as sk_log_loss

from mindstate.evaluate.metrics import (
    bootstrap_ci,
    brier_score,
    classification_metrics,
    concordance_correlation,
    expected_calibration_error,
    kl_divergence,
    log_loss,
    per_group_metrics,
    regression_metrics,
    reliability_curve,
)


def _kaggle_kl(solution: pd.DataFrame, submission: pd.DataFrame, epsilon=1e-15) -> float:
    """The Kaggle ``kullback-leibler-divergence`` metric code (micro average, no weights)."""
    solution = solution.copy()
    submission = submission.copy()
    for col in solution.columns:
        solution[col] = solution[col].astype(float)
        submission[col] = np.clip(submission[col], epsilon, 1 - epsilon)
        nz = solution[col] != 0
        solution.loc[nz, col] = solution.loc[nz, col] * np.log(
            solution.loc[nz, col] / submission.loc[nz, col])
        solution.loc[~nz, col] = 0
    return float(np.average(solution.sum(axis=1)))


def test_kl_matches_kaggle_metric(rng):
    votes = rng.integers(0, 4, size=(50, 6)).astype(float)
    votes[:, 0] += 1  # every row has a vote
    votes[3] = [0, 0, 5, 0, 0, 0]  # one-hot row
    logits = rng.normal(size=(50, 6))
    proba = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    proba[3] = [0.0, 0.0, 1.0, 0.0, 0.0, 0.0]  # exact zeros exercise the clipping
    proba[4] = [1.0, 0, 0, 0, 0, 0]
    cols = ["seizure_vote", "lpd_vote", "gpd_vote", "lrda_vote", "grda_vote", "other_vote"]
    frac = votes / votes.sum(1, keepdims=True)
    expected = _kaggle_kl(pd.DataFrame(frac, columns=cols), pd.DataFrame(proba, columns=cols))
    assert kl_divergence(votes, proba) == pytest.approx(expected, rel=1e-12)
    rows = kl_divergence(votes, proba, per_row=True)
    assert rows.shape == (50,) and rows[3] == pytest.approx(0.0, abs=1e-12)
    assert rows.mean() == pytest.approx(expected, rel=1e-12)


def test_kl_hand_value_and_errors():
    y = np.array([[1.0, 1.0, 0.0]])
    p = np.array([[0.25, 0.25, 0.5]])
    assert kl_divergence(y, p) == pytest.approx(np.log(2.0))  # 2 * 0.5 ln(0.5/0.25)
    with pytest.raises(ValueError, match="rows must sum to 1"):
        kl_divergence(y, np.array([[0.5, 0.5, 0.5]]))
    with pytest.raises(ValueError, match="probabilities in"):
        kl_divergence(y, np.array([[1.5, -0.5, 0.0]]))
    with pytest.raises(ValueError, match="sums to 0"):
        kl_divergence(np.zeros((1, 3)), p)
    with pytest.raises(ValueError, match="must be non-negative"):
        kl_divergence(np.array([[2.0, -1.0, 0.0]]), p)
    with pytest.raises(ValueError, match=r"shape \(n_samples, n_classes\) = \(1, 3\)"):
        kl_divergence(np.ones((1, 4)), p)
    with pytest.raises(ValueError, match="at least 2 class columns"):
        kl_divergence(np.ones((2, 1)), np.ones((2, 1)))
    with pytest.raises(ValueError, match="at least one row"):
        kl_divergence(np.ones((0, 3)), np.ones((0, 3)))


def test_classification_metrics_known_values():
    y = np.array([0, 0, 1, 1, 2, 2])
    p = np.array([[0.8, 0.1, 0.1], [0.3, 0.6, 0.1], [0.1, 0.7, 0.2],
                  [0.2, 0.7, 0.1], [0.1, 0.2, 0.7], [0.5, 0.1, 0.4]])
    m = classification_metrics(y, p, classes=["a", "b", "c"])
    pred = p.argmax(1)
    assert m["n_samples"] == 6
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(y, pred))
    assert m["macro_f1"] == pytest.approx(f1_score(y, pred, average="macro"))
    assert m["roc_auc"] == pytest.approx(roc_auc_score(y, p, multi_class="ovr"))
    assert m["log_loss"] == pytest.approx(sk_log_loss(y, p))
    onehot = np.eye(3)[y]
    assert m["brier"] == pytest.approx(np.mean(np.sum((p - onehot) ** 2, 1)))
    assert m["confusion_matrix"] == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert m["per_class"]["b"] == pytest.approx(
        {"precision": 2 / 3, "recall": 1.0, "f1": 0.8, "support": 2,
         "roc_auc": roc_auc_score(y == 1, p[:, 1])})
    assert "kl" not in m
    json.dumps(m)  # JSON-ready


def test_classification_metrics_absent_class_and_binary():
    y = np.array([0, 0, 1, 1])
    p = np.array([[0.7, 0.2, 0.1], [0.4, 0.5, 0.1], [0.2, 0.7, 0.1], [0.1, 0.3, 0.6]])
    m = classification_metrics(y, p)
    assert m["roc_auc"] is None  # class 2 never occurs: undefined, reported as null
    assert m["per_class"]["2"]["roc_auc"] is None and m["per_class"]["2"]["recall"] is None
    assert m["per_class"]["2"]["precision"] == 0.0  # predicted once, never right
    assert m["balanced_accuracy"] == pytest.approx((0.5 + 0.5) / 2)
    assert "NaN" not in json.dumps(m)
    pb = np.array([[0.9, 0.1], [0.6, 0.4], [0.3, 0.7], [0.45, 0.55]])
    mb = classification_metrics(y, pb)
    assert mb["roc_auc"] == pytest.approx(roc_auc_score(y, pb[:, 1]))
    assert classification_metrics(np.zeros(4, int), pb)["roc_auc"] is None


def test_classification_metrics_soft_labels():
    votes = np.array([[3, 1, 0], [0, 2, 2], [0, 0, 4], [1, 0, 0]], float)
    p = np.array([[0.6, 0.3, 0.1], [0.1, 0.5, 0.4], [0.2, 0.2, 0.6], [0.5, 0.25, 0.25]])
    m = classification_metrics(votes, p)
    assert m["kl"] == pytest.approx(kl_divergence(votes, p))
    assert m["accuracy"] == pytest.approx(1.0)  # argmax of votes [0, 1, 2, 0]
    frac = votes / votes.sum(1, keepdims=True)
    assert m["log_loss"] == pytest.approx(-np.mean(np.sum(frac * np.log(p), 1)))


def test_classification_metrics_errors():
    p = np.array([[0.5, 0.5], [0.2, 0.8]])
    with pytest.raises(ValueError, match="class indices must lie in 0..1"):
        classification_metrics(np.array([0, 2]), p)
    with pytest.raises(ValueError, match="must name the 2 proba columns"):
        classification_metrics(np.array([0, 1]), p, classes=["a"])
    with pytest.raises(ValueError, match="classes must be unique"):
        classification_metrics(np.array([0, 1]), p, classes=["a", "a"])
    with pytest.raises(TypeError, match="integer class indices"):
        classification_metrics(np.array(["a", "b"]), p)
    with pytest.raises(ValueError, match="must be integers"):
        classification_metrics(np.array([0.5, 1.0]), p)
    with pytest.raises(ValueError, match=r"must have shape \(2,\)"):
        classification_metrics(np.array([0, 1, 1]), p)
    with pytest.raises(TypeError, match="must be array-like"):
        classification_metrics(None, p)
    with pytest.raises(ValueError, match="must have 2 dimensions"):
        classification_metrics(np.array([0]), np.array([0.5, 0.5]))


def test_ece_and_reliability_known_values():
    # 4 predictions at confidence 0.9 (3 right) and 4 at 0.6 (2 right)
    p = np.array([[0.9, 0.1]] * 4 + [[0.6, 0.4]] * 4)
    y = np.array([0, 0, 0, 1, 0, 0, 1, 1])
    ece = expected_calibration_error(y, p, n_bins=10)
    assert ece == pytest.approx(0.5 * abs(0.75 - 0.9) + 0.5 * abs(0.5 - 0.6))
    curve = reliability_curve(y, p, n_bins=10)
    assert curve.count.tolist() == [0, 0, 0, 0, 0, 4, 0, 0, 4, 0]
    assert curve.confidence[8] == pytest.approx(0.9) and curve.accuracy[5] == pytest.approx(0.5)
    assert np.isnan(curve.confidence[0])
    assert expected_calibration_error(np.array([0, 1]), np.eye(2)) == 0.0
    with pytest.raises(ValueError, match="n_bins must be >= 1"):
        expected_calibration_error(y, p, n_bins=0)


def test_brier_and_log_loss_hand_values():
    p = np.array([[0.75, 0.25]])
    assert brier_score(np.array([0]), p) == pytest.approx(0.125)
    assert log_loss(np.array([1]), p) == pytest.approx(-np.log(0.25))
    assert log_loss(np.array([1]), np.array([[1.0, 0.0]])) == pytest.approx(-np.log(1e-15))


def test_regression_metrics_known_values():
    yt = np.array([[1.0, 0.0], [2.0, 1.0], [3.0, 2.0], [4.0, 3.0]])
    yp = np.array([[1.5, 0.0], [2.5, 1.0], [3.5, 2.0], [4.5, 3.0]])
    m = regression_metrics(yt, yp, ["V", "A"])
    assert m["mae_V"] == pytest.approx(0.5) and m["mae_A"] == 0.0
    assert m["mse_V"] == pytest.approx(0.25)
    assert m["r2_V"] == pytest.approx(1 - 1.0 / 5.0) and m["r2_A"] == pytest.approx(1.0)
    assert m["pearson_V"] == pytest.approx(1.0)
    # CCC of a shifted copy: 2 var / (2 var + 0.25) with var 1.25
    assert m["ccc_V"] == pytest.approx(2.5 / 2.75) and m["ccc_A"] == pytest.approx(1.0)
    assert m["ccc_mean"] == pytest.approx((2.5 / 2.75 + 1.0) / 2)
    m1 = regression_metrics(np.array([1.0, 1.0, 1.0]), np.array([1.0, 2.0, 3.0]))
    assert m1["r2_y"] is None and m1["pearson_y"] is None and m1["r2_mean"] is None
    assert "NaN" not in json.dumps(m1)
    assert concordance_correlation(np.ones(3), np.ones(3)) is None
    with pytest.raises(ValueError, match="same shape"):
        regression_metrics(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="at least 2 samples"):
        regression_metrics(np.zeros(1), np.zeros(1))
    with pytest.raises(ValueError, match="must name the 2 target columns"):
        regression_metrics(yt, yp, ["V"])
    with pytest.raises(ValueError, match="same shape"):
        concordance_correlation(np.zeros(3), np.zeros(4))


def test_per_group_metrics():
    y = np.array([0, 1, 0, 1, 1, 1])
    p = np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.3, 0.7], [0.6, 0.4], [0.1, 0.9]])
    groups = pd.DataFrame({"subject": ["S10", "S10", "S2", "S2", "S2", "S2"]})
    df = per_group_metrics(y, p, groups)
    assert df["subject"].tolist() == ["S2", "S10"]  # natural order
    assert df["n_samples"].tolist() == [4, 2]
    assert df["accuracy"].tolist() == pytest.approx([0.5, 1.0])
    df2 = per_group_metrics(np.eye(2)[y] * 3, p, groups["subject"].to_numpy(), by="subject")
    assert df2["kl"].tolist()[1] == pytest.approx(-np.mean(np.log([0.9, 0.8])))
    with pytest.raises(ValueError, match="groups lacks column 'patient'"):
        per_group_metrics(y, p, groups, by="patient")
    with pytest.raises(ValueError, match="one label per sample"):
        per_group_metrics(y, p, ["a"])


def test_bootstrap_ci_covers_and_cluster_is_wider(rng):
    n = 400
    y = rng.integers(0, 2, n)
    correct = rng.random(n) < 0.8
    pred = np.where(correct, y, 1 - y)
    acc = lambda a, b: float(np.mean(a == b))
    low, high = bootstrap_ci(acc, y, pred, n_boot=500, random_state=0)
    assert low < np.mean(pred == y) < high
    assert 0.03 < high - low < 0.12  # ~ 2 * 1.96 * sqrt(.8 * .2 / 400) = 0.078
    assert bootstrap_ci(acc, y, pred, n_boot=500, random_state=0) == (low, high)
    # 8 subjects with very different accuracies: the cluster interval is wider
    subj = np.repeat(np.arange(8), n // 8)
    pred2 = np.where(subj < 4, y, np.where(rng.random(n) < 0.5, y, 1 - y))
    lo_i, hi_i = bootstrap_ci(acc, y, pred2, n_boot=500, random_state=0)
    lo_c, hi_c = bootstrap_ci(acc, y, pred2, n_boot=500, groups=subj, random_state=0)
    assert hi_c - lo_c > 1.5 * (hi_i - lo_i)


def test_bootstrap_ci_errors():
    y = np.array([0, 1, 0, 1])
    with pytest.raises(TypeError, match="metric_fn must be callable"):
        bootstrap_ci(None, y, y)
    with pytest.raises(ValueError, match="same number"):
        bootstrap_ci(lambda a, b: 0.0, y, y[:3])
    with pytest.raises(ValueError, match="at least 2 distinct groups"):
        bootstrap_ci(lambda a, b: 0.0, y, y, groups=np.zeros(4))
    with pytest.raises(ValueError, match=r"groups must have shape \(4,\)"):
        bootstrap_ci(lambda a, b: 0.0, y, y, groups=np.zeros(3))
    with pytest.raises(ValueError, match="undefined"):
        bootstrap_ci(lambda a, b: None, y, y, n_boot=20)
    with pytest.raises(ValueError, match=r"alpha must be in \(0, 1\)"):
        bootstrap_ci(lambda a, b: 0.0, y, y, alpha=1.0)


def test_metric_inputs_unchanged():
    votes = np.array([[3.0, 1.0], [0.0, 2.0]])
    p = np.array([[0.6, 0.4], [0.3, 0.7]])
    v0, p0 = votes.copy(), p.copy()
    classification_metrics(votes, p)
    kl_divergence(votes, p)
    np.testing.assert_array_equal(votes, v0)
    np.testing.assert_array_equal(p, p0)
