"""cnnviz: a small NumPy kernel for convolution and pooling, and the pieces of an app that shows them."""
from .backward import conv2d_backward, conv2d_backward_naive, pool2d_backward, pool2d_backward_naive
from .conv import ConvStep, conv2d, conv2d_naive, conv_trace, pad_input
from .images import ImageError, load_image
from .pool import POOL_MODES, TIE_RULE, PoolStep, pool2d, pool2d_naive, pool_trace
from .quiz import (
    MAX_SEED,
    QUIZ_KINDS,
    QUIZ_LENGTHS,
    Question,
    Verdict,
    check_answer,
    make_question,
    make_quiz,
    parse_seed,
)
from .shapes import (
    conv_output_formula,
    conv_output_size,
    conv_param_count,
    conv_param_formula,
    dense_param_count,
    pool_output_formula,
    pool_output_size,
)

from .layers import LayerError, Network, Row, build_network, layer_from_spec, parse_network_spec
from .architectures import ARCHITECTURES, Architecture
from .digits import DIGITS_TEST_EVERY, DigitsSplit, digits_split, load_digits
from .learn import DigitsCNN, EpochRecord, TrainConfig, TrainResult, train_digits

# More public names are exported below by the modules that define them.

__all__ = [
    "ConvStep",
    "PoolStep",
    "POOL_MODES",
    "TIE_RULE",
    "conv2d",
    "conv2d_naive",
    "conv_trace",
    "pad_input",
    "pool2d",
    "pool2d_naive",
    "pool_trace",
    "conv2d_backward",
    "conv2d_backward_naive",
    "pool2d_backward",
    "pool2d_backward_naive",
    "conv_output_size",
    "pool_output_size",
    "conv_param_count",
    "dense_param_count",
    "conv_output_formula",
    "pool_output_formula",
    "conv_param_formula",
    "ImageError",
    "load_image",
    "QUIZ_KINDS",
    "QUIZ_LENGTHS",
    "MAX_SEED",
    "Question",
    "Verdict",
    "make_question",
    "make_quiz",
    "check_answer",
    "parse_seed",
    "ARCHITECTURES",
    "Architecture",
    "build_network",
    "layer_from_spec",
    "parse_network_spec",
    "LayerError",
    "Network",
    "Row",
]

__all__ += ["load_digits", "digits_split", "DigitsSplit", "DIGITS_TEST_EVERY"]
__all__ += ["train_digits", "TrainConfig", "TrainResult", "EpochRecord", "DigitsCNN"]
