"""Travel-time regions and *regionforstørring* (labour-market enlargement) before/after.

Travel-time regions: each zone (municipality, grid cell) joins the nearest centre
reachable within ``max_minutes``; zones beyond every centre stay their own region
(rule ``beyond``). Ties (times within ``tie_tolerance_minutes``) go to the centre
with more jobs, then to the lower code; the tied centres are listed in ``ties``.

Regionforstørring: a road investment shortens travel times, so a centre's
labour pool (employed residents and jobs within 30/45/60/75 minutes) grows and
municipalities may change region. :func:`labour_pool` measures the pool from one
travel-time table, :func:`enlargement` compares a base and a scenario table, and
:func:`region_changes` lists municipalities that change region under the
travel-time method or the BA cascade.

Travel-time tables are ``origin, destination, minutes`` (origin = the zone,
destination = a centre). Produce them with the engine between municipality centres,
e.g. ``geoaccess.engine.travel_time_matrix(network, origins, destinations)``
with origins/destinations snapped from municipality centroids or population-weighted
centres, converted from seconds to minutes and to long form. A missing pair is
unreachable. Reading and checking tables lives in :mod:`geoaccess.regions.travel_tables`
(re-exported here as :func:`normalise_travel_times` and :func:`read_travel_times`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.deprecation import renamed_parameters
from geoaccess.errors import InputError
from geoaccess.regions.config import TravelTimeParams
from geoaccess.regions.travel_tables import minutes_array, normalise_travel_times, read_travel_times, zone_ids

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.regions.flows import FlowData, Regionalisation

__all__ = [
    "enlargement",
    "labour_pool",
    "normalise_travel_times",
    "read_travel_times",
    "region_changes",
    "travel_time_regions",
    "travel_times_from_network",
]


def travel_times_from_network(
    net: Any,
    zones: gpd.GeoDataFrame,
    centres: gpd.GeoDataFrame,
    *,
    zone_id: str,
    centre_id: str,
    cutoff_minutes: float | None = None,
    max_snap_m: float = 1000.0,
    progress: bool = False,
) -> pd.DataFrame:
    """Zone → centre travel times from a network with the engine, as ``origin, destination, minutes``.

    Polygons (municipalities, grid cells) are represented by a point inside each
    (``representative_point``); use population-weighted points where you have them.
    Calls :func:`geoaccess.engine.travel_time_matrix`; unreachable pairs (NaN)
    are dropped, so they count as unreachable in every function of this module.

    Parameters
    ----------
    net
        :class:`geoaccess.network.graph.Network`.
    zones, centres
        Layers with a CRS and unique id columns ``zone_id`` / ``centre_id``.
    cutoff_minutes
        Times above this are unreachable (bounds the searches).
    max_snap_m
        Points farther from the network are unsnapped (the engine warns with their ids).
    progress
        Show the engine's progress bar.
    """
    from geoaccess.engine import travel_time_matrix

    def points(layer: gpd.GeoDataFrame, col: str) -> gpd.GeoDataFrame:
        if col not in layer.columns:
            msg = f"travel_times_from_network: no column {col!r} in the layer ({list(layer.columns)})."
            raise InputError(msg)
        pts = layer[[col, layer.geometry.name]].copy()
        if not pts.geom_type.isin(["Point"]).all():
            pts = pts.set_geometry(layer.geometry.representative_point())
        pts[col] = zone_ids(pts[col]).to_numpy()
        return pts

    tab = travel_time_matrix(
        net,
        points(zones, zone_id),
        points(centres, centre_id),
        origin_id=zone_id,
        destination_id=centre_id,
        cutoff_minutes=cutoff_minutes,
        max_snap_m=max_snap_m,
        progress=progress,
    )
    return normalise_travel_times(tab, what="engine travel times")


def travel_time_regions(
    times: pd.DataFrame,
    centres: Sequence[str],
    *,
    zones: Sequence[str] | None = None,
    jobs: pd.Series | None = None,
    flows: FlowData | None = None,
    params: TravelTimeParams | None = None,
) -> Regionalisation:
    """Assign every zone to the nearest centre within ``max_minutes``.

    Parameters
    ----------
    times
        ``origin`` (zone), ``destination`` (centre), ``minutes``.
    centres
        Centre ids. A centre that is also a zone forms its region (rule ``centre``);
        centres may be points that are not zones (e.g. schools for grid cells). With
        ``flows``, every centre must be a municipality of the flows.
    zones
        All zones; defaults to the flows' codes, else the origins of ``times`` plus the
        centres. Ids are strings, zero-padded to 4 characters like municipality codes.
    jobs
        Jobs per centre code, for tie-breaking (more jobs wins); defaults to the
        flows' jobs, else ties go to the lower code.
    flows
        When given, residents, jobs and self-containment are added and every centre
        must be in the flows.
    params
        ``max_minutes`` and ``tie_tolerance_minutes``.

    Returns
    -------
    Regionalisation
        ``rule`` is ``centre``, ``nearest_centre`` or ``beyond``; ``minutes_to_centre``
        (NaN beyond reach), ``ties`` (``;``-joined tied centres, empty if none).
    """
    import pandas as pd

    from geoaccess.regions.flows import Regionalisation, membership_columns

    p = params or TravelTimeParams()
    cen = list(zone_ids(list(centres)))
    if not cen:
        msg = "travel_time_regions: the centre list is empty."
        raise InputError(msg)
    if flows is not None:
        flows.index(cen, what="centre list")
        zone_list = [str(z) for z in flows.codes]
        if jobs is None:
            jobs = pd.Series(flows.jobs, index=flows.codes)
    elif zones is not None:
        zone_list = list(zone_ids(list(zones)))
    else:
        zone_list = sorted(set(normalise_travel_times(times)["origin"]) | set(cen))
    m = minutes_array(times, zone_list, cen)
    weight = np.array([float(jobs.get(c, 0.0)) for c in cen]) if jobs is not None else np.zeros(len(cen))
    best = m.min(axis=1)
    region = np.empty(len(zone_list), dtype=object)
    rule = np.empty(len(zone_list), dtype=object)
    ties = np.empty(len(zone_list), dtype=object)
    minutes = np.full(len(zone_list), np.nan)
    cset = set(cen)
    for i, z in enumerate(zone_list):
        ties[i] = ""
        if z in cset:
            region[i], rule[i], minutes[i] = z, "centre", 0.0
            continue
        if not np.isfinite(best[i]) or best[i] > p.max_minutes:
            region[i], rule[i] = z, "beyond"
            continue
        tied = np.where(m[i] <= best[i] + p.tie_tolerance_minutes)[0]
        order = sorted(tied, key=lambda k: (-weight[k], cen[k]))
        region[i], rule[i], minutes[i] = cen[order[0]], "nearest_centre", m[i, order[0]]
        if len(tied) > 1:
            ties[i] = ";".join(cen[k] for k in order)
    no = {
        "centre": "Senter",
        "nearest_centre": f"Nærmeste senter innen {p.max_minutes:g} min",
        "beyond": f"Over {p.max_minutes:g} min, egen region",
    }
    en = {
        "centre": "Centre",
        "nearest_centre": f"Nearest centre within {p.max_minutes:g} min",
        "beyond": f"Beyond {p.max_minutes:g} min, own region",
    }
    data = {
        "kommunenummer": zone_list,
        "region": region,
        "rule": rule.astype(str),
        "inkluderingsgrunnlag": [no[r] for r in rule],
        "inclusion_basis": [en[r] for r in rule],
        "minutes_to_centre": minutes,
        "ties": ties,
    }
    if flows is not None:
        data.update(membership_columns(flows, region))
    mem = pd.DataFrame(data)
    return Regionalisation(
        membership=mem,
        method="traveltime",
        meta={
            "method": "nearest centre within a travel-time limit",
            "params": {"max_minutes": p.max_minutes, "tie_tolerance_minutes": p.tie_tolerance_minutes},
            "centres": cen,
            "tie_rule": "more jobs wins, then the lower code",
            "n_ties": int((mem["ties"] != "").sum()),
            "n_beyond": int((mem["rule"] == "beyond").sum()),
        },
    )


@renamed_parameters(thresholds="thresholds_minutes")
def labour_pool(
    times: pd.DataFrame,
    flows: FlowData,
    *,
    centre: str,
    thresholds_minutes: Sequence[float] = (30.0, 45.0, 60.0, 75.0),
) -> pd.DataFrame:
    """Employed residents and jobs of the municipalities within ``T`` minutes of a centre.

    Parameters
    ----------
    times
        ``origin, destination, minutes``; rows with ``destination == centre`` are used
        (time from each municipality to the centre).
    flows
        Supplies residents (employed, by residence) and jobs per municipality.
    centre
        Centre municipality code (must be in the flows).
    thresholds_minutes
        Minutes.

    Returns
    -------
    pandas.DataFrame
        ``minutes``, ``municipalities``, ``residents``, ``jobs`` (within ``minutes``, inclusive).
    """
    thresholds = thresholds_minutes
    import pandas as pd

    c = str(centre).zfill(4)
    flows.index([c], what="centre")
    m = minutes_array(times, list(flows.codes), [c])[:, 0]
    rows = []
    for t in thresholds:
        inside = m <= float(t)
        rows.append(
            {
                "minutes": float(t),
                "municipalities": int(inside.sum()),
                "residents": float(flows.residents[inside].sum()),
                "jobs": float(flows.jobs[inside].sum()),
            }
        )
    return pd.DataFrame(rows)


@renamed_parameters(thresholds="thresholds_minutes")
def enlargement(
    base_times: pd.DataFrame,
    scenario_times: pd.DataFrame,
    flows: FlowData,
    *,
    centre: str,
    thresholds_minutes: Sequence[float] = (30.0, 45.0, 60.0, 75.0),
) -> pd.DataFrame:
    """Regionforstørring: labour pool of a centre before and after (base vs scenario times).

    Returns
    -------
    pandas.DataFrame
        ``minutes``, ``residents_base``, ``residents_scenario``, ``residents_change``,
        ``jobs_base``, ``jobs_scenario``, ``jobs_change``, ``municipalities_base``,
        ``municipalities_scenario``.
    """
    thresholds = thresholds_minutes
    a = labour_pool(base_times, flows, centre=centre, thresholds_minutes=thresholds).set_index("minutes")
    b = labour_pool(scenario_times, flows, centre=centre, thresholds_minutes=thresholds).set_index("minutes")
    out = a.add_suffix("_base").join(b.add_suffix("_scenario"))
    out["residents_change"] = out["residents_scenario"] - out["residents_base"]
    out["jobs_change"] = out["jobs_scenario"] - out["jobs_base"]
    cols = [
        "residents_base",
        "residents_scenario",
        "residents_change",
        "jobs_base",
        "jobs_scenario",
        "jobs_change",
        "municipalities_base",
        "municipalities_scenario",
    ]
    return out[cols].reset_index()


def region_changes(
    base_times: pd.DataFrame,
    scenario_times: pd.DataFrame,
    flows: FlowData,
    *,
    centres: Sequence[str] | None,
    method: str = "traveltime",
    params: object | None = None,
    alt_times: tuple[pd.DataFrame | None, pd.DataFrame | None] = (None, None),
    **ba_options: Any,
) -> tuple[Regionalisation, Regionalisation, pd.DataFrame]:
    """Regions under base and scenario travel times, and the municipalities that change region.

    Parameters
    ----------
    method
        ``"traveltime"`` (nearest centre within the limit) or ``"ba"`` (rule cascade;
        ``centres`` may hold double centres ``"0301+3024"``; ``None`` proposes them from the flows).
    params
        :class:`TravelTimeParams` or :class:`~geoaccess.regions.config.BAParams`.
    alt_times
        BA only: the other-mode tables (base, scenario) for rule ``alt90``.
    ba_options
        BA only: passed to :func:`geoaccess.regions.ba.ba_regions` (``boundaries``, ``towns``).

    Returns
    -------
    base, scenario : Regionalisation
    moves : pandas.DataFrame
        ``kommunenummer``, ``region_base``, ``region_scenario``, ``rule_base``,
        ``rule_scenario``, ``minutes_base``, ``minutes_scenario`` for changed municipalities.
    """
    if method == "traveltime":
        a = travel_time_regions(base_times, centres, flows=flows, params=params)
        b = travel_time_regions(scenario_times, centres, flows=flows, params=params)
    elif method == "ba":
        from geoaccess.regions.ba import ba_regions

        cen = None if centres is None else list(centres)
        a = ba_regions(flows, centres=cen, travel_times=base_times, alt_travel_times=alt_times[0], params=params,
                       **ba_options)
        b = ba_regions(flows, centres=cen, travel_times=scenario_times, alt_travel_times=alt_times[1],
                       params=params, **ba_options)
    else:
        msg = f"region_changes: method must be 'traveltime' or 'ba', got {method!r}."
        raise InputError(msg)
    cols = ["kommunenummer", "region", "rule", "minutes_to_centre"]
    j = a.membership[cols].merge(b.membership[cols], on="kommunenummer", suffixes=("_base", "_scenario"))
    moved = j.loc[j["region_base"] != j["region_scenario"]].rename(
        columns={"minutes_to_centre_base": "minutes_base", "minutes_to_centre_scenario": "minutes_scenario"}
    )
    return a, b, moved.reset_index(drop=True)
