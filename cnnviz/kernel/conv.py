"""2-D convolution as CNNs do it: cross-correlation (no filter flip), zero padding; and 1-D.

Shape letters: an input is ``(H, W, C)``, a filter bank ``(kh, kw, C, F)``,
an output ``(H_out, W_out, F)``; a batch of N inputs ``(N, H, W, C)`` gives ``(N, H_out, W_out, F)``.
A sequence is ``(L, C)``, its filters ``(k, C, F)``. The backward pass is in ``backward.py``, the
transposed convolution in ``transpose.py``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnviz.kernel.notation import format_shape
from cnnviz.kernel.validate import abs_max, abs_sum_max, finite_array, fits_int64
from cnnviz.kernel.shapes import as_groups, as_pair, conv_output_size

__all__ = ["conv2d", "conv2d_naive", "conv1d", "conv1d_naive", "conv_trace", "ConvStep", "pad_input"]


def _prepare(x, w, b, stride, padding, dilation, groups=1):
    """Check and normalise the arguments of ``conv2d``: its operands and its geometry."""
    operands = _operands(x, w, b, groups)
    x4, w4 = operands[:2]
    sh, sw = as_pair(stride, "stride", 1)
    ph, pw = as_pair(padding, "padding", 0)
    dh, dw = as_pair(dilation, "dilation", 1)
    kh, kw = w4.shape[:2]
    H, W = x4.shape[1:3]
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1  # the (dilated) filter's reach
    if span_h > H + 2 * ph or span_w > W + 2 * pw:
        raise ValueError(
            f"The filter ({format_shape((kh, kw))}"
            + (f", dilated to {format_shape((span_h, span_w))}" if (dh, dw) != (1, 1) else "")
            + f") is larger than the padded input ({format_shape((H + 2 * ph, W + 2 * pw))}): "
            "use a smaller filter, a larger input or more padding."
        )
    # conv_output_size's formula, on arguments already checked
    H_out = (H + 2 * ph - span_h) // sh + 1
    W_out = (W + 2 * pw - span_w) // sw + 1
    return _Conv(*operands, (sh, sw), (ph, pw), (dh, dw), (H_out, W_out))


def _operands(x, w, b, groups=1) -> tuple:
    """Check and normalise a convolution's input, filters and bias: ``_Conv``'s fields up to ``groups``.

    The input becomes ``(N, H, W, C)`` and the filters ``(kh, kw, C // groups, F)``, with
    ``batched`` (``x`` had an N axis) and ``single`` (``w`` had no F axis) to give the output its
    caller's shape.
    """
    x = finite_array(x, "input")
    w = finite_array(w, "filter")
    if x.ndim not in (2, 3, 4):
        raise ValueError(
            "The input must be a 2-D grid (H, W), a volume (H, W, C) or a batch of volumes (N, H, W, C), "
            f"not {x.ndim}-D."
        )
    if w.ndim not in (2, 3, 4):
        raise ValueError(f"The filter must be (kh, kw), (kh, kw, C) or (kh, kw, C, F), not {w.ndim}-D.")
    if x.size == 0 or w.size == 0:
        raise ValueError("The input and the filter must each have at least one cell.")
    batched = x.ndim == 4
    single = w.ndim < 4  # no F axis: no F axis in the output either
    x4 = x if batched else x[None] if x.ndim == 3 else x[None, :, :, None]  # (N, H, W, C)
    w4 = w if w.ndim == 4 else w[..., None] if w.ndim == 3 else w[:, :, None, None]  # (kh, kw, C, F)
    C, F = x4.shape[3], w4.shape[3]
    if type(groups) is not int or groups != 1:
        groups = as_groups(groups, C, F)
    if w4.shape[2] * groups != C:
        if groups == 1:
            raise ValueError(
                f"The filter has {w4.shape[2]} channel(s) but the input has {C}: "
                "a filter always extends the full depth of the input."
            )
        raise ValueError(
            f"The filter has {w4.shape[2]} channel(s) but the input's {C} channels in {groups} groups "
            f"have {C // groups} each: a filter extends the full depth of its group."
        )
    # The input and filter decide the dtype (float32 stays float32); a fractional bias on
    # integer data makes the result float.
    dtype = np.result_type(x4, w4)
    if b is None:
        bias = np.zeros(F, dtype=dtype)
    else:
        bias = finite_array(b, "bias").reshape(-1)
        if bias.size == 1:
            bias = np.repeat(bias, F)
        if bias.size != F:
            raise ValueError(f"There are {F} filter(s) but {bias.size} bias values: give one bias per filter.")
        if dtype.kind != "f" and bias.dtype.kind != dtype.kind:
            dtype = np.result_type(dtype, bias)
    if dtype.kind in "iu":
        # Exact integers while no activation can leave int64: each is at most
        # max|x| * (sum of one filter's |w|) + max|b|, and so is every partial sum on the way.
        bound = abs_max(x4) * abs_sum_max(w4.reshape(-1, F), axis=0) + abs_max(bias)
        dtype = np.dtype(np.int64) if fits_int64(bound) else np.dtype(np.float64)
    bias = bias.astype(dtype, copy=False)
    return x4, w4, bias, dtype, batched, single, x.shape, w.shape, groups


@dataclass(slots=True)  # not frozen: one is built per call, and a frozen dataclass is slow to build
class _Conv:
    """A checked convolution: its arrays in standard form and its geometry."""

    x: np.ndarray  # (N, H, W, C)
    w: np.ndarray  # (kh, kw, C // groups, F)
    bias: np.ndarray  # (F,) in dtype
    dtype: np.dtype  # of the result
    batched: bool  # the caller's input had an N axis
    single: bool  # the caller's filter had no F axis
    x_shape: tuple[int, ...]  # the caller's shapes
    w_shape: tuple[int, ...]
    groups: int  # group g: channels g*C/G to (g + 1)*C/G - 1 and filters g*F/G to (g + 1)*F/G - 1
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    out_size: tuple[int, int]  # (H_out, W_out)

    def shaped(self, out: np.ndarray) -> np.ndarray:
        """``(N, H_out, W_out, F)`` -> the caller's shape: no N axis, no F axis when they gave none."""
        if self.single:
            out = out[..., 0]
        return out if self.batched else out[0]

    def out_shape(self) -> tuple[int, ...]:
        """The shape ``conv2d`` returns for these arguments."""
        N, F = self.x.shape[0], self.w.shape[3]
        return self.shaped(np.empty((N, *self.out_size, F), dtype=np.int8)).shape


def pad_input(x: np.typing.ArrayLike, padding: int | tuple[int, int] = 0) -> np.ndarray:
    """Zero-pad the two spatial axes of an ``(H, W)`` or ``(H, W, C)`` input."""
    x = np.asarray(x)
    ph, pw = as_pair(padding, "padding", 0)
    widths = ((ph, ph), (pw, pw)) + ((0, 0),) * (x.ndim - 2)
    return np.pad(x, widths)


# Bytes of im2col columns per block: small enough to stay in a core's L2 cache next to the block's
# output, and large enough that the calls per block cost little (docs/performance.md compares sizes).
_BLOCK_BYTES = 1 << 18


# Block buffers of finished calls, kept for the next ones: a fresh buffer on every call costs page
# faults (the allocator hands its pages back to the system and maps them again), which small
# convolutions feel more than the copy into them.
_SPARE: list[np.ndarray] = []


def _scratch(nbytes: int) -> np.ndarray:
    """An uninitialised byte buffer of at least ``nbytes``: a spare one when it is large enough."""
    try:
        buf = _SPARE.pop()  # atomic: two threads never get the same buffer
    except IndexError:
        buf = None
    return buf if buf is not None and buf.nbytes >= nbytes else np.empty(nbytes, dtype=np.uint8)


def _keep(buf: np.ndarray) -> None:
    """Keep ``buf`` for a later call: two at most, of at most a few blocks each."""
    if len(_SPARE) < 2 and buf.nbytes <= 8 * _BLOCK_BYTES:
        _SPARE.append(buf)


def _channels_first_padded(x4, padding, dtype) -> np.ndarray:
    """``(N, H, W, C)`` -> zero-padded, C-contiguous ``(C, N, H + 2*ph, W + 2*pw)`` in ``dtype``."""
    (N, H, W, C), (ph, pw) = x4.shape, padding
    if ph == pw == 0 and C == 1 and x4.dtype == dtype and x4.flags.c_contiguous:
        return x4.reshape(1, N, H, W)  # already channels-first: no copy
    if ph or pw:
        xp = np.zeros((C, N, H + 2 * ph, W + 2 * pw), dtype=dtype)
    else:
        xp = np.empty((C, N, H, W), dtype=dtype)
    xp[:, :, ph : ph + H, pw : pw + W] = x4.transpose(3, 0, 1, 2)
    return xp


def _blocks(N: int, H_out: int, row_bytes: int, scale: int = 1):
    """Split the output into blocks of about ``scale * _BLOCK_BYTES``: ``(n0, images, r0, rows)``.

    ``row_bytes`` is what one output row needs; several whole images per block when one image
    fits, else blocks of rows of one image. No block is larger than the first.
    """
    rows_fit = max(1, scale * _BLOCK_BYTES // row_bytes)
    if rows_fit >= H_out:
        per_block = rows_fit // H_out
        for n0 in range(0, N, per_block):
            yield n0, min(per_block, N - n0), 0, H_out
    else:
        for n0 in range(N):
            for r0 in range(0, H_out, rows_fit):
                yield n0, 1, r0, min(rows_fit, H_out - r0)


def _window(xp, n0, images, r0, rows, cv: _Conv) -> np.ndarray:
    """The strided view ``(kh, kw, C, images, rows, W_out)`` of the padded input under every tap.

    ``window[i, j, c, n, r, q] = xp[c, n0 + n, (r0 + r)*sh + i*dh, q*sw + j*dw]``: no copy.
    """
    (kh, kw), C = cv.w.shape[:2], xp.shape[0]
    (sh, sw), (dh, dw), W_out = cv.stride, cv.dilation, cv.out_size[1]
    s_c, s_n, s_r, s_w = xp.strides
    return np.ndarray(
        (kh, kw, C, images, rows, W_out), dtype=xp.dtype, buffer=xp, offset=n0 * s_n + r0 * sh * s_r,
        strides=(dh * s_r, dw * s_w, s_c, s_n, sh * s_r, sw * s_w),
    )


def conv2d(
    x: np.typing.ArrayLike, w: np.typing.ArrayLike, b: np.typing.ArrayLike | None = None, *,
    stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0, dilation: int | tuple[int, int] = 1,
    groups: int = 1,
) -> np.ndarray:
    """Slide a filter over an input and take a dot product at each position.

    This is cross-correlation (no filter flip), which is what CNNs call convolution.
    Along each axis ``n_out = floor((n + 2*padding - dilation*(k - 1) - 1) / stride) + 1``.

    Parameters
    ----------
    x : array_like, shape (H, W), (H, W, C) or (N, H, W, C)
        The input: one grid, one volume, or a batch of N volumes. A 3-D input is always one
        volume ``(H, W, C)``; a batch of single-channel grids is ``(N, H, W, 1)``.
    w : array_like, shape (kh, kw), (kh, kw, C // groups) or (kh, kw, C // groups, F)
        One filter, or a bank of F filters; a filter spans every channel of the input (of its
        group, with ``groups``).
    b : None, number or array_like, shape (F,)
        Bias added to each activation map.
    stride, padding, dilation : int or (int, int)
        Step between windows, zero padding on each side, spacing between filter taps.
    groups : int
        Grouped convolution: the C channels and the F filters split, in order, into ``groups``
        groups of ``C // groups`` and ``F // groups``, and each filter sees only its own group's
        channels. ``groups`` must divide both C and F; ``groups == C`` is a depthwise convolution.

    Returns
    -------
    ndarray, shape ([N,] H_out, W_out[, F])
        An N axis when ``x`` has one, an F axis when ``w`` has one; C-contiguous. Integer
        inputs give exact ``int64`` results as long as every activation fits int64
        (``max|x| * sum|w| + |b|`` for each filter), float64 beyond; float32 stays float32.

    Notes
    -----
    The fast path is im2col and one matrix product per block of output rows (or of whole
    images, when they are small). Besides the output it allocates a zero-padded channels-first
    copy of the input, ``N*C*(H + 2*ph)*(W + 2*pw)`` values (skipped for one unpadded, contiguous
    channel), and an im2col buffer of about 256 KiB: ``kh*kw*C*W_out*r`` values for the ``r``
    output rows of a block, at least one row, kept for a later call. Cap the image size a caller
    may pass: the output alone is ``N*H_out*W_out*F`` values. With ``groups``, the same columns
    (one per channel and tap) go through one matrix product per group.

    Examples
    --------
    >>> x = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
    >>> conv2d(x, [[0, 1, 2], [2, 2, 0], [0, 1, 2]]).tolist()
    [[12, 12, 17], [10, 17, 19], [9, 6, 14]]
    >>> conv2d(np.ones((5, 6, 6, 3)), np.ones((3, 3, 3, 4)), padding=1).shape
    (5, 6, 6, 4)
    >>> conv2d(np.full((3, 3, 2), [1, 2]), np.ones((2, 2, 1, 2), int), groups=2)[0, 0].tolist()  # depthwise
    [4, 8]
    """
    cv = _prepare(x, w, b, stride, padding, dilation, groups)
    if cv.groups > 1:
        return _conv2d_grouped(cv, b is not None)
    N = cv.x.shape[0]
    kh, kw, C, F = cv.w.shape
    H_out, W_out = cv.out_size
    K = kh * kw * C
    xp = _channels_first_padded(cv.x, cv.padding, cv.dtype)  # (C, N, Hp, Wp), C-contiguous
    wm = cv.w.astype(cv.dtype, copy=False).reshape(K, F)  # (K, F), rows in (i, j, c) order like the columns
    out = np.empty((N, H_out, W_out, F), dtype=cv.dtype)
    blocks = list(_blocks(N, H_out, K * W_out * xp.itemsize))
    _, images, _, rows = blocks[0]  # the first block is the largest
    nbytes = K * images * rows * W_out * out.itemsize
    scratch = _scratch(nbytes)
    buf = scratch[:nbytes].view(cv.dtype)
    for n0, images, r0, rows in blocks:
        n = images * rows * W_out
        cols = buf[: K * n].reshape(kh, kw, C, images, rows, W_out)
        # One copy per block; with stride 1, runs along W_out are contiguous.
        np.copyto(cols, _window(xp, n0, images, r0, rows, cv))
        block = out[n0 : n0 + images, r0 : r0 + rows].reshape(n, F)  # a contiguous slice of the output
        # (N, K) @ (K, F) with the columns read transposed: BLAS writes (N, H_out, W_out, F) directly.
        np.matmul(cols.reshape(K, n).T, wm, out=block)
        if b is not None:
            block += cv.bias
    _keep(scratch)
    return cv.shaped(out)


def _conv2d_grouped(cv: _Conv, has_bias: bool) -> np.ndarray:
    """``conv2d`` with ``groups > 1``: conv2d's blocks of columns, one matrix product per group."""
    N = cv.x.shape[0]
    kh, kw, Cg, F = cv.w.shape
    G = cv.groups
    Fg, Kg = F // G, kh * kw * Cg
    H_out, W_out = cv.out_size
    xp = _channels_first_padded(cv.x, cv.padding, cv.dtype)  # (C, N, Hp, Wp), C = G*Cg
    # (G, Kg, Fg): each group's filters, rows in (i, j, c) order like its columns
    wm = cv.w.astype(cv.dtype, copy=False).reshape(kh, kw, Cg, G, Fg).transpose(3, 0, 1, 2, 4).reshape(G, Kg, Fg)
    bias = cv.bias.reshape(G, Fg)
    out = np.empty((N, H_out, W_out, F), dtype=cv.dtype)
    blocks = list(_blocks(N, H_out, (G * Kg + F) * W_out * xp.itemsize))
    _, images, _, rows = blocks[0]  # the first block is the largest
    size = images * rows * W_out  # positions in the largest block
    nbytes = (G * Kg + F) * size * out.itemsize
    scratch = _scratch(nbytes)
    buf = scratch[:nbytes].view(cv.dtype)
    for n0, images, r0, rows in blocks:
        n = images * rows * W_out
        cols = buf[: G * Kg * n].reshape(G, kh, kw, Cg, images, rows, W_out)
        window = _window(xp, n0, images, r0, rows, cv)  # (kh, kw, C, images, rows, W_out), a view
        np.copyto(cols, window.reshape(kh, kw, G, Cg, images, rows, W_out).transpose(2, 0, 1, 3, 4, 5, 6))
        # (G, n, Kg) @ (G, Kg, Fg) -> (G, n, Fg): into a buffer of its own, since a product written
        # into the output's strided (n, G, Fg) view is three times slower than the copy after it
        prod = buf[G * Kg * size : G * Kg * size + F * n].reshape(G, n, Fg)
        np.matmul(cols.reshape(G, Kg, n).transpose(0, 2, 1), wm, out=prod)
        block = out[n0 : n0 + images, r0 : r0 + rows].reshape(n, G, Fg)  # a contiguous slice of the output
        np.copyto(block, prod.transpose(1, 0, 2))
        if has_bias:
            block += bias
    _keep(scratch)
    return cv.shaped(out)


def conv2d_naive(
    x: np.typing.ArrayLike, w: np.typing.ArrayLike, b: np.typing.ArrayLike | None = None, *,
    stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0, dilation: int | tuple[int, int] = 1,
    groups: int = 1,
) -> np.ndarray:
    """Reference ``conv2d`` written as plain loops over every output cell and filter tap."""
    cv = _prepare(x, w, b, stride, padding, dilation, groups)
    N = cv.x.shape[0]
    kh, kw, Cg, F = cv.w.shape
    (sh, sw), (ph, pw), (dh, dw) = cv.stride, cv.padding, cv.dilation
    Fg = F // cv.groups
    out = np.zeros((N, *cv.out_size, F), dtype=cv.dtype)
    for n in range(N):
        xp = pad_input(cv.x[n], (ph, pw))  # (Hp, Wp, C)
        for f in range(F):
            first = (f // Fg) * Cg  # the first channel of filter f's group
            for r in range(cv.out_size[0]):
                for c in range(cv.out_size[1]):
                    total = cv.bias[f]
                    for i in range(kh):
                        for j in range(kw):
                            for ch in range(Cg):
                                total = total + xp[r * sh + i * dh, c * sw + j * dw, first + ch] * cv.w[i, j, ch, f]
                    out[n, r, c, f] = total
    return cv.shaped(out)


def _as_row(x, w, stride, padding, dilation):
    """``conv1d``'s arguments as ``conv2d``'s: the sequence and the filter each one row of height 1.

    Returns the input ``(1, L)``, ``(1, L, C)`` or ``(N, 1, L, C)``, the filter ``(1, k, ...)``,
    ``conv2d``'s keyword arguments and whether the input had an N axis.
    """
    x = finite_array(x, "input")
    w = finite_array(w, "filter")
    if x.ndim not in (1, 2, 3):
        raise ValueError(
            "The input must be a sequence (L,), a sequence of channels (L, C) or a batch of them (N, L, C), "
            f"not {x.ndim}-D."
        )
    if w.ndim not in (1, 2, 3):
        raise ValueError(f"The filter must be (k,), (k, C) or (k, C, F), not {w.ndim}-D.")
    if x.size == 0 or w.size == 0:
        raise ValueError("The input and the filter must each have at least one cell.")
    batched = x.ndim == 3
    # The checks and the sentences of one axis, before conv2d sees a row of height 1.
    conv_output_size(x.shape[1 if batched else 0], w.shape[0], stride, padding, dilation)
    x_row = x[:, None] if batched else x[None]  # (N, 1, L, C), or (1, L[, C])
    kwargs = {"stride": (1, stride), "padding": (0, padding), "dilation": (1, dilation)}
    return x_row, w[None], kwargs, batched


def conv1d(
    x: np.typing.ArrayLike, w: np.typing.ArrayLike, b: np.typing.ArrayLike | None = None, *,
    stride: int = 1, padding: int = 0, dilation: int = 1,
) -> np.ndarray:
    """Slide a filter along a sequence and take a dot product at each position.

    ``conv2d`` on a single row: cross-correlation, and
    ``L_out = floor((L + 2*padding - dilation*(k - 1) - 1) / stride) + 1``.

    Parameters
    ----------
    x : array_like, shape (L,), (L, C) or (N, L, C)
        One sequence, one sequence of C channels (C values per time step), or a batch of N.
    w : array_like, shape (k,), (k, C) or (k, C, F)
        One filter of k taps; one filter of k taps over C channels (``w[t, c]`` weighs channel c
        at tap t, and the output has no F axis); or a bank of F such filters.
    b : None, number or array_like, shape (F,)
        Bias added to each output.
    stride, padding, dilation : int
        Step between windows, zeros added at each end, spacing between taps.

    Returns
    -------
    ndarray, shape ([N,] L_out[, F])
        An N axis when ``x`` has one, an F axis when ``w`` has one. Integers stay exact as in
        ``conv2d``.

    Examples
    --------
    >>> conv1d([3, 5, 4, 8, 6, 10], [0.25, 0.25, 0.25, 0.25]).tolist()  # a moving average of 4 steps
    [5.0, 5.75, 7.0]
    >>> conv1d([3, 5, 4, 8], [-1, 1]).tolist()  # each step's change
    [2, -1, 4]
    """
    x_row, w_row, kwargs, batched = _as_row(x, w, stride, padding, dilation)
    out = conv2d(x_row, w_row, b, **kwargs)  # ([N,] 1, L_out[, F])
    return out[:, 0] if batched else out[0]


def conv1d_naive(
    x: np.typing.ArrayLike, w: np.typing.ArrayLike, b: np.typing.ArrayLike | None = None, *,
    stride: int = 1, padding: int = 0, dilation: int = 1,
) -> np.ndarray:
    """Reference ``conv1d`` written as plain loops over every output position and filter tap."""
    x_row, w_row, kwargs, batched = _as_row(x, w, stride, padding, dilation)
    cv = _prepare(x_row, w_row, b, kwargs["stride"], kwargs["padding"], kwargs["dilation"])
    N, _, _, C = cv.x.shape
    _, k, _, F = cv.w.shape
    s, p, d, L_out = cv.stride[1], cv.padding[1], cv.dilation[1], cv.out_size[1]
    out = np.zeros((N, 1, L_out, F), dtype=cv.dtype)
    for n in range(N):
        xp = np.pad(cv.x[n, 0], ((p, p), (0, 0)))  # (L + 2*p, C)
        for f in range(F):
            for t in range(L_out):
                total = cv.bias[f]
                for i in range(k):
                    for ch in range(C):
                        total = total + xp[t * s + i * d, ch] * cv.w[0, i, ch, f]
                out[n, 0, t, f] = total
    out = cv.shaped(out)  # ([N,] 1, L_out[, F])
    return out[:, 0] if batched else out[0]


@dataclass(frozen=True)
class ConvStep:
    """One position of the window: what it covers and what it adds to the activation map."""

    out_row: int  # position in the activation map
    out_col: int
    rows: tuple[int, ...]  # covered rows of the padded input, one per filter row
    cols: tuple[int, ...]  # covered columns of the padded input, one per filter column
    values: np.ndarray  # (kh, kw, C) input values under the window
    weights: np.ndarray  # (kh, kw, C) the filter
    products: np.ndarray  # (kh, kw, C) values * weights
    bias: float | int
    total: float | int  # products.sum() + bias


def conv_trace(
    x: np.typing.ArrayLike, w: np.typing.ArrayLike, b: np.typing.ArrayLike = 0, *,
    stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0, dilation: int | tuple[int, int] = 1,
) -> list[ConvStep]:
    """Every step of one filter sliding over the input, in row-major order of the output.

    ``x`` is ``(H, W)`` or ``(H, W, C)`` and ``w`` one filter ``(kh, kw)`` or ``(kh, kw, C)``.
    Rows and columns are in padded coordinates: with padding ``p``, input cell ``(0, 0)`` is ``(p, p)``.

    Examples
    --------
    >>> steps = conv_trace([[1, 2], [3, 4]], [[1]], padding=0)
    >>> [s.total for s in steps]
    [1, 2, 3, 4]
    """
    w_arr = np.asarray(w)
    if w_arr.ndim == 4:
        raise ValueError("conv_trace follows one filter at a time: pass (kh, kw) or (kh, kw, C).")
    if np.ndim(x) == 4:
        raise ValueError("conv_trace follows one input at a time: pass (H, W) or (H, W, C), not a batch.")
    cv = _prepare(x, w, b, stride, padding, dilation)
    (sh, sw), (dh, dw), (H_out, W_out) = cv.stride, cv.dilation, cv.out_size
    kh, kw = cv.w.shape[:2]
    xp = pad_input(cv.x[0].astype(cv.dtype, copy=False), cv.padding)  # (Hp, Wp, C)
    weights = cv.w[:, :, :, 0].astype(cv.dtype, copy=False)
    b0 = cv.bias[0].item()
    steps = []
    for r in range(H_out):
        rows = tuple(r * sh + i * dh for i in range(kh))
        for c in range(W_out):
            cols = tuple(c * sw + j * dw for j in range(kw))
            values = xp[np.ix_(rows, cols)]  # (kh, kw, C)
            products = values * weights
            steps.append(
                ConvStep(r, c, rows, cols, values, weights, products, b0, (products.sum() + b0).item())
            )
    return steps
