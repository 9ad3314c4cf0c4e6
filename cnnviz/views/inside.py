"""The views of the page "Inside the trained network": digits and maps as numbered grids with their colour bars,
the accuracy sweep as a curve.

A digit keeps its own grey scale (0 paper, white; 16 ink, black); a signed map (a saliency map, an activation
map, a change of probability) the one diverging scale, white at 0, with a colour bar whose ends and middle are
labelled; every cell has its number written in, so that colour is never the only channel. Cells can be marked
by more than colour too: an outline (``on``), hatching (``off``).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import plotly.graph_objects as go

from cnnviz.kernel.notation import format_number
from cnnviz.views.assets import asset, style
from cnnviz.views.colour import STOPS, css_colour, diverging_rgb, symmetric_limit
from cnnviz.views.grid import grid_html
from cnnviz.views.learn import INK_MAX, grey_colours

__all__ = ["ink_panel", "signed_panel", "colour_bar_html", "ink_bar_html", "SIZES", "sized", "board_html", "marks",
           "sweep_figure", "SWEEP_AXES"]


def marks(on: np.ndarray | None = None, off: np.ndarray | None = None) -> Callable[[int, int], str] | None:
    """Classes for ``grid_html``: ``on`` (a bool grid) outlines its cells, ``off`` hatches its cells."""
    if on is None and off is None:
        return None
    on_l = None if on is None else np.asarray(on, bool).tolist()
    off_l = None if off is None else np.asarray(off, bool).tolist()
    return lambda r, c: " ".join(n for n, grid in (("on", on_l), ("off", off_l)) if grid is not None and grid[r][c])


def ink_panel(image, prefix: str, *, title: str | None = None, decimals: int = 1,
              classes: Callable[[int, int], str] | None = None) -> str:
    """A digit ``(8, 8)`` in its grey scale, each cell's ink 0..16 written in with at most ``decimals`` decimals."""
    shown = np.round(np.asarray(image, dtype=np.float64), decimals)
    return grid_html(shown, prefix, title=title, colours=grey_colours(shown), classes=classes)


def signed_panel(values, prefix: str, *, title: str, decimals: int = 2, vmax: float | None = None,
                 classes: Callable[[int, int], str] | None = None, bar: str = "") -> str:
    """A signed map ``(H, W)`` on the diverging scale (limits ±``vmax``, default its largest value), numbers rounded
    to ``decimals``; with ``bar``, a colour bar under it naming what the colours count."""
    v = np.asarray(values, dtype=np.float64)
    top = symmetric_limit(v, vmax)
    panel = grid_html(np.round(v, decimals), prefix, title=title, colours=diverging_rgb(v, top), classes=classes)
    return f'<div class="ins-col">{panel}{colour_bar_html(top, bar, decimals=decimals)}</div>' if bar else panel


def colour_bar_html(vmax: float, label: str, *, decimals: int = 2) -> str:
    """The diverging scale from ``−vmax`` (blue) through 0 (white) to ``+vmax`` (red) as a strip, its ends and middle
    labelled with their values, and ``label`` saying what they count.

    Examples
    --------
    >>> bar = colour_bar_html(0.5, "∂y_c/∂x")
    >>> "−0.5" in bar and ">0<" in bar and "0.5" in bar
    True
    """
    top = symmetric_limit([], vmax)
    stops = ", ".join(f"{css_colour(rgb)} {(t + 1) * 50:g}%" for t, rgb in STOPS)
    ends = [format_number(round(-top, decimals)), "0", format_number(round(top, decimals))]
    return _bar(f"linear-gradient(to right, {stops})", ends, label,
                f"Colour scale: blue {ends[0]}, white 0, red {ends[2]}")


def ink_bar_html() -> str:
    """The digits' grey scale as a strip: 0 paper (white) to 16 ink (black)."""
    return _bar("linear-gradient(to right, #fff, #000)", ["0 paper", "8", f"{INK_MAX} ink"], "",
                "Grey scale: white 0 (paper) to black 16 (ink)")


def _bar(gradient: str, ends: Sequence[str], label: str, alt: str) -> str:
    ticks = "".join(f"<span>{t}</span>" for t in ends)
    what = f'<div class="what">{label}</div>' if label else ""
    return (f'<div class="ins-bar" role="img" aria-label="{alt}"><div class="strip" style="background:{gradient}">'
            f'</div><div class="ticks">{ticks}</div>{what}</div>')


# What a panel holds, which sizes its cells (inside.css; larger in the presenter view, present.css):
SIZES = ("digit", "ink", "map", "look", "bars")  # a digit's whole cells, ink with a decimal, a signed map, a filter
# beside its top windows, the probabilities


def sized(size: str, body: str) -> str:
    """``body`` (a panel) in a box of one of ``SIZES``, which sets its cells' size."""
    assert size in SIZES, f"a panel's size is one of {SIZES}, not {size!r}"
    return f'<div class="ins-{size}">{body}</div>'


def board_html(part: str, rows: Sequence[Sequence[str]], notes: Sequence[tuple[str, str]] = ()) -> str:
    """Panels (``sized``) in rows with ``notes`` (``(kind, html)``), as one fragment with the grid and page
    stylesheets: the ``"lead"`` lines above the panels, then the ``"more"``, ``"formula"`` and ``"note"`` lines (a
    note is not projected). ``part`` names the page's part (``ins-<part>``: its presenter view's layout)."""
    body = "".join('<div class="row">' + "".join(panels) + "</div>" for panels in rows)
    kinds = ("lead", "more", "formula", "note")
    assert all(kind in kinds for kind, _ in notes), f"a line is one of {kinds}: {[k for k, _ in notes]}"
    lead = "".join(f'<p class="ins-lead">{text}</p>' for kind, text in notes if kind == "lead")
    lines = "".join(f'<p class="ins-{kind}">{text}</p>' for kind, text in notes if kind != "lead")
    return (f"<style>{asset('grid.css')}{style('inside.css')}</style>"
            f'<div class="ins-{part}">{lead}<div class="cnnviz-grids ins-board">{body}</div>{lines}</div>')


# How each sweep's amount is written on its axis: (title, a number's suffix on the axis).
SWEEP_AXES = {
    "shift_x": ("shift to the right (cells)", ""),
    "shift_y": ("shift down (cells)", ""),
    "rotate": ("rotation (degrees, counter-clockwise)", "°"),
    "scale": ("scale (times the digit's size, %)", "%"),
    "stroke": ("stroke (−100 % one step thinner, 100 % one step thicker)", "%"),
    "brightness": ("brightness (% of the ink)", "%"),
    "noise": ("noise (standard deviation, levels of ink)", ""),
    "clutter": ("clutter (% of the cells inked)", "%"),
}
_PERCENT_AMOUNTS = ("scale", "stroke", "brightness", "clutter")  # factors and shares, drawn as percentages


def sweep_figure(challenge: str, amounts, accuracies, *, font_size: int = 15, height: int = 320) -> go.Figure:
    """Test accuracy (%) against the amount of one challenge, a line with markers on fixed axes (0 to 100 %)."""
    a = np.asarray(amounts, dtype=np.float64) * (100 if challenge in _PERCENT_AMOUNTS else 1)
    acc = np.asarray(accuracies, dtype=np.float64) * 100
    title, suffix = SWEEP_AXES[challenge]
    fig = go.Figure(go.Scatter(
        x=a, y=acc, mode="lines+markers", line={"color": "#2166ac", "width": 3}, marker={"size": 9},
        text=[f"{format_number(round(float(v), 1))} %" for v in acc], textposition="top center",
        hovertemplate=f"%{{x}}{suffix}: %{{y:.1f}} % of the test digits read right<extra></extra>"))
    grow = font_size / 15
    fig.update_layout(
        height=height, font={"size": font_size}, plot_bgcolor="white", showlegend=False,
        margin={"l": round(70 * grow), "r": 20, "t": 20, "b": round(60 * grow)},
        xaxis={"title": title, "fixedrange": True, "gridcolor": "#ddd", "zeroline": False,
               "tickvals": a.tolist(), "ticktext": [format_number(round(float(v), 1)) + suffix for v in a]},
        yaxis={"title": "test accuracy (%)", "range": [0, 102], "fixedrange": True, "gridcolor": "#ddd",
               "ticksuffix": " %"},
    )
    return fig
