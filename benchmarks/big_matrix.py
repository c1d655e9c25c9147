"""Big matrices in bounded memory: a 20,000 x 20,000 Tampere car matrix within a 4 GiB budget.

Each size runs in a fresh child process (so its peak RSS, the kernel's ``VmHWM``, is its own):
the Tampere car network (from the cache), a prepared router, N random points within 40 m of
random nodes (seed 42, in lon/lat), and :func:`geoaccess.engine.matrix_writer.write_matrix` to a
temporary Parquet file, block by block within ``--memory-budget-mb``. Reported per run: wall
seconds (set-up, snapping, routing + writing), peak RSS, the plan printed before the work
(blocks, expected memory and output size), rows written and the file size; with ``--cutoff-minutes``
also the sparse output.

    .venv/bin/python benchmarks/big_matrix.py                       # 10k and 20k, dense, 4 GiB
    .venv/bin/python benchmarks/big_matrix.py --sizes 20000 --cutoff-minutes 30

Writes ``benchmarks/results/big-matrix.json`` and ``.md`` (atomically).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def _hwm_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def child(n: int, budget_mb: float, cutoff: float | None) -> dict[str, Any]:
    """One run in this process (called with ``--child``)."""
    import warnings

    import numpy as np

    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    import geopandas as gpd

    from geoaccess.engine.matrix_writer import write_matrix
    from geoaccess.engine.router import Router
    from geoaccess.network.build import build_network

    net = build_network("osm/tampere.osm.pbf", mode="car")
    router = Router(net)
    _ = router.index
    t_setup = time.perf_counter() - t0
    rng = np.random.default_rng(42)
    pick = rng.integers(0, net.n_nodes, n)
    layer = gpd.GeoDataFrame({"pid": np.arange(n)}, geometry=gpd.points_from_xy(
        net.x[pick] + rng.uniform(-40, 40, n), net.y[pick] + rng.uniform(-40, 40, n)), crs=net.crs).to_crs("EPSG:4326")
    t1 = time.perf_counter()
    pts = router.snap(layer, id_column="pid", warn=False)
    t_snap = time.perf_counter() - t1
    plans: list[Any] = []
    with tempfile.TemporaryDirectory(prefix="geoaccess-big-") as tmp:
        path = Path(tmp) / "m.parquet"
        t2 = time.perf_counter()
        res = write_matrix(router, pts, pts, path, cutoff_minutes=cutoff, memory_budget_mb=budget_mb,
                           on_estimate=plans.append)
        t_write = time.perf_counter() - t2
        size = path.stat().st_size
    plan = plans[0]
    return {
        "points": n, "pairs": n * n, "budget_mib": budget_mb, "cutoff_minutes": cutoff,
        "setup_s": round(t_setup, 2), "snap_s": round(t_snap, 3), "route_and_write_s": round(t_write, 2),
        "total_s": round(time.perf_counter() - t0, 2), "peak_rss_mib": round(_hwm_mib(), 0),
        "rows": res["rows"], "file_mib": round(size / 2**20, 1), "blocks": plan.blocks,
        "block_origins": plan.block_origins, "planned_memory_mib": round(plan.memory_bytes / 2**20, 0),
        "planned_output_mib": round(plan.output_bytes / 2**20, 0), "plan": plan.describe(),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,20000", help="comma list of N (N x N matrices)")
    ap.add_argument("--memory-budget-mb", type=float, default=4096.0)
    ap.add_argument("--cutoff-minutes", type=float, default=None)
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument("--name", default="big-matrix")
    args = ap.parse_args(argv)
    if args.child:
        n, budget, cutoff = args.child
        print(json.dumps(child(int(n), float(budget), None if cutoff == "none" else float(cutoff))))
        return 0
    os.environ.setdefault("NUMBA_CACHE_DIR", str(HERE.parent / ".cache" / "numba"))
    rows = []
    for n in (int(v) for v in args.sizes.split(",") if v.strip()):
        cut = "none" if args.cutoff_minutes is None else str(args.cutoff_minutes)
        print(f"[{time.strftime('%H:%M:%S')}] {n:,} x {n:,}, budget {args.memory_budget_mb:,.0f} MiB, cutoff {cut} ...",
              flush=True)
        proc = subprocess.run([sys.executable, __file__, "--child", str(n), str(args.memory_budget_mb), cut],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            rows.append({"points": n, "status": f"failed: {proc.stderr.strip()[-400:]}"})
            print(rows[-1]["status"], flush=True)
            continue
        row = json.loads(proc.stdout.strip().splitlines()[-1]) | {"status": "ok",
                                                                 "load_1min": round(os.getloadavg()[0], 2)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    RESULTS.mkdir(exist_ok=True)
    report = {"machine_load": os.getloadavg(), "rows": rows,
              "started": time.strftime("%Y-%m-%d %H:%M:%S"), "cpu_count": os.cpu_count()}
    tmp = RESULTS / f".{args.name}.json.tmp"
    tmp.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, RESULTS / f"{args.name}.json")
    lines = ["# Big matrices in bounded memory (Tampere car)", "",
             "| N x N | pairs | budget (MiB) | cut-off | blocks | planned memory (MiB) | peak RSS (MiB) | set-up (s) | "
             "snap (s) | route + write (s) | rows | Parquet (MiB) | load |", "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if r.get("status") != "ok":
            lines.append(f"| {r['points']:,} | | | | | | | | | | | | {r['status']} |")
            continue
        lines.append(f"| {r['points']:,} | {r['pairs']:,} | {r['budget_mib']:,.0f} | {r['cutoff_minutes'] or '–'} | "
                     f"{r['blocks']} | {r['planned_memory_mib']:,.0f} | {r['peak_rss_mib']:,.0f} | {r['setup_s']} | "
                     f"{r['snap_s']} | {r['route_and_write_s']} | {r['rows']:,} | {r['file_mib']:,.1f} | {r['load_1min']} |")
    tmp = RESULTS / f".{args.name}.md.tmp"
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, RESULTS / f"{args.name}.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
