"""WARC archives: every HTML response record is a document, with its URL and crawl date kept."""

from __future__ import annotations

import io
import json

import pytest

from searchlib import SearchRequest, build_index, search

from .conftest import invoke

warcio = pytest.importorskip("warcio")
# warcio's writer (used here only to build fixtures) leaves spooled temp files to the garbage collector
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")
from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

PAGES = {
    "https://news.example/kabul": ("Blast near Kabul airport", "2021-08-27",
                                   "Officials in Kabul said on Friday that ISIS-K had claimed the bombing near the airport, "
                                   "which killed dozens of Afghan civilians and 13 US service members."),
    "https://news.example/nairobi": ("Siege in Nairobi ends", "2013-09-24",
                                     "Kenyan forces said on Tuesday that the siege of the Westgate mall in Nairobi, claimed "
                                     "by al-Shabaab, had ended after four days of fighting."),
    "https://news.example/mosul": ("Iraq retakes Mosul", "2017-07-10",
                                   "Iraqi Prime Minister Haider al-Abadi declared victory over Islamic State in Mosul "
                                   "after a nine-month battle for the city."),
}


def page_html(title, date, text):
    return (f"<html><head><title>{title}</title><meta property='article:published_time' content='{date}T08:00:00Z'>"
            f"</head><body><nav>Home World Thailand</nav><article><h1>{title}</h1><p>{text}</p><p>{text}</p>"
            f"<p>Security was tightened across the region after the attack, officials said.</p></article></body></html>")


def write_warc(path, pages=PAGES, extra_payload=None):
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, (title, date, text) in pages.items():
            body = page_html(title, date, text).encode("utf-8")
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.0")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                          length=len(body), http_headers=headers,
                                                          warc_headers_dict={"WARC-Date": "2024-01-05T10:00:00Z"}))
            # a request record and a non-HTML response are not pages
            writer.write_record(writer.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.0\r\n\r\n"),
                                                          length=18))
        img = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.0")
        png = extra_payload or b"\x89PNG...."
        writer.write_record(writer.create_warc_record("https://news.example/logo.png", "response",
                                                      payload=io.BytesIO(png), length=len(png), http_headers=img))


def test_warc_records_index_and_search_with_urls(tmp_path):
    folder = tmp_path / "crawl"
    folder.mkdir()
    write_warc(folder / "crawl.warc.gz")
    ix = tmp_path / "ix"
    report = build_index([str(folder)], str(ix), jobs=1)
    assert report.added == 3 and not report.failed
    result = search(SearchRequest("ISIS-K", countries=("Afghanistan",)), str(ix))
    assert [h.path for h in result.hits] == ["https://news.example/kabul"]
    assert result.hits[0].published == "2021-08-27"  # the page's own date, not the crawl date
    assert "Thailand" not in search(SearchRequest("*", facets=True), str(ix)).as_dict()["facets"]["country"]


def test_warc_provenance_is_kept(tmp_path, runner):
    write_warc(tmp_path / "crawl.warc.gz")
    ix = tmp_path / "ix"
    build_index([str(tmp_path / "crawl.warc.gz")], str(ix), jobs=1)
    key = search(SearchRequest("Nairobi"), str(ix)).hits[0].key
    rec = json.loads(invoke(runner, "show", key, "--index", ix, "--format", "json").stdout)
    assert rec["origin"]["kind"] == "warc" and rec["origin"]["url"] == "https://news.example/nairobi"
    assert rec["origin"]["crawl_date"] == "2024-01-05T10:00:00Z" and isinstance(rec["origin"]["offset"], int)


def test_truncated_warc_indexes_the_records_before_the_damage(tmp_path):
    good = tmp_path / "good.warc.gz"
    write_warc(good)
    data = good.read_bytes()
    bad = tmp_path / "corpus" / "cut.warc.gz"
    bad.parent.mkdir()
    bad.write_bytes(data[: int(len(data) * 0.6)])
    report = build_index([str(bad.parent)], str(tmp_path / "ix"), jobs=1)
    assert 1 <= report.added < 3
    assert len(report.failed) == 1 and "cut.warc.gz" in report.failed[0][0] and "offset" in report.failed[0][1]


def test_a_changed_warc_replaces_its_records(tmp_path):
    folder = tmp_path / "crawl"
    folder.mkdir()
    write_warc(folder / "crawl.warc.gz")
    ix = tmp_path / "ix"
    build_index([str(folder)], str(ix), jobs=1)
    fewer = dict(list(PAGES.items())[:2])
    write_warc(folder / "crawl.warc.gz", pages=fewer)
    report = build_index([str(folder)], str(ix), jobs=1)
    assert search(SearchRequest("*", limit=10), str(ix)).total == 2
    assert report.removed >= 1
    again = build_index([str(folder)], str(ix), jobs=1)
    assert again.unchanged == 2 and again.added == again.updated == again.removed == 0


def test_oversized_record_is_refused_not_expanded(tmp_path, monkeypatch):
    from searchlib import loading

    monkeypatch.setattr(loading, "MAX_BYTES", 2000)
    big = {"https://news.example/big": ("Big", "2020-01-01", "word " * 5000)}
    write_warc(tmp_path / "big.warc.gz", pages=big)
    report = build_index([str(tmp_path / "big.warc.gz")], str(tmp_path / "ix"), jobs=1)
    assert report.added == 0 and ("limit" in report.failed[0][1] or "refused" in report.failed[0][1])


def test_gzipped_warc_with_a_large_record_does_not_hang(tmp_path):
    """A record that decompresses to over 1 MB, followed by more gzip members: the damage scan once
    looped forever on the next member's bytes, which zlib keeps reporting after a member ends."""
    import threading

    from searchlib import loading

    pages = {"https://news.example/long": ("Long", "2020-01-01", "Kabul airport " * 100_000), **PAGES}
    path = tmp_path / "long.warc.gz"
    write_warc(path, pages=pages)
    found = []
    worker = threading.Thread(target=lambda: found.extend(loading.iter_warc(str(path))), daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "iter_warc did not finish"
    assert [type(item).__name__ for item in found] == ["WarcPage"] * 4
