"""The Architectures page's receptive fields, in AppTest: the sizes the lecture quotes, the closed form worked out,
the layer and cell in the link, hostile links, a room that follows; and the pictures and sentences behind them."""
from __future__ import annotations

import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.kernel.fields import Window, receptive_fields
from cnnviz.lecture.architectures import ARCHITECTURES
from cnnviz.ui import architectures as ui_arch
from cnnviz.views import fields as fig_fields
from conftest import open_app_page


def section(at) -> str:
    """The receptive field section's HTML (one element), its picture left out."""
    bodies = [h.proto.body for h in at.get("html") if 'class="cnnviz-field' in h.proto.body]
    assert len(bodies) == 1, f"{len(bodies)} field sections"
    return re.sub(r'src="data:image/svg\+xml;base64,[^"]*"', 'src=""', bodies[0])


def picture(at) -> str:
    """The SVG the section's picture shows."""
    import base64

    body = next(h.proto.body for h in at.get("html") if 'class="cnnviz-field' in h.proto.body)
    return base64.b64decode(re.search(r'src="data:image/svg\+xml;base64,([^"]*)"', body)[1]).decode()


def row_number(key: str, name: str) -> int:
    """The table's row number (from 1) of the layer called ``name``."""
    return next(i for i, r in enumerate(ARCHITECTURES[key].rows, start=1) if r.name == name)


def query(at) -> dict[str, str]:
    return {k: at.query_params[k][-1] if isinstance(at.query_params[k], list) else at.query_params[k]
            for k in at.query_params}


@pytest.mark.parametrize("key, layer, size, side", [("alexnet", "pool5", 195, 224), ("vgg16", "pool5", 212, 224),
                                                     ("lenet5", "C5", 32, 32)])
def test_the_lecture_s_sizes_are_written_drawn_and_in_the_table(key, layer, size, side):
    n = row_number(key, layer)
    at = open_app_page("pages/architectures.py", arch=key, layer=str(n))
    assert not at.exception and not at.warning
    name = ARCHITECTURES[key].name
    html = section(at)
    assert f"<b>{name} {layer}</b> sees <b>{size}x{size}</b> pixels of the <b>{side}x{side}</b> input." in html
    assert f"the field, {size}x{size}" in html  # the picture's key
    svg = picture(at)
    assert f'width="{size}" height="{size}"' in svg  # the box drawn on the input, one unit a pixel
    table = at.dataframe[0].value  # the layer table: its receptive field column
    assert table.loc[table["#"] == str(n), "receptive field"].item() == f"{size}x{size}"
    assert at.selectbox(key="sa_layer").value == n - 1
    assert query(at).get("layer") == (None if layer == "pool5" else str(n))  # the page's own choice: left out


def test_lenet5_c5_sees_the_whole_input_and_its_one_cell_needs_no_picking():
    at = open_app_page("pages/architectures.py", layer=str(row_number("lenet5", "C5")))
    assert "Its one cell looks at the whole input." in section(at)
    assert "zero padding" not in section(at)  # LeNet-5 pads nothing: its key leaves the padding out
    assert at.number_input(key="sa_row").disabled and at.number_input(key="sa_col").disabled
    assert "16 + (5 − 1)·4 = 32" in section(at)  # the dense layer as a window as large as S4's 5x5 map


def test_each_network_opens_on_its_deepest_map_and_leaves_it_out_of_the_link():
    opened = {}
    for key in ARCHITECTURES:
        at = open_app_page("pages/architectures.py", arch=key)
        assert not at.exception and not at.warning
        opened[key] = re.search(r"<b>[^<]* ([^<]*)</b> sees <b>(\d+x\d+)</b>", section(at)).groups()
        assert not {"layer", "row", "col"} & set(query(at))
    assert opened["lenet5"] == ("S4", "16x16")
    assert opened["alexnet"] == ("pool5", "195x195") and opened["vgg16"] == ("pool5", "212x212")
    assert opened["googlenet"] == ("5b", "379x379")  # "inception 5b": the last Inception module


def test_the_closed_form_is_worked_out_layer_by_layer_up_to_the_picked_layer():
    html = section(open_app_page("pages/architectures.py", arch="alexnet"))
    steps = re.findall(r"<tr><td>([^<]+)</td><td>(\d*)</td><td>(\d*)</td><td>([^<]+)</td><td>([^<]+)</td></tr>", html)
    assert steps == [
        ("input", "", "", "1", "1"),
        ("conv1", "11", "4", "1 + (11 − 1)·1 = 11", "1·4 = 4"),
        ("pool1", "3", "2", "11 + (3 − 1)·4 = 19", "4·2 = 8"),
        ("conv2", "5", "1", "19 + (5 − 1)·8 = 51", "8·1 = 8"),
        ("pool2", "3", "2", "51 + (3 − 1)·8 = 67", "8·2 = 16"),
        ("conv3", "3", "1", "67 + (3 − 1)·16 = 99", "16·1 = 16"),
        ("conv4", "3", "1", "99 + (3 − 1)·16 = 131", "16·1 = 16"),
        ("conv5", "3", "1", "131 + (3 − 1)·16 = 163", "16·1 = 16"),
        ("pool5", "3", "2", "163 + (3 − 1)·16 = 195", "16·2 = 32"),
    ]
    assert "<i>r</i><sub><i>l</i></sub> = <i>r</i><sub><i>l</i>−1</sub> + (<i>k</i><sub><i>l</i></sub> − 1)·" in html
    assert "5 layers with k = 1 and s = 1 (ReLU) leave r and j as they are" in html  # left out, and said so


def test_a_picked_layer_and_cell_round_trip_through_the_link():
    at = open_app_page("pages/architectures.py")
    at.selectbox(key="sa_arch").set_value("alexnet").run()
    at.selectbox(key="sa_layer").set_value(3).run()  # conv2
    assert at.number_input(key="sa_row").value == 14 and at.number_input(key="sa_col").value == 14  # its middle
    at.number_input(key="sa_row").set_value(1).run()
    at.number_input(key="sa_col").set_value(27).run()
    assert not at.exception and not at.warning
    link = query(at)
    assert link == {"arch": "alexnet", "layer": "4", "row": "1", "col": "27"}
    html = section(at)
    assert "Cell (1, 27) of its 27x27 map looks at input rows 1 to 33 and columns 191 to 224;" in html
    assert "18 rows at the top and 17 columns on the right of its box lie in the zero padding." in html
    again = open_app_page("pages/architectures.py", **link)
    assert section(again) == html and picture(again) == picture(at)
    assert [again.number_input(key=k).value for k in ("sa_row", "sa_col")] == [1, 27]
    at.selectbox(key="sa_layer").set_value(ui_arch.deepest_map("alexnet")).run()  # back to the page's own choice
    assert query(at) == {"arch": "alexnet"}


def test_another_layer_or_network_starts_at_its_own_middle_cell():
    at = open_app_page("pages/architectures.py", arch="alexnet", layer="4", row="2", col="3")
    at.selectbox(key="sa_layer").set_value(5).run()  # pool2, 13x13
    assert [at.number_input(key=k).value for k in ("sa_row", "sa_col")] == [7, 7]
    assert query(at) == {"arch": "alexnet", "layer": "6"}
    at.selectbox(key="sa_arch").set_value("vgg16").run()
    assert not at.exception and not at.warning
    assert at.selectbox(key="sa_layer").value == ui_arch.deepest_map("vgg16")
    assert "<b>VGG-16 pool5</b> sees <b>212x212</b>" in section(at) and query(at) == {"arch": "vgg16"}


def test_a_visit_to_another_page_keeps_the_layer_and_cell():
    at = open_app_page("pages/architectures.py", arch="vgg16", layer="10", row="3", col="50")
    html = section(at)
    at.switch_page("pages/shapes.py").run()
    at.switch_page("pages/architectures.py").run()
    assert not at.exception and not at.warning and section(at) == html
    assert query(at) == {"arch": "vgg16", "layer": "10", "row": "3", "col": "50"}


def test_a_typed_cell_off_the_map_is_put_on_it_with_one_sentence():
    at = open_app_page("pages/architectures.py", arch="alexnet")
    at.number_input(key="sa_row").set_value(99).run()
    assert not at.exception
    assert [w.value for w in at.warning] == [
        "- Cell (99, 4) is outside pool5's 6x6 map: showing cell (6, 4), the nearest."]
    assert at.number_input(key="sa_row").value == 6 and query(at)["row"] == "6"
    at.number_input(key="sa_col").set_value(2).run()
    assert not at.warning  # said once


@pytest.mark.parametrize("params, said", [
    ({"arch": "alexnet", "layer": "abc"}, "`layer=abc`"),
    ({"arch": "alexnet", "layer": "0"}, "`layer=0`"),
    ({"arch": "alexnet", "layer": "9" * 5000}, "`layer=9999"),
    ({"arch": "lenet5", "layer": "40"}, "The link's layer 40 is not one of LeNet-5's 12 layers"),
    ({"arch": "alexnet", "row": "99"}, "The link's cell (99, 4) is outside pool5's 6x6 map: showing cell (6, 4)"),
    ({"arch": "alexnet", "col": "1e400"}, "`col=1e400`"),
    ({"arch": "alexnet", "row": "<script>alert(1)</script>"}, "`row=<script>alert(1)</script…`"),
    ({"arch": "alexnet", "row": "2.5", "col": "-3"}, "`col=-3`"),
])
def test_a_hostile_link_gets_one_sentence_and_a_field_the_page_can_show(params, said):
    at = open_app_page("pages/architectures.py", **params)
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 1 and said in warnings[0], warnings
    assert warnings[0].count("- ") == sum(k in params for k in ("layer", "row", "col"))  # one sentence each
    assert " sees <b>" in section(at)
    assert "<script>" not in section(at)


def test_the_presenter_view_projects_the_section_without_its_controls():
    at = open_app_page("pages/architectures.py", arch="vgg16", present="1")
    assert not at.exception and 'class="cnnviz-field present"' in section(at)
    assert any('[class*="st-key-present_hide_"]' in h.proto.body for h in at.get("html"))
    assert at.selectbox(key="sa_layer").value == ui_arch.deepest_map("vgg16")  # still there, hidden: its value kept


@pytest.fixture
def memory_rooms(monkeypatch):
    """Every AppTest session of the test shares one room store in memory."""
    from cnnviz.classroom import store as rooms

    store = rooms.MemoryStore()
    rooms.room_store.cache_clear()
    monkeypatch.setattr(rooms, "room_store", lambda: store)
    return store


def test_a_room_follows_the_presenter_s_layer_and_cell(memory_rooms):
    presenter = AppTest.from_file("../app.py", default_timeout=30).run()
    presenter.switch_page("pages/present.py").run()
    presenter.button(key="room-start").click().run()
    code = presenter.session_state["room_code"]
    presenter.switch_page("pages/architectures.py").run()
    presenter.selectbox(key="sa_arch").set_value("alexnet").run()
    presenter.selectbox(key="sa_layer").set_value(0).run()  # conv1
    presenter.number_input(key="sa_row").set_value(55).run()
    assert memory_rooms.view(code).query == {"arch": "alexnet", "layer": "1", "row": "55"}
    student = AppTest.from_file("../app.py", default_timeout=30)
    student.query_params["join"] = code
    student.run()
    assert not student.exception
    assert "Cell (55, 28) of its 55x55 map" in section(student) and section(student) == section(presenter)
    presenter.selectbox(key="sa_layer").set_value(ui_arch.deepest_map("alexnet")).run()  # the default: out of the link
    student.run()
    assert "<b>AlexNet pool5</b> sees <b>195x195</b>" in section(student)


# --- the picture and the words, on small chains -------------------------------------------------------------

def test_a_dilated_filter_s_holes_are_left_unshaded_and_said():
    f = receptive_fields([Window(3, dilation=2, name="dilated")], 9)[0]  # taps every other cell
    region = f.region(2, 2)
    svg = fig_fields.field_svg((9, 9), region)
    assert svg.count('class="mask"') == 9  # nine single cells: the taps
    lead, rest = fig_fields.field_words("Net", f, region, (9, 9), (2, 2))
    assert lead == "<b>Net dilated</b> sees <b>5x5</b> pixels of the <b>9x9</b> input."
    assert "Only the 9 shaded input pixels can change it" in rest


def test_the_mask_drawn_is_the_region_s_mask():
    layers = [Window(3, 2, 1, name="a"), Window(3, 1, 0, 2, name="b")]
    for f in receptive_fields(layers, (11, 13)):
        for cell in np.ndindex(f.out_size):
            region = f.region(*cell)
            drawn = np.zeros((11, 13), bool)
            for x, y, w, h in re.findall(r'class="mask" x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)"',
                                         fig_fields.field_svg((11, 13), region)):
                drawn[int(y):int(y) + int(h), int(x):int(x) + int(w)] = True
            assert np.array_equal(drawn, region.mask), (f.name, cell)


def test_cells_no_window_reaches_are_said_apart_from_the_padding():
    f = receptive_fields([Window(2, 2, name="pool")], 5)[0]  # the 5th row and column: in no window
    lead, rest = fig_fields.field_words("Net", f, f.region(1, 1), (5, 5), (1, 1))
    assert rest == "Cell (2, 2) of its 2x2 map looks at input rows 3 to 4 and columns 3 to 4."
    g = receptive_fields([Window(2, 2), Window(2, name="wide")], 5)[-1]  # 2 windows of 2: rows 1..4 of 5
    assert g.region(0, 0).rows == (0, 4)


def test_rows_and_columns_that_differ_are_written_each():
    f = receptive_fields([Window((3, 5), (1, 2), name="c")], (8, 9))
    records, left_out = fig_fields.closed_form_records(f, 0)
    assert records[1] == {"layer": "c", "k": "rows 3; columns 5", "s": "rows 1; columns 2",
                          "r": "rows 1 + (3 − 1)·1 = 3; columns 1 + (5 − 1)·1 = 5",
                          "j": "rows 1·1 = 1; columns 1·2 = 2"} and left_out == []
