"""The EEG signal chain (:class:`mindstate.data.pipeline.SignalChain`): values, not shapes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mindstate.data.pipeline import NORMALIZERS, SignalChain
from mindstate.exceptions import DataQualityError, NotFittedError
from mindstate.io import PhysioRecording, Recording, Signal
from mindstate.preprocess import channel_positions

CH = ["Fp1", "Fp2", "F7", "F3", "Fz", "F4", "F8", "T7", "C3", "Cz", "C4", "T8",
      "P7", "P3", "Pz", "P4", "P8", "O1", "O2"]
SOURCES = ((3.0, 0.0), (7.0, 1.0), (11.0, 2.0))  # (Hz, phase) of three smooth sources


def _field(rng: np.random.Generator, sfreq: float, dur: float, noise: float = 1e-7,
           seed_dirs: int = 0) -> np.ndarray:
    """A spatially smooth field: three Gaussian 'dipole-like' blobs on the scalp sphere.

    The source directions depend on ``seed_dirs`` only (not on ``rng``), so the same field
    can be drawn at several sampling rates.
    """
    pos = channel_positions(CH)
    u = pos / np.linalg.norm(pos, axis=1, keepdims=True)
    dirs = np.random.default_rng(seed_dirs).standard_normal((len(SOURCES), 3))
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    gain = np.exp(-((u[:, None, :] - dirs[None]) ** 2).sum(-1) / (2 * 0.7 ** 2))
    t = np.arange(int(round(dur * sfreq))) / sfreq
    S = np.stack([np.sin(2 * np.pi * f * t + ph) for f, ph in SOURCES]) * 10e-6
    data = gain @ S
    if noise:
        data = data + noise * rng.standard_normal(data.shape)
    return data


def _rec(rng, sfreq=128.0, dur=32.0, noise=1e-7, **kw) -> Recording:
    kw.setdefault("meta", {"label": 1})
    return Recording(_field(rng, sfreq, dur, noise), sfreq, list(CH), ["eeg"] * len(CH), **kw)


def _pooled(X: np.ndarray) -> np.ndarray:
    """(n_windows, n_chans, n_times) → (n_chans, n_windows * n_times), float64."""
    return np.asarray(X, dtype=np.float64).transpose(1, 0, 2).reshape(X.shape[1], -1)


# ---------------------------------------------------------------------------- normalisers
def test_zscore_gives_mean_0_std_1_on_training_windows(rng):
    chain = SignalChain(window_s=2.0, normalize="zscore")
    w = chain.windows(_rec(rng))
    assert w.X.shape == (16, 19, 256)
    np.testing.assert_array_equal(w.y, 1)
    Z = _pooled(chain.fit(w.X).transform(w.X))
    np.testing.assert_allclose(Z.mean(axis=1), 0.0, atol=1e-6)
    np.testing.assert_allclose(Z.std(axis=1), 1.0, atol=1e-6)
    raw = _pooled(w.X)
    np.testing.assert_allclose(chain.center_, raw.mean(axis=1), rtol=1e-6, atol=1e-14)
    np.testing.assert_allclose(chain.scale_, raw.std(axis=1), rtol=1e-6)


def test_robust_gives_median_0_iqr_1_on_training_windows(rng):
    chain = SignalChain(window_s=2.0, normalize="robust")
    w = chain.windows(_rec(rng))
    R = _pooled(chain.fit(w.X).transform(w.X))
    np.testing.assert_allclose(np.median(R, axis=1), 0.0, atol=1e-6)
    q75, q25 = np.percentile(R, [75, 25], axis=1)
    # median/IQR scaling (like sklearn's RobustScaler): the IQR itself becomes 1
    np.testing.assert_allclose(q75 - q25, 1.0, atol=1e-5)
    # statistics come from the training windows only: other data are scaled, not re-fitted
    Y = _pooled(chain.transform(2.0 * w.X))
    np.testing.assert_allclose(np.percentile(Y, 75, axis=1) - np.percentile(Y, 25, axis=1),
                               2.0, atol=1e-4)


def test_none_is_volts_to_microvolts(rng):
    chain = SignalChain(window_s=2.0, normalize="none")
    w = chain.windows(_rec(rng))
    out = chain.fit(w.X).transform(w.X)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, w.X.astype(np.float64) * 1e6, rtol=1e-6)


def test_recording_normalises_per_recording_and_matches_normalize_raw_windows(rng):
    rec = _rec(rng)
    chain = SignalChain(window_s=2.0, normalize="recording")
    w = chain.windows(rec)
    R = _pooled(w.X)
    np.testing.assert_allclose(np.median(R, axis=1), 0.0, atol=1e-5)
    np.testing.assert_allclose(np.percentile(R, 75, axis=1) - np.percentile(R, 25, axis=1),
                               1.0, atol=1e-5)
    # the same windows in volts, normalised as one recording at predict time
    volts = SignalChain(window_s=2.0, normalize="none").windows(rec).X
    again = chain.normalize_raw_windows(volts)
    np.testing.assert_allclose(again, w.X, atol=1e-4)
    assert np.abs(volts).max() < 1e-3  # they really were volts
    # the fitted part is the identity
    np.testing.assert_array_equal(chain.fit(w.X).transform(w.X), w.X)


def test_recording_stats_are_per_recording(rng):
    """Two recordings of different amplitude end up on the same scale."""
    chain = SignalChain(window_s=2.0, normalize="recording")
    small = chain.windows(_rec(rng)).X
    big = chain.windows(Recording(_field(rng, 128.0, 32.0) * 50, 128.0, list(CH),
                                  ["eeg"] * len(CH)), labelled=False).X
    iqr = [np.percentile(_pooled(x), 75, axis=1) - np.percentile(_pooled(x), 25, axis=1)
           for x in (small, big)]
    np.testing.assert_allclose(iqr[0], iqr[1], atol=1e-4)


@pytest.mark.parametrize("normalize", ["robust", "zscore", "none"])
def test_normalize_raw_windows_is_identity_unless_recording(rng, normalize):
    X = rng.standard_normal((2, 3, 50))
    assert SignalChain(normalize=normalize).normalize_raw_windows(X) is X


def test_normalize_raw_windows_refuses_bad_shape():
    chain = SignalChain(normalize="recording")
    with pytest.raises(ValueError, match="n_windows, n_chans, n_times"):
        chain.normalize_raw_windows(np.ones((3, 50)))


def test_unknown_options_raise():
    with pytest.raises(ValueError, match="normalize must be one of"):
        SignalChain(normalize="minmax")
    with pytest.raises(ValueError, match="on_flat must be one of"):
        SignalChain(on_flat="drop")


# ---------------------------------------------------------------------------- state
@pytest.mark.parametrize("normalize", NORMALIZERS)
def test_to_dict_round_trip_reproduces_transform_exactly(rng, normalize):
    rec = _rec(rng)
    chain = SignalChain(window_s=2.0, bandpass=(1.0, 40.0), notch=50.0, normalize=normalize)
    w = chain.windows(rec)
    chain.fit(w.X)
    for state in (chain.to_dict(), json.loads(json.dumps(chain.to_dict()))):
        back = SignalChain.from_dict(state)
        assert back.to_dict() == chain.to_dict()
        np.testing.assert_array_equal(back.transform(w.X), chain.transform(w.X))
        np.testing.assert_array_equal(back.windows(rec).X, w.X)


def test_unfitted_keeps_rate_and_picks_drops_statistics(rng):
    chain = SignalChain(window_s=2.0, picks=["C3", "Cz", "C4"], normalize="zscore")
    w = chain.windows(_rec(rng))
    chain.fit(w.X)
    fresh = chain.unfitted()
    assert fresh.sfreq_ == 128.0 and fresh.picks == ["C3", "Cz", "C4"]
    assert not hasattr(fresh, "center_") and not hasattr(fresh, "scale_")
    assert "center_" not in fresh.to_dict() and fresh.to_dict()["sfreq_"] == 128.0
    with pytest.raises(NotFittedError, match="not fitted yet"):
        fresh.transform(w.X)
    assert hasattr(chain, "center_")  # the original keeps its statistics


def test_transform_refuses_other_channel_count(rng):
    chain = SignalChain(window_s=2.0, normalize="zscore")
    w = chain.windows(_rec(rng))
    chain.fit(w.X)
    with pytest.raises(ValueError, match="X must have 19 channels; got 18"):
        chain.transform(w.X[:, 1:])


def test_contract_names_rate_channels_and_normalisation(rng):
    chain = SignalChain(window_s=2.0, step_s=1.0, picks=["Cz", "C3"])
    chain.windows(_rec(rng))
    c = chain.contract()
    assert c["ch_names"] == ["Cz", "C3"] and c["sfreq"] == 128.0
    assert c["window_s"] == 2.0 and c["step_s"] == 1.0 and c["normalize"] == "robust"


# ---------------------------------------------------------------------------- signals
def test_other_rate_is_resampled_to_trained_rate_with_warning(rng):
    chain = SignalChain(window_s=2.0, normalize="none")
    trained = chain.windows(_rec(rng, noise=0.0))
    assert chain.sfreq_ == 128.0
    fast = _rec(rng, sfreq=256.0, noise=0.0)
    with pytest.warns(UserWarning, match="sampled at 256 Hz; the run was trained at 128 Hz"):
        w = chain.windows(fast)
    assert w.X.shape == trained.X.shape == (16, 19, 256)
    # the same field: the resampled windows match the natively sampled ones (inner windows)
    err = np.abs(w.X[2:-2] - trained.X[2:-2]).max() / np.abs(trained.X).max()
    assert err < 1e-2
    assert chain.sfreq_ == 128.0


def test_explicit_resample_sets_rate_without_warning(rng, recwarn):
    chain = SignalChain(window_s=2.0, resample=64.0)
    w = chain.windows(_rec(rng))
    assert chain.sfreq_ == 64.0 and w.X.shape == (16, 19, 128)
    assert not [r for r in recwarn if "resampled" in str(r.message)]


def test_picks_default_to_eeg_channels_in_order(rng):
    data = np.vstack([_field(rng, 128.0, 8.0), rng.standard_normal((1, 1024))])
    rec = Recording(data, 128.0, [*CH, "ECG"], ["eeg"] * len(CH) + ["ecg"])
    chain = SignalChain(window_s=2.0)
    w = chain.windows(rec, labelled=False)
    np.testing.assert_array_equal(w.y, 0)
    assert chain.picks == CH and w.X.shape == (4, 19, 256)
    np.testing.assert_allclose(w.X[1], data[:19, 256:512].astype(np.float32))


def test_bandpass_removes_out_of_band_sine(rng):
    sfreq, t = 128.0, np.arange(int(16 * 128)) / 128.0
    data = np.tile(1e-5 * np.sin(2 * np.pi * 10 * t) + 1e-5 * np.sin(2 * np.pi * 45 * t),
                   (3, 1))
    rec = Recording(data, sfreq, ["C3", "Cz", "C4"], ["eeg"] * 3)
    out = SignalChain(bandpass=(4.0, 20.0), window_s=4.0).prepare(rec).data
    spec = np.abs(np.fft.rfft(out[0, 256:-256]))
    f = np.fft.rfftfreq(out.shape[1] - 512, 1 / sfreq)
    keep, stop = spec[np.argmin(np.abs(f - 10))], spec[np.argmin(np.abs(f - 45))]
    assert 20 * np.log10(keep / stop) > 40


def test_bad_channel_is_interpolated_from_a_smooth_field(rng):
    clean = _field(rng, 128.0, 16.0)
    i = CH.index("C3")
    truth = clean[i].copy()
    data = clean.copy()
    data[i] = 50e-6 * rng.standard_normal(data.shape[1])  # garbage
    rec = Recording(data, 128.0, list(CH), ["eeg"] * len(CH), meta={"bads": ["C3"]})
    fixed = SignalChain(window_s=2.0).prepare(rec)
    assert np.corrcoef(fixed.data[i], truth)[0, 1] > 0.8
    # good channels are untouched
    np.testing.assert_allclose(fixed.data[CH.index("Cz")], clean[CH.index("Cz")])
    # without interpolation the garbage stays (so the test above can fail)
    kept = SignalChain(window_s=2.0, interpolate_bads=False).prepare(rec)
    assert abs(np.corrcoef(kept.data[i], truth)[0, 1]) < 0.3


def test_check_record_missing_channel(rng):
    rec = _rec(rng, dur=4.0).pick([c for c in CH if c != "Cz"])
    chain = SignalChain(picks=["C3", "Cz", "C4"])
    with pytest.raises(ValueError, match=r"wrong channel set: missing \['Cz'\]"):
        chain.check_record(rec)


def test_check_record_flat_channel_policies(rng):
    data = _field(rng, 128.0, 4.0)
    data[CH.index("Pz")] = 1e-6  # constant
    rec = Recording(data, 128.0, list(CH), ["eeg"] * len(CH))
    with pytest.raises(DataQualityError, match=r"flat channel\(s\).*Pz"):
        SignalChain(on_flat="raise").check_record(rec)
    SignalChain(on_flat="ignore").check_record(rec)
    with pytest.warns(UserWarning, match="Pz"):
        SignalChain(on_flat="warn").check_record(rec)
    # a channel already marked bad is not reported again
    rec.meta["bads"] = ["Pz"]
    SignalChain(on_flat="raise").check_record(rec)


def test_check_record_refuses_physiology():
    phys = PhysioRecording({"eda": Signal(np.ones((1, 40)), 4.0, ["eda"], "eda")})
    with pytest.raises(TypeError, match="this run takes EEG recordings; got PhysioRecording"):
        SignalChain().check_record(phys)


def test_inputs_unchanged(rng):
    rec = _rec(rng, meta={"bads": ["C3"], "record": "r1", "label": 1})
    data, meta = rec.data.copy(), {k: list(v) if isinstance(v, list) else v
                                   for k, v in rec.meta.items()}
    chain = SignalChain(window_s=2.0, bandpass=(1.0, 30.0), resample=64.0)
    w = chain.windows(rec)
    np.testing.assert_array_equal(rec.data, data)
    assert rec.meta == meta and rec.sfreq == 128.0 and rec.ch_names == CH
    X = w.X.copy()
    chain.fit(w.X)
    chain.transform(w.X)
    chain.inputs(w.X)
    np.testing.assert_array_equal(w.X, X)
    rnorm = SignalChain(normalize="recording")
    rnorm.normalize_raw_windows(w.X)
    np.testing.assert_array_equal(w.X, X)


def test_inputs_and_baseline_features(rng):
    chain = SignalChain(window_s=2.0, bandpass=(1.0, 30.0))
    w = chain.windows(_rec(rng))
    chain.fit(w.X)
    inp = chain.inputs(w.X)
    assert list(inp) == ["eeg"]
    np.testing.assert_array_equal(inp["eeg"], chain.transform(w.X))
    F = chain.baseline_features(w.X)
    assert F.shape[0] == 16 and F.shape[1] % 19 == 0 and np.isfinite(F).all()
