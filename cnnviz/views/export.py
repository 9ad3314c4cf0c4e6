"""The step player for slides: every step as a GIF, one step as a PNG, the grids as CSV.

Frames are drawn with Pillow and its own font (``ImageFont.load_default(size=...)``: nothing is
fetched or looked up on the machine). Each frame shows the grids as the player does (the input,
padding in grey, the window outlined; the filter; the activation map so far, its current cell
outlined) and under them the step's written sum as plain text (``sums.html_to_text``). The font
covers basic Latin only, so ``×``, ``−``, ``→`` and the weights' subscripts are drawn by hand.

A GIF has one frame per step plus two: the empty map first, the full map without a window last
(``len(spec.steps) + 2`` frames). It is refused beyond ``MAX_GIF_STEPS`` steps (offer the PNG).
"""
from __future__ import annotations

import functools
import io
import re

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from cnnviz.kernel.grids import parse_cells
from cnnviz.views.colour import diverging_rgb, text_colour
from cnnviz.kernel.notation import MINUS, TIMES, exact_number, format_number
from cnnviz.views.player import PlayerSpec
from cnnviz.views.sums import html_to_text

__all__ = ["player_gif", "player_png", "grids_csv", "read_grids_csv", "frame_image", "MAX_GIF_STEPS"]

MAX_GIF_STEPS = 200  # more steps make a large GIF slowly, holding a server thread for seconds: a PNG instead
_TEXT_SIZE = 26  # the written sum's font size in pixels: readable on a slide
_NUMBERS_FROM = 20  # cells smaller than this many pixels show their colour only (a 32x32 input)
_WINDOW, _CURRENT, _WINNER = (255, 140, 0), (123, 47, 247), (123, 47, 247)
_PAD_FILL, _MASK_FILL, _INK, _MUTED, _PAPER = (217, 219, 225), (233, 234, 238), (31, 36, 48), (107, 112, 128), \
    (255, 255, 255)
_SUB_DIGITS = "₀₁₂₃₄₅₆₇₈₉₋"
_TOKEN = re.compile(f"([{_SUB_DIGITS}][{_SUB_DIGITS}.]*|{TIMES}|{MINUS}|→|∗)")


@functools.lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=max(8, int(size)))


# --- text with the glyphs the default font lacks -----------------------------------------------------

@functools.lru_cache(maxsize=8192)  # the same numbers and words come back in every cell and every frame
def _pieces(text: str, size: int) -> tuple[tuple[str, str, float], ...]:
    """``text`` as ``(kind, text, width)`` pieces: plain text, a subscript, or a glyph drawn by hand."""
    font, small = _font(size), _font(size * 0.62)
    out = []
    for part in _TOKEN.split(text):
        if not part:
            continue
        if part[0] in _SUB_DIGITS:
            ascii_ = part.translate(str.maketrans(_SUB_DIGITS, "0123456789-"))
            out.append(("sub", ascii_, small.getlength(ascii_)))
        elif part in (TIMES, MINUS, "→"):
            out.append((part, part, {TIMES: 0.62, MINUS: 0.62, "→": 1.1}[part] * size))
        elif part == "∗":
            out.append(("text", "*", font.getlength("*")))
        else:
            out.append(("text", part, font.getlength(part)))
    return tuple(out)


@functools.lru_cache(maxsize=8192)
def _mask(text: str, size: int) -> tuple[Image.Image, int, int]:
    """``text`` drawn once as a mask, with its offset from the baseline's start: frames repeat the same pieces."""
    font = _font(size)
    left, top, right, bottom = font.getbbox(text, anchor="ls")
    mask = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(mask).text((-left, -top), text, font=font, fill=255, anchor="ls")
    return mask, left, top


def _text_width(text: str, size: int) -> float:
    return sum(w for _, _, w in _pieces(text, size))


def _draw_text(draw: ImageDraw.ImageDraw, x: float, baseline: float, text: str, size: int, fill) -> None:
    """Write ``text`` from ``x`` on ``baseline``, subscripts lowered, ``×``, ``−`` and ``→`` drawn as lines."""
    stroke = max(1, round(size / 12))
    mid = baseline - 0.34 * size  # the height of "+" and "="
    for kind, text_, width in _pieces(text, size):
        if kind in ("text", "sub"):
            at, font_size = (baseline, size) if kind == "text" else (baseline + 0.22 * size, int(size * 0.62))
            mask, dx, dy = _mask(text_, font_size)
            draw.bitmap((round(x + dx), round(at + dy)), mask, fill=fill)
        elif kind == TIMES:
            h = 0.2 * size
            c = x + width / 2
            draw.line([(c - h, mid - h), (c + h, mid + h)], fill=fill, width=stroke)
            draw.line([(c - h, mid + h), (c + h, mid - h)], fill=fill, width=stroke)
        elif kind == MINUS:
            draw.line([(x + 0.1 * width, mid), (x + 0.9 * width, mid)], fill=fill, width=stroke)
        else:  # the arrow
            end = x + 0.9 * width
            draw.line([(x + 0.1 * width, mid), (end, mid)], fill=fill, width=stroke)
            draw.line([(end - 0.25 * size, mid - 0.2 * size), (end, mid), (end - 0.25 * size, mid + 0.2 * size)],
                      fill=fill, width=stroke)
        x += width


def _wrap(text: str, size: int, width: float) -> list[str]:
    """Lines of ``text`` broken at spaces to fit ``width`` pixels (a continued line is indented)."""
    lines = []
    for line in text.splitlines():
        current, used = "", 0.0
        for word in line.split(" "):
            more = _text_width(f" {word}" if current else word, size)  # widths add up piece by piece
            if current and used + more > width:
                lines.append(current)
                current, used = "    " + word, _text_width("    " + word, size)
            else:
                current, used = (f"{current} {word}" if current else word), used + more
        lines.append(current)
    return lines


# --- the frames ---------------------------------------------------------------------------------------

def _channels(grid) -> list[np.ndarray]:
    """A grid ``(H, W)`` or a volume ``(C, H, W)`` as a list of 2-D grids."""
    a = np.asarray(grid)
    return [a] if a.ndim == 2 else list(a)


class _Layout:
    """Where every grid of a spec goes, and the cell size: computed once for all frames."""

    def __init__(self, spec: PlayerSpec, texts: list[str]):
        self.spec = spec
        self.inputs = _channels(spec.input)
        self.filters = [] if spec.filter is None else _channels(spec.filter)
        self.output = np.asarray(spec.output)
        C = len(self.inputs)
        Hp, Wp = self.inputs[0].shape
        kh, kw = self.filters[0].shape if self.filters else (0, 0)
        H_out, W_out = self.output.shape
        cols = Wp + kw + W_out
        rows = max(C * Hp, H_out)
        self.cs = int(max(14, min(64, 1300 // max(cols, 1), 760 // max(rows, 1))))
        self.title_h = 34
        self.gap = 56
        names = spec.channel_names or [""] * C
        t_in, t_f, t_out = spec.titles
        x = 24
        top = 24 + (40 if spec.volume_caption else 0)
        block = Hp * self.cs + self.title_h + 12  # one channel's input, with its title
        self.places = []  # (grid, kind, x, y, title)
        for c, g in enumerate(self.inputs):
            self.places.append((g, "in", x, top + c * block, f"{t_in} {names[c]}".strip()))
        x += Wp * self.cs + self.gap
        self.ops = []
        if self.filters:
            self.ops.append((x - self.gap / 2, "∗"))
            for c, g in enumerate(self.filters):
                self.places.append((g, "flt", x, top + c * block, f"{t_f} {names[c]}".strip()))
            x += kw * self.cs + self.gap
        self.ops.append((x - self.gap / 2, "="))
        out_y = top + max(0, (C * block - H_out * self.cs - self.title_h) // 2)
        self.places.append((self.output, "out", x, out_y, t_out))
        x += W_out * self.cs + 24
        self.op_y = top + self.title_h + min(Hp, H_out) * self.cs / 2
        grids_bottom = max(top + C * block, out_y + self.title_h + H_out * self.cs + 12)
        self.width = int(max(x, 900))
        self.text_top = grids_bottom + 16
        self.lines = [_wrap(t, _TEXT_SIZE, self.width - 48) for t in texts]
        n_lines = max((len(ls) for ls in self.lines), default=1)
        self.height = int(self.text_top + n_lines * _TEXT_SIZE * 1.45 + 24)
        self.vmax = {id(g): float(np.abs(g).max(initial=0)) or 1.0 for g, *_ in self.places}
        self.base: Image.Image | None = None  # every grid drawn once, for all frames


def _cell_text(draw, layout: _Layout, x: float, y: float, value, fill) -> None:
    text = format_number(value)
    cs = layout.cs
    size = int(min(cs * 0.46, cs * 0.86 / max(1, len(text)) / 0.56))
    w = _text_width(text, size)
    _draw_text(draw, x + (cs - w) / 2, y + cs / 2 + 0.36 * size, text, size, fill)


def _draw_grid(draw, layout: _Layout, grid: np.ndarray, kind: str, x0: float, y0: float, title: str) -> None:
    """One grid with its title, every number written in its cell."""
    cs = layout.cs
    _draw_text(draw, x0, y0 + 24, title, 22, _INK)
    y0 += layout.title_h
    rgb = diverging_rgb(grid, layout.vmax[id(grid)])  # (H, W, 3)
    ph, pw = layout.spec.padding if kind == "in" else (0, 0)
    H, W = grid.shape
    for r in range(H):
        for c in range(W):
            x, y = x0 + c * cs, y0 + r * cs
            pad = kind == "in" and (r < ph or r >= H - ph or c < pw or c >= W - pw)
            fill = _PAD_FILL if pad else tuple(int(v) for v in rgb[r, c])
            draw.rectangle([x, y, x + cs, y + cs], fill=fill, outline=(201, 204, 212), width=1)
            if cs >= _NUMBERS_FROM:
                ink = _MUTED if pad else (0, 0, 0) if text_colour(fill) == "#000" else (255, 255, 255)
                _cell_text(draw, layout, x, y, grid[r, c], ink)


def _outline(draw, layout: _Layout, x0: float, y0: float, cells, colour, width: int = 4) -> None:
    cs = layout.cs
    for r, c in cells:
        x, y = x0 + c * cs, y0 + layout.title_h + r * cs
        draw.rectangle([x + 1, y + 1, x + cs - 1, y + cs - 1], outline=colour, width=width)


def _base(layout: _Layout) -> Image.Image:
    """Every grid drawn in full, the output too: what each frame starts from (drawn once)."""
    if layout.base is None:
        img = Image.new("RGB", (layout.width, layout.height), _PAPER)
        draw = ImageDraw.Draw(img)
        if layout.spec.volume_caption:
            _draw_text(draw, 24, 48, layout.spec.volume_caption, 30, _INK)
        for grid, kind, x, y, title in layout.places:
            _draw_grid(draw, layout, grid, kind, x, y, title)
        for x, op in layout.ops:
            _draw_text(draw, x - _text_width(op, 40) / 2, layout.op_y + 14, op, 40, _MUTED)
        layout.base = img
    return layout.base


def _render(layout: _Layout, step: int, window: bool = True) -> Image.Image:
    """The frame of step ``step`` (0: nothing computed; the window of ``steps[step - 1]`` otherwise)."""
    steps = layout.spec.steps
    img = _base(layout).copy()
    draw = ImageDraw.Draw(img)
    shown = np.zeros(layout.output.shape, dtype=bool)
    for s in steps[:step]:
        shown[s.out] = True
    cs = layout.cs
    _, _, ox, oy, _ = layout.places[-1]  # the output grid
    oy += layout.title_h
    for r, c in zip(*np.nonzero(~shown), strict=True):  # cells not computed yet: blank
        x, y = ox + c * cs, oy + r * cs
        draw.rectangle([x, y, x + cs, y + cs], fill=_MASK_FILL, outline=(201, 204, 212), width=1)
    if window and 0 < step <= len(steps):
        s = steps[step - 1]
        for _, kind, x, y, _ in layout.places:
            if kind == "in":
                _outline(draw, layout, x, y, [(r, c) for r in s.rows for c in s.cols], _WINDOW)
                if s.winner is not None:
                    _outline(draw, layout, x, y, [s.winner], _WINNER, 6)
            elif kind == "out":
                _outline(draw, layout, x, y, [s.out], _CURRENT, 5)
    lines = layout.lines[step] if step < len(layout.lines) else []
    for i, line in enumerate(lines):
        _draw_text(draw, 24, layout.text_top + (i + 0.8) * _TEXT_SIZE * 1.45, line, _TEXT_SIZE, _INK)
    return img


def _texts(spec: PlayerSpec) -> list[str]:
    """The written text of every frame: step 0, each step, and the full map."""
    n = len(spec.steps)
    first = f"Step 0 of {n}: nothing computed yet."
    last = f"All {n} steps done: the whole {spec.titles[2].lower() or 'output'}."
    return [first] + [html_to_text(s.explain) for s in spec.steps] + [last]


def frame_image(spec: PlayerSpec, step: int) -> Image.Image:
    """Step ``step`` (0 to ``len(spec.steps)``, as the player counts) as a Pillow image."""
    n = len(spec.steps)
    if not 0 <= step <= n:
        raise ValueError(f"There are {n} steps: pick a step from 0 to {n}.")
    return _render(_Layout(spec, _texts(spec)), step)


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def player_png(spec: PlayerSpec, step: int) -> bytes:
    """Step ``step`` of the player as a PNG (0: the empty map; ``len(spec.steps)``: the full map)."""
    return _png(frame_image(spec, step))


def player_gif(spec: PlayerSpec, speed: float | None = None) -> bytes:
    """Every step as an animated GIF that loops: the empty map, one frame per step, the full map.

    ``len(spec.steps) + 2`` frames, ``speed`` (default the spec's) steps a second; the first and the
    last frame stay longer. Raises ``ValueError`` beyond ``MAX_GIF_STEPS`` steps.
    """
    n = len(spec.steps)
    if n > MAX_GIF_STEPS:
        raise ValueError(f"This animation has {n} steps, too many for a GIF (at most {MAX_GIF_STEPS}): "
                         "download one step as a PNG instead, or use a smaller input.")
    layout = _Layout(spec, _texts(spec))
    last = _render(layout, n, window=False)
    # One palette for every frame, without dithering: frames then differ only where something
    # changed, which the GIF writer stores alone (a dithered frame differs everywhere).
    sample = Image.new("RGB", (last.width, last.height * 2))
    sample.paste(last, (0, 0))
    sample.paste(_render(layout, min(1, n)), (0, last.height))
    palette = sample.quantize(colors=255, dither=Image.Dither.NONE)
    frames = [_render(layout, k).quantize(palette=palette, dither=Image.Dither.NONE) for k in range(n + 1)]
    frames.append(last.quantize(palette=palette, dither=Image.Dither.NONE))
    step_ms = int(round(1000 / max(0.5, float(speed or spec.speed))))
    durations = [1500] + [step_ms] * n + [3000]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0)
    return buf.getvalue()


# --- CSV ---------------------------------------------------------------------------------------------------

def _csv_sections(spec: PlayerSpec) -> list[tuple[str, np.ndarray]]:
    names = spec.channel_names or [str(c + 1) for c in range(len(_channels(spec.input)))]
    t_in, t_f, t_out = spec.titles
    inputs = _channels(spec.input)
    sections = [(f"{t_in} {names[c]}" if len(inputs) > 1 else t_in, g) for c, g in enumerate(inputs)]
    if spec.filter is not None:
        filters = _channels(spec.filter)
        sections += [(f"{t_f} {names[c]}" if len(filters) > 1 else t_f, g) for c, g in enumerate(filters)]
    if spec.bank:
        sections += [(f"Activation map {f + 1}", np.asarray(m)) for f, m in enumerate(spec.bank)]
    else:
        sections.append((t_out, np.asarray(spec.output)))
    return sections


def grids_csv(spec: PlayerSpec) -> str:
    """The grids as CSV: a title line, then the grid's rows; a blank line between grids.

    The input (padding included, one grid per channel), the filter (per channel) and the output
    (every map of a bank). Numbers are written exactly (``-2``, ``0.0625``); ``read_grids_csv`` reads it back.
    """
    blocks = []
    for title, grid in _csv_sections(spec):
        rows = "\n".join(",".join(exact_number(v) for v in row) for row in np.asarray(grid).tolist())
        blocks.append(f'"{title}"\n{rows}')
    return "\n\n".join(blocks) + "\n"


def read_grids_csv(text: str) -> dict[str, np.ndarray]:
    """The grids of a ``grids_csv`` text, by title, each cell checked by ``cnnviz.kernel.grids.parse_cells``."""
    grids: dict[str, np.ndarray] = {}
    for block in text.strip().split("\n\n"):
        title, *rows = block.strip().splitlines()
        arr, errors = parse_cells([r.split(",") for r in rows], name=title.strip('"'))
        if errors:
            raise ValueError(errors[0])
        grids[title.strip('"')] = arr
    return grids
