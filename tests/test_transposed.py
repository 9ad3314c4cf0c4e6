"""The transposed convolution stamp by stamp: the trace, the player's spec and data, and the matrix view."""
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz.kernel.conv import conv2d
from cnnviz.kernel.notation import format_number
from cnnviz.kernel.shapes import conv_param_formula, conv_transpose_output_formula, conv_transpose_output_size
from cnnviz.kernel.transpose import conv_matrix, conv_transpose2d, conv_transpose2d_naive, stamp_trace
from cnnviz.lecture.presets import LECTURE_FILTER, LECTURE_INPUT
from cnnviz.views.grid import text_em
from cnnviz.views.player import PlayerSpec, PlayerStep, player_data
from cnnviz.views.sums import html_to_text
from cnnviz.views.transpose import matrix_html, transposed_player_spec

LECTURE_MAP = [[12, 12, 17], [10, 17, 19], [9, 6, 14]]
# conv_transpose2d(the lecture's map, the lecture's filter), worked out cell by cell from the stamps
LECTURE_UP = [[0, 12, 36, 41, 34], [24, 58, 95, 87, 38], [20, 75, 132, 105, 62], [18, 40, 77, 81, 38],
              [0, 9, 24, 26, 28]]


# -- the trace ------------------------------------------------------------------------------------

def test_the_lecture_map_stamped_by_hand():
    trace = stamp_trace(LECTURE_MAP, LECTURE_FILTER)
    assert trace.shape == trace.out_shape == (5, 5) and trace.crop == (0, 0) and len(trace.stamps) == 9
    first, middle = trace.stamps[0], trace.stamps[4]
    assert (first.row, first.col, first.value, first.rows, first.cols) == (0, 0, 12, (0, 1, 2), (0, 1, 2))
    assert first.products.tolist() == [[0, 12, 24], [24, 24, 0], [0, 12, 24]]
    # cell (1, 1) holds 17: its stamp lands on rows and columns 1-3, on top of the four stamps before it
    assert middle.value == 17 and middle.rows == middle.cols == (1, 2, 3)
    assert middle.totals.tolist() == [[58, 95, 68], [66, 70, 41], [10, 37, 34]]
    assert trace.stamps[-1].totals.tolist() == [row[2:] for row in LECTURE_UP[2:]]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3),
       st.integers(1, 3), st.integers(0, 2), st.integers(0, 2), st.integers(1, 2))
def test_the_last_stamp_on_each_cell_leaves_the_kernel_s_output(seed, H, W, kh, kw, s, p, op, d):
    rng = np.random.default_rng(seed)
    x, w = rng.integers(-9, 10, (H, W)), rng.integers(-3, 4, (kh, kw))
    conv = {"stride": s, "padding": p, "output_padding": op, "dilation": d}
    try:
        out = conv_transpose2d(x, w, **conv)
    except ValueError:
        with pytest.raises(ValueError):
            stamp_trace(x, w, **conv)
        return
    trace = stamp_trace(x, w, **conv)
    full = np.zeros(trace.shape, dtype=np.int64)
    for stamp in trace.stamps:  # each stamp's totals are the running sums: replay them
        full[np.ix_(stamp.rows, stamp.cols)] += stamp.products
        assert np.array_equal(full[np.ix_(stamp.rows, stamp.cols)], stamp.totals)
        assert np.array_equal(stamp.products, stamp.value * w)
    (ph, pw), (H_out, W_out) = trace.crop, trace.out_shape
    assert np.array_equal(full[ph : ph + H_out, pw : pw + W_out], out)
    assert np.array_equal(out, conv_transpose2d_naive(x, w, **conv)) and out.dtype == np.int64


def test_trace_refuses_what_it_cannot_follow():
    with pytest.raises(ValueError, match="one grid"):
        stamp_trace(np.ones((2, 2, 3)), np.ones((2, 2)))
    with pytest.raises(ValueError, match="smaller than the stride"):
        stamp_trace(np.ones((2, 2)), np.ones((2, 2)), output_padding=1)


def test_formulas_with_the_numbers():
    assert conv_transpose_output_formula(3, 3) == "(3 − 1)×1 − 2×0 + 3 + 0 = 5"
    assert conv_transpose_output_formula(3, 3, 2, 1, 1) == "(3 − 1)×2 − 2×1 + 3 + 1 = 6"
    assert conv_transpose_output_formula(4, 3, 1, 0, 0, 2) == "(4 − 1)×1 − 2×0 + 2×(3 − 1) + 1 + 0 = 8"
    for n, k, s, p, op, d in [(3, 3, 2, 1, 1, 1), (5, 4, 3, 2, 2, 1), (4, 3, 1, 0, 0, 2)]:
        assert conv_transpose_output_formula(n, k, s, p, op, d).endswith(
            f"= {conv_transpose_output_size(n, k, s, p, op, d)}")
    assert conv_param_formula(3, 3, 32, 64, groups=4) == "(3×3×8 + 1)×64 = 4,672"
    assert conv_param_formula(3, 3, 32, 32, groups=32) == "(3×3×1 + 1)×32 = 320"


# -- the player's spec and data -------------------------------------------------------------------

def out_cells(html: str) -> dict[tuple[int, int], str]:
    """Each output cell's classes, from the player's HTML."""
    return {(int(r), int(c)): cls for cls, r, c in re.findall(r'class="cell out([^"]*)" id="out-(\d+)-(\d+)"', html)}


def test_the_lecture_example_stamps_nine_times_and_writes_each_cell_s_sum():
    spec = transposed_player_spec(LECTURE_MAP, LECTURE_FILTER)
    assert spec.mode == "stamp" and spec.output.tolist() == LECTURE_UP and spec.crop == (0, 0, 0, 0)
    data = player_data(spec)
    assert data["n"] == 9 and data["dims"] == [3, 3, 3, 3, 5, 5] and data["operator"] == "∗ᵀ"
    # step 5 is input cell (2, 2): its nine products, each with what the cell holds after it
    text = html_to_text(data["explain"][4])
    assert text.splitlines()[0] == ("Input (2, 2) = 17: 17 × the filter onto output rows 2–4, columns 2–4 "
                                    "(→ the cell's new sum):")
    assert text.splitlines()[1:4] == ["output (2, 2) += 17×0 → 58", "output (2, 3) += 17×1 → 95",
                                      "output (2, 4) += 17×2 → 68"]
    stamp = data["stamps"][4]
    assert [w[:5] for w in stamp[:2]] == [[1, 1, 0, 0, "58"], [1, 2, 0, 1, "95"]]
    assert all(w[5].startswith("background-color:rgb(") for w in stamp)
    # the last stamp on each cell writes its final number, in the colour the finished grid gives it
    last = {}
    for stamp in data["stamps"]:
        last |= {(r, c): (text, style) for r, c, _, _, text, style in stamp}
    drawn = dict(re.findall(r'id="out-(\d+-\d+)" style="([^"]*)"', data["html"]))
    # one type size for the output through every stamp: the grid's --tw fits each sum it holds on the way, here
    # −1000 before the second stamp brings the middle cell back to −500
    passing = player_data(transposed_player_spec(np.array([[-1000, 1000]]), np.array([[0.5, 1]])))
    (tw,) = re.findall(r'id="out-grid" style="[^"]*--tw:([0-9.]+)', passing["html"])
    assert [w[4] for w in passing["stamps"][0]] == ["−500", "−1000"] and float(tw) == text_em("−1000")
    assert all(text == str(LECTURE_UP[r][c]) and style == drawn[f"{r}-{c}"] for (r, c), (text, style) in last.items())
    # each input cell names its step: a hover shows its stamp; output cells are never a step of their own
    assert re.findall(r'id="in-0-1"[^>]*data-k="(\d+)"', data["html"]) == ["1"]
    assert set(re.findall(r'id="out-\d+-\d+"[^>]*data-k="(-?\d+)"', data["html"])) == {"-1"}


def test_padding_hatches_the_cropped_border_and_output_padding_adds_unreached_cells():
    spec = transposed_player_spec(LECTURE_MAP, LECTURE_FILTER, stride=2, padding=1, output_padding=1)
    out = conv_transpose2d(LECTURE_MAP, LECTURE_FILTER, stride=2, padding=1, output_padding=1)
    assert out.shape == (6, 6) and spec.output.shape == (7, 7) and spec.crop == (1, 0, 1, 0)
    assert np.array_equal(spec.output[1:, 1:], out)
    data = player_data(spec)
    cells = out_cells(data["html"])
    assert "pad" in cells[0, 3] and "pad" in cells[3, 0] and "pad" not in cells[1, 1] and "pad" not in cells[6, 6]
    assert "cropped by the padding" in data["legend"]
    text = html_to_text(data["explain"][0])  # cell (1, 1) stamps rows and columns 0-2: five of them cropped
    assert "onto output rows 1–2, columns 1–2" in text and "5 more products fall on the hatched border" in text
    assert text.count("output (") == 4
    # padding 0, output padding 1: a row and a column no stamp reaches, 0 and cross-hatched
    data = player_data(transposed_player_spec([[1, 2], [3, 4]], [[1, 1], [1, 1]], stride=2, output_padding=1))
    cells = out_cells(data["html"])
    assert "unr" in cells[4, 0] and "unr" in cells[0, 4] and "unr" not in cells[3, 3]
    assert "no stamp reaches these cells: 0" in data["legend"]


def test_decimals_stay_decimals_and_bad_stamps_are_refused():
    spec = transposed_player_spec([[0.5, -1]], [[2, 0.25]])
    assert spec.output.tolist() == [[1.0, -1.875, -0.25]]
    assert player_data(spec)["stamps"][1][0][4] == "−1.875"
    with pytest.raises(ValueError, match="smaller than the stride"):
        transposed_player_spec(LECTURE_MAP, LECTURE_FILTER, output_padding=1)
    step = PlayerStep(rows=(0,), cols=(0,), out=(0, 0), value=1, writes=((0, 5, 0, 0),), totals=(1,))
    with pytest.raises(ValueError, match="A stamp is one input cell"):
        player_data(PlayerSpec(np.ones((1, 1)), np.ones((1, 2)), [step], filter=np.ones((1, 1)), mode="stamp"))
    with pytest.raises(ValueError, match="'slide' or 'stamp'"):
        PlayerSpec(np.ones((1, 1)), np.ones((1, 1)), [], mode="scatter")
    with pytest.raises(ValueError, match="nothing is typed"):
        PlayerSpec(np.ones((1, 1)), np.ones((1, 1)), [], filter=np.ones((1, 1)), mode="stamp", editable=("in",))


def test_a_slide_player_s_data_has_no_stamp_keys():
    from cnnviz.views.conv import conv_player_spec

    data = player_data(conv_player_spec(LECTURE_INPUT, LECTURE_FILTER))
    assert not {"mode", "stamps", "sizes", "notes"} & set(data)


# -- the matrix view ------------------------------------------------------------------------------

def numbers(cells: str) -> list[str]:
    return re.findall(r"<td[^>]*>([^<]*)</td>", cells)


def test_the_lecture_s_m_is_9_by_25_and_its_product_with_the_input_is_the_map():
    M = conv_matrix((5, 5), LECTURE_FILTER)
    assert M.shape == (9, 25)
    assert (M @ LECTURE_INPUT.ravel()).tolist() == np.ravel(LECTURE_MAP).tolist()
    html = matrix_html(LECTURE_MAP, LECTURE_FILTER, x=LECTURE_INPUT, x_name="the lecture's 5x5 input",
                       y_name="the lecture's activation map")
    assert "M (9×25)" in html and "M.T (25×9)" in html
    table_m, table_t = re.findall(r'<table class="mx">(.*?)</table>', html)
    rows = re.findall(r'<tr data-at="(\d)">(.*?)</tr>', table_m)
    assert [k for k, _ in rows] == [str(k) for k in range(9)]
    for k, (_, cells) in enumerate(rows):  # the 9 weights, bold, among 16 dimmed zeros; then M @ x
        tds = re.findall(r'<td class="([^"]*)"[^>]*>([^<]*)</td>', cells)
        assert [c for c, _ in tds].count("w") == 9 and [c for c, _ in tds].count("z") == 16
        assert [int(v) for _, v in tds[:25]] == M[k].tolist()
        assert tds[-1] == ("res", f"= {np.ravel(LECTURE_MAP)[k]}")
    assert numbers(re.search(r'<tr class="vec">(.*?)</tr>', table_m).group(1)) == [
        str(v) for v in LECTURE_INPUT.ravel()]
    assert ("M @ x.ravel() = 12, 12, 17, 10, 17, 19, 9, 6, 14: the lecture's activation map, row by row, the "
            "convolution of the lecture's 5x5 input.") in html_to_text(html)
    # M.T: column k lights up at step k; each row adds up to a cell of the transposed convolution
    body = re.search(r"<tbody>(.*)</tbody>", table_t).group(1)
    rows_t = re.findall(r"<tr>(.*?)</tr>", body)
    assert len(rows_t) == 25
    assert [re.findall(r'data-at="(\d)"', r) for r in rows_t[:1]] == [[str(k) for k in range(9)]]
    assert [numbers(r)[-1] for r in rows_t] == [f"= {v}" for v in np.ravel(LECTURE_UP)]
    assert "conv_matrix" in html and "<b>M @ x.ravel()</b> is the convolution" in html


@pytest.mark.parametrize("y, w, conv", [
    (LECTURE_MAP, LECTURE_FILTER, {"stride": 2, "padding": 1, "output_padding": 1}),
    ([[1, -2], [3, 4]], [[1, 2], [3, 4]], {"stride": 2}),
    ([[1, 2, 3], [4, 5, 6]], [[1, -1, 2], [0, 1, 3]], {"padding": 1}),
])
def test_m_transposed_times_the_input_is_the_player_s_output(y, w, conv):
    out = conv_transpose2d(y, w, **conv)
    M = conv_matrix(out.shape, w, stride=conv.get("stride", 1), padding=conv.get("padding", 0))
    assert np.array_equal(M.T @ np.ravel(y), out.ravel())
    html = matrix_html(y, w, **conv)
    assert "M @ x</th>" not in html  # no input x is known to have made y
    table_t = re.findall(r'<table class="mx">(.*?)</table>', html)[1]
    rows = re.findall(r"<tr>(.*?)</tr>", re.search(r"<tbody>(.*)</tbody>", table_t).group(1))
    assert [numbers(r)[-1] for r in rows] == [f"= {format_number(v)}" for v in out.ravel()]


def test_a_matrix_too_large_to_read_is_a_sentence():
    html = matrix_html(np.ones((5, 5), int), LECTURE_FILTER, stride=3)
    assert "<table" not in html and "Here M is 25×225: too large to read as a table" in html


def test_the_transposed_convolution_is_the_adjoint_not_the_inverse():
    # M.T @ (M @ x) is not x: the transposed convolution undoes the shape, not the numbers
    M = conv_matrix((5, 5), LECTURE_FILTER)
    back = (M.T @ (M @ LECTURE_INPUT.ravel())).reshape(5, 5)
    assert back.tolist() == LECTURE_UP and not np.array_equal(back, LECTURE_INPUT)
    assert conv2d(LECTURE_INPUT, LECTURE_FILTER).tolist() == LECTURE_MAP
