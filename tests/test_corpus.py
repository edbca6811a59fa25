"""The bundled sample corpus and the fixtures: every page cleans and tags as its fact sheet says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from searchlib.derive.pipeline import extract

from .conftest import FIXTURES, ROOT

SHEETS = {ROOT / "corpus": ROOT / "corpus" / "FACTS.md", FIXTURES: FIXTURES / "README.md"}


def parse_sheet(path: Path) -> dict[str, dict[str, str]]:
    facts: dict[str, dict[str, str]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^## `(.+?)`", line)
        if m:
            current = facts.setdefault(m.group(1), {})
            continue
        m = re.match(r"^- \*\*(\w+)\*\*[^:]*: (.*)", line)
        if current is not None and m:
            current[m.group(1)] = m.group(2).strip()
    return facts


def names(value: str | None) -> set[str]:
    if not value or value.startswith("none"):
        return set()
    head = value.split(" \u2014 ")[0]
    return {re.sub(r"\s*\(.*?\)", "", x).strip() for x in re.split(r",\s*(?![^()]*\))", head)}


CASES = []
for folder, sheet in SHEETS.items():
    records = {r.key: r for r in extract([str(folder)], jobs=1)}
    for key, facts in parse_sheet(sheet).items():
        CASES.append(pytest.param(records.get(key), facts, id=key))


@pytest.mark.parametrize("record,facts", CASES)
def test_page_matches_its_fact_sheet(record, facts):
    assert record is not None
    stated = facts["published"].split()[0]
    assert record.published == (None if stated == "none" else stated)
    assert names(facts.get("countries")) <= set(record.countries)
    assert not names(facts.get("countries_forbidden")) & set(record.countries), "a boilerplate-only country was tagged"
    assert names(facts.get("groups")) == set(record.groups)
    assert record.title == facts["title"].split(" \u2014 ")[0]
    for line in ("You may also like", "Leave a Reply", "Share on Facebook"):
        assert line not in record.text


def test_the_bundled_corpus_indexes_without_failures(tmp_path):
    from searchlib.store.indexing import build_index

    report = build_index([str(ROOT / "corpus")], str(tmp_path / "ix"), jobs=1)
    assert report.added == 15 and report.failed == []


def test_the_bundled_corpus_shows_a_translingual_group_search(tmp_path, runner):
    """The first-run example: one --group filter finds the French, Arabic and Russian pages too."""
    import json

    from searchlib.store.indexing import build_index

    from .conftest import invoke

    ix = tmp_path / "ix"
    build_index([str(ROOT / "corpus")], str(ix), jobs=1)
    result = invoke(runner, "search", "--group", "Islamic State", "--index", ix, "--format", "json", "--limit", "100")
    found = {h["key"] for h in json.loads(result.stdout)["hits"]}
    assert {"13-attentat-nice-fr.txt", "14-baghouz-ar.txt", "15-metrojet-sinai-ru.txt"} <= found
    assert "01-kabul-airport-bombing.txt" in found
