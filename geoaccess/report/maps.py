"""Static PNG maps (matplotlib) and interactive HTML maps (embedded Leaflet) in GIS conventions.

PNG maps are drawn in the layer's projected CRS with a scale bar, a north arrow, a legend and
an attribution line. HTML maps are self-contained pages (:mod:`geoaccess.report.html`): Leaflet
and the data are inline, the municipality borders of 2024 give context, and OpenStreetMap tiles
are only a background while online, so a map opened without internet still shows its data.
Both kinds take the same :class:`~geoaccess.report.colours.ColourScale` (``scale=``), so the
PNG, the HTML map and a QGIS style agree. Both are written atomically.
"""

from __future__ import annotations

import html
import json
import os
import warnings
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.report.atomic import atomic_path
from geoaccess.report.colours import ColourScale, scale_for

if TYPE_CHECKING:
    import geopandas as gpd

    from geoaccess.report.html import MapLayer

__all__ = ["OVERLAY_LABEL", "html_map", "html_map_document", "legend_html", "municipality_context", "png_map"]

_ATTRIBUTION = "Data: © OpenStreetMap contributors (ODbL); SSB; Kartverket (CC BY 4.0)"

OVERLAY_LABEL = "label"
"""A point overlay with this column has its values drawn as text beside the points (PNG and HTML): place names."""
_CONTEXT_FILE = "boundaries/kommuner_2024.geojson"


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
    scale: ColourScale | None = None,
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
        the same CRS or transformed to it; a point overlay's :data:`OVERLAY_LABEL` column
        (``label``) is written beside its points (place names).
    legend_title
        Legend caption; defaults to ``column``.
    attribution
        Source line printed at the bottom right.
    dpi
        Resolution in dots per inch.
    scale
        Classes and colours (e.g. :func:`~geoaccess.report.colours.diverging_scale` for a change
        map); drawn with a class legend. Categorical maps get a scale of their own: with more
        categories than ``cmap`` has colours, neighbours are coloured apart and no legend is drawn.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    if gdf.crs is None:
        from geoaccess.errors import CRSError

        msg = f"Cannot draw the map {path}: the layer has no CRS; set one, e.g. gdf.set_crs('EPSG:25833')."
        raise CRSError(msg)
    fig, ax = plt.subplots(figsize=(9, 9))
    legend_kwds = {"label": legend_title or column} if column and not categorical else {"title": legend_title or column}
    if column is not None and scale is None and categorical:
        scale = scale_for(gdf, column, categorical=True, cmap=cmap, title=legend_title or column)
    polygons = gdf.geom_type.isin(["Polygon", "MultiPolygon"]).any()
    if column is None:
        gdf.plot(ax=ax, facecolor="#9ecae1", edgecolor="#3182bd", linewidth=0.4, alpha=0.6)
    elif scale is not None:
        _plot_classes(ax, gdf, column, scale, polygons=polygons, title=legend_title or scale.title or column)
    else:
        gdf.plot(
            ax=ax,
            column=column,
            categorical=categorical,
            cmap=cmap,
            legend=True,
            legend_kwds=legend_kwds,
            edgecolor="white" if polygons else None,
            linewidth=0.2,
            alpha=0.85,
            missing_kwds={"color": "lightgrey", "label": "no data"},
        )
    for layer in overlays:
        lay = layer.to_crs(gdf.crs) if layer.crs is not None and layer.crs != gdf.crs else layer
        kinds = set(lay.geom_type.unique())
        if kinds <= {"Point", "MultiPoint"}:
            lay.plot(ax=ax, color="black", markersize=12, marker="o", zorder=5)
            if OVERLAY_LABEL in lay.columns:  # place names for orientation
                for geom, text in zip(lay.geometry, lay[OVERLAY_LABEL], strict=True):
                    if geom is not None and text is not None and str(text) not in ("", "nan"):
                        ax.annotate(str(text), (geom.x, geom.y), xytext=(4, 4), textcoords="offset points", fontsize=8,
                                    zorder=6, bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7})
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


def _plot_classes(ax: Any, gdf: gpd.GeoDataFrame, column: str, scale: ColourScale, *, polygons: bool,
                  title: str) -> None:
    """Draw ``gdf`` in the colours of ``scale``, with a legend of its classes (none when colours repeat)."""
    from matplotlib.patches import Patch

    colours = scale.colour_of(gdf[column].to_numpy())
    gdf.plot(ax=ax, color=list(colours), edgecolor="white" if polygons else None, linewidth=0.2, alpha=0.85)
    if scale.reuses_colours:
        ax.annotate(f"{len(scale.colours)} {title}: colours only tell neighbours apart", xy=(0.01, 0.99),
                    xycoords="axes fraction", ha="left", va="top", fontsize=7, color="dimgrey")
        return
    used = set(scale.classes(gdf[column].to_numpy()).tolist())
    handles = [Patch(facecolor=c, edgecolor="grey", label=lab)
               for i, (c, lab) in enumerate(zip(scale.colours, scale.labels)) if i in used or scale.kind != "categorical"]
    if -1 in used:
        handles.append(Patch(facecolor=scale.missing, edgecolor="grey", label="no data"))
    ax.legend(handles=handles, title=title, loc="lower right", fontsize=7, title_fontsize=8, framealpha=0.9)


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




# ----------------------------------------------------------------------------- HTML maps
def legend_html(scale: ColourScale, *, title: str | None = None, missing: bool = False) -> str:
    """The legend box of an HTML map: one swatch per class, or a note when colours only separate neighbours."""
    head = f"<b>{html.escape(title if title is not None else scale.title)}</b><br>"
    if scale.reuses_colours:
        return (head + f'<div class="ga-note">{len(scale.colours)} categories. Colours only tell neighbouring '
                "areas apart; the names are on the map and in the tooltips.</div>")
    rows = [f'<i style="background:{c}"></i>{html.escape(lab)}' for c, lab in zip(scale.colours, scale.labels)]
    if missing:
        rows.append(f'<i style="background:{scale.missing}"></i>no data')
    return head + "<br>".join(rows)


@cache
def _municipalities_4326() -> gpd.GeoDataFrame | None:
    """The 2024 municipality borders in EPSG:4326, or ``None`` (with a DataWarning) when the file is absent."""
    from geoaccess.datasets import fetch
    from geoaccess.errors import DataWarning, GeoaccessError
    from geoaccess.layers.boundaries import read_boundary_file

    try:
        path = fetch(_CONTEXT_FILE, download=False)
    except (GeoaccessError, OSError) as exc:
        warnings.warn(f"HTML maps are drawn without municipality borders: {exc}", DataWarning, stacklevel=4)
        return None
    return read_boundary_file(path, year=2024, crs="EPSG:4326")


def municipality_context(bounds: Sequence[float], *, margin: float = 0.15) -> gpd.GeoDataFrame | None:
    """Municipality borders (kommunegrenser 2024, Kartverket) clipped to an EPSG:4326 extent.

    Parameters
    ----------
    bounds
        ``(west, south, east, north)`` in degrees.
    margin
        Extra share of the extent's width and height on each side.

    Returns
    -------
    geopandas.GeoDataFrame or None
        The borders as simplified lines with ``kommunenummer``/``kommunenavn``; ``None`` when the
        extent lies outside Norway or the boundary file is not available.
    """
    import shapely

    muni = _municipalities_4326()
    if muni is None or not np.all(np.isfinite(bounds)):
        return None
    w, s, e, n = (float(v) for v in bounds)
    dx, dy = max(e - w, 0.01) * margin, max(n - s, 0.01) * margin
    box = shapely.box(w - dx, s - dy, e + dx, n + dy)
    hit = muni.iloc[muni.sindex.query(box, predicate="intersects")]
    if hit.empty:
        return None
    clipped = hit.set_geometry(hit.geometry.boundary).clip(box)
    clipped = clipped[~clipped.geometry.is_empty]
    tol = max(e - w + 2 * dx, n - s + 2 * dy) / 1500.0
    return clipped.set_geometry(clipped.geometry.simplify(tol, preserve_topology=True))[
        ["kommunenummer", "kommunenavn", "geometry"]].reset_index(drop=True)


def _fmt_value(v: Any, col: str) -> str:
    """A tooltip value: minutes to 0.1, other floats to 3 significant digits or thousands, NaN as '–'."""
    import pandas as pd

    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, (float, np.floating)) and not np.isfinite(v)):
        return "–"
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}".replace(",", " ")
    if isinstance(v, (float, np.floating)):
        fv = float(v)
        if "minute" in col or col.endswith("_min") or "_min_" in col:
            return f"{fv:.1f}"
        if fv.is_integer() or abs(fv) >= 1000:
            return f"{fv:,.0f}".replace(",", " ")
        return f"{fv:.3g}"
    return str(v)


def _geom_kind(gdf: gpd.GeoDataFrame) -> str:
    kinds = set(gdf.geom_type.dropna().unique())
    if kinds and kinds <= {"Point", "MultiPoint"}:
        return "point"
    if kinds and kinds <= {"LineString", "MultiLineString", "LinearRing"}:
        return "line"
    return "polygon"


def _features(web: gpd.GeoDataFrame, *, fills: np.ndarray | None = None, tips: Sequence[str] = (),
              labels: np.ndarray | None = None, label_at: Any = None, rank: np.ndarray | None = None) -> dict:
    """A GeoJSON FeatureCollection (coordinates to 1e-6 degrees, about 0.1 m) with the page's properties."""
    import shapely

    geoms = shapely.set_precision(web.geometry.to_numpy(), 1e-6, mode="pointwise")
    texts = shapely.to_geojson(geoms)
    cols = [c for c in tips if c in web.columns]
    values = {c: web[c].to_numpy() for c in cols}
    out = []
    for i, text in enumerate(texts):
        if text is None:
            continue
        props: dict[str, Any] = {}
        if fills is not None:
            props["_fill"] = str(fills[i])
        if cols:
            props["_tip"] = "<br>".join(f"<b>{html.escape(str(c))}</b>: {html.escape(_fmt_value(values[c][i], str(c)))}"
                                        for c in cols)
        if labels is not None and label_at is not None and labels[i] is not None and str(labels[i]) not in ("", "nan"):
            props["_label"] = html.escape(str(labels[i]))
            props["_at"] = [round(float(label_at[i][0]), 6), round(float(label_at[i][1]), 6)]
            props["_rank"] = float(rank[i]) if rank is not None else 0.0
        out.append({"type": "Feature", "geometry": json.loads(text), "properties": props})
    return {"type": "FeatureCollection", "features": out}


def _display_geometry(projected: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Lines and polygons simplified to 1/4000 of the map's extent (metres): invisible on screen, a smaller file."""
    if projected.empty or _geom_kind(projected) == "point":
        return projected
    x0, y0, x1, y1 = projected.total_bounds
    tol = max(x1 - x0, y1 - y0) / 4000.0
    if not np.isfinite(tol) or tol <= 0:
        return projected
    return projected.set_geometry(projected.geometry.simplify(tol, preserve_topology=True))


def html_map_document(
    gdf: gpd.GeoDataFrame,
    *,
    column: str | None = None,
    title: str = "",
    tooltip: Sequence[str] | None = None,
    overlays: Sequence[gpd.GeoDataFrame] = (),
    categorical: bool = False,
    cmap: str | Sequence[str] = "viridis",
    scale: ColourScale | None = None,
    legend_title: str | None = None,
    labels: str | None = None,
    context: str | gpd.GeoDataFrame | None = "municipalities",
    tiles: bool = True,
    attribution: str = _ATTRIBUTION,
    what: str = "the map",
) -> str:
    """The HTML text of :func:`html_map` (for embedding, e.g. in a report's ``<iframe srcdoc>``)."""
    from geoaccess.report.html import MapLayer, map_page

    from geoaccess.errors import CRSError, InputError

    if gdf.crs is None:
        msg = f"Cannot draw {what}: the layer has no CRS; set one, e.g. gdf.set_crs('EPSG:25833')."
        raise CRSError(msg)
    projected = gdf if gdf.crs.is_projected else gdf.to_crs(gdf.estimate_utm_crs())
    web = _display_geometry(projected).to_crs("EPSG:4326")
    cols = [c for c in web.columns if c != web.geometry.name]
    tips = list(tooltip) if tooltip is not None else cols[:8]
    fills = label_values = label_at = rank = None
    legend = ""
    if column is not None:
        if column not in gdf.columns:
            msg = f"Cannot draw {what}: no column {column!r}; the layer has {cols}."
            raise InputError(msg)
        scale = scale or scale_for(projected, column, categorical=categorical, cmap=cmap, title=legend_title or column)
        values = gdf[column].to_numpy()
        fills = scale.colour_of(values)
        legend = legend_html(scale, title=legend_title or scale.title or column,
                             missing=bool((scale.classes(values) < 0).any()))
        if labels is None and scale.kind == "categorical" and scale.reuses_colours:
            labels = column
    if labels is not None:
        import geopandas as gpd

        points = gpd.GeoSeries(projected.geometry.representative_point(), crs=projected.crs).to_crs("EPSG:4326")
        label_values = gdf[labels].to_numpy(dtype=object)
        label_at = np.column_stack([points.x.to_numpy(), points.y.to_numpy()])
        rank = projected.geometry.area.to_numpy(dtype=np.float64)
    layers: list[MapLayer] = []
    ctx = municipality_context(web.total_bounds) if isinstance(context, str) and context == "municipalities" else context
    if ctx is not None and len(ctx):
        layers.append(MapLayer("Kommunegrenser 2024 (municipality borders, Kartverket)", _features(ctx.to_crs("EPSG:4326")),
                               kind="line", colour="#6b6b6b", interactive=False, weight=1.0))
    kind = _geom_kind(web)
    opacity = 0.9 if kind == "point" else (0.7 if fills is not None else 0.45)
    data = MapLayer(title or "data", _features(web, fills=fills, tips=tips, labels=label_values, label_at=label_at,
                                               rank=rank),
                    kind=kind, colour="#3182bd", fill_opacity=opacity, radius=6.0, weight=2.5 if kind == "line" else 0.6)
    extra = []
    for i, layer in enumerate(overlays):
        lay = layer.to_crs("EPSG:4326")
        otips = [c for c in lay.columns if c != lay.geometry.name][:8]
        okind = _geom_kind(lay)
        olabels = olabel_at = None
        if OVERLAY_LABEL in lay.columns and okind == "point":
            olabels = lay[OVERLAY_LABEL].to_numpy(dtype=object)
            olabel_at = np.column_stack([lay.geometry.x.to_numpy(), lay.geometry.y.to_numpy()])
        extra.append(MapLayer(f"overlay {i + 1}", _features(lay, tips=otips, labels=olabels, label_at=olabel_at),
                              kind=okind, colour="#000000",
                              fill_opacity=0.75 if okind == "point" else 0.15, radius=4.0,
                              weight=1.5 if okind == "line" else 0.8))
    # Overlays go on top of areas (facilities over catchments) but under point data (sites over hubs).
    layers += [*extra, data] if kind == "point" else [data, *extra]
    return map_page(layers, title=title, legend_html=legend, tiles=tiles, attribution=attribution)


def html_map(
    gdf: gpd.GeoDataFrame,
    path: str | os.PathLike[str],
    *,
    column: str | None = None,
    title: str = "",
    tooltip: Sequence[str] | None = None,
    overlays: Sequence[gpd.GeoDataFrame] = (),
    categorical: bool = False,
    cmap: str | Sequence[str] = "viridis",
    scale: ColourScale | None = None,
    legend_title: str | None = None,
    labels: str | None = None,
    context: str | gpd.GeoDataFrame | None = "municipalities",
    tiles: bool = True,
    attribution: str = _ATTRIBUTION,
) -> Path:
    """Write a self-contained interactive map (embedded Leaflet; works offline) to HTML.

    Parameters
    ----------
    gdf
        Layer to show; must have a CRS (transformed to EPSG:4326 for the page).
    path
        Output ``.html`` path (written atomically).
    column
        Column to colour by, or ``None`` for plain shapes.
    title
        Title shown over the map.
    tooltip
        Columns shown on hover; defaults to the first 8 non-geometry columns.
    overlays
        Extra layers drawn on top in black (e.g. facilities as points), with tooltips.
    categorical, cmap
        As in :func:`png_map`. Categorical maps with more categories than ``cmap`` has colours use
        neighbour colouring and put the names on the map.
    scale
        Classes and colours (:mod:`geoaccess.report.colours`), e.g. a diverging scale for changes.
    legend_title
        Legend caption; defaults to the scale's title or ``column``.
    labels
        Column whose values are written on the map (largest shapes first, without overlaps).
    context
        ``"municipalities"`` (the 2024 borders clipped to the map), a GeoDataFrame of your own, or ``None``.
    tiles
        Offer OpenStreetMap tiles as a background while online (never needed to see the data).
    attribution
        Data sources shown in the corner.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    doc = html_map_document(gdf, column=column, title=title, tooltip=tooltip, overlays=overlays,
                            categorical=categorical, cmap=cmap, scale=scale, legend_title=legend_title,
                            labels=labels, context=context, tiles=tiles, attribution=attribution,
                            what=f"the map {path}")
    with atomic_path(path) as tmp:
        tmp.write_text(doc, encoding="utf-8")
    return Path(path)
