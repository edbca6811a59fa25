"""Index: Records -> a Whoosh index on disk. The only writer of the index folder.

Layout of an index folder::

    index/
      CURRENT           name of the live generation, replaced atomically (os.replace)
      gen-000001/       a complete Whoosh index (one generation)
      LOCK              held by the one process that writes

A build writes a new generation beside the live one, fsyncs it, then points CURRENT at it:
searchers see the old archive or the new one, never a half-written index, and Whoosh's
``create_in`` never empties an index that readers use.

Whoosh is imported only here and in ``searching.py``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import warnings
from dataclasses import dataclass, field
from typing import Callable, Iterable

with warnings.catch_warnings():
    # Whoosh 2.7.4 has invalid escape sequences and `is` with literals: SyntaxWarnings at compile time
    # on Python 3.12+. They are Whoosh's, not ours, and harmless; keep them off the user's terminal.
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    from whoosh import index as whoosh_index
    from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
    from whoosh.analysis.filters import STOP_WORDS
    from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from . import aliases, loading, pipeline, tagging
from .errors import IndexCorrupt, IndexIOError, IndexNotFound, SearchlibError

SCHEMA_VERSION = 1
CURRENT = "CURRENT"
LAST_RUN = "last-run.json"  # the last run's report, for `searchlib stats`

# ----------------------------------------------------------------------------- analysis

# Abbreviations with dots (U.S., U.K.), then words joined by hyphens (ISIS-K, al-Shabaab).
TOKEN_PATTERN = r"(?:[A-Za-z]\.){2,}|\w+(?:[-\u2010\u2011]\w+)*"


class CompoundFilter(Filter):
    """Keep hyphenated words whole, and at index time also their parts.

    "ISIS-K" is indexed as ``isis-k``, ``isis`` and ``k``; a query for ISIS-K looks up only
    ``isis-k``, so it never matches a page that only says ISIS, while a query for Shabaab still
    finds al-Shabaab. Dotted abbreviations lose their dots: U.S. -> ``us``.
    """

    def __call__(self, tokens):
        for t in tokens:
            text = t.text
            if "." in text:
                t.text = text.replace(".", "")
                yield t
                continue
            yield t
            if "-" in text and t.mode == "index":
                whole = text
                for part in re.split(r"[-\u2010\u2011]", whole):
                    if part:
                        t.text = part
                        yield t
                t.text = whole


class SkipCompoundStemFilter(StemFilter):
    """Stem ordinary words only: ``isis-k`` must stay ``isis-k``."""

    def __call__(self, tokens):
        stemfn = self._stem
        ignore = self.ignore
        for t in tokens:
            if not t.stopped and "-" not in t.text and t.text not in ignore:
                t.text = stemfn(t.text)
            yield t


def make_analyzer():
    stop = frozenset(STOP_WORDS) - {"us"}
    return (RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | CompoundFilter()
            | StopFilter(stoplist=stop, minsize=1) | SkipCompoundStemFilter(cachesize=50000))


def make_schema() -> Schema:
    analyzer = make_analyzer()
    return Schema(
        key=ID(unique=True, stored=True, sortable=True),
        path=STORED(),
        title=TEXT(analyzer=analyzer, stored=True, field_boost=2.0),
        body=TEXT(analyzer=analyzer, stored=True),
        author=STORED(),
        published=ID(stored=True, sortable=True),  # "YYYY-MM-DD" or "": ISO strings sort by date
        year=ID(stored=True),
        groups=KEYWORD(stored=True, commas=True, scorable=True),  # facet: the tags as found
        group_any=KEYWORD(commas=True, scorable=True),  # filter: tags plus their parents
        countries=KEYWORD(stored=True, commas=True),
        officials=KEYWORD(stored=True, commas=True),  # facet: full names
        official_keys=KEYWORD(commas=True, lowercase=True),  # filter: name, surname, role (folded)
        record=STORED(),  # JSON: officials with roles, dates, evidence, provenance
    )


def _kw(values: Iterable[str]) -> str:
    return ",".join(v.replace(",", " ") for v in values)


def official_keys(officials) -> list[str]:
    keys: list[str] = []
    for off in officials:
        name = aliases.fold(off.name)
        for k in (name, name.split()[-1], aliases.fold(off.role) if off.role else ""):
            if k and k not in keys:
                keys.append(k)
    return keys


def document(record: pipeline.Record) -> dict:
    """A Record as Whoosh fields."""
    extra = {
        "officials": [o.as_dict() for o in record.officials],
        "dates": list(record.dates),
        "evidence": [{"field": e.field, "value": e.value, "sentence": e.sentence} for e in record.evidence],
        "site": record.site, "sha256": record.sha256, "size": record.size, "kind": record.kind,
        "source": os.path.abspath(record.path),
        "version": record.version, "indexed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    return {
        "key": record.key,
        "path": record.key,  # relative to the corpus root
        "title": record.title,
        "body": record.text,
        "author": record.author,
        "published": record.published or "",
        "year": (record.published or "")[:4],
        "groups": _kw(record.groups),
        "group_any": _kw(tagging.expand_groups(record.groups)),
        "countries": _kw(record.countries),
        "officials": _kw(o.name for o in record.officials),
        "official_keys": _kw(official_keys(record.officials)),
        "record": json.dumps(extra, ensure_ascii=False),
    }


# ----------------------------------------------------------------------------- generations

def default_index_dir() -> str:
    return os.environ.get("SEARCHLIB_INDEX") or "index"


def current_generation(index_dir: str) -> str:
    """Path of the live generation. Raises IndexNotFound."""
    try:
        with open(os.path.join(index_dir, CURRENT), encoding="utf-8") as fh:
            name = fh.read().strip()
    except FileNotFoundError:
        raise IndexNotFound(f"No index at {index_dir}. Build one with: searchlib index corpus/") from None
    except OSError as e:
        raise IndexCorrupt(f"Cannot read the index at {index_dir}: {e.strerror}") from None
    gen = os.path.join(index_dir, name)
    if not re.fullmatch(r"gen-\d{6}", name) or not os.path.isdir(gen):
        raise IndexCorrupt(f"The index at {index_dir} is damaged (CURRENT points to {name!r}); rebuild it with: searchlib index CORPUS --index {index_dir}")
    return gen


def open_index(index_dir: str):
    gen = current_generation(index_dir)
    try:
        return whoosh_index.open_dir(gen)
    except (whoosh_index.EmptyIndexError, OSError, ValueError, EOFError) as e:
        raise IndexCorrupt(f"The index at {index_dir} cannot be opened ({type(e).__name__}); rebuild it with: searchlib index CORPUS --index {index_dir}") from None


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(path: str) -> None:
    for name in os.listdir(path):
        full = os.path.join(path, name)
        if os.path.isfile(full):
            with open(full, "rb") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(path)


def _next_generation(index_dir: str) -> str:
    numbers = [int(n[4:]) for n in os.listdir(index_dir) if re.fullmatch(r"gen-\d{6}", n)]
    return f"gen-{max(numbers, default=0) + 1:06d}"


def _publish(index_dir: str, gen_name: str) -> None:
    """Point CURRENT at a complete, fsynced generation (atomic), then drop older generations."""
    _fsync_tree(os.path.join(index_dir, gen_name))
    tmp = os.path.join(index_dir, f".{CURRENT}.{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(gen_name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, os.path.join(index_dir, CURRENT))
    _fsync_dir(index_dir)
    for name in os.listdir(index_dir):
        if re.fullmatch(r"gen-\d{6}", name) and name != gen_name:
            shutil.rmtree(os.path.join(index_dir, name), ignore_errors=True)


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

    @property
    def documents(self) -> int:
        return self.added + self.updated + self.unchanged

    def summary(self) -> str:
        return (f"{self.added} added, {self.updated} updated, {self.removed} removed, {self.unchanged} unchanged, "
                f"{len(self.failed)} failed ({self.seconds:.1f}s) -> {self.index_dir}")

    def as_dict(self) -> dict:
        return {"index": self.index_dir, "added": self.added, "updated": self.updated, "removed": self.removed,
                "unchanged": self.unchanged, "failed": [{"path": p, "reason": r} for p, r in self.failed],
                "seconds": round(self.seconds, 3)}


def build_index(paths: list[str], index_dir: str | None = None, jobs: int | None = None,
                progress: Callable[[int], None] | None = None) -> IndexReport:
    """Build a fresh index of every page under ``paths`` and publish it atomically.

    Args:
        paths: corpus folders or files.
        index_dir: where the index lives (default ``$SEARCHLIB_INDEX`` or ``./index``).
        jobs: worker processes for cleaning and tagging (default: all cores).
        progress: called with the number of files done so far.

    Returns:
        An IndexReport; ``report.failed`` names every file that was skipped and why.

    Raises:
        IndexIOError: the index could not be written (the previous state is kept).
    """
    started = time.monotonic()
    index_dir = index_dir or default_index_dir()
    report = IndexReport(index_dir)
    sources: list[loading.SourceFile] = []
    for item in loading.iter_sources(paths):
        if isinstance(item, loading.LoadFailure):
            report.failed.append((item.path, item.reason))
        else:
            sources.append(item)
    try:
        os.makedirs(index_dir, exist_ok=True)
        gen_name = _next_generation(index_dir)
        gen_dir = os.path.join(index_dir, gen_name)
        os.makedirs(gen_dir)
    except OSError as e:
        raise IndexIOError(f"Cannot write the index at {index_dir}: {e.strerror}") from None
    try:
        ix = whoosh_index.create_in(gen_dir, make_schema())
        writer = ix.writer(limitmb=128)
        seen: set[str] = set()
        try:
            for done, result in enumerate(pipeline.derive_all(sources, jobs), 1):
                if isinstance(result, loading.LoadFailure):
                    report.failed.append((result.path, result.reason))
                elif result.key not in seen:
                    seen.add(result.key)
                    writer.add_document(**document(result))
                    report.added += 1
                if progress:
                    progress(done)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        _publish(index_dir, gen_name)
    except OSError as e:
        shutil.rmtree(gen_dir, ignore_errors=True)
        raise IndexIOError(f"Cannot write the index at {index_dir}: {e.strerror or e}; the previous index is unchanged") from None
    except BaseException:
        shutil.rmtree(gen_dir, ignore_errors=True)
        raise
    report.seconds = time.monotonic() - started
    _save_report(report)
    return report


def _save_report(report: IndexReport) -> None:
    tmp = os.path.join(report.index_dir, f".{LAST_RUN}.{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(report.as_dict(), fh, ensure_ascii=False)
        os.replace(tmp, os.path.join(report.index_dir, LAST_RUN))
    except OSError:
        pass  # the report is a convenience; the index itself is already published


__all__ = ["build_index", "IndexReport", "make_schema", "open_index", "default_index_dir", "SearchlibError"]
