"""SSB population grids (befolkning på rutenett): 250 m and 1 km cells, vector layers and national CSVs.

Statistics Norway (SSB) publishes the resident population per 250 m x 250 m (and
1 km x 1 km) cell (*rute*) in EPSG:25833. Each cell carries the SSB id (``ru250m``,
``ssbid_1000m``: the cell's lower-left corner as ``(x + 2,000,000) * 10**7 + y``,
:mod:`geoaccess.layers.ssb_ids`) and the count ``pop_tot``.

Two forms are read by :func:`read_ssb_grid`:

* **vector layers** (shapefile/GeoPackage with polygons; the 2023 Oslo and Akershus
  files). The shipped ``.prj`` names an "unknown" datum with exactly the UTM zone 33N
  parameters; it is resolved explicitly to EPSG:25833 by
  :func:`geoaccess.crs.resolve_crs` (with a warning). A copy without any CRS is refused
  with :class:`geoaccess.errors.CRSError`.
* **CSV tables of ids and counts** (the 2015 national grids
  ``ssb_befolkning_250m_2015_norge.csv`` and ``..._1km_...``): the cell polygon follows
  from the id. Text policy: UTF-8 with or without a byte-order mark, UTF-16 when it has a
  BOM, anything else refused by name; separator ``;``, ``,`` or tab (from the header);
  decimal commas (``39,9``) are read as decimals. Ids that do not decode are refused,
  naming the row.

Counts must be finite and ``>= 0``: a negative or missing count is refused naming the
rows (``invalid_counts="raise"``), or dropped with a :class:`~geoaccess.errors.DataWarning`
that counts them (``"drop"``). It is never read as 0.

Every result records its **population year** in ``gdf.attrs["provenance"]["year"]`` (and
``gdf.attrs["population_year"]``): 2015 for the national grids, 2023 for Oslo/Akershus.

Licence: CC BY 4.0 (SSB). Attribution: "Contains data from Statistics Norway (SSB)".
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from geoaccess.errors import DataWarning, InputError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["DEFAULT_GRID", "LICENCE", "NATIONAL_GRID_1KM", "NATIONAL_GRID_250M", "grid_to_raster", "read_ssb_grid"]

DEFAULT_GRID = "population/befolkning_250m_2023_oslo.shp"
NATIONAL_GRID_250M = "population/ssb_befolkning_250m_2015_norge.csv"
"""SSB's 250 m grid of all of Norway, 2015 (220,171 inhabited cells, 5,146,614 people)."""
NATIONAL_GRID_1KM = "population/ssb_befolkning_1km_2015_norge.csv"
"""SSB's 1 km grid of all of Norway, 2015, with men/women and average age."""
LICENCE = "CC BY 4.0 (SSB)"
_ID_COLUMNS = ("ru250m", "ssbid_1000m", "ssbid1000m", "ru1000m", "ru1km", "ssbid_250m", "ssbid250m", "ssbid",
               "rute_id", "cell_id")
_POP_COLUMNS = ("pop_tot", "popTot", "poptot", "befolkning", "population", "sum_pop")
_CELL_FROM_ID_COLUMN = {"ru250m": 250.0, "ssbid_250m": 250.0, "ssbid250m": 250.0, "ssbid_1000m": 1000.0,
                        "ssbid1000m": 1000.0, "ru1000m": 1000.0, "ru1km": 1000.0}


def _resolve_source(source: str | os.PathLike[str]) -> Path:
    p = Path(source)
    if p.is_file():
        return p
    from geoaccess.datasets import fetch

    try:
        return fetch(str(source))
    except KeyError:
        msg = f"Population layer {str(source)!r} is neither an existing file nor a registered dataset name."
        raise InputError(msg) from None


def _pick(columns: list[str], candidates: tuple[str, ...], *, what: str, path: Path) -> str:
    lower = {c.lower(): c for c in columns}
    for c in candidates:
        if c.lower() in lower:
            return lower[c.lower()]
    msg = f"{path.name}: no {what} column found (looked for {', '.join(candidates)}; the layer has {columns})."
    raise InputError(msg)


def read_ssb_grid(
    source: str | os.PathLike[str] = DEFAULT_GRID,
    *,
    as_points: bool = False,
    year: int | None = None,
    cell_m: float | None = None,
    invalid_counts: Literal["raise", "drop"] = "raise",
) -> gpd.GeoDataFrame:
    """Read an SSB population grid (250 m or 1 km), from a vector layer or a CSV of ids and counts.

    Parameters
    ----------
    source
        A dataset name from the manifest (default: Oslo 2023; :data:`NATIONAL_GRID_250M` for all of
        Norway 2015) or a path: shapefile / GeoPackage with the SSB columns, or a CSV with an id
        column (``ru250m``, ``ssbid_1000m``, ...) and ``pop_tot``.
    as_points
        Return the cell centres (points) instead of the squares.
    year
        Population year; default: the four-digit year in the file name (a warning when there is none).
    cell_m
        Cell size in metres for CSVs whose id column does not say it (``ru250m`` = 250,
        ``ssbid_1000m`` = 1000); inferred from the corners when omitted.
    invalid_counts
        ``"raise"`` (default): a negative, non-numeric or missing count is an error naming the rows;
        ``"drop"``: such rows are left out with a :class:`~geoaccess.errors.DataWarning` counting them.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``cell_id`` (str, the SSB id), ``population`` (float, persons), for CSVs any other
        columns of the file (e.g. ``pop_mal``, ``pop_fem``, ``pop_ave``) as numbers, and ``geometry``;
        CRS EPSG:25833. ``gdf.attrs["provenance"]`` holds source, licence, year, cell size and counts;
        ``gdf.attrs["population_year"]`` the year.

    Raises
    ------
    geoaccess.errors.CRSError
        A vector layer has no CRS (e.g. the ``.prj`` is missing).
    geoaccess.errors.InputError
        The id or population column is missing, ids are duplicated or do not decode (the row is
        named), counts are invalid (``invalid_counts="raise"``), or the text is not UTF-8/UTF-16.
    """
    import warnings

    if invalid_counts not in ("raise", "drop"):
        msg = f"invalid_counts must be 'raise' or 'drop', not {invalid_counts!r}."
        raise InputError(msg)
    path = _resolve_source(source)
    if path.name.lower().endswith((".csv", ".csv.gz", ".txt")):
        out, prov = _read_csv_grid(path, cell_m=cell_m, as_points=as_points, invalid_counts=invalid_counts)
    else:
        out, prov = _read_vector_grid(path, as_points=as_points, invalid_counts=invalid_counts)
    if year is None:
        year = next((y for y in range(2000, 2100) if str(y) in path.name), None)
        if year is None:
            warnings.warn(
                f"{path.name}: the population year is not in the file name; pass year= so results can say which "
                f"year they use.",
                DataWarning,
                stacklevel=2,
            )
    prov.update({"source": str(path), "licence": LICENCE, "year": year, "cells": len(out),
                 "population_total": float(out["population"].sum())})
    out.attrs["provenance"] = prov
    out.attrs["population_year"] = year
    return out


def _read_vector_grid(path: Path, *, as_points: bool, invalid_counts: str) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    import geopandas as gpd

    from geoaccess.crs import NORWAY_CRS, resolve_crs

    gdf = gpd.read_file(path)
    crs = resolve_crs(gdf.crs, what=f"Population layer {path.name}")
    gdf = gdf.set_crs(crs, allow_override=True)
    if crs.to_epsg() != 25833:
        gdf = gdf.to_crs(NORWAY_CRS)
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    id_col = _pick(cols, _ID_COLUMNS, what="cell id", path=path)
    pop_col = _pick(cols, _POP_COLUMNS, what="population", path=path)
    ids = gdf[id_col]
    if np.issubdtype(ids.dtype, np.floating):
        ids = ids.round().astype("int64")
    ids = ids.astype(str)
    if not ids.is_unique:
        dup = ids[ids.duplicated()].unique()[:5].tolist()
        msg = f"{path.name}: column {id_col!r} has duplicated cell ids, e.g. {dup}."
        raise InputError(msg)
    pop, keep, dropped = _checked_counts(gdf[pop_col], path=path, column=pop_col, invalid_counts=invalid_counts,
                                         first_line=None)
    geom = gdf.geometry.centroid if as_points else gdf.geometry
    out = gpd.GeoDataFrame(
        {"cell_id": ids.to_numpy()[keep], "population": pop[keep]},
        geometry=geom.to_numpy()[keep],
        crs=NORWAY_CRS,
    )
    return out, {"id_column": id_col, "population_column": pop_col, "rows_dropped": dropped}


def _decode_text(path: Path) -> str:
    """The file's text: UTF-8 (BOM optional), UTF-16 with a BOM; anything else refused by name."""
    import gzip

    raw = gzip.decompress(path.read_bytes()) if path.name.lower().endswith(".gz") else path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        msg = (
            f"{path.name}: byte 0x{raw[exc.start]:02x} on line {line} is not UTF-8 (the file looks like Latin-1 or "
            f"another code page). Re-save it as UTF-8; SSB's grid CSVs are UTF-8."
        )
        raise InputError(msg) from None


def _read_csv_grid(path: Path, *, cell_m: float | None, as_points: bool,
                   invalid_counts: str) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    import io

    import geopandas as gpd
    import pandas as pd
    import shapely

    from geoaccess.crs import NORWAY_CRS
    from geoaccess.layers.ssb_ids import decode_ssb_ids

    text = _decode_text(path)
    header = text.split("\n", 1)[0]
    sep = max((";", ",", "\t"), key=header.count)
    if header.count(sep) == 0:
        msg = f"{path.name}: the header {header.strip()!r} has no ';', ',' or tab separator; expected e.g. 'ru250m;pop_tot'."
        raise InputError(msg)
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.ParserError as exc:
        msg = f"{path.name}: not a {sep!r}-separated table ({exc}). Decimal commas need ';' as the separator."
        raise InputError(msg) from None
    df.columns = [str(c).strip() for c in df.columns]
    cols = list(df.columns)
    id_col = _pick(cols, _ID_COLUMNS, what="cell id", path=path)
    pop_col = _pick(cols, _POP_COLUMNS, what="population", path=path)
    if len(df) == 0:
        msg = f"{path.name} has a header but no rows."
        raise InputError(msg)
    size = cell_m if cell_m is not None else _CELL_FROM_ID_COLUMN.get(id_col.lower())
    ids = df[id_col].str.strip()
    if size is None:
        probe = decode_ssb_ids(ids, cell_m=1.0)
        corners = np.concatenate([probe.x[probe.ok], probe.y[probe.ok]])
        size = 1000.0 if len(corners) and np.all(corners % 1000 == 0) else 250.0
    if not (size > 0 and np.isfinite(size)):
        msg = f"cell_m must be a positive number of metres, got {cell_m!r}."
        raise InputError(msg)
    dec = decode_ssb_ids(ids, cell_m=size)
    if not dec.ok.all():
        bad = np.flatnonzero(~dec.ok)
        listed = "; ".join(f"row {i + 1} (line {i + 2}): {id_col}={ids.iloc[i]!r} {dec.reason[i]}" for i in bad[:5])
        msg = (
            f"{path.name}: {len(bad)} cell id(s) do not decode as SSB ids ((x + 2,000,000) * 10^7 + y of the "
            f"lower-left corner of a {size:g} m cell, EPSG:25833): {listed}{' ...' if len(bad) > 5 else ''}."
        )
        raise InputError(msg)
    canon = pd.Series((dec.x.astype(np.int64) + 2_000_000) * 10_000_000 + dec.y.astype(np.int64)).astype(str)
    dup = canon.duplicated(keep=False)
    if dup.any():
        first = np.flatnonzero(dup.to_numpy())[:5]
        msg = f"{path.name}: duplicated cell ids in {id_col!r}: " + ", ".join(
            f"row {i + 1} ({canon.iloc[i]})" for i in first) + "."
        raise InputError(msg)
    pop, keep, dropped = _checked_counts(df[pop_col], path=path, column=pop_col, invalid_counts=invalid_counts,
                                         first_line=2)
    extra = {}
    for c in cols:
        if c in (id_col, pop_col):
            continue
        vals = pd.to_numeric(df[c].str.strip().str.replace(",", ".", regex=False).replace("", np.nan), errors="coerce")
        extra[c] = vals.to_numpy(dtype=np.float64)[keep]
    x0, y0 = dec.x[keep], dec.y[keep]
    if as_points:
        geom = shapely.points(x0 + size / 2, y0 + size / 2)
    else:
        geom = shapely.box(x0, y0, x0 + size, y0 + size)
    out = gpd.GeoDataFrame({"cell_id": canon.to_numpy()[keep], "population": pop[keep], **extra},
                           geometry=geom, crs=NORWAY_CRS)
    return out, {"id_column": id_col, "population_column": pop_col, "cell_m": float(size), "separator": sep,
                 "rows_dropped": dropped}


def _checked_counts(values: Any, *, path: Path, column: str, invalid_counts: str,
                    first_line: int | None) -> tuple[np.ndarray, np.ndarray, int]:
    """Counts as float64; (counts, rows kept, rows dropped). Negative, NaN or non-numeric counts are refused or dropped."""
    import warnings

    import pandas as pd

    raw = pd.Series(values)
    if raw.dtype == object or pd.api.types.is_string_dtype(raw):
        raw = raw.astype("string").str.strip().str.replace(",", ".", regex=False)
    pop = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(pop) | (pop < 0)
    keep = ~bad
    if not bad.any():
        return pop, keep, 0
    idx = np.flatnonzero(bad)
    where = (lambda i: f"row {i + 1} (line {i + first_line})") if first_line else (lambda i: f"row {i + 1}")
    shown = pd.Series(values).tolist()
    listed = ", ".join(f"{where(i)}: {column}={shown[i]!r}" for i in idx[:5])
    more = " ..." if len(idx) > 5 else ""
    if invalid_counts == "raise":
        msg = (
            f"{path.name}: {len(idx)} cell(s) have a negative, missing or non-numeric population count ({listed}{more}). "
            f"Fix them, or pass invalid_counts='drop' to leave those cells out (never counted as 0)."
        )
        raise InputError(msg)
    warnings.warn(
        f"{path.name}: {len(idx)} cell(s) with a negative, missing or non-numeric count are left out "
        f"({listed}{more}).",
        DataWarning,
        stacklevel=4,
    )
    return pop, keep, len(idx)


def grid_to_raster(
    grid: gpd.GeoDataFrame,
    path: str | os.PathLike[str],
    *,
    cell_m: float = 250.0,
    weight: str = "population",
) -> Path:
    """Write a regular cell grid to a single-band float32 GeoTIFF (atomically).

    Each cell's value is placed in the raster pixel containing its centre; pixels without a
    cell are 0 (no data is not used, so sums over windows equal the population).

    Parameters
    ----------
    grid
        Output of :func:`read_ssb_grid` (squares or points), in a projected CRS.
    path
        Target ``.tif``.
    cell_m
        Pixel size in metres (250 for the SSB grid).
    weight
        Column to burn (persons).

    Returns
    -------
    pathlib.Path
        The written file.
    """
    import rasterio
    from affine import Affine

    from geoaccess.crs import resolve_crs

    crs = resolve_crs(grid.crs, what="grid layer")
    if len(grid) == 0:
        msg = "grid_to_raster: the grid layer is empty."
        raise InputError(msg)
    c = grid.geometry.centroid
    cx, cy = c.x.to_numpy(), c.y.to_numpy()
    x0 = np.floor((cx.min() - cell_m / 2) / cell_m) * cell_m
    y1 = np.ceil((cy.max() + cell_m / 2) / cell_m) * cell_m
    col = np.floor((cx - x0) / cell_m).astype(np.int64)
    row = np.floor((y1 - cy) / cell_m).astype(np.int64)
    width, height = int(col.max()) + 1, int(row.max()) + 1
    data = np.zeros((height, width), dtype=np.float64)
    np.add.at(data, (row, col), grid[weight].to_numpy(dtype=np.float64))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".tif", dir=path.parent)
    os.close(fd)
    try:
        with rasterio.open(
            tmp, "w", driver="GTiff", width=width, height=height, count=1, dtype="float32",
            crs=crs.to_wkt(), transform=Affine(cell_m, 0.0, x0, 0.0, -cell_m, y1), compress="deflate",
        ) as dst:
            dst.write(data.astype(np.float32), 1)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
