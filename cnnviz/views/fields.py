"""A receptive field shown: the input as a grid with one cell's field on it, the field in words, and the closed
form worked out layer by layer.

The picture is a small SVG (sent as an ``<img>`` with its alternative text): it stays sharp on a projector at
any size, and the largest input (224x224) costs no more than the smallest. On it the field's closed-form box
is outlined, the part of it that lies in the zero padding hatched, and the input cells that can change the
chosen cell (``Region.mask``) shaded; with dilation the shading has holes.

The closed form, as the lecture writes it::

    r_l = r_{l−1} + (k_l − 1)·j_{l−1}        j_l = j_{l−1}·s_l        r_0 = j_0 = 1
"""
from __future__ import annotations

import base64
import html as _html
from collections.abc import Sequence

import numpy as np

from cnnviz.kernel.fields import Field, Region
from cnnviz.kernel.notation import MINUS, format_count, format_shape
from cnnviz.views.assets import style
from cnnviz.views.table import records_html

__all__ = ["CLOSED_FORM", "TERMS", "field_svg", "field_picture_html", "closed_form_records", "field_words",
           "field_html"]

CLOSED_FORM = ("<i>r</i><sub><i>l</i></sub> = <i>r</i><sub><i>l</i>−1</sub> + (<i>k</i><sub><i>l</i></sub> − 1)·"
               "<i>j</i><sub><i>l</i>−1</sub>, &nbsp; <i>j</i><sub><i>l</i></sub> = <i>j</i><sub><i>l</i>−1</sub>·"
               "<i>s</i><sub><i>l</i></sub>, &nbsp; from <i>r</i><sub>0</sub> = <i>j</i><sub>0</sub> = 1")
TERMS = ("<i>k</i>: the window (filter or pooling) size, <i>s</i>: its stride, <i>r</i>: the field's size, <i>j</i>: "
         "the jump, input pixels between the fields of neighbouring cells.")
FIELD_LINE = "#d95f02"  # the field's outline: dark orange (Okabe-Ito's vermilion family), on grey and on white
MASK_FILL = "#2166ac"  # the cells that can change the chosen cell: blue, the other end of the page's scales
_INPUT_FILL, _GRID_LINE, _BORDER, _PAD_HATCH = "#ececec", "#bdbdbd", "#444", "#9a9a9a"


def _runs(reach: np.ndarray) -> list[tuple[int, int]]:
    """The runs of True in a 1-D bool array, as ``(first, one past the last)``."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], reach.astype(np.int8), [0]))))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def _grid_step(cells: int, px: float = 400.0) -> int:
    """Grid lines every this many cells: the smallest power of two whose lines lie 6 px apart or more when
    ``cells`` cells span ``px`` pixels (LeNet's 32 cells: every cell; a 224-cell input: every 8th)."""
    step = 1
    while step * px / cells < 6:
        step *= 2
    return step


def field_svg(input_size: tuple[int, int], region: Region) -> str:
    """The input ``(H, W)`` as a grid with ``region``'s field on it, as an SVG document.

    The view spans the input and the whole closed-form box (a field larger than the input reaches far into
    the padding); one unit is one input cell, row 0 at the top.

    Examples
    --------
    >>> from cnnviz.kernel.fields import Window, receptive_fields
    >>> r = receptive_fields([Window(3, padding=1)], 4)[0].region(0, 0)
    >>> svg = field_svg((4, 4), r)
    >>> svg.startswith("<svg") and 'viewBox="-1.' in svg and svg.count('class="mask"') == 1
    True
    """
    H, W = input_size
    y0, y1 = min(0, region.top), max(H, region.top + region.height)
    x0, x1 = min(0, region.left), max(W, region.left + region.width)
    span = max(y1 - y0, x1 - x0)
    m = 0.04 * span  # a margin, so that an outline on the edge shows whole
    line = span / 180  # about 2 px at 360 px across
    step = _grid_step(span)
    mask = "".join(f'<rect class="mask" x="{c0}" y="{r0}" width="{c1 - c0}" height="{r1 - r0}"/>'
                   for r0, r1 in _runs(region.mask.any(axis=1)) for c0, c1 in _runs(region.mask.any(axis=0))
                   if region.mask[r0, c0])
    box = f'x="{region.left}" y="{region.top}" width="{region.width}" height="{region.height}"'
    hatch = span / 60
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{x0 - m:.2f} {y0 - m:.2f} {x1 - x0 + 2 * m:.2f} '
            f'{y1 - y0 + 2 * m:.2f}"><defs>'
            f'<pattern id="grid" width="{step}" height="{step}" patternUnits="userSpaceOnUse">'
            f'<path d="M{step} 0H0V{step}" fill="none" stroke="{_GRID_LINE}" stroke-width="{line / 3:.3f}"/></pattern>'
            f'<pattern id="pad" width="{hatch:.3f}" height="{hatch:.3f}" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><path d="M0 0V{hatch:.3f}" stroke="{_PAD_HATCH}" '
            f'stroke-width="{hatch / 3:.3f}"/></pattern>'
            f'<clipPath id="outside"><path fill-rule="evenodd" d="M{x0 - m:.2f} {y0 - m:.2f}H{x1 + m:.2f}V{y1 + m:.2f}'
            f'H{x0 - m:.2f}Z M0 0V{H}H{W}V0Z"/></clipPath></defs>'
            f'<rect x="{x0 - m:.2f}" y="{y0 - m:.2f}" width="{x1 - x0 + 2 * m:.2f}" height="{y1 - y0 + 2 * m:.2f}" '
            f'fill="#fff"/>'
            f'<rect width="{W}" height="{H}" fill="{_INPUT_FILL}"/><rect width="{W}" height="{H}" fill="url(#grid)"/>'
            f'<rect {box} fill="url(#pad)" clip-path="url(#outside)"/>'
            f'<g fill="{MASK_FILL}" fill-opacity="0.45">{mask}</g>'
            f'<rect width="{W}" height="{H}" fill="none" stroke="{_BORDER}" stroke-width="{line / 2:.3f}"/>'
            f'<rect {box} fill="none" stroke="{FIELD_LINE}" stroke-width="{line:.3f}"/></svg>')


def field_picture_html(input_size: tuple[int, int], region: Region, alt: str) -> str:
    """``field_svg`` as an ``<img>`` (the page's HTML keeps no inline SVG) with ``alt`` as its alternative text."""
    data = base64.b64encode(field_svg(input_size, region).encode()).decode("ascii")
    return f'<img src="data:image/svg+xml;base64,{data}" alt="{_html.escape(alt)}">'


def _step_texts(r0: int, j0: int, r: int, j: int) -> tuple[str, str, str, str]:
    """``(k, s, r worked out, j worked out)`` for one axis of a layer that takes (r0, j0) to (r, j)."""
    s = j // j0
    grow, exact = divmod(r - r0, j0)
    if exact:  # a block whose paths grow the field unevenly: no single k
        return "", str(s), f"{r0} → {r}", f"{j0}·{s} = {j}"
    k = grow + 1
    return str(k), str(s), f"{r0} + ({k} {MINUS} 1)·{j0} = {r}", f"{j0}·{s} = {j}"


def closed_form_records(fields: Sequence[Field], upto: int) -> tuple[list[dict], list[str]]:
    """The closed form worked out from the input to layer ``upto`` (an index into ``fields``): one record per
    layer that changes ``r`` or ``j``, and ``upto`` itself; and the names of the layers left out (k = s = 1).

    Each layer's ``k`` and ``s`` are read back from the fields: ``s = j / j_{l−1}``, ``k = (r − r_{l−1}) /
    j_{l−1} + 1`` (a block's, or a dense layer's, as one window).

    Examples
    --------
    >>> from cnnviz.kernel.fields import Window, receptive_fields
    >>> fs = receptive_fields([Window(5), Window(1, name="tanh"), Window(2, 2, name="S2")], 32)
    >>> records, left_out = closed_form_records(fs, 2)
    >>> [r["r"] for r in records], left_out
    (['1', '1 + (5 − 1)·1 = 5', '5 + (2 − 1)·1 = 6'], ['tanh'])
    """
    records = [{"layer": "input", "k": "", "s": "", "r": "1", "j": "1"}]
    before, left_out = ((1, 1), (1, 1)), []
    for i, f in enumerate(fields[:upto + 1]):
        if (f.size, f.jump) == before and i != upto:
            left_out.append(f.name)
            continue
        axes = [_step_texts(before[0][a], before[1][a], f.size[a], f.jump[a]) for a in (0, 1)]
        k, s, r, j = (a if a == b else f"rows {a}; columns {b}" for a, b in zip(*axes))  # one text if both agree
        records.append({"layer": f.name, "k": k, "s": s, "r": r, "j": j})
        before = (f.size, f.jump)
    return records, left_out


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def _sides(parts: Sequence[tuple[int, str, str]]) -> str:
    """``[(2, "row", "at the top"), …]`` -> "2 rows at the top and 1 column on the left" (zero counts left out)."""
    said = [f"{_count(n, what)} {where}" for n, what, where in parts if n]
    return " and ".join(said) if len(said) <= 2 else ", ".join(said[:-1]) + " and " + said[-1]


def field_words(network: str, field: Field, region: Region, input_size: tuple[int, int],
                cell: tuple[int, int]) -> tuple[str, str]:
    """What the picture shows, in words: the lead sentence (trusted HTML) and the rest (plain text).

    Rows, columns and cells are counted from 1, as every grid of the app counts them. Sides cut from the
    closed-form box are said: the part in the zero padding, and input cells that no window reaches (an output
    size rounded down).

    Examples
    --------
    >>> from cnnviz.kernel.fields import Window, receptive_fields
    >>> f = receptive_fields([Window(3, padding=1, name="conv")], 4)[0]
    >>> lead, rest = field_words("Net", f, f.region(0, 0), (4, 4), (0, 0))
    >>> lead
    '<b>Net conv</b> sees <b>3x3</b> pixels of the <b>4x4</b> input.'
    >>> print(rest.replace("; ", ";\\n"))
    Cell (1, 1) of its 4x4 map looks at input rows 1 to 2 and columns 1 to 2;
    1 row at the top and 1 column on the left of its box lie in the zero padding.
    """
    H, W = input_size
    lead = (f"<b>{_html.escape(network)} {_html.escape(field.name)}</b> sees <b>{format_shape(field.size)}</b> "
            f"pixels of the <b>{format_shape(input_size)}</b> input.")
    (r0, r1), (c0, c1) = region.rows, region.cols
    bottom, right = region.top + region.height, region.left + region.width
    padding = _sides([(max(0, min(r0, 0) - region.top), "row", "at the top"),
                      (max(0, bottom - max(r1, H)), "row", "at the bottom"),
                      (max(0, min(c0, 0) - region.left), "column", "on the left"),
                      (max(0, right - max(c1, W)), "column", "on the right")])
    unreached = _sides([(max(0, r0 - max(region.top, 0)), "row", "at the top"),
                        (max(0, min(bottom, H) - r1), "row", "at the bottom"),
                        (max(0, c0 - max(region.left, 0)), "column", "on the left"),
                        (max(0, min(right, W) - c1), "column", "on the right")])
    where = ("Its one cell" if field.out_size == (1, 1) else
             f"Cell ({cell[0] + 1}, {cell[1] + 1}) of its {format_shape(field.out_size)} map")
    rest = (f"{where} looks at the whole input" if (r0, r1, c0, c1) == (0, H, 0, W) else
            f"{where} looks at input rows {r0 + 1} to {r1} and columns {c0 + 1} to {c1}")
    rest += f"; {padding} of its box lie in the zero padding." if padding else "."
    if unreached:
        rest += f" Of the input inside its box, {unreached} lie in no window (an output size rounded down)."
    inside = int(region.mask.sum())
    if inside < (r1 - r0) * (c1 - c0):
        rest += (f" Only the {format_count(inside)} shaded input pixels can change it: the others fall between the "
                 "taps of a dilated filter or the windows of a stride.")
    return lead, rest


def field_html(network: str, fields: Sequence[Field], layer: int, cell: tuple[int, int],
               input_size: tuple[int, int], notes: Sequence[str] = (), present: bool = False) -> str:
    """The receptive field of ``cell`` of layer ``layer`` (an index into ``fields``) as one HTML section: the
    sentence, the picture with its key, the closed form and its table up to that layer, and ``notes`` (plain
    text) under the table.

    Side by side on a wide screen, one under the other on a phone (``fields.css``); ``present`` gives the
    picture the projector's height.

    Examples
    --------
    >>> from cnnviz.kernel.fields import Window, receptive_fields
    >>> html = field_html("LeNet-5", receptive_fields([Window(5, name="C1")], 32), 0, (13, 13), (32, 32))
    >>> "<b>LeNet-5 C1</b> sees <b>5x5</b> pixels" in html and "1 + (5 − 1)·1 = 5" in html
    True
    """
    field = fields[layer]
    region = field.region(*cell)
    lead, rest = field_words(network, field, region, input_size, cell)
    records, left_out = closed_form_records(fields, layer)
    notes = list(notes)
    if left_out:
        names = ", ".join(dict.fromkeys(left_out))  # each name once, in order
        notes.insert(0, f"{_count(len(left_out), 'layer')} with k = 1 and s = 1 ({names}) leave r and j as they "
                        "are: not listed.")
    alt = f"{lead} {rest}".replace("<b>", "").replace("</b>", "")
    H, W = input_size
    padded = min(region.top, region.left) < 0 or region.top + region.height > H or region.left + region.width > W
    key = "".join(f'<span class="item"><span class="sw {cls}"></span>{text}</span>' for cls, text in (
        ("box", f"the field, {format_shape(field.size)}"), ("mask", "input pixels that can change the cell"),
        *([("pad", "zero padding")] if padded else [])))
    table = records_html(records, pinned=True)
    return (f"<style>{style('fields.css')}</style>"
            f'<div class="cnnviz-field{" present" if present else ""}">'
            f'<p class="lead">{lead} {_html.escape(rest)}</p>'
            f'<figure>{field_picture_html(input_size, region, alt)}<figcaption>{key}</figcaption></figure>'
            f'<div class="form"><p>{CLOSED_FORM}</p><p class="note">{TERMS}</p>{table}'
            + "".join(f'<p class="note">{_html.escape(n)}</p>' for n in notes)
            + "</div></div>")
