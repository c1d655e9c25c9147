"""Travel-time matrices between snapped layers (reisetidsmatriser).

Each snapped point has up to two *seeds* (network nodes with an offset in seconds: the
walk/drive along its edge plus the access leg, see :mod:`geoaccess.network.snap`). The time
from an origin to a destination is::

    min over seed pairs (a, b) of  origin_offset(a) + network_time(a, b) + destination_offset(b)

and, for two points on the same edge, the direct time along it. The network times come from
the contraction hierarchy's bucket many-to-many: the destinations' backward searches are done
**once** (:meth:`~geoaccess.engine.ch.ContractionHierarchy.target_buckets`) and every block of
origins is a forward search scanning those buckets, so a matrix can be produced in blocks of
origins in bounded memory (:meth:`Router.matrix_blocks`, :mod:`geoaccess.engine.matrix_writer`).

Conventions
-----------
* Inside arrays time is in **seconds** and unreachable is ``inf``.
* Tables report **minutes**; unreachable, beyond the cutoff, or unsnapped is ``NaN`` (never 0).
  A warning lists the ids of points that could not be snapped.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from geoaccess.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from geoaccess.engine.router import Router
    from geoaccess.network.snap import Snapped

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "TravelTimes",
    "check_minutes",
    "compute_matrix",
    "cutoff_seconds",
    "iter_matrix_blocks",
    "matrix_batch",
    "warn_unreachable",
]

DEFAULT_BATCH_SIZE = 256
"""Origins per Dask task: a task holds at most ``batch_size x n_destinations`` float64 values."""


# --------------------------------------------------------------------------- thresholds
def check_minutes(value: object, *, what: str = "threshold") -> tuple[float, ...]:
    """Parse and validate one or more positive, finite minute thresholds.

    Parameters
    ----------
    value
        A number, a string such as ``"15,30,45"``, or a sequence of numbers/strings.
    what
        Name used in error messages (e.g. ``"--thresholds-minutes"``).

    Returns
    -------
    tuple of float
        Sorted, de-duplicated thresholds in minutes.

    Raises
    ------
    geoaccess.errors.InputError
        A value is not a number, not finite, or not > 0 (e.g. ``"0"``, ``"-5"``, ``"abc"``).
    """
    if isinstance(value, str):
        parts: Sequence[Any] = [p for p in value.replace(";", ",").split(",") if p.strip()]
    elif isinstance(value, (int, float, np.integer, np.floating)):
        parts = [value]
    else:
        parts = list(value)  # type: ignore[call-overload]
    if not parts:
        msg = f"{what}: no thresholds given; give positive minutes such as 15,30,45."
        raise InputError(msg)
    out = []
    for p in parts:
        try:
            v = float(str(p).strip()) if isinstance(p, str) else float(p)
        except (TypeError, ValueError):
            msg = f"{what}: {p!r} is not a number of minutes; give positive minutes such as 15,30,45."
            raise InputError(msg) from None
        if not math.isfinite(v) or v <= 0:
            msg = f"{what}: {p!r} is not a positive, finite number of minutes; give e.g. 15,30,45."
            raise InputError(msg)
        out.append(v)
    return tuple(sorted(set(out)))


def cutoff_seconds(cutoff_minutes: float | None, *, what: str = "cutoff_minutes") -> float:
    """A checked cut-off in seconds (``inf`` for ``None``)."""
    return np.inf if cutoff_minutes is None else check_minutes(cutoff_minutes, what=what)[0] * 60.0


# --------------------------------------------------------------------------- result
@dataclass(frozen=True)
class TravelTimes:
    """A travel-time matrix (or a block of its rows) in array form.

    Attributes
    ----------
    seconds : numpy.ndarray of float64, shape (S, T)
        Travel time origin -> destination in seconds, including both access legs;
        ``inf`` when unreachable, beyond the cutoff, or either point is unsnapped.
    origin_ids, destination_ids : numpy.ndarray
        Ids of the rows and columns.
    row_offset : int
        Position of the first row in the whole matrix (blocks from :meth:`Router.matrix_blocks`).
    """

    seconds: np.ndarray
    origin_ids: np.ndarray
    destination_ids: np.ndarray
    row_offset: int = 0

    @property
    def minutes(self) -> np.ndarray:
        """The matrix in minutes with ``NaN`` for unreachable."""
        out = self.seconds / 60.0
        out[~np.isfinite(out)] = np.nan
        return out

    def to_table(self, *, sparse: bool = False) -> pd.DataFrame:
        """Tidy table ``origin_id``, ``destination_id``, ``minutes``.

        Parameters
        ----------
        sparse
            Only the reachable pairs (within the cut-off); otherwise every pair, NaN = unreachable.
        """
        import pandas as pd

        s, t = self.seconds.shape
        if sparse:
            r, c = np.nonzero(np.isfinite(self.seconds))
            return pd.DataFrame({"origin_id": self.origin_ids[r], "destination_id": self.destination_ids[c],
                                 "minutes": self.seconds[r, c] / 60.0})
        return pd.DataFrame(
            {
                "origin_id": np.repeat(self.origin_ids, t),
                "destination_id": np.tile(self.destination_ids, s),
                "minutes": self.minutes.ravel(),
            }
        )


# --------------------------------------------------------------------------- kernels' drivers
def matrix_batch(
    batch: tuple[np.ndarray, np.ndarray],
    *,
    ch: Any,
    cutoff_seconds: float,
    dst_nodes: np.ndarray | None = None,
    dst_offsets: np.ndarray | None = None,
    buckets: Any = None,
) -> np.ndarray:
    """Travel times (seconds) of one batch of origin seeds to all destination seeds.

    A pure function of the contraction hierarchy arrays and the batch (``(nodes, offsets)``),
    used on Dask workers. Pass the destinations' ``buckets``
    (:meth:`~geoaccess.engine.ch.ContractionHierarchy.target_buckets`) or their seeds. Rows of
    unsnapped origins (all seeds ``-1``) and columns of unsnapped destinations are ``inf``.
    """
    src_nodes, src_offsets = batch
    if buckets is None:
        if dst_nodes is None:
            msg = "matrix_batch needs buckets= or dst_nodes="
            raise ValueError(msg)
        cols = (dst_nodes >= 0).any(axis=1)
        out = np.full((len(src_nodes), len(dst_nodes)), np.inf)
        if cols.any():
            b = ch.target_buckets(dst_nodes[cols], None if dst_offsets is None else dst_offsets[cols],
                                  cutoff=cutoff_seconds)
            out[:, cols] = matrix_batch(batch, ch=ch, cutoff_seconds=cutoff_seconds, buckets=b)
        return out
    out = np.full((len(src_nodes), buckets.n_targets), np.inf)
    rows = (src_nodes >= 0).any(axis=1)
    if rows.any() and buckets.n_targets:
        out[rows] = ch.many_to_buckets(src_nodes[rows], src_offsets[rows], buckets)
    out[out > cutoff_seconds] = np.inf
    return out


def _prepare(router: Router, src: Snapped, dst: Snapped, cutoff: float) -> dict[str, Any]:
    s_nodes, s_offs = router.seeds(src, "origin")
    d_nodes, d_offs = router.seeds(dst, "destination")
    rows = (s_nodes >= 0).any(axis=1)
    cols = (d_nodes >= 0).any(axis=1)
    buckets = router.hierarchy.target_buckets(d_nodes[cols], d_offs[cols], cutoff=cutoff)
    return {"s_nodes": s_nodes, "s_offs": s_offs, "rows": rows, "cols": cols, "buckets": buckets,
            "all_cols": bool(cols.all())}


def _block(router: Router, src: Snapped, dst: Snapped, prep: dict[str, Any], sl: slice, cutoff: float) -> np.ndarray:
    """Seconds of the origins in ``sl`` to every destination (same-edge trips and cutoff applied)."""
    rows = prep["rows"][sl]
    n_rows = sl.stop - sl.start
    buckets = prep["buckets"]
    full = bool(rows.all()) and prep["all_cols"] and buckets.n_targets == len(dst)
    out = np.empty((n_rows, len(dst))) if full and n_rows else np.full((n_rows, len(dst)), np.inf)
    if rows.any() and buckets.n_targets:
        if full:
            router.hierarchy.many_to_buckets(prep["s_nodes"][sl], prep["s_offs"][sl], buckets, out=out)
        else:
            sub = router.hierarchy.many_to_buckets(prep["s_nodes"][sl][rows], prep["s_offs"][sl][rows], buckets)
            out[np.ix_(rows, prep["cols"])] = sub
    r, c, direct = router.same_edge_pairs(src, dst, rows=sl)
    if len(r):  # the kernel already applied the cutoff; only direct same-edge trips may exceed it
        np.minimum.at(out, (r - sl.start, c), np.where(direct <= cutoff, direct, np.inf))
    return out


def compute_matrix(
    router: Router,
    src: Snapped,
    dst: Snapped,
    *,
    cutoff_minutes: float | None = None,
    batch_size: int | None = None,
    backend: Literal["local", "dask"] = "local",
    client: Any = None,
    progress: bool = False,
) -> TravelTimes:
    """The whole matrix of snapped layers on a router (see :meth:`Router.matrix`)."""
    from geoaccess.engine.parallel import batch_slices, run_batches

    cutoff = cutoff_seconds(cutoff_minutes)
    if backend not in ("local", "dask"):
        msg = f"backend must be 'local' or 'dask', got {backend!r}."
        raise ValueError(msg)
    prep = _prepare(router, src, dst, cutoff)
    n = len(src)
    if backend == "dask":
        func = partial(matrix_batch, ch=router.hierarchy, cutoff_seconds=cutoff, buckets=prep["buckets"])
        slices = batch_slices(n, batch_size or DEFAULT_BATCH_SIZE)
        batches = [(prep["s_nodes"][sl], prep["s_offs"][sl]) for sl in slices]
        parts = run_batches(func, batches, backend="dask", client=client, progress=progress, description="matrix")
        seconds = np.full((n, len(dst)), np.inf)
        for sl, part in zip(slices, parts, strict=False):
            seconds[sl][:, prep["cols"]] = part
            r, c, direct = router.same_edge_pairs(src, dst, rows=sl)
            if len(r):
                np.minimum.at(seconds, (r, c), direct)
        seconds[seconds > cutoff] = np.inf
    else:
        slices = batch_slices(n, batch_size or max(n, 1)) if n else []
        parts = run_batches(lambda sl: _block(router, src, dst, prep, sl, cutoff), slices, progress=progress,
                            description="matrix")
        seconds = np.vstack(parts) if len(parts) > 1 else (parts[0] if parts else np.zeros((0, len(dst))))
    if np.isinf(cutoff) and seconds.size and src.snapped.any():
        routed = seconds if prep["rows"].all() else seconds[prep["rows"]]
        warn_unreachable(np.isfinite(routed).any(axis=0), dst, stacklevel=4)
    return TravelTimes(seconds=seconds, origin_ids=src.ids, destination_ids=dst.ids)


def iter_matrix_blocks(
    router: Router,
    src: Snapped,
    dst: Snapped,
    *,
    cutoff_minutes: float | None = None,
    block_size: int = 1024,
) -> Iterator[TravelTimes]:
    """Blocks of ``block_size`` origins of the matrix (see :meth:`Router.matrix_blocks`)."""
    from geoaccess.engine.parallel import batch_slices

    cutoff = cutoff_seconds(cutoff_minutes)
    prep = _prepare(router, src, dst, cutoff)
    for sl in batch_slices(len(src), block_size):
        seconds = _block(router, src, dst, prep, sl, cutoff)
        yield TravelTimes(seconds=seconds, origin_ids=src.ids[sl], destination_ids=dst.ids, row_offset=sl.start)


# --------------------------------------------------------------------------- convenience


def warn_unreachable(seconds_reached: np.ndarray, dst: Snapped, *, stacklevel: int = 3) -> None:
    """Warn about snapped destinations no snapped origin reaches (another island, no ferry)."""
    from geoaccess.errors import ReachWarning

    never = dst.snapped & ~seconds_reached
    if never.any():
        bad = dst.ids[never]
        msg = (
            f"{len(bad)} {dst.what} cannot be reached from any origin (another island or a disconnected "
            f"part of the network without ferry); their times are NaN: ids {bad[:20].tolist()}"
            f"{' ...' if len(bad) > 20 else ''}."
        )
        warnings.warn(msg, ReachWarning, stacklevel=stacklevel)
