"""A small layer model: output shapes, parameter counts and float32 memory, layer by layer.

Shapes are channels last, as the lecture writes them: ``(H, W, C)`` for an image-like volume,
``(N,)`` after flattening. Every layer maps an input shape to an output shape and counts its
learnable parameters; a network is a list of layers applied in turn. A layer that does not fit its
input raises ``ValueError`` naming the layer (its position and name) and why.

Only learnable parameters are counted, as PyTorch's ``sum(p.numel() for p in model.parameters())``
does: batch normalisation learns a scale and a shift per channel (2×C); its running mean and
variance are buffers, updated by averaging, not learned, and not counted.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass

from cnnviz.kernel.notation import format_bytes, format_count, format_number, format_product, format_shape
from cnnviz.kernel.shapes import (
    _as_int,
    as_pair,
    conv_output_size,
    conv_param_count,
    conv_param_formula,
    dense_param_count,
    dense_param_formula,
    pool_output_size_padded,
)

__all__ = [
    "BYTES_PER_FLOAT32",
    "MAX_COUNT",
    "MAX_DIM",
    "ACTIVATIONS",
    "Layer",
    "Conv2D",
    "Pool2D",
    "AdaptiveAvgPool",
    "Flatten",
    "Dense",
    "BatchNorm",
    "Activation",
    "Dropout",
    "Block",
    "Row",
    "Network",
    "LayerError",
    "as_shape",
    "as_clause",
    "build_network",
    "table_records",
]

BYTES_PER_FLOAT32 = 4
MAX_COUNT = 10**15  # parameters or output values of one layer: a thousand times GPT-3, far past any CNN
MAX_DIM = 100_000  # one side, channels or units: far beyond any real network, small enough to stay readable
ACTIVATIONS = {"relu": "ReLU", "tanh": "tanh", "sigmoid": "sigmoid", "softmax": "softmax"}

Shape = tuple  # (H, W, C) or (N,)


def as_shape(shape: int | Iterable[int]) -> tuple[int, ...]:
    """Return ``shape`` as ``(H, W, C)`` or ``(N,)`` of whole numbers in ``1..MAX_DIM``.

    Examples
    --------
    >>> as_shape([32, 32, 3])
    (32, 32, 3)
    """
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise ValueError(f"A shape is (height, width, channels) or (units,), not {shape!r}.") from None
    if len(dims) not in (1, 3):
        raise ValueError(f"A shape is (height, width, channels) or (units,), not {len(dims)} numbers.")
    names = ("height", "width", "number of channels") if len(dims) == 3 else ("number of units",)
    out = tuple(_as_int(d, n, 1) for d, n in zip(dims, names))
    for d, n in zip(out, names):
        if d > MAX_DIM:
            raise ValueError(f"The {n} ({format_count(d)}) is absurdly large: keep it at most {format_count(MAX_DIM)}.")
    return out


def as_clause(message: object) -> str:
    """A message to go after a colon: ``"The filter (5) is …"`` becomes ``"the filter (5) is …"``.

    Examples
    --------
    >>> as_clause(ValueError("The pooling window (3) is larger than the input (2)."))
    'the pooling window (3) is larger than the input (2).'
    """
    text = str(message)
    first = text.split(" ", 1)[0]
    return text[0].lower() + text[1:] if text and first in ("The", "A", "An", "Every", "Each") else text


def _volume(shape, layer: str) -> tuple[int, int, int]:
    if len(shape) != 3:
        raise ValueError(
            f"a {layer} needs an H x W x C volume, but its input is a flat vector of {format_count(shape[0])}: "
            "put it before the flatten layer."
        )
    return shape


@dataclass(frozen=True)
class Row:
    """One line of a network's table: a layer and what it produces for one input image."""

    name: str
    kind: str  # conv, pool, dense, batchnorm, activation, ... or a block kind
    detail: str  # what the layer does, e.g. "5x5, 6 filters, stride 1, padding 0"
    output_shape: tuple[int, ...]
    params: int  # learnable parameters
    formula: str = ""  # the parameter count with the numbers substituted
    children: tuple[Row, ...] = ()  # the layers inside a block

    @property
    def memory_bytes(self) -> int:
        """float32 memory of this layer's output for one image: 4 bytes per value."""
        return BYTES_PER_FLOAT32 * math.prod(self.output_shape)

    def leaves(self) -> list[Row]:
        """This row, or the rows inside it when it is a block (depth first)."""
        if not self.children:
            return [self]
        return [leaf for c in self.children for leaf in c.leaves()]


class Layer:
    """Base class: ``apply(shape)`` returns the layer's ``Row``, or raises ``ValueError`` saying why."""

    kind = "layer"
    name = ""

    def apply(self, shape: tuple[int, ...]) -> Row:  # pragma: no cover - every layer overrides it
        raise NotImplementedError

    def spec(self) -> str | None:
        """The builder's text for this layer (``None`` when the builder has no such layer)."""
        return None

    def label(self) -> str:
        return self.name or self.describe()

    def describe(self) -> str:
        return self.kind


@dataclass(frozen=True)
class Conv2D(Layer):
    """A convolutional layer (cross-correlation): ``filters`` filters of ``size`` spanning every input channel."""

    filters: int
    size: int | tuple[int, int] = 3
    stride: int | tuple[int, int] = 1
    padding: int | tuple[int, int] = 0
    dilation: int | tuple[int, int] = 1
    bias: bool = True
    name: str = ""
    kind = "conv"

    def describe(self) -> str:
        kh, kw = as_pair(self.size, "filter size")
        sh, sw = as_pair(self.stride, "stride")
        ph, pw = as_pair(self.padding, "padding", 0)
        s = f"{sh}" if sh == sw else format_shape((sh, sw))
        p = f"{ph}" if ph == pw else format_shape((ph, pw))
        text = f"conv {format_shape((kh, kw))}, {self.filters} filters, stride {s}, padding {p}"
        if as_pair(self.dilation, "dilation") != (1, 1):
            text += f", dilation {self.dilation}"
        return text + ("" if self.bias else ", no bias")

    def apply(self, shape: tuple[int, ...]) -> Row:
        h, w, c = _volume(shape, "convolution")
        kh, kw = as_pair(self.size, "filter size")
        sh, sw = as_pair(self.stride, "stride")
        ph, pw = as_pair(self.padding, "padding", 0)
        dh, dw = as_pair(self.dilation, "dilation")
        for pad, k, d in ((ph, kh, dh), (pw, kw, dw)):
            span = d * (k - 1) + 1
            if pad >= span:
                raise ValueError(f"the padding ({format_count(pad)}) must be smaller than the filter size ({span}): "
                                 "with more, the outer rows and columns of the output would see nothing but zeros.")
        f = _as_int(self.filters, "number of filters", 1)
        if f > MAX_DIM:
            raise ValueError(f"{format_count(f)} filters is absurdly many: keep it at most {format_count(MAX_DIM)}.")
        out = (conv_output_size(h, kh, sh, ph, dh), conv_output_size(w, kw, sw, pw, dw), f)
        return Row(self.label(), self.kind, self.describe(), out,
                   conv_param_count(kh, kw, c, f, self.bias), conv_param_formula(kh, kw, c, f, self.bias))

    def spec(self) -> str | None:
        kh, kw = as_pair(self.size, "filter size")
        sh, sw = as_pair(self.stride, "stride")
        ph, pw = as_pair(self.padding, "padding", 0)
        if kh != kw or sh != sw or ph != pw or as_pair(self.dilation, "dilation") != (1, 1) or not self.bias:
            return None
        return f"conv:{self.filters}:{kh}:{sh}:{ph}"


@dataclass(frozen=True)
class Pool2D(Layer):
    """Max or average pooling over ``size`` windows, each channel on its own; no parameters."""

    size: int = 2
    stride: int | None = None  # defaults to size
    padding: int = 0
    mode: str = "max"
    ceil_mode: bool = False
    name: str = ""
    kind = "pool"

    def describe(self) -> str:
        stride = self.size if self.stride is None else self.stride
        text = f"{self.mode} pool {format_shape((self.size, self.size))}, stride {stride}"
        if self.padding:
            text += f", padding {self.padding}"
        return text + (", rounding up (ceil mode)" if self.ceil_mode else "")

    def apply(self, shape: tuple[int, ...]) -> Row:
        h, w, c = _volume(shape, "pooling layer")
        if self.mode not in ("max", "avg"):
            raise ValueError(f"pooling is 'max' or 'avg', not {self.mode!r}.")
        stride = self.size if self.stride is None else self.stride
        for n in (h, w):
            if as_pair(self.size, "pooling window size")[0] > n + 2 * _as_int(self.padding, "padding", 0):
                raise ValueError(f"the pooling window ({self.size}) is larger than the input ({n}).")
        out = tuple(pool_output_size_padded(n, self.size, stride, self.padding, self.ceil_mode) for n in (h, w))
        return Row(self.label(), self.kind, self.describe(), (*out, c), 0, "0 (a fixed rule, nothing to learn)")

    def spec(self) -> str | None:
        if self.ceil_mode:
            return None
        stride = self.size if self.stride is None else self.stride
        return f"{self.mode}pool:{self.size}:{stride}:{self.padding}"


@dataclass(frozen=True)
class AdaptiveAvgPool(Layer):
    """Average pooling to a fixed output size; ``(1, 1)`` is global average pooling."""

    output_size: int = 1
    name: str = ""
    kind = "pool"

    def describe(self) -> str:
        n = self.output_size
        return "global average pool" if n == 1 else f"adaptive average pool to {format_shape((n, n))}"

    def apply(self, shape: tuple[int, ...]) -> Row:
        h, w, c = _volume(shape, "global average pooling")
        n = _as_int(self.output_size, "output size", 1)
        if n > MAX_DIM:
            raise ValueError(f"an output size of {format_count(n)} is absurdly large.")
        return Row(self.label(), self.kind, self.describe(), (n, n, c), 0, "0 (a fixed rule, nothing to learn)")

    def spec(self) -> str | None:
        return "gap" if self.output_size == 1 else f"adaptivepool:{self.output_size}"


@dataclass(frozen=True)
class Flatten(Layer):
    """Unroll an ``H x W x C`` volume into ``H×W×C`` numbers."""

    name: str = ""
    kind = "flatten"

    def describe(self) -> str:
        return "flatten"

    def apply(self, shape: tuple[int, ...]) -> Row:
        n = math.prod(shape)
        formula = "0" if len(shape) == 1 else f"0 ({format_product(*shape)} = {format_count(n)} values in a row)"
        return Row(self.label(), self.kind, self.describe(), (n,), 0, formula)

    def spec(self) -> str:
        return "flatten"


@dataclass(frozen=True)
class Dense(Layer):
    """A fully connected layer: every input joined to each of ``units`` outputs."""

    units: int
    bias: bool = True
    name: str = ""
    kind = "dense"

    def describe(self) -> str:
        return f"dense, {self.units} units" + ("" if self.bias else ", no bias")

    def apply(self, shape: tuple[int, ...]) -> Row:
        if len(shape) != 1:
            raise ValueError(
                f"a dense layer needs a flat vector, but its input is {format_shape(shape)}: "
                "put a flatten (or global average pool and flatten) layer before it."
            )
        units = _as_int(self.units, "number of units", 1)
        if units > MAX_DIM:
            raise ValueError(f"{format_count(units)} units is absurdly many: keep it at most {format_count(MAX_DIM)}.")
        return Row(self.label(), self.kind, self.describe(), (units,),
                   dense_param_count(shape[0], units, self.bias), dense_param_formula(shape[0], units, self.bias))

    def spec(self) -> str | None:
        return f"dense:{self.units}" if self.bias else None


@dataclass(frozen=True)
class BatchNorm(Layer):
    """Batch normalisation: a learned scale γ and shift β per channel (2×C parameters).

    Its running mean and variance are buffers (updated by averaging, not learned): not parameters.
    """

    name: str = ""
    kind = "batchnorm"

    def describe(self) -> str:
        return "batch norm"

    def apply(self, shape: tuple[int, ...]) -> Row:
        c = shape[-1]
        return Row(self.label(), self.kind, self.describe(), tuple(shape), 2 * c,
                   f"{format_product(2, c)} = {format_count(2 * c)} (scale γ and shift β)")

    def spec(self) -> str:
        return "batchnorm"


@dataclass(frozen=True)
class Activation(Layer):
    """An elementwise function (ReLU, tanh, ...): same shape, no parameters."""

    fn: str = "relu"
    name: str = ""
    kind = "activation"

    def describe(self) -> str:
        return ACTIVATIONS.get(self.fn, self.fn)

    def apply(self, shape: tuple[int, ...]) -> Row:
        if self.fn not in ACTIVATIONS:
            raise ValueError(f"unknown activation {self.fn!r}: choose one of {', '.join(ACTIVATIONS)}.")
        return Row(self.label(), self.kind, self.describe(), tuple(shape), 0, "0")

    def spec(self) -> str:
        return self.fn


@dataclass(frozen=True)
class Dropout(Layer):
    """Dropout: zeroes a random fraction ``p`` of values while training; same shape, no parameters."""

    p: float = 0.5
    name: str = ""
    kind = "dropout"

    def describe(self) -> str:
        return f"dropout {format_number(self.p)}"

    def apply(self, shape: tuple[int, ...]) -> Row:
        return Row(self.label(), self.kind, self.describe(), tuple(shape), 0, "0")

    def spec(self) -> str:
        return "dropout"


@dataclass(frozen=True)
class Block(Layer):
    """Parallel branches from one input, merged: ``"concat"`` on channels (Inception) or ``"add"`` (residual).

    An empty branch is the identity (a residual shortcut that keeps the shape). ``after`` runs on the
    merged result (e.g. the ReLU after a residual addition).
    """

    branches: tuple[tuple[Layer, ...], ...] = ()
    merge: str = "concat"
    after: tuple[Layer, ...] = ()
    branch_names: tuple[str, ...] = ()
    name: str = ""
    kind_name: str = "block"
    summary: str = ""  # what the block does, in a few words, for the table

    @property
    def kind(self) -> str:  # type: ignore[override]
        return self.kind_name

    def describe(self) -> str:
        if self.summary:
            return self.summary
        how = "concatenated on channels" if self.merge == "concat" else "added"
        return f"{len(self.branches)} parallel branches, {how}"

    def apply(self, shape: tuple[int, ...]) -> Row:
        children, outs = [], []
        for b, branch in enumerate(self.branches):
            bname = self.branch_names[b] if b < len(self.branch_names) else f"branch {b + 1}"
            current = tuple(shape)
            for layer in branch:
                try:
                    row = layer.apply(current)
                except ValueError as exc:
                    raise ValueError(f"{bname}, {layer.label()}: {as_clause(exc)}") from None
                children.append(_renamed(row, f"{bname}: {row.name}"))
                current = row.output_shape
            outs.append(current)
        if self.merge == "concat":
            if any(len(o) != 3 or o[:2] != outs[0][:2] for o in outs):
                raise ValueError("branches must keep the same height and width to be concatenated, "
                                 f"got {', '.join(format_shape(o) for o in outs)}.")
            merged = (*outs[0][:2], sum(o[2] for o in outs))
            detail = " + ".join(str(o[2]) for o in outs) + f" = {merged[2]} channels"
            children.append(Row("concatenate", "merge", detail, merged, 0, "0"))
        elif self.merge == "add":
            if any(o != outs[0] for o in outs):
                raise ValueError("branches must have the same shape to be added, "
                                 f"got {', '.join(format_shape(o) for o in outs)}.")
            merged = outs[0]
            children.append(Row("add", "merge", "elementwise sum of the branches", merged, 0, "0"))
        else:
            raise ValueError(f"branches merge by 'concat' or 'add', not {self.merge!r}.")
        current = merged
        for layer in self.after:
            row = layer.apply(current)
            children.append(row)
            current = row.output_shape
        params = sum(c.params for c in children)
        formula = " + ".join(format_count(c.params) for c in children if c.params) + f" = {format_count(params)}"
        return Row(self.label(), self.kind, self.describe(), current, params, formula, tuple(children))


def _renamed(row: Row, name: str) -> Row:
    return Row(name, row.kind, row.detail, row.output_shape, row.params, row.formula, row.children)


@dataclass(frozen=True)
class Network:
    """A network's table: one row per layer, and totals for one input image."""

    input_shape: tuple[int, ...]
    rows: tuple[Row, ...]

    @property
    def output_shape(self) -> tuple[int, ...]:
        return self.rows[-1].output_shape if self.rows else self.input_shape

    @property
    def total_params(self) -> int:
        return sum(r.params for r in self.rows)

    @property
    def param_bytes(self) -> int:
        """Memory of the parameters in float32: 4 bytes each."""
        return BYTES_PER_FLOAT32 * self.total_params

    @property
    def activation_bytes(self) -> int:
        """float32 memory of every layer's output for one image (each layer inside a block counted)."""
        return sum(leaf.memory_bytes for r in self.rows for leaf in r.leaves())


class LayerError(ValueError):
    """A layer that does not fit its input; ``rows`` holds the layers before it, which did."""

    def __init__(self, message: str, index: int, rows: tuple[Row, ...]) -> None:
        super().__init__(message)
        self.index = index  # 1-based, as people count
        self.rows = rows


def build_network(input_shape: int | Iterable[int], layers: Iterable[Layer]) -> Network:
    """Apply ``layers`` in turn to ``input_shape``; return the per-layer table.

    Parameters
    ----------
    input_shape : tuple of int, (H, W, C) or (N,)
        The shape of one input.
    layers : sequence of Layer

    Returns
    -------
    Network
        ``rows`` (name, output shape, parameters, float32 memory) and totals. Raises ``LayerError``
        (a ``ValueError``) naming the first layer that does not fit, and why.

    Examples
    --------
    >>> net = build_network((32, 32, 3), [Conv2D(10, 5), Activation("relu")])
    >>> [format_shape(r.output_shape) for r in net.rows], net.total_params
    (['28x28x10', '28x28x10'], 760)
    """
    shape = as_shape(input_shape)
    rows: list[Row] = []
    for i, layer in enumerate(layers, start=1):
        try:
            row = layer.apply(shape)
            if row.params > MAX_COUNT or math.prod(row.output_shape) > MAX_COUNT:
                most = max(row.params, math.prod(row.output_shape))
                raise ValueError(f"it would have {format_number(most)} parameters or output values, absurdly many: "
                                 "use smaller sizes.")
        except ValueError as exc:
            raise LayerError(f"Layer {i} ({layer.label()}) does not fit its input {format_shape(shape)}: "
                             f"{as_clause(exc)}",
                             i, tuple(rows)) from None
        rows.append(row)
        shape = row.output_shape
    return Network(tuple(as_shape(input_shape)), tuple(rows))


def table_records(network: Network, expand: bool = False) -> list[dict]:
    """The network's table as plain records (one per layer; blocks' layers too when ``expand``).

    Examples
    --------
    >>> net = build_network((32, 32, 3), [Conv2D(10, 5)])
    >>> table_records(net)[0]["output shape"], table_records(net)[0]["parameters"]
    ('28x28x10', 760)
    """
    records = []
    for i, row in enumerate(network.rows, start=1):
        for j, r in enumerate((row, *row.children) if expand else (row,)):
            records.append({
                "#": str(i) if j == 0 else f"{i}.{j}",
                "layer": r.name if j == 0 else f"  └ {r.name}",
                "what it does": "" if r.detail == r.name else r.detail,
                "output shape": format_shape(r.output_shape),
                "parameters": r.params,
                "output memory": format_bytes(r.memory_bytes),
                "worked out": r.formula,
            })
    return records
