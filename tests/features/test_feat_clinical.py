"""Tests for mindstate.features.clinical (spike and sharp-wave detection)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mindstate.exceptions import DataQualityError, NotFittedError
from mindstate.features.clinical import SPIKE_KINDS, SpikeRate, detect_spikes, spike_rates

SF = 256.0
NAMES = ["Fp1", "F3", "C3", "P3", "O1", "F4", "C4", "O2"]


def _pink(rng, shape):
    n = shape[-1]
    spec = np.fft.rfft(rng.standard_normal(shape), axis=-1)
    f = np.fft.rfftfreq(n, 1 / SF)
    f[0] = f[1]
    x = np.fft.irfft(spec / np.sqrt(f), n=n, axis=-1)
    return x / x.std(axis=-1, keepdims=True)


def background(rng, n_chans=8, duration=60.0):
    """1/f background with a waxing 10 Hz alpha, about 20 µV per channel."""
    n = int(duration * SF)
    t = np.arange(n) / SF
    mix = rng.uniform(0.3, 1.0, (n_chans, 4))
    X = mix @ _pink(rng, (4, n)) + 0.5 * _pink(rng, (n_chans, n))
    alpha = np.sin(2 * np.pi * 10 * t)[None] * (1 + 0.5 * np.sin(2 * np.pi * 0.1 * t))
    X = X / X.std(axis=1, keepdims=True) * 15e-6 + 8e-6 * alpha
    return X


def _template(dur, shape):
    L = int(round(dur * SF))
    if shape == "hann":
        return np.hanning(L + 2)[1:-1]
    u = np.arange(L) / (L - 1)  # asymmetric triangle: steep rise, slower fall
    return np.where(u < 0.4, u / 0.4, (1 - u) / 0.6)


def inject(rng, X, n_events=30):
    """Surface-negative spikes (30-60 ms) and sharp waves (90-180 ms), 100-200 µV."""
    X = X.copy()
    truth = []
    for k, t0 in enumerate(np.linspace(1.0, X.shape[1] / SF - 1.0, n_events)):
        ch = int(rng.integers(X.shape[0]))
        kind = SPIKE_KINDS[k % 2]
        dur = rng.uniform(0.030, 0.060) if kind == "spike" else rng.uniform(0.090, 0.180)
        w = _template(dur, "tri" if k % 4 < 2 else "hann")
        c = int(round(t0 * SF))
        s = c - int(np.argmax(w))
        X[ch, s:s + len(w)] -= rng.uniform(100e-6, 200e-6) * w
        truth.append((NAMES[ch], c / SF, kind))
    return X, truth


def match(df, truth, tol=0.05):
    used, tp, kind_ok = set(), 0, 0
    for ch, t, kind in truth:
        cand = df[(df.channel == ch) & ((df.time - t).abs() <= tol) & ~df.index.isin(used)]
        if len(cand):
            used.add(cand.index[0])
            tp += 1
            kind_ok += cand.iloc[0].kind == kind
    return tp / max(len(df), 1), tp / len(truth), kind_ok / max(tp, 1)


@pytest.fixture(scope="module")
def recordings():
    out = []
    for seed in (0, 1, 2):
        rng = np.random.default_rng(seed)
        clean = background(rng)
        dirty, truth = inject(rng, clean)
        out.append((clean, dirty, truth))
    return out


def test_detect_spikes_precision_recall(recordings):
    tps = n_det = n_true = kinds = 0
    for _clean, dirty, truth in recordings:
        before = dirty.copy()
        df = detect_spikes(dirty, SF, NAMES)
        np.testing.assert_array_equal(dirty, before)
        p, r, k = match(df, truth)
        tps += round(r * len(truth))
        n_det += len(df)
        n_true += len(truth)
        kinds += k * round(r * len(truth))
    precision, recall = tps / n_det, tps / n_true
    assert precision >= 0.9, precision
    assert recall >= 0.9, recall
    assert kinds / tps >= 0.9  # spike vs sharp wave told apart


def test_detect_spikes_output_columns(recordings):
    clean, dirty, truth = recordings[0]
    df = detect_spikes(dirty, SF, NAMES)
    assert list(df.columns) == ["window", "channel", "time", "duration", "amplitude", "kind",
                                "z", "sharpness"]
    assert set(df.kind) <= set(SPIKE_KINDS) and (df.window == 0).all()
    assert (df.amplitude < 0).mean() > 0.9  # injected events are surface-negative
    spikes = df[df.kind == "spike"].duration
    sharp = df[df.kind == "sharp_wave"].duration
    assert spikes.between(0.020, 0.070).all() and sharp.between(0.070, 0.200).all()
    assert df.time.is_monotonic_increasing
    # clean background: almost no false events (< 0.2 per channel-minute)
    n_fp = sum(len(detect_spikes(c, SF, NAMES)) for c, _, _ in recordings)
    assert n_fp / (3 * len(NAMES)) < 0.2


def test_detect_spikes_windows_and_rates(recordings):
    clean, dirty, truth = recordings[1]
    W = dirty[:, : 60 * 256].reshape(8, 6, -1).transpose(1, 0, 2)  # 6 windows of 10 s
    df = detect_spikes(W, SF, NAMES)
    assert set(df.window) <= set(range(6)) and df.time.max() < 10.0
    rates = spike_rates(W, SF, NAMES, by_kind=True)
    assert rates.shape == (6, 8, 2)
    counts = df.groupby(["window", "channel", "kind"]).size()
    for (w, ch, kind), n in counts.items():
        assert rates[w, NAMES.index(ch), SPIKE_KINDS.index(kind)] == pytest.approx(n * 6.0)
    total = spike_rates(dirty, SF, NAMES)
    assert total.shape == (8,)
    assert total.sum() == pytest.approx(len(detect_spikes(dirty, SF, NAMES)))  # 60 s = 1 min


def test_spike_rate_transformer(recordings):
    clean, dirty, truth = recordings[2]
    W = dirty[:, : 60 * 256].reshape(8, 6, -1).transpose(1, 0, 2)
    tr = SpikeRate(SF, ch_names=NAMES)
    with pytest.raises(NotFittedError, match="not fitted"):
        tr.transform(W)
    out = tr.fit(W).transform(W)
    assert out.shape == (6, 16)
    names = tr.get_feature_names_out()
    assert names[0] == "Fp1_spike_rate" and names[1] == "Fp1_sharp_wave_rate"
    np.testing.assert_allclose(out, spike_rates(W, SF, NAMES, by_kind=True).reshape(6, -1))
    summed = SpikeRate(SF, by_kind=False).fit(W)
    np.testing.assert_allclose(summed.transform(W), out.reshape(6, 8, 2).sum(-1))
    assert list(summed.get_feature_names_out()[:1]) == ["ch0_spike_rate"]


def test_flat_and_bad_inputs(recordings):
    clean = recordings[0][0][:, :2560]
    X = clean.copy()
    X[2] = 0.0
    with pytest.raises(DataQualityError, match=r"detect_spikes: flat channel\(s\) C3"):
        detect_spikes(X, SF, NAMES)
    df = detect_spikes(X, SF, NAMES, on_flat="ignore")
    assert isinstance(df, pd.DataFrame) and "C3" not in set(df.channel)
    bad = clean.copy()
    bad[0, 5] = np.nan
    with pytest.raises(DataQualityError, match="NaN"):
        detect_spikes(bad, SF, NAMES)
    with pytest.raises(ValueError, match="ch_names must have one name per channel"):
        detect_spikes(clean, SF, NAMES[:-1])
    with pytest.raises(ValueError, match=r"shape \(n_chans, n_times\) or \(n_windows"):
        detect_spikes(clean[0], SF, NAMES)
    with pytest.raises(ValueError, match="too short to band-pass"):
        detect_spikes(clean[:, :20], SF, NAMES)
    with pytest.raises(ValueError, match=r"sharp_ms must be \(min_ms, max_ms\)"):
        detect_spikes(clean, SF, NAMES, sharp_ms=70)
    with pytest.raises(ValueError, match="spike_ms must satisfy"):
        detect_spikes(clean, SF, NAMES, spike_ms=(70, 20))
    with pytest.raises(ValueError, match="band must be"):
        detect_spikes(clean, SF, NAMES, band=(120, 200))
    with pytest.raises(ValueError, match="band must be"):
        detect_spikes(clean, SF, NAMES, band=3)
    with pytest.raises(ValueError, match="amp_z must be in"):
        detect_spikes(clean, SF, NAMES, amp_z=0)
    with pytest.raises(ValueError, match="on_flat must be one of"):
        detect_spikes(clean, SF, NAMES, on_flat="drop")
    with pytest.raises(TypeError, match="by_kind must be bool"):
        spike_rates(clean, SF, by_kind="yes")


def test_low_sampling_rate_caps_band(recordings):
    clean, dirty, truth = recordings[0]
    down = dirty[:, ::2]  # 128 Hz: the 70 Hz edge is capped at 57.6 Hz
    df = detect_spikes(down, SF / 2, NAMES)
    p, r, _ = match(df, truth)
    assert p >= 0.8 and r >= 0.8
