"""National tables on the real N1000 network: matrix = scipy/networkx, ferries, cells, centres, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.sparse.csgraph import dijkstra

from geoaccess.errors import CRSError, CRSWarning, DataWarning, InputError

N1000 = "roads/kartverket_n1000_veglenke_2025.gpkg"


@pytest.fixture(scope="module")
def car():
    from geoaccess.network.build import build_network

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return build_network(N1000, mode="car")


@pytest.fixture(scope="module")
def grid():
    from geoaccess.layers.population import NATIONAL_GRID_250M, read_ssb_grid

    return read_ssb_grid(NATIONAL_GRID_250M)


@pytest.fixture(scope="module")
def centres(grid):
    from geoaccess.layers.centres import municipality_centres

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return municipality_centres(2020, grid)


@pytest.fixture(scope="module")
def matrix(car, centres):
    from geoaccess.national.matrix import municipal_matrix

    return municipal_matrix(car, centres=centres, year=None)


def _oracle_seconds(net, snapped) -> np.ndarray:
    """Point-to-point seconds with scipy's Dijkstra over the seeds of the snapped points."""
    on, oo = snapped.origin_seeds(net)
    dn, do = snapped.destination_seeds(net)
    nodes = np.unique(on[on >= 0])
    dist = dijkstra(net.csgraph(), indices=nodes)
    pos = np.searchsorted(nodes, np.maximum(on, 0))
    out = np.full((len(on), len(dn)), np.inf)
    for a in range(on.shape[1]):
        for b in range(dn.shape[1]):
            d = dist[pos[:, a]][:, np.maximum(dn[:, b], 0)] + oo[:, a][:, None] + do[:, b][None, :]
            d[on[:, a] < 0, :] = np.inf
            d[:, dn[:, b] < 0] = np.inf
            out = np.minimum(out, d)
    return out


def test_matrix_is_every_ordered_pair_and_all_reachable(matrix):
    assert len(matrix) == 356 * 356
    assert list(matrix.columns) == ["origin", "destination", "minutes"]
    assert matrix["minutes"].notna().all()  # every municipality reaches every other by car and ferry
    assert (matrix.loc[matrix["origin"] == matrix["destination"], "minutes"] == 0).all()
    assert matrix.attrs["provenance"]["population_year"] == 2015
    assert matrix.attrs["provenance"]["boundary_year"] == 2020
    snap = matrix.attrs["snap_metres"]
    assert len(snap) == 356 and all(0 <= v < 20_000 for v in snap.values())


def test_matrix_equals_scipy_dijkstra_on_the_exported_graph(car, matrix, centres):
    from geoaccess.national.matrix import snap_centres

    snapped, _ = snap_centres(car, centres)
    expect = _oracle_seconds(car, snapped) / 60.0
    np.fill_diagonal(expect, 0.0)
    got = matrix["minutes"].to_numpy().reshape(356, 356)
    np.testing.assert_allclose(got, expect, rtol=1e-9, atol=1e-6)


def test_matrix_equals_networkx_for_a_few_origins(car, matrix, centres):
    import networkx as nx

    from geoaccess.national.matrix import snap_centres

    g = nx.DiGraph()
    cs = car.csgraph().tocoo()
    g.add_weighted_edges_from(zip(cs.row.tolist(), cs.col.tolist(), cs.data.tolist(), strict=False))
    snapped, _ = snap_centres(car, centres)
    on, oo = snapped.origin_seeds(car)
    dn, do = snapped.destination_seeds(car)
    got = matrix["minutes"].to_numpy().reshape(356, 356)
    for i in (0, 100, 250):  # Oslo and two others
        best = np.full(356, np.inf)
        for a in range(2):
            if on[i, a] < 0:
                continue
            dist = nx.single_source_dijkstra_path_length(g, int(on[i, a]))
            for b in range(2):
                d = np.array([dist.get(int(v), np.inf) if v >= 0 else np.inf for v in dn[:, b]])
                best = np.minimum(best, oo[i, a] + d + do[:, b])
        best[i] = 0.0
        np.testing.assert_allclose(got[i], best / 60.0, rtol=1e-9)


def _ferry_edges_near(net, x, y, radius):
    from geoaccess.network.graph import EdgeFlag

    ferry = (net.flags & EdgeFlag.FERRY) != 0
    t, h = net.tails, net.indices
    near = (np.hypot(net.x[t] - x, net.y[t] - y) < radius) | (np.hypot(net.x[h] - x, net.y[h] - y) < radius)
    return ferry & near


def test_island_reached_only_by_car_ferry_includes_crossing_and_wait(car, matrix, centres):
    """Kvitsøy (1144): a finite time from Stavanger that includes the crossing and the boarding wait;
    without its ferries it cannot be reached by car."""
    from geoaccess.national.matrix import snap_centres
    from geoaccess.network.graph import EdgeFlag

    prof = car.meta["n1000"]
    board_s = (prof["ferry"]["wait_minutes"] + prof["ferry"]["docking_minutes"]) * 60.0
    cen = centres.set_index("kommunenummer")
    snapped, _ = snap_centres(car, cen.reset_index())
    ids = list(snapped.ids)
    s, k = ids.index("1103"), ids.index("1144")
    minutes = matrix.set_index(["origin", "destination"]).loc[("1103", "1144"), "minutes"]
    # path on the exported graph: its ferry edges give the crossing
    on, _oo = snapped.origin_seeds(car)
    dn, _do = snapped.destination_seeds(car)
    _dist, pred = dijkstra(car.csgraph(), indices=int(on[s, 0]), return_predecessors=True)
    v, ferry_s, ferry_m = int(dn[k, 0]), 0.0, 0.0
    fastest = {}
    for e in np.flatnonzero((car.flags & EdgeFlag.FERRY) != 0):
        key = (int(car.tails[e]), int(car.indices[e]))
        fastest[key] = min(fastest.get(key, (np.inf, 0))[0], car.seconds[e]), car.metres[e]
    while v != int(on[s, 0]):
        u = int(pred[v])
        if (u, v) in fastest:
            ferry_s += fastest[(u, v)][0]
            ferry_m += fastest[(u, v)][1]
        v = u
    assert ferry_m > 3000  # Mekjarvik - Kvitsøy is about 10 km of sea
    assert ferry_s == pytest.approx(ferry_m / (prof["ferry"]["speed_kmh"] / 3.6) + board_s, rel=1e-6)
    assert np.isfinite(minutes) and minutes * 60 > ferry_s
    # remove every ferry within 15 km of Kvitsøy's centre: no car route any more
    x, y = cen.loc["1144"].geometry.x, cen.loc["1144"].geometry.y
    drop = _ferry_edges_near(car, x, y, 15_000)
    assert drop.any()
    cut = car.edge_subset(~drop, np.ones(car.n_nodes, dtype=bool))
    from geoaccess.national.matrix import municipal_matrix

    after = municipal_matrix(cut, centres=cen.reset_index(), year=None).set_index(["origin", "destination"])
    assert np.isnan(after.loc[("1103", "1144"), "minutes"])
    assert np.isnan(after.loc[("1144", "1103"), "minutes"])
    assert np.isfinite(after.loc[("1103", "0301"), "minutes"])


def test_boat_network_is_never_slower_than_car(car, centres):
    from geoaccess.national.matrix import municipal_matrix
    from geoaccess.network.build import build_network

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        boat = build_network(N1000, mode="boat", boat_routes=_boat_routes())
        carm = municipal_matrix(car, centres=centres, year=None)["minutes"].to_numpy()
        boatm = municipal_matrix(boat, centres=centres, year=None)["minutes"].to_numpy()
    assert boat.mode == "boat" and boat.meta["n1000"]["boat_route_rows"] == 53
    assert np.all(boatm <= carm + 1e-6 + 1.0)  # snapping may differ by metres; boats only add options
    assert (boatm < carm - 5).sum() > 0


def _boat_routes():
    from geoaccess.datasets import fetch

    return str(fetch("roads/kartverket_n1000_annenbatrute_2025.gpkg"))


def test_cells_to_centres_match_point_to_point_routing(car, grid, centres):
    from geoaccess.national import routing
    from geoaccess.national.matrix import cell_centre_times, snap_centres

    sample = grid.sample(300, random_state=7).reset_index(drop=True)
    tab = cell_centre_times(car, sample, centres, cutoff_minutes=90)
    assert set(tab.columns) == {"cell_id", "destination", "minutes"}
    assert tab["minutes"].max() <= 90
    c_snap, _ = snap_centres(car, centres)
    pts = sample.geometry.centroid
    cells = routing.snap(car, pts.x.to_numpy(), pts.y.to_numpy(), ids=sample["cell_id"].to_numpy(),
                         max_snap_m=20_000, access_speed_kmh=30.0)
    expect = _oracle_seconds(car, _Both(cells, c_snap)) / 60.0
    expect[expect > 90] = np.nan
    wide = tab.pivot(index="cell_id", columns="destination", values="minutes")
    wide = wide.reindex(index=sample["cell_id"], columns=c_snap.ids.astype(str))
    np.testing.assert_allclose(wide.to_numpy(dtype=float), expect, rtol=1e-5, atol=1e-4)
    assert tab.attrs["provenance"]["population_year"] == 2015


class _Both:
    """Origins from one snapped layer, destinations from another (for the oracle)."""

    def __init__(self, origins, destinations):
        self.o, self.d = origins, destinations

    def origin_seeds(self, net):
        return self.o.origin_seeds(net)

    def destination_seeds(self, net):
        return self.d.destination_seeds(net)


def test_centres_rules_and_snap_reported(car, grid, centres):
    from geoaccess.layers.centres import municipality_centres
    from geoaccess.national.matrix import snap_centres

    assert len(centres) == 356 and set(centres["rule_used"]) == {"weighted"}
    assert centres["population"].sum() == pytest.approx(5_146_614, abs=100)  # 30 residents beyond every polygon
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        dense = municipality_centres(2020, grid, rule="densest")
    oslo_w = centres.set_index("kommunenummer").loc["0301"].geometry
    oslo_d = dense.set_index("kommunenummer").loc["0301"]
    # Oslo's densest 1 km window lies in the inner city, within 3 km of the weighted centre
    assert oslo_d.geometry.distance(oslo_w) < 3000
    assert oslo_d["window_population"] > 20_000
    _, table = snap_centres(car, dense)
    assert table["snap_metres"].notna().all() and (table["snap_metres"] >= 0).all()
    # the densest spot is inhabited and near a road more often than the mean point
    _, wt = snap_centres(car, centres)
    assert table["snap_metres"].median() <= wt["snap_metres"].median()


def test_hand_checked_weighted_centre():
    import geopandas as gpd
    import shapely

    from geoaccess.layers.centres import municipality_centres

    bounds = gpd.GeoDataFrame({"kommunenummer": ["0001"], "kommunenavn": ["Test"]},
                              geometry=[shapely.box(0, 0, 2000, 2000)], crs=25833)
    grid = gpd.GeoDataFrame({"cell_id": ["a", "b"], "population": [30.0, 10.0]},
                            geometry=[shapely.box(0, 0, 250, 250), shapely.box(1000, 0, 1250, 250)], crs=25833)
    c = municipality_centres(bounds, grid).iloc[0]
    assert (c.geometry.x, c.geometry.y) == pytest.approx((125 + 0.25 * 1000, 125))


def test_boundaries_in_another_crs_are_transformed_with_a_warning(grid):
    from geoaccess.layers.centres import municipality_boundaries, municipality_centres

    sub = grid.cx[250_000:270_000, 6_640_000:6_660_000]
    b = municipality_boundaries(2020)
    b = b[b["kommunenummer"] == "0301"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        same = municipality_centres(b, sub)
    with pytest.warns(CRSWarning, match="transformed to the grid's CRS"), \
            pytest.warns(DataWarning, match="farther than 2000 m"):  # the window holds cells outside Oslo
        other = municipality_centres(b.to_crs(4326), sub)
    assert other.geometry.iloc[0].distance(same.geometry.iloc[0]) < 1.0
    with pytest.raises(CRSError, match="no CRS"):
        municipality_centres(b.set_crs(None, allow_override=True), sub)


def test_year_without_boundaries_is_refused(grid):
    from geoaccess.layers.centres import municipality_boundaries
    from geoaccess.national.matrix import municipal_matrix

    with pytest.raises(InputError, match=r"No municipality boundaries for 2018.*2019.*2020.*2024"):
        municipality_boundaries(2018)
    with pytest.raises(InputError, match="2017"):
        municipal_matrix(None, year=2017, grid=grid)  # type: ignore[arg-type]


def test_2019_and_2024_boundaries_give_their_counts(grid):
    from geoaccess.layers.centres import municipality_centres

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert len(municipality_centres(2019, grid)) == 422
        assert len(municipality_centres(2024, grid)) == 357


def test_matrix_csv_reads_back_with_the_regions_reader(matrix, tmp_path):
    from geoaccess.regions.traveltime import read_travel_times
    from geoaccess.report.atomic import write_table

    path = write_table(matrix, tmp_path / "mm.csv")
    back = read_travel_times(str(path))
    assert len(back) == len(matrix)
    assert back["origin"].str.len().eq(4).all()
    merged = back.merge(matrix, on=["origin", "destination"])
    np.testing.assert_allclose(merged["minutes_x"], merged["minutes_y"])


def test_n1000_times_close_to_hamar_nvdb(car):
    """Where both exist, N1000 times between the same junctions stay within a few per cent of NVDB's."""
    from geoaccess.national.compare import compare_with_detailed, link_length_ratios, summarise_ratios
    from geoaccess.network.build import build_network

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        hamar = build_network("roads/hamar_nvdb_speed_limits_2018.geojson", mode="car")
    links = summarise_ratios(link_length_ratios(car, hamar)["ratio"])
    times = summarise_ratios(compare_with_detailed(car, hamar)["time_ratio"])
    assert links["count"] >= 20 and times["count"] >= 300
    # the profile's length factor is the measured median map-to-road ratio
    assert car.meta["n1000"]["length_factor"] == pytest.approx(links["median"], abs=0.01)
    assert 0.9 < times["median"] < 1.05


def test_grid_table_is_keyed_by_cell_id(car, grid, centres):
    from geoaccess.national.matrix import cell_centre_times

    sample = grid.iloc[:2000]
    tab = cell_centre_times(car, sample, centres, cutoff_minutes=45)
    assert tab["cell_id"].isin(sample["cell_id"]).all()
    assert not tab.duplicated(["cell_id", "destination"]).any()
    # sorted by cell, then by minutes
    first = tab.groupby("cell_id", sort=False)["minutes"].apply(lambda s: s.is_monotonic_increasing)
    assert first.all()
    assert pd.api.types.is_float_dtype(tab["minutes"])


def test_seed_combination_kernel_equals_brute_force():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from geoaccess.national._combine import SeedTable, best_within

    @settings(max_examples=60, deadline=None)
    @given(st.integers(1, 6), st.integers(1, 5), st.integers(0, 9), st.floats(1, 50))
    def check(n_nodes, n_dest, n_points, cutoff):
        rng = np.random.default_rng(n_nodes * 100 + n_dest * 10 + n_points)
        table = rng.uniform(0, 40, size=(n_nodes, n_dest))
        table[rng.random(table.shape) < 0.2] = np.inf
        seeds = rng.integers(-1, n_nodes, size=(n_points, 2))
        offs = rng.uniform(0, 10, size=(n_points, 2))
        ptr, dest, secs = best_within(SeedTable(table, seeds, offs), cutoff)
        padded = np.vstack([table, np.full((1, n_dest), np.inf)])
        s = np.where(seeds >= 0, seeds, n_nodes)
        brute = np.minimum(padded[s[:, 0]] + offs[:, :1], padded[s[:, 1]] + offs[:, 1:])
        for i in range(n_points):
            want = sorted((brute[i, j], j) for j in range(n_dest) if brute[i, j] <= cutoff)
            got = list(zip(secs[ptr[i]:ptr[i + 1]], dest[ptr[i]:ptr[i + 1]], strict=False))
            assert [w[0] for w in want] == pytest.approx([g[0] for g in got])
            assert sorted(j for _, j in want) == sorted(int(j) for _, j in got)

    check()
