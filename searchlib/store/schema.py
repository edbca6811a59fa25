"""The index schema and its analyzers: the fields every index, shard and searcher shares.

A leaf module: it imports only Whoosh (through ``whoosh_compat``, which imports it quietly and
checks its version) and PyStemmer. An index's table of contents pickles the schema, analyzer
classes included; ``indexing`` keeps their old names importable for indexes written before they
moved here.

One index holds many languages: ``title`` and ``body`` are analysed as English (and hold pages in
English, of undetermined language, or in a language without an analyzer here), and each language
of ``LANGUAGES`` has its own pair, ``title_fr`` and ``body_fr``, analysed with that language's
stemmer and stop words. A page's words go into its language's pair only; its stored title and
text stay in ``title`` and ``body`` for every page (``documents.document``), so nothing that reads
a stored record knows about languages. A query is parsed against the pairs of the languages the
index holds (``query.searching``), each analysing the words its own way.
"""

from __future__ import annotations

import os
import re
import unicodedata

from .. import facets
from . import whoosh_compat
from ..settings import STEM_CACHE
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.analysis.filters import STOP_WORDS
from whoosh.fields import ID, STORED, TEXT, Schema

# ----------------------------------------------------------------------------- analysis

# Abbreviations with dots (U.S., U.K.), then words joined by hyphens (ISIS-K, al-Shabaab).
TOKEN_PATTERN = r"(?:[A-Za-z]\.){2,}|\w+(?:[-\u2010\u2011]\w+)*"


class CompoundFilter(Filter):
    """Keep hyphenated words whole, and at index time also their parts.

    "ISIS-K" is indexed as ``isis-k``, ``isis`` and ``k``; a query for ISIS-K looks up only
    ``isis-k``, so it never matches a page that only says ISIS, while a query for Shabaab still
    finds al-Shabaab. Dotted abbreviations lose their dots: U.S. -> ``us``.
    """

    def __call__(self, tokens):
        for t in tokens:
            text = t.text
            if "." in text:
                t.text = text.replace(".", "")
                yield t
                continue
            yield t
            if "-" in text and t.mode == "index":
                whole = text
                for part in re.split(r"[-\u2010\u2011]", whole):
                    if part:
                        t.text = part
                        yield t
                t.text = whole


class CountryAcronymFilter(Filter):
    """Before lower-casing: ``U.S.``, ``US`` (in capitals) and ``USA`` are the country, indexed
    as ``usa``, apart from the pronoun ``us`` and from ``us``, the stem of use/used/using. Indexes
    written before this filter keep their own analyzer (it is pickled with the schema) until
    ``searchlib index --rebuild``."""

    FORMS = frozenset({"U.S.", "U.S", "US", "USA", "U.S.A.", "U.S.A"})

    def __call__(self, tokens):
        forms = self.FORMS
        for t in tokens:
            if t.text in forms:
                t.text = "usa"
            yield t


class SkipCompoundStemFilter(StemFilter):
    """Stem ordinary words only: ``isis-k`` must stay ``isis-k``."""

    def __call__(self, tokens):
        stemfn = whoosh_compat.stemmer(self)
        ignore = self.ignore
        for t in tokens:
            if not t.stopped and "-" not in t.text and t.text not in ignore:
                t.text = stemfn(t.text)
            yield t


# An index's table of contents pickles its schema, analyzer classes by module path: an index
# written before the layer folders names them ``searchlib.indexing.*``, a module that is gone. A
# stand-in holding just these classes lets such an archive open and be updated.
LEGACY_MODULE = "searchlib.indexing"


def _answer_to_the_old_module_path() -> None:
    import sys
    import types

    if LEGACY_MODULE not in sys.modules:
        legacy = types.ModuleType(LEGACY_MODULE, "Analyzer classes as indexes written before searchlib/store/ name them.")
        legacy.CompoundFilter, legacy.SkipCompoundStemFilter = CompoundFilter, SkipCompoundStemFilter
        sys.modules[LEGACY_MODULE] = legacy


_answer_to_the_old_module_path()


def make_analyzer():
    stop = frozenset(STOP_WORDS) - {"us"}
    return (RegexTokenizer(TOKEN_PATTERN) | CountryAcronymFilter() | LowercaseFilter() | CompoundFilter()
            | StopFilter(stoplist=stop, minsize=1) | SkipCompoundStemFilter(cachesize=STEM_CACHE))


# ----------------------------------------------------------------------------- other languages

# Languages with their own analyzer: a Snowball stemmer in PyStemmer and a stop list (Whoosh's, or
# data/stopwords-LANG.txt). English keeps ``make_analyzer`` (Whoosh's Porter stemmer, as before).
SNOWBALL = {"ar": "arabic", "da": "danish", "de": "german", "es": "spanish", "fi": "finnish", "fr": "french",
            "hu": "hungarian", "it": "italian", "nl": "dutch", "no": "norwegian", "pt": "portuguese",
            "ro": "romanian", "ru": "russian", "sv": "swedish", "tr": "turkish"}
LANGUAGES = tuple(sorted(SNOWBALL))
TITLE, BODY = "title", "body"


def text_fields(language: str | None) -> tuple[str, str]:
    """The (title, body) fields a page in ``language`` is analysed in: ``title_fr``, ``body_fr``
    for a language of LANGUAGES, else the English pair."""
    if language in LANGUAGES:
        return f"{TITLE}_{language}", f"{BODY}_{language}"
    return TITLE, BODY


# A word: letters, digits and the combining marks a word may carry (Arabic harakat, decomposed
# accents), which \w alone would split it at; joined by hyphens like TOKEN_PATTERN's.
_W = r"[\w\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed]"
WORD_PATTERN = r"(?:[A-Za-z]\.){2,}|" + _W + r"+(?:[-\u2010\u2011]" + _W + r"+)*"

_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u0640]")
_ARABIC_LETTERS = str.maketrans({"\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627",
                                 "\u0624": "\u0648", "\u0626": "\u064a", "\u0649": "\u064a", "\u0629": "\u0647"})
# Prefixes taken off before the Snowball stemmer, longest first (as Lucene's Arabic light stemmer:
# the conjunction wa- and the article al- with its prepositions), when two letters or more remain.
_ARABIC_PREFIXES = ("\u0648\u0627\u0644", "\u0628\u0627\u0644", "\u0643\u0627\u0644", "\u0641\u0627\u0644",
                    "\u0644\u0644", "\u0627\u0644", "\u0648")


def normalise_arabic(word: str) -> str:
    """Arabic spelling variants as one: alef with hamza or madda and alef wasla as bare alef,
    hamza on waw or ya as the bare letter, alef maqsura as ya, taa marbuta as ha; diacritics
    (harakat, shadda, sukun, dagger alef) and tatweel removed."""
    return _ARABIC_MARKS.sub("", word).translate(_ARABIC_LETTERS)


def lower(word: str, language: str) -> str:
    """Lower case as the language writes it: in Turkish (and Azeri) I is dotless ı and İ is i;
    elsewhere İ is i too (Python's lower() makes it i plus a combining dot)."""
    if language in ("tr", "az"):
        word = word.replace("I", "\u0131").replace("\u0130", "i")
    return word.lower().replace("i\u0307", "i")


class LanguageFilter(Filter):
    """Lower-case, normalise and (for Arabic) strip the spelling variants of one language's words:
    ``lower`` and ``normalise_arabic``. Before the stop words and the stemmer."""

    def __init__(self, language: str) -> None:
        self.language = language

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.language == self.language

    def __call__(self, tokens):
        language = self.language
        arabic = language == "ar"
        for t in tokens:
            text = lower(t.text, language)
            if arabic:
                text = normalise_arabic(text)
            t.text = text
            yield t


def _stemmer(language: str):
    import Stemmer  # PyStemmer: Snowball in C, with its own word cache

    stemmer = Stemmer.Stemmer(SNOWBALL[language])
    stemmer.maxCacheSize = STEM_CACHE
    return stemmer.stemWord


class SnowballFilter(Filter):
    """Stem ordinary words with the language's Snowball stemmer (PyStemmer); hyphenated words
    (``isis-k``) stay whole, as in English. Arabic words lose their wa-/al- prefixes first. In
    Turkish, after stemming, dotless ı and i are one letter, so ISTANBUL, Istanbul (typed on any
    keyboard), İstanbul and istanbul are one word; the stemmer has seen the Turkish letters."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._stem = None

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.language == self.language

    def __getstate__(self):
        return {"language": self.language}  # the stemmer is a C object: made again when unpickled

    def __setstate__(self, state) -> None:
        self.language = state["language"]
        self._stem = None

    def __call__(self, tokens):
        stem = self._stem
        if stem is None:
            stem = self._stem = _stemmer(self.language)
        arabic, turkish = self.language == "ar", self.language == "tr"
        for t in tokens:
            text = t.text
            if not t.stopped and "-" not in text:
                if arabic:
                    for prefix in _ARABIC_PREFIXES:
                        if text.startswith(prefix) and len(text) - len(prefix) >= 2:
                            text = text[len(prefix):]
                            break
                text = stem(text)
                if turkish:
                    text = text.replace("\u0131", "i")
                t.text = text
            yield t


def stop_words(language: str) -> frozenset[str]:
    """The stop list of one language of LANGUAGES, in the form its analyzer gives the words:
    Whoosh's list for the language, plus the words of data/stopwords-LANG.txt (Arabic's whole
    list: Whoosh has none)."""
    from whoosh.lang import has_stopwords, stopwords_for_language

    words = list(stopwords_for_language(language)) if has_stopwords(language) else []
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", f"stopwords-{language}.txt")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            words += [w.strip() for w in fh if w.strip() and not w.startswith("#")]
    norm = (lambda w: normalise_arabic(lower(w, language))) if language == "ar" else (lambda w: lower(w, language))
    return frozenset(unicodedata.normalize("NFC", norm(w)) for w in words)


def make_language_analyzer(language: str):
    """The analyzer of ``title_LANG`` and ``body_LANG``: English's steps (dotted abbreviations,
    the US acronym, hyphenated words kept whole and, at index time, split too) with the
    language's case rules, normalisation, stop words and stemmer."""
    return (RegexTokenizer(WORD_PATTERN) | CountryAcronymFilter() | LanguageFilter(language) | CompoundFilter()
            | StopFilter(stoplist=stop_words(language), minsize=1) | SnowballFilter(language))


def make_schema() -> Schema:
    analyzer = make_analyzer()
    per_language = {}
    for language in LANGUAGES:
        lang_analyzer = make_language_analyzer(language)
        title, body = text_fields(language)
        per_language[title] = TEXT(analyzer=lang_analyzer, field_boost=2.0)
        per_language[body] = TEXT(analyzer=lang_analyzer)
    return Schema(
        key=ID(unique=True, stored=True, sortable=True),
        path=STORED(),
        title=TEXT(analyzer=analyzer, stored=True, field_boost=2.0),
        body=TEXT(analyzer=analyzer, stored=True),
        **per_language,  # title_fr, body_fr...: words only; the text is stored in title and body
        author=STORED(),
        published=ID(stored=True, sortable=True),  # "YYYY-MM-DD" or "": ISO strings sort by date
        **facets.schema_fields(),  # groups, countries, officials, source, year... (facets.FACETS)
        record=STORED(),  # JSON: officials with roles, dates, evidence, provenance
    )
