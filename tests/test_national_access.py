"""Grid → destinations kernels: = scipy Dijkstra on the real N1000 network; hand case of a long link; the island."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from geoaccess.measures.decay import Logistic
from geoaccess.national import routing
from geoaccess.national.access import (
    AccessInputs,
    AccessParams,
    cell_access_block,
    decay_table,
    snapped_points,
    targets,
    times_from_point,
)
from geoaccess.network.graph import Network
from national_oracle import SPEED, oracle_times as _oracle_times

CUT = 5400.0
JOBS_DECAY = Logistic(mu=45.0, s=7.5)
SERV_DECAY = Logistic(mu=25.0, s=6.0)


def _params(types, mode="nearest_per_type"):
    return AccessParams(CUT, 1.0, decay_table(JOBS_DECAY, cutoff_s=CUT), decay_table(SERV_DECAY, cutoff_s=CUT),
                        tuple(types), mode, SPEED, 0)


@pytest.fixture(scope="module")
def national():
    from geoaccess.layers.jobs import jobs_to_grid
    from geoaccess.layers.population import NATIONAL_GRID_250M, read_ssb_grid
    from geoaccess.layers.services import read_services
    from geoaccess.network.build import build_network

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        net = build_network("roads/kartverket_n1000_veglenke_2025.gpkg", mode="car")
        grid = read_ssb_grid(NATIONAL_GRID_250M, as_points=True)
        cells = jobs_to_grid(grid, year=2020, nearest_within=20_000.0)
        svc = read_services(("etatsbasen", "healthcare"))
    prep = routing.prepare(net)
    x, y = cells.geometry.x.to_numpy(), cells.geometry.y.to_numpy()
    cp = snapped_points(net, routing.snap(net, x, y, ids=np.arange(len(x)), max_snap_m=20_000.0, access_speed_kmh=30.0), x, y)
    sx, sy = svc.geometry.x.to_numpy(), svc.geometry.y.to_numpy()
    sp = snapped_points(net, routing.snap(net, sx, sy, ids=np.arange(len(sx)), max_snap_m=20_000.0, access_speed_kmh=30.0), sx, sy)
    types = sorted(set(svc["service"]))
    kind = svc["service"].map({t: i for i, t in enumerate(types)}).to_numpy(dtype=float)
    jobs = np.nan_to_num(cells["jobs"].to_numpy(dtype=float))
    inputs = AccessInputs(prep, cp, targets(net, cp, jobs), targets(net, sp, kind), targets(net, sp, np.ones(len(sx))))
    return {"net": net, "prep": prep, "cells": cells, "cp": cp, "sp": sp, "jobs": jobs, "types": types, "kind": kind,
            "inputs": inputs}


@pytest.mark.parametrize("code", ["1151", "5042"])  # Utsira (an island) and Lierne (long N1000 links)
def test_block_equals_dijkstra_oracle(national, code):
    cells = np.flatnonzero(national["cells"]["kommunenummer"].to_numpy() == code)
    got = cell_access_block(national["inputs"], cells, _params(national["types"]))
    o_idx = got["cell"].to_numpy()
    assert set(o_idx) == set(cells[national["cp"].snapped[cells]])
    t = _oracle_times(national["net"], national["cp"], o_idx, national["cp"])
    w = np.where(t <= CUT, JOBS_DECAY(t / 60.0), 0.0)
    np.testing.assert_allclose(got["jobs_access"].to_numpy(), w @ national["jobs"], rtol=1e-5)
    ts = _oracle_times(national["net"], national["cp"], o_idx, national["sp"])
    serv = np.zeros(len(o_idx))
    for k, name in enumerate(national["types"]):
        near = np.where(national["kind"] == k, ts, np.inf).min(axis=1)
        mins = got[f"{name}_minutes"].to_numpy()
        within = near <= CUT
        np.testing.assert_allclose(mins[within], near[within] / 60.0, rtol=1e-5)
        assert np.isnan(mins[~within]).all()
        serv += np.where(within, SERV_DECAY(near / 60.0), 0.0)
    np.testing.assert_allclose(got["services_access"].to_numpy(), serv, rtol=1e-5)


def test_sum_mode_equals_oracle(national):
    cells = np.flatnonzero(national["cells"]["kommunenummer"].to_numpy() == "1151")
    got = cell_access_block(national["inputs"], cells, _params(national["types"], mode="sum"))
    ts = _oracle_times(national["net"], national["cp"], got["cell"].to_numpy(), national["sp"])
    np.testing.assert_allclose(got["services_access"], np.where(ts <= CUT, SERV_DECAY(ts / 60.0), 0.0).sum(axis=1),
                               rtol=1e-5)


def test_town_to_cells_equals_oracle(national):
    cp = national["cp"]
    k = int(np.flatnonzero(national["cells"]["kommunenummer"].to_numpy() == "3403")[0])  # a cell in Hamar
    t = times_from_point(national["prep"], cp, k, cp, access_speed_mps=SPEED)
    ref = _oracle_times(national["net"], cp, np.array([k]), cp)[0]
    ok = np.isfinite(ref) & cp.snapped
    np.testing.assert_allclose(t[ok], ref[ok], rtol=1e-9)
    assert t[k] == 0.0  # the cell itself


def test_long_link_hand_case():
    # one two-way road of 10 km at 60 km/h (600 s each way) between nodes 0 and 1; cells 100 m beside it at 2 km and
    # 4 km; a third cell on the far side of node 1
    net = Network.from_edges(np.array([0, 1, 1, 2]), np.array([1, 0, 2, 1]), seconds=np.array([600.0, 600.0, 60.0, 60.0]),
                             x=np.array([0.0, 10_000.0, 11_000.0]), y=np.zeros(3), crs="EPSG:25833")
    prep = routing.prepare(net, cache=False)
    x = np.array([2000.0, 4000.0, 11_000.0])
    y = np.array([100.0, 100.0, 100.0])
    cp = snapped_points(net, routing.snap(net, x, y, ids=np.arange(3), max_snap_m=1000.0, access_speed_kmh=30.0), x, y)
    jobs = np.array([10.0, 20.0, 40.0])
    inputs = AccessInputs(prep, cp, targets(net, cp, jobs), targets(net, cp, np.zeros(3)))
    out = cell_access_block(inputs, np.arange(3), _params(["x"]))
    acc = 100.0 / SPEED  # 12 s
    t01 = acc + 120.0 + acc  # along the road 2 km: 120 s, shorter than the 240 s straight line
    t02 = acc + 480.0 + 60.0 + acc  # via node 1
    f = lambda s: float(JOBS_DECAY(s / 60.0))  # noqa: E731
    assert out.loc[0, "jobs_access"] == pytest.approx(10 * f(0) + 20 * f(t01) + 40 * f(t02), rel=1e-6)
    # the nearest unit of type x for cell 0 is itself, reached in 0 s
    assert out.loc[0, "x_minutes"] == 0.0
