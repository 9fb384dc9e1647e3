"""Public docstrings match their signatures (numpydoc.validate, as MNE does).

Every name in a module's ``__all__`` that is defined in that module must have a docstring
(GL08), document every parameter (PR01) and document no parameter it does not take (PR02).
Dataclass and NamedTuple fields count as parameters (the generated ``__init__`` takes them).
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from numpydoc.validate import validate

import mindstate

CHECKS = ("GL08", "PR01", "PR02")


def _public_objects() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(mindstate.__path__, "mindstate."):
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if getattr(obj, "__module__", None) == module.__name__:
                names.append(f"{module.__name__}.{name}")
    return sorted(names)


PUBLIC = _public_objects()


def test_public_objects_found():
    assert len(PUBLIC) > 100
    assert "mindstate.train.engine.fit" in PUBLIC
    assert "mindstate.io.recording.Recording" in PUBLIC


@pytest.mark.parametrize("qualname", PUBLIC)
def test_docstring(qualname: str):
    result = validate(qualname)
    errors = [f"{code}: {msg}" for code, msg in result["errors"] if code in CHECKS]
    assert not errors, f"{qualname}:\n" + "\n".join(errors)
