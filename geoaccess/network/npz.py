"""The ``.npz`` file of a built network: written atomically, every load validated.

The arrays go to a temporary file in the target folder, then :func:`os.replace`; a load checks the
format version, a SHA-256 checksum of the arrays, the CSR structure, the dtypes, the edge shapes and
the turn restrictions, and raises :class:`~geoaccess.errors.CacheError` for a file that fails any.
:meth:`Network.to_npz <geoaccess.network.graph.Network.to_npz>` / ``from_npz`` and the network cache
(:mod:`geoaccess.network.cache`) use these functions.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.errors import CacheError
from geoaccess.network.turns import check_turns, turns_from_arrays, turns_to_arrays

if TYPE_CHECKING:
    from geoaccess.network.graph import Network

__all__ = ["FORMAT_VERSION", "invalid_file", "json_default", "read_npz", "save_npz"]

FORMAT_VERSION = 1
"""Version of the ``.npz`` layout; part of every cache key."""

_ARRAYS = ("indptr", "indices", "seconds", "metres", "way_id", "flags", "x", "y", "node_id")
_DTYPES = {
    "indptr": np.int32,
    "indices": np.int32,
    "seconds": np.float64,
    "metres": np.float64,
    "way_id": np.int64,
    "flags": np.uint8,
    "x": np.float64,
    "y": np.float64,
    "node_id": np.int64,
}


def json_default(obj: Any) -> Any:
    """JSON for numpy scalars and arrays and paths (the header's and the cache key's ``default=``)."""
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    return str(obj)


def save_npz(net: Network, path: str | os.PathLike[str]) -> Path:
    """Write a network to a compressed ``.npz`` file, atomically.

    The arrays go to a temporary file in the target folder, which then replaces
    ``path`` with :func:`os.replace`; a crash never leaves a half-written file
    under the final name. A SHA-256 checksum of the arrays is stored and checked
    by :func:`read_npz`.

    Parameters
    ----------
    net
        The network.
    path
        Target file (``.npz``); its folder must exist.

    Returns
    -------
    pathlib.Path
        The written path.

    Raises
    ------
    OSError
        The folder cannot be written (read-only, full, ...); nothing is left behind.
    """
    path = Path(path)
    arrays: dict[str, np.ndarray] = {name: np.ascontiguousarray(getattr(net, name)) for name in _ARRAYS}
    if net.shape_ptr is not None and net.shape_xy is not None:
        arrays["shape_ptr"] = np.ascontiguousarray(net.shape_ptr, dtype=np.int64)
        arrays["shape_xy"] = np.ascontiguousarray(net.shape_xy, dtype=np.float64).reshape(-1, 2)
    if net.turns is not None:
        arrays.update(turns_to_arrays(net.turns))
    header = {
        "format_version": FORMAT_VERSION,
        "crs": net.crs,
        "mode": net.mode,
        "checksum": _checksum(arrays),
        "meta": net.meta,
    }
    arrays["header"] = np.frombuffer(json.dumps(header, default=json_default).encode("utf-8"), dtype=np.uint8)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez_compressed(fh, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _checksum(arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = arrays[name]
        h.update(name.encode())
        h.update(str(a.dtype).encode())
        h.update(str(a.shape).encode())
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def invalid_file(path: str | os.PathLike[str], reason: str) -> CacheError:
    """The one error of a file that is not a valid network: names the file, the reason and what to do."""
    return CacheError(f"Network file {path} is not a valid geoaccess network ({reason}); delete it and rebuild.")


def read_npz(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and validate a network file: the keyword arguments of :class:`~geoaccess.network.graph.Network`.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    CacheError
        The file is truncated, corrupt, of another format version, or its arrays are
        inconsistent (checksum, CSR structure, dtypes, turn restrictions). Delete it and rebuild.
    """
    path = Path(path)
    if not path.is_file():
        msg = f"Network file {path} does not exist."
        raise FileNotFoundError(msg)

    def bad(reason: str) -> CacheError:
        return invalid_file(path, reason)

    if not zipfile.is_zipfile(path):
        raise bad("not an .npz (zip) file; truncated or another format")
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise bad(f"unreadable: {exc}") from None
    if "header" not in data:
        raise bad("no header")
    try:
        header = json.loads(data.pop("header").tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise bad(f"header is not JSON: {exc}") from None
    if header.get("format_version") != FORMAT_VERSION:
        raise bad(f"format version {header.get('format_version')!r}, expected {FORMAT_VERSION}")
    missing = [k for k in _ARRAYS if k not in data]
    if missing:
        raise bad(f"missing arrays {missing}")
    if _checksum(data) != header.get("checksum"):
        raise bad("checksum mismatch")
    for name, dt in _DTYPES.items():
        if data[name].dtype != dt or data[name].ndim != 1:
            raise bad(f"array {name} has dtype {data[name].dtype} and {data[name].ndim} dimensions")
    indptr, indices = data["indptr"], data["indices"]
    n = len(indptr) - 1
    if n < 0 or indptr[0] != 0 or np.any(np.diff(indptr) < 0):
        raise bad("CSR row pointer is not monotone from 0")
    if len(indices) and (indices.min() < 0 or indices.max() >= n):
        raise bad("edge heads outside the node range")
    shape_ptr = data.get("shape_ptr")
    shape_xy = data.get("shape_xy")
    if shape_ptr is not None and (
        shape_xy is None or shape_ptr[0] != 0 or shape_ptr[-1] != len(shape_xy) or np.any(np.diff(shape_ptr) < 0)
    ):
        raise bad("edge shapes are inconsistent")
    try:
        turns = turns_from_arrays(data)
    except (ValueError, KeyError) as exc:
        raise bad(str(exc)) from None
    if turns is not None:
        tails = np.repeat(np.arange(n, dtype=np.int32), np.diff(indptr))
        problems = check_turns(turns, n, len(indices), tails, indices)
        if problems:
            raise bad("; ".join(problems))
    return {
        **{k: data[k] for k in _ARRAYS},
        "crs": str(header["crs"]),
        "shape_ptr": shape_ptr,
        "shape_xy": shape_xy,
        "mode": str(header.get("mode", "car")),
        "meta": dict(header.get("meta") or {}),
        "turns": turns,
    }
