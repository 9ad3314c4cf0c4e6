"""The receptive field of every layer of a network built from ``cnnviz.lecture.layers``: the lecture's
architectures, or one from the builder.

Convolutions and pooling layers are sliding windows (``cnnviz.kernel.fields``). The other layers are
read so that every layer of the table has a field:

- activations, batch norm, dropout and flatten look at each cell on their own: a 1x1 window, the
  field of the layer before (a flattened vector's values are the cells of the map before it);
- a dense layer after flatten joins every cell of that map: one window as large as the map, giving a
  1x1 map that sees everything the map saw (LeNet-5's C5, a 5x5 convolution in the paper);
- adaptive average pooling is a window of ``n / out`` cells with that stride when ``out`` divides the
  map's size ``n`` (global average pooling always does); otherwise its windows differ in size, it has no
  single field size, and it and every layer after it get ``None``;
- a block (an Inception module, a residual block) is one layer whose field holds its branches' fields:
  the largest branch's for Inception's centred branches, the main path's for a residual block, since
  the shortcut sees a part of it.
"""
from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator

from cnnviz.kernel.fields import Branches, Field, Window, receptive_fields
from cnnviz.lecture.architectures import ARCHITECTURES
from cnnviz.lecture.layers import (
    Activation,
    AdaptiveAvgPool,
    BatchNorm,
    Block,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    Layer,
    Pool2D,
    as_shape,
    build_network,
)

__all__ = ["network_fields", "architecture_fields"]

_EACH_CELL = (Activation, BatchNorm, Dropout, Flatten)


class _NotAWindow(Exception):
    """A layer whose output cells do not all see windows of one size: no closed-form field."""


def _as_window(layer: Layer, shape: tuple[int, ...], spatial: tuple[int, int]) -> Window | Branches:
    """``layer`` on an input of ``shape`` as a sliding window; ``spatial`` is the last map's ``(H, W)``."""
    name = layer.label()
    if isinstance(layer, Conv2D):
        return Window(layer.size, layer.stride, layer.padding, layer.dilation, name=name)
    if isinstance(layer, Pool2D):
        stride = layer.size if layer.stride is None else layer.stride
        return Window(layer.size, stride, layer.padding, ceil_mode=layer.ceil_mode, name=name)
    if isinstance(layer, _EACH_CELL):
        return Window(1, name=name)
    if isinstance(layer, Dense):
        return Window(spatial, name=name)  # every cell of the map before flattening (1x1 after a dense layer)
    if isinstance(layer, AdaptiveAvgPool):
        n, out = shape[:2], layer.output_size
        if any(side % out for side in n):
            raise _NotAWindow
        return Window((n[0] // out, n[1] // out), (n[0] // out, n[1] // out), name=name)
    if isinstance(layer, Block):
        block = Branches(tuple(tuple(_as_windows(branch, shape, spatial)) for branch in layer.branches), name=name)
        if not layer.after:
            return block
        merged = layer.apply(shape).children[-len(layer.after) - 1].output_shape  # the merge row, before `after`
        return Branches(((block, *_as_windows(layer.after, merged, spatial)),), name=name)
    raise _NotAWindow


def _as_windows(layers: Iterable[Layer], shape: tuple[int, ...],
                spatial: tuple[int, int]) -> Iterator[Window | Branches]:
    """Each layer as a window, in turn from an input of ``shape``; ``_NotAWindow`` at one that is none."""
    for layer in layers:
        yield _as_window(layer, shape, spatial)
        shape = layer.apply(shape).output_shape
        spatial = shape[:2] if len(shape) == 3 else (1, 1) if isinstance(layer, Dense) else spatial  # a flat
        # vector's values are the cells of the last map; a dense layer's output is a 1x1 map


def network_fields(input_shape: int | Iterable[int], layers: Iterable[Layer]) -> list[Field | None]:
    """The receptive field of each layer of a network, on its input.

    Parameters
    ----------
    input_shape : tuple of int, (H, W, C) or (N,)
        As ``build_network`` takes it; a flat input is a 1x1 map.
    layers : sequence of Layer

    Returns
    -------
    list of Field or None, one per layer
        ``None`` from the first layer that is not one sliding window on (adaptive pooling to a size that
        does not divide the map). ``LayerError`` (a ``ValueError``) names the first layer that does not fit
        its input, as ``build_network`` does.

    Examples
    --------
    >>> lenet = ARCHITECTURES["lenet5"]
    >>> [(f.name, f.size) for f in network_fields(lenet.input_shape, lenet.layers) if f.name[0] in "CS"]
    [('C1', (5, 5)), ('S2', (6, 6)), ('C3', (14, 14)), ('S4', (16, 16)), ('C5', (32, 32))]
    """
    shape = as_shape(input_shape)
    size = spatial = shape[:2] if len(shape) == 3 else (1, 1)
    layers = list(layers)
    build_network(shape, layers)  # a layer that does not fit its input: LayerError, naming it and why
    windows: list[Window | Branches] = []
    try:
        for window in _as_windows(layers, shape, spatial):
            windows.append(window)
    except _NotAWindow:
        pass  # this layer and the ones after it have no field
    fields: list[Field | None] = list(receptive_fields(windows, size))
    return fields + [None] * (len(layers) - len(fields))


@functools.cache
def architecture_fields(key: str) -> tuple[Field | None, ...]:
    """The receptive field of each layer of one of the lecture's ``ARCHITECTURES``, in table order.

    Examples
    --------
    >>> fields = architecture_fields("vgg16")
    >>> [f.size for f in fields if f.name == "pool5"]
    [(212, 212)]
    """
    if key not in ARCHITECTURES:
        raise ValueError(f"There is no architecture {key!r}: choose one of {', '.join(ARCHITECTURES)}.")
    arch = ARCHITECTURES[key]
    return tuple(network_fields(arch.input_shape, arch.layers))
