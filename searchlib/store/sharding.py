"""Shards: Whoosh segments written by other processes (or machines), adopted into one index.

Whoosh has one writer per index, and its own analysis is half of the indexing time. Writing the
documents of a partition into a separate small index (a shard) in the process that derived them
lets every core analyse; the publishing writer then *adopts* the shards' segments: their files
are hard-linked (or copied) into the index folder and listed in the next table of contents, in
the same commit as the run's deletions. Nothing is re-analysed or merged, so adopting costs
milliseconds, and searchers see the old or the new table of contents, never a mix.

Segments are written as separate files, not Whoosh's default compound file: a reader opens a
compound file by copying each of its parts into memory (``BytesIO`` over the map), which costs a
fresh ``search`` process tens of milliseconds and every searcher the size of the index in RAM.

The Whoosh internals this needs (a shard's segment list and files, a custom merge policy passed
to ``commit``) are behind ``whoosh_compat``, which also says why ``whoosh.multiproc.MpWriter``
does not do this job; tests/store/test_sharding.py checks the result against an index written by one
writer.
"""

from __future__ import annotations

import os
import shutil
from typing import Iterable

from .. import fsutil
from . import whoosh_compat
from .schema import make_schema
from ..settings import POOL_MB
from whoosh import index as whoosh_index

SHARD_PREFIX = ".shards."


class ShardWriter:
    """A shard filled incrementally (one per worker process); nothing is written until ``add``."""

    def __init__(self, shard_dir: str, limitmb: int = POOL_MB) -> None:
        self.shard_dir, self.limitmb = shard_dir, limitmb
        self.writer = None
        self.count = 0

    def add(self, doc: dict) -> None:
        if self.writer is None:
            # its own folder only, never a parent: a cancelled Dask task that gets here after the
            # run removed its folder must fail, not create the run's folder again (left behind)
            try:
                os.mkdir(self.shard_dir)
            except FileExistsError:
                pass
            self.writer = whoosh_index.create_in(self.shard_dir, make_schema()).writer(limitmb=self.limitmb, compound=False)
        self.writer.add_document(**doc)
        self.count += 1

    def commit(self) -> str | None:
        """Commit; returns the shard folder, or None when no document was added."""
        if self.writer is None:
            return None
        try:
            self.writer.commit(optimize=True)
        except BaseException:
            self.cancel()
            raise
        self.writer = None
        return self.shard_dir

    def cancel(self) -> None:
        if self.writer is not None:
            writer, self.writer = self.writer, None
            try:
                writer.cancel()
            except Exception:  # noqa: BLE001 - a half-committed writer; close its files regardless
                whoosh_compat.close_writer_files(writer)
        shutil.rmtree(self.shard_dir, ignore_errors=True)


def shard_segments(shard_dir: str) -> list:
    """The segments of a committed shard (raises whoosh EmptyIndexError if it has none)."""
    return whoosh_compat.toc_segments(whoosh_index.open_dir(shard_dir))


def shard_doc_count(shard_dir: str) -> int:
    return sum(s.doc_count() for s in shard_segments(shard_dir))


def shard_keys(shard_dir: str) -> list[str]:
    """Every document key in a shard (to route updates and check a shard against its manifest)."""
    with whoosh_index.open_dir(shard_dir).reader() as reader:
        return [stored["key"] for _, stored in reader.iter_docs()]


def adopt(writer, shard_dirs: Iterable[str]) -> list:
    """Link the segments of ``shard_dirs`` into ``writer``'s index folder; returns the segments.

    Pass them to :func:`commit_with` to make them visible. The files get the same names (segment
    ids are random, so they cannot clash); hard links make this instant on one file system.
    """
    target = whoosh_compat.writer_folder(writer)
    segments = []
    for shard_dir in shard_dirs:
        ix = whoosh_index.open_dir(shard_dir)
        if ix.indexname != writer.indexname:
            raise ValueError(f"shard {shard_dir} has index name {ix.indexname}, not {writer.indexname}")
        for segment in whoosh_compat.toc_segments(ix):
            for name in whoosh_compat.segment_files(segment, ix):
                src, dst = os.path.join(shard_dir, name), os.path.join(target, name)
                if os.path.exists(dst):
                    os.unlink(dst)  # a retried adoption of the same shard
                try:
                    os.link(src, dst)
                except OSError:
                    shutil.copyfile(src, dst)
            segments.append(segment)
    return segments


def commit_with(writer, segments: list, merge: bool = False) -> None:
    """Commit ``writer`` (its own additions and deletions) with ``segments`` appended.

    One table of contents lists the old segments (with this writer's deletions) and the adopted
    ones, so the change is atomic for searchers.
    """
    whoosh_compat.commit_with(writer, segments, merge)


def reclaim_shards(index_dir: str) -> int:
    """Remove shard folders left by runs whose process is gone; returns the bytes freed."""
    freed = 0
    try:
        names = os.listdir(index_dir)
    except OSError:
        return 0
    for name in names:
        if not name.startswith(SHARD_PREFIX):
            continue
        pid = name[len(SHARD_PREFIX):].split(".")[0]
        if pid.isdigit() and alive(int(pid)):
            continue
        path = os.path.join(index_dir, name)
        freed += fsutil.folder_size(path)
        shutil.rmtree(path, ignore_errors=True)
    return freed


def alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
