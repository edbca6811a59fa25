"""Engines: run the pure derive stage at scale and write each partition's documents into a shard.

An engine takes the files a run must (re)process and yields one ``pipeline.FileResult`` per file
(records without their text: the text already went into a shard), then names the committed shard
folders that the publishing writer adopts (``sharding``). Every engine runs the same
``pipeline.derive_file`` and ``documents.document``, so they give the same index. Engines know
nothing of the index they feed: ``indexing.build_index`` plans the run and publishes it.

``build_index`` takes an engine: a callable ``engine(sources, shard_root)`` that returns a run,
made by ``get_engine("local", jobs)`` (or ``"dask"``, with its options). A run follows this
contract (``LocalEngine`` here, ``distributed.DaskEngine``)::

    with engine(sources, shard_root) as run:   # workers start here, under the index write lock
        for result in run:       # FileResults, any order
            ...
        run.shards()             # after iteration: shard folders to adopt
    # leaving the block on an error removes the shard folders

``LocalEngine`` is the default: one worker process per core (``processes.WorkerPool``, which
also serves ``extract``), each with its own Whoosh writer, so Whoosh's analysis runs on every core
instead of in one writer process.
"""

from __future__ import annotations

import functools
import os
import shutil
from typing import Iterator

from ..derive import loading, pipeline
from ..store.documents import document
from ..errors import EngineFailed
from ..processes import WorkerPool
from ..store.sharding import ShardWriter
from ..settings import CHUNK_FILES, PARALLEL_MIN_FILES


def derive_into(sources: list[loading.SourceFile], shard) -> list[pipeline.FileResult]:
    """Derive ``sources`` and add their records to ``shard`` (a sharding.ShardWriter)."""
    out = []
    for source in sources:
        result = pipeline.derive_file(source)
        for record in result.records:
            shard.add(document(record))
        out.append(pipeline.light(result))
    return out


def _shard(shard_root: str, number: int) -> ShardWriter:
    return ShardWriter(os.path.join(shard_root, f"shard-{number}"))


def _derive_chunk(shard: ShardWriter, chunk: list[loading.SourceFile]) -> list[pipeline.FileResult]:
    return derive_into(chunk, shard)  # looked up at each call (tests replace it)


class LocalEngine:
    """Worker processes on this machine (``jobs``, default all cores), each writing one shard.

    Small runs (fewer than 16 files, or one job) derive in this process into one shard.
    """

    def __init__(self, sources: list[loading.SourceFile], shard_root: str, jobs: int | None = None) -> None:
        self.sources = sources
        self.shard_root = shard_root
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.parallel = self.jobs > 1 and len(sources) >= PARALLEL_MIN_FILES
        self.pool = WorkerPool(self.jobs if self.parallel else 0, _derive_chunk, start=functools.partial(_shard, shard_root),
                               finish=ShardWriter.commit, abandon=ShardWriter.cancel)
        self._shards: list[str] = []

    def __enter__(self) -> "LocalEngine":
        os.makedirs(self.shard_root, exist_ok=True)
        self.pool.__enter__()
        return self

    def __iter__(self) -> Iterator[pipeline.FileResult]:
        size = CHUNK_FILES if self.parallel else 1
        chunks = (self.sources[i:i + size] for i in range(0, len(self.sources), size))
        try:
            for results in self.pool.map(chunks):
                yield from results
        except EngineFailed as e:
            raise EngineFailed(f"{e}; the index is unchanged") from None
        self._shards = [done for done in self.pool.finished if done]

    def shards(self) -> list[str]:
        return sorted(self._shards)

    def __exit__(self, exc_type, *exc) -> None:
        self.pool.__exit__(exc_type, *exc)
        if exc_type is not None:
            shutil.rmtree(self.shard_root, ignore_errors=True)


ENGINES = {"local": LocalEngine}


def get_engine(name: str | type = "local", jobs: int | None = None, **options):
    """The engine ``build_index`` takes: ``--engine NAME`` (``dask`` is imported only when asked
    for) or an engine class, with ``jobs`` and its ``options``. Raises ValueError for an unknown name."""
    if isinstance(name, type):
        kind = name
    elif name == "dask":
        from .dask_engine import DaskEngine  # optional extra: searchlib[dask]

        kind = DaskEngine
    elif name in ENGINES:
        kind = ENGINES[name]
    else:
        raise ValueError(f"unknown engine {name!r}: use one of {', '.join([*ENGINES, 'dask'])}")
    return functools.partial(kind, jobs=jobs, **options)
