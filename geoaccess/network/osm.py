"""Read OpenStreetMap files (``.osm.pbf``, ``.osm``, ``.osm.gz``, ``.osm.bz2``, ``.osm.zip``) into a :class:`Network`.

The file is streamed once with pyosmium: node locations are cached in C++
(``FileProcessor.with_locations()``), only ways with a ``highway`` or ``route``
tag reach Python, and each way is judged by the profile with
:func:`geoaccess.network.profiles.evaluate_way`. Everything after that is
vectorised numpy (:func:`assemble_network`, shared with the Overpass reader):

* graph nodes are the **routing nodes**: OSM nodes that end a kept way (or a
  stretch of it with known locations) or are used by two or more kept ways (or
  twice by one way); the other way vertices become edge shapes;
* ``metres`` is the geodesic (WGS 84 ellipsoid) length of the polyline;
* ``seconds = metres / speed``; a ferry edge takes its share of the ``duration``
  tag (split in proportion to length) or ``metres / ferry speed``, plus the
  boarding wait once per crossing and direction;
* coordinates are projected with one pyproj call to ``crs`` or to
  :func:`geoaccess.crs.choose_crs` (EPSG:25833 in Norway, UTM elsewhere);
* turn rules for profiles that ask for them: turn restriction relations become
  ``Network.turns`` (:mod:`geoaccess.network.osm_restrictions`; what was skipped and why in
  ``meta["osm_restrictions"]``), ``highway=traffic_signals`` nodes (with
  ``traffic_signals:direction``) become routing nodes whose arriving edges carry
  :attr:`EdgeFlag.SIGNAL` (``highway=crossing`` nodes :attr:`EdgeFlag.CROSSING` when the profile
  charges crossings), ways with a ``destination``-like access value
  :attr:`EdgeFlag.DESTINATION`, roundabouts :attr:`EdgeFlag.ROUNDABOUT`; the profile's turn costs go
  to ``meta["turn_costs"]``.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import math
import os
import tempfile
import warnings as pywarnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from geoaccess.errors import CRSError, DataWarning, InputError, NetworkBuildError
from geoaccess.network.graph import EdgeFlag, Network
from geoaccess.network.profiles import Profile, WayRule, evaluate_way, load_profile
from geoaccess.network.tags import TagWarnings

__all__ = ["WayTable", "assemble_network", "read_osm", "resolve_profile", "sniff_osm_format"]

_COORD_PRECISION = 10_000_000  # osmium stores coordinates as int32 in 1e-7 degrees
_UNDEFINED_COORD = 2147483647  # osmium's undefined_coordinate


# --------------------------------------------------------------------------- way table
@dataclass
class WayTable:
    """Kept ways as flat arrays: the common input of :func:`assemble_network`.

    Attributes
    ----------
    refs : int64 (R,)
        OSM node ids of all kept ways, concatenated in way order.
    lon, lat : float64 (R,)
        Location of each ref in degrees; ``nan`` where the file lacks the node.
    way_ptr : int64 (W + 1,)
        Row pointer: the refs of way ``w`` are ``refs[way_ptr[w]:way_ptr[w + 1]]``.
    way_id : int64 (W,)
        OSM way id.
    kmh : float64 (W,)
        Speed in km/h.
    direction : int8 (W,)
        ``0`` both ways, ``1`` node order only, ``-1`` reverse only.
    ferry : bool (W,)
        ``route=ferry`` way.
    duration_s : float64 (W,)
        Ferry crossing time in seconds from ``duration``, ``nan`` if none.
    destination_only : bool (W,)
        Usable only at the start or end of a trip.
    roundabout : bool (W,)
        Part of a roundabout.
    """

    refs: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    way_ptr: np.ndarray
    way_id: np.ndarray
    kmh: np.ndarray
    direction: np.ndarray
    ferry: np.ndarray
    duration_s: np.ndarray
    destination_only: np.ndarray | None = None
    roundabout: np.ndarray | None = None

    @property
    def n_ways(self) -> int:
        """Number of kept ways."""
        return len(self.way_id)


@dataclass
class _WayCollector:
    """Append-only lists turned into a :class:`WayTable` at the end (no per-node objects kept)."""

    refs: list[int] = field(default_factory=list)
    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)
    lens: list[int] = field(default_factory=list)
    way_id: list[int] = field(default_factory=list)
    kmh: list[float] = field(default_factory=list)
    direction: list[int] = field(default_factory=list)
    ferry: list[bool] = field(default_factory=list)
    duration_s: list[float] = field(default_factory=list)
    destination_only: list[bool] = field(default_factory=list)
    roundabout: list[bool] = field(default_factory=list)

    def add_rule(self, way_id: int, rule: WayRule, n_refs: int) -> None:
        self.lens.append(n_refs)
        self.way_id.append(way_id)
        self.kmh.append(rule.kmh)
        self.direction.append(rule.direction)
        self.ferry.append(rule.ferry)
        self.duration_s.append(rule.duration_s)
        self.destination_only.append(rule.destination_only)
        self.roundabout.append(rule.roundabout)

    def table(self, *, scale: float = 1.0, undefined: float | None = None) -> WayTable:
        x = np.asarray(self.x, dtype=np.float64)
        y = np.asarray(self.y, dtype=np.float64)
        if undefined is not None:
            bad = (x == undefined) | (y == undefined)
            x[bad] = np.nan
            y[bad] = np.nan
        if scale != 1.0:
            x = x / scale
            y = y / scale
        return WayTable(
            refs=np.asarray(self.refs, dtype=np.int64),
            lon=x,
            lat=y,
            way_ptr=np.concatenate([[0], np.cumsum(np.asarray(self.lens, dtype=np.int64))]).astype(np.int64),
            way_id=np.asarray(self.way_id, dtype=np.int64),
            kmh=np.asarray(self.kmh, dtype=np.float64),
            direction=np.asarray(self.direction, dtype=np.int8),
            ferry=np.asarray(self.ferry, dtype=bool),
            duration_s=np.asarray(self.duration_s, dtype=np.float64),
            destination_only=np.asarray(self.destination_only, dtype=bool),
            roundabout=np.asarray(self.roundabout, dtype=bool),
        )


@dataclass
class JunctionTags:
    """What the reader keeps of nodes and relations for turn-aware routing (OSM ids).

    Attributes
    ----------
    signals : dict
        OSM node id -> direction of a ``highway=traffic_signals`` node: ``0`` both, ``1`` along the
        way's node order (``forward``), ``-1`` against it (``backward``).
    crossings : set of int
        OSM node ids of ``highway=crossing`` nodes (kept only when the profile charges crossings).
    restrictions : list of RawRestriction
        Parsed turn restriction relations.
    report : RestrictionReport
        Relations skipped and why.
    """

    signals: dict[int, int] = field(default_factory=dict)
    crossings: set[int] = field(default_factory=set)
    restrictions: list[Any] = field(default_factory=list)
    report: Any = None


# --------------------------------------------------------------------------- helpers
def resolve_profile(profile: str | os.PathLike[str] | Profile) -> Profile:
    """Return ``profile`` itself or load it by name/path with :func:`load_profile`."""
    return profile if isinstance(profile, Profile) else load_profile(profile)


def _wait_minutes(profile: Profile, ferry_wait_minutes: float | None) -> float:
    wait = profile.ferry_wait_minutes if ferry_wait_minutes is None else float(ferry_wait_minutes)
    if not (math.isfinite(wait) and wait >= 0):
        msg = f"ferry_wait_minutes must be a finite number of minutes >= 0, got {ferry_wait_minutes!r}."
        raise InputError(msg)
    return wait


def sniff_osm_format(path: str | os.PathLike[str]) -> str:
    """Identify an OSM file by its content, not its name.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    str
        ``"pbf"``, ``"osm"`` (XML), ``"osm.gz"``, ``"osm.bz2"`` or ``"osm.zip"``.

    Raises
    ------
    InputError
        The file is missing, empty, or not an OSM PBF/XML file (e.g. CSV or GeoJSON).
    """
    p = Path(path)
    if not p.is_file():
        msg = f"OSM file {p} does not exist. Pass the path of an .osm.pbf or .osm file (e.g. from Geofabrik)."
        raise InputError(msg)
    if p.stat().st_size == 0:
        msg = f"OSM file {p} is empty (0 bytes). Re-download or re-export it."
        raise InputError(msg)
    with p.open("rb") as fh:
        head = fh.read(4096)
    if head[:4] == b"PK\x03\x04":
        return "osm.zip"
    if head[:2] == b"\x1f\x8b":
        with gzip.open(p, "rb") as fh:
            inner = _read_head(fh, p)
        _check_xml(inner, p, "gzip-compressed ")
        return "osm.gz"
    if head[:3] == b"BZh":
        with bz2.open(p, "rb") as fh:
            inner = _read_head(fh, p)
        _check_xml(inner, p, "bzip2-compressed ")
        return "osm.bz2"
    if len(head) > 8 and b"OSMHeader" in head[4:32]:
        return "pbf"
    _check_xml(head, p, "")
    return "osm"


def _read_head(fh: Any, p: Path) -> bytes:
    try:
        return fh.read(4096)
    except (OSError, EOFError) as exc:
        msg = f"OSM file {p} is a corrupt compressed file ({exc}). Re-download it."
        raise InputError(msg) from None


def _check_xml(head: bytes, p: Path, what: str) -> None:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<") and b"<osm" in head:
        return
    if text.startswith((b"<?xml", b"<!--")) and len(head) >= 4096:
        return  # long XML prologue (comments); let the parser decide
    kind = "GeoJSON/JSON" if text[:1] in (b"{", b"[") else "an unknown format"
    msg = (
        f"{p} is not an OSM file: its {what}content looks like {kind}, not OSM PBF or OSM XML "
        f"(starts with {head[:24]!r}). Pass an .osm.pbf or .osm file, e.g. an extract from Geofabrik or BBBike."
    )
    raise InputError(msg)


def _osmium_input(p: Path, fmt: str, stack: contextlib.ExitStack) -> Any:
    """The osmium input for ``p``; a ``.osm.zip`` member is streamed into a temporary file (bounded memory)."""
    import osmium

    if fmt != "osm.zip":
        return osmium.io.File(str(p), fmt)
    from geoaccess.archive import copy_member, open_zip

    with open_zip(p, what="zipped OSM file") as zf:
        members = [i for i in zf.infolist() if not i.is_dir()]
        osm = [i for i in members if i.filename.lower().endswith((".osm", ".osm.pbf", ".pbf", ".xml"))]
        if len(osm) != 1:
            names = [i.filename for i in members][:10]
            msg = (
                f"Zip file {p} must hold exactly one .osm (or .osm.pbf) member; it holds {names}. "
                f"Unzip it and pass the OSM file directly."
            )
            raise InputError(msg)
        member = osm[0].filename
        if osm[0].file_size == 0:
            msg = f"Zip member {member} of {p} is empty. Re-download the file."
            raise InputError(msg)
        inner = "pbf" if member.lower().endswith("pbf") else "osm"
        tmpdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="geoaccess-osm-")))
        target = copy_member(zf, osm[0], tmpdir / f"member.{inner}", archive=p)
    if inner == "osm":
        with target.open("rb") as fh:
            _check_xml(fh.read(4096), p, f"zip member {member!r} ")
    return osmium.io.File(str(target), inner)


# --------------------------------------------------------------------------- reader
def read_osm(
    source: str | os.PathLike[str],
    *,
    profile: str | os.PathLike[str] | Profile = "car",
    ferry_wait_minutes: float | None = None,
    crs: str | None = None,
    progress: bool = False,
    peak: bool = False,
) -> Network:
    """Build a routable :class:`Network` from an OSM file for one travel profile.

    Parameters
    ----------
    source
        ``.osm.pbf``, ``.osm`` (XML), ``.osm.gz``, ``.osm.bz2`` or a ``.osm.zip`` holding one
        OSM file (streamed into a temporary file after the size and ratio checks of
        :mod:`geoaccess.archive`). The format is detected from the content.
    profile
        ``"car"``, ``"walk"``, ``"bike"``, the path of a TOML profile, or a :class:`Profile`.
    ferry_wait_minutes
        Boarding wait in **minutes** added once per ferry crossing (suggestion: half the
        headway); ``None`` uses the profile's ``[ferry] wait_minutes``.
    crs
        Projected CRS of the output coordinates; ``None`` picks EPSG:25833 in Norway and the
        UTM zone elsewhere (:func:`geoaccess.crs.choose_crs`).
    progress
        Show a rich progress display while reading.
    peak
        Apply the profile's morning-peak factors (``[peak.factor]``) to urban ways.

    Returns
    -------
    Network
        Directed graph on routing nodes; ``seconds`` (travel time incl. ferry waits),
        ``metres`` (geodesic), ``way_id`` (OSM way), ``flags`` (:attr:`EdgeFlag.FERRY`),
        ``node_id`` (OSM node id), shapes (interior vertices), ``mode`` = profile name and
        ``meta`` with source, SHA-256, profile, profile SHA-256, wait and ``tag_warnings``.

    Raises
    ------
    InputError
        Missing, empty, non-OSM, truncated or corrupt file.
    NetworkBuildError
        The file holds no ways the profile may use.
    """
    from geoaccess.datasets import sha256sum

    p = Path(source)
    prof = resolve_profile(profile)
    wait = _wait_minutes(prof, ferry_wait_minutes)
    fmt = sniff_osm_format(p)
    stack = contextlib.ExitStack()
    with stack:
        src = _osmium_input(p, fmt, stack)
        table, seen, warnings, junctions = _collect_ways(src, p, fmt, prof, progress, peak=peak)
    if table.n_ways == 0:
        msg = (
            f"OSM file {p} holds no ways usable by the {prof.name!r} profile ({seen} ways with highway/route "
            f"tags, none allowed). Check that the extract contains roads (highway=*) and not only buildings "
            f"or POIs, or choose another profile ({', '.join(sorted(prof.highway_kmh)[:6])}, ... are allowed)."
        )
        raise NetworkBuildError(msg)
    from geoaccess._version import __version__

    meta = {
        "source": str(p),
        "sha256": sha256sum(p),
        "format": fmt,
        "reader": "geoaccess.network.osm.read_osm",
        "geoaccess_version": __version__,
        "osm_ways_seen": seen,
    }
    if peak:
        meta["peak"] = True
    return assemble_network(table, profile=prof, ferry_wait_minutes=wait, crs=crs, meta=meta, what=str(p),
                            warnings=warnings, junctions=junctions)


def _signal_direction(tags: Any) -> int:
    d = tags.get("traffic_signals:direction") or tags.get("direction")
    return {"forward": 1, "backward": -1}.get(str(d).strip().lower() if d is not None else "", 0)


def _collect_ways(src: Any, p: Path, fmt: str, prof: Profile, progress: bool, *, peak: bool = False
                  ) -> tuple[WayTable, int, TagWarnings, JunctionTags]:
    """Stream ``src`` once: ways ``prof`` allows (with their node locations), signal/crossing nodes and
    turn restriction relations (when the profile uses them)."""
    import osmium

    from geoaccess.network.osm_restrictions import RestrictionReport, parse_restriction

    warnings = TagWarnings()
    col = _WayCollector()
    junctions = JunctionTags(report=RestrictionReport())
    want_signals = prof.turn_costs.signal_seconds > 0
    want_crossings = prof.turn_costs.crossing_seconds > 0
    seen = 0
    refs_append, x_append, y_append = col.refs.append, col.x.append, col.y.append
    read = osmium.osm.NODE | osmium.osm.WAY
    kinds = osmium.osm.WAY
    keys = ["highway", "route"]
    if want_signals or want_crossings:
        kinds |= osmium.osm.NODE
    if prof.restrictions:
        read |= osmium.osm.RELATION
        kinds |= osmium.osm.RELATION
        keys.append("type")
    fp = (
        osmium.FileProcessor(src, read)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(kinds))
        .with_filter(osmium.filter.KeyFilter(*keys))
    )
    bar = _Progress(progress, f"Reading {p.name} ({prof.name})")
    try:
        with bar:
            for w in fp:
                if w.is_node():
                    hw = w.tags.get("highway")
                    if hw == "traffic_signals" and want_signals:
                        junctions.signals[w.id] = _signal_direction(w.tags)
                    elif hw == "crossing" and want_crossings:
                        junctions.crossings.add(w.id)
                    continue
                if w.is_relation():
                    if str(w.tags.get("type", "")).startswith("restriction"):
                        members = [(m.type, m.ref, m.role) for m in w.members]
                        raw = parse_restriction(w.id, dict(w.tags), members, prof, junctions.report)
                        if raw is not None:
                            junctions.restrictions.append(raw)
                    continue
                seen += 1
                if progress and seen % 2000 == 0:
                    bar.update(seen)
                rule = evaluate_way(w.tags, prof, warnings, way_id=w.id, peak=peak)
                if rule is None:
                    continue
                nodes = w.nodes
                k = len(nodes)
                if k < 2:
                    continue
                for nr in nodes:
                    loc = nr.location
                    refs_append(nr.ref)
                    x_append(loc.x)
                    y_append(loc.y)
                col.add_rule(w.id, rule, k)
            bar.update(seen)
    except RuntimeError as exc:
        msg = (
            f"OSM file {p} could not be read completely ({fmt}): {exc}. The file is probably truncated or "
            f"corrupt (e.g. an interrupted download); download it again and check its size/SHA-256."
        )
        raise InputError(msg) from None
    except (ValueError, OverflowError) as exc:  # e.g. osmium's "illegal id" for ids >= 2^63
        msg = (
            f"OSM file {p} holds a value osmium cannot read ({exc}); OSM ids must be integers below 2^63 and "
            f"coordinates numbers. Fix or re-export the file."
        )
        raise InputError(msg) from None
    return col.table(scale=_COORD_PRECISION, undefined=_UNDEFINED_COORD), seen, warnings, junctions


class _Progress:
    """A minimal rich spinner showing ways read; does nothing when disabled."""

    def __init__(self, enabled: bool, label: str) -> None:
        self.enabled = enabled
        self.label = label
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                      TextColumn("{task.completed} ways"), TimeElapsedColumn())
            self._progress.__enter__()
            self._task = self._progress.add_task(self.label, total=None)
        return self

    def update(self, n: int) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=n)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)


# --------------------------------------------------------------------------- assembly
def assemble_network(
    table: WayTable,
    *,
    profile: Profile,
    ferry_wait_minutes: float,
    crs: str | None,
    meta: dict[str, Any],
    what: str,
    warnings: TagWarnings | None = None,
    junctions: JunctionTags | None = None,
) -> Network:
    """Turn kept ways into a :class:`Network` on routing nodes (vectorised).

    Parameters
    ----------
    table
        Kept ways with node refs and locations.
    profile
        The profile the ways were judged by (name and hash go into ``meta``).
    ferry_wait_minutes
        Boarding wait in minutes, added once per ferry way and direction.
    crs
        Target projected CRS or ``None`` to choose one from the data.
    meta
        Provenance to extend (source, sha256, ...).
    what
        Name of the source used in error messages.
    warnings
        Tag warnings collected while judging the ways.
    junctions
        Signal and crossing nodes and turn restriction relations (:func:`read_osm`); ``None``: none.

    Returns
    -------
    Network
    """
    from pyproj import Geod, Transformer

    refs, lon, lat, way_ptr = table.refs, table.lon, table.lat, table.way_ptr
    n_ref = len(refs)
    way_of_ref = np.repeat(np.arange(table.n_ways, dtype=np.int64), np.diff(way_ptr))
    have = np.isfinite(lon) & np.isfinite(lat)
    off_globe = have & ((np.abs(lat) > 90) | (np.abs(lon) > 180))
    if off_globe.any():  # e.g. a node at latitude 95: treated like a node missing from the extract
        k = int(np.flatnonzero(off_globe)[0])
        pywarnings.warn(
            f"{what}: {int(off_globe.sum())} way node reference(s) have a location off the globe (e.g. node "
            f"{refs[k]} at lat {lat[k]:g}, lon {lon[k]:g}); they are treated as missing nodes, so the ways are "
            "cut there. Fix the nodes' coordinates.",
            DataWarning,
            stacklevel=3,
        )
        have &= ~off_globe
    j = np.arange(n_ref - 1, dtype=np.int64)
    seg_ok = (way_of_ref[:-1] == way_of_ref[1:]) & have[:-1] & have[1:] & (refs[:-1] != refs[1:])
    j_ok = j[seg_ok]
    if len(j_ok) == 0:
        msg = (
            f"{what}: the {profile.name!r} profile keeps {table.n_ways} ways, but none has two consecutive nodes "
            f"with known locations (the extract lacks the ways' nodes). Use a complete extract (osmium extract "
            f"with --strategy=complete_ways)."
        )
        raise NetworkBuildError(msg)
    ok_at = np.zeros(n_ref, dtype=bool)
    ok_at[j_ok] = True
    in_seg = ok_at.copy()
    in_seg[j_ok + 1] = True
    prev_ok = np.zeros(n_ref, dtype=bool)
    prev_ok[1:] = ok_at[:-1]
    run_end_points = in_seg & (~prev_ok | ~ok_at)

    uniq, inv = np.unique(refs, return_inverse=True)
    inv = inv.astype(np.int64)
    node_lon = np.full(len(uniq), np.nan)
    node_lat = np.full(len(uniq), np.nan)
    node_lon[inv[have]] = lon[have]
    node_lat[inv[have]] = lat[have]
    uses = np.bincount(inv[in_seg], minlength=len(uniq))
    routing = uses >= 2
    routing[inv[run_end_points]] = True
    penalty_nodes = _node_positions(uniq, junctions)  # signals and crossings split their ways
    routing[penalty_nodes[uses[penalty_nodes] > 0]] = True
    node_index = np.cumsum(routing) - 1
    used = uses > 0  # nodes on kept segments (routing or shape vertices)

    # --- CRS and projection (one call over all used nodes)
    if crs is None:
        target = _choose(node_lon[used], node_lat[used])
    else:
        target = _check_crs(crs, what)
    tr = Transformer.from_crs("EPSG:4326", target, always_xy=True)
    node_x = np.full(len(uniq), np.nan)
    node_y = np.full(len(uniq), np.nan)
    node_x[used], node_y[used] = tr.transform(node_lon[used], node_lat[used])

    # --- segments -> edges
    ta, he = inv[j_ok], inv[j_ok + 1]
    _, _, seg_len = Geod(ellps="WGS84").inv(node_lon[ta], node_lat[ta], node_lon[he], node_lat[he])
    seg_len = np.asarray(seg_len, dtype=np.float64)
    starts_edge = routing[ta]
    edge_of_seg = np.cumsum(starts_edge) - 1
    n_e = int(edge_of_seg[-1]) + 1
    first = np.flatnonzero(starts_edge)
    last = np.concatenate([first[1:] - 1, [len(j_ok) - 1]])
    e_tail = node_index[ta[first]]
    e_head = node_index[he[last]]
    e_metres = np.bincount(edge_of_seg, weights=seg_len, minlength=n_e)
    e_way = way_of_ref[j_ok[first]]
    interior = np.ones(len(j_ok), dtype=bool)
    interior[last] = False
    shape_nodes = he[interior]
    shape_xy = np.column_stack([node_x[shape_nodes], node_y[shape_nodes]])
    counts = last - first
    shapes = np.split(shape_xy, np.cumsum(counts)[:-1]) if n_e else []

    # --- travel times
    kmh = table.kmh[e_way]
    ferry = table.ferry[e_way]
    seconds = e_metres / (kmh / 3.6)
    wait_s = ferry_wait_minutes * 60.0
    if ferry.any():
        way_total = np.bincount(e_way, weights=e_metres, minlength=table.n_ways)
        dur = table.duration_s[e_way]
        timed = ferry & np.isfinite(dur)
        share = np.divide(e_metres, way_total[e_way], out=np.ones(n_e), where=way_total[e_way] > 0)
        seconds = np.where(timed, dur * share, seconds)
    direction = table.direction[e_way]
    fwd = direction >= 0
    bwd = direction <= 0
    # the wait goes on the first edge of a ferry way in the direction of travel
    first_fwd = np.zeros(n_e, dtype=bool)
    first_bwd = np.zeros(n_e, dtype=bool)
    if ferry.any():
        fe = np.flatnonzero(ferry)
        w = e_way[fe]
        new_way = np.ones(len(fe), dtype=bool)
        new_way[1:] = w[1:] != w[:-1]
        first_fwd[fe[new_way]] = True
        end_way = np.ones(len(fe), dtype=bool)
        end_way[:-1] = w[1:] != w[:-1]
        first_bwd[fe[end_way]] = True
    sec_f = seconds + np.where(first_fwd, wait_s, 0.0)
    sec_b = seconds + np.where(first_bwd, wait_s, 0.0)

    fi = np.flatnonzero(fwd)
    bi = np.flatnonzero(bwd)
    tails = np.concatenate([e_tail[fi], e_head[bi]])
    heads = np.concatenate([e_head[fi], e_tail[bi]])
    all_seconds = np.concatenate([sec_f[fi], sec_b[bi]])
    all_metres = np.concatenate([e_metres[fi], e_metres[bi]])
    all_way = np.concatenate([table.way_id[e_way[fi]], table.way_id[e_way[bi]]])
    all_flags = np.where(np.concatenate([ferry[fi], ferry[bi]]), np.uint8(EdgeFlag.FERRY), np.uint8(0))
    all_shapes = [shapes[i] for i in fi] + [shapes[i][::-1] for i in bi]
    all_flags = all_flags | _junction_flags(table, e_way, fi, bi, heads, uniq[routing], junctions)

    rx = node_x[routing]
    ry = node_y[routing]
    warn = warnings.to_dict() if warnings is not None else {}
    out_meta = dict(meta)
    out_meta.update(
        {
            "profile": profile.name,
            "profile_sha256": profile.sha256,
            "profile_source": profile.source,
            "ferry_wait_minutes": float(ferry_wait_minutes),
            "tag_warnings": warn,
            "osm_ways_kept": int(table.n_ways),
            "missing_node_refs": int((~have).sum()),
            "off_globe_node_refs": int(off_globe.sum()),
            "crs_chosen": crs is None,
        }
    )
    if not profile.turn_costs.is_node_based:
        out_meta["turn_costs"] = profile.turn_costs.to_meta()
    if profile.variant:
        out_meta["profile_variant"] = profile.variant
    net = Network.from_edges(
        tails,
        heads,
        seconds=all_seconds,
        metres=all_metres,
        way_id=all_way,
        flags=all_flags,
        x=rx,
        y=ry,
        node_id=uniq[routing],
        crs=target,
        shapes=all_shapes,
        mode=profile.name,
        meta=out_meta,
    )
    if junctions is None or not profile.restrictions:
        return net
    return _with_restrictions(net, junctions, table=table, e_way=e_way, e_tail=e_tail, e_head=e_head, fi=fi, bi=bi,
                              node_ids=uniq[routing])


def _node_positions(uniq: np.ndarray, junctions: JunctionTags | None) -> np.ndarray:
    """Positions in ``uniq`` (sorted OSM node ids) of the signal and crossing nodes present."""
    if junctions is None or not (junctions.signals or junctions.crossings):
        return np.zeros(0, dtype=np.int64)
    ids = np.array(sorted(set(junctions.signals) | junctions.crossings), dtype=np.int64)
    pos = np.minimum(np.searchsorted(uniq, ids), len(uniq) - 1)
    return pos[uniq[pos] == ids].astype(np.int64)


def _junction_flags(table: WayTable, e_way: np.ndarray, fi: np.ndarray, bi: np.ndarray, heads: np.ndarray,
                    node_ids: np.ndarray, junctions: JunctionTags | None) -> np.ndarray:
    """DESTINATION, ROUNDABOUT, SIGNAL and CROSSING bits of the directed edges (forward ones, then backward)."""
    ways = np.concatenate([e_way[fi], e_way[bi]])
    flags = np.zeros(len(ways), dtype=np.uint8)
    if table.destination_only is not None:
        flags |= np.where(table.destination_only[ways], np.uint8(EdgeFlag.DESTINATION), np.uint8(0))
    if table.roundabout is not None:
        flags |= np.where(table.roundabout[ways], np.uint8(EdgeFlag.ROUNDABOUT), np.uint8(0))
    if junctions is None:
        return flags
    head_id = node_ids[np.asarray(heads, dtype=np.int64)]
    along = np.concatenate([np.ones(len(fi), bool), np.zeros(len(bi), bool)])  # travels in the way's node order
    if junctions.signals:
        sig_ids = np.fromiter(junctions.signals.keys(), dtype=np.int64)
        sig_dir = np.fromiter(junctions.signals.values(), dtype=np.int64)
        o = np.argsort(sig_ids)
        sig_ids, sig_dir = sig_ids[o], sig_dir[o]
        pos = np.minimum(np.searchsorted(sig_ids, head_id), len(sig_ids) - 1)
        hit = sig_ids[pos] == head_id
        d = sig_dir[pos]
        controls = hit & ((d == 0) | ((d == 1) & along) | ((d == -1) & ~along))
        flags |= np.where(controls, np.uint8(EdgeFlag.SIGNAL), np.uint8(0))
    if junctions.crossings:
        cr = np.array(sorted(junctions.crossings), dtype=np.int64)
        flags |= np.where(np.isin(head_id, cr), np.uint8(EdgeFlag.CROSSING), np.uint8(0))
    return flags


def _with_restrictions(net: Network, junctions: JunctionTags, *, table: WayTable, e_way: np.ndarray,
                       e_tail: np.ndarray, e_head: np.ndarray, fi: np.ndarray, bi: np.ndarray,
                       node_ids: np.ndarray) -> Network:
    """Resolve the restriction relations onto the network's edges (CSR numbering) and report."""
    from dataclasses import replace

    from geoaccess.network.osm_restrictions import resolve_restrictions
    from geoaccess.network.turns import check_turns, compile_restrictions, make_turns

    n_pre = len(e_way)
    fwd_id = np.full(n_pre, -1, dtype=np.int64)
    bwd_id = np.full(n_pre, -1, dtype=np.int64)
    fwd_id[fi] = np.arange(len(fi))
    bwd_id[bi] = len(fi) + np.arange(len(bi))
    # directed edge (forward ones, then backward) -> its CSR position, as Network.from_arrays sorts them
    tails = np.concatenate([e_tail[fi], e_head[bi]])
    order = np.argsort(tails, kind="stable")
    csr = np.empty(len(order), dtype=np.int64)
    csr[order] = np.arange(len(order))
    way_index = {int(w): i for i, w in enumerate(table.way_id.tolist())}
    node_of = {int(v): i for i, v in enumerate(node_ids.tolist())}
    report = junctions.report
    f, t, via, kind, sid = resolve_restrictions(
        junctions.restrictions, way_index=way_index, edge_way=e_way, edge_tail=e_tail, edge_head=e_head,
        fwd_id=fwd_id, bwd_id=bwd_id, node_of=node_of, report=report)
    meta = dict(net.meta)
    info = report.to_dict()
    turns = None
    if len(f):
        turns = make_turns(csr[f], csr[t], heads=net.indices, kind=kind, via_edges=[csr[v] for v in via],
                           source_id=sid)
        problems = check_turns(turns, net.n_nodes, net.n_edges, net.tails, net.indices)
        if problems:  # a resolver bug, never bad data: the checks above refuse bad relations
            msg = f"OSM turn restrictions resolved inconsistently: {'; '.join(problems)}"
            raise NetworkBuildError(msg)
        _, _, rep = compile_restrictions(turns, net.indptr.astype(np.int64), net.indices.astype(np.int64))
        info["conflicts_only_dropped_no_kept"] = rep["conflicts"]
        info["only_merged"] = rep["only_merged"]
    meta["osm_restrictions"] = info
    return replace(net, turns=turns, meta=meta)


def _choose(lon: np.ndarray, lat: np.ndarray) -> str:
    from geoaccess.crs import choose_crs

    return choose_crs(lon, lat)


def _check_crs(crs: str, what: str) -> str:
    from geoaccess.crs import resolve_crs

    parsed = resolve_crs(crs, what=f"the CRS requested for {what}")
    if not parsed.is_projected:
        msg = (
            f"The CRS {crs!r} requested for {what} is not projected; networks need metres. "
            f"Use e.g. 'EPSG:25833' (Norway) or a UTM zone, or crs=None to choose one."
        )
        raise CRSError(msg)
    auth = parsed.to_authority()
    return f"{auth[0]}:{auth[1]}" if auth else parsed.to_wkt()
