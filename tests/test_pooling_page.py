"""The Pooling page in AppTest: the lecture's example, max and average, carried maps, stacks, bad input."""
import re
from urllib.parse import parse_qs

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnviz import TIE_RULE, pool2d_naive
from cnnviz.kernel.grids import grid_to_text
from cnnviz.lecture.presets import LECTURE_FILTER, LECTURE_INPUT
from cnnviz.ui.pooling import pool_example
from cnnviz.views.conv import activation_map
from conftest import open_app_page, player_data, player_html, player_tools, send_edit, use_tool

EXAMPLE = [[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]


def open_page(**params) -> AppTest:
    return open_app_page("pages/pooling.py", **params)


def explains(at) -> list[str]:
    """The explanation the player shows at each step."""
    return player_data(at)["explain"]


def pooled(at) -> list[list[float]]:
    """The pooled map as the player writes it in its output cells."""
    cells = re.findall(r'id="out-(\d+)-(\d+)"[^>]*data-value="([^"]*)"', player_html(at))
    H, W = max(int(r) for r, _, _ in cells) + 1, max(int(c) for _, c, _ in cells) + 1
    grid = [[None] * W for _ in range(H)]
    for r, c, v in cells:
        grid[int(r)][int(c)] = float(v)
    return grid


def stack_page_html(at) -> str:
    return next(h.proto.body for h in at.get("html") if 'data-grid="map0"' in h.proto.body)


def html_grid(html: str, prefix: str) -> np.ndarray:
    """The values of grid ``prefix`` in HTML from ``views.grid.grid_html`` (cells ``id="P-R-C"``)."""
    cells = re.findall(rf'id="{prefix}-(\d+)-(\d+)"[^>]*data-value="([^"]*)"', html)
    H, W = max(int(r) for r, _, _ in cells) + 1, max(int(c) for _, c, _ in cells) + 1
    grid = np.zeros((H, W))
    for r, c, v in cells:
        grid[int(r), int(c)] = float(v)
    return grid


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def edit(at, row: int, col: int, text: str) -> AppTest:
    """Type ``text`` into a cell (row, col counted from 0) of the map in the player and rerun."""
    return send_edit(at, "pool_player", "in", row, col, text)


def errors(at) -> str:
    return "\n".join(e.value for e in at.error)


def warnings(at) -> str:
    return "\n".join(w.value for w in at.warning)


def test_default_is_2x2_max_pooling_of_the_example():
    at = open_page()
    assert not at.exception and not at.error and not at.warning
    assert pooled(at) == [[6, 8], [3, 4]]
    assert player_data(at)["initial"] is None and player_data(at)["n"] == 4  # the full output
    html = player_html(at)
    assert "kept (the maximum)" in html and "max(1, 1, 5, <b>6</b>)" in explains(at)[0]  # the first window's winner
    assert any("(4 − 2) / 2 + 1 = 2" in m.value for m in at.markdown)
    assert metrics(at) == {"Input": "4x4", "Output": "2x2", "Activations kept": "25 %", "Parameters": "0"}
    assert any(TIE_RULE in c.value for c in at.caption)
    assert dict(at.query_params) == {}  # defaults keep the link short


def test_switching_to_average_writes_the_means():
    at = open_page()
    at.radio(key="pool_mode").set_value("avg").run()
    assert not at.exception and not at.error
    assert pooled(at) == [[3.25, 5.25], [2, 2]]
    assert '(1 + 1 + 5 + 6) / 4 = 13 / 4 = <b class="res">3.25</b>' in explains(at)[0]
    assert at.query_params["mode"] == "avg"
    assert not any(TIE_RULE in c.value for c in at.caption)  # ties only matter to max pooling


def test_max_beside_average_on_the_same_input():
    html = open_page().get("html")[0].proto.body
    grids = {name: re.findall(r'data-value="([^"]*)"', part) for name, part in
             re.findall(r'data-grid="(\w+)"(.*?)</div></div>', html)}
    assert grids == {"input": [str(v) for row in EXAMPLE for v in row], "max": ["6", "8", "3", "4"],
                     "avg": ["3.25", "5.25", "2", "2"]}
    assert ">3.25</div>" in html  # the numbers are written in the cells, not only coloured


def test_a_map_carried_from_the_convolution_page():
    amap = activation_map(LECTURE_INPUT, LECTURE_FILTER, padding=1)  # 5x5, as the Convolution page links it
    at = open_page(input=grid_to_text(amap))
    assert not at.exception and not at.error and not at.warning
    assert pooled(at) == pool2d_naive(amap).tolist()
    assert metrics(at)["Input"] == "5x5" and metrics(at)["Output"] == "2x2"
    assert any("⌊(5 − 2) / 2⌋ + 1 = 2" in m.value for m in at.markdown)
    # stride 2 over 5 cells leaves the last row and column out: said, and marked in the player
    assert any("1 row(s) and 1 column(s), 9 cell(s)" in i.value for i in at.info)
    assert re.search(r'class="cell in[^"]*unr[^"]*" id="in-4-0"', player_html(at))
    assert at.query_params["input"] == grid_to_text(amap)  # the link still holds the carried map


def pool_link_of(conv_at) -> tuple[str, dict]:
    """The label and the query of the Convolution page's link to this page."""
    link = next(p.proto for p in conv_at.get("page_link") if p.proto.page == "pooling")
    return link.label, {k: v[0] for k, v in parse_qs(link.query_string).items()}


def captions(at) -> str:
    return "\n".join(c.value for c in at.caption)


def test_the_lectures_small_map_links_to_an_example_that_pools_well():
    conv = open_app_page("pages/convolution.py")  # the lecture's 5x5 input and 3x3 filter: a 3x3 map
    label, query = pool_link_of(conv)
    assert label == "Pool a 6x6 map →"
    assert any("(8x8) through the lecture's 3x3 filter" in c.value for c in conv.caption)
    at = open_page(**query)
    assert not at.exception and not at.error and not at.warning
    ex = pool_example()
    amap = activation_map(ex.input, ex.filter)
    assert amap.shape == (6, 6) and query["input"] == grid_to_text(amap)
    assert pooled(at) == pool2d_naive(amap).tolist()
    assert metrics(at)["Input"] == "6x6" and metrics(at)["Output"] == "3x3"
    assert not at.info  # no cell dropped (the 3x3 map lost 5 of its 9 cells)
    assert "The 6x6 activation map of a handwritten 0 (8x8 pixels" in captions(at)
    assert "from the Convolution page" in captions(at)
    back = next(p.proto for p in at.get("page_link") if p.proto.page == "convolution")
    assert parse_qs(back.query_string)["input"][0] == grid_to_text(ex.input)
    assert at.query_params["from"] == "example"


def test_a_map_that_pools_well_goes_across_and_says_where_it_came_from():
    x = np.arange(36).reshape(6, 6) % 5
    conv = open_app_page("pages/convolution.py", input=grid_to_text(x))
    label, query = pool_link_of(conv)
    amap = activation_map(x, LECTURE_FILTER)  # 4x4
    assert label == "Pool this 4x4 map →" and query == {"input": grid_to_text(amap), "from": "conv-6x6-3x3"}
    at = open_page(**query)
    assert not at.exception and not at.warning
    assert pooled(at) == pool2d_naive(amap).tolist()
    said = "The 4x4 activation map of your 6x6 input through your 3x3 filter, from the Convolution page."
    assert said in captions(at)


def test_an_edited_map_no_longer_claims_its_origin():
    ex = pool_example()
    at = open_page(input=grid_to_text(activation_map(ex.input, ex.filter)), **{"from": "example"})
    at = edit(at, 0, 0, "40")
    assert "from the Convolution page" not in captions(at)
    assert "from" not in at.query_params


@pytest.mark.parametrize("origin", ["example", "conv-99x99-3x3", "<b>x</b>"])
def test_a_hand_edited_origin_is_refused_with_a_warning(origin):
    at = open_page(input=grid_to_text(EXAMPLE), **{"from": origin})
    assert not at.exception
    assert "origin" in warnings(at) and "from the Convolution page" not in captions(at)
    assert pooled(at) == pool2d_naive(EXAMPLE).tolist()  # the map itself is still pooled


def test_a_28x28x6_stack_pools_to_14x14x6_each_map_on_its_own():
    at = open_page(src="stack", side="28", maps="6", pick="3")
    assert not at.exception and not at.error and not at.warning
    assert metrics(at)["Input"] == "28x28x6" and metrics(at)["Output"] == "14x14x6"
    assert metrics(at)["Activations kept"] == "25 %"
    html = stack_page_html(at)
    maps = [html_grid(html, f"map{c}") for c in range(6)]
    outs = [html_grid(html, f"pool{c}") for c in range(6)]
    assert [m.shape for m in maps] == [(28, 28)] * 6 and [o.shape for o in outs] == [(14, 14)] * 6
    stack = np.stack(maps, axis=-1)
    for c in range(6):  # each pooled map comes from its own map only
        assert (outs[c] == pool2d_naive(stack[:, :, c])).all()
    assert pooled(at) == pool2d_naive(stack[:, :, 2]).tolist()  # the player animates map 3
    assert player_data(at)["n"] == 196


def test_the_stack_shows_its_picture_and_labels_every_map_and_pooled_map():
    at = open_page(src="stack", side="12", maps="6", pick="2")
    assert not at.exception and not at.error and not at.warning
    html = stack_page_html(at)
    picture = html_grid(html, "pic")
    assert picture.shape == (14, 14) and "Picture 14x14" in html  # a 3x3 filter's input: 2 more on each side
    names = ["Vertical edge", "Horizontal edge", "Sobel x", "Sobel y", "Sharpen", "Outline"]
    for c, name in enumerate(names):
        assert f"{c + 1}. {name} · 12x12" in html
        assert html_grid(html, f"map{c}").shape == (12, 12) and html_grid(html, f"pool{c}").shape == (6, 6)
    assert html.count("pooled · 6x6") == 6
    # the maps come from the picture shown: the vertical-edge filter over it, then ReLU
    w = np.array([[1, 0, -1]] * 3)
    assert np.array_equal(html_grid(html, "map0"), np.maximum(activation_map(picture, w), 0))
    assert re.search(r'class="card pick"><div class="panel" data-grid="map1"', html)  # the animated map is framed
    cell = int(re.search(r"--cs:(\d+)px", html).group(1))
    assert cell * 12 >= 150  # each 12x12 map drawn at least 150 px wide, not a thumbnail


def test_changing_stride_and_window_updates_formula_and_link():
    at = open_page()
    at.number_input(key="pool_stride").set_value(1).run()
    assert pooled(at) == [[6, 7, 8], [6, 7, 8], [3, 3, 4]]
    assert any("(4 − 2) / 1 + 1 = 3" in m.value for m in at.markdown)
    assert metrics(at)["Activations kept"] == "56 %"
    assert at.query_params["stride"] == "1"
    # the link reopens the same view in a new session
    again = open_page(stride="1", mode="avg")
    assert again.number_input(key="pool_stride").value == 1 and again.radio(key="pool_mode").value == "avg"
    assert pooled(again) == pool2d_naive(np.array(EXAMPLE), 2, 1, "avg").tolist()


def test_bad_cells_show_a_message_and_keep_the_last_output():
    at = open_page()
    for text in ("abc", "", "nan", "inf", "9" * 400):
        at = edit(at, 0, 1, text)
        assert not at.exception
        assert "Activation map, row 1, column 2" in errors(at)
        assert pooled(at) == [[6, 8], [3, 4]]  # the last valid output
    at = edit(at, 1, 1, "60")
    assert not at.error and pooled(at) == [[60, 8], [3, 4]]


def test_a_window_larger_than_the_map_keeps_the_last_output():
    at = open_page()
    at.number_input(key="pool_size").set_value(4).run()
    assert pooled(at) == [[8]]
    at = use_tool(at, "pool_player", "in", "rows", 3)
    assert not at.exception and "Activation map <span class=\"dim\">3x4</span>" in player_tools(at)
    assert "larger than the activation map" in errors(at)
    assert pooled(at) == [[8]]


@pytest.mark.parametrize("params, says", [
    ({"input": "1,abc;3,4"}, "activation map"),
    ({"input": "1,2;3"}, "activation map"),
    ({"input": "9" * 10_000}, "activation map"),
    ({"mode": "median"}, "pooling mode"),
    ({"size": "NaN"}, "window size"),
    ({"stride": "1" * 10_000}, "stride"),
    ({"src": "<script>"}, "input choice"),
    ({"side": "29"}, "size of the stack"),
    ({"pick": "-1"}, "animated map"),
    ({"src": "stack", "maps": "3", "pick": "7"}, "no map 7 in a stack of 3"),
    ({"src": "stack", "maps": "0"}, "number of maps"),
])
def test_a_bad_link_warns_and_falls_back(params, says):
    at = open_page(**params)
    assert not at.exception
    assert says in warnings(at) and ("instead" in warnings(at) or "animating map 1" in warnings(at))
    assert player_data(at)["n"]  # the page still works on the default


def test_a_linked_map_smaller_than_the_window_says_so_and_a_smaller_window_fixes_it():
    at = open_page(input="5")
    assert not at.exception
    assert "The pooling window (2x2) is larger than the activation map (1x1)" in errors(at)
    at.number_input(key="pool_size").set_value(1).run()
    assert not at.error and pooled(at) == [[5]]
    assert metrics(at)["Activations kept"] == "100 %"


def test_a_link_whose_window_is_larger_than_its_map_keeps_the_player_and_its_tools():
    at = open_page(input="1,2,3;4,5,6;7,8,9", size="4")
    assert not at.exception and len(at.error) == 1
    assert "The pooling window (4x4) is larger than the activation map (3x3)" in errors(at)
    assert "shows the page's first example until the window fits" in errors(at)
    assert pooled(at) == [[6, 8], [3, 4]]  # the player stays, on the page's first example
    assert 'Activation map <span class="dim">3x3</span>' in player_tools(at)  # the tools hold the link's map
    at = use_tool(use_tool(at, "pool_player", "in", "rows", 4), "pool_player", "in", "cols", 4)
    assert not at.error and pooled(at) == [[9]]


def test_a_carried_map_is_shown_even_after_looking_at_the_stack():
    at = open_page()
    at.radio(key="pool_src").set_value("stack").run()
    assert metrics(at)["Input"] == "12x12x6"
    at.switch_page("pages/convolution.py").run()
    at.switch_page("pages/pooling.py")
    at.query_params.clear()  # the Convolution page's link carries only the map
    at.query_params["input"] = "1,2;3,4"
    at.run()
    assert not at.exception and not at.warning
    assert at.radio(key="pool_src").value == "map" and pooled(at) == [[4]]


def test_the_link_keeps_the_typed_map_while_the_window_does_not_fit():
    at = use_tool(open_page(), "pool_player", "in", "rows", 1)
    assert "larger than the activation map" in errors(at)
    assert pooled(at) == [[6, 8], [3, 4]]  # the last valid output stays on screen
    assert at.query_params["input"] == "1,1,2,4"  # what the student typed, ready once the window fits


def test_the_typed_map_stays_in_the_link_while_the_stack_is_shown():
    at = edit(open_page(), 1, 1, "60")
    at.radio(key="pool_src").set_value("stack").run()
    assert metrics(at)["Input"] == "12x12x6"
    assert at.query_params["src"] == "stack" and at.query_params["input"].split(";")[1] == "5,60,7,8"
    at.radio(key="pool_src").set_value("map").run()
    assert pooled(at) == [[60, 8], [3, 4]] and not at.error


def test_the_presenter_view_is_in_the_link_and_shows_only_the_player():
    at = open_page(present="1")
    assert not at.exception and player_data(at)["present"] is True
    assert any(".st-key-player_tools" in h.proto.body for h in at.get("html"))  # the controls are hidden
    assert not at.metric and not any("Max beside average" in s.value for s in at.subheader)  # nothing below it
    assert pooled(at) == [[6, 8], [3, 4]]
    at.button(key="pool_present__leave").click().run()
    assert "present" not in at.query_params and player_data(at)["present"] is False
    assert metrics(at)["Parameters"] == "0"


def test_only_a_typed_map_has_tools():
    assert "Randomise" in player_tools(open_page())
    assert player_tools(open_page(src="stack")) == ""  # the stack's maps are made by filters, not typed
