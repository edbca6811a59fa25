"""Growing an archive: incremental runs, removals, rebuilds, the writer lock, atomic publishing."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import threading
import time

import pytest

from searchlib import IndexLocked, SearchRequest, build_index, search
from searchlib.errors import BadValue
from searchlib.store.indexing import write_lock

from ..conftest import FIXTURES, invoke

ARTICLE = ("KABUL, Aug 27 (Agency) - Officials in Kabul said on Friday that {what} after the attack near the "
           "airport, in which dozens of people were killed, according to the interior ministry.\n\n"
           "The Taliban said the security of the city was now its responsibility and promised an investigation.")


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(FIXTURES, folder)
    return folder


def keys_for(index_dir, query="*"):
    return sorted(h.key for h in search(SearchRequest(query, limit=1000, all=True), str(index_dir)).hits)


def test_second_run_over_unchanged_corpus_processes_nothing(corpus, tmp_path):
    ix = tmp_path / "ix"
    first = build_index([str(corpus)], str(ix), jobs=1)
    assert (first.added, first.unchanged) == (8, 0)
    second = build_index([str(corpus)], str(ix), jobs=1)
    assert (second.added, second.updated, second.removed, second.unchanged) == (0, 0, 0, 8)


def test_added_changed_and_removed_files_are_found(corpus, tmp_path):
    ix = tmp_path / "ix"
    build_index([str(corpus)], str(ix), jobs=1)
    (corpus / "new-page.txt").write_text("Airport reopens\n\n" + ARTICLE.format(what="flights would resume"))
    (corpus / "no-date.txt").unlink()
    page = corpus / "isisk-kabul.txt"
    page.write_text(page.read_text().replace("ISIS-K", "ISKP"))
    report = build_index([str(corpus)], str(ix), jobs=1)
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 1, 1, 6)
    assert "new-page.txt" in keys_for(ix) and "no-date.txt" not in keys_for(ix)
    assert keys_for(ix, '"ISKP"') == ["isisk-kabul.txt"]
    assert len(keys_for(ix)) == 8


def test_touched_but_identical_file_is_unchanged(corpus, tmp_path):
    ix = tmp_path / "ix"
    build_index([str(corpus)], str(ix), jobs=1)
    later = time.time() + 100
    os.utime(corpus / "daesh-iraq.html", (later, later))
    report = build_index([str(corpus)], str(ix), jobs=1)
    assert report.unchanged == 8 and report.updated == 0


def test_run_without_paths_rescans_the_folders_of_the_last_run(corpus, tmp_path):
    ix = tmp_path / "ix"
    build_index([str(corpus)], str(ix), jobs=1)
    (corpus / "extra.txt").write_text("Airport reopens\n\n" + ARTICLE.format(what="flights would resume"))
    assert build_index(None, str(ix), jobs=1).added == 1


def test_a_mistyped_path_changes_nothing(corpus, tmp_path):
    ix = tmp_path / "ix"
    build_index([str(corpus)], str(ix), jobs=1)
    with pytest.raises(BadValue, match="No such file"):
        build_index([str(tmp_path / "corpsu")], str(ix), jobs=1)
    assert len(keys_for(ix)) == 8


def test_rebuild_swaps_in_a_fresh_generation(corpus, tmp_path):
    ix = tmp_path / "ix"
    build_index([str(corpus)], str(ix), jobs=1)
    before = (ix / "CURRENT").read_text()
    report = build_index([str(corpus)], str(ix), jobs=1, rebuild=True)
    assert report.added == 8 and (ix / "CURRENT").read_text() != before
    gens = sorted(p.name for p in ix.iterdir() if p.name.startswith("gen-"))
    assert gens == sorted([before.strip(), (ix / "CURRENT").read_text().strip()])


def test_a_file_listed_twice_is_one_document(corpus, tmp_path):
    ix = tmp_path / "ix"
    report = build_index([str(corpus), str(corpus)], str(ix), jobs=1)
    assert report.added == 8 and len(keys_for(ix)) == 8


def test_second_writer_waits_then_fails_with_exit_75(corpus, tmp_path, runner):
    ix = tmp_path / "ix"
    build_index([str(corpus)], str(ix), jobs=1)
    (corpus / "extra.txt").write_text("Airport reopens\n\n" + ARTICLE.format(what="flights would resume"))
    with write_lock(str(ix)):
        with pytest.raises(IndexLocked, match="being updated by another process"):
            build_index([str(corpus)], str(ix), jobs=1, wait=0.2)
        result = invoke(runner, "index", corpus, "--index", ix, "--wait", "0.2")
        assert result.exit_code == 75 and "another process" in result.stderr
    assert "extra.txt" not in keys_for(ix)
    assert build_index([str(corpus)], str(ix), jobs=1).added == 1  # nothing was lost: it is done next time


def test_a_writer_waiting_for_the_lock_gets_it_when_freed(corpus, tmp_path):
    ix = tmp_path / "ix"
    build_index([str(corpus)], str(ix), jobs=1)
    release = threading.Event()

    def hold():
        with write_lock(str(ix)):
            release.wait(5)

    t = threading.Thread(target=hold)
    t.start()
    time.sleep(0.1)
    threading.Timer(0.3, release.set).start()
    # flock is per open file description: a second open in this process also waits
    report = build_index([str(corpus)], str(ix), jobs=1, wait=5)
    t.join()
    assert report.unchanged == 8


def test_index_summary_counts_and_json(corpus, tmp_path, runner):
    ix = tmp_path / "ix"
    assert invoke(runner, "index", corpus, "--index", ix).exit_code == 0
    result = invoke(runner, "index", corpus, "--index", ix, "--format", "json")
    data = json.loads(result.stdout)
    assert (data["added"], data["updated"], data["removed"], data["unchanged"]) == (0, 0, 0, 8)


def test_progress_bar_goes_to_stderr_when_asked(corpus, tmp_path, runner):
    result = invoke(runner, "index", corpus, "--index", tmp_path / "ix", "--progress")
    assert result.exit_code == 0 and "Cleaning and tagging" in result.stderr and result.stdout == ""


def test_5000_unchanged_files_are_not_processed_again(tmp_path):
    corpus = tmp_path / "big"
    for i in range(50):
        sub = corpus / f"d{i:02d}"
        sub.mkdir(parents=True)
        for j in range(100):
            (sub / f"p{j:03d}.txt").write_text(f"Page {i}-{j}\n\nOfficials in Kabul said on Friday that item {i * 100 + j} was logged.")
    ix = tmp_path / "ix"
    first = build_index([str(corpus)], str(ix), jobs=2)
    assert first.added == 5000 and not first.failed
    second = build_index([str(corpus)], str(ix), jobs=2)
    assert (second.added, second.updated, second.removed, second.unchanged) == (0, 0, 0, 5000)


def test_export_reimports_to_the_same_search_results(built_index, tmp_path, runner):
    out = tmp_path / "archive.jsonl"
    result = invoke(runner, "export", "--with-text", "-o", out, "--index", built_index)
    assert result.exit_code == 0 and "exported 8 documents" in result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["key"] for r in rows] == sorted(r["key"] for r in rows)
    assert all(r["text"] and r["sha256"] and r["origin"]["kind"] == "file" for r in rows)
    restored = tmp_path / "restored"
    assert invoke(runner, "index", "--from-jsonl", out, "--index", restored).exit_code == 0
    for request in (SearchRequest("Taliban", facets=True), SearchRequest(countries=("Kenya",)),
                    SearchRequest("Daesh", limit=50), SearchRequest(officials=("Kenyatta",))):
        a, b = search(request, built_index), search(request, str(restored))
        assert [h.key for h in a.hits] == [h.key for h in b.hits]
        assert a.as_dict()["facets"] == b.as_dict()["facets"]
    shown = json.loads(invoke(runner, "show", "isisk-kabul.txt", "--index", restored, "--format", "json").stdout)
    assert shown["evidence"]


def test_export_filters_and_csv(built_index, runner):
    result = invoke(runner, "export", "--country", "Kenya", "--format", "csv", "--index", built_index)
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0][:3] == ["key", "path", "title"] and len(rows) == 2 and "shabaab-kenya.html" in rows[1]


def test_an_export_without_text_cannot_rebuild_an_index(built_index, tmp_path, runner):
    out = tmp_path / "meta.jsonl"
    invoke(runner, "export", "-o", out, "--index", built_index)
    result = invoke(runner, "index", "--from-jsonl", out, "--index", tmp_path / "x")
    assert result.exit_code == 2 and "--with-text" in result.stderr


def test_source_facet_and_filter(built_index):
    result = search(SearchRequest("*", facets=True), built_index)
    sources = {c.value: c.count for c in result.facets["source"]}
    assert sources == {"Capital Wire Review": 1, "The Lagos Observer": 1}
    assert [h.key for h in search(SearchRequest(sources=("capital wire review",)), built_index).hits] == ["wire-copy-b.txt"]


def test_next_run_cleans_what_a_killed_run_left_and_says_so(corpus, tmp_path):
    ix = tmp_path / "ix"
    build_index([str(corpus)], str(ix), jobs=1)
    gen = ix / (ix / "CURRENT").read_text().strip()
    (gen / "MAIN_deadbeef.seg").write_bytes(b"x" * 1000)  # a segment no table of contents names
    (ix / "gen-000099").mkdir()  # a build that never published
    (ix / "gen-000099" / "MAIN_x.seg").write_bytes(b"y" * 500)
    (ix / ".CURRENT.4242").write_text("gen-000099")
    report = build_index([str(corpus)], str(ix), jobs=1)
    assert report.reclaimed >= 1500 and "reclaimed" in report.summary()
    assert not (gen / "MAIN_deadbeef.seg").exists() and not (ix / "gen-000099").exists()
    assert len(keys_for(ix)) == 8


def test_runs_that_finish_leave_nothing_to_reclaim(corpus, tmp_path, runner):
    ix = tmp_path / "ix"
    reports = [build_index([str(corpus)], str(ix), jobs=1), build_index([str(corpus)], str(ix), jobs=1)]
    (corpus / "extra.txt").write_text("Airport reopens\n\n" + ARTICLE.format(what="flights would resume"))
    reports.append(build_index([str(corpus)], str(ix), jobs=1))
    reports.append(build_index([str(corpus)], str(ix), jobs=1))
    reports.append(build_index([str(corpus)], str(ix), jobs=1, rebuild=True))
    reports.append(build_index([str(corpus)], str(ix), jobs=1))
    for _ in range(3):  # the idle runs of the issue: `searchlib index corpus/` three times
        result = invoke(runner, "index", corpus, "--index", ix, "--format", "json")
        assert result.exit_code == 0 and json.loads(result.stdout)["reclaimed"] == 0, result.output
        assert "reclaimed" not in result.stderr
    assert [r.reclaimed for r in reports] == [0] * len(reports)
    assert "reclaimed" not in reports[-1].summary()


def test_the_run_after_one_that_died_says_what_it_reclaimed(corpus, tmp_path):
    import multiprocessing

    from searchlib.store import sharding

    ix = tmp_path / "ix"
    build_index([str(corpus)], str(ix), jobs=1)
    (corpus / "extra.txt").write_text("Airport reopens\n\n" + ARTICLE.format(what="flights would resume"))

    def die_before_the_commit():
        sharding.commit_with = lambda *a, **k: os._exit(9)  # as abrupt as SIGKILL: no cleanup runs
        build_index([str(corpus)], str(ix), jobs=1)

    child = multiprocessing.get_context("fork").Process(target=die_before_the_commit)
    child.start()
    child.join()
    assert child.exitcode == 9
    assert "extra.txt" not in keys_for(ix)
    report = build_index([str(corpus)], str(ix), jobs=1)
    assert report.reclaimed > 0 and "left by an interrupted run" in report.summary()
    assert report.added == 1 and "extra.txt" in keys_for(ix)
    assert build_index([str(corpus)], str(ix), jobs=1).reclaimed == 0


def test_the_replaced_generation_stays_until_the_next_publish(corpus, tmp_path):
    ix = tmp_path / "ix"
    build_index([str(corpus)], str(ix), jobs=1)
    first = (ix / "CURRENT").read_text().strip()
    build_index([str(corpus)], str(ix), jobs=1, rebuild=True)
    second = (ix / "CURRENT").read_text().strip()
    assert (ix / first).is_dir()  # a searcher that opened it a moment ago can finish
    build_index([str(corpus)], str(ix), jobs=1, rebuild=True)
    assert not (ix / first).exists() and (ix / second).is_dir()


def test_not_enough_free_space_is_refused_before_writing(corpus, tmp_path, monkeypatch, runner):
    ix = tmp_path / "ix"
    build_index([str(corpus)], str(ix), jobs=1)
    before = (ix / "CURRENT").read_text()
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9 - 1000, 1000))
    result = invoke(runner, "index", corpus, "--index", ix, "--rebuild")
    assert result.exit_code == 74 and "free space" in result.stderr
    assert (ix / "CURRENT").read_text() == before and len(keys_for(ix)) == 8


def test_disk_full_during_a_write_keeps_the_previous_state(corpus, tmp_path, monkeypatch, runner):
    import errno

    from whoosh.writing import SegmentWriter

    ix = tmp_path / "ix"
    build_index([str(corpus)], str(ix), jobs=1)
    (corpus / "extra.txt").write_text("Airport reopens\n\n" + ARTICLE.format(what="flights would resume"))

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(SegmentWriter, "commit", full)
    for args in ([], ["--rebuild"]):
        result = invoke(runner, "index", corpus, "--index", ix, *args)
        assert result.exit_code == 74 and "No space left" in result.stderr, result.output
    monkeypatch.undo()
    assert "extra.txt" not in keys_for(ix) and len(keys_for(ix)) == 8
    assert [p.name for p in ix.iterdir() if p.name.startswith("gen-")] == [(ix / "CURRENT").read_text().strip()]
    assert build_index([str(corpus)], str(ix), jobs=1).added == 1


def test_rebuild_without_paths_uses_the_folders_of_the_last_run(corpus, tmp_path):
    ix = tmp_path / "ix"
    build_index([str(corpus)], str(ix), jobs=1)
    assert build_index(None, str(ix), jobs=1, rebuild=True).added == 8


def test_a_file_changed_again_within_the_same_mtime_tick_is_reindexed(corpus, tmp_path):
    # "racy git": the page is indexed right after it was written, then rewritten with the same size
    # within the same timestamp tick (same mtime): size and mtime match what the run recorded
    ix = tmp_path / "ix"
    page = corpus / "extra.txt"
    page.write_text("Airport reopens\n\n" + ARTICLE.format(what="flights would resume"))
    tick = os.stat(page).st_mtime_ns
    build_index([str(corpus)], str(ix), jobs=1)
    size = os.stat(page).st_size
    page.write_text("Airport reopens\n\n" + ARTICLE.format(what="convoys would resume"))
    os.utime(page, ns=(tick, tick))
    assert os.stat(page).st_size == size
    report = build_index([str(corpus)], str(ix), jobs=1)
    assert report.updated == 1
    assert keys_for(ix, "convoys") == ["extra.txt"] and keys_for(ix, "\"flights would resume\"") == []


def test_a_file_older_than_a_tick_costs_one_stat_and_no_hash(corpus, tmp_path, monkeypatch):
    from searchlib import fsutil

    ix = tmp_path / "ix"
    old = time.time() - 3600
    for page in corpus.iterdir():
        os.utime(page, (old, old))
    (corpus / "new.txt").write_text("Airport reopens\n\n" + ARTICLE.format(what="flights would resume"))  # written now
    build_index([str(corpus)], str(ix), jobs=1)
    hashed = []
    real = fsutil.file_sha256
    # pages only: a commit also hashes its own new index files (indexing.write_checksums)
    monkeypatch.setattr(fsutil, "file_sha256", lambda path: (str(path).startswith(str(corpus)) and
                                                              hashed.append(os.path.basename(path))) or real(path))
    assert build_index([str(corpus)], str(ix), jobs=1).unchanged == 9
    assert hashed == ["new.txt"]  # recorded too close to its mtime: its content decides, once
    os.utime(corpus / "new.txt", (old, old))
    hashed.clear()
    build_index([str(corpus)], str(ix), jobs=1)
    build_index([str(corpus)], str(ix), jobs=1)
    assert hashed == ["new.txt"]


def test_an_index_written_before_the_layer_folders_still_opens(corpus, tmp_path, monkeypatch):
    """Its table of contents pickles the analyzer as searchlib.indexing.CompoundFilter: a fresh
    process (which has not imported anything by that name) must still open and update it."""
    import subprocess
    import sys

    from searchlib.store import schema

    ix = tmp_path / "ix"
    for cls in (schema.CompoundFilter, schema.SkipCompoundStemFilter):
        monkeypatch.setattr(cls, "__module__", schema.LEGACY_MODULE)
    stop = frozenset(schema.STOP_WORDS) - {"us"}  # the analyzer of that time (no CountryAcronymFilter)
    monkeypatch.setattr(schema, "LANGUAGES", ())  # ... and no field of another language
    monkeypatch.setattr(schema, "make_analyzer", lambda: (
        schema.RegexTokenizer(schema.TOKEN_PATTERN) | schema.LowercaseFilter() | schema.CompoundFilter()
        | schema.StopFilter(stoplist=stop, minsize=1) | schema.SkipCompoundStemFilter(cachesize=schema.STEM_CACHE)))
    added = build_index([str(corpus)], str(ix), jobs=1).added
    monkeypatch.undo()
    toc = next((ix / "gen-000001").glob("_MAIN_*.toc")).read_bytes()
    assert b"searchlib.indexing" in toc and b"searchlib.store" not in toc
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    code = ("import sys; from searchlib import SearchRequest, search, build_index\n"
            f"assert search(SearchRequest('Kabul'), {str(ix)!r}).total >= 1\n"
            f"print(build_index([{str(corpus)!r}], {str(ix)!r}, jobs=1).unchanged)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root,
                         env=dict(os.environ, PYTHONPATH=root), timeout=300)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip()) == added
