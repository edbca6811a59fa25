"""`searchlib serve` end to end in a real browser: Debian's chromium driven by Playwright.

Skips cleanly where Playwright or /usr/bin/chromium is missing. Playwright never downloads a
browser here: it drives the system one.

Every page of ``PAGES`` is opened at a desktop and a phone width (``WIDTHS``): no page scrolls
sideways, and axe-core (vendored in ``vendor/``) finds no serious or critical violation. With
SEARCHLIB_SCREENSHOT=1 each is also photographed into docs/screenshots/ (NAME-WIDTH.png), and
docs/screenshot.png is renewed; ordinary runs write nothing into the tree.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import pytest

from ..conftest import FIXTURES, ROOT

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOT = ROOT / "docs" / "screenshot.png"
SCREENSHOTS = ROOT / "docs" / "screenshots"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WIDTHS = {"desktop": {"width": 1366, "height": 900}, "mobile": {"width": 390, "height": 844}}

# (name, URL path) of every page the tour opens; another view adds its own entry here
PAGES = [
    ("home", "/"),
    ("search", "/?q=Islamic+State"),
    ("filtered", "/?q=Islamic+State&country=Iraq"),
    ("expanded-facet", "/?expand=country&q_facet=a"),
    ("excluded", "/?not_country=Iraq"),
    ("document", "/doc/daesh-iraq.html?q=Islamic+State"),
    ("warc-document", "/doc/https://news.example/nairobi"),
    ("long-lines", "/doc/https://news.example/" + "longpath" * 40),
    ("long-lines-search", "/?q=Mogadishu"),
    ("analysis", "/analysis?q=Islamic+State"),
    ("no-hits", "/?q=Talibam&country=Kenya"),
    ("error", "/?q=ISIS&country=Iraqq"),
    ("not-found", "/doc/no-such-page.txt"),
]

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


def open_page(browser, javascript: bool = True, viewport: dict | None = None, bypass_csp: bool = False):
    # bypass_csp: only for axe, whose script is injected inline (the app's CSP rightly refuses that)
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900}, java_script_enabled=javascript,
                                  bypass_csp=bypass_csp)
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


# ----------------------------------------------------------------------------- the tour: every page, both widths

@pytest.fixture(scope="module")
def tour(tmp_path_factory):
    """The app over the fixture corpus and a small web archive (a WARC capture's page is on the tour)."""
    from werkzeug.serving import make_server

    from searchlib.store.indexing import build_index
    from searchlib.web.app import create_app

    sources = [str(FIXTURES)]
    try:
        from ..derive.test_warc import write_warc
    except pytest.skip.Exception:  # no warcio: the tour goes on without the capture
        write_warc = None
    if write_warc is not None:
        crawl = tmp_path_factory.mktemp("crawl")
        from ..derive.test_warc import PAGES as CAPTURES

        # a capture whose URL and words are longer than any line: they must wrap or scroll in their card
        token = "Mogadishu" + "0123456789" * 25
        long_page = {"https://news.example/" + "longpath" * 40: (
            "Attack in Mogadishu " + token, "2019-03-01",
            f"Al-Shabaab claimed the attack in Mogadishu, Somalia, officials said; the report {token} followed.")}
        write_warc(crawl / "crawl.warc.gz", pages={**CAPTURES, **long_page})
        sources.append(str(crawl))
    index_dir = tmp_path_factory.mktemp("tour-index")
    build_index(sources, str(index_dir), jobs=1)
    srv = make_server("127.0.0.1", 0, create_app(str(index_dir), replay_url="https://replay.example/{timestamp}/{url}"),
                      threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}", write_warc is not None
    srv.shutdown()
    srv.server_close()
    thread.join(timeout=10)


# the pictures docs/serve.md shows (docs/screenshot-NAME-WIDTH.png); the others stay in docs/screenshots/
KEPT = {("search", "desktop"), ("search", "mobile"), ("warc-document", "desktop"), ("no-hits", "mobile"),
        ("error", "mobile"), ("expanded-facet", "desktop")}


def take_screenshot(page, name: str, width: str) -> None:
    """Only with SEARCHLIB_SCREENSHOT=1: a test run leaves the working tree as it found it."""
    if os.environ.get("SEARCHLIB_SCREENSHOT") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"{name}-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    if (name, width) in KEPT:
        shutil.copyfile(shot, ROOT / "docs" / f"screenshot-{name}-{width}.png")


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical violations of the page (WCAG 2.x A and AA rules, best practices)."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate("""async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
        .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}))""")
    return [v for v in found if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("name,path", PAGES, ids=[name for name, _ in PAGES])
def test_every_page_fits_its_width_and_passes_axe(tour, browser, name, path, width):
    base, has_warc = tour
    if name in ("warc-document", "long-lines", "long-lines-search") and not has_warc:
        pytest.skip("warcio is not installed: no web archive in the tour")
    context, page, problems = open_page(browser, viewport=WIDTHS[width], bypass_csp=True)
    try:
        response = page.goto(base + path)
        assert response.status == {"error": 400, "not-found": 404}.get(name, 200)
        sizes = page.evaluate("({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
        assert sizes["scroll"] <= sizes["inner"], f"{path} scrolls sideways at {width}: {sizes}"
        take_screenshot(page, name, width)
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")  # check the facets too
        sizes = page.evaluate("({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
        assert sizes["scroll"] <= sizes["inner"], f"{path} with its facets open scrolls sideways at {width}: {sizes}"
        violations = axe_violations(page)
        assert violations == [], json.dumps(violations, indent=1)
        # an error page's own status shows as a console line; nothing else may
        assert [p for p in problems if not p.startswith("Failed to load resource")] == []
    finally:
        context.close()


def test_phone_shows_results_first_with_facets_folded(tour, browser):
    base, _ = tour
    context, page, problems = open_page(browser, viewport=WIDTHS["mobile"])
    try:
        page.goto(base + "/?q=Islamic+State")
        assert not page.locator("#facet-country").is_visible()  # folded
        toggle = page.locator("details.limit > summary")
        assert toggle.is_visible() and toggle.inner_text().startswith("Limit your search")
        first = page.locator("ol.hits .hit").first.bounding_box()
        assert first["y"] < WIDTHS["mobile"]["height"]  # the first result is on the first screen
        toggle.click()
        assert page.locator("#facet-country").is_visible()
        page.locator("#facet-country a.facet-link", has_text="Iraq").click()
        page.wait_for_url("**country=Iraq*")
        assert "(2 selected)" in page.locator("details.limit > summary").inner_text()  # the query and Iraq
        assert problems == []
    finally:
        context.close()


def test_phone_folds_facets_without_javascript_and_desktop_shows_them(tour, browser):
    base, _ = tour
    for javascript in (False, True):
        context, page, _problems = open_page(browser, javascript=javascript, viewport=WIDTHS["mobile"])
        try:
            page.goto(base + "/")
            assert not page.locator("#facet-country").is_visible()
            page.locator("details.limit > summary").click()  # <details>: no script needed
            assert page.locator("#facet-country").is_visible()
        finally:
            context.close()
        context, page, _problems = open_page(browser, javascript=javascript, viewport=WIDTHS["desktop"])
        try:
            page.goto(base + "/")
            assert page.locator("#facet-country").is_visible()
            assert not page.locator("details.limit > summary").is_visible()
        finally:
            context.close()


def test_timeline_labels_stay_readable_on_a_phone(tour, browser):
    base, _ = tour
    context, page, _problems = open_page(browser, viewport=WIDTHS["mobile"])
    try:
        page.goto(base + "/")
        chart = page.locator("figure.timeline svg.chart:visible")
        assert chart.count() == 1
        label = chart.locator(".axis-label").first.bounding_box()
        assert label["height"] >= 9  # about 12 px text, not a 1000-unit drawing shrunk to 390 px
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()


def test_suggestion_links_lead_to_hits_and_keep_the_filters(tour, browser):
    base, _ = tour
    context, page, problems = open_page(browser)
    try:
        page.goto(base + "/?q=Talibam&country=AF")
        assert page.locator("ol.hits .hit").count() == 0
        page.locator(".empty .did-you-mean a", has_text="taliban").click()
        page.wait_for_url("**q=taliban*")
        assert "country=AF" in page.url and page.locator("ol.hits .hit").count() >= 1
        page.goto(base + "/?q=Taliban&country=Kenya")
        page.locator(".empty .drops a", has_text="without country").click()
        page.wait_for_url(lambda url: "country=" not in url)
        assert page.locator("ol.hits .hit").count() == 2
        page.goto(base + "/?q=ISIS&country=Iraqq")  # a 400 page: its status shows as a console line
        page.locator(".did-you-mean a", has_text="Iraq").first.click()
        page.wait_for_url("**country=Iraq")
        assert page.locator("ol.hits .hit").count() >= 1
        assert [p for p in problems if not p.startswith("Failed to load resource")] == []
    finally:
        context.close()


def test_facet_filter_box_narrows_the_list_as_one_types(tour, browser):
    base, _ = tour
    context, page, problems = open_page(browser)
    try:
        page.goto(base + "/?expand=country")
        everything = page.locator("#facet-country .facet-values li:visible").count()
        page.fill("#q-facet-country", "ira")
        assert page.locator("#facet-country .facet-values li:visible").all_inner_texts()[0].startswith("Iraq")
        assert page.locator("#facet-country .facet-values li:visible").count() < everything
        page.fill("#q-facet-country", "zzzz")
        assert page.locator("#facet-country .facet-none").is_visible()
        assert problems == []
    finally:
        context.close()


def test_not_control_leaves_a_value_out(tour, browser):
    base, _ = tour
    context, page, problems = open_page(browser)
    try:
        page.goto(base + "/?q=Islamic+State")
        before = page.locator("ol.hits .hit").count()
        page.locator("#facet-country a.facet-not[title='Leave out pages with Iraq']").click()
        page.wait_for_url("**not_country=Iraq*")
        assert 0 < page.locator("ol.hits .hit").count() < before
        assert page.locator(".chips .chip-not", has_text="Iraq").count() == 1
        assert problems == []
    finally:
        context.close()


def test_exports_hold_every_hit_of_the_search(tour, browser):
    base, _ = tour
    context, page, _problems = open_page(browser)
    try:
        for search in ("/", "/?q=Islamic+State", "/?not_country=Iraq"):
            page.goto(base + search)
            total = int(page.locator(".total strong").inner_text())
            for fmt, header in (("jsonl", 0), ("csv", 1)):
                href = page.locator(".export a", has_text=fmt.upper()).get_attribute("href")
                body = page.request.get(base + href).text()
                assert len(body.splitlines()) == total + header, (search, fmt)
    finally:
        context.close()
