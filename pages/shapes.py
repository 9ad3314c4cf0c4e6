"""Shapes & parameters: a layer calculator, convolutional against fully connected, and a network builder."""
import streamlit as st

from cnnviz import ui
from cnnviz.kernel.notation import format_count, format_product, format_shape, format_shape_chain
from cnnviz.kernel.shapes import conv_output_formula, dense_param_formula, pool_output_formula, pool_output_size
from cnnviz.lecture.layers import Conv2D, Dense, LayerError, Network, as_clause, build_network, table_records
from cnnviz.ui import shapes as ui_shapes

ui.through_app()

SIZE = [("h", "Input height H", 1, 10_000), ("w", "Input width W", 1, 10_000), ("c", "Channels C", 1, 10_000)]

st.title("Shapes & parameters")
ui.show_warnings(ui_shapes.load_state())
(calc_tab, compare_tab, builder_tab), open_tab = ui_shapes.tabs_ui("st_", ui_shapes.TABS)
ui_shapes.TAB_URL.save(ui_shapes.TabState(open_tab))


# Each tab is a page fragment: a change inside one reruns only that tab (cheaper for a whole class).
@ui.page_fragment
def calculator():
    st.caption("One layer at a time: its output shape and how many numbers it learns.")
    v = ui_shapes.int_inputs("sc_", SIZE)
    st.subheader("Convolutional layer")
    v |= ui_shapes.int_inputs("sc_", [("k", "Filter size", 1, 10_000), ("f", "Number of filters", 1, 10_000),
                               ("s", "Stride", 1, 10_000), ("p", "Padding", 0, 10_000)])
    conv_out = None  # what the pooling layer below pools
    try:
        row = Conv2D(v["f"], v["k"], v["s"], v["p"]).apply((v["h"], v["w"], v["c"]))
        H, W, F = conv_out = row.output_shape
        st.markdown(f"Output height: `{conv_output_formula(v['h'], v['k'], v['s'], v['p'])}`  \n"
                    f"Output width: `{conv_output_formula(v['w'], v['k'], v['s'], v['p'])}`  \n"
                    f"Output shape: **{format_shape((H, W, F))}** "
                    f"(one {format_shape((H, W))} activation map per filter)")
        st.markdown(f"#### Parameters: `{row.formula}`")
        st.caption(f"Each filter has {format_product(v['k'], v['k'], v['c'])} weights "
                   f"(it spans all {v['c']} input channels) and 1 bias. The output takes "
                   f"{format_count(H * W * F)} float32 numbers = {format_count(row.memory_bytes)} bytes per image.")
    except ValueError as exc:
        ui.show_errors([f"This convolution does not fit its input: {as_clause(exc)}"], kept="")
    st.subheader("Pooling layer")
    st.caption("It pools the convolution's output above, each activation map on its own.")
    v |= ui_shapes.int_inputs("sc_", [("pk", "Window size", 1, 10_000), ("ps", "Stride", 1, 10_000)],
                       st.columns(4)[:2])
    if conv_out is None:
        st.info("The pooling layer pools the convolution's output: make the convolution fit first.")
    else:
        ch, cw, cf = conv_out
        try:
            fh, fw = pool_output_formula(ch, v["pk"], v["ps"]), pool_output_formula(cw, v["pk"], v["ps"])
            H, W = pool_output_size(ch, v["pk"], v["ps"]), pool_output_size(cw, v["pk"], v["ps"])
            st.markdown(f"Input: **{format_shape(conv_out)}** (the convolution's output)  \nOutput height: `{fh}`  \n"
                        f"Output width: `{fw}`  \n"
                        f"Output shape: **{format_shape((H, W, cf))}** (each map pooled on its own)")
            st.markdown("#### Parameters: `0` (max or average is a fixed rule: nothing to learn)")
        except ValueError as exc:
            ui.show_errors([f"This pooling layer does not fit its input ({format_shape(conv_out)}): {as_clause(exc)}"],
                           kept="")
    st.subheader("Dense (fully connected) layer")
    v |= ui_shapes.int_inputs("sc_", [("dn", "Inputs", 1, 100_000), ("do", "Outputs", 1, 100_000)], st.columns(4)[:2])
    st.markdown(f"#### Parameters: `{dense_param_formula(v['dn'], v['do'])}`")
    st.caption("Every input is joined to every output (inputs×outputs weights), plus one bias per output.")
    ui_shapes.CALC_URL.save(ui_shapes.CalcState(**v))


@ui.page_fragment
def compare():
    st.caption("The same input and output sizes, two ways to connect them. The fully connected layer "
               "treats the input as one long vector.")
    c = ui_shapes.int_inputs("sc_", [("vh", "Input height", 1, 512), ("vw", "Input width", 1, 512),
                              ("vc", "Channels", 1, 64), ("vk", "Filter size", 1, 512), ("vf", "Filters", 1, 512)])
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
    g = ui_shapes.int_inputs("sc_", [("gn", "Inputs in the picture", 3, 10), ("gk", "Filter width", 1, 4)],
                      st.columns(4)[:2])
    if g["gk"] <= g["gn"]:
        st.plotly_chart(ui_shapes.conv_vs_dense_figure(g["gn"], g["gk"]), config={"displayModeBar": False},
                        key="sc_graph")
        st.caption("A 1-D convolution (stride 1) and a dense layer between the same nodes. Each style of line is "
                   "one weight of the filter, reused at every position; the dense layer has a weight per line.")
    else:
        ui.show_errors(["The filter is wider than the input: draw more inputs or a narrower filter."], kept="")
    ui_shapes.COMPARE_URL.save(ui_shapes.CompareState(**c, **g))


@ui.page_fragment
def builder():
    st.caption("Stack layers and see each one's output shape, parameters and the float32 memory of its output. "
               "Add rows at the bottom of the table; select rows to delete them.")
    ui_shapes.builder_presets_ui()
    shape, layers, errors = ui_shapes.builder_ui()
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
        ui_shapes.network_totals_ui(net)
        ui_shapes.network_drawing_ui(net, layers)
        ui_shapes.network_table_ui(table_records(net))
    ui_shapes.BUILDER_URL.save(ui_shapes.builder_state())


# Only the open tab runs (switching tabs reruns the page).
with {"calc": calc_tab, "compare": compare_tab, "builder": builder_tab}[open_tab]:
    {"calc": calculator, "compare": compare, "builder": builder}[open_tab]()
