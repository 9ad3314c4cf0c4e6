"""The quiz's worked solutions in Markdown: grids as tables, products and totals written out."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from cnnviz.kernel.notation import format_bracketed, format_number, format_product

__all__ = ["grid_markdown", "products_text", "number_list", "bold_total"]


def grid_markdown(grid: np.typing.ArrayLike, first_row: int = 1, first_col: int = 1,
                  bold: tuple[slice, slice] | None = None) -> str:
    """A 2-D grid as a Markdown table, rows and columns numbered from 1 (as people count).

    ``first_row`` and ``first_col`` number a window cut from a larger grid by its place there; the cells
    of ``bold`` (rows, columns, counted from 0) are written in bold: a window marked in the whole grid.

    Examples
    --------
    >>> print(grid_markdown([[1, -2]]))
    | | **1** | **2** |
    |---|---|---|
    | **1** | 1 | −2 |
    >>> print(grid_markdown([[1, -2]], bold=(slice(0, 1), slice(1, 2))).splitlines()[-1])
    | **1** | 1 | **−2** |
    """
    arr = np.asarray(grid)
    marked = np.zeros(arr.shape, dtype=bool)
    if bold is not None:
        marked[bold] = True
    head = "| | " + " | ".join(f"**{j + first_col}**" for j in range(arr.shape[1])) + " |"
    rule = "|" + "---|" * (arr.shape[1] + 1)
    rows = [f"| **{i + first_row}** | " + " | ".join(f"**{format_number(v)}**" if m else format_number(v)
                                                      for v, m in zip(row.tolist(), marks)) + " |"
            for i, (row, marks) in enumerate(zip(arr, marked))]
    return "\n".join([head, rule] + rows)


def products_text(values: Iterable, weights: Iterable, bias: float | int = 0) -> str:
    """A window's products added up, then the bias: the dot product before it is worked out.

    Examples
    --------
    >>> products_text([3, 1], [2, -1], bias=-1)
    '3×2 + 1×(−1) + (−1)'
    """
    terms = [format_product(a, w) for a, w in zip(values, weights)]
    return " + ".join(terms + ([format_bracketed(bias)] if bias else []))


def number_list(values: Iterable) -> str:
    """Numbers one after the other, comma-separated: ``1, −2, 0``.

    Examples
    --------
    >>> number_list(np.array([1, -2, 0]))
    '1, −2, 0'
    """
    return ", ".join(format_number(v) for v in np.asarray(values).tolist())


def bold_total(formula: str) -> str:
    """A worked-out formula with its total in bold, the answer a student looks for.

    Examples
    --------
    >>> bold_total("400×120 + 120 = 48,120")
    '400×120 + 120 = **48,120**'
    """
    left, _, total = formula.rpartition(" = ")
    return f"{left} = **{total}**"
