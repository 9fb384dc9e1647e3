"""Registry-wide model checks: every model is built and run from its own input spec."""

from __future__ import annotations

import pytest
import torch

from mindstate.models import MODELS, BaseModel, create_model, models_for_inputs

NAMES = MODELS.names()


def _model(name: str) -> BaseModel:
    torch.manual_seed(0)
    return create_model(name, **MODELS.get(name).test_config)


def _input(model: BaseModel, batch: int = 3) -> dict[str, torch.Tensor]:
    return model.example_input(batch, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize("name", NAMES)
def test_every_model_declares_test_config_and_spec(name):
    cls = MODELS.get(name)
    assert "test_config" in vars(cls), f"{name} must declare its own tiny test_config"
    assert cls.input_spec, f"{name} must declare input_spec"
    model = _model(name)
    for key, shape in model.input_shapes().items():
        assert all(isinstance(s, int) and s > 0 for s in shape), (key, shape)


@pytest.mark.parametrize("name", NAMES)
def test_forward_shape_grad_and_finite(name):
    model = _model(name).train()
    out = model(_input(model))
    assert out.shape == (3, model.n_outputs)
    assert torch.isfinite(out).all()
    out.sum().backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None]
    assert not missing, f"parameters without gradient: {missing}"
    assert model(_input(model, 1)).shape == (1, model.n_outputs)  # batch of one, train mode


@pytest.mark.parametrize("name", NAMES)
def test_outputs_depend_on_every_input(name):
    model = _model(name).eval()
    x = _input(model, 4)
    base = model(x)
    unused = model.unused_inputs() if hasattr(model, "unused_inputs") else set()
    for key in x:
        if key in unused:  # e.g. the frozen embedding once the encoder is fine-tuned
            continue
        other = dict(x)
        if x[key].is_floating_point():
            other[key] = x[key] + 3.0 * torch.randn_like(x[key])
        else:  # token ids / masks: other values in the same range
            other[key] = (x[key] + torch.randint_like(x[key], 1, 50)) % 100
        assert not torch.allclose(model(other), base), f"output ignores input {key!r}"


@pytest.mark.parametrize("name", NAMES)
def test_eval_determinism_config_and_weights_round_trip(name, tmp_path):
    from safetensors.torch import load_file, save_file

    model = _model(name).eval()
    x = _input(model)
    a, b = model(x), model(x)
    assert torch.equal(a, b)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()},
              str(tmp_path / "w.safetensors"))
    clone = type(model).from_config(model.get_config())
    clone.load_state_dict(load_file(str(tmp_path / "w.safetensors")))
    clone.eval()
    assert torch.allclose(clone(x), a)
    assert clone.get_config() == model.get_config()


@pytest.mark.parametrize("name", NAMES)
def test_sizes_are_read_off_the_data_shapes(name):
    model = _model(name)
    shapes = model.input_shapes()
    sizes = type(model).sizes_from_shapes(shapes, name)
    for key, value in sizes.items():
        assert model.get_config()[key] == value
    assert name in models_for_inputs(shapes)


@pytest.mark.parametrize("name", NAMES)
def test_wrong_inputs_are_rejected(name):
    model = _model(name)
    x = _input(model)
    key = next(iter(x))
    bad = dict(x)
    bad[key] = torch.zeros(2, *[s + 1 for s in x[key].shape[1:]])
    with pytest.raises(ValueError, match=rf"inputs\['{key}'\] must have shape \(batch, "):
        model(bad)
    bad[key] = x[key][0]  # batch axis missing
    with pytest.raises(ValueError, match="must have shape"):
        model(bad)
    with pytest.raises(ValueError, match="is missing"):
        model({k: v for k, v in x.items() if k != key})
    with pytest.raises(ValueError, match="needs the inputs"):
        type(model).sizes_from_shapes({"unrelated": (3,)}, name)


@pytest.mark.parametrize("name", NAMES)
def test_reset_head(name):
    model = _model(name)
    model.reset_head(5)
    assert model(_input(model)).shape == (3, 5)
    assert model.get_config()["n_outputs"] == 5


def test_single_input_models_accept_a_bare_tensor():
    model = _model("shallow_convnet").eval()
    x = _input(model)
    assert torch.equal(model(x["eeg"]), model(x))
    with pytest.raises(TypeError, match="takes a dict"):
        _model("hms_baseline")(torch.zeros(2, 4, 200))


def test_unknown_model_suggests():
    with pytest.raises(ValueError, match="Did you mean 'eegnet'"):
        create_model("eegnt", n_chans=4, n_outputs=2, n_times=128)


def test_duplicate_registration_rejected():
    with pytest.raises(ValueError, match="already registered"):
        MODELS.register("eegnet")(object)


def test_too_short_window_is_rejected():
    with pytest.raises(ValueError, match="too short"):
        create_model("shallow_convnet", n_chans=4, n_outputs=2, n_times=10, sfreq=250.0)
