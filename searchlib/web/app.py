"""A librarian's browser view: ``searchlib serve``, a read-only Flask app over the library API.

Every search goes through ``searching.Searcher.search``, so the page, ``/api/search``, the exports
and the CLI give the same answers. The whole search state lives in the URL:

    /?q=...&group=...&country=...&official=...&source=...&from=YYYY[-MM[-DD]]&to=...&sort=relevance|date
      &page=N&all=1&expand=FACET

``group``, ``country``, ``official`` and ``source`` repeat (``source`` where the library has that
filter); ``all=1`` lists every near-duplicate copy instead of one hit per story (where the library
collapses duplicates); ``expand`` names a facet whose every value the sidebar should list.
Flask is imported only inside ``create_app`` and ``serve_command``, so importing this module
(the CLI does) stays cheap.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import math
import os
import re
import threading
from collections import Counter
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterable
from urllib.parse import urlsplit

import click

from .. import facets
from ..errors import BadValue
from ..settings import DEFAULT_INDEX, FACET_SHOWN, INDEX_ENV, PER_PAGE, RESULT_LIMIT

if TYPE_CHECKING:  # pragma: no cover
    from flask import Flask

ALL_HITS = RESULT_LIMIT  # the timeline, pagination and exports read every match
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = (("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
                    ("Referrer-Policy", "same-origin"), ("X-Frame-Options", "DENY"))
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


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


# ----------------------------------------------------------------------------- page parts

def highlight(snippet: str | None):
    """The library marks matches as **word**: escape first, then turn them into <mark>."""
    from markupsafe import Markup, escape

    escaped = str(escape(snippet or ""))
    return Markup(re.sub(r"\*\*(.+?)\*\*", r"<mark>\1</mark>", escaped, flags=re.S))


def month_label(period: str) -> str:
    """'2021-08' -> 'Aug 2021'; a year stays as it is."""
    if re.fullmatch(r"\d{4}-\d{2}", period):
        return f"{_MONTHS[int(period[5:]) - 1]} {period[:4]}"
    return period


def facet_panels(result, state: State) -> list[dict]:
    """Sidebar panels: each value with its count, whether it is selected, and the link that toggles it."""
    panels = []
    for facet, counts in result.facets.items():
        declared = facets.get(facet)
        if declared.period:
            items = [{"value": c.value, "label": c.value, "count": c.count, "note": "",
                      "selected": state.period_selected(c.value), "href": state.toggle_period(c.value),
                      "children": []} for c in counts]
        elif facet in state.filters:
            notes = declared.notes(result.hits)
            items = [{"value": c.value, "label": c.value, "count": c.count, "selected": state.selected(facet, c.value),
                      "href": state.toggle(facet, c.value), "children": [], "note": notes.get(c.value, "")}
                     for c in counts]
            items = _nest(items, state, declared)
        else:
            continue
        if not items:
            continue
        expanded = facet in state.expand
        panels.append({"facet": facet, "title": declared.title or facet.title(),
                       "items": items if expanded else items[:FACET_SHOWN], "hidden": max(0, len(items) - FACET_SHOWN),
                       "expanded": expanded, "more": state.expand_url(facet, True),
                       "less": state.expand_url(facet, False)})
    return panels


def _nest(items: list[dict], state: State, facet) -> list[dict]:
    """Values under their parent (affiliates under their group: ``Facet.parent``); a parent with no
    count of its own still gets a link."""
    nodes = {item["value"]: item for item in items}
    roots: list[dict] = []
    if not any(facet.parent(item["value"]) for item in items):
        return items

    def attach(item: dict, seen: tuple = ()) -> None:
        parent = facet.parent(item["value"])
        if parent is None or parent in seen:
            if item not in roots:
                roots.append(item)
            return
        if parent not in nodes:
            nodes[parent] = {"value": parent, "label": parent, "count": None, "note": "",
                             "selected": state.selected(facet.name, parent), "href": state.toggle(facet.name, parent),
                             "children": []}
            attach(nodes[parent], seen + (item["value"],))
        if item not in nodes[parent]["children"]:
            nodes[parent]["children"].append(item)

    for item in items:
        attach(item)

    def weight(node: dict) -> int:
        return max([node["count"] or 0] + [weight(c) for c in node["children"]])

    return sorted(roots, key=lambda n: -weight(n))


def timeline(per_month: dict[str, int], total: int, state: State, width: int = 1000) -> dict:
    """Matches per month (per year beyond ten years) as SVG geometry, each bar a link to its period.

    ``per_month`` comes from the library (SearchResult.timeline): counts over all matches, without
    reading every hit."""
    months = Counter(per_month)
    dated = sum(months.values())
    out = {"undated": total - dated, "bars": [], "labels": [], "unit": "month", "width": width,
           "height": 132, "baseline": 106, "first": "", "last": ""}
    if not dated:
        return out
    first, last = min(months), max(months)
    y0, m0, y1, m1 = int(first[:4]), int(first[5:7]), int(last[:4]), int(last[5:7])
    periods = [f"{y:04d}-{m:02d}" for y in range(y0, y1 + 1) for m in range(1, 13)
               if (y, m) >= (y0, m0) and (y, m) <= (y1, m1)]
    counts: Counter = months
    if len(periods) > 120:
        out["unit"] = "year"
        counts = Counter()
        for month, n in months.items():
            counts[month[:4]] += n
        periods = [str(y) for y in range(y0, y1 + 1)]
    out["first"], out["last"] = month_label(periods[0]), month_label(periods[-1])
    slot = min(width / len(periods), 80.0)
    offset = (width - slot * len(periods)) / 2  # a few wide bars sit in the middle
    top = max(counts.values())
    for i, period in enumerate(periods):
        n = counts.get(period, 0)
        h = round(86 * n / top) if n else 0
        x = round(offset + i * slot, 2)
        bar = {"period": period, "label": month_label(period), "count": n, "x": x,
               "w": round(max(slot * 0.78, 1.0), 2), "slot": round(slot, 2),
               "y": out["baseline"] - max(h, 2) if n else out["baseline"], "h": max(h, 2) if n else 0,
               "selected": state.period_selected(period), "href": state.toggle_period(period),
               "show_count": n > 0 and slot >= 18}
        out["bars"].append(bar)
    out["labels"] = _axis_labels(out["bars"], out["unit"], slot, width)
    return out


def _axis_labels(bars: list[dict], unit: str, slot: float, width: int) -> list[dict]:
    """Labels under the bars, most telling first (years, the first bar, quarters, months), none overlapping."""
    char, gap = 7.2, 10.0  # approximate width of a 12-unit character, and the space kept between labels
    candidates: list[tuple[int, float, str, str]] = []  # (priority, x, text, period)
    for i, bar in enumerate(bars):
        p, x = bar["period"], bar["x"]
        if unit == "year":
            y = int(p)
            candidates.append((0 if y % 10 == 0 or i == 0 else 1 if y % 5 == 0 else 3, x, p, p))
        elif slot >= 72:
            candidates.append((0, x, bar["label"], p))
        else:
            month = int(p[5:])
            if i == 0:  # the first bar says where the axis starts
                candidates.append((0, x, bar["label"] if month != 1 else p[:4], p))
            elif month == 1:
                candidates.append((0, x, p[:4], p))
            elif month in (4, 7, 10):
                candidates.append((2, x, _MONTHS[month - 1], p))
            elif slot >= 36:
                candidates.append((3, x, _MONTHS[month - 1], p))

    def free(x: float, end: float, placed: list, skip=None) -> bool:
        return end <= width and not any(x < e + gap and s < end + gap for s, e, _t, _p in placed if _p != skip)

    placed: list[tuple[float, float, str, str]] = []
    for _prio, x, text, period in sorted(candidates, key=lambda c: (c[0], c[1])):
        if free(x, x + len(text) * char, placed):
            placed.append((x, x + len(text) * char, text, period))
    placed.sort()
    # a month whose year's January label did not fit names its year
    year_shown = None
    for i, (x, _end, text, period) in enumerate(placed):
        if re.search(r"\d{4}", text):
            year_shown = period[:4]
        elif period[:4] != year_shown:
            longer = f"{text} {period[:4]}"
            if free(x, x + len(longer) * char, placed, skip=period):
                placed[i] = (x, x + len(longer) * char, longer, period)
                year_shown = period[:4]
    return [{"x": x, "text": text} for x, _e, text, _p in placed]


def chips(result, state: State) -> list[dict]:
    """The selected filters, each with the link that removes it."""
    out = []
    if state.q and state.q != "*":
        out.append({"kind": "Query", "label": state.q, "href": state.url(q="")})
    for param, values in state.filters.items():
        for raw in values:
            label = facets.get(param).display(raw)
            if label != raw:
                label = f"{label} ({raw})"
            out.append({"kind": param.title(), "label": label, "href": state.remove(param, raw)})
    if state.show_all:
        out.append({"kind": "Copies", "label": "every copy", "href": state.url(all=None)})
    if state.date_from and state.date_from == state.date_to:
        out.append({"kind": "Date", "label": month_label(state.date_from), "href": state.dates("", "")})
    else:
        if state.date_from:
            out.append({"kind": "From", "label": state.date_from, "href": state.dates("", state.date_to)})
        if state.date_to:
            out.append({"kind": "To", "label": state.date_to, "href": state.dates(state.date_from, "")})
    return out


def page_links(state: State, pages: int) -> list[dict]:
    """Numbered page links around the current page, with gaps marked by None."""
    wanted = sorted({1, pages, *range(max(1, state.page - 2), min(pages, state.page + 2) + 1)})
    out: list[dict] = []
    prev = 0
    for n in wanted:
        if n - prev > 1:
            out.append({"gap": True})
        out.append({"gap": False, "page": n, "href": state.page_url(n), "current": n == state.page})
        prev = n
    return out


def evidence_rows(rec: dict) -> list[dict]:
    """Each tag of a document with the sentences it was found in."""
    found: dict[tuple[str, str], list[str]] = {}
    for e in rec.get("evidence") or []:
        sentences = found.setdefault((e.get("field"), e.get("value")), [])
        if e.get("sentence") and e["sentence"] not in sentences:
            sentences.append(e["sentence"])
    rows = []
    for field, param, values in (("group", "group", rec.get("groups") or []),
                                 ("country", "country", rec.get("countries") or []),
                                 ("source", "source", rec.get("source") or [])):
        for v in values:
            rows.append({"field": field, "param": param, "value": v, "note": "",
                         "sentences": found.get((field, v), [])})
    for o in rec.get("officials") or []:
        note = ", ".join(x for x in (o.get("role"), o.get("country")) if x)
        rows.append({"field": "official", "param": "official", "value": o.get("name") or "", "note": note,
                     "sentences": found.get(("official", o.get("name")), [])})
    for d in rec.get("dates") or []:
        rows.append({"field": "date", "param": None, "value": d, "sentences": found.get(("date", d), []),
                     "note": "published" if d == rec.get("published") else ""})
    return rows


# ----------------------------------------------------------------------------- Host names

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
_HOST = re.compile(r"(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::([0-9]{1,5}))?")


def parse_host(text: str) -> tuple[str, int | None] | None:
    """``(name, port)`` of a Host header value, or None when it is not a host name or address.

    Names are lower-cased and lose one trailing dot; IPv6 addresses keep their brackets, in short form.
    """
    match = _HOST.fullmatch(text.lower()) if text.isascii() else None  # "\u212a".lower() is "k"
    if not match:
        return None
    name, port = match.group(1), match.group(2)
    if name.startswith("["):
        try:
            name = f"[{ipaddress.IPv6Address(name[1:-1]).compressed}]"
        except ValueError:
            return None
    else:
        name = name[:-1] if name.endswith(".") else name
        if len(name) > 253 or not all(1 <= len(label) <= 63 for label in name.split(".")):  # a..b, .a
            return None
    if port is not None and not 1 <= int(port) <= 65535:
        return None
    return name, None if port is None else int(port)


def host_name(value: str) -> str:
    """``value`` (a host name or address, IPv6 with or without brackets) as the Host header names it.

    Raises:
        BadValue: if it is not a host name or address, or carries a port.
    """
    try:
        if ":" in value and not value.startswith("["):
            value = f"[{ipaddress.IPv6Address(value).compressed}]"
    except ValueError:
        pass
    parsed = parse_host(value)
    if parsed is None or parsed[1] is not None:
        raise BadValue(f"Invalid host name {value!r}: give a name or address without a port, "
                       "such as archive.example.org or 192.168.1.20")
    return parsed[0]


def host_names(bind_host: str, allow: Iterable[str] = ()) -> tuple[str, ...]:
    """The names a browser may use for a server listening on ``bind_host``.

    That is ``bind_host`` itself, the loopback names (``localhost``, ``127.0.0.1``, ``[::1]``) when it is
    a loopback or wildcard address, and each ``allow`` name (``*``: any name).

    Raises:
        BadValue: for an ``allow`` entry that is not a host name or address.
    """
    names: list[str] = []
    try:
        names.append(host_name(bind_host))
    except BadValue:
        pass  # not a name a browser can use; binding to it will say what is wrong
    try:
        address = ipaddress.ip_address(bind_host.strip("[]"))
        local = address.is_loopback or address.is_unspecified
    except ValueError:
        local = bind_host.lower() == "localhost"
    if local:
        names += LOOPBACK_NAMES
    names += ["*" if value == "*" else host_name(value) for value in allow]
    return tuple(dict.fromkeys(names))


class HostCheck:
    """Which Host headers the app answers: a page that a DNS-rebinding attack loads in a local browser
    names its own host, and gets a 400 instead of the archive."""

    def __init__(self, names: Iterable[str] = LOOPBACK_NAMES, port: int | None = None) -> None:
        names = tuple(names)
        self.any = "*" in names
        self.names = tuple(dict.fromkeys(host_name(n) for n in names if n != "*"))
        self.port = port  # None: any port (behind a WSGI server the app is not told its port)

    def problem(self, header: str | None) -> str | None:
        """None when ``header`` is acceptable, else the one-line message of the 400."""
        if header is None:  # HTTP/1.0 without Host: werkzeug uses the bound address
            return None
        shown = header[:100]
        parsed = parse_host(header)
        if parsed is None:
            return f"Bad Host header {shown!r}: expected a host name or address, with an optional :PORT"
        name, port = parsed
        if self.any or (name in self.names and (port is None or self.port is None or port == self.port)):
            return None
        if name in self.names:
            return f"Host {shown!r} names port {port}, but this server listens on port {self.port}"
        return (f"Host {shown!r} is not a name this server answers to ({', '.join(self.names)}); "
                f"to serve it, start searchlib serve with --allow-host {name}")


# ----------------------------------------------------------------------------- every response

def relative_location(url: str) -> str:
    """The path and query of ``url``.

    A redirect then never names a host (the Host header is the client's word, and werkzeug builds its
    redirects from it), and never starts with ``//`` or ``/\\``, which a browser reads as another host.
    """
    parts = urlsplit(url)
    return "/" + parts.path.lstrip("/\\") + (f"?{parts.query}" if parts.query else "")


def with_security_headers(headers) -> list[tuple[str, str]]:
    """``headers`` with the security headers set once each (replacing any earlier value), and any
    ``Location`` made relative."""
    ours = {name.lower() for name, _value in SECURITY_HEADERS}
    kept = [(k, relative_location(v) if k.lower() == "location" else v) for k, v in headers if k.lower() not in ours]
    return kept + list(SECURITY_HEADERS)


def plain_answer(environ, start_response, status: str, message: str) -> list[bytes]:
    """A one-line ``Error: ...`` text answer made without Flask."""
    body = f"Error: {message}\n".encode("utf-8")
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else body]


class Guard:
    """WSGI middleware in front of the Flask app: what every request and response gets, whatever Flask did.

    It answers a Host header that is malformed or not an accepted name with a one-line 400 before Flask
    sees it (Flask would build URLs from it). It sets the security headers on every response (pages,
    static files, redirects, every error), and makes redirect Locations relative. It answers a one-line
    500 when an exception escapes Flask itself, as when the error page cannot be rendered; werkzeug's
    server would otherwise send its own bare 500.
    """

    def __init__(self, wsgi_app, logger, hosts: HostCheck) -> None:
        self.wsgi_app = wsgi_app
        self.logger = logger
        self.hosts = hosts

    def __call__(self, environ, start_response):
        started = False

        def start(status, headers, exc_info=None):
            nonlocal started
            started = True
            return start_response(status, with_security_headers(headers), exc_info)

        problem = self.hosts.problem(environ.get("HTTP_HOST"))  # werkzeug puts an absolute URL's host here
        if problem:
            return plain_answer(environ, start, "400 BAD REQUEST", problem)
        try:
            return self.wsgi_app(environ, start)
        except Exception:  # the last resort: the traceback goes to the log, never to the client
            if started:
                raise
            self.logger.exception("unanswered error on %s", environ.get("PATH_INFO"))
            return plain_answer(environ, start, "500 INTERNAL SERVER ERROR",
                                "Something went wrong while answering this page; the server log has the details.")


def request_handler():
    """werkzeug's request handler, whose own answers (a malformed request line, an over-long line or
    header) are one line of text with the security headers, like the app's."""
    from werkzeug.serving import WSGIRequestHandler

    class RequestHandler(WSGIRequestHandler):
        error_message_format = "Error: %(code)d %(message)s\n"
        error_content_type = "text/plain; charset=utf-8"
        _own_error = False

        def parse_request(self) -> bool:
            if not super().parse_request():
                return False
            if self.request_version == "HTTP/0.9":  # its answers are a bare body, with no headers at all
                self.send_error(505, "HTTP/0.9 is not served; use HTTP/1.0 or later")
                return False
            return True

        def send_error(self, code, message=None, explain=None):
            if self.request_version == "HTTP/0.9":  # also what http.server assumes of a line it cannot read
                self.request_version = "HTTP/1.0"  # so that the status line and the headers are sent
            self._own_error = True
            try:
                super().send_error(code, message, explain)
            finally:
                self._own_error = False

        def end_headers(self):
            if self._own_error:  # the app's responses already carry them (Guard)
                for name, value in SECURITY_HEADERS:
                    self.send_header(name, value)
            super().end_headers()

    return RequestHandler


# ----------------------------------------------------------------------------- the app

_METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allow_header(methods: Iterable[str]) -> str:
    """The ``Allow`` value for ``methods`` in the usual order ("GET, HEAD"), whatever order werkzeug kept."""
    return ", ".join(sorted(set(methods), key=lambda m: (_METHOD_ORDER.index(m) if m in _METHOD_ORDER else 99, m)))


def create_app(index_dir: str, allowed_hosts: Iterable[str] = LOOPBACK_NAMES, port: int | None = None) -> "Flask":
    """The read-only web app over the index at ``index_dir`` (which may not exist yet: 503 until built).

    Args:
        index_dir: the index folder.
        allowed_hosts: the host names (or addresses) browsers may address the app by, ``*`` for any;
            other Host headers get 400. ``host_names()`` gives the ones for a listening address.
        port: the port a Host header may name besides none; None accepts any port.

    Raises:
        BadValue: for an ``allowed_hosts`` entry that is not a host name or address.
    """
    import io
    import json

    import jinja2
    from flask import Flask, Response, make_response, render_template, request
    from werkzeug.exceptions import HTTPException, MethodNotAllowed

    from ..query import rendering
    from ..errors import BadQuery, IndexCorrupt, IndexNotFound, SearchlibError

    app = Flask(__name__, static_folder=None)  # the static route is added below, once OPTIONS is off
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False  # read-only: OPTIONS answers 405 like POST
    app.static_folder = "static"
    app.add_url_rule("/static/<path:filename>", endpoint="static", view_func=app.send_static_file)
    app.config["SEARCHLIB_INDEX"] = index_dir
    app.jinja_env.autoescape = True  # every template, whatever its name
    app.jinja_env.undefined = jinja2.StrictUndefined  # a misspelt variable is an error, not an empty string
    app.jinja_env.filters["highlight"] = highlight
    warm = WarmSearcher(index_dir)
    app.extensions["searchlib"] = warm

    @app.context_processor
    def defaults():
        return {"index_dir": index_dir, "form_q": request.args.get("q", ""), "hidden": []}

    app.wsgi_app = Guard(app.wsgi_app, app.logger, HostCheck(allowed_hosts, port))  # Host check, security headers

    def run(state: State, limit: int, facets: bool = False, timeline: bool = False):
        with warm.use() as searcher:
            return searcher.search(state.request(limit, facets, timeline))

    @app.get("/")
    def search_page():
        state = State.from_args(request.args)
        result = run(state, state.page * PER_PAGE, facets=True, timeline=True)
        pages = max(1, math.ceil(result.total / PER_PAGE))
        shown = result.hits[(state.page - 1) * PER_PAGE: state.page * PER_PAGE]
        return render_template(
            "search.html", state=state, result=result, hits=shown, pages=pages,
            page_links=page_links(state, pages) if pages > 1 else [],
            first_rank=(state.page - 1) * PER_PAGE + 1, panels=facet_panels(result, state),
            timeline=timeline(result.timeline or {}, result.total, state), chips=chips(result, state),
            hidden=state.hidden_fields("q", "page"), date_hidden=state.hidden_fields("from", "to", "page"),
        )

    @app.get("/doc/<path:key>")
    def document(key: str):
        try:
            state = State.from_args(request.args)
        except BadValue:
            state = State()
        with warm.use() as searcher:
            rec = searcher.document(key)
        if rec is None:
            return render_template("error.html", status=404, title="No such document",
                                   message=f"No document with key or path {key!r} in this index.", hint=""), 404
        paragraphs = [p.strip() for p in (rec.get("text") or "").split("\n") if p.strip()]
        return render_template("doc.html", rec=rec, state=state, paragraphs=paragraphs, rows=evidence_rows(rec),
                               back=state.url(page=state.page), hidden=state.hidden_fields("q", "page"))

    @app.get("/api/search")
    def api_search():
        state = State.from_args(request.args)
        raw = request.args.get("limit", "").strip() or str(PER_PAGE)
        limit = whole_number(raw, 0, ALL_HITS)
        if limit is None:
            raise BadValue(f"Invalid limit {raw!r}: use a whole number from 0 to {ALL_HITS}")
        facets = request.args.get("facets", "1").strip().lower() not in ("0", "false", "no", "off")
        result = run(state, limit, facets)
        return Response(json.dumps(result.as_dict(), ensure_ascii=False), mimetype="application/json")

    def export(fmt: str, mimetype: str):
        state = State.from_args(request.args)
        result = run(state, ALL_HITS)
        out = io.StringIO()
        rendering.write_result(result, fmt, out)
        response = Response(out.getvalue(), mimetype=mimetype)
        response.headers["Content-Disposition"] = f'attachment; filename="searchlib-results.{fmt}"'
        return response

    @app.get("/export.csv")
    def export_csv():
        return export("csv", "text/csv")

    @app.get("/export.jsonl")
    def export_jsonl():
        return export("jsonl", "application/x-ndjson")

    def wants_text() -> bool:
        return request.path.startswith("/api/") or request.path.startswith("/export.")

    def error_response(status: int, title: str, message: str, hint: str = ""):
        if wants_text():
            if request.path.startswith("/api/"):
                return Response(json.dumps({"error": message}, ensure_ascii=False), status=status,
                                mimetype="application/json")
            return Response(f"Error: {message}\n", status=status, mimetype="text/plain")
        return render_template("error.html", status=status, title=title, message=message, hint=hint), status

    @app.errorhandler(SearchlibError)
    def user_error(e: SearchlibError):
        message = " ".join(str(e).split())  # one line, whatever the value held
        if isinstance(e, IndexCorrupt):
            return error_response(503, "The index is damaged", message,
                                  hint=f"searchlib index --rebuild --index {index_dir}")
        if isinstance(e, IndexNotFound):
            return error_response(503, "No index to search", message,
                                  hint=f"searchlib index PATH-TO-PAGES --index {index_dir}")
        if isinstance(e, (BadValue, BadQuery)):
            return error_response(400, "Cannot search for that", message)
        return error_response(503, "The index is not available", message)

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        response = make_response(error_response(e.code or 500, e.name, e.description or e.name))
        for name, value in e.get_headers():  # Allow of a 405, Retry-After, ...
            if name.lower() != "content-type":
                response.headers[name] = value
        if isinstance(e, MethodNotAllowed):
            response.headers["Allow"] = allow_header(e.valid_methods or ())
        return response

    @app.errorhandler(Exception)
    def unexpected(e: Exception):
        app.logger.exception("unexpected error on %s", request.path)
        return error_response(500, "Internal error", "Something went wrong while answering this page; "
                              "the server log has the details.")

    return app


# ----------------------------------------------------------------------------- the command

def _check_port(host: str, port: int) -> None:
    """Raises OSError when ``host:port`` cannot be bound (in use, or not an address of this machine)."""
    import socket

    for family, kind, proto, _name, address in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
        return


def _allow_host_option(ctx, param, values: tuple[str, ...]) -> tuple[str, ...]:
    try:
        return tuple("*" if value == "*" else host_name(value) for value in values)
    except BadValue as e:
        raise click.BadParameter(str(e)) from None


@click.command(name="serve")
@click.option("--index", "index_dir", envvar=INDEX_ENV, default=DEFAULT_INDEX, show_default=True,
              type=click.Path(file_okay=False), help=f"Index folder (or set {INDEX_ENV}).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Only this machine can connect unless you change it.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="Port to listen on.")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME", callback=_allow_host_option,
              help="Also answer browsers that address this server as NAME (a host name or address, no port); "
                   "repeatable. Other names get 400, so that no web page can read the archive through a "
                   "browser here (DNS rebinding). '*' answers any name: only behind a proxy that checks it.")
def serve_command(index_dir, host, port, allow_hosts):
    """Browse the archive in a web browser: search box, facet sidebar, timeline, one page per document.

    Read-only. The app keeps one searcher open and picks up index updates
    (`searchlib index` runs) on the next page load. Stop it with Ctrl-C.

    \b
    Example:
        searchlib index corpus/
        searchlib serve                 # then open http://127.0.0.1:8080/
        searchlib serve --index /data/archive-index --port 8000
        searchlib serve --host 0.0.0.0 --allow-host archive.example.org
    """
    from werkzeug.serving import make_server

    from ..store import indexing
    from ..errors import SearchlibError

    try:
        indexing.current_generation(index_dir)
    except SearchlibError as e:
        click.echo(f"Warning: {e} (the pages say so until it exists)", err=True)
    names = host_names(host, allow_hosts)
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"Warning: listening on {host}: other machines can read this archive.", err=True)
        if not allow_hosts:
            click.echo(f"Warning: it answers only requests addressed to {', '.join(names)}; add --allow-host NAME "
                       "for each name or address other machines use", err=True)
    if "*" in names:
        click.echo("Warning: --allow-host '*' answers any Host name, so any web page a browser here opens can "
                   "read the archive (DNS rebinding); use it only behind a proxy that checks the name", err=True)
    try:
        _check_port(host, port)  # werkzeug would print its own message and exit
        app = create_app(index_dir, allowed_hosts=names, port=port)
        server = make_server(host, port, app, threaded=True, request_handler=request_handler())
    except (OSError, SystemExit) as e:
        reason = getattr(e, "strerror", None) or "the address is not available"
        raise click.ClickException(f"Cannot listen on {host}:{port}: {reason}; "
                                   "choose another --port or stop the program using it") from None
    shown_host = f"[{host}]" if ":" in host else host
    click.echo(f"Serving {index_dir} at http://{shown_host}:{server.server_port}/ (Ctrl-C to stop)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
