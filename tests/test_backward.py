"""The backward passes against naive loops, finite differences, pool_trace's winners and PyTorch."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numerical import numerical_gradient

import cnnviz
from cnnviz import (
    conv2d,
    conv2d_backward,
    conv2d_backward_naive,
    pool2d,
    pool2d_backward,
    pool2d_backward_naive,
    pool_trace,
)

seeds = st.integers(0, 2**32 - 1)


def random_conv(rng, *, batch: bool, integers: bool = False):
    """A random convolution that fits: x, w and the keyword arguments."""
    N, C, F = (int(v) for v in rng.integers(1, 4, size=3))
    kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
    kwargs = {name: tuple(int(v) for v in rng.integers(lo, hi, size=2))
              for name, lo, hi in (("stride", 1, 4), ("padding", 0, 3), ("dilation", 1, 3))}
    dh, dw = kwargs["dilation"]
    H = dh * (kh - 1) + 1 + int(rng.integers(0, 6))
    W = dw * (kw - 1) + 1 + int(rng.integers(0, 6))
    shape = (N, H, W, C) if batch else (H, W, C)
    if integers:
        return rng.integers(-9, 10, size=shape), rng.integers(-3, 4, size=(kh, kw, C, F)), kwargs
    return rng.normal(size=shape), rng.normal(size=(kh, kw, C, F)), kwargs


def random_pool(rng, *, batch: bool, integers: bool = False):
    """A random pooling that fits: x and (size, stride), windows that may overlap or leave gaps."""
    size = tuple(int(v) for v in rng.integers(1, 4, size=2))
    stride = tuple(int(v) for v in rng.integers(1, 4, size=2))
    H, W = size[0] + int(rng.integers(0, 6)), size[1] + int(rng.integers(0, 6))
    C = int(rng.integers(1, 4))
    shape = (int(rng.integers(1, 4)), H, W, C) if batch else (H, W, C)
    x = rng.integers(-3, 4, size=shape) if integers else rng.normal(size=shape)  # few values: many ties
    return x, size, stride


# -- fast against naive ------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(seeds, st.booleans())
def test_conv2d_backward_matches_naive(seed, batch):
    rng = np.random.default_rng(seed)
    x, w, kwargs = random_conv(rng, batch=batch)
    dout = rng.normal(size=conv2d(x, w, **kwargs).shape)
    for fast, naive in zip(conv2d_backward(x, w, dout, **kwargs), conv2d_backward_naive(x, w, dout, **kwargs)):
        assert fast.shape == naive.shape
        np.testing.assert_allclose(fast, naive, rtol=1e-10, atol=1e-10)


@settings(max_examples=30, deadline=None)
@given(seeds, st.booleans())
def test_conv2d_backward_of_integers_is_exact(seed, batch):
    rng = np.random.default_rng(seed)
    x, w, kwargs = random_conv(rng, batch=batch, integers=True)
    dout = rng.integers(-5, 6, size=conv2d(x, w, **kwargs).shape)
    fast, naive = conv2d_backward(x, w, dout, **kwargs), conv2d_backward_naive(x, w, dout, **kwargs)
    for a, b in zip(fast, naive):
        assert a.dtype == np.int64
        assert np.array_equal(a, b)


@pytest.mark.parametrize("seed", range(8))
def test_conv2d_backward_in_small_blocks_matches_naive(seed, monkeypatch):
    # Tiny blocks: a few rows of one image at a time, as on large images; large ones: many images.
    rng = np.random.default_rng(400 + seed)
    monkeypatch.setattr(cnnviz.kernel.conv, "_BLOCK_BYTES", int(rng.choice([1, 50, 300, 1 << 20])))
    x, w, kwargs = random_conv(rng, batch=True, integers=True)
    dout = rng.integers(-5, 6, size=conv2d(x, w, **kwargs).shape)
    for a, b in zip(conv2d_backward(x, w, dout, **kwargs), conv2d_backward_naive(x, w, dout, **kwargs)):
        assert np.array_equal(a, b)


@settings(max_examples=60, deadline=None)
@given(seeds, st.booleans(), st.sampled_from(["max", "avg"]))
def test_pool2d_backward_matches_naive(seed, batch, mode):
    rng = np.random.default_rng(seed)
    x, size, stride = random_pool(rng, batch=batch, integers=True)
    dout = rng.normal(size=pool2d(x, size, stride, mode).shape)
    fast = pool2d_backward(x, dout, size, stride, mode)
    assert fast.shape == x.shape
    np.testing.assert_allclose(fast, pool2d_backward_naive(x, dout, size, stride, mode), rtol=1e-12, atol=1e-12)


# -- what the gradients mean -------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(6))
def test_conv2d_backward_matches_finite_differences(seed):
    rng = np.random.default_rng(500 + seed)
    x, w, kwargs = random_conv(rng, batch=bool(seed % 2))
    b = rng.normal(size=w.shape[3])
    dout = rng.normal(size=conv2d(x, w, **kwargs).shape)

    def loss():  # a scalar whose gradient with respect to the output is exactly dout
        return float((conv2d(x, w, b, **kwargs) * dout).sum())

    dx, dw, db = conv2d_backward(x, w, dout, **kwargs)
    np.testing.assert_allclose(dx, numerical_gradient(loss, x), atol=1e-6)
    np.testing.assert_allclose(dw, numerical_gradient(loss, w), atol=1e-6)
    np.testing.assert_allclose(db, numerical_gradient(loss, b), atol=1e-6)


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("seed", range(4))
def test_pool2d_backward_matches_finite_differences(seed, mode):
    rng = np.random.default_rng(600 + seed)
    x, size, stride = random_pool(rng, batch=bool(seed % 2))  # normal floats: no ties, max is smooth
    dout = rng.normal(size=pool2d(x, size, stride, mode).shape)

    def loss():
        return float((pool2d(x, size, stride, mode) * dout).sum())

    np.testing.assert_allclose(pool2d_backward(x, dout, size, stride, mode), numerical_gradient(loss, x),
                               atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(seeds)
def test_max_pool_gradient_goes_to_the_winner_pool_trace_names(seed):
    rng = np.random.default_rng(seed)
    x, size, stride = random_pool(rng, batch=False, integers=True)
    x = x[:, :, 0]  # one map, values in -3..3: windows often tie
    dout = rng.integers(1, 100, size=pool2d(x, size, stride).shape)
    expected = np.zeros(x.shape, dtype=np.int64)
    for step in pool_trace(x, size, stride):
        expected[step.winner] += dout[step.out_row, step.out_col]  # overlapping windows add up
    dx = pool2d_backward(x, dout, size, stride)
    assert dx.dtype == np.int64
    assert np.array_equal(dx, expected)


def test_max_pool_ties_go_to_the_first_cell_in_reading_order():
    x = [[5, 5, 1, 7], [5, 5, 7, 2]]
    assert pool2d_backward(x, [[1, 2]]).tolist() == [[1, 0, 0, 2], [0, 0, 0, 0]]


def test_avg_pool_spreads_the_gradient_and_overlaps_add_up():
    # 2x2 windows with stride 1 over a 3x3 map: the centre is in all four windows.
    dx = pool2d_backward(np.zeros((3, 3)), [[4, 8], [12, 16]], size=2, stride=1, mode="avg")
    assert dx.tolist() == [[1, 3, 2], [4, 10, 6], [3, 7, 4]]


def test_conv_gradient_of_a_batch_adds_up_the_images():
    rng = np.random.default_rng(7)
    x, w = rng.integers(-5, 6, size=(4, 6, 7, 2)), rng.integers(-3, 4, size=(3, 3, 2, 3))
    dout = rng.integers(-3, 4, size=conv2d(x, w, padding=1).shape)
    dx, dw, db = conv2d_backward(x, w, dout, padding=1)
    per_image = [conv2d_backward(x[n], w, dout[n], padding=1) for n in range(4)]
    assert np.array_equal(dx, np.stack([g[0] for g in per_image]))
    assert np.array_equal(dw, sum(g[1] for g in per_image))
    assert np.array_equal(db, sum(g[2] for g in per_image))


# -- shapes and dtypes -------------------------------------------------------------------------------

@pytest.mark.parametrize("x_shape, w_shape", [
    ((6, 5), (3, 2)), ((6, 5, 2), (3, 2, 2)), ((6, 5, 2), (3, 2, 2, 4)), ((3, 6, 5, 2), (3, 2, 2, 4)),
    ((3, 6, 5, 1), (3, 2)), ((3, 6, 5, 2), (3, 2, 2)),
])
def test_conv_gradients_have_the_shapes_of_x_w_and_one_bias_per_filter(x_shape, w_shape):
    rng = np.random.default_rng(8)
    x, w = rng.normal(size=x_shape), rng.normal(size=w_shape)
    out = conv2d(x, w, stride=2)
    dx, dw, db = conv2d_backward(x, w, np.ones(out.shape), stride=2)
    assert dx.shape == x.shape and dw.shape == w.shape
    assert db.shape == ((w_shape[3],) if len(w_shape) == 4 else (1,))
    assert db.tolist() == [out.size // db.size] * db.size  # dout of ones: each bias counts its positions


def test_gradients_are_their_own_memory_after_later_calls():
    # The block buffers are kept for the next call: no gradient may be a view of them.
    rng = np.random.default_rng(10)
    x, w = rng.normal(size=(2, 7, 7, 2)), rng.normal(size=(3, 3, 2, 3))
    grads = conv2d_backward(x, w, np.ones((2, 5, 5, 3)))
    kept = [g.copy() for g in grads]
    conv2d_backward(x, w, rng.normal(size=(2, 5, 5, 3)))
    conv2d(x, w)
    assert all(np.array_equal(g, k) for g, k in zip(grads, kept))


def test_float32_gradients_stay_float32():
    rng = np.random.default_rng(9)
    x = rng.normal(size=(2, 5, 5, 3)).astype(np.float32)
    w = rng.normal(size=(3, 3, 3, 4)).astype(np.float32)
    dout = np.ones((2, 3, 3, 4), dtype=np.float32)
    assert {g.dtype for g in conv2d_backward(x, w, dout)} == {np.dtype(np.float32)}
    d = np.ones((2, 2, 2, 3), dtype=np.float32)
    assert pool2d_backward(x, d).dtype == np.float32 and pool2d_backward(x, d, mode="avg").dtype == np.float32


def test_huge_integer_gradients_fall_back_to_float():
    x, w = np.full((3, 3), 2**40), np.full((2, 2), 2**20)
    dout = np.full((2, 2), 2**30)
    _, dw, _ = conv2d_backward(x, w, dout)  # dw would be 4 * 2**70: beyond int64
    assert dw.dtype == np.float64 and dw[0, 0] == 4 * 2.0**70
    # The 9 wins both overlapping windows: 2 * 2**61 fits int64, 2 * 2**62 does not.
    exact = pool2d_backward([[0, 9, 0]], [[2**61, 2**61]], size=(1, 2), stride=1)
    assert exact.dtype == np.int64 and exact.tolist() == [[0, 2**62, 0]]
    assert pool2d_backward([[0, 9, 0]], [[2**62, 2**62]], size=(1, 2), stride=1).tolist() == [[0, 2.0**63, 0]]


@pytest.mark.parametrize("call", [
    lambda: conv2d_backward(np.ones((5, 5)), np.ones((3, 3)), np.ones((2, 2))),
    lambda: conv2d_backward(np.ones((5, 5, 2)), np.ones((3, 3, 2, 4)), np.ones((3, 3))),
    lambda: conv2d_backward(np.ones((2, 5, 5, 1)), np.ones((3, 3, 1, 4)), np.ones((3, 3, 4))),
    lambda: pool2d_backward(np.ones((4, 4)), np.ones((3, 3))),
    lambda: pool2d_backward(np.ones((2, 4, 4, 3)), np.ones((2, 2, 3))),
])
def test_a_gradient_of_the_wrong_shape_says_which_shape_it_needs(call):
    with pytest.raises(ValueError, match=r"output gradient has shape .* output has shape"):
        call()


def test_a_gradient_with_nan_is_refused():
    with pytest.raises(ValueError, match="output gradient contains a missing"):
        conv2d_backward(np.ones((3, 3)), np.ones((2, 2)), [[1, np.nan], [1, 1]])


# -- grouped convolution ------------------------------------------------------------------------------

@settings(max_examples=30, deadline=None)
@given(seeds, st.integers(1, 3), st.integers(1, 2), st.integers(1, 2), st.booleans())
def test_grouped_conv2d_backward_of_integers_matches_naive(seed, groups, Cg, Fg, batch):
    rng = np.random.default_rng(seed)
    x, w, kwargs = random_conv(rng, batch=batch, integers=True)
    x = rng.integers(-9, 10, size=x.shape[:-1] + (groups * Cg,))
    w = rng.integers(-3, 4, size=w.shape[:2] + (Cg, groups * Fg))
    dout = rng.integers(-5, 6, size=conv2d(x, w, groups=groups, **kwargs).shape)
    fast = conv2d_backward(x, w, dout, groups=groups, **kwargs)
    for a, b, like in zip(fast, conv2d_backward_naive(x, w, dout, groups=groups, **kwargs), (x, w, w[0, 0, 0])):
        assert a.dtype == np.int64 and a.shape == like.shape
        assert np.array_equal(a, b)


def test_depthwise_gradients_are_each_channels_own():
    rng = np.random.default_rng(12)
    x, w = rng.normal(size=(2, 6, 5, 3)), rng.normal(size=(3, 3, 1, 3))
    dout = rng.normal(size=conv2d(x, w, groups=3, padding=1).shape)
    dx, dw, db = conv2d_backward(x, w, dout, groups=3, padding=1)
    for c in range(3):
        dx_c, dw_c, db_c = conv2d_backward(x[..., c : c + 1], w[..., c : c + 1], dout[..., c : c + 1], padding=1)
        np.testing.assert_allclose(dx[..., c : c + 1], dx_c, atol=1e-12)
        np.testing.assert_allclose(dw[..., c : c + 1], dw_c, atol=1e-12)
        np.testing.assert_allclose(db[c : c + 1], db_c, atol=1e-12)


def test_grouped_gradients_match_finite_differences():
    rng = np.random.default_rng(13)
    x, w, b = rng.normal(size=(5, 4, 4)), rng.normal(size=(2, 3, 2, 4)), rng.normal(size=4)
    dout = rng.normal(size=conv2d(x, w, groups=2, stride=(2, 1)).shape)

    def loss():
        return float((conv2d(x, w, b, groups=2, stride=(2, 1)) * dout).sum())

    dx, dw, db = conv2d_backward(x, w, dout, groups=2, stride=(2, 1))
    np.testing.assert_allclose(dx, numerical_gradient(loss, x), atol=1e-6)
    np.testing.assert_allclose(dw, numerical_gradient(loss, w), atol=1e-6)
    np.testing.assert_allclose(db, numerical_gradient(loss, b), atol=1e-6)


def test_grouped_integer_gradients_are_float_when_one_group_could_overflow():
    x = np.zeros((3, 3, 2), dtype=np.int64)
    x[..., 1] = 2**40  # group 1's dw would be 4 * 2**40 * 2**30
    w = np.ones((2, 2, 1, 2), dtype=np.int64)
    dx, dw, db = conv2d_backward(x, w, np.full((2, 2, 2), 2**30), groups=2)
    assert dw.dtype == np.float64 and dw[0, 0, 0].tolist() == [0.0, 4 * 2.0**70]
    assert conv2d_backward(x // 2**20, w, np.full((2, 2, 2), 2**30), groups=2)[1].dtype == np.int64


def test_groups_that_do_not_fit_are_refused_by_the_backward_pass_too():
    with pytest.raises(ValueError, match="do not split into 2 groups"):
        conv2d_backward(np.ones((4, 4, 3)), np.ones((2, 2, 1, 2)), np.ones((3, 3, 2)), groups=2)
    with pytest.raises(ValueError, match="do not split into 2 groups"):
        conv2d_backward_naive(np.ones((4, 4, 4)), np.ones((2, 2, 2, 3)), np.ones((3, 3, 3)), groups=2)


# -- PyTorch's autograd, when it is installed ---------------------------------------------------------

@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch is optional: its autograd is a second reference")


@pytest.mark.parametrize("seed", range(10))
def test_conv2d_backward_matches_torch_autograd(torch, seed):
    rng = np.random.default_rng(700 + seed)
    x, w, kwargs = random_conv(rng, batch=True)
    b = rng.normal(size=w.shape[3])
    out = conv2d(x, w, b, **kwargs)
    dout = rng.normal(size=out.shape)
    xt = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)  # (N, C, H, W)
    wt = torch.tensor(w.transpose(3, 2, 0, 1), requires_grad=True)  # (F, C, kh, kw)
    bt = torch.tensor(b, requires_grad=True)
    ot = torch.nn.functional.conv2d(xt, wt, bt, **kwargs)  # (N, F, H_out, W_out)
    np.testing.assert_allclose(ot.detach().numpy().transpose(0, 2, 3, 1), out, atol=1e-10)
    ot.backward(torch.tensor(dout.transpose(0, 3, 1, 2)))
    dx, dw, db = conv2d_backward(x, w, dout, **kwargs)
    np.testing.assert_allclose(dx, xt.grad.numpy().transpose(0, 2, 3, 1), atol=1e-10)
    np.testing.assert_allclose(dw, wt.grad.numpy().transpose(2, 3, 1, 0), atol=1e-10)
    np.testing.assert_allclose(db, bt.grad.numpy(), atol=1e-10)


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("seed", range(10))
def test_pool2d_backward_matches_torch_autograd(torch, seed, mode):
    rng = np.random.default_rng(800 + seed)
    x, size, stride = random_pool(rng, batch=True)  # normal floats: no ties to break
    dout = rng.normal(size=pool2d(x, size, stride, mode).shape)
    xt = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)  # (N, C, H, W)
    pool = torch.nn.functional.max_pool2d if mode == "max" else torch.nn.functional.avg_pool2d
    ot = pool(xt, size, stride)
    np.testing.assert_allclose(ot.detach().numpy().transpose(0, 2, 3, 1), pool2d(x, size, stride, mode),
                               atol=1e-12)
    ot.backward(torch.tensor(dout.transpose(0, 3, 1, 2)))
    np.testing.assert_allclose(pool2d_backward(x, dout, size, stride, mode),
                               xt.grad.numpy().transpose(0, 2, 3, 1), atol=1e-12)


@pytest.mark.parametrize("seed", range(8))
def test_grouped_conv2d_backward_matches_torch_autograd(torch, seed):
    rng = np.random.default_rng(900 + seed)
    groups, Cg, Fg = (int(v) for v in rng.integers(1, 4, size=3))
    x, w, kwargs = random_conv(rng, batch=True)
    x = rng.normal(size=x.shape[:-1] + (groups * Cg,))
    w = rng.normal(size=w.shape[:2] + (Cg, groups * Fg))
    b = rng.normal(size=groups * Fg)
    dout = rng.normal(size=conv2d(x, w, groups=groups, **kwargs).shape)
    xt = torch.tensor(np.ascontiguousarray(x.transpose(0, 3, 1, 2)), requires_grad=True)  # (N, C, H, W)
    wt = torch.tensor(np.ascontiguousarray(w.transpose(3, 2, 0, 1)), requires_grad=True)  # (F, C // groups, kh, kw)
    bt = torch.tensor(b, requires_grad=True)
    ot = torch.nn.functional.conv2d(xt, wt, bt, groups=groups, **kwargs)
    ot.backward(torch.tensor(np.ascontiguousarray(dout.transpose(0, 3, 1, 2))))
    dx, dw, db = conv2d_backward(x, w, dout, groups=groups, **kwargs)
    np.testing.assert_allclose(dx, xt.grad.numpy().transpose(0, 2, 3, 1), atol=1e-10)
    np.testing.assert_allclose(dw, wt.grad.numpy().transpose(2, 3, 1, 0), atol=1e-10)
    np.testing.assert_allclose(db, bt.grad.numpy(), atol=1e-10)
