"""The page "Transposed convolution" in Chromium: each step lights one input cell and the cells its stamp adds to,
the output holds the running sums, the matrix view's row follows the step; a projector and a phone."""
import numpy as np
import pytest
from playwright.sync_api import expect

from browser_support import TIMEOUT_MS, assert_projected_readable, rendered, wait_for_app
from cnnviz.kernel.transpose import stamp_trace
from cnnviz.lecture.presets import LECTURE_FILTER

pytestmark = pytest.mark.browser

LECTURE_MAP = [[12, 12, 17], [10, 17, 19], [9, 6, 14]]
LECTURE_UP = [[0, 12, 36, 41, 34], [24, 58, 95, 87, 38], [20, 75, 132, 105, 62], [18, 40, 77, 81, 38],
              [0, 9, 24, 26, 28]]


def open_page(page, server_url, query=""):
    page.goto(f"{server_url}/transposed{query}")
    wait_for_app(page)
    page.locator("#player").wait_for()


def shown(page) -> list[list[str]]:
    """The output as a student sees it: each cell's number, blank where no stamp has reached yet."""
    cells = page.locator(".cell.out").evaluate_all(
        "els => els.map(e => e.dataset.shown === '1' ? e.textContent : '')")
    side = int(len(cells) ** 0.5)
    return [cells[r * side:(r + 1) * side] for r in range(side)]


def running(steps: int) -> list[list[str]]:
    """The lecture's output after ``steps`` stamps, worked out from the stamps themselves."""
    out = [[""] * 5 for _ in range(5)]
    for stamp in stamp_trace(LECTURE_MAP, LECTURE_FILTER).stamps[:steps]:
        for i, r in enumerate(stamp.rows):
            for j, c in enumerate(stamp.cols):
                out[r][c] = str(stamp.totals[i, j])
    return out


def lit(page, selector: str) -> list[str]:
    return page.locator(selector).evaluate_all("els => els.map(e => e.id + (e.dataset.w ? ':' + e.dataset.w : ''))")


def test_each_step_stamps_one_input_cell_and_the_output_adds_up(page, server_url):
    open_page(page, server_url, "?step=0")
    assert shown(page) == running(0)
    expect(page.locator("#explain")).to_contain_text("Press ▶ or → to stamp the first cell")
    page.click("#btn-fwd")
    # input (1, 1) and the 3x3 block of the output it stamps, each with the filter's weight in its strip
    assert lit(page, ".cell.in.win") == ["in-0-0"]
    assert lit(page, ".cell.out.win") == [f"out-{r}-{c}:{LECTURE_FILTER[r, c]}" for r in range(3) for c in range(3)]
    assert shown(page) == running(1)
    assert "output (1, 2) += 12×1 → 12" in page.inner_text("#explain")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#player")).to_have_attribute("data-step", "5")
    # the middle cell's stamp lands on the four before it: the overlaps have added up
    assert shown(page) == running(5) and shown(page)[2][2] == "70"
    assert lit(page, ".cell.in.win") == ["in-1-1"]
    assert "output (3, 3) += 17×2 → 70" in page.inner_text("#explain")
    # the matrix view: row 5 of M and column 5 of M.T light up with the step, marked besides their colour
    assert page.locator(".notes tr.at").evaluate_all("els => els.map(e => e.dataset.at)") == ["4"]
    assert page.locator(".notes td.at").count() == 1 + 25  # y's cell and the column of M.T
    marker = page.locator(".notes tr.at th").first.evaluate("e => getComputedStyle(e, '::before').content")
    assert "▶" in marker
    page.keyboard.press("ArrowLeft")
    assert shown(page) == running(4) and page.locator(".notes tr.at").get_attribute("data-at") == "3"
    page.keyboard.press("End")
    assert shown(page) == [[str(v) for v in row] for row in LECTURE_UP]
    page.wait_for_function("() => new URL(location.href).searchParams.get('step') === '9'")
    assert page.locator('[data-testid="stException"]').count() == 0


def test_hovering_an_input_cell_shows_its_stamp_and_a_click_steps_there(page, server_url):
    open_page(page, server_url, "?step=0")
    page.hover("#in-2-0")  # the browser delivers the pointer's move with a frame: wait for what it changes
    expect(page.locator("#explain")).to_contain_text("Input (3, 1) = 9")
    assert lit(page, ".cell.out.win")[0] == "out-2-0:0"
    page.click("#in-2-0")
    expect(page.locator("#player")).to_have_attribute("data-step", "7")
    assert shown(page) == running(7)


def test_stride_padding_and_output_padding_from_the_link(page, server_url):
    open_page(page, server_url, "?stride=2&padding=1&output_padding=1&step=1")
    # the first stamp: rows and columns 0-2 of the stamped area, the first of each cropped (hatched)
    assert lit(page, ".cell.out.win") == [f"out-{r}-{c}:{LECTURE_FILTER[r, c]}" for r in range(3) for c in range(3)]
    cropped = page.locator(".cell.out.pad").evaluate_all("els => els.map(e => e.id)")
    assert cropped == [f"out-0-{c}" for c in range(7)] + [f"out-{r}-0" for r in range(1, 7)]
    assert "5 more products fall on the hatched border" in page.inner_text("#explain")
    page.keyboard.press("End")
    drawn = np.array([[float(v) if v else 0 for v in row] for row in shown(page)])[1:, 1:]
    from cnnviz.kernel.transpose import conv_transpose2d

    assert np.array_equal(drawn, conv_transpose2d(LECTURE_MAP, LECTURE_FILTER, stride=2, padding=1,
                                                  output_padding=1))


def test_the_presenter_view_reads_from_the_back_of_a_hall(browser, server_url):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        open_page(page, server_url, "?present=1&step=5")
        page.locator(".cnnviz-host.present #player").wait_for()
        expect(page.locator('[data-testid="stSidebar"]')).to_be_hidden()
        page.evaluate("() => document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => r())))")
        rendered(page)
        m = assert_projected_readable(page, one_screen="#player")
        # the grids' numbers, not only the written sums and the tables below, are large enough for a hall
        digits = page.locator(".cell.in, .cell.out").evaluate_all(
            "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
        assert min(digits) >= 16 and m["sizes"]
    finally:
        context.close()


def test_a_phone_shows_everything_within_its_width(browser, server_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        open_page(page, server_url, "?step=5")
        rendered(page)
        overflow = page.evaluate("""() => {
            const main = document.querySelector('[data-testid="stMain"]');
            const host = document.querySelector('.cnnviz-host') || document.querySelector('[class*="cnnviz"]');
            const root = [...document.querySelectorAll('*')].map(e => e.shadowRoot).find(Boolean);
            const boxes = [...root.querySelectorAll('#player, .stage, .panels, #explain, .notes, .mxwrap')]
                .map(e => [e.className || e.id, e.getBoundingClientRect().right]);
            return {doc: document.documentElement.scrollWidth, main: main.scrollWidth - main.clientWidth,
                    wide: boxes.filter(([, right]) => right > innerWidth + 1), host: !!host};
        }""")
        assert overflow["doc"] <= 390 and overflow["main"] <= 1 and overflow["wide"] == [], overflow
        # the grids keep numbers a phone reads, the input and the filter on one line
        sizes = page.locator(".cell.in, .cell.flt, .cell.out").evaluate_all(
            "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
        assert min(sizes) >= 12
        top_in, top_flt = (page.locator(sel).bounding_box()["y"] for sel in ("#in-0-0", "#flt-0-0"))
        assert abs(top_in - top_flt) < 2
    finally:
        context.close()
