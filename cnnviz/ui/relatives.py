"""The page "Convolution's relatives": 1x1, grouped and depthwise, and 1-D convolution; its state in the link.

Three parts, one step player each: a 1x1 filter bank on the RGB page's 5x5x3 input (the multi-channel
player), a grouped convolution on a 5x5x4 input (the same player, each channel's group coloured and named, the
filter seeing its own group's channels), and a 1-D convolution along a real yearly series (the player on a
row of cells, and the series above its output). Every setting is in the link.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import streamlit as st

from cnnviz.kernel.grids import parse_cells
from cnnviz.kernel.notation import format_count, format_number, format_product, format_shape
from cnnviz.kernel.shapes import conv_output_formula, conv_param_count, conv_param_formula
from cnnviz.lecture.series import SERIES, load_series
from cnnviz.ui import ReadyFigure
from cnnviz.ui.cache import bounded
from cnnviz.ui.channels import EXAMPLES as RGB_EXAMPLES, picked_map
from cnnviz.ui.state import LastValid, UrlField, UrlState, bool_field, choice_field, index_field, int_field, \
    numbers_field
from cnnviz.views import player
from cnnviz.views.channels import bank_player_spec
from cnnviz.views.sequence import sequence_player_spec, series_figure, window_centres, window_span

PARTS = {"1x1": "1x1 convolution", "grouped": "Grouped and depthwise", "1d": "1-D on a time series"}
MAX_1X1 = 4  # 1x1 filters a student may type
MAX_TAPS = 15  # taps of a typed 1-D filter
LIMITS = {"stride": (1, 4), "padding": (0, 3), "dilation": (1, 3)}

# 1x1: the RGB page's 5x5x3 input; filter 1 adds the channels, filter 2 is red minus green.
RGB_INPUT = RGB_EXAMPLES["small"].input  # (5, 5, 3) whole numbers 0..3
DEFAULT_1X1 = np.array([[1, 1, 1], [1, -1, 0]], dtype=np.int64)  # (F, C): one row of w_R, w_G, w_B per filter
DEFAULT_1X1.flags.writeable = False
DEFAULT_1X1_BIASES = (1, 0)


def _seeded(seed: int, lo: int, hi: int, shape: tuple[int, ...]) -> np.ndarray:
    arr = np.random.default_rng(seed).integers(lo, hi + 1, shape)
    arr.flags.writeable = False  # shared by every session
    return arr


# Grouped: a 5x5x4 input and four 3x3 filters. With G groups, filter f keeps the weights of this bank on the
# channels of its group only, so the same filter is compared across 1, 2 and 4 groups.
GROUPED_INPUT = _seeded(11, 0, 3, (5, 5, 4))  # (H, W, C)
GROUPED_BANK = _seeded(12, -1, 1, (4, 3, 3, 4))  # (F, kh, kw, C)
GROUPED_BIASES = (1, 0, -1, 2)
GROUP_CHOICES = (1, 2, 4)
CHANNEL_NAMES = ("C1", "C2", "C3", "C4")
KERNELS = {"avg3": "Mean of 3", "avg5": "Mean of 5", "avg7": "Mean of 7", "diff": "Difference [−1, 1]",
           "typed": "Your own"}
KERNEL_NAMES = {"avg3": "moving average of 3", "avg5": "moving average of 5", "avg7": "moving average of 7",
                "diff": "difference [−1, 1]"}
DEFAULT_TAPS = (1, -2, 1)


@dataclass(frozen=True, eq=False)
class RelativesState:
    """Every setting of the page; round-trips through the link."""

    part: str  # a key of PARTS
    pick: int  # the filter the player steps through (1x1 and grouped), from 0
    w1: np.ndarray  # (F, 3) the 1x1 filters: one row of w_R, w_G, w_B per filter
    b1: tuple  # one bias per 1x1 filter
    groups: int  # one of GROUP_CHOICES
    series: str  # a key of SERIES
    kernel: str  # a key of KERNELS
    taps: tuple  # the typed 1-D filter's weights
    stride: int  # the 1-D convolution's
    padding: int
    dilation: int
    step: int | None  # the step the player opens on; None: the whole output
    present: bool  # the presenter view: the player fills the screen


def parse_1x1(text: str) -> np.ndarray:
    """``1,1,1;1,-1,0``: one row of three weights (R, G, B) per filter, 1 to ``MAX_1X1`` filters."""
    rows = [r.split(",") for r in str(text).strip().strip(";").split(";")] if str(text).strip() else []
    if not rows:
        raise ValueError("type one filter's three weights, w_R, w_G, w_B, like 1, 1, 1")
    if len(rows) > MAX_1X1:
        raise ValueError(f"it has {len(rows)} filters: give 1 to {MAX_1X1}, separated by ';'")
    if any(len(r) != 3 for r in rows):
        raise ValueError("each 1x1 filter on R, G, B has three weights, one per channel: w_R, w_G, w_B")
    arr, errors = parse_cells(rows, name="1x1 filters", limit=1000)
    if errors:
        raise ValueError(errors[0].rstrip("."))
    return arr


def _check(values: dict, refused: set[str]) -> tuple[dict, list[str]]:
    """One bias per 1x1 filter (else 0 each); a filter the part's bank has (else filter 1)."""
    warnings = []
    F = values["w1"].shape[0]
    if len(values["b1"]) != F:
        warnings.append(f"The link has {F} 1x1 filter{'s' if F > 1 else ''} but {len(values['b1'])} "
                        f"bias{'es' if len(values['b1']) != 1 else ''} (`b1`): using 0 for each filter.")
        values = {**values, "b1": (0,) * F}
    F = {"1x1": F, "grouped": GROUPED_BANK.shape[0]}.get(values["part"], MAX_1X1)
    if values["pick"] >= F:
        warnings.append(f"This part has {F} filters, not {values['pick'] + 1}: showing filter 1.")
        values = {**values, "pick": 0}
    return values, warnings


def _numbers(name: str, default: tuple, what: str, most: int) -> UrlField:
    return numbers_field(name, default, what, lo=-1000, hi=1000, most=most)


URL = UrlState("rel", RelativesState, [
    choice_field("part", "1x1", list(PARTS), "part of the page"),
    replace(index_field("f", MAX_1X1, "filter number"), attr="pick"),
    UrlField("w1", DEFAULT_1X1, parse_1x1, lambda a: ";".join(",".join(format(v, "g") for v in row) for row in
                                                              a.tolist()), "1x1 filters"),
    _numbers("b1", DEFAULT_1X1_BIASES, "1x1 biases", MAX_1X1),
    choice_field("groups", 2, GROUP_CHOICES, "number of groups"),
    choice_field("series", "nile", list(SERIES), "time series"),
    choice_field("kernel", "avg3", list(KERNELS), "1-D filter"),
    _numbers("taps", DEFAULT_TAPS, "typed filter", MAX_TAPS),
    int_field("stride", 1, *LIMITS["stride"], "stride"),
    int_field("padding", 0, *LIMITS["padding"], "padding"),
    int_field("dilation", 1, *LIMITS["dilation"], "dilation"),
    int_field("step", None, 0, 100_000, "animation step"),
    bool_field("present", False, "presenter view switch"),
], widgets={"part": "rel_part", "groups": "rel_groups", "series": "rel_series", "kernel": "rel_kernel",
            "stride": "rel_stride", "padding": "rel_padding", "dilation": "rel_dilation", "present": "rel_present"},
    check=_check)


@dataclass(frozen=True)
class RelativesView:
    """What the page shows of one part's settings."""

    spec: player.PlayerSpec
    data: str  # the player's data as JSON, shared by every student on these settings
    key: str  # names these settings: the step starts over when they change
    line: str  # the shapes and the parameters, or the output length, in the lecture's writing
    notes: tuple[str, ...] = ()  # what the filter does, a sentence each
    figure: ReadyFigure | None = None  # the 1-D part: the series above its output
    figure_note: str = ""  # how to read it, and where the series comes from


@bounded(max_entries=64)
def _view_1x1(w1: tuple, b1: tuple, pick: int) -> RelativesView:
    w = np.array(w1)  # (F, 3)
    F, C = w.shape
    spec = bank_player_spec(RGB_INPUT, w[:, None, None, :], b1, pick)  # filters (F, 1, 1, 3)
    line = f"**{spec.volume_caption}** · {F} filter{'s' if F > 1 else ''} of 1x1x{C}"
    notes = (f"Each output cell is R×w_R + G×w_G + B×w_B + bias at its own pixel: no neighbour takes part. "
             f"Parameters: {conv_param_formula(1, 1, C, F)}. A bank of 1x1 filters changes the depth of a volume and "
             "keeps its height and width; GoogLeNet and ResNet use them to shrink the depth before a costly 3x3 "
             "convolution.",)
    return RelativesView(spec, player.player_json(spec), f"1x1-{w1}-{b1}-{pick}", line, notes)


def group_bank(groups: int) -> np.ndarray:
    """The grouped example's four filters with ``groups`` groups: ``(F, 3, 3, C // groups)``, each filter
    keeping ``GROUPED_BANK``'s weights on its own group's channels."""
    F, C = GROUPED_BANK.shape[0], GROUPED_BANK.shape[3]
    Cg, Fg = C // groups, F // groups
    return np.stack([GROUPED_BANK[f, :, :, (f // Fg) * Cg:(f // Fg + 1) * Cg] for f in range(F)])


def params_line(groups: int) -> str:
    """The grouped example's parameters with ``groups`` against a standard convolution's."""
    F, kh, kw, C = GROUPED_BANK.shape

    def formula(g):
        return f"({format_product(kh, kw, C // g)} + 1)×{F} = {format_count(conv_param_count(kh, kw, C, F, groups=g))}"
    own = f"Parameters: {formula(groups)}"
    return own + (f", against {formula(1)} for a standard convolution." if groups > 1 else
                  ": every filter spans all 4 channels.")


@bounded(max_entries=16)
def _view_grouped(groups: int, pick: int) -> RelativesView:
    bank = group_bank(groups)  # (F, 3, 3, C // groups)
    F, Cg = bank.shape[0], bank.shape[3]
    spec = bank_player_spec(GROUPED_INPUT, bank, GROUPED_BIASES, pick, names=CHANNEL_NAMES, groups=groups)
    g = pick // (F // groups)
    seen = ", ".join(CHANNEL_NAMES[g * Cg:(g + 1) * Cg])
    kind = {1: " (a standard convolution)", 4: " (depthwise: one channel a filter)"}.get(groups, "")
    line = (f"**{spec.volume_caption}** · groups {groups}{kind} · filter {pick + 1} is "
            f"{format_shape((3, 3, Cg))} and sees group {g + 1}: {seen}")
    return RelativesView(spec, player.player_json(spec), f"grouped-{groups}-{pick}", line,
                         (params_line(groups),) + GROUPED_NOTES)


def _separable_note() -> str:
    """MobileNet's depthwise-separable convolution counted against a standard one, from 32 to 64 channels."""
    dw, pw = conv_param_count(3, 3, 32, 32, groups=32), conv_param_count(1, 1, 32, 64)
    return (f"A depthwise convolution followed by a 1x1 one is MobileNet's depthwise-separable convolution: from 32 "
            f"to 64 channels with 3x3 filters it has {format_count(dw)} + {format_count(pw)} = "
            f"{format_count(dw + pw)} parameters (depthwise, then 1x1), against "
            f"{format_count(conv_param_count(3, 3, 32, 64))} for a standard 3x3 convolution.")


GROUPED_NOTES = ("With G groups the C channels and the F filters split in order into G groups; each filter spans "
                 "the C/G channels of its own group, so a layer has G times fewer weights. With G = C it is "
                 "depthwise: one channel a filter.", _separable_note())


def reading_note(part: str) -> str:
    """How to read the player of ``part``."""
    keys = "Keys anywhere on the page: space plays or pauses, ← → step, Home/End jump."
    return {
        "1x1": "The window is one pixel, on every channel: each channel's weight sits in the strip of its cell and "
               "its product is written under the pair; the map adds them and the bias. Click a map of the output "
               "volume to step through its filter. " + keys,
        "grouped": "Each channel is framed in its group's colour and named with its group. The filter has a slice for "
                   "each channel of its own group only, and the window lies on those; the channels of the other "
                   "groups have a dashed frame and stay out of the sum. Click a map of the output volume to step "
                   "through its filter. " + keys,
        "1d": "The series is one row of cells, one a year; the window covers k of them (with dilation d, d years "
              "apart) and each step writes one output. Where the cells are too small to read, the lens beside them "
              "magnifies the window, the filter and the output. " + keys,
    }[part]


def kernel_weights(kernel: str, taps: tuple) -> np.ndarray:
    """The 1-D filter ``kernel`` (a key of ``KERNELS``): ``(k,)``."""
    if kernel.startswith("avg"):
        k = int(kernel[3:])
        return np.full(k, 1 / k)
    if kernel == "diff":
        return np.array([-1, 1])
    return np.array(taps)


def kernel_notes(kernel: str, taps: tuple) -> tuple[str, ...]:
    """What the 1-D filter does, in a sentence or two."""
    if kernel.startswith("avg"):
        k = int(kernel[3:])
        return (f"A moving average of {k} years: {k} weights of 1/{k} each (written {format_number(1 / k)}; the sums "
                f"use 1/{k} itself), so each output is the mean of {k} years in a row and the year-to-year noise "
                "averages out. A wider window smooths more, and the output is k − 1 values shorter.",)
    if kernel == "diff":
        return ("The difference [−1, 1]: each output is the next year minus this one, x[t + 1] − x[t], the "
                "year-to-year change. It is written [−1, 1] because a CNN computes cross-correlation (the filter "
                "is not flipped): −1 lies on year t and +1 on year t + 1. A textbook convolution flips the "
                "filter, and would write the same difference [1, −1].",)
    return (f"Your filter [{', '.join(format_number(v) for v in taps)}]: each output is the weighted sum of "
            f"{len(taps)} years in a row, the first weight on the earliest year.",)


@bounded(max_entries=64)
def _view_1d(series: str, kernel: str, taps: tuple, stride: int, padding: int, dilation: int) -> RelativesView:
    s = load_series(series)
    w = kernel_weights(kernel, taps)
    L, k = s.values.size, w.size
    geometry = {"stride": stride, "padding": padding, "dilation": dilation}
    spec = sequence_player_spec(s.values, w, **geometry, labels=s.years.tolist(),
                                titles=(f"{s.short}, {s.years[0]}-{s.years[-1]}", "Filter", "Output"))
    out = spec.output[0]  # (L_out,)
    spans = [window_span(i, k, L, **geometry) for i in range(out.size)]
    name = KERNEL_NAMES.get(kernel) or f"your filter [{', '.join(format_number(v) for v in taps)}]"
    fig = series_figure(s.years, s.values, out, window_centres(out.size, k, **geometry), what=s.what,
                        output_name=name, spans=spans)
    line = (f"**{s.short}**, {name} · stride **{stride}** · padding **{padding}** · dilation **{dilation}** · "
            f"output length `{conv_output_formula(L, k, stride, padding, dilation)}`")
    key = f"1d-{series}-{kernel}-{taps if kernel == 'typed' else ''}-{stride}-{padding}-{dilation}"
    length = (f"Output length: L_out = ⌊(L + 2·padding − dilation·(k − 1) − 1) / stride⌋ + 1 = "
              f"`{conv_output_formula(L, k, stride, padding, dilation)}`, the 2-D formula along one axis.")
    note = (f"Each output sits under the centre of the window it came from (hover over it for the window's years). "
            f"Padding adds zeros before the first year and after the last, so the outputs at the ends fall toward "
            f"0 there. Data: {s.credit}")
    return RelativesView(spec, player.player_json(spec), key, line, kernel_notes(kernel, taps) + (length,),
                         ReadyFigure(fig), note)


def view(state: RelativesState) -> RelativesView:
    """The part of ``state`` (cached: every student on the same settings shares it); ValueError when it does not
    compute (a typed bias list that does not match the filters)."""
    if state.part == "1x1":
        return _view_1x1(tuple(map(tuple, state.w1.tolist())), tuple(state.b1), state.pick)
    if state.part == "grouped":
        return _view_grouped(state.groups, state.pick)
    return _view_1d(state.series, state.kernel, tuple(state.taps), state.stride, state.padding, state.dilation)


def player_key(state: RelativesState) -> str:
    """The step player of the part shown: one per part, so each keeps its own step."""
    return f"rel_player_{state.part}"


# --- the settings -------------------------------------------------------------------------------------------

def part_ui(state: RelativesState) -> RelativesState:
    """The three parts (above the player, also in the presenter view); another part starts on its whole output."""
    part = st.segmented_control("Part", list(PARTS), format_func=PARTS.get, key="rel_part", required=True,
                                label_visibility="collapsed") or state.part
    return state if part == state.part else replace(state, part=part, pick=0, step=None)


def _typed(name: str, label: str, state: RelativesState, fresh: set[str], parse, help: str, example: str):
    """A setting typed as text (the link's ``name``): refused text says why in one sentence and keeps the last
    valid value."""
    key, field, last = f"rel_{name}_text", URL.fields[name], LastValid(f"rel_{name}")
    value = getattr(state, name)
    if name in fresh or key not in st.session_state or last.get() is None:
        st.session_state[key] = field.encode(value).replace(",", ", ").replace(";", "; ") if value is not None else ""
        last.put(value)
    text = st.text_input(label, key=key, help=help)
    try:
        last.put(parse(text))
    except ValueError as exc:
        reason = str(exc).rstrip(".")
        st.error(f"{label}: {reason}. Type it like {example}. The last valid one is still used.",
                 icon=":material/edit_off:")
    return last.get()


def _numbers_text(name: str):
    field = URL.fields[name]

    def parse(text: str) -> tuple:
        text = str(text).strip()
        return field.parse(text) if text else ()
    return parse


def _pick_ui(state: RelativesState, F: int, fresh: set[str], switched: bool) -> int:
    """The filter in the player: a segmented control, or a click on a map of the output volume."""
    ss = st.session_state
    key = f"rel_pick_{state.part}_{F}"  # one control per count of filters
    if switched or "pick" in fresh or key not in ss:
        ss[key] = min(state.pick, F - 1)
    clicked = picked_map(player_key(state))
    if clicked is not None and 0 <= clicked < F:
        ss[key] = clicked
    pick = st.segmented_control("Filter in the player", list(range(F)), key=key, required=True,
                                format_func=lambda f: f"{f + 1}")
    return min(state.pick, F - 1) if pick is None else int(pick)


def settings_ui(state: RelativesState, fresh: set[str], switched: bool) -> RelativesState:
    """The part's settings; the step starts over when they change what the player shows."""
    if state.part == "1x1":
        left, right = st.columns([3, 2])
        with left:
            w1 = _typed("w1", "1x1 filters: w_R, w_G, w_B, one filter per ';'", state, fresh, parse_1x1,
                        "One row of three weights per filter, one per channel; 1 to 4 filters.", "1, 1, 1; 1, -1, 0")
        with right:
            b1 = _typed("b1", "Biases, one per filter", state, fresh, _numbers_text("b1"),
                        "Left empty, every bias is 0.", "1, 0")
        new = replace(state, w1=w1, b1=tuple(b1) or (0,) * w1.shape[0])
        new = replace(new, pick=_pick_ui(new, w1.shape[0], fresh, switched))
    elif state.part == "grouped":
        left, right = st.columns([2, 3])
        groups = left.segmented_control("Groups", GROUP_CHOICES, key="rel_groups", required=True,
                                        format_func=lambda g: {4: "4 (depthwise)"}.get(g, str(g)))
        new = replace(state, groups=int(groups or state.groups))
        with right:
            new = replace(new, pick=_pick_ui(new, GROUPED_BANK.shape[0], fresh, switched))
    else:
        series = st.segmented_control("Series", list(SERIES), key="rel_series", required=True,
                                      format_func=lambda k: load_series(k).short)
        kernel = st.segmented_control("Filter", list(KERNELS), key="rel_kernel", required=True,
                                      format_func=KERNELS.get)  # not in a column: a phone wraps its buttons
        new = replace(state, series=series or state.series, kernel=kernel or state.kernel)
        if new.kernel == "typed":
            taps = _typed("taps", "Your filter's weights", new, fresh, _typed_taps,
                          f"Up to {MAX_TAPS} weights separated by commas, the first on the earliest year.",
                          "1, -2, 1")
            new = replace(new, taps=tuple(taps))
        c1, c2, c3 = st.columns(3)
        new = replace(new, stride=int(c1.number_input("Stride", *LIMITS["stride"], step=1, key="rel_stride")),
                      padding=int(c2.number_input("Zero padding", *LIMITS["padding"], step=1, key="rel_padding")),
                      dilation=int(c3.number_input("Dilation", *LIMITS["dilation"], step=1, key="rel_dilation")))
    return new


def settings_key(state: RelativesState) -> tuple:
    """What of ``state`` the player shows: when it changes, the player opens on the whole output again."""
    if state.part == "1x1":
        return state.part, state.w1.tolist(), state.b1, state.pick
    if state.part == "grouped":
        return state.part, state.groups, state.pick
    return state.part, state.series, state.kernel, state.taps, state.stride, state.padding, state.dilation


def _typed_taps(text: str) -> tuple:
    taps = _numbers_text("taps")(text)
    if not taps:
        raise ValueError("the filter needs at least one weight")
    return taps
