"""The RGB filters page: its examples, its state in the link, and the cached player."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import streamlit as st

from cnnviz.kernel.notation import format_shape
from cnnviz.kernel.shapes import conv_param_formula
from cnnviz.ui.cache import bounded
from cnnviz.ui.state import UrlState, bool_field, choice_field, index_field, int_field
from cnnviz.views import channels as view_channels, player
from cnnviz.views.code import ConvSettings


@dataclass(frozen=True)
class Example:
    """An input volume and a bank of filters to step through."""

    label: str
    input: np.ndarray  # (H, W, C) whole numbers
    filters: np.ndarray  # (F, kh, kw, C)
    biases: tuple[int, ...]  # one per filter
    input_code: str  # the NumPy line that makes ``input`` (for the code box)
    filters_code: str


def _seeded(seed: int, lo: int, hi: int, shape: tuple[int, ...]) -> tuple[np.ndarray, str]:
    code = f"np.random.default_rng({seed}).integers({lo}, {hi + 1}, {shape})"
    arr = np.random.default_rng(seed).integers(lo, hi + 1, shape)
    arr.flags.writeable = False  # shared by every session
    return arr, code


def _example(label: str, side: int, k: int, F: int, biases: tuple[int, ...], seed: int) -> Example:
    x, x_code = _seeded(seed, 0, 3 if side <= 8 else 5, (side, side, 3))
    w, w_code = _seeded(seed + 1, -1 if side <= 8 else -2, 1 if side <= 8 else 2, (F, k, k, 3))
    return Example(label, x, w, biases, x_code, w_code)


EXAMPLES = {
    "small": _example("A 5x5x3 input, two 3x3x3 filters", 5, 3, 2, (1, -2), seed=7),
    "lecture": _example("The lecture's 32x32x3 with six 5x5x3 filters", 32, 5, 6, (1, -1, 2, 0, -2, 3), seed=32),
}
MAX_FILTERS = max(e.filters.shape[0] for e in EXAMPLES.values())


@dataclass(frozen=True)
class ChannelsState:
    """Every setting of the page; round-trips through the link."""

    example: str  # a key of EXAMPLES
    pick: int  # the filter the player steps through, from 0
    stride: int
    padding: int
    step: int | None  # the step the player opens on; None: the whole map
    present: bool  # the presenter view: the player fills the screen


def _check(values: dict, refused: set[str]) -> tuple[dict, list[str]]:
    """A filter number the example does not have falls back to the first filter."""
    F = EXAMPLES[values["example"]].filters.shape[0]
    if values["pick"] >= F:
        return {**values, "pick": 0}, [f"This example has {F} filters, not {values['pick'] + 1}: showing filter 1."]
    return values, []


URL = UrlState("chan", ChannelsState, [
    choice_field("example", "small", list(EXAMPLES), "example"),
    replace(index_field("filter", MAX_FILTERS, "filter number"), attr="pick"),
    int_field("stride", 1, 1, 2, "stride"),
    int_field("padding", 0, 0, 2, "padding"),
    int_field("step", None, 0, 100_000, "animation step"),
    bool_field("present", False, "presenter view switch"),
], widgets={"stride": "chan_stride", "padding": "chan_padding", "present": "chan_present"}, check=_check)


@dataclass(frozen=True)
class ChannelsView:
    """What the page shows of one example and filter."""

    spec: player.PlayerSpec  # the multi-channel spec (input (C, Hp, Wp), filter (C, kh, kw))
    data: str  # the player's data as JSON (every channel drawn, every filter's map), without its step
    key: str  # names this view for the downloads


@bounded(max_entries=32)
def _view(example: str, pick: int, stride: int, padding: int) -> ChannelsView:
    ex = EXAMPLES[example]
    spec = view_channels.bank_player_spec(ex.input, ex.filters, ex.biases, pick, stride=stride, padding=padding)
    key = f"{example}-{pick}-{stride}-{padding}"
    return ChannelsView(spec, player.player_json(spec), key)


def view(state: ChannelsState) -> ChannelsView:
    """The player and the bank of ``state`` (cached: every student on the same settings shares it)."""
    return _view(state.example, state.pick, state.stride, state.padding)


def numbers_line(state: ChannelsState, v: ChannelsView) -> str:
    """``32x32x3 → 28x28x6``, the filters and their parameters, in the lecture's writing."""
    ex = EXAMPLES[state.example]
    F, kh, kw, C = ex.filters.shape
    return (f"**{v.spec.volume_caption}**: {F} filters of {format_shape((kh, kw, C))}, each adds one activation map "
            f"to the output volume. Parameters: {conv_param_formula(kh, kw, C, F)} (+1 for each filter's bias).")


def code_settings(state: ChannelsState) -> ConvSettings:
    """The bank as ``cnnviz.conv2d`` takes it: filters ``(kh, kw, C, F)``."""
    ex = EXAMPLES[state.example]
    return ConvSettings(ex.input, ex.filters.transpose(1, 2, 3, 0), list(ex.biases), stride=state.stride,
                        padding=state.padding, input_code=ex.input_code,
                        filter_code=f"{ex.filters_code}.transpose(1, 2, 3, 0)")


def picked_map(player_key: str) -> int | None:
    """The filter whose map the student last clicked in the player's output volume (its state ``pick``), once."""
    pick = (st.session_state.get(player_key) or {}).get("pick")
    if not isinstance(pick, dict) or pick.get("seq") == st.session_state.get(f"{player_key}__pick_ack"):
        return None
    st.session_state[f"{player_key}__pick_ack"] = pick.get("seq")
    try:
        return int(pick["f"])
    except (KeyError, TypeError, ValueError):
        return None


def _switch(example: str) -> None:
    st.session_state["chan_switch_to"] = example


def settings_ui(state: ChannelsState, fresh: set[str]) -> ChannelsState:
    """The example button, the filter picker (a click on a map in the player picks too), stride and padding."""
    ss = st.session_state
    target = ss.pop("chan_switch_to", None)  # the example button was pressed
    switched = target in EXAMPLES and target != state.example
    if switched:
        state = replace(state, example=target, pick=0, step=None)
    other = "small" if state.example == "lecture" else "lecture"
    label = EXAMPLES[other].label if other == "lecture" else f"Back to the small example: {EXAMPLES[other].label}"
    st.button(label, icon=":material/school:" if other == "lecture" else ":material/undo:", key="chan_example",
              on_click=_switch, args=(other,))
    F = EXAMPLES[state.example].filters.shape[0]
    pick_key = f"chan_pick_{state.example}"  # one picker per example: they have different numbers of filters
    if switched or "pick" in fresh or pick_key not in ss:
        ss[pick_key] = state.pick
    clicked = picked_map("chan_player")
    if not switched and clicked is not None and 0 <= clicked < F:
        ss[pick_key] = clicked
    c1, c3, c4 = st.columns([3, 1.2, 1.2], vertical_alignment="bottom")
    pick = c1.segmented_control("Filter in the player", list(range(F)), key=pick_key, required=True,
                                format_func=lambda f: f"{f + 1}")
    stride = c3.number_input("Stride", 1, 2, step=1, key="chan_stride")
    padding = c4.number_input("Zero padding", 0, 2, step=1, key="chan_padding")
    pick = state.pick if pick is None else int(pick)
    changed = switched or (pick, stride, padding) != (state.pick, state.stride, state.padding)
    return replace(state, pick=pick, stride=int(stride), padding=int(padding), step=None if changed else state.step)
