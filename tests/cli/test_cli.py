"""The CLI: exit codes, formats, streams, and no traceback for a user error."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest

from searchlib.query.rendering import safe_cell

from ..conftest import FIXTURES, invoke, keys, search_json


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl", "csv"])
def test_search_formats(runner, built_index, fmt):
    result = invoke(runner, "search", "ISIS-K", "--index", built_index, "--format", fmt)
    assert result.exit_code == 0, result.output
    assert "Kabul" in result.stdout and result.stderr == ""
    if fmt == "jsonl":
        assert [json.loads(line)["key"] for line in result.stdout.splitlines()] == ["isisk-kabul.txt"]
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        assert rows[0]["key"] == "isisk-kabul.txt" and "ISIS-K" in rows[0]["groups"]


def test_search_command_is_also_a_searchlib_subcommand(runner, built_index):
    from click.testing import CliRunner

    from searchlib.cli.commands import search_command

    direct = CliRunner().invoke(search_command, ["ISIS-K", "--index", built_index, "--format", "json"])
    sub = invoke(runner, "search", "ISIS-K", "--index", built_index, "--format", "json")
    assert json.loads(direct.stdout)["hits"][0]["key"] == json.loads(sub.stdout)["hits"][0]["key"]


def test_no_hits_is_exit_1_with_valid_json(runner, built_index):
    result, data = search_json(runner, built_index, "--country", "Thailand")
    assert result.exit_code == 1 and data["hits"] == [] and data["total"] == 0


@pytest.mark.parametrize("args,needle", [
    (["--country", "Afghanstn"], "Afghanistan"),  # "Afganistan" is Spanish and Turkish
    (["--group", "Talibn"], "Taliban"),
    (["--from", "2021-13"], "2021-13"),
    (["--from", "2022", "--to", "2021"], "after"),
    (['"unclosed'], "Unbalanced quote"),
    (["nosuchfield:x"], "nosuchfield"),
    (["--official", "Nobody Atall"], "Nobody Atall"),
])
def test_user_errors_are_one_line_exit_2_no_traceback(runner, built_index, args, needle):
    result = invoke(runner, "search", *args, "--index", built_index)
    assert result.exit_code == 2, result.output
    assert needle in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("Error:") and len(result.stderr.strip().splitlines()) == 1


def test_missing_index_is_exit_2_and_says_how_to_build(runner, tmp_path):
    result = invoke(runner, "search", "x", "--index", tmp_path / "none")
    assert result.exit_code == 2 and "searchlib index" in result.stderr


def test_index_env_var(runner, built_index, monkeypatch):
    monkeypatch.setenv("SEARCHLIB_INDEX", built_index)
    assert invoke(runner, "search", "ISIS-K").exit_code == 0


def test_first_search_on_fresh_checkout_builds_index_from_corpus(runner, tmp_path, monkeypatch):
    shutil.copytree(FIXTURES, tmp_path / "corpus")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SEARCHLIB_INDEX", raising=False)
    result = invoke(runner, "search", "ISIS-K", "--format", "json")
    assert result.exit_code == 0, result.output
    assert "building it from corpus/" in result.stderr
    assert keys(json.loads(result.stdout)) == ["isisk-kabul.txt"]
    assert (tmp_path / "index" / "CURRENT").exists()
    again = invoke(runner, "search", "ISIS-K")
    assert again.exit_code == 0 and "building" not in again.stderr


def test_index_reports_bad_files_and_indexes_the_rest(runner, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES, corpus)
    (corpus / "broken.txt").write_bytes(b"\x00\x01\x02" * 500)
    (corpus / "empty.html").write_bytes(b"")
    result = invoke(runner, "index", corpus, "--index", tmp_path / "ix", "--format", "json")
    assert result.exit_code == 1
    assert "broken.txt" in result.stderr and "empty.html" in result.stderr
    report = json.loads(result.stdout)
    assert report["added"] == 8 and {f["path"].rsplit("/", 1)[-1] for f in report["failed"]} == {"broken.txt", "empty.html"}
    assert invoke(runner, "search", "Kenyatta", "--index", tmp_path / "ix").exit_code == 0


def test_reindex_replaces_the_archive_atomically(runner, tmp_path):
    ix = tmp_path / "ix"
    assert invoke(runner, "index", FIXTURES / "isisk-kabul.txt", "--index", ix).exit_code == 0
    assert invoke(runner, "index", FIXTURES, "--index", ix).exit_code == 0
    gens = [p.name for p in ix.iterdir() if p.name.startswith("gen-")]
    assert (ix / "CURRENT").read_text().strip() in gens and len(gens) <= 2
    assert json.loads(invoke(runner, "stats", "--index", ix, "--format", "json").stdout)["documents"] == 8


def test_extract_jsonl_has_the_scorers_keys(runner):
    result = invoke(runner, "extract", FIXTURES / "shabaab-kenya.html", FIXTURES / "no-date.txt")
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [set(r) >= {"path", "title", "author", "published", "text", "groups", "countries", "officials", "dates"}
            for r in rows] == [True, True]
    kenya = rows[0]
    assert kenya["published"] == "2013-09-22" and kenya["countries"] == ["Kenya", "Somalia"]
    assert kenya["officials"][0] == {"name": "Uhuru Kenyatta", "role": "President", "country": "Kenya",
                                     "organisation": None}
    assert rows[1]["published"] is None


def test_show_by_key_and_path_with_evidence(runner, built_index):
    result = invoke(runner, "show", "isisk-kabul.txt", "--index", built_index, "--format", "json")
    assert result.exit_code == 0
    rec = json.loads(result.stdout)
    assert rec["groups"] == ["ISIS-K", "Taliban"] and rec["sha256"] and rec["text"]
    assert any(e["field"] == "group" and "ISIS-K" in e["sentence"] for e in rec["evidence"])
    text = invoke(runner, "show", "isisk-kabul.txt", "--index", built_index)
    assert "evidence:" in text.stdout
    assert invoke(runner, "show", "nope.txt", "--index", built_index).exit_code == 1


def test_facets_command(runner, built_index):
    result = invoke(runner, "facets", "country", "--index", built_index, "--format", "json")
    counts = {c["value"]: c["count"] for c in json.loads(result.stdout)["country"]}
    assert counts["Afghanistan"] == 3 and counts["Kenya"] == 1
    text = invoke(runner, "facets", "group", "--index", built_index)
    assert "ISIS-K (Islamic State)" in text.stdout


def test_stats_command(runner, built_index):
    data = json.loads(invoke(runner, "stats", "--index", built_index, "--format", "json").stdout)
    assert data["documents"] == 8 and data["undated"] == 1 and data["years"]["2020"] == 2
    assert data["last_run"]["added"] == 8


def test_csv_cells_never_run_as_formulas():
    assert safe_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert safe_cell("+1") == "'+1" and safe_cell("@SUM") == "'@SUM" and safe_cell("-2") == "'-2"
    assert safe_cell("Kabul") == "Kabul"


def test_help_and_version(runner):
    assert invoke(runner, "--help").exit_code == 0
    assert invoke(runner, "--version").stdout.startswith("searchlib")


def test_batch_runs_one_lookup_per_line_with_one_warm_searcher(runner, built_index):
    from searchlib.cli.commands import cli

    lines = 'ISIS-K\n{"query": "Taliban", "country": ["Qatar"], "facets": true, "all": true}\n\n{"group": "al-Shabaab"}\n'
    result = runner.invoke(cli, ["search", "--batch", "-", "--index", built_index], input=lines)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r.get("total") for r in rows] == [1, 2, None, 1]
    assert [r["line"] for r in rows] == [1, 2, 3, 4] and rows[2] == {"line": 3, "skipped": "blank line"}
    assert rows[1]["facets"]["country"] and rows[1]["filters"] == {"country": ["Qatar"]}
    assert list(rows[0])[:5] == ["query", "total", "filters", "hits", "facets"]  # newer keys come after


def test_batch_reports_bad_lines_and_goes_on(runner, built_index):
    from searchlib.cli.commands import cli

    lines = '{"country": "Afghanstn"}\n{"nosuch": 1}\nnot json {\nKenya\n'
    result = runner.invoke(cli, ["search", "--batch", "-", "--index", built_index], input=lines)
    assert result.exit_code == 2
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r.get("line") for r in rows[:2]] == [1, 2] and "Afghanistan" in rows[0]["error"]
    assert rows[-1]["total"] >= 1


def test_batch_lines_with_values_of_the_wrong_kind_get_an_error_naming_the_option(runner, built_index):
    from searchlib.cli.commands import cli

    lines = ('{"query": "Kabul", "limit": "ten"}\n{"query": "Kabul", "sort": "newest"}\n'
             '{"query": "Kabul", "from": 2021}\n{"query": "Kabul", "facets": "yes"}\n'
             '{"query": "Kabul", "country": [1]}\n{"query": "Kabul", "limit": -1}\nKabul\n')
    result = runner.invoke(cli, ["search", "--batch", "-", "--index", built_index], input=lines)
    assert result.exit_code == 2 and "Traceback" not in result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r.get("line") for r in rows[:6]] == [1, 2, 3, 4, 5, 6]
    assert rows[0]["error"] == "Invalid limit 'ten': use a whole number from 0 to 100000"
    assert rows[1]["error"] == "Unknown sort 'newest': use relevance, date or oldest"
    assert "Invalid from date 2021" in rows[2]["error"]
    assert rows[3]["error"] == "Invalid facets 'yes': use true or false"
    assert rows[4]["error"] == "Invalid country 1: give the country as text"
    assert rows[5]["error"] == "Invalid limit -1: use a whole number from 0 to 100000"
    assert rows[6]["total"] >= 1


def test_a_search_process_loads_only_what_searching_needs(built_index):
    """A fresh `search` pays for every import: no pipeline, HTML parser, web app or urllib stack."""
    import subprocess
    import sys

    code = ("import sys; from searchlib.cli.commands import search_command; sys.argv = ['search', 'Kabul', '--facets', "
            f"'--index', {built_index!r}, '--format', 'json']\n"
            "try:\n    search_command()\nexcept SystemExit:\n    pass\n"
            "heavy = ['bs4', 'trafilatura', 'lxml', 'flask', 'dateutil', 'searchlib.derive.cleaning', 'searchlib.derive.tagging',"
            " 'urllib.request', 'http.client', 'ssl', 'email.parser']\n"
            "print([m for m in heavy if m in sys.modules], file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert '"total"' in result.stdout
    assert result.stderr.strip().splitlines()[-1] == "[]"


def test_output_is_utf8_when_the_streams_are_set_up_as_ascii(built_index, tmp_path):
    """Data and messages are written as UTF-8 even when Python's streams say ASCII: no crash, no
    '?' in place of a dash (what click.get_text_stream did, and a bare sys.stdout does not)."""
    import subprocess
    import sys

    env = {"PATH": "", "PYTHONIOENCODING": "ascii"}
    code = "import sys; from searchlib.cli.commands import cli; sys.exit(cli())"
    found = subprocess.run([sys.executable, "-c", code, "search", "parade", "--index", built_index, "--format",
                            "jsonl"], capture_output=True, env=env, timeout=60)
    assert found.returncode == 0, found.stderr.decode("utf-8", "replace")
    assert "BAGHDAD \u2014 Iraq" in json.loads(found.stdout.decode("utf-8"))["snippet"]
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "caf\u00e9.txt").write_bytes(b"\x00\x01")
    indexed = subprocess.run([sys.executable, "-c", code, "index", str(tmp_path / "pages"), "--index",
                              str(tmp_path / "ix")], capture_output=True, env=env, timeout=60)
    assert indexed.returncode == 1 and "/caf\u00e9.txt: binary" in indexed.stderr.decode("utf-8")
