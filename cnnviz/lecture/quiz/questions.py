"""The quiz's questions: seven generators, each drawing one kind of question from a seeded stream.

Question ``i`` of a seed does not depend on how many questions the quiz has: a quiz of 10 starts
with the quiz of 5. Every correct answer is computed by the kernel (``conv_output_size``,
``conv_param_count``, ``dense_param_count``, ``pool_output_size``, ``conv2d``, ``pool2d``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnviz.kernel.conv import conv2d, pad_input
from cnnviz.kernel.grids import grid_to_text
from cnnviz.kernel.notation import format_count, format_number, format_product, format_shape
from cnnviz.kernel.pool import pool2d
from cnnviz.kernel.shapes import (
    conv_output_formula,
    conv_output_size,
    conv_param_count,
    conv_param_formula,
    dense_param_count,
    dense_param_formula,
    pool_output_formula,
    pool_output_size,
)
from cnnviz.lecture.presets import FILTER_PRESETS
from cnnviz.lecture.quiz.markdown import bold_total, grid_markdown, number_list, products_text

__all__ = [
    "QUIZ_KINDS",
    "QUIZ_LENGTHS",
    "DEFAULT_SEED",
    "MAX_SEED",
    "ANSWER_TYPES",
    "Question",
    "PlayerLink",
    "write_answer",
    "make_question",
    "question_of_kind",
    "make_quiz",
    "edge_orientation",
]

QUIZ_KINDS = (
    "conv_output",  # output shape of a convolutional layer
    "conv_params",  # parameters of a convolutional layer
    "pool_shape",  # output shape of a pooling layer
    "dense_vs_conv",  # a fully connected layer's parameters beside a convolutional one's
    "edge_filter",  # which preset finds vertical / horizontal edges
    "activation_cell",  # one cell of an activation map, by hand
    "max_pool_cell",  # one cell of max pooling, by hand
)
QUIZ_LENGTHS = (5, 10)
DEFAULT_SEED = 1
MAX_SEED = 999_999_999  # nine digits: easy to read out to a class, far from any overflow
ANSWER_TYPES = ("integer", "shape", "choice")
_CHOICE_LETTERS = "ABCD"


@dataclass(frozen=True)
class PlayerLink:
    """A step of the app's player: the page and the link settings that open one window of a question.

    Steps count as the player counts them: step ``s`` has the first ``s`` windows done and shows
    window ``s`` (windows in reading order, from 1), so output cell ``(r, c)`` of a ``W_out``-wide
    map is step ``r * W_out + c + 1``.
    """

    page: str  # "convolution" or "pooling"
    params: tuple[tuple[str, str], ...]  # the page's query parameters, in order
    label: str  # the link's text

    @property
    def query(self) -> dict[str, str]:
        return dict(self.params)


@dataclass(frozen=True, eq=False)
class Question:
    """One generated question, its correct answer and the worked solution."""

    kind: str  # one of QUIZ_KINDS
    text: str  # the question, Markdown
    answer_type: str  # "integer", "shape" ("HxWxC") or "choice" (a letter)
    answer: int | tuple[int, ...] | str  # the correct answer, computed by the kernel
    solution: str  # the worked solution with the numbers substituted, Markdown
    grids: tuple[tuple[str, np.ndarray], ...] = ()  # (caption, (rows, cols)) grids to show with the question
    choices: tuple[str, ...] = ()  # option letters for "choice" questions
    placeholder: str = ""  # how to type the answer
    hint: str = ""  # shown after a wrong answer: the way in, never the answer
    mistakes: tuple[tuple[object, str], ...] = ()  # (a likely wrong answer, what it says went wrong)
    player: PlayerLink | None = None  # the window of the solution, opened in the step player

    def __post_init__(self) -> None:
        # Questions are shared between sessions (cached): their grids must not change under anyone.
        for _, grid in self.grids:
            grid.setflags(write=False)

    @property
    def answer_text(self) -> str:
        """The correct answer as a student would write it: ``760``, ``28x28x6``, ``B``."""
        return write_answer(self.answer_type, self.answer)


def write_answer(answer_type: str, value: int | tuple[int, ...] | str) -> str:
    """An answer as the quiz writes it back: ``14,455,392``, ``28x28x6``, ``B``.

    Examples
    --------
    >>> write_answer("integer", 14455392), write_answer("shape", (28, 28, 6)), write_answer("choice", "B")
    ('14,455,392', '28x28x6', 'B')
    """
    if answer_type == "integer":
        return format_count(value)
    if answer_type == "shape":
        return format_shape(value)
    return str(value)


# -- generators, one per kind ----------------------------------------------------------------------

def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def _conv_output(rng: np.random.Generator) -> Question:
    while True:
        H = int(_pick(rng, [7, 9, 10, 12, 15, 16, 28, 32, 39, 64, 100, 224, 227]))
        W = H if rng.random() < 0.75 else int(_pick(rng, [8, 12, 20, 24, 32, 48]))
        C = int(_pick(rng, [1, 3, 3, 6, 16, 32]))
        k = int(_pick(rng, [1, 3, 3, 5, 5, 7, 11]))
        s = int(_pick(rng, [1, 1, 2, 2, 3, 4]))
        p = int(_pick(rng, [0, 0, 1, 1, 2, 3]))
        F = int(_pick(rng, [4, 6, 8, 10, 16, 32, 64, 96]))
        # A 1x1 filter with padding would only compute a frame of zeros around the input: an odd question.
        if k <= H + 2 * p and k <= W + 2 * p and not (k == 1 and p):
            break
    H_out, W_out = conv_output_size(H, k, s, p), conv_output_size(W, k, s, p)
    answer = (H_out, W_out, F)
    uneven = (H + 2 * p - k) % s or (W + 2 * p - k) % s
    lines = [
        "Along each side: output = ⌊(input + 2×padding − filter) / stride⌋ + 1.",
        f"- Height: {conv_output_formula(H, k, s, p)}",
        f"- Width: {conv_output_formula(W, k, s, p)}",
        f"- Depth: one activation map per filter, so {F}.",
    ]
    if uneven:
        lines.append(
            "\nThe stride does not divide evenly, so round down: the last input cells that no "
            "window reaches are left out."
        )
    lines.append(f"\nOutput volume: **{format_shape(answer)}**.")
    return Question(
        kind="conv_output",
        text=(
            f"An input volume of **{format_shape((H, W, C))}** goes through a convolutional layer with **{F} filters "
            f"of size {format_shape((k, k))}**, stride **{s}** and zero padding **{p}**. "
            "What is the shape of the output volume?"
        ),
        answer_type="shape",
        answer=answer,
        solution="\n".join(lines),
        placeholder="height x width x depth, like 28x28x6",
        hint=("Work out one side at a time with output = ⌊(input + 2×padding − filter) / stride⌋ + 1; "
              "the depth is one activation map per filter."),
        mistakes=_unique_mistakes(answer, [
            ((conv_output_size(H, k, s), conv_output_size(W, k, s), F), "Did you leave out the padding?")
            if k <= min(H, W) else (answer, ""),
            ((conv_output_size(H, k, 1, p), conv_output_size(W, k, 1, p), F), "Did you leave out the stride?"),
            ((H_out, W_out, C), "The depth is not the input's depth: each filter makes one activation map."),
        ]),
    )


def _conv_params(rng: np.random.Generator) -> Question:
    H = int(_pick(rng, [28, 32, 56, 64, 224]))
    C = int(_pick(rng, [1, 3, 3, 6, 16, 32, 64, 96, 128]))
    k = int(_pick(rng, [1, 3, 3, 5, 5, 7, 11]))
    F = int(_pick(rng, [6, 10, 16, 32, 64, 96, 128, 256]))
    total = conv_param_count(k, k, C, F)
    per_filter = k * k * C + 1
    return Question(
        kind="conv_params",
        text=(
            f"Input volume: **{format_shape((H, H, C))}**. A convolutional layer has **{F} filters of size "
            f"{format_shape((k, k))}** "
            "(each with a bias). How many parameters does this layer learn?"
        ),
        answer_type="integer",
        answer=total,
        solution=(
            f"A filter always extends the full depth of the input, so each filter is {format_shape((k, k, C))}: "
            f"{format_product(k, k, C)} + 1 = {format_count(per_filter)} parameters (+1 for the bias).\n\n"
            f"{F} filters: {conv_param_formula(k, k, C, F)}.\n\n"
            f"The input's height and width ({format_shape((H, H))}) do not matter: the same weights slide over every "
            "position."
        ),
        placeholder="a whole number, like 760",
        hint=("A filter extends the full depth of the input: count the weights of one filter, add its bias, "
              "then multiply by the number of filters. The input's height and width do not matter."),
        mistakes=_unique_mistakes(total, [
            (k * k * C * F, "Did you count each filter's bias?"),
            (per_filter, "That is one filter: the layer has several."),
            ((k * k + 1) * F, "Did you count the input's depth? Each filter is as deep as the input."),
        ]),
    )


def _pool_shape(rng: np.random.Generator) -> Question:
    while True:
        H = int(_pick(rng, [4, 6, 7, 8, 13, 14, 16, 27, 28, 32, 55, 56, 112, 224]))
        C = int(_pick(rng, [1, 3, 6, 16, 64, 96, 256]))
        size = int(_pick(rng, [2, 2, 2, 3]))
        s = int(_pick(rng, [size, size, 1, 2]))
        if size <= H:
            break
    out = pool_output_size(H, size, s)
    answer = (out, out, C)
    uneven = (H - size) % s
    lines = [
        "Along each side: output = ⌊(input − window) / stride⌋ + 1.",
        f"- Height and width: {pool_output_formula(H, size, s)}",
        f"- Depth: pooling works on each activation map on its own, so the depth stays {C}.",
    ]
    if uneven:
        lines.append("\nThe stride does not divide evenly, so round down: cells no window reaches are dropped.")
    lines.append(f"\nOutput volume: **{format_shape(answer)}** (pooling has no parameters).")
    return Question(
        kind="pool_shape",
        text=(
            f"A volume of **{format_shape((H, H, C))}** goes through **max pooling with {format_shape((size, size))} "
            "windows and "
            f"stride {s}**. What is the shape of the output volume?"
        ),
        answer_type="shape",
        answer=answer,
        solution="\n".join(lines),
        placeholder="height x width x depth, like 14x14x6",
        hint=("On each side: output = ⌊(input − window) / stride⌋ + 1; pooling works on each activation map "
              "on its own."),
    )


def _dense_vs_conv(rng: np.random.Generator) -> Question:
    H = int(_pick(rng, [6, 8, 10, 12, 16, 28, 32]))
    C = int(_pick(rng, [1, 3]))
    k = int(_pick(rng, [3, 5]))
    F = int(rng.integers(2, 9))
    H_out = conv_output_size(H, k)
    n_in, n_out = H * H * C, H_out * H_out * F
    dense = dense_param_count(n_in, n_out)
    conv = conv_param_count(k, k, C, F)
    return Question(
        kind="dense_vs_conv",
        text=(
            f"A convolutional layer with **{F} filters of size {format_shape((k, k))}** (stride 1, no padding) maps "
            f"an input of **{format_shape((H, H, C))}** to an output of **{format_shape((H_out, H_out, F))}**, with "
            f"{conv_param_formula(k, k, C, F)} parameters. How many parameters would a **fully connected** "
            "layer need between the same input and output (every input value connected to every output "
            "value, plus one bias per output)?"
        ),
        answer_type="integer",
        answer=dense,
        solution=(
            f"Inputs: {format_product(H, H, C)} = {format_count(n_in)}. "
            f"Outputs: {format_product(H_out, H_out, F)} = {format_count(n_out)}.\n\n"
            f"Fully connected: {bold_total(dense_param_formula(n_in, n_out))}.\n\n"
            f"Convolutional: {conv_param_formula(k, k, C, F)}, about {format_count(round(dense / conv))} times "
            f"fewer: each output looks only at a {format_shape((k, k, C))} window, and the filter's weights are shared "
            "across all positions."
        ),
        placeholder="a whole number; commas are fine, like 14,455,392",
        hint=("Count the input values (height×width×depth) and the output values; every output value has a "
              "weight for every input value, and a bias."),
        mistakes=_unique_mistakes(dense, [(n_in * n_out, "Did you count one bias per output value?")]),
    )


_EDGE_PRESETS = {
    "vertical": ("Vertical edge", "Sobel x"),
    "horizontal": ("Horizontal edge", "Sobel y"),
}


def edge_orientation(weights: np.typing.ArrayLike) -> str | None:
    """``"vertical"`` or ``"horizontal"`` if a filter finds edges of only that direction, else None.

    A vertical-edge filter has rows that each sum to 0 (so flat areas and horizontal edges give 0)
    and columns whose sums differ (so a left-to-right change gives a response); a horizontal one
    the other way round.

    Examples
    --------
    >>> edge_orientation([[1, 0, -1], [1, 0, -1], [1, 0, -1]])
    'vertical'
    """
    w = np.asarray(weights, dtype=np.float64)
    rows, cols = w.sum(axis=1), w.sum(axis=0)
    rows_zero, cols_zero = np.allclose(rows, 0), np.allclose(cols, 0)
    if rows_zero and not cols_zero:
        return "vertical"
    if cols_zero and not rows_zero:
        return "horizontal"
    return None


def _edge_filter(rng: np.random.Generator) -> Question:
    orientation = _pick(rng, ["vertical", "horizontal"])
    right_name = _pick(rng, _EDGE_PRESETS[orientation])
    # Whole-number presets only: their numbers read at a glance.
    others = [
        name for name, p in FILTER_PRESETS.items()
        if p.weights.dtype.kind == "i" and name not in _EDGE_PRESETS[orientation]
    ]
    wrong = [others[i] for i in rng.choice(len(others), size=len(_CHOICE_LETTERS) - 1, replace=False)]
    names = [right_name] + wrong
    order = rng.permutation(len(names))
    names = [names[i] for i in order]
    letters = tuple(_CHOICE_LETTERS[: len(names)])
    answer = letters[names.index(right_name)]
    change = "left to right" if orientation == "vertical" else "top to bottom"
    lines = [
        f"A {orientation}-edge filter gives 0 on a flat area and on a "
        f"{'horizontal' if orientation == 'vertical' else 'vertical'} edge, and a large value where "
        f"brightness changes from {change}. On a filter that means: every "
        f"{'row' if orientation == 'vertical' else 'column'} sums to 0, and the "
        f"{'column' if orientation == 'vertical' else 'row'} sums differ.",
        "",
    ]
    for letter, name in zip(letters, names):
        w = FILTER_PRESETS[name].weights
        found = edge_orientation(w)
        verdict = "✔ finds " + orientation + " edges" if found == orientation else "✘"
        lines.append(
            f"- **{letter}** ({name}): rows sum to {number_list(w.sum(axis=1))}; columns sum to "
            f"{number_list(w.sum(axis=0))}. {verdict}. {FILTER_PRESETS[name].explains}"
        )
    lines.append(f"\nAnswer: **{answer}** ({right_name}).")
    return Question(
        kind="edge_filter",
        text=(
            f"Which of these filters finds **{orientation}** edges, and only those? "
            f"(A {orientation} edge is where brightness changes from {change}.)"
        ),
        answer_type="choice",
        answer=answer,
        solution="\n".join(lines),
        grids=tuple((f"Filter {letter}", FILTER_PRESETS[name].weights.copy()) for letter, name in zip(letters, names)),
        choices=letters,
        placeholder="one letter",
        hint=(f"A {orientation}-edge filter gives 0 on a flat area: add up each row and each column of every "
              "filter and look for the pattern."),
    )


def _unique_mistakes(answer, candidates) -> tuple[tuple[object, str], ...]:
    """The foreseen wrong answers that differ from the answer (a bias of 0 makes "forgot the bias" right)."""
    seen, out = {answer}, []
    for wrong, why in candidates:
        if wrong not in seen:
            seen.add(wrong)
            out.append((wrong, why))
    return tuple(out)


def _step_of(out_shape: tuple[int, int], r: int, c: int) -> str:
    """The player's step that shows the window of output cell ``(r, c)`` (windows in reading order, from 1)."""
    return str(r * out_shape[1] + c + 1)


def _activation_cell(rng: np.random.Generator) -> Question:
    while True:
        n = int(_pick(rng, [4, 5, 5, 6]))
        k = int(_pick(rng, [2, 3, 3]))
        s = int(_pick(rng, [1, 1, 2]))
        p = int(_pick(rng, [0, 0, 1]))
        b = int(_pick(rng, [0, 0, 0, 1, -1, 2]))
        x = rng.integers(0, 4, size=(n, n))  # (H, W) small whole numbers, as in the lecture
        w = rng.integers(-1, 3, size=(k, k))  # (kh, kw)
        out = conv2d(x, w, b, stride=s, padding=p)  # (H_out, W_out)
        r, c = int(rng.integers(out.shape[0])), int(rng.integers(out.shape[1]))
        window = pad_input(x, p)[r * s : r * s + k, c * s : c * s + k]  # (k, k) what the filter covers
        # A filter with one non-zero weight only copies a cell, and a window whose products are all
        # zero but one asks for no sum: neither is a dot product worth doing by hand.
        if np.count_nonzero(w) >= 2 and np.count_nonzero(window * w) >= 2:
            break
    value = int(out[r, c])
    setting = f"stride **{s}**, zero padding **{p}**" + (f", bias **{format_number(b)}**" if b else ", no bias")
    where = "input padded with a ring of zeros" if p else "input"
    rows, cols = slice(r * s, r * s + k), slice(c * s, c * s + k)  # the window, in padded coordinates
    padded = [] if not p else [
        f"The input padded with {p} ring{'s' if p > 1 else ''} of zeros, "
        f"{format_shape((n + 2 * p, n + 2 * p))}, rows and columns counted on it (the window in bold):",
        "",
        grid_markdown(pad_input(x, p), bold=(rows, cols)),
        "",
    ]
    lines = [
        f"The activation map is {format_shape(out.shape)}: "
        f"{conv_output_formula(n, k, s, p)} along each side.",
        "",
        *padded,
        f"Its cell at row {r + 1}, column {c + 1} comes from the window whose top-left corner is at "
        f"row {r * s + 1}, column {c * s + 1} of the {where} (moving {s} cell{'s' if s > 1 else ''} per step):",
        "",
        grid_markdown(window, r * s + 1, c * s + 1),
        "",
        f"Multiply each value by the filter weight at the same place and add{' the bias' if b else ''}:",
        f"{products_text(window.ravel(), w.ravel(), b)} = **{format_number(value)}**",
        "",
        "The whole activation map:",
        "",
        grid_markdown(out),
    ]
    params = [("input", grid_to_text(x)), ("filter", grid_to_text(w)), ("stride", str(s)), ("padding", str(p))]
    params += [("bias", str(b))] if b else []
    params += [("step", _step_of(out.shape, r, c))]
    return Question(
        kind="activation_cell",
        text=(
            f"The filter slides over the input with {setting} (cross-correlation, as in CNNs). "
            f"What is the value of the activation map at **row {r + 1}, column {c + 1}** "
            "(counting from 1 at the top left)?"
        ),
        answer_type="integer",
        answer=value,
        solution="\n".join(lines),
        grids=(("Input", x), ("Filter", w)),
        placeholder="a whole number; it may be negative",
        hint=(f"Moving {s} cell{'s' if s > 1 else ''} per step, the window of row {r + 1}, column {c + 1} has its "
              f"top-left corner at row {r * s + 1}, column {c * s + 1} of the {where}. Multiply each value "
              f"under the filter by the weight on it and add them up{', then the bias' if b else ''}."),
        mistakes=_unique_mistakes(value, [(value - b, "Did you add the bias?")] if b else []),
        player=PlayerLink("convolution", tuple(params), "Watch this window in the Convolution player"),
    )


def _max_pool_cell(rng: np.random.Generator) -> Question:
    while True:
        n = int(_pick(rng, [4, 4, 6]))
        size, s = _pick(rng, [(2, 2), (2, 2), (2, 1)] if n == 4 else [(2, 2), (3, 3), (3, 2)])
        x = rng.integers(0, 10, size=(n, n))  # (H, W)
        out = pool2d(x, size, s)  # (H_out, W_out)
        r, c = int(rng.integers(out.shape[0])), int(rng.integers(out.shape[1]))
        window = x[r * s : r * s + size, c * s : c * s + size]
        if np.count_nonzero(window == window.max()) == 1:  # one clear maximum, not a window of equal cells
            break
    value = int(out[r, c])
    params = (("src", "map"), ("input", grid_to_text(x)), ("mode", "max"), ("size", str(size)),
              ("stride", str(s)), ("step", _step_of(out.shape, r, c)))
    return Question(
        kind="max_pool_cell",
        text=(
            f"Max pooling with **{format_shape((size, size))} windows and stride {s}** shrinks this "
            f"{format_shape((n, n))} activation map. "
            f"What is the value of the output at **row {r + 1}, column {c + 1}** (counting from 1 at the top left)?"
        ),
        answer_type="integer",
        answer=value,
        solution="\n".join([
            f"The output is {format_shape(out.shape)}: {pool_output_formula(n, size, s)} along each side.",
            "",
            f"Its cell at row {r + 1}, column {c + 1} covers rows {r * s + 1}–{r * s + size} and "
            f"columns {c * s + 1}–{c * s + size} of the input:",
            "",
            grid_markdown(window, r * s + 1, c * s + 1),
            "",
            f"max({number_list(window.ravel())}) = **{value}**",
            "",
            "The whole output:",
            "",
            grid_markdown(out),
        ]),
        grids=(("Activation map", x),),
        placeholder="a whole number",
        hint=(f"The windows move {s} cell{'s' if s > 1 else ''} at a time, so the window of output row {r + 1}, "
              f"column {c + 1} starts at row {r * s + 1}, column {c * s + 1} and is {format_shape((size, size))}: "
              "keep its largest value."),
        player=PlayerLink("pooling", params, "Watch this window in the Pooling player"),
    )


_GENERATORS = {
    "conv_output": _conv_output,
    "conv_params": _conv_params,
    "pool_shape": _pool_shape,
    "dense_vs_conv": _dense_vs_conv,
    "edge_filter": _edge_filter,
    "activation_cell": _activation_cell,
    "max_pool_cell": _max_pool_cell,
}


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"The quiz number must be a whole number from 0 to {format_count(MAX_SEED)}, not {seed!r}.")
    return int(seed)


def make_question(seed: int, index: int) -> Question:
    """Question ``index`` (from 0) of the quiz ``seed``: the same seed and index give the same question.

    Every run of ``len(QUIZ_KINDS)`` questions holds each kind once, in an order drawn from the seed.

    Examples
    --------
    >>> make_question(1234, 3).text == make_question(1234, 3).text
    True
    """
    seed = _check_seed(seed)
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or index < 0:
        raise ValueError(f"The question number must be a whole number, 0 or more, not {index!r}.")
    block, pos = divmod(int(index), len(QUIZ_KINDS))
    order = np.random.default_rng([seed, block]).permutation(len(QUIZ_KINDS))
    kind = QUIZ_KINDS[int(order[pos])]
    # A stream of its own per question, so that question i does not depend on the quiz length.
    rng = np.random.default_rng([seed, block, pos, 1])
    return _GENERATORS[kind](rng)


def question_of_kind(kind: str, seed: int) -> Question:
    """A question of one kind (one of ``QUIZ_KINDS``) drawn from ``seed``: the same pair, the same question.

    What a presenter asks the whole room; every replica rebuilds it from ``(kind, seed)``.

    Examples
    --------
    >>> question_of_kind("conv_params", 7).kind
    'conv_params'
    """
    seed = _check_seed(seed)
    if kind not in _GENERATORS:
        raise ValueError(f"There is no question of the kind {str(kind)[:24]!r}: pick one of {', '.join(QUIZ_KINDS)}.")
    return _GENERATORS[kind](np.random.default_rng([seed, 7_919]))  # a stream apart from make_question's


def make_quiz(seed: int, n: int = 5) -> list[Question]:
    """The first ``n`` questions of the quiz ``seed``.

    Parameters
    ----------
    seed : int
        From 0 to ``MAX_SEED``; the same seed gives everyone the same questions.
    n : int
        How many questions, 1 to 50.

    Returns
    -------
    list of Question, length n

    Examples
    --------
    >>> quiz = make_quiz(1234, 5)
    >>> len(quiz), len({q.kind for q in quiz})
    (5, 5)
    """
    seed = _check_seed(seed)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= 50:
        raise ValueError(f"A quiz has 1 to 50 questions, not {n!r}.")
    return [make_question(seed, i) for i in range(int(n))]
