"""Road references (*vegreferanse*: category and number, e.g. E6, Rv 25, Fv 222) of a network's source lines.

Stitching a detailed network into a coarse one (:mod:`geoaccess.network.stitch`) joins the two
where *the same road* crosses the border, so it needs to know which numbered road passes a
point. A built :class:`~geoaccess.network.graph.Network` no longer carries it per edge
(degree-2 simplification gives a chain spanning several source lines ``way_id = -1``), so the
references are read from the network's **source** as lines with their category and number,
and looked up geometrically.

Sources read (``Network.meta`` says which):

* NVDB / FKB-Vegnett GML zip: ``Veglenke`` ``vegreferanse`` (``vegkategori``, ``vegnummer``);
* Kartverket N1000 (and N50–N500) road links: ``vegkategori``, ``vegnummer``;
* OSM (PBF/XML): the ``ref`` tag of ``highway`` ways, e.g. ``"E 6"``, ``"4"``, ``"162;Ring 1"``
  (a bare number is a *riksveg* or *fylkesveg*: its category is unknown, and it matches either).

Only **numbered national and county roads** are kept: categories ``E`` (europaveg), ``R``
(riksveg) and ``F`` (fylkesveg). Municipal (``K``), private (``P``) and forest (``S``) road
numbers are local to one road authority's register and mean nothing across two datasets.
Other sources (line layers without references, DIMACS) give an empty table: stitching then
joins by proximity alone.

The table is cached in ``GEOACCESS_CACHE/road_refs`` by the source's SHA-256 and the package
version (reading the Hamar GML costs seconds; the cached table milliseconds).
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from geoaccess.errors import CacheWarning, DataWarning

if TYPE_CHECKING:
    import geopandas as gpd

    from geoaccess.network.graph import Network

__all__ = ["NUMBERED_CATEGORIES", "RoadRef", "compatible", "format_ref", "parse_osm_ref", "refs_near", "road_ref_lines"]

NUMBERED_CATEGORIES = ("E", "R", "F")
"""Road categories whose numbers identify the same road across datasets (europa-, riks-, fylkesveg)."""

RoadRef = tuple[str, int]
"""``(category, number)``; category ``""`` where the source gives the number only (OSM ``ref="4"``)."""

_OSM_TOKEN = re.compile(r"^\s*(?:(E|Rv|Fv|R|F)\s*\.?\s*)?(\d{1,5})\s*$", re.IGNORECASE)
_COLUMNS = ("category", "number")


def format_ref(ref: RoadRef) -> str:
    """``("E", 6)`` → ``"E6"``, ``("R", 25)`` → ``"Rv25"``, ``("F", 222)`` → ``"Fv222"``, ``("", 4)`` → ``"4"``."""
    cat, num = ref
    return {"E": "E", "R": "Rv", "F": "Fv"}.get(cat, "") + str(num)


def parse_osm_ref(text: str | None) -> list[RoadRef]:
    """Numbered roads in an OSM ``ref`` tag: ``"E 6;Ring 3"`` → ``[("E", 6)]``, ``"163"`` → ``[("", 163)]``.

    Tokens are separated by ``;``; names (``Ring 3``) and malformed tokens are skipped.
    """
    out: list[RoadRef] = []
    for token in str(text or "").split(";"):
        m = _OSM_TOKEN.match(token)
        if m is None:
            continue
        prefix = (m.group(1) or "").upper()[:1]
        out.append((prefix if prefix in NUMBERED_CATEGORIES else "", int(m.group(2))))
    return out


def compatible(a: RoadRef, b: RoadRef) -> bool:
    """Same number, and the same category unless one of them is unknown (``""``)."""
    return a[1] == b[1] and (a[0] == b[0] or not a[0] or not b[0])


# ----------------------------------------------------------------------------- sources
def _source_kind(net: Network) -> str | None:
    meta = net.meta
    if "nvdb" in meta:
        return "nvdb"
    reader = str(meta.get("reader", ""))
    if reader == "n1000":
        return "n1000"
    if "osm" in reader:
        return "osm"
    return None


def _frame(cat: list[str], num: list[int], geoms: list | np.ndarray, crs: str) -> gpd.GeoDataFrame:
    import geopandas as gpd

    return gpd.GeoDataFrame({"category": np.asarray(cat, dtype=object), "number": np.asarray(num, dtype=np.int64)},
                            geometry=np.asarray(geoms, dtype=object) if len(geoms) else [], crs=crs)


def _numbered(cat: np.ndarray, num: np.ndarray) -> np.ndarray:
    numeric = np.array([isinstance(v, (int, float, np.integer, np.floating)) and np.isfinite(v) for v in num], dtype=bool)
    return np.isin(cat.astype(str), NUMBERED_CATEGORIES) & numeric


def _nvdb_lines(source: str, crs: str) -> gpd.GeoDataFrame:
    from geoaccess.network.nvdb_gml import read_fkb_zip

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the CRS note was given when the network was built
        layer = read_fkb_zip(source).layers["Veglenke"]
    cat = layer.table["vegkategori"].to_numpy(dtype=object)
    num = layer.table["vegnummer"].to_numpy(dtype=object)
    keep = _numbered(cat, num) & np.array([g is not None for g in layer.geometry])
    return _frame(list(cat[keep]), [int(v) for v in num[keep]], layer.geometry[keep], crs)


def _n1000_lines(source: str, crs: str) -> gpd.GeoDataFrame:
    import pyogrio

    from geoaccess.network.n1000 import n1000_field_map

    info = pyogrio.read_info(source)
    fmap = n1000_field_map([str(c) for c in info["fields"]])
    if "category" not in fmap or "number" not in fmap:
        return _frame([], [], [], crs)
    gdf = pyogrio.read_dataframe(source, columns=[fmap["category"], fmap["number"]])
    if gdf.crs is not None and str(gdf.crs) != crs:
        gdf = gdf.to_crs(crs)
    gdf = gdf.explode(index_parts=False)
    cat = gdf[fmap["category"]].to_numpy(dtype=object)
    num = gdf[fmap["number"]].to_numpy(dtype=object)
    keep = _numbered(cat, num)
    return _frame(list(cat[keep]), [int(v) for v in num[keep]], gdf.geometry.to_numpy()[keep], crs)


def _osm_lines(source: str, crs: str) -> gpd.GeoDataFrame:
    import osmium
    import pyproj
    import shapely

    cats: list[str] = []
    nums: list[int] = []
    coords: list[np.ndarray] = []

    class _Refs(osmium.SimpleHandler):
        def way(self, w) -> None:  # noqa: ANN001 - osmium's way type
            tags = w.tags
            if "highway" not in tags or "ref" not in tags:
                return
            refs = parse_osm_ref(tags.get("ref"))
            if not refs:
                return
            xy = [(n.lon, n.lat) for n in w.nodes if n.location.valid()]
            if len(xy) < 2:
                return
            arr = np.asarray(xy, dtype=np.float64)
            for cat, num in refs:
                cats.append(cat)
                nums.append(num)
                coords.append(arr)

    _Refs().apply_file(source, locations=True)
    if not coords:
        return _frame([], [], [], crs)
    tr = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    lens = np.array([len(c) for c in coords])
    flat = np.concatenate(coords)
    x, y = tr.transform(flat[:, 0], flat[:, 1])
    geoms = shapely.linestrings(np.column_stack([x, y]), indices=np.repeat(np.arange(len(coords)), lens))
    return _frame(cats, nums, geoms, crs)


_READERS = {"nvdb": _nvdb_lines, "n1000": _n1000_lines, "osm": _osm_lines}


def _cache_file(kind: str, sha: str) -> Path:
    from geoaccess import __version__
    from geoaccess.datasets import cache_dir

    return cache_dir() / "road_refs" / f"{kind}-{sha[:20]}-{__version__}.parquet"


def road_ref_lines(net: Network, *, cache: bool = True) -> gpd.GeoDataFrame:
    """The numbered roads of a network's source, as lines in the network's CRS.

    Parameters
    ----------
    net
        A network built by :func:`~geoaccess.network.build.build_network` from NVDB GML, N1000 or OSM;
        ``net.meta["source"]`` must name the source file.
    cache
        Read/write the table in ``GEOACCESS_CACHE/road_refs`` (keyed by the source's SHA-256).

    Returns
    -------
    geopandas.GeoDataFrame
        ``category`` (``"E"``, ``"R"``, ``"F"``, or ``""`` for a bare OSM number), ``number`` (int64),
        line geometry; one row per source line and reference. Empty for a source without references,
        or (with a :class:`~geoaccess.errors.DataWarning`) when the source file is no longer there.
    """
    import geopandas as gpd

    kind = _source_kind(net)
    source = net.meta.get("source")
    if kind is None or not source:
        return _frame([], [], [], net.crs)
    if not Path(str(source)).is_file():
        warnings.warn(f"The source of the {kind} network, {source}, is not there: its road numbers cannot be read, "
                      f"so it is joined by proximity only.", DataWarning, stacklevel=2)
        return _frame([], [], [], net.crs)
    sha = str(net.meta.get("source_sha256") or net.meta.get("sha256") or "")
    path = _cache_file(kind, sha) if (cache and sha) else None
    if path is not None and path.is_file():
        try:
            got = gpd.read_parquet(path)
            if list(got.columns[:2]) == list(_COLUMNS) and got.crs is not None and got.crs == net.crs:
                return got
        except Exception:  # noqa: BLE001 - a broken cache file is rebuilt
            pass
    lines = _READERS[kind](os.fspath(source), net.crs)
    if path is not None:
        from geoaccess.report.atomic import atomic_path

        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(path) as tmp:
                lines.to_parquet(tmp)
        except OSError as exc:
            warnings.warn(f"Road references not cached in {path.parent} ({exc}); they are read again next time.",
                          CacheWarning, stacklevel=2)
    return lines


def refs_near(lines: gpd.GeoDataFrame, xy: np.ndarray, *, within_m: float) -> list[frozenset[RoadRef]]:
    """The road references of the lines passing within ``within_m`` metres of each point.

    Parameters
    ----------
    lines
        From :func:`road_ref_lines`.
    xy
        Points, shape (k, 2), in the lines' CRS.
    within_m
        Search distance in metres.

    Returns
    -------
    list of frozenset
        Per point, the ``(category, number)`` pairs found (empty where none).
    """
    import shapely

    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    out: list[set[RoadRef]] = [set() for _ in range(len(xy))]
    if len(lines) and len(xy):
        tree = shapely.STRtree(lines.geometry.to_numpy())
        pts, hit = tree.query(shapely.points(xy), predicate="dwithin", distance=float(within_m))
        cat = lines["category"].to_numpy(dtype=object)
        num = lines["number"].to_numpy()
        for p, h in zip(pts.tolist(), hit.tolist(), strict=True):
            out[p].add((str(cat[h] or ""), int(num[h])))
    return [frozenset(s) for s in out]
