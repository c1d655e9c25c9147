"""Ferry waits from a timetable, on the real Samsø car ferries (OSM) with a feed built here for the test.

The shared data has no timetable of these ferries (nor of N1000's 240), so the feed is constructed
from the real ferry edges: one stop at each quay (its real coordinates), departures chosen here.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import replace

import numpy as np
import pytest

from geoaccess.engine.router import Router
from geoaccess.errors import DataWarning, InputError
from geoaccess.transit.calendar import ServiceCalendar
from geoaccess.transit.ferry_waits import ferry_crossings, ferry_waits_from_timetable
from geoaccess.transit.timetable import build_timetable
from geoaccess.transit.validation import ValidationReport


@pytest.fixture(scope="module")
def samsoe(dataset):
    from geoaccess.network.build import build_network

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build_network(dataset("osm/samsoe-2020.osm.zip"), mode="car", keep="all")


def _feed(net, lines, *, shift_m=0.0, route_type=4):
    """A one-date timetable: per line (from_node, to_node, departures 'HH:MM', minutes), stops at the quays."""
    from pyproj import Transformer

    tr = Transformer.from_crs(net.crs, "EPSG:4326", always_xy=True)
    nodes = sorted({n for a, b, _, _ in lines for n in (a, b)})
    lon, lat = tr.transform(net.x[nodes] + shift_m, net.y[nodes])
    idx = {n: i for i, n in enumerate(nodes)}
    st_trip, st_stop, st_arr, st_dep, trip_route = [], [], [], [], []
    t = 0
    for r, (a, b, deps, minutes) in enumerate(lines):
        for d in deps:
            h, m = (int(x) for x in d.split(":"))
            s = h * 3600 + m * 60
            st_trip += [t, t]
            st_stop += [idx[a], idx[b]]
            st_arr += [s, s + minutes * 60]
            st_dep += [s, s + minutes * 60]
            trip_route.append(r)
            t += 1
    day = dt.date(2024, 6, 12)
    cal = ServiceCalendar(np.array(["S"], dtype=object), day, np.ones((1, 1), bool))
    tt = build_timetable(
        stops={"stop_id": np.array([f"quay{n}" for n in nodes], dtype=object),
               "stop_name": np.array([f"quay {n}" for n in nodes], dtype=object),
               "stop_lon": np.asarray(lon), "stop_lat": np.asarray(lat), "stop_x": net.x[nodes] + shift_m,
               "stop_y": net.y[nodes], "crs": net.crs},
        route_id=np.array([f"r{i}" for i in range(len(lines))], dtype=object),
        route_name=np.array([f"ferry {i}" for i in range(len(lines))], dtype=object),
        route_type=np.full(len(lines), route_type), trip_id=np.array([f"t{i}" for i in range(t)], dtype=object),
        trip_route=np.array(trip_route), trip_service=np.zeros(t, dtype=int), calendar=cal,
        st_trip=np.array(st_trip), st_stop=np.array(st_stop), st_arr=np.array(st_arr), st_dep=np.array(st_dep),
        report=ValidationReport(), meta={"source": "test feed"})
    return replace(tt, date=day)


def test_crossings_of_the_real_samsoe_ferries(samsoe):
    cross = ferry_crossings(samsoe)
    assert len(cross) == 4  # two car ferries, both directions (the third, Aarhus-Sælvig, is passenger-only)
    assert (cross["edges"] == 1).all() and (cross["seconds"] > 15 * 60).all()


def test_half_headway_and_next_departure_replace_the_configured_wait(samsoe):
    cross = ferry_crossings(samsoe)
    a = cross.iloc[0]
    b = cross[(cross["from_node"] == a["to_node"]) & (cross["to_node"] == a["from_node"])].iloc[0]
    c = cross[~cross["first_edge"].isin([a["first_edge"], b["first_edge"]])].iloc[0]  # the other ferry
    tt = _feed(samsoe, [(int(a["from_node"]), int(a["to_node"]), ["07:00", "07:45", "08:30", "10:00"], 60),
                        (int(b["from_node"]), int(b["to_node"]), ["08:00"], 60)], route_type=1200)
    net2, table = ferry_waits_from_timetable(samsoe, tt, window="07:00-09:00")
    row = table.set_index("first_edge")
    assert row.loc[a["first_edge"], "departures"] == 3
    assert row.loc[a["first_edge"], "wait_minutes"] == pytest.approx(120 / 3 / 2)
    assert row.loc[a["first_edge"], "source"] == "timetable: half the mean headway"
    assert row.loc[b["first_edge"], "wait_minutes"] == pytest.approx(60.0)
    assert row.loc[c["first_edge"], "source"].startswith("default: nearest ferry stop")
    assert row.loc[c["first_edge"], "wait_minutes"] == 15.0
    assert row.loc[a["first_edge"], "from_stop_m"] < 1e-6
    # the network: only the boarding edges changed, by the difference to the configured 15 minutes
    d = net2.seconds - samsoe.seconds
    ea, eb = int(a["first_edge"]), int(b["first_edge"])
    assert d[ea] == pytest.approx((20 - 15) * 60) and d[eb] == pytest.approx(45 * 60)
    assert np.count_nonzero(d) == 2
    u, v = np.array([int(a["from_node"])]), np.array([int(a["to_node"])])
    got = Router(net2, cache=False).node_times(u, v)[0, 0]
    base = Router(samsoe, cache=False).node_times(u, v)[0, 0]
    assert got == pytest.approx(base + 300.0)
    assert net2.meta["ferry_waits"]["crossings"][0]["source"]
    # a given clock time at the quay: the next departure
    _, at = ferry_waits_from_timetable(samsoe, tt, at="07:10")
    assert at.set_index("first_edge").loc[a["first_edge"], "wait_minutes"] == pytest.approx(35.0)
    _, late = ferry_waits_from_timetable(samsoe, tt, at="23:00")
    assert late.set_index("first_edge").loc[a["first_edge"], "source"] == "default: no departure after 23:00 that day"


def test_feed_stops_far_from_the_quays_are_reported_with_the_distance(samsoe):
    cross = ferry_crossings(samsoe)
    a = cross.iloc[0]
    tt = _feed(samsoe, [(int(a["from_node"]), int(a["to_node"]), ["07:00"], 60)], shift_m=2500.0)
    with pytest.warns(DataWarning, match="far from every ferry quay.*2,500 m"):
        _, table = ferry_waits_from_timetable(samsoe, tt, window="07:00-09:00")
    mine = table[table["first_edge"] == a["first_edge"]].iloc[0]
    assert mine["from_stop_m"] == pytest.approx(2500.0, abs=1.0)
    assert "2,500 m" in mine["source"] and mine["wait_minutes"] == 15.0


def test_feed_without_ferries_and_bad_input(samsoe):
    cross = ferry_crossings(samsoe)
    a = cross.iloc[0]
    bus = _feed(samsoe, [(int(a["from_node"]), int(a["to_node"]), ["07:00"], 60)], route_type=3)
    with pytest.warns(DataWarning, match="no ferry routes"):
        net2, table = ferry_waits_from_timetable(samsoe, bus)
    assert np.array_equal(net2.seconds, samsoe.seconds) and (table["wait_minutes"] == 15.0).all()
    with pytest.raises(InputError, match="HH:MM"):
        ferry_waits_from_timetable(samsoe, bus, at="7 o'clock")
    with pytest.raises(InputError, match="for_date"):
        ferry_waits_from_timetable(samsoe, replace(bus, date=None))
