"""The national LMA demo (:func:`demo_summary`); the writers live in :mod:`geoaccess.regions.output`."""

from __future__ import annotations

import os
import time
from typing import Any

from geoaccess.regions.output import write_region_outputs

__all__ = ["demo_summary"]

#: Ullensaker (Jessheim) in the 2020-2023 and 2024 divisions.
ULLENSAKER = {2020: "3033", 2024: "3209"}


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
    from geoaccess.layers.municipality_codes import division_year
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
