from __future__ import annotations

import numpy as np
import pytest

from mindstate.data import (
    Windows,
    concat_windows,
    make_physio_windows,
    make_text_windows,
    make_windows,
)
from mindstate.io import Annotations, PhysioRecording, Recording, Signal, TextCorpus


def _rec(rng, n_chans=3, sfreq=100.0, dur=10.0, **kw):
    data = rng.standard_normal((n_chans, int(sfreq * dur))) * 1e-5
    names = [f"C{i}" for i in range(n_chans)]
    return Recording(data, sfreq, names, **kw)


def test_fixed_windows_values_and_groups(rng):
    rec = _rec(rng, subject="s1", session="2", meta={"label": "task", "record": "r1"})
    w = make_windows(rec, 2.0, 1.0, classes=["rest", "task"])
    assert w.X.shape == (9, 3, 200) and w.X.dtype == np.float32
    np.testing.assert_allclose(w.X[3], rec.data[:, 300:500].astype(np.float32))
    assert (w.y == 1).all()
    assert set(w.groups["subject"]) == {"s1"} and set(w.groups["session"]) == {"2"}
    np.testing.assert_allclose(w.meta["start"], np.arange(9.0))
    X, y, groups, meta = w  # the tuple contract
    assert len(w) == 9


def test_soft_and_regression_targets(rng):
    rec = _rec(rng, meta={"target": [0.2, 0.8]})
    w = make_windows(rec, 5.0)
    assert w.y.shape == (2, 2) and np.allclose(w.y, [0.2, 0.8])


def test_annotation_windows_one_trial_per_annotation(rng):
    ann = Annotations([1.0, 5.0], [3.0, 4.0], ["happy", "sad"])
    rec = _rec(rng, annotations=ann, subject="1")
    w = make_windows(rec, 1.0, 1.0, label="annotations", classes=["sad", "happy"])
    assert list(w.y) == [1, 1, 1, 0, 0, 0, 0]
    assert w.groups["trial"].nunique() == 2
    assert np.all(w.meta["start"].to_numpy()[:3] == [1.0, 2.0, 3.0])


def test_window_errors(rng):
    rec = _rec(rng, meta={"label": 0})
    with pytest.raises(ValueError, match="longer than the signal"):
        make_windows(rec, 20.0)
    with pytest.raises(ValueError, match="has no label"):
        make_windows(_rec(rng), 1.0)
    with pytest.raises(ValueError, match="Did you mean 'rest'"):
        make_windows(_rec(rng, meta={"label": "rst"}), 1.0, classes=["rest", "task"])
    with pytest.raises(ValueError, match="no annotation labelled"):
        make_windows(rec, 1.0, label="annotations", classes=["x"])


def test_input_unchanged(rng):
    rec = _rec(rng, meta={"label": 0})
    before = rec.data.copy()
    w = make_windows(rec, 1.0)
    w.X[:] = 0
    np.testing.assert_array_equal(rec.data, before)


def test_physio_windows_multirate(rng):
    sig = {
        "bvp": Signal(rng.standard_normal((1, 64 * 60)), 64.0, ["bvp"], "ppg", start=100.0),
        "eda": Signal(rng.random((1, 4 * 60)), 4.0, ["eda"], "eda", start=100.0),
        "hr": Signal(60 + rng.random((1, 50)), 1.0, ["hr"], "hr", start=110.0),
    }
    times = np.arange(100.0, 160.0)
    labels = (times >= 130).astype(int)
    rec = PhysioRecording(sig, labels=(times, labels), subject="S02")
    w = make_physio_windows(rec, 10.0, 10.0)
    # common span 110..160 → windows at 110, 120, 130, 140, 150 (all pure)
    assert w.X["bvp"].shape == (5, 1, 640) and w.X["eda"].shape == (5, 1, 40)
    assert w.X["hr"].shape == (5, 1, 10)
    assert list(w.y) == [0, 0, 1, 1, 1]
    np.testing.assert_allclose(w.X["eda"][0, 0], sig["eda"].data[0, 40:80].astype(np.float32))
    # a window straddling the change is dropped by "pure", kept by "majority"
    w2 = make_physio_windows(rec, 10.0, 5.0, label_rule="pure")
    assert 125.0 not in set(w2.meta["start"])
    w3 = make_physio_windows(rec, 10.0, 5.0, label_rule="majority")
    assert 125.0 in set(w3.meta["start"])


def test_text_windows():
    corpus = TextCorpus(["a", "None", "c"], ids=["1", "2", "3"],
                        targets=np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]),
                        target_names=["V", "A"], split=["train", "dev", "train"])
    w = make_text_windows(corpus)
    assert list(w.X) == ["a", "None", "c"] and w.y.shape == (3, 2)
    assert list(w.meta["split"]) == ["train", "dev", "train"]


def test_concat_and_subset(rng):
    a = make_windows(_rec(rng, subject="a", meta={"label": 0}), 2.0)
    b = make_windows(_rec(rng, subject="b", meta={"label": 1}), 2.0)
    w = concat_windows([a, b])
    assert len(w) == 10 and list(w.groups["subject"].unique()) == ["a", "b"]
    s = w.subset(w.y == 1)
    assert isinstance(s, Windows) and len(s) == 5 and set(s.groups["subject"]) == {"b"}
    with pytest.raises(ValueError, match="different shapes"):
        concat_windows([a, make_windows(_rec(rng, n_chans=2, meta={"label": 0}), 2.0)])
    with pytest.raises(ValueError, match="got no windows"):
        concat_windows([])
