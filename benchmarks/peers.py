"""Peer wrappers for the benchmark harness: each runs one tool on the same real data.

Every wrapper imports its peer inside the function, so a peer that is not
installed only costs its own rows (reported as ``unavailable: <reason>`` by
:mod:`benchmarks.run`), never the whole run. Times are wall-clock seconds from
:func:`time.perf_counter`; memory is the process resident set size (RSS) in MiB.

Units: travel times are **seconds** everywhere in this module; minutes appear
only in catchment thresholds, as the peers' own APIs take them.
"""

from __future__ import annotations

import os
import resource
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "Measurement",
    "Unavailable",
    "car_xml_from_pbf",
    "choose_nodes",
    "ga_build",
    "ga_catchments",
    "ga_ch_build",
    "ga_ch_matrix",
    "ga_ch_matrix_threads",
    "ga_dijkstra_matrix",
    "ga_read_dimacs",
    "ga_warm_up",
    "igraph_matrix",
    "isochrone_areas_km2",
    "measure",
    "networkx_matrix",
    "node_lonlat",
    "osmnx_xml_build",
    "osrm_engine",
    "osrm_prepare",
    "osrm_table",
    "pandana_build",
    "pandana_matrix",
    "pyrosm_build",
    "scipy_matrix",
    "valhalla_build_tiles",
    "valhalla_isochrones",
]


class Unavailable(RuntimeError):
    """A peer (or a geoaccess module) cannot be imported or run here; the message says why."""


def _require(module: str, *, pip: str | None = None) -> Any:
    """Import ``module`` or raise :class:`Unavailable` naming the package to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except Exception as exc:
        msg = f"cannot import {module} ({type(exc).__name__}: {exc}); install {pip or module}"
        raise Unavailable(msg) from exc


# ------------------------------------------------------------------ measuring
def _rss_mib() -> float:
    """Current resident set size of this process in MiB (Linux /proc)."""
    with open("/proc/self/statm", encoding="ascii") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _maxrss_mib() -> float:
    """High-water mark of this process's RSS in MiB (``ru_maxrss`` is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def hwm_mib() -> float | None:
    """Peak RSS since the last :func:`reset_hwm` (``VmHWM`` in /proc/self/status), MiB."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def reset_hwm() -> bool:
    """Reset the kernel's peak-RSS mark to the current RSS (``echo 5 > /proc/self/clear_refs``).

    Returns False where that is not allowed (non-Linux, old kernels); then
    :func:`measure` falls back to ``ru_maxrss`` and a sampler.
    """
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


@dataclass
class Measurement:
    """Wall time and memory of one call.

    Attributes
    ----------
    seconds
        Wall-clock time in seconds (``time.perf_counter``).
    rss_before_mib
        RSS just before the call, MiB.
    peak_rss_mib
        Peak RSS during the call, MiB: the kernel's exact high-water mark
        (``VmHWM``, reset just before the call through /proc/self/clear_refs);
        where that reset is not possible, ``ru_maxrss`` when the call raised
        it, else the maximum of a 5 ms RSS sampler.
    """

    seconds: float
    rss_before_mib: float
    peak_rss_mib: float

    @property
    def delta_rss_mib(self) -> float:
        """Peak RSS growth over the RSS before the call, MiB."""
        return max(0.0, self.peak_rss_mib - self.rss_before_mib)


def best_of(fn: Callable[[], Any], repeat: int, *, warm_up: bool = True) -> tuple[float, Any]:
    """Best wall time (seconds) of ``repeat`` runs of ``fn``, after one untimed warm-up run when
    ``warm_up``, and the result of that best run."""
    out = fn() if warm_up else None
    best = np.inf
    for _ in range(max(1, int(repeat))):
        t = time.perf_counter()
        res = fn()
        took = time.perf_counter() - t
        if took < best:
            best, out = took, res
    return best, out


def measure(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> tuple[Any, Measurement]:
    """Run ``fn(*args, **kwargs)`` and return its result with a :class:`Measurement`."""
    before = _rss_mib()
    max_before = _maxrss_mib()
    exact = reset_hwm()
    peak = [before]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.005):
            peak[0] = max(peak[0], _rss_mib())

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    t0 = time.perf_counter()
    try:
        result = fn(*args, **kwargs)
    finally:
        seconds = time.perf_counter() - t0
        stop.set()
        thread.join()
    peak_val = max(peak[0], _rss_mib())
    hwm = hwm_mib() if exact else None
    if hwm is not None:
        peak_val = max(peak_val, hwm)
    else:
        max_after = _maxrss_mib()
        if max_after > max_before:
            peak_val = max(peak_val, max_after)
    return result, Measurement(seconds=seconds, rss_before_mib=before, peak_rss_mib=peak_val)


# ------------------------------------------------------------------ node sets
def choose_nodes(net: Any, count: int, *, seed: int = 0) -> np.ndarray:
    """Pick ``count`` distinct random nodes of the largest strongly connected component.

    Drawing from the largest SCC keeps every origin-destination pair
    reachable, so the matrices compare finite travel times, not inf patterns.
    Sampling is with replacement only when the component is smaller than ``count``.
    """
    from scipy.sparse.csgraph import connected_components

    _, labels = connected_components(net.csgraph(), directed=True, connection="strong")
    big = np.flatnonzero(labels == np.bincount(labels).argmax())
    rng = np.random.default_rng(seed)
    replace = count > len(big)
    return np.sort(rng.choice(big, size=count, replace=replace)).astype(np.int32)


def node_lonlat(net: Any, nodes: np.ndarray) -> np.ndarray:
    """Longitude/latitude (degrees, EPSG:4326) of network nodes, shape (k, 2)."""
    from pyproj import Transformer

    tr = Transformer.from_crs(net.crs, "EPSG:4326", always_xy=True)
    lon, lat = tr.transform(net.x[nodes], net.y[nodes])
    return np.column_stack([lon, lat])


# ------------------------------------------------------------ network build
GA_BUILD_VIA = {"how": "geoaccess.network.build.build_network"}


def ga_build(path: str | os.PathLike[str], *, mode: str = "car") -> Any:
    """geoaccess: ``build_network(path, mode=mode, cache=False)`` (raw OSM to simplified CSR Network).

    While the build module is not there yet, falls back to the raw reader
    ``geoaccess.network.osm.read_osm(path, profile=mode)`` and records that in
    ``GA_BUILD_VIA`` so the report says which one was timed.
    """
    try:
        from geoaccess.network import build
    except ImportError:
        osm = _require("geoaccess.network.osm", pip="geoaccess (OSM reader module not written yet)")
        GA_BUILD_VIA["how"] = "geoaccess.network.osm.read_osm (build_network not available yet)"
        return osm.read_osm(path, profile=mode)
    GA_BUILD_VIA["how"] = "geoaccess.network.build.build_network"
    return build.build_network(path, mode=mode, cache=False)


def pyrosm_build(path: str | os.PathLike[str]) -> tuple[int, int]:
    """pyrosm + networkx: ``OSM(path).get_network("driving", nodes=True)`` then ``to_graph``.

    Returns
    -------
    (nodes, edges) of the resulting networkx graph.
    """
    pyrosm = _require("pyrosm")
    osm = pyrosm.OSM(str(path))
    nodes, edges = osm.get_network(network_type="driving", nodes=True)
    graph = osm.to_graph(nodes, edges, graph_type="networkx")
    return graph.number_of_nodes(), graph.number_of_edges()


# osmnx's "drive" filter, applied while writing the XML so that osmnx builds the
# same kind of network (car roads) that geoaccess and pyrosm build.
_NOT_DRIVE = frozenset(
    ["abandoned", "bridleway", "bus_guideway", "construction", "corridor", "cycleway", "elevator", "escalator", "footway", "no", "path", "pedestrian", "planned", "platform", "proposed", "raceway", "razed", "rest_area", "services", "steps", "track", "busway", "via_ferrata"]
)
_NOT_DRIVE_SERVICE = frozenset(["parking", "parking_aisle", "private", "emergency_access", "driveway"])


def car_xml_from_pbf(pbf: str | os.PathLike[str], out: str | os.PathLike[str]) -> tuple[int, int]:
    """Write the car-drivable ways of a PBF (osmnx's ``drive`` filter) and their nodes as OSM XML.

    Two passes with pyosmium: collect the node ids of drivable ways, then write
    those nodes and ways. This is set-up for osmnx's XML reader, not timed.

    Returns
    -------
    (nodes, ways) written.
    """
    import osmium

    def drivable(tags: Any) -> bool:
        hw = tags.get("highway")
        if hw is None or hw in _NOT_DRIVE:
            return False
        if tags.get("area") == "yes" or tags.get("motor_vehicle") == "no" or tags.get("motorcar") == "no":
            return False
        return not (tags.get("access") == "private" or tags.get("service") in _NOT_DRIVE_SERVICE)

    need: set[int] = set()
    for way in osmium.FileProcessor(str(pbf), osmium.osm.WAY):
        if drivable(way.tags):
            need.update(n.ref for n in way.nodes)
    out = Path(out)
    tmp = out.with_suffix(".tmp.osm")
    if tmp.exists():
        tmp.unlink()
    writer = osmium.SimpleWriter(str(tmp))
    n_nodes = n_ways = 0
    try:
        for obj in osmium.FileProcessor(str(pbf), osmium.osm.NODE | osmium.osm.WAY):
            if obj.is_node() and obj.id in need:
                writer.add_node(obj)
                n_nodes += 1
            elif obj.is_way() and drivable(obj.tags):
                writer.add_way(obj)
                n_ways += 1
    finally:
        writer.close()
    os.replace(tmp, out)
    return n_nodes, n_ways


def osmnx_xml_build(xml: str | os.PathLike[str]) -> tuple[int, int]:
    """osmnx: ``graph_from_xml(xml, simplify=True)``; returns (nodes, edges)."""
    ox = _require("osmnx")
    graph = ox.graph_from_xml(str(xml), simplify=True)
    return graph.number_of_nodes(), graph.number_of_edges()


# ------------------------------------------------------------------ matrices
def ga_ch_build(net: Any) -> Any:
    """geoaccess: ``ContractionHierarchy.build(net)``."""
    ch = _require("geoaccess.engine.ch", pip="geoaccess (CH engine module not written yet)")
    return ch.ContractionHierarchy.build(net)


def ga_dijkstra_matrix(net: Any, origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
    """geoaccess numba Dijkstra from every origin (parallel over origins), sliced to destinations, seconds."""
    dj = _require("geoaccess.engine.dijkstra", pip="geoaccess (Dijkstra engine module missing)")
    rows = dj.dijkstra_many(net, np.asarray(origins, dtype=np.int32).reshape(-1, 1))
    return np.asarray(rows)[:, destinations]


def ga_ch_matrix_threads(ch: Any, origins: np.ndarray, destinations: np.ndarray, *, threads: int = 1) -> np.ndarray:
    """:func:`ga_ch_matrix` with numba limited to ``threads`` threads (for a like-for-like single-thread row)."""
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    try:
        return ga_ch_matrix(ch, origins, destinations)
    finally:
        numba.set_num_threads(before)


def ga_read_dimacs(path: str | os.PathLike[str]) -> Any:
    """geoaccess ``read_dimacs`` on a DIMACS ``.gr(.gz)`` road graph (travel times to seconds)."""
    dimacs = _require("geoaccess.network.dimacs", pip="geoaccess (DIMACS reader module not written yet)")
    return dimacs.read_dimacs(path)


def ga_ch_matrix(ch: Any, origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
    """geoaccess CH many-to-many, seconds, shape (S, D); unreachable = inf or NaN."""
    src = np.asarray(origins, dtype=np.int32).reshape(-1, 1)
    dst = np.asarray(destinations, dtype=np.int32).reshape(-1, 1)
    out = ch.many_to_many(src, np.zeros(src.shape), dst, np.zeros(dst.shape))
    return np.asarray(out, dtype=np.float64)


def point_layer(net: Any, nodes: np.ndarray, *, seed: int = 0, jitter_m: float = 40.0) -> Any:
    """A point layer in lon/lat (EPSG:4326): one point within ``jitter_m`` metres of each node.

    Both geoaccess and OSRM get exactly these coordinates, so both snap the same points.
    """
    import geopandas as gpd

    rng = np.random.default_rng(seed)
    x = net.x[nodes] + rng.uniform(-jitter_m, jitter_m, len(nodes))
    y = net.y[nodes] + rng.uniform(-jitter_m, jitter_m, len(nodes))
    layer = gpd.GeoDataFrame({"pid": np.arange(len(nodes))}, geometry=gpd.points_from_xy(x, y), crs=net.crs)
    return layer.to_crs("EPSG:4326")


def layer_lonlat(layer: Any) -> np.ndarray:
    """Longitude/latitude of a point layer in EPSG:4326, shape (k, 2)."""
    return np.column_stack([layer.geometry.x.to_numpy(), layer.geometry.y.to_numpy()])


def ga_router(net: Any, *, cache: bool) -> Any:
    """geoaccess: a prepared ``Router(net)`` with its spatial index built (``cache=False`` contracts anew)."""
    router_mod = _require("geoaccess.engine.router", pip="geoaccess (router module missing)")
    router = router_mod.Router(net, cache=cache)
    _ = router.index
    return router


def paired_rounds(fn_a: Callable[[], Any], fn_b: Callable[[], Any], *, rounds: int = 15) -> dict[str, float]:
    """Time ``fn_a`` then ``fn_b`` back to back, ``rounds`` times; minima, medians and per-round ratios b/a."""
    a, b = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn_a()
        t1 = time.perf_counter()
        fn_b()
        t2 = time.perf_counter()
        a.append(t1 - t0)
        b.append(t2 - t1)
    ratio = np.asarray(b) / np.asarray(a)
    return {"a_min": float(min(a)), "a_median": float(np.median(a)), "b_min": float(min(b)),
            "b_median": float(np.median(b)), "ratio_median": float(np.median(ratio)),
            "ratio_min": float(ratio.min()), "ratio_max": float(ratio.max()), "rounds": rounds}


def ga_points_matrix(router: Any, layer: Any) -> np.ndarray:
    """geoaccess end to end from a point layer: snap it (once: origins = destinations) and route, seconds."""
    return router.matrix(router.snap(layer, id_column="pid")).seconds


def scipy_matrix(csgraph: Any, origins: np.ndarray, destinations: np.ndarray, *, chunk: int = 200) -> np.ndarray:
    """scipy.sparse.csgraph.dijkstra from each origin (chunks of ``chunk`` rows), sliced to destinations."""
    from scipy.sparse.csgraph import dijkstra

    out = np.empty((len(origins), len(destinations)))
    for a in range(0, len(origins), chunk):
        rows = dijkstra(csgraph, directed=True, indices=origins[a : a + chunk])
        out[a : a + chunk] = rows[:, destinations]
    return out


def igraph_graph(net: Any) -> Any:
    """python-igraph directed Graph of the network with a ``w`` (seconds) edge attribute."""
    ig = _require("igraph", pip="python-igraph")
    g = ig.Graph(n=net.n_nodes, edges=np.column_stack([net.tails, net.indices]).tolist(), directed=True)
    g.es["w"] = net.seconds.tolist()
    return g


def igraph_matrix(g: Any, origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
    """igraph ``Graph.distances(source, target, weights="w", mode="out")``, seconds."""
    return np.asarray(g.distances(source=origins.tolist(), target=destinations.tolist(), weights="w", mode="out"))


def networkx_matrix(net: Any, origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
    """networkx ``single_source_dijkstra_path_length`` per origin on a DiGraph (min over parallel edges)."""
    import networkx as nx

    csr = net.csgraph().tocoo()
    g = nx.DiGraph()
    g.add_nodes_from(range(net.n_nodes))
    g.add_weighted_edges_from(zip(csr.row.tolist(), csr.col.tolist(), csr.data.tolist()))
    out = np.full((len(origins), len(destinations)), np.inf)
    for i, o in enumerate(origins.tolist()):
        dist = nx.single_source_dijkstra_path_length(g, o, weight="weight")
        out[i] = [dist.get(d, np.inf) for d in destinations.tolist()]
    return out


def networkx_digraph(net: Any) -> Any:
    """networkx DiGraph of the network (min seconds over parallel edges), built once."""
    import networkx as nx

    csr = net.csgraph().tocoo()
    g = nx.DiGraph()
    g.add_nodes_from(range(net.n_nodes))
    g.add_weighted_edges_from(zip(csr.row.tolist(), csr.col.tolist(), csr.data.tolist()))
    return g


def networkx_rows(g: Any, origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
    """networkx Dijkstra rows for the given origins on a prepared DiGraph, seconds."""
    import networkx as nx

    out = np.full((len(origins), len(destinations)), np.inf)
    dl = destinations.tolist()
    for i, o in enumerate(origins.tolist()):
        dist = nx.single_source_dijkstra_path_length(g, o, weight="weight")
        out[i] = [dist.get(d, np.inf) for d in dl]
    return out


def pandana_build(net: Any) -> Any:
    """pandana ``Network(x, y, from, to, weights, twoway=False)``: builds its contraction hierarchy."""
    pdna = _require("pandana")
    import pandas as pd

    csr = net.csgraph().tocoo()  # pandana wants simple edges: min over parallel ones
    idx = pd.Index(np.arange(net.n_nodes), name="id")
    x = pd.Series(net.x, index=idx)
    y = pd.Series(net.y, index=idx)
    w = pd.DataFrame({"seconds": csr.data.astype(np.float64)})
    return pdna.Network(x, y, pd.Series(csr.row), pd.Series(csr.col), w, twoway=False)


def pandana_matrix(pnet: Any, origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
    """pandana ``shortest_path_lengths`` for every (origin, destination) pair, seconds."""
    a = np.repeat(origins, len(destinations))
    b = np.tile(destinations, len(origins))
    d = np.asarray(pnet.shortest_path_lengths(a, b, imp_name="seconds"), dtype=np.float64)
    return d.reshape(len(origins), len(destinations))


# ---------------------------------------------------------------------- OSRM
def _osrm_profile(name: str = "car") -> Path:
    """Locate the ``<name>.lua`` profile shipped inside the osrm-bindings wheel."""
    osrm = _require("osrm", pip="osrm-bindings (CPython 3.12 wheel: use benchmarks/setup_peers.sh)")
    roots = {Path(osrm.__file__).resolve().parent}
    roots |= {p.parent for p in roots}
    for root in roots:
        for cand in root.rglob(f"{name}.lua"):
            if "profiles" in cand.parts:
                return cand
    msg = f"osrm-bindings installed but no profiles/{name}.lua found under {sorted(map(str, roots))}"
    raise Unavailable(msg)


def osrm_prepare(pbf: str | os.PathLike[str], workdir: str | os.PathLike[str]) -> tuple[Path, dict[str, float]]:
    """OSRM extract (car.lua) + contract (CH) on ``pbf``; returns the .osrm base path and stage seconds."""
    osrm = _require("osrm", pip="osrm-bindings (CPython 3.12 wheel: use benchmarks/setup_peers.sh)")
    profile = _osrm_profile("car")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    src = workdir / Path(pbf).name
    if not src.exists():
        os.symlink(Path(pbf).resolve(), src)
    base = workdir / (src.name.split(".")[0] + ".osrm")
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    _osrm_call(osrm, "extract", [str(src), "-p", str(profile)], workdir)
    times["extract_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    _osrm_call(osrm, "contract", [str(base)], workdir)
    times["contract_s"] = time.perf_counter() - t0
    return base, times


def _osrm_call(osrm: Any, stage: str, args: list[str], cwd: Path) -> None:
    """Run an OSRM preprocessing stage with the executables the osrm-bindings wheel bundles.

    ``python -m osrm <stage>`` runs ``osrm/bin/osrm-<stage>`` from the wheel.
    """
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "osrm", stage, *args], cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        msg = f"osrm-{stage} failed (exit {proc.returncode}): {(proc.stderr or proc.stdout).strip()[-400:]}"
        raise RuntimeError(msg)


def osrm_engine(base: str | os.PathLike[str]) -> Any:
    """An in-process OSRM engine (CH) on a contracted ``.osrm`` dataset, no table size limit."""
    osrm = _require("osrm", pip="osrm-bindings (CPython 3.12 wheel: use benchmarks/setup_peers.sh)")
    return osrm.OSRM(
        storage_config=str(base), algorithm="CH", use_shared_memory=False, max_locations_distance_table=-1
    )


def osrm_table(engine: Any, lonlat: np.ndarray) -> np.ndarray:
    """OSRM Table service for all pairs of ``lonlat`` points, seconds, shape (k, k); unreachable = NaN."""
    osrm = _require("osrm", pip="osrm-bindings (CPython 3.12 wheel: use benchmarks/setup_peers.sh)")
    params = osrm.TableParameters(coordinates=[(float(a), float(b)) for a, b in lonlat], annotations=["duration"])
    res = engine.Table(params)
    return np.array([[np.nan if v is None else v for v in row] for row in res["durations"]], dtype=np.float64)


# ------------------------------------------------------------------ Valhalla
def valhalla_build_tiles(pbf: str | os.PathLike[str], workdir: str | os.PathLike[str]) -> dict[str, Any]:
    """Build Valhalla routing tiles for ``pbf`` in ``workdir`` with pyvalhalla's bundled tools; returns its config."""
    valhalla = _require("valhalla", pip="pyvalhalla (CPython 3.12 wheel: use benchmarks/setup_peers.sh)")
    from valhalla.config import get_config

    workdir = Path(workdir)
    tile_dir = workdir / "valhalla_tiles"
    tile_dir.mkdir(parents=True, exist_ok=True)
    # no tar extract: the Actor reads the tile folder directly
    config = get_config(tile_extract="", tile_dir=str(tile_dir))
    import json

    cfg_path = workdir / "valhalla.json"
    cfg_path.write_text(json.dumps(config))
    _valhalla_exe(valhalla, "valhalla_build_tiles", ["-c", str(cfg_path), str(Path(pbf).resolve())], workdir)
    return config


def _valhalla_exe(valhalla: Any, name: str, args: list[str], cwd: Path) -> None:
    """Run one of the C++ executables that the pyvalhalla wheel bundles (``valhalla/bin/<name>``)."""
    import subprocess

    exe = Path(valhalla.__file__).resolve().parent / "bin" / name
    if not exe.exists():
        msg = f"pyvalhalla installed but {exe} is missing"
        raise Unavailable(msg)
    proc = subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        msg = f"{name} failed (exit {proc.returncode}): {(proc.stderr or proc.stdout).strip()[-400:]}"
        raise RuntimeError(msg)


def valhalla_isochrones(config: dict[str, Any], lonlat: np.ndarray, minutes: Sequence[int]) -> list[dict[str, Any]]:
    """Valhalla ``isochrone`` (costing auto, polygons) per origin; returns every GeoJSON feature.

    Each feature gets ``properties["origin"]``, the index of its origin in ``lonlat``.
    """
    import json

    valhalla = _require("valhalla", pip="pyvalhalla (CPython 3.12 wheel: use benchmarks/setup_peers.sh)")
    actor = valhalla.Actor(config)
    features: list[dict[str, Any]] = []
    for i, (lon, lat) in enumerate(lonlat):
        req = {
            "locations": [{"lon": float(lon), "lat": float(lat)}],
            "costing": "auto",
            "contours": [{"time": float(m)} for m in minutes],
            "polygons": True,
        }
        res = actor.isochrone(req)
        if isinstance(res, str):
            res = json.loads(res)
        for f in res.get("features", []):
            f.setdefault("properties", {})["origin"] = i
            features.append(f)
    return features


def isochrone_areas_km2(features: list[dict[str, Any]], crs: str) -> dict[tuple[int, int], float]:
    """Area in km² of Valhalla features per (origin, contour minutes), in the projected ``crs``."""
    import geopandas as gpd

    if not features:
        return {}
    gdf = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326").to_crs(crs)
    out: dict[tuple[int, int], float] = {}
    for (o, c), area in zip(zip(gdf["origin"], gdf["contour"]), gdf.geometry.area):
        out[(int(o), round(float(c)))] = float(area) / 1e6
    return out


# ----------------------------------------------------------------- catchments
def ga_catchments(net: Any, nodes: np.ndarray, minutes: Sequence[int]) -> Any:
    """geoaccess ``catchments(net, origins_gdf, minutes=...)`` with origins at the given nodes."""
    cat = _require("geoaccess.engine.catchment", pip="geoaccess (catchment module not written yet)")
    import geopandas as gpd

    origins = gpd.GeoDataFrame(
        {"origin": np.arange(len(nodes))},
        geometry=gpd.points_from_xy(net.x[nodes], net.y[nodes]),
        crs=net.crs,
    )
    return cat.catchments(net, origins, thresholds_minutes=tuple(minutes))


def ga_warm_up(net: Any, *, radius_m: float = 2000.0) -> str:
    """Compile (or load from numba's disk cache) geoaccess's kernels on a small real subgraph, untimed.

    Takes the nodes within ``radius_m`` metres of the network's median point,
    and runs CH build, CH many-to-many, Dijkstra and catchments on them, so
    the timed runs measure steady-state work, not JIT compilation.

    Returns
    -------
    A note listing what was warmed and how long it took (seconds).
    """
    cx, cy = np.median(net.x), np.median(net.y)
    keep = np.flatnonzero(np.hypot(net.x - cx, net.y - cy) <= radius_m)
    sub = net.subgraph(keep)
    nodes = choose_nodes(sub, min(20, sub.n_nodes), seed=0)
    done = []
    t0 = time.perf_counter()
    for name, fn in (
        ("CH", lambda: ga_ch_matrix(ga_ch_build(sub), nodes, nodes)),
        ("dijkstra", lambda: ga_dijkstra_matrix(sub, nodes, nodes)),
        ("catchments", lambda: ga_catchments(sub, nodes[:4], (5, 10))),
    ):
        try:
            fn()
            done.append(name)
        except Exception as exc:  # noqa: BLE001
            done.append(f"{name} failed ({type(exc).__name__})")
    return f"warm-up on {sub.n_nodes}-node subgraph: {', '.join(done)} in {time.perf_counter() - t0:.1f} s"


def tempdir(prefix: str) -> str:
    """A scratch folder outside the repository for peer preprocessing files."""
    return tempfile.mkdtemp(prefix=f"geoaccess-bench-{prefix}-")
