"""The numba kernels of :mod:`geoaccess.network.snap` (imported by its functions when they run, so importing
``geoaccess.network`` loads no numba)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

__all__ = ["_grid_cells", "_nearest_segment"]


@njit(cache=True)
def _grid_cells(sx0, sy0, sx1, sy1, gx0, gy0, cell, nx, ny, fill, ptr, out):  # pragma: no cover - numba
    """Register every segment in the grid cells it passes through (pieces no longer than a cell).

    Pass ``fill=False`` counts registrations per cell into ``ptr[c + 1]``; ``fill=True`` writes
    segment ids at ``out[ptr[c] ...]`` (``ptr`` then holds the running write positions).
    """
    total = 0
    for s in range(len(sx0)):
        length = math.hypot(sx1[s] - sx0[s], sy1[s] - sy0[s])
        pieces = max(1, int(math.ceil(length / cell)))
        last = -1
        for k in range(pieces):
            ax = sx0[s] + (sx1[s] - sx0[s]) * k / pieces
            ay = sy0[s] + (sy1[s] - sy0[s]) * k / pieces
            bx = sx0[s] + (sx1[s] - sx0[s]) * (k + 1) / pieces
            by = sy0[s] + (sy1[s] - sy0[s]) * (k + 1) / pieces
            c0 = min(max(int(math.floor((min(ax, bx) - gx0) / cell)), 0), nx - 1)
            c1 = min(max(int(math.floor((max(ax, bx) - gx0) / cell)), 0), nx - 1)
            r0 = min(max(int(math.floor((min(ay, by) - gy0) / cell)), 0), ny - 1)
            r1 = min(max(int(math.floor((max(ay, by) - gy0) / cell)), 0), ny - 1)
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    idx = r * nx + c
                    if idx == last and c0 == c1 and r0 == r1:
                        continue
                    last = idx
                    if fill:
                        out[ptr[idx]] = s
                        ptr[idx] += 1
                    else:
                        ptr[idx + 1] += 1
                    total += 1
    return total


@njit(cache=True, parallel=True)
def _nearest_segment(px, py, max_d, sx0, sy0, sx1, sy1, s_edge, gptr, gseg, gx0, gy0, cell, nx, ny,
                     out_seg, out_d, out_t):  # pragma: no cover - numba
    """Nearest segment of every point within ``max_d`` (ring search over the grid; ties: lowest edge).

    Writes the segment (``-1`` none), the distance and the position ``t`` (0..1) on the segment.
    """
    for i in prange(len(px)):
        x = px[i]
        y = py[i]
        best = np.inf
        bseg = -1
        bt = 0.0
        cx = int(math.floor((x - gx0) / cell))
        cy = int(math.floor((y - gy0) / cell))
        r = 0
        while True:
            for row in range(cy - r, cy + r + 1):
                if row < 0 or row >= ny:
                    continue
                step = 1 if (row == cy - r or row == cy + r) else 2 * r
                col = cx - r
                while col <= cx + r:
                    if 0 <= col < nx:
                        c = row * nx + col
                        for k in range(gptr[c], gptr[c + 1]):
                            s = gseg[k]
                            dx = sx1[s] - sx0[s]
                            dy = sy1[s] - sy0[s]
                            l2 = dx * dx + dy * dy
                            t = 0.0 if l2 == 0.0 else ((x - sx0[s]) * dx + (y - sy0[s]) * dy) / l2
                            if t <= 0.0:
                                t = 0.0
                                qx = sx0[s]
                                qy = sy0[s]
                            elif t >= 1.0:
                                t = 1.0
                                qx = sx1[s]
                                qy = sy1[s]
                            else:
                                qx = sx0[s] + t * dx
                                qy = sy0[s] + t * dy
                            d = math.hypot(x - qx, y - qy)
                            if d < best or (d == best and bseg >= 0 and s_edge[s] < s_edge[bseg]):
                                best = d
                                bseg = s
                                bt = t
                    if step == 0:
                        break
                    col += step
            # every segment not yet seen lies in rings > r, at least r * cell away
            if (best < r * cell) or (r * cell > max_d) or (r > nx + ny):
                break
            r += 1
        if best <= max_d:
            out_seg[i] = bseg
            out_d[i] = best
            out_t[i] = bt
        else:
            out_seg[i] = -1
            out_d[i] = np.nan
            out_t[i] = np.nan
