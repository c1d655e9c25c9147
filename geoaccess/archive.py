"""Reading zip archives safely: member names, sizes and compression ratios checked, members streamed.

Every reader of zipped inputs (GTFS, NeTEx, OSM ``.osm.zip``) opens them here:

* :func:`open_zip` refuses a file that is not a zip, and any member whose name could
  escape a folder if extracted (*zip slip*: an absolute path, a drive letter or a ``..``
  component) - geoaccess never extracts by member name, but such a name marks a
  hostile or broken archive;
* :func:`open_member` refuses a member larger than ``[archives] max_member_mib`` or
  compressed more than ``[archives] max_ratio`` times (a *zip bomb*) with a
  :class:`~geoaccess.errors.LimitError` naming the limit (see :mod:`geoaccess.limits`),
  and returns a stream, so readers never hold a whole member in memory;
* :func:`copy_member` streams a member into a file (for libraries that need a path).
"""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO

from geoaccess.errors import InputError
from geoaccess.limits import get_limits, limit_error

__all__ = ["check_member", "copy_member", "open_member", "open_zip"]


def _unsafe_name(name: str) -> bool:
    posix, win = PurePosixPath(name), PureWindowsPath(name)
    return posix.is_absolute() or win.is_absolute() or bool(win.drive) or ".." in posix.parts or ".." in win.parts


def open_zip(path: str | os.PathLike[str], *, what: str = "zip file") -> zipfile.ZipFile:
    """Open a zip archive, refusing corrupt archives and unsafe member names.

    Parameters
    ----------
    path
        The archive.
    what
        What the archive should be, for messages (``"GTFS feed"``, ...).

    Raises
    ------
    InputError
        Not a zip file, corrupt, or a member named like ``../x`` or ``/etc/x``.
    """
    p = Path(path)
    try:
        zf = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, OSError) as exc:
        msg = f"{p} is not a readable zip file ({exc}); a {what} must be a zip archive or a folder."
        raise InputError(msg) from None
    bad = [n for n in zf.namelist() if _unsafe_name(n)]
    if bad:
        zf.close()
        msg = (
            f"{p}: member {bad[0]!r} has a name that points outside the archive's folder "
            f"({len(bad)} such member(s)); the archive is damaged or hostile. Re-create it with relative names."
        )
        raise InputError(msg)
    return zf


def check_member(info: zipfile.ZipInfo, *, archive: str | os.PathLike[str]) -> None:
    """Refuse a member beyond the size or compression-ratio limits (:class:`~geoaccess.errors.LimitError`)."""
    lim = get_limits().archives
    what = f"{archive}: member {info.filename!r}"
    size = int(info.file_size)
    if size > lim.max_member_bytes:
        raise limit_error(what, f"{size / 2**20:,.0f} MiB uncompressed", key="archives.max_member_mib",
                          limit=lim.max_member_mib, unit="MiB")
    if size >= lim.ratio_min_mib * 2**20:
        ratio = size / max(int(info.compress_size), 1)
        if ratio > lim.max_ratio:
            raise limit_error(
                what, f"compressed {ratio:,.0f} times ({info.compress_size:,} bytes holding {size:,})",
                key="archives.max_ratio", limit=lim.max_ratio, unit="times",
            )


def open_member(
    zf: zipfile.ZipFile, member: str | zipfile.ZipInfo, *, archive: str | os.PathLike[str]
) -> IO[bytes]:
    """Open one member as a binary stream after :func:`check_member`.

    The stream yields at most the member's declared size (Python's :mod:`zipfile`
    enforces it and checks the CRC at the end), so the limits hold for lying headers too.
    """
    info = member if isinstance(member, zipfile.ZipInfo) else zf.getinfo(member)
    check_member(info, archive=archive)
    try:
        return zf.open(info)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
        msg = f"{archive}: member {info.filename!r} cannot be read ({exc}); re-create the archive."
        raise InputError(msg) from None


def copy_member(
    zf: zipfile.ZipFile, member: str | zipfile.ZipInfo, target: Path, *, archive: str | os.PathLike[str]
) -> Path:
    """Stream one member into the file ``target`` (its name is the caller's, never the member's)."""
    with open_member(zf, member, archive=archive) as src, open(target, "wb") as dst:
        try:
            shutil.copyfileobj(src, dst, 1 << 20)
        except (zipfile.BadZipFile, EOFError) as exc:
            msg = f"{archive}: member {getattr(member, 'filename', member)!r} is corrupt ({exc}); re-download it."
            raise InputError(msg) from None
    return target
