"""Write region outputs (CSV, GeoPackage, PNG and HTML maps) and the national LMA demo.

:func:`write_region_outputs` is shared by the ``geoaccess regions`` command and
:func:`demo_summary`; the analysis modules themselves never draw maps.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import geopandas as gpd

    from geoaccess.regions.flows import FlowData, Regionalisation

__all__ = ["demo_summary", "write_region_outputs"]

#: Ullensaker (Jessheim) in the 2020-2023 and 2024 divisions.
ULLENSAKER = {2020: "3033", 2024: "3209"}


def write_region_outputs(
    result: Regionalisation,
    flows: FlowData,
    out_dir: str | os.PathLike[str],
    *,
    boundaries: gpd.GeoDataFrame | None = None,
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
    if boundaries is not None:
        names = boundaries.set_index("kommunenummer")["kommunenavn"]
        mem = mem.copy()
        mem.insert(1, "kommunenavn", mem["kommunenummer"].map(names))
        mem.insert(3, "region_name", mem["region"].map(names).fillna(mem["region"]))
    paths["membership"] = write_table(mem, out / f"{pre}_membership.csv")
    table = region_table(result, flows)
    if boundaries is not None:
        cont = contiguity(result.labels(), boundaries)
        table = table.merge(cont[["region", "n_parts", "contiguous"]], on="region", how="left")
        names = boundaries.set_index("kommunenummer")["kommunenavn"]
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
            json.dumps({"method": result.method, "n_regions": result.n_regions, **result.meta}, indent=2, default=str)
        )
    paths["run"] = out / f"{pre}_run.json"
    return paths


def demo_summary(year: int = 2021, *, out_dir: str | os.PathLike[str], maps: bool = True) -> dict[str, Any]:
    """National labour-market areas from the SSB 03321 flows of ``year``, with maps.

    Writes ``lma_membership.csv``, ``lma_regions.csv``, ``lma_size_distribution.csv``,
    ``lma_regions.gpkg`` (layers ``regions`` and ``municipalities``),
    ``lma_regions.png``, ``lma_regions.html`` and ``lma_run.json`` into ``out_dir``.

    Parameters
    ----------
    year
        2020 or 2021 (flows in the 2020 numbering, drawn on the 2020 boundaries).
    out_dir
        Output folder.
    maps
        Draw the maps (PNG, HTML).

    Returns
    -------
    dict
        ``year``, ``n_municipalities``, ``n_regions``, ``workers`` (flow total),
        ``seconds`` (LMA run), ``ullensaker_region`` (region id and name),
        ``ullensaker_region_members``, ``ullensaker_sc_supply``, ``ullensaker_sc_demand``,
        ``ullensaker_self_containment`` (shares 0–1), ``n_non_contiguous``, ``files``.
    """
    from geoaccess.layers.boundaries import read_municipalities
    from geoaccess.layers.commuting import load_flows
    from geoaccess.layers.crosswalk import division_year
    from geoaccess.regions.diagnostics import region_table
    from geoaccess.regions.flows import FlowData
    from geoaccess.regions.lma import labour_market_areas

    div = division_year(year)
    boundaries = read_municipalities(div)
    flows = FlowData.from_table(load_flows(year), codes=list(boundaries["kommunenummer"]))
    t0 = time.perf_counter()
    result = labour_market_areas(flows)
    seconds = time.perf_counter() - t0
    paths = write_region_outputs(
        result,
        flows,
        out_dir,
        boundaries=boundaries,
        prefix="lma",
        title=(
            f"Labour-market areas (Coombes/TTWA, UK 2011 parameters) from SSB commuting {year}: "
            f"{result.n_regions} regions"
        ),
        maps=maps,
    )
    table = region_table(result, flows)
    code = ULLENSAKER[div]
    reg = str(result.labels()[code])
    row = table.loc[table["region"] == reg].iloc[0]
    names = boundaries.set_index("kommunenummer")["kommunenavn"]
    import pandas as pd

    non_contig = int((~pd.read_csv(paths["regions"])["contiguous"].astype(bool)).sum())
    return {
        "year": year,
        "n_municipalities": flows.n,
        "n_regions": result.n_regions,
        "workers": float(flows.residents.sum()),
        "seconds": seconds,
        "ullensaker_code": code,
        "ullensaker_region": f"{reg} {names.get(reg, '')}".strip(),
        "ullensaker_region_members": int(row["n_municipalities"]),
        "ullensaker_sc_supply": float(row["sc_supply"]),
        "ullensaker_sc_demand": float(row["sc_demand"]),
        "ullensaker_self_containment": float(row["self_containment"]),
        "n_non_contiguous": non_contig,
        "files": {k: str(v) for k, v in paths.items()},
    }
