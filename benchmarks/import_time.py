"""Import time of every geoaccess package, each in a fresh interpreter (``python -X importtime``).

Prints the median over ``--repeat`` runs of the cumulative import time of ``geoaccess.<package>``
(microseconds from ``-X importtime``, shown in milliseconds) and whether numba, scipy or pandas
were loaded by the import. Run on a quiet machine: figures on a shared one are noisy::

    .venv/bin/python benchmarks/import_time.py --repeat 7
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

PACKAGES = ("geoaccess", "engine", "layers", "location", "measures", "national", "network", "omland", "regions",
            "report", "scenario", "strategy", "transit", "examples")
PROBE = "import sys; import {module}; print(*[m in sys.modules for m in ('numba', 'scipy', 'pandas')])"


def measure(module: str, repeat: int) -> tuple[float, str]:
    times = []
    loaded = ""
    for _ in range(repeat):
        run = subprocess.run([sys.executable, "-X", "importtime", "-c", PROBE.format(module=module)],
                             capture_output=True, text=True, check=True)
        line = next(ln for ln in reversed(run.stderr.splitlines()) if ln.rstrip().endswith(f"| {module}"))
        times.append(int(line.split("|")[1]) / 1000.0)
        flags = run.stdout.split()
        loaded = ", ".join(n for n, f in zip(("numba", "scipy", "pandas"), flags, strict=True) if f == "True") or "-"
    return statistics.median(times), loaded


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print("| import | ms (median) | heavy libraries loaded |")
    print("|---|---:|---|")
    for name in PACKAGES:
        module = name if name == "geoaccess" else f"geoaccess.{name}"
        ms, loaded = measure(module, args.repeat)
        print(f"| `{module}` | {ms:.0f} | {loaded} |")


if __name__ == "__main__":
    main()
