"""The sliding-window step player: the data it is drawn from, built once per grids and settings.

The player is one Streamlit component (``cnnviz.ui.widgets.show_player``) drawn by ``player.js`` and
``player.css`` beside this module from ``player_data(spec)``: the grids as HTML (``grid.grid_html``) and
the steps of a window sliding over an input grid, one output cell a step (convolution, pooling). The
browser plays every step itself. Step ``s`` means the first ``s`` steps are done: 0 is the empty output,
``len(steps)`` the full one.

Every cell of the input, the filter and the map writes its number, whatever its size: the browser decides
from the space it has. Cells too small to read bring a lens beside the grids (the window, the filter and
the output cell, magnified, with the written sum), the grids drawn small, as pictures (a canvas ``P-pic``
for the grid ``P-grid``: each cell a block of its colour, marks every few rows and columns, the window
outlined) where their digits would be unreadable. A phone always gets the lens, above the grids.

DOM hooks for tests: ``#player[data-step][data-steps][data-playing]``; cells ``in-R-C`` (``in-R-C-K`` for
channel K, class ``win`` while covered), ``flt-R-C``, ``out-R-C`` (``data-value``, ``data-shown``);
``#btn-reset``, ``#btn-back``, ``#btn-play``, ``#btn-fwd``, ``#slider``, ``#speed``, ``#explain``; the
stage's ``data-layout`` (``lens`` with the lens shown), the host's class ``pic`` (grids drawn as pictures),
``.frame`` (the window's or the output cell's outline on a picture), ``.lens`` (its cells ``.lz``,
``data-of`` naming the cell they magnify) and ``.lout`` (the output cell, magnified); a grouped spec's channels
``.chan[data-group]`` (``data-away`` on those the filter does not see).

>>> import numpy as np
>>> spec = PlayerSpec(input=np.array([[1, 2], [3, 4]]), output=np.array([[10]]),
...                   steps=[PlayerStep(rows=(0, 1), cols=(0, 1), out=(0, 0), value=10, explain="1+2+3+4")])
>>> data = player_data(spec)
>>> data["n"], 'id="out-0-0"' in data["html"]
(1, True)
"""
from __future__ import annotations

import functools
import html as _html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cnnviz.kernel.grids import MAX_ABS_VALUE
from cnnviz.views.assets import script, style
from cnnviz.views.colour import cell_style, diverging_rgb, symmetric_limit
from cnnviz.views.grid import TEXT_EM, grid_html
from cnnviz.kernel.notation import EXACT_BELOW, MINUS, format_bracketed, format_number, format_shape

__all__ = ["PlayerStep", "PlayerSpec", "player_data", "player_html", "unreached_cells", "SPEEDS", "COMPONENT_HTML",
           "component_css", "component_js"]

SPEEDS = (0.5, 1, 2, 3, 5, 10, 20, 30)  # steps a second offered by the speed slider
BANK_NUMBERS_MAX = 8  # the output volume's maps write their numbers up to this side
# A grouped convolution's groups, each framed in its colour (Okabe and Ito's palette, told apart with a colour
# vision deficiency; none is the window's orange) and always named as well.
GROUP_COLOURS = ("#0072B2", "#009E73", "#CC79A7", "#56B4E9")
COMPONENT_HTML = '<div class="cnnviz-grids cnnviz-host"></div>'  # what the component mounts; player.js fills it


@dataclass(frozen=True)
class PlayerStep:
    """One position of the window and the output cell it writes."""

    rows: tuple[int, ...]  # covered rows of the input grid as shown (padded coordinates)
    cols: tuple[int, ...]  # covered columns; the window is every (row, col) pair of the two
    out: tuple[int, int]  # the output cell written at this step
    value: float | int  # the value written there
    explain: str = ""  # HTML shown under the grids at this step (trusted: built by the app, not typed)
    winner: tuple[int, int] | None = None  # an input cell to single out (max pooling's winner)
    partials: tuple[float | int, ...] = ()  # a multi-channel step: each channel's partial sum (no bias)
    # A stamp (``PlayerSpec.mode`` "stamp"): each output cell it adds to, with the filter tap whose weight it adds
    # there, ``(row, col, i, j)``; and what each of those cells holds once it is added.
    writes: tuple[tuple[int, int, int, int], ...] = ()
    totals: tuple[float | int, ...] = ()


@dataclass(frozen=True)
class PlayerSpec:
    """Everything the player shows. Grids are row 0 at the top; a multi-channel spec has channels first."""

    input: np.ndarray  # (Hp, Wp), or (C, Hp, Wp): the grid the window slides over, padding included
    output: np.ndarray  # (H_out, W_out) the final output
    steps: Sequence[PlayerStep]  # in play order; each step's rows and cols apply to every channel
    filter: np.ndarray | None = None  # (kh, kw) or (C, kh, kw): covered cell (rows[i], cols[j]) shows filter[.., i, j]
    padding: tuple[int, int] = (0, 0)  # zero rows / columns added on each side of the input
    titles: tuple[str, str, str] = ("Input", "Filter", "Activation map")  # input, filter, output
    operator: str = "∗"  # written between the input and the filter
    initial_step: int | None = None  # None: start on the last step (the full output)
    speed: float = 2.0  # steps a second when playing, until the student picks another speed
    url_param: str | None = "step"  # query parameter written into the page's link; None: never
    theme: str = "auto"  # "light", "dark", or "auto" (read the app's background)
    winner_label: str = "winner"  # legend text for the winner cell, when any step has one
    window_label: str = "window"  # legend text for the cells a step covers
    max_cell: int = 60  # largest cell size in CSS pixels outside the presenter view
    editable: tuple[str, ...] = ()  # grids a student may type into: "in" (not its padding), "flt"
    channel_names: tuple[str, ...] = ()  # one name per channel of a (C, Hp, Wp) input, e.g. ("R", "G", "B")
    bank: tuple[np.ndarray, ...] = ()  # every filter's full map (H_out, W_out), shown small as the output volume
    bank_index: int = 0  # which map of ``bank`` the output grid is
    volume_caption: str = ""  # the volumes' shapes, e.g. "32x32x3 → 28x28x6"
    bias: float | int | None = None  # added to each window's sum (a multi-channel spec writes it after the channels')
    # Grouped convolution: the channels split in order into ``groups`` groups, each framed in its colour and named
    # in its channels' titles, and the filter sees the ``group``-th only: one slice per channel of that group
    # (``filter`` is (C // groups, kh, kw)); the window, the slices and the partial sums stand on those channels.
    groups: int = 1
    group: int = 0
    # How a step's value is made from its window, for the browser to write the map of a typed cell at once:
    # "sum" (each covered cell times its filter weight, every channel, plus ``bias``; then ReLU if ``relu``),
    # "max" or "avg" (the covered cells' largest value or mean); "" (the default): it waits for the page.
    combine: str = ""
    relu: bool = False  # "sum": negative sums written as 0
    # "slide": a window slides over the input, each step writing one output cell (convolution, pooling). "stamp":
    # each step is one input cell (``rows`` and ``cols`` one each) adding the filter, times its value, onto the
    # output cells of its ``writes`` (a transposed convolution); the output shows what they hold so far.
    mode: str = "slide"
    crop: tuple[int, int, int, int] = (0, 0, 0, 0)  # "stamp": output rows cropped at the top and bottom, columns
    # at the left and right (a transposed convolution's padding): drawn hatched
    notes: str = ""  # HTML under the player (trusted); an element with ``data-at="k …"`` is lit (class ``at``) while
    # the player shows steps[k]

    def __post_init__(self):
        x = np.asarray(self.input)
        f = None if self.filter is None else np.asarray(self.filter)
        if x.ndim == 3:
            C = x.shape[0]
            if self.groups < 1 or C % self.groups:
                raise ValueError(f"The input's {C} channel(s) do not split into {self.groups} groups of one size.")
            if not 0 <= self.group < self.groups:
                raise ValueError(f"There are {self.groups} groups: the filter's is one of 1 to {self.groups}.")
            if f is not None and (f.ndim != 3 or f.shape[0] != C // self.groups):
                raise ValueError(f"The input has {C} channel(s) but the filter does not: "
                                 "a filter always extends the full depth of the input."
                                 if self.groups == 1 else
                                 f"The filter sees the {C // self.groups} channel(s) of its group: give one slice "
                                 "for each.")
            if self.channel_names and len(self.channel_names) != C:
                raise ValueError(f"The input has {C} channel(s): give one name for each.")
            if self.bank and len(self.bank) % self.groups:
                raise ValueError(f"The {len(self.bank)} filters of the bank do not split into {self.groups} groups.")
        elif f is not None and f.ndim == 3:
            raise ValueError("The filter has channels but the input does not: give the input as (C, rows, columns).")
        elif self.groups != 1:
            raise ValueError("Groups split an input's channels: give the input as (C, rows, columns).")
        if self.combine not in ("", "sum", "max", "avg"):
            raise ValueError(f"combine is one of 'sum', 'max', 'avg' or '', not {self.combine!r}.")
        if self.bank and not 0 <= self.bank_index < len(self.bank):
            raise ValueError(f"There are {len(self.bank)} filters in the bank: pick one of 1 to {len(self.bank)}.")
        if self.mode not in ("slide", "stamp"):
            raise ValueError(f"mode is 'slide' or 'stamp', not {self.mode!r}.")
        if self.mode == "stamp" and (x.ndim != 2 or f is None or self.editable):
            raise ValueError("A stamp player shows one 2-D input and its filter, and nothing is typed into it.")


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


def _channels(grid: np.ndarray | None, C: int, what: str) -> list[np.ndarray]:
    """``grid`` as a list of 2-D channels: ``[grid]`` for a 2-D grid, else one per channel."""
    if grid is None:
        return []
    if C == 0:
        if grid.ndim != 2:
            raise ValueError(f"The player shows a 2-D {what} here: give it as (rows, columns).")
        return [grid]
    if grid.ndim != 3 or grid.shape[0] != C:
        raise ValueError(f"The {what} needs one grid per channel: {C} of them, as (channels, rows, columns).")
    return list(grid)


def player_data(spec: PlayerSpec) -> dict:
    """What the player component draws for ``spec``: a JSON-able dict (grids as HTML, the steps).

    Build it once per grids and settings (it does not depend on the step a student is on): the
    page adds the step to open on, the component key and the presenter switch when it mounts it.
    Raises ``ValueError`` when a step leaves the grids.
    """
    x = np.asarray(spec.input)
    y = np.asarray(spec.output)
    C = len(spec.channel_names)
    if C == 0 and x.ndim == 3:
        raise ValueError("A multi-channel input needs a name per channel (channel_names).")
    xs = _channels(x, C, "input")
    Cg = C // spec.groups  # the channels of a group: the filter's slices
    sees = range(spec.group * Cg, (spec.group + 1) * Cg)  # the channels the filter sees
    fgrid = None if spec.filter is None else np.asarray(spec.filter)
    fs = _channels(fgrid, Cg, "filter")
    if y.ndim != 2:
        raise ValueError("The player shows a 2-D output: give it as (rows, columns).")
    Hp, Wp = xs[0].shape
    H_out, W_out = y.shape
    kh, kw = fs[0].shape if fs else (0, 0)
    stamp = spec.mode == "stamp"
    for s in spec.steps:
        if not (all(0 <= r < Hp for r in s.rows) and all(0 <= c < Wp for c in s.cols)):
            raise ValueError("A step covers cells outside the input grid.")
        if not (0 <= s.out[0] < H_out and 0 <= s.out[1] < W_out):
            raise ValueError("A step writes a cell outside the output grid.")
        if stamp and not (len(s.rows) == len(s.cols) == 1 and len(s.writes) == len(s.totals) and all(
                0 <= r < H_out and 0 <= c < W_out and 0 <= i < kh and 0 <= j < kw for r, c, i, j in s.writes)):
            raise ValueError("A stamp is one input cell adding each weight of the filter onto a cell of the output "
                             "grid, with what that cell then holds.")
    ph, pw = spec.padding
    unreached = unreached_cells((Hp, Wp), (ph, pw), spec.steps)
    n = len(spec.steps)
    k_of = {tuple(s.out): k for k, s in enumerate(spec.steps)}

    def in_classes(r, c):
        pad = r < ph or r >= Hp - ph or c < pw or c >= Wp - pw
        edit = "in" in spec.editable and not pad
        return (" pad" if pad else "") + (" unr" if unreached[r, c] else "") + (" edit" if edit else "")

    def out_attrs(r, c):
        return f' data-k="{-1 if stamp else k_of.get((r, c), -1)}" data-shown="1"'

    # A stamp player: a hover on an input cell shows its stamp; the output's cropped border is hatched, the cells
    # no stamp reaches are cross-hatched, and every sum a cell holds on the way is coloured on the final output's scale.
    in_attrs = out_classes = vmax = None
    if stamp:
        in_k = {(s.rows[0], s.cols[0]): k for k, s in enumerate(spec.steps)}
        top, bottom, left, right = spec.crop
        reached = np.zeros((H_out, W_out), dtype=bool)
        for s in spec.steps:
            for r, c, _, _ in s.writes:
                reached[r, c] = True
        vmax = symmetric_limit(np.concatenate([y.ravel(), *(np.ravel(s.totals) for s in spec.steps)]))

        def in_attrs(r, c):
            return f' data-k="{in_k.get((r, c), -1)}"'

        def out_classes(r, c):
            cropped = r < top or r >= H_out - bottom or c < left or c >= W_out - right
            return ("pad" if cropped else "") + ("" if reached[r, c] else " unr")

    flt_classes = (lambda r, c: "edit") if "flt" in spec.editable else None
    t_in, t_f, t_out = spec.titles
    op = f'<div class="op">{_html.escape(spec.operator)}</div>'
    grouped = spec.groups > 1
    if C:  # the channels side by side, each channel's filter slice under it and its partial sum under the pair
        chans = []
        for k, name in enumerate(spec.channel_names):
            g = k // Cg
            title = f"{name} · group {g + 1}" if grouped else f"{t_in} · {name}"  # a group's name must fit
            col = [_suffixed(grid_html(xs[k], "in", title=title, classes=in_classes), "in", f"-{k}")]
            if fs and k in sees:
                col += [op, _suffixed(grid_html(fs[k - sees.start], "flt", title=f"{t_f} · {name}",
                                                classes=flt_classes), "flt", f"-{k}")]
            elif fs:  # a channel of another group: the filter has no slice for it
                col.append(f'<div class="away">not in filter {spec.bank_index + 1}\'s group</div>'
                           if spec.bank else '<div class="away">not in the filter\'s group</div>')
            col.append(f'<div class="psum" id="psum-{k}"></div>')
            look = (f' data-group="{g}" style="--gc:{GROUP_COLOURS[g % len(GROUP_COLOURS)]}"'
                    + ("" if k in sees else ' data-away="1"')) if grouped else ""
            chans.append(f'<div class="chan" data-ch="{k}"{look}>{"".join(col)}</div>')
        joined = chans[:1]
        for k in range(1, C):  # "+" between the channels whose partial sums add up; a gap beside any other
            both = k in sees and k - 1 in sees
            joined += ['<div class="op">+</div>' if both else '<div class="op gap"></div>', chans[k]]
        tail = [] if spec.bias is None else [
            f'<div class="op">+</div><div class="biasbox"><div class="ttl">bias</div>'
            f'<div class="bias">{_html.escape(format_bracketed(spec.bias))}</div></div>']
        panels = ['<div class="chans" data-part="in">' + "".join(joined) + "".join(tail) + "</div>"]
    else:
        panels = [f'<div class="part" data-part="in">'
                  f'{grid_html(xs[0], "in", title=t_in, classes=in_classes, attrs=in_attrs)}</div>']
        if fs:
            panels += [op, f'<div class="part" data-part="flt">'
                           f'{grid_html(fs[0], "flt", title=t_f, classes=flt_classes)}</div>']
    out = grid_html(y, "out", title=t_out, attrs=out_attrs, classes=out_classes, vmax=vmax,
                    also=[v for s in spec.steps for v in np.ravel(s.totals).tolist()] if stamp else ())
    if spec.bank:
        out = f'<div class="outvol">{out}{_bank_html(spec.bank, spec.bank_index, spec.groups)}</div>'
    # a layout may put the map on a line of its own: the break before "=" then takes the line
    panels += ['<div class="brk"></div>', '<div class="op eq">=</div>',
               f'<div class="part" data-part="out">{out}</div>']
    legend = []
    if ph or pw:
        legend.append('<span><i class="sw pad"></i>padding (zeros)</span>')
    if unreached.any():
        legend.append('<span><i class="sw unr"></i>no window reaches these cells</span>')
    if stamp and any(spec.crop):
        legend.append('<span><i class="sw pad"></i>cropped by the padding: not part of the output</span>')
    if stamp and not reached.all():
        legend.append('<span><i class="sw unr"></i>no stamp reaches these cells: 0</span>')
    legend.append(f'<span><i class="sw win"></i>{_html.escape(spec.window_label)}</span>')
    if any(s.winner is not None for s in spec.steps):
        legend.append(f'<span><i class="sw best"></i>{_html.escape(spec.winner_label)}</span>')
    if spec.editable:
        legend.append('<span><i class="sw edit"></i>click a cell to type a new number</span>')
    if grouped:
        for g in range(spec.groups):
            names = ", ".join(spec.channel_names[g * Cg:(g + 1) * Cg])
            seen = " (the filter's)" if g == spec.group else ""
            legend.append(f'<span><i class="sw grp" style="--gc:{GROUP_COLOURS[g % len(GROUP_COLOURS)]}"></i>'
                          f'group {g + 1}: {_html.escape(names)}{seen}</span>')
    return {
        "n": n,
        "initial": spec.initial_step,
        "speed": float(spec.speed),
        "speeds": list(SPEEDS),
        "param": spec.url_param,
        "theme": spec.theme,
        "dims": [Hp, Wp, kh, kw, H_out, W_out],
        "channels": C,
        "pad": [int(ph), int(pw)],
        # per step: covered rows, covered cols, output row, output col, winner row, winner col
        "steps": [[list(map(int, s.rows)), list(map(int, s.cols)), int(s.out[0]), int(s.out[1]),
                   -1 if s.winner is None else int(s.winner[0]), -1 if s.winner is None else int(s.winner[1])]
                  for s in spec.steps],
        "explain": [s.explain for s in spec.steps],
        "weights": [[[format_number(v) for v in row] for row in f] for f in fs] or None,  # (C or 1, kh, kw)
        "max_cell": int(spec.max_cell),
        "editable": list(spec.editable),
        "html": "".join(panels),
        "legend": "".join(legend),
        "volume": spec.volume_caption,
        "titles": list(spec.titles),  # input, filter, output: the lens names what it magnifies
        "operator": spec.operator,
        "names": list(spec.channel_names),
        "sees": list(sees) if grouped else None,  # the channels the filter sees; None: every channel
        "bias": None if spec.bias is None or not C else format_bracketed(spec.bias),
        # per step: each channel's partial sum as written under its pair ("R = 12"), when multi-channel; None on a
        # channel the filter does not see
        "partials": [_partials(spec.channel_names, sees, s.partials) for s in spec.steps] if C else None,
        "bank": [len(spec.bank), *np.asarray(spec.bank[0]).shape] if spec.bank else None,  # F, H_out, W_out
        # what the browser needs to write the map of a typed cell before the page answers (see ``combine``)
        "combine": {"op": spec.combine, "bias": float(spec.bias or 0), "relu": bool(spec.relu),
                    "limit": MAX_ABS_VALUE, "whole": EXACT_BELOW, "minus": MINUS}
        if spec.combine and spec.editable else None,
        "em": TEXT_EM if spec.editable else None,  # a typed number's width, for its grid's type size (grid.css)
        **(_stamps(spec.steps, vmax) if stamp else {}),
        **({"notes": spec.notes} if spec.notes else {}),
    }


def _partials(names: Sequence[str], sees: range, partials: Sequence) -> list[str | None]:
    """One step's partial sums as written under each channel (``R = 12``): the seen channels' in order, None else."""
    if not partials:
        return []
    out: list[str | None] = [None] * len(names)
    for k, v in zip(sees, partials, strict=True):
        out[k] = f"{names[k]} = {format_number(v)}"
    return out


def _stamps(steps: Sequence[PlayerStep], vmax: float) -> dict:
    """What a stamp player writes into the output at each step: per step, each cell it adds to as ``[row, col, i,
    j, text, style]``, the text and the colour those of the sum the cell then holds."""
    stamps = []
    for s in steps:
        rgb = diverging_rgb(np.asarray(s.totals, dtype=np.float64), vmax).tolist()  # (cells, 3)
        stamps.append([[int(r), int(c), int(i), int(j), format_number(total), cell_style(colour)]
                       for (r, c, i, j), total, colour in zip(s.writes, s.totals, rgb, strict=True)])
    return {"mode": "stamp", "stamps": stamps}


def _suffixed(grid: str, prefix: str, suffix: str) -> str:
    """``grid_html``'s cell ids ``P-R-C`` (and ``P-grid``) with ``suffix`` added: ``in-0-1-2`` for channel 2."""
    if not suffix:
        return grid
    return re.sub(rf'id="{prefix}-(\d+-\d+|grid)"', lambda m: f'id="{prefix}-{m.group(1)}{suffix}"', grid)


def _bank_html(bank: Sequence[np.ndarray], index: int, groups: int = 1) -> str:
    """The output volume: every filter's map, the one in the output grid framed and labelled; a click picks one.
    With ``groups``, each map is named and coloured by its filter's group."""
    H_out, W_out = np.asarray(bank[0]).shape
    small = max(H_out, W_out) <= BANK_NUMBERS_MAX
    current = ' aria-current="true"'
    shown = '<span class="shown"> ◀ shown</span>'  # the lens's small maps leave it to the frame
    per = len(bank) // groups

    def group(i):
        g = i // per
        return ("", "") if groups == 1 else (
            f' data-group="{g}" style="--gc:{GROUP_COLOURS[g % len(GROUP_COLOURS)]}"',
            f'<span class="gname">group {g + 1}</span>')  # a line of its own: the maps stay narrow

    maps = "".join(
        f'<div class="bankmap{" pick" if i == index else ""}" data-f="{i}" role="button" tabindex="0"'
        f'{current if i == index else ""}{group(i)[0]} title="Show filter {i + 1} in the player">'
        f'<div class="ttl">Map {i + 1}{group(i)[1]}{shown if i == index else ""}</div>'
        + grid_html(np.asarray(m), f"bank{i}", numbers=small, compact=True) + "</div>"
        for i, m in enumerate(bank))
    return (f'<div class="bank"><div class="ttl">Output volume {format_shape((H_out, W_out, len(bank)))}</div>'
            f'<div class="bankmaps">{maps}</div></div>')


@dataclass(frozen=True)
class GridTools:
    """The tools of a grid students type into, drawn under the player: its size, Randomise, Clear, presets."""

    grid: str  # the player's name for it: "in" or "flt"
    label: str  # as the page names it: "Input", "Filter", "Activation map"
    shape: tuple[int, int]  # its rows and columns now
    sides: tuple[int, int]  # the fewest and the most rows (and columns) it may have
    presets: tuple[str, ...] = ()  # the presets it can load, by name
    holds: str = ""  # the preset it holds now and what that one does ("**Box blur**: ..."), else ""


@functools.lru_cache(maxsize=512)
def tools_html(tools: tuple[GridTools, ...]) -> str:
    """The tools bar under the player: one group per grid (``data-grid``), each control with ``data-op``.

    ``rows``/``cols`` buttons carry the size they ask for (``data-v``), and are disabled past ``sides``;
    ``random`` and ``clear`` act on the whole grid; the ``preset`` select's value is a preset's name.
    """
    e, out = _html.escape, []
    for t in tools:
        (H, W), label = t.shape, t.label.lower()
        group = [f'<div class="tool" data-grid="{e(t.grid)}" role="group" aria-label="{e(t.label)}">'
                 f'<span class="tname">{e(t.label)} <span class="dim">{format_shape((H, W))}</span></span>',
                 _stepper("rows", H, t.sides, "rows", "row", label),
                 _stepper("cols", W, t.sides, "columns", "column", label),
                 f'<button data-op="random" aria-label="random whole numbers in the {e(label)}">Randomise</button>',
                 f'<button data-op="clear" aria-label="every cell of the {e(label)} to 0">Clear</button>']
        if t.presets:
            options = "".join(f'<option value="{e(n)}">{e(n)}</option>' for n in t.presets)
            group.append(f'<select data-op="preset" aria-label="load a preset into the {e(label)}">'
                         f'<option value="">Load a preset…</option>{options}</select>')
        if t.holds:
            group.append(f'<span class="holds">{_bold(t.holds)}</span>')
        out.append("".join(group) + "</div>")
    return '<div class="tools">' + "".join(out) + "</div>" if out else ""


def _stepper(op: str, n: int, sides: tuple[int, int], word: str, one: str, label: str) -> str:
    """``word − n +``: buttons asking for one fewer and one more (``one row more in the input``), disabled
    past ``sides``."""
    where = _html.escape(label)
    less, more = (" disabled" if n <= sides[0] else ""), (" disabled" if n >= sides[1] else "")
    return (f'<span class="stepper">{word} <button data-op="{op}" data-v="{n - 1}"{less} aria-label="one {one} '
            f'fewer in the {where}">−</button><b>{n}</b><button data-op="{op}" data-v="{n + 1}"{more} '
            f'aria-label="one {one} more in the {where}">+</button></span>')


def _bold(text: str) -> str:
    """``**x**`` as bold, the rest escaped."""
    parts = _html.escape(text).split("**")
    return "".join(f"<b>{p}</b>" if i % 2 else p for i, p in enumerate(parts))


@functools.cache
def component_css() -> str:
    """The component's stylesheet: the grids' and the player's (``assets.style``: without comments).

    A component sends its stylesheet and script with every rerun, so they travel without what only a
    reader of the files needs.
    """
    return style("grid.css") + "\n" + style("player.css")


@functools.cache
def component_js() -> str:
    """The component's script, ``player.js``, without its comment lines and indentation (``assets.script``)."""
    return script("player.js")


def player_json(spec: PlayerSpec) -> str:
    """``player_data(spec)`` as the compact JSON text the component is given: build it once per grids and
    settings (the pages cache it), not on every rerun."""
    return json.dumps(player_data(spec), separators=(",", ":"))


def component_data(player: str, **session) -> dict:
    """What the player component is given: ``player`` (``player_json``) and ``session``.

    ``session`` is what one student's page adds (``key``, ``initial``, ``present``, ...). On every rerun
    Streamlit looks at each first-level value of a component's data (is it a data frame?) and writes
    the whole data out as JSON twice; one string is cheap to look at and to write, nested lists are not.
    """
    return {"player": player, **session}


def player_html(spec: PlayerSpec | dict, *, key: str = "player", present: bool = False) -> str:
    """A standalone HTML document running the player on ``spec`` (or its ``player_data``), without Streamlit.

    For tests and offline use (``player_page.js`` mounts it as Streamlit does): what the player sends back
    is collected in ``window.playerEvents``, and ``window.remount(data)`` calls it again as a rerun would,
    ``data`` replacing keys of what the page gives the component (``component_data``: ``{player: JSON
    text}`` for new grids, or ``command``, ...).
    """
    text = player_json(spec) if isinstance(spec, PlayerSpec) else json.dumps(spec, separators=(",", ":"))
    args = json.dumps({"data": component_data(text, key=key, present=present), "html": COMPONENT_HTML,
                       "css": component_css(), "js": component_js()}).replace("</", "<\\/")  # no early </script>
    return ('<!DOCTYPE html><html><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
            f'<body style="margin:0"><div id="host"></div><script type="module">const args={args};\n'
            f'{script("player_page.js")}</script></body></html>')
