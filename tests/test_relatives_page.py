"""The page "Convolution's relatives" in AppTest: each part's numbers against the kernel, the link, bad input."""
import json

import numpy as np
import pytest

from cnnviz.kernel.conv import conv1d, conv2d
from cnnviz.lecture.series import load_series
from cnnviz.ui import PAGES
from cnnviz.ui import relatives as ui_rel
from cnnviz.views.sums import html_to_text
from conftest import grid_values, open_app_page, player_data, trace_numbers as numbers


def open_page(**params):
    return open_app_page("pages/relatives.py", **params)


def text(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def warnings(at) -> str:
    return "\n".join(w.value for w in at.warning)


def errors(at) -> str:
    return "\n".join(e.value for e in at.error)


def shown_map(at) -> np.ndarray:
    return np.array(grid_values(player_data(at)["html"], "out"))


def explains(at) -> list[list[str]]:
    """Each step's written sum, line by line, as a student reads it."""
    return [html_to_text(e).splitlines() for e in player_data(at)["explain"]]


def value_of(line: str) -> float:
    return float(line.rsplit("= ", 1)[1].replace("−", "-"))


def chart(at) -> dict:
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.spec)


def test_the_page_comes_right_after_how_a_filter_learns():
    order = [p.url_path for p in PAGES]
    assert order.index("relatives") == order.index("backward") + 1


def test_1x1_writes_each_pixel_s_weighted_sum_of_the_channels():
    at = open_page()
    assert not at.exception and not at.warning and not at.error
    x, w, b = ui_rel.RGB_INPUT, ui_rel.DEFAULT_1X1, ui_rel.DEFAULT_1X1_BIASES
    want = conv2d(x, w.T[None, None], b)  # (5, 5, 2): the bank as conv2d takes it, filters (1, 1, 3, 2)
    data = player_data(at)
    assert data["n"] == 25 and data["volume"] == "5x5x3 → 5x5x2" and data["sees"] is None
    assert np.array_equal(shown_map(at), want[:, :, 0])
    for k, lines in enumerate(explains(at)):
        r, c = divmod(k, 5)
        R, G, B = x[r, c]
        assert lines[1:4] == [f"R: {R}×1 = {R}", f"G: {G}×1 = {G}", f"B: {B}×1 = {B}"]
        assert lines[-1] == f"R + G + B + bias = {R} + {G} + {B} + 1 = {want[r, c, 0]}"
    assert "**5x5x3 → 5x5x2** · 2 filters of 1x1x3" in text(at) and "(1×1×3 + 1)×2 = 8" in text(at)
    # filter 2, typed weights: red minus green, no bias; the link keeps them
    at.text_input(key="rel_w1_text").set_value("1, -1, 0; 0, 0, 2").run()
    at.text_input(key="rel_b1_text").set_value("0, 5").run()
    at.button_group(key="rel_pick_1x1_2").set_value(1).run()
    assert not at.exception and not at.error
    assert at.query_params["w1"] == "1,-1,0;0,0,2" and at.query_params["b1"] == "0,5" and at.query_params["f"] == "2"
    assert np.array_equal(shown_map(at), 2 * x[:, :, 2] + 5)
    assert explains(at)[0][-1] == f"R + G + B + bias = 0 + 0 + {2 * x[0, 0, 2]} + 5 = {2 * x[0, 0, 2] + 5}"


@pytest.mark.parametrize("groups", [1, 2, 4])
def test_grouped_filters_see_their_own_group_and_match_conv2d_with_groups(groups):
    x, b = ui_rel.GROUPED_INPUT, ui_rel.GROUPED_BIASES
    bank = ui_rel.group_bank(groups)  # (4, 3, 3, 4 // groups)
    want = conv2d(x, bank.transpose(1, 2, 3, 0), b, groups=groups)  # (3, 3, 4)
    for f in range(4):
        at = open_page(part="grouped", groups=str(groups), f=str(f + 1))
        assert not at.exception and not at.warning
        data = player_data(at)
        g, Cg = f // (4 // groups), 4 // groups
        assert np.array_equal(shown_map(at), want[:, :, f])
        assert data["volume"] == "5x5x4 → 3x3x4" and data["n"] == 9
        assert data["sees"] == (None if groups == 1 else list(range(g * Cg, (g + 1) * Cg)))
        seen = [f"C{c + 1}" for c in range(g * Cg, (g + 1) * Cg)]
        for k, lines in enumerate(explains(at)):
            assert value_of(lines[-1]) == want[k // 3, k % 3, f]
            if Cg > 1:  # "C3 + C4 + bias = …": the sum names its group's channels and no other
                assert lines[-1].split(" = ")[0] == " + ".join(seen) + (" + bias" if b[f] else "")
            else:
                assert not any(f"C{c}" in " ".join(lines) for c in range(1, 5))  # one channel: its plain sum
        if groups > 1:
            html = data["html"]
            assert f"C{g * Cg + 1} · group {g + 1}" in html and html.count('data-away="1"') == 4 - Cg
        count = ui_rel.conv_param_count(3, 3, 4, 4, groups=groups)
        assert f"= {count}" in text(at)
    assert "2,432 parameters" in text(at) and "18,496" in text(at)  # depthwise-separable, against a standard one


def test_the_grouped_controls_write_the_link():
    at = open_page(part="grouped")
    at.button_group(key="rel_groups").set_value(4).run()
    at.button_group(key="rel_pick_grouped_4").set_value(2).run()
    assert not at.exception and at.query_params["groups"] == "4" and at.query_params["f"] == "3"
    assert player_data(at)["sees"] == [2] and "depthwise" in text(at)
    at.session_state["rel_player_grouped"] = {"pick": {"f": 0, "seq": "test-pick-1"}}  # a click on map 1
    at.run()
    assert "f" not in at.query_params and player_data(at)["sees"] == [0]


def nile_output(w, **geometry) -> np.ndarray:
    return conv1d(load_series("nile").values, w, **geometry)


def test_1d_moving_average_of_the_nile_with_its_chart_and_length():
    at = open_page(part="1d")
    assert not at.exception and not at.warning and not at.error
    want = nile_output(np.full(3, 1 / 3))  # (98,)
    data = player_data(at)
    assert data["n"] == 98 and data["dims"][:2] == [1, 100]
    assert np.allclose(shown_map(at)[0], want)
    lines = explains(at)[0]
    assert lines[0] == "Output 1, window on 1871 to 1873:" and lines[1] == "1120₀.₃₃ 1160₀.₃₃ 963₀.₃₃"
    assert lines[-1] == "= 373.33 + 386.67 + 321 = 1081"  # (1120 + 1160 + 963) / 3
    assert "output length `(100 + 2×0 − 3) / 1 + 1 = 98`" in text(at)
    fig = chart(at)
    series, out = fig["data"]
    assert numbers(series["y"]).tolist() == load_series("nile").values.tolist() and np.allclose(numbers(out["y"]), want)
    assert numbers(out["x"])[0] == 1872 and numbers(out["x"])[-1] == 1969  # each output under its window's centre
    assert out["text"][0] == "output 1, window on 1871 to 1873"
    assert any("public domain" in c.value for c in at.caption)


def test_1d_difference_is_exact_and_stride_padding_dilation_come_from_the_link():
    at = open_page(part="1d", kernel="diff", stride="2", padding="1", dilation="3")
    assert not at.exception and not at.warning
    want = nile_output([-1, 1], stride=2, padding=1, dilation=3)
    assert want.dtype == np.int64 and shown_map(at)[0].tolist() == want.tolist()
    assert "`(100 + 2×1 − 3×(2 − 1) − 1) / 2 + 1 = 50`" in text(at) and len(want) == 50
    assert "cross-correlation" in text(at) and "[1, −1]" in text(at)
    assert explains(at)[0][0] == "Output 1, window on 1873 and padding:"  # taps on padding and 1873
    assert numbers(chart(at)["data"][1]["x"])[0] == 1871 - 1 + 1.5  # padding before 1871, a tap 3 years on


def test_1d_series_and_filters_from_the_controls():
    at = open_page(part="1d")
    at.button_group(key="rel_series").set_value("sunspots").run()
    at.button_group(key="rel_kernel").set_value("avg7").run()
    assert not at.exception and at.query_params["series"] == "sunspots" and at.query_params["kernel"] == "avg7"
    spots = load_series("sunspots")
    assert np.allclose(shown_map(at)[0], conv1d(spots.values, np.full(7, 1 / 7))) and player_data(at)["n"] == 103
    at.number_input(key="rel_stride").set_value(3).run()
    assert at.query_params["stride"] == "3" and player_data(at)["n"] == 35


def test_a_typed_filter_and_one_sentence_for_a_bad_one():
    at = open_page(part="1d", kernel="typed")
    at.text_input(key="rel_taps_text").set_value("2, 0, -1").run()
    assert not at.exception and not at.error and at.query_params["taps"] == "2,0,-1"
    want = nile_output([2, 0, -1])
    assert shown_map(at)[0].tolist() == want.tolist()
    at.text_input(key="rel_taps_text").set_value("2, x, -1").run()
    assert not at.exception and len(at.error) == 1
    assert errors(at) == ("Your filter's weights: 'x' is not a number. Type it like 1, -2, 1. The last valid one is "
                          "still used.")
    assert shown_map(at)[0].tolist() == want.tolist() and at.query_params["taps"] == "2,0,-1"
    at.text_input(key="rel_taps_text").set_value(",".join(["1"] * 16)).run()
    assert "more than 15 numbers" in errors(at) and shown_map(at)[0].tolist() == want.tolist()


def test_bad_1x1_filters_and_biases_keep_the_last_valid_player():
    at = open_page()
    before = shown_map(at)
    at.text_input(key="rel_w1_text").set_value("1, 2").run()
    assert not at.exception and "three weights, one per channel" in errors(at)
    assert np.array_equal(shown_map(at), before) and "w1" not in at.query_params
    at.text_input(key="rel_w1_text").set_value("1, 1, 1; 0, 1, 0; 1, 0, 0").run()  # three filters, two biases
    assert not at.exception and "There are 3 filters but 2 biases" in errors(at)
    assert np.array_equal(shown_map(at), before)  # the last valid one
    at.text_input(key="rel_b1_text").set_value("").run()  # empty: every bias 0
    assert not at.error and player_data(at)["volume"] == "5x5x3 → 5x5x3"
    assert np.array_equal(shown_map(at), ui_rel.RGB_INPUT.sum(axis=2))


def test_every_setting_round_trips_through_the_link():
    link = {"part": "1d", "f": "2", "w1": "0,1,0;2,2,2;1,0,-1", "b1": "1,2,3", "groups": "4", "series": "sunspots",
            "kernel": "typed", "taps": "1,0.5,-1", "stride": "2", "padding": "3", "dilation": "2", "step": "7",
            "present": "1"}
    at = open_page(**link)
    assert not at.exception and not at.warning
    assert {k: at.query_params[k] for k in link} == link
    state, warned = ui_rel.URL.from_query(link)
    assert not warned and ui_rel.URL.to_query(state) == link
    assert player_data(at)["initial"] == 7 and player_data(at)["present"] is True
    again = open_page(**{**link, "part": "grouped"})
    assert {k: again.query_params[k] for k in link if k != "part"} == {k: v for k, v in link.items() if k != "part"}
    assert player_data(again)["sees"] == [1]  # filter 2 of a depthwise bank


@pytest.mark.parametrize("params, said", [
    ({"part": "<script>"}, "`part=<script>`"),
    ({"f": "9"}, "9 is outside 1 to 4"),
    ({"w1": "1,2,3,4"}, "three weights, one per channel"),
    ({"w1": "[x](//e.vil)"}, "three weights"),
    ({"b1": "1,2,3"}, "2 1x1 filters but 3 biases"),
    ({"groups": "3"}, "'3' is not one of 1, 2, 4"),
    ({"part": "grouped", "f": "4", "groups": "1e9"}, "not one of 1, 2, 4"),
    ({"series": "../../etc/passwd"}, "is not nile or sunspots"),
    ({"kernel": "avg9"}, "is not one of avg3"),
    ({"taps": "1e999"}, "is too large"),
    ({"taps": ",".join(["1"] * 40)}, "more than 15 numbers"),
    ({"stride": "0"}, "0 is outside 1 to 4"),
    ({"dilation": "NaN"}, "dilation"),
    ({"step": "-5"}, "animation step"),
    ({"present": "yes please"}, "not 1 or 0"),
])
def test_hostile_links_say_why_in_one_sentence_and_open_the_default(params, said):
    at = open_page(**params)
    assert not at.exception and not at.error
    assert len(at.warning) == 1 and said in warnings(at) and len(warnings(at).splitlines()) == 1
    assert player_data(at)["n"] > 0  # the player is there


def test_a_filter_the_part_does_not_have_falls_back_to_filter_1():
    at = open_page(f="3")  # the 1x1 part has two filters
    assert not at.exception and "This part has 2 filters, not 3: showing filter 1." in warnings(at)
    assert np.array_equal(shown_map(at), conv2d(ui_rel.RGB_INPUT, ui_rel.DEFAULT_1X1[0][None, None], 1))


def test_the_presenter_view_shows_the_player_and_the_line_only():
    at = open_page(part="1d", present="1")
    assert not at.exception and player_data(at)["present"] is True
    assert any(".st-key-player_tools" in h.proto.body for h in at.get("html"))  # the settings are hidden
    assert not at.get("plotly_chart") and "output length" in text(at)
    at.button(key="rel_present__leave").click().run()
    assert "present" not in at.query_params and player_data(at)["present"] is False and at.get("plotly_chart")


def test_another_part_opens_on_its_whole_output_and_its_own_player():
    at = open_page(step="4")
    assert player_data(at)["initial"] == 4 and player_data(at)["key"] == "rel_player_1x1"
    at.button_group(key="rel_part").set_value("grouped").run()
    data = player_data(at)
    assert not at.exception and data["initial"] is None and data["key"] == "rel_player_grouped"
    assert at.query_params["part"] == "grouped" and "step" not in at.query_params


def test_home_links_the_page():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file("../app.py", default_timeout=30).run()
    assert any("Convolution's relatives" in str(p.proto.label) for p in at.get("page_link"))
