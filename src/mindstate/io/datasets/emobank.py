"""EmoBank as a registered dataset (text, V/A/D regression), with a fake-corpus writer."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..._validation import check_int
from ...exceptions import ReaderError
from ..emobank import read_emobank
from ..recording import TextCorpus
from .base import DATASETS, Dataset

__all__ = ["EmoBank", "make_fake_emobank"]

_FILE = "emobank.csv"


@DATASETS.register("emobank")
class EmoBank(Dataset):
    """EmoBank sentences with Valence/Arousal/Dominance targets (regression, no classes).

    ``find(root)`` returns ``[root / "emobank.csv"]`` for a folder, or ``[root]`` for the
    file itself; ``read(path)`` is :func:`~mindstate.io.read_emobank`.
    """

    modality = "text"
    classes = None

    def find(self, root: str | os.PathLike[str]) -> list[Path]:
        """The corpus file: ``root/emobank.csv``, or ``root`` itself.

        Parameters
        ----------
        root : path-like
            The folder holding ``emobank.csv``, or the file.

        Returns
        -------
        list of Path
            The records, sorted naturally (``S2`` before ``S10``).
        """
        root = Path(root)
        if not root.exists():
            raise FileNotFoundError(f"EmoBank data root not found: {root}")
        if root.is_file():
            return [root]
        path = root / _FILE
        if not path.is_file():
            raise ValueError(f"{root}: no {_FILE} in this folder; point the data root at the "
                             "folder holding emobank.csv or at the file itself.")
        return [path]

    def read(self, path: str | os.PathLike[str]) -> TextCorpus:
        """Read the corpus with :func:`~mindstate.io.read_emobank`.

        Parameters
        ----------
        path : path-like
            The CSV file.

        Returns
        -------
        TextCorpus
            See :func:`~mindstate.io.read_emobank`.
        """
        return read_emobank(path)

    def read_unlabelled(self, path: str | os.PathLike[str]) -> TextCorpus:
        """Read sentences for inference: a CSV with a ``text`` column (``id`` optional).

        V/A/D columns are not needed (and are ignored); the literal sentence ``"None"`` stays
        text.

        Parameters
        ----------
        path : path-like
            The CSV file.

        Returns
        -------
        TextCorpus
            The sentences, without targets.
        """
        import pandas as pd

        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"text file not found: {path}")
        try:
            df = pd.read_csv(path, keep_default_na=False, dtype=str)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise ReaderError(f"{path}: not a readable UTF-8 CSV ({exc}).") from exc
        if "text" not in df.columns:
            raise ReaderError(f"{path}: no 'text' column (columns: {', '.join(df.columns)}).")
        ids = df["id"].tolist() if "id" in df.columns else [str(i) for i in range(len(df))]
        return TextCorpus(texts=df["text"].tolist(), ids=ids, meta={"path": str(path)})

    @classmethod
    def make_fake(cls, out_dir: str | os.PathLike[str], **kwargs: Any) -> Path:
        """Write a tiny fake corpus with :func:`make_fake_emobank`.

        Parameters
        ----------
        out_dir : path-like
            Folder to write into.
        **kwargs
            Passed to :func:`make_fake_emobank`.

        Returns
        -------
        Path
            The dataset root.
        """
        return make_fake_emobank(out_dir, **kwargs)


_POSITIVE = ("wonderful", "happy", "delighted", "great", "lovely", "glad")
_NEGATIVE = ("terrible", "sad", "awful", "angry", "miserable", "afraid")
_AROUSING = ("suddenly", "screaming", "explosive", "urgent", "thrilling")
_CALM = ("quietly", "slowly", "calm", "gentle", "peaceful")
_NEUTRAL = ("the", "report", "was", "about", "a", "meeting", "on", "Tuesday", "and", "it",
            "seemed", "letter", "house", "city", "walk")


def make_fake_emobank(
    out_dir: str | os.PathLike[str],
    n: int = 40,
    random_state: int = 0,
    *,
    overwrite: bool = False,
) -> Path:
    """Write a tiny ``emobank.csv`` in the real layout (``id, split, V, A, D, text``).

    Sentences mix neutral words with positive/negative and arousing/calm words; V rises
    with positive words, A with arousing ones and D loosely with V (as in EmoBank,
    r(V, D) ≈ 0.4), all on the 1-5 scale rounded to 2 decimals. One item's text is the
    literal string ``"None"`` (the real corpus's gotcha) and one contains a comma and
    quotes. Splits: about 80 % train, 10 % dev, 10 % test.

    Parameters
    ----------
    out_dir : path-like
        Folder to write into (created if needed).
    n : int
        Number of sentences (at least 3).
    random_state : int
        Seed.
    overwrite : bool
        Replace an existing ``emobank.csv``.

    Returns
    -------
    Path
        ``out_dir``.
    """
    import pandas as pd

    n = check_int(n, "n", min_value=3)
    out = Path(out_dir)
    path = out / _FILE
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it.")
    rng = np.random.default_rng(random_state)
    rows = []
    for i in range(n):
        n_pos, n_neg = rng.integers(0, 3, size=2)
        n_aro, n_calm = rng.integers(0, 3, size=2)
        words = list(rng.choice(_NEUTRAL, size=int(rng.integers(4, 9))))
        words += list(rng.choice(_POSITIVE, size=n_pos)) + list(rng.choice(_NEGATIVE, size=n_neg))
        words += list(rng.choice(_AROUSING, size=n_aro)) + list(rng.choice(_CALM, size=n_calm))
        rng.shuffle(words)
        text = " ".join(str(w) for w in words).capitalize() + "."
        v = 3.0 + 0.35 * (n_pos - n_neg) + 0.1 * rng.standard_normal()
        a = 3.0 + 0.25 * (n_aro - n_calm) + 0.1 * rng.standard_normal()
        d = 3.0 + 0.4 * (v - 3.0) + 0.1 * rng.standard_normal()
        split = "train" if i % 10 < 8 else ("dev" if i % 10 == 8 else "test")
        rows.append({"id": f"fake_doc{i // 5}_{100 * i}_{100 * i + len(text)}",
                     "split": split, "V": v, "A": a, "D": d, "text": text})
    rows[1]["text"] = "None"
    rows[2]["text"] = 'She said, "fine, then" and left.'
    df = pd.DataFrame(rows, columns=["id", "split", "V", "A", "D", "text"])
    for col in ("V", "A", "D"):
        df[col] = df[col].clip(1.0, 5.0).round(2)
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False)
    return out
