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
