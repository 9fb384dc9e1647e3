"""A tiny fake HMS folder in the true on-disk format, for tests: :func:`make_fake_hms`."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..._validation import check_int
from ._hms_common import (
    _WINDOW_S,
    HMS_CHAINS,
    HMS_CLASSES,
    HMS_EEG_CHANNELS,
    HMS_SFREQ,
    HMS_SPEC_FRAMES,
    TRAIN_COLUMNS,
)

__all__ = ["make_fake_hms"]


def _spec_columns() -> list[str]:
    freqs = np.arange(3, 103) * HMS_SFREQ / 1024
    return [f"{c}_{round(float(f) + 1e-9, 2)!r}" for c in HMS_CHAINS for f in freqs]


def make_fake_hms(
    out_dir: str | os.PathLike[str],
    *,
    n_eegs: int = 2,
    n_rows_per_eeg: int = 2,
    random_state: int = 0,
    overwrite: bool = False,
) -> Path:
    """Write a tiny HMS folder in the true format (noise signals, random votes).

    ``train.csv`` has the 15 columns; EEG ``i`` (one patient each) is
    ``50 + 2 * (n_rows_per_eeg - 1)`` s of 30 µV noise in 20 float32 columns with label
    offsets 0, 2, 4 ... s; each has its own spectrogram with the same label offsets,
    ``600 + 2 * (n_rows_per_eeg - 1)`` s long so that every row's 10 min window is complete
    (``300 + n_rows_per_eeg - 1`` rows, ``time`` = 1, 3, 5 ..., int64; 400 float32
    lognormal columns ``LL_0.59`` ... ``RP_19.92``). EEG 0 has NaN in every channel from 5
    to 6 s and its spectrogram row at ``time`` 5 is NaN; when ``n_eegs >= 2``, EEG 1 has an
    all-NaN ``C3``.

    Parameters
    ----------
    out_dir : path-like
        Dataset root (created if needed).
    n_eegs : int
        Number of EEG files (and spectrograms and patients).
    n_rows_per_eeg : int
        Labelled windows per EEG.
    random_state : int
        Seed.
    overwrite : bool
        Replace an existing train.csv.

    Returns
    -------
    Path
        ``out_dir``.
    """
    import pandas as pd

    n_eegs = check_int(n_eegs, "n_eegs", min_value=1)
    n_rows = check_int(n_rows_per_eeg, "n_rows_per_eeg", min_value=1)
    root = Path(out_dir)
    if (root / "train.csv").exists() and not overwrite:
        raise FileExistsError(f"{root / 'train.csv'} exists; pass overwrite=True to replace it.")
    (root / "train_eegs").mkdir(parents=True, exist_ok=True)
    (root / "train_spectrograms").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(random_state)
    rows = []
    n_times = int((_WINDOW_S + 2 * (n_rows - 1)) * HMS_SFREQ)
    for i in range(n_eegs):
        eeg_id, spec_id, patient = 1000 + 7 * i, 500 + 3 * i, 10 + i
        x = rng.normal(0, 30.0, (n_times, 20)).astype(np.float32)
        if i == 0:
            x[int(5 * HMS_SFREQ):int(6 * HMS_SFREQ)] = np.nan
        if i == 1:
            x[:, HMS_EEG_CHANNELS.index("C3")] = np.nan
        pd.DataFrame(x, columns=list(HMS_EEG_CHANNELS)).to_parquet(
            root / "train_eegs" / f"{eeg_id}.parquet", index=False)
        n_spec = HMS_SPEC_FRAMES + n_rows - 1
        power = rng.lognormal(2.0, 1.0, (n_spec, 400)).astype(np.float32)
        if i == 0:
            power[2] = np.nan  # time 5 s, like the EEG's NaN run
        spec = pd.DataFrame(power, columns=_spec_columns())
        spec.insert(0, "time", np.arange(1, 2 * n_spec, 2, dtype=np.int64))
        spec.to_parquet(root / "train_spectrograms" / f"{spec_id}.parquet", index=False)
        for j in range(n_rows):
            votes = rng.multinomial(int(rng.integers(1, 15)), np.full(6, 1 / 6))
            rows.append([eeg_id, j, float(2 * j), spec_id, j, float(2 * j), 9000 + 10 * i + j,
                         patient, HMS_CLASSES[int(np.argmax(votes))], *votes.tolist()])
    pd.DataFrame(rows, columns=list(TRAIN_COLUMNS)).to_csv(root / "train.csv", index=False)
    return root
