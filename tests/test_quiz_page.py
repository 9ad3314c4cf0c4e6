"""The quiz page: a seed in the link, answers checked with verdicts and solutions, a score for the session."""
import re
from urllib.parse import parse_qs

import pytest
from streamlit.testing.v1 import AppTest

from cnnviz import make_quiz
from cnnviz.lecture.quiz import hint_for
from conftest import open_app_page, player_data, player_html

SEED = 1234


def open_quiz(seed=SEED, n=None, **extra):
    """The quiz page, opened through the app (its solutions link to the other pages)."""
    params = ({} if seed is None else {"seed": str(seed)}) | ({} if n is None else {"n": str(n)}) | extra
    at = open_app_page("pages/quiz.py", **params)
    assert not at.exception
    return at


def shown_text(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def answer(at, seed, index, typed):
    """Type (or pick) an answer to question ``index`` and press Check."""
    key = f"quiz-answer-{seed}-{index}"
    if any(r.key == key for r in at.radio):
        at.radio(key).set_value(typed)
    else:
        at.text_input(key).input(typed)
    at.button(f"quiz-check-{seed}-{index}").click().run()
    assert not at.exception
    return at


def index_of(quiz, answer_type):
    return next(i for i, q in enumerate(quiz) if q.answer_type == answer_type)


def test_the_seed_in_the_link_gives_everyone_the_same_questions():
    at = open_quiz()
    text = shown_text(at)
    for q in make_quiz(SEED, 5):
        assert q.text in text
    assert metric(at, "This quiz") == "0 / 5 right"
    assert not at.warning and not at.error
    assert f"?seed={SEED}&n=5" in at.code[0].value
    assert at.text_input("quiz-number").value == str(SEED)


def test_without_a_seed_the_default_quiz_is_shown_and_written_to_the_link():
    at = open_quiz(seed=None)
    assert at.query_params["seed"] == "1" and at.query_params["n"] == "5"
    assert make_quiz(1, 1)[0].text in shown_text(at)
    assert not at.warning


def test_right_answer_shows_the_verdict_the_solution_and_the_score():
    quiz = make_quiz(SEED, 5)
    i = index_of(quiz, "integer")
    at = answer(open_quiz(), SEED, i, f"  {quiz[i].answer_text} ")
    assert [s.value for s in at.success] == [f"Right: {quiz[i].answer_text}."]
    assert quiz[i].solution in shown_text(at)
    assert metric(at, "This quiz") == "1 / 5 right"
    assert metric(at, "This session") == "1 of 1 answers right"
    assert f"quiz-check-{SEED}-{i}" not in [b.key for b in at.button]  # answered: no form any more


def test_a_wrong_answer_gets_a_hint_not_the_solution_and_a_retry_is_practice():
    quiz = make_quiz(SEED, 5)
    i = index_of(quiz, "shape")
    H, W, C = quiz[i].answer
    at = answer(open_quiz(), SEED, i, f"({H + 1}, {W}, {C})")
    assert len(at.error) == 1
    assert "Not quite" in at.error[0].value and quiz[i].answer_text not in at.error[0].value
    assert [n.value for n in at.info] == [f"Hint: {hint_for(quiz[i], (H + 1, W, C))}"]
    assert quiz[i].solution not in shown_text(at) and not at.expander  # the solution waits to be asked for
    assert metric(at, "This quiz") == "0 / 5 right"
    assert metric(at, "This session") == "0 of 1 answers right"
    at.button(f"quiz-retry-{SEED}-{i}").click().run()
    assert not at.error and at.text_input(f"quiz-answer-{SEED}-{i}").value == ""
    assert "Your first answer was checked: answering again is practice" in "\n".join(c.value for c in at.caption)
    at = answer(at, SEED, i, f"{H} × {W} × {C}")
    assert at.success[0].value == (f"Right: {quiz[i].answer_text}. This question no longer scores: a retry after a "
                                   "wrong answer is practice.")
    assert metric(at, "This quiz") == "0 / 5 right"  # the retry after a wrong answer does not score
    assert metric(at, "This session") == "0 of 1 answers right"
    at.button("quiz-restart").click().run()  # starting over is a new attempt: first answers score again
    at = answer(at, SEED, i, quiz[i].answer_text)
    assert metric(at, "This quiz") == "1 / 5 right"
    assert metric(at, "This session") == "1 of 2 answers right"


def test_after_the_worked_solution_a_retry_never_scores():
    quiz = make_quiz(SEED, 5)
    i = index_of(quiz, "shape")
    H, W, C = quiz[i].answer
    at = answer(open_quiz(), SEED, i, f"{H + 1}x{W}x{C}")
    at.button(f"quiz-solution-{SEED}-{i}").click().run()
    assert quiz[i].solution in shown_text(at)
    at.button(f"quiz-retry-{SEED}-{i}").click().run()
    assert "no longer scores" in "\n".join(c.value for c in at.caption)
    at = answer(at, SEED, i, quiz[i].answer_text)
    assert "no longer scores" in at.success[0].value
    assert metric(at, "This quiz") == "0 / 5 right"
    assert metric(at, "This session") == "0 of 1 answers right"
    at.button("quiz-restart").click().run()  # starting over does not turn a seen solution into points
    at = answer(at, SEED, i, quiz[i].answer_text)
    assert metric(at, "This quiz") == "0 / 5 right"


def window_question(kind):
    """A quiz (seed, index, question) with a question of ``kind`` among its first five."""
    return next((seed, i, q) for seed in range(1, 200) for i, q in enumerate(make_quiz(seed, 5)) if q.kind == kind)


@pytest.mark.parametrize("kind, page", [("activation_cell", "convolution"), ("max_pool_cell", "pooling")])
def test_a_window_solution_opens_that_step_in_the_player(kind, page):
    seed, i, q = window_question(kind)
    at = answer(open_quiz(seed), seed, i, q.answer_text)
    link = next(p.proto for p in at.get("page_link") if p.proto.page == page)
    params = {k: v[0] for k, v in parse_qs(link.query_string).items()}
    assert params == q.player.query
    at = open_app_page(f"pages/{page}.py", **params)
    assert not at.exception and not at.error and not at.warning
    html = player_html(at)
    assert player_data(at)["initial"] == int(params["step"])
    r, c = (int(v) - 1 for v in re.search(r"row (\d+), column (\d+)\*\*", q.text).groups())
    assert re.search(rf'id="out-{r}-{c}"[^>]*data-value="{q.answer}"', html)


def test_multiple_choice_question():
    quiz = make_quiz(SEED, 5)
    i = index_of(quiz, "choice")
    wrong = next(c for c in quiz[i].choices if c != quiz[i].answer)
    at = open_quiz()
    at.button(f"quiz-check-{SEED}-{i}").click().run()  # nothing picked yet
    assert "Pick one of A, B, C, D" in at.warning[0].value and not at.error
    at = answer(at, SEED, i, wrong)
    assert f"you answered {wrong}" in at.error[0].value
    at.button(f"quiz-retry-{SEED}-{i}").click().run()
    at = answer(at, SEED, i, quiz[i].answer)
    assert at.success[0].value == (f"Right: {quiz[i].answer}. This question no longer scores: a retry after a wrong "
                                   "answer is practice.")


@pytest.mark.parametrize("typed", ["banana", "", "1,5", "12abc", "NaN"])
def test_garbage_answer_gets_a_hint_and_no_score(typed):
    quiz = make_quiz(SEED, 5)
    i = index_of(quiz, "integer")
    at = answer(open_quiz(), SEED, i, typed)
    assert len(at.warning) == 1 and not at.error and not at.success
    assert metric(at, "This session") == "0 of 0 answers right"
    assert f"quiz-check-{SEED}-{i}" in [b.key for b in at.button]  # the form is still there


@pytest.mark.parametrize("seed, says", [
    ("abc", "not a whole number"),
    ("-3", "not a whole number"),
    ("NaN", "not a whole number"),
    ("9" * 10_000, "not a whole number"),
    ("", "empty"),
])
def test_bad_seed_in_the_link_falls_back_with_a_warning(seed, says):
    at = open_quiz(seed=seed)
    assert len(at.warning) == 1 and says in at.warning[0].value and "Showing quiz 1" in at.warning[0].value
    assert len(at.warning[0].value) < 300
    assert make_quiz(1, 1)[0].text in shown_text(at)
    assert at.query_params["seed"] == "1"


def test_bad_length_in_the_link_falls_back_with_a_warning():
    at = open_quiz(n="7")
    assert "not 5 or 10" in at.warning[0].value
    assert metric(at, "This quiz") == "0 / 5 right" and at.query_params["n"] == "5"


def test_ten_questions_from_the_link_and_from_the_selector():
    at = open_quiz(n=10)
    assert metric(at, "This quiz") == "0 / 10 right"
    at.radio("quiz-length").set_value(5).run()
    assert metric(at, "This quiz") == "0 / 5 right" and at.query_params["n"] == "5"


def test_new_quiz_draws_a_new_seed_and_the_session_score_carries_over():
    quiz = make_quiz(SEED, 5)
    at = answer(open_quiz(), SEED, 0, quiz[0].answer_text)
    at.button("quiz-new").click().run()
    new_seed = int(at.query_params["seed"])
    assert new_seed != SEED
    assert make_quiz(new_seed, 1)[0].text in shown_text(at)
    assert at.text_input("quiz-number").value == str(new_seed)
    assert metric(at, "This quiz") == "0 / 5 right"
    assert metric(at, "This session") == "1 of 1 answers right"


def test_typing_a_quiz_number_opens_it_and_garbage_is_refused():
    at = open_quiz()
    at.text_input("quiz-number").input("4821")
    at.button("quiz-open").click().run()
    assert at.query_params["seed"] == "4821" and make_quiz(4821, 1)[0].text in shown_text(at)
    at.text_input("quiz-number").input("forty-two")
    at.button("quiz-open").click().run()
    assert not at.exception
    assert "not a whole number" in at.error[0].value and "Quiz 4821 is still shown" in at.error[0].value
    assert at.query_params["seed"] == "4821" and at.text_input("quiz-number").value == "4821"


def test_start_over_clears_this_quiz_but_not_the_session_score():
    quiz = make_quiz(SEED, 5)
    at = answer(open_quiz(), SEED, 0, quiz[0].answer_text)
    at.button("quiz-restart").click().run()
    assert metric(at, "This quiz") == "0 / 5 right"
    assert metric(at, "This session") == "1 of 1 answers right"
    assert not at.success


def test_the_page_is_in_the_app_navigation():
    at = AppTest.from_file("../app.py", default_timeout=30).run()
    at.switch_page("pages/quiz.py").run()
    assert not at.exception and at.title[0].value == "Quiz practice"
