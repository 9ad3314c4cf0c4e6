"""Real images: filters that span every channel, and a bank of filters making an activation volume."""
from dataclasses import replace

import streamlit as st

from cnnviz import images, ui
from cnnviz.kernel.notation import format_fixed, format_shape, format_shape_chain
from cnnviz.ui import images as ui_img, widgets as ui_widgets

ui.through_app()

with ui_widgets.presenter_hidden("intro"):
    st.title("Filters on real pictures")
    st.markdown(
        "A colour picture is a volume **H x W x 3**: red, green and blue channels. A filter always extends "
        "the full depth of the input, so a 3x3 filter on it is **3x3x3**: one slice per channel. Each slice "
        "makes a map of its channel; the maps are added, plus one bias, into the filter's **activation map**. "
        "A bank of filters gives one map each, stacked into a new volume."
    )

state, url_warnings = ui_img.load_state()
ui.show_warnings(url_warnings)
with st.sidebar:
    state = replace(state, present=ui_widgets.presenter_toggle("img_present"))
present = ui_widgets.presenter_view(state.present, "img_present", follow=False)
ui_img.page_style()
pictures = st.container(key="img_pictures")  # every picture of the page, drawn pixel for pixel
picture_col, settings_col = (pictures.columns([2, 3], gap="medium") if not present else
                             (None, ui_widgets.presenter_hidden("settings")))
with settings_col:
    state, x, load_errors, note = ui_img.source_ui(state)
    ui.show_errors(load_errors, kept="The last good picture is still shown.")
    if note:
        st.info(note, icon=":material/photo_size_select_large:")
    C = x.shape[2]
    state, cell_errors = ui_img.bank_ui(state, C)
    ui.show_errors(cell_errors, kept="The filter keeps its last valid numbers.")

with pictures:  # below the picture and its settings: the shapes, the maps and the zoom
    too_thin = ui_img.too_thin(x, state.k, state.size)
    try:
        if too_thin:
            raise ValueError(too_thin)
        result = ui_img.apply_bank(x, state.k, state.filters, state.bias, state.relu, state.pool)
    except ValueError as exc:  # a filter larger than a thin or tiny picture
        ui_img.URL.save(state)
        ui.show_errors([str(exc)], kept="Choose a smaller filter or a larger working size.")
        st.stop()

    if present:  # the picture, the filter and the maps on one screen
        ui_img.present_ui(state, x, result)
        ui_img.URL.save(state)
        st.stop()
    H_out, W_out, F = result.shape
    shapes = [x.shape, result.shape] + ([result.pooled_shape] if result.pooled_shape else [])
    st.markdown(f"### {format_shape_chain(shapes)}")
    st.caption(
        f"Input {format_shape(x.shape)} → {F} filter{'s' if F > 1 else ''} of {format_shape((state.k, state.k, C))}"
        + (", ReLU" if state.relu else "") + f" → activation volume {format_shape(result.shape)}"
        + (f" → 2x2 max pooling, stride 2 → {format_shape(result.pooled_shape)}" if result.pooled_shape else "")
        + f". Each map is {state.k - 1} pixels smaller than the input: {x.shape[0]} − {state.k} + 1 = {H_out}."
    )

    channels_box, detail_box, zoom_box, volume_box = (st.container() for _ in range(4))

    with zoom_box:
        st.subheader(f"The dot product behind one value of map {state.sel + 1}")
        state = ui_img.zoom_ui(state, x, result)
        r, c = state.at if state.at is not None else ui_img.strongest_at(result, state.sel)
        fig, sentence = ui_img.zoom_numbers(state, x, result, r, c)
        st.markdown(f"At row {r + 1}, column {c + 1}: {sentence}")
        ui.html(fig)
    ui_img.URL.save(state)

    input_pngs = ui_img.input_pngs(x, (r, c), state.k)
    with picture_col, st.container(key="img_px_input"):
        st.image(input_pngs[0], output_format="PNG",
                 caption=f"The input, {format_shape(x.shape[:2])}; amber box: the window (row {r + 1}, "
                         f"column {c + 1})",
                 alt=f"The input picture, {format_shape(x.shape)}, with an amber box around the "
                     f"{format_shape((state.k, state.k))} window at row {r + 1}, column {c + 1}")
        if state.source == "Sample" and state.sample == images.PHOTO:
            st.caption(f"Photo: {images.PHOTO_CREDIT}.")
    # Each group of pictures sits in a keyed container: the pointer's values find their pictures there.
    if len(input_pngs) > 1:  # one element for the three channels: fewer messages on every rerun
        with channels_box:
            st.subheader("Its three channels")
            st.container(key="img_px_channels").image(
                list(input_pngs[1:]), caption=[f"{n} channel (0 black, 255 white)" for n in "RGB"], output_format="PNG",
                alt=[f"The picture's {n} channel in grey, black 0 to white 255" for n in ("red", "green", "blue")])

    detail_pngs, captions = ui_img.channel_detail(x, state.filters[state.sel], state.k, state.bias[state.sel],
                                                  state.relu, (r, c))
    with detail_box:
        st.subheader(f"Filter {state.sel + 1} across the channels: {ui_img.filter_label(state.filters[state.sel])}")
        st.caption(ui_img.filter_explains(state.filters[state.sel], C))
        alts = [ui_img.map_alt("Map of the " + t.replace(" * ", " through the filter's ")) for t in captions]
        st.container(key="img_px_detail").image(list(detail_pngs), caption=list(captions), output_format="PNG",
                                                alt=alts)
        st.image(ui_img.COLOUR_BAR, width=256, output_format="PNG",
                 caption="Blue: negative · white: 0 · red: positive (one scale for these maps; numbers in the zoom)",
                 alt="The colour scale of these maps: blue for negative values, white for 0, red for positive ones")

    with volume_box:
        st.subheader(f"The activation volume: {F} map{'s' if F > 1 else ''}, {format_shape(result.shape)}")
        st.caption("Each map on its own scale, centred at 0 (blue negative, white 0, red positive).")
        tabs = st.tabs(["Activation maps"] + ([f"After pooling, {format_shape(result.pooled_shape)}"]
                                              if result.pooled_shape else []))
        for i, (tab, pngs, box) in enumerate(zip(tabs, [result.volume_png, result.pooled_png],
                                                 ["img_px_volume", "img_px_pooled"])):
            spans = [f" · {format_fixed(lo, 0)} to {format_fixed(hi, 0)}" if i == 0 else ""  # maps, not pooled
                     for lo, hi in result.ranges]
            names = [f"{f + 1}: {ui_img.filter_label(spec)}{span}"
                     for f, (spec, span) in enumerate(zip(state.filters, spans))]
            tab.container(key=box).image(list(pngs), caption=names, output_format="PNG",
                                         alt=[ui_img.map_alt(f"Activation map {n}" + (" after pooling" if i else ""))
                                              for n in names])
        sent = ui_img.bytes_note(*input_pngs, *detail_pngs, *result.volume_png, *result.pooled_png)
        st.caption(f"Pictures on this page: {sent}. Point at (or tap) a picture or a map for the value there. "
                   "Settings are in the link; an uploaded picture is not.")

ui_img.cell_values_ui(ui_img.picture_sources(x, state, result))
