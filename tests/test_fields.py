"""Receptive fields: the lecture's sizes by the closed form, and the cells that really change a unit, found by
perturbing every input cell of small networks run on the kernel's convolution and pooling."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz.kernel.conv import conv2d
from cnnviz.kernel.fields import Branches, Window, receptive_fields
from cnnviz.kernel.pool import pool2d
from cnnviz.kernel.shapes import pool_output_size_padded
from cnnviz.learn.challenges import shift
from cnnviz.learn.digits import digits_split
from cnnviz.learn.fields import digits_fields, shifted_maps
from cnnviz.learn.network import DigitsCNN, TrainConfig, init_parameters
from cnnviz.lecture.architectures import ARCHITECTURES
from cnnviz.lecture.fields import architecture_fields, network_fields
from cnnviz.lecture.layers import AdaptiveAvgPool, Conv2D, Dense, Flatten, LayerError

BIG = 1e3  # a perturbation far larger than any activation of the base input


def by_name(fields, name):
    (field,) = [f for f in fields if f is not None and f.name == name]
    return field


# --- the lecture's numbers -------------------------------------------------------------------------------

def test_alexnet_last_pooling_layer_sees_195_pixels():
    assert by_name(architecture_fields("alexnet"), "pool5").size == (195, 195)


def test_vgg16_last_pooling_layer_sees_212_pixels():
    assert by_name(architecture_fields("vgg16"), "pool5").size == (212, 212)


def test_lenet5_c5_sees_the_whole_32x32_input():
    c5 = by_name(architecture_fields("lenet5"), "C5")
    assert c5.size == (32, 32) and c5.out_size == (1, 1)
    region = c5.region(0, 0)
    assert (region.top, region.left, region.rows, region.cols) == (0, 0, (0, 32), (0, 32))
    assert region.clipped == (0, 0, 0, 0) and region.mask.all()


def test_the_closed_form_layer_by_layer_on_alexnet():
    """r_l = r_{l-1} + (k - 1)·j_{l-1}, j_l = j_{l-1}·s, written out for torchvision's AlexNet."""
    fields = architecture_fields("alexnet")
    sizes = {name: (r, j) for name, r, j in [("conv1", 11, 4), ("pool1", 19, 8), ("conv2", 51, 8), ("pool2", 67, 16),
                                             ("conv3", 99, 16), ("conv4", 131, 16), ("conv5", 163, 16),
                                             ("pool5", 195, 32)]}
    for name, (r, j) in sizes.items():
        f = by_name(fields, name)
        assert (f.size, f.jump) == ((r, r), (j, j)), name
    assert by_name(fields, "conv1").start == (-2, -2)  # padding 2 on the first layer


@pytest.mark.parametrize("key", sorted(ARCHITECTURES))
def test_every_layer_of_every_preset_has_a_field_on_the_tables_map(key):
    """One field per row of the table, on a map of the row's height and width; pointwise layers keep the
    field of the layer before them; a block holds its largest branch."""
    arch = ARCHITECTURES[key]
    fields = architecture_fields(key)
    assert len(fields) == len(arch.rows)
    spatial = arch.input_shape[:2]
    for field, row in zip(fields, arch.rows):
        assert field is not None, row.name
        if len(row.output_shape) == 3:
            spatial = row.output_shape[:2]
        elif row.kind == "dense":  # before it, a flat vector's values are the cells of the last map
            spatial = (1, 1)
        assert field.out_size == spatial, row.name
    for before, field, row in zip(fields, fields[1:], arch.rows[1:]):
        if row.kind in ("activation", "batchnorm", "dropout", "flatten"):
            assert (field.size, field.jump, field.start) == (before.size, before.jump, before.start), row.name
    # every cell in the middle of the last map sees the closed-form box, clipped to the input
    last = [f for f in fields if f.out_size != (1, 1)][-1]
    H = arch.input_shape[0]
    for row, col in [(0, 0), (last.out_size[0] // 2, last.out_size[1] - 1)]:
        region = last.region(row, col)
        assert region.rows == (max(region.top, 0), min(region.top + region.height, H))
        assert region.mask[slice(*region.rows), slice(*region.cols)].all() and region.mask.sum() == (
            np.subtract(*region.rows[::-1]) * np.subtract(*region.cols[::-1]))


def test_a_block_sees_its_largest_branch():
    inception = by_name(architecture_fields("googlenet"), "inception 3a")
    pool2 = by_name(architecture_fields("googlenet"), "pool2")
    # 1x1, 3x3 and the 3x3 pool before a 1x1, side by side: the 3x3 branches add 2 jumps
    assert inception.size[0] == pool2.size[0] + 2 * pool2.jump[0]
    block = by_name(architecture_fields("resnet50"), "conv3_1")  # 1x1, 3x3 stride 2, 1x1 and a projection
    before = by_name(architecture_fields("resnet50"), "conv2_3")
    assert block.size[0] == before.size[0] + 2 * before.jump[0] and block.jump[0] == 2 * before.jump[0]


def test_a_layer_that_is_no_sliding_window_ends_the_fields():
    fields = network_fields((7, 7, 3), [Conv2D(4, 3), AdaptiveAvgPool(2), Flatten(), Dense(3)])
    assert fields[0].size == (3, 3) and fields[1:] == [None, None, None]  # 5x5 into 2x2: windows of 3 and 2
    assert network_fields((8, 8, 1), [Conv2D(2, 3), AdaptiveAvgPool(3), Flatten(), Dense(3)])[3].size == (8, 8)


def test_bad_cells_and_chains_get_one_sentence():
    field = receptive_fields([Window(3)], 5)[0]
    with pytest.raises(ValueError, match=r"choose a cell with row 0\.\.2"):
        field.region(3, 0)
    with pytest.raises(ValueError, match="Layer 2"):
        receptive_fields([Window(3), Window(9)], 5)
    with pytest.raises(ValueError, match="one size and one jump"):
        receptive_fields([Branches(((Window(3),), (Window(1),)))], 5)
    with pytest.raises(ValueError, match="padding"):
        Window(3, padding=3)
    with pytest.raises(LayerError, match=r"Layer 1 \(dense, 3 units\) does not fit"):
        network_fields((8, 8, 1), [Dense(3)])
    with pytest.raises(ValueError, match="no architecture"):
        architecture_fields("lenet")


# --- brute force: the cells whose change changes the unit -----------------------------------------------

def depends_on(run, H: int, W: int, C: int, seed: int) -> np.ndarray:
    """``(H_out, W_out, H, W)`` bool: which input cells change each output cell of ``run`` (``(N, H, W, C)`` ->
    ``(N, H_out, W_out, F)``), by adding ±BIG to one cell at a time, all of them in one batch."""
    base = np.random.default_rng(seed).standard_normal((1, H, W, C))
    kicks = np.zeros((2, H, W, H, W, C))
    for a in range(H):
        for b in range(W):
            kicks[0, a, b, a, b, 0], kicks[1, a, b, a, b, 0] = BIG, -BIG
    out = run(np.concatenate([base, base + kicks.reshape(-1, H, W, C)]))  # (1 + 2HW, H_out, W_out, F)
    changed = np.abs(out[1:] - out[0]) > 1e-6 * (1 + np.abs(out[0]))  # (2HW, H_out, W_out, F)
    changed = changed.any(axis=-1).reshape(2, H, W, *out.shape[1:3]).any(axis=0)  # (H, W, H_out, W_out)
    return changed.transpose(2, 3, 0, 1)


def assert_fields_are_exact(field, found: np.ndarray) -> None:
    for row in range(field.out_size[0]):
        for col in range(field.out_size[1]):
            region = field.region(row, col)
            assert (region.mask == found[row, col]).all(), (field.name, row, col)
            box = np.zeros_like(region.mask)
            box[slice(*region.rows), slice(*region.cols)] = True
            assert not (region.mask & ~box).any()
            assert region.top <= region.rows[0] < region.rows[1] <= region.top + region.height


def digits_layers(model: DigitsCNN, x: np.ndarray) -> dict[str, np.ndarray]:
    """The digits network's layers on any real input ``(N, 8, 8, 1)``, on the kernel's conv2d and pool2d."""
    p, pad = model.params, model.config.padding
    out = {"conv": conv2d(x, p["w1"].astype(float), p["b1"], padding=pad)}
    out["relu"] = np.maximum(out["conv"], 0)
    h = out["pool"] = pool2d(out["relu"], 2)
    if "w2" in p:
        out["conv2"] = conv2d(h, p["w2"].astype(float), p["b2"], padding=pad)
        h = out["relu2"] = np.maximum(out["conv2"], 0)
    out["scores"] = (h.reshape(len(x), -1) @ p["wd"] + p["bd"])[:, None, None, :]  # (N, 1, 1, 10)
    return out


@pytest.mark.parametrize("padding", [0, 1])
@pytest.mark.parametrize("conv2", [0, 3])
def test_digits_network_fields_are_the_cells_that_change_each_unit(padding, conv2):
    config = TrainConfig(filters=4, padding=padding, conv2_filters=conv2, dtype="float64")
    model = DigitsCNN(config, init_parameters(config))  # He-scaled normal weights: none is zero
    fields = digits_fields(config)
    assert list(fields) == [k for k in config.shapes() if k not in ("input", "probabilities")]
    for name, field in fields.items():
        found = depends_on(lambda x, name=name: digits_layers(model, x)[name], 8, 8, 1, seed=padding + conv2)
        assert found.shape[:2] == field.out_size
        assert_fields_are_exact(field, found)
    assert fields["conv"].size == (3, 3) and fields["pool"].size == (4, 4)
    assert fields["scores"].region(0, 0).mask.all()


@st.composite
def chains(draw):
    """A random chain of convolutions and average pooling (padding, stride, dilation, ceil mode) that fits."""
    n = draw(st.integers(5, 14))
    ops, size = [], n
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            k, s, d = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
            p = draw(st.integers(0, d * (k - 1)))
            if d * (k - 1) + 1 > size + 2 * p:
                break
            ops.append(("conv", Window(k, s, p, d)))
            size = (size + 2 * p - d * (k - 1) - 1) // s + 1
        else:
            k, s, ceil = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.booleans())
            p = draw(st.integers(0, k // 2))
            if k > size + 2 * p:
                break
            ops.append(("pool", Window(k, s, p, ceil_mode=ceil)))
            size = pool_output_size_padded(size, k, s, p, ceil)
    return n, ops


def run_chain(ops, x: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    for kind, w in ops:
        if kind == "conv":
            weights = rng.uniform(0.5, 1.5, (*w.size, x.shape[-1], 2)) * rng.choice([-1, 1], (*w.size, x.shape[-1], 2))
            x = conv2d(x, weights, stride=w.stride, padding=w.padding, dilation=w.dilation)
        else:
            (k, _), (s, _), (p, _) = w.size, w.stride, w.padding
            n = x.shape[1]
            out = pool_output_size_padded(n, k, s, p, w.ceil_mode)
            extra = max(0, (out - 1) * s + k - (n + 2 * p))  # ceil mode: the last window runs past the padding
            x = pool2d(np.pad(x, ((0, 0), (p, p + extra), (p, p + extra), (0, 0))), k, s, "avg")
    return x


@settings(max_examples=40)
@given(chain=chains(), seed=st.integers(0, 2**16))
def test_random_chains_fields_are_the_cells_that_change_each_unit(chain, seed):
    """Closed form and brute force agree on every cell; a cell whose closed-form field lies inside the input
    is changed by every cell of that box when no dilation leaves holes between the taps."""
    n, ops = chain
    if not ops:
        return
    fields = receptive_fields([w for _, w in ops], n)
    found = depends_on(lambda x: run_chain(ops, x, seed), n, n, 1, seed)
    assert found.shape[:2] == fields[-1].out_size
    assert_fields_are_exact(fields[-1], found)
    before = [(1, 1)] + [(f.jump[0], f.size[0]) for f in fields[:-1]]  # (jump, size) each layer starts from
    if all(w.dilation[0] * j <= r for (_, w), (j, r) in zip(ops, before)):  # taps' fields touch: no holes
        last = fields[-1]
        for row in range(last.out_size[0]):
            for col in range(last.out_size[1]):
                region = last.region(row, col)
                if region.top >= 0 and region.left >= 0 and region.top + region.height <= n \
                        and region.left + region.width <= n:
                    assert region.clipped == (0, 0, 0, 0)
                    assert region.mask.sum() == region.height * region.width


def test_dilation_leaves_holes_the_mask_shows():
    field = receptive_fields([Window(3, dilation=2)], 7)[0]
    region = field.region(0, 0)
    assert (region.height, region.rows) == (5, (0, 5))
    assert region.mask[0].tolist() == [True, False, True, False, True, False, False]


# --- translation equivariance -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def nets():
    out = []
    for padding in (0, 1):
        config = TrainConfig(filters=6, padding=padding)
        out.append(DigitsCNN(config, init_parameters(config)))
    return out


def test_shifting_by_one_down_and_two_left_keeps_these_cells_exact(nets):
    """Padding 1, (dy, dx) = (1, −2): row 0 has no partner and row 7's filter sees the bottom padding, where the
    digit's last row was; columns 6 and 7 have no partner and column 0's filter sees the left padding,
    where the digit's columns 0 and 1 were."""
    s = shifted_maps(nets[1], digits_split().test_images[5], 1, -2)
    rows, cols = np.nonzero(s.exact)
    assert sorted(set(rows)) == [1, 2, 3, 4, 5, 6] and sorted(set(cols)) == [1, 2, 3, 4, 5]
    assert s.exact.sum() == 6 * 5


@pytest.mark.parametrize("dy,dx", [(0, 0), (1, 0), (0, -1), (2, 2), (-2, 1), (-1, -2)])
@pytest.mark.parametrize("net_index", [0, 1])
def test_the_marked_cells_are_exactly_where_the_shifted_map_is_the_map_shifted(nets, net_index, dy, dx):
    """Equal on the mask for real digits; off it (with a partner) some random digit breaks it; and the cells whose
    windows lie inside the unpadded digit on both maps are always among the marked ones."""
    model = nets[net_index]
    rng = np.random.default_rng(7)
    digits = [*digits_split().test_images[:5], *rng.integers(0, 17, (20, 8, 8))]
    broken = np.zeros(model.config.shapes()["conv"][:2], bool)
    for digit in digits:
        s = shifted_maps(model, digit, dy, dx)
        moved = np.full_like(s.maps, np.nan)
        H, W = s.maps.shape[:2]
        for i in range(H):
            for j in range(W):
                if 0 <= i - dy < H and 0 <= j - dx < W:
                    moved[i, j] = s.maps[i - dy, j - dx]
        assert np.allclose(s.shifted_maps[s.exact], moved[s.exact], rtol=0, atol=1e-5)
        broken |= ~np.isclose(s.shifted_maps, moved, rtol=0, atol=1e-4).all(axis=-1) & ~np.isnan(moved[..., 0])
        assert (s.shifted == shift(digit, dy, dx)).all()
    has_partner = np.zeros_like(broken)
    has_partner[max(dy, 0):H + min(dy, 0), max(dx, 0):W + min(dx, 0)] = True
    assert (broken == (has_partner & ~s.exact)).all()
    # the stricter rule: the window on the digit and the one on the shifted digit both inside the 8x8 grid
    p = model.config.padding
    inside = np.zeros((H, W), bool)
    inside[p:H - p, p:W - p] = True
    both = inside & _moved_mask(inside, dy, dx)
    assert not (both & ~s.exact).any()


def _moved_mask(mask: np.ndarray, dy: int, dx: int) -> np.ndarray:
    out = np.zeros_like(mask)
    H, W = mask.shape
    out[max(dy, 0):H + min(dy, 0), max(dx, 0):W + min(dx, 0)] = mask[max(-dy, 0):H - max(dy, 0),
                                                                     max(-dx, 0):W - max(dx, 0)]
    return out


def test_after_pooling_an_even_shift_is_exact_and_an_odd_one_only_approximate(nets):
    digit = digits_split().test_images[3]
    even = shifted_maps(nets[1], digit, 2, 0)
    assert even.pooled_shift == (1, 0) and even.compared.any()
    assert even.pooled_equal == 1.0 and even.pooled_difference < 1e-5
    odd = shifted_maps(nets[1], digit, 1, 0)
    assert odd.pooled_shift == (0, 0) and odd.compared.any()
    assert odd.pooled_equal < 1.0 and odd.pooled_difference > 0.01


def test_shifted_maps_says_what_is_wrong():
    config = TrainConfig(filters=2)
    model = DigitsCNN(config, init_parameters(config))
    with pytest.raises(ValueError, match="shift down"):
        shifted_maps(model, np.zeros((8, 8)), 9, 0)
    with pytest.raises(ValueError, match="one"):
        shifted_maps(model, np.zeros((2, 8, 8)), 1, 0)
