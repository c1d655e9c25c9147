"""CRS choice and checks, including the SSB grid's 'unknown datum' UTM33 .prj."""

from __future__ import annotations

import warnings

import geopandas as gpd
import pytest
from shapely.geometry import Point

from geoaccess.crs import choose_crs, resolve_crs, to_crs_checked
from geoaccess.errors import CRSError, CRSWarning


@pytest.mark.parametrize(
    ("lon", "lat", "expected"),
    [
        (10.75, 59.91, "EPSG:25833"),  # Oslo
        (11.07, 60.79, "EPSG:25833"),  # Hamar
        (18.95, 69.65, "EPSG:25833"),  # Tromsø
        (23.76, 61.50, "EPSG:32634"),  # Tampere, Finland: UTM 34N
        (1.52, 42.51, "EPSG:32631"),  # Andorra
        (10.60, 55.85, "EPSG:32632"),  # Samsø, Denmark
        (14.64, 63.18, "EPSG:32633"),  # Östersund, Sweden: not Norway
    ],
)
def test_choose_crs(lon, lat, expected):
    assert choose_crs(lon, lat) == expected


def test_unknown_datum_utm33_is_recognised(dataset, fresh_once_warnings):
    prj = dataset("population/befolkning_250m_2023_oslo.prj").read_text()
    with pytest.warns(CRSWarning, match="unknown"):
        crs = resolve_crs(prj, what="SSB grid")
    assert crs.to_epsg() == 25833


def test_unknown_datum_warning_once_per_process(dataset, fresh_once_warnings):
    """The SSB note names the first layer and is not repeated for the next layers or commands."""
    prj = dataset("population/befolkning_250m_2023_oslo.prj").read_text()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        for i in range(3):
            assert resolve_crs(prj, what=f"layer {i}").to_epsg() == 25833
    notes = [w for w in seen if issubclass(w.category, CRSWarning)]
    assert len(notes) == 1 and "layer 0" in str(notes[0].message)
    assert notes[0].filename == __file__  # points at the caller, not at geoaccess/crs.py


def test_unknown_datum_other_projection_is_not_rewritten():
    wkt = (
        'PROJCS["x",GEOGCS["g",DATUM["D_unknown",SPHEROID["GRS80",6378137.0,298.257222101]],'
        'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
        'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",9.0],'
        'PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
    )
    crs = resolve_crs(wkt, what="x")
    assert crs.to_epsg() != 25833


def test_missing_crs_refused_with_advice():
    gdf = gpd.GeoDataFrame(geometry=[Point(600000, 6640000)])
    with pytest.raises(CRSError, match="set_crs"):
        to_crs_checked(gdf, "EPSG:25833", what="schools.gpkg")


def test_garbage_crs_refused():
    with pytest.raises(CRSError, match="cannot be parsed"):
        resolve_crs("not a crs", what="layer")
