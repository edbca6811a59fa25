"""Tag: Article -> Tags(groups, countries, officials, dates, evidence).

Reads only the cleaned title and body (never boilerplate), with the alias tables of
``aliases.py``: militant groups (canonical name; parents are added at index time), countries
(by name, short form, demonym, capital or metonym), officials (name + role + country, from
title patterns and appositions) and absolute dates. Each tag keeps the sentence it came from.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from . import aliases, dating
from .cleaning import Article
from ..settings import MAX_TAGGED_CHARS


@dataclass(frozen=True)
class Official:
    name: str
    role: str | None
    country: str | None
    # whose the role is, when the text says: a group of groups.csv ("Taliban") or a body of
    # data/organisations.csv ("Pentagon", "UN"); a country stays in ``country``
    organisation: str | None = None

    def as_dict(self) -> dict:
        return {"name": self.name, "role": self.role, "country": self.country, "organisation": self.organisation}


@dataclass(frozen=True)
class Evidence:
    field: str  # "group" | "country" | "official" | "date"
    value: str
    sentence: str


@dataclass(frozen=True)
class Tags:
    groups: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()  # display names ("United States")
    officials: tuple[Official, ...] = ()
    dates: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = field(default=(), compare=False)


# ----------------------------------------------------------------------------- alias matching

_SEP = r"[\s\-\u2010\u2011\u2013]?"
_APOS = r"['\u2019]?"
_HARAKAT = "[\u064b-\u0652\u0670\u0640]*"


def _alias_atoms(alias: str, lower: bool = False) -> list[str]:
    out = []
    for ch in alias:
        if ch in " -":
            out.append(_SEP)
        elif ch in "'\u2019":
            out.append(_APOS)
        elif "\u0621" <= ch <= "\u064a":  # an Arabic letter may carry vowel marks or a tatweel: داعـش, الدَّولة
            out.append(re.escape(ch) + _HARAKAT)
        else:
            out.append(re.escape(ch.lower() if lower else ch))
    return out


def _trie_regex(sequences: list[list[str]]) -> str:
    """One regex for many aliases, factored as a trie ("Af(?:ghan(?:istan|s)?|rica)"): Python's
    engine tries a flat alternation of 2,000 names one by one at every position, a trie once."""
    trie: dict = {}
    for atoms in sequences:
        node = trie
        for atom in atoms:
            node = node.setdefault(atom, {})
        node[""] = {}

    def build(node: dict) -> str:
        alternatives = [atom + build(child) for atom, child in sorted(node.items()) if atom]
        if not alternatives:
            return ""
        body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
        return f"(?:{body})?" if "" in node else body  # greedy: the longer alias wins

    return build(trie)


@functools.lru_cache(maxsize=None)  # one answer per alias
def _exact_case(alias: str) -> bool:
    """Acronyms match with their exact case: IS, ISKP, IS-K, LeT (never "is", "Isis", "Let")."""
    letters = [c for c in alias if c.isalpha()]
    # a script without case (Arabic) has no acronyms to protect: داعش is matched as a name
    return " " not in alias and any(c.isupper() for c in letters) and \
        (not any(c.islower() for c in letters) or sum(c.isupper() for c in letters) >= 2)


def _caps_ok(alias: str, matched: str) -> bool:
    """Every capitalised word of the alias is capitalised in the text ("an Islamic state" is not IS)."""
    a_words = re.findall(r"[^\W\d_]+", alias)
    m_words = re.findall(r"[^\W\d_]+", matched)
    if len(a_words) != len(m_words):
        return matched[:1].isupper() or not alias[:1].isupper()
    return all(not a[0].isupper() or m[0].isupper() for a, m in zip(a_words, m_words))


class _Matcher:
    """One regex over many aliases: longest alias first, whole words only."""

    def __init__(self, entries: list[tuple[str, str]], case_insensitive_names: bool,
                 prefixes: tuple[str, ...] = ()) -> None:
        self.by_key: dict[str, list[tuple[str, str]]] = {}
        exact, folded = [], []
        for alias, value in sorted(set(entries), key=lambda e: (-len(e[0]), e[0])):
            self.by_key.setdefault(aliases.fold(alias), []).append((alias, value))
            if case_insensitive_names and not _exact_case(alias):
                folded.append(_alias_atoms(alias, lower=True))
            else:
                exact.append(_alias_atoms(alias))
        parts = []
        if folded:  # names first: "ISIS Mozambique" before the acronym "ISIS"
            parts.append(f"(?i:{_trie_regex(folded)})")
        if exact:
            parts.append(_trie_regex(exact))
        # proclitics glued in front of a name (Arabic و ب ل ال: والقاعدة, بالعراق), never part of the alias
        # (a one-character class first, so that the alternation is tried only before its letters)
        pre = ("(?=[" + "".join(sorted({re.escape(p[0]) for p in prefixes})) + "])(?:"
               + "|".join(map(re.escape, prefixes)) + r")(?=\w)") if prefixes else ""
        self.regex = re.compile(rf"(?<![\w\-\u2010\u2011])(?:{pre})?(?P<a>" + "|".join(parts) + r")(?![\w])") \
            if parts and pre else \
            re.compile(r"(?<![\w\-\u2010\u2011])(?P<a>" + "|".join(parts) + r")(?![\w])") if parts else None

    def find(self, text: str):
        """Yield (value, start, end, alias) for each mention."""
        if self.regex is None:
            return
        for m in self.regex.finditer(text):
            matched = m.group("a")
            for alias, value in self.by_key.get(aliases.fold(matched), ()):
                if _exact_case(alias):
                    if matched != alias and matched.replace("\u2010", "-") != alias:
                        continue
                elif not _caps_ok(alias, matched):
                    continue
                yield value, m.start("a"), m.end("a"), alias
                break


@functools.lru_cache(maxsize=None)
def _group_table(language: str | None) -> tuple[_Matcher, dict[str, str]]:
    """The group matcher for a page language and the notes ("context", "not_after:...") of its forms:
    the language-neutral aliases of groups.csv plus the rows of group_aliases.csv that apply."""
    table = aliases.groups()
    entries = [(alias, g.canonical) for g in table.by_name.values() for alias in g.aliases]
    notes: dict[str, str] = {}
    for row in table.language_aliases:
        if aliases.applies(row.language, language):
            for form in aliases.surface_forms(row.alias, row.language):
                entries.append((form, row.canonical))
                if row.note:
                    notes[form] = row.note
    return _Matcher(entries, case_insensitive_names=True, prefixes=aliases.proclitics(language)), notes


def _group_matcher(language: str | None = None) -> _Matcher:
    return _group_table(language)[0]


@functools.lru_cache(maxsize=None)
def _country_matcher(language: str | None = None) -> _Matcher:
    table = aliases.countries()
    entries = []
    for alias, code, kind in table.aliases:
        entries.append((alias, code))
        if kind in ("name", "capital", "city", "short") and len(alias) >= 4 and alias.upper() != alias:
            entries.append((alias.upper(), code))  # datelines: "KABUL, Aug 27 -"
    for alias, code, kind, row_language in table.language_aliases:
        if aliases.applies(row_language, language):
            for form in aliases.surface_forms(alias, row_language, kind):
                entries.append((form, code))
                if form[:1].islower():  # "сирийская армия", and "Сирийская армия" at a sentence start
                    entries.append((form[:1].upper() + form[1:], code))
    return _Matcher(entries, case_insensitive_names=False, prefixes=aliases.proclitics(language))


@functools.lru_cache(maxsize=None)
def _place_phrases(language: str | None = None) -> _Matcher:
    """Phrases that contain a country alias but are not (or are another) country: "Washington Post"."""
    rows = aliases._rows("place_phrases.csv")
    return _Matcher([(r["phrase"], r["code"] or "-") for r in rows], case_insensitive_names=False,
                    prefixes=aliases.proclitics(language))


# ----------------------------------------------------------------------------- sentences

# a sentence ends at . ! ? (then quotes, brackets, reference marks "[26]") before a capital or a digit
# (or a Cyrillic capital, or an Arabic letter: Arabic has no capitals; ؟ is its question mark)
_SENT_END = re.compile(r"(?<=[.!?\u061f])(?:['\"\u2019\u201d)\]\u00bb]|\[\d{1,3}\])*\s+"
                       r"(?=[\"'\u2018\u201c\u00ab(\[]?[A-Z0-9\u0410-\u042f\u0401\u0621-\u064a\u0130])|\n")
# ... but not after an abbreviation or an initial: "on Aug. 31", "said Gen. Smith", "John F. Kennedy"
_ABBREVIATION = re.compile(r"(?<![\w.])(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Gen|Col|Lt|Sgt|Capt|Maj|Adm|"
                           r"Mr|Mrs|Ms|Dr|St|Rep|Sen|Gov|Prof|No|Nos|Vol|vs|[A-Z])\.$")


def _sentence_ends(text: str, start: int, end: int):
    for m in _SENT_END.finditer(text, start, end):
        if m.group(0) == "\n" or not _ABBREVIATION.search(text, max(0, m.start() - 6), m.start()):
            yield m


def _sentence_at(text: str, pos: int) -> str:
    start = 0
    for m in _sentence_ends(text, 0, pos):
        start = m.end()
    m = next(_sentence_ends(text, pos, len(text)), None)
    end = m.start() if m else len(text)
    return text[start:end].strip()[:400]


def _mostly_upper(text: str, start: int, end: int) -> bool:
    """True inside an all-caps stretch, where "IS" may be the verb ("THE WAR IS OVER").

    Looks at the line around the mention, at most 200 characters each way (a 5 MB one-line page
    must not make every mention rescan the whole line)."""
    line_start = max(text.rfind("\n", max(0, start - 200), start) + 1, start - 200, 0)
    line_end = text.find("\n", end, end + 200)
    line = text[line_start: line_end if line_end != -1 else min(len(text), end + 200)]
    letters = [c for c in line if c.isalpha()]
    return len(letters) > 12 and sum(c.isupper() for c in letters) / len(letters) > 0.6


# ----------------------------------------------------------------------------- groups, countries

_WORD_BEFORE = re.compile(r"([^\W\d_]+)[^\w\n]{0,2}$")
_WORD_AFTER = re.compile(r"[^\w\n]{0,2}([^\W\d_]+)")
# Words that say a short acronym is a group even in capitals: "IS FIGHTERS SEIZE TOWN".
_GROUP_CUES = re.compile(r"(?i)\b(?:group|militants?|fighters?|jihadists?|jihadis|insurgents?|extremists?|"
                         r"terrorists?|caliphate|affiliates?)\b")


@functools.lru_cache(maxsize=None)
def _group_cues(language: str | None) -> re.Pattern[str]:
    """_GROUP_CUES plus the cue words of data/group_cues.csv for the page's language."""
    words = [r["word"].strip() for r in aliases._rows("group_cues.csv") if aliases.applies(r["language"].strip(), language)]
    extra = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(_GROUP_CUES.pattern + (rf"|(?i:(?<!\w)(?:{extra})(?!\w))" if extra else ""))


def _in_capitals(text: str, start: int, end: int) -> bool:
    """True when an all-caps word stands right before or after the mention, or the whole line is in
    capitals: there "IS" is the verb ("SO WHAT IS THE POINT", "He shouted: WHY IS IT LATE")."""
    if _mostly_upper(text, start, end):
        return True
    before = _WORD_BEFORE.search(text, max(0, start - 40), start)
    after = _WORD_AFTER.match(text, end, end + 40)
    return any(m and m.group(1).isupper() and len(m.group(1)) > 1 for m in (before, after))


@functools.lru_cache(maxsize=None)
def _note_rules(note: str) -> dict[str, tuple[str, ...]]:
    """A note of group_aliases.csv ("context;not_before:a|b") as {rule: words}."""
    out: dict[str, tuple[str, ...]] = {}
    for part in filter(None, (p.strip() for p in note.split(";"))):
        name, _, words = part.partition(":")
        out[name] = tuple(w.lower() for w in words.split("|") if w)
    return out


def _word_after(text: str, end: int) -> str:
    m = re.match(r"\s*([\w'\u2019]+)", text[end:end + 30])
    return m.group(1).lower() if m else ""


def _word_before(text: str, start: int) -> str:
    m = re.search(r"([\w'\u2019]+)\s*$", text[max(0, start - 30):start])
    return m.group(1).lower() if m else ""


def find_groups(text: str, language: str | None = None) -> list[tuple[str, int, int]]:
    """Group mentions. A short all-caps acronym (IS, ISK, IRA, ETA) counts outside capitals; in
    capitals only when its sentence says it is a group ("IS FIGHTERS SEIZE TOWN") or the page also
    names the group, or its parent, in full ("Islamic State", "Daesh"). A form noted "context"
    (French EI, Russian ИГ) needs that everywhere; "not_after:" forms not after those words.
    ``language``: the page's ISO 639-1 code; None or "und" applies every language's forms."""
    matcher, notes = _group_table(language)
    found = list(matcher.find(text))
    table = aliases.groups()
    rules = {alias: _note_rules(note) for alias, note in notes.items()}
    spelled = {g for canonical, _s, _e, alias in found
               if not _exact_case(alias) and "context" not in rules.get(alias, {})
               for g in [canonical, *table.ancestors(canonical)]}
    cues = _group_cues(language)
    out = []
    for canonical, start, end, alias in found:
        rule = rules.get(alias, {})
        named = canonical in spelled or bool(set(table.ancestors(canonical)) & spelled)
        if _word_before(text, start) in rule.get("not_after", ()):
            continue  # "un État islamique" (a concept), not the group
        if _word_after(text, end) in rule.get("not_before", ()):
            continue  # "القاعدة العسكرية" is a military base, not al-Qaeda
        if "context" in rule and not named and not cues.search(_sentence_at(text, start)):
            continue
        if len(alias) <= 4 and _exact_case(alias) and _in_capitals(text, start, end) \
                and not named and not cues.search(_sentence_at(text, start)):
            continue
        out.append((canonical, start, end))
    return out


@functools.lru_cache(maxsize=None)
def _ambiguous() -> dict[str, set[str]]:
    rules: dict[str, set[str]] = {}
    for row in aliases._rows("ambiguous_countries.csv"):
        rules.setdefault(row["alias"], set()).add(row["rule"])
    return rules


@functools.lru_cache(maxsize=None)
def _context_words() -> dict[str, re.Pattern[str]]:
    """The words of a "context" rule, one regex per alias: "Georgia" needs "Tbilisi", "Russia", ..."""
    words: dict[str, list[str]] = {}
    for row in aliases._rows("ambiguous_countries.csv"):
        if row["rule"] == "context":
            words.setdefault(row["alias"], []).extend(w.strip() for w in (row["context"] or "").split("|") if w.strip())
    return {alias: re.compile(r"(?i)(?<!\w)" + _trie_regex([_alias_atoms(w.lower(), lower=True) for w in ws]) + r"(?!\w)")
            for alias, ws in words.items()}


_US_STATE_CONTEXT = re.compile(r"\bAtlanta\b|\bGa\.|\bstate of Georgia\b|\bGeorgia (?:state|governor|senator|voters)\b")
_FOOD = re.compile(r"\s+(?:sandwich|dinner|breast|stuffing|roast|burger|leg|legs|bacon)\b", re.I)
_GIVEN_NAME_BEFORE = re.compile(r"\b([A-Z][a-z]+)\s+$")
_NOT_GIVEN = {"The", "In", "Of", "King", "Queen", "Southern", "Northern", "Eastern", "Western", "Central", "Hashemite",
              "Republic", "State", "Kingdom", "President", "From", "To", "And", "Neighbouring", "Neighboring", "Both",
              "Across", "Into", "Inside", "Outside", "Through", "Via", "With", "Near", "Visiting", "Unlike", "Like",
              "Only", "For", "On", "At", "By", "Where", "While", "Bordering", "Western-backed", "Tiny", "Landlocked"}


def _ambiguous_ok(alias: str, text: str, start: int, end: int) -> bool:
    rules = _ambiguous().get(alias)
    if not rules:
        return True
    if "context" in rules and not _context_words()[alias].search(text):
        return False
    if "us_state" in rules and _US_STATE_CONTEXT.search(text):
        return False
    if "food" in rules and _FOOD.match(text, end):
        return False
    if "person" in rules:
        m = _GIVEN_NAME_BEFORE.search(text[max(0, start - 30):start])
        if m and m.group(1) not in _NOT_GIVEN and not aliases.countries().resolve(m.group(1)):
            return False  # "Michael Jordan"
        after = text[end:end + 30]
        if re.match(r" [A-Z][a-z]+\b", after) and not re.match(r" (?:The|In|On|At|But|And|Is|Was|Has|River|Valley)\b", after):
            return False  # "Chad Smith said"
    return True


def find_countries(text: str, language: str | None = None) -> list[tuple[str, int, int]]:
    """Country mentions by name, demonym, capital or city, in English and in ``language`` (every
    language's forms when it is None or "und")."""
    masked = text
    extra = []
    for code, start, end, _alias in _place_phrases(language).find(text):
        masked = masked[:start] + " " * (end - start) + masked[end:]
        if code != "-":
            extra.append((code, start, end))
    found = [(code, s, e) for code, s, e, alias in _country_matcher(language).find(masked)
             if _ambiguous_ok(alias, masked, s, e)]
    return sorted(found + extra, key=lambda x: x[1])


# ----------------------------------------------------------------------------- officials

_PARTICLE = r"(?:al|el|as|ash|ad|bin|ibn|van|von|de|da|du|di|del|der|den|le|la)"
# "McKenzie", "DuVernay", "DeSantis", "LaGuardia", "Matiang'i" (never "Obama's")
# Letters of names in Latin (with Turkish ğ ı ş and Central European letters) and Cyrillic script.
_UP = "A-Z\u00c0-\u00d6\u00d8-\u00de\u0130\u015e\u011e\u0410-\u042f\u0401"
_LOW = "a-z\u00df-\u00f6\u00f8-\u00ff\u0100-\u017f\u0430-\u044f\u0451"
_NAME_TOKEN = (rf"(?:(?:{_PARTICLE}[\-\s])?(?:Mc|Mac|O['\u2019]|D[aeiu]|L[ae]|Van)?[{_UP}][{_LOW}]+"
               rf"(?:-[{_UP}]?[{_LOW}]+|['\u2019](?!s\b)[A-Za-z][a-z]*)*|[A-Z]\.)")
_NAME = rf"{_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{0,3}}"
_APPOSITION_ONLY_ROLES = {"official", "senior official", "police officer", "police official", "attorney"}
_LOWERCASE_ROLES = {"leader", "spokesman", "spokeswoman", "spokesperson", "counterpart", "commander",
                    "chief", "envoy", "head", "deputy leader", "military spokesman"}
# Capitalised words that end a name: a name never runs into these.
_NOT_NAME = set("""The This That These Those A An And But Or If In On At For From With By To Of As It Its He She They
We I His Her Their Our Mr Mrs Ms Dr Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February
March April May June July August September October November December Islamic State Department Ministry
Government Army Police Forces Force Council Office House Party Group Front Network Movement Province
Republic Kingdom Union Nations Command Agency Post Times News Minister Secretary President General
However Meanwhile Also Earlier Later Yesterday Today Tomorrow Instead Still Then Now There Here After Before When While
According Police Officials Security Authorities Despite Although Since During""".split())


@functools.lru_cache(maxsize=None)
def _role_regex() -> tuple[re.Pattern[str], dict[str, str]]:
    titles = sorted({r.title for r in aliases.roles()}, key=lambda t: (-len(t), t))
    canon = {t.lower(): t for t in titles}
    trie = _trie_regex([[r"\s+" if ch == " " else re.escape(ch.lower()) for ch in t] for t in titles])
    return re.compile(rf"(?i:(?<![\w-])(?:{trie})(?![\w-]))"), canon


_SUFFIXES = {"Jr", "Sr", "II", "III", "IV"}
_SENTENCE_CUT = re.compile(r"(?<=[^\WA-Z])[.!?]\s+(?=[A-Z\u0400-\u042f])")
# A name right before one of these is a place: "Khan Mohammad Baz district".
_PLACE_AFTER = re.compile(r"\s+(?:district|province|village|city|county|town|region|area|valley|airport|"
                          r"street|road|camp|market|bazaar|mosque|square|river|mountains?)\b", re.I)


@functools.lru_cache(maxsize=None)
def _organisation_words() -> frozenset[str]:
    """Words of companies, offices and regions (data/not_person_words.txt): never in a person's name."""
    with open(aliases.data_path("not_person_words.txt"), encoding="utf-8") as fh:
        return frozenset(ln.strip() for ln in fh if ln.strip() and not ln.startswith("#"))


def _clean_name(name: str) -> str | None:
    tokens = name.split()
    role_words = _role_words()
    while tokens and (tokens[0] in _NOT_NAME or tokens[0].lower().rstrip(".") in role_words):
        tokens = tokens[1:]
    if tokens and tokens[0] in _organisation_words():
        return None  # "General Electric", "President, Asia Pacific"
    cut = []
    for tok in tokens:
        if tok in _organisation_words():
            return None  # "Inspector General for Afghanistan Reconstruction", "Tony Blair Institute"
        if tok in _NOT_NAME:
            break
        cut.append(tok)
    if not cut or all(t.rstrip(".") in _SUFFIXES for t in cut):
        return None  # "King Jr." is Martin Luther King Jr., not a king named Jr
    candidate = " ".join(cut)
    if aliases.countries().resolve(candidate) or aliases.groups().resolve(candidate):
        return None
    if aliases.countries().resolve(cut[0]):
        return None  # "Afghan Taliban", "Syrian Democratic": a demonym does not start a name
    return candidate


@functools.lru_cache(maxsize=None)
def _role_languages() -> dict[str, str]:
    """Lower-cased title -> the language of its roles.csv row ("en" unless stated)."""
    return {r.title.lower(): r.language for r in aliases.roles()}


# one or two words (a demonym, or "de Francia", "России") between a title and a name
_FOREIGN_BETWEEN = re.compile(rf"\s+(?:(?:de|du|des|del|de la)\s+)?[{_UP}{_LOW}][{_LOW}]+")


@functools.lru_cache(maxsize=None)
def _role_words() -> frozenset[str]:
    """Single-word titles ("Gen", "President") that never start a name."""
    return frozenset(r.title.lower().rstrip(".") for r in aliases.roles() if " " not in r.title)


# A clause ends at punctuation; a full stop only before a space and not after an initial, so
# "U.S. Secretary of State" and "U.N. envoy" stay one clause.
_CLAUSE_END = re.compile(r"[,;:!?()\"\u201c\u201d\n]|(?<!\b[A-Z])\.(?=\s)")


def _clause_before(text: str, start: int, width: int) -> str:
    """The clause that ends at ``start``, at most ``width`` characters of it."""
    return _CLAUSE_END.split(text[max(0, start - width):start])[-1]


def _adjacent_country(text: str, role_start: int) -> str | None:
    """Country named right before a title, in the same clause: "US Secretary", "U.S. Secretary",
    "British Foreign Secretary", "Pakistan's Ambassador", "Kenyan President"."""
    words = _clause_before(text, role_start, 60).split()[-3:]
    table = aliases.countries()
    for n in (2, 1):
        for i in range(len(words) - n, -1, -1):
            phrase = re.sub(r"['\u2019]s$", "", " ".join(words[i:i + n]))
            if phrase[:1].isupper():
                code = table.resolve(phrase) if not re.fullmatch(r"[A-Za-z]{2}", phrase) or phrase.isupper() else None
                if code:
                    return code
    return None


@functools.lru_cache(maxsize=None)
def _organisations() -> dict[str, str]:
    """Folded alias -> name of the bodies in data/organisations.csv."""
    table: dict[str, str] = {}
    for row in aliases._rows("organisations.csv"):
        for alias in row["aliases"].split("|"):
            table.setdefault(aliases.fold(alias), row["name"].strip())
    return table


def organisation_of(phrase: str) -> str | None:
    """The organisation a phrase names: a militant group (its canonical name) or a body of
    data/organisations.csv; None for anything else, countries included."""
    phrase = re.sub(r"['\u2019]s?$", "", phrase.strip())
    if not phrase[:1].isupper():
        return None
    return _organisations().get(aliases.fold(phrase)) or aliases.groups().resolve(phrase)


# Words that may stand between an organisation and its title: "Taliban's chief spokesman".
_ROLE_MODIFIERS = {"chief", "main", "senior", "top", "deputy", "acting", "former", "official", "military",
                   "political", "regional", "provincial", "local", "new", "longtime", "press"}
_WHOSE_AFTER = re.compile(r"\s+(?:for|of|at|to|with)\s+(?:the\s+)?"
                          r"(?P<org>[A-Z][\w.'\u2019&-]*(?:[ \t]+[A-Z][\w.'\u2019&-]*){0,5})")


def _organisation_before(text: str, role_start: int) -> str | None:
    """The organisation named right before a title, in the same clause: "Taliban spokesman",
    "Pentagon press secretary", "a NATO spokeswoman", "the Taliban's chief spokesman"."""
    words = _clause_before(text, role_start, 80).split()
    while words and len(words) > 1 and words[-1].lower() in _ROLE_MODIFIERS:
        words = words[:-1]
    words = words[-5:]
    for i in range(len(words)):  # the longest phrase that ends right before the title wins
        found = organisation_of(" ".join(words[i:]))
        if found:
            return found
    return None


def _organisation_after(text: str, role_end: int) -> str | None:
    """The organisation a title is "for" or "of": "spokesman for the Taliban", "a spokesperson for
    the Taliban's Political Office", "Secretary-General of NATO"."""
    m = _WHOSE_AFTER.match(text, role_end)
    if not m:
        return None
    words = m.group("org").split()
    # the longest phrase after "for the" ("Taliban's" of "Taliban's Political Office")
    for n in range(len(words), 0, -1):
        found = organisation_of(" ".join(words[:n]))
        if found:
            return found
    return None


def _first_country(text: str) -> str | None:
    found = find_countries(text)
    return found[0][0] if found else None


_SAID = (r"(?:said|says|told|stated|added|warned|confirmed|announced|suggested|appealed|urged|called|has|had|was|is|who|"
         r"a\s+déclaré|a\s+dit|a\s+affirmé|a\s+annoncé|dijo|afirmó|declaró|anunció|sagte|erklärte|kündigte|"
         r"заявил|заявила|сообщил|сообщила|заявил|dedi|açıkladı|söyledi)")
_BUSINESS = re.compile(r"(?i)^\s*(?:executive|operating|financial|technology|marketing|economist|editor|correspondent)\b")


def _preceded_by_qualifier(text: str, start: int) -> bool:
    """A lower-case title is a title when an organisation, a country or a possessive stands before
    it: "Russian president Vladimir Putin", "White House press secretary Dana Perino"."""
    clause = _clause_before(text, start, 50).split()
    if not clause:
        return False
    last = clause[-1]
    return last[:1].isupper() or last.endswith(("'s", "\u2019s"))


@functools.lru_cache(maxsize=None)
def _title_tails() -> tuple[re.Pattern[str], re.Pattern[str]]:
    name2 = rf"{_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{1,3}}"
    pre_tail = re.compile(rf"\.?(?P<of>\s+(?:to|of|for)\s+(?:the\s+)?(?:US|U\.S\.|UN|[A-Z][a-z]+))?\s+"
                          rf"(?P<paren>\(\s*)?(?P<name>{_NAME})")
    after_tail = re.compile(rf"(?P<compl>\s+(?:for|of|at|with|in|to|de|del|du|des)\s+[^,;.\n\"\u201c\u201d]{{2,80}})?,\s+"
                            rf"(?P<name>{name2})(?=\s*[,.;]|\s+{_SAID}\b)")
    return pre_tail, after_tail


def find_officials(text: str, author: str | None = None) -> list[tuple[Official, int]]:
    role_re, canon = _role_regex()
    found: list[tuple[Official, int]] = []

    def add(name: str | None, role: str | None, country: str | None, pos: int,
            organisation: str | None = None) -> None:
        if _PLACE_AFTER.match(text, pos + len(name or "")):
            return
        name = _clean_name(name or "")
        if not name:
            return
        if author and aliases.fold(name) in aliases.fold(author):
            return
        role_title = canon.get(re.sub(r"\s+", " ", role or "").lower(), role) if role else None
        found.append((Official(name, role_title, aliases.countries().name(country) if country else None,
                               organisation if role_title else None), pos))

    name2 = rf"{_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{1,3}}"

    # Both title-first patterns start at a title: find the titles once, then try each pattern there
    # (instead of trying ~140 titles at every character of the text).
    pre_tail, after_tail = _title_tails()
    for r in role_re.finditer(text):
        role, role_start = r.group(0), r.start()
        # 1. title before the name: "US Secretary of State John Kerry", "Gen John Campbell",
        #    "President Obama", "Russian president Vladimir Putin", "the (interior) minister (Name Surname)"
        foreign = _role_languages().get(re.sub(r"\s+", " ", role.lower()), "en") != "en"
        m = None
        if foreign:
            # other languages put the country between the title and the name: "le président
            # français Emmanuel Macron", "президент России Владимир Путин", "el presidente de Francia"
            between = _FOREIGN_BETWEEN.match(text, r.end())
            if between and _first_country(between.group(0)):
                m = pre_tail.match(text, between.end())
        m = m or pre_tail.match(text, r.end())
        if m and role.lower() not in _APPOSITION_ONLY_ROLES:  # "Official Says Talks ..." is a headline
            name = m.group("name")
            lower = not role[0].isupper()
            ok = True
            if (lower or foreign) and not m.group("paren"):
                if len(name.split()) < 2:
                    ok = False  # "spokesman Smith" is too weak; "Taliban spokesman Zabihullah Mujahid" is fine
                elif role.lower() not in _LOWERCASE_ROLES and not foreign and not _preceded_by_qualifier(text, role_start):
                    ok = False  # titles are written in lower case in French, Spanish, Russian
            if m.group("of") and (lower or not _first_country(m.group("of"))):
                ok = False  # "spokesman for the Syrian Democratic Forces" is not a title before a name
            if ok:
                q = re.search(r"\((?P<q>[A-Za-z]+)\)\s*$", text[max(0, role_start - 20):role_start])
                full_role = f"{q.group('q')} {role}" if q else role
                country = _adjacent_country(text, role_start)
                if country is None and foreign:
                    country = _first_country(text[r.end():m.start("name")])
                if country is None and m.group("of"):
                    country = _first_country(m.group("of"))
                add(name, full_role, country, m.start("name"),
                    _organisation_before(text, role_start) or _organisation_after(text, r.end()))
        # 3. title, then the name after a comma: "A spokesperson for the Taliban's Political Office, Suhail
        #    Shaheen", "Pakistan's President, Pervez Musharraf,", "The group's leader, Mukhtar Robow"
        m = after_tail.match(text, r.end())
        if m:
            country = _adjacent_country(text, role_start) or (_first_country(m.group("compl")) if m.group("compl") else None)
            add(m.group("name"), role, country, m.start("name"),
                _organisation_before(text, role_start) or _organisation_after(text, r.end()))

    # 2. apposition after the name: "Jane Doe, a deputy assistant secretary at the US ...",
    #    "Abdul Kaiyum, national police chief", "Barham Salih, Iraq's Deputy Prime Minister"
    appos = re.compile(rf"(?P<name>{name2}),\s+(?=(?P<desc>[^,;:()\"\u201c\u201d]{{0,110}}))")  # overlapping
    for m in appos.finditer(text):
        desc = _SENTENCE_CUT.split(m.group("desc"))[0]  # "Anis Amri, dessen ... war. Bundeskanzlerin" is two sentences
        r = role_re.search(desc)
        if not r or len(desc[: r.start()].split()) > 5 or _BUSINESS.match(desc[r.end():]):
            continue
        if re.match(rf"(?i){_SAID}\b", desc):
            continue
        if m.group("name").split()[0].lower().rstrip(".") in _role_words():
            continue  # "General Kenneth McKenzie, head of ...": the title before the name says it
        desc_at = m.start("desc")
        add(m.group("name"), r.group(0), _first_country(desc[: r.end() + 60]), m.start("name"),
            _organisation_before(text, desc_at + r.start()) or _organisation_after(text, desc_at + r.end()))

    return found


def _merge_officials(found: list[tuple[Official, int]]) -> list[tuple[Official, int]]:
    """One entry per person: "Obama" and "President Obama" join "Barack Obama"; the fullest name
    wins, with its role and whose it is (else those of a shorter mention).

    A shorter mention joins a fuller name of the page whose words include all of its words and
    that ends with the same surname. When two fuller names share them ("Obama" on a page with
    Barack and Michelle Obama), it joins the one named last before it (the text's most recent
    referent), or else the first one named after it.
    """
    out: list[tuple[Official, int]] = []
    for off, pos in sorted(found, key=lambda x: (-len(x[0].name.split()), x[1])):
        tokens = aliases.fold(off.name).split()
        fuller = [i for i, (kept, _kpos) in enumerate(out)
                  if aliases.fold(kept.name).split()[-1] == tokens[-1]
                  and set(tokens) <= set(aliases.fold(kept.name).split())]
        if not fuller:
            out.append((off, pos))
            continue
        before = [i for i in fuller if out[i][1] <= pos]
        i = max(before, key=lambda j: out[j][1]) if before else min(fuller, key=lambda j: out[j][1])
        kept, kpos = out[i]
        role, organisation = kept.role, kept.organisation
        if role is None:
            role, organisation = off.role, off.organisation
        elif organisation is None and off.role == role:
            organisation = off.organisation
        out[i] = (Official(kept.name, role, kept.country or off.country, organisation), min(pos, kpos))
    return sorted(out, key=lambda x: x[1])


# ----------------------------------------------------------------------------- entry point



def tag(article: Article, language: str | None = None) -> Tags:
    """Tag a cleaned article. Reads only ``article.title`` and ``article.body``.

    ``language``: the page's ISO 639-1 code; the group and country forms of that language apply
    (with the language-neutral ones), and every language's when it is None or "und"."""
    if len(article.body) > MAX_TAGGED_CHARS:
        article = Article(article.title, article.author, article.published, article.body[:MAX_TAGGED_CHARS], article.site)
    text = f"{article.title}\n{article.body}" if article.title else article.body
    evidence: list[Evidence] = []

    def first_seen(field_name: str, items) -> list[str]:
        values: list[str] = []
        for value, start, _end in items:
            if value not in values:
                values.append(value)
                evidence.append(Evidence(field_name, value, _sentence_at(text, start)))
        return values

    groups = first_seen("group", find_groups(text, language))
    officials = []
    masked = text
    # officials from the body only: a Title Case headline reads like a row of names
    offset = len(text) - len(article.body)
    for off, pos in _merge_officials(find_officials(article.body, article.author)):
        pos += offset
        officials.append(off)
        evidence.append(Evidence("official", off.name, _sentence_at(text, pos)))
        # a person's name is not a place: "Mustafa Bali" says nothing about Indonesia
        masked = re.sub(re.escape(off.name), lambda m: " " * len(m.group(0)), masked)
    countries_table = aliases.countries()
    codes = first_seen("country", find_countries(masked, language))
    anchor = dating.parse_iso(article.published) if article.published else None
    dates = first_seen("date", ((d.iso, d.start, d.end) for d in dating.find_dates(text, anchor)))
    if article.published and article.published not in dates:
        dates.insert(0, article.published)  # the page's own date is a date it states
    evidence = [Evidence(e.field, countries_table.name(e.value), e.sentence) if e.field == "country" else e
                for e in evidence]
    return Tags(tuple(groups), tuple(countries_table.name(c) for c in codes), tuple(officials), tuple(dates),
                tuple(evidence))


def expand_groups(groups: list[str] | tuple[str, ...]) -> list[str]:
    """Groups plus their parents: an ISIS-K article is also an Islamic State article."""
    table = aliases.groups()
    out: list[str] = []
    for g in groups:
        for v in [g, *table.ancestors(g)]:
            if v not in out:
                out.append(v)
    return out
