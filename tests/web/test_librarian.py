"""What a librarian relies on in `searchlib serve` beyond the search itself: facet lists that say
what they hide, a filter box, leaving a value out, pages without hits that offer a way on, error
pages that never say where the server keeps its files, exports of the whole result set, and a
document page in words."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup

from searchlib.web import app as serving

flask = pytest.importorskip("flask")


@pytest.fixture(scope="module")
def client(built_index):
    return serving.create_app(built_index).test_client()


def soup(response) -> BeautifulSoup:
    assert response.status_code in (200, 400, 404), response.status_code
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def links(page, selector: str) -> dict[str, str]:
    return {" ".join(a.get_text().split()): a["href"] for a in page.select(selector)}


def hit_keys(page) -> list[str]:
    return [a["href"].split("?", 1)[0].removeprefix("/doc/") for a in page.select("ol.hits .hit-title a")]


def test_show_more_counts_every_hidden_value(client, monkeypatch):
    monkeypatch.setattr("searchlib.web.search_page.FACET_SHOWN", 2)
    page = soup(client.get("/"))
    shown = page.select("#facet-official > .facet-values > li")
    full = soup(client.get("/?expand=official")).select("#facet-official .facet-values li")
    more = page.select_one("#facet-official .facet-more").get_text()
    assert len(shown) == 2 and f"Show {len(full) - 2} more" in more


def test_expanded_facet_has_a_filter_box_that_works_without_javascript(client):
    page = soup(client.get("/?q=Islamic+State&expand=country"))
    form = page.select_one("#facet-country form.facet-filter")
    fields = {i["name"]: i.get("value", "") for i in form.select("input")}
    assert fields["q"] == "Islamic State" and fields["expand"] == "country" and "q_facet" in fields
    narrowed = soup(client.get("/?q=Islamic+State&expand=country&q_facet=ira"))
    values = [a.select_one(".facet-label").get_text().strip() for a in narrowed.select("#facet-country a.facet-link")]
    assert values == ["Iraq"]
    assert hit_keys(narrowed) == hit_keys(page)  # the box narrows the list, not the search


def test_not_link_leaves_a_value_out_and_its_chip_brings_it_back(client):
    page = soup(client.get("/?q=Islamic+State"))
    not_iraq = page.select_one("#facet-country a.facet-not[title='Leave out pages with Iraq']")["href"]
    assert not_iraq == "/?q=Islamic+State&not_country=Iraq"
    without = soup(client.get(not_iraq))
    assert hit_keys(without) == ["isisk-kabul.txt"]  # the Iraq pages are gone, the rest stays
    chip = without.select_one(".chips .chip-not")
    assert "Iraq" in chip.get_text() and chip["href"] == "/?q=Islamic+State"
    assert without.select_one("#facet-country .facet-excluded a")["href"] == "/?q=Islamic+State"


def test_api_and_exports_carry_the_exclusion(client):
    data = client.get("/api/search?not_country=Iraq&limit=100").get_json()
    assert data["excluded"] == {"country": ["Iraq"]}
    assert not any("Iraq" in h["countries"] for h in data["hits"])
    lines = client.get("/export.jsonl?not_country=Iraq").get_data(as_text=True).splitlines()
    assert len(lines) == data["total"]


def test_zero_hit_page_offers_links_that_keep_the_rest_of_the_search(client):
    page = soup(client.get("/?q=Taliban&country=Kenya&sort=date"))
    assert not hit_keys(page)
    drops = links(page, ".empty .drops a")
    assert drops["without country Kenya"] == "/?q=Taliban&sort=date"
    found = links(page, ".empty .tags a")
    assert found["Afghanistan 2"] == "/?q=Taliban&country=Afghanistan"


def test_did_you_mean_is_a_link_that_keeps_the_filters(client):
    page = soup(client.get("/?q=Talibam&country=AF"))
    fixes = links(page, ".empty .did-you-mean a")
    assert fixes["taliban"] == "/?q=taliban&country=AF"
    assert len(fixes) == len({k.lower() for k in fixes})  # one link per spelling


def test_unknown_filter_value_page_links_the_close_values(client):
    r = client.get("/?q=ISIS&country=Iraqq&from=2015")
    assert r.status_code == 400
    fixes = links(soup(r), ".did-you-mean a")
    assert fixes["Iraq"] == "/?q=ISIS&country=Iraq&from=2015"
    assert "Iraqq" in soup(r).select_one(".error-message").get_text()
    assert client.get("/api/search?country=Iraqq").get_json()["error"].endswith("Iraq, Syria, Iran?")  # the API keeps it


def test_no_page_shows_a_server_path(built_index, tmp_path):
    from searchlib.store import indexing

    pages = [serving.create_app(built_index).test_client().get(u) for u in ("/", "/?q=x&country=Iraqq", "/nope")]
    missing = serving.create_app(str(tmp_path / "none")).test_client().get("/")
    assert missing.status_code == 503
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "CURRENT").write_text("gen-000042\n", encoding="utf-8")
    damaged = serving.create_app(str(tmp_path / "broken")).test_client().get("/")
    assert damaged.status_code == 503
    for r in pages + [missing, damaged]:
        text = r.get_data(as_text=True)
        for secret in (built_index, str(tmp_path), indexing.__file__.rsplit("/", 3)[0]):
            assert secret not in text


def test_without_paths_keeps_urls_and_words():
    from searchlib.web.security import without_paths

    said = without_paths("The index at /srv/a/index is damaged: /srv/a/index/gen-1/x.seg; see /etc/searchlib/x.conf "
                         "or https://news.example/a/b", "/srv/a/index")
    assert "/srv" not in said and "/etc" not in said and "https://news.example/a/b" in said
    assert "INDEX/gen-1/x.seg" in said and "(a server path)" in said


def test_exports_stream_every_hit_a_chunk_at_a_time(client, monkeypatch):
    monkeypatch.setattr(serving, "EXPORT_CHUNK", 2)
    whole = client.get("/api/search?q=*&limit=100").get_json()
    lines = client.get("/export.jsonl").get_data(as_text=True).splitlines()
    assert [json.loads(line)["key"] for line in lines] == [h["key"] for h in whole["hits"]]
    assert [json.loads(line)["rank"] for line in lines] == list(range(1, whole["total"] + 1))
    rows = client.get("/export.csv").get_data(as_text=True).splitlines()
    assert rows[0].startswith('"rank"') and len(rows) == whole["total"] + 1  # one header


def test_json_link_pages_with_next_to_the_end(client):
    url, keys = "/api/search?limit=3", []
    while url:
        data = client.get(url).get_json()
        keys += [h["key"] for h in data["hits"]]
        url = data["next"]
    assert len(keys) == data["total"] == len(set(keys))


def test_export_links_say_they_give_every_match(client):
    page = soup(client.get("/?q=Taliban"))
    assert "Export all 2" in page.select_one(".export").get_text()


def test_document_provenance_in_words(client):
    page = soup(client.get("/doc/isisk-kabul.txt"))
    labels = [dt.get_text() for dt in page.select(".provenance dt")]
    assert labels[:2] == ["Key", "Path"] and not any(label.startswith("Origin") for label in labels)


def test_titles_snippets_and_text_follow_their_own_direction(client):
    page = soup(client.get("/?q=Taliban"))
    assert all(h.get("dir") == "auto" for h in page.select(".hit-title, .snippet"))
    doc = soup(client.get("/doc/isisk-kabul.txt"))
    assert doc.select_one("h1")["dir"] == "auto" and all(p.get("dir") == "auto" for p in doc.select(".doc-text p"))


def test_facets_fold_behind_limit_your_search(client):
    page = soup(client.get("/"))
    limit = page.select_one("details.limit")
    assert limit.select_one("summary").get_text().startswith("Limit your search")
    assert limit.select_one("aside.sidebar") is not None and not limit.has_attr("open")
    assert soup(client.get("/?expand=country")).select_one("details.limit").has_attr("open")  # asked for: shown
    chosen = soup(client.get("/?country=Iraq&group=ISIL"))
    assert "(2 selected)" in chosen.select_one("details.limit summary").get_text()


@pytest.fixture(scope="module")
def warc_index(tmp_path_factory) -> str:
    """An index of one small web archive (three pages, crawled 2024-01-05)."""
    pytest.importorskip("warcio")
    from searchlib.store.indexing import build_index

    from ..derive.test_warc import write_warc

    folder = tmp_path_factory.mktemp("crawl")
    write_warc(folder / "crawl.warc.gz")
    index_dir = tmp_path_factory.mktemp("warc-index")
    build_index([str(folder)], str(index_dir), jobs=1)
    return str(index_dir)


def test_web_archive_document_page_in_words_with_links(warc_index):
    client = serving.create_app(warc_index, replay_url="https://replay.example/{timestamp}/{url}").test_client()
    key = client.get("/api/search?q=Nairobi").get_json()["hits"][0]["key"]
    page = soup(client.get("/doc/" + quote(key)))  # a capture's key holds its offset: crawl.warc.gz#917
    rows = {dt.get_text(): dt.find_next_sibling("dd") for dt in page.select(".provenance dt")}
    assert {"Captured", "Archive file", "Offset", "URL"} <= set(rows)
    assert rows["URL"].select_one("a")["href"] == "https://news.example/nairobi"
    assert rows["Archive file"].get_text() == "crawl.warc.gz"  # its name, not where the server keeps it
    assert rows["Captured"].get_text() == "2024-01-05T10:00:00Z" and rows["Offset"].get_text().startswith("byte ")
    assert page.select_one(".doc-url a")["href"] == "https://news.example/nairobi"
    assert links(page, ".doc-capture a")["Replay this capture"] == \
        "https://replay.example/20240105100000/https://news.example/nairobi"
    assert warc_index not in page.get_text() and "/tmp/" not in str(page)


def test_web_archive_document_page_without_a_replay_service(warc_index):
    client = serving.create_app(warc_index).test_client()
    page = soup(client.get("/doc/https://news.example/nairobi"))  # by its URL, too
    assert page.select_one("h1").get_text() == "Siege in Nairobi ends"
    assert "Replay this capture" not in page.get_text() and page.select_one(".doc-url a")


def test_a_new_query_keeps_the_values_left_out(client):
    page = soup(client.get("/?q=Islamic+State&not_country=Iraq"))
    hidden = [(i["name"], i["value"]) for i in page.select("form.searchbox input[type=hidden]")]
    assert hidden == [("not_country", "Iraq")]
    assert links(page, ".export a")["JSONL"] == "/export.jsonl?q=Islamic+State&not_country=Iraq"
