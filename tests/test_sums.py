"""The written sum: one structured form, the same words as HTML (the player) and as plain text (GIF frames)."""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from cnnviz.lecture.presets import LECTURE_FILTER, LECTURE_INPUT
from cnnviz.views.sums import FOLD_AT, Zeros, html_to_text, sum_html, sum_text, written_sum

def test_the_lecture_window_as_text():
    s = written_sum(LECTURE_INPUT[:3, :3], LECTURE_FILTER)
    assert sum_text(s).splitlines() == [
        "Output cell row 1, column 1:",
        "3₀ 3₁ 2₂",
        "0₂ 0₂ 1₀",
        "3₀ 1₁ 2₂",
        "= 3×0 + 3×1 + 2×2 + 0×2 + 0×2 + 1×0 + 3×0 + 1×1 + 2×2",
        "= 0 + 3 + 4 + 0 + 0 + 0 + 0 + 1 + 4 = 12",
    ]


def test_negative_products_are_subtracted_and_the_bias_is_labelled():
    text = sum_text(written_sum([[3, 2]], [[-2, 1]], bias=-20, relu=True, out=(1, 2)))
    assert "Output cell row 2, column 3:" in text
    assert "= 3×(−2) + 2×1" in text
    assert "= −6 + 2 + (−20) bias = −24" in text  # the real minus, the bias in brackets with its label
    assert text.endswith("→ ReLU: max(0, −24) = 0")
    assert "-" not in text  # never a hyphen for a minus


def test_a_long_run_of_zero_products_is_folded():
    x = np.zeros((7, 7), dtype=int)
    x[0, 0], x[6, 6] = 2, 3
    s = written_sum(x, np.ones((7, 7), dtype=int))
    terms = s.parts[0].terms
    assert [t.count for t in terms if isinstance(t, Zeros)] == [47]
    assert "= 2 + 0 × 47 cells + 3 = 5" in sum_text(s)
    short = written_sum(np.zeros((1, FOLD_AT - 1), dtype=int), np.ones((1, FOLD_AT - 1), dtype=int))
    assert not any(isinstance(t, Zeros) for t in short.parts[0].terms)  # a short run stays written out


def test_channels_add_their_partial_sums_and_one_bias():
    rng = np.random.default_rng(1)
    v, w = rng.integers(0, 5, (3, 3, 3)), rng.integers(-2, 3, (3, 3, 3))
    s = written_sum(v, w, bias=-4, names="RGB")
    partials = [(v[:, :, c] * w[:, :, c]).sum() for c in range(3)]
    assert [p.total for p in s.parts] == partials and s.total == sum(partials) - 4
    lines = sum_text(s).splitlines()
    assert [line[:2] for line in lines[1:4]] == ["R:", "G:", "B:"]  # 27 products: written out per channel
    assert lines[4].startswith("R + G + B + bias = ") and lines[4].endswith(f"= {s.total}".replace("-", "−"))


def test_a_large_window_writes_only_the_partial_sums():
    v, w = np.ones((5, 5, 3), dtype=int), np.ones((5, 5, 3), dtype=int)
    s = written_sum(v, w, bias=1, names="RGB")
    assert all(p.terms == () and p.values is None for p in s.parts)
    assert sum_text(s).splitlines()[1:] == ["R + G + B + bias = 25 + 25 + 25 + 1 = 76"]


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(-9, 9), st.booleans(), st.integers(0, 99))
def test_html_and_text_say_the_same(kh, kw, C, bias, relu, seed):
    rng = np.random.default_rng(seed)
    v, w = rng.integers(-3, 4, (kh, kw, C)), rng.integers(-2, 3, (kh, kw, C))
    if C == 1:
        v, w = v[:, :, 0], w[:, :, 0]
    s = written_sum(v, w, bias, relu=relu, names="RGB")
    assert html_to_text(sum_html(s)) == sum_text(s)
    assert s.total == (v * w).sum() + bias


def test_average_pooling_subtracts_a_negative_value():
    from cnnviz.views.pool import pool_step_html

    assert "(1 − 2 + 3 + 4) / 4 = 6 / 4 = " in pool_step_html([[1, -2], [3, 4]], "avg")
