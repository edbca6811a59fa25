"""Search stage: analyzer traps, alias-aware filters and queries, dates, facets, JSON shape."""

from __future__ import annotations

import dataclasses
import re

import pytest

from searchlib import BadDate, BadQuery, BadValue, SearchRequest, Searcher, UnknownFacetValue, build_index, parse_period, search
from searchlib.store.schema import make_analyzer

from ..conftest import FIXTURES, keys, search_json


def index_terms(text):
    return [t.text for t in make_analyzer()(text, mode="index")]


def query_terms(text):
    return [t.text for t in make_analyzer()(text, mode="query")]


def test_analyzer_keeps_isis_k_and_us_as_units():
    assert query_terms("ISIS-K") == ["isis-k"]
    indexed = index_terms("ISIS-K claimed it")
    assert "isis-k" in indexed and query_terms("ISIS")[0] in indexed  # a search for ISIS finds ISIS-K pages
    assert query_terms("U.S.") == query_terms("US") == ["usa"]  # the country, not the stem of "using"


def test_isis_k_does_not_match_plain_isis(built_index):
    result = search(SearchRequest("ISIS-K", limit=50), built_index)
    assert [h.key for h in result.hits] == ["isisk-kabul.txt"]


def test_shabaab_finds_al_shabaab(built_index):
    assert "shabaab-kenya.html" in [h.key for h in search(SearchRequest("Shabaab"), built_index).hits]


def test_query_word_naming_a_group_matches_tagged_pages_exact_wording_first(built_index):
    result = search(SearchRequest("Daesh", limit=50), built_index)
    got = [h.key for h in result.hits]
    assert got[0] == "daesh-iraq.html"  # the only page that says Daesh
    assert {"isis-only-syria.txt", "isisk-kabul.txt"} <= set(got)  # tagged Islamic State or an affiliate


def test_group_filter_aliases_and_affiliates(built_index):
    by_parent = {h.key for h in search(SearchRequest(groups=("ISIL",), limit=50), built_index).hits}
    assert by_parent == {"isis-only-syria.txt", "daesh-iraq.html", "isisk-kabul.txt"}
    exact = {h.key for h in search(SearchRequest(groups=("Islamic State",), exact_group=True, limit=50), built_index).hits}
    assert "isisk-kabul.txt" not in exact


@pytest.mark.parametrize("value", ["Afghanistan", "afghanistan", "Afghan", "AF", "Kabul"])
def test_country_filter_accepts_name_demonym_code_and_capital(built_index, value):
    got = {h.key for h in search(SearchRequest(countries=(value,), limit=50, all=True), built_index).hits}
    assert got == {"isisk-kabul.txt", "wire-copy-a.txt", "wire-copy-b.txt"}


def test_unknown_country_is_an_error_with_suggestions(built_index):
    with pytest.raises(UnknownFacetValue, match="Afghanistan"):
        search(SearchRequest(countries=("Afghanstn",)), built_index)  # "Afganistan" is Spanish and Turkish


def test_known_country_on_no_document_is_no_hits(built_index):
    assert search(SearchRequest(countries=("Thailand",)), built_index).total == 0


def test_official_by_surname_full_name_and_role(built_index):
    for value in ("Kenyatta", "Uhuru Kenyatta", "uhuru kenyatta"):
        assert [h.key for h in search(SearchRequest(officials=(value,)), built_index).hits] == ["shabaab-kenya.html"]
    by_role = {h.key for h in search(SearchRequest(officials=("Secretary of State",), limit=50, all=True), built_index).hits}
    assert by_role == {"wire-copy-a.txt", "wire-copy-b.txt"}


def test_unknown_official_is_an_error(built_index):
    with pytest.raises(UnknownFacetValue):
        search(SearchRequest(officials=("Kenyata",)), built_index)


def test_repeated_values_of_one_filter_combine_with_or(built_index):
    got = {h.key for h in search(SearchRequest(countries=("Kenya", "Nigeria"), limit=50), built_index).hits}
    assert got == {"shabaab-kenya.html", "boilerplate-heavy.txt"}


def test_different_filters_combine_with_and(built_index):
    got = [h.key for h in search(SearchRequest(countries=("Kenya",), groups=("Boko Haram",)), built_index).hits]
    assert got == []


@pytest.mark.parametrize("value,start,end", [
    ("2021", "2021-01-01", "2021-12-31"),
    ("2021-02", "2021-02-01", "2021-02-28"),
    ("2020-02", "2020-02-01", "2020-02-29"),
    ("2021-08-26", "2021-08-26", "2021-08-26"),
])
def test_partial_dates_mean_their_whole_period(value, start, end):
    assert parse_period(value) == start and parse_period(value, end=True) == end


@pytest.mark.parametrize("value", ["2021-13", "21-08", "August 2021", "2021-02-30", "", "yesterday"])
def test_invalid_dates_are_errors_naming_the_value(value):
    with pytest.raises(BadDate):
        parse_period(value)


def test_date_filter_uses_publication_date_inclusive(built_index):
    got = {h.key for h in search(SearchRequest(date_from="2020-02", date_to="2020-02", limit=50, all=True), built_index).hits}
    assert got == {"wire-copy-a.txt", "wire-copy-b.txt"}
    got = {h.key for h in search(SearchRequest(date_from="2014-04-15", date_to="2014-04-15"), built_index).hits}
    assert got == {"boilerplate-heavy.txt"}


def test_undated_pages_never_match_a_date_filter(built_index):
    got = {h.key for h in search(SearchRequest(date_from="1900", limit=50, all=True), built_index).hits}
    assert "no-date.txt" not in got and len(got) == 7


def test_inverted_date_range_is_an_error(built_index):
    with pytest.raises(BadDate, match="after"):
        search(SearchRequest("Taliban", date_from="2021", date_to="2020"), built_index)


@pytest.mark.parametrize("query", ['"unbalanced', "(a OR b", "nosuchfield:x", "x" * 3000])
def test_bad_queries_are_errors(built_index, query):
    with pytest.raises(BadQuery):
        search(SearchRequest(query), built_index)


def test_empty_request_is_an_error(built_index):
    with pytest.raises(BadQuery):
        search(SearchRequest(""), built_index)


def test_facets_count_multi_valued_tags_once_per_document(built_index):
    result = search(SearchRequest(groups=("al-Shabaab",), facets=True), built_index)
    countries = {c.value: c.count for c in result.facets["country"]}
    assert countries == {"Kenya": 1, "Somalia": 1}
    all_docs = search(SearchRequest("*", facets=True, limit=0, all=True), built_index)
    groups = {c.value: c.count for c in all_docs.facets["group"]}
    assert groups["Taliban"] == 3 and groups["ISIS-K"] == 1 and all_docs.total == 8


def test_facets_count_all_matches_not_only_the_shown_hits(built_index):
    result = search(SearchRequest("*", facets=True, limit=1, all=True), built_index)
    assert len(result.hits) == 1 and sum(c.count for c in result.facets["year"]) == 7


def test_sort_by_date_newest_first(built_index):
    result = search(SearchRequest("*", sort="date", limit=50), built_index)
    dates = [h.published for h in result.hits if h.published]
    assert dates == sorted(dates, reverse=True)


def test_json_shape_is_stable(runner, built_index):
    result, data = search_json(runner, built_index, "Taliban", "--facets")
    assert result.exit_code == 0
    assert list(data) == ["query", "total", "filters", "hits", "facets", "offset", "facets_truncated", "suggestions"]
    assert set(data["hits"][0]) >= {"key", "path", "title", "published", "groups", "countries", "officials",
                                    "score", "snippet"}
    assert set(data["facets"]) == {"group", "country", "official", "source", "host", "domain", "crawled", "language", "year"}
    assert keys(data)


def test_warm_searcher_serves_many_lookups(built_index):
    with Searcher(built_index) as s:
        totals = [s.search(SearchRequest(q)).total for q in ("Taliban", "Kenya", "Boko Haram")]
    assert all(totals)


def test_near_duplicates_show_once_with_a_count_and_expand_with_all(built_index):
    result = search(SearchRequest("Khalilzad", facets=True), built_index)
    assert result.total == 1 and len(result.hits) == 1
    hit = result.hits[0]
    assert hit.duplicates == 1 and hit.cluster == "wire-copy-a.txt"
    assert {c.value: c.count for c in result.facets["country"]}["Qatar"] == 1  # one story, counted once
    expanded = search(SearchRequest("Khalilzad", facets=True, all=True), built_index)
    assert expanded.total == 2 and {h.key for h in expanded.hits} == {"wire-copy-a.txt", "wire-copy-b.txt"}
    assert {c.value: c.count for c in expanded.facets["country"]}["Qatar"] == 2


def test_pages_that_are_not_copies_have_no_duplicates(built_index):
    hits = search(SearchRequest("*", limit=50), built_index).hits
    assert len(hits) == 7 and sum(h.duplicates for h in hits) == 1


SNIPPETS = """
import json, sys
from searchlib import SearchRequest, search
print(json.dumps([[h.key, h.snippet] for h in search(SearchRequest("Islamic State", limit=10), sys.argv[1]).hits]))
"""


def test_snippets_are_the_same_every_time(built_index):
    """Each hit's snippet shows the query's words marked, and is the same in every run and in every
    process (other string hash seeds: no set or dict order leaks into the window or the marks)."""
    import json
    import os
    import re
    import subprocess
    import sys

    runs = [[[h.key, h.snippet] for h in search(SearchRequest("Islamic State", limit=10), built_index).hits]
            for _ in range(3)]
    for seed in ("1", "2"):
        child = subprocess.run([sys.executable, "-c", SNIPPETS, built_index], capture_output=True, text=True,
                               timeout=60, env=dict(os.environ, PYTHONHASHSEED=seed))
        assert child.returncode == 0, child.stderr
        runs.append(json.loads(child.stdout))
    assert all(run == runs[0] for run in runs)
    assert {"isis-only-syria.txt", "daesh-iraq.html"} <= {key for key, _ in runs[0]}
    for key, snippet in runs[0]:
        assert re.search(r"\*\*(Islamic|States?)\*\*", snippet), (key, snippet)
    assert "The **Islamic** **State** group seized Mosul" in dict(runs[0])["daesh-iraq.html"]


@pytest.mark.parametrize("request_", [
    SearchRequest("Taliban", facets=True), SearchRequest("*", facets=True), SearchRequest("Kabul OR Nairobi", facets=True),
    SearchRequest("*", facets=True, all=True), SearchRequest(countries=("Afghanistan",), facets=True),
])
def test_fast_paths_give_the_same_hits_and_counts_as_the_straightforward_ones(built_index, request_):
    """The one-pass collector and the set-intersection facet counts against plain Whoosh."""
    from collections import Counter

    from searchlib.query.searching import build_query

    with Searcher(built_index) as s:
        result = s.search(request_)
        q, _ = build_query(request_, s.ix, s.searcher)
        matched = sorted(s.searcher.docs_for_query(q))
        cache = s.facet_cache
        collapse = not request_.all
        assert result.total == (len({cache.story(d) for d in matched}) if collapse else len(matched))
        for facet in ("group", "country", "official", "source", "year"):
            values = cache.values_of(facet)
            if collapse:
                pairs = {(v, cache.story(d)) for d in matched for v in values.get(d, ())}
                plain = Counter(v for v, _ in pairs)
            else:
                plain = Counter(v for d in matched for v in values.get(d, ()))
            assert cache._count_by_sets(matched, facet, collapse) == plain
            assert {c.value: c.count for c in result.facets[facet]} == dict(plain)
        if request_.query not in ("", "*"):
            naive = [s.searcher.stored_fields(hit.docnum)["key"] for hit in s.searcher.search(q, limit=50)]
            shown = [h.key for h in s.search(dataclasses.replace(request_, limit=50, all=True)).hits]
            assert shown == naive


def test_totals_count_every_match_not_just_those_that_could_rank(tmp_path):
    """Whoosh drops OR branches that cannot reach the top N; the total must not shrink with them."""
    from searchlib import build_index

    corpus = tmp_path / "c"
    corpus.mkdir()
    for i in range(60):  # many pages say "police" only in the body, a few also in the title
        title = "Police report" if i % 10 == 0 else f"Report {i}"
        body = " ".join(["Officials said the police closed the road near the market on Friday."] +
                        [f"Filler sentence number {j} about the weather in the city." for j in range(i % 7 + 3)])
        (corpus / f"p{i:02d}.txt").write_text(f"{title}\n\n{body}\n\n{body.replace('Officials', 'Witnesses')}")
    build_index([str(corpus)], str(tmp_path / "ix"), jobs=1)
    assert search(SearchRequest("police", limit=3, all=True), str(tmp_path / "ix")).total == 60


@pytest.mark.parametrize("query", [
    "Taliban", "attack Kabul", "Islamic State", "Daesh", "ISIS-K", "U.S. troops", "title:Shabaab",
    "al-Shabaab OR Daesh", "police NOT Kabul", '"suicide bomber"', '"Islamic State group"', '"the Taliban"',
    '"suicide bomber"~3', "Kabul*", "nosuchwordanywhere",
])
@pytest.mark.parametrize("filters", [{}, {"countries": ("Afghanistan",)}, {"groups": ("Islamic State",)},
                                     {"date_from": "2015"}])
def test_block_scoring_gives_whoosh_scores_exactly(built_index, query, filters):
    """Word queries scored from whole posting blocks (postings.py) against Whoosh's matchers:
    the same hits in the same order with bit-identical scores, totals and facet counts."""
    request = SearchRequest(query, facets=True, limit=50, all=True, **filters)
    with Searcher(built_index) as s:
        fast = s.search(request)
        s.bulk_scoring = False
        slow = s.search(request)
    assert [(h.key, h.score) for h in fast.hits] == [(h.key, h.score) for h in slow.hits]
    assert (fast.total, fast.facets) == (slow.total, slow.facets)


def test_block_scoring_covers_words_and_phrases_and_leaves_the_rest_to_whoosh(built_index):
    from searchlib.query.searching import build_query

    with Searcher(built_index) as s:
        def covered(text):
            q, _ = build_query(SearchRequest(text, countries=("Afghanistan",)), s.ix, s.searcher)
            return s.evaluator.scores(q) is not None

        assert covered("Taliban") and covered("attack Kabul") and covered("Daesh") and covered('"suicide bomber"')
        assert not covered('"suicide bomber"~3') and not covered("police NOT Kabul") and not covered("Kabul*")


def test_phrase_positions_decode_in_one_unpickling_exactly_as_whoosh_does():
    """The batched decoder of position lists must agree with Whoosh's own, for empty lists, long
    gaps (1-, 2- and 4-byte pickle ints) and values stored with or without the final STOP."""
    import random
    from itertools import accumulate

    from whoosh.formats import Positions

    from searchlib.store.whoosh_compat import decode_position_lists

    rng, fmt = random.Random(5), Positions()
    lists = [[], [0], [7], [0, 1, 2], [300, 70000, 2**31 + 5]]
    lists += [sorted(rng.sample(range(200000), rng.randrange(1, 40))) for _ in range(200)]
    values = [fmt.encode(p) for p in lists]
    values = [v[:-1] if i % 2 else v for i, v in enumerate(values)]  # the index stores them without STOP
    assert [fmt.decode_positions(v) for v in values] == lists
    assert [list(accumulate(d)) for d in decode_position_lists(values)] == lists


def test_word_scoring_reads_ids_and_weights_of_posting_blocks_exactly_as_whoosh(tmp_path):
    """Word scoring cuts each block's pickle before the positions; ids and weights must be
    Whoosh's own, over full and partial blocks, compressed or not, frequent and rare words."""
    from whoosh import fields, index

    from searchlib.store.whoosh_compat import _block_ids, _block_weights, _ids_and_weights

    ix = index.create_in(str(tmp_path), fields.Schema(body=fields.TEXT()))
    with ix.writer() as w:
        for i in range(700):
            w.add_document(body=" ".join(["common"] * (i % 5 + 1) + ["rare"] * (i % 97 == 0) + [f"w{i % 13}"] * 2))
    with ix.searcher() as s:
        reader = s.reader()
        for word in ("common", "rare", "w3"):
            ours, theirs = reader.postings("body", word), reader.postings("body", word)
            blocks = 0
            while theirs.is_active():
                ids, weights = _ids_and_weights(ours)
                assert (list(ids), list(weights)) == (list(_block_ids(theirs)), list(_block_weights(theirs)))
                blocks += 1
                ours._next_block()
                theirs._next_block()
            assert not ours.is_active() and (word != "common" or blocks > 4)


def test_story_counts_stay_exact_when_copies_of_a_story_carry_different_tags():
    """Facets count a story once, over set arithmetic on stories; a story whose copies were
    tagged differently must count for each value one of its matching copies has."""
    import itertools
    from collections import Counter

    from searchlib.query.searching import FacetCache

    table = {"docs": list(range(7)), "key_order": list(range(7)), "days": {},
             "cluster": {0: "a", 1: "a", 2: "b", 3: "b", 5: "c", 6: "c"},
             "facets": {"country": {"Iraq": [0, 1, 2, 4], "Syria": [3, 5, 6], "Iran": [4, 6], "Chad": [1]}}}
    cache = FacetCache(table)
    by_doc = cache.values_of("country")
    for size in range(1, 8):
        for matched in map(set, itertools.combinations(range(7), size)):
            expected = Counter(v for v, _ in {(v, cache.story(d)) for d in matched for v in by_doc.get(d, ())})
            assert cache._count_by_stories(matched, "country") == expected, matched
            assert cache.count(matched, "country", collapse=True) == expected, matched
            assert cache._count_by_docs(matched, "country", collapse=True) == expected, matched
            assert cache._count_by_copies(matched, "country") == expected, matched
            assert cache._count_by_sets(matched, "country", collapse=True) == expected, matched
            assert len(cache.stories(matched)) == len({cache.story(d) for d in matched})


def test_a_warm_searcher_answers_repeated_lookups_from_its_cache_with_the_same_results(built_index):
    """Decoded posting scores are kept between lookups (least recently used dropped first, within
    a budget); answers from the cache, and after evictions, equal Whoosh's."""
    queries = ["Taliban", "attack Kabul", '"suicide bomber"', "Islamic State", "Kabul", "Taliban"]
    with Searcher(built_index) as s:
        s.evaluator.cache_min, s.evaluator.cache_limit = 1, 12
        for _round in range(2):
            for text in queries:
                request = SearchRequest(text, facets=True, limit=50, all=True)
                s.bulk_scoring = True
                fast = s.search(request)
                s.bulk_scoring = False
                slow = s.search(request)
                assert [(h.key, h.score) for h in fast.hits] == [(h.key, h.score) for h in slow.hits], text
                assert (fast.total, fast.facets) == (slow.total, slow.facets)
        assert s.evaluator.cache and 0 < s.evaluator.cached_postings <= 12


def test_ties_rank_by_key_whatever_the_order_inside_the_index(tmp_path):
    """Copies score the same; their order must not depend on which shard or segment holds them."""
    import shutil

    from searchlib import build_index
    from searchlib.engines import local as engines

    corpus = tmp_path / "c"
    for name in ("b", "a", "c"):
        shutil.copytree(FIXTURES, corpus / name, ignore=shutil.ignore_patterns("README.md"))

    class OneShardPerFileReversed(engines.LocalEngine):
        """Each file in its own shard, adopted in reverse key order."""

        def __iter__(self):
            from searchlib.store.sharding import ShardWriter

            for i, source in enumerate(self.sources):
                shard = ShardWriter(f"{self.shard_root}/s{i:03d}")
                yield from engines.derive_into([source], shard)
                self._shards.append(shard.commit())

        def shards(self):
            return sorted(self._shards, reverse=True)

    build_index([str(corpus)], str(tmp_path / "one"), jobs=1)
    build_index([str(corpus)], str(tmp_path / "rev"), jobs=1, engine=OneShardPerFileReversed)
    for request in (SearchRequest("Kabul", all=True, limit=30), SearchRequest("*", all=True, limit=30),
                    SearchRequest("Taliban", sort="date", all=True, limit=30), SearchRequest("Kabul", limit=30)):
        one, rev = search(request, str(tmp_path / "one")), search(request, str(tmp_path / "rev"))
        assert [(h.key, h.score) for h in one.hits] == [(h.key, h.score) for h in rev.hits]
    keys = [h.key for h in search(SearchRequest("Kabul", all=True, limit=30), str(tmp_path / "rev")).hits]
    assert keys.index("a/isisk-kabul.txt") < keys.index("b/isisk-kabul.txt") < keys.index("c/isisk-kabul.txt")


def test_block_scoring_matches_whoosh_across_segments_with_deletions(tmp_path):
    """After updates an index has several segments and deleted documents: still Whoosh's scores."""
    import shutil

    from searchlib import build_index

    corpus = tmp_path / "c"
    shutil.copytree(FIXTURES, corpus, ignore=shutil.ignore_patterns("README.md"))
    ix = str(tmp_path / "ix")
    build_index([str(corpus)], ix, jobs=1)
    page = corpus / "isisk-kabul.txt"
    page.write_text(page.read_text(encoding="utf-8").replace("Kabul", "Kabul, the Afghan capital,", 1), encoding="utf-8")
    (corpus / "wire-copy-b.txt").unlink()
    build_index([str(corpus)], ix, jobs=1)
    with Searcher(ix) as s:
        assert len(s.searcher.leaf_searchers()) > 1 or s.searcher.reader().has_deletions()
        for text in ("Kabul", '"Afghan capital"', "attack Taliban", "Islamic State", '"suicide bomber"'):
            request = SearchRequest(text, facets=True, all=True, limit=50)
            s.bulk_scoring = True
            fast = s.search(request)
            s.bulk_scoring = False
            slow = s.search(request)
            assert [(h.key, h.score) for h in fast.hits] == [(h.key, h.score) for h in slow.hits], text
            assert fast.total == slow.total and fast.facets == slow.facets


# ----------------------------------------------------------------------------- the request checks itself

@pytest.mark.parametrize("fields, error, message", [
    ({"limit": "ten"}, BadValue, "Invalid limit 'ten'"),
    ({"limit": 2.5}, BadValue, "Invalid limit 2.5"),
    ({"limit": True}, BadValue, "Invalid limit True"),
    ({"sort": "newest"}, BadValue, "Unknown sort 'newest': use relevance, date or oldest"),
    ({"date_from": "2021-13"}, BadDate, "Invalid date '2021-13'"),
    ({"date_to": 2021}, BadDate, "Invalid to date 2021"),
    ({"date_from": "2021", "date_to": "2020"}, BadDate, "Empty date range"),
    ({"countries": ("Kenya", None)}, BadValue, "Invalid country None"),
    ({"groups": 7}, BadValue, "Invalid group filter 7"),
    ({"all": "no"}, BadValue, "Invalid all 'no'"),
    ({"query": 42}, BadQuery, "Invalid query 42"),
    ({"query": 'say "hello'}, BadQuery, "Unbalanced quote"),
    ({"filters": {"nosuch": ("x",)}}, BadValue, "Unknown facet 'nosuch'"),
])
def test_a_request_with_a_bad_value_is_refused_when_made_naming_it(fields, error, message):
    with pytest.raises(error, match=re.escape(message)):
        SearchRequest(**fields)


def test_a_request_normalises_what_it_can_read_unambiguously():
    request = SearchRequest("Kabul", countries="Afghanistan", groups=["Taliban"], sort=None, limit=None, facets=1)
    assert request.countries == ("Afghanistan",) and request.groups == ("Taliban",)
    assert (request.sort, request.limit, request.facets) == ("relevance", 10, True)
    assert SearchRequest(None).query == ""


def test_options_are_set_by_attribute_or_by_a_facet_option():
    request = SearchRequest("Kabul").with_options(countries="AF", limit=3, date_from="2021")
    assert (request.countries, request.limit, request.date_from) == (("AF",), 3, "2021")
    with pytest.raises(BadValue, match="Unknown search option 'nosuch'"):
        request.with_options(nosuch=1)


STORY = ("<p>Security forces in Mogadishu said on Sunday that al-Shabaab fighters attacked a hotel near the port, "
         "and that the siege lasted for several hours before troops regained control of the building.</p>") * 3


@pytest.fixture(scope="module")
def titled_and_untitled_copies(tmp_path_factory):
    """One story twice: a copy with its headline, and a scrape that lost it (and says "port" more)."""
    root = tmp_path_factory.mktemp("copies")
    (root / "pages").mkdir()
    (root / "pages" / "a.html").write_text("<html><head><title>Siege at Mogadishu hotel ends</title></head><body>"
                                           f"<article><h1>Siege at Mogadishu hotel ends</h1>{STORY}</article></body></html>")
    (root / "pages" / "b.html").write_text(f"<html><body><article>{STORY}<p>Port port port port, the Lido port.</p>"
                                           "</article></body></html>")
    build_index([str(root / "pages")], str(root / "ix"), jobs=1)
    return str(root / "ix")


def test_a_story_whose_best_copy_has_no_title_is_shown_with_its_titled_copy(titled_and_untitled_copies):
    every = search(SearchRequest("port", all=True), titled_and_untitled_copies).hits
    assert [(h.key, h.title) for h in every] == [("b.html", ""), ("a.html", "Siege at Mogadishu hotel ends")]
    hit, = search(SearchRequest("port"), titled_and_untitled_copies).hits
    assert (hit.key, hit.title, hit.duplicates) == ("a.html", "Siege at Mogadishu hotel ends", 1)


def test_an_untitled_copy_that_alone_matches_borrows_the_title_of_its_story(titled_and_untitled_copies):
    hit, = search(SearchRequest("Lido"), titled_and_untitled_copies).hits
    assert (hit.key, hit.title) == ("b.html", "Siege at Mogadishu hotel ends")
    assert "Lido" in hit.snippet
