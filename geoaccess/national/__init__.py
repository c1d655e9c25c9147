"""The national layer: N1000 car and boat networks, municipality centres and national travel-time tables.

Data flow: N1000 road links → :func:`geoaccess.network.build.build_network` (car or boat) →
municipality centres from SSB's 2015 grid (:mod:`geoaccess.layers.centres`) → snapped →
:func:`municipal_matrix` / :func:`cell_centre_times` (all routing in :mod:`geoaccess.national.routing`).

Blockwise national runs (:mod:`.blocks`: Parquet parts, ``run.json``, resume, Dask): the centrality
index from every 250 m cell (:func:`national_centrality`, kernels in :mod:`.access`) and SSB's
pre-2017 centrality levels (:func:`pre2017_levels`).
"""

from __future__ import annotations

from geoaccess.national.access import cell_access_block
from geoaccess.national.blocks import run_blocks
from geoaccess.national.centrality import national_centrality
from geoaccess.national.compare import compare_with_detailed
from geoaccess.national.matrix import cell_centre_times, municipal_matrix, snap_centres
from geoaccess.national.pre2017 import pre2017_levels
from geoaccess.national.report import network_report

__all__ = [
    "cell_access_block",
    "cell_centre_times",
    "compare_with_detailed",
    "municipal_matrix",
    "national_centrality",
    "network_report",
    "pre2017_levels",
    "run_blocks",
    "snap_centres",
]
