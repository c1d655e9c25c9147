"""The car side of the Jessheim story: residents within 30/45 minutes by car on the national N1000 network.

The bus figures (Ruter NeTEx, Øvre Romerike 2017) come from the transit demo; this module answers the
same question by car, door to door under the one counting rule
(:data:`geoaccess.engine.counting.COUNTING_RULE`), on Kartverket's N1000 roads with the national
layer's conventions (:mod:`geoaccess.national.matrix`): a cell's access leg to the nearest road at
``DEFAULT_ACCESS_SPEED_KMH`` up to ``DEFAULT_CELL_SNAP_M``. N1000 is a 1:1M generalisation and
somewhat fast inside built-up areas (``docs/national.md``), so the car figures are an upper bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["N1000_ROADS", "car_population_within"]

N1000_ROADS = "roads/kartverket_n1000_veglenke_2025.gpkg"
"""Kartverket N1000 road links (mainland Norway, car ferries included)."""


def car_population_within(
    origin: gpd.GeoDataFrame,
    cells: gpd.GeoDataFrame,
    *,
    thresholds_minutes: Sequence[float] = (30.0, 45.0),
) -> dict[str, Any]:
    """Residents of ``cells`` within each threshold by car from the one ``origin`` point (N1000).

    Parameters
    ----------
    origin
        One point (any CRS).
    cells
        Population grid cells with ``cell_id`` and ``population`` (polygons; their centres are used).
    thresholds_minutes
        Thresholds in minutes.

    Returns
    -------
    dict
        ``population_within`` ({minutes: residents}), ``cells_within`` ({minutes: cells}),
        ``cells_unsnapped`` (cells farther than the snap distance from every road), ``network``
        (source and size) and ``rule`` (the counting rule).
    """
    from geoaccess.engine.counting import COUNTING_RULE
    from geoaccess.engine.router import Router
    from geoaccess.national.matrix import DEFAULT_ACCESS_SPEED_KMH, DEFAULT_CELL_SNAP_M
    from geoaccess.network.build import build_network

    net = build_network(N1000_ROADS, mode="car")
    router = Router.for_network(net)
    src = router.snap(origin, max_snap_m=DEFAULT_CELL_SNAP_M, access_speed_kmh=DEFAULT_ACCESS_SPEED_KMH,
                      what="origin")
    pts = cells.to_crs(net.crs)
    # warn=False: the unsnapped cells are counted in the result, not warned one by one
    dst = router.snap(pts.set_geometry(pts.geometry.centroid), id_column="cell_id", max_snap_m=DEFAULT_CELL_SNAP_M,
                      access_speed_kmh=DEFAULT_ACCESS_SPEED_KMH, what="cells", warn=False)
    seconds = router.matrix(src, dst).seconds[0]
    pop = cells["population"].to_numpy(dtype=np.float64)
    within, n_cells = {}, {}
    for t in sorted(float(x) for x in thresholds_minutes):
        sel = seconds <= t * 60.0
        within[t] = int(round(pop[sel].sum()))
        n_cells[t] = int(sel.sum())
    return {
        "population_within": within,
        "cells_within": n_cells,
        "cells_unsnapped": int((~dst.snapped).sum()),
        "network": {"source": N1000_ROADS, "nodes": net.n_nodes, "edges": net.n_edges},
        "rule": COUNTING_RULE,
    }
