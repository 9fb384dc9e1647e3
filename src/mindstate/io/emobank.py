"""EmoBank reader: sentences with Valence / Arousal / Dominance ratings (1-5 SAM scale).

Reference: S. Buechel and U. Hahn, "EmoBank: Studying the Impact of Annotation Perspective
and Representation Format on Dimensional Emotion Analysis", EACL 2017.

File: ``emobank.csv`` with columns ``id, split, V, A, D, text``. One sentence is literally
the string ``None``; it is read with ``keep_default_na=False`` so that it stays text instead
of becoming NaN.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..exceptions import ReaderError
from .recording import TextCorpus

__all__ = ["EMOBANK_COLUMNS", "EMOBANK_TARGETS", "read_emobank"]

#: Columns ``read_emobank`` needs (``split`` is optional).
EMOBANK_COLUMNS = ("id", "V", "A", "D", "text")
#: Target columns, in order.
EMOBANK_TARGETS = ("V", "A", "D")


def read_emobank(path: str | os.PathLike[str]) -> TextCorpus:
    """Read ``emobank.csv`` into a :class:`~mindstate.io.TextCorpus`.

    Parameters
    ----------
    path : path-like
        The CSV file (columns ``id, split, V, A, D, text``; ``split`` may be absent).

    Returns
    -------
    TextCorpus
        ``texts`` (str; the sentence ``"None"`` stays a string), ``ids``, ``targets`` of
        shape (n_items, 3) holding V, A, D on the 1-5 scale, ``target_names``
        ``["V", "A", "D"]``, ``split`` (the file's split column or None) and
        ``meta["path"]``.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ReaderError
        If the file cannot be parsed as CSV, lacks a required column, has non-numeric or
        missing V/A/D values, or repeats an id. The message names the file.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"EmoBank file not found: {path}")
    try:
        df = pd.read_csv(path, keep_default_na=False, dtype=str)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ReaderError(f"{path}: not a readable EmoBank CSV file ({exc}).") from exc
    missing = [c for c in EMOBANK_COLUMNS if c not in df.columns]
    if missing:
        raise ReaderError(
            f"{path}: missing EmoBank column(s) {', '.join(missing)}; expected columns "
            f"{', '.join(('id', 'split') + EMOBANK_TARGETS + ('text',))}, got "
            f"{', '.join(map(str, df.columns))}."
        )
    targets = np.empty((len(df), len(EMOBANK_TARGETS)), dtype=np.float64)
    for j, name in enumerate(EMOBANK_TARGETS):
        values = pd.to_numeric(df[name].str.strip(), errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(values))
        if len(bad):
            rows = ", ".join(f"{df['id'].iloc[i]!r} ({df[name].iloc[i]!r})" for i in bad[:5])
            raise ReaderError(
                f"{path}: column {name!r} has {len(bad)} missing or non-numeric value(s), "
                f"e.g. id {rows}."
            )
        targets[:, j] = values
    ids = df["id"].tolist()
    dup = df["id"][df["id"].duplicated()].unique().tolist()
    if dup:
        raise ReaderError(f"{path}: ids must be unique; repeated: {', '.join(dup[:5])}.")
    split = df["split"].tolist() if "split" in df.columns else None
    return TextCorpus(
        texts=df["text"].tolist(), ids=ids, targets=targets,
        target_names=list(EMOBANK_TARGETS), split=split,
        meta={"path": str(path), "record": path.stem, "dataset": "emobank"},
    )
