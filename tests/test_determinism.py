"""Issue 11 item 8: the location heuristics with a seed give identical results across runs and worker counts.

Oslo east (walk network, SSB 250 m population 2023, the upper-secondary schools): the
travel-time matrix and the seeded p-median and MCLP heuristics are computed in child
processes with 1 and 2 numba threads, and with the matrix split over 1 or 2 Dask workers
and different batch sizes; every run must give byte-identical matrices and identical
open sites, assignments and objectives. The oracle is the first run itself: any
difference is a determinism bug.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

_RUN = textwrap.dedent(
    """
    import hashlib, json, sys, warnings
    import numpy as np
    warnings.simplefilter("ignore")
    from geoaccess.engine import travel_time_matrix
    from geoaccess.layers.population import read_ssb_grid
    from geoaccess.layers.services import read_oslo_upper_secondary
    from geoaccess.location.heuristics import solve_heuristic
    from geoaccess.location.problem import LocationProblem
    from geoaccess.network.build import build_network

    workers, batch = int(sys.argv[1]), int(sys.argv[2])
    net = build_network("osm/oslo-east-filtered.osm.pbf", mode="walk")
    pop = read_ssb_grid("population/befolkning_250m_2023_oslo.shp", as_points=True)
    kw = dict(origin_id="cell_id", destination_id="id", output="array", batch_size=batch)
    if workers:
        from distributed import Client
        with Client(n_workers=workers, threads_per_worker=1, processes=False, dashboard_address=None) as client:
            tt = travel_time_matrix(net, pop, read_oslo_upper_secondary(), backend="dask", client=client, **kw)
    else:
        tt = travel_time_matrix(net, pop, read_oslo_upper_secondary(), **kw)
    minutes = tt.seconds / 60.0
    cols = np.isfinite(minutes).any(axis=0)
    rows = np.isfinite(minutes[:, cols]).all(axis=1)
    prob = LocationProblem.from_matrix(minutes[rows][:, cols], pop["population"].to_numpy()[rows])
    out = {"matrix": hashlib.sha256(np.ascontiguousarray(tt.seconds).tobytes()).hexdigest()}
    for model, extra in (("pmedian", {}), ("mclp", {"minutes": 15})):
        for seed in (0, 7):
            r = solve_heuristic(prob, model, p=4, restarts=6, seed=seed, bound=False, **extra)
            out[f"{model}-{seed}"] = [np.flatnonzero(r.open).tolist(), r.objective,
                                      hashlib.sha256(np.asarray(r.allocation).tobytes()).hexdigest()]
    print(json.dumps(out))
    """
)


def _run(tmp_path: Path, *, threads: int, workers: int, batch: int) -> dict:
    script = tmp_path / "run.py"
    script.write_text(_RUN, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NUMBA_NUM_THREADS": str(threads)}
    r = subprocess.run([sys.executable, str(script), str(workers), str(batch)], capture_output=True, text=True,
                       env=env, timeout=1200, check=False)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_location_heuristics_identical_across_runs_threads_and_workers(tmp_path, dataset):
    dataset("osm/oslo-east-filtered.osm.pbf")
    dataset("population/befolkning_250m_2023_oslo.shp")
    first = _run(tmp_path, threads=1, workers=0, batch=256)
    runs = [
        _run(tmp_path, threads=1, workers=0, batch=256),  # the same run again
        _run(tmp_path, threads=2, workers=0, batch=64),  # two numba threads, other batches
        _run(tmp_path, threads=1, workers=2, batch=100),  # two Dask workers
    ]
    for r in runs:
        assert r == first
    assert first["pmedian-0"][0] != [] and len(first["pmedian-0"][0]) == 4
