"""The local engine: worker processes derive and write shards; the index equals a one-process build."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from searchlib import EngineFailed, SearchRequest, build_index, engines, search

from .conftest import FIXTURES, invoke


@pytest.fixture
def big_corpus(tmp_path):
    """24 pages (the parallel path starts at 16): the fixtures three times under new names."""
    folder = tmp_path / "corpus"
    for copy in range(3):
        shutil.copytree(FIXTURES, folder / f"copy{copy}", ignore=shutil.ignore_patterns("README.md"))
    return folder


def _export(runner, ix):
    result = invoke(runner, "export", "--with-text", "--index", ix)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    for row in rows:
        row.pop("indexed_at", None)
    return rows


def test_parallel_shards_give_the_same_archive_as_one_process(big_corpus, tmp_path, runner):
    one, two = str(tmp_path / "one"), str(tmp_path / "two")
    assert build_index([str(big_corpus)], one, jobs=1).added == 24
    assert build_index([str(big_corpus)], two, jobs=2).added == 24
    assert _export(runner, one) == _export(runner, two)
    for request in (SearchRequest("Kabul", facets=True, all=True, limit=100),
                    SearchRequest("", groups=["Islamic State"], facets=True, limit=100)):
        a, b = search(request, one), search(request, two)
        assert [h.key for h in a.hits] == [h.key for h in b.hits]
        assert a.total == b.total and a.facets == b.facets


def test_parallel_update_replaces_changed_pages_once(big_corpus, tmp_path):
    ix = str(tmp_path / "ix")
    build_index([str(big_corpus)], ix, jobs=2)
    page = big_corpus / "copy1" / "no-date.txt"
    page.write_text(page.read_text(encoding="utf-8").replace("on Tuesday", "on Tuesday near a zebracorn"),
                    encoding="utf-8")
    (big_corpus / "copy2" / "wire-copy-a.txt").unlink()
    report = build_index([str(big_corpus)], ix, jobs=2)
    assert (report.updated, report.removed, report.added) == (1, 1, 0)
    assert [h.key for h in search(SearchRequest("zebracorn", all=True), ix).hits] == ["copy1/no-date.txt"]
    assert search(SearchRequest("*", all=True, limit=100), ix).total == 23
    assert not [n for n in os.listdir(ix) if n.startswith(".shards.")]


def test_a_dead_worker_fails_the_run_and_keeps_the_index(big_corpus, tmp_path, monkeypatch, runner):
    ix = str(tmp_path / "ix")
    build_index([str(big_corpus)], ix, jobs=2)
    before = _export(runner, ix)
    (big_corpus / "copy0" / "new.txt").write_text("A new page about Kabul and the Taliban.\n", encoding="utf-8")
    real = engines.derive_into

    def dies(sources, shard):
        if any(s.key.endswith("new.txt") for s in sources):
            os._exit(9)  # the worker process is killed mid-run
        return real(sources, shard)

    monkeypatch.setattr(engines, "derive_into", dies)
    with pytest.raises(EngineFailed):
        build_index([str(big_corpus)], ix, jobs=2, rebuild=True)
    result = invoke(runner, "index", str(big_corpus), "--index", ix, "--jobs", "2", "--rebuild")
    assert result.exit_code == 70 and "worker process died" in result.stderr
    assert _export(runner, ix) == before
    assert not [n for n in os.listdir(ix) if n.startswith(".shards.")]
