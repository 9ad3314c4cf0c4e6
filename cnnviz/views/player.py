"""A sliding-window step player: one self-contained HTML string (inline CSS and vanilla JS).

Its stylesheet and script are ``player.css`` and ``player.js`` beside this module, read once per
process and inlined into every document, so that nothing is fetched.

The browser plays every step itself: the page sends the grids and the steps once (a few KB) and
the player steps at up to 30 steps a second with ``requestAnimationFrame``; nothing goes back to
the server while it plays. It serves any operation where a window slides over an input grid and
writes one output cell per step: convolution (a filter), pooling (no filter, a winning cell).

What it shows
-------------
- The input grid, padding cells hatched and labelled, cells that no window reaches (a stride that
  does not divide evenly) cross-hatched; an optional filter grid; the output grid, whose cells not
  yet computed are blank.
- At each step: the covered input cells outlined (each with its filter weight as a subscript when
  there is a filter), the output cell being written, an optional "winner" cell, and the step's
  explanation (HTML) below the grids.
- Controls: reset, step back, play/pause, step forward, a slider to jump to any step, a speed
  slider (0.5 to 30 steps a second). Keys: space plays/pauses, arrows step, Home/End jump.
  Hovering an output cell shows the window that produced it; clicking jumps there.
- Every cell shows its number; colours follow the shared diverging scale, white at 0 (each grid its
  own limits, ``colour.diverging_rgb``); the controls follow the app's light or dark theme, and the
  cells shrink to fit a phone.
- When paused or stepped it writes ``step=N`` into the parent page's URL (``replaceState``), so a
  copied link reopens the same step: pass that number back as ``PlayerSpec.initial_step``.

Step numbers: step ``s`` (0 to ``len(steps)``) means the first ``s`` steps are done; the window of
step ``s`` (``steps[s - 1]``) is shown. Step 0 is the empty output, the last step the full output.

DOM hooks (for tests)
---------------------
``#player[data-step][data-steps][data-playing]``; output cells ``.cell.out`` with ``id="out-R-C"``,
``data-value`` (the final value, exactly: ``numbers.exact_number``) and ``data-shown`` ("1" once
computed); input cells ``id="in-R-C"``
(padded coordinates) with class ``win`` while covered; controls ``#btn-reset``, ``#btn-back``,
``#btn-play``, ``#btn-fwd``, ``#slider``, ``#speed``; ``#explain`` holds the explanation.

Examples
--------
>>> import numpy as np
>>> spec = PlayerSpec(input=np.array([[1, 2], [3, 4]]), output=np.array([[10]]),
...                   steps=[PlayerStep(rows=(0, 1), cols=(0, 1), out=(0, 0), value=10, explain="1+2+3+4")])
>>> html = player_html(spec)
>>> html.startswith("<!DOCTYPE html>") and 'id="out-0-0"' in html
True
"""
from __future__ import annotations

import html as _html
import json
import re
from dataclasses import dataclass
from collections.abc import Sequence

import numpy as np

from .assets import asset
from .grid import grid_html
from .numbers import format_number

__all__ = ["PlayerStep", "PlayerSpec", "player_html", "player_template", "with_step", "player_height",
           "unreached_cells", "SPEEDS"]

SPEEDS = (0.5, 1, 2, 3, 5, 10, 20, 30)  # steps a second offered by the speed slider


@dataclass(frozen=True)
class PlayerStep:
    """One position of the window and the output cell it writes."""

    rows: tuple[int, ...]  # covered rows of the input grid as shown (padded coordinates)
    cols: tuple[int, ...]  # covered columns; the window is every (row, col) pair of the two
    out: tuple[int, int]  # the output cell written at this step
    value: float | int  # the value written there
    explain: str = ""  # HTML shown under the grids at this step (trusted: built by the app, not typed)
    winner: tuple[int, int] | None = None  # an input cell to single out (max pooling's winner)


@dataclass(frozen=True)
class PlayerSpec:
    """Everything the player shows. Grids are 2-D arrays, row 0 at the top (3-D with a channel axis first)."""

    input: np.ndarray  # (Hp, Wp) the grid the window slides over, padding included
    output: np.ndarray  # (H_out, W_out) the final output
    steps: Sequence[PlayerStep]  # in play order
    filter: np.ndarray | None = None  # (kh, kw): covered cell (rows[i], cols[j]) shows weight filter[i, j]
    padding: tuple[int, int] = (0, 0)  # zero rows / columns added on each side of the input
    titles: tuple[str, str, str] = ("Input", "Filter", "Activation map")  # input, filter, output
    operator: str = "∗"  # written between the input and the filter
    initial_step: int | None = None  # None: start on the last step (the full output)
    speed: float = 2.0  # steps a second when playing
    url_param: str | None = "step"  # query parameter written into the parent page; None: never
    theme: str = "auto"  # "light", "dark", or "auto" (read the app's background)
    winner_label: str = "winner"  # legend text for the winner cell, when any step has one
    max_cell: int = 60  # largest cell size in CSS pixels (a projector)
    # Several channels: ``input`` is (C, Hp, Wp) and ``filter`` (C, kh, kw), one grid per channel.
    channel_names: tuple[str, ...] = ()  # one name per channel ("R", "G", "B"); () for a 2-D input
    bank: tuple[np.ndarray, ...] = ()  # a filter bank: every filter's full map (H_out, W_out), this one included
    bank_index: int = 0  # which of ``bank`` this spec steps through
    volume_caption: str = ""  # the volumes as the lecture writes them: "32x32x3 → 28x28x6"

    def __post_init__(self):
        x = np.asarray(self.input)
        f = None if self.filter is None else np.asarray(self.filter)
        if x.ndim == 3:
            C = x.shape[0]
            if f is not None and (f.ndim != 3 or f.shape[0] != C):
                raise ValueError(f"The input has {C} channel(s) but the filter does not: "
                                 "a filter always extends the full depth of the input.")
            if self.channel_names and len(self.channel_names) != C:
                raise ValueError(f"The input has {C} channel(s): give one name for each.")
        elif f is not None and f.ndim == 3:
            raise ValueError("The filter has channels but the input does not: give the input as (C, rows, columns).")
        if self.bank and not 0 <= self.bank_index < len(self.bank):
            raise ValueError(f"There are {len(self.bank)} filters in the bank: pick one of 1 to {len(self.bank)}.")


def unreached_cells(shape: tuple[int, int], padding: tuple[int, int], steps: Sequence[PlayerStep]) -> np.ndarray:
    """Boolean mask ``(Hp, Wp)``: cells of the real input (not padding) that no window covers.

    Examples
    --------
    >>> s = [PlayerStep((0, 1), (0, 1), (0, 0), 0)]
    >>> unreached_cells((3, 3), (0, 0), s).astype(int).tolist()
    [[0, 0, 1], [0, 0, 1], [1, 1, 1]]
    """
    Hp, Wp = shape
    ph, pw = padding
    covered = np.zeros((Hp, Wp), dtype=bool)
    for s in steps:
        covered[np.ix_(s.rows, s.cols)] = True
    real = np.zeros((Hp, Wp), dtype=bool)
    real[ph:Hp - ph, pw:Wp - pw] = True
    return real & ~covered


_STEP = "__INITIAL_STEP__"  # where ``with_step`` writes the step the player opens on


def player_html(spec: PlayerSpec) -> str:
    """Build the player for ``spec`` as one HTML document (no external scripts, fonts or images)."""
    return with_step(player_template(spec), spec.initial_step)


def with_step(template: str, step: int | None) -> str:
    """Fill in the step a ``player_template`` opens on (``None``: the last step, the full output).

    Cheap (a string replace), so a page can cache the template and set each student's step per rerun.
    """
    n = int(re.search(r'data-steps="(\d+)"', template).group(1))
    try:
        k = n if step is None else max(0, min(n, int(step)))
    except (TypeError, ValueError):
        k = n
    return template.replace(f'"initial":"{_STEP}"', f'"initial":{k}').replace(_STEP, str(k))


def player_template(spec: PlayerSpec) -> str:
    """``player_html`` without the step it opens on (which ``with_step`` fills in)."""
    x = np.asarray(spec.input)
    y = np.asarray(spec.output)
    if x.ndim != 2 or y.ndim != 2:
        raise ValueError("The player shows 2-D grids: give the input and the output as (rows, columns).")
    Hp, Wp = x.shape
    H_out, W_out = y.shape
    for s in spec.steps:
        if not (all(0 <= r < Hp for r in s.rows) and all(0 <= c < Wp for c in s.cols)):
            raise ValueError("A step covers cells outside the input grid.")
        if not (0 <= s.out[0] < H_out and 0 <= s.out[1] < W_out):
            raise ValueError("A step writes a cell outside the output grid.")
    ph, pw = spec.padding
    unreached = unreached_cells((Hp, Wp), (ph, pw), spec.steps)
    n = len(spec.steps)
    k_of = {tuple(s.out): k for k, s in enumerate(spec.steps)}

    def in_classes(r, c):
        pad = r < ph or r >= Hp - ph or c < pw or c >= Wp - pw
        return (" pad" if pad else "") + (" unr" if unreached[r, c] else "")

    def out_attrs(r, c):
        k = k_of.get((r, c), -1)
        return f' data-k="{k}" data-shown="1"'

    has_winner = any(s.winner is not None for s in spec.steps)
    fgrid = None if spec.filter is None else np.asarray(spec.filter)
    weights = None if fgrid is None else [[format_number(v) for v in row] for row in fgrid]
    data = {
        "n": n,
        "initial": _STEP,
        "speed": float(spec.speed),
        "speeds": list(SPEEDS),
        "param": spec.url_param,
        "theme": spec.theme,
        "dims": [Hp, Wp, 0 if fgrid is None else fgrid.shape[0], 0 if fgrid is None else fgrid.shape[1], H_out, W_out],
        # per step: covered rows, covered cols, output row, output col, winner row, winner col
        "steps": [[list(map(int, s.rows)), list(map(int, s.cols)), int(s.out[0]), int(s.out[1]),
                   -1 if s.winner is None else int(s.winner[0]), -1 if s.winner is None else int(s.winner[1])]
                  for s in spec.steps],
        "explain": [s.explain for s in spec.steps],
        "weights": weights,
        "max_cell": int(spec.max_cell),
    }
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    t_in, t_f, t_out = spec.titles
    legend = []
    if ph or pw:
        legend.append('<span><i class="sw pad"></i>padding (zeros)</span>')
    if unreached.any():
        legend.append('<span><i class="sw unr"></i>no window reaches these cells</span>')
    legend.append('<span><i class="sw win"></i>window</span>')
    if has_winner:
        legend.append(f'<span><i class="sw best"></i>{_html.escape(spec.winner_label)}</span>')
    filt = "" if fgrid is None else (f'<div class="op">{_html.escape(spec.operator)}</div>'
                                     + grid_html(fgrid, "flt", title=t_f))
    bar = (
        '<div class="bar">'
        '<button id="btn-reset" title="Back to the start (Home)" aria-label="reset">Reset</button>'
        '<button id="btn-back" title="Step back (←)" aria-label="step back">◀ Back</button>'
        '<button id="btn-play" title="Play / pause (space)" aria-label="play">▶ Play</button>'
        '<button id="btn-fwd" title="Step forward (→)" aria-label="step forward">Next ▶</button>'
        f'<input id="slider" type="range" min="0" max="{n}" step="1" value="{_STEP}" aria-label="jump to step">'
        '<span id="counter"></span>'
        f'<label class="spd">speed <input id="speed" type="range" min="0" max="{len(SPEEDS) - 1}" step="1"'
        ' aria-label="speed"> <span id="speed-label"></span></label>'
        '</div>'
    )
    panels = (grid_html(x, "in", title=t_in, classes=in_classes) + filt + '<div class="op">=</div>'
              + grid_html(y, "out", title=t_out, attrs=out_attrs))
    body = (
        f'<div id="player" data-step="{_STEP}" data-steps="{n}" data-playing="0" tabindex="0">'
        f'{bar}<div class="panels">{panels}</div>'
        f'<div class="legend">{"".join(legend)}</div>'
        '<div id="explain" aria-live="polite"></div>'
        '</div>'
    )
    return ('<!DOCTYPE html><html><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<style>{asset("grid.css")}{asset("player.css")}</style></head>'
            f'<body class="cnnviz-grids">{body}<script>const D={payload};{asset("player.js")}</script></body></html>')


def player_height(spec: PlayerSpec, width: int = 1100) -> int:
    """A height in CSS pixels that shows the whole player at ``width`` (it scrolls when narrower)."""
    Hp, Wp = np.asarray(spec.input).shape
    H_out, W_out = np.asarray(spec.output).shape
    kh, kw = (0, 0) if spec.filter is None else np.asarray(spec.filter).shape
    cols = Wp + kw + W_out
    cs = min(spec.max_cell, (width - 150) // max(cols, 1), 520 // max(Hp, 1))
    cs = max(cs, 14)
    longest = max((len(s.explain) for s in spec.steps), default=0)
    explain = 110 + 26 * min(6, longest // 1200)
    return int(60 + 30 + max(Hp, kh, H_out) * (cs + 2) + 40 + explain)
