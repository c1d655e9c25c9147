"""Cumulative opportunities, gravity, nearest facility and coverage: PySAL and brute force."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from geoaccess.errors import CRSError, InputError
from geoaccess.measures._checks import check_same_crs
from geoaccess.measures.cumulative import cumulative_opportunities, cumulative_sums
from geoaccess.measures.decay import Gaussian, NegativeExponential, Power
from geoaccess.measures.gravity import gravity_access
from geoaccess.measures.population_coverage import coverage, nearest_from_cost

fca_ref = pytest.importorskip("access.fca")


def _case(seed: int, n: int = 50, m: int = 30):
    rng = np.random.default_rng(seed)
    cost = rng.uniform(0.0, 50.0, size=(n, m))
    cost[rng.random((n, m)) < 0.15] = np.nan
    cost[rng.random((n, m)) < 0.05] = np.inf
    w = rng.integers(0, 40, size=m).astype(float)
    return cost, w


def _pysal_catchment(cost, w, *, max_cost=None, weight_fn=None) -> np.ndarray:
    n, m = cost.shape
    i, j = np.nonzero(np.isfinite(cost))
    cost_df = pd.DataFrame({"origin": i, "dest": 10_000 + j, "cost": cost[i, j]})
    supply = pd.DataFrame({"w": w}, index=10_000 + np.arange(m))
    s = fca_ref.weighted_catchment(
        supply, cost_df, max_cost, cost_source="dest", cost_dest="origin", cost_cost="cost",
        loc_index=True, loc_value="w", weight_fn=weight_fn,
    )
    return s.reindex(np.arange(n)).fillna(0.0).to_numpy()


@pytest.mark.parametrize("seed", [0, 1])
def test_cumulative_equals_pysal(seed):
    cost, w = _case(seed)
    df = cumulative_opportunities(cost, w, thresholds_minutes=[30, 10, 20])
    assert list(df.columns) == ["origin", "cum_10", "cum_20", "cum_30"]
    for t in (10, 20, 30):
        np.testing.assert_allclose(df[f"cum_{t}"].to_numpy(), _pysal_catchment(cost, w, max_cost=t), rtol=1e-9, atol=0)


@pytest.mark.parametrize("decay,fn", [
    (Gaussian(sigma=12.0), lambda x: np.exp(-x * x / (2 * 12.0**2))),
    (NegativeExponential(beta=0.08), lambda x: np.exp(-0.08 * x)),
])
def test_gravity_equals_pysal(decay, fn):
    cost, w = _case(7)
    ours = gravity_access(cost, w, decay=decay, cutoff_minutes=40.0)["gravity"].to_numpy()
    ref = _pysal_catchment(cost, w, max_cost=40.0, weight_fn=fn)
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=0)


def test_gravity_power_hand():
    cost = np.array([[1.0, 2.0, np.nan], [4.0, 0.0, 8.0]])
    w = np.array([10.0, 20.0, 40.0])
    got = gravity_access(cost, w, decay=Power(alpha=2.0))["gravity"].to_numpy()
    np.testing.assert_allclose(got, [10 + 20 / 4, 10 / 16 + 20 + 40 / 64])


@settings(max_examples=50, deadline=None)
@given(
    cost=hnp.arrays(np.float64, (5, 7), elements=st.one_of(st.floats(0, 100), st.just(np.inf), st.just(np.nan))),
    w=hnp.arrays(np.float64, 7, elements=st.floats(0, 1000)),
    ts=st.lists(st.floats(0, 120), min_size=1, max_size=4),
)
def test_cumulative_brute_force(cost, w, ts):
    got = cumulative_sums(cost, w, thresholds_minutes=ts)
    for k, t in enumerate(sorted(set(ts))):
        ref = np.array([sum(w[j] for j in range(7) if cost[i, j] <= t) for i in range(5)])
        np.testing.assert_allclose(got[:, k], ref, rtol=1e-12, atol=1e-9)
    assert (np.diff(got, axis=1) >= -1e-9).all()  # monotone in T


def test_nearest_and_coverage_hand():
    cost = np.array([[5.0, 12.0], [np.nan, 25.0], [np.inf, np.nan], [19.0, 11.0]])
    pop = np.array([100.0, 50.0, 25.0, 0.0])
    near = nearest_from_cost(cost, ids=["a", "b", "c", "d"], facility_ids=["X", "Y"])
    np.testing.assert_allclose(near["nearest_min"].to_numpy(), [5.0, 25.0, np.nan, 11.0])
    assert near["nearest_facility"].iloc[[0, 1, 3]].tolist() == ["X", "Y", "Y"]
    assert pd.isna(near["nearest_facility"].iloc[2])
    assert near.attrs["n_unreachable"] == 1
    res = coverage(cost, pop, thresholds_minutes=[10, 30], ids=["a", "b", "c", "d"])
    s = res.summary.set_index("threshold_min")
    assert s.loc[10.0, "covered"] == 100.0 and s.loc[10.0, "share"] == pytest.approx(100 / 175)
    assert s.loc[30.0, "covered"] == 150.0 and s.loc[30.0, "share"] == pytest.approx(150 / 175)
    assert res.uncovered(10)["origin"].tolist() == ["b", "c"]  # d is uncovered but empty
    assert res.uncovered(10, populated_only=False)["origin"].tolist() == ["b", "c", "d"]
    with pytest.raises(InputError):
        res.uncovered(15)


def test_geodataframe_output_and_crs_checks():
    import geopandas as gpd
    from shapely.geometry import Point

    o = gpd.GeoDataFrame({"id": [1, 2]}, geometry=[Point(0, 0), Point(1, 1)], crs="EPSG:25833")
    d = gpd.GeoDataFrame({"id": [1]}, geometry=[Point(0, 0)], crs="EPSG:4326")
    df = cumulative_opportunities(np.array([[3.0], [40.0]]), [5.0], thresholds_minutes=10, origins=o)
    assert isinstance(df, gpd.GeoDataFrame) and df.crs.to_epsg() == 25833
    assert df["cum_10"].tolist() == [5.0, 0.0]
    with pytest.raises(CRSError, match="mixed CRSs"):
        check_same_crs(o, d, what=["origins", "opportunities"])
    with pytest.raises(CRSError, match="no CRS"):
        check_same_crs(o, d.set_crs(None, allow_override=True), what=["origins", "opportunities"])


def test_bad_weights():
    cost = np.array([[1.0, 2.0]])
    with pytest.raises(InputError, match="negative"):
        cumulative_opportunities(cost, [1.0, -2.0], thresholds_minutes=10)
    with pytest.raises(InputError, match="NaN"):
        gravity_access(cost, [1.0, np.nan], decay=Gaussian(sigma=5.0))
    with pytest.raises(InputError, match="3 values"):
        cumulative_opportunities(cost, [1.0, 2.0, 3.0], thresholds_minutes=10)
    with pytest.raises(InputError, match="NaN"):
        coverage(cost, [np.nan], thresholds_minutes=10)


# --------------------------------------------------------------------------- real data: demo and CLI
@pytest.fixture(scope="module")
def oslo_walk():
    import warnings

    from geoaccess.network.build import build_network

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return build_network("osm/oslo-east-filtered.osm.pbf", mode="walk")


@pytest.mark.slow
def test_service_coverage_demo_against_scipy(oslo_walk, tmp_path):
    import warnings

    import shapely
    from scipy.sparse.csgraph import dijkstra
    from scipy.spatial import cKDTree

    from geoaccess.examples.service_coverage import service_coverage_demo
    from geoaccess.layers.population import read_ssb_grid
    from geoaccess.layers.services import read_oslo_upper_secondary

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        table = service_coverage_demo(oslo_walk, out_dir=tmp_path)
        grid = read_ssb_grid()
    assert (tmp_path / "service_coverage_oslo_east.csv").is_file()
    assert (tmp_path / "uncovered_cells_oslo_east.png").stat().st_size > 10_000
    assert len(table) == 6 and table["share"].between(0, 1).all()
    # residents: independent point-in-hull count
    net = oslo_walk
    hull = shapely.MultiPoint(np.column_stack([net.x, net.y])).convex_hull
    c = grid.geometry.centroid
    inside = shapely.contains_xy(hull, c.x.to_numpy(), c.y.to_numpy())
    assert table["residents"].iloc[0] == pytest.approx(grid.loc[inside, "population"].sum())
    for _, g in table.groupby("service"):
        s = g.sort_values("threshold_min")["share"].to_numpy()
        assert s[1] >= s[0]
    # schools within 20 min: scipy multi-source Dijkstra from the schools' nearest nodes on the
    # reversed graph, nearest-node snapping with a 5 km/h access leg. Snapping differs from the
    # engine's edge snapping, so agree to within 3 percentage points.
    tree = cKDTree(np.column_stack([net.x, net.y]))
    schools = read_oslo_upper_secondary()
    sd, sn = tree.query(np.column_stack([schools.geometry.x, schools.geometry.y]))
    sn = sn[(sd <= 1000) & shapely.contains_xy(hull, schools.geometry.x.to_numpy(), schools.geometry.y.to_numpy())]
    rev = net.csgraph().T.tocsr()
    t_node = dijkstra(rev, indices=np.unique(sn), min_only=True)
    pts = np.column_stack([c.x.to_numpy()[inside], c.y.to_numpy()[inside]])
    cd, cn = tree.query(pts)
    minutes = (t_node[cn] + cd / (5 / 3.6)) / 60.0
    pop = grid.loc[inside, "population"].to_numpy()
    oracle = pop[(minutes <= 20.0) & (cd <= 1000)].sum() / pop.sum()
    ours = table.loc[(table["service"].str.startswith("upper")) & (table["threshold_min"] == 20.0), "share"].iloc[0]
    assert ours == pytest.approx(oracle, abs=0.03)


@pytest.mark.slow
def test_cli_access_coverage(oslo_walk, tmp_path):
    import geopandas as gpd
    from typer.testing import CliRunner

    from geoaccess.cli import _register, app

    _register()
    out = tmp_path / "cov.csv"
    r = CliRunner().invoke(app, [
        "access", "osm/oslo-east-filtered.osm.pbf", "--mode", "walk", "--origins", "ssb:oslo",
        "--opportunities", "services:nav", "--measure", "coverage", "--thresholds", "10,20", "--out", str(out),
    ])
    assert r.exit_code == 0, r.output
    # Etatsbasen's one unit without a position is named once, as one warning line; the deprecated
    # --thresholds is named too; services:nav is the README's short name of nav_office
    lines = r.stderr.splitlines()
    assert sum("NAV på Svalbard" in ln for ln in lines) == 1
    assert any(ln.startswith("warning: access --thresholds is deprecated") for ln in lines)
    df = pd.read_csv(out)
    g = gpd.read_file(out.with_suffix(".gpkg"))
    assert len(g) == len(df) > 100 and g.crs.to_epsg() == 25833
    summary = pd.read_csv(tmp_path / "cov_summary.csv")
    assert summary["covered"].is_monotonic_increasing
    # the table's covered flag agrees with its own nearest time
    np.testing.assert_array_equal(df["covered_20"].to_numpy(), (df["nearest_min"] <= 20).to_numpy())
    assert out.with_suffix(".png").stat().st_size > 10_000
    bad = CliRunner().invoke(app, ["access", "osm/oslo-east-filtered.osm.pbf", "--origins", "ssb:oslo",
                                   "--opportunities", "services:nav_office", "--measure", "median", "--out", str(out)])
    assert bad.exit_code != 0
