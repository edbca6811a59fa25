"""What a request works with: the search state its URL carries, and the warm searcher that answers it.

The whole search state lives in the URL:

    /?q=...&group=...&country=...&official=...&source=...&from=YYYY[-MM[-DD]]&to=...&sort=relevance|date|oldest
      &page=N&all=1&expand=FACET&q_facet=...&not_country=...

``group``, ``country``, ``official`` and ``source`` repeat (``source`` where the library has that
filter); ``all=1`` lists every near-duplicate copy instead of one hit per story (where the library
collapses duplicates); ``expand`` names a facet whose every value the sidebar should list, and
``q_facet`` narrows those lists to the values holding its text (the filter box without JavaScript);
``not_<facet>`` (``not_country=Iraq``, repeatable) leaves out the pages with that value.
"""

from __future__ import annotations

import dataclasses
import os
import re
import threading
from contextlib import contextmanager

from .. import facets
from ..errors import BadValue


def whole_number(raw: str, low: int, high: int) -> int | None:
    """``raw`` as an int when it is plain ASCII digits from ``low`` to ``high``, else None.

    Neither ``str.isdigit`` nor ``int`` alone says "plain digits": ``"²".isdigit()`` is true but
    ``int("²")`` fails, ``int`` takes ``" 7"``, ``"+7"``, ``"1_000"`` and Arabic-Indic digits, and it
    refuses more than 4300 digits. The length cap keeps ``int`` away from that limit.
    """
    if not re.fullmatch(r"[0-9]{1,12}", raw):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def request_fields() -> set[str]:
    from ..query.searching import SearchRequest

    return {f.name for f in dataclasses.fields(SearchRequest)}


def filter_params() -> dict[str, str]:
    """URL parameter -> SearchRequest option, one per facet a search can filter by (facets.py)."""
    return {facet.name: facet.option for facet in facets.filters()}


# ----------------------------------------------------------------------------- the warm searcher

class WarmSearcher:
    """Open ``Searcher``s, reopened when the index changes: a small pool, so that requests answered
    at the same moment each have their own and a slow search never holds up a quick one.

    Each use compares a cheap fingerprint of the index (the ``CURRENT`` pointer, and the names,
    sizes and mtimes of the live generation's Whoosh TOC files, which every commit replaces, and of
    its JSON side files) with the one the open searchers were made from: one read and one listing.
    A Whoosh searcher is used by one thread at a time: a request takes an idle one of the current
    index, or opens one (up to ``size``; beyond, it waits for one to come back). Searchers of an
    older index are closed when they come back.
    """

    def __init__(self, index_dir: str, size: int | None = None) -> None:
        from ..settings import WEB_SEARCHERS

        self.index_dir = index_dir
        self.size = max(1, size or WEB_SEARCHERS)
        self.opened = 0  # how many searchers were opened (tests read it)
        self._lock = threading.Condition()
        self._idle: list = []  # searchers of self._stamp nobody uses
        self._busy = 0  # searchers in use, of any stamp
        self._stamp: tuple | None = None

    def fingerprint(self) -> tuple:
        """Raises IndexNotFound / IndexCorrupt when there is no usable index."""
        from ..store import indexing

        for _attempt in range(3):
            gen = indexing.current_generation(self.index_dir)
            try:
                files = []
                for entry in os.scandir(gen):
                    if entry.name.endswith((".toc", ".json")):  # Whoosh commits; manifest and clusters
                        st = entry.stat()
                        files.append((entry.name, st.st_mtime_ns, st.st_size))
            except FileNotFoundError:  # a rebuild swapped generations while we looked: look again
                continue
            return (os.path.basename(gen), tuple(sorted(files)))
        return (None, ())

    @contextmanager
    def use(self):
        from ..query import searching

        try:
            stamp = self.fingerprint()
        except Exception:
            self.close()
            raise
        with self._lock:
            if stamp != self._stamp:  # the index changed: the idle searchers are of the old one
                self._close_idle()
                self._stamp = stamp
            while not self._idle and self._busy >= self.size:
                self._lock.wait()
            searcher = self._idle.pop() if self._idle else None
            self._busy += 1
        try:
            if searcher is None:  # opened outside the lock: the others go on meanwhile
                searcher = searching.Searcher(self.index_dir)
                with self._lock:
                    self.opened += 1
        except Exception:
            with self._lock:
                self._busy -= 1
                self._lock.notify()
            raise
        try:
            yield searcher
        finally:
            with self._lock:
                self._busy -= 1
                if stamp == self._stamp and not searcher._closed:
                    self._idle.append(searcher)
                    searcher = None
                self._lock.notify()
            if searcher is not None:
                searcher.close()

    def _close_idle(self) -> None:
        idle, self._idle = self._idle, []
        for searcher in idle:
            searcher.close()

    def close(self) -> None:
        with self._lock:
            self._close_idle()
            self._stamp = None


# ----------------------------------------------------------------------------- URL state

class State:
    """The search state read from the URL, and the URLs of every change to it."""

    def __init__(self, q: str = "", filters: dict[str, list[str]] | None = None, date_from: str = "",
                 date_to: str = "", sort: str = "", page: int = 1, expand: tuple[str, ...] = (),
                 show_all: bool = False, crawled_from: str = "", crawled_to: str = "",
                 excluded: dict[str, list[str]] | None = None, q_facet: str = "") -> None:
        self.q = q
        self.excluded = {p: list((excluded or {}).get(p, [])) for p in filter_params()}
        self.q_facet = q_facet if expand else ""
        self.crawled_from, self.crawled_to = crawled_from, crawled_to  # crawl days of web archive captures
        self.filters = {p: list((filters or {}).get(p, [])) for p in filter_params()}
        self.date_from, self.date_to = date_from, date_to
        self.sort, self.page, self.expand, self.show_all = sort, page, tuple(expand), show_all

    @classmethod
    def from_args(cls, args) -> "State":
        """Raises BadValue for a sort, page, ``all`` or ``expand`` value that is not understood."""
        def values_of(name: str) -> list[str]:
            values: list[str] = []
            for v in args.getlist(name):
                v = v.strip()
                if v and v not in values:
                    values.append(v)
            return values

        filters = {param: values_of(param) for param in filter_params()}
        excluded = {param: values_of(NOT + param) for param in filter_params()}
        from ..query.searching import check_sort

        sort = args.get("sort", "").strip()
        if sort:
            check_sort(sort)
        raw_page = args.get("page", "").strip() or "1"
        page = whole_number(raw_page, 1, 10_000)
        if page is None:
            raise BadValue(f"Invalid page {raw_page!r}: use a whole number from 1")
        expand = []
        for v in args.getlist("expand"):
            if v not in facets.names():
                raise BadValue(f"Unknown facet {v!r} in expand=: use one of {', '.join(facets.names())}")
            if v not in expand:
                expand.append(v)
        show_all = args.get("all", "").strip().lower()
        if show_all not in ("", "0", "1", "true", "false", "yes", "no", "on", "off"):
            raise BadValue(f"Invalid all={show_all!r}: use all=1 to list every copy of a story")
        return cls(args.get("q", "").strip(), filters, args.get("from", "").strip(), args.get("to", "").strip(),
                   sort, page, tuple(expand), show_all in ("1", "true", "yes", "on"),
                   args.get("crawled_from", "").strip(), args.get("crawled_to", "").strip(), excluded,
                   args.get("q_facet", "").strip())

    # --- what the library is asked

    @property
    def has_filters(self) -> bool:
        return any(self.filters.values()) or any(self.excluded.values()) or bool(self.date_from or self.date_to or self.crawled_from or self.crawled_to)

    @property
    def browsing(self) -> bool:
        """No query: everything (or everything filtered), newest first."""
        return not self.q or self.q == "*"

    @property
    def effective_sort(self) -> str:
        if self.browsing:
            return "oldest" if self.sort == "oldest" else "date"
        return self.sort or "relevance"

    def request(self, limit: int, facets: bool = False, timeline: bool = False, offset: int = 0,
                facet_limit: int | None = None):
        from ..query.searching import SearchRequest

        query = self.q or ("" if self.has_filters else "*")
        options: dict = {name: tuple(self.filters[param]) for param, name in filter_params().items()}
        options.update({f"not_{name}": tuple(self.excluded[param]) for param, name in filter_params().items()})
        if "all" in request_fields():
            options["all"] = self.show_all
        return SearchRequest(query=query, date_from=self.date_from or None, date_to=self.date_to or None,
                             sort=self.sort or "relevance", limit=limit, offset=offset, facets=facets,
                             facet_limit=facet_limit, timeline=timeline, crawled_from=self.crawled_from or None,
                             crawled_to=self.crawled_to or None).with_options(**options)

    # --- URLs

    def params(self, **changes) -> dict:
        """Query parameters of this state with ``changes``; the page goes back to 1 unless given."""
        p: dict = {"q": self.q, **{k: list(v) for k, v in self.filters.items()}, "from": self.date_from,
                   "to": self.date_to, "sort": self.sort, "page": None, "all": "1" if self.show_all else None,
                   "expand": list(self.expand), "crawled_from": self.crawled_from, "crawled_to": self.crawled_to,
                   **{NOT + k: list(v) for k, v in self.excluded.items()}, "q_facet": self.q_facet}
        p.update(changes)
        if not p.get("expand"):
            p["q_facet"] = None  # it narrows the expanded lists only
        if p.get("page") in (1, "1"):
            p["page"] = None
        return {k: v for k, v in p.items() if v not in (None, "", [], ())}

    def url(self, **changes) -> str:
        from flask import url_for

        return url_for("search_page", **self.params(**changes))

    @staticmethod
    def _others(param: str, value: str, raws) -> list[str]:
        """The URL values of ``raws`` that do not mean the same as ``value`` (``AF``, ``Afghanistan``)."""
        target = canonical(param, value)
        return [raw for raw in raws if canonical(param, raw) != target]

    def selected(self, param: str, value: str) -> bool:
        raws = self.filters.get(param, ())
        return len(self._others(param, value, raws)) < len(raws)

    def add(self, param: str, value: str) -> str:
        if self.selected(param, value):
            return self.url()
        return self.url(**{param: self.filters[param] + [value]})

    def remove(self, param: str, value: str) -> str:
        """Without every URL value that means the same as ``value`` (``AF`` and ``Afghanistan``)."""
        return self.url(**{param: self._others(param, value, self.filters[param])})

    def toggle(self, param: str, value: str) -> str:
        return self.remove(param, value) if self.selected(param, value) else self.add(param, value)

    def is_excluded(self, param: str, value: str) -> bool:
        raws = self.excluded.get(param, ())
        return len(self._others(param, value, raws)) < len(raws)

    def exclude(self, param: str, value: str) -> str:
        """Leave out the pages with ``value`` (and no longer ask for them, if selected)."""
        if self.is_excluded(param, value):
            return self.url()
        return self.url(**{param: self._others(param, value, self.filters[param]),
                           NOT + param: self.excluded[param] + [value]})

    def include_again(self, param: str, value: str) -> str:
        """Without the exclusion of ``value``."""
        return self.url(**{NOT + param: self._others(param, value, self.excluded[param])})

    def replace(self, param: str, old: str, new: str) -> str:
        """``old`` (a filter or an excluded value) changed to ``new``: a "Did you mean" link."""
        changes = {}
        for name, values in ((param, self.filters.get(param)), (NOT + param, self.excluded.get(param))):
            if values and old in values:
                changes[name] = [new if v == old else v for v in values]
        return self.url(**changes)

    def dates(self, date_from: str, date_to: str) -> str:
        return self.url(**{"from": date_from, "to": date_to})

    def period_selected(self, period: str) -> bool:
        return self.date_from == period and self.date_to == period

    def toggle_period(self, period: str) -> str:
        return self.dates("", "") if self.period_selected(period) else self.dates(period, period)

    def expand_url(self, facet: str, on: bool) -> str:
        shown = [f for f in self.expand if f != facet] + ([facet] if on else [])
        return self.url(expand=shown, page=self.page, q_facet=self.q_facet if on else None)

    def page_url(self, page: int) -> str:
        return self.url(page=page)

    def doc_url(self, key: str) -> str:
        from flask import url_for

        return url_for("document", key=key, **self.params(page=self.page, expand=None, q_facet=None))

    def route_url(self, endpoint: str) -> str:
        """/api/search, /export.csv, /export.jsonl for this state (no page: the whole result set)."""
        from flask import url_for

        return url_for(endpoint, **self.params(expand=None, q_facet=None))

    def hidden_fields(self, *skip: str, **changes) -> list[tuple[str, str]]:
        """(name, value) pairs that carry this state (with ``changes``) through a GET form, except
        the ``skip`` ones."""
        out = []
        for name, value in self.params(**{"expand": None, "q_facet": None, **changes}).items():
            if name in skip:
                continue
            for v in value if isinstance(value, list) else [value]:
                out.append((name, str(v)))
        return out


NOT = "not_"  # the URL parameter that excludes a facet's value: not_country=Iraq


def canonical(param: str, value: str) -> str:
    """What a filter value means, through the same alias tables as the library's filters."""
    return facets.get(param).canonical(value)
