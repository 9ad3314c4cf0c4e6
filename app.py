"""cnnviz: see a CNN's building blocks. Run with ``streamlit run app.py``."""
import numpy as np
import streamlit as st
from PIL import Image

from cnnviz.ui import ROOT, available_pages


def favicon() -> Image.Image:
    """A 3x3 filter drawn as a 30x30 icon: served by the app itself (a Material icon would be fetched from a font CDN)."""
    shades = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]])  # the lecture's filter
    colours = np.array([[255, 255, 255], [244, 165, 130], [178, 24, 43]], dtype=np.uint8)
    icon = np.repeat(np.repeat(colours[shades], 10, axis=0), 10, axis=1)  # (30, 30, 3)
    icon[::10, :] = icon[:, ::10] = 60  # grid lines
    return Image.fromarray(icon)


def main() -> None:
    st.set_page_config(page_title="cnnviz", page_icon=favicon(), layout="wide")
    home = st.Page(ROOT / "pages" / "home.py", title="Home", icon=":material/home:", url_path="home", default=True)
    pages = [home] + [
        st.Page(ROOT / p.file, title=p.title, icon=p.icon, url_path=p.url_path) for p in available_pages()
    ]
    st.navigation(pages).run()


main()
