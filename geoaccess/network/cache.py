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
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geoaccess.errors import CacheError, CacheWarning

# the .npz file format has its own module; re-exported here, where the cache uses it
from geoaccess.network.npz import FORMAT_VERSION, json_default, save_npz

if TYPE_CHECKING:
    from geoaccess.network.graph import Network

_WRITE_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT}

__all__ = [
    "FORMAT_VERSION",
    "load_cached",
    "load_npz",
    "network_cache_dir",
    "network_cache_key",
    "save_cached",
    "save_npz",
]

def load_npz(path: str | os.PathLike[str]) -> Network:
    """Read and validate a network written by :func:`save_npz` (:meth:`Network.from_npz`).

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    CacheError
        The file is truncated, corrupt, of another format version, or its arrays are
        inconsistent (checksum, CSR structure, dtypes). Delete it and rebuild.
    """
    from geoaccess.network.graph import Network

    return Network.from_npz(path)


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
        default=json_default,
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
