"""The lecture's architectures: published totals, per-layer shapes, and independent recounts."""
import pytest

import cnnviz
from cnnviz.lecture.architectures import ARCHITECTURES, LECTURE_TABLE
from cnnviz.kernel.notation import format_shape
from cnnviz.lecture.grammar import parse_network_spec
from cnnviz.lecture.layers import Conv2D, build_network

PUBLISHED = {
    "lenet5": 61_706,
    "alexnet": 61_100_840,
    "vgg16": 138_357_544,
    "vgg19": 143_667_240,
    "googlenet": 6_624_904,
    "resnet50": 25_557_032,
    "resnet152": 60_192_808,
}


def test_every_preset_is_exported_and_has_its_published_total():
    assert set(cnnviz.ARCHITECTURES) == set(PUBLISHED)
    for key, total in PUBLISHED.items():
        arch = cnnviz.ARCHITECTURES[key]
        assert arch.total_params == total, key
        assert sum(r.params for r in arch.table) == total  # the table adds up to the total
        assert arch.network.output_shape == ((10,) if key == "lenet5" else (1000,))


def test_lenet5_layer_by_layer():
    arch = ARCHITECTURES["lenet5"]
    shapes = [format_shape(r.output_shape) for r in arch.rows if r.kind in ("conv", "pool", "dense")]
    assert shapes == ["28x28x6", "14x14x6", "10x10x16", "5x5x16", "120", "84", "10"]
    params = [r.params for r in arch.rows if r.params]
    assert params == [(5 * 5 * 1 + 1) * 6, (5 * 5 * 6 + 1) * 16, 400 * 120 + 120, 120 * 84 + 84, 84 * 10 + 10]


def test_alexnet_first_layer_lecture_original_and_torchvision_variant():
    original = Conv2D(96, 11, stride=4).apply((227, 227, 3))  # the paper as the lecture tells it
    assert original.output_shape == (55, 55, 96)
    assert original.params == 34_944
    first = ARCHITECTURES["alexnet"].rows[0]  # torchvision: 224 input, padding 2, 64 filters
    assert first.output_shape == (55, 55, 64)
    assert first.params == (11 * 11 * 3 + 1) * 64
    assert ARCHITECTURES["alexnet"].input_shape == (224, 224, 3)


def _vgg_reference(per_stage):
    """VGG's count by plain arithmetic: 3x3 convolutions stage by stage, then 7×7×512 → 4096 → 4096 → 1000."""
    total, c = 0, 3
    for n, f in zip(per_stage, (64, 128, 256, 512, 512)):
        for _ in range(n):
            total += 9 * c * f + f
            c = f
    return total + (7 * 7 * 512 * 4096 + 4096) + (4096 * 4096 + 4096) + (4096 * 1000 + 1000)


def test_vgg_against_plain_arithmetic():
    assert ARCHITECTURES["vgg16"].total_params == _vgg_reference([2, 2, 3, 3, 3])
    assert ARCHITECTURES["vgg19"].total_params == _vgg_reference([2, 2, 4, 4, 4])


def _resnet_reference(blocks):
    """ResNet's count by plain arithmetic: each conv has no bias and a batch norm (2 per channel)."""
    total = 7 * 7 * 3 * 64 + 2 * 64
    c = 64
    for n, p in zip(blocks, (64, 128, 256, 512)):
        for i in range(n):
            total += c * p + 2 * p + 9 * p * p + 2 * p + p * 4 * p + 2 * 4 * p
            if i == 0:  # the first block of each stage projects its shortcut
                total += c * 4 * p + 2 * 4 * p
            c = 4 * p
    return total + 2048 * 1000 + 1000


def test_resnets_against_plain_arithmetic_and_shapes():
    for key, blocks in (("resnet50", [3, 4, 6, 3]), ("resnet152", [3, 8, 36, 3])):
        arch = ARCHITECTURES[key]
        assert arch.total_params == _resnet_reference(blocks)
        residual = [r for r in arch.rows if r.kind == "residual"]
        assert len(residual) == sum(blocks)
        assert [format_shape(residual[i].output_shape) for i in (0, 3)] == ["56x56x256", "28x28x512"]
        assert format_shape(residual[-1].output_shape) == "7x7x2048"
        leaves = [leaf for r in arch.rows for leaf in r.leaves()]
        convs = sum(1 for leaf in leaves if leaf.kind == "conv" and "projection" not in leaf.name)
        assert convs + 1 == arch.lecture.depth  # the lecture's depth: convolutions on the main path + 1 fc


def test_googlenet_inception_shapes_and_plain_arithmetic():
    arch = ARCHITECTURES["googlenet"]
    mods = [r for r in arch.rows if r.kind == "inception"]
    assert [r.output_shape[2] for r in mods] == [256, 480, 512, 512, 512, 528, 832, 832, 1024]
    assert [r.output_shape[0] for r in mods] == [28, 28, 14, 14, 14, 14, 14, 7, 7]
    table = [(192, 64, 96, 128, 16, 32, 32), (256, 128, 128, 192, 32, 96, 64), (480, 192, 96, 208, 16, 48, 64),
             (512, 160, 112, 224, 24, 64, 64), (512, 128, 128, 256, 24, 64, 64), (512, 112, 144, 288, 32, 64, 64),
             (528, 256, 160, 320, 32, 128, 128), (832, 256, 160, 320, 32, 128, 128),
             (832, 384, 192, 384, 48, 128, 128)]

    def cb(cin, cout, k):
        return k * k * cin * cout + 2 * cout

    total = cb(3, 64, 7) + cb(64, 64, 1) + cb(64, 192, 3) + 1024 * 1000 + 1000
    for (c, a, b, d, e, f, g), row in zip(table, mods):
        block = cb(c, a, 1) + cb(c, b, 1) + cb(b, d, 3) + cb(c, e, 1) + cb(e, f, 3) + cb(c, g, 1)
        assert row.params == block
        total += block
    assert arch.total_params == total


def test_lecture_table_and_computed_sizes():
    for key, row in LECTURE_TABLE.items():
        arch = ARCHITECTURES[key]
        assert arch.lecture is row
        assert arch.size_mb == pytest.approx(4 * arch.total_params / 1e6)
    # The lecture's "Size (M)" is megabytes, close to 4 bytes per parameter for the large networks.
    for key in ("alexnet", "vgg16", "vgg19", "resnet50", "resnet152"):
        assert abs(ARCHITECTURES[key].size_mb / LECTURE_TABLE[key].size_mb - 1) < 0.05
    assert ARCHITECTURES["lenet5"].lecture is None


def test_sequential_presets_load_into_the_builder_unchanged():
    for key in ("lenet5", "alexnet", "vgg16", "vgg19"):
        arch = ARCHITECTURES[key]
        layers, errors = parse_network_spec(arch.builder_spec)
        assert errors == []
        assert build_network(arch.input_shape, layers).total_params == arch.total_params
    for key in ("googlenet", "resnet50", "resnet152"):
        assert ARCHITECTURES[key].builder_spec is None  # blocks are not builder words


def _torch_module(layer, nn, x):
    """The same layer in PyTorch (channels first), for an independent count and shape check."""
    from cnnviz.lecture import layers as L

    if isinstance(layer, L.Block):
        return None
    if isinstance(layer, L.Conv2D):
        return nn.Conv2d(x.shape[1], layer.filters, layer.size, layer.stride, layer.padding, layer.dilation,
                         bias=layer.bias, device="meta")
    if isinstance(layer, L.Pool2D):
        cls = nn.MaxPool2d if layer.mode == "max" else nn.AvgPool2d
        return cls(layer.size, layer.stride, layer.padding, ceil_mode=layer.ceil_mode)
    if isinstance(layer, L.AdaptiveAvgPool):
        return nn.AdaptiveAvgPool2d(layer.output_size)
    if isinstance(layer, L.Flatten):
        return nn.Flatten()
    if isinstance(layer, L.Dense):
        return nn.Linear(x.shape[1], layer.units, bias=layer.bias, device="meta")
    if isinstance(layer, L.BatchNorm):
        return nn.BatchNorm2d(x.shape[1], device="meta")
    return nn.Identity()


def _torch_run(layers, x, torch):
    """Run ``layers`` in PyTorch on the meta device; return (output, parameters) with blocks done branch by branch."""
    from cnnviz.lecture import layers as L

    total = 0
    for layer in layers:
        if isinstance(layer, L.Block):
            outs = []
            for branch in layer.branches:
                y, n = _torch_run(branch, x, torch)
                outs.append(y)
                total += n
            x = torch.cat(outs, dim=1) if layer.merge == "concat" else sum(outs[1:], outs[0])
            x, n = _torch_run(layer.after, x, torch)
            total += n
        else:
            module = _torch_module(layer, torch.nn, x)
            x = module(x)
            total += sum(p.numel() for p in module.parameters())
    return x, total


@pytest.mark.parametrize("key", ["googlenet", "resnet50", "resnet152"])
def test_block_presets_match_pytorch_when_available(key):
    torch = pytest.importorskip("torch")
    arch = ARCHITECTURES[key]
    h, w, c = arch.input_shape
    x = torch.zeros(1, c, h, w, device="meta")
    for layer, row in zip(arch.layers, arch.rows):
        x, params = _torch_run([layer], x, torch)
        shape = tuple(x.shape[1:])
        assert row.output_shape == ((shape[1], shape[2], shape[0]) if len(shape) == 3 else shape), row.name
        assert row.params == params, row.name


@pytest.mark.parametrize("key", ["lenet5", "alexnet", "vgg16"])
def test_sequential_presets_match_pytorch_when_available(key):
    torch = pytest.importorskip("torch")
    nn = torch.nn
    arch = ARCHITECTURES[key]
    h, w, c = arch.input_shape
    x = torch.zeros(1, c, h, w, device="meta")  # shapes only: nothing is allocated
    for layer, row in zip(arch.layers, arch.rows):
        module = _torch_module(layer, nn, x)
        x = module(x)
        shape = tuple(x.shape[1:])
        expected = (shape[1], shape[2], shape[0]) if len(shape) == 3 else shape
        assert row.output_shape == expected, row.name
        assert row.params == sum(p.numel() for p in module.parameters()), row.name
