"""Static PNG maps (matplotlib) and interactive HTML maps (folium) in GIS conventions.

PNG maps are drawn in the layer's projected CRS with a scale bar, a north arrow, a
legend and an attribution line; HTML maps are in Web Mercator over OpenStreetMap
tiles, with tooltips. Both are written atomically.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from geoaccess.report.atomic import atomic_path

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["html_map", "png_map"]

_ATTRIBUTION = "Data: © OpenStreetMap contributors (ODbL); SSB; Kartverket (CC BY 4.0)"


def png_map(
    gdf: gpd.GeoDataFrame,
    path: str | os.PathLike[str],
    *,
    column: str | None = None,
    title: str = "",
    categorical: bool = False,
    cmap: str = "viridis",
    overlays: Sequence[gpd.GeoDataFrame] = (),
    legend_title: str | None = None,
    attribution: str = _ATTRIBUTION,
    dpi: int = 150,
) -> Path:
    """Draw a layer (choropleth when ``column`` is given) to a PNG file.

    Parameters
    ----------
    gdf
        Layer to draw; must have a CRS. Projected CRSs are drawn as they are.
    path
        Output ``.png`` path (written atomically).
    column
        Column to colour by; ``None`` draws plain shapes.
    title
        Map title.
    categorical
        Treat ``column`` as categories (e.g. region names) rather than numbers.
    cmap
        Matplotlib colour map name.
    overlays
        Extra layers drawn on top (points as black dots, lines and outlines in grey), in
        the same CRS or transformed to it.
    legend_title
        Legend caption; defaults to ``column``.
    attribution
        Source line printed at the bottom right.
    dpi
        Resolution in dots per inch.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    if gdf.crs is None:
        msg = f"Cannot draw the map {path}: the layer has no CRS."
        raise ValueError(msg)
    fig, ax = plt.subplots(figsize=(9, 9))
    legend_kwds = {"label": legend_title or column} if column and not categorical else {"title": legend_title or column}
    if column is None:
        gdf.plot(ax=ax, facecolor="#9ecae1", edgecolor="#3182bd", linewidth=0.4, alpha=0.6)
    else:
        gdf.plot(
            ax=ax,
            column=column,
            categorical=categorical,
            cmap=cmap,
            legend=True,
            legend_kwds=legend_kwds,
            edgecolor="white" if gdf.geom_type.isin(["Polygon", "MultiPolygon"]).any() else None,
            linewidth=0.2,
            alpha=0.85,
            missing_kwds={"color": "lightgrey", "label": "no data"},
        )
    for layer in overlays:
        lay = layer.to_crs(gdf.crs) if layer.crs is not None and layer.crs != gdf.crs else layer
        kinds = set(lay.geom_type.unique())
        if kinds <= {"Point", "MultiPoint"}:
            lay.plot(ax=ax, color="black", markersize=12, marker="o", zorder=5)
        elif kinds <= {"LineString", "MultiLineString"}:
            lay.plot(ax=ax, color="grey", linewidth=0.3, zorder=2)
        else:
            lay.boundary.plot(ax=ax, color="black", linewidth=0.6, zorder=4)
    ax.set_title(title)
    ax.set_aspect("equal")
    if gdf.crs.is_projected:
        _scale_bar(ax)
        ax.set_xlabel(f"Easting (m), {gdf.crs.to_string()}")
        ax.set_ylabel("Northing (m)")
        ax.ticklabel_format(style="plain", useOffset=False)
        ax.tick_params(labelsize=7)
    ax.annotate("N ↑", xy=(0.97, 0.97), xycoords="axes fraction", ha="right", va="top", fontsize=12, weight="bold")
    fig.text(0.99, 0.01, attribution, ha="right", va="bottom", fontsize=7, color="dimgrey")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight", format="png")
    plt.close(fig)
    return Path(path)


def _scale_bar(ax: object) -> None:
    """Draw a scale bar of a round length (metres/km) at the lower left of a projected map."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    span = (x1 - x0) / 5.0
    nice = [100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000]
    length = max([v for v in nice if v <= span] or [nice[0]])
    bx, by = x0 + 0.05 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    ax.plot([bx, bx + length], [by, by], color="black", linewidth=3)
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(bx + length / 2, by + 0.01 * (y1 - y0), label, ha="center", va="bottom", fontsize=8)


def html_map(
    gdf: gpd.GeoDataFrame,
    path: str | os.PathLike[str],
    *,
    column: str | None = None,
    title: str = "",
    tooltip: Sequence[str] | None = None,
    overlays: Sequence[gpd.GeoDataFrame] = (),
    categorical: bool = False,
    cmap: str = "viridis",
) -> Path:
    """Write an interactive folium map (OpenStreetMap tiles, tooltips, layer control) to HTML.

    Parameters
    ----------
    gdf
        Layer to show; transformed to EPSG:4326 for the web map.
    path
        Output ``.html`` path (written atomically).
    column
        Column to colour by, or ``None``.
    title
        Title shown at the top of the map.
    tooltip
        Columns shown on hover; defaults to all non-geometry columns (at most 8).
    overlays
        Extra layers (e.g. facilities as points).
    categorical, cmap
        As in :func:`png_map`.
    """
    import folium

    if gdf.crs is None:
        msg = f"Cannot draw the map {path}: the layer has no CRS."
        raise ValueError(msg)
    web = gdf.to_crs("EPSG:4326")
    cols = [c for c in web.columns if c != web.geometry.name]
    tips = list(tooltip) if tooltip is not None else cols[:8]
    m = web.explore(
        column=column,
        categorical=categorical,
        cmap=cmap,
        tooltip=tips or False,
        name=title or "layer",
        tiles="OpenStreetMap",
        style_kwds={"weight": 0.5, "fillOpacity": 0.6},
    )
    for i, layer in enumerate(overlays):
        lay = layer.to_crs("EPSG:4326")
        lay.explore(m=m, name=f"overlay {i + 1}", color="black", marker_kwds={"radius": 4})
    folium.LayerControl().add_to(m)
    if title:
        m.get_root().html.add_child(
            folium.Element(f'<h3 style="position:absolute;z-index:1000;left:50px;top:5px;background:white;'
                           f'padding:2px 6px">{title}</h3>')
        )
    with atomic_path(path) as tmp:
        m.save(str(tmp))
    return Path(path)
