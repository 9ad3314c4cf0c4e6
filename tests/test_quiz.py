"""Quiz questions: the same per seed, every answer redone independently, a lenient but honest checker."""
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz import (
    MAX_SEED, QUIZ_KINDS, check_answer, conv2d_naive, make_question, make_quiz, parse_seed, pool2d_naive,
)
from cnnviz.lecture.presets import FILTER_PRESETS
from cnnviz.lecture.quiz import questions as quiz_module
from cnnviz.lecture.quiz import edge_orientation, grid_markdown, hint_for, parse_integer_answer, parse_shape_answer
from cnnviz.views.conv import conv_player_spec
from cnnviz.views.pool import pool_player_spec
from cnnviz.kernel.grids import grid_from_text

SEEDS = range(0, 400, 7)


def fingerprint(q):
    """Everything a student sees or is graded on, as plain comparable values."""
    return (q.kind, q.text, q.answer_type, q.answer, q.answer_text, q.solution, q.choices,
            tuple((c, g.tolist()) for c, g in q.grids))


def questions_of(kind, seeds=SEEDS, per_seed=7):
    found = [q for s in seeds for q in make_quiz(s, per_seed) if q.kind == kind]
    assert found, kind
    return found


def find_question(kind, wanted, tries=20_000):
    """Draw questions of one kind until ``wanted(q)``: the generator can produce the lecture's cases."""
    make = quiz_module._GENERATORS[kind]
    return next((q for i in range(tries) if wanted(q := make(np.random.default_rng(i)))), None)


def numbers(pattern, text):
    m = re.search(pattern, text)
    assert m, (pattern, text)
    return [int(g) for g in m.groups()]


def windows(n, k, stride):
    """How many window positions fit, counted one by one (no formula)."""
    return len([start for start in range(0, n, stride) if start + k <= n])


# -- determinism -----------------------------------------------------------------------------------

def test_same_seed_same_quiz_and_different_seeds_differ():
    assert [fingerprint(q) for q in make_quiz(1234, 10)] == [fingerprint(q) for q in make_quiz(1234, 10)]
    texts = {tuple(q.text for q in make_quiz(s, 5)) for s in range(30)}
    assert len(texts) == 30


def test_a_longer_quiz_starts_with_the_shorter_one():
    assert [fingerprint(q) for q in make_quiz(77, 5)] == [fingerprint(q) for q in make_quiz(77, 10)[:5]]


def test_every_seven_questions_hold_every_kind_once():
    for seed in (0, 1, 99, MAX_SEED):
        quiz = make_quiz(seed, 14)
        assert sorted(q.kind for q in quiz[:7]) == sorted(QUIZ_KINDS)
        assert sorted(q.kind for q in quiz[7:]) == sorted(QUIZ_KINDS)


@pytest.mark.parametrize("bad", [-1, MAX_SEED + 1, 1.5, "12", None, True])
def test_bad_seed_or_length_is_a_readable_error(bad):
    with pytest.raises(ValueError, match="quiz number"):
        make_quiz(bad)
    with pytest.raises(ValueError, match="1 to 50"):
        make_quiz(1, 0)


# -- every answer against an independent computation ------------------------------------------------

def test_conv_output_shape_by_counting_windows():
    uneven = 0
    for q in questions_of("conv_output"):
        H, W, C, F, k, s, p = numbers(
            r"\*\*(\d+)x(\d+)x(\d+)\*\*.*\*\*(\d+) filters of size (\d+)x\d+\*\*, stride \*\*(\d+)\*\* "
            r"and zero padding \*\*(\d+)\*\*", q.text)
        assert q.answer == (windows(H + 2 * p, k, s), windows(W + 2 * p, k, s), F)
        uneven += (H + 2 * p - k) % s != 0
        assert q.answer_text in q.solution
    assert uneven > 0, "strides that do not divide evenly must come up"


def test_conv_output_small_cases_against_naive_loops():
    for q in questions_of("conv_output", seeds=range(100)):
        H, W, C, F, k, s, p = numbers(
            r"\*\*(\d+)x(\d+)x(\d+)\*\*.*\*\*(\d+) filters of size (\d+)x\d+\*\*, stride \*\*(\d+)\*\* "
            r"and zero padding \*\*(\d+)\*\*", q.text)
        if H * W <= 256:
            out = conv2d_naive(np.ones((H, W, 1)), np.ones((k, k, 1, F)), stride=s, padding=p)
            assert q.answer == out.shape


def test_conv_params_by_hand():
    for q in questions_of("conv_params"):
        H, _, C, F, k = numbers(r"\*\*(\d+)x(\d+)x(\d+)\*\*.*\*\*(\d+) filters of size (\d+)x", q.text)
        assert q.answer == (k * k * C + 1) * F
        assert f"({k}×{k}×{C} + 1)×{F} = {q.answer:,}" in q.solution


def test_the_lecture_parameter_example_reads_as_in_the_lecture():
    # Lecture: 32x32x3 input, 10 5x5 filters: (5*5*3 + 1)*10 = 760.
    q = find_question("conv_params", lambda q: "**32x32x3**" in q.text and "**10 filters of size 5x5**" in q.text)
    assert q.answer == 760 and "(5×5×3 + 1)×10 = 760" in q.solution
    assert check_answer(q, "760").correct


def test_pool_shape_by_counting_windows():
    for q in questions_of("pool_shape"):
        H, _, C, size, _, s = numbers(r"\*\*(\d+)x(\d+)x(\d+)\*\*.*with (\d+)x(\d+) windows and stride (\d+)", q.text)
        assert q.answer == (windows(H, size, s), windows(H, size, s), C)


def test_dense_against_conv_by_hand():
    for q in questions_of("dense_vs_conv"):
        F, k, H, _, C, Ho, _, F2 = numbers(
            r"\*\*(\d+) filters of size (\d+)x\d+\*\*.*input of \*\*(\d+)x(\d+)x(\d+)\*\* to an output of "
            r"\*\*(\d+)x(\d+)x(\d+)\*\*", q.text)
        assert Ho == H - k + 1 and F2 == F
        n_in, n_out = H * H * C, Ho * Ho * F
        assert q.answer == n_in * n_out + n_out
        assert f"{q.answer:,}" in q.solution and f"= {(k * k * C + 1) * F}" in q.solution


def test_the_lecture_dense_example_checks():
    # 32x32x3 -> 28x28x6: 3072*4704 + 4704 = 14,455,392 against (5*5*3 + 1)*6 = 456.
    q = find_question("dense_vs_conv", lambda q: "input of **32x32x3** to an output of **28x28x6**" in q.text)
    assert q is not None
    assert q.answer == 14_455_392 and "3072×4704 + 4704 = **14,455,392**" in q.solution
    for typed in ["14,455,392", "14455392", " 14 455 392 ", "14.455.392"]:
        assert check_answer(q, typed).correct, typed


def step_responses(weights):
    """Response of a filter to a flat patch, a vertical step and a horizontal step, by naive loops."""
    flat = np.ones((5, 5), dtype=np.int64)
    vertical = np.tile([1, 1, 1, 0, 0], (5, 1))  # bright left, dark right
    horizontal = vertical.T
    return [np.abs(conv2d_naive(img, weights)).max() for img in (flat, vertical, horizontal)]


def test_edge_filter_answer_is_the_only_one_that_finds_that_direction():
    seen = set()
    for q in questions_of("edge_filter"):
        direction = "vertical" if "**vertical**" in q.text else "horizontal"
        finds = []
        for (caption, w), letter in zip(q.grids, q.choices):
            assert caption == f"Filter {letter}"
            flat, vert, horiz = step_responses(w)
            wanted, other = (vert, horiz) if direction == "vertical" else (horiz, vert)
            if flat == 0 and other == 0 and wanted > 0:
                finds.append(letter)
            assert (edge_orientation(w) == direction) == (letter in finds)
        assert finds == [q.answer]
        seen.add((direction, q.solution.split("(")[-1].rstrip(").")))
        # The filters' names give the answer away: none appears in the question.
        assert not any(name in q.text for name in FILTER_PRESETS)
    assert {d for d, _ in seen} == {"vertical", "horizontal"}
    assert len(seen) == 4  # Vertical edge, Sobel x, Horizontal edge, Sobel y all come up


def test_activation_cell_against_naive_loops():
    for q in questions_of("activation_cell"):
        (_, x), (_, w) = q.grids
        s, p = numbers(r"stride \*\*(\d+)\*\*, zero padding \*\*(\d+)\*\*", q.text)
        b = re.search(r"bias \*\*(−?\d+)\*\*", q.text)
        b = int(b.group(1).replace("−", "-")) if b else 0
        r, c = numbers(r"row (\d+), column (\d+)\*\*", q.text)
        out = conv2d_naive(x, w, b, stride=s, padding=p)
        assert q.answer == out[r - 1, c - 1]
        assert f"= **{q.answer_text.replace('-', '−')}**" in q.solution


def test_a_padded_window_is_shown_in_the_padded_input():
    # The solution counts rows and columns on the padded input: it shows that input, the window in bold.
    padded = [q for q in questions_of("activation_cell") if "zero padding **1**" in q.text]
    assert len(padded) >= 3
    for q in padded:
        (_, x), (_, w) = q.grids
        k = w.shape[0]
        r0, c0 = numbers(r"top-left corner is at row (\d+), column (\d+) of the input padded", q.solution)
        assert f"The input padded with 1 ring of zeros, {x.shape[0] + 2}x{x.shape[1] + 2}" in q.solution
        for i, row in enumerate(np.pad(x, 1).tolist()):  # (H + 2, W + 2), every cell 0 to 3
            cells = [f"**{v}**" if r0 - 1 <= i < r0 - 1 + k and c0 - 1 <= j < c0 - 1 + k else str(v)
                     for j, v in enumerate(row)]
            assert f"| **{i + 1}** | " + " | ".join(cells) + " |" in q.solution
    unpadded = next(q for q in questions_of("activation_cell") if "zero padding **0**" in q.text)
    assert "padded" not in unpadded.solution


def test_lecture_first_window_written_out():
    # Lecture: the first cell of the 3x3 activation map is 12.
    x = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
    assert conv2d_naive(x, [[0, 1, 2], [2, 2, 0], [0, 1, 2]])[0, 0] == 12


def test_max_pool_cell_against_plain_max():
    for q in questions_of("max_pool_cell"):
        ((_, x),) = q.grids
        size, s = numbers(r"with \*\*(\d+)x\d+ windows and stride (\d+)\*\*", q.text)
        r, c = numbers(r"row (\d+), column (\d+)\*\*", q.text)
        r0, c0 = (r - 1) * s, (c - 1) * s
        assert q.answer == max(x[i][j] for i in range(r0, r0 + size) for j in range(c0, c0 + size))
        assert q.answer == pool2d_naive(x, size, s)[r - 1, c - 1]


# -- the checker -----------------------------------------------------------------------------------

def test_shape_answers_are_read_leniently():
    for typed in ["28x28x6", "28 x 28 x 6", "28×28×6", "(28, 28, 6)", " 28X28X6 ", "[28,28,6]", "28 28 6"]:
        assert parse_shape_answer(typed) == (28, 28, 6), typed


def test_integer_answers_are_read_leniently():
    for typed in ["14,455,392", "14455392", "  14455392  ", "14 455 392", "14_455_392", "= 14455392", "14455392.0"]:
        assert parse_integer_answer(typed) == 14_455_392, typed
    assert parse_integer_answer("−3") == -3 and parse_integer_answer("-3") == -3


@pytest.mark.parametrize("typed, says", [
    ("", "Type a whole number"),
    ("banana", "is not a number"),
    ("1,5", "commas may only group thousands"),
    ("2.5", "no decimals"),
    ("1" * 10_000, "far too long"),
    ("NaN", "is not a number"),
    ("inf", "is not a number"),
])
def test_integer_garbage_gets_a_helpful_message(typed, says):
    q = next(q for q in make_quiz(1, 7) if q.answer_type == "integer")
    verdict = check_answer(q, typed)
    assert verdict.status == "invalid" and not verdict.correct
    assert says in verdict.message and len(verdict.message) < 200


@pytest.mark.parametrize("typed, says", [
    ("28x28", "you gave 2"),
    ("28xx28x6", "is not a shape"),
    ("twenty-eight", "is not a shape"),
    ("-28x28x6", "is not a shape"),
    ("", "Type a shape"),
])
def test_shape_garbage_gets_a_helpful_message(typed, says):
    q = next(q for q in make_quiz(1, 7) if q.answer_type == "shape")
    verdict = check_answer(q, typed)
    assert verdict.status == "invalid" and says in verdict.message


def test_choice_answers():
    q = next(q for q in make_quiz(1, 7) if q.answer_type == "choice")
    wrong = next(c for c in q.choices if c != q.answer)
    for typed in [q.answer, q.answer.lower(), f"({q.answer})", f" {q.answer}. ", f"Filter {q.answer}"]:
        assert check_answer(q, typed).correct, typed
    assert check_answer(q, wrong).status == "wrong"
    assert check_answer(q, "E").status == "invalid" and "Pick one of A, B, C, D" in check_answer(q, "E").message


def test_wrong_answers_say_what_was_read_but_not_the_answer():
    q = next(q for q in make_quiz(3, 7) if q.kind == "conv_output")
    H, W, F = q.answer
    v = check_answer(q, f"{H + 1} x {W} x {F}")
    assert v.status == "wrong" and f"{H + 1}x{W}x{F}" in v.message and q.answer_text not in v.message


def test_a_hint_points_at_what_is_wrong_without_giving_the_answer():
    q = find_question("conv_params", lambda q: "**32x32x3**" in q.text and "**10 filters of size 5x5**" in q.text)
    forgot_bias = hint_for(q, check_answer(q, "750").given)
    assert forgot_bias.startswith("Did you count each filter's bias?") and "760" not in forgot_bias
    assert "760" not in hint_for(q, check_answer(q, "1234").given)
    q = next(q for q in make_quiz(3, 7) if q.kind == "conv_output")
    H, W, F = q.answer
    assert "Your height and depth are right." in hint_for(q, (H, W + 1, F))


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 20), st.one_of(st.none(), st.text(max_size=80), st.integers(), st.floats()))
def test_the_checker_never_raises(index, typed):
    q = make_question(4242, index)
    v = check_answer(q, typed)
    assert v.status in ("right", "wrong", "invalid") and v.message


@settings(max_examples=200, deadline=None)
@given(st.integers(0, MAX_SEED), st.integers(0, 30))
def test_any_seed_makes_a_valid_question(seed, index):
    q = make_question(seed, index)
    assert q.kind in QUIZ_KINDS and q.answer_type in ("integer", "shape", "choice")
    assert check_answer(q, q.answer_text).correct
    assert q.text and q.solution and q.hint
    for _, g in q.grids:
        assert g.ndim == 2 and g.dtype.kind == "i" and g.size <= 36


def test_many_seeds_generate_without_error():
    for seed in range(300):
        for q in make_quiz(seed, 7):
            assert check_answer(q, q.answer_text).correct
            if q.answer_type != "choice":
                assert q.answer_text.replace("-", "−") in q.solution or q.answer_text in q.solution


# -- seeds from a URL ------------------------------------------------------------------------------

def test_parse_seed():
    assert parse_seed("1234") == 1234 and parse_seed(" 7 ") == 7 and parse_seed(str(MAX_SEED)) == MAX_SEED
    for bad in ["", None, "abc", "-5", "1e3", "12.0", "NaN", "9" * 10_000, "١٢", str(MAX_SEED + 1)]:
        with pytest.raises(ValueError, match="quiz number"):
            parse_seed(bad)


def test_grid_markdown_numbers_rows_and_columns_from_one():
    text = grid_markdown(np.array([[1, -2], [3, 4]]), first_row=3, first_col=5)
    assert text.splitlines()[0] == "| | **5** | **6** |"
    assert text.splitlines()[2] == "| **3** | 1 | −2 |"


@settings(max_examples=200, deadline=None)
@given(st.tuples(st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 10_000)),
       st.sampled_from(["x", " x ", "×", " × ", "X", ", ", ",", "*"]),
       st.sampled_from([("", ""), ("(", ")"), ("[", "]"), ("  ", " ")]))
def test_any_shape_written_any_usual_way_reads_back(shape, sep, brackets):
    typed = brackets[0] + sep.join(str(v) for v in shape) + brackets[1]
    assert parse_shape_answer(typed) == shape


@settings(max_examples=200, deadline=None)
@given(st.integers(-10**15, 10**15))
def test_any_whole_number_with_or_without_thousands_commas_reads_back(n):
    assert parse_integer_answer(f"{n:,}") == n
    assert parse_integer_answer(f" {n} ") == n
    assert parse_integer_answer(f"{n:_}") == n


# -- questions worth asking, hints that teach, solutions that open the player -------------------------

any_question = st.tuples(st.integers(0, MAX_SEED), st.integers(0, 20))


def question_of_kind(kind, seed):
    """The question of ``kind`` in the first seven of quiz ``seed`` (each kind is there once)."""
    return next(q for q in make_quiz(seed, 7) if q.kind == kind)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, MAX_SEED))
def test_no_filter_by_hand_is_trivial(seed):
    q = question_of_kind("activation_cell", seed)
    (_, x), (_, w) = q.grids
    assert np.count_nonzero(w) >= 2, w  # not [[1, 0], [0, 0]]: that only copies a cell
    link = q.player.query
    r, c = numbers(r"row (\d+), column (\d+)\*\*", q.text)
    s, p = int(link["stride"]), int(link["padding"])
    padded = np.pad(x, p)
    k = w.shape[0]
    window = padded[(r - 1) * s:(r - 1) * s + k, (c - 1) * s:(c - 1) * s + k]
    assert np.count_nonzero(window * w) >= 2  # a sum of at least two products


@settings(max_examples=300, deadline=None)
@given(st.integers(0, MAX_SEED))
def test_no_one_by_one_filter_with_padding(seed):
    q = question_of_kind("conv_output", seed)
    k, p = numbers(r"size (\d+)x\d+\*\*, stride \*\*\d+\*\* and zero padding \*\*(\d+)\*\*", q.text)
    assert not (k == 1 and p > 0), q.text


@settings(max_examples=300, deadline=None)
@given(st.integers(0, MAX_SEED))
def test_every_max_pool_window_has_one_clear_maximum(seed):
    q = question_of_kind("max_pool_cell", seed)
    ((_, x),) = q.grids
    size, s = numbers(r"with \*\*(\d+)x\d+ windows and stride (\d+)\*\*", q.text)
    r, c = numbers(r"row (\d+), column (\d+)\*\*", q.text)
    window = x[(r - 1) * s:(r - 1) * s + size, (c - 1) * s:(c - 1) * s + size]
    assert np.count_nonzero(window == window.max()) == 1


@settings(max_examples=300, deadline=None)
@given(any_question)
def test_every_question_has_a_hint_that_is_not_its_solution(seed_index):
    q = make_question(*seed_index)
    assert q.hint and q.hint not in q.solution
    assert f"**{q.answer_text}**" not in q.hint
    if q.answer_type == "shape" or len(q.answer_text) >= 3:
        assert q.answer_text not in q.hint
    for wrong, why in q.mistakes:
        assert wrong != q.answer and check_answer(q, q.answer_text).correct
        assert q.answer_text not in why


@settings(max_examples=200, deadline=None)
@given(st.integers(0, MAX_SEED))
def test_a_convolution_solution_opens_its_own_window_in_the_player(seed):
    q = question_of_kind("activation_cell", seed)
    link = q.player.query
    assert q.player.page == "convolution"
    x, w = grid_from_text(link["input"]), grid_from_text(link["filter"])
    assert np.array_equal(x, q.grids[0][1]) and np.array_equal(w, q.grids[1][1])
    spec = conv_player_spec(x, w, int(link.get("bias", 0)), stride=int(link["stride"]), padding=int(link["padding"]))
    step = spec.steps[int(link["step"]) - 1]  # step s shows window s (the player counts from 1; 0 is empty)
    r, c = numbers(r"row (\d+), column (\d+)\*\*", q.text)
    assert step.out == (r - 1, c - 1) and step.value == q.answer


@settings(max_examples=200, deadline=None)
@given(st.integers(0, MAX_SEED))
def test_a_pooling_solution_opens_its_own_window_in_the_player(seed):
    q = question_of_kind("max_pool_cell", seed)
    link = q.player.query
    assert q.player.page == "pooling" and link["mode"] == "max" and link["src"] == "map"
    x = grid_from_text(link["input"])
    assert np.array_equal(x, q.grids[0][1])
    spec = pool_player_spec(x, int(link["size"]), int(link["stride"]))
    step = spec.steps[int(link["step"]) - 1]
    r, c = numbers(r"row (\d+), column (\d+)\*\*", q.text)
    assert step.out == (r - 1, c - 1) and step.value == q.answer


def test_only_window_questions_link_to_the_player():
    for q in make_quiz(11, 14):
        assert (q.player is not None) == (q.kind in ("activation_cell", "max_pool_cell")), q.kind
