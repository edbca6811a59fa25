"""Answering requests: SearchRequest -> SearchResult, facet counting, output formats, stats."""
