"""`searchlib serve`: every route and parameter through Flask's test client.

The app is a view over the library: the page, /api/search and the exports must agree with
``Searcher.search`` for the same request, escape every value that comes from a document, send
the Content-Security-Policy on every response, and answer a bad parameter with a one-line
message and status 400 (a missing index: 503), never a traceback.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import socket
import subprocess
import sys
import threading

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchlib.query import rendering
from searchlib.web import app as serving
from searchlib.query.searching import SearchRequest, Searcher

from ..conftest import FIXTURES

flask = pytest.importorskip("flask")

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'")
STORIES = ["isisk-kabul.txt", "wire-copy", "isis-only-syria.txt", "daesh-iraq.html", "boilerplate-heavy.txt",
           "shabaab-kenya.html", "no-date.txt"]  # newest first, undated last; the wire copies are one story
EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def app(built_index):
    return serving.create_app(built_index)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def all_keys(built_index) -> list[str]:
    """Browse order as the library gives it (one hit per story where it collapses near-duplicates)."""
    return [h.key for h in library(built_index, query="*", limit=100).hits]


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def hit_keys(response) -> list[str]:
    """Document keys of the result list, in order (from the links to /doc/<key>)."""
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    out = []
    for a in soup(response).select("ol.hits .hit-title a"):
        out.append(a["href"].split("?", 1)[0].removeprefix("/doc/"))
    return out


def total(response) -> int:
    return int(soup(response).select_one(".total strong").get_text())


def same_result(got: dict, expected: dict) -> bool:
    """Equal, except that a highlighted snippet may be another fragment of the same matches.

    Whoosh breaks ties between equally scored fragments by object id (``Fragment.__lt__``), so two
    identical searches can pick different fragments. Snippets of browse results are the text's start.
    """
    def strip(d: dict) -> dict:
        hits = [{**h, "snippet": "**" in h["snippet"] or h["snippet"]} for h in d.get("hits", [])]
        return {**{k: v for k, v in d.items() if k != "next"}, "hits": hits}  # next: the web API's own

    return strip(got) == strip(expected)


def library(index_dir: str, **kwargs):
    with Searcher(index_dir) as s:
        return s.search(SearchRequest(**kwargs))


# ----------------------------------------------------------------------------- the search page

def stories(keys: list[str]) -> list[str]:
    out = []
    for key in keys:
        story = "wire-copy" if key.startswith("wire-copy") else key
        if story not in out:
            out.append(story)
    return out


def test_browse_shows_everything_newest_first(client, all_keys):
    r = client.get("/")
    assert r.status_code == 200 and r.mimetype == "text/html"
    assert hit_keys(r) == all_keys and total(r) == len(all_keys)
    assert stories(all_keys) == STORIES
    page = soup(r)
    assert page.select_one("ol.hits").get_text().count("no date stated") == 1
    assert page.select_one("#q")["value"] == ""
    assert not page.select(".chips")  # nothing selected yet


def test_query_highlights_matches_escaped_then_marked(client):
    r = client.get("/?q=ISIS-K")
    assert hit_keys(r) == ["isisk-kabul.txt"]
    marks = [m.get_text() for m in soup(r).select(".snippet mark")]
    assert marks and set(marks) == {"ISIS-K"}
    assert soup(r).select_one("#q")["value"] == "ISIS-K"


def test_highlight_filter_escapes_before_marking():
    out = serving.highlight("a <b>bold</b> & **word** then **<i>x</i>**")
    assert str(out) == "a &lt;b&gt;bold&lt;/b&gt; &amp; <mark>word</mark> then <mark>&lt;i&gt;x&lt;/i&gt;</mark>"
    assert str(serving.highlight(None)) == ""


def test_alias_aware_query_behaves_as_the_cli(client, built_index):
    r = client.get("/?q=Daesh")
    assert hit_keys(r) == [h.key for h in library(built_index, query="Daesh", limit=100).hits]
    assert "daesh-iraq.html" in hit_keys(r)


@pytest.mark.parametrize("query,expected", [
    ("group=ISIL", {"isisk-kabul.txt", "isis-only-syria.txt", "daesh-iraq.html"}),  # alias; affiliates included
    ("group=al-Shabaab", {"shabaab-kenya.html"}),
    ("country=AF", {"isisk-kabul.txt", "wire-copy"}),
    ("country=Kenya&country=Nigeria", {"shabaab-kenya.html", "boilerplate-heavy.txt"}),  # repeated: OR
    ("official=Biden", {"isisk-kabul.txt"}),
    ("official=Secretary+of+State", {"wire-copy"}),
    ("from=2020&to=2020-12", {"wire-copy"}),
    ("from=2021-08-27", {"isisk-kabul.txt"}),
    ("to=2013", {"shabaab-kenya.html"}),
    ("q=Taliban&country=Qatar", {"wire-copy"}),  # different filters: AND
    ("group=Taliban&country=Afghanistan&from=2021", {"isisk-kabul.txt"}),
])
def test_each_filter_parameter(client, built_index, query, expected):
    r = client.get("/?" + query)
    assert set(stories(hit_keys(r))) == expected
    state = serving.State.from_args(flask.Request.from_values(query_string=query).args)
    with Searcher(built_index) as s:
        assert hit_keys(r) == [h.key for h in s.search(state.request(100)).hits]


OUTLETS = {"Capital Wire Review": "wire-copy-b.txt", "The Lagos Observer": "boilerplate-heavy.txt"}  # the fixtures'


def test_source_filter_where_the_library_has_it(client, built_index):
    assert serving.filter_params()["source"] == "sources"
    facet = library(built_index, query="*", facets=True).facets["source"]
    assert {c.value: c.count for c in facet} == dict.fromkeys(OUTLETS, 1)
    for outlet, key in OUTLETS.items():
        r = client.get("/", query_string={"source": outlet})
        assert hit_keys(r) == [h.key for h in library(built_index, sources=(outlet,), limit=100).hits] == [key]


def test_sort_parameter(client, built_index):
    relevance = hit_keys(client.get("/?q=Taliban"))
    by_date = hit_keys(client.get("/?q=Taliban&sort=date"))
    assert relevance == [h.key for h in library(built_index, query="Taliban", limit=100).hits]
    assert by_date == [h.key for h in library(built_index, query="Taliban", sort="date", limit=100).hits]
    assert by_date[0] == "isisk-kabul.txt"
    page = soup(client.get("/?q=Taliban&sort=date"))
    assert page.select_one(".sort strong").get_text() == "newest first"
    assert page.select_one(".sort a")["href"] == "/?q=Taliban&sort=relevance"
    assert client.get("/?q=Taliban&sort=relevance").status_code == 200


def test_pagination(client, monkeypatch, all_keys):
    monkeypatch.setattr(serving, "PER_PAGE", 3)
    assert hit_keys(client.get("/")) == all_keys[:3]
    r = client.get("/?page=2")
    assert hit_keys(r) == all_keys[3:6]
    page = soup(r)
    assert page.select_one("ol.hits")["start"] == "4"
    nav = page.select_one("nav.pagination")
    assert nav.select_one("a[rel=prev]")["href"] == "/"
    assert nav.select_one("a[rel=next]")["href"] == "/?page=3"
    assert nav.select_one(".current").get_text() == "2"
    assert hit_keys(client.get("/?page=3")) == all_keys[6:9]
    past = client.get("/?page=9")
    assert past.status_code == 200 and hit_keys(past) == []
    assert "results end on page 3" in past.get_data(as_text=True)
    # a filter link always goes back to page 1, and the page keeps the other parameters
    r = client.get("/?country=US&page=2")
    assert len(hit_keys(r)) == total(r) - 3
    assert all("page=" not in a["href"] for a in soup(r).select("#facet-group a.facet-link"))


def test_facets_with_counts_nested_groups_and_toggle_links(client):
    page = soup(client.get("/"))
    groups = page.select_one("#facet-group")
    parent = [li for li in groups.select("ul.facet-values > li") if li.select_one(".facet-label").get_text(strip=True)
              == "Islamic State"][0]
    child = parent.select_one("ul.facet-children li")
    assert child.select_one(".facet-label").get_text(strip=True) == "ISIS-K"
    assert child.select_one(".count").get_text() == "1"
    assert child.select_one("a")["href"] == "/?group=ISIS-K"
    countries = {a.select_one(".facet-label").get_text(strip=True): (a.select_one(".count").get_text(), a["href"])
                 for a in page.select("#facet-country a.facet-link")}
    assert countries["United States"][1] == "/?country=United+States"
    assert countries["Iraq"] == ("2", "/?country=Iraq")
    years = {a.select_one(".facet-label").get_text(strip=True): a["href"] for a in page.select("#facet-year a")}
    assert years["2021"] == "/?from=2021&to=2021"
    officials = page.select("#facet-official a.facet-link")
    biden = [a for a in officials if "Joe Biden" in a.get_text()]
    assert not biden or biden[0]["href"] == "/?official=Joe+Biden"
    assert any(a.select_one(".facet-note") for a in officials)  # officials with their roles

    # selected (even when given as an alias): marked, and the link removes it
    selected = soup(client.get("/?q=Taliban&country=AF"))
    li = selected.select_one("#facet-country li.selected")
    assert li.select_one(".facet-label").get_text(strip=True).endswith("Afghanistan")
    assert li.select_one("a")["href"] == "/?q=Taliban"
    qatar = [a for a in selected.select("#facet-country a.facet-link") if "Qatar" in a.get_text()][0]
    assert qatar["href"] == "/?q=Taliban&country=AF&country=Qatar"
    year = soup(client.get("/?from=2020&to=2020")).select_one("#facet-year li.selected a")
    assert year["href"] == "/"


def test_facet_counts_are_for_the_current_results(client, built_index):
    page = soup(client.get("/?q=Islamic+State"))
    shown = {a.select_one(".facet-label").get_text(strip=True): a.select_one(".count").get_text()
             for a in page.select("#facet-country a.facet-link")}
    result = library(built_index, query="Islamic State", facets=True)
    assert shown == {c.value: str(c.count) for c in result.facets["country"]}


def test_expand_parameter_lists_every_value_of_a_facet(client):
    short = soup(client.get("/"))
    official_links = short.select("#facet-official ul.facet-values > li")
    assert len(official_links) == serving.FACET_SHOWN
    more = short.select_one("#facet-official .facet-more")
    assert more["href"] == "/?expand=official" and "more" in more.get_text()
    full = soup(client.get("/?expand=official"))
    assert len(full.select("#facet-official ul.facet-values > li")) > serving.FACET_SHOWN
    assert full.select_one("#facet-official .facet-more")["href"] == "/"
    both = soup(client.get("/?expand=official&expand=country"))
    assert len(both.select("#facet-official ul.facet-values > li")) > serving.FACET_SHOWN


def test_all_parameter_lists_every_copy_of_a_story(client, built_index):
    assert "all" in serving.request_fields()
    collapsed = client.get("/?q=Taliban")
    every = client.get("/?q=Taliban&all=1")
    assert hit_keys(collapsed) == [h.key for h in library(built_index, query="Taliban", limit=100).hits]
    assert hit_keys(every) == [h.key for h in library(built_index, query="Taliban", limit=100, all=True).hits]
    wire = {"wire-copy-a.txt", "wire-copy-b.txt"}  # the fixtures' one syndicated story, in two copies
    assert sorted(hit_keys(every)) == sorted({"isisk-kabul.txt", *wire})
    assert len(wire & set(hit_keys(collapsed))) == 1 and len(hit_keys(collapsed)) == 2
    link = soup(collapsed).select_one(".dupes a")
    assert link.get_text() == "+1 duplicate" and link["href"] == "/?q=Taliban&all=1"
    chips = [c for c in soup(every).select("a.chip") if "every copy" in c.get_text()]
    assert [c["href"] for c in chips] == ["/?q=Taliban"]
    assert hit_keys(client.get("/?q=Taliban&all=0")) == hit_keys(collapsed)


def test_chips_remove_one_filter_each(client):
    page = soup(client.get("/?q=Taliban&country=AF&group=Taliban&from=2020-02&to=2020-02"))
    chips = {c.select_one(".chip-kind").get_text(): c for c in page.select(".chips a.chip")}
    assert set(chips) == {"Query", "Country", "Group", "Date"}
    assert "Afghanistan (AF)" in chips["Country"].get_text()
    assert chips["Country"]["href"] == "/?q=Taliban&group=Taliban&from=2020-02&to=2020-02"
    assert chips["Query"]["href"] == "/?group=Taliban&country=AF&from=2020-02&to=2020-02"
    assert chips["Date"]["href"] == "/?q=Taliban&group=Taliban&country=AF"
    assert page.select_one(".chips .clear-all")["href"] == "/"
    one_sided = {c.select_one(".chip-kind").get_text(): c["href"]
                 for c in soup(client.get("/?from=2014&to=2020")).select("a.chip")}
    assert one_sided == {"From": "/?to=2020", "To": "/?from=2014"}


def test_a_crawl_date_range_shows_as_chips_that_remove_it(client):
    page = soup(client.get("/?q=Taliban&crawled_from=2019&crawled_to=2021-06"))
    chips = {c.select_one(".chip-kind").get_text(): c["href"] for c in page.select(".chips a.chip")}
    assert chips["Crawled from"] == "/?q=Taliban&crawled_to=2021-06"
    assert chips["Crawled to"] == "/?q=Taliban&crawled_from=2019"


def test_timeline_counts_every_match_per_period_and_narrows(client, monkeypatch):
    monkeypatch.setattr(serving, "PER_PAGE", 2)  # the timeline reads every match, not just the page shown
    page = soup(client.get("/"))
    bars = {a["data-period"]: a for a in page.select("svg.timeline-chart a.bar-link")}
    # 2013 to 2021: over six years, so a bar per year (settings.TIMELINE_YEAR_SPAN)
    assert set(bars) == {"2013", "2014", "2017", "2019", "2020", "2021"}
    assert bars["2020"]["href"] == "/?from=2020&to=2020"
    assert bars["2021"].select_one("title").get_text().startswith("2021: 1 match")
    assert "1 without a stated date" in page.select_one(".timeline figcaption").get_text()
    narrowed = client.get(bars["2020"]["href"])
    assert set(stories(hit_keys(narrowed))) == {"wire-copy"}
    # within weeks, a bar per day (tests/web/test_analysis_page.py checks the charts themselves)
    days = [a["data-period"] for a in soup(narrowed).select("svg.timeline-chart a.bar-link")]
    assert days and all(day.startswith("2020-02-") for day in days)


def test_search_form_keeps_filters(client):
    page = soup(client.get("/?q=x&country=Iraq&from=2017&sort=date&page=1"))
    hidden = [(i["name"], i["value"]) for i in page.select("form.searchbox input[type=hidden]")]
    assert hidden == [("country", "Iraq"), ("from", "2017"), ("sort", "date")]
    dates = [(i["name"], i["value"]) for i in page.select("form.daterange input[type=hidden]")]
    assert dates == [("q", "x"), ("country", "Iraq"), ("sort", "date")]


# ----------------------------------------------------------------------------- the document page

def test_document_page(client):
    r = client.get("/doc/isisk-kabul.txt")
    assert r.status_code == 200
    page = soup(r)
    assert page.select_one("h1").get_text() == "ISIS-K claims deadly bombing outside Kabul airport"
    text = page.select_one(".doc-text").get_text()
    assert "Hamid Karzai International Airport" in text and len(page.select(".doc-text p")) >= 3
    rows = {tr.select_one(".tag").get_text(): tr for tr in page.select("table.evidence tbody tr")}
    assert {"ISIS-K", "Taliban", "Afghanistan", "United States", "Joe Biden", "2021-08-27"} <= set(rows)
    assert "hunt down those responsible" in rows["Joe Biden"].get_text()
    assert "President" in rows["Joe Biden"].select_one(".note").get_text()
    assert rows["Afghanistan"].select_one("a")["href"] == "/?country=Afghanistan"
    provenance = page.select_one(".provenance").get_text()
    with Searcher(client.application.config["SEARCHLIB_INDEX"]) as s:
        rec = s.document("isisk-kabul.txt")
    assert rec["sha256"] in provenance and rec["indexed_at"] in provenance and "isisk-kabul.txt" in provenance
    assert page.select_one(".back a")["href"] == "/"


def test_document_page_links_back_to_the_same_search(client):
    results = soup(client.get("/?q=Taliban&country=AF&sort=date"))
    link = results.select_one("ol.hits .hit-title a")["href"]
    assert link.startswith("/doc/") and "q=Taliban" in link and "country=AF" in link
    doc = soup(client.get(link))
    assert doc.select_one(".back a")["href"] == "/?q=Taliban&country=AF&sort=date"
    # junk in the carried state never breaks the page
    assert client.get("/doc/isisk-kabul.txt?page=zero&sort=nope").status_code == 200


def test_unknown_document_is_404_and_no_file_is_ever_read(client):
    for url in ("/doc/nope.txt", "/doc/../../../etc/passwd", "/doc/%2e%2e/%2e%2e/etc/passwd", "/doc/"):
        r = client.get(url)
        assert r.status_code == 404, url
        assert "root:" not in r.get_data(as_text=True)
        assert r.headers["Content-Security-Policy"] == CSP


# ----------------------------------------------------------------------------- escaping

@pytest.fixture(scope="module")
def evil_index(tmp_path_factory):
    from searchlib.store.indexing import build_index

    pages = tmp_path_factory.mktemp("evil-pages")
    (pages / "evil.txt").write_text(
        f"{EVIL}\nBy Jo <img src=x onerror=alert(2)> Writer\n\n"
        "Militants of the Taliban attacked a checkpoint in Kandahar, Afghanistan, on Monday, officials said, and "
        "the fighting <b onmouseover=alert(3)>went on</b> for several hours before the attackers withdrew.\n"
        "The governor said that security forces had pushed them back and that the road was open again.\n",
        encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("evil-index")
    report = build_index([str(pages)], str(index_dir), jobs=1)
    assert report.added == 1, report.failed
    return str(index_dir)


def test_document_values_are_escaped_everywhere(evil_index):
    client = serving.create_app(evil_index).test_client()
    for url in ("/", "/?q=Taliban", "/?q=fighting", "/doc/evil.txt", f"/?q={EVIL}"):
        r = client.get(url, query_string=None)
        body = r.get_data(as_text=True)
        assert EVIL not in body, url
        assert "<img src=x" not in body and "<b onmouseover" not in body, url
        assert r.headers["Content-Security-Policy"] == CSP
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/?q=Taliban").get_data(as_text=True)
    page = soup(client.get("/doc/evil.txt"))
    assert page.select_one("h1").get_text() == EVIL
    assert not page.select("script:not([src])") and not page.select("img")
    # the snippet is escaped first, then its matches are marked
    snippet = soup(client.get("/?q=fighting")).select_one(".snippet")
    assert snippet.select_one("mark").get_text() == "fighting" and not snippet.select("b")
    # a query reflected into the page stays text
    r = client.get("/", query_string={"q": EVIL})
    assert soup(r).select_one("#q")["value"] == EVIL and EVIL not in r.get_data(as_text=True)


def test_no_inline_script_or_style_in_any_page(client):
    for url in ("/", "/?q=Taliban&country=AF", "/?expand=group", "/doc/isisk-kabul.txt", "/?from=2021-13", "/nope"):
        page = soup(client.get(url))
        assert not page.select("style") and not page.select("[style]"), url
        scripts = page.select("script")
        assert scripts and all(s.get("src", "").startswith("/static/") and not s.get_text().strip() for s in scripts)
        handlers = [a for tag in page.find_all(True) for a in tag.attrs if a.lower().startswith("on")]
        assert handlers == [], url
        for link in page.select("link[href], script[src]"):
            ref = link.get("href") or link.get("src")
            assert ref.startswith("/static/") or ref.startswith("data:"), ref  # no CDN, no remote fonts


# ----------------------------------------------------------------------------- errors

@pytest.mark.parametrize("query,needle", [
    ("from=2021-13", "2021-13"),
    ("to=yesterday", "yesterday"),
    ("from=2021-02-30", "no such day"),
    ("from=2022&to=2021", "after"),
    ("country=Afghanstn", "Afghanistan"),  # "Afganistan" is Spanish and Turkish
    ("group=Talibn", "Taliban"),
    ("official=Nobody+Atall", "Nobody Atall"),
    ("q=%22unclosed", "Unbalanced quote"),
    ("q=nosuchfield:x", "nosuchfield"),
    ("q=(a", "parentheses"),
    ("sort=sideways", "sideways"),
    ("page=0", "page"),
    ("page=two", "two"),
    ("expand=colour", "colour"),
    ("all=maybe", "maybe"),
])
def test_bad_parameters_are_400_with_one_line_and_no_traceback(client, query, needle):
    for route in ("/", "/export.csv", "/export.jsonl", "/api/search"):
        r = client.get(f"{route}?{query}")
        body = r.get_data(as_text=True)
        assert r.status_code == 400, (route, query, body[:500])
        assert needle in body and "Traceback" not in body and 'File "' not in body
        assert r.headers["Content-Security-Policy"] == CSP
        if route == "/":
            message = soup(r).select_one(".error-message").get_text()
            fixes = soup(r).select_one(".did-you-mean")  # close values: links after the message
            assert needle in message + (fixes.get_text() if fixes else "") and "\n" not in message.strip()
        elif route == "/api/search":
            assert list(r.get_json()) == ["error"] and needle in r.get_json()["error"]
        else:
            assert body.startswith("Error: ") and len(body.strip().splitlines()) == 1


def test_bad_api_limit_is_400(client):
    for value in ("-1", "ten", "100001"):
        r = client.get(f"/api/search?q=Taliban&limit={value}")
        assert r.status_code == 400 and "limit" in r.get_json()["error"]


@pytest.mark.parametrize("value", ["\u00b2", "\u00b9\u2070", "\u0663", "\uff15", "+5", "5_0",
                                   pytest.param("9" * 5000, id="5000-digits")])
def test_unicode_digit_limit_and_page_are_400_not_500(client, value):
    """``"\u00b2".isdigit()`` is true and ``int("\u00b2")`` fails; ``int`` takes "+5", "5_0" and Arabic-Indic digits."""
    for route, param in (("/api/search", "limit"), ("/api/search", "page"), ("/", "page"), ("/export.csv", "page")):
        r = client.get(route, query_string={param: value})
        assert r.status_code == 400, (route, param, value, r.status_code)
        assert param in r.get_data(as_text=True) and r.headers["Content-Security-Policy"] == CSP
    assert client.get("/api/search?limit=0").status_code == 200 and client.get("/?page=1").status_code == 200


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["q", "page", "limit", "sort", "from", "to", "country", "group", "official", "expand", "all",
                        "facets"]), st.text(max_size=12))
def test_no_parameter_value_is_a_500(client, param, value):
    for route in ("/api/search", "/"):
        r = client.get(route, query_string={param: value})
        assert r.status_code in (200, 400), (route, param, value, r.status_code)
        assert has_security_headers(r.headers)


def test_missing_index_is_503_saying_how_to_build_it_then_recovers(tmp_path, all_keys):
    from searchlib.store.indexing import build_index

    index_dir = tmp_path / "index"
    client = serving.create_app(str(index_dir)).test_client()
    r = client.get("/")
    assert r.status_code == 503
    page = soup(r)
    assert "No index" in page.select_one(".error-message").get_text()
    assert "searchlib index PATH-TO-PAGES --index INDEX" in page.select_one("pre.command").get_text()
    assert str(tmp_path) not in r.get_data(as_text=True)  # no page says where the server keeps its files
    assert r.headers["Content-Security-Policy"] == CSP
    api = client.get("/api/search?q=x")
    assert api.status_code == 503 and "searchlib index" in api.get_json()["error"]
    assert client.get("/export.csv").status_code == 503
    assert client.get("/doc/isisk-kabul.txt").status_code == 503
    build_index([str(FIXTURES)], str(index_dir), jobs=1)
    assert hit_keys(client.get("/")) == all_keys


def test_damaged_index_is_503(tmp_path):
    (tmp_path / "CURRENT").write_text("gen-000042\n", encoding="utf-8")
    r = serving.create_app(str(tmp_path)).test_client().get("/")
    assert r.status_code == 503 and "damaged" in r.get_data(as_text=True)


def test_unexpected_error_is_500_without_traceback(app, client, monkeypatch, caplog):
    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(serving, "facet_panels", boom)
    r = client.get("/")
    body = r.get_data(as_text=True)
    assert r.status_code == 500 and "secret internals" not in body and "Traceback" not in body
    assert r.headers["Content-Security-Policy"] == CSP


def test_read_only_and_unknown_routes(client):
    for method in ("post", "put", "delete"):
        r = getattr(client, method)("/")
        assert r.status_code == 405 and "GET" in r.headers["Allow"]
        assert r.headers["Content-Security-Policy"] == CSP
    assert client.post("/api/search").status_code == 405
    r = client.get("/admin")
    assert r.status_code == 404 and r.headers["Content-Security-Policy"] == CSP


ROUTES = ("/", "/?q=Taliban", "/api/search", "/export.csv", "/export.jsonl", "/doc/isisk-kabul.txt", "/static/style.css")


def test_options_is_405_with_allow_get_head(client):
    """Read-only: OPTIONS is not answered with 200 (Flask's automatic OPTIONS) any more than POST is."""
    for url in ROUTES:
        r = client.options(url)
        assert r.status_code == 405 and r.headers["Allow"] == "GET, HEAD", (url, r.status_code, r.headers.get("Allow"))
        assert has_security_headers(r.headers)
    assert client.options("/nope").status_code == 404


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "TRACE", "PROPFIND"])
def test_every_405_names_the_methods_the_route_takes(client, method):
    for url in ROUTES:
        r = client.open(url, method=method)
        body = r.get_data(as_text=True)
        assert r.status_code == 405 and r.headers.get("Allow") == "GET, HEAD", (method, url, r.headers.get("Allow"))
        assert has_security_headers(r.headers) and "Traceback" not in body
        if url.startswith("/api/"):
            assert list(r.get_json()) == ["error"]
        elif url.startswith("/export."):
            assert body.startswith("Error: ") and len(body.splitlines()) == 1
    for url in ("/", "/static/app.js"):
        with client.head(url) as r:
            assert r.status_code == 200


def test_static_files_and_nothing_outside_them(client):
    css = client.get("/static/style.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert css.headers["Content-Security-Policy"] == CSP
    assert "@import" not in css.get_data(as_text=True) and "url(http" not in css.get_data(as_text=True)
    js = client.get("/static/app.js")
    assert js.status_code == 200 and "http" not in js.get_data(as_text=True)
    css.close()
    js.close()
    for url in ("/static/../serving.py", "/static/%2e%2e/serving.py", "/static/..%2fserving.py",
                "/static/../../setup.cfg", "/static//etc/passwd", "/serving.py", "/templates/base.html"):
        r = client.get(url, follow_redirects=True)  # werkzeug first redirects // to /
        assert r.status_code == 404, url
        assert "import" not in r.get_data(as_text=True)


def test_csp_and_security_headers_on_every_route(client):
    for url in ("/", "/?q=Taliban", "/doc/isisk-kabul.txt", "/api/search?q=Taliban", "/export.csv",
                "/export.jsonl", "/static/style.css", "/?from=bad", "/nope"):
        r = client.get(url)
        assert r.headers["Content-Security-Policy"] == CSP, url
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["X-Frame-Options"] == "DENY"
        r.close()


SECURITY = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
            "Referrer-Policy": "same-origin"}


def has_security_headers(headers) -> bool:
    return all(headers.get(name) == value for name, value in SECURITY.items())


def test_a_failing_error_page_is_still_a_500_with_the_security_headers(built_index, caplog):
    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    app = serving.create_app(built_index)
    app.jinja_env.globals["url_for"] = boom  # every page fails, the 500 page too
    r = app.test_client().get("/")
    body = r.get_data(as_text=True)
    assert r.status_code == 500 and has_security_headers(r.headers)
    assert body.startswith("Error: ") and len(body.splitlines()) == 1 and "secret internals" not in body
    assert "secret internals" in caplog.text  # the details go to the log


@pytest.fixture
def live_server(app):
    """The app behind werkzeug's server as ``searchlib serve`` runs it, on a free port."""
    from werkzeug.serving import make_server

    srv = make_server("127.0.0.1", 0, app, threaded=True, request_handler=serving.request_handler())
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv.server_port
    srv.shutdown()
    srv.server_close()


def raw_request(port: int, data: bytes) -> tuple[int, dict[str, str], str]:
    """Send ``data`` as it is; the status, headers and body of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(data)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    assert status.startswith("HTTP/1."), status  # not an HTTP/0.9 answer, which has no headers
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip()] = value.strip()
    return int(status.split()[1]), headers, body.decode("utf-8", "replace")


@pytest.mark.parametrize("request_line,status", [(b"GARBAGE", 400), (b"GET /" + b"a" * 70000 + b" HTTP/1.1", 414),
                                                 (b"GET / HTTP/9.9", 505), (b"GET /", 505)],
                         ids=["garbage", "over-long-line", "http-9.9", "http-0.9"])
def test_werkzeugs_own_errors_carry_the_security_headers(live_server, request_line, status):
    code, headers, body = raw_request(live_server, request_line + b"\r\nHost: localhost\r\n\r\n")
    assert code == status and has_security_headers(headers), headers
    assert body.startswith("Error: ") and len(body.splitlines()) == 1
    code, headers, _body = raw_request(live_server, b"GET /?q=Taliban HTTP/1.1\r\nHost: localhost\r\n"
                                                    b"Connection: close\r\n\r\n")
    assert code == 200 and has_security_headers(headers)


# ----------------------------------------------------------------------------- Host names

def refused(r, needle: str) -> bool:
    body = r.get_data(as_text=True)
    return (r.status_code == 400 and has_security_headers(r.headers) and body.startswith("Error: ")
            and len(body.splitlines()) == 1 and needle in body and "Taliban" not in body)


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8080", "localhost.evil.example", "127.0.0.1.nip.io",
                                  "10.0.0.1"])
def test_dns_rebinding_host_header_is_refused(client, host):
    """A page of evil.example whose name now resolves to 127.0.0.1 reads http://evil.example:8080/ in a
    local browser: same origin for the browser, so only the Host header tells it apart."""
    for url in ("/api/search?q=Taliban", "/", "/export.csv?q=Taliban", "/doc/isisk-kabul.txt", "/static/app.js"):
        r = client.get(url, headers={"Host": host})
        assert refused(r, "--allow-host"), (url, host, r.status_code)
    assert client.head("/", headers={"Host": host}).status_code == 400


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST", "localhost.", "localhost:8080", "127.0.0.1",
                                  "127.0.0.1:8080", "[::1]", "[::1]:8080", "[0:0:0:0:0:0:0:1]:8080"])
def test_loopback_names_are_served(client, host):
    assert client.get("/api/search?q=Taliban", headers={"Host": host}).status_code == 200


def test_absolute_request_urls_are_checked_like_the_host_header(live_server):
    code, headers, body = raw_request(live_server, b"GET http://evil.example/api/search?q=Taliban HTTP/1.1\r\n"
                                                   b"Host: localhost\r\nConnection: close\r\n\r\n")
    assert code == 400 and "evil.example" in body and has_security_headers(headers)


def test_only_the_bound_port_and_the_allowed_names_are_served(built_index):
    names = serving.host_names("127.0.0.1", ["Archive.LAN", "192.168.1.20", "::1"])
    assert names == ("127.0.0.1", "localhost", "[::1]", "archive.lan", "192.168.1.20")
    client = serving.create_app(built_index, allowed_hosts=names, port=8080).test_client()
    for host in ("localhost", "localhost:8080", "archive.lan", "archive.lan:8080", "192.168.1.20:8080"):
        assert client.get("/", headers={"Host": host}).status_code == 200, host
    for host in ("localhost:8081", "archive.lan:80"):
        assert refused(client.get("/", headers={"Host": host}), "listens on port 8080"), host
    for host in ("evil.example", "archive.lan.evil.example"):
        assert refused(client.get("/", headers={"Host": host}), "--allow-host"), host
    assert serving.host_names("archive.lan") == ("archive.lan",)  # a named bind: that name only
    assert serving.host_names("0.0.0.0") == ("0.0.0.0", *serving.LOOPBACK_NAMES)
    assert serving.host_names("::") == ("[::]", *serving.LOOPBACK_NAMES)
    with pytest.raises(serving.BadValue):
        serving.host_names("127.0.0.1", ["a..b"])


def test_allow_host_star_serves_any_well_formed_name(built_index):
    client = serving.create_app(built_index, allowed_hosts=["*"]).test_client()
    assert client.get("/", headers={"Host": "anything.example:1234"}).status_code == 200
    assert refused(client.get("/", headers={"Host": "a..b"}), "Bad Host header")


@pytest.mark.parametrize("host", ["a..b", ".a", "", " ", "exa mple", "a/b", "[::1", "[::g]", "[::1]x", "localhost:",
                                  "localhost:0", "localhost:8080:1", "a,b", "localhost,evil.example",
                                  "\u00e9.example", "x" * 300, "user@localhost"])
def test_malformed_host_header_is_400_with_security_headers(client, host):
    assert refused(client.get("/", headers={"Host": host}), "Bad Host header")


def test_redirect_location_never_carries_the_host_header(built_index, client):
    anyone = serving.create_app(built_index, allowed_hosts=["*"]).test_client()
    for c, host in ((anyone, "evil.example"), (client, "localhost:8080")):
        r = c.get("/static//style.css", headers={"Host": host})  # werkzeug redirects // to /
        assert r.status_code == 308 and r.headers["Location"] == "/static/style.css", r.headers.get("Location")
        assert has_security_headers(r.headers)
    assert serving.relative_location("http://evil.example//\\evil.example/a?b=1") == "/evil.example/a?b=1"


def test_live_redirects_are_relative_and_bad_ports_refused(live_server):
    code, headers, _body = raw_request(live_server, b"GET //static//style.css?v=1 HTTP/1.1\r\nHost: localhost\r\n"
                                                    b"Connection: close\r\n\r\n")
    assert code == 308 and headers["Location"] == "/static/style.css?v=1" and has_security_headers(headers)
    code, headers, body = raw_request(live_server, b"GET / HTTP/1.1\r\nHost: localhost:99999\r\n\r\n")
    assert code == 400 and "Bad Host header" in body and has_security_headers(headers)


# ----------------------------------------------------------------------------- API and exports

@pytest.mark.parametrize("params,request_kwargs", [
    ({"q": "ISIS-K"}, {"query": "ISIS-K"}),
    ({"q": "Taliban", "country": "AF", "sort": "date", "limit": "2"},
     {"query": "Taliban", "countries": ("AF",), "sort": "date", "limit": 2}),
    ({"group": ["ISIL", "al-Shabaab"], "from": "2015"},
     {"query": "", "groups": ("ISIL", "al-Shabaab"), "date_from": "2015"}),
    ({"official": "Secretary of State", "to": "2021"},
     {"query": "", "officials": ("Secretary of State",), "date_to": "2021"}),
    ({}, {"query": "*"}),
    ({"q": "Daesh", "facets": "0", "limit": "100"}, {"query": "Daesh", "facets": False, "limit": 100}),
])
def test_api_search_is_exactly_the_library_result(client, built_index, params, request_kwargs):
    r = client.get("/api/search", query_string=params)
    assert r.status_code == 200 and r.mimetype == "application/json"
    kwargs = {"limit": serving.PER_PAGE, "facets": True, **request_kwargs}
    expected = json.loads(json.dumps(library(built_index, **kwargs).as_dict()))
    data = r.get_json()
    assert same_result(data, expected)
    assert list(data) == [*expected, "next"]  # the CLI's key order, then the link to the next page
    assert list(json.loads(r.get_data(as_text=True))) == [*expected, "next"]


def test_page_links_to_the_api_and_exports_of_the_same_search(client):
    page = soup(client.get("/?q=Taliban&country=AF&page=1&expand=group"))
    links = {a.get_text(): a["href"] for a in page.select(".export a")}
    assert links == {"CSV": "/export.csv?q=Taliban&country=AF", "JSONL": "/export.jsonl?q=Taliban&country=AF",
                     "JSON": "/api/search?q=Taliban&country=AF"}


def test_export_csv_is_the_cli_csv_of_the_whole_result_set(client, built_index, monkeypatch):
    monkeypatch.setattr(serving, "PER_PAGE", 2)  # exports ignore the page size
    r = client.get("/export.csv?country=US")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.headers["Content-Disposition"] == 'attachment; filename="searchlib-results.csv"'
    out = io.StringIO()
    rendering.write_result(library(built_index, countries=("US",), limit=serving.ALL_HITS), "csv", out)
    assert r.get_data(as_text=True) == out.getvalue()
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert tuple(rows[0]) == rendering.HIT_COLUMNS and len(rows) >= 3


def test_export_jsonl_is_one_hit_per_line(client, built_index, all_keys):
    r = client.get("/export.jsonl?q=Taliban&sort=date")
    assert r.status_code == 200 and r.mimetype == "application/x-ndjson"
    assert r.headers["Content-Disposition"] == 'attachment; filename="searchlib-results.jsonl"'
    lines = [json.loads(line) for line in r.get_data(as_text=True).splitlines()]
    expected = library(built_index, query="Taliban", sort="date", limit=serving.ALL_HITS)
    assert same_result({"hits": lines}, {"hits": [json.loads(json.dumps(h.as_dict())) for h in expected.hits]})
    assert len(lines) >= 2
    everything = client.get("/export.jsonl").get_data(as_text=True).splitlines()
    assert [json.loads(line)["key"] for line in everything] == all_keys


# ----------------------------------------------------------------------------- the warm searcher

def test_one_warm_searcher_refreshed_when_the_index_changes(tmp_path):
    from searchlib.store.indexing import build_index

    pages = tmp_path / "pages"
    pages.mkdir()
    for name in ("isisk-kabul.txt", "daesh-iraq.html"):
        shutil.copy(FIXTURES / name, pages / name)
    index_dir = tmp_path / "index"
    build_index([str(pages)], str(index_dir), jobs=1)
    app = serving.create_app(str(index_dir))
    warm = app.extensions["searchlib"]
    client = app.test_client()
    assert total(client.get("/")) == 2
    for _ in range(3):
        client.get("/?q=Daesh")
        client.get("/api/search?q=Kabul")
    assert warm.opened == 1  # no change, no reopening

    shutil.copy(FIXTURES / "shabaab-kenya.html", pages / "shabaab-kenya.html")
    build_index([str(pages)], str(index_dir), jobs=1)  # incremental: the same generation, a new commit
    assert total(client.get("/")) == 3 and warm.opened == 2
    assert client.get("/doc/shabaab-kenya.html").status_code == 200

    (pages / "isisk-kabul.txt").unlink()
    build_index([str(pages)], str(index_dir), jobs=1, rebuild=True)  # a new generation behind CURRENT
    assert hit_keys(client.get("/")) == ["daesh-iraq.html", "shabaab-kenya.html"] and warm.opened == 3
    assert client.get("/doc/isisk-kabul.txt").status_code == 404
    client.get("/")
    assert warm.opened == 3


def test_concurrent_requests_share_the_searcher_safely(app):
    errors: list[str] = []

    def worker(query: str) -> None:
        client = app.test_client()
        for _ in range(5):
            r = client.get("/", query_string={"q": query})
            if r.status_code != 200:
                errors.append(f"{query}: {r.status_code}")

    threads = [threading.Thread(target=worker, args=(q,)) for q in ("Taliban", "Daesh", "Kabul", "Nairobi")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


# ----------------------------------------------------------------------------- the command

def test_serve_command_options_and_help():
    from click.testing import CliRunner

    options = {p.name: p for p in serving.serve_command.params}
    assert options["host"].default == "127.0.0.1" and options["port"].default == 8080
    assert options["index_dir"].default == "index" and options["index_dir"].envvar == "SEARCHLIB_INDEX"
    assert serving.serve_command.name == "serve"
    assert "Example:" in serving.serve_command.help
    help_text = CliRunner().invoke(serving.serve_command, ["--help"]).output
    assert "--index" in help_text and "--host" in help_text and "--port" in help_text and "--allow-host" in help_text
    assert options["allow_hosts"].multiple


def test_serve_command_starts_a_server_on_localhost(built_index, monkeypatch):
    from click.testing import CliRunner

    seen = {}

    class FakeServer:
        server_port = 8080

        def serve_forever(self):
            raise KeyboardInterrupt  # Ctrl-C

        def server_close(self):
            seen["closed"] = True

    def fake_make_server(host, port, app, threaded, request_handler):
        seen.update(host=host, port=port, app=app, threaded=threaded, handler=request_handler)
        return FakeServer()

    monkeypatch.setattr("werkzeug.serving.make_server", fake_make_server)
    monkeypatch.setattr(serving, "_check_port", lambda host, port: None)  # 8080 may be taken on this machine
    result = CliRunner().invoke(serving.serve_command, ["--index", built_index])
    assert result.exit_code == 0, result.output
    assert seen["host"] == "127.0.0.1" and seen["port"] == 8080 and seen["threaded"] and seen["closed"]
    assert issubclass(seen["handler"], __import__("werkzeug.serving").serving.WSGIRequestHandler)
    assert seen["app"].config["SEARCHLIB_INDEX"] == built_index
    assert "http://127.0.0.1:8080/" in result.stderr

    monkeypatch.setenv("SEARCHLIB_INDEX", built_index)
    result = CliRunner().invoke(serving.serve_command, ["--host", "0.0.0.0", "--port", "9000"])
    assert result.exit_code == 0 and seen["host"] == "0.0.0.0" and seen["port"] == 9000
    assert "other machines" in result.stderr
    assert "--allow-host NAME" in result.stderr  # the names the server answers to, and how to add one
    monkeypatch.setattr(serving, "_check_port", lambda host, port: None)
    result = CliRunner().invoke(serving.serve_command, ["--port", "9000", "--allow-host", "Archive.LAN"])
    assert result.exit_code == 0, result.output
    served = seen["app"].test_client()
    assert served.get("/", headers={"Host": "archive.lan:9000"}).status_code == 200
    assert served.get("/", headers={"Host": "localhost:9000"}).status_code == 200
    assert served.get("/", headers={"Host": "localhost:8080"}).status_code == 400  # not the bound port
    assert served.get("/", headers={"Host": "evil.example:9000"}).status_code == 400
    star = CliRunner().invoke(serving.serve_command, ["--allow-host", "*"])
    assert star.exit_code == 0 and "DNS rebinding" in star.stderr
    assert seen["app"].test_client().get("/", headers={"Host": "evil.example"}).status_code == 200
    bad = CliRunner().invoke(serving.serve_command, ["--allow-host", "a..b"])
    assert bad.exit_code == 2 and "a..b" in bad.stderr and "Traceback" not in bad.output
    missing = CliRunner().invoke(serving.serve_command, ["--index", "/nonexistent/index"])
    assert missing.exit_code == 0 and "searchlib index" in missing.stderr


def test_serve_command_port_in_use_is_a_clean_error(built_index):
    from click.testing import CliRunner

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = CliRunner().invoke(serving.serve_command, ["--index", built_index, "--port", str(port)])
    assert result.exit_code == 1 and "Cannot listen on 127.0.0.1" in result.stderr
    assert "Traceback" not in result.output


def test_importing_the_module_does_not_import_flask():
    code = "import sys, searchlib.web.app; print('flask' in sys.modules, 'whoosh' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
