"""The web view's analyst views through Flask's test client: /api/timeline and /api/co-mentions
(the library's shapes, with the parameters of /api/search), the /analysis page (an accessible
co-mention table and small multiples whose links find what they count), and the search page's
timeline (bucket from the span, labels once, counts in titles and accessible names, each bar a
link to its period)."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from searchlib.query import analysis
from searchlib.query.searching import SearchRequest
from searchlib.web import app as serving
from searchlib.web import search_page
from searchlib.web.state import State

from .. import analyst_fixture

flask = pytest.importorskip("flask")


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> str:
    return analyst_fixture.build(tmp_path_factory.mktemp("analyst-web"))


@pytest.fixture(scope="module")
def app(index_dir):
    return serving.create_app(index_dir)


@pytest.fixture
def client(app):
    return app.test_client()


def soup(response) -> BeautifulSoup:
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def total(client, href: str) -> int:
    """The total the search page at ``href`` shows."""
    return int(soup(client.get(href)).select_one(".total strong").get_text())


def api(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/json", response.get_data(as_text=True)
    return response.get_json()


def without_urls(data):
    if isinstance(data, list):
        return [without_urls(v) for v in data]
    if isinstance(data, dict):
        return {k: without_urls(v) for k, v in data.items() if k != "url"}
    return data


# ----------------------------------------------------------------------------- JSON endpoints

def test_api_timeline_is_the_library_shape_with_a_page_url_per_filter(client, index_dir):
    data = api(client, "/api/timeline?q=attack&country=Afghanistan")
    expected = analysis.timeline(index_dir, SearchRequest("attack", countries=("Afghanistan",)))
    assert without_urls(data) == expected
    bucket = next(b for b in data["buckets"] if b["count"])
    assert bucket["url"] == f"/?q=attack&country=Afghanistan&from={bucket['period']}&to={bucket['period']}"


def test_api_timeline_by_a_facet_and_with_a_bucket(client, index_dir):
    data = api(client, "/api/timeline?group=Taliban&by=country&series=2&bucket=month")
    expected = analysis.comparative_timeline(index_dir, SearchRequest(groups=("Taliban",)), by="country", series=2,
                                             bucket="month")
    assert without_urls(data) == expected and [s["value"] for s in data["series"]] == ["Afghanistan", "Pakistan"]


def test_api_co_mentions_takes_the_search_parameters(client, index_dir):
    data = api(client, "/api/co-mentions?from=2021&rows=official&cols=country&limit=3&all=1")
    expected = analysis.co_mentions(index_dir, SearchRequest("", date_from="2021", all=True), rows="official",
                                    cols="country", limit=3)
    assert without_urls(data) == expected
    assert data["cells"][0][0]["url"] == "/?country=Afghanistan&official=Joe+Biden&from=2021&all=1"


@pytest.mark.parametrize("url, message", [
    ("/api/co-mentions?rows=colour", "Unknown facet 'colour' for the rows"),
    ("/api/co-mentions?limit=0", "Invalid limit '0'"),
    ("/api/timeline?bucket=week", "Unknown bucket 'week'"),
    ("/api/timeline?by=group&series=x", "Invalid series 'x'"),
    ("/api/timeline?country=Atlantis", "Unknown country 'Atlantis'"),
])
def test_bad_parameters_get_a_one_line_json_error(client, url, message):
    response = client.get(url)
    assert response.status_code == 400 and message in response.get_json()["error"]


# ----------------------------------------------------------------------------- /analysis

def test_the_co_mention_table_is_accessible_and_every_cell_finds_its_count(client):
    page = soup(client.get("/analysis?q=attack&rows=group&cols=country&limit=4"))
    table = page.select_one("table.co-mentions")
    assert table.caption and "mention both" in table.caption.get_text()
    assert all(th.get("scope") == "col" for th in table.select("thead th"))
    rows = table.select("tbody tr")
    assert [r.select_one("th[scope=row]").get_text(strip=True) for r in rows] == [
        "Islamic State", "Taliban", "ISIS-K (Islamic State)", "al-Qaeda"]
    checked = 0
    for row in rows:
        for td in row.select("td")[1:]:
            link = td.select_one("a")
            if td.get_text(strip=True) == "0":
                assert link is None  # nothing to find
                continue
            count = int(link.get_text())
            assert re.fullmatch(r".+ and .+: \d+ stor(y|ies)", link["aria-label"]) and link["title"] == link["aria-label"]
            assert total(client, link["href"]) == count
            checked += 1
    assert checked >= 6
    isis_k_pakistan = rows[2].select("td")[2].select_one("a")
    assert parse_qs(urlsplit(isis_k_pakistan["href"]).query) == {"q": ["attack"], "group": ["ISIS-K"],
                                                                   "country": ["Pakistan"]}


def test_the_small_multiples_link_each_series_and_bar_to_its_search(client):
    page = soup(client.get("/analysis?by=country&series=2"))
    charts = page.select("ul.multiples > li")
    assert [c.select_one("h3 a").get_text() for c in charts] == ["All matches", "Afghanistan", "Pakistan"]
    for chart in charts:
        heading = chart.select_one("h3")
        assert total(client, heading.select_one("a")["href"]) == int(heading.select_one(".count").get_text())
        svg = chart.select_one("svg")
        assert svg["role"] == "group" and svg["aria-label"]
        labels = [t.get_text() for t in svg.select("text.axis-label")]
        assert labels == ["2015", "2021"]  # the first and last periods, once
        for bar in svg.select("a.bar-link"):
            count = int(re.search(r": (\d+) stor", bar["aria-label"]).group(1))
            assert bar.select_one("title").get_text() == bar["aria-label"]
            assert total(client, bar["href"]) == count


def test_the_analysis_page_keeps_the_search_and_links_back(client):
    page = soup(client.get("/analysis?q=attack&country=Afghanistan&rows=official&cols=group"))
    back = page.find("a", string="Back to the search")
    assert back["href"] == "/?q=attack&country=Afghanistan"
    form = page.select_one("form.analysis-form")
    hidden = {(i["name"], i["value"]) for i in form.select("input[type=hidden]")}
    assert hidden == {("q", "attack"), ("country", "Afghanistan")}
    assert form.select_one("select[name=rows] option[selected]")["value"] == "official"
    api_links = {a.get_text(): a["href"] for a in page.select("a[href^='/api/']")}
    assert api_links["co-mentions"].startswith("/api/co-mentions?q=attack&country=Afghanistan")
    assert "rows=official" in api_links["co-mentions"] and "by=group" in api_links["timelines"]


def test_the_analysis_page_answers_a_bad_value_with_400(client):
    response = client.get("/analysis?cols=colour")
    assert response.status_code == 400 and "Unknown facet" in response.get_data(as_text=True)


def test_the_search_page_links_to_its_analysis(client):
    page = soup(client.get("/?q=attack&country=Afghanistan&sort=date"))
    assert page.select_one("a.analysis-link")["href"] == "/analysis?q=attack&country=Afghanistan"


# ----------------------------------------------------------------------------- the search page's timeline

def test_the_search_timeline_is_drawn_for_three_widths_with_every_bar_a_link_to_its_period(client):
    page = soup(client.get("/?q=attack"))
    charts = {svg["class"][1]: svg for svg in page.select(".timeline svg.chart")}
    assert list(charts) == ["timeline-wide", "timeline-medium", "timeline-narrow"]
    assert charts["timeline-narrow"]["viewbox"].split()[2] == "360"  # drawn at a phone's width: labels stay 12 px
    bars = charts["timeline-wide"].select("a.bar-link")
    assert {b["data-period"]: b["aria-label"] for b in bars} == {
        "2015": "2015: 1 match", "2019": "2019: 1 match", "2021": "2021: 4 matches"}
    for bar in bars:
        assert bar.select_one("title").get_text() == bar["aria-label"]
        href = bar["href"]
        assert parse_qs(urlsplit(href).query)["from"] == [bar["data-period"]]
        assert total(client, href) == int(bar["aria-label"].split(": ")[1].split()[0])


def test_a_narrowed_search_shows_days_and_links_the_month_only_pages(client):
    page = soup(client.get("/?from=2021-08&to=2021-09"))
    caption = page.select_one(".timeline figcaption").get_text(" ", strip=True)
    assert "Matches per day, 1 Aug 2021 – 2 Sep 2021" in caption and "dated only to a month: Aug 2021 (1)" in caption
    month = page.select_one(".timeline figcaption a[href*='from=2021-08']")
    assert month["href"] == "/?from=2021-08&to=2021-08"
    day = page.select_one("svg.timeline-wide a.bar-link[data-period='2021-08-26']")
    assert day["aria-label"].startswith("26 Aug 2021: 2 matches (the search also finds")


def month_data(first_year: int, years: int) -> dict:
    """An ``analysis.timeline`` shape by month over ``years`` years (the issue's nine-year timeline)."""
    buckets = [{"period": f"{y}-{m:02d}", "from": "", "to": "", "count": (y * m) % 7, "exact": True,
                "filter": {"from": f"{y}-{m:02d}", "to": f"{y}-{m:02d}"}}
               for y in range(first_year, first_year + years) for m in range(1, 13)]
    return {"bucket": "month", "buckets": buckets, "undated": 0, "month_only": {"count": 0, "periods": []}}


@pytest.mark.parametrize("years", [9, 5, 1])
def test_axis_labels_appear_once_and_never_overlap(app, years):
    with app.test_request_context("/"):
        view = search_page.timeline(month_data(2012, years), State())
    for chart in view["charts"]:
        texts = [label["text"] for label in chart["labels"]]
        assert texts and len(texts) == len(set(texts)), texts  # no "Jul" of every year
        if years > 1:
            assert all(re.fullmatch(r"(\w{3} )?\d{4}", t) for t in texts), texts  # years, and where it starts
        xs = [label["x"] for label in chart["labels"]]
        assert xs == sorted(xs)
        for (x, text), (next_x, _t) in zip([(l["x"], l["text"]) for l in chart["labels"]],
                                           [(l["x"], l["text"]) for l in chart["labels"]][1:]):
            assert x + len(text) * 6.8 < next_x  # no overlap
        assert all(l["x"] + len(l["text"]) * 6.8 <= chart["width"] for l in chart["labels"])
    if years == 1:
        assert "Jan 2012" in [l["text"] for l in view["charts"][0]["labels"]]
        assert "Jul" in [l["text"] for l in view["charts"][0]["labels"]]


def test_the_largest_count_labels_the_vertical_axis_once(app):
    with app.test_request_context("/"):
        view = search_page.timeline(month_data(2012, 2), State())
    assert view["top"] == 6 and all(chart["top_label"] == "6" for chart in view["charts"])


def test_the_next_year_is_labelled_when_the_axis_starts_just_before_it(app):
    data = month_data(2004, 5)
    data["buckets"] = data["buckets"][10:]  # Nov 2004 to Dec 2008
    with app.test_request_context("/"):
        view = search_page.timeline(data, State())
    for chart in view["charts"]:
        texts = [label["text"] for label in chart["labels"]]
        assert {"2005", "2006", "2007", "2008"} <= set(texts), (chart["kind"], texts)
    assert [label["text"] for label in view["charts"][0]["labels"]][0] in ("Nov 2004", "2004")


@pytest.mark.parametrize("q, notice", [("zebra", "No groups or countries among these stories."),
                                       ("roadside", "None of these stories states a date.")])
def test_the_analysis_page_says_what_is_missing(client, q, notice):
    page = soup(client.get(f"/analysis?q={q}"))
    assert notice in [p.get_text(" ", strip=True) for p in page.select("p.notice")]
