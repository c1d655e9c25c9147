"""Cold start of the command line: the first ``geoaccess matrix`` after a fresh install, and warm catchments.

Every measurement is a fresh ``geoaccess`` process (the console script of the interpreter
running this file), timed from outside with its own CPU time, with caches set up as stated:

* ``first matrix, kernels compiled on first use`` — an empty numba cache and an empty
  ``GEOACCESS_CACHE``: what a first run cost before ``make install`` precompiled the kernels;
* ``precompile (make install step)`` — ``python -m geoaccess.engine.precompile`` into an empty
  numba cache: the time added to the install;
* ``first matrix after a fresh install`` — that precompiled numba cache, an empty
  ``GEOACCESS_CACHE`` (the network is built from the PBF and contracted);
* ``warm matrix`` — the same command again (network and hierarchy cached);
* ``warm catchment, 2 origins`` — with the population count and the PNG map, with ``--no-maps``,
  and without population.

Data: ``osm/oslo-east-filtered.osm.pbf`` (car), the 17 upper-secondary schools of Oslo inside
the extract as origins = destinations, Økern and Helsfyr (the corridor recipe's centres) for the
catchments, the SSB 2023 grid of Oslo. Writes ``benchmarks/results/cold-start.json`` and ``.md``.

    .venv/bin/python benchmarks/cold_start.py
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
BIN = Path(sys.executable).parent


def _run(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        msg = f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
        raise RuntimeError(msg)
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "load_1min": round(os.getloadavg()[0], 2)}


def _layers(folder: Path) -> tuple[Path, Path]:
    import geopandas as gpd
    import shapely

    from geoaccess.datasets import fetch

    schools = gpd.read_file(fetch("services/oslo_upper_secondary_schools_2024.geojson")).to_crs("EPSG:25833")
    # the extract's bounding box (eastern Oslo), without building the network in this process
    box = shapely.box(260_116, 6_643_274, 266_755, 6_651_944)
    inside = schools[schools.within(box)][["id", "geometry"]].reset_index(drop=True)
    pts = folder / "schools.gpkg"
    inside.to_file(pts, driver="GPKG")
    two = folder / "centres.geojson"
    gpd.GeoDataFrame({"name": ["Økern", "Helsfyr"]}, geometry=[shapely.Point(10.8080, 59.9285),
                     shapely.Point(10.8003, 59.9125)], crs="EPSG:4326").to_file(two, driver="GeoJSON")
    return pts, two


def main() -> int:
    geoaccess = str(BIN / "geoaccess")
    rows = []
    with tempfile.TemporaryDirectory(prefix="geoaccess-cold-") as tmp:
        tmp_p = Path(tmp)
        pts, two = _layers(tmp_p)
        base = dict(os.environ)
        matrix = [geoaccess, "matrix", "osm/oslo-east-filtered.osm.pbf", "--mode", "car", "--origins", str(pts),
                  "--id-column", "id", "--out", str(tmp_p / "m.parquet")]

        def env(numba: str, cache: str) -> dict[str, str]:
            return base | {"NUMBA_CACHE_DIR": str(tmp_p / numba), "GEOACCESS_CACHE": str(tmp_p / cache)}

        steps = [
            ("first matrix, kernels compiled on first use (empty numba and geoaccess caches)", matrix,
             env("numba-lazy", "cache-lazy")),
            ("precompile: python -m geoaccess.engine.precompile (the make install step)",
             [sys.executable, "-m", "geoaccess.engine.precompile"], env("numba", "cache-unused")),
            ("first matrix after a fresh install (precompiled kernels, empty GEOACCESS_CACHE)", matrix,
             env("numba", "cache")),
            ("warm matrix (the same command again)", matrix, env("numba", "cache")),
        ]
        catch = [geoaccess, "catchment", str(tmp_p / "cache-net"), "--origins", str(two), "--id-column", "name",
                 "--thresholds-minutes", "10,20", "--out", str(tmp_p / "c.gpkg")]
        build = [geoaccess, "network", "build", "osm/oslo-east-filtered.osm.pbf", "--mode", "car", "--out",
                 str(tmp_p / "cache-net")]
        for title, args, e in steps:
            print(f"[{time.strftime('%H:%M:%S')}] {title} ...", flush=True)
            rows.append({"step": title, **_run(args, e)})
            print(f"  {rows[-1]}", flush=True)
        _run(build, env("numba", "cache"))
        _run([*catch, "--no-maps"], env("numba", "cache"))  # loads the hierarchy into the cache
        pop = ["--population", "population/befolkning_250m_2023_oslo.shp"]
        for title, extra in (("warm catchment, 2 origins, population + PNG map", pop),
                             ("warm catchment, 2 origins, population, --no-maps", [*pop, "--no-maps"]),
                             ("warm catchment, 2 origins, no population, --no-maps", ["--no-maps"])):
            best = None
            for _ in range(3):
                got = _run(catch + extra, env("numba", "cache"))
                best = got if best is None or got["wall_s"] < best["wall_s"] else best
            rows.append({"step": title + " (best of 3)", **best})
            print(f"  {rows[-1]}", flush=True)
    report = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "cpu_count": os.cpu_count(), "rows": rows,
              "python": sys.version.split()[0]}
    RESULTS.mkdir(exist_ok=True)
    tmp_json = RESULTS / ".cold-start.json.tmp"
    tmp_json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp_json, RESULTS / "cold-start.json")
    lines = ["# Cold start of the command line (Oslo east car)", "",
             "| step | wall (s) | CPU (s) | load (1 min) |", "|---|---:|---:|---:|"]
    lines += [f"| {r['step']} | {r['wall_s']} | {r['cpu_s']} | {r['load_1min']} |" for r in rows]
    tmp_md = RESULTS / ".cold-start.md.tmp"
    tmp_md.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp_md, RESULTS / "cold-start.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
