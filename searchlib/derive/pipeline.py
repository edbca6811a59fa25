"""Derive: (bytes, path) -> Record. The pure function every engine runs: load, clean, tag.

No index, no global state, no I/O beyond what the caller passes in, so it can run in a process
pool (or any other engine) and give the same record for the same bytes.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Iterator

from . import cleaning, duplicating, language, loading, tagging
from .. import fsutil
from ..processes import WorkerPool
from ..settings import CHUNK_FILES, PARALLEL_MIN_FILES

# The modules (paths below searchlib/) and libraries whose behaviour decides a record
# (bytes -> text -> clean -> tags): the derive layer, and the limits it reads from settings.
_DERIVE_MODULES = ("derive/loading.py", "derive/cleaning.py", "derive/dating.py", "derive/tagging.py",
                   "derive/aliases.py", "derive/duplicating.py", "derive/language.py", "derive/pipeline.py", "settings.py")
_DERIVE_LIBRARIES = ("trafilatura", "htmldate", "beautifulsoup4", "lxml", "python-dateutil", "warcio", "brotli",
                      "py3langid")


def _derive_version() -> str:
    """A digest of everything that decides a record: the derive modules' code, the data tables
    and text model, and the versions of the libraries they call. A record made by another
    version is re-derived by the next run over its root (see indexing.build_index), so an
    upgrade never leaves old tags or dates in the archive."""
    from importlib import metadata

    here = os.path.dirname(os.path.abspath(__file__))
    package = os.path.dirname(here)
    h = hashlib.sha256()
    for name in _DERIVE_MODULES:
        with open(os.path.join(package, name), "rb") as fh:
            h.update(name.encode() + b"\0" + fh.read() + b"\0")
    data = os.path.join(here, "data")
    for name in sorted(os.listdir(data)):
        with open(os.path.join(data, name), "rb") as fh:
            h.update(name.encode() + b"\0" + fh.read() + b"\0")
    for lib in _DERIVE_LIBRARIES:
        try:
            h.update(f"{lib}={metadata.version(lib)}\0".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{lib}=-\0".encode())
    return f"derive-{h.hexdigest()[:12]}"


DERIVE_VERSION = _derive_version()


@dataclass(frozen=True)
class Record:
    key: str
    path: str
    kind: str
    title: str
    author: str | None
    published: str | None
    text: str
    groups: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    officials: tuple[tagging.Official, ...] = ()
    dates: tuple[str, ...] = ()
    language: str = language.UNDETERMINED  # ISO 639-1 (language.detect), or "und"
    site: str | None = None
    sha256: str = ""
    size: int = 0
    evidence: tuple[tagging.Evidence, ...] = field(default=(), compare=False)
    origin: dict | None = field(default=None, compare=False)  # where the bytes came from (file, WARC record)
    sketch: tuple[int, ...] = field(default=(), compare=False, repr=False)  # near-duplicate sketch
    version: str = DERIVE_VERSION  # see _derive_version


def derive(data: bytes, path: str, key: str, kind: str, origin: dict | None = None,
           published_fallback: str | None = None) -> Record:
    """Decode, clean and tag one page. Raises loading.LoadFailure for unreadable content.

    ``origin`` records where the bytes came from (default: the file at ``path``).
    """
    text = loading.decode(data, kind, path)
    try:
        article = cleaning.clean(text, kind)
    except RecursionError:
        raise loading.LoadFailure(path, "page nested too deeply to parse") from None
    if not article.body.strip() and not article.title.strip():
        raise loading.LoadFailure(path, "no article text (only markup, scripts or styles)")
    lang = language.detect(f"{article.title}\n{article.body}")
    tags = tagging.tag(article, language=None if lang == language.UNDETERMINED else lang)
    return Record(
        key=key, path=loading.printable_name(path), kind=kind, title=article.title, author=article.author, published=article.published,
        text=article.body, groups=tags.groups, countries=tags.countries, officials=tags.officials,
        dates=tags.dates, language=lang, site=article.site, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
        evidence=tags.evidence, origin=origin or {"kind": "file", "path": loading.printable_name(os.path.abspath(path))},
        sketch=duplicating.sketch(article.body),
    )


@dataclass
class FileResult:
    """What one input file gave: its records (one for a page, many for a WARC) and its failures."""

    key: str
    path: str
    sha256: str | None
    records: list[Record]
    failures: list[loading.LoadFailure]
    # crawl records that are not documents and not failures (redirects, error pages, revisits whose
    # original is not in the archives), and notes on records that are indexed (an unreadable date)
    passed: list[loading.WarcSkip] = field(default_factory=list)
    notes: list[loading.LoadFailure] = field(default_factory=list)
    crawl: dict | None = None  # an archive file's record counts (see crawl_counts), kept for stats


def light(result: FileResult) -> FileResult:
    """The result without its records' text and evidence: what the publisher needs, cheap to send
    (the text went into a shard)."""
    records = [replace(r, text="", evidence=()) for r in result.records]
    return replace(result, records=records)


def derive_source(source: loading.SourceFile) -> Record:
    return derive(loading.read_bytes(source.path), source.path, source.key, source.kind)


def derive_file(source: loading.SourceFile) -> FileResult:
    """Derive every record of one input file; never raises for bad content."""
    if source.kind == "warc":
        return _derive_warc(source)
    try:
        record = derive_source(source)
        return FileResult(source.key, source.path, record.sha256, [record], [])
    except loading.LoadFailure as e:
        return FileResult(source.key, source.path, None, [], [e])


def _derive_warc(source: loading.SourceFile) -> FileResult:
    result = FileResult(source.key, source.path, None, [], [])
    try:
        result.sha256 = fsutil.file_sha256(source.path)
    except OSError as e:
        result.failures.append(loading.LoadFailure(source.path, e.strerror or str(e)))
        return result
    tally: Counter = Counter()
    for item in loading.iter_warc(source.path, tally):
        payload_from = None
        if isinstance(item, loading.WarcRevisit):
            item, payload_from = _resolve_revisit(source.path, item)
            if item is None:
                tally["mime:revisit of a non-HTML original"] += 1
        if item is None:
            continue
        if isinstance(item, loading.LoadFailure):
            result.failures.append(item)
            continue
        if isinstance(item, loading.WarcSkip):
            result.passed.append(item)
            continue
        where = f"{source.path}#{item.offset}"
        origin = {"kind": "warc", "path": os.path.abspath(source.path), "url": item.url, "offset": item.offset,
                  "crawl_date": item.crawl_date}
        if item.format != "warc":
            origin["format"] = item.format
        if payload_from:
            origin["payload"] = payload_from
        if item.crawl_date is None and item.raw_date:
            result.notes.append(loading.LoadFailure(where, f"{item.url}: unreadable crawl date {item.raw_date!r}: "
                                                           "left empty"))
        try:
            result.records.append(derive(item.data, item.url, f"{source.key}#{item.offset}", "html", origin=origin))
        except loading.LoadFailure as e:
            result.failures.append(loading.LoadFailure(where, f"{item.url}: {e.reason}"))
    result.crawl = crawl_counts(tally, result)
    return result


def crawl_counts(tally: Counter, result: FileResult) -> dict:
    """What an archive file held, for ``stats``: every record read, the documents made of them,
    the responses kept out by reason and by HTTP status, the responses that are not pages by MIME
    type, the records that are not responses by WARC-Type, and the records that failed."""
    def prefixed(prefix: str) -> dict[str, int]:
        return {k[len(prefix):]: n for k, n in sorted(tally.items()) if k.startswith(prefix)}

    return {"records": tally["records"], "documents": len(result.records),
            "skipped": dict(Counter(s.reason for s in result.passed)),
            "statuses": {str(st): n for st, n in sorted(Counter(s.status for s in result.passed
                                                                 if s.status is not None).items())},
            "not_pages": prefixed("mime:"), "other_records": prefixed("type:"),
            "failed": len(result.failures)}


def _resolve_revisit(path: str, revisit: loading.WarcRevisit):
    """A revisit record as the record it repeats: its original's payload (same URL and payload
    digest, in the same file or another archive of its folder) with the revisit's own URL, date and
    offset, and where the payload came from. A WarcSkip when the original is not found."""
    if revisit.digest:
        for candidate in loading.archive_siblings(path):
            offset = loading.payload_offsets(candidate).get((revisit.refers_to, revisit.digest))
            if offset is None:
                continue
            original = loading.record_at(candidate, offset)
            if isinstance(original, loading.WarcPage):
                original = replace(original, offset=revisit.offset, url=revisit.url, crawl_date=revisit.crawl_date,
                                   raw_date=revisit.raw_date)
                return original, {"path": os.path.abspath(candidate), "offset": offset}
            if isinstance(original, loading.WarcSkip):
                return replace(original, offset=revisit.offset, url=revisit.url), None
            if isinstance(original, loading.LoadFailure):
                return loading.LoadFailure(f"{path}#{revisit.offset}", f"{revisit.url}: {original.reason}"), None
            return None, None  # the original is not a page (an image...): nor is the revisit
    return loading.WarcSkip(revisit.offset, revisit.url, None, "revisit"), None


def _derive_chunk(_state, sources: list[loading.SourceFile]) -> list[FileResult]:
    return [derive_file(source) for source in sources]


def derive_all(sources: list[loading.SourceFile], jobs: int | None = None) -> Iterator[FileResult]:
    """Clean and tag in worker processes (pure functions; results in input order, a bounded number
    in flight). Small runs (fewer than 16 files, or one job) derive in this process."""
    jobs = jobs or os.cpu_count() or 1
    parallel = jobs > 1 and len(sources) >= PARALLEL_MIN_FILES
    size = CHUNK_FILES if parallel else 1
    with WorkerPool(jobs if parallel else 0, _derive_chunk) as pool:
        for results in pool.map((sources[i:i + size] for i in range(0, len(sources), size)), ordered=True):
            yield from results


def extract(paths: list[str], jobs: int | None = None) -> Iterator[Record | loading.LoadFailure]:
    """Records for every page under ``paths`` (no index involved); failures are yielded, not raised."""
    sources = []
    for item in loading.iter_sources(paths):
        if isinstance(item, loading.LoadFailure):
            yield item
        else:
            sources.append(item)
    for result in derive_all(sources, jobs):
        yield from result.records
        yield from result.failures
