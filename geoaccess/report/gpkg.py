"""QGIS-ready GeoPackages: named layers, one CRS, values rounded for reading, styles beside them.

:func:`write_layers` is the one way geoaccess writes a GeoPackage with several layers:

- the layer names are the keys you pass, checked (never derived from a temporary file's name, which
  is how a layer once came out as ``nav_offices.gpkg.tmp``: GDAL names an unnamed layer after the
  file it writes, and the file being written was the temporary one);
- every layer is transformed to one CRS (EPSG:25833 unless asked), so QGIS never reprojects on the fly
  between layers of one file;
- values are rounded to what the inputs support (:func:`round_for_output`): counts of persons and
  jobs as integers, minutes to 0.1, shares to 0.001 ...;
- optionally a QGIS style per layer (:func:`qml_style`): a ``<file>_<layer>.qml`` file beside the
  GeoPackage and the same style as the layer's default in the GeoPackage's ``layer_styles`` table,
  so QGIS opens the layer looking like the PNG map.

The file is written atomically (temporary file in the same folder, then renamed).
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from geoaccess.errors import InputError
from geoaccess.report.atomic import atomic_path
from geoaccess.report.colours import ColourScale

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["DEFAULT_ROUNDING", "LayerStyle", "qml_style", "round_for_output", "write_layers"]

#: Rounding rules, first match wins: (regular expression searched in the lower-cased column name,
#: decimals; ``None`` = a count, written as an integer). Ratios come before counts so that
#: ``jobs_per_resident`` is not taken for a count of jobs.
DEFAULT_ROUNDING: tuple[tuple[str, int | None], ...] = (
    (r"(^|_)(share|ratio|rate|per|index|score|weight_share)(_|$)", 4),
    (r"(^|_)(pct|percent)(_|$)", 2),
    (r"permille", 3),
    (r"(^|_)(lon|lat|longitude|latitude)(_|$)", 6),
    (r"(^|_)(x|y|easting|northing)(_|$)", 1),
    (r"minutes|(^|_)min(_|$)", 1),
    (r"seconds", 0),
    (r"km2", 3),
    (r"(^|_)km(_|$)", 2),
    (r"metres|meters|(^|_)m(_|$)", 0),
    (r"(^|_)(population|residents|pop|persons|people|inhabitants|workers|employed|jobs|pool|reached|"
     r"count|n|users|visitors|omland_population|office_jobs)(_|$)", None),
)


def _rule_for(column: str, rules: Sequence[tuple[str, int | None]]) -> tuple[bool, int | None]:
    name = column.lower()
    for pattern, decimals in rules:
        if re.search(pattern, name):
            return True, decimals
    return False, None


def round_for_output(
    df: pd.DataFrame,
    *,
    rules: Sequence[tuple[str, int | None]] = DEFAULT_ROUNDING,
) -> pd.DataFrame:
    """A copy of ``df`` with float columns rounded by name (see :data:`DEFAULT_ROUNDING`).

    Counts (persons, jobs) become nullable integers (``Int64``; NaN stays missing, never 0);
    minutes keep one decimal, shares four. Columns no rule names, integer and text columns and
    the geometry are left as they are.

    Parameters
    ----------
    df
        A (Geo)DataFrame.
    rules
        ``(regex, decimals)`` pairs; ``decimals=None`` means an integer count.
    """
    import pandas as pd

    out = df.copy()
    for col in out.columns:
        if not isinstance(col, str) or not pd.api.types.is_float_dtype(out[col]):
            continue
        matched, decimals = _rule_for(col, rules)
        if not matched:
            continue
        values = out[col].to_numpy(dtype=np.float64)
        finite = np.isfinite(values)
        if decimals is None:
            if np.isinf(values).any():  # an "unreachable" inf cannot be an integer: keep floats
                out[col] = np.round(values)
            else:
                out[col] = pd.array(np.where(finite, np.round(values), 0).astype(np.int64), dtype="Int64")
                out.loc[~finite, col] = pd.NA
        else:
            out[col] = np.round(values, decimals)
    return out


@dataclass(frozen=True)
class LayerStyle:
    """How a layer is drawn: the column and the colour scale of its map.

    Attributes
    ----------
    column
        Attribute that drives the colours.
    scale
        Classes and colours, as used for the PNG/HTML map (:mod:`geoaccess.report.colours`).
    """

    column: str
    scale: ColourScale


_LAYER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]{0,62}$")


def _check_names(path: Path, names: Sequence[str]) -> None:
    seen: set[str] = set()
    for name in names:
        bad = (not isinstance(name, str) or not _LAYER_NAME.match(name)
               or re.search(r"\.(gpkg|tmp)$|tmp$", name.lower()) is not None)
        if bad:
            msg = (f"Cannot write {path}: the layer name {name!r} is not a plain name (letters, digits, '_' or '-', "
                   f"starting with a letter, no file suffix such as .gpkg or .tmp). Pass e.g. 'sites'.")
            raise InputError(msg)
        if name.lower() in seen:
            msg = f"Cannot write {path}: the layer name {name!r} is given twice (GeoPackage names ignore case)."
            raise InputError(msg)
        seen.add(name.lower())


def write_layers(
    path: str | os.PathLike[str],
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    crs: str | None = "EPSG:25833",
    round_values: bool = True,
    styles: Mapping[str, LayerStyle] | None = None,
    qml: bool = True,
) -> Path:
    """Write GeoDataFrames as the named layers of one GeoPackage, in one CRS, atomically.

    Parameters
    ----------
    path
        Output ``.gpkg`` path. An existing file is replaced as a whole.
    layers
        ``{layer name: GeoDataFrame}``, in the order QGIS lists them. Names are plain
        (``[A-Za-z_][A-Za-z0-9_-]*``); each frame must have a CRS.
    crs
        CRS of every layer (EPSG:25833 for Norway unless asked otherwise); ``None`` keeps the
        layers' own CRS, which must then be the same for all.
    round_values
        Round float columns by name with :func:`round_for_output`.
    styles
        ``{layer name: LayerStyle}``: stored as the layer's default style in the GeoPackage
        (``layer_styles`` table, read by QGIS) and, with ``qml=True``, as ``<stem>_<layer>.qml``.
    qml
        Also write the ``.qml`` files beside the GeoPackage.

    Returns
    -------
    pathlib.Path
        The written GeoPackage.

    Raises
    ------
    geoaccess.errors.InputError
        A bad layer name, a layer without CRS, no layers, differing CRSs with ``crs=None``, or a style
        for an unknown layer or column.
    """
    from geoaccess.crs import resolve_crs

    final = Path(path)
    if final.suffix.lower() != ".gpkg":
        msg = f"Cannot write {final}: write_layers writes GeoPackages; use a .gpkg file name."
        raise InputError(msg)
    if not layers:
        msg = f"Cannot write {final}: no layers were given."
        raise InputError(msg)
    _check_names(final, list(layers))
    styles = dict(styles or {})
    prepared: dict[str, gpd.GeoDataFrame] = {}
    for name, gdf in layers.items():
        src = resolve_crs(gdf.crs, what=f"Layer {name!r} of {final.name}")
        g = gdf.set_crs(src, allow_override=True) if gdf.crs != src else gdf
        if crs is not None:
            g = g.to_crs(crs)
        prepared[name] = round_for_output(g) if round_values else g
    if crs is None:
        found = {str(g.crs) for g in prepared.values()}
        if len(found) > 1:
            msg = f"Cannot write {final}: the layers are in different CRSs ({sorted(found)}); pass crs='EPSG:25833'."
            raise InputError(msg)
    for name, style in styles.items():
        if name not in prepared:
            msg = f"Cannot write {final}: a style is given for {name!r}, which is not one of the layers {list(prepared)}."
            raise InputError(msg)
        if style.column not in prepared[name].columns:
            msg = f"Cannot write {final}: the style of layer {name!r} uses the column {style.column!r}, which it lacks."
            raise InputError(msg)
    qml_texts = {name: qml_style(style, geometry=_geometry_kind(prepared[name])) for name, style in styles.items()}
    with atomic_path(final) as tmp:
        for i, (name, g) in enumerate(prepared.items()):
            g.to_file(tmp, driver="GPKG", layer=name, mode="a" if i else "w", engine="pyogrio")
        if qml_texts:
            _store_default_styles(tmp, qml_texts)
    if qml:
        for name, text in qml_texts.items():
            with atomic_path(final.with_name(f"{final.stem}_{name}.qml")) as tmp:
                tmp.write_text(text, encoding="utf-8")
    return final


def _geometry_kind(gdf: gpd.GeoDataFrame) -> str:
    """QGIS's symbol type for a layer: ``"marker"``, ``"line"`` or ``"fill"``."""
    from geoaccess.report.maps import _geom_kind

    return {"point": "marker", "line": "line"}.get(_geom_kind(gdf), "fill")


def _rgba(hex_colour: str, alpha: int = 255) -> str:
    h = hex_colour.lstrip("#")
    return f"{int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha}"


def _symbol(index: int, colour: str, geometry: str) -> str:
    def opt(k: str, v: str) -> str:
        return f'<Option name="{k}" type="QString" value="{escape(v)}"/>'

    if geometry == "marker":
        cls, opts = "SimpleMarker", [opt("color", _rgba(colour)), opt("name", "circle"), opt("size", "2.2"),
                                     opt("outline_color", "35,35,35,255"), opt("outline_width", "0.2")]
    elif geometry == "line":
        cls, opts = "SimpleLine", [opt("line_color", _rgba(colour)), opt("line_width", "0.6"), opt("line_style", "solid")]
    else:
        cls, opts = "SimpleFill", [opt("color", _rgba(colour, 217)), opt("style", "solid"),
                                   opt("outline_color", "255,255,255,255"), opt("outline_width", "0.1"),
                                   opt("outline_style", "solid")]
    return (f'<symbol type="{geometry}" name="{index}" alpha="1" clip_to_extent="1" force_rhr="0">'
            f'<layer class="{cls}" enabled="1" pass="0" locked="0"><Option type="Map">{"".join(opts)}</Option>'
            "</layer></symbol>")


def qml_style(style: LayerStyle, *, geometry: str = "fill") -> str:
    """A QGIS layer style (``.qml``, symbology only) drawing ``style.column`` in the classes of ``style.scale``.

    Numeric scales become a graduated renderer (one range per class; open outer classes run to
    ±1e15), categorical ones a categorised renderer (one category per value, plus grey for others).

    Parameters
    ----------
    style
        Column and colour scale.
    geometry
        ``"fill"`` (polygons), ``"line"`` or ``"marker"`` (points).
    """
    sc = style.scale
    symbols = [_symbol(i, c, geometry) for i, c in enumerate(sc.colours)]
    if sc.kind == "categorical":
        symbols.append(_symbol(len(sc.colours), sc.missing, geometry))
        cats = "".join(f'<category value={quoteattr(str(v))} symbol="{i}" label={quoteattr(lab)} render="true"/>'
                       for i, (v, lab) in enumerate(zip(sc.categories or (), sc.labels, strict=False)))
        cats += f'<category value="" symbol="{len(sc.colours)}" label="other / no data" render="true"/>'
        body = (f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(style.column)} symbollevels="0" '
                f'enableorderby="0" forceraster="0"><categories>{cats}</categories>')
    else:
        edges = [float(np.clip(b, -1e15, 1e15)) for b in (sc.breaks or ())]
        ranges = "".join(f'<range lower="{a:.10g}" upper="{b:.10g}" symbol="{i}" label={quoteattr(lab)} render="true"/>'
                         for i, (a, b, lab) in enumerate(zip(edges[:-1], edges[1:], sc.labels, strict=False)))
        body = (f'<renderer-v2 type="graduatedSymbol" attr={quoteattr(style.column)} graduatedMethod="GraduatedColor" '
                f'symbollevels="0" enableorderby="0" forceraster="0"><ranges>{ranges}</ranges>')
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            f'<qgis version="3.28.0" styleCategories="Symbology">{body}<symbols>{"".join(symbols)}</symbols>'
            "</renderer-v2></qgis>\n")


def _store_default_styles(gpkg: Path, qml: Mapping[str, str]) -> None:
    """Store each layer's style as its default in the ``layer_styles`` table QGIS reads from a GeoPackage.

    The table has QGIS's own schema and is registered in ``gpkg_contents`` as an attributes table,
    as QGIS does when it saves a style; ``f_geometry_column`` is the column GDAL wrote (``geom``),
    which QGIS matches when it looks up the default style.
    """
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    con = sqlite3.connect(gpkg)
    try:
        geom = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall())
        con.execute(
            "CREATE TABLE IF NOT EXISTS layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "
            "f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256), f_geometry_column TEXT(256), "
            "styleName TEXT(30), styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), "
            "ui TEXT(30), update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"
        )
        con.execute(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, last_change) "
            "VALUES ('layer_styles', 'attributes', 'layer_styles', '', ?)", (now,),
        )
        for name, text in qml.items():
            con.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName, "
                "styleQML, styleSLD, useAsDefault, description, owner, ui, update_time) "
                "VALUES ('', '', ?, ?, ?, ?, '', 1, 'written by geoaccess', '', NULL, ?)",
                (name, geom.get(name, "geom"), name, text, now),
            )
        con.commit()
    finally:
        con.close()
