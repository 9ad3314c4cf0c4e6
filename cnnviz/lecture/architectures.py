"""The lecture's architectures, modelled layer by layer with ``cnnviz.lecture.layers``.

Each network follows a reference implementation (torchvision's, or the classic LeNet-5), so its
parameter count can be checked against the published one; nothing here is a hard-coded total.
The lecture's own table (size in MB, top-1/top-5 error, depth) is kept beside each model.
"""
from __future__ import annotations

from dataclasses import dataclass

from cnnviz.lecture.layers import (
    Activation,
    AdaptiveAvgPool,
    BatchNorm,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    Layer,
    Network,
    Pool2D,
    Row,
    build_network,
)
from cnnviz.lecture.blocks import bottleneck, inception
from cnnviz.lecture.grammar import network_spec

__all__ = ["Architecture", "LectureRow", "ARCHITECTURES", "LECTURE_TABLE"]


@dataclass(frozen=True)
class LectureRow:
    """One line of the lecture's table of ImageNet classifiers."""

    size_mb: float  # the lecture's "Size (M)": megabytes of float32 weights, roughly 4 bytes × parameters
    top1: float  # top-1 error, %
    top5: float  # top-5 error, %
    depth: int  # the lecture's "# layers"
    description: str  # e.g. "5 conv + 3 fc layers"


@dataclass(frozen=True)
class Architecture:
    """A named network: its layers, the table they give, and the lecture's numbers when it has them."""

    key: str
    name: str
    year: int  # when the network modelled here was published
    input_shape: tuple[int, int, int]
    layers: tuple[Layer, ...]
    about: str  # one or two sentences: what it is and which variant is modelled
    lecture: LectureRow | None
    network: Network
    first: tuple[str, int] | None = None  # an earlier version the lecture dates it by: ("LeNet", 1989)

    @property
    def years(self) -> str:
        """When it was published, as the page writes it: ``2012``, or ``LeNet 1989, LeNet-5 1998`` beside an
        earlier version."""
        return f"{self.first[0]} {self.first[1]}, {self.name} {self.year}" if self.first else str(self.year)

    @property
    def total_params(self) -> int:
        return self.network.total_params

    @property
    def rows(self) -> tuple[Row, ...]:
        """The per-layer table: one ``Row`` per layer or block (blocks hold their layers as ``children``)."""
        return self.network.rows

    table = rows

    @property
    def size_mb(self) -> float:
        """Size of the float32 parameters in megabytes (10^6 bytes): 4 bytes × parameters."""
        return self.network.param_bytes / 1e6

    @property
    def builder_spec(self) -> str | None:
        """The builder's text for this network, when every layer is one the builder knows."""
        return network_spec(self.layers)


def _arch(key, name, year, input_shape, layers, about, lecture=None, first=None) -> Architecture:
    layers = tuple(layers)
    return Architecture(key, name, year, input_shape, layers, about, lecture, build_network(input_shape, layers),
                        first)


def _lenet5() -> list[Layer]:
    return [
        Conv2D(6, 5, name="C1"), Activation("tanh"),
        Pool2D(2, 2, mode="avg", name="S2"),
        Conv2D(16, 5, name="C3"), Activation("tanh"),
        Pool2D(2, 2, mode="avg", name="S4"),
        Flatten(),
        Dense(120, name="C5"), Activation("tanh"),
        Dense(84, name="F6"), Activation("tanh"),
        Dense(10, name="output"),
    ]


def _alexnet() -> list[Layer]:
    return [
        Conv2D(64, 11, 4, 2, name="conv1"), Activation("relu"), Pool2D(3, 2, name="pool1"),
        Conv2D(192, 5, 1, 2, name="conv2"), Activation("relu"), Pool2D(3, 2, name="pool2"),
        Conv2D(384, 3, 1, 1, name="conv3"), Activation("relu"),
        Conv2D(256, 3, 1, 1, name="conv4"), Activation("relu"),
        Conv2D(256, 3, 1, 1, name="conv5"), Activation("relu"), Pool2D(3, 2, name="pool5"),
        AdaptiveAvgPool(6), Flatten(),
        Dropout(), Dense(4096, name="fc6"), Activation("relu"),
        Dropout(), Dense(4096, name="fc7"), Activation("relu"),
        Dense(1000, name="fc8"),
    ]


def _vgg(blocks: list[int]) -> list[Layer]:
    """VGG: stages of 3x3 convolutions (padding 1), 64 to 512 filters, each stage ending in 2x2 max pooling."""
    layers: list[Layer] = []
    for stage, (n, filters) in enumerate(zip(blocks, (64, 128, 256, 512, 512)), start=1):
        for i in range(1, n + 1):
            layers += [Conv2D(filters, 3, 1, 1, name=f"conv{stage}_{i}"), Activation("relu")]
        layers.append(Pool2D(2, 2, name=f"pool{stage}"))
    return layers + [
        AdaptiveAvgPool(7), Flatten(),
        Dense(4096, name="fc6"), Activation("relu"), Dropout(),
        Dense(4096, name="fc7"), Activation("relu"), Dropout(),
        Dense(1000, name="fc8"),
    ]


def _basic(filters, size, stride=1, padding=0, name=""):
    """torchvision's BasicConv2d: convolution without bias, batch norm, ReLU."""
    return [Conv2D(filters, size, stride, padding, bias=False, name=name), BatchNorm(), Activation("relu")]


def _googlenet() -> list[Layer]:
    mods = {
        "3a": (64, 96, 128, 16, 32, 32), "3b": (128, 128, 192, 32, 96, 64),
        "4a": (192, 96, 208, 16, 48, 64), "4b": (160, 112, 224, 24, 64, 64),
        "4c": (128, 128, 256, 24, 64, 64), "4d": (112, 144, 288, 32, 64, 64),
        "4e": (256, 160, 320, 32, 128, 128),
        "5a": (256, 160, 320, 32, 128, 128), "5b": (384, 192, 384, 48, 128, 128),
    }
    inc = {k: inception(*v, name=f"inception {k}") for k, v in mods.items()}
    return [
        *_basic(64, 7, 2, 3, "conv1"), Pool2D(3, 2, mode="max", ceil_mode=True, name="pool1"),
        *_basic(64, 1, name="conv2"), *_basic(192, 3, 1, 1, name="conv3"),
        Pool2D(3, 2, mode="max", ceil_mode=True, name="pool2"),
        inc["3a"], inc["3b"], Pool2D(3, 2, mode="max", ceil_mode=True, name="pool3"),
        inc["4a"], inc["4b"], inc["4c"], inc["4d"], inc["4e"],
        Pool2D(2, 2, mode="max", ceil_mode=True, name="pool4"),
        inc["5a"], inc["5b"],
        AdaptiveAvgPool(1), Flatten(), Dropout(0.2), Dense(1000, name="fc"),
    ]


def _resnet(blocks: list[int]) -> list[Layer]:
    layers: list[Layer] = [*_basic(64, 7, 2, 3, "conv1"), Pool2D(3, 2, 1, "max", name="pool1")]
    c_in = 64
    for stage, (n, planes) in enumerate(zip(blocks, (64, 128, 256, 512)), start=2):
        for i in range(n):
            stride = 2 if (i == 0 and stage > 2) else 1
            layers.append(bottleneck(c_in, planes, stride, name=f"conv{stage}_{i + 1}"))
            c_in = 4 * planes
    return layers + [AdaptiveAvgPool(1), Flatten(), Dense(1000, name="fc")]


# The lecture's table (ImageNet classification), in its own words and units.
LECTURE_TABLE: dict[str, LectureRow] = {
    "alexnet": LectureRow(238, 41.00, 18.00, 8, "5 conv + 3 fc layers"),
    "vgg16": LectureRow(540, 28.07, 9.33, 16, "13 conv + 3 fc layers"),
    "vgg19": LectureRow(560, 27.30, 9.00, 19, "16 conv + 3 fc layers"),
    "googlenet": LectureRow(40, 29.81, 10.04, 22, "21 conv + 1 fc layers"),
    "resnet50": LectureRow(100, 22.85, 6.71, 50, "49 conv + 1 fc layers"),
    "resnet152": LectureRow(235, 21.43, 3.57, 152, "151 conv + 1 fc layers"),
}

ARCHITECTURES: dict[str, Architecture] = {
    a.key: a
    for a in [
        _arch("lenet5", "LeNet-5", 1998, (32, 32, 1), _lenet5(),
              "LeCun's digit reader: two convolution + subsampling stages, then three dense layers. "
              "Modelled as the classic simplified version (every C3 filter sees all 6 maps, plain average pooling).",
              first=("LeNet", 1989)),
        _arch("alexnet", "AlexNet", 2012, (224, 224, 3), _alexnet(),
              "The network that won ImageNet 2012. Modelled as torchvision's single-GPU variant (64-192-384-256-256 "
              "filters, 224x224 input with padding 2); the paper's first layer had 96 filters of 11x11x3 on 227x227.",
              LECTURE_TABLE["alexnet"]),
        _arch("vgg16", "VGG-16", 2014, (224, 224, 3), _vgg([2, 2, 3, 3, 3]),
              "Only 3x3 convolutions (padding 1) and 2x2 max pooling, 13 convolutional + 3 dense layers.",
              LECTURE_TABLE["vgg16"]),
        _arch("vgg19", "VGG-19", 2014, (224, 224, 3), _vgg([2, 2, 4, 4, 4]),
              "VGG-16 with one more 3x3 convolution in each of the last three stages.", LECTURE_TABLE["vgg19"]),
        _arch("googlenet", "GoogLeNet", 2014, (224, 224, 3), _googlenet(),
              "Inception modules: 1x1, 3x3, \"5x5\" and pooling branches side by side, concatenated on channels. "
              "Modelled as torchvision's: batch norm after every (bias-free) convolution, no auxiliary "
              "classifiers, and a 3x3 filter where the paper's fourth branch has 5x5.",
              LECTURE_TABLE["googlenet"]),
        _arch("resnet50", "ResNet-50", 2015, (224, 224, 3), _resnet([3, 4, 6, 3]),
              "Residual bottleneck blocks (1x1, 3x3, 1x1) whose input is added to their output. "
              "Modelled as torchvision's (stride on the 3x3 convolution, batch norm after each convolution).",
              LECTURE_TABLE["resnet50"]),
        _arch("resnet152", "ResNet-152", 2015, (224, 224, 3), _resnet([3, 8, 36, 3]),
              "ResNet-50's design with 3, 8, 36 and 3 bottleneck blocks per stage.", LECTURE_TABLE["resnet152"]),
    ]
}
