"""Pooling: watch a window shrink activation maps, each map on its own; max beside average."""
from dataclasses import replace

import streamlit as st

from cnnviz import ui
from cnnviz.ui import pooling as ui_pool, widgets as ui_widgets
from cnnviz.kernel.grids import grid_to_text
from cnnviz.kernel.notation import format_shape
from cnnviz.kernel.pool import TIE_RULE

ui.through_app()

state, fresh, warnings = ui_pool.load_state()
ui_widgets.page_intro(
    "Pooling: shrink each activation map on its own",
    "A window slides over an activation map and keeps one number per position: the largest (max pooling) "
    "or the mean (average pooling). It makes the representation smaller and more manageable, and works on "
    "each activation map independently."
)
ui.show_warnings(warnings)
with st.sidebar:
    state = replace(state, present=ui_widgets.presenter_toggle("pool_present"))
present = ui_widgets.presenter_view(state.present, "pool_present")  # also while a student follows a room
MAP = ui_widgets.GridSlot("pool_input", "Activation map", sides=ui_pool.LIMITS["input"], random_range=(0, 9))
ui_widgets.grid_value(MAP.key, ui_pool.DEFAULT_MAP, state.input if "input" in fresh else None)


# Everything below the title: a cell typed in, a tool under the player or a setting reruns this part alone.
@ui.page_fragment
def body(state: ui_pool.PoolState, present: bool) -> None:
    if ui.fragment_rerun():
        state = ui_pool.URL.load()[0]
    ui_widgets.apply_edit("pool_player", {"in": MAP})
    col_play, col_set = st.columns([3, 2], gap="medium") if not present else (st.container(), st.container())
    with col_set, st.container(key="player_tools"):  # hidden in the presenter view
        st.markdown("**Settings**")
        state = replace(state, **ui_pool.settings_ui())
        if state.src == "stack":
            state = replace(state, **ui_pool.stack_ui())
        else:
            ui.show_errors(ui_widgets.grid_errors(MAP.key), kept="The last valid activation map is still used.")
    if state.src == "map":
        x = ui_widgets.grid_value(MAP.key)
        in_shape = x.shape
        with col_set, st.container(key="page_numbers"):
            state = replace(state, origin=ui_pool.origin_ui(state, x))
    else:
        stack = ui_pool.stack_maps(state.side, state.maps)  # (H, W, C)
        x = stack[:, :, state.pick - 1]
        in_shape = stack.shape

    kept = ui.last_valid("pool", lambda: ui_pool.pool(x, in_shape, state), stand_in=ui_pool.first_example)
    with col_play:
        ui.show_errors(kept.errors, kept="The player shows the page's first example until the window fits; the tools "
                       "under it resize your map." if kept.stand_in else "The last valid pooled map is still shown.")
        if kept.value is not None:
            if state.src == "stack":
                st.markdown(f"**Map {state.pick}, window by window**")
            ui_widgets.show_player(kept.value.data, key="pool_player", step=state.step, present=present,
                                   ack=ui_widgets.edit_ack("pool_player"),
                                   tools={"in": MAP} if state.src == "map" else None)
        with st.container(key="player_notes"):  # hidden in the presenter view
            if kept.value is not None:
                st.caption("Keys anywhere on the page: space plays or pauses, ← → step, Home/End jump. Hover an output "
                           "cell to see its window; the link keeps the step you stop on."
                           + (" Click a cell of the map to type a number." if state.src == "map" else ""))
            if kept.value is not None and state.mode == "max":
                st.caption(f"Ties: {TIE_RULE}")

    if kept.value is not None and not present:
        view = kept.value
        ui_pool.numbers_ui(view.in_shape, view.out_shape, view.size, view.stride)

    if state.src == "stack" and not present:
        st.markdown(f"**A stack of {stack.shape[2]} activation maps, {format_shape(stack.shape[:2])} each**")
        st.caption("A handwritten 0 seen through edge filters (then ReLU): one activation map per filter, as a "
                   "convolutional layer makes them. Each map is named after its filter, numbered as in *Animate "
                   f"map*; below it, its pooled map. Pooling never mixes maps: the depth stays {stack.shape[2]}.")
        with st.container(key="pool_stack"):
            ui.html(ui_pool.stack_html(state.side, state.maps, state.size, state.stride, state.mode, state.pick))

    if kept.value is not None and not present:
        st.subheader("Max beside average, same input")
        ui.html(ui_pool.max_avg_html(grid_to_text(kept.value.shown), kept.value.size, kept.value.stride))
        st.caption("Max pooling keeps the strongest response in each window (was the feature anywhere here?); "
                   "average pooling smooths it out.")
    ui_pool.URL.save(replace(state, input=ui_pool.kept_input(state)))


body(state, present)
