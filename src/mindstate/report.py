"""Run report: PNG plots and a self-contained ``report.html`` in the run directory."""

from __future__ import annotations

import base64
import html
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from .visuals import _finite_loss_count, heartbeat_gif, pad_map_png

__all__ = ["write_report"]

logger = logging.getLogger(__name__)

#: MIME type of the embedded images, by file suffix.
_MIME = {".png": "image/png", ".gif": "image/gif", ".jpg": "image/jpeg",
         ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}


def _fig():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _plot_curves(path: Path, histories: list[list[dict[str, float]]],
                 final_history: list[dict[str, float]]) -> None:
    plt = _fig()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for k, hist in enumerate(histories):
        if not hist:
            continue
        ep = [h["epoch"] for h in hist]
        axes[0].plot(ep, [h.get("train_loss", np.nan) for h in hist], color="C0", alpha=0.35,
                     label="train (folds)" if k == 0 else None)
        axes[0].plot(ep, [h.get("val_loss", np.nan) for h in hist], color="C1", alpha=0.35,
                     label="validation (folds)" if k == 0 else None)
    if final_history:
        ep = [h["epoch"] for h in final_history]
        axes[0].plot(ep, [h.get("train_loss", np.nan) for h in final_history], color="C0", lw=2,
                     label="train (final model)")
        axes[0].plot(ep, [h.get("val_loss", np.nan) for h in final_history], color="C1", lw=2,
                     label="validation (final model)")
        axes[1].plot(ep, [h["lr"] for h in final_history], color="C2")
    axes[0].set(xlabel="epoch", ylabel="loss", title="Learning curves")
    axes[0].legend(fontsize=7)
    axes[1].set(xlabel="epoch", ylabel="learning rate", title="LR schedule (final model)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _plot_confusion(path: Path, cm: np.ndarray, classes: list[str]) -> None:
    plt = _fig()
    side = max(3.6, 1.2 + 0.7 * len(classes))
    fig, ax = plt.subplots(figsize=(side, side - 0.2))
    norm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(classes)):
        for j in range(len(classes)):
            ax.text(j, i, f"{cm[i, j]}\n{norm[i, j]:.0%}", ha="center", va="center", fontsize=8,
                    color="white" if norm[i, j] > 0.6 else "black")
    ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right")
    ax.set_yticks(range(len(classes)), classes)
    ax.set(xlabel="predicted", ylabel="true", title="Confusion (held-out)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _plot_reliability(path: Path, y: np.ndarray, proba: np.ndarray, n_bins: int = 10) -> None:
    plt = _fig()
    conf = proba.max(axis=1)
    correct = (proba.argmax(axis=1) == y).astype(float)
    edges = np.linspace(0, 1, n_bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1]), 0, n_bins - 1)
    acc = [correct[which == b].mean() if (which == b).any() else np.nan for b in range(n_bins)]
    mids = (edges[:-1] + edges[1:]) / 2
    fig, ax = plt.subplots(figsize=(3.8, 3.6))
    ax.plot([0, 1], [0, 1], "k--", lw=1)
    ax.bar(mids, acc, width=1 / n_bins, alpha=0.7, edgecolor="k")
    ax.set(xlabel="confidence", ylabel="accuracy", title="Reliability (held-out)", xlim=(0, 1),
           ylim=(0, 1))
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _plot_roc(path: Path, y: np.ndarray, proba: np.ndarray, classes: list[str]) -> None:
    from sklearn.metrics import roc_curve

    plt = _fig()
    fig, ax = plt.subplots(figsize=(4.2, 3.8))
    ax.plot([0, 1], [0, 1], "k--", lw=1)
    for j, name in enumerate(classes):
        pos = y == j
        if pos.all() or not pos.any():
            continue
        fpr, tpr, _ = roc_curve(pos, proba[:, j])
        ax.plot(fpr, tpr, label=name)
        if len(classes) == 2:
            break
    ax.set(xlabel="false positive rate", ylabel="true positive rate",
           title="ROC, one vs rest (held-out)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _plot_expert_scores(path: Path, scores: dict[str, Any]) -> None:
    """Per class: the spatial expert's electrode scores, band scores and temporal scores."""
    plt = _fig()
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
    by_class = scores["by_class"]
    for name, s in by_class.items():
        if "channel" in s:
            ch = scores.get("channels") or [str(i) for i in range(len(s["channel"]))]
            axes[0].plot(range(len(s["channel"])), s["channel"], marker="o", label=name)
            axes[0].set_xticks(range(len(ch)), ch, rotation=90, fontsize=6)
        if "band" in s:
            bands = scores.get("bands_hz") or []
            labels = ([f"{a:.0f}-{b:.0f}" for a, b in bands] if len(bands) == len(s["band"])
                      else [str(i) for i in range(len(s["band"]))])
            axes[1].plot(range(len(s["band"])), s["band"], marker="o", label=name)
            axes[1].set_xticks(range(len(labels)), labels, rotation=45, fontsize=7)
        if "time" in s:
            axes[2].plot(s["time"], label=name)
    axes[0].set_title("electrode scores (spatial LS)")
    axes[1].set_title("band scores (Hz)")
    axes[2].set_title("time-token scores (temporal RLS)")
    axes[2].set_xlabel("token")
    for ax in axes:
        ax.axhline(0, color="grey", lw=0.5)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _img(path: Path) -> str:
    """An ``<img>`` tag embedding ``path`` as a base64 data URI (MIME type from the suffix)."""
    mime = _MIME.get(path.suffix.lower())
    if mime is None:
        raise ValueError(f"path must be an image with suffix {sorted(_MIME)}; got {path.name!r}.")
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img alt="{html.escape(path.stem)}" src="data:{mime};base64,{data}">'


def _regression_visuals(run_dir: Path, final_history: list[dict[str, float]],
                        y_true: np.ndarray, pred: np.ndarray, names: list[str]) -> list[Path]:
    """``heartbeat.gif`` and (two or more targets) ``pad_map.png``; return the written paths.

    The GIF is skipped (debug log) when ``final_history`` has no finite loss. Rows with a
    non-finite truth or prediction are left out of the PAD map (warning log); it is skipped
    when none is left.
    """
    out = []
    if _finite_loss_count(final_history):
        out.append(heartbeat_gif(final_history, run_dir / "heartbeat.gif"))
    else:
        logger.debug("final_history has no finite train/val loss: heartbeat.gif not written")
    y = np.asarray(y_true, dtype=float).reshape(len(y_true), -1)
    p = np.asarray(pred, dtype=float).reshape(len(pred), -1)
    if y.shape == p.shape and y.shape[1] >= 2:
        ok = np.isfinite(y).all(axis=1) & np.isfinite(p).all(axis=1)
        if not ok.all():
            logger.warning("pad_map.png: %d of %d held-out rows hold NaN/Inf and are left out",
                           int((~ok).sum()), len(ok))
        if ok.any():
            labels = [names[j] if j < len(names) else f"target {j}" for j in range(y.shape[1])]
            out.append(pad_map_png(y[ok], p[ok], labels, run_dir / "pad_map.png"))
    return out


def _table(rows: list[tuple[str, Any]]) -> str:
    cells = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(_fmt(v))}</td></tr>"
                    for k, v in rows)
    return f"<table>{cells}</table>"


def _plot_regression(path: Path, y: np.ndarray, pred: np.ndarray, names: list[str]) -> None:
    """Held-out predictions against the truth, one panel per target, with the identity line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    y = np.asarray(y, dtype=float).reshape(len(y), -1)
    k = y.shape[1]
    fig, axes = plt.subplots(1, k, figsize=(3.6 * k, 3.4), squeeze=False)
    for j, ax in enumerate(axes[0]):
        ax.scatter(y[:, j], pred[:, j], s=4, alpha=0.4)
        lo, hi = float(min(y[:, j].min(), pred[:, j].min())), float(max(y[:, j].max(),
                                                                          pred[:, j].max()))
        ax.plot([lo, hi], [lo, hi], color="k", lw=0.8)
        r = np.corrcoef(y[:, j], pred[:, j])[0, 1] if y[:, j].std() > 0 else float("nan")
        ax.set_title(f"{names[j] if j < len(names) else j}: r = {r:.3f}")
        ax.set_xlabel("true")
        ax.set_ylabel("predicted")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4f}"
    if v is None:
        return "n/a"
    return str(v)


def write_report(
    run_dir: Path, *, cfg_dict: dict[str, Any], metrics: dict[str, Any],
    histories: list[list[dict[str, float]]], final_history: list[dict[str, float]],
    classes: list[str], y_true: np.ndarray, pred: np.ndarray, task: str,
    expert_scores: dict[str, Any] | None = None,
) -> Path:
    """Write the plots and ``report.html`` into ``run_dir``; return the HTML path.

    Regression runs also get ``heartbeat.gif`` (the animated loss curve of the final model,
    :func:`~mindstate.visuals.heartbeat_gif`; skipped when ``final_history`` holds no finite
    loss) and, with two or more targets, ``pad_map.png`` (predictions against the truth in
    the target planes, :func:`~mindstate.visuals.pad_map_png`). All images are embedded in
    the HTML as data URIs.

    Parameters
    ----------
    run_dir : Path
        The (staging) run directory; PNG files and ``report.html`` are written into it.
    cfg_dict : dict
        The resolved configuration as a plain dict (shown in the report; ``name`` titles it).
    metrics : dict
        Held-out metrics as in ``metrics.json`` (may include ``confusion_matrix``,
        ``baseline``, ``per_subject`` and ``data_quality``).
    histories : list of list of dict
        Per fold, the training history (one dict per epoch with ``epoch``, ``lr``,
        ``train_loss`` and optionally ``val_loss``).
    final_history : list of dict
        The training history of the final (deployable) model.
    classes : list of str
        Class names, of length ``n_classes``.
    y_true : ndarray of shape (n_windows,)
        Held-out integer class indices (used for classification plots).
    pred : ndarray of shape (n_windows, n_classes)
        Held-out predicted class probabilities (regression: predicted targets).
    task : {"classification", "soft", "regression"}
        The experiment task; confusion, reliability and ROC plots are drawn only for
        ``"classification"``; predicted-vs-true, heartbeat and PAD-map visuals only for
        ``"regression"``.
    expert_scores : dict | None
        Mean least-squares expert scores per class (``expert_scores.json`` of AHLSA runs):
        plotted per channel, band and time token.

    Returns
    -------
    Path
        The path of ``report.html``.
    """
    run_dir = Path(run_dir)
    pngs: list[Path] = []
    p = run_dir / "learning_curves.png"
    _plot_curves(p, histories, final_history)
    pngs.append(p)
    if task == "classification" and "confusion_matrix" in metrics:
        p = run_dir / "confusion_matrix.png"
        _plot_confusion(p, np.asarray(metrics["confusion_matrix"]), classes)
        pngs.append(p)
        p = run_dir / "reliability.png"
        _plot_reliability(p, np.asarray(y_true), np.asarray(pred))
        pngs.append(p)
        p = run_dir / "roc.png"
        _plot_roc(p, np.asarray(y_true), np.asarray(pred), classes)
        pngs.append(p)
    if task == "regression":
        p = run_dir / "predicted_vs_true.png"
        _plot_regression(p, np.asarray(y_true), np.asarray(pred), classes)
        pngs.append(p)
        pngs += _regression_visuals(run_dir, final_history, y_true, pred, classes)
    if expert_scores and expert_scores.get("by_class"):
        p = run_dir / "expert_scores.png"
        _plot_expert_scores(p, expert_scores)
        pngs.append(p)
    keys = ["protocol", "accuracy", "balanced_accuracy", "macro_f1", "roc_auc", "ece", "brier",
            "kl", "chance_accuracy", "chance_balanced_accuracy", "n_records", "n_subjects",
            "n_windows"]

    def scalar_rows(m: dict[str, Any]) -> list[tuple[str, Any]]:
        out = [(k, m[k]) for k in keys if k in m]
        out += [(k, v) for k, v in m.items()
                if k.startswith(("pearson_", "mae_", "r2_", "ccc_"))
                and not isinstance(v, (dict, list))]
        return out

    rows = scalar_rows(metrics)
    conf = metrics.get("conformal")
    if isinstance(conf, dict):
        rows += [(f"conformal_{k}", v) for k, v in conf.items() if k != "calibrated_on"]
    base = metrics.get("baseline")
    base_html = ""
    if isinstance(base, dict):
        base_html = "<h2>Baseline (" + html.escape(str(base.get("model"))) + ")</h2>" + _table(
            scalar_rows(base))
    per = metrics.get("per_subject")
    per_html = ""
    if per:
        cols = list(per[0].keys())
        head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(r[c]))}</td>" for c in cols)
                       + "</tr>" for r in per)
        per_html = f"<h2>Per subject</h2><table><tr>{head}</tr>{body}</table>"
    quality = metrics.get("data_quality") or []
    qual_html = ""
    if quality and "mean_quality" in quality[0]:
        cols = ["record", "mean_quality", "min_quality", "median_snr_db", "artifact_ratio",
                "flagged_channels"]
        head = "".join(f"<th>{c}</th>" for c in cols)
        def cell(q: dict[str, Any], c: str) -> str:
            v = q.get(c)
            text = ", ".join(v or []) if c == "flagged_channels" else _fmt(v)
            return f"<td>{html.escape(text)}</td>"

        body = "".join("<tr>" + "".join(cell(q, c) for c in cols) + "</tr>" for q in quality)
        qual_html = ("<h2>Signal quality (raw recordings)</h2><p>Channel quality in [0, 1] "
                     "combines flatness, amplitude, high-frequency noise, line noise, artifact "
                     f"ratio and neighbour correlation.</p><table><tr>{head}</tr>{body}</table>")
    doc = f"""<!doctype html><html><head><meta charset="utf-8">
<title>mindstate run: {html.escape(str(cfg_dict.get('name')))}</title>
<style>body{{font-family:sans-serif;max-width:1000px;margin:2em auto}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:3px 8px;
text-align:left}}img{{max-width:100%;margin:0.5em 0}}pre{{background:#f6f6f6;padding:1em}}</style>
</head><body><h1>mindstate run: {html.escape(str(cfg_dict.get('name')))}</h1>
<p>All figures are computed on held-out data under the protocol named below.</p>
<h2>Held-out metrics</h2>{_table(rows)}{base_html}{per_html}{qual_html}
<h2>Plots</h2>{''.join(_img(p) for p in pngs)}
<h2>Resolved configuration</h2><pre>{html.escape(json.dumps(cfg_dict, indent=2))}</pre>
</body></html>"""
    out = run_dir / "report.html"
    out.write_text(doc)
    return out
