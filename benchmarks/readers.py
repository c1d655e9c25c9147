"""Cost of the checked readers (issue 11): GTFS and NeTEx reading time on the real feeds, and NeTEx recovery.

Cases (median of ``--repeat`` runs, no footpaths):

* ``read_gtfs`` on Tampere (5.9 MB stop_times.txt) and Flybussekspressen;
* ``read_netex`` on Ruter's Øvre Romerike delivery (99 files, 42 MB of XML);
* the same delivery with one ``Ø`` written as Latin-1 into ``331.xml`` (the damaged file is
  read three more times: recovery passes 1 and 2 and the start-tag count).

Run from a checkout: ``python benchmarks/readers.py [--repeat 3] [--json out.json]``. To compare
with another version, run it with ``PYTHONPATH`` pointing at that checkout. Timings on a shared
machine are noisy; rerun on a quiet one before quoting them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import warnings
import zipfile
from pathlib import Path


def _median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _latin1_copy(src: Path, folder: Path) -> Path:
    out = folder / "ruter_latin1.zip"
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            data = zi.read(info)
            if info.filename == "331.xml":
                i = data.find(b"<Name>")
                data = data[: i + 6] + "Ø".encode("latin-1") + data[i + 6 :]
            zo.writestr(info, data)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    from geoaccess.datasets import fetch
    from geoaccess.transit.gtfs import read_gtfs
    from geoaccess.transit.netex import read_netex

    warnings.simplefilter("ignore")
    ruter = fetch("transit/ruter_ovre_romerike_netex_2017.zip")
    rows = {}
    for name in ("transit/tampere_gtfs.zip", "transit/flybussekspressen_gtfs_2016.zip"):
        p = fetch(name)
        rows[f"read_gtfs {Path(name).stem}"] = _median_seconds(lambda p=p: read_gtfs(p, footpaths=False), args.repeat)
    rows["read_netex ruter"] = _median_seconds(lambda: read_netex(ruter, footpaths=False), args.repeat)
    with tempfile.TemporaryDirectory() as d:
        damaged = _latin1_copy(ruter, Path(d))
        tt = read_netex(damaged, footpaths=False)
        rows["read_netex ruter, one Latin-1 byte in 331.xml"] = _median_seconds(
            lambda: read_netex(damaged, footpaths=False), args.repeat)
        rows["journeys read from the damaged delivery"] = tt.n_trips
    for k, v in rows.items():
        print(f"{k:<50} {v:>10.3f}" if isinstance(v, float) else f"{k:<50} {v:>10}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
