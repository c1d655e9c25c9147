"""The dataset registry: resolution, SHA-256 verification and clear errors."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from geoaccess import datasets
from geoaccess.errors import DataIntegrityError, DataNotFoundError

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def test_manifest_matches_shared_copy():
    ours = {d.path: d.sha256 for d in datasets.manifest()}
    theirs = {r["path"]: r["sha256"] for r in json.loads((SHARED / "MANIFEST.json").read_text())}
    assert ours == theirs


def test_fetch_verifies_real_file(dataset):
    p = dataset("osm/oslo-east-filtered.osm.pbf")
    assert hashlib.sha256(p.read_bytes()).hexdigest() == next(
        d.sha256 for d in datasets.manifest() if d.path == "osm/oslo-east-filtered.osm.pbf"
    )
    # the short file name resolves to the same file
    assert datasets.fetch("oslo-east-filtered.osm.pbf") == p


def test_env_folder_takes_precedence_and_corruption_is_reported(tmp_path, monkeypatch):
    target = tmp_path / "services" / "oslo_upper_secondary_schools_2024.geojson"
    target.parent.mkdir(parents=True)
    shutil.copy(SHARED / "services" / "oslo_upper_secondary_schools_2024.geojson", target)
    monkeypatch.setenv("GEOACCESS_DATA", str(tmp_path))
    assert datasets.fetch("services/oslo_upper_secondary_schools_2024.geojson") == target
    target.write_text(target.read_text() + " ")
    with pytest.raises(DataIntegrityError) as err:
        datasets.fetch("services/oslo_upper_secondary_schools_2024.geojson")
    text = str(err.value)
    assert str(target) in text and "SHA-256" in text and "raw.githubusercontent.com" in text


def test_missing_file_names_hash_and_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOACCESS_DATA", str(tmp_path))
    monkeypatch.setenv("GEOACCESS_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(datasets, "data_dirs", lambda: [tmp_path, tmp_path / "cache" / "data"])
    rec = next(d for d in datasets.manifest() if d.path == "transit/flaamsbana_gtfs.zip")
    assert rec.url is None  # converted/removed sources have no pinned URL
    with pytest.raises(DataNotFoundError) as err:
        datasets.fetch("transit/flaamsbana_gtfs.zip", download=False)
    text = str(err.value)
    assert "transit/flaamsbana_gtfs.zip" in text and rec.sha256 in text and "GEOACCESS_DATA" in text


def test_unknown_name_lists_known():
    with pytest.raises(KeyError, match="osm/tampere.osm.pbf"):
        datasets.fetch("no-such-dataset")


def test_status_reports_every_dataset_present_here():
    rows = datasets.status()
    assert len(rows) == len(datasets.manifest())
    assert all(r["present"] and r["verified"] for r in rows)


def test_cli_data_list(capsys):
    from typer.testing import CliRunner

    from geoaccess.cli import _register, app

    _register()
    result = CliRunner().invoke(app, ["data", "list"])
    assert result.exit_code == 0, result.output
    assert "tampere.osm.pbf" in result.output and "ODbL" in result.output
