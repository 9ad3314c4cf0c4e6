"""Backward passes of convolution and pooling: how a change in each output moves the loss back.

Given ``dout``, the gradient of a loss with respect to a layer's output, these return the
gradients with respect to its input (and, for convolution, its filters and biases). They accept
the same shapes as ``conv2d`` and ``pool2d``, with or without the batch axis N; ``dout`` has
the shape the forward pass returned. Each fast version has a ``_naive`` twin written as plain
loops, with the same signature.
"""
from __future__ import annotations

import math

import numpy as np

from cnnviz.kernel.validate import abs_max, abs_sum_max, finite_array, fits_int64
from cnnviz.kernel.conv import _blocks, _channels_first_padded, _Conv, _keep, _prepare, _scratch, pad_input
from cnnviz.kernel.pool import _prepare as _pool_prepare

__all__ = ["conv2d_backward", "conv2d_backward_naive", "pool2d_backward", "pool2d_backward_naive"]


def _output_gradient(dout, shape: tuple[int, ...], layer: str) -> np.ndarray:
    """``dout`` as an array of finite numbers of exactly the forward output's ``shape``."""
    g = finite_array(dout, "output gradient")
    if g.shape != shape:
        raise ValueError(
            f"The output gradient has shape {g.shape}, but the {layer}'s output has shape {shape}: "
            "give one gradient value per output value."
        )
    return g


def _conv_setup(x, w, dout, stride, padding, dilation, groups=1):
    """Check the arguments; return the ``_Conv``, ``dout`` as ``(N, H_out, W_out, F)`` and the dtype."""
    cv = _prepare(x, w, None, stride, padding, dilation, groups)
    g = _output_gradient(dout, cv.out_shape(), "convolution")
    N, F = cv.x.shape[0], cv.w.shape[3]
    g4 = g.reshape(N, *cv.out_size, F)  # (N, H_out, W_out, F)
    dtype = np.result_type(cv.x, cv.w, g4)
    if dtype.kind in "iu":
        # Exact while every gradient fits int64: dw sums x * dout over positions, db sums dout,
        # and each dx cell sums w * dout over the taps and the filters that reach it (its group's).
        g_sum = abs_sum_max(g4.reshape(-1, F), axis=0)
        kh, kw, Cg, _ = cv.w.shape
        G = cv.groups
        by_channel = cv.w.reshape(kh, kw, Cg, G, F // G).transpose(2, 3, 0, 1, 4)  # (Cg, G, kh, kw, F // G)
        w_sum = abs_sum_max(by_channel.reshape(Cg * G, -1), axis=1)
        exact = fits_int64(abs_max(cv.x) * g_sum) and fits_int64(g_sum) and fits_int64(abs_max(g4) * w_sum)
        dtype = np.dtype(np.int64) if exact else np.dtype(np.float64)
    return cv, g4, dtype


def _conv_grads_shaped(cv: _Conv, dx4, dw4, db):
    """Gradients in the caller's shapes: ``dx`` like ``x``, ``dw`` like ``w``, ``db`` ``(F,)``."""
    return dx4.reshape(cv.x_shape), dw4.reshape(cv.w_shape), db


def conv2d_backward(
    x: np.typing.ArrayLike, w: np.typing.ArrayLike, dout: np.typing.ArrayLike, *, stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0, dilation: int | tuple[int, int] = 1, groups: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of ``conv2d(x, w, b, ...)`` with respect to ``x``, ``w`` and ``b``.

    With ``out[n, r, q, f] = b[f] + sum over i, j, c of xp[n, r*sh + i*dh, q*sw + j*dw, c] * w[i, j, c, f]``
    (``xp`` the zero-padded input): ``dw`` sums input values times ``dout`` over every position,
    ``db`` sums ``dout`` over every position, and each input cell collects ``w * dout`` from
    every window that covers it (cells in the padding are dropped).

    Parameters
    ----------
    x : array_like, shape (H, W), (H, W, C) or (N, H, W, C)
        The input of the forward pass.
    w : array_like, shape (kh, kw), (kh, kw, C // groups) or (kh, kw, C // groups, F)
        Its filter or filter bank.
    dout : array_like, shape ([N,] H_out, W_out[, F])
        Gradient of the loss with respect to the output: the shape ``conv2d(x, w, ...)`` returns.
    stride, padding, dilation : int or (int, int)
        As in the forward pass.
    groups : int
        As in the forward pass: each filter sees only its group's channels.

    Returns
    -------
    dx : ndarray, shape of x
    dw : ndarray, shape of w
    db : ndarray, shape (F,)
        ``F = 1`` when ``w`` has no F axis. Integers stay exact ``int64`` while every gradient
        fits int64 (float64 beyond); float32 stays float32.

    Notes
    -----
    Positions are counted over the zero-padded input laid out flat, channels first, one padded
    row after another: tap ``(i, j)`` of the window at position ``p`` reads ``p + i*dh*Wp + j*dw``,
    so each tap of a block of positions is one contiguous run. Positions that are no window (past
    the last window of a row, between images, skipped by the stride) get a zero gradient and add
    nothing, so a stride costs what stride 1 costs. Per block, one product of the columns (with a
    row of ones, for ``db``) and ``dout`` adds to ``dw`` and ``db``, and the columns' gradient
    ``w @ dout.T`` goes back onto the input one tap at a time. Besides the gradients it allocates
    the channels-first padded input (no copy for one unpadded, contiguous channel) and its
    gradient, ``C*N*(H + 2*ph)*(W + 2*pw)`` values each, and about 1 MiB for a block's columns
    and their gradient, kept for a later call. With ``groups``, each group's channels and filters
    go through all of this on their own, and the gradients are joined.

    Examples
    --------
    >>> dx, dw, db = conv2d_backward(np.arange(9).reshape(3, 3), [[1, 0], [0, 2]], np.ones((2, 2), int))
    >>> dx.tolist(), dw.tolist(), db.tolist()
    ([[1, 1, 0], [1, 3, 2], [0, 2, 2]], [[8, 12], [20, 24]], [4])
    """
    if type(groups) is not int or groups != 1:
        return _conv2d_backward_grouped(x, w, dout, stride, padding, dilation, groups)
    cv, g4, dtype = _conv_setup(x, w, dout, stride, padding, dilation)
    N, H, W, C = cv.x.shape
    kh, kw, _, F = cv.w.shape
    (sh, sw), (ph, pw), (dh, dw_), (H_out, W_out) = cv.stride, cv.padding, cv.dilation, cv.out_size
    K = kh * kw * C
    xp = _channels_first_padded(cv.x, cv.padding, dtype)  # (C, N, Hp, Wp)
    Hp, Wp = xp.shape[2:]
    xf = xp.reshape(C, N * Hp * Wp)  # (C, L): the padded input, flat
    W1 = Wp - dw_ * (kw - 1)  # windows in one padded row at stride 1
    shifts = [i * dh * Wp + j * dw_ for i in range(kh) for j in range(kw)]  # where each tap reads, from p
    wm = cv.w.astype(dtype, copy=False).reshape(K, F)  # (K, F), rows in (i, j, c) order
    # Twice conv2d's blocks: each tap's add below costs a call per block, and longer runs pay it less.
    blocks = list(_blocks(N, H_out, K * sh * Wp * xf.itemsize, scale=2))
    _, images, _, rows = blocks[0]  # the largest block: whole images, or rows of one image
    # One scratch buffer holds a block's dout, its columns and their gradient. dout sits at the
    # window positions, laid out like the input, with 0 between them: each block writes only
    # window positions, so the zeros stay.
    gshape = (images, Hp if rows == H_out else sh * (rows - 1) + 1, Wp, F)
    size = math.prod(gshape[:3])  # positions in the largest block, windows or not
    nbytes = (F + 2 * K + 1) * size * xf.itemsize
    scratch = _scratch(nbytes)
    buf = scratch[:nbytes].view(dtype)
    gflat = buf[: F * size].reshape(size, F)  # (positions, F)
    gflat[...] = 0
    gbuf = gflat.reshape(gshape)
    colbuf = buf[F * size : (F + K + 1) * size].reshape(K + 1, size)  # the columns, then ones for db
    colbuf[K] = 1
    dcolbuf = buf[(F + K + 1) * size :]
    dwb = np.zeros((K + 1, F), dtype=dtype)  # dw's rows in (i, j, c) order, then db
    dxf = np.zeros(xf.shape, dtype=dtype)  # (C, L)
    s_c, s_p = xf.strides
    for n0, images, r0, rows in blocks:
        p0 = (n0 * Hp + r0 * sh) * Wp  # the block's first position
        n = ((images - 1) * Hp + (rows - 1) * sh) * Wp + W1  # up to its last window
        gbuf[:images, : sh * (rows - 1) + 1 : sh, : sw * (W_out - 1) + 1 : sw] = g4[n0 : n0 + images, r0 : r0 + rows]
        gb = gflat[:n]  # (n, F)
        cols = colbuf[:, :n]  # (K + 1, n)
        taps = np.ndarray((kh, kw, C, n), dtype=dtype, buffer=xf, offset=p0 * s_p,
                          strides=(dh * Wp * s_p, dw_ * s_p, s_c, s_p))  # every tap's run: a view
        np.copyto(cols[:K].reshape(kh, kw, C, n), taps)
        dwb += cols @ gb  # (K + 1, F)
        dcols = dcolbuf[: K * n].reshape(K, n)
        np.matmul(wm, gb.T, out=dcols)  # (K, F) @ (F, n)
        for t, shift in enumerate(shifts):
            target = dxf[:, p0 + shift : p0 + shift + n]  # (C, n), a view
            target += dcols[t * C : (t + 1) * C]
    _keep(scratch)
    dxc = dxf.reshape(C, N, Hp, Wp)[:, :, ph : ph + H, pw : pw + W]  # (C, N, H, W)
    if C <= 4:
        # A copy loops innermost over the result's last axis, here C: with a few channels, move
        # one channel at a time instead (one long strided run per row).
        dx4 = np.empty((N, H, W, C), dtype=dtype)
        for c in range(C):
            dx4[..., c] = dxc[c]
    else:
        dx4 = np.ascontiguousarray(dxc.transpose(1, 2, 3, 0))  # (N, H, W, C)
    return _conv_grads_shaped(cv, dx4, dwb[:K].reshape(kh, kw, C, F), dwb[K])


def _conv2d_backward_grouped(x, w, dout, stride, padding, dilation, groups):
    """``conv2d_backward`` with ``groups > 1``: each group's channels and filters on their own."""
    cv, g4, _ = _conv_setup(x, w, dout, stride, padding, dilation, groups)
    Cg, F = cv.w.shape[2:]
    Fg = F // cv.groups
    geometry = {"stride": cv.stride, "padding": cv.padding, "dilation": cv.dilation}
    # Each group's integers stay exact exactly when its own gradients fit int64; joined with a
    # group that needed float64, they become float64 too.
    parts = [
        conv2d_backward(cv.x[..., g * Cg : (g + 1) * Cg], cv.w[..., g * Fg : (g + 1) * Fg],
                        g4[..., g * Fg : (g + 1) * Fg], **geometry)
        for g in range(cv.groups)
    ]
    dx4, dw4, db = (np.concatenate(grads, axis=-1) for grads in zip(*parts))  # channels, filters, biases
    return _conv_grads_shaped(cv, dx4, dw4, db)


def conv2d_backward_naive(
    x: np.typing.ArrayLike, w: np.typing.ArrayLike, dout: np.typing.ArrayLike, *, stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0, dilation: int | tuple[int, int] = 1, groups: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reference ``conv2d_backward`` written as plain loops over every output cell and filter tap."""
    cv, g4, dtype = _conv_setup(x, w, dout, stride, padding, dilation, groups)
    N, H, W, C = cv.x.shape
    kh, kw, Cg, F = cv.w.shape
    Fg = F // cv.groups
    (sh, sw), (ph, pw), (dh, dw_) = cv.stride, cv.padding, cv.dilation
    xw = cv.w.astype(dtype)
    dw = np.zeros(cv.w.shape, dtype=dtype)
    db = np.zeros(F, dtype=dtype)
    dx = np.zeros((N, H, W, C), dtype=dtype)
    for n in range(N):
        xp = pad_input(cv.x[n].astype(dtype), (ph, pw))  # (Hp, Wp, C)
        dxp = np.zeros(xp.shape, dtype=dtype)
        for f in range(F):
            first = (f // Fg) * Cg  # the first channel of filter f's group
            for r in range(cv.out_size[0]):
                for q in range(cv.out_size[1]):
                    grad = g4[n, r, q, f]
                    db[f] += grad
                    for i in range(kh):
                        for j in range(kw):
                            for ch in range(Cg):
                                row, col = r * sh + i * dh, q * sw + j * dw_
                                dw[i, j, ch, f] += xp[row, col, first + ch] * grad
                                dxp[row, col, first + ch] += xw[i, j, ch, f] * grad
        dx[n] = dxp[ph : ph + H, pw : pw + W]
    return _conv_grads_shaped(cv, dx, dw, db)


def _pool_setup(x, dout, size, stride, mode):
    """Check the arguments; return the input ``(N, H, W, C)``, geometry, ``dout`` ``(N, H_out, W_out, C)``, dtype."""
    x4, (kh, kw), (sh, sw), (H_out, W_out), shape_out = _pool_prepare(x, size, stride, mode)
    g = _output_gradient(dout, shape_out, "pooling")
    g4 = g.reshape(x4.shape[0], H_out, W_out, x4.shape[3])  # (N, H_out, W_out, C)
    if mode == "avg":
        dtype = g4.dtype if g4.dtype.kind == "f" else np.dtype(np.float64)  # a share of a gradient
    else:
        dtype = g4.dtype
        # A cell can win one window per overlap along each axis: exact while their sum fits int64.
        overlaps = min(math.ceil(kh / sh), H_out) * min(math.ceil(kw / sw), W_out)
        if dtype.kind in "iu":
            dtype = np.dtype(np.int64) if fits_int64(abs_max(g4) * overlaps) else np.dtype(np.float64)
    return x4, (kh, kw), (sh, sw), (H_out, W_out), g4, dtype, len(shape_out)


def _pool_grad_shaped(dx4: np.ndarray, ndim: int) -> np.ndarray:
    """``(N, H, W, C)`` -> the caller's ``(H, W)``, ``(H, W, C)`` or ``(N, H, W, C)``."""
    return dx4 if ndim == 4 else dx4[0] if ndim == 3 else dx4[0, :, :, 0]


def pool2d_backward(
    x: np.typing.ArrayLike, dout: np.typing.ArrayLike, size: int | tuple[int, int] = 2,
    stride: int | tuple[int, int] | None = None, mode: str = "max",
) -> np.ndarray:
    """Gradient of ``pool2d(x, size, stride, mode)`` with respect to ``x``.

    Max pooling sends each window's gradient to the one cell it kept, the winner ``pool_trace``
    names (ties: the first cell in reading order, ``TIE_RULE``); average pooling spreads it
    evenly over the window's ``kh*kw`` cells. Where windows overlap, a cell adds up what every
    window sends it; cells no window reaches get 0.

    Parameters
    ----------
    x : array_like, shape (H, W), (H, W, C) or (N, H, W, C)
        The input of the forward pass.
    dout : array_like, shape (H_out, W_out), (H_out, W_out, C) or (N, H_out, W_out, C)
        Gradient of the loss with respect to the output: the shape ``pool2d(x, ...)`` returns.
    size, stride : int or (int, int)
    mode : {"max", "avg"}

    Returns
    -------
    dx : ndarray, shape of x
        In ``dout``'s dtype for max pooling (integers stay exact int64 while the sums fit),
        floats for average pooling (float32 stays float32).

    Examples
    --------
    >>> pool2d_backward([[1, 2], [4, 3]], [[10]]).tolist()
    [[0, 0], [10, 0]]
    >>> pool2d_backward([[1, 2], [4, 3]], [[10]], mode="avg").tolist()
    [[2.5, 2.5], [2.5, 2.5]]
    """
    x4, (kh, kw), (sh, sw), (H_out, W_out), g4, dtype, ndim = _pool_setup(x, dout, size, stride, mode)
    g = g4.astype(dtype, copy=False)
    dx4 = np.zeros(x4.shape, dtype=dtype)  # (N, H, W, C)

    def tap(a, i, j):  # the cells at offset (i, j) of every window: (N, H_out, W_out, C), a view
        return a[:, i : i + sh * (H_out - 1) + 1 : sh, j : j + sw * (W_out - 1) + 1 : sw]

    offsets = [(i, j) for i in range(kh) for j in range(kw)]  # reading order
    if mode == "avg":
        share = g / (kh * kw)
        for i, j in offsets:
            target = tap(dx4, i, j)
            target += share
    else:
        best = tap(x4, 0, 0).copy()  # (N, H_out, W_out, C): each window's maximum
        for i, j in offsets[1:]:
            np.maximum(best, tap(x4, i, j), out=best)
        # The winner is the first cell in reading order that holds the maximum, as in pool_trace:
        # visit the offsets in reading order and let each window be won once.
        open_ = np.ones(best.shape, dtype=bool)  # windows without a winner yet
        for i, j in offsets:
            won = np.equal(tap(x4, i, j), best)
            won &= open_
            open_ &= ~won
            target = tap(dx4, i, j)
            target += g * won  # plain ufuncs: much faster than masked writes
    return _pool_grad_shaped(dx4, ndim)


def pool2d_backward_naive(
    x: np.typing.ArrayLike, dout: np.typing.ArrayLike, size: int | tuple[int, int] = 2,
    stride: int | tuple[int, int] | None = None, mode: str = "max",
) -> np.ndarray:
    """Reference ``pool2d_backward`` as plain loops over output cells."""
    x4, (kh, kw), (sh, sw), (H_out, W_out), g4, dtype, ndim = _pool_setup(x, dout, size, stride, mode)
    N, _, _, C = x4.shape
    dx4 = np.zeros(x4.shape, dtype=dtype)
    for n in range(N):
        for ch in range(C):
            for r in range(H_out):
                for q in range(W_out):
                    window = x4[n, r * sh : r * sh + kh, q * sw : q * sw + kw, ch]
                    if mode == "max":
                        i, j = np.unravel_index(int(np.argmax(window)), window.shape)  # first maximum
                        dx4[n, r * sh + i, q * sw + j, ch] += g4[n, r, q, ch]
                    else:
                        dx4[n, r * sh : r * sh + kh, q * sw : q * sw + kw, ch] += g4[n, r, q, ch] / (kh * kw)
    return _pool_grad_shaped(dx4, ndim)
