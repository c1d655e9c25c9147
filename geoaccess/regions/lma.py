"""Labour-market areas by the Eurostat/Coombes travel-to-work-area (TTWA) algorithm.

Method (Coombes & Bond 2008, as used by ONS for the 2011 TTWAs, by Istat, and in
Eurostat's LMA guidelines and the R package *LabourMarketAreas*):

* **Self-containment** of an area ``A``: ``SC = min(X / R, X / W)`` where ``X`` is
  the number of workers who live and work in ``A``, ``R`` its employed residents
  (supply side) and ``W`` its jobs (demand side).
* **Validity** trades SC against size ``S`` (employed residents)::

      F(A) = [1 - (1 - minSC/tarSC) * max((tarS - S) / (tarS - minS), 0)] * min(SC, tarSC) / tarSC

  and ``A`` is valid when ``S >= minS`` and ``F(A) >= minSC / tarSC``. A large
  area (``S >= tarS``) thus needs ``SC >= minSC``; an area of minimum size needs
  ``SC >= tarSC``; between them the requirement falls linearly.
* **Iteration**: every zone starts as its own area. While an invalid area exists,
  the one with the lowest ``F`` is dissolved and its zones (largest first) are
  reassigned one by one to the area with the strongest Coombes tie::

      L(z, B) = T[z,B]^2 / (R_z W_B) + T[B,z]^2 / (W_z R_B)

  A zone with no commuting link to any other area stays alone and is marked
  ``isolated`` (it is never dissolved again, so the loop ends).

Each dissolution removes one area, so there are at most ``n`` iterations; the
whole loop is one numba kernel over the CSR matrix and its transpose.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

from geoaccess.regions.config import LMAParams

if TYPE_CHECKING:
    import pandas as pd

    from geoaccess.regions.flows import FlowData, Regionalisation

__all__ = ["labour_market_areas", "lma_labels", "validity"]


def validity(
    within: np.ndarray | float,
    residents: np.ndarray | float,
    jobs: np.ndarray | float,
    params: LMAParams | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Coombes validity ``F`` and the valid flag of areas.

    Parameters
    ----------
    within
        Workers living and working in the area (persons).
    residents
        Employed residents of the area (persons); also the size ``S``.
    jobs
        Jobs in the area (persons).
    params
        Validity parameters (UK 2011 defaults).

    Returns
    -------
    f : numpy.ndarray
        Validity score ``F`` (0 for areas without residents or jobs).
    valid : numpy.ndarray of bool
        ``S >= min_size`` and ``F >= min_sc / target_sc`` (with a 1e-12 tolerance).
    """
    from geoaccess.regions._lma_kernels import _validity_one

    p = params or LMAParams()
    x = np.atleast_1d(np.asarray(within, dtype=np.float64))
    r = np.atleast_1d(np.asarray(residents, dtype=np.float64))
    w = np.atleast_1d(np.asarray(jobs, dtype=np.float64))
    f = np.array(
        [
            _validity_one(a, b, c, p.min_self_containment, p.target_self_containment, p.min_size, p.target_size)
            for a, b, c in zip(x, r, w, strict=True)
        ]
    )
    valid = (r >= p.min_size) & (f >= p.min_self_containment / p.target_self_containment - 1e-12)
    return f, valid


def lma_labels(flows: FlowData, params: LMAParams | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """Run the TTWA kernel; return area index per zone, isolated flag per area index, iterations.

    Zero-worker zones (no residents, no jobs) are fixed as their own area up front.
    """
    from geoaccess.regions._lma_kernels import _lma_kernel

    p = params or LMAParams()
    m = flows.matrix.tocsr()
    m.sort_indices()
    mt = m.T.tocsr()
    mt.sort_indices()
    zero = (flows.residents == 0) & (flows.jobs == 0)
    label, fixed, iters = _lma_kernel(
        m.indptr.astype(np.int64),
        m.indices.astype(np.int64),
        m.data.astype(np.float64),
        mt.indptr.astype(np.int64),
        mt.indices.astype(np.int64),
        mt.data.astype(np.float64),
        flows.residents.astype(np.float64),
        flows.jobs.astype(np.float64),
        float(p.min_self_containment),
        float(p.target_self_containment),
        float(p.min_size),
        float(p.target_size),
        zero,
    )
    return label, fixed, int(iters)


def labour_market_areas(flows: FlowData | pd.DataFrame, params: LMAParams | None = None) -> Regionalisation:
    """Delineate labour-market areas (LMA / TTWA) from commuting flows.

    Parameters
    ----------
    flows
        :class:`~geoaccess.regions.flows.FlowData` or a flow table
        (``origin``, ``destination``, ``workers``).
    params
        Validity parameters; UK 2011 TTWA values by default.

    Returns
    -------
    Regionalisation
        Membership with ``region`` = code of the member with the most jobs; rule
        ``lma`` (valid area), ``lma_isolated`` (no link to any area, left alone
        though invalid) or ``zero_workers``. ``meta["regions"]`` holds the per-area
        validity.
    """
    import pandas as pd

    from geoaccess.regions.flows import FlowData, Regionalisation, membership_columns

    fd = flows if isinstance(flows, FlowData) else FlowData.from_table(flows)
    p = params or LMAParams()
    t0 = time.perf_counter()
    label, fixed, iters = lma_labels(fd, p)
    seconds = time.perf_counter() - t0
    # region id: code of the member with the most jobs (ties: lower code)
    order = np.lexsort((fd.codes.astype(str), -fd.jobs, label))
    first = np.ones(len(order), dtype=bool)
    first[1:] = label[order][1:] != label[order][:-1]
    head = {int(label[i]): fd.codes[i] for i in order[first]}
    region = np.array([head[int(a)] for a in label], dtype=object)
    zero = (fd.residents == 0) & (fd.jobs == 0)
    rule = np.where(zero, "zero_workers", np.where(fixed[label], "lma_isolated", "lma"))
    no = {
        "lma": "Arbeidsmarkedsområde (LMA)",
        "lma_isolated": "Isolert, egen region",
        "zero_workers": "Ingen sysselsatte",
    }
    en = {"lma": "Labour-market area (TTWA)", "lma_isolated": "Isolated, own region", "zero_workers": "No workers"}
    mem = pd.DataFrame(
        {
            "kommunenummer": fd.codes,
            "region": region,
            "rule": rule,
            "inkluderingsgrunnlag": [no[r] for r in rule],
            "inclusion_basis": [en[r] for r in rule],
            **membership_columns(fd, region),
        }
    )
    return Regionalisation(
        membership=mem,
        method="lma",
        meta={
            "method": "Eurostat/Coombes TTWA (Coombes & Bond 2008)",
            "params": {
                "min_self_containment": p.min_self_containment,
                "target_self_containment": p.target_self_containment,
                "min_size": p.min_size,
                "target_size": p.target_size,
            },
            "size_measure": "employed residents",
            "iterations": iters,
            "seconds": seconds,
            "year": fd.year,
        },
    )
