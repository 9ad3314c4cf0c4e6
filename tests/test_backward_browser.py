"""The page "How a filter learns" in Chromium: the player writes out each weight's sum and the lecture's
gradients appear, dL/dW in the player and dL/dX beside it and in its own player."""
import pytest
from playwright.sync_api import expect
from browser_support import wait_for_app, wait_for_link

pytestmark = pytest.mark.browser

LECTURE_DW = ["15", "15", "15", "9", "11", "16", "10", "7", "12"]
LECTURE_DX = ["0", "1", "3", "3", "2", "2", "5", "7", "5", "2", "2", "6", "10", "8", "4", "2", "5", "7", "5", "2",
              "0", "1", "3", "3", "2"]


def open_backward(page, server_url, query=""):
    page.goto(f"{server_url}/backward{query}")
    wait_for_app(page)
    page.locator("#player").wait_for()


def shown(page) -> list[str]:
    """The player's output cells as a student sees them: blank until computed."""
    return page.locator(".cell.out").evaluate_all("els => els.map(e => e.dataset.shown === '1' ? e.textContent : '')")


def texts(page, prefix: str) -> list[str]:
    """The cells of a grid beside the player (``grid_html``'s ``P-R-C``), in reading order."""
    return page.locator(f'[id^="{prefix}-"].cell').evaluate_all("els => els.map(e => e.textContent)")


def test_the_player_writes_out_each_weight_sum_and_the_lecture_gradients_appear(page, server_url):
    open_backward(page, server_url, "?step=0")
    assert shown(page) == [""] * 9
    page.click("#btn-fwd")
    # w[0, 0] lay on the top-left 3x3 of the input, each cell with dL/dmap = 1 in its strip
    covered = page.locator(".cell.in.win").evaluate_all("els => els.map(e => e.id + ':' + e.dataset.w)")
    assert covered == [f"in-{r}-{c}:1" for r in range(3) for c in range(3)]
    assert "= 3 + 3 + 2 + 0 + 0 + 1 + 3 + 1 + 2 = 15" in page.inner_text("#explain")
    page.click("#btn-play")
    page.locator('#player[data-step="9"][data-playing="0"]').wait_for()
    assert shown(page) == LECTURE_DW
    assert "= 2 + 2 + 3 + 0 + 2 + 2 + 0 + 0 + 1 = 12" in page.inner_text("#explain")  # w[2, 2]: the bottom right
    # The gradients beside the player: the lecture's dL/dW, dL/db and dL/dX.
    assert texts(page, "g-dw") == LECTURE_DW and texts(page, "g-db") == ["9"] and texts(page, "g-dx") == LECTURE_DX
    page.wait_for_function("() => new URL(location.href).searchParams.get('step') === '9'")
    assert page.locator('[data-testid="stException"]').count() == 0


def test_the_input_gradient_player_names_the_windows(page, server_url):
    open_backward(page, server_url)
    page.get_by_role("radio", name="dL/dX: each input cell").click()
    wait_for_link(page, "part", "x")
    page.locator('#player[data-steps="25"]').wait_for()
    page.keyboard.press("End")
    expect(page.locator("#player")).to_have_attribute("data-step", "25")
    assert shown(page) == LECTURE_DX
    page.click("#btn-reset")  # the keys go to the player, not to the control just clicked
    expect(page.locator("#player")).to_have_attribute("data-step", "0")
    for _ in range(13):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#player")).to_have_attribute("data-step", "13")
    explain = page.inner_text("#explain")
    assert "9 windows covered it" in explain and explain.rstrip().endswith("= 10")
    assert page.locator(".cell.in.win").count() == 9  # the rotated filter over the spread gradient
