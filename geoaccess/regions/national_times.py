"""The ``national`` travel-time source: municipality × municipality minutes on Kartverket's N1000 network.

``geoaccess regions --travel-times national`` (and ``--alt-travel-times national``) come
here through :func:`geoaccess.regions.travel_tables.resolve_travel_times`. The table is
the national layer's :func:`geoaccess.national.matrix.municipal_matrix`: door-to-door
minutes between population-weighted municipality centres (SSB 2015 grid) of the
division the flows use, on the N1000 car network (roads and car ferries with their
waits) or, for the other mode, the boat network (also passenger boats). The network
comes from the content-hashed network cache; the table is cached beside it
(``cache_dir()/regions/``), keyed by the network's cache key, the year, the mode, the
centre rule and the package version, so a second run reads it in well under a second.

N1000 is a 1:1M map without speed limits: its speeds are the documented assumptions of
the N1000 profile (``networks/profiles/n1000.toml``, ``docs/national.md``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from geoaccess.errors import CacheWarning, InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["N1000_BOAT_ROUTES", "N1000_ROADS", "national_travel_times"]

N1000_ROADS = "roads/kartverket_n1000_veglenke_2025.gpkg"
N1000_BOAT_ROUTES = "roads/kartverket_n1000_annenbatrute_2025.gpkg"


def national_travel_times(
    *,
    year: int | None,
    codes: Sequence[str],
    mode: str = "car",
    rule: str = "weighted",
) -> pd.DataFrame:
    """Minutes between every ordered pair of municipalities of ``year``'s division on the N1000 network.

    Parameters
    ----------
    year
        Year of the municipality codes (2018 onwards: boundaries from
        :func:`geoaccess.layers.municipality_codes.boundaries_for_year`).
    codes
        The municipalities the caller needs; every one must have a centre in the table.
    mode
        ``"car"`` (roads, car ferries) or ``"boat"`` (also passenger boats; rule ``alt90``).
    rule
        Centre rule of :func:`geoaccess.layers.centres.municipality_centres`.

    Returns
    -------
    pandas.DataFrame
        ``origin``, ``destination``, ``minutes`` (NaN unreachable); ``attrs["source"]`` and
        ``attrs["provenance"]`` say what it is.
    """
    import warnings

    import pandas as pd

    from geoaccess import __version__
    from geoaccess.datasets import cache_dir, fetch
    from geoaccess.network.build import build_network

    if year is None:
        msg = "--travel-times national needs the year of the municipality codes (give --year or a Tid column)."
        raise InputError(msg)
    if mode not in ("car", "boat"):
        msg = f"national travel times: mode must be 'car' or 'boat', got {mode!r}."
        raise InputError(msg)
    opts = {"boat_routes": str(fetch(N1000_BOAT_ROUTES))} if mode == "boat" else {}
    net = build_network(N1000_ROADS, mode=mode, kind="n1000", **opts)
    key = hashlib.sha256(f"{net.meta.get('cache_key')}|{year}|{mode}|{rule}|{__version__}".encode()).hexdigest()[:20]
    path = cache_dir() / "regions" / f"municipal_matrix_{mode}_{year}_{key}.parquet"
    label = f"national {mode} travel times (N1000, {year} municipalities, {rule} centres from the 2015 grid)"
    table = None
    if path.is_file():
        try:
            table = pd.read_parquet(path)
        except (OSError, ValueError) as exc:
            warnings.warn(f"{path}: unreadable cached table ({exc}); computing it again.", CacheWarning, stacklevel=2)
    if table is None:
        table = _compute(net, year=int(year), rule=rule)
        try:
            from geoaccess.report.atomic import atomic_path

            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(path) as tmp:
                table.to_parquet(tmp, index=False)
        except OSError as exc:
            warnings.warn(f"{path}: cannot cache the national table ({exc}).", CacheWarning, stacklevel=2)
    missing = sorted(set(map(str, codes)) - set(table["origin"]))
    if missing:
        msg = (
            f"{label}: {len(missing)} municipalities have no centre in the table (e.g. {', '.join(missing[:5])}); "
            "the flows' codes and the boundary year disagree."
        )
        raise InputError(msg)
    table.attrs["source"] = label
    table.attrs["provenance"] = {"network_cache_key": net.meta.get("cache_key"), "year": int(year), "mode": mode,
                                 "centre_rule": rule, "cache_file": str(path)}  # fmt: skip
    return table


def _compute(net: object, *, year: int, rule: str) -> pd.DataFrame:
    from geoaccess.layers.centres import municipality_centres
    from geoaccess.layers.municipality_codes import boundaries_for_year
    from geoaccess.layers.population import NATIONAL_GRID_250M, read_ssb_grid
    from geoaccess.national.matrix import municipal_matrix

    grid = read_ssb_grid(NATIONAL_GRID_250M)
    centres = municipality_centres(boundaries_for_year(year), grid, rule=rule)  # type: ignore[arg-type]
    table = municipal_matrix(net, centres=centres, year=None)  # type: ignore[arg-type]
    return table[["origin", "destination", "minutes"]].reset_index(drop=True)
