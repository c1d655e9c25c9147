"""Benchmark: the strategy's national runs (issue 15) — centrality from the 2015 grid, Dask scaling, omland table.

Targets: the national centrality index from the 2015 grid in under 2 minutes single process; the Dask
LocalCluster time beside it and the scaling from 1 to 2 workers; the omland table of every target
town in under 30 s.

Measured:

* ``centrality_single`` — :func:`centrality_inputs` **without** its cache (the grid read, the cells
  placed in municipalities and given jobs, every cell and service unit snapped) plus
  :func:`national_centrality` in a fresh block folder (356 blocks, index, classes), one process with
  the numba kernels on every core;
* ``centrality_dask_1`` / ``_2`` — the same blocks on a ``LocalCluster`` of 1 and 2 worker processes
  (one thread each, numba one thread per task), inputs prepared; cluster start-up timed apart;
* ``omland`` — ``geoaccess omland`` as a function (:func:`geoaccess.strategy.runs.run_omland`) for the
  target towns of a BA run with the national tables: network from its cache, prepared layers from
  their cache, the blocks, and the outputs (CSV, GeoPackage, PNG, HTML).

Run:  .venv/bin/python benchmarks/strategy.py [--repeat 1]
Writes benchmarks/results/strategy.json and strategy.md (atomically). The machine has 2 cores shared
with other jobs: the load average is recorded, and figures should be rerun on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import warnings
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _centrality_single(prep, tmp: Path) -> dict:  # noqa: ANN001
    from geoaccess.national.centrality import centrality_inputs, national_centrality

    t0 = time.perf_counter()
    ci = centrality_inputs(prep, year=2020, cache=False)
    t1 = time.perf_counter()
    res = national_centrality(prep, prepared=ci, folder=tmp / "single")
    t2 = time.perf_counter()
    return {"inputs_s": round(t1 - t0, 2), "blocks_and_index_s": round(t2 - t1, 2), "total_s": round(t2 - t0, 2),
            "blocks_s": res.run.seconds, "municipalities": len(res.municipalities),
            "oslo": float(res.municipalities.iloc[0]["index"]), "load": _load()}, ci, res


def _centrality_dask(prep, ci, tmp: Path, workers: int, reference) -> dict:  # noqa: ANN001
    from distributed import Client, LocalCluster

    from geoaccess.national.centrality import national_centrality

    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    t1 = time.perf_counter()
    try:
        res = national_centrality(prep, prepared=ci, folder=tmp / f"dask{workers}", client=client)
    finally:
        client.close()
        cluster.close()
    t2 = time.perf_counter()
    same = bool((res.municipalities["index"].to_numpy() == reference.municipalities["index"].to_numpy()).all())
    return {"workers": workers, "cluster_start_s": round(t1 - t0, 2), "blocks_and_index_s": round(t2 - t1, 2),
            "blocks_s": res.run.seconds, "equal_to_single_process": same, "load": _load()}


def _omland(prep, tmp: Path) -> dict:  # noqa: ANN001
    from geoaccess.examples.strategy import _ba_regions
    from geoaccess.strategy.runs import run_centrality, run_omland, run_target_towns

    _ba_regions(tmp / "ba", 2020)
    run_centrality(out=tmp / "centrality", prep=prep, maps=False, blocks=tmp / "single")
    run_target_towns(tmp / "ba", out=tmp / "towns", centrality=tmp / "centrality", prep=prep, maps=False)
    t0 = time.perf_counter()
    s = run_omland(tmp / "towns", out=tmp / "omland", prep=prep)
    return {"towns": s["towns"], "total_s": round(time.perf_counter() - t0, 2), "parts_s": s["seconds"],
            "load": _load()}


def main() -> None:
    """Run the three measurements and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    from geoaccess.strategy.runs import load_car_network

    out: dict = {"machine": {"cpus": os.cpu_count(), "load_before": _load()}}
    t = time.perf_counter()
    prep = load_car_network()
    out["network_from_cache_s"] = round(time.perf_counter() - t, 2)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        out["centrality_single"], ci, ref = _centrality_single(prep, tmp)
        if not args.skip_dask:
            out["centrality_dask_1"] = _centrality_dask(prep, ci, tmp, 1, ref)
            out["centrality_dask_2"] = _centrality_dask(prep, ci, tmp, 2, ref)
            b1, b2 = out["centrality_dask_1"]["blocks_s"], out["centrality_dask_2"]["blocks_s"]
            out["dask_speed_up_1_to_2"] = round(b1 / b2, 2) if b2 else None
        out["omland"] = _omland(prep, tmp)
    from geoaccess.report.atomic import atomic_path

    RESULTS.mkdir(exist_ok=True)
    with atomic_path(RESULTS / "strategy.json") as p:
        p.write_text(json.dumps(out, indent=2), encoding="utf-8")
    lines = ["| run | seconds | notes |", "|---|---|---|"]
    c = out["centrality_single"]
    lines.append(f"| centrality, single process, from the grid | {c['total_s']} | inputs {c['inputs_s']} s, "
                 f"blocks {c['blocks_s']:.1f} s; load {c['load']} |")
    for k in ("centrality_dask_1", "centrality_dask_2"):
        if k in out:
            r = out[k]
            lines.append(f"| centrality, LocalCluster {r['workers']} worker(s) | {r['blocks_and_index_s']} | "
                         f"blocks {r['blocks_s']:.1f} s, start-up {r['cluster_start_s']} s, equal "
                         f"{r['equal_to_single_process']}; load {r['load']} |")
    o = out["omland"]
    lines.append(f"| omland table, {o['towns']} towns | {o['total_s']} | {o['parts_s']}; load {o['load']} |")
    with atomic_path(RESULTS / "strategy.md") as p:
        p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
