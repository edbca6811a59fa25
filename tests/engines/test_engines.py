"""The local engine: worker processes derive and write shards; the index equals a one-process build."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from searchlib import EngineFailed, SearchRequest, build_index, records, search
from searchlib.engines import local as engines

from ..conftest import FIXTURES, invoke


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


def test_extract_in_worker_processes_gives_the_records_in_input_order(big_corpus):
    from searchlib.derive.pipeline import extract

    serial = [records.extract(r) for r in extract([str(big_corpus)], jobs=1)]
    parallel = [records.extract(r) for r in extract([str(big_corpus)], jobs=2)]
    assert len(serial) == 24 and parallel == serial


def test_records_only_in_the_local_pool_gives_one_record_per_page(big_corpus, tmp_path):
    from searchlib.engines import dask_engine as distributed
    from searchlib.derive.pipeline import extract

    report = distributed.write_records([str(big_corpus)], str(tmp_path / "out"), jobs=2, partitions=3)
    assert (report.partitions, report.records, report.failed) == (3, 24, [])
    keys = [json.loads(line)["id"] for part in sorted((tmp_path / "out").glob("part-*"))
            for line in (part / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(keys) == sorted(r.key for r in extract([str(big_corpus)], jobs=1))


def test_a_dead_worker_of_the_pool_is_named_not_waited_for():
    from searchlib.processes import WorkerPool

    def work(_state, n):
        if n == 5:
            os._exit(3)
        return n * n

    with pytest.raises(EngineFailed, match=r"a worker process died \(exit code 3\)"):
        with WorkerPool(2, work) as pool:
            list(pool.map(range(10), ordered=True))
    with WorkerPool(2, lambda _state, n: n * n) as pool:
        assert list(pool.map(range(40), ordered=True)) == [n * n for n in range(40)]
