"""Grids of numbers typed by people or carried in URLs: parse them strictly, explain what is wrong."""
from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from cnnviz.kernel.notation import format_count, format_number, format_shape

__all__ = ["MAX_ABS_VALUE", "parse_number", "parse_cells", "grid_to_text", "grid_from_text", "tidy"]

MAX_ABS_VALUE = 1_000_000  # larger cells help nobody read a grid and only risk overflow
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$")


def parse_number(value: str | float | None, *, limit: float = MAX_ABS_VALUE) -> float | int:
    """Return ``value`` (a number or the text of one) as an int or float, or raise a readable ValueError.

    Accepts ``3``, ``-2.5``, ``1e3``, ``" 4 "`` and a decimal comma (``2,5``); refuses empty cells,
    text, NaN, infinities and anything beyond ``±limit``.

    Examples
    --------
    >>> parse_number(" 2,5 ")
    2.5
    >>> parse_number("7")
    7
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise ValueError("is empty: type a number")
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, (int, np.integer)):
        number = int(value)
    elif isinstance(value, (float, np.floating)):
        number = float(value)
    else:
        text = str(value).strip().replace("−", "-")
        if not text:
            raise ValueError("is empty: type a number")
        if len(text) > 40:
            raise ValueError(f"'{text[:12]}…' is far too long to be a useful number")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        if not _NUMBER.match(text):
            shown = text if len(text) <= 12 else text[:12] + "…"
            raise ValueError(f"'{shown}' is not a number")
        number = float(text)
        if number.is_integer() and "e" not in text.lower() and "." not in text:
            number = int(text)
    if isinstance(number, float) and not math.isfinite(number):
        if isinstance(value, str) and math.isinf(number):  # typed digits too large for a float, like 1e400
            raise ValueError(f"'{value.strip()[:12]}' is too large: {_keep_within(limit)}")
        raise ValueError("is not a finite number")
    if abs(number) > limit:
        raise ValueError(f"{format_number(number)} is too large: {_keep_within(limit)}")
    return number


def _keep_within(limit: float) -> str:
    return f"keep cells between {format_count(-limit)} and {format_count(limit)}"


def tidy(arr: np.ndarray) -> np.ndarray:
    """Return ``arr`` as int64 when every value is a whole number, else float64."""
    arr = np.asarray(arr, dtype=np.float64)
    if arr.size and np.all(arr == np.round(arr)) and np.abs(arr).max() < 2**53:
        return arr.astype(np.int64)
    return arr


def parse_cells(cells: Sequence[Sequence[str | float]], *, name: str = "grid",
                limit: float = MAX_ABS_VALUE) -> tuple[np.ndarray | None, list[str]]:
    """Parse a rectangular table of cells into numbers.

    Returns ``(array, [])`` when every cell is a number, else ``(None, messages)`` with one
    message per bad cell (row and column counted from 1, as people count).
    """
    rows = [list(r) for r in cells]
    if not rows or not rows[0]:
        return None, [f"The {name} is empty."]
    width = len(rows[0])
    if any(len(r) != width for r in rows):
        return None, [f"The rows of the {name} have different lengths."]
    values = np.zeros((len(rows), width), dtype=np.float64)
    errors = []
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            try:
                values[i, j] = parse_number(cell, limit=limit)
            except ValueError as exc:
                errors.append(f"{name.capitalize()}, row {i + 1}, column {j + 1}: {exc}.")
    if errors:
        return None, errors
    return tidy(values), []


def grid_to_text(arr: np.typing.ArrayLike) -> str:
    """Encode a 2-D grid for a URL: rows split by ``;``, cells by ``,`` (``"1,2;3,4"``)."""
    arr = tidy(arr)
    return ";".join(",".join(format(v, ".10g") if isinstance(v, float) else str(v) for v in row.tolist())
                    for row in arr)


def grid_from_text(text: str, *, max_side: int = 64, name: str = "grid") -> np.ndarray:
    """Decode ``grid_to_text``'s form, or raise ValueError naming what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"The {name} in the link is empty.")
    if len(text) > max_side * max_side * 16:
        raise ValueError(f"The {name} in the link is far too long.")
    rows = [r.split(",") for r in text.strip().strip(";").split(";")]
    if len(rows) > max_side or any(len(r) > max_side for r in rows):
        raise ValueError(f"The {name} in the link is larger than {format_shape((max_side, max_side))}.")
    arr, errors = parse_cells(rows, name=name)
    if errors:
        raise ValueError(errors[0])
    return arr
