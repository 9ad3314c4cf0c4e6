"""Pooling: shrink each activation map on its own by keeping the max (or mean) of each window."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import finite_array
from .shapes import as_pair, pool_output_size

__all__ = ["pool2d", "pool2d_naive", "covered_cells", "pool_trace", "PoolStep", "POOL_MODES"]

POOL_MODES = ("max", "avg")


def _prepare(x, size, stride, mode):
    x = finite_array(x, "activation map")
    if x.ndim not in (2, 3):
        raise ValueError(f"Pooling takes an activation map (H, W) or a stack of them (H, W, C), not {x.ndim}-D.")
    if x.size == 0:
        raise ValueError("The activation map must have at least one cell.")
    if mode not in POOL_MODES:
        raise ValueError(f"Unknown pooling mode {mode!r}: choose 'max' or 'avg'.")
    kh, kw = as_pair(size, "pooling window size", 1)
    sh, sw = (kh, kw) if stride is None else as_pair(stride, "stride", 1)
    H, W = x.shape[:2]
    if kh > H or kw > W:
        raise ValueError(f"The pooling window ({kh}x{kw}) is larger than the activation map ({H}x{W}).")
    H_out, W_out = (H - kh) // sh + 1, (W - kw) // sw + 1  # pool_output_size; the window fits
    return x, (kh, kw), (sh, sw), (H_out, W_out)


# Bytes of input rows per block of pooling (fits a core's L2 cache with room to spare).
_BLOCK_BYTES = 1 << 18
# Below this many channels the column step runs faster with the columns as NumPy's inner loop (measured).
_FEW_CHANNELS = 8


def pool2d(
    x: np.typing.ArrayLike, size: int | tuple[int, int] = 2, stride: int | tuple[int, int] | None = None,
    mode: str = "max",
) -> np.ndarray:
    """Max or average pooling; each channel of an ``(H, W, C)`` input is pooled on its own.

    Along each axis ``n_out = floor((n - size) / stride) + 1``; ``stride`` defaults to ``size``.
    Cells that no window reaches (when the stride does not divide evenly) are dropped.

    Parameters
    ----------
    x : array_like, shape (H, W) or (H, W, C)
    size, stride : int or (int, int)
    mode : {"max", "avg"}

    Returns
    -------
    ndarray, shape (H_out, W_out) or (H_out, W_out, C)
        C-contiguous. Max pooling keeps the input's dtype; average pooling returns floats
        (float32 stays float32).

    Notes
    -----
    Each window is combined along its rows first, then along its columns, one block of output
    rows at a time. Besides the output, the temporary is one block of combined rows, about
    256 KiB (at least one row of the input); average pooling of integers also makes a float copy
    of the input.

    Examples
    --------
    >>> pool2d([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]).tolist()
    [[6, 8], [3, 4]]
    """
    x, (kh, kw), (sh, sw), (H_out, W_out) = _prepare(x, size, stride, mode)
    if mode == "avg" and x.dtype.kind in "iu":
        x = x.astype(np.float64)  # the mean of integers is a float
    op = np.maximum if mode == "max" else np.add
    out = np.empty((H_out, W_out) + x.shape[2:], dtype=x.dtype)
    x3, out3 = (x[:, :, None], out[:, :, None]) if x.ndim == 2 else (x, out)  # (H, W, C), (H_out, W_out, C)
    W, C = x3.shape[1:]
    # NumPy loops innermost over the last axis: with few channels, make that the columns.
    few_channels = C < _FEW_CHANNELS
    span = sw * (W_out - 1) + 1  # columns from the first window's left edge to the last one's
    # Separable: combine each window's rows first (whole input rows, long contiguous runs), then
    # its columns; in blocks of output rows, so that the rows' result stays in cache.
    rows_per_block = max(1, _BLOCK_BYTES // (x3.nbytes // x3.shape[0]))
    for r0 in range(0, H_out, rows_per_block):
        n = min(rows_per_block, H_out - r0)
        top, end = r0 * sh, r0 * sh + sh * (n - 1) + 1
        rows = x3[top:end:sh]  # (n, W, C): the first row of each window
        if kh > 1:
            rows = op(rows, x3[top + 1 : end + 1 : sh])
            for i in range(2, kh):
                op(rows, x3[top + i : end + i : sh], out=rows)
        target = out3[r0 : r0 + n]  # (n, W_out, C)
        if W == sw * W_out and rows.flags.c_contiguous:
            # The windows tile each row: as (n*W_out, sw*C), column j of every window is a block of C.
            tiles = rows.reshape(n * W_out, sw * C)
            cols = [tiles[:, j * C : (j + 1) * C] for j in range(kw)]  # kw x (n*W_out, C)
            target = target.reshape(n * W_out, C)  # a view: the output is contiguous
        else:
            cols = [rows[:, j : j + span : sw] for j in range(kw)]  # kw x (n, W_out, C)
        if few_channels:
            cols, target = [v.swapaxes(-1, -2) for v in cols], target.swapaxes(-1, -2)
        if kw == 1:
            np.copyto(target, cols[0])
            continue
        op(cols[0], cols[1], out=target, order="C")
        for v in cols[2:]:
            op(target, v, out=target, order="C")
    if mode == "avg":
        out /= kh * kw
    return out


def pool2d_naive(
    x: np.typing.ArrayLike, size: int | tuple[int, int] = 2, stride: int | tuple[int, int] | None = None,
    mode: str = "max",
) -> np.ndarray:
    """Reference ``pool2d`` as plain loops over output cells."""
    x, (kh, kw), (sh, sw), (H_out, W_out) = _prepare(x, size, stride, mode)
    x3 = x[:, :, None] if x.ndim == 2 else x
    reduce = np.max if mode == "max" else np.mean
    out = np.zeros((H_out, W_out, x3.shape[2]), dtype=x.dtype if mode == "max" else np.float64)
    for ch in range(x3.shape[2]):
        for r in range(H_out):
            for c in range(W_out):
                out[r, c, ch] = reduce(x3[r * sh : r * sh + kh, c * sw : c * sw + kw, ch])
    return out[:, :, 0] if x.ndim == 2 else out


@dataclass(frozen=True)
class PoolStep:
    """One window of pooling: what it covers, which cell won and the value it writes."""

    out_row: int
    out_col: int
    rows: tuple[int, ...]  # covered rows of the input
    cols: tuple[int, ...]
    values: np.ndarray  # (kh, kw)
    winner: tuple[int, int] | None  # input cell kept by max pooling; None for average pooling
    result: float | int


TIE_RULE = "When several cells share the maximum, the first one in reading order (left to right, top to bottom) wins."


def pool_trace(
    x: np.typing.ArrayLike, size: int | tuple[int, int] = 2, stride: int | tuple[int, int] | None = None,
    mode: str = "max",
) -> list[PoolStep]:
    """Every window of pooling one activation map ``(H, W)``, in row-major order of the output.

    For max pooling ``winner`` is the input cell whose value is kept; ties go to the first
    cell in reading order (see ``TIE_RULE``).

    Examples
    --------
    >>> [s.winner for s in pool_trace([[1, 2], [4, 3]])]
    [(1, 0)]
    """
    x, (kh, kw), (sh, sw), (H_out, W_out) = _prepare(x, size, stride, mode)
    if x.ndim != 2:
        raise ValueError("pool_trace follows one activation map at a time: pass an (H, W) grid.")
    steps = []
    for r in range(H_out):
        rows = tuple(range(r * sh, r * sh + kh))
        for c in range(W_out):
            cols = tuple(range(c * sw, c * sw + kw))
            values = x[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
            if mode == "max":
                i, j = np.unravel_index(int(np.argmax(values)), values.shape)
                winner = (rows[i], cols[j])
                result = values[i, j].item()
            else:
                winner, result = None, float(values.mean())
            steps.append(PoolStep(r, c, rows, cols, values, winner, result))
    return steps


def covered_cells(
    shape: tuple[int, int], size: int | tuple[int, int] = 2, stride: int | tuple[int, int] | None = None,
) -> np.ndarray:
    """Boolean mask ``(H, W)``: the cells some pooling window covers (``False``: dropped by the stride).

    Examples
    --------
    >>> covered_cells((5, 5)).astype(int)[:, 4].tolist()
    [0, 0, 0, 0, 0]
    """
    H, W = shape
    kh, kw = as_pair(size, "pooling window size", 1)
    sh, sw = (kh, kw) if stride is None else as_pair(stride, "stride", 1)
    Ho, Wo = pool_output_size(H, kh, sh), pool_output_size(W, kw, sw)
    mask = np.zeros((H, W), dtype=bool)
    for i in range(kh):  # a window's offset plus a multiple of the stride
        for j in range(kw):
            mask[i : i + sh * (Ho - 1) + 1 : sh, j : j + sw * (Wo - 1) + 1 : sw] = True
    return mask
