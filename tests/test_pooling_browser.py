"""The Pooling page in Chromium: the player plays to its end in the browser, and the map is typed into in place."""
import pytest
from playwright.sync_api import expect
from browser_support import assert_presenter_view_fills, type_into_player, wait_for_app, wait_for_player_answer

pytestmark = pytest.mark.browser


def open_pool(page, server_url, query=""):
    page.goto(f"{server_url}/pooling{query}")
    wait_for_app(page)
    page.locator("#player").wait_for()


def shown(page) -> list[str]:
    """The output cells as a student sees them: blank until computed."""
    return page.locator(".cell.out").evaluate_all("els => els.map(e => e.dataset.shown === '1' ? e.textContent : '')")


def ids(page, selector: str, text: bool = False) -> list[str]:
    return page.locator(selector).evaluate_all(f"els => els.map(e => e.id{' + `:` + e.textContent' if text else ''})")


def play_to_the_end(page, steps: int) -> None:
    page.click("#btn-play")
    page.locator(f'#player[data-step="{steps}"][data-playing="0"]').wait_for()


def test_max_pooling_plays_to_the_end_with_the_winners_marked(page, server_url):
    open_pool(page, server_url, "?step=0")
    assert shown(page) == ["", "", "", ""]  # nothing computed at step 0
    page.click("#btn-fwd")
    # the first window covers the top-left 2x2; its maximum, 6, is marked as kept
    assert ids(page, ".cell.in.win") == ["in-0-0", "in-0-1", "in-1-0", "in-1-1"]
    assert ids(page, ".cell.in.best", text=True) == ["in-1-1:6"]
    assert "max(1, 1, 5, 6) = 6" in page.inner_text("#explain")
    assert shown(page) == ["6", "", "", ""]
    play_to_the_end(page, 4)
    assert shown(page) == ["6", "8", "3", "4"]
    assert ids(page, ".cell.in.best") == ["in-3-3"]
    # the page's link now holds the step the player stopped on
    page.wait_for_function("() => location.search.includes('step=4')")
    assert page.locator('[data-testid="stException"]').count() == 0


def test_average_pooling_writes_each_mean(page, server_url):
    open_pool(page, server_url, "?mode=avg&step=0")
    page.click("#btn-fwd")
    assert "(1 + 1 + 5 + 6) / 4 = 13 / 4 = 3.25" in page.inner_text("#explain")
    assert page.locator(".cell.in.best").count() == 0  # no winner in an average
    play_to_the_end(page, 4)
    assert shown(page) == ["3.25", "5.25", "2", "2"]
    # one size for every number of a grid: 3.25 as large as 2, in the player and in the grids under it
    for cells in (".cell.out", '[data-grid="avg"] .cell'):
        sizes = page.locator(cells).evaluate_all("els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
        assert len(sizes) == 4 and len(set(sizes)) == 1 and sizes[0] >= 13, (cells, sizes)


def test_typing_into_the_map_pools_the_new_value(page, server_url):
    open_pool(page, server_url)
    assert shown(page) == ["6", "8", "3", "4"]
    type_into_player(page, "9", "in-2-0")  # the 3 of the bottom-left window
    wait_for_player_answer(page)
    assert shown(page) == ["6", "8", "9", "4"]
    assert page.evaluate("new URL(location.href).searchParams.get('input')").startswith("1,1,2,4;5,6,7,8;9,")


@pytest.mark.parametrize("width, height, digits", [(1920, 1080, 40), (1280, 720, 28)])
def test_presenter_view_fills_the_screen(page, server_url, width, height, digits):
    page.set_viewport_size({"width": width, "height": height})
    open_pool(page, server_url, "?present=1")
    assert_presenter_view_fills(page, width, height, digits, ".cell.in, .cell.out", 16 + 4)
    page.keyboard.press("Home")
    page.keyboard.press("PageDown")
    assert page.locator("#player").get_attribute("data-step") == "1"
    page.get_by_role("button", name="Leave the presenter view").click()
    page.wait_for_function("() => !new URL(location.href).searchParams.has('present')")
    wait_for_app(page)
    expect(page.locator('[data-testid="stSidebar"]')).to_be_visible()
