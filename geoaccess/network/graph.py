"""The :class:`Network`: a directed road/ferry graph held as CSR arrays.

All travel costs are in **seconds**, lengths in **metres**, coordinates in the
network's projected CRS (EPSG:25833 for Norway, the local UTM zone elsewhere).
The arrays can be handed to :mod:`scipy.sparse.csgraph` directly through
:meth:`Network.csgraph`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.network.turns import check_turns, reverse_turns, subset_turns

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx
    import scipy.sparse as sp

    from geoaccess.network.turns import TurnRestrictions

__all__ = ["EdgeFlag", "Network", "gather_shapes"]


class EdgeFlag(enum.IntFlag):
    """Bit flags stored per edge in :attr:`Network.flags`."""

    NONE = 0
    FERRY = 1
    """A ferry crossing (``route=ferry``); its seconds include the boarding wait."""
    SHORTCUT = 2
    """Reserved for derived graphs (never set on a base network)."""
    CONNECTOR = 4
    """An edge added by an edit or a snap, not present in the source."""
    DESTINATION = 8
    """Usable only at the start or end of a trip (``access``/``motor_vehicle`` = destination, delivery,
    customers, agricultural, forestry, permit; NVDB *kjøring til eiendommer*)."""
    SIGNAL = 16
    """A traffic signal at the head of this edge controls traffic arriving along it."""
    ROUNDABOUT = 32
    """Part of a roundabout (``junction=roundabout``/``circular``): no oncoming-traffic turn penalty."""
    CROSSING = 64
    """A marked pedestrian crossing (``highway=crossing``) at the head of this edge."""


@dataclass(frozen=True, eq=False)
class Network:
    """A directed graph in compressed sparse row form.

    Edges leaving node ``u`` are ``indptr[u]:indptr[u + 1]``; their heads are
    ``indices[...]``. Parallel edges may occur (e.g. two OSM ways between the
    same junctions); :meth:`csgraph` keeps the fastest.

    Attributes
    ----------
    indptr : numpy.ndarray of int32, shape (n + 1,)
        CSR row pointer.
    indices : numpy.ndarray of int32, shape (m,)
        Head node of each edge.
    seconds : numpy.ndarray of float64, shape (m,)
        Travel time of each edge in seconds (ferry edges include the wait).
    metres : numpy.ndarray of float64, shape (m,)
        Length of each edge in metres.
    way_id : numpy.ndarray of int64, shape (m,)
        Source way/line id of each edge (OSM way id, NVDB row), ``-1`` if none.
    flags : numpy.ndarray of uint8, shape (m,)
        :class:`EdgeFlag` bits.
    x, y : numpy.ndarray of float64, shape (n,)
        Node coordinates in metres in :attr:`crs`.
    node_id : numpy.ndarray of int64, shape (n,)
        Source node id (OSM node id, DIMACS node number, or a running number).
    crs : str
        Projected CRS of ``x``/``y`` as an authority string, e.g. ``"EPSG:25833"``.
    shape_ptr : numpy.ndarray of int64, shape (m + 1,), optional
        Row pointer into ``shape_xy`` for each edge's interior vertices.
    shape_xy : numpy.ndarray of float64, shape (k, 2), optional
        Interior vertices of edges (between tail and head), in :attr:`crs`.
    mode : str
        Profile the network was built for (``"car"``, ``"walk"``, ``"bike"``, ...).
    meta : dict
        Provenance: source file, SHA-256, profile, package version, build options.
    turns : TurnRestrictions, optional
        Turn restrictions as paths of edge indices of this network
        (:mod:`geoaccess.network.turns`); ``None`` when the source has none or they were not read.
    """

    indptr: np.ndarray
    indices: np.ndarray
    seconds: np.ndarray
    metres: np.ndarray
    way_id: np.ndarray
    flags: np.ndarray
    x: np.ndarray
    y: np.ndarray
    node_id: np.ndarray
    crs: str
    shape_ptr: np.ndarray | None = None
    shape_xy: np.ndarray | None = None
    mode: str = "car"
    meta: dict[str, Any] = field(default_factory=dict)
    turns: TurnRestrictions | None = None

    def __post_init__(self) -> None:
        n = len(self.indptr) - 1
        m = int(self.indptr[-1]) if n >= 0 else 0
        problems = []
        if n < 0:
            problems.append("indptr is empty")
        for name in ("indices", "seconds", "metres", "way_id", "flags"):
            if len(getattr(self, name)) != m:
                problems.append(f"{name} has {len(getattr(self, name))} entries, expected {m} edges")
        for name in ("x", "y", "node_id"):
            if len(getattr(self, name)) != n:
                problems.append(f"{name} has {len(getattr(self, name))} entries, expected {n} nodes")
        if self.shape_ptr is not None and len(self.shape_ptr) != m + 1:
            problems.append("shape_ptr must have one entry per edge plus one")
        if self.turns is not None and not problems:
            problems += check_turns(self.turns, n, m)
        if problems:
            msg = "Inconsistent Network arrays: " + "; ".join(problems) + "."
            raise ValueError(msg)

    # ------------------------------------------------------------------ sizes
    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.indptr) - 1

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return int(self.indptr[-1])

    @property
    def tails(self) -> np.ndarray:
        """Tail node of every edge (int32, shape (m,))."""
        return np.repeat(np.arange(self.n_nodes, dtype=np.int32), np.diff(self.indptr))

    @property
    def xy(self) -> np.ndarray:
        """Node coordinates as an (n, 2) array in metres."""
        return np.column_stack([self.x, self.y])

    @property
    def has_coordinates(self) -> bool:
        """``False`` for a graph read without node coordinates (e.g. a DIMACS ``.gr`` without ``.co``)."""
        return bool(self.crs) and not (self.n_nodes and np.isnan(self.x).all())

    def require_coordinates(self, what: str) -> None:
        """Raise :class:`~geoaccess.errors.InputError` naming ``what`` when the network has no coordinates.

        Routing between node ids needs none; snapping points, catchment polygons and maps do.
        """
        if not self.has_coordinates:
            from geoaccess.errors import InputError

            source = self.meta.get("source", "this network")
            msg = (
                f"{what} needs node coordinates, but {source} has none (a DIMACS .gr read without its .co "
                "file). Route between node ids (Router.hierarchy.many_to_many), or read the graph with its "
                "coordinate file: read_dimacs(gr, co)."
            )
            raise InputError(msg)

    def summary(self) -> dict[str, Any]:
        """Nodes, edges, strongly connected components, km of road and ferry edges."""
        from scipy.sparse.csgraph import connected_components

        n_comp, labels = connected_components(self.csgraph(), directed=True, connection="strong")
        sizes = np.bincount(labels) if self.n_nodes else np.zeros(0, dtype=int)
        ferry = (self.flags & EdgeFlag.FERRY) != 0
        return {
            "mode": self.mode,
            "crs": self.crs,
            "nodes": self.n_nodes,
            "edges": self.n_edges,
            "components": int(n_comp),
            "largest_component_nodes": int(sizes.max()) if len(sizes) else 0,
            "edge_km": float(self.metres.sum() / 1000.0),
            "ferry_edges": int(ferry.sum()),
        }

    # ------------------------------------------------------------ conversions
    def csgraph(self, *, weight: str = "seconds") -> sp.csr_matrix:
        """Return a :class:`scipy.sparse.csr_matrix` of edge costs for :mod:`scipy.sparse.csgraph`.

        Parallel edges are reduced to the cheapest one (scipy would otherwise sum them).

        Parameters
        ----------
        weight
            ``"seconds"`` (default) or ``"metres"``.
        """
        import scipy.sparse as sp

        w = np.asarray(getattr(self, weight), dtype=np.float64)
        tails = self.tails
        order = np.lexsort((w, self.indices, tails))
        t, h, w = tails[order], self.indices[order], w[order]
        keep = np.ones(len(t), dtype=bool)
        keep[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
        n = self.n_nodes
        mat = sp.csr_matrix((w[keep], (t[keep], h[keep])), shape=(n, n))
        return mat

    def reverse(self) -> Network:
        """Return the network with every edge reversed (costs kept, shapes reversed)."""
        tails = self.tails
        order = np.argsort(self.indices, kind="stable")
        counts = np.bincount(self.indices, minlength=self.n_nodes)
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
        shape_ptr = shape_xy = None
        if self.shape_ptr is not None:
            shape_ptr, shape_xy = gather_shapes(
                self.shape_ptr, self.shape_xy, order, reverse=np.ones(len(order), dtype=bool)
            )
        return replace(
            self,
            indptr=indptr,
            indices=tails[order].astype(np.int32),
            seconds=self.seconds[order],
            metres=self.metres[order],
            way_id=self.way_id[order],
            flags=self.flags[order],
            shape_ptr=shape_ptr,
            shape_xy=shape_xy,
            turns=None if self.turns is None else reverse_turns(self.turns, order, tails),
        )

    def subgraph(self, nodes: np.ndarray) -> Network:
        """Return the network induced by a boolean mask or an index array of nodes."""
        mask = np.zeros(self.n_nodes, dtype=bool)
        mask[nodes] = True
        return self.edge_subset(mask[self.tails] & mask[self.indices], mask)

    def edge_subset(self, edge_mask: np.ndarray, node_mask: np.ndarray) -> Network:
        """Keep the edges in ``edge_mask`` and the nodes in ``node_mask``.

        Every kept edge's end nodes must be kept. Nodes are renumbered in their original
        order; shapes, ids and flags follow.
        """
        node_mask = np.asarray(node_mask, dtype=bool)
        edges = np.flatnonzero(np.asarray(edge_mask, dtype=bool))
        tails = self.tails
        if not np.all(node_mask[tails[edges]] & node_mask[self.indices[edges]]):
            msg = "edge_subset: every kept edge must have both end nodes kept"
            raise ValueError(msg)
        new_id = np.full(self.n_nodes, -1, dtype=np.int64)
        new_id[node_mask] = np.arange(int(node_mask.sum()))
        shape_ptr = shape_xy = None
        if self.shape_ptr is not None:
            shape_ptr, shape_xy = gather_shapes(self.shape_ptr, self.shape_xy, edges)
        out = Network.from_arrays(
            new_id[tails[edges]],
            new_id[self.indices[edges]],
            seconds=self.seconds[edges],
            metres=self.metres[edges],
            way_id=self.way_id[edges],
            flags=self.flags[edges],
            x=self.x[node_mask],
            y=self.y[node_mask],
            node_id=self.node_id[node_mask],
            crs=self.crs,
            shape_ptr=shape_ptr,
            shape_xy=shape_xy,
            mode=self.mode,
            meta=dict(self.meta),
        )
        if self.turns is None:
            return out
        return replace(out, turns=subset_turns(self.turns, edge_mask, new_id))

    @classmethod
    def from_arrays(
        cls,
        tails: np.ndarray,
        heads: np.ndarray,
        *,
        seconds: np.ndarray,
        metres: np.ndarray,
        way_id: np.ndarray,
        flags: np.ndarray,
        x: np.ndarray,
        y: np.ndarray,
        node_id: np.ndarray,
        crs: str,
        shape_ptr: np.ndarray | None = None,
        shape_xy: np.ndarray | None = None,
        mode: str = "car",
        meta: dict[str, Any] | None = None,
    ) -> Network:
        """Sort complete edge arrays (any order) into CSR, without Python loops or checks.

        Parameters
        ----------
        tails, heads
            Node indices of each edge.
        seconds, metres
            Travel time in seconds and length in metres of each edge.
        way_id, flags
            Source id (``-1`` none) and :class:`EdgeFlag` bits of each edge.
        x, y, node_id
            Node coordinates (metres, ``crs``) and source ids.
        crs
            Projected CRS string.
        shape_ptr, shape_xy
            Flat interior vertices of each edge (pointer of length ``len(tails) + 1``); ``None`` for
            straight edges.
        mode, meta
            Profile name and provenance.

        See Also
        --------
        from_edges : the checked entry point with defaults.
        """
        tails = np.asarray(tails, dtype=np.int64)
        heads = np.asarray(heads, dtype=np.int64)
        n = len(x)
        order = np.argsort(tails, kind="stable")
        counts = np.bincount(tails, minlength=n)
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
        new_ptr = new_xy = None
        if shape_ptr is not None and shape_xy is not None:
            new_ptr, new_xy = gather_shapes(shape_ptr, shape_xy, order)
        return cls(
            indptr=indptr,
            indices=heads[order].astype(np.int32),
            seconds=np.asarray(seconds, dtype=np.float64)[order],
            metres=np.asarray(metres, dtype=np.float64)[order],
            way_id=np.asarray(way_id, dtype=np.int64)[order],
            flags=np.asarray(flags, dtype=np.uint8)[order],
            x=np.asarray(x, dtype=np.float64),
            y=np.asarray(y, dtype=np.float64),
            node_id=np.asarray(node_id, dtype=np.int64),
            crs=crs,
            shape_ptr=new_ptr,
            shape_xy=new_xy,
            mode=mode,
            meta={} if meta is None else dict(meta),
        )

    @classmethod
    def from_edges(
        cls,
        tails: np.ndarray,
        heads: np.ndarray,
        *,
        seconds: np.ndarray,
        x: np.ndarray,
        y: np.ndarray,
        crs: str,
        metres: np.ndarray | None = None,
        way_id: np.ndarray | None = None,
        flags: np.ndarray | None = None,
        node_id: np.ndarray | None = None,
        shapes: list[np.ndarray] | None = None,
        mode: str = "car",
        meta: dict[str, Any] | None = None,
    ) -> Network:
        """Build a :class:`Network` from edge lists (any order); edges are sorted into CSR.

        Parameters
        ----------
        tails, heads
            Node indices ``0 .. n-1`` of each directed edge.
        seconds
            Travel time of each edge in seconds; must be finite and ``>= 0``.
        x, y
            Node coordinates in metres in ``crs``.
        crs
            Projected CRS authority string.
        metres
            Edge lengths in metres; straight-line lengths when omitted.
        way_id, flags, node_id
            Optional per-edge ids, :class:`EdgeFlag` bits, and per-node source ids.
        shapes
            Optional list of (k, 2) arrays of interior vertices per edge.
        mode
            Profile name.
        meta
            Provenance dictionary.
        """
        tails = np.asarray(tails, dtype=np.int64)
        heads = np.asarray(heads, dtype=np.int64)
        seconds = np.asarray(seconds, dtype=np.float64)
        n = len(x)
        m = len(tails)
        if len(heads) != m or len(seconds) != m:
            msg = f"tails ({m}), heads ({len(heads)}) and seconds ({len(seconds)}) must have equal length"
            raise ValueError(msg)
        if m and (tails.min() < 0 or heads.min() < 0 or tails.max() >= n or heads.max() >= n):
            msg = f"edge endpoints must lie in 0..{n - 1}"
            raise ValueError(msg)
        if m and not (np.all(np.isfinite(seconds)) and seconds.min() >= 0):
            bad = np.flatnonzero(~np.isfinite(seconds) | (seconds < 0))[:5]
            msg = f"edge travel times must be finite and >= 0 seconds; bad edges at positions {bad.tolist()}"
            raise ValueError(msg)
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if metres is None:
            metres = np.hypot(x[heads] - x[tails], y[heads] - y[tails])
        shape_ptr = shape_xy = None
        if shapes is not None:
            parts = [np.asarray(sh, dtype=np.float64).reshape(-1, 2) for sh in shapes]
            shape_ptr = np.concatenate([[0], np.cumsum([len(q) for q in parts])]).astype(np.int64)
            shape_xy = np.concatenate(parts) if parts else np.zeros((0, 2))
        return cls.from_arrays(
            tails,
            heads,
            seconds=seconds,
            metres=metres,
            way_id=np.full(m, -1, np.int64) if way_id is None else way_id,
            flags=np.zeros(m, np.uint8) if flags is None else flags,
            x=x,
            y=y,
            node_id=np.arange(n, dtype=np.int64) if node_id is None else node_id,
            crs=crs,
            shape_ptr=shape_ptr,
            shape_xy=shape_xy,
            mode=mode,
            meta=meta,
        )

    def to_networkx(self) -> nx.MultiDiGraph:
        """Export to a :class:`networkx.MultiDiGraph` with ``seconds``, ``metres``, ``way_id`` edge data.

        Nodes are the integer indices ``0 .. n-1`` with ``x``, ``y`` and ``node_id`` attributes;
        the graph carries ``crs``.
        """
        import networkx as nx

        g = nx.MultiDiGraph(crs=self.crs, mode=self.mode)
        g.add_nodes_from(
            (int(i), {"x": float(self.x[i]), "y": float(self.y[i]), "node_id": int(self.node_id[i])})
            for i in range(self.n_nodes)
        )
        tails = self.tails
        g.add_edges_from(
            (
                int(tails[e]),
                int(self.indices[e]),
                {
                    "seconds": float(self.seconds[e]),
                    "metres": float(self.metres[e]),
                    "way_id": int(self.way_id[e]),
                    "ferry": bool(self.flags[e] & EdgeFlag.FERRY),
                },
            )
            for e in range(self.n_edges)
        )
        return g

    @classmethod
    def from_networkx(
        cls, graph: nx.DiGraph | nx.MultiDiGraph, *, weight: str = "seconds", crs: str | None = None
    ) -> Network:
        """Build from a networkx graph whose nodes carry ``x``/``y`` in a projected CRS.

        Parameters
        ----------
        graph
            Directed graph; undirected graphs are read as two edges per link.
        weight
            Edge attribute holding the travel time in seconds.
        crs
            CRS of the node coordinates; defaults to ``graph.graph["crs"]``.
        """
        crs = crs or graph.graph.get("crs")
        if crs is None:
            msg = "The networkx graph has no 'crs' graph attribute; pass crs= with the projected CRS of x/y."
            raise ValueError(msg)
        g = graph if graph.is_directed() else graph.to_directed()
        nodes = list(g.nodes)
        index = {v: i for i, v in enumerate(nodes)}
        x = np.array([g.nodes[v]["x"] for v in nodes], dtype=np.float64)
        y = np.array([g.nodes[v]["y"] for v in nodes], dtype=np.float64)
        node_id = np.array(
            [g.nodes[v].get("node_id", v if isinstance(v, (int, np.integer)) else i) for i, v in enumerate(nodes)],
            dtype=np.int64,
        )
        edges = list(g.edges(data=True))
        t = np.array([index[u] for u, _, _ in edges], dtype=np.int64)
        h = np.array([index[v] for _, v, _ in edges], dtype=np.int64)
        s = np.array([d[weight] for _, _, d in edges], dtype=np.float64)
        metres = np.array([d.get("metres", d.get("length", np.nan)) for _, _, d in edges], dtype=np.float64)
        if np.isnan(metres).any():
            metres = None
        way = np.array([_first_int(d.get("way_id", d.get("osmid", -1))) for _, _, d in edges], dtype=np.int64)
        flags = np.array([EdgeFlag.FERRY if d.get("ferry") else 0 for _, _, d in edges], dtype=np.uint8)
        return cls.from_edges(
            t, h, seconds=s, metres=metres, way_id=way, flags=flags, x=x, y=y, node_id=node_id,
            crs=str(crs), mode=str(graph.graph.get("mode", "car")),
        )

    # --------------------------------------------------------------- geometry
    def _shape_list(self, edges: np.ndarray) -> list[np.ndarray]:
        if self.shape_ptr is None or self.shape_xy is None:
            return [np.zeros((0, 2)) for _ in edges]
        return [self.shape_xy[self.shape_ptr[e] : self.shape_ptr[e + 1]] for e in edges]

    def edge_coords(self, edge: int) -> np.ndarray:
        """Vertices of one edge from tail to head, shape (k, 2), in metres."""
        t = int(np.searchsorted(self.indptr, edge, side="right") - 1)
        h = int(self.indices[edge])
        inner = self._shape_list(np.array([edge]))[0]
        return np.vstack([[self.x[t], self.y[t]], inner, [self.x[h], self.y[h]]])

    def edge_vertices(self, edges: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Vertices of the given edges (all by default) from tail to head, in one flat array.

        Returns
        -------
        ptr : numpy.ndarray of int64, shape (len(edges) + 1,)
            Edge ``i``'s vertices are ``xy[ptr[i]:ptr[i + 1]]``.
        xy : numpy.ndarray of float64, shape (k, 2)
            Coordinates in metres (tail, interior vertices, head).
        """
        edges = np.arange(self.n_edges) if edges is None else np.asarray(edges, dtype=np.int64)
        tails = np.searchsorted(self.indptr, edges, side="right") - 1
        heads = self.indices[edges]
        if self.shape_ptr is None or self.shape_xy is None:
            inner = np.zeros(len(edges), dtype=np.int64)
        else:
            inner = self.shape_ptr[edges + 1] - self.shape_ptr[edges]
        lens = inner + 2
        ptr = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
        xy = np.empty((int(ptr[-1]), 2))
        xy[ptr[:-1], 0], xy[ptr[:-1], 1] = self.x[tails], self.y[tails]
        xy[ptr[1:] - 1, 0], xy[ptr[1:] - 1, 1] = self.x[heads], self.y[heads]
        if inner.sum():
            _, sxy = gather_shapes(self.shape_ptr, self.shape_xy, edges)
            k = np.arange(int(inner.sum())) - np.repeat(np.concatenate([[0], np.cumsum(inner)[:-1]]), inner)
            xy[np.repeat(ptr[:-1] + 1, inner) + k] = sxy
        return ptr, xy

    def edge_geometries(self, edges: np.ndarray | None = None) -> np.ndarray:
        """Shapely LineStrings (tail, interior vertices, head) of the given edges (all by default).

        Built on demand and without a Python loop over edges.
        """
        import shapely

        ptr, xy = self.edge_vertices(edges)
        return shapely.linestrings(xy, indices=np.repeat(np.arange(len(ptr) - 1), np.diff(ptr)))

    def to_geodataframes(self, *, attributes: bool = False) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
        """Return (nodes, edges) GeoDataFrames in the network's CRS.

        ``nodes`` has ``node``, ``node_id`` and point geometry; ``edges`` has ``u``, ``v``,
        ``seconds``, ``metres``, ``speed_kmh``, ``way_id``, ``way_ids`` (every source way of the edge,
        ``;``-separated: a simplified edge keeps all of them, see :mod:`geoaccess.network.ways`),
        ``ferry`` and line geometry. With ``attributes=True`` also ``name``, ``road_class`` and
        ``road_ref`` from the way attribute table (:mod:`geoaccess.network.attributes`).
        """
        import geopandas as gpd

        from geoaccess.network.ways import way_id_text

        nodes = gpd.GeoDataFrame(
            {"node": np.arange(self.n_nodes), "node_id": self.node_id},
            geometry=gpd.points_from_xy(self.x, self.y),
            crs=self.crs,
        )
        edges = gpd.GeoDataFrame(
            {
                "u": self.tails,
                "v": self.indices,
                "seconds": self.seconds,
                "metres": self.metres,
                "speed_kmh": np.divide(self.metres * 3.6, self.seconds, out=np.full(self.n_edges, np.nan),
                                       where=self.seconds > 0),
                "way_id": self.way_id,
                "way_ids": way_id_text(self),
                "ferry": (self.flags & EdgeFlag.FERRY) != 0,
            },
            geometry=self.edge_geometries(),
            crs=self.crs,
        )
        if attributes:
            from geoaccess.network.attributes import ATTRIBUTE_COLUMNS, edge_attributes

            table = edge_attributes(self)
            for col in ATTRIBUTE_COLUMNS:
                edges.insert(len(edges.columns) - 1, col, table[col].to_numpy(dtype=object))
        return nodes, edges

    @classmethod
    def from_geodataframes(
        cls, nodes: gpd.GeoDataFrame, edges: gpd.GeoDataFrame, *, mode: str = "car"
    ) -> Network:
        """Inverse of :meth:`to_geodataframes` (``u``/``v`` index into ``nodes`` rows)."""
        if nodes.crs is None:
            msg = "The nodes GeoDataFrame has no CRS; set one with .set_crs() before building a Network."
            raise ValueError(msg)
        shapes = []
        for geom in edges.geometry.values:
            c = np.asarray(geom.coords) if geom is not None else np.zeros((2, 2))
            shapes.append(c[1:-1, :2])
        ferry = edges["ferry"].to_numpy() if "ferry" in edges else np.zeros(len(edges), bool)
        return cls.from_edges(
            edges["u"].to_numpy(),
            edges["v"].to_numpy(),
            seconds=edges["seconds"].to_numpy(),
            metres=edges["metres"].to_numpy() if "metres" in edges else None,
            way_id=edges["way_id"].to_numpy() if "way_id" in edges else None,
            flags=np.where(ferry, EdgeFlag.FERRY, 0).astype(np.uint8),
            x=nodes.geometry.x.to_numpy(),
            y=nodes.geometry.y.to_numpy(),
            node_id=nodes["node_id"].to_numpy() if "node_id" in nodes else None,
            crs=nodes.crs.to_string(),
            shapes=shapes,
            mode=mode,
        )

    # ---------------------------------------------------------------- storage
    def to_npz(self, path: str) -> None:
        """Write all arrays and metadata to a compressed ``.npz`` file (atomically)."""
        from geoaccess.network.cache import save_npz

        save_npz(self, path)

    @classmethod
    def from_npz(cls, path: str) -> Network:
        """Read a network written by :meth:`to_npz`."""
        from geoaccess.network.cache import load_npz

        return load_npz(path)


def _first_int(v: Any) -> int:
    if isinstance(v, (list, tuple)):
        v = v[0] if v else -1
    try:
        return int(v)
    except (TypeError, ValueError):
        return -1


def gather_shapes(
    shape_ptr: np.ndarray | None, shape_xy: np.ndarray | None, edges: np.ndarray, *, reverse: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Gather the interior vertices of ``edges`` (optionally reversed per edge) into a new flat layout.

    Parameters
    ----------
    shape_ptr, shape_xy
        Flat shape layout of the source edges (``None`` means no interior vertices).
    edges
        Source edge index of each new edge, in the new order.
    reverse
        Boolean per new edge: take the source vertices in reverse order.

    Returns
    -------
    (shape_ptr, shape_xy)
        int64 (len(edges) + 1,) pointer and float64 (k, 2) vertices.
    """
    edges = np.asarray(edges, dtype=np.int64)
    if shape_ptr is None or shape_xy is None:
        return np.zeros(len(edges) + 1, dtype=np.int64), np.zeros((0, 2))
    start = shape_ptr[edges]
    lens = shape_ptr[edges + 1] - start
    new_ptr = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
    total = int(new_ptr[-1])
    if total == 0:
        return new_ptr, np.zeros((0, 2))
    k = np.arange(total, dtype=np.int64) - np.repeat(new_ptr[:-1], lens)
    src = np.repeat(start, lens) + k
    if reverse is not None:
        rev = np.repeat(np.asarray(reverse, dtype=bool), lens)
        src = np.where(rev, np.repeat(start + lens - 1, lens) - k, src)
    return new_ptr, np.asarray(shape_xy, dtype=np.float64)[src]
