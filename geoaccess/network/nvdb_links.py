"""Attributes of NVDB road-link pieces: speed limits, directions, closures (mode-independent).

:func:`link_pieces` turns an :class:`~geoaccess.network.nvdb_gml.FkbExport` into pieces of links
(:mod:`geoaccess.network.nvdb_overlay`) with everything a travel mode needs to decide on them:
the posted limit and where it came from, the lane overview, no-entry directions, pedestrian
street and traffic regulations, and barrier positions. :mod:`geoaccess.network.nvdb_network`
applies a profile to them.

Rules (documented with their evidence in ``docs/nvdb.md``):

* **Lanes** (``feltoversikt``, e.g. ``1#2``, ``1``, ``2``, ``1#2#3S``, ``1K#2K``): odd lane numbers run
  along the link's digitised direction, even numbers against it; a letter suffix ``S`` is a cycle
  lane, ``K`` a bus lane (*kollektivfelt*), other letters (``H``/``V`` turn lanes) are ordinary lanes.
  No lane overview: no direction information.
* **No entry** (``InnkjøringForbudt``): the export gives ``retning = med`` on every object; the
  forbidden direction is the direction the object's line is digitised in, compared with the link
  locally (agrees with the lane overview on every one-way link in Hamar).
* **Speed limits**: linear first, then geometric for links without a linear limit (see
  :mod:`geoaccess.network.nvdb_overlay`); where limits of different value overlap, the **lowest**
  applies (counted as conflicts).
"""

from __future__ import annotations

import re
import warnings
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from geoaccess.errors import DataWarning, InputError
from geoaccess.network.nvdb_overlay import (
    Links,
    Pieces,
    cover_pieces,
    cut_pieces,
    geometric_limits,
    locate_points,
    piece_geometries,
    place_extents,
    run_direction,
)

if TYPE_CHECKING:
    import pandas as pd

    from geoaccess.network.nvdb_gml import FkbExport, LinearLayer

__all__ = ["DEFAULT_OVERLAY_TOLERANCE_M", "DEFAULT_SLIVER_M", "LinkPieces", "lane_directions", "link_pieces"]

DEFAULT_SLIVER_M = 0.5
"""Overlaps and pieces shorter than this many metres are float noise at shared link ends."""
DEFAULT_OVERLAY_TOLERANCE_M = 10.0
"""Largest distance in metres between a limit line and a link it gives its limit to geometrically."""

ROAD_TYPES = frozenset({"enkelBilveg", "kanalisertVeg", "rampe", "rundkjøring", "gatetun"})
"""Link types (``typeVeg``) of motor roads: only these get speed limits by the geometric overlay."""

_LANE = re.compile(r"^\s*(\d+)([A-Za-z]*)\d*\s*$")
SPEED_LINEAR, SPEED_GEOMETRIC, SPEED_NONE = 0, 1, 2


class LinkPieces(NamedTuple):
    """Pieces of links with their mode-independent attributes.

    Attributes
    ----------
    links : Links
        The links (sequence, positions, length, geometry).
    table : pandas.DataFrame
        One row per link: ``lokal_id``, ``type_veg``, ``vegkategori``, ``vegnummer``, ``vegstatus``,
        ``feltoversikt``, ``sekvens``.
    pieces : Pieces
        Link row and metres along it.
    geometry : numpy.ndarray of shapely LineStrings
        Piece geometries (EPSG:25833).
    kmh : numpy.ndarray of float64
        Posted limit in km/h (``nan``: none found).
    kmh_source : numpy.ndarray of int8
        0 linear, 1 geometric, 2 none.
    conflict : numpy.ndarray of bool
        Limits of different value overlap on the piece (the lowest is in ``kmh``).
    no_entry_fwd, no_entry_bwd : numpy.ndarray of bool
        Entry forbidden along / against the link's direction.
    pedestrian_street : numpy.ndarray of bool
        Covered by ``Gågatereguleringer``.
    regulations : list of frozenset of str
        ``Trafikkreguleringer`` values covering the piece.
    barrier_start, barrier_end : numpy.ndarray of object
        Barrier type at the piece's start / end (``""`` unknown type, ``None`` no barrier).
    turns : pandas.DataFrame
        Turn restrictions: ``source_id``, ``from_piece``, ``from_t``, ``to_piece``, ``to_t`` (metres
        along the piece; piece ``-1`` when the position is on no link).
    counts : dict
        What was read, placed and resolved (see ``docs/nvdb.md``).
    """

    links: Links
    table: pd.DataFrame
    pieces: Pieces
    geometry: np.ndarray
    kmh: np.ndarray
    kmh_source: np.ndarray
    conflict: np.ndarray
    no_entry_fwd: np.ndarray
    no_entry_bwd: np.ndarray
    pedestrian_street: np.ndarray
    regulations: list[frozenset[str]]
    barrier_start: np.ndarray
    barrier_end: np.ndarray
    turns: pd.DataFrame
    counts: dict[str, Any]


def lane_directions(values: Any) -> dict[str, np.ndarray]:
    """Directions from lane overviews (``feltoversikt``), one entry per value.

    Returns
    -------
    dict
        ``known`` (a lane overview was given), ``car_fwd``, ``car_bwd`` (an ordinary lane along /
        against the link), ``bike_fwd``, ``bike_bwd`` (an ordinary or cycle lane), each bool (n,).
    """
    import pandas as pd

    s = pd.Series(values, dtype=object)
    uniq = pd.unique(s.fillna(""))
    table = {}
    for v in uniq:
        flags = [False] * 5
        codes = [c for c in str(v).split("#") if c.strip()]
        for code in codes:
            m = _LANE.match(code)
            if not m:
                continue
            flags[0] = True
            fwd = int(m.group(1)) % 2 == 1
            letters = m.group(2).upper()
            if "K" not in letters and "S" not in letters:
                flags[1 if fwd else 2] = True
            if "K" not in letters:
                flags[3 if fwd else 4] = True
        table[v] = flags
    arr = np.array([table[v] for v in s.fillna("")], dtype=bool).reshape(-1, 5)
    return dict(zip(("known", "car_fwd", "car_bwd", "bike_fwd", "bike_bwd"), arr.T, strict=True))


def _links(export: FkbExport) -> tuple[Links, pd.DataFrame, dict[str, Any]]:
    import pandas as pd
    import shapely

    layer = export.layers["Veglenke"]
    t = layer.table
    what = f"{export.source} ({export.members['Veglenke']})"
    geom = layer.geometry
    bad_geom = np.flatnonzero(shapely.get_type_id(geom) != 1)
    if len(bad_geom):
        ids = t["lokal_id"].iloc[bad_geom[:10]].tolist()
        msg = f"{what}: links {ids} have no LineString centre line (senterlinje); a road link needs one."
        raise InputError(msg)
    start = pd.to_numeric(t["start"], errors="coerce").to_numpy(float)
    end = pd.to_numeric(t["slutt"], errors="coerce").to_numpy(float)
    seq = pd.to_numeric(t["sekvens"], errors="coerce").to_numpy(float)
    bad = ~np.isfinite(seq) | ~(start < end) | (start < -1e-9) | (end > 1 + 1e-9)
    if bad.any():
        idx = np.flatnonzero(bad)[:10]
        shown = ", ".join(f"{t['lokal_id'].iloc[i]} (sekvens {t['sekvens'].iloc[i]}, {start[i]}..{end[i]})" for i in idx)
        msg = (f"{what}: {int(bad.sum())} links have no link sequence or positions outside 0 <= startposisjon < "
               f"sluttposisjon <= 1: {shown}. Their linear references cannot be used.")
        raise InputError(msg)
    length = shapely.length(geom)
    dup = t["lokal_id"].duplicated().to_numpy() & t["lokal_id"].notna().to_numpy()
    keep = ~dup & (length > 0)
    counts = {"links_read": len(t), "links_duplicate": int(dup.sum()), "links_zero_length": int((length <= 0).sum())}
    table = t.loc[keep, ["lokal_id", "sekvens", "type_veg", "vegkategori", "vegnummer", "vegstatus", "feltoversikt",
                         "detaljniva", "adressenavn"]].reset_index(drop=True)
    links = Links(seq=seq[keep].astype(np.int64), start=start[keep], end=end[keep], length_m=length[keep],
                  geometry=geom[keep])
    counts["links"] = len(table)
    counts["links_km"] = round(float(length[keep].sum()) / 1000, 3)
    return links, table, counts


def _unique_extents(layer: LinearLayer) -> pd.DataFrame:
    """Extents with the object id, each (object, sequence, from, to) once (the export repeats multi-part objects)."""
    ext = layer.extents.copy()
    ext["lokal_id"] = layer.table["lokal_id"].to_numpy()[ext["row"].to_numpy()]
    return ext.drop_duplicates(["lokal_id", "sekvens", "fra", "til"]).reset_index(drop=True)


def _gaps(n: int, length: np.ndarray, link: np.ndarray, t0: np.ndarray, t1: np.ndarray, sliver: float
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stretches of links not covered by the stretches (link, t0, t1), at least ``sliver`` long."""
    order = np.lexsort((t0, link))
    link, t0, t1 = link[order], t0[order], t1[order]
    out_l, out_a, out_b = [np.flatnonzero(np.bincount(link, minlength=n) == 0)], [], []
    out_a.append(np.zeros(len(out_l[0])))
    out_b.append(length[out_l[0]])
    if len(link):
        # running maximum of t1 within each link
        reach = t1.copy()
        first = np.ones(len(link), dtype=bool)
        first[1:] = link[1:] != link[:-1]
        grp = np.cumsum(first) - 1
        offs = grp * (float(length.max()) + 1.0)
        reach = np.maximum.accumulate(reach + offs) - offs
        prev_reach = np.where(first, 0.0, np.concatenate([[0.0], reach[:-1]]))
        gap = t0 - prev_reach >= sliver
        out_l.append(link[gap])
        out_a.append(prev_reach[gap])
        out_b.append(t0[gap])
        last = np.ones(len(link), dtype=bool)
        last[:-1] = link[1:] != link[:-1]
        tail = last & (length[link] - reach >= sliver)
        out_l.append(link[tail])
        out_a.append(reach[tail])
        out_b.append(length[link[tail]])
    return np.concatenate(out_l).astype(np.int64), np.concatenate(out_a), np.concatenate(out_b)


def _speed_objects(export: FkbExport, what: str) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, dict[str, Any]]:
    """Speed-limit extents (with km/h), the limit lines' geometries and values, and counts."""
    import pandas as pd

    layer = export.layers.get("Fartsgrense")
    if layer is None:
        warnings.warn(f"{what} has no Fartsgrense (speed limit) member; every link gets its default speed.",
                      DataWarning, stacklevel=4)
        empty = pd.DataFrame({"lokal_id": [], "sekvens": [], "fra": [], "til": [], "kmh": []})
        return empty, np.zeros(0, dtype=object), np.zeros(0), {"speed_limit_objects": 0}
    kmh = pd.to_numeric(layer.table["verdi"], errors="coerce").to_numpy(float)
    bad = ~(kmh > 0) | (kmh > 130)
    if bad.any():
        ids = layer.table["lokal_id"].to_numpy()[bad][:10].tolist()
        warnings.warn(f"{what}: {int(bad.sum())} Fartsgrense features have no valid limit (0 < km/h <= 130) and are "
                      f"not used, e.g. objects {ids}.", DataWarning, stacklevel=4)
    ext = _unique_extents(layer)
    ext["kmh"] = kmh[ext["row"].to_numpy()]
    ext = ext[np.isfinite(ext["kmh"]) & ~bad[ext["row"].to_numpy()]].reset_index(drop=True)
    geoms = np.where(bad, None, layer.geometry)
    counts = {"speed_limit_objects": int(layer.table["lokal_id"].nunique()), "speed_limit_features": len(layer.table),
              "speed_limit_extents": len(ext), "speed_limit_invalid": int(bad.sum())}
    return ext, geoms, kmh, counts


def _no_entry(export: FkbExport, pieces: Pieces, pgeom: np.ndarray, placed: pd.DataFrame, ext: pd.DataFrame,
              tolerance_m: float) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """Forbidden directions per piece from InnkjøringForbudt (digitised direction = forbidden direction)."""
    n = len(pieces.link)
    fwd = np.zeros(n, dtype=bool)
    bwd = np.zeros(n, dtype=bool)
    layer = export.layers.get("InnkjøringForbudt")
    if layer is None or not len(placed):
        return fwd, bwd, {"no_entry_objects": 0 if layer is None else int(layer.table["lokal_id"].nunique())}
    import pandas as pd

    pc, st = cover_pieces(pieces, placed["link"].to_numpy(), placed["t0"].to_numpy(), placed["t1"].to_numpy())
    pairs = pd.DataFrame({"k": np.arange(len(pc)), "piece": pc,
                          "lokal_id": ext["lokal_id"].to_numpy()[placed["extent"].to_numpy()[st]]})
    rows = pd.DataFrame({"lokal_id": layer.table["lokal_id"].to_numpy(), "row": np.arange(len(layer.table))})
    cand = pairs.merge(rows, on="lokal_id")
    cand_p, cand_r, cand_k = (cand[c].to_numpy(np.int64) for c in ("piece", "row", "k"))
    lens = pieces.t1 - pieces.t0
    sign, dist = run_direction(pgeom[cand_p], layer.geometry[cand_r], np.zeros(len(cand_p)), lens[cand_p])
    # per covered pair, the object's feature nearest to the piece
    order = np.lexsort((dist, cand_k))
    first = np.ones(len(order), dtype=bool)
    first[1:] = cand_k[order][1:] != cand_k[order][:-1]
    best = order[first]
    on = (dist[best] <= tolerance_m) & (sign[best] != 0)
    fwd[cand_p[best][on & (sign[best] > 0)]] = True
    bwd[cand_p[best][on & (sign[best] < 0)]] = True
    counts = {
        "no_entry_objects": int(layer.table["lokal_id"].nunique()),
        "no_entry_links": len(np.unique(pieces.link[cand_p[best][on]])),
        "no_entry_undecided": int((~on).sum()),
    }
    return fwd, bwd, counts


def _barrier_points(export: FkbExport, links: Links) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, int]]:
    """Link row, metres along it and type of every barrier (``Vegsperring``) on a link; counts."""
    layer = export.layers.get("Vegsperring")
    if layer is None:
        return np.zeros(0, np.int64), np.zeros(0), np.zeros(0, dtype=object), {"barriers": 0}
    ext = _unique_extents(layer).drop_duplicates("lokal_id")
    link, t = locate_points(links, ext["sekvens"].to_numpy(), ext["fra"].to_numpy())
    raw = layer.table["type"].to_numpy()[ext["row"].to_numpy()]
    types = np.array([v if isinstance(v, str) else "" for v in raw], dtype=object)
    ok = link >= 0
    counts = {"barriers": int(layer.table["lokal_id"].nunique()), "barriers_on_no_link": int((~ok).sum()),
              "barriers_without_type": int((types == "").sum())}
    return link[ok], t[ok], types[ok], counts


def link_pieces(export: FkbExport, *, sliver_m: float = DEFAULT_SLIVER_M,
                overlay_tolerance_m: float = DEFAULT_OVERLAY_TOLERANCE_M) -> LinkPieces:
    """Cut the export's links into pieces and attach every mode-independent attribute.

    Parameters
    ----------
    export
        From :func:`geoaccess.network.nvdb_gml.read_fkb_zip`.
    sliver_m
        Overlaps and pieces shorter than this (metres) are ignored / merged.
    overlay_tolerance_m
        Largest distance in metres between a speed-limit line and a link for the geometric overlay,
        and between a no-entry line and the link it is placed on.

    Returns
    -------
    LinkPieces
    """
    if not (sliver_m > 0 and overlay_tolerance_m > 0):
        msg = f"sliver_m and overlay_tolerance_m must be > 0 metres, got {sliver_m} and {overlay_tolerance_m}."
        raise InputError(msg)
    links, table, counts = _links(export)
    counts.update({"sliver_m": sliver_m, "overlay_tolerance_m": overlay_tolerance_m})
    sp_ext, sp_geom, sp_kmh, c = _speed_objects(export, export.source)
    counts.update(c)
    sp_placed = place_extents(links, sp_ext["sekvens"].to_numpy(), sp_ext["fra"].to_numpy(), sp_ext["til"].to_numpy(),
                              sliver_m=sliver_m)
    others = {name: _place_layer(export, name, links, sliver_m)
              for name in ("InnkjøringForbudt", "Gågatereguleringer", "Trafikkreguleringer")}
    # geometric limits on motor roads where no linear limit lies
    road = table["type_veg"].isin(ROAD_TYPES).to_numpy() & (table["vegstatus"].to_numpy() != "G")
    g_link, g_a, g_b = _gaps(len(links.seq), links.length_m, sp_placed["link"].to_numpy(), sp_placed["t0"].to_numpy(),
                             sp_placed["t1"].to_numpy(), sliver_m)
    on_road = road[g_link]
    geo = geometric_limits(links, g_link[on_road], g_a[on_road], g_b[on_road], sp_geom, sp_kmh,
                           tolerance_m=overlay_tolerance_m)
    bar_link, bar_t, bar_type, c = _barrier_points(export, links)
    counts.update(c)
    # cut at every object end and barrier
    stretches = [(sp_placed["link"], sp_placed["t0"], sp_placed["t1"]), (geo.link, geo.t0, geo.t1), (bar_link, bar_t, bar_t)]
    stretches += [(placed["link"], placed["t0"], placed["t1"]) for _, placed in others.values()]
    pieces = cut_pieces(links.length_m, np.concatenate([np.asarray(x[0], np.int64) for x in stretches for _ in (0, 1)]),
                        np.concatenate([np.asarray(x[k], float) for x in stretches for k in (1, 2)]), sliver_m=sliver_m)
    counts["pieces"] = len(pieces.link)
    counts["links_split"] = int((np.bincount(pieces.link, minlength=len(links.seq)) > 1).sum())
    pgeom = piece_geometries(links, pieces)
    kmh, src, conflict, c = _piece_speeds(pieces, sp_ext["kmh"].to_numpy(), sp_placed, geo, road, table)
    counts.update(c)
    counts.update(_limits_on_no_link(links, sp_ext, sp_placed, sp_geom, geo.rows_used,
                                     export.layers.get("Fartsgrense"), overlay_tolerance_m))
    ne_fwd, ne_bwd, c = _no_entry(export, pieces, pgeom, others["InnkjøringForbudt"][1],
                                  others["InnkjøringForbudt"][0], overlay_tolerance_m)
    counts.update(c)
    ped, regs, c = _regulations(export, pieces, others)
    counts.update(c)
    b_start, b_end = _barrier_ends(pieces, links.length_m, bar_link, bar_t, bar_type)
    turns = _turn_points(export, links, pieces)
    counts["turn_restriction_objects"] = int(turns["source_id"].nunique())
    tr = export.layers.get("Svingerestriksjon")
    counts["turn_restriction_features"] = 0 if tr is None else len(tr.table)
    counts["turn_restrictions_on_no_link"] = int(((turns["from_piece"] < 0) | (turns["to_piece"] < 0)).sum())
    _warn_counts(export.source, counts)
    return LinkPieces(
        links=links, table=table, pieces=pieces, geometry=pgeom, kmh=kmh, kmh_source=src, conflict=conflict,
        no_entry_fwd=ne_fwd, no_entry_bwd=ne_bwd, pedestrian_street=ped,
        regulations=regs, barrier_start=b_start, barrier_end=b_end, turns=turns, counts=counts,
    )


def _place_layer(export: FkbExport, name: str, links: Links, sliver_m: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(unique extents with object ids, their placements on links) of one line layer; empty when absent."""
    import pandas as pd

    layer = export.layers.get(name)
    if layer is None:
        return (pd.DataFrame({"lokal_id": [], "row": []}),
                pd.DataFrame({"extent": np.zeros(0, np.int64), "link": np.zeros(0, np.int64), "t0": [], "t1": []}))
    ext = _unique_extents(layer)
    return ext, place_extents(links, ext["sekvens"].to_numpy(), ext["fra"].to_numpy(), ext["til"].to_numpy(),
                              sliver_m=sliver_m)


def _piece_speeds(pieces: Pieces, ext_kmh: np.ndarray, placed: pd.DataFrame, geo: Any, road: np.ndarray,
                  table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
    """Limit per piece: the lowest linear limit, else the geometric one, else none (``nan``); counts."""
    n = len(pieces.link)
    kmh = np.full(n, np.nan)
    src = np.full(n, SPEED_NONE, dtype=np.int8)
    pc, st = cover_pieces(pieces, placed["link"].to_numpy(), placed["t0"].to_numpy(), placed["t1"].to_numpy())
    vals = ext_kmh[placed["extent"].to_numpy()[st]]
    kmin = np.full(n, np.inf)
    kmax = np.full(n, -np.inf)
    np.minimum.at(kmin, pc, vals)
    np.maximum.at(kmax, pc, vals)
    lin = np.isfinite(kmin)
    kmh[lin] = kmin[lin]
    src[lin] = SPEED_LINEAR
    conflict = lin & (kmax > kmin)
    gp, gs = cover_pieces(pieces, geo.link, geo.t0, geo.t1)
    take = ~lin[gp]
    kmh[gp[take]] = geo.kmh[gs[take]]
    src[gp[take]] = SPEED_GEOMETRIC
    plen = np.where(road[pieces.link], pieces.t1 - pieces.t0, 0.0)  # km statistics over motor roads only
    link = pieces.link
    change = (link[1:] == link[:-1]) & np.isfinite(kmh[1:]) & np.isfinite(kmh[:-1]) & (kmh[1:] != kmh[:-1])
    both_linear = (src[1:] == SPEED_LINEAR) & (src[:-1] == SPEED_LINEAR)

    def km(mask: np.ndarray) -> float:
        return round(float(plen[mask].sum()) / 1000, 3)

    counts = {
        "speed_limit_splits": int(change.sum()),
        "speed_limit_splits_linear": int((change & both_linear).sum()),
        "speed_limit_split_links": len(np.unique(link[1:][change])),
        "speed_linear_km": km(src == SPEED_LINEAR),
        "speed_geometric_km": km(src == SPEED_GEOMETRIC),
        "speed_geometric_links": len(np.unique(link[src == SPEED_GEOMETRIC])),
        "speed_none_km": km(src == SPEED_NONE),
        "speed_conflict_links": len(np.unique(link[conflict])),
        "speed_conflict_km": km(conflict),
        "speed_conflict_examples": table["lokal_id"].to_numpy()[np.unique(link[conflict])][:10].tolist(),
        "speed_conflict_resolution": "lowest limit",
    }
    return kmh, src, conflict, counts


def _regulations(export: FkbExport, pieces: Pieces, others: dict[str, tuple[pd.DataFrame, pd.DataFrame]]
                 ) -> tuple[np.ndarray, list[frozenset[str]], dict[str, Any]]:
    """Pedestrian-street flag and traffic-regulation values per piece; counts."""
    n = len(pieces.link)
    ped = np.zeros(n, dtype=bool)
    g_ext, g_placed = others["Gågatereguleringer"]
    pp, _ = cover_pieces(pieces, g_placed["link"].to_numpy(), g_placed["t0"].to_numpy(), g_placed["t1"].to_numpy())
    ped[pp] = True
    counts: dict[str, Any] = {"pedestrian_street_objects": int(g_ext["lokal_id"].nunique())}
    regs: list[set[str]] = [set() for _ in range(n)]
    r_ext, r_placed = others["Trafikkreguleringer"]
    if len(r_placed):
        table = export.layers["Trafikkreguleringer"].table
        rp, rs = cover_pieces(pieces, r_placed["link"].to_numpy(), r_placed["t0"].to_numpy(), r_placed["t1"].to_numpy())
        values = table["regulering"].to_numpy()[r_ext["row"].to_numpy()[r_placed["extent"].to_numpy()[rs]]]
        for p, v in zip(rp.tolist(), values.tolist(), strict=True):
            if isinstance(v, str) and v:
                regs[p].add(v)
        counts["regulations"] = {str(k): int(v) for k, v in table["regulering"].value_counts().items()}
    return ped, [frozenset(r) for r in regs], counts


def _barrier_ends(pieces: Pieces, length_m: np.ndarray, bar_link: np.ndarray, bar_t: np.ndarray, bar_type: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Barrier type at each piece's start and end (``None``: no barrier), at the boundary nearest each barrier."""
    n = len(pieces.link)
    b_start = np.full(n, None, dtype=object)
    b_end = np.full(n, None, dtype=object)
    first = np.searchsorted(pieces.link, np.arange(len(length_m)))
    for bl, bt, ty in zip(bar_link.tolist(), bar_t.tolist(), bar_type.tolist(), strict=True):
        lo, hi = int(first[bl]), int(np.searchsorted(pieces.link, bl, side="right"))
        bounds = np.concatenate([pieces.t0[lo:hi], [length_m[bl]]])  # piece starts and the link end
        k = int(np.argmin(np.abs(bounds - bt)))
        if k < hi - lo:
            b_start[lo + k] = ty
        if k > 0:
            b_end[lo + k - 1] = ty
    return b_start, b_end


def _warn_counts(what: str, c: dict[str, Any]) -> None:
    """One DataWarning per kind of object that could not be used as it is."""
    notes = []
    if c.get("speed_limit_objects_on_no_link"):
        notes.append(f"{c['speed_limit_objects_on_no_link']} speed-limit object(s) ({c['speed_limit_on_no_link_km']} km) lie on "
                     f"no link, neither by their link sequence nor within {c['overlay_tolerance_m']} m, and are not used "
                     f"(e.g. {c['speed_limit_on_no_link_examples'][:5]})")
    if c.get("speed_conflict_links"):
        notes.append(f"{c['speed_conflict_links']} link(s) ({c['speed_conflict_km']} km) carry overlapping speed limits of "
                     f"different value; the lowest is used (e.g. links {c['speed_conflict_examples'][:5]})")
    if c.get("barriers_on_no_link"):
        notes.append(f"{c['barriers_on_no_link']} barrier(s) (Vegsperring) lie on no link of the export and are not used")
    if c.get("no_entry_undecided"):
        notes.append(f"{c['no_entry_undecided']} no-entry placement(s) have a line farther than {c['overlay_tolerance_m']} m "
                     f"from their link, so their direction is unknown; they are not used")
    for note in notes:
        warnings.warn(f"{what}: {note}.", DataWarning, stacklevel=4)


def _limits_on_no_link(links: Links, ext: pd.DataFrame, placed: pd.DataFrame, geoms: np.ndarray, rows_used: np.ndarray,
                       layer: LinearLayer | None, tolerance_m: float) -> dict[str, Any]:
    """Speed-limit objects placed linearly, geometrically, redundant along links, or on no link at all."""
    import shapely

    if layer is None or not len(ext):
        return {"speed_limit_objects_on_no_link": 0}
    ids = layer.table["lokal_id"].to_numpy()
    linear = set(ext["lokal_id"].to_numpy()[placed["extent"].to_numpy()].tolist())
    geometric = set(ids[rows_used].tolist()) - linear
    rest = np.flatnonzero(~np.isin(ids, list(linear | geometric)) & ~shapely.is_missing(geoms))
    # does the rest lie along some link (within the tolerance at its quarter points)?
    along = set()
    if len(rest):
        tree = shapely.STRtree(links.geometry)
        frac = np.array([0.25, 0.5, 0.75])
        pts = shapely.line_interpolate_point(np.repeat(geoms[rest], 3), np.tile(frac, len(rest)), normalized=True)
        near = np.zeros(len(pts), dtype=bool)
        pi, _ = tree.query(pts, predicate="dwithin", distance=tolerance_m)
        near[pi] = True
        ok = near.reshape(-1, 3).all(axis=1)
        along = set(ids[rest[ok]].tolist())
    off = sorted(set(ids[rest].tolist()) - along)
    off_km = float(shapely.length(geoms[np.isin(ids, off)]).sum()) / 1000 if off else 0.0
    return {
        "speed_limit_objects_linear": len(linear),
        "speed_limit_objects_geometric": len(geometric),
        "speed_limit_objects_redundant": len(along),
        "speed_limit_objects_on_no_link": len(off),
        "speed_limit_on_no_link_km": round(off_km, 3),
        "speed_limit_on_no_link_examples": [str(v) for v in off[:10]],
        "speed_limit_extents_unknown_sequence": int((~np.isin(ext["sekvens"].to_numpy(), links.seq)).sum()),
    }


def _turn_points(export: FkbExport, links: Links, pieces: Pieces) -> pd.DataFrame:
    import pandas as pd

    layer = export.layers.get("Svingerestriksjon")
    cols = {"source_id": [], "from_piece": [], "from_t": [], "to_piece": [], "to_t": []}
    if layer is None or not len(layer.table):
        return pd.DataFrame(cols)
    t = layer.table.drop_duplicates("lokal_id")
    out = {"source_id": pd.to_numeric(t["lokal_id"], errors="coerce").fillna(-1).astype(np.int64).to_numpy()}
    for side in ("fra", "til"):
        seq = pd.to_numeric(t[f"{side}_sekvens"], errors="coerce").fillna(-1).astype(np.int64).to_numpy()
        pos = pd.to_numeric(t[f"{side}_posisjon"], errors="coerce").to_numpy(float)
        link, tt = locate_points(links, seq, pos)
        span = float(np.max(pieces.t1, initial=0.0)) + 1.0
        key = pieces.link * span + pieces.t0
        piece = np.searchsorted(key, np.where(link >= 0, link * span + tt, -1), side="right") - 1
        piece = np.where(link >= 0, piece, -1)
        out["from_piece" if side == "fra" else "to_piece"] = piece
        out["from_t" if side == "fra" else "to_t"] = np.where(link >= 0, tt - pieces.t0[np.maximum(piece, 0)], np.nan)
    return pd.DataFrame(out)
