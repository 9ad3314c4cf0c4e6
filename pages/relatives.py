"""Convolution's relatives: 1x1, grouped and depthwise, and 1-D convolution, each in the step player."""
from dataclasses import replace

import streamlit as st

from cnnviz import ui
from cnnviz.ui import relatives as ui_rel, widgets as ui_widgets

ui.through_app()

state, fresh, warnings = ui_rel.URL.load()
ui_rel.URL.seed(state, fresh)
ui_widgets.page_intro(
    "Convolution's relatives",
    "The same sliding dot product in three other shapes. A 1x1 convolution weighs the channels at each pixel "
    "(GoogLeNet and ResNet use it to change the depth); a grouped convolution splits the channels into groups and "
    "each filter sees only its own group's (depthwise when every channel is a group, as in MobileNet); a 1-D "
    "convolution slides along a sequence, here a real time series."
)
ui.show_warnings(warnings)
with st.sidebar:
    state = replace(state, present=ui_widgets.presenter_toggle("rel_present"))
present = ui_widgets.presenter_view(state.present, "rel_present")  # also while a student follows a room

before = ui_rel.settings_key(state)
shown = ui_rel.part_ui(state)
with st.container(key="player_tools"), ui_widgets.folded_on_phone("Settings of this part"):
    shown = ui_rel.settings_ui(shown, fresh, switched=shown.part != state.part)  # hidden in the presenter view
state = shown if ui_rel.settings_key(shown) == before else replace(shown, step=None)

kept = ui.last_valid(f"rel_{state.part}", lambda: ui_rel.view(state))
ui.show_errors(kept.errors, kept="The last valid result is still shown." if kept.value else "")
if kept.value is not None:
    view = kept.value
    with st.container(key="rel_line"):
        st.markdown(view.line)
    ui_widgets.show_player(view.data, key=ui_rel.player_key(state), step=state.step, present=present)
    with st.container(key="player_notes"):  # hidden in the presenter view
        with ui_widgets.folded_on_phone("How to read the player"):
            st.caption(ui_rel.reading_note(state.part))
        for note in view.notes:
            st.markdown(note)

if kept.value is not None and kept.value.figure is not None and not present:
    st.subheader("The series and its output")
    st.plotly_chart(kept.value.figure, width="stretch", config={"displayModeBar": False}, key="rel_series_chart")
    st.caption(kept.value.figure_note)
ui_rel.URL.save(state)
