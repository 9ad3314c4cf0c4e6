"""Pooling for the step player and as Plotly figures: each window written out, max beside average."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..layers import format_shape
from ..pool import covered_cells, pool2d, pool_trace
from .colour import heatmap_colours, symmetric_limit
from .grid import grid_html, grid_rows_html
from .numbers import MINUS, format_number
from .player import PlayerSpec, PlayerStep

__all__ = ["pool_step_html", "pool_player_spec", "max_avg_html", "stack_figure", "MODE_NAMES"]

MODE_NAMES = {"max": "Max pooling", "avg": "Average pooling"}


def pool_step_html(values, mode: str = "max", winner: tuple[int, int] | None = None, out=(0, 0)) -> str:
    """One pooling window as a sentence: ``max(1, 1, 5, 6) = 6`` or ``(1 + 1 + 5 + 6) / 4 = 3.25``.

    ``values`` is the window ``(kh, kw)``; ``winner`` its kept cell (window coordinates, max only).

    Examples
    --------
    >>> html = pool_step_html([[1, 1], [5, 6]], "max", (1, 1))
    >>> "max(1, 1, 5, <b>6</b>)" in html and '= <b class="res">6</b>' in html
    True
    >>> '= <b class="res">3.25</b>' in pool_step_html([[1, 1], [5, 6]], "avg")
    True
    """
    v = np.asarray(values)
    flat = [format_number(a) for a in v.ravel()]
    head = f'<span class="mut">Output cell row {out[0] + 1}, column {out[1] + 1}:</span> '
    if mode == "max":
        k = v.shape[1] * winner[0] + winner[1] if winner is not None else int(np.argmax(v))
        terms = ", ".join(f"<b>{t}</b>" if i == k else t for i, t in enumerate(flat))
        best = v.ravel()[k]
        line = f'max({terms}) = <b class="res">{format_number(best)}</b>'
        ties = int(np.count_nonzero(v == best))
        note = (f'<span class="mut">{ties} cells share the maximum: the first in reading order is marked.</span>'
                if ties > 1 else "")
        return f"<div>{head}{line}</div><div>{note}</div>"
    total = v.sum()
    line = (f"({' + '.join(flat)}) / {v.size}".replace(f"+ {MINUS}", f"{MINUS} ")
            + f" = {format_number(total)} / {v.size} = <b class=\"res\">{format_number(v.mean())}</b>")
    return f"<div>{head}{line}</div>"


def pool_player_spec(x, size=2, stride=None, mode: str = "max", *, initial_step: int | None = None,
                     speed: float = 2.0) -> PlayerSpec:
    """The step player's spec for pooling one activation map ``(H, W)``.

    Max pooling singles out the winning cell of each window; average pooling writes out the mean.
    Raises ``ValueError`` as ``pool2d`` does.

    Examples
    --------
    >>> spec = pool_player_spec([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])
    >>> spec.output.tolist(), [s.winner for s in spec.steps]
    ([[6, 8], [3, 4]], [(1, 1), (1, 3), (2, 0), (3, 3)])
    """
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError("The player follows one activation map at a time: give an (H, W) grid.")
    out = pool2d(x, size, stride, mode)  # (H_out, W_out)
    steps = []
    for s in pool_trace(x, size, stride, mode):
        local = None if s.winner is None else (s.winner[0] - s.rows[0], s.winner[1] - s.cols[0])
        steps.append(PlayerStep(rows=s.rows, cols=s.cols, out=(s.out_row, s.out_col),
                                value=out[s.out_row, s.out_col].item(), winner=s.winner,
                                explain=pool_step_html(s.values, mode, local, (s.out_row, s.out_col))))
    return PlayerSpec(input=x, output=out, steps=steps, titles=("Activation map", "", MODE_NAMES[mode]),
                      initial_step=initial_step, speed=speed,
                      winner_label="kept (the maximum)" if mode == "max" else "winner")


def _heatmap(z: np.ndarray, scale: float, show_text: bool, font: int, n: int, gap: int = 2) -> go.Heatmap:
    """Panel ``n`` (1-based): the grid on the shared diverging scale, numbers written in when they fit."""
    text = [[format_number(v) for v in row] for row in z]  # written in when they fit, always on hover
    axis = "" if n == 1 else str(n)
    return go.Heatmap(z=z, **heatmap_colours(scale), showscale=False,
                      text=text, texttemplate="%{text}" if show_text else None, textfont={"size": font},
                      xgap=gap, ygap=gap, xaxis="x" + axis, yaxis="y" + axis,
                      hovertemplate="row %{y}, column %{x}: %{text}<extra></extra>")


def _axes(n: int, shape: tuple[int, int], x_domain, y_domain, ticks: bool) -> dict:
    """Layout of panel ``n``: row 0 at the top, square cells, fixed ranges, 1-based tick labels."""
    H, W = shape
    axis = "" if n == 1 else str(n)
    common = dict(showgrid=False, zeroline=False, constrain="domain", fixedrange=True)
    tx = dict(tickvals=list(range(W)), ticktext=[str(c + 1) for c in range(W)]) if ticks else dict(showticklabels=False)
    ty = dict(tickvals=list(range(H)), ticktext=[str(r + 1) for r in range(H)]) if ticks else dict(showticklabels=False)
    return {f"xaxis{axis}": dict(domain=x_domain, range=[-0.5, W - 0.5], scaleanchor="y" + axis, anchor="y" + axis,
                                 **common, **tx),
            f"yaxis{axis}": dict(domain=y_domain, range=[H - 0.5, -0.5], anchor="x" + axis, **common, **ty)}


def _domains(widths, gap: float) -> list[list[float]]:
    """Split [0, 1] into side-by-side domains proportional to ``widths`` with ``gap`` between them."""
    free = 1 - gap * (len(widths) - 1)
    total, out, x = float(sum(widths)), [], 0.0
    for w in widths:
        out.append([x, min(1.0, x + free * w / total)])
        x = out[-1][1] + gap
    return out


def _title(text: str, x_domain, y: float, size: int) -> dict:
    return dict(text=text, x=(x_domain[0] + x_domain[1]) / 2, y=y, xref="paper", yref="paper", showarrow=False,
                xanchor="center", yanchor="bottom", font=dict(size=size))


def max_avg_html(x, size=2, stride=None) -> str:
    """The activation map ``(H, W)`` beside its max-pooled and average-pooled outputs, as HTML grids.

    One colour scale for the three grids, centred at 0, so the outputs compare directly with the input;
    numbers written in every cell while the cells are big enough to read, else shown on hover. Row 0 is
    at the top; input cells no window reaches are hatched. Plain HTML and CSS (no script), cheap to send.

    Examples
    --------
    >>> html = max_avg_html([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])
    >>> import re; re.findall(r'data-grid="avg".*', html)[0].count('data-value="3.25"')
    1
    """
    x = np.asarray(x)
    mx, av = pool2d(x, size, stride, "max"), pool2d(x, size, stride, "avg")  # (H_out, W_out) each
    scale = symmetric_limit(x)  # one limit for the three grids
    dropped = ~covered_cells(x.shape, size, stride)  # (H, W)
    side = max(x.shape)
    cs = 52 if side <= 4 else 44 if side <= 8 else 30 if side <= 12 else 26 if side <= 16 else 12
    common = dict(vmax=scale, numbers=cs >= 26, hover=True)
    panels = [
        grid_html(x, "input", title=f"Input {format_shape(x.shape)}",
                  classes=lambda r, c: "unr" if dropped[r, c] else "", **common),
        grid_html(mx, "max", title=f"Max pooling {format_shape(mx.shape)}", **common),
        grid_html(av, "avg", title=f"Average pooling {format_shape(av.shape)}", **common),
    ]
    return grid_rows_html([panels], cell=cs)


def stack_figure(stack, pooled, names, pick: int = 0) -> go.Figure:
    """Small multiples: each map of ``stack`` ``(H, W, C)`` above its pooled map ``(H_out, W_out, C)``.

    Each map keeps its own column, which is the point: pooling never mixes maps. Map ``pick``
    (the one animated) gets a frame. Each map has its own colour scale, centred at 0, shared with its
    pooled map. Numbers are written in cells when the maps are small enough.

    Examples
    --------
    >>> s = np.arange(32).reshape(4, 4, 2)
    >>> fig = stack_figure(s, pool2d(s), ["a", "b"])
    >>> len(fig.data), fig.data[3].z.tolist()
    (4, [[11, 15], [27, 31]])
    """
    stack, pooled = np.asarray(stack), np.asarray(pooled)
    H, W, C = stack.shape
    Ho, Wo, _ = pooled.shape
    scales = [symmetric_limit(stack[:, :, c]) for c in range(C)]  # each map its own limit, shared with its pooled map
    show = H * C <= 36
    domains = _domains([1] * C, 0.02)
    top, bottom = [0.44, 0.92], [0.0, 0.36]  # the pooled row is drawn smaller, as it is
    layout = dict(height=200 + 110 * max(1, 6 // max(C, 1)), margin=dict(l=10, r=10, t=30, b=10),
                  font=dict(size=14), plot_bgcolor="rgba(0,0,0,0)", showlegend=False, annotations=[], shapes=[])
    data = []
    for c, dom in enumerate(domains):
        title = f"{c + 1}. {names[c]}" if C <= 4 else f"{c + 1}"
        for n, z, y_dom in ((c + 1, stack[:, :, c], top), (C + c + 1, pooled[:, :, c], bottom)):
            data.append(_heatmap(z, scales[c], show, 12, n, gap=2 if H <= 12 else 0))
            layout.update(_axes(n, z.shape, dom, y_dom, ticks=False))
        layout["annotations"].append(_title(title, dom, top[1] + 0.01, 16))
        if c == pick:
            axis = "" if c == 0 else str(c + 1)
            layout["shapes"].append(dict(type="rect", xref=f"x{axis} domain", yref=f"y{axis} domain", x0=-0.04,
                                         x1=1.04, y0=-0.04, y1=1.04, line=dict(color="#7b2ff7", width=4)))
    return go.Figure(data=data, layout=layout)
