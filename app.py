"""cnnviz: see a CNN's building blocks. Run with ``streamlit run app.py``."""
import streamlit as st

from cnnviz.ui import ROOT, available_pages, favicon_png


def main() -> None:
    st.set_page_config(page_title="cnnviz", page_icon=favicon_png(), layout="wide")
    home = st.Page(ROOT / "pages" / "home.py", title="Home", icon=":material/home:", url_path="", default=True)
    pages = [home] + [
        st.Page(ROOT / p.file, title=p.title, icon=p.icon, url_path=p.url_path) for p in available_pages()
    ]
    # The home page lives at / (Streamlit serves the default page there only); /home, where people
    # look for it, forwards there instead of showing "Page not found".
    forward = st.Page(lambda: st.switch_page(home), title="Home", url_path="home", visibility="hidden")
    st.navigation(pages + [forward]).run()


main()
