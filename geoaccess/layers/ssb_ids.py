"""SSB grid cell ids (*rute-id*): encode, decode and check.

Statistics Norway numbers each cell of its national grids (250 m ``ru250m``, 1 km
``ssbid_1000m``, ...) by the cell's **lower-left (south-west) corner** in EPSG:25833::

    id = (x + 2,000,000) * 10**7 + y

so ``19250006618000`` is the cell whose corner is x = -75,000 m, y = 6,618,000 m. An id
*decodes* when it is a whole number, its northing lies in ``[0, 10**7)`` and its easting
in ``[-2,000,000, 8,000,000)``, and the corner is a multiple of the cell size (a 250 m
cell starts on a multiple of 250 m). Everything else is refused by name.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["DecodedIds", "decode_ssb_ids", "encode_ssb_ids"]

_OFFSET = 2_000_000
_SCALE = 10_000_000


class DecodedIds(NamedTuple):
    """Result of :func:`decode_ssb_ids`.

    Attributes
    ----------
    x, y : numpy.ndarray of float64
        Lower-left corner in metres, EPSG:25833 (NaN where the id does not decode).
    ok : numpy.ndarray of bool
        True where the id decodes to a corner of the grid.
    reason : numpy.ndarray of object
        Empty where ``ok``, else why the id was refused.
    """

    x: np.ndarray
    y: np.ndarray
    ok: np.ndarray
    reason: np.ndarray


def encode_ssb_ids(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """SSB ids (int64) of the cells whose lower-left corners are ``(x, y)`` (metres, EPSG:25833)."""
    x = np.asarray(x, dtype=np.int64)
    y = np.asarray(y, dtype=np.int64)
    return (x + _OFFSET) * _SCALE + y


def decode_ssb_ids(ids: object, *, cell_m: float) -> DecodedIds:
    """Decode SSB cell ids (strings or integers) into lower-left corners, refusing the malformed.

    Parameters
    ----------
    ids
        Sequence of ids: digit strings (``"19250006618000"``), integers, or integral floats.
    cell_m
        Cell size in metres (250 or 1000); the corner must be a multiple of it.

    Returns
    -------
    DecodedIds
    """
    import pandas as pd

    s = pd.Series(ids, dtype="object").astype("string").str.strip()
    # integral floats written as "1.92500066180E13" or "19250006618000.0"
    num = pd.to_numeric(s, errors="coerce")
    digits = s.str.fullmatch(r"[0-9]{1,18}").fillna(False).to_numpy(dtype=bool)
    as_float = num.to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        integral = np.isfinite(as_float) & (np.nan_to_num(as_float, nan=0.5, posinf=0.5, neginf=0.5) % 1 == 0)
    value = np.zeros(len(s), dtype=np.int64)
    value[digits] = s[digits].astype("int64").to_numpy()
    floaty = ~digits & integral & (np.abs(num.to_numpy(dtype=np.float64, na_value=0.0)) < 2**53)
    value[floaty] = num[floaty].astype("int64").to_numpy()
    parsed = digits | floaty
    xs = value // _SCALE - _OFFSET
    ys = value % _SCALE
    reason = np.full(len(s), "", dtype=object)
    reason[~parsed] = "is not a whole number"
    bad_range = parsed & ((xs < -_OFFSET) | (xs >= 8_000_000) | (value < 0))
    reason[bad_range] = "decodes to an easting outside [-2,000,000, 8,000,000) m"
    cell = int(round(cell_m))
    misaligned = parsed & ~bad_range & ((xs % cell != 0) | (ys % cell != 0))
    reason[misaligned] = f"decodes to a point that is not the lower-left corner of a {cell} m cell"
    ok = parsed & ~bad_range & ~misaligned
    x = np.where(ok, xs, np.nan).astype(np.float64)
    y = np.where(ok, ys, np.nan).astype(np.float64)
    return DecodedIds(x, y, ok, reason)
