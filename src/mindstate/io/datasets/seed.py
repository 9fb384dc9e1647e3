"""SEED (3 classes) and SEED-IV (4 classes): BCMI's 15-subject, 3-session, 62-ch EEG datasets.

References: W.-L. Zheng, B.-L. Lu, "Investigating Critical Frequency Bands and Channels for
EEG-based Emotion Recognition with Deep Neural Networks", IEEE TAMD 7(3), 2015 (SEED);
W.-L. Zheng, W. Liu, Y. Lu, B.-L. Lu, A. Cichocki, "EmotionMeter: A Multimodal Framework for
Recognizing Human Emotions", IEEE Trans. Cybern. 49(3), 2019 (SEED-IV).

On disk (``shared/reference/DATA_FORMATS.md`` §2, with its sources:
torcheeg/torcheeg:torcheeg/datasets/module/emotion_recognition/seed.py and seed_iv.py,
XJTU-EEG/LibEER:LibEER/data_utils/load_data.py, fanb129/GLAE:dataset/SEED.md)::

    SEED/Preprocessed_EEG/<subject>_<YYYYMMDD>.mat   keys <initials>_eeg1..15, (62, 200*s+1)
                                                     at 200 Hz; session = date order
    SEED/Preprocessed_EEG/label.mat                  'label' (1, 15) in {-1, 0, 1}
    SEED/ExtractedFeatures/<same names>.mat          DE/PSD features (:mod:`.seed_de`)
    SEED-IV/eeg_raw_data/<1|2|3>/<subject>_<date>.mat       keys <initials>_eeg1..24, (62, T)
    SEED-IV/eeg_feature_smooth/<1|2|3>/<same names>.mat     DE/PSD features (:mod:`.seed_de`)

Trial keys are found by the suffix ``_eeg<k>`` / ``<feature><k>``, never by key order; files
are sorted numerically. The unit of the preprocessed EEG is not documented; µV is assumed (as
in the SEED-VII pipeline) and can be changed with ``unit=``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..._validation import check_int, check_option
from ..recording import Recording
from ._matfile import load_mat, mat_variables
from ._seed_common import (
    SEED_CHANNELS,
    SEED_SFREQ,
    check_eeg_shape,
    check_trials,
    unit_scale,
)
from .base import DATASETS, Dataset, natural_key
from .seed_fake import make_fake_seed, make_fake_seed_iv

__all__ = ["SEED", "SEEDIV", "SEED_CLASSES", "SEED_IV_CLASSES",
           "SEED_IV_LABELS", "SEED_LABELS", "make_fake_seed", "make_fake_seed_iv", "read_seed",
           "read_seed_iv"]

#: SEED classes in index order (label.mat value + 1).
SEED_CLASSES = ("negative", "neutral", "positive")
#: SEED label.mat: the emotion of clips 1..15 (-1 negative, 0 neutral, 1 positive).
SEED_LABELS = (1, 0, -1, -1, 0, 1, -1, 0, 1, 1, 0, -1, 0, 1, -1)
#: SEED-IV classes in index order (the official readme's coding).
SEED_IV_CLASSES = ("neutral", "sad", "fear", "happy")
#: SEED-IV label of clips 1..24 per session (0 neutral, 1 sad, 2 fear, 3 happy).
SEED_IV_LABELS: dict[int, tuple[int, ...]] = {
    1: (1, 2, 3, 0, 2, 0, 0, 1, 0, 1, 2, 1, 1, 1, 2, 3, 2, 2, 3, 3, 0, 3, 0, 3),
    2: (2, 1, 3, 0, 0, 2, 0, 2, 3, 3, 2, 3, 2, 0, 1, 1, 2, 1, 0, 3, 0, 1, 3, 1),
    3: (1, 2, 2, 1, 3, 3, 3, 1, 1, 2, 1, 0, 2, 3, 3, 0, 2, 3, 0, 0, 2, 0, 1, 0),
}
_FILE = re.compile(r"^(\d+)_(\d{8})\.mat$")
_EEG_KEY = re.compile(r"_eeg(\d+)$")


# ---------------------------------------------------------------------------- files
def _folder(root: Path, names: Sequence[str]) -> Path:
    for name in names:
        if (root / name).is_dir():
            return root / name
    return root


def _session_files(folder: Path) -> dict[str, list[Path]]:
    """Subject → its ``<subject>_<date>.mat`` files in date order."""
    by_subject: dict[str, list[Path]] = {}
    for p in folder.iterdir():
        m = _FILE.match(p.name)
        if p.is_file() and m:
            by_subject.setdefault(str(int(m.group(1))), []).append(p)
    return {s: sorted(v, key=lambda p: p.name.split("_")[1]) for s, v in by_subject.items()}


def _find_seed(root: str | os.PathLike[str], folders: Sequence[str], what: str) -> list[Path]:
    root = Path(root)
    if not root.exists():
        raise FileNotFoundError(f"SEED data root not found: {root}")
    if root.is_file():
        return [root]
    folder = _folder(root, folders)
    files = _session_files(folder)
    if not files:
        raise ValueError(f"{folder}: no SEED {what} files found; expected {folders[0]}/"
                         "<subject>_<YYYYMMDD>.mat (one per subject and session).")
    n = max(len(v) for v in files.values())
    for subject, paths in sorted(files.items(), key=lambda kv: natural_key(kv[0])):
        if len(paths) < n:
            raise FileNotFoundError(
                f"{folder}: SEED subject {subject} has {len(paths)} session file(s) "
                f"({', '.join(p.name for p in paths)}) where other subjects have {n}; a "
                f"session file {subject}_<YYYYMMDD>.mat is missing."
            )
    return sorted((p for v in files.values() for p in v), key=natural_key)


def _seed_session(path: Path) -> str:
    """1-based rank of the file's date among the subject's files in the same folder."""
    subject = path.name.split("_")[0]
    mine = _session_files(path.parent).get(str(int(subject)), [path])
    return str(mine.index(path) + 1) if path in mine else "1"


def _find_seed_iv(root: str | os.PathLike[str], top: str, what: str) -> list[Path]:
    root = Path(root)
    if not root.exists():
        raise FileNotFoundError(f"SEED-IV data root not found: {root}")
    if root.is_file():
        return [root]
    base = _folder(root, [top])
    sessions = {d.name: d for d in base.iterdir() if d.is_dir() and d.name in ("1", "2", "3")}
    if not sessions and root.name in ("1", "2", "3"):
        sessions = {root.name: root}
    if not sessions:
        raise ValueError(f"{root}: no SEED-IV {what} found; expected {top}/<session 1|2|3>/"
                         "<subject>_<YYYYMMDD>.mat under the dataset root.")
    files = {s: _session_files(d) for s, d in sessions.items()}
    everyone = sorted({subj for f in files.values() for subj in f}, key=natural_key)
    for s in sorted(files):
        missing = [subj for subj in everyone if subj not in files[s]]
        if missing:
            raise FileNotFoundError(
                f"SEED-IV session file not found: {sessions[s] / f'{missing[0]}_<YYYYMMDD>.mat'}"
                f" (subject {missing[0]} has files in other sessions"
                f"{f'; {len(missing)} subjects missing here' if len(missing) > 1 else ''})."
            )
    return [p for s in sorted(files) for subj in everyone for p in files[s][subj]]


# ---------------------------------------------------------------------------- labels
def _seed_labels(folder: Path, n_trials: int | None) -> tuple[tuple[int, ...], int]:
    """Labels (-1/0/1) from ``label.mat`` beside the files (else the published list)."""
    label_file = folder / "label.mat"
    labels: tuple[int, ...] = SEED_LABELS
    source = "the published SEED label list"
    if label_file.is_file():
        raw = load_mat(label_file).get("label")
        if raw is None:
            raise ValueError(f"{label_file}: no 'label' variable; SEED's label.mat holds "
                             "'label' of shape (1, 15).")
        labels = tuple(int(v) for v in np.asarray(raw).reshape(-1))
        source = str(label_file)
    bad = sorted({v for v in labels if v not in (-1, 0, 1)})
    if bad:
        raise ValueError(f"{source}: labels must be -1 (negative), 0 (neutral) or 1 "
                         f"(positive); got {bad}.")
    n = len(SEED_LABELS) if n_trials is None else n_trials
    if len(labels) < n or (n_trials is None and len(labels) != len(SEED_LABELS)):
        raise ValueError(f"{source}: label table mismatch: it lists {len(labels)} labels but "
                         f"{n} trials per session are read (SEED has 15). Use the release's "
                         "label.mat, or pass n_trials_per_session=....")
    return labels, n


def _trial_keys(path: Path, names: Sequence[str], pattern: re.Pattern[str], n: int,
                what: str) -> dict[int, str]:
    """Trial number → key for trials ``1..n``; ``ValueError`` naming missing keys."""
    found: dict[int, str] = {}
    for name in names:
        m = pattern.search(name)
        if m:
            found[int(m.group(1))] = name
    fix = ("Re-download the file, or pass n_trials_per_session=... (data.kwargs) to read "
           "files that hold fewer trials.")
    check_trials(path, found, list(range(1, n + 1)), what, fix)
    return {k: found[k] for k in range(1, n + 1)}


def _read_trials(path: Path, n: int, unit: str, labels: Sequence[int], classes: Sequence[str],
                 session: str, dataset: str, offset: int) -> list[Recording]:
    scale = unit_scale(unit)
    shapes = mat_variables(path)
    keys = _trial_keys(path, list(shapes), _EEG_KEY, n,
                       f"a {dataset} file holds keys <initials>_eeg1..{n}")
    for key in keys.values():
        check_eeg_shape(path, key, shapes[key])
    data = load_mat(path, list(keys.values()))
    subject = str(int(path.name.split("_")[0]))
    recs = []
    for k, key in keys.items():
        meta: dict[str, Any] = {"label": classes[labels[k - 1] + offset],
                                "trial": f"{subject}/s{session}/t{k:02d}",
                                "record": f"{path.stem}/{key}", "key": key, "clip": k,
                                "path": str(path), "dataset": dataset, "units_in_file": unit}
        x = np.asarray(data.pop(key), dtype=np.float64) * scale  # frees the file copy
        recs.append(Recording(x, SEED_SFREQ, list(SEED_CHANNELS), ["eeg"] * len(SEED_CHANNELS),
                              subject=subject, session=session, meta=meta))
    return recs


def read_seed(path: str | os.PathLike[str], *, unit: str = "uV",
              n_trials_per_session: int | None = None) -> list[Recording]:
    """Read one SEED ``Preprocessed_EEG/<subject>_<date>.mat``: one recording per trial.

    Parameters
    ----------
    path : path-like
        The session file; ``label.mat`` beside it (if present) gives the labels, and the
        subject's other files give the session (date order).
    unit : {"uV", "V"}
        Unit of the values in the file (assumed µV).
    n_trials_per_session : int | None
        Trials read (``1..n``); default 15.

    Returns
    -------
    list of Recording
        (62, n_times) volts at 200 Hz; ``meta["label"]`` in :data:`SEED_CLASSES`.
    """
    path = Path(path)
    if _FILE.match(path.name) is None:
        raise ValueError(f"{path}: a SEED file is named <subject>_<YYYYMMDD>.mat.")
    labels, n = _seed_labels(path.parent, n_trials_per_session)
    return _read_trials(path, n, unit, labels, SEED_CLASSES, _seed_session(path), "seed", 1)


def read_seed_iv(path: str | os.PathLike[str], *, unit: str = "uV",
                 n_trials_per_session: int | None = None) -> list[Recording]:
    """Read one SEED-IV ``eeg_raw_data/<session>/<subject>_<date>.mat`` file.

    Parameters
    ----------
    path : path-like
        The file; its folder name (1, 2 or 3) is the session.
    unit : {"uV", "V"}
        Unit of the values in the file (assumed µV).
    n_trials_per_session : int | None
        Trials read (``1..n``); default 24.

    Returns
    -------
    list of Recording
        (62, n_times) volts at 200 Hz; ``meta["label"]`` in :data:`SEED_IV_CLASSES`.
    """
    path = Path(path)
    session = path.parent.name
    if _FILE.match(path.name) is None or session not in ("1", "2", "3"):
        raise ValueError(f"{path}: a SEED-IV file is <session 1|2|3>/<subject>_<YYYYMMDD>.mat.")
    n = 24 if n_trials_per_session is None else check_int(n_trials_per_session,
                                                          "n_trials_per_session", min_value=1)
    labels = SEED_IV_LABELS[int(session)]
    if n > len(labels):
        raise ValueError(f"{path}: label table mismatch: SEED-IV session {session} has 24 "
                         f"labelled trials; n_trials_per_session={n}.")
    return _read_trials(path, n, unit, labels, SEED_IV_CLASSES, session, "seed-iv", 0)


# ---------------------------------------------------------------------------- datasets
class _SeedRaw(Dataset):
    modality = "eeg"

    def __init__(self, *, unit: str = "uV", n_trials_per_session: int | None = None) -> None:
        self.unit = check_option(unit, ("uV", "V"), "unit")
        self.n_trials_per_session = None if n_trials_per_session is None else check_int(
            n_trials_per_session, "n_trials_per_session", min_value=1)


@DATASETS.register("seed")
class SEED(_SeedRaw):
    """SEED preprocessed EEG (negative/neutral/positive): one recording per trial.

    Parameters
    ----------
    unit : {"uV", "V"}
        Unit of the values in the files.
    n_trials_per_session : int | None
        Trials read per file; default 15.
    """

    classes = SEED_CLASSES

    def find(self, root: str | os.PathLike[str]) -> list[Path]:
        """The session files under ``root`` (dataset root, ``Preprocessed_EEG/`` or a file).

        Parameters
        ----------
        root : path-like
            Where to look.

        Returns
        -------
        list of Path
            ``<subject>_<date>.mat`` files, sorted naturally.
        """
        return _find_seed(root, ["Preprocessed_EEG"], "Preprocessed_EEG")

    def read(self, path: str | os.PathLike[str]) -> list[Recording]:
        """Read one file with :func:`read_seed`.

        Parameters
        ----------
        path : path-like
            A session file.

        Returns
        -------
        list of Recording
            One per trial.
        """
        return read_seed(path, unit=self.unit, n_trials_per_session=self.n_trials_per_session)

    @classmethod
    def make_fake(cls, out_dir: str | os.PathLike[str], **kwargs: Any) -> Path:
        """Write a tiny fake SEED with :func:`make_fake_seed`.

        Parameters
        ----------
        out_dir : path-like
            Folder to write into.
        **kwargs
            Passed to :func:`make_fake_seed`.

        Returns
        -------
        Path
            The dataset root.
        """
        return make_fake_seed(out_dir, **kwargs)


@DATASETS.register("seed-iv")
class SEEDIV(_SeedRaw):
    """SEED-IV raw EEG (neutral/sad/fear/happy): one recording per trial.

    Parameters
    ----------
    unit : {"uV", "V"}
        Unit of the values in the files.
    n_trials_per_session : int | None
        Trials read per file; default 24.
    """

    classes = SEED_IV_CLASSES

    def find(self, root: str | os.PathLike[str]) -> list[Path]:
        """The files under ``root`` (dataset root, ``eeg_raw_data/``, a session folder or file).

        Parameters
        ----------
        root : path-like
            Where to look.

        Returns
        -------
        list of Path
            Files by session, then subject.
        """
        return _find_seed_iv(root, "eeg_raw_data", "eeg_raw_data files")

    def read(self, path: str | os.PathLike[str]) -> list[Recording]:
        """Read one file with :func:`read_seed_iv`.

        Parameters
        ----------
        path : path-like
            A session file.

        Returns
        -------
        list of Recording
            One per trial.
        """
        return read_seed_iv(path, unit=self.unit,
                            n_trials_per_session=self.n_trials_per_session)

    @classmethod
    def make_fake(cls, out_dir: str | os.PathLike[str], **kwargs: Any) -> Path:
        """Write a tiny fake SEED-IV with :func:`make_fake_seed_iv`.

        Parameters
        ----------
        out_dir : path-like
            Folder to write into.
        **kwargs
            Passed to :func:`make_fake_seed_iv`.

        Returns
        -------
        Path
            The dataset root.
        """
        return make_fake_seed_iv(out_dir, **kwargs)
