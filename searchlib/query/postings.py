"""Word queries scored from whole posting blocks, with exactly Whoosh's scores.

Whoosh walks postings one document at a time through a tree of matcher objects: a dozen Python
calls per posting, which is most of a warm query's time. For the queries most lookups are (words
ANDed, each word over title and body, a group alias, filter terms) this module reads each term's
posting blocks as arrays, scores them with Whoosh's own scorer objects (BM25F) and field lengths
read as one column, and combines the per-term scores in the same order Whoosh's matcher tree adds
them, so every score is bit-for-bit Whoosh's. Phrases (without a slop) are scored here too.
Anything else (phrases with a slop, NOT, wildcards, ranges, queries whose summation order Whoosh
decides at run time) returns None and runs through Whoosh.

The Whoosh internals this reads (posting blocks, the lengths column, deletions) are behind
``whoosh_compat``; tests/query/test_searching.py checks scores and hits against Whoosh's own search.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from itertools import accumulate, repeat
from operator import add, mul, truediv

from ..store.whoosh_compat import (Unsupported, decode_position_lists, deleted_docs, length_scorer, posting_blocks,
                            segment_lengths, term_postings)
from ..settings import CACHE_ENTRIES, CACHE_MIN_POSTINGS, CACHE_POSTINGS
from whoosh import query as wq
from whoosh.scoring import BM25FScorer, WeightLengthScorer, WeightScorer
from whoosh.util.numeric import byte_to_length

_LENGTH_OF_BYTE = [byte_to_length(b) if b else None for b in range(256)]


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
            blocks = posting_blocks(reader, fieldname, btext)
            deleted = deleted_docs(reader)
            bm25 = type(scorer) is BM25FScorer
            if type(scorer) is WeightScorer:
                score = None
            elif isinstance(scorer, WeightLengthScorer) and hasattr(scorer, "dfl"):
                score, lengths = length_scorer(scorer), self._field_lengths(leaf, sub, fieldname)
            else:
                raise Unsupported(type(scorer).__name__)
            if bm25:
                ids, weights = [], []
                for block_ids, block_weights in blocks:
                    ids.extend(block_ids)
                    weights.extend(block_weights)
                scores = _bm25(scorer, weights, ids, self._norms(leaf, sub, fieldname, scorer))
                self.decoded += len(weights)
                if offset:
                    ids = map(add, ids, repeat(offset))
                block = zip(ids, scores)
                if deleted:
                    block = ((i, s) for i, s in block if i - offset not in deleted)
                out.update(block)
                continue
            for ids, weights in blocks:
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
            postings = [term_postings(reader, fieldname, w) for w in words]
            self.decoded += sum(len(p[0]) for p in postings)
            candidates = set(min((p[0] for p in postings), key=len))
            for ids, _weights, _values in postings:
                candidates.intersection_update(ids)
            if reader.has_deletions():
                candidates.difference_update(deleted_docs(reader))
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
                for docnum, deltas in zip(candidates, decode_position_lists([values[i] for i in where])):
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
                    score, lengths = length_scorer(scorer), self._field_lengths(leaf, sub, fieldname)
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


def _bm25(scorer, weights, ids, norms):
    """whoosh.scoring.bm25 over many postings, the same operations in the same order (so the same
    floats), each a C-level map: idf * ((w * (K1 + 1)) / (w + K1 * ((1 - B) + B * length / avgfl)))."""
    return map(mul, repeat(scorer.idf), map(truediv, map(mul, weights, repeat(scorer.K1 + 1)),
                                            map(add, weights, map(norms.__getitem__, ids))))


def _tree_sum(scores: list[float]) -> float:
    """Add like whoosh.util.make_binary_tree over IntersectionMatchers: halves, left first."""
    if len(scores) == 1:
        return scores[0]
    half = len(scores) // 2
    return _tree_sum(scores[:half]) + _tree_sum(scores[half:])
