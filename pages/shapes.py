"""Shapes & parameters: a layer calculator, convolutional against fully connected, convolution's relatives, and a
network builder."""
import streamlit as st

from cnnviz import ui
from cnnviz.ui import shapes as ui_shapes, widgets as ui_widgets

ui.through_app()

ui.show_warnings(ui_shapes.load_state())
with st.sidebar:
    presenting = ui_widgets.presenter_toggle("st_present")
present = ui_widgets.presenter_view(presenting, "st_present", follow=False)
with ui_widgets.presenter_hidden("title"):
    st.title("Shapes & parameters")
(calc_tab, compare_tab, relatives_tab, builder_tab), open_tab = ui_shapes.tabs_ui("st_", ui_shapes.TABS)
ui_shapes.TAB_URL.save(ui_shapes.TabState(open_tab, presenting))


# Each tab is a page fragment: a change inside one reruns only that tab (cheaper for a whole class).
@ui.page_fragment
def calculator():
    ui_shapes.CALC_URL.save(ui_shapes.calculator_ui(present))


@ui.page_fragment
def compare():
    ui_shapes.COMPARE_URL.save(ui_shapes.compare_ui(present))


@ui.page_fragment
def relatives():
    ui_shapes.RELATIVES_URL.save(ui_shapes.relatives_ui(present))


@ui.page_fragment
def builder():
    ui_shapes.BUILDER_URL.save(ui_shapes.builder_tab_ui(present))


# Only the open tab runs (switching tabs reruns the page).
with {"calc": calc_tab, "compare": compare_tab, "relatives": relatives_tab, "builder": builder_tab}[open_tab]:
    {"calc": calculator, "compare": compare, "relatives": relatives, "builder": builder}[open_tab]()
