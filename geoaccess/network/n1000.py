"""Kartverket N1000 road links (*Veglenke*) → a national car (or car + boat) :class:`Network`.

N1000 is Kartverket's 1:1,000,000 national map. Its road layer holds every
*europaveg*, *riksveg* and *fylkesveg* and the main *kommunale* and private roads of
mainland Norway, car ferries (``typeVeg = bilferje``) and passenger boats
(``passasjerferje``), generalised for the small scale. It carries **no** speed
limits, one-way flags or ferry durations; travel times come from the profile
(:mod:`geoaccess.network.n1000_profile`, ``networks/profiles/n1000.toml``):

* **roads** (``typeVeg`` in the profile's road types, ``vegfase`` existing): speed by
  ``motorvegtype`` (motorveg, motortrafikkveg) or else by ``vegkategori`` (E, R, F, K,
  P), capped in tunnels (``medium = U``) and optionally on bridges (``medium = L``);
  seconds = map metres x ``length_factor`` / speed (the factor undoes the shortening of
  curvy roads by the generalisation, measured in ``docs/national.md``). Every road is
  two-way (N1000 has no direction).
* **car ferries**: crossing time = length / ferry speed; leaving a quay adds the boarding
  wait plus the docking time once (:mod:`geoaccess.network.quays` finds the quays and
  joins ferry ends that stop short of a road). A fork of ferry routes at sea adds nothing.
* **passenger boats** (``mode="boat"`` only): the road layer's ``passasjerferje`` links
  and, with ``boat_routes=``, Kartverket's *AnnenBatrute* layer, timed like ferries with
  the profile's ``[boat]`` figures. This is the "other mode" of the BA rules: drive to
  the quay, take the boat.
* **planned links** (``vegfase`` P or A): left out (unless ``include_planned=True``),
  listed in ``meta["n1000"]["planned_links"]`` with their geometry and speed, and opened
  later by :func:`geoaccess.network.planned.open_planned_links`.

The reader depends only on the product's **fields**, not on the file format: GML,
GeoJSON, FGDB and GeoPackage are read through pyogrio, field names are matched
case-insensitively (and without a GML namespace prefix).

Edge ids: ``way_id`` is the 0-based feature row of the road layer; rows of the
*AnnenBatrute* layer are offset by :data:`BOAT_ROUTE_ID_OFFSET`; connectors and quay
stubs are ``-1`` and carry :attr:`EdgeFlag.CONNECTOR`. Ferry and boat edges carry
:attr:`EdgeFlag.FERRY` (so points are never snapped onto them).
"""

from __future__ import annotations

import os
import warnings
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from geoaccess.errors import DataWarning, InputError, NetworkBuildError
from geoaccess.network.n1000_profile import DEFAULT_N1000_PROFILE, N1000Profile, load_n1000_profile

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.network.graph import Network

__all__ = [
    "BOAT_ROUTE_ID_OFFSET",
    "N1000_REQUIRED_FIELDS",
    "is_n1000_fields",
    "n1000_field_map",
    "read_n1000",
]

N1000_REQUIRED_FIELDS = ("typeVeg", "vegkategori")
"""Fields that identify an N1000 (or N50/N250/N500) Veglenke layer."""

BOAT_ROUTE_ID_OFFSET = 1_000_000_000
"""Added to the row number of an *AnnenBatrute* feature to give its edges' ``way_id``."""

_KINDS = ("road", "car_ferry", "boat", "connector", "stub")


def _bare(name: str) -> str:
    return str(name).rsplit(":", 1)[-1].strip().lower()


def n1000_field_map(columns: list[str] | tuple[str, ...], profile: N1000Profile | None = None) -> dict[str, str]:
    """Map the profile's field roles (``type``, ``category``, ...) to the layer's column names.

    Matching ignores case and a namespace prefix (``app:typeVeg``), so the same product read
    from GML, GeoJSON, FGDB or GeoPackage gives the same map. Roles without a column are absent.
    """
    prof = profile or load_n1000_profile()
    lookup: dict[str, str] = {}
    for c in columns:
        lookup.setdefault(_bare(c), str(c))
    return {role: lookup[_bare(name)] for role, name in prof.fields.items() if _bare(name) in lookup}


def is_n1000_fields(columns: list[str] | tuple[str, ...]) -> bool:
    """True when a layer has the N1000 road-link fields ``typeVeg`` and ``vegkategori``."""
    names = {_bare(c) for c in columns}
    return all(f.lower() in names for f in N1000_REQUIRED_FIELDS)


# ----------------------------------------------------------------------------- reading
def _pick_layer(path: str, layer: str | None) -> str | None:
    import pyogrio

    if layer is not None:
        return layer
    try:
        layers = [str(x[0]) for x in pyogrio.list_layers(path)]
    except Exception as exc:
        msg = f"N1000 layer {path} cannot be opened by GDAL/pyogrio ({exc}); give a GML, GeoJSON, FGDB or GeoPackage file."
        raise InputError(msg) from None
    if len(layers) <= 1:
        return None
    hits = [x for x in layers if "veglenke" in x.lower()]
    if len(hits) == 1:
        return hits[0]
    msg = f"{path} has several layers {layers}; pass layer= (CLI: --layer) naming the road-link (Veglenke) layer."
    raise InputError(msg)


def _read_layer(source: str | os.PathLike[str] | gpd.GeoDataFrame, *, layer: str | None, what: str) -> tuple[gpd.GeoDataFrame, str]:
    """Read a line layer into EPSG:25833 (or keep its projected CRS); return (gdf, crs string)."""
    import geopandas as gpd

    from geoaccess.crs import NORWAY_CRS, resolve_crs

    if isinstance(source, gpd.GeoDataFrame):
        gdf = source
    else:
        path = os.fspath(source)
        if not os.path.exists(path):
            msg = f"{what} {path} does not exist."
            raise InputError(msg)
        lyr = _pick_layer(path, layer)
        try:
            gdf = gpd.read_file(path, layer=lyr, engine="pyogrio") if lyr else gpd.read_file(path, engine="pyogrio")
        except Exception as exc:
            if isinstance(exc, InputError):
                raise
            msg = f"{what} {path} cannot be read ({type(exc).__name__}: {exc})."
            raise InputError(msg) from None
    crs = resolve_crs(gdf.crs, what=what)
    if crs.is_geographic:
        gdf = gdf.set_crs(crs, allow_override=True).to_crs(NORWAY_CRS)
        return gdf, NORWAY_CRS
    auth = crs.to_authority()
    return gdf.set_crs(crs, allow_override=True), (f"{auth[0]}:{auth[1]}" if auth else crs.to_wkt())


def _single_parts(gdf: gpd.GeoDataFrame, what: str) -> tuple[gpd.GeoDataFrame, np.ndarray, np.ndarray]:
    """Lines only, 2-D, one part per row (FGDB stores MultiLineStrings): (rows, their source row, geometries)."""
    import shapely

    geoms = gdf.geometry.to_numpy()
    kinds = shapely.get_type_id(geoms)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    bad = np.flatnonzero(~np.isin(kinds, [1, 5]) & ~missing)
    if len(bad):
        msg = f"{what}: rows {bad[:10].tolist()} are not LineStrings/MultiLineStrings; keep only line features."
        raise InputError(msg)
    if missing.any():
        warnings.warn(f"{what}: {int(missing.sum())} row(s) without geometry are left out (rows "
                      f"{np.flatnonzero(missing)[:10].tolist()}).", DataWarning, stacklevel=4)
    parts, owner = shapely.get_parts(np.where(missing, None, geoms), return_index=True)
    out = gdf.iloc[owner].reset_index(drop=True)
    parts = shapely.force_2d(parts)
    return out.set_geometry(parts), owner.astype(np.int64), parts


def _text(gdf: gpd.GeoDataFrame, col: str | None) -> np.ndarray:
    import pandas as pd

    if col is None:
        return np.full(len(gdf), "", dtype=object)
    s = pd.Series(gdf[col]).astype("string").str.strip().fillna("")
    return s.to_numpy(dtype=object)


def _road_speeds(gdf: gpd.GeoDataFrame, fmap: dict[str, str], rows: np.ndarray, prof: N1000Profile, what: str) -> np.ndarray:
    """Modelled speed in km/h (before the length factor) of each road row."""
    cat = _text(gdf, fmap.get("category"))[rows]
    mway = _text(gdf, fmap.get("motorway"))[rows]
    medium = _text(gdf, fmap.get("medium"))[rows]
    table = {k.upper(): v for k, v in prof.category_kmh.items()}
    speed = np.array([table.get(str(c).upper(), np.nan) for c in cat], dtype=np.float64)
    unknown = ~np.isfinite(speed)
    if unknown.any():
        if "DEFAULT" in table:
            speed[unknown] = table["DEFAULT"]
            warnings.warn(
                f"{what}: {int(unknown.sum())} road row(s) have a vegkategori without a speed in the profile "
                f"({sorted({str(c) for c in cat[unknown]})}); the profile's default {table['DEFAULT']} km/h is used.",
                DataWarning,
                stacklevel=4,
            )
        else:
            idx = rows[unknown][:10].tolist()
            msg = (
                f"{what}: {int(unknown.sum())} road row(s) have a vegkategori with no speed in the profile "
                f"{prof.source or prof.name} (values {sorted({str(c) for c in cat[unknown]})}, rows {idx}); "
                f"add them to [speed.category_kmh] (or a 'default' entry)."
            )
            raise InputError(msg)
    mw = {k.lower(): v for k, v in prof.motorway_kmh.items()}
    over = np.array([mw.get(str(m).lower(), np.nan) for m in mway], dtype=np.float64)
    speed = np.where(np.isfinite(over), over, speed)
    up = np.char.upper(medium.astype(str))
    if prof.tunnel_max_kmh > 0:
        speed = np.where(up == "U", np.minimum(speed, prof.tunnel_max_kmh), speed)
    if prof.bridge_max_kmh > 0:
        speed = np.where(up == "L", np.minimum(speed, prof.bridge_max_kmh), speed)
    return speed


def _classify(gdf: gpd.GeoDataFrame, fmap: dict[str, str], prof: N1000Profile, *, mode: str, include_planned: bool,
              what: str) -> dict[str, Any]:
    """Split the rows into roads, ferries, boats, planned and skipped."""
    typ = _text(gdf, fmap["type"])
    phase = _text(gdf, fmap.get("phase"))
    is_road = np.isin(typ, list(prof.road_types))
    is_ferry = np.isin(typ, list(prof.car_ferry_types))
    is_boat = np.isin(typ, list(prof.passenger_boat_types))
    ignored = np.isin(typ, list(prof.ignored_types))
    unknown_type = ~(is_road | is_ferry | is_boat | ignored)
    open_ = (phase == "") | np.isin(phase, list(prof.open_phases))
    planned = np.isin(phase, list(prof.planned_phases))
    unknown_phase = ~(open_ | planned)
    counts = {
        "rows": len(gdf),
        "by_type": {str(k): int(v) for k, v in zip(*np.unique(typ, return_counts=True), strict=False)},
        "by_phase": {str(k) or "(none)": int(v) for k, v in zip(*np.unique(phase, return_counts=True), strict=False)},
    }
    for mask, values, field, where in ((unknown_type, typ, "typeVeg", "road/car_ferry/passenger_boat/ignored"),
                                       (unknown_phase, phase, "vegfase", "open_phases or planned_phases")):
        if mask.any():
            warnings.warn(
                f"{what}: {int(mask.sum())} row(s) have a {field} the profile does not know "
                f"({sorted({str(v) for v in values[mask]})}); they are left out. Add them to [links] {where} "
                f"in the N1000 profile.",
                DataWarning,
                stacklevel=4,
            )
    use_planned = planned if include_planned else np.zeros(len(gdf), dtype=bool)
    roads = np.flatnonzero(is_road & (open_ | use_planned))
    ferries = np.flatnonzero(is_ferry & (open_ | use_planned))
    boats = np.flatnonzero(is_boat & (open_ | use_planned)) if mode == "boat" else np.zeros(0, dtype=np.int64)
    left_planned = np.flatnonzero((is_road | is_ferry | is_boat) & planned & ~use_planned)
    counts.update({"road_rows": len(roads), "car_ferry_rows": len(ferries), "boat_rows": len(boats),
                   "planned_rows_left_out": len(left_planned), "unknown_type_rows": int(unknown_type.sum()),
                   "unknown_phase_rows": int(unknown_phase.sum())})
    return {"roads": roads, "ferries": ferries, "boats": boats, "planned": left_planned, "counts": counts}


def _planned_records(gdf: gpd.GeoDataFrame, geoms: np.ndarray, fmap: dict[str, str], rows: np.ndarray,
                     prof: N1000Profile, what: str, src_row: np.ndarray) -> list[dict[str, Any]]:
    """The planned links left out, with geometry and speed, for :mod:`geoaccess.network.planned`."""
    import shapely

    if not len(rows):
        return []
    typ = _text(gdf, fmap["type"])[rows]
    road = np.isin(typ, list(prof.road_types))
    kmh = np.full(len(rows), prof.ferry.speed_kmh)
    if road.any():
        kmh[road] = _road_speeds(gdf, fmap, rows[road], prof, what) / prof.length_factor
    cols = {role: _text(gdf, fmap.get(role))[rows] for role in ("category", "number", "medium", "motorway", "phase")}
    out = []
    for k, r in enumerate(rows.tolist()):
        coords = shapely.get_coordinates(geoms[r])
        out.append(
            {
                "row": int(src_row[r]),
                "typeVeg": str(typ[k]),
                "vegkategori": str(cols["category"][k]),
                "vegnummer": str(cols["number"][k]).replace(".0", ""),
                "medium": str(cols["medium"][k]),
                "motorvegtype": str(cols["motorway"][k]),
                "vegfase": str(cols["phase"][k]),
                "kind": "road" if road[k] else "car_ferry",
                "kmh": float(kmh[k]),
                "metres": float(shapely.length(geoms[r])),
                "coords": np.round(coords, 3).tolist(),
            }
        )
    return out


def read_n1000(
    source: str | os.PathLike[str] | gpd.GeoDataFrame,
    *,
    mode: Literal["car", "boat"] = "car",
    profile: str | os.PathLike[str] | N1000Profile = DEFAULT_N1000_PROFILE,
    ferry_wait_minutes: float | None = None,
    boat_wait_minutes: float | None = None,
    boat_routes: str | os.PathLike[str] | gpd.GeoDataFrame | None = None,
    max_connect_m: float | None = None,
    include_planned: bool = False,
    layer: str | None = None,
    snap_tolerance_m: float = 0.1,
) -> Network:
    """Build a car (or car + passenger boat) network from an N1000 road-link layer.

    Parameters
    ----------
    source
        The Veglenke layer: a GML, GeoJSON, FGDB or GeoPackage file, or a GeoDataFrame.
    mode
        ``"car"``: roads and car ferries. ``"boat"``: the same plus passenger boats (the BA
        rules' other mode: drive to the quay, take the boat).
    profile
        ``"n1000"`` (built-in), a TOML path, or an :class:`N1000Profile`.
    ferry_wait_minutes, boat_wait_minutes
        Boarding wait per boarding at a quay in **minutes**; ``None`` uses the profile's.
    boat_routes
        Kartverket's *AnnenBatrute* layer (passenger boat routes, geometry only), for ``mode="boat"``.
    max_connect_m
        Largest gap in metres between a ferry end and a road that is bridged by a connector
        (``None``: the profile's ``[ferry] max_connect_m``).
    include_planned
        Also open the planned links (``vegfase`` P/A); by default they are left out and listed.
    layer
        Layer name in a multi-layer file (default: the only layer, or the one named like ``Veglenke``).
    snap_tolerance_m
        Grid in metres to which coordinates are rounded when noding.

    Returns
    -------
    Network
        Two-way roads, one directed edge per direction; ``meta["n1000"]`` holds the counts, the
        quay table (``ferry_ends``), the planned links, the speeds used and the profile.

    Raises
    ------
    InputError
        The layer lacks ``typeVeg``/``vegkategori`` (not N1000), has no existing road link,
        non-line geometries, or a road category without a speed.
    CRSError
        The layer has no CRS.
    """
    import geopandas as gpd

    from geoaccess.network.lines import lines_to_network
    from geoaccess.network.quays import join_dangling_ends, plan_quays

    if mode not in ("car", "boat"):
        msg = f"read_n1000: mode must be 'car' or 'boat', not {mode!r}."
        raise InputError(msg)
    prof = profile if isinstance(profile, N1000Profile) else load_n1000_profile(profile)
    for name, v in (("ferry_wait_minutes", ferry_wait_minutes), ("boat_wait_minutes", boat_wait_minutes)):
        if v is not None and not (np.isfinite(v) and 0 <= v <= 24 * 60):
            msg = f"{name} must be minutes in [0, 1440], got {v!r}."
            raise InputError(msg)
    prof = prof.with_waits(ferry_wait_minutes=ferry_wait_minutes, boat_wait_minutes=boat_wait_minutes)
    connect_m = prof.max_connect_m if max_connect_m is None else float(max_connect_m)
    if not (np.isfinite(connect_m) and connect_m >= 0):
        msg = f"max_connect_m must be metres >= 0, got {max_connect_m!r}."
        raise InputError(msg)
    what = "the N1000 GeoDataFrame" if isinstance(source, gpd.GeoDataFrame) else f"N1000 layer {os.fspath(source)}"
    gdf, crs = _read_layer(source, layer=layer, what=what)
    fmap = n1000_field_map([str(c) for c in gdf.columns], prof)
    missing = [prof.fields[r] for r in ("type", "category") if r not in fmap]
    if missing:
        cols = [c for c in gdf.columns if c != gdf.geometry.name]
        msg = (
            f"{what} is not an N1000 road-link (Veglenke) layer: it has no {' and no '.join(map(repr, missing))} "
            f"field (its fields are {cols}). For another line layer use `geoaccess network build FILE --source lines "
            f"--speed-column COLUMN`."
        )
        raise InputError(msg)
    gdf, src_row, geoms = _single_parts(gdf, what)
    parts = _classify(gdf, fmap, prof, mode=mode, include_planned=include_planned, what=what)
    if not len(parts["roads"]):
        n_planned = len(parts["planned"])
        hint = f" ({n_planned} planned link(s) are left out; pass include_planned=True to open them)" if n_planned else ""
        msg = f"{what} has no existing car road link (typeVeg {sorted(prof.road_types)} with vegfase {sorted(prof.open_phases)}){hint}."
        raise NetworkBuildError(msg)
    roads, ferries, boats = parts["roads"], parts["ferries"], parts["boats"]
    boat_geoms = geoms[boats]
    boat_ids = src_row[boats]
    boat_route_rows = 0
    if mode == "boat" and boat_routes is not None:
        bwhat = "N1000 boat routes" + ("" if isinstance(boat_routes, gpd.GeoDataFrame) else f" {os.fspath(boat_routes)}")
        bgdf, _ = _read_layer(boat_routes, layer=None, what=bwhat)
        bgdf = bgdf.to_crs(crs)
        _, b_row, extra = _single_parts(bgdf, bwhat)
        boat_geoms = np.concatenate([boat_geoms, extra])
        boat_ids = np.concatenate([boat_ids, BOAT_ROUTE_ID_OFFSET + b_row])
        boat_route_rows = len(np.unique(b_row))
    road_kmh = _road_speeds(gdf, fmap, roads, prof, what)
    vessel_geoms = np.concatenate([geoms[ferries], boat_geoms])
    vessel_ids = np.concatenate([src_row[ferries], boat_ids])
    vessel_kind = np.array(["car_ferry"] * len(ferries) + ["boat"] * len(boat_geoms), dtype=object)
    road_geoms, gap_connectors, n_gaps = join_dangling_ends(geoms[roads], max_gap_m=prof.join_gap_m,
                                                            tolerance_m=snap_tolerance_m)
    plan = plan_quays(road_geoms, vessel_geoms, vessel_ids, max_connect_m=connect_m,
                      max_junction_connect_m=min(prof.max_junction_connect_m, connect_m), tolerance_m=snap_tolerance_m)
    # one line table: roads (with the connector vertices), vessels, connectors, stubs ------------------------
    connectors = np.concatenate([gap_connectors, plan.connectors])
    # planned links take part in the noding only, so a road vertex they end on becomes a node (kept by the
    # build for open_planned_links); their edges are dropped again in _finish
    planned_geoms = geoms[parts["planned"]]
    n_r, n_c, n_s, n_p = len(roads), len(connectors), len(plan.stubs), len(planned_geoms)
    kind = np.concatenate([np.full(n_r, "road", dtype=object), vessel_kind,
                           np.full(n_c, "connector", dtype=object), np.full(n_s, "stub", dtype=object),
                           np.full(n_p, "planned", dtype=object)])
    kmh = np.concatenate([road_kmh / prof.length_factor,
                          np.where(vessel_kind == "car_ferry", prof.ferry.speed_kmh, prof.boat.speed_kmh),
                          np.full(n_c + n_s + n_p, prof.connector_kmh)])
    src_id = np.concatenate([src_row[roads], vessel_ids, np.full(n_c + n_s, -1, dtype=np.int64),
                             src_row[parts["planned"]]])
    table = gpd.GeoDataFrame(
        {"kmh": kmh, "link": np.arange(len(kind), dtype=np.int64)},
        geometry=np.concatenate([plan.road_geometries, vessel_geoms, connectors, plan.stubs,
                                 planned_geoms]).astype(object),
        crs=crs,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # components are reported by the build summary
        net = lines_to_network(table, speed_column="kmh", crs=crs, id_column="link", mode=mode,
                               snap_tolerance_m=snap_tolerance_m, what=what)
    net = _finish(net, kind=kind, src_id=src_id, prof=prof)
    info = {
        **parts["counts"],
        "boat_route_rows": boat_route_rows,
        "road_gaps_joined": n_gaps,
        "profile": prof.name,
        "profile_source": prof.source,
        "profile_sha256": prof.sha256,
        "length_factor": prof.length_factor,
        "ferry": {"speed_kmh": prof.ferry.speed_kmh, "wait_minutes": prof.ferry.wait_minutes,
                  "docking_minutes": prof.ferry.docking_minutes},
        "boat": {"speed_kmh": prof.boat.speed_kmh, "wait_minutes": prof.boat.wait_minutes,
                 "docking_minutes": prof.boat.docking_minutes},
        "max_connect_m": connect_m,
        "max_junction_connect_m": min(prof.max_junction_connect_m, connect_m),
        "road_km_by_speed": _km_by_speed(geoms[roads], road_kmh),
        "ferry_ends": _ends_summary(plan.ends),
        "ferry_end_table": plan.ends.to_dict(orient="list"),
        "passenger_boat_rows": sorted({int(r) for r in src_row[boats].tolist()}),
        "planned_links": _planned_records(gdf, geoms, fmap, parts["planned"], prof, what, src_row),
        "include_planned": bool(include_planned),
    }
    info["islands"] = _islands(net)
    meta = dict(net.meta)
    meta.update({"reader": "n1000", "n1000": info, "source": None if isinstance(source, gpd.GeoDataFrame) else os.fspath(source)})
    _warn_unconnected(plan.ends, what)
    from dataclasses import replace

    return replace(net, meta=meta)


def _finish(net: Network, *, kind: np.ndarray, src_id: np.ndarray, prof: N1000Profile) -> Network:
    """Drop the planned edges, flag vessel and connector edges, add boarding time at quays, restore source ids."""
    from dataclasses import replace

    from geoaccess.network.graph import EdgeFlag

    planned = kind[net.way_id] == "planned"
    if planned.any():
        used = np.zeros(net.n_nodes, dtype=bool)
        used[net.tails[~planned]] = True
        used[net.indices[~planned]] = True
        net = net.edge_subset(~planned, used)
    link = net.way_id
    ekind = kind[link]
    vessel = (ekind == "car_ferry") | (ekind == "boat")
    flags = np.where(vessel, EdgeFlag.FERRY, 0) | np.where((ekind == "connector") | (ekind == "stub"), EdgeFlag.CONNECTOR, 0)
    tails = net.tails
    # a quay is a node touched by a non-vessel edge (road, connector or stub)
    land = np.zeros(net.n_nodes, dtype=bool)
    land[tails[~vessel]] = True
    land[net.indices[~vessel]] = True
    board = vessel & land[tails]
    extra = np.where(ekind == "car_ferry", prof.ferry.boarding_seconds, prof.boat.boarding_seconds)
    seconds = net.seconds + np.where(board, extra, 0.0)
    return replace(net, seconds=seconds, flags=flags.astype(np.uint8), way_id=src_id[link])


def _islands(net: Network) -> list[dict[str, Any]]:
    """Every strong component but the largest: size, km of road, ferry edges and mean node position."""
    from geoaccess.network.components import component_labels
    from geoaccess.network.graph import EdgeFlag

    labels = component_labels(net)
    if not len(labels) or labels.max() == 0:
        return []
    k = int(labels.max()) + 1
    tails = net.tails
    inside = labels[tails] == labels[net.indices]
    nodes = np.bincount(labels, minlength=k)
    km = np.bincount(labels[tails][inside], weights=net.metres[inside], minlength=k) / 2000.0
    ferry = np.bincount(labels[tails][inside], weights=((net.flags & EdgeFlag.FERRY) != 0)[inside], minlength=k)
    sx = np.bincount(labels, weights=net.x, minlength=k) / nodes
    sy = np.bincount(labels, weights=net.y, minlength=k) / nodes
    return [{"component": c, "nodes": int(nodes[c]), "road_km": round(float(km[c]), 2),
             "ferry_edges": int(ferry[c]), "x": round(float(sx[c]), 1), "y": round(float(sy[c]), 1)}
            for c in range(1, k)]


def _km_by_speed(geoms: np.ndarray, kmh: np.ndarray) -> dict[str, float]:
    import shapely

    length = shapely.length(geoms) / 1000.0
    out: dict[str, float] = {}
    for v in np.unique(kmh):
        out[f"{v:g}"] = round(float(length[kmh == v].sum()), 1)
    return out


def _ends_summary(ends: pd.DataFrame) -> dict[str, Any]:
    d = ends["road_distance_m"]
    con = ends["status"] == "connector"
    return {
        "ends": len(ends),
        "by_status": {str(k): int(v) for k, v in ends["status"].value_counts().items()},
        "connector_m": {
            "count": int(con.sum()),
            "median": float(np.nanmedian(d[con])) if con.any() else None,
            "p90": float(np.nanpercentile(d[con], 90)) if con.any() else None,
            "max": float(np.nanmax(d[con])) if con.any() else None,
        },
        "unconnected": [
            {"x": round(float(r.x), 1), "y": round(float(r.y), 1), "lines": r.lines, "n_lines": int(r.n_lines),
             "road_distance_m": None if not np.isfinite(r.road_distance_m) else round(float(r.road_distance_m), 1),
             "status": r.status}
            for r in ends[ends["status"].isin(["fork_at_sea", "roadless_quay"])].itertuples()
        ],
    }


def _warn_unconnected(ends: pd.DataFrame, what: str) -> None:
    lonely = ends[ends["status"] == "roadless_quay"]
    if len(lonely):
        listed = ", ".join(
            f"line(s) {r.lines} at ({r.x:.0f}, {r.y:.0f}) {r.road_distance_m / 1000:.1f} km from a road"
            if np.isfinite(r.road_distance_m) else f"line(s) {r.lines} at ({r.x:.0f}, {r.y:.0f})"
            for r in lonely.head(10).itertuples()
        )
        warnings.warn(
            f"{what}: {len(lonely)} ferry/boat end(s) lie beyond the connection distance from every road and stay "
            f"unconnected (a quay stub lets people board there): {listed}{' ...' if len(lonely) > 10 else ''}. "
            f"Raise max_connect_m (CLI --max-connect-m) to join them.",
            DataWarning,
            stacklevel=3,
        )
