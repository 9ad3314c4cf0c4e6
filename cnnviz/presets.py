"""Classic hand-made filters, each with the pattern it searches for."""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

__all__ = ["FilterPreset", "FILTER_PRESETS", "LECTURE_INPUT", "LECTURE_FILTER", "preset_for_channels",
           "PoolExample", "pool_example"]

LECTURE_INPUT = np.array(
    [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]], dtype=np.int64
)  # the lecture's 5x5 input
LECTURE_FILTER = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]], dtype=np.int64)  # its 3x3 filter
LECTURE_INPUT.flags.writeable = LECTURE_FILTER.flags.writeable = False  # shared by every session


@dataclass(frozen=True)
class FilterPreset:
    """A named filter and a one-line description of what it responds to."""

    name: str
    weights: np.ndarray  # (kh, kw)
    explains: str


def _read_only(arr: np.ndarray) -> np.ndarray:
    """Shared by every session: a page that changed it in place would change it for the whole class."""
    arr.flags.writeable = False
    return arr


def _preset(name: str, rows, explains: str) -> FilterPreset:
    return FilterPreset(name, _read_only(np.array(rows, dtype=np.float64 if any(
        isinstance(v, float) for r in rows for v in r) else np.int64)), explains)


FILTER_PRESETS: dict[str, FilterPreset] = {
    p.name: p
    for p in [
        _preset("Lecture example", LECTURE_FILTER.tolist(),
                "The lecture's pattern: a diagonal-ish stroke; big outputs where the input looks like it."),
        _preset("Identity", [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
                "Copies the input: the output is the centre pixel of each window."),
        _preset("Vertical edge", [[1, 0, -1], [1, 0, -1], [1, 0, -1]],
                "Finds vertical edges: bright on the left, dark on the right gives a large positive value."),
        _preset("Horizontal edge", [[1, 1, 1], [0, 0, 0], [-1, -1, -1]],
                "Finds horizontal edges: bright above, dark below gives a large positive value."),
        _preset("Sobel x", [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
                "Left-to-right change in brightness (vertical edges), weighting the centre row more."),
        _preset("Sobel y", [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
                "Top-to-bottom change in brightness (horizontal edges), weighting the centre column more."),
        _preset("Box blur", [[1 / 9] * 3] * 3,
                "Averages each 3x3 neighbourhood: smooths the picture and hides fine detail."),
        _preset("Gaussian blur", [[1 / 16, 2 / 16, 1 / 16], [2 / 16, 4 / 16, 2 / 16], [1 / 16, 2 / 16, 1 / 16]],
                "A weighted average that trusts the centre most: a softer, more natural blur."),
        _preset("Sharpen", [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
                "Boosts a pixel against its neighbours: makes edges crisper."),
        _preset("Emboss", [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
                "Light from the top left: surfaces facing it light up, like a relief."),
        _preset("Outline (Laplacian)", [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
                "Responds wherever a pixel differs from all its neighbours: outlines every edge, zero on flat areas."),
    ]
}


def preset_for_channels(name: str, channels: int) -> np.ndarray:
    """A preset spread over ``channels`` input channels, ``(kh, kw, C)``, summing to the same response.

    On an image whose channels are equal (a grey picture) the result matches the 2-D preset.
    """
    w = FILTER_PRESETS[name].weights.astype(np.float64)
    return np.repeat(w[:, :, None] / channels, channels, axis=2)


@dataclass(frozen=True, eq=False)
class PoolExample:
    """An input and a filter whose activation map pools well: 2x2 windows, stride 2, no cell dropped."""

    input: np.ndarray  # (H, W) the picture, small whole numbers
    filter: np.ndarray  # (kh, kw)
    name: str  # what the picture shows, for a caption


@functools.cache
def pool_example() -> PoolExample:
    """Pooling's first example: the first handwritten 0 of the digits data through the lecture's filter.

    The 8x8 digit is scaled to whole numbers 0 to 3, as small as the lecture's input; the lecture's
    3x3 filter makes a 6x6 activation map, which 2x2 max pooling with stride 2 takes to 3x3 without
    dropping a cell, and the ring of the 0 is still there after pooling.

    Examples
    --------
    >>> from cnnviz.conv import conv2d
    >>> ex = pool_example()
    >>> ex.input.shape, conv2d(ex.input, ex.filter).shape
    ((8, 8), (6, 6))
    """
    from .digits import load_digits

    images, labels = load_digits()  # (N, 8, 8) values 0..16, (N,)
    zero = images[int(np.flatnonzero(labels == 0)[0])]
    x = _read_only(np.round(zero / 16 * 3).astype(np.int64))  # (8, 8) values 0..3
    return PoolExample(x, LECTURE_FILTER, "a handwritten 0")
