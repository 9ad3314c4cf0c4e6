"""Downloads for slides (GIF, PNG, CSV) and the "show the code" box, under a page's player."""
from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from cnnviz.ui.cache import bounded
from cnnviz.views import code as view_code, export
from cnnviz.views.player import PlayerSpec


# Files kept for students who download the same view, within a memory budget (a GIF is up to ~15 MB).
@bounded(max_entries=32, max_bytes=48 * 1024 * 1024)
def slide_file(kind: str, spec: PlayerSpec, step: int = 0) -> bytes:
    """``"gif"``: every step of ``spec`` as a GIF; ``"png"``: step ``step`` as a PNG. Made once for every student."""
    return export.player_gif(spec) if kind == "gif" else export.player_png(spec, step)


def downloads(spec: PlayerSpec, *, name: str = "cnnviz", step: int | None = None) -> None:
    """Three download buttons: every step as a GIF, step ``step`` as a PNG, the grids as CSV.

    The files are made when first clicked, once for every student on the same ``spec`` (``slide_file``).
    ``step`` None is the last step, the full map.
    """
    n = len(spec.steps)
    k = n if step is None else max(0, min(n, int(step)))
    c1, c2, c3 = st.columns(3)
    if n <= export.MAX_GIF_STEPS:
        c1.download_button(f"GIF of all {n} steps", lambda: slide_file("gif", spec),
                           file_name=f"{name}.gif", mime="image/gif", icon=":material/animation:",
                           on_click="ignore", key=f"{name}__gif", width="stretch")
    else:
        c1.caption(f"{n} steps are too many for a GIF (at most {export.MAX_GIF_STEPS}): download a step as a PNG, "
                   "or make the input smaller.")
    c2.download_button(f"PNG of step {k}", lambda: slide_file("png", spec, k),
                       file_name=f"{name}-step-{k}.png", mime="image/png", icon=":material/image:",
                       on_click="ignore", key=f"{name}__png", width="stretch")
    c3.download_button("Grids as CSV", lambda: export.grids_csv(spec).encode(), file_name=f"{name}.csv",
                       mime="text/csv", icon=":material/table:", on_click="ignore", key=f"{name}__csv",
                       width="stretch")


def show_code(settings: view_code.ConvSettings) -> None:
    """The convolution in NumPy, PyTorch and Keras, one tab each, copyable."""
    snippets = view_code.code_snippets(settings)
    for tab, (lang, text) in zip(st.tabs(list(snippets)), snippets.items(), strict=True):
        with tab:
            st.code(text, language="python")
            if lang == "PyTorch":
                st.caption("PyTorch keeps channels first: the input (N, C, H, W), the filters (F, C, kh, kw).")


def slides_box(make_spec: Callable[[], PlayerSpec], make_settings: Callable[[], view_code.ConvSettings], *,
               key: str, name: str, step: int | None = None) -> None:
    """A box under a player with the downloads for slides and the code of the same convolution.

    Its content is built and sent only while the box is open (``st.session_state[key]``), so a
    closed box costs a student's rerun nothing; ``make_spec`` and ``make_settings`` are called then.
    """
    box = st.expander("For slides: the animation as GIF, a step as PNG, the grids as CSV, and the code",
                      icon=":material/slideshow:", key=key, on_change="rerun")
    if not box.open:
        return
    with box:
        downloads(make_spec(), name=name, step=step)
        st.markdown("**The same convolution in code**")
        show_code(make_settings())
