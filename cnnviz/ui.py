"""UI glue: the one cnnviz module that imports Streamlit.

Shared widgets, the page registry, state that round-trips through the URL, and cached wrappers.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent.parent


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
    PageInfo("pages/pooling.py", "Pooling", ":material/compress:", "pooling",
             "Shrink activation maps with 2x2 max pooling, each map on its own."),
    PageInfo("pages/shapes.py", "Shapes & parameters", ":material/calculate:", "shapes",
             "Output shapes and parameter counts; a convolutional layer against a fully connected one."),
    PageInfo("pages/images.py", "Real images", ":material/image:", "images",
             "Filters on real pictures: RGB filters that span every channel, a bank of filters making a volume."),
    PageInfo("pages/architectures.py", "Architectures", ":material/account_tree:", "architectures",
             "LeNet, AlexNet, VGG, GoogLeNet and ResNet, layer by layer."),
    PageInfo("pages/quiz.py", "Quiz practice", ":material/quiz:", "quiz",
             "Generated questions with worked solutions; share a seed so the whole class gets the same quiz."),
]


def available_pages() -> list[PageInfo]:
    """The pages whose files exist, in lecture order."""
    return [p for p in PAGES if (ROOT / p.file).exists()]


def show_errors(messages: list[str], *, kept: str = "The last valid result is still shown.") -> None:
    """Show what is wrong with the user's input in one box, and say what is still on screen."""
    if messages:
        shown = messages[:6] + ([f"… and {len(messages) - 6} more."] if len(messages) > 6 else [])
        st.error("\n".join(f"- {m}" for m in shown) + (f"\n\n{kept}" if kept else ""), icon=":material/edit_off:")


def _hand_over_to_app_navigation() -> None:
    """Send a run that bypassed ``app.py`` back through it.

    Until ``app.py`` has called ``st.navigation`` once in a server process, Streamlit treats a
    ``pages/`` folder as its older multipage mode and runs a page file on its own: a shared link
    opened first on a fresh server would lose the app's layout and navigation. This module is
    imported by every page, so the first such run switches that mode off and reruns through
    ``app.py``, which resolves the same page by its URL path.
    """
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    if PagesManager.uses_pages_directory and get_script_run_ctx() is not None:
        PagesManager.uses_pages_directory = False
        st.rerun()


def show_warnings(messages: list[str]) -> None:
    """Show warnings about the URL (values that fell back to defaults)."""
    if messages:
        st.warning("\n".join(f"- {m}" for m in messages), icon=":material/link_off:")


# --- quiz ---
import secrets  # noqa: E402

from cnnviz.quiz import (  # noqa: E402
    DEFAULT_SEED, MAX_SEED, QUIZ_LENGTHS, Question, Verdict, check_answer, grid_markdown, make_quiz, parse_seed,
)

_QUIZ_RESULTS = "quiz_results"  # {(seed, index): Verdict} the latest checked answer to each question
_QUIZ_SCORE = "quiz_score"  # {"right": int, "answered": int} over the whole session


@dataclass(frozen=True)
class QuizSettings:
    """What the quiz page's link holds: ``?seed=1234&n=5``."""

    seed: int  # the quiz number handed to the class
    n: int  # how many questions, one of QUIZ_LENGTHS


def quiz_settings_from_url() -> tuple[QuizSettings, list[str]]:
    """Read the quiz from the URL; bad values fall back to defaults with a warning, and the URL is corrected."""
    warnings = []
    seed, raw_seed = DEFAULT_SEED, st.query_params.get("seed")
    if raw_seed is not None:
        try:
            seed = parse_seed(raw_seed)
        except ValueError as exc:
            warnings.append(f"{exc} Showing quiz {DEFAULT_SEED} instead.")
    n, raw_n = QUIZ_LENGTHS[0], st.query_params.get("n")
    if raw_n is not None:
        if raw_n.strip() in [str(v) for v in QUIZ_LENGTHS]:
            n = int(raw_n)
        else:
            shown = raw_n if len(raw_n) <= 12 else raw_n[:12] + "…"
            lengths = " or ".join(str(v) for v in QUIZ_LENGTHS)
            warnings.append(f"The number of questions '{shown}' in the link is not {lengths}: showing {n}.")
    if st.query_params.get("seed") != str(seed) or st.query_params.get("n") != str(n):
        st.query_params.from_dict({"seed": str(seed), "n": str(n)})
    return QuizSettings(seed, n), warnings


@st.cache_resource(max_entries=512, show_spinner=False)
def quiz_questions(seed: int, n: int) -> tuple[Question, ...]:
    """The quiz, built once per (seed, n) and shared by every student (questions are read-only)."""
    return tuple(make_quiz(seed, n))


def _quiz_results() -> dict:
    return st.session_state.setdefault(_QUIZ_RESULTS, {})


def _quiz_answer_key(seed: int, index: int) -> str:
    return f"quiz-answer-{seed}-{index}"


def _quiz_submit(seed: int, index: int, question: Question) -> None:
    verdict = check_answer(question, st.session_state.get(_quiz_answer_key(seed, index)))
    _quiz_results()[(seed, index)] = verdict
    if verdict.valid:
        score = st.session_state.setdefault(_QUIZ_SCORE, {"right": 0, "answered": 0})
        score["answered"] += 1
        score["right"] += verdict.correct


def _quiz_retry(seed: int, index: int) -> None:
    _quiz_results().pop((seed, index), None)
    st.session_state.pop(_quiz_answer_key(seed, index), None)


def _quiz_restart(seed: int, n: int) -> None:
    for index in range(n):
        _quiz_retry(seed, index)


def _quiz_open(seed: int) -> None:
    st.query_params["seed"] = str(seed)


def _quiz_open_typed(current: int) -> None:
    typed = st.session_state.get("quiz-number")
    try:
        _quiz_open(parse_seed(typed))
        st.session_state.pop("quiz-number-error", None)
    except ValueError as exc:
        st.session_state["quiz-number-error"] = str(exc)
        st.session_state["quiz-number"] = str(current)


def _quiz_set_length() -> None:
    st.query_params["n"] = str(st.session_state["quiz-length"])


def quiz_header_ui(settings: QuizSettings) -> None:
    """The quiz number (type one to open it), the number of questions, a new quiz, and the link to share."""
    # The widgets always show what the URL says (a new quiz, a pasted link, a reloaded page);
    # a typed quiz number reaches _quiz_open_typed on submit, before this line runs.
    st.session_state["quiz-number"] = str(settings.seed)
    st.session_state["quiz-length"] = settings.n
    number, length, new = st.columns([3, 2, 2], vertical_alignment="bottom")
    with number, st.form("quiz-open-form", border=False):
        box, go = st.columns([3, 2], vertical_alignment="bottom")
        box.text_input("Quiz number", key="quiz-number", max_chars=len(str(MAX_SEED)) + 4,
                       help="Type the number your instructor gives, then Open: everyone gets the same questions.")
        with go:
            st.form_submit_button("Open", key="quiz-open", on_click=_quiz_open_typed, args=(settings.seed,))
    length.radio("Questions", QUIZ_LENGTHS, key="quiz-length", horizontal=True, on_change=_quiz_set_length)
    new.button("New quiz", key="quiz-new", icon=":material/casino:", type="primary", on_click=_quiz_open,
               args=(100_000 + secrets.randbelow(900_000),), help="Draw new questions (a new quiz number).")
    if st.session_state.get("quiz-number-error"):
        show_errors([st.session_state.pop("quiz-number-error")], kept=f"Quiz {settings.seed} is still shown.")
    share = f"{(st.context.url or '').split('?')[0]}?seed={settings.seed}&n={settings.n}"
    st.markdown(f"**Quiz number {settings.seed}**: everyone who opens this link, or types this number, "
                "gets the same questions.")
    st.code(share, language=None)


def quiz_score_ui(settings: QuizSettings, questions) -> None:
    """This quiz's progress and the session's score."""
    results = _quiz_results()
    verdicts = [results.get((settings.seed, i)) for i in range(len(questions))]
    right = sum(v is not None and v.correct for v in verdicts)
    checked = sum(v is not None and v.valid for v in verdicts)
    score = st.session_state.get(_QUIZ_SCORE, {"right": 0, "answered": 0})
    a, b = st.columns(2)
    a.metric("This quiz", f"{right} / {len(questions)} right",
             help=f"{checked} of {len(questions)} questions answered.")
    b.metric("This session", f"{score['right']} of {score['answered']} answers right",
             help="Every checked answer counts, in every quiz you took since opening the page.")


def _quiz_verdict_ui(verdict: Verdict) -> None:
    if verdict.correct:
        st.success(verdict.message, icon=":material/check_circle:")
    else:
        st.error(verdict.message, icon=":material/cancel:")


def quiz_question_ui(seed: int, index: int, question: Question) -> None:
    """One question: its grids, an answer form, then the verdict and the worked solution."""
    with st.container(border=True, key=f"quiz-q-{index}"):
        st.markdown(f"**Question {index + 1}.** {question.text}")
        if question.grids:
            for col, (caption, grid) in zip(st.columns(max(len(question.grids), 3)), question.grids):
                col.markdown(f"**{caption}**\n\n{grid_markdown(grid)}")
        verdict = _quiz_results().get((seed, index))
        if verdict is not None and verdict.valid:
            _quiz_verdict_ui(verdict)
            with st.expander("Worked solution", expanded=True, icon=":material/school:"):
                st.markdown(question.solution)
            if not verdict.correct:
                st.button("Try again", key=f"quiz-retry-{seed}-{index}", icon=":material/replay:",
                          on_click=_quiz_retry, args=(seed, index))
            return
        with st.form(f"quiz-form-{seed}-{index}", border=False):
            key = _quiz_answer_key(seed, index)
            if question.answer_type == "choice":
                st.radio("Your answer", question.choices, index=None, key=key, horizontal=True)
            else:
                st.text_input("Your answer", key=key, placeholder=question.hint, max_chars=60)
            st.form_submit_button("Check", key=f"quiz-check-{seed}-{index}", on_click=_quiz_submit,
                                  args=(seed, index, question))
        if verdict is not None:
            st.warning(verdict.message, icon=":material/edit_off:")


def quiz_footer_ui(settings: QuizSettings) -> None:
    """Start the same quiz over (the session's score keeps counting)."""
    st.button("Start this quiz over", key="quiz-restart", icon=":material/restart_alt:", on_click=_quiz_restart,
              args=(settings.seed, settings.n))


# --- images ---
import hashlib  # noqa: E402
from collections.abc import Mapping  # noqa: E402

import numpy as np  # noqa: E402

from cnnviz import fig_images as _fimg  # noqa: E402
from cnnviz import images as _img  # noqa: E402
from cnnviz.conv import conv2d as _conv2d, conv_trace as _conv_trace  # noqa: E402
from cnnviz.grids import parse_cells as _parse_cells, parse_number as _parse_number  # noqa: E402
from cnnviz.pool import pool2d as _pool2d  # noqa: E402

IMG_SOURCES = ("Sample", "Upload", "Camera")
IMG_SIZES = (32, 64, 128, 256, 512)  # working size: longest side of the picture the filters see
IMG_KS = (3, 5, 7)
IMG_MAX_FILTERS = 16
IMG_MAX_BIAS = 100_000  # beyond this a bias hides every pattern the filter finds
IMG_CUSTOM = "Custom (type the numbers)"
IMG_DEFAULT_FILTERS = ("Vertical edge", "Horizontal edge", "Sobel x@R", "Sobel x@B", "Outline (Laplacian)", "Sharpen")
# Pictures are sent at the size they are shown (Streamlit would otherwise resize and re-encode
# every larger one on every rerun): maps 176 px, five to a row on a laptop, two on a phone.
IMG_SHOWN_PX = 176
IMG_PICTURE_PX = 352  # the input picture, twice as large
IMG_UPLOAD_MB = 10  # keep equal to server.maxUploadSize in .streamlit/config.toml
IMG_COLOUR_BAR = _fimg.to_png(_fimg.colour_bar(1.0))  # the legend under the maps, encoded once


@dataclass(frozen=True)
class ImagesState:
    """Every setting of the Real images page; round-trips through the URL."""

    source: str = "Sample"  # one of IMG_SOURCES; an uploaded picture itself cannot travel in a link
    sample: str = "House"  # one of images.SAMPLE_NAMES
    size: int = 128  # one of IMG_SIZES
    gray: bool = False  # one grey channel instead of R, G, B
    k: int = 3  # filters are k x k x C
    filters: tuple[str, ...] = IMG_DEFAULT_FILTERS  # specs for images.filter_from_spec, 1 to 16
    bias: tuple[float, ...] = (0,) * len(IMG_DEFAULT_FILTERS)  # one per filter
    relu: bool = True
    pool: bool = True  # 2x2 max pooling, stride 2
    sel: int = 0  # the filter shown in detail (0-based; 1-based in the URL)
    at: tuple[int, int] | None = None  # zoom location (row, col) in the activation map; None = strongest value

    def to_query(self) -> dict:
        """Query parameters for the settings that differ from the defaults."""
        d, q = ImagesState(), {}
        if self.source != d.source:
            q["src"] = self.source.lower()
        if self.sample != d.sample:
            q["sample"] = self.sample
        for key in ("size", "k"):
            if getattr(self, key) != getattr(d, key):
                q[key] = str(getattr(self, key))
        for key in ("gray", "relu", "pool"):
            if getattr(self, key) != getattr(d, key):
                q[key] = "1" if getattr(self, key) else "0"
        if self.filters != d.filters:
            q["f"] = list(self.filters)
        if any(self.bias):
            q["bias"] = ",".join(format(b, ".6g") for b in self.bias)
        if self.sel:
            q["sel"] = str(self.sel + 1)
        if self.at is not None:
            q["at"] = f"{self.at[0]},{self.at[1]}"
        return q

    @classmethod
    def from_query(cls, params: Mapping[str, list[str]]) -> tuple["ImagesState", list[str]]:
        """Read the settings from query parameters (each key -> its values); bad ones fall back, with a warning."""
        d, warns, got = cls(), [], {}

        def one(key):
            values = params.get(key) or []
            return str(values[-1])[:200] if values else None

        def choose(key, options, name, cast=str):
            text = one(key)
            if text is None:
                return
            for o in options:
                if str(o).lower() == text.strip().lower():
                    got[name] = cast(o)
                    return
            warns.append(f"The link's {key}={text[:20]!r} is not one of {', '.join(map(str, options))}: "
                         f"using {getattr(d, name)}.")

        choose("src", IMG_SOURCES, "source")
        choose("sample", _img.SAMPLE_NAMES, "sample")
        choose("size", IMG_SIZES, "size", int)
        choose("k", IMG_KS, "k", int)
        for key in ("gray", "relu", "pool"):
            text = one(key)
            if text is not None:
                if text in ("0", "1"):
                    got[key] = text == "1"
                else:
                    warns.append(f"The link's {key}={text[:20]!r} should be 0 or 1: using {int(getattr(d, key))}.")
        k = got.get("k", d.k)
        specs = [str(s)[:4000] for s in (params.get("f") or [])]
        if len(specs) > IMG_MAX_FILTERS:
            warns.append(f"The link has {len(specs)} filters; the page takes at most {IMG_MAX_FILTERS}.")
            specs = specs[:IMG_MAX_FILTERS]
        good = []
        for n, spec in enumerate(specs, start=1):
            try:
                _img.filter_from_spec(spec, k, 3)
                good.append(spec)
            except ValueError as exc:
                warns.append(f"Filter {n} in the link was left out: {exc}")
        if specs and not good:
            warns.append("No filter in the link could be used: showing the default bank.")
        filters = tuple(good) if good else d.filters
        got["filters"] = filters
        bias = [0] * len(filters)
        text = one("bias")
        if text is not None:
            parts = text.split(",")
            if len(parts) != len(filters) or len(text) > 200:
                warns.append(f"The link gives {len(parts)} bias values for {len(filters)} filters: "
                             "using 0 for every one.")
            else:
                try:
                    bias = [_parse_number(p, limit=IMG_MAX_BIAS) for p in parts]
                except ValueError as exc:
                    warns.append(f"A bias in the link {exc}: using 0 for every filter.")
        got["bias"] = tuple(bias)
        text = one("sel")
        if text is not None:
            if text.isdigit() and len(text) < 4 and 1 <= int(text) <= len(filters):
                got["sel"] = int(text) - 1
            else:
                warns.append(f"The link's sel={text[:20]!r} is not a filter number from 1 to {len(filters)}: using 1.")
        text = one("at")
        if text is not None:
            r, _, c = text.partition(",")
            if r.strip().isdigit() and c.strip().isdigit() and len(text) < 12:
                got["at"] = (int(r), int(c))
            else:
                warns.append(f"The link's at={text[:20]!r} should be 'row,column' in whole numbers: using the centre.")
        return cls(**got), warns


def _img_query_lists() -> dict[str, list[str]]:
    return {k: st.query_params.get_all(k) for k in st.query_params.keys()}


def _img_seed(key: str, value) -> None:
    """Give a widget its value from the page state unless the user has already set it this session."""
    if key not in st.session_state:
        st.session_state[key] = value


def _img_set_custom(i: int, spec: str) -> None:
    """Filter i becomes typed numbers set from outside its editors: new editors start from them."""
    ss = st.session_state
    ss.img_custom[i] = spec
    ss.img_ed_base[i] = spec
    ss.img_ed_version[i] = ss.img_ed_version.get(i, 0) + 1


def images_state() -> tuple[ImagesState, list[str]]:
    """The page state: from the URL on a session's first run, then from the widgets."""
    ss = st.session_state
    if "img_state" not in ss:
        ss.img_state, ss.img_url_warnings = ImagesState.from_query(_img_query_lists())
        ss.img_custom = {}  # filter index -> typed spec, kept while its preset box says Custom
        ss.img_ed_base, ss.img_ed_version = {}, {}  # what each filter's editors started from, and their generation
        for i, spec in enumerate(ss.img_state.filters):
            if "|" in spec:
                _img_set_custom(i, spec)
    return ss.img_state, ss.img_url_warnings


def images_save(state: ImagesState) -> None:
    """Remember the state and put it in the URL (only what differs from the defaults)."""
    st.session_state.img_state = state
    query = state.to_query()
    if query != {k: (v if k == "f" else v[-1]) for k, v in _img_query_lists().items()}:
        st.query_params.from_dict(query)


def filter_label(spec: str) -> str:
    """A filter spec as people read it: "Sobel x, red channel only", or "typed numbers"."""
    if "|" in spec:
        return "typed numbers"
    name, _, where = spec.partition("@")
    return f"{name}, {dict(R='red', G='green', B='blue')[where]} channel only" if where else name


def filter_explains(spec: str, channels: int = 3) -> str:
    """What the filter responds to, in a sentence."""
    if channels == 1:
        return ("On one grey channel the filter is a single slice: the R, G and B slices added up."
                if "|" in spec or "@" in spec else _img.FILTER_PRESETS[spec].explains)
    if "|" in spec:
        return "Typed numbers: each channel's slice is a filter of its own; their maps add up."
    name, _, where = spec.partition("@")
    text = _img.FILTER_PRESETS[name].explains
    if where:
        return f"{text} Only the {dict(R='red', G='green', B='blue')[where]} channel counts: the other slices are 0."
    return text + " Spread over the channels: each slice holds a third of it."


@st.cache_resource(max_entries=16, show_spinner=False)
def _img_decode(digest: str, _data: bytes) -> "_img.LoadedImage | str":
    """Decode an upload once per distinct file (keyed by its SHA-256); an error comes back as its message."""
    try:
        return _img.load_image_info(_data)
    except _img.ImageError as exc:
        return str(exc)


@st.cache_resource(max_entries=32, show_spinner=False)
def _img_input(key: tuple, _pixels: np.ndarray) -> np.ndarray:
    """The picture the filters see: shrunk to the working size, grey or RGB. (H, W, C) uint8, read-only."""
    _, size, gray = key
    x = _img.resize_max_side(np.asarray(_pixels), size)
    x = _img.to_grayscale(x) if gray else np.ascontiguousarray(x)
    x.flags.writeable = False
    return x


def images_source_ui(state: ImagesState) -> tuple[ImagesState, np.ndarray, tuple, list[str], str]:
    """Choose a picture. Returns the state, the (H, W, C) input, its cache key, errors and a note."""
    ss = st.session_state
    _img_seed("img_src", state.source)
    _img_seed("img_sample", state.sample)
    _img_seed("img_size", state.size)
    _img_seed("img_gray", state.gray)
    cols = st.columns([1.3, 1.5, 1, 1])
    source = cols[0].segmented_control("Picture", IMG_SOURCES, key="img_src", required=True) or "Sample"
    size = cols[2].selectbox("Working size (longest side)", IMG_SIZES, key="img_size",
                             format_func=lambda s: f"{s} px" + (" (the lecture's 32x32)" if s == 32 else ""))
    gray = cols[3].toggle("Grayscale (one channel)", key="img_gray")
    errors, note = [], ""
    data = None
    if source == "Sample":
        sample = cols[1].selectbox("Sample picture", _img.SAMPLE_NAMES, key="img_sample")
    else:
        sample = ss.img_sample
        if source == "Upload":
            up = cols[1].file_uploader(
                f"PNG, JPEG, GIF, BMP or WebP, up to {IMG_UPLOAD_MB} MB", key="img_upload",
                type=["png", "jpg", "jpeg", "gif", "bmp", "webp"])
        else:
            up = cols[1].camera_input("Take a picture", key="img_camera")
        data = up.getvalue() if up is not None else None
        file_id = getattr(up, "file_id", None)
        st.caption("A picture you upload or take stays in this browser session: it cannot travel in a link. "
                   "The link keeps every other setting.")
    state = ImagesState(**{**state.__dict__, "source": source, "sample": sample, "size": size, "gray": gray})
    pixels, key = None, None
    if data is not None:
        # Hash a file once, not on every rerun (10 MB take about 20 ms): remember it by its upload id.
        seen = ss.get("img_digest")
        digest = seen[1] if seen and file_id and seen[0] == file_id else hashlib.sha256(data).hexdigest()
        ss.img_digest = (file_id, digest)
        loaded = _img_decode(digest, data)
        if isinstance(loaded, str):
            errors.append(loaded)
        else:
            pixels, key, note = loaded.pixels, digest, loaded.message
            ss.img_last_good = (pixels, key, note)
    if pixels is None and source != "Sample" and "img_last_good" in ss and (errors or data is None):
        pixels, key, note = ss.img_last_good  # keep the last good picture on screen
    if pixels is None:
        pixels, key = _img.sample_image(sample, 512), f"sample:{sample}"
        if source != "Sample":
            note = f"No picture yet: showing the sample ({sample}) until one loads."
    x = _img_input((key, size, gray), pixels)
    return state, x, (key, size, gray), errors, note


IMG_LECTURE_FILTERS = ("Vertical edge", "Horizontal edge", "Sobel x@R", "Sobel x@G", "Sobel x@B",
                       "Outline (Laplacian)")


def _img_lecture_example() -> None:
    """The lecture's layer: a 32x32x3 picture, six 5x5x3 filters, ReLU, 2x2 max pooling."""
    ss = st.session_state
    ss.img_state = ImagesState(**{**ss.img_state.__dict__, "size": 32, "gray": False, "k": 5,
                                  "filters": IMG_LECTURE_FILTERS, "bias": (0,) * 6, "relu": True, "pool": True,
                                  "sel": 0, "at": None})
    ss.img_size, ss.img_gray, ss.img_k, ss.img_n, ss.img_relu, ss.img_pool, ss.img_sel = 32, False, 5, 6, True, True, 0
    ss.img_custom = {}
    for key in [k for k in ss if k.startswith(("img_f", "img_b", "img_row", "img_col", "img_last_best"))]:
        del ss[key]  # seeded again from the new state


def images_bank_ui(state: ImagesState, channels: int) -> tuple[ImagesState, list[str]]:
    """Settings of the filter bank and its filters. Returns the new state and messages for bad cells."""
    ss = st.session_state
    st.button("The lecture's example: 32x32x3 → six 5x5x3 filters → 28x28x6 → 14x14x6",
              on_click=_img_lecture_example, icon=":material/school:")
    for key, value in (("img_k", state.k), ("img_relu", state.relu), ("img_pool", state.pool),
                       ("img_n", len(state.filters))):
        _img_seed(key, value)
    c = st.columns(4)
    k = c[0].selectbox("Filter size", IMG_KS, key="img_k", format_func=lambda k: f"{k}x{k}x{channels}")
    n = int(c[1].number_input("Number of filters", 1, IMG_MAX_FILTERS, step=1, key="img_n"))
    relu = c[2].toggle("ReLU (negatives become 0)", key="img_relu")
    pool = c[3].toggle("2x2 max pooling, stride 2", key="img_pool")
    options = [IMG_CUSTOM] + _img.preset_specs()
    filters, bias, errors = list(state.filters), list(state.bias), []
    if k != state.k:  # typed filters keep their centre when the size changes
        for i, spec in ss.img_custom.items():
            old = _img.filter_from_spec(spec, state.k, 3)
            new, o, q = np.zeros((k, k, 3)), max(0, (k - state.k) // 2), max(0, (state.k - k) // 2)
            m = min(k, state.k)
            new[o:o + m, o:o + m] = old[q:q + m, q:q + m]
            _img_set_custom(i, _img.spec_from_filter(new))
    while len(filters) < n:
        filters.append("Identity")
    filters, bias = filters[:n], (bias + [0] * n)[:n]
    # Only the filter shown in detail has widgets (its preset and bias): a bank of 16 filters would
    # otherwise send 16 boxes of 45 options to every student on every rerun.
    _img_seed("img_sel", min(state.sel, n - 1))
    if ss.img_sel >= n:
        ss.img_sel = n - 1
    sel = ss.img_sel
    _img_seed(f"img_f{sel}", IMG_CUSTOM if "|" in filters[sel] else filters[sel])
    _img_seed(f"img_b{sel}", float(bias[sel]))
    choice = ss[f"img_f{sel}"]
    if choice == IMG_CUSTOM:
        if sel not in ss.img_custom:  # start typing from what the filter was
            start = filters[sel] if filters[sel] in options else "Identity"
            _img_set_custom(sel, _img.spec_from_filter(_img.filter_from_spec(start, k, 3)))
        filters[sel] = ss.img_custom[sel]
    else:
        filters[sel] = choice
    c = st.columns([3, 3, 2])
    c[0].selectbox("Filter shown in detail", range(n), key="img_sel",
                   format_func=lambda i: f"{i + 1}: {filter_label(filters[i])}")
    c[1].selectbox(f"Preset of filter {sel + 1}", options, key=f"img_f{sel}",
                   format_func=lambda s: s if s == IMG_CUSTOM else filter_label(s))
    bias[sel] = c[2].number_input(f"Bias of filter {sel + 1}", -float(IMG_MAX_BIAS), float(IMG_MAX_BIAS), step=1.0,
                                  key=f"img_b{sel}")
    if choice == IMG_CUSTOM:
        filters[sel], errors = _img_custom_editor(sel, filters[sel], k)
    return ImagesState(**{**state.__dict__, "k": k, "relu": relu, "pool": pool, "filters": tuple(filters),
                          "bias": tuple(float(b) if not float(b).is_integer() else int(b) for b in bias),
                          "sel": sel}), errors


def _img_custom_editor(i: int, spec: str, k: int) -> tuple[str, list[str]]:
    """Three small grids (R, G, B) for typing filter i; bad cells keep the last valid filter."""
    ss = st.session_state
    w = _img.filter_from_spec(ss.img_ed_base.get(i, spec), k, 3)  # (k, k, 3) the numbers the editors started from
    st.caption(f"Type the numbers of filter {i + 1}, one {k}x{k} grid per channel (row 0 at the top).")
    cols, slices, errors = st.columns(3), [], []
    version = ss.img_ed_version.get(i, 0)
    for c, name in enumerate(_img.CHANNEL_NAMES):
        with cols[c]:
            edited = st.data_editor(w[:, :, c], key=f"img_ed_{i}_{name}_{version}", num_rows="fixed")
        grid, errs = _parse_cells(np.asarray(edited, dtype=object).tolist(), name=f"{name} slice of filter {i + 1}")
        errors += errs
        slices.append(grid)
    if errors:
        return spec, errors
    new = _img.spec_from_filter(np.stack(slices, axis=-1))
    st.session_state.img_custom[i] = new
    return new, []


@dataclass(frozen=True)
class MapResult:
    """One filter applied to one picture: its activation map and the PNGs the browser gets."""

    act: np.ndarray  # (H_out, W_out) float32, after ReLU when it is on; read-only
    png: bytes
    pooled_png: bytes | None  # after 2x2 max pooling, when it is on
    pooled_shape: tuple[int, int] | None
    lo: float  # smallest and largest value of the map
    hi: float


@dataclass(frozen=True)
class BankResult:
    """A filter bank applied to one picture: one cached MapResult per filter."""

    maps: tuple[MapResult, ...]

    @property
    def shape(self) -> tuple[int, int, int]:  # (H_out, W_out, F)
        return self.maps[0].act.shape + (len(self.maps),)

    @property
    def pooled_shape(self) -> tuple[int, int, int] | None:  # (H_out // 2, W_out // 2, F)
        p = self.maps[0].pooled_shape
        return None if p is None else p + (len(self.maps),)

    @property
    def volume_png(self) -> tuple[bytes, ...]:
        return tuple(m.png for m in self.maps)

    @property
    def pooled_png(self) -> tuple[bytes, ...]:
        return tuple(m.pooled_png for m in self.maps) if self.pooled_shape else ()

    @property
    def ranges(self) -> tuple[tuple[float, float], ...]:
        return tuple((m.lo, m.hi) for m in self.maps)


@st.cache_resource(max_entries=64, show_spinner=False)  # at 512 px an entry is about 1.1 MB
def images_map(input_key: tuple, k: int, spec: str, bias: float, relu: bool, pool: bool, _x: np.ndarray) -> MapResult:
    """One filter's activation map, once per distinct (picture, filter, bias, ReLU, pooling) for every student.

    Cached per filter, not per bank: changing one filter or its bias recomputes only that filter.
    """
    w = _img.filter_from_spec(spec, k, _x.shape[2]).astype(np.float32)  # (k, k, C)
    act = _conv2d(_x.astype(np.float32), w, np.float32(bias))  # (H_out, W_out)
    if relu:
        np.maximum(act, 0, out=act)
    lo, hi = float(act.min()), float(act.max())
    vmax = max(abs(lo), abs(hi))  # each map on its own scale, centred at 0
    png = _fimg.maps_png([act], vmax, side=IMG_SHOWN_PX)[0]
    pooled = _pool2d(act, 2) if pool and min(act.shape) >= 2 else None  # (H_out // 2, W_out // 2)
    pooled_png = _fimg.maps_png([pooled], vmax, side=IMG_SHOWN_PX)[0] if pooled is not None else None
    act.flags.writeable = False
    return MapResult(act, png, pooled_png, None if pooled is None else pooled.shape, lo, hi)


def images_bank(input_key: tuple, k: int, filters: tuple[str, ...], bias: tuple, relu: bool, pool: bool,
                x: np.ndarray) -> BankResult:
    """Apply every filter of the bank (each one cached on its own)."""
    return BankResult(tuple(images_map(input_key, k, s, b, relu, pool, x) for s, b in zip(filters, bias)))


@st.cache_resource(max_entries=32, show_spinner=False)
def _images_partials(input_key: tuple, k: int, spec: str, _x: np.ndarray) -> np.ndarray:
    """Each channel filtered by its own slice, (H_out, W_out, C) float32; the bias does not change them."""
    w = _img.filter_from_spec(spec, k, _x.shape[2]).astype(np.float32)
    partials, _ = _img.channel_maps(_x.astype(np.float32), w)
    partials.flags.writeable = False
    return partials


@st.cache_resource(max_entries=48, show_spinner=False)
def images_detail(input_key: tuple, spec: str, k: int, bias: float, relu: bool, at: tuple[int, int],
                  _x: np.ndarray) -> tuple[tuple[bytes, ...], tuple[str, ...]]:
    """The selected filter split by channel: the partial maps, their sum + bias, the activation; zoom marked."""
    C = _x.shape[2]
    partials = _images_partials(input_key, k, spec, _x)  # (H_out, W_out, C)
    act = partials[:, :, 0] + np.float32(bias)  # (H_out, W_out); added slice by slice: a sum over a
    for c in range(1, C):                        # length-3 last axis is several times slower
        act += partials[:, :, c]
    shown = np.maximum(act, 0) if relu else act
    vmax = float(max(-partials.min(), partials.max(), -act.min(), act.max()))  # one scale: maps comparable
    names = ["gray"] if C == 1 else list(_img.CHANNEL_NAMES)
    maps = [partials[:, :, c] for c in range(C)] + [act] + ([shown] if relu else [])  # C + 1 or C + 2 maps
    captions = [f"{n} channel * {n} slice" for n in names] + [
        ("sum of the channel maps" if C > 1 else "the channel map") + f" + bias ({bias:g})"] + (
        ["after ReLU: the activation map"] if relu else [])
    r, c = at
    pngs = tuple(_fimg.maps_png(maps, vmax, side=IMG_SHOWN_PX, box=(r, c, 1, 1)))
    return pngs, tuple(captions)


def images_input_png(input_key: tuple, x: np.ndarray, at: tuple[int, int], k: int) -> tuple[bytes, ...]:
    """The picture with the zoom window drawn on it, then each channel as a grey map."""
    return (_images_picture_png(input_key, at, k, x),) + _images_channel_png(input_key, x)


@st.cache_resource(max_entries=48, show_spinner=False)
def _images_picture_png(input_key: tuple, at: tuple[int, int], k: int, _x: np.ndarray) -> bytes:
    H, W, C = _x.shape
    shown = _fimg.fit(np.asarray(_x) if C == 3 else np.asarray(_x)[:, :, 0], IMG_PICTURE_PX)  # (h, w[, 3])
    scale = shown.shape[0] / H
    box = (int(at[0] * scale), int(at[1] * scale), max(1, round(k * scale)), max(1, round(k * scale)))
    rgb = np.repeat(shown[:, :, None], 3, axis=2) if C == 1 else shown
    return _fimg.to_png(_fimg.draw_box(rgb, *box))


@st.cache_resource(max_entries=32, show_spinner=False)
def _images_channel_png(input_key: tuple, _x: np.ndarray) -> tuple[bytes, ...]:
    if _x.shape[2] != 3:
        return ()
    # Each channel as a grey picture, one byte per pixel.
    return tuple(_fimg.to_png(_fimg.fit(_x[:, :, c], IMG_SHOWN_PX)) for c in range(3))


def images_zoom_ui(state: ImagesState, x: np.ndarray, result: BankResult) -> ImagesState:
    """Pick a location of the activation map and show the dot product behind its value."""
    H_out, W_out = result.shape[:2]
    best = images_strongest(result, state.sel)
    r0, c0 = state.at if state.at is not None else best
    if r0 >= H_out or c0 >= W_out:
        show_warnings([f"Row {r0}, column {c0} is outside the {H_out}x{W_out} activation map: "
                       "the zoom moved to its edge."])
    r0, c0 = min(r0, H_out - 1), min(c0, W_out - 1)
    _img_seed("img_row", r0)
    _img_seed("img_col", c0)
    ss = st.session_state
    if state.at is None and (ss.img_row, ss.img_col) == ss.get("img_last_best"):
        ss.img_row, ss.img_col = best  # not moved by hand: follow the strongest value of the map shown
    ss.img_last_best = best
    st.session_state.img_row = min(st.session_state.img_row, H_out - 1)
    st.session_state.img_col = min(st.session_state.img_col, W_out - 1)
    a, b = st.columns(2)
    r = int(a.number_input(f"Row (0 to {H_out - 1}, 0 at the top)", 0, H_out - 1, step=1, key="img_row"))
    c = int(b.number_input(f"Column (0 to {W_out - 1})", 0, W_out - 1, step=1, key="img_col"))
    at = None if (r, c) == best else (r, c)
    return ImagesState(**{**state.__dict__, "at": at})


def images_strongest(result: BankResult, f: int) -> tuple[int, int]:
    """Where map f responds most strongly (largest |value|; the first in reading order on ties)."""
    m = np.abs(result.maps[f].act)
    r, c = np.unravel_index(int(np.argmax(m)), m.shape)
    return int(r), int(c)


def images_zoom_numbers(state: ImagesState, x: np.ndarray, result: BankResult, r: int, c: int):
    """The dot product at (r, c) for the selected filter: (HTML tables, sentence)."""
    k, f = state.k, state.sel
    window = x[r:r + k, c:c + k, :].astype(np.int64)  # (k, k, C) pixel values under the window
    w = _img.filter_from_spec(state.filters[f], k, x.shape[2])  # float64: 1/3 stays as exact as it can
    b = state.bias[f]
    step = _conv_trace(window, w, b)[0]
    C = x.shape[2]
    names = ["gray"] if C == 1 else list(_img.CHANNEL_NAMES)
    sums = [float(step.products[:, :, ch].sum()) for ch in range(C)]
    total = float(step.total)
    fig = _fimg.zoom_html(step.values.astype(float), step.weights, names)
    fmt = _fimg._fmt
    text = " + ".join(f"{fmt(s)} ({n})" for s, n in zip(sums, names)) + f" + {fmt(b)} (bias) = **{fmt(total)}**"
    if state.relu:
        text += f", after ReLU **{fmt(max(total, 0.0))}**"
    return fig, text


def images_bytes_note(*pngs: bytes) -> str:
    """How much picture data this view sends to the browser."""
    return f"{sum(len(p) for p in pngs) / 1024:.0f} KB of PNG"


# --- shapes ---
from cnnviz import fig_shapes as _fsh  # noqa: E402
from cnnviz import layers as _lay  # noqa: E402
from cnnviz.architectures import ARCHITECTURES as _ARCHS  # noqa: E402
from cnnviz.grids import parse_number as _parse_number  # noqa: E402


def url_int(lo: int, hi: int):
    """A parser for a whole number in ``lo..hi`` typed into a link; raises ValueError saying why not."""
    def parse(text):
        v = _parse_number(text, limit=10 * hi)
        if not float(v).is_integer():
            raise ValueError(f"{v} is not a whole number")
        if not lo <= v <= hi:
            raise ValueError(f"{int(v)} is outside {lo} to {hi:,}")
        return int(v)
    return parse


def url_choice(options):
    """A parser for one of ``options`` typed into a link."""
    def parse(text):
        if text not in options:
            raise ValueError(f"'{str(text)[:20]}' is not one of {', '.join(map(str, options))}")
        return text
    return parse


def shapes_url_state(page: str, prefix: str, fields: dict) -> list[str]:
    """Once per session and page, copy the link's values into ``st.session_state[prefix + name]``.

    ``fields`` maps a query parameter to ``(default, parser)``; a value the parser refuses falls
    back to the default and gives a warning to show.
    """
    flag = f"_{prefix}url_loaded"
    warnings = []
    if not st.session_state.get(flag):
        st.session_state[flag] = True
        for name, (default, parse) in fields.items():
            raw = st.query_params.get(name)
            value = default
            if raw is not None:
                try:
                    value = parse(raw)
                except ValueError as exc:
                    shown = raw if len(raw) <= 16 else raw[:16] + "…"
                    warnings.append(f"The link's `{name}={shown}` could not be used ({exc}): using {default!r}.")
            st.session_state[prefix + name] = value
    for name, (default, _) in fields.items():
        # Streamlit forgets a widget's value when it is not drawn (another tab or page): restore it.
        st.session_state.setdefault(prefix + name, st.session_state.get("_kept_" + prefix + name, default))
    return warnings


def shapes_save_url(prefix: str, fields: dict) -> None:
    """Write the page's settings into the link, leaving out those at their default; keep them for later."""
    for name, (default, _) in fields.items():
        value = st.session_state.get(prefix + name, default)
        st.session_state["_kept_" + prefix + name] = value
        if value == default:
            if name in st.query_params:
                del st.query_params[name]
        elif st.query_params.get(name) != str(value):
            st.query_params[name] = str(value)


def tabs_ui(prefix: str, tabs: dict[str, str]):
    """Tabs whose choice is state (``st.session_state[prefix + "tab"]``, short names, in the link).

    Returns ``(containers, open tab's short name)``: the page draws only the open tab, so a rerun
    does not pay for the hidden ones.
    """
    name = st.session_state[prefix + "tab"]
    first = st.session_state.setdefault("_first_" + prefix + "tab", name)  # a fixed default keeps the widget's identity
    containers = st.tabs(list(tabs.values()), default=tabs[first], key=prefix + "tabs", on_change="rerun")
    label = st.session_state.get(prefix + "tabs") or tabs[name]
    name = next((k for k, v in tabs.items() if v == label), name)
    st.session_state[prefix + "tab"] = name
    return containers, name


def int_inputs(prefix: str, specs, columns=None) -> dict[str, int]:
    """Number inputs side by side: ``specs`` is ``[(name, label, lo, hi), ...]``; returns their values."""
    cols = columns or st.columns(len(specs))
    return {name: int(col.number_input(label, lo, hi, step=1, key=prefix + name))
            for col, (name, label, lo, hi) in zip(cols, specs)}


@st.cache_resource(max_entries=16)
def conv_vs_dense_figure(n_in: int, k: int):
    """The node-link picture, built once per (inputs, filter size) and shared by every session."""
    return _fsh.conv_vs_dense_figure(n_in, k)


@st.cache_resource(max_entries=1)
def architecture_table_figure():
    """The lecture's table as a plot, with the sizes computed from the presets."""
    keys = [k for k, a in _ARCHS.items() if a.lecture]
    a = [_ARCHS[k] for k in keys]
    return _fsh.architecture_table_figure([x.name for x in a], [x.lecture.size_mb for x in a],
                                          [round(x.size_mb, 1) for x in a], [x.lecture.depth for x in a],
                                          [x.lecture.top1 for x in a], [x.lecture.top5 for x in a])


@st.cache_data(max_entries=32)
def architecture_records(key: str, expand: bool) -> list[dict]:
    """A preset's table as records (blocks opened when ``expand``), computed once per preset."""
    return _lay.table_records(_ARCHS[key].network, expand)


def network_table_ui(records: list[dict]) -> None:
    """A network's per-layer table, numbers right-aligned with thousands separators."""
    if records and not any(r["what it does"] for r in records):  # unnamed layers: the name says it all
        records = [{k: v for k, v in r.items() if k != "what it does"} for r in records]
    st.dataframe(records, hide_index=True, width="stretch", column_config={
        "parameters": st.column_config.NumberColumn(format="localized"),
        "worked out": st.column_config.TextColumn(width="large"),
    })


def network_totals_ui(net) -> None:
    """Totals under a network's table."""
    a, b, c, d = st.columns(4)
    a.metric("Parameters", f"{net.total_params:,}")
    b.metric("Parameters in float32", _lay.format_bytes(net.param_bytes))
    c.metric("Outputs of every layer, one image", _lay.format_bytes(net.activation_bytes))
    d.metric("Final output", _lay.format_shape(net.output_shape))


_BUILDER_COLUMNS = ("layer", "filters / units", "size", "stride", "padding")
_BUILDER_EXAMPLE = "conv:6:5:1:0,relu,maxpool:2:2:0,conv:16:5:1:0,relu,maxpool:2:2:0,flatten,dense:120,relu,dense:84,relu,dense:10"


def _shape_text(text) -> str:
    """``"32x32x3"`` (or ``32×32×3``, ``32,32,3``, ``784``) checked and written back as ``32x32x3``."""
    text = str(text).strip().lower().replace("×", "x").replace(",", "x").replace(" ", "")
    if len(text) > 30:
        raise ValueError("far too long for a shape")
    parts = text.split("x")
    dims = []
    for p in parts:
        if not p.isdigit():
            raise ValueError(f"'{text[:20]}' is not a shape like 32x32x3 or 784")
        dims.append(int(p))
    return _lay.format_shape(_lay.as_shape(dims))


def _net_text(text) -> str:
    if not str(text).strip():
        return ""
    layers, errors = _lay.parse_network_spec(text)
    if errors:
        raise ValueError(errors[0].rstrip("."))
    return _lay.network_spec(layers)


BUILDER_FIELDS = {"in": ("32x32x1", _shape_text), "net": (_BUILDER_EXAMPLE, _net_text)}


def _builder_frame(spec: str):
    import pandas as pd

    rows = []
    for layer in _lay.parse_network_spec(spec)[0]:
        kind, *nums = layer.spec().split(":")
        uses = _lay.BUILDER_KINDS[kind][1]
        values = dict(zip(uses, (int(n) for n in nums)))
        rows.append([kind, values.get("n"), values.get("size"), values.get("stride"), values.get("padding")])
    frame = pd.DataFrame(rows, columns=list(_BUILDER_COLUMNS))
    for col in _BUILDER_COLUMNS[1:]:
        frame[col] = frame[col].astype("Int64")
    return frame


def _builder_load(spec: str, shape: str) -> None:
    st.session_state["sb_net"] = st.session_state["sb_base"] = spec
    st.session_state["sb_in"] = st.session_state["sb_in_text"] = shape
    st.session_state["sb_version"] = st.session_state.get("sb_version", 0) + 1


def builder_presets_ui() -> None:
    """Start the builder from the example or a sequential preset."""
    choices = {"Small example (LeNet-like, ReLU, max pooling)": (_BUILDER_EXAMPLE, "32x32x1")}
    choices |= {a.name: (a.builder_spec, _lay.format_shape(a.input_shape)) for a in _ARCHS.values() if a.builder_spec}
    a, b = st.columns([3, 1], vertical_alignment="bottom")
    name = a.selectbox("Start from", list(choices), key="sb_start")
    # The callback reads the choice itself: a click can arrive together with a new choice.
    b.button("Load it", on_click=lambda: _builder_load(*choices[st.session_state["sb_start"]]), key="sb_load",
             width="stretch")


def builder_ui() -> tuple[tuple[int, ...], list, list[str]]:
    """The builder's input shape and layer table; returns ``(input shape, layers, error messages)``.

    Edits that cannot be read leave the last valid network in place (and in the link).
    """
    errors = []
    editor_key = f"sb_editor_{st.session_state.get('sb_version', 0)}"
    if editor_key not in st.session_state:  # a new editor, or its edits forgotten while hidden: start from now
        st.session_state["sb_base"] = st.session_state["sb_net"]
    st.session_state.setdefault("sb_in_text", st.session_state["sb_in"])
    shape_text = st.text_input("Input shape (height x width x channels, or a number of units)", key="sb_in_text")
    try:
        st.session_state["sb_in"] = _shape_text(shape_text)
    except ValueError as exc:
        errors.append(f"Input shape: {exc}.")
    labels = {k: v[0] for k, v in _lay.BUILDER_KINDS.items()}
    edited = st.data_editor(
        _builder_frame(st.session_state["sb_base"]), num_rows="dynamic", hide_index=True, width="stretch",
        key=editor_key,
        column_config={
            "layer": st.column_config.SelectboxColumn("layer", options=list(labels), required=True,
                                                      help="; ".join(f"{k}: {v}" for k, v in labels.items())),
            "filters / units": st.column_config.NumberColumn(min_value=1, max_value=_lay.MAX_DIM, step=1),
            "size": st.column_config.NumberColumn(min_value=1, max_value=_lay.MAX_DIM, step=1),
            "stride": st.column_config.NumberColumn(min_value=1, max_value=_lay.MAX_DIM, step=1),
            "padding": st.column_config.NumberColumn(min_value=0, max_value=_lay.MAX_DIM, step=1),
        })
    layers = []
    for i, row in enumerate(edited.itertuples(index=False), start=1):
        cells = [None if (v is None or v is _pd_na() or (isinstance(v, float) and v != v)) else v for v in row]
        if all(c is None for c in cells):
            continue  # a row just added, not filled in yet
        try:
            layers.append(_lay.layer_from_spec(*cells))
        except ValueError as exc:
            errors.append(f"Row {i}: {exc}.")
    if not errors:
        st.session_state["sb_net"] = _lay.network_spec(layers) or ""
    layers = _lay.parse_network_spec(st.session_state["sb_net"])[0]
    return _lay.as_shape(tuple(int(d) for d in st.session_state["sb_in"].split("x"))), layers, errors


def _pd_na():
    import pandas as pd

    return pd.NA


def url_bool(text) -> bool:
    """``true``/``false`` (or 1/0) typed into a link."""
    value = {"true": True, "1": True, "false": False, "0": False}.get(str(text).strip().lower())
    if value is None:
        raise ValueError(f"'{str(text)[:16]}' is not true or false")
    return value


ARCH_FIELDS = {"arch": ("lenet5", url_choice(list(_ARCHS))), "open": (False, url_bool)}


def builder_link(arch) -> str | None:
    """A relative link that opens ``arch`` in the Shapes page's network builder (sequential presets only)."""
    from urllib.parse import urlencode

    if not arch.builder_spec:
        return None
    return "shapes?" + urlencode({"tab": "builder", "in": _lay.format_shape(arch.input_shape),
                                  "net": arch.builder_spec})


@st.cache_data(max_entries=1)
def lecture_table_records() -> list[dict]:
    """The lecture's table beside the numbers computed from the presets."""
    return [{"model": a.name, "size in the lecture (MB)": a.lecture.size_mb,
             "4 bytes × parameters (MB)": round(a.size_mb, 1), "parameters": a.total_params,
             "top-1 / top-5 error (%)": f"{a.lecture.top1:.2f} / {a.lecture.top5:.2f}",
             "layers": a.lecture.depth, "description": a.lecture.description}
            for a in _ARCHS.values() if a.lecture]


# --- grids and convolution ---
from collections.abc import Callable as _Callable  # noqa: E402
from typing import Any as _Any  # noqa: E402

from cnnviz import fig_conv as _fconv  # noqa: E402
from cnnviz import player as _player  # noqa: E402
from cnnviz.grids import grid_from_text as _grid_from_text, grid_to_text as _grid_to_text  # noqa: E402
from cnnviz.grids import parse_cells as _gparse_cells, parse_number as _gparse_number, tidy as _tidy  # noqa: E402
from cnnviz.presets import FILTER_PRESETS as _FILTER_PRESETS  # noqa: E402


@dataclass(frozen=True)
class UrlField:
    """One setting of a page that lives in the link as ``?name=text``."""

    name: str  # the query parameter
    default: _Any
    parse: _Callable[[str], _Any]  # text -> value; raises ValueError with a sentence saying why not
    encode: _Callable[[_Any], str] = str  # value -> text; the default value is left out of the link
    what: str = ""  # how to name it in a warning ("the stride")


def int_field(name: str, default: int | None, lo: int, hi: int, what: str) -> UrlField:
    """A whole number in ``lo..hi``; 10,000-digit numbers, decimals and text are refused."""
    def parse(text: str) -> int:
        v = _gparse_number(text, limit=10 ** 9)
        if not float(v).is_integer():
            raise ValueError(f"{v} is not a whole number")
        if not lo <= v <= hi:
            raise ValueError(f"{int(v)} is outside {lo} to {hi}")
        return int(v)
    return UrlField(name, default, parse, str, what)


def float_field(name: str, default: float, lo: float, hi: float, what: str) -> UrlField:
    """A finite number in ``lo..hi`` (whole numbers stay ints, so ``0`` is written ``0``)."""
    def parse(text: str):
        v = _gparse_number(text, limit=10 ** 9)
        if not lo <= v <= hi:
            raise ValueError(f"{v:g} is outside {lo:g} to {hi:g}")
        return int(v) if float(v).is_integer() else float(v)
    return UrlField(name, default, parse, lambda v: format(v, ".10g") if isinstance(v, float) else str(v), what)


def bool_field(name: str, default: bool, what: str) -> UrlField:
    """``1``/``0`` (``true``/``false`` also read)."""
    def parse(text: str) -> bool:
        value = {"1": True, "true": True, "on": True, "0": False, "false": False, "off": False}.get(
            str(text).strip().lower())
        if value is None:
            raise ValueError(f"'{str(text)[:16]}' is not 1 or 0")
        return value
    return UrlField(name, default, parse, lambda v: "1" if v else "0", what)


def grid_field(name: str, default, min_side: int, max_side: int, what: str) -> UrlField:
    """A grid written ``1,2;3,4`` with each side in ``min_side..max_side``."""
    def parse(text: str) -> np.ndarray:
        arr = _grid_from_text(text, max_side=max_side, name=what)
        if min(arr.shape) < min_side:
            raise ValueError(f"the {what} must be at least {min_side}x{min_side}")
        return arr
    return UrlField(name, _tidy(default), parse, _grid_to_text, what)


class UrlState:
    """A page's settings kept in the link, validated both ways.

    ``load()`` once at the top of the page returns ``(values, fresh, warnings)``: every field's value
    (from the link, or the default with a warning when the link's text is refused), and the names
    whose link text is new since the page last wrote the link (the first visit, a pasted link, a
    link from another page): push those into the widgets. ``save(values)`` at the end writes the
    link back, leaving defaults out. Values also survive a visit to another page (which empties
    the link).

    >>> # state = UrlState("conv", [int_field("stride", 1, 1, 4, "stride"), ...])
    """

    def __init__(self, key: str, fields: list[UrlField]):
        self.key = key
        self.fields = {f.name: f for f in fields}

    def _same(self, a, b) -> bool:
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape and bool(
                np.array_equal(a, b))
        return a == b and type(a) is type(b) if isinstance(a, bool) or isinstance(b, bool) else a == b

    def load(self) -> tuple[dict, set[str], list[str]]:
        written = st.session_state.get(f"{self.key}__written")  # link texts as the page last wrote them
        kept = st.session_state.get(f"{self.key}__values", {})
        first = written is None
        written = written or {}
        values, fresh, warnings = {}, set(), []
        for name, f in self.fields.items():
            text = st.query_params.get(name)
            if text is None or (not first and text == written.get(name)):
                values[name] = kept.get(name, f.default) if not first else f.default
                if first:
                    fresh.add(name)
                continue
            fresh.add(name)
            try:
                values[name] = f.parse(text)
            except ValueError as exc:
                shown = text if len(text) <= 24 else text[:24] + "…"
                default = "the default" if isinstance(f.default, np.ndarray) or f.default is None else f"{f.default}"
                warnings.append(f"The link's {f.what or name} (`{name}={shown}`) could not be used: {exc}. "
                                f"Using {default} instead.")
                values[name] = f.default
        return values, fresh, warnings

    def seed(self, values: dict, fresh: set[str], widget_keys: dict[str, str]) -> None:
        """Put link values into widgets (``{field: session key}``) before they are drawn.

        A widget whose state was dropped (the user visited another page) gets its last value back.
        """
        for name, key in widget_keys.items():
            if name in fresh or key not in st.session_state:
                st.session_state[key] = values[name]

    def save(self, values: dict) -> None:
        written = {}
        for name, f in self.fields.items():
            value = values.get(name, f.default)
            if value is None or self._same(value, f.default):
                if name in st.query_params:
                    del st.query_params[name]
                continue
            text = f.encode(value)
            written[name] = text
            if st.query_params.get(name) != text:
                st.query_params[name] = text
        st.session_state[f"{self.key}__written"] = written
        st.session_state[f"{self.key}__values"] = dict(values)


def _grid_texts(arr) -> list[list[str]]:
    return [[_player.format_value(v) if isinstance(v, float) and abs(v) < 1e5 and round(v, 4) == v
             else (format(v, ".10g") if isinstance(v, float) else str(v)) for v in row]
            for row in _tidy(arr).tolist()]


def grid_editor_key(key: str) -> str:
    """The session key of the grid editor's current data editor (tests set its edits there)."""
    return f"{key}__cells{st.session_state.get(f'{key}__v', 0)}"


def _ge_set(key: str, texts: list[list[str]]) -> None:
    """Replace the editor's cells (a new data editor, so old edits are dropped)."""
    st.session_state[f"{key}__base"] = texts
    st.session_state[f"{key}__texts"] = texts
    st.session_state[f"{key}__v"] = st.session_state.get(f"{key}__v", 0) + 1
    st.session_state[f"{key}__rows"], st.session_state[f"{key}__cols"] = len(texts), len(texts[0])


def _ge_resize(key: str) -> None:
    old = st.session_state.get(f"{key}__texts") or st.session_state[f"{key}__base"]
    H, W = int(st.session_state[f"{key}__rows"]), int(st.session_state[f"{key}__cols"])
    _ge_set(key, [[old[r][c] if r < len(old) and c < len(old[0]) else "0" for c in range(W)] for r in range(H)])


def _ge_random(key: str, lo: float, hi: float) -> None:
    H, W = int(st.session_state[f"{key}__rows"]), int(st.session_state[f"{key}__cols"])
    # whole numbers: they are what people can add up in their heads while the window slides
    arr = np.random.default_rng().integers(int(lo), int(hi) + 1, (H, W))
    _ge_set(key, _grid_texts(arr))


def _ge_clear(key: str) -> None:
    H, W = int(st.session_state[f"{key}__rows"]), int(st.session_state[f"{key}__cols"])
    _ge_set(key, [["0"] * W for _ in range(H)])


def _ge_preset(key: str, presets: dict) -> None:
    name = st.session_state.get(f"{key}__preset")
    if name in presets:
        _ge_set(key, _grid_texts(presets[name].weights))


def grid_editor(label: str, key: str, default, *, sides: tuple[int, int] = (1, 16), decimals: bool = True,
                random_range: tuple[float, float] = (0, 5), presets: dict | None = None,
                reset_to=None) -> tuple[np.ndarray, bool]:
    """An editable grid of numbers: returns ``(grid, ok)``, the last valid grid and whether the cells are valid.

    Cells are text, so students can type anything: each is parsed with ``cnnviz.grids.parse_cells``;
    bad cells are listed under the grid and the last valid grid is returned (``ok`` False). Rows and
    columns are set by two number inputs (``sides`` = min and max per side, rectangular allowed);
    "Randomise" (whole numbers in ``random_range``) and "Clear" buttons; ``decimals=False`` refuses
    decimals; with
    ``presets`` (name -> object with ``.weights`` and ``.explains``, e.g. ``FILTER_PRESETS``) a
    select box loads one and the matching preset's one-line explanation is shown. ``reset_to``
    replaces the cells (a value from the link). State lives under ``st.session_state[key + "__…"]``.
    """
    lo_side, hi_side = sides
    if f"{key}__base" not in st.session_state:
        _ge_set(key, _grid_texts(default))
        st.session_state[f"{key}__valid"] = _tidy(default)
    if reset_to is not None:
        _ge_set(key, _grid_texts(reset_to))
        st.session_state[f"{key}__valid"] = _tidy(reset_to)
    ed_key = grid_editor_key(key)
    texts = st.session_state[f"{key}__texts"]
    if ed_key not in st.session_state and texts != st.session_state[f"{key}__base"]:
        _ge_set(key, texts)  # the editor's edits were dropped (a visit to another page): keep them
        ed_key = grid_editor_key(key)
    for side, n in (("rows", len(texts)), ("cols", len(texts[0]))):
        st.session_state.setdefault(f"{key}__{side}", n)

    st.markdown(f"**{label}**")
    c1, c2 = st.columns(2)
    c1.number_input("rows", lo_side, hi_side, step=1, key=f"{key}__rows", on_change=_ge_resize, args=(key,))
    c2.number_input("columns", lo_side, hi_side, step=1, key=f"{key}__cols", on_change=_ge_resize, args=(key,))
    base = st.session_state[f"{key}__base"]
    W = len(base[0])
    columns = [str(c + 1) for c in range(W)]
    frame = _pd_frame(base, columns)
    edited = st.data_editor(
        frame, key=ed_key, hide_index=False, num_rows="fixed", width="content", row_height=38,
        column_config={c: st.column_config.TextColumn(c, width=46, max_chars=40) for c in columns},
    )
    cells = [[("" if v is None else str(v)) for v in row] for row in edited[columns].to_numpy(dtype=object).tolist()]
    st.session_state[f"{key}__texts"] = cells
    arr, errors = _gparse_cells(cells, name=label.lower())
    if arr is not None and not decimals and not np.issubdtype(arr.dtype, np.integer):
        arr, errors = None, [f"The {label.lower()} takes whole numbers only."]
    if errors:
        show_errors(errors, kept=f"The last valid {label.lower()} is still used.")
    else:
        st.session_state[f"{key}__valid"] = arr
    b1, b2 = st.columns(2)
    b1.button("Randomise", key=f"{key}__rand", on_click=_ge_random, args=(key, *random_range),
              icon=":material/casino:", width="stretch")
    b2.button("Clear", key=f"{key}__clear", on_click=_ge_clear, args=(key,), icon=":material/ink_eraser:",
              width="stretch")
    valid = st.session_state[f"{key}__valid"]
    if presets:
        st.selectbox("Load a preset", list(presets), index=None, placeholder="Load a preset…", key=f"{key}__preset",
                     on_change=_ge_preset, args=(key, presets), label_visibility="collapsed")
        match = next((p for p in presets.values() if p.weights.shape == valid.shape
                      and np.allclose(p.weights, valid, atol=1e-9)), None)
        if match is not None:
            st.caption(f"**{match.name}**: {match.explains}")
    return valid, not errors


def _pd_frame(texts: list[list[str]], columns: list[str]):
    import pandas as pd  # streamlit depends on pandas already

    return pd.DataFrame(texts, columns=columns, index=[str(r + 1) for r in range(len(texts))], dtype=object)


CONV_LIMITS = {"input": (3, 16), "filter": (1, 7), "stride": (1, 4), "padding": (0, 3), "dilation": (1, 3)}


def conv_url_state() -> UrlState:
    """The Convolution page's link: grids, bias, ReLU, stride, padding, dilation and the player's step."""
    from cnnviz.presets import LECTURE_FILTER, LECTURE_INPUT

    return UrlState("conv", [
        grid_field("input", LECTURE_INPUT, *CONV_LIMITS["input"], "input"),
        grid_field("filter", LECTURE_FILTER, *CONV_LIMITS["filter"], "filter"),
        float_field("bias", 0, -1000, 1000, "bias"),
        bool_field("relu", False, "ReLU switch"),
        int_field("stride", 1, *CONV_LIMITS["stride"], "stride"),
        int_field("padding", 0, *CONV_LIMITS["padding"], "padding"),
        int_field("dilation", 1, *CONV_LIMITS["dilation"], "dilation"),
        int_field("step", None, 0, 100_000, "animation step"),
    ])


def conv_settings_ui() -> dict:
    """Stride, padding, dilation, bias and ReLU widgets (keys ``conv_<name>``); returns their values."""
    out = {
        "stride": st.number_input("Stride", *CONV_LIMITS["stride"], step=1, key="conv_stride",
                                  help="How far the window moves at each step."),
        "padding": st.number_input("Zero padding", *CONV_LIMITS["padding"], step=1, key="conv_padding",
                                   help="Rings of zeros added around the input."),
        "dilation": st.number_input("Dilation", *CONV_LIMITS["dilation"], step=1, key="conv_dilation",
                                    help="Spacing between the filter's taps: 2 spreads a 3x3 filter over 5x5."),
    }
    bias = st.number_input("Bias", -1000.0, 1000.0, step=1.0, key="conv_bias", format="%g",
                           help="Added to every dot product.")
    out["bias"] = int(bias) if float(bias).is_integer() else float(bias)
    out["relu"] = st.toggle("ReLU", key="conv_relu", help="Replace negative outputs by 0: max(0, x).")
    return out


@st.cache_data(max_entries=256, show_spinner=False)
def conv_player(x_text: str, w_text: str, bias, relu: bool, stride: int, padding: int, dilation: int,
                step: int | None) -> tuple[str, np.ndarray]:
    """The player's HTML and the activation map (cached on the grids' link text)."""
    x, w = _grid_from_text(x_text), _grid_from_text(w_text)
    spec = _fconv.conv_player_spec(x, w, bias, relu=relu, stride=stride, padding=padding, dilation=dilation,
                                   initial_step=step)
    return _player.player_html(spec), spec.output


def show_player(html: str, height: int | None = None) -> None:
    """Render a step player built by ``cnnviz.player.player_html``.

    ``st.iframe`` (the successor of ``components.v1.html``: same sandbox, same origin) sizes the frame to
    the player, so a phone gets a taller frame instead of a scrolling one; ``height`` fixes it instead.
    """
    st.iframe(html, height="content" if height is None else height, alt="Step-by-step animation of the sliding window")


# --- pooling ---
from cnnviz import fig_pool as _fpool  # noqa: E402
from cnnviz.pool import POOL_MODES as _POOL_MODES, TIE_RULE as _TIE_RULE  # noqa: E402
from cnnviz.shapes import pool_output_formula as _pool_formula  # noqa: E402

POOL_DEFAULT = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], dtype=np.int64)
POOL_LIMITS = {"input": (1, 32), "size": (1, 4), "stride": (1, 4), "maps": (1, 8)}
POOL_SOURCES = {"map": "One activation map", "stack": "A stack of maps"}
POOL_SIDES = (6, 8, 12, 16, 24, 28, 32)  # sides of the stack's maps
# The stack: a picture seen through these filters (then ReLU), one activation map per filter.
POOL_STACK_FILTERS = ("Vertical edge", "Horizontal edge", "Sobel x", "Sobel y", "Sharpen", "Outline (Laplacian)",
                      "Emboss", "Identity")
POOL_WIDGETS = {"src": "pool_src", "mode": "pool_mode", "size": "pool_size", "stride": "pool_stride",
                "side": "pool_side", "maps": "pool_maps", "pick": "pool_pick"}


def choice_field(name: str, default, options, what: str) -> UrlField:
    """One of ``options`` (compared as text, case-insensitive)."""
    def parse(text: str):
        for o in options:
            if str(o).lower() == str(text).strip().lower():
                return o
        shown = str(text) if len(str(text)) <= 12 else str(text)[:12] + "…"
        raise ValueError(f"'{shown}' is not one of {', '.join(map(str, options))}")
    return UrlField(name, default, parse, str, what)


def pool_url_state() -> UrlState:
    """The Pooling page's link: the input (one map or a stack), the mode, window, stride and the player's step."""
    return UrlState("pool", [
        choice_field("src", "map", tuple(POOL_SOURCES), "input choice"),
        grid_field("input", POOL_DEFAULT, *POOL_LIMITS["input"], "activation map"),
        choice_field("mode", "max", _POOL_MODES, "pooling mode"),
        int_field("size", 2, *POOL_LIMITS["size"], "window size"),
        int_field("stride", 2, *POOL_LIMITS["stride"], "stride"),
        choice_field("side", 12, POOL_SIDES, "size of the stack's maps"),
        int_field("maps", 6, *POOL_LIMITS["maps"], "number of maps"),
        int_field("pick", 1, 1, POOL_LIMITS["maps"][1], "animated map"),
        int_field("step", None, 0, 100_000, "animation step"),
    ])


def pool_settings_ui() -> dict:
    """Input choice, mode, window size and stride (keys ``pool_<name>``); returns their values."""
    out = {"src": st.radio("Input", list(POOL_SOURCES), format_func=POOL_SOURCES.get, key="pool_src",
                           horizontal=True),
           "mode": st.radio("Pooling", list(_POOL_MODES), format_func=_fpool.MODE_NAMES.get, key="pool_mode",
                            horizontal=True)}
    c1, c2 = st.columns(2)
    out["size"] = c1.number_input("Window size", *POOL_LIMITS["size"], step=1, key="pool_size",
                                  help="The window is size × size cells.")
    out["stride"] = c2.number_input("Stride", *POOL_LIMITS["stride"], step=1, key="pool_stride",
                                    help="How far the window moves each step.")
    return out


def pool_stack_ui() -> dict:
    """Size and number of the stack's maps, and which one the player animates (1-based)."""
    c1, c2 = st.columns(2)
    side = c1.selectbox("Each map is", POOL_SIDES, format_func=lambda s: f"{s}×{s}", key="pool_side")
    maps = c2.number_input("Maps", *POOL_LIMITS["maps"], step=1, key="pool_maps")
    if not 1 <= st.session_state.get("pool_pick", 1) <= maps:
        show_warnings([f"There is no map {st.session_state['pool_pick']} in a stack of {maps}: animating map 1."])
        st.session_state["pool_pick"] = 1
    pick = st.selectbox("Animate map", list(range(1, maps + 1)), key="pool_pick",
                        format_func=lambda i: f"{i}. {POOL_STACK_FILTERS[i - 1]}")
    return {"side": side, "maps": int(maps), "pick": pick}


@st.cache_resource(max_entries=16, show_spinner=False)
def pool_stack(side: int, maps: int) -> np.ndarray:
    """``(side, side, maps)`` activation maps: a grey picture (values 0-9) through edge filters, then ReLU."""
    g = _img.to_grayscale(_img.sample_image("Circles", side + 2))  # (side+2, side+2, 1)
    g = np.round(g / 255 * 9).astype(np.int64)
    w = np.stack([_FILTER_PRESETS[n].weights for n in POOL_STACK_FILTERS[:maps]], axis=-1)[:, :, None, :]  # (3,3,1,C)
    out = np.maximum(_conv2d(g, w), 0)  # (side, side, C)
    out.flags.writeable = False  # shared by every session
    return out


@st.cache_data(max_entries=256, show_spinner=False)
def pool_player(x_text: str, size: int, stride: int, mode: str, step: int | None) -> tuple[str, np.ndarray]:
    """The player's HTML and the pooled map (cached on the map's link text)."""
    spec = _fpool.pool_player_spec(_grid_from_text(x_text), size, stride, mode, initial_step=step)
    return _player.player_html(spec), spec.output


@st.cache_data(max_entries=256, show_spinner=False)
def pool_max_avg_html(x_text: str, size: int, stride: int) -> str:
    """Max beside average on one map, as HTML grids (cached on the map's link text)."""
    return _fpool.max_avg_html(_grid_from_text(x_text), size, stride)


@st.cache_resource(max_entries=32, show_spinner=False)
def pool_stack_figure(side: int, maps: int, size: int, stride: int, mode: str, pick: int):
    """Every map of the stack above its pooled map (cached; the figure is only read)."""
    stack = pool_stack(side, maps)
    names = [n.replace(" (Laplacian)", "") for n in POOL_STACK_FILTERS[:maps]]
    return _fpool.stack_figure(stack, _pool2d(stack, size, stride, mode), names, pick - 1)


def pool_dropped(n: int, size: int, stride: int) -> int:
    """How many of ``n`` rows (or columns) no window reaches."""
    covered = np.zeros(n, dtype=bool)
    for i in range((n - size) // stride + 1):
        covered[i * stride:i * stride + size] = True
    return int(n - covered.sum())


def pool_numbers_ui(in_shape: tuple[int, ...], out_shape: tuple[int, ...], size: int, stride: int) -> None:
    """What pooling does, in numbers: the output-size formula, sizes, share kept, 0 parameters, dropped cells."""
    H, W = in_shape[:2]
    fr, fc = _pool_formula(H, size, stride), _pool_formula(W, size, stride)
    st.markdown("Output size, (n − size) / stride + 1 on each axis:  \n"
                + (f"`{fr}` on both axes" if fr == fc else f"rows `{fr}`  \ncolumns `{fc}`"))
    n_in, n_out = int(np.prod(in_shape)), int(np.prod(out_shape))
    dims = lambda s: " × ".join(map(str, s))  # noqa: E731
    a, b, c, d = st.columns(4)
    a.metric("Input", dims(in_shape), help=f"{n_in:,} activations")
    b.metric("Output", dims(out_shape), help=f"{n_out:,} activations")
    c.metric("Activations kept", f"{n_out / n_in:.0%}" if n_out / n_in >= 0.01 else f"{n_out / n_in:.1%}",
             help=f"{n_out:,} of {n_in:,}")
    d.metric("Parameters", "0", help="Pooling learns nothing: it has no weights and no bias.")
    st.caption(f"{n_in:,} activations in, {n_out:,} out: pooling keeps {n_out:,} of {n_in:,} "
               f"and has 0 parameters to learn.")
    dr, dc = pool_dropped(H, size, stride), pool_dropped(W, size, stride)
    if dr or dc:
        lost = H * W - (H - dr) * (W - dc)
        st.info(f"A stride of {stride} with a {size}×{size} window does not cover the whole map: "
                f"{dr} row(s) and {dc} column(s), {lost} cell(s) of each map, are never in a window and are "
                "dropped (hatched in the player and in the grids below).", icon=":material/grid_off:")


def pool_tie_rule() -> str:
    """How max pooling breaks ties, in a sentence."""
    return _TIE_RULE


# Last, once every name above exists: a run that started outside app.py restarts through it.
_hand_over_to_app_navigation()
