"""One HTML grid renderer: a 2-D array as a grid of cells, each coloured and with its number written in.

The step player, the Pooling page's max-beside-average grids and the Real images page's zoom all draw
their grids here, on the shared colour scale (``colour``) and number format (``numbers``), styled by
``grid.css`` (scoped to an element of class ``cnnviz-grids`` that sets the cell size ``--cs``).

DOM: ``<div class="panel" data-grid="P">`` holds an optional title ``.ttl`` and ``.grid#P-grid``,
whose cells are ``<div class="cell P …" id="P-R-C" style="…" data-value="…">text</div>``, row 0 first.
``data-value`` is the exact value (``numbers.exact_number``); the text is ``numbers.format_number``.
"""
from __future__ import annotations

import functools
import html as _html
from collections.abc import Callable, Sequence

import numpy as np

from cnnviz.views.assets import asset
from cnnviz.views.colour import cell_style, diverging_rgb, short_cell_style
from cnnviz.kernel.notation import exact_number, format_number

__all__ = ["grid_html", "grid_rows_html", "length_class", "LENGTH_CLASSES"]


# (most characters, class) in order, the last for any length: a smaller font for a longer number
LENGTH_CLASSES = ((3, ""), (4, "l4"), (6, "l6"), (8, "l8"), (None, "l10"))


def length_class(text: str) -> str:
    """``""``, ``"l4"``, ``"l6"``, ``"l8"`` or ``"l10"``: a smaller font for a longer number (``LENGTH_CLASSES``)."""
    n = len(text)
    return next(cls for most, cls in LENGTH_CLASSES if most is None or n <= most)


def grid_html(values, prefix: str, *, title: str | None = None, vmax: float | None = None,
              colours: np.ndarray | None = None, classes: Callable[[int, int], str] | None = None,
              attrs: Callable[[int, int], str] | None = None, numbers: bool = True, hover: bool = False,
              compact: bool = False) -> str:
    """One grid ``(H, W)`` as an HTML panel: a title, then a cell per value, its number written in.

    Parameters
    ----------
    values : array_like, shape (H, W)
        The numbers, row 0 at the top.
    prefix : str
        Names the grid: ``data-grid``, the cells' class and their ids ``{prefix}-{row}-{col}``.
    title : str, optional
        Shown above the grid (plain text, escaped).
    vmax : float, optional
        The colour scale's limit (±vmax); default the grid's largest absolute value.
    colours : ndarray, shape (H, W, 3), optional
        uint8 colours to use instead of the diverging scale (a picture's own grey pixels).
    classes, attrs : callable (row, col) -> str, optional
        More classes for a cell (space-separated), more attributes (HTML, trusted).
    numbers : bool
        Write the numbers in the cells (False: cells too small to read).
    hover : bool
        Also give each cell a tooltip, ``row 1, column 2: 5`` (counted from 1).
    compact : bool
        Cells with their colour and number only: no id, ``data-value`` or per-grid class (about half
        the bytes, for pages that draw hundreds of small grids and never address a cell).

    Examples
    --------
    >>> html = grid_html([[0, -2]], "w", title="Filter")
    >>> 'id="w-0-1"' in html and 'data-value="-2">−2</div>' in html
    True
    """
    g = np.asarray(values)
    if g.ndim != 2:
        raise ValueError("A grid is drawn from a 2-D array (rows, columns).")
    H, W = g.shape
    rgb = (diverging_rgb(g, vmax) if colours is None else np.asarray(colours)).tolist()  # (H, W, 3)
    parts = [f'<div class="panel" data-grid="{_html.escape(prefix)}">']
    if title is not None:
        parts.append(f'<div class="ttl">{_html.escape(title)}</div>')
    parts.append(f'<div class="grid" id="{prefix}-grid" style="grid-template-columns:repeat({W},var(--cw,var(--cs)))">')
    cells = g.tolist()  # Python numbers: formatting them is several times faster than NumPy scalars
    if compact and classes is None and attrs is None and not hover:  # the common case, one cached string a cell
        parts.extend(_compact_cell(v, *colour, numbers) for row, colours_row in zip(cells, rgb)
                     for v, colour in zip(row, colours_row))
        parts.append("</div></div>")
        return "".join(parts)
    for r in range(H):
        for c in range(W):
            text = format_number(cells[r][c])
            cls = " ".join(filter(None, ("cell", None if compact else prefix, length_class(text),
                                         classes(r, c).strip() if classes else "")))
            tip = f' title="row {r + 1}, column {c + 1}: {text}"' if hover else ""
            extra = attrs(r, c) if attrs else ""
            if compact:
                parts.append(f'<div class="{cls}" style="{short_cell_style(rgb[r][c])}"{tip}{extra}>'
                             f'{text if numbers else ""}</div>')
                continue
            parts.append(f'<div class="{cls}" id="{prefix}-{r}-{c}" style="{cell_style(rgb[r][c])}" '
                         f'data-value="{exact_number(g[r, c])}"{tip}{extra}>{text if numbers else ""}</div>')
    parts.append("</div></div>")
    return "".join(parts)


@functools.lru_cache(maxsize=1 << 15)  # maps repeat their (rounded) numbers and colours: about 4 MB at most
def _compact_cell(value: float, r: int, g: int, b: int, numbers: bool) -> str:
    """One compact cell: its colour and its number (``grid_html(compact=True)``)."""
    text = format_number(value)
    cls = "cell " + length_class(text) if len(text) > 3 else "cell"
    return f'<div class="{cls}" style="{short_cell_style((r, g, b))}">{text if numbers else ""}</div>'


def grid_rows_html(rows: Sequence[Sequence[str]], *, cell: int, cell_width: int | None = None) -> str:
    """Panels from ``grid_html`` laid out in rows, with the grid stylesheet: one fragment for a page.

    ``cell`` is the cell height in CSS pixels (and width, unless ``cell_width`` is given). Plain HTML
    and CSS, no script.
    """
    size = f"--cs:{int(cell)}px" + (f";--cw:{int(cell_width)}px" if cell_width else "")
    body = "".join('<div class="row">' + "".join(panels) + "</div>" for panels in rows)
    return f'<style>{asset("grid.css")}</style><div class="cnnviz-grids" style="{size}">{body}</div>'
