"""Every page's presenter view on a 1280x720 projector, in Chromium: read from the back of a hall.

One server and one browser for the whole file; each page in turn opens with ``?present=1`` and is measured by
``browser_support.assert_projected_readable``: its numbers' median size at least 24 px and none under 10 px,
nothing overlapping, cut or wider than the screen, and what must share one screen on it.
"""
import pytest
from playwright.sync_api import expect

from browser_support import TIMEOUT_MS, assert_projected_readable, drawn, wait_for_app

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1280, 720

# (link, what must lie wholly on the first screen, what shows the page has drawn all it draws)
VIEWS = [
    ("/convolution?present=1", "#player", ".cnnviz-host.present #player"),
    ("/pooling?present=1", "#player", ".cnnviz-host.present #player"),
    ("/channels?present=1", "#player", ".cnnviz-host.present #player"),
    # the lecture's 32x32x3 with six filters: the grids as pictures, the window's numbers in the lens
    ("/channels?present=1&example=lecture", "#player", ".cnnviz-host.present .lens"),
    ("/shapes?present=1", None, "text=/Output shape:/"),
    ("/shapes?present=1&tab=compare", None, "text=times"),
    ("/shapes?present=1&tab=builder", None, ".cnnviz-table"),
    ("/images?present=1", ".img-present", ".img-present"),
    ("/learn?present=1", None, "text=The network reads a"),
    ("/architectures?present=1", None, ".cnnviz-table"),
    ("/backward?present=1", "#player", ".cnnviz-host.present #player"),
]


@pytest.fixture
def projector(browser, server_url):
    """A page the size of a 1280x720 projector."""
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


@pytest.mark.parametrize("link, one_screen, sign", VIEWS)
def test_every_presenter_view_reads_from_the_back_of_a_hall(projector, server_url, link, one_screen, sign):
    projector.goto(server_url + link)
    drawn(projector, sign)
    expect(projector.locator('[data-testid="stSidebar"]')).to_be_hidden()
    assert_projected_readable(projector, one_screen=one_screen)


def test_a_poll_on_the_present_page_fills_the_screen_and_its_code_keeps_a_corner(projector, server_url):
    projector.goto(server_url + "/present")
    wait_for_app(projector)
    projector.get_by_role("button", name="Start a room").click()
    projector.get_by_text("Students following").wait_for()
    wait_for_app(projector)
    projector.get_by_role("button", name="Ask", exact=True).click()  # the first question: a cell of the map
    projector.get_by_text("Poll (open").wait_for()
    drawn(projector, ".st-key-room-board")
    expect(projector.locator('[data-testid="stSidebar"]')).to_be_hidden()
    assert_projected_readable(projector, one_screen=".st-key-room-board")
    qr = projector.locator("img.room-qr").bounding_box()
    assert qr["height"] <= HEIGHT / 4 and qr["x"] > WIDTH / 2  # a corner, not 60 % of the screen
