"""The transposed convolution for the step player, and the convolution as a matrix beside it.

``transposed_player_spec``: one step per input cell, in reading order. The cell stamps the filter, times its
value, onto the output; where stamps overlap they add up, and the output shows what each cell holds so far.
Each step writes ``output (r, c) += x×w → total`` for every cell of the stamp. With padding the player
draws the whole stamped area and hatches the border that the padding crops.

``matrix_html``: the convolution that the transposed convolution transposes, as the matrix ``M``
(``conv_matrix``), and ``M.T``, as tables whose row (of ``M``) and column (of ``M.T``) light up with the
player's step. Numbers are written in every cell: the filter's weights bold, the zeros around them dimmed.
"""
from __future__ import annotations

import html as _html

import numpy as np

from cnnviz.kernel.notation import TIMES, format_number, format_product, format_shape
from cnnviz.kernel.shapes import as_pair
from cnnviz.kernel.transpose import Stamp, conv_matrix, conv_transpose2d, stamp_trace
from cnnviz.views.player import PlayerSpec, PlayerStep

__all__ = ["transposed_player_spec", "stamp_step_html", "matrix_html", "MATRIX_MOST"]

MATRIX_MOST = (25, 49)  # the tables show M up to this many rows (input cells) and columns (output cells)


def _span(cells: list[int]) -> str:
    """``1–3`` (or ``2`` for one) for 0-based indices, counted from 1."""
    lo, hi = min(cells) + 1, max(cells) + 1
    return f"{lo}" if lo == hi else f"{lo}–{hi}"


def stamp_step_html(stamp: Stamp, crop: tuple[int, int], out_shape: tuple[int, int], weights: np.ndarray) -> str:
    """One stamp as the player writes it: the input cell, then ``output (r, c) += x×w → total`` for each output
    cell it adds to (counted from 1) with what it holds after, and how many products fall on the border the
    padding crops.

    Examples
    --------
    >>> from cnnviz.kernel.transpose import stamp_trace
    >>> trace = stamp_trace([[1, 2]], [[1, 3]])
    >>> html = stamp_step_html(trace.stamps[1], trace.crop, trace.out_shape, np.array([[1, 3]]))
    >>> "output (1, 2) += 2×1 → <b class=\\"res\\">5</b>" in html, "Input (1, 2) =" in html
    (True, True)
    """
    ph, pw = crop
    H_out, W_out = out_shape
    x = format_number(stamp.value)
    rows, inside, cropped = [], [], 0
    for i, row in enumerate(stamp.rows):
        line = []
        for j, col in enumerate(stamp.cols):
            r, c = row - ph, col - pw  # in the output
            if not (0 <= r < H_out and 0 <= c < W_out):
                cropped += 1
                continue
            inside.append((r, c))
            line.append(f"<div>output ({r + 1}, {c + 1}) += {format_product(stamp.value, weights[i, j])} → "
                        f"<b class=\"res\">{format_number(stamp.totals[i, j])}</b></div>")
        if line:
            rows.append("<div>" + "".join(line) + "</div>")
    where = (f"onto output rows {_span([r for r, _ in inside])}, columns {_span([c for _, c in inside])} (→ the "
             f"cell's new sum):" if inside else "onto the hatched border only: the padding crops all of it.")
    head = (f'<div><span class="mut">Input ({stamp.row + 1}, {stamp.col + 1}) =</span> <b>{x}</b><span class="mut">:'
            f'</span> {x} {TIMES} the filter <span class="mut">{where}</span></div>')
    tail = ""
    if cropped and inside:
        tail = (f'<div class="mut">{cropped} more product{"s" if cropped > 1 else ""} fall'
                f'{"" if cropped > 1 else "s"} on the hatched border that the padding crops.</div>')
    # a line for each row of the filter, wrapping where the width runs out (``stampsum`` in player.css)
    return head + (f'<div class="stampsum">{"".join(rows)}</div>' if rows else "") + tail


def transposed_player_spec(x, w, *, stride=1, padding=0, output_padding=0, initial_step: int | None = None,
                           speed: float = 2.0) -> PlayerSpec:
    """The step player's spec for a transposed convolution of one grid ``x`` ``(H, W)`` with one filter ``w``
    ``(kh, kw)``: one stamp a step. Raises ``ValueError`` as ``conv_transpose2d`` does.

    The output grid is the whole stamped area (``stamp_trace``'s uncropped output), its border cropped by the
    padding hatched (``crop``); what is not hatched is ``conv_transpose2d``'s output.

    Examples
    --------
    >>> spec = transposed_player_spec([[1, 2], [3, 4]], [[1, 1], [1, 1]])
    >>> spec.output.tolist(), len(spec.steps), spec.steps[3].writes[0], spec.steps[3].totals
    ([[1, 3, 2], [4, 10, 6], [3, 7, 4]], 4, (1, 1, 0, 0), (10, 6, 7, 4))
    """
    x, w = np.asarray(x), np.asarray(w)
    if x.ndim != 2 or w.ndim != 2:
        raise ValueError("The transposed convolution's player works on a 2-D input and a 2-D filter.")
    conv = {"stride": stride, "padding": padding, "output_padding": output_padding}
    out = conv_transpose2d(x, w, **conv)  # (H_out, W_out); its checks and messages
    trace = stamp_trace(x, w, **conv)
    (ph, pw), (H_out, W_out), (Hf, Wf) = trace.crop, trace.out_shape, trace.shape
    full = np.zeros((Hf, Wf), dtype=out.dtype)  # (Hf, Wf): the output within the stamped area
    for s in trace.stamps:
        full[np.ix_(s.rows, s.cols)] = s.totals
    full[ph : ph + H_out, pw : pw + W_out] = out  # the kernel's own numbers where the output is
    steps = []
    for s in trace.stamps:
        writes = tuple((r, c, i, j) for i, r in enumerate(s.rows) for j, c in enumerate(s.cols))
        steps.append(PlayerStep(rows=(s.row,), cols=(s.col,), out=writes[0][:2], value=s.value,
                                explain=stamp_step_html(s, trace.crop, trace.out_shape, w),
                                writes=writes, totals=tuple(s.totals.ravel().tolist())))
    crop = (ph, Hf - ph - H_out, pw, Wf - pw - W_out)
    title = "Output" if not any(crop) else f"Output {format_shape((H_out, W_out))} (hatched: cropped)"
    return PlayerSpec(input=x, output=full, steps=steps, filter=w, titles=("Input", "Filter", title), operator="∗ᵀ",
                      initial_step=initial_step, speed=speed, window_label="the input cell and the cells its "
                      "stamp adds to, the filter's weight in each strip", mode="stamp", crop=crop)


def _cell(value, weight: bool, at: str = "") -> str:
    """One number of a matrix: a weight bold (class ``w``), a zero around the weights dimmed (``z``)."""
    cls = " ".join(filter(None, ["w" if weight else "z", "at" if at else ""]))
    data = f' data-at="{at}"' if at else ""
    return f'<td class="{cls}"{data}>{format_number(value)}</td>'


def _labels(shape: tuple[int, int]) -> list[str]:
    """Each cell of a grid of ``shape``, in reading order, as ``r,c`` counted from 1."""
    return [f"{r + 1},{c + 1}" for r in range(shape[0]) for c in range(shape[1])]


def matrix_html(y, w, *, stride=1, padding=0, output_padding=0, x=None, x_name: str = "",
                y_name: str = "") -> str:
    """The transposed convolution of ``y`` ``(h, w)`` as a matrix: ``M = conv_matrix`` of the convolution from
    the output's shape back to ``y``'s, and ``M.T``, as HTML tables (the step player's notes).

    ``M`` has a row per cell of ``y`` (row k lights up at step k, ``data-at``) and a column per output cell; ``M.T``
    a row per output cell, its column k lit at step k, and beside each row the output cell ``M.T @ y.ravel()``
    gives. With ``x`` (named ``x_name``), an input whose convolution is ``y`` (``y_name``), ``M``'s table shows x
    above its columns and ``M @ x.ravel()`` beside its rows. Larger than ``MATRIX_MOST``: a sentence instead.

    Examples
    --------
    >>> html = matrix_html([[1, 2]], [[1, 1]])
    >>> "M (2×3)" in html and 'data-at="1"' in html and "= 3" in html
    True
    """
    y, w = np.asarray(y), np.asarray(w)
    out = conv_transpose2d(y, w, stride=stride, padding=padding, output_padding=output_padding)  # (H_out, W_out)
    M = conv_matrix(out.shape, w, stride=stride, padding=padding)  # (h*w, H_out*W_out)
    pattern = conv_matrix(out.shape, np.ones(w.shape, dtype=np.int64), stride=stride, padding=padding) != 0
    n_in, n_out = M.shape
    assert n_in == y.size, f"M's {n_in} rows should be the {y.size} cells of y"
    s, p = as_pair(stride, "stride"), as_pair(padding, "padding", 0)
    geometry = (f"stride {s[0]}, padding {p[0]}" if s[0] == s[1] and p[0] == p[1]
                else f"stride {s}, padding {p}")
    small, big = format_shape(y.shape), format_shape(out.shape)
    intro = (f'<div class="mxh">The transposed convolution as a matrix</div>'
             f"<p>A convolution is linear, so it is a matrix. <code>conv_matrix</code> writes the convolution of a "
             f"{big} grid with this filter ({geometry}) as M, a row for each cell of its {small} map and a column "
             f"for each cell of the grid, so that <b>M @ x.ravel()</b> is the convolution. Its transpose M.T takes a "
             f"{small} map back to {big}: <b>M.T @ y.ravel()</b> is the transposed convolution in the player, and "
             f"column k of M.T (row k of M) is the stamp of the player's step k.</p>")
    if n_in > MATRIX_MOST[0] or n_out > MATRIX_MOST[1]:
        return (intro + f"<p>Here M is {n_in}{TIMES}{n_out}: too large to read as a table. A smaller input or "
                f"stride shows it (the tables go up to {MATRIX_MOST[1]} output cells).</p>")
    outs, ins = _labels(out.shape), _labels(y.shape)
    yv, ov = y.ravel().tolist(), out.ravel().tolist()
    # M: a row per cell of y (lit at its step), the weights of its window among zeros
    head = ('<tr><th scope="col">cell</th>' + "".join(f'<th scope="col">{c}</th>' for c in outs)
            + ("<th></th>" if x is not None else "") + "</tr>")
    rows_m = []
    if x is not None:
        xv = np.asarray(x).ravel().tolist()
        mx = (M @ np.asarray(x).ravel()).tolist()
        head += ('<tr class="vec"><th scope="row">x</th>' + "".join(f"<td>{format_number(v)}</td>" for v in xv)
                 + '<th scope="col">M @ x</th></tr>')
    for k in range(n_in):
        tail = f'<td class="res">= {format_number(mx[k])}</td>' if x is not None else ""
        rows_m.append(f'<tr data-at="{k}"><th scope="row">{ins[k]}</th>'
                      + "".join(_cell(M[k, j], pattern[k, j]) for j in range(n_out)) + tail + "</tr>")
    table_m = (f'<p class="mxcap">M ({n_in}{TIMES}{n_out}): row k holds the filter\'s weights (bold) at the '
               f"grid's cells that window k covers, zeros elsewhere. Columns are the {big} grid's cells, row by "
               f'row.</p><div class="mxwrap" tabindex="0" role="region" aria-label="the matrix M">'
               f'<table class="mx"><thead>{head}</thead><tbody>{"".join(rows_m)}</tbody></table></div>')
    said = ""
    if x is not None:
        said = (f"<p><b>M @ x.ravel() = {', '.join(format_number(v) for v in mx)}</b>: {_html.escape(y_name)}, "
                f"row by row, the convolution of {_html.escape(x_name)}.</p>")
    # M.T: a row per output cell; column k (lit at step k) is map cell k's stamp
    head_t = ('<tr><th scope="col">cell</th>' + "".join(f'<th scope="col" data-at="{k}">{c}</th>'
                                                        for k, c in enumerate(ins)) + "<th></th></tr>"
              + '<tr class="vec"><th scope="row">y</th>'
              + "".join(f'<td data-at="{k}">{format_number(v)}</td>' for k, v in enumerate(yv))
              + '<th scope="col">M.T @ y</th></tr>')
    rows_t = [f'<tr><th scope="row">{outs[j]}</th>' + "".join(_cell(M[k, j], pattern[k, j], str(k))
                                                              for k in range(n_in))
              + f'<td class="res">= {format_number(ov[j])}</td></tr>' for j in range(n_out)]
    table_t = (f'<p class="mxcap">M.T ({n_out}{TIMES}{n_in}): column k is the stamp of cell k of y, the filter\'s '
               f"weights at the output cells it adds to; each row adds up to an output cell, the player's output row "
               f'by row.</p><div class="mxwrap" tabindex="0" role="region" aria-label="the matrix M.T">'
               f'<table class="mx"><thead>{head_t}</thead><tbody>{"".join(rows_t)}</tbody></table></div>')
    return f'<div class="mxv">{intro}{table_m}{said}{table_t}</div>'
