"""Architectures in Chromium: a click on a drawn layer opens it in the page that explains it, in the same tab, and
shows its receptive field; the field's section projected in a hall and on a phone."""
import pytest

from browser_support import assert_projected_readable, rendered, wait_for_link
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


def click_box(page, i: int, hover_text: str) -> None:
    """Click the ``i``-th box of the drawing once the chart answers a hover on it with ``hover_text``."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.wait_for_function("() => { const gd = document.querySelector("
                           "'[data-testid=\"stPlotlyChart\"] .js-plotly-plot');"
                           " return gd && gd._fullLayout && gd.data; }")
    hover = page.locator(".hoverlayer").get_by_text(hover_text)
    for _ in range(20):  # the chart may still be settling into its width: aim again until the hover answers
        x, y = page.evaluate(BOX_CENTRE, i)
        page.mouse.move(x - 2, y)
        page.mouse.move(x, y)
        try:
            hover.wait_for(timeout=3000)  # the hover works the parameters out
            break
        except PlaywrightTimeout:
            continue
    hover.wait_for()
    page.mouse.click(x, y)


def test_clicking_a_box_opens_its_numbers_in_the_shapes_calculator(page, server_url):
    page.set_default_timeout(60_000)  # other work shares the CPU: wait on the app's signals, generously
    page.goto(server_url + "/architectures")
    wait_for_app(page)
    click_box(page, 1, "(5×5×1 + 1)×6 = 156")  # box 1 is C1 (box 0 is the input)
    link = page.get_by_role("link", name="Open C1: 5x5 conv on 32x32x1 in the Shapes calculator")
    link.wait_for()
    link.click()
    page.wait_for_function("() => location.pathname.endsWith('/shapes') && location.search.includes('f=6')")
    page.get_by_text("(5×5×1 + 1)×6 = 156").wait_for()
    page.get_by_text("28x28x6").first.wait_for()
    assert len(page.context.pages) == 1  # the same tab
    assert page.locator('[data-testid="stException"]').count() == 0


PHONE = dict(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True,
             user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
             "Gecko) Version/16.0 Mobile/15E148 Safari/604.1")
PICTURE_DRAWN = """() => { const img = document.querySelector('.cnnviz-field img');
    return !!img && img.complete && img.naturalWidth > 0 && img.getBoundingClientRect().width > 200; }"""


def field_shown(page, text: str) -> None:
    """Wait until the field section says ``text``, its picture drawn, the page idle and its fonts in."""
    page.locator(".cnnviz-field").get_by_text(text).wait_for()
    wait_for_app(page)
    page.wait_for_function(PICTURE_DRAWN)
    page.evaluate("() => document.fonts.ready.then(() => true)")
    rendered(page)


def test_a_clicked_layer_s_receptive_field_is_drawn_written_and_projected(browser, server_url):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(server_url + "/architectures?arch=alexnet")
        wait_for_app(page)
        field_shown(page, "AlexNet pool5 sees 195x195 pixels of the 224x224 input.")  # its deepest map first
        click_box(page, 1, "(11×11×3 + 1)×64 = 23,296")  # conv1
        wait_for_link(page, "layer", "1")
        field_shown(page, "AlexNet conv1 sees 11x11 pixels of the 224x224 input.")
        assert page.locator(".cnnviz-field td", has_text="1 + (11 − 1)·1 = 11").count() == 1
        page.goto(page.url + "&present=1")  # the presenter view of the same link: a hall reads it
        page.locator(".cnnviz-field.present").wait_for()
        field_shown(page, "AlexNet conv1 sees 11x11 pixels of the 224x224 input.")
        page.wait_for_function("""() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
            .every(c => c.querySelector('.main-svg'))""")
        rendered(page)
        assert_projected_readable(page)
    finally:
        context.close()
    phone = browser.new_context(**PHONE)
    try:
        page = phone.new_page()
        page.set_default_timeout(60_000)
        for link in ("/architectures?arch=vgg16&layer=8&row=1", "/architectures?arch=vgg16&layer=8&row=1&present=1"):
            page.goto(server_url + link)
            field_shown(page, "VGG-16 conv2_2 sees 14x14 pixels of the 224x224 input.")
            wide = page.evaluate("""() => { const m = document.querySelector('[data-testid="stMain"]');
                return [m.scrollWidth - m.clientWidth, document.querySelector('.cnnviz-field').scrollWidth]; }""")
            assert wide[0] <= 1 and wide[1] <= 390, (link, wide)  # the closed form's table scrolls on its own
    finally:
        phone.close()


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
    context = browser.new_context(**PHONE)
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
