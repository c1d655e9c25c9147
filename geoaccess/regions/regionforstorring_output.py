"""Writing a regionforstørring result: tables, one GeoPackage, change maps (PNG and offline HTML), run.json.

Files in the output folder (all written atomically):

* ``cells.csv`` — study cells with the jobs within each threshold before, after and the change;
* ``municipalities.csv``, ``regions.csv`` — population-weighted means per municipality and BA-region;
* ``centres.csv`` — residents and jobs within 45/60/90 minutes of each regional centre;
* ``ba_membership.csv`` — BA-region, rule and minutes to the centre before and after (``moved``);
* ``travel_times.csv`` — municipality pairs whose car time changed;
* ``regionforstorring.gpkg`` (:func:`geoaccess.report.gpkg.write_layers`, EPSG:25833, QGIS styles):
  layers ``cells``, ``municipalities``, ``regions``, ``centres``, ``edges`` (added and removed);
* ``change_jobs_<T>min.png`` and ``.html`` per threshold: the change per cell on a diverging
  scale centred on no change (blue = more jobs within reach, red = fewer, white/grey = none);
* ``run.json`` — the result's ``meta`` (inputs, conventions, study area, timings).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import geopandas as gpd

    from geoaccess.regions.regionforstorring import RegionforstorringResult

__all__ = ["change_scale", "write_regionforstorring"]


def change_scale(values: Any, *, title: str) -> Any:
    """The diverging scale of a change map: "no change" (|change| < 0.5) neutral, blue gains, red losses."""
    from geoaccess.report.colours import diverging_scale

    return diverging_scale(values, centre=0.0, cmap="RdBu", neutral=0.5, title=title)


def _polygons(result: RegionforstorringResult, boundaries: gpd.GeoDataFrame) -> tuple[Any, Any]:
    muni = boundaries[["kommunenummer", "geometry"]].merge(result.municipalities, on="kommunenummer", how="inner")
    regions = muni[["region", "geometry"]].dissolve(by="region").reset_index().merge(result.regions, on="region")
    return muni, regions


def write_regionforstorring(
    result: RegionforstorringResult,
    out_dir: str | os.PathLike[str],
    *,
    maps: bool = True,
    map_thresholds_minutes: Sequence[float] | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
) -> dict[str, Path]:
    """Write the tables, the GeoPackage, the change maps and ``run.json`` of a result.

    Parameters
    ----------
    result
        From :func:`geoaccess.regions.regionforstorring.regionforstorring`.
    out_dir
        Output folder (created).
    maps
        Draw the PNG and HTML change maps.
    map_thresholds_minutes
        The thresholds to map (default every threshold of the result).
    boundaries
        Municipality polygons of the result's division (default: read for ``meta["codes_year"]``).

    Returns
    -------
    dict
        Output kind -> path.
    """
    from geoaccess.layers.crosswalk import boundaries_for_year
    from geoaccess.report.atomic import atomic_path, write_table
    from geoaccess.report.gpkg import LayerStyle, write_layers

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    cells = result.cells
    paths["cells"] = write_table(cells.drop(columns=cells.geometry.name), out / "cells.csv")
    for name in ("municipalities", "regions", "centres", "travel_times"):
        paths[name] = write_table(getattr(result, name), out / f"{name}.csv")
    paths["membership"] = write_table(result.membership, out / "ba_membership.csv")
    if boundaries is None:
        boundaries = boundaries_for_year(int(result.meta["codes_year"]))
    muni, regions = _polygons(result, boundaries)
    thresholds = result.meta["thresholds_minutes"]
    top = f"jobs_{max(thresholds):g}min_change"
    styles = {"cells": LayerStyle(top, change_scale(cells[top], title=f"change in jobs within {max(thresholds):g} min"))}
    cols = [f"jobs_{max(thresholds):g}min_change_pct"]
    styles["municipalities"] = LayerStyle(cols[0], change_scale(muni[cols[0]], title="change in jobs within reach, %"))
    centre_pts = _centre_points(result, boundaries)
    layers = {"cells": cells, "municipalities": muni, "regions": regions, "centres": centre_pts,
              "edges": result.edges}
    paths["gpkg"] = write_layers(out / "regionforstorring.gpkg", {k: v for k, v in layers.items() if len(v)},
                                 styles=styles)
    if maps:
        shown = thresholds if map_thresholds_minutes is None else [float(t) for t in map_thresholds_minutes]
        paths.update(_maps(result, out, shown, centre_pts, muni))
    with atomic_path(out / "run.json") as tmp:
        tmp.write_text(json.dumps(result.meta, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    paths["run"] = out / "run.json"
    return paths


def _centre_points(result: RegionforstorringResult, boundaries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    import geopandas as gpd

    top = max(result.meta["centre_thresholds_minutes"])
    t = result.centres
    if t.empty:
        return gpd.GeoDataFrame(t, geometry=[], crs=boundaries.crs)
    wide = t.loc[t["minutes"] == top].reset_index(drop=True)
    poly = boundaries.set_index("kommunenummer").loc[wide["kommunenummer"]]
    return gpd.GeoDataFrame(wide, geometry=poly.geometry.representative_point().to_numpy(), crs=boundaries.crs)


def _maps(result: RegionforstorringResult, out: Path, thresholds: list[float], centres: Any,
          municipalities: Any) -> dict[str, Path]:
    from geoaccess.report.maps import html_map, png_map

    name = result.meta["scenario"].get("name", "scenario")
    cells = result.cells
    paths: dict[str, Path] = {}
    edges = result.edges
    for t in thresholds:
        col = f"jobs_{t:g}min_change"
        scale = change_scale(cells[col], title=f"change in jobs within {t:g} min (after - before)")
        title = f"{name}: jobs within {t:g} minutes by car, change per 250 m cell"
        overlays = [edges[["change", "geometry"]]] if len(edges) else []
        paths[f"png_{t:g}"] = png_map(cells, out / f"change_jobs_{t:g}min.png", column=col, title=title,
                                      scale=scale, overlays=[municipalities[["kommunenavn", "geometry"]], *overlays])
        shown = cells.loc[cells[col].abs() >= 0.5]  # the HTML shows the cells that change
        tips = ["cell_id", "kommunenummer", "population", f"jobs_{t:g}min_before", f"jobs_{t:g}min_after", col]
        paths[f"html_{t:g}"] = html_map(shown if len(shown) else cells, out / f"change_jobs_{t:g}min.html",
                                        column=col, title=title, scale=scale, tooltip=tips,
                                        overlays=[*overlays, centres[["centre_name", "geometry"]]] if len(centres)
                                        else overlays)
    return paths
