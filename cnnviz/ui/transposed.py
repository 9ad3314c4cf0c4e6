"""The page "Transposed convolution": its state in the link, its settings, the cached player and matrix view."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import streamlit as st

from cnnviz.kernel.conv import conv2d
from cnnviz.kernel.grids import grid_from_text, grid_to_text
from cnnviz.kernel.notation import format_shape
from cnnviz.kernel.shapes import conv_transpose_output_formula
from cnnviz.kernel.transpose import conv_transpose2d
from cnnviz.lecture.presets import LECTURE_FILTER, LECTURE_INPUT
from cnnviz.ui.cache import bounded
from cnnviz.ui.state import UrlState, bool_field, grid_field, int_field
from cnnviz.ui.widgets import grid_text_input, presenter_toggle
from cnnviz.views import player
from cnnviz.views.transpose import matrix_html, transposed_player_spec

LIMITS = {"input": (1, 5), "filter": (1, 5), "stride": (1, 3), "padding": (0, 2), "output_padding": (0, 2)}
LECTURE_MAP = conv2d(LECTURE_INPUT, LECTURE_FILTER)  # (3, 3) the lecture's activation map: the page's input
LECTURE_MAP.flags.writeable = False
GRIDS = {"input": "Input", "filter": "Filter"}


@dataclass(frozen=True, eq=False)
class TransposedState:
    """Every setting of the page; round-trips through the link."""

    input: np.ndarray  # (H, W) the grid whose cells stamp the filter
    filter: np.ndarray  # (kh, kw)
    stride: int  # how far apart the stamps of neighbouring cells land
    padding: int  # cells cropped from each side of the stamped area
    output_padding: int  # cells added at the bottom and right, below the stride
    step: int | None  # the step the player opens on; None: the whole output
    present: bool  # the presenter view: the player fills the screen


URL = UrlState("tr", TransposedState, [
    grid_field("input", LECTURE_MAP, *LIMITS["input"], "input"),
    grid_field("filter", LECTURE_FILTER, *LIMITS["filter"], "filter"),
    int_field("stride", 1, *LIMITS["stride"], "stride"),
    int_field("padding", 0, *LIMITS["padding"], "padding"),
    int_field("output_padding", 0, *LIMITS["output_padding"], "output padding"),
    int_field("step", None, 0, 100_000, "animation step"),
    bool_field("present", False, "presenter view switch"),
], widgets={name: f"tr_{name}" for name in ("stride", "padding", "output_padding", "present")})


@dataclass(frozen=True)
class TransposedView:
    """What the page shows of one transposed convolution that worked."""

    data: str  # the step player's data (views.player.player_json), its notes the matrix view
    output: np.ndarray  # (H_out, W_out)
    size_line: str  # the output-size formula on each axis and the output's shape
    settings_line: str  # stride, padding and output padding, then the output-size formula (presenter view)


def settings_ui(state: TransposedState, fresh: set[str]) -> dict:
    """The sidebar: the input and the filter as text, stride, padding, output padding, the presenter view."""
    out = {name: grid_text_input(f"tr_{name}", label, URL.fields[name], getattr(state, name), name in fresh)
           for name, label in GRIDS.items()}
    out["stride"] = st.number_input("Stride", *LIMITS["stride"], step=1, key="tr_stride",
                                    help="How far apart neighbouring input cells stamp the filter: 2 doubles the size.")
    out["padding"] = st.number_input("Padding", *LIMITS["padding"], step=1, key="tr_padding",
                                     help="Cells cropped from each side of the stamped area.")
    out["output_padding"] = st.number_input(
        "Output padding", *LIMITS["output_padding"], step=1, key="tr_output_padding",
        help="Cells added at the bottom and the right, smaller than the stride: the sizes a strided convolution "
             "maps onto the same input.")
    out["present"] = presenter_toggle("tr_present")
    return out


def transposed(state: TransposedState) -> TransposedView:
    """The player and the output of ``state``; ValueError when the settings do not fit."""
    return transposed_view(grid_to_text(state.input), grid_to_text(state.filter), state.stride, state.padding,
                           state.output_padding)


def first_example() -> TransposedView:
    """The transposed convolution the page opens with: the lecture's map and filter."""
    return transposed(URL.default)


# One JSON text handed to every session on these settings; the page adds its own keys when it mounts the player.
@bounded(max_entries=128)
def transposed_view(x_text: str, w_text: str, stride: int, padding: int, output_padding: int) -> TransposedView:
    """The player (its notes the matrix view) and the output, cached on the grids' link text, not on the step."""
    x, w = grid_from_text(x_text), grid_from_text(w_text)
    conv = {"stride": stride, "padding": padding, "output_padding": output_padding}
    spec = transposed_player_spec(x, w, **conv)  # ValueError when the settings do not fit
    out = conv_transpose2d(x, w, **conv)  # (H_out, W_out)
    out.flags.writeable = False
    # On the lecture's example M @ x, x the lecture's input, is the lecture's map: the player's input.
    lecture = np.array_equal(x, LECTURE_MAP) and np.array_equal(w, LECTURE_FILTER) and stride == 1 and padding == 0
    notes = matrix_html(x, w, **conv, x=LECTURE_INPUT if lecture else None, x_name="the lecture's 5x5 input",
                        y_name="the lecture's activation map")
    data = player.player_json(replace(spec, notes=notes))
    (H, W), (kh, kw) = x.shape, w.shape
    rows = conv_transpose_output_formula(H, kh, stride, padding, output_padding)
    cols = conv_transpose_output_formula(W, kw, stride, padding, output_padding)
    shape = format_shape(out.shape)
    formula = f"`{rows}`" if rows == cols else f"rows `{rows}`, columns `{cols}`"
    axes = f"`{rows}` on both axes" if rows == cols else f"rows `{rows}`, columns `{cols}`"
    return TransposedView(data, out, f"Output size: {axes} → output **{shape}**",
                          f"Stride **{stride}** · padding **{padding}** · output padding **{output_padding}** · "
                          f"output size {formula} → **{shape}**")
