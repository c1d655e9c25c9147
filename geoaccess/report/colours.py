"""Colour scales shared by the PNG maps, the HTML maps and the QGIS styles.

One :class:`ColourScale` decides the classes, colours and legend labels of a map, so the PNG,
the interactive HTML map and the ``.qml`` style beside a GeoPackage layer agree:

- :func:`sequential_scale` for counts and travel times (quantile, natural-breaks or
  equal-interval classes; a column with few distinct values gets one class per value);
- :func:`diverging_scale` for changes, centred on "no change" (a closure shows red, a new link
  blue, unchanged cells a neutral grey-white);
- :func:`categorical_scale` for names (regions, municipalities). With more categories than the
  palette has colours, adjacent regions are coloured apart by graph colouring (DSATUR on the
  adjacency graph), so no two neighbours share a colour; the names then go on the map, not in
  a 200-line legend.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "ColourScale",
    "categorical_scale",
    "diverging_scale",
    "neighbour_colouring",
    "neighbour_pairs",
    "scale_for",
    "sequential_scale",
]

MISSING_COLOUR = "#d9d9d9"
#: Light qualitative colours (ColorBrewer Set2 and Pastel1) for neighbour colouring: black labels stay legible.
NEIGHBOUR_PALETTE = (
    "#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3", "#a6d854", "#ffd92f", "#e5c494",
    "#b3de69", "#bc80bd", "#80b1d3", "#fdb462", "#fccde5",
)


@dataclass(frozen=True)
class ColourScale:
    """Classes, colours and legend labels of one map.

    Attributes
    ----------
    kind
        ``"sequential"``, ``"diverging"`` or ``"categorical"``.
    colours
        One hex colour (``"#rrggbb"``) per class.
    labels
        One legend label per class.
    breaks
        Numeric scales: ``len(colours) + 1`` class edges, increasing; the outer ones may be
        ``-inf``/``inf``. A value ``v`` is in class ``i`` when ``breaks[i] < v <= breaks[i + 1]``
        (the first class also holds ``v == breaks[0]``; a diverging scale's "no change" class
        holds both its edges). ``None`` for categorical scales.
    categories
        Categorical scales: the category of each class (colours may repeat when
        :attr:`reuses_colours`). ``None`` for numeric scales.
    title
        Legend title.
    missing
        Colour of missing values (NaN, unreachable, unknown category).
    """

    kind: Literal["sequential", "diverging", "categorical"]
    colours: tuple[str, ...]
    labels: tuple[str, ...]
    breaks: tuple[float, ...] | None = None
    categories: tuple[Any, ...] | None = None
    title: str = ""
    missing: str = MISSING_COLOUR

    def __post_init__(self) -> None:
        if len(self.colours) != len(self.labels):
            msg = f"A colour scale needs one label per colour: {len(self.colours)} colours, {len(self.labels)} labels."
            raise ValueError(msg)
        if self.breaks is not None and len(self.breaks) != len(self.colours) + 1:
            msg = f"A numeric colour scale needs {len(self.colours) + 1} breaks, got {len(self.breaks)}."
            raise ValueError(msg)
        if self.kind == "categorical" and (self.categories is None or len(self.categories) != len(self.colours)):
            msg = "A categorical colour scale needs one category per colour."
            raise ValueError(msg)

    @property
    def reuses_colours(self) -> bool:
        """True when several classes share a colour (neighbour colouring): label the map instead of a legend."""
        return len(set(self.colours)) < len(self.colours)

    def classes(self, values: Sequence[Any] | np.ndarray) -> np.ndarray:
        """Class index of each value (``-1`` for missing or unknown values)."""
        if self.kind == "categorical":
            index = {c: i for i, c in enumerate(self.categories or ())}
            return np.array([index.get(v, -1) for v in values], dtype=np.int64)
        x = np.asarray(values, dtype=np.float64)
        edges = np.asarray(self.breaks, dtype=np.float64)
        out = np.searchsorted(edges[1:-1], x, side="left").astype(np.int64)
        if self.kind == "diverging":  # "no change" is closed on both sides: [centre - h, centre + h]
            mid = (len(self.colours) - 1) // 2
            out[x == edges[mid]] = mid
        out[~np.isfinite(x)] = -1
        return out

    def colour_of(self, values: Sequence[Any] | np.ndarray) -> np.ndarray:
        """Hex colour of each value (:attr:`missing` for missing values)."""
        cls = self.classes(values)
        palette = np.array([*self.colours, self.missing], dtype=object)
        return palette[np.where(cls < 0, len(self.colours), cls)]

    def to_matplotlib(self) -> tuple[Any, Any]:
        """A ``(ListedColormap, BoundaryNorm)`` pair that draws the numeric classes in matplotlib."""
        from matplotlib.colors import BoundaryNorm, ListedColormap

        if self.breaks is None:
            msg = "to_matplotlib() applies to numeric scales; draw categories with colour_of()."
            raise ValueError(msg)
        edges = np.asarray(self.breaks, dtype=np.float64).copy()
        finite = edges[np.isfinite(edges)]
        span = float(finite.max() - finite.min()) if finite.size > 1 else 1.0
        if not np.isfinite(edges[0]):
            edges[0] = finite.min() - span / max(len(self.colours) - 2, 1)
        if not np.isfinite(edges[-1]):
            edges[-1] = finite.max() + span / max(len(self.colours) - 2, 1)
        cmap = ListedColormap(list(self.colours))
        cmap.set_bad(self.missing)
        return cmap, BoundaryNorm(edges, cmap.N)


# ----------------------------------------------------------------------------- numbers
def _hex_colours(cmap: str | Sequence[str], n: int) -> list[str]:
    """``n`` colours sampled evenly from a matplotlib colour map name, or taken from a list."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    if not isinstance(cmap, str):
        cols = [to_hex(c) for c in cmap]
        return [cols[i % len(cols)] for i in range(n)]
    cm = colormaps[cmap]
    if getattr(cm, "N", 256) <= 20 and n <= cm.N:  # a qualitative map: its own colours, in order
        return [to_hex(cm(i)) for i in range(n)]
    pos = [0.5] if n == 1 else np.linspace(0.0, 1.0, n)
    return [to_hex(cm(float(p))) for p in pos]


def _fmt(v: float) -> str:
    """A short label for a class edge: integers without decimals, else up to 3 significant figures."""
    if not np.isfinite(v):
        return "∞" if v > 0 else "−∞"
    if v == 0:
        return "0"  # never "-0"
    if float(v).is_integer() or abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.3g}"


def _nice(x: float) -> float:
    """The smallest number of the form {1, 2, 2.5, 5} x 10^n that is >= ``x`` (``x`` > 0)."""
    exp = math.floor(math.log10(x))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if m * 10**exp >= x * (1 - 1e-12):
            return m * 10**exp
    return 10.0 ** (exp + 1)


def sequential_scale(
    values: Sequence[float] | np.ndarray,
    *,
    k: int = 5,
    cmap: str | Sequence[str] = "viridis",
    scheme: Literal["quantiles", "natural_breaks", "equal_interval"] = "quantiles",
    breaks: Sequence[float] | None = None,
    title: str = "",
) -> ColourScale:
    """Classes for a one-sided quantity (counts, minutes).

    Parameters
    ----------
    values
        The data (NaN/inf are missing and ignored for the classes).
    k
        Number of classes at most. A column with ``k`` or fewer distinct values (e.g. catchments
        of 10/20/30 minutes) gets one class per value.
    cmap
        Matplotlib colour map name (e.g. ``"viridis_r"`` so short times are yellow) or a list of colours.
    scheme
        Classification of :mod:`mapclassify` used when ``breaks`` is not given.
    breaks
        Explicit class edges (increasing, ``k + 1`` values including the minimum and maximum).
    title
        Legend title.
    """
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    if breaks is not None:
        edges = [float(b) for b in breaks]
        if len(edges) < 2 or any(b >= a for a, b in zip(edges[1:], edges[:-1], strict=False)):
            msg = f"Class breaks must be at least two increasing numbers, got {list(breaks)}."
            raise ValueError(msg)
    elif x.size == 0:
        return ColourScale("sequential", (_hex_colours(cmap, 1)[0],), ("no data",), (0.0, 1.0), title=title)
    else:
        uniq = np.unique(x)
        if uniq.size <= k:
            cols = _hex_colours(cmap, uniq.size)
            mids = (uniq[1:] + uniq[:-1]) / 2.0
            edges = [-np.inf, *mids.tolist(), np.inf]
            return ColourScale("sequential", tuple(cols), tuple(_fmt(v) for v in uniq), tuple(edges), title=title)
        import mapclassify

        cls = {"quantiles": mapclassify.Quantiles, "natural_breaks": mapclassify.NaturalBreaks,
               "equal_interval": mapclassify.EqualInterval}[scheme]
        with warnings.catch_warnings():  # ties: mapclassify forms fewer classes, as unique() below does too
            warnings.filterwarnings("ignore", message="Not enough unique values", category=UserWarning)
            bins = np.unique(cls(x, k=k).bins)
        edges = [float(x.min()), *bins.tolist()]
        if len(edges) < 2:
            edges = [float(x.min()), float(x.max()) + 1.0]
    n = len(edges) - 1
    labels = tuple(f"{_fmt(a)} – {_fmt(b)}" for a, b in zip(edges[:-1], edges[1:], strict=False))
    return ColourScale("sequential", tuple(_hex_colours(cmap, n)), labels, tuple(edges), title=title)


def diverging_scale(
    values: Sequence[float] | np.ndarray,
    *,
    centre: float = 0.0,
    k: int = 7,
    cmap: str = "RdBu",
    neutral: float | None = None,
    limit: float | None = None,
    title: str = "",
) -> ColourScale:
    """Symmetric classes around ``centre`` ("no change") for change maps.

    The middle class ``[centre - h, centre + h]`` (``h = neutral``, default half a class width)
    gets the colour map's middle colour and the label "no change"; classes above and below
    mirror each other, with open-ended outer classes. With the default ``"RdBu"``, values below
    the centre are red and above it blue: pass ``minutes_saved`` (positive = faster) so a
    closure shows red and a new link blue.

    Parameters
    ----------
    values
        The changes (NaN/inf are missing).
    centre
        The value meaning "no change".
    k
        Number of classes, odd and >= 3.
    cmap
        A diverging matplotlib colour map.
    neutral
        Half-width of the "no change" class, in the values' unit.
    limit
        Largest deviation the classes cover before the open outer classes; default the 98th
        percentile of ``|value - centre|``.
    title
        Legend title.
    """
    if k < 3 or k % 2 == 0:
        msg = f"A diverging scale needs an odd number of classes >= 3, got k={k}."
        raise ValueError(msg)
    m = (k - 1) // 2
    x = np.asarray(values, dtype=np.float64)
    dev = np.abs(x[np.isfinite(x)] - centre)
    lim = float(limit) if limit is not None else (float(np.quantile(dev, 0.98)) if dev.size else 1.0)
    if not lim > 0:
        lim = float(dev.max()) if dev.size and dev.max() > 0 else 1.0
    step = _nice(lim / (m + 0.5))
    h = step / 2.0 if neutral is None else float(neutral)
    if not h >= 0:
        msg = f"neutral must be >= 0, got {neutral}."
        raise ValueError(msg)
    pos = [h + step * i for i in range(m)]
    edges = [-np.inf, *[centre - p for p in reversed(pos)], *[centre + p for p in pos], np.inf]
    labels: list[str] = []
    for i in range(k):
        a, b = edges[i], edges[i + 1]
        if i == m:
            labels.append(f"no change (±{_fmt(h)})" if h > 0 else "no change")
        elif not np.isfinite(a):
            labels.append(f"< {_fmt(b)}")
        elif not np.isfinite(b):
            labels.append(f"> {'+' if a > 0 else ''}{_fmt(a)}")
        else:
            labels.append(f"{_fmt(a)} to {'+' if b > 0 else ''}{_fmt(b)}")
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cm = colormaps[cmap]  # ends at 0.1/0.9: the extreme ends of RdBu are nearly black
    colours = tuple(to_hex(cm(float(p))) for p in np.linspace(0.1, 0.9, k))
    return ColourScale("diverging", colours, tuple(labels), tuple(edges), title=title)


# ----------------------------------------------------------------------------- categories
def neighbour_pairs(gdf: gpd.GeoDataFrame, *, tolerance_m: float = 500.0) -> np.ndarray:
    """Pairs ``(i, j)``, ``i < j``, of rows whose geometries lie within ``tolerance_m`` metres.

    Touching polygons are neighbours; so are regions across a narrow fjord or strait when the gap is
    below the tolerance. Geographic layers are measured in their local UTM zone.
    """
    import shapely

    if gdf.crs is not None and not gdf.crs.is_projected:
        gdf = gdf.to_crs(gdf.estimate_utm_crs())
    geoms = gdf.geometry.to_numpy()
    grown = shapely.buffer(geoms, tolerance_m / 2.0, quad_segs=2) if tolerance_m > 0 else geoms
    tree = shapely.STRtree(grown)
    left, right = tree.query(grown, predicate="intersects")
    keep = left < right
    return np.column_stack([left[keep], right[keep]]).astype(np.int64)


def neighbour_colouring(n: int, pairs: np.ndarray) -> np.ndarray:
    """Colour index per node so that no pair in ``pairs`` shares one (DSATUR greedy colouring).

    Parameters
    ----------
    n
        Number of nodes (categories or regions).
    pairs
        ``(m, 2)`` integer array of adjacent nodes.

    Returns
    -------
    numpy.ndarray
        ``int64`` colour index per node, from 0; maps are planar, so DSATUR uses few colours (5-6
        for Norway's BA regions).
    """
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from((int(a), int(b)) for a, b in pairs if a != b)
    col = nx.coloring.greedy_color(g, strategy="DSATUR")
    return np.array([col[i] for i in range(n)], dtype=np.int64)


def categorical_scale(
    values: Sequence[Any] | np.ndarray,
    *,
    geometries: gpd.GeoDataFrame | None = None,
    cmap: str | Sequence[str] = "tab10",
    title: str = "",
    tolerance_m: float = 500.0,
) -> ColourScale:
    """Colours for categories (region or municipality names).

    With no more categories than ``cmap`` has colours, each category has its own colour. With more
    and with ``geometries`` (one row per value, same order), categories whose shapes touch or lie
    within ``tolerance_m`` get different colours (graph colouring); colours then repeat among
    regions far apart, and :attr:`ColourScale.reuses_colours` tells the map to label regions
    instead of drawing a legend. Without geometries the palette is cycled.
    """
    import pandas as pd

    vals = pd.Series(np.asarray(values, dtype=object))
    cats = sorted(vals.dropna().unique().tolist(), key=lambda c: (str(type(c)), c))
    n_palette = len(cmap) if not isinstance(cmap, str) else _palette_size(cmap)
    if len(cats) <= n_palette or geometries is None:  # own colours, or a cycled palette without shapes
        cols = _hex_colours(cmap if len(cats) <= n_palette else list(NEIGHBOUR_PALETTE), len(cats))
        return ColourScale("categorical", tuple(cols), tuple(str(c) for c in cats), categories=tuple(cats), title=title)
    index = {c: i for i, c in enumerate(cats)}
    code = vals.map(index).to_numpy()
    rows = neighbour_pairs(geometries.reset_index(drop=True), tolerance_m=tolerance_m)
    ok = ~(pd.isna(code[rows[:, 0]]) | pd.isna(code[rows[:, 1]])) if len(rows) else np.zeros(0, dtype=bool)
    pairs = np.column_stack([code[rows[ok, 0]], code[rows[ok, 1]]]).astype(np.int64) if ok.any() else np.zeros((0, 2), np.int64)
    colour_index = neighbour_colouring(len(cats), pairs)
    palette = list(NEIGHBOUR_PALETTE)
    if colour_index.max(initial=0) >= len(palette):  # not seen on real maps; extend rather than repeat
        palette += _hex_colours("tab20", 20)
    cols = tuple(palette[int(i) % len(palette)] for i in colour_index)
    return ColourScale("categorical", cols, tuple(str(c) for c in cats), categories=tuple(cats), title=title)


def _palette_size(cmap: str) -> int:
    from matplotlib import colormaps

    return int(getattr(colormaps[cmap], "N", 256))


def scale_for(
    gdf: gpd.GeoDataFrame,
    column: str,
    *,
    categorical: bool = False,
    cmap: str | Sequence[str] | None = None,
    title: str = "",
) -> ColourScale:
    """The default scale of a map of ``gdf[column]``: categorical (with neighbour colouring) or sequential."""
    if categorical or not np.issubdtype(np.asarray(gdf[column]).dtype, np.number):
        return categorical_scale(gdf[column].to_numpy(), geometries=gdf, cmap=cmap or "tab10", title=title)
    return sequential_scale(gdf[column].to_numpy(dtype=np.float64), cmap=cmap or "viridis", title=title)
