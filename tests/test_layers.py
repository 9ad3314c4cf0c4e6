"""The layer model: shapes, parameter counts, memory, the builder's words, and layers that do not fit."""
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz.kernel.notation import format_shape
from cnnviz.kernel.shapes import dense_param_formula, pool_output_size_padded
from cnnviz.lecture.blocks import bottleneck, inception
from cnnviz.lecture.grammar import layer_from_spec, network_spec, parse_network_spec
from cnnviz.lecture.layers import (
    Activation,
    AdaptiveAvgPool,
    BatchNorm,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    LayerError,
    Pool2D,
    as_shape,
    build_network,
)


def test_lecture_conv_layer_760_params_with_written_formula():
    row = Conv2D(10, 5).apply((32, 32, 3))
    assert row.output_shape == (28, 28, 10)
    assert row.params == 760
    assert row.formula == "(5×5×3 + 1)×10 = 760"
    assert row.memory_bytes == 28 * 28 * 10 * 4


def test_conv_against_fully_connected_lecture_numbers():
    conv = Conv2D(6, 5).apply((32, 32, 3))
    fc = Dense(28 * 28 * 6).apply((32 * 32 * 3,))
    assert conv.formula == "(5×5×3 + 1)×6 = 456"
    assert fc.formula == "3072×4704 + 4704 = 14,455,392"
    assert dense_param_formula(400, 120) == "400×120 + 120 = 48,120"


def test_conv_stride_padding_dilation_no_bias():
    row = Conv2D(64, 11, 4, 2).apply((224, 224, 3))
    assert row.output_shape == (55, 55, 64)
    row = Conv2D(8, 3, dilation=2, bias=False).apply((10, 10, 4))
    assert row.output_shape == (6, 6, 8)  # a dilated 3x3 reaches 5 cells
    assert row.params == 3 * 3 * 4 * 8
    assert Conv2D(4, (3, 1), padding=(1, 0)).apply((5, 5, 2)).output_shape == (5, 5, 4)


def test_conv_padding_past_the_filter_is_refused_with_a_sentence():
    with pytest.raises(ValueError, match=r"the padding \(500\) must be smaller than the filter size \(5\)"):
        Conv2D(6, 5, padding=500).apply((32, 32, 3))
    assert Conv2D(6, 5, padding=4).apply((32, 32, 3)).output_shape == (36, 36, 6)  # k - 1 is still allowed
    with pytest.raises(ValueError, match=r"filter size \(5\)"):  # a dilated 3x3 reaches 5
        Conv2D(6, 3, padding=5, dilation=2).apply((32, 32, 3))


def test_a_layer_that_does_not_fit_reads_as_one_sentence():
    with pytest.raises(ValueError) as err:
        build_network((4, 4, 1), [Conv2D(2, 7)])
    assert "does not fit its input 4x4x1: the filter (7) is larger" in str(err.value)


@settings(max_examples=60, deadline=None)
@given(h=st.integers(1, 60), w=st.integers(1, 60), c=st.integers(1, 8), f=st.integers(1, 8),
       k=st.integers(1, 7), s=st.integers(1, 4), p=st.integers(0, 3))
def test_conv_shape_and_params_match_counting_windows(h, w, c, f, k, s, p):
    """Reference: count the window positions one by one, and the weights filter by filter."""
    def positions(n):
        return sum(1 for start in range(0, n + 2 * p) if start % s == 0 and start + k <= n + 2 * p)

    layer = Conv2D(f, k, s, p)
    if p >= k:  # every window past the first k-1 rows of padding would hold zeros only
        with pytest.raises(ValueError, match=r"padding \(\d+\) must be smaller than the filter size"):
            layer.apply((h, w, c))
        return
    if k > h + 2 * p or k > w + 2 * p:
        with pytest.raises(ValueError, match="larger than the padded input"):
            layer.apply((h, w, c))
        return
    row = layer.apply((h, w, c))
    assert row.output_shape == (positions(h), positions(w), f)
    weights_per_filter = len([(i, j, ch) for i in range(k) for j in range(k) for ch in range(c)])
    assert row.params == f * (weights_per_filter + 1)


@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 80), k=st.integers(1, 5), s=st.integers(1, 4), p=st.integers(0, 2), ceil=st.booleans())
def test_pool_size_matches_window_starts(n, k, s, p, ceil):
    """Reference: list the starts of windows as PyTorch places them (ceil mode: partial last windows
    count, but none may start inside the right padding)."""
    if 2 * p > k or k > n + 2 * p:
        with pytest.raises(ValueError):
            pool_output_size_padded(n, k, s, p, ceil)
        return
    padded = n + 2 * p
    if ceil:  # a start counts while the window before it did not reach the end
        starts = [t for t in range(0, padded, s) if t - s + k < padded and t < n + p]
    else:
        starts = [t for t in range(0, padded, s) if t + k <= padded]
    assert pool_output_size_padded(n, k, s, p, ceil) == len(starts)


def test_pool_size_matches_pytorch_when_available():
    torch = pytest.importorskip("torch")
    for n in range(3, 40):
        for k, s, p, ceil in [(3, 2, 0, True), (3, 2, 1, False), (2, 2, 0, True), (3, 1, 1, True), (3, 2, 1, True)]:
            x = torch.zeros(1, 1, n, n)
            out = torch.nn.functional.max_pool2d(x, k, s, p, ceil_mode=ceil)
            assert pool_output_size_padded(n, k, s, p, ceil) == out.shape[-1], (n, k, s, p, ceil)


def test_pooling_and_activation_layers_have_no_parameters():
    for layer in (Pool2D(2), Pool2D(3, 2, mode="avg"), AdaptiveAvgPool(1), Activation("relu"), Dropout(), Flatten()):
        assert layer.apply((8, 8, 5)).params == 0
    assert Pool2D(2).apply((28, 28, 6)).output_shape == (14, 14, 6)
    assert AdaptiveAvgPool(1).apply((7, 7, 2048)).output_shape == (1, 1, 2048)
    assert Flatten().apply((5, 5, 16)).output_shape == (400,)


def test_batchnorm_counts_scale_and_shift_only():
    row = BatchNorm().apply((56, 56, 64))
    assert row.params == 128
    assert row.formula == "2×64 = 128 (scale γ and shift β)"
    assert "buffers" in BatchNorm.__doc__


def test_inception_module_concatenates_and_counts_by_plain_arithmetic():
    c_in, c1, r3, c3, r5, c5, pp = 192, 64, 96, 128, 16, 32, 32
    row = inception(c1, r3, c3, r5, c5, pp).apply((28, 28, c_in))
    assert row.output_shape == (28, 28, c1 + c3 + c5 + pp)

    def conv_bn(cin, cout, k):  # bias-free convolution + batch norm (γ, β)
        return k * k * cin * cout + 2 * cout

    expected = (conv_bn(c_in, c1, 1) + conv_bn(c_in, r3, 1) + conv_bn(r3, c3, 3)
                + conv_bn(c_in, r5, 1) + conv_bn(r5, c5, 3) + conv_bn(c_in, pp, 1))
    assert row.params == expected == sum(c.params for c in row.children)
    assert row.children[-1].name == "concatenate"


@pytest.mark.parametrize("c_in,planes,stride,shape_in,shape_out", [
    (64, 64, 1, (56, 56, 64), (56, 56, 256)),      # first block: channels change, projection
    (256, 64, 1, (56, 56, 256), (56, 56, 256)),    # identity shortcut
    (256, 128, 2, (56, 56, 256), (28, 28, 512)),   # downsampling: projection with stride 2
])
def test_bottleneck_shapes_and_params_by_plain_arithmetic(c_in, planes, stride, shape_in, shape_out):
    row = bottleneck(c_in, planes, stride).apply(shape_in)
    assert row.output_shape == shape_out
    out = 4 * planes
    expected = (c_in * planes + 2 * planes) + (9 * planes * planes + 2 * planes) + (planes * out + 2 * out)
    projected = stride != 1 or c_in != out
    if projected:
        expected += c_in * out + 2 * out
    assert row.params == expected
    assert any("projection" in c.name for c in row.children) == projected


def test_bottleneck_that_cannot_add_says_so():
    with pytest.raises(ValueError, match="same shape to be added"):
        bottleneck(256, 64, 1).apply((56, 56, 64))  # built for 256 channels (identity shortcut), fed 64
    with pytest.raises(LayerError, match="Layer 1"):
        build_network((56, 56, 64), [bottleneck(256, 64, 1, name="b")])


def test_lenet_like_network_table_and_totals():
    net = build_network((32, 32, 1), [Conv2D(6, 5), Activation("tanh"), Pool2D(2, mode="avg"), Flatten(), Dense(10)])
    assert [format_shape(r.output_shape) for r in net.rows] == ["28x28x6", "28x28x6", "14x14x6", "1176", "10"]
    assert net.total_params == 156 + 11770
    assert net.param_bytes == 4 * net.total_params
    assert net.activation_bytes == 4 * (2 * 28 * 28 * 6 + 14 * 14 * 6 + 1176 + 10)


@pytest.mark.parametrize("layers,index,reason", [
    ([Conv2D(6, 5), Pool2D(2), Conv2D(16, 15)], 3, "larger than the padded input"),
    ([Conv2D(6, 5), Dense(10)], 2, "needs a flat vector"),
    ([Flatten(), Conv2D(6, 3)], 2, "flat vector"),
    ([Flatten(), Pool2D(2)], 2, "flat vector"),
    ([Pool2D(64)], 1, "larger than the input"),
])
def test_a_layer_that_does_not_fit_is_named_with_reason(layers, index, reason):
    with pytest.raises(LayerError) as info:
        build_network((32, 32, 3), layers)
    err = info.value
    assert err.index == index and len(err.rows) == index - 1
    assert str(err).startswith(f"Layer {index} (")
    assert reason in str(err)


@pytest.mark.parametrize("shape,match", [
    ((0, 32, 3), "at least 1"), ((-5, 32, 3), "at least 1"), ((32, 32), "not 2 numbers"),
    ((10**9, 2, 3), "absurdly large"), (("x", 2, 3), "whole number"), ((float("nan"), 2, 3), "whole number"),
])
def test_bad_input_shapes(shape, match):
    with pytest.raises(ValueError, match=match):
        as_shape(shape)


def test_builder_words_round_trip():
    text = "conv:6:5:1:0,tanh,avgpool:2:2:0,conv:16:5:1:0,tanh,avgpool:2:2:0,flatten,dense:120,relu,dense:10"
    layers, errors = parse_network_spec(text)
    assert errors == []
    assert network_spec(layers) == text
    assert build_network((32, 32, 1), layers).total_params == 156 + 2416 + 48120 + 1210


@pytest.mark.parametrize("text,fragment", [
    ("conv:6:5,bogus,dense:10", "Layer 2 ('bogus'): 'bogus' is not a layer"),
    ("conv:abc:5", "whole number"),
    ("conv:6", "needs its size"),
    ("conv:0:5", "at least 1"),
    ("dense:-3", "at least 1"),
    pytest.param("dense:" + "9" * 1000, "whole number", id="dense-1000-digits"),
    pytest.param("dense:" + "9" * 10000, "far too long", id="dense-10000-digits"),
    ("maxpool:2:2:5", "at most half"),
    ("relu:4", "at most 0 numbers"),
    ("conv:999999999:3", "absurdly large"),
])
def test_builder_words_bad_input_messages(text, fragment):
    _, errors = parse_network_spec(text)
    assert errors and fragment in errors[0]


def test_layer_from_spec_cells_like_a_table_gives_them():
    layer = layer_from_spec("conv", 6.0, 5.0, float("nan"), None)  # cells as a table gives them
    assert layer.describe() == "conv 5x5, 6 filters, stride 1, padding 0"
    assert layer_from_spec("maxpool", None, 3, 2, None).describe() == "max pool 3x3, stride 2"
    with pytest.raises(ValueError, match="not a layer"):
        layer_from_spec(None)
    with pytest.raises(ValueError, match="whole number"):
        layer_from_spec("conv", 2.5, 3)


def test_memory_is_float32_of_output():
    row = Dense(4096).apply((9216,))
    assert row.memory_bytes == 4096 * 4
    assert math.isclose(Conv2D(64, 3, padding=1).apply((224, 224, 3)).memory_bytes / 2**20, 12.25)
