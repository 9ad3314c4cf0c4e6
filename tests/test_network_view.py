"""The network drawings: every box, label and shortcut comes from the model that counts the parameters."""
import json
import subprocess
import sys

import pytest

from cnnviz.lecture.architectures import ARCHITECTURES
from cnnviz.kernel.notation import format_shape
from cnnviz.lecture.grammar import parse_network_spec
from cnnviz.lecture.layers import Block, build_network
from cnnviz.views.network import network_diagram, network_figure


def drawn(key, wrap=60.0):
    a = ARCHITECTURES[key]
    return network_diagram(a.network, a.layers, wrap)


def model_boxes(arch):
    """Independently of the drawing: the (kind, output shape) of every conv, pool and dense row, blocks opened."""
    return [(leaf.kind, format_shape(leaf.output_shape)) for row in arch.rows for leaf in row.leaves()
            if leaf.kind in ("conv", "pool", "dense")]


def test_lenet_is_seven_boxes_with_the_lecture_s_shapes_after_its_input():
    d = drawn("lenet5")
    assert d.boxes[0].kind == "input" and d.boxes[0].label == "32x32x1"
    layers = d.boxes[1:]
    assert [b.label for b in layers] == ["28x28x6", "14x14x6", "10x10x16", "5x5x16", "120", "84", "10"]
    assert [b.kind for b in layers] == ["conv", "pool", "conv", "pool", "dense", "dense", "dense"]
    assert [b.title for b in layers[:2]] == ["C1 · conv 5x5", "S2 · avg pool 2x2"]
    assert "(5×5×1 + 1)×6 = 156" in layers[0].hover and "32x32x1 → 28x28x6" in layers[0].hover
    assert "400×120 + 120 = 48,120" in layers[4].hover
    # Sizes follow the shapes: a 28x28 map is taller than a 14x14 one, 16 channels longer than 6.
    assert layers[0].height > layers[1].height > layers[3].height
    assert layers[2].length > layers[1].length
    assert not d.merges and not d.skip_arrows


@pytest.mark.parametrize("key", list(ARCHITECTURES))
def test_every_preset_draws_one_box_per_conv_pool_and_dense_row_of_its_table(key):
    arch = ARCHITECTURES[key]
    d = drawn(key)
    assert [(b.kind, b.label) for b in d.boxes[1:]] == model_boxes(arch)
    assert all(b.row is not None and b.row.formula in b.hover for b in d.boxes[1:])
    blocks = [layer for layer in arch.layers if isinstance(layer, Block)]
    assert len(d.merges) == len(blocks)
    # The drawing keeps to its lines: nothing past the line width (plus the widest single item).
    assert max(b.back for b in d.boxes) <= d.width + 1e-9


@pytest.mark.parametrize("key", ["resnet50", "resnet152"])
def test_every_bottleneck_has_one_shortcut_that_ends_at_its_addition(key):
    arch, d = ARCHITECTURES[key], drawn(key)
    residual = [layer for layer in arch.layers if isinstance(layer, Block) and layer.merge == "add"]
    assert len(d.skip_arrows) == len(residual) == {"resnet50": 16, "resnet152": 50}[key]
    adds = [m for m in d.merges if m.symbol == "+"]
    assert len(adds) == len(residual)
    for arrow, add in zip(d.skip_arrows, adds):
        (x, y) = arrow.points[-1]
        assert x == pytest.approx(add.x) and y > add.y  # comes down onto the ⊕ from above
        assert arrow.points[0][1] == pytest.approx(add.y)  # and leaves the block's input on the same line
    # A projection shortcut (the first block of a stage) carries its 1x1 convolution on the arrow.
    projections = [b for b in d.boxes if b.path.endswith("/ shortcut")]
    assert len(projections) == 4 and all(b.title.startswith("conv 1x1") for b in projections)


def test_inception_branches_are_side_by_side_lanes_joined_at_a_concatenation():
    arch, d = ARCHITECTURES["googlenet"], drawn("googlenet")
    first = next(i for i, layer in enumerate(arch.layers, start=1) if isinstance(layer, Block))
    boxes = [b for b in d.boxes if b.path.startswith(f"{first} / ")]
    lanes = {}
    for b in boxes:
        lanes.setdefault(b.path.split(" / ")[1], []).append(b)
    assert list(lanes) == ["1x1", "3x3", "\"5x5\" (3x3)", "pool"]
    middles = [lane[0].middle for lane in lanes.values()]
    assert middles == sorted(middles, reverse=True) and len(set(middles)) == 4  # one lane above the other
    spans = [(min(b.x for b in lane), max(b.back for b in lane)) for lane in lanes.values()]
    assert max(s for s, _ in spans) < min(e for _, e in spans)  # the lanes overlap along the flow: parallel
    concat = d.merges[0]
    assert concat.symbol == "C" and "64 + 128 + 32 + 32 = 256 channels" in concat.hover
    assert all(concat.x > e for _, e in spans)


def test_kinds_differ_by_pattern_and_shape_not_only_colour():
    fig = network_figure(drawn("lenet5"))
    patterns = {t.legendgroup: t.fillpattern.shape or "" for t in fig.data if t.legendgroup}
    assert patterns == {"input": "", "conv": "", "pool": "/", "dense": "."}
    d = drawn("lenet5")
    dense, conv = d.boxes[-1], d.boxes[1]
    assert dense.length < conv.length / 2  # a flat slab, not a volume


def test_figure_hover_points_index_the_boxes_and_labels_are_the_shapes():
    d = drawn("resnet50")
    fig = network_figure(d)
    points = fig.data[-1]
    assert list(points.customdata) == list(range(len(d.boxes)))
    assert list(points.hovertext) == [b.hover for b in d.boxes]
    spec = json.dumps(fig.to_plotly_json(), default=str)
    assert "<b>56x56x256</b>" in spec and "<b>7x7x2048</b>" in spec and "shortcut, added at" in spec


def test_a_narrow_drawing_wraps_into_more_lines():
    wide, narrow = drawn("vgg16", 60), drawn("vgg16", 22)
    assert narrow.width <= 22 + 10 and narrow.height > wide.height
    assert [b.label for b in narrow.boxes] == [b.label for b in wide.boxes]


def test_a_built_network_is_drawn_from_its_layers():
    layers, errors = parse_network_spec("conv:8:3:1:1,relu,maxpool:2,conv:4:3,gap,flatten,dense:10")
    net = build_network((16, 16, 3), layers)
    d = network_diagram(net, layers)
    assert not errors and [b.label for b in d.boxes] == ["16x16x3", "16x16x8", "8x8x8", "6x6x4", "1x1x4", "10"]
    with pytest.raises(ValueError, match="one layer for every row"):
        network_diagram(net, layers[:-1])


def test_the_view_does_not_import_streamlit():
    code = "import sys, cnnviz.views.network; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
