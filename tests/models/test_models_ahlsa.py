"""AHLSA models: the seed API, bad electrodes, expert scores, ablations, a known effect."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mindstate.models import create_model
from mindstate.models.ahlsa import AHLSA, AHLSADE, Phase1RLSModel


def test_phase1_api_of_the_seed():
    torch.manual_seed(0)
    model = Phase1RLSModel(d_model=128, num_classes=7)
    out = model(torch.randn(32, 128, 128))
    assert out.shape == (32, 7) and torch.isfinite(out).all()
    assert model.get_config()["d_model"] == 128


def _alpha_problem(n=160, C=8, T=256, sfreq=128.0, seed=0):
    """Class 1 carries a 10 Hz rhythm on channels 0-1 (random phase); class 0 does not."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, C, T)).astype(np.float32)
    y = np.arange(n) % 2
    t = np.arange(T) / sfreq
    for i in np.flatnonzero(y == 1):
        X[i, :2] += 1.5 * np.sin(2 * np.pi * 10 * t + rng.uniform(0, 2 * np.pi))
    return torch.tensor(X), torch.tensor(y)


@pytest.mark.parametrize("kwargs", [{}, {"use_lasso": False}])
def test_ahlsa_learns_a_known_rhythm(kwargs):
    torch.manual_seed(0)
    X, y = _alpha_problem()
    Xte, yte = _alpha_problem(seed=1)
    model = AHLSA(8, 2, 256, 128.0, n_bands=6, n_atoms=16, **kwargs)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(20):
        for idx in torch.randperm(len(y)).split(32):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model({"eeg": X[idx]}), y[idx]).backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        acc = (model({"eeg": Xte}).argmax(1) == yte).float().mean().item()
    assert acc >= 0.85  # chance is 0.5


@pytest.mark.parametrize("off", ["use_temporal", "use_spatial", "use_lasso"])
def test_each_expert_can_be_removed(off):
    torch.manual_seed(0)
    full = AHLSA(8, 3, 256, 128.0, n_bands=6, n_atoms=16)
    ablated = AHLSA(8, 3, 256, 128.0, n_bands=6, n_atoms=16, **{off: False})
    assert sum(p.numel() for p in ablated.parameters()) < sum(p.numel() for p in full.parameters())
    X, _ = _alpha_problem(n=4)
    assert ablated(X).shape == (4, 3)
    scores = ablated.expert_scores(X)
    assert ("time" in scores) == (off != "use_temporal")
    assert ("channel" in scores) == (off != "use_spatial")
    assert (scores["sparsity"] == 0.0) or off != "use_lasso"


@pytest.mark.parametrize("readout", [False, True])
def test_ahlsa_predicts_with_nan_or_zeroed_electrodes_and_gives_them_no_weight(readout):
    torch.manual_seed(0)
    model = AHLSA(8, 3, 256, 128.0, channel_readout=readout).eval()
    X, _ = _alpha_problem(n=4)
    zeroed, nan = X.clone(), X.clone()
    zeroed[:, 3] = 0.0
    nan[:, 3] = float("nan")
    with torch.no_grad():
        a, b, c = model(X), model(zeroed), model(nan)
    assert torch.isfinite(b).all() and torch.isfinite(c).all()
    assert torch.allclose(b, c)  # NaN-masked = zeroed: the electrode is out of the fit
    assert not torch.allclose(a, b)
    scores = model.expert_scores(nan)
    assert np.all(scores["channel_weight"][:, 3] == 0)
    assert np.all(scores["channel"][:, 3] == 0)
    assert np.all(scores["channel_weight"][:, [0, 1, 2, 4]] > 0.5)


def test_expert_scores_shapes_and_variance():
    torch.manual_seed(0)
    model = AHLSA(8, 3, 256, 128.0, n_bands=6)
    X, _ = _alpha_problem(n=5)
    s = model.expert_scores(X)
    n_tokens = (256 - 33 + 1 - 64) // 32 + 1
    assert s["time"].shape == (5, n_tokens)
    assert s["channel"].shape == (5, 8) and s["band"].shape == (5, 6)
    assert np.all(s["variance"] > 0)
    assert 0.0 <= s["sparsity"] <= 1.0
    assert model.training  # restored after scoring


def test_ahlsa_de_zeroes_a_constant_channel_and_round_trips():
    torch.manual_seed(0)
    model = create_model("ahlsa_de", n_chans=6, seq_len=4, n_bands=5, n_outputs=7).eval()
    assert isinstance(model, AHLSADE)
    x = torch.randn(3, 6, 4, 5)
    x[:, 2] = 1.0
    s = model.expert_scores({"de": x})
    assert np.all(s["channel_weight"][:, 2] == 0)
    clone = AHLSADE.from_config(model.get_config())
    clone.load_state_dict(model.state_dict())
    clone.eval()
    with torch.no_grad():
        assert torch.allclose(clone({"de": x}), model({"de": x}))


def test_too_short_window_is_one_clear_error():
    with pytest.raises(ValueError, match="n_times=40 is too short"):
        AHLSA(4, 2, 40, 128.0)
