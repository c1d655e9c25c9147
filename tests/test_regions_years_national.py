"""Issue 13 item 3: the BA command with national travel times runs on the 2017-2021 flows as written."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from geoaccess.cli import app

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(("year", "codes_year", "municipalities"),
                         [(2017, 2020, 356), (2018, 2018, 422), (2019, 2019, 422), (2020, 2020, 356),
                          (2021, 2021, 356)])
def test_the_issue_command_runs_on_every_year(dataset, tmp_path, year, codes_year, municipalities) -> None:
    from geoaccess.cli import _register

    _register()
    centres = tmp_path / "centres.csv"
    centres.write_text("kommunenummer\n0301\n1103\n1106\n")  # codes of every year 2017-2021
    out = tmp_path / "out"
    r = CliRunner().invoke(app, [
        "regions", "--method", "ba", "--preset", "toi2019",
        "--flows", str(dataset(f"commuting/pendling_03321_{year}.csv")),
        "--travel-times", "national", "--centres", str(centres), "--out", str(out), "--no-maps"])
    assert r.exit_code == 0, r.output
    if year == 2017:  # no 2017 boundaries: recoded to 2020, said so
        assert "recoded to 2020 codes" in " ".join(r.output.split())
    run = json.loads((out / "ba_run.json").read_text())
    assert run["inputs"]["codes_year"] == codes_year and run["inputs"]["flows_year"] == year
    car = run["travel_times"]["car:centres"]
    assert car["source"].startswith(f"national car travel times (N1000, {codes_year}") and car["pairs_without_time"] == 0
    assert not {s["rule"] for s in run["skipped_rules"]} & {"tt30", "tt45", "tt75"}
    mem = pd.read_csv(out / "ba_membership.csv", dtype={"kommunenummer": str, "region": str})
    assert len(mem) == municipalities and mem["inkluderingsgrunnlag"].notna().all()
    assert set(mem.loc[mem["rule"] == "centre", "kommunenummer"]) >= {"0301", "1103", "1106"}
