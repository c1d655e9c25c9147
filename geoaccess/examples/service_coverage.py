"""Service-coverage demo for eastern Oslo: who lives within 10/20 minutes' walk of key services.

Called by the project-wide demo command with a walk network built from
``osm/oslo-east-filtered.osm.pbf``. Residents are the SSB 2023 250 m grid cells of Oslo whose
centres lie inside the network's extent (the convex hull of its nodes); services are Oslo's
public upper-secondary schools (2024), NAV offices (Etatsbasen 2014) and healthcare sites
(Eurostat GISCO 2020).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import os

    import pandas as pd

    from geoaccess.network.graph import Network

__all__ = ["SERVICE_GROUPS", "service_coverage_demo"]

#: Demo service groups: label -> services of the vocabulary.
SERVICE_GROUPS: dict[str, tuple[str, ...]] = {
    "upper-secondary school (videregående skole)": ("upper_secondary_school",),
    "NAV office (NAV-kontor)": ("nav_office",),
    "healthcare site (helsetjeneste)": ("hospital", "clinic"),
}


def service_coverage_demo(
    net_walk: Network,
    *,
    out_dir: str | os.PathLike[str],
    thresholds: tuple[float, ...] = (10.0, 20.0),
    map_threshold: float = 20.0,
) -> pd.DataFrame:
    """Share of residents within ``thresholds`` minutes' walk of each service group.

    Parameters
    ----------
    net_walk
        Walk network of eastern Oslo (projected, EPSG:25833).
    out_dir
        Folder for ``service_coverage_oslo_east.csv`` and ``uncovered_cells_oslo_east.png``.
    thresholds
        Walking-time thresholds in minutes.
    map_threshold
        Threshold (minutes) whose uncovered cells are mapped.

    Returns
    -------
    pandas.DataFrame
        One row per service group and threshold: ``service``, ``threshold_min``, ``residents``,
        ``covered``, ``share`` (0-1), ``share_pct``, ``cells``, ``uncovered_cells``,
        ``facilities`` (sites of the group in the network's extent).
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    from geoaccess.engine.router import Router
    from geoaccess.layers.population import read_ssb_grid
    from geoaccess.layers.services import (
        combine_services,
        read_etatsbasen,
        read_healthcare,
        read_oslo_upper_secondary,
    )
    from geoaccess.measures.population_coverage import coverage
    from geoaccess.report.atomic import write_table
    from geoaccess.report.maps import png_map

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    crs = net_walk.crs
    hull = shapely.MultiPoint(np.column_stack([net_walk.x, net_walk.y])).convex_hull

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the SSB .prj note and Etatsbasen's unpositioned units
        cells = read_ssb_grid().to_crs(crs)
        nav = read_etatsbasen(services=["nav_office"])
    centres = cells.geometry.centroid
    inside = shapely.contains_xy(hull, centres.x.to_numpy(), centres.y.to_numpy())
    cells = cells.loc[inside].reset_index(drop=True)
    points = gpd.GeoDataFrame({"cell_id": cells["cell_id"].to_numpy()}, geometry=cells.geometry.centroid, crs=crs)

    sites = combine_services([read_oslo_upper_secondary(crs=crs), nav.to_crs(crs), read_healthcare(crs=crs)], crs=crs)
    in_ext = shapely.contains_xy(hull, sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy())
    sites = sites.loc[in_ext].reset_index(drop=True)
    # services just outside the extract cannot be reached on this network: say so in the table
    router = Router.for_network(net_walk)
    tt = router.matrix(router.snap(points, id_column="cell_id", what="cells"), router.snap(sites, id_column="id",
                       what="services"), cutoff_minutes=float(max(thresholds)))
    minutes = tt.minutes
    pop = cells["population"].to_numpy(dtype=float)

    rows = []
    missing = np.zeros(len(cells), dtype=object)
    missing[:] = ""
    for label, services in SERVICE_GROUPS.items():
        cols = sites["service"].isin(services).to_numpy()
        res = coverage(minutes[:, cols], pop, thresholds_minutes=thresholds, ids=cells["cell_id"].to_numpy())
        s = res.summary.assign(service=label, facilities=int(cols.sum()))
        rows.append(s)
        unc = ~res.table[f"covered_{map_threshold:g}"].to_numpy() & (pop > 0)
        short = label.split(" (")[0]
        missing[unc] = [m + (" + " if m else "") + short for m in missing[unc]]
    table = pd.concat(rows, ignore_index=True).rename(columns={"population": "residents"})
    table["share_pct"] = (100.0 * table["share"]).round(1)
    table = table[["service", "threshold_min", "residents", "covered", "share", "share_pct", "cells", "uncovered_cells", "facilities"]]
    table.attrs["provenance"] = (
        "SSB 250 m population grid 2023 (CC BY 4.0); Oslo kommune upper-secondary schools 2024; "
        "Etatsbasen 2014 (NLOD, Difi); Eurostat GISCO healthcare 2020 (EUPL-1.2); "
        "walk network from OpenStreetMap (ODbL, © OpenStreetMap contributors)"
    )
    write_table(table, out / "service_coverage_oslo_east.csv")

    unc_cells = cells.assign(missing_within=missing).loc[missing != ""]
    if len(unc_cells):
        png_map(
            unc_cells, out / "uncovered_cells_oslo_east.png", column="missing_within", categorical=True,
            cmap="Set2", overlays=(sites[["geometry"]],),
            title=f"Eastern Oslo: residents beyond {map_threshold:g} min walk of a service",
            legend_title=f"Not within {map_threshold:g} min",
        )
    return table
