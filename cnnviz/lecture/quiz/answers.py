"""Reading a typed answer leniently and checking it: never an exception for what a student types."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from cnnviz.kernel.notation import format_count, format_shape
from cnnviz.lecture.quiz.questions import MAX_SEED, Question, write_answer

__all__ = ["Verdict", "check_answer", "hint_for", "parse_integer_answer", "parse_shape_answer", "parse_seed"]


@dataclass(frozen=True)
class Verdict:
    """The result of checking one typed answer."""

    status: str  # "right", "wrong", or "invalid" (could not be read: nothing is scored)
    message: str  # a sentence for the student
    given: int | tuple[int, ...] | str | None = field(default=None)  # the answer as understood

    @property
    def valid(self) -> bool:
        return self.status != "invalid"

    @property
    def correct(self) -> bool:
        return self.status == "right"


_SPACES = re.compile(r"[\s\u00a0\u2009\u202f_']+")  # spaces, thin spaces, 1_000, 1'000
_DIGITS = re.compile(r"^[+-]?\d+$")
_MAX_ANSWER_CHARS = 60


def _shown(text: str) -> str:
    return text if len(text) <= 16 else text[:16] + "…"


def parse_integer_answer(text: str | int | None) -> int:
    """Read a typed whole number, leniently; raise ValueError with a hint when it is not one.

    Accepts thousands separators (``14,455,392``, ``14 455 392``), a leading ``=``, a Unicode
    minus and ``28.0``; refuses text, decimals and absurdly long input.

    Examples
    --------
    >>> parse_integer_answer(" 14,455,392 ")
    14455392
    >>> parse_integer_answer("−3")
    -3
    """
    raw = "" if text is None else str(text).strip()
    if not raw:
        raise ValueError("Type a whole number, like 760.")
    if len(raw) > _MAX_ANSWER_CHARS:
        raise ValueError("That is far too long to be the answer: type a whole number, like 760.")
    s = _SPACES.sub("", raw.lstrip("=").strip()).replace("−", "-").replace("–", "-")
    if "," in s:
        if not re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+", s):
            raise ValueError(
                f"'{_shown(raw)}' is not a whole number: commas may only group thousands, like 14,455,392."
            )
        s = s.replace(",", "")
    if "." in s:
        if re.fullmatch(r"[+-]?\d+\.0*", s):
            s = s.split(".")[0]
        elif re.fullmatch(r"[+-]?\d{1,3}(\.\d{3}){2,}", s):  # 14.455.392
            s = s.replace(".", "")
        else:
            raise ValueError(f"'{_shown(raw)}' is not a whole number: the answer here is a whole number, no decimals.")
    if not _DIGITS.match(s):
        raise ValueError(f"'{_shown(raw)}' is not a number: type a whole number, like 760.")
    return int(s)


def parse_shape_answer(text: str | None, dims: int = 3) -> tuple[int, ...]:
    """Read a typed shape such as ``28x28x6``, ``28 × 28 × 6`` or ``(28, 28, 6)``.

    Raises ValueError with a hint when it is not ``dims`` whole numbers.

    Examples
    --------
    >>> parse_shape_answer("(28, 28, 6)")
    (28, 28, 6)
    >>> parse_shape_answer(" 28 X 28 × 6 ")
    (28, 28, 6)
    """
    example = format_shape([28, 28, 6][:dims] if dims <= 3 else [2] * dims)
    raw = "" if text is None else str(text).strip()
    if not raw:
        raise ValueError(f"Type a shape, height x width x depth, like {example}.")
    if len(raw) > _MAX_ANSWER_CHARS:
        raise ValueError(f"That is far too long to be a shape: type it like {example}.")
    s = raw.strip("()[]{} ")
    parts = [p for p in re.split(r"\s*[x×X*,;]\s*|\s+", s)]
    if any(p == "" for p in parts) or not all(re.fullmatch(r"\d+", p) for p in parts):
        raise ValueError(f"'{_shown(raw)}' is not a shape: type {dims} whole numbers separated by x, like {example}.")
    if len(parts) != dims:
        raise ValueError(
            f"A shape here has {dims} numbers (height x width x depth, like {example}); you gave {len(parts)}."
        )
    return tuple(int(p) for p in parts)


def _parse_choice(text, choices: tuple[str, ...]) -> str:
    raw = "" if text is None else str(text).strip()
    letter = raw.strip("()[]. ").upper()
    if letter.startswith("FILTER "):
        letter = letter[len("FILTER ") :].strip()
    if letter not in choices:
        raise ValueError(f"Pick one of {', '.join(choices)}.")
    return letter


def check_answer(question: Question, given: str | int | None) -> Verdict:
    """Check a typed answer; never raises for what a student types.

    Examples
    --------
    >>> from cnnviz.lecture.quiz import make_question
    >>> q = make_question(1234, 0)
    >>> check_answer(q, q.answer_text).status
    'right'
    >>> check_answer(q, "banana").status
    'invalid'
    """
    try:
        if question.answer_type == "integer":
            value = parse_integer_answer(given)
        elif question.answer_type == "shape":
            value = parse_shape_answer(given, len(question.answer))
        else:
            value = _parse_choice(given, question.choices)
    except ValueError as exc:
        return Verdict("invalid", str(exc))
    shown = write_answer(question.answer_type, value)
    if value == question.answer:
        return Verdict("right", f"Right: {shown}.", value)
    return Verdict("wrong", f"Not quite: you answered {shown}.", value)


def hint_for(question: Question, given: object) -> str:
    """What to look at after a wrong answer ``given`` (as ``check_answer`` read it): never the answer.

    A wrong answer the question foresaw (a bias left out, the depth changed) gets its own sentence
    first; then the question's hint, the first step of the worked solution.

    Examples
    --------
    >>> from cnnviz.lecture.quiz import make_question
    >>> q = make_question(1, 1)  # an output shape: 224x224x8
    >>> q.answer_text in hint_for(q, (224, 224, 3))
    False
    >>> hint_for(q, (224, 224, 3)).split(".")[0]
    'Your height and width are right'
    """
    said = [why for wrong, why in question.mistakes if wrong == given]
    if question.answer_type == "shape" and isinstance(given, tuple) and len(given) == len(question.answer):
        names = ("height", "width", "depth")[: len(given)]
        right = [n for n, a, b in zip(names, given, question.answer) if a == b]
        if right and len(right) < len(names):
            said.append(f"Your {' and '.join(right)} {'is' if len(right) == 1 else 'are'} right.")
    return " ".join(said + [question.hint])


def parse_seed(text: str | int | None) -> int:
    """Read a quiz seed (a whole number from 0 to ``MAX_SEED``), or raise ValueError saying why.

    Examples
    --------
    >>> parse_seed(" 1234 ")
    1234
    """
    raw = "" if text is None else str(text).strip()
    if not raw:
        raise ValueError("The quiz number is empty.")
    if len(raw) > len(str(MAX_SEED)) or not raw.isdigit() or not raw.isascii():
        raise ValueError(f"The quiz number '{_shown(raw)}' is not a whole number from 0 to {format_count(MAX_SEED)}.")
    return int(raw)
