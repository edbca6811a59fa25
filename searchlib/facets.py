"""Facets: each one declared once, here; everything that filters or counts by facet reads this list.

A facet is a property of a page that search can filter by and count over (groups, countries,
officials, the outlet, the year). Its ``Facet`` entry says where it lives in a record and in the
index, how ``search``/``export`` spell its option (``--group``), its URL parameter in the web view,
its sidebar title, how a value a user types resolves (through the alias tables of ``aliases``, or
against the values the index holds), and how its counts are ordered and labelled. The index
schema, the facet table, the filters of ``SearchRequest``, the CLI options, the web sidebar and
URL parameters, the CSV columns and ``stats`` iterate over ``FACETS``; a new facet is one entry
(``register``). Model: Datasette's ``datasette/facets.py`` (a base class, small subclasses where
behaviour differs, one registration list).

Cheap to import (the CLI builds its options from it): Whoosh, click and tagging are imported
inside the methods that need them.
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable

from .derive import aliases
from .errors import BadValue, UnknownFacetValue


def split(value) -> list[str]:
    """The values of a stored comma-separated field."""
    return [v for v in (value or "").split(",") if v]


def joined(values: Iterable[str]) -> str:
    """Values as a comma-separated KEYWORD field (a comma inside a value would split it)."""
    return ",".join(v.replace(",", " ") for v in values)


def resolved(values, find: Callable[[str], str | None], unknown: Callable[[str], tuple[str, list[str]]],
             facet: str = "") -> list[str]:
    """``find(value)`` for each filter value.

    Raises:
        UnknownFacetValue: the message and hints ``unknown(value)`` gives for the first value
            ``find`` knows nothing of.
    """
    out = []
    for v in values:
        found = find(v)
        if found is None:
            message, hints = unknown(v)
            raise UnknownFacetValue(message, facet, v, tuple(hints))
        out.append(found)
    return out


def _text(term) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term


@dataclass(eq=False)
class Facet:
    """One facet. The base class is a plain multi-valued facet: the values a record gives
    (``values``) are stored in one comma-separated KEYWORD field, counted by document, ordered by
    count, and a filter value matches the index's values whatever its case.

    Attributes:
        name: the facet's name: its key in the JSON ``facets`` and ``filters``, the facet table,
            the web view's URL parameter and ``searchlib facets NAME``.
        field: the index field of its values.
        values: record (``pipeline.Record``) -> its values.
        option: the ``SearchRequest`` attribute and CLI option name of its filter values
            (``groups``); a registered facet that ``SearchRequest`` has no attribute for keeps
            them in ``SearchRequest.filters[name]``. None: counted, not a filter.
        help: the help of its CLI flag (``--NAME``).
        title: its title in the web sidebar.
        record_key: its key in a stored or exported record (None: not in the record).
        column: a CSV column of ``export`` (and a line of ``show``).
        hit: a field of ``searching.Hit``: a CSV column and a text line of each hit.
        stats: among the top values of ``searchlib stats``.
        missing: the end of the message for a filter value no document has.
    """

    name: str
    field: str
    values: Callable[[object], Iterable[str]]
    option: str | None = None
    help: str = ""
    title: str = ""
    record_key: str | None = None
    column: bool = True
    hit: bool = False
    stats: bool = True
    missing: str = ""
    period = False  # its values are periods of the publication date: the sidebar selects them by from/to

    @property
    def flag(self) -> str:
        return f"--{self.name}"

    # --- the index

    def schema_fields(self) -> dict:
        from whoosh.fields import KEYWORD

        return {self.field: KEYWORD(stored=True, commas=True)}

    def index_fields(self, record) -> dict[str, str]:
        """The record's Whoosh fields for this facet."""
        return {self.field: joined(self.values(record))}

    def stored(self, fields: dict):
        """Its value in a record read back from the index's stored fields."""
        return split(fields.get(self.field))

    # --- filtering

    def click_options(self) -> list:
        """Its options of ``search`` and ``export``."""
        import click

        return [click.Option([self.flag, self.option], multiple=True, help=self.help)]

    def resolve(self, values, searcher) -> list[str]:
        """The index's values for filter values typed by a user.

        Raises:
            UnknownFacetValue: a value no document has (with the closest ones).
        """
        known = [_text(t) for t in searcher.lexicon(self.field)] if self.field in searcher.schema else []
        by_fold = {aliases.fold(k): k for k in known}

        def unknown(v: str) -> tuple[str, list[str]]:
            hint = difflib.get_close_matches(v, known, n=5, cutoff=0.5)
            return (f"Unknown {self.name} {v!r}: {self.missing or f'no document has this {self.name}'}."
                    + (f" Did you mean: {', '.join(hint)}?" if hint else "")), hint

        return resolved(values, lambda v: by_fold.get(aliases.fold(v)), unknown, self.name)

    def filter_key(self, request) -> str | None:
        """The facet-table key its resolved values filter on (see ``filter_fields``), or None when
        only Whoosh can answer the filter (``whoosh_filter``)."""
        return self.name

    def filter_fields(self) -> dict[str, str]:
        """Filter key -> the index field a Whoosh query filters on."""
        return {self.name: self.field}

    def table_values(self, key: str, values: list[str]) -> list[str]:
        """The facet-table values a filter on ``key`` lets through."""
        return values

    def whoosh_filter(self, values: list[str]):
        """The Whoosh query of a filter that has no facet-table key (``filter_key`` None)."""
        raise NotImplementedError(f"facet {self.name!r} filters through the facet table")

    def canonical(self, value: str) -> str:
        """What a URL value means, so that two spellings of one value are one filter."""
        return aliases.fold(value)

    def display(self, value: str) -> str:
        """A filter value as the web view's chips show it."""
        return value

    def echo(self, resolved: list[str], typed, known) -> list[str]:
        """The filter values a result echoes: ``resolved`` (``resolve``'s), as the index names them
        (``known``: the facet table's values); ``typed``: the values as the user gave them."""
        return list(resolved)

    def archive_filter(self, resolved: list[str], names: dict[str, str]) -> list[str]:
        """``resolved`` filter values plus those the archive counts as one of them (``names``:
        ``archive_names``'), for a filter answered by Whoosh (``filter_key`` None)."""
        return resolved

    # --- across the archive

    def archive_names(self, values: dict[str, list[int]]) -> dict[str, str]:
        """value -> the value the whole archive counts it as (``values``: the facet table's value ->
        documents, every live document of the archive); the facet table merges them and hits show
        the second. The base facet keeps every value as the record has it."""
        return {}

    def renamed(self, values, names: dict[str, str]):
        """A record's values of this facet (``record_key``'s) under their archive names."""
        out: list = []
        for v in values:
            v = names.get(v, v)
            if v not in out:
                out.append(v)
        return out

    # --- counting and rendering

    def order(self, counts: Counter) -> list[tuple[str, int]]:
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

    def label(self, value: str) -> str:
        return value

    def parent(self, value: str) -> str | None:
        """The value the sidebar nests this one under."""
        return None

    def notes(self, hits) -> dict[str, str]:
        """value -> a note the sidebar shows beside it, from the hits shown."""
        return {}

    def cell(self, values) -> str:
        """A CSV cell."""
        return ";".join(values)

    def text(self, values) -> str:
        """A line of text output."""
        return ", ".join(values)


class GroupFacet(Facet):
    """Groups through the alias table (ISIL, Daesh); a filter includes affiliates unless
    ``--exact-group``, through a second field holding each page's groups and their parents."""

    def schema_fields(self) -> dict:
        from whoosh.fields import KEYWORD

        return {self.field: KEYWORD(stored=True, commas=True, scorable=True),  # facet: the tags as found
                "group_any": KEYWORD(commas=True, scorable=True)}  # filter: tags plus their parents

    def index_fields(self, record) -> dict[str, str]:
        from .derive import tagging

        return {self.field: joined(record.groups), "group_any": joined(tagging.expand_groups(record.groups))}

    def click_options(self) -> list:
        import click

        return super().click_options() + [
            click.Option(["--exact-group"], is_flag=True, help="--group matches only that group, not its affiliates.")]

    def resolve(self, values, searcher) -> list[str]:
        table = aliases.groups()

        def unknown(v: str) -> tuple[str, list[str]]:
            hint = list(table.suggestions(v)) or sorted(table.by_name)[:8]
            return f"Unknown group {v!r}. Did you mean: {', '.join(hint)}?", hint

        return resolved(values, table.resolve, unknown, self.name)

    def filter_key(self, request) -> str | None:
        return self.name if request.exact_group else "group_any"

    def filter_fields(self) -> dict[str, str]:
        return {self.name: self.field, "group_any": "group_any"}

    def table_values(self, key: str, values: list[str]) -> list[str]:
        if key != "group_any":
            return values
        table = aliases.groups()  # a group and its affiliates
        return [v for g in values for v in (g, *table.descendants(g))]

    def canonical(self, value: str) -> str:
        return aliases.groups().resolve(value) or value

    display = canonical

    def label(self, value: str) -> str:
        group = aliases.groups().by_name.get(value)
        return f"{value} ({group.parent})" if group and group.parent else value

    def parent(self, value: str) -> str | None:
        group = aliases.groups().by_name.get(value)
        return group.parent if group and group.parent != value else None


class CountryFacet(Facet):
    """Countries through the alias table: a name, demonym, capital or ISO code."""

    def resolve(self, values, searcher) -> list[str]:
        table = aliases.countries()

        def unknown(v: str) -> tuple[str, list[str]]:
            hint = list(table.suggestions(v))
            return (f"Unknown country {v!r}. Did you mean: "
                    f"{', '.join(hint) or 'a country name, demonym, capital or ISO code'}?"), hint

        return [table.name(code) for code in resolved(values, table.resolve, unknown, self.name)]

    def canonical(self, value: str) -> str:
        table = aliases.countries()
        code = table.resolve(value)
        return table.name(code) if code else value

    display = canonical


_NAME_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}


def surname(name: str) -> str:
    """A person's folded surname: the last word of the name that is not a suffix
    ("Martin Luther King Jr." -> "king")."""
    tokens = aliases.fold(name).split()
    while len(tokens) > 1 and tokens[-1] in _NAME_SUFFIXES:
        tokens.pop()
    return tokens[-1] if tokens else ""


def _get(off, key: str):
    """An official's field, from a tagging.Official or a stored record's dict."""
    return off.get(key) if isinstance(off, dict) else getattr(off, key, None)


def official_keys(officials) -> list[str]:
    """What an official filter matches: each official's full name, surname, role and, where the text
    says whose it is, organisation and role ("taliban spokesman"), all folded."""
    keys: list[str] = []
    for off in officials:
        name, role, organisation = _get(off, "name"), _get(off, "role"), _get(off, "organisation")
        for k in (aliases.fold(name), surname(name), aliases.fold(role) if role else "",
                  aliases.fold(f"{organisation} {role}") if role and organisation else ""):
            if k and k not in keys:
                keys.append(k)
    return keys


def whose_role(off: dict) -> str | None:
    """An official's role with whose it is, as shown: "Taliban Spokesman", "President"."""
    role = off.get("role")
    return f"{off['organisation']} {role}" if role and off.get("organisation") else role


class OfficialFacet(Facet):
    """Officials: counted by full name; a filter matches a name, surname, role or organisation and
    role, so only Whoosh answers it (a second field of folded keys). Records carry them as {name,
    role, country, organisation}.

    Across the archive a surname alone ("Obama", from "President Obama") is the one full name with
    that surname ("Barack Obama") when the archive has exactly one; with two ("George W. Bush",
    "Jeb Bush") it stays as it is. This is decided over the facet table of each index generation
    (``archive_names``), so a later batch that brings the full name, or a second one, changes it
    without re-indexing a page."""

    def schema_fields(self) -> dict:
        from whoosh.fields import KEYWORD

        return {self.field: KEYWORD(stored=True, commas=True),  # facet: full names
                "official_keys": KEYWORD(commas=True, lowercase=True)}  # filter: name, surname, role (folded)

    def index_fields(self, record) -> dict[str, str]:
        return {self.field: joined(o.name for o in record.officials),
                "official_keys": joined(official_keys(record.officials))}

    def stored(self, fields: dict):
        import json

        return json.loads(fields.get("record") or "{}").get("officials", [])

    def resolve(self, values, searcher) -> list[str]:
        known = [_text(t) for t in searcher.lexicon("official_keys")]
        known_set = set(known)

        def unknown(v: str) -> tuple[str, list[str]]:
            hint = difflib.get_close_matches(aliases.fold(v), known, n=5, cutoff=0.6)
            return (f"Unknown official {v!r}: no document names this person or role."
                    + (f" Did you mean: {', '.join(hint)}?" if hint else "")), hint

        return resolved(values, lambda v: aliases.fold(v) if aliases.fold(v) in known_set else None, unknown,
                        self.name)

    def filter_key(self, request) -> str | None:
        return None

    def archive_filter(self, resolved: list[str], names: dict[str, str]) -> list[str]:
        """A full name also matches the pages that give only the surname the archive reads as it
        ("barack obama": the pages of "Obama" too). That surname's key matches no other person:
        the archive has no second full name with it, or it would not be renamed."""
        out = list(resolved)
        for alias, full in names.items():
            if aliases.fold(full) in resolved and aliases.fold(alias) not in out:
                out.append(aliases.fold(alias))
        return out

    def archive_names(self, values: dict[str, list[int]]) -> dict[str, str]:
        full: dict[str, list[str]] = {}  # surname -> the live names of two or more words ending with it
        alone: list[str] = []
        for name, docs in values.items():
            if not docs:
                continue  # only on deleted documents
            if len(aliases.fold(name).split()) > 1:
                full.setdefault(surname(name), []).append(name)
            else:
                alone.append(name)
        out: dict[str, str] = {}
        for name in alone:
            candidates = full.get(surname(name), [])
            if len(candidates) == 1:
                out[name] = candidates[0]
        return out

    def renamed(self, values, names: dict[str, str]):
        out: list[dict] = []
        for o in values:
            o = {**o, "name": names.get(o.get("name"), o.get("name"))}
            if all(k["name"] != o["name"] for k in out):
                out.append(o)
        return out

    def echo(self, resolved: list[str], typed, known) -> list[str]:
        """Each full name a name or surname filter matches ("biden": Joe Biden); a role as typed."""
        out: list[str] = []
        for key, raw in zip(resolved, typed):
            names = sorted(n for n in known if known[n] and (key == aliases.fold(n) or surname(n) == key))
            out += [n for n in names or [raw] if n not in out]
        return out

    def whoosh_filter(self, values: list[str]):
        from whoosh import query as wq

        return wq.Or([wq.Term("official_keys", k) for k in values])

    def notes(self, hits) -> dict[str, str]:
        roles: dict[str, Counter] = {}
        for hit in hits:
            for o in hit.officials:
                if o.get("role"):
                    roles.setdefault(o["name"], Counter())[whose_role(o)] += 1
        return {name: counts.most_common(1)[0][0] for name, counts in roles.items()}

    def cell(self, values) -> str:
        return ";".join(o["name"] for o in values)

    def text(self, values) -> str:
        return "; ".join(o["name"] + (f" ({whose_role(o)})" if o.get("role") else "") for o in values)


def archive_names(record: dict, names: dict[str, dict[str, str]], evidence: bool = True) -> dict:
    """A catalogue record (``records.catalogue``) as the archive names its values (``names``: facet
    -> ``Facet.archive_names``, from the facet table): a copy when anything changes, the evidence
    included (unless ``evidence`` is False: a hit does not show it), so the document page still
    finds each value's sentences."""
    if not names:
        return record
    out = record
    for facet in FACETS:
        renames = names.get(facet.name)
        values = record.get(facet.record_key) if renames and facet.record_key else None
        if not values:
            continue
        renamed = facet.renamed(values, renames)
        if renamed == values:
            continue  # most records name no value the archive renames: no copy (a warm query's hits)
        if out is record:
            out = dict(record)
        out[facet.record_key] = renamed
        if evidence and out.get("evidence"):
            out["evidence"] = [{**e, "value": renames.get(e.get("value"), e.get("value"))}
                               if e.get("field") == facet.name else e for e in out["evidence"]]
    return out


class YearFacet(Facet):
    """The publication year: a timeline, newest first; selected through the date range."""

    def schema_fields(self) -> dict:
        from whoosh.fields import ID

        return {self.field: ID(stored=True)}

    def index_fields(self, record) -> dict[str, str]:
        return {self.field: (record.published or "")[:4]}

    def order(self, counts: Counter) -> list[tuple[str, int]]:
        return sorted(counts.items(), key=lambda kv: kv[0], reverse=True)

    period = True


CRAWL_DAY = "crawl_day"  # the index field of a web archive record's crawl day (--crawled-from, --crawled-to)


class CrawlYearFacet(Facet):
    """The year a web archive's record was crawled (its ISO crawl date), newest first; its day
    (``CRAWL_DAY``, UTC) is indexed too, for crawl date ranges (the facet table's ``crawl_days``)."""

    def schema_fields(self) -> dict:
        from whoosh.fields import ID

        return {**super().schema_fields(), CRAWL_DAY: ID()}

    def index_fields(self, record) -> dict[str, str]:
        date = _crawled(record).get("crawl_date") or ""
        return {**super().index_fields(record), CRAWL_DAY: date[:10] if date[:4].isdigit() else ""}

    def order(self, counts: Counter) -> list[tuple[str, int]]:
        return sorted(counts.items(), key=lambda kv: kv[0], reverse=True)


class LanguageFacet(Facet):
    """The page's language as an ISO 639-1 code (``fr``), or ``und`` where it could not be told
    (derive/language.py); labelled with its English name from CLDR (data/languages.csv). A filter value is a
    code or a language's name in English or in itself (``French``, ``français``). One value per
    page: a record, a hit and a CSV cell hold the code itself, not a list."""

    def resolve(self, values, searcher) -> list[str]:
        from .derive import language

        if self.field not in searcher.schema:
            raise UnknownFacetValue(f"This index was built before searchlib detected languages, so no page has one: "
                                    f"rebuild it (searchlib index --rebuild ROOT...) to filter by {self.flag}")
        known = [_text(t) for t in searcher.lexicon(self.field)]
        by_name: dict[str, str] = {}
        for code in known:
            names = [code, language.name(code), language.autonym(code) or code]
            for n in names:
                by_name.setdefault(aliases.fold(n), code)

        def unknown(v: str) -> tuple[str, list[str]]:
            shown = ", ".join(f"{c} ({language.name(c)})" for c in sorted(known)) or "none"
            return (f"Unknown language {v!r}: no document is in this language. Languages in this index: {shown}.",
                    sorted(known))

        return resolved(values, lambda v: by_name.get(aliases.fold(v)), unknown, self.name)

    def index_fields(self, record) -> dict[str, str]:
        return {self.field: getattr(record, "language", None) or ""}

    def stored(self, fields: dict):
        return fields.get(self.field) or None

    def label(self, value: str) -> str:
        from .derive import language

        return language.name(value)

    display = label

    def cell(self, values) -> str:
        return values or ""

    def text(self, values) -> str:
        return self.label(values) if values else ""


def _crawled(record) -> dict:
    origin = getattr(record, "origin", None) or {}
    return origin if origin.get("kind") == "warc" else {}


def url_host(url: str) -> str:
    """A URL's host (``news.example``, without ``www.``), or ""."""
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url or "").hostname or ""
    except ValueError:
        host = ""
    return host[4:] if host.startswith("www.") else host


def origin_host(record) -> list[str]:
    """The host of a web archive record's URL (``news.example``, without ``www.``), or none."""
    host = url_host(_crawled(record).get("url") or "")
    return [host] if host else []


def registered_domain(host: str) -> str:
    """A host's registered domain by the public suffix list (``news.bbc.co.uk`` -> ``bbc.co.uk``):
    the host itself when the list cannot tell (an address, ``localhost``, a suffix it does not
    know such as ``.example``) or the ``tld`` package is missing."""
    try:
        from tld import get_fld
    except ImportError:
        return host
    try:
        return get_fld(host, fix_protocol=True, fail_silently=True) or host
    except Exception:  # tld raises assorted errors on odd hosts; the host is then the best answer
        return host


def origin_domain(record) -> list[str]:
    """The registered domain of a web archive record's URL (``bbc.co.uk``), or none."""
    return [registered_domain(host) for host in origin_host(record)]


def crawl_year(record) -> list[str]:
    date = _crawled(record).get("crawl_date") or ""
    return [date[:4]] if date[:4].isdigit() else []


FACETS: list[Facet] = [
    GroupFacet("group", "groups", lambda r: r.groups, option="groups", title="Groups", record_key="groups", hit=True,
               help="Group name or alias (ISIL, Daesh, ISKP); repeatable. Includes affiliates."),
    CountryFacet("country", "countries", lambda r: r.countries, option="countries", title="Countries",
                 record_key="countries", hit=True, help="Country name, demonym, capital or ISO code; repeatable."),
    OfficialFacet("official", "officials", lambda r: r.officials, option="officials", title="Officials",
                  record_key="officials", hit=True, help="Official's name, surname or role; repeatable."),
    Facet("source", "source", lambda r: [r.site] if r.site else origin_host(r), option="sources", title="Sources",
          record_key="source", column=False, stats=False, missing="no document names this outlet",
          help="Outlet (site) name, where pages state it (else a crawled page's host); repeatable."),
    Facet("host", "host", origin_host, option="hosts", title="Hosts", column=False, stats=False,
          missing="no crawled page comes from this host",
          help="Host of a crawled page's URL (web archives), without www.; repeatable."),
    Facet("domain", "domain", origin_domain, option="domains", title="Domains", column=False, stats=False,
          missing="no crawled page comes from this domain",
          help="Registered domain of a crawled page's URL (web archives): bbc.co.uk covers www.bbc.co.uk and "
               "news.bbc.co.uk; repeatable."),
    CrawlYearFacet("crawled", "crawled", crawl_year, option="crawled", title="Crawl years", column=False,
                   stats=False, missing="no web archive record was crawled in this year",
                   help="Year a web archive record was crawled (2024); repeatable."),
    LanguageFacet("language", "language", lambda r: [r.language] if getattr(r, "language", None) else [],
                  option="languages", title="Languages", record_key="language", hit=True,
                  missing="no document is in this language",
                  help="Language of the page: ISO 639-1 code (fr, ar) or name (French), und for pages too short to "
                       "tell; repeatable."),
    YearFacet("year", "year", lambda r: [(r.published or "")[:4]], title="Years", column=False, stats=False),
]


# ----------------------------------------------------------------------------- the registry

def register(facet: Facet) -> Facet:
    """Add a facet; an index built afterwards has its field, and every front-end shows it.

    Raises:
        BadValue: a facet of that name, option or index field is registered already.
    """
    for other in FACETS:
        if facet.name == other.name or (facet.option and facet.option == other.option) or \
                facet.field in other.schema_fields():
            raise BadValue(f"A facet named {facet.name!r} (option {facet.option!r}, field {facet.field!r}) "
                           f"clashes with the registered facet {other.name!r}")
    FACETS.append(facet)
    return facet


def unregister(name: str) -> None:
    FACETS[:] = [f for f in FACETS if f.name != name]


def get(name: str) -> Facet:
    """Raises KeyError for a name no facet has."""
    for facet in FACETS:
        if facet.name == name:
            return facet
    raise KeyError(name)


def names() -> list[str]:
    return [f.name for f in FACETS]


def filters() -> list[Facet]:
    """The facets a search can filter by, in registry order."""
    return [f for f in FACETS if f.option]


def by_option(option: str) -> Facet | None:
    return next((f for f in FACETS if f.option and f.option == option), None)


def for_key(key: str) -> Facet:
    """The facet of a filter key (``Facet.filter_key``)."""
    return next(f for f in FACETS if key in f.filter_fields())


def schema_fields() -> dict:
    """Every facet's index fields, for the schema."""
    out: dict = {}
    for facet in FACETS:
        out.update(facet.schema_fields())
    return out


def index_fields(record) -> dict[str, str]:
    """A record's Whoosh fields for every facet."""
    out: dict[str, str] = {}
    for facet in FACETS:
        out.update(facet.index_fields(record))
    return out


def add_to_record(record: dict, fields: dict) -> dict:
    """A stored record (read back from ``fields``) with the values of every facet it has no key for
    yet: a registered facet shows in ``show``, ``export`` and the web view's document page."""
    for facet in FACETS:
        if facet.record_key and facet.record_key not in record:
            record[facet.record_key] = facet.stored(fields)
    return record


def columns() -> list[Facet]:
    """The facets that are CSV columns of ``export`` (in this order)."""
    return [f for f in FACETS if f.column and f.record_key]


def on_hits() -> list[Facet]:
    """The facets each hit carries (``searching.Hit``)."""
    return [f for f in FACETS if f.hit and f.record_key]
