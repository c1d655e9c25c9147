"""Road networks from line layers with a speed attribute (NVDB speed limits, any GeoJSON/GeoPackage).

The lines are **noded**: a junction is placed wherever two lines share an end
point *or a vertex* (a vertex of one line coinciding with a vertex of another).
Coordinates are compared after rounding to a grid of ``snap_tolerance_m``
(default 0.1 m, i.e. NVDB's centimetre coordinates agree exactly); vertices
closer than that but on different sides of a grid line are *not* merged, and
lines that cross without a common vertex (bridges, tunnels, or a junction that
the data lack) stay unconnected. Such gaps show up as extra strongly connected
components, which are reported in ``meta["components"]`` and in a warning.

Travel time of each segment is ``metres / (speed_kmh / 3.6)`` seconds, from the
speed attribute (km/h; strings such as ``"50"`` are accepted).

Direction: with ``direction_column=None`` every line is two-way. With a
direction column, values in ``forward_values`` make a line one-way along its
digitised direction, values in ``backward_values`` one-way against it, and
anything else (including missing) two-way.

NVDB (Nasjonal vegdatabank) ``retning``: on *fartsgrense* (speed-limit) objects
``retning`` = ``med``/``mot`` is the direction of the object's linear reference
(*stedfesting*) relative to the road link's metering direction
(*metreringsretning*, the *Referanseretning* code list: "retning i forhold til
nettverkselementets geometri"), not a driving restriction. A speed limit
applies to both directions unless it is registered per lane (*kjørefelt*), and
one-way streets are a separate NVDB object. The Hamar file has ``retning = med``
on all 3,485 rows; reading that as one-way would make every road one-way, so
:func:`read_nvdb_speed_limits` ignores ``retning`` and builds two-way roads.
"""

from __future__ import annotations

import os
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.errors import DataWarning, InputError

if TYPE_CHECKING:
    import geopandas as gpd

    from geoaccess.network.graph import Network

__all__ = ["DEFAULT_SNAP_TOLERANCE_M", "lines_to_network", "read_lines", "read_nvdb_speed_limits"]

DEFAULT_SNAP_TOLERANCE_M = 0.1
"""Grid (metres) to which coordinates are rounded before vertices are matched."""

_FORWARD = ("forward", "ft", "oneway", "one_way", "yes", "true", "1")
_BACKWARD = ("backward", "tf", "reverse", "-1")


def read_lines(
    source: str | os.PathLike[str] | gpd.GeoDataFrame,
    *,
    speed_column: str,
    direction_column: str | None = None,
    forward_values: tuple[str, ...] = _FORWARD,
    backward_values: tuple[str, ...] = _BACKWARD,
    default_speed_kmh: float | None = None,
    layer: str | None = None,
    id_column: str | None = None,
    mode: str = "car",
    snap_tolerance_m: float = DEFAULT_SNAP_TOLERANCE_M,
) -> Network:
    """Build a :class:`Network` from a line layer with a speed attribute.

    Parameters
    ----------
    source
        GeoJSON, GeoPackage, shapefile or FlatGeobuf path, or a GeoDataFrame of (Multi)LineStrings.
    speed_column
        Column with the speed in km/h (numbers or numeric strings).
    direction_column
        Optional column with the direction of travel; ``None`` makes every line two-way.
    forward_values, backward_values
        Direction values (case-insensitive) meaning one-way along / against the digitised direction;
        any other value means two-way.
    default_speed_kmh
        Speed for rows whose speed is missing, non-numeric or ``<= 0``; a warning counts them. With
        ``None`` (default) such rows raise :class:`InputError` naming them.
    layer
        Layer name in a multi-layer file (GeoPackage).
    id_column
        Integer column stored as the edge ``way_id`` (default: the row number).
    mode
        Profile name stored on the network.
    snap_tolerance_m
        Grid in metres to which coordinates are rounded when matching end points and vertices.

    Returns
    -------
    Network
        In the layer's projected CRS (geographic layers are projected with
        :func:`geoaccess.crs.choose_crs`), with ``meta["components"]`` summarising the strongly
        connected components.

    Raises
    ------
    CRSError
        The layer has no CRS.
    InputError
        Missing columns, non-line geometries, or invalid speeds without ``default_speed_kmh``.
    """
    import geopandas as gpd

    from geoaccess.crs import resolve_crs

    if isinstance(source, gpd.GeoDataFrame):
        gdf, what = source, "the line GeoDataFrame"
        src_meta: dict[str, Any] = {}
    else:
        path = os.fspath(source)
        if not os.path.exists(path):
            msg = f"Line layer {path} does not exist."
            raise InputError(msg)
        gdf = gpd.read_file(path, layer=layer) if layer is not None else gpd.read_file(path)
        what = f"Line layer {path}" + (f" (layer {layer!r})" if layer else "")
        src_meta = {"source": path, "layer": layer}
    crs = resolve_crs(gdf.crs, what=what)
    if crs.is_geographic:
        from geoaccess.crs import choose_crs

        if not len(gdf):
            msg = f"{what} has no rows."
            raise InputError(msg)
        w, s, e, n = gdf.total_bounds
        target = choose_crs((w + e) / 2, (s + n) / 2)
        gdf = gdf.set_crs(crs, allow_override=True).to_crs(target)
        crs_str = target
    else:
        auth = crs.to_authority()
        crs_str = f"{auth[0]}:{auth[1]}" if auth else crs.to_wkt()
    for col in (speed_column, direction_column, id_column):
        if col is not None and col not in gdf.columns:
            msg = f"{what} has no column {col!r}; its columns are {[c for c in gdf.columns if c != 'geometry']}."
            raise InputError(msg)
    return lines_to_network(
        gdf,
        speed_column=speed_column,
        direction_column=direction_column,
        forward_values=forward_values,
        backward_values=backward_values,
        default_speed_kmh=default_speed_kmh,
        id_column=id_column,
        mode=mode,
        snap_tolerance_m=snap_tolerance_m,
        crs=crs_str,
        what=what,
        meta=src_meta,
    )


def read_nvdb_speed_limits(
    source: str | os.PathLike[str], *, default_speed_kmh: float | None = None, mode: str = "car"
) -> Network:
    """Read an NVDB *fartsgrense* (speed-limit) line layer, e.g. ``roads/hamar_nvdb_speed_limits_2018.geojson``.

    Speeds come from ``nvdb_fartsgrenseverdi`` (km/h), ``way_id`` from ``lokalid``; ``retning`` is
    ignored (it is the direction of the linear reference, not a driving restriction: see the module
    docstring), so every road is two-way.
    """
    return read_lines(
        source,
        speed_column="nvdb_fartsgrenseverdi",
        direction_column=None,
        id_column="lokalid",
        default_speed_kmh=default_speed_kmh,
        mode=mode,
    )


def _direction_codes(values: Any, forward: tuple[str, ...], backward: tuple[str, ...]) -> np.ndarray:
    """+1 one-way along, -1 one-way against, 0 two-way."""
    import pandas as pd

    s = pd.Series(values).astype("string").str.strip().str.lower()
    fwd = s.isin([v.lower() for v in forward]).fillna(False).to_numpy(dtype=bool)
    bwd = s.isin([v.lower() for v in backward]).fillna(False).to_numpy(dtype=bool)
    return np.where(fwd, 1, np.where(bwd, -1, 0)).astype(np.int8)


def lines_to_network(
    gdf: gpd.GeoDataFrame,
    *,
    speed_column: str,
    crs: str,
    direction_column: str | None = None,
    forward_values: tuple[str, ...] = _FORWARD,
    backward_values: tuple[str, ...] = _BACKWARD,
    default_speed_kmh: float | None = None,
    id_column: str | None = None,
    mode: str = "car",
    snap_tolerance_m: float = DEFAULT_SNAP_TOLERANCE_M,
    what: str = "the line layer",
    meta: dict[str, Any] | None = None,
) -> Network:
    """Node a projected line GeoDataFrame and build the network (see :func:`read_lines`)."""
    import pandas as pd
    import shapely

    from geoaccess.network.components import component_report, component_summary
    from geoaccess.network.graph import Network, gather_shapes

    if not snap_tolerance_m > 0:
        msg = f"snap_tolerance_m must be > 0 metres, got {snap_tolerance_m}."
        raise InputError(msg)
    geoms = gdf.geometry.to_numpy()
    rows = np.arange(len(gdf))
    kinds = shapely.get_type_id(geoms)
    bad = np.flatnonzero(~np.isin(kinds, [1, 5]) & ~shapely.is_missing(geoms))
    if len(bad):
        msg = (
            f"{what}: rows {bad[:10].tolist()} are not LineStrings/MultiLineStrings "
            f"(types {sorted(set(shapely.get_type_id(geoms[bad]).tolist()))}); keep only line features."
        )
        raise InputError(msg)
    # speeds --------------------------------------------------------------------------------------------
    raw = gdf[speed_column]
    speed = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
    invalid = ~np.isfinite(speed) | (speed <= 0)
    n_default = int(invalid.sum())
    if n_default:
        idx = np.flatnonzero(invalid)
        examples = ", ".join(f"row {i} ({speed_column}={raw.iloc[i]!r})" for i in idx[:10])
        if default_speed_kmh is None:
            msg = (
                f"{what}: {n_default} row(s) have a missing or invalid speed in {speed_column!r} (km/h): {examples}"
                f"{' ...' if n_default > 10 else ''}. Fix them, or pass default_speed_kmh= to use a default speed."
            )
            raise InputError(msg)
        if not default_speed_kmh > 0:
            msg = f"default_speed_kmh must be > 0 km/h, got {default_speed_kmh}."
            raise InputError(msg)
        warnings.warn(
            f"{what}: {n_default} row(s) have a missing or invalid speed in {speed_column!r}; "
            f"{default_speed_kmh} km/h is used for them (e.g. {examples}).",
            DataWarning,
            stacklevel=3,
        )
        speed = np.where(invalid, float(default_speed_kmh), speed)
    direction = (
        np.zeros(len(gdf), dtype=np.int8)
        if direction_column is None
        else _direction_codes(gdf[direction_column].to_numpy(), forward_values, backward_values)
    )
    if direction_column is not None and len(direction) and np.all(direction != 0):
        warnings.warn(
            f"{what}: every row is one-way according to {direction_column!r}; check that this column really "
            f"restricts the direction of travel (NVDB 'retning' does not).",
            DataWarning,
            stacklevel=3,
        )
    if id_column is not None:
        ids = pd.to_numeric(gdf[id_column], errors="coerce").to_numpy(dtype=np.float64)
        way = np.where(np.isfinite(ids), ids, -1).astype(np.int64)
    else:
        way = rows.astype(np.int64)
    # explode into parts --------------------------------------------------------------------------------
    parts, part_row = shapely.get_parts(geoms, return_index=True)
    parts = shapely.force_2d(parts)
    xy, vert_part = shapely.get_coordinates(parts, return_index=True)
    # round to the grid and drop consecutive duplicate vertices within a part
    key = np.round(xy / snap_tolerance_m).astype(np.int64)
    same = np.zeros(len(xy), dtype=bool)
    same[1:] = (vert_part[1:] == vert_part[:-1]) & np.all(key[1:] == key[:-1], axis=1)
    xy, key, vert_part = xy[~same], key[~same], vert_part[~same]
    nverts = np.bincount(vert_part, minlength=len(parts))
    # parts reduced to a single point carry no edge
    keep_v = nverts[vert_part] >= 2
    xy, key, vert_part = xy[keep_v], key[keep_v], vert_part[keep_v]
    if len(xy) == 0:
        msg = f"{what} has no line with two distinct vertices."
        raise InputError(msg)
    first = np.ones(len(xy), dtype=bool)
    first[1:] = vert_part[1:] != vert_part[:-1]
    last = np.ones(len(xy), dtype=bool)
    last[:-1] = vert_part[1:] != vert_part[:-1]
    # unique grid keys -> candidate nodes; a vertex is a junction if it is an end point or its key occurs twice
    span = key.max(axis=0) - key.min(axis=0) + 1
    if float(span[0]) * float(span[1]) < 2**62:
        flat = (key[:, 0] - key[:, 0].min()) * span[1] + (key[:, 1] - key[:, 1].min())
        _, inv, counts = np.unique(flat, return_inverse=True, return_counts=True)
    else:  # extent too large for one int64 key at this tolerance
        _, inv, counts = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    inv = inv.ravel()
    is_node = first | last | (counts[inv] > 1)
    node_keys, node_of_vertex = np.unique(inv[is_node], return_inverse=True)
    n = len(node_keys)
    node_xy = np.zeros((n, 2))
    # node coordinate = first vertex with that key (the original, unrounded coordinate)
    vidx = np.flatnonzero(is_node)
    first_occ = np.full(n, len(xy), dtype=np.int64)
    np.minimum.at(first_occ, node_of_vertex, vidx)
    node_xy[:] = xy[first_occ]
    # segments between consecutive junction vertices of the same part
    pos = np.flatnonzero(is_node)
    seg_ok = vert_part[pos[:-1]] == vert_part[pos[1:]]
    a, b = pos[:-1][seg_ok], pos[1:][seg_ok]
    step = np.zeros(len(xy))
    step[1:] = np.hypot(np.diff(xy[:, 0]), np.diff(xy[:, 1]))
    step[first] = 0.0
    cum = np.cumsum(step)
    seg_m = cum[b] - cum[a]
    seg_u = node_of_vertex[np.searchsorted(vidx, a)]
    seg_v = node_of_vertex[np.searchsorted(vidx, b)]
    seg_row = part_row[vert_part[a]]
    loops = seg_u == seg_v
    # flat interior vertices of each segment: the vertices strictly between a and b
    inner_len = b - a - 1
    shape_ptr = np.concatenate([[0], np.cumsum(inner_len)]).astype(np.int64)
    interior = ~is_node
    shape_xy = xy[interior]
    # drop self-loops (a line returning to its own start with no junction in between): useless for routing
    keep_s = ~loops & (seg_m > 0)
    seg_idx = np.flatnonzero(keep_s)
    seg_u, seg_v, seg_m, seg_row = seg_u[keep_s], seg_v[keep_s], seg_m[keep_s], seg_row[keep_s]
    d = direction[seg_row]
    fwd = d >= 0
    bwd = d <= 0
    e_seg = np.concatenate([seg_idx[fwd], seg_idx[bwd]])
    e_rev = np.concatenate([np.zeros(int(fwd.sum()), bool), np.ones(int(bwd.sum()), bool)])
    tails = np.concatenate([seg_u[fwd], seg_v[bwd]])
    heads = np.concatenate([seg_v[fwd], seg_u[bwd]])
    metres = np.concatenate([seg_m[fwd], seg_m[bwd]])
    erow = np.concatenate([seg_row[fwd], seg_row[bwd]])
    seconds = metres / (speed[erow] / 3.6)
    # overlapping lines (NVDB repeats a stretch for several objects) give parallel edges of equal length
    # between the same junctions: keep one, the fastest
    order = np.lexsort((seconds, np.round(metres, 2), heads, tails))
    t_o, h_o, m_o = tails[order], heads[order], np.round(metres[order], 2)
    dup = np.zeros(len(order), dtype=bool)
    dup[1:] = (t_o[1:] == t_o[:-1]) & (h_o[1:] == h_o[:-1]) & (m_o[1:] == m_o[:-1])
    sel = np.sort(order[~dup])
    n_dup = int(dup.sum())
    tails, heads, metres, erow, seconds = tails[sel], heads[sel], metres[sel], erow[sel], seconds[sel]
    e_seg, e_rev = e_seg[sel], e_rev[sel]
    sp, sxy = gather_shapes(shape_ptr, shape_xy, e_seg, reverse=e_rev)
    info = dict(meta or {})
    info.update(
        {
            "reader": "lines",
            "speed_column": speed_column,
            "direction_column": direction_column,
            "snap_tolerance_m": float(snap_tolerance_m),
            "rows": len(gdf),
            "rows_default_speed": n_default,
            "one_way_rows": int((direction != 0).sum()),
            "duplicate_edges_dropped": n_dup,
        }
    )
    net = Network.from_arrays(
        tails,
        heads,
        seconds=seconds,
        metres=metres,
        way_id=way[erow],
        flags=np.zeros(len(tails), np.uint8),
        x=node_xy[:, 0],
        y=node_xy[:, 1],
        node_id=np.arange(n, dtype=np.int64),
        crs=crs,
        shape_ptr=sp,
        shape_xy=sxy,
        mode=mode,
        meta=info,
    )
    report = component_report(net)
    net.meta["components"] = component_summary(report)
    if len(report) > 1:
        from geoaccess.network.components import _island_text

        warnings.warn(
            f"{what}: noding (tolerance {snap_tolerance_m} m) left {len(report)} strongly connected components; "
            f"the largest has {int(report['nodes'].iloc[0])} of {net.n_nodes} nodes. {_island_text(report)}. "
            f"Lines that meet without a shared vertex are not connected.",
            DataWarning,
            stacklevel=3,
        )
    return net
