"""`searchlib index --from-jsonl`: an import never wipes or corrupts an archive."""

from __future__ import annotations

import json

import pytest

from searchlib import SearchRequest, build_index, search
from searchlib.errors import BadValue
from searchlib.store.indexing import import_records

from ..conftest import FIXTURES, invoke

GOOD = {"key": "a.txt", "title": "Kabul airport", "text": "Officials in Kabul said flights would resume.",
        "groups": ["Taliban"], "countries": ["Afghanistan"], "published": "2021-08-27",
        "officials": [{"name": "Zabihullah Mujahid", "role": "Spokesman", "country": None}], "dates": ["2021-08-26"]}


@pytest.fixture
def archive(tmp_path):
    ix = tmp_path / "ix"
    build_index([str(FIXTURES)], str(ix), jobs=1)
    return ix


def keys(ix):
    return sorted(h.key for h in search(SearchRequest("*", limit=100, all=True), str(ix)).hits)


def write(tmp_path, *rows, raw: str | None = None):
    path = tmp_path / "in.jsonl"
    path.write_text(raw if raw is not None else "".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_an_empty_import_file_never_replaces_the_archive(archive, tmp_path, runner):
    before = keys(archive)
    result = invoke(runner, "index", "--from-jsonl", write(tmp_path, raw="\n\n"), "--index", archive)
    assert result.exit_code == 2 and "holds no records" in result.stderr and "nothing was changed" in result.stderr
    assert keys(archive) == before


@pytest.mark.parametrize("field, value, says", [
    ("key", None, '"key" must be a non-empty string'),
    ("key", 5, '"key" must be a non-empty string'),
    ("key", "", '"key" must be a non-empty string'),
    ("title", 7, '"title" must be a string or null'),
    ("text", None, '"text" must be a string'),
    ("groups", "Taliban", '"groups" must be a list of strings'),
    ("countries", [1, 2], '"countries" must be a list of strings'),
    ("published", "yesterday", '"published" \'yesterday\' is not a date'),
    ("published", "2021-02-30", "is not a date"),
    ("dates", ["2021-13"], '"dates" holds'),
    ("officials", [{"name": 3}], '"officials" must be a list of objects'),
    ("officials", "Biden", '"officials" must be a list of objects'),
    ("size", "big", '"size" must be a whole number'),
    ("origin", "file", '"origin" must be an object'),
])
def test_a_line_with_a_field_of_the_wrong_type_is_named_and_changes_nothing(archive, tmp_path, runner, field,
                                                                              value, says):
    before = keys(archive)
    bad = {**GOOD, "key": "b.txt", field: value}
    result = invoke(runner, "index", "--from-jsonl", write(tmp_path, GOOD, bad), "--index", archive)
    assert result.exit_code == 2, result.output
    assert "line 2" in result.stderr and says in result.stderr and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert keys(archive) == before


def test_a_key_given_twice_is_refused(archive, tmp_path):
    with pytest.raises(BadValue, match="key 'a.txt' was already given on line 1"):
        import_records(str(write(tmp_path, GOOD, GOOD)), str(archive))


def test_a_line_that_is_not_an_object_is_refused(archive, tmp_path):
    with pytest.raises(BadValue, match="line 1: the line is not a JSON object"):
        import_records(str(write(tmp_path, raw="[1, 2]\n")), str(archive))


def test_an_overlong_line_is_refused_without_reading_it_whole(archive, tmp_path, monkeypatch):
    from searchlib.derive import loading

    monkeypatch.setattr(loading, "MAX_BYTES", 1000)
    path = write(tmp_path, raw=json.dumps(dict(GOOD, text="x" * 5000)) + "\n")
    with pytest.raises(BadValue, match="line 1: longer than"):
        import_records(str(path), str(archive))


def test_a_valid_import_gives_the_same_facets_as_the_export(tmp_path):
    ix = tmp_path / "ix"
    report = import_records(str(write(tmp_path, GOOD)), str(ix))
    assert report.added == 1
    hit = search(SearchRequest("Kabul", facets=True), str(ix))
    assert [c.value for c in hit.facets["group"]] == ["Taliban"]
    assert hit.hits[0].officials[0]["name"] == "Zabihullah Mujahid"
