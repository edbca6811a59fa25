"""WARC archives: every HTML response record is a document, with its URL and crawl date kept."""

from __future__ import annotations

import io
import json

import pytest

from searchlib import SearchRequest, build_index, search

from ..conftest import invoke

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
    from searchlib.derive import loading

    monkeypatch.setattr(loading, "MAX_BYTES", 2000)
    big = {"https://news.example/big": ("Big", "2020-01-01", "word " * 5000)}
    write_warc(tmp_path / "big.warc.gz", pages=big)
    report = build_index([str(tmp_path / "big.warc.gz")], str(tmp_path / "ix"), jobs=1)
    assert report.added == 0 and ("limit" in report.failed[0][1] or "refused" in report.failed[0][1])


# ----------------------------------------------------------------------------- damaged archives

def warc_records(pages=PAGES) -> list[bytes]:
    """The uncompressed bytes of one response record per page (each ends with its blank lines)."""
    out = []
    for url, (title, date, text) in pages.items():
        buf = io.BytesIO()
        writer = WARCWriter(buf, gzip=False)
        body = page_html(title, date, text).encode("utf-8")
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.0")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), length=len(body),
                                                      http_headers=headers,
                                                      warc_headers_dict={"WARC-Date": "2024-01-05T10:00:00Z"}))
        out.append(buf.getvalue())
    return out


def pack(records: list[bytes], gz: bool) -> bytes:
    """Records as a WARC file: concatenated, or each one its own gzip member (as crawlers write)."""
    import gzip

    return b"".join(gzip.compress(r) if gz else r for r in records)


def offsets(records: list[bytes], gz: bool) -> list[int]:
    """Where each record starts in the file ``pack`` makes of them."""
    starts, at = [], 0
    for r in records:
        starts.append(at)
        at += len(pack([r], gz))
    return starts


def index_warc(tmp_path, data: bytes, gz: bool):
    """Index a folder holding the WARC and one plain page, through the CLI, as a user would."""
    from click.testing import CliRunner

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    name = "crawl.warc.gz" if gz else "crawl.warc"
    (corpus / name).write_bytes(data)
    (corpus / "page.txt").write_text("Airport reopens\n\nOfficials in Kabul said on Friday that the airport "
                                     "would reopen after the attack, which the Taliban condemned.")
    ix = tmp_path / "ix"
    result = invoke(CliRunner(), "index", corpus, "--index", ix, "--jobs", "1", "--format", "json")
    return result, ix, str(corpus / name)


def only_failure(result, warc: str, offset: int) -> str:
    """The run went on (exit 1, no traceback) and named the WARC problem as FILE#OFFSET: reason."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.stderr and "WARNING" not in result.stderr  # warcio's own, multi-line
    report = json.loads(result.stdout)
    assert [f["path"] for f in report["failed"]] == [f"{warc}#{offset}"]
    reason = report["failed"][0]["reason"]
    assert reason.strip() and "\n" not in reason
    assert f"skipped {warc}#{offset}: {reason}" in result.stderr.splitlines()
    return reason


def urls(ix) -> set[str]:
    return {h.path for h in search(SearchRequest("*", limit=100, all=True), str(ix)).hits}


@pytest.mark.parametrize("gz", [False, True], ids=["warc", "warc.gz"])
def test_warc_cut_inside_a_record_header_keeps_the_records_before_it(tmp_path, gz):
    records = warc_records()
    data = pack(records[:1], gz) + (records[1][:60] if not gz else pack([records[1]], gz)[:40])
    result, ix, warc = index_warc(tmp_path, data, gz)
    reason = only_failure(result, warc, offsets(records, gz)[1])
    assert "damaged WARC" in reason and ("header" in reason or "gzip member" in reason)
    assert urls(ix) == {"https://news.example/kabul", "page.txt"}


@pytest.mark.parametrize("gz", [False, True], ids=["warc", "warc.gz"])
def test_warc_cut_inside_a_payload_is_not_indexed_as_a_whole_page(tmp_path, gz):
    records = warc_records()
    cut = records[1].index(b"<article>") + 12  # a 12-character page, once its HTTP headers are read
    data = pack(records[:1], gz) + (records[1][:cut] if not gz else pack([records[1]], gz)[:-30])
    result, ix, warc = index_warc(tmp_path, data, gz)
    reason = only_failure(result, warc, offsets(records, gz)[1])
    assert "damaged WARC" in reason and ("cut short" in reason or "gzip member" in reason)
    assert urls(ix) == {"https://news.example/kabul", "page.txt"}


@pytest.mark.parametrize("gz", [False, True], ids=["warc", "warc.gz"])
@pytest.mark.parametrize("extra", [500, 5000], ids=["into-the-next-record", "past-the-end"])
def test_warc_overlong_content_length_does_not_swallow_the_next_records(tmp_path, gz, extra):
    records = warc_records()
    head, rest = records[0].split(b"\r\n\r\n", 1)
    length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
    records[0] = head.replace(f"Content-Length: {length}".encode(), f"Content-Length: {length + extra}".encode()) \
        + b"\r\n\r\n" + rest
    result, ix, warc = index_warc(tmp_path, pack(records, gz), gz)
    reason = only_failure(result, warc, 0)
    assert "Content-Length" in reason and "https://news.example/kabul" in reason
    assert urls(ix) == {"page.txt"}  # the record and what it swallowed are not indexed as one page


@pytest.mark.parametrize("gz", [False, True], ids=["warc", "warc.gz"])
def test_warc_cut_anywhere_never_stops_the_run_or_indexes_a_partial_page(tmp_path, gz):
    from searchlib.derive import loading

    records = warc_records()
    data = pack(records, gz)
    whole = {r.data for r in loading.iter_warc(str(_write(tmp_path / "whole", data, gz)))}
    assert len(whole) == 3
    boundaries = set(offsets(records, gz)) | {len(data)}
    for cut in range(1, len(data), 7):
        path = str(_write(tmp_path / "cut", data[:cut], gz))
        items = list(loading.iter_warc(path))  # never raises
        pages = [i for i in items if isinstance(i, loading.WarcPage)]
        failures = [i for i in items if isinstance(i, loading.LoadFailure)]
        assert all(p.data in whole for p in pages), cut  # no page is ever cut short
        assert len(failures) <= 1 and all(f.reason.strip() and f.path.startswith(f"{path}#") for f in failures)
        if not failures:  # a cut the file cannot show: between records (or in the blank lines that end one)
            assert any(b - (0 if gz else 4) <= cut <= b for b in boundaries), cut


def _write(path, data: bytes, gz: bool):
    path = path.with_suffix(".warc.gz" if gz else ".warc")
    path.write_bytes(data)
    return path


def test_warc_limits_are_stated_as_50_mb():
    from searchlib.derive import loading

    assert loading.MAX_BYTES == 50 * 2**20 and loading.size_cap() == "50 MB"


def test_oversized_warc_record_names_file_offset_and_limit(tmp_path, monkeypatch):
    from searchlib.derive import loading

    monkeypatch.setattr(loading, "MAX_BYTES", 2 * 2**20)
    big = {"https://news.example/big": ("Big", "2020-01-01", "word " * 250_000)}  # 2.5 MB: twice 1.25
    path = tmp_path / "big.warc.gz"
    write_warc(path, pages=big)
    failures = [i for i in loading.iter_warc(str(path)) if isinstance(i, loading.LoadFailure)]
    assert [f.path for f in failures] == [f"{path}#0"]
    assert "over the 2 MB limit" in failures[0].reason


def test_gzipped_warc_with_a_large_record_does_not_hang(tmp_path):
    """A record that decompresses to over 1 MB, followed by more gzip members: the damage scan once
    looped forever on the next member's bytes, which zlib keeps reporting after a member ends."""
    import threading

    from searchlib.derive import loading

    pages = {"https://news.example/long": ("Long", "2020-01-01", "Kabul airport " * 100_000), **PAGES}
    path = tmp_path / "long.warc.gz"
    write_warc(path, pages=pages)
    found = []
    worker = threading.Thread(target=lambda: found.extend(loading.iter_warc(str(path))), daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "iter_warc did not finish"
    assert [type(item).__name__ for item in found] == ["WarcPage"] * 4
