"""Hamar by car on two NVDB products: the full FKB-Vegnett GML export (2017) vs the speed-limit GeoJSON (2018).

The same random points on the roads are snapped to both networks and routed both ways
(door to door, :func:`geoaccess.engine.travel_time_matrix`); the ratio of the
travel times shows what the detailed export changes. Variants of the GML network with single
rules switched off (one-way and no-entry, barriers) attribute the differences to them.
See ``docs/nvdb.md`` for the results and ``benchmarks/nvdb.py`` for the run.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.network.graph import Network

__all__ = ["GEOJSON", "GML", "compare_travel_times", "hamar_car_networks", "random_road_points"]

GML = "roads/hamar_0403_nvdb_fkbvn_2017.zip"
GEOJSON = "roads/hamar_nvdb_speed_limits_2018.geojson"


def hamar_car_networks(*, cache: bool = True) -> dict[str, Network]:
    """The Hamar car networks compared: ``geojson``, ``gml`` and two ``gml`` variants with rules off.

    ``gml_two_way`` ignores one-way streets and no-entry; ``gml_two_way_open`` also ignores barriers
    (as the GeoJSON network does: it has neither).
    """
    import warnings

    from geoaccess.network.build import build_network
    from geoaccess.network.nvdb_profile import load_nvdb_profile

    car = load_nvdb_profile("car")
    two_way = replace(car, direction="ignore")
    open_ = replace(two_way, barriers=frozenset())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "geojson": build_network(GEOJSON, mode="car", cache=cache),
            "gml": build_network(GML, mode="car", cache=cache),
            "gml_two_way": build_network(GML, mode="car", profile=two_way, cache=cache),  # type: ignore[arg-type]
            "gml_two_way_open": build_network(GML, mode="car", profile=open_, cache=cache),  # type: ignore[arg-type]
        }


def random_road_points(net: Network, n: int, *, seed: int) -> gpd.GeoDataFrame:
    """``n`` points uniformly distributed along the (non-ferry) edges of ``net``, by length, in its CRS."""
    import geopandas as gpd
    import shapely

    from geoaccess.network.graph import EdgeFlag

    rng = np.random.default_rng(seed)
    edges = np.flatnonzero((net.flags & EdgeFlag.FERRY) == 0)
    pick = rng.choice(edges, size=n, p=net.metres[edges] / net.metres[edges].sum())
    lines = net.edge_geometries(pick)
    pts = shapely.line_interpolate_point(lines, rng.random(n), normalized=True)
    return gpd.GeoDataFrame({"point_id": np.arange(n)}, geometry=pts, crs=net.crs)


def compare_travel_times(nets: dict[str, Network], points: gpd.GeoDataFrame, *, reference: str = "geojson"
                         ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All-pairs car times between ``points`` on each network, and their ratios to ``reference``.

    Returns
    -------
    (pairs, summary)
        ``pairs``: ``origin_id``, ``destination_id`` and ``minutes_<network>`` per ordered pair of distinct
        points; ``summary``: per network, pairs reachable on both, the median, 10th and 90th percentile of
        the ratio to ``reference``, the shares within ±5 %, more than 5 % faster and slower, and the pairs
        reachable on one network only.
    """
    import pandas as pd

    from geoaccess.engine import travel_time_matrix

    tables = {}
    for name, net in nets.items():
        tt = travel_time_matrix(net, points, origin_id="point_id", output="array")
        tables[name] = tt.seconds / 60.0
    n = len(points)
    o, d = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    off = o != d
    pairs = pd.DataFrame({"origin_id": o[off], "destination_id": d[off],
                          **{f"minutes_{k}": v[off] for k, v in tables.items()}})
    ref = pairs[f"minutes_{reference}"].to_numpy()
    rows: list[dict[str, Any]] = []
    for name in nets:
        m = pairs[f"minutes_{name}"].to_numpy()
        both = np.isfinite(m) & np.isfinite(ref)
        r = m[both] / ref[both]
        rows.append({
            "network": name,
            "nodes": nets[name].n_nodes,
            "edges": nets[name].n_edges,
            "pairs_both": int(both.sum()),
            "median_ratio": float(np.median(r)) if len(r) else np.nan,
            "p10_ratio": float(np.percentile(r, 10)) if len(r) else np.nan,
            "p90_ratio": float(np.percentile(r, 90)) if len(r) else np.nan,
            "share_within_5pct": float(np.mean(np.abs(r - 1) <= 0.05)) if len(r) else np.nan,
            "share_faster_5pct": float(np.mean(r < 0.95)) if len(r) else np.nan,
            "share_slower_5pct": float(np.mean(r > 1.05)) if len(r) else np.nan,
            "median_minutes": float(np.median(m[both])) if len(r) else np.nan,
            "only_here": int((np.isfinite(m) & ~np.isfinite(ref)).sum()),
            "only_reference": int((~np.isfinite(m) & np.isfinite(ref)).sum()),
        })
    return pairs, pd.DataFrame(rows)
