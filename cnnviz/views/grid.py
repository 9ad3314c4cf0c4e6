"""One HTML grid renderer: a 2-D array as a grid of cells, each coloured and with its number written in.

The step player, the Pooling page's max-beside-average grids and the Real images page's zoom all draw
their grids here, on the shared colour scale (``colour``) and number format (``numbers``), styled by
``grid.css`` (scoped to an element of class ``cnnviz-grids`` that sets the cell size ``--cs``).

DOM: ``<div class="panel" data-grid="P">`` holds an optional title ``.ttl`` and ``.grid#P-grid``,
whose cells are ``<div class="cell P …" id="P-R-C" style="…" data-value="…">text</div>``, row 0 first.
``data-value`` is the exact value (``numbers.exact_number``); the text is ``numbers.format_number``.
Every number of one grid is written in one type size: the grid carries ``--tw``, the width of its longest
number in ems (``text_em``), and ``grid.css`` sizes the type, or widens the cells, so that it fits.
"""
from __future__ import annotations

import functools
import html as _html
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from cnnviz.views.assets import asset
from cnnviz.views.colour import cell_style, diverging_rgb, short_cell_style
from cnnviz.kernel.notation import exact_number, format_number

__all__ = ["grid_html", "grid_rows_html", "text_em", "TEXT_EM"]

# The width in ems of each character format_number writes, in the cells' type (Source Sans, semibold, tabular
# figures), rounded up: digits and signs 0.513, "." 0.275, "N" 0.657, "∞" 0.798; "" is any other character.
TEXT_EM = {"": 0.52, ".": 0.28, "N": 0.66, "∞": 0.8}


def text_em(text: str) -> float:
    """The width of ``text`` in ems, in the cells' type (``TEXT_EM``).

    Examples
    --------
    >>> text_em("−0.08"), text_em("12")
    (2.36, 1.04)
    """
    return round(sum(TEXT_EM.get(ch, TEXT_EM[""]) for ch in text), 3)


def _longest_em(texts) -> str:
    """A grid's ``--tw``: its longest text in ems, at least 1 (an empty grid's type is sized as one digit's)."""
    return f"{max(1.0, max(map(text_em, set(texts)), default=0.0)):g}"


def grid_html(values, prefix: str, *, title: str | None = None, vmax: float | None = None,
              colours: np.ndarray | None = None, classes: Callable[[int, int], str] | None = None,
              attrs: Callable[[int, int], str] | None = None, numbers: bool = True, hover: bool = False,
              compact: bool = False, also: Iterable[float] = ()) -> str:
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
    also : iterable of float
        Numbers the cells show on the way (a stamp player's running sums): the type size fits them too.

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
    cells = g.tolist()  # Python numbers: formatting them is several times faster than NumPy scalars
    fast = compact and classes is None and attrs is None and not hover  # the common case: one cached string a cell
    texts = None if fast and not numbers else [[format_number(v) for v in row] for row in cells]
    tw = f";--tw:{_longest_em([t for row in texts for t in row] + [format_number(v) for v in also])}" if numbers else ""
    columns = f"grid-template-columns:repeat({W},var(--cw,var(--cs)))"
    parts.append(f'<div class="grid" id="{prefix}-grid" style="{columns}{tw}">')
    if fast:
        parts.extend(_compact_cell(v, *colour, numbers) for row, colours_row in zip(cells, rgb)
                     for v, colour in zip(row, colours_row))
        parts.append("</div></div>")
        return "".join(parts)
    for r in range(H):
        for c in range(W):
            text = texts[r][c]
            more = classes(r, c).strip() if classes else ""
            cls = " ".join(filter(None, ("cell", None if compact else prefix, more)))
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
    text = format_number(value) if numbers else ""
    return f'<div class="cell" style="{short_cell_style((r, g, b))}">{text}</div>'


def grid_rows_html(rows: Sequence[Sequence[str]], *, cell: int, cell_width: int | None = None) -> str:
    """Panels from ``grid_html`` laid out in rows, with the grid stylesheet: one fragment for a page.

    ``cell`` is the cell height in CSS pixels (and the least width, unless ``cell_width`` is given); a grid
    whose longest number needs more widens its cells (class ``fit``), so that every number is written at
    the full size. Plain HTML and CSS, no script.
    """
    size = f"--cs:{int(cell)}px" + (f";--cw:{int(cell_width)}px" if cell_width else "")
    body = "".join('<div class="row">' + "".join(panels) + "</div>" for panels in rows)
    return f'<style>{asset("grid.css")}</style><div class="cnnviz-grids fit" style="{size}">{body}</div>'
