"""Shared fixtures: seeded generators, synthetic signals, and the path to ../shared/data."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("MINDSTATE_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator; tests never use the global RNG."""
    return np.random.default_rng(42)


@pytest.fixture
def make_signal(rng):
    """Factory for known sines plus small noise: returns (X of shape (n_chans, n_times), sfreq)."""

    def _make(n_chans=4, sfreq=128.0, duration=2.0, freqs=(10.0,), amp=1e-5, noise=1e-7):
        t = np.arange(int(round(duration * sfreq))) / sfreq
        x = sum(amp * np.sin(2 * np.pi * f * t) for f in freqs)
        X = np.tile(x, (n_chans, 1)) + noise * rng.standard_normal((n_chans, t.size))
        return X, sfreq

    return _make


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Root of the real recordings; tests using it are marked ``realdata`` and skip without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent")
    return SHARED_DATA


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "shared_data" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.realdata)
