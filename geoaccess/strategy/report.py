"""Outputs of ``geoaccess centrality``, ``geoaccess target-towns`` and ``geoaccess omland``.

Every file is written atomically; tables in CSV with units in the column names, layers in one
GeoPackage (EPSG:25833, QGIS styles, :func:`geoaccess.report.gpkg.write_layers`), a national PNG
map, an offline HTML page, and ``run.json`` with the inputs, parameters, counts and timings.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["CLASS_COLOURS", "class_scale", "write_centrality", "write_omland", "write_run_json", "write_target_towns"]

CLASS_COLOURS = ("#08306b", "#2171b5", "#6baed6", "#fdae6b", "#e6550d", "#a63603")
"""Colours of centrality classes 1 (most central) to 6."""
_ATTRIBUTION = ("Data: Kartverket N1000 and boundaries (CC BY 4.0); SSB grid 2015 and table 03321 (CC BY 4.0/NLOD); "
                "Etatsbasen (NLOD); Eurostat GISCO (EUPL-1.2)")
_VERDICT_COLOURS = {"included": "#1a9850", "largest_city": "#542788", "large_city_omland": "#8073ac",
                    "below_min_size": "#bdbdbd", "no_town": "#e0e0e0"}


def class_scale(title: str = "Sentralitetsklasse / centrality class") -> Any:
    """The categorical colour scale of classes 1-6 (KLASS 128 bands in the labels)."""
    from geoaccess.measures.centrality import KLASS_128_BANDS
    from geoaccess.report.colours import ColourScale

    labels = tuple(f"{k} ({a}–{b})" for k, (a, b) in KLASS_128_BANDS.items())
    return ColourScale("categorical", CLASS_COLOURS, labels, categories=(1, 2, 3, 4, 5, 6), title=title)


def write_run_json(path: Path, doc: dict[str, Any]) -> Path:
    """``run.json`` with the package version and the time, atomically."""
    from geoaccess import __version__
    from geoaccess.report.atomic import atomic_path

    full = {"geoaccess": __version__, "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **doc}
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(full, indent=2, ensure_ascii=False, default=_json_default), encoding="utf-8")
    return path


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (set, tuple)):
        return list(obj)
    return str(obj)


def _round(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if out[c].dtype.kind == "f":
            dec = 1 if ("index" in c or "component" in c or "minutes" in c) else (4 if ("score" in c or "share" in c
                                                                                       or "containment" in c) else 1)
            out[c] = out[c].round(dec)
    return out


def _counties() -> gpd.GeoDataFrame:
    """County outlines (2024) for the national point maps."""
    import geopandas as gpd

    from geoaccess.datasets import fetch

    return gpd.read_file(fetch("boundaries/fylker_2024.geojson"), engine="pyogrio").to_crs("EPSG:25833")[["geometry"]]


def _polygons(year: int) -> gpd.GeoDataFrame:
    from geoaccess.layers.crosswalk import boundaries_for_year

    return boundaries_for_year(int(year))[["kommunenummer", "geometry"]]


def write_centrality(
    out: Path,
    municipalities: pd.DataFrame,
    *,
    boundary_year: int,
    levels: pd.DataFrame | None = None,
    level_table: pd.DataFrame | None = None,
    sites: pd.DataFrame | None = None,
    comparison: pd.DataFrame | None = None,
    run: dict[str, Any],
    maps: bool = True,
) -> dict[str, Path]:
    """``centrality.csv`` (+ ``_pre2017.csv``, ``_vs_pre2017.csv``, ``_classes.csv``), ``.gpkg``, ``.png``, ``.html``, ``run.json``."""
    import geopandas as gpd

    from geoaccess.report.atomic import write_table
    from geoaccess.report.gpkg import LayerStyle, write_layers
    from geoaccess.report.maps import html_map, png_map

    out.mkdir(parents=True, exist_ok=True)
    table = municipalities.copy()
    if levels is not None:
        table = table.merge(levels[["kommunenummer", "pre2017_level"]], on="kommunenummer", how="left")
    if comparison is not None:
        table = table.merge(comparison[["kommunenummer", "official_class", "class_difference"]], on="kommunenummer",
                            how="left")
    paths = {"csv": write_table(_round(table), out / "centrality.csv")}
    if levels is not None:
        paths["pre2017"] = write_table(_round(levels), out / "centrality_pre2017.csv")
    if level_table is not None:
        paths["vs_pre2017"] = write_table(level_table.reset_index(), out / "centrality_vs_pre2017.csv")
    if sites is not None:
        paths["classes"] = write_table(sites, out / "centrality_classes.csv")
    gdf = gpd.GeoDataFrame(_polygons(boundary_year).merge(table, on="kommunenummer", how="left"),
                           geometry="geometry", crs="EPSG:25833")
    scale = class_scale()
    paths["gpkg"] = write_layers(out / "centrality.gpkg", {"municipalities": gdf},
                                 styles={"municipalities": LayerStyle("class", scale)})
    if maps:
        paths["png"] = png_map(gdf, out / "centrality.png", column="class", scale=scale,
                               title="Sentralitetsindeks (SSB-stil) / centrality index, classes", attribution=_ATTRIBUTION)
        tips = [c for c in ("kommunenummer", "kommunenavn", "index", "class", "official_class", "pre2017_level",
                            "jobs_component", "services_component") if c in gdf.columns]
        paths["html"] = html_map(gdf, out / "centrality.html", column="class", scale=scale, tooltip=tips,
                                 title="Sentralitetsindeks / centrality index", attribution=_ATTRIBUTION)
    paths["run"] = write_run_json(out / "run.json", run)
    return paths


def write_target_towns(out: Path, towns: gpd.GeoDataFrame, *, polygons: gpd.GeoDataFrame | None,
                       membership: pd.DataFrame, year: int, run: dict[str, Any], maps: bool = True) -> dict[str, Path]:
    """``target_towns.csv``, ``.gpkg`` (towns, town areas, regions), ``.png``, ``.html``, ``run.json``."""
    import geopandas as gpd

    from geoaccess.report.atomic import write_table
    from geoaccess.report.colours import ColourScale
    from geoaccess.report.gpkg import LayerStyle, write_layers
    from geoaccess.report.maps import html_map_document, png_map
    from geoaccess.strategy.page import table_page

    out.mkdir(parents=True, exist_ok=True)
    paths = {"csv": write_table(_round(towns.drop(columns="geometry")), out / "target_towns.csv")}
    cats = tuple(k for k in _VERDICT_COLOURS if k in set(towns["verdict"])) or ("included",)
    scale = ColourScale("categorical", tuple(_VERDICT_COLOURS[c] for c in cats), cats, categories=cats,
                        title="Vurdering / verdict")
    mun = _polygons(year).merge(membership[["kommunenummer", "region"]], on="kommunenummer")
    regions = mun.dissolve("region").reset_index()[["region", "geometry"]]
    keep = ["region", "region_name", "town_name", "town_population", "centrality_index", "centrality_class",
            "region_class", "verdict", "reason_nb", "reason_en"]
    regions = gpd.GeoDataFrame(regions.merge(towns[keep], on="region", how="left"), geometry="geometry", crs="EPSG:25833")
    points = towns[towns.geometry.notna()].copy()
    layers = {"towns": points, "regions": regions}
    styles = {"towns": LayerStyle("verdict", scale), "regions": LayerStyle("verdict", scale)}
    if polygons is not None and len(polygons):
        layers["town_areas"] = polygons
    paths["gpkg"] = write_layers(out / "target_towns.gpkg", layers, styles=styles)
    if maps:
        paths["png"] = png_map(regions, out / "target_towns.png", column="verdict", scale=scale, overlays=[points],
                               title="Målbyer / target towns (Småbystrategien)", attribution=_ATTRIBUTION)
        doc = html_map_document(regions, column="verdict", scale=scale, tooltip=keep[:9], overlays=[points[[
            "town_name", "town_population", "verdict", "geometry"]]], title="Målbyer / target towns",
            attribution=_ATTRIBUTION)
        s = towns.attrs.get("summary", {})
        notes = [f"{s.get('included', 0)} of {s.get('regions', 0)} regions have an included centre town; "
                 f"Småbystrategien counts {s.get('strategy_count', 'ca. 120')}. Towns are derived from the 2015 grid, "
                 f"not SSB's tettsteder.", str(s.get("towns", ""))]
        cols = [("region", "Region", 0), ("region_name", "Regionnavn / region", 0), ("town_name", "Senterby / town", 0),
                ("town_population", "Innbyggere / residents", 0), ("centrality_index", "Sentralitet / index", 0),
                ("centrality_class", "Klasse / class", 0), ("region_class_nb", "Regiontype", 0),
                ("self_containment", "Selvdekning / self-containment", 3),
                ("minutes_to_large_city", "Min. til storby / to large city", 0), ("verdict", "Vurdering / verdict", 0),
                ("reason_nb", "Begrunnelse", 0), ("reason_en", "Reason", 0)]
        cols = [c for c in cols if c[0] in towns.columns]
        paths["html"] = table_page(towns, out / "target_towns.html", title="Målbyer / target towns", columns=cols,
                                   notes=notes, map_html=doc)
    paths["run"] = write_run_json(out / "run.json", run)
    return paths


def write_omland(out: Path, table: gpd.GeoDataFrame, *, thresholds_minutes: tuple[float, ...], run: dict[str, Any],
                 maps: bool = True) -> dict[str, Path]:
    """``omland.csv``, ``.gpkg``, ``.png`` (national map), ``.html`` (sortable table + map), ``run.json``."""
    from geoaccess.report.atomic import write_table
    from geoaccess.report.colours import sequential_scale
    from geoaccess.report.gpkg import LayerStyle, write_layers
    from geoaccess.report.maps import html_map_document, png_map
    from geoaccess.strategy.page import table_page

    out.mkdir(parents=True, exist_ok=True)
    paths = {"csv": write_table(_round(table.drop(columns="geometry")), out / "omland.csv")}
    mid = next((m for m in thresholds_minutes if m >= 45), thresholds_minutes[0])
    col = f"residents_within_{mid:g}_minutes"
    scale = sequential_scale(table[col].to_numpy(dtype=float), k=5, cmap="viridis",
                             title=f"Innbyggere innen {mid:g} min / residents within {mid:g} min")
    paths["gpkg"] = write_layers(out / "omland.gpkg", {"omland": table}, styles={"omland": LayerStyle(col, scale)})
    if maps:
        paths["png"] = png_map(table, out / "omland.png", column=col, scale=scale, overlays=[_counties()],
                               title=f"Omland: innbyggere innen {mid:g} min med bil / residents within {mid:g} min by car",
                               attribution=_ATTRIBUTION)
        tips = ["town_name", "region_name", col, f"jobs_within_{mid:g}_minutes", "centrality_class",
                "nav_office_minutes", "airport_name", "airport_minutes"]
        doc = html_map_document(table, column=col, scale=scale, tooltip=[t for t in tips if t in table.columns],
                                title="Omland", attribution=_ATTRIBUTION)
        cols = [("town_name", "By / town", 0), ("region_name", "BA-region", 0), ("town_population", "Innbyggere / residents", 0)]
        for m in thresholds_minutes:
            cols += [(f"residents_within_{m:g}_minutes", f"Bosatte ≤ {m:g} min / residents", 0),
                     (f"jobs_within_{m:g}_minutes", f"Jobber ≤ {m:g} min / jobs", 0)]
        cols += [("nav_office_minutes", "NAV (min)", 1), ("district_court_minutes", "Tingrett / court (min)", 1),
                 ("healthcare_minutes", "Helse / healthcare (min)", 1), ("airport_minutes", "Lufthavn / airport (min)", 1),
                 ("airport_name", "Lufthavn / airport", 0), ("airport_traffic", "Trafikk / traffic", 0),
                 ("railway_station_minutes", "Jernbane / railway (min)", 1), ("railway_station_name", "Stasjon / station", 0),
                 ("centrality_index", "Sentralitet / index", 0), ("centrality_class", "Klasse / class", 0),
                 ("self_containment", "Selvdekning / self-containment", 3)]
        cols = [c for c in cols if c[0] in table.columns]
        notes = ["Car times on Kartverket N1000 (door to door, ferries with their waits); residents: SSB 250 m grid 2015; "
                 "jobs: SSB 03321 spread over each municipality's cells by residents (an assumption). Towns are derived "
                 "from the grid, not SSB's tettsteder."]
        paths["html"] = table_page(table, out / "omland.html", title="Omland: målbyene / the target towns",
                                   columns=cols, notes=notes, map_html=doc)
    paths["run"] = write_run_json(out / "run.json", run)
    return paths
