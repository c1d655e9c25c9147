"""Write region outputs: membership and region tables, centres, GeoPackage, PNG and HTML maps, run JSON.

:func:`write_region_outputs` is shared by the ``geoaccess regions`` command and the
demo; the analysis modules themselves never draw maps.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.regions.flows import FlowData, Regionalisation

__all__ = ["centres_table", "write_region_outputs"]


def centres_table(proposal: pd.DataFrame, given: list[str], names: pd.Series | None = None) -> pd.DataFrame:
    """The centre proposal beside the centres used: one row per municipality that is either.

    Parameters
    ----------
    proposal
        :func:`geoaccess.regions.centres.centre_proposal_table`.
    given
        Centre groups used by the run (``"a+b"`` strings; equal to the proposal when
        no centres were given).
    names
        Municipality names per code.

    Returns
    -------
    pandas.DataFrame
        ``kommunenummer``, ``kommunenavn``, ``used`` (the group string of the run's
        centre group, or ""), ``proposed`` (the proposal's group, or ""), ``agree``
        (both or neither), and the proposal's numbers and ``reason``.
    """
    used = {c: g for g in given for c in g.split("+")}
    t = proposal.copy()
    t.insert(1, "used", t["kommunenummer"].map(used).fillna(""))
    t.insert(1, "kommunenavn", t["kommunenummer"].map(names).fillna("") if names is not None else "")
    t.insert(4, "agree", (t["used"] != "") == (t["proposed"] != ""))
    return t.loc[(t["used"] != "") | (t["proposed"] != "")].reset_index(drop=True)


def write_region_outputs(
    result: Regionalisation,
    flows: FlowData,
    out_dir: str | os.PathLike[str],
    *,
    boundaries: gpd.GeoDataFrame | None = None,
    names: pd.Series | None = None,
    prefix: str | None = None,
    title: str = "",
    maps: bool = True,
) -> dict[str, Path]:
    """Write membership CSV, region table CSV, GeoPackage, PNG and HTML maps, and run JSON.

    Parameters
    ----------
    result
        Regionalisation to write.
    flows
        Flows the regions were computed from (for the region table).
    out_dir
        Output folder (created).
    boundaries
        Municipality polygons of the same division; without them only the tables
        and the JSON are written.
    names
        Municipality name per code (index ``kommunenummer``); defaults to the
        boundaries' ``kommunenavn``. Added as ``kommunenavn`` and ``region_name``.
    prefix
        File name prefix; defaults to the method name.
    title
        Map title.
    maps
        Draw the PNG and HTML maps.

    Returns
    -------
    dict
        Output kind → path. Every file is written atomically.
    """
    from geoaccess.regions.diagnostics import contiguity, region_polygons, region_table, size_distribution
    from geoaccess.report.atomic import atomic_path, write_table

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pre = prefix or result.method
    paths: dict[str, Path] = {}
    mem = result.membership
    if names is None and boundaries is not None:
        names = boundaries.set_index("kommunenummer")["kommunenavn"]
    if names is not None:
        mem = mem.copy()
        mem.insert(1, "kommunenavn", mem["kommunenummer"].map(names).fillna(""))
        mem.insert(3, "region_name", mem["region"].map(names).fillna(mem["region"]))
    paths["membership"] = write_table(mem, out / f"{pre}_membership.csv")
    meta = dict(result.meta)
    proposal = meta.pop("centre_proposal_table", None)
    if proposal is not None:
        ctab = centres_table(proposal, meta.get("centres", []), names)
        paths["centres"] = write_table(ctab, out / f"{pre}_centres.csv")
    table = region_table(result, flows)
    if boundaries is not None:
        cont = contiguity(result.labels(), boundaries)
        table = table.merge(cont[["region", "n_parts", "contiguous"]], on="region", how="left")
    if names is not None:
        table.insert(1, "region_name", table["region"].map(names).fillna(table["region"]))
    paths["regions"] = write_table(table, out / f"{pre}_regions.csv")
    paths["sizes"] = write_table(size_distribution(table), out / f"{pre}_size_distribution.csv")
    if boundaries is not None:
        poly = region_polygons(result, boundaries, flows=flows)
        if "contiguous" in table.columns:
            poly = poly.merge(table[["region", "n_parts", "contiguous"]], on="region", how="left")
        muni = boundaries.merge(result.membership, on="kommunenummer", how="inner")
        gpkg = out / f"{pre}_regions.gpkg"
        with atomic_path(gpkg) as tmp:
            poly.to_file(tmp, driver="GPKG", layer="regions")
            muni.to_file(tmp, driver="GPKG", layer="municipalities")
        paths["gpkg"] = gpkg
        if maps:
            from geoaccess.report.maps import html_map, png_map

            poly_pct = poly.assign(self_containment_pct=100 * poly["self_containment"])
            paths["png"] = png_map(
                poly_pct,
                out / f"{pre}_regions.png",
                column="self_containment_pct",
                title=title or f"{result.n_regions} regions ({result.method})",
                cmap="viridis",
                overlays=(poly[["geometry"]],),
                legend_title="self-containment (%) = min(live & work / residents, / jobs)",
            )
            tips = [
                c
                for c in ("region", "region_name", "n_municipalities", "residents", "jobs", "self_containment")
                if c in poly.columns
            ]
            paths["html"] = html_map(
                poly,
                out / f"{pre}_regions.html",
                column="region_name",
                categorical=True,
                cmap="tab20",
                title=title or f"{result.n_regions} regions ({result.method})",
                tooltip=tips,
            )
    with atomic_path(out / f"{pre}_run.json") as tmp:
        tmp.write_text(
            json.dumps({"method": result.method, "n_regions": result.n_regions, **meta}, indent=2, default=str)
        )
    paths["run"] = out / f"{pre}_run.json"
    return paths
