"""Official KLASS 128 classes: layouts, the year of the codes, crosswalk or refuse, comparison, the site hook."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from geoaccess.errors import InputError
from geoaccess.layers.crosswalk import codes_in_force
from geoaccess.strategy.klass import compare_classes, official_classes, read_klass_128, site_classes


def _codes(year):
    return sorted(codes_in_force(year))


def _classes(codes, default=4, **special):
    return {c: special.get(f"k{c}", default) for c in codes}


def _write_plain(path, mapping, *, sep=","):
    pd.DataFrame({"kommunenummer": list(mapping), "class": list(mapping.values())}).to_csv(path, index=False, sep=sep)


def test_klass_correspondence_export_both_directions(tmp_path):
    codes = _codes(2020)
    cls = _classes(codes, k0301=1, k5401=3)
    p = tmp_path / "klass.csv"
    pd.DataFrame({"sourceCode": codes, "sourceName": ["x"] * len(codes), "targetCode": [cls[c] for c in codes],
                  "targetName": ["Klasse"] * len(codes), "validFrom": "2020-01-01"}).to_csv(p, index=False, sep=";")
    got = read_klass_128(p)
    assert got.attrs["year"] == 2020 and len(got) == 356
    assert got.set_index("kommunenummer").loc["0301", "official_class"] == 1
    # class -> municipality direction, no validFrom: the year comes from the codes (2020 = the 2020-2023 set)
    q = tmp_path / "reverse.csv"
    pd.DataFrame({"sourceCode": [cls[c] for c in codes], "targetCode": codes}).to_csv(q, index=False)
    back = read_klass_128(q)
    assert back.attrs["year"] == 2020 and back.set_index("kommunenummer").loc["5401", "official_class"] == 3


def test_unknown_and_other_year_codes_are_named(tmp_path):
    codes = _codes(2020)
    m = _classes(codes)
    m["9999"] = 2
    p = tmp_path / "klass_2020.csv"
    _write_plain(p, m)
    with pytest.raises(InputError, match=r"9999 \(in force in no year\)"):
        read_klass_128(p)
    q = tmp_path / "klass_2020b.csv"
    m2 = _classes(codes)
    m2["0213"] = 3  # Ski, merged into Nordre Follo in 2020
    _write_plain(q, m2)
    with pytest.raises(InputError, match=r"0213 \(1940-2019\).*--klass-year"):
        read_klass_128(q, year=2020)


def test_bad_rows(tmp_path):
    p = tmp_path / "k.csv"
    pd.DataFrame({"kommunenummer": ["0301", "1103"], "class": [1, 7]}).to_csv(p, index=False)
    with pytest.raises(InputError, match=r"class outside 1-6: line 3 \('7'\)"):
        read_klass_128(p, year=2020)
    pd.DataFrame({"kommunenummer": ["0301", "0301"], "class": [1, 1]}).to_csv(p, index=False)
    with pytest.raises(InputError, match="more than once: 0301"):
        read_klass_128(p, year=2020)
    pd.DataFrame({"kode": ["0301"], "navn": ["Oslo"]}).to_csv(p, index=False)
    with pytest.raises(InputError, match="no municipality and class columns"):
        read_klass_128(p, year=2020)


def test_a_different_years_codes_are_crosswalked_or_refused(tmp_path):
    codes19 = _codes(2019)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        same = _classes(codes19, default=5)  # every municipality class 5: every merger is consistent
        p = tmp_path / "klass_2019.csv"
        _write_plain(p, same)
        k = read_klass_128(p)
        assert k.attrs["year"] == 2019
        got = official_classes(k, to_year=2020).set_index("kommunenummer")
        assert len(got) == 356 and (got["official_class"] == 5).all()
        assert got.loc["3020", "class_basis"] == "merged from 0213+0217"
        assert got.loc["5059", "class_basis"] == "merged from 5012 (part)+5016+5023+5024"  # Snillfjord divided
        assert got.loc["0301", "class_basis"] == "as published"
        # Ski (0213) and Oppegård (0217) in different classes: Nordre Follo has no single class
        clash = _classes(codes19, default=5, k0213=2, k0217=1)
        _write_plain(p, clash)
        with pytest.raises(InputError, match=r"3020 \(0213: class 2, 0217: class 1\)"):
            official_classes(read_klass_128(p), to_year=2020)


def test_compare_and_site_classes():
    computed = pd.DataFrame({"kommunenummer": ["0301", "1151", "3403"], "index": [1000, 367, 877], "class": [1, 6, 2]})
    official = pd.DataFrame({"kommunenummer": ["0301", "1151", "3403"], "official_class": [1, 6, 3]})
    official.attrs["source"] = "SSB KLASS 128 (test)"
    table, s = compare_classes(computed, official)
    assert s == {"compared": 3, "equal": 2, "one_apart": 1, "more_apart": 0, "without_official": [],
                 "without_computed": []}
    assert table.set_index("kommunenummer").loc["3403", "class_difference"] == -1
    sites = site_classes(computed, official).set_index("kommunenummer")
    assert sites.loc["3403", "class"] == 3 and bool(sites.loc["3403", "differs"])
    assert sites.attrs["source"].startswith("SSB KLASS 128")
    computed_only = site_classes(computed)
    assert list(computed_only["class"]) == [1, 6, 2]
    # the table site evaluation reads: kommunenummer,class (location.sites.evaluate_sites(centrality=...))
    assert {"kommunenummer", "class"} <= set(computed_only.columns)
