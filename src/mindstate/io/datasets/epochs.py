"""Your own epoched EEG: trials already cut, with class labels or continuous ratings.

One file, or a folder of files (one per subject or session, any mix of formats), in:

- **NPZ** (``.npz``, ``numpy.savez``) or **MAT** (``.mat``; MATLAB v5 read with scipy, v7.3
  read with h5py, whose arrays MATLAB stores transposed and are turned back here). The
  variables are:

  ==========  ============================================  ==================================
  name        shape                                         meaning
  ==========  ============================================  ==================================
  X           (n_trials, n_chans, n_times)                  the trials, in ``unit``
  y           (n_trials,) int or str                        class labels, **or**
  ratings     (n_trials,) or (n_trials, k) float            continuous targets (regression)
  sfreq       scalar                                        sampling rate in Hz (required,
                                                            unless given as ``sfreq=``)
  ch_names    (n_chans,) str                                optional (default EEG001 ...)
  subject     scalar or (n_trials,)                         optional (default the file stem)
  session     scalar or (n_trials,)                         optional
  unit        str: "V" (default), "mV", "uV"                optional
  ==========  ============================================  ==================================

  In MATLAB, strings are char arrays or cell arrays of char (``{'Fz', 'Cz'}``).
- **CSV** (``.csv``), long format: one row per sample of one trial. Columns ``epoch`` (the
  trial id) and ``time`` (seconds from the trial start, uniform steps; optional when
  ``sfreq=`` is given), then optional per-trial columns ``label`` (class) or ``rating`` /
  ``rating_<name>`` (targets), ``subject`` and ``session``, which must be constant within a
  trial; every other column is one EEG channel, named by its header, in volts unless
  ``unit=`` says otherwise. Every trial has the same number of rows.

:meth:`Epochs.read` returns one :class:`~mindstate.io.Recording` per trial.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..._validation import check_option, check_sfreq
from ..recording import Recording
from ._epochs_io import (
    EPOCH_FORMATS,
    UNITS,
    decode_labels,
    decode_ratings,
    label_values,
    load_arrays,
    load_csv,
    per_trial,
    scalar,
    strings,
)
from .base import DATASETS, Dataset, natural_key
from .epochs_fake import make_fake_epochs

__all__ = ["EPOCH_FORMATS", "Epochs", "make_fake_epochs", "read_epochs"]


def read_epochs(
    path: str | os.PathLike[str],
    *,
    sfreq: float | None = None,
    unit: str | None = None,
    classes: Sequence[str] | None = None,
    labelled: bool = True,
) -> list[Recording]:
    """Read one epochs file (NPZ, MAT v5/v7.3 or long CSV): one recording per trial.

    Parameters
    ----------
    path : path-like
        The file.
    sfreq : float | None
        Sampling rate in Hz when the file does not store one (a different stored value is
        an error).
    unit : {"V", "mV", "uV"} | None
        Unit of ``X`` when the file does not say (default volts).
    classes : sequence of str | None
        Class names: integer labels index them, string labels must be among them.
    labelled : bool
        False reads files without ``y``/``ratings`` (inference).

    Returns
    -------
    list of Recording
        (n_chans, n_times) float64 volts per trial; ``subject``/``session`` from the file;
        ``meta`` with ``label`` (class name or int) or ``target`` (ratings row), ``trial`` and
        ``record`` (``"<stem>/<index>"``), ``index``, ``path``, ``dataset``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"epochs file not found: {path}")
    ext = path.suffix.lower()
    if ext not in EPOCH_FORMATS:
        raise ValueError(f"epochs file {path}: unknown format {ext!r}; use one of "
                         f"{', '.join(EPOCH_FORMATS)}.")
    f = load_csv(path, sfreq) if ext == ".csv" else load_arrays(path)
    if "X" not in f:
        raise ValueError(f"epochs file {path}: no 'X' variable (n_trials, n_chans, n_times); "
                         f"found {sorted(f)}.")
    try:
        X = np.asarray(f["X"], dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"epochs file {path}: X is not numeric.") from exc
    if X.ndim != 3:
        raise ValueError(f"epochs file {path}: X must have shape (n_trials, n_chans, n_times); "
                         f"got {X.shape}. For one trial use X[np.newaxis].")
    n, n_chans = X.shape[0], X.shape[1]
    stored = f.get("sfreq")
    stored = None if stored is None else float(scalar(stored, "sfreq", path))
    if stored is not None and sfreq is not None and abs(stored - float(sfreq)) > 1e-6:
        raise ValueError(f"epochs file {path}: the file says sfreq={stored:g} Hz but "
                         f"sfreq={float(sfreq):g} was given; drop one.")
    rate = stored if stored is not None else sfreq
    if rate is None:
        raise ValueError(f"epochs file {path}: no sampling rate: store a scalar 'sfreq' (Hz) in "
                         "the file (or a 'time' column in a CSV) or pass sfreq=... "
                         "(data.kwargs.sfreq).")
    rate = check_sfreq(rate, f"epochs file {path}: sfreq")
    file_unit = scalar(f["unit"], "unit", path) if "unit" in f else None
    if file_unit is not None and unit is not None and file_unit != unit:
        raise ValueError(f"epochs file {path}: the file says unit={file_unit!r} but "
                         f"unit={unit!r} was given; drop one.")
    scale = UNITS[check_option(file_unit or unit or "V", tuple(UNITS), f"{path}: unit")]
    ch_names = (strings(f["ch_names"]) if "ch_names" in f
                else [f"EEG{i + 1:03d}" for i in range(n_chans)])
    if len(ch_names) != n_chans:
        raise ValueError(f"epochs file {path}: ch_names has {len(ch_names)} names but X has "
                         f"{n_chans} channels.")
    labels = decode_labels(f["y"], n, path) if "y" in f else None
    ratings = decode_ratings(f["ratings"], n, path) if "ratings" in f and labels is None else None
    if labelled and labels is None and ratings is None:
        raise ValueError(f"epochs file {path}: no labels: store 'y' (one class label per "
                         "trial) or 'ratings' (n_trials,) or (n_trials, k).")
    if labels is not None and classes is not None:
        names = list(classes)
        for lab in labels:
            if isinstance(lab, int) and not 0 <= lab < len(names):
                raise ValueError(f"epochs file {path}: label index {lab} is outside the "
                                 f"{len(names)} classes {names}.")
            if isinstance(lab, str) and lab not in names:
                raise ValueError(f"epochs file {path}: label {lab!r} is not one of the classes "
                                 f"{names}; add it to classes= or fix the file.")
        labels = [names[lab] if isinstance(lab, int) else lab for lab in labels]
    subjects = per_trial(f["subject"], "subject", n, path) if "subject" in f else [path.stem] * n
    sessions = per_trial(f["session"], "session", n, path) if "session" in f else [None] * n
    ids = f.get("epoch") or [str(i) for i in range(n)]
    recs = []
    for i in range(n):
        meta: dict[str, Any] = {"trial": f"{path.stem}/{ids[i]}", "record": f"{path.stem}/{ids[i]}",
                                "index": i, "path": str(path), "dataset": "epochs"}
        if labels is not None:
            meta["label"] = labels[i]
        elif ratings is not None:
            meta["target"] = ratings[i].copy()
        recs.append(Recording(X[i] * scale, rate, list(ch_names), subject=subjects[i],
                              session=sessions[i], meta=meta))
    return recs


# ---------------------------------------------------------------------------- dataset
def _find(root: Path) -> list[Path]:
    if not root.exists():
        raise FileNotFoundError(f"epochs data not found: {root}")
    if root.is_file():
        return [root]
    files = [p for p in root.iterdir() if p.is_file() and p.suffix.lower() in EPOCH_FORMATS]
    if not files:
        raise ValueError(f"{root}: no epochs files found; expected .npz, .mat or .csv files "
                         "(one per subject or session) directly in this folder.")
    return sorted(files, key=natural_key)


@DATASETS.register("epochs")
class Epochs(Dataset):
    """Any lab's epoched EEG (NPZ, MAT v5/v7.3, long CSV); see :mod:`.epochs` for the layout.

    Parameters
    ----------
    classes : list of str | None
        Class names in index order; default the sorted unique string labels of the files
        found (integer labels are used as given).
    sfreq : float | None
        Sampling rate in Hz for files that do not store one.
    unit : {"V", "mV", "uV"} | None
        Unit of ``X`` for files that do not say (default volts).
    """

    modality = "eeg"

    def __init__(self, *, classes: Sequence[str] | None = None, sfreq: float | None = None,
                 unit: str | None = None) -> None:
        self.classes = None if classes is None else tuple(str(c) for c in classes)  # type: ignore[misc]
        self.sfreq = None if sfreq is None else check_sfreq(sfreq)
        self.unit = None if unit is None else check_option(unit, tuple(UNITS), "unit")
        self._given = classes is not None

    def find(self, root: str | os.PathLike[str]) -> list[Path]:
        """Every epochs file in ``root`` (or ``root`` itself); infers the classes.

        Parameters
        ----------
        root : path-like
            A file or a folder of ``.npz``/``.mat``/``.csv`` files.

        Returns
        -------
        list of Path
            The files, sorted naturally.
        """
        paths = _find(Path(root))
        if not self._given:
            names = sorted({v for p in paths for v in label_values(p)})
            self.classes = tuple(names) if names else None  # type: ignore[misc]
        return paths

    def read(self, path: str | os.PathLike[str]) -> list[Recording]:
        """Read one file with :func:`read_epochs`.

        Parameters
        ----------
        path : path-like
            The file.

        Returns
        -------
        list of Recording
            One per trial.
        """
        return read_epochs(path, sfreq=self.sfreq, unit=self.unit, classes=self.classes)

    def read_unlabelled(self, path: str | os.PathLike[str]) -> list[Recording]:
        """Read one file for inference (labels not needed).

        Parameters
        ----------
        path : path-like
            The file.

        Returns
        -------
        list of Recording
            One per trial.
        """
        return read_epochs(path, sfreq=self.sfreq, unit=self.unit, labelled=False)

    @classmethod
    def make_fake(cls, out_dir: str | os.PathLike[str], **kwargs: Any) -> Path:
        """Write tiny epochs files with :func:`make_fake_epochs`.

        Parameters
        ----------
        out_dir : path-like
            Folder to write into.
        **kwargs
            Passed to :func:`make_fake_epochs`.

        Returns
        -------
        Path
            The folder.
        """
        return make_fake_epochs(out_dir, **kwargs)
