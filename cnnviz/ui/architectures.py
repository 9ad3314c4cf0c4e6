"""The Architectures page: its link, the network drawings, each layer's receptive field, the lecture's table and
links into the other pages."""
from __future__ import annotations

import functools
from dataclasses import dataclass

import streamlit as st

from cnnviz import ui

from cnnviz.lecture.architectures import ARCHITECTURES
from cnnviz.lecture.fields import architecture_fields
from cnnviz.kernel.notation import format_count, format_fixed, format_shape
from cnnviz.lecture.layers import Conv2D, Dense, Pool2D, table_records
from cnnviz.kernel.shapes import as_pair
from cnnviz.views import fields as fig_fields, network as fig_network, shapes as fig_shapes
from cnnviz.ui.cache import bounded
from cnnviz.ui.state import UrlField, UrlState, bool_field, choice_field, int_field
from cnnviz.ui.widgets import keyboard_scroll, presenter_hidden, projecting
from cnnviz.views.table import records_html


@dataclass(frozen=True)
class ArchState:
    """What the Architectures page's link holds: ``?arch=alexnet&open=True&layer=13&row=4&col=4&present=1``."""

    arch: str  # a key of ARCHITECTURES
    open: bool  # show the layers inside each block (Inception modules, residual blocks)
    present: bool = False  # the presenter view: the drawing and the tables large, the controls hidden
    layer: int | None = None  # the table row whose receptive field is shown, from 0; None: ``deepest_map``
    row: int | None = None  # the cell of that layer's map whose field is shown, from 0; None: the map's centre
    col: int | None = None


def _position_field(name: str, what: str, fallback: str) -> UrlField:
    """A table row or a map's row or column: counted from 1 in the link, as the page shows it, from 0 in the state;
    absent (None) for the page's own choice. Its upper end depends on the network: ``field_pick`` checks it."""
    whole = int_field(name, None, 1, 100_000, what)
    return UrlField(name, None, lambda text: whole.parse(text) - 1, lambda i: str(i + 1), what, fallback)


URL = UrlState("architectures", ArchState, [
    choice_field("arch", "lenet5", list(ARCHITECTURES), "network"),
    bool_field("open", False, "switch for the layers inside blocks", encode=str),
    bool_field("present", False, "presenter view switch"),
    _position_field("layer", "layer for the receptive field", "Showing the network's deepest map instead."),
    _position_field("row", "row of the cell", "Showing the map's middle row instead."),
    _position_field("col", "column of the cell", "Showing the map's middle column instead."),
], widgets={"arch": "sa_arch", "open": "sa_open", "present": "sa_present"})

TABLE_FONT = {False: 14, True: 20}  # the lecture's table as a plot: its type, and in the presenter view


@bounded(max_entries=3)
def architecture_table_figure(present: bool = False, phone: bool = False):
    """The lecture's table as a plot, with the sizes computed from the presets (larger in the presenter view;
    on a phone, one plot under the other)."""
    keys = [k for k, a in ARCHITECTURES.items() if a.lecture]
    a = [ARCHITECTURES[k] for k in keys]
    return fig_shapes.architecture_table_figure([x.name for x in a], [x.lecture.size_mb for x in a],
                                          [round(x.size_mb, 1) for x in a], [x.lecture.depth for x in a],
                                          [x.lecture.top1 for x in a], [x.lecture.top5 for x in a],
                                          font_size=TABLE_FONT[present], stacked=phone)


@bounded(max_entries=32)
def architecture_records(key: str, expand: bool) -> list[dict]:
    """A preset's table as records (blocks opened when ``expand``), each layer's receptive field on the input after
    its output shape ("—" where it has no single size; empty for the layers inside a block), computed once per
    preset (read-only)."""
    fields = iter(architecture_fields(key))
    records = []
    for record in table_records(ARCHITECTURES[key].network, expand):
        field = next(fields) if "." not in record["#"] else ""  # "7.2": a layer inside block 7
        sees = "—" if field is None else field and format_shape(field.size)
        row = {}
        for name, value in record.items():
            row[name] = value
            if name == "output shape":
                row["receptive field"] = sees
        records.append(row)
    return records


def builder_link(arch) -> dict[str, str] | None:
    """The Shapes page's link parameters that open ``arch`` in its network builder (sequential presets only)."""
    if not arch.builder_spec:
        return None
    return {"tab": "builder", "in": format_shape(arch.input_shape), "net": arch.builder_spec}


def drawing_type(present: bool = False, small: bool = False) -> tuple[float, int]:
    """How a network is drawn here: ``(width of a line in drawing units, label size in px)``.

    A phone's lines are short (about 350 px across); the presenter view's take the screen's width (about
    1,250 px at 1280x720: LeNet-5 on one line, as the lecture draws it); a ``small`` drawing (the builder's)
    keeps within a laptop's column.
    """
    if ui.is_phone():
        return 22.0, 12
    if present:
        return 64.0, 17
    return (44.0, 13) if small else (64.0, 15)


@bounded(max_entries=16)
def network_drawing(key: str, wrap: float, font_size: int = 15):
    """A preset's diagram, its figure and the width its labels need (px), laid out once per (preset, line
    width, type) and shared by every session."""
    arch = ARCHITECTURES[key]
    return drawn(fig_network.network_diagram(arch.network, arch.layers, wrap), font_size)


def drawn(diagram, font_size: int):
    """``(diagram, figure, the width its labels need in px)`` for labels of ``font_size`` px."""
    px = fig_network.unit_px(font_size)
    return diagram, fig_network.network_figure(diagram, px, font_size), fig_network.natural_width(diagram, px)


def unsqueezed(figure_key: str, width: int) -> None:
    """Keep the drawing in container ``figure_key`` at least ``width`` px wide (its labels' room); a narrower
    screen scrolls it sideways."""
    ui.html(f"<style>.st-key-{figure_key}{{overflow-x:auto}}"
            f".st-key-{figure_key} [data-testid=\"stPlotlyChart\"]{{min-width:{width}px}}</style>")


def layer_link(box) -> tuple[str, dict[str, str], str] | None:
    """Where cnnviz explains a drawn layer: ``(page file, link parameters, label)``, or ``None``.

    A convolution or a dense layer opens the Shapes calculator with its numbers; a pooling window
    the Pooling page has (sizes and strides up to 4) opens there.
    """
    layer, shape = box.layer, box.in_shape
    name = box.row.name if box.row is not None else ""
    if isinstance(layer, Conv2D) and len(shape) == 3:
        (k, _), (s, _), (p, _) = as_pair(layer.size, "size"), as_pair(layer.stride, "s"), as_pair(layer.padding, "p", 0)
        h, w, c = shape
        params = {"tab": "calc", "h": h, "w": w, "c": c, "k": k, "f": layer.filters, "s": s, "p": p}
        return ("pages/shapes.py", {n: str(v) for n, v in params.items()},
                f"{name}: {format_shape((k, k))} conv on {format_shape(shape)} in the Shapes calculator")
    if isinstance(layer, Dense) and len(shape) == 1:
        return ("pages/shapes.py", {"tab": "calc", "dn": str(shape[0]), "do": str(layer.units)},
                f"{name}: dense {format_count(shape[0])} → {format_count(layer.units)} in the Shapes calculator")
    if isinstance(layer, Pool2D):
        stride = layer.size if layer.stride is None else layer.stride
        if layer.size <= 4 and stride <= 4 and not layer.padding:
            return ("pages/pooling.py", {"mode": layer.mode, "size": str(layer.size), "stride": str(stride)},
                    f"{name}: {layer.mode} pool {format_shape((layer.size, layer.size))}, stride {stride} "
                    "in the Pooling page")
    return None


def diagram_ui(diagram, figure, width: int, key: str) -> int | None:
    """The drawing, never squeezed below ``width`` px; a click on a box offers the page that explains that
    layer (not in the presenter view). Returns the table row (from 0) of a box just clicked, else None."""
    with st.container(key=f"{key}_box"):
        unsqueezed(f"{key}_box", round(0.95 * width))  # 5 %: the labels' room has that much to spare
        keyboard_scroll(key, "The network's drawing; scroll sideways with the arrow keys")
        event = st.plotly_chart(figure, on_select="rerun", selection_mode="points", key=key,
                                config={"displayModeBar": False, "responsive": True})
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    picked, index = None, None
    for p in points:
        i = p.get("customdata")
        i = i[0] if isinstance(i, (list, tuple)) else i
        if isinstance(i, int) and 0 <= i < len(diagram.boxes):
            picked, index = diagram.boxes[i], i
    links = [link for link in map(layer_link, diagram.boxes) if link]
    with presenter_hidden("diagram_links"):
        _layer_links(picked, links)
    # The selection stays in the chart's state from run to run: only a new one picks the field's layer, so that
    # the layer chosen since in the select is kept.
    new = index is not None and index != st.session_state.get(f"{key}__picked")
    st.session_state[f"{key}__picked"] = index
    return box_row(picked) if new else None


def box_row(box) -> int | None:
    """The table row (from 0) a drawn box belongs to: its own, or its block's; None for the input."""
    return int(box.path.split(" / ")[0]) - 1 if box is not None and box.path else None


def _layer_links(picked, links) -> None:
    if picked is not None:
        link = layer_link(picked)
        if link:
            ui.page_link(link[0], f"Open {link[2]}", link[1], icon=":material/open_in_browser:")
        else:
            st.caption(f"{picked.title} → {picked.label}: nothing to explain beyond its row in the table below.")
    else:
        st.caption("Hover over a box to see its parameters worked out; click it to see its receptive field below and "
                   "to open that layer in the page that explains it.")
    with st.expander("Every layer's page"):
        for page, params, label in links:
            ui.page_link(page, label, params)


# --- the receptive field of a layer's cell ---------------------------------------------------------------------

FIELD_WIDGETS = ("sa_layer", "sa_row", "sa_col")  # the layer (a table row, from 0), the cell's row and column
# (from 1, as the page shows them)
_FIELD_OF = "sa_field_arch"  # the preset the field's widgets hold a layer of


@bounded(max_entries=16)
def deepest_map(key: str) -> int:
    """The layer a preset's receptive field opens on (from 0): its deepest map of more than one cell, where the
    field last grew (AlexNet's and VGG's last pooling layer, GoogLeNet's last Inception module, LeNet-5's S4)."""
    deepest, before = 0, None
    for i, f in enumerate(architecture_fields(key)):
        if f is None:
            break
        if f.out_size != (1, 1) and (before is None or (f.size, f.jump) != (before.size, before.jump)):
            deepest = i
        before = f
    return deepest


def centre(key: str, layer: int) -> tuple[int, int]:
    """The middle cell (from 0) of a layer's map."""
    H, W = architecture_fields(key)[layer].out_size
    return H // 2, W // 2


def field_pick(key: str, layer: int | None, row: int | None, col: int | None,
               said: str = "") -> tuple[int, int, int, list[str]]:
    """The layer and cell (from 0) whose field preset ``key`` shows: None for the page's own choice (the deepest
    map, its centre); a layer the network does not have, or a cell off its map, named in one sentence each
    (``said``: "The link's " when the values came from a link) and put right.

    Examples
    --------
    >>> field_pick("alexnet", None, None, None)
    (12, 3, 3, [])
    >>> field_pick("alexnet", 12, 8, 0)[1:]
    (5, 0, ["Cell (9, 1) is outside pool5's 6x6 map: showing cell (6, 1), the nearest."])
    """
    fields, arch = architecture_fields(key), ARCHITECTURES[key]
    sentences = []
    if layer is not None and not (0 <= layer < len(fields) and fields[layer] is not None):
        sentences.append(f"{said + 'layer' if said else 'Layer'} {layer + 1} is not one of {arch.name}'s "
                         f"{len(fields)} layers with a receptive field: showing {fields[deepest_map(key)].name} "
                         "instead.")
        layer, row, col = None, None, None
    layer = deepest_map(key) if layer is None else layer
    field, (r0, c0) = fields[layer], centre(key, layer)
    asked = (r0 if row is None else row, c0 if col is None else col)
    H, W = field.out_size
    r, c = min(max(asked[0], 0), H - 1), min(max(asked[1], 0), W - 1)
    if (r, c) != asked:
        sentences.append(f"{said + 'cell' if said else 'Cell'} ({asked[0] + 1}, {asked[1] + 1}) is outside "
                         f"{field.name}'s {format_shape(field.out_size)} map: showing cell ({r + 1}, {c + 1}), the "
                         "nearest.")
    return layer, r, c, sentences


def _layer_label(key: str, layer: int) -> str:
    row = ARCHITECTURES[key].rows[layer]
    return f"{layer + 1} · {row.name} ({format_shape(row.output_shape)})"


def _to_centre(key: str) -> None:
    """A new layer picked in the select: its map's middle cell (the old cell may not be on the new map)."""
    r, c = centre(key, st.session_state["sa_layer"])
    st.session_state["sa_row"], st.session_state["sa_col"] = r + 1, c + 1


def _clamp_cell(key: str) -> None:
    """A row or column typed: kept on the layer's map, with a sentence when it was off it (``field_ui`` shows it)."""
    ss = st.session_state
    typed = [None if ss.get(k) is None else int(ss[k]) - 1 for k in ("sa_row", "sa_col")]
    _, r, c, sentences = field_pick(key, ss["sa_layer"], *typed)
    ss["sa_row"], ss["sa_col"] = r + 1, c + 1
    ss["sa_field_note"] = sentences


def field_ui(state: ArchState, fresh: set[str], clicked: int | None, present: bool = False) -> ArchState:
    """The receptive field of one cell of one layer of preset ``state.arch``: the layer from the select (or a box
    clicked in the drawing, ``clicked``), the cell from its row and column (the map's middle at first), the
    picture, the sentence and the closed form up to that layer. Returns ``state`` with the layer and cell shown
    (None where they are the page's own choice, left out of the link)."""
    key, ss = state.arch, st.session_state
    fields = architecture_fields(key)
    sentences = ss.pop("sa_field_note", [])
    link, lost = bool({"layer", "row", "col"} & fresh), any(k not in ss for k in FIELD_WIDGETS)
    if link or lost or ss.get(_FIELD_OF) != key:
        # The link's layer and cell, or this session's last (its widgets dropped on a visit to another page), or
        # another network's own: its deepest map, the middle cell.
        kept = link or ss.get(_FIELD_OF) == key
        layer, r, c, sentences = field_pick(key, *((state.layer, state.row, state.col) if kept else (None,) * 3),
                                            said="The link's " if link else "")
        ss["sa_layer"], ss["sa_row"], ss["sa_col"], ss[_FIELD_OF] = layer, r + 1, c + 1, key
    if clicked is not None and fields[clicked] is not None:
        r, c = centre(key, clicked)
        ss["sa_layer"], ss["sa_row"], ss["sa_col"] = clicked, r + 1, c + 1
    for k in FIELD_WIDGETS:  # given again: see ``UrlState.seed``
        ss[k] = ss[k]
    st.subheader("Receptive field")
    with presenter_hidden("field_controls"):
        a, b, c = st.columns([3, 1, 1], vertical_alignment="bottom")
        layers = [i for i, f in enumerate(fields) if f is not None]
        a.selectbox("Layer", layers, format_func=functools.partial(_layer_label, key), key="sa_layer",
                    on_change=_to_centre, args=(key,),
                    help="Or click a box in the drawing above. The cell is counted from 1, row 1 at the top.")
        H, W = fields[ss["sa_layer"]].out_size  # a dense layer's map is one cell: nothing to pick
        b.number_input("Row", min_value=1, step=1, key="sa_row", on_change=_clamp_cell, args=(key,), disabled=H == 1)
        c.number_input("Column", min_value=1, step=1, key="sa_col", on_change=_clamp_cell, args=(key,),
                       disabled=W == 1)
    ui.show_warnings(sentences)
    layer, row, col = ss["sa_layer"], ss["sa_row"] - 1, ss["sa_col"] - 1
    ui.html(field_section(key, layer, row, col, projecting(present)))
    middle = centre(key, layer)
    return ArchState(state.arch, state.open, state.present, None if layer == deepest_map(key) else layer,
                     None if row == middle[0] else row, None if col == middle[1] else col)


@bounded(max_entries=256, max_bytes=8 << 20)
def field_section(key: str, layer: int, row: int, col: int, present: bool = False) -> str:
    """The field section's HTML for one cell of one layer of a preset, built once and shared by every session."""
    arch = ARCHITECTURES[key]
    kinds = {r.kind for r in arch.rows[:layer + 1]}
    notes = []
    if kinds & {"inception", "residual"}:
        notes.append("A block counts as one window: an Inception module as its widest branch, a residual block as "
                     "its main path (the shortcut sees a part of it).")
    if "dense" in kinds:
        notes.append("A dense layer joins every cell of the map before it: one window as large as that map.")
    return fig_fields.field_html(arch.name, architecture_fields(key), layer, (row, col), arch.input_shape[:2],
                                 notes, present)


def lecture_table_ui(present: bool = False) -> None:
    """The lecture's table as a plot and in numbers (a phone keeps the model's name in view while it scrolls
    sideways; the presenter view writes it in the page's large type)."""
    st.plotly_chart(architecture_table_figure(projecting(present), ui.is_phone()), config={"displayModeBar": False},
                    key="sa_table_fig")
    st.markdown("**In numbers**")  # short, on the left: a phone shows the table's toolbar over its top right
    if present:
        ui.html(records_html(lecture_table_records(), pinned=True))
        return
    st.dataframe(lecture_table_records(), hide_index=True, width="stretch",
                 column_config={"model": st.column_config.TextColumn(pinned=True),
                                "parameters": st.column_config.NumberColumn(format="localized")})


@bounded(max_entries=1)
def lecture_table_records() -> list[dict]:
    """The lecture's table beside the numbers computed from the presets (read-only)."""
    return [{"model": a.name, "size in the lecture (MB)": a.lecture.size_mb,
             "4 bytes × parameters (MB)": round(a.size_mb, 1), "parameters": a.total_params,
             "top-1 / top-5 error (%)": f"{format_fixed(a.lecture.top1, 2)} / {format_fixed(a.lecture.top5, 2)}",
             "layers": a.lecture.depth, "description": a.lecture.description}
            for a in ARCHITECTURES.values() if a.lecture]
