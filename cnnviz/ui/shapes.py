"""The Shapes & parameters page: its tabs, number inputs, the node-link figure and the network builder."""
from __future__ import annotations

from dataclasses import dataclass, fields, replace

import streamlit as st

from cnnviz.ui.cache import bounded
from cnnviz.views import shapes as fig_shapes
from cnnviz.lecture.architectures import ARCHITECTURES
from cnnviz.kernel.notation import format_bytes, format_count, format_shape
from cnnviz.lecture.grammar import BUILDER_KINDS, layer_from_spec, network_spec, parse_network_spec
from cnnviz.lecture.layers import MAX_DIM, as_shape
from cnnviz.ui.state import UrlState, choice_field, int_field, text_field

TABS = {"calc": "Layer calculator", "compare": "Convolutional vs fully connected", "builder": "Network builder"}


def tabs_ui(prefix: str, tabs: dict[str, str]):
    """Tabs whose choice is state (``st.session_state[prefix + "tab"]``, short names, in the link).

    Returns ``(containers, open tab's short name)``: the page draws only the open tab, so a rerun
    does not pay for the hidden ones.
    """
    name = st.session_state[prefix + "tab"]
    first = st.session_state.setdefault("_first_" + prefix + "tab", name)  # a fixed default keeps the widget's identity
    containers = st.tabs(list(tabs.values()), default=tabs[first], key=prefix + "tabs", on_change="rerun")
    label = st.session_state.get(prefix + "tabs") or tabs[name]
    name = next((k for k, v in tabs.items() if v == label), name)
    st.session_state[prefix + "tab"] = name
    return containers, name


def int_inputs(prefix: str, specs, columns=None) -> dict[str, int]:
    """Number inputs side by side: ``specs`` is ``[(name, label, lo, hi), ...]``; returns their values."""
    cols = columns or st.columns(len(specs))
    return {name: int(col.number_input(label, lo, hi, step=1, key=prefix + name))
            for col, (name, label, lo, hi) in zip(cols, specs)}


@bounded(max_entries=16)
def conv_vs_dense_figure(n_in: int, k: int):
    """The node-link picture, built once per (inputs, filter size) and shared by every session."""
    return fig_shapes.conv_vs_dense_figure(n_in, k)


def network_table_ui(records: list[dict]) -> None:
    """A network's per-layer table, numbers right-aligned with thousands separators."""
    if records and not any(r["what it does"] for r in records):  # unnamed layers: the name says it all
        records = [{k: v for k, v in r.items() if k != "what it does"} for r in records]
    # A short label on the left: on a phone the table's toolbar, at the top right, covers what is above it.
    st.markdown("**Layer by layer**")
    st.dataframe(records, hide_index=True, width="stretch", height="content", column_config={
        "parameters": st.column_config.NumberColumn(format="localized"),
        "worked out": st.column_config.TextColumn(width="large"),
    })


@bounded(max_entries=32)
def _drawing(input_shape: tuple[int, ...], spec: str, wrap: float):
    """The drawing of a built network, made once per (input, layers, line width)."""
    from cnnviz.lecture.layers import build_network
    from cnnviz.views import network as fig_network

    layers = parse_network_spec(spec)[0]
    d = fig_network.network_diagram(build_network(input_shape, layers), layers, wrap)
    return fig_network.network_figure(d, px_per_unit=9 if wrap < 30 else 11, font_size=13)


def network_drawing_ui(net, layers) -> None:
    """A small drawing of the built network (the layers that fit), as the Architectures page draws presets."""
    from cnnviz.ui.architectures import diagram_width

    spec = network_spec(layers[:len(net.rows)])
    if net.rows and spec:
        st.plotly_chart(_drawing(tuple(net.input_shape), spec, diagram_width()),
                        config={"displayModeBar": False}, key="sb_drawing")


def network_totals_ui(net) -> None:
    """Totals under a network's table."""
    a, b, c, d = st.columns(4)
    a.metric("Parameters", format_count(net.total_params))
    b.metric("Parameters in float32", format_bytes(net.param_bytes))
    c.metric("Outputs of every layer, one image", format_bytes(net.activation_bytes))
    d.metric("Final output", format_shape(net.output_shape))


_BUILDER_COLUMNS = ("layer", "filters / units", "size", "stride", "padding")
_BUILDER_EXAMPLE = "conv:6:5:1:0,relu,maxpool:2:2:0,conv:16:5:1:0,relu,maxpool:2:2:0,flatten,dense:120,relu,dense:84,relu,dense:10"


def _shape_text(text) -> str:
    """``"32x32x3"`` (or ``32×32×3``, ``32,32,3``, ``784``) checked and written back as ``32x32x3``."""
    text = str(text).strip().lower().replace("×", "x").replace(",", "x").replace(" ", "")
    if len(text) > 30:
        raise ValueError("far too long for a shape")
    parts = text.split("x")
    dims = []
    for p in parts:
        if not p.isdigit():
            raise ValueError(f"'{text[:20]}' is not a shape like 32x32x3 or 784")
        dims.append(int(p))
    return format_shape(as_shape(dims))


def _net_text(text) -> str:
    if not str(text).strip():
        return ""
    layers, errors = parse_network_spec(text)
    if errors:
        raise ValueError(errors[0].rstrip("."))
    return network_spec(layers)


# The Shapes page's link, one part per tab: each tab's fragment saves its own part.
@dataclass(frozen=True)
class TabState:
    """The open tab: ``?tab=builder``."""

    tab: str  # a key of TABS


@dataclass(frozen=True)
class CalcState:
    """The layer calculator's numbers (widgets ``sc_<name>``)."""

    h: int  # input height H
    w: int  # input width W
    c: int  # input channels C
    k: int  # filter size
    f: int  # number of filters
    s: int  # stride
    p: int  # zero padding
    pk: int  # pooling window
    ps: int  # pooling stride
    dn: int  # a dense layer's inputs
    do: int  # and outputs


@dataclass(frozen=True)
class CompareState:
    """Convolutional against fully connected (widgets ``sc_<name>``)."""

    vh: int  # input height
    vw: int  # input width
    vc: int  # channels
    vk: int  # filter size
    vf: int  # number of filters
    gn: int  # inputs drawn in the node-link picture
    gk: int  # the drawn filter's width


@dataclass(frozen=True)
class BuilderState:
    """The network builder: ``?in=32x32x1&net=conv:6:5:1:0,relu,...``."""

    shape: str  # the input shape as text, ``32x32x1`` or ``784`` (``in`` in the link)
    net: str  # the layers, ``network_spec`` text; "" for none


_BIG = [("h", 32, "input height"), ("w", 32, "input width"), ("c", 3, "number of channels"), ("k", 5, "filter size"),
        ("f", 10, "number of filters"), ("s", 1, "stride"), ("pk", 2, "pooling window"), ("ps", 2, "pooling stride")]
TAB_URL = UrlState("shapes_tab", TabState, [choice_field("tab", "calc", list(TABS), "tab")], widgets={"tab": "st_tab"})
CALC_URL = UrlState("shapes_calc", CalcState, [int_field(n, d, 1, 10_000, what) for n, d, what in _BIG] + [
    int_field("p", 0, 0, 10_000, "padding"), int_field("dn", 400, 1, 100_000, "number of inputs"),
    int_field("do", 120, 1, 100_000, "number of outputs")], widgets={f.name: f"sc_{f.name}" for f in fields(CalcState)})
COMPARE_URL = UrlState("shapes_compare", CompareState, [
    int_field("vh", 32, 1, 512, "input height"), int_field("vw", 32, 1, 512, "input width"),
    int_field("vc", 3, 1, 64, "channels"), int_field("vk", 5, 1, 512, "filter size"),
    int_field("vf", 6, 1, 512, "number of filters"), int_field("gn", 7, 3, 10, "inputs in the picture"),
    int_field("gk", 3, 1, 4, "filter width")], widgets={f.name: f"sc_{f.name}" for f in fields(CompareState)})
BUILDER_URL = UrlState("shapes_builder", BuilderState, [
    replace(text_field("in", "32x32x1", _shape_text, "input shape"), attr="shape"),
    text_field("net", _BUILDER_EXAMPLE, _net_text, "network")], widgets={"shape": "sb_in", "net": "sb_net"})
URLS = (TAB_URL, CALC_URL, COMPARE_URL, BUILDER_URL)  # the page loads every part at the top


def load_state() -> list[str]:
    """Load every part of the link into the widgets; returns the warnings."""
    warnings = []
    for url in URLS:
        state, fresh, more = url.load()
        url.seed(state, fresh)
        warnings += more
    return warnings


def builder_state() -> BuilderState:
    """The builder's input shape and layers as the link keeps them (the last valid ones)."""
    return BuilderState(st.session_state["sb_in"], st.session_state["sb_net"])


def _builder_frame(spec: str):
    import pandas as pd

    rows = []
    for layer in parse_network_spec(spec)[0]:
        kind, *nums = layer.spec().split(":")
        uses = BUILDER_KINDS[kind][1]
        values = dict(zip(uses, (int(n) for n in nums)))
        rows.append([kind, values.get("n"), values.get("size"), values.get("stride"), values.get("padding")])
    frame = pd.DataFrame(rows, columns=list(_BUILDER_COLUMNS))
    for col in _BUILDER_COLUMNS[1:]:
        frame[col] = frame[col].astype("Int64")
    return frame


def _builder_load(spec: str, shape: str) -> None:
    st.session_state["sb_net"] = st.session_state["sb_base"] = spec
    st.session_state["sb_in"] = st.session_state["sb_in_text"] = shape
    st.session_state["sb_version"] = st.session_state.get("sb_version", 0) + 1


def builder_presets_ui() -> None:
    """Start the builder from the example or a sequential preset."""
    choices = {"Small example (LeNet-like, ReLU, max pooling)": (_BUILDER_EXAMPLE, "32x32x1")}
    choices |= {a.name: (a.builder_spec, format_shape(a.input_shape)) for a in ARCHITECTURES.values() if a.builder_spec}
    a, b = st.columns([3, 1], vertical_alignment="bottom")
    a.selectbox("Start from", list(choices), key="sb_start")
    # The callback reads the choice itself: a click can arrive together with a new choice.
    b.button("Load it", on_click=lambda: _builder_load(*choices[st.session_state["sb_start"]]), key="sb_load",
             width="stretch")


def builder_ui() -> tuple[tuple[int, ...], list, list[str]]:
    """The builder's input shape and layer table; returns ``(input shape, layers, error messages)``.

    Edits that cannot be read leave the last valid network in place (and in the link).
    """
    errors = []
    editor_key = f"sb_editor_{st.session_state.get('sb_version', 0)}"
    if editor_key not in st.session_state:  # a new editor, or its edits forgotten while hidden: start from now
        st.session_state["sb_base"] = st.session_state["sb_net"]
    st.session_state.setdefault("sb_in_text", st.session_state["sb_in"])
    shape_text = st.text_input("Input shape (height x width x channels, or a number of units)", key="sb_in_text")
    try:
        st.session_state["sb_in"] = _shape_text(shape_text)
    except ValueError as exc:
        errors.append(f"Input shape: {exc}.")
    labels = {k: v[0] for k, v in BUILDER_KINDS.items()}
    st.markdown("**Layers**")  # short and on the left: a phone shows the editor's toolbar over its top right
    edited = st.data_editor(
        _builder_frame(st.session_state["sb_base"]), num_rows="dynamic", hide_index=True, width="stretch",
        key=editor_key, height="content", placeholder="",
        column_config={
            "layer": st.column_config.SelectboxColumn("layer", options=list(labels), required=True,
                                                      help="; ".join(f"{k}: {v}" for k, v in labels.items())),
            "filters / units": st.column_config.NumberColumn(min_value=1, max_value=MAX_DIM, step=1),
            "size": st.column_config.NumberColumn(min_value=1, max_value=MAX_DIM, step=1),
            "stride": st.column_config.NumberColumn(min_value=1, max_value=MAX_DIM, step=1),
            "padding": st.column_config.NumberColumn(min_value=0, max_value=MAX_DIM, step=1),
        })
    layers = []
    for i, row in enumerate(edited.itertuples(index=False), start=1):
        cells = [None if (v is None or v is _pd_na() or (isinstance(v, float) and v != v)) else v for v in row]
        if all(c is None for c in cells):
            continue  # a row just added, not filled in yet
        try:
            layers.append(layer_from_spec(*cells))
        except ValueError as exc:
            errors.append(f"Row {i}: {exc}.")
    if not errors:
        st.session_state["sb_net"] = network_spec(layers) or ""
    layers = parse_network_spec(st.session_state["sb_net"])[0]
    return as_shape(tuple(int(d) for d in st.session_state["sb_in"].split("x"))), layers, errors


def _pd_na():
    import pandas as pd

    return pd.NA
