"""One diverging colour scale for signed values (filters, products, activation maps), in every view.

ColorBrewer's RdBu, which it marks safe for colour-blind readers: blue below 0, red above, and pure
white exactly at 0 (RdBu's own centre, #f7f7f7, is replaced by #ffffff). Limits are symmetric: a
value ``v`` is placed at ``t = v / vmax`` in [-1, 1], with ``vmax`` the largest absolute value unless
given, so that 0 is always white and equal magnitudes are equally strong on both sides. The same
piecewise-linear scale gives CSS colours for HTML cells, RGB arrays for PNG maps and a Plotly
colorscale for figures. A picture's own pixels are not signed values: they keep their grey scale.
"""
from __future__ import annotations

import functools

import numpy as np

__all__ = ["STOPS", "symmetric_limit", "diverging_rgb", "css_colour", "relative_luminance", "contrast_ratio",
           "text_colour", "cell_style", "plotly_colorscale", "heatmap_colours"]

# (t, RGB) from -1 to +1: ColorBrewer RdBu, 9 classes, with a pure white centre.
STOPS = (
    (-1.00, (33, 102, 172)),  # #2166ac
    (-0.75, (67, 147, 195)),  # #4393c3
    (-0.50, (146, 197, 222)),  # #92c5de
    (-0.25, (209, 229, 240)),  # #d1e5f0
    (0.00, (255, 255, 255)),  # white, exactly
    (0.25, (253, 219, 199)),  # #fddbc7
    (0.50, (244, 165, 130)),  # #f4a582
    (0.75, (214, 96, 77)),  # #d6604d
    (1.00, (178, 24, 43)),  # #b2182b
)
_T = np.array([t for t, _ in STOPS])  # (9,)
_RGB = np.array([rgb for _, rgb in STOPS], dtype=np.float64)  # (9, 3)
_BLACK_TEXT_ABOVE = 0.18  # relative luminance where black text starts to beat white (WCAG 4.5:1 both ways)


def symmetric_limit(values, vmax: float | None = None) -> float:
    """``vmax`` when given and positive, else the largest finite absolute value; 1.0 for an all-zero grid.

    Examples
    --------
    >>> symmetric_limit([[-3, 1], [2, 0]]), symmetric_limit([0, 0]), symmetric_limit([1, 2], vmax=10)
    (3.0, 1.0, 10.0)
    """
    if vmax is not None and vmax > 0:
        return float(vmax)
    a = np.abs(np.asarray(values, dtype=np.float64))
    a = a[np.isfinite(a)]
    top = float(a.max()) if a.size else 0.0
    return top if top > 0 else 1.0


def diverging_rgb(values, vmax: float | None = None) -> np.ndarray:
    """Colour signed values ``(...)`` -> ``(..., 3)`` uint8: ``-vmax`` blue, 0 white, ``+vmax`` red.

    ``vmax`` defaults to the largest absolute value (``symmetric_limit``); values beyond ±vmax take
    the end colours, NaN is drawn as 0.

    Examples
    --------
    >>> diverging_rgb(np.array([-2.0, 0.0, 1.0, 2.0])).tolist()
    [[33, 102, 172], [255, 255, 255], [244, 165, 130], [178, 24, 43]]
    """
    v = np.asarray(values, dtype=np.float64)
    t = np.clip(np.nan_to_num(v / symmetric_limit(v, vmax), nan=0.0), -1.0, 1.0)
    rgb = np.stack([np.interp(t, _T, _RGB[:, i]) for i in range(3)], axis=-1)  # (..., 3)
    return np.round(rgb).astype(np.uint8)


def css_colour(rgb) -> str:
    """An RGB triple as CSS: ``rgb(178, 24, 43)``."""
    r, g, b = (int(c) for c in rgb)
    return f"rgb({r}, {g}, {b})"


# sRGB channel value (0-255) -> linear light, as WCAG 2 defines it
_LINEAR = tuple(c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in range(256))


def relative_luminance(rgb) -> float:
    """WCAG 2 relative luminance of an sRGB colour ``(r, g, b)``, 0-255 each (0 black to 1 white)."""
    r, g, b = (int(c) for c in rgb)
    return 0.2126 * _LINEAR[r] + 0.7152 * _LINEAR[g] + 0.0722 * _LINEAR[b]


def contrast_ratio(a, b) -> float:
    """WCAG 2 contrast ratio of two sRGB colours (1 to 21; text needs 4.5)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour(rgb) -> str:
    """Black or white, whichever is readable on ``rgb``: black above a relative luminance of 0.18.

    Examples
    --------
    >>> text_colour((255, 255, 255)), text_colour((33, 102, 172)), text_colour((128, 128, 128))
    ('#000', '#fff', '#000')
    """
    return "#000" if relative_luminance(rgb) > _BLACK_TEXT_ABOVE else "#fff"


def cell_style(rgb) -> str:
    """Inline CSS for a cell filled with ``rgb`` and its number written on it."""
    r, g, b = (int(c) for c in rgb)
    return _cell_style(r, g, b)


@functools.lru_cache(maxsize=4096)  # a page draws a few hundred distinct colours, over and over
def _cell_style(r: int, g: int, b: int) -> str:
    return f"background-color:rgb({r}, {g}, {b});color:{text_colour((r, g, b))}"


def short_cell_style(rgb) -> str:
    """``cell_style`` in fewer characters (``background:#e8f2f7;color:#000``), for pages of many small grids."""
    r, g, b = rgb
    return _short_cell_style(int(r), int(g), int(b))


@functools.lru_cache(maxsize=4096)
def _short_cell_style(r: int, g: int, b: int) -> str:
    return f"background:#{r:02x}{g:02x}{b:02x};color:{text_colour((r, g, b))}"


def plotly_colorscale() -> list[list]:
    """The scale as a Plotly colorscale (positions 0 to 1); use it with ``heatmap_colours``.

    Examples
    --------
    >>> plotly_colorscale()[4]
    [0.5, 'rgb(255, 255, 255)']
    """
    return [[(t + 1) / 2, css_colour(rgb)] for t, rgb in STOPS]


def heatmap_colours(vmax: float) -> dict:
    """Keyword arguments of a Plotly heatmap on this scale: white at 0, limits ±vmax.

    Examples
    --------
    >>> args = heatmap_colours(4)
    >>> args["zmin"], args["zmid"], args["zmax"]
    (-4.0, 0, 4.0)
    """
    v = symmetric_limit([], vmax)
    return {"colorscale": plotly_colorscale(), "zmin": -v, "zmid": 0, "zmax": v}
