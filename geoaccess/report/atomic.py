"""Atomic file output: write to a temporary file in the same folder, then rename.

A crash, a full disk, Ctrl-C or SIGTERM never leaves a half-written output under the
final name:

* the temporary file is named ``.<final name>.geoaccess-tmp-<host>-<pid>-<token><suffix>``
  (hidden, recognisable, and carrying the writing process's id);
* it is removed when the block fails or is interrupted, and at interpreter exit;
* temporary files left by runs that were killed outright (SIGKILL, power loss) are
  removed the next time geoaccess writes into the same folder: a file whose name carries
  this host's tag and the id of a process that no longer exists (:func:`clean_stale`);
* an operating-system error (disk full, read-only folder, permission) becomes one
  :class:`~geoaccess.errors.OutputError` naming the final path and what to do.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import hashlib
import os
import re
import secrets
import shutil
import socket
import warnings
from collections.abc import Iterator
from pathlib import Path

from geoaccess.errors import GeoaccessWarning, InputError, OutputError

__all__ = ["TEMP_MARKER", "atomic_path", "clean_stale", "output_error", "temp_path", "write_table"]

TEMP_MARKER = ".geoaccess-tmp-"
"""The part of every temporary file name that marks it as geoaccess's."""

_LIVE: set[Path] = set()
_ATEXIT = False


def _host_tag() -> str:
    return hashlib.sha1(socket.gethostname().encode()).hexdigest()[:8]


_NAME = re.compile(r"^\..*" + re.escape(TEMP_MARKER) + r"(?P<host>[0-9a-f]{8})-(?P<pid>\d+)-[0-9a-z]+")


def temp_path(final: str | os.PathLike[str], *, suffix: str | None = None) -> Path:
    """A fresh temporary name next to ``final`` (not created), registered for removal at exit."""
    global _ATEXIT
    f = Path(final)
    tag = f"{TEMP_MARKER}{_host_tag()}-{os.getpid()}-{secrets.token_hex(4)}"
    tmp = f.parent / f".{f.name}{tag}{suffix if suffix is not None else ''.join(f.suffixes)}"
    _LIVE.add(tmp)
    if not _ATEXIT:
        atexit.register(_remove_live)
        _ATEXIT = True
    return tmp


def _remove(p: Path) -> None:
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def _remove_live() -> None:
    for p in list(_LIVE):
        _remove(p)
        _LIVE.discard(p)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # a live process of another user
    except OSError:
        return True
    return True


def clean_stale(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove temporary files that killed geoaccess runs on this host left in ``folder``.

    Only names made by :func:`temp_path` whose process id no longer runs on this host are
    removed, so a run writing into the same folder at the same time is never disturbed.

    Returns
    -------
    list of Path
        The files (or folders) removed; a :class:`~geoaccess.errors.GeoaccessWarning` says
        how many and how large.
    """
    d = Path(folder)
    if not d.is_dir():
        return []
    host = _host_tag()
    removed: list[Path] = []
    size = 0
    try:
        candidates = [p for p in d.iterdir() if TEMP_MARKER in p.name]
    except OSError:
        return []
    for p in candidates:
        m = _NAME.match(p.name)
        if m is None or m["host"] != host or _alive(int(m["pid"])):
            continue
        with contextlib.suppress(OSError):
            size += p.stat().st_size if p.is_file() else sum(q.stat().st_size for q in p.rglob("*") if q.is_file())
        _remove(p)
        if not p.exists():
            removed.append(p)
    if removed:
        warnings.warn(
            f"Removed {len(removed)} temporary file(s) ({size / 1e6:,.1f} MB) left in {d} by geoaccess runs that "
            f"were killed (e.g. {removed[0].name}).",
            GeoaccessWarning,
            stacklevel=3,
        )
    return removed


def output_error(path: str | os.PathLike[str], exc: OSError) -> OutputError:
    """An :class:`~geoaccess.errors.OutputError` naming ``path`` and saying what to do about ``exc``."""
    code = exc.errno
    reason = exc.strerror or str(exc)
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        hint = "the disk (or your quota) is full; free some space or write to another folder (--out)."
    elif code in (errno.EROFS, errno.EACCES, errno.EPERM):
        hint = "the folder is read-only or not writable by you; write to another folder (--out)."
    elif code in (errno.ENOTDIR, errno.EEXIST, errno.EISDIR):
        hint = "a file stands where a folder is needed (or the reverse); choose another output path."
    else:
        hint = "check the output folder and try again, or write to another folder (--out)."
    name = f" [{errno.errorcode[code]}]" if code in errno.errorcode else ""
    return OutputError(f"Cannot write {path}: {reason}{name}; {hint}")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` when the block succeeds.

    Parameters
    ----------
    path
        Final output path. Its folder is created if needed.
    suffix
        Suffix of the temporary file (defaults to the final suffix, so drivers that
        infer the format from the extension, such as GDAL's, keep working).

    Raises
    ------
    OutputError
        The folder cannot be created or written (disk full, read-only, ...): one line naming ``path``.
    """
    final = Path(path)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(final, exc) from None
    clean_stale(final.parent)
    tmp_path = temp_path(final, suffix=suffix)
    try:
        try:
            yield tmp_path
            os.replace(tmp_path, final)
        except OSError as exc:
            if isinstance(exc, OutputError):
                raise
            raise output_error(final, exc) from exc
    finally:
        _remove(tmp_path)
        _LIVE.discard(tmp_path)


def write_table(df: object, path: str | os.PathLike[str]) -> Path:
    """Write a (Geo)DataFrame atomically as CSV, Parquet/GeoParquet or GeoPackage, chosen by suffix.

    Parameters
    ----------
    df
        A :class:`pandas.DataFrame` or :class:`geopandas.GeoDataFrame`.
    path
        ``.csv``, ``.parquet`` or ``.gpkg``.
    """
    import geopandas as gpd

    final = Path(path)
    ext = final.suffix.lower()
    if ext not in {".csv", ".parquet", ".geoparquet", ".gpkg"}:
        msg = f"Cannot write {final}: use a .csv, .parquet or .gpkg file name."
        raise InputError(msg)
    with atomic_path(final) as tmp:
        if ext == ".csv":
            frame = df.drop(columns="geometry") if isinstance(df, gpd.GeoDataFrame) else df
            frame.to_csv(tmp, index=False)
        elif ext in {".parquet", ".geoparquet"}:
            df.to_parquet(tmp, index=False)
        else:
            df.to_file(tmp, driver="GPKG", layer=final.stem)
    return final
