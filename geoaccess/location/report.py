"""Site-evaluation outputs: a self-contained HTML report, a tidy CSV and a GeoPackage.

The HTML file carries everything in itself: the overview map as an inline base64 PNG and the
interactive map (embedded Leaflet, data inline, municipality borders as context) as an
``<iframe srcdoc=...>``; it draws its data with no network, and OpenStreetMap tiles are only a
background while online. The GeoPackage (:func:`geoaccess.report.gpkg.write_layers`) has the
layers ``sites``, ``cells`` and ``hubs`` in EPSG:25833 with a QGIS style for ``cells`` matching the
PNG map. Criteria are explained with the Norwegian terms of the state-job location guidelines and
English glosses.
"""

from __future__ import annotations

import base64
import html
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.report.atomic import atomic_path, write_table
from geoaccess.report.gpkg import LayerStyle, round_for_output, write_layers

if TYPE_CHECKING:
    from geoaccess.location.result import LocationResult
    from geoaccess.location.sites import SiteEvaluation

__all__ = ["write_location_outputs", "write_site_report"]

_EXPLAIN = [
    ("1", "Arbeidskraftgrunnlag", "labour pool",
     ("Residents within 30/45/60/75 minutes by car from the site (SSB 250 m grid, all ages), and an estimate of residents "
     "aged 15–74; with the site's BA-region (bo- og arbeidsmarkedsregion).")),
    ("2", "Arbeidsmarkedseffekt: volum/omfang", "relative labour-market effect (volume)",
     ("N new jobs divided by the jobs in the site's BA-region and municipality, in per mille. The guidelines say the "
     "effect is relatively larger in smaller labour markets: a higher number ranks better.")),
    ("3", "Sentralitetsklasse", "SSB centrality class",
     ("1 = most central, 6 = least central. At least one alternative must lie in class 3–6; a higher class ranks better "
     "because the guidelines steer new state jobs away from the largest cities.")),
    ("4", "Tilgjengelighet for brukerne", "access for the service's users",
     ("Population-weighted mean and 90th-percentile car travel time from the users to the site, and the share of users "
     "within 60 minutes.")),
    ("5", "Nærhet til kollektivknutepunkt", "proximity to a transit hub",
     "Walk time on the footpath network to the nearest rail, metro or tram station or ferry terminal (and to any stop)."),
    ("6", "Omlandseffekt", "hinterland effect",
     ("For the omland (residents between the centre and the commuting horizon), the change of the mean car time to the "
     "nearest office when the site is added (negative = better access), and the omland's share of the labour pool: "
     "does strengthening the town happen at the hinterland's expense?")),
]

_SHOW = [
    ("pool_30", "{:,.0f}"), ("pool_45", "{:,.0f}"), ("pool_60", "{:,.0f}"), ("pool_75", "{:,.0f}"),
    ("pool_15_74_60", "{:,.0f}"), ("ba_region", "{}"), ("ba_region_jobs", "{:,.0f}"),
    ("effect_region_permille", "{:.2f}"), ("effect_municipality_permille", "{:.2f}"), ("centrality_class", "{:.0f}"),
    ("users_mean_minutes", "{:.1f}"), ("users_p90_minutes", "{:.1f}"), ("users_share_60", "{:.1%}"),
    ("walk_hub_minutes", "{:.1f}"), ("nearest_hub", "{}"), ("walk_stop_minutes", "{:.1f}"),
    ("omland_population", "{:,.0f}"), ("omland_change_minutes", "{:+.1f}"), ("omland_share_of_pool", "{:.1%}"),
]


def _fmt(v: Any, f: str) -> str:
    try:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return "–"
        return f.format(v)
    except (ValueError, TypeError):
        return html.escape(str(v))


def _value_table(value: Any) -> str:
    """A note's value as HTML: mappings and lists as tables (never a raw Python dict), the rest as text."""
    if isinstance(value, dict):
        if not value:
            return "–"
        rows = "".join(f"<tr><td>{html.escape(str(k))}</td><td>{_value_table(v)}</td></tr>" for k, v in value.items())
        return f"<table class='kv'>{rows}</table>"
    if isinstance(value, (list, tuple)):
        return ", ".join(html.escape(str(v)) for v in value) or "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4g}"
    return html.escape(str(value))


_NOTE_LABELS = {
    "population_total": "Residents in the grid (persons)",
    "population_off_network": "Residents in cells off the car network (persons)",
    "counting_rule": "Counting rule (who counts within T minutes)",
    "share_15_74": "Share aged 15–74 per municipality (SSB 11618 / grid)",
    "age_limits": "Age limits",
    "ba_regions": "BA-regions",
    "centrality": "Centrality classes (criterion 3)",
    "guideline_class_3_6": "An alternative in centrality class 3–6",
    "users": "Users (criterion 4)",
    "walk": "Walk network (criterion 5)",
    "hubs": "Transit hubs (criterion 5)",
    "omland": "Omland: before and after",
    "omland_definition": "Omland definition",
    "score": "Weighted score",
    "jobs": "N, new jobs of the office",
}


def assumptions_html(ev: SiteEvaluation) -> str:
    """The data and assumptions of an evaluation as HTML tables (topic, value; mappings as sub-tables)."""
    rows = "".join(
        f"<tr><td>{html.escape(_NOTE_LABELS.get(k, k.replace('_', ' ')))}</td><td>{_value_table(v)}</td></tr>"
        for k, v in ev.notes.items() if k != "network_car")
    net = ev.notes.get("network_car")
    extra = ""
    if isinstance(net, dict) and net:
        extra = f"<h3>Car network</h3>{_value_table(net)}"
    missing = ""
    if ev.missing:
        missing = ("<h3>Ikke beregnet / not computed</h3><table><tr><th>Measure</th><th>Why</th></tr>"
                   + "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>" for k, v in ev.missing.items())
                   + "</table>")
    return f"<table><tr><th>Topic</th><th>Value</th></tr>{rows}</table>{missing}{extra}"


def _cells_style(ev: SiteEvaluation) -> LayerStyle:
    """The classes of the overview map: car minutes from each cell to the nearest candidate site."""
    from geoaccess.report.colours import sequential_scale

    scale = sequential_scale(ev.cells["car_min_best"].to_numpy(dtype=float), cmap="viridis_r",
                             title="car minutes to the nearest candidate site")
    return LayerStyle("car_min_best", scale)


def _png_base64(ev: SiteEvaluation, title: str, style: LayerStyle) -> str:
    from geoaccess.report.maps import png_map

    overlays = [ev.sites]  # black dots = the candidate sites (hubs are on the interactive map)
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "map.png"
        png_map(ev.cells, p, column=style.column, title=title, overlays=overlays, scale=style.scale,
                legend_title=style.scale.title)
        return base64.b64encode(p.read_bytes()).decode("ascii")


def _interactive_map(ev: SiteEvaluation) -> str:
    """The interactive map's HTML (self-contained: embedded Leaflet, works offline)."""
    from geoaccess.report.maps import html_map_document

    overlays = []
    if ev.hubs is not None and "hub" in ev.hubs.columns:
        overlays.append(ev.hubs[ev.hubs["hub"]][["name", "kind", ev.hubs.geometry.name]])
    cols = ["site_id", "name", "pool_60", "users_mean_minutes", "walk_hub_minutes", "effect_region_permille"]
    sites = ev.sites[[c for c in cols if c in ev.sites.columns] + [ev.sites.geometry.name]]
    return html_map_document(sites, title="Candidate sites and transit hubs", overlays=overlays,
                             labels="name" if "name" in sites.columns else None, what="the site map")


def write_site_report(
    ev: SiteEvaluation,
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
    maps: bool = True,
) -> dict[str, Path]:
    """Write the HTML report, the tidy CSV (``<stem>.csv``), the wide CSV and the GeoPackage (``<stem>.gpkg``).

    Parameters
    ----------
    ev
        The evaluation from :func:`geoaccess.location.sites.evaluate_sites`.
    path
        The ``.html`` report path; the other files go next to it.
    title
        Report title.
    maps
        Draw the PNG overview map and embed the interactive map.

    Returns
    -------
    dict
        ``{"html": ..., "csv": ..., "wide_csv": ..., "gpkg": ...}``.
    """
    out = Path(path)
    stem = out.with_suffix("")
    title = title or f"Site evaluation for a state office with {ev.jobs} new jobs"
    paths = {
        "csv": write_table(ev.tidy, stem.with_suffix(".csv")),
        "wide_csv": write_table(round_for_output(ev.table), Path(f"{stem}_wide.csv")),
    }
    gpkg = stem.with_suffix(".gpkg")
    style = _cells_style(ev)
    layers = {"sites": ev.sites, "cells": ev.cells}
    if ev.hubs is not None and len(ev.hubs):
        layers["hubs"] = ev.hubs
    paths["gpkg"] = write_layers(gpkg, layers, styles={"cells": style})

    t = ev.table
    head = "".join(f"<th>{html.escape(str(n))}<br><small>{html.escape(str(i))}</small></th>" for i, n in zip(t["site_id"], t["name"], strict=False))
    body = []
    from geoaccess.location.sites import CRITERIA

    for col, f in _SHOW:
        if col not in t.columns:
            continue
        crit = CRITERIA.get(col)
        label = f"{crit[0]}. {html.escape(crit[1])}<br><small>{html.escape(crit[2])}</small>" if crit else html.escape(col)
        if col in ev.missing:
            body.append(f"<tr><td>{label}</td><td colspan='{len(t)}' class='missing'>{html.escape(ev.missing[col])}"
                        "</td></tr>")
            continue
        cells = []
        ranks = t[f"rank_{col}"] if f"rank_{col}" in t.columns else None
        for i in range(len(t)):
            r = ranks.iloc[i] if ranks is not None else None
            rk = ""
            if r is not None and str(r) != "<NA>":
                tie = int((ranks == r).sum()) > 1
                rk = f" <span class='rank'>#{int(r)}{'=' if tie else ''}</span>"  # '#2=': tied for 2nd
            cells.append(f"<td>{_fmt(t[col].iloc[i], f)}{rk}</td>")
        body.append(f"<tr><td>{label}</td>{''.join(cells)}</tr>")
    if "score" in t.columns:
        body.append("<tr><td><b>Weighted score (user weights)</b></td>" + "".join(
            f"<td>{t['score'].iloc[i]:.2f} <span class='rank'>#{int(t['rank_score'].iloc[i])}</span></td>" for i in range(len(t))) + "</tr>")
    expl = "".join(f"<tr><td>{a}</td><td><b>{html.escape(b)}</b><br><i>{html.escape(c)}</i></td><td>{html.escape(d)}</td></tr>"
                   for a, b, c, d in _EXPLAIN)
    notes = assumptions_html(ev)
    png = iframe = ""
    if maps:
        png = (f'<h2>Kart / map</h2><img alt="map" style="max-width:100%" src="data:image/png;base64,{_png_base64(ev, title, style)}">'
               "<p><small>Colour: car minutes from each 250 m cell to the nearest candidate site (black dots: "
               + html.escape(", ".join(t["name"].astype(str))) + "); grey: cells off the car network.</small></p>")
        iframe = ('<h2>Interaktivt kart / interactive map</h2><iframe style="width:100%;height:520px;border:0" srcdoc="'
                  + html.escape(_interactive_map(ev), quote=True) + '"></iframe>')
    warn = "" if ev.notes.get("guideline_class_3_6") else (
        "<p class='warn'>None of the sites lies in a municipality of centrality class 3–6 (or the class is unknown): the "
        "guidelines require at least one such alternative, or a justification for the exception.</p>")
    doc = f"""<!DOCTYPE html><html lang="no"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.4}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top}}th{{background:#f0f0f0}}.rank{{color:#06c;font-size:85%}}
.warn{{background:#fff3cd;padding:8px}}small{{color:#555}}.missing{{color:#a00;font-style:italic}}
table.kv{{margin:0}}table.kv td{{border:0;border-bottom:1px solid #eee;padding:1px 6px}}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>Vurdering av lokaliseringsalternativer etter <i>retningslinjer for lokalisering av statlige arbeidsplasser og statlig
tjenesteproduksjon</i> (2022): {len(t)} alternatives for a unit with <b>N = {ev.jobs}</b> new jobs. Each criterion is ranked
on its own (#1 = best) on values rounded to the precision the inputs support (persons to whole persons, minutes to
0.1, shares to 0.001, per mille to 0.01); equal rounded values share a rank, marked "=" (#2= is tied for 2nd). No combined
score is given unless the user supplies weights.</p>{warn}
<h2>Kriterier / criteria</h2><table><tr><th>#</th><th>Kriterium / criterion</th><th>What is measured</th></tr>{expl}</table>
<h2>Resultater / results</h2><table><tr><th>Measure</th>{head}</tr>{''.join(body)}</table>
{png}{iframe}
<h2>Data og forutsetninger / data and assumptions</h2>{notes}
<p><small>Contains data from Statistics Norway (SSB, CC BY 4.0) and © OpenStreetMap contributors (ODbL). Files:
{html.escape(paths['csv'].name)} (tidy table), {html.escape(paths['wide_csv'].name)}, {html.escape(gpkg.name)}.</small></p>
</body></html>"""
    with atomic_path(out) as tmp:
        tmp.write_text(doc, encoding="utf-8")
    paths["html"] = out
    return paths


def write_location_outputs(
    result: LocationResult,
    out_dir: str | os.PathLike[str],
    *,
    demand: Any = None,
    candidates: Any = None,
    demand_id: str | None = None,
    candidate_id: str | None = None,
    maps: bool = True,
) -> dict[str, Path]:
    """Write a location model's outputs to ``out_dir``.

    Files: ``summary.json``, ``sites.csv``, ``allocation.csv`` and, with the layers,
    ``location.gpkg`` (layers sites/allocation/lines, all EPSG:25833, with a QGIS style for
    ``allocation`` matching the PNG, also as ``location_allocation.qml``) and ``map.png``.
    """
    import json

    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    with atomic_path(d / "summary.json") as tmp:
        tmp.write_text(json.dumps(result.summary(), indent=2, default=str), encoding="utf-8")
    paths["summary"] = d / "summary.json"
    # minutes as computed: a cell's coverage (minutes <= T) must be recomputable from the file
    sites = result.site_table()
    if candidates is not None and candidates.attrs.get("name_column"):  # the candidates' names, kept
        from geoaccess.layers.points import attach_names

        sites = attach_names(sites, candidates, key="site_id", column="name")
    paths["sites"] = write_table(sites, d / "sites.csv")
    paths["allocation"] = write_table(result.allocation_table(), d / "allocation.csv")
    if demand is not None and candidates is not None:
        layers = result.to_geodataframes(demand, candidates, demand_id=demand_id, candidate_id=candidate_id)
        from geoaccess.report.colours import sequential_scale

        alloc_style = LayerStyle("minutes", sequential_scale(layers["allocation"]["minutes"].to_numpy(dtype=float),
                                                              cmap="viridis_r", title="minutes to the allocated site"))
        paths["gpkg"] = write_layers(d / "location.gpkg", {k: layers[k] for k in ("sites", "allocation", "lines")},
                                     styles={"allocation": alloc_style})
        if maps:
            from geoaccess.report.maps import png_map

            opened = layers["sites"][layers["sites"]["open"].fillna(False).astype(bool)]
            paths["map"] = png_map(layers["allocation"], d / "map.png", column="minutes",
                                   title=f"{result.model}: {int(result.open.sum())} sites", scale=alloc_style.scale,
                                   overlays=[opened], legend_title=alloc_style.scale.title)
    return paths
