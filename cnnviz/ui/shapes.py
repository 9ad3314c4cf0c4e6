"""The Shapes & parameters page: its tabs, number inputs, the node-link figure and the network builder."""
from __future__ import annotations

from dataclasses import dataclass, fields, replace

import streamlit as st

from cnnviz import ui
from cnnviz.ui.cache import bounded
from cnnviz.ui.widgets import presenter_hidden, projecting
from cnnviz.views import shapes as fig_shapes
from cnnviz.views.table import records_html
from cnnviz.lecture.architectures import ARCHITECTURES
from cnnviz.kernel.notation import (
    TIMES, format_bytes, format_count, format_fixed, format_product, format_shape, format_shape_chain,
)
from cnnviz.kernel.shapes import (
    as_groups, conv_output_formula, conv_output_size, conv_param_count, conv_param_formula,
    conv_transpose_output_formula, conv_transpose_output_size, dense_param_formula, pool_output_formula,
    pool_output_size,
)
from cnnviz.lecture.grammar import BUILDER_KINDS, layer_from_spec, network_spec, parse_network_spec
from cnnviz.lecture.layers import (
    MAX_DIM, Conv2D, Dense, LayerError, Network, as_clause, as_shape, build_network, table_records,
)
from cnnviz.ui.state import UrlState, bool_field, choice_field, int_field, text_field

TABS = {"calc": "Layer calculator", "compare": "Convolutional vs fully connected", "relatives": "Convolution's relatives",
        "builder": "Network builder"}
SIZE = [("h", "Input height H", 1, 10_000), ("w", "Input width W", 1, 10_000), ("c", "Channels C", 1, 10_000)]


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
def conv_vs_dense_figure(n_in: int, k: int, present: bool = False):
    """The node-link picture, built once per (inputs, filter size, view) and shared by every session."""
    return fig_shapes.conv_vs_dense_figure(n_in, k, font_size=24 if present else 13)


# A network table's columns of words and their widths in CSS pixels (with the other columns, about a laptop's
# column at 150 %): a longer text wraps onto more lines.
WRAPPED_COLUMNS = {"what it does": 160, "worked out": 140}
TABLE_ROW = 35  # CSS pixels: Streamlit's table row, one line
WRAP_ROW = 65  # the least row height at which Streamlit's table wraps text (more than 4rem)
LINE = 20  # CSS pixels a wrapped line takes
CHAR = 6.0  # CSS pixels a character of the table's text takes on average (14 px Source Sans: 5.4 to 5.7 measured)
CELL_PADDING = 17  # CSS pixels of a cell's width that its text does not use


def wrapped_lines(text: str, width: int) -> int:
    """The lines ``text`` takes in a table column ``width`` CSS pixels wide, wrapped between words.

    >>> wrapped_lines("avg pool 2x2, stride 2", 200), wrapped_lines("conv 5x5, 6 filters, stride 1, padding 0", 200)
    (1, 2)
    """
    room, lines, used = (width - CELL_PADDING) / CHAR, 1, 0  # characters a line holds; the line's so far
    for word in text.split():
        if used and used + 1 + len(word) > room:
            lines, used = lines + 1, len(word)
        else:
            used += (1 if used else 0) + len(word)
    return lines


def table_row_height(records: list[dict], widths: dict[str, int] = WRAPPED_COLUMNS) -> int:
    """The row height at which every text of ``widths``' columns shows whole, wrapped onto as many lines as it
    needs at its column's width: one line's row when every text fits on one.

    >>> table_row_height([{"what it does": "tanh"}]), table_row_height([{"what it does": "conv 5x5, " * 4}])
    (35, 65)
    """
    lines = max([wrapped_lines(str(r[name]), width) for r in records for name, width in widths.items() if name in r]
                or [1])
    return TABLE_ROW if lines <= 1 else max(WRAP_ROW, lines * LINE + 14)


def network_table_ui(records: list[dict], present: bool = False, heading: bool = False) -> None:
    """A network's per-layer table, numbers right-aligned with thousands separators; its first columns stay in
    view while a phone scrolls it sideways, and a long "what it does" or "worked out" wraps in its cell. In the
    presenter view, a table in the page's (large) type. ``heading``: its label is a heading of the page (a
    section of its own after another one)."""
    if records and not any(r["what it does"] for r in records):  # unnamed layers: the name says it all
        records = [{k: v for k, v in r.items() if k != "what it does"} for r in records]
    # A short label on the left: on a phone the table's toolbar, at the top right, covers what is above it.
    if heading:
        st.subheader("Layer by layer")
    else:
        st.markdown("**Layer by layer**")
    if present:
        ui.html(records_html(records, pinned=True))
        return
    st.dataframe(records, hide_index=True, width="stretch", height="content", row_height=table_row_height(records),
                 column_config={
                     "#": st.column_config.TextColumn(pinned=True),
                     "layer": st.column_config.TextColumn(pinned=True),
                     "parameters": st.column_config.NumberColumn(format="localized"),
                     **{name: st.column_config.TextColumn(width=width) for name, width in WRAPPED_COLUMNS.items()},
                 })


@bounded(max_entries=32)
def _drawing(input_shape: tuple[int, ...], spec: str, wrap: float, font_size: int):
    """The drawing of a built network and the width its labels need, made once per (input, layers, type)."""
    from cnnviz.ui.architectures import drawn
    from cnnviz.views import network as fig_network

    layers = parse_network_spec(spec)[0]
    return drawn(fig_network.network_diagram(build_network(input_shape, layers), layers, wrap), font_size)[1:]


def network_drawing_ui(net, layers, present: bool = False) -> None:
    """A small drawing of the built network (the layers that fit), as the Architectures page draws presets."""
    from cnnviz.ui.architectures import drawing_type, unsqueezed

    spec = network_spec(layers[:len(net.rows)])
    if net.rows and spec:
        figure, width = _drawing(tuple(net.input_shape), spec, *drawing_type(present, small=True))
        with st.container(key="sb_drawing_box"):
            unsqueezed("sb_drawing_box", round(0.95 * width))
            st.plotly_chart(figure, config={"displayModeBar": False}, key="sb_drawing")


OUTPUTS_LABEL = "Layer outputs, one image"  # short: a quarter of a laptop's column, beside three more metrics


def network_totals_ui(net) -> None:
    """Totals under a network's table."""
    a, b, c, d = st.columns(4)
    a.metric("Parameters", format_count(net.total_params))
    b.metric("Parameters in float32", format_bytes(net.param_bytes))
    c.metric(OUTPUTS_LABEL, format_bytes(net.activation_bytes))
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
    """The open tab and the presenter view: ``?tab=builder&present=1``."""

    tab: str  # a key of TABS
    present: bool  # the presenter view: the open tab's formulas and results large, its inputs hidden


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
class RelativesState:
    """Convolution's relatives between the same channels (widgets ``sc_<name>``)."""

    rh: int  # input height H
    rw: int  # input width W
    rc: int  # channels in, C
    rf: int  # channels out: the number of filters F
    rk: int  # filter size
    rs: int  # stride
    rp: int  # zero padding
    rg: int  # groups of the grouped convolution
    ts: int  # the transposed convolution's stride
    tp: int  # its padding
    op: int  # its output padding
    rl: int  # a 1-D input's length


@dataclass(frozen=True)
class BuilderState:
    """The network builder: ``?in=32x32x1&net=conv:6:5:1:0,relu,...``."""

    shape: str  # the input shape as text, ``32x32x1`` or ``784`` (``in`` in the link)
    net: str  # the layers, ``network_spec`` text; "" for none


_BIG = [("h", 32, "input height"), ("w", 32, "input width"), ("c", 3, "number of channels"), ("k", 5, "filter size"),
        ("f", 10, "number of filters"), ("s", 1, "stride"), ("pk", 2, "pooling window"), ("ps", 2, "pooling stride")]
TAB_URL = UrlState("shapes_tab", TabState, [choice_field("tab", "calc", list(TABS), "tab"),
                                             bool_field("present", False, "presenter view switch")],
                   widgets={"tab": "st_tab", "present": "st_present"})
CALC_URL = UrlState("shapes_calc", CalcState, [int_field(n, d, 1, 10_000, what) for n, d, what in _BIG] + [
    int_field("p", 0, 0, 10_000, "padding"), int_field("dn", 400, 1, 100_000, "number of inputs"),
    int_field("do", 120, 1, 100_000, "number of outputs")], widgets={f.name: f"sc_{f.name}" for f in fields(CalcState)})
COMPARE_URL = UrlState("shapes_compare", CompareState, [
    int_field("vh", 32, 1, 512, "input height"), int_field("vw", 32, 1, 512, "input width"),
    int_field("vc", 3, 1, 64, "channels"), int_field("vk", 5, 1, 512, "filter size"),
    int_field("vf", 6, 1, 512, "number of filters"), int_field("gn", 7, 3, 10, "inputs in the picture"),
    int_field("gk", 3, 1, 4, "filter width")], widgets={f.name: f"sc_{f.name}" for f in fields(CompareState)})
RELATIVES_URL = UrlState("shapes_relatives", RelativesState, [
    int_field("rh", 32, 1, 10_000, "input height"), int_field("rw", 32, 1, 10_000, "input width"),
    int_field("rc", 32, 1, 10_000, "number of input channels"), int_field("rf", 64, 1, 10_000, "number of filters"),
    int_field("rk", 3, 1, 10_000, "filter size"), int_field("rs", 1, 1, 10_000, "stride"),
    int_field("rp", 1, 0, 10_000, "padding"), int_field("rg", 4, 1, 10_000, "number of groups"),
    int_field("ts", 2, 1, 10_000, "transposed stride"), int_field("tp", 1, 0, 10_000, "transposed padding"),
    int_field("op", 1, 0, 10_000, "output padding"), int_field("rl", 100, 1, 1_000_000, "sequence length"),
], widgets={f.name: f"sc_{f.name}" for f in fields(RelativesState)})
BUILDER_URL = UrlState("shapes_builder", BuilderState, [
    replace(text_field("in", "32x32x1", _shape_text, "input shape"), attr="shape"),
    text_field("net", _BUILDER_EXAMPLE, _net_text, "network")], widgets={"shape": "sb_in", "net": "sb_net"})
URLS = (TAB_URL, CALC_URL, COMPARE_URL, RELATIVES_URL, BUILDER_URL)  # the page loads every part at the top


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


# --- the three tabs (each one a page fragment: a change inside it reruns only that tab) ---

def calculator_ui(present: bool) -> CalcState:
    """One layer at a time: a convolution, the pooling of its output, a dense layer; returns their numbers.

    In the presenter view the number boxes are hidden and each layer writes its numbers above its formulas,
    the convolution beside the pooling and dense layers.
    """
    st.caption("One layer at a time: its output shape and how many numbers it learns.")
    with presenter_hidden("calc_size"):
        v = int_inputs("sc_", SIZE)
    conv_col, rest_col = st.columns(2, gap="large") if present else (st.container(), st.container())
    with conv_col:
        st.subheader("Convolutional layer")
        with presenter_hidden("calc_conv"):
            v |= int_inputs("sc_", [("k", "Filter size", 1, 10_000), ("f", "Number of filters", 1, 10_000),
                                    ("s", "Stride", 1, 10_000), ("p", "Padding", 0, 10_000)])
        conv_out = _conv_layer(v, present)
    with rest_col:
        st.subheader("Pooling layer")
        st.caption("It pools the convolution's output above, each activation map on its own.")
        with presenter_hidden("calc_pool"):
            v |= int_inputs("sc_", [("pk", "Window size", 1, 10_000), ("ps", "Stride", 1, 10_000)],
                            st.columns(4)[:2])
        _pool_layer(v, conv_out, present)
        st.subheader("Dense (fully connected) layer")
        with presenter_hidden("calc_dense"):
            v |= int_inputs("sc_", [("dn", "Inputs", 1, 100_000), ("do", "Outputs", 1, 100_000)], st.columns(4)[:2])
        if present:
            st.markdown(f"**{format_count(v['dn'])}** inputs → **{format_count(v['do'])}** outputs")
        st.markdown(f"#### Parameters: `{dense_param_formula(v['dn'], v['do'])}`")
        st.caption("Every input is joined to every output (inputs×outputs weights), plus one bias per output.")
    return CalcState(**v)


def _conv_layer(v: dict, present: bool) -> tuple[int, int, int] | None:
    """The convolution's sizes and parameters; its output shape, or None when it does not fit its input."""
    if present:
        st.markdown(f"Input **{format_shape((v['h'], v['w'], v['c']))}** · **{v['f']}** filters of "
                    f"**{format_shape((v['k'], v['k'], v['c']))}** · stride **{v['s']}** · padding **{v['p']}**")
    try:
        row = Conv2D(v["f"], v["k"], v["s"], v["p"]).apply((v["h"], v["w"], v["c"]))
    except ValueError as exc:
        ui.show_errors([f"This convolution does not fit its input: {as_clause(exc)}"], kept="")
        return None
    H, W, F = row.output_shape
    st.markdown(f"Output height: `{conv_output_formula(v['h'], v['k'], v['s'], v['p'])}`  \n"
                f"Output width: `{conv_output_formula(v['w'], v['k'], v['s'], v['p'])}`  \n"
                f"Output shape: **{format_shape((H, W, F))}** "
                f"(one {format_shape((H, W))} activation map per filter)")
    st.markdown(f"#### Parameters: `{row.formula}`")
    st.caption(f"Each filter has {format_product(v['k'], v['k'], v['c'])} weights "
               f"(it spans all {v['c']} input channels) and 1 bias. The output takes "
               f"{format_count(H * W * F)} float32 numbers = {format_count(row.memory_bytes)} bytes per image.")
    return H, W, F


def _pool_layer(v: dict, conv_out: tuple[int, int, int] | None, present: bool) -> None:
    """The pooling of the convolution's output: its sizes, and its parameters (none)."""
    if conv_out is None:
        st.info("The pooling layer pools the convolution's output: make the convolution fit first.")
        return
    ch, cw, cf = conv_out
    try:
        fh, fw = pool_output_formula(ch, v["pk"], v["ps"]), pool_output_formula(cw, v["pk"], v["ps"])
        H, W = pool_output_size(ch, v["pk"], v["ps"]), pool_output_size(cw, v["pk"], v["ps"])
    except ValueError as exc:
        ui.show_errors([f"This pooling layer does not fit its input ({format_shape(conv_out)}): {as_clause(exc)}"],
                       kept="")
        return
    window = f"Window **{format_shape((v['pk'], v['pk']))}** · stride **{v['ps']}**  \n" if present else ""
    st.markdown(f"{window}Input: **{format_shape(conv_out)}** (the convolution's output)  \nOutput height: `{fh}`  \n"
                f"Output width: `{fw}`  \n"
                f"Output shape: **{format_shape((H, W, cf))}** (each map pooled on its own)")
    st.markdown("#### Parameters: `0` (max or average is a fixed rule: nothing to learn)")


def compare_ui(present: bool) -> CompareState:
    """A convolutional layer against a fully connected one between the same sizes; returns their numbers."""
    st.caption("The same input and output sizes, two ways to connect them. The fully connected layer "
               "treats the input as one long vector.")
    with presenter_hidden("compare_sizes"):
        c = int_inputs("sc_", [("vh", "Input height", 1, 512), ("vw", "Input width", 1, 512),
                               ("vc", "Channels", 1, 64), ("vk", "Filter size", 1, 512), ("vf", "Filters", 1, 512)])
    if present:
        st.markdown(f"Input **{format_shape((c['vh'], c['vw'], c['vc']))}** · **{c['vf']}** filters of "
                    f"**{format_shape((c['vk'], c['vk'], c['vc']))}**")
    try:
        conv = Conv2D(c["vf"], c["vk"]).apply((c["vh"], c["vw"], c["vc"]))
        n_in, n_out = c["vh"] * c["vw"] * c["vc"], conv.memory_bytes // 4
        dense = Dense(n_out).apply((n_in,))
        a, b = st.columns(2)
        a.markdown(f"**Convolutional** ({format_shape_chain([(c['vh'], c['vw'], c['vc']), conv.output_shape])})"
                   f"\n\n#### `{conv.formula}`")
        b.markdown(f"**Fully connected** ({format_count(n_in)} → {format_count(n_out)} numbers)"
                   f"\n\n#### `{dense.formula}`")
        times = format_count(round(dense.params / conv.params))
        st.markdown(f"The fully connected layer needs **{times} times** as many parameters: "
                    "each output of the convolution sees only a small window, and every window reuses the same filter.")
    except ValueError as exc:
        ui.show_errors([f"This convolution does not fit its input: {as_clause(exc)}"], kept="")
    with presenter_hidden("compare_drawing"):
        g = int_inputs("sc_", [("gn", "Inputs in the picture", 3, 10), ("gk", "Filter width", 1, 4)],
                       st.columns(4)[:2])
    if g["gk"] <= g["gn"]:
        st.plotly_chart(conv_vs_dense_figure(g["gn"], g["gk"], projecting(present)),
                        config={"displayModeBar": False}, key="sc_graph")
        st.caption("A 1-D convolution (stride 1) and a dense layer between the same nodes. Each style of line is "
                   "one weight of the filter, reused at every position; the dense layer has a weight per line.")
    else:
        ui.show_errors(["The filter is wider than the input: draw more inputs or a narrower filter."], kept="")
    return CompareState(**c, **g)


def _sizes(rows: str, cols: str) -> str:
    """An output-size formula for both axes, or for rows and columns when they differ."""
    return f"`{rows}` on both axes" if rows == cols else f"rows `{rows}`, columns `{cols}`"


def _does_not_fit(what: str, exc: ValueError) -> None:
    ui.show_errors([f"This {what} does not fit: {as_clause(exc)}"], kept="")


def relatives_ui(present: bool) -> RelativesState:
    """Grouped and depthwise, depthwise-separable, 1x1, transposed and 1-D convolutions between the same channels:
    each one's output size and parameters, written out; returns their numbers.

    In the presenter view the number boxes are hidden and the numbers are written above the formulas, in two columns.
    """
    st.caption("The same filters wired differently, between the same channels: each one's output size and how many "
               "numbers it learns.")
    with presenter_hidden("relatives_sizes"):
        v = int_inputs("sc_", [("rh", "Input height H", 1, 10_000), ("rw", "Input width W", 1, 10_000),
                               ("rc", "Channels in C", 1, 10_000), ("rf", "Filters F (channels out)", 1, 10_000)])
        v |= int_inputs("sc_", [("rk", "Filter size k", 1, 10_000), ("rs", "Stride", 1, 10_000),
                                ("rp", "Padding", 0, 10_000), ("rg", "Groups", 1, 10_000)])
    h, w, c, f, k, s, p = (v[n] for n in ("rh", "rw", "rc", "rf", "rk", "rs", "rp"))
    if present:
        st.markdown(f"Input **{format_shape((h, w, c))}** · **{f}** filters · filter size **{k}** · stride **{s}** · "
                    f"padding **{p}**")
    left, right = st.columns(2, gap="large") if present else (st.container(), st.container())
    try:
        size = _sizes(conv_output_formula(h, k, s, p), conv_output_formula(w, k, s, p))
        out = (conv_output_size(h, k, s, p), conv_output_size(w, k, s, p))
    except ValueError as exc:
        with left:
            _does_not_fit("convolution", exc)
        size = out = None
    with left:
        _grouped(v, size, out)
        _separable(v, size, out)
        _pointwise(v)
    with right:
        v |= _transposed(v, present)
        v |= _conv1d(v)
    return RelativesState(**v)


def _grouped(v: dict, size: str | None, out: tuple[int, int] | None) -> None:
    """A grouped convolution: each filter spans its group's channels only."""
    c, f, k, g = v["rc"], v["rf"], v["rk"], v["rg"]
    st.subheader("Grouped and depthwise")
    try:
        as_groups(g, c, f)
    except ValueError as exc:
        _does_not_fit(f"grouped convolution ({g} groups)", exc)
        return
    if size is not None:
        st.markdown(f"Output size: {size} → **{format_shape((*out, f))}**, as the ordinary convolution's")
    st.markdown(f"#### Parameters: `{conv_param_formula(k, k, c, f, groups=g)}`")
    depthwise = " It is depthwise when the groups are the channels, one group per channel." if g < c else (
        " It is depthwise: one group per channel.")
    st.caption(f"The {c} channels and the {f} filters split into {g} groups; each filter spans only the "
               f"{c // g} channels of its group ({c} / {g}), so the layer has 1/{g} of the ordinary convolution's "
               f"weights.{depthwise}")


def _separable(v: dict, size: str | None, out: tuple[int, int] | None) -> None:
    """Depthwise-separable: a depthwise convolution, one filter per channel, then a 1x1 convolution across them."""
    c, f, k = v["rc"], v["rf"], v["rk"]
    depthwise, pointwise = conv_param_count(k, k, c, c, groups=c), conv_param_count(1, 1, c, f)
    standard = conv_param_count(k, k, c, f)
    st.subheader("Depthwise-separable")
    shapes = f" → {format_shape((*out, c))}" if out else ""
    st.markdown(f"Depthwise {format_shape((k, k))}, one filter per channel: `{conv_param_formula(k, k, c, c, groups=c)}`"
                f"{shapes}  \nPointwise 1x1, {c} → {f} channels: `{conv_param_formula(1, 1, c, f)}`"
                + (f" → {format_shape((*out, f))}" if out else ""))
    st.markdown(f"#### Parameters: `{format_count(depthwise)} + {format_count(pointwise)} = "
                f"{format_count(depthwise + pointwise)}`")
    times = standard / (depthwise + pointwise)
    st.markdown(f"against `{conv_param_formula(k, k, c, f)}` for the standard {format_shape((k, k))} convolution from "
                f"{c} to {f} channels: **{format_fixed(times, 1)} times** as many.")
    st.caption("The depthwise part filters each channel on its own; the pointwise part mixes the channels at each "
               "pixel. MobileNet is built of these.")


def _pointwise(v: dict) -> None:
    """A 1x1 convolution: a weighted sum of the channels at each pixel."""
    h, w, c, f = v["rh"], v["rw"], v["rc"], v["rf"]
    st.subheader("1x1")
    st.markdown(f"Output size: {_sizes(conv_output_formula(h, 1), conv_output_formula(w, 1))} → "
                f"**{format_shape((h, w, f))}**")
    st.markdown(f"#### Parameters: `{conv_param_formula(1, 1, c, f)}`")
    st.caption(f"A weighted sum of the {c} channels at each pixel, {f} times: it changes the depth, not the height "
               "and width (GoogLeNet's and ResNet's bottlenecks).")


def _transposed(v: dict, present: bool) -> dict:
    """A transposed convolution from C to F channels: its own stride, padding and output padding (written above its
    formulas in the presenter view)."""
    h, w, c, f, k = v["rh"], v["rw"], v["rc"], v["rf"], v["rk"]
    st.subheader("Transposed")
    with presenter_hidden("relatives_transposed"):
        t = int_inputs("sc_", [("ts", "Stride", 1, 10_000), ("tp", "Padding", 0, 10_000),
                               ("op", "Output padding", 0, 10_000)], st.columns(4)[:3])
    try:
        rows = conv_transpose_output_formula(h, k, t["ts"], t["tp"], t["op"])
        cols = conv_transpose_output_formula(w, k, t["ts"], t["tp"], t["op"])
        out = (conv_transpose_output_size(h, k, t["ts"], t["tp"], t["op"]),
               conv_transpose_output_size(w, k, t["ts"], t["tp"], t["op"]))
    except ValueError as exc:
        _does_not_fit("transposed convolution", exc)
        return t
    settings = f"Stride **{t['ts']}** · padding **{t['tp']}** · output padding **{t['op']}**  \n" if present else ""
    st.markdown(f"{settings}Output size: {_sizes(rows, cols)} → **{format_shape((*out, f))}**")
    st.markdown(f"#### Parameters: `{conv_param_formula(k, k, c, f)}`")
    st.caption(f"The same count as the convolution from {c} to {f} channels: each input cell stamps the filter "
               f"onto the output, {t['ts']} cells after its neighbour's stamp, so stride 2 doubles the size "
               "(segmentation's upsampling).")
    page = ui.ROOT / "pages" / "transposed.py"
    if page.exists():
        with presenter_hidden("relatives_link"):
            ui.page_link(page, "Step through a transposed convolution →", icon=":material/open_in_full:")
    return t


def _conv1d(v: dict) -> dict:
    """A 1-D convolution over a sequence of L steps with C channels."""
    c, f, k, s, p = v["rc"], v["rf"], v["rk"], v["rs"], v["rp"]
    st.subheader("1-D")
    with presenter_hidden("relatives_1d"):
        one = int_inputs("sc_", [("rl", "Sequence length L", 1, 1_000_000)], st.columns(4)[:1])
    L = one["rl"]
    try:
        size = conv_output_formula(L, k, s, p)
    except ValueError as exc:
        _does_not_fit("1-D convolution", exc)
        return one
    st.markdown(f"Input **{format_shape((L, c))}** (L steps, C channels)  \nOutput length: `{size}` → "
                f"**{format_shape((conv_output_size(L, k, s, p), f))}**")
    st.markdown(f"#### Parameters: `({format_product(k, c)} + 1){TIMES}{f} = "
                f"{format_count(conv_param_count(1, k, c, f))}`")
    st.caption(f"Each filter spans {k} steps and all {c} channels, and slides along the sequence (a sentence's word "
               "vectors, a time series): the 2-D count with a filter one row high.")
    return one


def builder_tab_ui(present: bool) -> BuilderState:
    """Stack layers in a table and see the network: totals, a drawing and its per-layer table.

    In the presenter view the presets and the editor are hidden: the network as built is shown large.
    """
    st.caption("Stack layers and see each one's output shape, parameters and the float32 memory of its output. "
               "Add rows at the bottom of the table; select rows to delete them.")
    with presenter_hidden("builder_editor"):
        builder_presets_ui()
        shape, layers, errors = builder_ui()
    ui.show_errors(errors, kept="The table below is the last network that could be read.")
    if not layers:
        st.info("Add a layer to the table to start.")
    else:
        try:
            net = build_network(shape, layers)
        except LayerError as exc:
            n = exc.index - 1
            ui.show_errors([str(exc)], kept=f"The table shows the {n} layers before it." if n > 1 else
                           "The table shows the layer before it." if n == 1 else "")
            net = Network(shape, exc.rows)
        network_totals_ui(net)
        network_drawing_ui(net, layers, present)
        network_table_ui(table_records(net), present)
    return builder_state()
