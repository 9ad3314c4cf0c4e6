"""The page "Convolution's relatives" in Chromium: the 1-D player steps along the Nile and writes each sum, a grouped
window lies on its own group only, the presenter views read from the back of a hall, and a phone scrolls no part
sideways."""
import pytest
from playwright.sync_api import expect

from browser_support import assert_projected_readable, rendered, wait_for_app
from cnnviz.kernel.conv import conv1d
from cnnviz.kernel.notation import format_number
from cnnviz.lecture.series import load_series

pytestmark = pytest.mark.browser

PARTS = ("1x1", "grouped", "1d")


def open_relatives(page, server_url, query: str) -> None:
    page.goto(f"{server_url}/relatives{query}")
    wait_for_app(page)
    page.locator("#player").wait_for()
    rendered(page)  # the player has fitted itself to the screen


def test_the_1d_player_steps_along_the_nile_and_writes_each_difference(page, server_url):
    nile = load_series("nile")
    diff = conv1d(nile.values, [-1, 1])  # (99,) whole numbers
    open_relatives(page, server_url, "?part=1d&kernel=diff&step=0")
    player = page.locator("#player")
    assert player.get_attribute("data-steps") == "99" and player.get_attribute("data-step") == "0"
    page.get_by_role("button", name="step forward").click()
    expect(player).to_have_attribute("data-step", "1")
    written = page.inner_text("#explain")
    assert written.startswith("Output 1, window on 1871 to 1872:") and written.rstrip().endswith("= −1120 + 1160 = 40")
    assert page.locator(".lout .lz").inner_text() == "40"  # the lens's output cell
    assert page.locator(".cell.in.win").evaluate_all("els => els.map(e => e.id + ':' + e.dataset.w)") == [
        "in-0-0:−1", "in-0-1:1"]  # the window on 1871 and 1872, each cell with its weight
    for step in range(2, 5):  # the keys step too, wherever the focus is
        page.keyboard.press("ArrowRight")
        expect(player).to_have_attribute("data-step", str(step))
        assert page.inner_text("#explain").rstrip().endswith("= " + format_number(diff[step - 1]))
        assert page.locator(".lout .lz").inner_text() == format_number(diff[step - 1])
    page.keyboard.press("End")
    expect(player).to_have_attribute("data-step", "99")
    page.wait_for_function("() => new URL(location.href).searchParams.get('step') === '99'")  # the link keeps it
    shown = page.locator(".cell.out").evaluate_all("els => els.map(e => e.dataset.shown === '1' ? e.textContent : '')")
    assert shown == [format_number(v) for v in diff]
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_grouped_window_lies_on_its_own_group_s_channels_only(page, server_url):
    open_relatives(page, server_url, "?part=grouped&f=3&step=1")  # filter 3 of 4, groups 2: channels C3 and C4
    covered = page.locator(".cell.in.win").evaluate_all("els => els.map(e => e.id)")
    assert sorted(covered) == sorted(f"in-{r}-{c}-{k}" for k in (2, 3) for r in range(3) for c in range(3))
    assert [page.locator(f"#psum-{k}").inner_text() for k in range(4)][:2] == ["", ""]
    assert page.locator("#psum-2").inner_text().startswith("C3 = ")
    assert page.inner_text("#explain").splitlines()[-1].startswith("C3 + C4 + bias = ")
    assert page.locator('.chan[data-away="1"]').count() == 2


@pytest.mark.parametrize("part", PARTS)
def test_the_presenter_view_reads_from_the_back_of_a_hall(page, server_url, part):
    page.set_viewport_size({"width": 1280, "height": 720})
    open_relatives(page, server_url, f"?part={part}&present=1")
    page.locator(".cnnviz-host.present").wait_for()
    page.evaluate("() => document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => r())))")
    rendered(page)
    expect(page.locator('[data-testid="stSidebar"]')).to_be_hidden()
    assert_projected_readable(page)
    whole = page.locator("#player").bounding_box()
    assert whole["y"] >= 0 and whole["y"] + whole["height"] <= 720 and whole["x"] + whole["width"] <= 1280


@pytest.mark.parametrize("part", PARTS)
def test_a_phone_shows_nothing_wider_than_its_screen(page, server_url, part):
    page.set_viewport_size({"width": 390, "height": 844})
    open_relatives(page, server_url, f"?part={part}")
    page.locator('.stage[data-layout="lens"]').wait_for()  # a phone always gets the lens
    rendered(page)
    sideways = page.evaluate("""() => [document.documentElement, document.body,
        document.querySelector('[data-testid="stMain"]')].some(e => e && e.scrollWidth > e.clientWidth + 1)""")
    assert not sideways
    # inside the player too (its stage would scroll sideways on its own): every part it draws lies on the screen
    wide = page.locator("#player .stage *").evaluate_all("""els => els.filter(e => {
        const r = e.getBoundingClientRect();
        return r.width > 0 && (r.left < -1 || r.right > innerWidth + 1); }).map(e => e.className || e.tagName)""")
    assert not wide, wide
    stage = page.locator("#player .stage").evaluate("e => e.scrollWidth - e.clientWidth")
    assert stage <= 1
