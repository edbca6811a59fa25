"""`searchlib analyze timeline` and `searchlib analyze co-mentions`: thin commands over query/analysis.py,
with the search filters and exit codes of `search`."""

from __future__ import annotations

import json

import pytest

from searchlib.query import analysis, searching

from .. import analyst_fixture
from ..conftest import invoke


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> str:
    return analyst_fixture.build(tmp_path_factory.mktemp("analyze"))


def run(runner, index_dir, *args):
    return invoke(runner, "analyze", *args, "--index", index_dir)


def test_timeline_json_is_the_library_shape(runner, index_dir):
    result = run(runner, index_dir, "timeline", "attack", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == analysis.timeline(index_dir, searching.SearchRequest("attack"))


def test_timeline_takes_the_search_filters_with_their_aliases(runner, index_dir):
    result = run(runner, index_dir, "timeline", "--country", "Afghan", "--from", "2021-08", "--to", "2021-09",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["filters"]["country"] == ["Afghanistan"] and data["bucket"] == "day"
    assert data["filter"] == {"country": ["Afghan"], "from": "2021-08", "to": "2021-09"}
    assert data["month_only"]["count"] == 1


def test_timeline_by_a_facet_gives_one_column_per_series_in_csv(runner, index_dir):
    result = run(runner, index_dir, "timeline", "--by", "group", "--series", "2", "--bucket", "year", "--format", "csv")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == '"period","from","to","all","Islamic State","Taliban"'
    assert lines[-1] == '"2021","2021-01-01","2021-12-31","4","2","2"'


def test_timeline_text_draws_a_bar_per_period(runner, index_dir):
    result = run(runner, index_dir, "timeline")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "7 stories per year, 2015-06-10 to 2021-09-02 (1 undated)"
    assert lines[-1].split()[:2] == ["2021", "4"] and lines[-1].endswith("#" * 40)


def test_co_mentions_formats(runner, index_dir):
    data = json.loads(run(runner, index_dir, "co-mentions", "--limit", "2", "--format", "json").stdout)
    assert data == analysis.co_mentions(index_dir, searching.SearchRequest("*"), limit=2)
    csv_out = run(runner, index_dir, "co-mentions", "--rows", "official", "--cols", "country", "--format", "csv")
    assert csv_out.exit_code == 0 and csv_out.stdout.splitlines()[2].startswith('"Joe Biden","2"')
    text = run(runner, index_dir, "co-mentions", "ISIS-K", "--limit", "2")
    assert text.exit_code == 0 and text.stdout.startswith("2 stories for 'ISIS-K': group by country")


def test_nothing_matched_exits_1_with_valid_output(runner, index_dir):
    result = run(runner, index_dir, "co-mentions", "zebra", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["total"] == 0 and data["cells"] == []


@pytest.mark.parametrize("args, message", [
    (("co-mentions", "--rows", "colour"), "Unknown facet 'colour' for the rows"),
    (("timeline", "--by", "year"), "Unknown facet 'year' for the series"),
    (("timeline", "--country", "Atlantis"), "Unknown country 'Atlantis'"),
    (("timeline", "--bucket", "day"), "bars"),
    (("timeline", '"unbalanced'), "Unbalanced quote"),
])
def test_user_errors_exit_2_with_one_line(runner, index_dir, args, message):
    result = run(runner, index_dir, *args)
    assert result.exit_code == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
