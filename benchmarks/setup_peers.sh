#!/usr/bin/env bash
# Create the benchmark venv (.venv-bench, git-ignored) with Python 3.12, geoaccess
# itself (editable) and every peer listed in requirements-peers.txt, so that
# benchmarks/run.py can time them all in one process on the same data.
#
#   bash benchmarks/setup_peers.sh            # create or update .venv-bench
#   PYTHON=/path/to/python3.12 bash benchmarks/setup_peers.sh
#
# A peer that fails to install is reported and skipped; run.py then reports it
# as "unavailable: <reason>" in the results table instead of dropping it.
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
VENV="${VENV:-$ROOT/.venv-bench}"
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for cand in python3.12 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python; do
    # pyenv shims exist even when the version is not selected: really run it
    if "$cand" -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1; then
      PY="$cand"; break
    fi
  done
fi
if [ -z "$PY" ]; then
  echo "setup_peers: need Python 3.12 (osrm-bindings and pyvalhalla wheels); set PYTHON=..." >&2
  exit 2
fi
echo "setup_peers: using $PY ($("$PY" -V 2>&1)) -> $VENV"
test -x "$VENV/bin/python" || "$PY" -m venv "$VENV"
# keep the venv out of git without touching the repo .gitignore
[ -f "$VENV/.gitignore" ] || echo "*" > "$VENV/.gitignore"
PIP="$VENV/bin/python -m pip"
$PIP install -q --upgrade pip wheel
# geoaccess itself first (its own dependencies), then each peer on its own so
# one failure does not block the others.
$PIP install -q -e "$ROOT" || { echo "setup_peers: geoaccess install failed" >&2; exit 1; }
failed=()
while IFS= read -r line; do
  req="${line%%#*}"; req="$(echo "$req" | xargs)"
  [ -z "$req" ] && continue
  echo "setup_peers: installing $req"
  if ! $PIP install -q --prefer-binary "$req"; then
    failed+=("$req")
    echo "setup_peers: FAILED $req (run.py will report it as unavailable)" >&2
  fi
done < "$HERE/requirements-peers.txt"
# OSRM's command-line tools (osrm-extract/-contract) are optional: the bench
# uses the Python bindings' own extract/contract when present.
if [ ${#failed[@]} -gt 0 ]; then
  echo "setup_peers: not installed: ${failed[*]}"
fi
"$VENV/bin/python" - <<'PY'
import importlib
for name in ["geoaccess", "igraph", "pandana", "pyrosm", "osmnx", "networkx", "scipy", "spopt", "osrm", "valhalla"]:
    try:
        m = importlib.import_module(name)
        print(f"  ok   {name} {getattr(m, '__version__', '')}")
    except Exception as exc:  # report, never hide
        print(f"  FAIL {name}: {type(exc).__name__}: {exc}")
PY
