"""Road attributes of a network's source ways: name, class and road number, per way id.

The frozen :class:`~geoaccess.network.graph.Network` holds routing arrays only. The things a
planner finds a road by — its name, its class, its road number — are kept beside it, as an
**optional attribute table keyed by way id** (no new field, no breaking change):

* ``Network.meta["way_attributes"]`` when present (a columnar dict ``way_id``, ``name``,
  ``road_class``, ``road_ref``; :func:`with_way_attributes` stores it, e.g. before
  ``network.npz`` is written, and it is saved with the network);
* otherwise read from the network's source file (``meta["source"]``) by its reader's
  fields, once per process:

  ============  =====================  =====================================  ==========================
  reader        ``name``               ``road_class``                          ``road_ref``
  ============  =====================  =====================================  ==========================
  OSM           ``name``               ``highway`` (``ferry`` for ferries)     ``ref`` (``E 6;Rv 4``)
  N1000         – (N1000 has no names)  ``vegkategori`` (E, R, F, K, P)        ``E39``, ``F519``
  NVDB GML      ``adressenavn``        ``vegkategori``                         category + number
  line layers   ``name``/``navn``/...   ``highway``/``vegkategori``/...         ``ref``/``vegnummer``/...
  DIMACS        –                      –                                       –
  ============  =====================  =====================================  ==========================

Because edges carry way ids (all of them after simplification: :mod:`geoaccess.network.ways`),
the table follows the edges through every re-ordering, subset or scenario edit.
:func:`edge_attributes` gives one row per edge (names of a merged edge ``;``-joined), used by
the ``edges.gpkg`` export and by the scenario edits that select roads by name, class or number.
Road numbers are normalised for matching by :func:`normalise_road_ref` (``"E 39"``, ``"e39"``
and ``"E39"`` are the same road).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from geoaccess.network.graph import Network

__all__ = [
    "ATTRIBUTE_COLUMNS",
    "WAY_ATTRIBUTES_KEY",
    "edge_attributes",
    "normalise_road_ref",
    "way_attributes",
    "with_way_attributes",
]

WAY_ATTRIBUTES_KEY = "way_attributes"
ATTRIBUTE_COLUMNS = ("name", "road_class", "road_ref")

_NAME_COLUMNS = ("name", "navn", "gatenavn", "adressenavn", "vegnavn", "street")
_CLASS_COLUMNS = ("highway", "road_class", "vegkategori", "fclass", "class", "funksjonellvegklasse")
_REF_COLUMNS = ("ref", "road_ref", "vegnummer", "road_number")


def normalise_road_ref(ref: Any) -> str:
    """A road number in one spelling for matching: upper case, no spaces (``"E 39"`` -> ``"E39"``, ``39.0`` -> ``"39"``)."""
    if ref is None or (isinstance(ref, float) and not np.isfinite(ref)):
        return ""
    if isinstance(ref, float) and ref.is_integer():
        ref = int(ref)
    return re.sub(r"\s+", "", str(ref)).upper()


def _empty() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({c: pd.Series(dtype=object) for c in ATTRIBUTE_COLUMNS},
                        index=pd.Index([], dtype=np.int64, name="way_id"))


def _frame(way_id: Any, name: Any, road_class: Any, road_ref: Any) -> pd.DataFrame:
    import pandas as pd

    def text(values: Any) -> np.ndarray:
        out = [None if v is None or (isinstance(v, float) and v != v) or not str(v).strip() else
               (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()) for v in values]
        return np.asarray(out, dtype=object)

    out = pd.DataFrame({"name": text(name), "road_class": text(road_class), "road_ref": text(road_ref)},
                       index=pd.Index(np.asarray(way_id, dtype=np.int64), name="way_id"))
    return out[~out.index.duplicated(keep="first")]


def _pick(columns: Any, candidates: tuple[str, ...]) -> str | None:
    low = {str(c).lower(): c for c in columns}
    return next((low[c] for c in candidates if c in low), None)


@lru_cache(maxsize=8)
def _osm_table(path: str, sha: str) -> pd.DataFrame:  # noqa: ARG001 - sha keys the cache
    import osmium

    ids, names, classes, refs = [], [], [], []
    for w in osmium.FileProcessor(path, osmium.osm.WAY).with_filter(osmium.filter.KeyFilter("highway", "route")):
        tags = w.tags
        ids.append(w.id)
        names.append(tags.get("name"))
        classes.append(tags.get("highway") or ("ferry" if tags.get("route") == "ferry" else None))
        refs.append(tags.get("ref"))
    return _frame(ids, names, classes, refs)


@lru_cache(maxsize=8)
def _n1000_table(path: str, sha: str) -> pd.DataFrame:  # noqa: ARG001 - sha keys the cache
    import pyogrio

    df = pyogrio.read_dataframe(path, read_geometry=False)
    cat = df["vegkategori"] if "vegkategori" in df.columns else None
    num = df["vegnummer"] if "vegnummer" in df.columns else None
    ref = [normalise_road_ref(f"{c}{normalise_road_ref(n)}") if isinstance(c, str) and n == n and n is not None else None
           for c, n in zip(cat if cat is not None else [None] * len(df), num if num is not None else [None] * len(df),
                           strict=True)]
    cls = [("ferry" if t in ("bilferje", "passasjerferje") else c) for t, c in
           zip(df.get("typeVeg", [None] * len(df)), cat if cat is not None else [None] * len(df), strict=True)]
    return _frame(np.arange(len(df)), [None] * len(df), cls, ref)


@lru_cache(maxsize=8)
def _nvdb_table(path: str, sha: str) -> pd.DataFrame:  # noqa: ARG001 - sha keys the cache
    import warnings

    from geoaccess.network.nvdb_network import nvdb_road_refs

    with warnings.catch_warnings():  # the reader's notes (CRS, unused objects) were given when the network was built
        warnings.simplefilter("ignore")
        t = nvdb_road_refs(path)
    ref = [normalise_road_ref(f"{c or ''}{normalise_road_ref(n)}") if n is not None and n == n else None
           for c, n in zip(t["vegkategori"], t["vegnummer"], strict=True)]
    return _frame(t["way_id"], t["adressenavn"], t["vegkategori"], ref)


@lru_cache(maxsize=8)
def _lines_table(path: str, sha: str, id_column: str | None, layer: str | None) -> pd.DataFrame:  # noqa: ARG001
    import pyogrio

    df = pyogrio.read_dataframe(path, layer=layer, read_geometry=False)
    ids = df[id_column].to_numpy() if id_column and id_column in df.columns else np.arange(len(df))
    cols = [_pick(df.columns, c) for c in (_NAME_COLUMNS, _CLASS_COLUMNS, _REF_COLUMNS)]
    values = [df[c].to_numpy(dtype=object) if c is not None else [None] * len(df) for c in cols]
    if cols[2] is not None:
        values[2] = [normalise_road_ref(v) or None for v in values[2]]
    return _frame(ids, *values)


def _source_table(net: Network) -> pd.DataFrame:
    source = net.meta.get("source")
    if not source or not Path(str(source)).is_file():
        return _empty()
    path = str(source)
    sha = str(net.meta.get("source_sha256") or net.meta.get("sha256") or "")
    reader = str(net.meta.get("options", {}).get("reader") or net.meta.get("reader") or "")
    if reader == "n1000" or "n1000" in net.meta:
        return _n1000_table(path, sha)
    if reader == "nvdb" or "nvdb" in net.meta:
        return _nvdb_table(path, sha)
    if reader == "osm" or reader.endswith("read_osm"):
        return _osm_table(path, sha)
    if reader == "lines":
        opts = net.meta.get("options", {}).get("reader_options", {})
        id_column = opts.get("id_column")
        if id_column is None and net.meta.get("speed_column") == "nvdb_fartsgrenseverdi":
            id_column = "lokalid"  # read_nvdb_speed_limits
        return _lines_table(path, sha, id_column, opts.get("layer"))
    return _empty()


def way_attributes(net: Network) -> pd.DataFrame:
    """Name, class and road number per source way id of the network (see the module docstring).

    Returns
    -------
    pandas.DataFrame
        Index ``way_id`` (int64); columns ``name``, ``road_class``, ``road_ref`` (text, ``None``
        where the source has none). Empty when the source is unknown or has no such fields.
    """
    import pandas as pd

    stored = net.meta.get(WAY_ATTRIBUTES_KEY)
    if stored:
        return pd.DataFrame({c: stored.get(c, [None] * len(stored["way_id"])) for c in ATTRIBUTE_COLUMNS},
                            index=pd.Index(np.asarray(stored["way_id"], dtype=np.int64), name="way_id"))
    return _source_table(net)


def with_way_attributes(net: Network, table: pd.DataFrame | None = None) -> Network:
    """The network with its way attribute table stored in ``meta`` (only the ways it uses), to be saved with it."""
    from dataclasses import replace

    from geoaccess.network.ways import edge_way_ids

    table = way_attributes(net) if table is None else table
    used = sorted({w for ways in edge_way_ids(net) for w in ways})
    sub = table.reindex([w for w in used if w in table.index])
    if sub.empty:
        return net
    stored = {"way_id": [int(w) for w in sub.index],
              **{c: [v if isinstance(v, str) else None for v in sub[c]] for c in ATTRIBUTE_COLUMNS}}
    return replace(net, meta={**net.meta, WAY_ATTRIBUTES_KEY: stored})


def edge_attributes(net: Network, edges: np.ndarray | None = None) -> pd.DataFrame:
    """One row per edge: ``way_ids`` (``;``-joined), ``name``, ``road_class``, ``road_ref`` (``;``-joined distinct values).

    Parameters
    ----------
    net
        The network.
    edges
        Edge indices (default all).
    """
    import pandas as pd

    from geoaccess.network.ways import edge_way_ids

    ways = edge_way_ids(net, edges)
    table = way_attributes(net)
    cols: dict[str, list[Any]] = {c: [] for c in ATTRIBUTE_COLUMNS}
    lookup = {c: {int(w): v for w, v in table[c].items() if isinstance(v, str)} for c in ATTRIBUTE_COLUMNS}
    for ws in ways:
        for c in ATTRIBUTE_COLUMNS:
            vals = list(dict.fromkeys(v for v in (lookup[c].get(w) for w in ws) if v is not None))
            cols[c].append(";".join(vals) if vals else None)
    return pd.DataFrame({"way_ids": [";".join(map(str, ws)) for ws in ways], **cols})
