"""Networks: readers (OSM, road line layers, DIMACS) → :class:`Network` CSR arrays.

Sub-modules load lazily, so ``import geoaccess.network`` does no work.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Network", "EdgeFlag"]

_LAZY = {
    "Network": ("geoaccess.network.graph", "Network"),
    "EdgeFlag": ("geoaccess.network.graph", "EdgeFlag"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    msg = f"module 'geoaccess.network' has no attribute {name!r}"
    raise AttributeError(msg)
