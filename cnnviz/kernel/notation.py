"""Numbers, signs, products and shapes as people read them: one formatter for every cell, sentence and formula.

The lecture's notation: a real minus sign (``−3``), a negative term in brackets (``3×(−2)``), the
product written ``×`` (``(5×5×3 + 1)×10 = 760``), counts with their thousands grouped
(``14,455,392``) and shapes written ``32x32x3``, the way students type them.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from decimal import Decimal

import numpy as np

__all__ = ["MINUS", "TIMES", "EXACT_BELOW", "format_number", "exact_number", "format_count", "format_fixed",
           "format_percent", "format_bytes", "format_bracketed", "format_product", "format_shape",
           "format_shape_chain"]

MINUS = "\u2212"  # the minus sign: as wide as "+", and read as "minus" by screen readers
TIMES = "×"  # the written product, as the lecture writes it
_BY = "x"  # between a shape's sides: "32x32x3", as the lecture writes it and as students type it
_THEN = " → "  # from one shape to the next
EXACT_BELOW = 10**12  # whole numbers below this are written out digit by digit
_MAX_DECIMALS = 4  # a value with at most this many decimals is written exactly (1/16 is 0.0625)


def _scientific(text: str) -> str:
    """``2.50e+12`` -> ``2.5e12``, ``1.0e-05`` -> ``1e−5``: no plus, no padded zeros, a real minus."""
    mantissa, exponent = text.split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    power = int(exponent)
    return f"{mantissa}e{MINUS if power < 0 else ''}{abs(power)}"


def format_number(value: float | int) -> str:
    """The text of one number, the same in every grid, sum, caption and figure label.

    Whole numbers are written exactly below 10^12, so that a written-out sum adds up. Other values
    take as few decimals as show them: exactly when at most four decimals do (``0.5``, ``0.0625``;
    two from 1000 up), else two decimals (``0.11`` for 1/9), or two significant digits below 0.1 (``0.012``). Very small
    or very large values use a short scientific form (``1.2e−5``, ``2.5e12``). Negative numbers carry
    the minus sign U+2212 (``−0.25``), as the formulas on the pages do. NaN and infinities are
    written ``NaN``, ``∞`` and ``−∞``.

    Parameters
    ----------
    value : int or float
        Any real number: Python, NumPy integer or NumPy float.

    Returns
    -------
    str

    Examples
    --------
    >>> [format_number(v) for v in (12, 12.0, 0.5, 1 / 9, -0.25, 0.0625, 123000, 2.5e12, -1.23e-5, -0.0)]
    ['12', '12', '0.5', '0.11', '−0.25', '0.0625', '123000', '2.5e12', '−1.2e−5', '0']
    """
    if isinstance(value, (int, np.integer)):  # bool too: True is 1
        n = int(value)  # exact, even beyond 2**53
        sign = MINUS if n < 0 else ""
        if -EXACT_BELOW < n < EXACT_BELOW:
            return f"{sign}{abs(n)}"
        return sign + _scientific(format(Decimal(abs(n)), ".2e"))
    return _format_float(float(value))


@functools.lru_cache(maxsize=1 << 14)  # pages write the same few thousand numbers again and again (about 4 MB)
def _format_float(v: float) -> str:
    if not math.isfinite(v):
        return "NaN" if v != v else ("" if v > 0 else MINUS) + "∞"
    sign, a = (MINUS, -v) if v < 0 else ("", v)
    if a >= EXACT_BELOW:
        return sign + _scientific(f"{a:.2e}")
    if a.is_integer():
        return sign + str(int(a)) if a else "0"
    most = _MAX_DECIMALS if a < 1000 else 2  # large values: the cents, not every digit of 100000.1875
    text = f"{a:.{most}f}"
    if abs(float(text) - a) <= 1e-9 * max(1.0, a):  # shown exactly; float noise too (0.1 + 0.2 is 0.3)
        text = text.rstrip("0").rstrip(".")
        return sign + text if text != "0" else "0"
    if a >= 0.1:
        text = f"{a:.2f}"
    elif a >= 0.001:  # two significant digits
        text = f"{a:.{1 - math.floor(math.log10(a))}f}"
    else:
        return sign + _scientific(f"{a:.1e}")
    return sign + text.rstrip("0").rstrip(".")  # 0.099999 is 0.1, not 0.100


def exact_number(value: float | int) -> str:
    """The value in plain ASCII that reads back exactly (``float(text) == value``).

    For machines and for text a person edits (a data attribute, a cell of the grid editor), not for
    reading: whole numbers without a decimal point, other floats in Python's shortest exact form.

    Examples
    --------
    >>> [exact_number(v) for v in (3, -2.0, 0.0625, 1 / 3, 2**60)]
    ['3', '-2', '0.0625', '0.3333333333333333', '1152921504606846976']
    """
    if isinstance(value, (bool, np.bool_, int, np.integer)):
        return str(int(value))
    v = float(value)
    if v.is_integer() and abs(v) < 2**53:
        return str(int(v))
    return repr(v)


def format_count(n: float | int) -> str:
    """A whole number in a sentence or as a formula's total, its thousands grouped.

    A value with a fraction is written as ``format_number`` writes it.

    Examples
    --------
    >>> format_count(14455392), format_count(760), format_count(-1e6), format_count(2.5)
    ('14,455,392', '760', '−1,000,000', '2.5')
    """
    if not isinstance(n, (int, np.integer)):
        v = float(n)
        if not (math.isfinite(v) and v.is_integer()):
            return format_number(v)
        n = int(v)
    n = int(n)
    return (MINUS if n < 0 else "") + f"{abs(n):,}"


def format_fixed(value: float, decimals: int) -> str:
    """``value`` with exactly ``decimals`` decimals, thousands grouped: for measurements (an accuracy, a loss).

    A value that rounds to zero has no sign; NaN and infinities are written as ``format_number`` writes them.

    Examples
    --------
    >>> format_fixed(93.4567, 1), format_fixed(0.25, 3), format_fixed(-2.5, 0), format_fixed(-0.04, 1)
    ('93.5', '0.250', '−2', '0.0')
    >>> format_fixed(553.43, 1), format_fixed(1234.5, 1)
    ('553.4', '1,234.5')
    """
    v = float(value)
    if not math.isfinite(v):
        return format_number(v)
    text = f"{abs(v):,.{decimals}f}"
    negative = v < 0 and text.strip("0.,") != ""
    return (MINUS if negative else "") + text


def format_percent(fraction: float, decimals: int = 1) -> str:
    """A fraction as a percentage with ``decimals`` decimals: ``0.935`` is ``93.5 %``.

    Examples
    --------
    >>> format_percent(0.935), format_percent(0.25, 0)
    ('93.5 %', '25 %')
    """
    return f"{format_fixed(100 * fraction, decimals)} %"


def format_bytes(n: int) -> str:
    """``n`` bytes in KB, MB or GB, powers of 1000 (1 MB is 10^6 bytes).

    Examples
    --------
    >>> format_bytes(3136), format_bytes(553_430_176), format_bytes(512)
    ('3.1 KB', '553.4 MB', '512 B')
    """
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= size:
            return f"{format_fixed(n / size, 1)} {unit}"
    return f"{format_count(n)} B"


def format_bracketed(value: float | int) -> str:
    """A number as a factor or an added term: a negative one in brackets, so no two signs meet.

    Examples
    --------
    >>> format_bracketed(3), format_bracketed(-2), format_bracketed(-0.5)
    ('3', '(−2)', '(−0.5)')
    """
    text = format_number(value)
    return f"({text})" if text.startswith(MINUS) else text


def format_product(*factors: float | int) -> str:
    """Factors written as a product, with the lecture's ``×``: ``5×5×3``, ``3×(−2)``.

    Examples
    --------
    >>> format_product(5, 5, 3), format_product(3, -2)
    ('5×5×3', '3×(−2)')
    """
    return TIMES.join(format_bracketed(f) for f in factors)


def format_shape(shape: Iterable[int]) -> str:
    """A shape as the lecture writes it: ``(28, 28, 6)`` is ``28x28x6``, ``(120,)`` is ``120``.

    Examples
    --------
    >>> format_shape((28, 28, 6)), format_shape((120,)), format_shape(np.zeros((5, 7)).shape)
    ('28x28x6', '120', '5x7')
    """
    return _BY.join(str(int(d)) for d in shape)


def format_shape_chain(shapes: Iterable[Iterable[int]]) -> str:
    """Shapes one after the other, as a network turns one into the next.

    Examples
    --------
    >>> format_shape_chain([(32, 32, 3), (28, 28, 6), (10,)])
    '32x32x3 → 28x28x6 → 10'
    """
    return _THEN.join(format_shape(s) for s in shapes)
