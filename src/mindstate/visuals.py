"""Report visuals for regression runs: a pulsing loss-curve GIF and a PAD-space map.

- :func:`heartbeat_gif`: the training "heartbeat", an animated GIF of the loss curve(s)
  drawn epoch by epoch, with a marker at the current epoch that pulses more strongly the
  higher the loss sits between its minimum and maximum.
- :func:`pad_map_png`: held-out predictions against the truth in the
  Pleasure-Arousal-Dominance (valence-arousal-dominance) planes, with truth-to-prediction
  segments for a deterministic subsample (:func:`pair_subsample`).

Both render with matplotlib's Agg backend and write atomically (temporary file in the
target folder, then ``os.replace``), so a reader never sees a half-written file.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

from ._validation import check_array, check_int, describe

__all__ = ["heartbeat_gif", "pad_map_png", "pair_subsample"]

#: Resolution (dots per inch) of the heartbeat frames and of the PAD map.
HEARTBEAT_DPI = 72
PAD_MAP_DPI = 100
#: Figure sizes in inches: heartbeat frame, PAD map with one panel (two targets) and
#: with two panels (three or more targets).
HEARTBEAT_FIGSIZE = (4.0, 2.6)
PAD_MAP_FIGSIZE = {1: (4.8, 4.0), 2: (9.6, 4.0)}
#: Display time of one frame and of the last frame (held so the final loss can be read), ms.
FRAME_MS = 90
LAST_FRAME_MS = 1200
#: Period of the pulse in frames (|sin| has two beats per period: a "lub-dub" rhythm).
PULSE_PERIOD = 6
_LOSS_KEYS = ("train_loss", "val_loss")


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _write_atomic(path: Path, write: Callable[[IO[bytes]], None]) -> Path:
    """Call ``write`` on a temporary binary file next to ``path``, then move it onto ``path``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _as_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _loss_series(
    history: Any,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Epoch numbers, train losses and validation losses of ``history`` (NaN where missing).

    Epochs come from the ``epoch`` keys when every entry has a finite one, else 1, 2, ...
    """
    if isinstance(history, (str, bytes, Mapping)) or not isinstance(history, Sequence):
        raise TypeError(f"history must be a list of per-epoch dicts; got {describe(history)}.")
    for i, h in enumerate(history):
        if not isinstance(h, Mapping):
            raise TypeError(f"history[{i}] must be a dict of per-epoch values (train_loss, "
                            f"val_loss); got {describe(h)}.")
    train = np.array([_as_float(h.get("train_loss", math.nan)) for h in history], dtype=float)
    val = np.array([_as_float(h.get("val_loss", math.nan)) for h in history], dtype=float)
    epochs = np.array([_as_float(h.get("epoch", math.nan)) for h in history], dtype=float)
    if not len(epochs) or not np.isfinite(epochs).all():
        epochs = np.arange(1, len(history) + 1, dtype=float)
    return epochs, train, val


def _finite_loss_count(history: Any) -> int:
    """Number of finite ``train_loss``/``val_loss`` values in ``history`` (0 for bad input)."""
    try:
        _, train, val = _loss_series(history)
    except TypeError:
        return 0
    return int(np.isfinite(train).sum() + np.isfinite(val).sum())


def _frame_indices(n_epochs: int, max_frames: int) -> NDArray[np.intp]:
    """``min(n_epochs, max_frames)`` distinct, increasing epoch indices from 0 to the last."""
    n_frames = min(n_epochs, max_frames)
    if n_frames == 1:
        return np.array([n_epochs - 1], dtype=np.intp)
    # floor(i * (n - 1) / (m - 1)): exact integers, strictly increasing since m <= n
    return (np.arange(n_frames) * (n_epochs - 1)) // (n_frames - 1)


def _pulse_scale(frame: int, rel: float, *, period: int = PULSE_PERIOD) -> float:
    """Heartbeat scale ``1 + a * |sin(pi * frame / (period / 2))|`` of the current marker.

    ``rel`` in [0, 1] is where the current loss sits between the minimum (0) and maximum (1)
    of its curve; the amplitude ``a = 0.3 + 1.2 * rel`` makes high losses beat harder. A NaN
    ``rel`` counts as 0.5.
    """
    rel = 0.5 if not np.isfinite(rel) else float(np.clip(rel, 0.0, 1.0))
    amplitude = 0.3 + 1.2 * rel
    return 1.0 + amplitude * abs(math.sin(2.0 * math.pi * frame / period))


def _relative(value: float, series: NDArray[np.float64]) -> float:
    finite = series[np.isfinite(series)]
    if not np.isfinite(value) or finite.size == 0:
        return math.nan
    lo, hi = float(finite.min()), float(finite.max())
    return 0.5 if hi <= lo else (value - lo) / (hi - lo)


def _last_finite(values: NDArray[np.float64], upto: int) -> tuple[int, float]:
    """Index and value of the last finite entry of ``values[: upto + 1]`` (``-1`` if none)."""
    idx = np.flatnonzero(np.isfinite(values[: upto + 1]))
    if idx.size == 0:
        return -1, math.nan
    return int(idx[-1]), float(values[idx[-1]])


def heartbeat_gif(
    history: Sequence[Mapping[str, Any]], path: str | os.PathLike[str], *, max_frames: int = 60
) -> Path:
    """Write the training "heartbeat": an animated GIF of the loss curve(s), epoch by epoch.

    Frame ``k`` shows the train (and validation) loss up to its epoch, a marker on the
    current value of each curve whose size pulses with a heartbeat rhythm (the scale is
    ``1 + a * |sin|``, with an amplitude ``a`` that grows with the loss relative to the
    curve's minimum and maximum), and a title with the epoch and the loss values. Axes are
    fixed over the frames; the last frame is held longer. Rendering is deterministic.

    Parameters
    ----------
    history : sequence of dict
        The training history, one dict per epoch with ``train_loss`` and optionally
        ``val_loss`` (floats; missing keys and NaN are allowed and leave gaps) and
        optionally ``epoch`` (used for the x axis when every entry has one).
    path : str | path-like
        The GIF file to (over)write; its folder must exist. Written atomically.
    max_frames : int
        Maximum number of frames; longer histories are subsampled evenly (first and last
        epochs always included). The GIF has ``min(len(history), max_frames)`` frames.

    Returns
    -------
    Path
        ``path`` as a :class:`~pathlib.Path`.

    Raises
    ------
    ValueError
        If ``history`` is empty or holds no finite ``train_loss``/``val_loss``, or
        ``max_frames < 1``.
    TypeError
        If ``history`` is not a sequence of dicts.
    """
    from PIL import Image

    max_frames = check_int(max_frames, "max_frames", min_value=1)
    epochs, train, val = _loss_series(history)
    if len(epochs) == 0:
        raise ValueError("history must hold at least one epoch (a dict with 'train_loss' and "
                         "optionally 'val_loss'); got an empty history.")
    n_finite = _finite_loss_count(history)
    if n_finite == 0:
        raise ValueError(
            "history must hold at least one finite 'train_loss' or 'val_loss'; got "
            f"{len(epochs)} epoch(s) without one (keys of the first: {list(history[0])}).")
    path = Path(path)
    series = [(train, "train", "train", "C0"), (val, "val", "validation", "C1")]
    series = [s for s in series if np.isfinite(s[0]).any()]
    finite = np.concatenate([s[0][np.isfinite(s[0])] for s in series])
    lo, hi = float(finite.min()), float(finite.max())
    pad = 0.08 * (hi - lo) if hi > lo else 0.1 * max(abs(hi), 1.0)
    x_lo, x_hi = float(epochs.min()), float(epochs.max())
    x_pad = 0.03 * (x_hi - x_lo) if x_hi > x_lo else 0.5

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=HEARTBEAT_FIGSIZE, dpi=HEARTBEAT_DPI)
    frames: list[Image.Image] = []
    try:
        ax.set(xlim=(x_lo - x_pad, x_hi + x_pad), ylim=(lo - pad, hi + pad), xlabel="epoch",
               ylabel="loss")
        ax.tick_params(labelsize=7)
        ax.xaxis.label.set_size(8)
        ax.yaxis.label.set_size(8)
        ax.grid(alpha=0.25, lw=0.5)
        artists = []
        for values, short, label, color in series:
            (line,) = ax.plot([], [], color=color, lw=1.4, label=label)
            halo = ax.scatter([], [], s=[], facecolors="none", edgecolors=color,
                              linewidths=1.0, alpha=0.45)
            dot = ax.scatter([], [], s=[], color=color, edgecolors="white", linewidths=0.6,
                             zorder=3)
            artists.append((values, short, line, halo, dot))
        ax.legend(fontsize=7, loc="upper right", frameon=False)
        title = ax.set_title("epoch 0   train 0   val 0", fontsize=8)  # reserves its space
        fig.tight_layout(pad=0.4)
        # blitting: the static parts (axes, ticks, legend) are rendered once; each frame
        # restores them and draws only the animated curve, markers and title on top
        moving = [a for _, _, *parts in artists for a in parts] + [title]
        for a in moving:
            a.set_animated(True)
        fig.canvas.draw()
        background = fig.canvas.copy_from_bbox(fig.bbox)
        for f, k in enumerate(_frame_indices(len(epochs), max_frames)):
            texts = [f"epoch {epochs[k]:g}"]
            for values, short, line, halo, dot in artists:
                line.set_data(epochs[: k + 1], values[: k + 1])
                j, value = _last_finite(values, int(k))
                if j < 0:
                    dot.set_offsets(np.empty((0, 2)))
                    halo.set_offsets(np.empty((0, 2)))
                    continue
                scale = _pulse_scale(f, _relative(value, values))
                dot.set_offsets([[epochs[j], value]])
                dot.set_sizes([18.0 * scale**2])
                halo.set_offsets([[epochs[j], value]])
                halo.set_sizes([18.0 * (1.0 + 1.6 * (scale - 1.0)) ** 2 * 2.2])
                halo.set_linewidths([0.6 + 0.8 * (scale - 1.0)])
                texts.append(f"{short} {value:.4g}")
            title.set_text("   ".join(texts))
            fig.canvas.restore_region(background)
            for a in moving:
                ax.draw_artist(a)
            rgba = np.asarray(fig.canvas.buffer_rgba())
            frames.append(Image.fromarray(np.ascontiguousarray(rgba[..., :3])))
    finally:
        plt.close(fig)

    # one shared palette (from the last, fullest frame) keeps frames consistent and lets
    # the GIF encoder store only the changed region of each frame
    palette = frames[-1].quantize(colors=64, method=Image.Quantize.MEDIANCUT,
                                  dither=Image.Dither.NONE)
    quantized = [fr.quantize(palette=palette, dither=Image.Dither.NONE) for fr in frames]
    durations = [FRAME_MS] * len(quantized)
    durations[-1] = LAST_FRAME_MS

    def write(fh: IO[bytes]) -> None:
        quantized[0].save(fh, format="GIF", save_all=True, append_images=quantized[1:],
                          duration=durations if len(durations) > 1 else durations[0],
                          loop=0, optimize=False, disposal=1)

    return _write_atomic(path, write)


def pair_subsample(n: int, max_pairs: int) -> NDArray[np.intp]:
    """Deterministic, sorted subsample of ``min(n, max_pairs)`` distinct indices in ``[0, n)``.

    All indices when ``n <= max_pairs``; otherwise a draw without replacement from a
    generator seeded with 0, so the same ``(n, max_pairs)`` always picks the same pairs.

    Parameters
    ----------
    n : int
        Number of (truth, prediction) pairs, ``>= 0``.
    max_pairs : int
        Maximum number of indices to return, ``>= 0``.

    Returns
    -------
    ndarray of int, shape (min(n, max_pairs),)
        The chosen indices, in increasing order.
    """
    n = check_int(n, "n", min_value=0)
    max_pairs = check_int(max_pairs, "max_pairs", min_value=0)
    if n <= max_pairs:
        return np.arange(n, dtype=np.intp)
    rng = np.random.default_rng(0)
    return np.sort(rng.choice(n, size=max_pairs, replace=False)).astype(np.intp)


def _check_targets(y_true: Any, y_pred: Any, names: Any) -> tuple[
        NDArray[np.float64], NDArray[np.float64], list[str]]:
    hint = "(n_samples, n_targets)"
    yt = check_array(y_true, "y_true", ndim=2, shape_hint=hint)
    yp = check_array(y_pred, "y_pred", ndim=2, shape_hint=hint)
    if yt.shape != yp.shape:
        raise ValueError(f"y_pred must have the shape of y_true {yt.shape}; got {yp.shape}.")
    if yt.shape[1] < 2:
        raise ValueError(f"y_true and y_pred must have at least 2 columns (targets such as "
                         f"valence and arousal); got shape {yt.shape}.")
    if yt.shape[0] < 1:
        raise ValueError(f"y_true and y_pred must have at least one row; got shape {yt.shape}.")
    if isinstance(names, (str, bytes)) or not isinstance(names, Sequence):
        raise TypeError(f"names must be a list of target names; got {describe(names)}.")
    if len(names) != yt.shape[1]:
        raise ValueError(f"names must hold one name per column of y_true ({yt.shape[1]}); "
                         f"got {len(names)}: {list(names)!r}.")
    return yt, yp, [str(s) for s in names]


def pad_map_png(
    y_true: Any, y_pred: Any, names: Sequence[str], path: str | os.PathLike[str], *,
    max_pairs: int = 300,
) -> Path:
    """Write the PAD-space map: predictions against the truth in the affect planes.

    Each panel plots one plane (first panel: target 0 against target 1, e.g. valence and
    arousal; with three or more targets a second panel plots target 0 against target 2,
    e.g. valence and dominance; later targets are ignored). Truth values are small grey
    points; predictions are coloured by the remaining target (a colorbar shows the scale;
    with two targets they are plain). Thin segments join each truth to its prediction for
    a deterministic subsample of :func:`pair_subsample`. The title gives the mean
    Euclidean distance between truth and prediction in the plane. The image is
    ``PAD_MAP_FIGSIZE[n_panels]`` inches at ``PAD_MAP_DPI``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples, n_targets)
        True targets (finite), ``n_targets >= 2``.
    y_pred : array-like of shape (n_samples, n_targets)
        Predicted targets (finite), the shape of ``y_true``.
    names : sequence of str
        One name per target (column), used as axis and colorbar labels.
    path : str | path-like
        The PNG file to (over)write; its folder must exist. Written atomically.
    max_pairs : int
        Maximum number of truth-to-prediction segments per panel (``0`` draws none).

    Returns
    -------
    Path
        ``path`` as a :class:`~pathlib.Path`.

    Raises
    ------
    ValueError
        If the arrays are not 2-D, differ in shape, have fewer than 2 columns or no row,
        hold NaN/Inf (:class:`~mindstate.exceptions.DataQualityError`), or ``names`` has
        the wrong length.
    """
    from matplotlib.collections import LineCollection

    yt, yp, labels = _check_targets(y_true, y_pred, names)
    max_pairs = check_int(max_pairs, "max_pairs", min_value=0)
    path = Path(path)
    k = yt.shape[1]
    planes = [(0, 1, 2 if k >= 3 else None)]
    if k >= 3:
        planes.append((0, 2, 1))
    pairs = pair_subsample(len(yt), max_pairs)

    plt = _pyplot()
    fig, axes = plt.subplots(1, len(planes), figsize=PAD_MAP_FIGSIZE[len(planes)],
                             squeeze=False)
    try:
        for ax, (i, j, c) in zip(axes[0], planes):
            seg = np.stack([yt[pairs][:, [i, j]], yp[pairs][:, [i, j]]], axis=1)
            ax.add_collection(LineCollection(list(seg), colors="0.45", linewidths=0.4,
                                             alpha=0.5, zorder=1, gid="truth-to-prediction"))
            ax.scatter(yt[:, i], yt[:, j], s=5, color="0.6", alpha=0.7, lw=0,
                       label="truth", zorder=2)
            if c is None:
                ax.scatter(yp[:, i], yp[:, j], s=9, color="C3", alpha=0.8, lw=0,
                           label="prediction", zorder=3)
            else:
                sc = ax.scatter(yp[:, i], yp[:, j], s=9, c=yp[:, c], cmap="viridis",
                                alpha=0.85, lw=0, label="prediction", zorder=3)
                fig.colorbar(sc, ax=ax, fraction=0.046, pad=0.03).set_label(
                    f"predicted {labels[c]}", fontsize=8)
            both = np.concatenate([yt[:, [i, j]], yp[:, [i, j]]])
            lo, hi = both.min(axis=0), both.max(axis=0)
            margin = np.where(hi > lo, 0.05 * (hi - lo), 0.5)
            ax.set_xlim(lo[0] - margin[0], hi[0] + margin[0])
            ax.set_ylim(lo[1] - margin[1], hi[1] + margin[1])
            dist = float(np.hypot(*(yp[:, [i, j]] - yt[:, [i, j]]).T).mean())
            ax.set_title(f"{labels[i]} - {labels[j]} plane: mean distance {dist:.3g}",
                         fontsize=9)
            ax.set_xlabel(labels[i])
            ax.set_ylabel(labels[j])
            ax.legend(fontsize=7, loc="best", markerscale=1.5)
        fig.tight_layout()

        def write(fh: IO[bytes]) -> None:
            fig.savefig(fh, format="png", dpi=PAD_MAP_DPI)

        return _write_atomic(path, write)
    finally:
        plt.close(fig)
