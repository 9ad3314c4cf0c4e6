"""Rooms in Chromium, with each store: a presenter starts a room on /present, students open the join link
shown there, the presenter opens Convolution, changes the stride and steps the player; the first student's
page and player follow, and a second student's own click moves neither of them. How fast they follow is
measured by benchmarks/load/followers.py, not here."""
from __future__ import annotations

import contextlib
import os

import pytest
from playwright.sync_api import expect
from browser_support import TIMEOUT_MS, type_into_player, wait_for_app, wait_for_link

from cnnviz.kernel.grids import grid_to_text
from cnnviz.lecture.presets import LECTURE_INPUT
from conftest import streamlit_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a server of its own per store



@pytest.fixture(scope="module", params=["memory", "redis"])
def rooms_server(request):
    """``streamlit run app.py`` with the in-process store, or with a real redis-server behind it."""
    env = {}
    if request.param == "redis":
        env["CNNVIZ_REDIS_URL"] = request.getfixturevalue("redis_url")
    with streamlit_server(env=env) as server:
        yield server.url


@contextlib.contextmanager
def _tab(browser, **kw):
    context = browser.new_context(**({"viewport": {"width": 1400, "height": 1000}} | kw))
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        yield page
    finally:
        context.close()


def _start_room(page, url) -> tuple[str, str]:
    page.goto(url + "/present")
    wait_for_app(page)
    page.get_by_role("button", name="Start a room").click()
    code = page.locator(".room-code").inner_text(timeout=TIMEOUT_MS).strip()
    wait_for_app(page)
    link = page.locator("h4", has_text="Join at").locator("code").inner_text().strip()
    qr = page.locator("img.room-qr")
    assert qr.evaluate("img => img.naturalWidth > 0")
    height = page.viewport_size["height"]
    assert height / 6 <= qr.bounding_box()["height"] <= height / 2  # readable from the back, on screen
    assert link.endswith(f"/?join={code}")
    return code, link


def _stride(page) -> str:
    return page.get_by_role("spinbutton", name="Stride").input_value()


def _steps(page) -> str:
    """How many steps the page's player has: the stride and padding of the map it shows."""
    return page.locator("#player").get_attribute("data-steps")


def _shown_in_place(page) -> bool:
    """The room's last change reached the player without a run of the page (the listener applied it)."""
    return page.locator(".room-listener").evaluate("e => !!e.dataset.applied && e.dataset.applied === e.dataset.heard")


def test_a_student_follows_and_another_students_click_moves_neither(browser, rooms_server):
    with _tab(browser) as presenter, _tab(browser) as student, _tab(browser) as other:
        code, link = _start_room(presenter, rooms_server)
        for tab in (student, other):
            tab.goto(link)
            wait_for_app(tab)
            tab.get_by_text("Following the lecturer", exact=True).wait_for()
            assert f"join={code}" in tab.url  # a reload, or another replica, follows on
        presenter.get_by_role("link", name="Convolution").first.click()
        presenter.locator("h1", has_text="Convolution").wait_for()
        wait_for_app(presenter)
        for tab in (student, other):  # the presenter's page reaches them
            tab.locator(".st-key-room-follow-bar", has_text="Convolution").wait_for(timeout=TIMEOUT_MS)
            wait_for_app(tab)
        before = _steps(presenter)
        stride = presenter.get_by_role("spinbutton", name="Stride")
        stride.fill("2")
        stride.press("Enter")
        wait_for_link(presenter, "stride", "2")
        # the player draws the run's new map after the run has ended
        expect(presenter.locator("#player")).not_to_have_attribute("data-steps", before)
        # The student's own link becomes the presenter's view and the player shows the presenter's map, with
        # nothing to click and no run of the student's page.
        for tab in (student, other):
            tab.wait_for_function("() => new URL(location.href).searchParams.get('stride') === '2'",
                                  timeout=TIMEOUT_MS)
        presenter_steps = _steps(presenter)
        for tab in (student, other):
            tab.locator(f'#player[data-steps="{presenter_steps}"]').wait_for(timeout=TIMEOUT_MS)
            assert _shown_in_place(tab)
            wait_for_app(tab)
        # The second student breaks away (the page's controls come back, at the presenter's latest settings)
        # and changes the padding: the presenter and the first student stay.
        other.get_by_role("button", name="Break away").click()
        other.get_by_text("On your own", exact=True).wait_for()
        wait_for_app(other)
        assert _stride(other) == "2"
        mine = other.get_by_role("spinbutton", name="Padding")
        mine.fill("1")
        mine.press("Enter")
        wait_for_link(other, "padding", "1")
        other.get_by_text("On your own", exact=True).wait_for()
        # The presenter steps the player and the first student's player follows, step by step. The room's
        # changes arrive in order, so a change the other student's click had wrongly made would be there
        # before this one.
        away_step = other.locator("#player").get_attribute("data-step")
        presenter.locator("#btn-reset").click()
        student.locator('#player[data-step="0"]').wait_for(timeout=TIMEOUT_MS)
        for _ in range(2):
            presenter.locator("#btn-fwd").click()
        presenter.locator('#player[data-step="2"]').wait_for()
        student.locator('#player[data-step="2"]').wait_for(timeout=TIMEOUT_MS)
        assert _shown_in_place(student)  # the steps too, without a run of the page
        wait_for_app(student)
        assert other.locator("#player").get_attribute("data-step") == away_step  # away: not moved
        assert "padding=" not in presenter.url and "padding=" not in student.url
        assert _steps(student) == presenter_steps
        assert student.get_by_text("Following the lecturer", exact=True).count() == 1
        # What reruns one part of a page alone reaches the student too: a cell typed into the presenter's
        # player, and a number on Shapes & parameters (each of its tabs is a fragment).
        x = LECTURE_INPUT.copy()
        x[0, 1] = 13  # under weight 1 of the first window: 12 + 10
        type_into_player(presenter, "13", "in-0-1")
        wait_for_link(presenter, "input", grid_to_text(x))
        student.locator('#out-0-0:text-is("22")').wait_for(timeout=TIMEOUT_MS)
        presenter.get_by_role("link", name="Shapes & parameters").first.click()
        presenter.locator("h1", has_text="Shapes & parameters").wait_for()
        wait_for_app(presenter)
        student.locator("h1", has_text="Shapes & parameters").wait_for(timeout=TIMEOUT_MS)
        filters = presenter.get_by_role("spinbutton", name="Number of filters")
        filters.fill("6")
        filters.press("Enter")
        wait_for_link(presenter, "f", "6")
        student.wait_for_function("() => new URL(location.href).searchParams.get('f') === '6'", timeout=TIMEOUT_MS)
        wait_for_app(student)
        assert student.get_by_role("spinbutton", name="Number of filters").input_value() == "6"
        # One push stream per following tab, however many runs and pages it went through; none once away.
        assert student.evaluate("window.__cnnvizRoom.streams") == 1
        other.wait_for_function("() => window.__cnnvizRoom.streams === 0")
        assert all(t.locator('[data-testid="stException"]').count() == 0 for t in (presenter, student, other))


def _replicas(page) -> list[str]:
    """The replicas that served the page's documents, in order (nginx names the one that answered last)."""
    served: list[str] = []
    page.on("response", lambda r: served.append((r.headers.get("x-cnnviz-replica") or "").split(", ")[-1])
            if r.request.resource_type == "document" else None)
    return served


def test_a_student_on_a_killed_replica_follows_again_from_the_other(browser, two_replicas):
    """Two replicas behind nginx sharing the script's redis-server: the replica serving a following
    student is killed; its page reconnects to the other one, joins again by its link and follows the
    presenter's next change."""
    import signal
    import time

    url, pids = two_replicas
    with _tab(browser) as presenter:
        served = _replicas(presenter)
        code, link = _start_room(presenter, url)
        presenter_replica = served[-1]
        for _ in range(12):  # a student whose cookie lands on the other replica
            with _tab(browser) as student:
                mine = _replicas(student)
                student.goto(link)
                wait_for_app(student)
                if mine[-1] == presenter_replica:
                    continue
                student.get_by_text("Following the lecturer", exact=True).wait_for()
                killed = time.monotonic()
                os.kill(pids[mine[-1]], signal.SIGKILL)
                presenter.get_by_role("link", name="Pooling").first.click()
                presenter.locator("h1", has_text="Pooling").wait_for()
                student.locator(".st-key-room-follow-bar", has_text="Pooling").wait_for(timeout=TIMEOUT_MS)
                took = time.monotonic() - killed
                wait_for_app(student)
                assert f"join={code}" in student.url
                assert student.get_by_text("Following the lecturer", exact=True).count() == 1
                assert student.locator('[data-testid="stException"]').count() == 0
                print(f"followed again {took:.1f} s after its replica was killed")
                return
        pytest.fail("every student landed on the presenter's replica")


def test_a_reload_is_still_the_same_voter(browser, rooms_server):
    """One answer a question per browser: a reload starts a new session, and its answer is refused."""
    with _tab(browser) as presenter, _tab(browser) as student:
        _, link = _start_room(presenter, rooms_server)
        student.goto(link)
        wait_for_app(student)
        student.get_by_text("Following the lecturer", exact=True).wait_for()
        presenter.get_by_role("combobox", name="Question").click()
        presenter.get_by_role("option", name="A show of hands: A, B, C or D (asked aloud)").click()
        wait_for_app(presenter)
        presenter.get_by_role("button", name="Ask").click()
        wait_for_app(presenter)
        for answer, says in [("A", "Your answer A was counted."),
                             ("B", "You already answered this question: only your first answer counts.")]:
            poll = student.get_by_test_id("stForm")
            poll.get_by_text(answer, exact=True).click(timeout=TIMEOUT_MS)  # the question reaches the student
            poll.get_by_role("button", name="Send my answer").click()
            student.get_by_text(says).wait_for()
            wait_for_app(student)
            student.reload()  # a new session of the same browser
            wait_for_app(student)
        assert student.locator('[data-testid="stException"]').count() == 0
