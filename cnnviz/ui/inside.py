"""The page "Inside the trained network": its state in the link, its four parts, each built only when shown.

It opens the network of "A CNN that learns" (the same shared training run: the network and the digit are settings
the two pages share, ``UrlState(shared=...)``) and asks four things of it: which input excites a neuron most,
what decides its answer for one digit, how the lecture's challenges change that answer, and how its maps move
when the digit moves (and how far each cell sees). Each part is a page fragment: its controls rerun it alone, and
what it computes is cached by run, digit and settings (bounded, shared by the class).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import streamlit as st

from cnnviz import ui
from cnnviz.kernel.grids import grid_to_text
from cnnviz.kernel.notation import format_number, format_percent, format_shape
from cnnviz.learn.challenges import CONTROLS, accuracy_sweep, apply_challenges
from cnnviz.learn.digits import digits_split
from cnnviz.learn.fields import digits_fields, shifted_maps
from cnnviz.learn.interpret import excite, grad_cam, occlusion, saliency, top_patches
from cnnviz.learn.network import CLASSES, DIGIT_SIZE, MAX_FILTERS, DigitsCNN, TrainConfig
from cnnviz.ui import ReadyFigure, html
from cnnviz.ui import learn as ui_learn
from cnnviz.ui.cache import bounded
from cnnviz.ui.state import UrlField, UrlState, bool_field, choice_field, float_field, index_field, int_field, \
    numbers_field
from cnnviz.ui.widgets import presenter_hidden, projecting
from cnnviz.views import inside as fig
from cnnviz.views import learn as fig_learn

PARTS = {"excite": "The input that excites a neuron", "looks": "What it looks at", "challenges": "The challenges",
         "shift": "Shifts and receptive fields"}
LAYERS = {"conv1": "First convolution", "conv2": "Second convolution", "scores": "Class scores"}
L2_CHOICES = (0, 0.1, 0.3, 1, 3, 10)  # the penalty's weight: from none to one that keeps only the strongest cells
EXCITE = {"steps": 200, "lr": 1.0, "seed": 0}  # excite's own defaults, written out where the page says them
MAPS = {"saliency": "Saliency", "occlusion": "Occlusion", "gradcam": "Grad-CAM"}
PATCH_SIZES = (1, 2, 3, 4, 5)  # occlusion's k
ANSWER = -1  # the class selector's "the network's answer" (c = None)
FIELD_LAYERS = {"conv": "First convolution", "pool": "After pooling", "conv2": "Second convolution",
                "scores": "Class scores"}
FIELD_OF = {"conv": "of the first convolution's map", "pool": "of the pooled map",
            "conv2": "of the second convolution's map"}
SWEEPS = {"shift_x": "Shift right", "shift_y": "Shift down", "rotate": "Rotation", "scale": "Scale",
          "stroke": "Stroke", "brightness": "Brightness", "noise": "Noise", "clutter": "Clutter"}
CACHED = 512  # entries of each per-digit cache: views of 355 test digits and drawings, a few settings each


@dataclass(frozen=True, eq=False)
class InsideState:
    """Every setting of the page; round-trips through the link."""

    filters: int  # the network of "A CNN that learns" (shared with it): filters in the first convolution
    epochs: int
    seed: int
    conv2: bool
    src: str  # the digit (shared with "A CNN that learns"): "test" or "draw"
    digit: int
    draw: np.ndarray | None
    part: str  # a key of PARTS
    layer: str  # the excited neuron's layer: a key of LAYERS
    filter: int  # its filter (and the filter whose map shifts), from 0
    cls: int  # its class, when the layer is "scores"
    at: tuple[int, int] | None  # its cell of the filter's map, from 0; None: the map's centre
    l2: float  # the penalty on ink, one of L2_CHOICES
    map: str  # the map of what the network looks at: a key of MAPS
    c: int | None  # the class c those maps are of; None: the network's answer
    k: int  # occlusion's patch side
    dy: int  # the challenges: cells down
    dx: int  # cells right
    rot: int  # degrees, counter-clockwise
    scale: float  # times the digit's size
    stroke: float  # −1 thinner .. 1 thicker
    light: float  # times the ink
    box: tuple[tuple[int, int], tuple[int, int]] | None  # rows and columns covered (first, one past the last)
    noise: float  # the noise's standard deviation, levels of ink
    clutter: float  # share of the cells inked
    sweep: str  # the challenge swept over the test set: a key of SWEEPS
    sy: int  # the shift whose maps are compared: cells down
    sx: int  # cells right
    rf: str  # the layer whose cell's receptive field is shown: a key of FIELD_LAYERS
    cell: tuple[int, int] | None  # that cell, from 0; None: the map's centre
    present: bool  # the presenter view: the part's figure large, controls hidden


def _pair_field(name: str, what: str) -> UrlField:
    """A cell written ``row,col`` counted from 1 (``4,5``); from 0 in the state."""
    whole = numbers_field(name, None, what, lo=1, hi=DIGIT_SIZE, count=2, whole=True)
    return UrlField(name, None, lambda text: tuple(v - 1 for v in whole.parse(text)),
                    lambda at: f"{at[0] + 1},{at[1] + 1}", what, "Using the map's centre instead.")


def _parse_box(text: str) -> tuple[tuple[int, int], tuple[int, int]]:
    r0, r1, c0, c1 = numbers_field("box", None, "box", lo=1, hi=DIGIT_SIZE, count=4, whole=True).parse(text)
    if r0 > r1 or c0 > c1:
        raise ValueError("it is the first and the last row, then the first and the last column, each first ≤ last")
    return (r0 - 1, r1), (c0 - 1, c1)


def _control(name: str, what: str) -> UrlField:
    lo, hi, _, none = CONTROLS[name if name in CONTROLS else {"light": "brightness"}[name]]
    return float_field(name, none, lo, hi, what)


def _map_side(conv2: bool, layer: str) -> int:
    """The side of ``layer``'s map (a key of LAYERS or FIELD_LAYERS; a class score is one cell) in the page's
    networks, with or without a second convolution."""
    if layer == "scores":
        return 1
    return TrainConfig(conv2_filters=1 if conv2 else 0).shapes()[{"conv1": "conv"}.get(layer, layer)][0]


def _check(values: dict, refused: set[str]) -> tuple[dict, list[str]]:
    """A filter the network has; a second convolution only in a network with one; cells inside their maps."""
    out, warnings = dict(values), []
    if out["filter"] >= out["filters"]:
        warnings.append(f"This network has {out['filters']} filters, not {out['filter'] + 1}: showing filter 1.")
        out["filter"] = 0
    if not out["conv2"]:
        for name, fallback in (("layer", "conv1"), ("rf", "pool")):
            if out[name] == "conv2":
                warnings.append("This network has no second convolution: showing "
                                f"{(LAYERS | FIELD_LAYERS)[fallback].lower()} instead.")
                out[name] = fallback
    for name, layer in (("at", out["layer"]), ("cell", out["rf"])):
        if out[name] is not None and layer != "scores" and max(out[name]) >= _map_side(out["conv2"], layer):
            side = _map_side(out["conv2"], layer)
            warnings.append(f"The {(LAYERS | FIELD_LAYERS)[layer].lower()}'s map is {side}x{side}: cell "
                            f"({out[name][0] + 1}, {out[name][1] + 1}) is outside it, so the centre is shown.")
            out[name] = None
    return out, warnings


_LEARN = {f.key: f for f in ui_learn.URL.fields.values()}

URL = UrlState("inside", InsideState, [_LEARN[name] for name in ui_learn.SHARED] + [
    choice_field("part", "excite", list(PARTS), "part of the page"),
    choice_field("layer", "conv1", list(LAYERS), "layer of the neuron"),
    replace(index_field("f", MAX_FILTERS, "filter number"), attr="filter"),
    int_field("cls", 0, 0, CLASSES - 1, "class of the neuron"),
    _pair_field("at", "neuron's position"),
    choice_field("l2", 0, L2_CHOICES, "penalty on ink"),
    choice_field("map", "saliency", list(MAPS), "map of what the network looks at"),
    int_field("c", None, 0, CLASSES - 1, "class of the maps"),
    choice_field("k", 3, PATCH_SIZES, "occlusion patch size"),
    int_field("dy", 0, -2, 2, "shift down"),
    int_field("dx", 0, -2, 2, "shift right"),
    int_field("rot", 0, -30, 30, "rotation"),
    _control("scale", "scale"),
    _control("stroke", "stroke change"),
    _control("light", "brightness"),
    UrlField("box", None, _parse_box, lambda b: f"{b[0][0] + 1},{b[0][1]},{b[1][0] + 1},{b[1][1]}",
             "occlusion box", "Covering nothing instead."),
    _control("noise", "noise level"),
    _control("clutter", "clutter"),
    choice_field("sweep", "shift_x", list(SWEEPS), "challenge swept"),
    int_field("sy", 0, -2, 2, "compared shift down"),
    int_field("sx", 1, -2, 2, "compared shift right"),
    choice_field("rf", "pool", list(FIELD_LAYERS), "layer of the receptive field"),
    _pair_field("cell", "cell of the receptive field"),
    bool_field("present", False, "presenter view switch"),
], widgets={"src": "learn_src", "digit": "learn_digit", "part": "inside_part", "layer": "inside_layer",
            "filter": "inside_filter", "cls": "inside_cls", "l2": "inside_l2", "map": "inside_map",
            "k": "inside_k", "dy": "inside_dy", "dx": "inside_dx", "rot": "inside_rot", "scale": "inside_scale",
            "stroke": "inside_stroke", "light": "inside_light", "noise": "inside_noise",
            "clutter": "inside_clutter", "sweep": "inside_sweep", "sy": "inside_sy", "sx": "inside_sx",
            "rf": "inside_rf", "present": "inside_present"},
    check=_check, shared=ui_learn.SHARED)

BOARD_KEY = "inside_board"  # the part's figure: present.css draws it large in the presenter view


def model_of(key: tuple) -> DigitsCNN:
    """The trained network of run ``key`` (``ui_learn.settings_key``)."""
    return ui_learn.shared_run(*key).result.model


def network_ui(state: InsideState) -> None:
    """Which network the page opens (in the sidebar), and the way to change it: "A CNN that learns"."""
    second = "a second convolution" if state.conv2 else "one convolution"
    st.markdown(f"**The network**: {state.filters} filters, {second}, {state.epochs} epochs, seed {state.seed}.")
    learn = replace(ui_learn.URL.default, **{k: getattr(state, k) for k in ui_learn.SHARED})
    ui.page_link("pages/learn.py", "Train another on A CNN that learns", ui_learn.URL.to_query(learn),
                 icon=":material/model_training:")


def part_ui(state: InsideState) -> InsideState:
    """Which part of the page is shown (one segmented control; the others are not built)."""
    with presenter_hidden("part"):
        part = st.segmented_control("Part of the page", list(PARTS), format_func=PARTS.get, key="inside_part",
                                    required=True, label_visibility="collapsed")
    return replace(state, part=part)


def section_ui(state: InsideState, fresh: set[str]) -> None:
    """The part ``state.part``, each as page fragments that write the link."""
    parts: dict[str, tuple[Callable, ...]] = {"excite": (excite_ui,), "looks": (looks_ui,),
                                              "challenges": (challenges_ui, sweep_ui), "shift": (shift_ui,)}
    for i, draw in enumerate(parts[state.part]):
        _fragment(draw, state if i == 0 else None, fresh)


def _fragment(draw: Callable[[InsideState, set[str]], InsideState], state: InsideState | None,
              fresh: set[str]) -> None:
    """``draw`` as a page fragment that writes the link. On the page's run it gets ``state`` (None: the link as the
    fragment before it wrote it) and what is new in the link; rerun on its own, the link's state and nothing new."""
    runs = {"n": 0}

    @ui.page_fragment
    def part() -> None:
        first = runs["n"] == 0
        runs["n"] += 1
        base = state if first and state is not None else URL.load()[0]
        URL.save(draw(base, fresh if first else set()))

    part()


def _seed_pair(key: str, value: tuple[int, int] | None, centre: tuple[int, int], side: int, new: bool) -> None:
    """Put a cell (row, col) into its two selectboxes ``key_row`` and ``key_col``, when new or out of the map."""
    at = centre if value is None else value
    for i, axis in enumerate(("row", "col")):
        k = f"{key}_{axis}"
        if new or st.session_state.get(k) not in range(side):
            st.session_state[k] = at[i]


def _pair_ui(key: str, side: int, value, centre, new: bool, where) -> tuple[int, int] | None:
    """Two selectboxes, row and column counted from 1; None when they hold ``centre``."""
    _seed_pair(key, value, centre, side, new)
    a, b = where.columns(2)
    r = a.selectbox("Row", range(side), format_func=lambda i: str(i + 1), key=f"{key}_row")
    c = b.selectbox("Column", range(side), format_func=lambda i: str(i + 1), key=f"{key}_col")
    return None if (r, c) == centre else (int(r), int(c))


def _kept(name: str, fn: Callable[[], Any]) -> Any:
    """``fn()``, or the last valid result of ``name`` and one sentence saying why not (``ui.last_valid``)."""
    kept = ui.last_valid(f"inside_{name}", fn)
    ui.show_errors(kept.errors, kept="The last valid result is still shown." if kept.value is not None else "")
    return kept.value


def _board(body: str) -> None:
    with st.container(key=BOARD_KEY):
        html(body)


# --- 1. the input that excites a neuron most ---

@dataclass(frozen=True)
class Excited:
    """The input built to excite one neuron, drawn beside the inputs of the data that excite it most."""

    x: np.ndarray  # (8, 8) the excited input, 0..16 (read-only)
    value: float  # the neuron on it (before ReLU; a class's score before the softmax)
    html: str


@bounded(max_entries=ui_learn.MAX_RUNS)
def top_windows(key: tuple):
    """``top_patches`` of run ``key``'s first convolution over the training digits: nine windows a filter."""
    return top_patches(model_of(key), digits_split().train_images, k=9)


@bounded(max_entries=ui_learn.MAX_RUNS)
def test_layers(key: tuple) -> dict[str, np.ndarray]:
    """Every test digit's first and second convolution (before ReLU) and scores through run ``key``'s network:
    ``conv`` (N, H1, W1, F), ``conv2`` (N, H2, W2, F2) with a second convolution, ``scores`` (N, 10)."""
    model, images = model_of(key), digits_split().test_images
    each = [model.forward_layers(x) for x in images]
    out = {name: np.stack([e[name] for e in each]) for name in ("conv", "conv2", "scores") if name in each[0]}
    for a in out.values():
        a.flags.writeable = False
    return out


def neuron_name(layer: str, unit: int, at: tuple[int, int] | None, side: int) -> str:
    """``filter 3 of the first convolution at (4, 4)`` or ``the score of class 7``, counted as the page counts."""
    if layer == "scores":
        return f"the score of class {unit}"
    r, c = ((side - 1) // 2,) * 2 if at is None else at
    return f"filter {unit + 1} of the {LAYERS[layer].lower()} at row {r + 1}, column {c + 1}"


@bounded(max_entries=CACHED)
def excited(key: tuple, layer: str, unit: int, at: tuple[int, int] | None, l2: float) -> Excited:
    """``excite`` of one neuron of run ``key``'s network, drawn: the input, its field, what the data offers."""
    model = model_of(key)
    x = excite(model, layer, unit, position=at, l2=l2, **EXCITE)
    x.flags.writeable = False
    name = {"conv1": "conv", "conv2": "conv2", "scores": "scores"}[layer]
    side = model.config.shapes()[name][0] if layer != "scores" else 1
    r, c = ((side - 1) // 2,) * 2 if at is None else at
    index = (unit,) if layer == "scores" else (r, c, unit)
    value = float(model.forward_layers(x)[name][index])
    field = None if layer == "scores" else digits_fields(model.config)[name].region(r, c).mask
    seen = field is not None and not field.all()
    neuron = neuron_name(layer, unit, at, side)
    excited_panel = fig.ink_panel(x, "ex", title="The input that excites it most",
                                  classes=fig.marks(on=field if seen else None))
    panels = [fig.sized("ink", f'<div class="ins-col">{excited_panel}{fig.ink_bar_html()}</div>')]
    notes = [("lead", f"<b>{neuron[0].upper() + neuron[1:]}</b> reaches <b>{format_number(round(value, 2))}</b> "
                      "on this input" + (" (before ReLU)." if layer != "scores" else " (before the softmax).")),
             ("formula", "E(x) = a(x) − l2 · Σ (x/16)²  ·  x ← clip(x + lr_t · sign(∂E/∂x), 0, 16),  "
                         f"lr_t = {format_number(EXCITE['lr'])} · (1 − t / {EXCITE['steps']})"),
             ("note", f"Found by gradient ascent on the input: from a random digit (seed {EXCITE['seed']}), "
                      f"{EXCITE['steps']} steps each move every cell by a shrinking step the way E rises, then clip "
                      f"it back into the digits' range 0..16. Penalty l2 = {format_number(l2)}"
                      + (" keeps ink only where it pays." if l2 else ": none, so cells the neuron does not see keep "
                         "their random start.")
                      + (" Outlined: the cells it sees, its receptive field." if seen else ""))]
    if layer == "conv1":
        top = top_windows(key)
        panels.append(fig.sized("look", fig_learn.patches_html(model.filters, top, only=unit)))
        notes.append(("note", f"Beside it, filter {unit + 1} and the nine 3x3 windows of training digits that "
                              "excite it most (its activation above each): inputs found in the data."))
    else:
        values = test_layers(key)[name][(slice(None),) + index]  # (N,)
        best = int(np.argmax(values))
        label = int(digits_split().test_labels[best])
        gives = format_number(round(float(values[best]), 2))
        panels.append(fig.sized("digit", fig.ink_panel(digits_split().test_images[best], "best", decimals=0,
                                                       title=f"Test digit {best} (a {label}): {gives}")))
        notes.append(("note", "Beside it, the test digit that excites it most: an input found in the data."))
    return Excited(x, value, fig.board_html("excite", [panels], notes))


def excite_ui(state: InsideState, fresh: set[str]) -> InsideState:
    """Pick a neuron (layer, unit, position) and the penalty; the input that excites it most, beside the data's."""
    key = ui_learn.settings_key(state)
    layers = [name for name in LAYERS if name != "conv2" or state.conv2]
    with presenter_hidden("excite"):
        one, two, three = st.columns([3, 2, 3])
        if st.session_state.get("inside_layer") not in layers:
            st.session_state["inside_layer"] = "conv1"
        layer = one.segmented_control("Layer", layers, format_func=LAYERS.get, key="inside_layer", required=True)
        if layer == "scores":
            unit = int(two.selectbox("Class", range(CLASSES), key="inside_cls"))
            state = replace(state, layer=layer, cls=unit)
            at = state.at
        else:
            if st.session_state.get("inside_filter") not in range(state.filters):
                st.session_state["inside_filter"] = 0
            unit = int(two.selectbox("Filter", range(state.filters), format_func=lambda f: f"Filter {f + 1}",
                                     key="inside_filter"))
            side = _map_side(state.conv2, layer)
            centre = ((side - 1) // 2,) * 2
            at = _pair_ui("inside_at", side, state.at if layer == state.layer else None, centre,
                          "at" in fresh or layer != state.layer, three)
            state = replace(state, layer=layer, filter=unit, at=at)
        l2 = st.select_slider("Penalty on ink, l2", L2_CHOICES, key="inside_l2",
                              help="Weight of the penalty l2 · Σ (x/16)² on the input's ink: 0 lets cells the neuron "
                                   "does not see keep their random start; more keeps only the cells that matter most.")
        state = replace(state, l2=l2)
    view = _kept("excite", lambda: excited(key, layer, unit, at if layer != "scores" else None, l2))
    if view is not None:
        _board(view.html)
    return state


# --- 2. what the network looks at, for the digit ---

def _digit_column(state: InsideState, fresh: set[str], present: bool):
    """The digit chooser of "A CNN that learns" (its radio, number and canvas): a test digit's left of the part's
    figure, the canvas above it (it is as wide as a column); in the presenter view a test digit's chooser is hidden
    (a drawn digit keeps its canvas). Returns the state, the digit and where the figure goes."""
    src = st.session_state.get("learn_src", state.src)  # the radio's value: it may just have changed
    if present or src == "draw":
        with presenter_hidden("digit") if src == "test" else st.container():
            state, digit, errors, _ = ui_learn.digit_ui(state, fresh, inline_note=True)
            ui.show_errors(errors, kept="The last drawing is still used.")
        where = st.container()
    else:
        left, where = st.columns([1, 5], gap="medium")
        with left:
            state, digit, errors, note = ui_learn.digit_ui(state, fresh, inline_note=True)
            ui.show_errors(errors, kept="The last drawing is still used.")
            html(fig_learn.section_html(("note", note)))
    if not digit.any():
        where.info("Draw a digit on the canvas: what the network makes of it appears here.", icon=":material/draw:")
    return state, digit, where


FORMULAS = {
    "saliency": ("S[i, j] = ∂y_c / ∂x[i, j]",
                 "y_c: the score of class c before the softmax; x[i, j]: the digit's cell, 0..16. Adding δ levels of "
                 "ink to cell (i, j) moves y_c by about S[i, j] · δ: red where more ink speaks for c, blue where it "
                 "speaks against."),
    "occlusion": ("O[i, j] = p_c(x with the k×k patch centred on (i, j) set to 8)",
                  "Each cell shows O[i, j] − p_c in points of %: how much the probability of class c changes when a "
                  "grey patch hides the cells around (i, j). Blue: the network needs what the patch hid there."),
    "gradcam": ("α_k = (1 / (H·W)) Σ_ij ∂y_c / ∂A^k_ij  ·  cam = ReLU(Σ_k α_k A^k)",
                "A^k: the k-th activation map of the last convolution after ReLU (H×W); α_k: its weight, the average "
                "gradient of y_c over it. The cam, stretched bilinearly onto the digit's 8x8 cells, is red where "
                "the maps that speak for c are strong."),
}


@bounded(max_entries=CACHED)
def looks(key: tuple, digit_text: str, kind: str, c: int | None, k: int) -> str:
    """The digit beside one map of what run ``key``'s network looks at for class ``c`` (None: its answer)."""
    model, digit = model_of(key), ui_learn.parse_drawing(digit_text)
    probs = model.forward_layers(digit)["probabilities"]
    answer = int(np.argmax(probs))
    label = answer if c is None else c
    whose = (f"class c = {label}, the network's answer" if c is None else f"class c = {label}") + \
        f" ({format_percent(float(probs[label]), 1)} sure)"
    if kind == "saliency":
        s = saliency(model, digit, label)
        panel = fig.signed_panel(s.map, "sal", title="Saliency S", decimals=2,
                                 bar="∂y_c / ∂x, per level of ink")
    elif kind == "occlusion":
        o = occlusion(model, digit, label, size=k)
        change = (o.map - o.probability) * 100
        panel = fig.signed_panel(change, "occ", title=f"Occlusion, {k}x{k} patch: O − p_c", decimals=0,
                                 bar="change of p_c, points of %")
        whose += f"; p_c = {format_percent(o.probability, 1)} with nothing covered"
    else:
        g = grad_cam(model, digit, label)
        panel = fig.signed_panel(g.map, "cam", title=f"Grad-CAM on the {'second' if g.layer == 'conv2' else 'first'} "
                                 f"convolution ({format_shape(g.cam.shape)})", decimals=2, bar="cam")
    formula, note = FORMULAS[kind]
    digit_panel = fig.ink_panel(digit, "dig", title="The digit", decimals=0)
    return fig.board_html("looks", [[fig.sized("digit", digit_panel), fig.sized("map", panel)]],
                          [("lead", f"For {whose}:"), ("formula", formula), ("note", note)])


def looks_ui(state: InsideState, fresh: set[str]) -> InsideState:
    """The digit, and what the network looks at for it: saliency, occlusion or Grad-CAM, with its formula."""
    present = projecting(state.present)
    with presenter_hidden("looks"):
        one, two, three = st.columns([3, 2, 2])
        kind = one.segmented_control("Map", list(MAPS), format_func=MAPS.get, key="inside_map", required=True)
        if "c" in fresh or "inside_c" not in st.session_state:
            st.session_state["inside_c"] = ANSWER if state.c is None else state.c
        c = two.selectbox("Class c", [ANSWER, *range(CLASSES)], key="inside_c",
                          format_func=lambda v: "the network's answer" if v == ANSWER else str(v))
        c = None if c == ANSWER else int(c)
        k = three.select_slider("Patch k×k", PATCH_SIZES, key="inside_k") if kind == "occlusion" else state.k
    state = replace(state, map=kind, c=c, k=k)
    state, digit, where = _digit_column(state, fresh, present)
    if digit.any():
        text = grid_to_text(digit)
        view = _kept("looks", lambda: looks(ui_learn.settings_key(state), text, kind, c, k))
        if view is not None:
            with where:
                _board(view)
    return state


# --- 3. the challenges ---

def challenge_args(state: InsideState) -> dict:
    """``apply_challenges``' keyword arguments for the page's controls."""
    return {"dy": state.dy, "dx": state.dx, "degrees": state.rot, "factor": state.scale, "thicken": state.stroke,
            "light": state.light, "box": state.box, "sigma": state.noise, "share": state.clutter}


@bounded(max_entries=4 * CACHED)
def challenged(key: tuple, digit_text: str, args: tuple) -> tuple[np.ndarray, np.ndarray, str]:
    """The digit changed by the challenges ``args`` (``challenge_args`` as sorted pairs) and what run ``key``'s network
    reads in it: the changed digit (8, 8), its ten probabilities, and both drawn."""
    model, digit = model_of(key), ui_learn.parse_drawing(digit_text)
    changed = apply_challenges(digit, **dict(args))
    probs = model.forward_layers(changed)["probabilities"]
    for a in (changed, probs):
        a.flags.writeable = False
    best = int(np.argmax(probs))
    reading = (f'<b class="reading">The network reads a {best}</b> ({format_percent(float(probs[best]), 1)} '
               "sure).")
    bars = fig_learn.probabilities_html(probs)
    body = fig.board_html("challenges", [[fig.sized("digit", fig.ink_panel(digit, "dig", title="The digit",
                                                                           decimals=0)),
                                          fig.sized("ink", fig.ink_panel(changed, "chg", title="Changed")),
                                          fig.sized("bars", bars)]], [("lead", reading)])
    return changed, probs, body


def _box_ui(state: InsideState, fresh: set[str]) -> tuple | None:
    """A switch, and once it is on two ranges (rows, columns, counted from 1) for the box that covers part of the
    digit."""
    (r0, r1), (c0, c1) = state.box or ((2, 5), (2, 5))
    for key, value in (("inside_box", state.box is not None), ("inside_box_rows", (r0 + 1, r1)),
                       ("inside_box_cols", (c0 + 1, c1))):
        if "box" in fresh or key not in st.session_state:
            st.session_state[key] = value
    if not st.toggle("Cover a box (occlusion)", key="inside_box"):
        return None
    rows = st.slider("Rows covered", 1, DIGIT_SIZE, key="inside_box_rows")
    cols = st.slider("Columns covered", 1, DIGIT_SIZE, key="inside_box_cols")
    return (rows[0] - 1, rows[1]), (cols[0] - 1, cols[1])


def _range(name: str) -> dict[str, float]:
    """A challenge's slider: its smallest, largest and step as floats (a float slider takes no whole numbers)."""
    lo, hi, step, _ = CONTROLS[name]
    return {"min_value": float(lo), "max_value": float(hi), "step": float(step)}


def challenges_ui(state: InsideState, fresh: set[str]) -> InsideState:
    """The lecture's challenges as controls on the digit: the changed digit and the ten probabilities, live."""
    present = projecting(state.present)
    with presenter_hidden("challenges"):
        a, b, c = st.columns(3)
        with a:
            dy = st.slider("Shift down (cells)", -2, 2, key="inside_dy")
            dx = st.slider("Shift right (cells)", -2, 2, key="inside_dx")
            rot = st.slider("Rotation (degrees)", -30, 30, step=5, key="inside_rot",
                            help="Counter-clockwise; negative turns it clockwise.")
        with b:
            scale = st.slider("Scale (times)", **_range("scale"), key="inside_scale")
            stroke = st.slider("Stroke (− thinner, + thicker)", **_range("stroke"), key="inside_stroke")
            light = st.slider("Brightness (times the ink)", **_range("brightness"), key="inside_light")
        with c:
            noise = st.slider("Noise (levels of ink)", **_range("noise"), key="inside_noise")
            clutter = st.slider("Clutter (share of cells inked)", **_range("clutter"), key="inside_clutter")
            box = _box_ui(state, fresh)
    state = replace(state, dy=dy, dx=dx, rot=rot, scale=round(scale, 2), stroke=round(stroke, 2),
                    light=round(light, 2), box=box, noise=round(noise, 2), clutter=round(clutter, 2))
    state, digit, where = _digit_column(state, fresh, present)
    if digit.any():
        text, args = grid_to_text(digit), tuple(sorted(challenge_args(state).items()))
        view = _kept("challenges", lambda: challenged(ui_learn.settings_key(state), text, args))
        if view is not None:
            with where:
                _board(view[2])
    return state


@bounded(max_entries=len(SWEEPS) * ui_learn.MAX_RUNS)
def sweep(key: tuple, challenge: str, present: bool = False) -> tuple[ReadyFigure, str]:
    """Test accuracy against the amount of ``challenge`` over every test digit, and a line saying how far it falls."""
    result = accuracy_sweep(model_of(key), challenge)
    figure = fig.sweep_figure(challenge, result.amounts, result.accuracies,
                              **({"font_size": 20, "height": 420} if present else {}))
    acc = result.accuracies
    line = (f"{SWEEPS[challenge]} over all {len(digits_split().test_labels)} test digits: from "
            f"{format_percent(float(acc.min()), 1)} to {format_percent(float(acc.max()), 1)} read right.")
    return ReadyFigure(figure), line


def sweep_ui(state: InsideState, fresh: set[str]) -> InsideState:
    """Test accuracy over the whole test set against one challenge's amount, as a curve (its own fragment)."""
    st.subheader("The whole test set, one challenge at a time")
    with presenter_hidden("sweep"):
        challenge = st.selectbox("Challenge swept", list(SWEEPS), format_func=SWEEPS.get, key="inside_sweep")
    figure, line = sweep(ui_learn.settings_key(state), challenge, projecting(state.present))
    st.plotly_chart(figure, width="stretch", config={"displayModeBar": False}, key="inside_sweep_chart")
    st.markdown(line)
    return replace(state, sweep=challenge)


# --- 4. translation invariant, hierarchical ---

@bounded(max_entries=CACHED)
def shifted(key: tuple, digit_text: str, f: int, dy: int, dx: int, decimals: int = 2) -> str:
    """Filter ``f``'s map of the digit and of the digit shifted by ``(dy, dx)``, the exact cells outlined, before and
    after pooling; the maps' numbers rounded to ``decimals``."""
    s = shifted_maps(model_of(key), ui_learn.parse_drawing(digit_text), dy, dx)
    maps, moved = s.maps[:, :, f], s.shifted_maps[:, :, f]
    top = float(max(np.abs(maps).max(), np.abs(moved).max()))
    n = int(s.exact.sum())
    where = f"{dy} down, {dx} right" if (dy, dx) != (0, 0) else "not at all"
    d = {"vmax": top, "decimals": decimals}
    rows = [[fig.sized("map", fig.signed_panel(maps, "m", title=f"Map {f + 1} of the digit", **d)),
             fig.sized("map", fig.signed_panel(moved, "ms", title=f"Map {f + 1} of the shifted digit", **d,
                                               classes=fig.marks(on=s.exact, off=~s.exact), bar="before ReLU"))],
            [fig.sized("digit", fig.ink_panel(s.image, "dig", title="The digit", decimals=0)),
             fig.sized("digit", fig.ink_panel(s.shifted, "sft", title=f"Shifted {where}", decimals=0)),
             fig.sized("map", fig.signed_panel(s.pooled[:, :, f], "p", title="Pooled 2x2, the digit", **d)),
             fig.sized("map", fig.signed_panel(s.shifted_pooled[:, :, f], "ps", title="Pooled, the shifted digit",
                                               **d, classes=fig.marks(on=s.compared, off=~s.compared)))]]
    py, px = s.pooled_shift
    notes = [("lead", f"<b>{n} of {s.exact.size}</b> cells of the shifted digit's map (outlined) are the digit's map "
                      f"moved {where}, exactly. Hatched: cells that lost a neighbour at the border, or have no "
                      "partner."),
             ("more", "After 2x2 max pooling a shift of one cell is half a pooled cell: of the pooled values compared "
                      f"(outlined, with their partner {py} down, {px} right), "
                      f"<b>{format_percent(s.pooled_equal, 0)}</b> are equal, the largest difference is "
                      f"<b>{format_number(round(s.pooled_difference, 2))}</b>. "
                      "Pooling makes the maps only roughly translation invariant; an even shift moves them whole.")]
    return fig.board_html("shift", rows, notes)


def field_lines(config, rf: str) -> str:
    """How each layer's receptive field grows, in the closed form ``r = r_prev + (k − 1)·j``, up to ``rf``."""
    fields = digits_fields(config)
    names = [n for n in ("conv", "pool", "conv2", "scores") if n in fields]
    r, j, parts = 1, 1, []
    for name in names[:names.index(rf) + 1]:
        f = fields[name]
        k = (f.size[0] - r) // j + 1
        parts.append(f"{FIELD_LAYERS[name].lower()}: r = {r} + ({k} − 1)×{j} = {f.size[0]}")
        r, j = f.size[0], f.jump[0]
    return " · ".join(parts)


@bounded(max_entries=CACHED)
def field_view(key: tuple, digit_text: str, rf: str, f: int, cell: tuple[int, int] | None, decimals: int = 2) -> str:
    """One cell of a layer and its receptive field on the digit (the input cells that can change it, outlined)."""
    model, digit = model_of(key), ui_learn.parse_drawing(digit_text)
    field = digits_fields(model.config)[rf]
    H, W = field.out_size
    r, c = ((H - 1) // 2, (W - 1) // 2) if cell is None else cell
    region = field.region(r, c)
    rows = (region.rows[1] - region.rows[0], region.cols[1] - region.cols[0])
    panels = [fig.sized("digit", fig.ink_panel(digit, "rf", title="Its field on the digit", decimals=0,
                                               classes=fig.marks(on=region.mask)))]
    if rf != "scores":
        layer = model.forward_layers(digit)[rf][:, :, f]
        picked = np.zeros((H, W), bool)
        picked[r, c] = True
        panels.insert(0, fig.sized("map", fig.signed_panel(layer, "rfm", title=f"{FIELD_LAYERS[rf]}, map {f + 1}",
                                                           decimals=decimals, classes=fig.marks(on=picked))))
    what = "The class scores" if rf == "scores" else f"Cell ({r + 1}, {c + 1}) {FIELD_OF[rf]}"
    size = f"{field.size[0]}x{field.size[1]}"
    inside = "" if rows == field.size else (f", of which {format_shape(rows)} lie on the digit (the rest is the zero "
                                             "padding around it)")
    notes = [("lead", f"{what} {'see' if rf == 'scores' else 'sees'} a receptive field of <b>{size}</b> input "
                      f"cells{inside}: outlined on the digit."),
             ("formula", field_lines(model.config, rf)),
             ("note", "Each layer sees a larger part of the digit than the one before: local features first, "
                      "then features of features.")]
    return fig.board_html("field", [panels], notes)


def shift_ui(state: InsideState, fresh: set[str]) -> InsideState:
    """Shift the digit: the activation map moves with it (exactly where the border does not reach), only roughly after
    pooling; then any cell of any layer and its receptive field on the digit."""
    present = projecting(state.present)
    with presenter_hidden("shift"):
        a, b, c = st.columns(3)
        sy = a.slider("Shift down (cells)", -2, 2, key="inside_sy")
        sx = b.slider("Shift right (cells)", -2, 2, key="inside_sx")
        if st.session_state.get("inside_filter") not in range(state.filters):
            st.session_state["inside_filter"] = 0
        f = int(c.selectbox("Filter", range(state.filters), format_func=lambda i: f"Filter {i + 1}",
                            key="inside_filter"))
    state = replace(state, sy=sy, sx=sx, filter=f)
    state, digit, where = _digit_column(state, fresh, present)
    if not digit.any():
        return state
    key, text = ui_learn.settings_key(state), grid_to_text(digit)
    decimals = 1 if present else 2  # a projector's cells hold fewer characters
    view = _kept("shift", lambda: shifted(key, text, f, sy, sx, decimals))
    if view is not None:
        with where:
            _board(view)
    st.subheader("How far each cell sees")
    layers = [n for n in FIELD_LAYERS if n != "conv2" or state.conv2]
    with presenter_hidden("field"):
        one, two = st.columns([1, 1])
        if st.session_state.get("inside_rf") not in layers:
            st.session_state["inside_rf"] = "pool"
        rf = one.segmented_control("Layer", layers, format_func=FIELD_LAYERS.get, key="inside_rf", required=True)
        cell = None
        if rf != "scores":
            side = digits_fields(ui_learn.config_of(state))[rf].out_size[0]
            centre = ((side - 1) // 2,) * 2
            cell = _pair_ui("inside_cell", side, state.cell if rf == state.rf else None, centre,
                            "cell" in fresh or rf != state.rf, two)
    state = replace(state, rf=rf, cell=cell)
    view = _kept("field", lambda: field_view(key, text, rf, f, cell, decimals))
    if view is not None:
        with st.container(key=BOARD_KEY + "_field"):
            html(view)
    return state
