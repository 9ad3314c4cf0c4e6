"""A window's dot product written out, in one structured form rendered two ways.

``written_sum`` turns a window (its values, the filter's weights, the bias) into a ``WrittenSum``: a
small list of terms per channel, then the total. ``sum_html`` renders it for the step player,
``sum_text`` as plain text (GIF frames, PNGs, and tests that read what a student reads). Both write::

    Output cell row 1, column 1:
    3₀ 3₁ 2₂
    0₂ 0₂ 1₀
    3₀ 1₁ 2₂
    = 3×0 + 3×1 + 2×2 + 0×2 + 0×2 + 1×0 + 3×0 + 1×1 + 2×2
    = 0 + 3 + 4 + 0 + 0 + 0 + 0 + 1 + 4 = 12

The lecture's notation first (each value with its weight as a subscript, one line per row of the
window), then the products as factors, then their values: a negative product is subtracted
(``4 − 6``), a bias is added in brackets and labelled (``+ (−20) bias``), a run of zero products is
written once (``+ 0 × 31 cells``) and ReLU as ``max(0, −3) = 0``. A window over several channels
writes each channel's partial sum and adds them: ``R + G + B + bias = 12 + (−3) + 5 + (−20) = −6``;
its products are written out only while there are at most ``WRITE_OUT_MAX`` of them.
"""
from __future__ import annotations

import html as _html
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cnnviz.kernel.notation import MINUS, TIMES, format_bracketed, format_number, format_product

__all__ = ["Term", "Zeros", "Part", "WrittenSum", "written_sum", "sum_html", "sum_text", "signed_sum", "html_to_text",
           "FOLD_AT", "WRITE_OUT_MAX"]

FOLD_AT = 6  # a run of at least this many zero products is written once: "+ 0 × 31 cells"
WRITE_OUT_MAX = 27  # products written out only up to this many in a window (a 3x3x3 filter)
_SUB = str.maketrans("0123456789" + MINUS + "-", "₀₁₂₃₄₅₆₇₈₉₋₋")


@dataclass(frozen=True)
class Term:
    """One product of the window: an input value times its weight."""

    value: float | int
    weight: float | int
    product: float | int


@dataclass(frozen=True)
class Zeros:
    """A run of ``count`` zero products, written once."""

    count: int


@dataclass(frozen=True)
class Part:
    """One channel's share of the dot product."""

    name: str  # "R", "G", "B"; "" for a single channel
    total: float | int  # the channel's partial sum
    values: np.ndarray | None = None  # (kh, kw) the window on this channel; None when not written out
    weights: np.ndarray | None = None  # (kh, kw) this channel's slice of the filter
    terms: tuple[Term | Zeros, ...] = ()  # the products in reading order; () when not written out


@dataclass(frozen=True)
class WrittenSum:
    """A window's dot product, term by term: what both renderers write."""

    out: tuple[int, int]  # the output cell (row, column), counted from 0
    parts: tuple[Part, ...]  # one per channel
    bias: float | int
    total: float | int  # the parts plus the bias, before ReLU
    relu: bool = False
    label: str = "Output cell"  # names the cell the sum writes: "Output cell row 1, column 1:"
    head: str = ""  # the first line as it is, instead of the label and the cell's row and column (a sequence's)

    @property
    def value(self) -> float | int:
        """What the output cell holds: the total, after ReLU when on."""
        return max(self.total, 0) if self.relu else self.total


def _fold(terms: Sequence[Term]) -> tuple[Term | Zeros, ...]:
    """Runs of at least ``FOLD_AT`` zero products become one ``Zeros``."""
    out: list[Term | Zeros] = []
    run: list[Term] = []
    for t in [*terms, None]:
        if t is not None and t.product == 0:
            run.append(t)
            continue
        out.extend([Zeros(len(run))] if len(run) >= FOLD_AT else run)
        run = []
        if t is not None:
            out.append(t)
    return tuple(out)


def _item(v):
    return v.item() if isinstance(v, np.generic) else v


def written_sum(values, weights, bias=0, *, relu: bool = False, out: tuple[int, int] = (0, 0),
                names: Sequence[str] = (), partials: Sequence | None = None, total=None,
                label: str = "Output cell", head: str = "") -> WrittenSum:
    """The structured sum of one window.

    Parameters
    ----------
    values, weights : array_like, shape (kh, kw) or (kh, kw, C)
        The input under the window and the filter.
    bias : number
    relu : bool
        Write ``max(0, total)`` after the total.
    out : (int, int)
        The output cell, counted from 0.
    names : sequence of str
        The channels' names (``"R", "G", "B"``); default ``C1, C2, …`` when there are several.
    partials, total : optional
        The channels' partial sums and the total as the kernel computed them (so that the written
        numbers are exactly the map's); by default they are summed here.
    label : str
        Names the cell the sum writes (``"dL/dW"`` gives ``dL/dW row 1, column 1:``).
    head : str
        The first line as it is (``"Output 5, years 1875 to 1877:"``), for a sum whose place is not a row
        and a column.

    Examples
    --------
    >>> s = written_sum([[3, -2]], [[2, 3]], bias=-1)
    >>> [t.product for t in s.parts[0].terms], s.total
    ([6, -6], -1)
    """
    v = np.asarray(values)
    w = np.asarray(weights)
    if v.shape != w.shape:
        raise ValueError("The window and the filter must have the same shape.")
    if v.ndim == 2:
        v, w = v[:, :, None], w[:, :, None]
    C = v.shape[2]
    if C > 1 and len(names) < C:
        names = [f"C{c + 1}" for c in range(C)]
    products = v * w  # (kh, kw, C)
    sums = [products[:, :, c].sum() for c in range(C)] if partials is None else list(partials)
    write_out = products.size <= WRITE_OUT_MAX or C == 1
    parts = []
    for c in range(C):
        terms = () if not write_out else _fold([
            Term(_item(a), _item(b), _item(p))
            for a, b, p in zip(v[:, :, c].ravel(), w[:, :, c].ravel(), products[:, :, c].ravel(), strict=True)])
        parts.append(Part(names[c] if C > 1 else "", _item(sums[c]),
                          v[:, :, c] if write_out else None, w[:, :, c] if write_out else None, terms))
    bias = _item(bias)
    total = _item(sum(sums) + bias if total is None else total)
    return WrittenSum((int(out[0]), int(out[1])), tuple(parts), bias, total, relu, label, head)


# --- rendering --------------------------------------------------------------------------------------

def signed_sum(numbers: Sequence) -> str:
    """``0 + 3 − 6 + 1``: numbers added, a negative one subtracted (the real minus sign)."""
    out = ""
    for i, x in enumerate(numbers):
        text = format_number(x)
        negative = text.startswith(MINUS)
        if i == 0:
            out = text
        else:
            out += f" {MINUS} {text[1:]}" if negative else f" + {text}"
    return out


def _zeros(n: int) -> str:
    return f"0 {TIMES} {n} cells"


def _factors(terms) -> str:
    return " + ".join(_zeros(t.count) if isinstance(t, Zeros) else format_product(t.value, t.weight)
                      for t in terms)


def _products(terms) -> str:
    """The products' values added, a folded run as ``+ 0 × 31 cells``.

    >>> _products([Zeros(3), Term(2, -1.5, -3), Term(1, 2, 2)])
    '0 × 3 cells − 3 + 2'
    """
    pieces: list[str] = []
    run: list = []
    for t in [*terms, None]:
        if isinstance(t, Term):
            run.append(t.product)
            continue
        if run:
            pieces.append(signed_sum(run))
            run = []
        if isinstance(t, Zeros):
            pieces.append(_zeros(t.count))
    out = pieces[0] if pieces else ""
    for piece in pieces[1:]:  # a run after folded zeros that starts negative is subtracted, not "+ −"
        out += f" {MINUS} {piece[1:]}" if piece.startswith(MINUS) else f" + {piece}"
    return out


def _notation_rows(part: Part) -> list[list[tuple[str, str]]]:
    return [[(format_number(a), format_number(b)) for a, b in zip(va, wa, strict=True)]
            for va, wa in zip(part.values, part.weights, strict=True)]


def _head(s: WrittenSum) -> str:
    return s.head or f"{s.label} row {s.out[0] + 1}, column {s.out[1] + 1}:"


def _bias_text(s: WrittenSum) -> str:
    return format_bracketed(s.bias)


def _channel_total(s: WrittenSum) -> tuple[str, str]:
    """``R + G + B + bias`` and ``12 + (−3) + 5 + (−20)``."""
    names = " + ".join(p.name for p in s.parts) + (" + bias" if s.bias else "")
    numbers = " + ".join(format_bracketed(p.total) for p in s.parts) + (f" + {_bias_text(s)}" if s.bias else "")
    return names, numbers


def sum_text(s: WrittenSum) -> str:
    """The written sum as plain text, one line per line of the player's explanation.

    Examples
    --------
    >>> print(sum_text(written_sum([[3, 1]], [[-2, 0]], bias=-20, relu=True)))
    Output cell row 1, column 1:
    3₋₂ 1₀
    = 3×(−2) + 1×0
    = −6 + 0 + (−20) bias = −26
    → ReLU: max(0, −26) = 0
    """
    lines = [_head(s)]
    bias = f" + {_bias_text(s)} bias" if s.bias else ""
    if len(s.parts) == 1:
        part = s.parts[0]
        lines += [" ".join(f"{a}{b.translate(_SUB)}" for a, b in row) for row in _notation_rows(part)]
        lines.append(f"= {_factors(part.terms)}")
        lines.append(f"= {_products(part.terms)}{bias} = {format_number(s.total)}")
    else:
        for part in s.parts:
            if part.terms:
                lines.append(f"{part.name}: {_factors(part.terms)} = {format_number(part.total)}")
        names, numbers = _channel_total(s)
        lines.append(f"{names} = {numbers} = {format_number(s.total)}")
    if s.relu:
        lines.append(f"→ ReLU: max(0, {format_number(s.total)}) = {format_number(s.value)}")
    return "\n".join(lines)


def sum_html(s: WrittenSum) -> str:
    """The written sum as HTML for the player's explanation (``.mut`` labels, ``.res`` results).

    Examples
    --------
    >>> html = sum_html(written_sum([[3, 3], [0, 0]], [[0, 1], [2, 2]]))
    >>> "<i>3<sub>0</sub></i> <i>3<sub>1</sub></i><br>" in html and '= <b class="res">3</b>' in html
    True
    """
    esc = _html.escape
    # the lens writes the output cell's row and column over it and hides them here; a head of its own stays
    head = f'<div class="mut">{esc(s.head)}</div>' if s.head else f'<div><span class="mut">{esc(_head(s))}</span></div>'
    bias = f' + {_bias_text(s)}<span class="mut"> bias</span>' if s.bias else ""
    res = f' = <b class="res">{format_number(s.total)}</b>'
    if len(s.parts) == 1:
        part = s.parts[0]
        rows = "<br>".join(" ".join(f"<i>{a}<sub>{b}</sub></i>" for a, b in row) for row in _notation_rows(part))
        body = (f"<div>{rows}</div><div>= {_factors(part.terms)}</div>"
                f"<div>= {_products(part.terms)}{bias}{res}</div>")
    else:
        body = "".join(f'<div><b>{esc(p.name)}</b>: {_factors(p.terms)} = {format_number(p.total)}</div>'
                       for p in s.parts if p.terms)
        names, numbers = _channel_total(s)
        body += f"<div>{esc(names)} = {numbers}{res}</div>"
    if s.relu:
        body += (f'<div><span class="mut">→ ReLU:</span> max(0, {format_number(s.total)}) ='
                 f' <b class="res">{format_number(s.value)}</b></div>')
    return head + body


def html_to_text(html: str) -> str:
    """Any explanation the player shows (this module's, pooling's) as plain text: ``sum_text``'s form.

    Subscripts become subscript digits, rows and ``<div>``s become lines, tags go.

    Examples
    --------
    >>> s = written_sum([[3, 1]], [[-2, 0]], bias=-20)
    >>> html_to_text(sum_html(s)) == sum_text(s)
    True
    """
    text = re.sub(r"<sub>(.*?)</sub>", lambda m: m.group(1).translate(_SUB), html)
    text = re.sub(r"<br\s*/?>|</div>", "\n", text)
    text = _html.unescape(re.sub(r"<[^>]+>", "", text))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())
