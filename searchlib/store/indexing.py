"""Index: Records -> a Whoosh index on disk. The only writer of the index folder.

Layout of an index folder::

    index/
      CURRENT           name of the live generation, replaced atomically (os.replace)
      gen-000001/       a complete Whoosh index (one generation)
      LOCK              held by the one process that writes

A build writes a new generation beside the live one, fsyncs it, then points CURRENT at it:
searchers see the old archive or the new one, never a half-written index, and Whoosh's
``create_in`` never empties an index that readers use.

Whoosh's internals are used only through ``whoosh_compat``.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import json
import marshal
import os
import pickle
import re
import shutil
import struct
import time
import warnings
import zlib
from array import array
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable

from .. import facets, fsutil, processes
from ..derive import loading
from . import whoosh_compat
from .. import records as record_codec  # the name `records` is a list of Records here
from .documents import document
from .schema import make_schema
from whoosh import index as whoosh_index

if TYPE_CHECKING:  # the pipeline (cleaning, tagging, dateutil) loads only when a build needs it,
    from ..derive import pipeline  # so that a search process does not pay for it
from ..errors import BadValue, IndexCorrupt, IndexIOError, IndexLocked, IndexNotFound, RemovalRefused, SearchlibError
from .sharding import SHARD_PREFIX
from ..settings import (LOCK_WAIT, MERGE_SEGMENTS, RACY_NS, REMOVAL_GUARD_MIN, REMOVAL_GUARD_SHARE, WRITER_POOL_MB,
                       default_index_dir)

SCHEMA_VERSION = 2
CURRENT = "CURRENT"
LAST_RUN = "last-run.json"  # the last run's report, for `searchlib stats`

# ----------------------------------------------------------------------------- generations

def current_generation(index_dir: str) -> str:
    """Path of the live generation. Raises IndexNotFound, or IndexCorrupt when ``CURRENT`` cannot
    be read or does not name a generation folder."""
    path = os.path.join(index_dir, CURRENT)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(256)
    except FileNotFoundError:
        raise IndexNotFound(f"No index at {index_dir}. Build one with: searchlib index corpus/") from None
    except OSError as e:
        raise IndexCorrupt(f"Cannot read {path}: {e.strerror or e}; check the permissions and the disk") from None
    name = raw.decode("ascii", "replace").strip()
    gen = os.path.join(index_dir, name)
    if not re.fullmatch(r"gen-\d{6}", name) or not os.path.isdir(gen):
        raise IndexCorrupt(_current_damaged(index_dir, raw))
    return gen


def _current_damaged(index_dir: str, raw: bytes) -> str:
    """The way out of a CURRENT pointer that names no generation. No run may guess the live
    generation: the newest folder can be a build that died before it was published."""
    path = os.path.join(index_dir, CURRENT)
    try:
        gens = sorted(n for n in os.listdir(index_dir) if re.fullmatch(r"gen-\d{6}", n))
    except OSError:
        gens = []
    held = repr(raw.strip()[:40])[1:] if raw.strip() else "nothing"
    fix = (f"if {gens[-1]} (the newest of {', '.join(gens)}) is the live one, write its name into it and run "
           f"searchlib check --index {index_dir}; otherwise remove it and " if gens else "remove it and ")
    return (f"The index at {index_dir} is damaged: {path} does not name a generation folder (it holds {held}). "
            f"Nothing was changed; {fix}rebuild: searchlib index --rebuild ROOT... --index {index_dir}")


# What Whoosh raises on files it did not write or that were damaged (its own IndexError included).
_CORRUPT = (whoosh_index.EmptyIndexError, whoosh_index.IndexError, ValueError, EOFError, KeyError, TypeError,
            AttributeError, struct.error, pickle.UnpicklingError, zlib.error)


def open_index(index_dir: str):
    return open_searcher(index_dir).ix


@dataclass
class OpenIndex:
    """A Whoosh searcher on the live generation, with what searchlib reads beside it (searchlib's
    state, kept here rather than as attributes set on Whoosh's objects)."""

    gen_dir: str
    ix: object  # the Whoosh index
    searcher: object  # the Whoosh searcher
    # the commit the searcher reads (reader_fingerprint), not whatever the folder holds by now:
    # the facet table and side files loaded later must describe the documents it reads
    fingerprint: list
    side_files: dict = field(default_factory=dict)  # FACET_TABLE, CLUSTERS -> that commit's file, open

    @property
    def toc_gen(self) -> int | None:
        return self.fingerprint[1]

    def close_side_files(self) -> None:
        for fh in self.side_files.values():
            fh.close()

    def close(self) -> None:
        self.searcher.close()
        self.close_side_files()


def open_searcher(index_dir: str) -> OpenIndex:
    """A searcher (with its commit's fingerprint and side files) on the live generation.

    A rebuild may swap generations between reading CURRENT and opening the files: then CURRENT is
    read again (a few times), so a search running during an update never fails for that. The
    sizes of the commit's files are compared with the ones recorded when it was written (one
    stat each), so a truncated file is named before Whoosh reads nonsense from it.

    Raises:
        IndexNotFound: no index at ``index_dir``.
        IndexCorrupt: the index cannot be opened, or a file of it is damaged (named).
    """
    error = None
    # Whoosh leaves a damaged file open when it fails: let it be closed quietly here
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        for attempt in range(8):
            gen = current_generation(index_dir)
            searcher = None
            try:
                ix = whoosh_index.open_dir(gen)
                searcher = ix.searcher()
                reader = searcher.reader()
                if not _hold_segment_files(gen, reader):
                    searcher.close()  # a commit landed while the segments were being opened: again
                    error = IndexCorrupt(f"The index at {index_dir} cannot be opened: it kept changing while "
                                         "it was opened; try again")
                    time.sleep(0.05 * (attempt + 1))
                    continue
                opened = OpenIndex(gen, ix, searcher, reader_fingerprint(reader))
            except FileNotFoundError:
                if searcher is not None:
                    searcher.close()
                error = IndexCorrupt(f"The index at {index_dir} cannot be opened: it kept changing while it was "
                                     "opened; try again")
                time.sleep(0.05 * (attempt + 1))
                continue
            except (OSError, *_CORRUPT) as e:
                problems = verify_generation(gen, full=True, searching=True)
                toc = f"_MAIN_{toc_generation(gen)}.toc"
                error = damaged(index_dir, problems) if problems else IndexCorrupt(
                    f"The index at {index_dir} cannot be opened: {os.path.join(gen, toc)} or a file it lists is "
                    f"damaged ({type(e).__name__}: {getattr(e, 'strerror', None) or e}); {rebuild_hint(index_dir)}")
                break
            toc_gen = opened.toc_gen
            problems = verify_generation(gen, toc_gen, searching=True)
            if not problems:
                opened.side_files = _open_side_files(gen, toc_gen)
                return opened
            searcher.close()
            error = damaged(index_dir, problems)
            if not _moved_on(index_dir, gen, toc_gen):
                break
            time.sleep(0.05 * (attempt + 1))  # an update or rebuild replaced files meanwhile: open the new state
        gc.collect()
    raise error


def _hold_segment_files(gen_dir: str, reader) -> bool:
    """Open now every column file (stored fields, field lengths, sort keys) of the segments that
    ``reader`` reads; False when a newer commit exists already (its merge may have removed some
    of them before they were opened: open again).

    Whoosh opens a segment's term and posting files with the reader, but its column files only
    when first used, and asks the file system each time whether a column exists. A commit that
    merges segments deletes the merged ones' files, and a generation is deleted two rebuilds
    later: a searcher still on the old table of contents would then find no stored fields or
    lengths for those segments (a document of the last completed run goes missing from its
    results). Open files outlive their deletion, so once they are all open the searcher reads
    its commit whatever the writer does next; each segment's set of columns is fixed here.
    """
    names = os.listdir(gen_dir)  # raises FileNotFoundError when a rebuild removed the generation
    newest = max((int(m.group(1)) for m in map(re.compile(r"_\w+?_(\d+)\.toc").fullmatch, names) if m), default=-1)
    if reader.generation() is not None and newest > reader.generation():
        return False
    for leaf, _base in reader.leaf_readers():
        whoosh_compat.hold_column_files(leaf, names)
    return True


def _open_side_files(gen_dir: str, toc_gen: int | None) -> dict:
    """The facet table and the clusters of commit ``toc_gen``, opened now and read when needed
    (``load_facet_table``, ``read_json``): a searcher that outlives a few commits still reads the
    files of its own, which the writer replaces (the facet table) or deletes (older side files)."""
    if toc_gen is None:
        toc_gen = toc_generation(gen_dir)
    opened = {}
    for name, candidates in ((FACET_TABLE, [FACET_TABLE]), (CLUSTERS, [_stamped(CLUSTERS, toc_gen), CLUSTERS])):
        for candidate in candidates:
            try:
                opened[name] = open(os.path.join(gen_dir, candidate), "rb")
                break
            except OSError:
                continue
    return opened


def _next_generation(index_dir: str) -> str:
    numbers = [int(n[4:]) for n in os.listdir(index_dir) if re.fullmatch(r"gen-\d{6}", n)]
    return f"gen-{max(numbers, default=0) + 1:06d}"


def _publish(index_dir: str, gen_name: str) -> None:
    """Point CURRENT at a complete, fsynced generation (atomic), then drop older generations."""
    fsutil.fsync_tree(os.path.join(index_dir, gen_name))
    previous = _live_name(index_dir)
    fsutil.replace_atomically(os.path.join(index_dir, CURRENT), lambda fh: fh.write(gen_name + "\n"))
    fsutil.fsync_dir(index_dir)
    # The generation just replaced stays until the next publish: a searcher that opened it a
    # moment ago keeps reading whole files. Older ones go.
    for name in os.listdir(index_dir):
        if re.fullmatch(r"gen-\d{6}", name) and name not in (gen_name, previous):
            shutil.rmtree(os.path.join(index_dir, name), ignore_errors=True)


def _live_name(index_dir: str) -> str | None:
    try:
        with open(os.path.join(index_dir, CURRENT), encoding="utf-8") as fh:
            return fh.read().strip() or None
    except (OSError, ValueError):  # missing, unreadable, or not text (damaged: see reclaim)
        return None


def reclaim(index_dir: str) -> int:
    """Remove what a killed run left behind; returns the bytes reclaimed. Call under the lock.

    Leftovers: a generation newer than the live one (a build that never published), the shard
    folders of runs whose process is gone, temporary pointer and report files, and in the live generation the segment and TOC files its table of
    contents does not reference (a commit that died half-way).
    """
    live = _live_name(index_dir)
    freed = 0
    if not os.path.isdir(index_dir):
        return 0
    live_number = int(live[4:]) if live and re.fullmatch(r"gen-\d{6}", live) else None
    # A CURRENT that names no generation is damage, not an empty archive: every generation stays
    # (one of them is the live one), and the run stops at current_generation with the way out.
    pointer_damaged = os.path.lexists(os.path.join(index_dir, CURRENT)) and \
        (live_number is None or not os.path.isdir(os.path.join(index_dir, live)))
    from .sharding import reclaim_shards

    freed += reclaim_shards(index_dir)
    for name in os.listdir(index_dir):
        path = os.path.join(index_dir, name)
        dead_build = re.fullmatch(r"gen-\d{6}", name) and not pointer_damaged and \
            (live_number is None or int(name[4:]) > live_number)
        temp = name.startswith((f".{CURRENT}.", f".{LAST_RUN}."))
        if dead_build or temp:
            freed += fsutil.remove(path)
    if live_number is not None and not pointer_damaged:
        freed += _reclaim_generation(os.path.join(index_dir, live))
    return freed


def _reclaim_generation(gen_dir: str) -> int:
    """Remove the files of a generation folder that its latest commit does not use: segments no
    table of contents names, side files stamped for a commit that never happened, temporary files.
    Returns the bytes removed. Call under the lock."""
    freed = 0
    try:
        ix = whoosh_index.open_dir(gen_dir)
        keep_segments = set(whoosh_compat.segment_ids(ix))
        toc_gen = ix.latest_generation()
        toc = f"_{ix.indexname}_{toc_gen}.toc"
        names = os.listdir(gen_dir)
    except (OSError, *_CORRUPT):
        return freed
    for name in names:
        if name in (MANIFEST, DOCS, CLUSTERS, FACET_TABLE, toc) or name.endswith("WRITELOCK"):
            continue
        stamped = _SIDE.fullmatch(name)
        if stamped and int(stamped.group(2)) <= toc_gen:
            continue  # a side file of this or an older commit (a newer one belongs to a commit that died)
        if any(name.startswith((seg + ".", seg + "_")) for seg in keep_segments):
            continue
        freed += fsutil.remove(os.path.join(gen_dir, name))
    return freed


def _check_free_space(index_dir: str, needed: int) -> None:
    """Refuse a build that cannot fit, before writing anything (exit code 74)."""
    free = shutil.disk_usage(index_dir).free
    if free < needed:
        raise IndexIOError(f"Not enough free space for the index at {index_dir}: about {needed / 2**20:,.0f} MiB "
                           f"needed, {free / 2**20:,.0f} MiB free; nothing was changed")


# ----------------------------------------------------------------------------- building

@dataclass
class IndexReport:
    index_dir: str
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    reclaimed: int = 0  # bytes left by an interrupted run and removed by this one
    skipped: list[tuple[str, str]] = field(default_factory=list)  # files under a root that are not pages
    kept: int = 0  # documents of roots this run did not scan, kept as they were
    rederived: int = 0  # unchanged pages derived again: their records were made by another derive version
    rekeyed: list[tuple[str, str]] = field(default_factory=list)  # (old key, new key) of an older archive
    roots_added: list[str] = field(default_factory=list)
    roots_forgotten: list[str] = field(default_factory=list)
    missing_roots: list[str] = field(default_factory=list)  # remembered roots not on disk: documents kept
    derive_version: str = ""
    # crawl records not indexed and not failures: (FILE#OFFSET, URL, HTTP status or None, reason)
    records_skipped: list[tuple[str, str, int | None, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (FILE#OFFSET, what): indexed, with a remark

    def take(self, result) -> None:
        """Count one FileResult's failures, skipped crawl records and notes."""
        self.failed.extend((f.path, f.reason) for f in result.failures)
        self.records_skipped.extend((f"{result.path}#{s.offset}", s.url, s.status, s.reason)
                                    for s in getattr(result, "passed", ()))
        self.notes.extend((n.path, n.reason) for n in getattr(result, "notes", ()))

    @property
    def documents(self) -> int:
        return self.added + self.updated + self.unchanged + self.kept

    def summary(self) -> str:
        n, roots = len(self.skipped), self.roots_added
        notes = [  # what else happened, in this order, each only when it did
            (self.kept, f"{self.kept} kept from roots not scanned"),
            (n, f"{n} file{'s' if n > 1 else ''} not {'pages' if n > 1 else 'a page'}, not indexed"),
            (self.records_skipped, f"{loading.skip_counts(r for *_, r in self.records_skipped)} skipped"),
            (self.notes, f"{len(self.notes)} note{'s' if len(self.notes) > 1 else ''}"),
            (self.rederived, f"{self.rederived} pages re-derived by the new version {self.derive_version}"),
            (self.rekeyed, f"{len(self.rekeyed)} documents re-keyed under their root's label"),
            (roots, f"new root{'s' if len(roots) > 1 else ''}: {', '.join(roots)}"),
            (self.roots_forgotten, f"forgotten: {', '.join(self.roots_forgotten)}"),
            (self.missing_roots, f"missing (documents kept): {', '.join(self.missing_roots)}"),
            (self.reclaimed, f"reclaimed {self.reclaimed:,} bytes left by an interrupted run"),
        ]
        extra = "".join(f"; {text}" for happened, text in notes if happened)
        return (f"{self.added} added, {self.updated} updated, {self.removed} removed, {self.unchanged} unchanged, "
                f"{len(self.failed)} failed ({self.seconds:.1f}s) -> {self.index_dir}{extra}")

    def as_dict(self) -> dict:
        return {"index": self.index_dir, "added": self.added, "updated": self.updated, "removed": self.removed,
                "unchanged": self.unchanged, "kept": self.kept,
                "failed": [{"path": loading.printable_name(p), "reason": r} for p, r in self.failed],
                "skipped": [{"path": loading.printable_name(p), "reason": r} for p, r in self.skipped],
                "rederived": self.rederived, "derive_version": self.derive_version,
                "rekeyed": [{"from": a, "to": b} for a, b in self.rekeyed],
                "roots_added": self.roots_added, "roots_forgotten": self.roots_forgotten,
                "missing_roots": self.missing_roots,
                "seconds": round(self.seconds, 3), "reclaimed": self.reclaimed,
                "records_skipped": [{"path": loading.printable_name(p), "url": u, "status": st, "reason": r}
                                    for p, u, st, r in self.records_skipped],
                "notes": [{"path": loading.printable_name(p), "reason": r} for p, r in self.notes]}


MANIFEST = "files.json"  # per generation: what each file was when indexed (size, mtime, sha256)
DOCS = "docs.json"  # per generation: each document's date and near-duplicate sketch
CLUSTERS = "clusters.json"  # per generation: key -> canonical key, for documents with near-duplicates
CHECKSUMS = "sums.json"  # per commit: size and sha256 of each file of that commit (see write_checksums)
LOCK = "LOCK"


@contextlib.contextmanager
def write_lock(index_dir: str, wait: float = LOCK_WAIT):
    """The one-writer lock (flock on index/LOCK): released by the OS if the process dies, so a
    killed run never needs a manual unlock. Waits up to ``wait`` seconds, then IndexLocked;
    IndexIOError when the folder or its LOCK cannot be created or opened (read-only)."""
    try:
        os.makedirs(index_dir, exist_ok=True)
        fd = os.open(os.path.join(index_dir, LOCK), os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:  # a read-only folder or file system, no space for the folder...
        raise IndexIOError(f"Cannot write the index at {index_dir}: {e.strerror or e} "
                           f"({e.filename or index_dir}); nothing was changed") from None
    processes.HELD_LOCKS.add(fd)
    deadline = time.monotonic() + max(0.0, wait)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexLocked(f"The index at {index_dir} is being updated by another process; "
                                      f"nothing was changed by this run: try again later (or raise --wait)") from None
                time.sleep(0.05)
        yield
    finally:
        processes.HELD_LOCKS.discard(fd)
        os.close(fd)  # closing the descriptor releases the lock


# The side files (manifest, sketches, clusters) of a generation are stamped with the Whoosh commit
# (table-of-contents generation) they describe, and written *before* that commit: the commit is
# the one atomic step, and a run killed on either side of it leaves a consistent old or new state.
_SIDE = re.compile(r"(files|docs|clusters|sums)\.(\d+)\.json")


def toc_generation(gen_dir: str) -> int:
    """The latest Whoosh commit of a generation folder (-1 when there is none)."""
    best = -1
    try:
        names = os.listdir(gen_dir)
    except OSError:
        return best
    for name in names:
        m = re.fullmatch(r"_MAIN_(\d+)\.toc", name)
        if m:
            best = max(best, int(m.group(1)))
    return best


def _stamped(name: str, toc_gen: int) -> str:
    stem, ext = os.path.splitext(name)
    return f"{stem}.{toc_gen}{ext}"


def _drop_old_side_files(gen_dir: str, toc_gen: int) -> None:
    """Keep the side files of this commit and the one before (a searcher may still be on it)."""
    for name in os.listdir(gen_dir):
        m = _SIDE.fullmatch(name)
        if (m and int(m.group(2)) < toc_gen - 1) or name in (MANIFEST, DOCS, CLUSTERS):
            try:
                os.remove(os.path.join(gen_dir, name))
            except OSError:
                pass


def _read_manifest(gen_dir: str | None) -> dict:
    """The live generation's manifest ({} for none, or one of an older schema: then a run builds a
    fresh generation). Raises IndexCorrupt when it is damaged: read as empty, a run would take
    the archive for a new one and drop the documents of every root it was not given."""
    if not gen_dir:
        return {}
    try:
        data = read_json(gen_dir, MANIFEST, strict=True)
    except (OSError, ValueError) as e:
        index_dir = os.path.dirname(gen_dir)
        path = os.path.join(gen_dir, _stamped(MANIFEST, toc_generation(gen_dir)))
        raise IndexCorrupt(f"The index at {index_dir} is damaged: {path} cannot be read "
                           f"({getattr(e, 'strerror', None) or e}). Nothing was changed; it lists the archive's "
                           f"roots and files: remove it and rebuild from every root: searchlib index --rebuild "
                           f"ROOT... --index {index_dir}") from None
    return data if data.get("schema") == SCHEMA_VERSION else {}


def _write_manifest(gen_dir: str, files: dict, roots: list[dict], toc_gen: int) -> None:
    fsutil.write_json(gen_dir, _stamped(MANIFEST, toc_gen), {"schema": SCHEMA_VERSION, "roots": roots, "files": files})


def read_json(gen_dir: str, name: str, toc_gen: int | None = None, strict: bool = False, opened=None) -> dict:
    """A side file as of commit ``toc_gen`` (default: the latest); {} when missing or damaged, or
    with ``strict`` OSError or ValueError when it is there but cannot be read as a JSON object.
    ``opened``: that file, opened earlier (``open_searcher``), to read instead."""
    if toc_gen is None and opened is None:
        toc_gen = toc_generation(gen_dir)
    candidates = [None] if opened is not None else [_stamped(name, toc_gen), name]  # unstamped: from before stamping
    for candidate in candidates:
        try:
            if opened is not None:
                opened.seek(0)
                text = opened.read()
            else:
                with open(os.path.join(gen_dir, candidate), encoding="utf-8") as fh:
                    text = fh.read()
        except FileNotFoundError:
            continue
        except (OSError, ValueError):  # unreadable, or not UTF-8
            if strict:
                raise
            return {}
        return _json_object(text, strict)
    return {}


def _json_object(text, strict: bool) -> dict:
    """The JSON object ``text`` holds; {} (or with ``strict`` ValueError) when it holds none."""
    try:
        data = json.loads(text)
    except ValueError:
        if strict:
            raise
        return {}
    if isinstance(data, dict):
        return data
    if strict:
        raise ValueError("not a JSON object")
    return {}


def _write_duplicates(gen_dir: str, meta: dict[str, list], removed: list[str], start: dict, toc_gen: int) -> None:
    """Update the per-document sketches and recompute the near-duplicate clusters of the archive.

    ``meta`` maps the keys written by this run to [published, sketch]."""
    from ..derive import duplicating

    docs = dict(start)
    for key in removed:
        docs.pop(key, None)
    docs.update((key, [published, list(sketch)]) for key, (published, sketch) in meta.items())
    fsutil.write_json(gen_dir, _stamped(DOCS, toc_gen), docs)
    found = duplicating.clusters({k: tuple(v[1]) for k, v in docs.items()}, {k: v[0] for k, v in docs.items()})
    fsutil.write_json(gen_dir, _stamped(CLUSTERS, toc_gen), found)


FACET_TABLE_VERSION = 6  # 6: the facets' archive names ("names"), their values merged
FACET_TABLE = "facets.marshal"  # per generation: docnum -> facet values, so a search process need not rebuild it


def facet_table(reader, clusters: dict[str, str] | None = None) -> dict:
    """What a searcher needs besides the postings, in inverted form (value -> document numbers:
    few objects, so it loads in milliseconds): the live documents (also in key order), each facet's
    values, the publication days, and the near-duplicate cluster of each document that has copies.

    Each facet's values are counted under the names the whole archive gives them
    (``Facet.archive_names``: "Obama" is "Barack Obama" when the archive has no other full name
    with that surname); ``names`` keeps the renaming, for hits and filters. Decided here, over every
    live document of the commit, because this table is built again after each commit: a later
    batch that brings the full name, or a second one, changes it without re-indexing any page."""

    def text(term):
        return term.decode("utf-8") if isinstance(term, bytes) else term

    def inverted(fieldname: str) -> dict[str, list[int]]:
        if fieldname not in reader.schema:  # a facet registered after this index was built: no values yet
            return {}
        return {text(term): list(reader.postings(fieldname, term).all_ids())
                for term in reader.lexicon(fieldname) if text(term)}

    docs = sorted(reader.all_doc_ids())
    key_of: dict[int, str] = {}
    if docs:  # an empty index has no columns; one pass over the key column, not a lookup per key
        keys = reader.column_reader("key", translate=True)
        key_of = {d: text(keys[d]) for d in docs}
    key_order = sorted(docs, key=key_of.__getitem__)
    docnum_of = {k: d for d, k in key_of.items()}
    cluster = {docnum_of[k]: canonical for k, canonical in (clusters or {}).items() if k in docnum_of}
    values = {facet.name: inverted(facet.field) for facet in facets.FACETS}
    names: dict[str, dict[str, str]] = {}
    for facet in facets.FACETS:
        renames = facet.archive_names(values[facet.name])
        if renames:
            names[facet.name] = renames
            table = values[facet.name]
            for alias, canonical in renames.items():
                table[canonical] = sorted(set(table[canonical]).union(table.pop(alias)))
    return {
        "docs": docs,
        "key_order": key_order,
        "facets": values,
        "names": names,
        "days": inverted("published"),
        "crawl_days": inverted(facets.CRAWL_DAY),
        "cluster": cluster,
    }


def reader_fingerprint(reader) -> list:
    """The commit a reader reads: changes whenever the documents or their numbers can change (a
    commit, a merge). Taken from the reader itself, never from the folder, which may hold a newer
    commit by the time it is read."""
    return [FACET_TABLE_VERSION, reader.generation(), sorted(whoosh_compat.reader_segment_ids(reader))]


def _write_facet_table(gen_dir: str) -> None:
    ix = whoosh_index.open_dir(gen_dir)
    with ix.reader() as reader:
        fingerprint = reader_fingerprint(reader)
        data = {"fingerprint": fingerprint, **facet_table(reader, read_json(gen_dir, CLUSTERS, fingerprint[1]))}
    fsutil.replace_atomically(os.path.join(gen_dir, FACET_TABLE), lambda fh: marshal.dump(data, fh), binary=True)


def load_facet_table(gen_dir: str, fingerprint: list, opened=None) -> dict | None:
    """The stored table if it describes exactly the index state ``fingerprint``, else None.
    ``opened``: the table file, opened earlier (``open_searcher``), to read instead."""
    try:
        if opened is not None:
            opened.seek(0)
            data = marshal.loads(opened.read())
        else:
            with open(os.path.join(gen_dir, FACET_TABLE), "rb") as fh:
                data = marshal.loads(fh.read())  # 7x faster than marshal.load(fh), which reads in small steps
    except (OSError, EOFError, ValueError, TypeError):
        return None  # also when a rebuild removed this generation meanwhile: the open reader still works
    if not isinstance(data, dict) or data.get("fingerprint") != fingerprint:
        return None
    return data if set(data.get("facets", ())) == set(facets.names()) else None  # a facet (un)registered since


# ----------------------------------------------------------------------------- damage

def _commit_files(gen_dir: str, ix) -> list[str]:
    """The files one Whoosh commit of ``gen_dir`` consists of: its table of contents, the files of
    the segments it lists, and the side files stamped with it (manifest, sketches, clusters)."""
    toc_gen = ix.latest_generation()
    segments = whoosh_compat.segment_ids(ix)
    names = [f"_{ix.indexname}_{toc_gen}.toc"]
    for name in sorted(os.listdir(gen_dir)):
        stamped = _SIDE.fullmatch(name)
        if any(name.startswith(seg + ".") for seg in segments) or \
                (stamped and stamped.group(1) != "sums" and int(stamped.group(2)) == toc_gen):
            names.append(name)
    return names


def write_checksums(gen_dir: str) -> None:
    """Record the size and sha256 of every file of the latest commit of ``gen_dir`` (see
    _commit_files) in ``sums.N.json``, N being that commit, so that damage to the index can be
    found and named: sizes on every open (verify_generation), sha256 by ``searchlib check``.

    Call it after each Whoosh commit of a run and its facet table (``_write_facet_table``),
    before the generation is published (CURRENT) or its folder fsynced. Segment files never
    change once written, so those already listed in the previous commit's sums with the same
    size are not read again: an update hashes only its new segments (and the small TOC and
    side files). A commit without a sums file (an index from before, or a run killed between
    its commit and this call) is simply not verified.

    Raises:
        OSError: the index could not be read or the sums file written.
    """
    ix = whoosh_index.open_dir(gen_dir)
    toc_gen = ix.latest_generation()
    try:
        previous = _read_checksums(gen_dir, toc_gen - 1) or {}
    except ValueError:
        previous = {}
    names = _commit_files(gen_dir, ix)
    # the facet table is rewritten after each commit: listed only once it describes this one
    with ix.reader() as reader:
        fingerprint = reader_fingerprint(reader)
    if load_facet_table(gen_dir, fingerprint) is not None:
        names.append(FACET_TABLE)
    sums = {}
    for name in names:
        size = os.path.getsize(os.path.join(gen_dir, name))
        known = previous.get(name)
        rewritten = name == FACET_TABLE or name.endswith(".toc") or _SIDE.fullmatch(name)
        if known and known[0] == size and not rewritten:
            sums[name] = known
        else:
            sums[name] = [size, fsutil.file_sha256(os.path.join(gen_dir, name))]
    fsutil.write_json(gen_dir, _stamped(CHECKSUMS, toc_gen), {"version": 1, "files": sums})


def _read_checksums(gen_dir: str, toc_gen: int) -> dict[str, list] | None:
    """name -> [size, sha256] recorded for commit ``toc_gen``; None when it was not recorded.
    Raises ValueError when the sums file itself is damaged."""
    try:
        with open(os.path.join(gen_dir, _stamped(CHECKSUMS, toc_gen)), encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict) or not all(isinstance(v, list) and len(v) == 2 for v in files.values()):
        raise ValueError("not a checksum list")
    return files


def verify_generation(gen_dir: str, toc_gen: int | None = None, full: bool = False,
                      searching: bool = False) -> list[tuple[str, str]]:
    """The damaged files of commit ``toc_gen`` (default: the latest) of a generation, as
    (path, what is wrong); [] when every file is as written, or when the commit has no sums.

    Args:
        full: also compare each file's sha256 (reads every byte); else sizes only (one stat each).
        searching: only the files a searcher reads (not the manifest and sketches, which only
            an index run needs: a search need not fail for them).
    """
    toc_gen = toc_generation(gen_dir) if toc_gen is None else toc_gen
    sums_path = os.path.join(gen_dir, _stamped(CHECKSUMS, toc_gen))
    try:
        sums = _read_checksums(gen_dir, toc_gen)
    except (OSError, ValueError) as e:
        return [(sums_path, f"cannot be read ({getattr(e, 'strerror', None) or e})")]
    problems = []
    for name, (size, digest) in sorted((sums or {}).items()):
        if searching and name.startswith(("files.", "docs.")):
            continue
        path = os.path.join(gen_dir, name)
        try:
            actual = os.path.getsize(path)
            if actual != size:
                problems.append((path, f"is {actual:,} bytes, {size:,} were written"))
            elif full and fsutil.file_sha256(path) != digest:
                problems.append((path, "does not hold what was written (its sha256 differs)"))
        except FileNotFoundError:
            problems.append((path, "is missing"))
        except OSError as e:
            problems.append((path, f"cannot be read ({e.strerror or e})"))
    return problems


def rebuild_hint(index_dir: str) -> str:
    return f"rebuild it with: searchlib index --rebuild --index {index_dir}"


def damaged(index_dir: str, problems: list[tuple[str, str]]) -> IndexCorrupt:
    """The error for damaged index files: the first one named, and the way out."""
    path, what = problems[0]
    more = f" (and {len(problems) - 1} more file{'s' if len(problems) > 2 else ''})" if len(problems) > 1 else ""
    return IndexCorrupt(f"The index at {index_dir} is damaged: {path} {what}{more}; {rebuild_hint(index_dir)}")


# What a damaged file makes Whoosh raise whatever its codec, when nothing recorded can say which file it is.
_READ_ERRORS = (OSError, EOFError, struct.error, pickle.UnpicklingError, zlib.error, UnicodeDecodeError)


def _moved_on(index_dir: str, gen_dir: str, toc_gen: int) -> bool:
    """Whether the index is no longer at commit ``toc_gen`` of ``gen_dir`` (an update committed, or
    a rebuild swapped generations): then missing or changed files of that commit are not damage."""
    try:
        return os.path.realpath(current_generation(index_dir)) != os.path.realpath(gen_dir) or \
            toc_generation(gen_dir) != toc_gen
    except SearchlibError:
        return False


def read_error(index_dir: str, gen_dir: str, toc_gen: int, error: BaseException) -> IndexCorrupt | None:
    """What to raise for ``error``, raised while reading commit ``toc_gen`` of a searcher's index:
    IndexCorrupt naming the damaged file when the recorded checksums show one (every byte is
    compared, so this reads the whole index, on this error path only), IndexCorrupt naming the
    generation for errors only damage causes, or None: a bug, or an index that changed meanwhile,
    and the error keeps its traceback."""
    if _moved_on(index_dir, gen_dir, toc_gen):
        return None
    problems = verify_generation(gen_dir, toc_gen, full=True, searching=True)
    if problems:
        return damaged(index_dir, problems)
    if not isinstance(error, _READ_ERRORS):
        return None
    detail = str(error).splitlines()[0] if str(error).strip() else "no details"
    return IndexCorrupt(f"The index at {index_dir} cannot be read: a file of {gen_dir} is damaged "
                        f"({type(error).__name__}: {detail}); searchlib check --index {index_dir} looks for it; "
                        f"{rebuild_hint(index_dir)}")


@dataclass
class CheckReport:
    """What ``searchlib check`` found: every file of the live commit compared with the sizes and
    sha256 recorded when it was written (when they were), and every part of it read."""

    index_dir: str
    generation: str = ""
    files: int = 0
    bytes: int = 0
    documents: int = 0
    checksums: bool = False  # sizes and sha256 were recorded for this commit, and compared
    problems: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        how = "sha256 compared with the commit's" if self.checksums else \
            "read (no checksums recorded for this commit: they are written from the next run on)"
        state = f"{len(self.problems)} damaged" if self.problems else "ok"
        return (f"{state}: {self.files} files ({self.bytes / 2**20:,.1f} MiB) {how}, {self.documents} documents "
                f"read ({self.seconds:.1f}s) -> {self.index_dir}")

    def as_dict(self) -> dict:
        return {"index": self.index_dir, "generation": self.generation, "ok": not self.problems,
                "files": self.files, "bytes": self.bytes, "documents": self.documents,
                "checksums": self.checksums, "problems": [{"path": p, "reason": r} for p, r in self.problems],
                "seconds": round(self.seconds, 3)}


def check_index(index_dir: str | None = None) -> CheckReport:
    """Verify the whole live commit of an archive: each file against the size and sha256 recorded
    when it was written, then every stored record, length, column, term and posting list read
    back through Whoosh, and the side files parsed. Reads every byte; nothing is changed.

    Returns:
        A CheckReport; its ``problems`` name each damaged file, with what is wrong.

    Raises:
        IndexNotFound: no index at ``index_dir``.
        IndexCorrupt: ``CURRENT`` names no generation.
    """
    started = time.monotonic()
    index_dir = index_dir or default_index_dir()
    gen = current_generation(index_dir)
    toc_gen = toc_generation(gen)
    report = CheckReport(index_dir, os.path.basename(gen))
    report.problems = verify_generation(gen, toc_gen, full=True)
    try:
        report.checksums = _read_checksums(gen, toc_gen) is not None
    except (OSError, ValueError):
        pass
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)  # Whoosh leaves a damaged file open when it fails
        try:
            ix = whoosh_index.open_dir(gen)
            names = _commit_files(gen, ix)
        except (OSError, *_CORRUPT) as e:
            report.problems.append((os.path.join(gen, f"_MAIN_{toc_gen}.toc"), f"cannot be opened ({_what(e)})"))
            ix, names = None, []
        if ix is not None:
            with ix.reader() as reader:
                for leaf, _base in reader.leaf_readers():
                    report.documents += _read_segment(gen, leaf, report.problems)
    for name in names:
        report.files += 1
        with contextlib.suppress(OSError):
            report.bytes += os.path.getsize(os.path.join(gen, name))
        if _SIDE.fullmatch(name):
            try:
                with open(os.path.join(gen, name), encoding="utf-8") as fh:
                    json.load(fh)
            except (OSError, ValueError) as e:
                report.problems.append((os.path.join(gen, name), f"cannot be read ({_what(e)})"))
    try:
        with open(os.path.join(gen, FACET_TABLE), "rb") as fh:
            marshal.loads(fh.read())
    except FileNotFoundError:
        pass  # searches build it from the index
    except (OSError, EOFError, ValueError, TypeError) as e:
        report.problems.append((os.path.join(gen, FACET_TABLE), f"cannot be read ({_what(e)})"))
    seen, unique = set(), []
    for path, what in report.problems:  # a damaged file may fail both its checksum and its reading
        if path not in seen:
            seen.add(path)
            unique.append((path, what))
    report.problems = unique
    report.seconds = time.monotonic() - started
    return report


def _what(e: BaseException) -> str:
    detail = getattr(e, "strerror", None) or next((ln.strip() for ln in str(e).splitlines() if ln.strip()), "")
    return f"{type(e).__name__}: {detail}" if detail else type(e).__name__


def _read_segment(gen: str, reader, problems: list[tuple[str, str]]) -> int:
    """Read every part of one segment back; append a problem per file that fails. Returns the
    number of live documents read."""
    seg = whoosh_compat.leaf_segment_id(reader)
    docs = [d for d in range(reader.doc_count_all()) if not reader.is_deleted(d)]

    def step(suffix: str, read) -> None:
        try:
            read()
        # A damaged file makes Whoosh's codecs raise anything (struct.error, zlib.error, TypeError,
        # a bare Exception("Block tag error")...); for a check, each one is a finding, not a crash.
        except Exception as e:  # noqa: BLE001
            problems.append((os.path.join(gen, f"{seg}{suffix}"), f"cannot be read back ({_what(e)})"))

    def stored():
        for d in docs:
            if not isinstance(reader.stored_fields(d), dict):
                raise ValueError(f"document {d} has no stored record")

    step("._stored.col", stored)
    for name in reader.schema.scorable_names():
        # one byte per document, None for an empty field; a cut file reads as empty fields, so only
        # the recorded size tells (verify_generation)
        step(f"._{name}_len.col", lambda name=name: [reader.doc_field_length(d, name) for d in docs])
    for name in reader.schema.names():
        if reader.schema[name].column_type is not None and reader.has_column(name):
            step(f".{name}.col", lambda name=name: list(reader.column_reader(name)))

    terms: list = []
    step(".trm", lambda: terms.extend(reader.all_terms()))

    def postings():
        for fieldname, text in terms:
            for _ in reader.postings(fieldname, text).all_items():
                pass

    step(".pst", postings)
    return len(docs)


def _live_generation(index_dir: str) -> str | None:
    """The live generation, or None for a folder with no index yet. A damaged ``CURRENT`` is
    IndexCorrupt: taking it for an empty archive would build a new one of the paths given and
    drop every other root's documents."""
    try:
        return current_generation(index_dir)
    except IndexNotFound:
        return None


@dataclass
class _Plan:
    todo: list[loading.SourceFile] = field(default_factory=list)  # new, changed or re-derived: derive these
    # file key -> [size, mtime_ns, sha256, path, [document keys], root, derive version]
    # (a WARC file holds many documents; root and derive version are absent in manifests before 0.9)
    states: dict[str, list] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)  # document keys of files gone from a scanned root
    forgotten: list[str] = field(default_factory=list)  # document keys of the roots forgotten
    unchanged: int = 0  # documents in unchanged files
    kept: int = 0  # documents of roots not scanned by this run, kept as they are
    rederived: int = 0  # unchanged files whose documents were made by another derive version
    failed: list[tuple[str, str]] = field(default_factory=list)


def _members(state: list | None, key: str) -> list[str]:
    if not state:
        return []
    return list(state[4]) if len(state) > 4 else [key]


# How close to "now" a file's mtime must be for its size and mtime to prove nothing (the "racy git"
# problem): a file can be changed again, after the run has read it, without its mtime moving when
# the change falls in the same timestamp tick (settings.RACY_NS) and keeps its size. Such files are
# recorded with RACY_MTIME instead of their mtime, so the next run compares their content (sha256)
# before it trusts them.
RACY_MTIME = -1  # never a file's mtime: size and mtime never match, the content decides


def _state_root(state: list) -> str | None:
    return state[5] if len(state) > 5 else None


def _state_version(state: list) -> str | None:
    return state[6] if len(state) > 6 else None


def _known_roots(manifest: dict) -> list[loading.Root]:
    """The archive's roots with their key labels. A manifest written before roots had labels holds
    plain paths: they get labels in the order they were given (the first none, so its keys stay)."""
    raw = manifest.get("roots") or []
    if any(isinstance(r, str) for r in raw):
        return loading.assign_roots([r for r in raw if isinstance(r, str)])
    return [loading.Root(r["path"], r["label"]) for r in raw]


def _upgrade_states(files: dict, roots: list[loading.Root]) -> dict:
    """Give each file state of an older manifest the root it was found under (by its path)."""
    if not roots or all(len(state) > 5 for state in files.values()):
        return files
    out = {}
    for key, state in files.items():
        if len(state) <= 5:
            full = os.path.abspath(state[3]) if len(state) > 3 and state[3] else ""
            root = next((r.path for r in roots if full == r.path or full.startswith(r.path.rstrip("/") + "/")),
                        roots[0].path)
            state = [*state[:5], *([[key]] if len(state) < 5 else []), root, None]
        out[key] = state
    return out


def _plan(sources: list[loading.SourceFile], known: dict, scanned: set[str], forget: set[str], derive: str) -> _Plan:
    """What changed since the manifest ``known`` under the ``scanned`` roots: unchanged files cost
    a stat (a hash when only the mtime moved); new and changed ones, and unchanged ones whose
    documents another derive version made, are derived; files gone from a scanned root are
    removed. Files of other roots are kept as they are; those of ``forget`` roots are removed.
    A file the last run looked at within RACY_NS of its mtime is compared by content."""
    plan = _Plan()
    seen = set()
    shared = {None, *scanned, *forget}  # roots whose old keys a source may take over
    # taken before any stat, so before any read: a file whose mtime is older than this by a whole
    # tick cannot change later within the tick it was read in
    trusted_before = time.time_ns() - RACY_NS

    def mtime(st) -> int:
        return st.st_mtime_ns if st.st_mtime_ns < trusted_before else RACY_MTIME

    for src in sources:
        old = known.get(src.key)
        if src.key in seen or (old and _state_root(old) != src.root and _state_root(old) not in shared):
            other = next((s.path for s in sources if s.key == src.key), None) if src.key in seen else old[3]
            plan.failed.append((src.path, f"its key {src.key!r} is already the key of {other} (under another "
                                          "root): not indexed; rename one of them"))
            continue
        seen.add(src.key)
        try:
            st = os.stat(src.path)
        except OSError as e:
            reason = "dangling link or file vanished" if isinstance(e, FileNotFoundError) else e.strerror or str(e)
            plan.failed.append((src.path, reason))
            if old:
                plan.states[src.key] = old  # unreadable now: keep what was indexed, try again next run
            continue
        same = old is not None and old[0] == st.st_size and old[1] == st.st_mtime_ns
        if old and not same and old[0] == st.st_size:
            try:
                same = fsutil.file_sha256(src.path) == old[2]  # touched, not changed
            except OSError:
                pass
        if same and _state_version(old) == derive:
            plan.states[src.key] = [st.st_size, mtime(st), old[2], loading.printable_name(src.path),
                                    _members(old, src.key), src.root, derive, *old[7:8]]
            plan.unchanged += len(_members(old, src.key))
            continue
        if same:
            plan.rederived += 1
        plan.states[src.key] = [st.st_size, mtime(st), None, loading.printable_name(src.path), [], src.root,
                                derive]
        plan.todo.append(src)
    for key, state in known.items():
        if key in seen:
            continue
        root = _state_root(state)
        if root in forget:
            plan.forgotten.extend(_members(state, key))
        elif root in scanned or root is None:
            plan.removed.extend(_members(state, key))
        else:
            plan.states.setdefault(key, state)
            plan.kept += len(_members(state, key))
    plan.removed.sort()
    plan.forgotten.sort()
    return plan


def _place_paths(paths: list[str], known: list[loading.Root]):
    """The archive's roots once ``paths`` are added, the paths to scan by root path, and the known
    roots that a new folder takes the place of (they lie inside it: their files get its keys).
    A path inside a known folder root scans that root: a file is never indexed under two roots."""
    base = list(known)
    given: dict[str, str] = {}
    labels: dict[str, str] = {}
    absorbed: list[loading.Root] = []
    new: list[str] = []
    for p in paths:
        full = loading.printable_name(os.path.abspath(p))
        exact = next((r for r in base if r.path == full), None)
        enclosing = next((r for r in base if full.startswith(r.path.rstrip("/") + "/") and os.path.isdir(r.path)), None)
        if exact or enclosing:
            root = exact or enclosing
            given.setdefault(root.path, p if exact else root.path)
            continue
        inner = [r for r in base if r.path.startswith(full.rstrip("/") + "/")] if os.path.isdir(p) else []
        if inner:
            base = [r for r in base if r not in inner]
            absorbed.extend(inner)
            if any(r.label == "" for r in inner):
                labels[full] = ""
        given[full] = p
        new.append(p)
    return loading.assign_roots(new, base, labels), given, absorbed


def archive_roots(gen_dir: str) -> tuple[list[dict], dict[str, int]]:
    """The roots of a generation, each with its label, path, document count and whether it is on
    disk, and the number of documents per derive version (for ``searchlib stats``)."""
    manifest = _read_manifest(gen_dir)
    roots = _known_roots(manifest)
    files = _upgrade_states(manifest.get("files", {}), roots)
    per_root: dict[str, int] = {}
    versions: dict[str, int] = {}
    for key, state in files.items():
        n, root = len(_members(state, key)), _state_root(state) or ""
        per_root[root] = per_root.get(root, 0) + n
        version = _state_version(state) or "unknown (before derive versions)"
        versions[version] = versions.get(version, 0) + n
    out = [{"path": r.path, "label": r.label, "documents": per_root.pop(r.path, 0), "on_disk": os.path.exists(r.path)}
           for r in roots]
    if per_root.get(""):
        out.append({"path": None, "label": "", "documents": per_root[""], "on_disk": False, "imported": True})
    return out, versions


def archive_crawls(gen_dir: str) -> dict:
    """The record counts of every WARC and ARC file of a generation, summed (see
    pipeline.crawl_counts): ``files`` (archive files with counts; files indexed by a version
    before counts were kept have none, and ``files_without_counts`` says how many), ``records``,
    ``documents``, ``failed``, and per reason, status, MIME type and WARC-Type."""
    from collections import Counter

    total = {"files": 0, "files_without_counts": 0, "records": 0, "documents": 0, "failed": 0}
    parts: dict[str, Counter] = {k: Counter() for k in ("skipped", "statuses", "not_pages", "other_records")}
    for key, state in _read_manifest(gen_dir).get("files", {}).items():
        crawl = state[7] if len(state) > 7 and isinstance(state[7], dict) else None
        if crawl is None:
            if str(state[3] if len(state) > 3 else "").lower().endswith(loading.WARC_SUFFIXES):
                total["files_without_counts"] += 1
            continue
        total["files"] += 1
        for name in ("records", "documents", "failed"):
            total[name] += int(crawl.get(name) or 0)
        for name, counter in parts.items():
            counter.update(crawl.get(name) or {})
    return {**total, **{name: dict(counter.most_common()) for name, counter in parts.items()}}


def _match_roots(names: Iterable[str], roots: list[loading.Root]) -> list[loading.Root]:
    """The known roots named by ``names`` (a path, as given or absolute, or a label)."""
    out = []
    for name in names:
        full = loading.printable_name(os.path.abspath(name))
        match = [r for r in roots if r.path == full or (r.label and r.label == name.rstrip("/"))]
        if not match:
            known = ", ".join(r.path for r in roots) or "none"
            raise BadValue(f"--forget {name}: not a root of this archive (its roots: {known}); nothing was changed")
        out.extend(m for m in match if m not in out)
    return out


def build_index(paths: list[str] | None = None, index_dir: str | None = None, jobs: int | None = None,
                progress: Callable[[int, int], None] | None = None, rebuild: bool = False,
                wait: float = LOCK_WAIT, engine: str | type | Callable = "local", forget: Iterable[str] = (),
                prune: bool = False, confirm: Callable[[str], bool] | None = None, follow_links: bool = False,
                **engine_options) -> IndexReport:
    """Bring the index up to date with the pages under ``paths``, publishing all changes or none.

    The archive remembers every root (folder or file) it was given. A run over ``paths`` scans
    those roots (adding the new ones); a run without ``paths`` scans every remembered root. New,
    changed and removed files are found by size and mtime (confirmed by sha256) and only those
    are cleaned and tagged, with the pages whose records another derive version made (an
    upgrade). Documents of roots not scanned stay as they are; pages are removed only when their
    file is gone from a scanned root, or when their root is forgotten (``forget``). Planning
    happens under the write lock, so two overlapping runs never apply a stale plan.

    Args:
        paths: corpus folders or files; None or empty scans every remembered root.
        index_dir: where the index lives (default ``$SEARCHLIB_INDEX`` or ``./index``).
        jobs: worker processes for cleaning and tagging (default: all cores), for an engine given
            by name or class.
        progress: called as progress(done, total) while files are cleaned and tagged.
        rebuild: build a fresh generation of the whole archive (every root) and swap it in.
        wait: seconds to wait for another writer before giving up (IndexLocked).
        engine: an engine (``engines.get_engine(name, jobs, **options)``: the CLI makes one), or
            its name, "local" (worker processes, each writing a shard) or "dask", or an engine
            class (see ``searchlib.engines``); then ``jobs`` and ``engine_options`` configure it.
        forget: roots (paths or labels) to drop from the archive, with their documents.
        prune: allow removing any number of documents whose files are gone.
        confirm: asked (with a description) when a run would remove more than
            REMOVAL_GUARD_SHARE of the archive; without it, or when it says no, RemovalRefused.
        follow_links: follow symlinked folders, and links to files outside the roots.

    Returns:
        An IndexReport: counts, failed and skipped files with their reasons, roots, migrations.

    Raises:
        IndexLocked: another process is writing (exit code 75); nothing was changed.
        IndexIOError: the index could not be written (disk full...); the previous state is kept.
        BadValue: no usable path was given, or an unknown root to forget.
        RemovalRefused: the run would remove many documents and was not confirmed.
    """
    from ..derive import pipeline

    started = time.monotonic()
    index_dir = index_dir or default_index_dir()
    paths = list(paths or [])
    report = IndexReport(index_dir, derive_version=pipeline.DERIVE_VERSION)
    missing = [p for p in paths if not os.path.lexists(p)]
    if missing:
        raise BadValue(f"No such file or folder: {missing[0]} (nothing was changed)")
    if isinstance(engine, (str, type)):
        from ..engines.local import get_engine

        try:
            engine = get_engine(engine, jobs, **engine_options)
        except ValueError as e:
            raise BadValue(str(e)) from None
    os.makedirs(index_dir, exist_ok=True)
    shard_root = os.path.join(index_dir, f"{SHARD_PREFIX}{os.getpid()}")
    with write_lock(index_dir, wait):  # plan under the lock: never apply a plan another run made stale
        report.reclaimed = reclaim(index_dir)
        live = _live_generation(index_dir)
        known = _read_manifest(live)
        known_roots = _known_roots(known)
        forgotten = _match_roots(forget, known_roots)
        if not paths and not forgotten and not known_roots:
            raise BadValue(f"No corpus given and none recorded in {index_dir}: use searchlib index CORPUS")
        roots, given, absorbed = _place_paths(paths, [r for r in known_roots if r not in forgotten])
        scan = [r for r in roots if r.path in given or rebuild or (not paths and not forgotten)]
        report.roots_added = [r.path for r in roots if r not in known_roots]
        report.roots_forgotten = [r.path for r in forgotten]
        report.missing_roots = [r.path for r in scan if not os.path.lexists(r.path)]
        fresh = rebuild or live is None or not known
        if not fresh:  # an update over damaged files would carry the damage on (or drop documents)
            problems = verify_generation(live)
            if problems:
                raise damaged(index_dir, problems)
        old_files = {} if live is None else _upgrade_states(known.get("files", {}), known_roots)
        if rebuild and report.missing_roots:
            raise BadValue(f"--rebuild: the root {report.missing_roots[0]} is missing, and rebuilding would drop its "
                           "documents; restore it or forget it (--forget ROOT); nothing was changed")
        scan = [r for r in scan if r.path not in report.missing_roots]
        sources: list[loading.SourceFile] = []
        skipped: list[loading.Skipped] = []
        for item in loading.iter_sources([given.get(r.path, r.path) for r in scan], roots, skipped, follow_links):
            if isinstance(item, loading.LoadFailure):
                report.failed.append((item.path, item.reason))
            else:
                sources.append(item)
        report.skipped = [(s.path, s.reason) for s in skipped]
        forget_paths = {r.path for r in forgotten}
        if rebuild:
            unreachable = sum(len(_members(st, k)) for k, st in old_files.items()
                              if _state_root(st) not in {r.path for r in scan} | forget_paths)
            if unreachable:
                raise BadValue(f"--rebuild: {unreachable} documents have no root to rebuild them from (imported "
                               "with --from-jsonl?); nothing was changed")
        # a fresh generation derives everything; the old one only serves the counts (updated, removed)
        plan = _plan(sources, {} if fresh else old_files, {r.path for r in scan} | {r.path for r in absorbed},
                     forget_paths, pipeline.DERIVE_VERSION)
        report.failed.extend(plan.failed)
        report.kept = plan.kept
        report.rederived = plan.rederived
        # a fresh generation counts every document as added (nothing of the old one is kept)
        old_docs = set() if fresh else {k for key, state in old_files.items() for k in _members(state, key)}
        new_paths = {src.path: src.key for src in plan.todo}
        report.rekeyed = [(key, new_paths[state[3]]) for key, state in old_files.items()
                          if key in plan.removed and len(state) > 3 and state[3] in new_paths
                          and new_paths[state[3]] != key]
        if not prune and not rebuild:
            _guard_removal(plan, len(old_docs), index_dir, confirm, [r.path for r in scan])
        removed = list(plan.removed) + list(plan.forgotten)
        estimate = sum(state[0] for state in plan.states.values() if state[2] is None)
        # The workers start (fork) under the lock; they close their copy of its descriptor (see
        # engines) so that a worker outliving a killed run never keeps the archive locked.
        with engine(plan.todo, shard_root) as results:
            run = _RunWriter(index_dir, None if fresh else live, estimate)
            try:
                seen: set[str] = set()
                meta: dict[str, list] = {}  # key -> [published, sketch], for the near-duplicate clusters
                for done, result in enumerate(results, 1):
                    report.take(result)
                    old = old_files.get(result.key)
                    if result.sha256 is None or (not result.records and result.failures):
                        # nothing readable: keep the previous version, if any, and try again next run
                        if old and not fresh:
                            plan.states[result.key] = old
                        else:
                            plan.states.pop(result.key, None)
                    else:
                        keys = [r.key for r in result.records]
                        plan.states[result.key][2] = result.sha256
                        plan.states[result.key][4] = keys
                        if result.crawl is not None:  # an archive file: its record counts, for stats
                            plan.states[result.key][7:] = [result.crawl]
                        still = set(keys)
                        removed.extend(k for k in _members(old, result.key) if k not in still)
                        for record in result.records:  # keys are unique: source keys are, WARC offsets are
                            seen.add(record.key)
                            # the sketch as 32 machine words, not 32 Python ints: 1 KB less per document
                            meta[record.key] = [record.published, array("I", record.sketch)]
                            if record.key in old_docs:
                                report.updated += 1
                            else:
                                report.added += 1
                    if progress:
                        progress(done, len(plan.todo))
                shards = results.shards()
                files = {k: v for k, v in plan.states.items() if v[2]}
                removed = sorted(set(k for k in removed if k not in seen))
                report.removed = len(removed)
                report.unchanged = plan.unchanged
                manifest_roots = [{"path": r.path, "label": r.label} for r in roots]
                if fresh or seen or removed or files != old_files or manifest_roots != known.get("roots"):
                    replaced = sorted(seen & old_docs)
                    run.finish(removed, meta, files, manifest_roots, shards=shards,
                               replaced=replaced)
                else:
                    run.abort()
            except OSError as e:  # writing a shard failed (disk full...)
                run.abort()
                raise run._io_error(e) from None
            except BaseException:
                run.abort()
                raise
            finally:
                shutil.rmtree(shard_root, ignore_errors=True)
        report.seconds = time.monotonic() - started
        _save_report(report)
    return report


def _guard_removal(plan: _Plan, documents: int, index_dir: str, confirm, scanned: list[str]) -> None:
    """Ask before a run removes a large share of the archive (RemovalRefused when not confirmed)."""
    n = len(plan.removed)
    if n < REMOVAL_GUARD_MIN or n <= REMOVAL_GUARD_SHARE * documents:
        return
    what = (f"this run would remove {n:,} of the archive's {documents:,} documents ({n / max(documents, 1):.0%}) "
            f"because their files are gone from {', '.join(scanned) or 'its roots'}")
    if confirm is not None and confirm(what):
        return
    raise RemovalRefused(f"{what[0].upper()}{what[1:]}; nothing was changed. If that is intended, run again with "
                         f"--prune (or forget a whole root with --forget ROOT); index: {index_dir}")


def import_records(jsonl_path: str, index_dir: str | None = None, wait: float = LOCK_WAIT) -> IndexReport:
    """Rebuild an index from a ``searchlib export --with-text --format jsonl`` file, without the
    original pages. Every line is checked before anything is written; the new generation is then
    swapped in atomically.

    Raises:
        BadValue: the file is not such an export: a line that is not JSON, too long, or has a
            field of the wrong type (named with its line number), a key given twice, or no
            record at all. Nothing is changed.
    """
    started = time.monotonic()
    index_dir = index_dir or default_index_dir()
    report = IndexReport(index_dir)
    records, files = [], {}
    lines = {}
    try:
        fh = open(jsonl_path, "rb")
    except OSError as e:
        raise BadValue(f"Cannot read {jsonl_path}: {e.strerror}") from None
    with fh:
        number = 0
        while True:
            raw = fh.readline(loading.MAX_BYTES + 1)
            if not raw:
                break
            number += 1
            if len(raw) > loading.MAX_BYTES:
                raise BadValue(f"{jsonl_path}, line {number}: longer than the {loading.size_cap()} a "
                               "record may take; nothing was changed")
            if not raw.strip():
                continue
            record = record_codec.decode_line(raw, f"{jsonl_path}, line {number}")
            if record.key in lines:
                raise BadValue(f"{jsonl_path}, line {number}: key {record.key!r} was already given on line "
                               f"{lines[record.key]}; nothing was changed")
            lines[record.key] = number
            records.append(record)
            # root "": imported, no folder to scan (a later run never removes or re-derives them)
            files[record.key] = [record.size, 0, record.sha256, (record.origin or {}).get("path", record.path),
                                 [record.key], "", record.version]
    if not records:
        raise BadValue(f"{jsonl_path} holds no records: an import must not replace the archive with an empty "
                       "one; nothing was changed")
    with write_lock(index_dir, wait):
        report.reclaimed = reclaim(index_dir)
        _write_generation(index_dir, records, files, [])
        report.added = len(records)
        report.seconds = time.monotonic() - started
        _save_report(report)
    return report


class _RunWriter:
    """The one Whoosh writer of a run: a fresh generation (published by swapping CURRENT) or the
    live one (one commit). Nothing is visible to searchers before ``finish``; ``abort`` leaves the
    previous state as it was."""

    def __init__(self, index_dir: str, live_gen: str | None, estimate: int) -> None:
        self.index_dir, self.live_gen = index_dir, live_gen
        self.writer = None
        self.gen_name = self.gen_dir = None
        try:
            if live_gen is None:
                # an index takes about as much as the pages' text; the old generation stays until the swap
                _check_free_space(index_dir, estimate + (8 << 20))
                self.gen_name = _next_generation(index_dir)
                self.gen_dir = os.path.join(index_dir, self.gen_name)
                os.makedirs(self.gen_dir)
                self.ix = whoosh_index.create_in(self.gen_dir, make_schema())
            else:
                self.gen_dir = live_gen
                self.ix = whoosh_index.open_dir(live_gen)
            # the posting buffer: memory vs. segment merges at commit; no compound segment files (see sharding)
            self.writer = self.ix.writer(limitmb=WRITER_POOL_MB, compound=False)
            for name, fieldtype in make_schema().items():  # a facet field newer than the index: from now on
                if name not in self.ix.schema:
                    self.writer.add_field(name, fieldtype)
        except OSError as e:
            self.abort()
            raise self._io_error(e) from None

    def _io_error(self, e: OSError) -> IndexIOError:
        return IndexIOError(f"Cannot write the index at {self.index_dir}: {e.strerror or e}; "
                            "the previous index is unchanged")

    def add(self, record: pipeline.Record) -> None:
        try:
            if self.live_gen is None:
                self.writer.add_document(**document(record))
            else:  # keys are unique within a run, so update_document cannot duplicate
                self.writer.update_document(**document(record))
        except OSError as e:
            raise self._io_error(e) from None

    def finish(self, removed: list[str], meta: dict[str, list], files: dict, roots: list[str],
               shards: list[str] = (), replaced: list[str] = ()) -> None:
        """Publish: this writer's documents plus the adopted ``shards``, minus ``removed`` and the
        old versions of ``replaced`` keys, in one commit (a fresh generation is then swapped in)."""
        from .sharding import adopt, commit_with

        try:
            segments = adopt(self.writer, shards)
            toc_gen = whoosh_compat.next_commit(self.writer)  # the commit below; its side files are written first
            if self.live_gen is None:
                _write_duplicates(self.gen_dir, meta, [], {}, toc_gen)
                _write_manifest(self.gen_dir, files, roots, toc_gen)
                commit_with(self.writer, segments)
                self.writer = None
                _write_facet_table(self.gen_dir)
                write_checksums(self.gen_dir)
                _publish(self.index_dir, self.gen_name)
            else:
                _write_duplicates(self.gen_dir, meta, removed, read_json(self.gen_dir, DOCS), toc_gen)
                _write_manifest(self.gen_dir, files, roots, toc_gen)
                for key in (*removed, *replaced):
                    self.writer.delete_by_term("key", key)
                fsutil.fsync_dir(self.gen_dir)
                # merging deletes segment files a searcher may be about to open: merge only when many
                commit_with(self.writer, segments, merge=len(whoosh_compat.segment_ids(self.ix)) > MERGE_SEGMENTS)
                self.writer = None
                fsutil.fsync_tree(self.gen_dir)
                _write_facet_table(self.gen_dir)
                write_checksums(self.gen_dir)
                _drop_old_side_files(self.gen_dir, toc_gen)
                fsutil.fsync_dir(self.gen_dir)
        except OSError as e:
            self.abort()
            raise self._io_error(e) from None

    def abort(self) -> None:
        """Leave the previous state as it was, and nothing of this run behind: a cancelled Whoosh
        writer leaves its new (empty) segment's files, and a failed ``finish`` the adopted
        segments and the side files of the commit it did not make. The next run would otherwise
        take them for the leftovers of a run that died, and say so."""
        cancelled = self.writer is not None
        if cancelled:
            try:
                self.writer.cancel()
            except OSError:
                pass
            self.writer = None
        if self.live_gen is None and self.gen_dir:
            shutil.rmtree(self.gen_dir, ignore_errors=True)
        elif cancelled:
            _reclaim_generation(self.live_gen)


def _write_generation(index_dir: str, records: list[pipeline.Record], files: dict, roots: list[str]) -> None:
    """A complete new generation from records already in memory (``index --from-jsonl``)."""
    run = _RunWriter(index_dir, None, sum(len(r.text) + 2000 for r in records))
    try:
        for record in records:
            run.add(record)
        run.finish([], {r.key: [r.published, list(r.sketch)] for r in records}, files, roots)
    except BaseException:
        run.abort()
        raise


def _save_report(report: IndexReport) -> None:
    tmp = os.path.join(report.index_dir, f".{LAST_RUN}.{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(report.as_dict(), fh, ensure_ascii=False)
        os.replace(tmp, os.path.join(report.index_dir, LAST_RUN))
    except OSError:
        pass  # the report is a convenience; the index itself is already published


__all__ = ["build_index", "IndexReport", "make_schema", "open_index", "default_index_dir", "SearchlibError"]
