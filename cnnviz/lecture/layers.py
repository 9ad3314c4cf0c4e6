"""A small layer model: output shapes, parameter counts and float32 memory, layer by layer.

Shapes are channels last, as the lecture writes them: ``(H, W, C)`` for an image-like volume,
``(N,)`` after flattening. Every layer maps an input shape to an output shape and counts its
learnable parameters; a network is a list of layers applied in turn. A layer that does not fit its
input raises ``ValueError`` naming the layer (its position and name) and why.

Only learnable parameters are counted, as PyTorch's ``sum(p.numel() for p in model.parameters())``
does: batch normalisation learns a scale and a shift per channel (2·C); its running mean and
variance are buffers, updated by averaging, not learned, and not counted.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass

from cnnviz.kernel.shapes import (
    _as_int,
    as_pair,
    conv_output_size,
    conv_param_count,
    conv_param_formula,
    dense_param_count,
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
    "format_shape",
    "as_clause",
    "pool_output_size_padded",
    "dense_param_formula",
    "inception",
    "bottleneck",
    "build_network",
    "layer_from_spec",
    "parse_network_spec",
    "network_spec",
    "BUILDER_KINDS",
    "format_bytes",
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
            raise ValueError(f"The {n} ({d:,}) is absurdly large: keep it at most {MAX_DIM:,}.")
    return out


def format_shape(shape: Iterable[int]) -> str:
    """``(28, 28, 6)`` as ``28x28x6``, ``(120,)`` as ``120``."""
    return "x".join(str(d) for d in shape)


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
            f"a {layer} needs an H x W x C volume, but its input is a flat vector of {shape[0]:,}: "
            "put it before the flatten layer."
        )
    return shape


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
        raise ValueError(f"the padding ({padding}) may be at most half the pooling window ({size}).")
    out = conv_output_size(n, size, stride, padding)  # validates n, stride; floor mode
    if ceil_mode:
        out = -(-(n + 2 * padding - size) // stride) + 1
        if (out - 1) * stride >= n + padding:  # last window would start in the right padding
            out -= 1
    return out


def dense_param_formula(n_in: int, n_out: int, bias: bool = True) -> str:
    """A dense layer's parameter count written out, e.g. ``400·120 + 120 = 48,120``.

    Examples
    --------
    >>> dense_param_formula(3072, 4704)
    '3072·4704 + 4704 = 14,455,392'
    """
    total = dense_param_count(n_in, n_out, bias)
    return f"{n_in}·{n_out}" + (f" + {n_out}" if bias else "") + f" = {total:,}"


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
        s = f"{sh}" if sh == sw else f"{sh}x{sw}"
        p = f"{ph}" if ph == pw else f"{ph}x{pw}"
        text = f"conv {kh}x{kw}, {self.filters} filters, stride {s}, padding {p}"
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
                raise ValueError(f"the padding ({pad:,}) must be smaller than the filter size ({span}): with more, "
                                 "the outer rows and columns of the output would see nothing but zeros.")
        f = _as_int(self.filters, "number of filters", 1)
        if f > MAX_DIM:
            raise ValueError(f"{f:,} filters is absurdly many: keep it at most {MAX_DIM:,}.")
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
        text = f"{self.mode} pool {self.size}x{self.size}, stride {stride}"
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
        return "global average pool" if n == 1 else f"adaptive average pool to {n}x{n}"

    def apply(self, shape: tuple[int, ...]) -> Row:
        h, w, c = _volume(shape, "global average pooling")
        n = _as_int(self.output_size, "output size", 1)
        if n > MAX_DIM:
            raise ValueError(f"an output size of {n:,} is absurdly large.")
        return Row(self.label(), self.kind, self.describe(), (n, n, c), 0, "0 (a fixed rule, nothing to learn)")

    def spec(self) -> str | None:
        return "gap" if self.output_size == 1 else f"adaptivepool:{self.output_size}"


@dataclass(frozen=True)
class Flatten(Layer):
    """Unroll an ``H x W x C`` volume into ``H·W·C`` numbers."""

    name: str = ""
    kind = "flatten"

    def describe(self) -> str:
        return "flatten"

    def apply(self, shape: tuple[int, ...]) -> Row:
        n = math.prod(shape)
        formula = "0" if len(shape) == 1 else f"0 ({'·'.join(map(str, shape))} = {n:,} values in a row)"
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
            raise ValueError(f"{units:,} units is absurdly many: keep it at most {MAX_DIM:,}.")
        return Row(self.label(), self.kind, self.describe(), (units,),
                   dense_param_count(shape[0], units, self.bias), dense_param_formula(shape[0], units, self.bias))

    def spec(self) -> str | None:
        return f"dense:{self.units}" if self.bias else None


@dataclass(frozen=True)
class BatchNorm(Layer):
    """Batch normalisation: a learned scale γ and shift β per channel (2·C parameters).

    Its running mean and variance are buffers (updated by averaging, not learned): not parameters.
    """

    name: str = ""
    kind = "batchnorm"

    def describe(self) -> str:
        return "batch norm"

    def apply(self, shape: tuple[int, ...]) -> Row:
        c = shape[-1]
        return Row(self.label(), self.kind, self.describe(), tuple(shape), 2 * c,
                   f"2·{c} = {2 * c:,} (scale γ and shift β)")

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
        return f"dropout {self.p:g}"

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
        formula = " + ".join(f"{c.params:,}" for c in children if c.params) + f" = {params:,}"
        return Row(self.label(), self.kind, self.describe(), current, params, formula, tuple(children))


def _renamed(row: Row, name: str) -> Row:
    return Row(name, row.kind, row.detail, row.output_shape, row.params, row.formula, row.children)


def _conv_bn_relu(c_out: int, size: int, stride: int = 1, padding: int = 0, relu: bool = True,
                  name: str = "") -> tuple[Layer, ...]:
    """A convolution without bias, batch norm, and (optionally) ReLU, as torchvision builds them."""
    layers: list[Layer] = [Conv2D(c_out, size, stride, padding, bias=False, name=name or f"conv {size}x{size}"),
                           BatchNorm()]
    if relu:
        layers.append(Activation("relu"))
    return tuple(layers)


def inception(ch1x1: int, ch3x3red: int, ch3x3: int, ch5x5red: int, ch5x5: int, pool_proj: int,
              name: str = "inception", *, fifth_branch_size: int = 3) -> Block:
    """An Inception module as torchvision builds GoogLeNet's: four branches concatenated on channels.

    Branches: 1x1; 1x1 then 3x3; 1x1 then the "5x5" branch; 3x3 max pool (stride 1) then 1x1.
    Every convolution has no bias and is followed by batch norm and ReLU. torchvision's "5x5" branch
    uses a 3x3 filter (``fifth_branch_size=3``, kept for its published weights); the paper uses 5x5.
    """
    branches = (
        _conv_bn_relu(ch1x1, 1),
        _conv_bn_relu(ch3x3red, 1) + _conv_bn_relu(ch3x3, 3, padding=1),
        _conv_bn_relu(ch5x5red, 1) + _conv_bn_relu(ch5x5, fifth_branch_size, padding=fifth_branch_size // 2),
        (Pool2D(3, 1, 1, "max", ceil_mode=True),) + _conv_bn_relu(pool_proj, 1),
    )
    return Block(branches, "concat", (), ("1x1", "3x3", "5x5" if fifth_branch_size == 5 else "\"5x5\" (3x3)", "pool"),
                 name, "inception", f"inception: {ch1x1} + {ch3x3} + {ch5x5} + {pool_proj} channels from 4 branches")


def bottleneck(c_in: int, planes: int, stride: int = 1, name: str = "bottleneck") -> Block:
    """A ResNet bottleneck block (torchvision, v1.5): 1x1 → 3x3 (with the stride) → 1x1 to 4·planes, plus a shortcut.

    The shortcut is the identity when the shape is unchanged, else a projection: a 1x1
    convolution with the stride, and batch norm. ReLU follows the addition.
    """
    main = (_conv_bn_relu(planes, 1) + _conv_bn_relu(planes, 3, stride, 1)
            + _conv_bn_relu(4 * planes, 1, relu=False))
    shortcut: tuple[Layer, ...] = ()
    if stride != 1 or c_in != 4 * planes:
        shortcut = _conv_bn_relu(4 * planes, 1, stride, relu=False, name="projection 1x1")
    how = f"projection shortcut{', stride ' + str(stride) if stride != 1 else ''}" if shortcut else "identity shortcut"
    return Block((main, shortcut), "add", (Activation("relu"),),
                 ("main", "shortcut" if shortcut else "identity"), name, "residual",
                 f"bottleneck 1x1 → 3x3 → 1x1 ({planes}, {planes}, {4 * planes} filters), {how}")


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
                raise ValueError(f"it would have {max(row.params, math.prod(row.output_shape)):.1e} parameters or "
                                 "output values, absurdly many: use smaller sizes.")
        except ValueError as exc:
            raise LayerError(f"Layer {i} ({layer.label()}) does not fit its input {format_shape(shape)}: "
                             f"{as_clause(exc)}",
                             i, tuple(rows)) from None
        rows.append(row)
        shape = row.output_shape
    return Network(tuple(as_shape(input_shape)), tuple(rows))


def format_bytes(n: int) -> str:
    """``n`` bytes in KB, MB or GB (powers of 1000), e.g. ``format_bytes(3136) == '3.1 KB'``."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


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


# --- the builder's words for layers: a table row or a URL token ---------------------------------

# kind -> (label, which numbers it uses: n = filters or units, size, stride, padding)
BUILDER_KINDS = {
    "conv": ("convolution", ("n", "size", "stride", "padding")),
    "maxpool": ("max pool", ("size", "stride", "padding")),
    "avgpool": ("average pool", ("size", "stride", "padding")),
    "gap": ("global average pool", ()),
    "adaptivepool": ("adaptive average pool", ("size",)),
    "flatten": ("flatten", ()),
    "dense": ("dense (fully connected)", ("n",)),
    "relu": ("ReLU", ()),
    "tanh": ("tanh", ()),
    "sigmoid": ("sigmoid", ()),
    "softmax": ("softmax", ()),
    "batchnorm": ("batch norm", ()),
    "dropout": ("dropout", ()),
}
_DEFAULTS = {"n": None, "size": None, "stride": 1, "padding": 0}
_FIELD_NAMES = {"n": "number of filters or units", "size": "size", "stride": "stride", "padding": "padding"}


def _field(value, what: str, minimum: int):
    blank = isinstance(value, str) and not value.strip()
    if value is None or blank or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 12 or not text.lstrip("+-").isdigit():
            shown = text if len(text) <= 12 else text[:12] + "…"
            raise ValueError(f"the {what} must be a whole number, not '{shown}'")
        value = int(text)
    v = _as_int(value, what, minimum)
    if v > MAX_DIM:
        raise ValueError(f"the {what} ({v:,}) is absurdly large: keep it at most {MAX_DIM:,}")
    return v


def layer_from_spec(kind: str, n: int | str | None = None, size: int | str | None = None,
                    stride: int | str | None = None, padding: int | str | None = None) -> Layer:
    """Make a layer from the builder's words, e.g. ``layer_from_spec("conv", 6, 5)``.

    Examples
    --------
    >>> layer_from_spec("conv", 6, 5).describe()
    'conv 5x5, 6 filters, stride 1, padding 0'
    >>> layer_from_spec("maxpool", size=2).describe()
    'max pool 2x2, stride 2'
    """
    kind = str(kind).strip().lower() if kind is not None else ""
    if kind not in BUILDER_KINDS:
        shown = kind if len(kind) <= 20 else kind[:20] + "…"
        raise ValueError(f"'{shown}' is not a layer: choose one of {', '.join(BUILDER_KINDS)}")
    given = {"n": n, "size": size, "stride": stride, "padding": padding}
    uses = BUILDER_KINDS[kind][1]
    vals = {}
    for key in uses:
        v = _field(given[key], _FIELD_NAMES[key], 0 if key == "padding" else 1)
        if v is None:
            if kind in ("maxpool", "avgpool") and key == "stride":
                v = vals["size"]  # pooling windows side by side unless told otherwise
            elif _DEFAULTS[key] is None:
                raise ValueError(f"a {BUILDER_KINDS[kind][0]} layer needs its {_FIELD_NAMES[key]}")
            else:
                v = _DEFAULTS[key]
        vals[key] = v
    if kind == "conv":
        return Conv2D(vals["n"], vals["size"], vals["stride"], vals["padding"])
    if kind in ("maxpool", "avgpool"):
        if 2 * vals["padding"] > vals["size"]:
            raise ValueError(f"the padding ({vals['padding']}) may be at most half the pooling window ({vals['size']})")
        return Pool2D(vals["size"], vals["stride"], vals["padding"], kind[:3])
    if kind == "gap":
        return AdaptiveAvgPool(1)
    if kind == "adaptivepool":
        return AdaptiveAvgPool(vals["size"])
    if kind == "flatten":
        return Flatten()
    if kind == "dense":
        return Dense(vals["n"])
    if kind == "batchnorm":
        return BatchNorm()
    if kind == "dropout":
        return Dropout()
    return Activation(kind)


MAX_LAYERS = 200  # a builder network longer than this is a typo or a prank


def parse_network_spec(text: str) -> tuple[list[Layer], list[str]]:
    """Read ``conv:6:5:1:0,tanh,avgpool:2:2:0,...`` into layers; return ``(layers, messages)``.

    Each comma-separated token is ``kind[:numbers]`` with the numbers in ``BUILDER_KINDS`` order.
    A token that cannot be read gives a message naming its position; the others are kept.

    Examples
    --------
    >>> layers, errors = parse_network_spec("conv:6:5,relu,maxpool:2,flatten,dense:10")
    >>> build_network((32, 32, 1), layers).total_params, errors
    (11926, [])
    """
    if not isinstance(text, str) or not text.strip():
        return [], ["The network is empty."]
    if len(text) > MAX_LAYERS * 24:
        return [], [f"The network text is far too long (more than {MAX_LAYERS} layers)."]
    layers, errors = [], []
    for i, token in enumerate(t for t in text.split(",") if t.strip()):
        parts = [p.strip() for p in token.split(":")]
        kind, nums = parts[0].lower(), parts[1:]
        try:
            if kind not in BUILDER_KINDS:
                raise ValueError(f"'{kind[:20]}' is not a layer")
            uses = BUILDER_KINDS[kind][1]
            if len(nums) > len(uses):
                raise ValueError(f"a {BUILDER_KINDS[kind][0]} takes at most {len(uses)} numbers")
            layers.append(layer_from_spec(kind, **dict(zip(uses, nums))))
        except ValueError as exc:
            errors.append(f"Layer {i + 1} ('{token.strip()[:30]}'): {exc}.")
    if len(layers) > MAX_LAYERS:
        errors.append(f"Only the first {MAX_LAYERS} layers are kept.")
        layers = layers[:MAX_LAYERS]
    return layers, errors


def network_spec(layers: Iterable[Layer]) -> str | None:
    """The builder's text for ``layers``, or ``None`` if some layer (a block, say) has no builder word."""
    tokens = [layer.spec() for layer in layers]
    return None if any(t is None for t in tokens) else ",".join(tokens)
