"""Registry-wide model checks on each model's tiny test configuration."""

from __future__ import annotations

import pytest
import torch

from mindstate.models import MODELS, BaseModel, create_model

NAMES = MODELS.names()


def _input(model: BaseModel, batch: int = 3) -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    return torch.randn(batch, model.n_chans, model.n_times, generator=g)


@pytest.mark.parametrize("name", NAMES)
def test_every_model_has_a_test_config(name):
    cls = MODELS.get(name)
    assert "test_config" in vars(cls), f"{name} must declare its own tiny test_config"


@pytest.mark.parametrize("name", NAMES)
def test_forward_shape_grad_and_finite(name):
    torch.manual_seed(0)
    model = create_model(name, **MODELS.get(name).test_config)
    model.train()
    out = model(_input(model))
    assert out.shape == (3, model.n_outputs)
    assert torch.isfinite(out).all()
    out.sum().backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None]
    assert not missing, f"parameters without gradient: {missing}"
    # batch of one in train mode
    model.train()
    assert model(_input(model, 1)).shape == (1, model.n_outputs)


@pytest.mark.parametrize("name", NAMES)
def test_eval_determinism_and_config_round_trip(name):
    torch.manual_seed(0)
    model = create_model(name, **MODELS.get(name).test_config).eval()
    x = _input(model)
    a, b = model(x), model(x)
    assert torch.equal(a, b)
    clone = type(model).from_config(model.get_config())
    clone.load_state_dict(model.state_dict())
    clone.eval()
    assert torch.allclose(clone(x), a)
    assert clone.get_config() == model.get_config()


@pytest.mark.parametrize("name", NAMES)
def test_wrong_input_shape_is_rejected(name):
    model = create_model(name, **MODELS.get(name).test_config)
    with pytest.raises(ValueError, match="x must have shape"):
        model(torch.zeros(2, model.n_chans + 1, model.n_times))
    with pytest.raises(ValueError, match="x must have shape"):
        model(torch.zeros(model.n_chans, model.n_times))


@pytest.mark.parametrize("name", NAMES)
def test_reset_head(name):
    model = create_model(name, **MODELS.get(name).test_config)
    model.reset_head(5)
    assert model(_input(model)).shape == (3, 5)
    assert model.get_config()["n_outputs"] == 5


def test_unknown_model_suggests():
    with pytest.raises(ValueError, match="Did you mean 'eegnet'"):
        create_model("eegnt", n_chans=4, n_outputs=2, n_times=128)


def test_duplicate_registration_rejected():
    with pytest.raises(ValueError, match="already registered"):
        MODELS.register("eegnet")(object)


def test_too_short_window_is_rejected():
    with pytest.raises(ValueError, match="too short"):
        create_model("shallow_convnet", n_chans=4, n_outputs=2, n_times=10, sfreq=250.0)
