"""`searchlib serve` end to end in a real browser: Debian's chromium driven by Playwright.

Skips cleanly where Playwright or /usr/bin/chromium is missing. With SEARCHLIB_SCREENSHOT=1 it also
renews docs/screenshot.png.
Playwright never downloads a browser here: it drives the system one.
"""

from __future__ import annotations

import os
import threading

import pytest

from ..conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOT = ROOT / "docs" / "screenshot.png"

playwright_api = pytest.importorskip("playwright.sync_api")
if not os.access(CHROMIUM, os.X_OK):
    pytest.skip(f"no system browser at {CHROMIUM} (Debian: apt-get install chromium)", allow_module_level=True)

TITLES = {
    "isisk-kabul.txt": "ISIS-K claims deadly bombing outside Kabul airport",
    "isis-only-syria.txt": "Syrian Democratic Forces declare end of ISIS territorial rule",
    "daesh-iraq.html": "Iraq celebrates victory over Daesh with Baghdad parade",
}
WIRE = "US and Taliban sign deal aimed at ending war in Afghanistan"  # wire-copy-a.txt and wire-copy-b.txt


@pytest.fixture(scope="module")
def server(built_index):
    """The app on 127.0.0.1, a free port, in a thread."""
    from werkzeug.serving import make_server

    from searchlib.web.app import create_app

    srv = make_server("127.0.0.1", 0, create_app(built_index), threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    srv.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def open_page(browser, javascript: bool = True):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=javascript)
    page = context.new_page()
    problems: list[str] = []  # CSP violations and script errors show up as console errors
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    return context, page, problems


def hit_titles(page) -> list[str]:
    return page.locator("ol.hits .hit-title a").all_inner_texts()


def test_search_facet_document_and_back(server, browser, tmp_path_factory):
    context, page, problems = open_page(browser)
    try:
        page.goto(server + "/")
        assert int(page.locator(".total strong").inner_text()) >= 7
        assert page.locator("svg.timeline-chart .bar").count() >= 5

        # "/" jumps to the search box (the optional script), then type a query
        page.keyboard.press("/")
        assert page.evaluate("document.activeElement && document.activeElement.id") == "q"
        page.keyboard.type("Islamic State")
        page.keyboard.press("Enter")
        page.wait_for_url("**/?q=Islamic+State*")
        assert sorted(hit_titles(page)) == sorted(TITLES.values())
        assert page.locator(".snippet mark").count() >= 1

        # click a country facet: only the Iraq pages remain, and the filter shows as a chip
        page.locator("#facet-country a.facet-link", has_text="Iraq").click()
        page.wait_for_url("**country=Iraq*")
        assert sorted(hit_titles(page)) == sorted([TITLES["isis-only-syria.txt"], TITLES["daesh-iraq.html"]])
        assert page.locator(".chips .chip", has_text="Iraq").count() == 1
        assert page.locator("#facet-country li.selected", has_text="Iraq").count() == 1
        results_url = page.url

        # open one document: clean text, tags with their sentences, provenance
        page.get_by_role("link", name=TITLES["daesh-iraq.html"]).click()
        page.wait_for_url("**/doc/daesh-iraq.html*")
        assert page.locator("h1").inner_text() == TITLES["daesh-iraq.html"]
        assert page.locator(".evidence", has_text="Haider al-Abadi").count() == 1
        assert "SHA-256" in page.locator(".provenance").inner_text()
        assert page.locator(".doc-text p").count() >= 2

        # go back: the same results, the same state
        page.go_back()
        page.wait_for_url(results_url)
        assert sorted(hit_titles(page)) == sorted([TITLES["isis-only-syria.txt"], TITLES["daesh-iraq.html"]])

        # the picture for the docs: a query, a facet filter, highlighted snippets, the timeline. It
        # replaces docs/screenshot.png only when asked (SEARCHLIB_SCREENSHOT=1): a test run leaves
        # the working tree as it found it
        shot = SCREENSHOT if os.environ.get("SEARCHLIB_SCREENSHOT") == "1" else tmp_path_factory.mktemp("shot") / "s.png"
        shot.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        assert problems == []
    finally:
        context.close()


def test_works_without_javascript(server, browser):
    context, page, problems = open_page(browser, javascript=False)
    try:
        page.goto(server + "/")
        page.fill("#q", "Taliban")
        page.press("#q", "Enter")
        page.wait_for_url("**q=Taliban*")
        everything = hit_titles(page)
        assert set(everything) == {WIRE, TITLES["isisk-kabul.txt"]}
        page.locator("#facet-country a.facet-link", has_text="Qatar").click()
        page.wait_for_url("**country=Qatar*")
        assert set(hit_titles(page)) == {WIRE}
        # the chip removes the filter again
        page.locator(".chips .chip", has_text="Qatar").click()
        page.wait_for_url(lambda url: "country=" not in url)
        assert hit_titles(page) == everything
        # a timeline bar narrows to its month
        page.locator("svg.timeline-chart a.bar-link[data-period='2020-02']").click()
        page.wait_for_url("**from=2020-02*")
        assert set(hit_titles(page)) == {WIRE}
        assert problems == []
    finally:
        context.close()


def test_escaped_title_never_runs_in_the_browser(server, browser, tmp_path):
    """A page titled <script>alert(1)</script> shows as text; no dialog ever opens."""
    from werkzeug.serving import make_server

    from searchlib.store.indexing import build_index
    from searchlib.web.app import create_app

    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "evil.html").write_text(
        "<html><head><title>&lt;script&gt;alert(1)&lt;/script&gt;</title></head><body>"
        "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1><p>By Jo Writer</p>"
        "<p>Militants of the Taliban attacked a checkpoint in Kandahar, Afghanistan, on Monday, officials said, "
        "and the fighting went on for several hours before the attackers withdrew into the hills.</p>"
        "<p>The governor said that security forces had pushed them back and that the road was open again.</p>"
        "</body></html>", encoding="utf-8")
    index_dir = tmp_path / "index"
    build_index([str(pages)], str(index_dir), jobs=1)
    srv = make_server("127.0.0.1", 0, create_app(str(index_dir)), threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    context, page, problems = open_page(browser)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(f"http://127.0.0.1:{srv.server_port}/?q=Taliban")
        assert hit_titles(page) == ["<script>alert(1)</script>"]
        page.locator("ol.hits .hit-title a").click()
        page.wait_for_url("**/doc/evil.html*")
        assert page.locator("h1").inner_text() == "<script>alert(1)</script>"
        assert dialogs == [] and problems == []
    finally:
        context.close()
        srv.shutdown()
        srv.server_close()
