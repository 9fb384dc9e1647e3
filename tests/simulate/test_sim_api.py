"""The simulate() entry point, the SIMULATORS registry and the seeding/atomic-write helpers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mindstate.simulate import QUICK_KWARGS, SIMULATORS, simulate
from mindstate.simulate._common import atomic_dataset_dir, resolve_seed, spawn


def test_registry_names():
    assert SIMULATORS.names() == ["e4", "eeg-emotion", "hms", "seed-vii"]
    with pytest.raises(ValueError, match="Did you mean 'hms'"):
        SIMULATORS.get("hsm")
    assert set(QUICK_KWARGS) == set(SIMULATORS.names())


def test_simulate_quick_eeg_emotion(tmp_path):
    root = simulate("eeg-emotion", tmp_path / "emo", quick=True, random_state=1)
    assert root == tmp_path / "emo"
    desc = json.loads((root / "dataset_description.json").read_text())
    assert desc["seed"] == 1
    assert len(list(root.glob("sub-*/ses-*/eeg/*_eeg.edf"))) == 4


def test_simulate_quick_e4(tmp_path):
    root = simulate("e4", tmp_path / "e4", quick=True)
    assert sorted(p.name for p in (root / "raw").iterdir()) == ["S01", "S02", "S03"]


def test_simulate_rejects_bad_input(tmp_path):
    with pytest.raises(ValueError, match="Unknown simulator 'eeg'"):
        simulate("eeg", tmp_path / "x")
    with pytest.raises(TypeError, match="quick must be bool"):
        simulate("e4", tmp_path / "x", quick="yes")


def test_resolve_seed():
    assert resolve_seed(7) == 7
    assert resolve_seed(np.int64(3)) == 3
    g1, g2 = np.random.default_rng(0), np.random.default_rng(0)
    assert resolve_seed(g1) == resolve_seed(g2)
    assert isinstance(resolve_seed(None), int)
    with pytest.raises(TypeError, match="random_state must be an int"):
        resolve_seed("0")
    with pytest.raises(TypeError, match="random_state must be an int"):
        resolve_seed(True)
    with pytest.raises(ValueError, match="non-negative"):
        resolve_seed(-3)


def test_spawn_streams_are_independent_and_reproducible():
    a1, a2 = spawn(5, 2, 1, 0)
    b1, _ = spawn(5, 2, 1, 0)
    c1, _ = spawn(5, 2, 1, 1)
    x = a1.random(4)
    np.testing.assert_array_equal(x, b1.random(4))
    assert not np.allclose(x, a2.random(4))
    assert not np.allclose(x, c1.random(4))


def test_atomic_dataset_dir(tmp_path):
    out = tmp_path / "ds"
    with atomic_dataset_dir(out, overwrite=False) as stage:
        (stage / "sub").mkdir()
        (stage / "sub" / "a.txt").write_text("1")
    assert (out / "sub" / "a.txt").read_text() == "1"
    # overwrite replaces only the written files and keeps the rest
    (out / "keep.txt").write_text("mine")
    with atomic_dataset_dir(out, overwrite=True) as stage:
        (stage / "sub").mkdir()
        (stage / "sub" / "a.txt").write_text("2")
    assert (out / "sub" / "a.txt").read_text() == "2"
    assert (out / "keep.txt").read_text() == "mine"
    # a crash leaves the folder as it was, and no staging folder behind
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_dataset_dir(out, overwrite=True) as stage:
            (stage / "sub").mkdir()
            (stage / "sub" / "a.txt").write_text("3")
            raise RuntimeError("boom")
    assert (out / "sub" / "a.txt").read_text() == "2"
    assert [p.name for p in tmp_path.iterdir()] == ["ds"]
    with pytest.raises(FileExistsError, match="is not empty"):
        with atomic_dataset_dir(out, overwrite=False):
            pass
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError, match="is not a folder"):
        with atomic_dataset_dir(tmp_path / "file", overwrite=True):
            pass


def test_empty_existing_folder_is_accepted(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    with atomic_dataset_dir(out, overwrite=False) as stage:
        (stage / "x.txt").write_text("ok")
    assert (out / "x.txt").read_text() == "ok"
