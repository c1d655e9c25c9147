"""RAPTOR and range-RAPTOR against a brute-force time-expanded graph solved with Dijkstra."""

from __future__ import annotations

import heapq
from bisect import bisect_left

import numpy as np
import pytest
from feed_skips import RUTER_2017, TAMPERE, skips
from hypothesis import given, settings
from hypothesis import strategies as st

from geoaccess.errors import InputError
from geoaccess.transit.calendar import ServiceCalendar
from geoaccess.transit.routing import range_raptor, raptor, transit_matrix
from geoaccess.transit.timetable import build_timetable
from geoaccess.transit.validation import ValidationReport

INF = float("inf")


# --------------------------------------------------------------------------- reference
class Reference:
    """Earliest arrival at every stop, by Dijkstra on the time-expanded graph, written plainly.

    Nodes: every departure event at a stop (waiting there for it), and every arrival event
    on board a trip. Edges: wait for the next departure at the same stop; ride to the next
    event of the same trip; alight and wait for a departure at the same stop; alight and
    walk one footpath, then wait there. The origin may walk one footpath before boarding.
    Labels are absolute times, so Dijkstra's order is by clock time.
    """

    def __init__(self, tt) -> None:
        trip, stop, arr, dep = tt.stop_times()
        self.n_stops = tt.n_stops
        self.trip, self.stop = trip.tolist(), stop.tolist()
        self.arr, self.dep = arr.astype(float).tolist(), dep.astype(float).tolist()
        self.deps_at: dict[int, list[tuple[float, int]]] = {}
        for e in range(len(trip)):
            self.deps_at.setdefault(self.stop[e], []).append((self.dep[e], e))
        for s in self.deps_at:
            self.deps_at[s].sort()
        self.dep_times = {s: [t for t, _ in v] for s, v in self.deps_at.items()}
        self.walks = {
            s: [(int(tt.fp_stop[j]), float(tt.fp_seconds[j])) for j in range(tt.fp_ptr[s], tt.fp_ptr[s + 1])]
            for s in range(tt.n_stops)
        }

    def __call__(self, origin: int, t0: float, horizon_s: float = INF) -> np.ndarray:
        """Arrival times; exact up to ``t0 + horizon_s`` (later labels are only upper bounds)."""
        trip, stop, arr = self.trip, self.stop, self.arr
        deps_at, dep_times, walks = self.deps_at, self.dep_times, self.walks
        n_ev = len(trip)
        best = [INF] * self.n_stops
        heap: list[tuple[float, str, int, int]] = []
        seen: set[tuple[str, int, int]] = set()

        def wait_at(s: int, t: float) -> None:
            # the first departure at s not before t
            if s not in deps_at:
                return
            k = bisect_left(dep_times[s], t)
            if k < len(dep_times[s]):
                heapq.heappush(heap, (dep_times[s][k], "wait", s, k))

        def arrive(s: int, t: float, *, walk: bool) -> None:
            best[s] = min(best[s], t)
            wait_at(s, t)
            if walk:
                for u, w in walks[s]:
                    best[u] = min(best[u], t + w)
                    wait_at(u, t + w)

        arrive(origin, t0, walk=True)
        while heap:
            t, kind, a, b = heapq.heappop(heap)
            if t > t0 + horizon_s:
                break
            if (kind, a, b) in seen:
                continue
            seen.add((kind, a, b))
            if kind == "wait":
                s, k = a, b
                if k + 1 < len(dep_times[s]):
                    heapq.heappush(heap, (dep_times[s][k + 1], "wait", s, k + 1))
                e = deps_at[s][k][1]  # board this event's trip
                if e + 1 < n_ev and trip[e + 1] == trip[e]:
                    heapq.heappush(heap, (arr[e + 1], "ride", e + 1, 0))
            else:
                e = a
                arrive(stop[e], t, walk=True)  # alight here
                if e + 1 < n_ev and trip[e + 1] == trip[e]:
                    heapq.heappush(heap, (arr[e + 1], "ride", e + 1, 0))  # stay on board
        return np.array(best)


def reference_earliest_arrival(tt, origin: int, t0: float) -> np.ndarray:
    """One query of :class:`Reference`."""
    return Reference(tt)(origin, t0)


# ---------------------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def tampere(dataset):
    from geoaccess.transit.gtfs import read_gtfs

    with skips(*TAMPERE):
        return read_gtfs(dataset("transit/tampere_gtfs.zip")).for_date("2022-01-12")


@pytest.fixture(scope="module")
def romerike(dataset):
    from geoaccess.transit.netex import read_netex

    with skips(*RUTER_2017):
        return read_netex(dataset("transit/ruter_ovre_romerike_netex_2017.zip")).for_date("2017-09-12")


def _compare(tt, n_pairs: int, seed: int, horizon_s: float = 5400.0) -> None:
    """RAPTOR equals the reference for every stop reached within ``horizon_s`` of departure."""
    rng = np.random.default_rng(seed)
    served = np.flatnonzero(np.diff(tt.stop_pattern_ptr) > 0)
    reached = 0
    ref = Reference(tt)
    for _ in range(n_pairs):
        o = int(rng.choice(served))
        t0 = float(rng.integers(6 * 3600 + 1800, 9 * 3600))
        got = raptor(tt, [o], None, t0, max_transfers=40)
        want = ref(o, t0, horizon_s)
        fin = want <= t0 + horizon_s
        np.testing.assert_allclose(got[fin], want[fin], rtol=0, atol=1e-6)
        assert np.all(got[~fin] > t0 + horizon_s - 1e-6)
        reached += int(fin.sum())
    assert reached > n_pairs * 10  # the comparison covered real journeys, not just unreachable stops


def test_raptor_matches_reference_tampere(tampere):
    _compare(tampere, 6, seed=1)


def test_raptor_matches_reference_ovre_romerike(romerike):
    _compare(romerike, 6, seed=2)


def test_transfers_bound_is_monotone(tampere):
    lab = raptor(tampere, [10], None, 7 * 3600, max_transfers=4, rounds=True)
    assert np.all(lab[1:] <= lab[:-1])  # more vehicles never arrive later
    assert np.isfinite(lab[-1]).sum() > np.isfinite(lab[1]).sum()  # transfers reach more stops
    np.testing.assert_array_equal(lab[-1], raptor(tampere, [10], None, 7 * 3600, max_transfers=4))


def test_zero_transfers_is_one_vehicle(tampere):
    """With max_transfers=0 the result equals riding one trip from the origin (or one walk)."""
    o, t0 = 25, 7.5 * 3600
    got = raptor(tampere, [o], None, t0, max_transfers=0)
    trip, stop, arr, dep = tampere.stop_times()
    want = np.full(tampere.n_stops, np.inf)
    want[o] = t0
    for j in range(tampere.fp_ptr[o], tampere.fp_ptr[o + 1]):
        want[tampere.fp_stop[j]] = min(want[tampere.fp_stop[j]], t0 + tampere.fp_seconds[j])
    boarded: dict[int, bool] = {}
    vehicle = np.full(tampere.n_stops, np.inf)
    for e in range(len(trip)):
        t = int(trip[e])
        if boarded.get(t):
            vehicle[stop[e]] = min(vehicle[stop[e]], arr[e])
        if want[stop[e]] <= dep[e]:
            boarded[t] = True
    # one footpath after the ride
    walked = vehicle.copy()
    for s in np.flatnonzero(np.isfinite(vehicle)):
        for j in range(tampere.fp_ptr[s], tampere.fp_ptr[s + 1]):
            u = tampere.fp_stop[j]
            walked[u] = min(walked[u], vehicle[s] + tampere.fp_seconds[j])
    want = np.minimum(want, walked)
    np.testing.assert_allclose(got, want)


def test_range_raptor_equals_single_queries(tampere):
    res = range_raptor(tampere, [40, 41], [0.0, 90.0], window="07:00-07:30", step_s=60)
    assert len(res.departures_s) == 31
    for i in (0, 7, 30):
        t = res.departures_s[i]
        single = raptor(tampere, [40, 41], [0.0, 90.0], t)
        np.testing.assert_allclose(res.travel_s[i], single - t)
    fin = np.isfinite(res.pct_s[2])
    assert np.all(res.pct_s[0][fin] <= res.pct_s[1][fin]) and np.all(res.pct_s[1][fin] <= res.pct_s[2][fin])
    # nearest-rank median by hand for one reachable stop
    s = int(np.flatnonzero(fin)[5])
    col = np.sort(res.travel_s[:, s])
    assert res.pct_s[1][s] == col[int(np.ceil(0.5 * 31)) - 1]


def test_transit_matrix_matches_range_raptor(tampere):
    import geopandas as gpd
    from shapely.geometry import Point

    from geoaccess.transit.footpaths import walk_links

    stops = [100, 500, 900]
    pts = gpd.GeoDataFrame(
        geometry=[Point(tampere.stop_x[s] + 120.0, tampere.stop_y[s] - 80.0) for s in stops], crs=tampere.crs
    )
    res = transit_matrix(tampere, pts, window="07:00-07:20", max_walk_minutes=8)
    assert res["minutes"].shape == (3, 3, tampere.n_stops)
    ptr, stop, sec, _ = walk_links(pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy(), tampere, max_walk_s=480)
    for i in range(3):
        rr = range_raptor(tampere, stop[ptr[i] : ptr[i + 1]], sec[ptr[i] : ptr[i + 1]], window="07:00-07:20")
        want = rr.pct_s / 60.0
        # walking all the way counts too (straight line x1.3 at 5 km/h, within 8 minutes)
        d = np.hypot(tampere.stop_x - pts.geometry.x[i], tampere.stop_y - pts.geometry.y[i]) * 1.3 / (5 / 3.6)
        want = np.minimum(want, np.where(d <= 480, d / 60.0, np.inf))
        want[~np.isfinite(want)] = np.nan
        np.testing.assert_allclose(res["minutes"][:, i, :], want, equal_nan=True)


def test_undated_timetable_refused(dataset):
    from geoaccess.transit.gtfs import read_gtfs

    tt = read_gtfs(dataset("transit/flaamsbana_gtfs.zip"))
    with pytest.raises(InputError, match="for_date"):
        raptor(tt, [0], None, 8 * 3600)


# ------------------------------------------------------------------ hypothesis invariants
def _random_timetable(n_stops, trips, footpaths):
    st_trip, st_stop, st_arr, st_dep = [], [], [], []
    for t, (stops, start, hops, dwell) in enumerate(trips):
        clock = start
        for i, s in enumerate(stops):
            st_trip.append(t)
            st_stop.append(s)
            st_arr.append(clock)
            clock += dwell if 0 < i < len(stops) - 1 else 0
            st_dep.append(clock)
            if i < len(hops):
                clock += hops[i]
    cal = ServiceCalendar(np.array(["S"], dtype=object), __import__("datetime").date(2024, 1, 1), np.ones((1, 1), bool))
    xs = np.arange(n_stops, dtype=float) * 100.0
    tt = build_timetable(
        stops={
            "stop_id": np.array([str(i) for i in range(n_stops)], dtype=object),
            "stop_name": np.array([""] * n_stops, dtype=object),
            "stop_lon": xs,
            "stop_lat": xs,
            "stop_x": xs,
            "stop_y": xs,
            "crs": "EPSG:25833",
        },
        route_id=np.array(["r0", "r1"], dtype=object),
        route_name=np.array(["0", "1"], dtype=object),
        route_type=np.array([3, 3]),
        trip_id=np.array([f"t{i}" for i in range(len(trips))], dtype=object),
        trip_route=np.array([i % 2 for i in range(len(trips))]),
        trip_service=np.zeros(len(trips), dtype=int),
        calendar=cal,
        st_trip=np.array(st_trip),
        st_stop=np.array(st_stop),
        st_arr=np.array(st_arr),
        st_dep=np.array(st_dep),
        report=ValidationReport(),
        meta={},
    )
    fp = sorted({(a, b): w for a, b, w in footpaths if a != b}.items())
    src = np.array([a for (a, _), _ in fp], dtype=np.int64)
    ptr = np.zeros(n_stops + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(np.bincount(src, minlength=n_stops))
    tt = tt.with_footpaths(
        ptr, np.array([b for (_, b), _ in fp]), np.array([w for _, w in fp], dtype=float), kind="test"
    )
    from dataclasses import replace

    return replace(tt, date=__import__("datetime").date(2024, 1, 1))


@st.composite
def timetables(draw):
    n = draw(st.integers(3, 9))
    trips = []
    for _ in range(draw(st.integers(1, 14))):
        k = draw(st.integers(2, min(n, 5)))
        stops = draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k, unique=True))
        start = draw(st.integers(0, 3600))
        hops = draw(st.lists(st.integers(0, 900), min_size=k - 1, max_size=k - 1))
        trips.append((stops, start, hops, draw(st.integers(0, 120))))
    fps = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.integers(0, 600)), max_size=12))
    return _random_timetable(n, trips, fps), draw(st.integers(0, n - 1)), draw(st.integers(0, 3000))


@settings(max_examples=150, deadline=None)
@given(timetables())
def test_raptor_equals_reference_on_random_timetables(case):
    tt, origin, t0 = case
    got = raptor(tt, [origin], None, float(t0), max_transfers=20)
    want = reference_earliest_arrival(tt, origin, float(t0))
    np.testing.assert_array_equal(got, want)


def test_engine_compatible_matrix(tampere):
    import geopandas as gpd

    pts = gpd.GeoDataFrame(
        {"name": ["a", "b", "c"]},
        geometry=gpd.points_from_xy(tampere.stop_x[[100, 500, 900]], tampere.stop_y[[100, 500, 900]]),
        crs=tampere.crs,
    )
    from geoaccess.transit.routing import transit_travel_time_matrix

    table = transit_travel_time_matrix(tampere, pts, origin_id="name", window="07:00-07:20", cutoff_minutes=40)
    assert list(table.columns) == ["origin_id", "destination_id", "minutes"] and len(table) == 9
    diag = table[table.origin_id == table.destination_id]
    assert (diag.minutes == 0).all()  # standing at the destination
    arr = transit_travel_time_matrix(tampere, pts, origin_id="name", window="07:00-07:20", output="array")
    full = transit_matrix(tampere, pts, pts, window="07:00-07:20", percentiles=(50,))
    np.testing.assert_allclose(arr.minutes, full["minutes"][0], equal_nan=True)
    assert np.all(np.nan_to_num(table.minutes.to_numpy(), nan=0) <= 40)


# ------------------------------------------------------- OSM routes: schedule-free estimate
@pytest.fixture(scope="module")
def samsoe(dataset):
    from geoaccess.transit.osm_routes import read_osm_routes

    return read_osm_routes(dataset("osm/samsoe-2020.osm.zip"), date="2024-06-03")


def test_osm_routes_are_labelled_estimates(samsoe):
    assert samsoe.summary()["label"] == "schedule-free estimate"
    assert all("schedule-free estimate" in n for n in samsoe.route_name)
    assert set(samsoe.route_type[samsoe.pattern_route].tolist()) == {3, 4}  # 2 bus relations, 3 ferry ways


def test_osm_ferry_uses_duration_tag_and_headway(samsoe):
    a, b = samsoe.stop_index(["way/392728788/start", "way/392728788/end"])  # Samsøfærgen, duration=1:15
    got = raptor(samsoe, [a], None, 6 * 3600)
    assert got[b] == 6 * 3600 + 75 * 60
    got = raptor(samsoe, [a], None, 6 * 3600 + 1)  # just missed: next sailing an hour later (default headway)
    assert got[b] == 7 * 3600 + 75 * 60


def test_osm_bus_run_times_from_length_and_speed(samsoe):
    p = int(np.flatnonzero(samsoe.route_type[samsoe.pattern_route] == 3)[0])
    stops = samsoe.pattern_stops[samsoe.pattern_stop_ptr[p] : samsoe.pattern_stop_ptr[p + 1]]
    t0 = samsoe.pattern_trip_ptr[p]
    times = samsoe.arr[samsoe.trip_time_ptr[t0] : samsoe.trip_time_ptr[t0 + 1]]
    step = np.diff(times)
    gap = np.hypot(np.diff(samsoe.stop_x[stops]), np.diff(samsoe.stop_y[stops]))
    assert np.all(gap <= 400.0 + 1e-6)  # virtual stops every <= 400 m along the ways (chord <= arc)
    spacing = step.astype(float).mean() * 25 / 3.6  # metres along the line per stop at 25 km/h
    assert 200.0 <= spacing <= 400.0
    deps = samsoe.dep[samsoe.trip_time_ptr[samsoe.pattern_trip_ptr[p] : samsoe.pattern_trip_ptr[p + 1]]]
    assert np.all(np.diff(deps) == 30 * 60) and deps[0] == 6 * 3600 and deps[-1] == 22 * 3600


def test_osm_headway_override(dataset):
    from geoaccess.transit.osm_routes import read_osm_routes

    tt = read_osm_routes(
        dataset("osm/samsoe-2020.osm.zip"), date="2024-06-03", headway_minutes={"ferry": 120}, modes=("ferry",)
    )
    assert tt.n_trips == 6 * 9  # 3 ferry ways x 2 directions x departures 06:00, 08:00, ..., 22:00


@settings(max_examples=80, deadline=None)
@given(timetables(), st.integers(0, 3))
def test_range_raptor_equals_single_queries_on_random_timetables(case, max_transfers):
    """Labels kept between departures (range-RAPTOR) never change the answer of any departure."""
    tt, origin, _ = case
    res = range_raptor(tt, [origin], None, window=(0, 3600), step_s=300, max_transfers=max_transfers)
    for i, t in enumerate(res.departures_s):
        single = raptor(tt, [origin], None, float(t), max_transfers=max_transfers)
        np.testing.assert_array_equal(res.travel_s[i], single - t)


def test_transit_catchment_counts_population(tampere):
    import geopandas as gpd
    from shapely.geometry import Point, box

    from geoaccess.transit.catchment import transit_catchment

    s = 300
    x, y = tampere.stop_x[s], tampere.stop_y[s]
    # a small synthetic grid of 250 m cells around a real stop, with hand-set population
    cells = gpd.GeoDataFrame(
        {"population": np.arange(1, 26, dtype=float)},
        geometry=[
            box(x + i * 250, y + j * 250, x + (i + 1) * 250, y + (j + 1) * 250)
            for i in range(-2, 3)
            for j in range(-2, 3)
        ],
        crs=tampere.crs,
    )
    origin = gpd.GeoDataFrame(geometry=[Point(x, y)], crs=tampere.crs)
    cat, minutes = transit_catchment(tampere, origin, cells, window="07:00-07:30", thresholds_minutes=(5, 15))
    for _, row in cat.iterrows():
        sel = np.nan_to_num(minutes, nan=np.inf) <= row["minutes"]
        assert row["population"] == cells.population[sel].sum() and row["cells"] == sel.sum()
        if sel.any():
            assert row.geometry.area == pytest.approx(250 * 250 * sel.sum())
    assert cat.population.is_monotonic_increasing and cat.cells.iloc[-1] > 0
