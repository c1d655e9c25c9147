"""Download a network from the Overpass API with osmnx and convert it with the same rules as :func:`read_osm`.

osmnx (2.x) is asked for every ``highway=*`` way and every ``route=ferry`` way,
unsimplified (``simplify=False``, ``retain_all=True``), with
``settings.all_oneway = True`` so that it keeps the raw ``oneway`` tag and adds
each way in one direction only, and with ``settings.useful_tags_way`` extended by
the tags the profile reads. :func:`network_from_osmnx` then rebuilds each way's
node sequence and hands it to :func:`geoaccess.network.profiles.evaluate_way`
and :func:`geoaccess.network.osm.assemble_network`, exactly as the PBF reader does.

The live download needs internet access and is untested in this project's
offline CI; the conversion is tested on graphs built like osmnx's output. Without internet
(or when Nominatim/Overpass cannot be reached or find nothing) :func:`read_overpass` raises a
one-line :class:`~geoaccess.errors.NetworkBuildError` that says what failed and how to build the
same network from a file instead, naming the bundled examples.
"""

from __future__ import annotations

import os
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from geoaccess.errors import InputError, NetworkBuildError
from geoaccess.network.osm import _wait_minutes, _WayCollector, assemble_network, resolve_profile
from geoaccess.network.profiles import Profile, evaluate_way
from geoaccess.network.tags import TagWarnings

if TYPE_CHECKING:
    import networkx as nx

    from geoaccess.network.graph import Network

__all__ = ["network_from_osmnx", "read_overpass"]

_OSMNX_REVERSED = frozenset({"-1", "reverse", "T"})  # osmnx reverses the node order for these oneway values

#: What to use without internet: the bundled sample networks (dataset names, see `geoaccess data list`).
OFFLINE_EXAMPLES = (
    "osm/oslo-east-filtered.osm.pbf (OSM, eastern Oslo)",
    "osm/andorra-2013.osm.pbf (OSM, Andorra)",
    "roads/hamar_nvdb_speed_limits_2018.geojson (NVDB speed limits, Hamar)",
)


def _check_reachable(url: str, query: str, *, timeout_s: float = 5.0) -> None:
    """Fail fast, with :func:`_offline_error`, when the host of ``url`` cannot be resolved or connected to.

    osmnx, asked for the Overpass server's status while offline, waits a default 60 s before it
    tries the download; this check (one DNS look-up and one TCP connection) answers at once.
    """
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except OSError as exc:  # gaierror (no DNS), refused, unreachable, timeout
        raise _offline_error(query, exc, host=host) from None


def _offline_error(query: str, exc: BaseException, *, host: str | None = None) -> NetworkBuildError:
    """One line: what failed (which host, why) and how to build from a PBF or NVDB file instead."""
    import re
    import socket

    text = str(exc)
    request = getattr(exc, "request", None)
    url = getattr(request, "url", None) or ""
    found = re.search(r"https?://([^/:]+)", url) or re.search(r"host='([^']+)'", text)
    where = host or (found.group(1) if found else "the OpenStreetMap servers")
    step = "geocoding the place name" if "nominatim" in where else "downloading the roads"
    kind = type(exc).__name__
    reason = ("name resolution failed" if isinstance(exc, socket.gaierror)
              or re.search(r"resolv|getaddrinfo|Name or service", text)
              else "timed out" if "timeout" in kind.lower() or "timed out" in text.lower()
              else "connection refused or unreachable")
    msg = (
        f"Cannot build a network from {query!r}: {step} needs {where}, which could not be reached ({kind}: "
        f"{reason}; no internet?). Offline, build from a file instead: an OSM extract "
        f"(`geoaccess network build region.osm.pbf`, e.g. a Geofabrik extract) or an NVDB road layer with speed "
        f"limits (.geojson/.gpkg); bundled examples: {'; '.join(OFFLINE_EXAMPLES)}."
    )
    return NetworkBuildError(msg)


def read_overpass(
    *,
    place: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    profile: str | os.PathLike[str] | Profile = "car",
    ferry_wait_minutes: float | None = None,
    crs: str | None = None,
) -> Network:
    """Download roads and ferries from Overpass (via osmnx) and build a :class:`Network`.

    Parameters
    ----------
    place
        A place name osmnx can geocode, e.g. ``"Hamar, Norway"``.
    bbox
        ``(left, bottom, right, top)`` = (west, south, east, north) in degrees (osmnx 2.x order).
    profile
        ``"car"``, ``"walk"``, ``"bike"``, a TOML path or a :class:`Profile`.
    ferry_wait_minutes
        Boarding wait in minutes per crossing; ``None`` uses the profile's default.
    crs
        Projected output CRS, or ``None`` to choose one (EPSG:25833 in Norway).

    Returns
    -------
    Network
        As from :func:`geoaccess.network.osm.read_osm`; ``meta["source"]`` names the query.
    """
    if (place is None) == (bbox is None):
        msg = "read_overpass needs exactly one of place='Hamar, Norway' or bbox=(west, south, east, north)."
        raise InputError(msg)
    import osmnx as ox
    import requests
    from osmnx._errors import InsufficientResponseError, ResponseStatusCodeError

    prof = resolve_profile(profile)
    query = f"place:{place}" if place is not None else f"bbox:{','.join(str(v) for v in bbox)}"  # type: ignore[union-attr]
    if place is not None:
        _check_reachable(ox.settings.nominatim_url, query)
    _check_reachable(ox.settings.overpass_url, query)
    saved = (list(ox.settings.useful_tags_way), ox.settings.all_oneway)
    ox.settings.useful_tags_way = sorted(set(ox.settings.useful_tags_way) | set(prof.needed_keys))
    ox.settings.all_oneway = True
    filters = ['["highway"]', '["route"="ferry"]']
    try:
        if place is not None:
            graph = ox.graph_from_place(
                place, network_type="all", simplify=False, retain_all=True, truncate_by_edge=True,
                custom_filter=filters,
            )
            source = f"overpass:place={place}"
        else:
            graph = ox.graph_from_bbox(
                tuple(float(v) for v in bbox),  # type: ignore[arg-type, union-attr]
                network_type="all", simplify=False, retain_all=True, truncate_by_edge=True,
                custom_filter=filters,
            )
            source = f"overpass:bbox={tuple(bbox)}"  # type: ignore[arg-type]
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout, ConnectionError, TimeoutError) as exc:
        raise _offline_error(query, exc) from None
    except (InsufficientResponseError, ResponseStatusCodeError, ValueError) as exc:
        msg = (f"Cannot build a network from {query!r}: OpenStreetMap returned no usable answer ({exc}). Check the "
               f"spelling (e.g. 'place:Kongsvinger, Norway'), or build from a file: bundled examples "
               f"{'; '.join(OFFLINE_EXAMPLES)}.")
        raise NetworkBuildError(" ".join(msg.split())) from None
    finally:
        ox.settings.useful_tags_way, ox.settings.all_oneway = saved
    return network_from_osmnx(graph, profile=prof, ferry_wait_minutes=ferry_wait_minutes, crs=crs,
                              meta={"source": source, "sha256": None, "reader": "geoaccess.network.overpass"})


def _way_pieces(edges: list[tuple[Any, Any]]) -> list[list[Any]]:
    """Rebuild node sequences from one way's directed segments (one or more chains)."""
    import networkx as nx

    h = nx.MultiDiGraph()
    h.add_edges_from(edges)
    pieces: list[list[Any]] = []
    for comp in nx.weakly_connected_components(h):
        sub = h.subgraph(comp)
        if nx.has_eulerian_path(sub):
            starts = [n for n in sub if sub.out_degree(n) - sub.in_degree(n) == 1]
            source = starts[0] if starts else next(iter(sorted(sub, key=str)))
            path = list(nx.eulerian_path(sub, source=source))
            pieces.append([path[0][0]] + [v for _, v in path])
        else:  # an irregular way (e.g. cut by the query area): one piece per segment
            pieces.extend([u, v] for u, v, _ in sub.edges(keys=True))
    return pieces


def network_from_osmnx(
    graph: nx.MultiDiGraph,
    *,
    profile: str | os.PathLike[str] | Profile = "car",
    ferry_wait_minutes: float | None = None,
    crs: str | None = None,
    meta: dict[str, Any] | None = None,
) -> Network:
    """Convert an unsimplified osmnx graph (lon/lat, ``all_oneway=True``) into a :class:`Network`.

    Parameters
    ----------
    graph
        ``MultiDiGraph`` as returned by osmnx with ``simplify=False`` and ``settings.all_oneway =
        True``: nodes carry ``x`` (longitude) and ``y`` (latitude); each edge is one way segment in
        the way's node order (reversed by osmnx for ``oneway=-1``) with ``osmid`` and the raw tags.
    profile
        Profile name, TOML path or :class:`Profile`.
    ferry_wait_minutes
        Boarding wait in minutes per crossing; ``None`` uses the profile's default.
    crs
        Projected output CRS, or ``None`` to choose one.
    meta
        Provenance to record.

    Returns
    -------
    Network
    """
    prof = resolve_profile(profile)
    wait = _wait_minutes(prof, ferry_wait_minutes)
    gcrs = str(graph.graph.get("crs", "epsg:4326")).lower()
    if gcrs not in ("epsg:4326", "wgs84", "+proj=longlat +datum=wgs84 +no_defs"):
        msg = f"The osmnx graph is in {gcrs}; pass the unprojected graph (EPSG:4326, before ox.project_graph)."
        raise InputError(msg)
    keys = prof.needed_keys
    by_way: dict[int, list[tuple[Any, Any]]] = defaultdict(list)
    tags_of: dict[int, dict[str, str]] = {}
    for u, v, d in graph.edges(data=True):
        osmid = d.get("osmid")
        if isinstance(osmid, (list, tuple, set)):
            msg = "The osmnx graph is simplified (edges with several osmids); build it with simplify=False."
            raise InputError(msg)
        if osmid is None:
            continue
        wid = int(osmid)
        by_way[wid].append((u, v))
        if wid not in tags_of:
            tags_of[wid] = {k: str(d[k]) for k in keys if k in d and d[k] is not None and d[k] == d[k]}
    warnings = TagWarnings()
    col = _WayCollector()
    nodes = graph.nodes
    for wid in sorted(by_way):
        tags = tags_of[wid]
        rule = evaluate_way(tags, prof, warnings, way_id=wid)
        if rule is None:
            continue
        flip = tags.get("oneway") in _OSMNX_REVERSED
        for seq in _way_pieces(by_way[wid]):
            if flip:
                seq = seq[::-1]
            for n in seq:
                col.refs.append(int(nodes[n].get("osmid", n)))
                col.x.append(float(nodes[n]["x"]))
                col.y.append(float(nodes[n]["y"]))
            col.add_rule(wid, rule, len(seq))
    table = col.table()
    if table.n_ways == 0:
        msg = f"The osmnx graph holds no ways usable by the {prof.name!r} profile ({len(by_way)} ways seen)."
        raise NetworkBuildError(msg)
    return assemble_network(table, profile=prof, ferry_wait_minutes=wait, crs=crs, meta=dict(meta or {}),
                            what="osmnx graph", warnings=warnings)
