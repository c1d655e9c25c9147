"""Commuting shares between municipalities and centre groups, with their stated definitions.

For a municipality ``m`` and a centre group ``C`` (one municipality, or a double
centre counted as one), with ``F[a, b]`` = employed persons living in ``a`` and working
in ``b`` (SSB table 03321), *employed residents* = row sums and *jobs* = column sums:

* **out-commuting share** (*utpendling*) = ``F[m, C] / employed residents of m``;
* **in-commuting share** (*innpendling*), one of :data:`IN_SHARE_DEFINITIONS`:

  - ``municipality_jobs``: ``F[C, m] / jobs in m`` — the share of m's jobs held by
    residents of the centre;
  - ``centre_jobs``: ``F[m, C] / jobs in C`` — m's commuters as a share of the
    centre's jobs (the centre's in-commuting from m);
  - ``centre_residents``: ``F[C, m] / employed residents of C`` — the centre's
    out-commuting to m as a share of its employed residents;

* **sum pendling** = out share + in share;
* **main destination**: ``C`` receives at least as many of m's commuters as any other
  destination (every other centre group counted as one, every other municipality on
  its own, m itself excluded), and at least one.

A municipality without employed residents (or jobs) has share 0 for that side.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.errors import InputError

if TYPE_CHECKING:
    from geoaccess.regions.flows import FlowData

__all__ = ["IN_SHARE_DEFINITIONS", "OUT_SHARE_DEFINITION", "commuting_shares", "main_destination"]

OUT_SHARE_DEFINITION = "commuters from m to the centre group / employed residents of m (03321 row sum)"
IN_SHARE_DEFINITIONS = {
    "municipality_jobs": "commuters from the centre group to m / jobs in m (03321 column sum)",
    "centre_jobs": "commuters from m to the centre group / jobs in the centre group",
    "centre_residents": "commuters from the centre group to m / employed residents of the centre group",
}


def _indicator(flows: FlowData, groups: Sequence[Sequence[str]]) -> Any:
    import scipy.sparse as sp

    rows = np.concatenate([flows.index(list(g)) for g in groups]) if groups else np.zeros(0, dtype=np.int64)
    cols = np.concatenate([np.full(len(g), k) for k, g in enumerate(groups)]) if groups else np.zeros(0, dtype=int)
    return sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(flows.n, len(groups)))


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), 0.0)


def commuting_shares(
    flows: FlowData,
    groups: Sequence[Sequence[str]],
    *,
    in_share: str = "municipality_jobs",
) -> tuple[np.ndarray, np.ndarray]:
    """Out- and in-commuting shares of every zone towards each centre group.

    Parameters
    ----------
    flows
        Commuting matrix.
    groups
        Centre groups (lists of codes of the flows).
    in_share
        Definition of the in-commuting share (:data:`IN_SHARE_DEFINITIONS`).

    Returns
    -------
    out_share, in_share : numpy.ndarray, shape (n, g)
        Shares 0–1 (see the module docstring for numerators and denominators).
    """
    if in_share not in IN_SHARE_DEFINITIONS:
        msg = f"in_share must be one of {', '.join(IN_SHARE_DEFINITIONS)}, got {in_share!r}."
        raise InputError(msg)
    if not len(groups):
        z = np.zeros((flows.n, 0))
        return z, z.copy()
    ind = _indicator(flows, groups)
    to_g = np.asarray((flows.matrix @ ind).todense())  # F[m, C]
    from_g = np.asarray((flows.matrix.T @ ind).todense())  # F[C, m]
    out = _div(to_g, flows.residents[:, None])
    if in_share == "municipality_jobs":
        inn = _div(from_g, flows.jobs[:, None])
    elif in_share == "centre_jobs":
        inn = _div(to_g, (ind.T @ flows.jobs)[None, :])
    else:
        inn = _div(from_g, (ind.T @ flows.residents)[None, :])
    return out, inn


def main_destination(flows: FlowData, groups: Sequence[Sequence[str]]) -> np.ndarray:
    """Whether each centre group is each zone's largest commuting destination (boolean, shape (n, g))."""
    if not len(groups):
        return np.zeros((flows.n, 0), dtype=bool)
    ind = _indicator(flows, groups)
    to_g = np.asarray((flows.matrix @ ind).todense())
    in_group = np.asarray(ind.sum(axis=1)).ravel() > 0
    m = flows.matrix.tocsr().copy()
    m.setdiag(0.0)
    m.eliminate_zeros()
    # largest flow to a single municipality that belongs to no centre group
    coo = m.tocoo()
    keep = ~in_group[coo.col]
    best_single = np.zeros(flows.n)
    np.maximum.at(best_single, coo.row[keep], coo.data[keep])
    # largest flow to a centre group, excluding the zone's own group
    own = np.asarray(ind.todense()) > 0
    to_other = np.where(own, 0.0, to_g)
    out = np.zeros((flows.n, len(groups)), dtype=bool)
    for k in range(len(groups)):
        others = np.delete(to_other, k, axis=1).max(axis=1) if len(groups) > 1 else np.zeros(flows.n)
        out[:, k] = (to_g[:, k] > 0) & (to_g[:, k] >= best_single) & (to_g[:, k] >= others) & ~own[:, k]
    return out
