"""The backward pass step by step, in the lecture's notation: where each gradient comes from.

``conv2d_backward`` and ``pool2d_backward`` compute the gradients at once; the traces here take them
apart the way a student works them out by hand, as ``conv_trace`` and ``pool_trace`` do for the forward
pass:

- ``weight_gradient_trace``: a weight's gradient ``dW[i, j]`` sums, over every position of the window,
  the input cell that weight lay on times the map's gradient at that position. The bias lies on every
  position with weight 1: ``db`` is the sum of ``dL/dmap``.
- ``input_gradient_trace``: an input cell's gradient ``dX[y, x]`` sums, over every window that covered
  it, the weight that lay on it times the map's gradient at that window. That is the full convolution
  of ``dL/dmap`` (spread back to the input's spacing, ``spread_gradient``) with the filter rotated 180°.
- ``pool_gradient_trace``: each pooling window sends its gradient back to its winner (max pooling, the
  winner and tie rule of ``pool_trace``) or in equal shares to all its cells (average pooling).

Where the map's gradient comes from: ``map_gradient``, 1 in every cell, ``map − target`` for the
loss ``L = ½ Σ (map − target)²`` (``squared_loss``), or given cell by cell (the gradient a network sent
back into the map).

Shape letters as in ``conv.py``: an input ``(H, W, C)``, a filter bank ``(kh, kw, C, F)``, a map
``(H_out, W_out, F)``; rows and columns of the input are in padded coordinates where they say so.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnviz.kernel.backward import conv2d_backward, pool2d_backward
from cnnviz.kernel.conv import pad_input
from cnnviz.kernel.pool import pool_trace
from cnnviz.kernel.shapes import as_pair
from cnnviz.kernel.validate import finite_array

ArrayLike = np.typing.ArrayLike
Pair = int | tuple[int, int]  # one value for both axes, or (rows, columns)

__all__ = ["GRADIENT_SOURCES", "map_gradient", "squared_loss", "WeightGradStep", "Cover", "InputGradStep",
           "PoolGradStep", "weight_gradient_trace", "input_gradient_trace", "spread_gradient",
           "pool_gradient_trace"]

GRADIENT_SOURCES = ("ones", "target", "given")  # dL/dmap = 1 in every cell, map − target, or given cell by cell


def _target(amap, target, name: str = "target", one: str = "target value") -> tuple[np.ndarray, np.ndarray]:
    """The map and the target (or another grid ``name`` of the map's shape) as arrays of finite numbers of one
    shape."""
    a = finite_array(amap, "activation map")
    t = finite_array(target, name)
    if t.shape != a.shape:
        raise ValueError(f"The {name} has shape {t.shape}, but the activation map has shape {a.shape}: "
                         f"give one {one} per cell of the map.")
    return a, t


def map_gradient(amap: ArrayLike, target: ArrayLike | None = None, *, given: ArrayLike | None = None) -> np.ndarray:
    """``dL/dmap``: 1 in every cell (no ``target``, nothing ``given``), ``map − target``, the gradient of
    ``squared_loss``, or ``given`` cell by cell (a loss further on, such as a network's, sent it back).

    Parameters
    ----------
    amap : array_like, shape (H_out, W_out) or (H_out, W_out, F)
        The activation map the forward pass gave.
    target : array_like of the same shape, optional
        The map it should have given.
    given : array_like of the same shape, optional
        ``dL/dmap`` itself.

    Returns
    -------
    ndarray, shape of amap
        Integers stay exact int64.

    Examples
    --------
    >>> map_gradient([[12, 12], [10, 17]]).tolist()
    [[1, 1], [1, 1]]
    >>> map_gradient([[12, 12], [10, 17]], [[10, 12], [11, 17]]).tolist()
    [[2, 0], [-1, 0]]
    >>> map_gradient([[12, 12], [10, 17]], given=[[0.5, 0], [0, -0.25]]).tolist()
    [[0.5, 0.0], [0.0, -0.25]]
    """
    if target is not None and given is not None:
        raise ValueError("dL/dmap comes from a target or is given, not both.")
    if given is not None:
        return _target(amap, given, "given map gradient", "gradient")[1]
    if target is None:
        a = finite_array(amap, "activation map")
        return np.ones(a.shape, dtype=np.int64)
    a, t = _target(amap, target)
    return a - t


def squared_loss(amap: ArrayLike, target: ArrayLike) -> float:
    """``L = ½ Σ (map − target)²``: half the sum of the squared differences, as a float.

    Examples
    --------
    >>> squared_loss([[12, 12], [10, 17]], [[10, 12], [11, 17]])
    2.5
    """
    a, t = _target(amap, target)
    d = (a - t).astype(np.float64)
    return 0.5 * float(np.vdot(d, d))


@dataclass(frozen=True)
class WeightGradStep:
    """One weight's gradient: the input cells it lay on, each times the map's gradient there, summed."""

    weight: tuple[int, int]  # (i, j) in the filter
    channel: int
    filter: int
    rows: tuple[int, ...]  # rows of the padded input this weight lay on, one per row of the map
    cols: tuple[int, ...]  # its columns, one per column of the map: the cells are every (row, col) pair
    values: np.ndarray  # (H_out, W_out) the input values it lay on
    grads: np.ndarray  # (H_out, W_out) dL/dmap of its filter
    products: np.ndarray  # (H_out, W_out) values * grads
    total: float | int  # products.sum(): dW[i, j, channel, filter]


@dataclass(frozen=True)
class Cover:
    """One window that covered an input cell: where it stood, which weight lay on the cell, the map's gradient."""

    out: tuple[int, int]  # the window's position: the map cell (row, column) it made
    tap: tuple[int, int]  # the filter weight (i, j) that lay on the cell
    filter: int
    weight: float | int  # w[i, j, channel, filter]
    grad: float | int  # dL/dmap[out row, out column, filter]
    product: float | int  # weight * grad


@dataclass(frozen=True)
class InputGradStep:
    """One input cell's gradient: every window that covered it, its weight there times the map's gradient.

    Seen as the full convolution, the filter rotated 180° lies on ``spread_gradient``'s grid at
    ``rows`` x ``cols``; ``values * weights`` summed is the same total (cells between the map's
    values, where no window stood, are zeros).
    """

    cell: tuple[int, int]  # (row, column) in the input, without padding
    channel: int
    covers: tuple[Cover, ...]  # in reading order of the windows, then by filter
    rows: tuple[int, ...]  # rows of the spread gradient under the rotated filter, one per filter row
    cols: tuple[int, ...]
    values: np.ndarray  # (kh, kw, F) the spread gradient under the rotated filter
    weights: np.ndarray  # (kh, kw, F) the filter rotated 180°, this channel
    total: float | int  # the covers' products summed: dX[row, column, channel]


def _conv_arrays(x, w, dout, stride, padding, dilation):
    """The gradients (checked by ``conv2d_backward``) and the arrays as ``(H, W, C)``, ``(kh, kw, C, F)``,
    ``(H_out, W_out, F)`` in the gradients' dtype."""
    if np.ndim(x) == 4:
        raise ValueError("The backward trace follows one input at a time: pass (H, W) or (H, W, C), not a batch.")
    dx, dw, db = conv2d_backward(x, w, dout, stride=stride, padding=padding, dilation=dilation)
    dtype = dw.dtype
    x3 = np.asarray(x).astype(dtype).reshape(dx.shape[:2] + (-1,))  # (H, W, C)
    kh, kw = dw.shape[:2]
    C = x3.shape[2]
    w4 = np.asarray(w).astype(dtype).reshape(kh, kw, C, -1)  # (kh, kw, C, F)
    F = w4.shape[3]
    g = np.asarray(dout).astype(dtype)
    g3 = g.reshape(g.shape[:2] + (F,))  # (H_out, W_out, F)
    return (x3, w4, g3), (dx.reshape(x3.shape), dw.reshape(w4.shape), db)


def weight_gradient_trace(x: ArrayLike, w: ArrayLike, dout: ArrayLike, *, stride: Pair = 1, padding: Pair = 0,
                          dilation: Pair = 1) -> list[WeightGradStep]:
    """Every weight's gradient written out, in the order of ``dW``'s cells (``(i, j, channel, filter)``).

    With ``out[r, q] = Σ xp[r*sh + i*dh, q*sw + j*dw] * w[i, j]`` (``xp`` the padded input), weight
    ``(i, j)`` lay on rows ``i*dh + r*sh`` and columns ``j*dw + q*sw``: ``dW[i, j]`` sums those input
    values times ``dout[r, q]``. The bias lies on every position with weight 1: ``db = Σ dout``.

    Parameters
    ----------
    x : array_like, shape (H, W) or (H, W, C)
    w : array_like, shape (kh, kw), (kh, kw, C) or (kh, kw, C, F)
    dout : array_like, shape (H_out, W_out) or (H_out, W_out, F)
        ``dL/dmap``: the shape ``conv2d(x, w, ...)`` returns.
    stride, padding, dilation : int or (int, int)
        As in ``conv2d``.

    Returns
    -------
    list of WeightGradStep
        ``steps[k].total`` is ``dW.ravel()[k]`` of ``conv2d_backward``, exact for integers.

    Examples
    --------
    >>> x = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
    >>> steps = weight_gradient_trace(x, [[0, 1, 2], [2, 2, 0], [0, 1, 2]], np.ones((3, 3), int))
    >>> steps[0].values.tolist(), steps[0].total
    ([[3, 3, 2], [0, 0, 1], [3, 1, 2]], 15)
    """
    (x3, w4, g3), (_, dw, _) = _conv_arrays(x, w, dout, stride, padding, dilation)
    (sh, sw), (dh, dw_) = as_pair(stride, "stride"), as_pair(dilation, "dilation")
    xp = pad_input(x3, padding)  # (Hp, Wp, C)
    H_out, W_out, F = g3.shape
    kh, kw, C, _ = w4.shape
    steps = []
    for i, j, c, f in np.ndindex(kh, kw, C, F):
        rows = tuple(i * dh + r * sh for r in range(H_out))
        cols = tuple(j * dw_ + q * sw for q in range(W_out))
        values = xp[np.ix_(rows, cols)][:, :, c]  # (H_out, W_out)
        grads = g3[:, :, f]
        steps.append(WeightGradStep((i, j), c, f, rows, cols, values, grads, values * grads,
                                    dw[i, j, c, f].item()))
    return steps


def spread_gradient(dout: ArrayLike, size: Pair, *, stride: Pair = 1,
                    dilation: Pair = 1,
                    padded_shape: tuple[int, int] | None = None) -> np.ndarray:
    """``dL/dmap`` put back at the input's spacing and framed with zeros: the grid the rotated filter slides over.

    ``G[(kh − 1)*dh + r*sh, (kw − 1)*dw + q*sw] = dout[r, q]`` and 0 elsewhere: ``stride − 1`` zeros
    between the map's values, a frame of ``(k − 1)*dilation`` zeros, and more zeros below and to the
    right up to ``padded_shape`` (rows and columns of the padded input no window reached). Then
    ``conv2d(G, w[::-1, ::-1], dilation=dilation)`` is the gradient of the padded input, ``(Hp, Wp)``:
    the full convolution of ``dL/dmap`` with the filter rotated 180°.

    Parameters
    ----------
    dout : array_like, shape (H_out, W_out) or (H_out, W_out, F)
    size : int or (int, int)
        The filter's ``(kh, kw)``.
    stride, dilation : int or (int, int)
    padded_shape : (int, int), optional
        The padded input's ``(Hp, Wp)``; default the rows and columns the windows reached.

    Returns
    -------
    ndarray, shape (Hp + (kh − 1)*dh, Wp + (kw − 1)*dw[, F])

    Examples
    --------
    >>> spread_gradient([[1, 2], [3, 4]], 2, stride=2).tolist()
    [[0, 0, 0, 0, 0], [0, 1, 0, 2, 0], [0, 0, 0, 0, 0], [0, 3, 0, 4, 0], [0, 0, 0, 0, 0]]
    """
    g = finite_array(dout, "output gradient")
    if g.ndim not in (2, 3):
        raise ValueError(f"The output gradient must be (H_out, W_out) or (H_out, W_out, F), not {g.ndim}-D.")
    kh, kw = as_pair(size, "filter size")
    (sh, sw), (dh, dw) = as_pair(stride, "stride"), as_pair(dilation, "dilation")
    H_out, W_out = g.shape[:2]
    reach_h, reach_w = (H_out - 1) * sh + 1 + (kh - 1) * dh, (W_out - 1) * sw + 1 + (kw - 1) * dw
    Hp, Wp = (reach_h, reach_w) if padded_shape is None else padded_shape
    if Hp < reach_h or Wp < reach_w:
        raise ValueError(f"The windows reach {reach_h}x{reach_w} cells, more than the padded input's {Hp}x{Wp}.")
    top, left = (kh - 1) * dh, (kw - 1) * dw
    G = np.zeros((Hp + top, Wp + left) + g.shape[2:], dtype=g.dtype)
    G[top : top + sh * (H_out - 1) + 1 : sh, left : left + sw * (W_out - 1) + 1 : sw] = g
    return G


def input_gradient_trace(x: ArrayLike, w: ArrayLike, dout: ArrayLike, *, stride: Pair = 1, padding: Pair = 0,
                         dilation: Pair = 1) -> list[InputGradStep]:
    """Every input cell's gradient written out, in the order of ``dX``'s cells (``(row, column, channel)``).

    Window ``(r, q)`` put weight ``(i, j)`` on padded cell ``(r*sh + i*dh, q*sw + j*dw)``: an input cell
    collects ``w[i, j] * dout[r, q]`` from every window and weight that met it (cells in the padding
    are not the input's and are left out). Rotating the filter 180° turns that into a convolution:
    see ``spread_gradient``.

    Parameters
    ----------
    x : array_like, shape (H, W) or (H, W, C)
    w : array_like, shape (kh, kw), (kh, kw, C) or (kh, kw, C, F)
    dout : array_like, shape (H_out, W_out) or (H_out, W_out, F)
    stride, padding, dilation : int or (int, int)

    Returns
    -------
    list of InputGradStep
        ``steps[k].total`` is ``dX.ravel()[k]`` of ``conv2d_backward``, exact for integers.

    Examples
    --------
    >>> x = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
    >>> step = input_gradient_trace(x, [[0, 1, 2], [2, 2, 0], [0, 1, 2]], np.ones((3, 3), int))[12]
    >>> step.cell, len(step.covers), step.total
    ((2, 2), 9, 10)
    """
    (x3, w4, g3), (dx, _, _) = _conv_arrays(x, w, dout, stride, padding, dilation)
    (sh, sw), (dh, dw) = as_pair(stride, "stride"), as_pair(dilation, "dilation")
    ph, pw = as_pair(padding, "padding", 0)
    H, W, C = x3.shape
    kh, kw, _, F = w4.shape
    H_out, W_out = g3.shape[:2]
    G = spread_gradient(g3, (kh, kw), stride=(sh, sw), dilation=(dh, dw),
                        padded_shape=(H + 2 * ph, W + 2 * pw))  # (Hp + (kh−1)dh, Wp + (kw−1)dw, F)
    rotated = w4[::-1, ::-1]  # (kh, kw, C, F)

    def windows(p: int, k: int, s: int, d: int, n_out: int) -> list[tuple[int, int]]:
        """(map index, tap) of every window along one axis that put a tap on padded index ``p``."""
        return [((p - t * d) // s, t) for t in range(k)
                if (p - t * d) % s == 0 and 0 <= (p - t * d) // s < n_out]

    steps = []
    for y, x_, c in np.ndindex(H, W, C):
        down, across = windows(y + ph, kh, sh, dh, H_out), windows(x_ + pw, kw, sw, dw, W_out)
        covers = tuple(
            Cover((r, q), (i, j), f, w4[i, j, c, f].item(), g3[r, q, f].item(), (w4[i, j, c, f] * g3[r, q, f]).item())
            for r, i in sorted(down) for q, j in sorted(across) for f in range(F))
        rows = tuple(y + ph + t * dh for t in range(kh))
        cols = tuple(x_ + pw + t * dw for t in range(kw))
        steps.append(InputGradStep((y, x_), c, covers, rows, cols, G[np.ix_(rows, cols)], rotated[:, :, c, :],
                                   dx[y, x_, c].item()))
    return steps


@dataclass(frozen=True)
class PoolGradStep:
    """One pooling window sending its gradient back to the cells it pooled."""

    out_row: int  # the pooled cell
    out_col: int
    rows: tuple[int, ...]  # the window's rows of the input
    cols: tuple[int, ...]
    grad: float | int  # dL/d(pooled) at this window
    winner: tuple[int, int] | None  # max pooling: the cell kept, which gets it all; None for average pooling
    sends: np.ndarray  # (kh, kw) what each cell of the window gets from this window


def pool_gradient_trace(x: ArrayLike, dout: ArrayLike, size: int = 2, stride: int | None = None,
                        mode: str = "max") -> list[PoolGradStep]:
    """Every pooling window of one map ``(H, W)`` sending its gradient back, in row-major order of the output.

    Max pooling sends the whole gradient to the winner ``pool_trace`` names (ties: ``TIE_RULE``), the
    other cells of the window get 0; average pooling sends ``grad / (kh*kw)`` to each cell. Where
    windows overlap, a cell adds up what each sends it: the sum is ``pool2d_backward``.

    Examples
    --------
    >>> [s.sends.tolist() for s in pool_gradient_trace([[1, 2], [4, 3]], [[10]])]
    [[[0, 0], [10, 0]]]
    >>> pool_gradient_trace([[1, 2], [4, 3]], [[10]], mode="avg")[0].sends.tolist()
    [[2.5, 2.5], [2.5, 2.5]]
    """
    if np.ndim(x) != 2:
        raise ValueError("The pooling trace follows one activation map at a time: pass an (H, W) grid.")
    dx = pool2d_backward(x, dout, size, stride, mode)  # checks dout against the pooled shape
    g = np.asarray(dout).astype(dx.dtype)
    steps = []
    for s in pool_trace(x, size, stride, mode):
        grad = g[s.out_row, s.out_col]
        sends = np.zeros(s.values.shape, dtype=dx.dtype)  # (kh, kw)
        if s.winner is None:
            sends[:] = grad / sends.size
        else:
            sends[s.winner[0] - s.rows[0], s.winner[1] - s.cols[0]] = grad
        steps.append(PoolGradStep(s.out_row, s.out_col, s.rows, s.cols, grad.item(), s.winner, sends))
    return steps

