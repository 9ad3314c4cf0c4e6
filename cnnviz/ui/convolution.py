"""The Convolution page's state in the link, its settings, and the cached player."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import streamlit as st

from cnnviz import ui

from cnnviz.views import conv as fig_conv, player
from cnnviz.kernel.grids import grid_from_text, grid_to_text
from cnnviz.kernel.notation import format_number, format_shape
from cnnviz.kernel.conv import conv2d
from cnnviz.kernel.pool import covered_cells
from cnnviz.lecture.presets import LECTURE_FILTER, LECTURE_INPUT
from cnnviz.kernel.shapes import conv_output_formula
from cnnviz.ui import export as ui_export
from cnnviz.ui.cache import bounded
from cnnviz.ui.state import UrlState, bool_field, float_field, grid_field, int_field
from cnnviz.ui.pooling import pool_example
from cnnviz.ui.widgets import presenter_toggle
from cnnviz.views.code import ConvSettings

LIMITS = {"input": (3, 16), "filter": (1, 7), "stride": (1, 4), "padding": (0, 3), "dilation": (1, 3)}


@dataclass(frozen=True, eq=False)
class ConvState:
    """Every setting of the Convolution page; round-trips through the link."""

    input: np.ndarray  # (H, W) the grid the filter slides over
    filter: np.ndarray  # (kh, kw) the filter's weights
    bias: float  # added to every dot product
    relu: bool  # max(0, x) on every output value
    stride: int  # how far the window moves at each step
    padding: int  # rings of zeros around the input
    dilation: int  # spacing between the filter's taps
    step: int | None  # the step the player opens on; None: the whole map
    present: bool  # the presenter view: the player fills the screen


URL = UrlState("conv", ConvState, [
    grid_field("input", LECTURE_INPUT, *LIMITS["input"], "input"),
    grid_field("filter", LECTURE_FILTER, *LIMITS["filter"], "filter"),
    float_field("bias", 0, -1000, 1000, "bias"),
    bool_field("relu", False, "ReLU switch"),
    int_field("stride", 1, *LIMITS["stride"], "stride"),
    int_field("padding", 0, *LIMITS["padding"], "padding"),
    int_field("dilation", 1, *LIMITS["dilation"], "dilation"),
    int_field("step", None, 0, 100_000, "animation step"),
    bool_field("present", False, "presenter view switch"),
], widgets={name: f"conv_{name}" for name in ("stride", "padding", "dilation", "bias", "relu", "present")})


@dataclass(frozen=True)
class ConvView:
    """What the page shows of one convolution that worked."""

    data: str  # the step player's data (views.player.player_json), shared by every student on these grids
    amap: np.ndarray  # (H_out, W_out) the activation map
    size_line: str  # the output-size formula on each axis and the map's shape
    settings_line: str  # stride, padding and dilation (bias and ReLU when used), then the output-size formula


def settings_ui() -> dict:
    """Stride, padding, dilation, bias, ReLU and presenter view widgets (keys ``conv_<name>``); their values."""
    out = {
        "stride": st.number_input("Stride", *LIMITS["stride"], step=1, key="conv_stride",
                                  help="How far the window moves at each step."),
        "padding": st.number_input("Zero padding", *LIMITS["padding"], step=1, key="conv_padding",
                                   help="Rings of zeros added around the input."),
        "dilation": st.number_input("Dilation", *LIMITS["dilation"], step=1, key="conv_dilation",
                                    help="Spacing between the filter's taps: 2 spreads a 3x3 filter over 5x5."),
    }
    out["bias"] = float(st.number_input("Bias", -1000.0, 1000.0, step=1.0, key="conv_bias", format="%g",
                                        help="Added to every dot product."))
    out["relu"] = st.toggle("ReLU", key="conv_relu", help="Replace negative outputs by 0: max(0, x).")
    out["present"] = presenter_toggle("conv_present")
    return out


def convolve(state: ConvState) -> ConvView:
    """The player and the activation map of ``state``; ValueError when the filter does not fit the input."""
    (H, W), (kh, kw) = state.input.shape, state.filter.shape
    s, p, d = state.stride, state.padding, state.dilation
    bias = int(state.bias) if float(state.bias).is_integer() else float(state.bias)  # the player writes 0, not 0.0
    # first the convolution: its error names both sides of the filter and of the padded input
    data, amap = step_player(grid_to_text(state.input), grid_to_text(state.filter), bias, state.relu, s, p, d)
    rows, cols = conv_output_formula(H, kh, s, p, d), conv_output_formula(W, kw, s, p, d)
    axes = f"`{rows}` on both axes" if rows == cols else f"rows `{rows}`, columns `{cols}`"
    shape = format_shape(amap.shape)
    settings = [f"Stride **{s}**", f"padding **{p}**", f"dilation **{d}**"] + (
        [f"bias **{format_number(bias)}**"] if bias else []) + (["ReLU"] if state.relu else [])
    formula = f"`{rows}`" if rows == cols else f"rows `{rows}`, columns `{cols}`"
    return ConvView(data, amap, f"Output size: {axes} → activation map **{shape}**",
                    " · ".join(settings) + f" · output size {formula} → **{shape}**")


def first_example() -> ConvView:
    """The convolution the page opens with: the lecture's input and filter."""
    return convolve(URL.default)


# One JSON text handed to every session (no copy, no second writing out per rerun); the page adds its own
# keys beside it when it mounts the player.
@bounded(max_entries=256)
def step_player(x_text: str, w_text: str, bias, relu: bool, stride: int, padding: int,
                dilation: int) -> tuple[str, np.ndarray]:
    """The player's data and the activation map, cached on the grids' link text, not on the step."""
    spec = replace(_spec(x_text, w_text, bias, relu, stride, padding, dilation), editable=("in", "flt"))
    amap = spec.output
    amap.flags.writeable = False
    return player.player_json(spec), amap


def pools_well(amap: np.ndarray) -> bool:
    """2x2 max pooling with stride 2 (the Pooling page's default) keeps a 2x2 output or more and drops no cell."""
    return min(amap.shape) >= 4 and bool(covered_cells(amap.shape, 2, 2).all())


def pool_link(state: ConvState, amap: np.ndarray) -> None:
    """The link to the Pooling page: this activation map when it pools well, else a map made for pooling."""
    page = ui.ROOT / "pages" / "pooling.py"
    if not page.exists():
        return
    if pools_well(amap):
        (H, W), (kh, kw) = state.input.shape, state.filter.shape
        ui.page_link(page, f"Pool this {format_shape(amap.shape)} map →",
                     {"input": grid_to_text(amap), "from": f"conv-{H}x{W}-{kh}x{kw}"}, icon=":material/compress:")
        return
    ex = pool_example()
    example_map = conv2d(ex.input, ex.filter)  # (6, 6)
    ui.page_link(page, f"Pool a {format_shape(example_map.shape)} map →",
                 {"input": grid_to_text(example_map), "from": "example"}, icon=":material/compress:")
    why = ("is too small for" if min(amap.shape) < 4 else "would lose its last row or column to")
    st.caption(f"This {format_shape(amap.shape)} map {why} 2x2 pooling with stride 2; that one is {ex.name} "
               f"({format_shape(ex.input.shape)}) through the lecture's {format_shape(ex.filter.shape)} filter.")


# The pages that step through a relative of the convolution: (file, link text, icon); a link shows once its page exists.
RELATIVES = (
    ("relatives.py", "1-D, 1x1, grouped →", ":material/hub:"),
    ("transposed.py", "Transposed →", ":material/open_in_full:"),
)


def relatives_links() -> None:
    """A short block linking to each page that steps through one of the convolution's relatives."""
    pages = [(ui.ROOT / "pages" / file, label, icon) for file, label, icon in RELATIVES
             if (ui.ROOT / "pages" / file).exists()]
    if not pages:
        return
    st.markdown("**Convolution's relatives**")
    for page, label, icon in pages:
        ui.page_link(page, label, icon=icon)


@bounded(max_entries=64)
def _spec(x_text: str, w_text: str, bias, relu: bool, stride: int, padding: int, dilation: int) -> player.PlayerSpec:
    """The player's spec, shared by every student on these grids (the downloads read it, never change it)."""
    return fig_conv.conv_player_spec(grid_from_text(x_text), grid_from_text(w_text), bias, relu=relu, stride=stride,
                                     padding=padding, dilation=dilation)


def slides_ui(state: ConvState) -> None:
    """Under the player: the animation as GIF, this step as PNG, the grids as CSV, and the code."""
    bias = int(state.bias) if float(state.bias).is_integer() else float(state.bias)
    args = (grid_to_text(state.input), grid_to_text(state.filter), bias, state.relu, state.stride, state.padding,
            state.dilation)
    ui_export.slides_box(lambda: _spec(*args), lambda: ConvSettings(state.input, state.filter, bias, state.stride,
                                                                   state.padding, state.dilation, state.relu),
                         key="conv_slides", name="cnnviz-convolution", step=state.step)
