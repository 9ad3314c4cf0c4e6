"""The page "A CNN that learns": its state in the link, the shared training runs, the drawing canvas.

Training runs off the rerun path and off the interpreter: the process's one ``Trainer``
(``cnnviz.learn.worker``) trains in a worker process, one run at a time, and keeps each run by its settings
(seed included), so a class pressing Train with the same settings trains once; the page polls a run's
progress with a fragment only while it is waiting or in progress.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from cnnviz.learn.digits import digits_split
from cnnviz.kernel.grids import grid_from_text, grid_to_text
from cnnviz.kernel.notation import format_fixed, format_percent, format_shape_chain
from cnnviz.learn.interpret import confusion_matrix, top_patches
from cnnviz.learn.network import TrainConfig
from cnnviz.learn.worker import Trainer, TrainingRun
from cnnviz.ui import ROOT, ReadyFigure, html
from cnnviz.ui.backward import stable_rate
from cnnviz.ui.cache import bounded
from cnnviz.views import learn as fig_learn
from cnnviz.views.assets import asset
from cnnviz.ui.state import UrlField, UrlState, bool_field, choice_field, int_field

LIMITS = {"filters": (1, 16), "epochs": (1, 30), "seed": (0, 9999)}
N_TEST = len(digits_split().test_labels)
SOURCES = ("test", "draw")
PRESENT_CURVES = {"font_size": 20, "height": 460}  # the curves on a projector
POLL_SECONDS = 1.0  # how often a page in progress asks its run for news (each poll reruns the fragment)
MAX_RUNS = 12  # training runs (and their results) kept per process


@dataclass(frozen=True, eq=False)
class LearnState:
    """Every setting of the page; round-trips through the link."""

    filters: int  # filters in the first convolution
    epochs: int  # passes over the training digits
    seed: int  # the initial weights and the batch order
    conv2: bool  # a second 3x3 convolution (as many filters) after pooling
    src: str  # "test": a digit of the test split; "draw": the one drawn on the canvas
    digit: int  # index of the test digit, 0..354
    epoch: int | None  # the epoch whose filters are shown; None: the last
    draw: np.ndarray | None  # (8, 8) the drawn digit, cells 0..16; None: nothing drawn yet
    look: bool = False  # "What does each filter look for?" open (in the link: a room's followers open it too)
    wrong: bool = False  # "Where it goes wrong" open
    present: bool = False  # the presenter view: the curves, the filters and the digit's answer large


def parse_drawing(text) -> np.ndarray:
    """An 8x8 digit from the link or the canvas, whole cells 0..16; ValueError saying what is wrong."""
    arr = grid_from_text(text, max_side=8, name="drawing") if isinstance(text, str) else np.asarray(text)
    if arr.shape != (8, 8):
        raise ValueError(f"a drawing is 8x8 cells, not {'x'.join(map(str, arr.shape)) or 'empty'}")
    if arr.dtype.kind not in "iuf" or not np.all(np.isfinite(arr)):
        raise ValueError("a drawing's cells are numbers 0..16")
    if arr.min() < 0 or arr.max() > 16 or not np.all(arr == np.round(arr)):
        raise ValueError("a drawing's cells are whole numbers 0 (paper) to 16 (ink)")
    return arr.astype(np.int64)


def _check(values: dict, refused: set[str]) -> tuple[dict, list[str]]:
    if values["epoch"] is not None and values["epoch"] > values["epochs"]:
        return values | {"epoch": None}, [f"The link shows epoch {values['epoch']}, but training has only "
                                          f"{values['epochs']} epochs: showing the last."]
    return values, []


# The network and the digit: one setting with "Inside the trained network" (``UrlState(shared=...)``), whose link
# carries them too.
SHARED = ("filters", "epochs", "seed", "conv2", "src", "digit", "draw")

URL = UrlState("learn", LearnState, [
    int_field("filters", 8, *LIMITS["filters"], "number of filters"),
    int_field("epochs", 12, *LIMITS["epochs"], "number of epochs"),
    int_field("seed", 0, *LIMITS["seed"], "seed"),
    bool_field("conv2", False, "second convolution switch"),
    choice_field("src", "test", SOURCES, "digit source"),
    int_field("digit", 0, 0, N_TEST - 1, "test digit"),
    int_field("epoch", None, 0, LIMITS["epochs"][1], "epoch shown"),
    UrlField("draw", None, parse_drawing, grid_to_text, "drawing"),
    bool_field("look", False, "top windows switch"),
    bool_field("wrong", False, "mistakes switch"),
    bool_field("present", False, "presenter view switch"),
], widgets={"filters": "learn_filters", "epochs": "learn_epochs", "seed": "learn_seed", "conv2": "learn_conv2",
            "src": "learn_src", "digit": "learn_digit", "look": "learn_look", "wrong": "learn_wrong",
            "present": "learn_present"}, check=_check, shared=SHARED)


def config_of(state: LearnState) -> TrainConfig:
    """The training configuration the page's settings describe."""
    return TrainConfig(filters=state.filters, epochs=state.epochs, seed=state.seed,
                       conv2_filters=state.filters if state.conv2 else 0)


def settings_key(state: LearnState) -> tuple[int, int, int, bool]:
    """What decides a run: equal keys share one run."""
    return state.filters, state.epochs, state.seed, state.conv2


@bounded(max_entries=1)
def trainer() -> Trainer:
    """The one trainer of this process: its worker trains one run at a time, off the interpreter."""
    return Trainer(max_runs=MAX_RUNS)


def shared_run(filters: int, epochs: int, seed: int, conv2: bool, *, retry: bool = False) -> TrainingRun:
    """The one run of these settings in this process, started (or queued) on first use."""
    config = TrainConfig(filters=filters, epochs=epochs, seed=seed, conv2_filters=filters if conv2 else 0)
    return trainer().run(config, retry=retry)


def run_of(state: LearnState) -> TrainingRun:
    """The shared run of ``state``'s settings."""
    return shared_run(*settings_key(state))


def settings_ui() -> dict:
    """The training settings (keys ``learn_<name>``); returns their values."""
    out = {
        "filters": int(st.number_input("Filters", *LIMITS["filters"], step=1, key="learn_filters",
                                       help="3x3 filters in the first convolution.")),
        "epochs": int(st.number_input("Epochs", *LIMITS["epochs"], step=1, key="learn_epochs",
                                      help="Passes over the 1,442 training digits.")),
        "seed": int(st.number_input("Seed", *LIMITS["seed"], step=1, key="learn_seed",
                                    help="Decides the random first filters and the order of the digits: "
                                         "the same seed gives the same network.")),
    }
    out["conv2"] = st.toggle("Second convolution", key="learn_conv2",
                             help="Another 3x3 convolution and ReLU after pooling, before the dense layer.")
    return out


# --- views of a run, cached per settings: one student computes them, the class shares them (read-only) ---

@bounded(max_entries=64)
def curves(key: tuple, n_records: int, epochs: int, present: bool = False) -> go.Figure:
    """The loss and accuracy curves of run ``key`` after its first ``n_records`` records (read-only); larger type
    in the presenter view."""
    history = shared_run(*key).history()[:n_records]
    return ReadyFigure(fig_learn.curves_figure(history, epochs, **PRESENT_CURVES if present else {}))


@bounded(max_entries=256)
def epoch_filters(key: tuple, epoch: int) -> str:
    """The filters of run ``key`` after ``epoch``, as HTML."""
    rec = shared_run(*key).history()[epoch]
    return fig_learn.filters_html(rec.filters, rec.biases, prefix=f"e{epoch}f")


@bounded(max_entries=512)
def epoch_maps(key: tuple, epoch: int, digit_text: str) -> str:
    """The activation maps (before ReLU) of the filters after ``epoch`` on one digit, as HTML."""
    from cnnviz.kernel.conv import conv2d

    rec = shared_run(*key).history()[epoch]
    x = grid_from_text(digit_text, max_side=8)[None, :, :, None] / 16  # the network's input: cells / 16
    maps = conv2d(x, rec.filters.astype(np.float64), rec.biases.astype(np.float64), padding=1)[0]  # (8, 8, F)
    return fig_learn.maps_html(maps, prefix=f"e{epoch}m", title="Map {}")


@dataclass(frozen=True)
class DigitView:
    """One digit through the trained network: its layers as arrays, what it reads, and how sure."""

    layers: dict  # name -> array (DigitsCNN.forward_layers)
    shapes: str  # "8x8x1 → 8x8x8 → 4x4x8 → 10"
    predicted: int
    reading: str  # HTML: "The network reads a 5 (99.9 % sure)."
    bars: str  # HTML: the ten probabilities as bars
    answer: str  # HTML: what the network reads and how it came to it, then the bars


DIGIT_VIEWS = 512  # digits through a run's network (355 test digits, and drawings)


@bounded(max_entries=DIGIT_VIEWS)
def digit_view(key: tuple, digit_text: str) -> DigitView:
    """The trained network of run ``key`` on one digit (its cells as link text)."""
    result = shared_run(*key).result
    layers = result.model.forward_layers(parse_drawing(digit_text))
    chain = ["input", "conv", "pool"] + (["conv2"] if "conv2" in layers else []) + ["scores"]
    shapes = result.config.shapes()
    predicted = int(np.argmax(layers["scores"]))
    sure = format_percent(float(layers["probabilities"][predicted]), 1)
    reading = f'<b class="reading">The network reads a {predicted}</b> ({sure} sure).'
    bars = fig_learn.probabilities_html(layers["probabilities"], layers["scores"])
    answer = fig_learn.section_html(("lead", reading + " The dense layer turns the pooled maps into 10 scores; softmax "
                                     "turns the scores into probabilities that add up to 100 %."), ("html", bars))
    return DigitView(layers, format_shape_chain([shapes[c] for c in chain]), predicted, reading, bars, answer)


def digit_layer(key: tuple, digit_text: str, name: str) -> str:
    """One layer of a digit through run ``key``'s network, as HTML (only the layers someone opens are drawn).
    Not cached itself: the sections that hold it are (``digit_head``, ``digit_section``)."""
    return fig_learn.layer_html(digit_view(key, digit_text).layers, grid_from_text(digit_text, max_side=8), name)


@dataclass(frozen=True)
class Inspection:
    """What the trained network looks for, and where it goes wrong on the test digits."""

    patches: str  # HTML: each filter beside its nine strongest training windows
    confusion: np.ndarray  # (10, 10)
    figure: go.Figure  # the confusion matrix drawn, built once per run (a Plotly figure: too slow to build every rerun)
    wrong: tuple[tuple[int, int, int], ...]  # (test index, true digit, answer)
    gallery: str  # HTML: the first 40 wrong test digits, each with its caption
    accuracy: float


@bounded(max_entries=MAX_RUNS)
def inspection(key: tuple) -> Inspection:
    """The top windows of every filter and the confusion matrix of run ``key``."""
    model, split = shared_run(*key).result.model, digits_split()
    top = top_patches(model, split.train_images, k=9)
    answers = model.predict(split.test_images).argmax(axis=1)
    wrong = tuple((int(i), int(split.test_labels[i]), int(answers[i]))
                  for i in np.flatnonzero(answers != split.test_labels))
    confusion = confusion_matrix(split.test_labels, answers)
    shown = wrong[:40]
    gallery = fig_learn.gallery_html([split.test_images[i] for i, _, _ in shown],
                                     [f"#{i}: a {y}, read {p}" for i, y, p in shown])
    return Inspection(fig_learn.patches_html(model.filters, top), confusion,
                      ReadyFigure(fig_learn.confusion_figure(confusion)), wrong, gallery,
                      float(np.mean(answers == split.test_labels)))


# --- the drawing canvas ---

_canvas = st.components.v2.component("cnnviz.draw_digit", html="", css=asset("canvas.css"), js=asset("canvas.js"))
CANVAS_KEY = "learn_canvas"


def canvas_ui(state: LearnState, fresh: set[str]) -> tuple[LearnState, list[str]]:
    """The 8x8 canvas; returns the state with the drawing the student made, and what was wrong with it."""
    seen_key = "learn_canvas__seen"
    shown = state.draw if state.draw is not None else np.zeros((8, 8), np.int64)
    result = _canvas(key=CANVAS_KEY, data={"cells": shown.ravel().tolist()}, default={"cells": None},
                     on_cells_change=lambda: None, width="content")
    cells = result.get("cells") if hasattr(result, "get") else getattr(result, "cells", None)
    if cells is None or "draw" in fresh or cells == st.session_state.get(seen_key):
        return state, []
    st.session_state[seen_key] = cells
    try:
        drawn = parse_drawing(np.asarray(cells, dtype=np.float64).reshape(8, 8) if len(cells) == 64 else
                              np.asarray(cells, dtype=np.float64))
    except (ValueError, TypeError) as exc:
        return state, [f"The drawing could not be read: {exc}."]
    return replace(state, draw=drawn), []


# --- the sections of the page ---

def _ask(key: tuple) -> None:
    st.session_state["learn_asked"] = set(st.session_state.get("learn_asked", ())) | {key}


def _retry(key: tuple) -> None:
    _ask(key)
    shared_run(*key, retry=True)


def train_ui(state: LearnState) -> TrainingRun | None:
    """The shared run of these settings when it was asked for (the defaults always are), else a Train button;
    a run that failed shows why and a button to train again."""
    key = settings_key(state)
    if key == settings_key(URL.default) or key in st.session_state.get("learn_asked", ()):
        run = run_of(state)
        if run.error is None:
            return run
        from cnnviz import ui

        st.error(ui.plain(run.error) + " Press **Train again** to try once more.", icon=":material/error:")
        st.button("Train again", type="primary", icon=":material/refresh:", key="learn_retry", on_click=_retry,
                  args=(key,))
        return None
    st.button("Train", type="primary", icon=":material/play_arrow:", key="learn_train", on_click=_ask, args=(key,))
    st.info("Press **Train** to train this network. Everyone who asks for the same settings and seed shares one "
            "training: it runs once.", icon=":material/model_training:")
    return None


def _progress_bar(run: TrainingRun, epochs: int) -> int:
    """The progress bar and where the run is, in words; returns how many epochs it has recorded."""
    history = run.history()
    last = history[-1] if history else None
    ahead = run.ahead
    words = (f"Waiting for {'another training' if ahead == 0 else f'{ahead + 1} other trainings'} on this "
             "server to finish" if run.waiting else "Starting" if last is None else
             f"Epoch {last.epoch} of {epochs}: test accuracy {format_percent(last.test_accuracy, 1)}, "
             f"loss {format_fixed(last.loss, 3)}, {format_fixed(last.seconds, 1)} s")
    st.progress(0.0 if last is None else last.epoch / epochs,
                text=("Trained. " if run.done else "" if run.waiting else "Training… ") + words)
    return len(history)


def _progress(run: TrainingRun, key: tuple, epochs: int, digit: np.ndarray | None) -> None:
    """The progress bar and the curves so far; while training, the last epoch's filters and their maps of
    ``digit``."""
    n = _progress_bar(run, epochs)
    if n:
        st.plotly_chart(curves(key, n, epochs), width="stretch", config={"displayModeBar": False},
                        key="learn_curves")
    if not run.done and n and digit is not None:
        st.markdown(f"**The filters after epoch {n - 1}**, and their activation maps of the digit below")
        html(epoch_filters(key, n - 1))
        html(epoch_maps(key, n - 1, grid_to_text(digit)))


def progress_ui(state: LearnState, run: TrainingRun, digit: np.ndarray | None) -> None:
    """Progress, curves, and the filters as they change: polled by a fragment while the run is in progress;
    a finished run's are drawn once, without a fragment."""
    key, epochs = settings_key(state), state.epochs
    if run.done:
        st.session_state["learn_polling"] = False
        _progress(run, key, epochs, digit)
        return

    @st.fragment(run_every=POLL_SECONDS)
    def live() -> None:
        if run.done and st.session_state.get("learn_polling"):
            st.session_state["learn_polling"] = False
            st.rerun()  # the whole page, now with everything a finished (or failed) run shows; polling stops
        _progress(run, key, epochs, digit)

    st.session_state["learn_polling"] = True
    live()


@bounded(max_entries=512)
def epoch_section(key: tuple, epoch: int, last: int, digit_text: str) -> str:
    """The filters after ``epoch`` with their caption and, before the last epoch, their maps of the digit:
    one HTML element."""
    rec = shared_run(*key).history()[epoch]
    accuracy, loss = format_percent(rec.test_accuracy, 1), format_fixed(rec.loss, 3)
    parts = [("note", f"After epoch {epoch}: test accuracy {accuracy}, loss {loss}. "
                      "Blue negative, white 0, red positive; one scale for all filters."),
             ("html", epoch_filters(key, epoch))]
    if epoch == last:  # the trained filters' maps are the first layer of the digit below: drawn once, there
        parts.append(("note", "Their activation maps of the digit are the first layer below (<b>Activation maps</b>); "
                              "slide to an earlier epoch to see that epoch's maps here."))
    else:
        parts += [("lead", "<b>Their activation maps of the digit</b> (before ReLU; the network sees the cells "
                           "divided by 16)"), ("html", epoch_maps(key, epoch, digit_text))]
    return fig_learn.section_html(*parts)


def epochs_ui(state: LearnState, fresh: set[str], run: TrainingRun, digit: np.ndarray) -> LearnState:
    """A slider through the epochs: the filters then, and their maps of the digit."""
    last = run.result.epochs_run
    if "epoch" in fresh or "learn_epoch" not in st.session_state:
        st.session_state["learn_epoch"] = last if state.epoch is None else min(state.epoch, last)
    st.session_state["learn_epoch"] = min(int(st.session_state["learn_epoch"]), last)
    epoch = st.slider("Epoch shown", 0, last, key="learn_epoch",
                      help="0 is the network before training: random filters. Slide to watch edges emerge.")
    html(epoch_section(settings_key(state), epoch, last, grid_to_text(digit) if epoch < last else ""))
    return replace(state, epoch=None if epoch == last else epoch)


def digit_ui(state: LearnState, fresh: set[str], *, inline_note: bool = False
             ) -> tuple[LearnState, np.ndarray, list[str], str]:
    """Choose a test digit or draw one; returns the state, the digit (8, 8), what was wrong with a drawing,
    and a line about a test digit (HTML). With ``inline_note`` that line is returned to be drawn with what
    follows (one element less); otherwise it is drawn here, as a caption."""
    labels = {"test": "A test digit", "draw": "Draw one"}
    src = st.radio("The digit", SOURCES, format_func=labels.get, key="learn_src", horizontal=True)
    state, errors = replace(state, src=src), []
    if src == "test":
        i = int(st.number_input(f"Test digit (0 to {N_TEST - 1})", 0, N_TEST - 1, step=1, key="learn_digit"))
        state = replace(state, digit=i)
        split = digits_split()
        note = f"Test digit {i} is a <b>{split.test_labels[i]}</b> (written by one of the 13 people)."
        if not inline_note:
            html(fig_learn.section_html(("note", note)))
        return state, np.asarray(split.test_images[i]), errors, note
    st.caption("Press and drag to ink cells (mouse or finger); **Erase** rubs out, **Clear** starts again.")
    state, errors = canvas_ui(state, fresh)
    digit = state.draw if state.draw is not None else np.zeros((8, 8), np.int64)
    return state, digit, errors, ""


LAYERS = {"conv": "Activation maps", "relu": "After ReLU", "pool": "After 2x2 max pooling",
          "relu2": "After the second convolution and ReLU"}
LAYER_KEY = "learn_layer"  # the layer shown below the digit (a segmented control: one element, not four tabs)
OPEN_FILTER_HEAD = ("<h3>Open a learned filter in the Convolution player</h3>"
                    '<p class="cnnviz-note">The player works on the digit\'s cells 0..16; the network divides them by '
                    "16 first, which only scales the map (and the network adds its bias).</p>")


@bounded(max_entries=DIGIT_VIEWS)
def digit_head(key: tuple, digit_text: str, note: str) -> str:
    """A line about the digit, the shapes of its layers as the lecture writes them, and the digit: one element."""
    view = digit_view(key, digit_text)
    parts = ([("note", note)] if note else []) + [("html", f'<h3 class="shapes">{view.shapes}</h3>'),
                                                 ("html", digit_layer(key, digit_text, "input"))]
    return fig_learn.section_html(*parts)


@bounded(max_entries=2 * DIGIT_VIEWS)  # about 45 KB an entry: at most about 50 MB
def digit_section(key: tuple, digit_text: str, name: str) -> str:
    """One layer of the digit, then the heading of the filter links: one element."""
    return fig_learn.section_html(("html", digit_layer(key, digit_text, name)), ("html", OPEN_FILTER_HEAD))


def layers_ui(key: tuple, digit_text: str, view: DigitView, note: str = "", where=None) -> None:
    """The digit and the shapes of its layers (in ``where`` when given), then every layer of the digit. Only the
    layer picked is built and sent; picking another reruns this part."""
    html(digit_head(key, digit_text, note), where=where)
    names = [n for n in LAYERS if n in view.layers]
    if st.session_state.get(LAYER_KEY) not in names:
        st.session_state[LAYER_KEY] = names[0]
    name = st.segmented_control("Layer shown", names, format_func=LAYERS.get, key=LAYER_KEY, required=True,
                                label_visibility="collapsed")
    html(digit_section(key, digit_text, name))


OPEN_FILTER_KEY = "learn_open_filter"  # the filter picked to open in the Convolution player
OPEN_STEP_KEY = "learn_open_step"  # the filter picked to open at its backward step in "How a filter learns"


def conv_query(key: tuple, digit_text: str, f: int) -> dict[str, str]:
    """The Convolution page's link for learned filter ``f`` of run ``key`` (2 decimals) on the digit."""
    w = shared_run(*key).result.model.filters  # (3, 3, 1, F)
    return {"input": digit_text, "filter": grid_to_text(np.round(w[:, :, 0, f].astype(np.float64), 2)), "padding": "1"}


def step_epoch(state: LearnState, last: int) -> int:
    """The epoch whose backward step opens: the one shown (the last when none is); for epoch 0, the first step."""
    return max(1, last if state.epoch is None else min(state.epoch, last))


@bounded(max_entries=DIGIT_VIEWS)
def step_gradient(key: tuple, epoch: int, digit: int) -> np.ndarray:
    """``dL/dmap`` of the first convolution ``(H1, W1, F)`` for test digit ``digit`` from run ``key``'s parameters
    after epoch ``epoch − 1``: what the backward step toward ``epoch`` sent back into each filter's map for it."""
    run, split = shared_run(*key), digits_split()
    g = run.result.model.map_gradient(split.test_images[digit], split.test_labels[digit],
                                      run.history()[epoch - 1].params)
    g.flags.writeable = False
    return g


def _significant(a: np.ndarray, digits: int) -> np.ndarray:
    """``a`` rounded to ``digits`` significant digits (as ``format(v, ".4g")`` writes them for 4)."""
    return np.array([float(format(v, f".{digits}g")) for v in a.ravel().tolist()]).reshape(a.shape)


def backward_query(key: tuple, epoch: int, digit: int, f: int) -> dict[str, str]:
    """The link of "How a filter learns" on the backward step that moved learned filter ``f`` of run ``key`` to
    ``epoch``, for test digit ``digit``: its cells, the filter after epoch ``epoch − 1`` (4 decimals), the network's
    padding, ``dL/dmap`` given (4 significant digits), and a learning rate descent on the digit converges at."""
    run = shared_run(*key)
    w = run.history()[epoch - 1].filters[:, :, 0, f].astype(np.float64)
    dmap = step_gradient(key, epoch, digit)[:, :, f].astype(np.float64)
    x = np.asarray(digits_split().test_images[digit])
    return {"input": grid_to_text(x), "filter": grid_to_text(np.round(w, 4)),
            "padding": str(run.config.padding), "source": "given", "dmap": grid_to_text(_significant(dmap, 4)),
            "net": f"{digit},{epoch},{f + 1}", "rate": str(stable_rate(x, w.shape, padding=run.config.padding))}


def _open_asked(pick_key: str) -> None:
    """The pick is taken once (and cleared): coming back to this page opens nothing by itself."""
    st.session_state[pick_key + "__go"] = st.session_state.get(pick_key)
    st.session_state[pick_key] = None


def _open_pills(pick_key: str, label: str, F: int, page: str, query, **options) -> None:
    """One button per learned filter, one widget for all of them (eight page links would be eight more elements
    on every rerun); the filter picked opens ``page`` with ``query(f)`` in its link. The page opens in the app, as a
    page link does, so the session (a room's presenter, the other pages' state) goes with it."""
    go = st.session_state.pop(pick_key + "__go", None)
    if isinstance(go, int) and 0 <= go < F:
        st.switch_page(ROOT / "pages" / page, query_params=query(go))
    st.pills(label, list(range(F)), key=pick_key, format_func=lambda f: f"Filter {f + 1}", on_change=_open_asked,
             args=(pick_key,), **options)


def open_filter_ui(key: tuple, digit_text: str, state: LearnState) -> None:
    """Each learned filter of run ``key`` one click from the Convolution player on the digit and, for a test
    digit, from "How a filter learns" on the backward step that moved it to the epoch shown."""
    F = shared_run(*key).result.model.filters.shape[3]
    _open_pills(OPEN_FILTER_KEY, "Open a learned filter in the Convolution player, on this digit", F,
                "convolution.py", lambda f: conv_query(key, digit_text, f), label_visibility="collapsed")
    if state.src != "test":
        st.caption("Only a test digit has a label to learn from, so only a test digit opens the backward step that "
                   "moved a filter.")
        return
    epoch = step_epoch(state, shared_run(*key).result.epochs_run)
    _open_pills(OPEN_STEP_KEY, "Or its backward step toward the epoch shown above (from epoch 0, toward epoch 1), "
                "on this digit, in *How a filter learns*", F, "backward.py",
                lambda f: backward_query(key, epoch, state.digit, f))


INSPECT_KEYS = ("learn_look", "learn_wrong")  # the two closed-by-default parts at the end of the page (URL.widgets)


def inspection_ui(state: LearnState) -> None:
    """What each filter looks for, the confusion matrix and the test digits it gets wrong: each part is
    built (and sent) only once a student opens it; opening one reruns the page and writes the link (so a
    room's followers see it open too)."""
    view = inspection(settings_key(state))
    look = st.expander("**What does each filter look for?** The nine training windows that excite it most",
                       icon=":material/visibility:", key=INSPECT_KEYS[0], on_change="rerun")
    if look.open:
        html(fig_learn.section_html(("note", "Beside each filter, the nine 3x3 windows of training digits that "
                                             "excite it most (its activation above each window). Grey: the digit's "
                                             "ink, 0 white to 16 black."), ("html", view.patches)), where=look)
    wrong = st.expander(f"**Where it goes wrong: {len(view.wrong)} of {N_TEST} test digits.** The confusion matrix "
                        "and the digits it misreads", icon=":material/rule:", key=INSPECT_KEYS[1], on_change="rerun")
    if wrong.open:
        left, right = wrong.columns([1, 1])
        left.plotly_chart(view.figure, width="content", config={"displayModeBar": False}, key="learn_confusion")
        left.caption("Row: the true digit; column: the network's answer. The diagonal is right; red cells are "
                     "mistakes.")
        if view.wrong:
            html(view.gallery, where=right)
    now = URL.load()[0]  # the link as the parts above wrote it
    if (now.look, now.wrong) != (bool(look.open), bool(wrong.open)):
        URL.save(replace(now, look=bool(look.open), wrong=bool(wrong.open)))


def shown_digit(state: LearnState) -> np.ndarray:
    """The digit ``state`` follows: its test digit, or the drawing (blank before anything is drawn)."""
    if state.src == "test":
        return np.asarray(digits_split().test_images[state.digit])
    return state.draw if state.draw is not None else np.zeros((8, 8), np.int64)


MAPS_DIGIT_KEY = "learn_maps_digit"  # the digit whose maps the epoch part shows (None: none shown)


def explore_ui(state: LearnState, fresh: set[str], run: TrainingRun) -> None:
    """The filters epoch by epoch, then one digit through every layer: two fragments, so that moving the
    slider reruns (and resends) only the filters, and picking or drawing a digit only the digit's part
    (their headings stay outside: a fragment's rerun resends only what it draws).
    Each writes the link (and a room hears of it). The one link between them: an earlier epoch's maps show
    the digit, so a new digit then reruns the page."""
    from cnnviz import ui

    training = {k: getattr(state, k) for k in ("filters", "epochs", "seed", "conv2")}
    runs = {"epochs": 0, "digit": 0}

    def current(part: str) -> tuple[LearnState, set[str]]:
        """The state as the link has it now (the epoch part may just have written it), and what in it is
        new from the link (only on the page's own run)."""
        first = runs[part] == 0
        runs[part] += 1
        base = state if first and part == "epochs" else URL.load()[0]
        return replace(base, **training), fresh if first else set()

    @ui.page_fragment
    def epochs_part() -> None:
        s, new = current("epochs")
        digit = shown_digit(s)
        s = epochs_ui(s, new, run, digit)
        st.session_state[MAPS_DIGIT_KEY] = None if s.epoch is None else grid_to_text(digit)
        URL.save(s)

    @ui.page_fragment
    def digit_part() -> None:
        s, new = current("digit")
        # The digit and what the network reads side by side; on a phone the answer comes right under the canvas.
        chooser, answer = st.columns([1, 1], gap="large")
        with chooser:
            s, digit, draw_errors, note = digit_ui(s, new, inline_note=True)
            ui.show_errors(draw_errors, kept="The last drawing is still used.")
        digit_text = grid_to_text(digit)
        if not digit.any():
            answer.info("Draw a digit on the canvas: its layers, scores and probabilities appear here.",
                        icon=":material/draw:")
        else:
            key = settings_key(s)
            kept = ui.last_valid("learn_digit_view", lambda: (digit_text, digit_view(key, digit_text)))
            ui.show_errors(kept.errors, kept="The last valid digit is still shown." if kept.value else "")
            if kept.value is not None:
                html(kept.value[1].answer, where=answer)
                # a test digit under its number, beside the answer; a drawn one is on its canvas already
                layers_ui(key, *kept.value, note if kept.value[0] == digit_text else "",
                          where=chooser if s.src == "test" else None)
            else:
                html(fig_learn.section_html(("html", OPEN_FILTER_HEAD)))
            open_filter_ui(key, digit_text, s)
        URL.save(s)
        if st.session_state.get(MAPS_DIGIT_KEY) not in (None, digit_text) and \
                st.session_state.get(MAPS_DIGIT_KEY + "__rerun") != digit_text:
            st.session_state[MAPS_DIGIT_KEY + "__rerun"] = digit_text  # once per digit, whatever happens
            st.rerun()  # the epoch part above shows the maps of the digit before: draw them again

    st.subheader("The filters, epoch by epoch")
    epochs_part()
    st.subheader("Follow one digit through every layer")
    digit_part()


# --- the presenter view ---

PRESENT_FILTERS_KEY = "learn_present_filters"  # the filters' container: present.css draws them large
PRESENT_ANSWER_KEY = "learn_present_answer"  # the digit's answer, large


def present_ui(state: LearnState, fresh: set[str], run: TrainingRun) -> LearnState:
    """The presenter view: the loss and accuracy curves and the filters of the epoch shown, then the digit and
    what the network reads, all in large type; while the run trains, a fragment follows its progress.

    The digit's chooser is hidden (it is in the link); a drawn digit keeps its canvas, to draw on in front of the
    class. Returns the state with the drawing made.
    """
    from cnnviz.ui.widgets import presenter_hidden, projecting

    key, epochs, large = settings_key(state), state.epochs, projecting(True)

    def board() -> None:
        n = _progress_bar(run, epochs)
        if not n:
            return
        curves_col, filters_col = st.columns([9, 11], gap="medium")
        curves_col.plotly_chart(curves(key, n, epochs, present=large), width="stretch",
                                config={"displayModeBar": False}, key="learn_curves")
        epoch = n - 1 if state.epoch is None or not run.done else min(state.epoch, n - 1)
        with filters_col, st.container(key=PRESENT_FILTERS_KEY):
            st.markdown(f"**The filters after epoch {epoch}**")
            rows = -(-shared_run(*key).history()[epoch].filters.shape[3] // 3)  # three filters a row
            html(f'<div style="--rows:{rows}">{epoch_filters(key, epoch)}</div>')

    if run.done:
        board()
    else:
        @st.fragment(run_every=POLL_SECONDS)
        def live() -> None:
            if run.done:
                st.rerun()  # the whole page: now with the digit's answer
            board()

        live()
    with presenter_hidden("digit") if state.src == "test" else st.container():
        state, digit, errors, _ = digit_ui(state, fresh, inline_note=True)
    if not run.done or not digit.any():
        return state
    digit_text = grid_to_text(digit)
    view = digit_view(key, digit_text)
    picture, words = st.columns([1, 4], gap="medium", vertical_alignment="center")
    if state.src == "test":
        label = digits_split().test_labels[state.digit]
        picture.image(fig_learn.digit_png(digit, 160), width=160, caption=f"Test digit {state.digit}: a {label}",
                      alt=f"Test digit {state.digit}, a handwritten {label} in 8x8 grey cells")
    with words, st.container(key=PRESENT_ANSWER_KEY):
        html(fig_learn.section_html(("lead", view.reading), ("html", view.bars)))
    return state
