"""The lecture's challenges done to a digit, and the test accuracy as one of them grows."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz.learn.challenges import (
    CONTROLS,
    SWEEP_AMOUNTS,
    accuracy_sweep,
    apply_challenges,
    brightness,
    clutter,
    noise,
    occlude,
    rotate,
    scale,
    shift,
    stroke,
)
from cnnviz.learn.digits import digits_split
from cnnviz.learn.network import train_digits

DIGITS = digits_split().test_images


@pytest.fixture(scope="module")
def model():
    return train_digits(epochs=3).model  # about 96% of the test digits right


def test_no_change_returns_the_digit():
    digit = DIGITS[7]
    for out in (shift(digit, 0, 0), rotate(digit, 0), scale(digit, 1), stroke(digit, 0), brightness(digit, 1),
                apply_challenges(digit)):
        assert out.dtype == np.float64 and (out == digit).all()
    batch = DIGITS[:4]
    assert (rotate(batch, 0) == batch).all() and rotate(batch, 10).shape == (4, 8, 8)


@settings(max_examples=30)
@given(dy=st.integers(-2, 2), dx=st.integers(-2, 2), seed=st.integers(0, 2**16))
def test_a_shift_and_its_reverse_give_back_the_inside_of_the_digit(dy, dx, seed):
    """Content two cells away from every edge survives a shift of up to ±2 there and back; the rest is paper."""
    digit = np.zeros((8, 8))
    digit[2:6, 2:6] = np.random.default_rng(seed).integers(0, 17, (4, 4))
    there = shift(digit, dy, dx)
    assert there.sum() == digit.sum()
    assert (shift(there, -dy, -dx) == digit).all()
    assert (there[2 + dy:6 + dy, 2 + dx:6 + dx] == digit[2:6, 2:6]).all()


def test_a_shift_lets_paper_in_behind_the_digit():
    out = shift(np.full((8, 8), 16), 2, -1)
    assert (out[:2] == 0).all() and (out[:, 7] == 0).all() and (out[2:, :7] == 16).all()


@pytest.mark.parametrize("degrees,turns", [(90, 1), (-90, -1), (180, 2)])
def test_a_quarter_turn_is_numpys_rot90(degrees, turns):
    """A centred pattern (and the whole grid turns onto itself about the centre 3.5, 3.5)."""
    pattern = np.zeros((8, 8))
    pattern[2:6, 3] = 16
    pattern[2, 3:6] = 12
    pattern[5, 4] = 5
    assert np.allclose(rotate(pattern, degrees), np.rot90(pattern, turns), atol=1e-9)
    digit = DIGITS[11]
    assert np.allclose(rotate(digit, degrees), np.rot90(digit, turns), atol=1e-9)


def test_a_small_turn_is_bilinear_and_keeps_the_centre():
    ring = np.zeros((8, 8))
    ring[3:5, 3:5] = 16  # the middle 2x2 block turns onto itself within a cell
    out = rotate(ring, 30)
    assert out[3:5, 3:5].min() > 8 and out.max() <= 16
    assert np.isclose(rotate(ring, 45).sum(), ring.sum(), rtol=0.2)


def test_scaling_grows_and_shrinks_about_the_centre():
    square = np.zeros((8, 8))
    square[2:6, 2:6] = 16
    assert (scale(square, 2) > 0).sum() > (square > 0).sum() > (scale(square, 0.5) > 0).sum()
    assert np.allclose(scale(square, 1.3), scale(square, 1.3)[::-1, ::-1])  # symmetric stays symmetric


def test_stroke_thickens_and_thins_by_grey_dilation_and_erosion():
    digit = DIGITS[2].astype(float)
    padded = np.pad(digit, 1)
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3))  # (8, 8, 3, 3)
    assert (stroke(digit, 1) == windows.max(axis=(2, 3))).all()
    assert (stroke(digit, -1) == windows.min(axis=(2, 3))).all()
    half = stroke(digit, 0.5)
    assert (stroke(digit, -0.5) <= digit).all() and (digit <= half).all() and (half <= stroke(digit, 1)).all()


def test_dimming_is_monotone_and_brightening_clips_at_16():
    digit = DIGITS[4]
    levels = [brightness(digit, f) for f in (0, 0.25, 0.5, 0.75, 1, 1.5, 2)]
    for darker, lighter in zip(levels, levels[1:]):
        assert (darker <= lighter).all()
    assert (levels[0] == 0).all() and levels[-1].max() == 16 and (levels[2] == digit / 2).all()


def test_occlusion_covers_the_box_only():
    digit = DIGITS[9].astype(float)
    out = occlude(digit, (1, 4), (2, 8), fill=16)
    assert (out[1:4, 2:8] == 16).all()
    keep = np.ones((8, 8), bool)
    keep[1:4, 2:8] = False
    assert (out[keep] == digit[keep]).all()


def test_noise_and_clutter_are_seeded():
    digit = DIGITS[0]
    assert (noise(digit, 3, seed=4) == noise(digit, 3, seed=4)).all()
    assert not (noise(digit, 3, seed=4) == noise(digit, 3, seed=5)).all()
    assert noise(digit, 3).min() >= 0 and noise(digit, 3).max() <= 16
    more, fewer = clutter(digit, 0.3, seed=2), clutter(digit, 0.1, seed=2)
    assert ((fewer == 16) <= (more == 16)).all() and (more == 16).sum() > (digit == 16).sum()
    assert (noise(digit, 0) == digit).all() and (clutter(digit, 0) == digit).all()


@pytest.mark.parametrize("call,words", [
    (lambda: shift(DIGITS[0], 1.5, 0), "shift down must be a whole number"),
    (lambda: shift(DIGITS[0], 0, 8), "shift right"),
    (lambda: rotate(DIGITS[0], float("nan")), "angle"),
    (lambda: scale(DIGITS[0], 0), "scale factor"),
    (lambda: stroke(DIGITS[0], 2), "stroke change"),
    (lambda: brightness(DIGITS[0], -1), "brightness factor"),
    (lambda: occlude(DIGITS[0], (4, 2), (0, 8)), "box's rows"),
    (lambda: occlude(DIGITS[0], (0, 2), "ab"), "box's columns"),
    (lambda: noise(DIGITS[0], 1, seed=-1), "seed"),
    (lambda: clutter(DIGITS[0], 1.5), "share"),
    (lambda: rotate(np.full((8, 8), 17), 5), "between 0"),
    (lambda: rotate(np.zeros((7, 8)), 5), "8x8"),
])
def test_a_bad_argument_gets_one_sentence(call, words):
    with pytest.raises(ValueError, match=words) as info:
        call()
    assert str(info.value).count(". ") == 0 and str(info.value).endswith(".")


def test_every_control_starts_at_no_change():
    digit = DIGITS[1]
    for name, (low, high, step, none) in CONTROLS.items():
        assert low <= none <= high and step > 0, name
    assert (apply_challenges(digit, dy=0, dx=0, degrees=0, factor=1, thicken=0, light=1) == digit).all()
    out = apply_challenges(digit, dy=1, degrees=10, factor=0.9, thicken=0.5, light=0.8, box=((0, 2), (0, 8)),
                           sigma=1, share=0.1, seed=3)
    assert out.shape == (8, 8) and 0 <= out.min() and out.max() <= 16


def test_the_sweep_at_no_change_is_the_models_accuracy(model):
    accuracy = model.accuracy(DIGITS, digits_split().test_labels)
    for challenge in SWEEP_AMOUNTS:
        sweep = accuracy_sweep(model, challenge)
        none = CONTROLS.get(challenge.split("_")[0], (0, 0, 0, 0))[3]
        (at,) = np.flatnonzero(sweep.amounts == none)
        assert sweep.accuracies[at] == accuracy, challenge
        assert sweep.accuracies.shape == sweep.amounts.shape == (len(SWEEP_AMOUNTS[challenge]),)


def test_shifting_or_turning_the_test_digits_costs_accuracy(model):
    shifts = accuracy_sweep(model, "shift_x")
    assert shifts.amounts.tolist() == [-2, -1, 0, 1, 2]
    assert shifts.accuracies[2] > 0.9 and shifts.accuracies[[0, 4]].max() < shifts.accuracies[2] - 0.2
    turns = accuracy_sweep(model, "rotate", [-30, 0, 30])
    assert turns.accuracies[1] > max(turns.accuracies[0], turns.accuracies[2])
    few = accuracy_sweep(model, "shift_y", [0], DIGITS[:10], digits_split().test_labels[:10])
    assert few.accuracies.shape == (1,)


def test_a_bad_sweep_gets_one_sentence(model):
    with pytest.raises(ValueError, match="no challenge"):
        accuracy_sweep(model, "blur")
    with pytest.raises(ValueError, match="whole cells"):
        accuracy_sweep(model, "shift_x", [0.5])
    with pytest.raises(ValueError, match="both"):
        accuracy_sweep(model, "rotate", images=DIGITS[:3])
