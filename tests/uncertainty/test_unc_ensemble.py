"""Deep ensembles: averaged probabilities, member spread, modes restored."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mindstate.uncertainty import DeepEnsemble, mutual_information, variance


def _member(seed):
    g = torch.Generator().manual_seed(seed)
    net = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 3))
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=g))
    return net


def test_ensemble_average_and_weights():
    x = torch.randn(20, 5, generator=torch.Generator().manual_seed(0))
    members = [_member(s) for s in range(3)]
    for m in members:
        m.train()
    ens = DeepEnsemble(members)
    samples = ens.predict_samples(x)
    with torch.no_grad():
        ref = np.stack([torch.softmax(m.eval()(x).double(), -1).numpy() for m in members])
    for m in members:
        m.train()
    np.testing.assert_allclose(samples, ref, rtol=1e-6)
    np.testing.assert_allclose(ens.predict_proba(x), ref.mean(0), rtol=1e-6)
    np.testing.assert_array_equal(ens.predict(x), ref.mean(0).argmax(1))
    assert all(m.training for mm in members for m in mm.modules())  # modes restored
    w = DeepEnsemble(members, weights=[4, 3, 3]).predict_proba(x.numpy(), batch_size=7)
    np.testing.assert_allclose(w, np.tensordot([0.4, 0.3, 0.3], ref, axes=1), rtol=1e-6)
    assert variance(samples).mean() > 0 and mutual_information(samples).mean() > 0
    same = DeepEnsemble([members[0], members[0]]).predict_samples(x)
    np.testing.assert_allclose(mutual_information(same), 0.0, atol=1e-12)
    assert len(ens) == 3 and "n_models=3" in repr(ens)


def test_ensemble_errors():
    with pytest.raises(ValueError, match="at least one model"):
        DeepEnsemble([])
    with pytest.raises(TypeError, match=r"models\[1\] must be a torch.nn.Module"):
        DeepEnsemble([_member(0), "net"])
    with pytest.raises(ValueError, match="one entry per model"):
        DeepEnsemble([_member(0)], weights=[0.5, 0.5])
    with pytest.raises(ValueError, match="non-negative with a positive sum"):
        DeepEnsemble([_member(0), _member(1)], weights=[1.0, -1.0])
    with pytest.raises(ValueError, match="activation must be one of"):
        DeepEnsemble([_member(0)], activation="tanh")
    odd = DeepEnsemble([_member(0), nn.Linear(5, 2)])
    with pytest.raises(ValueError, match="disagree on the output shape"):
        odd.predict_proba(torch.zeros(2, 5))
