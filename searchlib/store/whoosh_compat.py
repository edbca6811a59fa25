"""The door to Whoosh's internals: the one module that uses Whoosh's private names.

searchlib reads more of Whoosh than its public API offers: the segment list and table of
contents of an index (to adopt shards written elsewhere, to name the files of a commit), the
column files of a segment (opened early, so a merge cannot delete them under a searcher), the
field-length column and the posting blocks (to score whole blocks at once, bit for bit like
Whoosh), and a few writer parts. Every such use is a function here, so a Whoosh upgrade is
checked in one file. Importing this module imports Whoosh (quietly: see ``_import_quietly``) and
refuses any version but the one setup.cfg pins; tests/store/test_whoosh_door.py checks these readers
against Whoosh's public API and that no other module uses a private Whoosh name.

Why not ``whoosh.multiproc.MpWriter(multisegment=True)`` for sharded writing (sharding.py)? It
writes one segment per worker process and lists them all in one commit, which is what adoption
does, but: (1) its parent process pickles every document to a job file for the workers, so the
cleaning and tagging (most of the time) would still run in one process, or each page's text would
cross processes twice; our workers derive and write in the same process. (2) Its workers write
into the index folder itself, under the parent's lock, while ours write private shard folders
that are checked (``distributed.validate_partition``) before one commit adopts them: a killed
run leaves nothing in the live index. (3) A worker that dies is skipped (its result is read with
``queue.get(timeout=1)`` and ``queue.Empty`` ignored), so its documents would be silently missing;
our engines fail the run. (4) Its workers are forked lazily while the index lock is held and never
close the lock's descriptor (``processes.worker_init``), and (5) it works only on one machine:
the Dask engine writes shards on other hosts. So sharding.py writes with plain writers and uses
the same adoption for the local and the Dask engine.
"""

from __future__ import annotations

import warnings
import zlib
from itertools import accumulate
from pickle import loads

PINNED = "2.7.4"  # setup.cfg's `whoosh==` pin (tests/store/test_whoosh_door.py checks they agree)


def _import_quietly() -> None:
    """Import Whoosh without the 40 ms of urllib.request (and http, email, ssl) it pulls in only to
    re-export ``urlretrieve``, which searchlib never calls: a stand-in module is present while
    ``whoosh.compat`` loads; its ``urlretrieve`` imports the real one if anything ever calls it."""
    import sys
    import types

    if "urllib.request" in sys.modules or "whoosh.compat" in sys.modules:
        return
    stand_in = types.ModuleType("urllib.request")

    def urlretrieve(*args, **kwargs):
        from urllib.request import urlretrieve as real

        return real(*args, **kwargs)

    stand_in.urlretrieve = urlretrieve
    sys.modules["urllib.request"] = stand_in
    try:
        import whoosh.compat  # noqa: F401
    finally:
        if sys.modules.get("urllib.request") is stand_in:
            del sys.modules["urllib.request"]


with warnings.catch_warnings():
    _import_quietly()
    # Whoosh 2.7.4 has invalid escape sequences and `is` with literals: SyntaxWarnings at compile time
    # on Python 3.12+. They are Whoosh's, not ours, and harmless; keep them off the user's terminal.
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    import whoosh
    from whoosh import analysis, fields, index  # noqa: F401 - compiled here, with the warnings silenced
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, _lenfield
    from whoosh.system import _INT_SIZE
    from whoosh.writing import MERGE_SMALL, NO_MERGE

INSTALLED = ".".join(map(str, whoosh.__version__))
if INSTALLED != PINNED:
    raise ImportError(f"searchlib needs Whoosh {PINNED}, and Whoosh {INSTALLED} is installed: it reads Whoosh's "
                      f"index files and posting blocks directly, so only the pinned version is known to give the "
                      f"right results. Install it with: pip install whoosh=={PINNED}")


class Unsupported(Exception):
    """Something searchlib does not reproduce exactly (another codec, an odd block, a query part): let
    Whoosh run the query."""


# ----------------------------------------------------------------------------- segments and commits

def segment_ids(ix) -> list[str]:
    """The ids of the segments the latest commit of ``ix`` lists (its files start with them)."""
    return [segment.segment_id() for segment in ix._segments()]


def segment_of(leaf_reader):
    """The Whoosh segment a leaf reader reads (None for the reader of an empty index)."""
    segment = getattr(leaf_reader, "segment", None)
    return segment() if callable(segment) else None


def reader_segment_ids(reader) -> list[str]:
    """The ids of the segments ``reader`` reads (not the folder's: it may hold a newer commit)."""
    return [seg.segment_id() for seg in map(segment_of, (leaf for leaf, _ in reader.leaf_readers())) if seg]


def leaf_segment_id(leaf_reader) -> str:
    return leaf_reader.segment().segment_id()


def toc_segments(ix) -> list:
    """The segment objects of the latest table of contents of ``ix`` (to adopt them elsewhere)."""
    return list(ix._read_toc().segments)


def segment_files(segment, ix) -> list[str]:
    """The file names of one segment of ``ix``."""
    return list(segment.list_files(ix.storage))


def writer_folder(writer) -> str:
    return writer.storage.folder


def next_commit(writer) -> int:
    """The table-of-contents generation ``writer.commit()`` will write."""
    return writer.generation


def commit_with(writer, segments: list, merge: bool = False) -> None:
    """Commit ``writer`` (its own additions and deletions) with ``segments`` appended to the
    table of contents: a custom merge policy returns the segments to keep plus the adopted ones."""
    policy = MERGE_SMALL if merge else NO_MERGE

    def with_adopted(w, existing):
        return policy(w, existing) + list(segments)

    writer.commit(mergetype=with_adopted)


def close_writer_files(writer) -> None:
    """Close the files of a writer whose ``cancel`` failed half-way (a half-committed writer)."""
    for closable in (getattr(writer, "perdocwriter", None), getattr(writer, "fieldwriter", None)):
        try:
            closable.close()
        except Exception:  # noqa: BLE001
            pass


def hold_column_files(leaf_reader, names: list[str]) -> None:
    """Open now every column file (stored fields, field lengths, sort keys) of the segment that
    ``leaf_reader`` reads, ``names`` being the files of its folder; its set of columns is then
    fixed (see ``indexing._hold_segment_files`` for why)."""
    perdoc = getattr(leaf_reader, "_perdoc", None)
    segment = segment_of(leaf_reader)
    if perdoc is None or segment is None or segment.is_compound() or not hasattr(perdoc, "_colfiles"):
        return  # an empty index; a compound segment is read into memory anyway
    prefix, suffix = segment.segment_id() + ".", W3Codec.COLUMN_EXT
    columns = frozenset(n[len(prefix):-len(suffix)] for n in names if n.startswith(prefix) and n.endswith(suffix))
    for column in columns:
        if column not in perdoc._colfiles:
            perdoc._colfiles[column] = perdoc._get_column_file(column)
    perdoc.has_column = columns.__contains__


# ----------------------------------------------------------------------------- analysis

def stemmer(stem_filter):
    """A StemFilter's stemming function, with its word cache (``StemFilter.clear`` builds it)."""
    return stem_filter._stem


# ----------------------------------------------------------------------------- lengths and postings

def segment_lengths(segment_reader, fieldname: str) -> bytes | None:
    """The per-document length bytes of ``fieldname`` in one segment (None: no such column)."""
    perdoc = getattr(segment_reader, "_perdoc", None)
    if perdoc is None:
        return None
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is None:
        return None
    count, total = column._count, segment_reader.doc_count_all()
    raw = column._dbfile.get(column._basepos, count) if count else b""
    return bytes(raw[:total]) + b"\0" * max(0, total - count)


def deleted_docs(segment_reader) -> frozenset:
    """The deleted document numbers of one segment."""
    return frozenset(segment_reader._perdoc.deleted_docs()) if segment_reader.has_deletions() else frozenset()


def length_scorer(scorer):
    """A WeightLengthScorer's score(weight, length) function."""
    return scorer._score


def leaf_matcher(reader, fieldname: str, btext: bytes):
    """The posting reader of one segment whose blocks this module can read (Whoosh 2.7's W3)."""
    matcher = reader.postings(fieldname, btext)
    if type(matcher).__name__ == "FilterMatcher":  # deletions: the child still reads every posting
        matcher = matcher.child
    if type(matcher).__name__ != "W3LeafMatcher":
        raise Unsupported(type(matcher).__name__)
    return matcher


_VALUES_START = b"(c_codecs\nencode\n"  # a block's third part, the values, as Python 3 pickles bytes


def _ids_and_weights(matcher) -> tuple:
    """A posting block's document numbers and weights, without unpickling its values.

    Whoosh pickles a block as (ids, weights, values), and the values (every posting's positions,
    each pickled as a call that makes bytes) are most of the bytes and nearly all of the unpickling
    time. Word scoring needs no positions, so the pickle is cut where the values start and closed
    as a pair. A block of any other shape is read whole, as Whoosh reads it.
    """
    raw = matcher._postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
    if matcher._compression:
        raw = zlib.decompress(raw)
    cut = raw.find(_VALUES_START)
    data = loads(raw[:cut] + b"\x86.") if cut > 0 else loads(raw)  # \x86: TUPLE2
    ids, weights = data[0], data[1]
    count = matcher._blocklength
    if weights is None:
        weights = (1.0,) * count
    elif isinstance(weights, float):
        weights = (weights,) * count
    if len(ids) != count or len(weights) != count:
        raise Unsupported("unexpected posting block")
    return (ids if matcher._byteids else list(accumulate(ids))), weights


def posting_blocks(reader, fieldname: str, btext: bytes):
    """A term's postings in one segment, block by block: (ids, weights) without the positions."""
    matcher = leaf_matcher(reader, fieldname, btext)
    while matcher.is_active():
        yield _ids_and_weights(matcher)
        matcher._next_block()


def _block_ids(matcher):
    """The document numbers of a posting block (Whoosh's _read_ids, with the running sum in C)."""
    if matcher._data is None:
        matcher._read_data()
    raw = matcher._data[0]
    return raw if matcher._byteids else list(accumulate(raw))


def _block_weights(matcher):
    matcher._read_weights()
    return matcher._weights


def term_postings(reader, fieldname: str, btext: bytes) -> tuple[list, list, list]:
    """A term's postings in one segment as three lists: ids, weights, raw values (positions)."""
    matcher = leaf_matcher(reader, fieldname, btext)
    ids: list = []
    weights: list = []
    values: list = []
    while matcher.is_active():
        ids.extend(_block_ids(matcher))
        weights.extend(_block_weights(matcher))
        matcher._read_values()
        values.extend(matcher._values)
        matcher._next_block()
    return ids, weights, values


_PICKLE_LIST = b"\x80\x02]"  # Positions.encode: pack_uint(count) + pickle.dumps(deltas, 2), final STOP dropped


def decode_position_lists(values: list[bytes]) -> list[list[int]]:
    """The position deltas of many postings (Whoosh's Positions format) in one unpickling.

    Each value is a protocol-2 pickle of one list of ints; their bodies, put one after another
    inside an outer list, are the pickle of the list of lists (each inner one reuses memo slot 0,
    which is harmless: nothing refers back to it). Anything unexpected decodes one by one.
    """
    bodies = []
    for v in values:
        if v[_INT_SIZE:_INT_SIZE + 3] != _PICKLE_LIST:
            return [_deltas(v) for v in values]
        bodies.append(v[_INT_SIZE + 2:-1] if v.endswith(b".") else v[_INT_SIZE + 2:])
    decoded = loads(b"\x80\x02](" + b"".join(bodies) + b"e.")
    if len(decoded) != len(values):
        return [_deltas(v) for v in values]
    return decoded


def _deltas(value: bytes) -> list[int]:
    if not value.endswith(b"."):
        value += b"."
    return loads(value[_INT_SIZE:])
