"""The Convolution page in Chromium: the rendered map, typing a cell, playing, keys, presenter view, shared links."""
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from playwright.sync_api import expect
from browser_support import (
    assert_presenter_view_fills, lens_in_view, type_into_player, wait_for_app, wait_for_link, wait_for_player_answer,
)

from cnnviz import conv2d
from cnnviz.lecture.presets import LECTURE_FILTER, LECTURE_INPUT

pytestmark = pytest.mark.browser

LECTURE_MAP = ["12", "12", "17", "10", "17", "19", "9", "6", "14"]


def open_conv(page, server_url, query=""):
    if not getattr(open_conv, "warm", False):
        # A fresh server serves its very first deep link from the pages/ folder, before app.py has
        # declared the navigation; open the app once so every test sees the real navigation.
        page.goto(server_url)
        wait_for_app(page)
        open_conv.warm = True
    page.goto(server_url + "/convolution" + query)
    wait_for_app(page)
    page.locator("#player").wait_for()


def shown(page):
    """The activation map as a student sees it: the text of each computed output cell."""
    return page.locator(".cell.out").evaluate_all("els => els.map(e => e.dataset.shown === '1' ? e.textContent : '')")


def url_params(page):
    return {k: v[0] for k, v in parse_qs(urlparse(page.evaluate("location.href")).query).items()}


def test_rendered_map_edit_a_cell_and_see_it_change(page, server_url):
    open_conv(page, server_url)
    assert shown(page) == LECTURE_MAP
    assert page.locator('[data-testid="stException"]').count() == 0
    type_into_player(page, "13", "in-0-1")  # the 3 under weight 1 of the first window
    wait_for_player_answer(page)
    x = LECTURE_INPUT.copy()
    x[0, 1] = 13
    assert shown(page) == [str(v) for v in conv2d(x, LECTURE_FILTER).ravel()]
    assert url_params(page)["input"].startswith("3,13,2,1,0;")
    type_into_player(page, "-1", "flt-2-2")  # a filter cell, then a bad one: the map stays, a message says why
    wait_for_player_answer(page)
    assert page.inner_text("#flt-2-2") == "−1"
    w = LECTURE_FILTER.copy()
    w[2, 2] = -1
    assert shown(page) == [str(v) for v in conv2d(x, w).ravel()]
    before = shown(page)
    type_into_player(page, "abc", "in-4-4")
    wait_for_player_answer(page)
    page.get_by_text("Input, row 5, column 5: 'abc' is not a number").wait_for()
    assert shown(page) == before and page.inner_text("#in-4-4") == str(x[4, 4])  # the last valid value


def test_play_to_the_end_step_back_and_keep_the_step_in_the_link(page, server_url):
    open_conv(page, server_url)
    page.locator("#btn-reset").click()
    assert shown(page) == [""] * 9
    page.locator("#speed").fill("7")  # 30 steps a second
    page.locator("#btn-play").click()
    page.locator('#player[data-step="9"][data-playing="0"]').wait_for()
    assert shown(page) == LECTURE_MAP
    page.locator("#btn-back").click()
    page.locator("#btn-back").click()
    assert page.locator("#player").get_attribute("data-step") == "7"
    assert shown(page)[-2:] == ["", ""]
    explain = page.locator("#explain").inner_text()
    assert "Output cell row 3, column 1" in explain and explain.rstrip().endswith("= 9")
    page.wait_for_function("() => new URL(location.href).searchParams.get('step') === '7'")
    # a rerun (another setting changes) keeps the step and the speed, and a reload keeps the step
    page.locator("label").filter(has_text="ReLU").first.click()
    wait_for_link(page, "relu", "1")
    assert url_params(page).get("step") == "7"
    assert page.locator("#player").get_attribute("data-step") == "7" and page.inner_text("#speed-label") == "30 steps/s"
    page.reload()
    wait_for_app(page)
    page.locator('#player[data-step="7"]').wait_for()


def test_step_and_speed_survive_a_stride_change(page, server_url):
    open_conv(page, server_url)
    page.locator("#btn-reset").click()
    for _ in range(3):
        page.locator("#btn-fwd").click()
    page.locator("#speed").fill("5")  # 10 steps a second
    page.locator('[data-testid="stNumberInput"]').filter(has_text="Stride").get_by_test_id(
        "stNumberInputStepUp").click()
    wait_for_link(page, "stride", "2")
    expect(page.locator(".cell.out")).to_have_count(4)  # stride 2: a 2x2 map, 4 steps
    assert page.locator("#player").get_attribute("data-step") == "3"
    assert page.inner_text("#speed-label") == "10 steps/s"


# Every scroll position on the page: the window's and each element that scrolls (Streamlit's main area does).
SCROLLED = """() => [window.scrollY, ...[...document.querySelectorAll('*')]
    .filter(e => e.scrollHeight > e.clientHeight + 1 && getComputedStyle(e).overflowY !== 'visible')
    .map(e => e.scrollTop)]"""


def test_keys_step_and_play_wherever_the_focus_is_and_nothing_scrolls(page, server_url):
    open_conv(page, server_url)
    page.set_viewport_size({"width": 1280, "height": 500})  # a page that could scroll
    page.get_by_role("heading", name="Convolution").click()  # focus leaves the player
    y0 = page.evaluate(SCROLLED)
    assert len(y0) > 1  # something on the page can scroll
    player = page.locator("#player")
    for key, want in [("Home", "0"), ("PageDown", "1"), ("ArrowRight", "2"), ("ArrowLeft", "1"), ("PageUp", "0"),
                      ("End", "9")]:
        page.keyboard.press(key)
        assert player.get_attribute("data-step") == want, key
    page.keyboard.press("Home")
    page.locator("#speed").fill("0")  # slow enough to see it playing
    page.get_by_role("heading", name="Convolution").click()
    page.keyboard.press("Space")
    assert player.get_attribute("data-playing") == "1"
    page.keyboard.press("Space")
    assert player.get_attribute("data-playing") == "0"
    assert page.evaluate(SCROLLED) == y0
    # typing into a field of the page is left alone
    field = page.get_by_role("spinbutton", name="Bias")
    field.click()
    page.keyboard.press("ArrowRight")
    assert player.get_attribute("data-step") == "0"


@pytest.mark.parametrize("width, height, digits", [(1920, 1080, 40), (1280, 720, 28)])
def test_presenter_view_fills_the_screen(page, server_url, width, height, digits):
    page.set_viewport_size({"width": width, "height": height})
    open_conv(page, server_url, "?present=1")
    assert_presenter_view_fills(page, width, height, digits, ".cell.in, .cell.out, .cell.flt", 25 + 9 + 9)
    assert page.evaluate("window.scrollY") == 0
    page.get_by_role("button", name="Leave the presenter view").click()
    page.wait_for_function("() => !new URL(location.href).searchParams.has('present')")
    wait_for_app(page)
    expect(page.locator('[data-testid="stSidebar"]')).to_be_visible()


def test_a_shared_link_opens_the_same_grids_and_step(page, server_url):
    query = "?input=1,2,3,4;5,6,7,8;9,10,11,12;13,14,15,-16&filter=1,0;0,-1&stride=2&step=3"
    open_conv(page, server_url, query)
    assert page.locator("#player").get_attribute("data-step") == "3"
    assert page.locator(".cell.out").evaluate_all("els => els.map(e => e.dataset.value)") == ["-5", "-5", "-5", "27"]
    assert shown(page) == ["−5", "−5", "−5", ""]
    assert page.locator("#in-1-1").inner_text() == "6" and page.locator("#flt-1-1").inner_text() == "−1"
    assert page.get_by_role("spinbutton", name="Stride").input_value() == "2"
    assert np.array_equal(conv2d(np.arange(1, 17).reshape(4, 4) * np.where(np.arange(16) == 15, -1, 1).reshape(4, 4),
                                 [[1, 0], [0, -1]], stride=2), [[-5, -5], [-5, 27]])


def test_the_tools_under_the_player_resize_load_a_preset_and_clear(page, server_url):
    open_conv(page, server_url)
    page.get_by_role("button", name="one column more in the input").click()  # 5x5 -> 5x6: a 3x4 map
    page.locator("#out-0-3").wait_for()
    wait_for_app(page)
    x = np.hstack([LECTURE_INPUT, np.zeros((5, 1), int)])
    assert shown(page) == [str(v) for v in conv2d(x, LECTURE_FILTER).ravel()]
    assert page.get_by_role("group", name="Input").inner_text().startswith("Input 5x6")
    assert url_params(page)["input"].startswith("3,3,2,1,0,0;")
    page.get_by_role("combobox", name="load a preset into the filter").select_option("Vertical edge")
    page.get_by_text("Vertical edge:").wait_for()  # the preset it holds, with what it does
    wait_for_app(page)
    edge = np.array([[1, 0, -1]] * 3)
    assert shown(page) == [str(v).replace("-", "−") for v in conv2d(x, edge).ravel()]
    page.get_by_role("button", name="every cell of the input to 0").click()
    page.locator('#out-0-0:text-is("0")').wait_for()
    wait_for_app(page)
    assert set(shown(page)) == {"0"} and page.locator('[data-testid="stException"]').count() == 0


def test_a_phone_shows_the_window_the_filter_and_the_sum_on_one_screen(page, server_url):
    page.set_viewport_size({"width": 390, "height": 844})
    open_conv(page, server_url)
    page.locator('.stage[data-layout="lens"]').wait_for()
    page.get_by_role("button", name="reset").click()
    for step in range(1, 4):  # the buttons step; the window, the filter, the sum and the output cell stay in view
        page.get_by_role("button", name="step forward").click()
        page.locator(f"#player[data-step='{step}']").wait_for()
        top, boxes = lens_in_view(page)
        assert len(boxes) == 2 + 2 and all(t >= top and b <= 844 and x >= 0 and r <= 390 for t, b, x, r in boxes)
        window = page.locator(".lens .lgrid").first.locator(".lz").evaluate_all("els => els.map(e => e.textContent)")
        c = step - 1  # the lecture's 3x3 windows, along the first row
        assert window == [str(v) for v in LECTURE_INPUT[0:3, c:c + 3].ravel()]
        assert page.locator(".lout .lz").inner_text() == LECTURE_MAP[c]
    sizes = page.locator(".lens .lz").evaluate_all("els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert min(sizes) >= 24
    # the lens types into the grids too: a cell of its filter
    page.locator(".lens .lgrid").last.locator(".lz").first.click()
    field = page.locator(".lens input.cell-edit")
    expect(field).to_be_focused()
    page.keyboard.type("1")
    page.keyboard.press("Enter")
    wait_for_player_answer(page)
    w = LECTURE_FILTER.copy()
    w[0, 0] = 1
    assert shown(page)[:3] == [str(v) for v in conv2d(LECTURE_INPUT, w)[0]]
