"""The step player: the data it is drawn from, and how it behaves in Chromium (no server needed)."""
import json
import re
from dataclasses import replace
from importlib import resources

import numpy as np
import pytest
from browser_support import TIMEOUT_MS

from cnnviz.kernel.conv import conv2d
from cnnviz.lecture.presets import LECTURE_FILTER, LECTURE_INPUT
from cnnviz.views.conv import conv_player_spec, conv_step_html
from cnnviz.views.pool import pool_player_spec
from cnnviz.views.player import (
    PlayerSpec, PlayerStep, component_css, component_js, player_data, player_html, unreached_cells,
)

LECTURE_MAP = [[12, 12, 17], [10, 17, 19], [9, 6, 14]]


def out_values(html: str) -> dict[tuple[int, int], str]:
    """The value written in each output cell of the player's HTML."""
    cells = re.findall(r'id="out-(\d+)-(\d+)"[^>]*data-value="([^"]*)"', html)
    return {(int(r), int(c)): v for r, c, v in cells}


# -- the data -------------------------------------------------------------------------------------

def test_lecture_map_is_written_in_every_output_cell():
    data = player_data(conv_player_spec(LECTURE_INPUT, LECTURE_FILTER))
    vals = out_values(data["html"])
    assert [[vals[r, c] for c in range(3)] for r in range(3)] == [[str(v) for v in row] for row in LECTURE_MAP]
    assert data["n"] == 9 and data["dims"] == [5, 5, 3, 3, 3, 3] and data["initial"] is None
    assert data["weights"] == [[["0", "1", "2"], ["2", "2", "0"], ["0", "1", "2"]]]
    assert json.loads(json.dumps(data)) == data  # JSON-able as it is: what the component is sent


def test_steps_match_the_kernel_on_random_grids():
    rng = np.random.default_rng(4)
    for _ in range(20):
        H, W, kh, kw = rng.integers(3, 9), rng.integers(3, 9), rng.integers(1, 4), rng.integers(1, 4)
        s, p, d = int(rng.integers(1, 3)), int(rng.integers(0, 2)), int(rng.integers(1, 3))
        x, w = rng.integers(-5, 6, (H, W)), rng.integers(-2, 3, (kh, kw))
        try:
            ref = conv2d(x, w, 1, stride=s, padding=p, dilation=d)
        except ValueError:
            continue
        spec = conv_player_spec(x, w, 1, stride=s, padding=p, dilation=d)
        assert len(spec.steps) == ref.size
        for st in spec.steps:  # each step writes the kernel's value into its own cell
            assert st.value == ref[st.out]
            window = spec.input[np.ix_(st.rows, st.cols)]
            assert (window * w).sum() + 1 == st.value


def test_explanation_uses_the_lecture_notation():
    html = conv_step_html(LECTURE_INPUT[:3, :3], LECTURE_FILTER)
    # 3₀ 3₁ 2₂ on the first row of the window, then the products and the sum
    assert "<i>3<sub>0</sub></i> <i>3<sub>1</sub></i> <i>2<sub>2</sub></i>" in html
    assert "<i>2<sub>2</sub></i><br><i>0<sub>2</sub></i>" in html  # a row break, no "·" between the rows
    assert "= 3×0 + 3×1 + 2×2 + 0×2 + 0×2 + 1×0 + 3×0 + 1×1 + 2×2</div>" in html
    assert "= 0 + 3 + 4 + 0 + 0 + 0 + 0 + 1 + 4 =" in html and '<b class="res">12</b>' in html
    with_bias = conv_step_html([[-3]], [[1]], bias=1, relu=True)
    assert "bias" in with_bias and "max(0, −2)" in with_bias and with_bias.endswith('<b class="res">0</b></div>')


def test_padding_and_unreached_cells_are_marked():
    padded = player_data(conv_player_spec(LECTURE_INPUT, LECTURE_FILTER, padding=1))
    assert re.search(r'class="cell in[^"]*pad[^"]*" id="in-0-0"', padded["html"])
    assert not re.search(r'class="cell in[^"]*pad[^"]*" id="in-1-1"', padded["html"])
    assert "padding (zeros)" in padded["legend"] and "no window reaches" not in padded["legend"]
    assert padded["pad"] == [1, 1]
    x = np.arange(36).reshape(6, 6)
    spec = conv_player_spec(x, np.ones((3, 3), int), stride=2)  # windows start at 0 and 2: column 5 never covered
    mask = unreached_cells(spec.input.shape, spec.padding, spec.steps)
    assert mask[5].all() and mask[:, 5].all() and mask.sum() == 11
    data = player_data(spec)
    assert re.search(r'class="cell in[^"]*unr[^"]*" id="in-5-3"', data["html"])
    assert not re.search(r'class="cell in[^"]*unr[^"]*" id="in-4-4"', data["html"])
    assert "no window reaches these cells" in data["legend"]


def test_editable_cells_are_the_real_input_and_the_filter():
    spec = replace(conv_player_spec(LECTURE_INPUT, LECTURE_FILTER, padding=1), editable=("in", "flt"))
    html = player_data(spec)["html"]
    classes = dict((i, c.split()) for c, i in re.findall(r'class="(cell [^"]*)" id="([^"]+)"', html))
    assert "edit" not in classes["in-0-0"] and "edit" in classes["in-1-1"]  # padding is not typed into
    assert all("edit" in classes[f"flt-{r}-{c}"] for r in range(3) for c in range(3))
    assert not any("edit" in v for k, v in classes.items() if k.startswith("out"))
    assert "click a cell" in player_data(spec)["legend"]
    assert "edit" not in player_data(conv_player_spec(LECTURE_INPUT, LECTURE_FILTER))["html"]


def test_a_multi_channel_spec_names_each_channels_cells():
    rng = np.random.default_rng(3)
    x, w = rng.integers(0, 4, (2, 4, 4)), rng.integers(-1, 2, (2, 3, 3))  # (C, Hp, Wp), (C, kh, kw)
    out = sum(conv2d(x[k], w[k]) for k in range(2)) + 1  # (2, 2)
    steps = [PlayerStep(tuple(range(r, r + 3)), tuple(range(c, c + 3)), (r, c), out[r, c].item())
             for r in range(2) for c in range(2)]
    other = out * 2
    spec = PlayerSpec(x, out, steps, filter=w, channel_names=("R", "G"), bank=(out, other), bank_index=0,
                      volume_caption="4x4x2 → 2x2x2")
    data = player_data(spec)
    html = data["html"]
    for k in range(2):
        for (r, c), v in np.ndenumerate(x[k]):
            assert re.search(rf'id="in-{r}-{c}-{k}"[^>]*data-value="{v}"', html)
        for (r, c), v in np.ndenumerate(w[k]):
            assert re.search(rf'id="flt-{r}-{c}-{k}"[^>]*data-value="{v}"', html)
    assert 'id="in-0-0"' not in html and "Input · R" in html and "Filter · G" in html
    assert data["channels"] == 2 and len(data["weights"]) == 2 and data["volume"] == "4x4x2 → 2x2x2"
    assert out_values(html) == {(r, c): str(v) for (r, c), v in np.ndenumerate(out)}  # the output grid: map 0
    assert len(re.findall(r'class="bankmap( pick)?"', html)) == 2 and 'class="bankmap pick"' in html
    with pytest.raises(ValueError, match="full depth of the input"):
        player_data(replace(spec, filter=w[0]))
    with pytest.raises(ValueError, match="name per channel"):
        player_data(replace(spec, channel_names=()))


def test_the_standalone_document_is_safe_to_embed():
    spec = conv_player_spec(LECTURE_INPUT, LECTURE_FILTER)
    steps = [PlayerStep(s.rows, s.cols, s.out, s.value, explain="</script><b>x</b>") for s in spec.steps]
    html = player_html(replace(spec, steps=steps, titles=("<i>", "F", "O")))
    assert html.count("</script>") == 1  # the explanation cannot close the script early
    assert "&lt;i&gt;" in html
    assert not re.search(r"(src|href)=|@import|https?://", html)


def test_stylesheet_and_script_are_the_package_files_read_once():
    from cnnviz.views.assets import asset

    asset.cache_clear()
    files = resources.files("cnnviz.views")
    grid, css, js = (files.joinpath(f).read_text(encoding="utf-8") for f in ("grid.css", "player.css", "player.js"))
    component_css.cache_clear()
    component_js.cache_clear()
    assert asset("player.js") == js and component_css() == component_css() and component_js() == component_js()
    assert asset.cache_info().misses == 3  # each file read from disk once, however often it is asked for
    # what travels is the files less their comments: every rule and every line of code is there
    rules = [line.strip() for line in re.sub(r"/\*.*?\*/", "", grid + "\n" + css, flags=re.S).splitlines()]
    assert component_css().splitlines() == [r for r in rules if r] and "/*" not in component_css()
    code = [line.strip() for line in js.splitlines() if line.strip() and not line.strip().startswith("//")]
    assert component_js().splitlines() == code and "export default function mount" in component_js()


def test_largest_page_case_stays_small():
    rng = np.random.default_rng(0)
    data = player_data(conv_player_spec(rng.normal(size=(16, 16)), rng.normal(size=(7, 7)), padding=3))
    assert len(json.dumps(data).encode()) < 1_000_000


def test_bad_steps_are_refused():
    with pytest.raises(ValueError, match="outside the input"):
        player_data(PlayerSpec(np.zeros((2, 2)), np.zeros((1, 1)), [PlayerStep((0, 2), (0,), (0, 0), 0)]))
    with pytest.raises(ValueError, match="2-D"):
        player_data(PlayerSpec(np.zeros(3), np.zeros((1, 1)), []))


# -- in Chromium ----------------------------------------------------------------------------------

@pytest.fixture
def player(browser):
    """A function that loads a spec into a fresh page, as the component would mount it, and returns the page."""
    contexts = []

    def load(spec, width=1200, height=800, dark=False, present=False):
        ctx = browser.new_context(viewport={"width": width, "height": height},
                                  color_scheme="dark" if dark else "light")
        contexts.append(ctx)
        pg = ctx.new_page()
        pg.set_default_timeout(TIMEOUT_MS)
        pg.set_content(player_html(spec, present=present))
        pg.locator("#player").wait_for()
        return pg

    yield load
    for ctx in contexts:
        ctx.close()


def shown_values(pg):
    return pg.locator(".cell.out").evaluate_all("els => els.map(e => e.dataset.shown === '1' ? e.textContent : '')")


def step(pg) -> str:
    return pg.get_attribute("#player", "data-step")


@pytest.mark.browser
def test_browser_steps_forward_back_and_masks_pending_cells(player):
    pg = player(conv_player_spec(LECTURE_INPUT, LECTURE_FILTER))
    assert shown_values(pg) == [str(v) for row in LECTURE_MAP for v in row]
    pg.click("#btn-reset")
    assert step(pg) == "0" and shown_values(pg) == [""] * 9
    pg.click("#btn-fwd")
    pg.click("#btn-fwd")
    assert shown_values(pg)[:3] == ["12", "12", ""]
    # the window of step 2 covers rows 0-2, columns 1-3, each with its weight
    win = pg.locator(".cell.in.win").evaluate_all("els => els.map(e => e.id + ':' + e.dataset.w)")
    assert win == ["in-0-1:0", "in-0-2:1", "in-0-3:2", "in-1-1:2", "in-1-2:2", "in-1-3:0",
                   "in-2-1:0", "in-2-2:1", "in-2-3:2"]
    assert "= 12" in pg.inner_text("#explain").replace("\n", " ")
    pg.click("#btn-back")
    assert step(pg) == "1" and shown_values(pg)[:2] == ["12", ""]
    pg.keyboard.press("ArrowRight")
    pg.keyboard.press("End")
    assert step(pg) == "9"


@pytest.mark.browser
def test_browser_clicker_keys_step_every_player_on_the_page(player):
    from playwright.sync_api import expect

    pg = player(replace(conv_player_spec(LECTURE_INPUT, LECTURE_FILTER), initial_step=0))
    pg.evaluate("() => window.mountAnother('second')")
    steps = pg.locator("#player")  # one in each shadow root
    expect(steps).to_have_count(2)
    pg.keyboard.press("PageDown")
    pg.keyboard.press("PageDown")
    assert steps.evaluate_all("els => els.map(e => e.dataset.step)") == ["2", "2"]
    pg.keyboard.press("PageUp")
    pg.keyboard.press("ArrowRight")
    pg.keyboard.press("ArrowRight")
    assert steps.evaluate_all("els => els.map(e => e.dataset.step)") == ["3", "3"]


@pytest.mark.browser
def test_browser_plays_to_the_last_step(player):
    pg = player(replace(conv_player_spec(np.ones((16, 16), int), LECTURE_FILTER), initial_step=0, speed=30))
    assert pg.inner_text("#speed-label") == "30 steps/s"
    pg.click("#btn-play")
    assert pg.get_attribute("#player", "data-playing") == "1"
    pg.locator('#player[data-step="196"][data-playing="0"]').wait_for(timeout=20_000)
    assert shown_values(pg) == ["10"] * 196  # every window of ones sums the filter: 10


@pytest.mark.browser
def test_browser_hover_shows_the_window_and_click_jumps(player):
    pg = player(conv_player_spec(LECTURE_INPUT, LECTURE_FILTER))
    from playwright.sync_api import expect

    pg.hover("#out-2-0")  # the browser delivers the pointer's move with a frame: wait for what it changes
    expect(pg.locator("#explain")).to_contain_text("Output cell row 3, column 1")
    assert pg.get_attribute("#in-4-0", "class").split().count("win") == 1  # bottom-left window
    pg.click("#out-1-1")
    assert step(pg) == "5"
    assert shown_values(pg)[5] == ""


def box(pg, selector):
    return pg.locator(selector).bounding_box()


@pytest.mark.browser
def test_browser_fits_a_phone_and_follows_dark_theme_with_badges_off_the_values(player):
    spec = replace(conv_player_spec(np.ones((16, 16)), LECTURE_FILTER, padding=3), initial_step=1)
    pg = player(spec, width=390, height=844, dark=True)
    assert pg.locator(".cnnviz-host").evaluate("e => e.classList.contains('dark')")
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390
    # a phone: the window's nine numbers in the lens, the grids drawn small under it
    assert pg.get_attribute(".stage", "data-layout") == "lens"
    assert pg.locator(".lens .lz").evaluate_all("els => els.map(e => e.textContent)") == (
        ["0", "0", "0"] * 3 + ["0", "1", "2", "2", "2", "0", "0", "1", "2"])  # padding, then the filter
    # the smallest cells still drawn with their numbers (a narrow column): each weight in a strip under its value
    pg = player(spec, width=740, height=844, dark=True)
    assert pg.get_attribute(".stage", "data-layout") != "lens"
    cs = pg.locator(".cnnviz-host").evaluate("e => getComputedStyle(e).getPropertyValue('--cs')")
    assert 18 <= int(cs.strip().rstrip("px")) < 20
    # a covered cell's weight sits in a strip under its value: the two boxes do not overlap
    gaps = pg.locator(".cell.in.win").evaluate_all("""els => els.map(e => {
        const r = document.createRange(); r.selectNodeContents(e);
        const text = r.getBoundingClientRect(), cell = e.getBoundingClientRect();
        const after = getComputedStyle(e, '::after');
        const badgeTop = cell.bottom - parseFloat(after.bottom) - parseFloat(after.height);
        return badgeTop - text.bottom; })""")
    assert len(gaps) == 9 and min(gaps) >= 0


@pytest.mark.browser
def test_browser_box_blur_badges_do_not_cover_the_values(player):
    from cnnviz.lecture.presets import FILTER_PRESETS

    pg = player(replace(conv_player_spec(LECTURE_INPUT, FILTER_PRESETS["Box blur"].weights), initial_step=1))
    assert set(pg.locator(".cell.in.win").evaluate_all("els => els.map(e => e.dataset.w)")) == {"0.11"}
    fits = pg.locator(".cell.in.win").evaluate_all("""els => els.map(e => {
        const r = document.createRange(); r.selectNodeContents(e);
        const text = r.getBoundingClientRect(), cell = e.getBoundingClientRect();
        const after = getComputedStyle(e, '::after');
        return cell.bottom - parseFloat(after.bottom) - parseFloat(after.height) >= text.bottom
            && e.scrollWidth <= e.clientWidth; })""")
    assert all(fits)


@pytest.mark.browser
def test_browser_wide_grids_keep_input_filter_map_readable(player):
    rng = np.random.default_rng(0)
    pg = player(conv_player_spec(rng.integers(0, 9, (16, 16)), rng.integers(-2, 3, (7, 7)), padding=3),
                width=1100, height=900)
    layout = pg.locator(".stage").get_attribute("data-layout")
    assert layout in ("row", "split")
    inp, flt, out = box(pg, "#in-grid"), box(pg, "#flt-grid"), box(pg, "#out-grid")
    assert inp["x"] + inp["width"] < flt["x"]  # input ∗ filter on one line
    assert out["x"] + out["width"] <= 1100 and pg.evaluate("document.documentElement.scrollWidth") <= 1100
    cs = int(pg.locator(".cnnviz-host").evaluate("e => getComputedStyle(e).getPropertyValue('--cs')").strip()[:-2])
    assert cs >= 22  # two digits still read


@pytest.mark.browser
def test_browser_typing_into_a_cell_sends_the_edit(player):
    spec = replace(conv_player_spec(LECTURE_INPUT, LECTURE_FILTER, padding=1), editable=("in", "flt"))
    pg = player(spec)
    pg.click("#in-0-0")  # padding: not typed into
    assert pg.locator("input.cell-edit").count() == 0
    pg.click("#in-1-2")  # the input's row 0, column 1 (padding 1)
    field = pg.locator("input.cell-edit")
    assert pg.locator(".cell-sign").count() == 0  # a mouse and a keyboard have a minus
    assert field.get_attribute("inputmode") == "decimal" and field.input_value() == "3"
    pg.keyboard.type("13")  # the old value is selected: typing replaces it
    pg.keyboard.press("Enter")
    events = pg.evaluate("window.playerEvents")
    assert [(n, {k: v for k, v in e.items() if k != "seq"}) for n, e in events] == [
        ("edit", {"grid": "in", "row": 0, "col": 1, "text": "13"})]
    assert pg.locator("input.cell-edit").count() == 0 and pg.inner_text("#in-1-2") == "13"
    pg.click("#flt-0-0")
    pg.keyboard.type("5")
    pg.keyboard.press("Escape")  # cancels: nothing sent
    assert len(pg.evaluate("window.playerEvents")) == 1 and pg.inner_text("#flt-0-0") == "0"
    pg.click("#flt-0-0")
    pg.keyboard.type("-1")
    pg.keyboard.press("Tab")  # commits and moves on to the next cell
    pg.keyboard.type("4")
    pg.keyboard.press("ArrowDown")  # commits and moves down
    assert pg.locator("input.cell-edit").evaluate("e => e.parentElement.id") == "flt-1-1"
    pg.keyboard.press("Escape")
    sent = [(e["grid"], e["row"], e["col"], e["text"]) for _, e in pg.evaluate("window.playerEvents")[1:]]
    assert sent == [("flt", 0, 0, "-1"), ("flt", 0, 1, "4")]
    assert len({e["seq"] for _, e in pg.evaluate("window.playerEvents")}) == 3  # each edit its own


OUT_CELLS = ("els => els.map(e => [e.id, e.textContent, e.dataset.value,"  # the classes the page draws: not the step's
             " [...e.classList].filter(c => !['pending', 'cur', 'peek'].includes(c)).join(' ')])")


def drawn_out_cells(spec) -> list[list[str]]:
    """The output cells the page's answer draws for ``spec``: id, text, exact value and classes, as the DOM has them."""
    cells = re.findall(r'<div class="([^"]*)" id="(out-\d+-\d+)"[^>]*data-value="([^"]*)"[^>]*>([^<]*)</div>',
                       player_data(spec)["html"])
    return [[i, text, value, cls] for cls, i, value, text in cells]


def typed(pg, cell: str, text: str) -> None:
    pg.click("#" + cell)
    pg.keyboard.type(text)
    pg.keyboard.press("Enter")


@pytest.mark.browser
@pytest.mark.parametrize("case", range(8))
def test_browser_a_typed_cell_shows_the_page_answers_map_at_once(player, case):
    """Before the page answers, the browser writes the map the page will draw, cell for cell."""
    rng = np.random.default_rng(case)
    H, W = rng.integers(3, 8, 2)
    x = rng.integers(-9, 10, (H, W))
    if case < 5:  # convolution: stride, padding, dilation, a bias, ReLU
        k = int(rng.integers(1, min(H, W, 3) + 1))
        w = rng.integers(-2, 3, (k, k))
        kw = dict(bias=int(rng.integers(-5, 6)), relu=bool(case % 2), stride=int(rng.integers(1, 3)),
                  padding=int(rng.integers(0, 2)), dilation=1 + int(case == 3 and k <= 2))
        make = lambda x, w: replace(conv_player_spec(x, w, **kw), editable=("in", "flt"))  # noqa: E731
        ph = kw["padding"]
    else:  # pooling, max and average
        w, ph = None, 0
        mode = "max" if case < 7 else "avg"
        x = x * 2 if mode == "avg" else x  # with even values a 2x2 mean can be whole: both ways happen
        make = lambda x, w: replace(pool_player_spec(x, 2, mode=mode), editable=("in",))  # noqa: E731
    pg = player(make(x, w))
    for _ in range(3):
        edit_filter = w is not None and rng.random() < 0.3
        grid = w if edit_filter else x
        r, c = (int(v) for v in rng.integers(0, grid.shape))
        value = int(rng.integers(-60, 61))
        grid[r, c] = value
        cell = f"flt-{r}-{c}" if edit_filter else f"in-{r + ph}-{c + ph}"
        before = pg.locator(".cell.out").evaluate_all(OUT_CELLS)
        typed(pg, cell, str(value).replace("-", "−") if value % 3 == 0 else str(value))
        expected = drawn_out_cells(make(x, w))
        shown = pg.locator(".cell.out").evaluate_all(OUT_CELLS)
        whole = all(float(v).is_integer() for _, _, v, _ in expected)
        assert shown == (expected if whole else before)  # a map with fractions waits for the page
        dimmed = float(pg.locator("#explain").evaluate("e => getComputedStyle(e).opacity")) < 1
        assert ("pending" in (pg.get_attribute("#explain", "class") or "")) == whole == dimmed  # the sum is stale
        pg.evaluate("d => window.remount({player: JSON.stringify(d)})", player_data(make(x, w)))  # the answer
        assert pg.locator(".cell.out").evaluate_all(OUT_CELLS) == expected
        assert pg.locator(".pending").count() == 0


@pytest.mark.browser
def test_browser_only_a_plain_number_is_shown_before_the_page_answers(player):
    spec = replace(conv_player_spec(LECTURE_INPUT, LECTURE_FILTER, bias=0.5), editable=("in", "flt"))
    pg = player(spec)
    before = pg.locator(".cell.out").evaluate_all(OUT_CELLS)
    for text in ("1e3", "2,5", "abc", "1/2", "2000000", "3.25"):  # the page reads these (or refuses them)
        typed(pg, "in-0-0", text)
        assert pg.locator(".cell.out").evaluate_all(OUT_CELLS) == before, text
    pg.click("#in-0-0")
    pg.keyboard.press("Backspace")  # an empty cell
    pg.keyboard.press("Enter")
    assert pg.locator(".cell.out").evaluate_all(OUT_CELLS) == before
    assert pg.get_attribute("#explain", "class") in (None, "")
    typed(pg, "in-0-0", "4")  # with a bias of 0.5 no map is whole numbers: a plain number waits too
    assert pg.locator(".cell.out").evaluate_all(OUT_CELLS) == before
    sent = [e["text"] for _, e in pg.evaluate("window.playerEvents")]
    assert sent == ["1e3", "2,5", "abc", "1/2", "2000000", "3.25", "", "4"]


@pytest.mark.browser
def test_browser_a_touch_screen_gets_a_sign_key_and_the_field_keeps_its_text(browser):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, has_touch=True,
                              is_mobile=True)
    try:
        pg = ctx.new_page()
        pg.set_content(player_html(replace(conv_player_spec(LECTURE_INPUT, LECTURE_FILTER), editable=("in", "flt"))))
        pg.locator("#player").wait_for()
        pg.tap("#flt-0-1")
        field = pg.locator("input.cell-edit")
        pg.keyboard.type("2")
        pg.tap(".cell-sign")  # a phone's keypad without a minus
        assert field.input_value() == "−2" and field.evaluate("e => e.getRootNode().activeElement === e")
        pg.tap("#flt-0-1 input.cell-edit")  # a tap in the open field keeps what is typed
        pg.tap(".cell-sign")
        pg.tap(".cell-sign")
        assert field.input_value() == "−2"
        pg.keyboard.press("Enter")
        assert pg.locator("input.cell-edit, .cell-sign").count() == 0
        assert [(e["grid"], e["text"]) for _, e in pg.evaluate("window.playerEvents")] == [("flt", "−2")]
    finally:
        ctx.close()


@pytest.mark.browser
def test_browser_a_rerun_keeps_step_speed_and_playing_and_clamps_the_step(player):
    pg = player(conv_player_spec(np.ones((6, 6), int), LECTURE_FILTER))  # 16 steps
    pg.click("#btn-reset")
    for _ in range(12):
        pg.keyboard.press("ArrowRight")
    pg.locator("#speed").fill("6")  # 20 steps a second
    def rerun(spec):  # what a rerun on new grids sends
        pg.evaluate("d => window.remount({player: JSON.stringify(d)})", player_data(spec))

    rerun(conv_player_spec(np.ones((6, 6), int), LECTURE_FILTER, stride=2))  # 4 steps
    assert step(pg) == "4" and pg.inner_text("#speed-label") == "20 steps/s"
    pg.click("#btn-reset")
    pg.keyboard.press("ArrowRight")
    rerun(conv_player_spec(np.ones((6, 6), int), LECTURE_FILTER))
    assert step(pg) == "1" and shown_values(pg).count("10") == 1
    pg.locator("#speed").fill("0")  # 0.5 steps a second: still playing after the rerun below
    pg.click("#btn-play")
    rerun(conv_player_spec(np.ones((6, 6), int) * 2, LECTURE_FILTER))
    assert pg.get_attribute("#player", "data-playing") == "1" and "20" in shown_values(pg)


@pytest.mark.browser
def test_browser_a_command_jumps_once_and_report_sends_what_the_student_did(player):
    spec = conv_player_spec(LECTURE_INPUT, LECTURE_FILTER)
    pg = player(spec)
    assert pg.evaluate("window.playerEvents") == []  # report is off: nothing sent while stepping
    pg.keyboard.press("Home")
    assert pg.evaluate("window.playerEvents") == []
    pg.evaluate("() => window.remount({command: ['t1', 4, false], report: true})")
    assert step(pg) == "4"
    pg.keyboard.press("ArrowRight")
    pg.evaluate("() => window.remount({command: ['t1', 4, false], report: true})")  # the same token: no jump
    assert step(pg) == "5"
    assert pg.evaluate("window.playerEvents") == [["view", {"step": 5, "playing": False, "speed": 2}]]
    pg.evaluate("() => window.remount({command: ['t2', 2, true], report: true})")
    assert pg.get_attribute("#player", "data-playing") == "1"


@pytest.mark.browser
def test_browser_a_multi_channel_window_covers_every_channel(player):
    rng = np.random.default_rng(5)
    x, w = rng.integers(0, 4, (3, 4, 4)), rng.integers(-1, 2, (3, 3, 3))  # (C, Hp, Wp), (C, kh, kw)
    out = sum(conv2d(x[k], w[k]) for k in range(3))  # (2, 2)
    steps = [PlayerStep(tuple(range(r, r + 3)), tuple(range(c, c + 3)), (r, c), out[r, c].item())
             for r in range(2) for c in range(2)]
    pg = player(PlayerSpec(x, out, steps, filter=w, channel_names=("R", "G", "B"), initial_step=4), height=1000)
    win = pg.locator(".cell.in.win").evaluate_all("els => els.map(e => [e.id, e.dataset.w])")
    # the last window (rows 1-3, columns 1-3) on each channel, each cell with that channel's weight
    want = [f"in-{r}-{c}-{k}" for k in range(3) for r in (1, 2, 3) for c in (1, 2, 3)]
    assert sorted(i for i, _ in win) == sorted(want)
    for cell, weight in win:
        r, c, k = map(int, cell.split("-")[1:])
        assert weight == str(w[k, r - 1, c - 1]).replace("-", "−")
    assert shown_values(pg) == [str(v).replace("-", "−") for v in out.ravel()]
