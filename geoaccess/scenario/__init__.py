"""Scenarios: validated edits of a network (new links, ferries, speed changes, closures) and base-vs-scenario runs.

Sub-modules load lazily, so ``import geoaccess.scenario`` does no work::

    spec      ScenarioSpec, read_spec(), parse_spec(): the TOML/JSON scenario file
    edit      apply_scenario(net, spec) -> new Network; aligned_base(); without_connectors()
    compare   compare_times(), compare_access(), change_surface(), reachable_layer(): before/after
    demo      enlargement_demo(): regionforstørring on eastern Oslo with a hypothetical tunnel
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "ScenarioSpec",
    "aligned_base",
    "apply_scenario",
    "change_surface",
    "compare_access",
    "compare_times",
    "enlargement_demo",
    "parse_spec",
    "reachable_layer",
    "read_spec",
]

_LAZY = {
    "ScenarioSpec": ("geoaccess.scenario.spec", "ScenarioSpec"),
    "read_spec": ("geoaccess.scenario.spec", "read_spec"),
    "parse_spec": ("geoaccess.scenario.spec", "parse_spec"),
    "apply_scenario": ("geoaccess.scenario.edit", "apply_scenario"),
    "aligned_base": ("geoaccess.scenario.edit", "aligned_base"),
    "reachable_layer": ("geoaccess.scenario.compare", "reachable_layer"),
    "compare_times": ("geoaccess.scenario.compare", "compare_times"),
    "compare_access": ("geoaccess.scenario.compare", "compare_access"),
    "change_surface": ("geoaccess.scenario.compare", "change_surface"),
    "enlargement_demo": ("geoaccess.scenario.demo", "enlargement_demo"),
}
_SUBMODULES = {"spec", "edit", "compare", "demo"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    if name in _SUBMODULES:
        return importlib.import_module(f"geoaccess.scenario.{name}")
    msg = f"module 'geoaccess.scenario' has no attribute {name!r}"
    raise AttributeError(msg)
