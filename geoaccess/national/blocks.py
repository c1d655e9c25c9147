"""Blockwise national runs: one Parquet part per block, a manifest, resume, and Dask.

A national run (every 250 m cell of Norway to every job and service; every target town to every
cell) is split into **blocks** — one per municipality, or per group of towns. Each block is a pure
function ``task(inputs, payload, params) -> pandas.DataFrame`` of

* ``inputs`` — what every block shares and no block changes (the prepared network and the snapped
  layers): shipped to each Dask worker **once** (``client.scatter(..., broadcast=True)``), not per task;
* ``payload`` — the block itself (a small array of cell indices, a list of towns);
* ``params`` — the parameters (small, part of the run's fingerprint).

:func:`run_blocks` writes each block's table to ``DIR/parts/<key>.parquet`` atomically
(:func:`geoaccess.report.atomic.atomic_path`: never a half part) and records it in ``DIR/run.json``
(rows, SHA-256, seconds). A rerun with the same fingerprint skips the finished blocks (resume);
a run folder with another fingerprint is refused. A block that fails is recorded under ``failed``
with its error, the other blocks go on, and the run ends with :class:`BlockFailedError` naming the
failed blocks: rerunning computes only those.

Parallelism, one level at a time: in this process the blocks run one after another and the numba
kernels use every core; on Dask the blocks run on the workers and each task runs numba with one
thread per Dask thread (``threads_per_worker``, 1 by default). Point it at an existing cluster with
``client=distributed.Client("tcp://scheduler:8786")`` (CLI ``--dask tcp://scheduler:8786``); the workers
need geoaccess installed, but no shared file system: parts are written by the client.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geoaccess.errors import GeoaccessError, InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MANIFEST", "BlockFailedError", "BlockRun", "close", "connect", "fingerprint", "read_manifest", "run_blocks"]

MANIFEST = "run.json"
"""Name of the run manifest in a block run folder."""
_FORMAT = 1
_KEY = re.compile(r"^[A-Za-z0-9_.+-]{1,80}$")


class BlockFailedError(GeoaccessError):
    """Some blocks of a run failed; their errors are in the run's ``run.json`` and a rerun resumes."""


def fingerprint(obj: Any) -> str:
    """SHA-256 of a JSON-able description of a run (task, parameters, input hashes)."""
    text = json.dumps(obj, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_manifest(folder: str | Path) -> dict[str, Any] | None:
    """The ``run.json`` of a block run folder, or ``None`` when there is none (or it is unreadable)."""
    p = Path(folder) / MANIFEST
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


@dataclass
class BlockRun:
    """A block run folder and its state.

    Attributes
    ----------
    folder : pathlib.Path
        The run folder (``run.json`` and ``parts/``).
    keys : list of str
        Every block, in order.
    finished : dict
        ``key -> {"rows", "sha256", "seconds", "resumed"}`` for the blocks with a part.
    failed : dict
        ``key -> error message``.
    complete : bool
        Every block finished.
    seconds : float
        Wall time of this call.
    """

    folder: Path
    keys: list[str]
    finished: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    complete: bool = False
    seconds: float = 0.0
    mode: str = "local"

    def part(self, key: str) -> Path:
        """Path of a block's part."""
        return self.folder / "parts" / f"{key}.parquet"

    def read(self) -> pd.DataFrame:
        """Every finished part, concatenated in block order."""
        import pandas as pd

        frames = [pd.read_parquet(self.part(k)) for k in self.keys if k in self.finished]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def summary(self) -> dict[str, Any]:
        """Counts for reports: blocks, finished, resumed, failed, mode, seconds."""
        resumed = sum(1 for v in self.finished.values() if v.get("resumed"))
        return {"folder": str(self.folder), "blocks": len(self.keys), "finished": len(self.finished),
                "resumed": resumed, "computed": len(self.finished) - resumed, "failed": dict(self.failed),
                "mode": self.mode, "seconds": round(self.seconds, 3)}


def _write_manifest(run: BlockRun, fp: str, info: dict[str, Any]) -> None:
    from geoaccess.report.atomic import atomic_path

    doc = {"format": _FORMAT, "fingerprint": fp, **info, "mode": run.mode, "blocks": run.keys,
           "finished": run.finished, "failed": run.failed, "complete": run.complete,
           "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    with atomic_path(run.folder / MANIFEST) as tmp:
        tmp.write_text(json.dumps(doc, indent=1, default=str), encoding="utf-8")


def _resume(folder: Path, keys: list[str], fp: str) -> dict[str, dict[str, Any]]:
    """Finished blocks of an earlier run with the same fingerprint whose parts are intact."""
    old = read_manifest(folder)
    if old is None:
        return {}
    if old.get("fingerprint") != fp:
        msg = (f"{folder} holds a block run with other inputs or parameters (fingerprint "
               f"{str(old.get('fingerprint'))[:12]}…, this run {fp[:12]}…); write to another folder, or delete "
               f"{folder / MANIFEST} and {folder / 'parts'} to start again.")
        raise InputError(msg)
    done = {}
    for k, rec in (old.get("finished") or {}).items():
        p = folder / "parts" / f"{k}.parquet"
        if k in keys and p.is_file() and _sha256(p) == rec.get("sha256"):
            done[k] = {**rec, "resumed": True}
    return done


def _in_worker(task: Callable[..., Any], inputs: Any, payload: Any, params: Any) -> Any:
    """Run a task on a Dask worker with one numba thread (the Dask threads are the one level of parallelism)."""
    import numba

    numba.set_num_threads(1)
    t0 = time.perf_counter()
    out = task(inputs, payload, params)
    return out, time.perf_counter() - t0


def run_blocks(
    task: Callable[[Any, Any, Any], pd.DataFrame],
    blocks: Sequence[tuple[str, Any]],
    *,
    inputs: Any,
    params: Any,
    folder: str | Path,
    fingerprint_of: dict[str, Any],
    client: Any = None,
    progress: Callable[[int, int, str], None] | None = None,
    stop_after: int | None = None,
    raise_on_failure: bool = True,
) -> BlockRun:
    """Run ``task`` on every block not finished yet, writing one Parquet part per block.

    Parameters
    ----------
    task
        A pure, picklable function ``task(inputs, payload, params) -> pandas.DataFrame``.
    blocks
        ``(key, payload)`` pairs; keys are unique file-name-safe strings (``[A-Za-z0-9_.+-]``).
    inputs
        Shared read-only inputs (scattered to every Dask worker once).
    params
        Parameters passed to every block.
    folder
        Run folder (created): ``run.json`` and ``parts/<key>.parquet``.
    fingerprint_of
        JSON-able description of the inputs and parameters; a run folder with another fingerprint is refused.
    client
        A :class:`distributed.Client` to run on (a ``LocalCluster`` or an existing cluster); ``None`` runs here.
    progress
        Called with ``(done, total, key)`` after each finished block.
    stop_after
        Stop after this many newly computed blocks (an interruption, for tests and for chunked runs).
    raise_on_failure
        Raise :class:`BlockFailedError` at the end when a block failed (else return the run with ``failed``).

    Returns
    -------
    BlockRun
        The folder's state after this call.
    """
    t0 = time.perf_counter()
    keys = [str(k) for k, _ in blocks]
    bad = [k for k in keys if not _KEY.match(k)]
    if bad:
        msg = f"Block keys must be file-name safe ([A-Za-z0-9_.+-], at most 80 characters): {bad[:5]}."
        raise InputError(msg)
    if len(set(keys)) != len(keys):
        msg = "Block keys must be unique."
        raise InputError(msg)
    root = Path(folder)
    (root / "parts").mkdir(parents=True, exist_ok=True)
    fp = fingerprint({"task": f"{task.__module__}.{getattr(task, '__qualname__', task)}", **fingerprint_of})
    info = {"task": f"{task.__module__}.{getattr(task, '__qualname__', task)}", "description": fingerprint_of}
    run = BlockRun(root, keys, finished=_resume(root, keys, fp))
    todo = [(k, p) for k, p in blocks if k not in run.finished]
    if stop_after is not None:
        todo = todo[: max(0, int(stop_after))]
    run.mode = "local" if client is None else f"dask ({_describe(client)})"
    _write_manifest(run, fp, info)
    done = len(run.finished)

    def finish(key: str, table: pd.DataFrame, seconds: float) -> None:
        nonlocal done
        from geoaccess.report.atomic import atomic_path

        part = run.part(key)
        with atomic_path(part) as tmp:
            table.to_parquet(tmp, index=False)
        run.finished[key] = {"rows": len(table), "sha256": _sha256(part), "seconds": round(seconds, 3),
                             "resumed": False}
        run.failed.pop(key, None)
        _write_manifest(run, fp, info)
        done += 1
        if progress is not None:
            progress(done, len(keys), key)

    def fail(key: str, exc: BaseException) -> None:
        run.failed[key] = f"{type(exc).__name__}: {exc}"
        _write_manifest(run, fp, info)

    if client is None:
        for key, payload in todo:
            s0 = time.perf_counter()
            try:
                table = task(inputs, payload, params)
            except Exception as exc:  # noqa: BLE001 - recorded per block, the run goes on
                fail(key, exc)
                continue
            finish(key, table, time.perf_counter() - s0)
    else:
        _run_dask(client, task, todo, inputs, params, finish, fail)
    run.complete = len(run.finished) == len(keys)
    run.seconds = time.perf_counter() - t0
    _write_manifest(run, fp, info)
    if run.failed and raise_on_failure:
        shown = "; ".join(f"{k} ({v})" for k, v in list(run.failed.items())[:5])
        msg = (f"{len(run.failed)} of {len(keys)} blocks failed: {shown}{' ...' if len(run.failed) > 5 else ''}. "
               f"The other parts are in {root / 'parts'}; rerun the same command to compute only the missing blocks "
               f"(errors in {root / MANIFEST}).")
        raise BlockFailedError(msg)
    return run


def _describe(client: Any) -> str:
    try:
        info = client.scheduler_info()
        workers = info.get("workers", {})
        threads = sum(int(w.get("nthreads", 1)) for w in workers.values())
        return f"{len(workers)} workers, {threads} threads, numba 1 thread per Dask thread"
    except Exception:  # noqa: BLE001 - a description only
        return "cluster"


def _run_dask(client: Any, task: Callable[..., Any], todo: list[tuple[str, Any]], inputs: Any, params: Any,
              finish: Callable[[str, Any, float], None], fail: Callable[[str, BaseException], None]) -> None:
    """Submit the blocks to ``client``; the inputs go to every worker once; results come back to be written here."""
    import secrets

    from distributed import as_completed

    if not todo:
        return
    # a list of one: scatter ships the object whole (a tuple or dict would be scattered item by item)
    shared = client.scatter([inputs], broadcast=True, hash=False)[0]
    token = secrets.token_hex(4)
    futures = {}
    for key, payload in todo:
        fut = client.submit(_in_worker, task, shared, payload, params, key=f"geoaccess-block-{token}-{key}",
                            pure=False)
        futures[fut.key] = (key, fut)
    try:
        for fut in as_completed([f for _, f in futures.values()]):
            key = futures[fut.key][0]
            if fut.status == "error":
                fail(key, fut.exception())
                continue
            try:
                table, seconds = fut.result()
            except Exception as exc:  # noqa: BLE001 - a lost or cancelled task is recorded as failed
                fail(key, exc)
                continue
            finish(key, table, seconds)
            fut.release()
    finally:
        for _, f in futures.values():
            if not f.done():
                f.cancel()
        shared.release()


def connect(spec: str | None) -> Any:
    """A Dask client from a CLI spec: ``None`` (run here), ``local`` / ``local:N`` (a ``LocalCluster`` of N worker
    processes with one thread each), or a scheduler address (``tcp://host:8786``) of an existing cluster.

    The caller closes the client (and its cluster) when done: ``client.close(); cluster = client.cluster``.
    """
    if spec is None or spec == "":
        return None
    if spec == "local" or spec.startswith("local:"):
        from distributed import Client, LocalCluster

        n = 2
        if ":" in spec:
            try:
                n = int(spec.split(":", 1)[1])
            except ValueError:
                n = 0
        if n < 1:
            msg = f"--dask {spec}: give local:N with N >= 1 workers (e.g. local:2)."
            raise InputError(msg)
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None)
        return Client(cluster)
    if "://" not in spec:
        msg = f"--dask {spec!r}: give local, local:N or a scheduler address such as tcp://scheduler:8786."
        raise InputError(msg)
    from distributed import Client

    try:
        return Client(spec, timeout="20s")
    except OSError as exc:
        msg = f"--dask {spec}: cannot reach the Dask scheduler ({exc}); start it (dask scheduler) or check the address."
        raise InputError(msg) from None


def close(client: Any) -> None:
    """Close a client from :func:`connect` and the LocalCluster it started."""
    if client is None:
        return
    cluster = getattr(client, "cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()
