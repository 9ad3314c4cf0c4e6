"""What the page "A CNN that learns" computes and draws: top windows, confusion counts, figures, grids."""
from __future__ import annotations

import base64
import io
import re

import numpy as np
import pytest
from PIL import Image

from cnnviz.kernel.notation import format_shape_chain
from cnnviz.learn.digits import digits_split
from cnnviz.learn.interpret import confusion_matrix, top_patches
from cnnviz.learn.network import DigitsCNN, EpochRecord, TrainConfig, init_parameters
from cnnviz.views import learn as fig_learn


def net(filters=3, seed=1, padding=1) -> DigitsCNN:
    config = TrainConfig(filters=filters, seed=seed, padding=padding)
    return DigitsCNN(config, init_parameters(config))


@pytest.mark.parametrize("padding", [0, 1])
def test_top_patches_agree_with_a_loop_over_every_window(padding):
    model, images = net(padding=padding), digits_split().train_images[:25]
    w, b = model.params["w1"][:, :, 0, :].astype(np.float64), model.params["b1"].astype(np.float64)
    found = []  # (filter, activation, digit, row, col, window) for every window, naively
    for n, img in enumerate(images):
        x = np.pad(img / 16, padding)
        for r in range(x.shape[0] - 2):
            for c in range(x.shape[1] - 2):
                win = x[r:r + 3, c:c + 3]
                for f in range(w.shape[2]):
                    found.append((f, float((win * w[:, :, f]).sum() + b[f]), n, r, c, win))
    top = top_patches(model, images, k=9)
    for f in range(w.shape[2]):
        mine = sorted((v for v in found if v[0] == f), key=lambda v: -v[1])[:9]
        np.testing.assert_allclose(top.values[f], [v[1] for v in mine], rtol=1e-5, atol=1e-5)
        for j, (_, _, n, r, c, win) in enumerate(mine):
            np.testing.assert_array_equal(top.patches[f, j], np.rint(win * 16))
            assert (top.digit[f, j], top.row[f, j], top.col[f, j]) == (n, r, c)


def test_top_patches_refuses_a_bad_count():
    with pytest.raises(ValueError, match="windows per filter"):
        top_patches(net(), digits_split().train_images[:2], k=0)


def test_confusion_matrix_counts_every_answer_once():
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 10, 500), rng.integers(0, 10, 500)
    m = confusion_matrix(y, p)
    naive = np.zeros((10, 10), int)
    for a, b in zip(y, p):
        naive[a, b] += 1
    np.testing.assert_array_equal(m, naive)
    assert m.sum() == 500 and np.trace(m) == np.sum(y == p)
    with pytest.raises(ValueError, match="same length"):
        confusion_matrix([1, 2], [1])
    with pytest.raises(ValueError, match="0..9"):
        confusion_matrix([1, 12], [1, 2])


def record(epoch, loss, acc, filters=3):
    return EpochRecord(epoch, loss, acc, acc, loss, np.zeros((3, 3, 1, filters)), 0.1 * epoch, np.zeros(filters))


def test_curves_keep_their_axes_while_they_grow():
    short = fig_learn.curves_figure([record(0, 2.3, 0.1)], epochs=12)
    long = fig_learn.curves_figure([record(e, 2.3 / (e + 1), 0.1 + e / 15) for e in range(13)], epochs=12)
    for axis in ("xaxis", "yaxis", "xaxis2", "yaxis2"):
        assert list(short.layout[axis].range) == list(long.layout[axis].range)
    assert list(long.layout.yaxis2.range) == [0, 100]
    assert list(long.layout.xaxis.range) == [-0.3, 12.3]
    assert max(long.data[2].y) == pytest.approx((0.1 + 12 / 15) * 100)  # accuracy in per cent


def test_the_predicted_digit_is_marked_by_more_than_colour():
    p = np.full(10, 0.02)
    p[7] = 0.82
    html = fig_learn.probabilities_html(p, np.arange(10.0))
    rows = re.split(r'<div class="pr[ "]', html.split('<div class="axis">')[0])[1:]
    assert len(rows) == 10
    # the predicted digit is marked by more than colour: its label carries "◀" and its bar the class "best"
    assert ["◀" in row for row in rows] == [i == 7 for i in range(10)] == [row.startswith("best") for row in rows]
    assert '82 %</span>' in rows[7] and '2 %</span>' in rows[0]
    assert 'width:65.6%' in rows[7]  # 82 % of the 80 % a certain answer would fill
    assert 'title="digit 7: 82 %, score 7"' in rows[7]
    assert "predicted: 7" in html and "<script" not in html


def test_filters_share_one_scale_and_write_their_numbers():
    w = np.zeros((3, 3, 1, 2))
    w[0, 0, 0, 0] = w[0, 0, 0, 1] = 0.5
    w[2, 2, 0, 1] = -1.0
    html = fig_learn.filters_html(w, np.array([0.25, -0.125]))
    assert 'id="f1-0-0"' in html and 'data-value="0.5">0.5</div>' in html and "−1</div>" in html
    # the same weight has the same colour in both filters: one scale
    style = [part.split('style="')[1].split('"')[0] for part in html.split('class="cell') if 'data-value="0.5"' in part]
    assert len(style) == 2 and style[0] == style[1]
    assert "Filter 2 · bias −0.13" in html or "Filter 2 · bias −0.12" in html


def test_activation_maps_write_one_decimal_in_one_readable_size():
    maps = np.array([[-0.08, 2.2], [-2.83, 12.345]])[:, :, None]  # (2, 2, 1)
    html = fig_learn.maps_html(maps, prefix="m", title="Map {}")
    assert re.findall(r'">([^<]*)</div>', html.split('class="grid"')[1]) == ["−0.1", "2.2", "−2.8", "12.3"]
    # one size for the map, set by its longest number; at the map's cell width (grid.css: the width less 6 px
    # over --tw) that size is at least the 13 px a laptop reads, so no cell shrinks its number
    (tw,) = [float(v) for v in re.findall(r"--tw:([0-9.]+)", html)]
    assert tw == 1.84 and (fig_learn.MAP_CELL + 6 - 6) / tw >= 13 and 0.46 * fig_learn.MAP_CELL >= 13


def test_digits_are_drawn_in_their_own_grey_scale():
    g = fig_learn.grey_colours([[0, 8, 16]])
    assert g[0, 0].tolist() == [255] * 3 and g[0, 2].tolist() == [0] * 3 and 120 < g[0, 1, 0] < 135
    img = np.zeros((8, 8), int)
    img[0, 0] = 16
    png = Image.open(io.BytesIO(fig_learn.digit_png(img, side=64)))
    assert png.size == (64, 64) and png.getpixel((3, 3)) == 0 and png.getpixel((60, 60)) == 255


def test_a_gallery_inlines_each_digit_as_a_png_with_its_caption():
    digits = digits_split().test_images[:3]
    html = fig_learn.gallery_html(digits, ["#0: a 0, read 8", "#1: a <b>1</b>, read 7", "#2: a 2, read 3"])
    sources = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert len(sources) == 3 and html.count("<figcaption>") == 3
    png = Image.open(io.BytesIO(base64.b64decode(sources[1])))
    assert png.size == (64, 64)
    assert np.array_equal(np.asarray(png)[::8, ::8], fig_learn.grey_colours(digits[1])[..., 0])  # cell by cell
    assert "&lt;b&gt;1&lt;/b&gt;" in html and "<b>1</b>" not in html  # captions are text, not markup


def test_layers_of_a_digit_have_a_grid_per_map():
    model = net(filters=4)
    image = digits_split().test_images[0]
    html = fig_learn.layers_html(model.forward_layers(image), image)
    assert set(html) == {"input", "conv", "relu", "pool"}
    assert html["conv"].count('data-grid="conv') == 4 and html["pool"].count('data-grid="pool') == 4
    assert html["conv"].count('class="cell') == 4 * 64 and html["pool"].count('class="cell') == 4 * 16  # 4x4 pooled
    assert "repeat(4," in html["pool"] and "repeat(8," in html["conv"]
    assert format_shape_chain([(8, 8, 1), (8, 8, 4), (4, 4, 4), (10,)]) == "8x8x1 → 8x8x4 → 4x4x4 → 10"


def test_patches_sit_beside_their_filter():
    model = net(filters=2)
    html = fig_learn.patches_html(model.filters, top_patches(model, digits_split().train_images[:30]))
    assert html.count('class="look"') == 2 and 'data-grid="p2-9"' in html and 'data-grid="wf2"' in html


def test_the_confusion_figure_writes_every_count_with_row_0_on_top():
    m = np.diag(np.full(10, 30))
    m[3, 5] = 2
    fig = fig_learn.confusion_figure(m)
    assert np.asarray(fig.data[0].text).tolist() == m.tolist()
    assert fig.layout.yaxis.autorange == "reversed"
    assert np.asarray(fig.data[0].z)[3][5] == 2 and np.asarray(fig.data[0].z)[4][4] == 0  # only mistakes coloured
