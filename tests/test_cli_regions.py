"""``geoaccess regions`` and the demo summary on the real 2021 flows."""

from __future__ import annotations

import json
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import geoaccess.cli.data  # a second command keeps typer in sub-command mode
import geoaccess.cli.regions  # noqa: F401
from geoaccess.cli import app
from geoaccess.errors import DataWarning, InputError

runner = CliRunner()


def test_cli_lma_writes_tables(dataset, tmp_path):
    flows = dataset("commuting/pendling_03321_2021.csv")
    r = runner.invoke(app, ["regions", "--flows", str(flows), "--method", "lma", "--out", str(tmp_path), "--no-maps"])
    assert r.exit_code == 0, r.output
    mem = pd.read_csv(tmp_path / "lma_membership.csv", dtype={"kommunenummer": str, "region": str})
    assert len(mem) == 356 and mem["kommunenummer"].is_unique
    assert mem["region"].nunique() == 89
    assert mem.set_index("kommunenummer").loc["3033", "region_name"] == "Oslo"
    reg = pd.read_csv(tmp_path / "lma_regions.csv", dtype={"region": str})
    assert reg["n_municipalities"].sum() == 356
    assert reg["residents"].sum() == 2_753_966
    layers = set(gpd.list_layers(tmp_path / "lma_regions.gpkg")["name"])
    assert layers == {"regions", "municipalities"}
    assert len(gpd.read_file(tmp_path / "lma_regions.gpkg", layer="regions")) == 89
    run = json.loads((tmp_path / "lma_run.json").read_text())
    assert run["n_regions"] == 89 and run["params"]["min_size"] == 3500


def test_cli_ba_recoded_to_2024_records_skipped_rules(dataset, tmp_path):
    flows = dataset("commuting/pendling_03321_2021.csv")
    r = runner.invoke(
        app,
        [
            "regions",
            "--flows",
            str(flows),
            "--method",
            "ba",
            "--centres",
            "0301+3024,4601,5001",  # 2021 codes: Bærum 3024 is recoded to 3201
            "--year-codes",
            "2024",
            "--out",
            str(tmp_path),
            "--no-maps",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "skipped: tt30" in r.output
    assert "centre 3024 (a code until 2023) recoded to 3201 Bærum (2024 code)" in " ".join(r.output.split())
    mem = pd.read_csv(tmp_path / "ba_membership.csv", dtype=str)
    assert len(mem) == 357  # 2024 division
    assert mem.set_index("kommunenummer").loc["3209", "region"] == "0301"  # Ullensaker, 2024 code
    assert mem.set_index("kommunenummer").loc["3201", "inkluderingsgrunnlag"] == "Senterkommune sammen med 0301"
    run = json.loads((tmp_path / "ba_run.json").read_text())
    assert {s["rule"] for s in run["skipped_rules"]} >= {"tt30", "tt45", "tt75", "alt90"}


@pytest.mark.filterwarnings("ignore:.*zones have no employed residents")
def test_cli_bad_input(tmp_path):
    bad = tmp_path / "neg.csv"
    bad.write_text("ArbstedKomm,Bokommuen,value\n0301,0301,10\n0301,3024,-3\n")
    r = runner.invoke(app, ["regions", "--flows", str(bad), "--out", str(tmp_path / "o")])
    assert isinstance(r.exception, InputError) and "negative" in str(r.exception)
    unknown = tmp_path / "old.csv"
    unknown.write_text("ArbstedKomm,Bokommuen,Tid,value\n0301,1902,2021,10\n1902,1902,2021,5\n")
    r = runner.invoke(app, ["regions", "--flows", str(unknown), "--out", str(tmp_path / "o")])
    assert isinstance(r.exception, InputError) and "not in force in 2021: 1902 (1940-2019)" in str(r.exception)
    ok = tmp_path / "ok.csv"
    ok.write_text("ArbstedKomm,Bokommuen,Tid,value\n0301,0301,2021,10\n3024,3024,2021,5\n")
    r = runner.invoke(app, ["regions", "--flows", str(ok), "--method", "traveltime", "--out", str(tmp_path / "o")])
    assert isinstance(r.exception, InputError) and "needs --centres and --travel-times" in str(r.exception)
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[lma]\nmin_selfcontainment = 0.7\n")
    r = runner.invoke(app, ["regions", "--flows", str(ok), "--config", str(cfg), "--out", str(tmp_path / "o")])
    assert isinstance(r.exception, InputError) and "unknown key 'min_selfcontainment'" in str(r.exception)


@pytest.mark.slow
def test_demo_summary_with_maps(tmp_path):
    from geoaccess.examples.lma import demo_summary

    s = demo_summary(2021, out_dir=tmp_path)
    assert s["n_regions"] == 89
    assert s["ullensaker_region"] == "0301 Oslo"
    assert 0.8 < s["ullensaker_self_containment"] <= min(s["ullensaker_sc_supply"], s["ullensaker_sc_demand"])
    for kind in ("membership", "regions", "gpkg", "png", "html", "run"):
        assert (tmp_path / s["files"][kind].split("/")[-1]).stat().st_size > 0
    assert (tmp_path / "lma_regions.png").read_bytes()[:4] == b"\x89PNG"


def test_cli_zero_worker_municipality_kept_with_warning(tmp_path):
    # two real 2021 municipalities with flows; every other municipality of the 2020 division has none
    f = tmp_path / "two.csv"
    f.write_text("ArbstedKomm,Bokommuen,Tid,value\n0301,0301,2021,5000\n3024,3024,2021,4000\n3024,0301,2021,300\n")
    r = runner.invoke(app, ["regions", "--flows", str(f), "--out", str(tmp_path / "o"), "--no-maps"])
    assert r.exit_code == 0, r.output
    assert "warning: 354 zones have no employed residents" in " ".join(r.output.split())
    mem = pd.read_csv(tmp_path / "o" / "lma_membership.csv", dtype=str).set_index("kommunenummer")
    assert len(mem) == 356
    assert (mem["rule"] == "zero_workers").sum() == 354
    assert mem.loc["3033", "region"] == "3033"


def test_cli_traveltime_and_ba_with_a_travel_time_table(dataset, tmp_path):
    flows = dataset("commuting/pendling_03321_2021.csv")
    tt = tmp_path / "tt.csv"  # a small hand-made table: Ullensaker, Nannestad, Eidsvoll, Hurdal -> Oslo / Ullensaker
    tt.write_text(
        "origin,destination,minutes\n3033,0301,38\n3036,0301,45\n3035,0301,55\n3037,0301,70\n"
        "3036,3033,15\n3035,3033,20\n3037,3033,30\n"
    )
    out = tmp_path / "tt_out"
    r = runner.invoke(
        app,
        ["regions", "--flows", str(flows), "--method", "traveltime", "--centres", "0301,3033",
         "--travel-times", str(tt), "--cutoff-minutes", "25", "--out", str(out), "--no-maps"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    m = pd.read_csv(out / "traveltime_membership.csv", dtype=str).set_index("kommunenummer")
    assert len(m) == 356
    assert m.loc["3036", "region"] == "3033" and m.loc["3035", "region"] == "3033"  # 15 and 20 min
    assert m.loc["3037", "rule"] == "beyond"  # 30 min > 25
    assert m.loc["3033", "rule"] == "centre"
    out2 = tmp_path / "ba_out"
    r = runner.invoke(
        app,
        ["regions", "--flows", str(flows), "--method", "ba", "--centres", "0301+3024",
         "--travel-times", str(tt), "--out", str(out2), "--no-maps"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    b = pd.read_csv(out2 / "ba_membership.csv", dtype=str).set_index("kommunenummer")
    assert b.loc["3033", "rule"] == "out_commuting" and b.loc["3033", "minutes_to_centre"] == "38.0"
    assert b.loc["3037", "region"] == "0301"  # Hurdal: > 8 % to Oslo+Bærum within 75 min


@pytest.fixture(scope="module")
def proxy_2024(tmp_path_factory):
    """A TEST-ONLY travel-time table from straight-line distances (tests/proxy_times.py): not real travel times."""
    from proxy_times import proxy_travel_times

    path = tmp_path_factory.mktemp("tt") / "proxy_2024.csv"
    proxy_travel_times(2024).to_csv(path, index=False)
    return path


def test_cli_ba_preset_2017_flows_in_2024_codes_end_to_end(dataset, tmp_path, proxy_2024):
    """The issue's command: 2017 flows, preset toi2019, a travel-time table, a centres file, 2024 codes."""
    flows = dataset("commuting/pendling_03321_2017.csv")
    centres = tmp_path / "centres.csv"  # 2024 codes, and Bærum under its pre-2020 code (a plain renumbering)
    centres.write_text("kommunenummer,sammen_med\n0301,0219\n1103,1108\n4601,\n5001,\n1804,\n5501,\n")
    out = tmp_path / "out"
    r = runner.invoke(
        app,
        ["regions", "--method", "ba", "--preset", "toi2019", "--flows", str(flows),
         "--travel-times", str(proxy_2024), "--centres", str(centres), "--year-codes", "2024",
         "--out", str(out), "--no-maps"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    assert "centre 0219 (a code until 2019) recoded to 3201 Bærum (2024 code)" in text
    mem = pd.read_csv(out / "ba_membership.csv", dtype=str).set_index("kommunenummer")
    assert len(mem) == 357 and mem["kommunenavn"].ne("").all()
    wanted = {"kommunenavn", "region", "region_name", "rule", "inkluderingsgrunnlag", "inclusion_basis"}
    assert wanted <= set(mem.columns)
    assert mem.loc["3201", "inkluderingsgrunnlag"] == "Senterkommune sammen med 0301"
    assert mem.loc["3201", "inclusion_basis"] == "Centre municipality with 0301"
    assert mem.loc["1108", "region"] == "1103" and mem.loc["3209", "region_name"] == "Oslo"
    rules = set(mem["rule"])
    assert {"centre", "out_commuting", "tt30", "rest"} <= rules
    run = json.loads((out / "ba_run.json").read_text())
    assert run["inputs"]["preset"] == "toi2019" and run["inputs"]["flows_year"] == 2017
    assert run["inputs"]["crosswalk"]["from_year"] == 2017 and "1850" in run["inputs"]["crosswalk"]["splits"]
    assert run["readings"]["rules"]["tt30"].endswith("the centre is the municipality's largest commuting destination")
    assert run["params"]["in_share"] == "municipality_jobs"
    assert run["travel_times"]["car:centres"]["pairs_needed"] > 0
    assert run["population_year"] == 2015
    cen = pd.read_csv(out / "ba_centres.csv", dtype=str).set_index("kommunenummer")
    assert cen.loc["0301", "used"] == "0301+3201" and cen.loc["0301", "proposed"] == "0301+3201"
    assert set(cen.columns) >= {"used", "proposed", "agree", "jobs", "net_in_commuting", "largest_town_population"}
    # every attachment meets its rule, recomputed from the proxy table and the membership shares
    tt = pd.read_csv(proxy_2024, dtype={"origin": str, "destination": str}).set_index(["origin", "destination"])
    for code, row in mem.loc[mem["rule"].isin(["tt30", "tt45", "tt75"])].iterrows():
        anchor = row["centre"].split("+") if isinstance(row["centre"], str) else [row["region"]]
        best = min(tt["minutes"].get((code, a), np.inf) for a in anchor)
        assert float(row["minutes_to_centre"]) == pytest.approx(best)
        assert best < {"tt30": 30, "tt45": 45, "tt75": 75}[row["rule"]]


def test_cli_ba_bad_input_is_named(dataset, tmp_path, proxy_2024):
    flows = dataset("commuting/pendling_03321_2021.csv")
    base = ["regions", "--method", "ba", "--flows", str(flows), "--out", str(tmp_path / "o"), "--no-maps"]
    r = runner.invoke(app, [*base, "--travel-times", "nasjonal"])
    assert isinstance(r.exception, InputError) and "no registered travel-time source (registered: national)" in str(
        r.exception
    )
    merged = tmp_path / "merged.csv"
    merged.write_text("kommunenummer\n0213\n")  # Ski (2019), merged into Nordre Follo in 2020
    r = runner.invoke(app, [*base, "--centres", str(merged)])
    assert isinstance(r.exception, InputError) and "merged into 3020" in str(r.exception)
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("kommunenummer\n0301\n9998\n")
    r = runner.invoke(app, [*base, "--centres", str(unknown)])
    assert isinstance(r.exception, InputError) and "9998 is no municipality code in any year" in str(r.exception)
    r = runner.invoke(app, [*base, "--centres", "0301", "--travel-times", str(proxy_2024)])  # 2024 table, 2021 flows
    assert isinstance(r.exception, InputError) and "codes are not municipalities of the flows" in str(r.exception)
    old = dataset("commuting/pendling_03321_2017.csv")
    r = runner.invoke(app, ["regions", "--flows", str(old), "--year-codes", "2019", "--out", str(tmp_path / "o")])
    assert isinstance(r.exception, InputError) and "No crosswalk from 2017 codes to 2019 codes" in str(r.exception)
    nowhere = tmp_path / "nowhere.csv"
    nowhere.write_text("ArbstedKomm,Bokommuen,Tid,value\n0301,0301,2021,10\n0301,0399,2021,5\n")
    r = runner.invoke(app, ["regions", "--flows", str(nowhere), "--out", str(tmp_path / "o")])
    assert isinstance(r.exception, InputError) and "0399 (in force in no year)" in str(r.exception)


@pytest.mark.slow
def test_national_travel_time_source_is_cached_and_complete():
    """`national`: the N1000 municipality matrix of the national layer, in the flows' division, cached."""
    from pathlib import Path

    from geoaccess.layers.municipality_codes import codes_in_force
    from geoaccess.regions.travel_tables import resolve_travel_times

    codes = sorted(codes_in_force(2024))
    with warnings.catch_warnings():  # building the real N1000 network reports its islands and roadless quays
        warnings.simplefilter("ignore", DataWarning)
        first = resolve_travel_times("national", year=2024, codes=codes, mode="car")
        boat = resolve_travel_times("national", year=2024, codes=codes, mode="boat")
    assert set(first["origin"]) == set(first["destination"]) == set(codes)
    assert Path(first.attrs["provenance"]["cache_file"]).is_file()
    again = resolve_travel_times("national", year=2024, codes=codes, mode="car")
    pd.testing.assert_frame_equal(first.reset_index(drop=True), again.reset_index(drop=True))
    m = first.set_index(["origin", "destination"])["minutes"]
    assert 5 < m[("3201", "0301")] < 40 and 10 < m[("3209", "0301")] < 60  # Bærum, Ullensaker -> Oslo
    boat = boat.set_index(["origin", "destination"])
    both = m.to_frame("car").join(boat["minutes"].rename("boat"), how="inner").dropna()
    assert (both["boat"] <= both["car"] + 1e-6).mean() > 0.99  # the boat network adds passenger boats to the roads


@pytest.mark.slow
def test_cli_ba_the_issue_command_with_national_travel_times(dataset, tmp_path):
    flows = dataset("commuting/pendling_03321_2017.csv")
    centres = tmp_path / "centres.csv"
    centres.write_text("kommunenummer,sammen_med\n0301,3201\n1103,1108\n4601,\n5001,\n1804,\n5501,\n4204,\n")
    out = tmp_path / "out"
    r = runner.invoke(
        app,
        ["regions", "--method", "ba", "--preset", "toi2019", "--flows", str(flows), "--travel-times", "national",
         "--alt-travel-times", "national", "--centres", str(centres), "--year-codes", "2024", "--out", str(out),
         "--no-maps"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    run = json.loads((out / "ba_run.json").read_text())
    assert run["travel_times"]["car:centres"]["source"].startswith("national car travel times (N1000, 2024")
    assert run["travel_times"]["car:centres"]["pairs_without_time"] == 0
    assert not {s["rule"] for s in run["skipped_rules"]} & {"tt30", "tt45", "tt75", "alt90"}
    mem = pd.read_csv(out / "ba_membership.csv", dtype={"kommunenummer": str, "region": str, "centre": str})
    assert len(mem) == 357 and mem["inkluderingsgrunnlag"].notna().all()
    from geoaccess.regions.travel_tables import resolve_travel_times

    car = resolve_travel_times("national", year=2024, codes=list(mem["kommunenummer"]), mode="car")
    tt = car.set_index(["origin", "destination"])["minutes"]
    limit = {"tt30": 30, "tt45": 45, "tt75": 75}
    for row in mem.loc[mem["rule"].isin(list(limit)) & (mem["region_type"] == "centre")].itertuples():
        best = min(tt[(row.kommunenummer, c)] for c in row.centre.split("+"))
        assert row.minutes_to_centre == pytest.approx(best) and best < limit[row.rule]
