"""In Chromium: the RGB filters page steps through the lecture's bank, and the GIF downloads with a frame per step."""
import io

import pytest
from PIL import Image

from browser_support import wait_for_app, wait_for_link

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
