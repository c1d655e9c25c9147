"""NeTEx (Nordic profile) reader: hand-made edge cases (tests/fixtures/netex_min) and Ruter's Øvre Romerike."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import pytest
from feed_skips import NETEX_MIN, RUTER_2017, skips

from geoaccess.errors import InputError
from geoaccess.transit.feed import detect_format, read_feed
from geoaccess.transit.netex import read_netex
from geoaccess.transit.routing import raptor

FIX = Path(__file__).parent / "fixtures" / "netex_min"
J = "TST:ServiceJourney:"


@pytest.fixture(scope="module")
def tt():
    with skips(*NETEX_MIN):  # the fixture's deliberate defects, tested below
        return read_netex(FIX)


def _reasons(tt):
    return {(r["what"], r["reason"]): r for r in tt.report.rows()}


def test_quays_and_coordinates(tt):
    assert sorted(tt.stop_id) == [f"TST:Quay:{i}" for i in (1, 2, 3, 4, 9)]
    q3, q9 = tt.stop_index(["TST:Quay:3", "TST:Quay:9"])
    assert (tt.stop_lon[q3], tt.stop_lat[q3]) == (11.1, 60.19)  # from its StopPlace centroid
    assert tt.stop_name[q3] == "Gardermoen test"
    assert np.isnan(tt.stop_x[q9])
    assert tt.crs == "EPSG:25833"


def test_missing_references_counted_and_skipped(tt):
    assert sorted(tt.trip_id) == [J + "J1", J + "J2", J + "J6"]
    r = _reasons(tt)
    for reason, jid in [
        ("JourneyPatternRef to a missing JourneyPattern", "J3"),
        ("no DayTypeRef to an existing DayType (no service dates)", "J4"),
        ("ScheduledStopPoint without PassengerStopAssignment to a Quay", "J5"),
        ("StopPointInJourneyPatternRef to a missing StopPointInJourneyPattern", "J7"),
    ]:
        row = r[("ServiceJourney", reason)]
        assert row["count"] == 1 and row["examples"] == J + jid and row["action"] == "skipped"
    assert r[("DayTypeRef", "reference to a missing DayType (reference dropped)")]["count"] == 1
    assert tt.report.count("ServiceJourney", action="skipped") == 4


def test_passing_times_in_pattern_order(tt):
    trip, stop, arr, dep = tt.stop_times()
    sel = tt.trip_id[trip] == J + "J1"
    assert list(tt.stop_id[stop[sel]]) == ["TST:Quay:1", "TST:Quay:2", "TST:Quay:3"]  # by order, not XML order
    assert arr[sel].tolist() == [27000, 27300, 28200] and dep[sel].tolist() == [27000, 27360, 28200]
    sel = tt.trip_id[trip] == J + "J2"
    assert arr[sel].tolist() == [86100, 86700, 87600]  # DayOffset 1: past midnight


def test_day_types_operating_period_and_exceptions(tt):
    dates = [d.isoformat() for d in tt.service_dates()]
    # Monday-Friday 4-15 Sept except Friday 8th (isAvailable=false), plus Sunday 10th (ferry)
    assert dates == [
        "2017-09-04",
        "2017-09-05",
        "2017-09-06",
        "2017-09-07",
        "2017-09-10",
        "2017-09-11",
        "2017-09-12",
        "2017-09-13",
        "2017-09-14",
        "2017-09-15",
    ]
    assert sorted(tt.for_date("2017-09-10").trip_id) == [J + "J6"]


def test_no_service_date_error(tt):
    with pytest.raises(InputError, match=r"no service on 2017-09-09.*2017-09-04"):
        tt.for_date("2017-09-09")


def test_overnight_and_ferry_routing(tt):
    tue = tt.for_date("2017-09-12")
    assert J + "J2@-1d" in set(tue.trip_id)  # Monday's late journey still running after midnight
    _, q2, q3, q4 = tue.stop_index(["TST:Quay:1", "TST:Quay:2", "TST:Quay:3", "TST:Quay:4"])
    got = raptor(tue, [q2], None, 0.0)
    assert got[q3] == 1200.0  # 00:20 by J2 of the previous day
    sun = tt.for_date("2017-09-10")
    assert 4 in set(sun.route_type[sun.pattern_route].tolist())  # TransportMode water -> ferry
    assert raptor(sun, [q3], None, 11 * 3600)[q4] == 12 * 3600 + 40 * 60


def test_lines_only_delivery_reports_missing_stops(tmp_path):
    z = tmp_path / "lines_only.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(FIX / "line_1.xml", "line_1.xml")
    assert detect_format(z) == "netex"
    with pytest.raises(InputError, match="none of the 7 ServiceJourneys could be used") as err:
        read_feed(z)
    assert "_common file" in str(err.value)
    assert "no DayTypeRef to an existing DayType" in str(err.value)  # the report comes with the error


# ------------------------------------------------------------------------------ real feed
@pytest.fixture(scope="module")
def romerike(dataset):
    with skips(*RUTER_2017):
        return read_netex(dataset("transit/ruter_ovre_romerike_netex_2017.zip"))


def test_ovre_romerike(romerike):
    s = romerike.summary()
    assert s["stops"] == 1859 and s["routes"] == 97 and s["modes"] == "bus"
    assert s["trips"] == 4401  # 4,402 ServiceJourneys, one passes a missing StopPointInJourneyPattern
    r = _reasons(romerike)
    assert r[("ServiceJourney", "StopPointInJourneyPatternRef to a missing StopPointInJourneyPattern")]["count"] == 1
    assert r[("XML file", "no XML element at all (an empty file; nothing to read)")]["examples"] == "blocks.xml"
    assert (s["first_service_date"], s["last_service_date"], s["service_dates"]) == ("2017-07-10", "2017-10-01", 84)
    assert np.all(np.isfinite(romerike.stop_x))
    # quays lie in Øvre Romerike / Oslo, in EPSG:25833 metres
    assert 240_000 < np.median(romerike.stop_x) < 320_000 and 6_640_000 < np.median(romerike.stop_y) < 6_720_000
    tue = romerike.for_date(dt.date(2017, 9, 12))
    sun = romerike.for_date(dt.date(2017, 9, 10))
    assert tue.n_trips > 2 * sun.n_trips > 0
