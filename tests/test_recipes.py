"""The user-story recipes (cli/*.sh) and notebooks (notebooks/*.ipynb) run end to end on the real data.

Each recipe runs with ``bash -euo pipefail`` in a temporary OUT folder, with the venv's
``geoaccess`` first on PATH; each notebook is executed with nbclient on a kernel that is
pinned to this interpreter (a kernelspec written to a temporary JUPYTER_PATH). The checks
compare the written numbers with independent recomputations (raw SSB flows with pandas,
sums over the written allocation, the totals of the population grids) and with bounds
that a wrong result would break.

Runtime with warm network caches (GEOACCESS_CACHE), measured on 2 shared cores: recipes
about 35 + 40 + 40 s (the regions recipe without maps), notebooks about 12-22 s each.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
CLI = ROOT / "cli"
NOTEBOOKS = ROOT / "notebooks"

OSLO_POPULATION = 707_339  # SSB 250 m grid 2023, Oslo (MANIFEST)
AKERSHUS_POPULATION = 723_432  # SSB 250 m grid 2023, Akershus (MANIFEST)
N_MUNICIPALITIES_2021 = 356


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["PYTHON"] = sys.executable
    env.setdefault("GEOACCESS_CACHE", str(ROOT / ".cache" / "test-cache"))
    env.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".cache" / "numba"))
    env["COLUMNS"] = "120"
    return env


def run_recipe(name: str, out: Path, **extra_env: str) -> str:
    """Run cli/<name>.sh with bash -euo pipefail; return its stdout, fail with its output."""
    env = _env() | extra_env
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", str(CLI / f"{name}.sh"), str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False,
    )
    assert proc.returncode == 0, f"{name}.sh failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc.stdout


# ---------------------------------------------------------------------------------- recipes
def test_recipes_are_strict_bash_with_an_out_argument():
    for script in sorted(CLI.glob("*.sh")):
        text = script.read_text(encoding="utf-8")
        assert text.startswith("#!/usr/bin/env bash"), script.name
        assert "set -euo pipefail" in text, script.name
        assert 'OUT="${1:-out/' in text, script.name
    assert {p.stem for p in CLI.glob("*.sh")} >= {"corridor_planner", "office_sites", "functional_regions"}


def test_small_town(tmp_path):
    """Hamar: NVDB stitched into N1000, municipality matrices on both, the small-town analysis on the composite."""
    out = tmp_path / "small_town"
    stdout = run_recipe("small_town", out, MAPS="0")
    joins = pd.read_csv(out / "composite" / "joins.csv")
    assert len(joins) == 28 and (joins["match"] == "road number").sum() == 8
    rows = pd.read_csv(out / "hamar_rows_n1000_vs_composite.csv").set_index("from Hamar to")
    # the composite's streets are slower than N1000's 1:1M roads, but within the generalisation difference
    assert ((rows["composite minutes"] >= rows["N1000 minutes"] / 1.25 - 1) &
            (rows["composite minutes"] <= rows["N1000 minutes"] * 1.25 + 1)).all()
    omland = pd.read_csv(out / "analysis" / "omland.csv")
    assert omland["population"].is_monotonic_increasing and omland["population"].iloc[-1] > 200_000
    assert "Mjøsa" in stdout or "mjosa" in stdout


def test_corridor_planner(tmp_path):
    import geopandas as gpd

    out = tmp_path / "corridor"
    run_recipe("corridor_planner", out)
    assert (out / "network" / "network.npz").is_file()
    assert (out / "catchments.png").stat().st_size > 10_000

    catch = gpd.read_file(out / "catchments.gpkg")
    assert set(catch["origin_id"]) == {"Økern", "Helsfyr"}
    assert sorted(catch["minutes"].unique()) == [10.0, 30.0, 45.0, 60.0]
    for _, g in catch.groupby("origin_id"):
        pop = g.sort_values("minutes")["population"].to_numpy()
        assert np.all(np.diff(pop) >= 0), "nested catchments must not lose residents"
        assert 50_000 < pop[0] <= pop[-1] <= OSLO_POPULATION
        area = g.sort_values("minutes").geometry.area.to_numpy()
        assert np.all(np.diff(area) >= -1.0)

    enl = pd.read_csv(out / "oslo_east_new_link" / "enlargement.csv")
    assert set(enl["weight"]) == {"population", "jobs"}
    # a new link can only shorten travel times: nothing is lost, and the tunnel helps somewhere
    assert (enl["after"] >= enl["before"] - 1e-6).all()
    assert (enl["change"] > 0).any()
    np.testing.assert_allclose(enl["change"], enl["after"] - enl["before"], rtol=1e-9, atol=1e-6)
    pop = enl[enl["weight"] == "population"].sort_values("minutes")
    assert np.all(np.diff(pop["before"].to_numpy()) >= 0)
    assert pop["before"].max() <= OSLO_POPULATION
    assert (out / "oslo_east_new_link" / "change.png").is_file()
    assert json.loads((out / "oslo_east_new_link" / "run.json").read_text())  # parseable


def test_functional_regions(tmp_path):
    out = tmp_path / "regions"
    stdout = run_recipe("functional_regions", out, MAPS="0")  # the maps cost ~25 s; tested in test_cli_regions
    assert "adjusted Rand index" in stdout

    for method in ("lma", "ba"):
        members = pd.read_csv(out / f"{method}_membership.csv", dtype={"kommunenummer": str, "region": str})
        assert len(members) == N_MUNICIPALITIES_2021
        assert members["kommunenummer"].is_unique
        regions = pd.read_csv(out / f"{method}_regions.csv", dtype={"region": str})
        assert regions["n_municipalities"].sum() == N_MUNICIPALITIES_2021
        assert (out / f"{method}_regions.gpkg").is_file()
        assert not (out / f"{method}_regions.png").exists()  # MAPS=0 is honoured
    n_lma = pd.read_csv(out / "lma_regions.csv").shape[0]
    n_ba = pd.read_csv(out / "ba_regions.csv").shape[0]
    assert 40 < n_lma < 150 and 40 < n_ba < 300

    summary = pd.read_csv(out / "lma_vs_ba_summary.csv").iloc[0]
    assert 0.0 < summary["ari"] < 1.0
    assert 0.0 < summary["best_match_share"] <= 1.0
    assert summary["n_regions_a"] == n_lma and summary["n_regions_b"] == n_ba
    moves = pd.read_csv(out / "lma_vs_ba_moves.csv", dtype={"kommunenummer": str})
    assert len(moves) == summary["n_moved"]

    # Ullensaker's LMA: recompute self-containment from the raw SSB table with plain pandas
    ull = pd.read_csv(out / "ullensaker_region.csv", dtype={"region": str}).set_index("method")
    lma_members = pd.read_csv(out / "lma_membership.csv", dtype={"kommunenummer": str, "region": str})
    members = set(lma_members.loc[lma_members["region"] == ull.loc["lma", "region"], "kommunenummer"])
    assert "3033" in members
    raw = pd.read_csv(subprocess.run(
        ["geoaccess", "data", "path", "commuting/pendling_03321_2021.csv"],
        env=_env(), capture_output=True, text=True, check=True,
    ).stdout.strip(), dtype={"ArbstedKomm": str, "Bokommuen": str})
    live, work = raw["Bokommuen"].isin(members), raw["ArbstedKomm"].isin(members)
    within = raw.loc[live & work, "value"].sum()
    assert ull.loc["lma", "residents"] == pytest.approx(raw.loc[live, "value"].sum())
    assert ull.loc["lma", "sc_supply"] == pytest.approx(within / raw.loc[live, "value"].sum(), rel=1e-9)
    assert ull.loc["lma", "sc_demand"] == pytest.approx(within / raw.loc[work, "value"].sum(), rel=1e-9)
    assert 0.5 < ull.loc["lma", "self_containment"] <= 1.0

    # Jessheim by bus: nested thresholds, bounded by the Akershus total
    cells = pd.read_csv(out / "transit" / "jessheim_transit_2017-09-12.csv")
    p30 = cells.loc[cells["within_30"], "population"].sum()
    p45 = cells.loc[cells["within_45"], "population"].sum()
    assert 1_000 < p30 < p45 < AKERSHUS_POPULATION
    assert (cells.loc[cells["within_30"], "minutes_p50"] <= 30).all()
    assert (cells["minutes_p5"] <= cells["minutes_p50"] + 1e-9).all()
    # p95 is NaN (not reached) for cells reached on fewer than 95 % of the departures
    assert ((cells["minutes_p50"] <= cells["minutes_p95"] + 1e-9) | cells["minutes_p95"].isna()).all()
    assert cells["minutes_p50"].notna().all()


def test_office_sites(tmp_path):
    out = tmp_path / "office"
    run_recipe("office_sites", out)
    assert (out / "site_evaluation.html").stat().st_size > 5_000
    import pyogrio

    # QGIS-ready files: layer names without temporary suffixes, one CRS per GeoPackage
    assert [str(n) for n in pyogrio.list_layers(out / "nav_offices.gpkg")[:, 0]] == ["nav_offices"]
    for gpkg in (out / "site_evaluation.gpkg", out / "mclp_schools" / "location.gpkg"):
        names = [str(n) for n in pyogrio.list_layers(gpkg)[:, 0] if str(n) != "layer_styles"]
        assert names and all(".tmp" not in n and ".gpkg" not in n for n in names)
        assert {pyogrio.read_info(gpkg, layer=n)["crs"] for n in names} == {"EPSG:25833"}, gpkg
    assert not list(out.rglob("*.tmp*"))

    ev = pd.read_csv(out / "site_evaluation_wide.csv")
    assert len(ev) == 3
    assert set(ev["site_id"]) == {"helsfyr", "carl_berner", "lambertseter"}
    for col in ("pool_30", "pool_60"):
        assert ((ev[col] > 10_000) & (ev[col] <= OSLO_POPULATION)).all()
    assert (ev["pool_30"] <= ev["pool_60"]).all()
    assert (ev["users_mean_minutes"] > 0).all() and (ev["users_mean_minutes"] < 60).all()
    assert (ev["users_mean_minutes"] <= ev["users_p90_minutes"]).all()
    assert (ev["centrality_class"] == 1).all()
    # volume effect = N new jobs per thousand jobs of the site's BA-region
    # (the wide table holds the values as ranked: per mille to 0.01)
    np.testing.assert_allclose(ev["effect_region_permille"], 1000.0 * 50 / ev["ba_region_jobs"], atol=0.005 + 1e-12)

    mclp = json.loads((out / "mclp_schools" / "summary.json").read_text())
    assert mclp["model"] == "mclp" and mclp["status"] == "optimal"
    assert len(mclp["selected"]) == 3
    alloc = pd.read_csv(out / "mclp_schools" / "allocation.csv", dtype={"site_id": str})
    assert set(alloc["site_id"].dropna()) <= set(mclp["selected"])
    # covered weight recomputed from the written allocation (each cell to its nearest open school)
    covered = alloc.loc[alloc["minutes"] <= 15.0, "weight"].sum()
    assert covered == pytest.approx(mclp["objective"], rel=1e-9)
    assert 0 < mclp["objective"] <= mclp["statistics"]["total_weight"] <= OSLO_POPULATION


# -------------------------------------------------------------------------------- notebooks
NOTEBOOK_NAMES = (
    "01_catchments_oslo_east",
    "02_labour_market_regions",
    "03_service_coverage_and_sites",
    "04_transit_jessheim",
)


def test_notebooks_are_committed_without_outputs():
    import nbformat

    for name in NOTEBOOK_NAMES:
        path = NOTEBOOKS / f"{name}.ipynb"
        assert path.stat().st_size < 60_000, f"{path.name} is large: outputs committed?"
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: clear the outputs"
        assert any("summary" in c.metadata.get("tags", []) for c in nb.cells)


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """A python3 kernelspec that runs this interpreter, first on JUPYTER_PATH."""
    pytest.importorskip("ipykernel")
    pytest.importorskip("nbclient")
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (geoaccess venv)",
        "language": "python",
    }))
    mp = pytest.MonkeyPatch()
    mp.setenv("JUPYTER_PATH", str(root))
    for key, value in _env().items():
        if key in {"PATH", "GEOACCESS_CACHE", "NUMBA_CACHE_DIR"}:
            mp.setenv(key, value)
    yield mp
    mp.undo()


def run_notebook(name: str, out: Path, mp: pytest.MonkeyPatch) -> dict:
    """Execute a notebook; return the JSON printed by its cell tagged 'summary'."""
    import nbformat
    from nbclient import NotebookClient

    mp.setenv("GEOACCESS_NOTEBOOK_OUT", str(out))
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    NotebookClient(nb, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(out)}}).execute()
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            assert o.output_type != "error", f"{name}: {o.get('ename')}: {o.get('evalue')}"
    (cell,) = [c for c in nb.cells if "summary" in c.metadata.get("tags", [])]
    text = "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")
    return json.loads(text)


def test_notebook_01_catchments(tmp_path, kernel_env):
    s = run_notebook("01_catchments_oslo_east", tmp_path, kernel_env)
    assert s["network_nodes"] > 1_000 and s["network_edges"] > s["network_nodes"]
    assert 10 <= s["schools_snapped"] < s["schools_total"] == 30
    assert 0 < s["residents_within_10_min_of_a_school"] <= s["residents_reaching_a_school"] <= OSLO_POPULATION
    poly, mat = np.array(s["catchment_population"]), np.array(s["catchment_population_from_matrix"])
    assert poly.shape == mat.shape == (6,)
    assert np.all(poly[1::2] >= poly[0::2]) and np.all(mat[1::2] >= mat[0::2])  # 10 min >= 5 min
    # polygon (centre rule) and matrix counts are different rules but must agree roughly at 10 min
    np.testing.assert_allclose(poly[1::2], mat[1::2], rtol=0.25)
    assert Path(s["png"]).stat().st_size > 10_000


def test_notebook_02_regions(tmp_path, kernel_env):
    s = run_notebook("02_labour_market_regions", tmp_path, kernel_env)
    assert s["n_municipalities"] == N_MUNICIPALITIES_2021
    assert 40 < s["lma_regions_2021"] < 150 and 40 < s["lma_regions_2020"] < 150
    assert s["ba_regions_2021"] > 0
    assert s["ullensaker_lma_self_containment"] == pytest.approx(s["ullensaker_lma_self_containment_raw_check"], rel=1e-12)
    assert 0.5 < s["ullensaker_lma_self_containment"] <= 1.0
    assert 0.0 < s["ari_lma_vs_ba"] < s["ari_lma_2020_vs_2021"] <= 1.0
    assert 0 <= s["moved_2020_2021"] < N_MUNICIPALITIES_2021
    assert Path(s["png"]).is_file()


def test_notebook_03_coverage_and_sites(tmp_path, kernel_env):
    s = run_notebook("03_service_coverage_and_sites", tmp_path, kernel_env)
    assert 0 < s["residents"] <= OSLO_POPULATION
    assert len(s["coverage"]) == 3
    for shares in s["coverage"].values():
        s10, s20 = shares["within 10 min walk"], shares["within 20 min walk"]
        assert 0.0 < s10 <= s20 <= 1.0
    school = next(v for k, v in s["coverage"].items() if k.startswith("upper-secondary"))
    assert school["within 20 min walk"] == pytest.approx(s["school_share_20_numpy"], abs=1e-12)
    assert len(s["sites"]) == 3
    assert s["mclp_status"] == "optimal" and len(s["mclp_selected"]) == 3
    assert s["mclp_covered"] == pytest.approx(s["mclp_brute_force_covered"], rel=1e-9)
    assert s["mclp_heuristic_covered"] <= s["mclp_covered"] + 1e-6


def test_notebook_04_transit(tmp_path, kernel_env):
    s = run_notebook("04_transit_jessheim", tmp_path, kernel_env)
    assert s["trips_on_date"] > 100 and s["origin_quays"] >= 1
    assert s["raptor_vs_range_max_diff_s"] == 0.0
    assert s["population_within_30_min"] == s["recount_30"]
    assert s["population_within_45_min"] == s["recount_45"]
    assert 1_000 < s["population_within_30_min"] < s["population_within_45_min"] < s["population_total"]
    assert s["population_total"] == AKERSHUS_POPULATION
    by_p = s["population_within_45_by_percentile"]
    assert by_p["5"] >= by_p["50"] >= by_p["95"] > 0  # a lucky departure reaches at least as many
