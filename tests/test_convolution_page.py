"""The Convolution page in AppTest: the lecture's example, settings, bad cells and links."""
import re
from urllib.parse import parse_qs

import numpy as np
from streamlit.testing.v1 import AppTest

from cnnviz import conv2d
from cnnviz.kernel.grids import grid_to_text
from cnnviz.lecture.presets import FILTER_PRESETS, LECTURE_FILTER, LECTURE_INPUT
from conftest import open_app_page, player_data, player_html, player_tools, send_edit, use_tool

LECTURE_MAP = [[12, 12, 17], [10, 17, 19], [9, 6, 14]]


def open_page(**params) -> AppTest:
    return open_app_page("pages/convolution.py", **params)


def shown_map(at) -> list[list[float]]:
    """The activation map as the player writes it in its output cells."""
    cells = re.findall(r'id="out-(\d+)-(\d+)"[^>]*data-value="([^"]*)"', player_html(at))
    H, W = max(int(r) for r, _, _ in cells) + 1, max(int(c) for _, c, _ in cells) + 1
    grid = [[None] * W for _ in range(H)]
    for r, c, v in cells:
        grid[int(r)][int(c)] = float(v) if "." in v or "e" in v else int(v)
    return grid


def edit(at, key: str, row: int, col: int, text: str) -> AppTest:
    """Type ``text`` into a cell (row, col counted from 0, padding left out) of the player's input or filter."""
    return send_edit(at, "conv_player", {"conv_input": "in", "conv_filter": "flt"}[key], row, col, text)


def tool(at, key: str, op: str, value=None) -> AppTest:
    """Use a tool under the player on the input (``conv_input``) or the filter (``conv_filter``)."""
    return use_tool(at, "conv_player", {"conv_input": "in", "conv_filter": "flt"}[key], op, value)


def errors(at) -> str:
    return "\n".join(e.value for e in at.error)


def test_default_view_is_the_lecture_example():
    at = open_page()
    assert not at.exception and not at.error and not at.warning
    assert shown_map(at) == LECTURE_MAP
    data = player_data(at)
    assert data["initial"] is None and data["n"] == 9  # the full map, every value written
    assert data["editable"] == ["in", "flt"] and not data["present"]
    assert any("(5 + 2×0 − 3) / 1 + 1 = 3" in m.value for m in at.markdown)
    assert dict(at.query_params) == {}  # defaults keep the link short


def test_stride_and_padding_change_the_output_shape():
    at = open_page()
    at.number_input(key="conv_padding").set_value(1).run()
    assert np.array(shown_map(at)).shape == (5, 5)
    at.number_input(key="conv_stride").set_value(2).run()
    assert shown_map(at) == conv2d(LECTURE_INPUT, LECTURE_FILTER, padding=1, stride=2).tolist()
    assert any("(5 + 2×1 − 3) / 2 + 1 = 3" in m.value for m in at.markdown)
    at.number_input(key="conv_padding").set_value(0).run()
    assert any("(5 + 2×0 − 3) / 2 + 1 = 2" in m.value for m in at.markdown)
    assert np.array(shown_map(at)).shape == (2, 2)
    assert at.query_params["stride"] == "2" and "padding" not in at.query_params
    at.number_input(key="conv_stride").set_value(3).run()  # 2 / 3 does not divide: the floor shows
    assert any("⌊(5 + 2×0 − 3) / 3⌋ + 1 = 1" in m.value for m in at.markdown)


def test_rectangular_input_shows_both_formulas():
    at = tool(open_page(), "conv_input", "cols", 7)
    assert np.array(shown_map(at)).shape == (3, 5) and "Input <span class=\"dim\">5x7</span>" in player_tools(at)
    text = " ".join(m.value for m in at.markdown)
    assert "rows `(5 + 2×0 − 3) / 1 + 1 = 3`" in text and "columns `(7 + 2×0 − 3) / 1 + 1 = 5`" in text


def test_edit_a_cell_updates_the_map():
    at = edit(open_page(), "conv_input", 0, 1, "13")  # the 3 under weight 1 of the first window becomes 13
    assert shown_map(at)[0][:2] == [22, 12] and not at.error  # the second window has weight 0 there
    assert at.query_params["input"].startswith("3,13,2,1,0;")


def test_bad_cells_show_messages_and_keep_the_last_map():
    at = open_page()
    for c, (text, message) in enumerate([("abc", "'abc' is not a number"), ("", "is empty"), ("nan", "not a number"),
                                         ("inf", "not a number"), ("9" * 10_000, "far too long"),
                                         ("2e6", "2000000 is too large"), ("1e400", "'1e400' is too large")]):
        at = edit(at, "conv_input", 2, c % 5, text)
        assert not at.exception
        assert re.search(f"Input, row 3, column {c % 5 + 1}: [^\n]*{re.escape(message)}", errors(at))
        assert "last valid input is still used" in errors(at)
        assert shown_map(at) == LECTURE_MAP
    assert "input" not in at.query_params  # the link keeps the last valid grid: the lecture's
    at = edit(at, "conv_input", 0, 1, "13")  # a number clears the message
    assert not at.error and shown_map(at)[0][0] == 22


def test_an_edit_is_applied_once_and_an_edit_of_a_cell_that_is_gone_is_ignored():
    at = edit(open_page(), "conv_input", 0, 1, "13")
    at = tool(at, "conv_input", "clear")
    at.run()  # the clear still in the component's state: applied once
    assert shown_map(at) == [[0] * 3] * 3
    at = edit(at, "conv_input", 9, 9, "5")  # outside the 5x5 grid (it was resized in another tab)
    assert not at.exception and not at.error and shown_map(at) == [[0] * 3] * 3
    at = edit(at, "conv_filter", 2, 2, "-1")
    assert player_data(at)["ack"] and shown_map(at) == [[0] * 3] * 3 and at.query_params["filter"].endswith(",-1")


def test_decimal_cells_and_a_decimal_comma():
    at = edit(open_page(), "conv_filter", 0, 0, "0,5")  # weight 0 -> 0.5 under the input's 3
    assert shown_map(at)[0][0] == 13.5 and not at.error


def test_filter_larger_than_the_padded_input_keeps_the_last_map():
    at = tool(open_page(), "conv_filter", "rows", 7)
    assert not at.exception
    assert "larger than the padded input" in errors(at)
    assert "last valid activation map is still shown" in errors(at)
    assert shown_map(at) == LECTURE_MAP
    at.number_input(key="conv_padding").set_value(1).run()  # now it fits: 7 rows on 5 + 2
    assert not at.error and np.array(shown_map(at)).shape == (1, 5)


def test_a_link_whose_filter_is_larger_than_its_input_keeps_the_player_and_its_tools():
    # a hand-edited link: a 7x7 filter on the lecture's 5x5 input, padding 0, never valid in this session
    at = open_page(input=grid_to_text(LECTURE_INPUT), filter=grid_to_text(np.ones((7, 7), dtype=int)))
    assert not at.exception and len(at.error) == 1
    assert "The filter (7x7) is larger than the padded input (5x5)" in errors(at)
    assert "shows the lecture's example until they fit" in errors(at)
    assert shown_map(at) == LECTURE_MAP  # the player stays, on the lecture's example
    tools = player_tools(at)  # its tools hold the link's grids, ready to be put right
    assert 'Input <span class="dim">5x5</span>' in tools and 'Filter <span class="dim">7x7</span>' in tools
    assert at.query_params["filter"] == grid_to_text(np.ones((7, 7), dtype=int))  # the link is kept as it was
    at = tool(tool(at, "conv_filter", "rows", 5), "conv_filter", "cols", 5)
    assert not at.error and shown_map(at) == [[int(LECTURE_INPUT.sum())]]


def test_presets_load_with_their_explanation():
    at = tool(open_page(), "conv_filter", "preset", "Sobel x")
    sobel = FILTER_PRESETS["Sobel x"]
    assert shown_map(at) == conv2d(LECTURE_INPUT, sobel.weights).tolist()
    assert f"<b>Sobel x</b>: {sobel.explains}" in player_tools(at)
    assert all(f'<option value="{name}">' in player_tools(at) for name in FILTER_PRESETS)


def test_bias_and_relu():
    at = open_page()
    at.number_input(key="conv_bias").set_value(-15.0).run()
    assert shown_map(at) == (np.array(LECTURE_MAP) - 15).tolist()
    at.toggle(key="conv_relu").set_value(True).run()
    assert shown_map(at) == np.maximum(np.array(LECTURE_MAP) - 15, 0).tolist()
    assert at.query_params["bias"] == "-15" and at.query_params["relu"] == "1"


def test_a_link_reproduces_the_view():
    x = np.arange(-12, 12).reshape(4, 6)
    w = np.array([[1, -1], [0.5, 2]])
    at = open_page(input=grid_to_text(x), filter=grid_to_text(w), stride="2", padding="1", dilation="2",
                   bias="1.5", relu="1", step="3")
    assert not at.exception and not at.warning
    ref = np.maximum(conv2d(x, w, 1.5, stride=2, padding=1, dilation=2), 0)
    np.testing.assert_allclose(shown_map(at), ref)
    assert player_data(at)["initial"] == 3
    assert at.number_input(key="conv_dilation").value == 2 and at.toggle(key="conv_relu").value is True
    assert "Input <span class=\"dim\">4x6</span>" in player_tools(at)


def test_a_hostile_link_falls_back_with_warnings():
    at = open_page(input="1,2;3", filter="<script>", stride="9" * 10_000, padding="NaN", dilation="-1",
                   bias="inf", relu="maybe", step="x")
    assert not at.exception
    warning = "\n".join(w.value for w in at.warning)
    for name in ("input", "filter", "stride", "padding", "dilation", "bias", "relu", "step"):
        assert f"`{name}=" in warning
    assert shown_map(at) == LECTURE_MAP
    assert at.number_input(key="conv_stride").value == 1
    assert "stride" not in at.query_params  # the bad values are gone from the link


def test_link_grids_of_the_wrong_size_are_refused():
    at = open_page(input=grid_to_text(np.ones((17, 3))), filter=grid_to_text(np.ones((8, 8))))
    warning = "\n".join(w.value for w in at.warning)
    assert "larger than 16x16" in warning and "larger than 7x7" in warning
    assert shown_map(at) == LECTURE_MAP


def test_randomise_and_clear():
    at = tool(open_page(), "conv_input", "clear")
    assert shown_map(at) == [[0] * 3] * 3
    at = tool(at, "conv_input", "random")
    x = np.array([[int(v) for v in row.split(",")] for row in at.query_params["input"].split(";")])
    assert x.shape == (5, 5) and x.min() >= 0 and x.max() <= 5
    assert shown_map(at) == conv2d(x, LECTURE_FILTER).tolist()


def test_settings_and_edits_survive_a_visit_to_another_page():
    at = edit(open_page(), "conv_input", 0, 1, "13")
    at.number_input(key="conv_padding").set_value(1).run()
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/convolution.py").run()  # the link is empty now, as after navigation
    assert not at.exception and not at.warning
    assert at.number_input(key="conv_padding").value == 1
    assert shown_map(at) == conv2d(np.where(np.arange(25).reshape(5, 5) == 1, 13, LECTURE_INPUT),
                                   LECTURE_FILTER, padding=1).tolist()
    assert at.query_params["padding"] == "1"  # written back into the link


def test_the_pooling_link_carries_a_map_that_pools_well():
    at = open_page()  # the lecture's 3x3 map: 2x2 pooling with stride 2 would keep one window of it
    (link,) = [el.proto for el in at.get("page_link") if el.proto.page == "pooling"]
    assert link.label == "Pool a 6x6 map →"
    assert any("too small for 2x2 pooling" in c.value and "(8x8)" in c.value for c in at.caption)
    assert parse_qs(link.query_string)["from"] == ["example"]
    at = open_page(input="1,2,3,4,5,6,7;" * 6 + "1,2,3,4,5,6,7")  # a 5x5 map: its last row and column left out
    assert any("would lose its last row or column" in c.value for c in at.caption)
    at = open_page(input="1,2,3,4,5,6;" * 5 + "1,2,3,4,5,6")  # 6x6 input: a 4x4 map, which pools well
    (link,) = [el.proto for el in at.get("page_link") if el.proto.page == "pooling"]
    assert link.label == "Pool this 4x4 map →"
    # the filter's columns sum to 2, 4, 4, so the window over columns j..j+2 (values j..j+2) gives 10j + 12
    assert parse_qs(link.query_string) == {"input": ["22,32,42,52;22,32,42,52;22,32,42,52;22,32,42,52"],
                                           "from": ["conv-6x6-3x3"]}


def test_link_warnings_end_each_sentence_once():
    at = open_page(input="1,2;3", stride="abc")  # the grid's reason is a sentence of its own, with its full stop
    lines = [line for w in at.warning for line in w.value.splitlines()]
    assert len(lines) == 2 and not any(".." in line for line in lines)
    assert "different lengths. Using the default instead." in lines[0]
    assert "'abc' is not a number. Using 1 instead." in lines[1]


def test_text_from_a_link_cannot_become_a_link_in_the_warning():
    # A shared link is seen by a whole class: its text is shown as typed, never as Markdown.
    at = open_page(stride="[x](//e.vil)", padding=":-1:")
    text = " ".join(w.value for w in at.warning)
    assert "could not be used" in text and not at.exception
    outside_code = re.sub(r"`[^`]*`", "", text)
    assert "[x](" not in outside_code and r"\[x\]" in outside_code
    assert ":-1:" not in outside_code


def test_a_preset_with_sixteenths_loads_exactly():
    at = tool(open_page(), "conv_filter", "preset", "Gaussian blur")
    gauss = FILTER_PRESETS["Gaussian blur"]
    np.testing.assert_allclose(shown_map(at), conv2d(LECTURE_INPUT, gauss.weights))  # 1/16 is 0.0625, not 0.06
    assert gauss.explains in player_tools(at)


def test_the_tools_keep_within_the_limits_and_ignore_what_no_tool_sends():
    at = tool(open_page(), "conv_input", "rows", 99)  # past the largest input: the largest
    assert np.array(shown_map(at)).shape == (14, 3) and 'data-v="17" disabled' in player_tools(at)
    for op, value in [("rows", "abc"), ("rows", None), ("rows", 1e400), ("preset", "<script>"), ("explode", 1),
                      ("preset", ["Sobel x"])]:
        at = tool(at, "conv_filter", op, value)
        assert not at.exception and not at.error and np.array(shown_map(at)).shape == (14, 3)
    at = tool(at, "conv_filter", "cols", 0)  # fewer than one column: one
    assert np.array(shown_map(at)).shape == (14, 5) and "Filter <span class=\"dim\">3x1</span>" in player_tools(at)


def test_the_convolution_s_relatives_are_linked_from_the_page():
    from cnnviz.ui.convolution import RELATIVES
    from conftest import ROOT

    at = open_page()
    links = {el.proto.page: el.proto.label for el in at.get("page_link")}
    assert "**Convolution's relatives**" in [m.value for m in at.markdown]
    assert links["transposed"] == "Transposed →"
    for file, label, _ in RELATIVES:  # each relative's page that exists, and no link to one that does not
        assert (links.get(file.removesuffix(".py")) == label) == (ROOT / "pages" / file).exists()
