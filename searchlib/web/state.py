"""What a request works with: the search state its URL carries, and the warm searcher that answers it.

The whole search state lives in the URL:

    /?q=...&group=...&country=...&official=...&source=...&from=YYYY[-MM[-DD]]&to=...&sort=relevance|date
      &page=N&all=1&expand=FACET

``group``, ``country``, ``official`` and ``source`` repeat (``source`` where the library has that
filter); ``all=1`` lists every near-duplicate copy instead of one hit per story (where the library
collapses duplicates); ``expand`` names a facet whose every value the sidebar should list.
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
    """One open ``Searcher``, reopened when the index changes.

    Each use compares a cheap fingerprint of the index (the ``CURRENT`` pointer, and the names,
    sizes and mtimes of the live generation's Whoosh TOC files, which every commit replaces, and of
    its JSON side files) with the one the open searcher was made from: one read and one listing. Whoosh searchers are not shared between threads here:
    a lock serialises their use, which is plenty for a librarian's desk.
    """

    def __init__(self, index_dir: str) -> None:
        self.index_dir = index_dir
        self.opened = 0  # how many searchers were opened (tests read it)
        self._lock = threading.Lock()
        self._searcher = None
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

        with self._lock:
            try:
                stamp = self.fingerprint()
                if self._searcher is None or stamp != self._stamp:
                    fresh = searching.Searcher(self.index_dir)
                    self.opened += 1
                    old, self._searcher, self._stamp = self._searcher, fresh, stamp
                    if old is not None:
                        old.close()
            except Exception:
                self.close()
                raise
            yield self._searcher

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        self._searcher, self._stamp = None, None


# ----------------------------------------------------------------------------- URL state

class State:
    """The search state read from the URL, and the URLs of every change to it."""

    def __init__(self, q: str = "", filters: dict[str, list[str]] | None = None, date_from: str = "",
                 date_to: str = "", sort: str = "", page: int = 1, expand: tuple[str, ...] = (),
                 show_all: bool = False) -> None:
        self.q = q
        self.filters = {p: list((filters or {}).get(p, [])) for p in filter_params()}
        self.date_from, self.date_to = date_from, date_to
        self.sort, self.page, self.expand, self.show_all = sort, page, tuple(expand), show_all

    @classmethod
    def from_args(cls, args) -> "State":
        """Raises BadValue for a sort, page, ``all`` or ``expand`` value that is not understood."""
        filters = {}
        for param in filter_params():
            values: list[str] = []
            for v in args.getlist(param):
                v = v.strip()
                if v and v not in values:
                    values.append(v)
            filters[param] = values
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
                   sort, page, tuple(expand), show_all in ("1", "true", "yes", "on"))

    # --- what the library is asked

    @property
    def has_filters(self) -> bool:
        return any(self.filters.values()) or bool(self.date_from or self.date_to)

    @property
    def browsing(self) -> bool:
        """No query: everything (or everything filtered), newest first."""
        return not self.q or self.q == "*"

    @property
    def effective_sort(self) -> str:
        return "date" if self.browsing else (self.sort or "relevance")

    def request(self, limit: int, facets: bool = False, timeline: bool = False):
        from ..query.searching import SearchRequest

        query = self.q or ("" if self.has_filters else "*")
        options: dict = {name: tuple(self.filters[param]) for param, name in filter_params().items()}
        if "all" in request_fields():
            options["all"] = self.show_all
        return SearchRequest(query=query, date_from=self.date_from or None, date_to=self.date_to or None,
                             sort=self.sort or "relevance", limit=limit, facets=facets,
                             timeline=timeline).with_options(**options)

    # --- URLs

    def params(self, **changes) -> dict:
        """Query parameters of this state with ``changes``; the page goes back to 1 unless given."""
        p: dict = {"q": self.q, **{k: list(v) for k, v in self.filters.items()}, "from": self.date_from,
                   "to": self.date_to, "sort": self.sort, "page": None, "all": "1" if self.show_all else None,
                   "expand": list(self.expand)}
        p.update(changes)
        if p.get("page") in (1, "1"):
            p["page"] = None
        return {k: v for k, v in p.items() if v not in (None, "", [], ())}

    def url(self, **changes) -> str:
        from flask import url_for

        return url_for("search_page", **self.params(**changes))

    def selected(self, param: str, value: str) -> bool:
        target = canonical(param, value)
        return any(canonical(param, raw) == target for raw in self.filters.get(param, ()))

    def add(self, param: str, value: str) -> str:
        if self.selected(param, value):
            return self.url()
        return self.url(**{param: self.filters[param] + [value]})

    def remove(self, param: str, value: str) -> str:
        """Without every URL value that means the same as ``value`` (``AF`` and ``Afghanistan``)."""
        target = canonical(param, value)
        return self.url(**{param: [raw for raw in self.filters[param] if canonical(param, raw) != target]})

    def toggle(self, param: str, value: str) -> str:
        return self.remove(param, value) if self.selected(param, value) else self.add(param, value)

    def dates(self, date_from: str, date_to: str) -> str:
        return self.url(**{"from": date_from, "to": date_to})

    def period_selected(self, period: str) -> bool:
        return self.date_from == period and self.date_to == period

    def toggle_period(self, period: str) -> str:
        return self.dates("", "") if self.period_selected(period) else self.dates(period, period)

    def expand_url(self, facet: str, on: bool) -> str:
        shown = [f for f in self.expand if f != facet] + ([facet] if on else [])
        return self.url(expand=shown, page=self.page)

    def page_url(self, page: int) -> str:
        return self.url(page=page)

    def doc_url(self, key: str) -> str:
        from flask import url_for

        return url_for("document", key=key, **self.params(page=self.page, expand=None))

    def route_url(self, endpoint: str) -> str:
        """/api/search, /export.csv, /export.jsonl for this state (no page: the whole result set)."""
        from flask import url_for

        return url_for(endpoint, **self.params(expand=None))

    def hidden_fields(self, *skip: str) -> list[tuple[str, str]]:
        """(name, value) pairs that carry this state through a GET form, except the ``skip`` ones."""
        out = []
        for name, value in self.params(expand=None).items():
            if name in skip:
                continue
            for v in value if isinstance(value, list) else [value]:
                out.append((name, str(v)))
        return out


def canonical(param: str, value: str) -> str:
    """What a filter value means, through the same alias tables as the library's filters."""
    return facets.get(param).canonical(value)
