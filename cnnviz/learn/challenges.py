"""The lecture's challenges, done to a digit: viewpoint (shift, rotation, scale), deformation (a thicker or
thinner stroke), illumination, occlusion and clutter; and the test accuracy as one of them grows.

Every transform takes one digit ``(8, 8)`` or a batch ``(N, 8, 8)`` with cells 0..16 and returns floats
of the same shape, clipped to 0..16, so that the network reads them like any digit. Geometry is inverse
mapping: each cell of the result looks up where it came from in the digit (bilinear between the four
nearest cells, paper outside the digit). Row 0 is at the top; a positive shift moves the digit down and
right, a positive angle turns it counter-clockwise as it is drawn.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from cnnviz.kernel.notation import format_number
from cnnviz.learn.digits import digits_split
from cnnviz.learn.network import DIGIT_MAX, DIGIT_SIZE, DigitsCNN, _as_images, _as_labels

__all__ = [
    "shift", "rotate", "scale", "stroke", "brightness", "occlude", "noise", "clutter", "apply_challenges",
    "CONTROLS", "SWEEP_AMOUNTS", "Sweep", "accuracy_sweep",
]

_CENTRE = (DIGIT_SIZE - 1) / 2  # 3.5: the middle of the 8x8 grid, between cells 3 and 4

# The range of each control as the lecture offers it: (smallest, largest, step, no change).
CONTROLS: dict[str, tuple[float, float, float, float]] = {
    "shift": (-2, 2, 1, 0),  # cells, along each axis
    "rotate": (-30, 30, 5, 0),  # degrees
    "scale": (0.7, 1.3, 0.05, 1),  # times the digit's size
    "stroke": (-1, 1, 0.25, 0),  # −1 one step of erosion (thinner), 1 one step of dilation (thicker)
    "brightness": (0, 2, 0.1, 1),  # times the ink
    "noise": (0, 8, 0.5, 0),  # standard deviation of the added noise, in cells
    "clutter": (0, 0.3, 0.05, 0),  # share of cells turned to full ink
}


def _digits(images) -> tuple[np.ndarray, bool]:
    """Digits ``(N, 8, 8)`` as float64, and whether the caller gave one ``(8, 8)``."""
    x = _as_images(images, "digit")[..., 0].astype(np.float64)  # (N, 8, 8)
    return x, np.ndim(images) == 2


def _out(x: np.ndarray, one: bool) -> np.ndarray:
    x = np.clip(x, 0, DIGIT_MAX)
    return x[0] if one else x


def _number(value, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) \
            or not low <= value <= high:
        raise ValueError(f"The {name} must be a number from {format_number(low)} to {format_number(high)}, "
                         f"not {value!r}.")
    return float(value)


def _whole(value, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not low <= value <= high:
        raise ValueError(f"The {name} must be a whole number from {low} to {high}, not {value!r}.")
    return int(value)


def shift(images: np.typing.ArrayLike, dy: int, dx: int) -> np.ndarray:
    """Move the digit ``dy`` cells down and ``dx`` cells right (negative: up, left); paper enters behind it.

    Examples
    --------
    >>> shift(np.eye(8) * 16, 0, 2)[0].tolist()
    [0.0, 0.0, 16.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    """
    dy = _whole(dy, "shift down", -DIGIT_SIZE + 1, DIGIT_SIZE - 1)
    dx = _whole(dx, "shift right", -DIGIT_SIZE + 1, DIGIT_SIZE - 1)
    x, one = _digits(images)
    return _out(_moved(x, dy, dx, axes=(1, 2)), one)


def _moved(a: np.ndarray, dy: int, dx: int, axes: tuple[int, int] = (0, 1)) -> np.ndarray:
    """``out[i, j] = a[i - dy, j - dx]`` along ``axes`` where that cell exists, 0 elsewhere."""
    out = np.zeros_like(a)
    to, source = [slice(None)] * a.ndim, [slice(None)] * a.ndim
    for axis, d in zip(axes, (dy, dx)):
        n = a.shape[axis]
        to[axis], source[axis] = slice(max(d, 0), n + min(d, 0)), slice(max(-d, 0), n - max(d, 0))
    out[tuple(to)] = a[tuple(source)]
    return out


def _resample(x: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Each digit of ``x`` ``(N, 8, 8)`` read at fractional ``(rows, cols)`` ``(8, 8)``: bilinear, paper outside."""
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1)))  # (N, 10, 10): a frame of paper around every digit
    # Snap positions within 1e-9 of a cell: a quarter turn lands on cells exactly despite cos(90°) ≈ 6e-17.
    rows, cols = (np.where(np.abs(v - np.rint(v)) < 1e-9, np.rint(v), v) for v in (rows, cols))
    r = np.clip(rows + 1, 0, DIGIT_SIZE + 1)  # beyond the frame everything is paper, as on the frame itself
    c = np.clip(cols + 1, 0, DIGIT_SIZE + 1)
    r0 = np.minimum(np.floor(r).astype(np.int64), DIGIT_SIZE)  # the cell above, so that r0 + 1 stays inside
    c0 = np.minimum(np.floor(c).astype(np.int64), DIGIT_SIZE)
    fr, fc = r - r0, c - c0  # (8, 8) weights of the cell below and the cell to the right
    top = padded[:, r0, c0] * (1 - fc) + padded[:, r0, c0 + 1] * fc
    bottom = padded[:, r0 + 1, c0] * (1 - fc) + padded[:, r0 + 1, c0 + 1] * fc
    return top * (1 - fr) + bottom * fr  # (N, 8, 8)


def rotate(images: np.typing.ArrayLike, degrees: float) -> np.ndarray:
    """Turn the digit by ``degrees`` counter-clockwise about the centre of the grid (negative: clockwise).

    Examples
    --------
    >>> digit = np.arange(64).reshape(8, 8) / 4
    >>> bool(np.allclose(rotate(digit, 90), np.rot90(digit)))
    True
    """
    angle = math.radians(_number(degrees, "angle", -180, 180))
    x, one = _digits(images)
    i, j = np.mgrid[:DIGIT_SIZE, :DIGIT_SIZE] - _CENTRE  # (8, 8) each: offsets from the centre
    # The cell that lands at (i, j) came from the point turned back by the angle (rows grow downwards).
    cos, sin = math.cos(angle), math.sin(angle)
    return _out(_resample(x, _CENTRE + i * cos + j * sin, _CENTRE - i * sin + j * cos), one)


def scale(images: np.typing.ArrayLike, factor: float) -> np.ndarray:
    """Grow (``factor`` > 1) or shrink the digit about the centre of the grid.

    Examples
    --------
    >>> bool((scale(np.full((8, 8), 16), 0.5)[0] == 0).all())  # half the size: a border of paper
    True
    """
    factor = _number(factor, "scale factor", 0.25, 4)
    x, one = _digits(images)
    i, j = np.mgrid[:DIGIT_SIZE, :DIGIT_SIZE] - _CENTRE
    return _out(_resample(x, _CENTRE + i / factor, _CENTRE + j / factor), one)


def stroke(images: np.typing.ArrayLike, amount: float) -> np.ndarray:
    """A thicker (``amount`` > 0) or thinner stroke: the way to a 3x3 grey dilation (each cell the largest of
    its 3x3 neighbourhood) or erosion (the smallest, paper outside the digit), ``|amount|`` of the way.

    Examples
    --------
    >>> dot = np.zeros((8, 8)); dot[3, 3] = 16
    >>> int((stroke(dot, 1) > 0).sum()), int((stroke(dot, -1) > 0).sum())
    (9, 0)
    """
    amount = _number(amount, "stroke change", -1, 1)
    x, one = _digits(images)
    if amount == 0:
        return _out(x, one)
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1)))  # (N, 10, 10): paper around the digit
    n = DIGIT_SIZE
    neighbours = [padded[:, i:i + n, j:j + n] for i in range(3) for j in range(3)]  # 9 x (N, 8, 8)
    target = (np.maximum if amount > 0 else np.minimum).reduce(neighbours)  # (N, 8, 8)
    return _out(x + abs(amount) * (target - x), one)


def brightness(images: np.typing.ArrayLike, factor: float) -> np.ndarray:
    """Dim (``factor`` < 1) or brighten the ink: every cell times ``factor``, clipped to 16.

    Examples
    --------
    >>> float(brightness([[8] * 8] * 8, 3)[0, 0]), float(brightness([[8] * 8] * 8, 0.5)[0, 0])
    (16.0, 4.0)
    """
    factor = _number(factor, "brightness factor", 0, 4)
    x, one = _digits(images)
    return _out(x * factor, one)


def occlude(images: np.typing.ArrayLike, rows: tuple[int, int], cols: tuple[int, int],
            fill: float = 0) -> np.ndarray:
    """Cover the box of ``rows`` (first, one past the last) and ``cols`` with ``fill`` (0 paper, 16 ink).

    Examples
    --------
    >>> float(occlude(np.full((8, 8), 16), (2, 4), (0, 8)).sum()) / 16  # two rows of eight covered
    48.0
    """
    box = []
    for span, name in ((rows, "rows"), (cols, "columns")):
        try:
            first, stop = (_whole(v, name, 0, DIGIT_SIZE) for v in span)
        except (TypeError, ValueError):
            first = stop = None
        if first is None or first >= stop:
            raise ValueError(f"The box's {name} must be two whole numbers, first and one past the last, "
                             f"with 0 ≤ first < last ≤ 8, not {span!r}.")
        box.append(slice(first, stop))
    fill = _number(fill, "fill", 0, DIGIT_MAX)
    x, one = _digits(images)
    x[:, box[0], box[1]] = fill
    return _out(x, one)


def noise(images: np.typing.ArrayLike, sigma: float, seed: int = 0) -> np.ndarray:
    """Add Gaussian noise with standard deviation ``sigma`` (in cells) to every cell; the same seed, the same
    noise.

    Examples
    --------
    >>> bool((noise(np.zeros((8, 8)), 2.0, seed=1) == noise(np.zeros((8, 8)), 2.0, seed=1)).all())
    True
    """
    sigma = _number(sigma, "noise level", 0, DIGIT_MAX)
    seed = _whole(seed, "seed", 0, 2**63 - 1)
    x, one = _digits(images)
    rng = np.random.default_rng([seed, 1])  # stream 1: noise (stream 2: clutter), apart for one seed
    return _out(x + sigma * rng.standard_normal(x.shape), one)


def clutter(images: np.typing.ArrayLike, share: float, seed: int = 0) -> np.ndarray:
    """Stray ink ("salt"): turn a random ``share`` of the cells to full ink (16); the same seed, the same cells.

    A cell is inked when its seeded uniform draw falls below ``share``, so a larger share keeps the
    smaller one's cells and adds more.

    Examples
    --------
    >>> int((clutter(np.zeros((8, 8)), 0.25, seed=3) == 16).sum()) in range(8, 25)
    True
    """
    share = _number(share, "share of cluttered cells", 0, 1)
    seed = _whole(seed, "seed", 0, 2**63 - 1)
    x, one = _digits(images)
    x[np.random.default_rng([seed, 2]).random(x.shape) < share] = DIGIT_MAX
    return _out(x, one)


def apply_challenges(images: np.typing.ArrayLike, *, dy: int = 0, dx: int = 0, degrees: float = 0,
                     factor: float = 1, thicken: float = 0, light: float = 1,
                     box: tuple[tuple[int, int], tuple[int, int]] | None = None, box_fill: float = 0,
                     sigma: float = 0, share: float = 0, seed: int = 0) -> np.ndarray:
    """Every control at once, in one order: scale, rotate, shift, stroke, brightness, occlusion, noise, clutter.

    The geometry comes first (the digit's own shape, placed), then what the pen and the light do, then
    what covers it. A control at its "no change" value (``CONTROLS``) leaves the digit as it is.

    Examples
    --------
    >>> digit = digits_split().test_images[0]
    >>> bool((apply_challenges(digit) == digit).all())
    True
    """
    x = images
    steps: list[tuple[bool, Callable[[np.ndarray], np.ndarray]]] = [
        (factor != 1, lambda v: scale(v, factor)),
        (degrees != 0, lambda v: rotate(v, degrees)),
        ((dy, dx) != (0, 0), lambda v: shift(v, dy, dx)),
        (thicken != 0, lambda v: stroke(v, thicken)),
        (light != 1, lambda v: brightness(v, light)),
        (box is not None, lambda v: occlude(v, *box, fill=box_fill)),
        (sigma != 0, lambda v: noise(v, sigma, seed)),
        (share != 0, lambda v: clutter(v, share, seed)),
    ]
    for wanted, step in steps:
        if wanted:
            x = step(x)
    x, one = _digits(x)
    return _out(x, one)


# What each sweep varies, and the amounts it tries by default (the lecture's ranges, nine or so steps).
_SWEEPS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "shift_x": lambda x, a: shift(x, 0, int(a)),
    "shift_y": lambda x, a: shift(x, int(a), 0),
    "rotate": rotate,
    "scale": scale,
    "stroke": stroke,
    "brightness": brightness,
    "noise": noise,
    "clutter": clutter,
}
SWEEP_AMOUNTS: dict[str, tuple[float, ...]] = {
    "shift_x": (-2, -1, 0, 1, 2),
    "shift_y": (-2, -1, 0, 1, 2),
    "rotate": (-30, -22.5, -15, -7.5, 0, 7.5, 15, 22.5, 30),
    "scale": (0.7, 0.775, 0.85, 0.925, 1, 1.075, 1.15, 1.225, 1.3),
    "stroke": (-1, -0.75, -0.5, -0.25, 0, 0.25, 0.5, 0.75, 1),
    "brightness": (0.2, 0.4, 0.6, 0.8, 1, 1.2, 1.4, 1.6, 1.8),
    "noise": (0, 1, 2, 3, 4, 5, 6, 7, 8),
    "clutter": (0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3),
}


class Sweep(NamedTuple):
    """Test accuracy against the amount of one challenge."""

    challenge: str  # a key of SWEEP_AMOUNTS
    amounts: np.ndarray  # (A,) the amounts tried, in the challenge's unit
    accuracies: np.ndarray  # (A,) the share of the digits read right at each amount, 0..1


def accuracy_sweep(model: DigitsCNN, challenge: str = "shift_x", amounts: np.typing.ArrayLike | None = None,
                   images: np.typing.ArrayLike | None = None,
                   labels: np.typing.ArrayLike | None = None) -> Sweep:
    """The share of digits the network reads right, for each amount of one challenge done to every digit.

    Parameters
    ----------
    model : DigitsCNN
    challenge : str
        ``"shift_x"`` (cells right), ``"shift_y"`` (cells down), ``"rotate"`` (degrees), ``"scale"``,
        ``"stroke"``, ``"brightness"``, ``"noise"`` or ``"clutter"`` (the seed is 0).
    amounts : array_like, shape (A,), optional
        ``SWEEP_AMOUNTS[challenge]`` when omitted.
    images, labels : array_like, shape (N, 8, 8) and (N,), optional
        The test digits of ``digits_split()`` when omitted.

    Returns
    -------
    Sweep
        ``amounts`` (A,) and ``accuracies`` (A,): the N digits go through the network in one batch per amount.

    Examples
    --------
    >>> from cnnviz.learn.network import TrainConfig, init_parameters
    >>> net = DigitsCNN(TrainConfig(), init_parameters(TrainConfig()))
    >>> accuracy_sweep(net, "rotate").accuracies.shape
    (9,)
    """
    if challenge not in _SWEEPS:
        raise ValueError(f"There is no challenge {challenge!r} to sweep: choose one of {', '.join(_SWEEPS)}.")
    if (images is None) != (labels is None):
        raise ValueError("Give both the digits and their labels, or neither (for the test digits).")
    if images is None:
        split = digits_split()
        images, labels = split.test_images, split.test_labels
    x, _ = _digits(images)
    if np.ndim(images) != 3:
        raise ValueError("Sweep over a set of digits, shape (N, 8, 8), with one label each.")
    y = _as_labels(labels, len(x))
    a = np.asarray(SWEEP_AMOUNTS[challenge] if amounts is None else amounts, dtype=np.float64)
    if a.ndim != 1 or a.size == 0:
        raise ValueError("Give the amounts to try as a list of numbers.")
    if challenge.startswith("shift") and not np.array_equal(a, np.rint(a)):
        raise ValueError("A shift moves the digit by whole cells: give whole numbers.")
    # One batch per amount: N digits keep the network's maps in cache; A·N at once took a third longer.
    right = [model.predict(_SWEEPS[challenge](x, float(amount))).argmax(axis=1) == y for amount in a]  # A x (N,)
    return Sweep(challenge, a, np.mean(right, axis=1))
