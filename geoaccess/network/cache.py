"""Saving, loading and caching built networks as ``.npz`` files.

A network is written atomically (temporary file in the same folder, then
:func:`os.replace`), and every load is validated: a truncated, corrupt or
inconsistent file is never trusted (turn restrictions, stored as ``turns_*`` arrays, must form
connected edge paths). :func:`load_npz` raises
:class:`~geoaccess.errors.CacheError` for such a file; :func:`load_cached` returns
``None`` so the caller rebuilds.

Cache entries live in ``geoaccess.datasets.cache_dir() / "networks"`` and are
named by :func:`network_cache_key`, which covers the SHA-256 of the input file,
the SHA-256 of the profile, the build options and the package version. A
read-only or full cache folder (``EACCES``, ``EPERM``, ``EROFS``, ``ENOSPC``,
``EDQUOT``) produces a warning naming the folder and what to do; the network is
still returned.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.errors import CacheError, CacheWarning
from geoaccess.network.turns import check_turns, turns_from_arrays, turns_to_arrays

if TYPE_CHECKING:
    from geoaccess.network.graph import Network

__all__ = [
    "FORMAT_VERSION",
    "load_cached",
    "load_npz",
    "network_cache_dir",
    "network_cache_key",
    "save_cached",
    "save_npz",
]

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
_WRITE_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT}


def _json_default(obj: Any) -> Any:
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
    by :func:`load_npz`.

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
    arrays["header"] = np.frombuffer(json.dumps(header, default=_json_default).encode("utf-8"), dtype=np.uint8)
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


def load_npz(path: str | os.PathLike[str]) -> Network:
    """Read and validate a network written by :func:`save_npz`.

    Parameters
    ----------
    path
        The ``.npz`` file.

    Returns
    -------
    Network

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    CacheError
        The file is truncated, corrupt, of another format version, or its arrays are
        inconsistent (checksum, CSR structure, dtypes). Delete it and rebuild.
    """
    from geoaccess.network.graph import Network

    path = Path(path)
    if not path.is_file():
        msg = f"Network file {path} does not exist."
        raise FileNotFoundError(msg)

    def bad(reason: str) -> CacheError:
        return CacheError(f"Network file {path} is not a valid geoaccess network ({reason}); delete it and rebuild.")

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
        net = Network(
            **{k: data[k] for k in _ARRAYS},
            crs=str(header["crs"]),
            shape_ptr=shape_ptr,
            shape_xy=shape_xy,
            mode=str(header.get("mode", "car")),
            meta=dict(header.get("meta") or {}),
            turns=turns,
        )
    except (ValueError, KeyError) as exc:
        raise bad(str(exc)) from None
    if turns is not None:
        problems = check_turns(turns, net.n_nodes, net.n_edges, net.tails, net.indices)
        if problems:
            raise bad("; ".join(problems))
    return net


def network_cache_key(*, source_sha256: str, profile_sha256: str, options: dict[str, Any]) -> str:
    """Cache key of a built network.

    Parameters
    ----------
    source_sha256
        SHA-256 of the input file (or of the query for Overpass sources).
    profile_sha256
        SHA-256 of the profile file or definition (``""`` when the reader has none).
    options
        Build options (mode, ferry wait, simplify, keep, reader options); must be JSON-serialisable
        after converting paths and numpy scalars to plain values.

    Returns
    -------
    str
        A 32-character hex key that changes with the source, the profile, the options, the package
        version (:data:`geoaccess.__version__`) and :data:`FORMAT_VERSION`.
    """
    from geoaccess import __version__

    payload = json.dumps(
        {
            "source": source_sha256,
            "profile": profile_sha256,
            "options": options,
            "version": __version__,
            "format": FORMAT_VERSION,
        },
        sort_keys=True,
        default=_json_default,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def network_cache_dir() -> Path:
    """Folder of cached networks: ``geoaccess.datasets.cache_dir() / "networks"``."""
    from geoaccess.datasets import cache_dir

    return cache_dir() / "networks"


def load_cached(key: str, *, folder: str | os.PathLike[str] | None = None) -> Network | None:
    """Return the cached network for ``key``, or ``None`` when absent or invalid.

    An invalid (corrupt, truncated, stale-format) entry is reported with a warning and ignored,
    so the caller rebuilds; it is overwritten by the next :func:`save_cached`.
    """
    path = Path(folder if folder is not None else network_cache_dir()) / f"{key}.npz"
    if not path.is_file():
        return None
    try:
        net = load_npz(path)
    except (CacheError, OSError) as exc:
        warnings.warn(f"Ignoring the cached network {path}: {exc} It is rebuilt.", CacheWarning, stacklevel=2)
        return None
    if net.meta.get("cache_key") not in (None, key):
        warnings.warn(f"Ignoring the cached network {path}: it was written for another key.", CacheWarning, stacklevel=2)
        return None
    return net


def save_cached(net: Network, key: str, *, folder: str | os.PathLike[str] | None = None) -> Path | None:
    """Store ``net`` under ``key``; warn and return ``None`` when the cache folder cannot be written.

    A read-only folder (``EACCES``, ``EPERM``, ``EROFS``) or a full disk (``ENOSPC``, ``EDQUOT``)
    gives a :class:`~geoaccess.errors.CacheWarning` that names the folder and says how to choose another one
    (environment variable ``GEOACCESS_CACHE``) or to pass ``cache=False``. Other errors propagate.
    """
    folder = Path(folder if folder is not None else network_cache_dir())
    path = folder / f"{key}.npz"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        save_npz(net, path)
    except OSError as exc:
        if exc.errno not in _WRITE_ERRNOS:
            raise
        reason = "is full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else "is not writable"
        warnings.warn(
            f"The network cache folder {folder} {reason} ({os.strerror(exc.errno or 0)}); the network was built "
            f"but not cached. Free space there, make it writable, point the environment variable GEOACCESS_CACHE "
            f"to a writable folder, or pass cache=False (CLI: the build still writes --out).",
            CacheWarning,
            stacklevel=2,
        )
        return None
    return path
