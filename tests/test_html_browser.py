"""Every kind of HTML output, opened in headless Chromium with the network off, draws its data.

The pages are made by the real code paths on the real data: the BA-region map of
``geoaccess regions --method ba``, the change map of ``geoaccess scenario`` (Hamar), the
catchment map as the demo draws it (eastern Oslo schools, 20 minutes' walk) and the site
evaluation report with its interactive map. Each is rendered by Debian's Chromium (driven by
Playwright, which downloads nothing) with the browser offline and every non-file request
aborted. A page passes when its script ran, the console shows no error, no request left the
machine, and the screenshot holds pixels in the colours of the page's own data features; a
control page with the data layer emptied shows none, so the pixels come from the data.
"""

from __future__ import annotations

import html as htmllib
import json
import re
import warnings
from pathlib import Path

import pytest

from browser_helpers import chromium_missing_reason, data_colours, page_spec, pixels_of, render

_MISSING = chromium_missing_reason()
pytestmark = [pytest.mark.browser, pytest.mark.skipif(_MISSING is not None, reason=f"browser tests skipped: {_MISSING}")]


def _cli(args: list[str]) -> None:
    from typer.testing import CliRunner

    from geoaccess.cli import _register, app

    _register()
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("html")


@pytest.fixture(scope="module")
def ba_html(out, dataset) -> Path:
    flows = dataset("commuting/pendling_03321_2021.csv")
    _cli(["regions", "--flows", str(flows), "--method", "ba", "--out", str(out / "ba")])
    return out / "ba" / "ba_regions.html"


@pytest.fixture(scope="module")
def change_html(out, dataset) -> Path:
    from geoaccess.scenario.demo import scenario_dir

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the Hamar NVDB layer's islands (counted in run.json)
        _cli(["scenario", str(dataset("roads/hamar_nvdb_speed_limits_2018.geojson")),
              "--spec", str(scenario_dir() / "hamar_faster_corridor.toml"),
              "--centre", "289079,6745789,EPSG:25833", "--minutes", "5,10", "--out", str(out / "hamar")])
    return out / "hamar" / "change.html"


@pytest.fixture(scope="module")
def catchment_html(out, dataset) -> Path:
    """The demo's catchment page: 20-minute walking catchments of the schools inside the extract."""
    import shapely

    from geoaccess.engine.catchment import catchments
    from geoaccess.layers.services import read_oslo_upper_secondary
    from geoaccess.network.build import build_network
    from geoaccess.report.maps import html_map

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        net = build_network(dataset("osm/oslo-east-filtered.osm.pbf"), mode="walk")
    hull = shapely.convex_hull(shapely.multipoints(net.xy))
    schools = read_oslo_upper_secondary().to_crs(net.crs)
    schools = schools[schools.within(hull)].head(3).assign(school=lambda d: d["name"].astype(str))[["school", "geometry"]]
    poly = catchments(net, schools.reset_index(drop=True), minutes=(20,), origin_id="school")
    return html_map(poly, out / "school_catchments_walk20.html", title="20-minute walk from upper-secondary schools",
                    overlays=(schools,))


@pytest.fixture(scope="module")
def site_report(out, dataset) -> Path:
    from geoaccess.layers.population import read_ssb_grid
    from geoaccess.location.demo import demo_sites
    from geoaccess.location.report import write_site_report
    from geoaccess.location.sites import evaluate_sites, read_transit_hubs
    from geoaccess.network.build import build_network

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        car = build_network("osm/oslo-east-filtered.osm.pbf", mode="car")
        walk = build_network("osm/oslo-east-filtered.osm.pbf", mode="walk")
        grid = read_ssb_grid("population/befolkning_250m_2023_oslo.shp")
        hubs = read_transit_hubs("osm/oslo-east-filtered.osm.pbf")
        ev = evaluate_sites(demo_sites(hubs), jobs=50, net_car=car, net_walk=walk, population=grid, hubs=hubs,
                            centrality={"0301": 1})
    return write_site_report(ev, out / "site" / "site_evaluation.html")["html"]


def _data_layer(spec: dict) -> dict:
    return next(lay for lay in spec["layers"] if lay["interactive"] and not lay["name"].startswith("overlay "))


def _assert_drawn_offline(path: Path, *, min_pixels: int, selector: str | None = None, spec: dict | None = None):
    text = path.read_text(encoding="utf-8")
    assert not re.search(r'<(script|link)[^>]+(src|href)="https?:', text), "the page loads code or styles from the web"
    spec = spec or page_spec(text)
    shot = render(path, selector=selector)
    assert shot.errors == [], shot.errors
    assert all(u.startswith(("file:", "data:", "about:")) for u in shot.requests), shot.requests
    assert shot.ready or shot.frame_ready, "the map script did not finish"
    n = pixels_of(shot.pixels, data_colours(spec))
    assert n >= min_pixels, f"only {n} pixels in the data's colours"
    return shot, spec


def test_ba_region_map_draws_offline(ba_html, tmp_path):
    shot, spec = _assert_drawn_offline(ba_html, min_pixels=20_000)
    data = _data_layer(spec)
    # one feature per region of the run: the 2021 flows on their own (2020) codes, centres proposed from the
    # data, no travel-time table: 171 regions (docs/regions.md, "Rule counts per year")
    import geopandas as gpd

    regions = gpd.read_file(ba_html.with_name("ba_regions.gpkg"), layer="regions")
    run = json.loads(ba_html.with_name("ba_run.json").read_text(encoding="utf-8"))
    assert len(data["features"]["features"]) == len(regions) == run["n_regions"] == 171
    # 171 regions, so the names go on the map and the legend says why colours repeat.
    assert sum("_label" in f["properties"] for f in data["features"]["features"]) == 171
    assert "Colours only tell neighbouring" in spec["legend"]
    ctx = [lay for lay in spec["layers"] if not lay["interactive"]]
    assert ctx and len(ctx[0]["features"]["features"]) >= 300  # the 2024 municipality borders as context
    # Control: the same page with the data layer emptied has (almost) none of those pixels.
    blank = json.loads(json.dumps(spec))
    for lay in blank["layers"]:
        if lay["interactive"]:
            lay["features"]["features"] = []
    text = ba_html.read_text(encoding="utf-8")
    m = re.search(r'(<script type="application/json" id="ga-data">)(.*?)(</script>)', text, re.S)
    control = tmp_path / "control.html"
    control.write_text(text[:m.start(2)] + json.dumps(blank).replace("</", "<\\/") + text[m.end(2):], encoding="utf-8")
    empty = render(control)
    assert empty.errors == [] and empty.ready
    assert pixels_of(empty.pixels, data_colours(spec)) < 200


def test_ba_region_map_online_but_no_internet(ba_html):
    """A browser that believes it is online asks for tiles; they fail, and the data are drawn all the same."""
    shot = render(ba_html, offline=False, block_network=True)
    assert shot.ready
    tiles = [u for u in shot.requests if not u.startswith("file:")]
    assert tiles and all("tile.openstreetmap.org" in u for u in tiles)
    assert all("Failed to load resource" in e for e in shot.errors), shot.errors
    assert pixels_of(shot.pixels, data_colours(page_spec(ba_html.read_text(encoding="utf-8")))) >= 20_000


def test_change_map_draws_offline(change_html):
    _, spec = _assert_drawn_offline(change_html, min_pixels=2_000)
    data = _data_layer(spec)
    assert data["features"]["features"] and "minutes saved" in spec["legend"].replace("_", " ")
    assert "red = slower, blue = faster" in spec["legend"]  # the diverging scale centred on no change
    assert any(lay["kind"] == "point" for lay in spec["layers"])  # the centre


def test_catchment_map_draws_offline(catchment_html):
    _, spec = _assert_drawn_offline(catchment_html, min_pixels=5_000)
    names = [lay["name"] for lay in spec["layers"]]
    assert names[0].startswith("Kommunegrenser 2024")  # Oslo's border as context, below the data
    assert "overlay 1" in names  # the schools


def test_site_report_interactive_map_draws_offline(site_report):
    text = site_report.read_text(encoding="utf-8")
    src = re.search(r'srcdoc="([^"]*)"', text)
    assert src, "no embedded interactive map"
    spec = page_spec(htmllib.unescape(src.group(1)))
    shot, _ = _assert_drawn_offline(site_report, min_pixels=30, selector="iframe", spec=spec)
    assert shot.frame_ready
    sites = _data_layer(spec)
    assert spec["layers"][-1] is sites  # candidate sites drawn over the transit hubs
    assert len(sites["features"]["features"]) == 3
    # The overview PNG is inline too: the whole report opens with no network.
    assert "data:image/png;base64," in text


def test_no_map_page_references_the_web_except_tiles(ba_html, change_html, catchment_html, site_report):
    """The only web address a page uses is the optional tile template; no script, style or font comes from the web."""
    for path in (ba_html, change_html, catchment_html, site_report):
        text = htmllib.unescape(path.read_text(encoding="utf-8"))
        urls = set(re.findall(r"https?://[^\s\"'<>)]+", text))
        assert not {u for u in urls if re.search(r"\.(js|css|woff2?|ttf)(\?|$)", u)}, urls
        assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in text
