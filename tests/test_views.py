"""The views' shared parts: no Streamlit, one number formatter, one colour scale, one grid renderer."""
import re
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as hst

from cnnviz.kernel.grids import parse_number
from cnnviz.views.colour import (
    STOPS, cell_style, contrast_ratio, css_colour, diverging_rgb, heatmap_colours, plotly_colorscale,
    relative_luminance, symmetric_limit, text_colour,
)
from cnnviz.views.grid import grid_html, grid_rows_html, text_em
from cnnviz.views.images import LUT, zoom_html
from cnnviz.kernel.notation import exact_number, format_number
from cnnviz.views.player import player_data, player_html
from cnnviz.views.pool import max_avg_html, pool_player_spec, stack_html
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
    (123000, "123000"), (123000.0, "123000"), (10**12 - 1, "999999999999"), (np.int64(2**39 + 1), "549755813889"),
    (2**40 + 1, "1.1e12"),
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


# -- colours --------------------------------------------------------------------------------------

T = np.linspace(-1, 1, 2001)  # (2001,) every shade of the scale, in steps of 0.001


def test_white_exactly_at_zero_in_every_form():
    for vmax in (None, 1e-9, 1, 7.5, 1e6):
        assert diverging_rgb(np.zeros((2, 3)), vmax).tolist() == [[[255, 255, 255]] * 3] * 2
    assert diverging_rgb(np.array([-4.0, 0.0, 4.0]))[1].tolist() == [255, 255, 255]
    assert plotly_colorscale()[len(STOPS) // 2] == [0.5, "rgb(255, 255, 255)"]
    assert LUT[127].tolist() == [255, 255, 255]  # the PNG maps' palette: index 127 is 0
    assert cell_style((255, 255, 255)) == "background-color:rgb(255, 255, 255);color:#000"


def test_limits_are_symmetric():
    assert symmetric_limit([[-3, 1], [2, 0]]) == 3 == symmetric_limit([[3, -1]])
    assert symmetric_limit(np.zeros(4)) == 1.0 and symmetric_limit([1, np.nan, -np.inf, -2]) == 2
    rgb = diverging_rgb(np.array([-5.0, 2.0, 5.0]))  # vmax = 5: both ends reached, on either side
    assert rgb[0].tolist() == list(STOPS[0][1]) and rgb[2].tolist() == list(STOPS[-1][1])
    assert diverging_rgb(np.array([2.0, 10.0]), vmax=4).tolist() == diverging_rgb(np.array([0.5, 1.0]), 1).tolist()
    args = heatmap_colours(3)
    assert (args["zmin"], args["zmid"], args["zmax"]) == (-3, 0, 3)


def test_colour_blind_safe_ends_and_monotone_lightness():
    assert [rgb for _, rgb in STOPS[:4]] + [rgb for _, rgb in STOPS[5:]] == [
        (33, 102, 172), (67, 147, 195), (146, 197, 222), (209, 229, 240),  # ColorBrewer RdBu, 9 classes
        (253, 219, 199), (244, 165, 130), (214, 96, 77), (178, 24, 43)]
    rgb = diverging_rgb(T, 1)
    lum = np.array([relative_luminance(c) for c in rgb])
    neg, pos = lum[:1001][::-1], lum[1000:]  # from 0 outwards on each side
    assert np.all(np.diff(neg) <= 0) and np.all(np.diff(pos) <= 0)  # darker the further from 0
    assert neg[-1] < 0.2 and pos[-1] < 0.2  # and the ends are strong
    assert np.all(rgb[:1000, 2] >= rgb[:1000, 0]) and np.all(rgb[1001:, 0] >= rgb[1001:, 2])  # blue below, red above


def test_text_on_every_colour_of_the_scale_and_every_grey_reads_at_4_5_to_1():
    colours = {tuple(c) for c in diverging_rgb(T, 1).tolist()} | {(g, g, g) for g in range(256)}
    ink = {"#000": (0, 0, 0), "#fff": (255, 255, 255)}
    worst = min(contrast_ratio(c, ink[text_colour(c)]) for c in colours)
    assert worst >= 4.5


def test_plotly_scale_is_the_same_scale():
    # Plotly interpolates linearly in RGB between the stops, as diverging_rgb does.
    stops = plotly_colorscale()
    pos = np.array([p for p, _ in stops])
    rgb = np.array([[int(x) for x in c[4:-1].split(",")] for _, c in stops])
    ref = np.stack([np.interp((T + 1) / 2, pos, rgb[:, i]) for i in range(3)], axis=-1)
    assert np.abs(ref - diverging_rgb(T, 1)).max() <= 0.5


def test_every_view_draws_a_value_in_the_same_colour():
    # +max is the red end and 0 is white in the player, the pooling grids, the zoom, the PNG maps and the stack.
    red, white = css_colour(STOPS[-1][1]), css_colour(STOPS[len(STOPS) // 2][1])
    example = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])
    player = player_html(pool_player_spec(example))
    grids = max_avg_html(example)
    zoom = zoom_html(np.full((1, 2, 1), 100.0), np.array([[[2.0], [0.0]]]), ["gray"])
    stack = stack_html(example, example[:, :, None], example[::2, ::2, None], ["a"])
    for html in (player, grids, zoom, stack):
        assert f"background-color:{red};color:#fff" in html and f"background-color:{white};color:#000" in html
    assert LUT[254].tolist() == list(STOPS[-1][1]) and LUT[0].tolist() == list(STOPS[0][1])


# -- the grid renderer ----------------------------------------------------------------------------

def cells(html: str) -> list[tuple[str, str, str, str]]:
    """(classes, id, data-value, text) of every cell, in document order."""
    return re.findall(r'<div class="(cell [^"]*)" id="([^"]+)" style="[^"]*" data-value="([^"]*)"[^>]*>([^<]*)</div>',
                      html)


def test_grid_draws_every_cell_row_by_row_with_exact_values_and_shared_text():
    g = np.array([[0, -2, 1 / 9], [123000, 0.5, 3]])
    html = grid_html(g, "w", title="<Filter>", classes=lambda r, c: "odd" if (r + c) % 2 else "",
                     attrs=lambda r, c: f' data-rc="{r}{c}"', hover=True)
    got = cells(html)
    assert [i for _, i, _, _ in got] == [f"w-{r}-{c}" for r in range(2) for c in range(3)]
    assert [t for *_, t in got] == ["0", "−2", "0.11", "123000", "0.5", "3"]
    assert [float(v) for _, _, v, _ in got] == g.ravel().tolist()  # data-value reads back exactly
    # the grid's name, then the classes asked for: no cell is sized on its own (one type size a grid)
    assert [cls for cls, *_ in got] == ["cell w", "cell w odd", "cell w", "cell w odd", "cell w", "cell w odd"]
    assert 'data-rc="12"' in html and 'title="row 2, column 3: 3"' in html
    assert '<div class="ttl">&lt;Filter&gt;</div>' in html and 'data-grid="w"' in html
    quiet = grid_html(g, "w", numbers=False)
    assert [t for *_, t in cells(quiet)] == [""] * 6 and "title=" not in quiet
    with pytest.raises(ValueError, match="2-D"):
        grid_html(np.zeros(3), "w")


def test_grid_colours_come_from_the_scale_unless_a_picture_brings_its_own():
    html = grid_html([[-4, 0, 4]], "m", vmax=8)
    expected = [cell_style(rgb) for rgb in diverging_rgb(np.array([-4, 0, 4]), 8)]
    assert re.findall(r'style="([^"]*)"', html)[1:] == expected  # the first style is the grid's columns
    grey = np.full((1, 2, 3), [[10], [240]], np.uint8)
    pixels = grid_html([[10, 240]], "px", colours=grey)
    assert "background-color:rgb(10, 10, 10);color:#fff" in pixels
    assert "background-color:rgb(240, 240, 240);color:#000" in pixels


def tw(html: str) -> list[float]:
    """Each grid's ``--tw``: the width of its longest number in ems, which sets the grid's one type size."""
    return [float(v) for v in re.findall(r'class="grid"[^>]*--tw:([0-9.]+)', html)]


def test_every_number_of_a_grid_is_written_in_one_size_set_by_its_longest():
    # "−0.08" and "2.2" in one map: one size for both, fitted to the longer (a cell on its own once shrank)
    values = [[-0.08, 2.2], [0.5, 12]]
    for compact in (False, True):
        html = grid_html(values, "m", compact=compact)
        assert tw(html) == [text_em("−0.08")] == [2.36]
        assert not re.search(r'class="cell[^"]* l\d+', html)
    assert tw(grid_html([[1, 2]], "m")) == [1.0]  # at least one em: never a division by nothing
    assert tw(grid_html(values, "m", numbers=False)) == []  # no numbers, no size to fit
    assert text_em("123000") > text_em("−2.8") > text_em("0.5") and text_em("NaN") > text_em("123")
    # a page's grids widen their cells to their longest number rather than shrink it (grid.css, .fit)
    page = grid_rows_html([[grid_html(values, "m")]], cell=30)
    assert '<div class="cnnviz-grids fit" style="--cs:30px">' in page
    assert ".cnnviz-grids.fit .grid{--cw:max(var(--cmin),calc(var(--tw,1)*var(--cs)*var(--fh,0.46) + 6px))}" in page


def test_the_player_the_pooling_grids_and_the_zoom_all_use_the_renderer():
    example = np.array([[1, -1], [2, 0]])
    spec = pool_player_spec(example, 1)
    player = player_data(spec)["html"]
    grids = max_avg_html(example, 1)
    zoom = zoom_html(np.full((2, 2, 3), 9.0), np.ones((2, 2, 3)), ["R", "G", "B"])
    for html, names in [(player, ["in", "out"]), (grids, ["input", "max", "avg"]),
                        (zoom, [f"{c}-{part}" for c in "RGB" for part in ("pixels", "filter", "products")])]:
        assert re.findall(r'data-grid="([^"]+)"', html) == names
    for page in (player_html(spec), grids, zoom):
        assert "cnnviz-grids" in page and ".cnnviz-grids .cell{" in page  # the one stylesheet, inlined
    # the means 3.25 and 5.25 beside 2: one size for the grid, its cells as wide as "3.25" needs (.fit)
    averages = max_avg_html(np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]))
    assert tw(averages) == [1.0, 1.0, text_em("3.25")] and "cnnviz-grids fit" in averages
    # the zoom's products, 56.33 beside 55 and −20.67
    products = zoom_html(np.array([[[169.0], [0], [62]]]), np.array([[[1 / 3], [0], [-1 / 3]]]), ["R"])
    assert tw(products)[-1] == text_em("−20.67") and "cnnviz-grids fit" in products
    assert [t for *_, t in cells(player)][:4] == ["1", "−1", "2", "0"]


def test_compact_cells_keep_the_colour_and_number_in_fewer_bytes():
    from cnnviz.views.colour import diverging_rgb, text_colour

    values = np.round(np.linspace(-1, 1, 64).reshape(8, 8), 2)
    full, compact = grid_html(values, "m"), grid_html(values, "m", compact=True)
    assert len(compact) < 0.65 * len(full)
    assert compact.count('class="cell') == 64 and 'id="m-' not in compact.replace('id="m-grid"', "")
    r, g, b = diverging_rgb(values)[0, 0]
    assert f'style="background:#{r:02x}{g:02x}{b:02x};color:{text_colour((r, g, b))}">−1</div>' in compact


@settings(max_examples=60)
@given(hst.lists(hst.floats(-1e7, 1e7) | hst.just(float("nan")) | hst.integers(-40, 40), min_size=1, max_size=24),
       hst.integers(1, 6), hst.booleans())
def test_compact_cells_read_the_same_from_the_cached_cells(values, width, numbers):
    """Plain compact cells come from a cache of cell strings: the same HTML as cells built one by one."""
    width = min(width, len(values))
    arr = np.round(np.array(values[: len(values) // width * width], dtype=np.float64).reshape(-1, width), 2)
    cached = grid_html(arr, "m", title="Map", compact=True, numbers=numbers)
    one_by_one = grid_html(arr, "m", title="Map", compact=True, numbers=numbers, classes=lambda r, c: "")
    assert cached == one_by_one
    assert cached.count('class="cell') == arr.size


def test_a_component_script_travels_without_its_comment_lines():
    from cnnviz.views.assets import asset, script

    full, sent = asset("cells.js"), script("cells.js")
    assert len(sent) < 0.85 * len(full) and "export default function" in sent
    assert not any(line.lstrip().startswith("//") for line in sent.splitlines())
    # every line of code is kept, in order
    code = [line.strip() for line in full.splitlines() if line.strip() and not line.strip().startswith("//")]
    assert sent.splitlines() == code
