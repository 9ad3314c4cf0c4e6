"""A 1-D convolution along a time series: the step player over a row of cells, and the series above its output.

The step player is the 2-D one on a grid of one row: the sequence is a ``1 x L`` input, the filter ``1 x k``,
the output ``1 x L_out``; each step writes ``conv1d``'s value as the lecture writes a window
(``1120₁ 1160₁`` then ``= 1120×(−1) + 1160×1 = 40``), headed by the years its window covers.
``series_figure`` draws the series and, under it on the same time axis, the output, each value at the
centre of the window it came from.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cnnviz.kernel.conv import conv1d, conv_trace, pad_input
from cnnviz.views.player import PlayerSpec, PlayerStep
from cnnviz.views.sums import sum_html, written_sum

__all__ = ["sequence_player_spec", "window_span", "window_centres", "series_figure", "SERIES_COLOUR",
           "OUTPUT_COLOUR"]

SERIES_COLOUR, OUTPUT_COLOUR = "#0072B2", "#D55E00"  # blue and vermilion: told apart with a colour vision deficiency


def window_span(i: int, k: int, L: int, *, stride: int = 1, padding: int = 0, dilation: int = 1) -> tuple[int, int]:
    """The first and last positions of the sequence (from 0, padding left out) under output ``i``'s window;
    ``(-1, -1)`` when the window lies on padding only.

    Examples
    --------
    >>> window_span(0, 3, 10), window_span(0, 3, 10, padding=1), window_span(2, 2, 10, stride=3, dilation=2)
    ((0, 2), (0, 1), (6, 8))
    """
    taps = [i * stride + j * dilation - padding for j in range(k)]
    inside = [t for t in taps if 0 <= t < L]
    return (inside[0], inside[-1]) if inside else (-1, -1)


def window_centres(n_out: int, k: int, *, stride: int = 1, padding: int = 0, dilation: int = 1) -> np.ndarray:
    """Where each output's window is centred, in positions of the sequence (from 0; padding lies below 0
    and past the end): ``i·stride − padding + dilation·(k − 1)/2``.

    Examples
    --------
    >>> window_centres(3, 3).tolist(), window_centres(2, 2, stride=2, padding=1).tolist()
    ([1.0, 2.0, 3.0], [-0.5, 1.5])
    """
    return np.arange(n_out) * stride - padding + dilation * (k - 1) / 2


def sequence_player_spec(x, w, bias=0, *, stride: int = 1, padding: int = 0, dilation: int = 1,
                         labels: Sequence | None = None, titles: tuple[str, str, str] = ("Series", "Filter", "Output"),
                         initial_step: int | None = None, speed: float = 2.0) -> PlayerSpec:
    """The step player's spec for a filter ``(k,)`` sliding along a sequence ``(L,)``, as a grid of one row.

    The spec's input is ``(1, L + 2·padding)``, its filter ``(1, k)`` and its output ``(1, L_out)``, with
    ``L_out = floor((L + 2·padding − dilation·(k − 1) − 1) / stride) + 1``. Each step's value is ``conv1d``'s;
    its sum is headed by the positions its window covers, named by ``labels`` (the years) when given.
    Raises ``ValueError`` as ``conv1d`` does.

    Examples
    --------
    >>> spec = sequence_player_spec([3, 5, 4, 8], [-1, 1], labels=[2001, 2002, 2003, 2004])
    >>> spec.input.shape, spec.output.tolist(), len(spec.steps)
    ((1, 4), [[2, -1, 4]], 3)
    >>> from cnnviz.views.sums import html_to_text
    >>> print(html_to_text(spec.steps[2].explain))
    Output 3, window on 2003 to 2004:
    4₋₁ 8₁
    = 4×(−1) + 8×1
    = −4 + 8 = 4
    """
    x, w = np.asarray(x), np.asarray(w)
    if x.ndim != 1 or w.ndim != 1:
        raise ValueError("A 1-D convolution takes a sequence (L,) and a filter (k,).")
    L, k = x.size, w.size
    names = list(labels) if labels is not None else list(range(1, L + 1))
    if len(names) != L:
        raise ValueError(f"The sequence has {L} values but {len(names)} labels: give one label a value.")
    geometry = {"stride": stride, "padding": padding, "dilation": dilation}
    out = conv1d(x, w, bias, **geometry)  # (L_out,): what every step writes
    steps = []
    for s in conv_trace(x[None], w[None], bias, stride=(1, stride), padding=(0, padding), dilation=(1, dilation)):
        i = s.out_col
        first, last = window_span(i, k, L, **geometry)
        place = "on padding only" if first < 0 else (
            f"on {names[first]}" if first == last else f"on {names[first]} to {names[last]}")
        pads = first >= 0 and any(not 0 <= c - padding < L for c in s.cols)  # some taps lie on padding
        head = f"Output {i + 1}, window {place}" + (" and padding" if pads else "") + ":"
        ws = written_sum(s.values[:, :, 0], s.weights[:, :, 0], s.bias, out=(0, i), total=out[i].item(), head=head)
        steps.append(PlayerStep(rows=(0,), cols=s.cols, out=(0, i), value=out[i].item(), explain=sum_html(ws)))
    t_in, t_f, t_out = titles
    return PlayerSpec(input=pad_input(x[None], (0, padding)), output=out[None], steps=steps, filter=w[None],
                      padding=(0, int(padding)), titles=(t_in + (" (padded)" if padding else ""), t_f, t_out),
                      initial_step=initial_step, speed=speed, bias=np.asarray(bias).item())


def series_figure(years: np.ndarray, values: np.ndarray, out: np.ndarray, centres: np.ndarray, *,
                  what: str, output_name: str, spans: Sequence[tuple[int, int]]) -> go.Figure:
    """The series (top) and the output (below, on the same years): output ``i`` at ``years[0] + centres[i]``,
    the centre of the window it came from; hovering names the window's years.

    ``spans[i]`` is output i's window as ``window_span`` gives it. Both rows keep fixed ranges (no zoom): the
    x axis covers the series and every window centre, padding included.
    """
    y0 = int(years[0])
    xs = y0 + np.asarray(centres, dtype=float)  # (L_out,)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.2,
                        subplot_titles=(f"Input: {what}", f"Output: {output_name}"))
    fig.add_trace(go.Scatter(x=years, y=values, mode="lines+markers", name="input",
                             line={"color": SERIES_COLOUR, "width": 2}, marker={"size": 4},
                             hovertemplate="%{x}: %{y}<extra></extra>"), row=1, col=1)
    texts = [f"output {i + 1}, window on padding only" if a < 0 else
             f"output {i + 1}, window on {y0 + a} to {y0 + b}" for i, (a, b) in enumerate(spans)]
    fig.add_trace(go.Scatter(x=xs, y=out, mode="lines+markers", name="output", text=texts,
                             line={"color": OUTPUT_COLOUR, "width": 2}, marker={"size": 5, "symbol": "diamond"},
                             hovertemplate="%{text}: %{y}<extra></extra>"), row=2, col=1)
    lo, hi = min(float(years[0]), float(xs.min()) if xs.size else y0), max(float(years[-1]),
                                                                          float(xs.max()) if xs.size else y0)
    pad = max(0.5, 0.01 * (hi - lo))
    fig.update_xaxes(range=[lo - pad, hi + pad], fixedrange=True, gridcolor="#ddd", showticklabels=True)
    fig.update_xaxes(title_text="year (an output at the centre of its window)", row=2, col=1)
    for row, ys in ((1, np.asarray(values, dtype=float)), (2, np.asarray(out, dtype=float))):
        ymin, ymax = (float(ys.min()), float(ys.max())) if ys.size else (0.0, 1.0)
        margin = max(1e-9, 0.06 * (ymax - ymin)) if ymax > ymin else max(1.0, abs(ymax) * 0.1)
        fig.update_yaxes(range=[ymin - margin, ymax + margin], fixedrange=True, gridcolor="#ddd",
                         zeroline=True, zerolinecolor="#999", row=row, col=1)
    fig.update_layout(height=500, margin={"l": 60, "r": 16, "t": 40, "b": 50}, font={"size": 14},
                      showlegend=False, plot_bgcolor="white", hovermode="closest")
    return fig

