"""A CNN that learns: train a small CNN on handwritten digits, then follow one digit through every layer."""
from dataclasses import replace

import streamlit as st

from cnnviz import ui
from cnnviz.grids import grid_to_text
from cnnviz.ui import learn as ui_learn

ui.through_app()

st.title("A CNN that learns")
st.markdown(
    "Filters, the weights of the fully connected layer and the biases are **learned**: stochastic gradient "
    "descent lowers the cross-entropy loss, a few digits at a time. The network reads the UCI handwritten "
    "digits (8x8 cells, 0..16): **convolution (3x3 filters) → ReLU → 2x2 max pooling → dense → softmax**."
)

state, fresh, warnings = ui_learn.URL.load()
ui.show_warnings(warnings)
ui_learn.URL.seed(state, fresh)
with st.sidebar:
    st.markdown("**Training settings**")
    state = replace(state, **ui_learn.settings_ui())

run = ui_learn.train_ui(state)
digit_box = st.container()  # the digit is chosen below, but its maps show while training
if run is None or not run.done:
    with digit_box:
        st.subheader("A digit to follow")
        state, digit, draw_errors = ui_learn.digit_ui(state, fresh)
        ui.show_errors(draw_errors, kept="The last drawing is still used.")
    if run is not None:
        ui_learn.progress_ui(state, run, digit)
    ui_learn.URL.save(state)
    st.stop()

ui_learn.progress_ui(state, run, None)  # the curves of the finished run, no polling
st.subheader("The filters, epoch by epoch")
filters_box = st.container()
st.subheader("Follow one digit through every layer")
state, digit, draw_errors = ui_learn.digit_ui(state, fresh)
ui.show_errors(draw_errors, kept="The last drawing is still used.")
with filters_box:
    state = ui_learn.epochs_ui(state, fresh, run, digit)
if not digit.any():
    st.info("Draw a digit on the canvas: its layers, scores and probabilities appear here.", icon=":material/draw:")
else:
    kept = ui.last_valid("learn_digit_view",
                         lambda: ui_learn.digit_view(ui_learn.settings_key(state), grid_to_text(digit)))
    ui.show_errors(kept.errors, kept="The last valid digit is still shown." if kept.value else "")
    if kept.value is not None:
        ui_learn.layers_ui(kept.value)
    st.subheader("Open a learned filter in the Convolution player")
    ui_learn.conv_links_ui(run, digit)
ui_learn.inspection_ui(state)
ui_learn.URL.save(state)
