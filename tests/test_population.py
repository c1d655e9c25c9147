"""The SSB 250 m population grid reader and the raster export, on the real Oslo 2023 grid."""

from __future__ import annotations

import shutil
import warnings

import numpy as np
import pytest

from geoaccess.errors import CRSError


@pytest.fixture(scope="module")
def oslo_grid(dataset):
    from geoaccess.layers.population import read_ssb_grid

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return read_ssb_grid(dataset("population/befolkning_250m_2023_oslo.shp"))


def test_reads_oslo_grid_with_manifest_totals(oslo_grid):
    # MANIFEST: 2,380 cells, 707,339 people.
    assert len(oslo_grid) == 2380
    assert oslo_grid["population"].sum() == pytest.approx(707_339)
    assert list(oslo_grid.columns) == ["cell_id", "population", "geometry"]
    assert oslo_grid.crs.to_epsg() == 25833
    assert oslo_grid["cell_id"].is_unique
    assert oslo_grid["cell_id"].map(type).eq(str).all()
    prov = oslo_grid.attrs["provenance"]
    assert prov["licence"] == "CC BY 4.0 (SSB)" and prov["year"] == 2023


def test_cells_are_250m_squares(oslo_grid):
    area = oslo_grid.geometry.area.to_numpy()
    np.testing.assert_allclose(area, 250.0 * 250.0, rtol=1e-6)


def test_cell_id_encodes_south_west_corner(oslo_grid):
    # SSB ru250m id = (2_000_000 + x_sw) * 10_000_000 + y_sw (hand-decoded from the published scheme)
    ids = oslo_grid["cell_id"].astype("int64").to_numpy()
    b = oslo_grid.geometry.bounds
    expect = (2_000_000 + b["minx"].round().astype("int64")) * 10_000_000 + b["miny"].round().astype("int64")
    assert (ids == expect.to_numpy()).mean() > 0.99


def test_unknown_datum_prj_resolved_with_warning(dataset, fresh_once_warnings):
    from geoaccess.errors import CRSWarning
    from geoaccess.layers.population import read_ssb_grid

    with pytest.warns(CRSWarning, match="unknown"):
        g = read_ssb_grid(dataset("population/befolkning_250m_2023_oslo.shp"), as_points=True)
    assert g.crs.to_epsg() == 25833
    assert set(g.geom_type) == {"Point"}


def test_layer_without_prj_is_refused(dataset, tmp_path):
    from geoaccess.layers.population import read_ssb_grid

    src = dataset("population/befolkning_250m_2023_oslo.shp")
    for ext in (".shp", ".shx", ".dbf"):
        shutil.copy(src.with_suffix(ext), tmp_path / f"noprj{ext}")
    with pytest.raises(CRSError, match="no CRS"):
        read_ssb_grid(tmp_path / "noprj.shp")


def test_grid_to_raster_round_trip_totals(oslo_grid, tmp_path):
    import rasterio

    from geoaccess.layers.population import grid_to_raster

    path = grid_to_raster(oslo_grid, tmp_path / "pop.tif")
    with rasterio.open(path) as r:
        data = r.read(1).astype(np.float64)
        assert r.res == (250.0, 250.0)
        assert r.crs.to_epsg() == 25833
        # the value at each cell centre equals the cell's population
        c = oslo_grid.geometry.centroid
        vals = np.array([v[0] for v in r.sample(zip(c.x, c.y, strict=False))])
    assert data.sum() == pytest.approx(707_339)
    np.testing.assert_allclose(vals, oslo_grid["population"].to_numpy())
    assert not list(tmp_path.glob("*.tmp*")) and len(list(tmp_path.iterdir())) == 1
