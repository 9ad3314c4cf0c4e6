"""The blocks of GoogLeNet and ResNet, built from the layer model: an Inception module and a bottleneck."""
from __future__ import annotations

from cnnviz.kernel.notation import format_shape
from cnnviz.lecture.layers import Activation, BatchNorm, Block, Conv2D, Layer, Pool2D

__all__ = ["inception", "bottleneck"]


def _conv_bn_relu(c_out: int, size: int, stride: int = 1, padding: int = 0, relu: bool = True,
                  name: str = "") -> tuple[Layer, ...]:
    """A convolution without bias, batch norm, and (optionally) ReLU, as torchvision builds them."""
    conv = Conv2D(c_out, size, stride, padding, bias=False, name=name or f"conv {format_shape((size, size))}")
    layers: list[Layer] = [conv, BatchNorm()]
    if relu:
        layers.append(Activation("relu"))
    return tuple(layers)


def inception(ch1x1: int, ch3x3red: int, ch3x3: int, ch5x5red: int, ch5x5: int, pool_proj: int,
              name: str = "inception", *, fifth_branch_size: int = 3) -> Block:
    """An Inception module as torchvision builds GoogLeNet's: four branches concatenated on channels.

    Branches: 1x1; 1x1 then 3x3; 1x1 then the "5x5" branch; 3x3 max pool (stride 1) then 1x1.
    Every convolution has no bias and is followed by batch norm and ReLU. torchvision's "5x5" branch
    uses a 3x3 filter (``fifth_branch_size=3``, kept for its published weights); the paper uses 5x5.
    """
    branches = (
        _conv_bn_relu(ch1x1, 1),
        _conv_bn_relu(ch3x3red, 1) + _conv_bn_relu(ch3x3, 3, padding=1),
        _conv_bn_relu(ch5x5red, 1) + _conv_bn_relu(ch5x5, fifth_branch_size, padding=fifth_branch_size // 2),
        (Pool2D(3, 1, 1, "max", ceil_mode=True),) + _conv_bn_relu(pool_proj, 1),
    )
    return Block(branches, "concat", (), ("1x1", "3x3", "5x5" if fifth_branch_size == 5 else "\"5x5\" (3x3)", "pool"),
                 name, "inception", f"inception: {ch1x1} + {ch3x3} + {ch5x5} + {pool_proj} channels from 4 branches")


def bottleneck(c_in: int, planes: int, stride: int = 1, name: str = "bottleneck") -> Block:
    """A ResNet bottleneck block (torchvision, v1.5): 1x1 → 3x3 (with the stride) → 1x1 to 4×planes, plus a shortcut.

    The shortcut is the identity when the shape is unchanged, else a projection: a 1x1
    convolution with the stride, and batch norm. ReLU follows the addition.
    """
    main = (_conv_bn_relu(planes, 1) + _conv_bn_relu(planes, 3, stride, 1)
            + _conv_bn_relu(4 * planes, 1, relu=False))
    shortcut: tuple[Layer, ...] = ()
    if stride != 1 or c_in != 4 * planes:
        shortcut = _conv_bn_relu(4 * planes, 1, stride, relu=False, name="projection 1x1")
    how = f"projection shortcut{', stride ' + str(stride) if stride != 1 else ''}" if shortcut else "identity shortcut"
    return Block((main, shortcut), "add", (Activation("relu"),),
                 ("main", "shortcut" if shortcut else "identity"), name, "residual",
                 f"bottleneck 1x1 → 3x3 → 1x1 ({planes}, {planes}, {4 * planes} filters), {how}")
