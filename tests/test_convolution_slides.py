"""Under the Convolution page's player: downloads for slides and the code of the current settings."""
import contextlib
import io

import numpy as np

from cnnviz.lecture.presets import LECTURE_FILTER, LECTURE_INPUT
from cnnviz.views.conv import activation_map
from conftest import open_app_page


def run_snippet(code: str) -> np.ndarray:
    scope: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, "<snippet>", "exec"), scope)  # noqa: S102 - the snippet is the thing under test
    return scope["out"]


def test_the_lecture_example_offers_a_gif_a_png_a_csv_and_its_code():
    at = open_app_page("pages/convolution.py", bias="-10", relu="1", padding="1", step="4")
    at.session_state["conv_slides"] = True  # the slides box open
    at.run()
    assert not at.exception
    assert [b.label for b in at.get("download_button")] == ["GIF of all 25 steps", "PNG of step 4", "Grids as CSV"]
    numpy_code = at.code[0].value
    assert "padding=1" in numpy_code and "np.maximum(out, 0)" in numpy_code
    expected = activation_map(LECTURE_INPUT, LECTURE_FILTER, -10, relu=True, padding=1)
    assert np.array_equal(run_snippet(numpy_code), expected)


def test_no_downloads_while_the_filter_does_not_fit():
    at = open_app_page("pages/convolution.py", dilation="3")  # a 3x3 filter dilated to 7x7 on a 5x5 input
    assert not at.exception and at.error
    assert not at.get("download_button") and not any(e.label.startswith("For slides") for e in at.expander)
