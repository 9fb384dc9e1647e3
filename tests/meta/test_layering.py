"""Import direction (no module imports a downstream stage) and banned global RNG calls."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "mindstate"

# Upstream → downstream. Base modules (rank 0) may be imported from anywhere.
ORDER = [
    {"exceptions", "_validation", "_util", "registry", "runs", "__init__"},
    {"io"}, {"simulate"}, {"preprocess"}, {"features"}, {"data"}, {"models"}, {"train"},
    {"evaluate"}, {"uncertainty"}, {"tasks"}, {"predictor"}, {"estimators"},
    {"explain"}, {"export"}, {"stream"},
    {"serve"}, {"report", "visuals", "pretrained"}, {"config"}, {"experiment"}, {"hpo"},
    {"demo"}, {"bench"}, {"cli"},
]
RANK = {name: i for i, group in enumerate(ORDER) for name in group}


def _stage(module_parts: list[str]) -> str:
    return module_parts[0].removesuffix(".py")


def _modules():
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        yield path, list(rel.parts)


def _lazy_nodes(tree: ast.AST) -> set[int]:
    """Nodes inside a module-level ``__getattr__`` (PEP 562 lazy attributes of the package)."""
    lazy: set[int] = set()
    for fn in getattr(tree, "body", []):
        if isinstance(fn, ast.FunctionDef) and fn.name == "__getattr__":
            lazy.update(id(n) for n in ast.walk(fn))
    return lazy


def _imported_stages(path: Path, parts: list[str]):
    tree = ast.parse(path.read_text())
    pkg = parts[:-1]
    lazy = _lazy_nodes(tree) if parts == ["__init__.py"] else set()
    for node in ast.walk(tree):
        if id(node) in lazy:
            continue
        targets: list[list[str]] = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg[: len(pkg) - (node.level - 1)] if node.level > 1 else pkg
                mod = node.module.split(".") if node.module else []
                full = base + mod
                if full:
                    targets.append(full)
                else:
                    targets.extend([[a.name] for a in node.names])
            elif node.module and node.module.startswith("mindstate."):
                targets.append(node.module.split(".")[1:])
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("mindstate."):
                    targets.append(a.name.split(".")[1:])
        for t in targets:
            if t:
                yield t[0], node.lineno


def test_every_stage_is_ranked():
    stages = {_stage(p) for _, p in _modules()}
    assert stages - set(RANK) == set(), f"add these to ORDER: {stages - set(RANK)}"


@pytest.mark.parametrize("path,parts", list(_modules()), ids=lambda v: str(v)[-40:])
def test_imports_point_upstream(path, parts):
    own = _stage(parts)
    for target, line in _imported_stages(path, parts):
        if target not in RANK:
            continue
        assert RANK[target] == 0 or RANK[target] <= RANK[own], (
            f"{path.relative_to(SRC)}:{line} imports downstream stage {target!r} from {own!r}"
        )


BANNED = ("np.random.seed", "np.random.rand", "np.random.randn", "np.random.randint",
          "np.random.normal", "np.random.uniform", "np.random.choice", "np.random.shuffle",
          "np.random.permutation", "random.random(", "random.seed(", "random.choice(")


@pytest.mark.parametrize("path,parts", list(_modules()), ids=lambda v: str(v)[-40:])
def test_no_global_rng(path, parts):
    text = path.read_text()
    for bad in BANNED:
        assert bad not in text, f"{path.relative_to(SRC)} uses the global RNG ({bad})"


def test_layering_checker_catches_a_violation(tmp_path):
    bad = tmp_path / "io"
    bad.mkdir()
    f = bad / "x.py"
    f.write_text("from ..models import create_model\n")
    hits = list(_imported_stages(f, ["io", "x.py"]))
    assert hits == [("models", 1)] and RANK["models"] > RANK["io"]
