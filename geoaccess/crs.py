"""Choosing and checking coordinate reference systems.

Networks are projected once: EPSG:25833 (ETRS89 / UTM 33N) for Norway, the local
UTM zone (WGS 84) elsewhere. Every layer is checked before it is transformed: a
layer without a CRS is refused, and a CRS whose datum is "unknown" but whose
projection parameters are exactly UTM zone 33N (as in the SSB 250 m grid's
``.prj``) is recognised explicitly and reported with a :class:`~geoaccess.errors.CRSWarning`,
once per process: the first layer read that way is named, later ones are read the same way
silently (the rule is documented, and repeating it on every command buried the warnings that
matter).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

from geoaccess.errors import CRSError, CRSWarning

if TYPE_CHECKING:
    from collections.abc import Sequence

    import geopandas as gpd
    from pyproj import CRS

__all__ = ["NORWAY_CRS", "check_same_crs", "choose_crs", "resolve_crs", "to_crs_checked"]

# Warnings already given in this process (see _warn_once); tests clear it to see a warning again.
_WARNED: set[str] = set()

NORWAY_CRS = "EPSG:25833"
# A coarse outline of mainland Norway and its coastal waters (lon, lat in degrees), drawn
# along the borders with Sweden, Finland and Russia; used only to pick EPSG:25833.
_NORWAY_OUTLINE = (
    (4.0, 57.8), (7.5, 57.8), (11.0, 58.8), (11.8, 59.0), (12.6, 60.4), (12.3, 61.2), (12.2, 62.0),
    (12.0, 63.4), (14.2, 64.5), (14.6, 65.8), (16.0, 67.0), (18.2, 68.5), (20.1, 69.0), (21.0, 69.3),
    (22.4, 68.7), (24.9, 68.5), (26.2, 69.9), (28.5, 69.0), (29.2, 69.6), (31.5, 70.0), (31.5, 71.5),
    (4.0, 71.5),
)


def choose_crs(lon: np.ndarray | float, lat: np.ndarray | float) -> str:
    """Pick the projected CRS for data centred at the given WGS 84 coordinates.

    Parameters
    ----------
    lon, lat
        Longitudes and latitudes in degrees (arrays or scalars); their median is used.

    Returns
    -------
    str
        ``"EPSG:25833"`` inside a coarse outline of mainland Norway, otherwise the WGS 84 UTM zone,
        e.g. ``"EPSG:32635"`` for Tampere.
    """
    lo = float(np.nanmedian(np.asarray(lon, dtype=float)))
    la = float(np.nanmedian(np.asarray(lat, dtype=float)))
    if not (np.isfinite(lo) and np.isfinite(la)):
        msg = "Cannot choose a projected CRS: the data have no finite coordinates."
        raise CRSError(msg)
    import shapely

    if shapely.contains_xy(shapely.Polygon(_NORWAY_OUTLINE), lo, la):
        return NORWAY_CRS
    zone = int((lo + 180.0) // 6.0) % 60 + 1
    return f"EPSG:{32600 + zone if la >= 0 else 32700 + zone}"


def _is_utm33_unknown_datum(crs: CRS) -> bool:
    """True for a projected CRS on an unknown/unnamed datum with exactly UTM 33N parameters."""
    if not crs.is_projected or crs.to_epsg() is not None:
        return False
    datum = (crs.datum.name if crs.datum else "").lower()
    unnamed = {"unknown", "", "not specified (based on grs 1980 ellipsoid)", "unknown based on grs 1980 ellipsoid"}
    if datum not in unnamed and "unknown" not in datum and "not specified" not in datum:
        return False
    try:
        params = {p.name.lower(): p.value for p in crs.coordinate_operation.params}
    except AttributeError:
        return False
    checks = {
        "longitude of natural origin": 15.0,
        "latitude of natural origin": 0.0,
        "scale factor at natural origin": 0.9996,
        "false easting": 500000.0,
        "false northing": 0.0,
    }
    ellipsoid_ok = crs.ellipsoid is not None and abs(crs.ellipsoid.semi_major_metre - 6378137.0) < 1e-3
    return ellipsoid_ok and all(abs(params.get(k, np.nan) - v) < 1e-9 for k, v in checks.items())


def resolve_crs(crs: object, *, what: str) -> CRS:
    """Return a trusted :class:`pyproj.CRS` for a layer, or raise :class:`CRSError`.

    Parameters
    ----------
    crs
        Anything :class:`pyproj.CRS` accepts, or ``None``.
    what
        Name of the layer or file, used in messages.

    Raises
    ------
    CRSError
        ``crs`` is ``None`` or cannot be parsed.

    Warns
    -----
    geoaccess.errors.CRSWarning
        When an "unknown" datum with UTM zone 33N parameters is read as EPSG:25833; once per
        process, naming the first layer.
    """
    from pyproj import CRS
    from pyproj.exceptions import CRSError as ProjCRSError

    if crs is None:
        msg = (
            f"{what} has no CRS. geoaccess does not guess coordinate systems: set it explicitly, e.g. "
            f"gdf.set_crs('EPSG:25833') for Norwegian UTM33 data or 'EPSG:4326' for longitude/latitude, "
            f"or add a .prj file next to the shapefile."
        )
        raise CRSError(msg)
    try:
        parsed = CRS.from_user_input(crs)
    except ProjCRSError as exc:
        msg = f"{what} has a CRS that cannot be parsed ({exc}). Set a valid CRS such as 'EPSG:25833'."
        raise CRSError(msg) from None
    if _is_utm33_unknown_datum(parsed):
        _warn_once(
            "ssb-unknown-datum",
            f"{what}: its CRS has an 'unknown' datum but exactly the UTM zone 33N projection on the GRS 1980 "
            f"ellipsoid (as in SSB's 250 m grid .prj); it is read as EPSG:25833 (ETRS89 / UTM 33N). "
            f"Further layers with this CRS are read the same way without repeating this note.",
            CRSWarning,
            stacklevel=2,
        )
        return CRS.from_epsg(25833)
    return parsed


def _warn_once(key: str, message: str, category: type[Warning], *, stacklevel: int = 2) -> None:
    """Issue ``message`` the first time ``key`` is seen in this process, and never again.

    ``stacklevel`` counts from the function that calls ``_warn_once`` (2 = its caller), as in
    :func:`warnings.warn`.
    """
    if key in _WARNED:
        return
    _WARNED.add(key)
    warnings.warn(message, category, stacklevel=stacklevel + 1)


def to_crs_checked(gdf: gpd.GeoDataFrame, target: str, *, what: str) -> gpd.GeoDataFrame:
    """Check a GeoDataFrame's CRS with :func:`resolve_crs` and transform it to ``target``."""
    src = resolve_crs(gdf.crs, what=what)
    if gdf.crs != src:
        gdf = gdf.set_crs(src, allow_override=True)
    return gdf.to_crs(target)


def check_same_crs(*layers: gpd.GeoDataFrame | None, what: Sequence[str] | None = None) -> None:
    """Refuse layers whose CRSs differ or are missing.

    Raises
    ------
    CRSError
        If any layer lacks a CRS or the CRSs differ; the message names the layers.
    """
    names = list(what) if what is not None else [f"layer {i}" for i in range(len(layers))]
    crss = [(n, g.crs) for n, g in zip(names, layers, strict=True) if g is not None]
    for n, c in crss:
        if c is None:
            msg = f"The {n} has no CRS; set it (e.g. gdf.set_crs('EPSG:25833')) rather than let geoaccess guess."
            raise CRSError(msg)
    if len({c.to_string() for _, c in crss}) > 1:
        listing = "; ".join(f"{n}: {c.to_string()}" for n, c in crss)
        msg = f"Layers have mixed CRSs ({listing}); transform them to one CRS first (e.g. gdf.to_crs('EPSG:25833'))."
        raise CRSError(msg)
