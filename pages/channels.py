"""RGB filters and filter banks: a filter spans every channel; several filters stack their maps into a volume."""
import streamlit as st

from cnnviz import ui
from cnnviz.ui import channels as ui_chan, export as ui_export, widgets as ui_widgets

ui.through_app()

st.title("RGB filters and filter banks")
st.caption(
    "Filters always extend the full depth of the input volume: a 3x3x3 filter on an RGB input is three 3x3 "
    "slices, one per channel. Each slice makes a dot product with its own channel; the three partial sums "
    "plus one bias give one number of the activation map. Several filters give several maps, stacked into "
    "the output volume."
)

state, fresh, warnings = ui_chan.URL.load()
ui.show_warnings(warnings)
ui_chan.URL.seed(state, fresh)
state = ui_chan.settings_ui(state, fresh)

kept = ui.last_valid("chan", lambda: ui_chan.view(state))
ui.show_errors(kept.errors, kept="The last valid activation map is still shown." if kept.value else "")
if kept.value is not None:
    view = kept.value
    st.markdown(ui_chan.numbers_line(state, view))
    st.subheader(f"Filter {view.spec.bank_index + 1}, window by window")
    ui_widgets.show_player(view.data, key="chan_player", step=state.step)
    st.caption("The window covers the same cells of every channel, each with that channel's slice of the filter; "
               "the sum under it adds every channel's partial sum and the bias. Keys anywhere on the page: space "
               "plays or pauses, ← → step, Home/End jump.")
    st.subheader("The output volume: one activation map per filter")
    st.html(view.bank)
    ui_export.slides_box(lambda: view.spec, lambda: ui_chan.code_settings(state), key="chan_slides",
                         files_key=view.key, name=f"cnnviz-rgb-{view.key}", step=state.step)

ui_chan.URL.save(state)
