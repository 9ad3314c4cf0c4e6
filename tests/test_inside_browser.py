"""The page "Inside the trained network" in Chromium: it draws once the network is trained, a challenge control
changes the probabilities, the presenter view reads from the back of a hall at 1280x720, and a phone's screen holds
every part."""
import pytest
from playwright.sync_api import expect

from browser_support import TIMEOUT_MS, assert_projected_readable, drawn, projected, wait_for_app, wait_for_link

pytestmark = pytest.mark.browser

PARTS = ["", "?part=looks", "?part=challenges", "?part=shift"]
FIRST_ROW = ".st-key-inside_board .ins-board > .row:first-child"  # what must share the projector's first screen
PHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.0 Mobile/15E148 Safari/604.1")


def shown(page) -> None:
    """Wait until the part's figure is drawn (a first visit trains the network first), and the page still."""
    drawn(page, ".st-key-inside_board .ins-board")


def probabilities(page) -> str:
    return page.locator(".st-key-inside_board .probs").inner_text()


def test_the_page_draws_and_a_challenge_changes_the_probabilities(page, server_url):
    page.goto(server_url + "/inside")
    shown(page)
    expect(page.get_by_text("The input that excites it most")).to_be_visible()
    assert page.locator("#ex-grid .cell").count() == 64
    page.get_by_test_id("stButtonGroup").get_by_text("The challenges", exact=True).click()
    wait_for_link(page, "part", "challenges")
    shown(page)
    before = probabilities(page)
    digit_row = [page.locator(f"#dig-3-{c}").get_attribute("data-value") for c in range(8)]
    thumb = page.get_by_role("slider", name="Shift right (cells)")
    thumb.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    wait_for_link(page, "dx", "2")
    page.wait_for_function("old => document.querySelector('.st-key-inside_board .probs').innerText !== old",
                           arg=before, timeout=TIMEOUT_MS)
    wait_for_app(page)
    # The changed digit is the digit moved two cells right, paper entering on the left.
    moved = [page.locator(f"#chg-3-{c}").get_attribute("data-value") for c in range(8)]
    assert moved == ["0", "0"] + digit_row[:6]
    assert probabilities(page) != before
    assert page.locator('[data-testid="stException"]').count() == 0


@pytest.mark.parametrize("part", PARTS)
def test_the_presenter_view_reads_from_the_back_of_a_hall(browser, server_url, part):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        projector = context.new_page()
        projector.set_default_timeout(TIMEOUT_MS)
        projector.goto(server_url + "/inside" + (part + "&" if part else "?") + "present=1")
        shown(projector)
        expect(projector.locator('[data-testid="stSidebar"]')).to_be_hidden()
        expect(projector.locator(".st-key-present_hide_part")).to_be_hidden()  # the controls are the lecturer's
        assert_projected_readable(projector, one_screen=FIRST_ROW)
    finally:
        context.close()


@pytest.mark.parametrize("part", PARTS + ["?part=challenges&src=draw"])
def test_on_a_phone_nothing_is_wider_than_the_screen(browser, server_url, part):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  user_agent=PHONE_UA)
    try:
        phone = context.new_page()
        phone.set_default_timeout(TIMEOUT_MS)
        phone.goto(server_url + "/inside" + part)
        if "draw" in part:  # nothing drawn yet: the canvas, and a line saying what to do
            phone.get_by_text("Draw a digit on the canvas").wait_for(timeout=120_000)
            wait_for_app(phone)
            phone.locator("#draw-grid").first.wait_for()  # the canvas component mounts after the run
            boxes = phone.locator("#draw-grid").evaluate_all("els => els.map(e => e.getBoundingClientRect().right)")
        else:
            shown(phone)
            boxes = phone.locator(".st-key-inside_board .grid, .st-key-inside_board .probs").evaluate_all(
                "els => els.map(e => e.getBoundingClientRect().right)")
        assert boxes and max(boxes) <= 390, boxes  # every grid (and the canvas) fits the screen
        m = projected(phone)
        assert not m["wide"] and not m["scrollsSideways"], m["wide"]  # no text past the edge, no sideways scrolling
        assert phone.locator('[data-testid="stException"]').count() == 0
    finally:
        context.close()
