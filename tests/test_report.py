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


def _spec(text):
    import json
    import re

    return json.loads(re.search(r'<script type="application/json" id="ga-data">(.*?)</script>', text, re.S).group(1))


def test_html_map_is_self_contained(tmp_path, dataset):
    """Leaflet and the data are inside the file; the only web address is the optional tile template."""
    import re

    g = gpd.read_file(dataset("boundaries/fylker_2024.geojson")).to_crs(25833)
    text = html_map(g, tmp_path / "m.html", column="fylkesnavn", categorical=True).read_text(encoding="utf-8")
    assert "Leaflet 1.9" in text and "L.geoJSON" in text
    assert not re.search(r'<(script|link)[^>]+(src|href)=', text)
    assert set(re.findall(r"https://tile\.openstreetmap\.org[^\"]*", text)) == {"https://tile.openstreetmap.org/{z}/{x}/{y}.png"}
    spec = _spec(text)
    data = [lay for lay in spec["layers"] if lay["interactive"]][0]
    assert len(data["features"]["features"]) == len(g) == 15
    # 15 counties: each its own colour and a legend entry (no neighbour colouring needed with tab20)
    fills = {f["properties"]["_fill"] for f in data["features"]["features"]}
    assert len(fills) == 15 and all(n in spec["legend"] for n in g["fylkesnavn"])
    no_tiles = html_map(g, tmp_path / "n.html", tiles=False, context=None).read_text(encoding="utf-8")
    assert "tile.openstreetmap.org" not in no_tiles
    assert [lay["interactive"] for lay in _spec(no_tiles)["layers"]] == [True]  # no context layer


def test_municipality_context_is_clipped_to_the_map(dataset):
    import shapely

    from geoaccess.report.maps import municipality_context

    hamar = (11.0, 60.75, 11.2, 60.85)  # west, south, east, north
    ctx = municipality_context(hamar, margin=0.0)
    assert "3403" in set(ctx["kommunenummer"])  # Hamar (2024 code)
    assert set(ctx.geom_type) <= {"LineString", "MultiLineString"}
    assert shapely.box(*hamar).buffer(1e-6).contains(shapely.union_all(ctx.geometry.to_numpy()))
    assert municipality_context((-75.0, 40.0, -73.0, 41.0)) is None  # New York: no Norwegian borders


def test_html_map_tooltips_and_errors(tmp_path):
    from shapely.geometry import Point

    g = gpd.GeoDataFrame({"site": ["a"], "car_min_best": [12.345], "pool_60": [291080.24]},
                         geometry=[Point(262000, 6648000)], crs=25833)
    spec = _spec(html_map(g, tmp_path / "t.html", context=None).read_text(encoding="utf-8"))
    tip = spec["layers"][0]["features"]["features"][0]["properties"]["_tip"]
    assert "<b>car_min_best</b>: 12.3" in tip and "291 080" in tip
    with pytest.raises(ValueError, match="no column 'minutes'"):
        html_map(g, tmp_path / "x.html", column="minutes")
    with pytest.raises(ValueError, match="no CRS"):
        html_map(g.set_crs(None, allow_override=True), tmp_path / "x.html")
    assert not (tmp_path / "x.html").exists()


def test_png_change_map_with_a_diverging_scale_shows_losses_red_and_gains_blue(tmp_path):
    from matplotlib import image
    from shapely.geometry import box

    from geoaccess.report.colours import diverging_scale

    cells = gpd.GeoDataFrame({"minutes_saved": [-6.0, 0.0, 6.0]},
                             geometry=[box(i * 1000, 0, i * 1000 + 1000, 1000) for i in range(3)], crs=25833)
    scale = diverging_scale(cells["minutes_saved"], k=5)
    png_map(cells, tmp_path / "c.png", column="minutes_saved", scale=scale, title="change")
    px = (image.imread(tmp_path / "c.png")[..., :3] * 255).astype(int)
    r, g, b = px[..., 0], px[..., 1], px[..., 2]
    red = ((r > g + 60) & (r > b + 60)).sum()
    blue = ((b > r + 60) & (b > g + 20)).sum()
    assert red > 1000 and blue > 1000
