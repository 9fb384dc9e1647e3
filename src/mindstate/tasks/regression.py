"""Regression task: continuous targets (any number of them, e.g. valence/arousal/dominance)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .base import TASKS, Task

__all__ = ["Regression"]


@TASKS.register("regression")
class Regression(Task):
    """Continuous targets (any number, e.g. V/A/D): MSE loss, identity outputs, r/MAE/R²/CCC.

    Parameters
    ----------
    names : list of str | None
        Target names in column order.
    """

    kind = "regression"
    default_loss = "mse"
    primary_metric = "pearson_mean"
    log_accuracy = False
    floor = "ridge"

    def check_targets(self, y, where="the data"):
        y = np.asarray(y)
        if y.dtype.kind not in "fiu" or y.ndim not in (1, 2):
            raise ValueError(f"task 'regression' needs numeric targets of shape (n,) or "
                             f"(n, n_targets); {where} carry shape {y.shape}, dtype {y.dtype}.")
        if y.ndim == 1 and y.dtype.kind in "iu" and self.names and len(self.names) > 1:
            raise ValueError(f"task 'regression' needs numeric targets, one column per name in "
                             f"{self.names}; {where} carry integer class labels. Set task: "
                             "classification.")
        y = y.astype(np.float64)
        y = y[:, None] if y.ndim == 1 else y
        if self.names and len(self.names) != y.shape[1]:
            raise ValueError(f"task 'regression' names {len(self.names)} targets {self.names}; "
                             f"{where} carry {y.shape[1]} target column(s). Fix data.classes.")
        return y

    def n_outputs(self, y):
        return len(self.names) if self.names else int(y.shape[1])

    def make_loss(self, name, kwargs, y_train, n_outputs):
        kwargs = dict(kwargs)
        if (name or self.default_loss) == "scaled_mse" and "scale" not in kwargs:
            sd = np.asarray(y_train, dtype=np.float64).reshape(len(y_train), -1).std(axis=0)
            kwargs["scale"] = np.where(sd > 0, sd, 1.0).tolist()
        return super().make_loss(name, kwargs, y_train, n_outputs)

    def init_head(self, model, y_train):
        import torch

        y2 = np.asarray(y_train, dtype=np.float64).reshape(len(y_train), -1)
        if hasattr(model, "set_target_stats"):  # models working in standardised units
            model.set_target_stats(y2.mean(axis=0), y2.std(axis=0))
            return

        head = getattr(model, "head", None)
        if head is not None and getattr(head, "bias", None) is not None:
            mean = np.asarray(y_train, dtype=np.float64).reshape(len(y_train), -1).mean(axis=0)
            with torch.no_grad():
                head.bias.copy_(torch.as_tensor(mean, dtype=head.bias.dtype))

    def postprocess(self, outputs, temperature=1.0, samples=None):
        if samples is not None:
            s = np.asarray(samples, dtype=np.float64)
            return {"outputs": s.mean(axis=0), "std": s.std(axis=0)}
        return {"outputs": np.asarray(outputs, dtype=np.float64)}

    def point(self, result):
        return np.asarray(result["outputs"], dtype=np.float64)

    def score(self, y, pred, groups=None, n_boot=0, seed=0):
        from ..evaluate.metrics import regression_metrics

        return regression_metrics(y, pred, self.output_names(pred.shape[1]))

    def fit_conformal(self, pred_val, y_val, alpha):
        y_val = np.asarray(y_val, dtype=np.float64).reshape(len(pred_val), -1)
        resid = np.sort(np.abs(y_val - pred_val), axis=0)                 # (n, T)
        n = len(resid)
        k = int(np.ceil((n + 1) * (1 - alpha)))
        q = np.full(resid.shape[1], np.inf) if k > n else resid[k - 1]
        return {"alpha": float(alpha), "halfwidth": q.tolist()}

    def conformal(self, pred, state):
        q = np.asarray(state["halfwidth"], dtype=np.float64)
        return np.stack([pred - q, pred + q], axis=-1)                    # (n, T, 2)

    def coverage(self, y, regions):
        y = np.asarray(y).reshape(regions.shape[:-1])
        inside = (y >= regions[..., 0]) & (y <= regions[..., 1])
        return {"coverage": float(inside.mean()),
                "mean_width": float((regions[..., 1] - regions[..., 0]).mean())}

    def table(self, pred, y=None):
        names = self.output_names(pred.shape[1])
        df = pd.DataFrame()
        if y is not None:
            y = np.asarray(y).reshape(len(pred), -1)
        for j, c in enumerate(names):
            if y is not None:
                df[f"{c}_true"] = y[:, j]
            df[f"{c}_pred"] = pred[:, j]
        return df

    def baseline(self, F_train, y_train, F_test, n_outputs):
        from sklearn.linear_model import RidgeCV
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        reg = make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-2, 4, 13)))
        reg.fit(F_train, y_train)
        return np.asarray(reg.predict(F_test), dtype=np.float64).reshape(len(F_test), -1)
