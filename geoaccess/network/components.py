"""Strongly connected components ("islands") of a network.

In Norway islands matter: an island without a ferry, a road cut off by a
missing junction in the source data, or a one-way stub all form separate
strongly connected components. A node outside the largest component cannot
reach, or cannot be reached from, most of the network, so accessibility
measures treat it as unreachable. :func:`component_report` lists the components;
:func:`keep_components` keeps the largest one (default) or all of them, warning
with the island sizes either way.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from geoaccess.network.graph import Network

__all__ = ["component_labels", "component_report", "component_summary", "keep_components"]


def component_labels(net: Network) -> np.ndarray:
    """Strong component of each node, numbered by size: 0 is the largest (ties by lowest node).

    Returns
    -------
    numpy.ndarray of int64, shape (n,)
    """
    from scipy.sparse.csgraph import connected_components

    if net.n_nodes == 0:
        return np.zeros(0, dtype=np.int64)
    _, labels = connected_components(net.csgraph(), directed=True, connection="strong")
    sizes = np.bincount(labels)
    first = np.full(len(sizes), net.n_nodes, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(net.n_nodes))
    order = np.lexsort((first, -sizes))
    rank = np.empty(len(sizes), dtype=np.int64)
    rank[order] = np.arange(len(sizes))
    return rank[labels]


def component_report(net: Network) -> pd.DataFrame:
    """One row per strongly connected component, largest first.

    Returns
    -------
    pandas.DataFrame
        Columns ``component`` (0 = largest), ``nodes``, ``edges`` (edges with both ends inside),
        ``km`` (length of those edges in kilometres) and ``share`` (fraction of all nodes).
    """
    import pandas as pd

    labels = component_labels(net)
    k = int(labels.max()) + 1 if len(labels) else 0
    tails = net.tails
    inside = labels[tails] == labels[net.indices] if net.n_edges else np.zeros(0, dtype=bool)
    lab_e = labels[tails[inside]]
    nodes = np.bincount(labels, minlength=k)
    return pd.DataFrame(
        {
            "component": np.arange(k, dtype=np.int64),
            "nodes": nodes.astype(np.int64),
            "edges": np.bincount(lab_e, minlength=k).astype(np.int64),
            "km": np.bincount(lab_e, weights=net.metres[inside], minlength=k) / 1000.0,
            "share": nodes / max(net.n_nodes, 1),
        }
    )


def component_summary(report: pd.DataFrame, *, max_islands: int = 20) -> dict[str, object]:
    """A JSON-friendly summary of :func:`component_report` for ``Network.meta``."""
    sizes = report["nodes"].to_numpy()
    return {
        "count": len(report),
        "largest_nodes": int(sizes[0]) if len(sizes) else 0,
        "largest_share": float(report["share"].iloc[0]) if len(sizes) else 0.0,
        "island_nodes": int(sizes[1:].sum()),
        "island_sizes": [int(s) for s in sizes[1 : 1 + max_islands]],
    }


def _island_text(report: pd.DataFrame, *, max_islands: int = 10) -> str:
    sizes = report["nodes"].to_numpy()[1:]
    km = report["km"].to_numpy()[1:]
    shown = ", ".join(f"{s} nodes/{k:.2f} km" for s, k in zip(sizes[:max_islands], km[:max_islands], strict=False))
    more = f" and {len(sizes) - max_islands} more" if len(sizes) > max_islands else ""
    return f"{len(sizes)} island(s) outside the largest component ({int(sizes.sum())} nodes): {shown}{more}"


def keep_components(
    net: Network, *, keep: Literal["largest", "all"] = "largest", warn: bool = True
) -> Network:
    """Keep the largest strongly connected component, or all of them.

    Parameters
    ----------
    net
        The network.
    keep
        ``"largest"`` (default) drops every node outside the largest strong component;
        ``"all"`` keeps the network as it is.
    warn
        Warn (:class:`~geoaccess.errors.DataWarning`) listing the islands by size when there is more than one component.

    Returns
    -------
    Network
        With ``meta["components"]`` (see :func:`component_summary`) describing the input's components,
        ``meta["component_table"]`` (the full :func:`component_report` of the input as lists, with a
        ``kept`` column) and ``meta["components_kept"]``.
    """
    from geoaccess.errors import DataWarning, InputError

    if keep not in ("largest", "all"):
        msg = f"keep must be 'largest' or 'all', not {keep!r}."
        raise InputError(msg)
    report = component_report(net)
    summary = component_summary(report)
    if len(report) > 1 and warn:
        action = (
            "they are dropped (keep='largest')"
            if keep == "largest"
            else "they are kept (keep='all'); nodes there reach only their own island"
        )
        warnings.warn(f"{_island_text(report)}; {action}.", DataWarning, stacklevel=2)
    if keep == "all" or len(report) <= 1:
        out = net
    else:
        labels = component_labels(net)
        node_mask = labels == 0
        edge_mask = node_mask[net.tails] & node_mask[net.indices]
        out = net.edge_subset(edge_mask, node_mask)
    meta = dict(out.meta)
    meta["components"] = summary
    meta["component_table"] = {
        "component": report["component"].tolist(),
        "nodes": report["nodes"].tolist(),
        "edges": report["edges"].tolist(),
        "km": [round(float(v), 4) for v in report["km"]],
        "share": [float(v) for v in report["share"]],
        "kept": [keep == "all" or i == 0 for i in range(len(report))],
    }
    meta["components_kept"] = keep
    return replace(out, meta=meta)
