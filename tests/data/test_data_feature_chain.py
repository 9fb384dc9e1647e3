"""FeatureChain: checks of precomputed feature samples, train-only standardisation, round trip."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mindstate.data.chains import chain_from_dict
from mindstate.data.feature_chain import FeatureChain
from mindstate.exceptions import DataQualityError, NotFittedError
from mindstate.io.windows import GROUP_COLUMNS, Windows

BANDS = ["delta", "theta", "alpha", "beta", "gamma"]


def _windows(rng, n=40, n_chans=3, seq_len=4, shift=0.0) -> Windows:
    scale = np.array([1.0, 10.0, 0.1])[:n_chans, None]                 # per-channel scale
    de = rng.normal(2.0 + shift, 1.0, (n, n_chans, seq_len, 5)) * scale[None, :, None, :]
    groups = pd.DataFrame([{c: str(i) for c in GROUP_COLUMNS} for i in range(n)])
    meta = pd.DataFrame({"record": [str(i) for i in range(n)], "start": 0.0, "stop": 4.0})
    return Windows({"de": de}, np.arange(n) % 2, groups, meta)


def test_prepare_windows_checks_and_learns_sizes(rng):
    chain = FeatureChain(bands=BANDS)
    w = chain.prepare_windows(_windows(rng))
    assert w.X["de"].dtype == np.float32 and w.X["de"].shape == (40, 3, 4, 5)
    assert (chain.n_chans_, chain.seq_len_, chain.n_bands_) == (3, 4, 5)
    with pytest.raises(ValueError, match=r"X must be a dict with a 'de' array"):
        chain.prepare_windows(Windows(np.zeros((2, 3)), w.y[:2], w.groups[:2], w.meta[:2]))
    bad = dict(w.X)
    bad["de"] = w.X["de"][..., :4]
    with pytest.raises(ValueError, match=r"must have 5 bands on its last axis.*\(40, 3, 4, 4\)"):
        chain.prepare_windows(Windows(bad, w.y, w.groups, w.meta))
    bad["de"] = w.X["de"][:, :, 0]
    with pytest.raises(ValueError, match=r"must have 4 dimensions"):
        chain.prepare_windows(Windows(bad, w.y, w.groups, w.meta))
    nan = w.X["de"].copy()
    nan[0, 1, 2, 3] = np.nan
    with pytest.raises(DataQualityError, match="NaN"):
        chain.prepare_windows(Windows({"de": nan}, w.y, w.groups, w.meta))
    with pytest.raises(ValueError, match=r"must have 62 channels on axis 1"):
        FeatureChain(ch_names=[f"c{i}" for i in range(62)]).prepare_windows(w)


def test_standardisation_is_fitted_on_training_samples_only(rng):
    w = FeatureChain().prepare_windows(_windows(rng, n=60))
    train, test = np.arange(40), np.arange(40, 60)
    X_test = {"de": w.X["de"][test] + 5.0}                               # a shifted test set
    chain = FeatureChain().fit({"de": w.X["de"][train]})
    z = chain.inputs({"de": w.X["de"][train]})["de"]
    assert z.dtype == np.float32
    np.testing.assert_allclose(z.mean(axis=(0, 2)), 0.0, atol=1e-5)       # per (channel, band)
    np.testing.assert_allclose(z.std(axis=(0, 2)), 1.0, atol=1e-4)
    zt = chain.inputs(X_test)["de"]
    assert zt.mean(axis=(0, 2)).min() > 0.3  # test statistics were not used in the fit
    np.testing.assert_allclose(chain.mean_, w.X["de"][train].astype(np.float64).mean(axis=(0, 2)),
                               rtol=1e-6)


def test_inputs_do_not_modify_the_input(rng):
    w = FeatureChain().prepare_windows(_windows(rng))
    before = w.X["de"].copy()
    chain = FeatureChain().fit(w.X)
    chain.inputs(w.X)
    chain.baseline_features(w.X)
    np.testing.assert_array_equal(w.X["de"], before)


def test_baseline_features_average_the_sequence(rng):
    w = FeatureChain().prepare_windows(_windows(rng, n=5))
    F = FeatureChain().baseline_features(w.X)
    assert F.shape == (5, 3 * 5)
    np.testing.assert_allclose(F[2, 5:10], w.X["de"][2, 1].astype(np.float64).mean(axis=0),
                               rtol=1e-6)


def test_constant_feature_and_unfitted_errors(rng):
    w = FeatureChain().prepare_windows(_windows(rng))
    X = {"de": w.X["de"].copy()}
    X["de"][:, 1, :, 2] = 3.0
    with pytest.raises(DataQualityError, match=r"constant over the training samples for "
                                               r"\(channel/band\) b/alpha"):
        FeatureChain(ch_names=["a", "b", "c"], bands=BANDS).fit(X)
    with pytest.raises(NotFittedError):
        FeatureChain().inputs(w.X)
    chain = FeatureChain().fit(w.X)
    with pytest.raises(ValueError, match=r"shape \(n, 3, seq_len, 5\) as in training"):
        chain.inputs({"de": w.X["de"][:, :2]})


def test_round_trip_through_chain_from_dict(rng):
    chain = FeatureChain(classes=["x", "y"], ch_names=["a", "b", "c"], bands=BANDS)
    w = chain.prepare_windows(_windows(rng))
    chain.fit(w.X)
    state = chain.to_dict()
    assert state["kind"] == "features"
    clone = chain_from_dict(state)
    assert isinstance(clone, FeatureChain) and clone.classes == ["x", "y"]
    np.testing.assert_allclose(clone.inputs(w.X)["de"], chain.inputs(w.X)["de"])
    fresh = chain.unfitted()
    assert not hasattr(fresh, "mean_") and fresh.seq_len_ == 4
    contract = clone.contract()
    assert contract["modality"] == "features" and contract["bands"] == BANDS
    assert contract["seq_len"] == 4 and contract["inputs"] == {
        "de": ["n_chans", "seq_len", "n_bands"]}
    with pytest.raises(ValueError, match="read as a whole corpus"):
        chain.check_record(object())


def test_build_chain_picks_the_feature_chain(tmp_path):
    from mindstate.config import load_config
    from mindstate.experiment.loading import build_chain, make_dataset

    path = tmp_path / "c.yaml"
    path.write_text("name: c\ndata: {dataset: seed-vii-de, root: unused}\nmodel: {name: de_mlp}\n")
    cfg = load_config(path, [])
    chain = build_chain(cfg, make_dataset(cfg))
    assert isinstance(chain, FeatureChain) and chain.kind == "features"
    assert len(chain.ch_names) == 62 and chain.bands == BANDS and chain.classes[0] == "Disgust"
