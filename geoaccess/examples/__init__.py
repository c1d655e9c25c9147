"""Worked examples and user stories: the demo steps, on the real shared data.

This package sits at the end of the data flow (network → snapped layers → travel times →
measure → output). It may import every domain package; no domain package imports it.
Each module is one story or one demo step:

==================  ======================================================================
lma                 national labour-market areas from the SSB 03321 flows, with maps
service_coverage    eastern Oslo: residents within 10/20 minutes' walk of key services
location            eastern Oslo: a state-office site evaluation and a school MCLP
oslo_enlargement    eastern Oslo: regionforstørring with a hypothetical tunnel
transit             Jessheim (Øvre Romerike): residents reachable by bus, NeTEx 2017
rogfast             E39 Rogfast: regionforstørring between regions on N1000
hamar               the small-town analysis of Hamar on NVDB roads stitched into N1000
national            the national N1000 layer: municipality travel-time tables
strategy            the small-town strategy's national questions
ba_years            BA-regions across municipal divisions
nvdb_compare        NVDB against OSM on the same roads
==================  ======================================================================

The example scenario files ship with the package (``geoaccess/examples/scenarios/*.toml``;
the repository's ``scenarios/`` is a link to that folder): :func:`scenario_dir` finds them
in a checkout and in an installed wheel alike.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["scenario_dir", "scenario_files"]


def scenario_dir() -> Path:
    """The folder of the example scenario files shipped with the package (package data).

    Returns
    -------
    pathlib.Path
        ``geoaccess/examples/scenarios`` of the installed package (a real folder: geoaccess is
        installed unzipped, as wheels are).
    """
    return Path(str(resources.files("geoaccess.examples").joinpath("scenarios")))


def scenario_files() -> dict[str, Path]:
    """Every shipped example scenario, by file stem (``rogfast``, ``oslo_east_new_link``, ...)."""
    return {p.stem: p for p in sorted(scenario_dir().glob("*.toml"))}
