"""Present: start a room; students join by its code or QR code and their pages follow yours."""
import streamlit as st

from cnnviz import ui
from cnnviz.classroom import ui as ui_rooms
from cnnviz.ui.widgets import presenter_hidden

ui.through_app()

with presenter_hidden("title"):  # hidden while a poll fills the screen
    st.title("Present to a room")
ui_rooms.present_ui()
