"""The national demo step: its outputs and the regional-centre rule on a hand-made case."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd


def test_nearest_regional_centre_by_hand():
    from geoaccess.examples.national import minutes_bands, nearest_regional_centre

    centres = pd.DataFrame({"kommunenummer": ["a", "b", "c", "d"], "kommunenavn": list("ABCD"),
                            "population": [50_000, 25_000, 1_000, 500]})
    rows = []
    t = {("a", "b"): 80, ("c", "a"): 40, ("c", "b"): 35, ("d", "a"): np.nan, ("d", "b"): np.nan}
    for o in "abcd":
        for d in "abcd":
            rows.append((o, d, 0.0 if o == d else t.get((o, d), t.get((d, o), 99.0))))
    m = pd.DataFrame(rows, columns=["origin", "destination", "minutes"])
    out = nearest_regional_centre(m, centres, min_population=20_000).set_index("kommunenummer")
    assert out.loc["a", "minutes"] == 0 and out.loc["b", "minutes"] == 0
    assert out.loc["c", "regional_centre"] == "b" and out.loc["c", "minutes"] == 35
    assert np.isnan(out.loc["d", "minutes"])  # no centre reachable: NaN, never 0
    bands = minutes_bands(out["minutes"])
    assert list(bands) == ["0-30", "0-30", "30-45", "unreachable"]


def test_national_demo_writes_its_outputs(tmp_path):
    from geoaccess.examples.national import national_demo

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        s = national_demo(tmp_path)
    assert s["municipalities"] == s["municipalities_reachable"] == 356
    assert s["population_year"] == 2015 and s["regional_centres"] > 40
    for name in ("national_summary.json", "municipal_matrix_2020.csv", "nearest_regional_centre.csv",
                 "nearest_regional_centre.png", "nearest_regional_centre.html"):
        assert (tmp_path / name).stat().st_size > 1000, name
    reach = pd.read_csv(tmp_path / "nearest_regional_centre.csv", dtype={"kommunenummer": str})
    assert len(reach) == 356 and reach["minutes"].notna().all()
    oslo = reach.set_index("kommunenummer").loc["0301"]
    assert oslo["minutes"] == 0
    summary = json.loads((tmp_path / "national_summary.json").read_text(encoding="utf-8"))
    assert summary["municipalities"]["reachable"] == 356
    html = (tmp_path / "nearest_regional_centre.html").read_text(encoding="utf-8")
    assert "Kvits" in html  # names are in the tooltips (JSON may escape the ø)
