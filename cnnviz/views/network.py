"""A network drawn as the lecture draws LeNet: one box per layer, volumes shrinking and deepening.

The drawing is laid out from the same layers and table rows (``cnnviz.lecture.layers``) that count the
parameters: ``network_diagram`` walks them and places a ``Box`` for every convolution, pooling
and dense layer, a ``Merge`` for every concatenation or addition, and an ``Arrow`` for every
connection; ``network_figure`` turns that into a Plotly figure. Activations, batch norm, dropout
and flatten change no shape worth drawing and appear in a box's hover text only through the table.

Sizes are on a log scale so that a 224x224x3 input and a 7x7x2048 volume fit one picture: a
box's height grows with H (or with the number of units of a dense layer), its length along the
flow with C, its slanted depth with W.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import plotly.graph_objects as go

from cnnviz.kernel.notation import format_shape, format_shape_chain
from cnnviz.lecture.layers import Block, Conv2D, Dense, Layer, Network, Pool2D, Row

__all__ = ["Box", "Merge", "Arrow", "Diagram", "network_diagram", "network_figure", "unit_px", "natural_width",
           "KIND_STYLES"]

# kind -> (fill colour, Plotly fill pattern, what the legend calls it). Okabe-Ito colours; the
# pattern and the label above each box tell the kinds apart without colour.
KIND_STYLES = {
    "input": ("#DDDDDD", "", "input"),
    "conv": ("#56B4E9", "", "convolution (solid)"),
    "pool": ("#E69F00", "/", "pooling (hatched)"),
    "dense": ("#009E73", ".", "dense (dotted, flat)"),
}
_SKIP = "#C0392B"  # shortcuts and their additions
_GAP = 1.4  # units between neighbouring boxes along the flow
_CHAR = 0.5  # units one character of a label takes (15 px text at about 17 px a unit: ``unit_px``)
_LABEL = 1.6  # units above and below a box for its two labels


def _side(n: int) -> float:
    """A box's height for ``n`` rows (or units): 1 + 1.3×log2(n), 7.5 for 32, 11 for 224."""
    return 1 + 1.3 * math.log2(max(1, n))


def _length(c: int) -> float:
    """A box's length along the flow for ``c`` channels: 0.3 + 0.45×log2(c)."""
    return 0.3 + 0.45 * math.log2(max(1, c))


@dataclass(frozen=True)
class Box:
    """One drawn layer: its front face at ``(x, y)`` (bottom left) and its slant ``depth``."""

    kind: str  # input, conv, pool or dense
    title: str  # above the box: "conv 5x5", "max pool 2x2/2", "dense"
    label: str  # below the box: the output shape, "28x28x6"
    hover: str  # the layer, its output and its parameters worked out
    x: float
    y: float
    length: float  # along the flow (channels)
    height: float  # up (rows, or units)
    depth: float  # slanted (columns)
    layer: Layer | None = None  # the layer drawn (None for the input)
    in_shape: tuple[int, ...] = ()  # what it was given
    row: Row | None = None  # its line of the table
    path: str = ""  # where it sits: "3" (third layer), "7 / 3x3" (a block's branch)

    @property
    def right(self) -> float:
        return self.x + self.length

    @property
    def back(self) -> float:
        """Where an arrow leaves it: past its slanted side."""
        return self.x + self.length + self.depth

    @property
    def middle(self) -> float:
        return self.y + self.height / 2


@dataclass(frozen=True)
class Merge:
    """Where branches meet: ``"+"`` for a residual addition, ``"C"`` for a concatenation on channels."""

    symbol: str
    x: float
    y: float
    hover: str


@dataclass(frozen=True)
class Arrow:
    """A connection drawn as a polyline; ``skip`` marks a residual shortcut (identity or projection)."""

    points: tuple[tuple[float, float], ...]
    skip: bool = False


@dataclass
class Diagram:
    """The boxes, merges and arrows of one network, and the extent they cover (in drawing units)."""

    boxes: list[Box] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)
    headers: list[tuple[float, float, str]] = field(default_factory=list)  # block names over their blocks
    width: float = 0.0
    height: float = 0.0

    @property
    def skip_arrows(self) -> list[Arrow]:
        return [a for a in self.arrows if a.skip]


def _kind(row: Row) -> str | None:
    return row.kind if row.kind in ("conv", "pool", "dense") else None


def _title(layer: Layer, row: Row) -> str:
    """What a box is, above it: its kind and window, after its name when the model gives a short one (C1)."""
    kind = _kind_title(layer, row)
    short = row.name and len(row.name) <= 7 and not any(ch in row.name for ch in ": ")
    return f"{row.name} · {kind}" if short else kind


def _kind_title(layer: Layer, row: Row) -> str:
    if isinstance(layer, Conv2D):
        k, s = row.detail.split(",")[0].removeprefix("conv "), getattr(layer, "stride", 1)
        return f"conv {k}" + (f"/{s}" if s != 1 else "")
    if isinstance(layer, Pool2D):
        stride = layer.size if layer.stride is None else layer.stride
        every = f"/{stride}" if stride not in (1, layer.size) else ""
        return f"{layer.mode} pool {format_shape((layer.size, layer.size))}{every}"
    if isinstance(layer, Dense):
        return "dense"
    return "global avg pool" if row.detail.startswith("global") else "avg pool"


def _dims(kind: str, shape: tuple[int, ...]) -> tuple[float, float, float]:
    if len(shape) == 1:  # a flat vector: a thin slab as tall as its units
        return 0.6, _side(shape[0]), 0.5
    h, w, c = shape
    return _length(c), _side(h), 0.35 * _side(w)


def _box(kind, title, shape, hover, layer=None, in_shape=(), row=None, path="") -> Box:
    length, height, depth = _dims(kind, shape)
    return Box(kind, title, format_shape(shape), hover, 0, 0, length, height, depth, layer, in_shape, row, path)


def _slot(box: Box) -> float:
    """Room a box takes along the flow: its drawing or its longest label, whichever is wider."""
    return max(box.length + box.depth, _CHAR * max(len(box.title), len(box.label)))


def _hover(row: Row, in_shape) -> str:
    return (f"<b>{row.name}</b>: {row.detail}<br>{format_shape_chain([in_shape, row.output_shape])}"
            f"<br>parameters: {row.formula}")


# --- items: a single box or a block, each measured before it is placed -----------------------

@dataclass
class _Item:
    width: float
    up: float  # above the flow line
    down: float  # below the flow line
    place: object  # (diagram, x, line_y) -> (x_in, x_out): draws it, returns where arrows meet it


def _single(box: Box) -> _Item:
    slot = _slot(box)

    def place(d: Diagram, x: float, line: float):
        b = _moved(box, x + (slot - box.length - box.depth) / 2, line - box.height / 2)
        d.boxes.append(b)
        return b.x, b.back

    return _Item(slot, box.height / 2 + box.depth + _LABEL, box.height / 2 + _LABEL, place)


def _moved(box: Box, x: float, y: float) -> Box:
    return Box(box.kind, box.title, box.label, box.hover, x, y, box.length, box.height, box.depth,
               box.layer, box.in_shape, box.row, box.path)


def _chain(boxes: list[Box]) -> tuple[float, float, float]:
    """Width, and room above and below a centre line, of boxes side by side."""
    if not boxes:
        return 0.0, 0.0, 0.0
    width = sum(_slot(b) for b in boxes) + _GAP * (len(boxes) - 1)
    return (width, max(b.height / 2 + b.depth for b in boxes) + _LABEL, max(b.height / 2 for b in boxes) + _LABEL)


def _place_chain(d: Diagram, boxes: list[Box], x: float, line: float) -> list[Box]:
    placed = []
    for b in boxes:
        slot = _slot(b)
        p = _moved(b, x + (slot - b.length - b.depth) / 2, line - b.height / 2)
        if placed:
            d.arrows.append(Arrow(((placed[-1].back, line), (p.x, line))))
        d.boxes.append(p)
        placed.append(p)
        x += slot + _GAP
    return placed


def _block(block: Block, row: Row, in_shape, index: int) -> _Item:
    """Branches side by side (a concatenation), or a main path with a shortcut over it (an addition)."""
    children = iter(row.children)
    lanes: list[list[Box]] = []
    for b, branch in enumerate(block.branches):
        bname = block.branch_names[b] if b < len(block.branch_names) else f"branch {b + 1}"
        shape, lane = tuple(in_shape), []
        for layer in branch:
            child = next(children)
            if _kind(child):
                lane.append(_box(child.kind, _title(layer, child), child.output_shape, _hover(child, shape),
                                 layer, shape, child, f"{index} / {bname}"))
            shape = child.output_shape
        lanes.append(lane)
    merge_row = next(children)
    merge_hover = f"<b>{row.name}</b>: {merge_row.detail} → {format_shape(merge_row.output_shape)}"
    symbol = "+" if block.merge == "add" else "C"
    header = row.name
    m = 1.2  # the merge node's radius

    if block.merge == "add":
        main, short = lanes[0], (lanes[1] if len(lanes) > 1 else [])
        mw, mup, mdown = _chain(main)
        sw, sup, sdown = _chain(short)
        lift = mup + sdown + 0.8  # the shortcut runs above the main path
        width = max(mw, sw) + 2 * _GAP + 2 * m

        def place(d: Diagram, x: float, line: float):
            placed = _place_chain(d, main, x + _GAP, line)
            mx = x + _GAP + mw + _GAP + m
            d.merges.append(Merge(symbol, mx, line, merge_hover))
            d.arrows.append(Arrow(((x, line), (placed[0].x, line))))
            d.arrows.append(Arrow(((placed[-1].back, line), (mx - m, line))))
            top = line + (lift if short else mup + 0.4)
            if short:  # the projection sits on the shortcut
                sp = _place_chain(d, short, x + _GAP + (mw - sw) / 2, top)
                pts = ((x + 0.4, line), (x + 0.4, top), (sp[0].x, top))
                d.arrows.append(Arrow(pts + ((sp[-1].back, top), (mx, top), (mx, line + m)), skip=True))
                d.headers.append((x + width / 2, top + sup + 0.3, header))
            else:
                d.arrows.append(Arrow(((x + 0.4, line), (x + 0.4, top), (mx, top), (mx, line + m)), skip=True))
                d.headers.append((x + width / 2, top + 0.9, header))
            return x, mx + m

        up = (lift + sup + 1.2) if short else (mup + 1.6)
        return _Item(width, up, mdown, place)

    # concatenation: one lane per branch, stacked, joined at the left and at the merge
    dims = [_chain(lane) for lane in lanes]
    lane_width = max(w for w, _, _ in dims)
    heights = [u + dn for _, u, dn in dims]
    total = sum(heights)
    width = lane_width + 4 * _GAP + 2 * m

    def place(d: Diagram, x: float, line: float):
        top = line + total / 2
        mx = x + width - m
        d.merges.append(Merge(symbol, mx, line, merge_hover))
        for lane, (w, u, _), h in zip(lanes, dims, heights):
            lane_line = top - u
            placed = _place_chain(d, lane, x + 2 * _GAP + (lane_width - w) / 2, lane_line)
            d.arrows.append(Arrow(((x, line), (x + _GAP, lane_line), (placed[0].x, lane_line))))
            join = x + 2 * _GAP + lane_width + 0.6  # run level past every lane, then turn to the merge
            d.arrows.append(Arrow(((placed[-1].back, lane_line), (join, lane_line), (mx - m, line))))
            top -= h
        d.headers.append((x + width / 2, line + total / 2 + 0.6, header))
        return x, mx + m

    return _Item(width, total / 2 + 1.4, total / 2, place)


def network_diagram(network: Network, layers, wrap: float = 60.0) -> Diagram:
    """Lay out ``network`` (built from ``layers``) in rows at most ``wrap`` units wide, like lines of text.

    Parameters
    ----------
    network : Network
        ``build_network(input_shape, layers)``: its rows give each layer's output shape and parameters.
    layers : sequence of Layer
        The same layers, one per row of ``network`` (a ``Block``'s row holds its layers' rows).
    wrap : float
        Width of one line of the drawing, in units (a 32-row input is 9 units tall).

    Returns
    -------
    Diagram
        One ``Box`` per convolution, pooling and dense layer (and one for the input), one ``Merge``
        per concatenation or addition, one skip ``Arrow`` per residual block.

    Examples
    --------
    >>> from cnnviz.lecture.architectures import ARCHITECTURES
    >>> a = ARCHITECTURES["lenet5"]
    >>> [b.label for b in network_diagram(a.network, a.layers).boxes]
    ['32x32x1', '28x28x6', '14x14x6', '10x10x16', '5x5x16', '120', '84', '10']
    """
    layers = list(layers)
    if len(layers) != len(network.rows):
        raise ValueError("The drawing needs one layer for every row of the network's table.")
    shape = network.input_shape
    items = [_single(_box("input", "input", shape, f"<b>input</b> {format_shape(shape)}"))]
    for i, (layer, row) in enumerate(zip(layers, network.rows), start=1):
        if isinstance(layer, Block):
            items.append(_block(layer, row, shape, i))
        elif _kind(row):
            items.append(_single(_box(row.kind, _title(layer, row), row.output_shape, _hover(row, shape),
                                      layer, shape, row, str(i))))
        shape = row.output_shape

    # Break the items into lines no wider than ``wrap`` (an item wider than that gets a line of its own).
    lines: list[list[_Item]] = [[]]
    used = 0.0
    for item in items:
        if lines[-1] and used + _GAP + item.width > wrap:
            lines.append([])
            used = 0.0
        used += item.width + (_GAP if lines[-1] else 0)
        lines[-1].append(item)

    d = Diagram()
    y, last = 0.0, None  # y: the top of the next line; last: where the previous item ended
    for line_items in lines:
        up = max(it.up for it in line_items)
        line = y - up
        x = 0.0
        for it in line_items:
            x_in, x_out = it.place(d, x, line)
            if last is not None:
                lx, ly = last
                if ly != line:  # from the end of one line, through the gap, to the start of the next
                    gap = y + 0.8
                    pts = ((lx, ly), (lx + 0.8, ly), (lx + 0.8, gap), (-0.8, gap), (-0.8, line), (x_in, line))
                else:
                    pts = ((lx, ly), (x_in, line))
                d.arrows.append(Arrow(pts))
            last = (x_out, line)
            x += it.width + _GAP
            d.width = max(d.width, x - _GAP)
        y = line - max(it.down for it in line_items) - 1.6
    d.height = -y
    return d


# --- the figure ---------------------------------------------------------------------------------

def unit_px(font_size: int) -> float:
    """The pixels a drawing unit takes for labels of ``font_size`` px: then a label's room along the flow
    (``_CHAR`` units a character) holds its text, and neighbouring labels never overlap.

    >>> unit_px(15)
    17.0
    """
    return font_size * 17 / 15


def natural_width(d: Diagram, px_per_unit: float) -> int:
    """The figure's width in pixels at ``px_per_unit``: drawn narrower than this, its labels would overlap."""
    lo, hi = _x_range(d)
    return int((hi - lo) * px_per_unit)


def _x_range(d: Diagram) -> tuple[float, float]:
    return -3, max(d.width, 20) + 2


def _face_paths(boxes: list[Box]):
    """Front, top and side faces of cuboids as ``None``-separated polygons (one trace each)."""
    front, top, side = ([], []), ([], []), ([], [])
    for b in boxes:
        x0, y0, x1, y1, dd = b.x, b.y, b.right, b.y + b.height, b.depth
        for (xs, ys), pts in ((front, [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]),
                              (top, [(x0, y1), (x1, y1), (x1 + dd, y1 + dd), (x0 + dd, y1 + dd)]),
                              (side, [(x1, y0), (x1 + dd, y0 + dd), (x1 + dd, y1 + dd), (x1, y1)])):
            for px, py in pts + pts[:1]:
                xs.append(px)
                ys.append(py)
            xs.append(None)
            ys.append(None)
    return front, top, side


def _shade(colour: str, f: float) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({int(r * f)},{int(g * f)},{int(b * f)})"


def network_figure(d: Diagram, px_per_unit: float = 17.0, font_size: int = 15) -> go.Figure:
    """The diagram as a Plotly figure: cuboids, labels, arrows; one hover point per box (``customdata`` its index).

    Examples
    --------
    >>> from cnnviz.lecture.architectures import ARCHITECTURES
    >>> a = ARCHITECTURES["lenet5"]
    >>> fig = network_figure(network_diagram(a.network, a.layers))
    >>> fig.data[-1].customdata[:3]
    (0, 1, 2)
    """
    fig = go.Figure()
    heads = []
    for skip in (False, True):
        xs, ys = [], []
        for a in d.arrows:
            if a.skip == skip:
                xs += [p[0] for p in a.points] + [None]
                ys += [p[1] for p in a.points] + [None]
                (x0, y0), (x1, y1) = a.points[-2], a.points[-1]
                heads.append(dict(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y", text="",
                                  showarrow=True, arrowhead=2, arrowsize=1.1, arrowwidth=2.5 if skip else 1.5,
                                  arrowcolor=_SKIP if skip else "#555", standoff=0))
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=skip and bool(xs),
                                 name="shortcut, added at ⊕", line=dict(color=_SKIP if skip else "#555",
                                                                        width=3 if skip else 1.5)))
    for kind, (colour, pattern, name) in KIND_STYLES.items():
        boxes = [b for b in d.boxes if b.kind == kind]
        if not boxes:
            continue
        (fx, fy), (tx, ty), (sx, sy) = _face_paths(boxes)
        line = dict(color="#222", width=1.2)
        fig.add_trace(go.Scatter(x=tx, y=ty, fill="toself", fillcolor=_shade(colour, 0.85), line=line, mode="lines",
                                 hoverinfo="skip", showlegend=False))
        fig.add_trace(go.Scatter(x=sx, y=sy, fill="toself", fillcolor=_shade(colour, 0.65), line=line, mode="lines",
                                 hoverinfo="skip", showlegend=False))
        fig.add_trace(go.Scatter(x=fx, y=fy, fill="toself", fillcolor=colour, line=line, mode="lines", name=name,
                                 fillpattern=dict(shape=pattern, fgcolor="#222", bgcolor=colour, size=8, solidity=0.3)
                                 if pattern else None, hoverinfo="skip", legendgroup=kind))
    circles = [dict(type="circle", layer="below", x0=m.x - 1.2, x1=m.x + 1.2, y0=m.y - 1.2, y1=m.y + 1.2,
                    fillcolor="white", line=dict(color=_SKIP if m.symbol == "+" else "#222", width=2))
               for m in d.merges]
    fig.add_trace(go.Scatter(
        x=[m.x for m in d.merges], y=[m.y for m in d.merges], mode="text", text=[m.symbol for m in d.merges],
        textfont=dict(size=font_size + 3, color="#111"), hovertext=[m.hover for m in d.merges], hoverinfo="text",
        showlegend=False))
    fig.add_trace(go.Scatter(
        x=[b.x + (b.length + b.depth) / 2 for b in d.boxes], y=[b.y + b.height + b.depth + 0.7 for b in d.boxes],
        mode="text", text=[b.title for b in d.boxes], textfont=dict(size=font_size - 1, color="#333"),
        hoverinfo="skip", showlegend=False))
    fig.add_trace(go.Scatter(
        x=[b.x + b.length / 2 for b in d.boxes], y=[b.y - 0.8 for b in d.boxes], mode="text",
        text=[f"<b>{b.label}</b>" for b in d.boxes], textfont=dict(size=font_size, color="#111"),
        hoverinfo="skip", showlegend=False))
    if d.headers:
        hx, hy, ht = zip(*d.headers)
        fig.add_trace(go.Scatter(x=hx, y=hy, mode="text", text=[f"<i>{t}</i>" for t in ht], hoverinfo="skip",
                                 textfont=dict(size=font_size - 1, color="#555"), showlegend=False))
    # One point per box to hover and click: its index in ``d.boxes`` is its customdata.
    fig.add_trace(go.Scatter(
        x=[b.x + b.length / 2 for b in d.boxes], y=[b.middle for b in d.boxes], mode="markers",
        marker=dict(size=[max(14, min(40, b.height * px_per_unit * 0.8)) for b in d.boxes], color="rgba(0,0,0,0)"),
        customdata=tuple(range(len(d.boxes))), hovertext=[b.hover for b in d.boxes], hoverinfo="text",
        showlegend=False, name="layers", selected=dict(marker=dict(color="rgba(0,0,0,0.15)")),
        unselected=dict(marker=dict(opacity=1))))
    height = (d.height + 3) * px_per_unit + 60
    fig.update_xaxes(visible=False, range=list(_x_range(d)), fixedrange=True)
    fig.update_yaxes(visible=False, range=[-d.height - 1, 2], fixedrange=True)
    fig.update_layout(annotations=heads, shapes=circles, height=int(height), margin=dict(l=4, r=4, t=30, b=4),
                      plot_bgcolor="white", paper_bgcolor="white", font=dict(size=font_size, color="#111"),
                      dragmode=False,
                      hoverlabel=dict(font_size=font_size + 1, bgcolor="white"), clickmode="event+select",
                      legend=dict(orientation="h", x=0, y=1, yanchor="bottom", font=dict(size=font_size)))
    return fig
