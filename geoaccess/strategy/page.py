"""An offline HTML page: title, notes, a sortable table and an embedded interactive map.

The page references nothing outside itself: the table sorts with a few lines of inline JavaScript
(click a column header; numbers sort as numbers, empty cells last), and the map is a
:func:`geoaccess.report.maps.html_map_document` in an ``<iframe srcdoc=...>``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["table_page"]

_CSS = """body{font-family:system-ui,sans-serif;margin:1.2em;color:#222}
table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ccc;padding:3px 6px}
th{background:#f0f0f0;cursor:pointer;position:sticky;top:0}th:hover{background:#e0e8f0}
td.n{text-align:right;font-variant-numeric:tabular-nums}tr:nth-child(even){background:#fafafa}
.note{color:#555;font-size:13px;max-width:70em}th .dir{color:#888;font-size:10px}"""

_JS = r"""(function(){var t=document.getElementById('ga-table');var hs=t.tHead.rows[0].cells;
function key(td){var v=td.getAttribute('data-v');if(v===null)v=td.textContent;if(v===''||v==='–')return null;
var n=parseFloat(v);return isNaN(n)?v.toLowerCase():n;}
for(var i=0;i<hs.length;i++){(function(i){hs[i].addEventListener('click',function(){
var asc=hs[i].getAttribute('data-dir')!=='asc';for(var j=0;j<hs.length;j++){hs[j].removeAttribute('data-dir');}
hs[i].setAttribute('data-dir',asc?'asc':'desc');var rows=Array.prototype.slice.call(t.tBodies[0].rows);
rows.sort(function(a,b){var x=key(a.cells[i]),y=key(b.cells[i]);if(x===null&&y===null)return 0;if(x===null)return 1;
if(y===null)return -1;if(typeof x!==typeof y){x=String(x);y=String(y);}return (x<y?-1:x>y?1:0)*(asc?1:-1);});
rows.forEach(function(r){t.tBodies[0].appendChild(r);});});})(i);}})();"""


def _cell(v: Any, decimals: int) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return '<td class="n" data-v="">–</td>'
    if isinstance(v, bool):
        return f"<td>{'ja / yes' if v else 'nei / no'}</td>"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        text = f"{v:,.{decimals}f}".replace(",", " ")
        return f'<td class="n" data-v="{float(v)!r}">{text}</td>'
    return f"<td>{html.escape(str(v))}</td>"


def table_page(
    table: pd.DataFrame,
    path: str | Path,
    *,
    title: str,
    columns: Sequence[tuple[str, str, int]],
    notes: Sequence[str] = (),
    map_html: str | None = None,
) -> Path:
    """Write the page atomically.

    Parameters
    ----------
    table
        The rows.
    path
        Output ``.html``.
    title
        Page title.
    columns
        ``(column, header text, decimals)`` in display order (header text may hold Norwegian and English).
    notes
        Paragraphs (plain text, escaped) under the title.
    map_html
        A complete map document (:func:`geoaccess.report.maps.html_map_document`) to embed, or ``None``.
    """
    import numpy as np

    from geoaccess.report.atomic import atomic_path

    head = "".join(f"<th>{html.escape(h)}</th>" for _, h, _ in columns)
    body = []
    for rec in table[[c for c, _, _ in columns]].itertuples(index=False):
        cells = []
        for v, (_, _, d) in zip(rec, columns):
            if isinstance(v, np.generic):
                v = v.item()
            cells.append(_cell(v, d))
        body.append("<tr>" + "".join(cells) + "</tr>")
    note_html = "".join(f'<p class="note">{html.escape(n)}</p>' for n in notes)
    iframe = ""
    if map_html is not None:
        iframe = ('<h2>Kart / map</h2><iframe style="width:100%;height:620px;border:0" srcdoc="'
                  + html.escape(map_html, quote=True) + '"></iframe>')
    doc = (f'<!DOCTYPE html><html lang="no"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
           f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>{note_html}"
           f'<p class="note">Klikk på en kolonne for å sortere / click a column header to sort.</p>'
           f'<table id="ga-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
           f"{iframe}<script>{_JS}</script></body></html>\n")
    with atomic_path(path) as tmp:
        Path(tmp).write_text(doc, encoding="utf-8")
    return Path(path)
