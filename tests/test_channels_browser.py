"""In Chromium: the RGB filters page steps through the lecture's bank, and the GIF downloads with a frame per step."""
import io

import pytest
from playwright.sync_api import expect
from PIL import Image

from browser_support import rendered, wait_for_app, wait_for_link

pytestmark = pytest.mark.browser


def test_the_lecture_bank_is_one_click_away(page, server_url):
    page.goto(server_url + "/channels")
    wait_for_app(page)
    player = page.locator("#player")  # Playwright's locators pierce the component's shadow root
    assert player.get_attribute("data-steps") == "9"
    page.get_by_role("button", name="The lecture's 32x32x3 with six 5x5x3 filters").click()
    wait_for_link(page, "example", "lecture")
    page.locator('#player[data-steps="784"]').wait_for()
    assert page.get_by_text("32x32x3 → 28x28x6").count() >= 1
    assert page.locator('[data-testid="stException"]').count() == 0


def test_the_gif_of_the_lecture_example_downloads_with_a_frame_per_step(page, server_url):
    page.goto(server_url + "/convolution")
    wait_for_app(page)
    page.get_by_text("For slides").click()  # the box opens with a rerun that draws the buttons
    gif_button = page.get_by_role("button", name="GIF of all 9 steps")
    gif_button.wait_for()
    with page.expect_download() as download:
        gif_button.click()
    gif = Image.open(io.BytesIO(open(download.value.path(), "rb").read()))
    assert gif.format == "GIF" and gif.n_frames == 9 + 2  # the empty map, each step, the full map
    assert download.value.suggested_filename == "cnnviz-convolution.gif"


def laid_out(page, selector: str) -> None:
    """Wait until ``selector`` (inside the player's shadow root) is on the page and the player has fitted it."""
    page.locator(selector).wait_for()
    rendered(page)
    rendered(page)


def font_sizes(page, selector: str) -> list[float]:
    return page.locator(selector).evaluate_all("els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")


def page_scrolls_sideways(page) -> bool:
    """True when the page (or Streamlit's main area) can scroll horizontally."""
    return page.evaluate("""() => [document.documentElement, document.body,
        document.querySelector('[data-testid="stMain"]')].some(e => e && e.scrollWidth > e.clientWidth + 1)""")


def test_the_channels_sit_side_by_side_with_readable_digits_at_1920(page, server_url):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(server_url + "/channels")
    wait_for_app(page)
    page.locator("#player").wait_for()
    laid_out(page, "#in-grid-2")
    tops = [page.locator(f"#in-grid-{k}").bounding_box() for k in range(3)]
    assert len({round(t["y"]) for t in tops}) == 1 and tops[0]["x"] < tops[1]["x"] < tops[2]["x"]  # R | G | B
    for k in range(3):  # each filter slice under its channel
        flt = page.locator(f"#flt-grid-{k}").bounding_box()
        inp = tops[k]
        assert flt["y"] > inp["y"] + inp["height"] and inp["x"] <= flt["x"] < inp["x"] + inp["width"]
    assert min(font_sizes(page, ".cell.in, .cell.flt, .cell.out")) >= 24
    # the partial sums of the step on show, written under each pair
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    sums = [page.locator(f"#psum-{k}").inner_text() for k in range(3)]
    assert [s.split(" = ")[0] for s in sums] == ["R", "G", "B"]
    assert "R + G + B + bias" in page.inner_text("#explain")
    assert not page_scrolls_sideways(page)


def test_a_click_on_a_map_of_the_volume_steps_through_its_filter(page, server_url):
    page.goto(server_url + "/channels")
    wait_for_app(page)
    page.locator('.bankmap[data-f="1"]').click()
    wait_for_link(page, "filter", "2")
    page.locator('.bankmap.pick[data-f="1"]').wait_for()
    assert page.locator('.bankmap[aria-current="true"]').count() == 1


def test_a_phone_stacks_the_channels_without_scrolling_sideways(page, server_url):
    page.set_viewport_size({"width": 390, "height": 844})
    for query in ("", "?example=lecture"):
        page.goto(server_url + "/channels" + query)
        wait_for_app(page)
        page.locator("#player").wait_for()
        laid_out(page, "#in-grid-2")
        assert not page_scrolls_sideways(page), query
        whole = page.locator("#player").bounding_box()
        assert whole["x"] >= 0 and whole["x"] + whole["width"] <= 390, query


@pytest.mark.parametrize("width, height", [(1920, 1080), (1280, 720)])
def test_presenter_view_shows_the_whole_player(page, server_url, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(server_url + "/channels?present=1")
    wait_for_app(page)
    page.locator(".cnnviz-host.present").wait_for()
    laid_out(page, "#in-grid-2")
    expect(page.locator('[data-testid="stSidebar"]')).to_be_hidden()
    whole = page.locator("#player").bounding_box()
    assert whole["y"] >= 0 and whole["y"] + whole["height"] <= height and whole["x"] + whole["width"] <= width
    if width == 1920:  # at 1280x720 the grids' eight rows and the written sums share 720 px: whole, not big
        assert min(font_sizes(page, ".cell.in, .cell.flt, .cell.out")) >= 24
    page.keyboard.press("Home")
    page.keyboard.press("PageDown")  # stepping keeps the player on the screen: the sums' box holds the longest
    assert page.locator("#player").get_attribute("data-step") == "1"
    again = page.locator("#player").bounding_box()
    assert again["y"] + again["height"] <= height
