"""Registry of the real sample datasets: resolve by name, verify by SHA-256, download with pooch.

Datasets are never copied into the repository. They are resolved, in order, from

1. the folder named by the environment variable ``GEOACCESS_DATA``;
2. a ``shared/data`` folder next to the working directory or the repository
   (``../shared/data``), as laid out in this project's workplace;
3. the pooch cache (``GEOACCESS_CACHE`` or the user cache folder), where files
   with a pinned public source URL are downloaded on first use.

Every file is checked against the SHA-256 recorded in the package's own copy of
``MANIFEST.json``. A missing or corrupt file raises an error that names the
file, the expected hash and how to obtain it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from geoaccess.errors import DataIntegrityError, DataNotFoundError

__all__ = [
    "Dataset",
    "data_dirs",
    "fetch",
    "manifest",
    "sha256sum",
    "status",
]

ENV_DATA = "GEOACCESS_DATA"
ENV_CACHE = "GEOACCESS_CACHE"
_GITHUB_SOURCE = re.compile(r"^(?P<repo>[\w.-]+/[\w.-]+)@(?P<commit>[0-9a-f]{40}):(?P<path>[^\s()*]+[^/\s])$")


@dataclass(frozen=True)
class Dataset:
    """One file of the sample-data manifest.

    Attributes
    ----------
    path
        Path relative to the data folder, e.g. ``"osm/tampere.osm.pbf"``.
    sha256
        Expected SHA-256 hex digest.
    nbytes
        Expected size in bytes.
    source
        Where the file comes from (repository@commit:path or a description).
    license
        Licence and attribution.
    description
        What the file holds.
    """

    path: str
    sha256: str
    nbytes: int
    source: str
    license: str
    description: str

    @property
    def name(self) -> str:
        """Short name: the file name without folder, e.g. ``"tampere.osm.pbf"``."""
        return self.path.rsplit("/", 1)[-1]

    @property
    def url(self) -> str | None:
        """Pinned download URL, when the source is a single unconverted file on GitHub."""
        m = _GITHUB_SOURCE.match(self.source)
        if m is None:
            return None
        return f"https://raw.githubusercontent.com/{m['repo']}/{m['commit']}/{m['path']}"

    def how_to_obtain(self) -> str:
        """A sentence telling the user how to get this file."""
        where = f"download it from {self.url}" if self.url else f"obtain it from its source ({self.source})"
        return (
            f"Place the file at <data folder>/{self.path}, where <data folder> is ../shared/data or the folder "
            f"named by the environment variable {ENV_DATA}; or {where} and check its SHA-256."
        )


@cache
def manifest() -> tuple[Dataset, ...]:
    """Return the datasets recorded in the package's copy of the manifest."""
    text = resources.files("geoaccess").joinpath("_manifest.json").read_text(encoding="utf-8")
    return tuple(
        Dataset(
            path=r["path"],
            sha256=r["sha256"],
            nbytes=int(r["bytes"]),
            source=r["source"],
            license=r["license"],
            description=r["description"],
        )
        for r in json.loads(text)
    )


def _lookup(name: str) -> Dataset:
    records = manifest()
    for r in records:
        if name in (r.path, r.name):
            return r
    known = ", ".join(r.path for r in records)
    msg = f"Unknown dataset {name!r}. Known datasets: {known}. Run `geoaccess data list` to see them."
    raise KeyError(msg)


def cache_dir() -> Path:
    """Folder for downloaded datasets and built networks (``GEOACCESS_CACHE`` or the user cache)."""
    env = os.environ.get(ENV_CACHE)
    if env:
        return Path(env).expanduser()
    import pooch

    return Path(pooch.os_cache("geoaccess"))


def data_dirs() -> list[Path]:
    """Folders searched for datasets, in order of preference."""
    dirs: list[Path] = []
    env = os.environ.get(ENV_DATA)
    if env:
        dirs.append(Path(env).expanduser())
    here = Path(__file__).resolve().parent.parent
    for base in (Path.cwd(), here):
        for cand in (base / "shared" / "data", base.parent / "shared" / "data"):
            if cand not in dirs:
                dirs.append(cand)
    dirs.append(cache_dir() / "data")
    return dirs


_verified: dict[tuple[str, int, int], str] = {}


def sha256sum(path: str | os.PathLike[str]) -> str:
    """Return the SHA-256 hex digest of a file, memoised on (path, size, mtime)."""
    p = Path(path)
    st = p.stat()
    key = (str(p.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _verified:
        h = hashlib.sha256()
        with p.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        _verified[key] = h.hexdigest()
    return _verified[key]


def _find(record: Dataset) -> Path | None:
    for d in data_dirs():
        p = d / record.path
        if p.is_file():
            return p
    return None


def fetch(name: str, *, verify: bool = True, download: bool = True) -> Path:
    """Return the local path of a dataset, verified by SHA-256.

    Parameters
    ----------
    name
        Manifest path (``"osm/tampere.osm.pbf"``) or file name (``"tampere.osm.pbf"``).
    verify
        Check the SHA-256 against the manifest (default ``True``).
    download
        When the file is absent locally and the manifest pins a public URL, download
        it into the cache with pooch (default ``True``).

    Returns
    -------
    pathlib.Path
        Path of the verified file.

    Raises
    ------
    DataNotFoundError
        The file is in no data folder and cannot be downloaded.
    DataIntegrityError
        The file's SHA-256 differs from the manifest.
    """
    record = _lookup(name)
    path = _find(record)
    if path is None and download and record.url is not None:
        path = _download(record)
    if path is None:
        searched = "; ".join(str(d) for d in data_dirs())
        msg = (
            f"Dataset {record.path!r} ({record.description}) was not found. Expected SHA-256 {record.sha256}. "
            f"Searched: {searched}. {record.how_to_obtain()}"
        )
        raise DataNotFoundError(msg)
    if verify:
        got = sha256sum(path)
        if got != record.sha256:
            msg = (
                f"Dataset file {path} is corrupt or a different version: its SHA-256 is {got}, "
                f"but the manifest expects {record.sha256}. Replace it with the original. {record.how_to_obtain()}"
            )
            raise DataIntegrityError(msg)
    return path


def _download(record: Dataset) -> Path | None:
    import pooch

    target = cache_dir() / "data" / record.path
    try:
        got = pooch.retrieve(
            record.url,
            known_hash=f"sha256:{record.sha256}",
            fname=target.name,
            path=target.parent,
            progressbar=False,
        )
    except Exception:  # no network, HTTP error or hash mismatch: report as not found
        return None
    return Path(got)


def status() -> list[dict[str, object]]:
    """One row per dataset: path, licence, whether present and whether the hash matches.

    Returns
    -------
    list of dict
        Keys ``path``, ``license``, ``present``, ``verified``, ``location``, ``description``.
    """
    rows: list[dict[str, object]] = []
    for r in manifest():
        p = _find(r)
        rows.append(
            {
                "path": r.path,
                "license": r.license,
                "present": p is not None,
                "verified": (p is not None and sha256sum(p) == r.sha256),
                "location": str(p) if p else "",
                "description": r.description,
            }
        )
    return rows
