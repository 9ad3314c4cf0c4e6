"""Transposed convolution: each input cell stamps the filter, scaled, onto a larger output; and the same as a matrix."""
from dataclasses import replace

import streamlit as st

from cnnviz import ui
from cnnviz.ui import transposed as ui_tr, widgets as ui_widgets

ui.through_app()

state, fresh, warnings = ui_tr.URL.load()
ui_tr.URL.seed(state, fresh)
ui_widgets.page_intro(
    "Transposed convolution",
    "It makes a small grid larger (upsampling in segmentation and in generators): each input cell stamps the filter, "
    "times its value, onto the output, stride cells after its neighbour's stamp, and where stamps overlap they add "
    "up. Padding crops the stamped area. It is the transpose of a convolution's matrix, not its inverse: below the "
    "player, M and M.T."
)
ui.show_warnings(warnings)
with st.sidebar:
    st.markdown("**Transposed convolution settings**")
    state = replace(state, **ui_tr.settings_ui(state, fresh))
present = ui_widgets.presenter_view(state.present, "tr_present")  # also while a student follows a room

kept = ui.last_valid("tr", lambda: ui_tr.transposed(state), stand_in=ui_tr.first_example)
ui.show_errors(kept.errors, kept="The player shows the lecture's example until the settings fit." if kept.stand_in
               else "The last valid output is still shown.")
if kept.value is not None:
    if present:  # the settings the sidebar holds, and the output size they give
        st.markdown(kept.value.settings_line)
    elif kept.ok:
        st.markdown(kept.value.size_line)
    # a phone keeps its own layout in the presenter view: the grids over their sums
    ui_widgets.show_player(kept.value.data, key="tr_player", step=state.step, present=ui_widgets.projecting(present))
    with st.container(key="player_notes"):  # hidden in the presenter view
        st.caption("Keys anywhere on the page: space plays or pauses, ← → (or PageUp/PageDown) step, Home/End jump. "
                   "Hover an input cell to see where it stamps. The link keeps the step you stop on.")
ui_tr.URL.save(state)
