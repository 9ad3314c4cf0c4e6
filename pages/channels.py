"""RGB filters and filter banks: a filter spans every channel; several filters stack their maps into a volume."""
from dataclasses import replace

import streamlit as st

from cnnviz import ui
from cnnviz.ui import channels as ui_chan, export as ui_export, widgets as ui_widgets

ui.through_app()

state, fresh, warnings = ui_chan.URL.load()
ui_chan.URL.seed(state, fresh)
ui_widgets.page_intro(
    "RGB filters and filter banks",
    "Filters always extend the full depth of the input volume: a 3x3x3 filter on an RGB input is three 3x3 "
    "slices, one per channel. Each slice makes a dot product with its own channel; the three partial sums "
    "plus one bias give one number of the activation map. Several filters give several maps, stacked into "
    "the output volume."
)
ui.show_warnings(warnings)
with st.sidebar:
    state = replace(state, present=ui_widgets.presenter_toggle("chan_present"))
present = ui_widgets.presenter_view(state.present, "chan_present")  # also while a student follows a room


# Below the title: a setting, a click on a map of the output volume or a step reruns this part alone.
@ui.page_fragment
def body(state: ui_chan.ChannelsState, fresh: set[str], present: bool) -> None:
    if ui.fragment_rerun():
        state, fresh, _ = ui_chan.URL.load()
    with st.container(key="player_tools"), ui_widgets.folded_on_phone("Example, filter, stride and padding"):
        state = ui_chan.settings_ui(state, fresh)  # hidden in the presenter view

    kept = ui.last_valid("chan", lambda: ui_chan.view(state))
    ui.show_errors(kept.errors, kept="The last valid activation map is still shown." if kept.value else "")
    if kept.value is not None:
        view = kept.value
        with st.container(key="page_numbers"):
            st.markdown(ui_chan.numbers_line(state, view))
        ui_widgets.show_player(view.data, key="chan_player", step=state.step, present=present)
        with st.container(key="player_notes"):
            with ui_widgets.folded_on_phone("How to read the player"):
                st.caption("The window covers the same cells of every channel, each with that channel's slice of "
                           "the filter; under each pair, that channel's partial sum; the map adds them and the bias. "
                           "Click a map of the output volume to step through its filter. Keys anywhere on the page: "
                           "space plays or pauses, ← → step, Home/End jump.")
            ui_export.slides_box(lambda: view.spec, lambda: ui_chan.code_settings(state), key="chan_slides",
                                 name=f"cnnviz-rgb-{view.key}", step=state.step)
    ui_chan.URL.save(state)


body(state, fresh, present)
