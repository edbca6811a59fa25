"""Shards written by other processes and adopted into one index search exactly like one writer's index.

Adoption uses Whoosh internals (pinned to 2.7.4 in setup.cfg): these tests are what keeps that honest.
"""

from __future__ import annotations

import os

from whoosh import index as whoosh_index
from whoosh.qparser import QueryParser

from searchlib.store import documents, schema, sharding
from searchlib.derive import loading, pipeline

from ..conftest import FIXTURES


def _documents():
    sources = [s for s in loading.iter_sources([str(FIXTURES)]) if not isinstance(s, loading.LoadFailure)]
    records = [r for s in sources for r in pipeline.derive_file(s).records]
    return [documents.document(r) for r in records]


def _hits(ix, text):
    with ix.searcher() as s:
        q = QueryParser("body", ix.schema).parse(text)
        return [(h["key"], round(h.score, 6)) for h in s.search(q, limit=None)]


def _shard(docs, path):
    writer = sharding.ShardWriter(path)
    for doc in docs:
        writer.add(doc)
    assert writer.commit() == path
    return writer.count


def _one_writer(path, docs):
    os.makedirs(path)
    ix = whoosh_index.create_in(path, schema.make_schema())
    w = ix.writer()
    for d in docs:
        w.add_document(**d)
    w.commit()
    return ix


def test_adopted_shards_rank_and_count_like_one_writer(tmp_path):
    docs = _documents()
    single = _one_writer(str(tmp_path / "one"), docs)
    assert _shard(docs[:3], str(tmp_path / "s1")) == 3
    assert _shard(docs[3:], str(tmp_path / "s2")) == len(docs) - 3
    os.makedirs(tmp_path / "two")
    ix = whoosh_index.create_in(str(tmp_path / "two"), schema.make_schema())
    w = ix.writer()
    sharding.commit_with(w, sharding.adopt(w, [str(tmp_path / "s1"), str(tmp_path / "s2")]))
    ix = whoosh_index.open_dir(str(tmp_path / "two"))
    assert ix.doc_count() == single.doc_count() == len(docs)
    for text in ("Kabul", "attack", "Islamic State", "Shabaab OR Daesh"):
        assert sorted(_hits(ix, text)) == sorted(_hits(single, text)), text


def test_adoption_replaces_deleted_keys_in_one_commit(tmp_path):
    docs = _documents()
    ix = _one_writer(str(tmp_path / "ix"), docs)
    changed = dict(docs[0], body="a rewritten page about zeta")
    _shard([changed], str(tmp_path / "s"))
    w = ix.writer()
    w.delete_by_term("key", changed["key"])
    sharding.commit_with(w, sharding.adopt(w, [str(tmp_path / "s")]))
    ix = whoosh_index.open_dir(str(tmp_path / "ix"))
    assert ix.doc_count() == len(docs)
    assert [k for k, _ in _hits(ix, "zeta")] == [changed["key"]]
    assert sorted(sharding.shard_keys(str(tmp_path / "s"))) == [changed["key"]]


def test_leftover_shards_of_dead_runs_are_reclaimed(tmp_path):
    live = tmp_path / f"{sharding.SHARD_PREFIX}{os.getpid()}"
    dead = tmp_path / f"{sharding.SHARD_PREFIX}999999999"
    for d in (live, dead):
        d.mkdir()
        (d / "x").write_bytes(b"12345")
    assert sharding.reclaim_shards(str(tmp_path)) == 5
    assert live.exists() and not dead.exists()


def test_a_shard_writer_never_creates_the_folder_above_its_own(tmp_path):
    """A cancelled Dask task can still be running when the run removes its folder: the shard it
    then starts must fail, not leave the run's folder behind (a '.shards.*' in the index)."""
    import pytest

    from searchlib.store.sharding import ShardWriter

    writer = ShardWriter(str(tmp_path / "gone" / "part" / "shard"))
    with pytest.raises(FileNotFoundError):
        writer.add({"key": "a.txt", "title": "t", "body": "b"})
    assert not (tmp_path / "gone").exists()
