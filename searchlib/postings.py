"""Word queries scored from whole posting blocks, with exactly Whoosh's scores.

Whoosh walks postings one document at a time through a tree of matcher objects: a dozen Python
calls per posting, which is most of a warm query's time. For the queries most lookups are (words
ANDed, each word over title and body, a group alias, filter terms) this module reads each term's
posting blocks as arrays, scores them with Whoosh's own scorer objects (BM25F) and field lengths
read as one column, and combines the per-term scores in the same order Whoosh's matcher tree adds
them, so every score is bit-for-bit Whoosh's. Phrases (without a slop) are scored here too.
Anything else (phrases with a slop, NOT, wildcards, ranges, queries whose summation order Whoosh
decides at run time) returns None and runs through Whoosh.

Uses Whoosh internals (posting block arrays, the lengths column); setup.cfg pins Whoosh 2.7.4 and
tests/test_searching.py checks scores and hits against Whoosh's own search.
"""

from __future__ import annotations

import zlib
from array import array
from collections import OrderedDict
from itertools import accumulate, repeat
from operator import add, mul, truediv
from pickle import loads

from whoosh import query as wq
from whoosh.system import _INT_SIZE
from whoosh.scoring import BM25FScorer, WeightLengthScorer, WeightScorer
from whoosh.util.numeric import byte_to_length

CACHE_POSTINGS = 2_000_000  # about 24 MB of decoded scores per warm searcher
CACHE_MIN_POSTINGS = 500  # fewer decoded postings are quicker to decode again than worth keeping
CACHE_ENTRIES = 10_000
_LENGTH_OF_BYTE = [byte_to_length(b) if b else None for b in range(256)]


class Unsupported(Exception):
    """The query has a part this evaluator does not reproduce exactly: let Whoosh run it."""


def segment_lengths(segment_reader, fieldname: str) -> bytes | None:
    """The per-document length bytes of ``fieldname`` in one segment (None: no such column)."""
    perdoc = getattr(segment_reader, "_perdoc", None)
    if perdoc is None:
        return None
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is None:
        return None
    count, total = column._count, segment_reader.doc_count_all()
    raw = column._dbfile.get(column._basepos, count) if count else b""
    return bytes(raw[:total]) + b"\0" * max(0, total - count)


class Evaluator:
    """Scores word queries for one open Whoosh searcher (reuse it across queries)."""

    def __init__(self, searcher) -> None:
        self.searcher = searcher
        self.schema = searcher.schema
        self.weighting = searcher.weighting
        self.leaves = list(searcher.leaf_searchers())
        self._lengths: dict[tuple[int, str], list] = {}
        self._norm_cache: dict[tuple, list[float]] = {}
        # Decoded scores of long posting lists, least recently used dropped first. Whoosh stores a
        # posting block as one pickle holding every posting's positions, so decoding a common word
        # costs ~0.5 us per posting on every query; a warm searcher (search --batch, the web view,
        # the Python API) keeps the scores instead: 12 bytes per posting, CACHE_POSTINGS at most.
        self.cache: OrderedDict[tuple, tuple[array, array]] = OrderedDict()
        self.cached_postings = 0
        self.cache_limit = CACHE_POSTINGS
        self.cache_min = CACHE_MIN_POSTINGS
        self.decoded = 0  # postings decoded so far

    def _cached(self, key: tuple, compute) -> dict[int, float]:
        hit = self.cache.get(key)
        if hit is not None:
            self.cache.move_to_end(key)
            return dict(zip(*hit))
        before = self.decoded
        out = compute()
        # kept when it was costly to decode (a rare phrase of common words is), 12 bytes a match
        if self.decoded - before >= self.cache_min and self.cache_limit:
            self.cache[key] = (array("q", out.keys()), array("d", out.values()))
            self.cached_postings += len(out)
            while self.cached_postings > self.cache_limit or len(self.cache) > CACHE_ENTRIES:
                _key, (ids, _scores) = self.cache.popitem(last=False)
                self.cached_postings -= len(ids)
        return out

    def scores(self, query) -> dict[int, float] | None:
        """docnum -> Whoosh's score for every match, or None when Whoosh must run the query."""
        try:
            return self._eval(query)
        except Unsupported:
            return None

    # ------------------------------------------------------------------ tree
    def _eval(self, q) -> dict[int, float]:
        kind = type(q)
        if kind is wq.Term or kind is wq.Phrase:
            if kind is wq.Term:
                out = self._cached(("term", q.fieldname, q.text), lambda: self._term(q))
            else:  # (_phrase refuses a slop; the key then never gets stored)
                out = self._cached(("phrase", q.fieldname, tuple(q.words)), lambda: self._phrase(q))
            if q.boost != 1.0:
                boost = q.boost
                out = {d: s * boost for d, s in out.items()}
            return out
        if kind is wq.Or or kind is wq.And:
            subs = q.subqueries
            if not subs:
                return {}
            if len(subs) == 1:  # Whoosh uses the one child's matcher as it is, boost and all ignored
                return self._eval(subs[0])
            parts = [self._eval(s) for s in subs]
            combined = self._union(parts) if kind is wq.Or else self._intersection(subs, parts)
            if q.boost != 1.0:
                boost = q.boost
                combined = {d: s * boost for d, s in combined.items()}
            return combined
        raise Unsupported(type(q).__name__)

    @staticmethod
    def _integral(parts) -> bool:
        return all(s == int(s) for p in parts for s in p.values())

    def _union(self, parts):
        if len(parts) > 2 and not self._integral(parts):
            # Whoosh adds 3+ branches in an order that depends on the index size and the caller
            raise Unsupported("Or of 3+ scored branches")
        if len(parts) == 2 and len(parts[1]) > len(parts[0]):
            parts = parts[::-1]  # walk the shorter one: a + b == b + a exactly in floating point
        out = dict(parts[0])
        for p in parts[1:]:
            for d, s in p.items():
                out[d] = out[d] + s if d in out else s
        return out

    def _intersection(self, subs, parts):
        if len(parts) > 2 and not self._integral(parts):
            raise Unsupported("And of 3+ scored branches")  # Whoosh orders them per segment
        parts = sorted(parts, key=len)
        out = parts[0]
        for p in parts[1:]:
            out = {d: s + p[d] for d, s in out.items() if d in p}
        return out

    # ------------------------------------------------------------------ leaves
    def _term(self, q) -> dict[int, float]:
        """A word's scores, boost not applied."""
        fieldname = q.fieldname
        if fieldname not in self.schema:
            return {}
        try:
            btext = self.schema[fieldname].to_bytes(q.text)
        except ValueError:
            return {}
        out: dict[int, float] = {}
        for leaf, (sub, offset) in enumerate(self.leaves):
            reader = sub.reader()
            if (fieldname, btext) not in reader:
                continue
            scorer = self.weighting.scorer(sub, fieldname, btext)
            matcher = _leaf_matcher(reader, fieldname, btext)
            deleted = frozenset(reader._perdoc.deleted_docs()) if reader.has_deletions() else frozenset()
            bm25 = type(scorer) is BM25FScorer
            if type(scorer) is WeightScorer:
                score = None
            elif isinstance(scorer, WeightLengthScorer) and hasattr(scorer, "dfl"):
                score, lengths = scorer._score, self._field_lengths(leaf, sub, fieldname)
            else:
                raise Unsupported(type(scorer).__name__)
            if bm25:
                ids, weights = [], []
                while matcher.is_active():
                    block_ids, block_weights = _ids_and_weights(matcher)
                    ids.extend(block_ids)
                    weights.extend(block_weights)
                    matcher._next_block()
                scores = _bm25(scorer, weights, ids, self._norms(leaf, sub, fieldname, scorer))
                self.decoded += len(weights)
                if offset:
                    ids = map(add, ids, repeat(offset))
                block = zip(ids, scores)
                if deleted:
                    block = ((i, s) for i, s in block if i - offset not in deleted)
                out.update(block)
                continue
            while matcher.is_active():
                ids, weights = _ids_and_weights(matcher)
                self.decoded += len(weights)
                if score is None:
                    block = zip(ids, weights)
                else:
                    block = ((i, score(w, lengths[i])) for i, w in zip(ids, weights))
                if deleted:
                    block = ((i, s) for i, s in block if i not in deleted)
                if offset:
                    out.update((i + offset, s) for i, s in block)
                else:
                    out.update(block)
                matcher._next_block()
        return out

    def _norms(self, leaf: int, sub, fieldname: str, scorer) -> list[float]:
        """Per document, BM25's length part K1 * ((1 - B) + B * length / avgfl) of one field
        (the scorer's parameters are the field's, so each field has one list)."""
        key = (leaf, fieldname, scorer.K1, scorer.B, scorer.avgfl)
        norms = self._norm_cache.get(key)
        if norms is None:
            K1, B, avgfl = scorer.K1, scorer.B, scorer.avgfl
            one_minus_b = 1 - B
            norms = self._norm_cache[key] = [K1 * (one_minus_b + B * n / avgfl) if n is not None else None
                                             for n in self._field_lengths(leaf, sub, fieldname)]  # None: field empty
        return norms

    def _phrase(self, q) -> dict[int, float]:
        """Whoosh's Phrase: the words at consecutive positions (slop 1); the score is the sum of
        the words' scores, added in Whoosh's order (a binary tree that keeps the word order).

        The words' posting ids are intersected first; only the candidates' position lists are
        decoded, all of a word's in one unpickling, and the phrase test is one set intersection
        of (document, start position) keys across the words.
        """
        if q.slop != 1 or not q.words:
            raise Unsupported("phrase with slop")
        fieldname = q.fieldname
        if fieldname not in self.schema:
            return {}
        field = self.schema[fieldname]
        if not field.format or not field.format.supports("positions") or field.format.supports("characters"):
            raise Unsupported("phrase on a field without plain positions")
        try:
            words = [field.to_bytes(w) for w in q.words]
        except ValueError:
            return {}
        out: dict[int, float] = {}
        for leaf, (sub, offset) in enumerate(self.leaves):
            reader = sub.reader()
            if any((fieldname, w) not in reader for w in words):
                continue
            postings = [_block_postings(reader, fieldname, w) for w in words]
            self.decoded += sum(len(p[0]) for p in postings)
            candidates = set(min((p[0] for p in postings), key=len))
            for ids, _weights, _values in postings:
                candidates.intersection_update(ids)
            if reader.has_deletions():
                candidates.difference_update(reader._perdoc.deleted_docs())
            if not candidates:
                continue
            candidates = sorted(candidates)
            starts = None
            at = []  # per word: docnum -> index into its postings
            for k, (ids, _weights, values) in enumerate(postings):
                index = dict(zip(ids, range(len(ids))))
                at.append(index)
                where = list(map(index.__getitem__, candidates))
                keys = set()
                for docnum, deltas in zip(candidates, _decode_position_lists([values[i] for i in where])):
                    if deltas:  # key (docnum, position - k): the phrase's start if word k is there
                        deltas[0] += (docnum << 32) - k
                        keys.update(accumulate(deltas))
                starts = keys if starts is None else starts & keys
                if not starts:
                    break
            if not starts:
                continue
            matched = sorted({key >> 32 for key in starts})
            word_scores = []
            for w, (_ids, weights, _values), index in zip(words, postings, at):
                scorer = self.weighting.scorer(sub, fieldname, w)
                if not (isinstance(scorer, WeightLengthScorer) and hasattr(scorer, "dfl")):
                    raise Unsupported(type(scorer).__name__)
                ws = [weights[index[d]] for d in matched]
                if type(scorer) is BM25FScorer:
                    word_scores.append(list(_bm25(scorer, ws, matched, self._norms(leaf, sub, fieldname, scorer))))
                else:
                    score, lengths = scorer._score, self._field_lengths(leaf, sub, fieldname)
                    word_scores.append([score(w, lengths[d]) for d, w in zip(matched, ws)])
            if len(word_scores) == 2:
                totals = map(add, *word_scores)
            else:
                totals = map(lambda *s: _tree_sum(list(s)), *word_scores)
            out.update(zip((d + offset for d in matched), totals))
        return out

    def _field_lengths(self, leaf: int, sub, fieldname: str) -> list:
        key = (leaf, fieldname)
        if key not in self._lengths:
            raw = segment_lengths(sub.reader(), fieldname)
            if raw is None:  # no lengths column: Whoosh's scorer falls back to 1
                raw_lengths = [1] * sub.doc_count_all()
            else:
                raw_lengths = list(map(_LENGTH_OF_BYTE.__getitem__, raw))
            self._lengths[key] = raw_lengths
        return self._lengths[key]


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


def _block_ids(matcher):
    """The document numbers of a posting block (Whoosh's _read_ids, with the running sum in C)."""
    if matcher._data is None:
        matcher._read_data()
    raw = matcher._data[0]
    return raw if matcher._byteids else list(accumulate(raw))


def _block_weights(matcher):
    matcher._read_weights()
    return matcher._weights


def _bm25(scorer, weights, ids, norms):
    """whoosh.scoring.bm25 over many postings, the same operations in the same order (so the same
    floats), each a C-level map: idf * ((w * (K1 + 1)) / (w + K1 * ((1 - B) + B * length / avgfl)))."""
    return map(mul, repeat(scorer.idf), map(truediv, map(mul, weights, repeat(scorer.K1 + 1)),
                                            map(add, weights, map(norms.__getitem__, ids))))


def _leaf_matcher(reader, fieldname: str, btext: bytes):
    """The posting reader of one segment whose blocks this module can read (Whoosh 2.7's W3)."""
    matcher = reader.postings(fieldname, btext)
    if type(matcher).__name__ == "FilterMatcher":  # deletions: the child still reads every posting
        matcher = matcher.child
    if type(matcher).__name__ != "W3LeafMatcher":
        raise Unsupported(type(matcher).__name__)
    return matcher


def _block_postings(reader, fieldname: str, btext: bytes) -> tuple[list, list, list]:
    """A term's postings in one segment as three lists: ids, weights, raw values (positions)."""
    matcher = _leaf_matcher(reader, fieldname, btext)
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


def _decode_position_lists(values: list[bytes]) -> list[list[int]]:
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


def _tree_sum(scores: list[float]) -> float:
    """Add like whoosh.util.make_binary_tree over IntersectionMatchers: halves, left first."""
    if len(scores) == 1:
        return scores[0]
    half = len(scores) // 2
    return _tree_sum(scores[:half]) + _tree_sum(scores[half:])
