"""The texts under the pointer: every cell written by the shared formatter, packed and read back."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from cnnviz import conv2d
from cnnviz.views.hover import cell_texts, pack_cells, pixel_texts, unpack_cells
from cnnviz.kernel.notation import format_number


def test_a_map_reads_back_cell_by_cell_in_reading_order():
    act = conv2d(np.arange(20.0).reshape(4, 5), np.array([[1.0, 0.0], [0.0, -0.5]]))  # (3, 4)
    cells = unpack_cells(pack_cells(*cell_texts(act)))
    assert len(cells) == 3 and len(cells[0]) == 4
    # Row 2, column 3 as the page writes it (from 1) is act[1, 2]: 7 − 0.5×13 = 0.5.
    assert cells[1][2] == format_number(act[1, 2]) == "0.5"
    assert cells[0][0] == format_number(0 - 0.5 * 6) == "−3"


@given(arrays(np.float32, st.tuples(st.integers(1, 9), st.integers(1, 9)),
              elements=st.floats(-1e6, 1e6, width=32)))
def test_every_cell_is_the_shared_formatter_of_its_value(values):
    cells = unpack_cells(pack_cells(*cell_texts(values)))
    assert cells == [[format_number(float(v)) for v in row] for row in values]


def test_many_distinct_values_take_wider_indices():
    values = np.arange(300 * 300, dtype=np.float64).reshape(300, 300) / 7  # 90,000 texts: 4-byte indices
    cells = unpack_cells(pack_cells(*cell_texts(values)))
    assert cells[299][299] == format_number(values[299, 299]) and cells[0][1] == "0.14"


def test_a_picture_names_its_channels():
    pixels = np.zeros((2, 3, 3), np.uint8)
    pixels[1, 2] = (255, 128, 7)
    cells = unpack_cells(pack_cells(*pixel_texts(pixels)))
    assert cells[1][2] == "R 255, G 128, B 7" and cells[0][0] == "R 0, G 0, B 0"
    grey = unpack_cells(pack_cells(*pixel_texts(pixels[:, :, :1])))
    assert grey[1][2] == "255"


def test_bad_shapes_are_refused_in_words():
    with pytest.raises(ValueError, match="rows and columns"):
        cell_texts(np.zeros(4))
    with pytest.raises(ValueError, match="H x W x 3"):
        pixel_texts(np.zeros((2, 2, 2), np.uint8))

