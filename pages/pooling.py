"""Pooling: watch a window shrink activation maps, each map on its own; max beside average."""
import streamlit as st

from cnnviz import ui
from cnnviz.ui import pooling as ui_pool, widgets as ui_widgets
from cnnviz.grids import grid_to_text
from cnnviz.pool import TIE_RULE

ui.through_app()

st.title("Pooling: shrink each activation map on its own")
st.caption(
    "A window slides over an activation map and keeps one number per position: the largest (max pooling) "
    "or the mean (average pooling). It makes the representation smaller and more manageable, and works on "
    "each activation map independently."
)

url = ui_pool.URL
values, fresh, warnings = url.load()
if "input" in fresh and "input" in st.query_params and "src" not in st.query_params:
    values["src"] = "map"  # a map carried here from the Convolution page is what the student wants to see
    fresh.add("src")
ui.show_warnings(warnings)
url.seed(values, fresh, ui_pool.WIDGETS)

col_in, col_set = st.columns([3, 2], gap="medium")
with col_set:
    st.markdown("**Settings**")
    settings = ui_pool.settings_ui()
    stack_settings = ui_pool.stack_ui() if settings["src"] == "stack" else {}
with col_in:
    if settings["src"] == "map":
        x, _ = ui_widgets.grid_editor("Activation map", "pool_input", ui_pool.DEFAULT_MAP,
                                      sides=ui_pool.LIMITS["input"], random_range=(0, 9), decimals=True,
                                      reset_to=values["input"] if "input" in fresh else None)
        in_shape = x.shape
    else:
        stack = ui_pool.stack_maps(stack_settings["side"], stack_settings["maps"])  # (H, W, C)
        x = stack[:, :, stack_settings["pick"] - 1]
        in_shape = stack.shape
        st.markdown(f"**A stack of {stack.shape[2]} activation maps, {stack.shape[0]}×{stack.shape[1]} each**")
        st.caption("A picture seen through edge filters (then ReLU): one activation map per filter, as a "
                   "convolutional layer makes them. Top: each map, numbered as in *Animate map*; below it, its "
                   f"pooled map. Pooling never mixes maps: the depth stays {stack.shape[2]}.")
        st.plotly_chart(ui_pool.stack_figure(stack_settings["side"], stack_settings["maps"], settings["size"],
                                             settings["stride"], settings["mode"], stack_settings["pick"]),
                        key="pool_stack", config={"displayModeBar": False})

size, stride, mode = settings["size"], settings["stride"], settings["mode"]
try:
    html, out = ui_pool.step_player(grid_to_text(x), size, stride, mode, values["step"])
    shown, out_shape = x, out.shape + in_shape[2:]
except ValueError as exc:
    last = "pool_last" in st.session_state
    ui.show_errors([str(exc)], kept="The last valid pooled map is still shown." if last else "")
    html, shown, in_shape, out_shape, size, stride = st.session_state.get("pool_last", (None,) * 6)
else:
    st.session_state["pool_last"] = (html, shown, in_shape, out_shape, size, stride)

if html is not None:
    ui_pool.numbers_ui(in_shape, out_shape, size, stride)
    if settings["src"] == "stack":
        st.subheader(f"Map {stack_settings['pick']}, window by window")
    ui_widgets.show_player(html)
    st.caption("Keys: space plays or pauses, ← → step, Home/End jump. Hover an output cell to see its window; "
               "the link keeps the step you stop on.")
    if mode == "max":
        st.caption(f"Ties: {TIE_RULE}")

    st.subheader("Max beside average, same input")
    st.html(ui_pool.max_avg_html(grid_to_text(shown), size, stride))
    st.caption("Max pooling keeps the strongest response in each window (was the feature anywhere here?); "
               "average pooling smooths it out.")

kept_input = x if settings["src"] == "map" else st.session_state.get("pool_input__valid", values["input"])
url.save({**values, **settings, **stack_settings, "input": kept_input})
