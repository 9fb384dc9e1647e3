"""Tests of the loss functions against hand-computed and reference values."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mindstate.evaluate.metrics import kl_divergence
from mindstate.train.losses import (
    LOSSES,
    CCCLoss,
    FocalLoss,
    class_weights,
    create_loss,
)


@pytest.fixture
def batch():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(8, 4, generator=g, dtype=torch.float64)
    hard = torch.tensor([0, 1, 2, 3, 0, 1, 2, 2])
    votes = torch.randint(0, 5, (8, 4), generator=g).double()
    votes[:, 1] += 1
    return logits, hard, votes


def test_registry_and_attributes():
    assert LOSSES.names() == ["ccc", "ce", "focal", "kl", "label_smoothing", "mse",
                              "scaled_mse", "weighted_ce"]
    assert create_loss("kl").task == "classification"
    assert create_loss("ccc").task == "regression" and not create_loss("mse").accepts_soft


def test_ce_hard_and_soft(batch):
    logits, hard, votes = batch
    ce = create_loss("ce")
    assert ce(logits, hard).item() == pytest.approx(F.cross_entropy(logits, hard).item())
    frac = votes / votes.sum(1, keepdim=True)
    by_hand = -(frac * F.log_softmax(logits, 1)).sum(1).mean()
    assert ce(logits, votes).item() == pytest.approx(by_hand.item())  # votes are normalised


def test_focal_gamma0_is_ce_and_hand_value(batch):
    logits, hard, votes = batch
    assert FocalLoss(gamma=0.0)(logits, hard).item() == pytest.approx(
        F.cross_entropy(logits, hard).item())
    assert FocalLoss(gamma=0.0)(logits, votes).item() == pytest.approx(
        create_loss("ce")(logits, votes).item())
    # one sample, 2 classes, p_true = 0.8: -(0.2)^2 ln 0.8 * alpha
    z = torch.tensor([[np.log(0.8), np.log(0.2)]], dtype=torch.float64)
    t = torch.tensor([0])
    assert FocalLoss(gamma=2.0)(z, t).item() == pytest.approx(-(0.2**2) * np.log(0.8))
    assert FocalLoss(gamma=2.0, alpha=0.25)(z, t).item() == pytest.approx(
        -0.25 * 0.04 * np.log(0.8))
    assert FocalLoss(gamma=1.0, alpha=[3.0, 1.0])(z, t).item() == pytest.approx(
        -3.0 * 0.2 * np.log(0.8))
    # focusing down-weights easy examples
    assert FocalLoss(gamma=2.0)(logits, hard) < create_loss("ce")(logits, hard)


def test_label_smoothing_matches_torch(batch):
    logits, hard, _ = batch
    ours = create_loss("label_smoothing", smoothing=0.2)(logits, hard).item()
    ref = torch.nn.CrossEntropyLoss(label_smoothing=0.2)(logits, hard).item()
    assert ours == pytest.approx(ref)
    # by hand: target (1 - s) onehot + s / C
    target = 0.8 * F.one_hot(hard, 4).double() + 0.2 / 4
    assert ours == pytest.approx(-(target * F.log_softmax(logits, 1)).sum(1).mean().item())


def test_weighted_ce_balanced(batch):
    logits, hard, _ = batch
    w = class_weights(hard.numpy(), 4)
    np.testing.assert_allclose(w, 8 / (4 * np.array([2, 2, 3, 1])))
    loss = create_loss("weighted_ce", y=hard.numpy(), n_classes=4)(logits, hard).item()
    ref = F.cross_entropy(logits, hard, weight=torch.tensor(w)).item()
    assert loss == pytest.approx(ref)
    given = create_loss("weighted_ce", weight=[1.0, 2.0, 3.0, 4.0])(logits, hard).item()
    assert given == pytest.approx(
        F.cross_entropy(logits, hard, weight=torch.tensor([1.0, 2, 3, 4]).double()).item())
    soft_w = class_weights(np.array([[1.0, 0.0], [1.0, 1.0]]), 2)
    np.testing.assert_allclose(soft_w, 2 / (2 * np.array([1.5, 0.5])))
    create_loss("weighted_ce", y=np.array([[1.0, 0.0], [1.0, 1.0]]))  # n_classes from soft y


def test_kl_matches_hms_metric_per_row(batch):
    logits, _, votes = batch
    loss = create_loss("kl")(logits, votes).item()
    proba = torch.softmax(logits, 1).numpy()
    assert loss == pytest.approx(kl_divergence(votes.numpy(), proba), rel=1e-10)
    for i in range(3):
        row = create_loss("kl")(logits[i:i + 1], votes[i:i + 1]).item()
        assert row == pytest.approx(kl_divergence(votes[i:i + 1].numpy(), proba[i:i + 1]))
    perfect = torch.log(torch.tensor([[0.5, 0.5, 1e-30]], dtype=torch.float64))
    assert create_loss("kl")(perfect, torch.tensor([[1.0, 1.0, 0.0]],
                                                   dtype=torch.float64)).item() < 1e-12


def test_mse_and_ccc():
    t = torch.tensor([[1.0, 0.0], [2.0, 1.0], [3.0, 2.0], [4.0, 3.0]], dtype=torch.float64)
    assert create_loss("mse")(t + 0.5, t).item() == pytest.approx(0.25)
    assert create_loss("ccc")(t.clone(), t).item() == pytest.approx(0.0, abs=1e-8)
    shifted = t.clone()
    shifted[:, 0] += 0.5  # CCC 2.5 / 2.75 on the first target, 1 on the second
    assert CCCLoss()(shifted, t).item() == pytest.approx(1 - (2.5 / 2.75 + 1.0) / 2, rel=1e-6)
    c = t[:, 0] - t[:, 0].mean()
    assert create_loss("ccc")(-c, c).item() == pytest.approx(2.0, rel=1e-6)  # CCC = -1
    # mean offset: 2 cov / (2 var + (2 m)^2) = -2.5 / (2.5 + 25)
    assert create_loss("ccc")(-t[:, 0], t[:, 0]).item() == pytest.approx(1 + 2.5 / 27.5)


def test_losses_backprop(batch):
    logits, hard, votes = batch
    for name in ("ce", "focal", "label_smoothing", "kl"):
        z = logits.clone().requires_grad_(True)
        create_loss(name)(z, votes if name == "kl" else hard).backward()
        assert torch.isfinite(z.grad).all() and z.grad.abs().sum() > 0


def test_loss_errors(batch):
    logits, hard, votes = batch
    ce = create_loss("ce")
    with pytest.raises(ValueError, match=r"logits must have shape \(batch, n_classes\)"):
        ce(logits[0], hard[0])
    with pytest.raises(TypeError, match="logits must be a torch.Tensor"):
        ce(logits.numpy(), hard)
    with pytest.raises(TypeError, match="target must be a torch.Tensor"):
        ce(logits, [0] * 8)
    with pytest.raises(ValueError, match=r"target class indices must lie in 0..3"):
        ce(logits, hard + 1)
    with pytest.raises(ValueError, match=r"target must have shape \(8,\)"):
        ce(logits, hard[:3])
    with pytest.raises(ValueError, match=r"Soft target must have shape \(8, 4\)"):
        ce(logits, votes[:, :3])
    with pytest.raises(ValueError, match="non-negative with a positive sum"):
        create_loss("kl")(logits, torch.zeros(8, 4, dtype=torch.float64))
    with pytest.raises(ValueError, match="integer dtype or soft labels"):
        ce(logits, hard.double())
    with pytest.raises(ValueError, match="weight has 3 entries but logits have 4 classes"):
        create_loss("ce", weight=[1.0, 1.0, 1.0])(logits, hard)
    with pytest.raises(ValueError, match="weight must be non-negative"):
        create_loss("ce", weight=[1.0, -1.0])
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\)"):
        create_loss("ce", label_smoothing=1.0)
    with pytest.raises(ValueError, match="gamma must be in"):
        create_loss("focal", gamma=-1.0)
    with pytest.raises(ValueError, match="needs weight=.* or the training labels"):
        create_loss("weighted_ce")
    with pytest.raises(ValueError, match="needs n_classes"):
        create_loss("weighted_ce", y=[0, 1])
    with pytest.raises(ValueError, match=r"class\(es\) \[2\] have no samples"):
        class_weights([0, 1, 1], 3)
    with pytest.raises(ValueError, match="class indices in 0..2"):
        class_weights([0, 3], 3)
    with pytest.raises(ValueError, match="Soft y must be non-negative"):
        class_weights(np.ones((2, 4)), 3)
    with pytest.raises(ValueError, match="row summing to 0"):
        class_weights(np.zeros((2, 3)), 3)
    with pytest.raises(TypeError, match="Did you mean 'gamma'"):
        create_loss("focal", gama=2.0)
    with pytest.raises(TypeError, match=r"accepted: \(none\)"):
        create_loss("kl", reduction="sum")
    with pytest.raises(ValueError, match="Unknown loss 'focall'"):
        create_loss("focall")
    with pytest.raises(ValueError, match="same shape"):
        create_loss("mse")(torch.zeros(3), torch.zeros(4))
    with pytest.raises(TypeError, match="pred must be a torch.Tensor"):
        create_loss("mse")(np.zeros(3), torch.zeros(3))
    with pytest.raises(ValueError, match="at least 2 samples"):
        create_loss("ccc")(torch.zeros(1), torch.zeros(1))


def test_inputs_unchanged(batch):
    logits, hard, votes = batch
    l0, v0 = logits.clone(), votes.clone()
    for name in ("ce", "focal", "kl", "label_smoothing"):
        create_loss(name)(logits, votes)
    assert torch.equal(logits, l0) and torch.equal(votes, v0)
