"""Driving the app as a person does, in Debian's Chromium: waits on the app's signals.

Used by the browser tests (through ``conftest.py``) and the benchmarks; the server and the browser
come from ``benchmarks.serve``. Every wait here is on something the page reports (Streamlit's script
state, an element that changes), never a fixed sleep; timeouts are generous because the machine may be
busy with other work.
"""
from __future__ import annotations

import time

TIMEOUT_MS = 30_000  # any wait on a signal

# Streamlit marks its root element with the script's run state ("initial", "running", "notRunning")
# and the connection's; elements left from the previous run carry data-stale="true" while a run goes on.
APP_IDLE = '[data-testid="stApp"][data-test-connection-state="CONNECTED"][data-test-script-state="notRunning"]'
NOTHING_PENDING = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-stale="true"]') && !!document.querySelector('[data-testid="stMain"]')"""


def wait_for_app(page, timeout: float = TIMEOUT_MS) -> None:
    """Wait until the page is connected and Streamlit has finished running its script.

    After an action that starts a rerun, first wait for what the rerun changes (an element, the link):
    the script state still reads "notRunning" in the moment before the rerun begins.
    """
    page.wait_for_selector(APP_IDLE, state="attached", timeout=timeout)
    page.wait_for_function(NOTHING_PENDING, timeout=timeout)


def wait_for_link(page, name: str, value: str, timeout: float = TIMEOUT_MS) -> None:
    """Wait until the page's link holds ``name=value`` (the app writes its state there), then for the run."""
    page.wait_for_function("([k, v]) => new URL(location.href).searchParams.get(k) === v", arg=[name, value],
                           timeout=timeout)
    wait_for_app(page, timeout)


class NetworkWatch:
    """The page's HTTP requests in flight, over every frame, and when the last one started or ended."""

    def __init__(self, page) -> None:
        self.in_flight, self.last = 0, time.monotonic()
        page.on("request", self._started)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)

    def _started(self, _request) -> None:
        self.in_flight, self.last = self.in_flight + 1, time.monotonic()

    def _ended(self, _request) -> None:
        self.in_flight, self.last = max(0, self.in_flight - 1), time.monotonic()

    def wait_quiet(self, page, quiet_s: float = 1.0, timeout: float = TIMEOUT_MS) -> None:
        """Wait until no request is in flight and none has started or ended for ``quiet_s`` seconds.

        Playwright's "networkidle" can wait forever on a page whose iframes are replaced by a rerun.
        """
        deadline = time.monotonic() + timeout / 1000
        while self.in_flight or time.monotonic() - self.last < quiet_s:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the page still had {self.in_flight} requests in flight after {timeout} ms")
            page.wait_for_timeout(100)  # a poll: Playwright delivers the page's request events meanwhile


def rendered(page) -> None:
    """Return once the browser has rendered two frames and run a task: state set by React is on screen."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r))))")


def drawn(page, sign: str, timeout: float = 120_000) -> None:
    """Wait until ``sign`` (a selector) is shown, the app idle, the charts and pictures drawn, the fonts in and the
    layout still: what a screenshot or a measure of the page should see. ``timeout`` covers a first visit that trains
    the digits network."""
    page.locator(sign).first.wait_for(timeout=timeout)
    wait_for_app(page)
    page.wait_for_function("""() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
        .every(c => c.querySelector('.main-svg')) && [...document.images].every(i => i.complete)""")
    page.evaluate("() => document.fonts.ready.then(() => true)")
    page.wait_for_function("""() => {
        const m = document.querySelector('[data-testid="stMain"]'), k = [m.scrollHeight, m.scrollWidth].join();
        const same = k === window.__drawnKey;
        window.__drawnKey = k;
        return same;
    }""", polling="raf")
    rendered(page)


def settled_box(page, selector: str, index: int = 0, min_width: float = 0, min_height: float = 0,
                timeout: float = TIMEOUT_MS) -> dict:
    """The box of the ``index``-th element matching ``selector`` once it is at least this large and has
    stayed the same over two animation frames (its layout is done)."""
    box = page.wait_for_function("""([sel, i, minW, minH]) => {
        const el = document.querySelectorAll(sel)[i];
        if (!el) return false;
        const r = el.getBoundingClientRect(), key = [r.x, r.y, r.width, r.height].join();
        const same = key === window.__settledBox;
        window.__settledBox = key;
        return same && r.width >= minW && r.height >= minH && {width: r.width, height: r.height};
    }""", arg=[selector, index, min_width, min_height], polling="raf", timeout=timeout)
    return box.json_value()


def type_into_player(page, text: str, cell: str, timeout: float = TIMEOUT_MS) -> None:
    """Type ``text`` into a cell of the step player as a person does, and press Enter.

    ``cell`` is the cell's id (``in-R-C`` in padded coordinates, ``flt-R-C``). Click the cell and see its
    field open with the old value selected; type; see the field hold the text; Enter, and see the field
    close. The rerun the edit starts is the caller's to wait for (``wait_for_player_answer``): the map the
    browser writes at once is no sign that the page has answered.
    """
    from playwright.sync_api import expect

    wait_for_app(page, timeout)
    page.locator(f"#{cell}").click(timeout=timeout)
    field = page.locator(f"#{cell} input.cell-edit")
    expect(field, f"a click on {cell} did not open its field").to_be_focused(timeout=timeout)
    page.keyboard.type(text)
    expect(field, f"typing into {cell} did not reach its field").to_have_value(text, timeout=timeout)
    page.keyboard.press("Enter")
    expect(field, f"Enter did not close the field of {cell}").to_have_count(0, timeout=timeout)


def wait_for_player_answer(page, timeout: float = TIMEOUT_MS) -> None:
    """Wait for the page's answer to every cell typed into the player (it redraws the player: nothing in it is
    left pending), then for the app to be idle."""
    from playwright.sync_api import expect

    expect(page.locator("#player .pending"), "the page did not answer a typed cell").to_have_count(0,
                                                                                                  timeout=timeout)
    wait_for_app(page, timeout)


def assert_presenter_view_fills(page, width: int, height: int, digits: float, cells: str, count: int) -> None:
    """The presenter view at ``width`` x ``height``: sidebar and tools hidden, the ``count`` cells matching
    ``cells`` with digits of at least ``digits`` px, the whole player on screen, nothing scrolled."""
    from playwright.sync_api import expect

    page.locator(".cnnviz-host.present").wait_for()
    wait_for_app(page)  # the run has drawn all it draws: the page's styles as well as the player
    expect(page.locator('[data-testid="stSidebar"]')).to_be_hidden()
    expect(page.get_by_role("button", name="Randomise").first).to_be_hidden()
    # the player fits itself again once the page's fonts are in (player.js): then a frame
    page.evaluate("() => document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => r())))")
    # the player may fit itself once more (a grid's type follows its longest number): wait for the sizes it settles
    # on, in the page and the player's shadow root, then measure them
    settled = """([sel, count, digits]) => {
        const out = [];
        const walk = r => { r.querySelectorAll(sel).forEach(e => out.push(parseFloat(getComputedStyle(e).fontSize)));
                            r.querySelectorAll('*').forEach(e => e.shadowRoot && walk(e.shadowRoot)); };
        walk(document);
        return out.length === count && Math.min(...out) >= digits; }"""
    try:
        page.wait_for_function(settled, arg=[cells, count, digits], timeout=TIMEOUT_MS)
    except Exception:  # noqa: BLE001 - the assertion below says what was found
        pass
    sizes = page.locator(cells).evaluate_all("els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert len(sizes) == count and min(sizes) >= digits, (len(sizes), min(sizes, default=None))
    whole = page.locator("#player").bounding_box()
    assert whole["y"] >= 0 and whole["y"] + whole["height"] <= height and whole["x"] + whole["width"] <= width


def lens_in_view(page) -> tuple[float, list[list[float]]]:
    """Scroll the step player's buttons to the top of the screen, under the app's header, as a student does to
    step; return the header's bottom and the boxes ``[top, bottom, left, right]`` of what the player's lens
    shows: each window and filter, the written sum and the output cell."""
    below = page.locator("#player .bar").evaluate("""e => {
        const header = document.querySelector('[data-testid="stHeader"]');
        const below = header ? Math.max(0, header.getBoundingClientRect().bottom) : 0;
        e.scrollIntoView({block: 'start'});
        document.querySelector('[data-testid="stMain"]').scrollBy(0, -below);
        return below; }""")
    rendered(page)
    boxes = page.locator(".lens .lgrid, #explain, .lout .lz").evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.top, r.bottom, r.left, r.right]; })")
    return below, boxes


# What a presenter view projects, measured in the page and in every open shadow root (the step player's):
# each text that is drawn, its font size, whether it holds a digit, and where it lies; a text that overlaps
# another, is clipped by a box around it or runs past the screen's edges is a fault a hall would see.
PROJECTED = """(oneScreen) => {
    const W = innerWidth, H = innerHeight;
    const pageScrollers = new Set(['stMain', 'stAppViewContainer', 'stApp', 'stAppScrollToBottomContainer']
        .map(id => document.querySelector(`[data-testid="${id}"]`)).concat([document.documentElement, document.body]));
    const texts = [];
    const walk = root => {
        const tw = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
        for (let n = tw.nextNode(); n; n = tw.nextNode()) {
            if (n.nodeType === 1 && n.shadowRoot) walk(n.shadowRoot);
            if (n.nodeType !== 3 || !n.nodeValue.trim()) continue;
            const el = n.parentElement;
            if (!el || /^(STYLE|SCRIPT|TITLE|DESC|NOSCRIPT)$/.test(el.tagName)) continue;
            if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
            const range = document.createRange();
            range.selectNodeContents(n);
            const rects = [...range.getClientRects()].filter(r => r.width > 0.5 && r.height > 0.5);
            if (!rects.length) continue;
            texts.push({text: n.nodeValue.trim().slice(0, 40), el, rects, digit: /\\d/.test(n.nodeValue),
                        size: parseFloat(getComputedStyle(el).fontSize)});
        }
    };
    const block = document.querySelector('[data-testid="stMainBlockContainer"]');
    walk(block);
    const up = el => el.parentElement || (el.getRootNode() instanceof ShadowRoot ? el.getRootNode().host : null);
    const clipped = (t) => {  // a box around the text that hides part of it (the page's own scrolling aside)
        for (let a = up(t.el); a && a !== block; a = up(a)) {
            if (pageScrollers.has(a)) continue;
            const s = getComputedStyle(a);
            if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
            const b = a.getBoundingClientRect();
            const x0 = b.left + a.clientLeft, y0 = b.top + a.clientTop;
            const x1 = x0 + a.clientWidth, y1 = y0 + a.clientHeight;
            const slack = Math.max(2, 0.25 * t.size);  // a line's box reaches above and below its letters
            for (const r of t.rects) {
                if ((s.overflowX !== 'visible' && (r.left < x0 - 1 || r.right > x1 + 1))
                    || (s.overflowY !== 'visible' && (r.top < y0 - slack || r.bottom > y1 + slack))) return true;
            }
        }
        return false;
    };
    const overlaps = [];
    for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
        for (const a of texts[i].rects) for (const b of texts[j].rects) {
            const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
            const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
            if (w > 0 && h > 0 && w * h > 0.2 * Math.min(a.width * a.height, b.width * b.height))
                overlaps.push(`"${texts[i].text}" / "${texts[j].text}"`);
        }
    }
    const main = document.querySelector('[data-testid="stMain"]');
    const outside = oneScreen ? [...document.querySelectorAll(oneScreen)].filter(e => {
        const r = e.getBoundingClientRect();
        return r.top < -1 || r.bottom > H + 1;
    }).map(e => e.tagName + (e.id ? '#' + e.id : '.' + e.className)) : [];
    return {
        sizes: texts.filter(t => t.digit).map(t => t.size),
        smallest: texts.filter(t => t.digit).sort((a, b) => a.size - b.size).slice(0, 5)
            .map(t => `${t.text} (${t.size} px)`),
        overlaps: overlaps.slice(0, 10),
        cut: texts.filter(clipped).slice(0, 10).map(t => t.text),
        wide: texts.filter(t => t.rects.some(r => r.left < -1 || r.right > W + 1)).slice(0, 10).map(t => t.text),
        scrollsSideways: !!main && main.scrollWidth > main.clientWidth + 1,
        canvasTables: [...block.querySelectorAll('[data-testid="stDataFrame"]')]
            .filter(e => e.checkVisibility()).length,
        outside,
    };
}"""


def projected(page, one_screen: str | None = None) -> dict:
    """What the page projects (``PROJECTED``): the font sizes of its numbers, and its texts that overlap, are cut
    or run off the screen; ``one_screen`` (a selector) names what must lie wholly on the first screen."""
    return page.evaluate(PROJECTED, one_screen)


def assert_projected_readable(page, *, median: float = 24, least: float = 10, one_screen: str | None = None) -> dict:
    """Readable from the back of a hall: the numbers' median size at least ``median`` px and none under ``least``;
    no text overlapping another, cut by its box or past the screen's edge; no sideways scrolling; no table drawn
    on a canvas (its type cannot grow); ``one_screen`` wholly on the first screen. Returns the measures."""
    import statistics

    m = projected(page, one_screen)
    where = page.url
    assert m["sizes"], f"no number is shown at {where}"
    assert statistics.median(m["sizes"]) >= median, (where, statistics.median(m["sizes"]), m["smallest"])
    assert min(m["sizes"]) >= least, (where, m["smallest"])
    assert not m["overlaps"], (where, m["overlaps"])
    assert not m["cut"], (where, m["cut"])
    assert not m["wide"] and not m["scrollsSideways"], (where, m["wide"])
    assert not m["canvasTables"], f"{where} projects a table drawn on a canvas"
    assert not m["outside"], (where, m["outside"])
    return m
