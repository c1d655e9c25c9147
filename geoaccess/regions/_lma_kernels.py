"""The numba kernels of :mod:`geoaccess.regions.lma` (imported by its functions when they run, so importing
``geoaccess.regions`` loads no numba)."""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["_lma_kernel", "_validity_one"]


@njit(cache=True)
def _validity_one(x: float, r: float, w: float, min_sc: float, tar_sc: float, min_s: float, tar_s: float) -> float:
    if r <= 0.0 or w <= 0.0:
        return 0.0
    sc = min(x / r, x / w)
    if tar_s > min_s:
        k = max((tar_s - r) / (tar_s - min_s), 0.0)
    else:
        k = 0.0 if r >= tar_s else 1.0
    return (1.0 - (1.0 - min_sc / tar_sc) * k) * min(sc, tar_sc) / tar_sc


@njit(cache=True)
def _lma_kernel(
    out_ptr: np.ndarray,
    out_idx: np.ndarray,
    out_val: np.ndarray,
    in_ptr: np.ndarray,
    in_idx: np.ndarray,
    in_val: np.ndarray,
    res: np.ndarray,
    jobs: np.ndarray,
    min_sc: float,
    tar_sc: float,
    min_s: float,
    tar_s: float,
    fixed0: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, int]:
    n = res.shape[0]
    label = np.arange(n)
    active = np.ones(n, dtype=np.bool_)
    fixed = fixed0.copy()
    ra = res.copy()
    wa = jobs.copy()
    xa = np.zeros(n)
    diag = np.zeros(n)
    for z in range(n):
        for k in range(out_ptr[z], out_ptr[z + 1]):
            if out_idx[k] == z:
                diag[z] += out_val[k]
    xa[:] = diag
    thr = min_sc / tar_sc - 1e-12
    acc_out = np.zeros(n)
    acc_in = np.zeros(n)
    touched = np.empty(n, dtype=np.int64)
    is_touched = np.zeros(n, dtype=np.bool_)
    iterations = 0
    while True:
        # least valid, invalid, non-fixed active area
        best = -1
        best_f = np.inf
        best_s = np.inf
        for a in range(n):
            if not active[a] or fixed[a]:
                continue
            f = _validity_one(xa[a], ra[a], wa[a], min_sc, tar_sc, min_s, tar_s)
            if ra[a] >= min_s and f >= thr:
                continue
            if f < best_f or (f == best_f and ra[a] < best_s):
                best = a
                best_f = f
                best_s = ra[a]
        if best < 0:
            break
        iterations += 1
        # dissolve
        members = np.where(label == best)[0]
        active[best] = False
        ra[best] = 0.0
        wa[best] = 0.0
        xa[best] = 0.0
        for z in members:
            label[z] = -1
        order = members[np.argsort(-res[members], kind="mergesort")]
        for z in order:
            nt = 0
            for k in range(out_ptr[z], out_ptr[z + 1]):
                b = label[out_idx[k]]
                if b >= 0:
                    if not is_touched[b]:
                        is_touched[b] = True
                        touched[nt] = b
                        nt += 1
                    acc_out[b] += out_val[k]
            for k in range(in_ptr[z], in_ptr[z + 1]):
                b = label[in_idx[k]]
                if b >= 0:
                    if not is_touched[b]:
                        is_touched[b] = True
                        touched[nt] = b
                        nt += 1
                    acc_in[b] += in_val[k]
            target = -1
            best_l = 0.0
            for t in range(nt):
                b = touched[t]
                lval = 0.0
                if res[z] > 0.0 and wa[b] > 0.0:
                    lval += acc_out[b] * acc_out[b] / (res[z] * wa[b])
                if jobs[z] > 0.0 and ra[b] > 0.0:
                    lval += acc_in[b] * acc_in[b] / (jobs[z] * ra[b])
                if lval > best_l or (lval == best_l and lval > 0.0 and b < target):
                    best_l = lval
                    target = b
            if target >= 0:
                label[z] = target
                ra[target] += res[z]
                wa[target] += jobs[z]
                xa[target] += diag[z] + acc_out[target] + acc_in[target]
            else:
                # no link to any other area: alone for good (area id z is free, see docs)
                label[z] = z
                active[z] = True
                fixed[z] = True
                ra[z] = res[z]
                wa[z] = jobs[z]
                xa[z] = diag[z]
            for t in range(nt):
                b = touched[t]
                acc_out[b] = 0.0
                acc_in[b] = 0.0
                is_touched[b] = False
    return label, fixed, iterations
