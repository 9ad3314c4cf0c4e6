"""Classic hand-made filters, each with the pattern it searches for."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnviz.kernel.grids import grid_from_text, grid_to_text
from cnnviz.kernel.notation import format_shape

__all__ = ["FilterPreset", "FILTER_PRESETS", "LECTURE_INPUT", "LECTURE_FILTER", "preset_for_channels",
           "CHANNEL_NAMES", "preset_specs", "filter_from_spec", "spec_from_filter"]

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


# Filters for an image: a preset on every channel, on one channel, or typed in.
CHANNEL_NAMES = ("R", "G", "B")


def preset_specs() -> list[str]:
    """Every preset by name (spread over all channels), then each preset on one channel (``"Sobel x@R"``).

    Examples
    --------
    >>> specs = preset_specs()
    >>> "Sharpen" in specs and "Sobel x@R" in specs and "Sobel x@B" in specs
    True
    """
    names = list(FILTER_PRESETS)
    return names + [f"{n}@{c}" for c in CHANNEL_NAMES for n in names]


def filter_from_spec(spec: str, k: int = 3, channels: int = 3) -> np.ndarray:
    """The ``(k, k, channels)`` filter a short text describes, or a ValueError saying what is wrong.

    ``spec`` is a preset name (spread over every channel with ``preset_for_channels``), a preset
    name with ``@R``, ``@G`` or ``@B`` (the whole preset on that channel, zeros on the others), or
    typed grids for R, G and B separated by ``|`` (each ``grid_to_text``'s ``"1,0,-1;..."``).
    A 3x3 preset in a larger filter sits in its centre with zeros around it. A one-channel (grey)
    input takes the sum of the three slices, so a preset means the same as on a grey picture.

    Examples
    --------
    >>> filter_from_spec("Vertical edge@G")[:, :, 1].tolist()
    [[1.0, 0.0, -1.0], [1.0, 0.0, -1.0], [1.0, 0.0, -1.0]]
    >>> filter_from_spec("5|-1|2", k=1, channels=1).tolist()
    [[[6.0]]]
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError("A filter is empty: choose a preset or type its numbers.")
    if k not in (1, 3, 5, 7):
        raise ValueError("Filters here are 1x1, 3x3, 5x5 or 7x7.")
    if channels not in (1, 3):
        raise ValueError("An image has 1 (grey) or 3 (RGB) channels.")
    name, _, where = spec.strip().partition("@")
    if name in FILTER_PRESETS:
        if where and where not in CHANNEL_NAMES:
            raise ValueError(f"'{where}' is not a channel: use @R, @G or @B.")
        if k < 3:
            raise ValueError(f"The preset {name!r} is 3x3: it does not fit a {format_shape((k, k))} filter.")
        w3 = np.zeros((3, 3, 3))
        if where:
            w3[:, :, CHANNEL_NAMES.index(where)] = FILTER_PRESETS[name].weights
        else:
            w3 = preset_for_channels(name, 3)
        w = np.zeros((k, k, 3))
        o = (k - 3) // 2
        w[o:o + 3, o:o + 3] = w3
    else:
        slices = spec.split("|")
        if len(slices) != 3:
            raise ValueError(f"'{spec[:20]}' is neither a preset nor three grids (R|G|B) of numbers.")
        grids = []
        for c, text in zip(CHANNEL_NAMES, slices):
            g = grid_from_text(text, max_side=7, name=f"{c} slice of the filter")
            if g.shape != (k, k):
                raise ValueError(f"The {c} slice of the filter is {format_shape(g.shape)}, not {format_shape((k, k))}.")
            grids.append(g)
        w = np.stack(grids, axis=-1).astype(np.float64)  # (k, k, 3)
    return w.sum(axis=2, keepdims=True) if channels == 1 else w


def spec_from_filter(w: np.ndarray) -> str:
    """The typed form of a ``(k, k, 3)`` filter, the inverse of ``filter_from_spec`` for typed grids.

    Examples
    --------
    >>> spec_from_filter(np.stack([np.eye(2), np.zeros((2, 2)), np.full((2, 2), 0.5)], axis=-1))
    '1,0;0,1|0,0;0,0|0.5,0.5;0.5,0.5'
    """
    w = np.asarray(w)
    if w.ndim != 3 or w.shape[2] != 3:
        raise ValueError("A typed filter has three slices: R, G and B.")
    return "|".join(grid_to_text(w[:, :, c]) for c in range(3))
