"""The index schema and its analyzer: the fields every index, shard and searcher shares.

A leaf module: it imports only Whoosh (through ``whoosh_compat``, which imports it quietly and
checks its version). An index's table of contents pickles the schema, analyzer classes included;
``indexing`` keeps their old names importable for indexes written before they moved here.
"""

from __future__ import annotations

import re

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


def make_schema() -> Schema:
    analyzer = make_analyzer()
    return Schema(
        key=ID(unique=True, stored=True, sortable=True),
        path=STORED(),
        title=TEXT(analyzer=analyzer, stored=True, field_boost=2.0),
        body=TEXT(analyzer=analyzer, stored=True),
        author=STORED(),
        published=ID(stored=True, sortable=True),  # "YYYY-MM-DD" or "": ISO strings sort by date
        **facets.schema_fields(),  # groups, countries, officials, source, year... (facets.FACETS)
        record=STORED(),  # JSON: officials with roles, dates, evidence, provenance
    )
