"""The national small-town strategy recipe (cli/small_town_strategy.sh) runs end to end on the real data."""

from __future__ import annotations

import json

import pandas as pd

from test_recipes import run_recipe


def test_small_town_strategy_recipe(tmp_path):
    out = tmp_path / "strategy"
    text = run_recipe("small_town_strategy", out, MAPS="0")
    run = json.loads((out / "centrality" / "run.json").read_text())
    assert run["oslo_index"] == 1000.0 and run["municipalities"] == 356
    towns = pd.read_csv(out / "target_towns" / "target_towns.csv")
    regions = pd.read_csv(out / "ba" / "ba_regions.csv")
    assert len(towns) == len(regions)
    omland = pd.read_csv(out / "omland" / "omland.csv")
    assert len(omland) == int(towns["included"].sum())
    assert "Hamar (3403): class" in text and "class 3-6" in text
