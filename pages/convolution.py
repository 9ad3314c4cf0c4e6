"""Convolution: type into the input and the filter, watch each dot product fill the activation map."""
from dataclasses import replace

import streamlit as st

from cnnviz import ui
from cnnviz.ui import convolution as ui_conv, widgets as ui_widgets
from cnnviz.lecture.presets import FILTER_PRESETS, LECTURE_FILTER, LECTURE_INPUT

ui.through_app()

state, fresh, warnings = ui_conv.URL.load()
ui_conv.URL.seed(state, fresh)
ui_widgets.page_intro(
    "Convolution",
    "The filter slides over the input; at each position its weights multiply the values under it and the "
    "products are summed (+ bias): one number of the activation map. This is cross-correlation, what CNNs "
    "call convolution: the filter is not flipped. Click a cell of the input or the filter to type a number."
)
ui.show_warnings(warnings)

INPUT = ui_widgets.GridSlot("conv_input", "Input", sides=ui_conv.LIMITS["input"], random_range=(0, 5))
FILTER = ui_widgets.GridSlot("conv_filter", "Filter", sides=ui_conv.LIMITS["filter"], random_range=(-2, 2),
                             presets=FILTER_PRESETS)
GRIDS = {"in": INPUT, "flt": FILTER}
ui_widgets.grid_value(INPUT.key, LECTURE_INPUT, state.input if "input" in fresh else None)
ui_widgets.grid_value(FILTER.key, LECTURE_FILTER, state.filter if "filter" in fresh else None)
with st.sidebar:
    st.markdown("**Convolution settings**")
    state = replace(state, **ui_conv.settings_ui())
present = ui_widgets.presenter_view(state.present, "conv_present")  # also while a student follows a room


# The player and its grids: a cell typed in, or a grid's tools under the player, rerun this part alone.
@ui.page_fragment
def player_area(state: ui_conv.ConvState, present: bool) -> None:
    if ui.fragment_rerun():
        state = ui_conv.URL.load()[0]
    ui_widgets.apply_edit("conv_player", GRIDS)
    state = replace(state, input=ui_widgets.grid_value(INPUT.key), filter=ui_widgets.grid_value(FILTER.key))

    col_play, col_tools = st.columns([3, 1], gap="medium") if not present else (st.container(), st.container())
    with col_play:
        kept = ui.last_valid("conv", lambda: ui_conv.convolve(state), stand_in=ui_conv.first_example)
        if present and kept.value is not None:  # the settings the sidebar holds, and the output size they give
            st.markdown(kept.value.settings_line)
        if kept.value is not None:
            ui_widgets.show_player(kept.value.data, key="conv_player", step=state.step, present=present,
                                   ack=ui_widgets.edit_ack("conv_player"), tools=GRIDS)
    with col_tools:
        for slot in (INPUT, FILTER):
            ui.show_errors(ui_widgets.grid_errors(slot.key),
                           kept=f"The last valid {slot.label.lower()} is still used.")
        ui.show_errors(kept.errors, kept="The player shows the lecture's example until they fit; the tools under it "
                       "resize your grids." if kept.stand_in else "The last valid activation map is still shown.")
    with col_tools, st.container(key="player_tools"):  # hidden in the presenter view
        if kept.ok:
            st.markdown(kept.value.size_line)
        st.caption("The tools under the player resize, randomise, clear or load a preset. Keys anywhere on the "
                   "page: space plays or pauses, ← → (or PageUp/PageDown) step, Home/End jump. Hover an output cell "
                   "to see the window that made it. The link keeps the step you stop on.")
        if kept.value is not None:
            ui_conv.pool_link(state, kept.value.amap)
            if kept.ok:
                ui_conv.slides_ui(state)
        ui_conv.relatives_links()
    ui_conv.URL.save(state)


player_area(state, present)
