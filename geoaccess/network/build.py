"""Build a routable network from any supported source, with validated caching.

Pipeline: **read** (OSM, Overpass, line layer or DIMACS) → **simplify** (degree-2
chains, travel times exact) → **keep components** (largest strong component by
default) → **cache** (``cache_dir()/networks/<key>.npz``).

The cache key (:func:`geoaccess.network.cache.network_cache_key`) covers the
SHA-256 of the input file, the SHA-256 of the travel profile, every build
option and the package version, so a changed input, profile, option or
release never reuses a stale network; a corrupt or truncated cache file is
detected on load and rebuilt.
"""

from __future__ import annotations

import hashlib
import os
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from geoaccess.errors import GeoaccessWarning, InputError

if TYPE_CHECKING:
    from geoaccess.network.graph import Network

__all__ = ["ACCEPTED_SOURCES", "SOURCE_KINDS", "build_network", "detect_kind", "source_kind"]

ACCEPTED_SOURCES = (
    "a dataset name from the registry (e.g. 'osm/tampere.osm.pbf'; see `geoaccess data list`)",
    "an OSM file: .osm.pbf, .pbf, .osm, .osm.bz2, .osm.gz, .osm.zip",
    "a road line layer with a speed column: .geojson, .json, .gpkg, .shp, .fgb (pass speed_column=)",
    "Kartverket N1000 road links (fields typeVeg, vegkategori): .gpkg, .geojson, .gml, .gdb, ... (kind='n1000')",
    "a DIMACS graph: .gr or .gr.gz (coordinates from the matching .co/.co.gz)",
    "an NVDB / FKB-Vegnett GML export: a .zip of Veglenke.gml, Fartsgrense.gml, ... "
    "(e.g. 'roads/hamar_0403_nvdb_fkbvn_2017.zip')",
    "'place:<name>' (e.g. 'place:Hamar, Norway') or 'bbox:west,south,east,north' in degrees (Overpass API)",
)

_OSM = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz", ".osm.zip")
_LINES = (".geojson", ".json", ".gpkg", ".shp", ".fgb")
_DIMACS = (".gr", ".gr.gz")
_N1000_ONLY = (".gml", ".gdb", ".gml.gz")  # formats read only as N1000 (by their fields)

SOURCE_KINDS = ("osm", "lines", "dimacs", "n1000", "nvdb")
"""Reader kinds ``build_network(kind=...)`` accepts (default: detected from the suffix and the fields)."""


def source_kind(name: str) -> Literal["osm", "lines", "dimacs", "n1000"] | None:
    """Reader for a file name by its suffix: ``"osm"``, ``"lines"``, ``"dimacs"``, ``"n1000"`` (GML, FGDB) or ``None``.

    A line layer (``"lines"``) may still be N1000: :func:`detect_kind` also reads its fields. NVDB/FKB-Vegnett
    zips (reader ``"nvdb"``) are recognised by their content, in :func:`build_network`.
    """
    low = name.lower()
    if low.endswith(_DIMACS):
        return "dimacs"
    if low.endswith(_OSM):
        return "osm"
    if low.endswith(_LINES):
        return "lines"
    if low.rstrip("/").endswith(_N1000_ONLY):
        return "n1000"
    return None


def detect_kind(path: Path, *, layer: str | None = None) -> str:
    """Reader kind of a file: by suffix, and for line layers by their fields (N1000 has ``typeVeg``/``vegkategori``)."""
    kind = source_kind(str(path))
    if kind != "lines":
        return kind or "unknown"
    import pyogrio

    from geoaccess.network.n1000 import _pick_layer, is_n1000_fields

    try:
        fields = [str(f) for f in pyogrio.read_info(path, layer=_pick_layer(str(path), layer))["fields"]]
    except Exception:  # noqa: BLE001 - unreadable or ambiguous: let the line reader report it
        return "lines"
    return "n1000" if is_n1000_fields(fields) else "lines"


def _unknown(source: str, why: str) -> InputError:
    kinds = "\n  - ".join(ACCEPTED_SOURCES)
    return InputError(f"Cannot build a network from {source!r}: {why}. Accepted sources:\n  - {kinds}")


def _resolve(source: str | os.PathLike[str]) -> tuple[str, Path | None, dict[str, Any]]:
    """Return (kind, path or None, overpass kwargs)."""
    text = os.fspath(source)
    if isinstance(source, str) and text.startswith("place:"):
        place = text[len("place:") :].strip()
        if not place:
            raise _unknown(text, "the place name is empty")
        return "overpass", None, {"place": place}
    if isinstance(source, str) and text.startswith("bbox:"):
        try:
            w, s, e, n = (float(v) for v in text[len("bbox:") :].split(","))
        except ValueError:
            raise _unknown(text, "a bbox needs four numbers west,south,east,north in degrees") from None
        if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
            raise _unknown(text, "the bbox must satisfy west < east and south < north, in degrees")
        return "overpass", None, {"bbox": (w, s, e, n)}
    path = Path(text).expanduser()
    if not path.is_file() and not (path.is_dir() and path.suffix.lower() == ".gdb"):
        from geoaccess.datasets import fetch

        try:
            path = fetch(text)
        except KeyError:
            raise _unknown(text, "it is neither an existing file nor a registered dataset") from None
    kind = source_kind(path.name)
    if kind is None and path.name.lower().endswith(".zip"):
        from geoaccess.network.nvdb_gml import is_fkb_zip

        kind = "nvdb" if is_fkb_zip(path) else None
    if kind is None:
        raise _unknown(text, f"the file type of {path.name!r} is not recognised")
    return kind, path, {}


def _check_kind(kind: str | None, detected: str, source: str) -> str:
    if kind is None:
        return detected
    if kind not in SOURCE_KINDS:
        msg = f"kind must be one of {', '.join(SOURCE_KINDS)} (or None to detect it), not {kind!r}."
        raise InputError(msg)
    if detected in ("osm", "dimacs", "overpass", "nvdb") and kind != detected:
        raise _unknown(source, f"it is an {detected.upper()} source, not a {kind!r} source")
    return kind


def _path_sha256(path: Path) -> str:
    """SHA-256 of a file, or of the sorted files of a folder source (an FGDB ``.gdb``)."""
    from geoaccess.datasets import sha256sum

    if path.is_file():
        return sha256sum(path)
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        h.update(f.relative_to(path).as_posix().encode())
        h.update(sha256sum(f).encode())
    return h.hexdigest()


def _option_hashes(options: dict[str, Any]) -> dict[str, str]:
    """SHA-256 of every reader option that names a file (e.g. N1000 ``boat_routes``), for the cache key."""
    out = {}
    for k, v in options.items():
        if isinstance(v, (str, os.PathLike)) and Path(v).exists():
            out[k] = _path_sha256(Path(v))
    return out


def _profile_hash(kind: str, profile: str | os.PathLike[str] | None, mode: str) -> tuple[str, str]:
    """(profile label, SHA-256) of the profile the reader will use; empty hash for readers without one."""
    if kind == "nvdb":
        from geoaccess.network.nvdb_profile import load_nvdb_profile

        nprof = load_nvdb_profile(profile if profile is not None else mode)
        return Path(nprof.source).stem, nprof.sha256
    if kind == "n1000":
        from geoaccess.network.n1000_profile import DEFAULT_N1000_PROFILE, load_n1000_profile

        prof = load_n1000_profile(profile if profile is not None else DEFAULT_N1000_PROFILE)
        return prof.name, prof.sha256
    if kind not in ("osm", "overpass"):
        return "", ""
    from geoaccess.network.profiles import load_profile

    prof = load_profile(profile if profile is not None else mode)
    return str(getattr(prof, "name", profile or mode)), str(prof.sha256)


def _read(
    kind: str,
    path: Path | None,
    overpass: dict[str, Any],
    *,
    mode: str,
    profile: str | os.PathLike[str] | None,
    ferry_wait_minutes: float | None,
    progress: bool,
    reader_options: dict[str, Any],
) -> Network:
    prof = profile if profile is not None else mode
    if kind in ("lines", "dimacs"):
        import warnings

        ignored = [n for n, v in (("profile", profile), ("ferry_wait_minutes", ferry_wait_minutes)) if v is not None]
        if ignored:
            warnings.warn(
                f"{', '.join(ignored)} apply only to OSM/Overpass sources and are ignored for {path}.",
                GeoaccessWarning,
                stacklevel=3,
            )
        if mode != "car":
            warnings.warn(
                f"mode={mode!r}: the travel times of {path} come from the file ({kind}), not from a {mode} profile; "
                f"the network is only labelled {mode!r}.",
                GeoaccessWarning,
                stacklevel=3,
            )
    if kind == "osm":
        from geoaccess.network.osm import read_osm

        return read_osm(path, profile=prof, ferry_wait_minutes=ferry_wait_minutes, progress=progress, **reader_options)
    if kind == "overpass":
        from geoaccess.network.overpass import read_overpass

        return read_overpass(**overpass, profile=prof, ferry_wait_minutes=ferry_wait_minutes, **reader_options)
    if kind == "nvdb":
        return _read_nvdb(path, mode=mode, profile=profile, ferry_wait_minutes=ferry_wait_minutes, **reader_options)
    if kind == "n1000":
        from geoaccess.network.n1000 import read_n1000
        from geoaccess.network.n1000_profile import DEFAULT_N1000_PROFILE

        if mode not in ("car", "boat"):
            msg = f"An N1000 network is built for mode 'car' or 'boat' (car + passenger boats), not {mode!r}."
            raise InputError(msg)
        return read_n1000(path, mode=mode, profile=profile if profile is not None else DEFAULT_N1000_PROFILE,  # type: ignore[arg-type]
                          ferry_wait_minutes=ferry_wait_minutes, **reader_options)
    if kind == "dimacs":
        from geoaccess.network.dimacs import read_dimacs

        return read_dimacs(path, mode=mode, **reader_options)
    from geoaccess.network.lines import read_lines

    opts = dict(reader_options)
    if "speed_column" not in opts:
        import pyogrio

        fields = [str(f) for f in pyogrio.read_info(path, layer=opts.get("layer"))["fields"]]
        if "nvdb_fartsgrenseverdi" in fields:
            opts["speed_column"] = "nvdb_fartsgrenseverdi"
            if "lokalid" in fields:
                opts.setdefault("id_column", "lokalid")
        else:
            msg = (
                f"Line layer {path} needs speed_column= (CLI: --speed-column) naming its speed column in km/h; "
                f"its columns are {fields}."
            )
            raise InputError(msg)
    return read_lines(path, mode=mode, **opts)


def _read_nvdb(path: Path | None, *, mode: str, profile: str | os.PathLike[str] | None,
               ferry_wait_minutes: float | None, **reader_options: Any) -> Network:
    from geoaccess.network.nvdb_network import read_nvdb_gml
    from geoaccess.network.nvdb_profile import load_nvdb_profile

    allowed = {"overlay_tolerance_m", "sliver_m", "snap_tolerance_m"}
    unknown = sorted(set(reader_options) - allowed)
    if unknown:
        msg = f"Options {unknown} do not apply to the NVDB/FKB-Vegnett export {path}; its reader takes {sorted(allowed)}."
        raise InputError(msg)
    prof = load_nvdb_profile(profile if profile is not None else mode)
    if ferry_wait_minutes is not None:
        prof = replace(prof, ferry_wait_minutes=float(ferry_wait_minutes))
    return read_nvdb_gml(path, mode=mode, profile=prof, **reader_options)  # type: ignore[arg-type]


def build_network(
    source: str | os.PathLike[str],
    *,
    mode: str = "car",
    profile: str | os.PathLike[str] | None = None,
    ferry_wait_minutes: float | None = None,
    simplify: bool = True,
    keep: Literal["largest", "all"] = "largest",
    cache: bool = True,
    progress: bool = False,
    kind: str | None = None,
    **reader_options: Any,
) -> Network:
    """Read, simplify, reduce to components and cache a network.

    Parameters
    ----------
    source
        A registered dataset name (``"osm/tampere.osm.pbf"``), a file path (OSM ``.osm.pbf``/``.osm``/
        ``.osm.bz2``/``.osm.gz``/``.osm.zip``; line layer ``.geojson``/``.gpkg``/``.shp``/``.fgb``; DIMACS
        ``.gr``/``.gr.gz``; NVDB/FKB-Vegnett GML ``.zip``, see :func:`geoaccess.network.nvdb_network.read_nvdb_gml`),
        ``"place:Hamar, Norway"`` or ``"bbox:w,s,e,n"`` (Overpass API).
    mode
        ``"car"``, ``"walk"`` or ``"bike"``; also the OSM profile when ``profile`` is not given.
        N1000 sources: ``"car"`` or ``"boat"`` (car roads, car ferries and passenger boats).
    profile
        Built-in profile name or TOML path for OSM sources (default: ``mode``); for N1000 the
        N1000 profile (default ``"n1000"``, ``networks/profiles/n1000.toml``); for NVDB/FKB-Vegnett zips
        the NVDB profile (default ``mode``, ``networks/profiles/nvdb_<mode>.toml``).
    ferry_wait_minutes
        Boarding wait per ferry crossing in **minutes** (OSM and N1000 sources); ``None`` uses the profile's.
    simplify
        Merge degree-2 chains (:func:`geoaccess.network.simplify.simplify`); travel times are exact.
    keep
        ``"largest"`` strong component (default) or ``"all"`` (warns listing the islands).
    cache
        Reuse / store the result in ``cache_dir()/networks``; a read-only or full cache folder only warns.
    progress
        Show progress (rich) for the read and the pipeline steps.
    kind
        Reader: ``"osm"``, ``"lines"``, ``"dimacs"``, ``"n1000"`` or ``"nvdb"``; default detected from the
        file suffix and, for line layers, from the fields (an N1000 road-link layer has ``typeVeg`` and
        ``vegkategori``); a zip whose GML holds ``Veglenke`` features is ``"nvdb"``.
    **reader_options
        Passed to the reader, e.g. ``speed_column=``, ``direction_column=``, ``default_speed_kmh=`` for
        line layers, ``weight_unit_s=`` for DIMACS; ``boat_routes=``, ``boat_wait_minutes=``,
        ``max_connect_m=``, ``include_planned=``, ``layer=`` for N1000
        (:func:`geoaccess.network.n1000.read_n1000`).

    Returns
    -------
    Network
        With ``meta`` holding ``source``, ``source_sha256``, ``profile``, ``profile_sha256``,
        ``version``, ``options``, ``cache_key``, ``components`` and ``from_cache``.

    Raises
    ------
    InputError
        Unknown source type (the message lists the accepted kinds), or reader errors.
    """
    from geoaccess import __version__
    from geoaccess.network.cache import load_cached, network_cache_key, save_cached
    from geoaccess.network.components import keep_components
    from geoaccess.network.simplify import SIMPLIFY_RULES
    from geoaccess.network.simplify import simplify as simplify_network

    if keep not in ("largest", "all"):
        msg = f"keep must be 'largest' or 'all', not {keep!r}."
        raise InputError(msg)
    detected, path, overpass = _resolve(source)
    if path is not None and detected == "lines":
        detected = detect_kind(path, layer=reader_options.get("layer"))
    kind = _check_kind(kind, detected, os.fspath(source))
    if path is not None:
        source_sha = _path_sha256(path)
    else:
        source_sha = hashlib.sha256(repr(sorted(overpass.items())).encode()).hexdigest()
    profile_label, profile_sha = _profile_hash(kind, profile, mode)
    options = {
        "reader": kind,
        "mode": mode,
        "ferry_wait_minutes": ferry_wait_minutes,
        "simplify": bool(simplify),
        "simplify_rules": SIMPLIFY_RULES if simplify else None,
        "keep": keep,
        "reader_options": {k: reader_options[k] for k in sorted(reader_options)},
        "file_options_sha256": _option_hashes(reader_options),
    }
    key = network_cache_key(source_sha256=source_sha, profile_sha256=profile_sha, options=options)
    if cache:
        hit = load_cached(key)
        if hit is not None:
            hit.meta["from_cache"] = True
            return hit
    # the reader shows its own progress; the pipeline steps get a bar afterwards (rich allows one live display)
    net = _read(
        kind,
        path,
        overpass,
        mode=mode,
        profile=profile,
        ferry_wait_minutes=ferry_wait_minutes,
        progress=progress,
        reader_options=reader_options,
    )
    raw_counts = {"nodes": net.n_nodes, "edges": net.n_edges}
    with _progress(progress) as p:
        task = p.add_task("simplifying", total=3) if p is not None else None

        def step(what: str) -> None:
            if p is not None:
                p.update(task, advance=1, description=what)

        if simplify:
            net = _simplify_keeping(net, kind, simplify_network)
        step("components")
        net = keep_components(net, keep=keep, warn=True)
        step("caching")
        meta = dict(net.meta)
        meta.update(
            {
                "source": str(path) if path is not None else os.fspath(source),
                "source_sha256": source_sha,
                "profile": profile_label or None,
                "profile_sha256": profile_sha or None,
                "version": __version__,
                "options": options,
                "cache_key": key,
                "read_counts": raw_counts,
                "from_cache": False,
            }
        )
        net = replace(net, meta=meta, mode=mode)
        if cache:
            save_cached(net, key)
        step("done")
    return net


def _simplify_keeping(net: Network, kind: str, simplify_network: Any) -> Network:
    """Simplify, keeping the nodes planned links end at (N1000), those turn rules use (restrictions,
    destination-only edges, signals and crossings: :func:`~geoaccess.network.turns.routing_keep_nodes`)
    and NVDB's; turn restrictions are carried over."""
    import numpy as np

    from geoaccess.network.planned import planned_anchor_nodes
    from geoaccess.network.turns import routing_keep_nodes

    keep = [planned_anchor_nodes(net)]
    rules = routing_keep_nodes(net)
    if rules is not None:
        keep.append(rules)
    if kind == "nvdb":
        from geoaccess.network.nvdb_network import keep_nodes

        nodes = keep_nodes(net)
        if nodes is not None:
            keep.append(nodes)
    out = simplify_network(net, keep=np.unique(np.concatenate(keep)))
    if net.turns is None:
        return out
    from geoaccess.network.turns import carry_turns

    return carry_turns(net, out)


def _progress(enabled: bool) -> Any:
    if not enabled:
        return nullcontext(None)
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), transient=True)
