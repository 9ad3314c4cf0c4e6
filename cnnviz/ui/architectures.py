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


@dataclass(frozen=True)
class ArchState:
    """What the Architectures page's link holds: ``?arch=googlenet&open=True``."""

    arch: str  # a key of ARCHITECTURES
    open: bool  # show the layers inside each block (Inception modules, residual blocks)


URL = UrlState("architectures", ArchState, [
    choice_field("arch", "lenet5", list(ARCHITECTURES), "network"),
    bool_field("open", False, "switch for the layers inside blocks", encode=str),
], widgets={"arch": "sa_arch", "open": "sa_open"})


@bounded(max_entries=1)
def architecture_table_figure():
    """The lecture's table as a plot, with the sizes computed from the presets."""
    keys = [k for k, a in ARCHITECTURES.items() if a.lecture]
    a = [ARCHITECTURES[k] for k in keys]
    return fig_shapes.architecture_table_figure([x.name for x in a], [x.lecture.size_mb for x in a],
                                          [round(x.size_mb, 1) for x in a], [x.lecture.depth for x in a],
                                          [x.lecture.top1 for x in a], [x.lecture.top5 for x in a])


@bounded(max_entries=32)
def architecture_records(key: str, expand: bool) -> list[dict]:
    """A preset's table as records (blocks opened when ``expand``), computed once per preset (read-only)."""
    return table_records(ARCHITECTURES[key].network, expand)


def builder_link(arch) -> dict[str, str] | None:
    """The Shapes page's link parameters that open ``arch`` in its network builder (sequential presets only)."""
    if not arch.builder_spec:
        return None
    return {"tab": "builder", "in": format_shape(arch.input_shape), "net": arch.builder_spec}


def is_phone() -> bool:
    """Whether the browser says it is a phone (its User-Agent has "Mobi"): the drawing then wraps narrower."""
    return "mobi" in (st.context.headers.get("User-Agent") or "").lower()


def diagram_width() -> float:
    """How wide one line of a network drawing is, in drawing units: narrow on a phone."""
    return 22.0 if is_phone() else 64.0


@bounded(max_entries=16)
def network_drawing(key: str, wrap: float):
    """A preset's diagram and figure, laid out once per (preset, line width) and shared by every session."""
    arch = ARCHITECTURES[key]
    d = fig_network.network_diagram(arch.network, arch.layers, wrap)
    narrow = wrap < 30  # a phone: fewer pixels a unit, as the drawing is squeezed into fewer pixels across
    return d, fig_network.network_figure(d, px_per_unit=11 if narrow else 17, font_size=13 if narrow else 15)


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


def diagram_ui(diagram, figure, key: str) -> None:
    """The drawing; a click on a box offers the page that explains that layer."""
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


@bounded(max_entries=1)
def lecture_table_records() -> list[dict]:
    """The lecture's table beside the numbers computed from the presets (read-only)."""
    return [{"model": a.name, "size in the lecture (MB)": a.lecture.size_mb,
             "4 bytes × parameters (MB)": round(a.size_mb, 1), "parameters": a.total_params,
             "top-1 / top-5 error (%)": f"{format_fixed(a.lecture.top1, 2)} / {format_fixed(a.lecture.top5, 2)}",
             "layers": a.lecture.depth, "description": a.lecture.description}
            for a in ARCHITECTURES.values() if a.lecture]
