"""Pictures of images, channels and activation maps, sent to the browser as small encoded PNGs.

A 510x510 activation map as a Plotly heatmap is a quarter of a million numbers in JSON; as a
palette PNG it is a few kilobytes, so maps travel as PNG, and the zoomed-in arithmetic (a few
dozen numbers, written in the cells) is a few small HTML grids: no chart library to load or build.
"""
from __future__ import annotations

import base64
import html as _html
import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from cnnviz.views.assets import asset, style
from cnnviz.views.colour import diverging_rgb
from cnnviz.views.grid import grid_html, grid_rows_html
from cnnviz.kernel.notation import format_number

__all__ = ["MARK", "LUT", "MARK_INDEX", "crisp_side", "map_indices", "maps_png", "fit", "draw_box", "to_png",
           "colour_bar", "zoom_html", "Picture", "present_html"]

MARK = (255, 190, 0)  # the zoom window outline: amber, visible on grey, blue, white and red
# The palette of every map: the shared diverging scale in 255 steps (index 127 is 0, white), then the mark.
LUT = np.vstack([diverging_rgb(np.linspace(-1.0, 1.0, 255), 1.0), np.array(MARK, np.uint8)[None]])  # (256, 3)
MARK_INDEX = 255
ZOOM_CELL = (38, 72)  # the zoom's cells, height and width in CSS pixels: "−27.33" still at 16 px


def crisp_side(n: int, target: int) -> int:
    """The side to show an ``n``-cell map at near ``target`` pixels, every cell the same whole number of pixels.

    A map with ``target`` cells or more is averaged down to ``target``. A smaller one is blown up by the
    whole factor nearest ``target / n``, a larger factor when that leaves it under three quarters of
    ``target``: cells of 2 and 3 pixels side by side would show as uneven stripes.

    Examples
    --------
    >>> crisp_side(126, 360), crisp_side(254, 360), crisp_side(510, 360), crisp_side(3, 360)
    (378, 508, 360, 360)
    """
    if n >= target:
        return target
    m = max(1, round(target / n))
    if n * m < 0.75 * target:
        m += 1
    return n * m


def map_indices(a: np.ndarray, vmax: float | None = None) -> np.ndarray:
    """A signed map ``(H, W)`` -> palette indices ``(H, W)`` uint8: 0 is ``-vmax``, 127 is 0, 254 is ``+vmax``."""
    a = np.asarray(a, dtype=np.float32)
    if vmax is None:
        vmax = float(np.abs(a).max(initial=0.0))
    if not vmax > 0:
        return np.full(a.shape, 127, np.uint8)
    idx = a * np.float32(127.0 / vmax)
    np.clip(idx, -127.0, 127.0, out=idx)
    idx += np.float32(127.5)  # rounds half up after the cast below
    return idx.astype(np.uint8)


def _fit(H: int, W: int, side: int) -> tuple[int, int]:
    """(h, w) with the longest side equal to ``side`` and the aspect ratio kept."""
    s = side / max(H, W)
    return max(1, round(H * s)), max(1, round(W * s))


def maps_png(maps, vmax=None, *, side: int = 176,
             box: tuple[int, int, int, int] | None = None) -> list[bytes]:
    """Each map as a palette PNG exactly ``side`` pixels on its longest side; colours centred at 0.

    ``maps`` is an array ``(H, W, F)`` or a list of ``(H, W)`` maps of one size. ``vmax`` is one
    number for all maps (comparable colours), one per map, or None (each map's own largest absolute
    value). Larger maps are area-averaged down; smaller ones blown up with every cell a crisp block.
    ``box`` = (top, left, height, width) in map cells outlines the zoom window. One byte per pixel
    and a 256-colour palette: about a millisecond a map, a few kilobytes each.
    """
    if isinstance(maps, np.ndarray):
        maps = [maps[:, :, f] for f in range(maps.shape[2])]
    F = len(maps)
    H, W = maps[0].shape
    if vmax is None:
        vmax = [max(-float(m.min()), float(m.max()), 0.0) for m in maps]
    vmax = np.broadcast_to(np.asarray(vmax, dtype=np.float32), (F,))
    h, w = _fit(H, W, side)
    palette = LUT.ravel().tolist()
    out = []
    for m, top_value in zip(maps, vmax):
        m = np.asarray(m, dtype=np.float32)
        if max(H, W) > side:  # average the cells each display pixel covers
            m = np.asarray(Image.fromarray(np.ascontiguousarray(m), "F").resize((w, h), Image.Resampling.BOX))
        img = Image.fromarray(map_indices(m, top_value), "P")  # palette indices, 127 is 0
        if max(H, W) < side:
            img = img.resize((w, h), Image.Resampling.NEAREST)
        if box is not None:
            s = h / H  # cells -> pixels of the picture sent
            top, left, bh, bw = box
            idx = draw_box(np.asarray(img), int(top * s), int(left * s), max(1, round((top + bh) * s) - int(top * s)),
                           max(1, round((left + bw) * s) - int(left * s)), colour=MARK_INDEX)
            img = Image.fromarray(idx, "P")
        img.putpalette(palette)
        buf = io.BytesIO()
        img.save(buf, "PNG", compress_level=1)
        out.append(buf.getvalue())
    return out


def fit(pixels: np.ndarray, side: int) -> np.ndarray:
    """A picture ``(H, W)`` or ``(H, W, 3)`` uint8 resized so its longest side is ``side``.

    Larger pictures are area-averaged down; smaller ones blown up with each pixel a crisp block.
    """
    H, W = pixels.shape[:2]
    if max(H, W) == side:
        return pixels
    h, w = _fit(H, W, side)
    rule = Image.Resampling.BOX if max(H, W) > side else Image.Resampling.NEAREST
    return np.asarray(Image.fromarray(np.ascontiguousarray(pixels)).resize((w, h), rule))


def draw_box(rgb: np.ndarray, top: int, left: int, height: int, width: int, colour=MARK) -> np.ndarray:
    """A copy of ``rgb`` (a picture or palette indices) with a window's outline drawn just outside its cells."""
    out = rgb.copy()
    H, W = out.shape[:2]
    t = max(2, max(H, W) // 128)  # line thickness grows with the picture
    r0, r1 = max(0, top - t), min(H, top + height + t)
    c0, c1 = max(0, left - t), min(W, left + width + t)
    out[r0:r1, c0:min(W, left)] = colour
    out[r0:r1, max(0, left + width):c1] = colour
    out[r0:min(H, top), c0:c1] = colour
    out[max(0, top + height):r1, c0:c1] = colour
    return out


def to_png(pixels: np.ndarray) -> bytes:
    """Encode an ``(H, W, 3)`` or grey ``(H, W)`` uint8 picture as PNG (fast compression: maps change often)."""
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def colour_bar(vmax: float, width: int = 256, height: int = 14) -> np.ndarray:
    """The diverging scale from ``-vmax`` to ``+vmax`` as a strip, for a legend under the maps."""
    ramp = np.linspace(-vmax, vmax, width)[None, :].repeat(height, axis=0)
    return diverging_rgb(ramp, vmax)  # (height, width, 3)


def zoom_html(values: np.ndarray, weights: np.ndarray, names: list[str]) -> str:
    """The arithmetic at one location as an HTML string: per channel the pixels, the filter, the products.

    Parameters
    ----------
    values : ndarray, shape (kh, kw, C)
        Pixel values (0-255) under the window.
    weights : ndarray, shape (kh, kw, C)
    names : list of str, length C
        Channel names ("R", "G", "B" or "gray").

    Returns
    -------
    str
        One row of three small grids per channel, every number written in its cell (row 0 at the
        top); pixels on their grey scale, filter and products on the diverging scale, white at 0.

    Examples
    --------
    >>> html = zoom_html(np.full((1, 1, 1), 200.0), np.full((1, 1, 1), 0.5), ["gray"])
    >>> "gray: products, sum 100" in html and ">0.5<" in html
    True
    """
    values = np.asarray(values, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    products = values * weights  # (kh, kw, C)
    wmax = float(np.abs(weights).max(initial=0))
    pmax = float(np.abs(products).max(initial=0))
    rows = []
    for c, name in enumerate(names):
        grey = np.clip(values[..., c], 0, 255).round().astype(np.uint8)  # (kh, kw) the pixels' own scale
        rows.append([
            grid_html(values[..., c], f"{name}-pixels", title=f"{name}: pixels",
                      colours=np.repeat(grey[..., None], 3, axis=2)),
            grid_html(weights[..., c], f"{name}-filter", title=f"{name}: filter", vmax=wmax),
            grid_html(products[..., c], f"{name}-products", vmax=pmax,
                      title=f"{name}: products, sum {format_number(products[..., c].sum())}"),
        ])
    return grid_rows_html(rows, cell=ZOOM_CELL[0], cell_width=ZOOM_CELL[1])


@dataclass(frozen=True)
class Picture:
    """A PNG the presenter view shows, with what it shows in words (its caption and its alternative text)."""

    png: bytes
    caption: str


def _img(picture: Picture, cls: str = "") -> str:
    src = "data:image/png;base64," + base64.b64encode(picture.png).decode("ascii")
    text = _html.escape(picture.caption)
    return f'<figure class="{cls}"><img src="{src}" alt="{text}"><figcaption>{text}</figcaption></figure>'


def present_html(chain: str, picture: Picture, weights: np.ndarray, names: Sequence[str], filter_title: str,
                 bias: str, amap: Picture, sentence: str, maps: Sequence[Picture], pick: int) -> str:
    """The Real images page's presenter view on one screen: the picture ∗ the filter = its activation map, the
    dot product at the window, and every map of the activation volume (``pick`` framed).

    Parameters
    ----------
    chain : str
        The shapes, "128x128x3 → 126x126x6 → 63x63x6" (trusted HTML).
    picture, amap : Picture
        The input with the window drawn on it; the picked filter's activation map with the window's cell.
    weights : ndarray, shape (k, k, C)
        The picked filter, one slice per channel (``names``), each written as a grid of numbers.
    filter_title, bias, sentence : str
        The filter's name, its bias as written, and the sum at the window (trusted HTML).
    maps : sequence of Picture
        Every filter's activation map, in the bank's order.

    Sizes follow the screen (``images_present.css``): on a 1280x720 projector the pictures are a third of
    its height and the filter's numbers about 25 px.

    Examples
    --------
    >>> png = to_png(np.zeros((2, 2), np.uint8))
    >>> html = present_html("2x2x1 → 2x2x1", Picture(png, "in"), np.ones((1, 1, 1)), ["gray"], "Identity",
    ...                     "0", Picture(png, "map"), "1 = 1", [Picture(png, "1: Identity")], 0)
    >>> 'class="pick"' in html and 'alt="1: Identity"' in html
    True
    """
    w = np.asarray(weights, dtype=np.float64)  # (k, k, C)
    k, C = w.shape[0], w.shape[2]
    vmax = float(np.abs(w).max(initial=0))
    slices = "".join(grid_html(np.round(w[:, :, c], 2), f"pf-{name}", title=name, vmax=vmax)
                     for c, name in enumerate(names))
    volume = "".join(_img(m, "pick" if f == pick else "") for f, m in enumerate(maps))
    return (f"<style>{asset('grid.css')}{style('images_present.css')}</style>"
            f'<div class="img-present" style="--n:{k * C};--rows:{k};--f:{len(maps)}">'
            f'<div class="chain">{chain}</div>'
            f'<div class="stage">{_img(picture)}<div class="op">∗</div>'
            f'<div class="filter"><div class="fname">{_html.escape(filter_title)}</div>'
            f'<div class="cnnviz-grids"><div class="row">{slices}</div></div>'
            f'<div class="bias">+ bias {_html.escape(bias)}</div></div>'
            f'<div class="op">=</div>{_img(amap)}</div>'
            f'<div class="sum">{sentence}</div><div class="volume">{volume}</div></div>')
