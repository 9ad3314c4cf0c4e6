"""The kernel: convolutions, pooling, their backward passes, sizes and parameter counts, receptive fields, grids.
NumPy only."""
from cnnviz.kernel.backward import conv2d_backward, conv2d_backward_naive, pool2d_backward, pool2d_backward_naive
from cnnviz.kernel.conv import ConvStep, conv1d, conv1d_naive, conv2d, conv2d_naive, conv_trace, pad_input
from cnnviz.kernel.transpose import conv_matrix, conv_transpose2d, conv_transpose2d_naive
from cnnviz.kernel.pool import POOL_MODES, TIE_RULE, PoolStep, pool2d, pool2d_naive, pool_trace
from cnnviz.kernel.gradients import (
    input_gradient_trace,
    map_gradient,
    pool_gradient_trace,
    spread_gradient,
    squared_loss,
    weight_gradient_trace,
)
from cnnviz.kernel.fields import Branches, Field, Region, Window, receptive_fields
from cnnviz.kernel.shapes import (
    conv_output_formula,
    conv_output_size,
    conv_param_count,
    conv_param_formula,
    conv_transpose_output_size,
    dense_param_count,
    pool_output_formula,
    pool_output_size,
    pool_output_size_padded,
)

__all__ = [
    "ConvStep", "conv2d", "conv2d_naive", "conv1d", "conv1d_naive", "conv_trace", "pad_input",
    "conv_transpose2d", "conv_transpose2d_naive", "conv_matrix",
    "POOL_MODES", "TIE_RULE", "PoolStep", "pool2d", "pool2d_naive", "pool_trace",
    "conv2d_backward", "conv2d_backward_naive", "pool2d_backward", "pool2d_backward_naive",
    "weight_gradient_trace", "input_gradient_trace", "pool_gradient_trace", "spread_gradient", "map_gradient",
    "squared_loss",
    "conv_output_size", "conv_transpose_output_size", "pool_output_size", "conv_param_count", "dense_param_count",
    "conv_output_formula", "pool_output_formula", "conv_param_formula", "pool_output_size_padded",
    "Window", "Branches", "Field", "Region", "receptive_fields",
]
