"""Issue 11 rows 12-14 and item 6: unwritable outputs, killed runs and clean shutdown on SIGINT/SIGTERM.

The signal tests run the real ``geoaccess`` entry point (:func:`geoaccess.cli.main`) in a
child process with one extra command that writes a Parquet file row group by row group
through :func:`geoaccess.report.atomic.atomic_path`, the writer every output goes through.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from geoaccess.errors import GeoaccessWarning, OutputError
from geoaccess.report.atomic import TEMP_MARKER, atomic_path, clean_stale, write_table

ROOT = Path(__file__).resolve().parent.parent

_CHILD = textwrap.dedent(
    """
    import sys, time
    import numpy as np, pyarrow as pa, pyarrow.parquet as pq
    from geoaccess.cli import app, main
    from geoaccess.report.atomic import atomic_path

    @app.command("slow-parquet")
    def slow_parquet(out: str, groups: int = 100000) -> None:
        table = pa.table({"origin_id": np.arange(20000), "minutes": np.random.default_rng(0).random(20000)})
        with atomic_path(out) as tmp:
            with pq.ParquetWriter(tmp, table.schema) as w:
                for g in range(groups):
                    w.write_table(table)
                    if g == 2:
                        print("writing", flush=True)

    @app.command("sleep-in-write")
    def sleep_in_write(out: str) -> None:
        with atomic_path(out) as tmp:
            tmp.write_bytes(b"x" * 1000)
            print("writing", flush=True)
            time.sleep(600)

    sys.argv = ["geoaccess", *sys.argv[1:]]
    main()
    """
)


def _child(tmp_path: Path, *args: str, ignore_sigint: bool = False) -> subprocess.Popen:
    script = tmp_path / "child.py"
    script.write_text(_CHILD, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def pre() -> None:
        if ignore_sigint:  # as a non-interactive shell starts background jobs (the tester's Ctrl-C "ignored")
            signal.signal(signal.SIGINT, signal.SIG_IGN)

    proc = subprocess.Popen([sys.executable, str(script), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, text=True, preexec_fn=pre)
    line = proc.stdout.readline()
    assert line.strip() == "writing", proc.stderr.read()
    return proc


def _temps(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if TEMP_MARKER in p.name]


@pytest.mark.parametrize(("sig", "ignored"), [(signal.SIGINT, False), (signal.SIGINT, True), (signal.SIGTERM, False)])
def test_row14_signal_during_parquet_write_stops_cleanly(tmp_path, sig, ignored):
    out = tmp_path / "out" / "matrix.parquet"
    proc = _child(tmp_path, "slow-parquet", str(out), ignore_sigint=ignored)
    assert _temps(out.parent)  # the write is under way
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + sig  # 130 / 143, never 0
    assert f"interrupted by {signal.Signals(sig).name}" in err and "Traceback" not in err
    assert not out.exists() and _temps(out.parent) == []


def test_row13_sigkill_leftovers_cleaned_on_next_start_in_the_folder(tmp_path):
    out = tmp_path / "out" / "table.csv"
    proc = _child(tmp_path, "sleep-in-write", str(out))
    live = _child(tmp_path, "sleep-in-write", str(out.with_name("other.csv")))  # a run still writing
    with proc, live:  # closes both children's pipes at the end
        try:
            proc.kill()
            proc.wait(timeout=30)
            left = [p for p in _temps(out.parent) if f"-{proc.pid}-" in p.name]
            assert len(left) == 1 and left[0].name.startswith(".table.csv")
            with pytest.warns(GeoaccessWarning, match=r"Removed 1 temporary file\(s\) .* killed"):
                write_table(pd.DataFrame({"a": [1]}), out.with_name("next.csv"))
            assert not left[0].exists()
            assert any(f"-{live.pid}-" in p.name for p in _temps(out.parent))  # never another live run's file
        finally:
            live.kill()
            live.wait(timeout=30)
    assert (out.parent / "next.csv").read_text() == "a\n1\n"


def test_clean_stale_keeps_foreign_and_unrelated_files(tmp_path):
    (tmp_path / ".x.csv.geoaccess-tmp-00000000-1-ab.csv").write_text("other host")  # another host's tag
    (tmp_path / ".hidden.csv").write_text("user file")
    assert clean_stale(tmp_path) == []
    assert len(list(tmp_path.iterdir())) == 2


def test_row12_unwritable_folder_is_one_error_naming_the_path(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    target = blocker / "sub" / "out.csv"
    with pytest.raises(OutputError, match=rf"Cannot write {target}: .*\[(ENOTDIR|EEXIST)\]"):
        write_table(pd.DataFrame({"a": [1]}), target)


def test_row12_disk_full_names_the_path_and_leaves_nothing(tmp_path, monkeypatch):
    target = tmp_path / "out.csv"

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(OutputError, match=rf"Cannot write {target}: No space left on device \[ENOSPC\]; the disk"):
        write_table(pd.DataFrame({"a": [1]}), target)
    assert list(tmp_path.iterdir()) == []


def test_atomic_path_removes_its_temp_on_any_exception(tmp_path):
    with pytest.raises(KeyboardInterrupt), atomic_path(tmp_path / "x.csv") as tmp:
        tmp.write_text("half")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = "import sys; from geoaccess.cli import main; sys.argv = ['geoaccess', *sys.argv[1:]]; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=600)


def _errors(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.strip() and not ln.startswith("warning:")]


def test_row12_cli_unwritable_output_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = _cli("transit", "stops", "transit/flaamsbana_gtfs.zip", "--date", "2019-06-03", "--window", "07:00-07:05",
             "--out", str(blocker / "out.csv"))
    assert r.returncode == 1
    lines = _errors(r.stderr)
    assert len(lines) == 1 and lines[0].startswith(f"error: Cannot write {blocker / 'out.csv'}"), r.stderr


def test_row12_cli_os_error_outside_the_atomic_writer_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    fixture = ROOT / "tests" / "fixtures" / "ferry_small.osm"
    r = _cli("network", "build", str(fixture), "--out", str(blocker / "net"), "--no-cache")
    assert r.returncode == 1
    lines = _errors(r.stderr)
    assert len(lines) == 1 and str(blocker) in lines[0] and "Traceback" not in r.stderr, r.stderr


def test_cli_geoaccess_warnings_are_one_line():
    r = _cli("transit", "load", str(ROOT / "tests" / "fixtures" / "gtfs_min"))
    assert r.returncode == 0, r.stderr
    warn = [ln for ln in r.stderr.splitlines() if ln.startswith("warning:")]
    assert len(warn) == 1 and "2 object(s) skipped" in warn[0]
    assert _errors(r.stderr) == []  # no source line, no "warnings.warn(" echo
