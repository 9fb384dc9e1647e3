"""Tiny SEED-VII, SEED and SEED-IV releases in the true on-disk layout, for tests.

See :mod:`.seed_vii` and :mod:`.seed` for the layouts.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..._validation import check_int, check_range
from ._seed_common import SEED_SFREQ, fake_features, fake_trial_uv, prepare_out

__all__ = ["SEED_SUBJECT_INITIALS", "make_fake_seed", "make_fake_seed_iv", "make_fake_seed_vii"]

#: Key prefix of each SEED subject's trials (``<initials>_eeg<k>``).
SEED_SUBJECT_INITIALS = {1: "djc", 2: "jl", 3: "jj", 4: "lqj", 5: "ly", 6: "mhw", 7: "phl",
                         8: "sxy", 9: "wk", 10: "ww", 11: "wsf", 12: "wyw", 13: "xyl", 14: "ys",
                         15: "zjy"}
_FEATURE_KEYS = ("de_LDS", "de_movingAve", "psd_LDS", "psd_movingAve")


def _date(subject: int, session: int) -> str:
    day = dt.date(2013, 10, 1) + dt.timedelta(days=3 * subject + 9 * session)
    return day.strftime("%Y%m%d")


def _write_session(eeg_path: Path, feat_path: Path | None, subject: int, labels: Any,
                   offset: int, n_trials: int, n_times: int, window_s: float, gain: float,
                   rng: np.random.Generator) -> None:
    import scipy.io

    initials = SEED_SUBJECT_INITIALS.get(subject, f"s{subject}")
    eeg: dict[str, Any] = {}
    feats: dict[str, Any] = {}
    for k in range(1, n_trials + 1):
        x = fake_trial_uv(rng, int(labels[k - 1]) + offset, n_times, gain)
        eeg[f"{initials}_eeg{k}"] = x.astype(np.float32)
        if feat_path is not None:
            f = fake_features(x, window_s)
            feats.update({f"{name}{k}": f[name] for name in _FEATURE_KEYS})  # (62, W, 5)
    scipy.io.savemat(eeg_path, eeg)
    if feat_path is not None:
        scipy.io.savemat(feat_path, feats)


def _sizes(n_subjects: int, n_trials: int, trial_s: float, n_max: int) -> tuple[int, int, float]:
    n_subjects = check_int(n_subjects, "n_subjects", min_value=1)
    n_trials = check_int(n_trials, "n_trials_per_session", min_value=1)
    if n_trials > n_max:
        raise ValueError(f"n_trials_per_session must be <= {n_max}; got {n_trials}.")
    return n_subjects, n_trials, check_range(trial_s, "trial_s", 1.0, None)


def make_fake_seed(
    out_dir: str | os.PathLike[str],
    n_subjects: int = 2,
    n_trials_per_session: int = 6,
    trial_s: float = 4.0,
    random_state: int | np.random.Generator | None = 0,
    *,
    with_features: bool = True,
    overwrite: bool = False,
) -> Path:
    """Write a tiny SEED release: ``Preprocessed_EEG/`` and ``ExtractedFeatures/``.

    Three session files ``<subject>_<YYYYMMDD>.mat`` per subject (dates increasing with the
    session) with keys ``<initials>_eeg1..n`` of shape (62, 200 * trial_s + 1), float32 µV
    (1/f noise plus a class-specific oscillation, see
    :func:`mindstate.io.datasets.make_fake_seed_vii`), the release's ``label.mat`` (15
    labels) in both folders, and features ``de_LDS<k>``, ``de_movingAve<k>``, ``psd_LDS<k>``,
    ``psd_movingAve<k>`` of shape (62, W, 5) over 1-s windows. Read it with
    ``n_trials_per_session`` set when it is below 15.

    Parameters
    ----------
    out_dir : path-like
        Dataset root.
    n_subjects : int
        Subjects (1..15 use the release's key initials).
    n_trials_per_session : int
        Trials per session file (<= 15).
    trial_s : float
        Trial length in seconds.
    random_state : int | numpy.random.Generator | None
        Seed or generator.
    with_features : bool
        Also write ``ExtractedFeatures/``.
    overwrite : bool
        Replace an earlier fake.

    Returns
    -------
    Path
        ``out_dir``.
    """
    import scipy.io

    from .seed import SEED_LABELS

    n_subjects, n_trials, trial_s = _sizes(n_subjects, n_trials_per_session, trial_s, 15)
    out = prepare_out(out_dir, Path(out_dir) / "Preprocessed_EEG" / "label.mat", overwrite)
    folders = [out / "Preprocessed_EEG"] + ([out / "ExtractedFeatures"] if with_features else [])
    for folder in folders:
        folder.mkdir(exist_ok=True)
        scipy.io.savemat(folder / "label.mat", {"label": np.array([SEED_LABELS], dtype=float)})
    rng = np.random.default_rng(random_state)
    n_times = int(round(trial_s * SEED_SFREQ)) + 1
    for subject in range(1, n_subjects + 1):
        gain = rng.uniform(0.8, 1.25)
        for session in range(1, 4):
            name = f"{subject}_{_date(subject, session)}.mat"
            _write_session(out / "Preprocessed_EEG" / name,
                           out / "ExtractedFeatures" / name if with_features else None,
                           subject, SEED_LABELS, 1, n_trials, n_times, 1.0, gain, rng)
    return out


def make_fake_seed_iv(
    out_dir: str | os.PathLike[str],
    n_subjects: int = 2,
    n_trials_per_session: int = 8,
    trial_s: float = 8.0,
    random_state: int | np.random.Generator | None = 0,
    *,
    with_features: bool = True,
    overwrite: bool = False,
) -> Path:
    """Write a tiny SEED-IV release: ``eeg_raw_data/<1|2|3>/`` and ``eeg_feature_smooth/``.

    Each session folder holds ``<subject>_<YYYYMMDD>.mat`` with keys ``<initials>_eeg1..n``
    of shape (62, 200 * trial_s), float32 µV, labelled by the published per-session table;
    the feature files hold ``de_LDS<k>``, ``de_movingAve<k>``, ``psd_LDS<k>``,
    ``psd_movingAve<k>`` of shape (62, W, 5) over 4-s windows. Read it with
    ``n_trials_per_session`` set when it is below 24.

    Parameters
    ----------
    out_dir : path-like
        Dataset root.
    n_subjects : int
        Subjects.
    n_trials_per_session : int
        Trials per session file (<= 24).
    trial_s : float
        Trial length in seconds (at least 4 for one feature window).
    random_state : int | numpy.random.Generator | None
        Seed or generator.
    with_features : bool
        Also write ``eeg_feature_smooth/``.
    overwrite : bool
        Replace an earlier fake.

    Returns
    -------
    Path
        ``out_dir``.
    """
    from .seed import SEED_IV_LABELS

    n_subjects, n_trials, trial_s = _sizes(n_subjects, n_trials_per_session, trial_s, 24)
    if trial_s < 4.0:
        raise ValueError(f"trial_s must be >= 4 s (one 4-s feature window); got {trial_s:g}.")
    out = prepare_out(out_dir, Path(out_dir) / "eeg_raw_data" / "1", overwrite)
    rng = np.random.default_rng(random_state)
    n_times = int(round(trial_s * SEED_SFREQ))
    gains = rng.uniform(0.8, 1.25, n_subjects)
    for session in range(1, 4):
        eeg_dir = out / "eeg_raw_data" / str(session)
        feat_dir = out / "eeg_feature_smooth" / str(session)
        eeg_dir.mkdir(parents=True, exist_ok=True)
        if with_features:
            feat_dir.mkdir(parents=True, exist_ok=True)
        for subject in range(1, n_subjects + 1):
            name = f"{subject}_{_date(subject, session)}.mat"
            _write_session(eeg_dir / name, feat_dir / name if with_features else None, subject,
                           SEED_IV_LABELS[session], 0, n_trials, n_times, 4.0,
                           float(gains[subject - 1]), rng)
    return out


def make_fake_seed_vii(
    out_dir: str | os.PathLike[str],
    n_subjects: int = 3,
    n_trials_per_session: int = 20,
    trial_s: float = 4.0,
    random_state: int | np.random.Generator | None = 0,
    *,
    with_features: bool = True,
    feature_window_s: float = 1.0,
    overwrite: bool = False,
) -> Path:
    """Write a tiny SEED-VII release: ``EEG_preprocessed/`` (and ``EEG_features/``).

    Each subject file holds keys ``20*(s-1)+c`` for sessions 1-4 and clips
    ``1..n_trials_per_session`` with the published emotion of that clip: (62, n_times) µV
    at 200 Hz (stored as float32 to keep the files small; the release is float64), 1/f noise
    of about 10 µV plus a class-specific oscillation (e.g. Sad: 10 Hz occipital, Anger: 40 Hz
    frontal) of 12 µV, scaled by a per-subject gain. With 10 or more clips per session, each
    session holds each of its five emotions at least twice. The feature files hold
    ``de_LDS_k``, ``de_k`` and ``psd_k`` as (n_windows, 5, 62), computed from the same signals.

    Parameters
    ----------
    out_dir : path-like
        Dataset root (created if needed).
    n_subjects : int
        Subjects ``1.mat`` ... ``<n>.mat``.
    n_trials_per_session : int
        Clips per session (1..20; the release has 20).
    trial_s : float
        Length of each trial in seconds.
    random_state : int | numpy.random.Generator | None
        Seed or generator.
    with_features : bool
        Also write ``EEG_features/``.
    feature_window_s : float
        Length of one feature window in seconds.
    overwrite : bool
        Replace existing subject files.

    Returns
    -------
    Path
        ``out_dir``.
    """
    import scipy.io

    from .seed_vii import SEED_VII_CLASSES, seed_vii_label

    n_subjects = check_int(n_subjects, "n_subjects", min_value=1)
    n_clips = check_int(n_trials_per_session, "n_trials_per_session", min_value=1)
    if n_clips > 20:
        raise ValueError(f"n_trials_per_session must be <= 20 (SEED-VII has 20 clips per "
                         f"session); got {n_clips}.")
    trial_s = check_range(trial_s, "trial_s", 1.0, None)
    feature_window_s = check_range(feature_window_s, "feature_window_s", 0.0, trial_s,
                                   inclusive=(False, True))
    out = prepare_out(out_dir, Path(out_dir) / "EEG_preprocessed" / "1.mat", overwrite)
    (out / "EEG_preprocessed").mkdir(exist_ok=True)
    if with_features:
        (out / "EEG_features").mkdir(exist_ok=True)
    rng = np.random.default_rng(random_state)
    n_times = int(round(trial_s * SEED_SFREQ))
    for subject in range(1, n_subjects + 1):
        gain = rng.uniform(0.8, 1.25)
        eeg: dict[str, Any] = {}
        feats: dict[str, Any] = {}
        for s in range(4):
            for clip in range(1, n_clips + 1):
                key = 20 * s + clip
                pattern = SEED_VII_CLASSES.index(seed_vii_label(key))
                x = fake_trial_uv(rng, pattern, n_times, gain)
                eeg[str(key)] = x.astype(np.float32)
                if with_features:
                    f = fake_features(x, feature_window_s)
                    for name in ("de_LDS", "de", "psd"):
                        feats[f"{name}_{key}"] = f[name].transpose(1, 2, 0)  # (W, 5, 62)
        scipy.io.savemat(out / "EEG_preprocessed" / f"{subject}.mat", eeg)
        if with_features:
            scipy.io.savemat(out / "EEG_features" / f"{subject}.mat", feats)
    return out
