"""The change maps of a scenario: minutes saved per cell, the added links and the centre on top."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["change_map", "saved_scale"]


def change_map(surface: Any, path: Path, *, scen: Any, centre: Any, title: str) -> Path:
    """PNG of the minutes saved per cell (``-change_minutes``) with the added links and the centre on top."""
    import geopandas as gpd
    import numpy as np

    from geoaccess.layers.centre_point import centre_points
    from geoaccess.network.graph import EdgeFlag
    from geoaccess.report.maps import png_map

    overlays = [centre_points(centre)]
    added = np.flatnonzero((scen.flags & EdgeFlag.CONNECTOR) != 0)
    if len(added):
        overlays.insert(0, gpd.GeoDataFrame({"edge": added}, geometry=scen.edge_geometries(added), crs=scen.crs))
    layer = surface.copy()
    layer["minutes_saved"] = -layer["change_minutes"]
    return png_map(layer, path, column="minutes_saved", title=title, scale=saved_scale(layer["minutes_saved"]),
                   overlays=overlays)


def saved_scale(minutes_saved: Any) -> Any:
    """The change maps' colours: diverging around no change (±0.05 min); blue = faster, red = slower (a closure)."""
    from geoaccess.report.colours import diverging_scale

    return diverging_scale(minutes_saved, centre=0.0, cmap="RdBu", neutral=0.05,
                           title="minutes saved (before - after; red = slower, blue = faster)")
