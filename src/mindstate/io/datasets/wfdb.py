"""Folders of PhysioNet WFDB records (ECG, PPG, respiration) as a registered dataset."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..._validation import check_int
from ...exceptions import ReaderError
from ..recording import Recording
from ..wfdb import read_wfdb
from .base import DATASETS, Dataset, natural_key

__all__ = ["WFDB", "make_fake_wfdb"]


def _segment_names(header: Path) -> set[str]:
    """Names of the segment records listed by a multi-segment header (empty otherwise)."""
    import wfdb

    try:
        head = wfdb.rdheader(str(header.with_suffix("")))
    except Exception as exc:  # wfdb raises many types for malformed headers
        raise ReaderError(f"{header}: not a readable WFDB header ({type(exc).__name__}: "
                          f"{exc}).") from exc
    return {str(s) for s in (getattr(head, "seg_name", None) or []) if s and s != "~"}


@DATASETS.register("wfdb")
class WFDB(Dataset):
    """Any folder of WFDB records; ``read`` is :func:`~mindstate.io.read_wfdb`.

    Unlabelled (``classes`` None): beat and rhythm annotations come with each record.
    ``find`` lists every ``.hea`` record under ``root`` (recursively), leaving out the
    segments of multi-segment records, which are read through their master header.
    """

    modality = "physio"
    classes = None

    def find(self, root: str | os.PathLike[str]) -> list[Path]:
        """Every record header (``.hea``) under ``root`` (recursively), or ``root`` itself.

        Parameters
        ----------
        root : path-like
            A folder of records, a ``.hea`` file or a record path without extension.

        Returns
        -------
        list of Path
            The records, sorted naturally (``S2`` before ``S10``).
        """
        root = Path(root)
        if root.is_dir():
            headers = sorted(root.rglob("*.hea"), key=natural_key)
            if not headers:
                raise ValueError(f"{root}: no WFDB records (*.hea files) found.")
            segments: set[Path] = set()
            for h in headers:
                segments |= {h.parent / f"{s}.hea" for s in _segment_names(h)}
            return [h for h in headers if h not in segments]
        header = root if root.suffix.lower() == ".hea" else root.with_suffix(".hea")
        if not header.is_file():
            raise FileNotFoundError(f"WFDB data root not found: {root}")
        return [header]

    def read(self, path: str | os.PathLike[str]) -> Recording:
        """Read one record with :func:`~mindstate.io.read_wfdb`.

        Parameters
        ----------
        path : path-like
            A ``.hea`` file or a record path without extension.

        Returns
        -------
        Recording
            See :func:`~mindstate.io.read_wfdb`.
        """
        return read_wfdb(path)

    @classmethod
    def make_fake(cls, out_dir: str | os.PathLike[str], **kwargs: Any) -> Path:
        """Write tiny fake records with :func:`make_fake_wfdb`.

        Parameters
        ----------
        out_dir : path-like
            Folder to write into.
        **kwargs
            Passed to :func:`make_fake_wfdb`.

        Returns
        -------
        Path
            The dataset root.
        """
        return make_fake_wfdb(out_dir, **kwargs)


def _fake_ecg(rng: np.random.Generator, fs: float, duration: float,
              beats: np.ndarray, amp: float) -> np.ndarray:
    t = np.arange(int(round(duration * fs))) / fs
    x = np.zeros_like(t)
    for b in beats:
        x += amp * np.exp(-0.5 * ((t - b) / 0.01) ** 2)              # QRS, mV
        x -= 0.1 * amp * np.exp(-0.5 * ((t - b + 0.03) / 0.008) ** 2)  # Q
        x += 0.25 * amp * np.exp(-0.5 * ((t - b - 0.25) / 0.04) ** 2)  # T
        x += 0.1 * amp * np.exp(-0.5 * ((t - b + 0.17) / 0.025) ** 2)  # P
    return x + 0.01 * rng.standard_normal(len(t))


def make_fake_wfdb(
    out_dir: str | os.PathLike[str],
    duration_s: float = 10.0,
    random_state: int = 0,
    *,
    n_records: int = 2,
    overwrite: bool = False,
) -> Path:
    """Write tiny WFDB records (``wfdb.wrsamp``) with beat annotations (``wfdb.wrann``).

    Record ``fake01`` mirrors MIT-BIH 100: 360 Hz, leads ``MLII`` and ``V5`` in mV, a
    ~75 bpm synthetic ECG and a ``fake01.atr`` with an ``N`` per beat (one ``V``) and a
    leading ``+`` rhythm annotation. Record ``fake02`` mirrors the Challenge-2015 layout:
    250 Hz, ``II`` (mV), ``PLETH`` (NU) and ``RESP`` (NU), no annotation file. Further
    records (``n_records`` > 2) repeat the first kind.

    Parameters
    ----------
    out_dir : path-like
        Folder to write into (created if needed).
    duration_s : float
        Length of each record in seconds.
    random_state : int
        Seed.
    n_records : int
        Number of records (at least 1).
    overwrite : bool
        Replace existing records of the same names.

    Returns
    -------
    Path
        ``out_dir``.
    """
    import wfdb

    n_records = check_int(n_records, "n_records", min_value=1)
    out = Path(out_dir)
    names = [f"fake{i + 1:02d}" for i in range(n_records)]
    existing = [str(out / f"{n}{ext}") for n in names for ext in (".hea", ".dat", ".atr")
                if (out / f"{n}{ext}").exists()]
    if existing and not overwrite:
        raise FileExistsError(f"{', '.join(existing)} exist(s); pass overwrite=True.")
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(random_state)
    for i, name in enumerate(names):
        if i == 1:
            fs = 250.0
            beats = np.arange(rng.uniform(0.2, 0.6), duration_s - 0.3, 60.0 / 70.0)
            t = np.arange(int(round(duration_s * fs))) / fs
            ecg = _fake_ecg(rng, fs, duration_s, beats, 1.2)
            pleth = np.zeros_like(t)
            for b in beats + 0.25:  # pulse arrives ~250 ms after the R peak
                pleth += np.exp(-0.5 * ((t - b) / 0.08) ** 2)
            resp = np.sin(2 * np.pi * 0.25 * t) + 0.05 * rng.standard_normal(len(t))
            signal = np.column_stack([ecg, 2.0 + pleth, resp])
            wfdb.wrsamp(name, fs=fs, units=["mV", "NU", "NU"], sig_name=["II", "PLETH", "RESP"],
                        p_signal=signal, fmt=["16", "16", "16"],
                        comments=["Fake record", "Asystole", "False alarm"], write_dir=str(out))
            continue
        fs = 360.0
        beats = np.arange(rng.uniform(0.2, 0.6), duration_s - 0.3, 60.0 / 75.0)
        signal = np.column_stack([_fake_ecg(rng, fs, duration_s, beats, 1.5),
                                  _fake_ecg(rng, fs, duration_s, beats, 0.6)])
        wfdb.wrsamp(name, fs=fs, units=["mV", "mV"], sig_name=["MLII", "V5"], p_signal=signal,
                    fmt=["212", "212"], comments=["69 M fake", "synthetic"], write_dir=str(out))
        samples = np.round(beats * fs).astype(np.int64)
        symbols = ["N"] * len(samples)
        symbols[len(symbols) // 2] = "V"
        samples = np.concatenate([[max(0, int(samples[0]) - 20)], samples])
        symbols = ["+", *symbols]
        aux = ["(N"] + [""] * (len(symbols) - 1)
        wfdb.wrann(name, "atr", samples, symbol=symbols, aux_note=aux, fs=fs,
                   write_dir=str(out))
    return out
