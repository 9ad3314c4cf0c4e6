"""cnnviz: see a CNN's building blocks.

The subpackages, each importing only those above it in this list:

- ``kernel``: convolution and its relatives, pooling, backward passes, sizes and parameter counts, grids
  (NumPy only);
- ``images``: the safe image loader (Pillow);
- ``lecture``: filter presets, the layer model, architectures, the network builder's grammar, the quiz;
- ``learn``: one filter learned by gradient descent, the digits, the network and its training, interpretation,
  the training worker;
- ``views``: arrays into HTML, Plotly, PNG and the step player (no Streamlit);
- ``ui``: the app shell, page state, caches, widgets, one module per page (Streamlit);
- ``classroom``: the room store, the push channel and the room's UI, plugged into the pages by ``app.py``.

The public names below are loaded on first use, so ``import cnnviz.kernel`` loads NumPy alone.
"""
from __future__ import annotations

import importlib

# name -> the module that defines it
_EXPORTS = {
    "cnnviz.kernel.conv": ["ConvStep", "conv2d", "conv2d_naive", "conv1d", "conv1d_naive", "conv_trace",
                           "pad_input"],
    "cnnviz.kernel.transpose": ["conv_transpose2d", "conv_transpose2d_naive", "conv_matrix"],
    "cnnviz.kernel.pool": ["POOL_MODES", "TIE_RULE", "PoolStep", "pool2d", "pool2d_naive", "pool_trace"],
    "cnnviz.kernel.backward": ["conv2d_backward", "conv2d_backward_naive", "pool2d_backward",
                               "pool2d_backward_naive"],
    "cnnviz.kernel.gradients": ["weight_gradient_trace", "input_gradient_trace", "pool_gradient_trace",
                                "spread_gradient", "map_gradient", "squared_loss"],
    "cnnviz.kernel.shapes": ["conv_output_size", "conv_transpose_output_size", "pool_output_size",
                             "conv_param_count", "dense_param_count", "conv_output_formula",
                             "pool_output_formula", "conv_param_formula"],
    "cnnviz.images": ["ImageError", "load_image"],
    "cnnviz.lecture.quiz.questions": ["QUIZ_KINDS", "QUIZ_LENGTHS", "MAX_SEED", "Question", "make_question",
                                      "make_quiz"],
    "cnnviz.lecture.quiz.answers": ["Verdict", "check_answer", "parse_seed"],
    "cnnviz.lecture.architectures": ["ARCHITECTURES", "Architecture"],
    "cnnviz.lecture.layers": ["build_network", "LayerError", "Network", "Row"],
    "cnnviz.lecture.grammar": ["layer_from_spec", "parse_network_spec"],
    "cnnviz.learn.digits": ["load_digits", "digits_split", "DigitsSplit", "DIGITS_TEST_EVERY"],
    "cnnviz.learn.network": ["train_digits", "TrainConfig", "TrainResult", "EpochRecord", "DigitsCNN"],
    "cnnviz.learn.interpret": ["excite"],
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = list(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'cnnviz' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value  # once loaded, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
