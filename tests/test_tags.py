"""Tag parsing (maxspeed, duration, oneway) and profile rules, checked against hand-computed values."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geoaccess.errors import InputError
from geoaccess.network.profiles import builtin_profiles, evaluate_way, load_profile
from geoaccess.network.tags import TagWarnings, parse_duration, parse_maxspeed, parse_oneway

# ----------------------------------------------------------------------------- maxspeed


@pytest.mark.parametrize(
    ("value", "kmh"),
    [
        ("50", 50.0),
        ("80", 80.0),
        (" 60 ", 60.0),
        ("50 km/h", 50.0),
        ("70kmh", 70.0),
        ("30 mph", 30 * 1.609344),
        ("30mph", 30 * 1.609344),
        ("10 knots", 18.52),
        ("NO:urban", 50.0),
        ("NO:rural", 80.0),
        ("no:urban", 50.0),
        ("FI:urban", 50.0),
        ("FI:rural", 80.0),
        ("DK:urban", 50.0),
        ("DK:rural", 80.0),
        ("DE:zone:30", 30.0),
        ("DE:zone30", 30.0),
        ("50;70", 50.0),  # documented choice: the lowest
        ("90;30;90;30;90;30", 30.0),  # real value in the Andorra extract
        ("none", math.inf),
    ],
)
def test_parse_maxspeed_values(value: str, kmh: float) -> None:
    assert parse_maxspeed(value) == pytest.approx(kmh)


@pytest.mark.parametrize("value", ["signals", "walk", "variable", "fast", "", "50;signals", "-20", "0", "XX:urban", None])
def test_parse_maxspeed_unusable_is_none(value: str | None) -> None:
    assert parse_maxspeed(value) is None


@given(st.integers(min_value=1, max_value=400))
def test_parse_maxspeed_mph_is_linear_within_the_plausible_bounds(n: int) -> None:
    from geoaccess.limits import get_limits

    bounds = get_limits().speeds
    mph, kmh = parse_maxspeed(f"{n} mph"), parse_maxspeed(str(n))
    if bounds.contains(n * 1.609344):
        assert mph == pytest.approx(n * 1.609344)
    else:
        assert mph is None  # refused: outside [speeds] road_min_kmh..road_max_kmh
    assert kmh == (n if bounds.contains(n) else None)


@given(st.text(max_size=20))
@settings(max_examples=200)
def test_parse_maxspeed_never_raises(text: str) -> None:
    v = parse_maxspeed(text)
    assert v is None or v > 0


# ----------------------------------------------------------------------------- duration


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("1:30", 5400.0),
        ("0:45", 2700.0),
        ("01:15", 4500.0),
        ("1:00:30", 3630.0),
        ("45", 2700.0),  # plain minutes
        ("PT45M", 2700.0),
        ("PT1H5M", 3900.0),
        ("PT1H30M15S", 5415.0),
        ("PT2H", 7200.0),
    ],
)
def test_parse_duration_values(value: str, seconds: float) -> None:
    assert parse_duration(value) == pytest.approx(seconds)


@pytest.mark.parametrize("value", ["soon", "1:75", "PT", "P", "one hour", "", "0:00", "1h", None])
def test_parse_duration_garbage_is_none(value: str | None) -> None:
    assert parse_duration(value) is None


@given(st.integers(0, 30), st.integers(0, 59))
def test_parse_duration_hh_mm(h: int, m: int) -> None:
    expected = h * 3600 + m * 60
    got = parse_duration(f"{h}:{m:02d}")
    iso = parse_duration(f"PT{h}H{m}M")
    if expected == 0:
        assert got is None and iso is None
    else:
        assert got == expected
        assert iso == expected


# ----------------------------------------------------------------------------- oneway


@pytest.mark.parametrize(
    ("tags", "implied", "expected"),
    [
        ({"oneway": "yes"}, False, 1),
        ({"oneway": "true"}, False, 1),
        ({"oneway": "1"}, False, 1),
        ({"oneway": "-1"}, False, -1),
        ({"oneway": "reverse"}, False, -1),
        ({"oneway": "no"}, True, 0),
        ({}, False, 0),
        ({}, True, 1),
        ({"oneway": "reversible"}, False, None),
    ],
)
def test_parse_oneway(tags: dict[str, str], implied: bool, expected: int | None) -> None:
    assert parse_oneway(tags, implied=implied) == expected


# ----------------------------------------------------------------------------- profiles


def test_builtin_profiles_load() -> None:
    assert {"car", "walk", "bike"} <= set(builtin_profiles())
    car, walk, bike = (load_profile(n) for n in ("car", "walk", "bike"))
    assert car.name == "car" and car.use_maxspeed and car.fixed_kmh is None
    assert walk.fixed_kmh == pytest.approx(5.0) and walk.oneway == "ignore"
    assert bike.fixed_kmh == pytest.approx(16.0) and bike.oneway == "respect"
    assert "motorway" not in walk.highway_kmh and "motorway" not in bike.highway_kmh
    assert car.highway_kmh["trunk"] == 80.0  # Norway's general rural limit
    assert len({car.sha256, walk.sha256, bike.sha256}) == 3


def test_user_profile_by_path_and_hash(tmp_path: Path) -> None:
    src = Path(load_profile("car").source).read_text(encoding="utf-8")
    p = tmp_path / "mycar.toml"
    p.write_text(src, encoding="utf-8")
    assert load_profile(p).sha256 == load_profile("car").sha256
    p.write_text(src.replace("residential = 30", "residential = 25"), encoding="utf-8")
    mine = load_profile(str(p))
    assert mine.highway_kmh["residential"] == 25.0
    assert mine.sha256 != load_profile("car").sha256


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("name = 'x'\n[speed.highway_kmh]\nresidential = -5\n", "positive"),
        ("name = 'x'\n[speed]\nhighway_kmh = {residential = 30}\nturbo = true\n", r"\[speed\]: unknown key 'turbo'"),
        ("name = 'x'\n", "highway_kmh"),
        ("name = 'x\n", "TOML"),
        ("name = 'x'\n[speed.highway_kmh]\nresidential = 30\n[oneway]\nmode = 'sometimes'\n", "respect"),
    ],
)
def test_bad_profile_files(tmp_path: Path, text: str, needle: str) -> None:
    p = tmp_path / "bad.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=needle) as info:
        load_profile(p)
    assert "bad.toml" in str(info.value)


def test_unknown_profile_name_lists_builtins() -> None:
    with pytest.raises(InputError, match="car"):
        load_profile("hovercraft")


def _rule(tags: dict[str, str], name: str, w: TagWarnings | None = None):
    return evaluate_way(tags, load_profile(name), w if w is not None else TagWarnings(), way_id=7)


def test_car_access_rules() -> None:
    assert _rule({"highway": "residential"}, "car") is not None
    for key in ("access", "vehicle", "motor_vehicle", "motorcar"):
        for val in ("no", "private"):
            assert _rule({"highway": "residential", key: val}, "car") is None, (key, val)
    # the most specific tag wins
    assert _rule({"highway": "residential", "access": "no", "motorcar": "yes"}, "car") is not None
    assert _rule({"highway": "residential", "access": "yes", "motor_vehicle": "no"}, "car") is None
    assert _rule({"highway": "residential", "area": "yes"}, "car") is None
    assert _rule({"highway": "footway"}, "car") is None
    assert _rule({"building": "yes"}, "car") is None
    assert _rule({"highway": "residential", "foot": "no"}, "car") is not None


def test_car_speed_from_maxspeed_or_class_default() -> None:
    car = load_profile("car")
    assert _rule({"highway": "primary", "maxspeed": "60"}, "car").kmh == 60.0
    assert _rule({"highway": "primary", "maxspeed": "NO:rural"}, "car").kmh == 80.0
    assert _rule({"highway": "primary", "maxspeed": "50;70"}, "car").kmh == 50.0
    assert _rule({"highway": "motorway", "maxspeed": "none"}, "car").kmh == car.highway_kmh["motorway"]
    w = TagWarnings()
    for bad in ("signals", "walk", "variable"):
        assert _rule({"highway": "primary", "maxspeed": bad}, "car", w).kmh == car.highway_kmh["primary"]
    d = w.to_dict()
    assert d["maxspeed"]["count"] == 3
    assert d["maxspeed"]["examples"][0] == "way 7: maxspeed=signals"


def test_oneway_rules_per_mode() -> None:
    assert _rule({"highway": "residential", "oneway": "yes"}, "car").direction == 1
    assert _rule({"highway": "residential", "oneway": "-1"}, "car").direction == -1
    assert _rule({"highway": "residential", "junction": "roundabout"}, "car").direction == 1
    assert _rule({"highway": "residential", "junction": "circular"}, "car").direction == 1
    assert _rule({"highway": "motorway"}, "car").direction == 1
    assert _rule({"highway": "motorway", "oneway": "no"}, "car").direction == 0
    assert _rule({"highway": "residential", "oneway": "yes"}, "walk").direction == 0
    assert _rule({"highway": "residential", "oneway": "yes"}, "bike").direction == 1
    assert _rule({"highway": "residential", "oneway": "yes", "oneway:bicycle": "no"}, "bike").direction == 0
    assert _rule({"highway": "residential", "oneway": "yes", "cycleway": "opposite_lane"}, "bike").direction == 0
    w = TagWarnings()
    assert _rule({"highway": "residential", "oneway": "alternating"}, "car", w).direction == 0
    assert w.to_dict()["oneway"]["count"] == 1


def test_walk_and_bike_exclusions() -> None:
    assert _rule({"highway": "motorway"}, "walk") is None
    assert _rule({"highway": "motorway_link"}, "walk") is None
    assert _rule({"highway": "footway", "foot": "no"}, "walk") is None
    assert _rule({"highway": "footway"}, "walk").kmh == 5.0
    assert _rule({"highway": "motorway"}, "bike") is None
    assert _rule({"highway": "trunk"}, "bike") is None
    assert _rule({"highway": "trunk", "cycleway": "lane"}, "bike").kmh == 16.0
    assert _rule({"highway": "trunk", "cycleway:right": "track"}, "bike") is not None
    assert _rule({"highway": "trunk", "cycleway": "no"}, "bike") is None
    assert _rule({"highway": "trunk", "cycleway": "separate"}, "bike") is None
    assert _rule({"highway": "cycleway", "bicycle": "no"}, "bike") is None
    assert _rule({"highway": "trunk"}, "walk") is not None


def test_ferry_rules() -> None:
    ferry = {"route": "ferry", "duration": "1:30"}
    assert _rule(ferry, "car") is None  # cars need motor_vehicle/motorcar=yes
    r = _rule({**ferry, "motor_vehicle": "yes"}, "car")
    assert r.ferry and r.duration_s == 5400.0 and r.direction == 0
    assert _rule({**ferry, "motorcar": "yes"}, "car") is not None
    assert _rule({**ferry, "motor_vehicle": "yes", "motorcar": "no"}, "car") is None
    assert _rule(ferry, "walk").ferry
    assert _rule({**ferry, "foot": "no"}, "walk") is None
    assert _rule({**ferry, "bicycle": "no"}, "bike") is None
    w = TagWarnings()
    r = _rule({"route": "ferry", "duration": "garbage", "foot": "yes"}, "walk", w)
    assert math.isnan(r.duration_s) and r.kmh == load_profile("walk").ferry_kmh
    assert w.to_dict()["duration"]["count"] == 1
    assert math.isnan(_rule({"route": "ferry"}, "walk").duration_s)
