"""Headless Chromium (Debian's package) driven by Playwright, with the network switched off.

Used by the browser tests of the HTML outputs. Chromium is the system's ``/usr/bin/chromium``
(installed by ``make install``); Playwright only drives it and never downloads a browser.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

CHROMIUM = os.environ.get("GEOACCESS_CHROMIUM", "/usr/bin/chromium")
# The flags this machine needs (see the environment notes): no sandbox as root, no GPU, and no
# background connections, which a closed network would refuse many times over.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


def chromium_missing_reason() -> str | None:
    """Why the browser tests cannot run here, or ``None`` when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package 'playwright' is not installed (pip install -e '.[test]')"
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        return (f"Chromium is not installed at {CHROMIUM} and could not be installed "
                "(make install runs apt-get install chromium as root)")
    return None


@dataclass
class Rendered:
    """What the browser showed: a screenshot as an RGB array, console errors and attempted requests."""

    pixels: np.ndarray
    errors: list[str] = field(default_factory=list)
    error_urls: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    ready: bool = False
    frame_ready: bool = False


def render(path: Path, *, offline: bool = True, block_network: bool = True, size: tuple[int, int] = (1000, 800),
           selector: str | None = None, wait_ms: int = 400) -> Rendered:
    """Open ``path`` in headless Chromium with no network and return the screenshot and console errors.

    ``offline`` makes the browser report ``navigator.onLine == false``; ``block_network`` aborts
    every request that is not a ``file:``/``data:``/``about:`` URL (what a machine without internet
    does, even when the browser believes it is online). ``selector`` screenshots one element (e.g.
    the report's ``iframe``) instead of the viewport.
    """
    from io import BytesIO

    from matplotlib import image as mpimg
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        ctx = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, offline=offline,
            viewport={"width": size[0], "height": size[1]},
        )
        try:
            page = ctx.new_page()
            out = Rendered(pixels=np.zeros((0, 0, 3)))
            def console(m):
                if m.type == "error":
                    out.errors.append(m.text)
                    out.error_urls.append(str((m.location or {}).get("url", "")))

            page.on("console", console)
            page.on("pageerror", lambda e: out.errors.append(f"page error: {e}"))

            def route(r):
                url = r.request.url
                out.requests.append(url)
                if block_network and not url.startswith(("file:", "data:", "about:", "blob:")):
                    r.abort("internetdisconnected")
                else:
                    r.continue_()

            ctx.route("**/*", route)
            page.goto(Path(path).resolve().as_uri(), wait_until="load")
            page.wait_for_timeout(wait_ms)
            out.ready = page.evaluate("document.body.getAttribute('data-ga-ready') === '1'")
            frames = [f for f in page.frames if f != page.main_frame]
            out.frame_ready = any(f.evaluate("document.body && document.body.getAttribute('data-ga-ready') === '1'")
                                  for f in frames)
            if selector is not None:
                el = page.locator(selector).first
                el.scroll_into_view_if_needed()
                page.wait_for_timeout(wait_ms)
                png = el.screenshot()
            else:
                png = page.screenshot()
        finally:
            ctx.close()
    out.pixels = (mpimg.imread(BytesIO(png), format="png")[..., :3] * 255).round().astype(np.uint8)
    return out


MAP_BACKGROUND = "#f4f4f1"  # the map's own background without tiles (geoaccess/report/html.py)


def blend(hex_colour: str, alpha: float, background: str = MAP_BACKGROUND) -> np.ndarray:
    """The RGB that ``hex_colour`` drawn at opacity ``alpha`` over ``background`` shows."""
    def rgb(h):
        return np.array([int(h[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.float64)

    return alpha * rgb(hex_colour) + (1 - alpha) * rgb(background)


def pixels_of(pixels: np.ndarray, colours: list[np.ndarray], *, tol: float = 10.0) -> int:
    """Number of screenshot pixels within ``tol`` (per channel) of any of ``colours``."""
    px = pixels.astype(np.float64)
    hit = np.zeros(px.shape[:2], dtype=bool)
    for c in colours:
        hit |= np.abs(px - c).max(axis=2) <= tol
    return int(hit.sum())


def page_spec(html_text: str) -> dict:
    """The layers, legend and tile settings a geoaccess map page embeds (its ``ga-data`` JSON)."""
    import json
    import re

    m = re.search(r'<script type="application/json" id="ga-data">(.*?)</script>', html_text, re.S)
    assert m, "no ga-data element: not a geoaccess map page"
    return json.loads(m.group(1))  # "<\/" inside is JSON for "</"


def data_colours(spec: dict) -> list[np.ndarray]:
    """The on-screen colours of the data layers' features (fill colour blended at the layer's opacity)."""
    out = {}
    for lay in spec["layers"]:
        if not lay["interactive"]:
            continue  # context (municipality borders)
        alpha = lay["fill_opacity"]
        for f in lay["features"]["features"]:
            fill = f["properties"].get("_fill", lay["colour"])
            out[(fill, alpha)] = blend(fill, alpha)
    return list(out.values())
