"""A table of records as HTML: the presenter view's tables, drawn in the page's own type (``table.css``).

Streamlit's data frame draws on a canvas in fixed small type; a projector needs the table's text to grow
with the page's (the presenter view's larger rem). Whole numbers are written with their thousands grouped
(``notation.format_count``) and every number column is right-aligned, as the data frames show them.

>>> html = records_html([{"layer": "C1", "parameters": 156}, {"layer": "F6", "parameters": 10164}])
>>> '<td class="num">10,164</td>' in html and "<th>layer</th>" in html
True
"""
from __future__ import annotations

import html as _html
import numbers
from collections.abc import Mapping, Sequence

from cnnviz.kernel.notation import format_count, format_number
from cnnviz.views.assets import style

__all__ = ["records_html"]


def _cell(value) -> tuple[str, bool]:
    """A value's text, and whether it is a number (right-aligned)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return _html.escape(str(value)), False
    return (format_count(value) if float(value).is_integer() else format_number(value)), True


def records_html(records: Sequence[Mapping[str, object]], pinned: bool = False) -> str:
    """``records`` (one dict per row, the same keys in each) as one HTML table with the table stylesheet.

    ``pinned``: a table wider than its column (a phone) scrolls sideways on its own, its first column kept in view.
    """
    if not records:
        return ""
    columns = list(records[0])
    head = "".join(f"<th>{_html.escape(c)}</th>" for c in columns)
    rows = []
    for record in records:
        cells = (_cell(record.get(c, "")) for c in columns)
        rows.append("<tr>" + "".join(f'<td class="num">{t}</td>' if num else f"<td>{t}</td>" for t, num in cells)
                    + "</tr>")
    table = f"<table class=\"cnnviz-table\"><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    if pinned:
        table = f'<div class="cnnviz-table-scroll">{table}</div>'
    return f"<style>{style('table.css')}</style>{table}"
