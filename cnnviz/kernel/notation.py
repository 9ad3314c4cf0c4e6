"""Numbers as people read them in a cell, a sentence or a figure: one formatter for every view."""
from __future__ import annotations

import functools
import math
from decimal import Decimal

import numpy as np

__all__ = ["MINUS", "EXACT_BELOW", "format_number", "exact_number"]

MINUS = "\u2212"  # the minus sign: as wide as "+", and read as "minus" by screen readers
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
