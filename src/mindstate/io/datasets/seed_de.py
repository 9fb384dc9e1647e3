"""SEED and SEED-IV precomputed DE/PSD features as ``{"de": (n, 62, seq_len, 5)}`` samples.

On disk (``shared/reference/DATA_FORMATS.md`` §2.1-2.3; sources TorchEEG seed_feature.py,
XJTU-EEG/LibEER:LibEER/data_utils/load_data.py, fanb129/GLAE:dataset/SEED.md)::

    SEED/ExtractedFeatures/<subject>_<YYYYMMDD>.mat     de_LDS<k>, de_movingAve<k>, psd_LDS<k>,
                                                        psd_movingAve<k> (no underscore before
                                                        k), each (62, W, 5), 1-s windows
    SEED/ExtractedFeatures/label.mat                    'label' (1, 15)
    SEED-IV/eeg_feature_smooth/<1|2|3>/<same names>     the same keys, (62, W, 5), 4-s windows

``feature="de"``/``"psd"`` read the ``*_movingAve`` keys (SEED stores no unsmoothed DE).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._matfile import load_mat, mat_variables
from ._seed_common import FeatureTrial, SeedFeatures, check_feature_shape, feature_key_name
from .base import DATASETS
from .seed import (
    _FILE,
    SEED_CLASSES,
    SEED_IV_CLASSES,
    SEED_IV_LABELS,
    _find_seed,
    _find_seed_iv,
    _seed_labels,
    _seed_session,
    _trial_keys,
)
from .seed_fake import make_fake_seed, make_fake_seed_iv

__all__ = ["SEEDDE", "SEEDIVDE"]


def _feature_trials(ds: SeedFeatures, path: Path, n: int, labels: Sequence[int], offset: int,
                    session: str) -> list[FeatureTrial]:
    prefix = feature_key_name(ds.feature, "seed")
    shapes = mat_variables(path)
    keys = _trial_keys(path, list(shapes), re.compile(rf"^{re.escape(prefix)}(\d+)$"), n,
                       f"a {ds.name} feature file holds keys {prefix}1..{n}")
    data = load_mat(path, list(keys.values()))
    subject = str(int(path.name.split("_")[0]))
    return [FeatureTrial(subject, session, f"{subject}/s{session}/t{k:02d}",
                         f"{path.stem}/{key}", labels[k - 1] + offset,
                         check_feature_shape(path, key, data[key], "cwb"))
            for k, key in keys.items()]


@DATASETS.register("seed-de")
class SEEDDE(SeedFeatures):
    """SEED extracted features (``ExtractedFeatures/``; 1-s windows) as ``{"de": (n, 62, L, 5)}``.

    ``feature="de"``/``"psd"`` read the ``*_movingAve`` keys. A newer release's
    ``ExtractedFeatures_4s`` folder is read with 4-s windows.

    Parameters
    ----------
    feature : {"de_LDS", "de", "psd_LDS", "psd"}
        Which feature to read.
    seq_len : int
        Consecutive feature windows per sample.
    step : int | None
        Hop between samples, in feature windows (default ``seq_len``).
    window_s : float | None
        Feature window length in seconds (default 1, or 4 for ``ExtractedFeatures_4s``).
    n_trials_per_session : int | None
        Trials read per file; default 15.
    """

    classes = SEED_CLASSES
    name = "seed-de"

    def find(self, root: str | os.PathLike[str]) -> list[Path]:
        """The feature files under ``root`` (dataset root, the feature folder or a file).

        Parameters
        ----------
        root : path-like
            Where to look.

        Returns
        -------
        list of Path
            ``<subject>_<date>.mat`` files, sorted naturally.
        """
        return _find_seed(root, ["ExtractedFeatures", "ExtractedFeatures_1s",
                                 "ExtractedFeatures_4s"], "ExtractedFeatures")

    def trials(self, path: Path) -> tuple[list[FeatureTrial], float]:
        """The feature trials of one file and the feature window length.

        Parameters
        ----------
        path : Path
            A feature file.

        Returns
        -------
        trials : list of FeatureTrial
            One per trial.
        window_s : float
            Feature window length in seconds.
        """
        if _FILE.match(path.name) is None:
            raise ValueError(f"{path}: a SEED feature file is named <subject>_<YYYYMMDD>.mat.")
        labels, n = _seed_labels(path.parent, self.n_trials_per_session)
        window_s = self.window_s or (4.0 if path.parent.name.endswith("_4s") else 1.0)
        return _feature_trials(self, path, n, labels, 1, _seed_session(path)), window_s

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


@DATASETS.register("seed-iv-de")
class SEEDIVDE(SeedFeatures):
    """SEED-IV smoothed features (``eeg_feature_smooth/``; 4-s windows): ``{"de": (n, 62, L, 5)}``.

    Parameters
    ----------
    feature : {"de_LDS", "de", "psd_LDS", "psd"}
        Which feature to read (``de``/``psd`` are the ``*_movingAve`` keys).
    seq_len : int
        Consecutive feature windows per sample.
    step : int | None
        Hop between samples, in feature windows (default ``seq_len``).
    window_s : float | None
        Feature window length in seconds (default 4).
    n_trials_per_session : int | None
        Trials read per file; default 24.
    """

    classes = SEED_IV_CLASSES
    name = "seed-iv-de"

    def find(self, root: str | os.PathLike[str]) -> list[Path]:
        """The feature files under ``root`` (dataset root, ``eeg_feature_smooth/``, ...).

        Parameters
        ----------
        root : path-like
            Where to look.

        Returns
        -------
        list of Path
            Files by session, then subject.
        """
        return _find_seed_iv(root, "eeg_feature_smooth", "eeg_feature_smooth files")

    def trials(self, path: Path) -> tuple[list[FeatureTrial], float]:
        """The feature trials of one file and the feature window length.

        Parameters
        ----------
        path : Path
            ``eeg_feature_smooth/<session>/<subject>_<date>.mat``.

        Returns
        -------
        trials : list of FeatureTrial
            One per trial.
        window_s : float
            Feature window length in seconds.
        """
        session = path.parent.name
        if _FILE.match(path.name) is None or session not in ("1", "2", "3"):
            raise ValueError(f"{path}: a SEED-IV feature file is <session 1|2|3>/"
                             "<subject>_<YYYYMMDD>.mat.")
        n = self.n_trials_per_session or 24
        if n > 24:
            raise ValueError(f"{path}: label table mismatch: SEED-IV session {session} has 24 "
                             f"labelled trials; n_trials_per_session={n}.")
        return (_feature_trials(self, path, n, SEED_IV_LABELS[int(session)], 0, session),
                self.window_s or 4.0)

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
