"""TEST-ONLY stand-in for travel times between municipalities: NOT real travel times.

Until the national municipality matrices exist, the BA command is exercised end to end
with a table built honestly from geometry: the straight-line distance between the
municipalities' representative points (inside each polygon, EPSG:25833), times a
detour factor of 1.3, driven at 60 km/h. It ignores roads, ferries and mountains, so
its rule counts say nothing about TØI's regions. It is used only in tests.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SPEED_KMH = 60.0
DETOUR = 1.3


def proxy_travel_times(year: int, *, max_minutes: float = 240.0) -> pd.DataFrame:
    """All pairs ``origin, destination, minutes`` among the municipalities of ``year`` (pairs above the cap dropped)."""
    from geoaccess.layers.municipality_codes import boundaries_for_year

    b = boundaries_for_year(year)
    pts = b.geometry.representative_point()
    x, y = pts.x.to_numpy(), pts.y.to_numpy()
    d = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    minutes = d * DETOUR / 1000.0 / SPEED_KMH * 60.0
    codes = b["kommunenummer"].to_numpy()
    i, j = np.nonzero((minutes <= max_minutes) & ~np.eye(len(codes), dtype=bool))
    return pd.DataFrame({"origin": codes[i], "destination": codes[j], "minutes": minutes[i, j]})
