"""The "show the code" snippets: they run, and compute what cnnviz computes."""
import contextlib
import io

import numpy as np
import pytest

from cnnviz.kernel.conv import conv2d
from cnnviz.lecture.presets import LECTURE_FILTER, LECTURE_INPUT
from cnnviz.views.code import ConvSettings, code_snippets

CASES = {
    "the lecture's 5x5 with bias and ReLU": ConvSettings(LECTURE_INPUT, LECTURE_FILTER, -12, relu=True),
    "stride, padding and dilation": ConvSettings(np.arange(49).reshape(7, 7) % 5, np.array([[1, -1], [0.5, 2]]),
                                                 3, stride=2, padding=1, dilation=2),
    "an RGB filter": ConvSettings(np.arange(75).reshape(5, 5, 3) % 6, np.arange(27).reshape(3, 3, 3) % 3 - 1, 2,
                                  padding=1),
    "a bank of six filters, made by code": ConvSettings(
        np.random.default_rng(0).integers(0, 6, (32, 32, 3)), np.random.default_rng(1).integers(-2, 3, (5, 5, 3, 6)),
        [1, 2, 3, -1, -2, -3], input_code="np.random.default_rng(0).integers(0, 6, (32, 32, 3))",
        filter_code="np.random.default_rng(1).integers(-2, 3, (5, 5, 3, 6))"),
}


def expected(s: ConvSettings) -> np.ndarray:
    out = conv2d(s.input, s.filter, s.bias, stride=s.stride, padding=s.padding, dilation=s.dilation)
    return np.maximum(out, 0) if s.relu else out


def run(code: str) -> dict:
    scope: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, "<snippet>", "exec"), scope)  # noqa: S102 - the snippet is the thing under test
    return scope


@pytest.mark.parametrize("name", CASES)
def test_the_numpy_snippet_computes_the_page(name):
    s = CASES[name]
    assert np.array_equal(run(code_snippets(s)["NumPy"])["out"], expected(s))


@pytest.mark.parametrize("name", CASES)
def test_the_pytorch_snippet_computes_the_same_numbers(name):
    pytest.importorskip("torch")
    s = CASES[name]
    out = run(code_snippets(s)["PyTorch"])["out"].numpy()
    assert out.shape == expected(s).shape and np.allclose(out, expected(s))


def test_the_settings_are_written_out():
    code = code_snippets(CASES["stride, padding and dilation"])
    assert "stride=2, padding=1, dilation=2" in code["NumPy"] and "stride=2, padding=1, dilation=2" in code["PyTorch"]
    keras = code["Keras"]
    assert "ZeroPadding2D(padding=1)" in keras and 'padding="valid"' in keras and "strides=2" in keras
    assert "dilation_rate=2" in keras and "refuses a stride and a dilation" in keras
    assert "permute" not in code_snippets(CASES["the lecture's 5x5 with bias and ReLU"])["PyTorch"]
    bank = code_snippets(CASES["a bank of six filters, made by code"])
    assert "w.permute(3, 2, 0, 1)" in bank["PyTorch"] and "filters=6, kernel_size=(5, 5)" in bank["Keras"]
    assert len(bank["NumPy"]) < 1000  # a large input is written by the code that makes it, not number by number


def test_every_snippet_is_valid_python():
    for s in CASES.values():
        for name, code in code_snippets(s).items():
            compile(code, name, "exec")
