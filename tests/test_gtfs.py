"""GTFS reader: hand-made edge cases (tests/fixtures/gtfs_min) and the real feeds."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from feed_skips import GTFS_MIN, TAMPERE, skips

from geoaccess.errors import InputError
from geoaccess.transit.feed import detect_format, read_feed
from geoaccess.transit.gtfs import parse_gtfs_time, read_gtfs
from geoaccess.transit.routing import raptor

FIX = Path(__file__).parent / "fixtures" / "gtfs_min"


@pytest.fixture(scope="module")
def tt():
    with skips(*GTFS_MIN):  # the fixture's deliberate defects, tested below
        return read_gtfs(FIX)


def _events(tt, trip_id):
    trip, stop, arr, dep = tt.stop_times()
    sel = tt.trip_id[trip] == trip_id
    return list(tt.stop_id[stop[sel]]), arr[sel].tolist(), dep[sel].tolist()


def test_parse_times_past_midnight():
    got = parse_gtfs_time(["00:00:00", "7:05:09", "24:10:00", "25:00:01", ""])
    np.testing.assert_array_equal(got[:4], [0, 7 * 3600 + 5 * 60 + 9, 86400 + 600, 90001])
    assert np.isnan(got[4])


def test_duplicate_stop_id_keeps_first(tt):
    i = tt.stop_index("B")[0]
    assert (tt.stop_id == "B").sum() == 1
    assert tt.stop_lat[i] == pytest.approx(60.0) and tt.stop_lon[i] == pytest.approx(11.01)
    rows = {(r["what"], r["reason"]): r for r in tt.report.rows()}
    assert rows[("stop", "duplicate stop_id (first row kept)")]["count"] == 1


def test_stops_without_coordinates(tt):
    x, p, y = tt.stop_index(["X", "P", "Y"])
    assert tt.stop_lat[x] == tt.stop_lat[p] and tt.stop_lon[x] == tt.stop_lon[p]  # inherits its station
    assert np.isnan(tt.stop_x[y]) and np.isnan(tt.stop_y[y])
    assert tt.fp_ptr[y] == tt.fp_ptr[y + 1]  # no footpath from a stop without coordinates
    assert tt.summary()["stops_without_coordinates"] == 1


def test_interpolated_time_and_overnight(tt):
    stops, arr, dep = _events(tt, "T1")
    assert stops == ["A", "B", "X"] and arr == [28800, 29100, 29400]  # B halfway between 08:00 and 08:10
    stops, arr, dep = _events(tt, "T2")
    assert arr == [85800, 86700, 87600] and dep[1] == 86760  # 24:05 and 24:20 kept past midnight


def test_frequencies_expand_at_headway(tt):
    ids = sorted(t for t in tt.trip_id if str(t).startswith("T4@"))
    assert ids == ["T4@21600", "T4@22800", "T4@24000"]  # 06:00, 06:20, 06:40; 07:00 is the end (exclusive)
    _, arr, _ = _events(tt, "T4@22800")
    assert arr == [22800, 23100]  # template's 5-minute run time kept


def test_calendar_exceptions_and_calendar_dates_only_service(tt):
    wed = tt.for_date("2024-01-10")  # WK removed that day; only yesterday's overnight trip remains
    assert list(wed.trip_id) == ["T2@-1d"]
    sat = tt.for_date(dt.date(2024, 1, 13))  # EXTRA (calendar_dates only) plus Friday's overnight trip
    assert sorted(sat.trip_id) == ["T2@-1d", "T3"]
    thu = tt.for_date("2024-01-11")
    assert "T1" in set(thu.trip_id) and "T2@-1d" not in set(thu.trip_id)  # Wednesday had no service


def test_overnight_trip_usable_next_morning(tt):
    day = tt.for_date("2024-01-12")
    _, arr, _ = _events(day, "T2@-1d")
    assert arr == [-600, 300, 1200]
    got = raptor(day, ["B"], None, 0.0)
    assert got[day.stop_index("X")[0]] == 1200.0  # ride the 23:50 trip of the 11th from B at 00:00


def test_no_service_names_dates(tt):
    with pytest.raises(InputError, match=r"no service on 2024-01-14.*2024-01-01"):
        tt.for_date("2024-01-14")
    with pytest.raises(InputError, match="2024-01-31"):
        tt.for_date("2025-06-01")


def test_transfers_override_and_forbid(tt):
    b, c, d = tt.stop_index(["B", "C", "D"])
    to_b = dict(
        zip(tt.fp_stop[tt.fp_ptr[b] : tt.fp_ptr[b + 1]].tolist(), tt.fp_seconds[tt.fp_ptr[b] : tt.fp_ptr[b + 1]], strict=False)
    )
    to_c = set(tt.fp_stop[tt.fp_ptr[c] : tt.fp_ptr[c + 1]].tolist())
    assert to_b[c] == 120.0  # min_transfer_time replaces the straight-line estimate
    assert d not in to_c  # transfer_type 3: not possible
    # straight-line C -> B: ~222 m (0.002 deg lat) x 1.3 at 5 km/h
    from pyproj import Geod

    _, _, dist = Geod(ellps="GRS80").inv(11.01, 60.002, 11.01, 60.0)
    back = tt.fp_seconds[tt.fp_ptr[c] : tt.fp_ptr[c + 1]][0]
    assert back == pytest.approx(dist * 1.3 / (5 / 3.6), rel=2e-3)


def test_ferry_route_type(tt):
    assert 4 in set(tt.route_type.tolist())
    assert "ferry" in tt.summary()["modes"]


def test_calendar_dates_only_feed(tmp_path):
    feed = tmp_path / "feed"
    shutil.copytree(FIX, feed)
    (feed / "calendar.txt").unlink()
    (feed / "calendar_dates.txt").write_text("service_id,date,exception_type\nWK,20240105,1\nEXTRA,20240106,1\n")
    with skips(*GTFS_MIN):
        t = read_gtfs(feed)
    assert [d.isoformat() for d in t.service_dates()] == ["2024-01-05", "2024-01-06"]
    assert "T1" in set(t.for_date("2024-01-05").trip_id)


def test_stop_times_out_of_order(tmp_path, tt):
    feed = tmp_path / "feed"
    shutil.copytree(FIX, feed)
    text = (feed / "stop_times.txt").read_text().replace("T1,08:10:00,08:10:00,X,3", "T1,07:50:00,07:50:00,X,3")
    (feed / "stop_times.txt").write_text(text)
    with pytest.raises(InputError, match=r"out of order for trip 'T1' at stop_sequence 3"):
        read_gtfs(feed)
    # the fixture's two defects, and T1 (once: not again as "no usable stop_times")
    with skips(3, "1 stop: duplicate stop_id (first row kept); 1 trip: stop times go backwards along the trip; "
                  "1 trip: only one timed stop)"):
        t = read_gtfs(feed, strict=False)
    assert "T1" not in set(t.trip_id)
    skipped = {(r["what"], r["reason"]): r for r in t.report.rows() if r["action"] == "skipped"}
    assert skipped[("trip", "stop times go backwards along the trip")]["examples"] == "T1"
    assert t.report.count("trip", action="skipped") == 2 and set(tt.trip_id) - set(t.trip_id) == {"T1"}


def test_zip_neither_gtfs_nor_netex(tmp_path):
    z = tmp_path / "photos.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("readme.txt", "hello")
        zf.writestr("data.xml", "<root><a/></root>")
    with pytest.raises(InputError, match="neither GTFS .* nor NeTEx"):
        read_feed(z)
    notzip = tmp_path / "x.zip"
    notzip.write_text("not a zip")
    with pytest.raises(InputError, match="not a zip"):
        detect_format(notzip)


def test_zipped_fixture_equals_folder(tmp_path, tt):
    z = tmp_path / "min.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in FIX.glob("*.txt"):
            zf.write(f, f"inner/{f.name}")  # feeds zipped with a top folder are accepted
    assert detect_format(z) == "gtfs"
    with skips(*GTFS_MIN):
        tz = read_feed(z)
    assert list(tz.trip_id) == list(tt.trip_id) and np.array_equal(tz.arr, tt.arr)


# ------------------------------------------------------------------------------ real feeds
def test_tampere_feed(dataset):
    with skips(*TAMPERE):
        t = read_gtfs(dataset("transit/tampere_gtfs.zip"))
    s = t.summary()
    assert s["stops"] == 1141 and s["trips"] == 5630  # 5641 rows in trips.txt, 11 with < 2 timed stops
    assert t.report.count("trip") == 11
    assert {0, 3} <= set(t.route_type[t.pattern_route].tolist())  # tram and bus
    day = t.for_date("2022-01-12")
    # patterns are FIFO: departures (and arrivals) never decrease from one trip to the next at any position
    for p in range(day.n_patterns):
        a, b = day.pattern_trip_ptr[p], day.pattern_trip_ptr[p + 1]
        L = day.pattern_stop_ptr[p + 1] - day.pattern_stop_ptr[p]
        if b - a < 2:
            continue
        starts = day.trip_time_ptr[a:b]
        deps = day.dep[starts[:, None] + np.arange(L)]
        arrs = day.arr[starts[:, None] + np.arange(L)]
        assert np.all(np.diff(deps, axis=0) >= 0) and np.all(np.diff(arrs, axis=0) >= 0)
    # stop -> pattern index points back at the stop
    for s in range(0, day.n_stops, 37):
        for j in range(day.stop_pattern_ptr[s], day.stop_pattern_ptr[s + 1]):
            p, pos = day.stop_pattern[j], day.stop_pattern_pos[j]
            assert day.pattern_stops[day.pattern_stop_ptr[p] + pos] == s


@pytest.mark.parametrize(
    ("name", "stops", "date"),
    [("transit/flaamsbana_gtfs.zip", 22, "2019-06-01"), ("transit/flybussekspressen_gtfs_2016.zip", 204, "2016-03-23")],
)
def test_norwegian_gtfs_feeds(dataset, name, stops, date):
    t = read_feed(dataset(name))
    assert t.n_stops == stops and t.crs == "EPSG:25833"
    day = t.for_date(date)
    assert day.n_trips > 0 and day.date == dt.date.fromisoformat(date)


def test_cli_transit_load(tmp_path):
    from typer.testing import CliRunner

    from geoaccess.cli import _register, app

    _register()
    res = CliRunner().invoke(app, ["transit", "load", str(FIX), "--date", "2024-01-13"])
    assert res.exit_code == 0, res.output
    assert "2024-01-13" in res.stdout and "duplicate stop_id" in res.stdout
    # the reader's skip warning: one line on stderr, and the command goes on (exit 0)
    warned = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(warned) == 1 and warned[0].startswith("warning: ") and "2 object(s) skipped" in warned[0]
    bad = CliRunner().invoke(app, ["transit", "load", str(FIX), "--date", "2024-01-14"])
    assert bad.exit_code != 0 and "no service on 2024-01-14" in str(bad.exception)
