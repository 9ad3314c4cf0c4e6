"""Home: the lecture's path through the app."""
import streamlit as st

from cnnviz.ui import ROOT, available_pages, page_link, through_app
from cnnviz.classroom import ui as ui_rooms

through_app()

st.title("cnnviz: see how a CNN looks at an image")
st.markdown(
    "A convolutional neural network slides small **filters** over an image, computing a dot product "
    "at every position to build **activation maps**, then shrinks them with **pooling**. "
    "Each page below shows one building block; follow them in order, as the lecture does."
)

ui_rooms.join_box()  # near the top: a phone shows it without scrolling

for number, page in enumerate(available_pages(), start=1):
    with st.container(border=True):
        page_link(ROOT / page.file, f"{number}. {page.title}", icon=page.icon)
        st.caption(page.blurb)

st.caption("Every setting lives in the page's link: copy it to share exactly what you see.")
