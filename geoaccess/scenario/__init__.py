"""Scenarios: validated edits of a network (new links, ferries, speed changes, closures) and base-vs-scenario runs.

Modules::

    spec      ScenarioSpec, read_spec(), parse_spec(): the TOML/JSON scenario file
    edit      apply_scenario(net, spec) -> new Network; aligned_base(); without_connectors()
    compare   compare_times(), compare_access(), change_surface(), reachable_layer(): before/after
    change_map  change_map(), saved_scale(): the maps of minutes saved per cell

The eastern-Oslo demo (a hypothetical tunnel) is :mod:`geoaccess.examples.oslo_enlargement`; the example
scenario files ship in ``geoaccess/examples/scenarios`` (:func:`geoaccess.examples.scenario_dir`).
"""

from __future__ import annotations

from geoaccess.scenario.change_map import change_map, saved_scale
from geoaccess.scenario.compare import change_surface, compare_access, compare_times, reachable_layer
from geoaccess.scenario.edit import aligned_base, apply_scenario
from geoaccess.scenario.spec import ScenarioSpec, parse_spec, read_spec

__all__ = [
    "ScenarioSpec",
    "aligned_base",
    "apply_scenario",
    "change_map",
    "change_surface",
    "compare_access",
    "compare_times",
    "parse_spec",
    "reachable_layer",
    "read_spec",
    "saved_scale",
]
