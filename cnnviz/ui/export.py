"""Downloads for slides (GIF, PNG, CSV) and the "show the code" box, under a page's player."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import streamlit as st

from cnnviz.views import code as view_code, export
from cnnviz.views.player import PlayerSpec

_CACHE_BYTES = 48 * 1024 * 1024  # files kept for students who download the same view (a GIF is up to ~15 MB)
_CACHE_ENTRIES = 32


class _Files:
    """Made files by key, the least recently used dropped beyond a byte and an entry budget."""

    def __init__(self, max_bytes: int, max_entries: int):
        self.max_bytes, self.max_entries = max_bytes, max_entries
        self._files: OrderedDict[tuple, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, make: Callable[[], bytes]) -> bytes:
        with self._lock:
            if key in self._files:
                self._files.move_to_end(key)
                return self._files[key]
        data = make()  # outside the lock: two students making two GIFs do not wait on each other
        with self._lock:
            self._files[key] = data
            while len(self._files) > self.max_entries or sum(map(len, self._files.values())) > self.max_bytes:
                self._files.popitem(last=False)
        return data


_FILES = _Files(_CACHE_BYTES, _CACHE_ENTRIES)


def downloads(spec: PlayerSpec, key: str, *, name: str = "cnnviz", step: int | None = None) -> None:
    """Three download buttons: every step as a GIF, step ``step`` as a PNG, the grids as CSV.

    ``key`` names what ``spec`` shows (the same key, the same files: they are made once, when first
    clicked, and kept within a memory budget). ``step`` None is the last step, the full map.
    """
    n = len(spec.steps)
    k = n if step is None else max(0, min(n, int(step)))
    c1, c2, c3 = st.columns(3)
    if n <= export.MAX_GIF_STEPS:
        c1.download_button(f"GIF of all {n} steps", lambda: _FILES.get(("gif", key), lambda: export.player_gif(spec)),
                           file_name=f"{name}.gif", mime="image/gif", icon=":material/animation:",
                           on_click="ignore", key=f"{name}__gif", width="stretch")
    else:
        c1.caption(f"{n} steps are too many for a GIF (at most {export.MAX_GIF_STEPS}): download a step as a PNG, "
                   "or make the input smaller.")
    c2.download_button(f"PNG of step {k}", lambda: _FILES.get(("png", key, k), lambda: export.player_png(spec, k)),
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
               key: str, files_key: str, name: str, step: int | None = None) -> None:
    """A box under a player with the downloads for slides and the code of the same convolution.

    Its content is built and sent only while the box is open (``st.session_state[key]``), so a
    closed box costs a student's rerun nothing; ``make_spec`` and ``make_settings`` are called then.
    """
    box = st.expander("For slides: the animation as GIF, a step as PNG, the grids as CSV, and the code",
                      icon=":material/slideshow:", key=key, on_change="rerun")
    if not box.open:
        return
    with box:
        downloads(make_spec(), files_key, name=name, step=step)
        st.markdown("**The same convolution in code**")
        show_code(make_settings())
