"""Point layers from the user's own files: one reader for every command and the Python API.

:func:`read_points` validates, reads and returns a GeoDataFrame of points with the user's ids
and names kept. It reads

========================  ==========================================================================
format                    how the points are found
========================  ==========================================================================
CSV (``.csv``, ``.txt``)  coordinate columns, matched case-insensitively (first pair found wins):
                          ``lon``/``lat``, ``lng``/``lat``, ``long``/``lat``, ``longitude``/``latitude``
                          (WGS84, EPSG:4326), or ``x``/``y``, ``easting``/``northing``,
                          ``east``/``north``, ``øst``/``nord`` in the CRS given by ``crs=``
                          (``--crs``). Separator ``,``, ``;``, tab or ``|`` (from the header);
                          decimal commas (``59,91``) with ``;``-separated files; text as in
                          :mod:`geoaccess.textio` (UTF-8 with or without BOM, UTF-16).
GeoPackage (``.gpkg``)    the only layer, the only point layer, or ``file.gpkg:layer``
GeoParquet (``.parquet``) the geometry column; a plain Parquet table is read like a CSV
GeoJSON, shapefile, ...   any vector file GDAL reads (``.geojson``, ``.json``, ``.shp``, ``.fgb``)
a dataset name            a registered dataset (``geoaccess data list``), e.g. a services layer
========================  ==========================================================================

Polygons stand for their centroid (as the router snaps them); lines are refused. Every error
names the file, the column or the rows and says what to do.

**Ids** are the user's: ``id_column`` (``--id-column``), else the first of ``id``, ``site_id``,
``point_id``, ``cell_id``, ``stop_id``, ``fid``, ``objectid`` that is complete and unique; only
when there is none, 1-based row numbers in a new column ``row_number`` (1 = the first data row),
and ``attrs["ids_from"]`` says so. **Names**: ``name_column`` (``--name-column``), else the first
of ``name``, ``navn``, ``namn``, ``stedsnavn``, ``label``. The columns are recorded in
``attrs["id_column"]`` and ``attrs["name_column"]`` (see :func:`point_ids`, :func:`point_names`).

**Swapped coordinates** (:func:`check_coordinate_order`): points outside the network's extent
that fall inside it once their two coordinates are exchanged are named as swapped (lat/lon
columns that hold each other's values, or a GeoJSON written as [lat, lon]) instead of being
reported as "off the network".
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from geoaccess.errors import CRSError, InputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = [
    "ID_CANDIDATES",
    "LONLAT_COLUMNS",
    "NAME_CANDIDATES",
    "XY_COLUMNS",
    "Extent",
    "attach_names",
    "check_coordinate_order",
    "network_extent",
    "point_ids",
    "point_names",
    "read_points",
]

LONLAT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("lon", "lat"), ("lng", "lat"), ("long", "lat"), ("longitude", "latitude"), ("lengdegrad", "breddegrad"),
)
"""Column pairs read as WGS84 longitude/latitude (EPSG:4326), case-insensitive."""
XY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("x", "y"), ("easting", "northing"), ("east", "north"), ("øst", "nord"), ("ost", "nord"),
)
"""Column pairs read as projected x/y; they need the CRS (``crs=``, ``--crs``)."""
ID_CANDIDATES = ("id", "site_id", "point_id", "cell_id", "stop_id", "fid", "objectid")
"""Columns taken as ids (when complete and unique) if no id column is given, first match wins."""
NAME_CANDIDATES = ("name", "navn", "namn", "stedsnavn", "label")
"""Columns taken as names if no name column is given, first match wins."""
ROW_NUMBER = "row_number"
"""Column holding 1-based row numbers when the layer has no ids of its own."""

_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_PARQUET_SUFFIXES = {".parquet", ".geoparquet", ".pq"}
_SHOWN = 8


class Extent(NamedTuple):
    """A rectangle in a projected CRS: where a network's nodes lie.

    Attributes
    ----------
    xmin, ymin, xmax, ymax
        Bounds in metres, in ``crs``.
    crs
        The CRS of the bounds (the network's).
    label
        What the extent is, for messages (e.g. ``"the car network"``).
    """

    xmin: float
    ymin: float
    xmax: float
    ymax: float
    crs: Any
    label: str = "the network"


# ---------------------------------------------------------------------------- reading
def read_points(
    source: str | os.PathLike[str] | gpd.GeoDataFrame,
    *,
    id_column: str | None = None,
    name_column: str | None = None,
    crs: Any = None,
    x_column: str | None = None,
    y_column: str | None = None,
    layer: str | None = None,
    what: str = "points",
    keep_polygons: bool = False,
) -> gpd.GeoDataFrame:
    """Read a point layer from the user's file (or check a GeoDataFrame) with its ids and names.

    Parameters
    ----------
    source
        A file (CSV, GeoPackage, GeoParquet, GeoJSON, shapefile, ...; ``file.gpkg:layer`` picks a
        layer), a registered dataset name, or a GeoDataFrame (validated the same way).
    id_column
        Column of unique ids; default: the user's id column (:data:`ID_CANDIDATES`), else 1-based
        row numbers in the column ``row_number``.
    name_column
        Column of names; default: the first of :data:`NAME_CANDIDATES` present, else none.
    crs
        CRS of ``x``/``y`` columns in a CSV (e.g. ``"EPSG:25833"``), or of a file that has none.
        Longitude/latitude columns are WGS84; a file's own CRS must agree with it.
    x_column, y_column
        Coordinate columns of a CSV, instead of the ones found by name.
    layer
        Layer of a multi-layer file.
    what
        The layer's role in messages (``"origins"``, ``"sites"``).
    keep_polygons
        Keep polygon geometries (areas such as grid cells, mapped as areas) instead of their
        centroids; the router snaps their centroid either way.

    Returns
    -------
    geopandas.GeoDataFrame
        The user's columns and point geometries in the file's CRS (index 0..n-1);
        ``attrs``: ``source``, ``what``, ``id_column``, ``name_column``, ``ids_from``
        (``"column"`` or ``"row_number"``), ``coordinates`` (how the points were found) and
        ``x_column``/``y_column`` for tables.

    Raises
    ------
    geoaccess.errors.InputError
        The file is missing or unreadable; no coordinate columns; coordinates that are not numbers
        or out of range (longitude/latitude that look swapped are named); missing geometries;
        lines; a missing, incomplete or repeated id column; a missing name column.
    geoaccess.errors.CRSError
        No CRS (``x``/``y`` columns without ``crs=``, a file without one), or a file whose CRS
        contradicts ``crs=``.
    """
    import geopandas as gpd

    if isinstance(source, gpd.GeoDataFrame):
        gdf = source.reset_index(drop=True)
        label = str(source.attrs.get("source", f"the {what} layer"))
        gdf = _with_crs(gdf, crs, label=label)
        info: dict[str, Any] = {"coordinates": "geometry"}
    else:
        path, layer = _resolve(source, layer=layer, what=what)
        label = str(path)
        suffix = path.suffix.lower()
        if suffix in _CSV_SUFFIXES:
            frame = _read_csv(path, what=what)
            gdf, info = _points_from_table(frame, label=label, crs=crs, x_column=x_column, y_column=y_column)
            gdf = _infer_numbers(gdf, keep={id_column, name_column, *ID_CANDIDATES, *NAME_CANDIDATES},
                                 decimal_comma=bool(frame.attrs.get("decimal_comma")))
        elif suffix in _PARQUET_SUFFIXES:
            gdf, info = _read_parquet(path, label=label, crs=crs, x_column=x_column, y_column=y_column)
        else:
            if x_column is not None or y_column is not None:
                msg = f"{label}: x_column/y_column apply to tables (CSV, Parquet); this file has geometries."
                raise InputError(msg)
            gdf = _read_vector(path, layer=layer, label=label, what=what)
            gdf = _with_crs(gdf, crs, label=label)
            info = {"coordinates": "geometry"}
    gdf = _as_points(gdf, label=label, what=what, keep_polygons=keep_polygons)
    ids_col, ids_from = _id_column(gdf, id_column, label=label, what=what)
    if ids_from == "row_number":
        gdf = gdf.copy()
        gdf[ids_col] = np.arange(1, len(gdf) + 1, dtype=np.int64)
    names_col = _name_column(gdf, name_column, label=label)
    gdf.attrs.pop("decimal_comma", None)
    gdf.attrs.update({"source": label, "what": what, "id_column": ids_col, "name_column": names_col,
                      "ids_from": ids_from, **info})
    return gdf


def point_ids(points: gpd.GeoDataFrame) -> np.ndarray:
    """The ids of a layer from :func:`read_points` (its ``attrs["id_column"]``; else the index)."""
    col = points.attrs.get("id_column")
    return points[col].to_numpy() if col in points.columns else points.index.to_numpy()


def point_names(points: gpd.GeoDataFrame) -> np.ndarray | None:
    """The names of a layer from :func:`read_points` as text, or ``None`` when it has no name column."""
    col = points.attrs.get("name_column")
    if col is None or col not in points.columns:
        return None
    return points[col].astype("string").fillna("").to_numpy(dtype=object)


def _resolve(source: str | os.PathLike[str], *, layer: str | None, what: str) -> tuple[Path, str | None]:
    """The file behind ``source`` (a path, ``file.gpkg:layer`` or a dataset name) and the layer asked for."""
    text = os.fspath(source)
    p = Path(text).expanduser()
    if p.is_file():
        return p, layer
    head, sep, tail = text.rpartition(":")
    if sep and head and tail and "/" not in tail and Path(head).expanduser().is_file():
        if layer is not None and layer != tail:
            msg = f"The {what} file {head} is given with layer {tail!r} and layer={layer!r}; give one."
            raise InputError(msg)
        return Path(head).expanduser(), tail
    if p.exists():
        msg = f"The {what} file {p} is a folder, not a file; give a CSV, GeoPackage, GeoParquet or GeoJSON file."
        raise InputError(msg)
    from geoaccess.datasets import fetch

    try:
        return Path(fetch(text)), layer
    except KeyError:
        msg = (f"The {what} file {text} does not exist (and is not a registered dataset: `geoaccess data list`). "
               "Give a CSV (lon/lat or x/y columns), GeoPackage, GeoParquet or GeoJSON file.")
        raise InputError(msg) from None


def _read_csv(path: Path, *, what: str) -> pd.DataFrame:
    """A CSV as text columns (ids keep leading zeros), separator and decimal comma detected."""
    import pandas as pd

    from geoaccess.textio import read_text

    text = read_text(path, what=f"{what} file")
    if not text.strip():
        msg = f"{path}: the file is empty; give a header line with coordinate columns (e.g. id,name,lat,lon) and rows."
        raise InputError(msg)
    first = text.splitlines()[0]
    try:
        sep = csv.Sniffer().sniff(first, delimiters=",;\t|").delimiter
    except csv.Error:
        sep = ","
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, ValueError) as exc:
        msg = f"{path}: cannot be read as CSV ({exc}). Check the separator ({sep!r}) and the quoting."
        raise InputError(msg) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.attrs["decimal_comma"] = sep == ";"
    return frame


def _read_parquet(path: Path, *, label: str, crs: Any, x_column: str | None,
                  y_column: str | None) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    import geopandas as gpd
    import pandas as pd

    try:
        import pyarrow.parquet as pq

        has_geo = b"geo" in (pq.read_schema(path).metadata or {})
    except Exception as exc:
        msg = f"{label}: cannot be read as Parquet ({exc})."
        raise InputError(msg) from None
    if has_geo and x_column is None and y_column is None:
        try:
            gdf = gpd.read_parquet(path)
        except Exception as exc:
            msg = f"{label}: cannot be read as GeoParquet ({exc})."
            raise InputError(msg) from None
        return _with_crs(gdf, crs, label=label), {"coordinates": "geometry"}
    frame = pd.read_parquet(path)
    return _points_from_table(frame, label=label, crs=crs, x_column=x_column, y_column=y_column)


def _read_vector(path: Path, *, layer: str | None, label: str, what: str) -> gpd.GeoDataFrame:
    import geopandas as gpd
    import pyogrio

    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:
        msg = (f"{label}: cannot be read as a vector file ({exc}). Give a CSV (lon/lat or x/y columns), "
               "GeoPackage, GeoParquet or GeoJSON file.")
        raise InputError(msg) from None
    names = [str(n) for n, _ in layers]
    if layer is None and len(names) > 1:
        points = [str(n) for n, kind in layers if kind is not None and "point" in str(kind).lower()]
        if len(points) != 1:
            msg = (f"{label} has {len(names)} layers ({', '.join(names)}); say which holds the {what}: "
                   f"{label}:{names[0]}")
            raise InputError(msg)
        layer = points[0]
    if layer is not None and layer not in names:
        msg = f"{label} has no layer {layer!r}; its layers: {', '.join(names)}."
        raise InputError(msg)
    try:
        return gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:
        msg = f"{label}: cannot be read ({exc})."
        raise InputError(msg) from None


def _with_crs(gdf: gpd.GeoDataFrame, crs: Any, *, label: str) -> gpd.GeoDataFrame:
    """The layer with a trusted CRS: its own, or ``crs`` when it has none; a contradiction is an error."""
    from geoaccess.crs import resolve_crs

    if gdf.crs is None:
        if crs is None:
            msg = (f"{label} has no CRS. Give it with --crs (crs=), e.g. EPSG:25833 for Norwegian UTM 33 "
                   "coordinates or EPSG:4326 for longitude/latitude.")
            raise CRSError(msg)
        return gdf.set_crs(resolve_crs(crs, what=f"--crs for {label}"))
    own = resolve_crs(gdf.crs, what=label)
    if crs is not None and resolve_crs(crs, what=f"--crs for {label}") != own:
        msg = (f"{label} says its CRS is {own.to_string()}, but --crs {crs} was given; drop --crs (the file's own "
               "CRS is used) or fix the file.")
        raise CRSError(msg)
    return gdf.set_crs(own, allow_override=True) if gdf.crs != own else gdf


def _find_pair(columns: Sequence[str], pairs: Sequence[tuple[str, str]]) -> tuple[str, str] | None:
    lower = {c.lower(): c for c in columns}
    for a, b in pairs:
        if a in lower and b in lower:
            return lower[a], lower[b]
    return None


def _points_from_table(frame: pd.DataFrame, *, label: str, crs: Any, x_column: str | None,
                       y_column: str | None) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Points from coordinate columns: lon/lat (WGS84) or x/y with ``crs``."""
    import geopandas as gpd
    import shapely

    from geoaccess.crs import resolve_crs

    cols = [str(c) for c in frame.columns]
    if (x_column is None) != (y_column is None):
        msg = f"{label}: give both x_column and y_column, or neither."
        raise InputError(msg)
    if x_column is not None and y_column is not None:
        for c in (x_column, y_column):
            if c not in cols:
                msg = f"{label} has no column {c!r}; its columns: {', '.join(cols)}."
                raise InputError(msg)
        lonlat = crs is None or resolve_crs(crs, what=f"--crs for {label}").is_geographic
        pair = (x_column, y_column)
    else:
        found = _find_pair(cols, LONLAT_COLUMNS)
        lonlat = found is not None
        if found is None:
            found = _find_pair(cols, XY_COLUMNS)
        if found is None:
            msg = (f"{label} has no coordinate columns; its columns: {', '.join(cols)}. Name them lat and lon "
                   "(or latitude and longitude; WGS84 degrees), or x and y with --crs (e.g. EPSG:25833).")
            raise InputError(msg)
        pair = found
    xc, yc = pair
    decimal_comma = bool(frame.attrs.get("decimal_comma"))
    x = _numbers(frame[xc], column=xc, label=label, decimal_comma=decimal_comma)
    y = _numbers(frame[yc], column=yc, label=label, decimal_comma=decimal_comma)
    if lonlat:
        if crs is not None and x_column is None and not resolve_crs(crs, what=f"--crs for {label}").is_geographic:
            msg = (f"{label}: the columns {xc!r}/{yc!r} are longitude/latitude (WGS84), but --crs {crs} was given; "
                   "drop --crs, or name projected columns x and y.")
            raise CRSError(msg)
        _check_degrees(x, y, xc, yc, label=label)
        target = resolve_crs(crs or "EPSG:4326", what=f"--crs for {label}")
        how = f"columns {xc}/{yc} (longitude/latitude, WGS84)"
    else:
        if crs is None:
            msg = (f"{label}: the columns {xc!r}/{yc!r} are projected coordinates, and a CSV carries no CRS; give it "
                   "with --crs (e.g. --crs EPSG:25833 for UTM 33, Norway's usual), or use lon/lat columns.")
            raise CRSError(msg)
        target = resolve_crs(crs, what=f"--crs for {label}")
        how = f"columns {xc}/{yc} ({target.to_string()})"
    data = frame.reset_index(drop=True)
    gdf = gpd.GeoDataFrame(data, geometry=shapely.points(x, y), crs=target)
    return gdf, {"coordinates": how, "x_column": xc, "y_column": yc}


def _numbers(values: pd.Series, *, column: str, label: str, decimal_comma: bool) -> np.ndarray:
    """Coordinates as floats; empty or non-numeric cells named by row."""
    import pandas as pd

    text = values.astype("string").str.strip()
    if decimal_comma:
        text = text.str.replace(",", ".", regex=False)
    nums = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(nums)
    if bad.any():
        rows = np.flatnonzero(bad)
        examples = ", ".join(f"row {r + 1} (line {r + 2}): {values.iloc[r]!r}" for r in rows[:_SHOWN])
        empty = text.iloc[rows].fillna("").eq("").all()
        kind = "empty" if empty else "not numbers"
        msg = (f"{label}: column {column!r} has {len(rows):,} value(s) that are {kind}: {examples}"
               f"{' ...' if len(rows) > _SHOWN else ''}. Fill in the coordinates or remove those rows.")
        raise InputError(msg)
    return nums


def _infer_numbers(gdf: gpd.GeoDataFrame, *, keep: set[str | None], decimal_comma: bool) -> gpd.GeoDataFrame:
    """Text columns of a CSV that hold only numbers become numbers (empty = NaN).

    Id and name columns stay text, and so does any column with a leading zero (``0301``, a
    municipality code), so codes are never read as numbers.
    """
    import pandas as pd

    keep_lower = {k.lower() for k in keep if k}
    out = gdf.copy()
    for col in gdf.columns:
        if col == gdf.geometry.name or str(col).lower() in keep_lower:
            continue
        if not (pd.api.types.is_object_dtype(gdf[col]) or pd.api.types.is_string_dtype(gdf[col])):
            continue
        text = gdf[col].astype("string").str.strip()
        if decimal_comma:
            text = text.str.replace(",", ".", regex=False)
        filled = text[text.fillna("") != ""]
        if filled.empty or filled.str.match(r"^[+-]?0\d").any():
            continue
        nums = pd.to_numeric(filled, errors="coerce")
        if nums.notna().all():
            values = pd.to_numeric(text.where(text.fillna("") != ""), errors="coerce")
            arr = values.to_numpy(dtype=float, na_value=np.nan)
            whole = np.isfinite(arr).all() and np.array_equal(arr, np.round(arr)) and not filled.str.contains(r"[.eE]").any()
            out[col] = arr.astype(np.int64) if whole else arr
    return out


def _check_degrees(lon: np.ndarray, lat: np.ndarray, lon_col: str, lat_col: str, *, label: str) -> None:
    """Longitude/latitude within range; a latitude column holding longitudes is named as swapped."""
    bad_lat = np.abs(lat) > 90
    bad_lon = np.abs(lon) > 180
    if not (bad_lat.any() or bad_lon.any()):
        return
    if bad_lat.any() and not bad_lon.any() and (np.abs(lon) <= 90).all():
        r = int(np.flatnonzero(bad_lat)[0])
        msg = (f"{label}: column {lat_col!r} holds values beyond ±90° (row {r + 1}: {lat[r]:g}), which cannot be "
               f"latitudes, while {lon_col!r} holds values a latitude can take: the columns {lat_col!r} and "
               f"{lon_col!r} look swapped. Exchange their names in the header.")
        raise InputError(msg)
    r = int(np.flatnonzero(bad_lat | bad_lon)[0])
    msg = (f"{label}: columns {lon_col!r}/{lat_col!r} are read as longitude/latitude in degrees, but row {r + 1} has "
           f"({lon[r]:g}, {lat[r]:g}), beyond ±180°/±90°. If these are projected coordinates, name the columns x and "
           "y and give --crs (e.g. EPSG:25833).")
    raise InputError(msg)


def _as_points(gdf: gpd.GeoDataFrame, *, label: str, what: str, keep_polygons: bool = False) -> gpd.GeoDataFrame:
    """Points only: single-point multipoints unpacked, polygons by their centroid, lines refused."""
    import shapely

    if len(gdf) == 0:
        msg = f"{label} holds no {what}; give a file with at least one point."
        raise InputError(msg)
    geom = gdf.geometry.to_numpy()
    missing = shapely.is_missing(geom) | shapely.is_empty(geom)
    if missing.any():
        rows = np.flatnonzero(missing)
        msg = (f"{label}: {len(rows):,} of {len(gdf):,} {what} have no geometry (rows "
               f"{', '.join(str(r + 1) for r in rows[:_SHOWN])}{' ...' if len(rows) > _SHOWN else ''}); "
               "give them coordinates or remove them.")
        raise InputError(msg)
    kinds = shapely.get_type_id(geom)
    lines = np.isin(kinds, (1, 2, 5))  # LineString, LinearRing, MultiLineString
    if lines.any():
        r = int(np.flatnonzero(lines)[0])
        msg = (f"{label}: the {what} must be points (or polygons, read by their centroid); row {r + 1} is a "
               f"{geom[r].geom_type}. Give points.")
        raise InputError(msg)
    multi = kinds == 4
    if multi.any():
        parts = shapely.get_num_geometries(geom[multi])
        if (parts != 1).any():
            r = int(np.flatnonzero(multi)[np.flatnonzero(parts != 1)[0]])
            msg = (f"{label}: row {r + 1} is a MultiPoint of {int(shapely.get_num_geometries(geom[r]))} points; "
                   "give one point per row.")
            raise InputError(msg)
        geom = geom.copy()
        geom[multi] = shapely.get_geometry(geom[multi], 0)
    areas = np.isin(kinds, (3, 6)) & (not keep_polygons)
    if areas.any() or multi.any():
        geom = geom.copy()
        if areas.any():
            geom[areas] = shapely.centroid(geom[areas])
        gdf = gdf.set_geometry(geom, crs=gdf.crs)
        if areas.any():
            gdf.attrs["polygons"] = f"{int(areas.sum()):,} polygons read by their centroid"
    return gdf.reset_index(drop=True)


def _id_column(gdf: gpd.GeoDataFrame, id_column: str | None, *, label: str, what: str) -> tuple[str, str]:
    """The id column (given, found, or ``row_number``) and where the ids come from."""
    if id_column is not None:
        _require_column(gdf, id_column, label=label, option="--id-column")
        _check_ids(gdf[id_column], id_column, label=label, what=what)
        return id_column, "column"
    lower = {str(c).lower(): c for c in gdf.columns if c != gdf.geometry.name}
    for cand in ID_CANDIDATES:
        col = lower.get(cand)
        if col is not None and gdf[col].notna().all() and not gdf[col].astype(str).str.strip().eq("").any() \
                and gdf[col].is_unique:
            return str(col), "column"
    name = ROW_NUMBER if ROW_NUMBER not in gdf.columns else "geoaccess_row_number"
    return name, "row_number"


def _check_ids(ids: pd.Series, column: str, *, label: str, what: str) -> None:
    blank = ids.isna() | ids.astype(str).str.strip().eq("")
    if blank.any():
        rows = np.flatnonzero(blank.to_numpy())
        msg = (f"{label}: the id column {column!r} is empty in {len(rows):,} row(s) "
               f"({', '.join(str(r + 1) for r in rows[:_SHOWN])}); every one of the {what} needs an id.")
        raise InputError(msg)
    dup = ids.duplicated(keep=False)
    if dup.any():
        values = list(dict.fromkeys(ids[dup].astype(str)))
        msg = (f"{label}: the id column {column!r} repeats {len(values):,} id(s) ({', '.join(values[:_SHOWN])}"
               f"{' ...' if len(values) > _SHOWN else ''}); ids must be unique. Fix them, or drop --id-column to "
               "number the rows.")
        raise InputError(msg)


def _name_column(gdf: gpd.GeoDataFrame, name_column: str | None, *, label: str) -> str | None:
    if name_column is not None:
        _require_column(gdf, name_column, label=label, option="--name-column")
        return name_column
    lower = {str(c).lower(): c for c in gdf.columns if c != gdf.geometry.name}
    for cand in NAME_CANDIDATES:
        if cand in lower:
            return str(lower[cand])
    return None


def _require_column(gdf: gpd.GeoDataFrame, column: str, *, label: str, option: str) -> None:
    if column in gdf.columns:
        return
    cols = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    near = [c for c in cols if c.lower() == column.lower()]
    hint = f" (did you mean {near[0]!r}? names are case-sensitive)" if near else ""
    msg = f"{label} has no column {column!r} for {option}{hint}; its columns: {', '.join(cols)}."
    raise InputError(msg)


# ---------------------------------------------------------------------------- swapped coordinates
def network_extent(net: Any, *, label: str | None = None) -> Extent:
    """The bounding box of a network's nodes (anything with ``x``, ``y``, ``crs``; a Router's network)."""
    net = getattr(net, "network", net)
    x, y = np.asarray(net.x, dtype=float), np.asarray(net.y, dtype=float)
    mode = getattr(net, "mode", None)
    return Extent(float(x.min()), float(y.min()), float(x.max()), float(y.max()), net.crs,
                  label or (f"the {mode} network" if mode else "the network"))


def _inside(x: np.ndarray, y: np.ndarray, ext: Extent, margin: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return ((x >= ext.xmin - margin) & (x <= ext.xmax + margin) & (y >= ext.ymin - margin)
                & (y <= ext.ymax + margin))


def _project(x: np.ndarray, y: np.ndarray, src: Any, dst: Any) -> tuple[np.ndarray, np.ndarray]:
    from pyproj import Transformer

    tr = Transformer.from_crs(src, dst, always_xy=True)
    with np.errstate(all="ignore"):
        px, py = tr.transform(x, y, errcheck=False)
    px, py = np.asarray(px, dtype=float), np.asarray(py, dtype=float)
    bad = ~(np.isfinite(px) & np.isfinite(py))
    px[bad] = np.nan
    py[bad] = np.nan
    return px, py


def check_coordinate_order(points: gpd.GeoDataFrame, extent: Extent | Any, *, margin_m: float = 1000.0,
                           what: str | None = None) -> None:
    """Refuse points whose two coordinates are swapped, or that all lie far outside the network.

    A point outside the network's extent (widened by ``margin_m``) that falls inside it once its
    x and y are exchanged (in its own CRS) is a swapped point: a ``lat`` column that holds
    longitudes, or a GeoJSON written as ``[lat, lon]``. Points outside the extent that do not fit
    swapped either are left to the router, which reports them as unsnapped (NaN) — unless every
    point lies outside, which is a CRS or area mismatch and an error.

    Parameters
    ----------
    points
        A layer from :func:`read_points` (any CRS).
    extent
        :class:`Extent`, or a network (or router) whose node bounds are used.
    margin_m
        Metres around the extent that still count as inside (the snapping distance).
    what
        The layer's role in messages (default: ``attrs["what"]``).

    Raises
    ------
    geoaccess.errors.InputError
        Some or all points are swapped (the message names the columns or rows and the fix), or no
        point lies within the extent.
    """
    import shapely

    ext = extent if isinstance(extent, Extent) else network_extent(extent)
    what = what or str(points.attrs.get("what", "points"))
    label = str(points.attrs.get("source", f"the {what}"))
    geom = points.geometry.to_numpy()
    areas = shapely.get_type_id(geom) != 0
    if areas.any():  # areas (kept as polygons) by a point inside them
        geom = geom.copy()
        geom[areas] = shapely.point_on_surface(geom[areas])
    sx, sy = shapely.get_x(geom), shapely.get_y(geom)
    px, py = _project(sx, sy, points.crs, ext.crs)
    outside = ~_inside(px, py, ext, margin_m)
    if not outside.any():
        return
    wx, wy = _project(sy, sx, points.crs, ext.crs)  # swapped back
    swapped = outside & _inside(wx, wy, ext, margin_m)
    n = len(points)
    box = (f"{ext.label}'s extent (x {ext.xmin:,.0f}–{ext.xmax:,.0f}, y {ext.ymin:,.0f}–{ext.ymax:,.0f} "
           f"in {_crs_name(ext.crs)})")
    if swapped.any():
        k = int(swapped.sum())
        xc, yc = points.attrs.get("x_column"), points.attrs.get("y_column")
        if xc and yc:
            r = int(np.flatnonzero(swapped)[0])
            fix = (f"the columns {xc!r} and {yc!r} hold each other's values (row {r + 1}: {xc}={sx[r]:g}, "
                   f"{yc}={sy[r]:g}). Exchange the two column names in the header")
        else:
            fix = ("x and y of the geometries are exchanged (a GeoJSON must store [longitude, latitude], "
                   "RFC 7946). Rewrite the geometries with the two coordinates swapped")
        if k < n:
            ids = point_ids(points)[swapped]
            fix += (f"; only {k:,} of {n:,} rows are swapped: ids {', '.join(map(str, ids[:_SHOWN]))}"
                    f"{' ...' if k > _SHOWN else ''}, fix those rows")
        msg = (f"{label}: {k:,} of {n:,} {what} lie outside {box} but inside it with their two coordinates "
               f"swapped: {fix}.")
        raise InputError(msg)
    if outside.all():
        r = 0
        msg = (f"{label}: none of the {n:,} {what} lies within {margin_m:,.0f} m of {box}; the first is at "
               f"({sx[r]:g}, {sy[r]:g}) in {_crs_name(points.crs)}. Check the CRS (--crs) and that the network "
               "covers the area.")
        raise InputError(msg)


def _crs_name(crs: Any) -> str:
    try:
        from pyproj import CRS

        c = CRS.from_user_input(crs)
        epsg = c.to_epsg()
        return f"EPSG:{epsg}" if epsg else c.name
    except Exception:
        return str(crs)


def attach_names(table: Any, points: gpd.GeoDataFrame, *, key: str = "origin_id",
                 column: str = "origin_name") -> Any:
    """``table`` with the names of ``points`` (from :func:`read_points`) joined on its ids.

    Parameters
    ----------
    table
        A DataFrame with the ids of ``points`` in column ``key``.
    points
        A layer from :func:`read_points`; without a name column ``table`` is returned unchanged.
    key
        The id column of ``table`` (``origin_id``, ``destination_id``, ``site_id``).
    column
        The name column to add, placed right after ``key``.
    """
    import pandas as pd

    names = point_names(points)
    if names is None or key not in table.columns or column in table.columns:
        return table
    lookup = pd.Series(names, index=pd.Index(point_ids(points)))
    out = table.copy()
    keys = out[key]
    if keys.dtype.kind != lookup.index.dtype.kind:  # ids written as text: match as text
        lookup.index = lookup.index.astype(str)
        keys = keys.astype(str)
    out.insert(int(out.columns.get_loc(key)) + 1, column, keys.map(lookup).to_numpy())
    out.attrs.update(table.attrs)
    return out
