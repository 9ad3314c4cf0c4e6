"""Receptive fields: the input cells that each cell of a layer sees, through a chain of sliding windows.

Along each axis a layer slides a window of ``k`` cells (a filter or a pooling window) with stride
``s``, zero padding ``p`` and dilation ``d``. Its field on the input has a size ``r``, the fields of
neighbouring cells lie ``j`` input cells apart (the jump), and cell 0's field starts at ``start``::

    k_eff = d(k − 1) + 1                      the window's reach
    r_l = r_{l−1} + (k_eff − 1)·j_{l−1}       r_0 = 1
    j_l = j_{l−1}·s                           j_0 = 1
    start_l = start_{l−1} − p·j_{l−1}         start_0 = 0

so cell ``u`` of layer ``l`` sees input cells ``start_l + u·j_l`` to ``start_l + u·j_l + r_l − 1``.
Rows and columns each follow their own axis. Where that range leaves the input it lies in the
zero padding, and a layer's padding and the cells its output-size formula drops feed nothing
further on: ``Region`` reports the closed-form field and, beside it, exactly the input cells that
can change the chosen cell (the same box whenever the closed-form field lies inside the input).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from cnnviz.kernel.notation import format_shape
from cnnviz.kernel.shapes import as_pair, conv_output_size, pool_output_size_padded

__all__ = ["Window", "Branches", "Field", "Region", "receptive_fields"]


@dataclass(frozen=True)
class Window:
    """One layer that slides a window over its input: a convolution or a pooling layer.

    Sizes are an int or a ``(rows, cols)`` pair; they are kept as pairs. A layer that looks at each
    cell on its own (an activation, batch norm) is ``Window(1)``: every cell sees what it saw before.
    """

    size: int | tuple[int, int]
    stride: int | tuple[int, int] = 1
    padding: int | tuple[int, int] = 0
    dilation: int | tuple[int, int] = 1
    ceil_mode: bool = False  # a pooling layer that rounds its output size up (PyTorch's ceil_mode)
    name: str = ""

    def __post_init__(self) -> None:
        size = as_pair(self.size, "window size")
        dilation = as_pair(self.dilation, "dilation")
        padding = as_pair(self.padding, "padding", 0)
        object.__setattr__(self, "size", size)
        object.__setattr__(self, "stride", as_pair(self.stride, "stride"))
        object.__setattr__(self, "padding", padding)
        object.__setattr__(self, "dilation", dilation)
        for k, d, p in zip(size, dilation, padding):
            if p >= d * (k - 1) + 1:
                raise ValueError(f"The padding ({p}) must be smaller than the window's reach ({d * (k - 1) + 1}): "
                                 "with more, the outer cells of the output would see nothing but zeros.")
        if self.ceil_mode and dilation != (1, 1):
            raise ValueError("Only a pooling layer rounds its output size up, and pooling has no dilation.")


@dataclass(frozen=True)
class Branches:
    """Parallel chains of layers on one input, their outputs merged (concatenated on channels, or added).

    A cell of the merged output sees what any branch sees: its field is the smallest box holding every
    branch's field. An empty chain is the identity (a residual shortcut). The branches must give maps of
    one size, and their fields must move in step (the same jump).
    """

    chains: tuple[tuple[Window | Branches, ...], ...]
    name: str = ""


class Region(NamedTuple):
    """Where one cell of a layer looks on the input.

    ``top, left, height, width`` are the closed form; ``rows`` and ``cols`` are that box clipped to the
    input cells that can change the cell, and ``clipped`` says how much was cut from each side.
    """

    top: int  # the field's first input row (negative: it starts in the padding)
    left: int  # its first input column
    height: int  # the field's size r along the rows
    width: int  # and along the columns
    rows: tuple[int, int]  # the input rows that can change the cell: first, one past the last
    cols: tuple[int, int]  # the input columns, likewise
    mask: np.ndarray  # (H, W) bool: exactly the input cells that can change the cell

    @property
    def clipped(self) -> tuple[int, int, int, int]:
        """Rows and columns of the closed-form field cut off, ``(top, bottom, left, right)``: the ones in the
        zero padding, and the ones no layer passes on. All 0 when the field lies inside the input."""
        return (self.rows[0] - self.top, self.top + self.height - self.rows[1],
                self.cols[0] - self.left, self.left + self.width - self.cols[1])


@dataclass(frozen=True, eq=False)
class Field:
    """The receptive field of every cell of one layer's output."""

    name: str
    out_size: tuple[int, int]  # (H_out, W_out): the layer's map
    size: tuple[int, int]  # (r_rows, r_cols): the closed-form field of every cell
    jump: tuple[int, int]  # input cells between the fields of neighbouring cells
    start: tuple[int, int]  # where cell (0, 0)'s field starts on the input; negative: in the padding
    reach: tuple[np.ndarray, np.ndarray]  # (H_out, H), (W_out, W) bool: the input rows (columns) that can change
    # each row (column) of the map

    def region(self, row: int, col: int) -> Region:
        """Where cell ``(row, col)`` of this layer's map looks on the input.

        Examples
        --------
        >>> f = receptive_fields([Window(3, padding=1), Window(2, 2)], 8)[-1]
        >>> f.size, f.jump, f.start
        ((4, 4), (2, 2), (-1, -1))
        >>> r = f.region(0, 3)
        >>> r.top, r.left, r.rows, r.cols, r.clipped
        (-1, 5, (0, 3), (5, 8), (1, 0, 0, 1))
        """
        H_out, W_out = self.out_size
        if not (_is_index(row, H_out) and _is_index(col, W_out)):
            raise ValueError(f"The {self.name or 'layer'}'s map is {format_shape(self.out_size)}: "
                             f"choose a cell with row 0..{H_out - 1} and column 0..{W_out - 1}, not ({row}, {col}).")
        row_reach, col_reach = self.reach[0][row], self.reach[1][col]  # (H,), (W,)
        return Region(self.start[0] + row * self.jump[0], self.start[1] + col * self.jump[1], *self.size,
                      _span(row_reach), _span(col_reach), np.outer(row_reach, col_reach))


def _is_index(i, n: int) -> bool:
    return isinstance(i, (int, np.integer)) and not isinstance(i, bool) and 0 <= i < n


def _span(reach: np.ndarray) -> tuple[int, int]:
    """First and one past the last True cell (every cell sees at least one input cell)."""
    where = np.flatnonzero(reach)
    return int(where[0]), int(where[-1]) + 1


class _Axis(NamedTuple):
    """The field arithmetic along one axis, after some layers."""

    n: int  # the layer's output size
    r: int  # field size
    j: int  # jump
    start: int  # where cell 0's field starts
    reach: np.ndarray  # (n, N) bool: which input cells each output cell depends on


def _window(axis: _Axis, w: Window, a: int) -> _Axis:
    k, s, p, d = w.size[a], w.stride[a], w.padding[a], w.dilation[a]
    n_out = pool_output_size_padded(axis.n, k, s, p, True) if w.ceil_mode else conv_output_size(axis.n, k, s, p, d)
    taps = np.arange(n_out)[:, None] * s - p + np.arange(k) * d  # (n_out, k): the input cells each window reads
    inside = (taps >= 0) & (taps < axis.n)  # taps in the padding read zeros: they pass nothing on
    reads = np.zeros((n_out, axis.n), np.float32)
    reads[np.nonzero(inside)[0], taps[inside]] = 1
    reach = (reads @ axis.reach) > 0  # (n_out, n) @ (n, N) of 0s and 1s: sums up to k, exact in float32
    return _Axis(n_out, axis.r + d * (k - 1) * axis.j, axis.j * s, axis.start - p * axis.j,
                 reach.astype(np.float32))


def _walk(axis: _Axis, layer: Window | Branches, a: int) -> _Axis:
    if isinstance(layer, Window):
        return _window(axis, layer, a)
    if not isinstance(layer, Branches) or not layer.chains:
        raise ValueError(f"A layer of a receptive-field chain is a Window or Branches, not {layer!r}.")
    outs = []
    for chain in layer.chains:
        out = axis
        for inner in chain:
            out = _walk(out, inner, a)
        outs.append(out)
    if len({o.n for o in outs}) > 1 or len({o.j for o in outs}) > 1:
        raise ValueError(f"The branches of {layer.name or 'a block'} give maps of sizes "
                         f"{', '.join(str(o.n) for o in outs)} with jumps {', '.join(str(o.j) for o in outs)}: "
                         "merged branches need one size and one jump.")
    start = min(o.start for o in outs)
    end = max(o.start + o.r for o in outs)
    reach = np.logical_or.reduce([o.reach > 0 for o in outs])
    return _Axis(outs[0].n, end - start, outs[0].j, start, reach.astype(np.float32))


def receptive_fields(layers: Sequence[Window | Branches], input_size: int | tuple[int, int]) -> list[Field]:
    """The receptive field of each layer of a chain, on an input of ``input_size``.

    Parameters
    ----------
    layers : sequence of Window or Branches
        The layers in order; ``Branches`` (an Inception module, a residual block) counts as one layer.
    input_size : int or (int, int)
        The input's ``(H, W)``.

    Returns
    -------
    list of Field, one per layer
        Each with its map's size, the closed-form field size ``r``, jump ``j`` and start, and
        ``region(row, col)`` for any cell. ``ValueError`` when a window does not fit its input.

    Notes
    -----
    Besides the closed form, each field keeps which input rows (and columns) can change each row
    (column) of its map: one matrix product per layer, ``H_out·H_in·H`` multiply-adds.

    Examples
    --------
    AlexNet (torchvision's) to its last pooling layer:

    >>> alexnet = [Window(11, 4, 2), Window(3, 2), Window(5, 1, 2), Window(3, 2),
    ...            Window(3, 1, 1), Window(3, 1, 1), Window(3, 1, 1), Window(3, 2)]
    >>> [f.size[0] for f in receptive_fields(alexnet, 224)]
    [11, 19, 51, 67, 99, 131, 163, 195]
    """
    H, W = as_pair(input_size, "input size")
    axes = [_Axis(n, 1, 1, 0, np.eye(n, dtype=np.float32)) for n in (H, W)]
    fields = []
    for i, layer in enumerate(layers, start=1):
        name = getattr(layer, "name", "") or f"layer {i}"
        try:
            axes = [_walk(axis, layer, a) for a, axis in enumerate(axes)]
        except ValueError as exc:
            raise ValueError(f"Layer {i} ({name}) does not fit its input: {exc}") from None
        rows, cols = axes
        fields.append(Field(name, (rows.n, cols.n), (rows.r, cols.r), (rows.j, cols.j),
                            (rows.start, cols.start), (rows.reach > 0, cols.reach > 0)))
    return fields
