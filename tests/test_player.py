"""The step player: the HTML it builds, and how it behaves in Chromium (no server needed)."""
import json
import re
from dataclasses import replace
from importlib import resources

import numpy as np
import pytest

from cnnviz.conv import conv2d
from cnnviz.presets import LECTURE_FILTER, LECTURE_INPUT
from cnnviz.views.conv import conv_player_spec, conv_step_html
from cnnviz.views.player import (
    PlayerSpec, PlayerStep, player_height, player_html, player_template, unreached_cells, with_step,
)

LECTURE_MAP = [[12, 12, 17], [10, 17, 19], [9, 6, 14]]


def out_values(html: str) -> dict[tuple[int, int], str]:
    """The value written in each output cell of the player's HTML."""
    cells = re.findall(r'id="out-(\d+)-(\d+)"[^>]*data-value="([^"]*)"', html)
    return {(int(r), int(c)): v for r, c, v in cells}


def payload(html: str) -> dict:
    return json.loads(re.search(r"const D=(\{.*?\});\s*\(function", html, re.S).group(1).replace("<\\/", "</"))


# -- the HTML -------------------------------------------------------------------------------------

def test_lecture_map_is_written_in_every_output_cell():
    html = player_html(conv_player_spec(LECTURE_INPUT, LECTURE_FILTER))
    vals = out_values(html)
    assert [[vals[r, c] for c in range(3)] for r in range(3)] == [[str(v) for v in row] for row in LECTURE_MAP]


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
    padded = player_html(conv_player_spec(LECTURE_INPUT, LECTURE_FILTER, padding=1))
    assert re.search(r'class="cell in[^"]*pad[^"]*" id="in-0-0"', padded)
    assert not re.search(r'class="cell in[^"]*pad[^"]*" id="in-1-1"', padded)
    assert "padding (zeros)" in padded and "no window reaches" not in padded
    x = np.arange(36).reshape(6, 6)
    spec = conv_player_spec(x, np.ones((3, 3), int), stride=2)  # windows start at 0 and 2: column 5 never covered
    mask = unreached_cells(spec.input.shape, spec.padding, spec.steps)
    assert mask[5].all() and mask[:, 5].all() and mask.sum() == 11
    html = player_html(spec)
    assert re.search(r'class="cell in[^"]*unr[^"]*" id="in-5-3"', html)
    assert not re.search(r'class="cell in[^"]*unr[^"]*" id="in-4-4"', html)
    assert "no window reaches these cells" in html


def test_initial_step_is_clamped_and_defaults_to_the_end():
    spec = conv_player_spec(LECTURE_INPUT, LECTURE_FILTER)
    for asked, got in [(None, 9), (4, 4), (-3, 0), (99, 9), ("junk", 9)]:
        html = player_html(PlayerSpec(**{**spec.__dict__, "initial_step": asked}))
        assert f'data-step="{got}"' in html and payload(html)["initial"] == got


def test_self_contained_and_safe_to_embed():
    spec = conv_player_spec(LECTURE_INPUT, LECTURE_FILTER)
    steps = [PlayerStep(s.rows, s.cols, s.out, s.value, explain="</script><b>x</b>") for s in spec.steps]
    html = player_html(PlayerSpec(**{**spec.__dict__, "steps": steps, "titles": ("<i>", "F", "O")}))
    assert html.count("</script>") == 1  # the explanation cannot close the script early
    assert "&lt;i&gt;" in html
    assert not re.search(r"(src|href)=|@import|https?://", html)


def test_stylesheet_and_script_are_the_package_files_read_once_and_inlined():
    from cnnviz.views.assets import asset

    asset.cache_clear()
    html = player_html(conv_player_spec(LECTURE_INPUT, LECTURE_FILTER))
    html_again = player_html(conv_player_spec(LECTURE_INPUT, LECTURE_FILTER))
    files = resources.files("cnnviz.views")
    grid, css, js = (files.joinpath(f).read_text(encoding="utf-8") for f in ("grid.css", "player.css", "player.js"))
    assert f"<style>{grid}{css}</style>" in html and f"{js}</script>" in html and html == html_again
    assert asset.cache_info().misses == 3  # each file read from disk once, however many players are built
    assert "<script src" not in html and "<link" not in html


def test_largest_page_case_stays_small():
    rng = np.random.default_rng(0)
    html = player_html(conv_player_spec(rng.normal(size=(16, 16)), rng.normal(size=(7, 7)), padding=3))
    assert len(html.encode()) < 1_000_000


def test_bad_steps_are_refused():
    with pytest.raises(ValueError, match="outside the input"):
        player_html(PlayerSpec(np.zeros((2, 2)), np.zeros((1, 1)), [PlayerStep((0, 2), (0,), (0, 0), 0)]))
    with pytest.raises(ValueError, match="2-D"):
        player_html(PlayerSpec(np.zeros(3), np.zeros((1, 1)), []))


def test_height_grows_with_the_grids():
    small = player_height(conv_player_spec(LECTURE_INPUT, LECTURE_FILTER))
    big = player_height(conv_player_spec(np.ones((16, 16)), LECTURE_FILTER, padding=3))
    assert 300 < small <= big < 1000


# -- in Chromium ----------------------------------------------------------------------------------

@pytest.fixture
def player(browser):
    """A function that loads a spec into a fresh page and returns the page."""
    contexts = []

    def load(spec, width=1200, height=800, dark=False):
        ctx = browser.new_context(viewport={"width": width, "height": height},
                                  color_scheme="dark" if dark else "light")
        contexts.append(ctx)
        pg = ctx.new_page()
        pg.set_default_timeout(10_000)
        pg.set_content(player_html(spec))
        return pg

    yield load
    for ctx in contexts:
        ctx.close()


def shown_values(pg):
    return pg.eval_on_selector_all(
        ".cell.out", "els => els.map(e => e.dataset.shown === '1' ? e.textContent : '')")


@pytest.mark.browser
def test_browser_steps_forward_back_and_masks_pending_cells(player):
    pg = player(conv_player_spec(LECTURE_INPUT, LECTURE_FILTER))
    assert shown_values(pg) == [str(v) for row in LECTURE_MAP for v in row]
    pg.click("#btn-reset")
    assert pg.get_attribute("#player", "data-step") == "0" and shown_values(pg) == [""] * 9
    pg.click("#btn-fwd")
    pg.click("#btn-fwd")
    assert shown_values(pg)[:3] == ["12", "12", ""]
    # the window of step 2 covers rows 0-2, columns 1-3, each with its weight
    win = pg.eval_on_selector_all(".cell.in.win", "els => els.map(e => e.id + ':' + e.dataset.w)")
    assert win == ["in-0-1:0", "in-0-2:1", "in-0-3:2", "in-1-1:2", "in-1-2:2", "in-1-3:0",
                   "in-2-1:0", "in-2-2:1", "in-2-3:2"]
    assert "= 12" in pg.inner_text("#explain").replace("\n", " ")
    pg.click("#btn-back")
    assert pg.get_attribute("#player", "data-step") == "1" and shown_values(pg)[:2] == ["12", ""]
    pg.keyboard.press("ArrowRight")
    pg.keyboard.press("End")
    assert pg.get_attribute("#player", "data-step") == "9"


@pytest.mark.browser
def test_browser_plays_to_the_last_step(player):
    pg = player(PlayerSpec(**{**conv_player_spec(np.ones((16, 16), int), LECTURE_FILTER).__dict__,
                              "initial_step": 0, "speed": 30}))
    assert pg.inner_text("#speed-label") == "30 steps/s"
    pg.click("#btn-play")
    assert pg.get_attribute("#player", "data-playing") == "1"
    pg.wait_for_function("() => document.getElementById('player').dataset.step === '196'", timeout=20_000)
    assert pg.get_attribute("#player", "data-playing") == "0"
    assert shown_values(pg) == ["10"] * 196  # every window of ones sums the filter: 10


@pytest.mark.browser
def test_browser_hover_shows_the_window_and_click_jumps(player):
    pg = player(conv_player_spec(LECTURE_INPUT, LECTURE_FILTER))
    pg.hover("#out-2-0")
    assert pg.get_attribute("#in-4-0", "class").split().count("win") == 1  # bottom-left window
    assert "Output cell row 3, column 1" in pg.inner_text("#explain")
    pg.click("#out-1-1")
    assert pg.get_attribute("#player", "data-step") == "5"
    assert shown_values(pg)[5] == ""


@pytest.mark.browser
def test_browser_fits_a_phone_and_follows_dark_theme(player):
    pg = player(conv_player_spec(np.ones((16, 16)), LECTURE_FILTER, padding=3), width=390, height=844, dark=True)
    assert pg.evaluate("document.body.classList.contains('dark')")
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390
    cs = pg.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--cs')")
    assert 14 <= int(cs.strip().rstrip("px")) < 20


def test_one_template_serves_every_step():
    spec = conv_player_spec(LECTURE_INPUT, LECTURE_FILTER)
    template = player_template(spec)
    assert "__INITIAL_STEP__" not in with_step(template, 3)
    for step, shown in [(None, 9), (0, 0), (4, 4), (99, 9), (-5, 0), ("x", 9)]:
        html = with_step(template, step)
        assert f'data-step="{shown}"' in html and f'value="{shown}"' in html and f'"initial":{shown},' in html
        assert html == player_html(replace(spec, initial_step=step))
