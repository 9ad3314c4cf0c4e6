"""Pooling: shrink each activation map on its own by keeping the max (or mean) of each window.

Shape letters: a stack of maps is ``(H, W, C)``, a batch of stacks ``(N, H, W, C)``. The backward
pass is in ``backward.py``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnviz.kernel.notation import format_shape
from cnnviz.kernel.validate import finite_array
from cnnviz.kernel.shapes import as_pair, pool_output_size

__all__ = ["pool2d", "pool2d_naive", "covered_cells", "pool_trace", "PoolStep", "POOL_MODES"]

POOL_MODES = ("max", "avg")


def _prepare(x, size, stride, mode):
    """Check the arguments of ``pool2d``; return the input as ``(N, H, W, C)`` and its geometry.

    ``shape_out`` is the shape ``pool2d`` returns: the caller's axes, with ``H_out, W_out``.
    """
    x = finite_array(x, "activation map")
    if x.ndim not in (2, 3, 4):
        raise ValueError(
            "Pooling takes an activation map (H, W), a stack of them (H, W, C) or a batch of stacks "
            f"(N, H, W, C), not {x.ndim}-D."
        )
    if x.size == 0:
        raise ValueError("The activation map must have at least one cell.")
    if mode not in POOL_MODES:
        raise ValueError(f"Unknown pooling mode '{mode}': choose 'max' or 'avg'.")
    kh, kw = as_pair(size, "pooling window size", 1)
    sh, sw = (kh, kw) if stride is None else as_pair(stride, "stride", 1)
    x4 = x if x.ndim == 4 else x[None] if x.ndim == 3 else x[None, :, :, None]  # (N, H, W, C)
    _, H, W, C = x4.shape
    if kh > H or kw > W:
        raise ValueError(f"The pooling window ({format_shape((kh, kw))}) is larger than the activation map "
                         f"({format_shape((H, W))}).")
    H_out, W_out = (H - kh) // sh + 1, (W - kw) // sw + 1  # pool_output_size; the window fits
    shape_out = (H_out, W_out) + x.shape[2:] if x.ndim < 4 else (len(x), H_out, W_out, C)  # the caller's axes
    return x4, (kh, kw), (sh, sw), (H_out, W_out), shape_out


# Bytes of input rows per block of pooling (fits a core's L2 cache with room to spare).
_BLOCK_BYTES = 1 << 18
# Below this many channels NumPy's innermost loop (over the last axis) would be too short to pay for
# itself, so the column step puts the columns there instead.
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
    x : array_like, shape (H, W), (H, W, C) or (N, H, W, C)
        One activation map, a stack of C maps, or a batch of N stacks. A 3-D input is always one
        stack ``(H, W, C)``; a batch of single maps is ``(N, H, W, 1)``.
    size, stride : int or (int, int)
    mode : {"max", "avg"}

    Returns
    -------
    ndarray, shape (H_out, W_out), (H_out, W_out, C) or (N, H_out, W_out, C)
        The input's axes, C-contiguous. Max pooling is exact: integers come back as int64
        (uint64 beyond int64's range stays uint64), floats keep their dtype. Average pooling
        returns floats (float32 stays float32).

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
    >>> pool2d(np.zeros((10, 28, 28, 6))).shape
    (10, 14, 14, 6)
    """
    x4, (kh, kw), (sh, sw), (H_out, W_out), shape_out = _prepare(x, size, stride, mode)
    if mode == "avg" and x4.dtype.kind in "iu":
        x4 = x4.astype(np.float64)  # the mean of integers is a float
    N, H, W, C = x4.shape
    out = np.empty(shape_out, dtype=x4.dtype)
    if N == 1 or (kh <= sh and H == sh * H_out):
        # One image, or windows that tile each image's rows: the batch pools as one tall image.
        _pool_volume(x4.reshape(N * H, W, C), out.reshape(N * H_out, W_out, C), (kh, kw), (sh, sw), mode)
    else:
        out4 = out.reshape(N, H_out, W_out, C)
        for n in range(N):
            _pool_volume(x4[n], out4[n], (kh, kw), (sh, sw), mode)
    if mode == "avg":
        out /= kh * kw
    return out


def _pool_volume(x3, out3, size, stride, mode) -> None:
    """Pool one ``(H, W, C)`` volume into the C-contiguous ``out3`` ``(H_out, W_out, C)``; "avg" leaves sums."""
    (kh, kw), (sh, sw) = size, stride
    H_out, W_out, C = out3.shape
    W = x3.shape[1]
    op = np.maximum if mode == "max" else np.add
    # NumPy loops innermost over the last axis: with few channels, make that the columns.
    few_channels = C < _FEW_CHANNELS
    tiled = W == sw * W_out  # the windows tile each row (so kw <= sw): no column is skipped or shared
    span = sw * (W_out - 1) + 1  # columns from the first window's left edge to the last one's
    # Separable: combine each window's rows first (whole input rows, long contiguous runs), then
    # its columns; in blocks of output rows, so that the rows' result stays in cache.
    rows_per_block = max(1, _BLOCK_BYTES // (W * C * x3.itemsize))
    for r0 in range(0, H_out, rows_per_block):
        n = min(rows_per_block, H_out - r0)
        top, end = r0 * sh, r0 * sh + sh * (n - 1) + 1
        rows = x3[top:end:sh]  # (n, W, C): the first row of each window
        if kh > 1:
            rows = op(rows, x3[top + 1 : end + 1 : sh])
            for i in range(2, kh):
                op(rows, x3[top + i : end + i : sh], out=rows)
        target = out3[r0 : r0 + n]  # (n, W_out, C)
        if tiled:
            # Column j of every window is one block of C values: cols[j] is (n*W_out, C), or
            # (C, n*W_out) with few channels.
            cols = rows.reshape(n * W_out, sw, C).transpose((1, 2, 0) if few_channels else (1, 0, 2))
            target = target.reshape(n * W_out, C)  # a view: the output is contiguous
            target = target.T if few_channels else target
        else:
            cols = [rows[:, j : j + span : sw] for j in range(kw)]  # kw x (n, W_out, C)
            if few_channels:
                cols, target = [v.swapaxes(1, 2) for v in cols], target.swapaxes(1, 2)
        if kw == 1:
            np.copyto(target, cols[0])
            continue
        # order="C" walks the output's last axis innermost: the columns, when they were swapped there.
        op(cols[0], cols[1], out=target, order="C")
        for j in range(2, kw):
            op(target, cols[j], out=target, order="C")


def pool2d_naive(
    x: np.typing.ArrayLike, size: int | tuple[int, int] = 2, stride: int | tuple[int, int] | None = None,
    mode: str = "max",
) -> np.ndarray:
    """Reference ``pool2d`` as plain loops over output cells."""
    x4, (kh, kw), (sh, sw), (H_out, W_out), shape_out = _prepare(x, size, stride, mode)
    reduce = np.max if mode == "max" else np.mean
    N, _, _, C = x4.shape
    out = np.zeros((N, H_out, W_out, C), dtype=x4.dtype if mode == "max" else np.float64)
    for n in range(N):
        for ch in range(C):
            for r in range(H_out):
                for c in range(W_out):
                    out[n, r, c, ch] = reduce(x4[n, r * sh : r * sh + kh, c * sw : c * sw + kw, ch])
    return out.reshape(shape_out)


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
    if np.ndim(x) != 2:
        raise ValueError("pool_trace follows one activation map at a time: pass an (H, W) grid.")
    x4, (kh, kw), (sh, sw), (H_out, W_out), _ = _prepare(x, size, stride, mode)
    x = x4[0, :, :, 0]  # (H, W)
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
