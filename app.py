"""cnnviz: see a CNN's building blocks. Run with ``streamlit run app.py``."""
import os

# One BLAS thread per process, set before NumPy loads (Streamlit's server has not imported it by the
# time it first runs this script): the digits network's matrices are small, and a second BLAS thread
# on cores busy with other work slows a training down instead of speeding it up (docs/performance.md).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import streamlit as st  # noqa: E402

from cnnviz.ui import ROOT, app_style, available_pages, favicon_png, seam  # noqa: E402
from cnnviz.classroom import ui as rooms  # noqa: E402


def main() -> None:
    st.set_page_config(page_title="cnnviz", page_icon=favicon_png(), layout="wide")
    app_style()
    home = st.Page(ROOT / "pages" / "home.py", title="Home", icon=":material/home:", url_path="", default=True)
    pages = [home] + [
        st.Page(ROOT / p.file, title=p.title, icon=p.icon, url_path=p.url_path) for p in available_pages()
    ]
    # The home page lives at / (Streamlit serves the default page there only); /home, where people
    # look for it, forwards there instead of showing "Page not found".
    forward = st.Page(lambda: st.switch_page(home), title="Home", url_path="home", visibility="hidden")
    present = st.Page(ROOT / "pages" / "present.py", title="Present to a room", icon=":material/co_present:",
                      url_path=rooms.PRESENT_PAGE)
    page = st.navigation(pages + [present, forward])
    # A room around the page: a join link, the follow bar and the poll before it; the presenter's
    # view published after it; the page's player and fragments reach it through the seam.
    seam.install(rooms.RoomSeam())
    rooms.room_bar(page, {p.url_path: p for p in pages + [present]})
    page.run()
    rooms.after_page(page)


if __name__ == "__main__":  # Streamlit runs this file as __main__ for every page view
    main()
else:  # `streamlit run app.py` imports it to find this App: the app plus the rooms' push channel
    from cnnviz.classroom import push  # noqa: E402
    from cnnviz.ui import serve  # noqa: E402

    serve.send_small_writes_at_once()  # before the server accepts its first connection
    app = st.App(__file__, routes=push.routes())
