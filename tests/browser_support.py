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
    sizes = page.locator(cells).evaluate_all("els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert len(sizes) == count and min(sizes) >= digits
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
