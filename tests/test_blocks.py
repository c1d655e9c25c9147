"""Block runs: parts, manifest, resume, failures, and Dask (equal results, a worker killed, inputs shipped once)."""

from __future__ import annotations

import json
import os
import signal

import numpy as np
import pandas as pd
import pytest

from blocks_helpers import Counted, square_task
from geoaccess.errors import InputError
from geoaccess.national.blocks import MANIFEST, BlockFailedError, run_blocks

VALUES = np.arange(100, dtype=np.float64) / 7.0
BLOCKS = [(f"b{i:02d}", np.arange(i * 5, i * 5 + 5)) for i in range(20)]
PARAMS = {"factor": 3.0}


def _expected() -> pd.DataFrame:
    items = np.arange(100)
    return pd.DataFrame({"item": items, "value": VALUES[items] ** 2 * 3.0})


def _run(folder, **kw):
    opts = {"inputs": Counted(VALUES), "params": PARAMS, "folder": folder, "fingerprint_of": {"case": 1}}
    opts.update(kw)
    return run_blocks(square_task, BLOCKS, **opts)


def test_parts_manifest_and_resume(tmp_path):
    run = _run(tmp_path)
    assert run.complete and len(run.finished) == 20 and not run.failed
    got = run.read()
    pd.testing.assert_frame_equal(got[["item", "value"]], _expected())
    doc = json.loads((tmp_path / MANIFEST).read_text())
    assert doc["complete"] and sorted(doc["finished"]) == [k for k, _ in BLOCKS]
    assert all((tmp_path / "parts" / f"{k}.parquet").is_file() for k, _ in BLOCKS)
    again = _run(tmp_path)
    assert again.summary()["computed"] == 0 and again.summary()["resumed"] == 20
    pd.testing.assert_frame_equal(again.read(), got)


def test_interrupted_then_resumed_equals_uninterrupted(tmp_path):
    whole = _run(tmp_path / "whole").read()
    part = _run(tmp_path / "resumed", stop_after=7)
    assert not part.complete and len(part.finished) == 7
    rest = _run(tmp_path / "resumed")
    assert rest.complete and rest.summary()["computed"] == 13 and rest.summary()["resumed"] == 7
    pd.testing.assert_frame_equal(rest.read().drop(columns=["pid", "unpickled"]),
                                  whole.drop(columns=["pid", "unpickled"]))


def test_other_parameters_are_refused(tmp_path):
    _run(tmp_path, stop_after=2)
    with pytest.raises(InputError, match="other inputs or parameters"):
        _run(tmp_path, fingerprint_of={"case": 2})


def test_a_changed_part_is_recomputed(tmp_path):
    _run(tmp_path)
    bad = tmp_path / "parts" / "b03.parquet"
    pd.DataFrame({"item": [0], "value": [-1.0]}).to_parquet(bad)
    again = _run(tmp_path)
    assert again.summary()["computed"] == 1
    pd.testing.assert_frame_equal(again.read()[["item", "value"]], _expected())


def test_a_failing_block_is_reported_and_resumable(tmp_path):
    with pytest.raises(BlockFailedError, match=r"1 of 20 blocks failed: b04 \(ValueError: block starting at 20"):
        _run(tmp_path, params={"factor": 3.0, "fail_on": 20})
    doc = json.loads((tmp_path / MANIFEST).read_text())
    assert "b04" in doc["failed"] and "b04" not in doc["finished"] and not doc["complete"]
    assert not (tmp_path / "parts" / "b04.parquet").exists()
    assert not [p for p in (tmp_path / "parts").iterdir() if p.name.startswith(".")]  # no half part left
    # the same parameters (the fix was in the code or the data, not the fingerprint): only b04 is computed
    fixed = _run(tmp_path)
    assert fixed.complete and fixed.summary()["computed"] == 1
    pd.testing.assert_frame_equal(fixed.read()[["item", "value"]], _expected())


def test_bad_keys(tmp_path):
    with pytest.raises(InputError, match="file-name safe"):
        run_blocks(square_task, [("a/b", np.arange(2))], inputs=Counted(VALUES), params=PARAMS, folder=tmp_path,
                   fingerprint_of={})
    with pytest.raises(InputError, match="unique"):
        run_blocks(square_task, [("a", np.arange(2)), ("a", np.arange(2))], inputs=Counted(VALUES), params=PARAMS,
                   folder=tmp_path, fingerprint_of={})


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_dask_equals_single_process_and_ships_inputs_once(tmp_path, client):
    local = _run(tmp_path / "local").read()
    dask = _run(tmp_path / "dask", client=client)
    assert dask.mode.startswith("dask (2 workers")
    got = dask.read()
    pd.testing.assert_frame_equal(got[["item", "value"]], local[["item", "value"]])
    assert got["pid"].nunique() == 2  # both workers took blocks
    # the inputs were unpickled once per worker process, not once per task
    assert got.groupby("pid")["unpickled"].max().max() == 1


def test_dask_worker_killed_mid_run(tmp_path, client):
    pids = list(client.run(os.getpid).values())
    killed = []

    def kill_one(done, total, key):
        if done == 4 and not killed:
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    run = _run(tmp_path, client=client, params={"factor": 3.0, "sleep": 0.15}, progress=kill_one)
    assert killed and run.complete and not run.failed
    got = run.read()
    assert got["item"].is_unique and len(got) == 100  # nothing lost, nothing twice
    pd.testing.assert_frame_equal(got[["item", "value"]], _expected())
    client.wait_for_workers(2, timeout=60)  # the nanny restarted the killed worker
