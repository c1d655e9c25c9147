"""Layers named on the command line: SSB grids, register services, OSM services, or the user's own file.

=========================================  ==============================================================
spec                                       layer
=========================================  ==============================================================
``ssb:oslo``, ``ssb:akershus``             SSB 250 m population grid 2023 (cells, ``population``)
an SSB grid file or dataset name           the same from a path (``population/befolkning_250m_...``)
``services:<svc>[,<svc>...]``              register services (Etatsbasen 2014, GISCO healthcare 2020, Oslo
                                           upper-secondary schools 2024), e.g. ``services:nav_office``;
                                           Norwegian and short names are accepted (:data:`SERVICE_ALIASES`:
                                           ``services:nav``, ``services:sykehus``)
``osm:<pbf>[:<svc>,...]``                  services from the OSM tags of a PBF, e.g. ``osm:osm/tampere.osm.pbf:supermarket``
anything else                              the user's file (or a dataset name), read by
                                           :func:`geoaccess.layers.points.read_points`
=========================================  ==============================================================

Every layer comes back through :func:`~geoaccess.layers.points.read_points`, so ids and names are
found (and checked) the same way whatever the source.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from geoaccess.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["SERVICE_ALIASES", "SSB_GRIDS", "read_layer", "resolve_services"]

SSB_GRIDS = {
    "oslo": "population/befolkning_250m_2023_oslo.shp",
    "akershus": "population/befolkning_250m_2023_akershus.shp",
    "norge": "population/ssb_befolkning_250m_2015_norge.csv",
    "norway": "population/ssb_befolkning_250m_2015_norge.csv",
}
"""``ssb:<name>`` grids (SSB 250 m; Oslo and Akershus 2023, all of Norway 2015)."""

SERVICE_ALIASES: dict[str, str] = {
    "nav": "nav_office",
    "nav-kontor": "nav_office",
    "sykehus": "hospital",
    "legevakt": "clinic",
    "vgs": "upper_secondary_school",
    "videregaende": "upper_secondary_school",
    "videregående": "upper_secondary_school",
    "grunnskole": "primary_school",
    "skole": "school",
    "radhus": "townhall",
    "rådhus": "townhall",
    "politi": "police",
    "bibliotek": "library",
    "apotek": "pharmacy",
    "dagligvare": "supermarket",
    "ferjekai": "ferry_terminal",
    "kollektivknutepunkt": "transit_hub",
    "tingrett": "district_court",
}
"""Short and Norwegian service names accepted in ``services:`` specs, and the vocabulary name each means."""


def resolve_services(names: list[str]) -> list[str]:
    """Vocabulary names for the names of a ``services:`` spec (aliases resolved, unknown names refused)."""
    from geoaccess.layers.services import SERVICES

    out = []
    for name in names:
        key = name.strip().lower()
        svc = SERVICE_ALIASES.get(key, key)
        if svc not in SERVICES:
            msg = (f"Unknown service {name!r} in services:...; use one of {', '.join(SERVICES)} "
                   f"(or {', '.join(sorted(SERVICE_ALIASES))}).")
            raise InputError(msg)
        out.append(svc)
    return out


def _is_ssb_grid(path: Path) -> bool:
    import pyogrio

    if "befolkning" in path.name.lower():
        return True
    if path.suffix.lower() not in (".shp", ".gpkg"):
        return False
    try:
        fields = pyogrio.read_info(path)["fields"]
    except Exception:
        return False
    return bool({"pop_tot", "ru250m"} & {str(f).lower() for f in fields})


def read_layer(
    spec: str,
    *,
    what: str,
    id_column: str | None = None,
    name_column: str | None = None,
    crs: Any = None,
    keep_polygons: bool = False,
) -> gpd.GeoDataFrame:
    """The layer a command-line spec names (see the module docstring), checked like a point file.

    Parameters
    ----------
    spec
        ``ssb:oslo``, ``services:nav``, ``osm:<pbf>[:<svc>]``, a dataset name or a file.
    what
        The layer's role in messages (``"origins"``, ``"opportunities"``).
    id_column, name_column, crs
        As for :func:`~geoaccess.layers.points.read_points` (``crs`` only for the user's files).
    keep_polygons
        Keep areas (grid cells) as polygons instead of their centroids.
    """
    from geoaccess.layers.points import read_points

    s = spec.strip()
    layer: gpd.GeoDataFrame | None = None
    if s.startswith("ssb:"):
        key = s[4:].strip().lower()
        if key not in SSB_GRIDS:
            msg = f"Unknown grid {s!r}; use one of {', '.join('ssb:' + k for k in SSB_GRIDS)} or a grid file."
            raise InputError(msg)
        layer = _grid(SSB_GRIDS[key], keep_polygons=keep_polygons)
    elif s.startswith("services:"):
        from geoaccess.layers.services import read_services

        names = [x for x in s[len("services:"):].split(",") if x.strip()]
        layer = read_services(services=resolve_services(names) if names else None)
    elif s.startswith("osm:"):
        from geoaccess.layers.services import read_osm_services

        pbf, _, svc = s[4:].rpartition(":")
        if not pbf or "/" in svc or "." in svc:  # no service list given
            pbf, svc = s[4:], ""
        names = [x for x in svc.split(",") if x.strip()]
        layer = read_osm_services(pbf, services=resolve_services(names) if names else None)
    else:
        path = _existing(s)
        if path is not None and _is_ssb_grid(path):
            layer = _grid(str(path), keep_polygons=keep_polygons)
    if layer is None:
        return read_points(s, id_column=id_column, name_column=name_column, crs=crs, what=what,
                           keep_polygons=keep_polygons)
    layer.attrs.setdefault("source", s)
    return read_points(layer, id_column=id_column, name_column=name_column, what=what, keep_polygons=keep_polygons)


def _existing(spec: str) -> Path | None:
    p = Path(spec)
    if p.is_file():
        return p
    from geoaccess.datasets import fetch

    try:
        return Path(fetch(spec))
    except (KeyError, Exception):
        return None


def _grid(source: str, *, keep_polygons: bool) -> gpd.GeoDataFrame:
    from geoaccess.layers.population import read_ssb_grid

    grid = read_ssb_grid(source, as_points=not keep_polygons)
    grid.attrs["source"] = source
    return grid
