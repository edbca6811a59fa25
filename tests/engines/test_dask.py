"""The Dask engine on a LocalCluster (2 worker processes, started once): the same archive as the
local engine, idempotent partitions, a killed worker and a killed publish change nothing visible."""

from __future__ import annotations

import functools
import json
import logging
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from searchlib import SearchRequest, build_index, search
from searchlib.engines import dask_engine as distributed
from searchlib.derive import loading
from searchlib.errors import EngineFailed

from ..conftest import FIXTURES, ROOT, invoke

dd = pytest.importorskip("dask.distributed")

QUERIES = ("Kabul", "attack", "Islamic State", "Shabaab OR Daesh", "wire", "*")


@pytest.fixture(scope="session")
def scheduler():
    """One LocalCluster for the whole session: starting one costs seconds."""
    distributed._quiet_dask()
    cluster = dd.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                              dashboard_address=distributed.LOCAL_DASHBOARD, silence_logs=logging.ERROR)
    yield cluster.scheduler_address
    cluster.close()


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(FIXTURES, folder, ignore=shutil.ignore_patterns("README.md"))
    return folder


def archive(runner, ix) -> dict:
    """Everything a user can see: the export (without its per-run timestamp), ranked hits with
    scores, totals and facet counts."""
    result = invoke(runner, "export", "--with-text", "--index", ix)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    for row in rows:
        row.pop("indexed_at", None)
    hits = {}
    for query in QUERIES:
        found = search(SearchRequest(query, facets=True, all=True, limit=100), str(ix))
        hits[query] = ([(h.key, round(h.score, 6)) for h in found.hits], found.total, found.as_dict()["facets"])
    return {"export": rows, "hits": hits}


def kill_worker_once(marker: str, folder: str) -> None:
    """A partition hook: the first task to get here kills its own worker process, mid-job (its
    shard is written, not yet in place); later attempts find the marker and go on."""
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return
    os.close(fd)
    os.kill(os.getpid(), signal.SIGKILL)


def always_fails(folder: str) -> None:
    raise RuntimeError("simulated bug in a partition")


def test_dask_engine_gives_the_same_export_hits_and_facets_as_local(corpus, tmp_path, runner, scheduler):
    local, dask = str(tmp_path / "local"), str(tmp_path / "dask")
    assert build_index([str(corpus)], local, jobs=1).added == 8
    report = build_index([str(corpus)], dask, engine="dask", scheduler=scheduler, partitions=3)
    assert (report.added, report.failed) == (8, [])
    expected = archive(runner, local)
    assert archive(runner, dask) == expected
    assert not [n for n in os.listdir(dask) if n.startswith(".shards.")]


def test_ranking_ties_break_on_the_key_whatever_the_shard_order(corpus, tmp_path, runner, scheduler, monkeypatch):
    """The wire copies score the same and share a date: the shard adopted first must not win."""
    local, reverse = str(tmp_path / "local"), str(tmp_path / "reverse")
    build_index([str(corpus)], local, jobs=1)
    monkeypatch.setattr(distributed.DaskEngine, "shards", lambda self: sorted(self._shards, reverse=True))
    build_index([str(corpus)], reverse, engine="dask", scheduler=scheduler, partitions=8)
    expected = archive(runner, local)
    wire = expected["hits"]["wire"][0]
    assert [key for key, _ in wire] == ["wire-copy-a.txt", "wire-copy-b.txt"] and wire[0][1] == wire[1][1]
    assert archive(runner, reverse) == expected


def test_dask_engine_routes_updates_and_deletions_by_key(corpus, tmp_path, runner, scheduler):
    local, dask = str(tmp_path / "local"), str(tmp_path / "dask")
    build_index([str(corpus)], local, jobs=1)
    build_index([str(corpus)], dask, engine="dask", scheduler=scheduler)
    page = corpus / "no-date.txt"
    page.write_text(page.read_text(encoding="utf-8").replace("on Tuesday", "on Tuesday near a zebracorn"),
                    encoding="utf-8")
    (corpus / "wire-copy-a.txt").unlink()
    (corpus / "new.txt").write_text("Talks in Doha\n\nThe Taliban met envoys in Doha on Monday.\n", encoding="utf-8")
    assert build_index([str(corpus)], local, jobs=1).summary().startswith("1 added, 1 updated, 1 removed")
    report = build_index([str(corpus)], dask, engine="dask", scheduler=scheduler, partitions=2)
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 1, 1, 6)
    assert archive(runner, dask) == archive(runner, local)
    assert [h.key for h in search(SearchRequest("zebracorn"), dask).hits] == ["no-date.txt"]


def test_a_worker_killed_mid_job_still_gives_the_identical_index(corpus, tmp_path, runner, scheduler):
    local, dask = str(tmp_path / "local"), str(tmp_path / "dask")
    build_index([str(corpus)], local, jobs=1)
    marker = str(tmp_path / "killed-once")
    report = build_index([str(corpus)], dask, engine="dask", scheduler=scheduler, partitions=4,
                         hook=functools.partial(kill_worker_once, marker))
    assert os.path.exists(marker), "no worker was killed"
    assert report.added == 8
    assert archive(runner, dask) == archive(runner, local)
    assert not [n for n in os.listdir(dask) if n.startswith(".shards.")]


def test_a_partition_that_keeps_failing_changes_nothing(corpus, tmp_path, runner, scheduler):
    ix = str(tmp_path / "ix")
    build_index([str(corpus)], ix, jobs=1)
    before = archive(runner, ix)
    with pytest.raises(EngineFailed, match="simulated bug"):
        build_index([str(corpus)], ix, engine="dask", scheduler=scheduler, rebuild=True, retries=1,
                    hook=always_fails)
    assert archive(runner, ix) == before
    assert not [n for n in os.listdir(ix) if n.startswith(".shards.")]


def test_a_rerun_partition_replaces_its_own_output(corpus, tmp_path):
    sources = [s for s in loading.iter_sources([str(corpus)]) if isinstance(s, loading.SourceFile)][:3]
    out = tmp_path / "out"
    out.mkdir()
    version = distributed.code_version()
    first = distributed.run_partition(7, sources, str(out), version)
    again = distributed.run_partition(7, sources, str(out), version)
    assert os.listdir(out) == ["part-00007"]
    assert first.entry["keys"] == again.entry["keys"] and first.entry["inputs"] == again.entry["inputs"]
    shard = distributed.validate_partition(str(out), again.entry, sources, version, again.results)
    assert shard == str(out / "part-00007" / "shard")
    # a stale answer (the first attempt's) no longer matches the files on disk: refused
    segment = next(p for p in (out / "part-00007" / "shard").iterdir() if p.suffix == ".pst")  # the postings
    segment.write_bytes(segment.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(EngineFailed, match="part-00007.*changed after it was written"):
        distributed.validate_partition(str(out), again.entry, sources, version, again.results)


def test_records_only_writes_the_same_json_lines_on_both_engines(corpus, tmp_path, runner, scheduler):
    one, two = tmp_path / "local", tmp_path / "dask"
    result = invoke(runner, "index", corpus, "--records-only", "--shards", one, "--jobs", "1")
    assert result.exit_code == 0, result.output
    distributed.write_records([str(corpus)], str(two), engine="dask", scheduler=scheduler, partitions=3)

    def rows(folder):
        return sorted(line for part in sorted(folder.glob("part-*")) for line in
                      (part / "records.jsonl").read_text(encoding="utf-8").splitlines())

    assert rows(one) == rows(two) and len(rows(one)) == 8
    row = json.loads(rows(one)[0])
    for field in ("id", "url", "title", "author", "crawl_date", "publication_date", "content", "content_length",
                  "hash", "source_file", "source_file_offset", "groups", "countries", "officials"):
        assert field in row
    assert row["hash"].startswith("sha256:")
    assert len((two / "manifest.jsonl").read_text().splitlines()) == 3
    assert not (tmp_path / "local-index").exists()


def test_the_engines_own_cluster_uses_no_fixed_port(corpus, tmp_path, monkeypatch, recwarn):
    """With Dask's default dashboard port (8787) held by another program, the engine's LocalCluster
    serves its HTTP endpoints on a free port: no "already in use" warning, no failure."""
    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", 8787))
        holder.listen()
    except OSError:  # someone else holds it already: just as busy
        holder.close()
    started = []
    real = dd.LocalCluster

    def spy(*args, **kwargs):
        started.append(real(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(dd, "LocalCluster", spy)
    try:
        report = build_index([str(corpus)], str(tmp_path / "ix"), engine="dask", jobs=1)
    finally:
        holder.close()
    assert (report.added, report.failed) == (8, [])
    (cluster,) = started
    assert cluster.scheduler.http_server.port not in (0, 8787)
    assert not [str(w.message) for w in recwarn if "already in use" in str(w.message)]


def test_dask_options_are_checked(runner, corpus, tmp_path):
    result = invoke(runner, "index", corpus, "--index", tmp_path / "ix", "--scheduler", "tcp://127.0.0.1:9")
    assert result.exit_code == 2 and "--engine dask" in result.output
    result = invoke(runner, "index", corpus, "--records-only")
    assert result.exit_code == 2 and "--shards" in result.output
    with pytest.raises(distributed.BadValue, match="Cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        build_index([str(corpus)], str(tmp_path / "ix"), engine="dask", scheduler="tcp://127.0.0.1:9", timeout=1)


PUBLISH = """
import sys
from searchlib.store import sharding
from searchlib.store.indexing import build_index

adopt = sharding.adopt


def announced(writer, shard_dirs):  # the publish starts: the shards are derived and checked
    print("publishing", flush=True)
    return adopt(writer, shard_dirs)


sharding.adopt = announced
build_index([sys.argv[1]], sys.argv[2], engine="dask", scheduler=sys.argv[3], partitions=2, wait=60)
"""


def test_a_publish_killed_at_random_moments_leaves_the_old_or_the_new_archive(corpus, tmp_path, runner, scheduler):
    """SIGKILL a publishing process at random moments (most inside the publish itself: adopting,
    committing, writing the side files), then the index must open and show the old or the new archive."""
    old_ix = str(tmp_path / "old")
    build_index([str(corpus)], old_ix, engine="dask", scheduler=scheduler)
    old = archive(runner, old_ix)
    page = corpus / "isisk-kabul.txt"
    page.write_text(page.read_text(encoding="utf-8").replace("ISIS-K", "ISKP"), encoding="utf-8")
    (corpus / "daesh-iraq.html").unlink()
    (corpus / "new.txt").write_text("Talks in Doha\n\nThe Taliban met envoys in Doha on Monday.\n", encoding="utf-8")
    # (clusters stay as they were: see test_a_publish_killed_after_its_commit_shows_old_or_new_stories)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    ix = str(tmp_path / "ix")

    def publish(kill_after: float | None) -> float:
        """Run the update; kill it ``kill_after`` seconds after its publish starts. Returns how
        long the publish took (until the process ended)."""
        shutil.rmtree(ix, ignore_errors=True)
        shutil.copytree(old_ix, ix)
        proc = subprocess.Popen([sys.executable, "-c", PUBLISH, str(corpus), ix, scheduler], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout.readline() == b"publishing\n"
        started = time.monotonic()
        if kill_after is None:
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err.decode()
        else:
            try:
                proc.wait(timeout=kill_after)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
            proc.communicate()
        return time.monotonic() - started

    took = publish(None)
    new = archive(runner, ix)
    assert new != old and "new.txt" in {row["key"] for row in new["export"]}
    rng = random.Random(9)
    seen = []
    for _ in range(6):
        publish(rng.uniform(0, took))
        state = archive(runner, ix)  # opens, searches, exports: never an error
        assert state in (old, new)
        seen.append("new" if state == new else "old")
    report = build_index([str(corpus)], ix, engine="dask", scheduler=scheduler)  # the next run finishes the job
    assert archive(runner, ix) == new, seen
    assert report.failed == []
    print("publish killed at random moments left:", seen, f"(one publish: {took:.3f} s)")


def stories(ix) -> list:
    """One hit per story: what the near-duplicate clusters (clusters.json) decide."""
    return [(h.key, h.duplicates) for h in search(SearchRequest("Kabul", limit=100), str(ix)).hits]


KILLED_AT = """
import os, sys
from searchlib.store import indexing
getattr(indexing, sys.argv[4])  # AttributeError (exit 1) if renamed: never a run that kills nothing
setattr(indexing, sys.argv[4], lambda *args, **kwargs: os._exit(9))  # the run dies at that step
indexing.build_index([sys.argv[1]], sys.argv[2], engine="dask", scheduler=sys.argv[3])
"""


@pytest.mark.parametrize("step, shows", [("_write_duplicates", "old"),  # before the commit
                                         ("_write_facet_table", "new")])  # after it
def test_a_publish_killed_around_its_commit_shows_old_or_new_stories(corpus, tmp_path, scheduler, step, shows):
    ix = str(tmp_path / "ix")
    build_index([str(corpus)], ix, engine="dask", scheduler=scheduler)
    old = stories(ix)
    shutil.copy(corpus / "wire-copy-a.txt", corpus / "wire-copy-c.txt")  # a third copy: the clusters change
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    child = subprocess.run([sys.executable, "-c", KILLED_AT, str(corpus), ix, scheduler, step], env=env,
                           capture_output=True, timeout=120)
    assert child.returncode == 9, child.stderr.decode("utf-8", "replace")  # it died at that step
    killed = stories(ix)
    build_index([str(corpus)], ix, engine="dask", scheduler=scheduler)
    new = stories(ix)
    assert new != old
    assert killed == {"old": old, "new": new}[shows]
