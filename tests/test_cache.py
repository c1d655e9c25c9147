"""Network .npz files and the build cache: round trip, validation, keys, unwritable folders."""

from __future__ import annotations

import errno
import os
import warnings

import numpy as np
import pytest

from geoaccess.errors import CacheError, CacheWarning
from geoaccess.network.cache import load_cached, load_npz, network_cache_key, save_cached, save_npz
from geoaccess.network.graph import EdgeFlag, Network

HAMAR = "roads/hamar_nvdb_speed_limits_2018.geojson"


def _small() -> Network:
    return Network.from_edges(
        [0, 1, 1, 2],
        [1, 0, 2, 0],
        seconds=[10.0, 12.5, 3.0, 7.25],
        metres=[100.0, 100.0, 30.0, 70.0],
        way_id=[5, 5, -1, 9],
        flags=[0, 0, EdgeFlag.FERRY, 0],
        x=[0.0, 100.0, 100.0],
        y=[0.0, 0.0, 30.0],
        node_id=[11, 22, 33],
        crs="EPSG:25833",
        shapes=[np.array([[50.0, 1.0]]), np.zeros((0, 2)), np.zeros((0, 2)), np.array([[60.0, 20.0], [30.0, 10.0]])],
        mode="walk",
        meta={"source": "unit", "n": 3},
    )


def _same(a: Network, b: Network) -> None:
    for name in ("indptr", "indices", "seconds", "metres", "way_id", "flags", "x", "y", "node_id", "shape_ptr", "shape_xy"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
        assert getattr(a, name).dtype == getattr(b, name).dtype, name
    assert a.crs == b.crs and a.mode == b.mode


def test_round_trip_keeps_every_array_and_meta(tmp_path):
    net = _small()
    p = save_npz(net, tmp_path / "n.npz")
    back = load_npz(p)
    _same(net, back)
    assert back.meta == {"source": "unit", "n": 3}
    # Network.to_npz / from_npz go through the same functions
    net.to_npz(str(tmp_path / "m.npz"))
    _same(net, Network.from_npz(str(tmp_path / "m.npz")))
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]


def test_truncated_and_corrupt_files_are_refused(tmp_path):
    p = save_npz(_small(), tmp_path / "n.npz")
    data = p.read_bytes()
    (tmp_path / "trunc.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(CacheError, match="not a valid geoaccess network"):
        load_npz(tmp_path / "trunc.npz")
    flipped = bytearray(data)
    flipped[len(flipped) // 3] ^= 0xFF
    (tmp_path / "flip.npz").write_bytes(bytes(flipped))
    with pytest.raises(CacheError):
        load_npz(tmp_path / "flip.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip at all")
    with pytest.raises(CacheError):
        load_npz(tmp_path / "junk.npz")


def test_checksum_catches_a_consistent_looking_edit(tmp_path):
    net = _small()
    save_npz(net, tmp_path / "n.npz")
    with np.load(tmp_path / "n.npz") as z:
        arrays = {k: z[k] for k in z.files}
    arrays["seconds"] = arrays["seconds"] * 2  # valid zip, valid shapes, wrong content
    np.savez_compressed(tmp_path / "edited.npz", **arrays)
    with pytest.raises(CacheError, match="checksum"):
        load_npz(tmp_path / "edited.npz")


def test_load_cached_returns_none_and_warns_on_corrupt_entry(tmp_path):
    save_cached(_small(), "abc", folder=tmp_path)
    assert load_cached("abc", folder=tmp_path) is not None
    p = tmp_path / "abc.npz"
    p.write_bytes(p.read_bytes()[:100])
    with pytest.warns(CacheWarning, match="rebuilt"):
        assert load_cached("abc", folder=tmp_path) is None
    assert load_cached("missing", folder=tmp_path) is None


def test_cache_key_covers_source_profile_options_and_version(monkeypatch):
    base = {"source_sha256": "a" * 64, "profile_sha256": "b" * 64, "options": {"mode": "car", "keep": "largest"}}
    k = network_cache_key(**base)
    assert k == network_cache_key(**base)
    assert k != network_cache_key(**{**base, "source_sha256": "c" * 64})
    assert k != network_cache_key(**{**base, "profile_sha256": "c" * 64})
    assert k != network_cache_key(**{**base, "options": {"mode": "car", "keep": "all"}})
    import geoaccess

    monkeypatch.setattr(geoaccess, "__version__", "999.0")
    assert k != network_cache_key(**base)


@pytest.fixture
def cache_env(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("GEOACCESS_CACHE", str(folder))
    return folder / "networks"


@pytest.mark.filterwarnings("ignore::geoaccess.errors.DataWarning")  # Hamar NVDB's islands, tested in test_lines.py
def test_build_cache_hit_stale_key_and_corrupt_entry(dataset, cache_env):
    from geoaccess.network.build import build_network

    dataset(HAMAR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = build_network(HAMAR)
        assert first.meta["from_cache"] is False
        files = list(cache_env.glob("*.npz"))
        assert [f.name for f in files] == [first.meta["cache_key"] + ".npz"]
        second = build_network(HAMAR)
        assert second.meta["from_cache"] is True
        _same(first, second)
        # another option is another key: rebuilt, not the stale entry
        other = build_network(HAMAR, keep="all")
        assert other.meta["from_cache"] is False and other.meta["cache_key"] != first.meta["cache_key"]
        assert other.n_nodes > first.n_nodes
    # corrupt the first entry: detected, rebuilt and rewritten
    f = cache_env / (first.meta["cache_key"] + ".npz")
    f.write_bytes(f.read_bytes()[:1000])
    with pytest.warns(CacheWarning, match="rebuilt"):
        again = build_network(HAMAR)
    assert again.meta["from_cache"] is False
    _same(first, again)
    assert load_npz(f).n_nodes == first.n_nodes


def test_read_only_cache_folder_warns_and_still_returns(dataset, cache_env):
    from geoaccess.network.build import build_network

    cache_env.mkdir(parents=True)
    os.chmod(cache_env, 0o500)
    try:
        probe = cache_env / "probe"
        try:
            probe.write_bytes(b"x")
            probe.unlink()
            writable = True
        except OSError:
            writable = False
        if writable:
            pytest.skip("running as root: chmod does not make the folder read-only (the EACCES path is tested below)")
        with pytest.warns(CacheWarning, match=f"{cache_env}.*not writable"):
            net = build_network(HAMAR)
        assert net.n_nodes > 4000
        assert not list(cache_env.iterdir())
    finally:
        os.chmod(cache_env, 0o700)


@pytest.mark.filterwarnings("ignore::geoaccess.errors.DataWarning")  # Hamar NVDB's islands, tested in test_lines.py
@pytest.mark.parametrize(("code", "words"), [(errno.EACCES, "not writable"), (errno.EROFS, "not writable"), (errno.ENOSPC, "is full")])
def test_unwritable_or_full_cache_warns_and_still_returns(dataset, cache_env, monkeypatch, code, words):
    from geoaccess.network import npz as npz_mod
    from geoaccess.network.build import build_network

    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(npz_mod.np, "savez_compressed", refuse)
    with pytest.warns(CacheWarning, match=f"{cache_env}.*{words}.*GEOACCESS_CACHE"):
        net = build_network(HAMAR)
    assert net.n_nodes > 4000 and net.meta["from_cache"] is False
    # nothing half-written is left behind
    assert not [p for p in cache_env.iterdir()]
