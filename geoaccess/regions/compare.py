"""Compare two regionalisations of the same municipalities.

* **Adjusted Rand index** (Hubert & Arabie 1985) from the contingency table:
  1 for identical partitions, about 0 for chance agreement.
* **Best-match share**: regions of A are matched one-to-one to regions of B so as
  to maximise the municipalities (or a weight such as residents) they share
  (Hungarian algorithm); the share is the matched overlap over the total.
* **Moves**: municipalities whose B region is not the match of their A region.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from geoaccess.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from geoaccess.regions.flows import Regionalisation

__all__ = ["adjusted_rand_index", "best_match", "compare_regionalisations", "contingency"]


def _labels(x: Regionalisation | pd.Series) -> pd.Series:
    return x.labels() if hasattr(x, "labels") else x


def _align(a: Regionalisation | pd.Series, b: Regionalisation | pd.Series) -> tuple[pd.Series, pd.Series]:
    la, lb = _labels(a), _labels(b)
    if la.index.duplicated().any() or lb.index.duplicated().any():
        msg = "compare: a municipality appears twice in one regionalisation."
        raise InputError(msg)
    only_a = sorted(set(la.index) - set(lb.index))
    only_b = sorted(set(lb.index) - set(la.index))
    if only_a or only_b:
        msg = (
            f"compare: the two regionalisations cover different municipalities ({len(only_a)} only in the first, "
            f"e.g. {only_a[:5]}; {len(only_b)} only in the second, e.g. {only_b[:5]}); recode one to the other's year."
        )
        raise InputError(msg)
    return la.sort_index(), lb.reindex(la.sort_index().index)


def contingency(
    a: Regionalisation | pd.Series,
    b: Regionalisation | pd.Series,
    *,
    weights: pd.Series | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Contingency table ``n[i, j]`` = count (or weight) of municipalities in A-region i and B-region j.

    Returns
    -------
    table, ids_a, ids_b
    """
    la, lb = _align(a, b)
    ia, ca = np.unique(la.astype(str).to_numpy(), return_inverse=True)
    ib, cb = np.unique(lb.astype(str).to_numpy(), return_inverse=True)
    w = np.ones(len(la)) if weights is None else weights.reindex(la.index).fillna(0.0).to_numpy(dtype=float)
    table = np.zeros((len(ia), len(ib)))
    np.add.at(table, (ca, cb), w)
    return table, ia, ib


def adjusted_rand_index(a: Regionalisation | pd.Series, b: Regionalisation | pd.Series) -> float:
    """Adjusted Rand index of two partitions of the same municipalities (1 = identical)."""
    table, _, _ = contingency(a, b)

    def pairs(x: np.ndarray) -> float:
        return float((x * (x - 1) / 2).sum())

    n = table.sum()
    total = n * (n - 1) / 2
    sum_ij = pairs(table)
    sum_a = pairs(table.sum(axis=1))
    sum_b = pairs(table.sum(axis=0))
    expected = sum_a * sum_b / total if total > 0 else 0.0
    maximum = (sum_a + sum_b) / 2
    if maximum == expected:
        return 1.0
    return float((sum_ij - expected) / (maximum - expected))


def best_match(
    a: Regionalisation | pd.Series,
    b: Regionalisation | pd.Series,
    *,
    weights: pd.Series | None = None,
) -> tuple[dict[str, str], float]:
    """One-to-one matching of A regions to B regions maximising the shared count (or weight).

    Returns
    -------
    match : dict
        A region id → matched B region id (unmatched A regions are absent).
    share : float
        Matched overlap / total, in 0–1.
    """
    from scipy.optimize import linear_sum_assignment

    table, ia, ib = contingency(a, b, weights=weights)
    rows, cols = linear_sum_assignment(table, maximize=True)
    total = table.sum()
    keep = table[rows, cols] > 0
    match = {str(ia[r]): str(ib[c]) for r, c in zip(rows[keep], cols[keep], strict=True)}
    return match, float(table[rows, cols].sum() / total) if total > 0 else float("nan")


def compare_regionalisations(
    a: Regionalisation | pd.Series,
    b: Regionalisation | pd.Series,
    *,
    weights: pd.Series | None = None,
) -> tuple[dict[str, float], pd.DataFrame]:
    """ARI, best-match share and the table of moves between two regionalisations.

    Parameters
    ----------
    a, b
        Regionalisations (or region id per municipality code) of the same municipalities.
    weights
        Optional weight per municipality (e.g. residents) for a weighted best-match share.

    Returns
    -------
    summary : dict
        ``ari``, ``best_match_share`` (by municipality count), ``best_match_share_weighted``
        (when weights are given), ``n_regions_a``, ``n_regions_b``, ``n_moved``.
    moves : pandas.DataFrame
        ``kommunenummer``, ``region_a``, ``region_b``, ``matched_b`` (the B region
        matched to ``region_a``, empty if none).
    """
    import pandas as pd

    la, lb = _align(a, b)
    match, share = best_match(la, lb)
    summary: dict[str, float] = {
        "ari": adjusted_rand_index(la, lb),
        "best_match_share": share,
        "n_regions_a": int(la.nunique()),
        "n_regions_b": int(lb.nunique()),
    }
    if weights is not None:
        summary["best_match_share_weighted"] = best_match(la, lb, weights=weights)[1]
    matched = la.astype(str).map(match).fillna("")
    moved = matched != lb.astype(str)
    moves = pd.DataFrame(
        {
            "kommunenummer": la.index[moved],
            "region_a": la[moved].astype(str).to_numpy(),
            "region_b": lb[moved].astype(str).to_numpy(),
            "matched_b": matched[moved].to_numpy(),
        }
    )
    summary["n_moved"] = int(moved.sum())
    return summary, moves.reset_index(drop=True)
