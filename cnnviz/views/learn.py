"""The views of the page "A CNN that learns": curves, filters, every layer of one digit, what a filter looks for.

Grids go through the one grid renderer (``grid.grid_html``) on the one diverging scale; digits and
their windows keep the data's own grey scale (0 paper, white; 16 ink, black). Figures are Plotly
with fixed axes, so that a curve growing epoch by epoch does not make the axes jump.
"""
from __future__ import annotations

import base64
import html as _html
import io
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from cnnviz.views.colour import diverging_rgb, heatmap_colours, symmetric_limit
from cnnviz.views.assets import asset, style
from cnnviz.views.grid import grid_html, grid_rows_html
from cnnviz.kernel.notation import format_number

__all__ = ["INK_MAX", "LAYER_NAMES", "grey_colours", "curves_figure", "filters_html", "maps_html", "digit_html",
           "layer_html", "layers_html", "probabilities_html", "patches_html", "confusion_figure", "digit_png",
           "section_html", "gallery_html"]

INK_MAX = 16  # the digits' cells go from 0 (paper) to 16 (ink)
FILTER_CELL = 46  # CSS pixels: "−0.53" stays readable in a filter cell
MAP_CELL = 30  # an 8x8 activation map, 8 cells of 36 px and their gaps, is 302 px wide: a phone's column
PATCH_CELL = 22  # a 3x3 window of a digit, nine beside each filter


def grey_colours(image) -> np.ndarray:
    """Digit cells ``(H, W)`` 0..16 -> RGB ``(H, W, 3)`` uint8: 0 white paper, 16 black ink."""
    v = np.clip(np.asarray(image, dtype=np.float64), 0, INK_MAX)
    g = np.round(255 - v * 255 / INK_MAX).astype(np.uint8)
    return np.repeat(g[..., None], 3, axis=-1)


def curves_figure(history: Sequence, epochs: int, font_size: int = 15, height: int = 300) -> go.Figure:
    """Loss (left) and accuracy (right) per epoch, training and test, on axes fixed for ``epochs`` epochs.

    ``history`` holds ``EpochRecord``s (epoch 0 first); the loss axis runs from 0 to the larger of
    2.5 (about the loss of a network guessing, ln 10 = 2.3) and the first loss. ``font_size`` and
    ``height`` (px) size it (a projector's type is larger).
    """
    ep = [r.epoch for r in history]
    top_loss = max([2.5] + [r.loss for r in history[:1]] + [r.test_loss for r in history[:1]]) * 1.05
    fig = go.Figure()
    lines = [("loss", "training loss", "x", "y", "#2166ac", "solid"), ("test_loss", "test loss", "x", "y", "#b2182b",
                                                                        "dash"),
             ("train_accuracy", "training accuracy", "x2", "y2", "#2166ac", "solid"),
             ("test_accuracy", "test accuracy", "x2", "y2", "#b2182b", "dash")]
    for attr, name, xa, ya, colour, dash in lines:
        ys = [getattr(r, attr) * (100 if "accuracy" in attr else 1) for r in history]
        # one legend entry per line style, "training" and "test": both plots draw them alike
        group = name.split()[0]
        fig.add_trace(go.Scatter(x=ep, y=ys, name=group, legendgroup=group, showlegend=xa == "x", xaxis=xa,
                                 yaxis=ya, mode="lines+markers",
                                 line={"color": colour, "dash": dash, "width": 3}, marker={"size": 7},
                                 hovertemplate=f"{name}, epoch %{{x}}: %{{y:.3g}}<extra></extra>"))
    x_range = [-0.3, max(1, epochs) + 0.3]
    grow = font_size / 15  # larger type: room for it between the plots and above them
    legend = ({"orientation": "h", "y": -0.25, "x": 0} if grow <= 1 else
              {"orientation": "h", "y": 1.04, "yanchor": "bottom", "x": 0, "font": {"size": font_size - 2}})
    gap = 0.06 * grow ** 2  # half the room between the plots: the second plot's axis title
    fig.update_layout(
        height=height, margin={"l": round(60 * grow), "r": 20, "t": 40 if grow <= 1 else round(3 * font_size),
                               "b": round(50 * grow)},
        font={"size": font_size}, legend=legend, plot_bgcolor="white",
        xaxis={"domain": [0, 0.5 - gap], "range": x_range, "title": "epoch", "fixedrange": True, "gridcolor": "#ddd"},
        yaxis={"range": [0, top_loss], "title": "cross-entropy loss", "fixedrange": True, "gridcolor": "#ddd"},
        xaxis2={"domain": [0.5 + gap, 1], "range": x_range, "title": "epoch", "fixedrange": True,
                "gridcolor": "#ddd"},
        yaxis2={"anchor": "x2", "range": [0, 100], "title": "accuracy (%)", "fixedrange": True,
                "gridcolor": "#ddd"},
    )
    return fig


def filters_html(filters, biases=None, *, prefix: str = "f") -> str:
    """The first layer's filters ``(3, 3, 1, F)`` as numbered grids on one shared scale, bias in the title."""
    w = np.asarray(filters, dtype=np.float64)[:, :, 0, :]  # (3, 3, F)
    vmax = symmetric_limit(w)
    panels = []
    for f in range(w.shape[2]):
        title = f"Filter {f + 1}" + ("" if biases is None else f" · bias {format_number(round(float(biases[f]), 2))}")
        panels.append(grid_html(np.round(w[:, :, f], 2), f"{prefix}{f + 1}", title=title, vmax=vmax))
    return grid_rows_html([panels], cell=FILTER_CELL, cell_width=FILTER_CELL + 14)


def maps_html(maps, *, prefix: str, title: str, vmax: float | None = None) -> str:
    """Activation maps ``(H, W, F)`` as numbered grids, all on one scale (``vmax``: default their largest).

    One decimal (``−2.8``), so that every number of a map is written at the full size in its cell. Compact
    cells (``grid_html(compact=True)``): the page draws dozens of these maps at once.
    """
    m = np.round(np.asarray(maps, dtype=np.float64), 1)  # (H, W, F): the numbers as written
    top = symmetric_limit(np.asarray(maps, dtype=np.float64), vmax)
    rgb = diverging_rgb(m, top)  # (H, W, F, 3): every map coloured in one call
    panels = [grid_html(m[:, :, f], f"{prefix}{f + 1}", title=title.format(f + 1), colours=rgb[:, :, f], compact=True)
              for f in range(m.shape[2])]
    return grid_rows_html([panels], cell=MAP_CELL, cell_width=MAP_CELL + 6)


def digit_html(image, *, prefix: str = "digit", title: str | None = None, cell: int = 34) -> str:
    """A digit ``(8, 8)`` in its grey scale, each cell's value 0..16 written in."""
    img = np.asarray(image)
    return grid_rows_html([[grid_html(img, prefix, title=title, colours=grey_colours(img), compact=True)]], cell=cell)


LAYER_NAMES = ("input", "conv", "relu", "pool", "relu2")


def layer_html(layers: dict, image, name: str) -> str:
    """HTML for one layer of one digit (``DigitsCNN.forward_layers``): ``input`` the digit, ``conv``,
    ``relu``, ``pool`` or ``relu2`` its maps. The convolution, the ReLU and the pooling share one scale,
    so the ReLU only whitens the negative cells."""
    if name == "input":
        return digit_html(image, title="The digit, 8x8x1 (cells 0..16)")
    if name == "relu2":
        return maps_html(layers["relu2"], prefix="relu2", title="Map {}")
    titles = {"conv": "Map {}", "relu": "Map {} after ReLU", "pool": "Map {} pooled"}
    if name not in titles:
        raise ValueError(f"A digit's layers are {', '.join(LAYER_NAMES)}, not {name!r}.")
    return maps_html(layers[name], prefix=name, title=titles[name], vmax=symmetric_limit(layers["conv"]))


def layers_html(layers: dict, image) -> dict[str, str]:
    """``layer_html`` of every layer: keys ``input``, ``conv``, ``relu``, ``pool`` and, with a second
    convolution, ``relu2``."""
    return {name: layer_html(layers, image, name) for name in LAYER_NAMES if name == "input" or name in layers}


def probabilities_html(probabilities, scores=None) -> str:
    """The softmax probabilities of the ten digits as bars, 0 to 100 %, each with its number; the
    predicted digit's bar is hatched and outlined and its label reads "5 ◀", so colour is not the
    only mark. Plain HTML and CSS (a tooltip per bar gives the exact value and the score)."""
    p = np.asarray(probabilities, dtype=np.float64) * 100
    best = int(np.argmax(p))
    rows = []
    for i, v in enumerate(p):
        tip = f"digit {i}: {format_number(round(v, 2))} %" + (
            "" if scores is None else f", score {format_number(round(float(scores[i]), 2))}")
        # bars scaled to 80 % of the track at 100 %, so that the number beside the longest still fits
        rows.append(f'<div class="pr{" best" if i == best else ""}" title="{tip}">'
                    f'<span class="d">{i}{" ◀" if i == best else ""}</span><span class="track">'
                    f'<span class="bar" style="width:{v * 0.8:.1f}%"></span>'
                    f'<span class="v">{format_number(round(v, 1))} %</span></span></div>')
    axis = f'<div class="axis">probability of each digit (◀ predicted: {best})</div>'
    return f'<style>{style("probabilities.css")}</style><div class="probs">' + "".join(rows) + axis + "</div>"


def patches_html(filters, top, only: int | None = None) -> str:
    """Per filter (or filter ``only``), a row: the filter's numbers, then the windows of training digits that excite
    it most. Every filter is drawn on the scale of all of them."""
    w = np.asarray(filters, dtype=np.float64)[:, :, 0, :]  # (3, 3, F)
    vmax = symmetric_limit(w)
    rows = []
    for f in range(w.shape[2]) if only is None else (only,):
        weights = grid_html(np.round(w[:, :, f], 2), f"wf{f + 1}", title=f"Filter {f + 1}", vmax=vmax)
        windows = "".join(grid_html(patch, f"p{f + 1}-{j + 1}", colours=grey_colours(patch), compact=True,
                                    title=format_number(round(float(top.values[f, j]), 1)))
                          for j, patch in enumerate(top.patches[f]))
        # the filter at a readable size, its windows smaller: two cell sizes side by side
        rows.append(f'<div class="look"><div class="cnnviz-grids" style="--cs:{PATCH_CELL + 12}px;'
                    f'--cw:{PATCH_CELL + 28}px"><div class="row">{weights}</div></div>'
                    f'<div class="cnnviz-grids" style="--cs:{PATCH_CELL}px"><div class="row">{windows}</div>'
                    '</div></div>')
    return f"<style>{asset('grid.css')}{style('patches.css')}</style>" + "".join(rows)


def confusion_figure(matrix) -> go.Figure:
    """The confusion matrix ``(10, 10)`` with each count written in, row 0 (true 0) on top; mistakes in red."""
    m = np.asarray(matrix)
    off = m.astype(np.float64).copy()
    np.fill_diagonal(off, 0)
    # Only the mistakes are coloured (red, darker for more), so that they stand out from the diagonal.
    colours = heatmap_colours(max(1.0, float(off.max())))
    digits = [str(i) for i in range(10)]
    fig = go.Figure(go.Heatmap(
        z=off, x=digits, y=digits, text=m, texttemplate="%{text}", textfont={"size": 15}, showscale=False,
        hovertemplate="true %{y}, answered %{x}: %{text}<extra></extra>", xgap=2, ygap=2, **colours,
    ))
    fig.update_layout(
        height=420, width=460, margin={"l": 70, "r": 10, "t": 10, "b": 60}, font={"size": 15},
        plot_bgcolor="white",
        xaxis={"title": "the network's answer", "fixedrange": True, "type": "category", "showgrid": False},
        yaxis={"title": "true digit", "autorange": "reversed", "fixedrange": True, "type": "category",
               "showgrid": False},
    )
    return fig


def section_html(*parts: tuple[str, str]) -> str:
    """Pieces of one section as one HTML fragment (one element on the page instead of one per piece).

    Each part is ``(kind, html)``: ``"note"`` a caption-sized line, ``"lead"`` a line of body text,
    ``"html"`` a fragment already built (grids, bars). The texts are trusted HTML (``<b>`` for bold).
    """
    out = [f"<style>{style('section.css')}</style>"]
    for kind, body in parts:
        if kind == "html":
            out.append(body)
        elif kind in ("note", "lead"):
            out.append(f'<p class="cnnviz-{kind}">{body}</p>')
        else:
            raise ValueError(f"A part of a section is 'note', 'lead' or 'html', not {kind!r}.")
    return "".join(out)


def gallery_html(images, captions: Sequence[str], side: int = 64) -> str:
    """Digits ``(N, 8, 8)`` as small grey pictures with a caption each, in one wrapping HTML fragment
    (the PNGs inline: one element on the page, nothing else to fetch)."""
    items = []
    for image, caption in zip(images, captions):
        src = "data:image/png;base64," + base64.b64encode(digit_png(image, side)).decode("ascii")
        text = _html.escape(caption)
        items.append(f'<figure><img src="{src}" width="{side}" height="{side}" alt="{text}">'
                     f"<figcaption>{text}</figcaption></figure>")
    return f'<style>{style("gallery.css")}</style><div class="cnnviz-gallery">{"".join(items)}</div>'


def digit_png(image, side: int = 64) -> bytes:
    """A digit ``(8, 8)`` as a grey PNG ``side`` pixels wide, each cell a crisp block (0 white, 16 black)."""
    img = Image.fromarray(grey_colours(image)[..., 0], "L").resize((side, side), Image.Resampling.NEAREST)
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return buf.getvalue()
