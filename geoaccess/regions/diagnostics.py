"""Diagnostics of a regionalisation: self-containment, size distribution, contiguity, polygons.

* ``sc_supply`` (*selvdekning, tilbudssiden*): share of the region's employed
  residents who work in the region, ``X / R``.
* ``sc_demand`` (*selvdekning, etterspørselssiden*): share of the region's jobs
  held by its own residents, ``X / W``.
* ``self_containment`` = ``min(sc_supply, sc_demand)``, the Coombes measure.

Contiguity uses the boundaries' adjacency (polygons within a tolerance in metres);
the shared boundary files are land polygons, so island municipalities (e.g. Træna,
Røst, Utsira; 23 of the 356 municipalities of 2020) touch nothing and a region holding one is
reported in several parts. That is a property of the geography, flagged, not an error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.regions.flows import FlowData, Regionalisation

__all__ = ["contiguity", "region_polygons", "region_table", "size_distribution"]


def region_table(result: Regionalisation | pd.Series, flows: FlowData) -> pd.DataFrame:
    """Per-region totals and self-containment.

    Parameters
    ----------
    result
        A :class:`Regionalisation` or a Series region id per municipality code.
    flows
        The flows the regions are evaluated on (zone codes must cover the membership).

    Returns
    -------
    pandas.DataFrame
        ``region``, ``n_municipalities``, ``residents`` (employed residents),
        ``jobs``, ``within`` (live and work in the region), ``sc_supply``,
        ``sc_demand``, ``self_containment``, ``members`` (codes joined by ``;``),
        sorted by residents descending. Shares are NaN for empty denominators.
    """
    import numpy as np
    import pandas as pd

    labels = result.labels() if hasattr(result, "labels") else result
    region = labels.reindex(flows.codes).to_numpy()
    if pd.isna(region).any():
        missing = list(flows.codes[pd.isna(region)][:5])
        msg = f"region_table: {int(pd.isna(region).sum())} zones of the flows have no region (e.g. {missing})."
        from geoaccess.errors import InputError

        raise InputError(msg)
    ids, lab = np.unique(region.astype(str), return_inverse=True)
    within = flows.within(lab)
    res = np.bincount(lab, weights=flows.residents, minlength=len(ids))
    jobs = np.bincount(lab, weights=flows.jobs, minlength=len(ids))
    with np.errstate(invalid="ignore", divide="ignore"):
        sup = np.where(res > 0, within / res, np.nan)
        dem = np.where(jobs > 0, within / jobs, np.nan)
    members = pd.Series(flows.codes).groupby(lab).agg(lambda s: ";".join(sorted(s)))
    out = pd.DataFrame(
        {
            "region": ids,
            "n_municipalities": np.bincount(lab, minlength=len(ids)),
            "residents": res,
            "jobs": jobs,
            "within": within,
            "sc_supply": sup,
            "sc_demand": dem,
            "self_containment": np.fmin(sup, dem),
            "members": members.reindex(range(len(ids))).to_numpy(),
        }
    )
    return out.sort_values(["residents", "region"], ascending=[False, True]).reset_index(drop=True)


def size_distribution(
    table: pd.DataFrame, *, bins: tuple[float, ...] = (0.0, 5e3, 1e4, 2.5e4, 5e4, 1e5, 2.5e5, float("inf"))
) -> pd.DataFrame:
    """Number of regions per size class (employed residents).

    Parameters
    ----------
    table
        Output of :func:`region_table`.
    bins
        Class edges in persons.
    """
    import pandas as pd

    cls = pd.cut(table["residents"], bins=list(bins), right=False)
    out = cls.value_counts(sort=False).rename("regions").rename_axis("residents").reset_index()
    out["residents"] = out["residents"].astype(str)
    return out


def contiguity(
    labels: pd.Series,
    boundaries: gpd.GeoDataFrame,
    *,
    tolerance: float = 50.0,
) -> pd.DataFrame:
    """Connected parts of each region over municipality adjacency.

    Parameters
    ----------
    labels
        Region id per municipality code.
    boundaries
        Municipality polygons (projected CRS) of the same division, ``kommunenummer``.
    tolerance
        Adjacency gap in metres (see :func:`geoaccess.layers.boundaries.adjacency`).

    Returns
    -------
    pandas.DataFrame
        ``region``, ``n_parts``, ``contiguous`` (bool), ``parts`` (members of each
        part, ``|``-separated). Municipalities without a polygon raise.
    """
    import numpy as np
    import pandas as pd
    from scipy.sparse.csgraph import connected_components

    from geoaccess.errors import InputError
    from geoaccess.layers.boundaries import adjacency

    missing = sorted(set(labels.index) - set(boundaries["kommunenummer"]))
    if missing:
        msg = (
            f"contiguity: {len(missing)} municipalities have no boundary polygon (e.g. {', '.join(missing[:5])}); "
            "use boundaries of the same year as the codes."
        )
        raise InputError(msg)
    b = boundaries.loc[boundaries["kommunenummer"].isin(labels.index)].reset_index(drop=True)
    codes, adj = adjacency(b, tolerance=tolerance)
    reg = labels.reindex(codes).to_numpy()
    coo = adj.tocoo()
    same = reg[coo.row] == reg[coo.col]
    import scipy.sparse as sp

    a = sp.csr_array((np.ones(int(same.sum())), (coo.row[same], coo.col[same])), shape=adj.shape)
    _, comp = connected_components(a, directed=False)
    df = pd.DataFrame({"code": codes, "region": reg, "comp": comp})
    rows = []
    for r, g in df.groupby("region", sort=True):
        parts = [sorted(x["code"]) for _, x in g.groupby("comp")]
        parts.sort(key=lambda p: (-len(p), p))
        rows.append(
            {
                "region": r,
                "n_parts": len(parts),
                "contiguous": len(parts) == 1,
                "parts": "|".join(";".join(p) for p in parts),
            }
        )
    return pd.DataFrame(rows)


def region_polygons(
    result: Regionalisation,
    boundaries: gpd.GeoDataFrame,
    *,
    flows: FlowData | None = None,
) -> gpd.GeoDataFrame:
    """Dissolve municipality polygons into region polygons.

    Parameters
    ----------
    result
        Regionalisation whose codes match ``boundaries`` (same division year).
    boundaries
        ``kommunenummer``, ``kommunenavn``, geometry.
    flows
        When given, the region statistics of :func:`region_table` are joined.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per region: ``region``, ``region_name`` (name of the region id's
        municipality), ``n_municipalities`` and, with ``flows``, the self-containment
        columns.
    """
    from geoaccess.errors import InputError

    mem = result.membership[["kommunenummer", "region"]]
    missing = sorted(set(mem["kommunenummer"]) - set(boundaries["kommunenummer"]))
    if missing:
        msg = (
            f"region_polygons: {len(missing)} municipalities have no polygon in the boundaries "
            f"(e.g. {', '.join(missing[:5])}); use boundaries of the same year as the codes."
        )
        raise InputError(msg)
    g = boundaries.merge(mem, on="kommunenummer", how="inner")
    poly = g[["region", "geometry"]].dissolve(by="region", as_index=False)
    names = boundaries.set_index("kommunenummer")["kommunenavn"]
    poly["region_name"] = poly["region"].map(names).fillna(poly["region"])
    poly["n_municipalities"] = poly["region"].map(mem.groupby("region").size())
    if flows is not None:
        tab = region_table(result, flows).drop(columns=["n_municipalities", "members"])
        poly = poly.merge(tab, on="region", how="left")
    return poly
