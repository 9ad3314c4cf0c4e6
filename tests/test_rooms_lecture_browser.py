"""The lecture's own RGB example followed on a phone, in Chromium: a presenter at 1280x720 opens the RGB page,
switches to the lecture's 32x32x3 input with six 5x5x3 filters (1.4 MB of player data), steps its player and
changes the stride; a student following on a 390x844 phone gets the page, the example, each step and the stride
in place. The test prints how long each took (the latency targets are measured under load by
``benchmarks/load/followers.py``, never asserted here); every time runs from the presenter's action (the pointer or key
going down in the presenter's page) to the change in the phone's page, as the page itself shows it (its follow
bar, its player's step and number of steps); the time the room handed the change to the phone's player is
noted beside it."""
from __future__ import annotations

import os

import pytest
from browser_support import TIMEOUT_MS, wait_for_app, wait_for_link

from conftest import streamlit_server
from test_rooms_browser import _start_room, _tab

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a server of its own

PHONE = {"width": 390, "height": 844}

# In the presenter's page: note the time (Date.now(), one clock for every tab of the browser) of the next
# pointer or key going down, wherever in the page (inside the player's shadow root too).
ACTION = """() => {
  window.__actedAt = null;
  const note = () => { window.__actedAt ??= Date.now(); };
  for (const kind of ['pointerdown', 'keydown']) document.addEventListener(kind, note, {capture: true, once: true});
}"""
# In the phone's page: note the time when ``cond`` (a JS expression of ``player``, the step player's element or
# null, and ``bar``, the follow bar's text) first holds, looking every 5 ms, and when the room's listener last
# handed the player a change (``window.__cnnvizPlayer.show``). Returns whether ``cond`` held already, before
# the action it is to time.
WATCH = """(cond) => {
  const holds = new Function('player', 'bar', 'return (' + cond + ');');
  const find = (root) => {
    const el = root.getElementById ? root.getElementById('player') : root.querySelector('#player');
    if (el) return el;
    for (const host of root.querySelectorAll('*')) {
      const found = host.shadowRoot && find(host.shadowRoot);
      if (found) return found;
    }
    return null;
  };
  const look = () => {
    const bar = document.querySelector('.st-key-room-follow-bar');
    return holds(find(document), bar ? bar.innerText : '');
  };
  clearInterval(window.__watch);
  window.__seenAt = window.__handedAt = null;
  const P = window.__cnnvizPlayer;
  if (P && !P.untimed) {
    P.untimed = P.show;
    P.show = (sent, command) => { window.__handedAt = Date.now(); return P.untimed(sent, command); };
  }
  if (look()) return true;
  window.__watch = setInterval(() => {
    if (look()) { window.__seenAt = Date.now(); clearInterval(window.__watch); }
  }, 5);
  return false;
}"""


@pytest.fixture(scope="module")
def redis_server_url(redis_url):
    """``streamlit run app.py`` with its rooms in a real redis-server, as the replicas keep them."""
    old = os.environ.get("CNNVIZ_REDIS_URL")
    os.environ["CNNVIZ_REDIS_URL"] = redis_url
    try:
        with streamlit_server() as server:
            yield server.url
    finally:
        os.environ.pop("CNNVIZ_REDIS_URL") if old is None else os.environ.__setitem__("CNNVIZ_REDIS_URL", old)


def _timed(presenter, phone, cond: str, act) -> tuple[float, float | None]:
    """Milliseconds from the presenter's action ``act()`` to ``cond`` holding in the phone's page, and to the
    room's listener handing the phone's player the change (None: the phone's page ran instead)."""
    assert not phone.evaluate(WATCH, cond), f"{cond} held before the presenter acted"
    presenter.evaluate(ACTION)
    act()
    acted = presenter.wait_for_function("() => window.__actedAt", timeout=TIMEOUT_MS).json_value()
    seen = phone.wait_for_function("() => window.__seenAt", timeout=TIMEOUT_MS).json_value()
    handed = phone.evaluate("window.__handedAt")
    return seen - acted, None if handed is None else handed - acted


def test_the_lectures_32x32x3_example_its_steps_and_stride_reach_a_phone_within_a_second(browser,
                                                                                          redis_server_url):
    url = redis_server_url
    with _tab(browser, viewport={"width": 1280, "height": 720}) as presenter, _tab(browser, viewport=PHONE) as phone:
        code, _ = _start_room(presenter, url)
        phone.goto(f"{url}/?join={code}")
        wait_for_app(phone)
        phone.get_by_text("Following the lecturer", exact=True).wait_for()
        assert phone.evaluate("document.visibilityState") == "visible"  # its timers run as on a phone in hand
        took = {}

        # The page: the phone's page runs to show it (its own page builds the view from the presenter's link).
        took["page"] = _timed(presenter, phone, "bar.includes('RGB filters') && !!player",
                              lambda: presenter.get_by_role("link", name="RGB filters and filter banks").first.click())
        wait_for_app(presenter)
        wait_for_app(phone)
        # The example: 32x32x3 through six 5x5x3 filters, 28x28 = 784 steps; shown in the phone's player in place.
        took["example"] = _timed(presenter, phone, "!!player && player.dataset.steps === '784'",
                                 lambda: presenter.get_by_role("button", name="The lecture's 32x32x3").click())
        wait_for_link(presenter, "example", "lecture")
        # Each step, as the presenter's player takes it; the phone's player shows the same step.
        buttons = [("#btn-reset", 0), ("#btn-fwd", 1), ("#btn-fwd", 2), ("#btn-fwd", 3), ("#btn-back", 2)]
        for i, (button, step) in enumerate(buttons):
            took[f"step {step} ({i + 1})"] = _timed(
                presenter, phone, f"!!player && player.dataset.step === '{step}'",
                lambda button=button: presenter.locator(button).click())
            presenter.locator(f'#player[data-step="{step}"]').wait_for()
            wait_for_app(presenter)
        # The stride: (32 - 5) / 2 + 1 = 14, a 14x14x6 output, 196 steps.
        stride = presenter.get_by_role("spinbutton", name="Stride")

        def stride_2() -> None:
            stride.fill("2")
            stride.press("Enter")

        took["stride 2"] = _timed(presenter, phone, "!!player && player.dataset.steps === '196'", stride_2)
        wait_for_link(presenter, "stride", "2")
        wait_for_app(phone)
        print("presenter's action → the phone's player has it, shows it (ms):",
              {k: (None if h is None else round(h), round(v)) for k, (v, h) in took.items()})
        # What the phone shows is the presenter's view, on the phone's own screen and link; none of it ran a page.
        applied = phone.locator(".room-listener").evaluate("e => e.dataset.applied === e.dataset.heard")
        assert applied and phone.evaluate("new URL(location.href).searchParams.get('stride')") == "2"
        assert phone.evaluate("new URL(location.href).searchParams.get('example')") == "lecture"
        assert phone.locator("#player").get_attribute("data-steps") == presenter.locator("#player").get_attribute(
            "data-steps")
        assert phone.get_by_text("Following the lecturer", exact=True).count() == 1
        assert all(t.locator('[data-testid="stException"]').count() == 0 for t in (presenter, phone))
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1  # nothing wider
        assert all(h is not None for k, (_, h) in took.items() if k != "page")  # in place: no run of the phone's page
