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
    # Keep the widgets showing what the URL says (a new quiz, a pasted link).
    if st.session_state.get("quiz-number-shown") != settings.seed:
        st.session_state["quiz-number"] = str(settings.seed)
        st.session_state["quiz-number-shown"] = settings.seed
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
    st.caption(f"Share this quiz: everyone who opens this link, or types quiz number {settings.seed}, "
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
    a.metric("This quiz", f"{right} / {len(questions)} right", help=f"{checked} of {len(questions)} questions answered.")
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
    for name, (default, _) in fields.items():  # keys lost by a visit to another page
        st.session_state.setdefault(prefix + name, default)
    return warnings


def shapes_save_url(prefix: str, fields: dict) -> None:
    """Write the page's settings into the link, leaving out those at their default."""
    for name, (default, _) in fields.items():
        value = st.session_state.get(prefix + name, default)
        if value == default:
            if name in st.query_params:
                del st.query_params[name]
        elif st.query_params.get(name) != str(value):
            st.query_params[name] = str(value)


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
    st.session_state.setdefault("sb_base", st.session_state["sb_net"])
    st.session_state.setdefault("sb_in_text", st.session_state["sb_in"])
    shape_text = st.text_input("Input shape (height x width x channels, or a number of units)", key="sb_in_text")
    try:
        st.session_state["sb_in"] = _shape_text(shape_text)
    except ValueError as exc:
        errors.append(f"Input shape: {exc}.")
    labels = {k: v[0] for k, v in _lay.BUILDER_KINDS.items()}
    edited = st.data_editor(
        _builder_frame(st.session_state["sb_base"]), num_rows="dynamic", hide_index=False, width="stretch",
        key=f"sb_editor_{st.session_state.get('sb_version', 0)}",
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
    return "shapes?" + urlencode({"in": _lay.format_shape(arch.input_shape), "net": arch.builder_spec})


@st.cache_data(max_entries=1)
def lecture_table_records() -> list[dict]:
    """The lecture's table beside the numbers computed from the presets."""
    return [{"model": a.name, "size in the lecture (MB)": a.lecture.size_mb,
             "4 bytes × parameters (MB)": round(a.size_mb, 1), "parameters": a.total_params,
             "top-1 / top-5 error (%)": f"{a.lecture.top1:.2f} / {a.lecture.top5:.2f}",
             "layers": a.lecture.depth, "description": a.lecture.description}
            for a in _ARCHS.values() if a.lecture]
