"""The HMS on-disk format (classes, columns, rates, window lengths) and file-free helpers.

Shared by the reader and loader in :mod:`mindstate.io.datasets.hms` and the fake-data
writer in :mod:`mindstate.io.datasets.hms_fake`; the public names are re-exported from
:mod:`mindstate.io.datasets.hms`. The helpers here validate and filter the loader's
options and fill NaNs of a window; none of them reads a file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..._validation import check_type, suggest

__all__ = [
    "HMS_CHAINS",
    "HMS_CLASSES",
    "HMS_EEG_CHANNELS",
    "HMS_SCALP_CHANNELS",
    "HMS_SFREQ",
    "HMS_SPEC_FRAMES",
    "HMS_SPEC_STEP_S",
    "TRAIN_COLUMNS",
    "VOTE_COLUMNS",
]

#: The six classes, in the order of the vote columns.
HMS_CLASSES: tuple[str, ...] = ("Seizure", "LPD", "GPD", "LRDA", "GRDA", "Other")
#: The vote columns of train.csv, in class order.
VOTE_COLUMNS: tuple[str, ...] = tuple(f"{c.lower()}_vote" for c in HMS_CLASSES)
#: Columns of an EEG parquet, in order: 19 scalp channels (old 10-20 names) and EKG.
HMS_EEG_CHANNELS: tuple[str, ...] = (
    "Fp1", "F3", "C3", "P3", "F7", "T3", "T5", "O1", "Fz", "Cz", "Pz",
    "Fp2", "F4", "C4", "P4", "F8", "T4", "T6", "O2", "EKG",
)
#: The 19 scalp EEG channels (:data:`HMS_EEG_CHANNELS` without ``EKG``): the default
#: ``eeg`` input of :func:`~mindstate.io.datasets.hms.load_hms_windows`.
HMS_SCALP_CHANNELS: tuple[str, ...] = HMS_EEG_CHANNELS[:19]
#: Spectrogram chains in parquet column order.
HMS_CHAINS: tuple[str, ...] = ("LL", "RL", "LP", "RP")
#: Sampling rate of the EEG parquets, Hz.
HMS_SFREQ = 200.0
#: The 15 columns of train.csv, in order.
TRAIN_COLUMNS: tuple[str, ...] = (
    "eeg_id", "eeg_sub_id", "eeg_label_offset_seconds", "spectrogram_id",
    "spectrogram_sub_id", "spectrogram_label_offset_seconds", "label_id", "patient_id",
    "expert_consensus", *VOTE_COLUMNS,
)
#: Seconds between the rows of a Kaggle spectrogram parquet.
HMS_SPEC_STEP_S = 2.0
#: Frames in the 10 min spectrogram window of one train.csv row (600 s / 2 s).
HMS_SPEC_FRAMES = 300
_WINDOW_S = 50.0
_SPEC_WINDOW_S = HMS_SPEC_STEP_S * HMS_SPEC_FRAMES
_FILL = ("channel_mean", "zero", "none")
_SPEC_COLUMN = re.compile(r"^(LL|RL|LP|RP)_(\d+(?:\.\d+)?)$")


def _fill(window: NDArray[np.float32], how: str) -> NDArray[np.float32]:
    """Fill NaNs of (n_chans, n) per channel: nan-mean of the channel, 0 for an all-NaN one."""
    bad = np.isnan(window)
    if not bad.any() or how == "none":
        return window
    if how == "zero":
        return np.where(bad, np.float32(0), window)
    counts = (~bad).sum(axis=1)
    sums = np.where(bad, 0, window).sum(axis=1, dtype=np.float64)
    means = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
    return np.where(bad, means[:, None].astype(np.float32), window)


def _check_eeg_channels(eeg_channels: Any) -> list[int]:
    """Indices of ``eeg_channels`` in :data:`HMS_EEG_CHANNELS` (validated)."""
    if isinstance(eeg_channels, str) or not isinstance(eeg_channels, Sequence):
        raise TypeError(
            "eeg_channels must be a sequence of channel names (e.g. HMS_SCALP_CHANNELS); "
            f"got {eeg_channels!r}. For one channel use [{eeg_channels!r}]."
        )
    names = [str(check_type(c, str, "eeg_channels[i]")) for c in eeg_channels]
    if not names:
        raise ValueError("eeg_channels must name at least one channel; got [].")
    dupes = sorted({c for c in names if names.count(c) > 1})
    if dupes:
        raise ValueError(f"eeg_channels must not repeat a channel; got {dupes} twice.")
    unknown = [c for c in names if c not in HMS_EEG_CHANNELS]
    if unknown:
        hint = suggest(unknown[0], HMS_EEG_CHANNELS)
        raise ValueError(
            f"eeg_channels must be columns of the HMS EEG parquet "
            f"({', '.join(HMS_EEG_CHANNELS)}); got unknown {unknown}.{hint}"
        )
    return [HMS_EEG_CHANNELS.index(c) for c in names]


def _select_rows(frame: Any, csv: Path, min_votes: int, max_rows: int | None) -> Any:
    """Rows with at least ``min_votes`` votes, then the first ``max_rows`` of them."""
    n_votes = frame[list(VOTE_COLUMNS)].sum(axis=1).to_numpy()
    frame = frame.assign(csv_row=np.arange(len(frame)))
    if min_votes > 0:
        frame = frame[n_votes >= min_votes]
        if len(frame) == 0:
            raise ValueError(
                f"min_votes={min_votes} keeps none of the {len(n_votes)} rows of {csv}; "
                f"the most votes in a row is {int(n_votes.max())}."
            )
    if max_rows is not None:
        frame = frame.iloc[:max_rows]
    return frame.reset_index(drop=True)
