"""MATLAB ``.mat`` access for the readers: v5 through scipy, v7.3 (HDF5) through h5py.

MATLAB v7.3 files are HDF5 files with a 512-byte user block. MATLAB stores arrays in
column-major order, so an array of MATLAB shape ``(a, b, c)`` appears in HDF5 (and in h5py)
with shape ``(c, b, a)``; :func:`load_mat` reverses the axes back. Character arrays are
``uint16`` code points (attribute ``MATLAB_class = "char"``), cell arrays are datasets of
object references into the ``#refs#`` group (``MATLAB_class = "cell"``).

The SEED family is released as v5 files (``shared/reference/DATA_FORMATS.md`` §1.8, §2.4); the
h5py path is a defensive fallback there and a supported format of the ``epochs`` reader.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ...exceptions import ReaderError

__all__: list[str] = []

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def is_mat73(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a MATLAB v7.3 (HDF5) file: the HDF5 signature at byte 0 or 512."""
    with open(path, "rb") as fh:
        head = fh.read(520)
    return head[:8] == _HDF5_SIGNATURE or head[512:520] == _HDF5_SIGNATURE


def _h5_value(f: Any, obj: Any) -> Any:
    """Decode one MATLAB v7.3 dataset (axes reversed to MATLAB order)."""
    import h5py

    cls = obj.attrs.get("MATLAB_class", b"")
    cls = cls.decode() if isinstance(cls, bytes) else str(cls)
    if obj.attrs.get("MATLAB_empty", 0):
        return np.zeros(0)
    raw = obj[()]
    if cls == "cell" or (isinstance(raw, np.ndarray) and raw.dtype == h5py.ref_dtype):
        flat = [_h5_value(f, f[ref]) for ref in np.asarray(raw).T.reshape(-1)]
        out = np.empty(len(flat), dtype=object)
        out[:] = flat
        return out.reshape(np.asarray(raw).T.shape)
    arr = np.asarray(raw).T
    if cls == "char":
        rows = np.atleast_2d(arr)
        strings = ["".join(chr(int(c)) for c in row) for row in rows]
        return strings[0] if len(strings) == 1 else np.array(strings, dtype=object)
    if cls == "logical":
        return arr.astype(bool)
    return arr


def _load_h5(path: Path, variable_names: Sequence[str] | None) -> dict[str, Any]:
    import h5py

    out: dict[str, Any] = {}
    try:
        with h5py.File(path, "r") as f:
            names = [k for k in f.keys() if not k.startswith("#")]
            for name in names if variable_names is None else variable_names:
                if name not in f:
                    continue
                obj = f[name]
                if isinstance(obj, h5py.Dataset):
                    out[name] = _h5_value(f, obj)
    except OSError as exc:
        raise ReaderError(f"{path}: not a readable MATLAB v7.3 (HDF5) file ({exc}).") from exc
    return out


def load_mat(path: str | os.PathLike[str],
             variable_names: Sequence[str] | None = None) -> dict[str, Any]:
    """The variables of a MATLAB file (v5 via scipy, v7.3 via h5py), header keys dropped.

    Parameters
    ----------
    path : path-like
        The ``.mat`` file.
    variable_names : sequence of str | None
        Load only these variables (absent names are skipped); ``None`` loads all.

    Returns
    -------
    dict of str to object
        Arrays in MATLAB axis order (no squeezing); v7.3 strings decoded to ``str``.
    """
    import scipy.io

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"MAT file not found: {path}")
    if is_mat73(path):
        return _load_h5(path, variable_names)
    try:
        data = scipy.io.loadmat(path, variable_names=None if variable_names is None
                                else list(variable_names))
    except NotImplementedError:  # a v7.3 file whose signature we did not see
        return _load_h5(path, variable_names)
    except (ValueError, TypeError, OSError) as exc:
        raise ReaderError(f"{path}: not a readable MATLAB .mat file ({exc}).") from exc
    return {k: v for k, v in data.items() if not k.startswith("__")}


def mat_variables(path: str | os.PathLike[str]) -> dict[str, tuple[int, ...]]:
    """Names and MATLAB shapes of the variables of a ``.mat`` file, without loading the data.

    Parameters
    ----------
    path : path-like
        The ``.mat`` file.

    Returns
    -------
    dict of str to tuple of int
        Variable name → shape.
    """
    import scipy.io

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"MAT file not found: {path}")
    if not is_mat73(path):
        try:
            return {name: tuple(int(s) for s in shape)
                    for name, shape, _ in scipy.io.whosmat(path)}
        except NotImplementedError:
            pass
        except (ValueError, TypeError, OSError) as exc:
            raise ReaderError(f"{path}: not a readable MATLAB .mat file ({exc}).") from exc
    import h5py

    try:
        with h5py.File(path, "r") as f:
            return {k: tuple(int(s) for s in f[k].shape[::-1]) for k in f.keys()
                    if not k.startswith("#") and isinstance(f[k], h5py.Dataset)}
    except OSError as exc:
        raise ReaderError(f"{path}: not a readable MATLAB v7.3 (HDF5) file ({exc}).") from exc


# ---------------------------------------------------------------------------- writing (fakes)
def _h5_write(f: Any, group: Any, name: str, value: Any) -> None:
    import h5py

    if isinstance(value, str):
        codes = np.array([[ord(c) for c in value]], dtype=np.uint16)   # MATLAB (1, n) char
        ds = group.create_dataset(name, data=codes.T)
        ds.attrs["MATLAB_class"] = np.bytes_("char")
        ds.attrs["MATLAB_int_decode"] = np.int32(2)
        return
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        refs_group = f.require_group("#refs#")
        refs = []
        for i, text in enumerate(value):
            key = f"{name}_{i}"
            _h5_write(f, refs_group, key, text)
            refs.append(refs_group[key].ref)
        ds = group.create_dataset(name, data=np.array([refs], dtype=h5py.ref_dtype).T)
        ds.attrs["MATLAB_class"] = np.bytes_("cell")                  # MATLAB (1, n) cell
        return
    arr = np.asarray(value)
    if arr.ndim < 2:
        arr = arr.reshape(1, -1)                                      # MATLAB row vector
    kinds = {"f": "double" if arr.dtype.itemsize == 8 else "single", "b": "logical"}
    cls = kinds.get(arr.dtype.kind, f"{'u' if arr.dtype.kind == 'u' else ''}int"
                    f"{8 * arr.dtype.itemsize}")
    ds = group.create_dataset(name, data=np.ascontiguousarray(arr.T))
    ds.attrs["MATLAB_class"] = np.bytes_(cls)


def save_mat73(path: str | os.PathLike[str], variables: Mapping[str, Any]) -> Path:
    """Write a MATLAB v7.3 file as MATLAB does (HDF5, transposed arrays, 128-byte header).

    Parameters
    ----------
    path : path-like
        The file to write (replaced).
    variables : mapping of str to object
        Numeric arrays (stored transposed), strings (``char``) and lists of strings (a
        ``1 x n`` cell array of ``char``).

    Returns
    -------
    Path
        ``path``.
    """
    import h5py

    path = Path(path)
    with h5py.File(path, "w", userblock_size=512) as f:
        for name, value in variables.items():
            _h5_write(f, f, name, value)
    text = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created by: mindstate HDF5 schema 1.00 ."
    header = text.ljust(116, b" ") + b"\x00" * 8 + b"\x00\x02" + b"IM"
    with open(path, "r+b") as fh:
        fh.write(header)
    return path
