"""SSB 03321/11618 readers: real 2021 flows checked against an independent csv-module pass."""

from __future__ import annotations

import csv
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from geoaccess.errors import DataWarning, InputError
from geoaccess.layers.commuting import (
    flow_matrix,
    jobs_by_workplace,
    read_03321,
    read_11618,
    validate_flows,
    workers_by_residence,
)


@pytest.fixture(scope="module")
def flows_2021(dataset):
    return read_03321(dataset("commuting/pendling_03321_2021.csv"))


def test_03321_matches_plain_csv_reading(dataset, flows_2021):
    path = dataset("commuting/pendling_03321_2021.csv")
    jobs: Counter[str] = Counter()
    res: Counter[str] = Counter()
    total = 0
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            v = int(row["value"])
            jobs[row["ArbstedKomm"]] += v
            res[row["Bokommuen"]] += v
            total += v
    assert total == 2_753_966
    assert flows_2021.attrs["year"] == 2021
    assert int(flows_2021["workers"].sum()) == total
    j = jobs_by_workplace(flows_2021)
    r = workers_by_residence(flows_2021)
    assert int(j.sum()) == total  # jobs by workplace add up exactly to the matrix total
    assert len(j) == 356
    assert all(int(j[c]) == v for c, v in jobs.items() if v > 0)
    assert all(int(r[c]) == v for c, v in res.items() if v > 0)


def test_jobs_equal_11618_and_residents_bounded(dataset, flows_2021):
    t = read_11618(dataset("commuting/kommune_11618_2021.csv")).set_index("kommunenummer")
    assert len(t) == 356
    j = jobs_by_workplace(flows_2021)
    r = workers_by_residence(flows_2021)
    assert (t.loc[j.index, "employed_workplace"] == j).all()
    # 11618 employed-by-residence also counts workplaces abroad/unknown: never below the matrix row sum
    diff = t.loc[r.index, "employed_residence"] - r
    assert diff.min() >= 0
    assert diff.max() < 1000


def test_flow_matrix_against_dense_bruteforce(flows_2021):
    codes, m = flow_matrix(flows_2021)
    sub = flows_2021.sample(200, random_state=1)
    pos = {c: i for i, c in enumerate(codes)}
    for o, d, w in sub.itertuples(index=False):
        assert m[pos[o], pos[d]] == w
    assert m.sum() == flows_2021["workers"].sum()


def _table(rows):
    return pd.DataFrame(rows, columns=["Bokommuen", "ArbstedKomm", "value"])


def test_negative_values_refused():
    with pytest.raises(InputError, match="1 rows have a negative"):
        validate_flows(_table([("0301", "0301", 5), ("0301", "3024", -2)]))


def test_duplicates_refused_or_summed():
    t = _table([("0301", "3024", 5), ("0301", "3024", 2), ("3024", "0301", 1)])
    with pytest.raises(InputError, match="1 origin-destination pairs occur more than once"):
        validate_flows(t)
    with pytest.warns(DataWarning, match="1 origin-destination pairs"):
        out = validate_flows(t, duplicates="sum")
    assert out.set_index(["origin", "destination"])["workers"].to_dict() == {("0301", "3024"): 7, ("3024", "0301"): 1}


def test_bad_codes_and_counts_refused():
    with pytest.raises(InputError, match="not a 4-digit"):
        validate_flows(_table([("Oslo", "0301", 5)]))
    with pytest.raises(InputError, match="non-numeric"):
        validate_flows(_table([("0301", "0301", ".")]))
    # integer codes lose their leading zero in spreadsheets: restored
    out = validate_flows(_table([(301, 3024, 4)]))
    assert out.iloc[0]["origin"] == "0301"
    assert np.issubdtype(out["workers"].dtype, np.integer)


def test_all_zero_code_kept_as_zero_worker_zone(dataset):
    from geoaccess.regions.flows import FlowData

    f = read_03321(dataset("commuting/pendling_03321_2019.csv"))
    # 1567 (Rindal) is still listed in 2019 but moved to Trøndelag as 5061: all its cells are 0
    assert "1567" not in set(f["origin"]) and "1567" in f.attrs["codes"]
    assert len(f.attrs["codes"]) == 422
    # the 2019 code list is checked against the change table: 1567 is read as its 2019 code 5061 (said),
    # and stays a zone without workers, kept as its own region (said too)
    with pytest.warns(DataWarning, match=r"1 zones have no employed residents and no jobs \(e\.g\. 5061\)"), \
            pytest.warns(DataWarning, match=r": 1 codes of another year read as their 2019 code: 1567 -> 5061 "):
        fd = FlowData.from_table(f)
    assert fd.n == 422 and "5061" in set(fd.codes) and "1567" not in set(fd.codes)
    k = list(fd.codes).index("5061")
    assert fd.residents[k] == 0 and fd.jobs[k] == 0
