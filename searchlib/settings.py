"""Every limit, pool and cache size, buffer and cost-model constant, named once.

Each says what it bounds and what measured it (a 2-core machine; bench/ reproduces the figures).
Modules import the names they use (``from .settings import MAX_BYTES``), so a test can still set
``loading.MAX_BYTES`` for the module it exercises. Part of the derive version (pipeline), since the
derive limits change what a page becomes. Not here: formats (file names, schema versions) and the
near-duplicate sketch (duplicating.K, SHINGLE, THRESHOLD), which define stored data rather than
bound work.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

# ----------------------------------------------------------------------------- the archive

INDEX_ENV = "SEARCHLIB_INDEX"  # the environment variable naming the index folder
DEFAULT_INDEX = "index"  # ... and the folder used when it is unset


def default_index_dir() -> str:
    """The index folder when none is given: ``$SEARCHLIB_INDEX``, else ``./index``."""
    return os.environ.get(INDEX_ENV) or DEFAULT_INDEX


LOCK_WAIT = 5.0  # seconds a second writer waits for the write lock before exit 75
MAIN_JOB_WAIT = 60.0  # ... in the README's main job (`searchlib`), which a cron run may overlap
# A run that would remove at least this share of the archive (and at least REMOVAL_GUARD_MIN
# documents) because their files are gone asks first: an unmounted disk or an emptied folder must
# not silently empty the archive. See build_index(prune=..., confirm=...).
REMOVAL_GUARD_SHARE = 0.10
REMOVAL_GUARD_MIN = 10
# A file modified within this many nanoseconds of being recorded may change again within the same
# mtime tick (2 s on FAT, a kernel clock tick elsewhere): its content is compared next time.
RACY_NS = 2_000_000_000

# ----------------------------------------------------------------------------- load and derive

MAX_BYTES = 50 * 1024 * 1024  # larger files (or decompressed members) are skipped with a message: bounded memory
SNIFF_BYTES = 4096  # bytes read to tell a page without a known suffix from an image or a binary
READ_CHUNK = 1 << 20  # bytes per read while hashing or decompressing (bounded memory, few system calls)
MAX_LINE = 5000  # longer lines (a page saved as one line) are cut at sentence ends into blocks
# A run this long without a space is no word (a data blob, a line of one character): no query can
# match it, and cut into blocks it would crowd out the words around it (cleaning.segment_text).
MAX_WORD = 1000
MAX_TAGGED_CHARS = 300_000  # tags come from the first 300k characters: far beyond any article
# A revisit record's original is looked for in its own file, then in this many other archive files
# of its folder, the nearest by name first (earlier ones first: a crawl's files sort by time). Each
# is scanned once per worker process: bounded time and memory however large the crawl.
REVISIT_FILES = 8
# Publication dates checked against the dates an HTML page shows its reader (cleaning.PageDates).
# A date htmldate read from the page's elements or text that the page shows only further than this
# many characters after the article's last line is a comment's, a related link's or the footer's
# (a blog's "posted on" line right under the article is nearer); on the dev set the dates right
# under the article were all within 150 characters of it.
DATE_AFTER_ARTICLE = 150
# The article's header, where its date is shown: from this many characters before the <h1> to the
# first line of the article (or this many after the <h1> when that line is not found on the page).
HEADER_BEFORE_H1 = 200
HEADER_AFTER_H1 = 500
# ... where a date counts only in a short string of the page (a metadata line), not in a sentence
# of more words (a photo caption: "... the palace in Kabul on 15 August 2021.")
HEADER_LINE_WORDS = 12
# A date shown only within this many characters of the top of the page's text is the site's date
# of the day (the crawl day, "Friday, 21 January 2022 | Home"), not the article's.
SITE_DATE_TOP = 60

# Language detection (derive/language.py): a page is read from its first LANGUAGE_CHARS characters
# of title and text (py3langid's time grows with length: 1.5 ms of CPU for 2,000 characters, 1.0 ms
# for 1,000, which tell 300 Wikinews articles and 164 mediacloud pages apart exactly as 2,000 do,
# while 600 leave one more page undetermined); under LANGUAGE_MIN_LETTERS letters, or below LANGUAGE_MIN_CONFIDENCE (py3langid's
# normalised probability, regional varieties merged), the page is ``und``. Measured with
# bench/language.py: every sample sentence (30+ letters) in en, fr, ar, ru, de, es, tr scores 0.78
# or more, and right; headlines of 2-4 words score 0.11-0.80 and one of seven is wrong.
LANGUAGE_CHARS = 1000
LANGUAGE_MIN_LETTERS = 20
LANGUAGE_MIN_CONFIDENCE = 0.7
# Plain English needs no model (language.plainly_english): 30 words or more, nearly all letters ASCII,
# and English-only function words (the, and, of, that...) a tenth of them. Measured with bench/language.py
# over 1,588 real English pages (Wikinews, mediacloud, this project's): 1 % of them under 0.103,
# median 0.21; over the 28 pages in other languages that pass the letter and length tests, at most 0.047.
ENGLISH_MIN_WORDS = 30
ENGLISH_MIN_SHARE = 0.1

# ----------------------------------------------------------------------------- worker processes

PARALLEL_MIN_FILES = 16  # fewer files derive in this process: starting workers costs more (~0.3 s)
CHUNK_FILES = 8  # files per task sent to a worker: fewer round trips, still an even spread
FILES_PER_PARTITION = 5000  # Dask: above this, more partitions than 2 per worker

# ----------------------------------------------------------------------------- index writing

# Whoosh's in-memory posting pool per shard writer, in MB, before it spills a run to disk. Measured
# on 4,000 pages: 8 MB costs no time against 32 MB and keeps each worker ~25 MB smaller (an
# indexing run's memory budget is 400 MB for all its processes together).
POOL_MB = 8
WRITER_POOL_MB = 64  # the one writer of an update or an import (one process, no workers)
# An update merges segments only when more than this many have piled up: a merge deletes the
# merged segments' files, which a searcher of the previous commit may be about to open.
MERGE_SEGMENTS = 8
STEM_CACHE = 50_000  # words whose stem the analyzer remembers (news vocabulary; ~5 MB)

# ----------------------------------------------------------------------------- searching

RESULT_LIMIT = 100_000  # the most hits one request may ask for (--limit; the web view's exports)
RECORDS_KEPT = 2000  # stored records a warm searcher keeps (about 2 KB each)
CACHE_POSTINGS = 2_000_000  # decoded scores a warm searcher keeps: about 24 MB (12 bytes each)
CACHE_MIN_POSTINGS = 500  # fewer decoded postings are quicker to decode again than worth keeping
CACHE_ENTRIES = 10_000  # posting lists a warm searcher keeps at the most
# Words a query's wildcards (Kabul*, *a*) and ranges ([a TO z]) may stand for, all together: each
# one is a posting list to walk; 26 one-letter wildcards over 516 pages stood for ~100k words
# (13 s, 204 MB) before this limit.
EXPANSION_LIMIT = 1000
FACET_LIMIT = 20  # values per facet a search returns unless it asks for another number (0: all)
SUGGESTIONS = 5  # other queries offered when a search finds nothing
# Searchers the web view keeps open, one per request answered at the same moment (each holds its
# own facet table, a few MB per 10k documents): a slow search never holds up the others.
WEB_SEARCHERS = 4


@dataclass(frozen=True)
class FacetCost:
    """The cost model that picks how a facet is counted (searching.FacetCache.count), in
    microseconds, measured with bench/perf.py on 10k-50k documents: a set intersection per value,
    or a lookup of each match's values; building a structure costs once per searcher."""

    per_value: float = 4.0  # one set intersection
    per_posting: float = 0.1  # one member of a value's set visited
    per_lookup: float = 1.2  # one match's values looked up, per posting per document
    build_sets: float = 0.1  # per posting, to build the value sets
    build_lookup: float = 0.3  # per posting, to build the per-document values (or story sets)
    story_lookup: float = 0.05  # per match, to find its story without story sets
    clustered_sets: float = 1.5  # extra work per share of documents in a story, counting by sets
    clustered_lookup: float = 3.0  # ... counting by lookups


FACET_COST = FacetCost()

# ----------------------------------------------------------------------------- analyst views

# A timeline's bucket, when none is asked for, follows the span of the dates shown (first to last
# day, both included): more than ~6 years gives years, more than ~3 months months, else days, so a
# timeline has at most ~92 bars below years (readable and clickable at 390 px) and never one bar.
TIMELINE_YEAR_SPAN = 6 * 365  # days
TIMELINE_MONTH_SPAN = 92  # days
TIMELINE_MAX_BUCKETS = 2000  # an asked-for bucket that gives more bars is refused (days over 6 years)
SERIES = 5  # series of a comparative timeline unless asked otherwise
SERIES_MAX = 50
CO_MENTIONS = 10  # rows and columns of a co-mention matrix unless asked otherwise
CO_MENTIONS_MAX = 100
# Values of a facet considered for the rows, columns or series: the most frequent this many times
# the number shown, ranked again by what their filter selects (a group with its affiliates).
CANDIDATES = 3

# ----------------------------------------------------------------------------- output

SKIPPED_SHOWN = 20  # non-page files named on stderr; --format json lists them all
PER_PAGE = 20  # hits per page in the web view
FACET_SHOWN = 8  # values per facet in the web view before "show all"
EMPTY_VALUES = 5  # values per facet a web page without hits offers ("found with": the query alone)
EXPORT_CHUNK = 500  # hits per search while the web view streams an export (bounds its memory)
