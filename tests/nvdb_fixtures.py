"""Small synthetic NVDB / FKB-Vegnett GML zips for unit tests (not a test module).

The XML follows the structure of the real Hamar export (``roads/hamar_0403_nvdb_fkbvn_2017.zip``):
``fkbvn:`` feature types, ``identifikasjon/Identifikasjon/lokalId``, linear positions in
``lineærPosisjon/LineærPosisjonStrekning`` (lines) or ``LineærPosisjonPunkt`` (points).
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path

_NS = ('xmlns:gml="http://www.opengis.net/gml/3.2" '
       'xmlns:fkbvn="https://raw.githubusercontent.com/jetgeo/NVDBGML/master/XSD/NVDB"')
_count = [0]


def _gid() -> str:
    _count[0] += 1
    return f"t{_count[0]}"


def _ident(lokal: str) -> str:
    return f"<fkbvn:identifikasjon><fkbvn:Identifikasjon><fkbvn:lokalId>{lokal}</fkbvn:lokalId></fkbvn:Identifikasjon></fkbvn:identifikasjon>"


def _line(coords: Sequence[tuple[float, float]], srs: str) -> str:
    pos = " ".join(f"{x} {y} 100.0" for x, y in coords)
    return (f'<gml:LineString gml:id="{_gid()}" srsName="{srs}" srsDimension="3"><gml:posList>{pos}</gml:posList>'
            f"</gml:LineString>")


def _point(xy: tuple[float, float], srs: str) -> str:
    return f'<gml:Point gml:id="{_gid()}" srsName="{srs}" srsDimension="3"><gml:pos>{xy[0]} {xy[1]} 100.0</gml:pos></gml:Point>'


def _seq(seq: int) -> str:
    return f"<fkbvn:lenkesekvens><fkbvn:Identifikasjon><fkbvn:lokalId>{seq}</fkbvn:lokalId></fkbvn:Identifikasjon></fkbvn:lenkesekvens>"


def _extents(extents: Sequence[tuple[int, float, float]]) -> str:
    return "".join(
        f"<fkbvn:lineærPosisjon><fkbvn:LineærPosisjonStrekning>{_seq(s)}"
        f"<fkbvn:lineærReferanseMetode>normalisert</fkbvn:lineærReferanseMetode><fkbvn:retning>med</fkbvn:retning>"
        f"<fkbvn:fraPosisjon>{a}</fkbvn:fraPosisjon><fkbvn:tilPosisjon>{b}</fkbvn:tilPosisjon>"
        f"</fkbvn:LineærPosisjonStrekning></fkbvn:lineærPosisjon>"
        for s, a, b in extents
    )


def link(lokal: str, seq: int, coords: Sequence[tuple[float, float]], *, start: float = 0.0, end: float = 1.0,
         lanes: str | None = "1#2", type_veg: str = "enkelBilveg", cat: str = "K", number: int = 1,
         status: str = "V", srs: str = "EPSG:6173") -> str:
    """A ``Veglenke`` feature."""
    felt = f"<fkbvn:feltoversikt>{lanes}</fkbvn:feltoversikt>" if lanes else ""
    return (
        f'<fkbvn:Veglenke gml:id="{_gid()}">{_ident(lokal)}{_seq(seq)}'
        f"<fkbvn:startposisjon>{start}</fkbvn:startposisjon><fkbvn:sluttposisjon>{end}</fkbvn:sluttposisjon>{felt}"
        f"<fkbvn:senterlinje>{_line(coords, srs)}</fkbvn:senterlinje><fkbvn:typeVeg>{type_veg}</fkbvn:typeVeg>"
        f"<fkbvn:vegreferanse><fkbvn:Vegreferanse><fkbvn:vegkategori>{cat}</fkbvn:vegkategori>"
        f"<fkbvn:vegnummer>{number}</fkbvn:vegnummer><fkbvn:vegstatus>{status}</fkbvn:vegstatus>"
        f"</fkbvn:Vegreferanse></fkbvn:vegreferanse></fkbvn:Veglenke>"
    )


def speed(lokal: str, kmh: int, extents: Sequence[tuple[int, float, float]], coords: Sequence[tuple[float, float]],
          *, srs: str = "EPSG:6173") -> str:
    """A ``Fartsgrense`` feature along ``coords`` placed on ``extents`` (sequence, from, to)."""
    return (f'<fkbvn:Fartsgrense gml:id="{_gid()}">{_ident(lokal)}<fkbvn:fartsgrenseVerdi>{kmh}</fkbvn:fartsgrenseVerdi>'
            f"<fkbvn:senterlinje>{_line(coords, srs)}</fkbvn:senterlinje>{_extents(extents)}</fkbvn:Fartsgrense>")


def no_entry(lokal: str, extents: Sequence[tuple[int, float, float]], coords: Sequence[tuple[float, float]],
             *, srs: str = "EPSG:6173") -> str:
    """An ``InnkjøringForbudt`` feature: entry forbidden in the direction ``coords`` run."""
    return (f'<fkbvn:InnkjøringForbudt gml:id="{_gid()}">{_ident(lokal)}'
            f"<fkbvn:senterlinje>{_line(coords, srs)}</fkbvn:senterlinje>{_extents(extents)}</fkbvn:InnkjøringForbudt>")


def regulation(lokal: str, value: str, extents: Sequence[tuple[int, float, float]],
               coords: Sequence[tuple[float, float]], *, srs: str = "EPSG:6173") -> str:
    """A ``Trafikkreguleringer`` feature."""
    return (f'<fkbvn:Trafikkreguleringer gml:id="{_gid()}">{_ident(lokal)}'
            f"<fkbvn:trafikkreguleringer>{value}</fkbvn:trafikkreguleringer>"
            f"<fkbvn:senterlinje>{_line(coords, srs)}</fkbvn:senterlinje>{_extents(extents)}</fkbvn:Trafikkreguleringer>")


def barrier(lokal: str, seq: int, pos: float, xy: tuple[float, float], *, kind: str | None = "bilsperre",
            srs: str = "EPSG:6173") -> str:
    """A ``Vegsperring`` point feature."""
    typ = f"<fkbvn:type>{kind}</fkbvn:type>" if kind else ""
    return (f'<fkbvn:Vegsperring gml:id="{_gid()}">{_ident(lokal)}{typ}<fkbvn:posisjon>{_point(xy, srs)}</fkbvn:posisjon>'
            f"<fkbvn:lineærPosisjon><fkbvn:LineærPosisjonPunkt>{_seq(seq)}"
            f"<fkbvn:lineærReferanseMetode>normalisert</fkbvn:lineærReferanseMetode><fkbvn:posisjon>{pos}</fkbvn:posisjon>"
            f"</fkbvn:LineærPosisjonPunkt></fkbvn:lineærPosisjon></fkbvn:Vegsperring>")


def turn(lokal: str, from_seq: int, from_pos: float, to_seq: int, to_pos: float, xy: tuple[float, float],
         *, srs: str = "EPSG:6173") -> str:
    """A ``Svingerestriksjon`` (no turn from the from-point to the to-point)."""
    def point(tag: str, seq: int, pos: float) -> str:
        return (f"<fkbvn:{tag}><fkbvn:LineærPosisjonPunkt>{_seq(seq)}<fkbvn:posisjon>{pos}</fkbvn:posisjon>"
                f"</fkbvn:LineærPosisjonPunkt></fkbvn:{tag}>")

    return (f'<fkbvn:Svingerestriksjon gml:id="{_gid()}">{_ident(lokal)}<fkbvn:posisjon>{_point(xy, srs)}</fkbvn:posisjon>'
            f"{point('svingeforbudFra', from_seq, from_pos)}{point('svingeforbudTil', to_seq, to_pos)}</fkbvn:Svingerestriksjon>")


def gml(features: Sequence[str], *, srs: str = "EPSG:6173") -> str:
    """A GML feature collection of the given features."""
    members = "".join(f"<gml:featureMember>{f}</gml:featureMember>" for f in features)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<gml:FeatureCollection {_NS} gml:id="{_gid()}">'
            f'<gml:boundedBy><gml:Envelope srsName="{srs}" srsDimension="3"><gml:lowerCorner>0 0 0</gml:lowerCorner>'
            f"<gml:upperCorner>1 1 1</gml:upperCorner></gml:Envelope></gml:boundedBy>{members}</gml:FeatureCollection>")


class _DosName(zipfile.ZipInfo):
    """A zip member whose name is stored as CP865 bytes without the UTF-8 flag (as in the Hamar export)."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:
        return self.filename.encode("cp865"), self.flag_bits & ~0x800


def write_zip(path: Path, members: dict[str, str], *, names: str = "utf-8") -> Path:
    """Write ``members`` (name → text) to a zip, names stored as UTF-8 (flagged) or DOS CP865 bytes."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in members.items():
            info = _DosName(name) if names == "dos" else zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode("utf-8"))
    return path
