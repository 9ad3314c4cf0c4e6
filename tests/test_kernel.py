"""The kernel against the lecture's hand-worked examples and naive loops."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cnnviz
from cnnviz import (
    conv2d, conv2d_naive, conv_output_size, conv_param_count, conv_trace, dense_param_count,
    pool2d, pool2d_naive, pool_output_size, pool_trace,
)

LECTURE_X = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
LECTURE_W = [[0, 1, 2], [2, 2, 0], [0, 1, 2]]
POOL_X = [[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]


# -- the lecture, by hand -------------------------------------------------------------------------

def test_lecture_activation_map_is_exact_integers():
    out = conv2d(LECTURE_X, LECTURE_W)
    assert out.dtype.kind == "i"
    assert out.tolist() == [[12, 12, 17], [10, 17, 19], [9, 6, 14]]


def test_lecture_padding_1_stride_2():
    assert conv2d(LECTURE_X, LECTURE_W, padding=1, stride=2).tolist() == [[6, 17, 3], [8, 17, 13], [6, 4, 4]]


def test_first_window_by_hand():
    # 3×0 + 3×1 + 2×2 + 0×2 + 0×2 + 1×0 + 3×0 + 1×1 + 2×2 = 12
    step = conv_trace(LECTURE_X, LECTURE_W)[0]
    assert step.rows == (0, 1, 2) and step.cols == (0, 1, 2)
    assert step.products[:, :, 0].tolist() == [[0, 3, 4], [0, 0, 0], [0, 1, 4]]
    assert step.total == 12


def test_volume_shape_and_parameters():
    x = np.random.default_rng(0).random((32, 32, 3))
    w = np.random.default_rng(1).random((5, 5, 3, 6))
    assert conv2d(x, w).shape == (28, 28, 6)
    assert conv_param_count(5, 5, 3, 10) == 760
    assert conv_output_size(227, 11, stride=4) == 55
    assert conv_param_count(11, 11, 3, 96) == 34_944
    assert dense_param_count(3072, 4704) == 14_455_392


def test_lecture_max_pooling():
    assert pool2d(POOL_X).tolist() == [[6, 8], [3, 4]]
    assert pool2d(POOL_X, mode="avg").tolist() == [[3.25, 5.25], [2.0, 2.0]]


def test_pooling_each_map_on_its_own():
    x = np.random.default_rng(2).normal(size=(28, 28, 6))
    out = pool2d(x)
    assert out.shape == (14, 14, 6)
    for c in range(6):
        np.testing.assert_array_equal(out[:, :, c], pool2d(x[:, :, c]))


def test_pool_trace_winner_and_tie_rule():
    steps = pool_trace(POOL_X)
    assert [s.winner for s in steps] == [(1, 1), (1, 3), (2, 0), (3, 3)]
    assert [s.result for s in steps] == [6, 8, 3, 4]
    # ties: the first cell in reading order wins
    assert pool_trace([[5, 5], [5, 5]])[0].winner == (0, 0)
    assert pool_trace([[1, 7], [7, 2]])[0].winner == (0, 1)


def test_stride_that_does_not_divide_rounds_down():
    x = np.arange(36).reshape(6, 6)
    assert conv2d(x, np.ones((3, 3), int), stride=2).shape == (2, 2)
    assert pool2d(np.arange(25).reshape(5, 5)).shape == (2, 2)


def test_bias_per_filter_and_scalar():
    x = np.ones((4, 4, 2))
    w = np.ones((3, 3, 2, 3))
    out = conv2d(x, w, [1, 2, 3])
    assert out[0, 0].tolist() == [19, 20, 21]
    assert conv2d(x, w, 5)[0, 0].tolist() == [23, 23, 23]


# -- bad input says so ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: conv2d(np.ones((5, 5, 3)), np.ones((3, 3))), "channel"),
        (lambda: conv2d(np.ones((3, 3)), np.ones((5, 5))), "larger than the padded input"),
        (lambda: conv2d(np.ones((3, 3)), np.ones((3, 3)), dilation=2), "dilated"),
        (lambda: conv2d(np.ones((5, 5)), np.ones((3, 3)), stride=0), "stride"),
        (lambda: conv2d(np.ones((5, 5)), np.ones((3, 3)), padding=-1), "padding"),
        (lambda: conv2d(np.ones((5, 5)), np.ones((3, 3)), dilation=0), "dilation"),
        (lambda: conv2d([[1, np.nan], [1, 1]], [[1]]), "NaN"),
        (lambda: conv2d([[1, np.inf], [1, 1]], [[1]]), "infinite"),
        (lambda: conv2d([["a", 1], [1, 1]], [[1]]), "number"),
        (lambda: conv2d([[1j, 1], [1, 1]], [[1]]), "real numbers, not complex"),
        (lambda: pool2d(np.ones((4, 4)), mode=np.str_("mean")), "mode 'mean'"),
        (lambda: conv2d(np.ones((4, 4, 2)), np.ones((3, 3, 2, 3)), [1, 2]), "bias"),
        (lambda: pool2d(np.ones((4, 4)), mode="median"), "mode"),
        (lambda: pool2d(np.ones((4, 4)), size=5), "larger"),
        (lambda: pool2d(np.ones((4, 4)), size=0), "at least 1"),
        (lambda: conv_output_size(3, 5), "larger"),
        (lambda: pool_output_size(3, 5), "larger"),
    ],
)
def test_bad_input_raises_a_readable_value_error(call, words):
    with pytest.raises(ValueError, match=words):
        call()


def test_huge_integers_do_not_overflow():
    big = 10**15
    out = conv2d([[big, big], [big, big]], [[big]])
    assert out[0, 0] == pytest.approx(1e30)


# -- fast against naive -----------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(25))
def test_conv2d_matches_naive_on_random_shapes(seed):
    rng = np.random.default_rng(seed)
    C, F = rng.integers(1, 4), rng.integers(1, 4)
    kh, kw = rng.integers(1, 5, size=2)
    sh, sw = rng.integers(1, 4, size=2)
    ph, pw = rng.integers(0, 3, size=2)
    dh, dw = rng.integers(1, 3, size=2)
    H = int(dh * (kh - 1) + 1 + rng.integers(0, 8))
    W = int(dw * (kw - 1) + 1 + rng.integers(0, 8))
    x = rng.normal(size=(H, W, C))
    w = rng.normal(size=(kh, kw, C, F))
    b = rng.normal(size=F)
    kwargs = dict(stride=(sh, sw), padding=(ph, pw), dilation=(dh, dw))
    np.testing.assert_allclose(conv2d(x, w, b, **kwargs), conv2d_naive(x, w, b, **kwargs), atol=1e-10)
    assert conv2d(x, w, b, **kwargs).shape == (
        conv_output_size(H, kh, sh, ph, dh), conv_output_size(W, kw, sw, pw, dw), F)


@pytest.mark.parametrize("seed", range(15))
def test_pool2d_matches_naive_on_random_shapes(seed):
    rng = np.random.default_rng(100 + seed)
    size = tuple(int(v) for v in rng.integers(1, 4, size=2))
    stride = tuple(int(v) for v in rng.integers(1, 4, size=2))
    x = rng.integers(-9, 10, size=(size[0] + int(rng.integers(0, 7)), size[1] + int(rng.integers(0, 7)), 3))
    for mode in ("max", "avg"):
        np.testing.assert_allclose(pool2d(x, size, stride, mode), pool2d_naive(x, size, stride, mode))


def test_trace_totals_equal_conv2d():
    rng = np.random.default_rng(7)
    x, w = rng.integers(-3, 4, size=(7, 6, 2)), rng.integers(-2, 3, size=(3, 2, 2))
    out = conv2d(x, w, 4, stride=2, padding=1, dilation=(1, 2))
    steps = conv_trace(x, w, 4, stride=2, padding=1, dilation=(1, 2))
    assert [s.total for s in steps] == out.ravel().tolist()


# -- properties -------------------------------------------------------------------------------------

shapes = st.tuples(st.integers(1, 9), st.integers(1, 9), st.integers(1, 4), st.integers(1, 4),
                   st.integers(1, 3), st.integers(0, 2), st.integers(1, 2))


@settings(max_examples=60, deadline=None)
@given(shapes, st.integers(0, 2**32 - 1))
def test_output_size_formula(shape, seed):
    H, W, kh, kw, s, p, d = shape
    span = d * (kh - 1) + 1
    if span > H + 2 * p or d * (kw - 1) + 1 > W + 2 * p:
        with pytest.raises(ValueError):
            conv2d(np.ones((H, W)), np.ones((kh, kw)), stride=s, padding=p, dilation=d)
        return
    out = conv2d(np.ones((H, W)), np.ones((kh, kw)), stride=s, padding=p, dilation=d)
    assert out.shape == ((H + 2 * p - span) // s + 1, (W + 2 * p - d * (kw - 1) - 1) // s + 1)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(-5, 5), st.integers(-5, 5))
def test_linear_in_the_filter(seed, a, b):
    rng = np.random.default_rng(seed)
    x = rng.integers(-9, 10, size=(6, 7, 2))
    w1, w2 = rng.integers(-3, 4, size=(2, 3, 3, 2, 2))
    assert np.array_equal(conv2d(x, a * w1 + b * w2), a * conv2d(x, w1) + b * conv2d(x, w2))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 3), st.integers(0, 3))
def test_translation_equivariance(seed, dy, dx):
    # Shifting the input shifts the activation map by the same amount (away from the borders).
    rng = np.random.default_rng(seed)
    x = np.zeros((14, 14), dtype=np.int64)
    x[2:7, 2:7] = rng.integers(-5, 6, size=(5, 5))
    w = rng.integers(-2, 3, size=(3, 3))
    shifted = np.roll(x, (dy, dx), axis=(0, 1))
    expected = np.roll(conv2d(x, w), (dy, dx), axis=(0, 1))
    assert np.array_equal(conv2d(shifted, w), expected)


def test_public_contract_is_importable():
    for name in ["conv2d", "pool2d", "conv_output_size", "pool_output_size", "conv_param_count",
                 "dense_param_count"]:
        assert callable(getattr(cnnviz, name))


# -- dtypes and the blocked fast path ---------------------------------------------------------------

@pytest.mark.parametrize("b", [None, 1, [0.5, -2.0]])
def test_float32_stays_float32(b):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(9, 8, 3)).astype(np.float32)
    w = rng.normal(size=(3, 3, 3, 2)).astype(np.float32)
    out = conv2d(x, w, b, padding=1)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, conv2d_naive(x.astype(np.float64), w.astype(np.float64), b, padding=1),
                               rtol=1e-5, atol=1e-5)
    assert pool2d(x).dtype == np.float32 and pool2d(x, mode="avg").dtype == np.float32


def test_fractional_bias_on_integers_gives_floats():
    out = conv2d(LECTURE_X, LECTURE_W, 0.5)
    assert out.dtype.kind == "f" and out.tolist()[0] == [12.5, 12.5, 17.5]
    assert conv2d(LECTURE_X, LECTURE_W, 2).dtype.kind == "i"


@pytest.mark.parametrize("seed", range(8))
def test_conv2d_blocks_of_rows_match_naive(seed, monkeypatch):
    # Tiny blocks: the output rows are computed a few at a time, as on large images.
    monkeypatch.setattr(cnnviz.kernel.conv, "_BLOCK_BYTES", int(np.random.default_rng(seed).integers(1, 600)))
    rng = np.random.default_rng(200 + seed)
    C, F = rng.integers(1, 4), rng.integers(1, 5)
    kh, kw = rng.integers(1, 4, size=2)
    stride, padding, dilation = (tuple(int(v) for v in rng.integers(lo, hi, size=2)) for lo, hi in
                                 ((1, 3), (0, 3), (1, 3)))
    x = rng.integers(-9, 10, size=(int(rng.integers(9, 16)), int(rng.integers(9, 16)), C))
    w = rng.integers(-3, 4, size=(kh, kw, C, F))
    b = rng.integers(-5, 6, size=F)
    kwargs = dict(stride=stride, padding=padding, dilation=dilation)
    out = conv2d(x, w, b, **kwargs)
    assert out.dtype.kind == "i"
    assert np.array_equal(out, conv2d_naive(x, w, b, **kwargs))


def test_a_result_is_its_own_memory_after_later_calls():
    # The im2col buffer is kept for the next call: no result may be a view of it.
    rng = np.random.default_rng(5)
    x, w = rng.normal(size=(9, 9, 2)), rng.normal(size=(3, 3, 2, 4))
    first = conv2d(x, w)
    kept = first.copy()
    conv2d(rng.normal(size=(9, 9, 2)), w)
    conv2d(rng.integers(-5, 6, size=(9, 9, 2)), rng.integers(-2, 3, size=(3, 3, 2, 4)))
    assert np.array_equal(first, kept)


def test_conv2d_accepts_views_and_read_only_input():
    rng = np.random.default_rng(4)
    big = rng.integers(-5, 6, size=(12, 14, 3))
    w = rng.integers(-2, 3, size=(3, 3, 3, 2))
    for x in (big[2:10, 1:12], big[::2, ::-1], big[:, :, 1]):
        wx = w if x.ndim == 3 else w[:, :, :1]
        assert np.array_equal(conv2d(x, wx, padding=1), conv2d_naive(x, wx, padding=1))
    ro = big[:, :, 0].copy()  # one channel, contiguous: used in place, never written
    ro.flags.writeable = False
    assert np.array_equal(conv2d(ro, w[:, :, :1]), conv2d_naive(ro, w[:, :, :1]))
    assert np.array_equal(ro, big[:, :, 0])


@pytest.mark.parametrize("seed", range(8))
def test_pool2d_blocks_of_rows_match_naive(seed, monkeypatch):
    # Tiny blocks: the output rows are pooled a few at a time, as on large activation maps.
    rng = np.random.default_rng(300 + seed)
    monkeypatch.setattr(cnnviz.kernel.pool, "_BLOCK_BYTES", int(rng.integers(1, 400)))
    size = tuple(int(v) for v in rng.integers(1, 4, size=2))
    stride = tuple(int(v) for v in rng.integers(1, 4, size=2))
    C = int(rng.choice([1, 3, 12]))  # few channels and many take different loops
    x = rng.integers(-9, 10, size=(size[0] + int(rng.integers(0, 9)), size[1] + int(rng.integers(0, 9)), C))
    for arr in (x, x[:, :, 0], x.astype(np.float32)):
        for mode in ("max", "avg"):
            out = pool2d(arr, size, stride, mode)
            np.testing.assert_allclose(out, pool2d_naive(arr, size, stride, mode), rtol=1e-6)
            assert out.dtype == (arr.dtype if mode == "max" or arr.dtype.kind == "f" else np.float64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_nan_or_infinity_is_caught_and_large_values_are_not(dtype):
    huge = np.finfo(dtype).max / 2  # its square overflows: still a valid number
    x = np.full((5, 5, 2), huge, dtype=dtype)
    assert pool2d(x)[0, 0, 0] == huge
    assert conv2d(x, np.ones((1, 1, 2), dtype=dtype) / 4)[0, 0] == pytest.approx(huge / 2)
    for bad in (np.nan, np.inf, -np.inf):
        y = x.copy()
        y[4, 4, 1] = bad  # a cell that 2x2 pooling does not even reach
        with pytest.raises(ValueError, match="NaN|infinite"):
            pool2d(y)
        with pytest.raises(ValueError, match="NaN|infinite"):
            conv2d(y, np.ones((3, 3, 2), dtype=dtype))


def test_integer_dot_products_that_would_overflow_int64_switch_to_float():
    v = 2**24 - 1
    out = conv2d(np.full((3, 3, 4096), v), np.full((3, 3, 4096), v))
    assert out.dtype.kind == "f"
    assert out[0, 0] == pytest.approx(9 * 4096 * v * v)


@pytest.mark.parametrize("arg", ["stride", "padding", "dilation"])
def test_a_boolean_is_not_a_size(arg):
    with pytest.raises(ValueError, match="whole number"):
        conv2d(np.ones((4, 4)), np.ones((2, 2)), **{arg: True})


# -- a leading batch axis ---------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([1, 50, 1 << 18]))
def test_conv2d_of_a_batch_is_each_image_on_its_own(seed, block_bytes):
    rng = np.random.default_rng(seed)
    N, C, F = (int(v) for v in rng.integers(1, 4, size=3))
    kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
    kwargs = {"stride": int(rng.integers(1, 3)), "padding": int(rng.integers(0, 2)),
              "dilation": int(rng.integers(1, 3))}
    span = kwargs["dilation"] * (max(kh, kw) - 1) + 1
    x = rng.integers(-9, 10, size=(N, span + int(rng.integers(0, 6)), span + int(rng.integers(0, 6)), C))
    w = rng.integers(-3, 4, size=(kh, kw, C, F))
    b = rng.integers(-5, 6, size=F)
    with pytest.MonkeyPatch.context() as mp:  # blocks of a few rows, of one image, of many images
        mp.setattr(cnnviz.kernel.conv, "_BLOCK_BYTES", block_bytes)
        out = conv2d(x, w, b, **kwargs)
    assert out.shape == (N, *conv2d(x[0], w, **kwargs).shape[:2], F) and out.flags.c_contiguous
    assert np.array_equal(out, np.stack([conv2d(x[n], w, b, **kwargs) for n in range(N)]))
    assert np.array_equal(out, conv2d_naive(x, w, b, **kwargs))
    # one filter without an F axis: (N, H_out, W_out)
    assert np.array_equal(conv2d(x, w[..., 0], b[0], **kwargs), out[..., 0])


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["max", "avg"]))
def test_pool2d_of_a_batch_is_each_image_on_its_own(seed, mode):
    rng = np.random.default_rng(seed)
    size = tuple(int(v) for v in rng.integers(1, 4, size=2))
    stride = tuple(int(v) for v in rng.integers(1, 4, size=2))
    # Sometimes the windows tile the rows exactly (the batch is pooled as one tall image), sometimes not.
    H = stride[0] * int(rng.integers(1, 4)) if rng.random() < 0.5 else size[0] + int(rng.integers(0, 6))
    H = max(H, size[0])
    x = rng.integers(-9, 10, size=(int(rng.integers(1, 5)), H, size[1] + int(rng.integers(0, 6)),
                                   int(rng.choice([1, 3, 9]))))
    out = pool2d(x, size, stride, mode)
    assert out.shape == (x.shape[0], *pool2d(x[0], size, stride, mode).shape[:2], x.shape[3])
    np.testing.assert_allclose(out, np.stack([pool2d(img, size, stride, mode) for img in x]))
    np.testing.assert_allclose(out, pool2d_naive(x, size, stride, mode))


def test_a_3d_input_is_one_volume_and_a_batch_of_grids_has_one_channel():
    rng = np.random.default_rng(11)
    grids = rng.integers(0, 9, size=(4, 6, 6))
    with pytest.raises(ValueError, match="channel"):  # (H, W, C) with C = 6, not 4 grids
        conv2d(grids, np.ones((3, 3), int))
    out = conv2d(grids[..., None], np.ones((3, 3), int))  # (N, H, W, 1): a batch of 4 grids
    assert out.shape == (4, 4, 4)
    assert np.array_equal(out[2], conv2d(grids[2], np.ones((3, 3), int)))
    assert pool2d(grids).shape == (2, 3, 6) and pool2d(grids[..., None]).shape == (4, 3, 3, 1)


def test_the_traces_follow_one_input_not_a_batch():
    with pytest.raises(ValueError, match="not a batch"):
        conv_trace(np.ones((2, 4, 4, 1)), np.ones((2, 2, 1)))
    with pytest.raises(ValueError, match="one activation map"):
        pool_trace(np.ones((2, 4, 4, 1)))


def test_a_5d_input_is_refused_with_the_shapes_that_work():
    with pytest.raises(ValueError, match=r"\(N, H, W, C\)"):
        conv2d(np.ones((1, 2, 4, 4, 1)), np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"\(N, H, W, C\)"):
        pool2d(np.ones((1, 2, 4, 4, 1)))


# -- integers stay exact while the result fits int64 -------------------------------------------------

def python_conv(x, w, b=0) -> list[list[int]]:
    """Cross-correlation of 2-D lists in Python's unbounded integers: no rounding, no overflow."""
    kh, kw = len(w), len(w[0])
    return [[b + sum(x[r + i][c + j] * w[i][j] for i in range(kh) for j in range(kw))
             for c in range(len(x[0]) - kw + 1)] for r in range(len(x) - kh + 1)]


def test_large_integers_whose_result_fits_int64_are_exact():
    x, w = [[2**40 + 1] * 3] * 3, [[2**20 + 1] * 2] * 2
    out = conv2d(np.array(x), np.array(w))
    assert out.dtype == np.int64
    assert out.tolist() == python_conv(x, w)  # 4 * (2**40 + 1) * (2**20 + 1), above 2**62


def test_the_bound_uses_each_filters_sum_not_its_largest_weight_times_its_size():
    x, w = [[2**40] * 4] * 4, [[2**22, 1], [1, -1]]  # 2**40 * (2**22 + 3) fits; 2**40 * 2**22 * 4 does not
    out = conv2d(np.array(x), np.array(w))
    assert out.dtype == np.int64 and out.tolist() == python_conv(x, w)


def test_exact_up_to_the_largest_int64_and_float_one_past_it():
    top = 2**63 - 1
    assert conv2d([[top, 5]], [[1]]).tolist() == [[top, 5]]
    assert conv2d([[2**62 - 1, 2**62 - 1]], [[1, 1]], 1).tolist() == [[top]]
    beyond = conv2d([[2**62, 2**62]], [[1, 1]])
    assert beyond.dtype == np.float64 and beyond[0, 0] == 2.0**63
    assert conv2d([[2**62 - 1, 2**62 - 1]], [[1, 1]], 2).dtype == np.float64


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 62), st.integers(0, 62))
def test_integer_results_are_exact_whenever_they_come_back_as_integers(seed, x_bits, w_bits):
    rng = np.random.default_rng(seed)
    x = [[int(v) for v in row] for row in rng.integers(-(2**x_bits), 2**x_bits, size=(4, 5), endpoint=True)]
    w = [[int(v) for v in row] for row in rng.integers(-(2**w_bits), 2**w_bits, size=(2, 3), endpoint=True)]
    out = conv2d(np.array(x), np.array(w))
    exact = python_conv(x, w)
    bound = max(abs(v) for row in x for v in row) * sum(abs(v) for row in w for v in row)
    if bound <= 2**63 - 1:
        assert out.dtype == np.int64 and out.tolist() == exact
    else:
        assert out.dtype == np.float64
        np.testing.assert_allclose(out, np.array(exact, dtype=float), rtol=1e-12)


def test_max_pooling_of_integers_is_always_exact():
    assert pool2d(np.full((2, 2), 2**53 + 1)).tolist() == [[2**53 + 1]]
    x = np.array([[-(2**63), 2**63 - 1], [0, 1]])
    assert pool2d(x).tolist() == [[2**63 - 1]] and pool2d(-x[:1, :1] - 1, 1).tolist() == [[2**63 - 1]]
    u = np.array([[2**64 - 1, 2**63], [7, 2**64 - 2]], dtype=np.uint64)  # beyond int64: kept as uint64
    out = pool2d(u)
    assert out.dtype == np.uint64 and out.tolist() == [[2**64 - 1]]
    assert pool2d(np.array([[3, 4], [5, 6]], dtype=np.uint8)).tolist() == [[6]]
    avg = pool2d(np.full((2, 2), 2**53 + 1), mode="avg")
    assert avg.dtype.kind == "f"  # a mean is a float, even of integers


def test_every_integer_dtype_stays_integer():
    for dtype in (np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64, bool):
        x = np.ones((3, 3), dtype=dtype)
        assert conv2d(x, np.ones((2, 2), dtype=dtype)).dtype == np.int64
        assert pool2d(x).dtype == np.int64


def test_public_backward_names_are_importable():
    for name in ["conv2d_backward", "pool2d_backward", "conv2d_backward_naive", "pool2d_backward_naive"]:
        assert callable(getattr(cnnviz, name)) and name in cnnviz.__all__
