"""Value tests of the emotion-recognition baselines: filter bank, learning a known effect, DGCNN."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mindstate.models import create_model
from mindstate.models.layers import DEFAULT_BANDS, BandFilterBank, band_taps, log_variance

SFREQ = 128.0
BASELINES = ["eeg_transformer", "cnn_lstm", "maet", "dgcnn"]


def _alpha_problem(n: int, rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """2 classes, 8 channels, 2 s at 128 Hz of white noise; class 1 adds a 10 Hz sine of random
    phase (amplitude 1, i.e. the noise s.d.) on channels 0 and 1."""
    y = rng.integers(0, 2, n)
    t = np.arange(256) / SFREQ
    X = rng.standard_normal((n, 8, t.size))
    phase = rng.uniform(0.0, 2 * np.pi, (n, 1, 1))
    X[:, :2] += y[:, None, None] * np.sin(2 * np.pi * 10.0 * t + phase)
    return torch.tensor(X, dtype=torch.float32), torch.tensor(y)


def _accuracy(model: torch.nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        return (model({"eeg": X}).argmax(1) == y).float().mean().item()


def test_filter_bank_passes_alpha_and_attenuates_delta_and_gamma():
    bank = BandFilterBank(SFREQ)
    assert bank.band_names == list(DEFAULT_BANDS) and bank.n_taps == band_taps(SFREQ) == 65
    t = np.arange(512) / SFREQ
    x = torch.tensor(np.sin(2 * np.pi * 10.0 * t), dtype=torch.float32)[None, None]  # (1, 1, T)
    out = bank(x)
    assert out.shape == (1, 5, 1, 512 - 65 + 1)
    power = out.pow(2).mean(-1)[0, :, 0]                       # (n_bands,)
    gain_db = 10 * torch.log10(power / x.pow(2).mean())
    bands = dict(zip(bank.band_names, gain_db.tolist()))
    assert abs(bands["alpha"]) < 1.0, bands
    assert bands["delta"] <= -20.0 and bands["gamma"] <= -20.0, bands
    assert not any(p.requires_grad for p in bank.parameters())
    assert "kernels" not in bank.state_dict()                  # rebuilt from the config


def test_filter_bank_rejects_bad_bands_and_short_input():
    with pytest.raises(ValueError, match="Nyquist"):
        BandFilterBank(64.0, {"gamma": (40.0, 50.0)})
    with pytest.raises(ValueError, match="0 < low < high"):
        BandFilterBank(SFREQ, {"bad": (8.0, 4.0)})
    with pytest.raises(ValueError, match="odd"):
        BandFilterBank(SFREQ, n_taps=64)
    with pytest.raises(ValueError, match="fewer than the filter length"):
        BandFilterBank(SFREQ)(torch.zeros(1, 2, 32))
    # A band reaching Nyquist becomes a high-pass instead of failing.
    assert BandFilterBank(64.0, {"gamma": (30.0, 50.0)}).n_bands == 1


def test_log_variance_is_log_of_power():
    x = torch.randn(3, 4, 1000)
    torch.testing.assert_close(log_variance(x), torch.log(x.var(-1, unbiased=False) + 1e-6))
    assert torch.isfinite(log_variance(torch.zeros(2, 10))).all()


@pytest.mark.parametrize("name", BASELINES)
def test_baseline_learns_a_band_power_effect(name):
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    X_train, y_train = _alpha_problem(120, rng)
    X_test, y_test = _alpha_problem(200, rng)
    model = create_model(name, n_chans=8, n_outputs=2, n_times=256, sfreq=SFREQ)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(40):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model({"eeg": X_train}), y_train)
        loss.backward()
        opt.step()
    model.eval()
    assert _accuracy(model, X_train, y_train) >= 0.8
    assert _accuracy(model, X_test, y_test) >= 0.7


@pytest.mark.parametrize("name", BASELINES)
def test_too_short_window_is_rejected(name):
    with pytest.raises(ValueError, match="too short"):
        create_model(name, n_chans=4, n_outputs=2, n_times=8, sfreq=SFREQ)


def test_dgcnn_adjacency_stays_symmetric_and_non_negative():
    torch.manual_seed(0)
    model = create_model("dgcnn", n_chans=6, n_outputs=3, n_times=160, sfreq=SFREQ)
    before = model.adjacency().detach().clone()
    assert torch.equal(before, before.T) and (before >= 0).all() and (before > 0).any()
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    x = model.example_input(4, generator=torch.Generator().manual_seed(0))
    model(x).pow(2).sum().backward()
    opt.step()
    after = model.adjacency().detach()
    assert not torch.equal(after, before)                      # the graph is learned
    assert torch.equal(after, after.T) and (after >= 0).all()


def test_dgcnn_chebyshev_order_one_ignores_the_graph():
    torch.manual_seed(0)
    model = create_model("dgcnn", n_chans=6, n_outputs=3, n_times=160, sfreq=SFREQ,
                         cheb_order=1).eval()
    x = model.example_input(2, generator=torch.Generator().manual_seed(0))
    base = model(x)
    with torch.no_grad():
        model.adj_weight.uniform_(0.0, 3.0)
    torch.testing.assert_close(model(x), base)


@pytest.mark.parametrize("name", ["maet", "dgcnn"])
def test_band_models_round_trip_custom_bands(name):
    bands = {"theta": (4.0, 8.0), "alpha": (8.0, 13.0)}
    model = create_model(name, n_chans=4, n_outputs=2, n_times=160, sfreq=SFREQ, bands=bands)
    assert model.filters.band_names == ["theta", "alpha"]
    clone = type(model).from_config(model.get_config())
    assert clone.get_config() == model.get_config()
    assert clone.get_config()["bands"] == {"theta": [4.0, 8.0], "alpha": [8.0, 13.0]}
