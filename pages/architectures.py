"""Architectures: the lecture's famous networks, layer by layer, each layer's receptive field, and its table as a
picture."""
import streamlit as st

from cnnviz import ui
from cnnviz.ui import architectures as ui_arch, shapes as ui_shapes, widgets as ui_widgets
from cnnviz.lecture.architectures import ARCHITECTURES
from cnnviz.kernel.notation import format_bytes, format_count, format_fixed, format_number, format_shape

ui.through_app()

with ui_widgets.presenter_hidden("title"):
    st.title("Architectures")
state, fresh, warnings = ui_arch.URL.load()
ui.show_warnings(warnings)
ui_arch.URL.seed(state, fresh)
with st.sidebar:
    presenting = ui_widgets.presenter_toggle("sa_present")
present = ui_widgets.presenter_view(presenting, "sa_present", follow=False)

with ui_widgets.presenter_hidden("controls"):
    a, b = st.columns([2, 1], vertical_alignment="bottom")
    key = a.selectbox("Network", list(ARCHITECTURES), format_func=lambda k: ARCHITECTURES[k].name, key="sa_arch")
    expand = b.toggle("Show the layers inside each block", key="sa_open")
arch = ARCHITECTURES[key]

st.markdown(f"**{arch.name}** ({arch.years}), input {format_shape(arch.input_shape)}. {arch.about}")
m1, m2, m3, m4 = st.columns(4)
m1.metric("Parameters", format_count(arch.total_params))
m2.metric("Size (4 B × params)", f"{format_fixed(arch.size_mb, 1)} MB",
          help="float32 weights: 4 bytes per parameter; MB = 10^6 bytes.")
if arch.lecture:
    m3.metric("The lecture's size", f"{format_number(arch.lecture.size_mb)} MB",
              help="The lecture's column 'Size (M)'.")
    m4.metric("Top-1 / top-5 error (%)", f"{format_fixed(arch.lecture.top1, 2)} / {format_fixed(arch.lecture.top5, 2)}",
              help=f"{arch.lecture.depth} layers: {arch.lecture.description}.")
else:
    m3.metric(ui_shapes.OUTPUTS_LABEL, format_bytes(arch.network.activation_bytes))

clicked = ui_arch.diagram_ui(*ui_arch.network_drawing(key, *ui_arch.drawing_type(present)), key=f"sa_diagram_{key}")

with ui_widgets.presenter_hidden("links"):
    link = ui_arch.builder_link(arch)
    if link:
        ui.page_link("pages/shapes.py", "Open this network in the builder to change its layers", link,
                     icon=":material/construction:")
    else:
        st.caption("The network builder stacks single layers, so this network's blocks stay on this page.")
shown = ui_arch.field_ui(ui_arch.ArchState(key, bool(expand), presenting, state.layer, state.row, state.col),
                         fresh, clicked, present)

has_blocks = any(r.children for r in arch.rows)
if has_blocks and not expand:
    st.caption("Each Inception module or residual block is one row; switch on *Show the layers inside each block* "
               "to open them (branches, batch norm, the concatenation or the addition).")
ui_shapes.network_table_ui(ui_arch.architecture_records(key, bool(expand)), present, heading=True)
st.caption("Parameters are the learned numbers only: batch norm learns 2 per channel (scale γ and shift β); its "
           "running mean and variance are buffers, not parameters. Memory is the float32 output of each layer "
           "for one image.")

st.subheader("The lecture's table")
ui_arch.lecture_table_ui(present)
st.caption("The lecture's \"Size (M)\" column is megabytes: close to 4 bytes per parameter for most networks. "
           "GoogLeNet's 40 MB is larger than the 26.5 MB of the model here (torchvision's, without the two "
           "auxiliary classifiers used in training).")

ui_arch.URL.save(shown)
