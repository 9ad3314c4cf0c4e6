"""The Convolution page's link, settings and cached player."""
from __future__ import annotations

import numpy as np
import streamlit as st

from cnnviz.views import conv as fig_conv, player
from cnnviz.grids import grid_from_text
from cnnviz.presets import LECTURE_FILTER, LECTURE_INPUT
from cnnviz.ui.state import UrlState, bool_field, float_field, grid_field, int_field

LIMITS = {"input": (3, 16), "filter": (1, 7), "stride": (1, 4), "padding": (0, 3), "dilation": (1, 3)}


# The Convolution page's link: grids, bias, ReLU, stride, padding, dilation and the player's step.
URL = UrlState("conv", [
    grid_field("input", LECTURE_INPUT, *LIMITS["input"], "input"),
    grid_field("filter", LECTURE_FILTER, *LIMITS["filter"], "filter"),
    float_field("bias", 0, -1000, 1000, "bias"),
    bool_field("relu", False, "ReLU switch"),
    int_field("stride", 1, *LIMITS["stride"], "stride"),
    int_field("padding", 0, *LIMITS["padding"], "padding"),
    int_field("dilation", 1, *LIMITS["dilation"], "dilation"),
    int_field("step", None, 0, 100_000, "animation step"),
])


def settings_ui() -> dict:
    """Stride, padding, dilation, bias and ReLU widgets (keys ``conv_<name>``); returns their values."""
    out = {
        "stride": st.number_input("Stride", *LIMITS["stride"], step=1, key="conv_stride",
                                  help="How far the window moves at each step."),
        "padding": st.number_input("Zero padding", *LIMITS["padding"], step=1, key="conv_padding",
                                   help="Rings of zeros added around the input."),
        "dilation": st.number_input("Dilation", *LIMITS["dilation"], step=1, key="conv_dilation",
                                    help="Spacing between the filter's taps: 2 spreads a 3x3 filter over 5x5."),
    }
    bias = st.number_input("Bias", -1000.0, 1000.0, step=1.0, key="conv_bias", format="%g",
                           help="Added to every dot product.")
    out["bias"] = int(bias) if float(bias).is_integer() else float(bias)
    out["relu"] = st.toggle("ReLU", key="conv_relu", help="Replace negative outputs by 0: max(0, x).")
    return out


def step_player(x_text: str, w_text: str, bias, relu: bool, stride: int, padding: int, dilation: int,
                step: int | None) -> tuple[str, np.ndarray]:
    """The player's HTML, opening on ``step``, and the activation map."""
    template, amap = _player_template(x_text, w_text, bias, relu, stride, padding, dilation)
    return player.with_step(template, step), amap


@st.cache_data(max_entries=256, show_spinner=False)
def _player_template(x_text: str, w_text: str, bias, relu: bool, stride: int, padding: int,
                     dilation: int) -> tuple[str, np.ndarray]:
    """Cached on the grids' link text, not the step: students paused on different steps share it."""
    x, w = grid_from_text(x_text), grid_from_text(w_text)
    spec = fig_conv.conv_player_spec(x, w, bias, relu=relu, stride=stride, padding=padding, dilation=dilation)
    return player.player_template(spec), spec.output
