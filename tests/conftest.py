"""Shared test fixtures: real data comes from ../shared/data through the registry."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# One network/CH cache for the whole test session, shared by xdist workers.
os.environ.setdefault("GEOACCESS_CACHE", str(ROOT / ".cache" / "test-cache"))
os.environ.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".cache" / "numba"))


@pytest.fixture(scope="session")
def dataset():
    """Return a function resolving a dataset name to a verified local path."""
    from geoaccess.datasets import fetch

    return fetch


def pytest_configure(config: pytest.Config) -> None:
    """Hypothesis: a reproducible profile on CI (CI=true), the random default elsewhere."""
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
    )
    if os.environ.get("CI"):
        settings.load_profile("ci")


# --------------------------------------------------------------------------- warnings
# The suite runs with warnings as errors (pyproject.toml, [tool.pytest.ini_options] filterwarnings;
# the rules are in docs/outputs.md, "Warnings"). A test that expects one of geoaccess's warnings
# says so with pytest.warns(<category from geoaccess.errors>, match=...).
@pytest.fixture
def fresh_once_warnings(monkeypatch):
    """Forget the once-per-process warnings (geoaccess.crs._WARNED), so this test sees them again."""
    import geoaccess.crs

    monkeypatch.setattr(geoaccess.crs, "_WARNED", set())
