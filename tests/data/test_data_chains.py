"""Physiology, text and HMS chains (:mod:`mindstate.data.chains`, :mod:`~.hms_chain`)."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from mindstate.data.chains import PhysioChain, TextChain, chain_from_dict
from mindstate.data.hms_chain import HMSChain
from mindstate.data.pipeline import SignalChain
from mindstate.exceptions import NotFittedError
from mindstate.io import PhysioRecording, Recording, Signal, TextCorpus
from mindstate.io.windows import Windows

RATES = {"bvp": 64.0, "eda": 4.0, "temp": 4.0, "acc": 32.0}


# ============================================================================ physiology
def _physio(rng, dur=120.0, *, labels=True, eda_rate=4.0, temp_steps=((30.0, 90.0),),
            drop=()) -> PhysioRecording:
    """E4-like streams; temp is 33 °C with +1 °C between each (on, off) pair of times."""
    t64 = np.arange(int(dur * 64)) / 64
    te = np.arange(int(dur * eda_rate)) / eda_rate
    t4 = np.arange(int(dur * 4)) / 4
    t32 = np.arange(int(dur * 32)) / 32
    bvp = 100 + 50 * np.sin(2 * np.pi * 1.2 * t64) + 5 * rng.standard_normal(t64.size)
    eda = 2e-6 + 0.5e-6 * np.sin(2 * np.pi * te / 60) + 1e-8 * rng.standard_normal(te.size)
    temp = 33.0 + 0.05 * rng.standard_normal(t4.size)
    for on, off in temp_steps:
        temp[(t4 >= on) & (t4 < off)] += 1.0
    acc = np.array([[0.0], [0.0], [9.8]]) + 0.5 * rng.standard_normal((3, t32.size))
    signals = {
        "bvp": Signal(bvp[None], 64.0, ["bvp"], "ppg"),
        "eda": Signal(eda[None], eda_rate, ["eda"], "eda"),
        "temp": Signal(temp[None], 4.0, ["temp"], "temp"),
        "acc": Signal(acc, 32.0, ["x", "y", "z"], "acc"),
    }
    signals = {k: v for k, v in signals.items() if k not in drop}
    lab = None
    if labels:
        times = np.arange(dur)
        lab = (times, (times >= dur / 2).astype(np.int64))
    return PhysioRecording(signals=signals, labels=lab, subject="p1", meta={"record": "p1"})


def test_physio_whole_recording_is_standardised_per_stream(rng):
    rec = _physio(rng)
    prepped = PhysioChain(window_s=20.0).prepare(rec)
    assert list(prepped.signals) == ["bvp", "eda", "temp", "acc"]
    for name, sig in prepped.signals.items():
        assert sig.sfreq == RATES[name]
        q75, q50, q25 = np.percentile(sig.data, [75, 50, 25], axis=1)
        np.testing.assert_allclose(q50, 0.0, atol=1e-9, err_msg=name)
        np.testing.assert_allclose((q75 - q25) / 1.349, 1.0, rtol=1e-9, err_msg=name)


def test_physio_standardisation_is_label_free(rng):
    rec = _physio(rng)
    times, values = rec.labels
    flipped = replace(rec, labels=(times, 1 - values))
    chain = PhysioChain(window_s=20.0)
    a, b = chain.windows(rec), chain.windows(flipped)
    for name in RATES:
        np.testing.assert_array_equal(a.X[name], b.X[name])
    np.testing.assert_array_equal(a.y, [0, 0, 0, 1, 1, 1])
    np.testing.assert_array_equal(b.y, 1 - a.y)


def test_physio_window_lengths_and_values(rng):
    rec = _physio(rng)
    chain = PhysioChain(window_s=20.0, step_s=10.0)
    w = chain.windows(rec)
    n = 11  # starts 0, 10, ..., 100
    assert {k: v.shape for k, v in w.X.items()} == {
        "bvp": (n, 1, 1280), "eda": (n, 1, 80), "temp": (n, 1, 80), "acc": (n, 3, 640)}
    prepped = chain.prepare(rec)
    np.testing.assert_allclose(w.X["temp"][3, 0], prepped.signals["temp"].data[0, 120:200],
                               rtol=1e-6)
    np.testing.assert_allclose(w.X["acc"][1, 2], prepped.signals["acc"].data[2, 320:960],
                               rtol=1e-6)
    np.testing.assert_allclose(w.meta["start"], np.arange(0.0, 101.0, 10.0))
    assert chain.rates_ == RATES
    assert chain.n_chans_ == {"bvp": 1, "eda": 1, "temp": 1, "acc": 3}
    inp = chain.inputs(w.X)
    assert list(inp) == ["bvp", "eda", "temp", "acc"]
    assert all(v.dtype == np.float32 for v in inp.values())


def test_physio_normalize_none_keeps_units(rng):
    rec = _physio(rng)
    w = PhysioChain(window_s=20.0, normalize="none").windows(rec)
    np.testing.assert_allclose(w.X["eda"][0, 0], rec.signals["eda"].data[0, :80], rtol=1e-6)


def test_physio_missing_stream_is_named(rng):
    with pytest.raises(ValueError, match=r"missing physiology stream\(s\) \['temp'\]"):
        PhysioChain().windows(_physio(rng, drop=("temp",)))


def test_physio_refuses_eeg():
    rec = Recording(np.ones((1, 10)), 10.0, ["Cz"])
    with pytest.raises(TypeError, match="takes physiology recordings"):
        PhysioChain().check_record(rec)


def test_physio_stream_at_other_rate_than_trained_raises(rng):
    chain = PhysioChain(window_s=20.0)
    chain.windows(_physio(rng))
    with pytest.raises(ValueError, match=r"stream 'eda' is sampled at 8 Hz; the run was "
                                         r"trained at 4 Hz"):
        chain.windows(_physio(rng, eda_rate=8.0))
    # a configured resampling accepts it
    chain2 = PhysioChain(window_s=20.0, resample={"eda": 4.0})
    chain2.windows(_physio(rng))
    w = chain2.windows(_physio(rng, eda_rate=8.0))
    assert w.X["eda"].shape == (6, 1, 80)


def test_physio_unlabelled(rng):
    rec = _physio(rng, labels=False)
    chain = PhysioChain(window_s=20.0)
    with pytest.raises(ValueError, match="no labels; pass labelled=False"):
        chain.windows(rec)
    w = chain.windows(rec, labelled=False)
    assert len(w) == 6
    np.testing.assert_array_equal(w.y, 0)
    labelled = chain.windows(_physio(np.random.default_rng(42)))
    again = chain.windows(_physio(np.random.default_rng(42), labels=False), labelled=False)
    np.testing.assert_array_equal(again.X["bvp"], labelled.X["bvp"])


def test_physio_round_trip(rng):
    rec = _physio(rng)
    chain = PhysioChain(window_s=20.0, lowpass={"eda": 1.0}, classes=["rest", "stress"])
    w = chain.windows(rec)
    state = json.loads(json.dumps(chain.to_dict()))
    back = chain_from_dict(state)
    assert isinstance(back, PhysioChain) and back.to_dict() == chain.to_dict()
    assert back.rates_ == RATES
    w2 = back.windows(rec)
    for name in RATES:
        np.testing.assert_array_equal(w2.X[name], w.X[name])
    assert chain.unfitted().to_dict() == chain.to_dict()
    assert chain.contract()["streams"]["acc"] == {"sfreq": 32.0, "n_chans": 3}


def test_physio_baseline_features_slope_sign(rng):
    rec = _physio(rng, temp_steps=((30.0, 90.0),))  # up inside window 1, down inside window 4
    chain = PhysioChain(window_s=20.0)
    w = chain.windows(rec)
    F = chain.baseline_features(w.X)
    assert F.shape == (6, 6 * 5)  # bvp, eda, temp, acc x/y/z × (mean, sd, min, max, slope)
    slope = F[:, 2 * 5 + 4]
    assert slope[1] > 0.5 and slope[4] < -0.5
    assert np.all(np.abs(slope[[0, 2, 3, 5]]) < 0.1 * abs(slope[1]))
    np.testing.assert_allclose(F[:, 0], w.X["bvp"][:, 0].mean(-1), rtol=1e-5)
    np.testing.assert_allclose(F[:, 5 * 5 + 3], w.X["acc"][:, 2].max(-1), rtol=1e-6)


def test_physio_input_unchanged(rng):
    rec = _physio(rng)
    before = {k: v.data.copy() for k, v in rec.signals.items()}
    labels = (rec.labels[0].copy(), rec.labels[1].copy())
    PhysioChain(window_s=20.0, lowpass={"eda": 1.0}, resample={"bvp": 32.0}).windows(rec)
    for k, v in rec.signals.items():
        np.testing.assert_array_equal(v.data, before[k])
    assert rec.signals["bvp"].sfreq == 64.0
    np.testing.assert_array_equal(rec.labels[1], labels[1])


def test_physio_bad_options():
    with pytest.raises(ValueError, match="normalize must be one of"):
        PhysioChain(normalize="zscore")
    with pytest.raises(ValueError, match="label_rule must be one of"):
        PhysioChain(label_rule="any")


def test_stress_predict_through_the_chain(tmp_path):
    from mindstate.io.datasets.stress_predict import StressPredict, make_fake_stress_predict

    root = make_fake_stress_predict(tmp_path, n_subjects=1, duration_s=120.0)
    ds = StressPredict()
    rec = ds.read(ds.find(root)[0])
    w = PhysioChain(window_s=30.0).windows(rec)
    assert {k: v.shape[1:] for k, v in w.X.items()} == {
        "bvp": (1, 1920), "eda": (1, 120), "temp": (1, 120), "acc": (3, 960)}
    assert set(np.unique(w.y)) <= {0, 1} and len(w) == 3
    for v in w.X.values():
        assert np.isfinite(v).all() and abs(float(np.median(v))) < 1.0


def test_chain_from_dict_dispatch():
    assert isinstance(chain_from_dict({"normalize": "zscore"}), SignalChain)
    assert isinstance(chain_from_dict({"kind": "text", "encoder": "hashing"}), TextChain)
    with pytest.raises(ValueError, match="chain kind must be one of"):
        chain_from_dict({"kind": "audio"})


# ============================================================================ text
TEXTS = ["I am so happy today", "This is terrible news", "I am so happy today",
         "The weather is mild"]


def _corpus(texts=TEXTS, targets=True):
    y = np.array([[0.9, 0.5], [0.1, 0.8], [0.9, 0.5], [0.5, 0.2]])[: len(texts)]
    return TextCorpus(list(texts), targets=y if targets else None,
                      target_names=["valence", "arousal"] if targets else [])


def test_text_hashing_windows():
    chain = TextChain(encoder="hashing")
    w = chain.windows(_corpus())
    E = w.X["embedding"]
    assert list(w.X) == ["embedding"] and E.shape == (4, 4096) and E.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(E, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(E[0], E[2])   # same text, same embedding
    assert not np.allclose(E[0], E[1])
    assert w.meta["text"].tolist() == TEXTS
    np.testing.assert_array_equal(w.y, _corpus().targets)
    assert chain.dim_ == 4096 and chain.contract()["dim"] == 4096
    np.testing.assert_array_equal(chain.baseline_features(w.X), E.astype(np.float64))
    np.testing.assert_array_equal(chain.fit(w.X).inputs(w.X)["embedding"], E)


def test_text_unlabelled():
    w = TextChain(encoder="hashing").windows(_corpus(targets=False), labelled=False)
    assert w.y.shape == (4, 1)
    np.testing.assert_array_equal(w.y, 0.0)
    w2 = TextChain(encoder="hashing", target_names=["v", "a"]).windows(_corpus(),
                                                                      labelled=False)
    assert w2.y.shape == (4, 2)
    np.testing.assert_array_equal(w2.y, 0.0)
    # what Predictor does with raw sentences: a corpus without targets, a chain with names
    w3 = TextChain(encoder="hashing", target_names=["V", "A", "D"]).windows(
        TextCorpus(texts=["hello there", "bye now"], ids=["a", "b"]), labelled=False)
    assert w3.y.shape == (2, 3) and w3.X["embedding"].shape == (2, 4096)


def test_text_round_trip(tmp_path):
    chain = TextChain(encoder="hashing", cache_dir=str(tmp_path / "cache"), batch_size=2,
                      target_names=["valence", "arousal"])
    w = chain.windows(_corpus())
    back = chain_from_dict(json.loads(json.dumps(chain.to_dict())))
    assert isinstance(back, TextChain) and back.to_dict() == chain.to_dict()
    assert back.dim_ == 4096
    np.testing.assert_array_equal(back.windows(_corpus()).X["embedding"], w.X["embedding"])
    assert any((tmp_path / "cache").rglob("*"))  # the cache was written
    assert chain.unfitted().to_dict() == chain.to_dict()


def test_text_empty_string_is_named_by_index():
    with pytest.raises(ValueError, match=r"\[2\] is empty"):
        TextChain(encoder="hashing").windows(_corpus(["fine", "also fine", "   "]))


def test_text_refuses_non_corpus():
    with pytest.raises(TypeError, match="corpus"):
        TextChain(encoder="hashing").windows(["a list of str"])


def test_text_input_unchanged():
    corpus = _corpus()
    y = corpus.targets.copy()
    TextChain(encoder="hashing").windows(corpus, labelled=False)
    np.testing.assert_array_equal(corpus.targets, y)
    assert corpus.texts == TEXTS


# ============================================================================ HMS
@pytest.fixture(scope="module")
def hms_windows(tmp_path_factory):
    from mindstate.io.datasets.hms import HMS, make_fake_hms

    root = make_fake_hms(tmp_path_factory.mktemp("hms"))
    return HMS().windows(root)


def test_hms_prepare_windows_shapes_and_values(hms_windows):
    w = hms_windows
    chain = HMSChain()
    p = chain.prepare_windows(w)
    assert p.X["eeg"].shape == (4, 16, 2500) and p.X["eeg"].dtype == np.float32
    assert p.X["spec"].shape == (4, 4, 100, 300)
    assert np.isfinite(p.X["eeg"]).all() and np.isfinite(p.X["spec"]).all()
    assert chain.sfreq_ == 50.0 and len(chain.eeg_names_) == 16
    assert chain.eeg_names_[:2] == ["Fp1-F7", "F7-T3"]
    spec = np.log(np.clip(np.asarray(w.X["spec"], dtype=np.float64), np.exp(-4), np.exp(8)))
    np.testing.assert_allclose(p.X["spec"], spec, rtol=1e-5)
    assert p.X["spec"].min() >= -4 - 1e-5 and p.X["spec"].max() <= 8 + 1e-5
    np.testing.assert_array_equal(p.y, w.y)


def test_hms_double_banana_is_anode_minus_cathode(hms_windows):
    from mindstate.io.datasets.hms import HMS_SCALP_CHANNELS

    raw = np.asarray(hms_windows.X["eeg"], dtype=np.float64)
    p = HMSChain(bandpass=None, resample=None).prepare_windows(hms_windows)
    names = list(HMS_SCALP_CHANNELS)
    assert p.X["eeg"].shape == (4, 16, 10000)
    np.testing.assert_allclose(p.X["eeg"][:, 0], raw[:, names.index("Fp1")]
                               - raw[:, names.index("F7")], rtol=1e-5, atol=1e-10)
    ref = HMSChain(montage="referential").prepare_windows(hms_windows)
    assert ref.X["eeg"].shape == (4, 19, 2500)


def test_hms_fit_scales_training_samples(hms_windows):
    chain = HMSChain()
    p = chain.prepare_windows(hms_windows)
    train = {k: v[:3] for k, v in p.X.items()}
    inp = chain.fit(train).inputs(train)
    eeg = inp["eeg"].astype(np.float64).transpose(1, 0, 2).reshape(16, -1)
    np.testing.assert_allclose(np.median(eeg, axis=1), 0.0, atol=1e-6)
    np.testing.assert_allclose(np.percentile(eeg, 75, axis=1) - np.percentile(eeg, 25, axis=1),
                               1.0, atol=1e-4)
    spec = inp["spec"].astype(np.float64)
    np.testing.assert_allclose(spec.mean(axis=(0, 2, 3)), 0.0, atol=1e-5)
    np.testing.assert_allclose(spec.std(axis=(0, 2, 3)), 1.0, atol=1e-5)
    F = chain.baseline_features(p.X)
    assert F.shape == (4, 16 * 4 + 4 * 4) and np.isfinite(F).all()


def test_hms_round_trip_and_unfitted(hms_windows):
    chain = HMSChain(classes=["a", "b", "c", "d", "e", "f"])
    p = chain.prepare_windows(hms_windows)
    chain.fit(p.X)
    back = chain_from_dict(json.loads(json.dumps(chain.to_dict())))
    assert isinstance(back, HMSChain) and back.to_dict() == chain.to_dict()
    a, b = chain.inputs(p.X), back.inputs(p.X)
    for k in ("eeg", "spec"):
        np.testing.assert_array_equal(a[k], b[k])
    fresh = chain.unfitted()
    assert fresh.sfreq_ == 50.0 and not hasattr(fresh, "center_")
    with pytest.raises(NotFittedError, match="not fitted yet"):
        fresh.inputs(p.X)
    assert chain.contract()["derivations"] == chain.eeg_names_


def test_hms_refuses_missing_spec_and_records(hms_windows):
    w = Windows({"eeg": hms_windows.X["eeg"]}, hms_windows.y, hms_windows.groups,
                hms_windows.meta)
    with pytest.raises(ValueError, match=r"must carry 'eeg' and 'spec' inputs; got \['eeg'\]"):
        HMSChain().prepare_windows(w)
    with pytest.raises(ValueError, match="competition folder"):
        HMSChain().check_record(None)
    with pytest.raises(ValueError, match="montage must be one of"):
        HMSChain(montage="laplacian")


def test_hms_input_unchanged(hms_windows):
    eeg, spec = hms_windows.X["eeg"].copy(), hms_windows.X["spec"].copy()
    chain = HMSChain()
    p = chain.prepare_windows(hms_windows)
    np.testing.assert_array_equal(hms_windows.X["eeg"], eeg)
    np.testing.assert_array_equal(hms_windows.X["spec"], spec)
    before = {k: v.copy() for k, v in p.X.items()}
    chain.fit(p.X).inputs(p.X)
    for k in before:
        np.testing.assert_array_equal(p.X[k], before[k])


def test_text_chain_joins_encoders_and_refuses_to_tokenize_them():
    import numpy as np

    from mindstate.data.chains import TextChain

    texts = ["a calm quiet evening", "terrible news today"]
    one = TextChain(encoder="hashing").encode(texts)
    two = TextChain(encoder="hashing + hashing").encode(texts)
    np.testing.assert_allclose(two, np.hstack([one, one]) / np.sqrt(2), rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(two, axis=1), 1.0, rtol=1e-6)
    with pytest.raises(ValueError, match="joins several encoders"):
        TextChain(encoder="hashing+minilm", max_length=16).tokens(texts)
