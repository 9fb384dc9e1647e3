"""Regression-run visuals: the training heartbeat GIF, the PAD-space map and their report."""

from __future__ import annotations

import base64
import math
import re
import time

import numpy as np
import pytest
from PIL import Image

from mindstate.exceptions import DataQualityError
from mindstate.report import _img, write_report
from mindstate.visuals import (
    FRAME_MS,
    HEARTBEAT_DPI,
    HEARTBEAT_FIGSIZE,
    LAST_FRAME_MS,
    PAD_MAP_DPI,
    PAD_MAP_FIGSIZE,
    _frame_indices,
    _pulse_scale,
    heartbeat_gif,
    pad_map_png,
    pair_subsample,
)

NAMES = ["valence", "arousal", "dominance"]


def _history(n: int, val: bool = True) -> list[dict[str, float]]:
    out = []
    for i in range(n):
        h = {"epoch": i + 1, "lr": 1e-3, "train_loss": 2.0 * math.exp(-i / 15) + 0.1}
        if val:
            h["val_loss"] = 2.2 * math.exp(-i / 20) + 0.2
        out.append(h)
    return out


def _frames(path) -> list[np.ndarray]:
    im = Image.open(path)
    out = []
    for k in range(im.n_frames):
        im.seek(k)
        out.append(np.asarray(im.convert("RGB")))
    return out


def _targets(rng, n: int = 200, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    y = rng.uniform(1.0, 9.0, (n, k))
    return y, 0.6 * y + 2.0 + rng.normal(0.0, 0.8, (n, k))


# ----------------------------------------------------------------------------- heartbeat
@pytest.mark.parametrize("n_epochs,max_frames", [(12, 60), (60, 60), (100, 60), (25, 7)])
def test_heartbeat_gif_frames_loop_and_size(tmp_path, n_epochs, max_frames):
    t0 = time.perf_counter()
    path = heartbeat_gif(_history(n_epochs), tmp_path / "hb.gif", max_frames=max_frames)
    elapsed = time.perf_counter() - t0
    assert path == tmp_path / "hb.gif"
    im = Image.open(path)
    assert im.format == "GIF"
    assert im.n_frames == min(n_epochs, max_frames)
    assert im.info["loop"] == 0  # loops forever
    w, h = im.size
    assert (w, h) == (round(HEARTBEAT_FIGSIZE[0] * HEARTBEAT_DPI),
                      round(HEARTBEAT_FIGSIZE[1] * HEARTBEAT_DPI))
    assert path.stat().st_size < 1_500_000
    assert elapsed < 20  # ~2.5 s for 60 frames on a shared CPU
    durations = []
    for k in range(im.n_frames):
        im.seek(k)
        durations.append(im.info["duration"])
    assert durations[:-1] == [FRAME_MS] * (im.n_frames - 1) and durations[-1] == LAST_FRAME_MS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hb.gif"]  # no temporary left


def test_heartbeat_frames_differ_and_grow(tmp_path):
    frames = _frames(heartbeat_gif(_history(30), tmp_path / "hb.gif"))
    assert len(frames) == 30
    for a, b in zip(frames[:-1], frames[1:]):
        assert not np.array_equal(a, b)
    # the drawn curves grow: more coloured (non-grey) pixels in the last frame than the first
    def coloured(f):
        return int((np.ptp(f.astype(int), axis=2) > 60).sum())
    assert coloured(frames[-1]) > coloured(frames[0]) + 200


def test_heartbeat_marker_pulses(tmp_path):
    # only epoch 1 has a loss: the curve stays a single point, so below the title the
    # frames differ only by the pulsing marker (scale 1 at frames 0 and 3, ~1.9 at 1 and 2)
    hist = [{"train_loss": 1.0}] + [{"train_loss": float("nan")} for _ in range(5)]
    frames = _frames(heartbeat_gif(hist, tmp_path / "hb.gif"))
    body = [f[30:] for f in frames]  # drop the title rows
    assert np.array_equal(body[0], body[3])
    assert not np.array_equal(body[0], body[1])

    def ink(f):
        return int((f.astype(int).sum(axis=2) < 600).sum())

    assert ink(body[1]) > ink(body[0]) + 20  # the beating marker covers more pixels


def test_pulse_scale_beats_harder_for_high_loss():
    low = [_pulse_scale(f, 0.0) for f in range(6)]
    high = [_pulse_scale(f, 1.0) for f in range(6)]
    assert low[0] == high[0] == 1.0
    assert max(high) > max(low) > 1.0
    assert max(high) == pytest.approx(1 + 1.5 * math.sin(math.pi / 3))
    assert _pulse_scale(1, float("nan")) == _pulse_scale(1, 0.5)


def test_frame_indices_subsample_evenly():
    idx = _frame_indices(100, 60)
    assert len(idx) == 60 and idx[0] == 0 and idx[-1] == 99
    assert np.all(np.diff(idx) >= 1)
    np.testing.assert_array_equal(_frame_indices(5, 60), np.arange(5))
    np.testing.assert_array_equal(_frame_indices(7, 1), [6])


def test_heartbeat_one_epoch_train_only(tmp_path):
    path = heartbeat_gif(_history(1, val=False), tmp_path / "one.gif")
    im = Image.open(path)
    assert im.n_frames == 1 and im.info.get("loop") == 0


def test_heartbeat_tolerates_missing_and_nan(tmp_path):
    hist = _history(10)
    hist[3]["train_loss"] = float("nan")
    del hist[5]["val_loss"]
    hist[7]["val_loss"] = None  # type: ignore[assignment]
    assert Image.open(heartbeat_gif(hist, tmp_path / "hb.gif")).n_frames == 10


def test_heartbeat_is_deterministic(tmp_path):
    a = heartbeat_gif(_history(15), tmp_path / "a.gif").read_bytes()
    b = heartbeat_gif(_history(15), tmp_path / "b.gif").read_bytes()
    assert a == b


@pytest.mark.parametrize("history,match", [
    ([], "history must hold at least one epoch.*got an empty history"),
    ([{"train_loss": float("nan")}, {"val_loss": float("inf")}],
     "history must hold at least one finite 'train_loss' or 'val_loss'; got 2 epoch"),
    ([{"epoch": 1, "lr": 0.1}], "history must hold at least one finite.*'lr'"),
])
def test_heartbeat_bad_history_raises(tmp_path, history, match):
    with pytest.raises(ValueError, match=match):
        heartbeat_gif(history, tmp_path / "hb.gif")
    assert not any(tmp_path.iterdir())


def test_heartbeat_bad_types_raise(tmp_path):
    with pytest.raises(TypeError, match="history must be a list of per-epoch dicts"):
        heartbeat_gif({"train_loss": 1.0}, tmp_path / "hb.gif")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"history\[1\] must be a dict"):
        heartbeat_gif([{"train_loss": 1.0}, 2.0], tmp_path / "hb.gif")  # type: ignore[list-item]
    with pytest.raises(ValueError, match="max_frames must be >= 1"):
        heartbeat_gif(_history(3), tmp_path / "hb.gif", max_frames=0)


# ------------------------------------------------------------------------------ PAD map
@pytest.mark.parametrize("k,n_panels", [(2, 1), (3, 2), (4, 2)])
def test_pad_map_size_and_dpi(tmp_path, rng, k, n_panels):
    y, p = _targets(rng, k=k)
    names = [*NAMES, "extra"][:k]
    path = pad_map_png(y, p, names, tmp_path / "pad.png")
    assert path == tmp_path / "pad.png"
    im = Image.open(path)
    assert im.format == "PNG"
    w, h = PAD_MAP_FIGSIZE[n_panels]
    assert im.size == (round(w * PAD_MAP_DPI), round(h * PAD_MAP_DPI))
    assert im.info["dpi"] == pytest.approx((PAD_MAP_DPI, PAD_MAP_DPI), abs=0.01)
    assert sorted(q.name for q in tmp_path.iterdir()) == ["pad.png"]


def test_pad_map_draws_max_pairs_segments(tmp_path, rng, monkeypatch):
    import matplotlib.collections as mc

    drawn: list[int] = []

    class Recording(mc.LineCollection):
        def __init__(self, segments, *args, **kwargs):
            if kwargs.get("gid") == "truth-to-prediction":  # not the colorbar's lines
                drawn.append(len(segments))
            super().__init__(segments, *args, **kwargs)

    monkeypatch.setattr(mc, "LineCollection", Recording)
    y, p = _targets(rng, n=500)
    pad_map_png(y, p, NAMES, tmp_path / "a.png", max_pairs=40)
    assert drawn == [40, 40]  # one collection per panel
    drawn.clear()
    pad_map_png(y[:30], p[:30], NAMES, tmp_path / "b.png", max_pairs=40)
    assert drawn == [30, 30]
    drawn.clear()
    pad_map_png(y[:, :2], p[:, :2], NAMES[:2], tmp_path / "c.png", max_pairs=0)
    assert drawn == [0]


def test_pair_subsample_is_deterministic_and_bounded():
    np.testing.assert_array_equal(pair_subsample(5, 300), np.arange(5))
    idx = pair_subsample(1000, 300)
    assert idx.shape == (300,) and len(np.unique(idx)) == 300
    assert np.all(np.diff(idx) > 0) and idx[0] >= 0 and idx[-1] < 1000
    np.testing.assert_array_equal(idx, pair_subsample(1000, 300))
    assert idx[-1] > 900 and idx[0] < 100  # spread over the whole range, not a prefix
    assert pair_subsample(10, 0).shape == (0,)
    with pytest.raises(ValueError, match="max_pairs must be >= 0"):
        pair_subsample(10, -1)


def test_pad_map_is_deterministic(tmp_path, rng):
    y, p = _targets(rng, n=400)
    a = pad_map_png(y, p, NAMES, tmp_path / "a.png").read_bytes()
    b = pad_map_png(y, p, NAMES, tmp_path / "b.png").read_bytes()
    assert a == b


def test_pad_map_validation(tmp_path, rng):
    y, p = _targets(rng)
    out = tmp_path / "pad.png"
    with pytest.raises(ValueError, match=r"y_pred must have the shape of y_true \(200, 3\); "
                                         r"got \(199, 3\)"):
        pad_map_png(y, p[1:], NAMES, out)
    with pytest.raises(ValueError, match=r"y_pred must have the shape of y_true \(200, 3\); "
                                         r"got \(200, 2\)"):
        pad_map_png(y, p[:, :2], NAMES, out)
    with pytest.raises(ValueError, match=r"at least 2 columns.*got shape \(200, 1\)"):
        pad_map_png(y[:, :1], p[:, :1], NAMES[:1], out)
    with pytest.raises(ValueError, match=r"y_true must have 2 dimensions"):
        pad_map_png(y[:, 0], p[:, 0], NAMES[:1], out)
    bad = p.copy()
    bad[3, 1] = np.nan
    with pytest.raises(DataQualityError, match="y_pred contains 1 NaN/Inf"):
        pad_map_png(y, bad, NAMES, out)
    with pytest.raises(DataQualityError, match="y_true contains 1 NaN/Inf"):
        pad_map_png(bad, y, NAMES, out)
    with pytest.raises(ValueError, match=r"names must hold one name per column of y_true \(3\)"):
        pad_map_png(y, p, NAMES[:2], out)
    with pytest.raises(TypeError, match="names must be a list"):
        pad_map_png(y, p, "valence", out)
    with pytest.raises(ValueError, match="at least one row"):
        pad_map_png(y[:0], p[:0], NAMES, out)
    assert not out.exists()


# ------------------------------------------------------------------------------- report
def _report(tmp_path, rng, *, k=3, final_history=None, task="regression", n=120):
    y, p = _targets(rng, n=n, k=k)
    hist = _history(25) if final_history is None else final_history
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    out = write_report(run_dir, cfg_dict={"name": "pad-text"},
                       metrics={"protocol": "loso", "pearson_valence": 0.61},
                       histories=[_history(25), _history(20)], final_history=hist,
                       classes=NAMES[:k], y_true=y, pred=p, task=task)
    return run_dir, out.read_text()


def _embedded(doc: str, alt: str, mime: str) -> bytes:
    m = re.search(rf'<img alt="{alt}" src="data:{mime};base64,([A-Za-z0-9+/=]+)">', doc)
    assert m is not None, f"{alt} not embedded as {mime}"
    return base64.b64decode(m.group(1))


def test_report_embeds_heartbeat_and_pad_map(tmp_path, rng):
    run_dir, doc = _report(tmp_path, rng)
    assert (run_dir / "heartbeat.gif").exists() and (run_dir / "pad_map.png").exists()
    assert "data:image/gif;base64" in doc
    gif = _embedded(doc, "heartbeat", "image/gif")
    assert gif == (run_dir / "heartbeat.gif").read_bytes()
    assert gif[:6] == b"GIF89a" and Image.open(run_dir / "heartbeat.gif").n_frames == 25
    png = _embedded(doc, "pad_map", "image/png")
    assert png == (run_dir / "pad_map.png").read_bytes() and png[:4] == b"\x89PNG"
    for alt in ("learning_curves", "predicted_vs_true"):  # existing plots kept
        _embedded(doc, alt, "image/png")


def test_report_skips_heartbeat_without_finite_loss(tmp_path, rng, caplog):
    hist = [{"epoch": 1, "lr": 1e-3, "train_loss": float("nan")}]
    with caplog.at_level("DEBUG", logger="mindstate.report"):
        run_dir, doc = _report(tmp_path, rng, final_history=hist)
    assert not (run_dir / "heartbeat.gif").exists() and "image/gif" not in doc
    assert "heartbeat.gif not written" in caplog.text
    _embedded(doc, "pad_map", "image/png")


def test_report_pad_map_needs_two_targets(tmp_path, rng):
    run_dir, doc = _report(tmp_path, rng, k=1)
    assert not (run_dir / "pad_map.png").exists() and 'alt="pad_map"' not in doc
    assert (run_dir / "heartbeat.gif").exists()


def test_report_pad_map_leaves_out_nonfinite_rows(tmp_path, rng, caplog):
    y, p = _targets(rng, n=50)
    p[4, 2] = np.nan
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    with caplog.at_level("WARNING", logger="mindstate.report"):
        write_report(run_dir, cfg_dict={"name": "x"}, metrics={}, histories=[],
                     final_history=_history(5), classes=NAMES, y_true=y, pred=p,
                     task="regression")
    assert "1 of 50 held-out rows hold NaN/Inf" in caplog.text
    assert Image.open(run_dir / "pad_map.png").size == (960, 400)


def test_classification_report_has_no_regression_visuals(tmp_path, rng):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    y = rng.integers(0, 2, 40)
    proba = rng.dirichlet([1.0, 1.0], 40)
    doc = write_report(run_dir, cfg_dict={"name": "c"}, metrics={}, histories=[],
                       final_history=_history(5), classes=["a", "b"], y_true=y, pred=proba,
                       task="classification").read_text()
    assert "image/gif" not in doc and not (run_dir / "heartbeat.gif").exists()
    assert not (run_dir / "pad_map.png").exists()


def test_img_mime_from_suffix(tmp_path):
    gif = tmp_path / "x.gif"
    gif.write_bytes(b"GIF89a")
    assert 'src="data:image/gif;base64,R0lGODlh"' in _img(gif)
    png = tmp_path / "y.PNG"
    png.write_bytes(b"\x89PNG")
    assert "data:image/png;base64," in _img(png)
    with pytest.raises(ValueError, match="path must be an image"):
        _img(tmp_path / "z.txt")
