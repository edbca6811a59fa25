"""Word queries scored from whole posting blocks, with exactly Whoosh's scores.

Whoosh walks postings one document at a time through a tree of matcher objects: a dozen Python
calls per posting, which is most of a warm query's time. For the queries most lookups are (words
ANDed, each word over title and body, a group alias, filter terms) this module reads each term's
posting blocks as arrays, scores them with Whoosh's own scorer objects (BM25F) and field lengths
read as one column, and combines the per-term scores in the same order Whoosh's matcher tree adds
them, so every score is bit-for-bit Whoosh's. Anything else (phrases, NOT, wildcards, ranges,
queries whose summation order Whoosh decides at run time) returns None and runs through Whoosh.

Uses Whoosh internals (posting block arrays, the lengths column); setup.cfg pins Whoosh 2.7.4 and
tests/test_searching.py checks scores and hits against Whoosh's own search.
"""

from __future__ import annotations

from whoosh import query as wq
from whoosh.scoring import WeightLengthScorer, WeightScorer
from whoosh.util.numeric import byte_to_length

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
        self.many_docs = searcher.doc_count_all() > 5000
        self._lengths: dict[tuple[int, str], list] = {}

    def scores(self, query) -> dict[int, float] | None:
        """docnum -> Whoosh's score for every match, or None when Whoosh must run the query."""
        try:
            return self._eval(query)
        except Unsupported:
            return None

    # ------------------------------------------------------------------ tree
    def _eval(self, q) -> dict[int, float]:
        kind = type(q)
        if kind is wq.Term:
            return self._term(q)
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
            matcher = reader.postings(fieldname, btext)
            deleted = frozenset(reader._perdoc.deleted_docs()) if reader.has_deletions() else frozenset()
            if type(matcher).__name__ == "FilterMatcher":
                matcher = matcher.child
            if type(matcher).__name__ != "W3LeafMatcher":
                raise Unsupported(type(matcher).__name__)
            if type(scorer) is WeightScorer:
                score = None
            elif isinstance(scorer, WeightLengthScorer) and hasattr(scorer, "dfl"):
                score, lengths = scorer._score, self._field_lengths(leaf, sub, fieldname)
            else:
                raise Unsupported(type(scorer).__name__)
            while matcher.is_active():
                matcher._read_ids()
                matcher._read_weights()
                ids, weights = matcher._ids, matcher._weights
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
        if q.boost != 1.0:
            boost = q.boost
            out = {d: s * boost for d, s in out.items()}
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
