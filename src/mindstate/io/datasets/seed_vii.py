"""SEED-VII (BCMI, SJTU): 20 subjects, 4 sessions x 20 video clips, 7 emotions, 62-ch EEG.

Reference: W.-B. Jiang, X.-H. Liu, W.-L. Zheng, B.-L. Lu, "SEED-VII: A Multimodal Dataset of
Six Basic Emotions with Continuous Labels for Emotion Recognition", IEEE TAFFC, 2024.
doi:10.1109/TAFFC.2024.3485057.

On disk (``shared/reference/DATA_FORMATS.md`` §1, with its sources: the official extractor
935963004/MAET:EEG_feature_extractor/extract_EEG_features.py,
li-f8/seedvii-aeon:src/seedvii/data/loader.py, ZhangcXu/SEED-VII-Test:DataLoader.py,
gx123412/SEED-VII:test826.py)::

    ROOT/EEG_preprocessed/<subject>.mat   MAT v5, keys "1".."80" (key = 20*(session-1)+clip),
                                          each (62, n_times) float64 at 200 Hz, in µV
    ROOT/EEG_features/<subject>.mat       keys de_LDS_<k>, de_<k>, psd_<k> (underscore before
                                          the trial number), each (n_windows, 5, 62)

Labels: the clip order is the same for every subject; clips 11-20 of a session repeat the
emotions of clips 1-10 (:data:`SEED_VII_LABELS`). Classes are coded as most readers do:
Disgust 0, Fear 1, Sad 2, Neutral 3, Happy 4, Anger 5, Surprise 6 (:data:`SEED_VII_CLASSES`).
``emotion_label_and_stimuli_order.xlsx`` and ``Channel Order.xlsx`` are not read (no xlsx
dependency); the table and :data:`SEED_CHANNELS` here follow the sources above.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from ..._validation import check_int, check_option
from ..recording import Recording
from ._matfile import load_mat, mat_variables
from ._seed_common import (
    SEED_CHANNELS,
    SEED_SFREQ,
    FeatureTrial,
    SeedFeatures,
    check_eeg_shape,
    check_feature_shape,
    check_trials,
    unit_scale,
)
from .base import DATASETS, Dataset, natural_key
from .seed_fake import make_fake_seed_vii

__all__ = ["SEED_CHANNELS", "SEED_VII_CLASSES", "SEED_VII_LABELS", "SEEDVII", "SEEDVIIDE",
           "make_fake_seed_vii", "read_seed_vii", "seed_vii_label"]

logger = logging.getLogger(__name__)

#: Class names in index order (the coding of most public readers).
SEED_VII_CLASSES = ("Disgust", "Fear", "Sad", "Neutral", "Happy", "Anger", "Surprise")
_FIRST_HALF = {
    1: ("Happy", "Neutral", "Disgust", "Sad", "Anger", "Anger", "Sad", "Disgust", "Neutral",
        "Happy"),
    2: ("Anger", "Sad", "Fear", "Neutral", "Surprise", "Surprise", "Neutral", "Fear", "Sad",
        "Anger"),
    3: ("Happy", "Surprise", "Disgust", "Fear", "Anger", "Anger", "Fear", "Disgust", "Surprise",
        "Happy"),
    4: ("Disgust", "Sad", "Fear", "Surprise", "Happy", "Happy", "Surprise", "Fear", "Sad",
        "Disgust"),
}
#: Emotion of clip 1..20 of each session 1..4 (clips 11-20 repeat clips 1-10).
SEED_VII_LABELS: dict[int, tuple[str, ...]] = {s: h + h for s, h in _FIRST_HALF.items()}
_N_SESSIONS, _N_CLIPS = 4, 20
_SUBJECT_FILE = re.compile(r"^(\d+)\.mat$")
_LAYOUT = ("a SEED-VII subject file holds keys '1'..'80' (4 sessions x 20 clips, key = "
           "20*(session-1)+clip)")


def seed_vii_label(trial: int) -> str:
    """The emotion of global trial ``1..80`` (the same for every subject).

    Parameters
    ----------
    trial : int
        Global trial number, ``20 * (session - 1) + clip``.

    Returns
    -------
    str
        One of :data:`SEED_VII_CLASSES`.
    """
    trial = check_int(trial, "trial", min_value=1)
    if trial > _N_SESSIONS * _N_CLIPS:
        raise ValueError(f"trial must be in 1..80 (the SEED-VII label table); got {trial}.")
    return SEED_VII_LABELS[(trial - 1) // _N_CLIPS + 1][(trial - 1) % _N_CLIPS]


def _expected_keys(path: Path, present: set[int], n_clips: int | None) -> list[int]:
    """The global trial numbers to read; ``ValueError`` for missing or out-of-table keys."""
    n = _N_CLIPS if n_clips is None else n_clips
    outside = sorted(k for k in present if k > _N_SESSIONS * _N_CLIPS or k < 1)
    if outside:
        raise ValueError(f"{path}: trial key(s) {[str(k) for k in outside[:5]]} are outside "
                         f"the SEED-VII label table (80 trials, keys '1'..'80'); this is not a "
                         "SEED-VII file, or its keys were renumbered.")
    expected = [_N_CLIPS * s + c for s in range(_N_SESSIONS) for c in range(1, n + 1)]
    fix = ("Re-download or re-export the file, or pass n_trials_per_session=... "
           "(data.kwargs) to read files that hold fewer clips per session.")
    check_trials(path, present, expected, _LAYOUT + f"; reading {n} clips per session", fix)
    return expected


def read_seed_vii(path: str | os.PathLike[str], *, unit: str = "uV",
                  n_trials_per_session: int | None = None) -> list[Recording]:
    """Read one ``EEG_preprocessed/<subject>.mat`` file: one recording per trial.

    Parameters
    ----------
    path : path-like
        The subject file (``1.mat`` ... ``20.mat``).
    unit : {"uV", "V"}
        Unit of the values in the file (µV in the official pipeline); data are returned in V.
    n_trials_per_session : int | None
        Clips read per session (``1..n`` of each); default all 20.

    Returns
    -------
    list of Recording
        In trial order; each (62, n_times) float64 volts at 200 Hz with the SEED channel
        names (type ``eeg``), ``subject`` the file number, ``session`` ``"1"``..``"4"``, and
        ``meta`` with ``label`` (a name of :data:`SEED_VII_CLASSES`), ``trial``
        (``"<subject>/s<session>/t<clip:02d>"``), ``record`` (``"<subject>/<key>"``),
        ``key``, ``clip``, ``path`` and ``dataset``.
    """
    path = Path(path)
    match = _SUBJECT_FILE.match(path.name)
    if match is None:
        raise ValueError(f"{path}: a SEED-VII EEG_preprocessed file is named <subject>.mat "
                         "(1.mat ... 20.mat).")
    scale = unit_scale(unit)
    shapes = mat_variables(path)
    present = {int(k) for k in shapes if k.isdigit()}
    keys = _expected_keys(path, present, n_trials_per_session)
    for k in keys:
        check_eeg_shape(path, str(k), shapes[str(k)])
    data = load_mat(path, [str(k) for k in keys])
    subject = str(int(match.group(1)))
    recs = []
    for k in keys:
        session, clip = (k - 1) // _N_CLIPS + 1, (k - 1) % _N_CLIPS + 1
        trial = f"{subject}/s{session}/t{clip:02d}"
        meta: dict[str, Any] = {"label": seed_vii_label(k), "trial": trial,
                                "record": f"{subject}/{k}", "key": str(k), "clip": clip,
                                "path": str(path), "dataset": "seed-vii",
                                "units_in_file": unit}
        x = np.asarray(data.pop(str(k)), dtype=np.float64) * scale  # frees the file copy
        recs.append(Recording(x, SEED_SFREQ, list(SEED_CHANNELS), ["eeg"] * len(SEED_CHANNELS),
                              subject=subject, session=str(session), meta=meta))
    return recs


def _find(root: str | os.PathLike[str], folder_name: str, subjects: list[int] | None,
          what: str) -> list[Path]:
    root = Path(root)
    if not root.exists():
        raise FileNotFoundError(f"SEED-VII data root not found: {root}")
    if root.is_file():
        return [root]
    folder = root / folder_name if (root / folder_name).is_dir() else root
    found = {int(m.group(1)): p for p in folder.iterdir()
             if p.is_file() and (m := _SUBJECT_FILE.match(p.name))}
    if not found:
        raise ValueError(f"{folder}: no SEED-VII {what} files found; expected "
                         f"{folder_name}/1.mat ... 20.mat (one MAT file per subject) under the "
                         "dataset root.")
    wanted = subjects if subjects is not None else list(range(1, max(found) + 1))
    missing = [s for s in wanted if s not in found]
    if missing:
        raise FileNotFoundError(
            f"SEED-VII subject file(s) not found: {folder / f'{missing[0]}.mat'}"
            f"{f' (and {len(missing) - 1} more)' if len(missing) > 1 else ''}; subjects are "
            "numbered from 1 without gaps. Restore the file, or list the subjects to read "
            "with subjects=[...] (data.kwargs.subjects)."
        )
    return sorted((found[s] for s in wanted), key=natural_key)


@DATASETS.register("seed-vii")
class SEEDVII(Dataset):
    """SEED-VII preprocessed EEG: one recording per trial, 7 emotion classes.

    Parameters
    ----------
    subjects : list of int | None
        Subject numbers to read; default every ``<n>.mat`` from 1 to the largest found
        (a gap is an error).
    unit : {"uV", "V"}
        Unit of the values in the files.
    n_trials_per_session : int | None
        Clips read per session; default 20 (all).
    """

    modality = "eeg"
    classes = SEED_VII_CLASSES

    def __init__(self, *, subjects: list[int] | None = None, unit: str = "uV",
                 n_trials_per_session: int | None = None) -> None:
        self.subjects = None if subjects is None else [check_int(s, "subjects[i]", min_value=1)
                                                       for s in subjects]
        self.unit = check_option(unit, ("uV", "V"), "unit")
        self.n_trials_per_session = None if n_trials_per_session is None else check_int(
            n_trials_per_session, "n_trials_per_session", min_value=1)

    def find(self, root: str | os.PathLike[str]) -> list[Path]:
        """The subject files under ``root``.

        Parameters
        ----------
        root : path-like
            The dataset root holding ``EEG_preprocessed/``, that folder, or one file.

        Returns
        -------
        list of Path
            ``<subject>.mat`` files, sorted naturally.
        """
        return _find(root, "EEG_preprocessed", self.subjects, "EEG_preprocessed")

    def read(self, path: str | os.PathLike[str]) -> list[Recording]:
        """Read one subject file with :func:`read_seed_vii`.

        Parameters
        ----------
        path : path-like
            ``EEG_preprocessed/<subject>.mat``.

        Returns
        -------
        list of Recording
            One per trial.
        """
        return read_seed_vii(path, unit=self.unit,
                             n_trials_per_session=self.n_trials_per_session)

    @classmethod
    def make_fake(cls, out_dir: str | os.PathLike[str], **kwargs: Any) -> Path:
        """Write a tiny fake dataset with :func:`make_fake_seed_vii`.

        Parameters
        ----------
        out_dir : path-like
            Folder to write into.
        **kwargs
            Passed to :func:`make_fake_seed_vii`.

        Returns
        -------
        Path
            The dataset root.
        """
        return make_fake_seed_vii(out_dir, **kwargs)


@DATASETS.register("seed-vii-de")
class SEEDVIIDE(SeedFeatures):
    """SEED-VII DE/PSD features (``EEG_features/<subject>.mat``) as ``{"de": (n, 62, L, 5)}``.

    The feature window length is inferred per file from the matching
    ``EEG_preprocessed/<subject>.mat`` (samples / 200 / windows, rounded to whole seconds)
    when that file is present, else 4 s (the official extractor; DATA_FORMATS §1.4 notes that
    one third-party document says 1 s). Only ``de_LDS``, ``de`` and ``psd`` exist.

    Parameters
    ----------
    feature : {"de_LDS", "de", "psd_LDS", "psd"}
        Which feature to read.
    seq_len : int
        Consecutive feature windows per sample.
    step : int | None
        Hop between samples, in feature windows (default ``seq_len``).
    window_s : float | None
        Feature window length in seconds (default inferred, see above).
    n_trials_per_session : int | None
        Clips read per session; default 20.
    subjects : list of int | None
        Subject numbers to read (default all, without gaps).
    """

    classes = SEED_VII_CLASSES
    name = "seed-vii-de"

    def __init__(self, *, feature: str = "de_LDS", seq_len: int = 8, step: int | None = None,
                 window_s: float | None = None, n_trials_per_session: int | None = None,
                 subjects: list[int] | None = None) -> None:
        super().__init__(feature=feature, seq_len=seq_len, step=step, window_s=window_s,
                         n_trials_per_session=n_trials_per_session)
        self.subjects = None if subjects is None else [check_int(s, "subjects[i]", min_value=1)
                                                       for s in subjects]

    def find(self, root: str | os.PathLike[str]) -> list[Path]:
        """The feature files under ``root``.

        Parameters
        ----------
        root : path-like
            The dataset root holding ``EEG_features/``, that folder, or one file.

        Returns
        -------
        list of Path
            ``<subject>.mat`` files, sorted naturally.
        """
        return _find(root, "EEG_features", self.subjects, "EEG_features")

    def _window_s(self, path: Path, key: int, n_windows: int) -> float:
        if self.window_s is not None:
            return self.window_s
        eeg = path.parent.parent / "EEG_preprocessed" / path.name
        if eeg.is_file():
            shape = mat_variables(eeg).get(str(key))
            if shape is not None and len(shape) == 2 and n_windows > 0:
                ratio = shape[1] / SEED_SFREQ / n_windows
                return float(max(1, round(ratio)))
        logger.info("%s: no matching EEG_preprocessed file; feature windows taken as 4 s", path)
        return 4.0

    def trials(self, path: Path) -> tuple[list[FeatureTrial], float]:
        """The feature trials of one subject file and the feature window length.

        Parameters
        ----------
        path : Path
            ``EEG_features/<subject>.mat``.

        Returns
        -------
        trials : list of FeatureTrial
            One per trial, features as (62, n_windows, 5).
        window_s : float
            Feature window length in seconds.
        """
        match = _SUBJECT_FILE.match(path.name)
        if match is None:
            raise ValueError(f"{path}: a SEED-VII EEG_features file is named <subject>.mat.")
        shapes = mat_variables(path)
        pattern = re.compile(rf"^{re.escape(self.feature)}_(\d+)$")
        present = {int(m.group(1)) for k in shapes if (m := pattern.match(k))}
        if not present:
            kinds = sorted({k.rsplit("_", 1)[0] for k in shapes if "_" in k})
            raise ValueError(f"{path}: no {self.feature}_<k> keys; this file holds {kinds}. "
                             f"Choose feature= one of them (SEED-VII has de_LDS, de, psd).")
        keys = _expected_keys(path, present, self.n_trials_per_session)
        data = load_mat(path, [f"{self.feature}_{k}" for k in keys])
        subject = str(int(match.group(1)))
        out = []
        for k in keys:
            name = f"{self.feature}_{k}"
            feats = check_feature_shape(path, name, data[name], "wbc")
            session, clip = (k - 1) // _N_CLIPS + 1, (k - 1) % _N_CLIPS + 1
            out.append(FeatureTrial(subject, str(session), f"{subject}/s{session}/t{clip:02d}",
                                    f"{subject}/{k}",
                                    SEED_VII_CLASSES.index(seed_vii_label(k)), feats))
        return out, self._window_s(path, keys[0], out[0].features.shape[1])

    @classmethod
    def make_fake(cls, out_dir: str | os.PathLike[str], **kwargs: Any) -> Path:
        """Write a tiny fake dataset (EEG and features) with :func:`make_fake_seed_vii`.

        Parameters
        ----------
        out_dir : path-like
            Folder to write into.
        **kwargs
            Passed to :func:`make_fake_seed_vii`.

        Returns
        -------
        Path
            The dataset root.
        """
        return make_fake_seed_vii(out_dir, **kwargs)
