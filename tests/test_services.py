"""Service layers: register readers, OSM tags, vocabulary rules, provenance and bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from geoaccess.errors import CRSError, DataWarning, InputError
from geoaccess.layers.services import (
    COLUMNS,
    SERVICES,
    combine_services,
    read_etatsbasen,
    read_healthcare,
    read_oslo_upper_secondary,
    read_osm_services,
    vocabulary,
)


def _check_layer(g, crs="EPSG:25833"):
    assert list(g.columns) == list(COLUMNS)
    assert g.crs.to_string() == crs
    assert g["id"].is_unique
    assert set(g["service"]).issubset(SERVICES)
    assert (g.geom_type == "Point").all()
    for k in ("source", "licence", "date"):
        assert g.attrs[k]


def test_etatsbasen_join_and_unpositioned_units(dataset):
    with pytest.warns(DataWarning, match="no position"):
        g = read_etatsbasen()
    _check_layer(g)
    # independent join with pandas
    org = pd.read_csv(dataset("services/etatsbasen_2014/organization.csv"), sep=";", encoding="utf-8-sig", dtype=str)
    pos = pd.read_csv(dataset("services/etatsbasen_2014/position.csv"), sep=";", encoding="utf-8-sig", dtype=str)
    nav = org[org["name_nb"].str.match(r"NAV\s", na=False) & (org["orgstructid"] == "37")]
    nav_pos = nav.merge(pos, on="tailid", how="inner").dropna(subset=["x", "y"])  # NAV på Svalbard: empty x/y
    got = g[g["service"] == "nav_office"]
    assert len(got) == len(nav_pos)
    assert got["name"].str.startswith("NAV ").all()  # case-sensitive: 'Nav Marked ...' units are regional
    unpositioned_nav = sum(1 for s in g.attrs["without_position"] if s.endswith("(nav_office)"))
    assert unpositioned_nav == len(nav) - len(nav_pos) > 0  # e.g. NAV på Svalbard
    courts = g[g["service"] == "district_court"]
    assert courts["name"].str.contains("tingrett").all() and "Tingrettene" not in set(courts["name"])
    assert g.attrs["n_without_position"] == len(g.attrs["without_position"])
    # one coordinate checked by hand: NAV Voss (tailid 23842)
    row = pos[pos["tailid"] == "23842"].iloc[0]
    pt = g.loc[g["id"] == "etatsbasen:23842", "geometry"].iloc[0]
    assert (pt.x, pt.y) == (float(row["x"]), float(row["y"]))
    # Norway in UTM33, Svalbard (Longyearbyen, y ~ 8.68e6) included
    minx, miny, maxx, maxy = g.total_bounds
    assert minx > -100_000 and maxx < 1_200_000 and miny > 6_400_000 and maxy < 8_800_000


def test_etatsbasen_filter_and_missing_position_synthetic(tmp_path):
    (tmp_path / "organization.csv").write_text(
        "\ufefftailid;parentid;orgstructid;name_nb;name_nn;name_en;orgid;kommunenummer\n"
        "1;0;37;NAV Testby;;;;\n2;0;37;NAV Utenpos;;;;\n3;0;12;Testby tingrett;;;;\n4;0;36;NAV Fylke;;;;\n",
        encoding="utf-8",
    )
    (tmp_path / "position.csv").write_text("tailid;coordsys;x;y;z\n1;utm33;100;6600000;\n3;utm33;200;6600100;\n4;utm33;1;1;\n", encoding="utf-8")
    with pytest.warns(DataWarning, match="1 unit"):
        g = read_etatsbasen(tmp_path, services=["nav_office"])
    assert g["name"].tolist() == ["NAV Testby"]
    assert g.attrs["n_without_position"] == 1 and g.attrs["without_position"] == ["NAV Utenpos (nav_office)"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g2 = read_etatsbasen(tmp_path, services=["district_court"])
    assert g2["service"].tolist() == ["district_court"]
    (tmp_path / "position.csv").write_text("tailid;coordsys;x;y;z\n1;wgs84;10;60;\n", encoding="utf-8")
    with pytest.raises(CRSError, match="utm33"):
        read_etatsbasen(tmp_path)


def test_healthcare(dataset):
    g = read_healthcare()
    _check_layer(g)
    raw = pd.read_csv(dataset("services/healthcare_NO_2020.csv"), dtype={"id": str})
    assert len(g) == len(raw)
    assert (g["service"] == "clinic").sum() == (raw["public_private"] == "private").sum()
    from pyproj import Transformer

    r = raw.iloc[0]
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:25833", always_xy=True).transform(r["lon"], r["lat"])
    pt = g.geometry.iloc[0]
    assert pt.x == pytest.approx(x, abs=1e-6) and pt.y == pytest.approx(y, abs=1e-6)
    assert g["capacity"].isna().all() and (g["weight"] == 1.0).all()  # GISCO 2020 has no beds for Norway


def test_oslo_schools():
    g = read_oslo_upper_secondary()
    _check_layer(g)
    assert len(g) == 30 and (g["service"] == "upper_secondary_school").all()
    minx, miny, maxx, maxy = g.total_bounds  # Oslo in UTM33
    assert 250_000 < minx < maxx < 280_000 and 6_635_000 < miny < maxy < 6_660_000


def test_osm_tampere_against_direct_tag_count(dataset):
    import osmium

    path = dataset("osm/tampere.osm.pbf")
    g = read_osm_services(path)
    _check_layer(g, crs="EPSG:32634")
    counts = {"pharmacy": 0, "supermarket": 0}

    class Count(osmium.SimpleHandler):
        def _tags(self, o):
            t = dict(o.tags)
            if t.get("amenity") == "pharmacy" or t.get("healthcare") == "pharmacy":
                counts["pharmacy"] += 1
            elif t.get("shop") == "supermarket" and t.get("amenity") is None:
                counts["supermarket"] += 1

        def node(self, n):
            self._tags(n)

        def way(self, w):
            self._tags(w)

    Count().apply_file(str(path))
    for svc, n in counts.items():
        assert (g["service"] == svc).sum() == n > 0
    assert g.attrs["licence"].startswith("ODbL")
    # every point lies inside the extract's bbox (23.52-23.93E, 61.42-61.57N)
    ll = g.to_crs("EPSG:4326").geometry
    assert ll.x.between(23.5, 23.95).all() and ll.y.between(61.4, 61.6).all()


@pytest.mark.parametrize(
    "tags,expected",
    [
        ({"amenity": "school", "isced:level": "3"}, "upper_secondary_school"),
        ({"amenity": "school", "name": "Hellerud videregående skole"}, "upper_secondary_school"),
        ({"amenity": "school", "name": "Bjørnholt skole"}, "primary_school"),
        ({"amenity": "school", "isced:level": "1;2"}, "primary_school"),
        ({"amenity": "school"}, "school"),
        ({"amenity": "bus_station"}, "transit_hub"),
        ({"railway": "station"}, "transit_hub"),
        ({"amenity": "ferry_terminal"}, "ferry_terminal"),
        ({"amenity": "doctors"}, "clinic"),
        ({"amenity": "parking"}, None),
    ],
)
def test_osm_vocabulary_rules(tags, expected):
    from geoaccess.layers.services import _classify

    assert _classify(tags, vocabulary("osm")) == expected


def test_vocabulary_and_bad_input():
    rules = vocabulary()
    assert {r.service for r in rules} <= set(SERVICES)
    assert {"osm", "etatsbasen", "gisco_healthcare", "oslo_upper_secondary"} == {r.source for r in rules}
    with pytest.raises(InputError, match="Unknown service"):
        read_healthcare(services=["dentist"])
    a = read_oslo_upper_secondary()
    b = read_oslo_upper_secondary(crs="EPSG:4326")
    with pytest.raises(CRSError, match="mixed CRSs"):
        combine_services([a, b])
    c = combine_services([a, b], crs="EPSG:25833")
    assert len(c) == 60 and c.crs.to_epsg() == 25833
    np.testing.assert_allclose(c.geometry.x.iloc[30:].to_numpy(), a.geometry.x.to_numpy(), atol=1e-3)
