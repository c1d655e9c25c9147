"""DIMACS .gr/.co reader."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from geoaccess.errors import InputError
from geoaccess.network.dimacs import read_dimacs

GR = "c tiny\np sp 3 4\nc between\na 1 2 100\na 2 1 120\na 2 3 50\na 3 2 55\n"
CO = "c coords\np aux sp co 3\nv 1 10750000 59900000\nv 2 10760000 59900000\nv 3 10760000 59910000\n"


def test_new_york_counts_units_and_speed(dataset):
    net = read_dimacs(dataset("roadgraphs/USA-road-t.NY.gr.gz"), dataset("roadgraphs/USA-road-d.NY.co.gz"))
    assert (net.n_nodes, net.n_edges) == (264_346, 733_846)
    assert net.crs == "EPSG:32618"
    assert net.node_id[0] == 1 and net.node_id[-1] == 264_346
    # first arcs of the file: "a 1 2 2008", "a 2 1 2008", "a 3 4 395" at 0.1 s per unit
    e12 = net.indptr[0] + np.flatnonzero(net.indices[net.indptr[0] : net.indptr[1]] == 1)[0]
    assert net.seconds[e12] == pytest.approx(200.8)
    assert net.meta["weight_unit_s"] == 0.1
    # node 1 is at -73.530767, 41.085396; its UTM 18N easting is about 624 km
    assert 600_000 < net.x[0] < 650_000
    assert net.metres[e12] == pytest.approx(81.0, abs=3.0)


def test_tiny_plain_and_gzip_files_hand_computed(tmp_path):
    (tmp_path / "g.gr").write_text(GR)
    (tmp_path / "g.co").write_text(CO)
    with gzip.open(tmp_path / "h.gr.gz", "wt") as fh:
        fh.write(GR)
    with gzip.open(tmp_path / "h.co.gz", "wt") as fh:
        fh.write(CO)
    a = read_dimacs(tmp_path / "g.gr", tmp_path / "g.co")
    b = read_dimacs(tmp_path / "h.gr.gz")  # .co found next to it
    for net in (a, b):
        assert net.n_nodes == 3 and net.n_edges == 4
        assert sorted(zip(net.tails.tolist(), net.indices.tolist(), net.seconds.tolist(), strict=False)) == [
            (0, 1, 10.0), (1, 0, 12.0), (1, 2, 5.0), (2, 1, 5.5)
        ]
        assert net.crs == "EPSG:25833"  # Oslo coordinates
        e = int(np.flatnonzero((net.tails == 1) & (net.indices == 2))[0])
        assert net.metres[e] == pytest.approx(1113.0, rel=0.01)  # 0.01 deg latitude
    c = read_dimacs(tmp_path / "g.gr", tmp_path / "g.co", weight_unit_s=1.0)
    assert sorted(c.seconds.tolist()) == [50.0, 55.0, 100.0, 120.0]


def test_count_mismatch_and_bad_lines_are_reported(tmp_path):
    (tmp_path / "g.co").write_text(CO)
    (tmp_path / "bad.gr").write_text(GR.replace("p sp 3 4", "p sp 3 5"))
    with pytest.raises(InputError, match="announces 5 arcs but the file has 4"):
        read_dimacs(tmp_path / "bad.gr", tmp_path / "g.co")
    (tmp_path / "out.gr").write_text(GR.replace("a 3 2 55", "a 3 7 55"))
    with pytest.raises(InputError, match="1..3"):
        read_dimacs(tmp_path / "out.gr", tmp_path / "g.co")
    (tmp_path / "g.gr").write_text(GR)
    with pytest.raises(InputError, match="does not exist"):
        read_dimacs(tmp_path / "g.gr", tmp_path / "none.co")
