"""Big travel-time matrices written in bounded memory: origin blocks streamed to Parquet, CSV or GeoPackage.

:func:`write_matrix` routes a block of origins at a time on a prepared router (the
destinations' backward searches are done once, see :mod:`geoaccess.engine.matrix`) and appends
each block to the output, converted to Arrow and written in chunks of at most 4 million pairs
(one Parquet row group, or CSV chunk, each), so peak memory is set by ``memory_budget_mb``, not
by the number of pairs: a block costs about 10 bytes per pair (its float64 seconds), a chunk
being written about 48 bytes per pair plus its ids. :func:`estimate_matrix` says before
the work starts how many pairs there are, how large the output may get and how much memory the
blocks take.

Output: ``origin_id``, ``destination_id``, ``minutes`` (Parquet as computed; CSV and GeoPackage
rounded to 0.1 minute; a GeoPackage also holds the origin and destination points as layers in
EPSG:25833); every pair (NaN = unreachable) without
a cut-off, only the pairs within it (sparse) with one. Written to a temporary file next to the
target and renamed when complete (:func:`geoaccess.report.atomic.atomic_path`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from geoaccess.errors import InputError, LimitError

if TYPE_CHECKING:
    from geoaccess.engine.router import Router
    from geoaccess.network.snap import Snapped

__all__ = ["DEFAULT_MEMORY_BUDGET_MB", "MATRIX_FORMATS", "TEXT_MINUTES_DECIMALS", "MatrixEstimate", "estimate_matrix",
           "write_matrix"]

MATRIX_FORMATS = ("csv", "parquet", "gpkg")
"""Formats :func:`write_matrix` writes (the output's suffix)."""
TEXT_MINUTES_DECIMALS = 1
"""Decimals of ``minutes`` in CSV and GeoPackage matrices (0.1 minute = 6 s; Parquet keeps the computed value)."""
GPKG_CRS = "EPSG:25833"
"""CRS of the point layers of a GeoPackage matrix."""

DEFAULT_MEMORY_BUDGET_MB = 2048.0
"""Default memory budget of :func:`write_matrix`, MiB."""

_MiB = 1024.0 * 1024.0
_BLOCK_BYTES_PER_PAIR = 10.0
"""A block of the matrix per pair: float64 seconds and slack."""
_CHUNK_PAIRS = 4_000_000
"""Pairs converted to Arrow and written at a time (one row group each); bounds the writer's temporaries."""
_CHUNK_BYTES_PER_PAIR = 8 + 1 + 4 + 4 + 8 + 8 + 11
"""Arrow conversion per pair besides the ids: seconds, mask, int32 positions, minutes, offset rows, slack."""
_PARQUET_BYTES_PER_PAIR = 10.0
"""Measured output size per pair (snappy, dictionary-encoded ids, float64 minutes): 993 MB / 10⁸ pairs."""


def _id_bytes(ids: np.ndarray) -> float:
    """Bytes per value of an id column once in Arrow (8 for numbers, length + offset for strings)."""
    if ids.dtype.kind in "iufb":
        return 8.0
    sample = ids[: min(len(ids), 1000)]
    return float(np.mean([len(str(v).encode()) for v in sample])) + 4.0 if len(sample) else 8.0


@dataclass(frozen=True)
class MatrixEstimate:
    """Size and memory of a matrix run, before it starts.

    Attributes
    ----------
    origins, destinations, pairs : int
        Matrix shape and number of pairs.
    block_origins, blocks : int
        Origins per block and number of blocks.
    output_bytes : float
        Expected output size in bytes for all pairs (an upper bound with a cut-off, which writes
        only the pairs within it).
    memory_bytes : float
        Expected peak memory of the run in bytes: the router, the destinations' buckets and one block.
    budget_bytes : float
        The memory budget.
    fixed_bytes : float
        Memory that does not depend on the block size (router, layers, buckets).
    sparse : bool
        Only pairs within the cut-off are written.
    """

    origins: int
    destinations: int
    pairs: int
    block_origins: int
    blocks: int
    output_bytes: float
    memory_bytes: float
    budget_bytes: float
    fixed_bytes: float
    sparse: bool
    format: str

    def describe(self) -> str:
        """One line for the console, e.g. ``20,000 x 20,000 = 400,000,000 pairs ...``."""
        gib = 1024.0**3
        out = self.output_bytes / gib
        bound = "at most " if self.sparse else "about "
        return (
            f"{self.origins:,} x {self.destinations:,} = {self.pairs:,} pairs; output {bound}{out:,.2f} GiB "
            f"({self.format}{', only pairs within the cut-off' if self.sparse else ', every pair'}); memory about "
            f"{self.memory_bytes / gib:,.2f} GiB of the {self.budget_bytes / gib:,.2f} GiB budget, in {self.blocks:,} "
            f"block(s) of {self.block_origins:,} origins"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (for run.json)."""
        return asdict(self)


def estimate_matrix(
    router: Router,
    src: Snapped,
    dst: Snapped,
    *,
    cutoff_minutes: float | None = None,
    memory_budget_mb: float = DEFAULT_MEMORY_BUDGET_MB,
    fmt: str = "parquet",
    buckets_bytes: float | None = None,
    block_origins: int | None = None,
) -> MatrixEstimate:
    """Plan the blocks of a matrix run within a memory budget and estimate its output size.

    Parameters
    ----------
    router, src, dst
        The prepared router and the snapped layers.
    cutoff_minutes
        Cut-off (only pairs within it are written).
    memory_budget_mb
        Memory budget in MiB for the whole run.
    fmt
        ``"parquet"`` or ``"csv"``.
    buckets_bytes
        Size of the destinations' buckets when known (else estimated from the hierarchy).
    block_origins
        A fixed number of origins per block (the budget is then only reported against).

    Raises
    ------
    geoaccess.errors.LimitError
        The router, the layers and the destinations' searches alone exceed the budget.
    """
    if not (np.isfinite(memory_budget_mb) and memory_budget_mb > 0):
        msg = f"memory_budget_mb must be a positive number of MiB, got {memory_budget_mb!r}."
        raise InputError(msg)
    s, t = len(src), len(dst)
    pairs = s * t
    id_o, id_d = _id_bytes(np.asarray(src.ids)), _id_bytes(np.asarray(dst.ids))
    chunk = min(max(t, 1) * max(_CHUNK_PAIRS // max(t, 1), 1), max(pairs, 1))
    if buckets_bytes is None:  # a backward search settles a few hundred nodes on town networks
        buckets_bytes = t * 12.0 * min(router.network.n_nodes, 2000)
    process = _rss_bytes()
    # the process so far, the destinations' buckets, and one chunk being converted and written
    fixed = process + buckets_bytes + chunk * (_CHUNK_BYTES_PER_PAIR + id_o + id_d)
    budget = float(memory_budget_mb) * _MiB
    room = budget - fixed
    row_bytes = _BLOCK_BYTES_PER_PAIR * max(t, 1)
    if block_origins is None and room < row_bytes:
        msg = (
            f"A memory budget of {memory_budget_mb:,.0f} MiB is too small for a {s:,} x {t:,} matrix on this network: "
            f"the process, the router, the destinations' searches and the writer already take about "
            f"{fixed / _MiB:,.0f} MiB, and one origin's row needs more. Raise --memory-budget-mb, or split the "
            "destinations."
        )
        raise LimitError(msg)
    if block_origins is not None:
        if int(block_origins) != block_origins or block_origins < 1:
            msg = f"block_origins must be a positive whole number, got {block_origins!r}."
            raise InputError(msg)
        block = int(block_origins)
    else:
        block = int(max(1, min(s, room // row_bytes)))
    blocks = max(1, -(-s // block)) if s else 0
    if fmt == "csv":
        out_per_pair = id_o + id_d + 22.0
    else:
        out_per_pair = _PARQUET_BYTES_PER_PAIR
    return MatrixEstimate(
        origins=s, destinations=t, pairs=pairs, block_origins=block, blocks=blocks,
        output_bytes=out_per_pair * pairs, memory_bytes=fixed + block * row_bytes, budget_bytes=budget,
        fixed_bytes=fixed, sparse=cutoff_minutes is not None, format=fmt,
    )


def _rss_bytes() -> float:
    """Resident memory of this process now, bytes (0 where unknown)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return float(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        try:
            import psutil

            return float(psutil.Process().memory_info().rss)
        except ImportError:
            return 0.0


def _arrow_ids(ids: np.ndarray) -> Any:
    import pyarrow as pa

    arr = np.asarray(ids)
    if arr.dtype.kind in "iufb":
        return pa.array(arr)
    return pa.array([str(v) for v in arr], type=pa.string())


def write_matrix(
    router: Router,
    origins: Any,
    destinations: Any,
    path: str | os.PathLike[str],
    *,
    cutoff_minutes: float | None = None,
    memory_budget_mb: float = DEFAULT_MEMORY_BUDGET_MB,
    progress: bool = False,
    on_estimate: Any = None,
    block_origins: int | None = None,
    point_layers: Mapping[str, Any] | None = None,
    origin_names: Any = None,
    destination_names: Any = None,
) -> dict[str, Any]:
    """Route and write a travel-time matrix block by block, within a memory budget.

    Parameters
    ----------
    router
        The prepared router.
    origins, destinations
        Snapped layers (or GeoDataFrames snapped with defaults); ``destinations=None`` = the origins.
    path
        ``.parquet`` (one row group per block, minutes as computed), ``.csv`` (minutes rounded to
        0.1, :data:`TEXT_MINUTES_DECIMALS`) or ``.gpkg`` (the table ``matrix``, minutes rounded to 0.1,
        plus ``point_layers`` as point layers in EPSG:25833, so QGIS joins ids to points).
    cutoff_minutes
        Only pairs within this many minutes are written (sparse output); ``None`` writes every pair,
        NaN for unreachable.
    memory_budget_mb
        Memory budget of the run in MiB (the block size follows from it).
    progress
        Show a progress bar over blocks.
    on_estimate
        Called with the :class:`MatrixEstimate` before any routing (the CLI prints it).
    block_origins
        Origins per block, instead of the number the budget allows.
    point_layers
        ``{layer name: GeoDataFrame}`` written before the table into a ``.gpkg`` (e.g. ``origins``,
        ``destinations`` with their ids and names); ignored for other formats.
    origin_names, destination_names
        Names aligned with the origins / destinations (e.g. from
        :func:`geoaccess.layers.points.point_names`): written as ``origin_name`` / ``destination_name``
        after the ids.

    Returns
    -------
    dict
        ``path``, ``rows`` written, ``unreachable`` (pairs NaN, dense output only), ``seconds``
        (routing and writing wall time) and ``estimate``.
    """
    import pyarrow as pa

    from geoaccess.engine.matrix import cutoff_seconds, warn_unreachable
    from geoaccess.engine.parallel import progress_bar
    from geoaccess.report.atomic import atomic_path

    final = Path(path)
    fmt = final.suffix.lower().lstrip(".")
    if fmt not in MATRIX_FORMATS:
        msg = f"The matrix is written as .csv, .parquet or .gpkg, not {final.name!r}."
        raise InputError(msg)
    cutoff_seconds(cutoff_minutes)
    src = router.layer(origins, what="origins")
    dst = src if destinations is None else router.layer(destinations, what="destinations")
    t0 = time.perf_counter()
    plan = estimate_matrix(router, src, dst, cutoff_minutes=cutoff_minutes, memory_budget_mb=memory_budget_mb,
                           fmt="csv" if fmt == "gpkg" else fmt, block_origins=block_origins)
    if on_estimate is not None:
        on_estimate(plan)
    sparse = cutoff_minutes is not None
    o_ids, d_ids = _arrow_ids(src.ids), _arrow_ids(dst.ids)
    if destinations is None and destination_names is None:
        destination_names = origin_names
    names = _Names(_arrow_names(origin_names, len(src), what="origin_names"),
                   _arrow_names(destination_names, len(dst), what="destination_names"))
    fields = [("origin_id", o_ids.type)] + ([("origin_name", pa.string())] if names.origin is not None else [])
    fields += [("destination_id", d_ids.type)]
    fields += [("destination_name", pa.string())] if names.destination is not None else []
    schema = pa.schema([*fields, ("minutes", pa.float64())])
    rows_written = 0
    unreachable = 0
    reached = np.zeros(len(dst), dtype=bool)
    bar = task = None
    if progress and plan.blocks > 1:
        bar = progress_bar(plan.blocks, "matrix")
        task = bar.add_task("matrix", total=plan.blocks)
        bar.start()
    try:
        with atomic_path(final) as tmp:
            writer = _writer(tmp, fmt, schema, point_layers=point_layers)
            decimals = None if fmt == "parquet" else TEXT_MINUTES_DECIMALS
            try:
                for block in router.matrix_blocks(src, dst, cutoff_minutes=cutoff_minutes,
                                                  block_size=plan.block_origins):
                    sec = block.seconds
                    step = max(1, _CHUNK_PAIRS // max(sec.shape[1], 1))
                    for lo in range(0, sec.shape[0], step):
                        part = sec[lo:lo + step]
                        finite = np.isfinite(part)
                        reached |= finite.any(axis=0)
                        if not sparse:
                            unreachable += int(part.size - finite.sum())
                        table = _chunk_table(part, finite, block.row_offset + lo, o_ids, d_ids, schema,
                                             sparse=sparse, decimals=decimals, names=names)
                        del finite
                        writer.write_table(table)
                        rows_written += table.num_rows
                        del table
                    del sec, block
                    if bar is not None:
                        bar.advance(task)
            finally:
                writer.close()
    finally:
        if bar is not None:
            bar.stop()
    if not sparse and len(src) and src.snapped.any():
        warn_unreachable(reached, dst, stacklevel=3)
    return {"path": str(final), "rows": rows_written, "unreachable": unreachable,
            "seconds": time.perf_counter() - t0, "estimate": plan.to_dict()}


class _Names(NamedTuple):
    """Names of the origins and destinations as Arrow arrays (``None``: no names)."""

    origin: Any
    destination: Any


def _arrow_names(names: Any, n: int, *, what: str) -> Any:
    import pyarrow as pa

    if names is None:
        return None
    arr = np.asarray(names, dtype=object)
    if len(arr) != n:
        msg = f"{what} has {len(arr):,} names for {n:,} points."
        raise InputError(msg)
    return pa.array(["" if v is None else str(v) for v in arr], type=pa.string())


def _chunk_table(sec: np.ndarray, finite: np.ndarray, row0: int, o_ids: Any, d_ids: Any, schema: Any, *,
                 sparse: bool, decimals: int | None = None, names: _Names | None = None) -> Any:
    """Arrow table of a chunk of rows: every pair (NaN -> null) or only the finite ones (minutes rounded)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    idx = np.int32 if sec.size < 2**31 else np.int64
    if sparse:
        r, c = (a.astype(idx) for a in np.nonzero(finite))
        vals = sec[r, c] / 60.0
        minutes = pa.array(vals if decimals is None else np.round(vals, decimals))
    else:
        nr, nc = sec.shape
        r = np.repeat(np.arange(nr, dtype=idx), nc)
        c = np.tile(np.arange(nc, dtype=idx), nr)
        vals = (sec / 60.0).ravel()
        minutes = pa.array(vals if decimals is None else np.round(vals, decimals), mask=~finite.ravel())
    rows, cols = pa.array(r + np.int64(row0)), pa.array(c)
    data = {"origin_id": pc.take(o_ids, rows)}
    if names is not None and names.origin is not None:
        data["origin_name"] = pc.take(names.origin, rows)
    data["destination_id"] = pc.take(d_ids, cols)
    if names is not None and names.destination is not None:
        data["destination_name"] = pc.take(names.destination, cols)
    data["minutes"] = minutes
    return pa.table(data, schema=schema)


class _GpkgMatrixWriter:
    """The matrix as the attribute table ``matrix`` of a GeoPackage, after the point layers."""

    def __init__(self, path: Path, point_layers: Mapping[str, Any] | None) -> None:
        self.path = path
        self.started = False
        for name, gdf in (point_layers or {}).items():
            g = gdf.to_crs(GPKG_CRS) if gdf.crs is not None else gdf
            g.to_file(path, driver="GPKG", layer=name, engine="pyogrio", append=self.started)
            self.started = True

    def write_table(self, table: Any) -> None:
        import pyogrio

        pyogrio.write_dataframe(table.to_pandas(), self.path, layer="matrix", driver="GPKG",
                                append=self.started)
        self.started = True

    def close(self) -> None:
        """Nothing to flush (each chunk is committed by GDAL)."""


def _writer(path: Path, fmt: str, schema: Any, *, point_layers: Mapping[str, Any] | None = None) -> Any:
    if fmt == "gpkg":
        return _GpkgMatrixWriter(path, point_layers)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetWriter(path, schema, compression="snappy")
    import pyarrow.csv as pcsv

    return pcsv.CSVWriter(path, schema)
