"""Convolution's relatives: grouped and depthwise, transposed, 1-D, and the convolution as a matrix.

Each against hand-worked numbers, its naive loops, an independent construction, and PyTorch when
it is installed.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cnnviz
from cnnviz import (
    conv1d,
    conv1d_naive,
    conv2d,
    conv2d_naive,
    conv_matrix,
    conv_output_size,
    conv_param_count,
    conv_transpose2d,
    conv_transpose2d_naive,
    conv_transpose_output_size,
)
from cnnviz.lecture.presets import LECTURE_FILTER, LECTURE_INPUT

seeds = st.integers(0, 2**32 - 1)


@st.composite
def geometries(draw, max_k=3):
    """A filter size, stride, padding and dilation per axis, and input sizes the dilated filter fits."""
    k = draw(st.tuples(st.integers(1, max_k), st.integers(1, max_k)))
    stride = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    padding = draw(st.tuples(st.integers(0, 2), st.integers(0, 2)))
    dilation = draw(st.tuples(st.integers(1, 2), st.integers(1, 2)))
    size = tuple(max(1, d * (kk - 1) + 1 - 2 * p + draw(st.integers(0, 5))) for kk, p, d in zip(k, padding, dilation))
    return size, k, {"stride": stride, "padding": padding, "dilation": dilation}


def output_padding(rng, kwargs) -> tuple[int, int]:
    """A random output padding that PyTorch allows: below the stride or the dilation, on each axis."""
    return tuple(int(rng.integers(0, max(s, d))) for s, d in zip(kwargs["stride"], kwargs["dilation"]))


def block_diagonal(w: np.ndarray, groups: int) -> np.ndarray:
    """Grouped filters ``(kh, kw, C // groups, F)`` as one ordinary bank ``(kh, kw, C, F)``: zero off the groups."""
    kh, kw, Cg, F = w.shape
    Fg = F // groups
    full = np.zeros((kh, kw, Cg * groups, F), dtype=w.dtype)
    for g in range(groups):
        full[:, :, g * Cg : (g + 1) * Cg, g * Fg : (g + 1) * Fg] = w[:, :, :, g * Fg : (g + 1) * Fg]
    return full


# -- grouped and depthwise convolution --------------------------------------------------------------

def test_depthwise_filters_each_channel_on_its_own():
    rng = np.random.default_rng(0)
    x = rng.integers(-5, 6, size=(6, 7, 3))
    w = rng.integers(-2, 3, size=(3, 3, 1, 3))  # one 3x3 filter per channel
    out = conv2d(x, w, [1, 2, 3], groups=3, padding=1)
    assert out.dtype == np.int64 and out.shape == (6, 7, 3)
    for c in range(3):
        assert np.array_equal(out[:, :, c], conv2d(x[:, :, c], w[:, :, 0, c], c + 1, padding=1))


def test_two_groups_by_hand():
    # Channels 0-1 form group 0 (filters 0-1), channels 2-3 group 1 (filters 2-3).
    x = np.stack([np.full((2, 2), v) for v in (1, 2, 3, 4)], axis=-1)  # (2, 2, 4), channel c holds c + 1
    w = np.ones((1, 1, 2, 4), dtype=int)
    w[0, 0, :, 1] = [10, 0]  # filter 1: 10 × channel 0
    w[0, 0, :, 3] = [0, 10]  # filter 3: 10 × channel 3
    assert conv2d(x, w, groups=2)[0, 0].tolist() == [1 + 2, 10, 3 + 4, 40]


def test_a_channel_multiplier_gives_each_channel_several_filters():
    # groups == C with F = 2C: two filters per channel, in order (channel 0's two, then channel 1's).
    rng = np.random.default_rng(1)
    x, w = rng.integers(-4, 5, size=(5, 5, 2)), rng.integers(-2, 3, size=(2, 2, 1, 4))
    out = conv2d(x, w, groups=2)
    for f in range(4):
        assert np.array_equal(out[:, :, f], conv2d(x[:, :, f // 2], w[:, :, 0, f]))


@settings(max_examples=40, deadline=None)
@given(seeds, geometries(), st.integers(1, 3), st.integers(1, 2), st.integers(1, 2), st.booleans())
def test_grouped_conv2d_matches_naive_loops_and_a_block_diagonal_bank(seed, geometry, groups, Cg, Fg, batch):
    (H, W), (kh, kw), kwargs = geometry
    rng = np.random.default_rng(seed)
    C, F = groups * Cg, groups * Fg
    x = rng.integers(-9, 10, size=((2,) if batch else ()) + (H, W, C))
    w = rng.integers(-3, 4, size=(kh, kw, Cg, F))
    b = rng.integers(-5, 6, size=F)
    out = conv2d(x, w, b, groups=groups, **kwargs)
    assert out.dtype == np.int64
    assert np.array_equal(out, conv2d_naive(x, w, b, groups=groups, **kwargs))
    assert np.array_equal(out, conv2d(x, block_diagonal(w, groups), b, **kwargs))
    assert out.shape[-3:] == (conv_output_size(H, kh, kwargs["stride"][0], kwargs["padding"][0], kwargs["dilation"][0]),
                              conv_output_size(W, kw, kwargs["stride"][1], kwargs["padding"][1], kwargs["dilation"][1]),
                              F)


@pytest.mark.parametrize("block_bytes", [1, 300, 1 << 18])
def test_grouped_blocks_of_rows_and_of_images_match_naive(block_bytes, monkeypatch):
    monkeypatch.setattr(cnnviz.kernel.conv, "_BLOCK_BYTES", block_bytes)
    rng = np.random.default_rng(block_bytes)
    x, w = rng.normal(size=(3, 9, 8, 4)), rng.normal(size=(3, 2, 2, 6))
    np.testing.assert_allclose(conv2d(x, w, 0.5, groups=2, padding=1, stride=(1, 2)),
                               conv2d_naive(x, w, 0.5, groups=2, padding=1, stride=(1, 2)), atol=1e-12)


def test_grouped_float32_stays_float32_and_groups_1_is_the_ordinary_convolution():
    rng = np.random.default_rng(2)
    x, w = rng.normal(size=(6, 6, 4)).astype(np.float32), rng.normal(size=(3, 3, 1, 4)).astype(np.float32)
    assert conv2d(x, w, groups=4).dtype == np.float32
    w1 = rng.normal(size=(3, 3, 4, 2))
    assert np.array_equal(conv2d(x, w1, groups=1), conv2d(x, w1))


def test_grouped_integers_fall_back_to_float_only_when_a_filter_could_overflow():
    x = np.full((2, 2, 2), 2**31)
    w = np.full((2, 2, 1, 2), 2**29)  # 4 × 2**31 × 2**29 = 2**62 per filter: fits
    assert conv2d(x, w, groups=2).dtype == np.int64
    assert conv2d(x, w * 2, groups=2).dtype == np.float64  # 2**63 does not


@pytest.mark.parametrize("call, words", [
    (lambda: conv2d(np.ones((4, 4, 3)), np.ones((2, 2, 1, 3)), groups=2),
     "3 input channel.* do not split into 2 groups"),
    (lambda: conv2d(np.ones((4, 4, 4)), np.ones((2, 2, 2, 3)), groups=2), "3 filter.* do not split into 2 groups"),
    (lambda: conv2d(np.ones((4, 4, 4)), np.ones((2, 2, 4, 2)), groups=2),
     "filter has 4 channel.* 2 groups have 2 each"),
    (lambda: conv2d(np.ones((4, 4, 4)), np.ones((2, 2, 4, 2)), groups=0), "groups must be at least 1"),
    (lambda: conv2d(np.ones((4, 4, 4)), np.ones((2, 2, 4, 2)), groups=True), "whole number"),
    (lambda: conv2d_naive(np.ones((4, 4, 2)), np.ones((2, 2, 1)), groups=2), "1 filter.* do not split"),
])
def test_groups_that_do_not_fit_say_why(call, words):
    with pytest.raises(ValueError, match=words):
        call()


# -- transposed convolution -------------------------------------------------------------------------

def test_each_input_cell_stamps_the_filter_and_overlaps_add_up():
    x, w = np.array([[1, 2], [3, 4]]), np.array([[1, 2], [3, 4]])
    # stride 2: the stamps tile the output without touching
    assert conv_transpose2d(x, w, stride=2).tolist() == [[1, 2, 2, 4], [3, 4, 6, 8], [3, 6, 4, 8], [9, 12, 12, 16]]
    # stride 1: each output cell adds up every stamp that reaches it; the middle gets all four
    assert conv_transpose2d(x, w).tolist() == [[1, 4, 4], [6, 20, 16], [9, 24, 16]]
    # padding 1 crops one cell from each side, output_padding 1 adds a row and a column back at the end
    assert conv_transpose2d(x, w, stride=2, padding=1).tolist() == [[4, 6], [6, 4]]
    assert conv_transpose2d(x, w, stride=2, padding=1, output_padding=1).tolist() == [[4, 6, 8], [6, 4, 8],
                                                                                       [12, 12, 16]]


def test_transposed_lecture_map_comes_back_to_the_input_grid():
    amap = conv2d(LECTURE_INPUT, LECTURE_FILTER)  # 5x5 -> 3x3
    back = conv_transpose2d(amap, LECTURE_FILTER)  # 3x3 -> 5x5
    assert back.shape == (5, 5) and back.dtype == np.int64
    assert back[0, 0] == amap[0, 0] * LECTURE_FILTER[0, 0]  # the corner sees one stamp only
    assert back[2, 2] == (amap * LECTURE_FILTER[::-1, ::-1]).sum()  # the centre sees all nine


@settings(max_examples=40, deadline=None)
@given(seeds, geometries(), st.integers(1, 3), st.integers(1, 3), st.booleans())
def test_conv_transpose2d_matches_naive_loops(seed, geometry, C, F, batch):
    (H, W), (kh, kw), kwargs = geometry
    rng = np.random.default_rng(seed)
    H, W = min(H, 5), min(W, 5)  # the transposed input is the small side
    kwargs["output_padding"] = output_padding(rng, kwargs)
    x = rng.integers(-9, 10, size=((2,) if batch else ()) + (H, W, C))
    w = rng.integers(-3, 4, size=(kh, kw, C, F))
    b = rng.integers(-5, 6, size=F)
    try:
        sizes = [conv_transpose_output_size(n, k, s, p, op, d) for n, k, s, p, op, d in zip(
            (H, W), (kh, kw), kwargs["stride"], kwargs["padding"], kwargs["output_padding"], kwargs["dilation"])]
    except ValueError:  # the padding crops everything
        with pytest.raises(ValueError, match="crops the whole output"):
            conv_transpose2d(x, w, b, **kwargs)
        return
    out = conv_transpose2d(x, w, b, **kwargs)
    assert out.dtype == np.int64 and out.flags.c_contiguous
    assert out.shape == ((2,) if batch else ()) + (*sizes, F)
    assert np.array_equal(out, conv_transpose2d_naive(x, w, b, **kwargs))


@settings(max_examples=40, deadline=None)
@given(seeds, geometries(), st.integers(1, 3), st.integers(1, 3))
def test_the_transposed_convolution_is_the_adjoint_of_conv2d(seed, geometry, C, F):
    # <conv2d(x, w), y> == <x, conv_transpose2d(y, w with C and F swapped)>, exactly in integers.
    (H, W), (kh, kw), kwargs = geometry
    rng = np.random.default_rng(seed)
    x = rng.integers(-9, 10, size=(2, H, W, C))
    w = rng.integers(-3, 4, size=(kh, kw, C, F))
    y = rng.integers(-9, 10, size=conv2d(x, w, **kwargs).shape)
    # the cells by which conv2d's size rounds down, added back so that the result has x's shape
    skipped = tuple((n + 2 * p - d * (k - 1) - 1) % s for n, k, s, p, d in
                    zip((H, W), (kh, kw), kwargs["stride"], kwargs["padding"], kwargs["dilation"]))
    back = conv_transpose2d(y, w.swapaxes(2, 3), output_padding=skipped, **kwargs)
    assert back.shape == x.shape
    assert int((conv2d(x, w, **kwargs) * y).sum()) == int((x * back).sum())
    # without output_padding the same, less those last rows and columns
    if H > skipped[0] and W > skipped[1]:  # (else the padding crops everything)
        short = conv_transpose2d(y, w.swapaxes(2, 3), **kwargs)
        assert np.array_equal(short, back[:, : H - skipped[0], : W - skipped[1]])


def test_the_input_gradient_of_conv2d_is_the_transposed_convolution():
    rng = np.random.default_rng(3)
    x, w = rng.normal(size=(2, 9, 8, 3)), rng.normal(size=(3, 3, 3, 4))
    dout = rng.normal(size=conv2d(x, w, stride=2, padding=1).shape)  # (2, 5, 4, 4): no row skipped, one column
    dx, _, _ = cnnviz.conv2d_backward(x, w, dout, stride=2, padding=1)
    np.testing.assert_allclose(dx, conv_transpose2d(dout, w.swapaxes(2, 3), stride=2, padding=1, output_padding=(0, 1)),
                               atol=1e-12)


def test_transposed_shapes_and_dtypes_follow_conv2d():
    rng = np.random.default_rng(4)
    assert conv_transpose2d(rng.normal(size=(3, 3)), rng.normal(size=(2, 2))).shape == (4, 4)
    assert conv_transpose2d(rng.normal(size=(3, 3, 2)), rng.normal(size=(2, 2, 2))).shape == (4, 4)
    assert conv_transpose2d(rng.normal(size=(5, 3, 3, 2)), rng.normal(size=(2, 2, 2, 6))).shape == (5, 4, 4, 6)
    f32 = rng.normal(size=(3, 3, 2)).astype(np.float32)
    assert conv_transpose2d(f32, np.ones((2, 2, 2), np.float32)).dtype == np.float32
    assert conv_transpose2d([[1, 2]], [[1]], 0.5).tolist() == [[1.5, 2.5]]
    assert conv_transpose2d([[2**62 - 1, 2**62 - 1]], [[1, 1]]).tolist() == [[2**62 - 1, 2**63 - 2, 2**62 - 1]]
    assert conv_transpose2d([[2**62, 0]], [[1, 1]], 2**62).dtype == np.float64


@pytest.mark.parametrize("call, words", [
    (lambda: conv_transpose2d(np.ones((3, 3)), np.ones((2, 2)), stride=2, output_padding=2),
     r"output padding \(2\) must be smaller than the stride \(2\) or the dilation \(1\)"),
    (lambda: conv_transpose2d(np.ones((3, 3)), np.ones((2, 2)), output_padding=1), "smaller than the stride"),
    (lambda: conv_transpose2d(np.ones((2, 2)), np.ones((2, 2)), padding=2), "crops the whole output"),
    (lambda: conv_transpose2d(np.ones((3, 3, 2)), np.ones((2, 2, 3, 1))), "channel"),
    (lambda: conv_transpose2d(np.ones((3, 3)), np.ones((2, 2)), stride=0), "stride must be at least 1"),
    (lambda: conv_transpose2d(np.ones((3, 3)), np.ones((2, 2)), output_padding=-1), "output padding"),
    (lambda: conv_transpose2d([[np.nan]], [[1]]), "NaN"),
    (lambda: conv_transpose2d_naive(np.ones((3, 3)), np.ones((2, 2)), [1, 2]), "bias"),
])
def test_bad_transposed_arguments_say_why(call, words):
    with pytest.raises(ValueError, match=words):
        call()


def test_output_padding_below_the_dilation_is_allowed_as_in_pytorch():
    out = conv_transpose2d(np.ones((2, 2), int), np.ones((2, 2), int), dilation=2, output_padding=1)
    assert out.shape == (5, 5) and out[4].tolist() == [0] * 5  # the added row: no stamp reaches it


# -- 1-D convolution --------------------------------------------------------------------------------

def test_moving_average_and_difference_by_hand():
    series = [3, 5, 4, 8, 6, 10]
    assert conv1d(series, [0.25] * 4).tolist() == [5.0, 5.75, 7.0]
    assert conv1d(series, [-1, 1]).tolist() == [2, -1, 4, -2, 4]
    assert conv1d(series, [1, 1, 1], stride=3).tolist() == [12, 24]
    assert conv1d(series, [1, 1], padding=1, dilation=2).tolist() == [5, 7, 13, 10, 18, 6]  # x[t - 1] + x[t + 1]
    assert conv1d(series, [1, 0, -1]).dtype == np.int64


def test_a_k_by_c_filter_is_one_filter_over_the_channels():
    x = np.array([[1, 10], [2, 20], [3, 30]])  # (L, C) = (3, 2): two channels per time step
    out = conv1d(x, [[1, 0], [0, 1]])  # (k, C): tap 0 reads channel 0, tap 1 reads channel 1
    assert out.shape == (2,) and out.tolist() == [1 + 20, 2 + 30]
    bank = conv1d(x[:, :1], [[[1, 0]], [[0, 1]]], [5, 7])  # (k, C, F) = (2, 1, 2): two filters on channel 0
    assert bank.tolist() == [[1 + 5, 2 + 7], [2 + 5, 3 + 7]]
    with pytest.raises(ValueError, match="channel"):  # a filter spans every channel of the input
        conv1d(x, [[[1, 0]], [[0, 1]]])


@settings(max_examples=40, deadline=None)
@given(seeds, st.integers(1, 4), st.integers(1, 3), st.integers(0, 2), st.integers(1, 2), st.integers(1, 3),
       st.sampled_from(["1", "L,C", "k,C", "N,L,C"]))
def test_conv1d_matches_naive_loops_and_conv2d_on_one_row(seed, k, stride, padding, dilation, C, form):
    rng = np.random.default_rng(seed)
    L = max(1, dilation * (k - 1) + 1 - 2 * padding + int(rng.integers(0, 8)))
    kwargs = {"stride": stride, "padding": padding, "dilation": dilation}
    x = rng.integers(-9, 10, size={"1": (L,), "L,C": (L, C), "k,C": (L, C), "N,L,C": (2, L, C)}[form])
    w = rng.integers(-3, 4, size={"1": (k,), "L,C": (k, C, 3), "k,C": (k, C), "N,L,C": (k, C, 3)}[form])
    out = conv1d(x, w, 2, **kwargs)
    assert out.dtype == np.int64
    assert np.array_equal(out, conv1d_naive(x, w, 2, **kwargs))
    L_out = conv_output_size(L, k, stride, padding, dilation)
    assert out.shape == {"1": (L_out,), "L,C": (L_out, 3), "k,C": (L_out,), "N,L,C": (2, L_out, 3)}[form]
    # the same numbers as conv2d on a sequence laid out as one row
    row = conv2d(x[..., None, :, :] if x.ndim > 1 else x[None], w[None], 2, stride=(1, stride),
                 padding=(0, padding), dilation=(1, dilation))
    assert np.array_equal(out, row[:, 0] if x.ndim == 3 else row[0])


@pytest.mark.parametrize("call, words", [
    (lambda: conv1d(np.ones((2, 3, 4, 5)), [1]), r"sequence \(L,\).*not 4-D"),
    (lambda: conv1d([1, 2, 3], np.ones((1, 1, 1, 1))), r"\(k,\), \(k, C\) or \(k, C, F\)"),
    (lambda: conv1d([1, 2, 3], [1, 1, 1, 1]), r"filter \(4\) is larger than the padded input \(3\)"),
    (lambda: conv1d([1, 2, 3], [1, 1], dilation=3), "dilated to 4"),
    (lambda: conv1d([1, 2, 3], [1], stride=(1, 2)), "stride must be a whole number"),
    (lambda: conv1d([], [1]), "at least one cell"),
    (lambda: conv1d_naive([1, 2, np.inf], [1]), "infinite"),
])
def test_bad_1d_arguments_say_why_in_one_dimension(call, words):
    with pytest.raises(ValueError, match=words):
        call()


# -- the convolution as a matrix --------------------------------------------------------------------

def test_the_lecture_convolution_is_a_9_by_25_matrix():
    m = conv_matrix(LECTURE_INPUT.shape, LECTURE_FILTER)
    assert m.shape == (9, 25) and m.dtype == np.int64
    assert (m @ LECTURE_INPUT.ravel()).reshape(3, 3).tolist() == [[12, 12, 17], [10, 17, 19], [9, 6, 14]]
    for row, (r, q) in zip(m, np.ndindex(3, 3)):
        grid = row.reshape(5, 5).copy()
        assert grid[r : r + 3, q : q + 3].tolist() == LECTURE_FILTER.tolist()  # the 9 weights under the window
        grid[r : r + 3, q : q + 3] = 0
        assert not grid.any()  # and 16 zeros elsewhere
    # its transpose takes the map back: the transposed convolution
    assert np.array_equal(m.T @ m @ LECTURE_INPUT.ravel(),
                          conv_transpose2d(conv2d(LECTURE_INPUT, LECTURE_FILTER), LECTURE_FILTER).ravel())


@settings(max_examples=40, deadline=None)
@given(seeds, geometries())
def test_conv_matrix_is_conv2d_and_its_transpose_the_transposed_convolution(seed, geometry):
    (H, W), (kh, kw), kwargs = geometry
    rng = np.random.default_rng(seed)
    x, w = rng.integers(-9, 10, size=(H, W)), rng.integers(-3, 4, size=(kh, kw))
    m = conv_matrix((H, W), w, **kwargs)
    out = conv2d(x, w, **kwargs)
    assert m.shape == (out.size, x.size)
    assert np.array_equal(m @ x.ravel(), out.ravel())
    y = rng.integers(-9, 10, size=out.shape)
    skipped = tuple((n + 2 * p - d * (k - 1) - 1) % s for n, k, s, p, d in
                    zip((H, W), (kh, kw), kwargs["stride"], kwargs["padding"], kwargs["dilation"]))
    back = conv_transpose2d(y, w, output_padding=skipped, **kwargs)
    assert np.array_equal(m.T @ y.ravel(), back.ravel())
    if H > skipped[0] and W > skipped[1]:  # (else the padding crops everything)
        short = conv_transpose2d(y, w, **kwargs)  # without output_padding: less those last rows and columns
        assert np.array_equal(short, back[: H - skipped[0], : W - skipped[1]])


def test_conv_matrix_refuses_what_it_cannot_write():
    with pytest.raises(ValueError, match=r"one filter \(kh, kw\)"):
        conv_matrix((5, 5), np.ones((3, 3, 2)))
    with pytest.raises(ValueError, match="larger than the padded input"):
        conv_matrix((2, 2), np.ones((3, 3)))
    with pytest.raises(ValueError, match="input size"):
        conv_matrix((5, 5, 5), np.ones((3, 3)))
    assert conv_matrix((3, 3), [[0.5]]).dtype == np.float64 and conv_matrix(3, [[1]]).shape == (9, 9)


# -- sizes and parameter counts ---------------------------------------------------------------------

def test_a_depthwise_separable_convolution_has_far_fewer_parameters():
    depthwise = conv_param_count(3, 3, 32, 32, groups=32)  # (3×3×1 + 1)×32
    pointwise = conv_param_count(1, 1, 32, 64)  # (1×1×32 + 1)×64
    assert (depthwise, pointwise, depthwise + pointwise) == (320, 2_112, 2_432)
    assert conv_param_count(3, 3, 32, 64) == 18_496
    assert conv_param_count(3, 3, 32, 64, groups=4) == (3 * 3 * 8 + 1) * 64
    assert conv_param_count(3, 3, 32, 64, bias=False, groups=32) == 3 * 3 * 64


@pytest.mark.parametrize("call, words", [
    (lambda: conv_param_count(3, 3, 32, 64, groups=3), "32 input channel.* do not split into 3 groups"),
    (lambda: conv_param_count(3, 3, 32, 48, groups=32), "48 filter.* do not split into 32 groups"),
    (lambda: conv_param_count(3, 3, 32, 64, groups=0), "at least 1"),
    (lambda: conv_transpose_output_size(4, 3, stride=2, output_padding=2), "smaller than the stride"),
    (lambda: conv_transpose_output_size(1, 1, padding=1), "crops the whole output"),
])
def test_bad_counts_and_sizes_say_why(call, words):
    with pytest.raises(ValueError, match=words):
        call()


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.integers(1, 5), st.integers(1, 4), st.integers(0, 3), st.integers(1, 3))
def test_the_transposed_size_undoes_the_convolutions(n, k, stride, padding, dilation):
    # A strided convolution maps `stride` input sizes onto one output size; output_padding picks which.
    if dilation * (k - 1) + 1 > n + 2 * padding:
        return
    out = conv_output_size(n, k, stride, padding, dilation)
    skipped = (n + 2 * padding - dilation * (k - 1) - 1) % stride
    assert conv_transpose_output_size(out, k, stride, padding, skipped, dilation) == n
    if n > skipped:  # (else the padding crops everything)
        assert conv_transpose_output_size(out, k, stride, padding, 0, dilation) == n - skipped


def test_public_relatives_are_importable():
    for name in ["conv1d", "conv1d_naive", "conv_transpose2d", "conv_transpose2d_naive", "conv_matrix",
                 "conv_transpose_output_size"]:
        assert callable(getattr(cnnviz, name)) and name in cnnviz.__all__ and name in cnnviz.kernel.__all__


# -- PyTorch, when it is installed ------------------------------------------------------------------

@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch is optional: a second reference")


def nchw(a: np.ndarray, torch):
    """``(N, H, W, C)`` -> a contiguous ``(N, C, H, W)`` tensor."""
    return torch.tensor(np.ascontiguousarray(a.transpose(0, 3, 1, 2)))


@pytest.mark.parametrize("seed", range(12))
def test_grouped_conv2d_matches_torch(torch, seed):
    rng = np.random.default_rng(1200 + seed)
    groups, Cg, Fg = (int(v) for v in rng.integers(1, 4, size=3))
    kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
    kwargs = {name: tuple(int(v) for v in rng.integers(lo, hi, size=2))
              for name, lo, hi in (("stride", 1, 4), ("padding", 0, 3), ("dilation", 1, 3))}
    H, W = (d * (k - 1) + 1 + int(rng.integers(0, 6)) for d, k in zip(kwargs["dilation"], (kh, kw)))
    x = rng.normal(size=(2, H, W, groups * Cg))
    w, b = rng.normal(size=(kh, kw, Cg, groups * Fg)), rng.normal(size=groups * Fg)
    wt = torch.tensor(np.ascontiguousarray(w.transpose(3, 2, 0, 1)))  # (F, C // groups, kh, kw)
    ref = torch.nn.functional.conv2d(nchw(x, torch), wt, torch.tensor(b), groups=groups, **kwargs)
    np.testing.assert_allclose(conv2d(x, w, b, groups=groups, **kwargs), ref.numpy().transpose(0, 2, 3, 1), atol=1e-10)


@pytest.mark.parametrize("seed", range(12))
def test_conv_transpose2d_matches_torch(torch, seed):
    rng = np.random.default_rng(1300 + seed)
    C, F = (int(v) for v in rng.integers(1, 4, size=2))
    kh, kw = (int(v) for v in rng.integers(1, 5, size=2))
    kwargs = {name: tuple(int(v) for v in rng.integers(lo, hi, size=2))
              for name, lo, hi in (("stride", 1, 4), ("padding", 0, 2), ("dilation", 1, 3))}
    kwargs["output_padding"] = output_padding(rng, kwargs)
    x = rng.normal(size=(2, int(rng.integers(2, 6)), int(rng.integers(2, 6)), C))
    w, b = rng.normal(size=(kh, kw, C, F)), rng.normal(size=F)
    wt = torch.tensor(np.ascontiguousarray(w.transpose(2, 3, 0, 1)))  # (C, F, kh, kw): PyTorch's in, out
    ref = torch.nn.functional.conv_transpose2d(nchw(x, torch), wt, torch.tensor(b), **kwargs)
    np.testing.assert_allclose(conv_transpose2d(x, w, b, **kwargs), ref.numpy().transpose(0, 2, 3, 1), atol=1e-10)


@pytest.mark.parametrize("seed", range(12))
def test_conv1d_matches_torch(torch, seed):
    rng = np.random.default_rng(1400 + seed)
    C, F, k = (int(v) for v in rng.integers(1, 4, size=3))
    stride, padding, dilation = int(rng.integers(1, 4)), int(rng.integers(0, 3)), int(rng.integers(1, 3))
    x = rng.normal(size=(2, dilation * (k - 1) + 1 + int(rng.integers(0, 10)), C))  # (N, L, C)
    w, b = rng.normal(size=(k, C, F)), rng.normal(size=F)
    ref = torch.nn.functional.conv1d(torch.tensor(np.ascontiguousarray(x.transpose(0, 2, 1))),
                                     torch.tensor(np.ascontiguousarray(w.transpose(2, 1, 0))), torch.tensor(b),
                                     stride=stride, padding=padding, dilation=dilation)  # (N, F, L_out)
    np.testing.assert_allclose(conv1d(x, w, b, stride=stride, padding=padding, dilation=dilation),
                               ref.numpy().transpose(0, 2, 1), atol=1e-10)


def test_parameter_counts_equal_the_layers_numel(torch):
    nn = torch.nn

    def numel(layer):
        return sum(p.numel() for p in layer.parameters())

    assert numel(nn.Conv2d(32, 32, 3, groups=32)) + numel(nn.Conv2d(32, 64, 1)) == 2_432
    assert numel(nn.Conv2d(32, 64, 3)) == 18_496
    for kh, kw, c_in, f, groups, bias in [(3, 3, 32, 64, 4, True), (5, 3, 6, 6, 6, False), (1, 1, 8, 16, 2, True)]:
        assert conv_param_count(kh, kw, c_in, f, bias, groups) == numel(
            nn.Conv2d(c_in, f, (kh, kw), groups=groups, bias=bias))
        # a transposed convolution from c_in to f channels holds as many
        assert conv_param_count(kh, kw, c_in, f, bias) == numel(nn.ConvTranspose2d(c_in, f, (kh, kw), bias=bias))
    assert conv_param_count(1, 5, 3, 7) == numel(nn.Conv1d(3, 7, 5))
