"""E39 Rogfast on the national N1000 network: the regionforstørring numbers checked independently.

The measure (jobs within 45/60 minutes of every inhabited cell, population-weighted) for Kvitsøy
and Bokn is recomputed with :func:`scipy.sparse.csgraph.dijkstra` instead of the contraction
hierarchy, and checked by hand against the municipality-level sums (docs/scenarios.md).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.sparse.csgraph import dijkstra

from geoaccess.errors import DataWarning, InputError

pytestmark = pytest.mark.slow

KVITSOY, BOKN, STAVANGER, HAUGESUND, RANDABERG = "1144", "1145", "1103", "1106", "1127"


@pytest.fixture(scope="module")
def rogfast():
    from geoaccess.network.build import build_network
    from geoaccess.regions.regionforstorring import regionforstorring
    from geoaccess.scenario.demo import scenario_dir
    from geoaccess.scenario.spec import read_spec

    from geoaccess.datasets import fetch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # the N1000 build reports its islands and roadless quays
        net = build_network("roads/kartverket_n1000_veglenke_2025.gpkg", mode="car", kind="n1000")
        boat = build_network("roads/kartverket_n1000_veglenke_2025.gpkg", mode="boat", kind="n1000",
                             boat_routes=str(fetch("roads/kartverket_n1000_annenbatrute_2025.gpkg")))
    spec = read_spec(scenario_dir() / "rogfast.toml")
    return net, spec, regionforstorring(net, spec, boat_net=boat)


def test_the_scenario_opens_rogfast_and_removes_the_ferry(rogfast) -> None:
    _, _, res = rogfast
    applied = res.meta["scenario"]["applied"]
    assert applied[0]["rows"] == [13980, 14075, 14077, 14086, 14088, 14090] and applied[0]["edges_added"] == 12
    assert applied[1]["way_ids"] == [14284] and applied[1]["edges_removed"] == 2  # Mortavika - Arsvågen
    assert set(res.edges["change"]) == {"added", "removed"} and res.edges.loc[res.edges["change"] == "removed",
                                                                            "ferry"].all()


def _independent(net, spec, res, code: str) -> dict[str, float]:
    """Population-weighted jobs within 45/60 min of the cells of one municipality, by scipy Dijkstra."""
    from geoaccess.engine.router import Router
    from geoaccess.regions.regionforstorring import ACCESS_SPEED_KMH, MAX_SNAP_M
    from geoaccess.scenario.edit import aligned_base, apply_scenario

    scen = apply_scenario(net, spec)
    base = aligned_base(net, scen)
    cells = res.cells
    dest = cells  # the study cells hold every job within 60 min of Kvitsøy and Bokn (the equality below shows it)
    out = {}
    for label, g, router in (("before", base, Router(base)), ("after", scen, Router(scen, base=base))):
        snap = Router(base).snap(dest, id_column="cell_id", max_snap_m=MAX_SNAP_M, access_speed_kmh=ACCESS_SPEED_KMH,
                                 warn=False)
        on, oo = router.seeds(snap, "origin")
        dn, do = router.seeds(snap, "destination")
        mine = np.flatnonzero(cells["kommunenummer"].to_numpy() == code)
        nodes = np.unique(on[mine][on[mine] >= 0])
        d = dijkstra(g.csgraph(), indices=nodes)
        pos = {int(v): k for k, v in enumerate(nodes)}
        _, _, s_f, s_r = router.edge_times(snap.edge)
        jobs = dest["jobs"].to_numpy()
        for thr in (45, 60):
            reached = []
            for i in mine:
                t = np.full(len(dest), np.inf)
                for a in range(2):
                    if on[i, a] < 0:
                        continue
                    row = d[pos[int(on[i, a])]]
                    for b in range(2):
                        ok = dn[:, b] >= 0
                        t[ok] = np.minimum(t[ok], oo[i, a] + row[dn[ok, b]] + do[ok, b])
                same = np.flatnonzero(snap.edge == snap.edge[i])  # along the shared edge, by hand
                fr, fi = snap.frac[same], snap.frac[i]
                along = np.where(fr >= fi, (fr - fi) * s_f[i], (fi - fr) * s_r[i])
                t[same] = np.minimum(t[same], snap.access_seconds[i] + along + snap.access_seconds[same])
                reached.append(jobs[t <= thr * 60.0].sum())
            pop = cells["population"].to_numpy()[mine]
            out[f"{label}_{thr}"] = float(np.dot(pop, reached) / pop.sum())
    return out


@pytest.mark.parametrize("code", [KVITSOY, BOKN])
def test_kvitsoy_and_bokn_equal_an_independent_dijkstra(rogfast, code) -> None:
    net, spec, res = rogfast
    row = res.municipality(code)
    want = _independent(net, spec, res, code)
    for thr in (45, 60):
        assert row[f"jobs_{thr}min_before"] == pytest.approx(want[f"before_{thr}"], rel=1e-9)
        assert row[f"jobs_{thr}min_after"] == pytest.approx(want[f"after_{thr}"], rel=1e-9)


def _municipal_minutes(res, code: str, when: str) -> pd.Series:
    """Minutes from a municipality's centre to every other: the national table, with the pairs that changed."""
    from geoaccess.layers.crosswalk import codes_in_force
    from geoaccess.regions.travel_tables import resolve_travel_times

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        national = resolve_travel_times("national", year=2021, codes=sorted(codes_in_force(2021)), mode="car")
    m = national.loc[national["origin"] == code].set_index("destination")["minutes"].copy()
    if when == "after":
        changed = res.travel_times.loc[res.travel_times["origin"] == code].set_index("destination")["minutes_after"]
        m.loc[changed.index] = changed
    return m


def test_kvitsoy_and_bokn_by_hand(rogfast) -> None:
    """The hand calculation of docs/scenarios.md: the jobs of the municipalities whose centre is within reach."""
    from geoaccess.layers.commuting import jobs_by_workplace, load_flows

    _, _, res = rogfast
    jobs = jobs_by_workplace(load_flows(2021))
    kv, bo = res.municipality(KVITSOY), res.municipality(BOKN)
    # before: Kvitsøy's only way off the island is the ferry to Mekjarvik (50.9 min with the 15 min wait and
    # 5 min docking), so within 45 minutes its residents reach exactly Kvitsøy's own 318 jobs
    assert kv["jobs"] == jobs[KVITSOY] == 318 and kv["jobs_45min_before"] == pytest.approx(318.0)
    tt = res.travel_times.set_index(["origin", "destination"])
    # through the tunnels Kvitsøy -> Stavanger takes 18.2 min (59.2 before), Stavanger -> Haugesund 60.0 (98.5)
    assert tt.loc[(KVITSOY, STAVANGER), "minutes_before"] == pytest.approx(59.18, abs=0.01)
    assert tt.loc[(KVITSOY, STAVANGER), "minutes_after"] == pytest.approx(18.15, abs=0.01)
    assert tt.loc[(STAVANGER, HAUGESUND), "minutes_before"] == pytest.approx(98.53, abs=0.01)
    assert tt.loc[(STAVANGER, HAUGESUND), "minutes_after"] == pytest.approx(60.01, abs=0.01)
    after = _municipal_minutes(res, KVITSOY, "after")
    within = set(after.index[after <= 45])
    assert within >= {STAVANGER, "1108", "1124", RANDABERG, BOKN} and HAUGESUND not in within  # Haugesund 45.7 min
    # the cell measure against the jobs of the municipalities whose centre is within T (cells scatter around it)
    for row, code, when, thr, rel in ((kv, KVITSOY, "after", 45, 0.01), (kv, KVITSOY, "after", 60, 0.02),
                                      (bo, BOKN, "before", 45, 0.02), (bo, BOKN, "after", 60, 0.02)):
        m = _municipal_minutes(res, code, when)
        assert row[f"jobs_{thr}min_{when}"] == pytest.approx(jobs.reindex(m.index[m <= thr]).sum(), rel=rel)


def test_cells_far_from_the_project_do_not_change(rogfast) -> None:
    """The study-area rule: cells beyond 60 min of every changed node keep their counts (recomputed here)."""
    from geoaccess.engine.router import Router
    from geoaccess.regions.cell_reach import cells_reached
    from geoaccess.regions.regionforstorring import ACCESS_SPEED_KMH, MAX_SNAP_M
    from geoaccess.scenario.edit import aligned_base, apply_scenario

    net, spec, res = rogfast
    cells = res.cells
    far = cells.loc[~cells["affected"]].sample(200, random_state=1)
    assert (far["jobs_60min_change"] == 0).all()
    scen = apply_scenario(net, spec)
    base = aligned_base(net, scen)
    r = Router(scen, base=base)
    opts = {"max_snap_m": MAX_SNAP_M, "access_speed_kmh": ACCESS_SPEED_KMH, "warn": False}
    o = Router(base).snap(far, id_column="cell_id", **opts)
    d = Router(base).snap(cells, id_column="cell_id", **opts)
    w = {"jobs": cells["jobs"].to_numpy()}
    after = cells_reached(r, o, d, w, thresholds_minutes=(45, 60)).sums["jobs"]
    before = cells_reached(Router(base), o, d, w, thresholds_minutes=(45, 60)).sums["jobs"]
    np.testing.assert_array_equal(after, before)  # to any destinations: no trip of <= 60 min can use the project


def test_centres_membership_and_the_national_table(rogfast) -> None:
    from geoaccess.layers.crosswalk import codes_in_force
    from geoaccess.regions.travel_tables import resolve_travel_times

    _, _, res = rogfast
    c = res.centres.set_index(["kommunenummer", "minutes"])
    assert c.loc[(HAUGESUND, 90.0), "residents_after"] > 2.5 * c.loc[(HAUGESUND, 90.0), "residents_before"]
    assert (res.centres["residents_change"] >= 0).all()  # opening tunnels and closing their ferry never loses anyone
    mem = res.membership.set_index("kommunenummer")
    assert mem.loc[KVITSOY, "region_before"] == STAVANGER and mem.loc[BOKN, "region_before"] == HAUGESUND
    assert mem.loc[KVITSOY, "minutes_to_centre_after"] < mem.loc[KVITSOY, "minutes_to_centre_before"]
    assert res.meta["flows_note"].startswith("BA membership before and after uses the same commuting flows")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        national = resolve_travel_times("national", year=2021, codes=sorted(codes_in_force(2021)), mode="car")
    nat = national.set_index(["origin", "destination"])["minutes"]
    tt = res.travel_times.set_index(["origin", "destination"])["minutes_before"]
    common = tt.index.intersection(nat.index)
    np.testing.assert_allclose(tt[common].to_numpy(), nat[common].to_numpy(), atol=1e-6)  # base = the national table


def test_outputs_and_cli(rogfast, tmp_path) -> None:
    import geopandas as gpd
    import pyogrio

    from geoaccess.regions.regionforstorring_output import write_regionforstorring

    _, _, res = rogfast
    paths = write_regionforstorring(res, tmp_path / "out")
    layers = {n for n, _ in pyogrio.list_layers(paths["gpkg"])}
    assert {"cells", "municipalities", "regions", "centres", "edges"} <= layers
    cells = gpd.read_file(paths["gpkg"], layer="cells")
    assert cells.crs.to_epsg() == 25833 and {"jobs_45min_before", "jobs_60min_change"} <= set(cells.columns)
    html = paths["html_60"].read_text(encoding="utf-8")
    assert "no change" in html and "leaflet" in html.lower()
    run = json.loads(paths["run"].read_text(encoding="utf-8"))
    assert run["population_year"] == 2015 and run["counting_rule"].startswith("door-to-door")
    mun = pd.read_csv(paths["municipalities"], dtype={"kommunenummer": str})
    assert KVITSOY in set(mun["kommunenummer"])


def test_a_planned_link_that_does_not_exist_is_named(rogfast) -> None:
    from geoaccess.scenario.edit import apply_scenario
    from geoaccess.scenario.spec import spec_from_edits

    net, _, _ = rogfast
    bad = spec_from_edits("x", [{"type": "open_planned", "road": "E39", "rows": [13980, 99999]}])
    with pytest.raises(InputError, match=r"edit 1 \(open_planned\), field 'rows': rows \[99999\] are not planned "
                                         r"links of this network with road E39; its planned links: row 13954"):
        apply_scenario(net, bad)
    ferry = spec_from_edits("y", [{"type": "remove_ferry", "from": [5.0, 59.0], "to": [5.5, 59.1]}])
    with pytest.raises(InputError, match=r"edit 1 \(remove_ferry\), field 'from': the nearest ferry quay lies"):
        apply_scenario(net, ferry)


def test_the_transport_planners_recipe(rogfast, tmp_path) -> None:
    """cli/rogfast.sh (a separate process, from network.npz) writes the same numbers as the API."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
               PYTHON=sys.executable, COLUMNS="120")
    proc = subprocess.run(["bash", "-euo", "pipefail", str(root / "cli" / "rogfast.sh"), str(tmp_path)], cwd=root,
                          env=env, capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Stavanger -> Haugesund: 98.5 -> 60.0 min" in proc.stdout
    _, _, res = rogfast
    got = pd.read_csv(tmp_path / "rogfast" / "municipalities.csv", dtype={"kommunenummer": str})
    want = res.municipalities
    assert got["kommunenummer"].tolist() == want["kommunenummer"].tolist()
    for col in ("jobs_45min_before", "jobs_45min_after", "jobs_60min_before", "jobs_60min_after"):
        np.testing.assert_allclose(got[col].to_numpy(dtype=float), want[col].to_numpy(dtype=float), rtol=1e-6, atol=0.5)
