"""In Chromium: the RGB filters page steps through the lecture's bank (its grids as pictures beside a lens, in a
hall and on a phone), and the GIF downloads with a frame per step."""
import io

import pytest
from playwright.sync_api import expect
from PIL import Image

from browser_support import lens_in_view, rendered, wait_for_app, wait_for_link
from cnnviz.kernel.conv import conv2d
from cnnviz.kernel.notation import format_number
from cnnviz.ui.channels import EXAMPLES

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
        laid_out(page, '.chan[data-ch="2"]')  # its grid, or its picture (the lecture's 32x32)
        assert not page_scrolls_sideways(page), query
        whole = page.locator("#player").bounding_box()
        assert whole["x"] >= 0 and whole["x"] + whole["width"] <= 390, query
    # the lecture's 32x32 pictures: their marks (8 16 24 32) in type a phone reads, none touching the next
    marks = page.locator(".marks .mc").evaluate_all("""els => els.map(e => { const r = e.getBoundingClientRect();
        return [e.closest('.pict').id, r.left, r.right]; })""")
    assert len(marks) >= 8 and min(font_sizes(page, ".marks span")) >= 15
    assert all(a[2] + 4 <= b[1] for a, b in zip(marks, marks[1:]) if a[0] == b[0]), marks


@pytest.mark.parametrize("width, height", [(1920, 1080), (1280, 720)])
def test_presenter_view_shows_the_whole_player(page, server_url, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(server_url + "/channels?present=1")
    wait_for_app(page)
    page.locator(".cnnviz-host.present").wait_for()
    # at 1280x720 the three channels' cells would hold digits under 17 px: pictures, and the lens's numbers
    laid_out(page, "#in-grid-2" if width == 1920 else "#in-pic-2")
    expect(page.locator('[data-testid="stSidebar"]')).to_be_hidden()
    whole = page.locator("#player").bounding_box()
    assert whole["y"] >= 0 and whole["y"] + whole["height"] <= height and whole["x"] + whole["width"] <= width
    if width == 1920:
        assert min(font_sizes(page, ".cell.in, .cell.flt, .cell.out")) >= 24
    else:
        assert min(font_sizes(page, ".lens .lz, .lout .lz")) >= 28
    page.keyboard.press("Home")
    page.keyboard.press("PageDown")  # stepping keeps the player on the screen: the sums' box holds the longest
    assert page.locator("#player").get_attribute("data-step") == "1"
    again = page.locator("#player").bounding_box()
    assert again["y"] + again["height"] <= height


def lens_numbers(page, channel: int) -> tuple[list[str], list[str]]:
    """The numbers the lens shows for ``channel``: its window's and its filter's, row by row."""
    pair = page.locator(".lens .lch").nth(channel).locator(".lpair > .lgrid")
    texts = "els => els.map(e => e.textContent)"
    return pair.first.locator(".lz").evaluate_all(texts), pair.last.locator(".lz").evaluate_all(texts)


def test_the_lectures_example_reads_from_the_back_of_a_hall(page, server_url):
    ex = EXAMPLES["lecture"]
    amap = conv2d(ex.input, ex.filters[0], ex.biases[0])  # (28, 28): what filter 1 writes
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(server_url + "/channels?example=lecture&present=1")
    wait_for_app(page)
    page.locator('.cnnviz-host.present.pic .stage[data-layout="lens"]').wait_for()
    page.evaluate("() => document.fonts.ready")
    laid_out(page, "#in-pic-2")
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # step 2: the window on rows 1-5, columns 2-6; output cell (1, 2)

    def on_screen():
        whole = page.locator("#player").bounding_box()
        return whole["y"] >= 0 and whole["y"] + whole["height"] <= 720 and whole["x"] + whole["width"] <= 1280

    assert on_screen()
    # the lens: each channel's window and filter slice, the output cell and the written sum, in digits a hall reads
    assert min(font_sizes(page, ".lens .lz, .lens .lttl, .lout .lz, #explain")) >= 28
    for k in range(3):
        assert lens_numbers(page, k) == ([format_number(v) for v in ex.input[0:5, 1:6, k].ravel()],
                                         [format_number(v) for v in ex.filters[0][:, :, k].ravel()])
    assert page.locator(".lout .lz").inner_text() == format_number(amap[0, 1])
    written = page.inner_text("#explain")
    assert "R + G + B + bias" in written and written.endswith("= " + format_number(amap[0, 1]))
    # the grids drawn as pictures: no 4-px cells, a block of each cell's colour, marks every few rows
    for k in range(3):
        expect(page.locator(f"#in-grid-{k}")).to_be_hidden()
        box = page.locator(f"#in-pic-{k} canvas").bounding_box()
        assert box["width"] == box["height"] >= 3 * 32
    colours = page.locator("#in-pic-0 canvas").evaluate("""c => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, seen = new Set();
        for (let i = 0; i < d.length; i += 4) seen.add(d[i] + ',' + d[i + 1] + ',' + d[i + 2]);
        return seen.size; }""")
    assert colours >= 6  # the input's six values, 0 to 5, on the colour scale
    assert page.locator("#in-pic-0 .marks .mc").count() >= 4
    # stepping moves the window's outline one column and writes the next sum
    cell = page.locator("#in-pic-0 canvas").bounding_box()["width"] / 32
    before = page.locator("#in-pic-0 .frame").bounding_box()
    page.keyboard.press("ArrowRight")
    page.locator("#player[data-step='3']").wait_for()
    after = page.locator("#in-pic-0 .frame").bounding_box()
    assert after["y"] == before["y"] and after["x"] - before["x"] == pytest.approx(cell, abs=0.5)
    assert lens_numbers(page, 0)[0] == [format_number(v) for v in ex.input[0:5, 2:7, 0].ravel()]
    assert page.inner_text("#explain").endswith("= " + format_number(amap[0, 2])) and on_screen()


@pytest.mark.parametrize("query", ["", "?example=lecture"])
def test_a_phone_shows_the_window_its_filter_and_sum_on_one_screen(page, server_url, query):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server_url + "/channels" + query)
    wait_for_app(page)
    page.locator('.stage[data-layout="lens"]').wait_for()
    laid_out(page, ".lens")
    page.get_by_role("button", name="reset").click()
    for step in range(1, 4):  # the buttons step; the window, the filter, the sum and the output cell stay in view
        page.get_by_role("button", name="step forward").click()
        page.locator(f"#player[data-step='{step}']").wait_for()
        top, boxes = lens_in_view(page)
        assert len(boxes) == 3 * 2 + 2 and all(t >= top and b <= 844 and x >= 0 and r <= 390 for t, b, x, r in boxes)
        assert "R + G + B + bias" in page.inner_text("#explain")
    assert min(font_sizes(page, ".lens .lz")) >= 16 and not page_scrolls_sideways(page)
