"""The Real images page in AppTest: samples, uploads, the camera, the bank, the zoom and the link."""
import io
import re

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from cnnviz import conv2d, pool2d
from cnnviz.images import PHOTO, resize_max_side, sample_image, to_grayscale
from cnnviz.lecture.presets import filter_from_spec
from cnnviz.ui.images import URL, detail_index

PAGE = "../pages/images.py"


def run(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at.run()


def shape_line(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("### ")).removeprefix("### ")


def zoom_line(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("At row "))


def zoom_numbers(at):
    """(row, column) counted from 0 as NumPy does (the page writes them from 1), and the value there."""
    text = zoom_line(at)
    r, c = map(int, re.match(r"At row (\d+), column (\d+)", text).groups())
    total = float(re.search(r"= \*\*(−?[\d.]+)\*\*", text).group(1).replace("−", "-"))
    return r - 1, c - 1, total


def png(arr: np.ndarray, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, fmt)
    return buf.getvalue()


def params(at) -> dict[str, list[str]]:
    """The page's link as key -> list of values (a key may repeat, like f)."""
    return {k: (v if isinstance(v, list) else [v]) for k, v in at.query_params.items()}


def errors(at) -> str:
    return " ".join(e.value for e in at.error)


def warnings(at) -> str:
    return " ".join(w.value for w in at.warning)


def test_default_sample_shows_the_volume_and_a_correct_dot_product():
    at = run()
    assert not at.exception and not at.error and not at.warning
    assert shape_line(at) == "128x128x3 → 126x126x6 → 63x63x6"
    assert PHOTO in at.selectbox(key="img_sample").value and "CC0" in " ".join(c.value for c in at.caption)
    # picture + channels, the filter split by channel, colour bar, the volume, the pooled volume
    assert [len(e.proto.imgs) for e in at.get("image")] == [1, 3, 5, 1, 6, 6]
    captions = [i.caption for e in at.get("image") for i in e.proto.imgs]
    assert "R channel * R slice" in captions and "after ReLU: the activation map" in captions
    assert all(i.url.endswith(".png") for e in at.get("image") for i in e.proto.imgs)
    # The zoomed value is the activation at that location, computed here independently.
    r, c, total = zoom_numbers(at)
    x = resize_max_side(np.asarray(sample_image(PHOTO, 512)), 128).astype(float)
    ref = conv2d(x, filter_from_spec("Vertical edge", 3, 3))
    assert total == pytest.approx(ref[r, c], abs=0.01)
    assert np.abs(ref).max() == pytest.approx(abs(ref[r, c]), abs=1e-6)  # it opens on the strongest value
    assert "(R) +" in zoom_line(at) and "(B) + 0 (bias)" in zoom_line(at)


def test_every_picture_has_alternative_text():
    at = run()
    alts = [i.alt for e in at.get("image") for i in e.proto.imgs]
    assert len(alts) == 22 and all(alts) and len(set(alts)) == len(alts)  # each picture described, none alike
    r, c, _ = zoom_numbers(at)
    assert alts[0] == (f"The input picture, 128x128x3, with an amber box around the 3x3 window at row {r + 1}, "
                       f"column {c + 1}")
    assert "The picture's red channel in grey, black 0 to white 255" in alts
    assert ("Map of the R channel through the filter's R slice, coloured blue where negative, white at 0 and red "
            "where positive") in alts
    assert any(a.startswith("Activation map 1: Vertical edge") and a.endswith("after pooling, coloured blue where "
                                                                             "negative, white at 0 and red where "
                                                                             "positive") for a in alts)


def test_the_lecture_shapes_from_a_link():
    at = run({"size": "32", "k": "5", "f": ["Vertical edge"] * 3 + ["Sharpen"] * 3})
    assert shape_line(at) == "32x32x3 → 28x28x6 → 14x14x6"
    assert not at.warning


def test_link_round_trips_every_setting():
    query = {"sample": "RGB test pattern", "size": "64", "gray": "1", "k": "5", "relu": "0", "pool": "0",
             "f": ["Sobel x@R", "Emboss", "Identity"], "bias": "1.5,-2,0", "sel": "2",
             "at": "3,4"}
    at = run(query)
    assert not at.exception and not at.warning
    assert shape_line(at) == "64x64x1 → 60x60x3"
    assert zoom_line(at).startswith("At row 3, column 4:")
    assert "(gray) + −2 (bias)" in zoom_line(at) and "ReLU" not in zoom_line(at)
    assert {k: params(at)[k] for k in query} == {k: v if k == "f" else [v] for k, v in query.items()}
    state, warns = URL.from_query(params(at))
    assert not warns and state.size == 64 and state.gray and state.sel == 1 and state.at == (2, 3)  # from 0


def test_widgets_write_the_link():
    at = run()
    at.selectbox(key="img_size").set_value(64)
    at.toggle(key="img_pool").set_value(False)
    at.run()
    assert params(at)["size"] == ["64"] and params(at)["pool"] == ["0"]
    assert shape_line(at) == "64x64x3 → 62x62x6"


@pytest.mark.parametrize("query, says", [
    ({"size": "abc"}, "size"),
    ({"size": "9" * 10_000}, "size"),
    ({"f": "not a filter"}, "Filter 1 in the link was left out"),
    ({"f": "1,2;3|4|5"}, "Filter 1 in the link was left out"),
    ({"f": ["Identity", "Sharpen"], "bias": "NaN,1"}, "bias"),
    ({"bias": "1,2"}, "bias values for 6 filters"),
    ({"bias": "500000,0,0,0,0,0"}, "too large"),
    ({"sel": "99"}, "sel"),
    ({"at": "1e999,x"}, "at="),
    ({"relu": "maybe"}, "relu"),
    ({"f": ["Identity"] * 20}, "at most 16"),
    ({"sample": "<script>"}, "sample"),
])
def test_hand_edited_links_fall_back_with_a_warning(query, says):
    at = run(query)
    assert not at.exception
    assert says in warnings(at)
    assert "→" in shape_line(at)  # the page still works


def test_upload_replaces_the_sample_and_a_bad_file_keeps_it():
    at = run({"src": "upload"})
    assert "No picture yet" in at.info[0].value
    photo = np.random.default_rng(0).integers(0, 256, (30, 40, 3), dtype=np.uint8)
    at.file_uploader[0].set_value(("mine.png", png(photo), "image/png"))
    at.run()
    assert not at.exception and not at.error
    assert shape_line(at) == "30x40x3 → 28x38x6 → 14x19x6"
    r, c, total = zoom_numbers(at)
    ref = conv2d(photo.astype(float), filter_from_spec("Vertical edge", 3, 3))
    assert total == pytest.approx(ref[r, c], abs=0.01)
    # A TIFF named .png: refused with a sentence, the last good picture stays.
    tiff = io.BytesIO()
    Image.fromarray(photo).save(tiff, "TIFF")
    at.file_uploader[0].set_value(("sneaky.png", tiff.getvalue(), "image/png"))
    at.run()
    assert not at.exception
    assert "TIFF" in errors(at) and "last good picture" in errors(at)
    assert shape_line(at) == "30x40x3 → 28x38x6 → 14x19x6"
    assert "src" in at.query_params and "cannot travel in a link" in " ".join(c.value for c in at.caption)


def test_large_upload_is_shrunk_and_the_page_says_so():
    at = run({"src": "upload", "size": "512"})
    big = np.zeros((1500, 2000, 3), np.uint8)
    big[:, 1000:] = 255
    at.file_uploader[0].set_value(("big.jpg", png(big, "JPEG"), "image/jpeg"))
    at.run()
    assert "2000x1500" in at.info[0].value and "512x384" in at.info[0].value
    assert shape_line(at) == "384x512x3 → 382x510x6 → 191x255x6"


def test_upload_too_small_for_the_filter_is_explained():
    at = run({"src": "upload", "k": "7"})
    at.file_uploader[0].set_value(("tiny.png", png(np.zeros((4, 4, 3), np.uint8)), "image/png"))
    at.run()
    assert not at.exception
    assert "is 4x4 pixels" in errors(at) and "a 7x7 filter needs at least 7 pixels each way" in errors(at)


def test_camera_photo_is_used():
    at = run({"src": "camera"})
    shot = np.full((48, 64, 3), 90, np.uint8)
    shot[:, 32:] = 200
    at.camera_input[0].set_value(("photo.jpg", png(shot, "JPEG"), "image/jpeg"))
    at.run()
    assert not at.exception and not at.error
    assert shape_line(at) == "48x64x3 → 46x62x6 → 23x31x6"


def test_grayscale_gives_one_channel_and_its_own_arithmetic():
    at = run({"gray": "1", "size": "32", "f": ["Sobel x"]})
    assert shape_line(at) == "32x32x1 → 30x30x1 → 15x15x1"
    r, c, total = zoom_numbers(at)
    g = to_grayscale(resize_max_side(np.asarray(sample_image(PHOTO, 512)), 32)).astype(float)
    assert total == pytest.approx(conv2d(g[..., 0], filter_from_spec("Sobel x", 3, 1)[..., 0])[r, c], abs=1e-6)
    assert "(gray)" in zoom_line(at) and "(R)" not in zoom_line(at)


def test_relu_off_keeps_negative_values_and_pooling_matches_the_kernel():
    at = run({"size": "32", "relu": "0", "f": ["Vertical edge", "Horizontal edge"]})
    assert shape_line(at) == "32x32x3 → 30x30x2 → 15x15x2"
    x = resize_max_side(np.asarray(sample_image(PHOTO, 512)), 32).astype(float)
    bank = np.stack([filter_from_spec(s, 3, 3) for s in ("Vertical edge", "Horizontal edge")], axis=-1)
    vol = conv2d(x, bank)
    assert vol.min() < 0  # without ReLU the edge maps have negative values
    assert pool2d(vol).shape == (15, 15, 2)


def test_typed_filter_replaces_a_preset_and_bad_cells_keep_the_last_one():
    at = run({"size": "32", "f": ["Identity"], "at": "6,7"})
    at.selectbox(key="img_f0").set_value("Custom (type the numbers)")
    at.run()
    assert not at.exception
    # The typed filter starts as the preset it replaces: the value at row 6, column 7 is the centre pixel sum.
    x = resize_max_side(np.asarray(sample_image(PHOTO, 512)), 32).astype(float)
    r, c, total = zoom_numbers(at)
    assert (r, c) == (5, 6)
    assert total == pytest.approx(x[6, 7].sum() / 3, abs=0.01)
    spec = params(at)["f"][0]
    assert spec.count("|") == 2  # the typed numbers travel in the link


def test_typed_cells_change_the_result_and_an_emptied_cell_is_refused():
    at = run({"size": "32", "f": ["0,0,0;0,1,0;0,0,0|0,0,0;0,0,0;0,0,0|0,0,0;0,0,0;0,0,0"], "at": "6,7"})
    assert not at.warning
    x = resize_max_side(np.asarray(sample_image(PHOTO, 512)), 32).astype(float)
    assert zoom_numbers(at)[2] == pytest.approx(x[6, 7, 0])  # the red centre pixel alone
    # The three editors number their rows and columns from 1, as every grid of the app does.
    tables = at.get("dataframe")
    assert len(tables) == 3 and all(list(t.value.index) == ["1", "2", "3"] for t in tables)
    assert all(list(t.value.columns) == ["1", "2", "3"] for t in tables)
    key = next(k for k in at.session_state.keys() if k.startswith("img_ed_0_G_"))
    at.session_state[key] = {"edited_rows": {1: {"2": 2}}, "added_rows": [], "deleted_rows": []}  # row 2, column 2
    at.run()
    assert zoom_numbers(at)[2] == pytest.approx(x[6, 7, 0] + 2 * x[6, 7, 1])
    assert params(at)["f"][0].split("|")[1] == "0,0,0;0,2,0;0,0,0"
    key = next(k for k in at.session_state.keys() if k.startswith("img_ed_0_B_"))
    at.session_state[key] = {"edited_rows": {0: {"1": None}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    assert "B slice of filter 1, row 1, column 1" in errors(at)
    assert zoom_numbers(at)[2] == pytest.approx(x[6, 7, 0] + 2 * x[6, 7, 1])  # the last valid filter


def test_bank_of_sixteen_filters():
    at = run({"size": "64"})
    at.number_input(key="img_n").set_value(16)
    at.run()
    assert not at.exception
    assert shape_line(at) == "64x64x3 → 62x62x16 → 31x31x16"
    assert len(params(at)["f"]) == 16


def test_zoom_outside_the_map_moves_to_its_edge_with_a_warning():
    at = run({"size": "32", "at": "500,3"})
    assert not at.exception
    assert "outside the 30x30 activation map" in warnings(at)
    assert zoom_line(at).startswith("At row 30, column 3:")  # the last row, counted from 1


def test_the_page_states_the_servers_upload_cap():
    import tomllib

    from cnnviz.ui import ROOT
    from cnnviz.ui.images import UPLOAD_MB

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == UPLOAD_MB
    at = run({"src": "upload"})
    assert f"up to {UPLOAD_MB} MB" in at.file_uploader[0].label


def test_lecture_example_button_gives_the_lecture_shapes():
    at = run({"size": "256", "k": "3", "f": ["Sharpen"] * 9, "sel": "4", "at": "7,7"})
    at.button[0].click()
    at.run()
    assert not at.exception and not at.warning
    assert shape_line(at) == "32x32x3 → 28x28x6 → 14x14x6"
    assert params(at)["size"] == ["32"] and params(at)["k"] == ["5"] and len(params(at)["f"]) == 6
    r, c, total = zoom_numbers(at)
    x = resize_max_side(np.asarray(sample_image(PHOTO, 512)), 32).astype(float)
    vol = np.maximum(conv2d(x, filter_from_spec("Vertical edge", 5, 3)), 0)
    assert total == pytest.approx(vol.max(), abs=0.01) and (r, c) == np.unravel_index(vol.argmax(), vol.shape)


@pytest.mark.parametrize("sent, n, index", [(2, 6, 2), (9, 6, 5), (-1, 6, 0), ("3: Sharpen", 6, 2),
                                            ("16: Identity", 4, 3), ("junk", 6, 0), ("9" * 400 + ": x", 6, 0)])
def test_filter_shown_in_detail_survives_a_stale_label(sent, n, index):
    # A browser that still shows an old option label sends the label itself back.
    assert detail_index(sent, n) == index


@pytest.mark.parametrize("query, says", [
    ({"n": "-3"}, "`n=-3` is not a setting of this page and was ignored"),
    ({"k": "abc"}, "`k=abc`"),
    ({"at": "0,0"}, "rows and columns count from 1"),
    ({"row": "4", "zoom": "x"}, "`zoom=x` is not a setting"),
])
def test_every_ignored_value_in_the_link_is_named(query, says):
    at = run(query)
    assert not at.exception and says in warnings(at)
    assert not set(query) - {"k", "at"} & set(at.query_params.keys())  # what was ignored leaves the link
    at.run()  # said once, not on every rerun
    assert not at.warning


def test_rows_and_columns_count_from_1():
    at = run({"size": "32", "at": "1,1"})
    assert zoom_line(at).startswith("At row 1, column 1:")
    assert at.number_input(key="img_row").value == 1 and at.number_input(key="img_row").min == 1
    assert "1 at the top" in at.number_input(key="img_row").label
    assert at.number_input(key="img_col").max == 30  # 32 − 3 + 1 columns, the last one is 30
    x = resize_max_side(np.asarray(sample_image(PHOTO, 512)), 32).astype(float)
    ref = conv2d(x, filter_from_spec("Vertical edge", 3, 3))  # the dot product, before ReLU
    assert zoom_numbers(at)[2] == pytest.approx(ref[0, 0], abs=0.01)  # the first row and column of the map
    at.number_input(key="img_row").set_value(30).run()
    assert params(at)["at"] == ["30,1"] and zoom_line(at).startswith("At row 30, column 1:")


def test_a_strip_upload_is_refused_with_its_real_size():
    at = run({"src": "upload"})
    at.file_uploader[0].set_value(("strip.png", png(np.zeros((20, 5000, 3), np.uint8)), "image/png"))
    at.run()
    assert not at.exception
    assert "5000x20 pixels (width x height), 250 times as wide" in errors(at)
    assert "shrunk" not in errors(at) + " ".join(i.value for i in at.info) and "padded" not in errors(at)


def test_maps_are_large_with_every_cell_a_whole_block():
    at = run()  # 128 px: 126x126 maps
    pngs = [(i.caption, i.url) for e in at.get("image") for i in e.proto.imgs]
    assert len(pngs) == 22
    from cnnviz.ui import images as ui_img

    # What the page sent is what these functions make: blocks of 3x3 pixels per cell, near 360 px.
    x = resize_max_side(np.asarray(sample_image(PHOTO, 512)), 128)
    m = ui_img.filter_map(x, 3, "Vertical edge", 0, True, True)
    img = np.asarray(Image.open(io.BytesIO(m.png)))
    assert img.shape == (378, 378)  # 126 cells, 3 pixels each
    assert (img[::3] == img[1::3]).all() and (img[:, ::3] == img[:, 2::3]).all()  # crisp: no smoothing
    pooled = np.asarray(Image.open(io.BytesIO(m.pooled_png)))
    assert pooled.shape == (378, 378)  # 63 cells, 6 pixels each
    assert any("image-rendering: pixelated" in h.proto.body for h in at.get("html"))


def test_each_activation_map_says_its_range():
    at = run({"size": "32", "relu": "0", "f": ["Vertical edge"]})
    x = resize_max_side(np.asarray(sample_image(PHOTO, 512)), 32).astype(np.float32)
    act = conv2d(x, filter_from_spec("Vertical edge", 3, 3).astype(np.float32))
    captions = [i.caption for e in at.get("image") for i in e.proto.imgs]
    low, high = (f"{v:.0f}".replace("-", "−") for v in (act.min(), act.max()))  # the real minus sign
    assert f"1: Vertical edge · {low} to {high}" in captions


def test_the_values_under_the_pointer_are_sent_for_the_picture_asked_and_written_by_the_shared_formatter():
    import base64
    import json

    from cnnviz.ui.images import CELLS_KEY
    from cnnviz.views.hover import unpack_cells
    from cnnviz.kernel.notation import format_number

    def component_data(at) -> dict:
        (element,) = at.get("bidi_component")  # one component for every picture of the page
        return json.loads(element.proto.json)

    at = run({"size": "32", "f": ["Sobel x@R", "Sharpen"], "relu": "0", "pool": "0"})
    assert not at.exception
    data = component_data(at)
    groups = {g["box"]: g["tokens"] for g in data["groups"]}
    # One token per picture, in the order st.image draws them: picture, channels, the filter by channel, maps.
    assert {k: len(v) for k, v in groups.items()} == {"img_px_input": 1, "img_px_channels": 3, "img_px_detail": 4,
                                                      "img_px_volume": 2}
    assert [len(e.proto.imgs) for e in at.get("image")] == [1, 3, 4, 1, 2]  # the same pictures, and the colour bar
    assert "pack" not in data  # no texts until the pointer asks for them
    x = resize_max_side(np.asarray(sample_image(PHOTO, 512)), 32)  # (32, 32, 3) uint8

    def ask(token: str, n: int) -> list[list[str]]:
        at.session_state[CELLS_KEY] = {"want": {"token": token, "n": n}}
        at.run()
        assert not at.exception
        sent = component_data(at)["pack"]
        assert sent["token"] == token
        return unpack_cells(base64.b64decode(sent["b64"]))

    sharpen = conv2d(x.astype(np.float32), filter_from_spec("Sharpen", 3, 3).astype(np.float32))  # (30, 30)
    assert ask(groups["img_px_volume"][1], 1) == [[format_number(float(v)) for v in row] for row in sharpen]
    assert "pack" not in component_data(at.run())  # answered once: the next rerun sends no texts again
    assert ask(groups["img_px_input"][0], 2)[4][9] == f"R {x[4, 9, 0]}, G {x[4, 9, 1]}, B {x[4, 9, 2]}"
    assert ask(groups["img_px_channels"][2], 3)[31][0] == str(x[31, 0, 2])  # the B channel
    sobel = conv2d(x.astype(np.float32), filter_from_spec("Sobel x@R", 3, 3).astype(np.float32))
    assert ask(groups["img_px_detail"][3], 4)[7][11] == format_number(float(sobel[7, 11]))  # the sum of the channels
    # A rerun that changes nothing names the same pictures: the browser keeps what it has.
    assert component_data(at.run())["groups"] == data["groups"]
    # A new bias changes the maps of that filter, so their tokens, and nothing else.
    at.number_input(key="img_b0").set_value(5.0).run()
    again = {g["box"]: g["tokens"] for g in component_data(at)["groups"]}
    assert again["img_px_volume"][0] != groups["img_px_volume"][0] and again["img_px_input"] == groups["img_px_input"]
    assert again["img_px_volume"][1] == groups["img_px_volume"][1]
