"""Road graphs in the 9th DIMACS Implementation Challenge format (``.gr`` arcs, ``.co`` coordinates).

``.gr``: comment lines ``c ...``, one problem line ``p sp <nodes> <arcs>``, then
``a <tail> <head> <weight>`` with 1-based node numbers. ``.co``: ``p aux sp co
<nodes>`` and ``v <node> <lon×1e6> <lat×1e6>``. Both may be gzip-compressed.

Units: the challenge's *t* graphs (``USA-road-t.*``) carry travel times, the *d*
graphs distances. The files do not state a unit (the NY header has only the
challenge name, URL and graph name). The challenge's TIGER page says the travel
time is "the spatial distance divided by some average speed that depends on
the road category", with a speed unit "somewhat arbitrarily chosen" that "does
not correspond to any usual unit". The common convention (also in the shared
data manifest) reads the weights as **0.1 s**; this reader applies that by
default (``weight_unit_s=0.1``) and records it in ``meta``. Measured on New
York with 0.1 s, the median implied speed (straight line between the ``.co``
coordinates / travel time) is only 1.44 km/h (10-90 %: 1.439-1.444 km/h), so
absolute times from this graph are **not** realistic: use it for scale
benchmarks of the engine only (its structure and relative costs are real).

Coordinates are projected with pyproj to the local UTM zone chosen by
:func:`geoaccess.crs.choose_crs` (EPSG:32618 for New York). Edge ``metres`` are
straight-line lengths between the projected end points (the files carry no
shapes). ``node_id`` is the DIMACS node number (1-based).
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from geoaccess.errors import InputError
from geoaccess.network.graph import Network

__all__ = ["read_dimacs"]


def _open_text(path: Path):
    with path.open("rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="ascii", errors="replace")
    return path.open("r", encoding="ascii", errors="replace")


def _problem_line(path: Path, prefix: str) -> tuple[list[str], list[str]]:
    comments: list[str] = []
    with _open_text(path) as fh:
        for line in fh:
            if line.startswith("c"):
                comments.append(line[1:].strip())
                continue
            if line.startswith("p"):
                return line.split(), comments
            break
    msg = f"{path} is not a DIMACS {prefix} file: no 'p' problem line before the first data line."
    raise InputError(msg)


def _fast_table(path: Path, tag: str, ncols: int) -> np.ndarray:
    """Parse the ``tag`` lines of a DIMACS file into a (k, ncols) int64 array with pandas' C parser."""
    import pandas as pd

    skip = 0
    with _open_text(path) as fh:
        for line in fh:
            if line.startswith(tag + " "):
                break
            skip += 1
    try:
        df = pd.read_csv(
            path,
            sep=" ",
            header=None,
            skiprows=skip,
            comment="c",
            names=["tag", *[f"c{i}" for i in range(ncols)]],
            dtype={"tag": "category", **{f"c{i}": np.int64 for i in range(ncols)}},
            engine="c",
            compression="infer" if path.suffix == ".gz" else None,
        )
    except (ValueError, pd.errors.ParserError) as exc:
        msg = f"{path}: cannot parse the '{tag}' lines as {ncols} integers ({exc})."
        raise InputError(msg) from None
    tags = df["tag"].astype(str)
    if len(df) and not (tags == tag).all():
        other = sorted(set(tags) - {tag})
        msg = f"{path}: unexpected line types {other} among the '{tag}' lines."
        raise InputError(msg)
    return df[[f"c{i}" for i in range(ncols)]].to_numpy(dtype=np.int64)


def read_dimacs(
    gr: str | os.PathLike[str],
    co: str | os.PathLike[str] | None = None,
    *,
    weight_unit_s: float = 0.1,
    mode: str = "car",
) -> Network:
    """Read a DIMACS shortest-path graph (``.gr`` / ``.gr.gz``) and optional coordinates (``.co``).

    Parameters
    ----------
    gr
        Arc file.
    co
        Coordinate file; when omitted, a sibling named like ``gr`` with ``-t.``/``-d.`` and ``.co`` is
        tried (``USA-road-t.NY.gr.gz`` → ``USA-road-d.NY.co.gz``). Without one the graph is read
        **without coordinates** (distance graphs often come so): node ``x``/``y`` and edge ``metres`` are
        NaN and ``crs`` is empty. Routing between node ids works; snapping points, catchments and maps
        raise an :class:`InputError` that says a ``.co`` file is needed
        (:meth:`Network.require_coordinates`).
    weight_unit_s
        Seconds per unit of arc weight (default 0.1 s, the challenge's convention for ``-t`` graphs;
        use e.g. ``1/13.9`` to turn a ``-d`` graph in metres into seconds at 50 km/h).
    mode
        Profile name stored on the network.

    Returns
    -------
    Network
        ``seconds = weight × weight_unit_s``; straight-line ``metres``; coordinates in the local UTM
        zone; ``node_id`` = DIMACS number.

    Raises
    ------
    InputError
        Malformed files, or node/arc counts that differ from the problem lines.
    """
    from pyproj import Transformer

    from geoaccess.crs import choose_crs

    gr = Path(gr)
    if not gr.is_file():
        msg = f"DIMACS graph file {gr} does not exist."
        raise InputError(msg)
    if co is None:
        co = _guess_co(gr)
    if co is not None:
        co = Path(co)
        if not co.is_file():
            msg = f"DIMACS coordinate file {co} does not exist."
            raise InputError(msg)
    p, comments = _problem_line(gr, "graph")
    if len(p) < 4 or p[1] != "sp":
        msg = f"{gr}: problem line {' '.join(p)!r} is not 'p sp <nodes> <arcs>'."
        raise InputError(msg)
    n, m = int(p[2]), int(p[3])
    arcs = _fast_table(gr, "a", 3)
    if len(arcs) != m:
        msg = f"{gr}: the problem line announces {m} arcs but the file has {len(arcs)} 'a' lines."
        raise InputError(msg)
    if arcs.size and (arcs[:, :2].min() < 1 or arcs[:, :2].max() > n):
        msg = f"{gr}: arc end points must be node numbers 1..{n}."
        raise InputError(msg)
    if arcs.size and arcs[:, 2].min() < 0:
        msg = f"{gr}: negative arc weights are not travel times."
        raise InputError(msg)
    t = arcs[:, 0] - 1
    h = arcs[:, 1] - 1
    if co is None:
        x = y = np.full(n, np.nan)
        crs = ""
        metres = np.full(len(t), np.nan)
    else:
        pc, _ = _problem_line(co, "coordinate")
        verts = _fast_table(co, "v", 3)
        if len(verts) != n or (pc and int(pc[-1]) != n):
            msg = f"{co}: has {len(verts)} 'v' lines, but the graph {gr} has {n} nodes."
            raise InputError(msg)
        lon = np.zeros(n)
        lat = np.zeros(n)
        lon[verts[:, 0] - 1] = verts[:, 1] / 1e6
        lat[verts[:, 0] - 1] = verts[:, 2] / 1e6
        crs = choose_crs(lon, lat)
        x, y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        metres = np.hypot(x[h] - x[t], y[h] - y[t])
    return Network.from_arrays(
        t,
        h,
        seconds=arcs[:, 2].astype(np.float64) * float(weight_unit_s),
        metres=metres,
        way_id=np.full(len(t), -1, dtype=np.int64),
        flags=np.zeros(len(t), dtype=np.uint8),
        x=x,
        y=y,
        node_id=np.arange(1, n + 1, dtype=np.int64),
        crs=crs,
        mode=mode,
        meta={
            "reader": "dimacs",
            "source": str(gr),
            "coordinates": None if co is None else str(co),
            "weight_unit_s": float(weight_unit_s),
            "weight_unit_note": "DIMACS travel-time unit is arbitrary; 0.1 s is a convention, not a measured unit",
            "header": comments[:6],
        },
    )


def _guess_co(gr: Path) -> Path | None:
    name = gr.name
    for a, b in ((".gr.gz", ".co.gz"), (".gr", ".co")):
        if name.endswith(a):
            stem = name[: -len(a)]
            for cand in (stem, stem.replace("-t.", "-d."), stem.replace("-d.", "-t.")):
                for ext in (b, ".co", ".co.gz"):
                    p = gr.with_name(cand + ext)
                    if p.is_file():
                        return p
    return None
