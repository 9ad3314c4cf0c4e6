"""The page "How a filter learns" in AppTest: the lecture's gradients, the loss, links, descent, bad input."""
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.kernel import conv2d
from cnnviz.lecture.presets import LECTURE_FILTER, LECTURE_INPUT
from cnnviz.ui import PAGES
from cnnviz.ui import backward as ui_bw
from cnnviz.views import backward as fig_bw
from cnnviz.views.sums import html_to_text
from conftest import grid_values as grid, joined, open_app_page, player_data

LECTURE_DW = [[15, 15, 15], [9, 11, 16], [10, 7, 12]]
LECTURE_DX = [[0, 1, 3, 3, 2], [2, 5, 7, 5, 2], [2, 6, 10, 8, 4], [2, 5, 7, 5, 2], [0, 1, 3, 3, 2]]


def open_page(**params) -> AppTest:
    return open_app_page("pages/backward.py", **params)


def param(at, name: str) -> str | None:
    """The page's link parameter ``name`` as text."""
    value = at.query_params.get(name)
    return value if value is None or isinstance(value, str) else value[-1]


def page_html(at) -> str:
    return "".join(h.proto.body for h in at.get("html"))


def text(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def warnings(at) -> str:
    return "\n".join(w.value for w in at.warning)


def test_the_page_comes_after_pooling_before_the_cnn_that_learns():
    order = [p.url_path for p in PAGES]
    assert order.index("pooling") < order.index("backward") < order.index("learn")


def test_default_view_is_the_lecture_example_with_a_map_gradient_of_ones():
    at = open_page()
    assert not at.exception and not at.error and not at.warning
    data = player_data(at)
    assert data["n"] == 9 and data["initial"] is None and not data["present"]
    assert grid(data["html"], "out") == LECTURE_DW  # the player's dL/dW
    explains = [html_to_text(e) for e in data["explain"]]
    assert explains[0].endswith("= 3 + 3 + 2 + 0 + 0 + 1 + 3 + 1 + 2 = 15")
    assert [e.rsplit("= ", 1)[1] for e in explains] == [str(v) for row in LECTURE_DW for v in row]
    html = page_html(at)
    assert grid(html, "g-dw") == LECTURE_DW and grid(html, "g-dx") == LECTURE_DX and grid(html, "g-db") == [[9]]
    assert grid(html, "g-dmap") == [[1] * 3] * 3
    assert "dL/db = 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 = 9" in text(at)
    assert grid(html, "sgd-new")[0] == [-0.075, 0.925, 1.925]  # W − 0.005 × dL/dW
    assert dict(at.query_params) == {}  # defaults keep the link short


def test_the_input_gradient_player_from_the_link():
    at = open_page(part="x", step="13")
    data = player_data(at)
    assert data["n"] == 25 and data["initial"] == 13 and grid(data["html"], "out") == LECTURE_DX
    assert "9 windows covered it" in html_to_text(data["explain"][12])
    assert at.session_state["bw_part"] == "x"
    assert param(at, "part") == "x" and param(at, "step") == "13"


def test_switching_the_part_rewrites_the_player_and_the_link():
    at = open_page()
    at.session_state["bw_part"] = "x"
    at.run()
    assert player_data(at)["n"] == 25 and param(at, "part") == "x"


def test_a_target_gives_the_loss_and_its_gradient():
    at = open_page(source="target")
    assert not at.exception and not at.error
    amap = conv2d(LECTURE_INPUT, LECTURE_FILTER)
    dmap = [[2, 0, 0], [0, 0, 0], [0, 0, -1]]  # the default target moves two cells
    html = page_html(at)
    assert grid(html, "g-tgt") == [[10, 12, 17], [10, 17, 19], [9, 6, 15]] and grid(html, "g-dmap") == dmap
    assert "L = ½ Σ (map − target)² = **2.5**" in text(at)
    x = np.pad(LECTURE_INPUT, 0)
    expected = [[int((x[i:i + 3, j:j + 3] * np.array(dmap)).sum()) for j in range(3)] for i in range(3)]
    assert grid(player_data(at)["html"], "out") == expected
    assert grid(html, "g-map") == amap.tolist()
    # A new target typed as text: the gradient follows.
    at.text_input(key="bw_target_text").set_value("12,12,17;10,17,19;9,6,10").run()
    assert grid(page_html(at), "g-dmap") == [[0, 0, 0], [0, 0, 0], [0, 0, 4]]
    assert param(at, "target") == "12,12,17;10,17,19;9,6,10" and param(at, "source") == "target"


def test_a_target_of_another_shape_is_fitted_and_said_so():
    at = open_page(source="target", target="1,2;3,4")
    assert not at.exception
    assert any("the map's own value is used" in c.value for c in at.caption)
    assert grid(page_html(at), "g-dmap") == [[11, 10, 0], [7, 13, 0], [0, 0, 0]]


def test_settings_change_the_gradients_and_the_link():
    at = open_page()
    at.number_input(key="bw_padding").set_value(1).run()
    at.number_input(key="bw_stride").set_value(2).run()
    data = player_data(at)
    assert data["n"] == 9 and data["pad"] == [1, 1]
    assert param(at, "padding") == "1" and param(at, "stride") == "2"
    assert not at.exception and not at.error


def test_a_bad_link_falls_back_with_a_visible_warning():
    at = open_page(stride="9", input="1,2;x,4", part="y")
    assert not at.exception
    said = warnings(at)
    assert "stride" in said and "input" in said and "gradient to step through" in said
    assert grid(player_data(at)["html"], "out") == LECTURE_DW  # the defaults


def test_a_bad_grid_keeps_the_last_valid_one():
    at = open_page()
    at.text_input(key="bw_filter_text").set_value("1,2;3").run()
    assert any("Filter" in e.value and "last valid filter" in e.value for e in at.error)
    assert grid(player_data(at)["html"], "out") == LECTURE_DW
    at.text_input(key="bw_filter_text").set_value("1").run()  # a 1x1 filter: dL/dW is the input's sum
    assert not at.error and grid(player_data(at)["html"], "out") == [[int(LECTURE_INPUT.sum())]]


def test_a_filter_larger_than_the_input_keeps_the_last_gradients():
    at = open_page()
    at.text_input(key="bw_filter_text").set_value(";".join(["1,1,1,1,1,1"] * 6)).run()
    assert any("larger than the padded input" in e.value for e in at.error)
    assert grid(player_data(at)["html"], "out") == LECTURE_DW


def test_descent_states_its_steps_and_the_pinned_directions():
    assert not open_page().get("plotly_chart")  # closed until asked for: its figure is the page's largest element
    at = open_page(descent="1")
    said = text(at)
    assert "under 1 % of its start after **12** steps" in said
    assert "a weight is still **0.41** off" in said and "pins some directions of the filter far less" in said
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert len(chart["frames"]) == 31  # the start and 30 steps
    assert "Diverged" not in said
    assert param(at, "descent") == "1"


def test_a_large_rate_diverges_and_says_so():
    at = open_page(rate="0.02", gd="100", descent="1")
    assert not at.exception
    said = text(at)
    assert "**Diverged**" in said and "above 2/λ" in said
    assert param(at, "rate") == "0.02"


def test_presenter_view_shows_the_player_alone():
    at = open_page(present="1", descent="1")
    assert player_data(at)["present"]
    assert not at.get("plotly_chart")  # descent and the grids wait outside the presenter view


def test_a_student_in_a_room_follows_the_presenters_part_and_step(room):
    presenter, code, store = room
    presenter.switch_page("pages/backward.py").run()
    presenter.session_state["bw_part"] = "x"
    presenter.run()
    assert store.view(code).page == "backward" and store.view(code).query["part"] == "x"
    student = joined(code)
    assert not student.exception and student.title[0].value == "How a filter learns"
    mine, theirs = player_data(student), player_data(presenter)
    assert mine["n"] == 25 and (mine["html"], mine["steps"]) == (theirs["html"], theirs["steps"])


GIVEN = [[0.5, 0, 0], [0, -0.25, 0], [0, 0, 2]]


def test_a_given_map_gradient_from_the_link():
    at = open_page(source="given", dmap="0.5,0,0;0,-0.25,0;0,0,2")
    assert not at.exception and not at.error and not at.warning
    html = page_html(at)
    assert grid(html, "g-dmap") == GIVEN
    x = LECTURE_INPUT
    expected = [[sum(x[i + r, j + q] * GIVEN[r][q] for r in range(3) for q in range(3)) for j in range(3)]
                for i in range(3)]
    assert grid(player_data(at)["html"], "out") == expected and grid(html, "g-dw") == expected
    assert f"{fig_bw.DMAP} is given in the link, cell by cell." in text(at)
    assert at.session_state["bw_source"] == "given"
    assert param(at, "source") == "given" and param(at, "dmap") == "0.5,0,0;0,-0.25,0;0,0,2"
    # The other sources stay one click away; the given one comes back with the link's grid.
    at.session_state["bw_source"] = "ones"
    at.run()
    assert grid(player_data(at)["html"], "out") == LECTURE_DW and param(at, "dmap") == "0.5,0,0;0,-0.25,0;0,0,2"
    at.session_state["bw_source"] = "given"
    at.run()
    assert grid(player_data(at)["html"], "out") == expected


def test_without_a_given_map_gradient_the_choice_is_not_offered():
    at = open_page()
    assert at.radio(key="bw_source").options == [ui_bw.SOURCES["ones"], ui_bw.SOURCES["target"]]
    assert len(open_page(dmap="1,2;3,4").radio(key="bw_source").options) == 3


def test_a_given_map_gradient_names_where_it_came_from():
    at = open_page(source="given", dmap="0.5,0,0;0,-0.25,0;0,0,2", net="3,5,2")
    assert not at.exception and not at.warning
    said = text(at)
    assert ("what the network of *A CNN that learns* sent back into filter 2's activation map (before ReLU) for test "
            "digit 3, an 8, from its parameters after epoch 4: the backward step toward epoch 5") in said
    assert "one digit's term: each step of training averages such terms over a batch of 32 digits, and an epoch " \
           "makes 46 steps" in said
    assert "so its dL/dW is this dL/dW / 16" in said


@pytest.mark.parametrize("params, words", [
    ({"source": "given"}, "gives none (`dmap`): using dL/dmap = 1 in every cell instead"),
    ({"source": "given", "dmap": "nan"}, "map gradient (`dmap=nan`) could not be used"),
    ({"source": "given", "dmap": "1,2;3"}, "map gradient (`dmap=1,2;3`) could not be used"),
    ({"dmap": "nan"}, "map gradient (`dmap=nan`) could not be used"),
    ({"source": "given", "dmap": "1,2;3,4", "net": "3,5,x"},
     "origin of the map gradient (`net=3,5,x`) could not be used: its filter"),
])
def test_a_hostile_given_link_says_so_in_one_sentence_and_keeps_the_player(params, words):
    at = open_page(**params)
    assert not at.exception and not at.error
    assert len(at.warning) == 1 and words in warnings(at), warnings(at)
    data = player_data(at)
    assert data["n"] == 9
    if "dmap" not in params or params["dmap"] in ("nan", "1,2;3"):
        assert grid(data["html"], "out") == LECTURE_DW and at.session_state["bw_source"] == "ones"
        assert "source" not in at.query_params and "dmap" not in at.query_params


def test_a_given_map_gradient_of_another_shape_is_fitted_and_said_so():
    at = open_page(source="given", dmap="1,2;3,4")
    assert not at.exception and not at.warning and not at.error
    notes = [c.value for c in at.caption if "dL/dmap" in c.value and "activation map is 3x3" in c.value]
    assert notes == ["The given dL/dmap is 2x2 but the activation map is 3x3: where the given dL/dmap has no cell, 0 "
                     "is used (no gradient there)."]
    assert grid(page_html(at), "g-dmap") == [[1, 2, 0], [3, 4, 0], [0, 0, 0]]
    assert grid(player_data(at)["html"], "out")[0][0] == 3 * 1 + 3 * 2 + 0 * 3 + 0 * 4
    # A larger one keeps the cells the map has.
    at = open_page(source="given", dmap=";".join(["1,1,1,1"] * 4))
    assert grid(page_html(at), "g-dmap") == [[1] * 3] * 3 and grid(player_data(at)["html"], "out") == LECTURE_DW
    # After a change of padding the map is 5x5: the same grid is fitted again, and the page says so.
    at = open_page(source="given", dmap="0.5,0,0;0,-0.25,0;0,0,2")
    at.number_input(key="bw_padding").set_value(1).run()
    assert not at.exception and any("activation map is 5x5" in c.value for c in at.caption)
    assert param(at, "dmap") == "0.5,0,0;0,-0.25,0;0,0,2"
