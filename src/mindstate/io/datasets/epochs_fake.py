"""Tiny epochs files in every format the ``epochs`` reader takes, for tests (:mod:`.epochs`)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..._validation import check_int, check_option, check_range, check_sfreq
from ._epochs_io import UNITS
from ._matfile import save_mat73

__all__ = ["make_fake_epochs"]


def _write(path: Path, fmt: str, v: dict[str, Any]) -> None:
    import pandas as pd

    if fmt == "npz":
        np.savez(path, **v)
    elif fmt == "mat":
        import scipy.io

        cells = {k: (np.array(val, dtype=object) if isinstance(val, list) else val)
                 for k, val in v.items()}
        scipy.io.savemat(path, cells)
    elif fmt == "mat73":
        save_mat73(path, v)
    else:
        X = v["X"] * UNITS[v.get("unit", "V")]  # the CSV holds volts
        n, c, t = X.shape
        frame = pd.DataFrame(X.transpose(0, 2, 1).reshape(n * t, c), columns=v["ch_names"])
        frame.insert(0, "time", np.tile(np.arange(t) / v["sfreq"], n))
        frame.insert(0, "epoch", np.repeat(np.arange(n), t))
        if "y" in v:
            frame.insert(2, "label", np.repeat(np.asarray(v["y"]), t))
        else:
            frame.insert(2, "rating", np.repeat(np.asarray(v["ratings"]), t))
        frame.insert(3, "subject", v["subject"])
        frame.to_csv(path, index=False)


def make_fake_epochs(
    out_dir: str | os.PathLike[str],
    fmt: str = "npz",
    n_subjects: int = 3,
    n_trials: int = 12,
    n_chans: int = 8,
    sfreq: float = 128.0,
    trial_s: float = 2.0,
    random_state: int = 0,
    *,
    classes: Sequence[str] = ("low", "high"),
    target: str = "label",
    overwrite: bool = False,
) -> Path:
    """Write one epochs file per subject (``sub-01.<ext>`` ...) in the given format.

    Each trial is 1/f noise of about 10 µV per channel plus a 10 Hz rhythm in the last half of
    the channels whose amplitude grows with the class index (or with the rating), so a model
    can learn it. NPZ/MAT files store ``X`` in µV with ``unit="uV"``, string labels ``y`` (a
    cell array in MAT files), ``sfreq``, ``ch_names`` and ``subject``; the CSV holds volts.

    Parameters
    ----------
    out_dir : path-like
        Folder to write into (created if needed).
    fmt : {"npz", "mat", "mat73", "csv"}
        File format; ``mat`` is MATLAB v5, ``mat73`` is MATLAB v7.3 (HDF5).
    n_subjects : int
        Files (one subject each).
    n_trials : int
        Trials per file (classes alternate).
    n_chans : int
        Channels (``EEG001`` ...).
    sfreq : float
        Sampling rate in Hz.
    trial_s : float
        Trial length in seconds.
    random_state : int
        Seed.
    classes : sequence of str
        Class names (``target="label"``).
    target : {"label", "ratings"}
        Class labels ``y`` or continuous ``ratings`` of shape (n_trials,).
    overwrite : bool
        Replace existing files.

    Returns
    -------
    Path
        ``out_dir``.
    """
    fmt = check_option(fmt, ("npz", "mat", "mat73", "csv"), "fmt")
    target = check_option(target, ("label", "ratings"), "target")
    n_subjects = check_int(n_subjects, "n_subjects", min_value=1)
    n_trials = check_int(n_trials, "n_trials", min_value=1)
    n_chans = check_int(n_chans, "n_chans", min_value=2)
    sfreq = check_sfreq(sfreq)
    trial_s = check_range(trial_s, "trial_s", 0.0, None, inclusive=(False, True))
    out = Path(out_dir)
    ext = {"npz": "npz", "mat": "mat", "mat73": "mat", "csv": "csv"}[fmt]
    first = out / f"sub-01.{ext}"
    if first.exists() and not overwrite:
        raise FileExistsError(f"{first} exists; pass overwrite=True to replace it.")
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(random_state)
    n_times = int(round(trial_s * sfreq))
    t = np.arange(n_times) / sfreq
    names = [f"EEG{i + 1:03d}" for i in range(n_chans)]
    gain = np.r_[np.zeros(n_chans - n_chans // 2), np.ones(n_chans // 2)]
    for s in range(n_subjects):
        spec = np.fft.rfft(rng.standard_normal((n_trials, n_chans, n_times)), axis=-1)
        spec /= np.sqrt(np.maximum(np.fft.rfftfreq(n_times, 1 / sfreq), 1.0))
        X = np.fft.irfft(spec, n=n_times, axis=-1)
        X = 10.0 * X / X.std(axis=-1, keepdims=True)                      # µV
        level = (np.arange(n_trials) % len(classes)) / max(len(classes) - 1, 1)
        if target == "ratings":
            level = rng.uniform(0.0, 1.0, n_trials)
        phase = rng.uniform(0, 2 * np.pi, (n_trials, n_chans, 1))
        X += 15.0 * level[:, None, None] * gain[None, :, None] * \
            np.sin(2 * np.pi * 10.0 * t + phase)
        v: dict[str, Any] = {"X": X, "sfreq": float(sfreq), "ch_names": names,
                             "subject": f"S{s + 1:02d}", "unit": "uV"}
        if target == "label":
            v["y"] = [str(classes[i % len(classes)]) for i in range(n_trials)]
        else:
            v["ratings"] = 1.0 + 8.0 * level
        _write(out / f"sub-{s + 1:02d}.{ext}", fmt, v)
    return out
