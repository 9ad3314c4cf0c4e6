"""Convolution's relatives: grouped and depthwise convolution.

Against hand-worked numbers, naive loops, an ordinary convolution with a block-diagonal filter
bank, and PyTorch when it is installed.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cnnviz
from cnnviz import (
    conv2d,
    conv2d_naive,
    conv_output_size,
    conv_param_count,
)

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
])
def test_bad_counts_say_why(call, words):
    with pytest.raises(ValueError, match=words):
        call()


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
