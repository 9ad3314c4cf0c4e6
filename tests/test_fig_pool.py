"""Pooling for the step player and the figures, checked against plain loops and the lecture's example."""
import re

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from cnnviz import pool2d_naive
from cnnviz.kernel.pool import covered_cells, pool_trace
from cnnviz.views.player import player_data, unreached_cells
from cnnviz.views.pool import max_avg_html, pool_player_spec, pool_step_html, stack_html

EXAMPLE = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])


def test_lecture_example_steps_winners_and_sentences():
    spec = pool_player_spec(EXAMPLE)
    assert spec.output.tolist() == [[6, 8], [3, 4]]
    assert [(s.rows, s.cols) for s in spec.steps] == [((0, 1), (0, 1)), ((0, 1), (2, 3)),
                                                      ((2, 3), (0, 1)), ((2, 3), (2, 3))]
    assert [s.winner for s in spec.steps] == [(1, 1), (1, 3), (2, 0), (3, 3)]
    assert "max(1, 1, 5, <b>6</b>)" in spec.steps[0].explain
    avg = pool_player_spec(EXAMPLE, mode="avg")
    assert avg.output.tolist() == [[3.25, 5.25], [2, 2]]
    assert all(s.winner is None for s in avg.steps)
    assert "(2 + 4 + 7 + 8) / 4 = 21 / 4 = <b class=\"res\">5.25</b>" in avg.steps[1].explain


def test_ties_go_to_the_first_cell_in_reading_order_and_are_said():
    spec = pool_player_spec([[3, 3], [3, 1]])
    assert spec.steps[0].winner == (0, 0)
    assert "3 cells share the maximum" in spec.steps[0].explain
    assert "share the maximum" not in pool_step_html([[1, 2], [3, 4]], "max", (1, 1))


def test_negative_values_and_signs_are_written_plainly():
    html = pool_step_html([[-1, -2], [-3, -4]], "avg")
    assert "(−1 − 2 − 3 − 4) / 4 = −10 / 4 = <b class=\"res\">−2.5</b>" in html
    assert 'max(<b>−1</b>, −2, −3, −4) = <b class="res">−1</b>' in pool_step_html([[-1, -2], [-3, -4]], "max", (0, 0))


@settings(max_examples=60, deadline=None)
@given(H=st.integers(1, 9), W=st.integers(1, 9), k=st.integers(1, 4), s=st.integers(1, 4),
       mode=st.sampled_from(["max", "avg"]), seed=st.integers(0, 2**16))
def test_every_step_matches_plain_loops(H, W, k, s, mode, seed):
    x = np.random.default_rng(seed).integers(-9, 10, (H, W))
    if k > min(H, W):
        with pytest.raises(ValueError, match="larger than the activation map"):
            pool_player_spec(x, k, s, mode)
        return
    ref = pool2d_naive(x, k, s, mode)
    spec = pool_player_spec(x, k, s, mode)
    assert np.array_equal(spec.output, ref) and len(spec.steps) == ref.size
    for step in spec.steps:
        window = x[np.ix_(step.rows, step.cols)]
        assert step.value == ref[step.out]
        if mode == "max":
            # the winner is inside the window, holds the maximum, and no earlier cell (reading order) does
            assert step.winner[0] in step.rows and step.winner[1] in step.cols
            assert x[step.winner] == window.max() == step.value
            first = np.argwhere(window == window.max())[0]
            assert (step.rows[first[0]], step.cols[first[1]]) == step.winner
        else:
            assert step.value == pytest.approx(window.mean())
    # cells no window reaches are exactly those a non-dividing stride leaves out
    covered_r = {r for st_ in spec.steps for r in st_.rows}
    covered_c = {c for st_ in spec.steps for c in st_.cols}
    mask = unreached_cells(x.shape, (0, 0), spec.steps)
    assert mask.sum() == H * W - len(covered_r) * len(covered_c)


def test_the_player_writes_each_pooled_value_and_the_kept_cell():
    data = player_data(pool_player_spec(EXAMPLE))
    for (r, c), v in np.ndenumerate([[6, 8], [3, 4]]):
        assert re.search(f'id="out-{r}-{c}"[^>]*data-value="{v}"', data["html"])
    assert "kept (the maximum)" in data["legend"]
    assert "kept (the maximum)" not in player_data(pool_player_spec(EXAMPLE, mode="avg"))["legend"]


def test_max_avg_html_numbers_orientation_and_scale():
    html = max_avg_html(EXAMPLE)
    grids = dict(re.findall(r'data-grid="(\w+)"(.*?)</div></div>', html))
    values = {k: re.findall(r'data-value="([^"]*)"', v) for k, v in grids.items()}
    # row by row from the top, as the input is written
    assert values == {"input": [str(v) for v in EXAMPLE.ravel()], "max": ["6", "8", "3", "4"],
                      "avg": ["3.25", "5.25", "2", "2"]}
    assert "Max pooling 2x2" in html and "Average pooling 2x2" in html  # shapes as layers.format_shape writes them
    # one scale for the three grids: the 8 of the input and the 8 of the max output look the same; 0 is white
    assert re.search(r'background-color:(rgb\([^)]*\))[^>]*data-value="8"', grids["input"]).group(1) == \
        re.search(r'background-color:(rgb\([^)]*\))[^>]*data-value="8"', grids["max"]).group(1) == "rgb(178, 24, 43)"
    assert 'background-color:rgb(255, 255, 255);color:#000" data-value="0"' in grids["input"]
    assert " unr" not in html  # 2x2 windows, stride 2, cover all of a 4x4 map
    neg = max_avg_html(-EXAMPLE)
    assert "rgb(33, 102, 172)" in neg  # negative values in blue
    assert "<script" not in html
    # a 2x2 window with stride 3 on 5x5 starts at 0 and 3: row 2 and column 2 are skipped, and hatched
    strided = max_avg_html(np.arange(25).reshape(5, 5), 2, 3)
    cells = re.findall(r'class="cell input([^"]*)" id="input-(\d)-(\d)"', strided)
    hatched = [(int(r), int(c)) for cls, r, c in cells if "unr" in cls.split()]
    assert len(cells) == 25 and hatched == [(r, c) for r in range(5) for c in range(5) if r == 2 or c == 2]
    big = max_avg_html(np.ones((28, 28), int))
    assert 'title="row 28, column 28: 1"></div>' in big  # too small to read: the value on hover instead


def test_stack_html_pools_each_map_on_its_own_and_labels_it():
    rng = np.random.default_rng(1)
    stack = rng.integers(0, 9, (6, 6, 3))
    pooled = np.stack([pool2d_naive(stack[:, :, c]) for c in range(3)], axis=-1)
    html = stack_html(rng.integers(0, 9, (8, 8)), stack, pooled, ["a", "b", "c"], pick=1)
    for c in range(3):
        cells = re.findall(rf'id="map{c}-\d+-\d+"[^>]*data-value="(\d+)"', html)
        assert [int(v) for v in cells] == stack[:, :, c].ravel().tolist()
        cells = re.findall(rf'id="pool{c}-\d+-\d+"[^>]*data-value="(\d+)"', html)
        assert [int(v) for v in cells] == pooled[:, :, c].ravel().tolist()
    assert [t for t in re.findall(r'class="ttl">([^<]*)<', html)] == [
        "Picture 8x8", "1. a · 6x6", "pooled · 3x3", "2. b · 6x6", "pooled · 3x3", "3. c · 6x6", "pooled · 3x3"]
    assert html.count('class="card pick"') == 1 and '<div class="card pick"><div class="panel" data-grid="map1"' in html


@pytest.mark.parametrize("shape, size, stride", [((5, 5), 2, None), ((7, 6), 3, 2), ((4, 9), 2, 3), ((6, 6), 3, 1)])
def test_covered_cells_are_the_cells_in_some_window(shape, size, stride):
    # Independent reference: the union of every window of pool_trace.
    expected = np.zeros(shape, dtype=bool)
    for s in pool_trace(np.zeros(shape), size, stride):
        expected[np.ix_(s.rows, s.cols)] = True
    np.testing.assert_array_equal(covered_cells(shape, size, stride), expected)
