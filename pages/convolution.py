"""Convolution: edit an input and a filter, watch each dot product fill the activation map."""
from dataclasses import replace

import streamlit as st

from cnnviz import ui
from cnnviz.ui import convolution as ui_conv, widgets as ui_widgets
from cnnviz.presets import FILTER_PRESETS, LECTURE_FILTER, LECTURE_INPUT

ui.through_app()

st.title("Convolution")
st.caption(
    "The filter slides over the input; at each position its weights multiply the values under it and the "
    "products are summed (+ bias): one number of the activation map. This is cross-correlation, what CNNs "
    "call convolution: the filter is not flipped."
)

state, fresh, warnings = ui_conv.URL.load()
ui.show_warnings(warnings)
ui_conv.URL.seed(state, fresh)

col_edit, col_play = st.columns([1, 2], gap="medium")
with col_edit:
    x, _ = ui_widgets.grid_editor("Input", "conv_input", LECTURE_INPUT, sides=ui_conv.LIMITS["input"],
                                  random_range=(0, 5), reset_to=state.input if "input" in fresh else None)
    w, _ = ui_widgets.grid_editor("Filter", "conv_filter", LECTURE_FILTER, sides=ui_conv.LIMITS["filter"],
                                  random_range=(-2, 2), presets=FILTER_PRESETS,
                                  reset_to=state.filter if "filter" in fresh else None)
with st.sidebar:
    st.markdown("**Convolution settings**")
    state = replace(state, input=x, filter=w, **ui_conv.settings_ui())

with col_play:
    kept = ui.last_valid("conv", lambda: ui_conv.convolve(state))
    ui.show_errors(kept.errors, kept="The last valid activation map is still shown." if kept.value else "")
    if kept.ok:
        st.markdown(kept.value.size_line)
    if kept.value is not None:
        ui_widgets.show_player(kept.value.html)
        st.caption("Keys: space plays or pauses, ← → step, Home/End jump. Hover an output cell to see the window "
                   "that made it. The link keeps the step you stop on.")
        ui_conv.pool_link(state, kept.value.amap)
        if kept.ok:
            ui_conv.slides_ui(state)

ui_conv.URL.save(state)
