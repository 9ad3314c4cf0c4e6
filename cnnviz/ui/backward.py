"""The page "How a filter learns": its state in the link, its settings, the cached players and descent."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import streamlit as st

from cnnviz.kernel.backward import conv2d_backward
from cnnviz.kernel.conv import conv2d
from cnnviz.kernel.gradients import GRADIENT_SOURCES, map_gradient, squared_loss
from cnnviz.kernel.grids import grid_from_text, grid_to_text
from cnnviz.kernel.notation import format_count, format_fixed, format_number, format_shape
from cnnviz.learn.descent import STARTS, curvatures, default_rate, descend, descent_after
from cnnviz.learn.digits import digits_split
from cnnviz.learn.network import MAX_EPOCHS, MAX_FILTERS, TrainConfig
from cnnviz.lecture.presets import LECTURE_FILTER, LECTURE_INPUT
from cnnviz.ui import ReadyFigure, html, is_phone
from cnnviz.ui.cache import bounded
from cnnviz.ui.state import LastValid, UrlField, UrlState, bool_field, choice_field, grid_field, int_field
from cnnviz.ui.widgets import grid_text_input, presenter_toggle
from cnnviz.views import backward as fig_bw, player

LIMITS = {"input": (3, 16), "filter": (1, 7), "target": (1, 16), "stride": (1, 4), "padding": (0, 3),
          "dilation": (1, 3), "gd": (1, 200)}
PARTS = {"w": f"{fig_bw.DW}: each weight", "x": f"{fig_bw.DX}: each input cell"}
SOURCES = {"ones": f"{fig_bw.DMAP} = 1 in every cell", "target": "L = ½ Σ (map − target)²",
           "given": f"{fig_bw.DMAP} given in the link, cell by cell"}
# Learning rates offered, a 1-2-5 series: the lecture's example is stable below 2/L = 0.0119.
RATES = (0.00001, 0.00002, 0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5)
LONG_RUN = 2000  # steps of the run whose last filter the page compares with the one that made the target
# The lecture's map with two cells changed: dL/dmap is 2 at the top left, −1 at the bottom right, 0 elsewhere.
DEFAULT_TARGET = np.array([[10, 12, 17], [10, 17, 19], [9, 6, 15]], dtype=np.int64)
GRIDS = {"input": "Input", "filter": "Filter", "target": "Target map"}


@dataclass(frozen=True, eq=False)
class BackwardState:
    """Every setting of the page; round-trips through the link."""

    input: np.ndarray  # (H, W) the input of the forward pass
    filter: np.ndarray  # (kh, kw) its filter
    stride: int
    padding: int
    dilation: int
    source: str  # where dL/dmap comes from: "ones" (1 in every cell), "target" (map − target) or "given" (dmap)
    target: np.ndarray  # (H_out, W_out) the map the loss compares with
    dmap: np.ndarray | None  # (H_out, W_out) dL/dmap given cell by cell; None: none given
    net: tuple[int, int, int] | None  # where the given dL/dmap came from: (test digit, epoch, filter from 1)
    part: str  # the player steps through "w" (each weight: dL/dW) or "x" (each input cell: dL/dX)
    step: int | None  # the step the player opens on; None: the whole grid
    rate: float  # η of gradient descent
    gd: int  # steps of descent
    start: str  # descent starts from "zero" or "random" (seeded whole numbers)
    present: bool  # the presenter view: the player fills the screen
    descent: bool = False  # "Learn the filter back from its map" open (in the link: a room's followers open it too)


def parse_origin(text: str) -> tuple[int, int, int]:
    """``digit,epoch,filter``: the test digit, the epoch its backward step led to, the filter (from 1)."""
    parts = str(text).split(",")
    if len(parts) != 3:
        raise ValueError("it should be three whole numbers: the test digit, the epoch and the filter")
    limits = (("test digit", 0, len(digits_split().test_labels) - 1), ("epoch", 1, MAX_EPOCHS),
              ("filter", 1, MAX_FILTERS))
    out = []
    for part, (what, lo, hi) in zip(parts, limits):
        try:
            out.append(int_field("net", 0, lo, hi, what).parse(part))
        except ValueError as exc:
            raise ValueError(f"its {what}: {exc}") from None
    return tuple(out)


def _check(values: dict, refused: set[str]) -> tuple[dict, list[str]]:
    """A given dL/dmap needs one in the link; without it, 1 in every cell (a refused one has said why)."""
    if values["source"] != "given" or values["dmap"] is not None:
        return values, []
    said = [] if "dmap" in refused else [f"The link asks for a given {fig_bw.DMAP} (`source=given`) but gives none "
                                         f"(`dmap`): using {fig_bw.DMAP} = 1 in every cell instead."]
    return {**values, "source": "ones"}, said


URL = UrlState("bw", BackwardState, [
    grid_field("input", LECTURE_INPUT, *LIMITS["input"], "input"),
    grid_field("filter", LECTURE_FILTER, *LIMITS["filter"], "filter"),
    int_field("stride", 1, *LIMITS["stride"], "stride"),
    int_field("padding", 0, *LIMITS["padding"], "padding"),
    int_field("dilation", 1, *LIMITS["dilation"], "dilation"),
    choice_field("source", "ones", GRADIENT_SOURCES, "gradient source"),
    grid_field("target", DEFAULT_TARGET, *LIMITS["target"], "target map"),
    grid_field("dmap", None, *LIMITS["target"], "map gradient", "It is left out."),
    UrlField("net", None, parse_origin, lambda v: ",".join(map(str, v)), "origin of the map gradient",
             "It is left out."),
    choice_field("part", "w", tuple(PARTS), "gradient to step through"),
    int_field("step", None, 0, 100_000, "animation step"),
    choice_field("rate", 0.005, RATES, "learning rate"),
    int_field("gd", 30, *LIMITS["gd"], "number of descent steps"),
    choice_field("start", "zero", STARTS, "starting filter"),
    bool_field("present", False, "presenter view switch"),
    bool_field("descent", False, "descent part switch"),
], widgets={name: f"bw_{name}" for name in ("stride", "padding", "dilation", "source", "part", "rate", "gd", "start",
                                            "present", "descent")}, check=_check)


@dataclass(frozen=True)
class BackwardView:
    """What the page shows of one backward pass that worked."""

    data: str  # the step player's data (views.player.player_json), shared by every student on these grids
    grids: str  # the forward pass above its gradients, as HTML grids
    bias_line: str  # dL/db written out
    loss_line: str  # the loss, why dL/dmap is 1, or where the given one came from
    filter: np.ndarray  # (kh, kw)
    dw: np.ndarray  # (kh, kw)
    db: float | int
    note: str  # how the target (or the given dL/dmap) was fitted to the map's shape, or ""


def grids_ui(state: BackwardState, fresh: set[str]) -> dict[str, np.ndarray]:
    """The input, the filter and the target typed as text (``3,3,2;0,0,1;…``); a refused text keeps the last
    valid grid and says why. Returns the grids in use."""
    return {name: grid_text_input(f"bw_{name}", label, URL.fields[name], getattr(state, name), name in fresh,
                                  shown=name != "target" or state.source == "target")
            for name, label in GRIDS.items()}


def settings_ui(state: BackwardState, fresh: set[str]) -> dict:
    """The sidebar: the grids, stride, padding, dilation, where dL/dmap comes from, the presenter view."""
    out = grids_ui(state, fresh)
    out["stride"] = st.number_input("Stride", *LIMITS["stride"], step=1, key="bw_stride")
    out["padding"] = st.number_input("Zero padding", *LIMITS["padding"], step=1, key="bw_padding")
    out["dilation"] = st.number_input("Dilation", *LIMITS["dilation"], step=1, key="bw_dilation")
    sources = tuple(s for s in SOURCES if s != "given" or state.dmap is not None)  # given: only by a link
    out["source"] = st.radio(f"Where {fig_bw.DMAP} comes from", sources, format_func=SOURCES.get,
                             key="bw_source", help="1 in every cell gives the lecture's numbers; the loss compares "
                                                   "the map with a target map you type; a link from “A CNN that "
                                                   "learns” gives what its network sent back.")
    out["present"] = presenter_toggle("bw_present")
    return out


def part_ui() -> str:
    """Which gradient the player steps through (above the player, also in the presenter view)."""
    return st.segmented_control("Step through", tuple(PARTS), format_func=PARTS.get, key="bw_part",
                                required=True, label_visibility="collapsed") or "w"


def backward(state: BackwardState) -> BackwardView:
    """The player and the gradients of ``state``; ValueError when the filter does not fit the input."""
    grid = {"target": state.target, "given": state.dmap}.get(state.source)
    return backward_view(grid_to_text(state.input), grid_to_text(state.filter), state.stride, state.padding,
                         state.dilation, state.source, None if grid is None else grid_to_text(grid), state.part,
                         state.net if state.source == "given" else None)


def _fitted(grid: np.ndarray, fill: np.ndarray, what: str, filled: str) -> tuple[np.ndarray, str]:
    """``grid`` in the shape of ``fill`` (the map's): its cells where both have them, ``fill``'s elsewhere (where
    no gradient comes from), and a sentence saying so when the shapes differ."""
    if grid.shape == fill.shape:
        return grid, ""
    fitted = fill.astype(np.result_type(fill, grid))
    h, w = min(fill.shape[0], grid.shape[0]), min(fill.shape[1], grid.shape[1])
    fitted[:h, :w] = grid[:h, :w]
    return fitted, (f"{what[0].upper() + what[1:]} is {format_shape(grid.shape)} but the activation map is "
                    f"{format_shape(fill.shape)}: where {what} has no cell, {filled} (no gradient there).")


def given_line(origin: tuple[int, int, int] | None) -> str:
    """Where a given dL/dmap came from, and how it stands to the network's training and its gradient."""
    if origin is None:
        return f"{fig_bw.DMAP} is given in the link, cell by cell."
    digit, epoch, f = origin
    split, batch = digits_split(), TrainConfig().batch_size
    steps = math.ceil(len(split.train_labels) / batch)
    label = int(split.test_labels[digit])
    a_label = f"{'an' if label == 8 else 'a'} {label}"
    return (f"{fig_bw.DMAP} is what the network of *A CNN that learns* sent back into filter {f}'s activation map "
            f"(before ReLU) for test digit {digit}, {a_label}, from its parameters after epoch {epoch - 1}: the "
            f"backward step toward epoch {epoch}. It is 0 where ReLU was off or max pooling kept another cell. "
            f"This is one digit's term: each step of training averages such terms over a batch of {batch} digits, "
            f"and an epoch makes {steps} steps. The input here is the digit's cells 0..16; the network "
            f"divides them by 16 first, so its {fig_bw.DW} is this {fig_bw.DW} / 16.")


# One JSON text and one HTML text handed to every session on these grids.
@bounded(max_entries=256)
def backward_view(x_text: str, w_text: str, stride: int, padding: int, dilation: int, source: str,
                  grid_text: str | None, part: str, origin: tuple[int, int, int] | None = None) -> BackwardView:
    """The backward pass of the grids (as link text), cached on them, not on the step. ``grid_text`` is the target
    (``source`` "target") or dL/dmap (``source`` "given"); ``origin`` says where a given one came from."""
    x, w = grid_from_text(x_text), grid_from_text(w_text)
    conv = {"stride": stride, "padding": padding, "dilation": dilation}
    amap = conv2d(x, w, **conv)  # (H_out, W_out); ValueError when the filter does not fit
    target, given, note = None, None, ""
    if source == "target":
        target, note = _fitted(grid_from_text(grid_text), amap, "the target", "the map's own value is used")
    elif source == "given":
        given, note = _fitted(grid_from_text(grid_text), np.zeros_like(amap), f"the given {fig_bw.DMAP}", "0 is used")
    dout = map_gradient(amap, target, given=given)
    dx, dw, db = conv2d_backward(x, w, dout, **conv)
    make = fig_bw.weight_player_spec if part == "w" else fig_bw.input_player_spec
    data = player.player_json(make(x, w, dout, **conv))
    if given is not None:
        loss = given_line(origin)
    elif target is None:
        loss = f"{fig_bw.DMAP} = 1 in every cell: the gradient of L = the sum of the map's cells."
    else:
        loss = (f"L = ½ Σ (map − target)² = **{format_number(round(squared_loss(amap, target), 4))}**, and "
                f"{fig_bw.DMAP} = map − target.")
    dw.flags.writeable = False
    return BackwardView(data, fig_bw.gradients_html(x, w, amap, dout, dw, db[0], dx, target),
                        fig_bw.bias_sum_text(dout, db[0]), loss, w, dw, db[0].item(), note)


def stable_rate(x: np.ndarray, shape: tuple[int, int], *, stride: int = 1, padding: int = 0,
                dilation: int = 1) -> float:
    """The largest rate offered at or below 1/λ for input ``x`` and a filter of ``shape``: descent on it
    converges without overshooting (an 8x8 digit with cells up to 16 curves far more than the lecture's 5x5)."""
    L = float(curvatures(x, shape, stride=stride, padding=padding, dilation=dilation)[-1])
    return max((r for r in RATES if r * L <= 1), default=RATES[0])


def sgd_step_ui(view: BackwardView, rate: float) -> None:
    """One step of gradient descent on the gradients above, as numbers."""
    html(fig_bw.sgd_step_html(view.filter, view.dw, 0, view.db, rate))


@dataclass(frozen=True)
class DescentView:
    """What the page shows of one run of descent."""

    figure: ReadyFigure
    lines: tuple[str, ...]  # what the run did, as sentences


def rate_ui() -> float:
    """The learning rate η, for the step as numbers and for descent."""
    return st.select_slider("Learning rate η", RATES, key="bw_rate", format_func=format_number,
                            help="How far each step moves against the gradient. Too large, and descent diverges.")


def descent_settings_ui() -> dict:
    """The number of steps and the start of descent."""
    left, right = st.columns(2)
    return {"gd": left.number_input("Steps", *LIMITS["gd"], step=10, key="bw_gd"),
            "start": right.radio("Start from", STARTS, key="bw_start", horizontal=True,
                                 format_func={"zero": "zeros", "random": "random whole numbers (seed 0)"}.get)}


@bounded(max_entries=64)
def descent_view(x_text: str, w_text: str, stride: int, padding: int, dilation: int, rate: float, steps: int,
                 start: str, across: int = 4) -> DescentView:
    """Descent toward the map of the filter, its figure (its grids ``across`` in a row) and sentences; cached."""
    x, w = grid_from_text(x_text), grid_from_text(w_text)
    conv = {"stride": stride, "padding": padding, "dilation": dilation}
    run = descend(x, w, steps=steps, rate=rate, start=start, **conv)
    maps = [conv2d(x, s.filter, **conv) for s in run.steps]
    lam = curvatures(x, w.shape, **conv)
    L = float(lam[-1])
    lines = [f"η = {format_number(rate)}; the loss's steepest curvature is λ = {format_number(round(L, 2))}, so "
             f"descent is stable below 2/λ = {format_number(round(2 / L, 4)) if L else '∞'} (1/λ rounded down "
             f"is {format_number(default_rate(L))})."]
    if run.diverged:
        lines.append(f"**Diverged**: η is above 2/λ, each step overshoots along the steepest direction by more than "
                     f"it corrects, and after {format_count(len(run.steps))} steps the loss had grown to "
                     f"{format_number(run.steps[-1].loss)}. Pick a smaller rate.")
    else:
        reached = run.steps_to(0.01)
        start_loss = format_number(round(run.steps[0].loss, 4))
        lines.append(f"The loss fell from {start_loss} to {format_number(round(run.steps[-1].loss, 4))} in "
                     f"{format_count(steps)} steps" + (f"; under 1 % of its start after **{reached}** steps."
                                                       if reached is not None else ", not yet under 1 % of its start."))
        far = long_run(x_text, w_text, stride, padding, dilation, rate, start)
        if far is not None:
            loss, farthest = far
            lines.append(
                f"Yet the filter comes slowly: after {format_count(LONG_RUN)} steps the loss is down to "
                f"{format_number(loss)}, and a weight is still **{format_fixed(farthest, 2)}** off the filter "
                f"that made the target. The "
                f"{format_shape(x.shape)} input pins some directions of the filter far less than others: the loss "
                f"curves {format_number(round(L, 2))} along the steepest and only "
                f"{format_number(round(float(lam[0]), 4))} along the flattest, where each step shrinks the error by "
                f"a factor of just {format_fixed(1 - rate * float(lam[0]), 6)}.")
    return DescentView(fig_bw.descent_figure(run, maps, across), tuple(lines))


@bounded(max_entries=64)
def long_run(x_text: str, w_text: str, stride: int, padding: int, dilation: int, rate: float,
             start: str) -> tuple[float, float] | None:
    """The loss and the farthest weight after ``LONG_RUN`` steps; None when that run diverges."""
    return descent_after(grid_from_text(x_text), grid_from_text(w_text), LONG_RUN, rate=rate, start=start,
                         stride=stride, padding=padding, dilation=dilation)


def descent_ui(state: BackwardState) -> None:
    """Descent toward the filter's map: the sentences and the figure (Play, Pause, a slider)."""
    kept = LastValid[DescentView]("bw_descent").compute(lambda: descent_view(
        grid_to_text(state.input), grid_to_text(state.filter), state.stride, state.padding, state.dilation,
        state.rate, state.gd, state.start, 2 if is_phone() else 4))
    if kept.value is None:
        return
    for line in kept.value.lines:
        st.markdown(line)
    st.plotly_chart(kept.value.figure, width="stretch", config={"displayModeBar": False}, key="bw_descent_chart")
