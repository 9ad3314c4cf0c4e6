"""The Quiz page: the quiz in the link, the questions, the answers checked and the score."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, replace

import streamlit as st

from cnnviz.lecture.quiz import (
    DEFAULT_SEED, MAX_SEED, QUIZ_LENGTHS, Question, Verdict, check_answer, grid_markdown, hint_for, make_quiz,
    parse_seed,
)
from cnnviz.ui import ROOT, page_link, plain, show_errors
from cnnviz.ui.cache import bounded
from cnnviz.ui.state import LastValid, UrlField, UrlState, choice_field

_QUIZ_RESULTS = "quiz_results"  # {(seed, index): Verdict} the latest checked answer to each question
_QUIZ_SCORE = "quiz_score"  # {"right": int, "answered": int} over the whole session
_QUIZ_SEEN = "quiz_seen"  # {(seed, index)} questions whose worked solution was asked for: they no longer score
_QUIZ_SCORED = "quiz_scored"  # {(seed, index)} questions answered right before their solution was seen
_QUIZ_TRIED = "quiz_tried"  # {(seed, index)} questions whose first answer was checked: a retry is practice


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


@bounded(max_entries=512)
def questions_for(seed: int, n: int) -> tuple[Question, ...]:
    """The quiz, built once per (seed, n) and shared by every student (questions are read-only)."""
    return tuple(make_quiz(seed, n))


def _quiz_results() -> dict:
    return st.session_state.setdefault(_QUIZ_RESULTS, {})


def _quiz_answer_key(seed: int, index: int) -> str:
    return f"quiz-answer-{seed}-{index}"


def _quiz_seen() -> set:
    return st.session_state.setdefault(_QUIZ_SEEN, set())


def _quiz_scored() -> set:
    return st.session_state.setdefault(_QUIZ_SCORED, set())


def _quiz_tried() -> set:
    return st.session_state.setdefault(_QUIZ_TRIED, set())


def _quiz_submit(seed: int, index: int, question: Question) -> None:
    verdict = check_answer(question, st.session_state.get(_quiz_answer_key(seed, index)))
    _quiz_results()[(seed, index)] = verdict
    # Only a question's first answer scores: after a wrong one (and its hint) or the solution, answers are practice.
    if verdict.valid and (seed, index) not in _quiz_seen() | _quiz_tried():
        _quiz_tried().add((seed, index))
        score = st.session_state.setdefault(_QUIZ_SCORE, {"right": 0, "answered": 0})
        score["answered"] += 1
        score["right"] += verdict.correct
        if verdict.correct:
            _quiz_scored().add((seed, index))


def _quiz_show_solution(seed: int, index: int) -> None:
    _quiz_seen().add((seed, index))


def _quiz_retry(seed: int, index: int) -> None:
    _quiz_results().pop((seed, index), None)
    st.session_state.pop(_quiz_answer_key(seed, index), None)


def _quiz_restart(seed: int, n: int) -> None:
    # A new attempt: each question's first answer scores again. A question whose solution was seen stays
    # seen: starting over must not turn it back into points.
    for index in range(n):
        _quiz_retry(seed, index)
        _quiz_scored().discard((seed, index))
        _quiz_tried().discard((seed, index))


def _quiz_open(settings: QuizSettings, seed: int) -> None:
    URL.save(replace(settings, seed=seed))


def _quiz_open_typed(settings: QuizSettings) -> None:
    typed = LastValid[int]("quiz-number")  # the quiz number typed last, and why it was refused
    try:
        _quiz_open(settings, typed.put(parse_seed(st.session_state.get("quiz-number"))))
    except ValueError as exc:
        typed.refuse([str(exc)])
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
    typed = LastValid[int]("quiz-number")
    if typed.errors:
        show_errors(typed.errors, kept=f"Quiz {settings.seed} is still shown.")
        typed.put(settings.seed)  # said once: the quiz shown is the valid one
    share = f"{(st.context.url or '').split('?')[0]}?seed={settings.seed}&n={settings.n}"
    st.markdown(f"**Quiz number {settings.seed}**: everyone who opens this link, or types this number, "
                "gets the same questions.")
    st.code(share, language=None)


def score_ui(settings: QuizSettings, questions) -> None:
    """This quiz's progress and the session's score."""
    results, scored, seen = _quiz_results(), _quiz_scored(), _quiz_seen()
    keys = [(settings.seed, i) for i in range(len(questions))]
    right = sum(k in scored for k in keys)
    checked = sum(k in results and results[k].valid for k in keys)
    solved = sum(k in seen and k not in scored for k in keys)
    score = st.session_state.get(_QUIZ_SCORE, {"right": 0, "answered": 0})
    a, b = st.columns(2)
    a.metric("This quiz", f"{right} / {len(questions)} right",
             help=f"{checked} of {len(questions)} questions answered"
                  + (f"; {solved} answered by the worked solution, which no longer score." if solved else "."))
    b.metric("This session", f"{score['right']} of {score['answered']} answers right",
             help="The first checked answer to each question counts (a retry is practice), in every quiz you "
                  "took since opening the page.")


def _quiz_verdict_ui(verdict: Verdict, question: Question, counts: bool, seen: bool) -> None:
    if verdict.correct:
        why = "you saw its worked solution" if seen else "a retry after a wrong answer is practice"
        note = "" if counts else f" This question no longer scores: {why}."
        st.success(plain(verdict.message + note), icon=":material/check_circle:")
    else:
        st.error(plain(verdict.message), icon=":material/cancel:")


def _quiz_solution_ui(question: Question) -> None:
    with st.expander("Worked solution", expanded=True, icon=":material/school:"):
        st.markdown(question.solution)
        link = question.player
        if link is not None and (ROOT / "pages" / f"{link.page}.py").exists():
            page_link(ROOT / "pages" / f"{link.page}.py", f"{link.label} →", link.query, icon=":material/play_circle:")


def question_ui(seed: int, index: int, question: Question) -> None:
    """One question: its grids and an answer form; a wrong answer gets a hint, the solution comes on request."""
    key = (seed, index)
    with st.container(border=True, key=f"quiz-q-{index}"):
        st.markdown(f"**Question {index + 1}.** {question.text}")
        if question.grids:
            for col, (caption, grid) in zip(st.columns(max(len(question.grids), 3)), question.grids):
                col.markdown(f"**{caption}**\n\n{grid_markdown(grid)}")
        verdict, seen = _quiz_results().get(key), key in _quiz_seen()
        if verdict is not None and verdict.valid:
            _quiz_verdict_ui(verdict, question, counts=key in _quiz_scored(), seen=seen)
            if verdict.correct or seen:
                _quiz_solution_ui(question)
            else:
                st.info(plain("Hint: " + hint_for(question, verdict.given)), icon=":material/lightbulb:")
            if not verdict.correct:
                retry, show = st.columns(2)
                retry.button("Try again", key=f"quiz-retry-{seed}-{index}", icon=":material/replay:",
                             on_click=_quiz_retry, args=(seed, index))
                if not seen:
                    show.button("Show the worked solution", key=f"quiz-solution-{seed}-{index}",
                                icon=":material/school:", on_click=_quiz_show_solution, args=(seed, index),
                                help="After the solution this question no longer scores, even when you start the "
                                     "quiz over.")
            return
        if seen:
            st.caption("You saw the worked solution: answering again is practice, it no longer scores.")
        elif key in _quiz_tried():
            st.caption("Your first answer was checked: answering again is practice, it no longer scores.")
        with st.form(f"quiz-form-{seed}-{index}", border=False):
            answer_key = _quiz_answer_key(seed, index)
            if question.answer_type == "choice":
                st.radio("Your answer", question.choices, index=None, key=answer_key, horizontal=True)
            else:
                st.text_input("Your answer", key=answer_key, placeholder=question.placeholder, max_chars=60)
            st.form_submit_button("Check", key=f"quiz-check-{seed}-{index}", on_click=_quiz_submit,
                                  args=(seed, index, question))
        if verdict is not None:
            st.warning(plain(verdict.message), icon=":material/edit_off:")


def footer_ui(settings: QuizSettings) -> None:
    """Start the same quiz over (the session's score keeps counting)."""
    st.button("Start this quiz over", key="quiz-restart", icon=":material/restart_alt:", on_click=_quiz_restart,
              args=(settings.seed, settings.n))
