"""Service layers (tjenestelag) in one vocabulary, from registers and from OpenStreetMap.

Every reader returns a GeoDataFrame with the columns

``id`` (source-prefixed, e.g. ``"etatsbasen:23842"``), ``service`` (one of :data:`SERVICES`),
``name``, ``weight`` (1.0 per unit unless the source gives more), ``capacity`` (beds, places;
NaN when the source gives none), ``source`` and ``geometry`` (points),

a projected CRS (EPSG:25833 for Norway) and a provenance record in ``gdf.attrs``
(``source``, ``licence``, ``date``, plus counts of skipped rows). Which source record becomes
which service is decided by the mapping table ``layers/services_vocabulary.csv``: rows are
tried in order and the first match wins.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.errors import CRSError, DataWarning, InputError

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    import geopandas as gpd

__all__ = [
    "SERVICES",
    "VocabularyRule",
    "combine_services",
    "read_etatsbasen",
    "read_healthcare",
    "read_oslo_upper_secondary",
    "read_osm_services",
    "read_services",
    "vocabulary",
]

#: The service vocabulary (Norwegian terms in the docs, ``layers/README.md``).
SERVICES: tuple[str, ...] = (
    "hospital",  # sykehus
    "clinic",  # legevakt, legesenter, private behandlingssteder
    "upper_secondary_school",  # videregående skole
    "primary_school",  # grunnskole (barne- og ungdomsskole)
    "school",  # school, level unknown
    "townhall",  # rådhus
    "police",  # politi / lensmann
    "library",  # bibliotek
    "university",  # universitet / høgskole
    "supermarket",  # dagligvare
    "pharmacy",  # apotek
    "transit_hub",  # kollektivknutepunkt: bus station, train station
    "ferry_terminal",  # ferjekai
    "nav_office",  # NAV-kontor
    "district_court",  # tingrett
)

COLUMNS = ("id", "service", "name", "weight", "capacity", "source", "geometry")

_PROVENANCE = {
    "etatsbasen": {
        "source": "Etatsbasen (Difi), organization.csv + position.csv joined on tailid",
        "licence": "NLOD (Norsk lisens for offentlige data), Difi",
        "date": "2014-10",
    },
    "gisco_healthcare": {
        "source": "Eurostat GISCO healthcare services, Norway (healthcare_NO_2020.csv)",
        "licence": "EUPL-1.2, © European Union (Eurostat GISCO)",
        "date": "2020-01-01",
    },
    "oslo_upper_secondary": {
        "source": "Oslo kommune: addresses of the public upper-secondary schools",
        "licence": "Oslo kommune open data",
        "date": "2024",
    },
    "osm": {
        "source": "OpenStreetMap",
        "licence": "ODbL 1.0, © OpenStreetMap contributors",
        "date": "as of the extract",
    },
}


@dataclass(frozen=True)
class VocabularyRule:
    """One row of ``services_vocabulary.csv``.

    Attributes
    ----------
    source
        ``osm``, ``etatsbasen``, ``gisco_healthcare`` or ``oslo_upper_secondary``.
    field
        OSM tag key or register column the pattern is matched against (``*``: any record).
    pattern
        Regular expression; OSM tag values must match fully, register names anywhere
        (case-insensitive).
    condition
        Optional extra test ``key~regex`` (full match) or ``key=value`` (equality).
    service
        Service of :data:`SERVICES` the record becomes.
    """

    source: str
    field: str
    pattern: str
    condition: str
    service: str

    def matches(self, record: dict[str, str]) -> bool:
        """True when the record (tags or register row, values as strings) satisfies the rule."""
        if self.field != "*":
            value = record.get(self.field)
            if value is None:
                return False
            if self.source == "osm":
                if re.fullmatch(self.pattern, value) is None:
                    return False
            elif re.search(self.pattern, value, flags=re.IGNORECASE) is None:
                return False
        if self.condition:
            if "~" in self.condition:
                key, rx = self.condition.split("~", 1)
                v = record.get(key)
                return v is not None and re.fullmatch(rx, v) is not None
            key, val = self.condition.split("=", 1)
            return str(record.get(key, "")).strip() == val
        return True


def _vocabulary_path() -> Path:
    repo = Path(__file__).resolve().parents[2] / "layers" / "services_vocabulary.csv"
    if repo.is_file():
        return repo
    res = resources.files("geoaccess").joinpath("_layers", "services_vocabulary.csv")
    if res.is_file():
        return Path(str(res))
    msg = "The service mapping table services_vocabulary.csv was not found (looked in the repository's layers/ and geoaccess/_layers)."
    raise InputError(msg)


@cache
def _rules(path: str) -> tuple[VocabularyRule, ...]:
    import csv

    rules = []
    with open(path, encoding="utf-8", newline="") as fh:
        for k, row in enumerate(csv.DictReader(fh), start=2):
            service = row["service"].strip()
            if service not in SERVICES:
                msg = f"{path}, line {k}: unknown service {service!r}; use one of {', '.join(SERVICES)}."
                raise InputError(msg)
            try:
                re.compile(row["pattern"])
            except re.error as exc:
                msg = f"{path}, line {k}: bad regular expression {row['pattern']!r} ({exc})."
                raise InputError(msg) from None
            rules.append(VocabularyRule(row["source"].strip(), row["field"].strip(), row["pattern"], (row["condition"] or "").strip(), service))
    return tuple(rules)


def vocabulary(source: str | None = None, *, path: str | Path | None = None) -> tuple[VocabularyRule, ...]:
    """The mapping rules in order, optionally only those of one source."""
    rules = _rules(str(path or _vocabulary_path()))
    return tuple(r for r in rules if source is None or r.source == source)


def _classify(record: dict[str, str], rules: Sequence[VocabularyRule]) -> str | None:
    for r in rules:
        if r.matches(record):
            return r.service
    return None


def _check_services(services: Iterable[str] | None) -> frozenset[str] | None:
    if services is None:
        return None
    s = frozenset(services)
    unknown = s - set(SERVICES)
    if unknown:
        msg = f"Unknown service(s) {sorted(unknown)}; the vocabulary is: {', '.join(SERVICES)}."
        raise InputError(msg)
    return s


def _layer(rows: dict[str, Any], *, crs: Any, provenance: dict[str, Any]) -> gpd.GeoDataFrame:
    import geopandas as gpd

    gdf = gpd.GeoDataFrame({c: rows[c] for c in COLUMNS if c != "geometry"}, geometry=rows["geometry"], crs=crs)
    gdf["weight"] = gdf["weight"].astype(float)
    gdf["capacity"] = gdf["capacity"].astype(float)
    gdf.attrs.update(provenance)
    return gdf


def _resolve(source: str | Path) -> Path:
    from geoaccess.datasets import fetch

    p = Path(source)
    return p if p.is_absolute() or p.exists() else Path(fetch(str(source)))


def read_etatsbasen(
    source: str | Path = "services/etatsbasen_2014",
    *,
    services: Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """NAV offices, district courts, town halls, libraries, police, universities from Etatsbasen 2014.

    ``organization.csv`` and ``position.csv`` are joined on ``tailid``; positions are UTM33
    (EPSG:25833). Units that match a service but have no position are not silently dropped: they
    are counted in ``attrs["n_without_position"]``, listed by name in ``attrs["without_position"]``
    and reported with a warning.

    Parameters
    ----------
    source
        Dataset folder name (resolved with :func:`geoaccess.datasets.fetch`) or a local folder.
    services
        Keep only these services (default: every service the vocabulary assigns).
    """
    import pandas as pd
    from shapely import points

    from geoaccess.datasets import fetch

    keep = _check_services(services)
    src = str(source).rstrip("/")
    if Path(src).is_dir():
        org_p, pos_p = Path(src) / "organization.csv", Path(src) / "position.csv"
    else:
        org_p, pos_p = Path(fetch(f"{src}/organization.csv")), Path(fetch(f"{src}/position.csv"))
    org = pd.read_csv(org_p, sep=";", encoding="utf-8-sig", dtype=str)
    pos = pd.read_csv(pos_p, sep=";", encoding="utf-8-sig", dtype=str)
    for need, df, f in (({"tailid", "name_nb", "orgstructid"}, org, org_p), ({"tailid", "coordsys", "x", "y"}, pos, pos_p)):
        missing = need - set(df.columns)
        if missing:
            msg = f"{f} lacks column(s) {sorted(missing)}; is this an Etatsbasen export (';'-separated)?"
            raise InputError(msg)
    other = set(pos["coordsys"].dropna().str.lower()) - {"utm33"}
    if other:
        msg = f"{pos_p} has coordinate systems {sorted(other)} besides utm33; only UTM33 (EPSG:25833) is supported."
        raise CRSError(msg)
    rules = vocabulary("etatsbasen")
    recs = org.fillna("").to_dict("records")
    org["service"] = [_classify(r, rules) for r in recs]
    org = org[org["service"].notna()]
    if keep is not None:
        org = org[org["service"].isin(keep)]
    m = org.merge(pos[["tailid", "x", "y"]], on="tailid", how="left", validate="one_to_one")
    x = pd.to_numeric(m["x"], errors="coerce").to_numpy()
    y = pd.to_numeric(m["y"], errors="coerce").to_numpy()
    ok = np.isfinite(x) & np.isfinite(y)
    missing = m.loc[~ok]
    m = m.loc[ok]
    prov = {
        **_PROVENANCE["etatsbasen"],
        "n_without_position": int((~ok).sum()),
        "without_position": [f"{n.strip()} ({s})" for n, s in zip(missing["name_nb"], missing["service"], strict=True)],
    }
    if (~ok).any():
        warnings.warn(
            f"Etatsbasen: {int((~ok).sum())} unit(s) matched a service but have no position in {pos_p.name} "
            f"and are left out (see gdf.attrs['without_position']): "
            + ", ".join(prov["without_position"][:5]) + (" ..." if (~ok).sum() > 5 else ""),
            DataWarning,
            stacklevel=2,
        )
    rows = {
        "id": ("etatsbasen:" + m["tailid"].str.strip()).to_numpy(),
        "service": m["service"].to_numpy(),
        "name": m["name_nb"].str.strip().to_numpy(),
        "weight": np.ones(len(m)),
        "capacity": np.full(len(m), np.nan),
        "source": np.full(len(m), "etatsbasen_2014"),
        "geometry": points(x[ok], y[ok]),
    }
    return _layer(rows, crs="EPSG:25833", provenance=prov)


def _lonlat_to_crs(lon: np.ndarray, lat: np.ndarray, crs: str | None, what: str) -> tuple[Any, str]:
    from pyproj import Transformer
    from shapely import points

    from geoaccess.crs import choose_crs

    target = crs or choose_crs(lon, lat)
    tx = Transformer.from_crs("EPSG:4326", target, always_xy=True)
    x, y = tx.transform(lon, lat)
    return points(x, y), target


def read_healthcare(
    source: str | Path = "services/healthcare_NO_2020.csv",
    *,
    services: Iterable[str] | None = None,
    crs: str | None = "EPSG:25833",
) -> gpd.GeoDataFrame:
    """Healthcare sites (Eurostat GISCO, reference date 2020-01-01): public sites -> ``hospital``,
    private treatment sites -> ``clinic``.

    ``capacity`` is ``cap_beds`` where given (it is empty for every Norwegian site in the 2020 file,
    so ``weight`` stays 1 per site). Rows without finite lat/lon are counted in
    ``attrs["n_without_position"]``.
    """
    import pandas as pd

    keep = _check_services(services)
    path = _resolve(source)
    df = pd.read_csv(path, dtype={"id": str})
    missing = {"id", "lat", "lon", "public_private"} - set(df.columns)
    if missing:
        msg = f"{path} lacks column(s) {sorted(missing)}; expected the GISCO healthcare CSV layout."
        raise InputError(msg)
    rules = vocabulary("gisco_healthcare")
    df["service"] = [_classify(r, rules) for r in df.astype("string").fillna("").to_dict("records")]
    df = df[df["service"].notna()]
    if keep is not None:
        df = df[df["service"].isin(keep)]
    lon = pd.to_numeric(df["lon"], errors="coerce").to_numpy()
    lat = pd.to_numeric(df["lat"], errors="coerce").to_numpy()
    ok = np.isfinite(lon) & np.isfinite(lat)
    if (~ok).any():
        warnings.warn(f"{path.name}: {int((~ok).sum())} site(s) without lat/lon left out.", DataWarning, stacklevel=2)
    df = df[ok]
    geom, target = _lonlat_to_crs(lon[ok], lat[ok], crs, str(path))
    cap = pd.to_numeric(df.get("cap_beds"), errors="coerce").to_numpy(dtype=float)
    name = df["hospital_name"].fillna("").astype(str).str.strip() if "hospital_name" in df else df["id"]
    rows = {
        "id": ("gisco:" + df["id"].astype(str)).to_numpy(),
        "service": df["service"].to_numpy(),
        "name": name.to_numpy(),
        "weight": np.ones(len(df)),
        "capacity": cap,
        "source": np.full(len(df), "gisco_healthcare_2020"),
        "geometry": geom,
    }
    return _layer(rows, crs=target, provenance={**_PROVENANCE["gisco_healthcare"], "n_without_position": int((~ok).sum())})


def read_oslo_upper_secondary(
    source: str | Path = "services/oslo_upper_secondary_schools_2024.geojson",
    *,
    crs: str | None = "EPSG:25833",
) -> gpd.GeoDataFrame:
    """Oslo's 30 public upper-secondary schools (videregående skoler), 2024, from CRS84 points."""
    import geopandas as gpd

    from geoaccess.crs import to_crs_checked

    path = _resolve(source)
    raw = gpd.read_file(path)
    raw = to_crs_checked(raw, crs or "EPSG:25833", what=str(path))
    empty = raw.geometry.is_empty | raw.geometry.isna()
    raw = raw[~empty]
    name = raw["adr"] if "adr" in raw else raw.get("address", raw.index.astype(str))
    rows = {
        "id": ("oslo_vgs:" + raw["id"].astype(str)).to_numpy() if "id" in raw else raw.index.astype(str).to_numpy(),
        "service": np.full(len(raw), "upper_secondary_school"),
        "name": name.astype(str).to_numpy(),
        "weight": np.ones(len(raw)),
        "capacity": np.full(len(raw), np.nan),
        "source": np.full(len(raw), "oslo_upper_secondary_2024"),
        "geometry": raw.geometry.to_numpy(),
    }
    prov = {**_PROVENANCE["oslo_upper_secondary"], "n_without_position": int(empty.sum()),
            "note": "the file holds addresses only; the school name is the street address"}
    return _layer(rows, crs=raw.crs, provenance=prov)


_OSM_KEYS = ("amenity", "shop", "healthcare", "railway", "public_transport")


def read_osm_services(
    pbf: str | Path,
    *,
    services: Iterable[str] | None = None,
    crs: str | None = None,
) -> gpd.GeoDataFrame:
    """Services from the OSM tags of any PBF/XML file, with pyosmium.

    Nodes give points; ways give the centroid of their nodes (polygon centroid when closed).
    Relations (multipolygon sites) are not assembled; matching relations are counted in
    ``attrs["n_relations_skipped"]``. A station mapped both as a node and as a way appears twice.

    Parameters
    ----------
    pbf
        Dataset name (e.g. ``"osm/tampere.osm.pbf"``) or a local path.
    services
        Keep only these services.
    crs
        Target CRS; default :func:`geoaccess.crs.choose_crs` (EPSG:25833 in Norway, UTM elsewhere).
    """
    import osmium
    import shapely

    keep = _check_services(services)
    path = _resolve(pbf)
    rules = vocabulary("osm")
    ids, svc, names, lons, lats = [], [], [], [], []
    n_rel = 0
    n_bad = 0
    fp = osmium.FileProcessor(str(path)).with_locations().with_filter(osmium.filter.KeyFilter(*_OSM_KEYS))
    for obj in fp:
        tags = {t.k: t.v for t in obj.tags}
        s = _classify(tags, rules)
        if s is None or (keep is not None and s not in keep):
            continue
        if obj.is_relation():
            n_rel += 1
            continue
        if obj.is_node():
            if not obj.location.valid():
                n_bad += 1
                continue
            lon, lat, kind = obj.location.lon, obj.location.lat, "n"
        else:
            xy = np.array([(n.location.lon, n.location.lat) for n in obj.nodes if n.location.valid()])
            if xy.shape[0] == 0:
                n_bad += 1
                continue
            if xy.shape[0] >= 4 and obj.is_closed():
                c = shapely.Polygon(xy).centroid
                lon, lat = (c.x, c.y) if not c.is_empty else xy.mean(axis=0)
            else:
                lon, lat = xy.mean(axis=0)
            kind = "w"
        ids.append(f"osm:{kind}{obj.id}")
        svc.append(s)
        names.append(tags.get("name", ""))
        lons.append(lon)
        lats.append(lat)
    lon_a, lat_a = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
    if lon_a.size == 0:
        msg = f"No services of {sorted(keep) if keep else 'any kind'} found in {path}."
        raise InputError(msg)
    geom, target = _lonlat_to_crs(lon_a, lat_a, crs, str(path))
    rows = {
        "id": np.asarray(ids, dtype=object),
        "service": np.asarray(svc, dtype=object),
        "name": np.asarray(names, dtype=object),
        "weight": np.ones(lon_a.size),
        "capacity": np.full(lon_a.size, np.nan),
        "source": np.full(lon_a.size, f"osm:{path.name}"),
        "geometry": geom,
    }
    prov = {**_PROVENANCE["osm"], "source": f"OpenStreetMap ({path.name})", "n_relations_skipped": n_rel, "n_without_position": n_bad}
    return _layer(rows, crs=target, provenance=prov)


def combine_services(layers: Sequence[gpd.GeoDataFrame], *, crs: str | None = None) -> gpd.GeoDataFrame:
    """Concatenate service layers; mixed CRSs are an error unless ``crs`` is given to transform to.

    Provenance records are kept as a list in ``attrs["provenance"]``.
    """
    import geopandas as gpd
    import pandas as pd

    from geoaccess.crs import check_same_crs, to_crs_checked

    if not layers:
        msg = "No service layers to combine."
        raise InputError(msg)
    names = [str(g.attrs.get("source", f"layer {i}")) for i, g in enumerate(layers)]
    if crs is None:
        check_same_crs(*layers, what=names)
        target = layers[0].crs
    else:
        target = crs
        layers = [to_crs_checked(g, crs, what=n) for g, n in zip(layers, names, strict=True)]
    out = gpd.GeoDataFrame(pd.concat([g[list(COLUMNS)] for g in layers], ignore_index=True), geometry="geometry", crs=target)
    out.attrs["provenance"] = [dict(g.attrs) for g in layers]
    return out


def read_services(
    sources: Sequence[str] = ("etatsbasen", "healthcare", "oslo_upper_secondary"),
    *,
    services: Iterable[str] | None = None,
    osm: str | Path | None = None,
    crs: str = "EPSG:25833",
) -> gpd.GeoDataFrame:
    """All register layers (and optionally OSM) in one GeoDataFrame in ``crs``.

    Parameters
    ----------
    sources
        Any of ``"etatsbasen"``, ``"healthcare"``, ``"oslo_upper_secondary"``.
    services
        Keep only these services.
    osm
        Also read services from this OSM file.
    """
    keep = _check_services(services)
    readers = {
        "etatsbasen": lambda: read_etatsbasen(services=keep),
        "healthcare": lambda: read_healthcare(services=keep, crs=crs),
        "oslo_upper_secondary": lambda: read_oslo_upper_secondary(crs=crs),
    }
    unknown = set(sources) - set(readers)
    if unknown:
        msg = f"Unknown service source(s) {sorted(unknown)}; choose from {sorted(readers)}."
        raise InputError(msg)
    layers = [readers[s]() for s in sources]
    if osm is not None:
        layers.append(read_osm_services(osm, services=keep, crs=crs))
    out = combine_services(layers, crs=crs)
    if keep is not None:
        out = out[out["service"].isin(keep)].reset_index(drop=True)
    return out
