"""MC dropout: only dropout is stochastic, seeded by a generator, modes restored."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mindstate.uncertainty import dropout_layers, mc_dropout_predict, mutual_information


def _net(drop=0.5, bn=True):
    g = torch.Generator().manual_seed(0)
    layers = [nn.Linear(6, 32)]
    if bn:
        layers.append(nn.BatchNorm1d(32))
    layers += [nn.ReLU(), nn.Dropout(drop), nn.Linear(32, 3)]
    net = nn.Sequential(*layers)
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.5)
    return net


@pytest.fixture
def x():
    return torch.randn(40, 6, generator=torch.Generator().manual_seed(1))


def test_samples_vary_reproducible_and_bn_frozen(x):
    net = _net()
    net.train()
    bn = net[1]
    stats = (bn.running_mean.clone(), bn.running_var.clone(), int(bn.num_batches_tracked))
    state = torch.random.get_rng_state()
    mean, samples = mc_dropout_predict(net, x, n_samples=30, seed=3)
    assert samples.shape == (30, 40, 3) and mean.shape == (40, 3)
    np.testing.assert_allclose(mean, samples.mean(0))
    np.testing.assert_allclose(samples.sum(-1), 1.0)
    assert samples.std(0).max() > 0.01  # dropout is active
    mean2, samples2 = mc_dropout_predict(net, x, n_samples=30, seed=3)
    np.testing.assert_array_equal(samples, samples2)
    _, samples3 = mc_dropout_predict(net, x, n_samples=30, seed=4)
    assert not np.array_equal(samples, samples3)
    # BatchNorm used running stats and updated nothing; modes restored; global RNG untouched
    assert torch.equal(bn.running_mean, stats[0]) and torch.equal(bn.running_var, stats[1])
    assert int(bn.num_batches_tracked) == stats[2]
    assert all(m.training for m in net.modules())
    assert torch.equal(state, torch.random.get_rng_state())
    net.eval()
    mc_dropout_predict(net, x, n_samples=2, generator=torch.Generator().manual_seed(0))
    assert not any(m.training for m in net.modules())


def test_masks_match_dropout_statistics():
    net = nn.Sequential(nn.Dropout(0.3))
    ones = torch.ones(200, 100)
    _, samples = mc_dropout_predict(net, ones, n_samples=2, seed=0, activation=None)
    vals = np.unique(samples)
    np.testing.assert_allclose(vals, [0.0, 1 / 0.7])
    assert (samples == 0).mean() == pytest.approx(0.3, abs=0.01)
    # channel-wise kinds drop whole channels; alpha dropout keeps mean 0 / var 1 of SELU inputs
    ch = nn.Sequential(nn.Dropout1d(0.5))
    _, s = mc_dropout_predict(ch, torch.ones(50, 8, 20), n_samples=2, seed=0, activation=None)
    per_channel = s.reshape(2, 50, 8, 20)
    assert np.all(per_channel.min(-1) == per_channel.max(-1))
    alpha = nn.Sequential(nn.AlphaDropout(0.2))
    z = torch.randn(400, 500, generator=torch.Generator().manual_seed(99))
    _, s = mc_dropout_predict(alpha, z, n_samples=2, seed=0, activation=None)
    assert s.mean() == pytest.approx(0.0, abs=0.02) and s.std() == pytest.approx(1.0, abs=0.02)


def test_mean_near_deterministic_and_mi_positive(x):
    net = _net(drop=0.1, bn=False)
    net.eval()
    with torch.no_grad():
        det = torch.softmax(net(x), -1).numpy()
    mean, samples = mc_dropout_predict(net, x.numpy(), n_samples=200, seed=0, batch_size=16)
    assert np.abs(mean - det).mean() < 0.05
    assert mutual_information(samples).mean() > 0


def test_mc_dropout_errors(x):
    with pytest.raises(ValueError, match="no dropout layer with p > 0"):
        mc_dropout_predict(nn.Linear(6, 3), x)
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        mc_dropout_predict(lambda a: a, x)
    with pytest.raises(ValueError, match="n_samples must be >= 2"):
        mc_dropout_predict(_net(), x, n_samples=1)
    with pytest.raises(TypeError, match="generator must be a torch.Generator"):
        mc_dropout_predict(_net(), x, generator=3)
    with pytest.raises(TypeError, match="x must be a torch.Tensor or numpy array"):
        mc_dropout_predict(_net(), [[0.0] * 6])
    with pytest.raises(ValueError, match="at least one sample"):
        mc_dropout_predict(_net(), torch.zeros(0, 6))
    with pytest.raises(ValueError, match="activation must be one of"):
        mc_dropout_predict(_net(), x, activation="relu")
    net = _net()
    net.train()
    with pytest.raises(ValueError):
        mc_dropout_predict(net, x, activation="relu")
    assert all(m.training for m in net.modules())  # restored after an error too
    assert len(dropout_layers(nn.Sequential(nn.Dropout(0.0), nn.Dropout(0.2)))) == 1
