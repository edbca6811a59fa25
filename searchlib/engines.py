"""Engines: run the pure derive stage at scale and write each partition's documents into a shard.

An engine takes the files a run must (re)process and yields one ``pipeline.FileResult`` per file
(records without their text: the text already went into a shard), then names the committed shard
folders that the publishing writer adopts (``sharding``). Every engine runs the same
``pipeline.derive_file`` and ``indexing.document``, so they give the same index.

The contract (also followed by ``distributed.DaskEngine``)::

    engine = Engine(sources, shard_root, jobs=None)
    with engine:                 # workers start here, under the index write lock
        for result in engine:    # FileResults, any order
            ...
        engine.shards()          # after iteration: shard folders to adopt
    # leaving the block on an error removes the shard folders

``LocalEngine`` is the default: one worker process per core, each with its own Whoosh writer, so
Whoosh's analysis runs on every core instead of in one writer process.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import queue
import shutil
from typing import Iterator

from . import loading, pipeline
from .processes import worker_init
from .errors import EngineFailed


def light(result: pipeline.FileResult) -> pipeline.FileResult:
    """The result without its records' text and evidence: what the publisher needs, cheap to send."""
    records = [dataclasses.replace(r, text="", evidence=()) for r in result.records]
    return pipeline.FileResult(result.key, result.path, result.sha256, records, result.failures)


def derive_into(sources: list[loading.SourceFile], shard) -> list[pipeline.FileResult]:
    """Derive ``sources`` and add their records to ``shard`` (a sharding.ShardWriter)."""
    from .indexing import document

    out = []
    for source in sources:
        result = pipeline.derive_file(source)
        for record in result.records:
            shard.add(document(record))
        out.append(light(result))
    return out


def _worker(shard_dir: str, tasks, results, parent: int) -> None:
    from .sharding import ShardWriter

    worker_init(parent)

    shard = ShardWriter(shard_dir)
    try:
        while True:
            chunk = tasks.get()
            if chunk is None:
                break
            results.put(("results", derive_into(chunk, shard)))
        results.put(("done", shard.commit()))
    except OSError as e:  # disk full...: the parent reports it as an index write error
        shard.cancel()
        results.put(("oserror", (e.errno, e.strerror or str(e))))
    except BaseException as e:  # noqa: BLE001 - reported to the parent, which aborts the run
        shard.cancel()
        results.put(("error", f"{type(e).__name__}: {e}"))


class LocalEngine:
    """Worker processes on this machine (``jobs``, default all cores), each writing one shard.

    Small runs (fewer than 16 files, or one job) derive in this process into one shard.
    """

    CHUNK = 8

    def __init__(self, sources: list[loading.SourceFile], shard_root: str, jobs: int | None = None) -> None:
        self.sources = sources
        self.shard_root = shard_root
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.parallel = self.jobs > 1 and len(sources) >= 16
        self.procs: list = []
        self._shards: list[str] = []
        self._serial = None

    def __enter__(self) -> "LocalEngine":
        os.makedirs(self.shard_root, exist_ok=True)
        if self.parallel:
            ctx = multiprocessing.get_context("fork")
            self.tasks, self.results = ctx.Queue(), ctx.Queue()
            for i in range(self.jobs):
                p = ctx.Process(target=_worker, args=(os.path.join(self.shard_root, f"shard-{i}"), self.tasks, self.results,
                                                         os.getpid()),
                                daemon=True)
                p.start()
                self.procs.append(p)
        return self

    def __iter__(self) -> Iterator[pipeline.FileResult]:
        if not self.parallel:
            from .sharding import ShardWriter

            self._serial = ShardWriter(os.path.join(self.shard_root, "shard-0"))
            for source in self.sources:
                yield from derive_into([source], self._serial)
            done = self._serial.commit()
            self._shards = [done] if done else []
            return
        chunks = (self.sources[i:i + self.CHUNK] for i in range(0, len(self.sources), self.CHUNK))
        in_flight, exhausted = 0, False

        def feed():  # a bounded window in flight keeps memory flat
            nonlocal in_flight, exhausted
            while not exhausted and in_flight < self.jobs * 4:
                chunk = next(chunks, None)
                if chunk is None:
                    exhausted = True
                    for _ in self.procs:  # after the last chunk: each worker commits its shard
                        self.tasks.put(None)
                else:
                    self.tasks.put(chunk)
                    in_flight += 1

        feed()
        finished = 0
        while finished < len(self.procs):
            kind, payload = self._next()
            if kind == "results":
                in_flight -= 1
                feed()
                yield from payload
            elif kind == "done":
                finished += 1
                if payload:
                    self._shards.append(payload)
            elif kind == "oserror":
                raise OSError(*payload)
            else:
                raise EngineFailed(f"a worker failed: {payload}; the index is unchanged")

    def _next(self):
        while True:
            try:
                return self.results.get(timeout=1.0)
            except queue.Empty:
                dead = [p for p in self.procs if p.exitcode not in (None, 0)]
                if dead:
                    raise EngineFailed(f"a worker process died (exit code {dead[0].exitcode}); "
                                       "the index is unchanged") from None

    def shards(self) -> list[str]:
        return sorted(self._shards)

    def __exit__(self, exc_type, *exc) -> None:
        if self._serial is not None and exc_type is not None:
            self._serial.cancel()
        for p in self.procs:
            if exc_type is not None:
                p.kill()
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
                p.join()
        if exc_type is not None:
            shutil.rmtree(self.shard_root, ignore_errors=True)


ENGINES = {"local": LocalEngine}


def get_engine(name: str):
    """The engine class for ``--engine NAME`` (``dask`` is imported only when asked for)."""
    if name == "dask":
        from .distributed import DaskEngine  # optional extra: searchlib[dask]

        return DaskEngine
    try:
        return ENGINES[name]
    except KeyError:
        raise ValueError(f"unknown engine {name!r}: use one of {', '.join([*ENGINES, 'dask'])}") from None
