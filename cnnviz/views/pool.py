"""Pooling for the step player and as HTML grids: each window written out, max beside average, a stack."""
from __future__ import annotations

import numpy as np

from cnnviz.kernel.pool import covered_cells, pool2d, pool_trace
from cnnviz.views.assets import style
from cnnviz.views.colour import symmetric_limit
from cnnviz.views.grid import grid_html, grid_rows_html
from cnnviz.kernel.notation import format_number, format_shape
from cnnviz.views.player import PlayerSpec, PlayerStep
from cnnviz.views.sums import signed_sum

__all__ = ["pool_step_html", "pool_player_spec", "max_avg_html", "stack_html", "MODE_NAMES"]

MODE_NAMES = {"max": "Max pooling", "avg": "Average pooling"}


def pool_step_html(values, mode: str = "max", winner: tuple[int, int] | None = None, out=(0, 0)) -> str:
    """One pooling window as a sentence: ``max(1, 1, 5, 6) = 6`` or ``(1 + 1 + 5 + 6) / 4 = 3.25``.

    ``values`` is the window ``(kh, kw)``; ``winner`` its kept cell (window coordinates, max only).

    Examples
    --------
    >>> html = pool_step_html([[1, 1], [5, 6]], "max", (1, 1))
    >>> "max(1, 1, 5, <b>6</b>)" in html and '= <b class="res">6</b>' in html
    True
    >>> '= <b class="res">3.25</b>' in pool_step_html([[1, 1], [5, 6]], "avg")
    True
    """
    v = np.asarray(values)
    flat = [format_number(a) for a in v.ravel()]
    head = f'<span class="mut">Output cell row {out[0] + 1}, column {out[1] + 1}:</span> '
    if mode == "max":
        k = v.shape[1] * winner[0] + winner[1] if winner is not None else int(np.argmax(v))
        terms = ", ".join(f"<b>{t}</b>" if i == k else t for i, t in enumerate(flat))
        best = v.ravel()[k]
        line = f'max({terms}) = <b class="res">{format_number(best)}</b>'
        ties = int(np.count_nonzero(v == best))
        note = (f'<span class="mut">{ties} cells share the maximum: the first in reading order is marked.</span>'
                if ties > 1 else "")
        return f"<div>{head}{line}</div><div>{note}</div>"
    total = v.sum()
    line = (f"({signed_sum(v.ravel())}) / {v.size}"
            + f" = {format_number(total)} / {v.size} = <b class=\"res\">{format_number(v.mean())}</b>")
    return f"<div>{head}{line}</div>"


def pool_player_spec(x, size=2, stride=None, mode: str = "max", *, initial_step: int | None = None,
                     speed: float = 2.0) -> PlayerSpec:
    """The step player's spec for pooling one activation map ``(H, W)``.

    Max pooling singles out the winning cell of each window; average pooling writes out the mean.
    Raises ``ValueError`` as ``pool2d`` does.

    Examples
    --------
    >>> spec = pool_player_spec([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])
    >>> spec.output.tolist(), [s.winner for s in spec.steps]
    ([[6, 8], [3, 4]], [(1, 1), (1, 3), (2, 0), (3, 3)])
    """
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError("The player follows one activation map at a time: give an (H, W) grid.")
    out = pool2d(x, size, stride, mode)  # (H_out, W_out)
    steps = []
    for s in pool_trace(x, size, stride, mode):
        local = None if s.winner is None else (s.winner[0] - s.rows[0], s.winner[1] - s.cols[0])
        steps.append(PlayerStep(rows=s.rows, cols=s.cols, out=(s.out_row, s.out_col),
                                value=out[s.out_row, s.out_col].item(), winner=s.winner,
                                explain=pool_step_html(s.values, mode, local, (s.out_row, s.out_col))))
    return PlayerSpec(input=x, output=out, steps=steps, titles=("Activation map", "", MODE_NAMES[mode]),
                      initial_step=initial_step, speed=speed, combine=mode,
                      winner_label="kept (the maximum)" if mode == "max" else "winner")


def max_avg_html(x, size=2, stride=None) -> str:
    """The activation map ``(H, W)`` beside its max-pooled and average-pooled outputs, as HTML grids.

    One colour scale for the three grids, centred at 0, so the outputs compare directly with the input;
    numbers written in every cell while the cells are big enough to read, else shown on hover. Row 0 is
    at the top; input cells no window reaches are hatched. Plain HTML and CSS (no script), cheap to send.

    Examples
    --------
    >>> html = max_avg_html([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])
    >>> import re; re.findall(r'data-grid="avg".*', html)[0].count('data-value="3.25"')
    1
    """
    x = np.asarray(x)
    mx, av = pool2d(x, size, stride, "max"), pool2d(x, size, stride, "avg")  # (H_out, W_out) each
    scale = symmetric_limit(x)  # one limit for the three grids
    dropped = ~covered_cells(x.shape, size, stride)  # (H, W)
    side = max(x.shape)
    cs = 52 if side <= 4 else 44 if side <= 8 else 30 if side <= 12 else 26 if side <= 16 else 12
    common = dict(vmax=scale, numbers=cs >= 26, hover=True)
    panels = [
        grid_html(x, "input", title=f"Input {format_shape(x.shape)}",
                  classes=lambda r, c: "unr" if dropped[r, c] else "", **common),
        grid_html(mx, "max", title=f"Max pooling {format_shape(mx.shape)}", **common),
        grid_html(av, "avg", title=f"Average pooling {format_shape(av.shape)}", **common),
    ]
    return grid_rows_html([panels], cell=cs)


def _stack_cell(side: int) -> int:
    """Cell size in CSS pixels for ``side x side`` maps: about 200 px a map, never below 5 px a cell."""
    return max(5, min(44, 200 // side))


def stack_html(picture, stack, pooled, names, pick: int = 0) -> str:
    """The picture, then each of its maps ``(H, W, C)`` above its pooled map ``(H_out, W_out, C)``, as HTML grids.

    Every map is labelled with the filter that made it and its shape, every pooled map with its shape;
    map ``pick`` (the one the player animates) is framed. Each map has its own colour scale, centred
    at 0, shared with its pooled map; the picture keeps its own grey. Cells are sized for the maps
    to read (about 200 px a map), numbers written in while they fit; the cards wrap on a narrow screen.

    Examples
    --------
    >>> s = np.arange(32).reshape(4, 4, 2)
    >>> html = stack_html(np.zeros((6, 6)), s, pool2d(s), ["a", "b"], pick=1)
    >>> "1. a · 4x4" in html and 'class="card pick"' in html and html.count('data-grid="pool1"') == 1
    True
    """
    picture, stack, pooled = np.asarray(picture), np.asarray(stack), np.asarray(pooled)
    H, W, C = stack.shape
    cs = _stack_cell(max(H, W))
    numbers = cs >= 26
    lo, hi = float(picture.min()), float(picture.max())
    grey = np.round((picture - lo) / ((hi - lo) or 1) * 255).astype(np.uint8)  # (Hp, Wp) dark to light
    pic = grid_html(picture, "pic", title=f"Picture {format_shape(picture.shape)}", hover=True, numbers=numbers,
                    colours=np.repeat(grey[:, :, None], 3, axis=2))
    cards = [f'<div class="card">{pic}<div class="ttl sub">grey levels {format_number(lo)} to '
             f'{format_number(hi)}</div></div>']
    for c in range(C):
        scale = symmetric_limit(stack[:, :, c])  # each map its own limit, shared with its pooled map
        top = grid_html(stack[:, :, c], f"map{c}", title=f"{c + 1}. {names[c]} · {format_shape(stack.shape[:2])}",
                        vmax=scale, numbers=numbers, hover=True)
        low = grid_html(pooled[:, :, c], f"pool{c}", title=f"pooled · {format_shape(pooled.shape[:2])}",
                        vmax=scale, numbers=numbers, hover=True)
        cards.append(f'<div class="card{" pick" if c == pick else ""}">{top}{low}</div>')
    return f"<style>{style('stack.css')}</style>" + grid_rows_html([cards], cell=cs)
