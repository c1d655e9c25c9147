"""Self-contained interactive map pages: Leaflet embedded, data inline, tiles optional.

The page carries Leaflet's JavaScript and stylesheet (from the installed ``XStatic-Leaflet``
package, its images as ``data:`` URIs) and every layer as inline GeoJSON, so it draws its data
with no network at all. OpenStreetMap tiles are only a background: they are added when the
browser reports being online (``navigator.onLine``) and can be switched off in the layer control;
without them the data and the municipality borders still stand on their own.

Nothing here is fetched at run time; the only URL in a page is the tile template.
"""

from __future__ import annotations

import base64
import html
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

__all__ = ["MapLayer", "leaflet_assets", "leaflet_version", "map_page"]

TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
TILE_ATTRIBUTION = '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'


def _leaflet_dir() -> Path:
    from xstatic.pkg import leaflet

    return Path(leaflet.BASE_DIR)


@cache
def leaflet_assets() -> tuple[str, str]:
    """Leaflet's minified JavaScript and its CSS with the images inlined, from ``XStatic-Leaflet``.

    Returns
    -------
    tuple of str
        ``(javascript, css)``, ready to go into ``<script>`` and ``<style>`` elements.
    """
    base = _leaflet_dir()
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def inline(m: re.Match[str]) -> str:
        data = base64.b64encode((base / m.group(1)).read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    css = re.sub(r"url\((images/[\w.-]+\.png)\)", inline, css)
    js = js.replace("//# sourceMappingURL=leaflet.js.map", "")
    return js, css


def leaflet_version() -> str:
    """Version of the embedded Leaflet (that of the installed ``XStatic-Leaflet``)."""
    from xstatic.pkg import leaflet

    return str(leaflet.VERSION)


@dataclass(frozen=True)
class MapLayer:
    """One layer of a map page.

    Attributes
    ----------
    name
        Name in the layer control.
    features
        GeoJSON ``FeatureCollection`` in EPSG:4326. Each feature's properties may carry
        ``_fill`` (hex colour), ``_tip`` (tooltip HTML) and ``_label`` (text drawn on the map).
    kind
        ``"polygon"``, ``"line"`` or ``"point"``: how the features are drawn.
    colour
        Outline/point colour when a feature has no ``_fill``.
    fill_opacity
        Opacity of polygon and point fills (0-1).
    interactive
        Whether hovering shows the tooltip (context layers are not interactive).
    weight
        Outline (polygons) or line width in pixels.
    radius
        Radius of point markers in pixels.
    """

    name: str
    features: dict
    kind: Literal["polygon", "line", "point"] = "polygon"
    colour: str = "#3182bd"
    fill_opacity: float = 0.7
    interactive: bool = True
    weight: float = 0.6
    radius: float = 5.0


_JS = r"""
(function () {
  var spec = JSON.parse(document.getElementById('ga-data').textContent);
  var map = L.map('map', {preferCanvas: true, zoomSnap: 0.25});
  var overlays = {}, bounds = null, ctxBounds = null;
  var bases = {'No background (offline)': L.layerGroup()};
  var tiles = null;
  if (spec.tiles) {
    tiles = L.tileLayer(spec.tiles.url, {attribution: spec.tiles.attribution, maxZoom: 19});
    bases['OpenStreetMap (needs internet)'] = tiles;
  }
  (spec.tiles && navigator.onLine ? tiles : bases['No background (offline)']).addTo(map);
  var labels = [];
  spec.layers.forEach(function (lay) {
    var style = function (f) {
      var p = f.properties || {};
      if (lay.kind === 'line') return {color: p._fill || lay.colour, weight: lay.weight, opacity: 0.9};
      if (lay.kind === 'point') return {color: '#222222', weight: lay.features.features.length > 300 ? 0.3 : 1,
                                        opacity: 0.9, fillColor: p._fill || lay.colour,
                                        fillOpacity: lay.fill_opacity};
      return {color: lay.kind === 'polygon' && lay.interactive ? '#ffffff' : lay.colour,
              weight: lay.weight, fillColor: p._fill || lay.colour,
              fillOpacity: p._fill ? lay.fill_opacity : (lay.interactive ? lay.fill_opacity : 0), opacity: 0.9};
    };
    var g = L.geoJSON(lay.features, {
      style: style, interactive: lay.interactive,
      pointToLayer: function (f, ll) {
        var p = f.properties || {};
        return L.circleMarker(ll, {radius: lay.radius, interactive: lay.interactive});
      },
      onEachFeature: function (f, l) {
        var p = f.properties || {};
        if (lay.interactive && p._tip) l.bindTooltip(p._tip, {sticky: true});
        if (p._label && p._at) labels.push({text: p._label, at: L.latLng(p._at[1], p._at[0]), rank: p._rank || 0,
                                            above: lay.kind === 'point' ? lay.radius + 9 : 0});
      }
    }).addTo(map);
    overlays[lay.name] = g;
    var b = g.getBounds();
    if (b.isValid() && lay.interactive) bounds = bounds ? bounds.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast());
    if (b.isValid() && !lay.interactive) ctxBounds = b;
  });
  if (!bounds) bounds = ctxBounds;  // no data drawn: show the context
  if (labels.length) {
    // Labels without overlaps: at every zoom, draw the largest regions' names first and skip any
    // label whose box would cover one already drawn.
    var pane = map.createPane('ga-labels'); pane.style.zIndex = 650; pane.style.pointerEvents = 'none';
    var group = L.layerGroup().addTo(map);
    overlays['Names'] = group;
    labels.sort(function (a, b) { return b.rank - a.rank; });
    var place = function () {
      group.clearLayers();
      var boxes = [], size = map.getSize();
      labels.forEach(function (lb) {
        var pt = map.latLngToContainerPoint(lb.at);
        var w = 6.5 * lb.text.length + 6, h = 15;
        var dy = lb.above;  // point labels sit above their marker
        var box = [pt.x - w / 2, pt.y - h / 2 - dy, pt.x + w / 2, pt.y + h / 2 - dy];
        if (box[2] < 0 || box[3] < 0 || box[0] > size.x || box[1] > size.y) return;
        for (var i = 0; i < boxes.length; i++) {
          var o = boxes[i];
          if (box[0] < o[2] && box[2] > o[0] && box[1] < o[3] && box[3] > o[1]) return;
        }
        boxes.push(box);
        group.addLayer(L.marker(lb.at, {pane: 'ga-labels', interactive: false, keyboard: false,
          icon: L.divIcon({className: 'ga-label', html: lb.text, iconSize: [w, h], iconAnchor: [w / 2, h / 2 + dy]})}));
      });
    };
    map.on('zoomend moveend resize', place);
    map.whenReady(place);
  }
  if (bounds) map.fitBounds(bounds, {padding: [12, 12]}); else map.setView([64.5, 12], 4);
  L.control.layers(bases, overlays, {collapsed: true}).addTo(map);
  L.control.scale({imperial: false}).addTo(map);
  if (spec.legend) {
    var legend = L.control({position: 'bottomright'});
    legend.onAdd = function () { var d = L.DomUtil.create('div', 'ga-legend'); d.innerHTML = spec.legend;
      L.DomEvent.disableScrollPropagation(d); return d; };
    legend.addTo(map);
  }
  window.gaMap = map;  // for tests and for users' own scripts
  document.body.setAttribute('data-ga-ready', '1');
})();
"""

_CSS = """
html,body{margin:0;height:100%;font-family:sans-serif}
#map{position:absolute;top:0;bottom:0;left:0;right:0;background:#f4f4f1}
.ga-title{position:absolute;z-index:1000;left:54px;top:8px;background:rgba(255,255,255,.92);padding:3px 8px;
  font-size:15px;font-weight:bold;border-radius:3px;box-shadow:0 1px 4px rgba(0,0,0,.3);max-width:60%}
.ga-legend{background:rgba(255,255,255,.92);padding:6px 8px;font-size:12px;line-height:16px;border-radius:3px;
  box-shadow:0 1px 4px rgba(0,0,0,.3);max-height:45vh;overflow:auto;max-width:280px}
.ga-legend i{display:inline-block;width:14px;height:12px;margin-right:6px;vertical-align:middle;border:1px solid #999}
.ga-legend .ga-note{color:#444;font-size:11px;margin-top:4px}
.ga-label{font-size:11px;font-weight:bold;color:#222;text-align:center;white-space:nowrap;
  text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 3px #fff}
"""


def map_page(
    layers: list[MapLayer],
    *,
    title: str = "",
    legend_html: str = "",
    tiles: bool = True,
    attribution: str = "",
) -> str:
    """A complete, self-contained HTML document drawing ``layers`` with Leaflet.

    Parameters
    ----------
    layers
        Layers bottom to top; the map zooms to the interactive ones.
    title
        Title shown over the map and in the browser tab.
    legend_html
        HTML of the legend box (escaped by the caller), or ``""`` for none.
    tiles
        Offer the OpenStreetMap background (drawn only while the browser is online).
    attribution
        Source line for the data, shown in Leaflet's attribution control.

    Returns
    -------
    str
        The HTML text. It references no script, style or font outside itself.
    """
    js, css = leaflet_assets()
    spec = {
        "layers": [
            {"name": lay.name, "features": lay.features, "kind": lay.kind, "colour": lay.colour,
             "fill_opacity": lay.fill_opacity, "interactive": lay.interactive, "weight": lay.weight,
             "radius": lay.radius}
            for lay in layers
        ],
        "legend": legend_html,
        "tiles": {"url": TILE_URL, "attribution": TILE_ATTRIBUTION} if tiles else None,
    }
    # JSON inside <script type="application/json">: only "</" could end the element early.
    data = json.dumps(spec, ensure_ascii=False, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    head_title = html.escape(title or "geoaccess map")
    title_div = f'<div class="ga-title">{html.escape(title)}</div>' if title else ""
    attr = json.dumps(attribution)
    return (
        "<!DOCTYPE html>\n<html lang=\"no\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{head_title}</title>"
        f'<meta name="generator" content="geoaccess; Leaflet {html.escape(leaflet_version())} embedded">'
        f"<style>{css}</style><style>{_CSS}</style></head><body>"
        f'<div id="map"></div>{title_div}'
        f'<script type="application/json" id="ga-data">{data}</script>'
        f"<script>{js}</script>"
        f"<script>{_JS}</script>"
        f"<script>(function(){{var a={attr};if(a&&window.gaMap)window.gaMap.attributionControl.addAttribution(a);}})();</script>"
        "</body></html>\n"
    )
