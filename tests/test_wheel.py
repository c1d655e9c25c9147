"""The wheel ships what the demo needs: build it, install it in a fresh venv, run the scenario step outside the repo.

The new venv reuses this environment's third-party packages through a ``.pth`` path line (nothing
is downloaded; the editable geoaccess of this environment is not on that path: a ``.pth`` path
line adds a folder without running the ``.pth`` files in it), and geoaccess comes from the wheel.
The check runs in a temporary folder, so nothing resolves through the repository: the example
scenarios are package data (:func:`geoaccess.examples.scenario_dir`), every shipped scenario loads
with :func:`geoaccess.scenario.read_spec`, and the eastern-Oslo regionforstørring demo
(:func:`geoaccess.examples.oslo_enlargement.enlargement_demo`) runs and writes its outputs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OFFLINE_BUILD = ("No matching distribution found for hatchling", "Could not find a version that satisfies the requirement")

CHECK = r"""
import json, sys, warnings
from pathlib import Path
import geoaccess
from geoaccess.examples import scenario_dir, scenario_files
from geoaccess.scenario import read_spec
from geoaccess.examples.oslo_enlargement import enlargement_demo

out = {"package": geoaccess.__file__, "scenario_dir": str(scenario_dir()),
       "scenarios": {k: read_spec(p).name for k, p in scenario_files().items()},
       "py_typed": (Path(geoaccess.__file__).parent / "py.typed").is_file()}
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    res = enlargement_demo(out_dir=sys.argv[1])
out["files"] = res["files"]
out["cells_changed"] = res["cells_changed"]
print(json.dumps(out))
"""


@pytest.mark.slow
def test_wheel_runs_the_scenario_demo_outside_the_repository(tmp_path):
    from geoaccess.datasets import data_dirs

    wheels = tmp_path / "wheels"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
                           capture_output=True, text=True, check=False)
    if build.returncode != 0 and any(s in build.stderr for s in OFFLINE_BUILD):
        pytest.skip("building a wheel needs the build backend (hatchling), which is neither installed nor reachable offline")
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = wheels.glob("geoaccess-*.whl")

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    (Path(purelib) / "_geoaccess_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                              "--no-index", str(wheel)], capture_output=True, text=True, check=False)
    assert install.returncode == 0, install.stderr[-2000:]

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    data = next((d for d in data_dirs() if (d / "osm" / "oslo-east-filtered.osm.pbf").is_file()), None)
    if data is None:
        pytest.skip("the shared sample data folder is not on this machine")
    env = {**os.environ, "GEOACCESS_DATA": str(data), "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    env.pop("PYTHONPATH", None)
    run = subprocess.run([str(python), "-c", CHECK, str(tmp_path / "out")], cwd=elsewhere, env=env,
                         capture_output=True, text=True, check=False, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert Path(got["package"]).is_relative_to(Path(purelib)), got["package"]
    assert not Path(got["scenario_dir"]).is_relative_to(ROOT)
    assert set(got["scenarios"]) == {p.stem for p in (ROOT / "geoaccess" / "examples" / "scenarios").glob("*.toml")}
    assert got["py_typed"]
    for path in got["files"].values():
        assert Path(path).is_file() and Path(path).stat().st_size > 0, path
    assert got["cells_changed"] > 0
