"""Embedded default data: simulators with a known ground truth, writing real file layouts.

- ``"eeg-emotion"``: :func:`simulate_eeg_emotion`, a BIDS EEG folder (read it with
  ``DATASETS.get("bids-eeg")``);
- ``"e4"``: :func:`simulate_e4`, Empatica E4 sessions in the Stress-Predict layout
  (``DATASETS.get("stress-predict")``);
- ``"hms"``: :func:`simulate_hms`, a mini Kaggle HMS folder (``DATASETS.get("hms")``);
- ``"seed-vii"``: :func:`simulate_seed_vii`, a SEED-VII release (``EEG_preprocessed/``,
  ``EEG_features/``; ``DATASETS.get("seed-vii")`` or ``"seed-vii-de"``).

:func:`simulate` is the entry point behind ``mindstate simulate KIND --out DIR``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .._validation import check_type
from ..registry import Registry
from ._common import RandomState
from .e4 import E4_GROUND_TRUTH, simulate_e4, simulate_e4_recordings
from .eeg import (
    CHANNEL_POSITIONS,
    STANDARD_1020,
    band_oscillation,
    blink_artifacts,
    flat_channel,
    line_noise,
    mix_sources,
    muscle_bursts,
    pink_noise,
    smoothing_matrix,
    spatial_pattern,
)
from .emotion import STATE_GAINS, simulate_eeg_emotion, simulate_eeg_emotion_recordings
from .hms import HMS_CLASSES, hms_spectrogram, simulate_hms
from .seed_vii import simulate_seed_vii

__all__ = [
    "CHANNEL_POSITIONS",
    "E4_GROUND_TRUTH",
    "HMS_CLASSES",
    "QUICK_KWARGS",
    "SIMULATORS",
    "STANDARD_1020",
    "STATE_GAINS",
    "band_oscillation",
    "blink_artifacts",
    "flat_channel",
    "hms_spectrogram",
    "line_noise",
    "mix_sources",
    "muscle_bursts",
    "pink_noise",
    "simulate",
    "simulate_e4",
    "simulate_e4_recordings",
    "simulate_eeg_emotion",
    "simulate_eeg_emotion_recordings",
    "simulate_hms",
    "simulate_seed_vii",
    "smoothing_matrix",
    "spatial_pattern",
]

#: Dataset writers by kind; each takes ``(out_dir, ..., random_state=..., overwrite=...)``.
SIMULATORS: Registry[Callable[..., Path]] = Registry("simulator")
SIMULATORS.add("eeg-emotion", simulate_eeg_emotion)
SIMULATORS.add("e4", simulate_e4)
SIMULATORS.add("hms", simulate_hms)
SIMULATORS.add("seed-vii", simulate_seed_vii)

#: Smaller sizes used by ``quick=True`` (tests, ``mindstate demo --quick``).
QUICK_KWARGS: dict[str, dict[str, Any]] = {
    "eeg-emotion": {"n_subjects": 4, "n_trials_per_class": 2, "trial_s": 10.0},
    "e4": {"n_subjects": 3, "duration_s": 300.0},
    "hms": {"n_patients": 6, "n_eegs_per_patient": 1},
    "seed-vii": {"n_subjects": 3, "trial_s": 4.0},
}


def simulate(
    kind: str,
    out_dir: str | os.PathLike[str],
    *,
    quick: bool = False,
    random_state: RandomState = 0,
    overwrite: bool = False,
) -> Path:
    """Write one simulated dataset with its default (or quick) sizes.

    Parameters
    ----------
    kind : {"eeg-emotion", "e4", "hms", "seed-vii"}
        Which dataset (see :data:`SIMULATORS`).
    out_dir : path-like
        Root folder to create; refused if it exists and is not empty, unless ``overwrite``.
    quick : bool
        Use the smaller sizes of :data:`QUICK_KWARGS` (seconds to write).
    random_state : int | numpy.random.Generator | None
        Seed; the same seed gives the same files.
    overwrite : bool
        Replace the files of an earlier simulation in ``out_dir``.

    Returns
    -------
    Path
        The dataset root (``out_dir``).
    """
    writer = SIMULATORS.get(kind)
    check_type(quick, bool, "quick")
    kwargs = dict(QUICK_KWARGS[kind]) if quick else {}
    return writer(out_dir, random_state=random_state, overwrite=overwrite, **kwargs)
