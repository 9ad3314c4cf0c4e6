"""The views' shared parts: no Streamlit, one number formatter, one colour scale, one grid renderer."""
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as hst

from cnnviz.grids import parse_number
from cnnviz.views.numbers import exact_number, format_number
from conftest import ROOT


def test_views_import_without_streamlit():
    # A fresh interpreter: this test process has Streamlit loaded by other tests.
    code = (
        "import importlib, pkgutil, sys\n"
        "import cnnviz, cnnviz.views\n"
        "names = [m.name for m in pkgutil.iter_modules(cnnviz.views.__path__, 'cnnviz.views.')]\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "print(len(names), 'streamlit' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    count, loaded = out.split()
    assert int(count) >= 5 and loaded == "False"


# -- numbers --------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, text", [
    (17, "17"), (17.0, "17"), (-3, "−3"), (-3.0, "−3"), (0, "0"), (-0.0, "0"),
    (123000, "123000"), (123000.0, "123000"), (10**12 - 1, "999999999999"), (np.int64(2**39 + 1), "549755813889"), (2**40 + 1, "1.1e12"),
    (0.5, "0.5"), (1 / 9, "0.11"), (-0.25, "−0.25"), (2 / 3, "0.67"), (3.25, "3.25"), (13.5, "13.5"),
    (0.0625, "0.0625"), (0.125, "0.125"), (-1 / 3, "−0.33"), (0.1 + 0.2, "0.3"), (225 * (1 / 3), "75"),
    (0.001234, "0.0012"), (0.099999, "0.1"), (1e-4, "0.0001"), (-1.23e-5, "−1.2e−5"),
    (2.5e12, "2.5e12"), (10**12, "1e12"), (-(2**63 - 1), "−9.22e18"), (np.float32(0.5), "0.5"),
    (float("nan"), "NaN"), (float("inf"), "∞"), (float("-inf"), "−∞"),
])
def test_format_number(value, text):
    assert format_number(value) == text


@settings(max_examples=300, deadline=None)
@given(hst.one_of(hst.floats(-1e6, 1e6), hst.integers(-10**6, 10**6)))
def test_every_number_reads_back_close_in_a_cell_sized_text(v):
    text = format_number(v)
    assert "-" not in text and len(text) <= 10  # one minus sign everywhere; fits a cell
    back = parse_number(text)  # what a student who copies the cell types back in
    assert abs(back - v) <= max(0.005, 0.05 * abs(v)) + 1e-9
    if isinstance(v, int) or float(v).is_integer():
        assert back == v  # whole numbers exactly, so a written-out sum adds up
    if "." in text and "e" not in text:
        assert not text.endswith("0")  # as few digits as show the value


@settings(max_examples=200, deadline=None)
@given(hst.one_of(hst.floats(allow_nan=False, allow_infinity=False), hst.integers(-2**63, 2**63 - 1)))
def test_exact_number_reads_back_exactly(v):
    text = exact_number(v)
    assert text.isascii() and (int(text) if isinstance(v, int) else float(text)) == v
