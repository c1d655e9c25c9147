"""Target towns: centre towns, region classes, verdicts and their reasons, flags, official classes, bad input."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geoaccess.errors import InputError
from geoaccess.layers.towns import TownRule, Towns
from geoaccess.national import routing
from geoaccess.network.graph import Network
from geoaccess.strategy.town_selection import (
    TargetTownRules,
    load_rules,
    read_regionalisation,
    region_class,
    target_towns,
)

# a straight two-way road, 60 km/h: town "Big" at 0 km, "Near" at 50 km (50 min), "Mid" at 200 km, "Tiny" at 300 km
XS = {"Big": 0.0, "Near": 50_000.0, "Mid": 200_000.0, "Tiny": 300_000.0}


@pytest.fixture(scope="module")
def prep():
    x = np.arange(0.0, 300_001.0, 10_000.0)
    n = len(x)
    tails = np.r_[np.arange(n - 1), np.arange(1, n)]
    heads = np.r_[np.arange(1, n), np.arange(n - 1)]
    net = Network.from_edges(tails, heads, seconds=np.full(len(tails), 600.0), x=x, y=np.zeros(n), crs="EPSG:25833")
    return routing.prepare(net, cache=False)


def _towns() -> Towns:
    rows = [("T1", "Big", 200_000.0, "1001"), ("T2", "Near", 20_000.0, "2001"), ("T3", "Mid", 8_000.0, "3002"),
            ("T4", "Smallc", 1_500.0, "3001"), ("T5", "Tiny", 150.0, "5001")]
    towns = gpd.GeoDataFrame(
        {"town_id": [r[0] for r in rows], "name": [r[1] for r in rows], "population": [r[2] for r in rows],
         "kommunenummer": [r[3] for r in rows], "kommunenavn": [f"k{r[3]}" for r in rows],
         "municipalities": [f"{r[3]}:{int(r[2])}" for r in rows]},
        geometry=shapely.points([XS.get(r[1], 210_000.0) for r in rows], [0.0] * len(rows)), crs="EPSG:25833")
    towns.attrs.update({"population_year": 2015, "rule": "test rule", "note": "derived"})
    parts = pd.DataFrame({"town_id": towns["town_id"], "kommunenummer": towns["kommunenummer"],
                          "population": towns["population"], "town_population": towns["population"]})
    return Towns(towns, parts, pd.DataFrame(), TownRule())


MEMBERS = pd.DataFrame({
    "kommunenummer": ["1001", "1002", "2001", "3001", "3002", "4001", "5001"],
    "region": ["1001", "1001", "2001", "3001", "3001", "4001", "5001"],
    "region_name": ["Big region", "Big region", "Near region", "Rest", "Rest", "Empty", "Tiny region"],
    "region_type": ["centre", "centre", "centre", "restkommune", "restkommune", "restkommune", "centre"],
    "centre": ["1001", "1001", "2001", "", "", "", "5001"],
})
CENTRALITY = pd.DataFrame({"kommunenummer": ["1001", "1002", "2001", "3001", "3002", "4001", "5001"],
                           "index": [1000, 950, 900, 600, 700, 400, 450], "class": [1, 1, 2, 5, 4, 6, 6]})


def _run(prep, **kw):
    return target_towns(MEMBERS, towns=_towns(), centrality=CENTRALITY, prep=prep, year=2020,
                        rules=kw.pop("rules", TargetTownRules()), **kw).set_index("region")


def test_verdicts_and_reasons(prep):
    t = _run(prep)
    assert t.loc["1001", "verdict"] == "largest_city" and t.loc["1001", "town_name"] == "Big"
    assert t.loc["1001", "reason_nb"] == "Ikke med: en av de største byene (Big, 200 000 innbyggere ≥ 150 000)"
    assert t.loc["1001", "reason_en"] == "Excluded: one of the largest cities (Big, 200,000 residents ≥ 150,000)"
    assert t.loc["2001", "verdict"] == "large_city_omland"
    assert t.loc["2001", "minutes_to_large_city"] == pytest.approx(50.0)
    assert t.loc["2001", "reason_nb"] == "Ikke med: i omlandet til Big (50 min med bil ≤ 60 min)"
    # a restkommune region takes its largest town, wherever it lies
    assert t.loc["3001", "town_name"] == "Mid" and t.loc["3001", "town_kommunenummer"] == "3002"
    assert t.loc["3001", "verdict"] == "included" and t.loc["3001", "centrality_index"] == 700
    assert t.loc["3001", "region_class"] == "smasenterregion" and t.loc["3001", "reason_en"] == "Included: regional centre"
    assert t.loc["4001", "verdict"] == "no_town" and pd.isna(t.loc["4001", "town_name"])
    assert t.loc["5001", "verdict"] == "below_min_size"
    assert t.loc["5001", "reason_nb"] == "Ikke med: under minstestørrelsen (150 < 200 innbyggere)"
    assert t.attrs["summary"]["included"] == 1 and t.attrs["summary"]["regions"] == 5


def test_rules_are_flags_not_deletions(prep):
    t = _run(prep, rules=TargetTownRules(exclude_omland=False, exclude_largest_cities=False, omland_minutes=45.0))
    assert len(t) == 5
    assert t.loc["1001", "verdict"] == "included" and bool(t.loc["1001", "flag_largest_city"])
    assert t.loc["2001", "verdict"] == "included"
    assert not bool(t.loc["2001", "flag_large_city_omland"])  # 50 min > 45 min
    t2 = _run(prep, rules=TargetTownRules(exclude_omland=False))
    assert t2.loc["2001", "verdict"] == "included" and bool(t2.loc["2001", "flag_large_city_omland"])


def test_official_classes_are_used_and_differences_reported(prep):
    off = pd.DataFrame({"kommunenummer": ["3002", "2001"], "official_class": [3, 2]})
    t = _run(prep, official=off)
    assert t.loc["3001", "centrality_class"] == 3 and t.loc["3001", "computed_class"] == 4
    assert bool(t.loc["3001", "class_differs"]) and not bool(t.loc["2001", "class_differs"])
    assert t.loc["1001", "class_source"] == "computed" and t.loc["3001", "class_source"] == "KLASS 128"


def test_region_classes():
    got = region_class([200_000, 60_000, 20_000, 6_000, 500, np.nan])
    assert list(got) == ["storbyregion", "mellomstor_byregion", "smabyregion", "smasenterregion",
                         "spredtbygd_region", "spredtbygd_region"]


def test_rules_loader(tmp_path):
    assert load_rules().min_town_population == 200.0 and load_rules().omland_minutes == 60.0
    p = tmp_path / "r.toml"
    p.write_text("[omland]\nminutes = 45\n")
    assert load_rules(p).omland_minutes == 45.0
    for text, match in (("[omlnd]\nminutes = 1\n", r"unknown table 'omlnd' \(did you mean 'omland'\?\)"),
                        ("[omland]\nminute = 1\n", r"\[omland\]: unknown key 'minute' \(did you mean 'minutes'\?\)"),
                        ('[omland]\nexclude = "yes"\n', "must be true or false"),
                        ("[region_classes]\nsmabyregion = 60000\n", "strictly descending")):
        p.write_text(text)
        with pytest.raises(InputError, match=match):
            load_rules(p)


def test_read_regionalisation(tmp_path):
    MEMBERS.to_csv(tmp_path / "ba_membership.csv", index=False)
    pd.DataFrame({"region": ["1001"], "self_containment": [0.9]}).to_csv(tmp_path / "ba_regions.csv", index=False)
    m, r = read_regionalisation(tmp_path)
    assert len(m) == 7 and r is not None and r.loc[0, "self_containment"] == 0.9
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"kommunenummer": ["0301", "0301"], "region": ["a", "b"]}).to_csv(bad, index=False)
    with pytest.raises(InputError, match="more than one row: 0301"):
        read_regionalisation(bad)
    pd.DataFrame({"kommunenummer": ["0301"], "regionid": ["a"]}).to_csv(bad, index=False)
    with pytest.raises(InputError, match="no 'region' column"):
        read_regionalisation(bad)
    with pytest.raises(InputError, match="no such folder or file"):
        read_regionalisation(tmp_path / "missing")
