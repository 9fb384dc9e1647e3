"""TinyRecursiveModel, the fine-tuned text model, scaled MSE, length bucketing, Hope/Faith/Love."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mindstate.evaluate.regression import emotional_metrics
from mindstate.models import TextFinetune, TinyRecursiveModel, create_model
from mindstate.models.trm import TRM_VERSIONS
from mindstate.train._sampling import _EpochSampler
from mindstate.train.engine import fit, predict_logits
from mindstate.train.losses import create_loss


def _effect(n: int, d: int = 16, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Embeddings with a known linear V/A/D effect (SDs 0.35, 0.26, 0.21 around 3)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(np.float32)
    w = np.random.default_rng(99).standard_normal((d, 3)) / np.sqrt(d)
    y = 3.0 + (x @ w + 0.3 * rng.standard_normal((n, 3))) * np.array([0.35, 0.26, 0.21])
    return x, y


def _trained(version: str = "v6", n: int = 1200, **kw):
    x, y = _effect(n)
    torch.manual_seed(0)
    model = create_model("trm", n_features=16, n_outputs=3, version=version, d_model=32,
                         n_iter=3, n_ctx=2, memory_slots=8, **kw)
    model.set_target_stats(y[:1000].mean(0), y[:1000].std(0))
    loss = create_loss("scaled_mse", scale=y[:1000].std(0).tolist())
    fit(model, {"embedding": x[:900]}, y[:900], {"embedding": x[900:1000]}, y[900:1000],
        loss_fn=loss, lr=3e-3, epochs=25, batch_size=64, patience=None, seed=0,
        grad_clip=1.0)
    return model, x, y


@pytest.mark.parametrize("version", ["v1", "v6"])
def test_trm_learns_a_known_effect(version):
    model, x, y = _trained(version)
    pred = predict_logits(model, {"embedding": x[1000:]})
    r = [np.corrcoef(pred[:, j], y[1000:, j])[0, 1] for j in range(3)]
    # the noise-free part explains ~92 % of the variance (r_max ~ 0.96); chance is r = 0
    assert min(r) > 0.7, r


def test_versions_are_component_switches():
    parts = {v: create_model("trm", n_features=8, n_outputs=3, version=v, d_model=8)
             for v in TRM_VERSIONS}
    assert not hasattr(parts["v1"], "attn") and hasattr(parts["v2"], "attn")
    assert not hasattr(parts["v2"], "pad_head") and hasattr(parts["v3"], "pad_head")
    assert not hasattr(parts["v3"], "rinse") and hasattr(parts["v4"], "rinse")
    assert not hasattr(parts["v4"], "soul") and hasattr(parts["v6"], "soul")
    m = create_model("trm", n_features=8, n_outputs=3, version="v6", d_model=8, memory=False)
    assert not hasattr(m, "soul") and hasattr(m, "rinse")
    with pytest.raises(ValueError, match="version"):
        create_model("trm", n_features=8, n_outputs=3, version="v5")


def test_weighted_readout_is_the_confidence_weighted_trajectory():
    model, x, _ = _trained("v4", n=1100)
    inputs = {"embedding": torch.as_tensor(x[:50])}
    t = model.trajectory(inputs)
    assert t["trajectory"].shape == (50, 3, 3) and t["confidence"].shape == (50, 3)
    assert ((t["confidence"] > 0) & (t["confidence"] < 1)).all()
    torch.testing.assert_close(t["weights"].sum(1), torch.ones(50))
    expect = (t["weights"].unsqueeze(-1) * t["trajectory"]).sum(1)
    torch.testing.assert_close(model(inputs), expect, atol=1e-5, rtol=1e-5)


def test_confidence_tracks_the_error():
    """Trained to predict exp(-squared error): lower where the targets are noisier."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1500, 16)).astype(np.float32)
    noisy = x[:, 0] > 0
    y = 3.0 + 0.3 * (x[:, 1:4] + np.where(noisy, 1.5, 0.05)[:, None]
                     * rng.standard_normal((1500, 3)))
    torch.manual_seed(0)
    model = create_model("trm", n_features=16, n_outputs=3, version="v1", d_model=32,
                         n_iter=3, confidence_weight=1.0)
    model.set_target_stats(y[:1000].mean(0), y[:1000].std(0))
    fit(model, {"embedding": x[:1000]}, y[:1000], loss_fn=create_loss("mse"), lr=3e-3,
        epochs=20, batch_size=64, patience=None, seed=0)
    with torch.no_grad():
        conf = model.trajectory({"embedding": torch.as_tensor(x[1000:])})["confidence"]
    conf = conf[:, -1].numpy()
    quiet, loud = conf[~noisy[1000:]].mean(), conf[noisy[1000:]].mean()
    assert quiet > loud + 0.2, (quiet, loud)


def test_soul_kernel_memory_is_written_saved_and_used(tmp_path):
    from safetensors.torch import load_file, save_file

    model, x, _ = _trained("v6", n=1100)
    soul = model.soul
    assert (soul.counts > 0).all()  # every slot was written during training
    assert soul.stats[0] > 0  # running Hope
    inputs = {"embedding": torch.as_tensor(x[:20])}
    out = model(inputs)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()},
              str(tmp_path / "w.safetensors"))
    clone = TinyRecursiveModel.from_config(model.get_config())
    clone.eval()
    assert not torch.allclose(clone(inputs), out)  # before loading: an empty memory
    clone.load_state_dict(load_file(str(tmp_path / "w.safetensors")))
    clone.eval()
    torch.testing.assert_close(clone(inputs), out)
    torch.testing.assert_close(clone.soul.keys, soul.keys)
    with torch.no_grad():  # the memory matters: emptying it changes the answer
        clone.soul.counts.zero_()
    assert (clone(inputs) - out).abs().max() > 1e-4


def test_scaled_mse_equals_mse_of_standardised_targets():
    rng = np.random.default_rng(0)
    p, t = torch.randn(40, 3, dtype=torch.float64), torch.randn(40, 3, dtype=torch.float64)
    scale = [0.35, 0.26, 0.21]
    got = create_loss("scaled_mse", scale=scale)(p.float(), t.float())
    s = torch.tensor(scale, dtype=torch.float64)
    assert float(got) == pytest.approx(float((((p - t) / s) ** 2).mean()), rel=1e-5)
    with pytest.raises(ValueError, match="scale"):
        create_loss("scaled_mse", scale=[0.3, 0.0])
    del rng


def test_regression_task_fills_in_the_training_sd():
    from mindstate.tasks import make_task

    y = np.column_stack([np.linspace(0, 1, 50), np.linspace(0, 3, 50)])
    loss = make_task("regression", ["a", "b"]).make_loss("scaled_mse", {}, y, 2)
    np.testing.assert_allclose(loss.scale.numpy(), y.std(0), rtol=1e-6)


def test_length_bucketing_sampler():
    rng = np.random.default_rng(0)
    lengths = rng.integers(3, 120, size=1003)
    s = _EpochSampler(1003, seed=1, lengths=lengths, batch_size=16)
    s.set_epoch(2)
    idx = list(s)
    assert sorted(idx) == list(range(1003))  # a permutation
    assert idx == list(s)  # reproducible for (seed, epoch)
    s.set_epoch(3)
    assert idx != list(s)
    batches = [idx[i:i + 16] for i in range(0, 1003, 16)]
    spread = np.mean([np.ptp(lengths[b]) for b in batches])
    plain = np.mean([np.ptp(lengths[rng.permutation(1003)[:16]]) for _ in range(60)])
    assert spread < 0.2 * plain  # batches hold similar lengths
    assert len(batches[-1]) == 1003 % 16  # the short batch is last


def test_emotional_metrics_are_the_seed_formulas():
    y = np.array([[3.0, 3.0], [4.0, 2.0]])
    p = np.array([[3.5, 3.0], [4.0, 1.0]])
    conf = np.array([[0.2, 0.8], [0.5, 0.5]])
    traj = np.array([[[3.0, 3.0], [3.5, 3.0]], [[4.0, 1.0], [4.0, 1.0]]])
    m = emotional_metrics(y, p, conf, traj)
    assert m["hope"] == pytest.approx(1 - np.mean([0.5, 0, 0, 1]))
    assert m["faith"] == pytest.approx(np.mean(np.tanh(conf)))
    var = np.mean([0.0625, 0, 0, 0])
    assert m["love"] == pytest.approx(np.exp(-np.mean([0.25, 0, 0, 1])) * (1 - var))
    assert emotional_metrics(y, p)["faith"] is None


def test_text_finetune_phases_and_groups():
    torch.manual_seed(0)
    m = TextFinetune(n_features=32, max_length=8, n_outputs=3, encoder="tiny-random",
                     head="trm", head_kwargs={"d_model": 16, "n_iter": 2, "n_ctx": 2})
    x = m.example_input(4, generator=torch.Generator().manual_seed(0))
    x["attention_mask"] = torch.tensor([[1] * 8, [1] * 5 + [0] * 3, [1] * 3 + [0] * 5,
                                        [1] * 6 + [0] * 2])
    m.eval()
    assert m.unused_inputs() == {"input_ids", "attention_mask"}
    a = m(x)
    other = dict(x, input_ids=(x["input_ids"] + 7) % 100)
    torch.testing.assert_close(m(other), a)  # frozen phase: tokens unused
    assert not any(p.requires_grad for p in m.transformer.parameters())
    assert len(m.optimizer_groups(1e-3)) == 1
    m.start_finetune()
    m.eval()
    assert m.unused_inputs() == {"embedding"}
    assert not torch.allclose(m(other), m(x))
    groups = m.optimizer_groups(1e-3)
    assert [g["lr"] for g in groups] == [1e-3, pytest.approx(2e-4)]
    # trimming shared padding does not change the pooled embedding
    full = m.transformer(input_ids=x["input_ids"][1:3],
                         attention_mask=x["attention_mask"][1:3]).last_hidden_state
    mask = x["attention_mask"][1:3].unsqueeze(-1).float()
    ref = torch.nn.functional.normalize((full * mask).sum(1) / mask.sum(1), dim=-1)
    torch.testing.assert_close(m.embed(x["input_ids"][1:3], x["attention_mask"][1:3]), ref,
                               atol=1e-5, rtol=1e-5)
    # the phase is saved with the weights
    clone = TextFinetune.from_config(m.get_config())
    assert not bool(clone.finetuned)
    clone.load_state_dict(m.state_dict())
    assert bool(clone.finetuned) and all(p.requires_grad for p in clone.transformer.parameters())


def test_only_recursive_heads_have_trajectories():
    from mindstate.models.trm import has_trajectory

    kw = {"n_features": 32, "max_length": 8, "n_outputs": 3, "encoder": "tiny-random"}
    linear = TextFinetune(**kw, head="linear")
    assert not has_trajectory(linear)
    with pytest.raises(TypeError, match="no iterations"):
        linear.trajectory(linear.example_input(2))
    assert has_trajectory(TextFinetune(**kw, head="trm", head_kwargs={"d_model": 8}))
    assert not has_trajectory(create_model("embedding_mlp", n_features=4, n_outputs=3))


def test_text_finetune_refuses_a_mismatched_encoder():
    with pytest.raises(ValueError, match="same encoder"):
        TextFinetune(n_features=384, max_length=8, n_outputs=3, encoder="tiny-random")
