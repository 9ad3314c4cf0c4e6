"""The page "A CNN that learns" in Chromium: draw a digit with the mouse, open a learned filter's player."""
import urllib.parse

import pytest
from playwright.sync_api import expect

from browser_support import TIMEOUT_MS, wait_for_app

pytestmark = pytest.mark.browser


def reading(page) -> str:
    """The sentence under the layers: the digit read and how sure, e.g. "The network reads a 1 (76.0 % sure). …"."""
    return page.locator("p.cnnviz-lead", has_text="The network reads a").first.inner_text()


def canvas_ready(page) -> None:
    """Wait until the script has finished and one canvas is on the page.

    When the first training ends, the page reruns and the canvas moves into the trained page's
    section: until that run ends, the old canvas can still be on screen beside the new one, and a
    stroke on the old one goes nowhere.
    """
    wait_for_app(page)
    expect(page.locator("#draw-grid")).to_have_count(1, timeout=TIMEOUT_MS)


def stroke(page, cells) -> None:
    """Press on the first cell, drag through the others, release: as a person draws."""
    canvas_ready(page)
    page.locator("#draw-grid").scroll_into_view_if_needed()
    box = page.locator("#draw-grid").bounding_box()
    at = [(box["x"] + (c + 0.5) * box["width"] / 8, box["y"] + (r + 0.5) * box["height"] / 8) for r, c in cells]
    page.mouse.move(*at[0])
    page.mouse.down()
    for x, y in at[1:]:
        page.mouse.move(x, y, steps=4)
    page.mouse.up()


def test_a_drawn_digit_is_classified_and_a_filter_opens_in_the_player(page, server_url):
    page.goto(server_url + "/learn?src=draw")
    wait_for_app(page)
    page.get_by_text("Draw a digit on the canvas", exact=False).wait_for(timeout=120_000)  # trained
    stroke(page, [(r, 4) for r in range(1, 7)])  # a one: a vertical bar
    page.get_by_text("The network reads a", exact=False).first.wait_for(timeout=60_000)
    wait_for_app(page)  # the run the stroke started has finished: its reading is the one on screen
    assert page.locator("#draw-3-4").get_attribute("data-value") == "16"
    first = reading(page)
    stroke(page, [(1, c) for c in range(1, 7)])  # a bar on top: now it looks like a seven
    page.wait_for_function(
        "old => [...document.querySelectorAll('p.cnnviz-lead')]"
        ".some(e => e.innerText.startsWith('The network reads a') && e.innerText !== old)", arg=first,
        timeout=60_000)
    wait_for_app(page)
    assert reading(page) != first
    assert page.locator('[data-testid="stException"]').count() == 0
    drawn = urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)["draw"][0]
    assert drawn.split(";")[1].split(",")[1:7] == ["16"] * 6  # the drawing is in the link
    page.get_by_test_id("stButtonGroup").get_by_text("Filter 1", exact=True).click()  # in the app, with the session
    page.wait_for_url("**/convolution?**", timeout=60_000)
    wait_for_app(page)
    query = urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)
    assert query["input"][0] == drawn and len(query["filter"][0].split(";")) == 3
    page.get_by_text("Output size:", exact=False).first.wait_for()
    assert page.locator('[data-testid="stAlertContentWarning"]').count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0


def pick_layer(page, name: str) -> None:
    """Click a layer in the control below the digit (a segmented control)."""
    page.get_by_test_id("stButtonGroup").get_by_text(name, exact=True).click()


def test_a_layer_of_the_digit_is_drawn_when_picked(page, server_url):
    page.goto(server_url + "/learn?digit=7")
    wait_for_app(page)
    page.get_by_text("The network reads a", exact=False).first.wait_for(timeout=120_000)  # trained
    wait_for_app(page)
    page.get_by_text("Map 1", exact=True).wait_for()
    assert page.get_by_text("Map 1 after ReLU", exact=True).count() == 0  # a layer not picked is not sent
    # every number of a map in one size a laptop reads ("−0.08" once shrank to 7 px beside "2.2" at 13 px)
    sizes = page.locator('[data-grid="conv1"] .cell').evaluate_all(
        "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert len(sizes) == 64 and len(set(sizes)) == 1 and sizes[0] >= 13, sizes
    pick_layer(page, "After ReLU")
    page.get_by_text("Map 1 after ReLU", exact=True).wait_for()
    wait_for_app(page)
    pick_layer(page, "After 2x2 max pooling")
    page.get_by_text("Map 8 pooled", exact=True).wait_for()
    wait_for_app(page)
    assert page.get_by_text("Map 1 after ReLU", exact=True).count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0


def test_what_a_filter_looks_for_and_the_mistakes_open_on_request(page, server_url):
    page.goto(server_url + "/learn")
    wait_for_app(page)
    page.get_by_text("The network reads a", exact=False).first.wait_for(timeout=120_000)  # trained
    wait_for_app(page)
    assert page.locator('[data-grid="p1-1"]').count() == 0  # closed: not built, not sent
    page.get_by_text("What does each filter look for?").click()
    page.locator('[data-grid="p8-9"]').wait_for()
    wait_for_app(page)
    page.get_by_text("Where it goes wrong").click()
    page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').nth(1).wait_for()  # the confusion matrix
    page.locator(".cnnviz-gallery figure").first.wait_for()
    wait_for_app(page)
    assert page.locator('[data-grid="p8-9"]').count() == 1  # the first part stays open
    assert page.locator('[data-testid="stException"]').count() == 0


def test_an_earlier_epochs_maps_follow_a_new_digit(page, server_url):
    """The filters and the digit are separate parts of the page: a new digit must still redraw the maps of
    the epoch on the slider, which sit in the filters' part."""
    page.goto(server_url + "/learn?digit=7&epoch=3")
    wait_for_app(page)
    page.get_by_text("The network reads a", exact=False).first.wait_for(timeout=120_000)  # trained
    wait_for_app(page)
    maps = page.locator('[data-grid="e3m1"]')
    before = maps.inner_text()
    field = page.get_by_label("Test digit (0 to 354)")
    field.fill("8")
    field.press("Enter")
    page.wait_for_function("old => !document.querySelector('[data-grid=\"e3m1\"]') || "
                           "document.querySelector('[data-grid=\"e3m1\"]').innerText !== old", arg=before,
                           timeout=60_000)
    wait_for_app(page)
    assert maps.inner_text() != before  # the maps of epoch 3, now of digit 8
    assert "digit=8" in page.url and "epoch=3" in page.url
    assert page.locator('[data-testid="stException"]').count() == 0
