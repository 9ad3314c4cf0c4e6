"""The Pooling page in Chromium: the player plays to its end in the browser and shows the pooled values."""
import pytest
from browser_support import wait_for_app

pytestmark = pytest.mark.browser


def player_frame(page):
    """The step player's frame, once its script has drawn the grids."""
    frame = page.locator('[data-testid="stMain"] iframe').first.element_handle().content_frame()
    frame.wait_for_selector("#player")
    return frame


def shown(frame) -> list[str]:
    """The output cells as a student sees them: blank until computed."""
    return frame.eval_on_selector_all(".cell.out", "els => els.map(e => e.dataset.shown === '1' ? e.textContent : '')")


def play_to_the_end(frame, steps: int) -> None:
    frame.click("#btn-play")
    frame.wait_for_function(f"() => document.getElementById('player').dataset.step === '{steps}'")
    frame.wait_for_function("() => document.getElementById('player').dataset.playing === '0'")


def test_max_pooling_plays_to_the_end_with_the_winners_marked(page, server_url):
    page.goto(f"{server_url}/pooling?step=0")
    wait_for_app(page)
    frame = player_frame(page)
    assert shown(frame) == ["", "", "", ""]  # nothing computed at step 0
    frame.click("#btn-fwd")
    # the first window covers the top-left 2x2; its maximum, 6, is marked as kept
    assert frame.eval_on_selector_all(".cell.in.win", "els => els.map(e => e.id)") == [
        "in-0-0", "in-0-1", "in-1-0", "in-1-1"]
    assert frame.eval_on_selector_all(".cell.in.best", "els => els.map(e => e.id + ':' + e.textContent)") == [
        "in-1-1:6"]
    assert "max(1, 1, 5, 6) = 6" in frame.inner_text("#explain")
    assert shown(frame) == ["6", "", "", ""]
    play_to_the_end(frame, 4)
    assert shown(frame) == ["6", "8", "3", "4"]
    assert frame.eval_on_selector_all(".cell.in.best", "els => els.map(e => e.id)") == ["in-3-3"]
    # the page's link now holds the step the player stopped on
    page.wait_for_function("() => location.search.includes('step=4')")
    assert page.locator('[data-testid="stException"]').count() == 0


def test_average_pooling_writes_each_mean(page, server_url):
    page.goto(f"{server_url}/pooling?mode=avg&step=0")
    wait_for_app(page)
    frame = player_frame(page)
    frame.click("#btn-fwd")
    assert "(1 + 1 + 5 + 6) / 4 = 13 / 4 = 3.25" in frame.inner_text("#explain")
    assert frame.locator(".cell.in.best").count() == 0  # no winner in an average
    play_to_the_end(frame, 4)
    assert shown(frame) == ["3.25", "5.25", "2", "2"]
