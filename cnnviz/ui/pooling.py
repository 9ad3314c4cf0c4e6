"""The Pooling page's state in the link, its settings, the stack of maps and cached players."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
import streamlit as st

from PIL import Image

from cnnviz.learn.digits import load_digits
from cnnviz.kernel.conv import conv2d
from cnnviz.kernel.grids import grid_from_text, grid_to_text
from cnnviz.kernel.notation import format_count, format_percent, format_shape
from cnnviz.kernel.pool import POOL_MODES, covered_cells, pool2d
from cnnviz.lecture.presets import FILTER_PRESETS, LECTURE_FILTER
from cnnviz.kernel.shapes import pool_output_formula
from cnnviz.ui import ROOT, page_link, show_warnings
from cnnviz.ui.cache import bounded
from cnnviz.ui.state import UrlField, UrlState, bool_field, choice_field, grid_field, int_field
from cnnviz.ui.widgets import grid_value
from cnnviz.views import player, pool as fig_pool

DEFAULT_MAP = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], dtype=np.int64)
LIMITS = {"input": (1, 32), "size": (1, 4), "stride": (1, 4), "maps": (1, 8)}
SOURCES = {"map": "One activation map", "stack": "A stack of maps"}
SIDES = (6, 8, 12, 16, 24, 28, 32)  # sides of the stack's maps
# The stack: a picture seen through these filters (then ReLU), one activation map per filter.
STACK_FILTERS = ("Vertical edge", "Horizontal edge", "Sobel x", "Sobel y", "Sharpen", "Outline (Laplacian)",
                 "Emboss", "Identity")


@dataclass(frozen=True, eq=False)
class PoolExample:
    """An input and a filter whose activation map pools well: 2x2 windows, stride 2, no cell dropped."""

    input: np.ndarray  # (H, W) the picture, small whole numbers
    filter: np.ndarray  # (kh, kw)
    name: str  # what the picture shows, for a caption


@bounded(max_entries=1)
def pool_example() -> PoolExample:
    """Pooling's first example: the first handwritten 0 of the digits data through the lecture's filter.

    The 8x8 digit is scaled to whole numbers 0 to 3, as small as the lecture's input; the lecture's
    3x3 filter makes a 6x6 activation map, which 2x2 max pooling with stride 2 takes to 3x3 without
    dropping a cell, and the ring of the 0 is still there after pooling.

    Examples
    --------
    >>> ex = pool_example()
    >>> ex.input.shape, conv2d(ex.input, ex.filter).shape
    ((8, 8), (6, 6))
    """
    images, labels = load_digits()  # (N, 8, 8) values 0..16, (N,)
    zero = images[int(np.flatnonzero(labels == 0)[0])]
    x = np.round(zero / 16 * 3).astype(np.int64)  # (8, 8) values 0..3
    x.flags.writeable = False  # shared by every session
    return PoolExample(x, LECTURE_FILTER, "a handwritten 0")


@dataclass(frozen=True, eq=False)
class PoolState:
    """Every setting of the Pooling page; round-trips through the link."""

    src: str  # "map": one activation map typed in the grid; "stack": a stack of maps made from a picture
    input: np.ndarray  # (H, W) the typed activation map (kept in the link while the stack is shown)
    mode: str  # "max" or "avg"
    size: int  # the window is size x size cells
    stride: int  # how far the window moves at each step
    side: int  # each map of the stack is side x side
    maps: int  # how many maps the stack has
    pick: int  # the map of the stack the player animates, from 1
    step: int | None  # the step the player opens on; None: the whole output
    origin: str | None  # where the typed map came from: "example", "conv-6x6-3x3" (input, filter), None
    present: bool  # the presenter view: the player fills the screen


_ORIGIN = re.compile(r"conv-(\d{1,2})x(\d{1,2})-(\d)x(\d)")


def parse_origin(text: str) -> str:
    """``example`` or ``conv-HxW-khxkw`` (the Convolution page's input and filter); ValueError otherwise."""
    t = str(text).strip().lower()
    m = _ORIGIN.fullmatch(t)
    if t == "example" or (m and all(3 <= int(v) <= 16 for v in m.groups()[:2])
                          and all(1 <= int(v) <= 7 for v in m.groups()[2:])):
        return t
    raise ValueError("it is not a map the Convolution page links here")


URL = UrlState("pool", PoolState, [
    choice_field("src", "map", tuple(SOURCES), "input choice"),
    grid_field("input", DEFAULT_MAP, *LIMITS["input"], "activation map"),
    choice_field("mode", "max", POOL_MODES, "pooling mode"),
    int_field("size", 2, *LIMITS["size"], "window size"),
    int_field("stride", 2, *LIMITS["stride"], "stride"),
    choice_field("side", 12, SIDES, "size of the stack's maps"),
    int_field("maps", 6, *LIMITS["maps"], "number of maps"),
    int_field("pick", 1, 1, LIMITS["maps"][1], "animated map"),
    int_field("step", None, 0, 100_000, "animation step"),
    UrlField("from", None, parse_origin, str, "origin of the map", "Its origin is not shown.", attr="origin"),
    bool_field("present", False, "presenter view switch"),
], widgets={name: f"pool_{name}" for name in ("src", "mode", "size", "stride", "side", "maps", "pick", "present")})


@dataclass(frozen=True)
class PoolView:
    """What the page shows of one pooling that worked."""

    data: str  # the step player's data (views.player.player_json), shared by every student on this map
    shown: np.ndarray  # (H, W) the map the player pools
    in_shape: tuple[int, ...]  # (H, W) or (H, W, C) for a stack
    out_shape: tuple[int, ...]  # (H_out, W_out) or (H_out, W_out, C)
    size: int  # window
    stride: int


def load_state() -> tuple[PoolState, set[str], list[str]]:
    """``URL.load()``, with the widgets seeded; a map carried here from the Convolution page is shown as a map."""
    state, fresh, warnings = URL.load()
    if "input" in fresh and "input" in st.query_params and "src" not in st.query_params:
        state, fresh = replace(state, src="map"), fresh | {"src"}  # what the student followed the link to see
    URL.seed(state, fresh)
    if fresh & {"input", "origin"}:
        st.session_state["pool_origin_map"] = state.input  # the map the origin describes
        example = conv2d(pool_example().input, pool_example().filter)
        if state.origin == "example" and not np.array_equal(state.input, example):
            warnings = warnings + ["The link says its map is the Convolution page's example, but it is another "
                                   "map: its origin is not shown."]
            state = replace(state, origin=None)
    return state, fresh, warnings


def origin_ui(state: PoolState, x: np.ndarray) -> str | None:
    """Say where the map on screen came from, while it is still that map; returns the origin to keep in the link."""
    came = st.session_state.get("pool_origin_map")
    if state.origin is None or state.src != "map" or came is None or not np.array_equal(came, x):
        return None
    conv_page = ROOT / "pages" / "convolution.py"
    if state.origin == "example":
        ex = pool_example()
        st.caption(f"The {format_shape(x.shape)} activation map of {ex.name} ({format_shape(ex.input.shape)} pixels, "
                   f"values 0 to 3) through the lecture's {format_shape(ex.filter.shape)} filter, from the Convolution "
                   "page: 2x2 windows with stride 2 pool it without dropping a cell.")
        if conv_page.exists():
            page_link(conv_page, "See this map made, on the Convolution page",
                      {"input": grid_to_text(ex.input), "filter": grid_to_text(ex.filter)}, icon=":material/grid_on:")
        return state.origin
    H, W, kh, kw = map(int, _ORIGIN.fullmatch(state.origin).groups())
    st.caption(f"The {format_shape(x.shape)} activation map of your {format_shape((H, W))} input through your "
               f"{format_shape((kh, kw))} filter, from the Convolution page.")
    return state.origin


def kept_input(state: PoolState) -> np.ndarray:
    """The typed map the link keeps: the editor's last valid grid, also while the stack is shown."""
    typed = grid_value("pool_input")
    return state.input if typed is None else typed


def pool(x: np.ndarray, in_shape: tuple[int, ...], state: PoolState) -> PoolView:
    """The player over ``x`` (one map) and the shapes; ValueError when the window does not fit."""
    data, out = step_player(grid_to_text(x), state.size, state.stride, state.mode, state.src == "map")
    return PoolView(data, x, in_shape, out.shape + in_shape[2:], state.size, state.stride)


def first_example() -> PoolView:
    """The pooling the page opens with (its default map and settings)."""
    return pool(DEFAULT_MAP, DEFAULT_MAP.shape, URL.default)


def settings_ui() -> dict:
    """Input choice, mode, window size and stride (keys ``pool_<name>``); returns their values."""
    out = {"src": st.radio("Input", list(SOURCES), format_func=SOURCES.get, key="pool_src",
                           horizontal=True),
           "mode": st.radio("Pooling", list(POOL_MODES), format_func=fig_pool.MODE_NAMES.get, key="pool_mode",
                            horizontal=True)}
    c1, c2 = st.columns(2)
    out["size"] = c1.number_input("Window size", *LIMITS["size"], step=1, key="pool_size",
                                  help="The window is size x size cells.")
    out["stride"] = c2.number_input("Stride", *LIMITS["stride"], step=1, key="pool_stride",
                                    help="How far the window moves each step.")
    return out


def stack_ui() -> dict:
    """Size and number of the stack's maps, and which one the player animates (1-based)."""
    c1, c2 = st.columns(2)
    side = c1.selectbox("Each map is", SIDES, format_func=lambda s: format_shape((s, s)), key="pool_side")
    maps = c2.number_input("Maps", *LIMITS["maps"], step=1, key="pool_maps")
    if not 1 <= st.session_state.get("pool_pick", 1) <= maps:
        show_warnings([f"There is no map {st.session_state['pool_pick']} in a stack of {maps}: animating map 1."])
        st.session_state["pool_pick"] = 1
    pick = st.selectbox("Animate map", list(range(1, maps + 1)), key="pool_pick",
                        format_func=lambda i: f"{i}. {STACK_FILTERS[i - 1]}")
    return {"side": side, "maps": int(maps), "pick": pick}


@bounded(max_entries=8)
def stack_picture(side: int) -> np.ndarray:
    """``(side + 2, side + 2)`` grey levels 0-9: the first handwritten 0 of the digits data, enlarged smoothly.

    One large shape with clean edges, so that each filter's map shows where its edges are (read-only).
    """
    digit = Image.fromarray(np.uint8(load_digits()[0][0] * 255 // 16))  # (8, 8) the 0 of pool_example
    big = np.asarray(digit.resize((side + 2, side + 2), Image.Resampling.BICUBIC), dtype=np.float64)
    g = np.round(big / 255 * 9).astype(np.int64)  # (side+2, side+2)
    g.flags.writeable = False  # shared by every session
    return g


@bounded(max_entries=16)
def stack_maps(side: int, maps: int) -> np.ndarray:
    """``(side, side, maps)`` activation maps: the stack's picture through edge filters, then ReLU."""
    w = np.stack([FILTER_PRESETS[n].weights for n in STACK_FILTERS[:maps]], axis=-1)[:, :, None, :]  # (3,3,1,C)
    out = np.maximum(conv2d(stack_picture(side)[:, :, None], w), 0)  # (side, side, C)
    out.flags.writeable = False  # shared by every session
    return out


# One JSON text handed to every session (no copy, no second writing out per rerun); the page adds its own
# keys beside it when it mounts the player.
@bounded(max_entries=256)
def step_player(x_text: str, size: int, stride: int, mode: str, editable: bool) -> tuple[str, np.ndarray]:
    """The player's data and the pooled map, cached on the map's link text, not on the step."""
    spec = fig_pool.pool_player_spec(grid_from_text(x_text), size, stride, mode)
    if editable:
        spec = replace(spec, editable=("in",))
    out = spec.output
    out.flags.writeable = False
    return player.player_json(spec), out


@bounded(max_entries=256)
def max_avg_html(x_text: str, size: int, stride: int) -> str:
    """Max beside average on one map, as HTML grids (cached on the map's link text)."""
    return fig_pool.max_avg_html(grid_from_text(x_text), size, stride)


@bounded(max_entries=32)
def stack_html(side: int, maps: int, size: int, stride: int, mode: str, pick: int) -> str:
    """The picture, every map of the stack (labelled) above its pooled map, as HTML grids (cached)."""
    stack = stack_maps(side, maps)
    names = [n.replace(" (Laplacian)", "") for n in STACK_FILTERS[:maps]]
    return fig_pool.stack_html(stack_picture(side), stack, pool2d(stack, size, stride, mode), names, pick - 1)


def numbers_ui(in_shape: tuple[int, ...], out_shape: tuple[int, ...], size: int, stride: int) -> None:
    """What pooling does, in numbers: the output-size formula, sizes, share kept, 0 parameters, dropped cells."""
    H, W = in_shape[:2]
    fr, fc = pool_output_formula(H, size, stride), pool_output_formula(W, size, stride)
    st.markdown("Output size, (n − size) / stride + 1 on each axis:  \n"
                + (f"`{fr}` on both axes" if fr == fc else f"rows `{fr}`  \ncolumns `{fc}`"))
    n_in, n_out = int(np.prod(in_shape)), int(np.prod(out_shape))
    kept = n_out / n_in
    a, b, c, d = st.columns(4)
    a.metric("Input", format_shape(in_shape), help=f"{format_count(n_in)} activations")
    b.metric("Output", format_shape(out_shape), help=f"{format_count(n_out)} activations")
    c.metric("Activations kept", format_percent(kept, 0 if kept >= 0.01 else 1),
             help=f"{format_count(n_out)} of {format_count(n_in)}")
    d.metric("Parameters", "0", help="Pooling learns nothing: it has no weights and no bias.")
    st.caption(f"{format_count(n_in)} activations in, {format_count(n_out)} out: pooling keeps {format_count(n_out)} "
               f"of {format_count(n_in)} "
               f"and has 0 parameters to learn.")
    covered = covered_cells((H, W), size, stride)
    dr, dc = H - int(covered.any(axis=1).sum()), W - int(covered.any(axis=0).sum())
    if dr or dc:
        lost = int((~covered).sum())
        st.info(f"A stride of {stride} with a {format_shape((size, size))} window does not cover the whole map: "
                f"{dr} row(s) and {dc} column(s), {lost} cell(s) of each map, are never in a window and are "
                "dropped (hatched in the player and in the grids below).", icon=":material/grid_off:")
