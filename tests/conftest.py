"""Shared fixtures: the hand-written fixture corpus and an index built from it once per session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchlib.cli.commands import cli

FIXTURES = Path(__file__).parent / "fixtures" / "corpus"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def built_index(tmp_path_factory) -> str:
    from searchlib.store.indexing import build_index

    index_dir = tmp_path_factory.mktemp("index")
    report = build_index([str(FIXTURES)], str(index_dir), jobs=1)
    assert report.added == 8 and not report.failed, report.failed
    return str(index_dir)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner, *args):
    return runner.invoke(cli, [str(a) for a in args])


def search_json(runner, index_dir, *args):
    result = invoke(runner, "search", *args, "--index", index_dir, "--format", "json", "--limit", "100")
    return result, (json.loads(result.stdout) if result.stdout.strip() else None)


def keys(data) -> list[str]:
    return [h["key"] for h in data["hits"]]
