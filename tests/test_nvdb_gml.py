"""Reading NVDB / FKB-Vegnett GML zips: declared CRS, zip member names, members and fields."""

from __future__ import annotations

import io
import warnings
import zipfile

import numpy as np
import nvdb_fixtures as F
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geoaccess.errors import CRSError, CRSWarning, InputError
from geoaccess.network.nvdb_gml import is_fkb_zip, member_name, read_fkb_zip

HAMAR = "roads/hamar_0403_nvdb_fkbvn_2017.zip"


def _zip(tmp_path, srs="EPSG:6173", names="utf-8", name="x.zip"):
    members = {
        "Veglenke.gml": F.gml([F.link("1_0", 1, [(286000, 6746000), (286100, 6746000)], srs=srs)], srs=srs),
        "InnkjøringForbudt.gml": F.gml([F.no_entry("9", [(1, 0, 1)], [(286100, 6746000), (286000, 6746000)], srs=srs)], srs=srs),
        "Høydebegrensning.gml": F.gml([], srs=srs),
    }
    return F.write_zip(tmp_path / name, members, names=names)


def test_epsg_6173_is_read_as_25833_with_one_note(tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ex = read_fkb_zip(_zip(tmp_path))
    notes = [w for w in caught if issubclass(w.category, CRSWarning)]
    assert len(notes) == 1 and "'EPSG:6173'" in str(notes[0].message) and "EPSG:25833" in str(notes[0].message)
    assert "\n" not in str(notes[0].message)
    xy = ex.layers["Veglenke"].geometry[0].coords
    assert list(xy) == [(286000.0, 6746000.0), (286100.0, 6746000.0)]  # unchanged, heights dropped
    assert ex.declared_crs == ["EPSG:6173"]


@pytest.mark.parametrize("srs", ["EPSG:990001", "urn:ogc:def:crs:EPSG::990001", "Hamar lokal"])
def test_an_unresolvable_crs_other_than_6173_is_refused_naming_it(tmp_path, srs):
    with pytest.raises(CRSError) as err:
        read_fkb_zip(_zip(tmp_path, srs=srs))
    msg = str(err.value)
    assert f"srsName={srs!r}" in msg and "Veglenke.gml" in msg and "\n" not in msg


def test_a_resolvable_crs_is_transformed_to_25833(tmp_path):
    from pyproj import Transformer

    ex = read_fkb_zip(F.write_zip(tmp_path / "z.zip", {
        "Veglenke.gml": F.gml([F.link("1_0", 1, [(600000, 6740000), (600100, 6740000)], srs="EPSG:25832")], srs="EPSG:25832")}))
    got = np.array(ex.layers["Veglenke"].geometry[0].coords)
    x, y = Transformer.from_crs(25832, 25833, always_xy=True).transform([600000, 600100], [6740000, 6740000])
    np.testing.assert_allclose(got, np.column_stack([x, y]), atol=1e-6)


def test_a_member_without_srsname_is_refused(tmp_path):
    text = F.gml([F.link("1_0", 1, [(0, 0), (1, 0)])]).replace('srsName="EPSG:6173"', "")
    with pytest.raises(CRSError, match=r"member 'Veglenke.gml' declares no srsName"):
        read_fkb_zip(F.write_zip(tmp_path / "z.zip", {"Veglenke.gml": text}))


@pytest.mark.parametrize("names", ["dos", "utf-8"])
def test_member_names_in_dos_or_utf8_are_decoded_and_read(tmp_path, names):
    path = _zip(tmp_path, names=names)
    raw = {i.filename for i in zipfile.ZipFile(path).infolist()}
    if names == "dos":  # what the zip standard (CP437) makes of the CP865 bytes
        assert "Innkj¢ringForbudt.gml" in raw
    else:
        assert "InnkjøringForbudt.gml" in raw
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CRSWarning)
        ex = read_fkb_zip(path)
    assert ex.members == {"Veglenke": "Veglenke.gml", "InnkjøringForbudt": "InnkjøringForbudt.gml"}
    assert ex.ignored == ["Høydebegrensning.gml"]  # no features: not a feature type geoaccess reads
    assert len(ex.layers["InnkjøringForbudt"].extents) == 1
    assert is_fkb_zip(path)


def test_the_hamar_member_names_are_cp865_bytes(dataset):
    with zipfile.ZipFile(dataset(HAMAR)) as zf:
        infos = zf.infolist()
    assert not any(i.flag_bits & 0x800 for i in infos)
    names = sorted(member_name(i) for i in infos)
    assert "InnkjøringForbudt.gml" in names and "Høydebegrensning.gml" in names and "Gågatereguleringer.gml" in names
    assert "H¢ydebegrensning.gml" in {i.filename for i in infos}  # strict CP437 gets ø wrong


def test_not_a_zip_or_no_road_links_is_refused(tmp_path):
    (tmp_path / "a.zip").write_text("not a zip")
    with pytest.raises(InputError, match="is not a zip file"):
        read_fkb_zip(tmp_path / "a.zip")
    path = F.write_zip(tmp_path / "b.zip", {"Fartsgrense.gml": F.gml([F.speed("1", 50, [(1, 0, 1)], [(0, 0), (1, 0)])])})
    assert not is_fkb_zip(path)
    with pytest.raises(InputError, match=r"has no Veglenke \(road link\) GML member; its GML members are \['Fartsgrense.gml'\]"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CRSWarning)
            read_fkb_zip(path)


def test_a_broken_gml_member_is_named(tmp_path):
    text = F.gml([F.link("1_0", 1, [(0, 0), (1, 0)])])
    path = F.write_zip(tmp_path / "z.zip", {"Veglenke.gml": text[: len(text) // 2]})
    with pytest.raises(InputError, match=r"member 'Veglenke.gml': GDAL cannot read it as Veglenke GML"), warnings.catch_warnings():
        warnings.simplefilter("ignore", CRSWarning)
        read_fkb_zip(path)


def test_hamar_layers_and_fields(dataset):
    with pytest.warns(CRSWarning, match="EPSG:6173"):
        ex = read_fkb_zip(dataset(HAMAR))
    lay = ex.layers
    assert len(lay["Veglenke"].table) == 8594
    assert set(lay) == {"Veglenke", "Fartsgrense", "InnkjøringForbudt", "Gågatereguleringer", "Trafikkreguleringer",
                        "Vegsperring", "Svingerestriksjon"}
    assert sorted(ex.ignored) == ["FunksjonellVegklasse.gml", "Høydebegrensning.gml", "Jernbanekryssing.gml"]
    # the export repeats multi-part objects as features _0, _1, ...: 34 turn-restriction features, 17 objects
    assert len(lay["Svingerestriksjon"].table) == 34 and lay["Svingerestriksjon"].table["lokal_id"].nunique() == 17
    assert lay["InnkjøringForbudt"].table["lokal_id"].nunique() == 713
    assert len(lay["Vegsperring"].table) == 50
    # list fields are exploded: 3,429 speed-limit extents on link sequences from 3,128 features
    assert len(lay["Fartsgrense"].extents) == 3429
    assert set(lay["Fartsgrense"].extents["retning"]) == {"med"}
    v = lay["Veglenke"].table
    assert set(v["type_veg"]) == {"enkelBilveg", "gangOgSykkelveg", "kanalisertVeg", "trapp"}
    x0, y0, x1, y1 = np.array([g.bounds for g in lay["Veglenke"].geometry]).T
    assert x0.min() > 283_000 and x1.max() < 298_000 and y0.min() > 6_743_000 and y1.max() < 6_782_000


_NAME_CHARS = st.sampled_from(list("abcdefghijklmnopqrstuvwxyzæøåÆØÅ"))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(_NAME_CHARS, min_size=1, max_size=12), min_size=1, max_size=4, unique=True),
       st.sampled_from(["dos", "utf-8"]))
def test_member_name_recovers_norwegian_names_either_way(stems, names):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for s in stems:
            info = F._DosName(f"{s}.gml") if names == "dos" else zipfile.ZipInfo(f"{s}.gml")
            zf.writestr(info, b"x")
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        assert sorted(member_name(i) for i in zf.infolist()) == sorted(f"{s}.gml" for s in stems)


def test_the_hamar_export_rezipped_with_utf8_names_gives_the_same_network(dataset, tmp_path):
    from geoaccess.network.nvdb_network import read_nvdb_gml

    src = dataset(HAMAR)
    out = tmp_path / "hamar_utf8.zip"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(zipfile.ZipInfo(member_name(info)), zin.read(info))
    assert all(i.flag_bits & 0x800 for i in zipfile.ZipFile(out).infolist() if not i.filename.isascii())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = read_nvdb_gml(src), read_nvdb_gml(out)
    assert (a.n_nodes, a.n_edges) == (b.n_nodes, b.n_edges)
    assert np.array_equal(a.indices, b.indices) and np.array_equal(a.seconds, b.seconds)
    assert a.meta["nvdb"]["members"] == b.meta["nvdb"]["members"]
    assert a.meta["nvdb"]["no_entry_objects"] == b.meta["nvdb"]["no_entry_objects"] == 713
