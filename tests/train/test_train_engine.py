"""The Lightning engine: determinism, best-weights, non-finite loss, checkpointing, precision."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mindstate.models import create_model
from mindstate.train._sampling import _EpochSampler, _lr_lambda
from mindstate.train.engine import fit, predict_logits


def _data(n=96, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 4, 128)).astype(np.float32)
    y = rng.integers(0, 3, n)
    t = np.arange(128) / 64.0
    X[y == 1, :2] += 2 * np.sin(2 * np.pi * 10 * t).astype(np.float32)
    X[y == 2, 2:] += 2 * np.sin(2 * np.pi * 20 * t).astype(np.float32)
    return X, y


def _model(seed=0):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return create_model("shallow_convnet", n_chans=4, n_outputs=3, n_times=128, sfreq=64.0,
                            n_filters=8)


def _fit(model, X, y, **kw):
    kw = {"loss_fn": torch.nn.CrossEntropyLoss(), "epochs": 4, "batch_size": 16,
          "lr": 3e-3, "patience": None, "seed": 1, **kw}
    return fit(model, X[:72], y[:72], X[72:], y[72:], **kw)


def test_learns_and_is_deterministic():
    X, y = _data()
    a, b = _model(), _model()
    ra = _fit(a, X, y, epochs=8)
    _fit(b, X, y, epochs=8)
    pa, pb = predict_logits(a, X[72:]), predict_logits(b, X[72:])
    np.testing.assert_array_equal(pa, pb)
    assert (pa.argmax(1) == y[72:]).mean() > 0.6  # chance is 1/3
    assert len(ra.history) == 8 and ra.history[0]["train_loss"] > ra.history[-1]["train_loss"]
    # cosine decays to min_lr_ratio * lr by the end
    assert ra.lr_history[0] > ra.lr_history[-1]


def test_keeps_best_validation_weights():
    X, y = _data()
    m = _model()
    res = _fit(m, X, y, epochs=6)
    losses = [h["val_loss"] for h in res.history]
    assert res.best_epoch == int(np.argmin(losses))
    loss = torch.nn.functional.cross_entropy(torch.from_numpy(predict_logits(m, X[72:])),
                                             torch.from_numpy(y[72:]))
    assert float(loss) == pytest.approx(min(losses), rel=1e-4)


class _NanOnCall(torch.nn.Module):
    """Cross-entropy that turns NaN on its n-th training call."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n, self.calls = n, 0

    def forward(self, logits, y):
        loss = torch.nn.functional.cross_entropy(logits, y)
        if self.training:
            self.calls += 1
            if self.calls == self.n:
                return loss * float("nan")
        return loss


def test_nonfinite_loss_raises_with_epoch_and_batch():
    X, y = _data()
    # 72 windows / batch 8 = 9 batches per epoch: call 12 is epoch 1, batch 2
    with pytest.raises(FloatingPointError, match=r"at epoch 1, batch 2"):
        _fit(_model(), X, y, batch_size=8, loss_fn=_NanOnCall(12))


def test_gradient_checkpointing_gives_the_same_model():
    X, y = _data()
    a, b = _model(), _model()
    _fit(a, X, y, epochs=2)
    _fit(b, X, y, epochs=2, gradient_checkpointing=True)
    # Same gradients → same weights. (BatchNorm running statistics are updated once more by
    # the recomputation, so buffers are not compared.)
    pa, pb = dict(a.named_parameters()), dict(b.named_parameters())
    for name in pa:
        torch.testing.assert_close(pa[name], pb[name], rtol=1e-4, atol=1e-5)


def test_bf16_mixed_precision_runs_on_cpu():
    X, y = _data()
    res = _fit(_model(), X, y, epochs=2, precision="bf16-mixed")
    assert np.isfinite(res.history[-1]["train_loss"])


def test_early_stopping_stops():
    X, y = _data()
    res = _fit(_model(), X, y, epochs=40, patience=1, lr=0.05)
    assert res.epochs_run < 40


def test_bad_arguments():
    X, y = _data()
    with pytest.raises(ValueError, match="optimizer must be one of"):
        _fit(_model(), X, y, optimizer="adamx")
    with pytest.raises(ValueError, match="same length"):
        fit(_model(), X, y[:-1], loss_fn=torch.nn.CrossEntropyLoss())
    with pytest.raises(ValueError, match="epochs must be >= 1"):
        _fit(_model(), X, y, epochs=0)


def test_sampler_is_seeded_and_shards_for_ddp():
    s = _EpochSampler(10, seed=3)
    s.set_epoch(2)
    first = list(s)
    assert list(s) == first and sorted(first) == list(range(10))
    s.set_epoch(3)
    assert list(s) != first
    shards = []
    for rank in range(3):
        s.set_epoch(2)
        s.set_distributed(rank, 3)
        shards.append(list(s))
    assert all(len(p) == 4 for p in shards)
    assert set().union(*map(set, shards)) == set(range(10))


def test_warmup_then_cosine():
    fn = _lr_lambda(total_steps=100, warmup_steps=10, schedule="cosine", min_ratio=0.1)
    assert fn(0) == pytest.approx(0.1) and fn(9) == pytest.approx(1.0)
    assert fn(10) == pytest.approx(1.0) and fn(100) == pytest.approx(0.1)
    assert fn(55) == pytest.approx(0.55)


def test_ddp_spawn_on_two_cpu_processes():
    X, y = _data()
    m = _model()
    res = _fit(m, X, y, epochs=2, batch_size=8, devices=2, strategy="ddp_spawn")
    assert [h["epoch"] for h in res.history] == [0.0, 1.0]
    assert all("val_loss" in h for h in res.history)  # validation ran on the per-rank epoch
    assert res.lr_history[-1] < res.lr_history[0]
    assert np.isfinite(predict_logits(m, X[72:])).all()
