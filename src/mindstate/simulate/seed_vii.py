"""SEED-VII in its release layout, from :func:`mindstate.io.datasets.make_fake_seed_vii`.

The signals are 1/f noise plus a class-specific band-limited oscillation (the ground truth:
each of the seven emotions has its own frequency band and scalp region), written as
``EEG_preprocessed/<subject>.mat`` and ``EEG_features/<subject>.mat`` (MAT v5, the release's
keys and label order). Read it with ``DATASETS.get("seed-vii")`` or ``"seed-vii-de"``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ._common import RandomState

__all__ = ["simulate_seed_vii"]


def simulate_seed_vii(
    out_dir: str | os.PathLike[str],
    *,
    n_subjects: int = 3,
    n_trials_per_session: int = 20,
    trial_s: float = 4.0,
    random_state: RandomState = 0,
    overwrite: bool = False,
    **kwargs: Any,
) -> Path:
    """Write a simulated SEED-VII release (all 4 x 20 trials per subject by default).

    Parameters
    ----------
    out_dir : path-like
        Dataset root.
    n_subjects : int
        Subjects.
    n_trials_per_session : int
        Clips per session (the release has 20).
    trial_s : float
        Trial length in seconds.
    random_state : int | numpy.random.Generator | None
        Seed.
    overwrite : bool
        Replace an earlier simulation.
    **kwargs
        Passed to :func:`~mindstate.io.datasets.make_fake_seed_vii` (``with_features``,
        ``feature_window_s``).

    Returns
    -------
    Path
        ``out_dir``.
    """
    from ..io.datasets.seed_fake import make_fake_seed_vii

    return make_fake_seed_vii(out_dir, n_subjects=n_subjects,
                              n_trials_per_session=n_trials_per_session, trial_s=trial_s,
                              random_state=random_state, overwrite=overwrite, **kwargs)
