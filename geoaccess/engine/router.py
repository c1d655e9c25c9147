"""The prepared router: a network made ready to answer, built once.

The data flow of geoaccess is visible in its types::

    Network ──Router(net)──► Router ──router.snap(layer)──► Snapped ──router.matrix / surface /
        catchments / nearest / reached──► travel times ──► measure ──► output

A :class:`Router` holds everything every query needs — the contraction hierarchy (from the
content-hashed cache), the spatial index of the snap targets, the reverse edges and, on
demand, the reversed graph for nearest-facility searches and the catchment rasters — so the
second and later queries pay no set-up. Layers are snapped **once** into a
:class:`~geoaccess.network.snap.Snapped` record and reused as origins, destinations, cells or
facilities.

A network that carries turn rules — turn restrictions (``Network.turns``), turn or signal
penalties (``Network.meta["turn_costs"]``, from the profile), a U-turn rule or edges usable only
at the start or end of a trip (:attr:`~geoaccess.network.graph.EdgeFlag.DESTINATION`) — is
routed on its **edge-based graph** (:mod:`geoaccess.engine.turn_graph`): the hierarchy is
contracted over the graph's states and the seeds of snapped points are states, so every query
below answers with the turn rules applied, exactly. ``turns="ignore"`` routes node to node.

A **scenario** is a router over the edited network that snaps to the base network:
``Router(scenario_net, base=base_net)``. Points keep their base positions (the same residents
are compared before and after; nobody is snapped onto a new tunnel), and their seeds read the
edited network's travel times (a sped-up road speeds up the homes along it; a point on a
closed road keeps only the seeds that still exist).
"""

from __future__ import annotations

import time
import warnings
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from geoaccess.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.engine.ch import ContractionHierarchy
    from geoaccess.engine.matrix import TravelTimes
    from geoaccess.engine.turn_graph import TurnGraph
    from geoaccess.network.graph import Network
    from geoaccess.network.snap import SnapIndex, Snapped
    from geoaccess.network.turn_costs import TurnCosts

__all__ = ["Router", "warn_unreachable"]

Layer = Any
"""A snapped layer (:class:`~geoaccess.network.snap.Snapped`) or a GeoDataFrame to snap with defaults."""

_ROUTERS: OrderedDict[tuple[str, str], Router] = OrderedDict()
_ROUTERS_KEPT = 4


class Router:
    """A network prepared for routing: contraction hierarchy, spatial index, reverse edges.

    Parameters
    ----------
    net
        The network to route on.
    base
        The network points are snapped to (default ``net``). For a scenario pass the base
        network: it must have the same nodes (``apply_scenario`` keeps them).
    cache
        Load/store the contraction hierarchy in the content-hashed cache (``GEOACCESS_CACHE``).
    progress
        Show a spinner while contracting.
    turns
        ``"auto"`` (default): route on the edge-based graph when the network carries turn rules
        (restrictions, turn costs, a U-turn rule, destination-only edges); ``"ignore"``: route node
        to node, ignoring them (the network's plain travel times).
    turn_costs
        Turn and signal penalties overriding the network's ``meta["turn_costs"]``.

    Attributes
    ----------
    network, base : Network
        Routing and snap network.
    hierarchy : ContractionHierarchy
        The contraction hierarchy of ``network`` (of its edge-based graph when :attr:`turn_aware`).
    turn_graph : TurnGraph or None
        The edge-based graph (:mod:`geoaccess.engine.turn_graph`), ``None`` when routing node to node.
    turn_report : dict
        What the turn rules did (states, turns forbidden, restriction conflicts resolved); empty when
        routing node to node.
    setup_seconds : dict
        Wall time of each set-up step (``hierarchy``, ``index``, ...), seconds.

    Examples
    --------
    >>> router = Router(net)                                  # doctest: +SKIP
    >>> homes = router.snap(homes_gdf, id_column="id")         # doctest: +SKIP
    >>> tt = router.matrix(homes, router.snap(schools_gdf))    # doctest: +SKIP
    """

    def __init__(self, net: Network, *, base: Network | None = None, cache: bool = True,
                 progress: bool = False, turns: Literal["auto", "ignore"] = "auto",
                 turn_costs: TurnCosts | None = None) -> None:
        from geoaccess.engine.ch import ContractionHierarchy
        from geoaccess.network.snap import layout_key, reverse_edges

        self.network = net
        self.base = net if base is None else base
        self.setup_seconds: dict[str, float] = {}
        if self.base is not net:
            _check_same_nodes(net, self.base)
        if turns not in ("auto", "ignore"):
            msg = f"turns must be 'auto' or 'ignore', got {turns!r}."
            raise InputError(msg)
        self.turn_graph: TurnGraph | None = None
        self.turn_report: dict[str, Any] = {}
        t0 = time.perf_counter()
        costs = _turn_costs(net, turn_costs)
        if turns == "auto" and _needs_turn_graph(net, costs):
            from geoaccess.engine.turn_graph import build_turn_graph

            self.turn_graph, self.turn_report = build_turn_graph(net, costs=costs)
            self.turn_report["turn_costs"] = costs.to_meta()
            self.setup_seconds["turn_graph"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            tg = self.turn_graph
            self.hierarchy: ContractionHierarchy = ContractionHierarchy.for_graph(
                tg.indptr, tg.indices, tg.seconds, cache=cache, progress=progress)
        else:
            self.hierarchy = ContractionHierarchy.for_network(net, cache=cache, progress=progress)
        self.setup_seconds["hierarchy"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        self.reverse = reverse_edges(net)
        self.snap_key = layout_key(self.base) if self.base.has_coordinates else ""
        self._edge_map: np.ndarray | None = None
        if self.base is not net:
            self._edge_map = _match_edges(self.base, net)
        self.setup_seconds["edges"] = time.perf_counter() - t0
        self._index: SnapIndex | None = None
        self._reverse_graph: Any = None
        self._grids: dict[tuple[float, float], Any] = {}

    # ------------------------------------------------------------------ construction
    @classmethod
    def for_network(cls, net: Network, *, base: Network | None = None, cache: bool = True) -> Router:
        """The router of ``net`` (and ``base``), reused across calls.

        The routers of the last four networks are kept (looked up by identity, then by content),
        so the one-call conveniences (:func:`~geoaccess.engine.matrix.travel_time_matrix` ...)
        pay their set-up once per network. :meth:`clear` forgets them.
        """
        for router in _ROUTERS.values():
            if router.network is net and (base is None and router.base is net or router.base is base):
                return router
        from geoaccess.engine.ch import network_fingerprint
        from geoaccess.network.snap import layout_key

        key = (network_fingerprint(net) + (layout_key(net) if net.has_coordinates else "") + _turn_key(net),
               "" if base is None else network_fingerprint(base) + layout_key(base))
        if key in _ROUTERS:
            _ROUTERS.move_to_end(key)
            return _ROUTERS[key]
        router = cls(net, base=base, cache=cache)
        _ROUTERS[key] = router
        while len(_ROUTERS) > _ROUTERS_KEPT:
            _ROUTERS.popitem(last=False)
        return router

    @staticmethod
    def clear() -> None:
        """Forget the routers kept by :meth:`for_network`."""
        _ROUTERS.clear()

    @property
    def index(self) -> SnapIndex:
        """The spatial index of the snap network (built on first use)."""
        if self._index is None:
            from geoaccess.network.snap import SnapIndex

            t0 = time.perf_counter()
            self._index = SnapIndex(self.base)
            self.setup_seconds["index"] = time.perf_counter() - t0
        return self._index

    @property
    def turn_aware(self) -> bool:
        """Whether queries route on the edge-based graph (turn rules applied)."""
        return self.turn_graph is not None

    def __repr__(self) -> str:
        scen = "" if self.base is self.network else ", snapping to its base network"
        turn = f", turn-aware: {self.turn_graph.n_states:,} states" if self.turn_graph is not None else ""
        return (f"Router({self.network.mode}, {self.network.n_nodes:,} nodes, {self.network.n_edges:,} edges"
                f"{turn}{scen})")

    # ------------------------------------------------------------------ snapping
    def snap(
        self,
        points: Any,
        *,
        id_column: str | None = None,
        max_snap_m: float = 1000.0,
        access_speed_kmh: float = 5.0,
        what: str = "points",
        warn: bool = True,
        crs: Any = None,
        ids: np.ndarray | None = None,
        free_snap_m: float = 0.0,
    ) -> Snapped:
        """Snap a point layer once (see :mod:`geoaccess.network.snap` for the rules).

        Parameters
        ----------
        points
            GeoDataFrame/GeoSeries in any CRS (polygons use their centroid), or ``(x, y)`` with ``crs=``.
        id_column
            Column with unique ids (default: the index).
        max_snap_m
            Largest distance in metres from a point to the network; farther points get NaN.
        access_speed_kmh
            Speed of the access leg in km/h.
        what
            Layer name used in messages.
        warn
            Warn (:class:`~geoaccess.errors.ReachWarning`) listing unsnapped points.
        crs, ids
            CRS and ids of ``(x, y)`` input.
        free_snap_m
            The first metres of the access leg are free (``inf``: all of it, as OSRM and Valhalla).

        Returns
        -------
        Snapped
        """
        return self.index.snap(points, id_column=id_column, max_snap_m=max_snap_m,
                               access_speed_kmh=access_speed_kmh, crs=crs, ids=ids, what=what, warn=warn,
                               free_snap_m=free_snap_m)

    def layer(self, layer: Layer, *, what: str) -> Snapped:
        """``layer`` itself when it is a :class:`Snapped` of this router's snap network, else snapped with defaults."""
        from geoaccess.network.snap import Snapped

        if isinstance(layer, Snapped):
            if layer.network != self.snap_key:
                msg = (f"The {layer.what} layer was snapped to another network; snap it with this router "
                       "(router.snap) or, for a scenario, with the base network's router.")
                raise InputError(msg)
            return layer
        return self.snap(layer, what=what)

    # ------------------------------------------------------------------ seeds
    def edge_times(self, edge: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Tails, heads and routing seconds (forward, fastest reverse; ``inf`` absent) of snap-network edges."""
        from geoaccess.network.snap import edge_times, fastest_edges

        if self._edge_map is None:
            return edge_times(self.network, edge, self.reverse)
        edge = np.asarray(edge, dtype=np.int64)
        ok = edge >= 0
        e = np.where(ok, edge, 0)
        base = self.base
        tails = (np.searchsorted(base.indptr, e, side="right") - 1).astype(np.int64)
        heads = base.indices[e].astype(np.int64)
        mapped = np.where(ok, self._edge_map[e], -1)
        net = self.network
        s_f = np.where(mapped >= 0, net.seconds[np.maximum(mapped, 0)], np.inf)
        rev = fastest_edges(net, heads, tails)
        s_r = np.where(ok & (rev >= 0), net.seconds[np.maximum(rev, 0)], np.inf)
        return tails, heads, s_f, s_r

    def seeds(self, layer: Snapped, role: Literal["origin", "destination"]) -> tuple[np.ndarray, np.ndarray]:
        """Seeds ``(N, K)`` of a snapped layer on the routing graph and their offsets in seconds.

        Network nodes (``K = 2``) when routing node to node; states of the edge-based graph
        when :attr:`turn_aware` (:func:`geoaccess.engine.turn_graph.point_seeds`).
        """
        from geoaccess.network.snap import point_seeds

        if role not in ("origin", "destination"):
            msg = f"role must be 'origin' or 'destination', got {role!r}."
            raise InputError(msg)
        if self.turn_graph is not None:
            return self._state_seeds(layer, role)
        if self._edge_map is None:
            if role == "origin":
                return layer.origin_nodes, layer.origin_offsets
            return layer.destination_nodes, layer.destination_offsets
        o_n, o_s, d_n, d_s = point_seeds(*self.edge_times(layer.edge), layer.frac, layer.access_seconds)
        return (o_n, o_s) if role == "origin" else (d_n, d_s)

    def _state_seeds(self, layer: Snapped, role: str) -> tuple[np.ndarray, np.ndarray]:
        from geoaccess.engine.turn_graph import point_seeds
        from geoaccess.network.snap import fastest_edges

        tg = self.turn_graph
        assert tg is not None
        tails, heads, s_f, s_r = self.edge_times(layer.edge)
        net = self.network
        edge = np.asarray(layer.edge, dtype=np.int64)
        if self._edge_map is None:
            fwd = edge
            rev = np.where(edge >= 0, self.reverse[np.maximum(edge, 0)], -1)
        else:
            fwd = np.where(edge >= 0, self._edge_map[np.maximum(edge, 0)], -1)
            rev = fastest_edges(net, heads, tails)
        fwd = np.where(edge >= 0, fwd, -1)
        rev = np.where(edge >= 0, rev, -1)
        o_n, o_s, d_n, d_s = point_seeds(tg, tails=tails, heads=heads, forward_edge=fwd, reverse_edge=rev,
                                         forward_seconds=s_f, reverse_seconds=s_r, frac=layer.frac,
                                         access_seconds=layer.access_seconds)
        return (o_n, o_s) if role == "origin" else (d_n, d_s)

    def node_seeds(self, nodes: np.ndarray, role: Literal["origin", "destination"],
                   offsets: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Seeds ``(N, 1)`` of trips starting or ending exactly at network nodes (``-1``: none).

        The node itself when routing node to node, its junction state (``SRC_v`` / ``DST_v``) when
        :attr:`turn_aware`; use with ``router.hierarchy`` (``many_to_many``, ``one_to_all``).
        """
        nodes = np.asarray(nodes, dtype=np.int64)
        if len(nodes) and (nodes.min() < -1 or nodes.max() >= self.network.n_nodes):
            msg = f"node ids must lie in 0..{self.network.n_nodes - 1} (-1 for none)."
            raise InputError(msg)
        if self.turn_graph is not None:
            from geoaccess.engine.turn_graph import node_state_seeds

            return node_state_seeds(self.turn_graph, nodes, role, offsets)
        offs = np.zeros(len(nodes)) if offsets is None else np.asarray(offsets, dtype=np.float64)
        return nodes.astype(np.int32)[:, None], np.where(nodes >= 0, offs, np.inf)[:, None]

    def node_times(self, origin_nodes: np.ndarray, destination_nodes: np.ndarray, *,
                   cutoff_minutes: float | None = None) -> np.ndarray:
        """Seconds between network nodes ``(S, T)`` (``inf`` unreachable), turn rules applied when :attr:`turn_aware`."""
        from geoaccess.engine.matrix import cutoff_seconds

        o_n, o_s = self.node_seeds(origin_nodes, "origin")
        d_n, d_s = self.node_seeds(destination_nodes, "destination")
        return self.hierarchy.many_to_many(o_n, o_s, d_n, d_s, cutoff=cutoff_seconds(cutoff_minutes))

    def same_edge_pairs(self, src: Snapped, dst: Snapped, *, rows: slice | None = None
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Origin/destination pairs on the same edge and their direct time along it (seconds).

        The seed formula routes a trip through an end node of the snapped edge; two points on
        the same edge can also be joined directly: ``access_o + |t_d - t_o|·s + access_d``, with
        ``s`` the edge's time (``t_d >= t_o``) or its fastest reverse edge's (``t_d <= t_o``).

        Parameters
        ----------
        src, dst
            Snapped origins and destinations.
        rows
            Only origins in this slice (positions stay those of ``src``).

        Returns
        -------
        rows, cols : numpy.ndarray of int64
            Positions in ``src`` and ``dst``.
        seconds : numpy.ndarray of float64
            Direct times (``inf`` when the direction is not allowed).
        """
        empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
        lo, hi = (0, len(src)) if rows is None else (rows.start or 0, rows.stop)
        so = lo + np.flatnonzero(src.edge[lo:hi] >= 0)
        do = np.flatnonzero(dst.edge >= 0)
        if len(so) == 0 or len(do) == 0:
            return empty
        d_order = do[np.argsort(dst.edge[do], kind="stable")]
        d_edges = dst.edge[d_order]
        first = np.searchsorted(d_edges, src.edge[so], side="left")
        last = np.searchsorted(d_edges, src.edge[so], side="right")
        counts = last - first
        if counts.sum() == 0:
            return empty
        r = np.repeat(so, counts)
        k = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        c = d_order[np.repeat(first, counts) + k]
        _, _, s_f, s_r = self.edge_times(src.edge[r])
        t_o, t_d = src.frac[r], dst.frac[c]
        with np.errstate(invalid="ignore"):  # 0 * inf where the edge is absent
            along = np.where(t_d >= t_o, (t_d - t_o) * s_f, np.inf)
            back = np.where((t_d <= t_o) & np.isfinite(s_r), (t_o - t_d) * s_r, np.inf)
        direct = src.access_seconds[r] + np.fmin(along, back) + dst.access_seconds[c]
        return r.astype(np.int64), c.astype(np.int64), np.where(np.isfinite(direct), direct, np.inf)

    # ------------------------------------------------------------------ queries
    def matrix(
        self,
        origins: Layer,
        destinations: Layer | None = None,
        *,
        cutoff_minutes: float | None = None,
        batch_size: int | None = None,
        backend: Literal["local", "dask"] = "local",
        client: Any = None,
        progress: bool = False,
    ) -> TravelTimes:
        """Door-to-door travel times between two snapped layers (seconds, ``inf`` unreachable).

        Parameters
        ----------
        origins, destinations
            Snapped layers (or GeoDataFrames, snapped with defaults); ``destinations=None`` routes
            the origins among themselves.
        cutoff_minutes
            Times above this are ``inf`` (and bound the searches).
        batch_size
            Origins per batch (progress steps, Dask tasks); default: all at once locally,
            :data:`~geoaccess.engine.matrix.DEFAULT_BATCH_SIZE` on Dask.
        backend, client
            ``"local"`` or ``"dask"`` (see :func:`geoaccess.engine.parallel.run_batches`).
        progress
            Show a progress bar over batches.

        Returns
        -------
        TravelTimes
        """
        from geoaccess.engine.matrix import compute_matrix

        src = self.layer(origins, what="origins")
        dst = src if destinations is None else self.layer(destinations, what="destinations")
        return compute_matrix(self, src, dst, cutoff_minutes=cutoff_minutes, batch_size=batch_size,
                              backend=backend, client=client, progress=progress)

    def matrix_blocks(
        self,
        origins: Layer,
        destinations: Layer | None = None,
        *,
        cutoff_minutes: float | None = None,
        block_size: int = 1024,
    ) -> Iterator[TravelTimes]:
        """The matrix in consecutive blocks of ``block_size`` origins (bounded memory).

        The destinations' backward searches are done once; each block is a
        :class:`~geoaccess.engine.matrix.TravelTimes` whose ``row_offset`` says where it starts.
        """
        from geoaccess.engine.matrix import iter_matrix_blocks

        src = self.layer(origins, what="origins")
        dst = src if destinations is None else self.layer(destinations, what="destinations")
        return iter_matrix_blocks(self, src, dst, cutoff_minutes=cutoff_minutes, block_size=block_size)

    def surface(self, origins: Layer, *, cutoff_minutes: float | None = None, batch: int = 8,
                vertices: Literal["nodes", "graph"] = "nodes") -> np.ndarray:
        """One-to-all: seconds from every origin to every node (PHAST), ``(S, n)``, ``inf`` unreachable.

        The origin's access leg and the walk/drive along its own edge are included; memory is
        ``8 · S · n`` bytes, so call it for blocks of origins on large networks.

        ``vertices="graph"`` returns the times at the vertices of the routing graph instead
        (``(S, hierarchy.n)``: the network's nodes, or the states of the edge-based graph when
        :attr:`turn_aware`), to be combined with :meth:`seeds` of a destination layer
        (``min over seeds of time[seed] + offset``): the door-to-door times with turn rules applied
        at the destination's edge too.
        """
        from geoaccess.engine.matrix import cutoff_seconds

        if vertices not in ("nodes", "graph"):
            msg = f"vertices must be 'nodes' or 'graph', got {vertices!r}."
            raise InputError(msg)
        src = self.layer(origins, what="origins")
        nodes, offs = self.seeds(src, "origin")
        on_graph = vertices == "graph" or self.turn_graph is None
        out = np.full((len(src), self.hierarchy.n if on_graph else self.network.n_nodes), np.inf)
        ok = (nodes >= 0).any(axis=1)
        if ok.any():
            times = self.hierarchy.one_to_all(nodes[ok], offs[ok], cutoff=cutoff_seconds(cutoff_minutes), batch=batch)
            out[ok] = times if on_graph else times[:, self.turn_graph.dst_state]
        return out

    def catchments(
        self,
        origins: Layer,
        *,
        thresholds_minutes: float | Sequence[float] | str = (15, 30, 45),
        bands: Literal["nested", "rings"] = "nested",
        walk_off_m: float = 100.0,
        cell_m: float | None = None,
        method: Literal["raster", "vector"] = "raster",
        batch_size: int = 64,
        threads: int | None = None,
        progress: bool = False,
    ) -> gpd.GeoDataFrame:
        """Catchment polygons (isochrones) of every origin for each threshold.

        See :func:`geoaccess.engine.catchment.router_catchments` for the rule and the options.
        """
        from geoaccess.engine.catchment import router_catchments

        src = self.layer(origins, what="origins")
        return router_catchments(self, src, thresholds_minutes=thresholds_minutes, bands=bands,
                                 walk_off_m=walk_off_m, cell_m=cell_m, method=method, batch_size=batch_size,
                                 threads=threads, progress=progress)

    def nearest(self, origins: Layer, facilities: Layer, *, k: int = 1,
                cutoff_minutes: float | None = None) -> pd.DataFrame:
        """The ``k`` nearest facilities of every origin (one multi-source search).

        Returns a table ``origin_id``, ``rank``, ``facility_id``, ``minutes``; see
        :func:`geoaccess.engine.facility.router_nearest`.
        """
        from geoaccess.engine.facility import router_nearest

        src = self.layer(origins, what="origins")
        fac = self.layer(facilities, what="facilities")
        return router_nearest(self, src, fac, k=k, cutoff_minutes=cutoff_minutes)

    def reached(
        self,
        origins: Layer,
        cells: Layer,
        weights: Any = "population",
        *,
        thresholds_minutes: float | Sequence[float] | str = (15, 30, 45),
        block_size: int = 256,
    ) -> pd.DataFrame:
        """Sum of cell weights (residents, jobs) within each threshold of every origin.

        The counting rule (:data:`~geoaccess.engine.counting.COUNTING_RULE`): a cell counts
        within ``T`` minutes when its door-to-door time, both access legs included, is ``<= T``.

        Parameters
        ----------
        origins
            Snapped origins.
        cells
            Snapped cells, or a GeoDataFrame of cells (snapped with defaults, ids from ``cell_id``
            when present).
        weights
            Column name(s) of a cell GeoDataFrame, or arrays aligned with the cells: one array, or a
            mapping ``name -> array``.
        thresholds_minutes
            Positive thresholds in minutes.
        block_size
            Origins per block (memory ``block_size x cells x 8`` bytes).

        Returns
        -------
        pandas.DataFrame
            ``origin_id``, ``minutes`` (threshold), one column per weight (NaN for unsnapped
            origins), ``cells`` (number counted); ``attrs["counting_rule"]`` states the rule.
        """
        from geoaccess.engine.counting import router_reached

        src = self.layer(origins, what="origins")
        from geoaccess.network.snap import Snapped

        named = _named_weights(cells, weights)
        if not isinstance(cells, Snapped):  # a GeoDataFrame of cells
            cell_id = "cell_id" if "cell_id" in getattr(cells, "columns", ()) else None
            cells = self.snap(cells, id_column=cell_id, what="cells", warn=False)
        dst = self.layer(cells, what="cells")
        return router_reached(self, src, dst, named, thresholds_minutes=thresholds_minutes, block_size=block_size)

    # ------------------------------------------------------------------ helpers used by queries
    def reverse_graph(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The routing graph reversed (the edge-based graph when :attr:`turn_aware`), as CSR
        ``(indptr, indices, seconds)`` int64/int64/float64."""
        if self._reverse_graph is None:
            if self.turn_graph is not None:
                self._reverse_graph = self.turn_graph.reverse()
            else:
                from geoaccess.engine.nearest import search_graph

                self._reverse_graph = search_graph(self.network, reverse=True)
        return self._reverse_graph  # type: ignore[no-any-return]

    def catchment_grid(self, *, cell_m: float, pad_m: float) -> Any:
        """The :class:`~geoaccess.engine.catchment.CatchmentGrid` of the routing network (cached)."""
        from geoaccess.engine.catchment import CatchmentGrid

        key = (float(cell_m), float(pad_m))
        if key not in self._grids:
            self.network.require_coordinates("Catchment polygons")
            self._grids[key] = CatchmentGrid.for_network(self.network, cell_m=cell_m, pad_m=pad_m)
        return self._grids[key]


# ---------------------------------------------------------------------------- helpers
def _turn_costs(net: Network, given: TurnCosts | None) -> TurnCosts:
    """``given``, else the network's ``meta["turn_costs"]``, else none (U-turns everywhere, no cost)."""
    from geoaccess.network.turn_costs import TurnCosts

    if given is not None:
        return given
    return TurnCosts.from_meta(net.meta.get("turn_costs")) or TurnCosts()


def _turn_key(net: Network) -> str:
    """Digest of what a turn-aware router depends on beyond the graph: restrictions and turn costs."""
    import hashlib
    import json

    h = hashlib.sha256(json.dumps(net.meta.get("turn_costs"), sort_keys=True, default=str).encode())
    if net.turns is not None:
        for a in net.turns:
            h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


def _needs_turn_graph(net: Network, costs: TurnCosts) -> bool:
    """Whether any turn rule changes a route: restrictions, costs, a U-turn rule, destination-only edges."""
    from geoaccess.engine.turn_graph import destination_edges

    has_turns = net.turns is not None and net.turns.n_restrictions > 0
    return bool(has_turns or not costs.is_node_based or destination_edges(net).any())


def _check_same_nodes(net: Network, base: Network) -> None:
    same = (net.n_nodes == base.n_nodes and net.crs == base.crs
            and np.array_equal(net.x, base.x) and np.array_equal(net.y, base.y))
    if not same:
        msg = ("A scenario router snaps to its base network, so both must have the same nodes (same number, "
               f"coordinates and CRS); got {net.n_nodes:,} and {base.n_nodes:,} nodes. Build the scenario with "
               "geoaccess.scenario.edit.apply_scenario(base, spec), which keeps them.")
        raise InputError(msg)


def _match_edges(base: Network, net: Network) -> np.ndarray:
    """For every base edge, the same edge of ``net`` (same tail, head, way id and length), ``-1`` if gone.

    Scenario edits keep an edge's tail, head, way id and length; connector edges of ``net``
    never match. Parallel duplicates pair up in order.
    """
    import pandas as pd

    from geoaccess.network.graph import EdgeFlag

    def frame(g: Network, keep: np.ndarray) -> pd.DataFrame:
        idx = np.flatnonzero(keep)
        df = pd.DataFrame({"t": g.tails[idx].astype(np.int64), "h": g.indices[idx].astype(np.int64),
                           "w": g.way_id[idx], "m": g.metres[idx], "e": idx})
        df["k"] = df.groupby(["t", "h", "w", "m"], sort=False).cumcount()
        return df

    a = frame(base, np.ones(base.n_edges, dtype=bool))
    b = frame(net, (net.flags & EdgeFlag.CONNECTOR) == 0)
    m = a.merge(b, on=["t", "h", "w", "m", "k"], how="left", suffixes=("", "_net"))
    out = np.full(base.n_edges, -1, dtype=np.int64)
    hit = m["e_net"].notna().to_numpy()
    out[m["e"].to_numpy()[hit]] = m["e_net"].to_numpy()[hit].astype(np.int64)
    return out


def _named_weights(cells: Any, weights: Any) -> dict[str, np.ndarray]:
    """``{name: float array}`` from column names of a cell layer or from arrays."""
    if isinstance(weights, Mapping):
        return {str(k): np.asarray(v, dtype=np.float64) for k, v in weights.items()}
    if isinstance(weights, str) or (isinstance(weights, Sequence) and weights and all(isinstance(w, str) for w in weights)):
        names = [weights] if isinstance(weights, str) else list(weights)
        cols = getattr(cells, "columns", None)
        if cols is None:
            msg = "weights given by column name need a cell GeoDataFrame; with a snapped layer pass arrays."
            raise InputError(msg)
        missing = [w for w in names if w not in cols]
        if missing:
            listed = [c for c in cols if c != cells.geometry.name]
            msg = f"The cells layer has no weight column(s) {missing}; its columns are {listed}."
            raise InputError(msg)
        return {w: cells[w].to_numpy(dtype=np.float64) for w in names}
    return {"weight": np.asarray(weights, dtype=np.float64)}


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
