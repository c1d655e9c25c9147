"""`place:` and `bbox:` sources without internet: one line saying what failed and what to use instead."""

from __future__ import annotations

import socket
import sys

import pytest

from geoaccess.errors import NetworkBuildError
from geoaccess.network.overpass import OFFLINE_EXAMPLES, read_overpass


@pytest.fixture
def no_network(monkeypatch, tmp_path):
    """Every DNS look-up and connection fails, as on a machine without internet."""

    def no_dns(*args, **kwargs):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    def no_connect(*args, **kwargs):
        raise OSError(101, "Network is unreachable")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    monkeypatch.setattr(socket, "create_connection", no_connect)
    monkeypatch.setattr(socket.socket, "connect", no_connect)
    monkeypatch.chdir(tmp_path)  # osmnx's response cache folder (./cache) stays in the test's folder
    import osmnx as ox

    monkeypatch.setattr(ox.settings, "use_cache", False)
    monkeypatch.setattr(ox.settings, "requests_timeout", 2)


def _examples_named(text: str) -> None:
    for example in OFFLINE_EXAMPLES:
        name = example.split(" ")[0]
        assert name in text
        from geoaccess.datasets import manifest

        assert any(d.path == name for d in manifest()), f"{name} is not a registered dataset"


@pytest.mark.parametrize("precheck", [True, False], ids=["quick-check", "osmnx-request"])
def test_place_without_internet_names_the_failure_and_the_files(no_network, monkeypatch, precheck):
    if not precheck:  # the failure as osmnx's own request meets it (requests' ConnectionError)
        import geoaccess.network.overpass as ov

        monkeypatch.setattr(ov, "_check_reachable", lambda *a, **k: None)
    with pytest.raises(NetworkBuildError) as info:
        read_overpass(place="Kongsvinger, Norway")
    text = str(info.value)
    assert "\n" not in text
    assert "'place:Kongsvinger, Norway'" in text
    assert "nominatim.openstreetmap.org" in text and "could not be reached" in text
    assert ".osm.pbf" in text and "NVDB" in text
    _examples_named(text)


def test_bbox_without_internet_names_overpass(no_network):
    with pytest.raises(NetworkBuildError, match=r"downloading the roads needs overpass-api\.de|could not be reached"):
        read_overpass(bbox=(11.9, 60.1, 12.1, 60.3))


def test_cli_prints_one_line_and_exits_2(no_network, monkeypatch, capsys):
    from geoaccess.cli import main

    monkeypatch.setattr(sys, "argv", ["geoaccess", "network", "build", "place:Kongsvinger, Norway",
                                      "--out", "kongsvinger"])
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 2
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert "Traceback" not in err
    assert lines[0].startswith("error: Cannot build a network from 'place:Kongsvinger, Norway'")
    assert "osm/oslo-east-filtered.osm.pbf" in err and "roads/hamar_nvdb_speed_limits_2018.geojson" in err
