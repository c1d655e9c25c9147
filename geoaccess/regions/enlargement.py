"""Regionforstørring (labour-market enlargement) from a base and a scenario network.

*Regionforstørring* ("region enlargement") is the growth of a *bo- og
arbeidsmarkedsregion* (BA-region, housing and labour-market region) when travel
times fall: more residents can reach the centre's jobs, and the centre can recruit from
a wider *omland* (hinterland) within the usual commuting limits of 30, 45, 60 and 75
minutes. It is a stated criterion for prioritising road investments in the Norwegian
national transport plan (NTP).

Two views are given:

* :func:`labour_market_enlargement`: **grid level**. Residents and jobs in cells (e.g.
  SSB 250 m cells) within ``T`` minutes of the centre by car, on the base and the
  scenario network, with the same snapping and counting rules
  (:mod:`geoaccess.scenario.compare`: a cell counts when its door-to-door time is
  ``<= T`` minutes).
* :func:`region_changes`: **municipality level**. The municipalities that change
  region when the municipality-to-centre travel times change, under method 3
  (travel-time regions: nearest centre within a limit) or method 2 (the BA rule
  cascade), using :func:`geoaccess.regions.traveltime.region_changes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.deprecation import renamed_parameters
from geoaccess.errors import InputError
from geoaccess.layers.centre_point import centre_points

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.network.graph import Network
    from geoaccess.regions.flows import FlowData

__all__ = ["centre_points", "labour_market_enlargement", "region_changes"]


@renamed_parameters(minutes="thresholds_minutes")
def labour_market_enlargement(
    base_net: Network,
    scen_net: Network,
    centre: Any,
    *,
    cells: gpd.GeoDataFrame,
    thresholds_minutes: float | Sequence[float] | str = (30, 45, 60, 75),
    residents: str = "population",
    jobs: str | None = "jobs",
    crs: Any = None,
    cell_id: str | None = "cell_id",
    max_snap_m: float = 1000.0,
) -> pd.DataFrame:
    """Residents and jobs within each threshold of a centre, before and after a scenario.

    Parameters
    ----------
    base_net, scen_net
        Base network and scenario network (same nodes, e.g. from
        :func:`geoaccess.scenario.edit.apply_scenario`).
    centre
        The centre: a one-row GeoDataFrame, ``(x, y, crs)``, or ``"x,y,crs"`` (see
        :func:`centre_points`).
    cells
        Grid cells with a residents column and (optionally) a jobs column.
    thresholds_minutes
        Thresholds in minutes.
    residents, jobs
        Column names; ``jobs=None`` reports residents only.
    crs
        CRS of a centre given as plain coordinates.
    cell_id, max_snap_m
        As in :func:`geoaccess.scenario.compare.cell_seconds`.

    Returns
    -------
    pandas.DataFrame
        One row per threshold: ``minutes``, ``residents_before``, ``residents_after``,
        ``residents_change``, ``residents_change_pct``, ``jobs_before``, ``jobs_after``,
        ``jobs_change``, ``jobs_change_pct``, ``cells_before``, ``cells_after``. The
        counting rule: a cell counts when its door-to-door time is ``<= minutes``.
    """
    minutes = thresholds_minutes
    from geoaccess.engine.matrix import check_minutes
    from geoaccess.scenario.compare import compare_times

    thresholds = check_minutes(minutes, what="minutes")
    layer = centre_points(centre, crs=crs)
    if len(layer) != 1:
        msg = f"labour_market_enlargement takes one centre; got {len(layer)} points (use compare_access for many)."
        raise InputError(msg)
    oid = "origin_id" if "origin_id" in layer.columns else None
    times = compare_times(
        base_net,
        scen_net,
        layer,
        cells=cells,
        origin_id=oid,
        cell_id=cell_id,
        max_snap_m=max_snap_m,
        cutoff_minutes=max(thresholds),
    )
    if not times.origin_snapped.all():
        msg = (
            f"The centre lies more than {max_snap_m:g} m from the network; move it onto the network's "
            "extent or raise max_snap_m."
        )
        raise InputError(msg)
    weights = [residents] + ([jobs] if jobs is not None else [])
    reach = times.reach(thresholds_minutes=thresholds, weights=weights)
    out = None
    for role, col in (("residents", residents), ("jobs", jobs)):
        if col is None:
            continue
        part = reach.loc[reach["weight"] == col].set_index("minutes")
        block = part[["before", "after", "change", "change_pct"]].add_prefix(f"{role}_")
        if out is None:
            out = block.join(part[["cells_before", "cells_after"]])
        else:
            out = out.join(block)
    assert out is not None
    cols = [c for c in out.columns if not c.startswith("cells_")] + ["cells_before", "cells_after"]
    return out[cols].reset_index()


def region_changes(
    base_times: pd.DataFrame,
    scen_times: pd.DataFrame,
    *,
    flows: FlowData | pd.DataFrame,
    centres: Sequence[str],
    method: str = "traveltime",
    params: object | None = None,
    names: pd.Series | None = None,
) -> pd.DataFrame:
    """Municipalities that change region between base and scenario travel times.

    Parameters
    ----------
    base_times, scen_times
        ``origin`` (municipality), ``destination`` (centre), ``minutes`` tables, e.g.
        municipality centres routed to the centre on the base and the scenario network
        (the engine's ``origin_id``/``destination_id`` columns are accepted too).
    flows
        Commuting flows (:class:`~geoaccess.regions.flows.FlowData`, or a table
        ``origin, destination, workers`` such as :func:`geoaccess.layers.commuting.read_03321`).
    centres
        Centre municipality codes (``"0301+3024"`` double centres for ``method="ba"``).
    method
        ``"traveltime"`` (method 3: nearest centre within ``max_minutes``) or ``"ba"``
        (method 2: the BA rule cascade).
    params
        :class:`~geoaccess.regions.config.TravelTimeParams` or
        :class:`~geoaccess.regions.config.BAParams`; defaults from ``defaults.toml``.
    names
        Optional municipality names indexed by code, added as ``kommunenavn``.

    Returns
    -------
    pandas.DataFrame
        One row per municipality that changes region: ``kommunenummer``, ``region_base``,
        ``region_scenario``, ``rule_base``, ``rule_scenario``, ``minutes_base``,
        ``minutes_scenario`` (to its centre; NaN when none), ``residents`` (employed
        residents), ``jobs``, ``method``. Empty when nothing changes.
    """
    import pandas as pd

    from geoaccess.regions.flows import FlowData
    from geoaccess.regions.traveltime import region_changes as _changes

    if method not in ("traveltime", "ba"):
        msg = f"region_changes: method must be 'traveltime' (method 3) or 'ba' (method 2), got {method!r}."
        raise InputError(msg)
    fd = flows if isinstance(flows, FlowData) else FlowData.from_table(flows)
    _, _, moved = _changes(base_times, scen_times, fd, centres=list(centres), method=method, params=params)
    pos = {c: i for i, c in enumerate(fd.codes)}
    idx = moved["kommunenummer"].map(pos)
    moved = moved.assign(
        residents=[float(fd.residents[int(i)]) if pd.notna(i) else np.nan for i in idx],
        jobs=[float(fd.jobs[int(i)]) if pd.notna(i) else np.nan for i in idx],
        method=method,
    )
    if names is not None:
        moved.insert(1, "kommunenavn", moved["kommunenummer"].map(names))
    return moved.reset_index(drop=True)
