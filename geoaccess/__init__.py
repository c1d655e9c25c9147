"""geoaccess: accessibility and service-location analysis on road, ferry and transit networks.

The data flow is one direction, with arrays in the middle::

    network → snapped layers → travel times → measure → output

Importing the package does no work: sub-modules load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from geoaccess._version import __version__

__all__ = ["__version__", "Limits", "Network", "datasets", "engine", "get_limits", "load_limits", "network", "use_limits"]

_LAZY = {
    "Network": ("geoaccess.network.graph", "Network"),
    "Limits": ("geoaccess.limits", "Limits"),
    "get_limits": ("geoaccess.limits", "get_limits"),
    "load_limits": ("geoaccess.limits", "load_limits"),
    "use_limits": ("geoaccess.limits", "use_limits"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    if name in {"datasets", "network", "engine", "layers", "cli", "national", "strategy", "limits", "textio", "archive"}:
        return importlib.import_module(f"geoaccess.{name}")
    msg = f"module 'geoaccess' has no attribute {name!r}"
    raise AttributeError(msg)
