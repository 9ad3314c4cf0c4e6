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
