"""Accessibility in Chromium: axe-core (WCAG 2.2 A and AA) finds nothing serious or critical on any page.

Every page of the navigation is audited at a laptop's size and a phone's, each page's presenter view
(``?present=1``) at the laptop's, and /present with a room running; one server, one browser, a fresh
tab per size going from page to page: 80 to 130 s on a shared 2-core machine (both cores busy with other work).

Nothing is excluded: every violation axe reports on these pages, Streamlit's own widgets included, is one
the app can fix (a caption's opacity in ``cnnviz/ui/app.css``, the primary colour in
``.streamlit/config.toml``, an image's ``alt``), so each one fails the test.
"""
import pytest

from browser_support import NetworkWatch, rendered, wait_for_app
from cnnviz.ui import available_pages

pytestmark = pytest.mark.browser

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING = ("serious", "critical")
LAPTOP, PHONE = (1280, 800), (390, 844)
PATHS = ["/"] + [f"/{p.url_path}" for p in available_pages()] + ["/present"]
PRESENTER_VIEWS = [f"/{p.url_path}?present=1" for p in available_pages()]  # for a projector: the laptop's size


def audit(page) -> list[str]:
    """axe's serious and critical violations on the page as it is now, one line each: rule, impact, where."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page, options={"runOnly": {"type": "tag", "values": TAGS}}).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
            for v in found if v["impact"] in FAILING]


def open_done(page, net: NetworkWatch, url: str) -> None:
    """Open ``url`` in ``page`` (watched by ``net``) and wait until the run is over, every request answered and
    the result drawn."""
    page.goto(url)
    wait_for_app(page)
    net.wait_quiet(page, quiet_s=0.5)
    page.wait_for_function("() => [...document.images].every(i => i.complete)")
    rendered(page)
    wait_for_app(page)  # no rerun began meanwhile (a component reporting its value, the link written)


@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_no_serious_or_critical_violation_on_any_page(browser, server_url, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    try:
        page = context.new_page()  # one tab goes from page to page: Streamlit's frontend loads once
        net, found = NetworkWatch(page), {}
        for path in PATHS + (PRESENTER_VIEWS if size == LAPTOP else []):
            open_done(page, net, server_url + path)
            found[path] = audit(page)
    finally:
        context.close()
    assert {path: lines for path, lines in found.items() if lines} == {}


def test_no_serious_or_critical_violation_on_a_running_rooms_page(browser, server_url):
    context = browser.new_context(viewport={"width": LAPTOP[0], "height": LAPTOP[1]})
    try:
        page = context.new_page()
        open_done(page, NetworkWatch(page), server_url + "/present")
        page.get_by_role("button", name="Start a room").click()
        page.locator(".room-qr").wait_for()
        wait_for_app(page)
        rendered(page)
        assert audit(page) == []
    finally:
        context.close()
