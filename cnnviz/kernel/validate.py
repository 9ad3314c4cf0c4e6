"""Input checks shared by the kernels: arrays of finite numbers with readable errors."""
from __future__ import annotations

import math

import numpy as np

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_INT64_MAX = 2**63 - 1


def finite_array(value: np.typing.ArrayLike, name: str) -> np.ndarray:
    """Return ``value`` as a NumPy array of finite real numbers, or raise a readable ValueError.

    Integer and boolean input becomes int64 (so results can stay exact; uint64 values beyond
    int64 stay uint64); anything else becomes float (float32 stays float32).
    """
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"The {name} must be a grid of numbers.") from exc
    kind = arr.dtype.kind
    if kind in "biu":
        # Integers stay integers (results are checked against int64 later, from the actual values);
        # only uint64 values beyond int64's range keep their own dtype.
        if arr.dtype == np.uint64 and arr.size and int(arr.max()) > _INT64_MAX:
            return arr
        return arr.astype(np.int64, copy=False)
    if kind == "c":
        raise ValueError(f"The {name} must contain real numbers, not complex ones.")
    if arr.dtype not in _FLOATS:
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"The {name} must contain only numbers.") from exc
    if arr.size and not all_finite(arr):
        raise ValueError(f"The {name} contains a missing (NaN) or infinite value: every cell needs a number.")
    return arr


def all_finite(arr: np.ndarray) -> bool:
    """True when a float array holds no NaN and no infinity."""
    # x·x is finite exactly when every value is, unless a large value overflows its square: only
    # then look cell by cell. One BLAS pass and no temporary, about twice as fast as isfinite().all().
    return math.isfinite(np.vdot(arr, arr)) or bool(np.isfinite(arr).all())




def abs_max(arr: np.ndarray) -> int:
    """The largest ``|value|`` of an integer array as an exact Python int (0 when empty)."""
    if arr.size == 0:
        return 0
    return max(int(arr.max()), -int(arr.min()))  # no np.abs: |-2**63| does not fit int64


def abs_sum_max(arr: np.ndarray, axis: int | tuple[int, ...] | None) -> int:
    """The largest sum of ``|value|`` along ``axis`` of an integer array, as an exact Python int."""
    sums = np.abs(arr.astype(np.float64)).sum(axis=axis)
    top = float(sums.max(initial=0))
    if top < 2.0**53:  # every value and every partial sum is a whole number that float64 holds exactly
        return int(top)
    exact = np.abs(arr.astype(object)).sum(axis=axis)  # Python ints: slow, but only for huge values
    return int(max(np.ravel(exact).tolist(), default=0))


def fits_int64(bound: int) -> bool:
    """True when a result bounded by ``|result| <= bound`` (an exact int) fits int64."""
    return bound <= _INT64_MAX
