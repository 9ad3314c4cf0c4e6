"""The Architectures page: its link, the network drawings, the lecture's table and links into the other pages."""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from cnnviz import ui

from cnnviz.lecture.architectures import ARCHITECTURES
from cnnviz.kernel.notation import format_count, format_fixed, format_shape
from cnnviz.lecture.layers import Conv2D, Dense, Pool2D, table_records
from cnnviz.kernel.shapes import as_pair
from cnnviz.views import network as fig_network, shapes as fig_shapes
from cnnviz.ui.cache import bounded
from cnnviz.ui.state import UrlState, bool_field, choice_field
from cnnviz.ui.widgets import keyboard_scroll, presenter_hidden, projecting
from cnnviz.views.table import records_html


@dataclass(frozen=True)
class ArchState:
    """What the Architectures page's link holds: ``?arch=googlenet&open=True&present=1``."""

    arch: str  # a key of ARCHITECTURES
    open: bool  # show the layers inside each block (Inception modules, residual blocks)
    present: bool = False  # the presenter view: the drawing and the tables large, the controls hidden


URL = UrlState("architectures", ArchState, [
    choice_field("arch", "lenet5", list(ARCHITECTURES), "network"),
    bool_field("open", False, "switch for the layers inside blocks", encode=str),
    bool_field("present", False, "presenter view switch"),
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
    """A preset's table as records (blocks opened when ``expand``), computed once per preset (read-only)."""
    return table_records(ARCHITECTURES[key].network, expand)


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


def diagram_ui(diagram, figure, width: int, key: str) -> None:
    """The drawing, never squeezed below ``width`` px; a click on a box offers the page that explains that
    layer (not in the presenter view)."""
    with st.container(key=f"{key}_box"):
        unsqueezed(f"{key}_box", round(0.95 * width))  # 5 %: the labels' room has that much to spare
        keyboard_scroll(key, "The network's drawing; scroll sideways with the arrow keys")
        event = st.plotly_chart(figure, on_select="rerun", selection_mode="points", key=key,
                                config={"displayModeBar": False, "responsive": True})
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    picked = None
    for p in points:
        index = p.get("customdata")
        index = index[0] if isinstance(index, (list, tuple)) else index
        if isinstance(index, int) and 0 <= index < len(diagram.boxes):
            picked = diagram.boxes[index]
    links = [link for link in map(layer_link, diagram.boxes) if link]
    with presenter_hidden("diagram_links"):
        _layer_links(picked, links)


def _layer_links(picked, links) -> None:
    if picked is not None:
        link = layer_link(picked)
        if link:
            ui.page_link(link[0], f"Open {link[2]}", link[1], icon=":material/open_in_browser:")
        else:
            st.caption(f"{picked.title} → {picked.label}: nothing to explain beyond its row in the table below.")
    else:
        st.caption("Hover over a box to see its parameters worked out; click it to open that layer in the page that "
                   "explains it.")
    with st.expander("Every layer's page"):
        for page, params, label in links:
            ui.page_link(page, label, params)


def lecture_table_ui(present: bool = False) -> None:
    """The lecture's table as a plot and in numbers (a phone keeps the model's name in view while it scrolls
    sideways; the presenter view writes it in the page's large type)."""
    st.plotly_chart(architecture_table_figure(projecting(present), ui.is_phone()), config={"displayModeBar": False},
                    key="sa_table_fig")
    st.markdown("**In numbers**")  # short, on the left: a phone shows the table's toolbar over its top right
    if present:
        ui.html(records_html(lecture_table_records()))
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
