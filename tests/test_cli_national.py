"""``geoaccess network build --source n1000`` and ``geoaccess municipal-matrix`` on the real national data."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from geoaccess.cli import _register, app

N1000 = "roads/kartverket_n1000_veglenke_2025.gpkg"
runner = CliRunner()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    _register()
    out = tmp_path_factory.mktemp("n1000car")
    res = runner.invoke(app, ["network", "build", N1000, "--mode", "car", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out, res.output


def test_build_recognises_n1000_by_its_fields_and_summarises(built):
    out, text = built
    summary = json.loads((out / "national_summary.json").read_text(encoding="utf-8"))
    assert summary["network"]["components"] == 1
    assert summary["municipalities"]["count"] == 356
    assert summary["municipalities"]["reachable"] == 356 and summary["municipalities"]["unreachable"] == []
    assert any(r["road"] == "E39" for r in summary["planned_links"])
    islands = summary["islands"]
    assert islands and all(i["kommunenavn"] for i in islands)
    assert "356 of 356" in " ".join(text.split())
    ends = pd.read_csv(out / "ferry_ends.csv")
    assert len(ends) == 341 and set(ends["status"]) >= {"on_road", "connector", "fork_at_sea"}


def test_municipal_matrix_cli_writes_the_regions_form(built, tmp_path):
    out, _ = built
    csv = tmp_path / "mm.csv"
    cells = tmp_path / "cells.parquet"
    res = runner.invoke(app, ["municipal-matrix", str(out), "--year", "2020", "--out", str(csv),
                              "--cells", str(cells), "--cutoff-minutes", "30"])
    assert res.exit_code == 0, res.output
    head = csv.read_text(encoding="utf-8").splitlines()[0]
    assert head == "origin,destination,minutes"
    tab = pd.read_csv(csv, dtype={"origin": str, "destination": str})
    assert len(tab) == 356 * 356 and tab["minutes"].notna().all()
    prov = json.loads(csv.with_suffix(".json").read_text())
    assert prov["population_year"] == 2015 and prov["boundary_year"] == 2020 and prov["network_mode"] == "car"
    cell = pd.read_parquet(cells)
    assert cell["minutes"].max() <= 30 and cell["cell_id"].str.len().eq(14).all()
    cen = pd.read_csv(tmp_path / "mm_centres.csv", dtype={"kommunenummer": str})
    assert {"snap_metres", "population_year"} <= set(cen.columns)


def test_municipal_matrix_refuses_a_car_network_for_boat_and_a_bad_year(built, tmp_path):
    out, _ = built
    res = runner.invoke(app, ["municipal-matrix", str(out), "--mode", "boat", "--out", str(tmp_path / "b.csv")])
    assert res.exit_code != 0
    assert "is a 'car' network" in str(res.exception)
    res = runner.invoke(app, ["municipal-matrix", str(out), "--year", "2018", "--out", str(tmp_path / "c.csv")])
    assert res.exit_code != 0 and "No municipality boundaries for 2018" in str(res.exception)
    assert not (tmp_path / "c.csv").exists()


def test_build_refuses_n1000_options_for_another_source(tmp_path):
    _register()
    res = runner.invoke(app, ["network", "build", "roads/hamar_nvdb_speed_limits_2018.geojson", "--source", "lines",
                              "--include-planned", "--out", str(tmp_path)])
    assert res.exit_code != 0 and "apply only to N1000" in str(res.exception)
