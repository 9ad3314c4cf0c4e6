"""The transposed convolution, and the convolution written as a matrix.

A convolution is linear: on a single-channel ``(H, W)`` input it is a matrix ``M`` with one row
per output cell and one column per input cell (``conv_matrix``). Its transpose ``M.T`` maps an
activation map back onto the input's grid: that is the transposed convolution, where each input
cell stamps the filter, scaled by its value, onto the output and the overlaps add up. CNNs use it
to upsample (segmentation, generators). Shape letters as in ``conv.py``: an input ``(H, W, C)``,
filters ``(kh, kw, C, F)``, an output ``(H_out, W_out, F)``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnviz.kernel.conv import _Conv, _operands, _prepare
from cnnviz.kernel.shapes import as_pair, conv_transpose_output_size

__all__ = ["conv_transpose2d", "conv_transpose2d_naive", "conv_matrix", "Stamp", "StampTrace", "stamp_trace"]


def _prepare_transpose(x, w, b, stride, padding, output_padding, dilation) -> _Conv:
    """Check and normalise the arguments of ``conv_transpose2d``: its operands and its geometry."""
    operands = _operands(x, w, b)
    x4, w4 = operands[:2]
    H, W = x4.shape[1:3]
    kh, kw = w4.shape[:2]
    sh, sw = as_pair(stride, "stride", 1)
    ph, pw = as_pair(padding, "padding", 0)
    oh, ow = as_pair(output_padding, "output padding", 0)
    dh, dw = as_pair(dilation, "dilation", 1)
    H_out = conv_transpose_output_size(H, kh, sh, ph, oh, dh)
    W_out = conv_transpose_output_size(W, kw, sw, pw, ow, dw)
    return _Conv(*operands, (sh, sw), (ph, pw), (dh, dw), (H_out, W_out))


def conv_transpose2d(
    x: np.typing.ArrayLike, w: np.typing.ArrayLike, b: np.typing.ArrayLike | None = None, *,
    stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0,
    output_padding: int | tuple[int, int] = 0, dilation: int | tuple[int, int] = 1,
) -> np.ndarray:
    """Stamp the filter, scaled by each input cell, onto a larger output; where stamps overlap they add up.

    Input cell ``(r, q)`` adds ``x[r, q, c] * w[i, j, c, f]`` to output cell
    ``(r*sh + i*dh - ph, q*sw + j*dw - pw)`` for every tap ``(i, j)``, channel c and filter f:
    stamps ``stride`` cells apart, and ``padding`` crops that many cells from each side of the
    stamped area. Along each axis ``n_out = (n - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1``.
    This is PyTorch's ``conv_transpose2d`` channels-last, with its weight ``(C, F, kh, kw)`` laid out
    ``(kh, kw, C, F)``.

    It is the adjoint of ``conv2d``:
    ``<conv2d(x, w, ...), y> == <x, conv_transpose2d(y, w.swapaxes(2, 3), ...)>`` (``w`` itself for
    one filter ``(kh, kw)``), with the same stride, padding and dilation and ``output_padding`` the
    ``(n + 2*padding - dilation*(k - 1) - 1) % stride`` cells by which conv2d's output size rounds
    down on each axis, so that the result has x's shape (with less, it is cut short at the bottom
    and right). So ``conv2d_backward``'s ``dx`` is ``conv_transpose2d(dout, w.swapaxes(2, 3), ...)``.

    Parameters
    ----------
    x : array_like, shape (H, W), (H, W, C) or (N, H, W, C)
        The input: one grid, one volume, or a batch of N volumes.
    w : array_like, shape (kh, kw), (kh, kw, C) or (kh, kw, C, F)
        One filter, or a bank of F filters, spanning every channel of the input.
    b : None, number or array_like, shape (F,)
        Bias added to each output map.
    stride, padding, dilation : int or (int, int)
        Step between stamps, cells cropped from each side, spacing between filter taps.
    output_padding : int or (int, int)
        Cells added at the bottom and right only, smaller than the stride or the dilation.

    Returns
    -------
    ndarray, shape ([N,] H_out, W_out[, F])
        An N axis when ``x`` has one, an F axis when ``w`` has one; C-contiguous. Integer inputs
        give exact integers as in ``conv2d``.

    Notes
    -----
    For each of the ``kh*kw`` taps, one matrix product ``(N*H*W, C) @ (C, F)`` gives what every
    input cell's stamp puts there, added onto the output in one strided step. Besides the output
    it allocates the uncropped output and one tap's products, ``N*H*W*F`` values.

    Examples
    --------
    >>> conv_transpose2d([[1, 2], [3, 4]], [[1, 1], [1, 1]]).tolist()  # the middle cell gets all four stamps
    [[1, 3, 2], [4, 10, 6], [3, 7, 4]]
    >>> conv_transpose2d([[1, 2], [3, 4]], [[1, 1], [1, 1]], stride=2).tolist()  # no overlaps: 2x2 blocks
    [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]
    """
    cv = _prepare_transpose(x, w, b, stride, padding, output_padding, dilation)
    N, H, W, C = cv.x.shape
    kh, kw, _, F = cv.w.shape
    (sh, sw), (ph, pw), (dh, dw), (H_out, W_out) = cv.stride, cv.padding, cv.dilation, cv.out_size
    x2 = cv.x.reshape(N * H * W, C).astype(cv.dtype, copy=False)  # (N*H*W, C)
    w4 = cv.w.astype(cv.dtype, copy=False)
    # The stamped area, and beyond it the cells output_padding adds where the padding does not crop.
    full = np.zeros((N, max((H - 1) * sh + dh * (kh - 1) + 1, ph + H_out),
                     max((W - 1) * sw + dw * (kw - 1) + 1, pw + W_out), F), dtype=cv.dtype)
    tap = np.empty((N * H * W, F), dtype=cv.dtype)
    for i in range(kh):
        for j in range(kw):
            np.matmul(x2, w4[i, j], out=tap)  # (N*H*W, C) @ (C, F): what each cell's stamp puts at tap (i, j)
            # where tap (i, j) of every stamp lands: rows i*dh, i*dh + sh, ...; a strided view
            target = full[:, i * dh : i * dh + sh * (H - 1) + 1 : sh, j * dw : j * dw + sw * (W - 1) + 1 : sw]
            target += tap.reshape(N, H, W, F)
    out = full[:, ph : ph + H_out, pw : pw + W_out] + cv.bias  # (N, H_out, W_out, F), its own memory
    return cv.shaped(out)


def conv_transpose2d_naive(
    x: np.typing.ArrayLike, w: np.typing.ArrayLike, b: np.typing.ArrayLike | None = None, *,
    stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0,
    output_padding: int | tuple[int, int] = 0, dilation: int | tuple[int, int] = 1,
) -> np.ndarray:
    """Reference ``conv_transpose2d`` as plain loops: every input cell stamps every tap of every filter."""
    cv = _prepare_transpose(x, w, b, stride, padding, output_padding, dilation)
    N, H, W, C = cv.x.shape
    kh, kw, _, F = cv.w.shape
    (sh, sw), (ph, pw), (dh, dw), (H_out, W_out) = cv.stride, cv.padding, cv.dilation, cv.out_size
    out = np.zeros((N, H_out, W_out, F), dtype=cv.dtype)
    out += cv.bias
    for n in range(N):
        for r in range(H):
            for q in range(W):
                for ch in range(C):
                    for i in range(kh):
                        for j in range(kw):
                            row, col = r * sh + i * dh - ph, q * sw + j * dw - pw
                            if 0 <= row < H_out and 0 <= col < W_out:  # else cropped by the padding
                                for f in range(F):
                                    out[n, row, col, f] += cv.x[n, r, q, ch] * cv.w[i, j, ch, f]
    return cv.shaped(out)


def conv_matrix(
    input_shape: tuple[int, int], w: np.typing.ArrayLike, *, stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0, dilation: int | tuple[int, int] = 1,
) -> np.ndarray:
    """The convolution of a single-channel ``(H, W)`` input with one filter, as a matrix.

    ``M @ x.ravel() == conv2d(x, w, ...).ravel()`` for every ``x`` of ``input_shape``. Row
    ``r*W_out + q`` holds the filter's weights at the columns of the input cells under window
    ``(r, q)`` and zeros elsewhere (taps on the padding drop out). The transpose is the
    transposed convolution: ``M.T @ y.ravel() == conv_transpose2d(y, w, stride=..., padding=...,
    dilation=..., output_padding=e).ravel()`` for every ``y`` of conv2d's output shape, with
    ``e = (n + 2*padding - dilation*(k - 1) - 1) % stride`` on each axis, the cells by which conv2d's
    output size rounds down; with ``output_padding=0`` the transposed convolution gives the same
    grid without its last ``e`` rows and columns.

    Parameters
    ----------
    input_shape : (int, int)
        ``(H, W)`` of the input.
    w : array_like, shape (kh, kw)
        The filter.
    stride, padding, dilation : int or (int, int)
        As in ``conv2d``.

    Returns
    -------
    ndarray, shape (H_out*W_out, H*W)
        Integers for an integer filter (int64), else the filter's float dtype.

    Examples
    --------
    >>> conv_matrix((3, 3), [[1, 2], [3, 4]])
    array([[1, 2, 0, 3, 4, 0, 0, 0, 0],
           [0, 1, 2, 0, 3, 4, 0, 0, 0],
           [0, 0, 0, 1, 2, 0, 3, 4, 0],
           [0, 0, 0, 0, 1, 2, 0, 3, 4]])
    """
    if np.ndim(w) != 2:
        raise ValueError(
            f"conv_matrix takes one filter (kh, kw) for a single-channel input, not a {np.ndim(w)}-D array."
        )
    H, W = as_pair(input_shape, "input size", 1)
    # conv2d's checks and geometry, on an input of that shape
    cv = _prepare(np.zeros((H, W), dtype=np.int8), w, None, stride, padding, dilation)
    weights = cv.w[:, :, 0, 0]  # (kh, kw), int64 or float
    kh, kw = weights.shape
    (sh, sw), (ph, pw), (dh, dw), (H_out, W_out) = cv.stride, cv.padding, cv.dilation, cv.out_size
    m = np.zeros((H_out * W_out, H * W), dtype=weights.dtype)
    r, q = np.divmod(np.arange(H_out * W_out), W_out)  # each row's window position
    for i in range(kh):
        for j in range(kw):
            row, col = r * sh + i * dh - ph, q * sw + j * dw - pw  # the input cell under tap (i, j)
            inside = (row >= 0) & (row < H) & (col >= 0) & (col < W)
            m[inside.nonzero()[0], (row * W + col)[inside]] = weights[i, j]
    return m


@dataclass(frozen=True)
class Stamp:
    """One input cell's stamp: the filter times its value, added onto the uncropped output."""

    row: int  # the input cell
    col: int
    value: float | int  # what it holds
    rows: tuple[int, ...]  # the uncropped output's rows it adds to, one per filter row
    cols: tuple[int, ...]  # and columns, one per filter column
    products: np.ndarray  # (kh, kw) value * the filter: what it adds to cell (rows[i], cols[j])
    totals: np.ndarray  # (kh, kw) what cell (rows[i], cols[j]) holds once this stamp is added


@dataclass(frozen=True)
class StampTrace:
    """Every stamp of a transposed convolution, in reading order of the input, and where the output lies."""

    stamps: list[Stamp]
    shape: tuple[int, int]  # (Hf, Wf) the uncropped output: every stamp, and the cells output_padding adds
    crop: tuple[int, int]  # (ph, pw): output cell (r, c) is uncropped cell (r + ph, c + pw)
    out_shape: tuple[int, int]  # (H_out, W_out) what conv_transpose2d returns


def stamp_trace(
    x: np.typing.ArrayLike, w: np.typing.ArrayLike, *, stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0, output_padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
) -> StampTrace:
    """A transposed convolution stamp by stamp: what each input cell adds, and the running output after it.

    ``x`` is one grid ``(H, W)`` and ``w`` one filter ``(kh, kw)``. Stamps are added in reading order of
    the input onto the uncropped output ``(Hf, Wf)``; the output ``conv_transpose2d`` returns is its
    ``[ph : ph + H_out, pw : pw + W_out]``, so each stamp's ``totals`` there are the output cells as they
    stand after it. Integer inputs give exact integers.

    Examples
    --------
    >>> trace = stamp_trace([[1, 2]], [[1, 1]])
    >>> [s.cols for s in trace.stamps], trace.stamps[1].totals.tolist(), trace.out_shape
    ([(0, 1), (1, 2)], [[3, 2]], (1, 3))
    """
    if np.ndim(x) != 2 or np.ndim(w) != 2:
        raise ValueError("stamp_trace follows one grid (H, W) and one filter (kh, kw).")
    cv = _prepare_transpose(x, w, None, stride, padding, output_padding, dilation)
    H, W = cv.x.shape[1:3]
    kh, kw = cv.w.shape[:2]
    (sh, sw), (ph, pw), (dh, dw), (H_out, W_out) = cv.stride, cv.padding, cv.dilation, cv.out_size
    xs = cv.x[0, :, :, 0].astype(cv.dtype, copy=False)  # (H, W)
    weights = cv.w[:, :, 0, 0].astype(cv.dtype, copy=False)  # (kh, kw)
    shape = (max((H - 1) * sh + dh * (kh - 1) + 1, ph + H_out), max((W - 1) * sw + dw * (kw - 1) + 1, pw + W_out))
    full = np.zeros(shape, dtype=cv.dtype)
    stamps = []
    for r in range(H):
        rows = tuple(r * sh + i * dh for i in range(kh))
        for q in range(W):
            cols = tuple(q * sw + j * dw for j in range(kw))
            products = xs[r, q] * weights  # (kh, kw)
            full[np.ix_(rows, cols)] += products
            stamps.append(Stamp(r, q, xs[r, q].item(), rows, cols, products, full[np.ix_(rows, cols)]))
    return StampTrace(stamps, shape, (ph, pw), (H_out, W_out))
