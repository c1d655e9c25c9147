"""Nearest / k-nearest facility: Oslo upper-secondary schools on the eastern-Oslo networks vs the full matrix."""

from __future__ import annotations

import warnings

import numpy as np
import pytest


@pytest.fixture(scope="module")
def walk_net(dataset):
    from geoaccess.network.build import build_network

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return build_network(dataset("osm/oslo-east-filtered.osm.pbf"), mode="walk")


@pytest.fixture(scope="module")
def schools(dataset, walk_net):
    import geopandas as gpd
    import shapely

    g = gpd.read_file(dataset("services/oslo_upper_secondary_schools_2024.geojson")).to_crs(walk_net.crs)
    # keep the schools inside the eastern-Oslo extract (the others cannot be snapped)
    box = shapely.box(walk_net.x.min(), walk_net.y.min(), walk_net.x.max(), walk_net.y.max())
    return g[g.within(box)].reset_index(drop=True)


@pytest.fixture(scope="module")
def homes(walk_net):
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(21)
    pick = rng.integers(0, walk_net.n_nodes, 60)
    pts = shapely.points(walk_net.x[pick] + rng.uniform(-80, 80, 60), walk_net.y[pick] + rng.uniform(-80, 80, 60))
    return gpd.GeoDataFrame({"home": [f"h{i}" for i in range(60)]}, geometry=pts, crs=walk_net.crs)


@pytest.mark.parametrize("k", [1, 3])
def test_k_nearest_equals_sorted_matrix_rows(walk_net, schools, homes, k):
    from geoaccess.engine import nearest_facility, travel_time_matrix

    assert len(schools) >= 5
    got = nearest_facility(walk_net, homes, schools, k=k, origin_id="home", facility_id="id")
    assert list(got.columns) == ["origin_id", "rank", "facility_id", "minutes"]
    assert len(got) == 60 * k
    mat = travel_time_matrix(walk_net, homes, schools, origin_id="home", destination_id="id", output="array")
    order = np.argsort(mat.seconds, axis=1, kind="stable")[:, :k]
    expect_min = np.take_along_axis(mat.seconds, order, axis=1) / 60.0
    np.testing.assert_allclose(got["minutes"].to_numpy().reshape(60, k), expect_min, atol=1e-6 / 60)
    ids = got["facility_id"].to_numpy().reshape(60, k)
    col = {v: j for j, v in enumerate(mat.destination_ids)}
    # the reported facility really has the reported time (ties may name either school)
    for i in range(60):
        for r in range(k):
            assert mat.seconds[i, col[ids[i, r]]] / 60.0 == pytest.approx(expect_min[i, r], abs=1e-6)
    assert (got.groupby("origin_id")["minutes"].apply(lambda s: s.is_monotonic_increasing)).all()


def test_more_facilities_requested_than_exist_and_cutoff(walk_net, schools, homes):
    from geoaccess.engine import nearest_facility

    few = schools.iloc[:2]
    got = nearest_facility(walk_net, homes.iloc[:5], few, k=4, facility_id="id")
    per = got["minutes"].to_numpy().reshape(5, 4)
    assert np.isfinite(per[:, :2]).all() and np.isnan(per[:, 2:]).all()
    assert got["facility_id"].to_numpy().reshape(5, 4)[:, 2:].tolist() == [[None, None]] * 5
    near = nearest_facility(walk_net, homes, schools, k=1)
    cut = float(near["minutes"].median())
    capped = nearest_facility(walk_net, homes, schools, k=1, cutoff_minutes=cut)
    beyond = near["minutes"].to_numpy() > cut
    assert capped["minutes"].isna().to_numpy()[beyond].all()
    np.testing.assert_allclose(capped["minutes"].to_numpy()[~beyond], near["minutes"].to_numpy()[~beyond])


def test_combine_seed_candidates_by_hand():
    from geoaccess.engine.facility import combine_seed_candidates

    # one origin with two seeds: node 0 (+10 s), node 1 (+1 s)
    seeds = np.array([[0, 1]], dtype=np.int32)
    offs = np.array([[10.0, 1.0]])
    node_t = np.array([[5.0, 7.0], [30.0, 40.0]])  # node 0: fac 2 @5, fac 0 @7; node 1: fac 0 @30, fac 1 @40
    node_f = np.array([[2, 0], [0, 1]])
    t, f = combine_seed_candidates(seeds, offs, node_t, node_f, k=3)
    # candidates: fac2 15, fac0 min(17, 31)=17, fac1 41
    np.testing.assert_allclose(t, [[15.0, 17.0, 41.0]])
    assert f.tolist() == [[2, 0, 1]]
