"""Kaggle HMS Harmful Brain Activity Classification: EEG and spectrogram parquets, train.csv.

On disk (``DATA_FORMATS.md`` §3)::

    ROOT/train.csv                                  15 columns (see :data:`TRAIN_COLUMNS`)
    ROOT/train_eegs/<eeg_id>.parquet                20 float columns (:data:`HMS_EEG_CHANNELS`)
                                                    at 200 Hz, µV (assumed), >= 50 s
    ROOT/train_spectrograms/<spectrogram_id>.parquet
                                                    ``time`` + LL/RL/LP/RP × 100 frequencies,
                                                    rows 2 s apart

Each train.csv row labels the central 10 s of the 50 s EEG window starting at
``eeg_label_offset_seconds`` and of the 10 min spectrogram window starting at
``spectrogram_label_offset_seconds``; its target is the distribution of expert votes over
:data:`HMS_CLASSES` (vote columns in that order). NaNs occur in the real parquets: the
readers keep them; :func:`load_hms_windows` fills them the way the winning teams did.

:func:`load_hms_windows` returns :class:`mindstate.io.windows.Windows`, the container
re-exported as :class:`mindstate.data.Windows`; one sample is the 50 s EEG window (19 scalp
channels by default), the 10 min spectrogram window and the normalised vote distribution.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..._validation import check_int, check_option, check_type
from ...exceptions import ReaderError
from ..recording import Recording
from ..windows import Windows
from ._hms_common import (
    _FILL,
    _SPEC_COLUMN,
    _SPEC_WINDOW_S,
    _WINDOW_S,
    HMS_CHAINS,
    HMS_CLASSES,
    HMS_EEG_CHANNELS,
    HMS_SCALP_CHANNELS,
    HMS_SFREQ,
    HMS_SPEC_FRAMES,
    HMS_SPEC_STEP_S,
    TRAIN_COLUMNS,
    VOTE_COLUMNS,
    _check_eeg_channels,
    _fill,
    _select_rows,
)
from .base import DATASETS, Dataset, natural_key
from .hms_fake import _spec_columns as _spec_columns  # re-exported for tests
from .hms_fake import make_fake_hms

__all__ = [
    "HMS",
    "HMS_CHAINS",
    "HMS_CLASSES",
    "HMS_EEG_CHANNELS",
    "HMS_SCALP_CHANNELS",
    "HMS_SFREQ",
    "HMS_SPEC_FRAMES",
    "HMS_SPEC_STEP_S",
    "TRAIN_COLUMNS",
    "VOTE_COLUMNS",
    "load_hms_windows",
    "make_fake_hms",
    "read_hms_eeg",
    "read_hms_spectrogram",
    "read_hms_train",
]


# ---------------------------------------------------------------------------- readers
def _read_parquet(path: Path, what: str) -> Any:
    import pandas as pd

    if not path.is_file():
        raise FileNotFoundError(f"HMS {what} parquet not found: {path}")
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise ReaderError(f"{path}: not a readable parquet file ({exc}).") from exc


def _eeg_array(path: Path) -> NDArray[np.float32]:
    """(n_times, 20) float32 in µV, columns in :data:`HMS_EEG_CHANNELS` order."""
    frame = _read_parquet(path, "EEG")
    missing = [c for c in HMS_EEG_CHANNELS if c not in frame.columns]
    if missing:
        raise ReaderError(
            f"{path}: not an HMS EEG parquet; missing column(s) {missing}. Expected the 20 "
            f"columns {', '.join(HMS_EEG_CHANNELS)}."
        )
    if len(frame) == 0:
        raise ReaderError(f"{path}: the EEG parquet holds no rows.")
    try:
        return frame[list(HMS_EEG_CHANNELS)].to_numpy(dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise ReaderError(f"{path}: EEG columns are not numeric ({exc}).") from exc


def read_hms_eeg(path: str | os.PathLike[str]) -> Recording:
    """Read one HMS EEG parquet into a :class:`Recording` in volts.

    Parameters
    ----------
    path : path-like
        ``train_eegs/<eeg_id>.parquet`` (or a test EEG).

    Returns
    -------
    Recording
        20 channels at 200 Hz: 19 ``eeg`` and ``EKG`` of type ``ecg``, converted from µV to V.
        NaNs are kept (check or fill them downstream); ``meta`` holds ``path``, ``record``
        (the file stem), ``eeg_id`` and ``nan_fraction``.
    """
    path = Path(path)
    data = _eeg_array(path).T.astype(np.float64) * 1e-6
    meta: dict[str, Any] = {
        "path": str(path), "record": path.stem, "units_in_file": "uV",
        "nan_fraction": float(np.isnan(data).mean()),
    }
    if path.stem.isdigit():
        meta["eeg_id"] = int(path.stem)
    return Recording(data, HMS_SFREQ, list(HMS_EEG_CHANNELS), ["eeg"] * 19 + ["ecg"],
                     meta=meta)


def _spec_array(
    path: Path, dtype: Any = np.float32,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[Any]]:
    """``time`` (n_rows,), freqs (n_freqs,), power (4, n_freqs, n_rows) of a parquet."""
    frame = _read_parquet(path, "spectrogram")
    if "time" not in frame.columns:
        raise ReaderError(f"{path}: not an HMS spectrogram parquet; no 'time' column.")
    chains: dict[str, list[tuple[float, str]]] = {c: [] for c in HMS_CHAINS}
    for col in frame.columns:
        m = _SPEC_COLUMN.match(str(col))
        if m:
            chains[m.group(1)].append((float(m.group(2)), str(col)))
    sizes = {c: len(v) for c, v in chains.items()}
    if len(set(sizes.values())) != 1 or sizes["LL"] == 0:
        raise ReaderError(
            f"{path}: expected the same number of frequency columns for each chain "
            f"LL, RL, LP, RP (100 in the competition files); got {sizes}."
        )
    freqs = np.array([f for f, _ in chains["LL"]])
    try:
        power = np.stack([frame[[c for _, c in chains[ch]]].to_numpy(dtype=dtype).T
                          for ch in HMS_CHAINS])
        times = frame["time"].to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ReaderError(f"{path}: spectrogram columns are not numeric ({exc}).") from exc
    return times, freqs, power


def read_hms_spectrogram(
    path: str | os.PathLike[str],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Read one Kaggle spectrogram parquet.

    Parameters
    ----------
    path : path-like
        ``train_spectrograms/<spectrogram_id>.parquet``.

    Returns
    -------
    times : ndarray of shape (n_rows,)
        The ``time`` column, in seconds.
    freqs : ndarray of shape (100,)
        Frequencies in Hz, parsed from the LL column names (0.59 ... 19.92).
    power : ndarray of shape (4, 100, n_rows)
        Power per chain (LL, RL, LP, RP), frequency and time, as stored (the competition
        does not document its units; non-negative); NaNs are kept.
    """
    return _spec_array(Path(path), np.float64)


def _train_csv(root: str | os.PathLike[str]) -> Path:
    root = Path(root)
    if not root.exists():
        raise FileNotFoundError(f"HMS data root not found: {root}")
    csv = root if root.is_file() else root / "train.csv"
    if not csv.is_file():
        raise FileNotFoundError(
            f"{root}: no train.csv; an HMS root holds train.csv, train_eegs/ and "
            "train_spectrograms/."
        )
    return csv


def read_hms_train(root: str | os.PathLike[str]) -> Any:
    """Read and check ``train.csv``.

    Parameters
    ----------
    root : path-like
        The HMS folder or the ``train.csv`` file itself.

    Returns
    -------
    pandas.DataFrame
        The rows, with integer ids and votes and float offsets.
    """
    import pandas as pd

    csv = _train_csv(root)
    try:
        frame = pd.read_csv(csv)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ReaderError(f"{csv}: not a readable CSV file ({exc}).") from exc
    missing = [c for c in TRAIN_COLUMNS if c not in frame.columns]
    if missing:
        raise ReaderError(f"{csv}: missing column(s) {missing}; expected {list(TRAIN_COLUMNS)}.")
    if len(frame) == 0:
        raise ReaderError(f"{csv}: holds no rows.")
    offsets = frame[["eeg_label_offset_seconds", "spectrogram_label_offset_seconds"]]
    bad_offset = ~np.isfinite(offsets.to_numpy(dtype=np.float64, na_value=np.nan)).all(axis=1)
    if bad_offset.any():
        raise ReaderError(
            f"{csv}: row {int(np.flatnonzero(bad_offset)[0])} has a missing or non-finite "
            "label offset."
        )
    votes = frame[list(VOTE_COLUMNS)]
    if votes.isna().any().any() or (votes < 0).any().any():
        bad = int(np.flatnonzero((votes.isna() | (votes < 0)).any(axis=1).to_numpy())[0])
        raise ReaderError(f"{csv}: row {bad} has a missing or negative vote.")
    empty = np.flatnonzero(votes.sum(axis=1).to_numpy() == 0)
    if len(empty):
        raise ReaderError(
            f"{csv}: row(s) {empty[:5].tolist()} have no votes at all; their vote "
            "distribution is undefined."
        )
    return frame


def _require(path: Path, what: str, key: str, value: Any, csv: Path) -> None:
    if not path.is_file():
        raise FileNotFoundError(
            f"HMS {what} parquet not found: {path} ({key} {int(value)}, listed in {csv})."
        )


def _eeg_windows(
    frame: Any, csv: Path, picks: list[int], fill_nan: str
) -> tuple[NDArray[np.float32], NDArray[np.float64]]:
    """(n_rows, n_chans, 10000) float32 volts and the NaN fraction of each window."""
    eeg_dir = csv.parent / "train_eegs"
    n_win = int(_WINDOW_S * HMS_SFREQ)
    X = np.empty((len(frame), len(picks), n_win), dtype=np.float32)
    nan_fraction = np.zeros(len(frame))
    for eeg_id, rows in frame.groupby("eeg_id", sort=False):  # one parquet in memory at a time
        path = eeg_dir / f"{int(eeg_id)}.parquet"
        data = _eeg_array(path)[:, picks]  # (n_times, n_chans), µV
        for i, row, offset in zip(rows.index, rows["csv_row"], rows["eeg_label_offset_seconds"]):
            a = int(round(float(offset) * HMS_SFREQ))
            if a < 0 or a + n_win > len(data):
                raise ReaderError(
                    f"{path}: train.csv row {row} asks for {offset:g}-{float(offset) + 50:g} s "
                    f"but the file holds {len(data) / HMS_SFREQ:g} s."
                )
            window = data[a:a + n_win].T
            nan_fraction[i] = float(np.isnan(window).mean())
            X[i] = _fill(window, fill_nan) * np.float32(1e-6)
        del data
    return X, nan_fraction


def _spec_windows(
    frame: Any, csv: Path, fill_nan: str
) -> tuple[NDArray[np.float32], NDArray[np.float64], NDArray[np.int64]]:
    """(n_rows, 4, n_freqs, 300) float32, the NaN fraction and frames found per window."""
    spec_dir = csv.parent / "train_spectrograms"
    S: NDArray[np.float32] | None = None
    nan_fraction = np.zeros(len(frame))
    n_frames = np.zeros(len(frame), dtype=np.int64)
    for spec_id, rows in frame.groupby("spectrogram_id", sort=False):
        path = spec_dir / f"{int(spec_id)}.parquet"
        times, freqs, power = _spec_array(path)
        if S is None:
            S = np.empty((len(frame), len(HMS_CHAINS), len(freqs), HMS_SPEC_FRAMES),
                         dtype=np.float32)
        elif len(freqs) != S.shape[2]:
            raise ReaderError(
                f"{path}: {len(freqs)} frequencies per chain, but the spectrograms read "
                f"before hold {S.shape[2]}; all must share one frequency grid."
            )
        offsets = rows["spectrogram_label_offset_seconds"].to_numpy(dtype=np.float64)
        for i, row, offset in zip(rows.index, rows["csv_row"], offsets):
            inside = (times >= offset) & (times < offset + _SPEC_WINDOW_S)
            if not inside.any():
                span = f"{np.nanmin(times):g}-{np.nanmax(times):g} s" if len(times) else "no rows"
                raise ReaderError(
                    f"{path}: train.csv row {row} asks for the spectrogram window "
                    f"{offset:g}-{offset + _SPEC_WINDOW_S:g} s but the file's time column "
                    f"covers {span}."
                )
            k = np.floor((times[inside] - offset) / HMS_SPEC_STEP_S).astype(np.int64)
            if len(np.unique(k)) < len(k):
                raise ReaderError(
                    f"{path}: rows less than {HMS_SPEC_STEP_S:g} s apart in the window "
                    f"{offset:g}-{offset + _SPEC_WINDOW_S:g} s (train.csv row {row}); the "
                    "competition spectrograms have one row every 2 s."
                )
            window = np.full(S.shape[1:], np.nan, dtype=np.float32)
            window[:, :, k] = power[:, :, inside]
            nan_fraction[i] = float(np.isnan(window).mean())
            n_frames[i] = len(k)
            S[i] = window if fill_nan == "none" else np.nan_to_num(window, nan=0.0)
        del power
    assert S is not None  # frame has >= 1 row (read_hms_train)
    return S, nan_fraction, n_frames


def load_hms_windows(
    root: str | os.PathLike[str],
    *,
    max_rows: int | None = None,
    fill_nan: str = "channel_mean",
    spectrogram: bool = True,
    eeg_channels: Sequence[str] = HMS_SCALP_CHANNELS,
    min_votes: int = 0,
) -> Windows:
    """Cut one sample per train.csv row: 50 s EEG, 10 min spectrogram and vote distribution.

    Each EEG and spectrogram parquet is read once (rows are grouped by id) and only one
    parquet is held in memory at a time. Every parquet listed is checked to exist before
    any is read.

    Parameters
    ----------
    root : path-like
        The HMS folder (holding ``train.csv``, ``train_eegs/`` and, with ``spectrogram``,
        ``train_spectrograms/``).
    max_rows : int | None
        Keep only the first ``max_rows`` rows (after the ``min_votes`` filter).
    fill_nan : {"channel_mean", "zero", "none"}
        EEG: ``"channel_mean"`` (as the winning teams) sets each channel's NaNs to its
        nan-mean within the window and an all-NaN channel to 0; ``"zero"`` sets NaNs to 0.
        Spectrogram: both set NaNs (including frames missing from the file) to 0.
        ``"none"`` keeps NaNs in both. The NaN fractions before filling are in ``meta``
        either way.
    spectrogram : bool
        Also cut the 10 min spectrogram window; ``X`` is then a dict (see Returns).
    eeg_channels : sequence of str
        EEG parquet columns to keep, in this order; default the 19 scalp channels
        :data:`HMS_SCALP_CHANNELS` (no ``EKG``). Pass :data:`HMS_EEG_CHANNELS` for all 20.
    min_votes : int
        Keep only rows with at least this many expert votes (the winners trained their
        second stage on rows with >= 10); 0 keeps every row.

    Returns
    -------
    Windows
        ``X`` : with ``spectrogram=True`` a dict with

        - ``"eeg"``: ndarray of shape (n_rows, n_chans, 10000), float32, in volts (rows
          ``[offset * 200, (offset + 50) * 200)`` of the EEG parquet, converted from µV,
          channels ``eeg_channels``);
        - ``"spec"``: ndarray of shape (n_rows, 4, 100, 300), float32: chains LL, RL, LP,
          RP (:data:`HMS_CHAINS`), frequencies 0.59-19.92 Hz, frames 2 s apart. Frame
          ``k`` is the parquet row with ``time`` in ``[offset + 2k, offset + 2k + 2)``
          where offset = ``spectrogram_label_offset_seconds``; frames without a row are
          NaN before filling. Raw power as stored in the competition files (units not
          documented by the competition; non-negative): take a log (after clipping away
          zeros) downstream.

        with ``spectrogram=False`` the EEG array alone. ``y`` of shape (n_rows, 6): the
        vote distributions over :data:`HMS_CLASSES` (rows sum to 1). ``groups`` with
        subject = patient = ``patient_id``, trial = ``label_id``, record = ``eeg_id``.
        ``meta`` with ``record``, ``start`` and ``stop`` (s, of the EEG window),
        ``nan_fraction`` (EEG window, before filling), ``eeg_id``, ``spectrogram_id``,
        ``spectrogram_label_offset_seconds``, ``label_id``, ``patient_id``,
        ``expert_consensus``, ``n_votes`` and ``csv_row`` (0-based row of train.csv); with
        ``spectrogram=True`` also ``spec_start`` and ``spec_stop`` (s, in the
        spectrogram's ``time``), ``spec_nan_fraction`` (NaN fraction of the window before
        filling, missing frames included) and ``spec_n_frames`` (parquet rows found in the
        window, 300 when complete).

    Raises
    ------
    FileNotFoundError
        When train.csv lists an EEG (or, with ``spectrogram``, spectrogram) parquet that
        does not exist; the message names the file, the id and train.csv.
    ReaderError
        When a row's EEG window runs past its file, or its spectrogram window holds no row
        of the file.
    """
    import pandas as pd

    check_option(fill_nan, _FILL, "fill_nan")
    spectrogram = bool(check_type(spectrogram, bool, "spectrogram"))
    min_votes = check_int(min_votes, "min_votes", min_value=0)
    if max_rows is not None:
        max_rows = check_int(max_rows, "max_rows", min_value=1)
    picks = _check_eeg_channels(eeg_channels)
    frame = read_hms_train(root)
    csv = _train_csv(root)
    frame = _select_rows(frame, csv, min_votes, max_rows)
    for eeg_id in frame["eeg_id"].unique():
        _require(csv.parent / "train_eegs" / f"{int(eeg_id)}.parquet", "EEG", "eeg_id",
                 eeg_id, csv)
    if spectrogram:
        for spec_id in frame["spectrogram_id"].unique():
            _require(csv.parent / "train_spectrograms" / f"{int(spec_id)}.parquet",
                     "spectrogram", "spectrogram_id", spec_id, csv)
    eeg, nan_fraction = _eeg_windows(frame, csv, picks, fill_nan)
    votes = frame[list(VOTE_COLUMNS)].to_numpy(dtype=np.float64)
    y = votes / votes.sum(axis=1, keepdims=True)
    patient = frame["patient_id"].astype(str)
    groups = pd.DataFrame({
        "subject": patient, "session": "", "trial": frame["label_id"].astype(str),
        "patient": patient, "record": frame["eeg_id"].astype(str),
    })
    start = frame["eeg_label_offset_seconds"].to_numpy(dtype=np.float64)
    meta = pd.DataFrame({
        "record": frame["eeg_id"].astype(str), "start": start, "stop": start + _WINDOW_S,
        "nan_fraction": nan_fraction, "eeg_id": frame["eeg_id"],
        "spectrogram_id": frame["spectrogram_id"],
        "spectrogram_label_offset_seconds": frame["spectrogram_label_offset_seconds"],
        "label_id": frame["label_id"], "patient_id": frame["patient_id"],
        "expert_consensus": frame["expert_consensus"],
        "n_votes": votes.sum(axis=1).astype(np.int64), "csv_row": frame["csv_row"],
    })
    if not spectrogram:
        return Windows(eeg, y, groups, meta)
    spec, spec_nan, spec_frames = _spec_windows(frame, csv, fill_nan)
    spec_start = frame["spectrogram_label_offset_seconds"].to_numpy(dtype=np.float64)
    meta = meta.assign(spec_start=spec_start, spec_stop=spec_start + _SPEC_WINDOW_S,
                       spec_nan_fraction=spec_nan, spec_n_frames=spec_frames)
    return Windows({"eeg": eeg, "spec": spec}, y, groups, meta)


# ---------------------------------------------------------------------------- dataset
@DATASETS.register("hms")
class HMS(Dataset):
    """Kaggle HMS harmful brain activity: vote distributions over six EEG patterns.

    Parameters
    ----------
    spectrogram : bool
        :meth:`windows` returns ``X = {"eeg": ..., "spec": ...}`` (the 50 s EEG and the
        10 min Kaggle spectrogram of each row) when true, the EEG array alone when false.
    max_rows : int | None
        Keep only the first ``max_rows`` rows (after ``min_votes``).
    fill_nan : {"channel_mean", "zero", "none"}
        NaN handling of :meth:`windows`.
    min_votes : int
        Keep only rows with at least this many expert votes (0 keeps all).
    eeg_channels : sequence of str
        EEG channels of :meth:`windows`; default the 19 scalp channels (no ``EKG``).

    See Also
    --------
    load_hms_windows : What :meth:`windows` returns.
    """

    modality = "hms"
    classes = HMS_CLASSES

    def __init__(
        self,
        *,
        spectrogram: bool = True,
        max_rows: int | None = None,
        fill_nan: str = "channel_mean",
        min_votes: int = 0,
        eeg_channels: Sequence[str] = HMS_SCALP_CHANNELS,
    ) -> None:
        self.spectrogram = spectrogram
        self.max_rows = max_rows
        self.fill_nan = fill_nan
        self.min_votes = min_votes
        self.eeg_channels = eeg_channels

    def find(self, root: str | os.PathLike[str]) -> list[Path]:
        """The EEG parquet of every ``eeg_id`` in train.csv (or every parquet in a folder).

        Parameters
        ----------
        root : path-like
            The HMS folder (with train.csv), a ``train_eegs`` folder, or one parquet.

        Returns
        -------
        list of Path
            The records, sorted naturally.
        """
        root = Path(root)
        if not root.exists():
            raise FileNotFoundError(f"HMS data root not found: {root}")
        if root.is_file():
            return [root]
        if (root / "train.csv").is_file():
            frame = read_hms_train(root)
            paths = [root / "train_eegs" / f"{int(e)}.parquet" for e in frame["eeg_id"].unique()]
            missing = [p for p in paths if not p.is_file()]
            if missing:
                raise FileNotFoundError(
                    f"HMS EEG parquet not found: {missing[0]} (listed in {root / 'train.csv'}"
                    f"; {len(missing)} missing in all)."
                )
            return sorted(paths, key=natural_key)
        folder = root / "train_eegs" if (root / "train_eegs").is_dir() else root
        paths = sorted(folder.glob("*.parquet"), key=natural_key)
        if not paths:
            raise ValueError(
                f"{root}: no HMS EEG parquet found; expected train.csv with train_eegs/"
                "<eeg_id>.parquet, or a folder of <eeg_id>.parquet files."
            )
        return paths

    def read(self, path: str | os.PathLike[str]) -> Recording:
        """Read one EEG parquet; with a train.csv two levels up, attach its labels.

        Parameters
        ----------
        path : path-like
            ``train_eegs/<eeg_id>.parquet``.

        Returns
        -------
        Recording
            See :func:`read_hms_eeg`; when train.csv lists the EEG, ``subject`` and
            ``meta["patient"]`` are its ``patient_id`` and ``meta["labels"]`` its rows (one
            dict per labelled window).
        """
        rec = read_hms_eeg(path)
        csv = Path(path).parent.parent / "train.csv"
        if "eeg_id" in rec.meta and csv.is_file():
            frame = read_hms_train(csv)
            rows = frame[frame["eeg_id"] == rec.meta["eeg_id"]]
            if len(rows):
                patient = str(int(rows["patient_id"].iloc[0]))
                rec.subject = patient
                rec.meta["patient"] = patient
                rec.meta["labels"] = rows.to_dict(orient="records")
        return rec

    def windows(self, root: str | os.PathLike[str]) -> Windows:
        """All labelled windows of ``root`` with :func:`load_hms_windows`.

        Parameters
        ----------
        root : path-like
            The HMS folder.

        Returns
        -------
        Windows
            See :func:`load_hms_windows`.
        """
        return load_hms_windows(
            root, max_rows=self.max_rows, fill_nan=self.fill_nan, spectrogram=self.spectrogram,
            eeg_channels=self.eeg_channels, min_votes=self.min_votes,
        )

    @classmethod
    def make_fake(cls, out_dir: str | os.PathLike[str], **kwargs: Any) -> Path:
        """Write a tiny fake dataset with :func:`make_fake_hms`.

        Parameters
        ----------
        out_dir : path-like
            Folder to write into.
        **kwargs
            Passed to :func:`make_fake_hms`.

        Returns
        -------
        Path
            The dataset root.
        """
        return make_fake_hms(out_dir, **kwargs)
