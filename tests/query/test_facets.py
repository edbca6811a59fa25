"""Adding a facet is one registry entry (facets.py): a toy facet, the kind of each page ("html" or
"text"), registered here alone, shows in the schema, the CLI, the JSON output, the web sidebar
and export; dropped again, it leaves no trace."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from searchlib import facets
from searchlib.store import indexing
from searchlib.query import searching
from searchlib.web import app as serving
from searchlib.cli.commands import cli

from ..conftest import invoke

PAGES = Path(__file__).parents[1] / "fixtures" / "facets"


def kind_facet() -> facets.Facet:
    return facets.Facet("kind", "kind", lambda record: [record.kind], option="kinds", title="Kinds of page",
                        record_key="kinds", help="Kind of page (html or text); repeatable.")


@pytest.fixture(scope="module")
def registered():
    facet = facets.register(kind_facet())
    yield facet
    facets.unregister("kind")


@pytest.fixture(scope="module")
def index_dir(registered, tmp_path_factory) -> str:
    ix = str(tmp_path_factory.mktemp("facets") / "ix")
    report = indexing.build_index([str(PAGES)], ix, jobs=1)
    assert report.added == 3 and not report.failed, report.failed
    return ix


def run(runner, index_dir, *args):
    return invoke(runner, *args, "--index", index_dir)


def test_a_registered_facet_is_a_field_of_the_schema(index_dir):
    assert "kind" in indexing.make_schema().names()
    with searching.Searcher(index_dir) as s:  # the index built with it holds its values
        assert sorted(s.searcher.lexicon("kind")) == [b"html", b"text"]


def test_a_registered_facet_is_a_search_and_export_option(runner, registered):
    for command in ("search", "export"):
        help_text = invoke(runner, command, "--help").stdout
        assert "--kind TEXT" in help_text and "Kind of page (html or text)" in help_text
    assert "kind" in invoke(runner, "facets", "--help").stdout


def test_filtering_by_a_registered_facet_finds_its_pages(runner, index_dir):
    result = run(runner, index_dir, "search", "--kind", "TEXT", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [h["key"] for h in data["hits"]] == ["kabul-evacuation.txt"]
    assert data["filters"] == {"kind": ["text"]}
    both = json.loads(run(runner, index_dir, "search", "Kabul", "--kind", "html", "--kind", "text",
                          "--format", "json").stdout)
    assert both["total"] == 2


def test_an_unknown_value_of_a_registered_facet_is_a_user_error(runner, index_dir):
    result = run(runner, index_dir, "search", "--kind", "pdf")
    assert result.exit_code == 2 and "Unknown kind 'pdf'" in result.stderr


def test_a_registered_facet_is_counted_in_the_json_output(runner, index_dir):
    data = json.loads(run(runner, index_dir, "search", "*", "--facets", "--format", "json").stdout)
    assert data["facets"]["kind"] == [{"value": "html", "label": "html", "count": 2},
                                      {"value": "text", "label": "text", "count": 1}]
    counts = json.loads(run(runner, index_dir, "facets", "kind", "--format", "json").stdout)
    assert [c["value"] for c in counts["kind"]] == ["html", "text"]


def test_a_batch_line_filters_by_a_registered_facet(runner, index_dir):
    result = runner.invoke(cli, ["search", "--batch", "-", "--index", index_dir], input='{"kind": "text"}\n')
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["filters"] == {"kind": ["text"]}


def test_a_registered_facet_is_a_panel_of_the_web_sidebar(index_dir):
    client = serving.create_app(index_dir).test_client()
    page = BeautifulSoup(client.get("/").data, "html.parser")
    panel = page.select_one("#facet-kind")
    assert panel is not None and panel.h2.get_text() == "Kinds of page"
    links = {a.select_one(".facet-label").get_text(strip=True): a["href"] for a in panel.select("a.facet-link")}
    assert set(links) == {"html", "text"} and "kind=text" in links["text"]
    narrowed = client.get(links["text"])
    assert narrowed.status_code == 200
    assert BeautifulSoup(narrowed.data, "html.parser").select_one(".total strong").get_text() == "1"
    api = json.loads(client.get("/api/search?q=*&kind=html").data)
    assert api["total"] == 2 and api["filters"] == {"kind": ["html"]}


def test_a_registered_facet_is_in_the_export(runner, index_dir):
    lines = run(runner, index_dir, "export", "--kind", "html").stdout.splitlines()
    assert sorted((r["key"], r["kinds"]) for r in map(json.loads, lines)) == [
        ("kabul-checkpoint.html", ["html"]), ("nairobi-court.html", ["html"])]
    rows = list(csv.DictReader(io.StringIO(run(runner, index_dir, "export", "--format", "csv").stdout)))
    assert {r["key"]: r["kinds"] for r in rows}["kabul-evacuation.txt"] == "text"
    header = list(rows[0])
    assert header.index("kinds") == header.index("language") + 1  # after the other facets (language is the last built in)


def test_a_dropped_facet_leaves_no_trace(runner):
    desk = facets.Facet("desk", "desk", lambda record: [record.author or ""], option="desks", help="Byline.")
    facets.register(desk)
    try:
        assert "--desk" in invoke(runner, "search", "--help").stdout
        assert "desk" in indexing.make_schema().names()
    finally:
        facets.unregister("desk")
    assert "--desk" not in invoke(runner, "search", "--help").stdout
    assert "desk" not in indexing.make_schema().names() and "desk" not in facets.names()


def test_a_facet_clashing_with_a_registered_one_is_refused():
    before = facets.names()
    with pytest.raises(facets.BadValue, match="clashes"):
        facets.register(facets.Facet("country", "nations", lambda record: []))
    with pytest.raises(facets.BadValue, match="clashes"):
        facets.register(facets.Facet("nation", "countries", lambda record: []))
    assert facets.names() == before


def test_an_index_built_before_a_facet_was_registered_still_answers(runner, tmp_path):
    ix = str(tmp_path / "ix")
    indexing.build_index([str(PAGES)], ix, jobs=1)
    facets.register(facets.Facet("desk", "desk", lambda record: [record.author or ""], option="desks"))
    try:
        data = json.loads(run(runner, ix, "search", "Kabul", "--facets", "--format", "json").stdout)
        assert data["total"] == 2 and data["facets"]["desk"] == []  # no values until the index is rebuilt
        result = run(runner, ix, "search", "--desk", "Ingrid Solheim-Barker")
        assert result.exit_code == 2 and "Unknown desk 'Ingrid Solheim-Barker'" in result.stderr
    finally:
        facets.unregister("desk")
