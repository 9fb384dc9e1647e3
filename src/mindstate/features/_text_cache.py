"""On-disk embedding cache of :func:`mindstate.features.text.encode_texts`.

One folder per encoder (named by :meth:`EncoderBackend.cache_key`) holding
``identity.json`` and ``shard-<sha1>.npz`` files of (SHA-1 of the text, embedding) pairs;
see the module docstring of :mod:`mindstate.features.text` for the layout and guarantees.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import describe
from ._text_backends import _CACHE_VERSION, EncoderBackend, _embed

__all__: list[str] = []

# the public module's logger, as before the cache moved here
logger = logging.getLogger("mindstate.features.text")

#: A cache folder with more shard files than this is compacted into one shard.
_MAX_SHARDS = 64


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
    backend: EncoderBackend, texts: list[str], cache_dir: Path, batch_size: int,
    max_shards: int = _MAX_SHARDS,
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
        if len(shards) + 1 > max_shards:
            _compact(folder, sorted(folder.glob("shard-*.npz")), backend.dim)
    return np.stack([found[h] for h in hashes]).astype(np.float32, copy=False)
