"""Quiz practice: questions generated from a seed, lenient answer checking, worked solutions.

The same seed always gives the same questions, so an instructor can hand a whole class one quiz.
``questions`` draws them, ``answers`` reads and checks what a student types, and ``markdown``
writes the worked solutions.
"""
from __future__ import annotations

from cnnviz.lecture.quiz.answers import (
    Verdict,
    check_answer,
    hint_for,
    parse_integer_answer,
    parse_seed,
    parse_shape_answer,
)
from cnnviz.lecture.quiz.markdown import grid_markdown
from cnnviz.lecture.quiz.questions import (
    DEFAULT_SEED,
    MAX_SEED,
    QUIZ_KINDS,
    QUIZ_LENGTHS,
    PlayerLink,
    Question,
    edge_orientation,
    make_question,
    make_quiz,
    question_of_kind,
    write_answer,
)

__all__ = [
    "QUIZ_KINDS",
    "QUIZ_LENGTHS",
    "DEFAULT_SEED",
    "MAX_SEED",
    "Question",
    "Verdict",
    "make_question",
    "question_of_kind",
    "make_quiz",
    "check_answer",
    "hint_for",
    "PlayerLink",
    "parse_integer_answer",
    "parse_shape_answer",
    "parse_seed",
    "grid_markdown",
    "edge_orientation",
    "write_answer",
]
