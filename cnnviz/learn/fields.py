"""Where each cell of the digits network looks on the digit, and how its maps move when the digit moves.

A convolution is translation equivariant: shift the input and the activation map shifts by the same
amount. On a finite digit that holds exactly only where the border does not get in the way; after 2x2
max pooling a shift by one cell is half a pooled cell, and the pooled maps agree only approximately.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from cnnviz.kernel.fields import Field, Window, receptive_fields
from cnnviz.learn.challenges import _moved, shift
from cnnviz.learn.network import DIGIT_SIZE, KERNEL, POOL, DigitsCNN, TrainConfig

__all__ = ["digits_fields", "ShiftedMaps", "shifted_maps"]


def digits_fields(config: TrainConfig) -> dict[str, Field]:
    """The receptive field of each layer of the digits network, keyed as ``DigitsCNN.forward_layers`` names them.

    ``conv``, ``relu``, ``pool``, with a second convolution ``conv2`` and ``relu2``, then ``scores``: the dense
    layer joins every cell of the last map, so a score's field holds the last map's fields.

    Examples
    --------
    >>> {name: f.size for name, f in digits_fields(TrainConfig(conv2_filters=4)).items()}
    {'conv': (3, 3), 'relu': (3, 3), 'pool': (4, 4), 'conv2': (8, 8), 'relu2': (8, 8), 'scores': (14, 14)}
    """
    p = config.padding
    layers = [Window(KERNEL, 1, p, name="conv"), Window(1, name="relu"), Window(POOL, POOL, name="pool")]
    if config.conv2_filters:
        layers += [Window(KERNEL, 1, p, name="conv2"), Window(1, name="relu2")]
    last = config.shapes()["relu2" if config.conv2_filters else "pool"][:2]
    fields = receptive_fields(layers + [Window(last, name="scores")], DIGIT_SIZE)
    return {f.name: f for f in fields}


class ShiftedMaps(NamedTuple):
    """The first layer's maps of a digit and of the digit shifted by ``(dy, dx)``, before and after pooling."""

    shift: tuple[int, int]  # (dy, dx): cells down and right
    image: np.ndarray  # (8, 8) the digit, 0..16
    shifted: np.ndarray  # (8, 8) the digit shifted, paper entering behind it
    maps: np.ndarray  # (H1, W1, F) the digit's activation maps (before ReLU)
    shifted_maps: np.ndarray  # (H1, W1, F) the shifted digit's
    exact: np.ndarray  # (H1, W1) bool: cells where shifted_maps[i, j] == maps[i - dy, j - dx] for any digit
    pooled: np.ndarray  # (P, P, F) the digit's maps after ReLU and 2x2 max pooling
    shifted_pooled: np.ndarray  # (P, P, F) the shifted digit's
    pooled_shift: tuple[int, int]  # (dy, dx) / 2, rounded towards 0: where a pooled cell's partner is
    compared: np.ndarray  # (P, P) bool: pooled cells whose 2x2 window lies on exact cells and whose partner exists
    pooled_equal: float  # share of the compared pooled values (every filter) equal to their partner, 0..1
    pooled_difference: float  # the largest |shifted_pooled[i, j] - pooled[partner]| over the compared cells


def _exact_cells(field: Field, axis: int, d: int, n: int) -> np.ndarray:
    """Along one axis: the map cells ``i`` whose value on the digit shifted by ``d`` equals cell ``i - d``'s on the
    digit, for any digit. ``field`` is a stride-1 first layer's field, on an input of ``n`` cells."""
    n_out = field.out_size[axis]
    i = np.arange(n_out)[:, None]
    seen = field.start[axis] + i + np.arange(field.size[axis])  # (n_out, r): the cells of the shifted digit it sees
    inside = (seen >= 0) & (seen < n)
    came_from_inside = (seen - d >= 0) & (seen - d < n)
    # A padding zero seen on the shifted digit must be a padding zero on the digit too; a cell the shift
    # pushed out of the grid is still in the digit's map but gone from the shifted one's.
    same = (inside | ~came_from_inside).all(axis=1)
    has_partner = (i[:, 0] - d >= 0) & (i[:, 0] - d < n_out)
    return same & has_partner


def shifted_maps(model: DigitsCNN, image: np.typing.ArrayLike, dy: int, dx: int) -> ShiftedMaps:
    """The first convolution's maps of ``image`` and of ``image`` shifted by ``(dy, dx)``, and where they agree.

    Parameters
    ----------
    model : DigitsCNN
    image : array_like, shape (8, 8)
        One digit, cells 0..16.
    dy, dx : int
        Cells down and right (negative: up and left), as ``challenges.shift`` takes them.

    Returns
    -------
    ShiftedMaps
        The maps and ``exact``: the cells where the shifted digit's map is the digit's map moved by
        ``(dy, dx)``, for every digit. A cell is exact when its partner ``(i − dy, j − dx)`` exists and every
        padding zero its filter sees on the shifted digit is a padding zero on the digit too: its window may
        hang over the edge the paper came in from, never over the edge the digit left by. After ReLU and
        2x2 max pooling ``compared`` holds the pooled cells whose four cells are exact;
        ``pooled_equal`` and ``pooled_difference`` say how far those agree with their partner at half the
        shift (all of them for an even shift; for an odd one max pooling keeps only part of the shift).

    Examples
    --------
    >>> from cnnviz.learn.network import init_parameters
    >>> from cnnviz.learn.digits import digits_split
    >>> net = DigitsCNN(TrainConfig(), init_parameters(TrainConfig()))
    >>> s = shifted_maps(net, digits_split().test_images[0], 1, 0)
    >>> s.exact.sum(axis=1).tolist()  # rows 1..6 of the 8x8 map: row 0 has no partner, row 7 lost the bottom
    [0, 8, 8, 8, 8, 8, 8, 0]
    >>> s.pooled_shift, s.pooled_equal < 1
    ((0, 0), True)
    """
    digit = np.asarray(image)
    moved = shift(digit, dy, dx)  # validates the shift and the digit
    if np.ndim(digit) != 2:
        raise ValueError("Follow one digit: pass one (8, 8) image.")
    before, after = model.forward_layers(digit), model.forward_layers(moved)
    field = digits_fields(model.config)["conv"]
    exact = np.outer(_exact_cells(field, 0, dy, DIGIT_SIZE), _exact_cells(field, 1, dx, DIGIT_SIZE))
    # The pooled cells whose 2x2 window lies on exact cells, and whose partner at half the shift exists.
    P = before["pool"].shape[0]
    windows = exact[:P * POOL, :P * POOL].reshape(P, POOL, P, POOL).all(axis=(1, 3))  # (P, P)
    py, px = int(dy / 2), int(dx / 2)
    compared = windows & _moved(np.ones((P, P), bool), py, px)
    partner = _moved(before["pool"], py, px)  # (P, P, F): the digit's pooled map moved by half the shift
    gap = np.abs(after["pool"] - partner)[compared]  # (cells, F)
    scale = max(1.0, float(np.abs(before["pool"]).max()))
    equal = gap <= 1e-5 * scale  # float32 rounding, nothing more
    return ShiftedMaps(
        (dy, dx), digit.astype(np.float64), moved, before["conv"], after["conv"], exact,
        before["pool"], after["pool"], (py, px), compared,
        float(equal.mean()) if gap.size else 1.0, float(gap.max()) if gap.size else 0.0,
    )
