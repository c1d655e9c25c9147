"""Detect a feed's format (GTFS or NeTEx) and read it."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from geoaccess.errors import InputError
from geoaccess.transit.timetable import Timetable

__all__ = ["detect_format", "read_feed"]


def detect_format(path: str | os.PathLike[str]) -> str:
    """Return ``"gtfs"`` or ``"netex"`` for a zip or folder; raise :class:`InputError` otherwise."""
    from geoaccess.transit.netex import is_netex_file

    p = Path(path)
    if not p.exists():
        msg = f"Timetable feed {p} does not exist. Give a GTFS or NeTEx zip file or folder."
        raise InputError(msg)
    if p.is_dir():
        names = [q.name for q in p.iterdir()]
        if "stop_times.txt" in names or "stops.txt" in names:
            return "gtfs"
        for q in sorted(p.glob("*.xml")):
            with q.open("rb") as fh:
                if is_netex_file(fh):
                    return "netex"
        msg = f"The folder {p} holds neither a GTFS feed (stops.txt, stop_times.txt, ...) nor NeTEx XML files."
        raise InputError(msg)
    if not zipfile.is_zipfile(p):
        msg = f"{p} is not a zip file or a folder; a timetable must be a GTFS zip or a NeTEx zip (Entur's Nordic profile)."
        raise InputError(msg)
    from geoaccess.archive import open_member, open_zip

    with open_zip(p, what="timetable feed") as zf:
        names = zf.namelist()
        base = {n.rsplit("/", 1)[-1] for n in names}
        if "stop_times.txt" in base or "stops.txt" in base:
            return "gtfs"
        for n in sorted(x for x in names if x.lower().endswith(".xml")):
            with open_member(zf, n, archive=p) as fh:
                if is_netex_file(fh):
                    return "netex"
    shown = ", ".join(sorted(names)[:8]) + (" ..." if len(names) > 8 else "")
    msg = (
        f"{p} is neither GTFS (no stops.txt/stop_times.txt) nor NeTEx (no XML file with a PublicationDelivery root). "
        f"It holds: {shown or 'nothing'}."
    )
    raise InputError(msg)


def read_feed(
    path: str | os.PathLike[str], *, crs: str | None = None, strict: bool | None = None, encoding: str | None = None
) -> Timetable:
    """Read a GTFS or NeTEx feed, detecting the format (see :func:`detect_format`).

    ``strict`` defaults to true for GTFS and false for NeTEx (see the readers); ``encoding``
    applies to GTFS text files (NeTEx XML declares its own).
    """
    fmt = detect_format(path)
    if fmt == "gtfs":
        from geoaccess.transit.gtfs import read_gtfs

        return read_gtfs(path, crs=crs, strict=True if strict is None else strict, encoding=encoding)
    from geoaccess.transit.netex import read_netex

    return read_netex(path, crs=crs, strict=False if strict is None else strict)
