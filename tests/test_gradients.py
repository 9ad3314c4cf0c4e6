"""The backward pass step by step: the lecture's numbers by hand, against conv2d_backward, naive loops,
finite differences and PyTorch's autograd."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numerical import numerical_gradient

import cnnviz
from cnnviz.kernel import (
    conv2d,
    conv2d_backward,
    conv2d_backward_naive,
    pad_input,
    pool2d,
    pool2d_backward,
    pool_trace,
)
from cnnviz.kernel.gradients import (
    input_gradient_trace,
    map_gradient,
    pool_gradient_trace,
    spread_gradient,
    squared_loss,
    weight_gradient_trace,
)
from cnnviz.lecture.presets import LECTURE_FILTER, LECTURE_INPUT

LECTURE_DW = [[15, 15, 15], [9, 11, 16], [10, 7, 12]]
LECTURE_DX = [[0, 1, 3, 3, 2], [2, 5, 7, 5, 2], [2, 6, 10, 8, 4], [2, 5, 7, 5, 2], [0, 1, 3, 3, 2]]
ONES = np.ones((3, 3), dtype=np.int64)
seeds = st.integers(0, 2**32 - 1)


def random_conv(rng, *, integers: bool = False, bank: bool = True):
    """A random convolution of one input that fits: x (H, W[, C]), w, dout and the keyword arguments."""
    C, F = (int(v) for v in rng.integers(1, 4, size=2))
    kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
    kwargs = {name: tuple(int(v) for v in rng.integers(lo, hi, size=2))
              for name, lo, hi in (("stride", 1, 4), ("padding", 0, 3), ("dilation", 1, 3))}
    dh, dw = kwargs["dilation"]
    H = dh * (kh - 1) + 1 + int(rng.integers(0, 6))
    W = dw * (kw - 1) + 1 + int(rng.integers(0, 6))
    flat = rng.random() < 0.3  # no channel axis at all, as the Convolution page's grids
    x_shape = (H, W) if flat else (H, W, C)
    w_shape = (kh, kw) if flat else (kh, kw, C, F) if bank else (kh, kw, C)
    if integers:
        x, w = rng.integers(-9, 10, size=x_shape), rng.integers(-3, 4, size=w_shape)
    else:
        x, w = rng.normal(size=x_shape), rng.normal(size=w_shape)
    shape = conv2d(x, w, **kwargs).shape
    dout = rng.integers(-5, 6, size=shape) if integers else rng.normal(size=shape)
    return x, w, dout, kwargs


def grids(x, w, dout, kwargs):
    """dW and dX assembled from the traces' totals, in the shapes conv2d_backward gives."""
    dx, dw, _ = conv2d_backward(x, w, dout, **kwargs)
    w_steps, x_steps = weight_gradient_trace(x, w, dout, **kwargs), input_gradient_trace(x, w, dout, **kwargs)
    dx_traced = np.array([s.total for s in x_steps]).reshape(dx.shape)
    dw_traced = np.array([s.total for s in w_steps]).reshape(dw.shape)
    return dx_traced, dw_traced, dx, dw, w_steps, x_steps


# -- the lecture, by hand -----------------------------------------------------------------------------

def test_lecture_weight_gradients_with_a_map_gradient_of_ones():
    steps = weight_gradient_trace(LECTURE_INPUT, LECTURE_FILTER, ONES)
    assert np.array([s.total for s in steps]).reshape(3, 3).tolist() == LECTURE_DW
    # w[0, 0] lay on the top-left 3x3 of the input: 3+3+2 + 0+0+1 + 3+1+2 = 15
    first = steps[0]
    assert first.weight == (0, 0) and first.rows == (0, 1, 2) and first.cols == (0, 1, 2)
    assert first.values.tolist() == [[3, 3, 2], [0, 0, 1], [3, 1, 2]]
    assert first.products.tolist() == first.values.tolist() and first.total == 15
    # w[1, 2] lay on rows 1-3, columns 2-4
    assert steps[5].weight == (1, 2) and steps[5].values.tolist() == [[1, 3, 1], [2, 2, 3], [0, 2, 2]]
    assert steps[5].total == 16
    assert all(isinstance(s.total, int) for s in steps)  # exact integers


def test_lecture_bias_gradient_is_the_sum_of_the_map_gradient():
    _, _, db = conv2d_backward(LECTURE_INPUT, LECTURE_FILTER, ONES)
    assert db.tolist() == [9] and int(map_gradient(conv2d(LECTURE_INPUT, LECTURE_FILTER)).sum()) == 9


def test_lecture_input_gradients_with_a_map_gradient_of_ones():
    steps = input_gradient_trace(LECTURE_INPUT, LECTURE_FILTER, ONES)
    assert np.array([s.total for s in steps]).reshape(5, 5).tolist() == LECTURE_DX
    # The corner is covered by one window only, with the weight w[0, 0] = 0.
    corner = steps[0]
    assert [(c.out, c.tap, c.weight) for c in corner.covers] == [((0, 0), (0, 0), 0)] and corner.total == 0
    # The centre is covered by all nine windows, each with a different weight: the filter's sum, 10.
    centre = steps[12]
    assert centre.cell == (2, 2) and len(centre.covers) == 9 and centre.total == 10
    assert [c.out for c in centre.covers] == [(r, q) for r in range(3) for q in range(3)]
    assert [c.tap for c in centre.covers] == [(2 - r, 2 - q) for r in range(3) for q in range(3)]
    # The full convolution: the rotated filter over the spread gradient, the same sum.
    assert centre.weights[:, :, 0].tolist() == np.rot90(LECTURE_FILTER, 2).tolist()
    assert int((centre.values * centre.weights).sum()) == 10


def test_lecture_input_gradient_is_the_full_convolution_with_the_rotated_filter():
    G = spread_gradient(ONES, 3)
    assert G.shape == (7, 7) and G[2:5, 2:5].tolist() == ONES.tolist() and int(G.sum()) == 9
    assert conv2d(G, LECTURE_FILTER[::-1, ::-1]).tolist() == LECTURE_DX


def test_the_loss_and_its_gradient():
    amap = conv2d(LECTURE_INPUT, LECTURE_FILTER)  # [[12, 12, 17], [10, 17, 19], [9, 6, 14]]
    target = amap.copy()
    target[0, 0], target[2, 2] = 10, 15
    g = map_gradient(amap, target)
    assert g.dtype == np.int64 and g.tolist() == [[2, 0, 0], [0, 0, 0], [0, 0, -1]]
    assert squared_loss(amap, target) == 2.5  # ½ (2² + 1²)
    assert map_gradient(amap).tolist() == ONES.tolist()
    with pytest.raises(ValueError, match="one target value per cell"):
        map_gradient(amap, np.zeros((2, 2)))


def test_a_given_map_gradient_is_taken_cell_by_cell_and_checked():
    amap = conv2d(LECTURE_INPUT, LECTURE_FILTER)
    dmap = np.array([[0.5, 0, 0], [0, -0.25, 0], [0, 0, 1e-5]])
    np.testing.assert_array_equal(map_gradient(amap, given=dmap), dmap)
    _, dw, db = conv2d_backward(LECTURE_INPUT, LECTURE_FILTER, map_gradient(amap, given=dmap))
    x = LECTURE_INPUT
    np.testing.assert_allclose(dw, [[sum(x[i + r, j + q] * dmap[r, q] for r in range(3) for q in range(3))
                                     for j in range(3)] for i in range(3)], rtol=1e-12)
    assert db[0] == pytest.approx(0.25 + 1e-5)
    with pytest.raises(ValueError, match="one gradient per cell"):
        map_gradient(amap, given=np.zeros((2, 2)))
    with pytest.raises(ValueError, match="missing \\(NaN\\)"):
        map_gradient(amap, given=np.full((3, 3), np.nan))
    with pytest.raises(ValueError, match="not both"):
        map_gradient(amap, amap, given=dmap)


# -- against the backward pass and naive loops --------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(seeds)
def test_traces_add_up_to_conv2d_backward(seed):
    rng = np.random.default_rng(seed)
    x, w, dout, kwargs = random_conv(rng)
    dx_t, dw_t, dx, dw, w_steps, x_steps = grids(x, w, dout, kwargs)
    np.testing.assert_allclose(dw_t, dw, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx_t, dx, rtol=1e-12, atol=1e-12)
    for s in w_steps:  # each total is its products' sum
        assert s.products.shape == s.values.shape == s.grads.shape
        np.testing.assert_allclose(s.products.sum(), s.total, atol=1e-10)
    for s in x_steps:  # the covers and the full convolution's window give the same total
        np.testing.assert_allclose(sum(c.product for c in s.covers), s.total, atol=1e-10)
        np.testing.assert_allclose((s.values * s.weights).sum(), s.total, atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(seeds)
def test_traces_of_integers_are_exact(seed):
    rng = np.random.default_rng(seed)
    x, w, dout, kwargs = random_conv(rng, integers=True)
    dx_t, dw_t, dx, dw, w_steps, x_steps = grids(x, w, dout, kwargs)
    naive_dx, naive_dw, _ = conv2d_backward_naive(x, w, dout, **kwargs)
    assert np.array_equal(dw_t, naive_dw) and np.array_equal(dx_t, naive_dx)
    assert all(isinstance(s.total, int) and int(s.products.sum()) == s.total for s in w_steps)
    assert all(isinstance(s.total, int) and sum(c.product for c in s.covers) == s.total for s in x_steps)


@settings(max_examples=40, deadline=None)
@given(seeds)
def test_traces_name_the_cells_and_windows_naive_loops_find(seed):
    rng = np.random.default_rng(seed)
    x, w, dout, kwargs = random_conv(rng, integers=True)
    (sh, sw), (ph, pw), (dh, dw) = kwargs["stride"], kwargs["padding"], kwargs["dilation"]
    x3 = np.asarray(x).reshape(x.shape[:2] + (-1,))
    xp = pad_input(x3, (ph, pw))
    kh, kw = w.shape[:2]
    C = x3.shape[2]
    w4 = w.reshape(kh, kw, C, -1)
    g3 = dout.reshape(dout.shape[:2] + (-1,))
    H_out, W_out, F = g3.shape
    touched, covering = {}, {}  # weight -> [(cell, value, grad)], input cell -> [(out, tap, f)]
    for r in range(H_out):
        for q in range(W_out):
            for i in range(kh):
                for j in range(kw):
                    row, col = r * sh + i * dh, q * sw + j * dw
                    for c in range(C):
                        for f in range(F):
                            touched.setdefault((i, j, c, f), []).append(((row, col), xp[row, col, c], g3[r, q, f]))
                            if ph <= row < ph + x3.shape[0] and pw <= col < pw + x3.shape[1]:
                                covering.setdefault((row - ph, col - pw, c), []).append(((r, q), (i, j), f))
    for s in weight_gradient_trace(x, w, dout, **kwargs):
        cells = [(r, q) for r in s.rows for q in s.cols]
        assert list(zip(cells, s.values.ravel().tolist(), s.grads.ravel().tolist(), strict=True)) == [
            (cell, int(v), int(g)) for cell, v, g in touched[(*s.weight, s.channel, s.filter)]]
    for s in input_gradient_trace(x, w, dout, **kwargs):
        found = sorted((c.out, c.tap, c.filter) for c in s.covers)
        assert found == sorted(covering.get((*s.cell, s.channel), []))
        for c in s.covers:
            assert c.weight == w4[c.tap[0], c.tap[1], s.channel, c.filter]
            assert c.grad == g3[c.out[0], c.out[1], c.filter] and c.product == c.weight * c.grad


@settings(max_examples=40, deadline=None)
@given(seeds)
def test_the_input_gradient_is_the_full_convolution_with_the_filter_rotated(seed):
    rng = np.random.default_rng(seed)
    x, w, dout, kwargs = random_conv(rng, integers=True)
    (ph, pw), (H, W) = kwargs["padding"], x.shape[:2]
    C = 1 if x.ndim == 2 else x.shape[2]
    w4 = w.reshape(w.shape[:2] + (C, -1))  # (kh, kw, C, F)
    G = spread_gradient(dout.reshape(dout.shape[:2] + (-1,)), w.shape[:2], stride=kwargs["stride"],
                        dilation=kwargs["dilation"], padded_shape=(H + 2 * ph, W + 2 * pw))
    # The rotated bank runs from the F maps' gradients back to the C channels: (kh, kw, F, C).
    dxp = conv2d(G, w4[::-1, ::-1].transpose(0, 1, 3, 2), dilation=kwargs["dilation"])  # (Hp, Wp, C)
    dx, _, _ = conv2d_backward(x, w, dout, **kwargs)
    assert np.array_equal(dxp[ph : ph + H, pw : pw + W].reshape(dx.shape), dx)


def test_a_batch_or_a_wrong_gradient_is_refused():
    with pytest.raises(ValueError, match="one input at a time"):
        weight_gradient_trace(np.ones((2, 4, 4, 1)), np.ones((3, 3)), np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="output gradient has shape"):
        input_gradient_trace(LECTURE_INPUT, LECTURE_FILTER, np.ones((2, 2)))


# -- what the gradients mean --------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(6))
def test_traced_gradients_of_the_squared_loss_match_finite_differences(seed):
    rng = np.random.default_rng(900 + seed)
    x, w, _, kwargs = random_conv(rng)
    b = rng.normal(size=1 if w.ndim < 4 else w.shape[3])
    target = rng.normal(size=conv2d(x, w, **kwargs).shape)

    def loss():
        return squared_loss(conv2d(x, w, b, **kwargs), target)

    dout = map_gradient(conv2d(x, w, b, **kwargs), target)
    dw = np.array([s.total for s in weight_gradient_trace(x, w, dout, **kwargs)]).reshape(w.shape)
    dx = np.array([s.total for s in input_gradient_trace(x, w, dout, **kwargs)]).reshape(x.shape)
    np.testing.assert_allclose(dw, numerical_gradient(loss, w), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dx, numerical_gradient(loss, x), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dout.reshape(dout.shape[:2] + (-1,)).sum(axis=(0, 1)), numerical_gradient(loss, b),
                               rtol=1e-5, atol=1e-5)


# -- pooling ------------------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(seeds, st.sampled_from(["max", "avg"]))
def test_pool_windows_send_their_gradient_to_the_winner_or_in_shares(seed, mode):
    rng = np.random.default_rng(seed)
    size = tuple(int(v) for v in rng.integers(1, 4, size=2))
    stride = tuple(int(v) for v in rng.integers(1, 4, size=2))
    x = rng.integers(-3, 4, size=(size[0] + int(rng.integers(0, 6)), size[1] + int(rng.integers(0, 6))))  # ties
    dout = rng.integers(-9, 10, size=pool2d(x, size, stride, mode).shape)
    steps = pool_gradient_trace(x, dout, size, stride, mode)
    dx = pool2d_backward(x, dout, size, stride, mode)
    total = np.zeros(x.shape, dtype=dx.dtype)
    for s, forward in zip(steps, pool_trace(x, size, stride, mode), strict=True):
        assert s.winner == forward.winner and (s.rows, s.cols) == (forward.rows, forward.cols)
        assert s.grad == dout[s.out_row, s.out_col]
        if mode == "max":  # all of it to the winner, nothing to the others
            local = (s.winner[0] - s.rows[0], s.winner[1] - s.cols[0])
            assert s.sends[local] == s.grad and np.count_nonzero(s.sends) == (s.grad != 0)
        else:
            np.testing.assert_allclose(s.sends, s.grad / s.sends.size)
        total[s.rows[0] : s.rows[-1] + 1, s.cols[0] : s.cols[-1] + 1] += s.sends
    np.testing.assert_allclose(total, dx, atol=1e-12)
    if mode == "max":
        assert dx.dtype == np.int64 and np.array_equal(total, dx)


def test_pool_ties_send_the_gradient_to_the_first_cell_in_reading_order():
    (step,) = pool_gradient_trace([[5, 5], [5, 5]], [[3]])
    assert step.winner == (0, 0) and step.sends.tolist() == [[3, 0], [0, 0]]


def test_public_trace_names_are_importable():
    for name in ["weight_gradient_trace", "input_gradient_trace", "pool_gradient_trace", "spread_gradient",
                 "map_gradient", "squared_loss"]:
        assert callable(getattr(cnnviz, name)) and name in cnnviz.__all__


# -- PyTorch's autograd, when it is installed ---------------------------------------------------------

@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch is optional: its autograd is a second reference")


@pytest.mark.parametrize("seed", range(10))
def test_traces_match_torch_autograd(torch, seed):
    rng = np.random.default_rng(1000 + seed)
    x, w, _, kwargs = random_conv(rng)
    C = 1 if x.ndim == 2 else x.shape[2]
    w4 = w.reshape(w.shape[:2] + (C, -1))  # (kh, kw, C, F)
    target = rng.normal(size=conv2d(x, w4, **kwargs).shape)  # (H_out, W_out, F)
    xt = torch.tensor(x.reshape(x.shape[:2] + (C,)).transpose(2, 0, 1)[None], requires_grad=True)  # (1, C, H, W)
    wt = torch.tensor(w4.transpose(3, 2, 0, 1), requires_grad=True)  # (F, C, kh, kw)
    out = torch.nn.functional.conv2d(xt, wt, **kwargs)  # (1, F, H_out, W_out)
    loss = 0.5 * ((out - torch.tensor(target.transpose(2, 0, 1)[None])) ** 2).sum()
    loss.backward()
    amap = conv2d(x, w4, **kwargs)
    assert squared_loss(amap, target) == pytest.approx(loss.item(), rel=1e-12)
    dout = map_gradient(amap, target)
    dw = np.array([s.total for s in weight_gradient_trace(x, w4, dout, **kwargs)]).reshape(w4.shape)
    dx = np.array([s.total for s in input_gradient_trace(x, w4, dout, **kwargs)]).reshape(x.shape[:2] + (C,))
    np.testing.assert_allclose(dw, wt.grad.numpy().transpose(2, 3, 1, 0), atol=1e-10)
    np.testing.assert_allclose(dx, xt.grad.numpy()[0].transpose(1, 2, 0), atol=1e-10)


def test_lecture_numbers_match_torch_autograd(torch):
    xt = torch.tensor(LECTURE_INPUT[None, None].astype(float), requires_grad=True)
    wt = torch.tensor(LECTURE_FILTER[None, None].astype(float), requires_grad=True)
    bt = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.conv2d(xt, wt, bt).sum().backward()  # dL/dmap = 1 in every cell
    assert wt.grad[0, 0].tolist() == LECTURE_DW and xt.grad[0, 0].tolist() == LECTURE_DX and bt.grad.tolist() == [9]


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("seed", range(6))
def test_pool_trace_matches_torch_autograd(torch, seed, mode):
    rng = np.random.default_rng(1100 + seed)
    size = tuple(int(v) for v in rng.integers(1, 4, size=2))
    stride = tuple(int(v) for v in rng.integers(1, 4, size=2))
    x = rng.normal(size=(size[0] + int(rng.integers(0, 6)), size[1] + int(rng.integers(0, 6))))  # no ties
    dout = rng.normal(size=pool2d(x, size, stride, mode).shape)
    xt = torch.tensor(x[None, None], requires_grad=True)
    pool = torch.nn.functional.max_pool2d if mode == "max" else torch.nn.functional.avg_pool2d
    pool(xt, size, stride).backward(torch.tensor(dout[None, None]))
    total = np.zeros(x.shape)
    for s in pool_gradient_trace(x, dout, size, stride, mode):
        total[s.rows[0] : s.rows[-1] + 1, s.cols[0] : s.cols[-1] + 1] += s.sends
    np.testing.assert_allclose(total, xt.grad.numpy()[0, 0], atol=1e-12)
