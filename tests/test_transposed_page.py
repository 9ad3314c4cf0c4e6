"""The page "Transposed convolution" in AppTest: the lecture's numbers, the link both ways, hostile links, a room."""
import re

import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.kernel.transpose import conv_transpose2d_naive
from cnnviz.lecture.presets import LECTURE_FILTER
from cnnviz.ui import PAGES
from cnnviz.ui import transposed as ui_tr
from cnnviz.views.sums import html_to_text
from conftest import grid_values as grid, joined, open_app_page, player_data

LECTURE_UP = [[0, 12, 36, 41, 34], [24, 58, 95, 87, 38], [20, 75, 132, 105, 62], [18, 40, 77, 81, 38],
              [0, 9, 24, 26, 28]]
# stride 2, padding 1, output padding 1: the stamped area 7x7, its first row and column cropped
STRIDE_2 = [[24, 24, 24, 34, 34, 0], [22, 44, 29, 58, 36, 72], [20, 34, 34, 38, 38, 0], [19, 38, 23, 46, 33, 66],
            [18, 12, 12, 28, 28, 0], [9, 18, 6, 12, 14, 28]]


def open_page(**params) -> AppTest:
    return open_app_page("pages/transposed.py", **params)


def param(at, name: str) -> str | None:
    value = at.query_params.get(name)
    return value if value is None or isinstance(value, str) else value[-1]


def markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def warnings(at) -> str:
    return "\n".join(w.value for w in at.warning)


def errors(at) -> str:
    return "\n".join(e.value for e in at.error)


def output(data) -> list[list[float]]:
    """The player's output grid, without the border the padding crops."""
    full = grid(data["html"], "out")
    cropped = {tuple(map(int, m)) for m in re.findall(r'class="cell out[^"]*pad[^"]*" id="out-(\d+)-(\d+)"',
                                                       data["html"])}
    rows = sorted({r for r in range(len(full)) if any((r, c) not in cropped for c in range(len(full[0])))})
    cols = sorted({c for c in range(len(full[0])) if any((r, c) not in cropped for r in range(len(full)))})
    return [[full[r][c] for c in cols] for r in rows]


def test_the_page_follows_how_a_filter_learns_and_comes_before_shapes():
    order = [p.url_path for p in PAGES]
    assert order.index("backward") < order.index("transposed") < order.index("shapes")
    if "relatives" in order:  # Convolution's relatives comes first
        assert order.index("relatives") < order.index("transposed")


def test_default_is_the_lecture_map_stamped_with_the_lecture_filter():
    at = open_page()
    assert not at.exception and not at.error and not at.warning
    data = player_data(at)
    assert data["n"] == 9 and data["initial"] is None and not data["present"] and data["mode"] == "stamp"
    assert grid(data["html"], "in") == [[12, 12, 17], [10, 17, 19], [9, 6, 14]]
    assert grid(data["html"], "flt") == LECTURE_FILTER.tolist()
    assert output(data) == LECTURE_UP
    first = html_to_text(data["explain"][0]).splitlines()
    assert first[0].startswith("Input (1, 1) = 12: 12 × the filter onto output rows 1–3, columns 1–3")
    assert first[1:4] == ["output (1, 1) += 12×0 → 0", "output (1, 2) += 12×1 → 12", "output (1, 3) += 12×2 → 24"]
    assert html_to_text(data["explain"][8]).splitlines()[-1] == "output (5, 5) += 14×2 → 28"
    # the matrix view under the player: M @ x is the lecture's map, M.T @ y the player's output
    notes = html_to_text(data["notes"])
    assert "M (9×25)" in notes and "M.T (25×9)" in notes
    assert "M @ x.ravel() = 12, 12, 17, 10, 17, 19, 9, 6, 14: the lecture's activation map" in notes
    assert "Output size: `(3 − 1)×1 − 2×0 + 3 + 0 = 5` on both axes → output **5x5**" in markdown(at)
    assert dict(at.query_params) == {}  # defaults keep the link short


def test_the_link_opens_the_same_view_and_settings_write_it_back():
    link = {"stride": "2", "padding": "1", "output_padding": "1", "step": "4"}
    at = open_page(**link)
    assert not at.exception and not at.error and not at.warning
    data = player_data(at)
    assert data["initial"] == 4 and output(data) == STRIDE_2
    assert (at.number_input(key="tr_stride").value, at.number_input(key="tr_padding").value,
            at.number_input(key="tr_output_padding").value) == (2, 1, 1)
    assert "`(3 − 1)×2 − 2×1 + 3 + 1 = 6` on both axes → output **6x6**" in markdown(at)
    assert "M @ x</th>" not in data["notes"] and "M.T (36×9)" in html_to_text(data["notes"])
    assert {k: param(at, k) for k in link} == link
    # the sidebar writes the link: a 2x2 input typed, stride 1, no padding
    at.text_input(key="tr_input_text").set_value("1,2;3,4").run()
    at.number_input(key="tr_output_padding").set_value(0).run()
    at.number_input(key="tr_padding").set_value(0).run()
    at.number_input(key="tr_stride").set_value(1).run()
    assert not at.error
    assert output(player_data(at)) == conv_transpose2d_naive([[1, 2], [3, 4]], LECTURE_FILTER).tolist()
    assert (param(at, "input"), param(at, "stride"), param(at, "padding"), param(at, "output_padding")) == (
        "1,2;3,4", None, None, None)
    again = open_page(**{k: param(at, k) for k in ("input", "step") if param(at, k) is not None})
    assert output(player_data(again)) == output(player_data(at))


@pytest.mark.parametrize("link, said", [
    ({"stride": "abc"}, "stride"),
    ({"padding": "99"}, "99 is outside 0 to 2"),
    ({"output_padding": "-1"}, "output padding"),
    ({"input": "1,2;3"}, "input"),
    ({"input": "<script>alert(1)</script>"}, "input"),
    ({"filter": ";".join(["1,1,1,1,1,1"] * 6)}, "filter"),
    ({"step": "1e99"}, "animation step"),
    ({"present": "maybe"}, "presenter view switch"),
])
def test_a_hostile_link_gets_one_sentence_and_the_lecture_s_example(link, said):
    at = open_page(**link)
    assert not at.exception and not at.error
    assert len(at.warning) == 1 and warnings(at).count("could not be used") == 1 and said in warnings(at)
    assert output(player_data(at)) == LECTURE_UP


def test_settings_that_do_not_fit_together_keep_the_last_valid_output():
    # each value is fine alone: output padding 2 needs a stride of 3
    at = open_page(output_padding="2")
    assert not at.exception and not at.warning
    assert "must be smaller than the stride (1)" in errors(at) and "lecture's example" in errors(at)
    assert output(player_data(at)) == LECTURE_UP  # the lecture's example stands in
    at.number_input(key="tr_stride").set_value(3).run()
    assert not at.error and output(player_data(at))[0][:4] == [0, 12, 24, 0]
    kept = output(player_data(at))
    at.number_input(key="tr_stride").set_value(2).run()  # output padding 2 no longer fits
    assert "must be smaller than the stride (2)" in errors(at) and "last valid output" in errors(at)
    assert output(player_data(at)) == kept


def test_a_refused_grid_says_why_and_keeps_the_last_valid_one():
    at = open_page()
    at.text_input(key="tr_filter_text").set_value("1,2;x,4").run()
    assert "Filter" in errors(at) and "last valid filter" in errors(at)
    assert output(player_data(at)) == LECTURE_UP
    at.text_input(key="tr_filter_text").set_value("1").run()  # a 1x1 filter: the input itself
    assert not at.error and output(player_data(at)) == [[12, 12, 17], [10, 17, 19], [9, 6, 14]]
    assert param(at, "filter") == "1"


def test_presenter_view_writes_the_settings_and_has_a_way_back():
    at = open_page(present="1", stride="2")
    assert not at.exception and player_data(at)["present"]
    assert ("Stride **2** · padding **0** · output padding **0** · output size `(3 − 1)×2 − 2×0 + 3 + 0 = 7` → **7x7**"
            in markdown(at))
    assert any('[class*="st-key-present_hide_"]' in h.proto.body for h in at.get("html"))
    at.button(key="tr_present__leave").click().run()
    assert "present" not in at.query_params and not player_data(at)["present"]


def test_a_student_in_a_room_follows_the_presenters_settings_and_player(room):
    presenter, code, store = room
    presenter.switch_page("pages/transposed.py").run()
    presenter.number_input(key="tr_stride").set_value(2).run()
    assert store.view(code).page == "transposed" and store.view(code).query["stride"] == "2"
    assert player_data(presenter)["report"]  # the presenter's player reports its step to the room
    student = joined(code)
    assert not student.exception and student.title[0].value == "Transposed convolution"
    assert student.number_input(key="tr_stride").value == 2
    mine, theirs = player_data(student), player_data(presenter)
    assert (mine["html"], mine["stamps"], mine["notes"]) == (theirs["html"], theirs["stamps"], theirs["notes"])
    assert mine["present"] is False and mine["report"] is False


def test_the_view_is_cached_on_the_settings():
    ui_tr.transposed_view.cache_clear()
    a = ui_tr.first_example()
    b = ui_tr.transposed(ui_tr.URL.default)
    assert a is b and not a.output.flags.writeable
