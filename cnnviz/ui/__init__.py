"""UI glue: the app shell on Streamlit, below the classroom that plugs into it.

This package holds the page registry, the messages every page shows and `html` for the HTML the app
builds; `state` keeps a page's state in the link (`UrlState`) and its last valid result (`last_valid`),
`cache` the results every session shares (`bounded`), `widgets` holds the step player component and the
grids typed into it, and there is one module per page (`convolution`, `channels`, `pooling`, `shapes`,
`architectures`, `images`, `learn`, `inside`, `quiz`, `backward`, `relatives`, `transposed`); `seam` is what a page
needs from whatever surrounds it (nothing by default; `app.py` installs the classroom's room there).
"""
from __future__ import annotations

import functools
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st
from PIL import Image

from cnnviz.lecture.presets import LECTURE_FILTER
from cnnviz.ui import seam
from cnnviz.ui.cache import bounded
from cnnviz.ui.state import Kept, LastValid, last_valid  # noqa: F401  (every page keeps its results this way)
from cnnviz.views.assets import style
from cnnviz.views.figure import ReadyFigure  # noqa: F401  (pages hand cached figures over this way)

ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass(frozen=True)
class PageInfo:
    """One page of the app, in the order the lecture walks through them."""

    file: str  # relative to the project root
    title: str
    icon: str
    url_path: str
    blurb: str  # one line for the home page


# The lecture's path. A page shows up in the navigation only once its file exists.
PAGES = [
    PageInfo("pages/convolution.py", "Convolution", ":material/grid_on:", "convolution",
             "Slide a filter over an input and watch each dot product fill the activation map."),
    PageInfo("pages/channels.py", "RGB filters and filter banks", ":material/layers:", "channels",
             "A filter spans every channel: watch R + G + B + bias fill a map; six filters stack into 28x28x6."),
    PageInfo("pages/pooling.py", "Pooling", ":material/compress:", "pooling",
             "Shrink activation maps with 2x2 max pooling, each map on its own."),
    PageInfo("pages/backward.py", "How a filter learns", ":material/south_west:", "backward",
             "The backward pass step by step: where each weight's gradient comes from, then gradient descent."),
    PageInfo("pages/relatives.py", "Convolution's relatives", ":material/hub:", "relatives",
             "1x1, grouped and depthwise convolution, and a 1-D convolution along a real time series, step by step."),
    PageInfo("pages/transposed.py", "Transposed convolution", ":material/open_in_full:", "transposed",
             "Upsampling: each input cell stamps the filter, scaled, onto a larger output; the same as a matrix."),
    PageInfo("pages/shapes.py", "Shapes & parameters", ":material/calculate:", "shapes",
             "Output shapes and parameter counts; a convolutional layer against a fully connected one."),
    PageInfo("pages/images.py", "Real images", ":material/image:", "images",
             "Filters on real pictures: RGB filters that span every channel, a bank of filters making a volume."),
    PageInfo("pages/learn.py", "A CNN that learns", ":material/model_training:", "learn",
             "Train a small CNN on handwritten digits, watch its filters emerge, and follow a drawn digit through it."),
    PageInfo("pages/inside.py", "Inside the trained network", ":material/neurology:", "inside",
             "What excites each neuron, what decides its answer, the lecture's challenges and shifts tried on it."),
    PageInfo("pages/architectures.py", "Architectures", ":material/account_tree:", "architectures",
             "LeNet, AlexNet, VGG, GoogLeNet and ResNet, layer by layer."),
    PageInfo("pages/quiz.py", "Quiz practice", ":material/quiz:", "quiz",
             "Generated questions with worked solutions; one quiz number gives the whole class the same questions."),
]


def page_fragment(func=None, /, **kwargs):
    """``st.fragment`` for a part of a page that writes the page's link (a tab of Shapes, a player and its grids).

    Something done inside the part reruns the part alone, not the page (a class costs the server less,
    and the browser redraws less). After such a rerun what surrounds the page hears of it as after a whole
    page (``seam.current().after_page()``: in a room, a presenter's followers follow the link, a follower
    who changed it breaks away). ``kwargs`` go to ``st.fragment``.
    """
    if func is None:
        return lambda f: page_fragment(f, **kwargs)

    @functools.wraps(func)
    def part(*args, **kw):
        out = func(*args, **kw)
        if fragment_rerun():  # app.py's hook after the page did not run
            seam.current().after_page()
        return out

    return st.fragment(part, **kwargs)


def fragment_rerun() -> bool:
    """True while only fragments rerun: what the page's script computed before them is as of its last run.

    A page fragment then reads its state from the link again (``UrlState.load``): the arguments it was
    called with are those of the last whole run.
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return bool(ctx is not None and ctx.fragment_ids_this_run)


@bounded(max_entries=1)
def favicon_png() -> bytes:
    """The lecture's 3x3 filter as a 30x30 PNG icon, served by the app itself (a Material icon would
    be fetched from a font CDN); drawn once per process."""
    colours = np.array([[255, 255, 255], [244, 165, 130], [178, 24, 43]], dtype=np.uint8)
    icon = np.repeat(np.repeat(colours[LECTURE_FILTER], 10, axis=0), 10, axis=1)  # (30, 30, 3)
    icon[::10, :] = icon[:, ::10] = 60  # grid lines
    buf = io.BytesIO()
    Image.fromarray(icon).save(buf, "PNG")
    return buf.getvalue()


def available_pages() -> list[PageInfo]:
    """The pages whose files exist, in lecture order."""
    return [p for p in PAGES if (ROOT / p.file).exists()]


_CODE_SPAN = re.compile(r"(`[^`\n]*`)")
_MARKUP = re.compile(r"([\\`*_\[\]~$])")  # links, emphasis, code, strikethrough, LaTeX
_AUTOLINK = re.compile(r"(:|www|@)(?=[^\s])", re.IGNORECASE)  # emoji :codes:, http://, www., e-mail


def plain(text: str) -> str:
    """``text`` for a Markdown box, shown as typed: what a student put in a link or a cell cannot
    become a link, emphasis, LaTeX or an emoji shortcode. Code spans (```like this```) stay code.

    >>> plain("'[x](//e.vil)' is *not* a number: `stride=*2*` :-1: www.e.vil") == (
    ...     "'\\\\[x\\\\](//e.vil)' is \\\\*not\\\\* a number: `stride=*2*` :\\u200b-1: www\\u200b.e.vil")
    True
    """
    parts = _CODE_SPAN.split(str(text))
    for i in range(0, len(parts), 2):  # even parts lie outside code spans
        parts[i] = _AUTOLINK.sub("\\1\u200b", _MARKUP.sub(r"\\\1", parts[i]))
    return "".join(parts)


def show_errors(messages: Sequence[str], *, kept: str = "The last valid result is still shown.") -> None:
    """Show what is wrong with the user's input in one box, and say what is still on screen."""
    if messages:
        shown = [plain(m) for m in messages[:6]] + ([f"… and {len(messages) - 6} more."] if len(messages) > 6 else [])
        st.error("\n".join(f"- {m}" for m in shown) + (f"\n\n{kept}" if kept else ""), icon=":material/edit_off:")


def through_app() -> None:
    """Send a run that bypassed ``app.py`` back through it; every page calls this first.

    Until ``app.py`` has called ``st.navigation`` once in a server process, Streamlit treats a
    ``pages/`` folder as its older multipage mode and runs a page file on its own: a shared link
    opened first on a fresh server would lose the app's layout and navigation. The first such run
    switches that mode off and reruns through ``app.py``, which resolves the same page by its URL
    path. (Called from the page rather than at import: raising while the package is being imported
    broke the imports of sessions arriving at the same moment.) Streamlit 1.67 has no setting for
    this: it looks for ``pages/`` next to the main script, and only ``st.navigation`` turns that off,
    by this same private switch; ``tests/test_app_shell.py`` fails if the switch is renamed.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def page_link(page: str | Path, label: str, params: dict[str, str] | None = None, icon: str | None = None) -> None:
    """A link to another page of the app (with ``params`` in its link), opened in the same tab.

    Outside ``app.py``'s navigation (a page file run on its own) ``st.page_link`` knows no pages:
    then the same link is a plain anchor, still in the same tab.
    """
    from html import escape
    from urllib.parse import urlencode

    from streamlit.errors import StreamlitAPIException, StreamlitPageNotFoundError

    try:
        st.page_link(page, label=label, query_params=params, icon=icon)
    except (StreamlitAPIException, StreamlitPageNotFoundError):
        href = Path(page).stem + ("?" + urlencode(params) if params else "")
        html(f'<a href="{escape(href)}" target="_self">{escape(label)}</a>')


class _BuiltHtml:
    """HTML this app built, for ``st.html`` as it is (``_repr_html_`` is taken without a rewrite)."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def _repr_html_(self) -> str:
        return self.text


def html(body: str, *, where=None) -> None:
    """``st.html`` (or ``where.html``, a container's) for HTML the app built itself, sent as it is.

    ``st.html`` dedents and strips a string body before sending it, a pass over the whole text on
    every rerun, which grows with the page's largest HTML (a digit's activation maps); the app's HTML has no
    indentation to remove, and a body with ``_repr_html_`` is sent without that pass.
    """
    (where or st).html(_BuiltHtml(body))


def app_style() -> None:
    """The app's own stylesheet (``app.css``), sent once per run by ``app.py`` before the page: captions that
    read at 4.5:1 (Streamlit draws them at 60 % opacity, 3.9:1 on white), button labels that wrap."""
    html(f"<style>{style('app.css', __package__)}</style>")


def is_phone() -> bool:
    """Whether the browser says it is a phone (its User-Agent has "Mobi"): a drawing then wraps narrower, and
    what can be folded away is folded."""
    return "mobi" in (st.context.headers.get("User-Agent") or "").lower()


def show_warnings(messages: Sequence[str]) -> None:
    """Show warnings about the URL (values that fell back to defaults)."""
    if messages:
        st.warning("\n".join(f"- {plain(m)}" for m in messages), icon=":material/link_off:")
