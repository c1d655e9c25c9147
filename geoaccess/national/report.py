"""The build summary of a national (N1000) network: islands named, quays, planned links, municipalities reached.

:func:`network_report` answers what a planner checks first on a national network:

* **islands**: the strongly connected components the build dropped (roads on islands
  without a car ferry in the data), each named by the municipality it lies in and the
  nearest N1000 settlement name (*stedsnavn*, within 10 km);
* **ferry connections**: how many ferry/boat ends touch a road, got a connector (how far),
  are forks at sea, or stay unconnected (roadless quays), with those listed;
* **planned links** left out (``vegfase = P``), with their road number, length and municipality;
* **municipalities reached**: every municipality's centre (population-weighted, 2015 grid)
  snapped to the network, and whether it reaches and is reached by every other one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import geopandas as gpd

    from geoaccess.network.graph import Network

__all__ = ["network_report"]

_PLACES = "places/kartverket_n1000_stedsnavn_bebyggelse_2025.geojson"
_PLACE_RADIUS_M = 10_000.0


def _label_points(xy: np.ndarray, crs: str, boundaries: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """Municipality (containing or nearest) and nearest settlement name of each point."""
    import geopandas as gpd
    import shapely

    if not len(xy):
        return []
    pts = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=crs)
    b = boundaries.to_crs(crs)[["kommunenummer", "kommunenavn", "geometry"]]
    hit = gpd.sjoin_nearest(pts, b, how="left")
    hit = hit[~hit.index.duplicated(keep="first")]
    names: list[str | None] = [None] * len(xy)
    try:
        from geoaccess.datasets import fetch

        places = gpd.read_file(fetch(_PLACES)).to_crs(crs)
        near = gpd.sjoin_nearest(pts, places[["fulltekst", "geometry"]], how="left", max_distance=_PLACE_RADIUS_M)
        near = near[~near.index.duplicated(keep="first")]
        names = [None if not isinstance(v, str) else v for v in near["fulltekst"].tolist()]
    except Exception:
        pass
    return [{"kommunenummer": str(k), "kommunenavn": str(n), "place": p}
            for k, n, p in zip(hit["kommunenummer"], hit["kommunenavn"], names, strict=False)]


def network_report(
    net: Network,
    *,
    year: int = 2020,
    boundaries: gpd.GeoDataFrame | None = None,
    centres: gpd.GeoDataFrame | None = None,
    max_snap_m: float | None = None,
) -> dict[str, Any]:
    """Summarise a national network (see the module docstring).

    Parameters
    ----------
    net
        A network from :func:`geoaccess.network.build.build_network` on N1000 (``meta["n1000"]``).
    year
        Boundary year for naming and for the reach check (2019, 2020-2023, 2024).
    boundaries, centres
        Municipality polygons / centres to use instead of the year's (centres from the 2015 grid).
    max_snap_m
        Snap distance for the centres (default :data:`geoaccess.national.matrix.DEFAULT_CENTRE_SNAP_M`).

    Returns
    -------
    dict
        ``network`` (sizes), ``islands``, ``ferry_ends``, ``planned_links``, ``municipalities``
        (``count``, ``reachable``, ``unreachable`` list, ``snap_metres`` median/max and where).
    """
    from geoaccess.layers.centres import municipality_boundaries, municipality_centres
    from geoaccess.national import routing
    from geoaccess.national.matrix import DEFAULT_CENTRE_SNAP_M, municipal_matrix, snap_centres

    info = net.meta.get("n1000", {})
    bounds = boundaries if boundaries is not None else municipality_boundaries(year, crs=net.crs)
    islands = list(info.get("islands", []))
    labels = _label_points(np.array([[i["x"], i["y"]] for i in islands]).reshape(-1, 2), net.crs, bounds)
    islands = [{**i, **lab} for i, lab in zip(islands, labels, strict=False)]
    ends = dict(info.get("ferry_ends", {}))
    lonely = list(ends.get("unconnected", []))
    e_lab = _label_points(np.array([[u["x"], u["y"]] for u in lonely]).reshape(-1, 2), net.crs, bounds)
    ends["unconnected"] = [{**u, **lab} for u, lab in zip(lonely, e_lab, strict=False)]
    planned = info.get("planned_links", [])
    p_lab = _label_points(np.array([r["coords"][0] for r in planned]).reshape(-1, 2), net.crs, bounds)
    planned_rows = [{"row": r["row"], "road": f"{r['vegkategori']}{r['vegnummer']}", "medium": r["medium"],
                     "km": round(r["metres"] / 1000.0, 2), "kommunenavn": lab["kommunenavn"]}
                    for r, lab in zip(planned, p_lab, strict=False)]
    if centres is None:
        from geoaccess.layers.population import NATIONAL_GRID_250M, read_ssb_grid

        centres = municipality_centres(bounds, read_ssb_grid(NATIONAL_GRID_250M))
    snap_m = DEFAULT_CENTRE_SNAP_M if max_snap_m is None else max_snap_m
    prep = routing.prepare(net)
    mat = municipal_matrix(prep, centres=centres, year=None, max_snap_m=snap_m)
    _, table = snap_centres(prep, centres, max_snap_m=snap_m)
    wide = mat.pivot(index="origin", columns="destination", values="minutes")
    bad_out = wide.isna().any(axis=1)
    bad_in = wide.isna().any(axis=0)
    bad = sorted(set(wide.index[bad_out]) | set(wide.columns[bad_in]))
    names = dict(zip(table["kommunenummer"].astype(str), table["kommunenavn"], strict=False))
    snap = table["snap_metres"].to_numpy(dtype=np.float64)
    worst = int(np.nanargmax(snap)) if np.isfinite(snap).any() else None
    return {
        "network": net.summary(),
        "islands": islands,
        "ferry_ends": ends,
        "road_gaps_joined": info.get("road_gaps_joined"),
        "planned_links": planned_rows,
        "municipalities": {
            "year": year,
            "count": int(len(table)),
            "reachable": int(len(table) - len(bad)),
            "unreachable": [{"kommunenummer": c, "kommunenavn": names.get(c, "")} for c in bad],
            "snap_metres_median": float(np.nanmedian(snap)),
            "snap_metres_max": float(np.nanmax(snap)) if worst is not None else None,
            "snap_metres_max_at": None if worst is None else str(table["kommunenavn"].iloc[worst]),
            "population_year": mat.attrs["provenance"].get("population_year"),
        },
    }
