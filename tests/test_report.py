"""Map and table outputs are complete files written atomically."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from geoaccess.report.atomic import atomic_path, write_table
from geoaccess.report.maps import html_map, png_map


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_write_table_formats(tmp_path, dataset):
    g = gpd.read_file(dataset("services/oslo_upper_secondary_schools_2024.geojson")).to_crs(25833)
    for name in ("a.csv", "a.parquet", "a.gpkg"):
        write_table(g, tmp_path / name)
    assert len(pd.read_csv(tmp_path / "a.csv")) == len(g)
    assert gpd.read_parquet(tmp_path / "a.parquet").crs.to_epsg() == 25833
    assert len(gpd.read_file(tmp_path / "a.gpkg")) == len(g)
    with pytest.raises(ValueError, match=".gpkg"):
        write_table(g, tmp_path / "a.xlsx")


def test_maps_from_real_layer(tmp_path, dataset):
    g = gpd.read_file(dataset("boundaries/fylker_2024.geojson")).to_crs(25833)
    png = png_map(g, tmp_path / "m.png", column="fylkesnavn", categorical=True, title="Fylker 2024")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = html_map(g, tmp_path / "m.html", column="fylkesnavn", categorical=True, title="Fylker")
    text = html.read_text()
    assert "leaflet" in text.lower() and "Innlandet" in text
