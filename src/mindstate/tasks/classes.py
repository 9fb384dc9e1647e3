"""Class tasks: hard labels (:class:`Classification`) and vote distributions (:class:`SoftLabels`).

Both share softmax outputs with temperature scaling, the accuracy family of metrics, APS
conformal prediction sets and a logistic-regression floor.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .base import TASKS, Task

__all__ = ["Classification", "SoftLabels"]


def _entropy_norm(p: NDArray[np.float64]) -> NDArray[np.float64]:
    ent = -(p * np.log(np.clip(p, 1e-12, 1.0))).sum(axis=1)
    return ent / np.log(max(p.shape[1], 2))


class _ClassTask(Task):
    log_accuracy = True

    def postprocess(self, outputs, temperature=1.0, samples=None):
        from ..uncertainty import mutual_information, softmax, variance

        extra: dict[str, NDArray[Any]] = {}
        if samples is not None:
            probs = softmax(np.asarray(samples) / temperature)     # (S, n, C)
            p = probs.mean(axis=0)
            extra = {"mutual_information": mutual_information(probs),
                     "variance": variance(probs)}
        else:
            p = softmax(np.asarray(outputs) / temperature)
        return {"proba": p, "predicted": p.argmax(axis=1), "confidence": p.max(axis=1),
                "uncertainty": _entropy_norm(p), **extra}

    def point(self, result):
        return np.asarray(result["proba"], dtype=np.float64)

    def calibrate(self, outputs_val, y_val):
        import logging
        import warnings

        from ..uncertainty import TemperatureScaling

        if len(outputs_val) < 2:
            return 1.0
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ts = TemperatureScaling().fit(outputs_val, y_val)
        for w in caught:  # e.g. T at its bound when the model is near chance on validation
            logging.getLogger(__package__).info("temperature scaling: %s", w.message)
        return float(ts.temperature_)

    def _hard(self, y: NDArray[Any]) -> NDArray[np.int64]:
        return (y if y.ndim == 1 else np.asarray(y).argmax(axis=1)).astype(np.int64)

    def score(self, y, pred, groups=None, n_boot=0, seed=0):
        from ..evaluate.metrics import bootstrap_ci, classification_metrics, per_group_metrics

        names = self.output_names(pred.shape[1])
        m = classification_metrics(y, pred, names)
        if groups is not None and "subject" in groups and 1 < groups["subject"].nunique() <= 500:
            per = per_group_metrics(y, pred, groups, by="subject", classes=names)
            m["per_subject"] = per.to_dict(orient="records")
            if n_boot:
                from sklearn.metrics import balanced_accuracy_score

                hard = self._hard(np.asarray(y))
                fn = lambda yt, pp: balanced_accuracy_score(yt, pp.argmax(1))
                lo, hi = bootstrap_ci(fn, hard, pred, n_boot=n_boot,
                                      groups=groups["subject"].to_numpy(), random_state=seed)
                m["balanced_accuracy_ci95"] = [lo, hi]
        return m

    def chance(self, y, n_outputs):
        counts = np.bincount(self._hard(y), minlength=n_outputs)
        return {"chance_accuracy": float(counts.max() / counts.sum()),
                "chance_balanced_accuracy": 1.0 / n_outputs}

    def fit_conformal(self, pred_val, y_val, alpha):
        from ..uncertainty import SplitConformalClassifier

        cp = SplitConformalClassifier("aps", alpha=alpha).fit(pred_val, self._hard(y_val))
        return {"score": "aps", "alpha": float(alpha), "scores": cp.scores_.tolist(),
                "n_classes": cp.n_classes_}

    def conformal(self, pred, state):
        from ..uncertainty import SplitConformalClassifier

        cp = SplitConformalClassifier(state["score"], alpha=state["alpha"])
        cp.scores_ = np.asarray(state["scores"], dtype=np.float64)
        cp.n_classes_ = int(state["n_classes"])
        return cp.predict_sets(pred)

    def coverage(self, y, regions):
        hard = self._hard(np.asarray(y))
        return {"coverage": float(regions[np.arange(len(hard)), hard].mean()),
                "mean_set_size": float(regions.sum(axis=1).mean())}

    def table(self, pred, y=None):
        names = self.output_names(pred.shape[1])
        df = pd.DataFrame()
        if y is not None:
            df["y_true"] = [names[int(v)] for v in self._hard(np.asarray(y))]
        df["y_pred"] = [names[int(v)] for v in pred.argmax(axis=1)]
        for j, c in enumerate(names):
            df[f"p_{c}"] = pred[:, j]
        return df

    def baseline(self, F_train, y_train, F_test, n_outputs):
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        hard = self._hard(np.asarray(y_train))
        proba = np.zeros((len(F_test), n_outputs))
        if len(np.unique(hard)) < 2:
            proba[:, hard[0]] = 1.0
            return proba
        clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=0.1))
        clf.fit(F_train, hard)
        proba[:, clf.classes_] = clf.predict_proba(F_test)
        return proba


@TASKS.register("classification")
class Classification(_ClassTask):
    """Hard class labels: cross-entropy, temperature-scaled softmax, accuracy family.

    Parameters
    ----------
    names : list of str | None
        Class names in label-index order.
    """

    kind = "classification"
    default_loss = "ce"
    primary_metric = "balanced_accuracy"

    def check_targets(self, y, where="the data"):
        y = np.asarray(y)
        if y.ndim != 1 or y.dtype.kind not in "iu":
            raise ValueError(f"task 'classification' needs one integer class label per window; "
                             f"{where} carry targets of shape {y.shape} and dtype {y.dtype}. "
                             "Set task: soft (vote distributions) or task: regression.")
        return y.astype(np.int64)


@TASKS.register("soft")
class SoftLabels(_ClassTask):
    """Soft labels (vote distributions): KL divergence loss and metric, softmax outputs.

    Parameters
    ----------
    names : list of str | None
        Class names in column order.
    """

    kind = "soft"
    default_loss = "kl"
    primary_metric = "kl"
    direction = "minimize"

    def check_targets(self, y, where="the data"):
        y = np.asarray(y, dtype=np.float64)
        if y.ndim != 2 or (y < 0).any() or not np.allclose(y.sum(axis=1), 1.0, atol=1e-6):
            raise ValueError(f"task 'soft' needs one probability distribution per window (rows "
                             f"of non-negative numbers summing to 1); {where} carry targets of "
                             f"shape {y.shape}. Normalise the votes, or set task: "
                             "classification / regression.")
        return y

    def chance(self, y, n_outputs):
        from ..evaluate.metrics import kl_divergence

        out = super().chance(y, n_outputs)
        y = np.asarray(y, dtype=np.float64)
        mean = np.clip(y.mean(axis=0, keepdims=True), 1e-6, None)
        out["chance_kl"] = float(kl_divergence(y, np.repeat(mean / mean.sum(), len(y), axis=0)))
        return out

    def table(self, pred, y=None):
        df = super().table(pred, None)
        if y is not None:
            from ..evaluate.metrics import kl_divergence

            names = self.output_names(pred.shape[1])
            df.insert(0, "y_true", [names[int(v)] for v in np.asarray(y).argmax(axis=1)])
            for j, c in enumerate(names):
                df[f"t_{c}"] = np.asarray(y)[:, j]
            df["kl"] = kl_divergence(y, pred, per_row=True)
        return df
