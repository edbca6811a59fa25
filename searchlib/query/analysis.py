"""Analyst views: a SearchRequest -> counts over all of its matches, as plain dicts.

In: a ``Searcher`` (or an index folder) and a ``SearchRequest``. Out: the JSON shapes of
``searchlib analyze`` and the web view's ``/api/timeline`` and ``/api/co-mentions``: matches per
period (``timeline``), the same split by the top values of a facet (``comparative_timeline``),
and how many stories mention both of two facet values (``co_mentions``).
Everything is counted from the searcher's facet table (value -> documents, day -> documents) and
story numbers, never from stored documents; near-duplicates count once per story, as search
counts them (``all``: every copy). Each bucket, series, value and cell carries ``filter``: the
``search --batch`` line (a JSON object) of the search it stands for, and ``exact``: whether that
search's total is its ``count``.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import json
from dataclasses import dataclass
from typing import IO, Iterator

from .. import facets
from ..errors import BadValue
from ..settings import (CANDIDATES, CO_MENTIONS, CO_MENTIONS_MAX, SERIES, SERIES_MAX, TIMELINE_MAX_BUCKETS,
                        TIMELINE_MONTH_SPAN, TIMELINE_YEAR_SPAN)
from .searching import QueryPlan, Searcher, SearchRequest, echo_filters

BUCKETS = ("year", "month", "day")
_PRECISION = {4: "year", 7: "month", 10: "day"}  # an indexed date's length -> its precision


# ----------------------------------------------------------------------------- what is counted

@contextlib.contextmanager
def _searcher(searcher_or_index) -> Iterator[Searcher]:
    """A given ``Searcher`` as it is (left open), or one opened on an index folder for this call."""
    if isinstance(searcher_or_index, Searcher):
        yield searcher_or_index
        return
    with Searcher(searcher_or_index) as searcher:
        yield searcher


@dataclass
class _Scope:
    """One request's matches, and how they are counted."""

    searcher: Searcher
    request: SearchRequest
    plan: QueryPlan
    matched: set[int]
    collapse: bool  # near-duplicates count once per story

    @property
    def cache(self):
        return self.searcher.facet_cache

    def count(self, docs) -> int:
        return len(self.cache.stories(docs)) if self.collapse else len(docs)

    def header(self) -> dict:
        """The keys every analyst view starts with."""
        return {"query": self.request.query or "",
                "filters": echo_filters(self.plan.filters, self.request, self.cache),
                "filter": request_filter(self.request), "counted": "stories" if self.collapse else "documents",
                "total": self.count(self.matched)}


def _scope(searcher: Searcher, request: SearchRequest) -> _Scope:
    plan, matched = searcher.matches(request)
    cache = searcher.facet_cache
    return _Scope(searcher, request, plan, set(matched), not request.all and bool(cache.cluster_size))


def request_filter(request: SearchRequest, **changes) -> dict:
    """The ``search --batch`` line (JSON object) of ``request``'s search, with ``changes`` (a facet
    name, ``from``, ``to``...) put in: query and filters, nothing about paging or output."""
    out: dict = {}
    query = (request.query or "").strip()
    if query and query != "*":
        out["query"] = query
    for facet in facets.filters():
        values = request.values(facet)
        if values:
            out[facet.name] = list(values)
    for facet in facets.filters():  # the values left out (``not_country``), as the batch line and URL name them
        if request.excluded(facet):
            out[f"not_{facet.name}"] = list(request.excluded(facet))
    if request.exact_group:
        out["exact_group"] = True
    for key, value in (("from", request.date_from), ("to", request.date_to), ("crawled_from", request.crawled_from),
                       ("crawled_to", request.crawled_to)):
        if value:
            out[key] = value
    if request.all:
        out["all"] = True
    return narrowed(out, **changes)


def narrowed(line: dict, **changes) -> dict:
    """A filter (``search --batch`` line) with ``changes`` put in; ``"query": "*"`` (everything)
    only when nothing else selects."""
    merged = {k: v for k, v in line.items() if not (k == "query" and v == "*")}
    merged.update(changes)
    if not set(merged) - {"exact_group", "all"}:
        merged["query"] = "*"
    order = ["query", *facets.names(), *(f"not_{f.name}" for f in facets.filters()), "exact_group", "from", "to", "crawled_from", "crawled_to", "all"]
    return dict(sorted(merged.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))


def _facet(name: str, what: str) -> facets.Facet:
    """A facet a search can filter by (facets.py), by name.

    Raises:
        BadValue: a name no such facet has (the message lists them).
    """
    found = next((f for f in facets.filters() if f.name == name), None)
    if found is None:
        raise BadValue(f"Unknown facet {name!r} for {what}: use one of {', '.join(f.name for f in facets.filters())}")
    return found


def _selects(scope: _Scope, facet: facets.Facet, values: list[str]) -> dict[str, frozenset[int]]:
    """value -> the documents that a filter on ``facet`` with that value (as the index names it)
    lets through, exactly as search applies it: a group with its affiliates unless
    ``exact_group``, an official by the name keys Whoosh holds (resolved once for all values:
    resolving reads the whole lexicon of keys)."""
    key = facet.filter_key(scope.request)
    if key is None:
        whoosh = scope.searcher.searcher
        resolved = facet.resolve(values, whoosh)
        return {v: frozenset(facet.whoosh_filter([k]).docs(whoosh)) for v, k in zip(values, resolved)}
    sets = scope.cache.value_sets(facet.name)
    return {v: frozenset().union(*(sets.get(u, frozenset()) for u in facet.table_values(key, [v]))) for v in values}


def _request_selection(scope: _Scope, facet: facets.Facet) -> frozenset[int] | None:
    """What the request's own filter on ``facet`` lets through (None: it has none)."""
    values = scope.plan.filters.get(facet.name)
    if not values:
        return None
    key = facet.filter_key(scope.request)
    if key is None:
        whoosh = scope.searcher.searcher
        return frozenset(facet.whoosh_filter(values).docs(whoosh))
    sets = scope.cache.value_sets(facet.name)
    return frozenset().union(*(sets.get(v, frozenset()) for v in facet.table_values(key, values)))


@dataclass
class _Value:
    value: str
    label: str
    docs: set[int]  # the matches its filter lets through
    count: int
    exact: bool  # its filter, put in place of the request's on that facet, finds exactly these

    def as_dict(self, scope: _Scope, facet: facets.Facet) -> dict:
        return {"value": self.value, "label": self.label, "count": self.count, "exact": self.exact,
                "filter": request_filter(scope.request, **{facet.name: [self.value]})}


def top_values(scope: _Scope, facet: facets.Facet, limit: int) -> list[_Value]:
    """The ``limit`` values of ``facet`` whose filters select the most matches (then by value).

    Candidates are the values most frequent among the matches (``CANDIDATES`` times ``limit``)
    and their parent groups, ranked by what their filter selects: a group with its affiliates."""
    counts = scope.cache.count(scope.matched, facet.name, scope.collapse)
    candidates = [v for v, _n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit * CANDIDATES]]
    for value in list(candidates):
        parent = facet.parent(value)
        while parent and parent not in candidates:
            candidates.append(parent)
            parent = facet.parent(parent)
    own = _request_selection(scope, facet)
    found = []
    for value, selected in _selects(scope, facet, candidates).items():
        docs = scope.matched & selected
        if docs:
            found.append(_Value(value, facet.label(value), docs, scope.count(docs), own is None or selected <= own))
    found.sort(key=lambda v: (-v.count, v.value))
    return found[:limit]


def _check_limit(name: str, value, most: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise BadValue(f"Invalid {name} {value!r}: use a whole number from 1 to {most}")
    return value


# ----------------------------------------------------------------------------- periods

def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _first_day(date: str) -> dt.date:
    """The first day of an indexed date (``2021``, ``2021-08`` or ``2021-08-26``)."""
    return _day((date + "-01-01")[:10] if len(date) == 4 else (date + "-01")[:10] if len(date) == 7 else date)


def _last_day(date: str) -> dt.date:
    if len(date) == 4:
        return dt.date(int(date), 12, 31)
    if len(date) == 7:
        year, month = int(date[:4]), int(date[5:7])
        return dt.date(year, month, calendar.monthrange(year, month)[1])
    return _day(date)


def _period(bucket: str, date: str) -> str | None:
    """The bucket of an indexed date; None when the date is coarser than the bucket (a page
    dated only to a month, in a day timeline)."""
    size = {"year": 4, "month": 7, "day": 10}[bucket]
    return date[:size] if len(date) >= size else None


def _periods(bucket: str, first: dt.date, last: dt.date) -> list[str]:
    """Every bucket from the one holding ``first`` to the one holding ``last``."""
    if bucket == "year":
        return [f"{y:04d}" for y in range(first.year, last.year + 1)]
    if bucket == "month":
        out, (y, m) = [], (first.year, first.month)
        while (y, m) <= (last.year, last.month):
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out
    return [(first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def _bucket_count(bucket: str, first: dt.date, last: dt.date) -> int:
    if bucket == "year":
        return last.year - first.year + 1
    if bucket == "month":
        return (last.year - first.year) * 12 + last.month - first.month + 1
    return (last - first).days + 1


def choose_bucket(first: dt.date, last: dt.date, day_dated: int = 1, coarser: int = 0) -> str:
    """The bucket for a span of dates shown (both days included): years over
    ``TIMELINE_YEAR_SPAN`` days, months over ``TIMELINE_MONTH_SPAN``, else days, unless most dated
    matches (``coarser`` against ``day_dated``) give only a month: then months."""
    days = (last - first).days + 1
    if days > TIMELINE_YEAR_SPAN:
        return "year"
    if days > TIMELINE_MONTH_SPAN or coarser > day_dated:
        return "month"
    return "day"


@dataclass
class _Axis:
    """The buckets of a timeline: their unit, span and each one's dates, clipped to the request's range."""

    bucket: str
    first: dt.date | None
    last: dt.date | None
    periods: list[str]
    window: tuple[str, str] | None  # the request's own date range (first and last day)

    def bounds(self, period: str) -> tuple[str, str, bool]:
        """A bucket's first and last day, and whether the request's range cut it."""
        start, end = _first_day(period).isoformat(), _last_day(period).isoformat()
        if self.window is None:
            return start, end, False
        low, high = max(start, self.window[0]), min(end, self.window[1])
        return low, high, (low, high) != (start, end)

    def dates(self, period: str) -> dict:
        """The ``from``/``to`` of a bucket's filter: the period itself (``2021-08``), or its days
        when the request's range cuts it."""
        start, end, cut = self.bounds(period)
        return {"from": start, "to": end} if cut else {"from": period, "to": period}


def _axis(scope: _Scope, bucket: str | None) -> _Axis:
    """The timeline's buckets: over the span of the matches' dates (within the request's range).

    Raises:
        BadValue: a bucket that is not year, month or day, or one that would give more than
            ``TIMELINE_MAX_BUCKETS`` bars.
    """
    if bucket is not None and bucket not in BUCKETS:
        raise BadValue(f"Unknown bucket {bucket!r}: use year, month or day (or none: chosen from the span)")
    day_of = scope.cache.day_of()
    dates = {day_of[d] for d in scope.matched if d in day_of}
    window = scope.request.period()
    if not dates:
        return _Axis(bucket, None, None, [], window)
    first = min(map(_first_day, dates))
    last = max(map(_last_day, dates))
    if window is not None:
        # compared as ISO text: an open end is a sentinel day (0000-01-01, 9999-12-31) no date can hold
        first, last = _day(max(first.isoformat(), window[0])), _day(min(last.isoformat(), window[1]))
    if bucket is None:
        dated = [d for d in scope.matched if d in day_of]
        by_day = sum(1 for d in dated if len(day_of[d]) == 10)
        bucket = choose_bucket(first, last, by_day, len(dated) - by_day)
    n = _bucket_count(bucket, first, last)
    if n > TIMELINE_MAX_BUCKETS:
        raise BadValue(f"A timeline by {bucket} from {first} to {last} would have {n:,} bars (at most "
                       f"{TIMELINE_MAX_BUCKETS:,}, TIMELINE_MAX_BUCKETS): use a coarser bucket or a date range")
    return _Axis(bucket, first, last, _periods(bucket, first, last), window)


def _counted(scope: _Scope, axis: _Axis, docs, base: dict) -> dict:
    """The timeline of ``docs`` (a subset of the matches) on ``axis``; ``base``: the filter that
    selects ``docs``, which each bucket narrows to its dates."""
    day_of, story_of = scope.cache.day_of(), scope.cache.story_of
    unit = story_of.__getitem__ if scope.collapse else int
    per: dict[str, set] = {}
    coarse: dict[str, set] = {}
    dated = set()
    for d in docs:
        date = day_of.get(d)
        if date is None:
            continue
        dated.add(unit(d))
        period = _period(axis.bucket, date)
        if period is None:
            coarse.setdefault(date, set()).add(unit(d))
        else:
            per.setdefault(period, set()).add(unit(d))
    buckets = []
    for period in axis.periods:
        start, end, _cut = axis.bounds(period)
        buckets.append({"period": period, "from": start, "to": end, "count": len(per.get(period, ())),
                        # a day's search also finds the pages dated only to its month (a range
                        # that touches a month matches them): then its total is not this count
                        "exact": not any(period.startswith(date) for date in coarse),
                        "filter": narrowed(base, **axis.dates(period))})
    month_only = [{"period": date, "count": len(units), "filter": narrowed(base, **axis.dates(date))}
                  for date, units in sorted(coarse.items())]
    total = scope.count(docs)
    return {"dated": len(dated), "undated": total - len(dated), "buckets": buckets,
            "month_only": {"count": len(set().union(*coarse.values())) if coarse else 0, "periods": month_only}}


def _span(axis: _Axis) -> dict:
    return {"bucket": axis.bucket, "first": axis.first.isoformat() if axis.first else None,
            "last": axis.last.isoformat() if axis.last else None}


# ----------------------------------------------------------------------------- the views

def timeline(searcher_or_index, request: SearchRequest, bucket: str | None = None) -> dict:
    """Matches per period over the span of their publication dates, every bucket present.

    Args:
        searcher_or_index: a ``Searcher`` (kept open) or an index folder (None: the default).
        request: the search; its paging, sort and facet options do not matter.
        bucket: ``year``, ``month`` or ``day``; None: chosen from the span (``choose_bucket``).

    Returns:
        ``{"query", "filters", "filter", "counted", "total", "bucket", "first", "last", "dated",
        "undated", "buckets": [{"period", "from", "to", "count", "exact", "filter"}],
        "month_only": {"count", "periods": [{"period", "count", "filter"}]}}``: ``month_only``
        holds the matches dated only to a month (or year) that no day bucket holds.

    Raises:
        BadValue: an unknown or too fine bucket; BadQuery, BadDate, UnknownFacetValue as ``search``.
    """
    with _searcher(searcher_or_index) as searcher:
        scope = _scope(searcher, request)
        axis = _axis(scope, bucket)
        return {**scope.header(), **_span(axis), **_counted(scope, axis, scope.matched, request_filter(request))}


def comparative_timeline(searcher_or_index, request: SearchRequest, by: str = "group", series: int = SERIES,
                         bucket: str | None = None) -> dict:
    """The timeline of ``request``, and the same for each of the ``series`` values of facet ``by``
    that select the most matches, on one axis (small multiples).

    Returns:
        The ``timeline`` shape, plus ``"by"`` and ``"series": [{"value", "label", "count", "exact",
        "filter", "dated", "undated", "buckets", "month_only"}]``, each series' buckets filtered to it.

    Raises:
        BadValue: an unknown facet (any facet search filters by: facets.py), a series count out of
            1..SERIES_MAX, or a bucket as ``timeline``; BadQuery, BadDate, UnknownFacetValue as ``search``.
    """
    facet = _facet(by, "the series")
    _check_limit("series", series, SERIES_MAX)
    with _searcher(searcher_or_index) as searcher:
        scope = _scope(searcher, request)
        axis = _axis(scope, bucket)
        out = {**scope.header(), "by": facet.name, **_span(axis),
               **_counted(scope, axis, scope.matched, request_filter(request)), "series": []}
        for value in top_values(scope, facet, series):
            entry = value.as_dict(scope, facet)
            entry.update(_counted(scope, axis, value.docs, entry["filter"]))
            if not value.exact:
                for item in entry["buckets"]:
                    item["exact"] = False
            out["series"].append(entry)
        return out


def co_mentions(searcher_or_index, request: SearchRequest, rows: str = "group", cols: str = "country",
                limit: int = CO_MENTIONS) -> dict:
    """How many of the request's stories mention both a value of facet ``rows`` and one of
    ``cols``, for the ``limit`` values of each that select the most matches.

    A story mentions a value when a matching copy carries it (a group: or an affiliate, as
    ``--group`` selects); a cell counts the stories whose matching copies the two filters both
    select, so each cell's ``filter`` finds exactly its count (``exact``) unless the request
    filters on the same facet already (two values of one facet are ORed by a filter).

    Returns:
        ``{"query", "filters", "filter", "counted", "total", "rows": {"facet", "title", "values":
        [{"value", "label", "count", "exact", "filter"}]}, "cols": {...}, "cells": [[{"count",
        "exact", "filter"}, ...], ...]}``: ``cells[i][j]`` is rows value i with cols value j.

    Raises:
        BadValue: an unknown facet, or a limit out of 1..CO_MENTIONS_MAX; BadQuery, BadDate,
            UnknownFacetValue as ``search``.
    """
    row_facet, col_facet = _facet(rows, "the rows"), _facet(cols, "the columns")
    _check_limit("limit", limit, CO_MENTIONS_MAX)
    with _searcher(searcher_or_index) as searcher:
        scope = _scope(searcher, request)
        row_values = top_values(scope, row_facet, limit)
        col_values = top_values(scope, col_facet, limit)
        same = row_facet.name == col_facet.name
        cells = []
        for r in row_values:
            line = []
            for c in col_values:
                docs = r.docs & c.docs if len(r.docs) < len(c.docs) else c.docs & r.docs
                if same:
                    wanted = [r.value] if r.value == c.value else [r.value, c.value]
                    changes = {row_facet.name: wanted}
                else:
                    changes = {row_facet.name: [r.value], col_facet.name: [c.value]}
                line.append({"count": scope.count(docs) if docs else 0,
                             "exact": r.exact and c.exact and (not same or r.value == c.value),
                             "filter": request_filter(request, **changes)})
            cells.append(line)
        return {**scope.header(),
                "rows": {"facet": row_facet.name, "title": row_facet.title or row_facet.name,
                         "values": [v.as_dict(scope, row_facet) for v in row_values]},
                "cols": {"facet": col_facet.name, "title": col_facet.title or col_facet.name,
                         "values": [v.as_dict(scope, col_facet) for v in col_values]},
                "cells": cells}


# ----------------------------------------------------------------------------- rendering

def write(data: dict, fmt: str, out: IO[str]) -> None:
    """An analyst view (``timeline``, ``comparative_timeline`` or ``co_mentions``) as ``json``,
    ``csv`` (a table: periods by series, or rows by columns, with the totals first) or ``text``."""
    from .rendering import csv_writer, safe_cell

    if fmt == "json":
        json.dump(data, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    table = _table(data, dates=fmt == "csv")
    if fmt == "csv":
        writer = csv_writer(out)
        for line in table:
            writer.writerow([safe_cell(cell) for cell in line])
        return
    out.write(_title(data) + "\n")
    if len(table) > 1:
        widths = [max(len(str(line[i])) for line in table) for i in range(len(table[0]))]
        for line in table:
            out.write("  ".join(str(cell).rjust(w) if isinstance(cell, int) else str(cell).ljust(w)
                                for cell, w in zip(line, widths)).rstrip() + "\n")
    if data.get("month_only", {}).get("count"):
        out.write(f"{data['month_only']['count']} dated only to a month: "
                  + ", ".join(f"{p['period']} ({p['count']})" for p in data["month_only"]["periods"]) + "\n")


def _title(data: dict) -> str:
    what = f" for {data['query']!r}" if data.get("query") and data["query"] != "*" else ""
    head = f"{data['total']} {data['counted'] if data['total'] != 1 else data['counted'][:-1]}{what}"
    if "cells" in data:
        return f"{head}: {data['rows']['facet']} by {data['cols']['facet']}, stories mentioning both" \
            if data["counted"] == "stories" else f"{head}: {data['rows']['facet']} by {data['cols']['facet']}"
    span = f" per {data['bucket']}, {data['first']} to {data['last']}" if data.get("first") else ""
    by = f", top {data['by']} values" if "by" in data else ""
    return f"{head}{span}{by}" + (f" ({data['undated']} undated)" if data["undated"] else "")


def _table(data: dict, dates: bool = True) -> list[list]:
    """The view as rows of cells, its header first; a timeline's ``from`` and ``to`` with
    ``dates``, else (text) a bar of ``#`` per bucket."""
    if "cells" in data:
        cols = data["cols"]["values"]
        table = [[data["rows"]["facet"], "all", *(c["value"] for c in cols)],
                 ["all", data["total"], *(c["count"] for c in cols)]]
        for r, line in zip(data["rows"]["values"], data["cells"]):
            table.append([r["value"], r["count"], *(cell["count"] for cell in line)])
        return table
    series = data.get("series")
    when = (lambda b: [b["period"], b["from"], b["to"]]) if dates else (lambda b: [b["period"]])
    head = ["period", "from", "to"] if dates else ["period"]
    if series is None:
        top = max([b["count"] for b in data["buckets"]] + [1])
        bar = [] if dates else [lambda n: "#" * -(-40 * n // top)]  # 40 characters for the largest count
        return [head + ["count"] + ([""] if bar else [])] + [
            when(b) + [b["count"]] + [f(b["count"]) for f in bar] for b in data["buckets"]]
    table = [head + ["all", *(s["value"] for s in series)]]
    for i, b in enumerate(data["buckets"]):
        table.append(when(b) + [b["count"], *(s["buckets"][i]["count"] for s in series)])
    return table
