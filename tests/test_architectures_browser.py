"""Architectures in Chromium: a click on a drawn layer opens it in the page that explains it, in the same tab."""
import pytest

from conftest import wait_for_app

pytestmark = pytest.mark.browser

# Where the i-th box's hover point is on screen: Plotly's own axes map drawing units to pixels.
BOX_CENTRE = """(i) => {
    const gd = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
    gd.scrollIntoView({block: 'center'});
    const t = gd.data[gd.data.length - 1], xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
    const r = gd.getBoundingClientRect();
    return [r.left + xa._offset + xa.d2p(t.x[i]), r.top + ya._offset + ya.d2p(t.y[i])];
}"""


def test_clicking_a_box_opens_its_numbers_in_the_shapes_calculator(page, server_url):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.set_default_timeout(60_000)  # other work shares the CPU: wait on the app's signals, generously
    page.goto(server_url + "/architectures")
    wait_for_app(page)
    page.wait_for_function("() => { const gd = document.querySelector("
                           "'[data-testid=\"stPlotlyChart\"] .js-plotly-plot');"
                           " return gd && gd._fullLayout && gd.data; }")
    hover = page.locator(".hoverlayer").get_by_text("(5×5×1 + 1)×6 = 156")
    for _ in range(20):  # the chart may still be settling into its width: aim again until the hover answers
        x, y = page.evaluate(BOX_CENTRE, 1)  # box 1 is C1 (box 0 is the input)
        page.mouse.move(x - 2, y)
        page.mouse.move(x, y)
        try:
            hover.wait_for(timeout=3000)  # the hover works the parameters out
            break
        except PlaywrightTimeout:
            continue
    hover.wait_for()
    page.mouse.click(x, y)
    link = page.get_by_role("link", name="Open C1: 5x5 conv on 32x32x1 in the Shapes calculator")
    link.wait_for()
    link.click()
    page.wait_for_function("() => location.pathname.endsWith('/shapes') && location.search.includes('f=6')")
    page.get_by_text("(5×5×1 + 1)×6 = 156").wait_for()
    page.get_by_text("28x28x6").first.wait_for()
    assert len(page.context.pages) == 1  # the same tab
    assert page.locator('[data-testid="stException"]').count() == 0


# Text in the page (outside tables and toolbars) that a visible table toolbar covers.
COVERED_TEXT = """() => {
    const bars = [...document.querySelectorAll('[data-testid="stElementToolbar"]')]
        .map(e => e.getBoundingClientRect()).filter(r => r.width > 0 && r.height > 0);
    const hits = [];
    const walker = document.createTreeWalker(document.querySelector('[data-testid="stMain"]'), NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const n = walker.currentNode;
        if (!n.textContent.trim() || !n.parentElement.checkVisibility({visibilityProperty: true})) continue;
        if (n.parentElement.closest('[data-testid="stElementToolbar"], [data-testid="stDataFrame"]')) continue;
        const range = document.createRange();
        range.selectNodeContents(n);
        for (const r of range.getClientRects())
            for (const b of bars)
                if (r.left < b.right && r.right > b.left && r.top < b.bottom && r.bottom > b.top)
                    hits.push(n.textContent.trim().slice(0, 60));
    }
    return [bars.length, hits];
}"""


@pytest.mark.parametrize("path", ["/architectures?arch=vgg16", "/shapes?tab=builder"])
def test_on_a_phone_no_table_toolbar_covers_text(browser, server_url, path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) "
                                  "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.0 Mobile/15E148 Safari/604.1")
    try:
        pg = context.new_page()
        pg.set_default_timeout(60_000)
        pg.goto(server_url + path)
        wait_for_app(pg)
        table = pg.locator('[data-testid="stDataFrame"]').first
        table.wait_for()
        table.scroll_into_view_if_needed()
        table.tap(position={"x": 40, "y": 60})  # a touch brings the toolbar up where it is not shown already
        pg.wait_for_function("() => [...document.querySelectorAll('[data-testid=stElementToolbar]')]"
                             ".some(e => e.getBoundingClientRect().height > 0)")
        bars, covered = pg.evaluate(COVERED_TEXT)
        assert bars and covered == [], covered
    finally:
        context.close()
