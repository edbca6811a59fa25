"""Excluded facet values (``SearchRequest.exclude``, ``--not-country``): they leave pages out and never score."""

from __future__ import annotations

import json

import pytest

from searchlib import facets
from searchlib.errors import BadValue, UnknownFacetValue
from searchlib.query.searching import SearchRequest, Searcher, request_from_line

from ..conftest import invoke


def search(index_dir: str, **kwargs):
    with Searcher(index_dir) as s:
        return s.search(SearchRequest(limit=100, **kwargs))


def keys(result) -> set[str]:
    return {h.key for h in result.hits}


def test_not_country_leaves_out_every_page_of_that_country(built_index):
    everything = search(built_index, query="*")
    result = search(built_index, query="*", exclude={"country": ("Iraq",)})
    iraq = {h.key for h in everything.hits if "Iraq" in h.countries}
    assert iraq and keys(result) == keys(everything) - iraq
    assert result.total == everything.total - len(iraq)
    assert result.excluded == {"country": ["Iraq"]} and result.as_dict()["excluded"] == {"country": ["Iraq"]}


def test_exclusion_resolves_aliases_and_includes_affiliates(built_index):
    result = search(built_index, query="*", exclude={"group": ("ISIL",)})
    assert not any({"Islamic State", "ISIS-K"} & set(h.groups) for h in result.hits)
    assert result.hits  # the other groups' pages stay


def test_excluded_values_filter_but_never_change_scores(built_index):
    plain = {h.key: h.score for h in search(built_index, query="Taliban").hits}
    result = search(built_index, query="Taliban", exclude={"official": ("Biden",)})
    assert result.hits and all(h.score == plain[h.key] for h in result.hits)
    assert len(result.hits) < len(plain)
    assert result.excluded == {"official": ["Joe Biden"]}


def test_exclusion_alone_browses_everything_else(built_index):
    result = search(built_index, exclude={"country": ("Kenya",)})
    assert result.total > 0 and not any("Kenya" in h.countries for h in result.hits)


def test_a_search_without_exclusion_keeps_its_shape(built_index):
    assert "excluded" not in search(built_index, query="*").as_dict()


def test_with_options_takes_not_and_a_facet_option():
    request = SearchRequest(query="x").with_options(not_countries=["Iraq"], countries=["Syria"])
    assert request.exclude == {"country": ("Iraq",)} and request.countries == ("Syria",)


def test_unknown_excluded_facet_or_value_is_a_user_error(built_index):
    with pytest.raises(BadValue, match="Unknown facet 'planet'"):
        SearchRequest(query="x", exclude={"planet": ("Mars",)})
    with pytest.raises(UnknownFacetValue, match="Atlantis"):
        search(built_index, query="*", exclude={"country": ("Atlantis",)})


def test_batch_line_and_cli_take_not_country(built_index, runner):
    assert request_from_line('{"query": "*", "not_country": ["Iraq"]}').exclude == {"country": ("Iraq",)}
    out = invoke(runner, "search", "*", "--not-country", "Iraq", "--index", built_index, "--format", "json",
                 "--limit", "100")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["excluded"] == {"country": ["Iraq"]} and not any("Iraq" in h["countries"] for h in data["hits"])


def test_every_filter_facet_has_a_not_option(runner):
    out = invoke(runner, "search", "--help")
    for facet in facets.filters():
        assert f"--not-{facet.name}" in out.output


def test_export_leaves_excluded_pages_out(built_index):
    with Searcher(built_index) as s:
        records = list(s.export(SearchRequest(exclude={"country": ("Iraq",)})))
        everything = list(s.export(SearchRequest(query="*")))
    assert records and len(records) < len(everything)
    assert not any("Iraq" in r["countries"] for r in records)


def test_analyst_views_count_without_the_excluded_values_and_their_links_keep_them(built_index):
    from searchlib.query import analysis

    with Searcher(built_index) as s:
        request = SearchRequest(query="*", exclude={"country": ("Iraq",)})
        timeline = analysis.timeline(s, request)
        everything = analysis.timeline(s, SearchRequest(query="*"))
        assert timeline["total"] == search(built_index, **{"query": "*", "exclude": {"country": ("Iraq",)}}).total
        assert timeline["total"] < everything["total"]
        assert all(b["filter"].get("not_country") == ["Iraq"] for b in timeline["buckets"])
        line = json.dumps(timeline["buckets"][0]["filter"])
        assert request_from_line(line).exclude == {"country": ("Iraq",)}  # each link runs as a batch line
