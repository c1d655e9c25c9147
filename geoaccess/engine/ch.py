"""Queries on a contraction hierarchy: bucket many-to-many and PHAST one-to-all.

The hierarchy is stored in *sweep order*: internal ids sort nodes by
hierarchy level, highest first (a node's level exceeds that of every less
important neighbour), and by original id within a level, which keeps nearby
nodes close in memory (PHAST's locality reordering). Two CSR graphs over
internal ids:

``up``   edges ``i → j`` of the original direction with ``j`` more important
         (so ``j < i``) — the forward upward search graph;
``down`` for each node ``i`` the edges ``j → i`` arriving from a more important
         ``j`` (stored at ``i`` as ``(j, w)``) — used by backward upward searches
         and by the PHAST downward sweep, which visits ``i = 0, 1, ... n-1``.

Every shortest path in the road graph is an up-then-down path in the
hierarchy, so a query meets in its most important node.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numba
import numpy as np
from numba import njit, prange

from geoaccess.engine._heap import as_seeds, heap_pop, heap_push

if TYPE_CHECKING:
    from geoaccess.network.graph import Network

__all__ = ["ContractionHierarchy", "HierarchyArrays", "TargetBuckets", "graph_fingerprint", "network_fingerprint"]

_FORMAT = 3


# ----------------------------------------------------------------------------- kernels
@njit(cache=True)
def _upward(indptr, indices, weights, st_ptr, st_idx, st_w, seeds, offs, cutoff, stall,
            dist, touched, hk, hv, settled_out):  # pragma: no cover - numba
    """Upward Dijkstra from the seeds; returns the number of settled (non-stalled) nodes.

    Settled nodes are written to ``settled_out`` in settling order; ``touched``
    receives every node whose ``dist`` was set (first ``nt`` entries, ``nt``
    stored in ``touched[-1]``) so the caller can reset ``dist``. With ``stall``,
    stall-on-demand uses the opposite graph (``st_*``).
    """
    nt = 0
    size = 0
    for j in range(len(seeds)):
        s = seeds[j]
        if s < 0:
            continue
        o = offs[j]
        if o < dist[s] and o <= cutoff:
            if dist[s] == np.inf:
                touched[nt] = s
                nt += 1
            dist[s] = o
            size = heap_push(hk, hv, size, o, s)
    ns = 0
    while size > 0:
        d = hk[0]
        v = hv[0]
        size = heap_pop(hk, hv, size)
        if d > dist[v]:
            continue
        if stall:
            stalled = False
            for e in range(st_ptr[v], st_ptr[v + 1]):
                if dist[st_idx[e]] + st_w[e] < d:
                    stalled = True
                    break
            if stalled:
                continue
        settled_out[ns] = v
        ns += 1
        for e in range(indptr[v], indptr[v + 1]):
            u = indices[e]
            nd = d + weights[e]
            if nd < dist[u] and nd <= cutoff:
                if dist[u] == np.inf:
                    touched[nt] = u
                    nt += 1
                dist[u] = nd
                size = heap_push(hk, hv, size, nd, u)
    touched[len(touched) - 1] = nt
    return ns


class HierarchyArrays(NamedTuple):
    """The two CSR graphs of a hierarchy in internal (sweep-order) ids, as the kernels take them.

    ``up_*``: edges towards more important nodes; ``dn_*``: for each node the edges arriving
    from more important nodes. Pointers and ids int64, weights float64 seconds.
    """

    up_ptr: np.ndarray
    up_idx: np.ndarray
    up_w: np.ndarray
    dn_ptr: np.ndarray
    dn_idx: np.ndarray
    dn_w: np.ndarray


class TargetBuckets(NamedTuple):
    """Backward search spaces of a set of targets, grouped by node (bucket many-to-many).

    Built once per destination set by :meth:`ContractionHierarchy.target_buckets` and reused
    for every block of origins. ``ptr`` (int64, n + 1) indexes ``target`` (int32, the target's
    row) and ``seconds`` (float64, backward distance incl. the target's offset).
    """

    ptr: np.ndarray
    target: np.ndarray
    seconds: np.ndarray
    n_targets: int
    cutoff: float

    @property
    def nbytes(self) -> int:
        """Memory held by the buckets, bytes."""
        return int(self.ptr.nbytes + self.target.nbytes + self.seconds.nbytes)


@njit(cache=True, parallel=True)
def _backward_spaces(h, seeds, offs, cutoff, counts, b_node, b_dist, b_ptr, write, n_chunks):  # pragma: no cover
    """Backward upward searches from every target (``down`` graph, stalling on ``up``).

    First pass (``write=False``) stores the search-space size per target in
    ``counts``; second pass writes ``(node, dist)`` at ``b_ptr[t]``.
    """
    n = len(h.up_ptr) - 1
    n_t = seeds.shape[0]
    cap = len(h.dn_idx) + seeds.shape[1] + 2
    for c in prange(n_chunks):
        dist = np.full(n, np.inf)
        touched = np.empty(n + 1, np.int64)
        hk = np.empty(cap, np.float64)
        hv = np.empty(cap, np.int64)
        settled = np.empty(n, np.int64)
        for t in range(c, n_t, n_chunks):
            ns = _upward(h.dn_ptr, h.dn_idx, h.dn_w, h.up_ptr, h.up_idx, h.up_w, seeds[t], offs[t], cutoff, True,
                         dist, touched, hk, hv, settled)
            if write:
                p = b_ptr[t]
                for i in range(ns):
                    b_node[p + i] = settled[i]
                    b_dist[p + i] = dist[settled[i]]
            else:
                counts[t] = ns
            nt = touched[len(touched) - 1]
            for i in range(nt):
                dist[touched[i]] = np.inf


@njit(cache=True)
def _bucket_sort(n, b_node, b_dist, b_ptr, n_t):  # pragma: no cover - numba
    """Regroup the backward search spaces by node: CSR of (target, dist) buckets."""
    cnt = np.zeros(n + 1, np.int64)
    for i in range(len(b_node)):
        cnt[b_node[i] + 1] += 1
    for v in range(n):
        cnt[v + 1] += cnt[v]
    pos = cnt[:-1].copy()
    tgt = np.empty(len(b_node), np.int32)
    dd = np.empty(len(b_node), np.float64)
    for t in range(n_t):
        for i in range(b_ptr[t], b_ptr[t + 1]):
            v = b_node[i]
            tgt[pos[v]] = t
            dd[pos[v]] = b_dist[i]
            pos[v] += 1
    return cnt, tgt, dd


@njit(cache=True, parallel=True)
def _forward_buckets(h, seeds, offs, cutoff, bk_ptr, bk_t, bk_d, out, n_chunks):  # pragma: no cover - numba
    """Upward search per source, scanning the buckets of every settled node into ``out[s]``."""
    n = len(h.up_ptr) - 1
    n_s = seeds.shape[0]
    cap = len(h.up_idx) + seeds.shape[1] + 2
    for c in prange(n_chunks):
        dist = np.full(n, np.inf)
        touched = np.empty(n + 1, np.int64)
        hk = np.empty(cap, np.float64)
        hv = np.empty(cap, np.int64)
        settled = np.empty(n, np.int64)
        for s in range(c, n_s, n_chunks):
            row = out[s]
            row[:] = np.inf
            ns = _upward(h.up_ptr, h.up_idx, h.up_w, h.dn_ptr, h.dn_idx, h.dn_w, seeds[s], offs[s], cutoff, True,
                         dist, touched, hk, hv, settled)
            for i in range(ns):
                v = settled[i]
                d = dist[v]
                for k in range(bk_ptr[v], bk_ptr[v + 1]):
                    x = d + bk_d[k]
                    t = bk_t[k]
                    if x < row[t]:
                        row[t] = x
            for t in range(len(row)):
                if row[t] > cutoff:
                    row[t] = np.inf
            nt = touched[len(touched) - 1]
            for i in range(nt):
                dist[touched[i]] = np.inf


@njit(cache=True, parallel=True)
def _phast(h, perm, seeds, offs, cutoff, out, n_chunks, batch):  # pragma: no cover - numba
    """PHAST: upward search per source, then one linear downward sweep for ``batch`` sources at once."""
    n = len(h.up_ptr) - 1
    n_s = seeds.shape[0]
    cap = len(h.up_idx) + seeds.shape[1] + 2
    n_batches = (n_s + batch - 1) // batch
    for c in prange(n_chunks):
        dist = np.full(n, np.inf)
        touched = np.empty(n + 1, np.int64)
        hk = np.empty(cap, np.float64)
        hv = np.empty(cap, np.int64)
        settled = np.empty(n, np.int64)
        d = np.empty(n * batch, np.float64)
        for bt in range(c, n_batches, n_chunks):
            s0 = bt * batch
            nb = min(batch, n_s - s0)
            d[:] = np.inf
            for b in range(nb):
                _upward(h.up_ptr, h.up_idx, h.up_w, h.dn_ptr, h.dn_idx, h.dn_w, seeds[s0 + b], offs[s0 + b], cutoff,
                        False, dist, touched, hk, hv, settled)
                nt = touched[len(touched) - 1]
                for i in range(nt):
                    v = touched[i]
                    d[v * batch + b] = dist[v]
                    dist[v] = np.inf
            # downward sweep in order of decreasing importance
            for v in range(n):
                base = v * batch
                for e in range(h.dn_ptr[v], h.dn_ptr[v + 1]):
                    ub = h.dn_idx[e] * batch
                    w = h.dn_w[e]
                    for b in range(nb):
                        x = d[ub + b] + w
                        d[base + b] = min(d[base + b], x)
            for b in range(nb):
                row = out[s0 + b]
                for v in range(n):
                    x = d[v * batch + b]
                    row[perm[v]] = x if x <= cutoff else np.inf


@njit(cache=True)
def _levels(rank, up_t, up_h, dn_t, dn_h):  # pragma: no cover - numba
    """Hierarchy level: 0 for nodes with no less important neighbour, else 1 + max over those."""
    n = len(rank)
    order = np.argsort(rank)
    # arcs grouped by their less important end (the one contracted first)
    low = np.concatenate((up_t, dn_h))
    high = np.concatenate((up_h, dn_t))
    ptr = np.zeros(n + 1, np.int64)
    for i in range(len(low)):
        ptr[low[i] + 1] += 1
    for v in range(n):
        ptr[v + 1] += ptr[v]
    pos = ptr[:-1].copy()
    adj = np.empty(len(low), np.int64)
    for i in range(len(low)):
        adj[pos[low[i]]] = high[i]
        pos[low[i]] += 1
    level = np.zeros(n, np.int64)
    for k in range(n):
        v = order[k]
        for e in range(ptr[v], ptr[v + 1]):
            u = adj[e]
            level[u] = max(level[u], level[v] + 1)
    return level


# ----------------------------------------------------------------------------- helpers
def network_fingerprint(net: Network) -> str:
    """Hex digest of the graph's topology and travel times plus the package version."""
    return graph_fingerprint(net.indptr, net.indices, net.seconds)


def graph_fingerprint(indptr: np.ndarray, indices: np.ndarray, seconds: np.ndarray) -> str:
    """Hex digest of a CSR graph (row pointer, heads, seconds) plus the package version."""
    from geoaccess import __version__

    h = hashlib.sha256()
    for a in (indptr, indices, seconds):
        h.update(np.ascontiguousarray(a).tobytes())
    h.update(f"{__version__}|ch{_FORMAT}".encode())
    return h.hexdigest()[:32]


def _csr(n: int, tails: np.ndarray, heads: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    o = np.lexsort((heads, tails))
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(tails, minlength=n), out=ptr[1:])
    return ptr, heads[o].astype(np.int64), w[o].astype(np.float64)


def _chunks(count: int) -> int:
    return max(1, min(count, numba.get_num_threads() * 4))


# ----------------------------------------------------------------------------- class
@dataclass(frozen=True, eq=False)
class ContractionHierarchy:
    """A contraction hierarchy over a :class:`~geoaccess.network.graph.Network` (arrays only).

    Attributes
    ----------
    n : int
        Number of nodes of the network.
    rank : numpy.ndarray of int32, shape (n,)
        Contraction rank of each original node (0 = contracted first, least important).
    perm : numpy.ndarray of int32, shape (n,)
        Original node id of each internal (sweep-order) node: by hierarchy
        level, highest first, then by original id.
    up_indptr, up_indices, up_weights
        Upward graph in internal ids (edges towards more important nodes), seconds.
    down_indptr, down_indices, down_weights
        For each internal node, the edges arriving from more important nodes, seconds.
    fingerprint : str
        :func:`network_fingerprint` of the network it was built for.
    meta : dict
        Build statistics (seconds taken, number of shortcuts, limits).
    """

    n: int
    rank: np.ndarray
    perm: np.ndarray
    up_indptr: np.ndarray
    up_indices: np.ndarray
    up_weights: np.ndarray
    down_indptr: np.ndarray
    down_indices: np.ndarray
    down_weights: np.ndarray
    fingerprint: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        inv = np.empty(self.n, dtype=np.int32)
        inv[np.asarray(self.perm, dtype=np.int64)] = np.arange(self.n, dtype=np.int32)
        object.__setattr__(self, "_inv", inv)
        object.__setattr__(self, "_arrays", HierarchyArrays(
            np.ascontiguousarray(self.up_indptr, dtype=np.int64), np.ascontiguousarray(self.up_indices, dtype=np.int64),
            np.ascontiguousarray(self.up_weights, dtype=np.float64),
            np.ascontiguousarray(self.down_indptr, dtype=np.int64),
            np.ascontiguousarray(self.down_indices, dtype=np.int64),
            np.ascontiguousarray(self.down_weights, dtype=np.float64),
        ))
        object.__setattr__(self, "_perm64", np.ascontiguousarray(self.perm, dtype=np.int64))

    @property
    def arrays(self) -> HierarchyArrays:
        """The upward/downward CSR graphs bundled for the kernels."""
        return self._arrays  # type: ignore[attr-defined,no-any-return]

    @property
    def nbytes(self) -> int:
        """Memory held by the hierarchy's arrays, bytes."""
        return int(sum(a.nbytes for a in self.arrays) + self.rank.nbytes + self.perm.nbytes)

    def content_sha256(self) -> str:
        """SHA-256 over every array and the fingerprint: stored in the cache file and checked on load."""
        h = hashlib.sha256()
        h.update(f"{_FORMAT}|{self.n}|{self.fingerprint}".encode())
        for a in (self.rank, self.perm, self.up_indptr, self.up_indices, self.up_weights,
                  self.down_indptr, self.down_indices, self.down_weights):
            arr = np.ascontiguousarray(a)
            h.update(f"{arr.dtype.str}{arr.shape}".encode())
            h.update(arr.tobytes())
        return h.hexdigest()

    # ------------------------------------------------------------------ build
    @classmethod
    def build(
        cls,
        net: Network,
        *,
        progress: bool = False,
        witness_limit: int = 500,
        priority_limit: int = 50,
    ) -> ContractionHierarchy:
        """Contract ``net`` (edge weights = ``net.seconds``).

        Parameters
        ----------
        net
            The network.
        progress
            Show a spinner with elapsed time while contracting (the numba kernel
            runs as one call, so there is no percentage).
        witness_limit, priority_limit
            Settled-node limits of witness searches (see
            :mod:`geoaccess.engine.contraction`); results stay exact for any value.
        """
        return cls.build_graph(net.n_nodes, net.tails, net.indices, net.seconds,
                               fingerprint=network_fingerprint(net), progress=progress,
                               witness_limit=witness_limit, priority_limit=priority_limit)

    @classmethod
    def build_graph(
        cls,
        n: int,
        tails: np.ndarray,
        heads: np.ndarray,
        seconds: np.ndarray,
        *,
        fingerprint: str = "",
        progress: bool = False,
        witness_limit: int = 500,
        priority_limit: int = 50,
    ) -> ContractionHierarchy:
        """Contract any directed graph given as an edge list (e.g. the edge-based turn graph).

        Parameters
        ----------
        n
            Number of nodes.
        tails, heads, seconds
            Edge list with travel times in seconds (finite, >= 0).
        fingerprint
            Identity stored with the hierarchy (:func:`graph_fingerprint`).
        progress, witness_limit, priority_limit
            As in :meth:`build`.
        """
        from geoaccess.engine.contraction import contract_graph

        t0 = time.perf_counter()
        m = len(tails)
        if progress:
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn()) as bar:
                bar.add_task(f"Contracting {n:,} nodes, {m:,} edges", total=None)
                res = contract_graph(n, tails, heads, seconds,
                                     witness_limit=witness_limit, priority_limit=priority_limit)
        else:
            res = contract_graph(n, tails, heads, seconds,
                                 witness_limit=witness_limit, priority_limit=priority_limit)
        order = res["order"].astype(np.int64)
        rank = np.empty(n, dtype=np.int32)
        rank[order] = np.arange(n, dtype=np.int32)
        # sweep order: by hierarchy level (highest first), then by original id for memory locality
        level = _levels(rank.astype(np.int64), res["up_tail"].astype(np.int64), res["up_head"].astype(np.int64),
                        res["down_tail"].astype(np.int64), res["down_head"].astype(np.int64))
        perm = np.lexsort((np.arange(n), -level)).astype(np.int32)  # internal id -> original node
        inv = np.empty(n, dtype=np.int64)
        inv[perm] = np.arange(n)
        ut, uh = inv[res["up_tail"]], inv[res["up_head"]]
        up_ptr, up_idx, up_w = _csr(n, ut, uh, res["up_weight"])
        # down: stored at the head (less important), pointing to the tail (more important)
        dt, dh = inv[res["down_tail"]], inv[res["down_head"]]
        dn_ptr, dn_idx, dn_w = _csr(n, dh, dt, res["down_weight"])
        meta = {
            "build_seconds": time.perf_counter() - t0,
            "shortcuts": res["shortcuts"],
            "stats": res["stats"],
            "witness_limit": int(witness_limit),
            "priority_limit": int(priority_limit),
            "edges": int(m),
        }
        return cls(n=n, rank=rank, perm=perm, up_indptr=up_ptr, up_indices=up_idx, up_weights=up_w,
                   down_indptr=dn_ptr, down_indices=dn_idx, down_weights=dn_w,
                   fingerprint=fingerprint, meta=meta)

    @classmethod
    def for_network(cls, net: Network, *, cache: bool = True, progress: bool = False) -> ContractionHierarchy:
        """Return the hierarchy of ``net``, from the on-disk cache when possible.

        The cache file is ``cache_dir()/ch/<fingerprint>.npz`` where the fingerprint hashes
        the CSR topology, the travel times and the package version. The file also stores the
        SHA-256 of its own arrays (:meth:`content_sha256`), checked on every load: a corrupt,
        truncated or edited file (even a valid zip with changed weights) is rebuilt with a
        :class:`~geoaccess.errors.CacheWarning`. An unwritable cache folder only warns.
        """
        return cls._cached(network_fingerprint(net), net.n_nodes, lambda fp: cls.build(net, progress=progress),
                           cache=cache)

    @classmethod
    def for_graph(cls, indptr: np.ndarray, indices: np.ndarray, seconds: np.ndarray, *, cache: bool = True,
                  progress: bool = False) -> ContractionHierarchy:
        """The hierarchy of a CSR graph (e.g. :class:`~geoaccess.engine.turn_graph.TurnGraph`), cached as
        :meth:`for_network` by :func:`graph_fingerprint`."""
        n = len(indptr) - 1
        tails = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
        return cls._cached(
            graph_fingerprint(indptr, indices, seconds), n,
            lambda fp: cls.build_graph(n, tails, indices, seconds, fingerprint=fp, progress=progress), cache=cache)

    @classmethod
    def _cached(cls, fp: str, n: int, build: Any, *, cache: bool) -> ContractionHierarchy:
        from geoaccess.errors import CacheError, CacheWarning

        path: Path | None = None
        if cache:
            from geoaccess.datasets import cache_dir

            path = cache_dir() / "ch" / f"{fp}.npz"
            if path.exists():
                try:
                    ch = cls.load(path)
                    if ch.fingerprint != fp or ch.n != n:
                        msg = f"{path} belongs to another network (fingerprint {ch.fingerprint})"
                        raise CacheError(msg)
                    return ch
                except CacheError as exc:
                    warnings.warn(f"Cached contraction hierarchy rejected, rebuilding it: {exc}", CacheWarning,
                                  stacklevel=3)
        ch = build(fp)
        if path is not None:
            try:
                ch.save(path)
            except OSError as exc:
                warnings.warn(f"Could not write the CH cache {path} ({exc}); continuing without caching. "
                              "Set GEOACCESS_CACHE to a writable folder to cache hierarchies.",
                              CacheWarning, stacklevel=3)
        return ch

    # ------------------------------------------------------------------ storage
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the hierarchy to ``path`` (``.npz``) with its content hash, atomically (temp file + rename)."""
        import json

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(
                    fh,
                    format=np.array(_FORMAT),
                    n=np.array(self.n),
                    rank=self.rank, perm=self.perm,
                    up_indptr=self.up_indptr, up_indices=self.up_indices, up_weights=self.up_weights,
                    down_indptr=self.down_indptr, down_indices=self.down_indices, down_weights=self.down_weights,
                    fingerprint=np.array(self.fingerprint),
                    meta=np.array(json.dumps(self.meta)),
                    content_sha256=np.array(self.content_sha256()),
                )
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ContractionHierarchy:
        """Read a hierarchy written by :meth:`save` and check its content hash.

        Raises
        ------
        geoaccess.errors.CacheError
            When the file is not a hierarchy of this format, is inconsistent, or its arrays do not
            match the stored SHA-256 (edited or corrupted).
        """
        import json

        from geoaccess.errors import CacheError

        try:
            with np.load(path, allow_pickle=False) as z:
                if int(z["format"]) != _FORMAT:
                    msg = f"{path}: CH format {int(z['format'])}, expected {_FORMAT}; delete the file to rebuild"
                    raise CacheError(msg)
                ch = cls(
                    n=int(z["n"]), rank=z["rank"], perm=z["perm"],
                    up_indptr=z["up_indptr"], up_indices=z["up_indices"], up_weights=z["up_weights"],
                    down_indptr=z["down_indptr"], down_indices=z["down_indices"], down_weights=z["down_weights"],
                    fingerprint=str(z["fingerprint"]), meta=json.loads(str(z["meta"])),
                )
                stored = str(z["content_sha256"])
        except CacheError:
            raise
        except Exception as exc:
            msg = f"{path} is not a readable contraction hierarchy ({exc}); delete it to rebuild"
            raise CacheError(msg) from exc
        n = ch.n
        ok = (len(ch.rank) == n and len(ch.perm) == n and len(ch.up_indptr) == n + 1
              and len(ch.down_indptr) == n + 1 and ch.up_indptr[-1] == len(ch.up_indices) == len(ch.up_weights)
              and ch.down_indptr[-1] == len(ch.down_indices) == len(ch.down_weights))
        if not ok:
            msg = f"{path}: inconsistent contraction hierarchy arrays; delete it to rebuild"
            raise CacheError(msg)
        if ch.content_sha256() != stored:
            msg = f"{path}: its arrays do not match the SHA-256 stored with them (edited or corrupted)"
            raise CacheError(msg)
        return ch

    # ------------------------------------------------------------------ queries
    def _internal(self, nodes: np.ndarray, offsets: np.ndarray | None, *, what: str) -> tuple[np.ndarray, np.ndarray]:
        seeds, offs = as_seeds(nodes, offsets, self.n, what=what)
        inv = self._inv  # type: ignore[attr-defined]
        internal = np.where(seeds >= 0, inv[np.maximum(seeds, 0)], -1).astype(np.int32)
        return np.ascontiguousarray(internal), offs

    def target_buckets(
        self, dst_nodes: np.ndarray, dst_offsets: np.ndarray | None, *, cutoff: float = np.inf
    ) -> TargetBuckets:
        """Backward search spaces of the destinations, grouped by node (the many-to-many set-up).

        Parameters
        ----------
        dst_nodes, dst_offsets
            ``(T, K)`` int32 seed nodes per destination padded with ``-1`` (1-D: one seed each),
            and seconds added at the destination side per seed (``None`` = 0).
        cutoff
            Seconds; backward searches stop there.

        Returns
        -------
        TargetBuckets
            Reusable for any number of origin blocks (:meth:`many_to_buckets`).
        """
        t_seeds, t_offs = self._internal(dst_nodes, dst_offsets, what="destination")
        n_t = t_seeds.shape[0]
        cutoff = float(cutoff)
        counts = np.zeros(n_t, dtype=np.int64)
        dummy_i = np.empty(0, dtype=np.int32)
        dummy_f = np.empty(0, dtype=np.float64)
        dummy_p = np.empty(0, dtype=np.int64)
        h = self.arrays
        if n_t == 0:
            return TargetBuckets(np.zeros(self.n + 1, np.int64), dummy_i, dummy_f, 0, cutoff)
        _backward_spaces(h, t_seeds, t_offs, cutoff, counts, dummy_i, dummy_f, dummy_p, False, _chunks(n_t))
        b_ptr = np.zeros(n_t + 1, dtype=np.int64)
        np.cumsum(counts, out=b_ptr[1:])
        b_node = np.empty(int(b_ptr[-1]), dtype=np.int32)
        b_dist = np.empty(int(b_ptr[-1]), dtype=np.float64)
        _backward_spaces(h, t_seeds, t_offs, cutoff, counts, b_node, b_dist, b_ptr, True, _chunks(n_t))
        bk_ptr, bk_t, bk_d = _bucket_sort(self.n, b_node, b_dist, b_ptr, n_t)
        return TargetBuckets(bk_ptr, bk_t, bk_d, n_t, cutoff)

    def many_to_buckets(
        self,
        src_nodes: np.ndarray,
        src_offsets: np.ndarray | None,
        buckets: TargetBuckets,
        *,
        out: np.ndarray | None = None,
    ) -> np.ndarray:
        """Travel times from a block of origins to the destinations of ``buckets`` (the many-to-many query).

        Parameters
        ----------
        src_nodes, src_offsets
            ``(S, K)`` int32 seed nodes per origin (``-1`` padded) and seconds per seed (``None`` = 0).
        buckets
            From :meth:`target_buckets`; its cutoff applies.
        out
            Optional ``(S, T)`` float64 array to fill (C-contiguous).

        Returns
        -------
        numpy.ndarray of float64, shape (S, T)
            ``min over seed pairs of o_off + d(a, b) + d_off`` in seconds; ``inf`` when unreachable
            or beyond the cutoff.
        """
        s_seeds, s_offs = self._internal(src_nodes, src_offsets, what="origin")
        n_s = s_seeds.shape[0]
        if out is None:
            out = np.empty((n_s, buckets.n_targets), dtype=np.float64)
        if out.shape != (n_s, buckets.n_targets) or not out.flags.c_contiguous or out.dtype != np.float64:
            msg = f"out must be a C-contiguous float64 array of shape {(n_s, buckets.n_targets)}"
            raise ValueError(msg)
        if out.size == 0:
            return out
        _forward_buckets(self.arrays, s_seeds, s_offs, float(buckets.cutoff), buckets.ptr, buckets.target,
                         buckets.seconds, out, _chunks(n_s))
        return out

    def many_to_many(
        self,
        src_nodes: np.ndarray,
        src_offsets: np.ndarray | None,
        dst_nodes: np.ndarray,
        dst_offsets: np.ndarray | None,
        *,
        cutoff: float = np.inf,
    ) -> np.ndarray:
        """Travel-time matrix by bucket many-to-many (parallel over targets, then sources).

        Parameters
        ----------
        src_nodes, dst_nodes
            ``(S, K)`` / ``(T, K)`` int32 seed nodes per origin / destination,
            padded with ``-1`` (1-D arrays mean one seed each).
        src_offsets, dst_offsets
            Seconds added at the origin / destination side per seed (``None`` = 0).
        cutoff
            Seconds; larger entries are ``inf``.

        Returns
        -------
        numpy.ndarray of float64, shape (S, T)
            ``min over seed pairs of o_off + d(a, b) + d_off`` in seconds; ``inf``
            when unreachable or beyond ``cutoff``.
        """
        buckets = self.target_buckets(dst_nodes, dst_offsets, cutoff=cutoff)
        return self.many_to_buckets(src_nodes, src_offsets, buckets)

    def one_to_all(
        self,
        src_nodes: np.ndarray,
        src_offsets: np.ndarray | None = None,
        *,
        cutoff: float = np.inf,
        batch: int = 8,
    ) -> np.ndarray:
        """Seconds from each origin to every node, by PHAST (upward search + linear downward sweep).

        Parameters
        ----------
        src_nodes
            ``(S, K)`` int32 seed nodes per origin padded with ``-1`` (or ``(S,)``).
        src_offsets
            Seconds added at each seed (``None`` = 0).
        cutoff
            Seconds; larger entries are ``inf``.
        batch
            Number of origins swept together (each edge is read once per batch).

        Returns
        -------
        numpy.ndarray of float64, shape (S, n)
            In ORIGINAL node order; ``inf`` when unreachable. Memory ``8 * S * n``
            bytes: call in batches of origins on large networks.
        """
        seeds, offs = self._internal(src_nodes, src_offsets, what="origin")
        n_s = seeds.shape[0]
        out = np.empty((n_s, self.n), dtype=np.float64)
        if n_s == 0:
            return out
        batch = max(1, min(int(batch), n_s))
        n_batches = (n_s + batch - 1) // batch
        _phast(self.arrays, self._perm64, seeds, offs, float(cutoff), out, _chunks(n_batches), batch)  # type: ignore[attr-defined]
        return out

    def summary(self) -> dict[str, Any]:
        """Nodes, upward/downward edge counts and build statistics."""
        return {"nodes": self.n, "up_edges": len(self.up_indices),
                "down_edges": len(self.down_indices), **self.meta}
