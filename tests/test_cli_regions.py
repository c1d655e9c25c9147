"""``geoaccess regions`` and the demo summary on the real 2021 flows."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

import geoaccess.cli.data  # noqa: F401  (a second command keeps typer in sub-command mode)
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
    assert "centre 3024 (2021 code) recoded to 3201 (2024)" in r.output
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
    assert isinstance(r.exception, InputError) and "unknown for 2021" in str(r.exception)
    ok = tmp_path / "ok.csv"
    ok.write_text("ArbstedKomm,Bokommuen,Tid,value\n0301,0301,2021,10\n3024,3024,2021,5\n")
    r = runner.invoke(app, ["regions", "--flows", str(ok), "--method", "traveltime", "--out", str(tmp_path / "o")])
    assert isinstance(r.exception, InputError) and "needs --centres and --travel-times" in str(r.exception)
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[lma]\nmin_selfcontainment = 0.7\n")
    r = runner.invoke(app, ["regions", "--flows", str(ok), "--config", str(cfg), "--out", str(tmp_path / "o")])
    assert isinstance(r.exception, InputError) and "unknown parameters ['min_selfcontainment']" in str(r.exception)


@pytest.mark.slow
def test_demo_summary_with_maps(tmp_path):
    from geoaccess.regions import demo_summary

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
    with pytest.warns(DataWarning, match="354 zones have no employed residents"):
        r = runner.invoke(app, ["regions", "--flows", str(f), "--out", str(tmp_path / "o"), "--no-maps"])
    assert r.exit_code == 0, r.output
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
         "--travel-times", str(tt), "--max-minutes", "25", "--out", str(out), "--no-maps"],
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
