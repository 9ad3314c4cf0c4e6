"""The player for slides: a GIF with one frame per step (plus the empty and the full map), a PNG, the grids as CSV."""
import io
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image, ImageChops

from cnnviz.lecture.presets import LECTURE_FILTER, LECTURE_INPUT
from cnnviz.views.channels import bank_player_spec
from cnnviz.views.conv import conv_player_spec
from cnnviz.views.export import MAX_GIF_STEPS, frame_image, grids_csv, player_gif, player_png, read_grids_csv
from cnnviz.views.pool import pool_player_spec


def gif_frames(data: bytes) -> list[Image.Image]:
    gif = Image.open(io.BytesIO(data))
    frames = []
    for k in range(gif.n_frames):
        gif.seek(k)
        frames.append(gif.convert("RGB"))
    return frames


def changed_box(a: Image.Image, b: Image.Image):
    return ImageChops.difference(a, b).getbbox()


def test_the_lecture_gif_has_one_frame_per_step_plus_the_empty_and_the_full_map():
    spec = conv_player_spec(LECTURE_INPUT, LECTURE_FILTER)
    frames = gif_frames(player_gif(spec))
    assert len(frames) == len(spec.steps) + 2 == 11
    assert len({f.size for f in frames}) == 1
    for a, b in zip(frames, frames[1:], strict=False):
        assert changed_box(a, b) is not None  # every frame shows something new


def test_frames_differ_where_the_window_moves():
    spec = conv_player_spec(LECTURE_INPUT, LECTURE_FILTER)
    first, second = frame_image(spec, 1), frame_image(spec, 2)
    box = changed_box(first.crop((0, 0, first.width, 400)), second.crop((0, 0, first.width, 400)))
    assert box is not None
    # The window moves one column right: the input's first column (only in window 1) changes, and
    # the grids' bottom rows (in neither window) do not.
    left = changed_box(first.crop((24, 60, 60, 200)), second.crop((24, 60, 60, 200)))
    assert left is not None
    assert frame_image(spec, 2).tobytes() == second.tobytes()  # the same step draws the same frame


def test_the_written_sum_is_in_the_frame():
    spec = conv_player_spec(LECTURE_INPUT, LECTURE_FILTER, -20, relu=True)
    one, two = frame_image(spec, 1), frame_image(spec, 2)
    text = (0, one.height - 150, one.width, one.height)  # the last lines: the products, the total, ReLU
    assert changed_box(one.crop(text), two.crop(text)) is not None
    silent = replace(spec, steps=[replace(s, explain="") for s in spec.steps])
    assert frame_image(silent, 1).height < one.height  # the written sum takes its own lines


def test_png_decodes_at_every_step_and_refuses_a_step_outside():
    spec = pool_player_spec(np.arange(16).reshape(4, 4))
    for step in (0, 2, len(spec.steps)):
        img = Image.open(io.BytesIO(player_png(spec, step)))
        assert img.format == "PNG" and img.width >= 900
    with pytest.raises(ValueError, match="from 0 to 4"):
        player_png(spec, 5)


def test_a_long_animation_is_refused_with_a_sentence():
    spec = conv_player_spec(np.zeros((16, 16), dtype=int), np.ones((1, 1), dtype=int), padding=3)
    assert len(spec.steps) > MAX_GIF_STEPS
    with pytest.raises(ValueError, match="PNG"):
        player_gif(spec)


def test_csv_round_trips_through_the_grid_parser():
    spec = conv_player_spec(LECTURE_INPUT, np.array([[0.5, -1], [0.0625, 2]]), padding=1)
    grids = read_grids_csv(grids_csv(spec))
    assert list(grids) == ["Input (padded)", "Filter", "Activation map"]
    assert np.array_equal(grids["Input (padded)"], spec.input) and np.array_equal(grids["Filter"], spec.filter)
    assert np.array_equal(grids["Activation map"], spec.output)


def test_csv_of_a_bank_holds_every_channel_and_every_map():
    rng = np.random.default_rng(3)
    x, bank = rng.integers(0, 6, (5, 5, 3)), rng.integers(-2, 3, (2, 3, 3, 3))
    spec = bank_player_spec(x, bank, [1, -1], 1)
    grids = read_grids_csv(grids_csv(spec))
    assert [np.array_equal(grids[f"Input 5x5x3 {n}"], x[:, :, c]) for c, n in enumerate("RGB")] == [True] * 3
    assert np.array_equal(grids["Filter 2 of 2 B"], bank[1, :, :, 2])
    assert np.array_equal(grids["Activation map 1"], spec.bank[0]) and "Activation map 2" in grids


def test_a_multi_channel_gif():
    rng = np.random.default_rng(3)
    spec = bank_player_spec(rng.integers(0, 6, (5, 5, 3)), rng.integers(-2, 3, (2, 3, 3, 3)), [1, -1], 0)
    assert len(gif_frames(player_gif(spec))) == len(spec.steps) + 2
