"""How a filter learns: the backward pass stepped through in the lecture's notation, then gradient descent."""
from dataclasses import replace

import streamlit as st

from cnnviz import ui
from cnnviz.ui import backward as ui_bw, widgets as ui_widgets

ui.through_app()

state, fresh, warnings = ui_bw.URL.load()
ui_bw.URL.seed(state, fresh)
ui_widgets.page_intro(
    "How a filter learns",
    "The backward pass: how a change in each weight, and in each input cell, moves the loss. Each weight's "
    "gradient sums the input cells it lay on, each times the map's gradient there; each input cell's gradient "
    "sums the weights that lay on it, times the map's gradient of their window. Then gradient descent uses them: "
    "W ← W − η·dL/dW."
)
ui.show_warnings(warnings)
with st.sidebar:
    st.markdown("**The forward pass and its loss**")
    state = replace(state, **ui_bw.settings_ui(state, fresh))
present = ui_widgets.presenter_view(state.present, "bw_present")  # also while a student follows a room

state = replace(state, part=ui_bw.part_ui())
kept = ui.last_valid("bw", lambda: ui_bw.backward(state))
ui.show_errors(kept.errors, kept="The last valid gradients are still shown." if kept.value else "")
if kept.value is not None:
    view = kept.value
    ui_widgets.show_player(view.data, key="bw_player", step=state.step, present=present)
    with st.container(key="player_notes"):  # hidden in the presenter view
        st.caption(
            "Keys anywhere on the page: space plays or pauses, ← → step, Home/End jump. Hover a cell of "
            + ("dL/dW to see the input cells that weight lay on; the strip in each shows dL/dmap there."
               if state.part == "w" else
               "dL/dX to see the rotated filter over dL/dmap spread back to the input's spacing: the zeros between "
               "and around stand where no window was. This is the full convolution of dL/dmap with the filter "
               "rotated 180°.")
            + " The link keeps the step you stop on.")
        if view.note:
            st.caption(view.note)

if kept.value is not None and not present:
    st.subheader("The forward pass and its gradients")
    st.markdown(view.loss_line)
    ui.html(view.grids)
    st.markdown(view.bias_line + " (the bias lies on every position with weight 1)")
    st.subheader("One step of gradient descent, as numbers")
    st.markdown("Each weight moves against its gradient, the bias too: W ← W − η·dL/dW and b ← b − η·dL/db.")
    state = replace(state, rate=ui_bw.rate_ui())
    ui_bw.sgd_step_ui(view, state.rate)

if not present:
    # Closed until asked for: its animated figure (a frame a step) is the page's largest element, and every
    # rerun would send it again.
    part = st.expander("**Learn the filter back from its map**: gradient descent, step by step",
                       icon=":material/trending_down:", key="bw_descent", on_change="rerun")
    if part.open:
        with part:
            st.markdown("Forget the filter and keep only the map it made: starting from zeros (or random whole "
                        "numbers), plain gradient descent on L = ½ Σ (map − target)² looks for a filter that makes "
                        "it again. Press ▶ Play, or drag the slider to step.")
            state = replace(state, **ui_bw.descent_settings_ui())
            ui_bw.descent_ui(state)
    state = replace(state, descent=bool(part.open))
ui_bw.URL.save(state)
