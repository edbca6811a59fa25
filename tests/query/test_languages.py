"""Searching an archive of many languages: each page analysed in its language, the query in every
language the index holds, the exact-unit rules (ISIS-K) in all of them, and the language facet."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from searchlib import facets as facets_module
from searchlib.errors import UnknownFacetValue
from searchlib.query.searching import SearchRequest, Searcher, build_plan
from searchlib.store import schema
from tests.conftest import invoke, keys, search_json

LANGUAGES = Path(__file__).resolve().parents[1] / "fixtures" / "language-search"
ENGLISH = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> str:
    """An index of the language fixtures and the English fixture corpus."""
    from searchlib.store.indexing import build_index

    index_dir = tmp_path_factory.mktemp("languages")
    report = build_index([str(LANGUAGES), str(ENGLISH)], str(index_dir), jobs=1)
    assert report.added == 18 and not report.failed, report.failed
    return str(index_dir)


def found(runner, index_dir, *args) -> list[str]:
    result, data = search_json(runner, index_dir, *args)
    assert result.exit_code in (0, 1), result.output
    return [Path(k).name for k in keys(data)]


def test_a_stemmed_french_query_finds_its_page(runner, many):
    assert "fr-bamako.txt" in found(runner, many, "attentats")  # the page says "attentat"
    assert found(runner, many, "attentats", "--language", "fr") == ["fr-bamako.txt"]


@pytest.mark.parametrize("query, page", [
    ("atentado", "es-madrid.txt"),      # the page says "atentados"
    ("Anschläge", "de-berlin.txt"),     # ... "Anschlag"
    ("Сирия", "ru-raqqa.txt"),          # ... "Сирии"
    ("Ракка", "ru-raqqa.txt"),          # ... "Ракки"
    ("revendiquée", "fr-isisk-kaboul.txt"),  # ... "revendique", "revendiqué"
])
def test_a_query_finds_the_inflected_forms_of_its_language(runner, many, query, page):
    assert page in found(runner, many, query)


@pytest.mark.parametrize("query, page", [
    ("الاسلامية", "ar-baghouz.txt"),   # the page: الإسلاميّة (hamza under alef, shadda)
    ("الإسلامية", "ar-baghouz.txt"),
    ("المدينة", "ar-baghouz.txt"),     # the page: المدينـــة (tatweel)
    ("المدينة", "ar-kabul.txt"),       # the page: المدينه (ha for taa marbuta)
    ("فجر", "ar-kabul.txt"),           # the page: فجّر (shadda)
    ("العراق", "ar-baghouz.txt"),      # never: not in the page (the control)
])
def test_arabic_spelling_variants_match(runner, many, query, page):
    hits = found(runner, many, query)
    assert (page in hits) == (query != "العراق"), hits


def test_arabic_normalisation_folds_alef_hamza_taa_marbuta_diacritics_and_tatweel():
    assert schema.normalise_arabic("أُسامة") == schema.normalise_arabic("اسامه") == "اسامه"
    assert schema.normalise_arabic("إسلاميّة") == "اسلاميه"
    assert schema.normalise_arabic("المدينـــة") == "المدينه"
    assert schema.normalise_arabic("مسؤول") == "مسوول"
    assert schema.normalise_arabic("آمنة ٱلله") == "امنه الله"


@pytest.mark.parametrize("query", ["istanbul", "Istanbul", "İstanbul", "İSTANBUL", "ISTANBUL", "ırak", "IRAK", "Irak"])
def test_turkish_dotted_and_dotless_i_match_each_other(runner, many, query):
    assert found(runner, many, query, "--language", "tr") == ["tr-istanbul.txt"]


def test_turkish_capitals_lower_case_the_turkish_way():
    assert schema.lower("İSTANBUL", "tr") == "istanbul"  # not i + combining dot
    assert schema.lower("IRAK", "tr") == "ırak"
    assert schema.lower("İstanbul", "fr") == "istanbul"  # elsewhere İ is i too
    assert schema.lower("IRAK", "fr") == "irak"


def test_isis_k_does_not_match_plain_isis_in_french_or_arabic(runner, many):
    hits = found(runner, many, "ISIS-K")
    assert {"fr-isisk-kaboul.txt", "ar-kabul.txt", "isisk-kabul.txt"} <= set(hits)
    assert "fr-isis-baghouz.txt" not in hits and "ar-baghouz.txt" not in hits  # they say ISIS only
    assert found(runner, many, "ISIS-K", "--language", "ar") == ["ar-kabul.txt"]
    isis = found(runner, many, "ISIS", "--language", "fr")
    assert {"fr-isis-baghouz.txt", "fr-isisk-kaboul.txt"} <= set(isis)  # plain ISIS finds both


def test_language_filter_keeps_one_language(runner, many):
    result, data = search_json(runner, many, "*", "--language", "fr")
    assert result.exit_code == 0
    assert sorted(Path(k).name for k in keys(data)) == ["fr-bamako.txt", "fr-isis-baghouz.txt", "fr-isisk-kaboul.txt"]
    assert {h["language"] for h in data["hits"]} == {"fr"}
    assert data["filters"]["language"] == ["fr"]
    by_name = search_json(runner, many, "*", "--language", "French")[1]
    assert keys(by_name) == keys(data)
    both = search_json(runner, many, "*", "--language", "fr", "--language", "de")[1]
    assert len(both["hits"]) == 4


def test_an_unknown_language_is_a_user_error_that_lists_the_index_languages(runner, many):
    result = invoke(runner, "search", "*", "--language", "klingon", "--index", many)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "Unknown language 'klingon'" in result.stderr and "fr (French)" in result.stderr


def test_language_facet_counts(runner, many):
    result, data = search_json(runner, many, "*", "--facets")
    counts = {c["value"]: c["count"] for c in data["facets"]["language"]}
    # the English wire copies a and b are one story: counted once
    assert counts == {"en": 7, "fr": 3, "ar": 2, "de": 1, "es": 1, "ru": 1, "tr": 1, "und": 1}
    labels = {c["value"]: c["label"] for c in data["facets"]["language"]}
    assert labels["fr"] == "French" and labels["und"] == "Undetermined"
    counted = search_json(runner, many, "ISIS", "--facets")[1]["facets"]["language"]
    assert {c["value"]: c["count"] for c in counted}["fr"] == 2


def test_an_indexed_page_too_short_to_tell_is_und(runner, many):
    assert found(runner, many, "*", "--language", "und") == ["und-short.txt"]


def test_the_language_is_in_export_records_csv_and_stats(runner, many):
    lines = invoke(runner, "export", "--language", "ru", "--index", many).stdout.splitlines()
    assert [json.loads(line)["language"] for line in lines] == ["ru"]
    rows = list(csv.DictReader(io.StringIO(invoke(runner, "search", "Сирия", "--index", many, "--format", "csv").stdout)))
    assert rows[0]["language"] == "ru"
    stats = json.loads(invoke(runner, "stats", "--index", many, "--format", "json").stdout)
    assert stats["top"]["language"][0] == {"value": "en", "label": "English", "count": 8}


def test_a_query_is_parsed_against_the_languages_present_only(built_index, many):
    """An English archive gets the query plan it always had (title and body); a multilingual one
    adds the fields of its languages; --language narrows them."""
    def fields(index_dir, request):
        with Searcher(index_dir) as s:
            plan = build_plan(request, s.ix, s.searcher, s.parser)
            return {f for f, _t in plan.text.all_terms()}
    assert fields(built_index, SearchRequest("attack")) == {"title", "body"}
    assert fields(many, SearchRequest("attack")) == {"title", "body"} | {
        f for lang in ("ar", "de", "es", "fr", "ru", "tr") for f in schema.text_fields(lang)}
    assert fields(many, SearchRequest("attack", filters={"language": ("fr",)})) == {"title_fr", "body_fr"}


@pytest.mark.parametrize("query", ["attentats", "ISIS-K", "ISIS", "Daesh", '"الدولة الإسلامية"', "Сирия OR Irak",
                                   "istanbul NOT Ankara", "Madrid atentados trenes"])
def test_the_fast_scorer_gives_whoosh_scores_over_many_languages(many, query):
    with Searcher(many) as s:
        request = SearchRequest(query, facets=True, limit=50, all=True)
        s.bulk_scoring = True
        fast = s.search(request)
        s.bulk_scoring = False
        slow = s.search(request)
    assert fast.total and [(h.key, h.score) for h in fast.hits] == [(h.key, h.score) for h in slow.hits]
    assert fast.facets == slow.facets


def test_group_names_in_a_query_still_match_tagged_pages_in_any_language(runner, many):
    hits = found(runner, many, "ISIL")  # in no page's text: through the tags (Islamic State)
    assert {"fr-isis-baghouz.txt", "ar-baghouz.txt", "isis-only-syria.txt"} <= set(hits)


def test_an_index_built_before_languages_still_searches_and_asks_for_a_rebuild_to_filter(tmp_path, monkeypatch,
                                                                                       runner):
    """Such an index has no language fields and no language facet field: its pages are searched
    as English, a hit's language is null, and --language says how to get languages."""
    from searchlib.store.indexing import build_index

    language_facet = facets_module.get("language")
    monkeypatch.setattr(schema, "LANGUAGES", ())
    facets_module.unregister("language")
    try:
        build_index([str(LANGUAGES), str(ENGLISH)], str(tmp_path / "old"), jobs=1)
    finally:
        facets_module.FACETS.insert(len(facets_module.FACETS) - 1, language_facet)  # before year, as registered
        monkeypatch.undo()
    old = str(tmp_path / "old")
    result, data = search_json(runner, old, "ISIS-K")
    assert result.exit_code == 0 and "corpus/isisk-kabul.txt" in keys(data)
    assert {h["language"] for h in data["hits"]} == {None}
    result = invoke(runner, "search", "Kabul", "--language", "fr", "--index", old)
    assert result.exit_code == 2 and "searchlib index --rebuild" in result.stderr
    # --rebuild (or a plain run of a newer derive version, which re-derives every page) gives the
    # index its language fields and its pages their languages
    build_index([str(LANGUAGES), str(ENGLISH)], old, jobs=1, rebuild=True)
    assert found(runner, old, "attentats", "--language", "fr") == ["fr-bamako.txt"]


def test_an_index_without_a_language_field_asks_for_a_rebuild():
    class Old:
        schema: dict = {}

    with pytest.raises(UnknownFacetValue, match="rebuild"):
        facets_module.get("language").resolve(["fr"], Old())


def test_a_record_from_an_older_export_gets_its_language_detected_and_a_bad_one_is_refused():
    from searchlib import records
    from searchlib.errors import BadValue

    row = {"key": "a.txt", "title": "Attentat à Bamako",
           "text": (LANGUAGES / "fr-bamako.txt").read_text(encoding="utf-8")}
    assert records.decode(row, "line 1").language == "fr"
    assert records.decode({**row, "language": "und"}, "line 1").language == "und"
    with pytest.raises(BadValue, match='line 1: "language"'):
        records.decode({**row, "language": "French"}, "line 1")


def test_the_web_view_marks_each_hit_and_page_with_its_language_and_direction(many):
    from searchlib.web import app as serving

    client = serving.create_app(many).test_client()
    page = client.get("/?q=ISIS-K&language=ar").get_data(as_text=True)
    assert 'class="hit-title" dir="auto" lang="ar"' in page and 'class="snippet" dir="auto" lang="ar"' in page
    assert "fr-isisk-kaboul" not in page  # the language= parameter filters, as --language does
    key = page.split('href="/doc/')[1].split('"')[0]  # the first hit's document page
    doc = client.get(f"/doc/{key}").get_data(as_text=True)
    assert '<h1 dir="auto" lang="ar">' in doc
