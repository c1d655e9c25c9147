"""geoaccess.omland: the parts of the small-town analysis against hand-computed cases and independent oracles."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from geoaccess.errors import InputError
from geoaccess.network.graph import Network

CRS = "EPSG:25833"


def _line(n: int = 11, step: float = 1000.0, kmh: float = 60.0, x0: float = 0.0) -> Network:
    """A two-way road along the x axis from ``x0``, nodes every ``step`` m: 1 km at 60 km/h = 60 s."""
    x = x0 + np.arange(n) * step
    t = np.r_[np.arange(n - 1), np.arange(1, n)]
    h = np.r_[np.arange(1, n), np.arange(n - 1)]
    m = np.full(len(t), step)
    return Network.from_edges(t, h, seconds=m / (kmh / 3.6), x=x, y=np.zeros(n), crs=CRS, metres=m)


def _points(xy, **cols):
    import geopandas as gpd

    xy = np.asarray(xy, dtype=float)
    return gpd.GeoDataFrame(cols, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=CRS)


# ----------------------------------------------------------------------------- old centrality standard
def test_old_standard_levels_by_hand():
    from geoaccess.engine.router import Router
    from geoaccess.omland.centrality import old_standard_levels

    # 1 km per minute from x = -100 km; towns at x = 0 (Oslo, 600,000), 100 km (60,000), 150 km (20,000),
    # 200 km (6,000). Places: a at -85 km (Oslo in 85 <= 90: level 3), b at 176 km (Big in 76 > 75, Mid in 26:
    # level 2), c at 250 km (Small in 50 > 45, Mid in 100 > 60: level 0), d at 240 km (Small in 40: level 1),
    # e at 30 km (Oslo in 30: level 3), f at -95 km (Oslo in 95 > 90, nothing else near: level 0)
    net = _line(n=401, x0=-100_000.0)
    r = Router(net)
    towns = _points([(0, 0), (100_000, 0), (150_000, 0), (200_000, 0)])
    pop = np.array([600_000, 60_000, 20_000, 6_000])
    names = np.array(["Oslo", "Big", "Mid", "Small"], dtype=object)
    places = _points([(-85_000, 0), (176_000, 0), (250_000, 0), (240_000, 0), (30_000, 0), (-95_000, 0)],
                     id=list("abcdef"))
    p = r.snap(places, id_column="id", max_snap_m=10)
    t = r.snap(towns, max_snap_m=10)
    lev = old_standard_levels(r, p, t, pop, names).set_index("place_id")
    assert lev["level"].to_dict() == {"a": 3, "b": 2, "c": 0, "d": 1, "e": 3, "f": 0}
    assert lev.loc["a", "town"] == "Oslo" and lev.loc["a", "minutes"] == pytest.approx(85.0)
    assert lev.loc["b", "town"] == "Mid" and lev.loc["b", "minutes"] == pytest.approx(26.0)
    assert lev.loc["c", "town"] == "Small" and lev.loc["c", "minutes"] == pytest.approx(50.0)  # nearest 5,000+ town
    assert lev.loc["e", "town"] == "Oslo" and lev.loc["f", "town"] == "Oslo"
    assert lev.loc["b", "minutes_50000"] == pytest.approx(76.0) and lev.loc["f", "minutes"] == pytest.approx(95.0)
    with pytest.raises(InputError, match="5,000"):
        old_standard_levels(r, p, t, np.array([10, 10, 10, 10]), names)


# ----------------------------------------------------------------------------- coverage
def test_service_coverage_against_brute_force():
    from scipy.sparse.csgraph import dijkstra

    from geoaccess.engine.router import Router
    from geoaccess.omland.coverage import service_coverage

    net = _line(n=41)  # 40 km, a minute per km
    r = Router(net)
    rng = np.random.default_rng(3)
    nodes = rng.choice(41, 25, replace=False)
    cells = _points(np.column_stack([net.x[nodes], net.y[nodes]]), cell_id=np.arange(25),
                    population=rng.integers(1, 100, 25).astype(float))
    fac_nodes = {"a": [5, 30], "b": [40]}
    fac = {k: r.snap(_points(np.column_stack([net.x[v], net.y[v]])), max_snap_m=1) for k, v in fac_nodes.items()}
    cov = service_coverage(r, cells, r.snap(cells, id_column="cell_id", max_snap_m=1), fac, thresholds_minutes=(5, 12))
    d = dijkstra(net.csgraph(), indices=nodes) / 60.0
    pop = cells["population"].to_numpy()
    for name, v in fac_nodes.items():
        near = d[:, v].min(axis=1)
        for t in (5, 12):
            row = cov.summary[(cov.summary["service"] == name) & (cov.summary["minutes"] == t)].iloc[0]
            assert row["share"] == pytest.approx(pop[near <= t + 1e-9].sum() / pop.sum())
        assert np.allclose(cov.cells[f"{name}_minutes"], near)
    beyond = set(cov.beyond["cell_id"])
    expect = {i for i in range(25) if (d[i, [5, 30]].min() > 12 + 1e-9) or (d[i, 40] > 12 + 1e-9)}
    assert beyond == expect
    with pytest.raises(InputError, match="no facilities"):
        service_coverage(r, cells, r.snap(cells, id_column="cell_id", max_snap_m=1), {"x": fac["a"].take(np.array([], int))})


# ----------------------------------------------------------------------------- job access per cell
@pytest.fixture(scope="module")
def oslo(dataset):
    from geoaccess.engine.router import Router
    from geoaccess.layers.population import read_ssb_grid
    from geoaccess.network.build import build_network

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = build_network("osm/oslo-east-filtered.osm.pbf", mode="car")
        grid = read_ssb_grid("population/befolkning_250m_2023_oslo.shp")
    r = Router(net)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cells = r.snap(grid, id_column="cell_id", warn=False)
    return r, grid, cells


def test_cell_access_equals_router_reached(oslo):
    """The PHAST + kernel path against the engine's matrix-based counting (same-edge trips included)."""
    from geoaccess.omland.investment import cell_access

    r, grid, cells = oslo
    rng = np.random.default_rng(7)
    rows = rng.choice(len(grid), 150, replace=False)
    origins = cells.take(rows)
    jobs = grid["population"].to_numpy() * rng.uniform(0.2, 1.5, len(grid))
    got = cell_access(r, origins, cells, jobs, thresholds_minutes=(3, 6, 10), block_size=64)
    ref = r.reached(origins, cells, {"jobs": jobs}, thresholds_minutes=(3, 6, 10))
    want = np.column_stack([ref.loc[ref["minutes"] == t, "jobs"].to_numpy() for t in (3.0, 6.0, 10.0)])
    assert np.allclose(np.nan_to_num(got, nan=-1), np.nan_to_num(want, nan=-1), rtol=1e-9, atol=1e-6)
    assert np.isnan(got).sum() == np.isnan(want).sum()
    # the same-edge rule matters on this grid: some origin shares an edge with a cell
    pairs = r.same_edge_pairs(origins, cells)
    assert len(pairs[0]) > 0


def test_investment_effect_by_hand():
    """A shortcut link: residents and jobs within reach of the centre and job access per cell, before and after."""
    import geopandas as gpd

    from geoaccess.engine.router import Router
    from geoaccess.omland.investment import investment_effect
    from geoaccess.scenario.edit import apply_scenario
    from geoaccess.scenario.spec import spec_from_edits

    net = _line(n=21)  # 20 km at 1 km/min
    base = Router(net)
    edited = apply_scenario(net, spec_from_edits("shortcut", [{"type": "link", "from": [0, 0], "to": [20_000, 0],
                                                              "crs": CRS, "minutes": 5.0}]))
    scen = Router(edited, base=net)
    xs = np.arange(0, 21_000, 1000.0)
    cells = gpd.GeoDataFrame({"cell_id": np.arange(21), "population": np.full(21, 10.0), "jobs": np.full(21, 2.0)},
                             geometry=gpd.points_from_xy(xs, np.zeros(21)), crs=CRS)
    c = base.snap(_points([(0, 0)], name=["centre"]), id_column="name", max_snap_m=1)
    pts = base.snap(cells, id_column="cell_id", max_snap_m=1)
    w = {"population": cells["population"].to_numpy(), "jobs": cells["jobs"].to_numpy()}
    eff = investment_effect(base, scen, c, pts, w, cells, pts, thresholds_minutes=(8,))
    reach = eff.reach.set_index("weight")
    # before: nodes 0..8 within 8 min (9 cells); after also 20..17 through the 5-minute link (x = 20 at 5, 19 at 6 ...)
    assert reach.loc["population", "before"] == 90.0 and reach.loc["population", "after"] == 90.0 + 40.0
    assert reach.loc["jobs", "change"] == 8.0
    # per cell: the far end (x = 20 km) reached 9 cells before, now also the centre's side
    end = eff.cells.set_index("cell_id").loc[20]
    assert end["jobs_8_before"] == 18.0 and end["jobs_8_after"] == 2.0 * (9 + 4)
    assert end["centre_minutes_before"] == pytest.approx(20.0) and end["centre_minutes_after"] == pytest.approx(5.0)
    assert (eff.cells["jobs_8_change"] >= 0).all()
    with pytest.raises(InputError, match="snap to the base"):
        investment_effect(base, Router(edited), c, pts, w, cells, pts)


def test_omland_catchments_refuse_a_cut_polygon(oslo):
    from geoaccess.omland.reach import omland_catchments

    r, _, _ = oslo
    centre = _points([(263_800, 6_648_500)])
    poly = omland_catchments(r, centre, thresholds_minutes=(3, 6), radius_m=20_000, cell_m=100, walk_off_m=200,
                             max_snap_m=1000)
    assert sorted(poly["minutes"]) == [3.0, 6.0] and poly["km2"].is_monotonic_increasing
    with pytest.raises(InputError, match="reaches the edge"):
        omland_catchments(r, centre, thresholds_minutes=(30,), radius_m=6_000, max_snap_m=1000)


def test_small_town_analysis_checks_its_inputs(oslo):
    from geoaccess.omland import small_town_analysis

    r, grid, _ = oslo
    centre = _points([(263_800, 6_648_500)], name=["Økern"])
    with pytest.raises(InputError, match="jobs and kommunenummer"):
        small_town_analysis(r, centre, cells=grid, region=["0301"])
    cells = grid.assign(jobs=1.0, kommunenummer="0301")
    with pytest.raises(InputError, match="one point with a 'name'"):
        small_town_analysis(r, centre.drop(columns="name"), cells=cells, region=["0301"])
    with pytest.raises(InputError, match=r"\['3403'\] have no cells"):
        small_town_analysis(r, centre, cells=cells, region=["3403"])
