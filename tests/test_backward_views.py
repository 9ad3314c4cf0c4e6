"""The backward players' data and the gradient-descent views: the lecture's numbers as a student reads them."""
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz.kernel import conv2d, conv2d_backward
from cnnviz.kernel.notation import format_number
from cnnviz.learn.descent import descend
from cnnviz.lecture.presets import LECTURE_FILTER, LECTURE_INPUT
from cnnviz.views.backward import (
    bias_sum_text,
    descent_figure,
    gradients_html,
    input_player_spec,
    sgd_step_html,
    weight_player_spec,
)
from cnnviz.views.player import player_data
from cnnviz.views.sums import html_to_text

LECTURE_DW = [[15, 15, 15], [9, 11, 16], [10, 7, 12]]
LECTURE_DX = [[0, 1, 3, 3, 2], [2, 5, 7, 5, 2], [2, 6, 10, 8, 4], [2, 5, 7, 5, 2], [0, 1, 3, 3, 2]]
ONES = np.ones((3, 3), dtype=np.int64)


def last_total(explain: str) -> str:
    """The number a written sum ends on."""
    return html_to_text(explain).splitlines()[-1].rsplit("= ", 1)[1]


def test_the_weight_player_writes_out_every_sum_of_the_lecture():
    spec = weight_player_spec(LECTURE_INPUT, LECTURE_FILTER, ONES)
    assert spec.output.tolist() == LECTURE_DW and spec.filter.tolist() == ONES.tolist()
    assert [s.out for s in spec.steps] == [(i, j) for i in range(3) for j in range(3)]
    assert [last_total(s.explain) for s in spec.steps] == [str(v) for row in LECTURE_DW for v in row]
    assert html_to_text(spec.steps[0].explain).splitlines() == [
        "dL/dW row 1, column 1:", "3₁ 3₁ 2₁", "0₁ 0₁ 1₁", "3₁ 1₁ 2₁",
        "= 3×1 + 3×1 + 2×1 + 0×1 + 0×1 + 1×1 + 3×1 + 1×1 + 2×1", "= 3 + 3 + 2 + 0 + 0 + 1 + 3 + 1 + 2 = 15"]
    data = player_data(spec)
    assert data["n"] == 9 and data["weights"] == [[["1"] * 3] * 3]  # dL/dmap in the covered cells' strips
    assert "the cells this weight lay on" in data["legend"] and 'id="out-1-2"' in data["html"]


def test_the_input_player_names_the_windows_that_covered_each_cell():
    spec = input_player_spec(LECTURE_INPUT, LECTURE_FILTER, ONES)
    assert spec.output.tolist() == LECTURE_DX
    assert spec.filter.tolist() == [[2, 1, 0], [0, 2, 2], [2, 1, 0]]  # rotated 180°
    assert spec.input.shape == (7, 7) and spec.input[2:5, 2:5].tolist() == ONES.tolist()  # zeros around
    assert [last_total(s.explain) for s in spec.steps] == [str(v) for row in LECTURE_DX for v in row]
    centre = html_to_text(spec.steps[12].explain)
    assert centre.startswith("dL/dX row 3, column 3:\n9 windows covered it, at map cells (1, 1), (1, 2), (1, 3)")
    assert centre.endswith("= 2 + 1 + 0 + 0 + 2 + 2 + 2 + 1 + 0 = 10")
    assert "1 window covered it, at map cell (1, 1)" in html_to_text(spec.steps[0].explain)
    assert player_data(spec)["n"] == 25


def test_a_cell_the_stride_steps_over_says_so():
    x = np.arange(25).reshape(5, 5)
    dout = np.ones(conv2d(x, [[1]], stride=2).shape, dtype=np.int64)
    spec = input_player_spec(x, [[1]], dout, stride=2)
    assert "No window covered this cell" in html_to_text(spec.steps[1].explain) and spec.steps[1].value == 0


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_players_match_the_backward_pass_for_any_stride_padding_and_dilation(seed):
    rng = np.random.default_rng(seed)
    kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
    stride, padding, dilation = (int(v) for v in (rng.integers(1, 4), rng.integers(0, 3), rng.integers(1, 3)))
    x = rng.integers(-5, 6, size=(dilation * (kh - 1) + 1 + int(rng.integers(0, 5)),
                                  dilation * (kw - 1) + 1 + int(rng.integers(0, 5))))
    w = rng.integers(-3, 4, size=(kh, kw))
    kwargs = {"stride": stride, "padding": padding, "dilation": dilation}
    dout = rng.integers(-3, 4, size=conv2d(x, w, **kwargs).shape)
    dx, dw, _ = conv2d_backward(x, w, dout, **kwargs)
    ws, xs = weight_player_spec(x, w, dout, **kwargs), input_player_spec(x, w, dout, **kwargs)
    assert np.array_equal(ws.output, dw) and np.array_equal(xs.output, dx)
    player_data(ws), player_data(xs)  # every step stays on its grids
    assert [last_total(s.explain) for s in xs.steps] == [format_number(v) for v in dx.ravel()]
    assert [last_total(s.explain) for s in ws.steps] == [format_number(v) for v in dw.ravel()]


def test_the_gradients_beside_the_player():
    amap = conv2d(LECTURE_INPUT, LECTURE_FILTER)
    dx, dw, db = conv2d_backward(LECTURE_INPUT, LECTURE_FILTER, ONES)
    html = gradients_html(LECTURE_INPUT, LECTURE_FILTER, amap, ONES, dw, db[0], dx)
    cells = dict(re.findall(r'id="(g-[a-z]+-\d+-\d+)"[^>]*data-value="([^"]+)"', html))
    assert [int(cells[f"g-dw-{i}-{j}"]) for i in range(3) for j in range(3)] == sum(LECTURE_DW, [])
    assert [int(cells[f"g-dx-{i}-{j}"]) for i in range(5) for j in range(5)] == sum(LECTURE_DX, [])
    assert cells["g-db-0-0"] == "9" and "g-tgt" not in html
    assert bias_sum_text(ONES, 9) == "dL/db = 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 = 9"


def test_one_step_of_descent_as_numbers():
    html = sgd_step_html(LECTURE_FILTER, LECTURE_DW, 0, 9, 0.005)
    new = dict(re.findall(r'id="sgd-new-(\d+-\d+)"[^>]*data-value="([^"]+)"', html))
    assert new["0-0"] == "-0.075" and new["0-1"] == "0.925" and new["1-2"] == "-0.08"
    assert "0 − 0.005×9 = <b>−0.045</b>" in html


def test_the_descent_figure_has_a_frame_a_step_and_fixed_scales():
    run = descend(LECTURE_INPUT, LECTURE_FILTER, steps=12)
    maps = [conv2d(LECTURE_INPUT, s.filter) for s in run.steps]
    fig = descent_figure(run, maps).to_dict()
    assert len(fig["frames"]) == 13 and [f["name"] for f in fig["frames"]][:2] == ["0", "1"]
    assert all(f["traces"] == [0, 1, 2, 5] for f in fig["frames"])
    loss = fig["data"][4]
    assert loss["y"][0] == pytest.approx(820) and len(loss["y"]) == 13
    dw0 = fig["frames"][0]["data"][1]
    assert dw0["text"][0] == ["−186", "−200", "−188"]
    scales = {(f["data"][1]["zmin"], f["data"][1]["zmax"]) for f in fig["frames"]}
    assert len(scales) == 1  # one scale through every frame
    assert len(fig["layout"]["sliders"][0]["steps"]) == 13
    assert fig["layout"]["yaxis"]["range"] == [3.5, 0.5]  # row 0 at the top
