"""Alias tables: militant groups, countries and office titles, loaded from ``data/*.csv``.

Used by tagging (to find mentions in text) and by searching (to resolve filter values such as
``--country Afghan`` or ``--group ISIL``), so that a filter value and a tag always agree.
Nothing here reads documents; the tables are loaded once per process and cached.
"""

from __future__ import annotations

import csv
import difflib
import functools
import os
import re
import unicodedata
from dataclasses import dataclass

_APOSTROPHES = "'\u2019\u2018`\u00b4\u02bc"
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2212"


_NOT_WORD = re.compile(r"[^\w& ]+")
_SPACES = re.compile(r"\s+")
_TO_DROP = str.maketrans("", "", _APOSTROPHES + "\u0640")  # and the Arabic tatweel (داعـش is داعش)
_TO_SPACE = str.maketrans({ch: " " for ch in _DASHES + "_./"})


@functools.lru_cache(maxsize=1 << 16)  # tagging folds the same names and aliases over and over
def fold(text: str) -> str:
    """Lower-case, strip accents, unify apostrophes/dashes/spaces: the key used for lookups."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.translate(_TO_DROP).translate(_TO_SPACE)
    text = _NOT_WORD.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    if text.startswith("the "):
        text = text[4:]
    return text


def data_path(name: str) -> str:
    """A file of searchlib/derive/data (plain files in every install; importlib.resources costs 20 ms to import)."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", name)


def _rows(name: str):
    with open(data_path(name), encoding="utf-8") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.lstrip().startswith("#")]
    return list(csv.DictReader(lines))


@dataclass(frozen=True)
class Group:
    canonical: str
    parent: str | None
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class LanguageAlias:
    """A row of group_aliases.csv: a form written in one language, with its matching note."""
    canonical: str
    language: str
    alias: str
    note: str


UNKNOWN_LANGUAGES = (None, "", "und")


def applies(row_language: str | None, page_language: str | None) -> bool:
    """A language's alias row applies to pages in that language and to pages of unknown language."""
    return not row_language or page_language in UNKNOWN_LANGUAGES or row_language == page_language


@dataclass(frozen=True)
class Country:
    code: str
    name: str


class Groups:
    """The group table: canonical names, parents, aliases."""

    def __init__(self) -> None:
        self.by_name: dict[str, Group] = {}
        self.alias_to_canonical: dict[str, str] = {}
        for row in _rows("groups.csv"):
            canonical = row["canonical"].strip()
            aliases = tuple(a.strip() for a in (row["aliases"] or "").split("|") if a.strip())
            group = Group(canonical, (row["parent"] or "").strip() or None, (canonical,) + aliases)
            self.by_name[canonical] = group
        self.language_aliases: list[LanguageAlias] = []
        for row in _rows("group_aliases.csv"):
            canonical = row["canonical"].strip()
            if canonical not in self.by_name:
                raise ValueError(f"group_aliases.csv: unknown group {canonical!r}")
            self.language_aliases.append(LanguageAlias(canonical, row["language"].strip(), row["alias"].strip(),
                                                       (row["note"] or "").strip()))
        for group in self.by_name.values():
            for alias in group.aliases:
                self.alias_to_canonical.setdefault(fold(alias), group.canonical)
        # a filter value in any language resolves too: --group Daech, --group داعش
        for row in self.language_aliases:
            self.alias_to_canonical.setdefault(fold(row.alias), row.canonical)
        # The canonical names themselves always win over another group's alias.
        for group in self.by_name.values():
            self.alias_to_canonical[fold(group.canonical)] = group.canonical

    def resolve(self, value: str) -> str | None:
        """Canonical group name for an alias in any case (``isil`` -> ``Islamic State``)."""
        return self.alias_to_canonical.get(fold(value))

    def ancestors(self, canonical: str) -> list[str]:
        out: list[str] = []
        parent = self.by_name[canonical].parent if canonical in self.by_name else None
        while parent and parent not in out:
            out.append(parent)
            parent = self.by_name[parent].parent if parent in self.by_name else None
        return out

    def descendants(self, canonical: str) -> list[str]:
        return [g for g in self.by_name if canonical in self.ancestors(g)]

    def suggestions(self, value: str, n: int = 5) -> list[str]:
        return list(self._suggestions(value, n))

    @functools.lru_cache(maxsize=512)  # difflib over every language's aliases: ms a call; one table
    def _suggestions(self, value: str, n: int) -> tuple[str, ...]:
        return tuple(_closest(value, {**{fold(g): g for g in self.by_name}, **self.alias_to_canonical}, n))


class Countries:
    """The country table: ISO code, display name, and every alias (names, demonyms, capitals).

    The other languages' rows (``language_aliases``) are read on first use: a fresh ``search
    --country Iraq`` needs only the English table, and the CLDR rows were two thirds of its cost."""

    def __init__(self) -> None:
        self.by_code: dict[str, Country] = {}
        self.aliases: list[tuple[str, str, str]] = []  # (surface form, code, kind)
        self._english: dict[str, str] = {}
        for row in _rows("countries.csv"):
            code, name = row["code"].strip(), row["name"].strip()
            self.by_code.setdefault(code, Country(code, name))
            self.aliases.append((row["alias"].strip(), code, row["kind"].strip()))
        for country in self.by_code.values():
            self._english[fold(country.name)] = country.code
        for alias, code, _kind in self.aliases:
            self._english.setdefault(fold(alias), code)
        self.name_to_code = {c.name: c.code for c in self.by_code.values()}

    @functools.cached_property
    def language_aliases(self) -> list[tuple[str, str, str, str]]:
        """(surface form, code, kind, language): names, demonyms and capitals in other languages
        (generated from CLDR plus hand rows)."""
        return [(row["alias"].strip(), row["code"].strip(), row["kind"].strip(), row["language"].strip())
                for row in _rows("countries_i18n.csv")]

    @functools.cached_property
    def alias_to_code(self) -> dict[str, str]:
        """Folded alias -> ISO code, in every language; English first where two tables disagree."""
        out = dict(self._english)
        for alias, code, _kind, _language in self.language_aliases:
            out.setdefault(fold(alias), code)
        return out

    def resolve(self, value: str) -> str | None:
        """ISO code for a name, alias, demonym, capital or ISO code (``AF``, ``Afghan``, ``Irak``)."""
        value = value.strip()
        if re.fullmatch(r"[A-Za-z]{2}", value) and value.upper() in self.by_code:
            return value.upper()
        key = fold(value)
        return self._english.get(key) or self.alias_to_code.get(key)

    def name(self, code: str) -> str:
        return self.by_code[code].name if code in self.by_code else code

    def suggestions(self, value: str, n: int = 5) -> list[str]:
        return [self.name(c) for c in _closest(value, self.alias_to_code, n * 3)][:n]


@dataclass(frozen=True)
class Role:
    title: str
    kind: str
    language: str = "en"


@dataclass(frozen=True)
class Inflection:
    language: str
    kind: str  # suffix | prefix | replace_start
    match: tuple[str, ...]
    forms: tuple[str, ...]
    to: str  # all | demonym


@functools.lru_cache(maxsize=None)
def inflections() -> tuple[Inflection, ...]:
    """The declension and proclitic rules of data/inflections.csv."""
    return tuple(Inflection(r["language"].strip(), r["kind"].strip(), tuple((r["match"] or "").split("|")),
                            tuple(f for f in (r["forms"] or "").split("|") if f), (r["to"] or "all").strip())
                 for r in _rows("inflections.csv"))


def surface_forms(alias: str, language: str | None, kind: str | None = None) -> list[str]:
    """``alias`` and the forms it takes in ``language`` by the suffix and replace_start rules of
    data/inflections.csv (Сирия -> Сирии, Сирию, ...; العراق -> للعراق). ``kind``: the country
    alias kind ("demonym" rows also take the adjective rules)."""
    out = [alias]
    if not language:
        return out
    suffix_rules = [r for r in inflections() if r.language == language and r.kind == "suffix"
                    and (r.to == "all" or r.to == kind)]
    all_caps = any(c.isupper() for c in alias) and not any(c.islower() for c in alias)
    if " " not in alias and not all_caps:
        best = max(((len(e), e, r) for r in suffix_rules for e in r.match if e and alias.endswith(e)
                    and len(alias) > len(e) + 1), default=None, key=lambda x: x[0])
        if best:
            _n, ending, rule = best
            out += [alias + f[1:] if f.startswith("+") else alias[: -len(ending)] + f for f in rule.forms]
    for r in inflections():
        if r.language == language and r.kind == "replace_start":
            for start in r.match:
                if start and alias.startswith(start):
                    out += [f + alias[len(start):] for f in r.forms]
    return list(dict.fromkeys(out))


@functools.lru_cache(maxsize=None)
def proclitics(language: str | None) -> tuple[str, ...]:
    """Prefixes that may be glued in front of a name in ``language`` (all languages' when unknown)."""
    return tuple(sorted({f for r in inflections() if r.kind == "prefix" and applies(r.language, language)
                         for f in r.forms}, key=lambda f: (-len(f), f)))


def _closest(value: str, table: dict[str, str], n: int) -> list[str]:
    """Closest known values (by their folded keys) to a typo, deduplicated, best first."""
    keys = difflib.get_close_matches(fold(value), list(table), n=n * 3, cutoff=0.6)
    out: list[str] = []
    for key in keys:
        if table[key] not in out:
            out.append(table[key])
    return out[:n]


@functools.lru_cache(maxsize=None)
def groups() -> Groups:
    return Groups()


@functools.lru_cache(maxsize=None)
def countries() -> Countries:
    return Countries()


@functools.lru_cache(maxsize=None)
def roles() -> tuple[Role, ...]:
    return tuple(Role(r["role"].strip(), r["kind"].strip(), (r.get("language") or "en").strip() or "en")
                 for r in _rows("roles.csv"))
