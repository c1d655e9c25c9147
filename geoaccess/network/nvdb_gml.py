"""Reading an NVDB / FKB-Vegnett GML export (a zip of one GML file per feature type).

The files are parsed by GDAL's GML driver (through :mod:`pyogrio`) with a fixed
``GFS_TEMPLATE`` per feature type, so field names and list types do not depend on what
GDAL would infer from each file (it names a field by the shortest unique XML path and
makes it a list only when some feature repeats the element).

Two traps of the real Hamar export are handled explicitly:

* **CRS.** Every geometry declares ``srsName="EPSG:6173"``: in the EPSG registry that is
  *ETRS89 / UTM zone 33N + NN54 height*; recent GDAL builds translate it to the
  EPSG v12 code ``EPSG:11023``, which older PROJ databases (e.g. pyproj's) do not know. The
  declared name is read from the file itself, ``EPSG:6173`` is recognised as EPSG:25833 plus
  heights (heights are dropped) with one :class:`~geoaccess.errors.CRSWarning`; any other
  declared CRS must be resolvable by PROJ (it is then transformed to EPSG:25833), otherwise
  the file is refused with a :class:`~geoaccess.errors.CRSError` naming the declared name.
* **Zip member names.** The names are stored as DOS code-page bytes without the zip's
  UTF-8 flag. The zip standard says CP437, which turns ``ø`` (byte 0x9B) into ``¢``
  (``H¢ydebegrensning.gml``); the bytes are in fact CP865 (the Nordic DOS page, equal to
  CP437 except for ``ø``, ``Ø`` and ``¤``). Member names are decoded as UTF-8 when the flag is
  set or the bytes are valid UTF-8, else as CP865; members are *identified* by the feature type
  of their first feature (e.g. ``InnkjøringForbudt``, read from the UTF-8 XML), never by name.

Feature types read (others, e.g. ``Høydebegrensning``, ``Jernbanekryssing`` and
``FunksjonellVegklasse``, are listed as ignored): ``Veglenke`` (road links, required),
``Fartsgrense``, ``InnkjøringForbudt``, ``Gågatereguleringer``, ``Trafikkreguleringer``
(linear objects on link sequences), ``Vegsperring`` and ``Svingerestriksjon`` (point objects).
See ``docs/nvdb.md`` for every field used.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from geoaccess.errors import CRSError, CRSWarning, InputError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

__all__ = [
    "FEATURE_TYPES",
    "FkbExport",
    "LinearLayer",
    "declared_crs",
    "is_fkb_zip",
    "member_name",
    "read_fkb_zip",
]

_EXTENT = "lineærPosisjon|LineærPosisjonStrekning|"
_POINT = "lineærPosisjon|LineærPosisjonPunkt|"
_ID = ("lokal_id", "identifikasjon|Identifikasjon|lokalId", "String")


def _extent_fields(prefix: str, kind: str) -> tuple[tuple[str, str, str], ...]:
    if kind == "line":
        return (
            ("sekvens", prefix + "lenkesekvens|Identifikasjon|lokalId", "IntegerList"),
            ("fra", prefix + "fraPosisjon", "RealList"),
            ("til", prefix + "tilPosisjon", "RealList"),
            ("retning", prefix + "retning", "StringList"),
        )
    return (
        ("sekvens", prefix + "lenkesekvens|Identifikasjon|lokalId", "IntegerList"),
        ("fra", prefix + "posisjon", "RealList"),
    )


FEATURE_TYPES: dict[str, tuple[str, str, tuple[tuple[str, str, str], ...]]] = {
    # feature type: (geometry element, geometry kind, fields (name, GML element path, GDAL type))
    "Veglenke": ("senterlinje", "line", (
        _ID,
        ("sekvens", "lenkesekvens|Identifikasjon|lokalId", "Integer"),
        ("start", "startposisjon", "Real"),
        ("slutt", "sluttposisjon", "Real"),
        ("feltoversikt", "feltoversikt", "String"),
        ("konnektering", "konnekteringslenke", "String"),
        ("type_veg", "typeVeg", "String"),
        ("detaljniva", "detaljnivå", "String"),
        ("medium", "medium", "String"),
        ("vegkategori", "vegreferanse|Vegreferanse|vegkategori", "String"),
        ("vegnummer", "vegreferanse|Vegreferanse|vegnummer", "Integer"),
        ("vegstatus", "vegreferanse|Vegreferanse|vegstatus", "String"),
        ("adressenavn", "veglenkeadresse|Veglenkeadresse|adressenavn", "String"),
    )),
    "Fartsgrense": ("senterlinje", "line", (_ID, ("verdi", "fartsgrenseVerdi", "Integer"),
                                            *_extent_fields(_EXTENT, "line"))),
    "InnkjøringForbudt": ("senterlinje", "line", (_ID, *_extent_fields(_EXTENT, "line"))),
    "Gågatereguleringer": ("senterlinje", "line", (_ID, *_extent_fields(_EXTENT, "line"))),
    "Trafikkreguleringer": ("senterlinje", "line", (_ID, ("regulering", "trafikkreguleringer", "String"),
                                                    *_extent_fields(_EXTENT, "line"))),
    "Vegsperring": ("posisjon", "point", (_ID, ("type", "type", "String"), *_extent_fields(_POINT, "point"))),
    "Svingerestriksjon": ("posisjon", "point", (
        _ID,
        ("fra_sekvens", "svingeforbudFra|LineærPosisjonPunkt|lenkesekvens|Identifikasjon|lokalId", "Integer"),
        ("fra_posisjon", "svingeforbudFra|LineærPosisjonPunkt|posisjon", "Real"),
        ("til_sekvens", "svingeforbudTil|LineærPosisjonPunkt|lenkesekvens|Identifikasjon|lokalId", "Integer"),
        ("til_posisjon", "svingeforbudTil|LineærPosisjonPunkt|posisjon", "Real"),
    )),
}
"""The feature types geoaccess reads, with the GML paths of the fields it uses."""

_GEOM_CODE = {"line": 2, "point": 1}
_HEAD_BYTES = 1 << 16
_FEATURE_RE = re.compile(r"<(?:[\w.-]+:)?(?:featureMember|member)\b[^>]*>\s*<(?:[\w.-]+:)?([^\s>/:]+)[\s>]")
_SRS_RE = re.compile(r'srsName\s*=\s*"([^"]+)"')
_ENCODING_RE = re.compile(rb'<\?xml[^>]*encoding\s*=\s*["\']([\w.-]+)["\']')
_EPSG_RE = re.compile(r"EPSG(?::+|/\d+/|\.xml#)(\d+)\s*$", re.IGNORECASE)


class LinearLayer(NamedTuple):
    """One feature type of the export, in EPSG:25833.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per GML feature, with the scalar fields of :data:`FEATURE_TYPES` (list fields are
        exploded into ``extents``) and ``member`` (the zip member it came from).
    geometry : numpy.ndarray of shapely geometries, shape (rows,)
        2D geometry per feature (``None`` where the feature has none).
    extents : pandas.DataFrame
        One row per linear position: ``row`` (into ``table``), ``sekvens`` (link sequence id),
        ``fra``/``til`` (normalised positions 0..1 on the sequence; equal for point objects) and
        ``retning`` (line objects).
    """

    table: pd.DataFrame
    geometry: np.ndarray
    extents: pd.DataFrame


class FkbExport(NamedTuple):
    """The feature types read from one zip, keyed by feature type name.

    Attributes
    ----------
    layers : dict of str to LinearLayer
        Feature types found (``Veglenke`` always).
    members : dict of str to str
        Feature type → decoded zip member name(s), ``", "``-joined.
    ignored : list of str
        Decoded names of members not read (other feature types, non-GML files).
    declared_crs : list of str
        The distinct ``srsName`` values the members declare.
    source : str
        Path of the zip.
    """

    layers: dict[str, LinearLayer]
    members: dict[str, str]
    ignored: list[str]
    declared_crs: list[str]
    source: str


def member_name(info: zipfile.ZipInfo) -> str:
    """Decoded name of a zip member: UTF-8 when flagged or valid, else CP865 (Nordic DOS code page)."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:  # zipfile decoded it some other way (metadata_encoding)
        return info.filename
    if raw.isascii():
        return info.filename
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp865")


def _head(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    with zf.open(info) as fh:
        raw = fh.read(_HEAD_BYTES)
    m = _ENCODING_RE.search(raw[:200])
    enc = m.group(1).decode("ascii") if m else "utf-8"
    try:
        return raw.decode(enc, errors="replace")
    except LookupError:
        return raw.decode("utf-8", errors="replace")


def _feature_type(head: str) -> str | None:
    m = _FEATURE_RE.search(head)
    return m.group(1) if m else None


def declared_crs(head: str) -> str | None:
    """The first ``srsName`` declared in a GML text, or ``None``."""
    m = _SRS_RE.search(head)
    return m.group(1).strip() if m else None


def _epsg_code(declared: str) -> int | None:
    m = _EPSG_RE.search(declared)
    return int(m.group(1)) if m else None


def _resolve_crs(declared: str, *, what: str) -> Any:
    """``None`` when the coordinates are EPSG:25833 already, else the pyproj CRS to transform from."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError as ProjCRSError

    if _epsg_code(declared) in (6173, 25833, 5973):  # UTM 33N (+ a height system): no transform
        return None
    try:
        crs = CRS.from_user_input(declared)
    except ProjCRSError:
        msg = (
            f"{what} declares srsName={declared!r}, which PROJ cannot resolve (geoaccess recognises only "
            f"EPSG:6173 explicitly, as EPSG:25833 plus heights). Re-export the data in EPSG:25833 "
            f"(ETRS89 / UTM 33N), or correct the srsName."
        )
        raise CRSError(msg) from None
    if crs.is_compound:
        crs = crs.sub_crs_list[0]
    if not (crs.is_projected or crs.is_geographic):
        msg = f"{what} declares srsName={declared!r} ({crs.name}), which is not a horizontal CRS; re-export in EPSG:25833."
        raise CRSError(msg)
    return None if crs.to_epsg() == 25833 else crs


def _template(feature: str) -> str:
    geom_el, kind, fields = FEATURE_TYPES[feature]
    props = "".join(
        f"<PropertyDefn><Name>{name}</Name><ElementPath>{path}</ElementPath><Type>{typ}</Type></PropertyDefn>"
        for name, path, typ in fields
    )
    return (
        f"<GMLFeatureClassList><GMLFeatureClass><Name>{feature}</Name><ElementPath>{feature}</ElementPath>"
        f"<GeometryName>{geom_el}</GeometryName><GeometryElementPath>{geom_el}</GeometryElementPath>"
        f"<GeometryType>{_GEOM_CODE[kind]}</GeometryType>{props}</GMLFeatureClass></GMLFeatureClassList>"
    )


def _read_arrow(data: bytes, feature: str, folder: str, *, what: str) -> tuple[str | None, pa.Table]:
    import pyogrio
    import pyogrio.errors as perr

    tpl = os.path.join(folder, f"{len(os.listdir(folder))}.gfs")
    Path(tpl).write_text(_template(feature), encoding="utf-8")
    try:
        meta, table = pyogrio.read_arrow(io.BytesIO(data), GFS_TEMPLATE=tpl)
    except (perr.DataSourceError, perr.DataLayerError, perr.FeatureError, perr.FieldError,
            perr.GeometryError) as exc:
        msg = (f"{what}: GDAL cannot read it as {feature} GML ({str(exc).splitlines()[0]}). "
               f"Check that it is an unbroken NVDB/FKB-Vegnett GML file.")
        raise InputError(msg) from None
    return meta.get("geometry_name") or None, table


def _to_layer(geom_col: str | None, table: pa.Table, feature: str, member: str, crs: Any, *, what: str) -> LinearLayer:
    import pandas as pd
    import pyarrow.compute as pc
    import shapely

    fields = FEATURE_TYPES[feature][2]
    names = set(table.column_names)
    has_geom = geom_col is not None and geom_col in names
    wkb = table.column(geom_col).to_numpy(zero_copy_only=False) if has_geom else np.full(table.num_rows, None)
    geometry = shapely.force_2d(shapely.from_wkb(wkb))
    if crs is not None and table.num_rows:
        from pyproj import Transformer

        tr = Transformer.from_crs(crs, "EPSG:25833", always_xy=True)
        geometry = shapely.transform(geometry, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
    scalars = {}
    for name, _, typ in fields:
        if name not in names:
            scalars[name] = np.full(table.num_rows, None, dtype=object)
        elif not typ.endswith("List"):
            scalars[name] = table.column(name).to_numpy(zero_copy_only=False)
    frame = pd.DataFrame(scalars)
    frame["gml_id"] = table.column("gml_id").to_numpy(zero_copy_only=False) if "gml_id" in names else None
    frame["member"] = member
    lists = [f[0] for f in fields if f[2].endswith("List")]
    ext = pd.DataFrame({"row": np.zeros(0, np.int64), "sekvens": np.zeros(0, np.int64),
                        "fra": np.zeros(0), "til": np.zeros(0), "retning": np.zeros(0, dtype=object)})
    if lists and "sekvens" in names and table.num_rows:
        seq = table.column("sekvens").combine_chunks()
        parent = pc.list_parent_indices(seq).to_numpy()
        cols: dict[str, np.ndarray] = {"row": parent.astype(np.int64),
                                       "sekvens": pc.list_flatten(seq).to_numpy(zero_copy_only=False)}
        lens = pc.list_value_length(seq).fill_null(0).to_numpy()
        for name in lists[1:]:
            if name not in names:
                continue
            col = table.column(name).combine_chunks()
            other = pc.list_value_length(col).fill_null(0).to_numpy()
            if np.any(other != lens) and name != "retning":
                bad = int(np.flatnonzero(other != lens)[0])
                msg = (f"{what}: feature {frame['gml_id'].iloc[bad]} has {lens[bad]} link sequences but "
                       f"{other[bad]} values of {name!r}; its linear positions cannot be read.")
                raise InputError(msg)
            if name == "retning" and np.any(other != lens):
                continue
            cols[name] = pc.list_flatten(col).to_numpy(zero_copy_only=False)
        ext = pd.DataFrame(cols)
        ext["sekvens"] = ext["sekvens"].astype(np.int64)
        if "til" not in ext:
            ext["til"] = ext["fra"]
        if "retning" not in ext:
            ext["retning"] = None
        ext = ext[["row", "sekvens", "fra", "til", "retning"]]
    return LinearLayer(table=frame, geometry=geometry, extents=ext)


def is_fkb_zip(path: str | os.PathLike[str]) -> bool:
    """``True`` for a zip with a GML member whose features are NVDB/FKB-Vegnett ``Veglenke`` road links."""
    path = Path(path)
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if member_name(info).lower().endswith(".gml") and _feature_type(_head(zf, info)) == "Veglenke":
                return True
    return False


def read_fkb_zip(path: str | os.PathLike[str]) -> FkbExport:
    """Read the feature types of :data:`FEATURE_TYPES` from an NVDB/FKB-Vegnett GML zip.

    Parameters
    ----------
    path
        The ``.zip``, e.g. ``roads/hamar_0403_nvdb_fkbvn_2017.zip``.

    Returns
    -------
    FkbExport
        Every geometry in EPSG:25833 (metres), heights dropped.

    Raises
    ------
    InputError
        Not a zip, no ``Veglenke`` member, or a member GDAL cannot parse.
    CRSError
        A member declares no ``srsName``, or one PROJ cannot resolve that is not ``EPSG:6173``.

    Warns
    -----
    CRSWarning
        Once per file when it declares ``EPSG:6173`` (read as EPSG:25833, heights dropped).
    """
    import pandas as pd

    path = Path(path)
    if not zipfile.is_zipfile(path):
        msg = f"{path} is not a zip file; an NVDB/FKB-Vegnett export is a zip of GML files (Veglenke.gml, Fartsgrense.gml, ...)."
        raise InputError(msg)
    layers: dict[str, list[LinearLayer]] = {}
    members: dict[str, list[str]] = {}
    ignored: list[str] = []
    declared: list[str] = []
    with zipfile.ZipFile(path) as zf, tempfile.TemporaryDirectory(prefix="geoaccess-gfs-") as folder:
        for info in zf.infolist():
            name = member_name(info)
            if info.is_dir():
                continue
            if not name.lower().endswith(".gml"):
                ignored.append(name)
                continue
            head = _head(zf, info)
            feature = _feature_type(head)
            if feature not in FEATURE_TYPES:
                ignored.append(name)
                continue
            what = f"{path} member {name!r}"
            srs = declared_crs(head)
            if srs is None:
                msg = (f"{what} declares no srsName on its geometries; geoaccess does not guess a CRS. "
                       f"Re-export it with srsName=\"EPSG:25833\".")
                raise CRSError(msg)
            crs = _resolve_crs(srs, what=what)
            if srs not in declared:
                declared.append(srs)
            geom_col, table = _read_arrow(zf.read(info), feature, folder, what=what)
            layers.setdefault(feature, []).append(_to_layer(geom_col, table, feature, name, crs, what=what))
            members.setdefault(feature, []).append(name)
    if "Veglenke" not in layers:
        msg = (f"{path} has no Veglenke (road link) GML member; its GML members are "
               f"{sorted(n for v in members.values() for n in v) or 'none'} and it also holds {ignored}.")
        raise InputError(msg)
    six = [d for d in declared if _epsg_code(d) == 6173]
    if six:
        warnings.warn(
            f"{path}: srsName {six[0]!r} (ETRS89 / UTM 33N + heights) is read as EPSG:25833; heights are dropped.",
            CRSWarning,
            stacklevel=2,
        )
    merged = {}
    for feature, parts in layers.items():
        offsets = np.cumsum([0] + [len(p.table) for p in parts[:-1]])
        ext = pd.concat([p.extents.assign(row=p.extents["row"] + off) for p, off in zip(parts, offsets, strict=True)],
                        ignore_index=True)
        merged[feature] = LinearLayer(
            table=pd.concat([p.table for p in parts], ignore_index=True),
            geometry=np.concatenate([p.geometry for p in parts]),
            extents=ext,
        )
    return FkbExport(
        layers=merged,
        members={k: ", ".join(v) for k, v in members.items()},
        ignored=ignored,
        declared_crs=declared,
        source=str(path),
    )
