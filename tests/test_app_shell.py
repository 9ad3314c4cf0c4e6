"""The app shell: navigation, the home page, and the first browser load."""

import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.ui import PAGES, available_pages
from browser_support import NetworkWatch
from conftest import ROOT, wait_for_app


def test_app_starts_without_exception():
    at = AppTest.from_file("../app.py").run(timeout=30)
    assert not at.exception
    assert "cnnviz" in at.title[0].value


def test_home_links_every_existing_page_and_no_missing_one():
    at = AppTest.from_file("../app.py").run(timeout=30)
    page_files = [p.file for p in available_pages()]
    assert all((ROOT / f).exists() for f in page_files)
    missing = [p for p in PAGES if p not in available_pages()]
    assert all(not (ROOT / p.file).exists() for p in missing)
    assert not at.exception


def test_home_page_names_the_quiz_number_as_the_quiz_does():
    at = AppTest.from_file("../app.py").run(timeout=30)
    blurbs = " ".join(c.value for c in at.caption)
    assert "one quiz number gives the whole class the same questions" in blurbs and "seed" not in blurbs
    quiz = AppTest.from_file("../app.py").run(timeout=30)
    quiz.switch_page("pages/quiz.py").run()
    assert any("Quiz number" in m.value for m in quiz.markdown)


def test_through_app_relies_on_a_private_streamlit_switch_that_still_exists():
    # Streamlit 1.67 has no setting to ignore a pages/ folder: until st.navigation has run once in a
    # process, a page opened first runs on its own. through_app() flips the switch st.navigation flips.
    import inspect

    from streamlit.commands import navigation
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import script_runner

    assert "uses_pages_directory" in vars(PagesManager), "Streamlit renamed PagesManager.uses_pages_directory: " \
        "update cnnviz.ui.through_app"
    assert "PagesManager.uses_pages_directory = False" in inspect.getsource(navigation.navigation)
    assert "if PagesManager.uses_pages_directory:" in inspect.getsource(script_runner.ScriptRunner)


@pytest.mark.browser
def test_home_page_in_browser(page, server_url):
    page.goto(server_url)
    wait_for_app(page)
    assert "cnnviz" in page.locator("h1").first.inner_text()
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0


@pytest.mark.browser
@pytest.mark.slow  # a server of its own
def test_shared_link_opened_first_on_a_fresh_server_goes_through_app(browser):
    # Before app.py has run once, Streamlit would run a pages/ file on its own (no layout, raw file names).
    from conftest import streamlit_server

    with streamlit_server() as server:
        url = server.url
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        pg = context.new_page()
        pg.goto(url + "/shapes")
        wait_for_app(pg)
        pg.wait_for_function(
            "() => (document.querySelector('[data-testid=\"stSidebarNav\"]') || {}).innerText?.includes('Home')")
        nav = pg.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "Shapes & parameters" in nav and "app" not in nav.split()
        assert "Shapes" in pg.locator("h1").first.inner_text()
        assert pg.locator('[data-testid="stException"]').count() == 0
        assert pg.url.rstrip("/").endswith("/shapes")
        context.close()


@pytest.mark.browser
def test_home_is_at_the_root_and_slash_home_forwards_there(page, server_url):
    page.goto(server_url)  # once app.py has run, Streamlit serves only the pages st.navigation lists
    wait_for_app(page)
    page.goto(server_url + "/home")
    wait_for_app(page)
    page.wait_for_function("() => location.pathname === '/'")
    wait_for_app(page)
    assert "cnnviz" in page.locator("h1").first.inner_text()
    assert page.get_by_text("Page not found").count() == 0
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert nav.count("Home") == 1  # the forward is not a second entry


@pytest.mark.browser
@pytest.mark.slow  # every page in turn
def test_every_page_loads_only_from_the_app_server(page, server_url):
    # Nothing may be fetched from outside at run time (fonts, icons, scripts): a classroom may be offline.
    from urllib.parse import urlparse

    requested = []
    page.on("request", lambda r: requested.append(r.url))
    network = NetworkWatch(page)
    for info in [None, *available_pages()]:
        page.goto(server_url + "/" + (info.url_path if info else ""))
        wait_for_app(page)
        network.wait_quiet(page)  # what the page fetches late (fonts, icons, charts) is in too
        assert page.locator('[data-testid="stException"]').count() == 0
    hosts = {urlparse(u).hostname for u in requested if urlparse(u).scheme in ("http", "https", "ws", "wss")}
    assert hosts == {"127.0.0.1"}, sorted(u for u in requested if urlparse(u).hostname != "127.0.0.1")[:5]


def test_every_page_hands_a_bypassing_run_to_app():
    # Streamlit's older pages/ mode can run a page file without app.py on a fresh server.
    for path in sorted((ROOT / "pages").glob("*.py")):
        assert "through_app()" in path.read_text(), path.name
