"""Linear overlay of NVDB objects on road links: where each object lies along which link.

NVDB places objects (speed limits, no-entry, regulations, barriers, turn restrictions) on
*link sequences* (``lenkesekvens``) by normalised position 0..1; a road link (``Veglenke``)
covers ``[startposisjon, sluttposisjon]`` of its sequence, digitised in the sequence's
direction. Positions are turned into metres along a link in proportion to length
(``t = (p - start) / (end - start) · length``).

**Linear overlay** (exact, NVDB's own referencing): an object's extent ``[fra, til]`` on a
sequence is clipped to each link of that sequence; overlaps shorter than ``sliver_m`` (float
noise at shared link ends, typically 1e-7 of a position) are ignored.

**Geometric overlay** (for links no speed limit covers linearly): the dual carriageways
(``kanalisertVeg``) of the export carry no speed limit of their own, since NVDB places limits on
the road's centre line (*vegtrasé*), which the export leaves out; its limit lines still lie
between the two carriageways. Such a link is sampled every ``step_m`` metres; each sample takes
the limit of the nearest limit line within ``tolerance_m`` whose direction there is within
``max_angle_deg`` of the link's (so crossing roads at junctions are ignored), preferring lines the
sample projects onto inside them over lines whose end is nearest; samples without one
take the nearest sampled value along the same link; the link is split midway between samples
whose values differ.

**Pieces** are the parts of links between consecutive cut points (object ends, barriers and
geometric value changes), merged when closer than ``sliver_m``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "GeometricLimits",
    "Links",
    "Pieces",
    "cover_pieces",
    "cut_pieces",
    "geometric_limits",
    "locate_points",
    "piece_geometries",
    "place_extents",
    "run_direction",
]


class Links(NamedTuple):
    """Road links prepared for the overlay.

    Attributes
    ----------
    seq : numpy.ndarray of int64, shape (n,)
        Link sequence id.
    start, end : numpy.ndarray of float64, shape (n,)
        Normalised positions on the sequence (``start < end``).
    length_m : numpy.ndarray of float64, shape (n,)
        2D length in metres.
    geometry : numpy.ndarray of shapely LineStrings, shape (n,)
        2D geometry in EPSG:25833, digitised from ``start`` to ``end``.
    """

    seq: np.ndarray
    start: np.ndarray
    end: np.ndarray
    length_m: np.ndarray
    geometry: np.ndarray


class Pieces(NamedTuple):
    """Parts of links between cut points, sorted by link and position.

    Attributes
    ----------
    link : numpy.ndarray of int64, shape (p,)
        Link row.
    t0, t1 : numpy.ndarray of float64, shape (p,)
        Start and end in metres along the link (``t1 - t0 >= sliver_m`` unless the link is shorter).
    """

    link: np.ndarray
    t0: np.ndarray
    t1: np.ndarray


class GeometricLimits(NamedTuple):
    """Speed limits found along links by geometry (see the module docstring).

    Attributes
    ----------
    link, t0, t1 : numpy.ndarray, shape (g,)
        Link row and the stretch in metres along it.
    kmh : numpy.ndarray of float64, shape (g,)
        Speed limit in km/h.
    rows_used : numpy.ndarray of int64
        Rows of the limit layer that gave at least one sample its value.
    """

    link: np.ndarray
    t0: np.ndarray
    t1: np.ndarray
    kmh: np.ndarray
    rows_used: np.ndarray


def place_extents(links: Links, seq: np.ndarray, fra: np.ndarray, til: np.ndarray, *, sliver_m: float) -> pd.DataFrame:
    """Clip linear extents ``[fra, til]`` on sequences ``seq`` to the links.

    Returns
    -------
    pandas.DataFrame
        ``extent`` (position in the inputs), ``link``, ``t0``, ``t1`` (metres along the link); one row
        per link an extent overlaps by at least ``sliver_m`` metres.
    """
    import pandas as pd

    ext = pd.DataFrame({"extent": np.arange(len(seq)), "seq": np.asarray(seq, np.int64),
                        "fra": np.minimum(fra, til), "til": np.maximum(fra, til)})
    lk = pd.DataFrame({"link": np.arange(len(links.seq)), "seq": links.seq, "s0": links.start, "s1": links.end,
                       "L": links.length_m})
    m = ext.merge(lk, on="seq")
    lo = np.maximum(m["fra"].to_numpy(), m["s0"].to_numpy())
    hi = np.minimum(m["til"].to_numpy(), m["s1"].to_numpy())
    scale = m["L"].to_numpy() / (m["s1"].to_numpy() - m["s0"].to_numpy())
    t0 = np.clip((lo - m["s0"].to_numpy()) * scale, 0.0, m["L"].to_numpy())
    t1 = np.clip((hi - m["s0"].to_numpy()) * scale, 0.0, m["L"].to_numpy())
    keep = (t1 - t0) >= sliver_m
    out = pd.DataFrame({"extent": m["extent"].to_numpy()[keep], "link": m["link"].to_numpy()[keep],
                        "t0": t0[keep], "t1": t1[keep]})
    return out.sort_values(["extent", "link"], kind="stable").reset_index(drop=True)


def locate_points(links: Links, seq: np.ndarray, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Link row and metres along it of point positions ``pos`` on sequences ``seq``.

    A position on the boundary of two links goes to the first of them; positions on no link give
    link ``-1`` and ``t = nan``.
    """
    import pandas as pd

    pts = pd.DataFrame({"point": np.arange(len(seq)), "seq": np.asarray(seq, np.int64), "p": np.asarray(pos, float)})
    lk = pd.DataFrame({"link": np.arange(len(links.seq)), "seq": links.seq, "s0": links.start, "s1": links.end,
                       "L": links.length_m})
    m = pts.merge(lk, on="seq")
    eps = 1e-9
    m = m[(m["p"] >= m["s0"] - eps) & (m["p"] <= m["s1"] + eps)].drop_duplicates("point")
    link = np.full(len(seq), -1, dtype=np.int64)
    t = np.full(len(seq), np.nan)
    link[m["point"].to_numpy()] = m["link"].to_numpy()
    frac = (m["p"].to_numpy() - m["s0"].to_numpy()) / (m["s1"].to_numpy() - m["s0"].to_numpy())
    t[m["point"].to_numpy()] = np.clip(frac, 0.0, 1.0) * m["L"].to_numpy()
    return link, t


def cut_pieces(length_m: np.ndarray, cut_link: np.ndarray, cut_t: np.ndarray, *, sliver_m: float) -> Pieces:
    """Split links at cut points (metres along the link), merging cuts closer than ``sliver_m``.

    A cut within ``sliver_m`` of a link end or of the previous kept cut is dropped (greedily, in order
    of position), so every piece of a link longer than ``sliver_m`` is at least that long.
    """
    n = len(length_m)
    cut_link = np.asarray(cut_link, np.int64)
    cut_t = np.asarray(cut_t, float)
    inner = (cut_t >= sliver_m) & (cut_t <= length_m[cut_link] - sliver_m)
    cl, ct = cut_link[inner], cut_t[inner]
    order = np.lexsort((ct, cl))
    cl, ct = cl[order], ct[order]
    keep = np.ones(len(cl), dtype=bool)
    close = np.zeros(len(cl), dtype=bool)
    close[1:] = (cl[1:] == cl[:-1]) & (ct[1:] - ct[:-1] < sliver_m)
    if close.any():  # greedy pass, in position order, over the few links with close cuts
        last_link, last_t = -1, -np.inf
        for i, (li, ti) in enumerate(zip(cl.tolist(), ct.tolist(), strict=True)):
            if li == last_link and ti - last_t < sliver_m:
                keep[i] = False
            else:
                last_link, last_t = li, ti
    cl, ct = cl[keep], ct[keep]
    counts = np.bincount(cl, minlength=n)
    links = np.repeat(np.arange(n, dtype=np.int64), counts + 1)
    starts = np.zeros(len(links))
    ends = np.zeros(len(links))
    first = np.concatenate([[0], np.cumsum(counts + 1)[:-1]])
    last = first + counts
    is_first = np.zeros(len(links), dtype=bool)
    is_first[first] = True
    is_last = np.zeros(len(links), dtype=bool)
    is_last[last] = True
    starts[~is_first] = ct
    ends[~is_last] = ct
    ends[is_last] = length_m
    return Pieces(link=links, t0=starts, t1=ends)


def cover_pieces(pieces: Pieces, link: np.ndarray, t0: np.ndarray, t1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (piece, stretch) such that the piece's midpoint lies in stretch ``[t0, t1]`` of ``link``.

    Returns
    -------
    (piece index, stretch index), both int64 arrays of equal length.
    """
    span = float(np.max(pieces.t1, initial=0.0)) + 1.0
    mid = pieces.link * span + (pieces.t0 + pieces.t1) / 2
    lo = np.searchsorted(mid, np.asarray(link) * span + np.asarray(t0), side="left")
    hi = np.searchsorted(mid, np.asarray(link) * span + np.asarray(t1), side="right")
    cnt = np.maximum(hi - lo, 0)
    stretch = np.repeat(np.arange(len(lo), dtype=np.int64), cnt)
    k = np.arange(int(cnt.sum())) - np.repeat((np.cumsum(cnt) - cnt), cnt)
    return (np.repeat(lo, cnt) + k).astype(np.int64), stretch


def piece_geometries(links: Links, pieces: Pieces) -> np.ndarray:
    """Shapely LineStrings of the pieces (the link's own geometry where it is not cut)."""
    import shapely
    from shapely.ops import substring

    out = links.geometry[pieces.link].copy()
    whole = (pieces.t0 <= 0.0) & (pieces.t1 >= links.length_m[pieces.link])
    for i in np.flatnonzero(~whole).tolist():
        out[i] = substring(links.geometry[pieces.link[i]], float(pieces.t0[i]), float(pieces.t1[i]))
    return shapely.force_2d(out)


def run_direction(lines: np.ndarray, geoms: np.ndarray, t0: np.ndarray, t1: np.ndarray, *, step_m: float = 1.0
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Direction of other lines ``geoms`` relative to ``lines`` on stretches ``[t0, t1]`` of them.

    For each pair, two points ``step_m`` apart around the stretch's midpoint are located on the other
    line: ``+1`` when it runs the same way, ``-1`` when it runs against, ``0`` when undecided.
    Local, so a closed other line (a roundabout) is handled correctly.

    Returns
    -------
    (sign as int8, distance in metres from the stretch's midpoint to the other line)
    """
    import shapely

    mid = (t0 + t1) / 2
    half = np.minimum(step_m, (t1 - t0) / 4) / 2
    pa = shapely.line_interpolate_point(lines, mid - half)
    pb = shapely.line_interpolate_point(lines, mid + half)
    pm = shapely.line_interpolate_point(lines, mid)
    la = shapely.line_locate_point(geoms, pa)
    lb = shapely.line_locate_point(geoms, pb)
    d = lb - la
    sign = np.where(np.abs(d) > 1e-6, np.sign(d), 0).astype(np.int8)
    # a jump across the seam of a closed line reads as a long way back: ignore it
    sign[np.abs(d) > 4 * np.maximum(half, 1e-3) + 1.0] = 0
    return sign, shapely.distance(pm, geoms)


def geometric_limits(
    links: Links,
    link: np.ndarray,
    u0: np.ndarray,
    u1: np.ndarray,
    limit_geoms: np.ndarray,
    limit_kmh: np.ndarray,
    *,
    tolerance_m: float,
    step_m: float = 2.0,
    max_angle_deg: float = 30.0,
) -> GeometricLimits:
    """Speed limits along stretches ``[u0, u1]`` of links from nearby parallel limit lines.

    See the module docstring for the rule. Stretches where no sample finds a line are left out.
    """
    import shapely

    link = np.asarray(link, np.int64)
    u0 = np.asarray(u0, float)
    u1 = np.asarray(u1, float)
    empty = GeometricLimits(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0, np.int64))
    if len(link) == 0 or len(limit_geoms) == 0:
        return empty
    n_s = np.maximum(np.round((u1 - u0) / step_m).astype(np.int64), 1)
    st = np.repeat(np.arange(len(link)), n_s)
    k = np.arange(int(n_s.sum())) - np.repeat((np.cumsum(n_s) - n_s), n_s)
    s = u0[st] + (k + 0.5) * (u1 - u0)[st] / n_s[st]
    g = links.geometry[link[st]]
    lens = links.length_m[link[st]]
    pts = shapely.line_interpolate_point(g, s)
    d_link = (shapely.get_coordinates(shapely.line_interpolate_point(g, np.minimum(s + 0.5, lens)))
              - shapely.get_coordinates(shapely.line_interpolate_point(g, np.maximum(s - 0.5, 0.0))))
    d_link /= np.maximum(np.linalg.norm(d_link, axis=1), 1e-9)[:, None]
    valid = shapely.is_valid(limit_geoms) & ~shapely.is_missing(limit_geoms)
    rows_ok = np.flatnonzero(valid)
    tree = shapely.STRtree(limit_geoms[rows_ok])
    pi, li = tree.query(pts, predicate="dwithin", distance=tolerance_m)
    li = rows_ok[li]
    value = np.full(len(s), np.nan)
    row = np.full(len(s), -1, dtype=np.int64)
    if len(pi):
        cand = limit_geoms[li]
        loc = shapely.line_locate_point(cand, pts[pi])
        q = (shapely.get_coordinates(shapely.line_interpolate_point(cand, loc + 0.5))
             - shapely.get_coordinates(shapely.line_interpolate_point(cand, np.maximum(loc - 0.5, 0.0))))
        q /= np.maximum(np.linalg.norm(q, axis=1), 1e-9)[:, None]
        ok = np.abs((q * d_link[pi]).sum(axis=1)) >= np.cos(np.radians(max_angle_deg))
        # a sample beyond the end of a line is only a fallback: where one limit ends and the next begins,
        # the line the sample projects onto (not the nearer end of the other) decides
        beyond = ((loc <= 1e-6) | (loc >= shapely.length(cand) - 1e-6))[ok]
        pi, li = pi[ok], li[ok]
        dist = shapely.distance(pts[pi], limit_geoms[li])
        order = np.lexsort((dist, beyond, pi))
        pi, li = pi[order], li[order]
        first = np.ones(len(pi), dtype=bool)
        first[1:] = pi[1:] != pi[:-1]
        value[pi[first]] = limit_kmh[li[first]]
        row[pi[first]] = li[first]
    # fill samples without a line from the nearest sampled value of the same stretch
    has = np.isfinite(value)
    if not has.any():
        return empty
    idx = np.arange(len(s))
    prev = np.where(has, idx, -1)
    prev = np.maximum.accumulate(prev)
    nxt = np.where(has, idx, len(s))
    nxt = np.minimum.accumulate(nxt[::-1])[::-1]
    prev_ok = (prev >= 0) & (st[np.maximum(prev, 0)] == st)
    next_ok = (nxt < len(s)) & (st[np.minimum(nxt, len(s) - 1)] == st)
    use_prev = prev_ok & (~next_ok | (idx - prev <= nxt - idx))
    src = np.where(use_prev, prev, np.where(next_ok, nxt, -1))
    filled = src >= 0
    val = np.where(filled, value[np.maximum(src, 0)], np.nan)
    # runs of equal value within a stretch
    keep_s = filled
    s_k, st_k, v_k = s[keep_s], st[keep_s], val[keep_s]
    brk = np.ones(len(s_k), dtype=bool)
    brk[1:] = (st_k[1:] != st_k[:-1]) | (v_k[1:] != v_k[:-1])
    starts = np.flatnonzero(brk)
    ends = np.concatenate([starts[1:], [len(s_k)]]) - 1
    run_st = st_k[starts]
    first_of_st = np.ones(len(starts), dtype=bool)
    first_of_st[1:] = run_st[1:] != run_st[:-1]
    last_of_st = np.ones(len(starts), dtype=bool)
    last_of_st[:-1] = run_st[1:] != run_st[:-1]
    r0 = np.where(first_of_st, u0[run_st], (s_k[np.maximum(starts - 1, 0)] + s_k[starts]) / 2)
    r1 = np.where(last_of_st, u1[run_st], (s_k[ends] + s_k[np.minimum(ends + 1, len(s_k) - 1)]) / 2)
    return GeometricLimits(link=link[run_st], t0=r0, t1=r1, kmh=v_k[starts], rows_used=np.unique(row[row >= 0]))
