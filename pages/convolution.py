"""Convolution: edit an input and a filter, watch each dot product fill the activation map."""
import streamlit as st

from cnnviz import ui
from cnnviz.ui import convolution as ui_conv, widgets as ui_widgets
from cnnviz.grids import grid_to_text
from cnnviz.presets import FILTER_PRESETS, LECTURE_FILTER, LECTURE_INPUT
from cnnviz.shapes import conv_output_formula

ui.through_app()

WIDGETS = {"stride": "conv_stride", "padding": "conv_padding", "dilation": "conv_dilation",
           "bias": "conv_bias", "relu": "conv_relu"}

st.title("Convolution")
st.caption(
    "The filter slides over the input; at each position its weights multiply the values under it and the "
    "products are summed (+ bias): one number of the activation map. This is cross-correlation, what CNNs "
    "call convolution: the filter is not flipped."
)

url = ui_conv.URL
values, fresh, warnings = url.load()
ui.show_warnings(warnings)
url.seed({**values, "bias": float(values["bias"])}, fresh, WIDGETS)

col_edit, col_play = st.columns([1, 2], gap="medium")
with col_edit:
    x, x_ok = ui_widgets.grid_editor("Input", "conv_input", LECTURE_INPUT, sides=ui_conv.LIMITS["input"],
                                     random_range=(0, 5), reset_to=values["input"] if "input" in fresh else None)
    w, w_ok = ui_widgets.grid_editor("Filter", "conv_filter", LECTURE_FILTER, sides=ui_conv.LIMITS["filter"],
                                     random_range=(-2, 2), presets=FILTER_PRESETS,
                                     reset_to=values["filter"] if "filter" in fresh else None)
with st.sidebar:
    st.markdown("**Convolution settings**")
    settings = ui_conv.settings_ui()

H, W = x.shape
kh, kw = w.shape
s, p, d = settings["stride"], settings["padding"], settings["dilation"]
with col_play:
    try:
        rows, cols = conv_output_formula(H, kh, s, p, d), conv_output_formula(W, kw, s, p, d)
        html, amap = ui_conv.step_player(grid_to_text(x), grid_to_text(w), settings["bias"], settings["relu"],
                                         s, p, d, values["step"])
        st.session_state["conv_last"] = (html, amap)
        axes = f"`{rows}` on both axes" if rows == cols else f"rows `{rows}`, columns `{cols}`"
        st.markdown(f"Output size: {axes} → activation map **{amap.shape[0]} × {amap.shape[1]}**")
    except ValueError as exc:
        last = st.session_state.get("conv_last")
        ui.show_errors([str(exc)], kept="The last valid activation map is still shown." if last else "")
        html, amap = last or (None, None)
    if html is not None:
        ui_widgets.show_player(html)
        st.caption("Keys: space plays or pauses, ← → step, Home/End jump. Hover an output cell to see the window "
                   "that made it. The link keeps the step you stop on.")
        if (ui.ROOT / "pages" / "pooling.py").exists():
            st.page_link(ui.ROOT / "pages" / "pooling.py", label="Pool this activation map →",
                         icon=":material/compress:", query_params={"input": grid_to_text(amap)})

url.save({"input": x, "filter": w, **settings, "step": values["step"]})
