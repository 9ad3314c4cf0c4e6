"""The network builder's words: a layer from a table row, a network from the link's text, and back.

A network is written ``conv:6:5:1:0,tanh,avgpool:2:2:0,flatten,dense:10``: comma-separated layers,
each a kind from ``BUILDER_KINDS`` and its numbers in that kind's order.
"""
from __future__ import annotations

import math
from collections.abc import Iterable

from cnnviz.kernel.notation import format_count
from cnnviz.kernel.shapes import _as_int
from cnnviz.lecture.layers import (
    MAX_DIM,
    Activation,
    AdaptiveAvgPool,
    BatchNorm,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    Layer,
    Pool2D,
)

__all__ = ["BUILDER_KINDS", "MAX_LAYERS", "layer_from_spec", "parse_network_spec", "network_spec"]


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
        raise ValueError(f"the {what} ({format_count(v)}) is absurdly large: keep it at most {format_count(MAX_DIM)}")
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
    >>> from cnnviz.lecture.layers import build_network
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
