"""Captures of one URL in web archives are told apart: by crawl date and key in results, in
``show`` (which lists every capture of the URL, or names them when a URL alone is ambiguous), and
on the web view's document page, which links the original URL and a replay service."""

from __future__ import annotations

import io
import json

import pytest

from searchlib import SearchRequest, build_index, search

from ..conftest import invoke
from ..derive.test_crawls import article, crawl_with_statuses, response, warc

warcio = pytest.importorskip("warcio")
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")

URL = "https://news.example/kabul"
REOPENED = ("<html><head><title>Airport reopens</title></head><body><article><h1>Airport reopens</h1>"
            + "<p>Months of repairs later, the terminal at the airport took its first passengers again, as "
              "engineers from three countries finished rebuilding the runway lights and the control tower.</p>" * 2
            + "</article></body></html>").encode()


@pytest.fixture
def two_captures(tmp_path):
    """One URL crawled in 2019 and in 2021 (the page changed between them), and another page."""
    tmp_path = tmp_path / "crawl"
    tmp_path.mkdir()
    warc(tmp_path / "crawl-2019.warc.gz", lambda w: (
        response(w, URL, article("Blast near Kabul airport"), date="2019-08-15T01:02:03Z"),
        response(w, "https://www.other.example/herat", article("Curfew in Herat", "Herat"), date="2019-08-15T02:00:00Z")))
    warc(tmp_path / "crawl-2021.warc.gz", lambda w: response(w, URL, REOPENED, date="2021-03-01T09:30:00Z"))
    ix = tmp_path.parent / "ix"
    build_index([str(tmp_path)], str(ix), jobs=1)
    return ix


def capture_keys(ix) -> list[str]:
    return sorted(h.key for h in search(SearchRequest(query="airport", limit=100), str(ix)).hits)


def test_two_captures_of_one_url_show_their_crawl_date_and_key_in_text_and_json(two_captures, runner):
    text = invoke(runner, "search", "airport", "--index", two_captures).stdout
    assert "(crawled 2019-08-15T01:02:03Z, crawl-2019.warc.gz#0)" in text
    assert "(crawled 2021-03-01T09:30:00Z, crawl-2021.warc.gz#0)" in text
    hits = json.loads(invoke(runner, "search", "airport", "--index", two_captures, "--format", "json").stdout)["hits"]
    assert sorted((h["key"], h["crawled"]) for h in hits) == [
        ("crawl-2019.warc.gz#0", "2019-08-15T01:02:03Z"), ("crawl-2021.warc.gz#0", "2021-03-01T09:30:00Z")]
    assert {h["path"] for h in hits} == {URL}


def test_a_page_that_is_not_from_a_web_archive_has_crawled_null(tmp_path, runner):
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "kabul.html").write_bytes(article("Blast near Kabul airport"))
    build_index([str(tmp_path / "pages")], str(tmp_path / "ix"), jobs=1)
    hit, = json.loads(invoke(runner, "search", "airport", "--index", tmp_path / "ix", "--format", "json").stdout)["hits"]
    assert list(hit)[-1] == "crawled" and hit["crawled"] is None


def test_show_url_of_two_captures_names_both_keys_and_exits_2(two_captures, runner):
    result = invoke(runner, "show", URL, "--index", two_captures)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"Error: '{URL}' has 2 captures: crawl-2019.warc.gz#0 (2019-08-15T01:02:03Z), "
        "crawl-2021.warc.gz#0 (2021-03-01T09:30:00Z); show one by its key")


def test_show_key_of_a_capture_lists_every_capture_of_its_url(two_captures, runner):
    text = invoke(runner, "show", "crawl-2021.warc.gz#0", "--index", two_captures).stdout
    assert f"captures:    2 of {URL}" in text
    assert "2019-08-15T01:02:03Z  crawl-2019.warc.gz#0\n" in text
    assert "2021-03-01T09:30:00Z  crawl-2021.warc.gz#0  (this one)" in text
    rec = json.loads(invoke(runner, "show", "crawl-2019.warc.gz#0", "--index", two_captures, "--format", "json").stdout)
    assert rec["captures"] == [{"key": "crawl-2019.warc.gz#0", "crawled": "2019-08-15T01:02:03Z"},
                               {"key": "crawl-2021.warc.gz#0", "crawled": "2021-03-01T09:30:00Z"}]


def test_show_url_of_one_capture_shows_it(two_captures, runner):
    rec = json.loads(invoke(runner, "show", "https://www.other.example/herat", "--index", two_captures,
                            "--format", "json").stdout)
    assert rec["path"] == "https://www.other.example/herat"
    assert [c["crawled"] for c in rec["captures"]] == ["2019-08-15T02:00:00Z"]


def test_document_page_links_the_original_url_and_the_replay_of_that_capture(two_captures):
    from searchlib.web import app as serving

    page = serving.create_app(str(two_captures), replay_url="https://wayback.example.org/{timestamp}/{url}") \
        .test_client().get("/doc/crawl-2019.warc.gz%230").get_data(as_text=True)
    assert f'href="{URL}"' in page
    assert f'href="https://wayback.example.org/20190815010203/{URL}"' in page
    assert 'href="/doc/crawl-2021.warc.gz%230"' in page  # the other capture
    plain = serving.create_app(str(two_captures)).test_client().get("/doc/crawl-2019.warc.gz%230")
    assert "Replay this capture" not in plain.get_data(as_text=True)


def test_serve_rejects_a_replay_url_without_url_placeholder(runner, tmp_path):
    result = invoke(runner, "serve", "--index", tmp_path, "--replay-url", "https://wayback.example.org/{timestamp}/")
    assert result.exit_code == 2 and "Invalid --replay-url" in result.stderr


# ----------------------------------------------------------------------------- crawl date ranges

@pytest.mark.parametrize("crawled, keys", [
    ({"crawled_from": "2020"}, ["crawl-2021.warc.gz#0"]),
    ({"crawled_to": "2019"}, ["crawl-2019.warc.gz#0"]),
    ({"crawled_from": "2019-08-15", "crawled_to": "2019-08"}, ["crawl-2019.warc.gz#0"]),
    ({"crawled_from": "2021-03-02"}, []),
    ({"crawled_from": "2019-08-16", "crawled_to": "2021-03-01"}, ["crawl-2021.warc.gz#0"]),
])
def test_crawled_from_and_to_select_captures_by_crawl_day_with_partial_dates(two_captures, crawled, keys):
    result = search(SearchRequest(query="airport", limit=100, **crawled), str(two_captures))
    assert sorted(h.key for h in result.hits) == keys


def test_a_crawl_date_range_selects_and_never_scores(two_captures):
    plain = {h.key: h.score for h in search(SearchRequest(query="airport"), str(two_captures)).hits}
    hit, = search(SearchRequest(query="airport", crawled_to="2019"), str(two_captures)).hits
    assert hit.score == plain[hit.key]


def test_crawl_date_range_on_the_cli_in_batch_and_in_the_web_view(two_captures, runner, tmp_path):
    out = json.loads(invoke(runner, "search", "--crawled-from", "2021", "--index", two_captures,
                            "--format", "json").stdout)
    assert [h["key"] for h in out["hits"]] == ["crawl-2021.warc.gz#0"]
    assert out["filters"] == {"crawl_date": ["2021-01-01", None]}
    lines = tmp_path / "lookups.txt"
    lines.write_text('{"query": "airport", "crawled_to": "2019-12"}\n')
    line = json.loads(invoke(runner, "search", "--batch", lines, "--index", two_captures).stdout)
    assert [h["key"] for h in line["hits"]] == ["crawl-2019.warc.gz#0"]
    exported = invoke(runner, "export", "--crawled-to", "2019", "--index", two_captures, "--format", "jsonl").stdout
    assert sorted(json.loads(x)["path"] for x in exported.splitlines()) == [URL, "https://www.other.example/herat"]
    from searchlib.web import app as serving

    api = serving.create_app(str(two_captures)).test_client().get("/api/search?q=airport&crawled_from=2021").get_json()
    assert [h["key"] for h in api["hits"]] == ["crawl-2021.warc.gz#0"]


@pytest.mark.parametrize("args, message", [
    (("--crawled-from", "2021-13"), "Invalid date '2021-13'"),
    (("--crawled-from", "2022", "--crawled-to", "2021"), "Empty date range: --crawled-from 2022 is after --crawled-to 2021"),
])
def test_a_bad_crawl_date_is_one_line_and_exit_2(two_captures, runner, args, message):
    result = invoke(runner, "search", *args, "--index", two_captures)
    assert result.exit_code == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_an_index_without_the_crawl_day_field_gets_it_for_archives_read_from_then_on(tmp_path, monkeypatch):
    from searchlib import facets

    crawl = tmp_path / "crawl"
    crawl.mkdir()
    warc(crawl / "a.warc.gz", lambda w: response(w, URL, article("Blast near Kabul airport"), date="2019-08-15T01:02:03Z"))
    with monkeypatch.context() as older:  # the crawl-year facet of the version before: no crawl day field
        older.setattr(facets.CrawlYearFacet, "schema_fields", facets.Facet.schema_fields)
        older.setattr(facets.CrawlYearFacet, "index_fields", facets.Facet.index_fields)
        build_index([str(crawl)], str(tmp_path / "ix"), jobs=1)
    warc(crawl / "b.warc.gz", lambda w: response(w, "https://news.example/b", REOPENED, date="2021-03-01T09:30:00Z"))
    build_index([], str(tmp_path / "ix"), jobs=1)
    hits = search(SearchRequest(query="*", crawled_from="2000", limit=100), str(tmp_path / "ix")).hits
    assert [h.key for h in hits] == ["b.warc.gz#0"]  # a.warc.gz, read before, has it after --rebuild
    build_index([], str(tmp_path / "ix"), jobs=1, rebuild=True)
    hits = search(SearchRequest(query="*", crawled_from="2000", limit=100), str(tmp_path / "ix")).hits
    assert sorted(h.key for h in hits) == ["a.warc.gz#0", "b.warc.gz#0"]


# ----------------------------------------------------------------------------- registered domains

@pytest.fixture
def domains(tmp_path):
    crawl = tmp_path / "crawl"
    crawl.mkdir()
    warc(crawl / "bbc.warc.gz", lambda w: (
        response(w, "https://www.bbc.co.uk/news/kabul", article("Blast near Kabul airport")),
        response(w, "https://news.bbc.co.uk/herat", REOPENED),
        response(w, "https://bbc.com/mosul", article("Raid on a market in Mosul leaves the old city shaken", "Mosul")
                 .replace(b"bombing", b"raid").replace(b"airport", b"market")),
        response(w, "http://10.0.0.7/intranet", article("Curfew announced in Herat after protests", "Herat")
                 .replace(b"bombing", b"curfew").replace(b"airport", b"square"))))
    build_index([str(crawl)], str(tmp_path / "ix"), jobs=1)
    return tmp_path / "ix"


def test_domain_bbc_co_uk_covers_www_and_news_but_not_bbc_com(domains):
    hits = search(SearchRequest(query="*", limit=100, all=True).with_options(domains=("bbc.co.uk",)), str(domains)).hits
    assert sorted(h.path for h in hits) == ["https://news.bbc.co.uk/herat", "https://www.bbc.co.uk/news/kabul"]


def test_domain_facet_counts_registered_domains_and_falls_back_to_the_host(domains, runner):
    out = json.loads(invoke(runner, "facets", "domain", "--index", domains, "--format", "json").stdout)
    counts = {v["value"]: v["count"] for v in (out["domain"] if "domain" in out else out)}
    assert counts == {"bbc.co.uk": 2, "bbc.com": 1, "10.0.0.7": 1}


def test_domain_on_the_cli_with_a_closest_value_for_a_typo(domains, runner):
    out = json.loads(invoke(runner, "search", "--domain", "BBC.co.uk", "--all", "--index", domains,
                            "--format", "json").stdout)
    assert out["total"] == 2 and out["filters"] == {"domain": ["bbc.co.uk"]}
    result = invoke(runner, "search", "--domain", "bbc.co.uj", "--index", domains)
    assert result.exit_code == 2 and "Did you mean: bbc.co.uk" in result.stderr


def test_registered_domain_reads_the_bundled_public_suffix_list():
    from searchlib.facets import registered_domain

    assert registered_domain("news.bbc.co.uk") == "bbc.co.uk"
    assert registered_domain("foo.blogspot.com") == "foo.blogspot.com"  # a private suffix of the list
    assert registered_domain("news.example") == "news.example"  # a suffix the list does not know: the host
    assert registered_domain("localhost") == "localhost"


# ----------------------------------------------------------------------------- stats

def test_stats_shows_the_documents_from_web_archives_and_the_last_runs_skipped_records(tmp_path, runner):
    crawl = tmp_path / "crawl"
    crawl.mkdir()
    warc(crawl / "statuses.warc.gz", crawl_with_statuses)
    (crawl / "page.html").write_bytes(REOPENED)
    invoke(runner, "index", crawl, "--index", tmp_path / "ix")
    data = json.loads(invoke(runner, "stats", "--index", tmp_path / "ix", "--format", "json").stdout)
    crawls = data["web_archives"]
    assert crawls["documents"] == 1
    assert crawls["skipped_last_run"] == {"redirect": 2, "not found": 1, "server error": 1}
    assert crawls["skipped_last_run_by_status"] == {"301": 1, "302": 1, "404": 1, "502": 1}
    text = invoke(runner, "stats", "--index", tmp_path / "ix").stdout
    assert "  last run:   read and skipped 2 redirects, 1 not found, 1 server error\n" in text


def mixed_crawl(w):
    """A crawl as Heritrix writes one: a warcinfo, a request before each response, pages, a
    redirect, an image, a stylesheet and robots.txt."""
    w.write_record(w.create_warcinfo_record("mixed.warc.gz", {"software": "test"}))
    for url, body, status, ctype in [
            ("https://news.example/kabul", article("Blast near Kabul airport"), "200 OK", "text/html; charset=utf-8"),
            ("https://news.example/old", b"", "301 Moved Permanently", None),
            ("https://news.example/photo.jpg", b"\xff\xd8\xff" + b"0" * 50, "200 OK", "image/jpeg"),
            ("https://news.example/style.css", b"body{}", "200 OK", "text/css"),
            ("https://news.example/robots.txt", b"User-agent: *\n", "200 OK", "text/plain")]:
        w.write_record(w.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
        response(w, url, body, status=status, ctype=ctype)


def test_stats_counts_every_record_of_the_archives_by_status_and_mime_type(tmp_path, runner):
    crawl = tmp_path / "crawl"
    crawl.mkdir()
    warc(crawl / "mixed.warc.gz", mixed_crawl)
    warc(crawl / "statuses.warc.gz", crawl_with_statuses)
    invoke(runner, "index", crawl, "--index", tmp_path / "ix")
    crawls = json.loads(invoke(runner, "stats", "--index", tmp_path / "ix", "--format", "json").stdout)["web_archives"]
    assert {k: crawls[k] for k in ("files", "records", "documents", "failed")} == {
        "files": 2, "records": 1 + 5 + 5 + 6, "documents": 2, "failed": 0}
    assert crawls["skipped"] == {"redirect": 3, "not found": 1, "server error": 1}
    assert crawls["statuses"] == {"301": 2, "302": 1, "404": 1, "502": 1}
    assert crawls["not_pages"] == {"image/jpeg": 1, "robots.txt": 2, "text/css": 1}
    assert crawls["other_records"] == {"request": 5, "warcinfo": 1}
    text = invoke(runner, "stats", "--index", tmp_path / "ix").stdout
    assert "web archives: 2 documents from WARC/ARC records; 17 records read in 2 archive files\n" in text
    assert "  skipped:    3 redirects, 1 not found, 1 server error (by status: 301 2, 302 1, 404 1, 502 1)\n" in text
    assert "  not pages:  robots.txt 2, image/jpeg 1, text/css 1\n" in text
    assert "  other records: request 5, warcinfo 1\n" in text


def test_stats_counts_of_an_unchanged_archive_survive_an_update(tmp_path, runner):
    crawl = tmp_path / "crawl"
    crawl.mkdir()
    warc(crawl / "mixed.warc.gz", mixed_crawl)
    invoke(runner, "index", crawl, "--index", tmp_path / "ix")
    (crawl / "page.html").write_bytes(REOPENED)
    invoke(runner, "index", crawl, "--index", tmp_path / "ix")  # mixed.warc.gz is unchanged: not read again
    crawls = json.loads(invoke(runner, "stats", "--index", tmp_path / "ix", "--format", "json").stdout)["web_archives"]
    assert (crawls["files"], crawls["records"], crawls["not_pages"]["image/jpeg"]) == (1, 11, 1)
    assert crawls["skipped_last_run"] == {}
