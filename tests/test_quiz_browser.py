"""The quiz in a real browser: one answer right, one wrong, verdicts and solutions on screen."""
import re

import pytest

from browser_support import TIMEOUT_MS, wait_for_app
from cnnviz import make_quiz

pytestmark = pytest.mark.browser

SEED = 2024


def answer_in_browser(page, index, typed):
    box = page.locator(f".st-key-quiz-q-{index}")
    field = box.locator('[data-testid="stTextInput"] input')
    field.fill(typed)
    box.get_by_role("button", name="Check").click()
    return box


def test_one_right_one_wrong_in_the_browser(page, server_url):
    from playwright.sync_api import expect

    quiz = make_quiz(SEED, 5)
    typed = [i for i, q in enumerate(quiz) if q.answer_type in ("integer", "shape")]
    right, wrong = typed[0], typed[1]
    page.goto(f"{server_url}/quiz?seed={SEED}&n=5")
    wait_for_app(page)
    first_words = quiz[0].text.split("**")[0].strip()
    expect(page.locator(".st-key-quiz-q-0")).to_contain_text(first_words)

    box = answer_in_browser(page, right, quiz[right].answer_text.replace(",", ""))
    expect(box.locator('[data-testid="stAlertContentSuccess"]')).to_contain_text(
        f"Right: {quiz[right].answer_text}.")
    expect(box).to_contain_text("Worked solution")

    box = answer_in_browser(page, wrong, "999" if quiz[wrong].answer_type == "integer" else "1x1x1")
    verdict = box.locator('[data-testid="stAlertContentError"]')
    expect(verdict).to_contain_text("Not quite", timeout=20_000)
    expect(verdict).not_to_contain_text(quiz[wrong].answer_text)
    expect(box.locator('[data-testid="stAlertContentInfo"]')).to_contain_text("Hint:")
    expect(box.get_by_role("button", name="Try again")).to_be_visible()
    expect(box).not_to_contain_text("Worked solution")

    metrics = page.locator('[data-testid="stMetricValue"]')
    expect(metrics.nth(1)).to_have_text("1 of 2 answers right")
    expect(metrics.nth(0)).to_have_text("1 / 5 right")
    assert page.locator('[data-testid="stException"]').count() == 0


def test_the_shared_link_reopens_the_same_quiz(page, server_url):
    from playwright.sync_api import expect

    page.goto(f"{server_url}/quiz?seed={SEED}&n=10")
    wait_for_app(page)
    code = page.locator('[data-testid="stCode"]').first
    expect(code).to_contain_text(f"?seed={SEED}&n=10")
    link = code.inner_text().strip()
    # Another student's browser: a fresh context with nothing shared.
    other = page.context.browser.new_context(viewport={"width": 390, "height": 844})
    try:
        phone = other.new_page()
        phone.set_default_timeout(TIMEOUT_MS)
        phone.goto(link)
        wait_for_app(phone)
        expect(phone.locator(".st-key-quiz-number input")).to_have_value(str(SEED))
        last_question = make_quiz(SEED, 10)[9].text.split("**")[0].strip()
        expect(phone.locator(".st-key-quiz-q-9")).to_contain_text(last_question)
    finally:
        other.close()


def test_wrong_answer_hint_then_the_solution_then_its_window_in_the_player(page, server_url):
    from playwright.sync_api import expect

    seed, index, q = next((s, i, q) for s in range(1, 200) for i, q in enumerate(make_quiz(s, 5))
                          if q.kind == "activation_cell")
    page.goto(f"{server_url}/quiz?seed={seed}&n=5")
    wait_for_app(page)
    box = answer_in_browser(page, index, str(q.answer + 100))
    expect(box.locator('[data-testid="stAlertContentInfo"]')).to_contain_text("Hint:", timeout=20_000)
    box.get_by_role("button", name="Show the worked solution").click()
    expect(box).to_contain_text("The whole activation map", timeout=20_000)
    box.get_by_role("link", name="Watch this window in the Convolution player").click()
    player = page.locator("#player")
    expect(player).to_have_attribute("data-step", q.player.query["step"], timeout=30_000)
    r, c = re.search(r"row (\d+), column (\d+)\*\*", q.text).groups()
    expect(page.locator("#explain")).to_contain_text(
        f"Output cell row {r}, column {c}")
    assert page.locator('[data-testid="stException"]').count() == 0
