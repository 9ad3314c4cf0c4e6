"""Present: start a room; students join by its code or QR code and their pages follow yours."""
import streamlit as st

from cnnviz import ui
from cnnviz.classroom import ui as ui_rooms

ui.through_app()

st.title("Present to a room")
ui_rooms.present_ui()
