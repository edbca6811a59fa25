"""searchlib: full-text, faceted search for news archives about terrorism and counter-terrorism.

Public API (imported lazily, so ``import searchlib`` stays cheap)::

    from searchlib import SearchRequest, search, build_index, extract
    build_index(["corpus/"], "index")
    result = search(SearchRequest("ISIS-K", countries=("Afghanistan",)), index_dir="index")
"""

from __future__ import annotations

__version__ = "0.1.0"

_EXPORTS = {
    "SearchRequest": "query.searching", "SearchResult": "query.searching", "Hit": "query.searching", "FacetCount": "query.searching",
    "Searcher": "query.searching", "search": "query.searching", "parse_period": "query.searching",
    "build_index": "store.indexing", "IndexReport": "store.indexing",
    "extract": "derive.pipeline", "derive": "derive.pipeline", "Record": "derive.pipeline",
    "clean": "derive.cleaning", "Article": "derive.cleaning", "tag": "derive.tagging", "Tags": "derive.tagging",
    "stats": "query.reporting",
    "SearchlibError": "errors", "BadDate": "errors", "BadQuery": "errors", "BadValue": "errors",
    "UnknownFacetValue": "errors", "IndexNotFound": "errors", "IndexCorrupt": "errors",
    "IndexLocked": "errors", "EngineFailed": "errors", "IndexIOError": "errors", "RemovalRefused": "errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        module = importlib.import_module(f".{_EXPORTS[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'searchlib' has no attribute {name!r}")
