"""Web archives as libraries hold them: only successful HTML responses are documents; redirects,
error pages and robots.txt are counted, not failures; revisits resolve to their original; every
Content-Encoding is decoded; ARC files are read; crawl dates are ISO 8601 UTC."""

from __future__ import annotations

import gzip
import io
import json
import zlib

import pytest

from searchlib import SearchRequest, build_index, search

from ..conftest import invoke

warcio = pytest.importorskip("warcio")
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")
from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402


def article(title: str, place: str = "Kabul") -> bytes:
    text = (f"Officials in {place} said on Friday that the bombing near the airport killed dozens of civilians, "
            "and that security was tightened across the region after the attack.")
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1><p>{text}</p><p>{text}</p>"
            "</article></body></html>").encode()


def response(writer, url, body=b"", status="200 OK", ctype="text/html; charset=utf-8", encoding=None,
             date="2024-01-05T10:00:00Z"):
    headers = [("Content-Type", ctype)] if ctype else []
    if encoding:
        headers.append(("Content-Encoding", encoding))
    http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
    record = writer.create_warc_record(url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http,
                                       warc_headers_dict={"WARC-Date": date})
    writer.write_record(record)
    return record


def revisit(writer, original, date="2024-02-05T10:00:00Z", url=None):
    digest = original.rec_headers.get_header("WARC-Payload-Digest")
    record = writer.create_revisit_record(url or original.rec_headers.get_header("WARC-Target-URI"), digest,
                                          original.rec_headers.get_header("WARC-Target-URI"),
                                          original.rec_headers.get_header("WARC-Date"),
                                          http_headers=original.http_headers)
    record.rec_headers.replace_header("WARC-Date", date)
    writer.write_record(record)


def warc(path, build):
    with open(path, "wb") as fh:
        build(WARCWriter(fh, gzip=str(path).endswith(".gz")))


def report_of(runner, paths, ix):
    result = invoke(runner, "index", *map(str, paths), "--index", ix, "--format", "json", "--jobs", "1")
    return result, json.loads(result.stdout)


# ----------------------------------------------------------------------------- statuses

def crawl_with_statuses(w):
    response(w, "https://news.example/kabul", article("Blast near Kabul airport"))
    response(w, "https://news.example/old", b"<html><body><h1>302 Found</h1></body></html>", status="302 Found")
    response(w, "https://news.example/moved", b"", status="301 Moved Permanently", ctype=None)
    response(w, "https://news.example/gone", b"<html><body><h1>404 Not Found</h1><hr>nginx/1.1.19</body></html>",
             status="404 Not Found")
    response(w, "https://news.example/boom", b"<html><body>502 Bad Gateway</body></html>", status="502 Bad Gateway")
    response(w, "https://news.example/robots.txt", b"User-agent: *\nDisallow: /admin\n", ctype="text/html")


def test_redirects_and_error_pages_are_counted_not_indexed_and_not_failures(tmp_path, runner):
    warc(tmp_path / "crawl.warc.gz", crawl_with_statuses)
    result, report = report_of(runner, [tmp_path / "crawl.warc.gz"], tmp_path / "ix")
    assert result.exit_code == 0 and report["failed"] == [] and report["added"] == 1
    assert "2 redirects, 1 not found, 1 server error skipped" in invoke(
        runner, "index", str(tmp_path / "crawl.warc.gz"), "--index", tmp_path / "ix2").stderr
    skipped = {(r["url"], r["status"], r["reason"]) for r in report["records_skipped"]}
    assert skipped == {("https://news.example/old", 302, "redirect"), ("https://news.example/moved", 301, "redirect"),
                       ("https://news.example/gone", 404, "not found"), ("https://news.example/boom", 502, "server error")}
    assert all("#" in r["path"] for r in report["records_skipped"])
    assert search(SearchRequest("nginx OR Found OR Disallow"), str(tmp_path / "ix")).total == 0


# ----------------------------------------------------------------------------- revisits

def original_and_revisit(original_at, revisit_at):
    """A response in ``original_at`` and a revisit of it (a month later) in ``revisit_at``."""
    for path in (original_at, revisit_at):
        path.parent.mkdir(exist_ok=True)
    originals = {}
    warc(original_at, lambda w: originals.setdefault("r", response(w, "https://news.example/kabul",
                                                                    article("Blast near Kabul airport"))))
    warc(revisit_at, lambda w: revisit(w, originals["r"]))


def test_revisit_resolves_to_its_original_in_another_file_of_the_crawl(tmp_path, runner):
    folder = tmp_path / "crawl"
    original_and_revisit(folder / "a.warc.gz", folder / "b.warc.gz")
    result, report = report_of(runner, [folder], tmp_path / "ix")
    assert result.exit_code == 0 and report["added"] == 2 and report["records_skipped"] == []
    hits = search(SearchRequest("Kabul", all=True), str(tmp_path / "ix")).hits
    keys = {h.key for h in hits}
    assert any(k.startswith("b.warc.gz#") for k in keys)
    key = next(k for k in keys if k.startswith("b.warc.gz#"))
    rec = json.loads(invoke(runner, "show", key, "--index", tmp_path / "ix", "--format", "json").stdout)
    assert rec["origin"]["crawl_date"] == "2024-02-05T10:00:00Z"
    assert rec["origin"]["payload"]["path"].endswith("a.warc.gz")


def test_revisit_without_its_original_is_counted(tmp_path, runner):
    original_and_revisit(tmp_path / "elsewhere" / "a.warc", tmp_path / "crawl" / "b.warc")
    result, report = report_of(runner, [tmp_path / "crawl"], tmp_path / "ix")
    assert result.exit_code == 0 and report["added"] == 0
    assert [r["reason"] for r in report["records_skipped"]] == ["revisit"]


# ----------------------------------------------------------------------------- encodings

def test_every_content_encoding_a_crawler_stores_is_decoded(tmp_path, runner):
    brotli = pytest.importorskip("brotli")
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    bodies = {
        "gzip": (gzip.compress(article("Gzip story", "Mosul")), "gzip"),
        "deflate": (zlib.compress(article("Deflate story", "Nairobi")), "deflate"),
        "rawdeflate": (raw.compress(article("Raw deflate story", "Lagos")) + raw.flush(), "deflate"),
        "br": (brotli.compress(article("Brotli story", "Aden")), "br"),
        "chain": (brotli.compress(gzip.compress(article("Chained story", "Herat"))), "gzip, br"),
    }
    warc(tmp_path / "enc.warc.gz", lambda w: [response(w, f"https://news.example/{k}", body, encoding=enc)
                                              for k, (body, enc) in bodies.items()])
    result, report = report_of(runner, [tmp_path / "enc.warc.gz"], tmp_path / "ix")
    assert result.exit_code == 0 and report["added"] == 5, report["failed"]
    for place in ("Mosul", "Nairobi", "Lagos", "Aden", "Herat"):
        assert search(SearchRequest(place), str(tmp_path / "ix")).total == 1


def test_an_encoded_bomb_is_refused_not_expanded(tmp_path, monkeypatch):
    from searchlib.derive import loading

    monkeypatch.setattr(loading, "MAX_BYTES", 4000)
    warc(tmp_path / "bomb.warc", lambda w: response(w, "https://news.example/bomb", gzip.compress(b"<p>" * 100000),
                                                    encoding="gzip"))
    report = build_index([str(tmp_path / "bomb.warc")], str(tmp_path / "ix"), jobs=1)
    assert report.added == 0 and "limit" in report.failed[0][1] and report.failed[0][0].endswith("bomb.warc#0")


def test_brotli_without_the_library_says_to_install_it(tmp_path, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_brotli(name, *args, **kwargs):
        if name == "brotli":
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_brotli)
    from searchlib.derive import loading

    with pytest.raises(loading.LoadFailure, match="brotli-encoded: install brotli"):
        loading.decode_content(b"\x1b\x00", "br", "x.warc#0")


# ----------------------------------------------------------------------------- ARC files

def arc_file(records, gz=False) -> bytes:
    """An ARC v1 file: its filedesc record, then one record per page (each its own gzip member)."""
    desc = b"1 0 Example\nURL IP-address Archive-date Content-type Archive-length\n"
    parts = [b"filedesc://crawl.arc 0.0.0.0 20081029052146 text/plain %d\n%s\n" % (len(desc), desc)]
    for url, date, body in records:
        payload = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n" + body
        parts.append(b"%s 1.2.3.4 %s text/html %d\n%s\n" % (url.encode(), date.encode(), len(payload), payload))
    return b"".join(gzip.compress(p) if gz else p for p in parts)


@pytest.mark.parametrize("name", ["old.arc", "old.arc.gz"])
def test_arc_files_are_read_with_their_provenance(tmp_path, runner, name):
    data = arc_file([("http://news.example/herat", "20081029052146", article("Attack in Herat", "Herat"))],
                    gz=name.endswith(".gz"))
    (tmp_path / name).write_bytes(data)
    result, report = report_of(runner, [tmp_path / name], tmp_path / "ix")
    assert result.exit_code == 0 and report["added"] == 1, report["failed"]
    key = search(SearchRequest("Herat"), str(tmp_path / "ix")).hits[0].key
    rec = json.loads(invoke(runner, "show", key, "--index", tmp_path / "ix", "--format", "json").stdout)
    origin = rec["origin"]
    assert origin["kind"] == "warc" and origin["format"] == "arc" and origin["url"] == "http://news.example/herat"
    assert origin["crawl_date"] == "2008-10-29T05:21:46Z" and isinstance(origin["offset"], int)
    assert origin["path"].endswith(name)


# ----------------------------------------------------------------------------- dates and messages

@pytest.mark.parametrize("raw, iso", [
    ("2019-08-15T01:02", "2019-08-15T01:02:00Z"),
    ("2019-08-15T01:02:03Z", "2019-08-15T01:02:03Z"),
    ("2008-10-29T05:21:46-0700", "2008-10-29T12:21:46Z"),
    ("2008-10-29T05:21:46.123+02:00", "2008-10-29T03:21:46Z"),
    ("20081029052146", "2008-10-29T05:21:46Z"),
    ("2008-10-294T05:21:46-0700", None),
    ("2008-13-29T05:21:46Z", None),
])
def test_crawl_dates_are_iso_utc(raw, iso):
    from searchlib.derive.loading import crawl_date_iso

    assert crawl_date_iso(raw) == iso


def test_an_unreadable_crawl_date_is_named_and_left_empty(tmp_path, runner):
    warc(tmp_path / "d.warc", lambda w: response(w, "https://news.example/kabul", article("Blast near Kabul airport"),
                                                 date="2008-10-294T05:21:46-0700"))
    result, report = report_of(runner, [tmp_path / "d.warc"], tmp_path / "ix")
    assert result.exit_code == 0 and report["added"] == 1
    assert report["notes"][0]["path"].endswith("d.warc#0") and "2008-10-294" in report["notes"][0]["reason"]
    assert "note " in result.stderr and "d.warc#0: " in result.stderr


def test_a_failure_always_has_a_reason():
    from searchlib.derive.loading import LoadFailure

    assert LoadFailure("x.warc#0", "").reason and LoadFailure("x.warc#0", "  ").reason.strip()


# ----------------------------------------------------------------------------- facets

def test_crawled_pages_are_faceted_by_host_and_crawl_year(tmp_path, runner):
    def build(w):
        response(w, "https://www.news.example/kabul", article("Blast near Kabul airport"), date="2021-08-27T10:00:00Z")
        response(w, "https://wire.example/mosul", article("Iraq retakes Mosul", "Mosul"), date="2017-07-10T10:00:00Z")
    warc(tmp_path / "c.warc.gz", build)
    ix = tmp_path / "ix"
    build_index([str(tmp_path / "c.warc.gz")], str(ix), jobs=1)
    facets = search(SearchRequest("*", facets=True, all=True), str(ix)).as_dict()["facets"]
    assert [v["value"] for v in facets["host"]] == ["news.example", "wire.example"]
    assert [v["value"] for v in facets["crawled"]] == ["2021", "2017"]  # newest first
    assert {v["value"] for v in facets["source"]} == {"news.example", "wire.example"}  # no outlet named: the host
    result = invoke(runner, "search", "*", "--host", "wire.example", "--crawled", "2017", "--index", ix,
                    "--format", "json")
    assert [h["path"] for h in json.loads(result.stdout)["hits"]] == ["https://wire.example/mosul"]
    assert invoke(runner, "search", "*", "--host", "nowhere.example", "--index", ix).exit_code == 2


def test_a_revisit_of_an_image_or_an_error_page_is_what_its_original_was(tmp_path, runner):
    def build(w):
        png = response(w, "https://news.example/logo.png", b"\x89PNG....", ctype="image/png")
        gone = response(w, "https://news.example/gone", b"<html>404</html>", status="404 Not Found")
        revisit(w, png)
        revisit(w, gone)
    warc(tmp_path / "r.warc", build)
    result, report = report_of(runner, [tmp_path / "r.warc"], tmp_path / "ix")
    assert result.exit_code == 0 and report["added"] == 0
    assert [(r["url"], r["reason"]) for r in report["records_skipped"]] == [("https://news.example/gone", "not found")] * 2


def test_a_revisit_looks_in_a_bounded_number_of_nearby_files(tmp_path, monkeypatch):
    from searchlib.derive import loading

    monkeypatch.setattr(loading, "REVISIT_FILES", 3)
    names = [f"crawl-{i:02d}.warc.gz" for i in range(10)]
    for n in names:
        (tmp_path / n).write_bytes(b"")
    (tmp_path / "notes.txt").write_bytes(b"")
    found = [p.rsplit("/", 1)[1] for p in loading.archive_siblings(str(tmp_path / "crawl-05.warc.gz"))]
    assert found == ["crawl-05.warc.gz", "crawl-04.warc.gz", "crawl-06.warc.gz", "crawl-03.warc.gz"]
