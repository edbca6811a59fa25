"""The official facet across an archive: a surname alone is the one full name the archive gives
it ("Obama" is "Barack Obama"), kept right by incremental runs; and a filter on whose a role is
("Taliban spokesman")."""

from __future__ import annotations

import csv
import io
import os

import pytest

from searchlib import facets
from searchlib.query import searching
from searchlib.store import indexing

from ..conftest import invoke, search_json

PAGES = {
    "obama-full.txt": ("Troops to leave Kabul by December",
                       "President Barack Obama said on Monday that the last American combat troops would leave "
                       "Afghanistan by the end of the year, after talks with the government in Kabul."),
    "obama-surname.txt": ("Talks with Kabul will go on",
                          "President Obama told reporters in Washington on Friday that the talks with the Afghan "
                          "government would go on through the winter."),
    "taliban.txt": ("Taliban deny the attack",
                    "Taliban spokesman Zabihullah Mujahid said on Sunday that the group had no part in the bombing "
                    "of the market in Kandahar."),
    "pentagon.txt": ("Pentagon on the raid",
                     "Pentagon spokesman John Kirby said on Sunday that the raid in eastern Syria had killed two "
                     "senior militants of the group."),
    "bush-surname.txt": ("Help for the flooded towns",
                         "President Bush visited the flooded towns of the coast on Tuesday and promised federal "
                         "help to the families who lost their homes."),
    "george-bush.txt": ("The war budget",
                        "President George W. Bush asked Congress on Wednesday for more money for the wars in Iraq "
                        "and Afghanistan, his aides said."),
    "jeb-bush.txt": ("Florida braces for the storm",
                     "Florida Governor Jeb Bush told residents of the coast on Thursday to leave their homes before "
                     "the storm reached land."),
}


def write(folder, *names) -> None:
    for name in names:
        title, body = PAGES[name]
        (folder / name).write_text(f"{title}\n\n{body}\n", encoding="utf-8")


def officials_facet(index_dir: str) -> dict[str, int]:
    with searching.Searcher(index_dir) as s:
        return {c.value: c.count for c in s.facets("official")["official"]}


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> str:
    pages = tmp_path_factory.mktemp("official-pages")
    write(pages, "obama-full.txt", "obama-surname.txt", "taliban.txt", "pentagon.txt")
    ix = str(tmp_path_factory.mktemp("officials") / "ix")
    report = indexing.build_index([str(pages)], ix, jobs=1)
    assert report.added == 4 and not report.failed, report.failed
    return ix


# ----------------------------------------------------------------------------- one person, one value

def test_a_surname_alone_counts_as_the_one_full_name_of_the_archive(archive):
    counts = officials_facet(archive)
    assert counts["Barack Obama"] == 2
    assert "Obama" not in counts


def test_a_hit_shows_the_archive_s_full_name_in_json_and_csv(runner, archive):
    _result, data = search_json(runner, archive, "winter")
    assert [o["name"] for o in data["hits"][0]["officials"]] == ["Barack Obama"]
    result = invoke(runner, "search", "winter", "--index", archive, "--format", "csv")
    row, = csv.DictReader(io.StringIO(result.stdout))
    assert row["officials"] == "Barack Obama"


def test_show_gives_the_full_name_with_its_sentence(archive):
    with searching.Searcher(archive) as s:
        rec = s.document("obama-surname.txt")
    assert [o["name"] for o in rec["officials"]] == ["Barack Obama"]
    evidence = [e for e in rec["evidence"] if e["field"] == "official"]
    assert [e["value"] for e in evidence] == ["Barack Obama"] and "President Obama told" in evidence[0]["sentence"]


def test_the_surname_filter_still_finds_every_page_and_echoes_the_full_name(runner, archive):
    result, data = search_json(runner, archive, "*", "--official", "Obama")
    assert result.exit_code == 0, result.output
    assert sorted(h["key"] for h in data["hits"]) == ["obama-full.txt", "obama-surname.txt"]
    assert data["filters"]["official"] == ["Barack Obama"]


def test_the_full_name_filter_finds_the_pages_that_give_only_the_surname(runner, archive):
    _result, data = search_json(runner, archive, "*", "--official", "Barack Obama", "--facets")
    assert sorted(h["key"] for h in data["hits"]) == ["obama-full.txt", "obama-surname.txt"]
    assert [(c["value"], c["count"]) for c in data["facets"]["official"]] == [("Barack Obama", 2)]


def test_export_with_a_full_name_filter_shows_the_full_name(archive):
    with searching.Searcher(archive) as s:
        recs = list(s.export(searching.SearchRequest(officials=("Barack Obama",))))
    assert [[o["name"] for o in r["officials"]] for r in recs] == [["Barack Obama"], ["Barack Obama"]]


# ----------------------------------------------------------------------------- incremental runs

def test_a_later_batch_with_the_full_name_renames_the_surname(tmp_path):
    pages, ix = tmp_path / "pages", str(tmp_path / "ix")
    pages.mkdir()
    write(pages, "bush-surname.txt")
    indexing.build_index([str(pages)], ix, jobs=1)
    assert officials_facet(ix) == {"Bush": 1}
    write(pages, "george-bush.txt")
    assert indexing.build_index([str(pages)], ix, jobs=1).added == 1
    assert officials_facet(ix) == {"George W. Bush": 2}


def test_a_second_full_name_with_the_surname_leaves_the_surname_alone(tmp_path):
    pages, ix = tmp_path / "pages", str(tmp_path / "ix")
    pages.mkdir()
    write(pages, "bush-surname.txt", "george-bush.txt")
    indexing.build_index([str(pages)], ix, jobs=1)
    write(pages, "jeb-bush.txt")
    indexing.build_index([str(pages)], ix, jobs=1)
    assert officials_facet(ix) == {"Bush": 1, "George W. Bush": 1, "Jeb Bush": 1}
    with searching.Searcher(ix) as s:
        hit, = s.search(searching.SearchRequest("flooded")).hits
        assert [o["name"] for o in hit.officials] == ["Bush"]
        # the full name does not take in a surname that may be another person's
        found = s.search(searching.SearchRequest("*", officials=("George W. Bush",)))
        assert [h.key for h in found.hits] == ["george-bush.txt"]
    # the second full name gone (its page removed), the surname is the one left again
    os.remove(pages / "jeb-bush.txt")
    indexing.build_index([str(pages)], ix, jobs=1, confirm=lambda _message: True)
    assert officials_facet(ix) == {"George W. Bush": 2}


def test_archive_names_need_exactly_one_full_name_with_the_surname():
    facet = facets.get("official")
    values = {"Obama": [1], "Barack Obama": [2], "Bush": [3], "George W. Bush": [4], "Jeb Bush": [5],
              "King": [6], "Martin Luther King Jr.": [7], "Kerry": [8], "John Kerry": []}
    assert facet.archive_names(values) == {"Obama": "Barack Obama", "King": "Martin Luther King Jr."}


# ----------------------------------------------------------------------------- whose the role is

def test_official_organisation_and_role_filter(runner, archive):
    result, data = search_json(runner, archive, "*", "--official", "Taliban spokesman")
    assert result.exit_code == 0, result.output
    assert [h["key"] for h in data["hits"]] == ["taliban.txt"]
    _result, data = search_json(runner, archive, "*", "--official", "spokesman")
    assert sorted(h["key"] for h in data["hits"]) == ["pentagon.txt", "taliban.txt"]


def test_the_json_hit_gives_the_official_s_organisation(runner, archive):
    _result, data = search_json(runner, archive, "Kandahar")
    assert data["hits"][0]["officials"] == [
        {"name": "Zabihullah Mujahid", "role": "Spokesman", "country": None, "organisation": "Taliban"}]


def test_the_text_hit_says_whose_role_it_is(runner, archive):
    result = invoke(runner, "search", "Kandahar", "--index", archive)
    assert "Zabihullah Mujahid (Taliban Spokesman)" in result.stdout


def test_an_organisation_with_another_role_does_not_match(runner, archive):
    result = invoke(runner, "search", "*", "--official", "Taliban president", "--index", archive)
    assert result.exit_code == 2 and "Unknown official" in result.stderr
