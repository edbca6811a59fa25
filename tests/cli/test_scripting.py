"""What scripters and librarians rely on: count-only searches, paging, every facet value on
request, suggestions when nothing matched, a canonical filter echo, one batch output line per
input line, a quiet exit on a closed pipe, and a web view where one slow search blocks nobody."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from searchlib.query.searching import SearchRequest, Searcher, search

from ..conftest import ROOT, invoke, keys, search_json

DATED = ["isisk-kabul.txt", "wire-copy-a.txt", "isis-only-syria.txt", "daesh-iraq.html", "boilerplate-heavy.txt",
         "shabaab-kenya.html"]  # newest first; no-date.txt has no date


# ----------------------------------------------------------------------------- count only

def test_limit_zero_gives_the_total_and_facets_but_no_hit(runner, built_index):
    result = invoke(runner, "search", "Taliban", "--limit", "0", "--facets", "--format", "json", "--index", built_index)
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["hits"] == [] and data["total"] == 2
    assert data["facets"]["group"]
    assert search(SearchRequest("Taliban", limit=0), built_index).hits == []
    assert search(SearchRequest("*", limit=0, sort="date"), built_index).hits == []


def test_web_api_limit_zero_counts_only(built_index):
    from searchlib.web import app as serving

    data = serving.create_app(built_index).test_client().get("/api/search?q=Taliban&limit=0").get_json()
    assert data["hits"] == [] and data["total"] == 2 and data["facets"]["country"] and data["next"] is None


# ----------------------------------------------------------------------------- paging and order

def test_offset_pages_through_every_hit_once(runner, built_index):
    everything = keys(search_json(runner, built_index, "*")[1])
    pages = []
    for offset in range(0, len(everything), 2):
        data = json.loads(invoke(runner, "search", "*", "--offset", offset, "--limit", 2, "--format", "json",
                                 "--index", built_index).stdout)
        assert [h["rank"] for h in data["hits"]] == list(range(offset + 1, offset + 1 + len(data["hits"])))
        assert data["offset"] == offset
        pages += keys(data)
    assert pages == everything
    with Searcher(built_index) as s:
        assert [h.key for h in s.search(SearchRequest("Taliban", offset=1, limit=5, all=True)).hits] == \
            [h.key for h in s.search(SearchRequest("Taliban", limit=5, all=True)).hits][1:]


def test_web_api_honours_page_and_links_the_next_one(built_index):
    from searchlib.web import app as serving

    client = serving.create_app(built_index).test_client()
    everything = [h["key"] for h in client.get("/api/search?limit=100").get_json()["hits"]]
    url, seen = "/api/search?limit=3", []
    while url:
        data = client.get(url).get_json()
        seen += [h["key"] for h in data["hits"]]
        url = data["next"]
        assert url is None or ("page=" in url and "limit=3" in url)
    assert seen == everything and len(everything) > 3


def test_sort_oldest_is_oldest_first_with_undated_pages_last(runner, built_index):
    _result, data = search_json(runner, built_index, "*", "--sort", "oldest", "--all")
    oldest = [*reversed(DATED[2:]), "wire-copy-a.txt", "wire-copy-b.txt", "isisk-kabul.txt"]  # a day: key order
    assert keys(data) == [*oldest, "no-date.txt"]
    _result, newest = search_json(runner, built_index, "*", "--sort", "date", "--all")
    assert keys(newest)[0] == "isisk-kabul.txt"  # date stays newest first
    assert keys(search_json(runner, built_index, "Kabul", "--sort", "oldest")[1])[-1] == "isisk-kabul.txt"
    assert invoke(runner, "search", "Kabul", "--sort", "bogus", "--index", built_index).exit_code == 2


# ----------------------------------------------------------------------------- facets

def test_facet_limit_caps_each_facet_and_says_what_was_left_off(runner, built_index):
    _result, capped = search_json(runner, built_index, "*", "--facets", "--facet-limit", "1")
    _result, full = search_json(runner, built_index, "*", "--facets", "--facet-limit", "0")
    official = full["facets"]["official"]
    assert len(capped["facets"]["official"]) == 1 and len(official) > 1
    assert capped["facets_truncated"]["official"] == {"values": len(official),
                                                      "other": sum(c["count"] for c in official[1:])}
    assert full["facets_truncated"] == {}
    text = invoke(runner, "search", "*", "--facets", "--facet-limit", "1", "--index", built_index).stdout
    assert f"... {len(official) - 1} more values (--facet-limit 0 lists every one)" in text


@pytest.fixture(scope="module")
def many_countries(tmp_path_factory) -> str:
    """One page that names 25 countries: more values than a facet list used to hold (20)."""
    from searchlib.store.indexing import build_index

    names = ["Kenya", "Somalia", "Nigeria", "Mali", "Niger", "Chad", "Sudan", "Egypt", "Libya", "Tunisia", "Algeria",
             "Morocco", "Iraq", "Syria", "Jordan", "Lebanon", "Yemen", "Oman", "Qatar", "Iran", "Pakistan", "India",
             "Bangladesh", "Indonesia", "Philippines"]
    pages = tmp_path_factory.mktemp("pages")
    (pages / "summit.txt").write_text("Ministers meet on security\n\nPublished 2022-03-04\n\nDelegations from "
                                      + ", ".join(names) + " met in Geneva to discuss attacks by armed groups.\n")
    index_dir = tmp_path_factory.mktemp("index")
    build_index([str(pages)], str(index_dir), jobs=1)
    return str(index_dir)


def test_web_more_link_lists_every_facet_value(many_countries):
    from bs4 import BeautifulSoup

    from searchlib.web import app as serving

    every = search(SearchRequest("*", facets=True, facet_limit=0), many_countries).facets["country"]
    assert len(every) > 20
    client = serving.create_app(many_countries).test_client()
    page = BeautifulSoup(client.get("/?expand=country").get_data(as_text=True), "html.parser")
    assert len(page.select("#facet-country li")) == len(every)
    short = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser")
    assert str(len(every) - serving.FACET_SHOWN) in short.select_one("#facet-country .facet-more").get_text()


# ----------------------------------------------------------------------------- zero hits

def test_nothing_found_suggests_spellings_from_the_index_and_group_names(runner, built_index):
    _result, data = search_json(runner, built_index, "afghanstan")
    assert data["total"] == 0 and "afghanistan" in data["suggestions"]
    _result, data = search_json(runner, built_index, "Shabaabb")
    assert "al-Shabaab" in data["suggestions"]
    text = invoke(runner, "search", "afghanstan", "--index", built_index)
    assert text.exit_code == 1 and "Did you mean: afghanistan" in text.stderr
    assert search_json(runner, built_index, "Kabul")[1]["suggestions"] == []


# ----------------------------------------------------------------------------- filter echo

def test_filter_echo_names_values_as_the_index_does_without_date_sentinels(runner, built_index):
    _result, data = search_json(runner, built_index, "--official", "biden", "--country", "AF", "--from", "2021")
    assert data["filters"] == {"country": ["Afghanistan"], "official": ["Joe Biden"], "date": ["2021-01-01", None]}
    _result, data = search_json(runner, built_index, "*", "--to", "2020-02")
    assert data["filters"] == {"date": [None, "2020-02-29"]}


# ----------------------------------------------------------------------------- batch

def test_every_batch_line_gives_one_output_line_with_its_number(runner, built_index):
    lines = 'Kabul\n\n{"query": 5}\n{"query": "Kabul", "limit": "abc"}\n{"query": "Kabul", "sort": "bogus"}\n' \
            '{"query": "Kabul", "offset": -1}\n{"query": "Kabul", "facet_limit": "x"}\n{"query": "Kenya", "offset": 0}\n'
    result = runner.invoke(__import__("searchlib.cli.commands", fromlist=["cli"]).cli,
                           ["search", "--batch", "-", "--index", built_index], input=lines)
    assert result.exit_code == 2 and "Traceback" not in result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["line"] for r in rows] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert rows[0]["total"] >= 1 and rows[1] == {"line": 2, "skipped": "blank line"}
    assert "Invalid query 5" in rows[2]["error"] and "Invalid limit 'abc'" in rows[3]["error"]
    assert "Unknown sort 'bogus'" in rows[4]["error"] and "Invalid offset -1" in rows[5]["error"]
    assert "Invalid facet_limit 'x'" in rows[6]["error"] and rows[7]["total"] >= 1


@pytest.mark.parametrize("extra", [["--format", "json"], ["--format", "text"], ["Kabul"], ["--quiet"]])
def test_batch_refuses_options_it_would_ignore(runner, built_index, extra):
    result = invoke(runner, "search", "--batch", "-", *extra, "--index", built_index)
    assert result.exit_code == 2 and "--batch" in result.stderr


# ----------------------------------------------------------------------------- the shell

def test_closed_pipe_ends_quietly_with_exit_code_0(built_index, tmp_path):
    batch = tmp_path / "lines.txt"
    batch.write_text("Kabul\n" * 400)  # far more than a pipe holds
    proc = subprocess.Popen([sys.executable, "-m", "searchlib", "search", "--batch", str(batch), "--index", built_index],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert json.loads(proc.stdout.readline())["line"] == 1
    proc.stdout.close()  # `| head -1`
    with proc.stderr:
        err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0 and err == ""


def test_search_version_and_help(runner):
    from searchlib import __version__
    from searchlib.cli.commands import search_command

    assert __version__ in runner.invoke(search_command, ["--version"]).stdout
    helptext = runner.invoke(search_command, ["--help"]).stdout
    assert "printf 'ISIS-K\\n{\"query\": \"Daesh\", \"from\": \"2015\"}\\n' | search --batch -" in helptext


def test_quiet_prints_nothing_and_answers_with_the_exit_code(runner, built_index):
    found = invoke(runner, "search", "Kabul", "-q", "--index", built_index)
    assert found.exit_code == 0 and found.stdout == "" and found.stderr == ""
    missing = invoke(runner, "search", "afghanstan", "--quiet", "--index", built_index)
    assert missing.exit_code == 1 and missing.stdout == "" and missing.stderr == ""
    assert invoke(runner, "search", "--from", "2021-13", "-q", "--index", built_index).exit_code == 2


# ----------------------------------------------------------------------------- serve

def test_a_slow_search_does_not_hold_up_a_quick_one(built_index, monkeypatch):
    from searchlib.web import app as serving

    release, started = threading.Event(), threading.Event()
    real = Searcher.search

    def slow_for_one_query(self, request):
        if request.query == "Kenya":
            started.set()
            assert release.wait(20)
        return real(self, request)

    monkeypatch.setattr(Searcher, "search", slow_for_one_query)
    app = serving.create_app(built_index)
    answers = {}
    slow = threading.Thread(target=lambda: answers.update(slow=app.test_client().get("/api/search?q=Kenya")))
    slow.start()
    try:
        assert started.wait(20)
        quick = app.test_client().get("/api/search?q=Kabul")  # with one lock around one searcher: blocked
        assert quick.status_code == 200 and quick.get_json()["total"] >= 1
    finally:
        release.set()
        slow.join(20)
    assert answers["slow"].status_code == 200


def test_warm_searchers_are_reused_and_bounded(built_index):
    from searchlib.web.state import WarmSearcher

    warm = WarmSearcher(built_index, size=2)
    for _ in range(3):
        with warm.use():
            pass
    assert warm.opened == 1
    with warm.use() as a, warm.use() as b:
        assert a is not b and warm.opened == 2
    warm.close()


def test_readme_documents_the_new_options_and_keys():
    readme = (Path(ROOT) / "README.md").read_text()
    for word in ("--offset", "--facet-limit", "--quiet", "oldest", "facets_truncated", "suggestions", '"next"',
                 '"line"'):
        assert word in readme, word


def test_a_page_far_beyond_the_last_is_a_notice_not_an_error(built_index):
    from searchlib.web import app as serving

    client = serving.create_app(built_index).test_client()
    page = client.get("/?page=9000")  # 9,000 pages of 20 lie beyond the most hits one request may ask for
    assert page.status_code == 200 and "There is no page 9000" in page.get_data(as_text=True)
    assert client.get("/api/search?page=9000").get_json()["hits"] == []
