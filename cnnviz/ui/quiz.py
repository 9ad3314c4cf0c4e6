"""The Quiz page: the quiz in the link, the questions, the answers checked and the score."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, replace

import streamlit as st

from cnnviz.quiz import (
    DEFAULT_SEED, MAX_SEED, QUIZ_LENGTHS, Question, Verdict, check_answer, grid_markdown, make_quiz, parse_seed,
)
from cnnviz.ui import plain, show_errors
from cnnviz.ui.state import UrlField, UrlState, choice_field

_QUIZ_RESULTS = "quiz_results"  # {(seed, index): Verdict} the latest checked answer to each question
_QUIZ_SCORE = "quiz_score"  # {"right": int, "answered": int} over the whole session


@dataclass(frozen=True)
class QuizSettings:
    """What the quiz page's link holds: ``?seed=1234&n=5``."""

    seed: int  # the quiz number handed to the class
    n: int  # how many questions, one of QUIZ_LENGTHS


# Both settings are always in the link: the page shows the link to share, and it must name the quiz.
URL = UrlState("quiz", QuizSettings, [
    UrlField("seed", DEFAULT_SEED, parse_seed, str, "quiz number", f"Showing quiz {DEFAULT_SEED} instead."),
    choice_field("n", QUIZ_LENGTHS[0], QUIZ_LENGTHS, "number of questions", f"Showing {QUIZ_LENGTHS[0]}."),
], defaults_in_link=True)


@st.cache_resource(max_entries=512, show_spinner=False)
def questions_for(seed: int, n: int) -> tuple[Question, ...]:
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


def _quiz_open(settings: QuizSettings, seed: int) -> None:
    URL.save(replace(settings, seed=seed))


def _quiz_open_typed(settings: QuizSettings) -> None:
    typed = st.session_state.get("quiz-number")
    try:
        _quiz_open(settings, parse_seed(typed))
        st.session_state.pop("quiz-number-error", None)
    except ValueError as exc:
        st.session_state["quiz-number-error"] = str(exc)
        st.session_state["quiz-number"] = str(settings.seed)


def _quiz_set_length(settings: QuizSettings) -> None:
    URL.save(replace(settings, n=st.session_state["quiz-length"]))


def header_ui(settings: QuizSettings) -> None:
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
            st.form_submit_button("Open", key="quiz-open", on_click=_quiz_open_typed, args=(settings,))
    length.radio("Questions", QUIZ_LENGTHS, key="quiz-length", horizontal=True, on_change=_quiz_set_length,
                 args=(settings,))
    new.button("New quiz", key="quiz-new", icon=":material/casino:", type="primary", on_click=_quiz_open,
               args=(settings, 100_000 + secrets.randbelow(900_000)), help="Draw new questions (a new quiz number).")
    if st.session_state.get("quiz-number-error"):
        show_errors([st.session_state.pop("quiz-number-error")], kept=f"Quiz {settings.seed} is still shown.")
    share = f"{(st.context.url or '').split('?')[0]}?seed={settings.seed}&n={settings.n}"
    st.markdown(f"**Quiz number {settings.seed}**: everyone who opens this link, or types this number, "
                "gets the same questions.")
    st.code(share, language=None)


def score_ui(settings: QuizSettings, questions) -> None:
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
        st.success(plain(verdict.message), icon=":material/check_circle:")
    else:
        st.error(plain(verdict.message), icon=":material/cancel:")


def question_ui(seed: int, index: int, question: Question) -> None:
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
            st.warning(plain(verdict.message), icon=":material/edit_off:")


def footer_ui(settings: QuizSettings) -> None:
    """Start the same quiz over (the session's score keeps counting)."""
    st.button("Start this quiz over", key="quiz-restart", icon=":material/restart_alt:", on_click=_quiz_restart,
              args=(settings.seed, settings.n))
