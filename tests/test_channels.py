"""Every channel and a filter bank for the step player: the steps agree with conv2d, the payload stays small."""
import json
import re

import numpy as np
import pytest

from cnnviz.kernel.conv import conv2d
from cnnviz.views.channels import bank_player_spec, channel_player_spec
from cnnviz.kernel.notation import format_number
from cnnviz.views.player import PlayerSpec, player_data
from cnnviz.views.sums import html_to_text


def read_number(text: str):
    text = text.strip().strip("()").replace("−", "-")
    return float(text) if "." in text or "e" in text else int(text)


def channel_line(step) -> tuple[list, object]:
    """The numbers of ``R + G + B (+ bias) = a + b + c (+ d) = value`` as a student reads them."""
    line = html_to_text(step.explain).splitlines()[-1]
    names, numbers, value = line.split(" = ")
    return [read_number(t) for t in numbers.split(" + ")], read_number(value)


@pytest.mark.parametrize("seed", range(12))
def test_every_step_is_conv2d_and_every_partial_sum_is_one_channel(seed):
    rng = np.random.default_rng(seed)
    H, W, C, k = int(rng.integers(3, 9)), int(rng.integers(3, 9)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
    s, p, d = int(rng.integers(1, 3)), int(rng.integers(0, 2)), int(rng.integers(1, 3))
    x, w, b = rng.integers(-5, 6, (H, W, C)), rng.integers(-3, 4, (k, k, C)), int(rng.integers(-9, 10))
    try:
        ref = conv2d(x, w, b, stride=s, padding=p, dilation=d)
    except ValueError:
        return
    spec = channel_player_spec(x, w, b, stride=s, padding=p, dilation=d)
    assert spec.input.shape == (C, H + 2 * p, W + 2 * p) and spec.filter.shape == (C, k, k)
    assert spec.channel_names == ("R", "G", "B")[:C]
    assert len(spec.steps) == ref.size and np.array_equal(spec.output, ref)
    partial = [conv2d(x[:, :, c], w[:, :, c], stride=s, padding=p, dilation=d) for c in range(C)]
    for st in spec.steps:
        assert st.value == ref[st.out]
        window = spec.input[:, st.rows][:, :, st.cols]  # (C, kh, kw) under the window
        assert (window * spec.filter).sum() + b == st.value
        if C > 1:
            numbers, value = channel_line(st)
            assert numbers[:C] == [partial[c][st.out] for c in range(C)] and value == st.value
            assert numbers[C:] == ([b] if b else [])


def test_the_lecture_bank_32x32x3_with_six_5x5x3_filters():
    rng = np.random.default_rng(0)
    x, bank, biases = rng.integers(0, 6, (32, 32, 3)), rng.integers(-2, 3, (6, 5, 5, 3)), rng.integers(1, 4, 6)
    spec = bank_player_spec(x, bank, biases, index=4)
    ref = conv2d(x, bank.transpose(1, 2, 3, 0), biases)  # (28, 28, 6)
    assert spec.volume_caption == "32x32x3 → 28x28x6" and len(spec.steps) == 784
    assert spec.bank_index == 4 and all(np.array_equal(m, ref[:, :, f]) for f, m in enumerate(spec.bank))
    assert np.array_equal(spec.output, ref[:, :, 4])
    assert "R + G + B + bias" in html_to_text(spec.steps[0].explain)
    assert "×" not in spec.steps[0].explain  # 75 products a window: only the partial sums are written
    # What a page sends for it: the grids, the steps, their explanations and the bank, as JSON.
    payload = {"input": spec.input.tolist(), "filter": spec.filter.tolist(), "output": spec.output.tolist(),
               "steps": [[list(st.rows), list(st.cols), *st.out, st.value] for st in spec.steps],
               "explain": [st.explain for st in spec.steps], "bank": [m.tolist() for m in spec.bank]}
    size = len(json.dumps(payload, separators=(",", ":")).encode())
    assert size < 200_000, f"{size} bytes"


@pytest.mark.parametrize("seed", range(6))
def test_the_partial_sums_sent_per_step_are_each_channels_conv2d(seed):
    rng = np.random.default_rng(100 + seed)
    H, C, k = int(rng.integers(4, 8)), int(rng.integers(2, 4)), int(rng.integers(1, 4))
    s, p = int(rng.integers(1, 3)), int(rng.integers(0, 2))
    x, w, b = rng.integers(-5, 6, (H, H, C)), rng.integers(-3, 4, (k, k, C)), int(rng.integers(-9, 10))
    data = player_data(channel_player_spec(x, w, b, stride=s, padding=p))
    partial = [conv2d(x[:, :, c], w[:, :, c], stride=s, padding=p) for c in range(C)]
    assert len(data["partials"]) == data["n"] == partial[0].size
    for (_, _, r, c, _, _), texts in zip(data["steps"], data["partials"], strict=True):
        assert texts == [f"{'RGB'[ch]} = {format_number(partial[ch][r, c])}" for ch in range(C)]
    assert data["bias"] == format_number(b) if b >= 0 else data["bias"] == f"({format_number(b)})"
    # every channel has its input, its filter slice and its partial sum's place, in one row
    html = data["html"]
    assert [html.count(f'id="{g}-grid-{ch}"') for ch in range(C) for g in ("in", "flt")] == [1] * 2 * C
    assert all(f'id="psum-{ch}"' in html for ch in range(C))
    first = re.search(rf'id="in-{p}-{p}-0"[^>]*>([^<]*)</div>', html)  # the input's first cell writes its number
    assert first and first.group(1) == format_number(x[0, 0, 0])


def test_big_grids_keep_every_number_for_the_lens_and_the_picture():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 6, (32, 32, 3))
    data = player_data(bank_player_spec(x, rng.integers(-2, 3, (6, 5, 5, 3)), 0))
    assert data["bank"] == [6, 28, 28] and data["names"] == ["R", "G", "B"]
    # the browser draws grids this big as pictures beside a lens; each cell keeps its number and exact value,
    # what the lens magnifies and what a picture's block shows under the pointer
    for (r, c, k) in [(0, 0, 0), (31, 17, 2)]:
        cell = re.search(rf'id="in-{r}-{c}-{k}"[^>]*data-value="([^"]*)"[^>]*>([^<]*)</div>', data["html"])
        assert cell and cell.groups() == (str(x[r, c, k]), format_number(x[r, c, k]))


def test_a_small_window_writes_every_product():
    x, w = np.arange(75).reshape(5, 5, 3) % 4, np.ones((3, 3, 3), dtype=int)
    text = html_to_text(channel_player_spec(x, w, -2).steps[0].explain)
    assert re.search(r"^R: 0×1 \+ 3×1 \+ ", text, re.M) and text.count("×") == 27


def test_a_list_of_filters_and_one_bias_each():
    x = np.ones((4, 4, 2), dtype=int)
    spec = bank_player_spec(x, [np.ones((3, 3, 2), dtype=int), -np.ones((3, 3, 2), dtype=int)], [1, 2], 1,
                            names=("R", "G"))
    assert [m.tolist() for m in spec.bank] == [[[19, 19], [19, 19]], [[-16, -16], [-16, -16]]]
    assert spec.volume_caption == "4x4x2 → 2x2x2" and spec.titles[1] == "Filter 2 of 2"


@pytest.mark.parametrize("call, words", [
    (lambda: channel_player_spec(np.ones((4, 4)), np.ones((3, 3, 1))), "volume H x W x C"),
    (lambda: channel_player_spec(np.ones((4, 4, 3)), np.ones((3, 3, 2))), "full depth"),
    (lambda: channel_player_spec(np.ones((4, 4, 3)), np.ones((5, 5, 3))), "larger than the padded input"),
    (lambda: bank_player_spec(np.ones((4, 4, 3)), np.ones((2, 3, 3, 3)), [1, 2, 3]), "one bias per filter"),
    (lambda: bank_player_spec(np.ones((4, 4, 3)), np.ones((2, 3, 3, 3)), 0, index=2), "pick one of 1 to 2"),
    (lambda: bank_player_spec(np.ones((4, 4, 3)), [np.ones((3, 3, 3)), np.ones((2, 2, 3))]), "same size"),
    (lambda: PlayerSpec(input=np.ones((3, 4, 4)), output=np.ones((2, 2)), steps=[], filter=np.ones((2, 3, 3))),
     "full depth"),
])
def test_bad_volumes_are_explained(call, words):
    with pytest.raises(ValueError, match=words):
        call()


