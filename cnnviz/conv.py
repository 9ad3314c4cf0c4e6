"""2-D convolution as CNNs do it: cross-correlation (no filter flip), zero padding.

Shape letters: an input is ``(H, W, C)``, a filter bank ``(kh, kw, C, F)``,
an output ``(H_out, W_out, F)``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import finite_array
from .shapes import as_pair

__all__ = ["conv2d", "conv2d_naive", "conv_trace", "ConvStep", "pad_input"]


def _prepare(x, w, b, stride, padding, dilation):
    """Check and normalise the arguments of ``conv2d``; return them in (H, W, C) / (kh, kw, C, F) form."""
    x = finite_array(x, "input")
    w = finite_array(w, "filter")
    if x.ndim not in (2, 3):
        raise ValueError(f"The input must be a 2-D grid (H, W) or a volume (H, W, C), not {x.ndim}-D.")
    if w.ndim not in (2, 3, 4):
        raise ValueError(f"The filter must be (kh, kw), (kh, kw, C) or (kh, kw, C, F), not {w.ndim}-D.")
    if x.size == 0 or w.size == 0:
        raise ValueError("The input and the filter must each have at least one cell.")
    single = w.ndim < 4  # no F axis: return (H_out, W_out)
    x3 = x[:, :, None] if x.ndim == 2 else x  # (H, W, C)
    w4 = w.reshape(w.shape + (1,) * (4 - w.ndim))  # (kh, kw, C, F)
    C = x3.shape[2]
    if w4.shape[2] != C:
        raise ValueError(
            f"The filter has {w4.shape[2]} channel(s) but the input has {C}: "
            "a filter always extends the full depth of the input."
        )
    F = w4.shape[3]
    # The input and filter decide the dtype (float32 stays float32); a fractional bias on
    # integer data makes the result float.
    dtype = np.result_type(x3, w4)
    if b is None:
        bias = np.zeros(F, dtype=dtype)
    else:
        bias = finite_array(b, "bias").reshape(-1)
        if bias.size == 1:
            bias = np.repeat(bias, F)
        if bias.size != F:
            raise ValueError(f"There are {F} filter(s) but {bias.size} bias values: give one bias per filter.")
        if dtype.kind != "f" and bias.dtype.kind == "f":
            dtype = np.result_type(dtype, bias)
        bias = bias.astype(dtype, copy=False)
    if dtype.kind == "i":
        # Exact integers only while no dot product can overflow int64: K terms of |x|·|w|, plus the bias.
        bound = float(np.abs(x3).max()) * float(np.abs(w4).max()) * (w4.shape[0] * w4.shape[1] * C)
        if bound + float(np.abs(bias).max(initial=0)) >= 2.0**62:
            dtype = np.dtype(np.float64)
            bias = bias.astype(dtype)
    sh, sw = as_pair(stride, "stride", 1)
    ph, pw = as_pair(padding, "padding", 0)
    dh, dw = as_pair(dilation, "dilation", 1)
    kh, kw = w4.shape[:2]
    H, W = x3.shape[:2]
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1  # the (dilated) filter's reach
    if span_h > H + 2 * ph or span_w > W + 2 * pw:
        raise ValueError(
            f"The filter ({kh}x{kw}"
            + (f", dilated to {span_h}x{span_w}" if (dh, dw) != (1, 1) else "")
            + f") is larger than the padded input ({H + 2 * ph}x{W + 2 * pw}): "
            "use a smaller filter, a larger input or more padding."
        )
    # conv_output_size's formula, on arguments already checked
    H_out = (H + 2 * ph - span_h) // sh + 1
    W_out = (W + 2 * pw - span_w) // sw + 1
    return x3, w4, bias, (sh, sw), (ph, pw), (dh, dw), (H_out, W_out), dtype, single


def pad_input(x: np.typing.ArrayLike, padding: int | tuple[int, int] = 0) -> np.ndarray:
    """Zero-pad the two spatial axes of an ``(H, W)`` or ``(H, W, C)`` input."""
    x = np.asarray(x)
    ph, pw = as_pair(padding, "padding", 0)
    widths = ((ph, ph), (pw, pw)) + ((0, 0),) * (x.ndim - 2)
    return np.pad(x, widths)


# Bytes of im2col columns per block: small enough to stay in a core's L2 cache next to the
# block's output (measured on a 2 MiB L2: 256 KiB was fastest; 128 KiB and 1 MiB were slower).
_BLOCK_BYTES = 1 << 18


def _channels_first_padded(x3, padding, dtype) -> np.ndarray:
    """``(H, W, C)`` -> zero-padded, C-contiguous ``(C, H + 2*ph, W + 2*pw)`` in ``dtype``."""
    (H, W, C), (ph, pw) = x3.shape, padding
    if ph == pw == 0 and C == 1 and x3.dtype == dtype and x3.flags.c_contiguous:
        return x3.reshape(1, H, W)  # already channels-first: no copy
    if ph or pw:
        xp = np.zeros((C, H + 2 * ph, W + 2 * pw), dtype=dtype)
    else:
        xp = np.empty((C, H, W), dtype=dtype)
    xp[:, ph : ph + H, pw : pw + W] = x3.transpose(2, 0, 1)
    return xp


def conv2d(
    x: np.typing.ArrayLike, w: np.typing.ArrayLike, b: np.typing.ArrayLike | None = None, *,
    stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0, dilation: int | tuple[int, int] = 1,
) -> np.ndarray:
    """Slide a filter over an input and take a dot product at each position.

    This is cross-correlation (no filter flip), which is what CNNs call convolution.
    Along each axis ``n_out = floor((n + 2*padding - dilation*(k - 1) - 1) / stride) + 1``.

    Parameters
    ----------
    x : array_like, shape (H, W) or (H, W, C)
        The input.
    w : array_like, shape (kh, kw), (kh, kw, C) or (kh, kw, C, F)
        One filter, or a bank of F filters; a filter spans every channel of the input.
    b : None, number or array_like, shape (F,)
        Bias added to each activation map.
    stride, padding, dilation : int or (int, int)
        Step between windows, zero padding on each side, spacing between filter taps.

    Returns
    -------
    ndarray, shape (H_out, W_out), or (H_out, W_out, F) when ``w`` has an F axis
        C-contiguous. Integer inputs give exact integer results; float32 stays float32.

    Notes
    -----
    The fast path is im2col and one matrix product per block of output rows. Besides the
    output it allocates a zero-padded channels-first copy of the input, ``C*(H + 2*ph)*(W + 2*pw)``
    values (skipped for one unpadded, contiguous channel), and an im2col buffer of about
    256 KiB: ``kh*kw*C*W_out*r`` values for the ``r`` output rows of a block, at least one row.
    Cap the image size a caller may pass: the output alone is ``H_out*W_out*F`` values.

    Examples
    --------
    >>> x = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
    >>> conv2d(x, [[0, 1, 2], [2, 2, 0], [0, 1, 2]]).tolist()
    [[12, 12, 17], [10, 17, 19], [9, 6, 14]]
    """
    x3, w4, bias, (sh, sw), (ph, pw), (dh, dw), (H_out, W_out), dtype, single = _prepare(
        x, w, b, stride, padding, dilation
    )
    H, W, C = x3.shape
    kh, kw, _, F = w4.shape
    K = kh * kw * C
    xp = _channels_first_padded(x3, (ph, pw), dtype)  # (C, Hp, Wp), C-contiguous
    wm = w4.astype(dtype, copy=False).reshape(K, F)  # (K, F), rows in (i, j, c) order like the columns
    out = np.empty((H_out, W_out, F), dtype=dtype)
    # im2col in blocks of output rows: each block's columns stay in cache for the product.
    rows_per_block = max(1, min(H_out, _BLOCK_BYTES // (K * W_out * xp.itemsize)))
    buf = np.empty(K * rows_per_block * W_out, dtype=dtype)
    s_c, s_r, s_w = xp.strides
    for r0 in range(0, H_out, rows_per_block):
        rows = min(rows_per_block, H_out - r0)
        n = rows * W_out
        # window[i, j, c, r, q] = xp[c, (r0 + r)*sh + i*dh, q*sw + j*dw]: a strided view, no copy
        window = np.ndarray(
            (kh, kw, C, rows, W_out), dtype=dtype, buffer=xp, offset=r0 * sh * s_r,
            strides=(dh * s_r, dw * s_w, s_c, sh * s_r, sw * s_w),
        )
        cols = buf[: K * n].reshape(kh, kw, C, rows, W_out)
        np.copyto(cols, window)  # one copy per block; with stride 1, runs along W_out are contiguous
        block = out[r0 : r0 + rows].reshape(n, F)  # a contiguous slice of the output
        # (N, K) @ (K, F) with the columns read transposed: BLAS writes (H_out, W_out, F) directly.
        np.matmul(cols.reshape(K, n).T, wm, out=block)
        if b is not None:
            block += bias
    return out[:, :, 0] if single else out


def conv2d_naive(
    x: np.typing.ArrayLike, w: np.typing.ArrayLike, b: np.typing.ArrayLike | None = None, *,
    stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0, dilation: int | tuple[int, int] = 1,
) -> np.ndarray:
    """Reference ``conv2d`` written as plain loops over every output cell and filter tap."""
    x3, w4, bias, (sh, sw), (ph, pw), (dh, dw), (H_out, W_out), dtype, single = _prepare(
        x, w, b, stride, padding, dilation
    )
    kh, kw, C, F = w4.shape
    xp = pad_input(x3, (ph, pw))
    out = np.zeros((H_out, W_out, F), dtype=dtype)
    for f in range(F):
        for r in range(H_out):
            for c in range(W_out):
                total = bias[f]
                for i in range(kh):
                    for j in range(kw):
                        for ch in range(C):
                            total = total + xp[r * sh + i * dh, c * sw + j * dw, ch] * w4[i, j, ch, f]
                out[r, c, f] = total
    return out[:, :, 0] if single else out


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
    x3, w4, bias, (sh, sw), (ph, pw), (dh, dw), (H_out, W_out), dtype, _ = _prepare(
        x, w, b, stride, padding, dilation
    )
    kh, kw, C, _ = w4.shape
    xp = pad_input(x3.astype(dtype, copy=False), (ph, pw))
    weights = w4[:, :, :, 0].astype(dtype, copy=False)
    b0 = bias[0].item()
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
