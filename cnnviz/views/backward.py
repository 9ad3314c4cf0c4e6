"""The backward pass for the step player, and gradient descent as grids and a figure.

Two players take the backward pass of one filter apart (``cnnviz.kernel.gradients``):

- ``weight_player_spec``: one step per weight. The weight lay on a strided grid of input cells, one per
  map cell; those cells light up, each with ``dL/dmap`` in its strip, and the sum of the products fills
  ``dL/dW``: the input "convolved" with ``dL/dmap``.
- ``input_player_spec``: one step per input cell. ``dL/dmap`` spread back to the input's spacing and
  framed with zeros, the filter rotated 180° sliding over it: the full convolution that fills ``dL/dX``.
  Each sum names the windows that covered the cell.

Every grid is on the diverging scale centred at 0 with its numbers written in.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from cnnviz.kernel.conv import pad_input
from cnnviz.kernel.gradients import (
    InputGradStep,
    WeightGradStep,
    input_gradient_trace,
    spread_gradient,
    weight_gradient_trace,
)
from cnnviz.kernel.notation import MINUS, TIMES, format_bracketed, format_number
from cnnviz.kernel.shapes import as_pair
from cnnviz.learn.descent import Descent
from cnnviz.views.colour import heatmap_colours, symmetric_limit
from cnnviz.views.figure import ReadyFigure
from cnnviz.views.grid import grid_html, grid_rows_html
from cnnviz.views.player import PlayerSpec, PlayerStep
from cnnviz.views.sums import signed_sum, sum_html, written_sum

__all__ = ["weight_player_spec", "input_player_spec", "weight_step_html", "input_step_html", "gradients_html",
           "bias_sum_text", "sgd_step_html", "descent_figure", "frame_steps", "DMAP", "DW", "DX", "DB"]

DMAP, DW, DX, DB = "dL/dmap", "dL/dW", "dL/dX", "dL/db"  # the gradients, as the page names them
_CELL = 36  # CSS pixels a cell in the grids beside the player


def _one_filter(x, w, dout) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, w, g = np.asarray(x), np.asarray(w), np.asarray(dout)
    if x.ndim != 2 or w.ndim != 2 or g.ndim != 2:
        raise ValueError("The backward player follows a 2-D input, a 2-D filter and a 2-D map gradient.")
    return x, w, g


def weight_step_html(step: WeightGradStep) -> str:
    """One weight's gradient as the forward player writes a window: each input value with ``dL/dmap`` as its
    subscript, one line per map row, then the products and their sum.

    Examples
    --------
    >>> from cnnviz.kernel.gradients import weight_gradient_trace
    >>> html = weight_step_html(weight_gradient_trace([[1, 2], [3, 4]], [[1]], [[1, 0], [2, -1]])[0])
    >>> "dL/dW row 1, column 1:" in html and "<i>3<sub>2</sub></i>" in html and "= 1×1 + 2×0 + 3×2 + 4×(−1)" in html
    True
    """
    return sum_html(written_sum(step.values, step.grads, out=step.weight, total=step.total, label=DW))


def input_step_html(step: InputGradStep) -> str:
    """One input cell's gradient: the windows that covered it, then each weight that lay on the cell with
    ``dL/dmap`` of its window as subscript, the products and their sum.

    Examples
    --------
    >>> from cnnviz.kernel.gradients import input_gradient_trace
    >>> html = input_step_html(input_gradient_trace([[1, 2], [3, 4]], [[1, 2]], [[5], [6]])[1])
    >>> "2 windows" in html, "1 window covered it" in html
    (False, True)
    >>> "at map cell (1, 1)" in html and "<i>2<sub>5</sub></i>" in html and '= <b class="res">10</b>' in html
    True
    """
    y, x = step.cell
    covers = step.covers
    if not covers:
        return (f'<div><span class="mut">{DX} row {y + 1}, column {x + 1}:</span></div>'
                f'<div>No window covered this cell (the stride stepped over it) = <b class="res">'
                f'{format_number(step.total)}</b></div>')
    weights = np.array([[c.weight for c in covers]])  # (1, windows)
    grads = np.array([[c.grad for c in covers]])
    body = sum_html(written_sum(weights, grads, out=step.cell, total=step.total, label=DX))
    where = ", ".join(f"({c.out[0] + 1}, {c.out[1] + 1})" for c in covers)
    n = len(covers)
    note = (f'<div class="mut">{n} window{"s" if n > 1 else ""} covered it, at map cell{"s" if n > 1 else ""} '
            f'{where}: each weight that lay on the cell, with {DMAP} there as its subscript</div>')
    head, _, rest = body.partition("</div>")
    return head + "</div>" + note + rest


def weight_player_spec(x, w, dout, *, stride=1, padding=0, dilation=1, initial_step: int | None = None,
                       speed: float = 2.0) -> PlayerSpec:
    """The step player's spec for ``dL/dW``: one step per weight, in reading order of the filter.

    ``x`` is ``(H, W)``, ``w`` ``(kh, kw)`` and ``dout`` ``(H_out, W_out)``. The input (padded) is the
    grid the steps cover, ``dL/dmap`` takes the filter's place and ``dL/dW`` is the output.

    Examples
    --------
    >>> from cnnviz.lecture.presets import LECTURE_INPUT, LECTURE_FILTER
    >>> spec = weight_player_spec(LECTURE_INPUT, LECTURE_FILTER, np.ones((3, 3), int))
    >>> spec.output.tolist(), spec.steps[0].rows, spec.steps[0].value
    ([[15, 15, 15], [9, 11, 16], [10, 7, 12]], (0, 1, 2), 15)
    """
    x, w, g = _one_filter(x, w, dout)
    trace = weight_gradient_trace(x, w, g, stride=stride, padding=padding, dilation=dilation)
    dw = np.array([s.total for s in trace]).reshape(w.shape)  # (kh, kw)
    steps = [PlayerStep(rows=s.rows, cols=s.cols, out=s.weight, value=s.total, explain=weight_step_html(s))
             for s in trace]
    ph, pw = as_pair(padding, "padding", 0)
    return PlayerSpec(input=pad_input(x, (ph, pw)), output=dw, steps=steps, filter=g, padding=(ph, pw),
                      titles=("Input" + (" (padded)" if ph or pw else ""), DMAP, DW), initial_step=initial_step,
                      speed=speed, window_label="the cells this weight lay on")


def input_player_spec(x, w, dout, *, stride=1, padding=0, dilation=1, initial_step: int | None = None,
                      speed: float = 2.0) -> PlayerSpec:
    """The step player's spec for ``dL/dX``: one step per input cell, in reading order of the input.

    The grid the steps cover is ``dL/dmap`` spread out (``spread_gradient``) and cut to the rows and
    columns the input's cells need; the filter rotated 180° slides over it and ``dL/dX`` is the output.

    Examples
    --------
    >>> from cnnviz.lecture.presets import LECTURE_INPUT, LECTURE_FILTER
    >>> spec = input_player_spec(LECTURE_INPUT, LECTURE_FILTER, np.ones((3, 3), int))
    >>> spec.input.shape, spec.filter.tolist()[0], spec.output.tolist()[2]
    ((7, 7), [2, 1, 0], [2, 6, 10, 8, 4])
    """
    x, w, g = _one_filter(x, w, dout)
    trace = input_gradient_trace(x, w, g, stride=stride, padding=padding, dilation=dilation)
    (H, W), (kh, kw) = x.shape, w.shape
    (ph, pw), (dh, dw) = as_pair(padding, "padding", 0), as_pair(dilation, "dilation")
    G = spread_gradient(g, (kh, kw), stride=stride, dilation=dilation, padded_shape=(H + 2 * ph, W + 2 * pw))
    G = G[ph : ph + H + (kh - 1) * dh, pw : pw + W + (kw - 1) * dw]  # the rows and columns the cells' windows need
    dx = np.array([s.total for s in trace]).reshape(H, W)
    steps = [PlayerStep(rows=tuple(r - ph for r in s.rows), cols=tuple(c - pw for c in s.cols), out=s.cell,
                        value=s.total, explain=input_step_html(s)) for s in trace]
    return PlayerSpec(input=G, output=dx, steps=steps, filter=w[::-1, ::-1], titles=(
        f"{DMAP}, spread out, zeros around", "Filter rotated 180°", DX), initial_step=initial_step, speed=speed,
        window_label="the rotated filter")


def gradients_html(x, w, amap, dout, dw, db, dx, target=None) -> str:
    """The forward pass above its gradients, as grids: input, filter, map (and target); ``dL/dmap``,
    ``dL/dW``, ``dL/db``, ``dL/dX``. Each grid on its own scale centred at 0, cells ``P-R-C``."""
    top = [grid_html(x, "g-in", title="Input"), grid_html(w, "g-flt", title="Filter"),
           grid_html(amap, "g-map", title="Activation map")]
    if target is not None:
        top.append(grid_html(target, "g-tgt", title="Target"))
    low = [grid_html(dout, "g-dmap", title=DMAP), grid_html(dw, "g-dw", title=DW),
           grid_html(np.array([[db]]), "g-db", title=DB), grid_html(dx, "g-dx", title=DX)]
    return grid_rows_html([top, low], cell=_CELL)


def bias_sum_text(dout, db) -> str:
    """``dL/db = 1 + 1 + … = 9``: the bias lies on every position with weight 1.

    Examples
    --------
    >>> bias_sum_text([[1, -2], [0, 3]], 2)
    'dL/db = 1 − 2 + 0 + 3 = 2'
    """
    return f"{DB} = {signed_sum(np.ravel(dout).tolist())} = {format_number(db)}"


def _op(text: str) -> str:
    return f'<div class="panel"><div style="font-size:28px;line-height:var(--cs);padding:0 2px">{text}</div></div>'


def sgd_step_html(w, dw, b, db, rate: float) -> str:
    """One step of gradient descent as numbers: ``W − η × dL/dW = W'`` as grids, and ``b − η × dL/db = b'``.

    Examples
    --------
    >>> html = sgd_step_html([[0, 1]], [[15, -2]], 0, 9, 0.005)
    >>> 'data-value="-0.075"' in html and "0 − 0.005×9 = <b>−0.045</b>" in html
    True
    """
    w, dw = np.asarray(w, dtype=np.float64), np.asarray(dw, dtype=np.float64)
    new_w = np.round(w - rate * dw, 12)  # float noise off: 0 − 0.005×15 is −0.075
    new_b = round(float(b) - rate * float(db), 12)
    vmax = symmetric_limit(np.concatenate([w.ravel(), new_w.ravel()]))
    row = [grid_html(w, "sgd-w", title="W", vmax=vmax), _op(MINUS), _op(f"η = {format_number(rate)}"), _op(TIMES),
           grid_html(dw, "sgd-dw", title=DW), _op("="),
           grid_html(new_w, "sgd-new", title="W after the step", vmax=vmax)]
    bias = (f'<p style="margin:6px 0 0;font-size:16px">b ← b − η×{DB}: {format_number(b)} − '
            f'{format_number(rate)}{TIMES}{format_bracketed(db)} = <b>{format_number(new_b)}</b></p>')
    return grid_rows_html([row], cell=_CELL, cell_width=_CELL + 20) + bias  # room for "−0.075"


def _heatmap(z, vmax: float, xaxis: str, yaxis: str, name: str) -> dict:
    """A heatmap trace as a plain dict (a frame's traces are never validated one by one: see ReadyFigure)."""
    z = np.asarray(z, dtype=np.float64)
    text = [[format_number(v) for v in row] for row in np.round(z, 2).tolist()]
    return {"type": "heatmap", "z": z.tolist(), "text": text,
            "texttemplate": "%{text}", "textfont": {"size": 15}, "xaxis": xaxis, "yaxis": yaxis, "showscale": False,
            "hovertemplate": f"{name}, row %{{y}}, column %{{x}}: %{{text}}<extra></extra>",
            "x": list(range(1, z.shape[1] + 1)), "y": list(range(1, z.shape[0] + 1)), "xgap": 2, "ygap": 2,
            **heatmap_colours(vmax)}


MAX_FRAMES = 41  # the steps a descent figure animates: every step of a short run, evenly spaced ones of a long one


def frame_steps(n: int) -> list[int]:
    """The steps of a run of ``n`` (start included) that get a frame: all, or ``MAX_FRAMES`` evenly spaced
    from the first to the last.

    >>> frame_steps(5), frame_steps(201)[:3], frame_steps(201)[-1], len(frame_steps(201))
    ([0, 1, 2, 3, 4], [0, 5, 10], 200, 41)
    """
    if n <= MAX_FRAMES:
        return list(range(n))
    return sorted({round(i * (n - 1) / (MAX_FRAMES - 1)) for i in range(MAX_FRAMES)})


def descent_figure(run: Descent, maps: list[np.ndarray], across: int = 4) -> ReadyFigure:
    """Descent step by step: the filter, its ``dL/dW`` and its map beside the target, and the loss curve.

    ``maps[k]`` is the map of ``run.steps[k].filter``. One frame per step (``frame_steps``: at most
    ``MAX_FRAMES``, evenly spaced; the loss curve keeps every step), played by the browser (Play,
    Pause, a slider); each grid keeps one colour scale through every frame, so a gradient fading to
    white is a gradient shrinking (a diverging run's growing values take the scale's end colours). The
    loss is drawn on a log scale. The four grids stand in one row (``across=4``) or two rows of two
    (``across=2``: a phone's width).
    """
    steps = run.steps
    losses = [max(s.loss, 1e-300) for s in steps]
    # The scales come from the steps that did not make things worse: a diverging run's later steps then
    # take the end colours instead of washing out the first ones.
    sane = [k for k, loss in enumerate(losses) if loss <= losses[0]]
    w_max = symmetric_limit(np.concatenate([steps[k].filter.ravel() for k in sane]))
    dw_max = symmetric_limit(np.concatenate([steps[k].dw.ravel() for k in sane]))
    m_max = symmetric_limit(np.concatenate([run.target.ravel()] + [maps[k].ravel() for k in sane]))
    panels = (("Filter W", "x", "y"), (DW, "x2", "y2"), ("Its map", "x3", "y3"), ("Target", "x4", "y4"))

    def frame_data(k: int) -> list:
        s = steps[k]
        return [_heatmap(s.filter, w_max, "x", "y", "W"), _heatmap(s.dw, dw_max, "x2", "y2", DW),
                _heatmap(maps[k], m_max, "x3", "y3", "map"),
                {"type": "scatter", "x": [k], "y": [losses[k]], "mode": "markers", "xaxis": "x5", "yaxis": "y5",
                 "showlegend": False, "marker": {"size": 13, "color": "#b2182b"}, "hoverinfo": "skip"}]

    fig = go.Figure(data=frame_data(0)[:3] + [
        _heatmap(run.target, m_max, "x4", "y4", "target"),
        go.Scatter(x=list(range(len(steps))), y=losses, mode="lines", xaxis="x5", yaxis="y5", showlegend=False,
                   line={"color": "#2166ac", "width": 3}, hovertemplate="step %{x}: loss %{y:.4g}<extra></extra>"),
        frame_data(0)[3]])
    shown = frame_steps(len(steps))
    frames = [{"name": str(k), "data": frame_data(k), "traces": [0, 1, 2, 5]} for k in shown]
    layout = {}
    two = across == 2
    width = 1 / (2 if two else 4)
    rows = [(0.76, 1), (0.47, 0.71)] if two else [(0.55, 1)]  # each row of grids: its [bottom, top] of the figure
    layout["annotations"] = []
    for i, (title, xa, ya) in enumerate(panels):
        z = steps[0].filter if i < 2 else run.target
        n_rows, n_cols = z.shape
        left, (bottom, top) = (i % 2 if two else i) * width, rows[i // 2 if two else 0]
        layout[xa.replace("x", "xaxis")] = {"domain": [left + 0.04 * width, left + 0.92 * width],
                                            "range": [0.5, n_cols + 0.5], "showticklabels": False, "ticks": "",
                                            "fixedrange": True, "showgrid": False, "zeroline": False, "anchor": ya}
        layout[ya.replace("y", "yaxis")] = {"domain": [bottom, top], "range": [n_rows + 0.5, 0.5], "fixedrange": True,
                                            "showticklabels": False, "ticks": "", "showgrid": False, "zeroline": False,
                                            "anchor": xa, "scaleanchor": xa}
        layout["annotations"].append({"text": f"<b>{title}</b>", "x": left + 0.48 * width, "y": top,
                                      "yanchor": "bottom", "xref": "paper", "yref": "paper", "showarrow": False,
                                      "font": {"size": 15}})
    layout["xaxis5"] = {"domain": [0, 1], "range": [-0.5, len(steps) - 0.5], "title": "step", "fixedrange": True,
                        "anchor": "y5", "gridcolor": "#ddd"}
    low, high = min(losses), max(losses)
    layout["yaxis5"] = {"domain": [0, 0.3 if two else 0.38], "type": "log", "title": "loss", "fixedrange": True,
                        "anchor": "x5", "gridcolor": "#ddd", "range": [np.log10(low) - 0.3, np.log10(high) + 0.3],
                        "dtick": 1}
    play = {"frame": {"duration": 350, "redraw": True}, "transition": {"duration": 0}, "fromcurrent": True}
    fig.update_layout(
        height=860 if two else 620, margin={"l": 50 if two else 60, "r": 10 if two else 20, "t": 40, "b": 110},
        font={"size": 14},
        plot_bgcolor="white",
        updatemenus=[{"type": "buttons", "direction": "left", "x": 0, "y": -0.12, "xanchor": "left", "yanchor": "top",
                      "buttons": [{"label": "▶ Play", "method": "animate", "args": [None, play]},
                                  {"label": "Pause", "method": "animate",
                                   "args": [[None], {"mode": "immediate", "frame": {"duration": 0}}]}]}],
        sliders=[{"active": 0, "x": 0.18, "len": 0.82, "y": -0.1, "currentvalue": {"prefix": "step "},
                  "steps": [{"label": str(k), "method": "animate",
                             "args": [[str(k)], {"mode": "immediate", "frame": {"duration": 0, "redraw": True},
                                                 "transition": {"duration": 0}}]} for k in shown]}],
        **layout)
    return ReadyFigure(fig, frames)
