"""Search: SearchRequest -> SearchResult(hits, facets, total).

Filter values go through the same alias tables as tagging, so ``--country Afghan``, ``AF`` and
``afghanistan`` are one filter and ``--group ISIL`` is Islamic State. A query word that names a
known group also matches pages tagged with that group, the exact wording ranking first.
Dates are parsed here (python-dateutil via ``dating``), never by Whoosh's date parser.
Repeated values of one filter combine with OR; different filters combine with AND. An
excluded value (``exclude``, ``--not-country``) leaves out every page that has it.
"""

from __future__ import annotations

import bisect
import calendar
import contextlib
import dataclasses
import gc
import heapq
import re
import warnings
from collections import Counter, deque
from itertools import chain, repeat
from dataclasses import dataclass, field

from ..derive import aliases
from .. import facets, records
from ..store import indexing
from ..store import schema as schema_module
from ..errors import BadDate, BadQuery, BadValue, SearchlibError
from ..settings import FACET_COST as COST
from ..settings import EXPANSION_LIMIT, FACET_LIMIT, RECORDS_KEPT, RESULT_LIMIT, SUGGESTIONS

with warnings.catch_warnings():
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    from whoosh import collectors
    from whoosh import query as wq
    from whoosh.qparser import AndGroup, MultifieldParser

QUERY_FIELDS = ("title", "body")
SORTS = ("relevance", "date", "oldest")  # date: newest first; oldest: oldest first


@dataclass(frozen=True)
class SearchRequest:
    """What a script, the CLI, the web view or a ``--batch`` line asks for. Every filter is a
    tuple of values (OR within a filter). It checks and normalises itself when made, so every
    front-end only builds one (``with_options``), and a value of the wrong kind is an error that
    names the field and the value, never a traceback or a silent default.

    Raises:
        BadQuery: a query that cannot be read (unbalanced quotes, an unknown field...).
        BadDate: a date that is not YYYY, YYYY-MM or YYYY-MM-DD, or an empty range.
        BadValue: a limit, sort, flag or filter value of the wrong kind.
    """

    query: str = ""
    groups: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    officials: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    date_from: str | None = None
    date_to: str | None = None
    limit: int = 10  # hits to return; 0: count only (total, facets, timeline)
    offset: int = 0  # hits (stories) to skip first: the next page starts at offset + limit
    sort: str = "relevance"  # one of SORTS: "relevance", "date" (newest first), "oldest"
    facet_limit: int = FACET_LIMIT  # values per facet with ``facets``; 0: every value
    exact_group: bool = False
    facets: bool = False
    all: bool = False  # show every near-duplicate instead of one hit per story
    timeline: bool = False  # also count all matches per publication month (SearchResult.timeline)
    crawled_from: str | None = None  # web archive captures crawled on or after (YYYY, YYYY-MM, YYYY-MM-DD)
    crawled_to: str | None = None  # ... on or before (inclusive)
    # facet name -> values, for the registered facets (facets.py) that have no attribute above
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    # facet name -> values whose pages are left out (``--not-country Iraq``): they filter, never score
    exclude: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        _check_request(self)

    def values(self, facet: facets.Facet) -> tuple[str, ...]:
        """The filter values asked for one facet."""
        if facet.option in _ATTRIBUTES:
            return getattr(self, facet.option)
        return self.filters.get(facet.name, ())

    def excluded(self, facet: facets.Facet) -> tuple[str, ...]:
        """The values of one facet whose pages are left out."""
        return self.exclude.get(facet.name, ())

    def with_options(self, **options) -> "SearchRequest":
        """This request with ``options`` changed, named as its attributes or as a facet's option
        (``groups``, or a registered facet's own, which goes into ``filters``); ``not_`` and a
        facet's option (``not_countries``) sets the values that facet excludes.

        Raises:
            BadValue: an option no attribute or facet has, or a value as ``SearchRequest`` raises.
        """
        fields: dict = {}
        filters = dict(self.filters)
        exclude = dict(self.exclude)
        for name, value in options.items():
            facet = facets.by_option(name)
            negated = facets.by_option(name[4:]) if name.startswith("not_") else None
            if name in _ATTRIBUTES and name not in ("filters", "exclude"):
                fields[name] = value
            elif facet is not None:
                filters[facet.name] = value
            elif negated is not None:
                exclude[negated.name] = value
            else:
                raise BadValue(f"Unknown search option {name!r}")
        return dataclasses.replace(self, filters=filters, exclude=exclude, **fields)

    def period(self) -> tuple[str, str] | None:
        """The publication days asked for, first and last (None: any date)."""
        return _days(self.date_from, self.date_to, "from", "to")

    def crawl_period(self) -> tuple[str, str] | None:
        """The crawl days asked for (UTC), first and last (None: any crawl date)."""
        return _days(self.crawled_from, self.crawled_to, "crawled-from", "crawled-to")


def _days(first: str | None, last: str | None, flag_from: str, flag_to: str) -> tuple[str, str] | None:
    if not (first or last):
        return None
    start = parse_period(first) if first else "0000-01-01"
    end = parse_period(last, end=True) if last else "9999-12-31"
    if start > end:
        raise BadDate(f"Empty date range: --{flag_from} {first} is after --{flag_to} {last}")
    return start, end


_ATTRIBUTES = frozenset(f.name for f in dataclasses.fields(SearchRequest))


def check_sort(value) -> None:
    if value not in SORTS:
        raise BadValue(f"Unknown sort {value!r}: use {', '.join(SORTS[:-1])} or {SORTS[-1]}")


def _check_request(request: SearchRequest) -> None:
    """Check every field of a request, normalising filter values to tuples of text (one value
    may be given as a string). In the order a search meets them: the query, then dates."""

    def put(name: str, value) -> None:
        object.__setattr__(request, name, value)

    for f in dataclasses.fields(request):  # None (JSON's null): not given
        if getattr(request, f.name) is None:
            default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
            if default is not None:
                put(f.name, default)
    if not isinstance(request.query, str):
        raise BadQuery(f"Invalid query {request.query!r}: give the words to search for as text")
    text = request.query.strip()
    if text and text != "*":
        check_query(text)
    for facet in facets.filters():
        if facet.option in _ATTRIBUTES:
            put(facet.option, _filter_values(facet, getattr(request, facet.option)))
    if not isinstance(request.filters, dict):
        raise BadValue(f"Invalid filters {request.filters!r}: give a mapping of facet name to values")
    checked = {}
    for name, values in request.filters.items():
        facet = next((f for f in facets.filters() if f.name == name and f.option not in _ATTRIBUTES), None)
        if facet is None:
            known = ", ".join(f.name for f in facets.filters() if f.option not in _ATTRIBUTES) or "none"
            raise BadValue(f"Unknown facet {name!r} in filters (facets without their own option: {known})")
        checked[name] = _filter_values(facet, values)
    put("filters", checked)
    if not isinstance(request.exclude, dict):
        raise BadValue(f"Invalid exclude {request.exclude!r}: give a mapping of facet name to values")
    left_out = {}
    for name, values in request.exclude.items():
        facet = next((f for f in facets.filters() if f.name == name), None)
        if facet is None:
            raise BadValue(f"Unknown facet {name!r} to exclude: use one of {', '.join(f.name for f in facets.filters())}")
        values = _filter_values(facet, values)
        if values:
            left_out[name] = values
    put("exclude", left_out)
    for name, flag in (("date_from", "from"), ("date_to", "to"), ("crawled_from", "crawled-from"),
                       ("crawled_to", "crawled-to")):
        value = getattr(request, name)
        if value is not None and not isinstance(value, str):
            raise BadDate(f"Invalid {flag} date {value!r}: give it as text, YYYY, YYYY-MM or YYYY-MM-DD "
                          "(e.g. \"2021\", \"2021-08\")")
    request.period()
    request.crawl_period()
    for name, most in (("limit", RESULT_LIMIT), ("offset", None), ("facet_limit", None)):
        value = getattr(request, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0 or (most and value > most):
            raise BadValue(f"Invalid {name} {value!r}: use a whole number from 0" + (f" to {most}" if most else ""))
    check_sort(request.sort)
    for name in ("exact_group", "facets", "all", "timeline"):
        value = getattr(request, name)
        if not isinstance(value, bool):
            if value not in (0, 1) or isinstance(value, float):
                raise BadValue(f"Invalid {name} {value!r}: use true or false")
            put(name, bool(value))


def _filter_values(facet: facets.Facet, values) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = (values,)
    if not isinstance(values, (tuple, list)):
        raise BadValue(f"Invalid {facet.name} filter {values!r}: give a value or a list of values")
    for v in values:
        if not isinstance(v, str):
            raise BadValue(f"Invalid {facet.name} {v!r}: give the {facet.name} as text")
    return tuple(values)


@dataclass(frozen=True)
class Hit:
    rank: int
    key: str
    path: str
    title: str
    author: str | None
    published: str | None
    groups: list[str]
    countries: list[str]
    officials: list[dict]
    score: float
    snippet: str
    duplicates: int = 0  # other copies of the same story in the archive
    cluster: str | None = None  # key of the story's canonical copy, when it has duplicates
    crawled: str | None = None  # a web archive capture's crawl date (ISO 8601 UTC), else None
    language: str | None = None  # ISO 639-1 or "und"; None: indexed before languages were detected

    def as_dict(self) -> dict:
        return {"rank": self.rank, "key": self.key, "path": self.path, "title": self.title, "author": self.author,
                "published": self.published, "groups": self.groups, "countries": self.countries,
                "officials": self.officials, "language": self.language, "score": round(self.score, 4),
                "snippet": self.snippet, "duplicates": self.duplicates, "cluster": self.cluster,
                "crawled": self.crawled}


@dataclass(frozen=True)
class FacetCount:
    value: str
    count: int
    label: str | None = None

    def as_dict(self) -> dict:
        return {"value": self.value, "label": self.label or self.value, "count": self.count}


@dataclass(frozen=True)
class SearchResult:
    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)
    filters: dict[str, list[str]] = field(default_factory=dict)
    timeline: dict[str, int] | None = None  # "YYYY-MM" -> matches, when the request asked for it
    offset: int = 0  # hits skipped before the first one here (the first hit's rank is offset + 1)
    # facet -> {"values": every value's count, "other": the counts of the values left off}, for
    # the facets that had more values than the request's facet_limit
    facets_truncated: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestions: list[str] = field(default_factory=list)  # other queries to try, when nothing matched
    # "and": every word matched (or an explicit query); "or-fallback": no page had every word of
    # a plain query, so these pages have some of them (Searcher._some_words)
    mode: str = "and"
    excluded: dict[str, list[str]] = field(default_factory=dict)  # facet -> the values left out, as resolved

    def as_dict(self) -> dict:
        out = {"query": self.query, "total": self.total, "filters": self.filters,
               "hits": [h.as_dict() for h in self.hits],
               "facets": {k: [c.as_dict() for c in v] for k, v in self.facets.items()},
               "offset": self.offset, "facets_truncated": self.facets_truncated, "suggestions": self.suggestions}
        if self.timeline is not None:
            out["timeline"] = self.timeline
        if self.mode != "and":  # only then: the shape of every strict result stays as it was
            out["mode"] = self.mode
        if self.excluded:  # likewise: only a search that leaves values out says so
            out["excluded"] = self.excluded
        return out


# ----------------------------------------------------------------------------- values

def parse_period(value: str, end: bool = False) -> str:
    """First (or, with ``end``, last) day of a period given as YYYY, YYYY-MM or YYYY-MM-DD.

    Raises:
        BadDate: if the value is not one of those forms or not a real date.
    """
    v = (value or "").strip()
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", v)
    if not m:
        raise BadDate(f"Invalid date {value!r}: use YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2021, 2021-08, 2021-08-26)")
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if day:
            import datetime as dt

            d = dt.date(year, int(month), int(day))
            return d.isoformat()
        if month:
            mo = int(month)
            if not 1 <= mo <= 12:
                raise ValueError
            last = calendar.monthrange(year, mo)[1] if end else 1
            return f"{year:04d}-{mo:02d}-{last:02d}"
    except ValueError:
        raise BadDate(f"Invalid date {value!r}: no such day or month") from None
    return f"{year:04d}-12-31" if end else f"{year:04d}-01-01"


# ----------------------------------------------------------------------------- query

_FIELD_RE = re.compile(r"(?<![\w\"'])([A-Za-z_]\w*):(?=\S)")


def check_query(text: str) -> None:
    """Reject what Whoosh's lenient parser would silently misread."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadQuery(f"Query {text!r} is not valid UTF-8 text") from None
    if text.count('"') % 2:
        raise BadQuery(f"Unbalanced quote in query {text!r}: close the phrase with a second \"")
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            break
    if depth != 0:
        raise BadQuery(f"Unbalanced parentheses in query {text!r}")
    for m in _FIELD_RE.finditer(text):
        if m.group(1) not in QUERY_FIELDS:
            raise BadQuery(f"Unknown field {m.group(1)!r} in query; searchable fields: {', '.join(QUERY_FIELDS)} "
                           "(use --group, --country, --official, --from/--to for facets)")
    if len(text) > 2000:
        raise BadQuery(f"Query too long ({len(text)} characters; at most 2000)")


def query_groups(text: str) -> list[tuple[str, int, int]]:
    """Known group names in the query: "Daesh", "ISKP", "islamic state" (any case but plain "is")."""
    table = aliases.groups()
    words = list(re.finditer(r"[\w'\u2019]+(?:[-\u2010][\w]+)*", text))
    found, i = [], 0
    while i < len(words):
        for n in range(min(6, len(words) - i), 0, -1):
            start, end = words[i].start(), words[i + n - 1].end()
            phrase = text[start:end]
            canonical = table.resolve(phrase)
            if canonical and (aliases.fold(phrase) != "is" or phrase == "IS"):
                found.append((canonical, start, end))
                i += n
                break
        else:
            i += 1
    return found


_OPERATORS = frozenset({"AND", "OR", "NOT"})
_OPERATOR_RE = re.compile(r"\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE)\b")
_QUOTED = re.compile(r'"[^"]*"')


def plain_words(text: str) -> str:
    """A query typed wholly in capitals that holds an ordinary word (caps lock, a pasted
    headline: ``WHICH IS BEING USED``) reads as plain words: lower-cased outside quotes, so
    ``AND``/``OR``/``NOT`` are words (stop words) rather than operators, and ``IS``/``US`` the
    words rather than Islamic State and the country. Group names (``ISIS``) still name their
    groups, and ``"IS"`` in quotes keeps its capitals. A query in capitals made only of names
    of groups and countries and operators (``ISIL OR HEZBOLLAH``, ``KABUL NOT TALIBAN``), or
    with any lower-case letter outside a field name, is read as typed."""
    bare = _FIELD_RE.sub(" ", _QUOTED.sub(" ", text))
    if any(ch.islower() for ch in bare) or not any(ch.isupper() for ch in bare):
        return text
    for _c, s, e in sorted(query_groups(bare), key=lambda g: -g[1]):
        bare = bare[:s] + " " + bare[e:]
    countries = aliases.countries()
    if all(w in _OPERATORS or countries.resolve(w) for w in re.findall(r"[\w'\u2019.-]+", bare)):
        return text
    out, last = [], 0
    for m in _QUOTED.finditer(text):
        out += [text[last:m.start()].lower(), m.group()]  # field names are lower case already
        last = m.end()
    return "".join(out + [text[last:].lower()])


def _marker(i: int) -> str:
    """A word no page holds, standing in the parsed query for the i-th group name."""
    return "zzgroupalias" + "".join("abcdefghij"[int(d)] for d in str(i)) + "zz"


def _marked(text: str, groups: list[tuple[str, int, int]]) -> str:
    """The query with each group name it names replaced by its marker (see _with_group_aliases)."""
    for i, (_c, s, e) in sorted(enumerate(groups), key=lambda g: -g[1][1]):
        text = text[:s] + _marker(i) + text[e:]
    return text


def _expandable_groups(text: str) -> list[tuple[str, int, int]]:
    """The group names of the query that stand as a word or a whole quoted phrase: a name inside
    a longer phrase (``"Daesh fighters"``) or after a field (``title:Daesh``) stays as typed."""
    quoted = [(m.start(), m.end()) for m in _QUOTED.finditer(text)]
    out = []
    for canonical, s, e in query_groups(text):
        inside = next(((qs, qe) for qs, qe in quoted if qs < s < qe), None)
        if inside is not None and text[inside[0] + 1:inside[1] - 1].strip() != text[s:e]:
            continue
        if re.search(r"\w:\"?$", text[:s]) or not _standalone(text, s, e):
            continue
        out.append((canonical, inside[0] if inside else s, inside[1] if inside else e))
    return out


def _standalone(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] stands as a plain word: not part of a wildcard (``Daesh*``), a
    fuzzy or boosted term (``Daesh~``, ``Daesh^2``) or a range (``[Daesh TO Taliban]``)."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    in_range = text[:start].count("[") + text[:start].count("{") > text[:start].count("]") + text[:start].count("}")
    return (before.isspace() or before in '("') and (after.isspace() or after in ')"') and not in_range


def _with_group_aliases(text: str, parser, schema):
    """The parsed query (hyphenated words with their parts, _with_compound_parts). Each group name in the query, in place, becomes (the words as typed, ranking first, OR
    the pages tagged with the group), so NOT, OR, AND and parentheses keep their meaning around
    it: ``Kabul NOT Taliban`` leaves out pages tagged Taliban too."""
    groups = _expandable_groups(text)
    parsed = _with_compound_parts(parser.parse(_marked(text, groups)), schema)
    if not groups:
        return parsed
    analyzers = [schema[f].analyzer for f in getattr(parser, "fields", QUERY_FIELDS) if f in schema]
    replacements = {}
    for i, (canonical, s, e) in enumerate(groups):
        words = parser.parse(text[s:e])
        tag = wq.Term("group_any", canonical)
        # exact wording scores on both branches, tag-only pages on one: exact wording ranks first
        replacement = tag if words is wq.NullQuery else wq.Or([words.with_boost(2.0), tag])
        for analyzer in analyzers:  # the marker as each language's analyzer gives it
            for token in analyzer(_marker(i), mode="query"):
                replacements[token.text] = replacement
    return _replace_markers(parsed, replacements)


def _replace_markers(q, replacements: dict):
    """The parser looks a marker up in each field (``title:m OR body:m``, flattened into the
    clause around it): those terms of one clause become the marker's one replacement."""
    if isinstance(q, wq.Term):
        return replacements.get(q.text, q)
    if isinstance(q, wq.CompoundQuery):
        subs, done = [], set()
        for sub in q.subqueries:
            text = sub.text if isinstance(sub, wq.Term) else None
            if text in replacements:
                if text not in done:
                    done.add(text)
                    subs.append(replacements[text])
            else:
                subs.append(_replace_markers(sub, replacements))
        if len(subs) == 1 and isinstance(q, wq.Or):
            return subs[0]
        return q.__class__(subs, boost=q.boost)
    if q.is_leaf():
        return q
    return q.apply(lambda sub: _replace_markers(sub, replacements))


_PART = re.compile(r"[^\W\d_]{3,}")


def _with_compound_parts(q, schema):
    """A hyphenated word of alphabetic parts of 3+ letters (``boundary-layer``) also matches its
    parts as a phrase, stemmed as the index stems them ("boundary layers"). Never ISIS-K, IS-K or
    al-Shabaab: they stay one unit."""
    if isinstance(q, wq.Term) and _is_text_field(q.fieldname) and "-" in q.text:
        parts = re.split(r"[-\u2010\u2011]", q.text)
        if len(parts) > 1 and all(_PART.fullmatch(p) for p in parts):
            analyzer = schema[q.fieldname].analyzer
            words = [t.text for p in parts for t in analyzer(p, mode="query")]
            if len(words) == len(parts):
                return wq.Or([q, wq.Phrase(q.fieldname, words, boost=q.boost)])
        return q
    if q.is_leaf():
        return q
    return q.apply(lambda sub: _with_compound_parts(sub, schema))


def _check_expansion(q, searcher, text: str) -> None:
    """Refuse a query whose wildcards and ranges stand for more than EXPANSION_LIMIT words."""
    reader = searcher.reader()
    seen = 0
    for leaf in (q.leaves() if not q.is_leaf() else [q]):
        if isinstance(leaf, (wq.MultiTerm, wq.TermRange)):
            for _term in leaf.expanded_terms(reader):
                seen += 1
                if seen > EXPANSION_LIMIT:
                    raise BadQuery(f"Query {text!r}: its wildcards and ranges stand for more than {EXPANSION_LIMIT} "
                                   "words (the limit, EXPANSION_LIMIT); give more letters or a narrower range")


@dataclass
class QueryPlan:
    """A request made ready to run: the text query for Whoosh, and the filters, which the searcher
    applies as sets of documents (precomputed per facet value) rather than as postings to walk."""

    text: object | None  # a Whoosh query, or None to browse
    facet_filters: list[tuple[str, list[str]]]  # (facet, values): OR within, AND across
    whoosh_filters: list  # filters only Whoosh can answer (officials by name, surname or role)
    dates: tuple[str, str] | None
    filters: dict[str, list[str]]
    # a plain query's words and phrases (no operator written): matched one by one when no page
    # has them all (None: the query is strict)
    loose: list | None = None
    crawl_dates: tuple[str, str] | None = None  # the crawl days of web archive captures asked for
    # (facet-table key or None, values, Whoosh query) of each excluded facet: its pages are left out
    exclusions: list = field(default_factory=list)
    excluded: dict[str, list[str]] = field(default_factory=dict)  # facet -> resolved values left out

    def as_query(self):
        parts = [self.text] if self.text is not None else [wq.Every()]
        for key, values in self.facet_filters:
            field = facets.for_key(key).filter_fields()[key]
            parts.append(wq.Or([wq.Term(field, v) for v in values]))
        parts += self.whoosh_filters
        if self.dates:  # a page dated only to a month ("2007-12") matches a range that touches that month
            start, end = self.dates
            parts.append(wq.TermRange("published", start[:7], end, startexcl=False, endexcl=False))
            parts.append(wq.Not(wq.TermRange("published", start[:7] + "-", start, startexcl=False, endexcl=True)))
        if self.crawl_dates:  # crawl dates are whole days: a plain range
            parts.append(wq.TermRange(facets.CRAWL_DAY, *self.crawl_dates, startexcl=False, endexcl=False))
        parts += [wq.Not(query) for _key, _values, query in self.exclusions]
        return parts[0] if len(parts) == 1 else wq.And(parts)


class _RememberingParser:
    """A query parser that answers a text it has parsed before from memory (the last 1,000).

    ``fields`` are the text fields it parses against (the English pair, and the pairs of the
    languages asked for or present: ``query_fields``); ``with_fields`` gives its sibling for
    other fields, made once and shared."""

    def __init__(self, parser, schema=None, fields: tuple[str, ...] = QUERY_FIELDS, family: dict | None = None) -> None:
        self.parser = parser
        self.schema = schema
        self.fields = fields
        self.parsed: dict[str, object] = {}
        self.present: tuple[str, ...] | None = None  # the index's languages, when the searcher knows them
        self.family = family if family is not None else {fields: self}

    def parse(self, text: str):
        return _kept(self.parsed, text, self.parser.parse, 1000)

    def with_fields(self, fields: tuple[str, ...]) -> "_RememberingParser":
        sibling = self.family.get(fields)
        if sibling is None:
            sibling = self.family[fields] = _RememberingParser(
                MultifieldParser(list(fields), self.schema, group=AndGroup), self.schema, fields, self.family)
        return sibling


def _kept(store: dict, key, make, limit: int):
    """``store[key]``, made with ``make(key)`` when missing; the oldest entry goes beyond ``limit``."""
    value = store.get(key)
    if value is None:
        value = make(key)
        if len(store) >= limit:
            del store[next(iter(store))]
        store[key] = value
    return value


def query_parser(schema, fields: tuple[str, ...] = QUERY_FIELDS) -> _RememberingParser:
    """Whoosh's parser for query text over ``fields`` (it costs ~1 ms per query: a Searcher keeps
    one per set of fields, which remembers what it parsed; the queries are not changed)."""
    return _RememberingParser(MultifieldParser(list(fields), schema, group=AndGroup), schema, fields)


def present_languages(reader) -> tuple[str, ...]:
    """The languages of ``schema.LANGUAGES`` whose own fields hold words in this index (an index
    built before languages were detected has none: every page is in the English fields)."""
    found = []
    for language in schema_module.LANGUAGES:
        title, body = schema_module.text_fields(language)
        if body in reader.schema and (reader.field_length(body) or reader.field_length(title)):
            found.append(language)
    return tuple(found)


def query_fields(languages, present: tuple[str, ...]) -> tuple[str, ...]:
    """The text fields a query is parsed against: for a ``--language`` filter, those of the
    languages asked for (the English pair for en, und and languages analysed as English);
    without one, the English pair and the pairs of every language ``present``."""
    if languages:
        wanted = [schema_module.text_fields(lang if lang in present else None) for lang in languages]
    else:
        wanted = [schema_module.text_fields(None)] + [schema_module.text_fields(lang) for lang in present]
    out: list[str] = []
    for pair in wanted:
        out += [f for f in pair if f not in out]
    return tuple(out)


def _is_text_field(name: str) -> bool:
    return name in QUERY_FIELDS or name.split("_", 1)[0] in QUERY_FIELDS


def build_query(request: SearchRequest, ix, searcher, parser=None, names=None):
    """The Whoosh query for a request (text AND filters). Raises our errors for bad values."""
    plan = build_plan(request, ix, searcher, parser, names)
    return plan.as_query(), plan.filters


def build_plan(request: SearchRequest, ix, searcher, parser=None, names=None) -> QueryPlan:
    """Parse and check a request (``parser``: a ``query_parser`` to reuse; ``names``: the facet
    table's archive names, ``FacetCache.names``, so that a filter on "Barack Obama" also lets
    through the pages the archive counts under it). Raises our errors for bad values."""
    schema = searcher.schema  # not ix.schema: Whoosh would read the table of contents from disk again
    parts = []
    text = request.query.strip()  # checked by SearchRequest (check_query)
    if text and text != "*":
        parser = parser or query_parser(schema)
        asked = request.values(facets.get("language")) if "language" in facets.names() else ()
        languages = facets.get("language").resolve(asked, searcher) if asked else ()
        present = parser.present
        if present is None:
            present = present_languages(searcher.reader())
        parser = parser.with_fields(query_fields(languages, present))
        try:
            parsed = _with_group_aliases(plain_words(text), parser, schema)
        except Exception as e:  # whoosh raises assorted errors on odd input; none is our bug
            raise BadQuery(f"Cannot read query {text!r}: {e}") from None
        _check_expansion(parsed, searcher, text)
        if parsed is wq.NullQuery:
            raise BadQuery(f"Query {text!r} has no searchable words (only stop words or punctuation)")
        parts.append(parsed)
    filters: dict[str, list[str]] = {}
    facet_filters: list[tuple[str, list[str]]] = []
    whoosh_filters = []
    for facet in facets.filters():
        values = request.values(facet)
        if values:
            resolved = facet.resolve(values, searcher)
            filters[facet.name] = resolved
            key = facet.filter_key(request)
            if key is None:
                archive = (names or {}).get(facet.name, {})
                whoosh_filters.append(facet.whoosh_filter(facet.archive_filter(resolved, archive)))
            else:
                facet_filters.append((key, resolved))
    dates = request.period()
    if dates:
        filters["date"] = list(dates)
    crawl_dates = request.crawl_period()
    if crawl_dates:
        filters["crawl_date"] = list(crawl_dates)
    exclusions, excluded = [], {}
    for facet in facets.filters():
        values = request.excluded(facet)
        if values:
            resolved = excluded[facet.name] = facet.resolve(values, searcher)
            key = facet.filter_key(request)
            if key is None:
                exclusions.append((None, resolved, facet.whoosh_filter(resolved)))
            else:
                field_name = facet.filter_fields()[key]
                exclusions.append((key, resolved, wq.Or([wq.Term(field_name, v) for v in resolved])))
    if not parts and text != "*" and not filters and not excluded:
        raise BadQuery("Nothing to search for: give a query, a filter (--group, --country, --official, --from, --to) "
                       "or * for every document")
    loose = None
    if parts and isinstance(parts[0], wq.And) and len(parts[0].subqueries) > 1 \
            and not _OPERATOR_RE.search(_QUOTED.sub(" ", plain_words(text))):
        loose = list(parts[0].subqueries)
    return QueryPlan(parts[0] if parts else None, facet_filters, whoosh_filters, dates, filters, loose, crawl_dates,
                     exclusions, excluded)


# ----------------------------------------------------------------------------- facets

class _Facets(dict):
    """facet -> value -> documents; "month" is derived from the days when first asked for."""

    def __init__(self, facets, days) -> None:
        super().__init__(facets)
        self._days_table = days

    def __missing__(self, facet: str):
        if facet != "month":
            raise KeyError(facet)
        months: dict[str, list[int]] = {}
        for day, docs in self._days_table.items():
            months.setdefault(day[:7], []).extend(docs)
        self["month"] = months
        return months


class FacetCache:
    """A searcher's facet table (``indexing.facet_table``): value -> documents, per facet.

    Facet counts and filters are set intersections at C speed, instead of Whoosh rebuilding its
    facet table for every search. Multi-valued tags count once per document and value; with
    near-duplicates collapsed, a story counts once.
    """

    def __init__(self, table: dict) -> None:
        self.docs: list[int] = table["docs"]
        self.days: dict[str, list[int]] = table["days"]
        self.crawl_days: dict[str, list[int]] = table.get("crawl_days", {})  # web archive captures' crawl days
        self.inverted: dict[str, dict[str, list[int]]] = _Facets(table["facets"], days=self.days)
        # the documents that share a story with another one, and each one's canonical copy
        self.cluster: dict[int, str] = table["cluster"]
        # facet -> value -> the value the whole archive counts it as ("Obama" -> "Barack Obama")
        self.names: dict[str, dict[str, str]] = table.get("names", {})
        # each document's place in key order: ties in ranking break on the key, so the order of
        # documents inside the index (shards, segments) never shows in the results
        # (the loops here are C-level maps: a fresh `search` process builds this for one query)
        self.rank: list[int] = [0] * (max(self.docs, default=-1) + 1)
        key_order = table["key_order"]
        deque(map(self.rank.__setitem__, key_order, range(len(key_order))), maxlen=0)
        self.cluster_size = Counter(self.cluster.values())
        self.clustered = frozenset(self.cluster)
        # each document's story as a number (its cluster's first document, or itself), so that
        # counting stories is set arithmetic too
        last_first = sorted(self.cluster, reverse=True)
        first = dict(zip(map(self.cluster.__getitem__, last_first), last_first))  # the smallest wins
        self.story_of: list[int] = list(range(len(self.rank)))
        deque(map(self.story_of.__setitem__, self.cluster.keys(), map(first.__getitem__, self.cluster.values())),
              maxlen=0)
        self.story_count = len(self.docs) - len(self.cluster) + len(first)
        self._calls: dict[str, int] = {}
        self._story_size: Counter | None = None
        self._story_sets: dict[str, tuple[dict[str, frozenset[int]], dict[str, frozenset[int]]]] = {}
        self.sets: dict[str, dict[str, frozenset[int]]] = {}
        self._sorted: dict[str, list[str]] = {}  # table -> its days, sorted (see _between)
        self._day_of: dict[int, str] | None = None
        self._by_doc: dict[str, dict[int, list[str]]] = {}
        self._postings: dict[str, int] = {}
        self._members: dict[str, list[int]] | None = None  # canonical key -> its story's documents (see copies)

    def copies(self, docnum: int) -> list[int]:
        """The documents of ``docnum``'s story (itself alone when it has no near-duplicates), in key
        order."""
        canonical = self.cluster.get(docnum)
        if canonical is None:
            return [docnum]
        if self._members is None:
            self._members = {}
            for d, c in self.cluster.items():
                self._members.setdefault(c, []).append(d)
            for members in self._members.values():
                members.sort(key=self.rank.__getitem__)
        return self._members[canonical]

    def story(self, docnum: int):
        """The identity of a document's story: its cluster, or the document itself."""
        return self.cluster.get(docnum, docnum)

    def stories(self, docnums) -> set[int]:
        """The stories (as numbers) of ``docnums``."""
        return set(map(self.story_of.__getitem__, docnums))

    def _stories_by_value(self, facet: str):
        """value -> stories, over the stories whose copies all carry the same values of ``facet``
        (nearly all: copies share their text), and value -> documents of the other stories."""
        if facet not in self._story_sets:
            story_of = self.story_of
            if self._story_size is None:
                self._story_size = Counter(map(story_of.__getitem__, self.docs))
            size = self._story_size
            # a story is uniform when each of its values is on all of its copies or on none
            per_value = {v: Counter(map(story_of.__getitem__, docs)) for v, docs in self.inverted[facet].items()}
            mixed = {st for counts in per_value.values() for st, n in counts.items() if n != size[st]}
            uniform, rest, mixed_docs = {}, {}, set()
            for value, counts in per_value.items():
                stories = counts.keys() - mixed if mixed else counts.keys()
                uniform[value] = frozenset(stories)
                if mixed:
                    odd = frozenset(d for d in self.inverted[facet][value] if story_of[d] in mixed)
                    if odd:
                        rest[value] = odd
                        mixed_docs.update(odd)
            self._story_sets[facet] = (uniform, rest, frozenset(mixed_docs))
        return self._story_sets[facet]

    def _values_by_doc(self, facet: str) -> dict[int, list[str]]:
        """``values_of(facet)``, built once."""
        by_doc = self._by_doc.get(facet)
        if by_doc is None:
            by_doc = self._by_doc[facet] = self.values_of(facet)
        return by_doc

    def values_of(self, facet: str) -> dict[int, list[str]]:
        """docnum -> values (for checks and small jobs; the counts use the sets)."""
        out: dict[int, list[str]] = {}
        for value, docs in self.inverted[facet].items():
            for d in docs:
                out.setdefault(d, []).append(value)
        return out

    def value_sets(self, facet: str) -> dict[str, frozenset[int]]:
        """value -> its documents as a frozenset, built once per facet (the analyst views'
        intersections; the counts build the same sets)."""
        return self._value_sets(facet)

    def day_of(self) -> dict[int, str]:
        """docnum -> its publication date as indexed (``YYYY-MM-DD``, or ``YYYY-MM`` when the page
        states only the month); undated documents are absent. Built once."""
        if self._day_of is None:
            self._day_of = {d: day for day, docs in self.days.items() for d in docs}
        return self._day_of

    def _value_sets(self, facet: str) -> dict[str, frozenset[int]]:
        if facet not in self.sets:
            self.sets[facet] = {v: frozenset(docs) for v, docs in self.inverted[facet].items()}
        return self.sets[facet]

    def allowed(self, plan: QueryPlan, searcher) -> set[int] | None:
        """The documents the plan's filters let through (None: no filter at all)."""
        result: set[int] | None = None
        for key, values in plan.facet_filters:
            facet = facets.for_key(key)
            values = facet.table_values(key, values)
            sets = self._value_sets(facet.name)
            docs: set[int] = set().union(*(sets.get(v, frozenset()) for v in values))
            result = docs if result is None else result & docs
        if plan.dates:
            start, end = plan.dates
            # from the month of ``start`` on: a page dated only to a month ("2007-12", sorted
            # before that month's days) matches a range that touches that month
            docs = self._between("days", start[:7], end, lambda day: len(day) == 7 or day >= start)
            result = docs if result is None else result & docs
        if plan.crawl_dates:
            docs = self._between("crawl_days", *plan.crawl_dates)
            result = docs if result is None else result & docs
        for q in plan.whoosh_filters:
            docs = set(q.docs(searcher))
            result = docs if result is None else result & docs
        for key, values, q in plan.exclusions:  # left out of whatever the other filters let through
            if key is None:
                gone = set(q.docs(searcher))
            else:
                facet = facets.for_key(key)
                sets = self._value_sets(facet.name)
                gone = set().union(*(sets.get(v, frozenset()) for v in facet.table_values(key, values)))
            result = (set(self.docs) if result is None else result) - gone
        return result

    def _between(self, table: str, first: str, last: str, keep=None) -> set[int]:
        """The documents of ``self.<table>`` (day -> documents) whose day sorts between ``first``
        and ``last``, both included (and that ``keep`` accepts); the days are sorted once."""
        days = self._sorted.get(table)
        if days is None:
            days = self._sorted[table] = sorted(getattr(self, table))
        found = getattr(self, table)
        lo, hi = bisect.bisect_left(days, first), bisect.bisect_right(days, last)
        return {d for day in days[lo:hi] if keep is None or keep(day) for d in found[day]}

    def newest_first(self, docnums, oldest: bool = False) -> list[int]:
        """Documents by publication date, newest first (``oldest``: oldest first), then by key
        (undated ones last either way)."""
        if self._day_of is None:
            self._day_of = {d: day for day, docs in self.days.items() for d in docs}
        day, rank = self._day_of, self.rank
        by_key = sorted(docnums, key=rank.__getitem__)
        if oldest:
            return sorted(by_key, key=lambda d: day.get(d) or "~")  # "~" sorts after every date
        return sorted(by_key, key=lambda d: day.get(d, ""), reverse=True)  # stable: key order within a day

    def best(self, scores: dict[int, float], size: int) -> list[tuple[int, float]]:
        """The ``size`` best (docnum, score) pairs: highest score first, ties in key order."""
        if size <= 0 or not scores:
            return []
        if size >= len(scores):
            candidates = list(scores.items())
        else:  # only the documents that can make the cut (ties at the cut included) are sorted
            threshold = heapq.nlargest(size, scores.values())[-1]
            candidates = [(d, v) for d, v in scores.items() if v >= threshold]
        rank = self.rank
        candidates.sort(key=lambda dv: (-dv[1], rank[dv[0]]))
        return candidates[:size]

    def count(self, docnums, facet: str, collapse: bool = False, stories: set[int] | None = None) -> Counter:
        """Documents (stories, with ``collapse``) per value of ``facet`` among ``docnums``.

        ``stories``: ``self.stories(docnums)``, when the caller has it already."""
        # Cost model (settings.FacetCost, in microseconds): a set intersection per value, or a lookup
        # of each match's values. Many matches over few values favour the sets; few matches, the lookups.
        values = self.inverted[facet]
        postings = self._postings.get(facet)
        if postings is None:
            postings = self._postings[facet] = sum(len(docs) for docs in values.values())
        m = len(docnums)
        n_docs = max(1, len(self.docs))
        by_sets = COST.per_value * len(values) + COST.per_posting * min(postings, len(values) * m)
        by_docs = COST.per_lookup * m * postings / n_docs
        # What is not built yet costs once: a fresh `search` process answers one query, a warm
        # searcher spreads the cost over the queries it has answered.
        calls = self._calls[facet] = self._calls.get(facet, 0) + 1
        if facet not in self.sets:
            by_sets += COST.build_sets * postings / calls
        if facet not in self._by_doc:
            by_docs += COST.build_lookup * postings / calls
        if not collapse or not self.clustered:
            if by_sets < by_docs:
                return self._count_by_sets(docnums, facet, False)
            return self._count_by_docs(docnums, facet)
        # Stories. Per document, with the copies of a story merged afterwards (nothing more to
        # build: a fresh process), or, once built, by set arithmetic on story numbers (each value's
        # stories against the matches') or by the values of one copy per matched story.
        clustered = len(self.clustered) / n_docs
        by_sets *= 1 + COST.clustered_sets * clustered
        by_docs *= 1 + COST.clustered_lookup * clustered
        share = self.story_count / n_docs
        m_stories = len(stories) if stories is not None else m * share
        story_cost = (0 if stories is not None else COST.story_lookup * m)
        if facet not in self._story_sets:
            story_cost += COST.build_lookup * postings / calls
        by_stories = story_cost + COST.per_value * len(values) + COST.per_posting * min(postings * share,
                                                                                        len(values) * m_stories)
        by_story_docs = story_cost + COST.per_posting * m + COST.per_lookup * m_stories * postings / n_docs
        if facet not in self._by_doc:
            by_story_docs += COST.build_lookup * postings / calls
        best = min(by_sets, by_docs, by_stories, by_story_docs)
        if best == by_stories:
            return self._count_by_stories(docnums, facet, stories)
        if best == by_story_docs:
            return self._count_by_docs(docnums, facet, collapse=True)
        if best == by_sets:
            return self._count_by_sets(docnums, facet, True)
        return self._count_by_copies(docnums, facet)

    def _count_by_docs(self, docnums, facet: str, collapse: bool = False) -> Counter:
        """Few matches against many values (officials): look up each match's values."""
        get = self._values_by_doc(facet).get
        if not collapse or not self.clustered:
            return Counter(chain.from_iterable(map(get, docnums, repeat(()))))
        # one copy per story, for the stories whose copies carry the same values; the others
        # through (value, story) pairs
        story_of = self.story_of
        one_copy = dict(zip(map(story_of.__getitem__, docnums), docnums))
        _uniform, _rest, mixed_docs = self._stories_by_value(facet)
        pairs = set()
        if mixed_docs:
            odd = mixed_docs.intersection(docnums)
            for d in odd:
                one_copy.pop(story_of[d], None)
            pairs = {(v, story_of[d]) for d in odd for v in get(d, ())}
        counts = Counter(chain.from_iterable(map(get, one_copy.values(), repeat(()))))
        counts.update(v for v, _story in pairs)
        return counts

    def _count_by_copies(self, docnums, facet: str) -> Counter:
        """Each match's values, copies of one story merged through (value, story) pairs."""
        get, clustered, story_of = self._values_by_doc(facet).get, self.clustered, self.story_of
        counts = Counter(chain.from_iterable(get(d, ()) for d in docnums if d not in clustered))
        counts.update(v for v, _story in {(v, story_of[d]) for d in docnums if d in clustered for v in get(d, ())})
        return counts

    def _count_by_stories(self, docnums, facet: str, stories: set[int] | None = None) -> Counter:
        """Stories per value: set intersections over stories, not over their copies."""
        if stories is None:
            stories = self.stories(docnums)
        uniform, rest, _mixed_docs = self._stories_by_value(facet)
        counts: Counter = Counter()
        for value, value_stories in uniform.items():
            n = len(value_stories & stories if len(value_stories) < len(stories) else stories & value_stories)
            if n:
                counts[value] = n
        if rest:
            matched = docnums if isinstance(docnums, (set, frozenset, dict)) else set(docnums)
            story_of = self.story_of
            for value, docs in rest.items():
                n = len({story_of[d] for d in docs if d in matched})
                if n:
                    counts[value] += n
        return counts

    def _count_by_sets(self, docnums, facet: str, collapse: bool) -> Counter:
        """Many matches: intersect each value's document set with the matches, at C speed."""
        matched = docnums if isinstance(docnums, (set, frozenset)) else set(docnums)
        counts: Counter = Counter()
        for value, docs in self._value_sets(facet).items():
            inter = docs & matched if len(docs) < len(matched) else matched & docs
            if not inter:
                continue
            n = len(inter)
            if collapse and self.clustered:
                extra = inter & self.clustered
                if extra:
                    n -= len(extra) - len({self.cluster[d] for d in extra})  # copies of one story
            counts[value] = n
        return counts


def facet_counts(cache: FacetCache, docnums, limit: int | None = FACET_LIMIT, collapse: bool = False,
                 stories: set[int] | None = None,
                 truncated: dict[str, dict[str, int]] | None = None) -> dict[str, list[FacetCount]]:
    """The counts per facet, the ``limit`` first values of each (0 or None: all). ``truncated``,
    when given, receives {"values", "other"} for each facet that had more values than that."""
    out = {}
    for facet in facets.FACETS:
        counts = cache.count(docnums, facet.name, collapse, stories)
        ordered = facet.order(counts)
        shown = ordered[:limit] if limit else ordered
        if truncated is not None and len(shown) < len(ordered):
            other = sum(counts.values()) - sum(n for _v, n in shown)  # (summing the long tail: 5 % of a query)
            truncated[facet.name] = {"values": len(ordered), "other": other}
        out[facet.name] = [FacetCount(value, n, facet.label(value)) for value, n in shown]
    return out


# ----------------------------------------------------------------------------- search


class Searcher:
    """A warm searcher over one index: reuse it for many lookups (``search --batch``)."""

    def __init__(self, index_dir: str | None = None) -> None:
        self.index_dir = index_dir or indexing.default_index_dir()
        self.index = indexing.open_searcher(self.index_dir)
        self.gen_dir, self.ix, self.searcher = self.index.gen_dir, self.index.ix, self.index.searcher
        self._parser = None
        self._closed = False
        self._facets: FacetCache | None = None
        self._evaluator = None
        self.bulk_scoring = True  # False: every query through Whoosh's matchers (the reference path)
        self._records: dict[int, dict] = {}

    def close(self) -> None:
        if not getattr(self, "_closed", True):
            self._closed = True
            self.index.close()

    def __del__(self) -> None:  # a searcher dropped without close() still releases its files
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    def __enter__(self) -> "Searcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextlib.contextmanager
    def _reading(self):
        """Whoosh reads segment files lazily, so damage shows up in the middle of a lookup, as
        whatever its codec happens to raise (zlib.error, ValueError, even a bare Exception).
        Such an error becomes IndexCorrupt naming the file when the checksums recorded at commit
        show it damaged (see indexing.read_error); anything else keeps its traceback."""
        try:
            yield
        except SearchlibError:
            raise
        except Exception as e:  # noqa: BLE001 - re-raised as it is unless the index files prove damaged
            corrupt = indexing.read_error(self.index_dir, self.gen_dir, self.index.toc_gen, e)
            if corrupt is None:
                raise
            raise corrupt from e

    def _titled_copy(self, docnum: int, rec: dict, matched) -> dict:
        """The record that shows a story whose best copy has no title (a scrape that lost its
        headline): a copy with a title that matches the search too; else the copy itself with the
        title of a copy that has one (its text is what matched); else the copy itself."""
        titled = None
        for d in sorted((d for d in self.facet_cache.copies(docnum) if d != docnum), key=lambda d: d not in matched):
            other = self._stored(d)
            if (other["title"] or "").strip():
                if d in matched:
                    return other
                titled = titled or other
        return {**rec, "title": titled["title"]} if titled else rec

    def _stored(self, docnum: int) -> dict:
        """A document's stored record; the last RECORDS_KEPT are kept (top hits recur across lookups,
        and each costs a decompression and a JSON parse)."""
        return _kept(self._records, docnum, lambda d: records.catalogue(self.searcher.stored_fields(d)), RECORDS_KEPT)

    @property
    def facet_cache(self) -> FacetCache:
        if self._facets is None:
            with self._reading():
                self._load_facets()
        return self._facets

    def _load_facets(self) -> None:
        # Written by the indexer after each commit; rebuilt here only if it is missing or stale.
        # Hundreds of thousands of new objects and no garbage: the cyclic collector would only
        # rescan them (tens of ms), so it pauses meanwhile.
        collecting = gc.isenabled()
        gc.disable()
        try:
            side = self.index.side_files  # opened with the searcher: its own commit's
            table = indexing.load_facet_table(self.gen_dir, self.index.fingerprint,
                                              side.get(indexing.FACET_TABLE)) or indexing.facet_table(
                self.searcher.reader(),
                indexing.read_json(self.gen_dir, indexing.CLUSTERS, self.index.toc_gen,
                                   side.get(indexing.CLUSTERS)))
            self._facets = FacetCache(table)
            self.index.close_side_files()  # read once: their descriptors go now
        finally:
            if collecting:
                gc.enable()

    @property
    def parser(self):
        """The query parser over the English fields and those of the languages this index holds
        (its siblings for a --language filter: ``with_fields``)."""
        if self._parser is None:
            present = present_languages(self.searcher.reader())
            self._parser = query_parser(self.searcher.schema, query_fields((), present))
            self._parser.present = present
        return self._parser

    @property
    def evaluator(self):
        if self._evaluator is None:
            from .postings import Evaluator

            self._evaluator = Evaluator(self.searcher)
        return self._evaluator

    def search(self, request: SearchRequest) -> SearchResult:
        """Answer one request. Raises BadQuery, BadDate, UnknownFacetValue, or IndexCorrupt when
        the index turns out to be damaged."""
        with self._reading():
            return self._search(request)

    def _search(self, request: SearchRequest) -> SearchResult:
        s, cache = self.searcher, self.facet_cache
        plan = build_plan(request, self.ix, self.searcher, self.parser, cache.names)
        collapse = not request.all and bool(cache.cluster_size)
        cluster = cache.cluster
        limit = max(0, request.limit)
        wanted = request.offset + limit  # the stories up to the end of the page asked for
        oldest = request.sort == "oldest"
        by_date = request.sort in ("date", "oldest") or plan.text is None
        mode = "and"
        if plan.text is None:  # browsing: the filters, as sets of documents, are the matches, newest first
            allowed = cache.allowed(plan, s)
            matched = allowed if allowed is not None else set(cache.docs)
            ranked = iter(cache.newest_first(matched, oldest) if limit else ())
            scored = ((d, 0.0) for d in ranked)
        else:
            # Filters select, they never score: the words are scored alone and the filters (sets of
            # documents per facet value, a date range as a set lookup) mask the matches, so a page
            # scores the same with or without --country.
            text_query = plan.text
            allowed = cache.allowed(plan, s)
            # Every match with its score, in one pass: totals and facets need them all. Word queries
            # are scored from whole posting blocks (postings.py), anything else by Whoosh's matchers;
            # both give Whoosh's scores.
            scores = self._scores(text_query, allowed)
            if not scores and plan.loose:
                scores, mode = self._some_words(plan.loose, allowed), "or-fallback"
            matched = scores
            if by_date:
                scored = iter(cache.newest_first(matched, oldest) if limit else ())
                scored = ((d, 0.0) for d in scored)
            else:
                # a story has at most `copies` documents, so the best limit * copies documents hold at
                # least `limit` stories
                copies = max(cache.cluster_size.values(), default=1)
                size = wanted * copies + 1 if collapse else wanted
                while True:
                    top = cache.best(scores, size) if limit else []
                    if (not limit or not collapse or len(top) >= len(scores)
                            or len({cluster.get(d, d) for d, _ in top}) >= wanted):
                        break
                    size = len(scores)
                scored = iter(top)
        chosen, seen = [], set()
        for docnum, score in (scored if limit else ()):  # limit 0: count only
            c = cluster.get(docnum, docnum)
            if collapse and c in seen:
                continue  # a later copy of a story already shown
            seen.add(c)
            chosen.append((docnum, score))
            if len(chosen) >= wanted:
                break
        chosen = chosen[request.offset:]
        stories = cache.stories(matched) if collapse else None
        total = len(stories) if collapse else len(matched)
        snippets = Snippets(plan.text, s.schema) if plan.text is not None else None
        hits = []
        for rank, (docnum, score) in enumerate(chosen, request.offset + 1):
            canonical = cluster.get(docnum)
            size = cache.cluster_size.get(canonical, 0) if canonical else 0
            rec = self._stored(docnum)
            if collapse and size and not (rec["title"] or "").strip():
                rec = self._titled_copy(docnum, rec, matched)
            hits.append(_hit(rank, _archive_named(rec, cache.names), 0.0 if by_date else score, snippets,
                             max(0, size - 1), canonical if size else None))
        truncated: dict[str, dict[str, int]] = {}
        facets = facet_counts(cache, matched, request.facet_limit, collapse, stories, truncated) if request.facets else {}
        timeline = None
        if request.timeline:
            timeline = dict(sorted(cache.count(matched, "month", collapse, stories).items()))
        suggestions = suggest(request, s, self.parser) if not total else []
        return SearchResult(request.query or "", total, hits, facets, echo_filters(plan.filters, request, cache),
                            timeline, request.offset, truncated, suggestions, mode,
                            echo_excluded(plan.excluded, request, cache))

    def _scores(self, query, allowed: set[int] | None) -> dict[int, float]:
        """docnum -> score of every match the filters allow."""
        scores = self.evaluator.scores(query) if self.bulk_scoring else None
        if scores is None:
            inner = _AllScores()
            collector = collectors.FilterCollector(inner, allow=allowed) if allowed is not None else inner
            self.searcher.search_with_collector(query, collector)
            return inner.scores()
        if allowed is not None:
            scores = {d: v for d, v in scores.items() if d in allowed}
        return scores

    def _some_words(self, clauses, allowed: set[int] | None) -> dict[int, float]:
        """The pages matching any clause: the clauses' scores summed, times the share of the
        clauses matched (Lucene's classic coordination factor), so more words rank higher."""
        total: dict[int, float] = {}
        count: Counter = Counter()
        for clause in clauses:  # in the query's order, whichever path scored each clause
            for d, v in self._scores(clause, allowed).items():
                total[d] = total.get(d, 0.0) + v
                count[d] += 1
        n = len(clauses)
        return {d: v * count[d] / n for d, v in total.items()}

    def matches(self, request: SearchRequest) -> tuple[QueryPlan, set[int] | dict[int, float]]:
        """The request's plan and every document it matches (its query, with the or-fallback, and
        its filters), before near-duplicates are collapsed: what ``_search`` counts its total and
        facets over, for the analyst views (``analysis.py``), which count over all matches and
        need no ranking. tests/query/test_analysis.py checks that both agree.

        Raises:
            BadQuery, BadDate, UnknownFacetValue: as ``search``; IndexCorrupt on a damaged index.
        """
        with self._reading():
            plan = build_plan(request, self.ix, self.searcher, self.parser)
            cache = self.facet_cache
            allowed = cache.allowed(plan, self.searcher)
            if plan.text is None:
                return plan, allowed if allowed is not None else set(cache.docs)
            scores = self._scores(plan.text, allowed)
            if not scores and plan.loose:
                scores = self._some_words(plan.loose, allowed)
            return plan, scores

    def facets(self, facet: str | None = None, limit: int | None = None) -> dict[str, list[FacetCount]]:
        with self._reading():
            docnums = list(self.searcher.reader().all_doc_ids())
            counts = facet_counts(self.facet_cache, docnums, limit)
        return {facet: counts[facet]} if facet else counts

    def export(self, request: SearchRequest, with_text: bool = False):
        """Every matching document's catalogue record (metadata, tags, provenance), in key order."""
        everything = dataclasses.replace(request, query=(request.query or "").strip() or ("" if _has_filter(request) else "*"))
        with self._reading():
            cache = self.facet_cache
            q, _filters = build_query(everything, self.ix, self.searcher, self.parser, cache.names)
            docnums = sorted(self.searcher.docs_for_query(q), key=lambda d: self.searcher.stored_fields(d)["key"])
        for docnum in docnums:
            with self._reading():
                rec = facets.archive_names(records.catalogue(self.searcher.stored_fields(docnum)), cache.names)
            canonical = cache.cluster.get(docnum)
            rec["cluster"] = canonical if cache.cluster_size.get(canonical) else None
            if not with_text:
                rec.pop("text", None)
            yield rec

    def document(self, key_or_path: str) -> dict | None:
        with self._reading():
            fields = self.searcher.document(key=key_or_path)
            if fields is None:
                for stored in self.searcher.reader().all_stored_fields():
                    if stored.get("path") == key_or_path or stored.get("path", "").endswith("/" + key_or_path):
                        fields = stored
                        break
            # the archive's names (the facet table is small: a one-lookup `show` loads it in milliseconds)
            return facets.archive_names(records.catalogue(fields), self.facet_cache.names) if fields else None

    def captures(self, key_or_path: str) -> list[dict]:
        """Every document whose key is ``key_or_path`` or whose path (a web archive capture's URL)
        is, or ends with ``/`` and it: the captures of one URL, oldest crawl first, then by key."""
        def wanted(stored: dict) -> bool:
            return stored.get("key") == key_or_path or stored.get("path") == key_or_path or \
                stored.get("path", "").endswith("/" + key_or_path)

        host = facets.url_host(key_or_path) if "://" in key_or_path else ""
        cache = self.facet_cache if host else None
        with self._reading():
            reader = self.searcher.reader()
            if cache is not None:  # a URL: only the documents of its host are read
                docs = cache.inverted["host"].get(host, [])
                found = [records.catalogue(f) for f in map(reader.stored_fields, docs) if wanted(f)]
            else:
                found = [records.catalogue(f) for f in reader.all_stored_fields() if wanted(f)]
        return sorted(found, key=lambda rec: (crawl_date(rec) or "~", rec["key"]))

    def capture(self, key_or_path: str) -> dict | None:
        """The document ``searchlib show`` shows: the one with this key, else the one with this
        path; a web archive capture gets ``captures``, every capture of its URL (``key``,
        ``crawled``), itself included. None: no such document.

        Raises:
            BadValue: a URL (or path) of several captures and no key: names their keys.
        """
        rec = self.document(key_or_path)
        if rec is None or (rec.get("origin") or {}).get("kind") != "warc":
            return rec
        found = [c for c in self.captures(rec["path"]) if (c.get("origin") or {}).get("kind") == "warc"]
        if rec["key"] != key_or_path:  # found by its URL: one capture, or the user picks one
            of_url = self.captures(key_or_path)
            if len(of_url) > 1:
                listed = ", ".join(f"{c['key']} ({crawl_date(c) or 'no crawl date'})" for c in of_url)
                raise BadValue(f"{key_or_path!r} has {len(of_url)} captures: {listed}; show one by its key")
        rec["captures"] = [{"key": c["key"], "crawled": crawl_date(c)} for c in found]
        return rec


def _has_filter(request: SearchRequest) -> bool:
    return any(request.values(f) or request.excluded(f) for f in facets.filters()) or bool(request.date_from or request.date_to) or \
        bool(request.crawled_from or request.crawled_to)


class _AllScores(collectors.UnlimitedCollector):
    """Every matching document with its score (totals, facets and ranking need them all)."""

    def __init__(self) -> None:
        super().__init__()
        # no matcher replacement: Whoosh would drop the branches of an OR (title | body) that can
        # no longer reach the top N, and with them matches that count in the totals and facets
        self.replace = 0

    def scores(self) -> dict[int, float]:
        return {docnum: score for score, docnum in self.items}


# The snippet finder reads stored text, which keeps the spellings the analyzers normalise: a term's
# letter matches its variants (schema.normalise_arabic, Turkish i), and an Arabic word may carry
# the prefixes the Arabic stemmer takes off.
_LETTER_FORMS = {"\u0627": "[\u0627\u0623\u0625\u0622\u0671]", "\u0648": "[\u0648\u0624]",
                 "\u064a": "[\u064a\u0626\u0649]", "\u0647": "[\u0647\u0629]"}
# (no form for Turkish i: with IGNORECASE, Python's re already matches i, I, ı and İ alike)
_MARK = "[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670]"  # combining marks inside a word (schema.WORD_PATTERN)
_ARABIC_PREFIX = "(?:[\u0648\u0641\u0628\u0643\u0644]?\u0627\u0644|\u0644\u0644|\u0648)?"


class Snippets:
    """Highlighted snippets for one query, fast: a regular expression finds the words that could be
    query terms (by their stem's prefix), the analyzer confirms only those few, and the 240
    characters holding the most distinct terms are shown with matches marked **like this**.

    (Whoosh's highlighter re-analyses every stored body in full: half of a faceted query's time.)
    """

    WIDTH = 240

    def __init__(self, query, schema) -> None:
        self.terms = {t.decode("utf-8") if isinstance(t, bytes) else t
                      for f, t in query.all_terms() if _is_text_field(f)}
        self.schema = schema
        self.known: dict[tuple[str, str], bool] = {}
        prefixes = sorted({self._prefix(t) for t in self.terms if t}, key=len, reverse=True)
        # the Arabic proclitics only when a term is Arabic: an optional group before the alternation
        # stops re from scanning for the terms' first letters, a fifth of a warm query's time
        arabic = _ARABIC_PREFIX if any("\u0600" <= ch <= "\u06ff" for t in self.terms for ch in t) else ""
        self.regex = re.compile(r"(?i)(?<![\w-])" + arabic + "(?:" + "|".join(prefixes) + r")(?:[\w\-\u2010.]|" + _MARK + ")*") \
            if prefixes else None

    @staticmethod
    def _prefix(term: str) -> str:
        if "-" in term or "." in term or len(term) <= 3:
            pattern = re.escape(term).replace(r"\-", "[-\u2010]")
        else:
            pattern = re.escape(term[: max(3, len(term) - 1)])  # Porter stems: "countri" from "country"
        return "".join(_LETTER_FORMS.get(ch, ch) for ch in pattern)  # أ إ آ for ا, ة for ه...

    def _is_term(self, word: str, field: str) -> bool:
        hit = self.known.get((field, word))
        if hit is None:
            word_clean = word.rstrip(".") if not re.fullmatch(r"(?:[A-Za-z]\.){2,}", word) else word
            tokens = {t.text for t in self.schema[field].analyzer(word_clean, mode="index")}
            hit = self.known[(field, word)] = bool(tokens & self.terms)
        return hit

    def snippet(self, text: str, language: str | None = None) -> str:
        """The snippet of a page's ``text``, its words confirmed by its ``language``'s analyzer."""
        if not text:
            return ""
        field = schema_module.text_fields(language)[1]
        field = field if field in self.schema else "body"
        matches = []
        if self.regex is not None:
            for m in self.regex.finditer(text):
                if self._is_term(m.group(0), field):
                    matches.append((m.start(), m.end(), m.group(0).lower()))
                if len(matches) >= 200:
                    break
        if not matches:
            return _lead(text, self.WIDTH)
        # the window starting at each match that holds the most distinct terms (two pointers)
        best, best_score, j = 0, -1, 0
        inside: Counter = Counter()
        for i, (start, _end, _w) in enumerate(matches):
            window_end = start + self.WIDTH - 60
            while j < len(matches) and matches[j][0] < window_end:
                inside[matches[j][2]] += 1
                j += 1
            if len(inside) > best_score:
                best, best_score = i, len(inside)
            word = matches[i][2]
            inside[word] -= 1
            if not inside[word]:
                del inside[word]
        start = max(0, matches[best][0] - 60)
        if start:
            start = text.find(" ", start) + 1 or start
        end = min(len(text), start + self.WIDTH)
        if end < len(text):
            end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
        parts, pos = [], start
        for s2, e2, _w in matches:
            if s2 >= start and e2 <= end:
                parts.append(text[pos:s2])
                parts.append(f"**{text[s2:e2]}**")
                pos = e2
        parts.append(text[pos:end])
        out = re.sub(r"\s+", " ", "".join(parts)).strip()
        return ("... " if start else "") + out + (" ..." if end < len(text) else "")


def _archive_named(rec: dict, names: dict[str, dict[str, str]]) -> dict:
    """A stored record as the archive names its values (``facets.archive_names``), for a hit:
    its evidence is left as stored."""
    return facets.archive_names(rec, names, evidence=False)


def _lead(text: str, width: int) -> str:
    cut = text[:width].rsplit(" ", 1)[0] if len(text) > width else text
    return re.sub(r"\s+", " ", cut).strip() + (" ..." if len(text) > width else "")


def _hit(rank: int, rec: dict, score: float, snippets: Snippets | None, duplicates: int = 0,
         cluster: str | None = None) -> Hit:
    """A hit from a stored record (``records.catalogue``); its lists are copies, the record may be shared."""
    snippet = snippets.snippet(rec["text"], rec.get("language")) if snippets else _lead(rec["text"], Snippets.WIDTH)
    return Hit(rank, rec["key"], rec["path"], rec["title"], rec["author"], rec["published"], list(rec["groups"]),
               list(rec["countries"]), list(rec["officials"]), float(score or 0.0), snippet, duplicates, cluster,
               crawl_date(rec), rec.get("language"))


def crawl_date(rec: dict) -> str | None:
    """A web archive capture's crawl date (ISO 8601 UTC) from its record's provenance, else None."""
    origin = rec.get("origin") or {}
    return origin.get("crawl_date") if origin.get("kind") == "warc" else None


_BATCH_KEYS = {
    "query": "query", "q": "query", "from": "date_from", "date_from": "date_from", "to": "date_to",
    "date_to": "date_to", "limit": "limit", "offset": "offset", "sort": "sort", "exact_group": "exact_group",
    "exact-group": "exact_group", "facets": "facets", "facet_limit": "facet_limit", "facet-limit": "facet_limit",
    "all": "all", "timeline": "timeline", "crawled_from": "crawled_from", "crawled-from": "crawled_from",
    "crawled_to": "crawled_to", "crawled-to": "crawled_to",
}


def batch_keys() -> dict[str, str]:
    """Batch line key -> SearchRequest option: the fixed ones, and each facet's name and option."""
    return {**_BATCH_KEYS, **{k: f.option for f in facets.filters() for k in (f.name, f.option)},
            **{f"not{sep}{k}": f"not_{f.option}" for f in facets.filters() for k in (f.name, f.option)
               for sep in "_-"}}


def request_from_line(line: str, defaults: SearchRequest | None = None) -> SearchRequest:
    """One ``search --batch`` line: a plain query, or a JSON object keyed by the option names
    (``{"query": "ISIS-K", "country": ["Afghanistan"], "from": "2021", "facets": true}``).

    Raises:
        BadQuery: a JSON line that is not an object or names an unknown option.
        BadValue, BadDate: a value ``SearchRequest`` refuses (``{"limit": "ten"}``).
    """
    import json

    base = defaults or SearchRequest()
    text = line.strip()
    if not text.startswith("{"):
        return dataclasses.replace(base, query=text)
    try:
        obj = json.loads(text)
    except ValueError as e:
        raise BadQuery(f"Batch line is not valid JSON: {e}") from None
    if not isinstance(obj, dict):
        raise BadQuery("Batch line must be a query or a JSON object")
    fields: dict = {}
    known = batch_keys()
    for key, value in obj.items():
        name = known.get(key)
        if name is None:
            raise BadQuery(f"Unknown option {key!r} in batch line; known: {', '.join(sorted(set(known)))}")
        fields[name] = value
    return base.with_options(**fields)


def echo_filters(filters: dict[str, list[str]], request: SearchRequest, cache: FacetCache) -> dict[str, list]:
    """The filters a result echoes, as the index names their values (``official: ["Joe Biden"]``
    for ``--official biden``), and the date range as asked: an open end is null, not a sentinel."""
    out: dict[str, list] = {}
    for name, values in filters.items():
        if name == "date":
            start, end = values
            out[name] = [start if request.date_from else None, end if request.date_to else None]
            continue
        if name == "crawl_date":
            start, end = values
            out[name] = [start if request.crawled_from else None, end if request.crawled_to else None]
            continue
        facet = facets.get(name)
        out[name] = facet.echo(values, request.values(facet), cache.inverted.get(name, {}))
    return out


def echo_excluded(excluded: dict[str, list[str]], request: SearchRequest, cache: FacetCache) -> dict[str, list]:
    """The values a result says it left out, as the index names them (see ``echo_filters``)."""
    return {name: facets.get(name).echo(values, request.exclude[name], cache.inverted.get(name, {}))
            for name, values in excluded.items()}


def suggest(request: SearchRequest, searcher, parser) -> list[str]:
    """Queries to try instead of one that found nothing: the query with its words corrected from
    the index's own terms (Whoosh's ``correct_query``), and the known group names close to it."""
    text = (request.query or "").strip()
    if not text or text == "*":
        return []
    out: list[str] = []
    with contextlib.suppress(Exception):  # a suggestion is a courtesy: never an error of its own
        parsed = parser.parse(text)
        corrected = searcher.correct_query(parsed, text)
        if corrected.query != parsed and corrected.string.strip() and corrected.string != text:
            out.append(corrected.string)
    words = re.sub(r'(?i)\b(AND|OR|NOT)\b|[()"*]', " ", text).split()
    for phrase in [text] + (words if len(words) > 1 else []):
        for name in aliases.groups().suggestions(phrase, SUGGESTIONS):
            if aliases.fold(name) != aliases.fold(phrase) and name not in out:
                out.append(name)
    return out[:SUGGESTIONS]


def search(request: SearchRequest, index_dir: str | None = None) -> SearchResult:
    """One lookup. For many, keep a ``Searcher`` open.

    Raises:
        IndexNotFound, IndexCorrupt: no usable index at ``index_dir``.
        BadQuery, BadDate, UnknownFacetValue: a value the user can fix.
    """
    with Searcher(index_dir) as s:
        return s.search(request)
