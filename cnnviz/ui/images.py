"""The Real images page: its state in the link, the picture, the filter bank and the cached maps."""
from __future__ import annotations

import base64
from dataclasses import dataclass, replace

import numpy as np
import streamlit as st

from cnnviz import images
from cnnviz.lecture import presets
from cnnviz.kernel.conv import conv2d, conv_trace
from cnnviz.kernel.grids import parse_cells
from cnnviz.kernel.pool import pool2d
from cnnviz.ui import html, show_warnings
from cnnviz.ui.cache import bounded, token
from cnnviz.ui.widgets import numbered_frame
from cnnviz.ui.state import (
    LastValid, UrlField, UrlState, bool_field, choice_field, index_field, numbers_field, texts_field,
)
from cnnviz.views import hover
from cnnviz.views import images as fig_images
from cnnviz.views.assets import script, style
from cnnviz.kernel.notation import format_bytes, format_number, format_shape, format_shape_chain

SOURCES = ("Sample", "Upload", "Camera")
SIZES = (32, 64, 128, 256, 512)  # working size: longest side of the picture the filters see
FILTER_SIZES = (3, 5, 7)
MAX_FILTERS = 16
MAX_BIAS = 100_000  # beyond this a bias hides every pattern the filter finds
CUSTOM = "Custom (type the numbers)"
DEFAULT_FILTERS = ("Vertical edge", "Horizontal edge", "Sobel x@R", "Sobel x@B", "Outline (Laplacian)", "Sharpen")
# Pictures are sent at the size they are shown (Streamlit would otherwise resize and re-encode
# every larger one on every rerun), every cell a block of whole pixels (views.images.crisp_side):
# maps near 360 px, readable from the back of a room; three or four to a row on a projector.
SHOWN_PX = 360
PICTURE_PX = 480  # the input picture, beside the settings
# Query parameters Streamlit itself reads: never a setting of the page, never warned about.
_STREAMLIT_PARAMS = ("embed", "embed_options")
UPLOAD_MB = 10  # keep equal to server.maxUploadSize in .streamlit/config.toml
COLOUR_BAR = fig_images.to_png(fig_images.colour_bar(1.0))  # the legend under the maps, encoded once


@dataclass(frozen=True)
class ImagesState:
    """Every setting of the Real images page; round-trips through the link (``URL`` holds the defaults)."""

    source: str  # one of SOURCES; an uploaded picture itself cannot travel in a link
    sample: str  # one of images.SAMPLE_NAMES
    size: int  # one of SIZES
    gray: bool  # one grey channel instead of R, G, B
    k: int  # filters are k x k x C
    filters: tuple[str, ...]  # specs for presets.filter_from_spec, 1 to 16
    bias: tuple[float, ...]  # one per filter
    relu: bool
    pool: bool  # 2x2 max pooling, stride 2
    sel: int  # the filter shown in detail (0-based; 1-based in the link)
    at: tuple[int, int] | None  # zoom location (row, col) from 0 (from 1 in the link); None = strongest value
    present: bool = False  # the presenter view: the picture, the filter and the maps on one screen


def _check_link(values: dict, refused: set[str]) -> tuple[dict, list[str]]:
    """The rules between the settings: filters that fit k, one bias per filter, a filter to show."""
    warnings, specs = [], values["filters"]
    if len(specs) > MAX_FILTERS:
        warnings.append(f"The link has {len(specs)} filters; the page takes at most {MAX_FILTERS}.")
        specs = specs[:MAX_FILTERS]
    good = []
    for n, spec in enumerate(specs, start=1):
        try:
            presets.filter_from_spec(spec, values["k"], 3)
            good.append(spec)
        except ValueError as exc:
            warnings.append(f"Filter {n} in the link was left out: {exc}")
    if specs and not good:
        warnings.append("No filter in the link could be used: showing the default bank.")
    filters, bias, sel = tuple(good) or DEFAULT_FILTERS, values["bias"], values["sel"]
    if bias and len(bias) != len(filters):
        warnings.append(f"The link gives {len(bias)} bias value{'s' * (len(bias) != 1)} for {len(filters)} filters: "
                        "using 0 for every one.")
        bias = ()
    if sel >= len(filters):
        warnings.append(f"The link's filter shown in detail (`sel={sel + 1}`) could not be used: there are "
                        f"{len(filters)} filters. Using 1 instead.")
        sel = 0
    return {**values, "filters": filters, "bias": tuple(bias) or (0,) * len(filters), "sel": sel}, warnings


def _parse_at(text: str) -> tuple[int, int]:
    """``"row,column"`` counted from 1 (as the page writes them) -> (row, col) counted from 0."""
    r, _, c = str(text).partition(",")
    if not (r.strip().isdigit() and c.strip().isdigit() and len(text) < 12):
        raise ValueError("it should be 'row,column' in whole numbers")
    if int(r) < 1 or int(c) < 1:
        raise ValueError("rows and columns count from 1")
    return int(r) - 1, int(c) - 1


URL = UrlState("images", ImagesState, [
    replace(choice_field("src", "Sample", SOURCES, "picture source"), encode=str.lower, attr="source"),
    choice_field("sample", images.PHOTO, images.SAMPLE_NAMES, "sample picture"),
    choice_field("size", 128, SIZES, "working size"),
    bool_field("gray", False, "grayscale switch"),
    choice_field("k", 3, FILTER_SIZES, "filter size"),
    replace(texts_field("f", DEFAULT_FILTERS, "filters"), attr="filters"),
    replace(numbers_field("bias", (), "bias values", lo=-MAX_BIAS, hi=MAX_BIAS, most=MAX_FILTERS,
                          fallback="Using 0 for every filter."), omit=lambda bias: not any(bias)),
    bool_field("relu", True, "ReLU switch"),
    bool_field("pool", True, "pooling switch"),
    index_field("sel", MAX_FILTERS, "filter shown in detail"),
    UrlField("at", None, _parse_at, lambda at: f"{at[0] + 1},{at[1] + 1}", "zoom location",
             "Zooming on the strongest value instead."),
    bool_field("present", False, "presenter view switch"),
], check=_check_link, widgets={"source": "img_src", "sample": "img_sample", "size": "img_size", "gray": "img_gray",
                               "k": "img_k", "relu": "img_relu", "pool": "img_pool", "present": "img_present"})


@dataclass(frozen=True, eq=False)
class Picture:
    """A picture the filters can see."""

    pixels: np.ndarray  # (H, W, 3) uint8 as loaded, before the working size; read-only
    note: str  # what the page says about it (shrunk on loading, no picture yet), or ""


def detail_index(value, n: int) -> int:
    """The "filter shown in detail" as a 0-based index below ``n``, whatever the browser sent.

    A browser still showing an old option label ("2: Sobel x" before that preset changed) sends
    the label itself instead of the index.
    """
    if not isinstance(value, (int, np.integer)):
        head = str(value).split(":")[0].strip()
        value = int(head) - 1 if head.isdigit() and len(head) < 4 else 0
    return min(max(int(value), 0), n - 1)


def _img_set_custom(i: int, spec: str) -> None:
    """Filter i becomes typed numbers set from outside its editors: new editors start from them."""
    ss = st.session_state
    ss.img_custom[i] = spec
    ss.img_ed_base[i] = spec
    ss.img_ed_version[i] = ss.img_ed_version.get(i, 0) + 1


# Widgets whose keys depend on the bank (which filter is shown, how many there are): seeded where drawn.
_BANK_WIDGETS = ("img_n", "img_sel", "img_f", "img_b", "img_ed_", "img_row", "img_col", "img_last_best")


def load_state() -> tuple[ImagesState, list[str]]:
    """The page state from the link (``URL.load()``); a new link (the first run) starts the widgets over."""
    ss = st.session_state
    state, fresh, warnings = URL.load()
    warnings = warnings + _unknown_params()
    if fresh or "img_custom" not in ss:
        for key in [k for k in ss if k.startswith(_BANK_WIDGETS)]:
            del ss[key]
        ss.img_custom = {}  # filter index -> typed spec, kept while its preset box says Custom
        ss.img_ed_base, ss.img_ed_version = {}, {}  # what each filter's editors started from, and their generation
        for i, spec in enumerate(state.filters):
            if "|" in spec:
                _img_set_custom(i, spec)
    URL.seed(state, fresh)
    return state, warnings


def _unknown_params() -> list[str]:
    """A warning for each parameter in the link that is no setting of this page; they leave the link."""
    known = {f.name for f in URL.fields.values()} | set(_STREAMLIT_PARAMS)
    warnings = []
    for name in [n for n in st.query_params if n not in known]:
        text = ", ".join(st.query_params.get_all(name))
        shown = text if len(text) <= 24 else text[:24] + "…"
        hint = {"n": " The number of filters is the number of `f=` in the link (`f=Sharpen&f=Emboss` is two).",
                "row": " The zoom location is `at=row,column`, counted from 1.",
                "col": " The zoom location is `at=row,column`, counted from 1.",
                "stride": " Filters here always move one pixel at a time (stride 1), with no padding.",
                "padding": " Filters here always move one pixel at a time (stride 1), with no padding.",
                }.get(name.lower(), "")
        warnings.append(f"The link's `{name[:24]}={shown}` is not a setting of this page and was ignored.{hint}")
        del st.query_params[name]
    return warnings


def filter_label(spec: str) -> str:
    """A filter spec as people read it: "Sobel x, red channel only", or "typed numbers"."""
    if "|" in spec:
        return "typed numbers"
    name, _, where = spec.partition("@")
    return f"{name}, {dict(R='red', G='green', B='blue')[where]} channel only" if where else name


def filter_explains(spec: str, channels: int = 3) -> str:
    """What the filter responds to, in a sentence."""
    if channels == 1:
        return ("On one grey channel the filter is a single slice: the R, G and B slices added up."
                if "|" in spec or "@" in spec else presets.FILTER_PRESETS[spec].explains)
    if "|" in spec:
        return "Typed numbers: each channel's slice is a filter of its own; their maps add up."
    name, _, where = spec.partition("@")
    text = presets.FILTER_PRESETS[name].explains
    if where:
        return f"{text} Only the {dict(R='red', G='green', B='blue')[where]} channel counts: the other slices are 0."
    return text + " Spread over the channels: each slice holds a third of it."


@bounded(max_entries=16)
def _img_decode(data: bytes) -> "images.LoadedImage | str":
    """Decode an upload once per distinct file; an error comes back as its message."""
    try:
        loaded = images.load_image_info(data)
    except images.ImageError as exc:
        return str(exc)
    loaded.pixels.flags.writeable = False  # shared by every session that uploads the same file
    return loaded


def _img_picture(data: bytes) -> Picture:
    """An uploaded file as a Picture; ValueError saying why it cannot be used."""
    loaded = _img_decode(data)
    if isinstance(loaded, str):
        raise ValueError(loaded)
    return Picture(loaded.pixels, loaded.message)


@bounded(max_entries=32)
def _img_input(pixels: np.ndarray, size: int, gray: bool) -> np.ndarray:
    """The picture the filters see: shrunk to the working size, grey or RGB. (H, W, C) uint8, read-only."""
    x = images.resize_max_side(np.asarray(pixels), size)
    x = images.to_grayscale(x) if gray else np.ascontiguousarray(x)
    x.flags.writeable = False
    return x


def source_ui(state: ImagesState) -> tuple[ImagesState, np.ndarray, list[str], str]:
    """Choose a picture. Returns the state, the (H, W, C) input (read-only), errors and a note."""
    ss = st.session_state
    cols = st.columns(2) + st.columns(2, vertical_alignment="bottom")
    source = cols[0].segmented_control("Picture", SOURCES, key="img_src", required=True) or "Sample"
    size = cols[2].selectbox("Working size (longest side)", SIZES, key="img_size",
                             format_func=lambda s: f"{s} px" + (" (the lecture's 32x32)" if s == 32 else ""))
    gray = cols[3].toggle("Grayscale (one channel)", key="img_gray")
    errors, data, picture = [], None, None
    if source == "Sample":
        sample = cols[1].selectbox("Sample picture", images.SAMPLE_NAMES, key="img_sample")
    else:
        sample = ss.img_sample
        if source == "Upload":
            up = cols[1].file_uploader(
                f"PNG, JPEG, GIF, BMP or WebP, up to {UPLOAD_MB} MB", key="img_upload",
                type=["png", "jpg", "jpeg", "gif", "bmp", "webp"])
        else:
            up = cols[1].camera_input("Take a picture", key="img_camera")
        data = up.getvalue() if up is not None else None
        file_id = getattr(up, "file_id", None) or ""
        st.caption("A picture you upload or take stays in this browser session: it cannot travel in a link. "
                   "The link keeps every other setting.")
    state = replace(state, source=source, sample=sample, size=size, gray=gray)
    last = LastValid[Picture]("img_picture")  # the last good upload or photo stays on screen
    if data is not None:
        if not file_id or file_id != ss.get("img_upload_read"):  # read a file once, not on every rerun
            ss.img_upload_read = file_id
            last.compute(lambda: _img_picture(data))
        picture, errors = last.get(), list(last.errors)  # a refused file: why, on every rerun while it is there
    elif source != "Sample":
        picture = last.get()
    if picture is None:
        note = "" if source == "Sample" else f"No picture yet: showing the sample ({sample}) until one loads."
        picture = Picture(images.sample_image(sample, 512), note)
    return state, _img_input(picture.pixels, size, gray), errors, picture.note


LECTURE_FILTERS = ("Vertical edge", "Horizontal edge", "Sobel x@R", "Sobel x@G", "Sobel x@B",
                       "Outline (Laplacian)")


def _img_lecture_example(state: ImagesState) -> None:
    """The lecture's layer: a 32x32x3 picture, six 5x5x3 filters, ReLU, 2x2 max pooling."""
    ss = st.session_state
    URL.save(replace(state, size=32, gray=False, k=5, filters=LECTURE_FILTERS, bias=(0,) * 6, relu=True, pool=True,
                     sel=0, at=None))
    ss.img_size, ss.img_gray, ss.img_k, ss.img_n, ss.img_relu, ss.img_pool, ss.img_sel = 32, False, 5, 6, True, True, 0
    ss.img_custom = {}
    for key in [k for k in ss if k.startswith(("img_f", "img_b", "img_row", "img_col", "img_last_best"))]:
        del ss[key]  # seeded again from the new state


def bank_ui(state: ImagesState, channels: int) -> tuple[ImagesState, list[str]]:
    """Settings of the filter bank and its filters. Returns the new state and messages for bad cells."""
    ss = st.session_state
    st.button("The lecture's example: 32x32x3 → six 5x5x3 filters → 28x28x6 → 14x14x6",
              on_click=_img_lecture_example, args=(state,), icon=":material/school:")
    st.session_state.setdefault("img_n", len(state.filters))
    c = st.columns(2) + st.columns(2)
    k = c[0].selectbox("Filter size", FILTER_SIZES, key="img_k", format_func=lambda k: format_shape((k, k, channels)))
    n = int(c[1].number_input("Number of filters", 1, MAX_FILTERS, step=1, key="img_n"))
    relu = c[2].toggle("ReLU (negatives become 0)", key="img_relu")
    pool = c[3].toggle("2x2 max pooling, stride 2", key="img_pool")
    options = [CUSTOM] + presets.preset_specs()
    filters, bias, errors = list(state.filters), list(state.bias), []
    if k != state.k:  # typed filters keep their centre when the size changes
        for i, spec in ss.img_custom.items():
            old = presets.filter_from_spec(spec, state.k, 3)
            new, o, q = np.zeros((k, k, 3)), max(0, (k - state.k) // 2), max(0, (state.k - k) // 2)
            m = min(k, state.k)
            new[o:o + m, o:o + m] = old[q:q + m, q:q + m]
            _img_set_custom(i, presets.spec_from_filter(new))
    while len(filters) < n:
        filters.append("Identity")
    filters, bias = filters[:n], (bias + [0] * n)[:n]
    # Only the filter shown in detail has widgets (its preset and bias): a bank of 16 filters would
    # otherwise send 16 boxes of 45 options to every student on every rerun.
    st.session_state.setdefault("img_sel", min(state.sel, n - 1))
    sel = ss.img_sel = detail_index(ss.img_sel, n)
    st.session_state.setdefault(f"img_f{sel}", CUSTOM if "|" in filters[sel] else filters[sel])
    st.session_state.setdefault(f"img_b{sel}", float(bias[sel]))
    choice = ss[f"img_f{sel}"]
    if choice == CUSTOM:
        if sel not in ss.img_custom:  # start typing from what the filter was
            start = filters[sel] if filters[sel] in options else "Identity"
            _img_set_custom(sel, presets.spec_from_filter(presets.filter_from_spec(start, k, 3)))
        filters[sel] = ss.img_custom[sel]
    else:
        filters[sel] = choice
    c = st.columns(2) + st.columns(2)
    c[0].selectbox("Filter shown in detail", range(n), key="img_sel",
                   format_func=lambda i: f"{i + 1}: {filter_label(filters[i])}")
    c[1].selectbox(f"Preset of filter {sel + 1}", options, key=f"img_f{sel}",
                   format_func=lambda s: s if s == CUSTOM else filter_label(s))
    bias[sel] = c[2].number_input(f"Bias of filter {sel + 1}", -float(MAX_BIAS), float(MAX_BIAS), step=1.0,
                                  key=f"img_b{sel}")
    if choice == CUSTOM:
        filters[sel], errors = _img_custom_editor(sel, filters[sel], k)
    return replace(state, k=k, relu=relu, pool=pool, filters=tuple(filters),
                   bias=tuple(float(b) if not float(b).is_integer() else int(b) for b in bias), sel=sel), errors


def _img_custom_editor(i: int, spec: str, k: int) -> tuple[str, list[str]]:
    """Three small grids (R, G, B) for typing filter i; bad cells keep the last valid filter."""
    ss = st.session_state
    w = presets.filter_from_spec(ss.img_ed_base.get(i, spec), k, 3)  # (k, k, 3) the numbers the editors started from
    st.caption(f"Type the numbers of filter {i + 1}, one {format_shape((k, k))} grid per channel "
               "(the first row at the top).")
    row, slices, errors = st.container(horizontal=True, gap="medium"), [], []  # side by side while they fit
    version = ss.img_ed_version.get(i, 0)
    for c, name in enumerate(presets.CHANNEL_NAMES):
        frame = numbered_frame(w[:, :, c])
        with row.container(width="content", gap="small"):
            st.markdown(f"**{name} slice**")
            edited = st.data_editor(frame, key=f"img_ed_{i}_{name}_{version}", num_rows="fixed", width="content",
                                    column_config={col: st.column_config.NumberColumn(col, width=52)
                                                   for col in frame.columns})
        grid, errs = parse_cells(np.asarray(edited, dtype=object).tolist(), name=f"{name} slice of filter {i + 1}")
        errors += errs
        slices.append(grid)
    if errors:
        return spec, errors
    new = presets.spec_from_filter(np.stack(slices, axis=-1))
    st.session_state.img_custom[i] = new
    return new, []


@dataclass(frozen=True)
class MapResult:
    """One filter applied to one picture: its activation map and the PNGs the browser gets."""

    act: np.ndarray  # (H_out, W_out) float32, after ReLU when it is on; read-only
    png: bytes
    pooled_png: bytes | None  # after 2x2 max pooling, when it is on
    pooled_shape: tuple[int, int] | None
    lo: float  # smallest and largest value of the map
    hi: float


@dataclass(frozen=True)
class BankResult:
    """A filter bank applied to one picture: one cached MapResult per filter."""

    maps: tuple[MapResult, ...]

    @property
    def shape(self) -> tuple[int, int, int]:  # (H_out, W_out, F)
        return self.maps[0].act.shape + (len(self.maps),)

    @property
    def pooled_shape(self) -> tuple[int, int, int] | None:  # (H_out // 2, W_out // 2, F)
        p = self.maps[0].pooled_shape
        return None if p is None else p + (len(self.maps),)

    @property
    def volume_png(self) -> tuple[bytes, ...]:
        return tuple(m.png for m in self.maps)

    @property
    def pooled_png(self) -> tuple[bytes, ...]:
        return tuple(m.pooled_png for m in self.maps) if self.pooled_shape else ()

    @property
    def ranges(self) -> tuple[tuple[float, float], ...]:
        return tuple((m.lo, m.hi) for m in self.maps)


@bounded(max_entries=64)  # at 512 px an entry is about 1.1 MB
def filter_map(x: np.ndarray, k: int, spec: str, bias: float, relu: bool, pool: bool) -> MapResult:
    """One filter's activation map, once per distinct (picture, filter, bias, ReLU, pooling) for every student.

    Cached per filter, not per bank: changing one filter or its bias recomputes only that filter.
    """
    w = presets.filter_from_spec(spec, k, x.shape[2]).astype(np.float32)  # (k, k, C)
    act = conv2d(x.astype(np.float32), w, np.float32(bias))  # (H_out, W_out)
    if relu:
        np.maximum(act, 0, out=act)
    lo, hi = float(act.min()), float(act.max())
    vmax = max(abs(lo), abs(hi))  # each map on its own scale, centred at 0
    png = fig_images.maps_png([act], vmax, side=fig_images.crisp_side(max(act.shape), SHOWN_PX))[0]
    pooled = pool2d(act, 2) if pool and min(act.shape) >= 2 else None  # (H_out // 2, W_out // 2)
    pooled_png = None if pooled is None else fig_images.maps_png(
        [pooled], vmax, side=fig_images.crisp_side(max(pooled.shape), SHOWN_PX))[0]
    act.flags.writeable = False
    return MapResult(act, png, pooled_png, None if pooled is None else pooled.shape, lo, hi)


def apply_bank(x: np.ndarray, k: int, filters: tuple[str, ...], bias: tuple, relu: bool, pool: bool) -> BankResult:
    """Apply every filter of the bank to ``x`` (H, W, C), read-only (each filter cached on its own)."""
    return BankResult(tuple(filter_map(x, k, s, b, relu, pool) for s, b in zip(filters, bias)))


@bounded(max_entries=32)
def _partials(x: np.ndarray, k: int, spec: str) -> np.ndarray:
    """Each channel filtered by its own slice, (H_out, W_out, C) float32; the bias does not change them."""
    w = presets.filter_from_spec(spec, k, x.shape[2]).astype(np.float32)
    partials, _ = images.channel_maps(x.astype(np.float32), w)
    partials.flags.writeable = False
    return partials


@bounded(max_entries=48)
def detail_maps(x: np.ndarray, spec: str, k: int, bias: float, relu: bool) -> tuple[tuple[np.ndarray, ...], float]:
    """The selected filter split by channel: C partial maps, their sum + bias, the activation; one scale."""
    C = x.shape[2]
    partials = _partials(x, k, spec)  # (H_out, W_out, C)
    act = partials[:, :, 0] + np.float32(bias)  # (H_out, W_out); added slice by slice: a sum over a
    for c in range(1, C):                        # length-3 last axis is several times slower
        act += partials[:, :, c]
    shown = np.maximum(act, 0) if relu else act
    vmax = float(max(-partials.min(), partials.max(), -act.min(), act.max()))  # one scale: maps comparable
    maps = [partials[:, :, c] for c in range(C)] + [act] + ([shown] if relu else [])  # C + 1 or C + 2 maps
    for m in maps:
        m.flags.writeable = False
    return tuple(maps), vmax


@bounded(max_entries=48)
def channel_detail(x: np.ndarray, spec: str, k: int, bias: float, relu: bool,
                   at: tuple[int, int]) -> tuple[tuple[bytes, ...], tuple[str, ...]]:
    """The selected filter split by channel: the partial maps, their sum + bias, the activation; zoom marked."""
    C = x.shape[2]
    maps, vmax = detail_maps(x, spec, k, bias, relu)
    names = ["gray"] if C == 1 else list(presets.CHANNEL_NAMES)
    captions = [f"{n} channel * {n} slice" for n in names] + [
        ("sum of the channel maps" if C > 1 else "the channel map") + f" + bias ({format_number(bias)})"] + (
        ["after ReLU: the activation map"] if relu else [])
    r, c = at
    side = fig_images.crisp_side(max(maps[0].shape), SHOWN_PX)
    pngs = tuple(fig_images.maps_png(list(maps), vmax, side=side, box=(r, c, 1, 1)))
    return pngs, tuple(captions)


def map_alt(what: str) -> str:
    """The alternative text of a map drawn on the blue-white-red scale: ``what`` it is, and how to read it."""
    return f"{what}, coloured blue where negative, white at 0 and red where positive"


def input_pngs(x: np.ndarray, at: tuple[int, int], k: int) -> tuple[bytes, ...]:
    """The picture with the zoom window drawn on it, then each channel as a grey map."""
    return (_picture_png(x, at, k),) + _channel_png(x)


@bounded(max_entries=48)
def _picture_png(x: np.ndarray, at: tuple[int, int], k: int) -> bytes:
    H, W, C = x.shape
    side = fig_images.crisp_side(max(H, W), PICTURE_PX)
    shown = fig_images.fit(x if C == 3 else x[:, :, 0], side)  # (h, w[, 3])
    scale = shown.shape[0] / H
    box = (int(at[0] * scale), int(at[1] * scale), max(1, round(k * scale)), max(1, round(k * scale)))
    rgb = np.repeat(shown[:, :, None], 3, axis=2) if C == 1 else shown
    return fig_images.to_png(fig_images.draw_box(rgb, *box))


@bounded(max_entries=32)
def _channel_png(x: np.ndarray) -> tuple[bytes, ...]:
    if x.shape[2] != 3:
        return ()
    # Each channel as a grey picture, one byte per pixel.
    side = fig_images.crisp_side(max(x.shape[:2]), SHOWN_PX)
    return tuple(fig_images.to_png(fig_images.fit(x[:, :, c], side)) for c in range(3))


def zoom_ui(state: ImagesState, x: np.ndarray, result: BankResult) -> ImagesState:
    """Pick a location of the activation map and show the dot product behind its value."""
    H_out, W_out = result.shape[:2]
    best = strongest_at(result, state.sel)
    r0, c0 = state.at if state.at is not None else best
    if r0 >= H_out or c0 >= W_out:
        show_warnings([f"Row {r0 + 1}, column {c0 + 1} is outside the {format_shape((H_out, W_out))} activation map: "
                       "the zoom moved to its edge."])
    r0, c0 = min(r0, H_out - 1), min(c0, W_out - 1)
    # The widgets count from 1, as every page does; the state counts from 0.
    st.session_state.setdefault("img_row", r0 + 1)
    st.session_state.setdefault("img_col", c0 + 1)
    ss = st.session_state
    one_based_best = (best[0] + 1, best[1] + 1)
    if state.at is None and (ss.img_row, ss.img_col) == ss.get("img_last_best"):
        ss.img_row, ss.img_col = one_based_best  # not moved by hand: follow the strongest value of the map shown
    ss.img_last_best = one_based_best
    ss.img_row = min(max(ss.img_row, 1), H_out)
    ss.img_col = min(max(ss.img_col, 1), W_out)
    a, b = st.columns(2)
    r = int(a.number_input(f"Row (1 to {H_out}, 1 at the top)", 1, H_out, step=1, key="img_row")) - 1
    c = int(b.number_input(f"Column (1 to {W_out}, 1 at the left)", 1, W_out, step=1, key="img_col")) - 1
    at = None if (r, c) == best else (r, c)
    return replace(state, at=at)


def strongest_at(result: BankResult, f: int) -> tuple[int, int]:
    """Where map f responds most strongly (largest |value|; the first in reading order on ties)."""
    m = np.abs(result.maps[f].act)
    r, c = np.unravel_index(int(np.argmax(m)), m.shape)
    return int(r), int(c)


def zoom_numbers(state: ImagesState, x: np.ndarray, result: BankResult, r: int, c: int, *, html_text: bool = False):
    """The dot product at (r, c) for the selected filter: (HTML tables, sentence: Markdown, or HTML)."""
    k, f = state.k, state.sel
    window = x[r:r + k, c:c + k, :].astype(np.int64)  # (k, k, C) pixel values under the window
    w = presets.filter_from_spec(state.filters[f], k, x.shape[2])  # float64: 1/3 stays as exact as it can
    b = state.bias[f]
    step = conv_trace(window, w, b)[0]
    C = x.shape[2]
    names = ["gray"] if C == 1 else list(presets.CHANNEL_NAMES)
    sums = [float(step.products[:, :, ch].sum()) for ch in range(C)]
    total = float(step.total)
    fig = fig_images.zoom_html(step.values.astype(float), step.weights, names)
    fmt = format_number
    bold = (lambda t: f"<b>{t}</b>") if html_text else (lambda t: f"**{t}**")
    text = " + ".join(f"{fmt(s)} ({n})" for s, n in zip(sums, names)) + f" + {fmt(b)} (bias) = {bold(fmt(total))}"
    if state.relu:
        text += f", after ReLU {bold(fmt(max(total, 0.0)))}"
    return fig, text


def zoom_at(state: ImagesState, result: BankResult) -> tuple[int, int]:
    """Where the zoom looks: the link's location (kept inside the map), else the strongest value of the map."""
    if state.at is None:
        return strongest_at(result, state.sel)
    H_out, W_out = result.shape[:2]
    return min(state.at[0], H_out - 1), min(state.at[1], W_out - 1)


def present_ui(state: ImagesState, x: np.ndarray, result: BankResult) -> None:
    """The presenter view on one screen: the picture ∗ the filter shown in detail = its map, the sum at the
    window, and the activation volume (``views.images.present_html``)."""
    r, c = zoom_at(state, result)
    spec, C = state.filters[state.sel], x.shape[2]
    shapes = [x.shape, result.shape] + ([result.pooled_shape] if result.pooled_shape else [])
    detail, _ = channel_detail(x, spec, state.k, state.bias[state.sel], state.relu, (r, c))
    where = f"row {r + 1}, column {c + 1}"
    picture = fig_images.Picture(input_pngs(x, (r, c), state.k)[0],
                                 f"The input, {format_shape(x.shape[:2])}: the window at {where}")
    amap = fig_images.Picture(detail[-1], f"Map {state.sel + 1}" + (" after ReLU" if state.relu else "")
                              + f": the value at {where} framed")
    maps = [fig_images.Picture(png, f"{f + 1}: {filter_label(s)}") for f, (png, s) in
            enumerate(zip(result.volume_png, state.filters))]
    sentence = f"At {where}: " + zoom_numbers(state, x, result, r, c, html_text=True)[1]
    html(fig_images.present_html(format_shape_chain(shapes), picture, presets.filter_from_spec(spec, state.k, C),
                                 ["gray"] if C == 1 else list(presets.CHANNEL_NAMES),
                                 f"Filter {state.sel + 1}: {filter_label(spec)}", format_number(state.bias[state.sel]),
                                 amap, sentence, maps, state.sel))


def too_thin(x: np.ndarray, k: int, size: int) -> str:
    """Why a ``k x k`` filter cannot slide over the picture ``x`` (H, W, C) at this working size, or ""."""
    H, W = x.shape[:2]
    if min(H, W) >= k:
        return ""
    return (f"The picture the filters see is {format_shape((W, H))} pixels (width x height; working size {size} px): "
            f"a {format_shape((k, k))} filter needs at least {k} pixels each way, so it has no place to go.")


def page_style() -> None:
    """The page's stylesheet (``images.css``): its pictures pixel for pixel (a browser that scales one, a phone,
    never smooths it), and the picture's source control within its column."""
    html(f"<style>{style('images.css', 'cnnviz.ui')}</style>")


def bytes_note(*pngs: bytes) -> str:
    """How much picture data this view sends to the browser."""
    return f"{format_bytes(sum(len(p) for p in pngs))} of PNG"


# --- the value under the pointer: one small script component for every picture of the page ---

_cells_component = st.components.v2.component("cnnviz.cell_values", html="", js=script("cells.js"))
CELLS_KEY = "img_cells"


# How a picture's cells are written, by kind (the texts ``cells.js`` shows under the pointer).
_CELL_TEXTS = {
    "pixels": hover.pixel_texts,  # (H, W, C) a picture: every channel's value
    "channel": lambda x, c: hover.cell_texts(x[:, :, c].astype(np.int64)),  # channel c of a picture
    "map": hover.cell_texts,  # (H, W) an activation map
    "pooled": lambda act: hover.cell_texts(pool2d(act, 2)),  # an activation map after 2x2 max pooling
}


@dataclass(frozen=True)
class CellSource:
    """One picture's cells: the kind of its texts, what they are written from, and a token naming both."""

    kind: str  # a key of _CELL_TEXTS
    args: tuple  # the read-only arrays (and numbers) the texts are written from
    token: str


def cell_source(kind: str, *args) -> CellSource:
    """A ``CellSource`` whose token is made from its content: the same pictures keep their tokens."""
    return CellSource(kind, args, token(kind, *args))


@bounded(max_entries=256)
def cell_pack(kind: str, *args) -> str:
    """The packed texts of one picture's cells (``views.hover.pack_cells``) in base64, once for every student."""
    return base64.b64encode(hover.pack_cells(*_CELL_TEXTS[kind](*args))).decode("ascii")


def picture_sources(x: np.ndarray, state: ImagesState, result: BankResult) -> dict[str, list[CellSource]]:
    """The cells of every picture the page shows, by the key of the container that holds its ``st.image``."""
    detail, _ = detail_maps(x, state.filters[state.sel], state.k, state.bias[state.sel], state.relu)
    out = {"img_px_input": [cell_source("pixels", x)]}
    if x.shape[2] == 3:
        out["img_px_channels"] = [cell_source("channel", x, c) for c in range(3)]
    out["img_px_detail"] = [cell_source("map", m) for m in detail]
    out["img_px_volume"] = [cell_source("map", m.act) for m in result.maps]
    if result.pooled_shape:
        out["img_px_pooled"] = [cell_source("pooled", m.act) for m in result.maps]
    return out


def cell_values_ui(groups: dict[str, list[CellSource]]) -> None:
    """Mount the component that shows the value under the pointer on each group's pictures.

    A picture's texts go to the browser only when the pointer first enters it (the component asks
    with its state value ``want``); that answer reruns this fragment alone, not the page.
    """
    tokens = {s.token: s for items in groups.values() for s in items}
    data = {"groups": [{"box": box, "tokens": [s.token for s in items]} for box, items in groups.items()]}

    @st.fragment
    def mount() -> None:
        ss = st.session_state
        value = ss.get(CELLS_KEY)
        want = value.get("want") if hasattr(value, "get") else getattr(value, "want", None)
        sent = dict(data)
        if isinstance(want, dict) and want.get("token") in tokens:
            asked = (want["token"], want.get("n"))
            if asked != ss.get("img_cells_served"):  # a new question: answer it once
                ss["img_cells_served"] = asked
                source = tokens[want["token"]]
                sent["pack"] = {"token": source.token, "b64": cell_pack(source.kind, *source.args)}
        _cells_component(key=CELLS_KEY, data=sent, default={"want": None}, on_want_change=lambda: None)

    mount()
