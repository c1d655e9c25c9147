"""geoaccess against OSRM on the same PBF: the distribution of geoaccess/OSRM car times, per profile.

For each extract (Tampere, Andorra, eastern Oslo) OSRM is built from the PBF with its own
``car.lua`` (``osrm-extract`` + ``osrm-contract``, the wheel's executables) and geoaccess builds
its network from the same file with each named car profile (``posted``, ``driven``). The same
random points — placed *on* drivable roads (a random position along a random edge of the
geoaccess network), so that both tools snap them to the same road — are routed by both:
geoaccess with ``free_snap_m=inf`` (the snap leg is free, as in OSRM), OSRM with its Table
service. The ratio geoaccess/OSRM is taken over every pair both reach whose OSRM time is at
least ``--min-seconds`` (default 60 s; shorter trips are dominated by where each tool puts the
point on a junction).

Run in the benchmark venv (Python 3.12, ``bash benchmarks/setup_peers.sh``)::

    .venv-bench/bin/python benchmarks/realism.py                 # all extracts, both profiles
    .venv-bench/bin/python benchmarks/realism.py --points 300 --json benchmarks/results/realism.json

Prints, per extract and profile: pairs, median ratio, p10/p90, p90 of |ratio - 1|, share of
pairs within ±10 %, and the targets (median in 0.95-1.05, p90 |ratio - 1| < 0.10). Timings are
not measured here; the machine may be busy.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

EXTRACTS = {
    "tampere": "osm/tampere.osm.pbf",
    "andorra": "osm/andorra-2013.osm.pbf",
    "oslo-east": "osm/oslo-east-filtered.osm.pbf",
}
PROFILES = ("posted", "driven")


def road_points(net: Any, k: int, *, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``k`` random positions along random non-ferry edges of ``net`` (x, y in its CRS), weighted by length."""
    from geoaccess.network.graph import EdgeFlag

    rng = np.random.default_rng(seed)
    ok = np.flatnonzero(((net.flags & (EdgeFlag.FERRY | EdgeFlag.CONNECTOR)) == 0) & (net.metres > 20))
    e = rng.choice(ok, size=k, replace=False, p=net.metres[ok] / net.metres[ok].sum())
    geoms = net.edge_geometries(e)
    t = rng.uniform(0.2, 0.8, size=k)
    pts = [g.interpolate(tt, normalized=True) for g, tt in zip(geoms, t, strict=True)]
    return np.array([p.x for p in pts]), np.array([p.y for p in pts])


def ratio_stats(ga: np.ndarray, osrm: np.ndarray, *, min_seconds: float) -> dict[str, Any]:
    """Distribution of ga/osrm over pairs both reach with an OSRM time of at least ``min_seconds``."""
    off = ~np.eye(ga.shape[0], dtype=bool) if ga.shape[0] == ga.shape[1] else np.ones(ga.shape, bool)
    ok = off & np.isfinite(ga) & np.isfinite(osrm) & (osrm >= min_seconds)
    r = ga[ok] / osrm[ok]
    dev = np.abs(r - 1.0)
    only_ga = int((off & np.isfinite(ga) & ~np.isfinite(osrm)).sum())
    only_osrm = int((off & ~np.isfinite(ga) & np.isfinite(osrm)).sum())
    return {
        "pairs": int(ok.sum()),
        "median": float(np.median(r)),
        "p10": float(np.percentile(r, 10)),
        "p90": float(np.percentile(r, 90)),
        "p90_abs_dev": float(np.percentile(dev, 90)),
        "within_10pct": float((dev <= 0.10).mean()),
        "median_osrm_minutes": float(np.median(osrm[ok]) / 60),
        "reached_by_geoaccess_only": only_ga,
        "reached_by_osrm_only": only_osrm,
        "meets_targets": bool(0.95 <= np.median(r) <= 1.05 and np.percentile(dev, 90) < 0.10),
    }


def compare(name: str, source: str, *, points: int, seed: int, min_seconds: float, workdir: Path,
            profiles: tuple[str, ...] = PROFILES) -> list[dict[str, Any]]:
    """Rows of :func:`ratio_stats` for one extract and every profile."""
    import peers
    from pyproj import Transformer

    from geoaccess.datasets import fetch
    from geoaccess.engine.router import Router
    from geoaccess.network.build import build_network

    pbf = fetch(source)
    base, _ = peers.osrm_prepare(pbf, workdir / name)
    engine = peers.osrm_engine(base)
    rows = []
    ref = None
    for prof in profiles:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            net = build_network(pbf, mode="car", profile=prof)
        if ref is None:  # the same points for every profile
            ref = net
            x, y = road_points(net, points, seed=seed)
            lon, lat = Transformer.from_crs(net.crs, "EPSG:4326", always_xy=True).transform(x, y)
            osrm = peers.osrm_table(engine, np.column_stack([lon, lat]))
        router = Router(net)
        snapped = router.snap((x, y), crs=net.crs, free_snap_m=np.inf, warn=False)
        ga = router.matrix(snapped).seconds
        stats = ratio_stats(ga, osrm, min_seconds=min_seconds)
        stats.update({"extract": name, "profile": prof, "turn_aware": router.turn_aware,
                      "nodes": net.n_nodes, "edges": net.n_edges,
                      "restrictions": 0 if net.turns is None else int(net.turns.n_restrictions)})
        rows.append(stats)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--points", type=int, default=300, help="random road points per extract (pairs: points^2)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--min-seconds", type=float, default=60.0, help="leave out pairs OSRM routes in less than this")
    ap.add_argument("--extract", action="append", choices=sorted(EXTRACTS), help="default: all")
    ap.add_argument("--profile", action="append", choices=PROFILES, help="default: both")
    ap.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="geoaccess-osrm-") as tmp:
        for name in args.extract or list(EXTRACTS):
            rows += compare(name, EXTRACTS[name], points=args.points, seed=args.seed, min_seconds=args.min_seconds,
                            workdir=Path(tmp), profiles=tuple(args.profile or PROFILES))
    head = f"{'extract':<10} {'profile':<7} {'pairs':>7} {'median':>7} {'p10':>6} {'p90':>6} {'p90|r-1|':>9} {'±10%':>6}  targets"
    print(head)
    for r in rows:
        print(f"{r['extract']:<10} {r['profile']:<7} {r['pairs']:>7} {r['median']:>7.3f} {r['p10']:>6.3f} "
              f"{r['p90']:>6.3f} {r['p90_abs_dev']:>9.3f} {r['within_10pct']:>6.1%}  "
              f"{'met' if r['meets_targets'] else 'not met'}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
