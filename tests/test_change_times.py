"""Minimum change times in RAPTOR against a Connection Scan that applies the same rules.

The oracle (:func:`connection_scan`) is written here from the definition: connections sorted by
departure; a trip can be boarded at a stop when it departs no earlier than the earliest arrival
there on foot (or at the origin), or the earliest arrival by vehicle plus the stop's minimum
change time; staying on board is free; one footpath may be walked after each vehicle and from
the origin. Scans repeat until nothing changes (zero-length connections may tie), remembering per
trip the first connection boarded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geoaccess.errors import InputError
from geoaccess.transit.raptor import change_times, earliest_arrival_table, raptor
from tests.test_raptor import timetables

INF = float("inf")


def connection_scan(tt, origin: int, t0: float, change_s: np.ndarray) -> np.ndarray:
    """Earliest arrival at every stop (seconds), Connection Scan with minimum change times."""
    trip, stop, arr, dep = tt.stop_times()
    same = trip[1:] == trip[:-1]
    c_trip, c_from, c_to = trip[:-1][same], stop[:-1][same], stop[1:][same]
    c_dep, c_arr = dep[:-1][same].astype(float), arr[1:][same].astype(float)
    order = np.lexsort((c_arr, c_dep))
    walks = [[(int(tt.fp_stop[j]), float(tt.fp_seconds[j])) for j in range(tt.fp_ptr[s], tt.fp_ptr[s + 1])]
             for s in range(tt.n_stops)]
    vehicle = [INF] * tt.n_stops
    foot = [INF] * tt.n_stops
    foot[origin] = t0
    for u, w in walks[origin]:
        foot[u] = min(foot[u], t0 + w)
    boarded_at = [len(c_trip)] * len(tt.trip_id)  # earliest connection (in trip order) boarded, per trip
    mct = [float(x) for x in change_s]
    changed = True
    while changed:  # connections of one trip are numbered in trip order, so "on board" is c >= boarded_at
        changed = False
        for c in order.tolist():
            d = c_dep[c]
            if d < t0:
                continue
            s, t, tr = int(c_from[c]), int(c_to[c]), int(c_trip[c])
            if c < boarded_at[tr] and min(vehicle[s] + mct[s], foot[s]) <= d:
                boarded_at[tr] = c
                changed = True
            if c >= boarded_at[tr] and c_arr[c] < vehicle[t]:
                vehicle[t] = c_arr[c]
                changed = True
                for u, w in walks[t]:
                    if c_arr[c] + w < foot[u]:
                        foot[u] = c_arr[c] + w
    return np.minimum(np.array(vehicle), np.array(foot))


@settings(max_examples=200, deadline=None)
@given(timetables(), st.lists(st.sampled_from([0.0, 30.0, 120.0, 300.0, INF]), min_size=9, max_size=9))
def test_raptor_with_change_times_equals_connection_scan_on_random_timetables(case, mct):
    tt, origin, t0 = case
    change = np.asarray(mct[: tt.n_stops], dtype=float)
    got = raptor(tt, [origin], None, float(t0), max_transfers=30, change_s=change)
    want = connection_scan(tt, origin, float(t0), change)
    np.testing.assert_array_equal(got, want)


@pytest.fixture(scope="module")
def feeds(dataset):
    import warnings

    from geoaccess.transit.gtfs import read_gtfs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the feeds' own skipped trips are reported by their readers' tests
        return {
            "tampere": read_gtfs(dataset("transit/tampere_gtfs.zip")).for_date("2022-01-12"),
            "flaamsbana": read_gtfs(dataset("transit/flaamsbana_gtfs.zip")).for_date("2019-06-12"),
            "flybussekspressen": read_gtfs(dataset("transit/flybussekspressen_gtfs_2016.zip")).for_date("2016-02-10"),
        }


@pytest.mark.parametrize("name,default_s,n_queries", [("tampere", 120.0, 25), ("flaamsbana", 300.0, 30),
                                                       ("flybussekspressen", 300.0, 40)])
def test_raptor_equals_connection_scan_on_real_feeds(feeds, name, default_s, n_queries):
    """100 % of stop arrivals equal the Connection Scan with the same change times (feed rules + a default)."""
    tt = feeds[name]
    mct = change_times(tt, default_s=default_s)
    rng = np.random.default_rng(1)
    served = np.unique(tt.pattern_stops)
    differ = 0
    for _ in range(n_queries):
        o = int(rng.choice(served))
        t0 = float(rng.integers(6 * 3600, 10 * 3600))
        got = raptor(tt, [o], None, t0, max_transfers=30, change_s=mct)
        want = connection_scan(tt, o, t0, mct)
        np.testing.assert_array_equal(got, want)
        free = raptor(tt, [o], None, t0, max_transfers=30, change_s=0.0)
        differ += int((free < got).sum())
    if name == "tampere":  # a city network: the change times bite (Flåmsbana is one line; the airport
        assert differ > 0  # coaches run radially and these queries make no change)


def test_feed_rules_within_a_stop(feeds):
    """Tampere's transfers.txt: same-stop type 2 sets the time, type 3 forbids changing there; others keep the default."""
    tt = feeds["tampere"]
    r = tt.meta["transfer_rules"]
    mct = change_times(tt, default_s=90.0)
    plain = (r.from_stop == r.to_stop) & (r.from_trip_id == "") & (r.from_route_id == "")
    for s, kind, m in zip(r.from_stop[plain], r.transfer_type[plain], r.min_transfer_s[plain], strict=True):
        want = {0: 90.0, 1: 0.0, 2: m, 3: INF}[int(kind)]
        assert mct[s] == want
    others = np.setdiff1d(np.arange(tt.n_stops), r.from_stop[plain])
    assert (mct[others] == 90.0).all()
    # user values by stop id win
    sid = str(tt.stop_id[others[0]])
    assert change_times(tt, default_s=90.0, per_stop={sid: 15.0})[others[0]] == 15.0
    with pytest.raises(InputError, match="seconds >= 0"):
        change_times(tt, default_s=-1)
    with pytest.raises(InputError, match="Unknown stop"):
        change_times(tt, per_stop={"no-such-stop": 10.0})


def test_change_time_by_hand():
    """Trip A 0 -> 1 arrives 100 s; trip B 1 -> 2 departs 150 s, trip C 1 -> 2 at 400 s: a 40 s change catches B, 120 s C."""
    from tests.test_raptor import _random_timetable

    tt = _random_timetable(3, [([0, 1], 0, [100], 0), ([1, 2], 150, [50], 0), ([1, 2], 400, [50], 0)], [])
    assert raptor(tt, [0], None, 0.0, change_s=np.array([0, 40.0, 0]))[2] == 200.0
    assert raptor(tt, [0], None, 0.0, change_s=np.array([0, 50.0, 0]))[2] == 200.0  # exactly in time
    assert raptor(tt, [0], None, 0.0, change_s=np.array([0, 120.0, 0]))[2] == 450.0
    assert raptor(tt, [0], None, 0.0, change_s=np.array([0, INF, 0]))[2] == INF
    # starting at stop 1 (no vehicle before): no change time applies
    assert raptor(tt, [1], None, 150.0, change_s=np.array([0, 120.0, 0]))[2] == 200.0


def test_earliest_cli_writes_one_row_per_reached_stop(feeds, dataset, tmp_path):
    tt = feeds["flybussekspressen"]
    served = np.unique(tt.pattern_stops)
    stop = str(tt.stop_id[served[0]])
    out = tmp_path / "earliest.csv"
    from typer.testing import CliRunner

    from geoaccess.cli import _register, app

    _register()
    args = ["transit", "earliest", str(dataset("transit/flybussekspressen_gtfs_2016.zip")), "--date", "2016-02-10",
            "--from", stop, "--at", "07:30", "--out", str(out), "--change-seconds", "300"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out, dtype={"stop_id": str})
    want = earliest_arrival_table(tt, stop, 7.5 * 3600, change_s=change_times(tt, default_s=300.0))
    assert list(got.columns) == ["stop_id", "stop_name", "arrival", "arrival_hms"]
    assert got["stop_id"].tolist() == want["stop_id"].tolist()
    np.testing.assert_allclose(got["arrival"], want["arrival"])
    assert got.loc[0, "stop_id"] == stop and got.loc[0, "arrival_hms"] == "07:30:00"
    bad = CliRunner().invoke(app, [*args[:7], "--at", "7h30", "--out", str(out)])
    assert bad.exit_code != 0 and "--at" in str(bad.exception) + bad.output
