"""A CNN that learns: train a small CNN on handwritten digits, then follow one digit through every layer."""
from dataclasses import replace

import streamlit as st

from cnnviz import ui
from cnnviz.ui import learn as ui_learn, widgets as ui_widgets

ui.through_app()

with ui_widgets.presenter_hidden("intro"):
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
    state = replace(state, **ui_learn.settings_ui(), present=ui_widgets.presenter_toggle("learn_present"))
present = ui_widgets.presenter_view(state.present, "learn_present", follow=False)

run = ui_learn.train_ui(state)
if present and run is not None:  # the curves, the filters and the digit's answer, large
    ui_learn.URL.save(ui_learn.present_ui(state, fresh, run))
    st.stop()
if run is None or not run.done:  # the digit first: its maps show while training
    st.subheader("A digit to follow")
    state, digit, draw_errors, _ = ui_learn.digit_ui(state, fresh)
    ui.show_errors(draw_errors, kept="The last drawing is still used.")
    if run is not None:
        ui_learn.progress_ui(state, run, digit)
    ui_learn.URL.save(state)
    st.stop()

ui_learn.progress_ui(state, run, None)  # the curves of the finished run, no polling
ui_learn.explore_ui(state, fresh, run)  # a fragment: moving through epochs and digits reruns only it
ui_learn.inspection_ui(state)
