from __future__ import annotations

import pytest

from mindstate.config import (
    apply_overrides,
    config_from_dict,
    config_to_dict,
    dump_config,
    load_config,
)
from mindstate.exceptions import ConfigError

BASE = {"data": {"dataset": "eegmat", "root": "x"}, "model": {"name": "eegnet"}}


def test_defaults_and_round_trip(tmp_path):
    cfg = config_from_dict(BASE)
    assert cfg.train.lr == 1e-3 and cfg.evaluate.protocol == "loso"
    dump_config(cfg, tmp_path / "c.yaml")
    assert load_config(tmp_path / "c.yaml") == cfg
    assert config_from_dict(config_to_dict(cfg)) == cfg


def test_unknown_key_suggests_nested_and_top_level():
    with pytest.raises(ConfigError, match=r"Unknown config key 'train.lrr'.*Did you mean 'lr'"):
        config_from_dict(apply_overrides(BASE, ["train.lrr=1"]))
    with pytest.raises(ConfigError, match=r"Unknown config key 'modle'.*Did you mean 'model'"):
        config_from_dict({**BASE, "modle": {}})


def test_wrong_type_is_type_error_int_accepted_for_float():
    cfg = config_from_dict(apply_overrides(BASE, ["train.lr=1", "train.epochs=3"]))
    assert cfg.train.lr == 1.0 and isinstance(cfg.train.lr, float) and cfg.train.epochs == 3
    with pytest.raises(TypeError, match="train.epochs must be an integer; got 'abc'"):
        config_from_dict(apply_overrides(BASE, ["train.epochs=abc"]))
    with pytest.raises(TypeError, match="train.epochs must be an integer; got 2.5"):
        config_from_dict(apply_overrides(BASE, ["train.epochs=2.5"]))
    with pytest.raises(TypeError, match="must be true or false"):
        config_from_dict(apply_overrides(BASE, ["evaluate.baseline=3"]))


def test_scientific_notation_override_is_a_float():
    cfg = config_from_dict(apply_overrides(BASE, ["train.lr=3e-4"]))
    assert cfg.train.lr == pytest.approx(3e-4)


def test_literal_option_suggests():
    with pytest.raises(ConfigError, match="Did you mean 'adam'"):
        config_from_dict(apply_overrides(BASE, ["train.optimizer=adamx"]))


def test_missing_required_key():
    with pytest.raises(ConfigError, match="Missing required config key 'model'"):
        config_from_dict({"data": {"dataset": "x", "root": "y"}})


def test_bad_override_syntax():
    with pytest.raises(ConfigError, match="expects key=value"):
        apply_overrides(BASE, ["train.lr"])


def test_overrides_do_not_modify_input():
    before = {"data": dict(BASE["data"]), "model": dict(BASE["model"])}
    apply_overrides(BASE, ["data.root=z"])
    assert BASE == before


def test_load_config_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="Config file not found"):
        load_config(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_config(bad)
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: [1, 2\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(broken)


def test_shipped_configs_load():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "configs"
    for path in sorted(root.glob("*.yaml")):
        cfg = load_config(path)
        assert cfg.name == path.stem
