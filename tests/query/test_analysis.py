"""The analyst views (query/analysis.py): timelines, comparative timelines and co-mentions, counted
on the hand-made archive of tests/analyst_fixture.py, and every link they carry checked by
running its search."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from searchlib import settings
from searchlib.errors import BadValue
from searchlib.query import analysis, searching
from searchlib.query.searching import SearchRequest

from .. import analyst_fixture


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    with searching.Searcher(analyst_fixture.build(tmp_path_factory.mktemp("analyst"))) as s:
        yield s


def periods(data: dict) -> dict[str, int]:
    return {b["period"]: b["count"] for b in data["buckets"]}


def total_of(searcher, line: dict) -> int:
    """What the search a filter stands for finds (its `search --batch` line run as it is)."""
    return searcher.search(searching.request_from_line(json.dumps(line), SearchRequest(limit=0))).total


def links(data: dict):
    """(count, exact, filter) of every bucket, series, value and cell of a view."""
    for b in data.get("buckets", []):
        yield b["count"], b["exact"], b["filter"]
    for s in data.get("series", []):
        yield s["count"], s["exact"], s["filter"]
        for b in s["buckets"]:
            yield b["count"], b["exact"], b["filter"]
    for side in ("rows", "cols"):
        for v in data.get(side, {}).get("values", []):
            yield v["count"], v["exact"], v["filter"]
    for line in data.get("cells", []):
        for cell in line:
            yield cell["count"], cell["exact"], cell["filter"]


# ----------------------------------------------------------------------------- timeline

def test_a_timeline_over_six_years_counts_stories_per_year_with_every_year_present(searcher):
    data = analysis.timeline(searcher, SearchRequest("*"))
    assert data["bucket"] == "year" and (data["first"], data["last"]) == ("2015-06-10", "2021-09-02")
    # the two airport copies are one story; the month-only talks count in 2021
    assert periods(data) == {"2015": 1, "2016": 0, "2017": 0, "2018": 0, "2019": 1, "2020": 0, "2021": 4}
    assert data["total"] == 7 and data["dated"] == 6 and data["undated"] == 1
    assert data["counted"] == "stories" and data["month_only"] == {"count": 0, "periods": []}
    first = data["buckets"][0]
    assert (first["from"], first["to"], first["filter"]) == ("2015-01-01", "2015-12-31", {"from": "2015", "to": "2015"})


def test_a_timeline_over_a_few_years_counts_per_month(searcher):
    data = analysis.timeline(searcher, SearchRequest("*", date_from="2019"))
    assert data["bucket"] == "month"
    counts = periods(data)
    assert list(counts)[0] == "2019-03" and list(counts)[-1] == "2021-09" and len(counts) == 31
    assert counts["2019-03"] == 1 and counts["2020-01"] == 0
    assert counts["2021-08"] == 3  # the airport story, the speech, and the talks dated only "August 2021"
    assert counts["2021-09"] == 1
    assert data["buckets"][0]["filter"] == {"from": "2019-03", "to": "2019-03"}


def test_a_timeline_over_weeks_counts_per_day_and_names_the_month_only_dates(searcher):
    data = analysis.timeline(searcher, SearchRequest("*", date_from="2021-08", date_to="2021-09"))
    assert data["bucket"] == "day" and (data["first"], data["last"]) == ("2021-08-01", "2021-09-02")
    counts = periods(data)
    assert len(counts) == 33 and counts["2021-08-26"] == 2 and counts["2021-08-27"] == 1
    assert counts["2021-09-02"] == 1 and counts["2021-08-01"] == 0
    assert data["month_only"]["count"] == 1
    assert [(p["period"], p["count"]) for p in data["month_only"]["periods"]] == [("2021-08", 1)]
    by_day = {b["period"]: b for b in data["buckets"]}
    # a day's search also finds the page dated only "August 2021": its count is not that search's total
    assert not by_day["2021-08-26"]["exact"] and by_day["2021-09-02"]["exact"]


def test_a_bucket_cut_by_the_requested_range_links_to_its_days(searcher):
    data = analysis.timeline(searcher, SearchRequest("*", date_from="2021-08-20"), bucket="month")
    first = data["buckets"][0]
    assert (first["period"], first["from"], first["to"]) == ("2021-08", "2021-08-20", "2021-08-31")
    assert first["filter"] == {"from": "2021-08-20", "to": "2021-08-31"}


def test_an_open_ended_range_spans_the_dates_of_the_matches(searcher):
    data = analysis.timeline(searcher, SearchRequest("*", date_to="2019"))
    assert (data["bucket"], data["first"], data["last"]) == ("month", "2015-06-10", "2019-03-01")  # under 6 years
    assert data["buckets"][-1]["filter"] == {"from": "2019-03", "to": "2019-03"}
    data = analysis.timeline(searcher, SearchRequest("*", date_from="2021-09"))
    assert (data["bucket"], data["first"], data["last"]) == ("day", "2021-09-02", "2021-09-02")


def test_an_asked_for_bucket_is_used_and_a_bad_one_is_refused(searcher):
    assert analysis.timeline(searcher, SearchRequest("*"), bucket="month")["bucket"] == "month"
    with pytest.raises(BadValue, match="Unknown bucket 'week'"):
        analysis.timeline(searcher, SearchRequest("*"), bucket="week")
    with pytest.raises(BadValue, match="bars"):  # days over six years: more bars than TIMELINE_MAX_BUCKETS
        analysis.timeline(searcher, SearchRequest("*"), bucket="day")


@pytest.mark.parametrize("days, bucket", [(settings.TIMELINE_YEAR_SPAN + 1, "year"), (settings.TIMELINE_YEAR_SPAN, "month"),
                                          (settings.TIMELINE_MONTH_SPAN + 1, "month"), (settings.TIMELINE_MONTH_SPAN, "day"),
                                          (1, "day")])
def test_the_bucket_follows_the_span_of_the_dates_shown(days, bucket):
    first = dt.date(2020, 1, 1)
    assert analysis.choose_bucket(first, first + dt.timedelta(days=days - 1)) == bucket


def test_a_short_span_of_mostly_month_only_dates_is_counted_per_month():
    first = dt.date(2020, 1, 1)
    assert analysis.choose_bucket(first, first + dt.timedelta(days=30), day_dated=1, coarser=3) == "month"


def test_a_timeline_of_nothing_dated_has_no_buckets(searcher):
    data = analysis.timeline(searcher, SearchRequest("roadside"))
    assert data["total"] == 1 and data["undated"] == 1 and data["buckets"] == [] and data["first"] is None


def test_every_copy_counts_with_all(searcher):
    data = analysis.timeline(searcher, SearchRequest("*", date_from="2021-08-26", date_to="2021-08-27", all=True))
    assert data["counted"] == "documents" and data["total"] == 4  # both airport copies, the speech, the talks
    assert data["buckets"][0]["filter"] == {"from": "2021-08-26", "to": "2021-08-26", "all": True}


# ----------------------------------------------------------------------------- comparative timeline

def test_a_comparative_timeline_splits_by_the_top_groups(searcher):
    data = analysis.comparative_timeline(searcher, SearchRequest("*"), by="group", series=3)
    assert data["by"] == "group" and data["bucket"] == "year"
    assert [(s["value"], s["count"]) for s in data["series"]] == [("Islamic State", 3), ("Taliban", 3), ("ISIS-K", 2)]
    islamic_state = data["series"][0]
    # with its affiliate ISIS-K, as --group "Islamic State" selects
    assert periods(islamic_state) == {"2015": 1, "2016": 0, "2017": 0, "2018": 0, "2019": 0, "2020": 0, "2021": 2}
    taliban = data["series"][1]
    assert taliban["undated"] == 1 and taliban["filter"] == {"group": ["Taliban"]}
    assert taliban["buckets"][-1]["filter"] == {"group": ["Taliban"], "from": "2021", "to": "2021"}
    assert [b["period"] for b in taliban["buckets"]] == [b["period"] for b in data["buckets"]]


def test_a_comparative_timeline_splits_by_any_registered_facet(searcher):
    data = analysis.comparative_timeline(searcher, SearchRequest("attack"), by="country", series=2)
    assert [(s["value"], s["count"]) for s in data["series"]] == [("Afghanistan", 4), ("Pakistan", 2)]
    with pytest.raises(BadValue, match="Unknown facet 'colour'.*group, country, official"):
        analysis.comparative_timeline(searcher, SearchRequest("*"), by="colour")
    with pytest.raises(BadValue, match="Invalid series 0"):
        analysis.comparative_timeline(searcher, SearchRequest("*"), series=0)


# ----------------------------------------------------------------------------- co-mentions

def test_co_mentions_count_stories_mentioning_both_values(searcher):
    data = analysis.co_mentions(searcher, SearchRequest("*"), rows="group", cols="country", limit=4)
    rows = [v["value"] for v in data["rows"]["values"]]
    cols = [v["value"] for v in data["cols"]["values"]]
    assert rows == ["Islamic State", "Taliban", "ISIS-K", "al-Qaeda"]  # al-Qaeda: with its affiliate al-Shabaab
    assert cols == ["Afghanistan", "Pakistan", "United States", "Iraq"]
    cell = {(r, c): data["cells"][i][j]["count"] for i, r in enumerate(rows) for j, c in enumerate(cols)}
    assert cell["ISIS-K", "Pakistan"] == 2  # the second airport copy names Pakistan: its story counts once
    assert cell["ISIS-K", "Afghanistan"] == 2 and cell["Taliban", "Afghanistan"] == 3
    assert cell["Taliban", "United States"] == 0 and cell["Islamic State", "Iraq"] == 1
    assert data["cells"][2][1]["filter"] == {"group": ["ISIS-K"], "country": ["Pakistan"]}
    assert data["rows"]["values"][2]["label"] == "ISIS-K (Islamic State)"


def test_co_mentions_with_officials_and_within_the_current_search(searcher):
    data = analysis.co_mentions(searcher, SearchRequest("evacuation"), rows="official", cols="country")
    assert [(v["value"], v["count"]) for v in data["rows"]["values"]] == [("Joe Biden", 2)]
    by_col = {c["value"]: cell["count"] for c, cell in zip(data["cols"]["values"], data["cells"][0])}
    assert by_col == {"Afghanistan": 1, "United States": 2, "Pakistan": 0}
    assert data["cells"][0][0]["filter"]["query"] == "evacuation"


def test_co_mentions_count_every_copy_with_all(searcher):
    data = analysis.co_mentions(searcher, SearchRequest("*", all=True), rows="group", cols="country", limit=3)
    assert data["counted"] == "documents"
    cell = data["cells"][[v["value"] for v in data["rows"]["values"]].index("ISIS-K")][0]
    assert cell["count"] == 3 and cell["filter"]["all"] is True  # airport-a, airport-b, border with Afghanistan


def test_a_value_outside_the_requests_own_filter_on_its_facet_is_marked_inexact(searcher):
    data = analysis.co_mentions(searcher, SearchRequest("*", groups=("Taliban",)), rows="group", cols="country")
    values = {v["value"]: v for v in data["rows"]["values"]}
    assert values["Taliban"]["exact"] and values["Taliban"]["count"] == 3
    # border names ISIS-K too, but --group ISIS-K instead of Taliban also finds the airport story
    assert values["ISIS-K"]["count"] == 1 and not values["ISIS-K"]["exact"]
    assert total_of(searcher, values["ISIS-K"]["filter"]) == 2


def test_a_co_mention_matrix_of_one_facet_with_itself_is_exact_only_on_its_diagonal(searcher):
    data = analysis.co_mentions(searcher, SearchRequest("*"), rows="group", cols="group", limit=3)
    assert [[c["exact"] for c in line] for line in data["cells"]] == [[True, False, False], [False, True, False],
                                                                     [False, False, True]]


def test_bad_facets_and_limits_are_user_errors(searcher):
    with pytest.raises(BadValue, match="Unknown facet 'year' for the rows"):
        analysis.co_mentions(searcher, SearchRequest("*"), rows="year")
    with pytest.raises(BadValue, match=f"Invalid limit 0: use a whole number from 1 to {settings.CO_MENTIONS_MAX}"):
        analysis.co_mentions(searcher, SearchRequest("*"), limit=0)


# ----------------------------------------------------------------------------- links and agreement

REQUESTS = [SearchRequest("*"), SearchRequest("attack"), SearchRequest("attack", countries=("Pakistan",)),
            SearchRequest("*", date_from="2021-08", date_to="2021-09"), SearchRequest("airport hospital zebra"),
            SearchRequest("*", all=True), SearchRequest("*", groups=("Islamic State",)),
            SearchRequest("*", officials=("Biden",))]


@pytest.mark.parametrize("request_", REQUESTS, ids=lambda r: json.dumps(analysis.request_filter(r)))
def test_the_views_count_what_search_counts(searcher, request_):
    total = searcher.search(request_).total
    assert analysis.timeline(searcher, request_)["total"] == total
    assert analysis.co_mentions(searcher, request_)["total"] == total
    assert total_of(searcher, analysis.request_filter(request_)) == total


@pytest.mark.parametrize("request_", REQUESTS, ids=lambda r: json.dumps(analysis.request_filter(r)))
def test_every_exact_link_finds_its_count(searcher, request_):
    views = [analysis.timeline(searcher, request_), analysis.comparative_timeline(searcher, request_, by="group"),
             analysis.comparative_timeline(searcher, request_, by="country"),
             analysis.co_mentions(searcher, request_, rows="group", cols="country"),
             analysis.co_mentions(searcher, request_, rows="official", cols="group")]
    checked = 0
    for view in views:
        for count, exact, line in links(view):
            if exact:
                assert total_of(searcher, line) == count, line
                checked += 1
            else:  # what it stands for is narrower than any one search: that search finds more
                assert total_of(searcher, line) >= count, line
    assert checked


def test_the_library_opens_an_index_folder_itself(searcher):
    assert analysis.timeline(searcher.index_dir, SearchRequest("*"))["total"] == 7


# ----------------------------------------------------------------------------- shapes and rendering

def test_the_json_shapes_are_stable(searcher):
    head = ["query", "filters", "filter", "counted", "total"]
    span = ["bucket", "first", "last", "dated", "undated", "buckets", "month_only"]
    data = analysis.timeline(searcher, SearchRequest("*"))
    assert list(data) == head + span
    assert list(data["buckets"][0]) == ["period", "from", "to", "count", "exact", "filter"]
    data = analysis.comparative_timeline(searcher, SearchRequest("*"))
    assert list(data) == head + ["by"] + span + ["series"]
    assert list(data["series"][0]) == ["value", "label", "count", "exact", "filter", "dated", "undated", "buckets",
                                       "month_only"]
    data = analysis.co_mentions(searcher, SearchRequest("*"))
    assert list(data) == head + ["rows", "cols", "cells"]
    assert list(data["rows"]) == ["facet", "title", "values"]
    assert list(data["cells"][0][0]) == ["count", "exact", "filter"]
    json.dumps(data)


def test_csv_and_text_show_the_matrix_with_its_totals(searcher):
    import io

    data = analysis.co_mentions(searcher, SearchRequest("*"), limit=2)
    out = io.StringIO()
    analysis.write(data, "csv", out)
    assert out.getvalue().splitlines() == ['"group","all","Afghanistan","Pakistan"', '"all","7","4","2"',
                                           '"Islamic State","3","2","2"', '"Taliban","3","3","1"']
    out = io.StringIO()
    analysis.write(data, "text", out)
    assert out.getvalue().splitlines()[0] == "7 stories: group by country, stories mentioning both"


def test_csv_cells_from_the_archive_never_run_as_formulas(searcher):
    import io

    data = analysis.co_mentions(searcher, SearchRequest("*"), limit=1)
    data["cols"]["values"][0]["value"] = "=HYPERLINK(1)"
    out = io.StringIO()
    analysis.write(data, "csv", out)
    assert "\"'=HYPERLINK(1)\"" in out.getvalue()
