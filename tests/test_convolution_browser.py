"""The Convolution page in Chromium: the rendered map, typing a cell, playing, and shared links."""
from urllib.parse import parse_qs, urlparse

import pytest
from browser_support import type_into_grid, wait_for_app, wait_for_link

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
    frame = page.frame_locator("iframe").first
    frame.locator("#player").wait_for()
    return frame


def shown(frame):
    """The activation map as a student sees it: the text of each computed output cell."""
    return frame.locator(".cell.out").evaluate_all(
        "els => els.map(e => e.dataset.shown === '1' ? e.textContent : '')")


def url_params(page):
    return {k: v[0] for k, v in parse_qs(urlparse(page.evaluate("location.href")).query).items()}


def test_rendered_map_edit_a_cell_and_see_it_change(page, server_url):
    frame = open_conv(page, server_url)
    assert shown(frame) == LECTURE_MAP
    assert page.locator('[data-testid="stException"]').count() == 0
    type_into_grid(page, "13", row=0, col=1, shape=(5, 5))  # the 3 under weight 1 of the first window
    frame = page.frame_locator("iframe").first
    frame.locator('#out-0-0:text-is("22")').wait_for()  # the rerun's new map
    wait_for_app(page)
    assert shown(frame)[:3] == ["22", "12", "17"]
    assert url_params(page)["input"].startswith("3,13,2,1,0;")


def test_play_to_the_end_step_back_and_keep_the_step_in_the_link(page, server_url):
    frame = open_conv(page, server_url)
    frame.locator("#btn-reset").click()
    assert shown(frame) == [""] * 9
    frame.locator("#speed").fill("7")  # 30 steps a second
    frame.locator("#btn-play").click()
    frame.locator('#player[data-step="9"][data-playing="0"]').wait_for()
    assert shown(frame) == LECTURE_MAP
    frame.locator("#btn-back").click()
    frame.locator("#btn-back").click()
    assert frame.locator("#player").get_attribute("data-step") == "7"
    assert shown(frame)[-2:] == ["", ""]
    explain = frame.locator("#explain").inner_text()
    assert "Output cell row 3, column 1" in explain and explain.rstrip().endswith("= 9")
    page.wait_for_function("() => new URL(location.href).searchParams.get('step') === '7'")
    # a rerun (another setting changes) keeps the step, and so does a reload
    page.locator("label").filter(has_text="ReLU").first.click()
    wait_for_link(page, "relu", "1")
    assert url_params(page).get("step") == "7"
    page.reload()
    wait_for_app(page)
    page.frame_locator("iframe").first.locator('#player[data-step="7"]').wait_for()


def test_a_shared_link_opens_the_same_grids_and_step(page, server_url):
    query = "?input=1,2,3,4;5,6,7,8;9,10,11,12;13,14,15,-16&filter=1,0;0,-1&stride=2&step=3"
    frame = open_conv(page, server_url, query)
    assert frame.locator("#player").get_attribute("data-step") == "3"
    assert frame.locator(".cell.out").evaluate_all("els => els.map(e => e.dataset.value)") == ["-5", "-5", "-5", "27"]
    assert shown(frame) == ["−5", "−5", "−5", ""]
    assert frame.locator("#in-1-1").inner_text() == "6" and frame.locator("#flt-1-1").inner_text() == "−1"
    assert page.get_by_role("spinbutton", name="Stride").input_value() == "2"
