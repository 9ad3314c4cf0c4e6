"""Figures for shapes and parameters: convolutional against fully connected edges, and the lecture's table."""
from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cnnviz.kernel.notation import format_count, format_number
from cnnviz.kernel.shapes import dense_param_formula

__all__ = ["WEIGHT_STYLES", "conv_vs_dense_figure", "architecture_table_figure"]

# One colour and one dash per shared weight (Okabe-Ito colours: safe for colour-blind readers).
WEIGHT_STYLES = [
    ("#E69F00", "solid"), ("#0072B2", "dash"), ("#009E73", "dot"), ("#CC79A7", "dashdot"), ("#D55E00", "longdash"),
]
_NODE = dict(size=30, color="white", line=dict(color="#333", width=2))


def _nodes(fig, xs, y, labels, row, font_size: int = 13):
    marker = {**_NODE, "size": round(_NODE["size"] * font_size / 13)}
    fig.add_trace(go.Scatter(x=xs, y=[y] * len(xs), mode="markers+text", marker=marker, text=labels,
                             textfont=dict(size=font_size, color="#111"), hoverinfo="text", showlegend=False), row, 1)


def conv_vs_dense_figure(n_in: int = 7, k: int = 3, font_size: int = 13) -> go.Figure:
    """Node-link picture of a 1-D convolution (``k`` shared weights, stride 1) beside a dense layer.

    Both map ``n_in`` inputs to ``n_in - k + 1`` outputs. Convolution edges are drawn in the colour
    and dash of the weight they carry (``w1`` … ``wk``), each weight named in the legend and written
    beside the first output's edges; the dense layer draws every one of its ``n_in × n_out`` edges.
    ``font_size`` is the nodes' type (a projector's is larger); nodes, titles and the picture grow with it.

    Examples
    --------
    >>> fig = conv_vs_dense_figure(5, 3)
    >>> fig.layout.annotations[0].text
    'Convolution: 3 weights + 1 bias = 4 parameters, 9 edges'
    """
    if not (2 <= n_in <= 12 and 1 <= k <= min(5, n_in)):
        raise ValueError("Draw between 2 and 12 inputs with a filter of 1 to 5 weights, no wider than the input.")
    n_out = n_in - k + 1
    xs_in = list(range(n_in))
    xs_out = [i + (k - 1) / 2 for i in range(n_out)]  # each output sits under the centre of its window
    conv_title = f"Convolution: {k} weights + 1 bias = {k + 1} parameters, {n_out * k} edges"
    dense_title = f"Fully connected: {dense_param_formula(n_in, n_out)} parameters, {format_count(n_in * n_out)} edges"
    # Stacked, not side by side: each panel keeps the full width on a phone too.
    fig = make_subplots(2, 1, subplot_titles=(conv_title, dense_title), vertical_spacing=0.12)

    for j in range(k):
        colour, dash = WEIGHT_STYLES[j % len(WEIGHT_STYLES)]
        ex, ey = [], []
        for i in range(n_out):
            ex += [xs_in[i + j], xs_out[i], None]
            ey += [1, 0, None]
        fig.add_trace(go.Scatter(x=ex, y=ey, mode="lines", line=dict(color=colour, width=3, dash=dash),
                                 name=f"w{j + 1}, shared by {n_out} edges", hoverinfo="name"), 1, 1)
        # Name each weight beside the first output's edges, so colour is not the only clue.
        fig.add_annotation(x=0.55 * xs_in[j] + 0.45 * xs_out[0], y=0.55, text=f"<b>w{j + 1}</b>", showarrow=False,
                           font=dict(size=font_size + 1, color=colour), bgcolor="rgba(255,255,255,0.85)", row=1, col=1)

    ex, ey = [], []
    for a in xs_in:
        for b in xs_out:
            ex += [a, b, None]
            ey += [1, 0, None]
    fig.add_trace(go.Scatter(x=ex, y=ey, mode="lines", line=dict(color="#888", width=1),
                             name=f"dense: {n_in * n_out} weights, each its own", hoverinfo="name"), 2, 1)

    for r in (1, 2):
        _nodes(fig, xs_in, 1, [f"x{i + 1}" for i in xs_in], r, font_size)
        _nodes(fig, xs_out, 0, [f"y{i + 1}" for i in range(n_out)], r, font_size)
        fig.update_xaxes(visible=False, range=[-0.7, n_in - 0.3], fixedrange=True, row=r, col=1)
        fig.update_yaxes(visible=False, range=[-0.3, 1.3], fixedrange=True, row=r, col=1)
    fig.update_annotations(selector=dict(text=conv_title), font=dict(size=font_size + 2))
    fig.update_annotations(selector=dict(text=dense_title), font=dict(size=font_size + 2))
    fig.update_layout(height=620 + 12 * (font_size - 13), margin=dict(l=10, r=10, t=40 + 3 * (font_size - 13), b=10),
                      plot_bgcolor="white", paper_bgcolor="white",
                      legend=dict(orientation="h", y=-0.05, font=dict(size=font_size)), font=dict(color="#111"))
    return fig


def _label_positions(xs, ys, log: bool) -> list[str]:
    """Above each point, unless a close point already took that side: then below, right or left."""
    xs = [math.log10(x) for x in xs] if log else list(xs)
    span = (max(xs) - min(xs)) or 1
    positions: list[str] = []
    for j in range(len(xs)):
        taken = {positions[i] for i in range(j) if abs(xs[i] - xs[j]) < 0.12 * span and abs(ys[i] - ys[j]) < 4}
        positions.append(next(p for p in ("top center", "bottom center", "middle right", "middle left", "top right")
                              if p not in taken))
    return positions


def _spread_ticks(values, log: bool) -> list:
    """Tick values far enough apart to be read (a tenth of a decade on a log axis)."""
    ticks = []
    for v in sorted(set(values)):
        gap = math.log10(v) - math.log10(ticks[-1]) if (log and ticks) else (v - ticks[-1] if ticks else None)
        if not ticks or gap >= (0.12 if log else 0):
            ticks.append(v)
    return ticks


def architecture_table_figure(names: Sequence[str], size_mb: Sequence[float], computed_mb: Sequence[float],
                              depth: Sequence[int], top1: Sequence[float], top5: Sequence[float],
                              font_size: int = 14, stacked: bool = False) -> go.Figure:
    """The lecture's table as two scatter plots: error (%) against size (MB) and against depth.

    Filled circles are top-1 error, filled diamonds top-5. On the size plot, an open circle at
    the top-1 error marks the size computed from the parameter count (4 bytes each), joined to the
    lecture's size by a thin line. ``font_size`` sets the type (a projector's is larger); the plot
    grows with it. ``stacked`` puts the depth plot under the size plot (a phone: each plot the screen's
    width, so that the networks' names keep apart).

    Examples
    --------
    >>> fig = architecture_table_figure(["A"], [238], [244.4], [8], [41.0], [18.0])
    >>> [t.name for t in fig.data][:3]
    ['top-1 error', 'top-5 error', 'size computed: 4 bytes × parameters']
    """
    n = len(names)
    if not all(len(v) == n for v in (size_mb, computed_mb, depth, top1, top5)):
        raise ValueError("Every column of the table needs one value per network.")
    at = {1: (1, 1), 2: (2, 1) if stacked else (1, 2)}  # the size plot, the depth plot: (row, column)
    fig = make_subplots(*at[2], subplot_titles=("Error vs size", "Error vs depth"),
                        shared_yaxes=not stacked, horizontal_spacing=0.05, vertical_spacing=0.2)
    fig.update_annotations(font_size=font_size + 2)  # the two plots' titles
    hover = [f"{m}: {format_number(s)} MB in the lecture, {format_number(c)} MB computed, {d} layers"
             for m, s, c, d in zip(names, size_mb, computed_mb, depth)]
    for col, xs in ((1, size_mb), (2, depth)):
        fig.add_trace(go.Scatter(x=list(xs), y=list(top1), mode="markers+text", text=list(names),
                                 textposition=_label_positions(xs, top1, log=col == 2), cliponaxis=False,
                                 marker=dict(size=13, color="#0072B2", symbol="circle"),
                                 name="top-1 error", legendgroup="top1", showlegend=col == 1,
                                 hovertext=hover, hoverinfo="text+y"), *at[col])
        fig.add_trace(go.Scatter(x=list(xs), y=list(top5), mode="markers", name="top-5 error",
                                 marker=dict(size=13, color="#D55E00", symbol="diamond"), legendgroup="top5",
                                 showlegend=col == 1, hovertext=hover, hoverinfo="text+y"), *at[col])
        if col == 1:
            fig.add_trace(go.Scatter(x=list(computed_mb), y=list(top1), mode="markers",
                                     marker=dict(size=15, color="rgba(0,0,0,0)", line=dict(color="#111", width=2)),
                                     name="size computed: 4 bytes × parameters", hovertext=hover,
                                     hoverinfo="text"), 1, 1)
            lx, ly = [], []
            for s, c, e in zip(size_mb, computed_mb, top1):
                lx += [s, c, None]
                ly += [e, e, None]
            fig.add_trace(go.Scatter(x=lx, y=ly, mode="lines", line=dict(color="#111", width=1),
                                     showlegend=False, hoverinfo="skip"), 1, 1)
    fig.update_xaxes(title_text="size (MB)", row=1, col=1)
    fig.update_xaxes(title_text="depth (layers, log scale)", type="log", row=at[2][0], col=at[2][1],
                     tickvals=_spread_ticks(depth, log=True),
                     range=[math.log10(min(depth) / 1.5), math.log10(max(depth) * 1.6)])
    fig.update_xaxes(range=[0, max(max(size_mb), max(computed_mb)) * 1.15], row=1, col=1)
    for row in ((1, 2) if stacked else (1,)):
        fig.update_yaxes(title_text="ImageNet error (%)", rangemode="tozero", row=row, col=1)
    grow = font_size / 14
    fig.update_layout(height=round(440 * grow * (1.8 if stacked else 1)),
                      margin=dict(l=10, r=10 + 40 * stacked, t=round(50 * grow), b=10),
                      plot_bgcolor="white", paper_bgcolor="white",
                      legend=dict(orientation="h", y=-0.18 / (1 + stacked), font=dict(size=font_size - 1)),
                      font=dict(size=font_size, color="#111"))
    fig.update_xaxes(showgrid=True, gridcolor="#ddd")
    fig.update_yaxes(showgrid=True, gridcolor="#ddd")
    return fig
