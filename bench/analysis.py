#!/usr/bin/env python3
"""Speed of the analyst views (query/analysis.py) on a Wikinews archive of N documents (default 5,000).

Builds the corpus as files with bench/perf.py's helpers (from ../shared/data/news, reused under
OUT/corpus-N/), indexes it with ``searchlib index`` once (OUT/index-N/, reused), then times, with
one warm ``Searcher``, each view over a set of searches (browsing everything, common words, a
phrase, filters): the timeline, the comparative timeline by group and by country, and the co-mention
matrix group x country and official x country. Each timing is the median of REPEATS calls; the
lines printed are the medians over the searches, and the slowest search's median. For scale, the
same group x country matrix counted the straightforward way (reading every matching document's
stored fields) is timed on the same searches, and the first call of a fresh searcher (its facet
table loaded) is timed once.

Usage: python3 bench/analysis.py [--docs 5000] [--repeats 7] [--out bench/out] [--index DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, REPO)

SEARCHES = [("*", {}), ("election", {}), ("government", {}), ("police", {}), ("prime minister", {}),
            ("oil prices", {}), ("militants", {}), ("*", {"countries": ("Iraq",)}),
            ("attack", {"countries": ("United States",)}), ("*", {"date_from": "2006", "date_to": "2006"}),
            ("bomb", {"date_from": "2007-03", "date_to": "2007-05"})]


def build_index(n: int, out: str) -> str:
    import perf
    import perf_baselines as base

    index_dir = os.path.join(out, f"index-{n}")
    if os.path.exists(os.path.join(index_dir, "CURRENT")):
        return index_dir
    corpus = perf.build_corpus(out, n, base.load_articles())
    env = {**os.environ, "PYTHONPATH": REPO}
    subprocess.run([sys.executable, "-m", "searchlib", "index", corpus, "--index", index_dir], check=True, env=env)
    return index_dir


def timed(fn, repeats: int) -> float:
    """Median milliseconds of ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def stored_co_mentions(searcher, request, rows: str = "groups", cols: str = "countries") -> dict:
    """The group x country counts (per story) the straightforward way: every match's stored fields."""
    _plan, matched = searcher.matches(request)
    cache = searcher.facet_cache
    pairs = set()
    for d in matched:
        fields = searcher.searcher.stored_fields(d)
        for r in (fields.get(rows) or "").split(","):
            for c in (fields.get(cols) or "").split(","):
                if r and c:
                    pairs.add((r, c, cache.story_of[d]))
    counts: dict = {}
    for r, c, _story in pairs:
        counts[r, c] = counts.get((r, c), 0) + 1
    return counts


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=5000)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--index", default=None, help="an index to measure instead of building one")
    args = ap.parse_args(argv)
    from searchlib.query import analysis
    from searchlib.query.searching import Searcher, SearchRequest

    index_dir = args.index or build_index(args.docs, args.out)
    requests = [SearchRequest(q, **filters) for q, filters in SEARCHES]
    views = {
        "timeline": lambda s, r: analysis.timeline(s, r),
        "timeline by group (5 series)": lambda s, r: analysis.comparative_timeline(s, r, by="group"),
        "timeline by country (5 series)": lambda s, r: analysis.comparative_timeline(s, r, by="country"),
        "co-mentions group x country (10x10)": lambda s, r: analysis.co_mentions(s, r),
        "co-mentions official x country (10x10)": lambda s, r: analysis.co_mentions(s, r, rows="official"),
        "search, for scale (limit 0, facets)": lambda s, r: s.search(SearchRequest(
            r.query, countries=r.countries, date_from=r.date_from, date_to=r.date_to, limit=0, facets=True)),
        "group x country from stored fields": stored_co_mentions,
    }
    t0 = time.perf_counter()
    with Searcher(index_dir) as fresh:
        analysis.co_mentions(fresh, SearchRequest("election"))
    first_call = (time.perf_counter() - t0) * 1000
    with Searcher(index_dir) as s:
        docs = len(s.facet_cache.docs)
        for r in requests:  # warm: posting caches and the facet table's sets, as in the web view
            for view in views.values():
                view(s, r)
        print(f"analyst views on {index_dir}: {docs:,} documents, {len(requests)} searches, "
              f"median of {args.repeats} calls each (warm searcher)")
        rows = {}
        for name, view in views.items():
            medians = [timed(lambda: view(s, r), args.repeats) for r in requests]
            rows[name] = (statistics.median(medians), max(medians))
            print(f"  {name:<42} median {rows[name][0]:7.2f} ms   slowest search {rows[name][1]:7.2f} ms")
    print(f"  {'first co-mentions of a fresh searcher':<42} {first_call:7.1f} ms (opening the index included)")
    fast, slow = rows["co-mentions group x country (10x10)"][0], rows["group x country from stored fields"][0]
    print(f"co_mentions_median_ms={fast:.2f} stored_fields_median_ms={slow:.2f} ratio={fast / slow:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
