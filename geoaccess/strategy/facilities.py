"""Facilities of the national omland table: N1000 airports and railway stations, and the service units.

* Airports: Kartverket N1000 *lufthavn* 2025 (75 points): ``lufthavntype`` L (airport) or H
  (heliport), ``trafikktype`` as coded in N1000 (I international, N national, A other), IATA/ICAO
  codes. By default only airports (L) count; heliports with ``heliports=True``.
* Railway stations: Kartverket N1000 *jernbanestasjon* 2025 (176 points).
* NAV offices and district courts (Etatsbasen 2014) and healthcare sites (GISCO 2020) come from
  :mod:`geoaccess.layers.services`.

A point without coordinates is counted (``attrs["n_without_position"]``) and reported with a
:class:`~geoaccess.errors.DataWarning`, never dropped silently.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

from geoaccess.errors import DataWarning, InputError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["AIRPORTS", "RAILWAY_STATIONS", "TRAFFIC_TYPES", "read_airports", "read_railway_stations"]

AIRPORTS = "services/kartverket_n1000_lufthavn_2025.geojson"
RAILWAY_STATIONS = "services/kartverket_n1000_jernbanestasjon_2025.geojson"
TRAFFIC_TYPES = {"I": "internasjonal (international)", "N": "nasjonal (national)", "A": "annen (other)"}
"""N1000 ``trafikktype`` codes of airports."""


def _points(source: str, what: str) -> gpd.GeoDataFrame:
    import geopandas as gpd

    from geoaccess.crs import to_crs_checked
    from geoaccess.layers.services import _resolve

    path = _resolve(source)
    raw = gpd.read_file(path, engine="pyogrio")
    raw = to_crs_checked(raw, "EPSG:25833", what=str(path))
    missing = raw.geometry.isna() | raw.geometry.is_empty
    if missing.any():
        names = raw.loc[missing, "navn"].astype(str).tolist() if "navn" in raw else []
        warnings.warn(f"{path.name}: {int(missing.sum())} {what} without coordinates left out"
                      + (f" ({', '.join(names[:5])})" if names else "") + ".", DataWarning, stacklevel=3)
    out = raw[~missing].reset_index(drop=True)
    out.attrs.update({"source": f"Kartverket N1000 ({path.name}), CC BY 4.0", "n_without_position": int(missing.sum())})
    return out


def read_airports(source: str = AIRPORTS, *, heliports: bool = False) -> gpd.GeoDataFrame:
    """N1000 airports (and heliports when asked): ``id``, ``name``, ``iata``, ``icao``, ``airport_type``,
    ``traffic_type`` (N1000 code), ``traffic`` (its meaning), points in EPSG:25833."""
    import geopandas as gpd

    raw = _points(source, "airport(s)")
    need = {"lufthavntype", "trafikktype", "navn"}
    if need - set(raw.columns):
        msg = f"{source}: not an N1000 airport layer (missing {sorted(need - set(raw.columns))})."
        raise InputError(msg)
    keep = raw["lufthavntype"].isin(["L", "H"] if heliports else ["L"])
    r = raw[keep].reset_index(drop=True)
    iata = (r["iataKode"] if "iataKode" in r else r["navn"].map(lambda _: "")).fillna("").astype(str).str.strip()
    icao = (r["icaoKode"] if "icaoKode" in r else r["navn"].map(lambda _: "")).fillna("").astype(str).str.strip()
    name = r["navn"].fillna("").astype(str).str.strip()
    key = [a or b or str(i) for i, (a, b) in enumerate(zip(iata, icao))]
    out = gpd.GeoDataFrame({
        "id": [f"n1000_airport:{k}" for k in key],
        "name": np.where(name != "", name, icao),
        "iata": iata.to_numpy(),
        "icao": icao.to_numpy(),
        "airport_type": r["lufthavntype"].map({"L": "lufthavn (airport)", "H": "helikopterplass (heliport)"}).to_numpy(),
        "traffic_type": r["trafikktype"].fillna("").to_numpy(),
        "traffic": r["trafikktype"].map(TRAFFIC_TYPES).fillna("").to_numpy(),
    }, geometry=r.geometry.to_numpy(), crs="EPSG:25833")
    out.attrs.update(raw.attrs)
    return out


def read_railway_stations(source: str = RAILWAY_STATIONS) -> gpd.GeoDataFrame:
    """N1000 railway stations: ``id``, ``name``, points in EPSG:25833."""
    import geopandas as gpd

    raw = _points(source, "station(s)")
    if "navn" not in raw.columns:
        msg = f"{source}: not an N1000 railway station layer (no 'navn' column)."
        raise InputError(msg)
    out = gpd.GeoDataFrame({"id": [f"n1000_station:{i}" for i in range(len(raw))],
                            "name": raw["navn"].fillna("").astype(str).str.strip().to_numpy()},
                           geometry=raw.geometry.to_numpy(), crs="EPSG:25833")
    out.attrs.update(raw.attrs)
    return out
