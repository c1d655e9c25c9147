"""Fuzzing in the suite (issue 11 item 7): hypothesis properties for every text parser.

Each property says what a parser may do with any input: return a value that satisfies an
invariant checked against an independent oracle (a plain-Python re-implementation, the
clean fixture, the input itself), or raise :class:`~geoaccess.errors.InputError` (or its
:class:`~geoaccess.errors.LimitError`). Any other exception is a bug.

On CI (``CI=true``) the derandomised ``ci`` profile of ``tests/conftest.py`` makes the run
reproducible; the whole module takes well under two minutes. A long campaign multiplies
every example budget (see docs/robustness.md)::

    GEOACCESS_FUZZ_SCALE=200 .venv/bin/python -m pytest -p no:xdist --hypothesis-profile=long \\
        tests/test_fuzz_parsers.py

Grid ids (SSB ``ru250m``/``ssbid_1000m``): the properties are written against
:func:`geoaccess.layers.ssb_ids.decode_ssb_ids`, the decoder ``geoaccess.layers.population``
uses.
"""

from __future__ import annotations

import io
import math
import os
import re
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from geoaccess.errors import DataWarning, InputError

FIX = Path(__file__).parent / "fixtures"
_SCALE = float(os.environ.get("GEOACCESS_FUZZ_SCALE", "1"))


def examples(n: int):  # noqa: ANN201 - a hypothesis settings decorator
    """``n`` examples (times ``GEOACCESS_FUZZ_SCALE``), no deadline, tmp_path allowed."""
    return settings(
        max_examples=max(1, int(n * _SCALE)),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# Values a careful tester tries: numbers of every kind, signs, units, separators, text.
hostile = st.one_of(
    st.text(max_size=24),
    st.sampled_from(["", " ", "inf", "-inf", "nan", "NaN", "1e400", "-0", "0", "1e20", str(2**63), str(2**64),
                     "0x10", "1_000", "٣", "٠٣٠١", "٠٨:٠٠:٠٠", "½", "\x00", "08:00:00", "25:61:00", "-1", "9" * 40, "1,5", "1.5"]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.from_regex(r"\A-?\d{1,12}(:\d{1,3}){0,4}(\.\d+)?\Z"),
)


# --------------------------------------------------------------------------- OSM tags
@examples(400)
@given(hostile)
def test_tag_parsers_never_raise_and_respect_the_bounds(value):
    from geoaccess.limits import get_limits
    from geoaccess.network.tags import parse_duration, parse_maxspeed, tag_problem

    lim = get_limits()
    kmh = parse_maxspeed(value)
    assert kmh is None or kmh == math.inf or lim.speeds.contains(kmh)
    sec = parse_duration(value)
    assert sec is None or 0 < sec <= lim.durations.ferry_max_hours * 3600
    assert isinstance(tag_problem("maxspeed", value), str) and isinstance(tag_problem("duration", value), str)


@examples(300)
@given(st.floats(min_value=0.01, max_value=1e6), st.sampled_from(["", " km/h", " mph", " knots", "kmh"]))
def test_maxspeed_numbers_oracle(number, unit):
    from geoaccess.limits import get_limits
    from geoaccess.network.tags import KNOT_KMH, MPH_KMH, parse_maxspeed

    text = f"{number:.3f}{unit}"
    factor = {"": 1.0, " km/h": 1.0, "kmh": 1.0, " mph": MPH_KMH, " knots": KNOT_KMH}[unit]
    expect = float(f"{number:.3f}") * factor
    got = parse_maxspeed(text)
    if expect > 0 and get_limits().speeds.contains(expect):
        assert got == pytest.approx(expect)
    else:
        assert got is None


@examples(300)
@given(st.integers(0, 80), st.integers(0, 99), st.integers(0, 99))
def test_duration_hms_oracle(h, m, s):
    from geoaccess.network.tags import parse_duration

    got = parse_duration(f"{h}:{m:02d}:{s:02d}")
    total = h * 3600 + m * 60 + s
    if m >= 60 or s >= 60 or total == 0 or total > 72 * 3600:
        assert got is None
    else:
        assert got == total


@examples(150)
@given(st.dictionaries(
    st.sampled_from(["highway", "route", "maxspeed", "oneway", "duration", "access", "motor_vehicle", "junction",
                     "foot", "bicycle", "oneway:bicycle", "area", "motorroad", "sidewalk"]),
    st.one_of(hostile, st.sampled_from(["primary", "residential", "ferry", "motorway", "yes", "no", "-1",
                                        "roundabout", "designated", "private", "footway", "cycleway"])),
))
def test_evaluate_way_never_raises(tags):
    from geoaccess.network.profiles import evaluate_way, load_profile
    from geoaccess.network.tags import TagWarnings

    w = TagWarnings()
    for name in ("car", "walk", "bike"):
        rule = evaluate_way(tags, load_profile(name), w, way_id=1)
        if rule is not None:
            assert rule.kmh > 0 and math.isfinite(rule.kmh) and rule.direction in (-1, 0, 1)
            assert math.isnan(rule.duration_s) or rule.duration_s > 0
    assert sum(v["count"] for v in w.to_dict().values()) == len(w)


# --------------------------------------------------------------------------- GTFS times and columns
_GTFS_TIME = re.compile(r"^([0-9]{1,9}):([0-5][0-9]):([0-5][0-9])$")


def _time_oracle(v: str) -> float:
    m = _GTFS_TIME.match(v.strip())
    return math.nan if m is None else int(m[1]) * 3600 + int(m[2]) * 60 + int(m[3])


@examples(200)
@given(st.lists(hostile, max_size=12))
def test_gtfs_time_parser_matches_a_plain_python_oracle(values):
    from geoaccess.transit.gtfs import parse_gtfs_time

    got = parse_gtfs_time(values)
    want = np.array([_time_oracle(str(v)) for v in values], dtype=float)
    np.testing.assert_array_equal(got, want)


@examples(200)
@given(st.integers(0, 200), st.integers(0, 59), st.integers(0, 59))
def test_gtfs_time_roundtrip(h, m, s):
    from geoaccess.transit.gtfs import parse_gtfs_time

    assert parse_gtfs_time([f"{h}:{m:02d}:{s:02d}", f"{h:02d}:{m:02d}:{s:02d}"]).tolist() == [h * 3600 + m * 60 + s] * 2


_CLEAN: dict[str, object] = {}


def _clean(kind: str):  # noqa: ANN202 - a Timetable
    if kind not in _CLEAN:
        from geoaccess.transit.gtfs import read_gtfs
        from geoaccess.transit.netex import read_netex

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            _CLEAN[kind] = read_gtfs(FIX / "gtfs_min", footpaths=False) if kind == "gtfs" else read_netex(
                FIX / "netex_min", footpaths=False)
    return _CLEAN[kind]


def _read_or_refuse(reader, path: Path, **kw):  # noqa: ANN001, ANN202 - a reader and its Timetable
    """The timetable, or None when the reader refused the input with an InputError (the only allowed failure)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            return reader(path, **kw)
    except InputError:
        return None


def _renamed_from(got: str, known: set[str], junk: bytes) -> str | None:
    """The known id that ``got`` is with characters inserted in one place (where ``junk`` went), or None.

    Bytes inserted inside an id attribute that XML reads as characters rename that id (not a loss);
    an invalid character is dropped, never glued to the id as U+FFFD (a bug this test found).
    """
    if "\ufffd" in got and "\ufffd".encode() not in junk:
        return None
    for k in known:
        head = len(os.path.commonprefix([got, k]))
        tail = len(os.path.commonprefix([got[::-1], k[::-1]]))
        if len(got) > len(k) and head + tail >= len(k):
            return k
    return None


def _check_timetable(tt, clean, *, junk: bytes | None = None) -> set[str]:  # noqa: ANN001
    """Invariants of any timetable a reader returns from a damaged copy of a clean feed.

    Every trip id is one of the clean feed's, or (with the ``junk`` bytes inserted) one renamed where they
    went; returns the clean ids found renamed.
    """
    assert np.isfinite(tt.arr).all() and (tt.dep >= tt.arr).all()
    known = {str(t) for t in clean.trip_id} | {str(t).split("@")[0] for t in clean.trip_id}  # incl. templates
    unknown = {str(t).split("@")[0] for t in tt.trip_id} - known
    renamed = {u: _renamed_from(u, known, junk) for u in unknown} if junk is not None else {}
    assert unknown == {u for u, k in renamed.items() if k is not None}, unknown
    assert (tt.fp_seconds >= 0).all()
    return set(renamed.values())


_GTFS_CELLS = [
    ("stop_times", "arrival_time"), ("stop_times", "departure_time"), ("stop_times", "stop_sequence"),
    ("stop_times", "stop_id"), ("stops", "stop_lat"), ("stops", "stop_lon"), ("routes", "route_type"),
    ("calendar", "start_date"), ("calendar", "monday"), ("calendar_dates", "exception_type"),
    ("frequencies", "headway_secs"), ("frequencies", "end_time"), ("transfers", "min_transfer_time"),
    ("transfers", "transfer_type"), ("trips", "service_id"),
]


@examples(50)
@given(st.sampled_from(_GTFS_CELLS), st.integers(0, 20), hostile, st.booleans())
def test_gtfs_reader_on_a_hostile_cell(tmp_path_factory, cell, row, value, strict):
    from geoaccess.transit.gtfs import read_gtfs

    file, column = cell
    feed = tmp_path_factory.mktemp("gtfs")
    shutil.copytree(FIX / "gtfs_min", feed, dirs_exist_ok=True)
    df = pd.read_csv(feed / f"{file}.txt", dtype=str, keep_default_na=False)
    df.loc[df.index[row % len(df)], column] = value
    df.to_csv(feed / f"{file}.txt", index=False)
    tt = _read_or_refuse(read_gtfs, feed, strict=strict, footpaths=True)
    if tt is not None:
        _check_timetable(tt, _clean("gtfs"))


@examples(40)
@given(st.sampled_from(["stops", "stop_times", "trips", "calendar", "transfers", "frequencies", "routes"]),
       st.binary(max_size=300))
def test_gtfs_reader_on_hostile_bytes(tmp_path_factory, file, data):
    from geoaccess.transit.gtfs import read_gtfs

    feed = tmp_path_factory.mktemp("gtfs")
    shutil.copytree(FIX / "gtfs_min", feed, dirs_exist_ok=True)
    original = (feed / f"{file}.txt").read_bytes()
    (feed / f"{file}.txt").write_bytes(original[: len(data) % (len(original) + 1)] + data)
    tt = _read_or_refuse(read_gtfs, feed, strict=False, footpaths=False)
    if tt is not None:
        _check_timetable(tt, _clean("gtfs"))


# --------------------------------------------------------------------------- NeTEx values and XML
@examples(400)
@given(hostile, st.one_of(st.none(), hostile))
def test_netex_passing_time_never_raises(value, offset):
    from geoaccess.transit.netex import parse_passing_time

    t = parse_passing_time(value, offset)
    assert math.isnan(t) or math.isinf(t) or 0 <= t <= 96 * 3600


@examples(200)
@given(st.integers(0, 23), st.integers(0, 59), st.integers(0, 59), st.integers(0, 3))
def test_netex_passing_time_roundtrip(h, m, s, days):
    from geoaccess.transit.netex import parse_passing_time

    assert parse_passing_time(f"{h:02d}:{m:02d}:{s:02d}", str(days)) == h * 3600 + m * 60 + s + 86400 * days


_NETEX_VALUES = ["ArrivalTime", "DepartureTime", "DepartureDayOffset", "Latitude", "Longitude", "Date", "FromDate",
                 "ToDate", "TransportMode", "DaysOfWeek"]


def _netex_variant(tmp_path: Path, change) -> Path:  # noqa: ANN001 - (name, bytes) -> bytes
    d = tmp_path / "netex"
    shutil.copytree(FIX / "netex_min", d)
    for p in sorted(d.glob("*.xml")):
        p.write_bytes(change(p.name, p.read_bytes()))
    return d


@examples(50)
@given(st.sampled_from(_NETEX_VALUES), st.integers(0, 30), hostile)
def test_netex_reader_on_a_hostile_value(tmp_path_factory, tag, which, value):
    from xml.sax.saxutils import escape

    from geoaccess.transit.netex import read_netex

    def change(_name: str, data: bytes) -> bytes:
        spans = [m.span(1) for m in re.finditer(rf"<{tag}>([^<]*)</{tag}>".encode(), data)]
        if not spans:
            return data
        a, b = spans[which % len(spans)]
        return data[:a] + escape(value).encode("utf-8", "surrogatepass") + data[b:]

    assume("\x00" not in value and not any(0xD800 <= ord(c) <= 0xDFFF for c in value))
    d = _netex_variant(tmp_path_factory.mktemp("nx"), change)
    tt = _read_or_refuse(read_netex, d, footpaths=False)
    if tt is not None:
        _check_timetable(tt, _clean("netex"))


@examples(50)
@given(st.integers(0, 10**6), st.binary(min_size=1, max_size=12), st.booleans())
@example(where=36631, junk=b"\x00", cut=False)  # a NUL right after J6's id=": was '\ufffdTST:ServiceJourney:J6'
@example(where=3587, junk=b" ", cut=False)  # a space there: J2 renamed ' TST:ServiceJourney:J2' (well-formed XML)
@example(where=13349, junk=b"A", cut=False)  # breaks a DayTypeRef's ref attribute: the missing-ref report held None
def test_netex_damaged_bytes_lose_nothing_uncounted(tmp_path_factory, where, junk, cut):
    """Any byte damage: the reader recovers or refuses, and every journey lost is counted.

    A journey whose id attribute the bytes land in keeps its times under the id as written (renamed, not lost).
    """
    from geoaccess.transit.netex import read_netex

    def change(name: str, data: bytes) -> bytes:
        if name.startswith("_"):
            return data
        k = where % len(data)
        return data[:k] + junk if cut else data[:k] + junk + data[k:]

    d = _netex_variant(tmp_path_factory.mktemp("nx"), change)
    clean = _clean("netex")
    tt = _read_or_refuse(read_netex, d, footpaths=False)
    if tt is None:
        return
    renamed = _check_timetable(tt, clean, junk=junk)
    missing = {str(t) for t in clean.trip_id} - {str(t) for t in tt.trip_id} - renamed
    if missing:  # a loss is never silent: the damage is reported as a skip
        damage = tt.report.count("XML file", action="skipped") + tt.report.count("NeTEx object", action="skipped")
        assert damage > 0 or tt.report.count("ServiceJourney", action="skipped") > 0
    if not cut:  # bytes inserted (the rest of the file is there): every lost journey is counted
        extra = tt.report.count(action="skipped") - clean.report.count(action="skipped")
        assert len(missing) <= max(extra, 0) + tt.report.count("NeTEx object", action="skipped")


# --------------------------------------------------------------------------- commuting rows
_code = st.one_of(st.sampled_from(["0301", "3024", "301", "0301.0", "5061"]), hostile)


@examples(150)
@given(st.lists(st.tuples(_code, _code, hostile), min_size=1, max_size=8))
def test_commuting_rows(rows):
    from geoaccess.layers.commuting import validate_flows

    df = pd.DataFrame(rows, columns=["origin", "destination", "workers"])
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DataWarning)
            out = validate_flows(df, duplicates="sum")
    except InputError:
        return
    assert all(issubclass(w.category, DataWarning) for w in caught)  # notes on the data, nothing else
    if any("more than once" in str(w.message) for w in caught):  # the sum over repeated pairs is said out loud
        assert not out.duplicated(["origin", "destination"]).any()
    assert out["origin"].str.fullmatch(r"\d{4}").all() and out["destination"].str.fullmatch(r"\d{4}").all()
    assert (out["workers"] > 0).all() and np.isfinite(out["workers"].astype(float)).all()
    want = sum(float(w) for *_, w in rows if float(w) > 0)  # every count parsed: all were numeric
    assert float(out["workers"].sum()) == pytest.approx(want)


# --------------------------------------------------------------------------- scenario TOML
@examples(300)
@given(st.text(max_size=200))
def test_scenario_toml_text(text):
    from geoaccess.scenario.spec import parse_spec

    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    try:
        parse_spec(data)
    except InputError:
        pass


toml_values = st.recursive(
    st.one_of(st.booleans(), st.integers(-(2**63), 2**63 - 1), st.floats(), hostile),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)
edit_keys = st.sampled_from(["type", "from", "to", "speed_kmh", "minutes", "way_ids", "polygon", "line", "buffer_m",
                             "factor", "crossing_minutes", "headway_minutes", "wait_minutes", "two_way", "label",
                             "crs", "max_snap_m", "length_m", "bogus"])


@examples(300)
@given(st.lists(st.dictionaries(edit_keys, st.one_of(toml_values, st.sampled_from(
    ["link", "speed", "close", "ferry"]), st.lists(st.floats(-200, 200), min_size=2, max_size=2)), max_size=6),
    min_size=1, max_size=3), st.text(max_size=10))
def test_scenario_edits(edits, name):
    from geoaccess.scenario.spec import parse_spec

    try:
        spec = parse_spec({"name": name, "edits": edits})
    except InputError:
        return
    assert len(spec.edits) == len(edits) and all(e.index == i + 1 for i, e in enumerate(spec.edits))


@examples(100)
@given(st.binary(max_size=200))
def test_scenario_file_bytes(tmp_path_factory, data):
    from geoaccess.scenario.spec import read_spec

    p = tmp_path_factory.mktemp("s") / "s.toml"
    p.write_bytes(data)
    try:
        read_spec(p)
    except InputError:
        pass


# --------------------------------------------------------------------------- text decoding policy
@examples(300)
@given(st.binary(max_size=300), st.sampled_from([None, "cp1252", "latin-1", "utf-16"]))
def test_decode_bytes_returns_or_refuses(data, encoding):
    from geoaccess.textio import decode_bytes

    try:
        text = decode_bytes(data, name="x", encoding=encoding)
    except InputError as exc:
        assert "x: line " in str(exc)
        return
    assert isinstance(text, str)


@examples(300)
@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufeff"), max_size=200),
       st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le"]))
def test_text_policy_roundtrip(text, encoding):
    from geoaccess.textio import decode_bytes, open_text

    assume(encoding != "utf-16-le" or (text and all(ord(c) < 128 for c in text[:64])))  # no BOM: ASCII-led text
    data = text.encode(encoding)
    assert decode_bytes(data, name="x") == text
    with open_text(io.BytesIO(data), name="x") as (fh, _):
        assert fh.read() == text


_ascii = st.characters(min_codepoint=32, max_codepoint=126)
_latin = st.characters(min_codepoint=0xC0, max_codepoint=0xFF)


@examples(300)
@given(st.lists(st.one_of(_ascii, st.tuples(_latin, _ascii).map("".join)), max_size=200), st.integers(1, 7))
def test_repairing_reader_restores_stray_latin1(parts, chunk):
    from geoaccess.textio import RepairingUtf8Reader

    text = "".join(parts)
    data = b"".join((p.encode("utf-8") if k % 2 else p.encode("latin-1")) for k, p in enumerate(parts))
    reader = RepairingUtf8Reader(io.BytesIO(data))
    out = io.BufferedReader(reader, buffer_size=chunk * 8).read().decode("utf-8")
    assert out == text  # each stray Latin-1 byte is the letter it was meant to be
    n_latin = sum(1 for k, p in enumerate(parts) if k % 2 == 0 and len(p) == 2)
    assert reader.repaired == n_latin


# --------------------------------------------------------------------------- limits TOML
@examples(200)
@given(st.dictionaries(st.sampled_from(["speeds", "timetable", "archives", "counts", "durations", "bogus"]),
                       st.dictionaries(st.sampled_from(["road_min_kmh", "road_max_kmh", "max_ratio", "max_workers",
                                                        "max_trips_per_frequency", "ferry_max_hours", "nope"]),
                                       st.one_of(toml_values, st.floats(-10, 1e6)), max_size=3), max_size=3))
def test_limits_overrides_are_strict(values):
    import dataclasses

    from geoaccess.limits import Limits

    try:
        lim = Limits().updated(values)
    except InputError:
        return
    for f in dataclasses.fields(lim):
        if f.name != "source":
            assert all(v > 0 for v in dataclasses.asdict(getattr(lim, f.name)).values())
    assert lim.speeds.road_min_kmh < lim.speeds.road_max_kmh


# --------------------------------------------------------------------------- SSB grid ids
@examples(300)
@given(st.lists(st.one_of(hostile, st.integers(-(2**64), 2**64)), max_size=10), st.sampled_from([250.0, 1000.0]))
def test_ssb_grid_ids_decode_or_are_refused_by_name(ids, cell_m):
    from geoaccess.layers.ssb_ids import decode_ssb_ids, encode_ssb_ids

    d = decode_ssb_ids(ids, cell_m=cell_m)
    assert len(d.x) == len(ids)
    ok = np.asarray(d.ok, dtype=bool)
    assert np.isnan(d.x[~ok]).all() and all(isinstance(r, str) and r for r in d.reason[~ok])
    if ok.any():  # what decodes is a grid corner that encodes back to the same number
        assert (d.x[ok] % cell_m == 0).all() and (d.y[ok] % cell_m == 0).all()
        assert (0 <= d.y[ok]).all() and (d.y[ok] < 10**7).all()
        back = encode_ssb_ids(d.x[ok], d.y[ok])
        assert [int(float(str(v).strip())) for v, k in zip(ids, ok, strict=True) if k] == back.tolist()


@examples(300)
@given(st.integers(-8000, 31999), st.integers(0, 39999), st.sampled_from([250, 1000]))
def test_ssb_grid_id_roundtrip(i, j, cell):
    from geoaccess.layers.ssb_ids import decode_ssb_ids, encode_ssb_ids

    x, y = i * 250 // cell * cell, j * 250 // cell * cell
    code = encode_ssb_ids(np.array([x]), np.array([y]))
    d = decode_ssb_ids([str(code[0]), int(code[0])], cell_m=float(cell))
    assert d.ok.all() and d.x.tolist() == [x, x] and d.y.tolist() == [y, y]
