"""Inside the trained network: what excites each neuron, what decides the answer, the challenges, shifts and fields."""
from dataclasses import replace

import streamlit as st

from cnnviz import ui
from cnnviz.ui import inside as ui_inside, learn as ui_learn, widgets as ui_widgets

ui.through_app()

with ui_widgets.presenter_hidden("intro"):
    st.title("Inside the trained network")
    st.markdown(
        "The network of *A CNN that learns*, opened up: the input that excites a neuron most, what decides its "
        "answer for one digit, the lecture's challenges (viewpoint, deformation, illumination, occlusion, clutter) "
        "tried on it, and its patterns: **local, translation-invariant, hierarchical**."
    )

state, fresh, warnings = ui_inside.URL.load()
ui.show_warnings(warnings)
ui_inside.URL.seed(state, fresh)
with st.sidebar:
    ui_inside.network_ui(state)
    state = replace(state, present=ui_widgets.presenter_toggle("inside_present"))
ui_widgets.presenter_view(state.present, "inside_present", follow=False)

run = ui_learn.train_ui(state)  # the run "A CNN that learns" trains: the defaults always, others once asked
if run is None or not run.done:
    if run is not None:
        ui_learn.progress_ui(state, run, None)  # polls until trained, then reruns the page
    ui_inside.URL.save(state)
    st.stop()

state = ui_inside.part_ui(state)
ui_inside.section_ui(state, fresh)  # the part's fragments: each writes the link
