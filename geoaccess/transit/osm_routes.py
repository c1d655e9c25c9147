"""Schedule-free estimate of public transport from OpenStreetMap route relations.

Where no timetable exists, OSM still maps the lines: relations ``type=route`` with
``route=bus``/``train``/``tram``/``ferry``/... (their stop nodes and ways), and ferry
crossings mapped as ways with ``route=ferry``. This module turns them into a
:class:`~geoaccess.transit.timetable.Timetable` with **invented, regular departures**:

* run times from the length of the route at an assumed average speed (``speed_kmh``,
  defaults in :data:`DEFAULT_SPEED_KMH`), or for ferry ways from their ``duration`` tag;
* a departure every ``headway_minutes`` (defaults in :data:`DEFAULT_HEADWAY_MINUTES`)
  between ``service_start`` and ``service_end`` (default 06:00-22:00);
* stops: the relation's stop nodes (roles ``stop*``, else ``platform*`` nodes); a
  relation without any gets virtual stops every ``stop_spacing_m`` metres along its ways;
* one direction per relation tagged ``public_transport:version=2`` (that schema maps each
  direction as its own relation), both directions for older relations (``both_directions=None``);
  ``True``/``False`` forces either; ferry ways run both ways.

Everything produced is labelled a **schedule-free estimate** (``tt.meta["label"]``,
route names, ``tt.summary()["label"]``): it shows the reach of a network, not its timetable.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from geoaccess.errors import InputError
from geoaccess.transit.calendar import ServiceCalendar, parse_date
from geoaccess.transit.timetable import Timetable, build_timetable, project_stops
from geoaccess.transit.validation import ValidationReport

__all__ = ["DEFAULT_HEADWAY_MINUTES", "DEFAULT_SPEED_KMH", "LABEL", "read_osm_routes"]

LABEL = "schedule-free estimate"

DEFAULT_HEADWAY_MINUTES: dict[str, float] = {
    "bus": 30.0, "trolleybus": 20.0, "tram": 15.0, "light_rail": 15.0, "subway": 10.0,
    "train": 60.0, "ferry": 60.0, "monorail": 15.0,
}  # fmt: skip
"""Assumed minutes between departures, per OSM ``route`` value."""

DEFAULT_SPEED_KMH: dict[str, float] = {
    "bus": 25.0, "trolleybus": 20.0, "tram": 18.0, "light_rail": 25.0, "subway": 32.0,
    "train": 60.0, "ferry": 20.0, "monorail": 30.0,
}  # fmt: skip
"""Assumed average speed including stops (km/h), per OSM ``route`` value; ferries about 11 knots."""

_ROUTE_TYPE = {
    "bus": 3,
    "trolleybus": 11,
    "tram": 0,
    "light_rail": 0,
    "subway": 1,
    "train": 2,
    "ferry": 4,
    "monorail": 12,
}


def _osm_file(path: Path, tmp: str) -> str:
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.endswith((".osm", ".pbf", ".osm.bz2", ".osm.gz"))]
            if not names:
                msg = f"{path} holds no .osm/.pbf file."
                raise InputError(msg)
            return zf.extract(names[0], tmp)
    return str(path)


def _duration_s(value: str | None) -> float | None:
    """OSM ``duration`` (``H:MM``, ``HH:MM:SS`` or minutes) in seconds."""
    if not value:
        return None
    try:
        parts = [float(p) for p in value.strip().split(":")]
    except ValueError:
        return None
    if len(parts) == 1:
        return parts[0] * 60.0
    return parts[0] * 3600.0 + parts[1] * 60.0 + (parts[2] if len(parts) > 2 else 0.0)


def _chain(ways: list[np.ndarray]) -> np.ndarray:
    """Join way coordinate arrays in member order, flipping a way when that connects it better."""
    line: list[np.ndarray] = []
    for w in ways:
        if not line:
            line.append(w)
            continue
        end = line[-1][-1]
        if np.hypot(*(w[-1] - end)) < np.hypot(*(w[0] - end)):
            w = w[::-1]
        line.append(w)
    return np.vstack(line) if line else np.zeros((0, 2))


def read_osm_routes(
    path: str | os.PathLike[str],
    *,
    date: str | dt.date,
    modes: tuple[str, ...] = ("bus", "trolleybus", "tram", "light_rail", "subway", "train", "ferry"),
    headway_minutes: Mapping[str, float] | None = None,
    speed_kmh: Mapping[str, float] | None = None,
    service_start: str = "06:00",
    service_end: str = "22:00",
    stop_spacing_m: float = 400.0,
    both_directions: bool | None = None,
    crs: str | None = None,
) -> Timetable:
    """Build a schedule-free, frequency-based timetable for ``date`` from OSM route relations.

    Parameters
    ----------
    path
        OSM file (``.osm.pbf``, ``.osm``, ``.osm.bz2``/``.gz``, or a zip holding one).
    date
        Date the invented service runs on (the returned timetable is for that date).
    headway_minutes, speed_kmh
        Per-mode overrides of :data:`DEFAULT_HEADWAY_MINUTES` and :data:`DEFAULT_SPEED_KMH`.
    service_start, service_end
        First and last departure from the first stop, ``HH:MM``.
    stop_spacing_m
        Spacing of virtual stops on relations without stop members.

    Returns
    -------
    Timetable
        With ``meta["label"] == "schedule-free estimate"`` and straight-line footpaths.
    """
    import osmium

    day = parse_date(date)
    heads = {**DEFAULT_HEADWAY_MINUTES, **(headway_minutes or {})}
    speeds = {**DEFAULT_SPEED_KMH, **(speed_kmh or {})}
    t_start = sum(int(x) * f for x, f in zip(service_start.split(":"), (3600, 60), strict=False))
    t_end = sum(int(x) * f for x, f in zip(service_end.split(":"), (3600, 60), strict=False))
    report = ValidationReport(source=str(path))
    p = Path(path)
    if not p.exists():
        msg = f"OSM file {p} does not exist."
        raise InputError(msg)
    with tempfile.TemporaryDirectory() as tmp:
        f = _osm_file(p, tmp)
        rels = []
        for r in osmium.FileProcessor(f, osmium.osm.RELATION):
            mode = r.tags.get("route")
            if r.tags.get("type") == "route" and mode in modes:
                members = [(m.type, m.ref, m.role) for m in r.members]
                v2 = r.tags.get("public_transport:version") == "2"
                rels.append((r.id, mode, r.tags.get("ref") or r.tags.get("name") or str(r.id), members, v2))
        want_ways = {ref for *_, ms, _ in rels for t, ref, _ in ms if t == "w"}
        want_nodes = {ref for *_, ms, _ in rels for t, ref, _ in ms if t == "n"}
        ways: dict[int, np.ndarray] = {}
        nodes: dict[int, tuple[float, float]] = {}
        ferries = []
        for o in osmium.FileProcessor(f, osmium.osm.NODE | osmium.osm.WAY).with_locations():
            if o.is_node():
                if o.id in want_nodes and o.location.valid():
                    nodes[o.id] = (o.location.lon, o.location.lat)
                continue
            coords = np.array([(n.lon, n.lat) for n in o.nodes if n.location.valid()], dtype=float)
            if o.id in want_ways and len(coords) >= 2:
                ways[o.id] = coords
            if o.tags.get("route") == "ferry" and "ferry" in modes and len(coords) >= 2:
                name = o.tags.get("name") or str(o.id)
                ferries.append((o.id, name, coords, _duration_s(o.tags.get("duration"))))
    # project every coordinate once
    all_ll = [c for c in ways.values()] + [np.array(list(nodes.values()))] + [c for _, _, c, _ in ferries]
    all_ll = [a for a in all_ll if len(a)]
    if not all_ll:
        msg = f"{p} has no public-transport route relations nor ferry ways for modes {modes}."
        raise InputError(msg)
    ll = np.vstack(all_ll)
    _, _, crs_name = project_stops(ll[:, 0], ll[:, 1], crs=crs)
    from pyproj import Transformer

    tr = Transformer.from_crs("EPSG:4326", crs_name, always_xy=True)

    def proj(a: np.ndarray) -> np.ndarray:
        x, y = tr.transform(a[:, 0], a[:, 1])
        return np.column_stack([x, y])

    stop_xy: list[tuple[float, float]] = []
    stop_ll: list[tuple[float, float]] = []
    stop_names: list[str] = []
    stop_ids: list[str] = []
    stop_of_node: dict[int, int] = {}
    lines: list[tuple[str, str, list[int], list[float]]] = []  # (name, mode, stops, run seconds between)

    def add_stop(key: str, xy: np.ndarray, lonlat: tuple[float, float], name: str) -> int:
        stop_ids.append(key)
        stop_xy.append((float(xy[0]), float(xy[1])))
        stop_ll.append(lonlat)
        stop_names.append(name)
        return len(stop_ids) - 1

    inv = Transformer.from_crs(crs_name, "EPSG:4326", always_xy=True)
    for rid, mode, name, members, v2 in rels:
        v = speeds[mode] / 3.6
        # ways of the forward direction ("backward" members belong to the other direction in PTv1)
        line_xy = _chain(
            [proj(ways[ref]) for t, ref, role in members if t == "w" and ref in ways and role != "backward"]
        )
        stop_nodes = [ref for t, ref, role in members if t == "n" and role.startswith("stop") and ref in nodes]
        if not stop_nodes:
            stop_nodes = [ref for t, ref, role in members if t == "n" and role.startswith("platform") and ref in nodes]
        if len(stop_nodes) >= 2:
            idx = []
            for ref in stop_nodes:
                if ref not in stop_of_node:
                    xy = proj(np.array([nodes[ref]]))[0]
                    stop_of_node[ref] = add_stop(f"node/{ref}", xy, nodes[ref], f"{name} stop")
                idx.append(stop_of_node[ref])
            xy = np.array([stop_xy[i] for i in idx])
            from geoaccess.transit.footpaths import DETOUR_FACTOR

            gaps = np.hypot(*np.diff(xy, axis=0).T) * DETOUR_FACTOR
            report.add(
                "route relation",
                "run times from straight-line stop spacing x1.3 at the assumed speed",
                action="repaired",
                example=str(rid),
            )
        elif len(line_xy) >= 2:
            seg = np.hypot(*np.diff(line_xy, axis=0).T)
            cum = np.concatenate([[0.0], np.cumsum(seg)])
            n_st = max(int(np.ceil(cum[-1] / stop_spacing_m)), 1) + 1  # spacing at most stop_spacing_m
            at = np.linspace(0.0, cum[-1], n_st)
            xs, ys = np.interp(at, cum, line_xy[:, 0]), np.interp(at, cum, line_xy[:, 1])
            lon, lat = inv.transform(xs, ys)
            idx = [
                add_stop(
                    f"relation/{rid}/{k}", np.array([xs[k], ys[k]]), (lon[k], lat[k]), f"{name} km {at[k] / 1000:.1f}"
                )
                for k in range(n_st)
            ]
            gaps = np.diff(at)
            report.add(
                "route relation",
                f"no stop members; virtual stops every {stop_spacing_m:g} m along its ways",
                action="repaired",
                example=str(rid),
            )
        else:
            report.add("route relation", "neither stops nor ways with coordinates in the file", example=str(rid))
            continue
        lines.append((f"{name} ({LABEL})", mode, idx, list(gaps / v)))
        if both_directions or (both_directions is None and not v2):
            lines.append((f"{name} reverse ({LABEL})", mode, idx[::-1], list((gaps / v)[::-1])))
    for wid, name, coords, dur in ferries:
        xy = proj(coords)
        length = float(np.hypot(*np.diff(xy, axis=0).T).sum())
        run = dur if dur is not None else length / (speeds["ferry"] / 3.6)
        a = add_stop(f"way/{wid}/start", xy[0], tuple(coords[0]), f"{name} (ferry quay)")
        b = add_stop(f"way/{wid}/end", xy[-1], tuple(coords[-1]), f"{name} (ferry quay)")
        lines.append((f"{name} ({LABEL})", "ferry", [a, b], [run]))
        lines.append((f"{name} ({LABEL})", "ferry", [b, a], [run]))
        report.add(
            "ferry way",
            "run time from its duration tag" if dur else "run time from length at the assumed ferry speed",
            action="repaired",
            example=str(wid),
        )

    st_trip, st_stop, st_arr, trip_route, trip_ids = [], [], [], [], []
    for r_i, (name, mode, idx, runs) in enumerate(lines):
        head = heads[mode] * 60.0
        offs = np.concatenate([[0.0], np.cumsum(runs)])
        for t0 in np.arange(t_start, t_end + 1, head):
            k = len(trip_ids)
            trip_ids.append(f"{name}@{int(t0)}")
            trip_route.append(r_i)
            st_trip.extend([k] * len(idx))
            st_stop.extend(idx)
            st_arr.extend((t0 + offs).tolist())
    if not trip_ids:
        msg = f"{p}: no usable public-transport line could be built.\n{report}"
        raise InputError(msg)
    xy = np.array(stop_xy)
    ll_arr = np.array(stop_ll)
    arr = np.round(np.array(st_arr)).astype(np.int64)
    tt = build_timetable(
        stops={"stop_id": np.array(stop_ids, dtype=object), "stop_name": np.array(stop_names, dtype=object),
               "stop_lon": ll_arr[:, 0], "stop_lat": ll_arr[:, 1], "stop_x": xy[:, 0], "stop_y": xy[:, 1], "crs": crs_name},
        route_id=np.array([n for n, *_ in lines], dtype=object),
        route_name=np.array([n for n, *_ in lines], dtype=object),
        route_type=np.array([_ROUTE_TYPE.get(m, 3) for _, m, *_ in lines]),
        trip_id=np.array(trip_ids, dtype=object),
        trip_route=np.array(trip_route),
        trip_service=np.zeros(len(trip_ids), dtype=np.int64),
        calendar=ServiceCalendar(np.array([LABEL], dtype=object), day, np.ones((1, 1), dtype=bool)),
        st_trip=np.array(st_trip), st_stop=np.array(st_stop), st_arr=arr, st_dep=arr,
        report=report,
        meta={"format": "OSM routes", "source": str(p), "label": LABEL,
              "assumptions": {"headway_minutes": heads, "speed_kmh": speeds, "service": f"{service_start}-{service_end}"}},
    )  # fmt: skip
    from geoaccess.transit.footpaths import straight_line_footpaths

    return straight_line_footpaths(tt).for_date(day)
