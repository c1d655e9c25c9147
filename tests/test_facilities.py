"""N1000 airports and stations: fields, traffic types, points without coordinates counted; the towns table's checks."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from geoaccess.errors import DataWarning, InputError
from geoaccess.strategy.facilities import read_airports, read_railway_stations


def _geojson(path, features):
    doc = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25833"}},
           "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features]}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def test_real_airports_and_stations():
    a = read_airports()
    assert len(a) == 48 and set(a["airport_type"]) == {"lufthavn (airport)"}
    osl = a.set_index("iata").loc["OSL"]
    assert osl["traffic"] == "internasjonal (international)" and osl["traffic_type"] == "I"
    assert len(read_airports(heliports=True)) == 75
    s = read_railway_stations()
    assert len(s) == 176 and s["name"].str.len().gt(0).all()


def test_points_without_coordinates_are_counted_and_reported(tmp_path):
    p = _geojson(tmp_path / "air.geojson", [
        ({"navn": "A lufthavn", "lufthavntype": "L", "trafikktype": "N", "iataKode": "AAA", "icaoKode": "ENAA"},
         {"type": "Point", "coordinates": [100000.0, 6600000.0]}),
        ({"navn": "B lufthavn", "lufthavntype": "L", "trafikktype": "I", "iataKode": "BBB", "icaoKode": "ENBB"}, None),
    ])
    with pytest.warns(DataWarning, match=r"1 airport\(s\) without coordinates left out \(B lufthavn\)"):
        a = read_airports(p)
    assert len(a) == 1 and a.attrs["n_without_position"] == 1
    bad = _geojson(tmp_path / "x.geojson", [({"name": "x"}, {"type": "Point", "coordinates": [0.0, 0.0]})])
    with pytest.raises(InputError, match="not an N1000 airport layer"):
        read_airports(bad)
    with pytest.raises(InputError, match="not an N1000 railway station layer"):
        read_railway_stations(bad)


def test_towns_table_checks(tmp_path):
    from geoaccess.strategy.runs import _towns_table

    with pytest.raises(InputError, match="no target_towns.csv there"):
        _towns_table(tmp_path, include_all=False)
    p = tmp_path / "target_towns.csv"
    pd.DataFrame({"town_name": ["A"], "x": [None], "y": [None], "included": [True]}).to_csv(p, index=False)
    with pytest.raises(InputError, match="no towns with a position"):
        _towns_table(tmp_path, include_all=False)
    pd.DataFrame({"town": ["A"]}).to_csv(p, index=False)
    with pytest.raises(InputError, match=r"needs columns \['town_name', 'x', 'y'\]"):
        _towns_table(p, include_all=True)
