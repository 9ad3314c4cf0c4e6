"""Output sizes and parameter counts of convolutional, pooling and dense layers."""
from __future__ import annotations

import math
import numbers

import numpy as np

from cnnviz.kernel.notation import TIMES, format_count, format_product

__all__ = [
    "as_pair",
    "as_groups",
    "conv_output_size",
    "conv_transpose_output_size",
    "pool_output_size",
    "pool_output_size_padded",
    "conv_param_count",
    "dense_param_count",
    "conv_output_formula",
    "conv_transpose_output_formula",
    "pool_output_formula",
    "conv_param_formula",
    "dense_param_formula",
]


def _as_int(value, name: str, minimum: int) -> int:
    """Return ``value`` as an int no smaller than ``minimum``, or raise a readable ValueError."""
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"The {name} must be a whole number, not {value!r}.")
    if not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer():
            value = int(value)
        else:
            raise ValueError(f"The {name} must be a whole number, not {value!r}.")
    value = int(value)
    if value < minimum:
        rule = "at least 1" if minimum == 1 else f"at least {minimum}"
        if minimum == 0:
            rule = "zero or more"
        raise ValueError(f"The {name} must be {rule}, not {value}.")
    return value


def as_pair(value: int | tuple[int, int], name: str, minimum: int = 1) -> tuple[int, int]:
    """Return ``value`` (an int or a ``(rows, cols)`` pair) as a pair of checked ints."""
    if type(value) is int and value >= minimum:  # the usual case, without the general checks
        return value, value
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"The {name} must be one number or a (rows, cols) pair, not {value!r}.")
        return _as_int(value[0], name, minimum), _as_int(value[1], name, minimum)
    v = _as_int(value, name, minimum)
    return v, v


def as_groups(groups: int, c_in: int, filters: int) -> int:
    """Return ``groups`` as an int that divides both ``c_in`` and ``filters``, or raise a readable ValueError."""
    groups = _as_int(groups, "number of groups", 1)
    if c_in % groups:
        raise ValueError(
            f"The {c_in} input channel(s) do not split into {groups} groups: "
            "the number of groups must divide the number of input channels."
        )
    if filters % groups:
        raise ValueError(
            f"The {filters} filter(s) do not split into {groups} groups: "
            "the number of groups must divide the number of filters."
        )
    return groups


def conv_output_size(n: int, k: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """Size of a convolution's output along one axis.

    ``n_out = floor((n + 2*padding - dilation*(k - 1) - 1) / stride) + 1``

    Parameters
    ----------
    n : int
        Input size along the axis (before padding).
    k : int
        Filter size along the axis.
    stride, padding, dilation : int
        As in ``conv2d``.

    Returns
    -------
    int
        The output size; ``ValueError`` when the (dilated) filter does not fit the padded input.

    Examples
    --------
    >>> conv_output_size(32, 5)
    28
    >>> conv_output_size(227, 11, stride=4)
    55
    """
    n = _as_int(n, "input size", 1)
    k = _as_int(k, "filter size", 1)
    stride = _as_int(stride, "stride", 1)
    padding = _as_int(padding, "padding", 0)
    dilation = _as_int(dilation, "dilation", 1)
    span = dilation * (k - 1) + 1  # the filter's reach, dilation included
    padded = n + 2 * padding
    if span > padded:
        what = f"filter ({k}" + (f", dilated to {span}" if dilation > 1 else "") + ")"
        raise ValueError(
            f"The {what} is larger than the padded input ({padded}): "
            "use a smaller filter, a larger input or more padding."
        )
    return (padded - span) // stride + 1


def conv_transpose_output_size(
    n: int, k: int, stride: int = 1, padding: int = 0, output_padding: int = 0, dilation: int = 1
) -> int:
    """Size of a transposed convolution's output along one axis.

    ``n_out = (n - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1``: each of the
    ``n`` input cells stamps the (dilated) filter ``stride`` cells after the previous one, and
    ``padding`` crops that many cells from each side. ``output_padding`` adds cells at the end
    only, to reach the sizes a strided ``conv2d`` maps onto the same ``n``; as in PyTorch it must
    be smaller than the stride or the dilation.

    Examples
    --------
    >>> conv_transpose_output_size(3, 3)
    5
    >>> conv_transpose_output_size(4, 4, stride=2, padding=1)
    8
    """
    n = _as_int(n, "input size", 1)
    k = _as_int(k, "filter size", 1)
    stride = _as_int(stride, "stride", 1)
    padding = _as_int(padding, "padding", 0)
    output_padding = _as_int(output_padding, "output padding", 0)
    dilation = _as_int(dilation, "dilation", 1)
    if output_padding and output_padding >= stride and output_padding >= dilation:
        raise ValueError(
            f"The output padding ({output_padding}) must be smaller than the stride ({stride}) "
            f"or the dilation ({dilation}): it only adds back the cells a strided convolution can skip."
        )
    stamped = (n - 1) * stride + dilation * (k - 1) + 1  # every stamp of the filter, before cropping
    out = stamped - 2 * padding + output_padding
    if out < 1:
        raise ValueError(
            f"The padding ({padding} on each side) crops the whole output ({stamped + output_padding}): "
            "use less padding, a larger input or a larger filter."
        )
    return out


def pool_output_size(n: int, size: int = 2, stride: int | None = None) -> int:
    """Size of a pooling layer's output along one axis: ``floor((n - size) / stride) + 1``.

    ``stride`` defaults to ``size``. ``ValueError`` when the window is larger than the input.

    Examples
    --------
    >>> pool_output_size(28, 2)
    14
    """
    n = _as_int(n, "input size", 1)
    size = _as_int(size, "pooling window size", 1)
    stride = size if stride is None else _as_int(stride, "stride", 1)
    if size > n:
        raise ValueError(f"The pooling window ({size}) is larger than the input ({n}).")
    return (n - size) // stride + 1


def pool_output_size_padded(n: int, size: int, stride: int, padding: int = 0, ceil_mode: bool = False) -> int:
    """Output size of a pooling window along one axis, with padding and PyTorch's ``ceil_mode``.

    Floor mode is ``floor((n + 2p − size) / s) + 1``. Ceil mode rounds up instead, so a last
    partial window still counts, but (as in PyTorch) a window may not start in the right padding.

    Examples
    --------
    >>> pool_output_size_padded(112, 3, 2, ceil_mode=True)   # GoogLeNet's first pooling
    56
    >>> pool_output_size_padded(112, 3, 2, padding=1)        # ResNet's
    56
    >>> pool_output_size_padded(55, 3, 2)                    # AlexNet's
    27
    """
    size = _as_int(size, "pooling window size", 1)
    padding = _as_int(padding, "padding", 0)
    if 2 * padding > size:
        raise ValueError(f"The padding ({padding}) may be at most half the pooling window ({size}).")
    out = conv_output_size(n, size, stride, padding)  # validates n, stride; floor mode
    if ceil_mode:
        out = -(-(n + 2 * padding - size) // stride) + 1
        if (out - 1) * stride >= n + padding:  # last window would start in the right padding
            out -= 1
    return out


def conv_param_count(kh: int, kw: int, c_in: int, filters: int, bias: bool = True, groups: int = 1) -> int:
    """Learnable parameters of a convolutional layer: ``(kh*kw*c_in/groups + bias) * filters``.

    With ``groups`` the input channels and the filters split into that many groups, and each
    filter spans only its group's ``c_in/groups`` channels; depthwise when ``groups == c_in``.
    A transposed convolution from ``c_in`` to ``filters`` channels has the same count.

    Examples
    --------
    >>> conv_param_count(5, 5, 3, 10)
    760
    >>> conv_param_count(3, 3, 32, 32, groups=32) + conv_param_count(1, 1, 32, 64)  # depthwise-separable
    2432
    """
    kh = _as_int(kh, "filter height", 1)
    kw = _as_int(kw, "filter width", 1)
    c_in = _as_int(c_in, "number of input channels", 1)
    filters = _as_int(filters, "number of filters", 1)
    groups = as_groups(groups, c_in, filters)
    return (kh * kw * (c_in // groups) + int(bool(bias))) * filters


def dense_param_count(n_in: int, n_out: int, bias: bool = True) -> int:
    """Learnable parameters of a fully connected layer: ``n_in*n_out + bias*n_out``.

    Examples
    --------
    >>> dense_param_count(3072, 4704)
    14455392
    """
    n_in = _as_int(n_in, "number of inputs", 1)
    n_out = _as_int(n_out, "number of outputs", 1)
    return n_in * n_out + int(bool(bias)) * n_out


def conv_output_formula(n: int, k: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> str:
    """The output-size formula with the numbers substituted.

    The floor brackets appear only when the stride does not divide evenly.

    Examples
    --------
    >>> conv_output_formula(5, 3)
    '(5 + 2×0 − 3) / 1 + 1 = 3'
    >>> conv_output_formula(32, 5, stride=2, padding=1)
    '⌊(32 + 2×1 − 5) / 2⌋ + 1 = 15'
    """
    out = conv_output_size(n, k, stride, padding, dilation)
    span = f"{dilation}{TIMES}({k} − 1) − 1" if dilation > 1 else f"{k}"
    top = f"{n} + {format_product(2, padding)} − {span}"
    if (n + 2 * padding - (dilation * (k - 1) + 1)) % stride:
        return f"⌊({top}) / {stride}⌋ + 1 = {out}"
    return f"({top}) / {stride} + 1 = {out}"


def conv_transpose_output_formula(
    n: int, k: int, stride: int = 1, padding: int = 0, output_padding: int = 0, dilation: int = 1
) -> str:
    """The transposed convolution's output-size formula with the numbers substituted.

    Examples
    --------
    >>> conv_transpose_output_formula(3, 3)
    '(3 − 1)×1 − 2×0 + 3 + 0 = 5'
    >>> conv_transpose_output_formula(32, 3, stride=2, padding=1, output_padding=1)
    '(32 − 1)×2 − 2×1 + 3 + 1 = 64'
    """
    out = conv_transpose_output_size(n, k, stride, padding, output_padding, dilation)
    span = f"{dilation}{TIMES}({k} − 1) + 1" if dilation > 1 else f"{k}"
    return f"({n} − 1){TIMES}{stride} − {format_product(2, padding)} + {span} + {output_padding} = {out}"


def pool_output_formula(n: int, size: int = 2, stride: int | None = None) -> str:
    """The pooling output-size formula with the numbers substituted.

    Examples
    --------
    >>> pool_output_formula(4, 2)
    '(4 − 2) / 2 + 1 = 2'
    """
    stride = size if stride is None else stride
    out = pool_output_size(n, size, stride)
    if (n - size) % stride:
        return f"⌊({n} − {size}) / {stride}⌋ + 1 = {out}"
    return f"({n} − {size}) / {stride} + 1 = {out}"


def conv_param_formula(kh: int, kw: int, c_in: int, filters: int, bias: bool = True, groups: int = 1) -> str:
    """The parameter count written out; with ``groups``, each filter spans ``c_in / groups`` channels.

    Examples
    --------
    >>> conv_param_formula(5, 5, 3, 10)
    '(5×5×3 + 1)×10 = 760'
    >>> conv_param_formula(3, 3, 32, 32, groups=32)  # depthwise
    '(3×3×1 + 1)×32 = 320'
    """
    total = conv_param_count(kh, kw, c_in, filters, bias, groups)
    inner = format_product(kh, kw, c_in // groups) + (" + 1" if bias else "")
    return f"({inner}){TIMES}{filters} = {format_count(total)}"


def dense_param_formula(n_in: int, n_out: int, bias: bool = True) -> str:
    """A dense layer's parameter count written out.

    Examples
    --------
    >>> dense_param_formula(3072, 4704)
    '3072×4704 + 4704 = 14,455,392'
    """
    total = dense_param_count(n_in, n_out, bias)
    return format_product(n_in, n_out) + (f" + {n_out}" if bias else "") + f" = {format_count(total)}"
