"""Parsing typed cells and grids carried in links."""
import numpy as np
import pytest

from cnnviz.kernel.grids import grid_from_text, grid_to_text, parse_cells, parse_number


@pytest.mark.parametrize("text, value", [("3", 3), (" -2 ", -2), ("2.5", 2.5), ("2,5", 2.5), ("1e3", 1000.0),
                                         ("−4", -4), (7, 7), (0.5, 0.5)])
def test_numbers_people_type(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text, words", [("", "empty"), (None, "empty"), ("abc", "not a number"),
                                         ("nan", "not a number"), ("inf", "not a number"),
                                         ("1e400", "1e400. is too large"), ("9" * 10_000, "too long"),
                                         ("5000000", "too large"), (float("inf"), "finite")])
def test_bad_cells_explained(text, words):
    with pytest.raises(ValueError, match=words):
        parse_number(text)


def test_parse_cells_names_every_bad_cell():
    arr, errors = parse_cells([["1", "x"], ["", "4"]], name="input")
    assert arr is None
    assert errors == ["Input, row 1, column 2: 'x' is not a number.",
                      "Input, row 2, column 1: is empty: type a number."]


def test_whole_numbers_become_integers():
    arr, errors = parse_cells([["1", "2.0"], ["3", "4"]])
    assert not errors and arr.dtype.kind == "i" and arr.tolist() == [[1, 2], [3, 4]]


def test_round_trip_through_text():
    grid = np.array([[1, -2.5], [3.125, 4]])
    np.testing.assert_array_equal(grid_from_text(grid_to_text(grid)), grid)


@pytest.mark.parametrize("text", ["", "1,2;3", "1,a;3,4", "1," * 5000, ";".join(["1"] * 100)])
def test_bad_links_raise(text):
    with pytest.raises(ValueError):
        grid_from_text(text)

