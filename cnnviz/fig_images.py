"""Pictures of images, channels and activation maps, sent to the browser as small encoded PNGs.

A 510x510 activation map as a Plotly heatmap is a quarter of a million numbers in JSON; as a
coloured PNG it is a few kilobytes, so maps travel as PNG and only the zoomed-in arithmetic (a few
dozen numbers, written in the cells) is a Plotly figure.
"""
from __future__ import annotations

import io

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from PIL import Image

__all__ = [
    "NEGATIVE", "ZERO", "POSITIVE", "MARK",
    "diverging_rgb", "gray_rgb", "enlarge", "shrink", "draw_box", "to_png", "colour_bar", "zoom_figure",
]

# A diverging scale centred at 0 (ColorBrewer RdBu ends): blue below 0, near white at 0, red above.
NEGATIVE = np.array([33, 102, 172], dtype=np.float32)
ZERO = np.array([247, 247, 247], dtype=np.float32)
POSITIVE = np.array([178, 24, 43], dtype=np.float32)
MARK = (255, 190, 0)  # the zoom window outline: amber, visible on grey, blue, white and red
_RDBU = [[0.0, "rgb(33,102,172)"], [0.5, "rgb(247,247,247)"], [1.0, "rgb(178,24,43)"]]


def diverging_rgb(a: np.ndarray, vmax: float | None = None) -> np.ndarray:
    """Colour a signed map ``(H, W)`` -> ``(H, W, 3)`` uint8; 0 is white, ``±vmax`` full red/blue.

    Examples
    --------
    >>> diverging_rgb(np.array([[-2.0, 0.0, 2.0]]))[0].tolist()
    [[33, 102, 172], [247, 247, 247], [178, 24, 43]]
    """
    a = np.asarray(a, dtype=np.float32)
    if vmax is None:
        vmax = float(np.abs(a).max(initial=0.0))
    t = np.clip(a / vmax, -1.0, 1.0) if vmax > 0 else np.zeros_like(a)  # (H, W) in [-1, 1]
    end = np.where((t < 0)[..., None], NEGATIVE, POSITIVE)  # (H, W, 3)
    rgb = ZERO + np.abs(t)[..., None] * (end - ZERO)
    return np.round(rgb).astype(np.uint8)


def gray_rgb(channel: np.ndarray) -> np.ndarray:
    """One channel ``(H, W)`` of 0-255 values -> a grey picture ``(H, W, 3)`` uint8."""
    g = np.clip(np.asarray(channel), 0, 255).astype(np.uint8)
    return np.repeat(g[:, :, None], 3, axis=2)


def shrink(rgb: np.ndarray, max_side: int) -> np.ndarray:
    """Shrink an ``(H, W, 3)`` picture for display (area average); small ones are kept."""
    H, W = rgb.shape[:2]
    if max(H, W) <= max_side:
        return rgb
    s = max_side / max(H, W)
    return np.asarray(Image.fromarray(rgb).resize((max(1, round(W * s)), max(1, round(H * s))), Image.Resampling.BOX))


def enlarge(rgb: np.ndarray, min_side: int = 256) -> np.ndarray:
    """Blow up a small picture by a whole factor, each pixel a crisp square (a 32x32 input stays readable)."""
    H, W = rgb.shape[:2]
    f = max(1, min_side // max(H, W))
    return rgb if f == 1 else np.repeat(np.repeat(rgb, f, axis=0), f, axis=1)


def draw_box(rgb: np.ndarray, top: int, left: int, height: int, width: int, colour=MARK) -> np.ndarray:
    """A copy of ``rgb`` with the outline of a window drawn just outside its cells."""
    out = rgb.copy()
    H, W = out.shape[:2]
    t = max(1, max(H, W) // 128)  # line thickness grows with the picture
    r0, r1 = max(0, top - t), min(H, top + height + t)
    c0, c1 = max(0, left - t), min(W, left + width + t)
    out[r0:r1, c0:min(W, left)] = colour
    out[r0:r1, max(0, left + width):c1] = colour
    out[r0:min(H, top), c0:c1] = colour
    out[max(0, top + height):r1, c0:c1] = colour
    return out


def to_png(rgb: np.ndarray) -> bytes:
    """Encode an ``(H, W, 3)`` uint8 picture as PNG bytes (fast compression: maps change on every edit)."""
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def colour_bar(vmax: float, width: int = 256, height: int = 14) -> np.ndarray:
    """The diverging scale from ``-vmax`` to ``+vmax`` as a strip, for a legend under the maps."""
    ramp = np.linspace(-vmax, vmax, width)[None, :].repeat(height, axis=0)
    return diverging_rgb(ramp, vmax)


def _fmt(v: float) -> str:
    v = round(float(v), 6)  # 225 * (1/3) prints as 75, not 74.99999999
    if v.is_integer():
        return f"{int(v)}"
    return f"{v:.2f}" if abs(v) < 10_000 else f"{v:.0f}"


def zoom_figure(values: np.ndarray, weights: np.ndarray, names: list[str]) -> go.Figure:
    """The arithmetic at one location: for each channel, the window of pixels, the filter and the products.

    Parameters
    ----------
    values : ndarray, shape (kh, kw, C)
        Pixel values (0-255) under the window.
    weights : ndarray, shape (kh, kw, C)
    names : list of str, length C
        Channel names ("R", "G", "B" or "gray").

    Returns
    -------
    go.Figure
        C rows by 3 columns of small heatmaps with every number written in its cell; row 0 at the top.
    """
    kh, kw, C = values.shape
    products = values * weights
    titles = []
    for c in range(C):
        titles += [f"{names[c]}: pixels", f"{names[c]}: filter", f"{names[c]}: products, sum {_fmt(products[..., c].sum())}"]
    fig = make_subplots(rows=C, cols=3, subplot_titles=titles, horizontal_spacing=0.06, vertical_spacing=0.12 / C)
    wmax = float(np.abs(weights).max(initial=0)) or 1.0
    pmax = float(np.abs(products).max(initial=0)) or 1.0
    font = dict(size=16 if max(kh, kw) <= 3 else 12 if max(kh, kw) <= 5 else 10)
    for c in range(C):
        for col, (grid, scale, lo, hi) in enumerate([
            (values[..., c], "Greys_r", 0, 255),
            (weights[..., c], _RDBU, -wmax, wmax),
            (products[..., c], _RDBU, -pmax, pmax),
        ], start=1):
            text = [[_fmt(v) for v in row] for row in np.asarray(grid, dtype=float)]
            # Text colour flips on dark cells so the number stays readable.
            fig.add_trace(go.Heatmap(
                z=grid, zmin=lo, zmax=hi, colorscale=scale, showscale=False, text=text,
                texttemplate="%{text}", textfont=font, xgap=2, ygap=2, hoverinfo="skip",
            ), row=c + 1, col=col)
            if col == 1:  # dark pixels need light text
                fig.data[-1].update(textfont=dict(font, color="black"), colorscale=[[0, "rgb(90,90,90)"], [1, "white"]])
    fig.update_yaxes(autorange="reversed", showticklabels=False, scaleanchor=None)
    fig.update_xaxes(showticklabels=False)
    fig.update_layout(height=150 + 170 * C, margin=dict(l=10, r=10, t=40, b=10),
                      plot_bgcolor="white", paper_bgcolor="white", font=dict(size=14))
    return fig
