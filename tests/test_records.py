"""records.py, the one JSON codec of a record: what extract writes, import reads and export gives back."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest

from searchlib.derive import loading, pipeline
from searchlib import records

from .conftest import FIXTURES, invoke
from .derive.test_warc import write_warc

CONTENT = ("key", "title", "author", "published", "text", "groups", "countries", "officials", "dates", "site")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The fixture pages and a WARC file: records from files and from WARC records."""
    folder = tmp_path_factory.mktemp("records") / "corpus"
    shutil.copytree(FIXTURES, folder)
    write_warc(folder / "crawl.warc.gz")
    return folder


def lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_the_codec_names_every_field_of_a_record():
    assert records.FIELDS == tuple(f.name for f in dataclasses.fields(pipeline.Record))


def test_a_derived_record_decodes_to_itself(corpus):
    derived = [r for s in loading.iter_sources([str(corpus)]) for r in pipeline.derive_file(s).records]
    assert len(derived) > 8 and any(r.origin["kind"] == "warc" for r in derived)
    for record in derived:
        again = records.decode(json.loads(records.json_line(records.encode(record))), "test")
        assert again == record
        assert (again.evidence, again.origin, again.sketch) == (record.evidence, record.origin, record.sketch)


def test_extract_then_import_then_export_gives_the_same_records(corpus, tmp_path, runner):
    extracted = invoke(runner, "extract", corpus, "--jobs", "1")
    assert extracted.exit_code == 0, extracted.output
    (tmp_path / "extract.jsonl").write_text(extracted.stdout, encoding="utf-8")
    imported = invoke(runner, "index", "--from-jsonl", tmp_path / "extract.jsonl", "--index", tmp_path / "ix")
    assert imported.exit_code == 0, imported.output
    exported = invoke(runner, "export", "--with-text", "--index", tmp_path / "ix")
    assert exported.exit_code == 0, exported.output
    before = sorted(({k: r[k] for k in CONTENT} for r in lines(extracted.stdout)), key=lambda r: r["key"])
    assert [{k: r[k] for k in CONTENT} for r in lines(exported.stdout)] == before


def test_an_export_imports_and_exports_again_unchanged(corpus, tmp_path, runner):
    """Every field survives the round trip, provenance too; only the time it was indexed moves."""
    assert invoke(runner, "index", corpus, "--index", tmp_path / "ix", "--jobs", "1").exit_code == 0
    first = invoke(runner, "export", "--with-text", "--index", tmp_path / "ix").stdout
    (tmp_path / "export.jsonl").write_text(first, encoding="utf-8")
    assert invoke(runner, "index", "--from-jsonl", tmp_path / "export.jsonl", "--index", tmp_path / "again").exit_code == 0
    second = invoke(runner, "export", "--with-text", "--index", tmp_path / "again").stdout
    one, two = lines(first), lines(second)
    assert any(r["origin"]["kind"] == "warc" and r["path"].startswith("https://") for r in one)
    for row in one + two:
        assert list(row) == [*records.CATALOGUE_FIELDS, "cluster"]
        row.pop("indexed_at")
    assert one == two
